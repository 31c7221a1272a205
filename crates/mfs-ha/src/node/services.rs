//! Services started at boot outside the cluster: systemd `*.wants/` links under /etc/systemd
//! (and /lib, /usr/lib for units a package enables statically), and SysV `S` links in
//! /etc/rc[2-5].d — what systemd's sysv-generator and `update-rc.d` / `chkconfig` leave.

use std::path::PathBuf;

use super::Node;

/// One way a service is enabled: the link that does it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enabled {
    pub service: String,
    /// The node's path of the link (e.g. /etc/rc3.d/S91mfsmaster).
    pub link: PathBuf,
}

/// Every boot link of a service named one of `names` (without `.service`).
pub fn enabled_at_boot(node: &Node, names: &[&str]) -> Vec<Enabled> {
    let mut found = Vec::new();
    for base in [
        "/etc/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ] {
        let Ok(entries) = std::fs::read_dir(node.path(base)) else {
            continue;
        };
        let mut wants: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".wants") && !n.starts_with("shutdown"))
            .map(|n| PathBuf::from(base).join(n))
            .collect();
        wants.sort();
        for dir in wants {
            for name in names {
                let link = dir.join(format!("{name}.service"));
                if std::fs::symlink_metadata(node.path(&link)).is_ok() && !masked(node, name) {
                    found.push(Enabled {
                        service: name.to_string(),
                        link,
                    });
                }
            }
        }
    }
    for level in ["2", "3", "4", "5"] {
        let dir = PathBuf::from(format!("/etc/rc{level}.d"));
        let Ok(entries) = std::fs::read_dir(node.path(&dir)) else {
            continue;
        };
        let mut links: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        links.sort();
        for file in links {
            let Some(rest) = file.strip_prefix('S') else {
                continue;
            };
            let service = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            if names.contains(&service) && !masked(node, service) {
                found.push(Enabled {
                    service: service.to_string(),
                    link: dir.join(&file),
                });
            }
        }
    }
    found
}

/// `systemctl mask`: a link to /dev/null wins over every enablement.
fn masked(node: &Node, name: &str) -> bool {
    std::fs::read_link(node.path(format!("/etc/systemd/system/{name}.service")))
        .is_ok_and(|t| t == std::path::Path::new("/dev/null"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn finds_wants_and_rc_links_and_honours_masks() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("etc/systemd/system/multi-user.target.wants")).unwrap();
        std::fs::create_dir_all(r.join("etc/rc3.d")).unwrap();
        std::fs::create_dir_all(r.join("etc/rc0.d")).unwrap();
        std::fs::write(r.join("etc/hostname"), "n1").unwrap();
        symlink(
            "/lib/systemd/system/moosefs-master.service",
            r.join("etc/systemd/system/multi-user.target.wants/moosefs-master.service"),
        )
        .unwrap();
        symlink("../init.d/mfsmaster", r.join("etc/rc3.d/S91mfsmaster")).unwrap();
        symlink("../init.d/mfsmaster", r.join("etc/rc0.d/K10mfsmaster")).unwrap();
        symlink("../init.d/heartbeat", r.join("etc/rc3.d/S75heartbeat")).unwrap();
        let node = Node::open(r, None).unwrap();
        let e = enabled_at_boot(&node, &["mfsmaster", "moosefs-master"]);
        let links: Vec<String> = e.iter().map(|e| e.link.display().to_string()).collect();
        assert_eq!(
            links,
            [
                "/etc/systemd/system/multi-user.target.wants/moosefs-master.service",
                "/etc/rc3.d/S91mfsmaster"
            ]
        );
        symlink(
            "/dev/null",
            r.join("etc/systemd/system/moosefs-master.service"),
        )
        .unwrap();
        assert_eq!(enabled_at_boot(&node, &["moosefs-master"]), vec![]);
    }
}
