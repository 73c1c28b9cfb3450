//! `dsig server`: the language server (issue 18). Being written.

/// Serve LSP on stdin/stdout until the client says exit.
///
/// # Errors
/// Always, for now.
pub fn run() -> Result<(), String> {
    Err("not yet".to_string())
}
