#!/usr/bin/env python3
"""fence_mfsha_lab: a fence agent (the fence-agents interface) for the mfs-ha lab's fence device.

Pacemaker's fencer (and stonith_admin) run it with `name=value` lines on stdin; by hand it also
takes options:  fence_mfsha_lab -o off -n mfs-bak --socket /path/fence.sock
Actions: on, off, reboot, status, monitor, list, list-status, metadata, validate-all.
The device is the lab's power switch (scripts/lab/fence.py serve): a unix socket outside the
nodes that answers "off|on|status NODE" with "ok off" / "ok on" / "error: ...".
Exit codes are fence-agents': 0 done (status: on), 2 status off, 1 failure, with one line on
stderr naming what was wrong.
"""

import os
import socket
import stat
import sys

NAME = "fence_mfsha_lab"
PLUGS = ("mfs-master", "mfs-bak")
ACTIONS = ("on", "off", "reboot", "status", "monitor", "list", "list-status", "metadata",
           "validate-all")
DEADLINE_S = 60
EC_OK, EC_GENERIC, EC_STATUS_OFF = 0, 1, 2

METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_mfsha_lab" shortdesc="Fence agent for the mfs-ha lab's power switch">
<longdesc>fence_mfsha_lab powers a box of the mfs-ha network-namespace lab off and on through the
lab's fence device (a unix socket served from outside the nodes, as an IPMI card or a PDU is).
Off: the box's links go down, every process of the node dies, its DRBD goes with it.</longdesc>
<vendor-url>https://github.com/mfs-ha</vendor-url>
<parameters>
\t<parameter name="action" unique="0" required="1">
\t\t<getopt mixed="-o, --action=[action]" />
\t\t<content type="string" default="reboot" />
\t\t<shortdesc lang="en">Fencing action</shortdesc>
\t</parameter>
\t<parameter name="plug" unique="0" required="1" obsoletes="port">
\t\t<getopt mixed="-n, --plug=[id]" />
\t\t<content type="string" />
\t\t<shortdesc lang="en">The node (box) to act on: mfs-master or mfs-bak</shortdesc>
\t</parameter>
\t<parameter name="port" unique="0" required="1" deprecated="1">
\t\t<getopt mixed="-n, --plug=[id]" />
\t\t<content type="string" />
\t\t<shortdesc lang="en">The node (box) to act on: mfs-master or mfs-bak</shortdesc>
\t</parameter>
\t<parameter name="socket" unique="0" required="1">
\t\t<getopt mixed="--socket=[path]" />
\t\t<content type="string" />
\t\t<shortdesc lang="en">Path of the lab's fence device socket (LAB/fence.sock)</shortdesc>
\t</parameter>
</parameters>
<actions>
\t<action name="on" automatic="0"/>
\t<action name="off" />
\t<action name="reboot" />
\t<action name="status" />
\t<action name="list" />
\t<action name="list-status" />
\t<action name="monitor" />
\t<action name="metadata" />
\t<action name="validate-all" />
</actions>
</resource-agent>
"""


def fail(text):
    print("%s: %s" % (NAME, text), file=sys.stderr)
    return EC_GENERIC


def parse_stdin(text):
    """fence-agents' stdin: `name=value` lines; `#` comments and blank lines are skipped."""
    opts = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError("stdin line %r is not name=value" % line)
        name, value = line.split("=", 1)
        opts[name.strip()] = value.strip()
    return opts


def parse_argv(argv):
    short = {"-o": "action", "-n": "plug"}
    opts, i = {}, 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and "=" in arg:
            name, value = arg[2:].split("=", 1)
            opts[name] = value
        elif arg in short or arg in ("--action", "--plug", "--socket"):
            if i + 1 >= len(argv):
                raise ValueError("%s needs a value" % arg)
            opts[short.get(arg, arg[2:])] = argv[i + 1]
            i += 1
        else:
            raise ValueError("unknown argument %r (use -o ACTION -n NODE --socket PATH)" % arg)
        i += 1
    return opts


def ask(sock_path, action, plug):
    """One request to the fence device; returns its reply line, raises OSError if unreachable."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(DEADLINE_S + 10)
        s.connect(sock_path)
        s.sendall(("%s %s\n" % (action, plug)).encode())
        return s.makefile().readline().strip()


def power(sock_path, action, plug):
    try:
        reply = ask(sock_path, action, plug)
    except OSError as e:
        return None, fail("fence device %s unreachable: %s" % (sock_path, e))
    if not reply.startswith("ok"):
        return None, fail("%s %s: %s" % (action, plug, reply or "no reply from the fence device"))
    return reply.split()[-1], EC_OK


def run(opts):
    action = opts.get("action") or opts.get("option") or "reboot"
    if action not in ACTIONS:
        return fail("action %r is not supported (use one of %s)" % (action, ", ".join(ACTIONS)))
    if action == "metadata":
        sys.stdout.write(METADATA)
        return EC_OK
    sock_path = opts.get("socket", "")
    if not sock_path:
        return fail("socket is not set (socket=LAB/fence.sock on stdin, or --socket PATH)")
    if action in ("list", "list-status", "monitor"):
        for plug in PLUGS:
            if action == "list":
                print("%s," % plug)
            else:
                state, rc = power(sock_path, "status", plug)
                if rc != EC_OK:
                    return rc
                if action == "list-status":
                    print("%s,,%s" % (plug, state))
        return EC_OK
    plug = opts.get("plug") or opts.get("port") or opts.get("nodename") or ""
    if action == "validate-all":
        # The device's parameters only: the fencer validates with a placeholder plug ("node1").
        if not stat.S_ISSOCK(os.stat(sock_path).st_mode if os.path.exists(sock_path) else 0):
            return fail("socket %s is not a unix socket (is the lab up?)" % sock_path)
        return EC_OK
    if plug not in PLUGS:
        return fail("plug %r is not a lab node (use mfs-master or mfs-bak)" % plug)
    if action == "status":
        state, rc = power(sock_path, "status", plug)
        if rc != EC_OK:
            return rc
        print("Status: %s" % state.upper())
        return EC_OK if state == "on" else EC_STATUS_OFF
    steps = ["off", "on"] if action == "reboot" else [action]
    for step in steps:
        state, rc = power(sock_path, step, plug)
        if rc != EC_OK:
            return rc
        if state != step:
            return fail("%s %s: the device reports it %s" % (step, plug, state))
    print("Success: %s" % ("Rebooted" if action == "reboot" else "Powered " + action.upper()))
    return EC_OK


def main():
    try:
        if len(sys.argv) > 1:
            opts = parse_argv(sys.argv[1:])
        else:
            opts = parse_stdin(sys.stdin.read(65536))
    except ValueError as e:
        return fail(str(e))
    return run(opts)


if __name__ == "__main__":
    sys.exit(main())
