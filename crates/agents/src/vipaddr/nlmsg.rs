//! Netlink framing, pure: encode a request, split a receive buffer into messages, walk
//! attributes. Malformed input yields fewer messages or attributes, never a panic.

pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;

const HEADER: usize = 16;

/// One message of a receive buffer (header fields we use, and the body after the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: u16,
    pub seq: u32,
    pub body: Vec<u8>,
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

pub fn encode(kind: u16, flags: u16, seq: u32, body: &[u8]) -> Vec<u8> {
    let len = HEADER + body.len();
    let mut out = Vec::with_capacity(align4(len));
    out.extend_from_slice(&(len as u32).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(body);
    out.resize(align4(len), 0);
    out
}

pub fn push_attr(buf: &mut Vec<u8>, kind: u16, value: &[u8]) {
    buf.resize(align4(buf.len()), 0);
    buf.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(value);
    buf.resize(align4(buf.len()), 0);
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_ne_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

/// The messages of one receive buffer; a truncated or inconsistent message ends the walk.
pub fn decode(buf: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let (Some(len), Some(kind), Some(seq)) =
        (u32_at(buf, at), u16_at(buf, at + 4), u32_at(buf, at + 8))
    {
        let len = len as usize;
        let Some(body) = (len >= HEADER)
            .then(|| buf.get(at + HEADER..at.saturating_add(len)))
            .flatten()
        else {
            break;
        };
        out.push(Message {
            kind,
            seq,
            body: body.to_vec(),
        });
        at = at.saturating_add(align4(len));
    }
    out
}

/// The error code of an NLMSG_ERROR body (0 is an acknowledgement; otherwise -errno).
pub fn error_code(body: &[u8]) -> Option<i32> {
    u32_at(body, 0).map(|v| v as i32)
}

/// The attributes of a message body (after its fixed header).
pub struct Attrs<'a> {
    buf: &'a [u8],
}

impl<'a> Attrs<'a> {
    pub fn new(buf: &'a [u8]) -> Attrs<'a> {
        Attrs { buf }
    }

    /// The first attribute of `kind` (nested and byte-order flag bits ignored).
    pub fn get(&self, kind: u16) -> Option<&'a [u8]> {
        self.iter().find(|(k, _)| *k == kind).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (u16, &'a [u8])> + 'a {
        let buf = self.buf;
        let mut at = 0usize;
        std::iter::from_fn(move || {
            let len = usize::from(u16_at(buf, at)?);
            let kind = u16_at(buf, at + 2)? & 0x3fff;
            if len < 4 {
                return None;
            }
            let value = buf.get(at + 4..at + len)?;
            at += align4(len);
            Some((kind, value))
        })
    }
}

/// A NUL-terminated (or not) string attribute, lossily decoded.
pub fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encoded_messages_decode_back() {
        let mut body = vec![2u8, 24, 0, 0, 5, 0, 0, 0];
        push_attr(&mut body, 2, &[10, 0, 0, 1]);
        push_attr(&mut body, 3, b"eth0:1\0");
        let mut buf = encode(20, 1, 7, &body);
        buf.extend(encode(NLMSG_DONE, 2, 7, &[0, 0, 0, 0]));
        let msgs = decode(&buf);
        assert_eq!(msgs.len(), 2);
        assert_eq!((msgs[0].kind, msgs[0].seq), (20, 7));
        let attrs = Attrs::new(&msgs[0].body[8..]);
        assert_eq!(attrs.get(2), Some(&[10u8, 0, 0, 1][..]));
        assert_eq!(attrs.get(3).map(c_string).as_deref(), Some("eth0:1"));
        assert_eq!(msgs[1].kind, NLMSG_DONE);
    }

    proptest! {
        #[test]
        fn decoding_never_panics(buf in proptest::collection::vec(any::<u8>(), 0..512)) {
            for m in decode(&buf) {
                let _ = Attrs::new(&m.body).iter().count();
                let _ = crate::vipaddr::netlink::parse_addr(&m.body);
                let _ = crate::vipaddr::netlink::parse_link(&m.body);
                let _ = crate::vipaddr::netlink::parse_route(&m.body, 2);
                let _ = error_code(&m.body);
            }
            let _ = Attrs::new(&buf).iter().count();
            let _ = crate::vipaddr::netlink::parse_addr(&buf);
            let _ = crate::vipaddr::netlink::parse_link(&buf);
            let _ = crate::vipaddr::netlink::parse_route(&buf, 10);
        }
    }
}
