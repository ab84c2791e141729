"""The README's "Running it", line by line, as an operator runs it: `make
install` (into a DESTDIR), the sysusers file, the start-up check, the unit
started as systemd would start it (unit_as_systemd.py, in private mount and
network namespaces so the host is left alone), a staff member added to the
group and her bare `cronoctl status`. Needs root (to change users and
mount), as the README's sudo lines do; CI runs as root.
"""
import fcntl
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import PYTHON, ROOT

README = os.path.join(ROOT, "README.md")
INNER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "unit_as_systemd.py")
STAFF = "cronograma-test-ana"
OUTSIDER = "nobody"
TOOLS = ("unshare", "setpriv", "systemd-analyze", "systemd-sysusers", "ip",
         "adduser", "useradd", "userdel")


def readme_running_it():
    """The command lines of README's running-it block, comments dropped."""
    text = open(README, encoding="utf-8").read()
    m = re.search(r"<!-- running-it -->\n```sh\n(.*?)```\n<!-- /running-it -->",
                  text, re.S)
    assert m, "README.md has no running-it block"
    return [l.split("#", 1)[0].strip() for l in m.group(1).splitlines()
            if l.split("#", 1)[0].strip()]


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    if p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s"
                             % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def exists(kind, name):
    try:
        (pwd.getpwnam if kind == "user" else grp.getgrnam)(name)
        return True
    except KeyError:
        return False


@unittest.skipUnless(os.geteuid() == 0, "needs root, like the README's sudo lines")
@unittest.skipUnless(all(shutil.which(t) for t in TOOLS),
                     "needs %s (contrib/install-deps.sh)" % ", ".join(TOOLS))
class ServiceTest(unittest.TestCase):

    def setUp(self):
        # Users and groups are the machine's: one such test at a time.
        self.lock = open("/run/lock/cronograma-service-test.lock", "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.tmp = tempfile.mkdtemp(prefix="cronograma-svc-")
        self.destdir = os.path.join(self.tmp, "root")
        self.had_user = exists("user", "cronograma")
        self.had_group = exists("group", "cronograma")

    def tearDown(self):
        try:
            if exists("user", STAFF):
                subprocess.run(["userdel", STAFF], capture_output=True)
            if not self.had_user and exists("user", "cronograma"):
                subprocess.run(["userdel", "cronograma"], capture_output=True)
            if not self.had_group and exists("group", "cronograma"):
                subprocess.run(["groupdel", "cronograma"], capture_output=True)
            shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()

    def test_readme_running_it_works_as_written(self):
        build = os.path.dirname(os.environ.get(
            "CRONOGRAMAD", os.path.join(ROOT, "build", "cronogramad")))
        etc = os.path.join(self.destdir, "etc", "cronograma", "cronogramad.conf")
        sbin = os.path.join(self.destdir, "usr", "local", "sbin")
        started = False
        covered = []
        for line in readme_running_it():
            argv = line.split()
            if argv[0] == "sudo":
                argv = argv[1:]
            if argv == ["make", "install"]:
                make = ["make", "-s", "-C", ROOT, "install",
                        "DESTDIR=" + self.destdir, "BUILD=" + build]
                if os.environ.get("SAN"):
                    make.append("SAN=" + os.environ["SAN"])
                run(make)
                unit = open(os.path.join(self.destdir, "usr/local/lib/systemd/"
                                         "system/cronogramad.service")).read()
                self.assertIn("ExecStart=/usr/local/sbin/cronogramad ", unit)
            elif argv == ["systemd-sysusers"]:
                run(["systemd-sysusers", os.path.join(
                    self.destdir, "usr/local/lib/sysusers.d/cronograma.conf")])
                self.assertTrue(exists("user", "cronograma"))
                self.assertTrue(exists("group", "cronograma"))
            elif argv[0] == "sudoedit":
                # The operator's edit: the shipped file must serve as is.
                self.assertEqual(argv[1], "/etc/cronograma/cronogramad.conf")
                self.assertTrue(os.path.exists(etc))
            elif argv == ["cronogramad", "-t"]:
                before = os.path.exists("/var/lib/cronograma")
                p = run([os.path.join(sbin, "cronogramad"), "-t", "-c", etc])
                self.assertIn("is valid", p.stdout)
                self.assertEqual(os.path.exists("/var/lib/cronograma"), before,
                                 "-t created the state directory")
            elif argv == ["systemctl", "daemon-reload"]:
                pass  # no systemd as PID 1: unit_as_systemd.py verifies the unit
            elif argv == ["systemctl", "enable", "--now", "cronogramad"]:
                started = True
            elif argv[0] == "adduser" and argv[2:] == ["cronograma"]:
                run(["useradd", "--system", "--no-create-home", "--shell",
                     "/usr/sbin/nologin", STAFF])
                run(["adduser", "--quiet", STAFF, "cronograma"])
            elif argv == ["cronoctl", "status"]:
                self.assertTrue(started, "cronoctl status before the start")
                env = dict(os.environ)
                p = subprocess.run(
                    ["unshare", "--mount", "--net", "--propagation", "private",
                     PYTHON, INNER, self.destdir, STAFF, OUTSIDER],
                    capture_output=True, text=True, timeout=600, env=env)
                print(p.stdout, end="")
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertIn("all checks passed", p.stdout)
            else:
                self.fail("README's running-it line %r is not covered by "
                          "this test" % line)
            covered.append(argv[0])
        self.assertIn("cronoctl", covered)


if __name__ == "__main__":
    unittest.main()
