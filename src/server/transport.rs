//! LSP base protocol framing on stdin/stdout, bounded.
//!
//! lsp-server's own reader trusts its input: a `Content-Length` of 2^60
//! is allocated before a byte arrives, a header line has no length limit,
//! and a body that is not JSON-RPC ends the session. Here headers are
//! limited ([`MAX_HEADER_LINE`], [`MAX_HEADERS`]), a body over
//! [`MAX_BODY`] is skipped unread (and a request in it cannot be
//! answered: the client sees no reply, and stderr says why), and a body
//! that is not a JSON-RPC message is answered with a parse or
//! invalid-request error. Only framing that cannot be resynchronised (a
//! header without `Content-Length`, a line that is not a header) ends the
//! session.

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc;

use lsp_server::{ErrorCode, Message};

use super::Server;

/// The longest header line read.
pub const MAX_HEADER_LINE: usize = 8 * 1024;
/// Header lines in one message, at most.
pub const MAX_HEADERS: usize = 32;
/// The largest message body read: a document of
/// [`crate::files::MAX_FILE_SIZE`] bytes with room for JSON escapes.
pub const MAX_BODY: usize = 2 * crate::files::MAX_FILE_SIZE as usize;
/// Messages handled before the affected documents are linted (and the
/// reader may be this many messages ahead).
const BATCH: usize = 64;

/// What the reader thread read.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A body that is not a JSON-RPC message: the error to answer it
    /// with, and its id when it had one.
    Invalid {
        id: Option<serde_json::Value>,
        code: ErrorCode,
        message: String,
    },
    /// A body too large to read (skipped).
    TooLarge(usize),
}

/// Read one frame: `Ok(None)` at the end of input before a header.
///
/// # Errors
/// On I/O errors and framing that cannot be resynchronised.
pub fn read_frame(r: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut lines = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            if lines == 0 {
                return Ok(None);
            }
            return Err(invalid("the input ended inside a header"));
        }
        if line.last() != Some(&b'\n') {
            return Err(invalid("a header line is too long or unterminated"));
        }
        lines += 1;
        if lines > MAX_HEADERS {
            return Err(invalid("too many header lines"));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(invalid("a header line without `:`"));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let v = value
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid("Content-Length is not a number"))?;
            length = Some(v);
        }
    }
    let length = length.ok_or_else(|| invalid("a message without Content-Length"))?;
    if length > MAX_BODY {
        let skipped = io::copy(&mut r.by_ref().take(length as u64), &mut io::sink())?;
        if (skipped as usize) < length {
            return Err(invalid("the input ended inside a message"));
        }
        return Ok(Some(Incoming::TooLarge(length)));
    }
    let mut body = Vec::new();
    r.by_ref().take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Err(invalid("the input ended inside a message"));
    }
    Ok(Some(parse_body(&body)))
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

/// A body as a message, or the error to answer it with.
#[must_use]
pub fn parse_body(body: &[u8]) -> Incoming {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Invalid {
                id: None,
                code: ErrorCode::ParseError,
                message: format!("not JSON: {e}"),
            }
        }
    };
    let id = value.get("id").cloned().filter(|v| !v.is_null());
    match serde_json::from_value::<Message>(value) {
        // A request whose id lsp-server cannot hold (not an i32 or a
        // string) would read as a notification and never be answered.
        Ok(Message::Notification(_)) if id.is_some() => Incoming::Invalid {
            id,
            code: ErrorCode::InvalidRequest,
            message: "a request id must be a 32-bit integer or a string".to_string(),
        },
        Ok(m) => Incoming::Message(m),
        Err(e) => Incoming::Invalid {
            id,
            code: ErrorCode::InvalidRequest,
            message: format!("not a JSON-RPC request, response or notification: {e}"),
        },
    }
}

/// Write a message as a frame.
///
/// # Errors
/// When the output cannot be written.
pub fn write_message(w: &mut impl Write, msg: Message) -> io::Result<()> {
    msg.write(w)
}

/// Write the error response for an invalid body (`id` null when unknown).
///
/// # Errors
/// When the output cannot be written.
pub fn write_invalid(
    w: &mut impl Write,
    id: Option<serde_json::Value>,
    code: ErrorCode,
    message: &str,
) -> io::Result<()> {
    let id = match id {
        Some(v @ (serde_json::Value::Number(_) | serde_json::Value::String(_))) => v,
        _ => serde_json::Value::Null,
    };
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code as i32, "message": message},
    })
    .to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

/// Serve on stdin and stdout.
///
/// # Errors
/// See [`super::run`].
pub fn serve_stdio() -> Result<(), String> {
    let (tx, rx) = mpsc::sync_channel::<io::Result<Incoming>>(BATCH);
    std::thread::Builder::new()
        .name("dsig-lsp-reader".to_string())
        .spawn(move || {
            let mut stdin = io::BufReader::new(io::stdin().lock());
            loop {
                let frame = read_frame(&mut stdin);
                let end = !matches!(frame, Ok(Some(_)));
                let Some(item) = frame.transpose() else { break };
                if tx.send(item).is_err() || end {
                    break;
                }
            }
        })
        .map_err(|e| format!("cannot start the reader thread: {e}"))?;
    let mut stdout = io::stdout().lock();
    serve(&rx, &mut stdout)
}

/// The server loop on a channel of frames and a writer.
///
/// # Errors
/// See [`super::run`].
pub fn serve(
    rx: &mpsc::Receiver<io::Result<Incoming>>,
    out: &mut impl Write,
) -> Result<(), String> {
    let mut server = Server::new();
    let write_err = |e: io::Error| format!("cannot write to the client: {e}");
    loop {
        let Ok(first) = rx.recv() else {
            return if server.shutdown {
                Ok(())
            } else {
                Err("the client closed the connection without `shutdown` and `exit`".to_string())
            };
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        for item in batch {
            match item {
                Ok(Incoming::Message(m)) => server.handle(m),
                Ok(Incoming::Invalid { id, code, message }) => {
                    eprintln!("dsig server: {message}");
                    write_invalid(out, id, code, &message).map_err(write_err)?;
                }
                Ok(Incoming::TooLarge(n)) => {
                    eprintln!(
                        "dsig server: a message of {n} bytes skipped (over {MAX_BODY} bytes)"
                    );
                }
                Err(e) => return Err(format!("cannot read from the client: {e}")),
            }
            // Replies go out in order, before the next message's.
            for m in server.take_output() {
                write_message(out, m).map_err(write_err)?;
            }
            if let Some(after_shutdown) = server.exited() {
                return if after_shutdown {
                    Ok(())
                } else {
                    Err("the client sent `exit` without `shutdown`".to_string())
                };
            }
        }
        server.refresh();
        for m in server.take_output() {
            write_message(out, m).map_err(write_err)?;
        }
    }
}
