#!/usr/bin/python3
"""Two builds of the daemon side by side, in the same run, interleaved.

    /usr/bin/python3 tests/bench/compare.py BASE_BUILD NEW_BUILD [--reps N]
        [--sessions N] [--oscs N] [--seconds S]

For a change that should not make the daemon slower (issue 11's domain
layer), on a machine other people load: wall-clock figures move with their
builds, instruction counts do not.

1. Instructions (valgrind's callgrind, every thread of the daemon counted,
   zeroed before and dumped after each step with callgrind_control, the
   daemon's CPU quiet before and after, so that work a step defers to
   the next loop turn counts with it) for the
   CPU-bound steps: importing a generated programme of --sessions sessions
   (create), importing it again unchanged, exporting it, the first render
   of a topic's feed and of the whole programme's, 200 answers of a
   topic's feed from the cache and 200 answers 304, and --oscs reminders
   expanded, rendered and written to the maildir. Each build --reps times,
   BASE and NEW taking turns.
2. Wall clock, medians of --reps rounds taken in turns: the 10,000-session
   import and export, and feed requests per second (wrk, 4 connections,
   --seconds each) for a topic's feed and its 304 answer.

Everything talks to loopback; every process started here is stopped by its
PID. Prints one table; the goal is NEW within noise of BASE or better.
"""
import argparse
import glob
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from mail import HERE, TOPICS, UnixHTTP, free_port  # noqa: E402

FEED = "/calendarios/agenda-2030.ics"
ALL = "/calendarios/todos.ics"

procs = []


class Daemon:
    """A cronogramad of one build in its own directory, optionally under
    callgrind (counting off until zeroed)."""

    def __init__(self, build, tmp, name, callgrind=False):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "control.sock")
        self.state = os.path.join(self.dir, "state")
        self.port = free_port()
        self.out = os.path.join(self.dir, "callgrind.out")
        conf = os.path.join(self.dir, "cronogramad.conf")
        with open(conf, "w") as f:
            f.write("[daemon]\nstate_dir = %s\nsocket = %s\n"
                    "domain = bench.example.org\ntest_clock = yes\n"
                    "log_level = warning\n"
                    "[http]\nlisten = 127.0.0.1:%d\n"
                    "public_url = http://127.0.0.1:%d\nmax_per_ip = 64\n"
                    "[import]\ntimeout = 1h\nmax_memory = 2048\n"
                    % (self.state, self.sock, self.port, self.port))
        argv = [os.path.join(build, "cronogramad"), "--foreground",
                "--config", conf]
        if callgrind:
            argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file="
                    + self.out + ".%p", "--compress-strings=no",
                    "--compress-pos=no"] + argv
        self.proc = subprocess.Popen(
            argv, stdout=open(os.path.join(self.dir, "log"), "ab"),
            stderr=subprocess.STDOUT)
        procs.append(self.proc)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.call("GET", "/v1/status")
                break
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("compare: cronogramad did not start:\n"
                                     + self.log()[-2000:])
                time.sleep(0.1)
        self.dumps = 0

    def log(self):
        with open(os.path.join(self.dir, "log"), errors="replace") as f:
            return f.read()

    def call(self, method, path, body=None, raw=False):
        c = UnixHTTP(self.sock)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data,
                  headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        text = r.read()
        c.close()
        if r.status >= 300:
            raise SystemExit("compare: %s %s -> %d %s"
                             % (method, path, r.status, text[:500]))
        if raw:
            return text
        return json.loads(text) if text else None

    def get_public(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status != 200:
            raise SystemExit("compare: GET %s -> %d" % (path, r.status))
        return body

    def get_public_many(self, path, n, etag=False):
        """n GETs of path on one connection; with etag, each
        If-None-Match the feed's ETag (answered 304)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {}
        if etag:
            c.request("HEAD", path)
            r = c.getresponse()
            r.read()
            headers["If-None-Match"] = r.getheader("ETag")
        want = 304 if etag else 200
        for _ in range(n):
            c.request("GET", path, headers=headers)
            r = c.getresponse()
            r.read()
            if r.status != want:
                raise SystemExit("compare: GET %s -> %d" % (path, r.status))
        c.close()

    def zero(self):
        subprocess.run(["callgrind_control", "-z", str(self.proc.pid)],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def dump(self):
        """Instructions since the last zero (all threads)."""
        subprocess.run(["callgrind_control", "-d", str(self.proc.pid)],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        self.dumps += 1
        path = "%s.%d.%d" % (self.out, self.proc.pid, self.dumps)
        total = 0
        # One file per dump (threads counted together).
        for p in glob.glob(path) + glob.glob(path + "-*"):
            with open(p) as f:
                for line in f:
                    if line.startswith(("summary:", "totals:")):
                        total = max(total, int(line.split()[1]))
        if total == 0:
            raise SystemExit("compare: no callgrind dump at " + path)
        return total

    def cpu_s(self):
        """CPU seconds of the process, every thread (of valgrind and the
        daemon it runs)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self):
        """Wait until the daemon has stopped working: work a request only
        marks (the scheduler plans on the next loop turn) is counted with
        the request, in both builds alike, whatever each defers."""
        while True:
            before = self.cpu_s()
            time.sleep(1.0)
            if self.cpu_s() - before < 0.03:
                return

    def maildir_count(self):
        return len(os.listdir(os.path.join(self.state, "maildir", "new"))) \
            if os.path.isdir(os.path.join(self.state, "maildir", "new")) else 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def programme(tmp, n):
    path = os.path.join(tmp, "p%d.tsv" % n)
    if not os.path.exists(path):
        with open(path, "w") as f:
            subprocess.run(["/usr/bin/python3",
                            os.path.join(HERE, "gen_programme.py"), str(n)],
                           stdout=f, check=True)
    with open(path, encoding="utf-8") as f:
        return f.read()


