#!/usr/bin/python3
"""make soak: a real cronogramad under mixed load for SOAK_SECONDS (default
600), then the checks that it held:

  - feeds and pages read all the time, from a trusted proxy (kept alive)
    and from a direct client, conditional requests among them: every
    answer 200 or 304;
  - control writes: sessions added, edited, cancelled or deleted,
    organisations added and removed, dry-run imports, status;
  - the test clock advanced ten minutes a second, so reminders and
    notices come due and are sent to a relay (tests/smtpd.py) that is
    restarted every minute and then answers its first messages 451;
  - SIGHUP every 30 s.

Afterwards the clock runs on until nothing is pending, the daemon stops
with SIGTERM, and: RSS and open files stayed flat (the last third's peak
against the peak after warm-up), every row the outbox marked sent is in
the relay's spool under its Message-ID, none is failed or left pending,
and the relay holds nothing the outbox does not know. Figures go to
stdout; the exit status says whether it held. Everything runs on
loopback and is stopped by PID.
"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from harness import Daemon, Smtpd, TOPICS, wait_for  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
SAMPLE_S = 5
NOW = "2018-03-01T12:00:00Z"


def proc_figures(pid):
    """(RSS in kB, open files) of pid."""
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


class Soak:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-soak-")
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {}
        self.bad = []
        self.samples = []
        self.restarts = 0
        self.sessions = []

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def fail(self, what):
        with self.lock:
            if len(self.bad) < 50:
                self.bad.append(what)

    # ---- set-up ----

    def start(self):
        self.relay = Smtpd(self.tmp, "--fail-first", "2")
        self.relay.start()
        self.d = Daemon(self.tmp, name="soak", smtp_url=self.relay.url(),
                        http=True,
                        extra_config="[daemon]\nlog_level = info\n"
                                     "[mail]\nmax_connections = 4\n")
        self.d.start()
        self.d.set_clock(NOW)
        st, body = self.d.curl("POST", "/v1/topics/import",
                               {"text": open(TOPICS, encoding="utf-8").read()})
        assert st == 200, body
        self.topics = [t["slug"] for t in self.d.ctl_json("topics")["topics"]]
        for i in range(30):
            self.osc_add(i)

    def osc_add(self, i):
        st, body = self.d.curl("POST", "/v1/oscs", {
            "name": "Organización %d" % i,
            "emails": ["org%d-%d@example.org" % (i, random.randrange(10 ** 6))],
            "topics": random.sample(self.topics, 3)})
        if st != 201:
            self.fail("osc add: %s %s" % (st, body))
            return None
        self.count("osc add")
        return body["id"]

    # ---- load ----

    def readers(self, src, keep_alive):
        paths = ["/calendarios/%s.ics" % t for t in self.topics[:6]] + [
            "/calendarios/todos.ics", "/calendarios/todos.ics?por-definir=1",
            "/", "/temas/agenda-2030", "/salud"]
        etags = {}
        conn = None
        while not self.stop.is_set():
            path = random.choice(paths)
            try:
                if conn is None or not keep_alive:
                    conn = http.client.HTTPConnection(
                        "127.0.0.1", self.d.http_port, timeout=10,
                        source_address=(src, 0))
                headers = {}
                if path in etags and random.random() < 0.5:
                    headers["If-None-Match"] = etags[path]
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                if r.status not in (200, 304):
                    self.fail("GET %s: %d" % (path, r.status))
                if r.getheader("ETag"):
                    etags[path] = r.getheader("ETag")
                self.count("GET %d" % r.status)
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                self.fail("GET %s: %s" % (path, e))
                conn = None
            time.sleep(0.01)

    def writer(self):
        oscs = [o["id"] for o in self.d.ctl_json("osc", "list")["oscs"]]
        n = 0
        while not self.stop.is_set():
            n += 1
            op = n % 7
            try:
                if op in (0, 3):
                    self.session_add()
                elif op == 1 and self.sessions:
                    sid = random.choice(self.sessions)
                    st, body = self.d.curl("PATCH", "/v1/events/%s" % sid, {
                        "title": "Sesión editada %d" % n})
                    self.count("edit %d" % st)
                elif op == 2 and len(self.sessions) > 60:
                    sid = self.sessions.pop(0)
                    st, _ = self.d.curl("DELETE", "/v1/events/%s" % sid)
                    if st == 409:
                        st, _ = self.d.curl("POST", "/v1/events/%s/cancel" % sid,
                                            {"reason": "Se pospone"})
                    self.count("delete or cancel %d" % st)
                elif op == 4:
                    if len(oscs) > 25:
                        st, _ = self.d.curl("DELETE", "/v1/oscs/%d" % oscs.pop(0))
                        self.count("osc remove %d" % st)
                    new = self.osc_add(n)
                    if new:
                        oscs.append(new)
                elif op == 5:
                    st, body = self.d.curl("POST", "/v1/import", {
                        "format": "tsv", "dry_run": True, "year": 2018,
                        "text": "n\ttitle\tfecha_posible\ttemas\n"
                                "1\tPrueba\t3 de marzo\t1.1\n"})
                    self.count("import dry run %d" % st)
                else:
                    st, _ = self.d.curl("GET", "/v1/status")
                    self.count("status %d" % st)
            except Exception as e:  # a failed client call is a finding
                self.fail("write: %r" % e)
            time.sleep(0.3)

    def session_add(self):
        now = self.d.curl("GET", "/v1/status")[1]["now"]
        t = time.mktime(time.strptime(now, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        start = time.gmtime(t + random.randrange(3 * 3600, 3 * 86400))
        st, body = self.d.curl("POST", "/v1/events", {
            "title": "Sesión de carga %d" % random.randrange(10 ** 6),
            "start": time.strftime("%Y-%m-%dT%H:%M", start),
            "topics": random.sample(self.topics, 2), "remind": "1d,2h"})
        if st != 201:
            self.fail("add: %s %s" % (st, body))
            return
        self.sessions.append(body["id"])
        self.count("add")

    def clock(self):
        while not self.stop.is_set():
            st, _ = self.d.curl("POST", "/v1/clock", {"advance_s": 600})
            if st != 200:
                self.fail("clock: %d" % st)
            time.sleep(1)

    def flaky_relay(self):
        """Down for three seconds every minute; then 451 for its first
        two messages. Each run has a spool of its own (it counts its
        messages from 1), on the same port."""
        while not self.stop.wait(60):
            self.relay.stop()
            time.sleep(3)
            port = self.relay.port
            self.relay = Smtpd(self.tmp, "--fail-first", "2")
            self.relay.port = port
            self.relay.start()
            self.spools.append(self.relay.spool)
            self.restarts += 1

    def hups(self):
        while not self.stop.wait(30):
            self.d.proc.send_signal(signal.SIGHUP)
            self.count("SIGHUP")

    def sampler(self):
        while not self.stop.wait(SAMPLE_S):
            self.samples.append((time.monotonic(),) + proc_figures(self.d.proc.pid))

    # ---- the run ----

    def run(self):
        self.start()
        self.spools = [self.relay.spool]
        t0 = time.monotonic()
        self.samples.append((t0,) + proc_figures(self.d.proc.pid))
        threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in (
            (self.readers, ("127.0.0.1", True)), (self.readers, ("127.0.0.2", False)),
            (self.writer, ()), (self.clock, ()), (self.flaky_relay, ()),
            (self.hups, ()), (self.sampler, ()))]
        for t in threads:
            t.start()
        self.stop.wait(SECONDS)
        self.stop.set()
        for t in threads:
            t.join(120)
        elapsed = time.monotonic() - t0
        self.drain()
        rc = self.d.stop()
        if rc != 0:
            self.fail("SIGTERM: exit status %d" % rc)
        self.relay.stop()
        return self.report(elapsed)

    def drain(self):
        """The clock runs on (relay up, no faults) until nothing waits."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            self.d.curl("POST", "/v1/clock", {"advance_s": 3600})
            counts = self.d.ctl_json("status")["counts"]
            pending = self.d.curl("GET", "/v1/outbox?state=pending&limit=1")[1]
            sending = self.d.curl("GET", "/v1/outbox?state=sending&limit=1")[1]
            if (counts["outbox_pending"] == 0 and not pending["messages"]
                    and not sending["messages"]):
                return
            time.sleep(0.5)
        self.fail("the outbox did not drain in 5 minutes")

    def report(self, elapsed):
        con = sqlite3.connect(self.d.db())
        rows = con.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        sent = {m for (m,) in con.execute(
            "SELECT message_id FROM outbox WHERE state = 'sent'")}
        known = {m for (m,) in con.execute("SELECT message_id FROM outbox")}
        retried = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sent' "
                              "AND tries > 1").fetchone()[0]
        con.close()
        states = dict(rows)
        spooled = []
        for spool in self.spools:
            for f in os.listdir(spool):
                if f.endswith(".json") and f[:-5].isdigit():
                    with open(os.path.join(spool, f)) as fh:
                        mid = json.load(fh)["message_id"] or ""
                        spooled.append(mid.strip("<>"))
        spool_set = set(spooled)
        lost = sent - spool_set
        unknown = spool_set - known
        dups = len(spooled) - len(spool_set)
        if lost:
            self.fail("%d messages marked sent are not at the relay" % len(lost))
        if unknown:
            self.fail("%d messages at the relay the outbox does not know" % len(unknown))
        if dups > self.restarts * 4:
            self.fail("%d duplicates for %d relay restarts" % (dups, self.restarts))
        if states.get("failed", 0) or states.get("pending", 0) or states.get("sending", 0):
            self.fail("outbox left with %s" % states)
        # Flat: the last third's peak against the peak after warm-up.
        n = len(self.samples)
        warm = [s for s in self.samples[n // 5: n // 2]] or self.samples
        last = self.samples[2 * n // 3:] or self.samples
        rss_warm, rss_last = max(s[1] for s in warm), max(s[1] for s in last)
        fd_warm, fd_last = max(s[2] for s in warm), max(s[2] for s in last)
        if rss_last > rss_warm * 1.2 + 8192:
            self.fail("RSS grew from %d kB to %d kB" % (rss_warm, rss_last))
        if fd_last > fd_warm + 8:
            self.fail("open files grew from %d to %d" % (fd_warm, fd_last))
        print("soak: %.0f s of load, %d samples" % (elapsed, n))
        for k in sorted(self.counts):
            print("  %-28s %d" % (k, self.counts[k]))
        print("  outbox: %s; %d sent after a retry; relay restarted %d times"
              % (", ".join("%s %d" % kv for kv in sorted(states.items())),
                 retried, self.restarts))
        print("  relay spool: %d messages, %d Message-IDs, %d duplicates"
              % (len(spooled), len(spool_set), dups))
        print("  RSS kB: start %d, after warm-up %d, last third %d, peak %d"
              % (self.samples[0][1], rss_warm, rss_last,
                 max(s[1] for s in self.samples)))
        print("  open files: start %d, after warm-up %d, last third %d"
              % (self.samples[0][2], fd_warm, fd_last))
        if self.bad:
            print("soak: FAILED")
            for b in self.bad:
                print("  " + b)
            return 1
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("soak: passed")
        return 0


if __name__ == "__main__":
    s = Soak()
    try:
        sys.exit(s.run())
    finally:
        s.stop.set()
        for p in (getattr(s, "d", None), getattr(s, "relay", None)):
            try:
                if p is not None:
                    p.stop()
            except Exception:
                pass
