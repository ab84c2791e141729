#!/usr/bin/python3
"""The reminder pipeline under load, next to postfix's own tools.

    /usr/bin/python3 tests/bench/mail.py BUILD_DIR [--quick]

1. Throughput: reminders through the whole pipeline (expansion, outbox,
   rendering, SMTP) into postfix's smtp-sink on 127.0.0.1, with 1 and 8
   connections, next to smtp-source sending messages of the same size over
   the same number of connections, in the same run.
2. Due-to-SMTP latency with the real clock: ~1,000 reminders spread over a
   minute (p50/p99/max), and 1,000 due in the same second (first/last).
   "Handed over" is when the message went to the mailer; "250" when the
   server accepted it. From the daemon's debug log.
3. 1,000 sessions x 1,000 organisations (a million reminders) due at once
   (test clock): expansion time, the control API's latency while it
   expands and sends, messages sent in BIG_SECONDS, the daemon's peak RSS.

Loopback only; every process started here is stopped by its PID.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOPICS = os.path.join(ROOT, "contrib", "temas-2018.tsv")
SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
OFFICE_TZ = "America/Mexico_City"

procs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path)


class Daemon:
    def __init__(self, build, tmp, name, smtp_url="", conns=4, debug=False,
                 test_clock=True):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "control.sock")
        self.state = os.path.join(self.dir, "state")
        self.log = os.path.join(self.dir, "daemon.log")
        conf = os.path.join(self.dir, "cronogramad.conf")
        with open(conf, "w") as f:
            f.write("[daemon]\nstate_dir = %s\nsocket = %s\n"
                    "domain = bench.example.org\ntest_clock = %s\n"
                    "log_level = %s\n[http]\nlisten =\n"
                    "public_url = https://agenda.example.org\n"
                    "[mail]\nsmtp_url = %s\nstarttls = off\n"
                    "max_connections = %d\ntimeout = 30s\n"
                    % (self.state, self.sock, "yes" if test_clock else "no",
                       "debug" if debug else "info", smtp_url, conns))
        self.proc = subprocess.Popen(
            [os.path.join(build, "cronogramad"), "--foreground", "--config",
             conf], stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        procs.append(self.proc)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.call("GET", "/v1/status")
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("mail bench: cronogramad did not start:\n"
                                     + open(self.log).read()[-2000:])
                time.sleep(0.05)
        self.conn = None

    def call(self, method, path, body=None):
        c = UnixHTTP(self.sock)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data,
                  headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        text = r.read()
        c.close()
        doc = json.loads(text) if text else None
        if r.status >= 300:
            raise SystemExit("mail bench: %s %s -> %d %s"
                             % (method, path, r.status, doc))
        return doc

    def setup(self, norgs, clock="2031-01-01T00:00:00Z"):
        if clock:
            self.call("POST", "/v1/clock", {"now": clock})
        self.call("POST", "/v1/topics/import",
                  {"text": open(TOPICS, encoding="utf-8").read()})
        if norgs:
            rows = ["name,email,contact,state,topics"]
            rows += ["Organización %06d,osc%06d@bench.example.org,,,migracion"
                     % (i, i) for i in range(norgs)]
            self.call("POST", "/v1/oscs/import", {"text": "\n".join(rows) + "\n"})

    def session(self, start, remind, title="Sesión de prueba de carga"):
        return self.call("POST", "/v1/events", {
            "title": title, "start": start, "topics": ["migracion"],
            "remind": remind, "location": "Ciudad de México, México"})

    def counts(self):
        return self.call("GET", "/v1/status")["counts"]

    def rss_peak_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Sink:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [SINK, "-u", "nobody", "127.0.0.1:%d" % self.port, "1024"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(self.proc)
        deadline = time.monotonic() + 10
        while True:
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", self.port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("mail bench: smtp-sink did not start")
                time.sleep(0.02)
            finally:
                s.close()

    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def wait_until(pred, timeout, what, every=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(every)
    raise SystemExit("mail bench: timed out waiting for %s" % what)


def sample_size(build, tmp):
    """The size of one rendered reminder (maildir mode)."""
    d = Daemon(build, tmp, "sample")
    try:
        d.setup(1)
        d.session("2031-05-20T10:00", "2h")
        d.call("POST", "/v1/clock", {"now": "2031-05-20T14:00:00Z"})
        new = os.path.join(d.state, "maildir", "new")
        files = wait_until(lambda: os.path.isdir(new) and os.listdir(new), 20,
                           "the sample message")
        return os.path.getsize(os.path.join(new, files[0]))
    finally:
        d.stop()


def throughput(build, tmp, conns, n, size):
    sink = Sink()
    d = Daemon(build, tmp, "tp%d" % conns, smtp_url=sink.url(), conns=conns)
    try:
        d.setup(n)
        d.session("2031-05-20T10:00", "2h")
        t0 = time.monotonic()
        d.call("POST", "/v1/clock", {"now": "2031-05-20T14:00:00Z"})
        # Polled every 50 ms: /v1/status counts the outbox, and asking
        # more often would slow the daemon it measures.
        wait_until(lambda: d.counts()["outbox_sent"] >= n, 600,
                   "%d messages over %d connections" % (n, conns), every=0.05)
        ours = n / (time.monotonic() - t0)
        rss = d.rss_peak_kb()
    finally:
        d.stop()
    t0 = time.monotonic()
    subprocess.run([SOURCE, "-s", str(conns), "-m", str(n), "-l", str(size),
                    "-f", "agenda@bench.example.org",
                    "-t", "osc@bench.example.org",
                    "127.0.0.1:%d" % sink.port], check=True,
                   stdout=subprocess.DEVNULL)
    theirs = n / (time.monotonic() - t0)
    sink.stop()
    return ours, theirs, rss


SENT_RE = re.compile(r"outbox (\d+): sent (-?\d+) ms after due, handed over "
                     r"(-?\d+) ms after due")


def latencies(log_path):
    sent, handed = [], []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = SENT_RE.search(line)
            if m:
                sent.append(int(m.group(2)))
                handed.append(int(m.group(3)))
    return handed, sent


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


def local_minute(epoch):
    env = dict(os.environ, TZ=OFFICE_TZ)
    out = subprocess.run(["date", "-d", "@%d" % epoch, "+%Y-%m-%dT%H:%M"],
                         capture_output=True, env=env, check=True)
    return out.stdout.decode().strip()


def local_epoch(text):
    env = dict(os.environ, TZ=OFFICE_TZ)
    out = subprocess.run(["date", "-d", text, "+%s"], capture_output=True,
                         env=env, check=True)
    return int(out.stdout)


def latency_spread(build, tmp, nsessions, per):
    """nsessions reminders, one a second, each to per organisations."""
    sink = Sink()
    d = Daemon(build, tmp, "spread", smtp_url=sink.url(), conns=8, debug=True,
               test_clock=False)
    try:
        d.setup(per, clock=None)
        now = int(time.time())
        start_text = local_minute(now + nsessions + 180)
        start = local_epoch(start_text)
        first_due = now + 10
        for i in range(nsessions):
            d.session(start_text, "%ds" % (start - (first_due + i)))
        total = nsessions * per
        wait_until(lambda: d.counts()["outbox_sent"] >= total,
                   nsessions + 120, "%d spread reminders" % total)
    finally:
        d.stop()
        sink.stop()
    return latencies(d.log)


def latency_burst(build, tmp, n):
    sink = Sink()
    d = Daemon(build, tmp, "burst", smtp_url=sink.url(), conns=8, debug=True,
               test_clock=False)
    try:
        d.setup(n, clock=None)
        now = int(time.time())
        start_text = local_minute(now + 240)
        start = local_epoch(start_text)
        d.session(start_text, "%ds" % (start - (now + 8)))
        wait_until(lambda: d.counts()["outbox_sent"] >= n, 120,
                   "%d reminders due in the same second" % n)
    finally:
        d.stop()
        sink.stop()
    return latencies(d.log)


def big(build, tmp, nsessions, norgs, seconds):
    """nsessions x norgs reminders due at once (test clock)."""
    sink = Sink()
    d = Daemon(build, tmp, "big", smtp_url=sink.url(), conns=8)
    try:
        d.setup(norgs)
        t0 = time.monotonic()
        for i in range(nsessions):
            d.session("2031-05-20T10:00", "2h", title="Sesión %04d" % i)
        setup_s = time.monotonic() - t0
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            d.state, "cronograma.db"), uri=True, timeout=30)
        api_ms = []
        t0 = time.monotonic()
        d.call("POST", "/v1/clock", {"now": "2031-05-20T14:00:00Z"})
        expanded_s = None
        deadline = t0 + seconds
        while time.monotonic() < deadline:
            # What an operator runs while it sends (its outbox counts are
            # kept by triggers, so it does not count a million rows).
            a = time.monotonic()
            d.call("GET", "/v1/status")
            api_ms.append((time.monotonic() - a) * 1000)
            if expanded_s is None:
                left = db.execute("SELECT COUNT(*) FROM alarm "
                                  "WHERE state = 'pending'").fetchone()[0]
                if left == 0:
                    expanded_s = time.monotonic() - t0
            time.sleep(0.05)
        sent = d.counts()["outbox_sent"]
        rows = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        db.close()
        rss = d.rss_peak_kb()
    finally:
        d.stop()
        sink.stop()
    return {"setup_s": setup_s, "expanded_s": expanded_s, "rows": rows,
            "sent": sent, "api_p99": pct(api_ms, 99), "api_max": max(api_ms),
            "rss_kb": rss}


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    build = os.path.abspath(argv[1])
    quick = "--quick" in argv
    for tool in (SINK, SOURCE):
        if not os.access(tool, os.X_OK):
            print("mail bench: %s is missing (contrib/install-deps.sh --bench)"
                  % tool, file=sys.stderr)
            return 1
    tmp = tempfile.mkdtemp(prefix="cronograma-bench-mail-")
    try:
        size = sample_size(build, tmp)
        print("message size: %d bytes (a rendered reminder)" % size)
        print()
        print("%-34s %12s %12s %8s" % ("throughput (messages/s)", "cronogramad",
                                        "smtp-source", "ratio"))
        rss = 0
        for conns, n in ((1, 2000 if quick else 5000),
                         (8, 5000 if quick else 20000)):
            ours, theirs, r = throughput(build, tmp, conns, n, size)
            rss = max(rss, r)
            print("%-34s %12.0f %12.0f %7.0f%%" % (
                "%d connection%s, %d messages" % (conns, "s" if conns > 1 else "",
                                                  n),
                ours, theirs, 100.0 * ours / theirs))
        print("%-34s %12d kB" % ("peak RSS (throughput runs)", rss))
        print()
        nsess, per = (20, 17) if quick else (60, 17)
        handed, sent = latency_spread(build, tmp, nsess, per)
        print("%-44s %8s %8s %8s" % ("latency after due (ms)", "p50", "p99",
                                      "max"))
        print("%-44s %8d %8d %8d" % (
            "%d reminders over %ds: handed over" % (len(handed), nsess),
            pct(handed, 50), pct(handed, 99), max(handed)))
        print("%-44s %8d %8d %8d" % ("  ... accepted (250)", pct(sent, 50),
                                      pct(sent, 99), max(sent)))
        handed, sent = latency_burst(build, tmp, 1000)
        print("%-44s %8s %8s" % ("", "first", "last"))
        print("%-44s %8d %8d" % ("%d due in the same second: handed over"
                                  % len(handed), min(handed), max(handed)))
        print("%-44s %8d %8d" % ("  ... accepted (250)", min(sent), max(sent)))
        print()
        ns, no, secs = (100, 1000, 15) if quick else (1000, 1000, 30)
        b = big(build, tmp, ns, no, secs)
        print("%d sessions x %d organisations (%d reminders due at once)"
              % (ns, no, ns * no))
        print("  sessions added through the API   %8.1f s" % b["setup_s"])
        print("  expansion into the outbox        %8s s" % (
            "%.1f" % b["expanded_s"] if b["expanded_s"] is not None
            else "> %d" % secs))
        print("  outbox rows after %2ds            %8d" % (secs, b["rows"]))
        print("  sent in %2ds                      %8d" % (secs, b["sent"]))
        print("  control API (GET /v1/status) while busy: p99 %.1f ms, "
              "max %.1f ms"
              % (b["api_p99"], b["api_max"]))
        print("  daemon peak RSS                  %8d kB" % b["rss_kb"])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