def instructions_round(build, tmp, name, text, noscs):
    """Instructions of each CPU-bound step for one build."""
    d = Daemon(build, tmp, name, callgrind=True)
    topics = open(TOPICS, encoding="utf-8").read()
    out = {}
    try:
        d.call("POST", "/v1/clock", {"now": "2018-01-01T12:00:00Z"})
        steps = [
            ("import (create)", lambda: d.call(
                "POST", "/v1/import",
                {"text": text, "year": 2018, "topics_text": topics})),
            ("import again (unchanged)", lambda: d.call(
                "POST", "/v1/import", {"text": text, "year": 2018})),
            ("export", lambda: d.call("GET", "/v1/export", raw=True)),
            ("feed: first render (topic)", lambda: d.get_public(FEED)),
            ("feed: first render (all)", lambda: d.get_public(ALL)),
            ("feed: 200 answers from the cache (topic)",
             lambda: d.get_public_many(FEED, 200)),
            ("feed: 200 answers 304 (topic)",
             lambda: d.get_public_many(FEED, 200, etag=True)),
        ]
        for label, step in steps:
            d.settle()
            d.zero()
            step()
            d.settle()
            out[label] = d.dump()
        # Reminders: noscs organisations follow a topic of one session.
        rows = ["name,email,contact,state,topics"]
        rows += ["Organización %06d,osc%06d@bench.example.org,,,migracion"
                 % (i, i) for i in range(noscs)]
        d.call("POST", "/v1/oscs/import", {"text": "\n".join(rows) + "\n"})
        d.call("POST", "/v1/events", {
            "title": "Sesión de prueba de carga", "start": "2031-05-20T10:00",
            "topics": ["migracion"], "remind": "2h",
            "location": "Ciudad de México, México"})
        before = d.maildir_count()
        d.settle()
        d.zero()
        d.call("POST", "/v1/clock", {"now": "2031-05-20T14:00:00Z"})
        deadline = time.monotonic() + 1800
        while d.maildir_count() < before + noscs:
            if time.monotonic() > deadline or d.proc.poll() is not None:
                raise SystemExit("compare: %s sent %d of %d reminders"
                                 % (name, d.maildir_count() - before, noscs))
            time.sleep(0.2)
        # The last file is written before its row is marked sent.
        d.settle()
        out["%d reminders expanded and written" % noscs] = d.dump()
    finally:
        d.stop()
        shutil.rmtree(d.dir, ignore_errors=True)
    return out


