#!/usr/bin/env python3
"""The Pacemaker lab's observer (docs/pacemaker.md, "Pacemaker lab").

  pcmk_state.py holder < crm_mon.xml
      prints the node where every member of mfs-group is Started, active and not failed (and
      drbd-clone, when configured, Promoted).
  pcmk_state.py watch --t0 EPOCH --fault-node N --box NODE=PID... --client PID --vip IP
                      [--expect NODE] [--timeout S]
      after a fault at t0, polls crm_mon (inside a live node's box) and the master through the
      VIP (mfscli inside the client's box) every 0.3 s, and prints JSON: seconds from the fault
      to detection (the faulted node offline or standby, or a group member failed, stopped or
      with a failure recorded), takeover (the whole group Started again on one node), service
      (the master answers through the VIP); the holder; the most boxes with an mfsmaster
      process at one time (never more than one).
  pcmk_state.py same-config A.xml B.xml
      compares the resources and constraints of two CIBs by meaning (ids, attribute order,
      "0" vs "0s" and the constraints' default roles aside); prints the differences, exit 1.
Every command it runs has a deadline; XML it cannot parse counts as "no information".
"""

import argparse
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

GROUP = "mfs-group"
CLONE = "drbd-clone"


def parse(text):
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def group_members(root):
    if root is None:
        return []
    for g in root.iter("group"):
        if g.get("id") == GROUP:
            return g.findall("resource")
    return []


def holder(root):
    members = group_members(root)
    if not members:
        return None
    nodes = set()
    for r in members:
        on = [n.get("name") for n in r.findall("node")]
        if (r.get("role") != "Started" or r.get("active") != "true" or r.get("failed") != "false"
                or len(on) != 1):
            return None
        nodes.add(on[0])
    if len(nodes) != 1:
        return None
    node = nodes.pop()
    # with the promotable clone: its Promoted instance is on that node too
    for c in root.iter("clone"):
        if c.get("id") == CLONE:
            promoted = [n.get("name") for r in c.findall("resource") if r.get("role") == "Promoted"
                        for n in r.findall("node")]
            if promoted != [node]:
                return None
    return node


def node_down(root, name):
    if root is None:
        return False
    for n in root.iter("node"):
        if n.get("name") == name and n.get("type") is not None:
            return (n.get("online") != "true" or n.get("unclean") == "true"
                    or n.get("standby") == "true")
    return False


def group_troubled(root):
    members = group_members(root)
    if not members:
        return False
    if any(r.get("role") != "Started" or r.get("failed") != "false" for r in members):
        return True
    ids = {r.get("id") for r in members}
    for f in root.iter("failure"):
        if f.get("op_key", "").split("_")[0] in ids:
            return True
    return False


def run(argv, timeout):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (subprocess.TimeoutExpired, OSError):
        return None


def inn(pid, argv, timeout=10):
    env = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"]
    return run(["nsenter", "-t", str(pid), "-n", "-m", "-u", "-p", "--"] + env + argv, timeout)


def alive(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"box-init.sh" in f.read()
    except OSError:
        return False


def boxes_with_master(boxes):
    """Boxes (by PID namespace) that have a process named mfsmaster, stopped ones included."""
    ns_of = {}
    for name, pid in boxes.items():
        try:
            ns_of[os.readlink("/proc/%d/ns/pid" % pid)] = name
        except OSError:
            pass
    found = set()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % p) as f:
                if f.read().strip() != "mfsmaster":
                    continue
            ns = os.readlink("/proc/%s/ns/pid" % p)
        except OSError:
            continue
        if ns in ns_of:
            found.add(ns_of[ns])
    return found


def mon(boxes, prefer):
    order = [prefer] + [n for n in boxes if n != prefer]
    for name in order:
        pid = boxes.get(name)
        if pid is None or not alive(pid):
            continue
        out = inn(pid, ["crm_mon", "--output-as=xml"])
        if out is not None and out.returncode == 0:
            return parse(out.stdout)
    return None


def serving(client, vip):
    out = inn(client, ["timeout", "-s", "KILL", "4", "mfscli", "-H", vip, "-SIG"], timeout=6)
    return out is not None and out.returncode == 0 and "master version" in out.stdout


