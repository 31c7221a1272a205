//! The node being checked: the live system (`/`) or a copy of one under `--root`. Every path
//! in the configuration is absolute as seen on the node; here it is mapped under the root, and
//! symbolic links are followed inside the root, the way the node itself would follow them.

pub mod accounts;
pub mod hosts;
pub mod run;
pub mod services;

use std::path::{Component, Path, PathBuf};

use anyhow::Context;

/// A node's file system and name.
#[derive(Debug, Clone)]
pub struct Node {
    pub root: PathBuf,
    /// The name heartbeat uses for this node, lower-cased (`uname -n`, or /etc/ha.d/nodeinfo).
    pub name: String,
    /// How the name was found, for messages ("uname -n", "/etc/ha.d/nodeinfo", "--node").
    pub name_source: String,
}

impl Node {
    /// The node under `root`; its name from `name`, else as heartbeat finds it.
    pub fn open(root: &Path, name: Option<&str>) -> anyhow::Result<Node> {
        let meta = std::fs::metadata(root)
            .with_context(|| format!("--root {}: cannot read it", root.display()))?;
        anyhow::ensure!(
            meta.is_dir(),
            "--root {} is not a directory",
            root.display()
        );
        let mut node = Node {
            root: root.to_path_buf(),
            name: String::new(),
            name_source: String::new(),
        };
        let (name, source) = match name {
            Some(n) => (n.to_string(), "--node".to_string()),
            None => node.heartbeat_name().context(
                "cannot tell this node's name (no /etc/ha.d/nodeinfo, no hostname); pass --node NAME",
            )?,
        };
        node.name = name.trim().to_lowercase();
        node.name_source = source;
        Ok(node)
    }

    pub fn is_live(&self) -> bool {
        self.root == Path::new("/")
    }

    /// heartbeat's own rule: /etc/ha.d/nodeinfo overrides `uname -n`.
    fn heartbeat_name(&self) -> Option<(String, String)> {
        if let Some(n) = self.read("/etc/ha.d/nodeinfo").ok().and_then(first_word) {
            return Some((n, "/etc/ha.d/nodeinfo".into()));
        }
        let hostname = match self.is_live() {
            // uname -n: the kernel's answer in this UTS namespace
            true => std::fs::read_to_string("/proc/sys/kernel/hostname").ok(),
            false => self.read("/etc/hostname").ok(),
        };
        hostname
            .and_then(first_word)
            .map(|n| (n, "uname -n".to_string()))
    }

    /// `abs` (a path on the node) under the root, without following links.
    pub fn path(&self, abs: impl AsRef<Path>) -> PathBuf {
        let rel: PathBuf = abs
            .as_ref()
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        self.root.join(rel)
    }

    /// `abs` with every symbolic link followed inside the root (absolute link targets are the
    /// node's paths). Returns the node's path; `path()` of it is the file here. None on a loop.
    pub fn resolve(&self, abs: impl AsRef<Path>) -> Option<PathBuf> {
        let mut pending: Vec<PathBuf> = vec![abs.as_ref().to_path_buf()];
        let mut done = PathBuf::from("/");
        let mut hops = 0;
        while let Some(p) = pending.pop() {
            let mut comps: Vec<Component> = p.components().collect();
            comps.reverse();
            while let Some(c) = comps.pop() {
                match c {
                    Component::RootDir => done = PathBuf::from("/"),
                    Component::CurDir | Component::Prefix(_) => {}
                    Component::ParentDir => {
                        done.pop();
                    }
                    Component::Normal(name) => {
                        let next = done.join(name);
                        match std::fs::read_link(self.path(&next)) {
                            Ok(target) => {
                                hops += 1;
                                if hops > 40 {
                                    return None;
                                }
                                let rest: PathBuf = comps.iter().rev().collect();
                                comps.clear();
                                pending.push(if rest.as_os_str().is_empty() {
                                    target.clone()
                                } else {
                                    target.join(rest)
                                });
                                if target.is_relative() {
                                    // relative to the link's directory, which `done` is
                                } else {
                                    done = PathBuf::from("/");
                                }
                            }
                            Err(_) => done = next,
                        }
                    }
                }
            }
        }
        Some(done)
    }

    /// The file at `abs` here, links followed inside the root.
    pub fn real(&self, abs: impl AsRef<Path>) -> PathBuf {
        let abs = abs.as_ref();
        self.path(self.resolve(abs).unwrap_or_else(|| abs.to_path_buf()))
    }

    pub fn read(&self, abs: impl AsRef<Path>) -> std::io::Result<String> {
        let bytes = std::fs::read(self.real(abs))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub fn metadata(&self, abs: impl AsRef<Path>) -> std::io::Result<std::fs::Metadata> {
        std::fs::metadata(self.real(abs))
    }

    /// Is `dir` a mount point here? (/proc/self/mountinfo on the live node; a copy under
    /// --root is checked as it lies, as if everything were mounted.)
    pub fn is_mounted(&self, dir: &str) -> bool {
        if !self.is_live() {
            return true;
        }
        let dir = dir.trim_end_matches('/');
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .any(|l| l.split_whitespace().nth(4) == Some(dir))
    }

    /// A path to show the operator: the node's path, under the root when there is one.
    pub fn shown(&self, abs: impl AsRef<Path>) -> PathBuf {
        match self.is_live() {
            true => abs.as_ref().to_path_buf(),
            false => self.path(abs),
        }
    }
}

fn first_word(text: String) -> Option<String> {
    text.split_whitespace().next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("usr/lib/mfs-ha")).unwrap();
        std::fs::create_dir_all(root.join("etc/ha.d/resource.d")).unwrap();
        std::fs::write(root.join("usr/lib/mfs-ha/VIPaddr"), "x").unwrap();
        symlink(
            "/usr/lib/mfs-ha/VIPaddr",
            root.join("etc/ha.d/resource.d/IPaddr"),
        )
        .unwrap();
        symlink(
            "../../../usr/lib/mfs-ha/VIPaddr",
            root.join("etc/ha.d/resource.d/rel"),
        )
        .unwrap();
        std::fs::write(root.join("etc/hostname"), "MFS-Bak\n").unwrap();
        let node = Node::open(root, None).unwrap();
        assert_eq!(
            (node.name.as_str(), node.name_source.as_str()),
            ("mfs-bak", "uname -n")
        );
        for link in ["IPaddr", "rel"] {
            let p = Path::new("/etc/ha.d/resource.d").join(link);
            assert_eq!(
                node.resolve(&p).unwrap(),
                Path::new("/usr/lib/mfs-ha/VIPaddr")
            );
            assert_eq!(node.read(&p).unwrap(), "x");
        }
        std::fs::write(root.join("etc/ha.d/nodeinfo"), "mfs-master\n").unwrap();
        assert_eq!(Node::open(root, None).unwrap().name, "mfs-master");
        symlink("loop", root.join("loop")).unwrap();
        assert_eq!(node.resolve("/loop"), None);
    }
}
