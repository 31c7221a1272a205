//! `/etc/ha.d/ha.cf`: one directive per line, `#` starts a comment.

/// One directive, e.g. `deadtime 5` on line 12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line number.
    pub line: usize,
    pub key: String,
    /// The rest of the line, blanks collapsed (may be empty).
    pub value: String,
}

/// All directives of an ha.cf, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HaCf {
    pub directives: Vec<Directive>,
}

impl HaCf {
    /// The last value given for `key` (a later line overrides an earlier one).
    pub fn get(&self, key: &str) -> Option<&Directive> {
        self.directives.iter().rev().find(|d| d.key == key)
    }

    /// Every directive named `key` (for the repeatable ones: node, bcast, ucast, respawn, ...).
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.directives.iter().filter(move |d| d.key == key)
    }

    /// The cluster's node names from every `node` line (several names per line allowed).
    pub fn nodes(&self) -> Vec<String> {
        self.all("node")
            .flat_map(|d| d.value.split_whitespace())
            .map(str::to_string)
            .collect()
    }
}

/// Parses ha.cf text; never fails.
pub fn parse(text: &str) -> HaCf {
    let directives = text
        .lines()
        .enumerate()
        .filter_map(|(index, raw)| {
            let content = raw.split('#').next().unwrap_or("");
            let mut words = content.split_whitespace();
            let key = words.next()?.to_string();
            Some(Directive {
                line: index + 1,
                key,
                value: words.collect::<Vec<_>>().join(" "),
            })
        })
        .collect();
    HaCf { directives }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_nodes_and_overrides() {
        let cf = parse("# c\nkeepalive 2\ndeadtime 30 # secs\nnode mfs-master\nnode mfs-bak other\n\nkeepalive 1\nauto_failback on\n");
        assert_eq!(
            cf.get("keepalive").map(|d| (d.line, d.value.as_str())),
            Some((7, "1"))
        );
        assert_eq!(cf.get("deadtime").map(|d| d.value.as_str()), Some("30"));
        assert_eq!(cf.nodes(), ["mfs-master", "mfs-bak", "other"]);
        assert!(cf.get("crm").is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "(\\PC|\n|#){0,200}") {
            let _ = parse(&text);
        }
    }
}
