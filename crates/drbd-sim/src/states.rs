//! DRBD 8.4 state enumerations, in kernel order (`linux/drbd.h` of drbd-8.4), so that the
//! kernel's `<`/`>` comparisons (`ns.disk < D_UP_TO_DATE`, `ns.conn > C_CONNECTED`) read the same here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a state enum whose variants print (and parse) as the kernel's state names.
macro_rules! kernel_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} {:?}",
                        stringify!($name),
                        text
                    ))
                })
            }
        }

        impl $name {
            /// Every value, in kernel order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name DRBD prints (`drbd_*_str()`).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a DRBD state name, case-insensitively.
            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kernel_enum!(
    /// `enum drbd_role`.
    Role {
        Unknown => "Unknown",
        Primary => "Primary",
        Secondary => "Secondary",
    }
);

kernel_enum!(
    /// `enum drbd_disk_state` of 8.4 (no `Detaching`, which is DRBD 9 only).
    Disk {
        Diskless => "Diskless",
        Attaching => "Attaching",
        Failed => "Failed",
        Negotiating => "Negotiating",
        Inconsistent => "Inconsistent",
        Outdated => "Outdated",
        DUnknown => "DUnknown",
        Consistent => "Consistent",
        UpToDate => "UpToDate",
    }
);

kernel_enum!(
    /// `enum drbd_conns` of 8.4: connection and replication state in one value.
    Conn {
        StandAlone => "StandAlone",
        Disconnecting => "Disconnecting",
        Unconnected => "Unconnected",
        Timeout => "Timeout",
        BrokenPipe => "BrokenPipe",
        NetworkFailure => "NetworkFailure",
        ProtocolError => "ProtocolError",
        TearDown => "TearDown",
        WFConnection => "WFConnection",
        WFReportParams => "WFReportParams",
        Connected => "Connected",
        StartingSyncS => "StartingSyncS",
        StartingSyncT => "StartingSyncT",
        WFBitMapS => "WFBitMapS",
        WFBitMapT => "WFBitMapT",
        WFSyncUUID => "WFSyncUUID",
        SyncSource => "SyncSource",
        SyncTarget => "SyncTarget",
        VerifyS => "VerifyS",
        VerifyT => "VerifyT",
        PausedSyncS => "PausedSyncS",
        PausedSyncT => "PausedSyncT",
        Ahead => "Ahead",
        Behind => "Behind",
    }
);

impl Conn {
    /// `drbd_conn_str9()` of drbd-utils' 8.4 emulation: the DRBD 9 *connection* name.
    pub fn connection9(self) -> &'static str {
        match self {
            Conn::WFConnection => "Connecting",
            Conn::WFReportParams => "Connected",
            c if c >= Conn::Connected => "Connected",
            c => c.as_str(),
        }
    }

    /// `drbd_repl_str9()`: the DRBD 9 *replication* name.
    pub fn replication9(self) -> &'static str {
        match self {
            Conn::WFReportParams => "Off",
            Conn::Connected => "Established",
            c if c < Conn::Connected => "Off",
            c => c.as_str(),
        }
    }

    /// Resync or verify running (`>= C_SYNC_SOURCE && <= C_PAUSED_SYNC_T`).
    pub fn is_syncing(self) -> bool {
        (Conn::SyncSource..=Conn::PausedSyncT).contains(&self)
    }
}

kernel_enum!(
    /// `fencing` policy of the disk section.
    Fencing {
        DontCare => "dont-care",
        ResourceOnly => "resource-only",
        ResourceAndStonith => "resource-and-stonith",
    }
);

kernel_enum!(
    /// DRBD 9's `options { quorum …; }`. With two nodes `majority` and `all` agree: a node
    /// alone has quorum only while its peer is known Outdated or Inconsistent (a peer that left
    /// gracefully no longer votes, DRBD's "last man standing").
    Quorum {
        Off => "off",
        Majority => "majority",
        All => "all",
    }
);

// The macro's variants take no attributes, so `#[default]` cannot be used.
#[allow(clippy::derivable_impls)]
impl Default for Quorum {
    fn default() -> Self {
        Quorum::Off
    }
}

kernel_enum!(
    /// Which drbd-utils/kernel combination the simulator imitates.
    Flavour {
        V84 => "8.4",
        V83 => "8.3",
        V9 => "9",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse() {
        for d in Disk::ALL {
            assert_eq!(Disk::parse(d.as_str()), Some(*d));
        }
        for c in Conn::ALL {
            assert_eq!(Conn::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Disk::parse("uptodate"), Some(Disk::UpToDate));
        assert_eq!(Role::parse("bogus"), None);
    }

    #[test]
    fn serialises_as_drbd_names() {
        assert_eq!(
            serde_json::to_string(&Flavour::V84).ok(),
            Some("\"8.4\"".to_string())
        );
        assert_eq!(
            serde_json::to_string(&Fencing::DontCare).ok(),
            Some("\"dont-care\"".to_string())
        );
        let d: Option<Disk> = serde_json::from_str("\"Outdated\"").ok();
        assert_eq!(d, Some(Disk::Outdated));
        assert!(serde_json::from_str::<Disk>("\"Bogus\"").is_err());
    }

    #[test]
    fn kernel_order_allows_comparisons() {
        assert!(Disk::Outdated < Disk::UpToDate);
        assert!(Disk::Inconsistent < Disk::Outdated);
        assert!(Conn::WFConnection < Conn::Connected);
        assert!(Conn::SyncTarget > Conn::Connected);
    }

    #[test]
    fn maps_84_names_to_drbd9_names_like_drbd_utils() {
        assert_eq!(Conn::WFConnection.connection9(), "Connecting");
        assert_eq!(Conn::StandAlone.connection9(), "StandAlone");
        assert_eq!(Conn::SyncSource.connection9(), "Connected");
        assert_eq!(Conn::Connected.replication9(), "Established");
        assert_eq!(Conn::WFReportParams.replication9(), "Off");
        assert_eq!(Conn::SyncTarget.replication9(), "SyncTarget");
        assert!(Conn::PausedSyncT.is_syncing());
        assert!(!Conn::Connected.is_syncing());
    }
}
