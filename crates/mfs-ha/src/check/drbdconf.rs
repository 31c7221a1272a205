//! drbd.conf read as drbdadm reads it, far enough to check the cluster against it: statements
//! (`word ... ;`) and sections (`word ... { ... }`) with their lines, resources, their `on`
//! host sections, devices, disks and fencing. Pure; `include` is resolved by the caller.

/// One statement or section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub line: usize,
    pub words: Vec<String>,
    /// Present for a section (`{ ... }`).
    pub block: Option<Vec<Item>>,
}

impl Item {
    pub fn keyword(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    /// The first statement `key ...` directly inside this section.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.block.as_ref()?.iter().find(|i| i.keyword() == key)
    }

    pub fn children(&self) -> &[Item] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// A syntax error: the line and what drbdadm would complain about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Open,
    Close,
    End,
}

fn tokens(text: &str) -> Vec<(usize, Token)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '{' => out.push((line, Token::Open)),
            '}' => out.push((line, Token::Close)),
            ';' => out.push((line, Token::End)),
            '"' => {
                let start = line;
                let mut word = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        '\n' => {
                            line += 1;
                            word.push(c)
                        }
                        c => word.push(c),
                    }
                }
                out.push((start, Token::Word(word)));
            }
            c => {
                let mut word = String::from(c);
                while chars
                    .peek()
                    .is_some_and(|&c| !c.is_whitespace() && !"{};#\"".contains(c))
                {
                    word.extend(chars.next());
                }
                out.push((line, Token::Word(word)));
            }
        }
    }
    out
}

/// The file's top-level items, or the first syntax error.
pub fn parse(text: &str) -> Result<Vec<Item>, SyntaxError> {
    let toks = tokens(text);
    let mut at = 0;
    let items = items(&toks, &mut at, 0)?;
    Ok(items)
}

fn items(toks: &[(usize, Token)], at: &mut usize, depth: usize) -> Result<Vec<Item>, SyntaxError> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut first_line = 0;
    while let Some((line, tok)) = toks.get(*at) {
        *at += 1;
        match tok {
            Token::Word(w) => {
                if words.is_empty() {
                    first_line = *line;
                }
                words.push(w.clone());
            }
            Token::End => {
                if !words.is_empty() {
                    out.push(Item {
                        line: first_line,
                        words: std::mem::take(&mut words),
                        block: None,
                    });
                }
            }
            Token::Open => {
                if words.is_empty() {
                    return Err(SyntaxError {
                        line: *line,
                        what: "a `{` without a section name before it".into(),
                    });
                }
                if depth > 16 {
                    return Err(SyntaxError {
                        line: *line,
                        what: "sections nested too deeply".into(),
                    });
                }
                let block = items(toks, at, depth + 1)?;
                out.push(Item {
                    line: first_line,
                    words: std::mem::take(&mut words),
                    block: Some(block),
                });
            }
            Token::Close => {
                if depth == 0 {
                    return Err(SyntaxError {
                        line: *line,
                        what: "a `}` that closes nothing".into(),
                    });
                }
                if !words.is_empty() {
                    return Err(SyntaxError {
                        line: first_line,
                        what: format!("`{}` is not ended by `;`", words.join(" ")),
                    });
                }
                return Ok(out);
            }
        }
    }
    if depth > 0 {
        return Err(SyntaxError {
            line: toks.last().map(|t| t.0).unwrap_or(1),
            what: "a section is not closed (missing `}`)".into(),
        });
    }
    if !words.is_empty() {
        return Err(SyntaxError {
            line: first_line,
            what: format!("`{}` is not ended by `;`", words.join(" ")),
        });
    }
    Ok(out)
}

/// What may appear directly in a `resource` section (DRBD 8.3, 8.4 and 9).
const RESOURCE_KEYWORDS: &[&str] = &[
    "on",
    "floating",
    "stacked-on-top-of",
    "net",
    "disk",
    "syncer",
    "startup",
    "handlers",
    "options",
    "connection",
    "connection-mesh",
    "volume",
    "device",
    "meta-disk",
    "flexible-meta-disk",
    "address",
    "protocol",
    "ignore-on",
    "template-file",
    "skip",
];

/// Items inside a resource that drbdadm rejects (`onmfs-master { ... }`), with a suggestion.
pub fn unknown_in_resource(resource: &Item, hosts: &[String]) -> Vec<(usize, String, String)> {
    resource
        .children()
        .iter()
        .filter(|i| !RESOURCE_KEYWORDS.contains(&i.keyword()))
        .map(|i| {
            let k = i.keyword();
            let host = k.strip_prefix("on").filter(|h| !h.is_empty());
            let fix = match host {
                Some(h) if hosts.iter().any(|n| n.eq_ignore_ascii_case(h)) || i.block.is_some() => {
                    format!("write `on {h} {{` (a blank between `on` and the host name)")
                }
                _ => format!("remove or correct `{k}` (a resource holds on/net/disk/handlers/startup sections)"),
            };
            (i.line, k.to_string(), fix)
        })
        .collect()
}

