//! The `docker` command line, run with a time limit and bounded output: a
//! daemon that hangs, or an image whose logs or files are huge, cannot make
//! dsig wait or grow without end. Used by `--images docker`
//! ([`crate::model::base`]) and `dsig probe` ([`crate::probe`]).

use std::io::Read;
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
    let mut child = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the docker command: {e}"))?;
    let reader = |pipe: Option<Box<dyn Read + Send>>, max: u64| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(max).read_to_end(&mut buf);
            }
            buf
        })
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
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`docker {}` did not answer within {} s",
                    args.first().copied().unwrap_or(""),
                    limit.as_secs()
                ));
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Ran {
        status,
        stdout,
        stderr,
    })
}