def watch(a):
    boxes = dict(b.split("=", 1) for b in a.box)
    boxes = {k: int(v) for k, v in boxes.items()}
    observer = next((n for n in boxes if n != a.fault_node), a.fault_node)
    res = {"detected": None, "takeover": None, "service": None, "holder": None,
           "max_masters": 0, "masters_seen": []}
    seen = set()
    deadline = a.t0 + a.timeout
    while time.time() < deadline:
        t = time.time()
        masters = boxes_with_master({k: v for k, v in boxes.items() if alive(v)})
        res["max_masters"] = max(res["max_masters"], len(masters))
        seen |= masters
        root = mon(boxes, observer)
        if res["detected"] is None and root is not None and (
                node_down(root, a.fault_node) or group_troubled(root)
                or holder(root) != a.fault_node):
            res["detected"] = round(t - a.t0, 2)
        if res["detected"] is not None:
            h = holder(root)
            if h and (a.expect is None or h == a.expect) and res["takeover"] is None:
                res["takeover"] = round(time.time() - a.t0, 2)
                res["holder"] = h
            if res["takeover"] is not None and serving(a.client, a.vip):
                res["service"] = round(time.time() - a.t0, 2)
                break
        time.sleep(max(0.0, 0.3 - (time.time() - t)))
    res["masters_seen"] = sorted(seen)
    json.dump(res, sys.stdout)
    print()
    return 0 if res["service"] is not None else 1


def seconds(v):
    v = (v or "0").strip()
    for suffix, mult in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if v.endswith(suffix) and v[:-len(suffix)].isdigit():
            return int(v[:-len(suffix)]) * mult
    return int(v) if v.isdigit() else v


def nvpairs(el, tag):
    if el is None:
        return ()
    return tuple(sorted((n.get("name"), n.get("value")) for s in el.findall(tag)
                        for n in s.findall("nvpair")))


def config_meaning(root):
    """A comparable summary of a CIB's resources, constraints and chosen options."""
    out = set()
    res = root.find("configuration/resources")
    for p in res.iter("primitive"):
        ops = tuple(sorted((o.get("name"), seconds(o.get("interval")), o.get("role") or "",
                            seconds(o.get("timeout")), nvpairs(o, "instance_attributes"))
                           for o in p.iter("op")))
        out.add(("primitive", p.get("id"), p.get("class"), p.get("provider") or "", p.get("type"),
                 nvpairs(p, "instance_attributes"), nvpairs(p, "meta_attributes"), ops))
    for c in res.iter("clone"):
        out.add(("clone", c.get("id"), c.find("primitive").get("id"), nvpairs(c, "meta_attributes")))
    for g in res.iter("group"):
        out.add(("group", g.get("id"), tuple(p.get("id") for p in g.findall("primitive"))))
    for c in root.find("configuration/constraints") or []:
        a = dict(c.attrib)
        a.pop("id", None)
        if c.tag == "rsc_colocation" and a.get("rsc-role") == "Started":
            del a["rsc-role"]
        if c.tag == "rsc_order":
            a.setdefault("kind", "Mandatory")
            a.setdefault("then-action", "start")
        if a.get("score") in ("inf", "+INFINITY"):
            a["score"] = "INFINITY"
        out.add((c.tag, tuple(sorted(a.items()))))
    props = dict(nvpairs(root.find("configuration/crm_config"), "cluster_property_set"))
    for k in ("dc-version", "cluster-infrastructure", "cluster-name", "have-watchdog", "dc-deadtime"):
        props.pop(k, None)
    out.add(("properties", tuple(sorted(props.items()))))
    out.add(("rsc_defaults", nvpairs(root.find("configuration/rsc_defaults"), "meta_attributes")))
    return out


def same_config(a, b):
    try:
        ma, mb = (config_meaning(ET.parse(f).getroot()) for f in (a, b))
    except (OSError, ET.ParseError, AttributeError) as e:
        print("cannot compare %s and %s: %s" % (a, b, e))
        return 2
    for x in sorted(map(repr, ma - mb)):
        print("only in %s: %s" % (a, x))
    for x in sorted(map(repr, mb - ma)):
        print("only in %s: %s" % (b, x))
    return 0 if ma == mb else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("holder")
    w = sub.add_parser("watch")
    w.add_argument("--t0", type=float, required=True)
    w.add_argument("--fault-node", required=True)
    w.add_argument("--box", action="append", default=[])
    w.add_argument("--client", type=int, required=True)
    w.add_argument("--vip", required=True)
    w.add_argument("--expect")
    w.add_argument("--timeout", type=float, default=120)
    c = sub.add_parser("same-config")
    c.add_argument("a")
    c.add_argument("b")
    a = ap.parse_args()
    if a.cmd == "same-config":
        return same_config(a.a, a.b)
    if a.cmd == "holder":
        h = holder(parse(sys.stdin.read()))
        if h:
            print(h)
        return 0 if h else 1
    return watch(a)


if __name__ == "__main__":
    sys.exit(main())
