//! The `--listen` endpoint: one request at a time, GET /metrics only, every read and write
//! bounded by a deadline; the format follows the scraper's Accept header.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result};

use super::{render, Args, Format};

/// A request head larger than this is refused.
const MAX_HEAD: usize = 8192;
const IO_DEADLINE: Duration = Duration::from_secs(5);

pub fn serve(addr: SocketAddr, args: &Args) -> Result<()> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("--listen {addr}: cannot bind"))?;
    // The bound address (port 0 picks one): tests and operators read it from here.
    eprintln!(
        "mfs-ha metrics: listening on http://{}/metrics",
        listener.local_addr()?
    );
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                if let Err(e) = answer(stream, args) {
                    eprintln!("mfs-ha metrics: {e}");
                }
            }
            Err(e) => eprintln!("mfs-ha metrics: accept: {e}"),
        }
    }
    Ok(())
}

/// The request line and the Accept header of a request head; `None` until the head is whole.
pub fn parse_head(head: &str) -> Option<(String, String, String)> {
    let end = head.find("\r\n\r\n").or_else(|| head.find("\n\n"))?;
    let mut lines = head[..end].lines();
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let accept = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    Some((method, path, accept))
}

fn answer(mut s: TcpStream, args: &Args) -> Result<()> {
    s.set_read_timeout(Some(IO_DEADLINE))?;
    s.set_write_timeout(Some(IO_DEADLINE))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let head = loop {
        let n = s.read(&mut chunk).context("reading the request")?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(h) = parse_head(&String::from_utf8_lossy(&buf)) {
            break h;
        }
        if buf.len() > MAX_HEAD {
            return reply(
                &mut s,
                "431 Request Header Fields Too Large",
                "text/plain",
                "request head too large\n",
            );
        }
    };
    let (method, path, accept) = head;
    let path = path.split('?').next().unwrap_or("");
    match (method.as_str(), path) {
        ("GET" | "HEAD", "/metrics") => {
            let om = accept.contains("application/openmetrics-text");
            let (format, ctype) = match om {
                true => (
                    Format::Openmetrics,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
                false => (
                    Format::Prometheus,
                    "text/plain; version=0.0.4; charset=utf-8",
                ),
            };
            let body = if method == "GET" {
                render(args, format)
            } else {
                String::new()
            };
            reply(&mut s, "200 OK", ctype, &body)
        }
        ("GET" | "HEAD", "/") => reply(
            &mut s,
            "200 OK",
            "text/plain",
            "mfs-ha metrics: GET /metrics\n",
        ),
        ("GET" | "HEAD", _) => reply(
            &mut s,
            "404 Not Found",
            "text/plain",
            "only /metrics is served\n",
        ),
        _ => reply(
            &mut s,
            "405 Method Not Allowed",
            "text/plain",
            "GET /metrics only\n",
        ),
    }
}

fn reply(s: &mut TcpStream, status: &str, ctype: &str, body: &str) -> Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn request_head_with_accept() {
        let h = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text; version=1.0.0\r\n\r\n";
        let (m, p, a) = parse_head(h).unwrap();
        assert_eq!((m.as_str(), p.as_str()), ("GET", "/metrics"));
        assert!(a.starts_with("application/openmetrics-text"));
        assert_eq!(parse_head("GET /metrics HTTP/1.1\r\nHost: x\r\n"), None);
    }

    proptest! {
        #[test]
        fn any_head_is_parsed_without_panic(s in "(?s).{0,300}") {
            let _ = parse_head(&s);
        }
    }
}
