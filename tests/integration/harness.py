"""Shared pieces of the integration tests: a real cronogramad in a temporary
directory, cronoctl and curl against its socket, and a real SMTP server
(tests/smtpd.py, python3-aiosmtpd) on 127.0.0.1. Every process is started
here and stopped by PID; nothing listens beyond loopback.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CRONOGRAMAD = os.environ.get("CRONOGRAMAD", os.path.join(ROOT, "build", "cronogramad"))
CRONOCTL = os.environ.get("CRONOCTL", os.path.join(ROOT, "build", "cronoctl"))
# cronoctl's catalogue in the build tree (make integration sets it).
LOCALEDIR = os.environ.get("CRONOCTL_LOCALEDIR", os.path.join(ROOT, "build", "locale"))
PYTHON = "/usr/bin/python3"
CONTRIB = os.path.join(ROOT, "contrib")
PROGRAMME = os.path.join(CONTRIB, "cronograma-2018.tsv")
TOPICS = os.path.join(CONTRIB, "temas-2018.tsv")
DOMAIN = "example.org"


def ctl_env(lang="C", **more):
    """The environment cronoctl runs in: the caller's, with the language
    settings replaced by LANG=lang (English unless a test asks for
    another) and the build tree's catalogue."""
    e = dict(os.environ)
    for k in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CRONOGRAMA_SOCKET"):
        e.pop(k, None)
    e["LANG"] = lang
    e["CRONOCTL_LOCALEDIR"] = LOCALEDIR
    e.update(more)
    return e


# Ports handed out by free_port(), each held by a bound socket until
# release_ports().
_reserved = {}


def free_port():
    """A port on 127.0.0.1 that no other program can take meanwhile.

    Picking a free port and closing it races: another program may bind it
    before our server does. So the port stays bound here (SO_REUSEADDR,
    never listening) until release_ports(): the kernel gives it to no
    other bind(port 0) or connect(), while our servers, which set
    SO_REUSEADDR (cronogramad; tests/smtpd.py through asyncio), can still
    bind and listen on it. Until one does, connections are refused."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    _reserved[port] = s
    return port


def release_ports():
    """Let go of every port free_port() holds (at the end of a test)."""
    for s in _reserved.values():
        s.close()
    _reserved.clear()


def wait_for(pred, timeout=10.0, what="condition"):
    """Poll pred() until true; for processes and files, never for time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


