#!/usr/bin/env python3
"""The lab's fence device: a power switch outside the nodes, as an IPMI card or a PDU is.

  fence.py serve --socket PATH --lab-sh PATH --id ID --log FILE
      runs on the host; answers one request line per connection on a unix socket inside the
      lab directory (the nodes see it, as they would see a management LAN):
        off NODE | on NODE | status NODE  ->  "ok off" / "ok on" / "error: ..."
      "off" powers the node's box off (scripts/lab.sh power off NODE: links down, every
      process killed, its DRBD gone); "on" boots it. A node already off stays off: "ok off".
  fence.py client --socket PATH ACTION NODE
      the nodes' side (STONITH plugin, DRBD fence-peer handler); exit 0 on "ok".

Each request runs under a per-node lock with a deadline; every action is logged.
"""

import argparse
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time

NODES = ("mfs-master", "mfs-bak")
ACTIONS = ("off", "on", "status")
DEADLINE_S = 60


def serve(args):
    locks = {n: threading.Lock() for n in NODES}
    log_lock = threading.Lock()

    def log(text):
        with log_lock, open(args.log, "a") as f:
            f.write("%s fence: %s\n" % (time.strftime("%H:%M:%S"), text))

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.request.settimeout(5)
            try:
                words = self.rfile.readline(200).decode("ascii", "replace").split()
            except OSError:
                return
            if len(words) != 2 or words[0] not in ACTIONS or words[1] not in NODES:
                self.wfile.write(b"error: expected 'off|on|status mfs-master|mfs-bak'\n")
                return
            action, node = words
            env = dict(os.environ, MFSHA_LAB_ID=args.id)
            with locks[node]:
                started = time.time()
                try:
                    out = subprocess.run(
                        ["bash", args.lab_sh, "power", action, node],
                        env=env, capture_output=True, text=True, timeout=DEADLINE_S)
                    state = out.stdout.strip().splitlines()[-1:] or [""]
                    reply = "ok %s" % state[0] if out.returncode == 0 else "error: %s" % (out.stderr.strip() or out.stdout.strip())
                except subprocess.TimeoutExpired:
                    reply = "error: %s %s did not finish within %d s" % (action, node, DEADLINE_S)
            log("%s %s -> %s (%.2f s)" % (action, node, reply, time.time() - started))
            self.request.settimeout(DEADLINE_S)
            try:
                self.wfile.write((reply + "\n").encode())
            except OSError:
                pass

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    if os.path.exists(args.socket):
        os.unlink(args.socket)
    with Server(args.socket, Handler) as server:
        os.chmod(args.socket, 0o600)
        log("listening on %s" % args.socket)
        server.serve_forever()


def client(args):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(DEADLINE_S + 10)
        try:
            s.connect(args.socket)
            s.sendall(("%s %s\n" % (args.action, args.node)).encode())
            reply = s.makefile().readline().strip()
        except OSError as e:
            print("fence device %s unreachable: %s" % (args.socket, e), file=sys.stderr)
            return 1
    print(reply)
    return 0 if reply.startswith("ok") else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--socket", required=True)
    s.add_argument("--lab-sh", required=True)
    s.add_argument("--id", required=True)
    s.add_argument("--log", required=True)
    c = sub.add_parser("client")
    c.add_argument("--socket", required=True)
    c.add_argument("action", choices=ACTIONS)
    c.add_argument("node", choices=NODES)
    a = p.parse_args()
    return serve(a) if a.cmd == "serve" else client(a)


if __name__ == "__main__":
    sys.exit(main())
