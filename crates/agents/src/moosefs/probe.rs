//! The master's native readiness probe: `CLTOMA_INFO` (510) on the client port, answered by
//! `MATOCL_INFO` (511). A hung (e.g. SIGSTOPped) master still completes TCP connects, so only
//! a request and its answer within a deadline say it serves. Replies are parsed defensively.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

const CLTOMA_INFO: u32 = 510;
const MATOCL_INFO: u32 = 511;
/// Larger answers are not an INFO reply.
const MAX_LEN: u32 = 1 << 16;

/// What the master said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// `major.minor.patch` (`3.0.117`).
    pub version: String,
    pub major: u16,
    /// Seconds since the epoch of the last successful metadata store (0: none yet).
    pub last_successful_store: Option<u32>,
    pub last_save_status: Option<u8>,
    /// The metadata version (the id the next change will get).
    pub metaversion: Option<u64>,
    pub elapsed: Duration,
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Parses an INFO payload; `None` when it is too short to hold even the version.
pub fn parse_info(payload: &[u8], elapsed: Duration) -> Option<Info> {
    let major = u16::from_be_bytes(payload.get(0..2)?.try_into().ok()?);
    let minor = *payload.get(2)?;
    let patch = *payload.get(3)? / 2;
    // metaversion sits after the 4 state bytes, leader ip and change time (3.0.x, length 149).
    let metaversion = match payload.len() {
        n if n >= 129 => be_u64(payload, 121),
        _ => None,
    };
    Some(Info {
        version: format!("{major}.{minor}.{patch}"),
        major,
        last_successful_store: be_u32(payload, 100),
        last_save_status: payload.get(108).copied(),
        metaversion,
        elapsed,
    })
}

/// Sends `CLTOMA_INFO` to `host:port` and reads the answer, all within `timeout`.
pub fn info(host: &str, port: u16, timeout: Duration) -> Result<Info, String> {
    let started = Instant::now();
    let addr: SocketAddr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port}: no address"))?;
    let left = |what: &str| {
        timeout
            .checked_sub(started.elapsed())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("no answer to INFO from {addr} within {timeout:?} ({what})"))
    };
    let mut s = TcpStream::connect_timeout(&addr, left("connect")?)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let mut request = Vec::with_capacity(8);
    request.extend_from_slice(&CLTOMA_INFO.to_be_bytes());
    request.extend_from_slice(&0u32.to_be_bytes());
    s.set_write_timeout(Some(left("send")?)).ok();
    s.write_all(&request)
        .map_err(|e| format!("cannot send INFO to {addr}: {e}"))?;
    let mut read_exact = |buf: &mut [u8], what: &str| -> Result<(), String> {
        let mut got = 0;
        while got < buf.len() {
            s.set_read_timeout(Some(left(what)?)).ok();
            match s.read(&mut buf[got..]) {
                Ok(0) => return Err(format!("{addr} closed the connection ({what})")),
                Ok(n) => got += n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(format!(
                        "no answer to INFO from {addr} within {timeout:?} (master hung?)"
                    ))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading INFO from {addr}: {e}")),
            }
        }
        Ok(())
    };
    let mut header = [0u8; 8];
    read_exact(&mut header, "header")?;
    let kind = be_u32(&header, 0).unwrap_or(0);
    let len = be_u32(&header, 4).unwrap_or(0);
    if kind != MATOCL_INFO || len > MAX_LEN {
        return Err(format!(
            "{addr} answered type {kind} length {len}, not a MooseFS master INFO reply"
        ));
    }
    let mut payload = vec![0u8; len as usize];
    read_exact(&mut payload, "payload")?;
    let info = parse_info(&payload, started.elapsed())
        .ok_or_else(|| format!("{addr} sent a {len}-byte INFO reply, too short"))?;
    if info.major < 2 {
        return Err(format!(
            "{addr} reports version {}, not MooseFS 2+",
            info.version
        ));
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::TcpListener;

    fn reply_149(metaversion: u64) -> Vec<u8> {
        let mut p = vec![0u8; 149];
        p[0..4].copy_from_slice(&[0, 3, 0, 0xEA]);
        p[100..104].copy_from_slice(&1_700_000_000u32.to_be_bytes());
        p[108] = 1;
        p[121..129].copy_from_slice(&metaversion.to_be_bytes());
        let mut m = Vec::new();
        m.extend_from_slice(&MATOCL_INFO.to_be_bytes());
        m.extend_from_slice(&149u32.to_be_bytes());
        m.extend_from_slice(&p);
        m
    }

    /// A one-connection fake master: reads 8 bytes, then sends `answer` (or nothing).
    fn fake(answer: Option<Vec<u8>>) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut req = [0u8; 8];
                let _ = s.read_exact(&mut req);
                assert_eq!(req, [0, 0, 1, 0xFE, 0, 0, 0, 0]);
                match answer {
                    Some(a) => {
                        let _ = s.write_all(&a);
                    }
                    None => std::thread::sleep(Duration::from_secs(3)),
                }
            }
        });
        port
    }

    #[test]
    fn a_healthy_master_answers_with_its_version() {
        let port = fake(Some(reply_149(1218)));
        let i = info("127.0.0.1", port, Duration::from_secs(2)).unwrap();
        assert_eq!(i.version, "3.0.117");
        assert_eq!(i.metaversion, Some(1218));
        assert_eq!(i.last_successful_store, Some(1_700_000_000));
        assert_eq!(i.last_save_status, Some(1));
    }

    #[test]
    fn a_silent_peer_times_out_quickly() {
        let port = fake(None);
        let t = Instant::now();
        let e = info("127.0.0.1", port, Duration::from_millis(300)).unwrap_err();
        assert!(e.contains("no answer"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn garbage_and_short_replies_are_errors() {
        let port = fake(Some(b"HTTP/1.0 400 Bad\r\n\r\n".to_vec()));
        assert!(info("127.0.0.1", port, Duration::from_secs(2)).is_err());
        let mut short = reply_149(1);
        short.truncate(20);
        let port = fake(Some(short));
        assert!(info("127.0.0.1", port, Duration::from_secs(2)).is_err());
        let mut tiny = Vec::new();
        tiny.extend_from_slice(&MATOCL_INFO.to_be_bytes());
        tiny.extend_from_slice(&2u32.to_be_bytes());
        tiny.extend_from_slice(&[0, 3]);
        let port = fake(Some(tiny));
        assert!(info("127.0.0.1", port, Duration::from_secs(2)).is_err());
    }

    #[test]
    fn a_closed_port_is_refused() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let e = info("127.0.0.1", port, Duration::from_secs(1)).unwrap_err();
        assert!(e.contains("cannot connect"), "{e}");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_info(&bytes, Duration::ZERO);
        }
    }
}