/// `on` sections of a resource: (host names, the section).
pub fn hosts(resource: &Item) -> Vec<(Vec<String>, &Item)> {
    resource
        .children()
        .iter()
        .filter(|i| i.keyword() == "on" && i.block.is_some())
        .map(|i| (i.words[1..].to_vec(), i))
        .collect()
}

/// `device` of a host section (or the resource, or the first volume): `/dev/drbd1`, or
/// `/dev/drbd<minor>` for `device minor 1`.
pub fn device(host: &Item, resource: &Item) -> Option<(String, usize)> {
    let from = |i: &Item| {
        let d = i.get("device").or_else(|| {
            i.children()
                .iter()
                .find(|v| v.keyword() == "volume")
                .and_then(|v| v.get("device"))
        })?;
        let words = &d.words[1..];
        match words {
            [m, n, ..] if m == "minor" => Some((format!("/dev/drbd{n}"), d.line)),
            [path, ..] => Some((path.clone(), d.line)),
            [] => None,
        }
    };
    from(host).or_else(|| from(resource))
}

/// `disk` of a host section (or the resource, or the first volume).
pub fn disk(host: &Item, resource: &Item) -> Option<(String, usize)> {
    let from = |i: &Item| {
        let d = i
            .children()
            .iter()
            .find(|c| c.keyword() == "disk" && c.block.is_none())
            .or_else(|| {
                i.children()
                    .iter()
                    .find(|v| v.keyword() == "volume")
                    .and_then(|v| {
                        v.children()
                            .iter()
                            .find(|c| c.keyword() == "disk" && c.block.is_none())
                    })
            })?;
        Some((d.words.get(1)?.clone(), d.line))
    };
    from(host).or_else(|| from(resource))
}

/// The `fencing` policy from the resource's or common's disk/net sections.
pub fn fencing(resource: &Item, common: Option<&Item>) -> Option<String> {
    let find = |i: &Item| {
        i.children()
            .iter()
            .filter(|s| matches!(s.keyword(), "disk" | "net") && s.block.is_some())
            .find_map(|s| s.get("fencing").and_then(|f| f.words.get(1).cloned()))
    };
    find(resource).or_else(|| common.and_then(find))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "global { usage-count yes; }\ncommon { syncer { rate 50M; } }\nresource r0 {\nprotocol C;\nnet {\ncram-hmac-alg sha1;\nshared-secret \"secret string\";\n}\nonmfs-master {\ndevice /dev/drbd1;\ndisk /dev/sdb;\naddress 192.168.8.200:7898;\nmeta-disk internal;\n}\non mfs-bak {\ndevice /dev/drbd1;\ndisk /dev/sdb;\naddress 192.168.8.201:7898;\nmeta-disk internal;\n}\n}\n";

    #[test]
    fn the_articles_resource() {
        let items = parse(ARTICLE).unwrap();
        let r0 = items
            .iter()
            .find(|i| i.words == ["resource", "r0"])
            .unwrap();
        assert_eq!(r0.line, 3);
        let nodes = vec!["mfs-master".to_string(), "mfs-bak".to_string()];
        let unknown = unknown_in_resource(r0, &nodes);
        assert_eq!(unknown.len(), 1);
        assert_eq!((unknown[0].0, unknown[0].1.as_str()), (9, "onmfs-master"));
        assert!(unknown[0].2.contains("`on mfs-master {`"));
        let h = hosts(r0);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].0, ["mfs-bak"]);
        assert_eq!(device(h[0].1, r0), Some(("/dev/drbd1".into(), 16)));
        assert_eq!(disk(h[0].1, r0), Some(("/dev/sdb".into(), 17)));
        assert_eq!(fencing(r0, None), None);
    }

    #[test]
    fn minors_volumes_fencing_and_errors() {
        let t = "common { disk { fencing resource-only; } }\nresource r1 { device minor 3; volume 0 { disk /dev/vdb; meta-disk internal; } on a { address 1.2.3.4:7789; } }";
        let items = parse(t).unwrap();
        let r1 = &items[1];
        let h = hosts(r1);
        assert_eq!(device(h[0].1, r1).unwrap().0, "/dev/drbd3");
        assert_eq!(disk(h[0].1, r1).unwrap().0, "/dev/vdb");
        assert_eq!(
            fencing(r1, Some(&items[0])).as_deref(),
            Some("resource-only")
        );
        assert_eq!(
            parse("resource r0 {\n on a {\n").unwrap_err().what,
            "a section is not closed (missing `}`)"
        );
        assert_eq!(parse("}\n").unwrap_err().line, 1);
        assert_eq!(parse("resource r0 {\nprotocol C\n}\n").unwrap_err().line, 2);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "(\\PC|\n|[{};#\"]){0,300}") {
            if let Ok(items) = parse(&text) {
                for i in &items {
                    let _ = unknown_in_resource(i, &[]);
                    for (_, h) in hosts(i) {
                        let _ = (device(h, i), disk(h, i));
                    }
                    let _ = fencing(i, None);
                }
            }
        }
    }
}
