#!/usr/bin/env python3
"""The fault campaign's client side and bookkeeping (docs/lab.md, "Fault campaign").

  writer   --dir D --acks FILE --stop FILE [--interval S]
           numbered files with random content through the client's mount; each is fsync'ed
           and recorded in FILE (one line: number, start, ack time, size, sha256) only after
           fsync returned
  sampler  --state STATE.json --masters NODE=IP,... --out FILE --stop FILE [--interval S]
           every interval: how many nodes drbd-sim has Primary, how many mfsmasters answer INFO
  verify   --dir D --acks FILE --out FILE
           reads every acknowledged file back (through a fresh mount) and compares its sha256
  report   --records ROUNDS.jsonl --acks FILE --samples FILE --verify FILE [--summary FILE]
           per-round figures, the per-kind table and, last, the one summary line

Only the standard library: it runs inside the lab's boxes with the host's python3.
"""

import argparse
import errno
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor

CLTOMA_INFO = 510
MATOCL_INFO = 511
class Deadline(Exception):
    pass


def _alarm(_sig, _frame):
    raise Deadline()


def write_fsynced(path, data):
    """Writes and fsyncs `path`; None when fsync returned, else the error's name. It waits as
    long as the mount makes it: a FUSE request under way is not abandoned for a signal (an
    alarm here only raced the error handling: a SIGALRM landing while an ENXIO was being
    handled killed the writer), and the campaign bounds a client that never answers."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        return errno.errorcode.get(e.errno, type(e).__name__)
    return None


def writer(args):
    os.makedirs(args.dir, exist_ok=True)
    n = 0
    if os.path.exists(args.acks):
        with open(args.acks) as f:
            for line in f:
                n = max(n, int(line.split()[0]))
    acks = open(args.acks, "a", buffering=1)
    fails = open(args.acks + ".failed", "a", buffering=1)
    while not os.path.exists(args.stop):
        n += 1
        size = 1024 + (n * 7919) % 7168
        data = os.urandom(size)
        digest = hashlib.sha256(data).hexdigest()
        path = os.path.join(args.dir, "f%07d" % n)
        start = time.time()
        error = write_fsynced(path, data)
        if error:
            fails.write("%d %.3f %.3f %s\n" % (n, start, time.time(), error))
            time.sleep(0.2)
            continue
        # fsync returned: only now is the file acknowledged
        acks.write("%d %.3f %.3f %d %s\n" % (n, start, time.time(), size, digest))
        time.sleep(args.interval)


def info_answers(ip, timeout=0.5):
    """True when the master at ip:9421 answers CLTOMA_INFO within timeout."""
    try:
        with socket.create_connection((ip, 9421), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack(">II", CLTOMA_INFO, 0))
            head = b""
            while len(head) < 8:
                chunk = s.recv(8 - len(head))
                if not chunk:
                    return False
                head += chunk
            kind, _length = struct.unpack(">II", head)
            return kind == MATOCL_INFO
    except OSError:
        return False


def primaries(state_path):
    """Nodes drbd-sim has up and Primary, per resource; None when the state is unreadable."""
    try:
        with open(state_path) as f:
            st = json.load(f)
    except (OSError, ValueError):
        return None
    out = []
    for res in st.get("resources", {}).values():
        for node, ns in res.get("node_state", {}).items():
            if ns.get("up") and ns.get("role") == "Primary":
                out.append(node)
    return out


def sampler(args):
    masters = dict(pair.split("=", 1) for pair in args.masters.split(","))
    out = open(args.out, "a", buffering=1)
    pool = ThreadPoolExecutor(len(masters))
    while not os.path.exists(args.stop):
        t = time.time()
        prim = primaries(args.state)
        answers = list(pool.map(info_answers, masters.values()))
        serving = [node for node, ok in zip(masters, answers) if ok]
        out.write(json.dumps({"t": round(t, 3), "primary": prim, "serving": serving}) + "\n")
        time.sleep(max(0.0, args.interval - (time.time() - t)))


def read_acks(path):
    acks = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 5:
                    acks.append({"n": int(p[0]), "start": float(p[1]), "ack": float(p[2]), "size": int(p[3]), "sha": p[4]})
    return acks


def read_failed(path):
    """Write attempts that ended in an error: n, start, end and the error's name."""
    failed = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 3:
                    failed.append({"n": int(p[0]), "start": float(p[1]), "end": float(p[2]),
                                   "error": p[3] if len(p) > 3 else "error"})
    return failed