class Daemon:
    """A cronogramad with its own state directory, socket and config."""

    def __init__(self, tmp, extra_config="", name="d", smtp_url="", http=False,
                 test_clock=True):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.state = os.path.join(self.dir, "state")
        self.socket = os.path.join(self.dir, "run", "control.sock")
        self.conf = os.path.join(self.dir, "cronogramad.conf")
        self.http_port = free_port() if http else None
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.proc = None
        self._conf_args = (extra_config, smtp_url, test_clock)
        self._write_conf()

    def _write_conf(self):
        extra_config, smtp_url, test_clock = self._conf_args
        http = self.http_port is not None
        with open(self.conf, "w") as f:
            f.write("[daemon]\nstate_dir = %s\nsocket = %s\ndomain = %s\n"
                    "test_clock = %s\nlog_level = debug\n"
                    % (self.state, self.socket, DOMAIN, "yes" if test_clock else "no"))
            f.write("[http]\nlisten = %s\npublic_url = http://127.0.0.1:%s\n"
                    % ("127.0.0.1:%d" % self.http_port if http else "",
                       self.http_port or 8080))
            f.write("[mail]\nsmtp_url = %s\nstarttls = off\n" % smtp_url)
            f.write(extra_config)

    def start(self, wait=True, args=()):
        """Start the daemon; with wait, until it has said "started" (every
        listener is open) and answers on its socket. Should its HTTP port
        have been taken after all (by a program that binds it with
        SO_REUSEADDR too), it starts again on another port."""
        for attempt in range(3):
            said = self._start(wait, args)
            if (not wait or self.proc.poll() is None or self.http_port is None
                    or "Address already in use" not in said or attempt == 2):
                break
            self.http_port = free_port()
            self._write_conf()
        if wait and self.proc.poll() is not None:
            raise AssertionError("cronogramad exited %s:\n%s"
                                 % (self.proc.returncode, self.log_text()))
        return self

    def _start(self, wait, args):
        """Start once; with wait, return what it logged meanwhile."""
        before = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.log = open(self.log_path, "ab")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        # Under TSAN=1: a race is reported in the log and the exit status
        # (66) fails the test.
        env.setdefault("TSAN_OPTIONS",
                       "halt_on_error=0:exitcode=66:second_deadlock_stack=1")
        env["LSAN_OPTIONS"] = "suppressions=%s/tests/lsan.supp:print_suppressions=0" % ROOT
        self.proc = subprocess.Popen(
            [CRONOGRAMAD, "--foreground", "--config", self.conf] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        if not wait:
            return ""

        def since():
            with open(self.log_path, "rb") as f:
                f.seek(before)
                return f.read().decode("utf-8", "replace")

        # The control socket listens before the public site opens its
        # port: only the "started" line says that both are up.
        wait_for(lambda: self.proc.poll() is not None
                 or (" started: " in since() and self.answers()),
                 timeout=20, what="cronogramad to answer on %s" % self.socket)
        if self.proc.poll() is not None:
            self.log.close()
        return since()

    def answers(self):
        if not os.path.exists(self.socket):
            return False
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop by PID; returns the exit status (0 for a clean stop)."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("cronogramad did not stop on %s" % sig)
        self.log.close()
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def ctl(self, *args, input=None, check=True, env=None):
        """Run cronoctl against this daemon; returns (rc, stdout, stderr).
        It speaks English (LANG=C) unless env says otherwise."""
        e = ctl_env()
        if env:
            e.update(env)
        p = subprocess.run([CRONOCTL, "--socket", self.socket] + list(args),
                           input=input, capture_output=True, env=e, timeout=60)
        out, err = p.stdout.decode("utf-8"), p.stderr.decode("utf-8")
        if check and p.returncode != 0:
            raise AssertionError("cronoctl %s failed (%d): %s%s"
                                 % (" ".join(args), p.returncode, err, out))
        return p.returncode, out, err

    def ctl_json(self, *args):
        _, out, _ = self.ctl("--json", *args)
        return json.loads(out)

    def curl(self, method, path, body=None, raw=False, headers=()):
        """The control API through curl --unix-socket; (status, body)."""
        cmd = ["curl", "-s", "-S", "--unix-socket", self.socket, "-X", method,
               "-o", "-", "-w", "\n%{http_code}", "http://localhost" + path]
        for h in headers:
            cmd += ["-H", h]
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            cmd += ["--data-binary", "@-", "-H", "Content-Type: application/json"]
        p = subprocess.run(cmd, input=data, capture_output=True, timeout=60)
        out = p.stdout
        nl = out.rfind(b"\n")
        status = int(out[nl + 1:] or 0)
        text = out[:nl]
        if raw:
            return status, text
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text.decode("utf-8", "replace")

    def set_clock(self, iso):
        st, body = self.curl("POST", "/v1/clock", {"now": iso})
        assert st == 200, (st, body)
        return body

    def status(self):
        st, body = self.curl("GET", "/v1/status")
        assert st == 200, (st, body)
        return body

    def wait_idle(self, timeout=30.0):
        """Wait until the scheduler says it is idle (GET /v1/status): no
        message in flight, nothing due or waiting to be processed. Only
        then does "nothing more was sent" mean something."""
        return wait_for(lambda: self.status()["scheduler"]["idle"],
                        timeout=timeout, what="the scheduler to be idle")

    def import_2018(self):
        return self.ctl_json("import", PROGRAMME, "--year", "2018",
                             "--topics", TOPICS)

    def db(self):
        return os.path.join(self.state, "cronograma.db")


class Smtpd:
    """tests/smtpd.py (python3-aiosmtpd) on 127.0.0.1, stopped by PID."""

    def __init__(self, tmp, *args):
        self.spool = tempfile.mkdtemp(dir=tmp, prefix="spool")
        self.port = free_port()
        self.args = list(args)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(ROOT, "tests", "smtpd.py"), "--port",
             str(self.port), "--spool", self.spool] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("PORT"), line
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def messages(self):
        return sorted(f for f in os.listdir(self.spool) if f.endswith(".eml"))


class DaemonTest(unittest.TestCase):
    """A test case with a temporary directory and a started daemon."""

    daemon_kwargs = {}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.d = self.new_daemon(**self.daemon_kwargs).start()

    def new_daemon(self, **kw):
        d = Daemon(self.tmp, name="d%d" % len(self.daemons), **kw)
        self.daemons.append(d)
        return d

    def tearDown(self):
        failures = []
        try:
            for d in self.daemons:
                if d.proc and d.proc.poll() is None:
                    rc = d.stop()
                    if rc != 0:
                        failures.append("cronogramad exited %d:\n%s"
                                        % (rc, d.log_text()[-4000:]))
            shutil.rmtree(self.tmp, ignore_errors=True)
            release_ports()
        finally:
            # The test's SMTP server, if it started one, after the
            # daemons that send to it.
            if getattr(self, "smtpd", None):
                self.smtpd.stop()
        if failures:
            self.fail("\n".join(failures))

    # ---- what most tests set up first ----

    def import_topics(self, d=None):
        """The 2018 programme's topics into daemon d (self.d)."""
        st, body = (d or self.d).curl(
            "POST", "/v1/topics/import",
            {"text": open(TOPICS, encoding="utf-8").read()})
        self.assertEqual(st, 200, body)

    def osc(self, name, emails, topics):
        """An organisation added through the control API; its id."""
        st, body = self.d.curl("POST", "/v1/oscs", {
            "name": name, "emails": emails, "topics": topics})
        self.assertEqual(st, 201, body)
        return body["id"]
