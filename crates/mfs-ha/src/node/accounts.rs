//! Users and groups as the node's /etc/passwd and /etc/group say (not NSS: the files are what
//! a copy under --root has, and what the article's `useradd -u 1000` writes).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub id: u32,
    /// The primary group's id (users only).
    pub gid: Option<u32>,
    pub line: usize,
}

/// `name` in passwd text (`name:x:uid:gid:...`).
pub fn user(passwd: &str, name: &str) -> Option<Account> {
    find(passwd, name, true)
}

/// `name` in group text (`name:x:gid:members`).
pub fn group(group: &str, name: &str) -> Option<Account> {
    find(group, name, false)
}

/// The name of the group with id `gid`.
pub fn group_name(group: &str, gid: u32) -> Option<String> {
    group.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[2].trim().parse() == Ok(gid)).then(|| f[0].to_string())
    })
}

fn find(text: &str, name: &str, with_gid: bool) -> Option<Account> {
    text.lines().enumerate().find_map(|(i, l)| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 3 || f[0] != name {
            return None;
        }
        Some(Account {
            name: name.to_string(),
            id: f[2].trim().parse().ok()?,
            gid: if with_gid {
                f.get(3)?.trim().parse().ok()
            } else {
                None
            },
            line: i + 1,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_users_and_groups() {
        let p = "root:x:0:0:root:/root:/bin/bash\nmfs:x:1000:1001::/home/mfs:/sbin/nologin\n";
        let u = user(p, "mfs").unwrap();
        assert_eq!((u.id, u.gid, u.line), (1000, Some(1001), 2));
        assert!(user(p, "mf").is_none() && user("mfs:x:abc:1\n", "mfs").is_none());
        let g = "root:x:0:\nmfs:x:1001:\n";
        assert_eq!(group(g, "mfs").unwrap().id, 1001);
        assert_eq!(group_name(g, 1001).as_deref(), Some("mfs"));
    }
}
