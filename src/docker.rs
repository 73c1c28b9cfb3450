//! The `docker` command line, run with a time limit and bounded output: a
//! daemon that hangs, or an image whose logs or files are huge, cannot make
//! dsig wait or grow without end. Used by `--images docker`
//! ([`crate::model::base`]), `dsig probe` ([`crate::probe`]) and, through
//! [`run_bounded`], the credential helpers of `--images registry`.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a `docker` command did.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    /// Its stdout, at most the limit given (a command cut short by the
    /// limit usually fails: its pipe is closed).
    pub stdout: Vec<u8>,
    /// Its stderr, at most 64 KiB.
    pub stderr: Vec<u8>,
}

impl Ran {
    /// The last line of stderr, for an error message.
    #[must_use]
    pub fn why(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        text.trim().lines().last().unwrap_or("").trim().to_string()
    }
}

/// Run `docker ARGS`, killed after `limit` (then `Err`), reading at most
/// `max_out` bytes of stdout while it runs (a full pipe would block it).
///
/// # Errors
/// When the command cannot be started or does not end in time.
pub fn run(args: &[&str], limit: Duration, max_out: u64) -> Result<Ran, String> {
    let mut cmd = Command::new("docker");
    cmd.args(args);
    run_bounded(cmd, None, limit, max_out)
}

/// Run `cmd` (a `docker` command, or a `docker-credential-*` helper of
/// `--images registry`) with `input` on its stdin (then closed; none:
/// /dev/null), killed after `limit` (then `Err`), reading at most `max_out`
/// bytes of stdout and 64 KiB of stderr while it runs (a full pipe would
/// block it). Output that a process it left behind holds open is waited
/// for no longer than the time left (at least half a second).
///
/// # Errors
/// When the command cannot be started, does not end in time, or its
/// output does not end in time.
pub fn run_bounded(
    mut cmd: Command,
    input: Option<&[u8]>,
    limit: Duration,
    max_out: u64,
) -> Result<Ran, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let first = cmd
        .get_args()
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the {program} command: {e}"))?;
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        let _ = stdin.write_all(input);
    }
    let reader = |pipe: Option<Box<dyn Read + Send>>, max: u64| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(max).read_to_end(&mut buf);
            }
            let _ = tx.send(buf);
        });
        rx
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        max_out,
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        64 << 10,
    );
    let deadline = Instant::now() + limit;
    let late = || {
        format!(
            "`{program} {first}` did not answer within {} s",
            limit.as_secs()
        )
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(late());
            }
        }
    };
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(500))
    };
    let stdout = out.recv_timeout(left()).map_err(|_| late())?;
    let stderr = err.recv_timeout(left()).unwrap_or_default();
    Ok(Ran {
        status,
        stdout,
        stderr,
    })
}
