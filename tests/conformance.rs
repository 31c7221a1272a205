//! Conformance of the drbd-status parsers against the public sample corpus.
//!
//! Reads `../shared/corpus/drbd/*.expect.json` (or `$MFS_HA_DRBD_CORPUS`): every sample must be
//! accepted, partially accepted with diagnostics, or rejected exactly as its sidecar says, and the
//! facts the sidecar lists must appear in the parser's document (see `subset_mismatch`).
//! Under `CI=true` a missing corpus is a failure, never a silent skip.

use drbd_status::{events2, proc_drbd, status_json, status_text, Document, ParseError, Parsed};
use serde_json::Value;
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MFS_HA_DRBD_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/drbd"),
    };
    dir.is_dir().then_some(dir)
}

/// Parses a sample with the parser its sidecar names.
fn parse_as(format: &str, input: &str) -> Result<Parsed<Document>, ParseError> {
    match format {
        "proc-drbd-8" | "proc-drbd-9" => proc_drbd::parse(input).map(|p| p.map(Document::Proc)),
        "drbdadm-status" | "drbdsetup-status" => {
            status_text::parse(input).map(|p| p.map(Document::StatusText))
        }
        "drbdsetup-status-json" => status_json::parse(input).map(|p| p.map(Document::StatusJson)),
        "events2" => events2::parse(input).map(|p| p.map(Document::Events2)),
        other => panic!("sidecar names unknown format {other}"),
    }
}

/// Where `actual` fails to contain `expected`: objects by key (an expected `null` also matches
/// an absent key), arrays element by element with equal length, numbers as f64.
fn subset_mismatch(expected: &Value, actual: Option<&Value>, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Null, None | Some(Value::Null)) => None,
        (Value::Object(want), Some(Value::Object(got))) => want
            .iter()
            .find_map(|(k, v)| subset_mismatch(v, got.get(k), &format!("{path}.{k}"))),
        (Value::Array(want), Some(Value::Array(got))) if want.len() == got.len() => want
            .iter()
            .zip(got)
            .enumerate()
            .find_map(|(i, (w, g))| subset_mismatch(w, Some(g), &format!("{path}[{i}]"))),
        (Value::Number(want), Some(Value::Number(got))) => {
            let (w, g) = (want.as_f64().unwrap(), got.as_f64().unwrap());
            ((w - g).abs() > 1e-9).then(|| format!("{path}: expected {w}, got {g}"))
        }
        (want, Some(got)) if want == got => None,
        (want, got) => Some(format!(
            "{path}: expected {want}, got {}",
            got.map(|g| g.to_string())
                .unwrap_or_else(|| "nothing".into())
        )),
    }
}

/// Checks one sample against its sidecar; `Err` says why it does not conform.
fn check_sample(sidecar: &Value, input: &str) -> Result<(), String> {
    let format = sidecar["format"].as_str().ok_or("sidecar has no format")?;
    let expect = sidecar["expect"].as_str().ok_or("sidecar has no expect")?;
    let result = parse_as(format, input);
    match (expect, result) {
        ("reject", Err(_)) => Ok(()),
        ("reject", Ok(p)) => Err(format!(
            "accepted a sample that must be rejected: {:?}",
            p.diagnostics
        )),
        (_, Err(e)) => Err(format!("rejected: {e}")),
        (kind, Ok(parsed)) => {
            if kind == "accept" && parsed.has_errors() {
                return Err(format!(
                    "errors on a valid sample: {:?}",
                    parsed.diagnostics
                ));
            }
            if kind == "accept-partial" && parsed.diagnostics.is_empty() {
                return Err("partial sample parsed without any diagnostic".into());
            }
            if drbd_status::detect(input).is_none() {
                return Err("auto-detection did not recognise the sample".into());
            }
            let doc = serde_json::to_value(&parsed.doc).map_err(|e| e.to_string())?;
            if let Some(why) = subset_mismatch(&sidecar["data"], Some(&doc), "data") {
                return Err(why);
            }
            // The shared model must be derivable from every accepted document.
            let _ = parsed.doc.to_status().health();
            Ok(())
        }
    }
}

#[test]
fn corpus_samples_conform() {
    let Some(dir) = corpus_dir() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the corpus ../shared/corpus/drbd is missing"
        );
        eprintln!("conformance: corpus not found, skipped (set MFS_HA_DRBD_CORPUS)");
        return;
    };
    let mut sidecars: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".expect.json"))
        .collect();
    sidecars.sort();
    assert!(
        !sidecars.is_empty(),
        "no .expect.json files in {}",
        dir.display()
    );

    let mut failures = Vec::new();
    for sidecar_path in &sidecars {
        let sidecar: Value =
            serde_json::from_slice(&std::fs::read(sidecar_path).unwrap()).expect("valid sidecar");
        let sample = dir.join(
            sidecar["sample"]
                .as_str()
                .expect("sidecar names its sample"),
        );
        let input = String::from_utf8_lossy(&std::fs::read(&sample).unwrap()).into_owned();
        if let Err(why) = check_sample(&sidecar, &input) {
            failures.push(format!(
                "{}: {why}",
                sample.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    let passed = sidecars.len() - failures.len();
    eprintln!(
        "conformance: {passed}/{} corpus samples conform",
        sidecars.len()
    );
    assert!(
        failures.is_empty(),
        "non-conforming samples:\n{}",
        failures.join("\n")
    );
}

#[test]
fn subset_rules() {
    let got = serde_json::json!({"a": 1.0, "b": [1, 2], "c": null, "d": "x"});
    assert_eq!(
        subset_mismatch(&serde_json::json!({"a": 1}), Some(&got), "$"),
        None
    );
    assert_eq!(
        subset_mismatch(&serde_json::json!({"zz": null}), Some(&got), "$"),
        None
    );
    assert!(subset_mismatch(&serde_json::json!({"b": [1]}), Some(&got), "$").is_some());
    assert!(subset_mismatch(&serde_json::json!({"d": "y"}), Some(&got), "$").is_some());
    assert!(subset_mismatch(&serde_json::json!({"e": 0}), Some(&got), "$").is_some());
}
