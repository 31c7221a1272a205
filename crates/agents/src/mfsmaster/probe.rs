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
    let (addr, payload) = request(host, port, CLTOMA_INFO, &[], MATOCL_INFO, timeout)?;
    let info = parse_info(&payload, started.elapsed())
        .ok_or_else(|| format!("{addr} sent a {}-byte INFO reply, too short", payload.len()))?;
    if info.major < 2 {
        return Err(format!(
            "{addr} reports version {}, not MooseFS 2+",
            info.version
        ));
    }
    Ok(info)
}

/// One request and its answer's payload, all within `timeout` (connect, send, read).
fn request(
    host: &str,
    port: u16,
    kind: u32,
    body: &[u8],
    answer: u32,
    timeout: Duration,
) -> Result<(SocketAddr, Vec<u8>), String> {
    let name = match kind {
        CLTOMA_INFO => "INFO",
        CLTOMA_CSERV_LIST => "the chunkserver list",
        CLTOMA_SESSION_LIST => "the session list",
        _ => "the metalogger list",
    };
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
            .ok_or_else(|| format!("no answer to {name} from {addr} within {timeout:?} ({what})"))
    };
    let mut s = TcpStream::connect_timeout(&addr, left("connect")?)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let mut request = Vec::with_capacity(8 + body.len());
    request.extend_from_slice(&kind.to_be_bytes());
    request.extend_from_slice(&(body.len() as u32).to_be_bytes());
    request.extend_from_slice(body);
    s.set_write_timeout(Some(left("send")?)).ok();
    s.write_all(&request)
        .map_err(|e| format!("cannot send {name} request to {addr}: {e}"))?;
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
                        "no answer to {name} from {addr} within {timeout:?} (master hung?)"
                    ))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading {name} from {addr}: {e}")),
            }
        }
        Ok(())
    };
    let mut header = [0u8; 8];
    read_exact(&mut header, "header")?;
    let got = be_u32(&header, 0).unwrap_or(0);
    let len = be_u32(&header, 4).unwrap_or(0);
    if got != answer || len > MAX_LIST_LEN || (answer == MATOCL_INFO && len > MAX_LEN) {
        return Err(format!(
            "{addr} answered type {got} length {len}, not a MooseFS master's answer to {name}"
        ));
    }
    let mut payload = vec![0u8; len as usize];
    read_exact(&mut payload, "payload")?;
    Ok((addr, payload))
}

const CLTOMA_CSERV_LIST: u32 = 500;
const MATOCL_CSERV_LIST: u32 = 501;
const CLTOMA_SESSION_LIST: u32 = 508;
const MATOCL_SESSION_LIST: u32 = 509;
const CLTOMA_MLOG_LIST: u32 = 522;
const MATOCL_MLOG_LIST: u32 = 523;
/// Lists grow with the cluster; this bounds what a reply may claim.
const MAX_LIST_LEN: u32 = 64 << 20;

/// A chunkserver as the master lists it (`mfscli -SCS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkServer {
    pub addr: String,
    pub connected: bool,
}

/// A client session (`mfscli -SMS`); `connected` when it has a live connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: u32,
    pub ip: String,
    pub connected: bool,
}

/// A metalogger connected to the master (`mfscli -SMB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metalogger {
    pub ip: String,
    pub version: String,
}

/// The master's version as a comparable triple (`3.0.117` → (3, 0, 117)).
fn triple(info: &Info) -> (u16, u8, u8) {
    let mut parts = info
        .version
        .split('.')
        .map(|p| p.parse::<u16>().unwrap_or(0));
    let (a, b, c) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (a, b.min(255) as u8, c.min(255) as u8)
}

