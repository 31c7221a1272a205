//! DRBD state enumerations in the DRBD 9 vocabulary, plus the 8.x connection state.
//!
//! Every enum keeps values it does not know as `Other(raw)` (kernel `TOO_LARGE`, drbd-utils `?`,
//! states of future versions) so one odd value never drops a line or a document.

use std::fmt;

/// Declares a state enum whose variants print and parse as their DRBD names, with an
/// `Other(String)` catch-all, `Display`, `From<&str>` and string serde.
macro_rules! drbd_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this crate does not know, kept exactly as printed.
            Other(String),
        }

        impl $name {
            /// Every name this crate knows, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($variant)),+];

            /// The name DRBD prints for this state.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                    Self::Other(raw) => raw,
                }
            }

            /// True when the value was not one of the known names.
            pub fn is_other(&self) -> bool {
                matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                match raw {
                    $(stringify!($variant) => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Ok(Self::from(raw.as_str()))
            }
        }
    };
}

drbd_enum!(
    /// Role of a resource (DRBD 9) or device (8.x), local or peer.
    Role { Primary, Secondary, Unknown }
);

drbd_enum!(
    /// Disk state of a local device or, seen from here, of a peer's device.
    DiskState {
        Diskless, Attaching, Detaching, Failed, Negotiating, Inconsistent, Outdated, DUnknown,
        Consistent, UpToDate,
    }
);

drbd_enum!(
    /// DRBD 9 state of one connection to a peer.
    ConnectionState {
        StandAlone, Disconnecting, Unconnected, Timeout, BrokenPipe, NetworkFailure,
        ProtocolError, TearDown, Connecting, Connected,
    }
);

drbd_enum!(
    /// DRBD 9 replication state of one peer device.
    ReplicationState {
        Off, Established, StartingSyncS, StartingSyncT, WFBitMapS, WFBitMapT, WFSyncUUID,
        SyncSource, SyncTarget, VerifyS, VerifyT, PausedSyncS, PausedSyncT, Ahead, Behind,
    }
);

drbd_enum!(
    /// DRBD 8.x connection state (`cs:` of `/proc/drbd`), which mixes connection and replication.
    ConnState8 {
        StandAlone, Disconnecting, Unconnected, Timeout, BrokenPipe, NetworkFailure,
        ProtocolError, TearDown, WFConnection, WFReportParams, Connected, StartingSyncS,
        StartingSyncT, WFBitMapS, WFBitMapT, WFSyncUUID, SyncSource, SyncTarget, VerifyS,
        VerifyT, PausedSyncS, PausedSyncT, Ahead, Behind, Unconfigured,
    }
);

impl ConnState8 {
    /// Splits an 8.x `cs:` value into the DRBD 9 connection and replication states, the way
    /// drbd-utils' 8.4 emulation does (`drbd_conn_str9` / `drbd_repl_str9`).
    pub fn to_v9(&self) -> (ConnectionState, ReplicationState) {
        use ConnState8 as C;
        use ConnectionState as N;
        use ReplicationState as R;
        let connection = match self {
            C::StandAlone | C::Unconfigured => N::StandAlone,
            C::Disconnecting => N::Disconnecting,
            C::Unconnected => N::Unconnected,
            C::Timeout => N::Timeout,
            C::BrokenPipe => N::BrokenPipe,
            C::NetworkFailure => N::NetworkFailure,
            C::ProtocolError => N::ProtocolError,
            C::TearDown => N::TearDown,
            C::WFConnection | C::WFReportParams => N::Connecting,
            C::Other(raw) => N::Other(raw.clone()),
            _ => N::Connected,
        };
        let replication = match self {
            C::Connected => R::Established,
            C::StartingSyncS => R::StartingSyncS,
            C::StartingSyncT => R::StartingSyncT,
            C::WFBitMapS => R::WFBitMapS,
            C::WFBitMapT => R::WFBitMapT,
            C::WFSyncUUID => R::WFSyncUUID,
            C::SyncSource => R::SyncSource,
            C::SyncTarget => R::SyncTarget,
            C::VerifyS => R::VerifyS,
            C::VerifyT => R::VerifyT,
            C::PausedSyncS => R::PausedSyncS,
            C::PausedSyncT => R::PausedSyncT,
            C::Ahead => R::Ahead,
            C::Behind => R::Behind,
            C::Other(raw) => R::Other(raw.clone()),
            _ => R::Off,
        };
        (connection, replication)
    }
}

impl ReplicationState {
    /// Resync or online verify is running (or paused) on this peer device.
    pub fn is_syncing(&self) -> bool {
        use ReplicationState as R;
        matches!(
            self,
            R::StartingSyncS
                | R::StartingSyncT
                | R::WFBitMapS
                | R::WFBitMapT
                | R::WFSyncUUID
                | R::SyncSource
                | R::SyncTarget
                | R::PausedSyncS
                | R::PausedSyncT
        )
    }

    /// Online verify is running on this peer device.
    pub fn is_verifying(&self) -> bool {
        matches!(self, Self::VerifyS | Self::VerifyT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_round_trip() {
        for name in ["Primary", "Secondary", "Unknown"] {
            assert_eq!(Role::from(name).to_string(), name);
            assert!(!Role::from(name).is_other());
        }
        assert_eq!(DiskState::from("UpToDate"), DiskState::UpToDate);
    }

    #[test]
    fn unknown_values_are_kept_raw() {
        assert_eq!(Role::from("TOO_LARGE"), Role::Other("TOO_LARGE".into()));
        assert_eq!(DiskState::from("?").as_str(), "?");
        assert!(ReplicationState::from("Frobnicating").is_other());
    }

    #[test]
    fn serde_uses_drbd_names() {
        let json = serde_json::to_string(&vec![DiskState::UpToDate, DiskState::from("x")]).unwrap();
        assert_eq!(json, r#"["UpToDate","x"]"#);
        let back: Vec<DiskState> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[1], DiskState::Other("x".into()));
    }

    #[test]
    fn cs8_maps_like_drbd_utils() {
        use ConnectionState as N;
        use ReplicationState as R;
        assert_eq!(ConnState8::WFConnection.to_v9(), (N::Connecting, R::Off));
        assert_eq!(
            ConnState8::Connected.to_v9(),
            (N::Connected, R::Established)
        );
        assert_eq!(
            ConnState8::SyncTarget.to_v9(),
            (N::Connected, R::SyncTarget)
        );
        assert_eq!(ConnState8::StandAlone.to_v9(), (N::StandAlone, R::Off));
        let (n, r) = ConnState8::from("TOO_LARGE").to_v9();
        assert!(n.is_other() && r.is_other());
    }
}
