"""Timing harness shared by scripts/bench/*.sh: wall time per call and processes started per
call (strace -f), commands taking turns so that machine load hits them alike.

As a program (the monitor-style benchmarks):
    python3 timing.py N LISTING [--ratio 'STOCK|OURS' ...]
LISTING has one command per line, `name|ENV=V ENV2=V2|argv words` (`-` for no extra env).
Each command is called 5 times to warm up, then N times in turn; every call must exit 0.
As a module (bench/vipaddr.sh's start/stop cycles): import it and use the functions below.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def load(listing, kinds=False):
    """(name, env, argv) per line; with kinds=True the line starts with a kind field too."""
    rows = []
    for line in open(listing):
        fields = line.rstrip("\n").split("|")
        kind = fields.pop(0) if kinds else None
        name, env_s, argv_s = fields
        env = dict(os.environ)
        if env_s != "-":
            env.update(kv.split("=", 1) for kv in env_s.split())
        rows.append((kind, name, env, argv_s.split()) if kinds else (name, env, argv_s.split()))
    return rows


def call(argv, env):
    # Output to /dev/null, not a pipe: a background sender (an ARP announcer) may keep a pipe
    # open after the agent exits, and neither heartbeat nor Pacemaker waits for that.
    r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        again = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        sys.exit(f"{' '.join(argv)}: exit {r.returncode} (again: {again.returncode}: "
                 f"{again.stdout!r} {again.stderr!r})")


def timed(argv, env):
    t = time.perf_counter_ns()
    call(argv, env)
    return (time.perf_counter_ns() - t) / 1e6


def processes(argv, env, calls=5, before=None):
    """Processes started (successful fork/vfork/clone without CLONE_THREAD) and execve per call."""
    forks = execs = 0
    for _ in range(calls):
        if before:
            before()
        with tempfile.NamedTemporaryFile(mode="r") as log:
            call(["strace", "-f", "-qq", "-o", log.name,
                  "-e", "trace=clone,clone3,fork,vfork,execve"] + argv, env)
            for l in log:
                if re.search(r"\b(clone3?|fork|vfork)\(", l) and "CLONE_THREAD" not in l \
                        and re.search(r"= [1-9]\d*$", l.strip()):
                    forks += 1
                if re.search(r"\bexecve\(", l) and re.search(r"= 0$", l.strip()):
                    execs += 1
    return forks / calls, execs / calls - 1  # the first execve is strace starting the command


def stats(ts):
    """(median, p90) of a list of times."""
    ts = sorted(ts)
    return statistics.median(ts), ts[min(len(ts) - 1, int(len(ts) * 0.9))]


def table(results, heading):
    """results: (name, median, p90, forks, execs) rows, printed as a Markdown table."""
    w = max(len("command"), *(len(r[0]) for r in results))
    print(f"\n{heading}\n")
    print(f"| {'command':<{w}} | {'median ms':>9} | {'p90 ms':>7} | {'forks':>5} | {'execs':>5} |")
    print(f"|{'-' * (w + 2)}|{'-' * 10}:|{'-' * 8}:|{'-' * 6}:|{'-' * 6}:|")
    for name, med, p90, forks, execs in results:
        print(f"| {name:<{w}} | {med:>9.2f} | {p90:>7.2f} | {forks:>5.1f} | {execs:>5.1f} |")
    print()


def ratio(results, stock, ours):
    by = {r[0]: r for r in results}
    s, o = by[stock], by[ours]
    return (f"{stock} / {ours}: median x{s[1] / o[1]:.1f}, p90 x{s[2] / o[2]:.1f}, "
            f"forks {s[3]:.0f} vs {o[3]:.0f}")


def main(argv):
    n, listing = int(argv[1]), argv[2]
    pairs = [argv[i + 1].split("|") for i, a in enumerate(argv) if a == "--ratio"]
    rows = load(listing)
    for _, env, cmd in rows:
        for _ in range(5):
            call(cmd, env)
    times = {name: [] for name, _, _ in rows}
    for _ in range(n):
        for name, env, cmd in rows:
            times[name].append(timed(cmd, env))
    results = [(name, *stats(times[name]), *processes(cmd, env)) for name, env, cmd in rows]
    table(results, f"{n} calls each, wall time per call in ms; "
                   "processes started per call (strace -f, 5 calls)")
    for stock, ours in pairs:
        print(ratio(results, stock, ours))


if __name__ == "__main__":
    main(sys.argv)
