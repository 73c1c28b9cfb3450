//! Running the `dsig` binary from the integration tests.

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_dsig");

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `dsig` run from `dir`, with no colour, terminal or CI settings inherited.
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null());
    cmd
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("run dsig")
}

/// Run `dsig` from the crate root, so fixture paths are `testdata/...`.
pub fn run(args: &[&str]) -> Output {
    run_in(manifest_dir(), args)
}

/// The exit code (a signal death is a test failure).
pub fn code(out: &Output) -> i32 {
    out.status
        .code()
        .expect("exit code (not killed by a signal)")
}
