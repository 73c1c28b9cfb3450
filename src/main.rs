//! The `dsig` binary: everything lives in [`dsig::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    dsig::cli::run(std::env::args_os())
}