# MooseFS locks a chunk for writing for LOCKTIMEOUT = 120 s (mfsmaster/chunks.c, 3.0.117) and
# logs the lock with the WRITE change; the unlock comes with the write's end. A master that
# dies in between leaves the lock in the changelog, the new master replays it, and the
# client's write to that chunk is refused (LOCKED) and retried until the lock expires.
MOOSEFS_CHUNK_LOCK_S = 120.0
# A write under way at the fault that ends this long after one node serves again was held up
# by MooseFS's handling of its chunk, not by the takeover.
STALL_AFTER_SERVICE_S = 30.0


def in_flight_at(t0, acks, failed, served_at=None):
    """The write the client had under way at t0 (started before, ended after), if any, and
    whether it outlived the restored service by more than STALL_AFTER_SERVICE_S (MooseFS still
    handling that one chunk: its replayed write lock, or retries until it reports the chunk
    lost), which makes the client-visible outage that write's, not the takeover's."""
    attempts = [(a["n"], a["start"], a["ack"], None) for a in acks]
    attempts += [(f["n"], f["start"], f["end"], f.get("error", "error")) for f in failed]
    for n, start, end, error in sorted(attempts, key=lambda x: x[1]):
        if start <= t0 < end:
            took = end - start
            after_service = None if served_at is None else round(end - served_at, 2)
            return {
                "n": n,
                "started_before_fault_s": round(t0 - start, 3),
                "took_s": round(took, 2),
                "acknowledged": error is None,
                "error": error,
                "ended_after_service_s": after_service,
                "stalled": after_service is not None and after_service > STALL_AFTER_SERVICE_S,
                # only the lock explains a single write that waited about that long
                "chunk_lock_wait": took >= MOOSEFS_CHUNK_LOCK_S - 10,
            }
    return None


def explain_stall(flight):
    what = "the client's write of f%07d, under way at the fault, %s %.0f s after it began" % (
        flight["n"], "returned" if flight["acknowledged"] else "failed (%s)" % flight["error"],
        flight["took_s"])
    if flight["chunk_lock_wait"]:
        why = ("MooseFS keeps a chunk being written locked for %.0f s (LOCKTIMEOUT), and the new "
               "master replayed that lock from the changelog" % MOOSEFS_CHUNK_LOCK_S)
    else:
        why = ("MooseFS was still settling that one chunk (the client retries until the master "
               "has a valid copy or reports the chunk lost, ENXIO)")
    return "%s, %.0f s after one node served again: %s" % (what, flight["ended_after_service_s"], why)


def verify(args):
    signal.signal(signal.SIGALRM, _alarm)
    bad = []
    acks = read_acks(args.acks)
    for a in acks:
        path = os.path.join(args.dir, "f%07d" % a["n"])
        signal.alarm(30)
        try:
            with open(path, "rb") as f:
                data = f.read()
            signal.alarm(0)
            if hashlib.sha256(data).hexdigest() != a["sha"]:
                bad.append({"n": a["n"], "why": "corrupt (%d bytes, sha256 differs)" % len(data)})
        except FileNotFoundError:
            signal.alarm(0)
            bad.append({"n": a["n"], "why": "missing"})
        except (OSError, Deadline) as e:
            signal.alarm(0)
            bad.append({"n": a["n"], "why": "unreadable: %s" % e})
    json.dump({"checked": len(acks), "bad": bad}, open(args.out, "w"))
    print("verify: %d acknowledged files read back, %d lost or corrupt" % (len(acks), len(bad)))


def explain_unfenced(r):
    """What the unfenced partition did, from what was measured."""
    text = ("without fencing nothing stops mfs-bak from promoting DRBD while mfs-master still "
            "is Primary: %d samples saw two Primaries (a split brain of the data; at heal time "
            "DRBD found diverged data and one side's changes were discarded)" % r["dual_primary_samples"])
    if r["dual_master_samples"]:
        text += "; %d samples saw two masters answering INFO" % r["dual_master_samples"]
    if r["files_lost"]:
        text += ("; %d acknowledged writes were lost: they were on the discarded side, written "
                 "after the replication link was cut" % r["files_lost"])
    elif r.get("peer_last_start_failure"):
        text += ("; no acknowledged write was lost because no second master served: on mfs-bak "
                 "\"%s\" (without that refusal, the writes acknowledged by the side discarded "
                 "afterwards would be lost)" % r["peer_last_start_failure"])
    else:
        text += "; no acknowledged write was lost in this round"
    return text


