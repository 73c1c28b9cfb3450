//! Parse-only benchmark program (tests/bench/bench.py, case p): reads each
//! file named on the command line, parses it with [`dsig::syntax::parse`],
//! and prints one line per file: `parse_ms=… instructions=… bytes=…`, then
//! the process's peak resident set (`VmHWM`, Linux) as `peak_rss_kb=…`.
//!
//! `--repeat N` parses each file N times and reports the fastest parse.

use std::time::Instant;

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut repeat = 1usize;
    let mut files = Vec::new();
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args.next().and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
        } else {
            files.push(a);
        }
    }
    let mut status = 0;
    for f in &files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("parse: {f}: {e}");
                status = 2;
                continue;
            }
        };
        let mut best = f64::INFINITY;
        let mut count = 0;
        for _ in 0..repeat {
            let t = Instant::now();
            let parsed = dsig::syntax::parse(&text);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            best = best.min(ms);
            match parsed {
                Ok(df) => count = df.instructions.len(),
                Err(e) => {
                    eprintln!("parse: {f}: {e}");
                    status = 1;
                }
            }
        }
        println!(
            "{f}: parse_ms={best:.2} instructions={count} bytes={}",
            text.len()
        );
    }
    if let Some(kb) = peak_rss_kb() {
        println!("peak_rss_kb={kb}");
    }
    std::process::exit(status);
}
