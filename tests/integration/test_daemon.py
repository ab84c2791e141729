"""cronogramad as an operator starts and stops it."""
import os
import signal
import socket
import sqlite3
import stat
import subprocess

from harness import CRONOGRAMAD, CRONOCTL, Daemon, DaemonTest, ROOT, ctl_env, wait_for


class DaemonLifecycleTest(DaemonTest):

    def test_socket_mode_and_clean_stop(self):
        st = os.stat(self.d.socket)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual(stat.S_IMODE(os.stat(self.d.db()).st_mode) & 0o077, 0)
        self.assertEqual(self.d.stop(signal.SIGTERM), 0)
        self.assertFalse(os.path.exists(self.d.socket))
        self.assertIn("stopped", self.d.log_text())
        self.assertNotIn("uv_loop_close", self.d.log_text())

    def test_sigint_stops_cleanly(self):
        self.assertEqual(self.d.stop(signal.SIGINT), 0)

    def test_second_daemon_on_same_socket_is_refused(self):
        other = Daemon(self.tmp, name="other")
        # Same socket, other state directory.
        with open(other.conf, "a") as f:
            f.write("[daemon]\n")
        text = open(other.conf).read().replace(other.socket, self.d.socket)
        with open(other.conf, "w") as f:
            f.write(text)
        p = subprocess.run([CRONOGRAMAD, "--foreground", "--config", other.conf],
                           capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(self.d.socket, p.stderr.decode())
        self.assertTrue(self.d.answers(), "the first daemon must keep serving")

    def test_stale_socket_is_replaced(self):
        self.d.kill9()
        self.assertTrue(os.path.exists(self.d.socket))
        self.assertFalse(self.d.answers())
        self.d.start()
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], 0)

    def test_refuses_a_newer_database(self):
        self.d.stop()
        con = sqlite3.connect(self.d.db())
        con.execute("PRAGMA user_version = 999")
        con.commit()
        con.close()
        p = subprocess.run([CRONOGRAMAD, "--foreground", "--config", self.d.conf],
                           capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("999", p.stderr.decode())
        self.assertIn("newer", p.stderr.decode())

    def test_data_survives_restart(self):
        self.d.import_2018()
        self.d.stop()
        self.d.start()
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], 54)

    def test_kill9_loses_nothing_committed(self):
        self.d.import_2018()
        self.d.kill9()
        self.d.start()
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], 54)


    def test_busy_daemon_is_retried_not_called_absent(self):
        """A daemon whose queue of connections is full is busy, not gone:
        cronoctl says so, tries again, and gets its answer. Here the queue
        fills while the daemon is stopped (SIGSTOP), so it cannot accept."""
        self.d.proc.send_signal(signal.SIGSTOP)
        fillers = []
        try:
            while True:
                s = socket.socket(socket.AF_UNIX)
                s.setblocking(False)
                try:
                    s.connect(self.d.socket)
                except BlockingIOError:
                    s.close()
                    break
                fillers.append(s)
                self.assertLess(len(fillers), 5000)
            # The queue holds a burst of a thousand calls.
            self.assertGreaterEqual(len(fillers), 1000)
            p = subprocess.Popen([CRONOCTL, "--socket", self.d.socket, "status"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            err = b""
            while b"busy, retrying" not in err:
                line = p.stderr.readline()
                self.assertTrue(line, "cronoctl ended without retrying")
                err += line
        finally:
            for s in fillers:
                s.close()
            self.d.proc.send_signal(signal.SIGCONT)
        out, rest = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, (err + rest).decode())
        self.assertIn("version:", out.decode())
        self.assertNotIn("is cronogramad running", (err + rest).decode())


class DaemonConfigTest(DaemonTest):

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []

    def run_with(self, text):
        d = Daemon(self.tmp, name="c%d" % len(self.daemons))
        with open(d.conf, "a") as f:
            f.write(text)
        return subprocess.run([CRONOGRAMAD, "--foreground", "--config", d.conf],
                              capture_output=True, timeout=30), d

    def test_bad_config_names_file_line_key(self):
        p, d = self.run_with("[mail]\nmax_connections = lots\n")
        self.assertEqual(p.returncode, 1)
        err = p.stderr.decode()
        lines = open(d.conf).read().split("\n")
        line = lines.index("max_connections = lots") + 1
        self.assertIn("%s:%d: [mail] max_connections" % (d.conf, line), err)

    def test_unknown_key(self):
        p, d = self.run_with("[daemon]\ncolour = blue\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("[daemon] colour: unknown key", p.stderr.decode())

    def test_bad_timezone(self):
        p, d = self.run_with("[daemon]\ntimezone = Mars/Olympus\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("Mars/Olympus", p.stderr.decode())

    def test_missing_config_file(self):
        p = subprocess.run([CRONOGRAMAD, "--foreground", "--config", "/nonexistent.conf"],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("/nonexistent.conf", p.stderr.decode())

    def test_help_lists_every_config_key(self):
        p = subprocess.run([CRONOGRAMAD, "--help"], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        out = p.stdout.decode()
        man = open(os.path.join(ROOT, "contrib", "man", "cronogramad.8")).read()
        example = open(os.path.join(ROOT, "contrib", "cronogramad.conf")).read()
        keys = [l.split("]")[0].strip(" [") + "." + l.split("]")[1].split()[0]
                for l in out.splitlines() if l.startswith("  [")]
        self.assertGreater(len(keys), 20)
        for k in keys:
            section, name = k.split(".")
            self.assertIn(name, example, "example config lacks %s" % k)
            self.assertIn(name.replace("_", "\\_"), man.replace("_", "\\_"),
                          "man page lacks %s" % k)

    def test_test_config_and_print_config(self):
        d = Daemon(self.tmp, name="tc")
        p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("valid", p.stdout.decode())
        p = subprocess.run([CRONOGRAMAD, "--print-config", "-c", d.conf],
                           capture_output=True, timeout=30)
        self.assertIn("domain = example.org", p.stdout.decode())

    def test_t_refuses_what_start_refuses_and_writes_nothing(self):
        """Every value a start would trip over, -t names by file, line and
        key; the start refuses with the same words; neither creates the
        state directory, the socket or a database."""
        d = Daemon(self.tmp, name="t")
        secret = os.path.join(self.tmp, "open-password")
        with open(secret, "w") as f:
            f.write("s3cret\n")
        os.chmod(secret, 0o644)
        tpl = os.path.join(self.tmp, "templates")
        os.makedirs(tpl)
        with open(os.path.join(tpl, "recordatorio.txt"), "w") as f:
            f.write("Hola {{organización}}\n")
        not_a_dir = os.path.join(self.tmp, "a-file")
        open(not_a_dir, "w").close()
        half = os.path.join(self.tmp, "half-maildir")
        os.makedirs(os.path.join(half, "new"))
        cases = [
            ("[mail]\nsmtp_url = http://relay.example.org\n",
             "[mail] smtp_url: 'http://relay.example.org': the scheme must be smtp:// or smtps://"),
            ("[mail]\nsmtp_url = smtp://\n", "[mail] smtp_url:"),
            ("[http]\nlisten = 127.0.0.1:99999\n", "[http] listen: '127.0.0.1:99999'"),
            ("[http]\nlisten = localhost\n", "[http] listen:"),
            ("[mail]\nusername = agenda\npassword_file = /nonexistent/pw\n",
             "[mail] password_file: /nonexistent/pw: No such file"),
            ("[mail]\nusername = agenda\npassword_file = %s\n" % secret,
             "[mail] password_file: %s is open to other users (mode 0644)" % secret),
            ("[mail]\nusername = agenda\n", "[mail] username: set, but no password"),
            ("[mail]\nfrom = not an address\n", "[mail] from: address 'not an address'"),
            ("[mail]\nfrom = Agenda <agenda@>\n", "[mail] from: address 'agenda@' has a bad domain"),
            ("[http]\npublic_url = agenda.example.org\n",
             "[http] public_url: 'agenda.example.org' is not an absolute URL"),
            ("[http]\npublic_url = ftp://agenda.example.org\n", "[http] public_url:"),
            ("[http]\ntrusted_proxies = 127.0.0.1 10.0.0.0/33\n",
             "[http] trusted_proxies: '10.0.0.0/33' is not an address or a network"),
            ("[staff]\nemails = ana@example.org, foo\n", "[staff] emails: address 'foo' has no '@'"),
            ("[daemon]\ntimezone = Mars/Olympus\n", "[daemon] timezone: 'Mars/Olympus'"),
            ("[daemon]\ndomain = bad_domain\n", "[daemon] domain: 'bad_domain'"),
            ("[daemon]\nsocket_group = no-such-group-here\n",
             "[daemon] socket_group: no group named 'no-such-group-here'"),
            ("[daemon]\nsocket = %s/%s/c.sock\n" % (self.tmp, "x" * 120),
             "[daemon] socket: longer than 107 bytes"),
            ("[daemon]\nstate_dir = %s/sub\n" % not_a_dir,
             "[daemon] state_dir: %s is not a directory" % not_a_dir),
            ("[mail]\ntemplate_dir = %s\n" % tpl,
             "[mail] template_dir: template %s/recordatorio.txt: unknown placeholder" % tpl),
            ("[mail]\nca_file = /nonexistent/ca.pem\n", "[mail] ca_file: /nonexistent/ca.pem"),
            ("[mail]\nbounce_address = rebotes+x@example.org\n",
             "[mail] bounce_address: 'rebotes+x@example.org' has a '+'"),
            ("[mail]\nbounce_address = direccion-de-rebotes@example.org\n",
             "[mail] bounce_address: 'direccion-de-rebotes' is longer than 12 characters"),
            ("[mail]\nbounce_address = rebotes\n",
             "[mail] bounce_address: address 'rebotes' has no '@'"),
            ("[bounces]\nmaildir = %s/no-maildir\n" % self.tmp,
             "[bounces] maildir: %s/no-maildir: No such file or directory" % self.tmp),
            ("[bounces]\nmaildir = %s\n" % half,
             "[bounces] maildir: %s/cur: No such file or directory (not a maildir: "
             "it needs new/ and cur/)" % half),
            ("[bounces]\ntransient_limit = -1\n", "[bounces] transient_limit:"),
        ]
        base = open(d.conf).read()
        for text, want in cases:
            with self.subTest(config=text):
                with open(d.conf, "w") as f:
                    f.write(base + text)
                key_line = [i + 1 for i, l in enumerate((base + text).split("\n"))
                            if l.startswith(want.split("]")[1].split(":")[0].strip() + " =")][-1]
                where = "%s:%d: " % (d.conf, key_line)
                for argv in ([CRONOGRAMAD, "-t", "-c", d.conf],
                             [CRONOGRAMAD, "--config", d.conf]):
                    p = subprocess.run(argv, capture_output=True, timeout=30)
                    err = p.stderr.decode()
                    self.assertEqual(p.returncode, 1, (argv, err))
                    self.assertIn(where + want, err, argv)
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
                    self.assertFalse(os.path.exists(d.state), "%s created %s" % (argv, d.state))
                    self.assertFalse(os.path.exists(os.path.dirname(d.socket)))
        # A directory is not a configuration file.
        for argv in ([CRONOGRAMAD, "-t", "-c", self.tmp], [CRONOGRAMAD, "-c", self.tmp]):
            p = subprocess.run(argv, capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn("%s: not a regular file" % self.tmp, p.stderr.decode())

    def test_smtp_password_from_a_systemd_credential(self):
        """LoadCredential=smtp-password:… : with password_file empty the
        daemon reads $CREDENTIALS_DIRECTORY/smtp-password, and -t checks
        it like a password file."""
        d = Daemon(self.tmp, name="cred")
        with open(d.conf, "a") as f:
            f.write("[mail]\nusername = agenda\n")
        creds = os.path.join(self.tmp, "credentials")
        os.makedirs(creds)
        env = dict(os.environ, CREDENTIALS_DIRECTORY=creds)
        p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf], capture_output=True,
                           timeout=30, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("[mail] username: set, but no password", p.stderr.decode())
        pw = os.path.join(creds, "smtp-password")
        with open(pw, "w") as f:
            f.write("s3cret\n")
        os.chmod(pw, 0o400)
        p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf], capture_output=True,
                           timeout=30, env=env)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        p = subprocess.run([CRONOGRAMAD, "--print-config", "-c", d.conf],
                           capture_output=True, timeout=30, env=env)
        self.assertIn("password_file = %s\n" % pw, p.stdout.decode())
        self.assertNotIn("s3cret", p.stdout.decode())

    def test_version(self):
        p = subprocess.run([CRONOGRAMAD, "--version"], capture_output=True, timeout=30)
        self.assertTrue(p.stdout.decode().startswith("cronogramad "))
        p = subprocess.run([CRONOCTL, "--version"], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0)


class DocsAgreeTest(DaemonTest):
    """--help, the man pages and the command table say the same."""

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []

    def test_every_cronoctl_command_is_in_the_man_page(self):
        p = subprocess.run([CRONOCTL, "--help"], capture_output=True, timeout=30,
                           env=ctl_env())
        self.assertEqual(p.returncode, 0)
        out = p.stdout.decode()
        section = out.split("Commands:")[1].split("Global options")[0]
        commands = [l[2:].split("  ")[0].strip() for l in section.splitlines()
                    if l.startswith("  ") and l.strip()]
        self.assertGreater(len(commands), 20)
        for page in ("cronoctl.1", "es/cronoctl.1"):
            man = open(os.path.join(ROOT, "contrib", "man", page), encoding="utf-8").read()
            man = man.replace("\\-", "-").replace("\\fB", "").replace(
                "\\fR", "").replace("\\fI", "")
            for c in commands:
                self.assertIn(c, man, "%s lacks the command '%s'" % (page, c))
            # man(1) renders it without a warning.
            p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l",
                                os.path.join(ROOT, "contrib", "man", page)],
                               capture_output=True, timeout=60,
                               env=dict(ctl_env("C.UTF-8"), MANWIDTH="80"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr.decode(), "", page)
        for c in commands:
            h = subprocess.run([CRONOCTL] + c.split() + ["--help"], capture_output=True,
                               timeout=30, env=ctl_env())
            self.assertEqual(h.returncode, 0, c)
            self.assertIn("usage", h.stdout.decode().lower(), c)

    def test_every_cronoctl_route_is_described_in_the_openapi_file(self):
        """Each command's --help names the routes it calls ("API: GET
        /v1/events"); each must be in schemas/control-api.yaml, whose paths
        test_api.c checks against the daemon's route table."""
        import re
        text = open(os.path.join(ROOT, "schemas", "control-api.yaml")).read()
        described = set()
        for path in re.findall(r"^  (/v1/[^:]*):\s*$", text, re.M):
            block = text.split("\n  " + path + ":")[1].split("\n  /")[0]
            for m in re.findall(r"^    (get|post|patch|delete|put):", block, re.M):
                described.add((m.upper(), path))
        out = subprocess.run([CRONOCTL, "--help"], capture_output=True,
                             timeout=30, env=ctl_env()).stdout.decode()
        section = out.split("Commands:")[1].split("Global options")[0]
        commands = [l[2:].split("  ")[0].strip() for l in section.splitlines()
                    if l.startswith("  ") and l.strip()]
        used = 0
        for c in commands:
            h = subprocess.run([CRONOCTL] + c.split() + ["--help"],
                               capture_output=True, timeout=30,
                               env=ctl_env()).stdout.decode()
            for line in h.splitlines():
                if line.startswith("API:"):
                    for route in line[4:].split(","):
                        method, path = route.split()
                        self.assertIn((method, path), described, c)
                        used += 1
        self.assertGreater(used, 20)


class ReloadTest(DaemonTest):
    """SIGHUP re-reads the keys a running daemon can change."""

    def test_sighup_applies_reminders_and_names_what_needs_a_restart(self):
        self.d.import_2018()
        self.d.set_clock("2018-01-20T12:00:00Z")
        self.d.ctl("osc", "add", "--name", "Red", "--email", "red@example.net",
                   "--topics", "agenda-2030")

        def offsets():
            rem = self.d.ctl_json("upcoming", "--days", "30")["reminders"]
            return sorted({r["offset_s"] for r in rem if r["event"] == "2018-09"})
        self.assertEqual(offsets(), [86400, 604800])
        with open(self.d.conf, "a") as f:
            f.write("[reminders]\ndefault = 3d\n[mail]\nmax_connections = 9\n")
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "need a restart" in self.d.log_text(), what="the reload")
        log = self.d.log_text()
        self.assertIn("changed: [reminders] default", log)
        self.assertIn("need a restart: [mail] max_connections", log)
        wait_for(lambda: offsets() == [3 * 86400], what="the new offsets")

    def test_sighup_with_a_broken_file_keeps_running(self):
        with open(self.d.conf, "a") as f:
            f.write("[reminders]\ndefault = soon\n")
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "keeping the running configuration" in self.d.log_text(),
                 what="the refused reload")
        self.assertIn("[reminders] default", self.d.log_text())
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], 0)