# The client counts as writing when it acknowledged a write this shortly before the fault.
CLIENT_ACTIVE_S = 2.0


def longest_gap(times, start, end):
    """Longest interval between consecutive acknowledgements that covers part of [start, end]."""
    before = [t for t in times if t <= start]
    inside = [t for t in times if start < t <= end]
    after = [t for t in times if t > end]
    seq = before[-1:] + inside + after[:1]
    if len(seq) < 2:
        return None
    return round(max(b - a for a, b in zip(seq, seq[1:])), 2)


def writing_at(times, t0):
    """Whether the client acknowledged a write within CLIENT_ACTIVE_S before t0: only then does
    the wait around t0 measure this fault, not a stall that began earlier."""
    before = [t for t in times if t <= t0]
    return bool(before) and t0 - before[-1] <= CLIENT_ACTIVE_S


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def fmt(x):
    return "-" if x is None else "%.1f" % x


def report(args):
    rounds = [json.loads(l) for l in open(args.records) if l.strip()]
    acks = read_acks(args.acks)
    failed = read_failed(args.acks + ".failed")
    samples = []
    if os.path.exists(args.samples):
        for line in open(args.samples):
            try:
                samples.append(json.loads(line))
            except ValueError:
                pass
    result = json.load(open(args.verify)) if os.path.exists(args.verify) else {"checked": 0, "bad": []}
    bad = {b["n"]: b["why"] for b in result["bad"]}
    ack_times = sorted(a["ack"] for a in acks)
    by_n = {a["n"]: a for a in acks}
    dual_primary_total = sum(1 for s in samples if s["primary"] is not None and len(s["primary"]) > 1)
    dual_master_total = sum(1 for s in samples if len(s["serving"]) > 1)
    for i, r in enumerate(rounds):
        t0, t1 = r["t_fault"], r.get("t_end") or r["t_fault"]
        # client-visible outage: the longest wait between two acknowledged writes from the last
        # one before the fault until failback begins; failback's own wait apart
        t_rec = r.get("t_recover", t1)
        r["client_writing_at_fault"] = writing_at(ack_times, t0)
        # the client-visible outage: the longest wait between two acknowledged writes around
        # the fault (until failback begins), measured only when the client was writing then
        r["outage_s"] = longest_gap(ack_times, t0, t_rec) if r["client_writing_at_fault"] else None
        r["failback_outage_s"] = longest_gap(ack_times, t_rec, t1) if writing_at(ack_times, t_rec) else None
        served = r.get("serving_after_s")
        served_at = None if served is None else t0 + served
        flight = in_flight_at(t0, acks, failed, served_at)
        r["write_in_flight_at_fault"] = flight
        if flight and flight["stalled"]:
            r["explanation"] = explain_stall(flight)
        start = rounds[i - 1].get("t_end", 0) if i else 0
        mine = [a for a in acks if start < a["ack"] <= t1]
        r["files_acknowledged"] = len(mine)
        r["files_lost"] = sum(1 for a in mine if a["n"] in bad)
        r["lost_detail"] = [{"n": a["n"], "ack_after_fault_s": round(a["ack"] - t0, 2), "why": bad[a["n"]]} for a in mine if a["n"] in bad][:20]
        win = [s for s in samples if start < s["t"] <= t1]
        r["samples"] = len(win)
        r["dual_primary_samples"] = sum(1 for s in win if s["primary"] is not None and len(s["primary"]) > 1)
        r["dual_master_samples"] = sum(1 for s in win if len(s["serving"]) > 1)
        if r["label"] == "partition-unfenced":
            r["explanation"] = explain_unfenced(r)
    # acknowledged after the last round ended (the tail before the read-back)
    tail_lost = sum(1 for a in acks if a["n"] in bad and (not rounds or a["ack"] > rounds[-1].get("t_end", 0)))
    kinds = {}
    for r in rounds:
        kinds.setdefault(r["label"], []).append(r)
    table = []
    for label, rs in kinds.items():
        out = [r["outage_s"] for r in rs if r["outage_s"] is not None]
        fb = [r["failback_outage_s"] for r in rs if r.get("failback_outage_s") is not None]
        tk = [r["takeover_s"] for r in rs if r.get("takeover_s") is not None]
        table.append({
            "kind": label,
            "rounds": len(rs),
            "ok": sum(1 for r in rs if r["ok"]),
            "outage_p50": pct(out, 0.5), "outage_max": max(out) if out else None,
            "outage_measured": len(out),
            "failback_outage_p50": pct(fb, 0.5), "failback_outage_max": max(fb) if fb else None,
            "takeover_p50": pct(tk, 0.5), "takeover_max": max(tk) if tk else None,
            "acknowledged": sum(r["files_acknowledged"] for r in rs),
            "lost": sum(r["files_lost"] for r in rs),
            "dual_primary": sum(r["dual_primary_samples"] for r in rs),
            "dual_master": sum(r["dual_master_samples"] for r in rs),
        })
    outages = [r["outage_s"] for r in rounds if r["outage_s"] is not None]
    summary = {
        "rounds": rounds,
        "kinds": table,
        "acknowledged": len(acks),
        "checked": result["checked"],
        "lost": len(bad),
        "lost_after_last_round": tail_lost,
        "dual_primary_samples": dual_primary_total,
        "dual_master_samples": dual_master_total,
        "samples": len(samples),
        "outage_p50": pct(outages, 0.5),
        "outage_max": max(outages) if outages else None,
        "rounds_ok": sum(1 for r in rounds if r["ok"]),
    }
    print("| kind | rounds | ok | outage p50 | outage max | takeover p50 | takeover max | acknowledged | lost | dual-primary | dual-master |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for k in table:
        print("| %s | %d | %d | %s s | %s s | %s s | %s s | %d | %d | %d | %d |" % (
            k["kind"], k["rounds"], k["ok"], fmt(k["outage_p50"]), fmt(k["outage_max"]),
            fmt(k["takeover_p50"]), fmt(k["takeover_max"]), k["acknowledged"], k["lost"],
            k["dual_primary"], k["dual_master"]))
    # Failures: a round that did not come back to one holder, or a lost write or a broken
    # invariant where none is allowed. The unfenced partition's are expected: shown, explained.
    failures = []
    for r in rounds:
        expected = r["label"] == "partition-unfenced"
        if r["files_lost"] or (expected and (r["dual_primary_samples"] or r["dual_master_samples"])):
            print("round %d (%s): %d acknowledged files lost, %d dual-primary and %d dual-master samples%s" % (
                r["round"], r["label"], r["files_lost"], r["dual_primary_samples"], r["dual_master_samples"],
                ": " + r["explanation"] if expected else ""))
        flight = r.get("write_in_flight_at_fault") or {}
        if flight.get("stalled"):
            print("round %d (%s): outage %s s: %s" % (r["round"], r["label"], fmt(r["outage_s"]), r["explanation"]))
        if not r["ok"]:
            failures.append("round %d (%s): %s" % (r["round"], r["label"], r["note"] or "not back to the steady state"))
        if not expected and (r["files_lost"] or r["dual_primary_samples"] or r["dual_master_samples"]):
            failures.append("round %d (%s): %d lost, %d dual-primary, %d dual-master" % (
                r["round"], r["label"], r["files_lost"], r["dual_primary_samples"], r["dual_master_samples"]))
    if tail_lost:
        failures.append("%d files acknowledged after the last round were lost" % tail_lost)
    if result["checked"] != len(acks):
        failures.append("read back %d of %d acknowledged files" % (result["checked"], len(acks)))
    for f in failures:
        print("FAIL " + f)
    summary["failures"] = failures
    if args.summary:
        json.dump(summary, open(args.summary, "w"), indent=1)
    print("campaign: %d rounds, %d writes acknowledged, %d lost, %d dual-primary, %d dual-master, outage p50 %s s max %s s" % (
        len(rounds), len(acks), len(bad), dual_primary_total, dual_master_total,
        fmt(summary["outage_p50"]), fmt(summary["outage_max"])))
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("writer")
    w.add_argument("--dir", required=True)
    w.add_argument("--acks", required=True)
    w.add_argument("--stop", required=True)
    w.add_argument("--interval", type=float, default=0.2)
    s = sub.add_parser("sampler")
    s.add_argument("--state", required=True)
    s.add_argument("--masters", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--stop", required=True)
    s.add_argument("--interval", type=float, default=0.25)
    v = sub.add_parser("verify")
    v.add_argument("--dir", required=True)
    v.add_argument("--acks", required=True)
    v.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--records", required=True)
    r.add_argument("--acks", required=True)
    r.add_argument("--samples", required=True)
    r.add_argument("--verify", required=True)
    r.add_argument("--summary")
    a = p.parse_args()
    {"writer": writer, "sampler": sampler, "verify": verify, "report": report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