def wrk_rps(url, secs, header=None):
    argv = ["wrk", "-t2", "-c4", "-d%ds" % secs]
    if header:
        argv += ["-H", header]
    out = subprocess.run(argv + [url], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit("compare: wrk said\n" + out)


def wall_round(build, tmp, name, text, secs):
    d = Daemon(build, tmp, name)
    topics = open(TOPICS, encoding="utf-8").read()
    out = {}
    try:
        d.call("POST", "/v1/clock", {"now": "2018-03-01T12:00:00Z"})
        t0 = time.monotonic()
        d.call("POST", "/v1/import", {"text": text, "year": 2018,
                                      "topics_text": topics})
        out["import 10,000 (s)"] = time.monotonic() - t0
        d.settle()
        t0 = time.monotonic()
        d.call("GET", "/v1/export", raw=True)
        out["export 10,000 (s)"] = time.monotonic() - t0
        d.settle()
        url = "http://127.0.0.1:%d%s" % (d.port, FEED)
        d.get_public(FEED)
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        c.request("HEAD", FEED)
        etag = c.getresponse().getheader("ETag")
        c.close()
        out["feed 200/s (10,000)"] = wrk_rps(url, secs)
        out["feed 304/s (10,000)"] = wrk_rps(url, secs,
                                             "If-None-Match: " + etag)
    finally:
        d.stop()
        shutil.rmtree(d.dir, ignore_errors=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--oscs", type=int, default=300)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--skip-wall", action="store_true")
    ap.add_argument("--skip-instructions", action="store_true")
    a = ap.parse_args()
    builds = {"base": os.path.abspath(a.base), "new": os.path.abspath(a.new)}
    tmp = tempfile.mkdtemp(prefix="compare.")
    results = {"base": [], "new": []}
    walls = {"base": [], "new": []}
    try:
        if not a.skip_instructions:
            text = programme(tmp, a.sessions)
            for rep in range(a.reps):
                order = ("base", "new") if rep % 2 == 0 else ("new", "base")
                for b in order:
                    results[b].append(instructions_round(
                        builds[b], tmp, "%s-i%d" % (b, rep), text, a.oscs))
                    print("  instructions %s round %d done" % (b, rep + 1),
                          file=sys.stderr, flush=True)
        if not a.skip_wall:
            text = programme(tmp, 10000)
            for rep in range(a.reps):
                order = ("base", "new") if rep % 2 == 0 else ("new", "base")
                for b in order:
                    walls[b].append(wall_round(builds[b], tmp,
                                               "%s-w%d" % (b, rep), text,
                                               a.seconds))
                    print("  wall clock %s round %d done" % (b, rep + 1),
                          file=sys.stderr, flush=True)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    if results["base"]:
        print("%-40s %14s %14s %8s  %s" % (
            "instructions (callgrind, %d sessions)" % a.sessions, "base",
            "new", "new/base", "spread (max/min-1, both)"))
        for step in results["base"][0]:
            b = [r[step] for r in results["base"]]
            n = [r[step] for r in results["new"]]
            spread = max(max(b) / min(b), max(n) / min(n)) - 1
            print("%-40s %14d %14d %7.3f  %.1f%%" % (
                step, statistics.median(b), statistics.median(n),
                statistics.median(n) / statistics.median(b), 100 * spread))
    if walls["base"]:
        print("%-40s %14s %14s %8s  %s" % (
            "wall clock (medians of %d)" % a.reps, "base", "new",
            "new/base", "rounds base | new"))
        for step in walls["base"][0]:
            b = [r[step] for r in walls["base"]]
            n = [r[step] for r in walls["new"]]
            print("%-40s %14.3f %14.3f %7.3f  %s | %s" % (
                step, statistics.median(b), statistics.median(n),
                statistics.median(n) / statistics.median(b),
                " ".join("%.3g" % v for v in b),
                " ".join("%.3g" % v for v in n)))


if __name__ == "__main__":
    main()
