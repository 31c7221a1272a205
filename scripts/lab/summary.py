"""The lab runs' JSON summaries (demo, watchdog, Pacemaker scenarios): the checks a run printed
(checks.tsv: NAME, PASS|FAIL, DETAIL) and the verdict, shared by the summary writers in
scripts/lab/*.sh, which add their own figures."""

import json
import os


def checks(path):
    """Every check of checks.tsv as a dict, in the order the run made them."""
    out = []
    with open(path) as f:
        for line in f:
            name, result, detail = line.rstrip("\n").split("\t", 2)
            out.append({"name": name, "result": result, "detail": detail})
    return out


def number(value):
    """A figure from the shell: empty or "null" (not measured) is None."""
    return None if value in (None, "", "null") else float(value)


def write(path, rc, checks_path, **fields):
    """The summary: PASS only when the run exited 0 and every check passed."""
    found = checks(checks_path)
    ok = int(rc) == 0 and bool(found) and all(c["result"] == "PASS" for c in found)
    summary = {"result": "PASS" if ok else "FAIL", "checks": found, **fields,
               "logs": os.environ.get("LOGS", "")}
    with open(path, "w") as f:
        json.dump(summary, f, indent=2)