fn ipv4(b: &[u8]) -> String {
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

/// Parses a `MATOCL_CSERV_LIST` payload of a master of version `v` (record sizes as mfscli).
pub fn parse_chunkservers(payload: &[u8], v: (u16, u8, u8)) -> Option<Vec<ChunkServer>> {
    let size = match v {
        v if v >= (3, 0, 38) => 69,
        v if v >= (2, 1, 0) => 68,
        _ => 64,
    };
    if !payload.len().is_multiple_of(size) {
        return None;
    }
    Some(
        payload
            .chunks(size)
            .map(|r| ChunkServer {
                addr: format!("{}:{}", ipv4(&r[4..8]), u16::from_be_bytes([r[8], r[9]])),
                connected: r[0] & 1 == 0,
            })
            .collect(),
    )
}

/// The request byte and fixed tail size of a session record, by master version (mfscli).
fn session_format(v: (u16, u8, u8)) -> Option<(u8, usize)> {
    match v {
        v if v >= (3, 0, 112) => Some((4, 33)),
        v if v >= (3, 0, 72) => Some((3, 29)),
        v if v >= (1, 7, 8) => Some((2, 27)),
        _ => None,
    }
}

/// Parses a `MATOCL_SESSION_LIST` payload (the layout asked for with `session_format`).
pub fn parse_sessions(payload: &[u8], tail: usize) -> Option<Vec<Session>> {
    let stats = usize::from(u16::from_be_bytes(payload.get(0..2)?.try_into().ok()?));
    let mut pos = 2;
    let mut out = Vec::new();
    let u32_at = |p: usize| be_u32(payload, p).map(|n| n as usize);
    while pos < payload.len() {
        let head = payload.get(pos..pos + 25)?;
        let id = be_u32(head, 0)?;
        let nsocks = head[16];
        let ileng = u32_at(pos + 21)?;
        pos = pos.checked_add(25)?.checked_add(ileng)?;
        let pleng = u32_at(pos)?;
        pos = pos
            .checked_add(4)?
            .checked_add(pleng)?
            .checked_add(tail)?
            .checked_add(stats.checked_mul(8)?)?;
        if pos > payload.len() {
            return None;
        }
        out.push(Session {
            id,
            ip: ipv4(&head[4..8]),
            connected: nsocks > 0,
        });
    }
    Some(out)
}

/// Parses a `MATOCL_MLOG_LIST` payload.
pub fn parse_metaloggers(payload: &[u8]) -> Option<Vec<Metalogger>> {
    if !payload.len().is_multiple_of(8) {
        return None;
    }
    Some(
        payload
            .chunks(8)
            .map(|r| Metalogger {
                ip: ipv4(&r[4..8]),
                version: format!("{}.{}.{}", u16::from_be_bytes([r[0], r[1]]), r[2], r[3] / 2),
            })
            .collect(),
    )
}

/// The chunkservers the master knows (connected or not), for a master that said `info`.
pub fn chunkservers(
    host: &str,
    port: u16,
    info: &Info,
    timeout: Duration,
) -> Result<Vec<ChunkServer>, String> {
    let (addr, p) = request(
        host,
        port,
        CLTOMA_CSERV_LIST,
        &[],
        MATOCL_CSERV_LIST,
        timeout,
    )?;
    parse_chunkservers(&p, triple(info))
        .ok_or_else(|| format!("{addr}: a {}-byte chunkserver list is malformed", p.len()))
}

/// The client sessions of the master.
pub fn sessions(
    host: &str,
    port: u16,
    info: &Info,
    timeout: Duration,
) -> Result<Vec<Session>, String> {
    let (byte, tail) = session_format(triple(info))
        .ok_or_else(|| format!("sessions of MooseFS {} are not read", info.version))?;
    let (addr, p) = request(
        host,
        port,
        CLTOMA_SESSION_LIST,
        &[byte],
        MATOCL_SESSION_LIST,
        timeout,
    )?;
    parse_sessions(&p, tail)
        .ok_or_else(|| format!("{addr}: a {}-byte session list is malformed", p.len()))
}

/// The metaloggers connected to the master.
pub fn metaloggers(host: &str, port: u16, timeout: Duration) -> Result<Vec<Metalogger>, String> {
    let (addr, p) = request(host, port, CLTOMA_MLOG_LIST, &[], MATOCL_MLOG_LIST, timeout)?;
    parse_metaloggers(&p)
        .ok_or_else(|| format!("{addr}: a {}-byte metalogger list is malformed", p.len()))
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

    /// A session record as MooseFS 3.0.117 sends it (request byte 4: a 33-byte tail).
    fn session(id: u32, ip: [u8; 4], nsocks: u8, info: &[u8], path: &[u8], stats: u16) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend_from_slice(&id.to_be_bytes());
        r.extend_from_slice(&ip);
        r.extend_from_slice(&[0, 3, 0, 0xEA]);
        r.extend_from_slice(&5u32.to_be_bytes()); // open files
        r.push(nsocks);
        r.extend_from_slice(&7200u32.to_be_bytes()); // expire
        r.extend_from_slice(&(info.len() as u32).to_be_bytes());
        r.extend_from_slice(info);
        r.extend_from_slice(&(path.len() as u32).to_be_bytes());
        r.extend_from_slice(path);
        r.extend_from_slice(&[0u8; 33]);
        r.extend(std::iter::repeat_n(0u8, usize::from(stats) * 8));
        r
    }

    #[test]
    fn sessions_are_counted_connected_or_not() {
        let mut p = 16u16.to_be_bytes().to_vec();
        p.extend(session(1, [192, 168, 8, 100], 1, b"/mnt/mfs", b"/", 16));
        p.extend(session(2, [192, 168, 8, 101], 0, b"", b"/x", 16));
        let s = parse_sessions(&p, 33).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].id, s[0].ip.as_str(), s[0].connected),
            (1, "192.168.8.100", true)
        );
        assert!(!s[1].connected);
        p.pop();
        assert_eq!(parse_sessions(&p, 33), None);
    }

    #[test]
    fn chunkservers_and_metaloggers_from_fixed_records() {
        let mut cs = vec![0u8; 69 * 2];
        cs[4..10].copy_from_slice(&[192, 168, 8, 100, 0x24, 0xEE]);
        cs[69] = 1; // disconnected
        let list = parse_chunkservers(&cs, (3, 0, 117)).unwrap();
        assert_eq!(list[0].addr, "192.168.8.100:9454");
        assert!(list[0].connected && !list[1].connected);
        assert_eq!(parse_chunkservers(&cs[..100], (3, 0, 117)), None);
        let ml = parse_metaloggers(&[0, 3, 0, 0xEA, 192, 168, 8, 201]).unwrap();
        assert_eq!(ml[0].ip, "192.168.8.201");
        assert_eq!(ml[0].version, "3.0.117");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_info(&bytes, Duration::ZERO);
            let _ = parse_sessions(&bytes, 33);
            let _ = parse_chunkservers(&bytes, (3, 0, 117));
            let _ = parse_metaloggers(&bytes);
        }
    }
}
