//! Listening TCP sockets of the caller's network namespace, from /proc/net/tcp{,6}.

/// Whether some socket listens on `port` (any address).
pub fn listening(port: u16) -> bool {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .any(|t| listening_in(&t, port))
}

/// The /proc/net/tcp parser: `sl local_address rem_address st ...`, `st` 0A is LISTEN.
pub fn listening_in(table: &str, port: u16) -> bool {
    table.lines().skip(1).any(|l| {
        let mut f = l.split_whitespace();
        let local = f.nth(1).unwrap_or("");
        let state = f.nth(1).unwrap_or("");
        state == "0A"
            && local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                == Some(port)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_listen_state_only() {
        let t = "  sl  local_address rem_address   st tx_queue rx_queue\n\
                 0: 0100007F:24CD 00000000:0000 0A 00000000:00000000 00:00000000 00000000\n\
                 1: 0100007F:24CC 0100007F:9999 01 00000000:00000000 00:00000000 00000000\n";
        assert!(listening_in(t, 9421));
        assert!(!listening_in(t, 9420));
        assert!(!listening_in("", 9421));
    }

    #[test]
    fn sees_our_own_listener() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(listening(l.local_addr().unwrap().port()));
    }

    proptest! {
        #[test]
        fn never_panics(t in "\\PC*", port in any::<u16>()) {
            let _ = listening_in(&t, port);
        }
    }
}
