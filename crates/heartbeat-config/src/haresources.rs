//! `/etc/ha.d/haresources` as ResourceManager reads it (`ipres`, `canonname`,
//! `resource2script`, `resource2arg`, `scriptpath`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every resource group of a haresources file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Haresources {
    pub groups: Vec<Group>,
}

/// One logical line: a node and the resources it prefers to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// 1-based number of the physical line the group starts on.
    pub line: usize,
    /// The node name, lower-cased as ResourceManager's awk does.
    pub node: String,
    /// The node name as written.
    pub node_written: String,
    /// The resources, started left to right and stopped right to left.
    pub resources: Vec<Resource>,
}

/// One resource of a group, e.g. `Initdrbd::r0::/dev/drbd1` or a bare `192.168.8.210`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Exactly as written in the file.
    pub written: String,
    /// The script heartbeat runs (`IPaddr` for a bare IP).
    pub script: String,
    /// The arguments before the action (`::` split; empty parts dropped).
    pub args: Vec<String>,
    /// Written as a bare IP address (heartbeat's `isip` glob), so run by `IPaddr`.
    pub bare_ip: bool,
}

impl Haresources {
    /// The groups whose node is `node` (compared case-insensitively, as `listkeys` does).
    pub fn groups_of<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Group> + 'a {
        self.groups
            .iter()
            .filter(move |g| g.node.eq_ignore_ascii_case(node))
    }
}

impl Group {
    /// The group's key: its first resource as written (how heartbeat names the group).
    pub fn key(&self) -> Option<&str> {
        self.resources.first().map(|r| r.written.as_str())
    }
}

impl Resource {
    /// Splits one resource word the way `canonname`, `resource2script` and `resource2arg` do.
    pub fn parse(word: &str) -> Resource {
        let bare_ip = is_ip_glob(word);
        let canonical = if bare_ip {
            format!("IPaddr::{word}")
        } else {
            word.to_string()
        };
        let script = match canonical.find("::") {
            Some(at) => canonical[..at].to_string(),
            None => canonical.clone(),
        };
        // resource2arg: only when the canonical name has `::`; it edits the word as written.
        let args = if canonical.contains("::") {
            strip_first_script_part(word)
                .split("::")
                .flat_map(str::split_whitespace)
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        Resource {
            written: word.to_string(),
            script,
            args,
            bare_ip,
        }
    }

    /// The argv heartbeat runs: `script_path args... action`.
    pub fn argv(&self, script_path: &Path, action: &str) -> Vec<String> {
        let mut argv = vec![script_path.display().to_string()];
        argv.extend(self.args.iter().cloned());
        argv.push(action.to_string());
        argv
    }
}

/// Parses haresources text. Never fails: what heartbeat would accept, this returns.
pub fn parse(text: &str) -> Haresources {
    let groups = logical_lines(text)
        .into_iter()
        .filter_map(|(line, content)| {
            let mut words = content.split_whitespace();
            let node_written = words.next()?.to_string();
            Some(Group {
                line,
                node: node_written.to_lowercase(),
                node_written,
                resources: words.map(Resource::parse).collect(),
            })
        })
        .collect();
    Haresources { groups }
}

/// The script heartbeat would run: the first of `resource_dir/script`, `init_dir/script`
/// that is a regular file (a link to one counts) with an execute bit.
pub fn locate_script(resource_dir: &Path, init_dir: &Path, script: &str) -> Option<PathBuf> {
    if script.is_empty() || script.contains('/') {
        // `$dir/$script` with a slash would leave the directory; heartbeat would still try it,
        // but no sane configuration does that, and a tool must not wander the tree.
        return None;
    }
    [resource_dir, init_dir]
        .into_iter()
        .map(|dir| dir.join(script))
        .find(|path| {
            std::fs::metadata(path)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// `isip`: the shell glob `[0-9]*.[0-9]*.[0-9]*.[0-9]*` over the whole word.
fn is_ip_glob(word: &str) -> bool {
    let b = word.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let mut at = 1;
    for _ in 0..3 {
        match (at..b.len().saturating_sub(1)).find(|&i| b[i] == b'.' && b[i + 1].is_ascii_digit()) {
            Some(i) => at = i + 2,
            None => return false,
        }
    }
    true
}

/// `sed 's%[^:]*::%%'`: removes the leftmost run of non-colons followed by `::`.
fn strip_first_script_part(word: &str) -> String {
    let b = word.as_bytes();
    for start in 0..b.len() {
        let run_end = (start..b.len()).find(|&i| b[i] == b':').unwrap_or(b.len());
        if word[run_end..].starts_with("::") {
            return format!("{}{}", &word[..start], &word[run_end + 2..]);
        }
    }
    word.to_string()
}

/// ipres's sed: strip `#...` from each physical line, join lines ending in a backslash (the
/// joined line's comment is NOT stripped, as in sed), drop blank lines. Yields
/// (first physical line number, content).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.split('\n').enumerate();
    while let Some((index, raw)) = lines.next() {
        let mut pattern = match raw.find('#') {
            Some(at) => raw[..at].to_string(),
            None => raw.to_string(),
        };
        while pattern.ends_with('\\') {
            let Some((_, next)) = lines.next() else { break };
            pattern.push('\n');
            pattern.push_str(next);
            if let Some(at) = pattern.find("\\\n") {
                pattern.replace_range(at..at + 2, "");
            }
        }
        if !pattern.trim().is_empty() {
            out.push((index + 1, pattern));
        }
    }
    out
}

#[cfg(test)]
mod tests;
