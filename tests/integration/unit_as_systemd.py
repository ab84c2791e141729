#!/usr/bin/python3
"""Start the installed cronogramad unit the way systemd would, without
systemd as PID 1. Run as root by test_service.py inside new mount and
network namespaces (unshare -mn), so nothing here touches the host:

  unit_as_systemd.py DESTDIR STAFF OUTSIDER

DESTDIR is a `make install DESTDIR=…` tree; its /etc is laid over the
host's (overlayfs) and its /usr/local bound over /usr/local, so the unit's
paths are the real ones. /run and /var/lib are fresh tmpfs. Then, as systemd
does for the unit: its directories with their modes and owner, its User= and
Group= (setpriv, no capabilities, no new privileges), its UMask=, the
variables systemd sets ($STATE_DIRECTORY, $RUNTIME_DIRECTORY,
$NOTIFY_SOCKET on a datagram socket this script reads, $WATCHDOG_USEC…),
ExecStartPre= then ExecStart=. Each check prints "ok: …"; the first failure
prints "FAIL: …" and exits 1.
"""
import configparser
import os
import pwd
import grp
import select
import shlex
import signal
import socket
import subprocess
import sys
import time

DESTDIR, STAFF, OUTSIDER = sys.argv[1:4]
UNIT = "/usr/local/lib/systemd/system/cronogramad.service"
NOTIFY = "/run/systemd/notify-test"
WATCHDOG_USEC = 2000000


daemon = None


def fail(msg):
    """Report, stop the daemon if it runs (stopped by PID), and exit 1."""
    print("FAIL: " + msg, flush=True)
    if daemon is not None and daemon.poll() is None:
        daemon.kill()
        daemon.wait()
    sys.exit(1)


def ok(msg):
    print("ok: " + msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


def must(cmd):
    p = run(cmd)
    if p.returncode != 0:
        fail("%s: %s%s" % (" ".join(cmd), p.stdout, p.stderr))
    return p


# ---- the machine as the unit sees it ----
must(["mount", "-t", "overlay", "overlay", "-o",
      "lowerdir=%s/etc:/etc" % DESTDIR, "/etc"])
must(["mount", "--bind", DESTDIR + "/usr/local", "/usr/local"])
must(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"])
must(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/var/lib"])
must(["ip", "link", "set", "lo", "up"])

p = run(["systemd-analyze", "verify", UNIT])
if p.returncode != 0 or p.stdout.strip() or p.stderr.strip():
    fail("systemd-analyze verify: %s%s" % (p.stdout, p.stderr))
ok("systemd-analyze verify is clean")
p = run(["systemd-analyze", "security", "--offline=yes", UNIT])
level = [l for l in p.stdout.splitlines() if "Overall exposure level" in l]
if not level:
    fail("systemd-analyze security: %s%s" % (p.stdout, p.stderr))
score = float(level[0].split(":")[1].split()[0])
if score > 2.0:
    fail("the unit rates %s, more than 2.0" % score)
ok("systemd-analyze security rates the unit %.1f" % score)

unit = configparser.ConfigParser(strict=False, interpolation=None)
unit.optionxform = str
with open(UNIT) as f:
    unit.read_file(f)
svc = unit["Service"]
if svc.get("Type") != "notify":
    fail("Type=%s, not notify" % svc.get("Type"))
user = pwd.getpwnam(svc["User"])
group = grp.getgrnam(svc["Group"])
state_dir = "/var/lib/" + svc["StateDirectory"]
run_dir = "/run/" + svc["RuntimeDirectory"]
for d, mode in ((state_dir, svc.get("StateDirectoryMode", "0755")),
                (run_dir, svc.get("RuntimeDirectoryMode", "0755"))):
    os.makedirs(d)
    os.chown(d, user.pw_uid, group.gr_gid)
    os.chmod(d, int(mode, 8))

os.makedirs(os.path.dirname(NOTIFY), exist_ok=True)
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(NOTIFY)
os.chmod(NOTIFY, 0o777)
messages = []


def notified(pred, what, timeout=30, since=0):
    """Read datagrams until pred(message) holds for one of them (of those
    from the since-th on)."""
    deadline = time.monotonic() + timeout
    for m in messages[since:]:
        if pred(m):
            return m
    while time.monotonic() < deadline:
        r, _, _ = select.select([notify], [], [], 0.2)
        if r:
            m = notify.recv(4096).decode()
            messages.append(m)
            if pred(m):
                return m
        elif daemon is not None and daemon.poll() is not None:
            fail("cronogramad exited %s before %s:\n%s"
                 % (daemon.returncode, what, daemon.stderr.read()))
    fail("no %s from cronogramad after %d s (got %r)" % (what, timeout, messages))


def as_user(pw, argv, env=None, **kw):
    """argv as pw's user, groups and all, without privileges."""
    umask = int(svc.get("UMask", "0022"), 8)
    cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
           "--init-groups", "--no-new-privs", "--inh-caps=-all",
           "--bounding-set=-all", "--"] + argv
    return subprocess.Popen(cmd, env=env, cwd="/",
                            preexec_fn=lambda: os.umask(umask), **kw)


def unit_env():
    e = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "USER": user.pw_name, "LOGNAME": user.pw_name,
        "HOME": user.pw_dir, "SHELL": user.pw_shell,
        "INVOCATION_ID": "0123456789abcdef0123456789abcdef",
        "STATE_DIRECTORY": state_dir,
        "RUNTIME_DIRECTORY": run_dir,
        "NOTIFY_SOCKET": NOTIFY,
        "WATCHDOG_USEC": str(WATCHDOG_USEC),
    }
    # A sanitizer build's settings (its leak suppressions) pass through.
    for k in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    return e


def exec_line(key):
    return shlex.split(svc[key].lstrip("-+!@:"))


# ExecStartPre=: the check, as the unit's user, writes nothing.
pre = as_user(user, exec_line("ExecStartPre"), env=unit_env(),
              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
out, err = pre.communicate(timeout=60)
if pre.returncode != 0:
    fail("ExecStartPre= exited %d: %s%s" % (pre.returncode, out, err))
if os.listdir(state_dir) or os.listdir(run_dir):
    fail("ExecStartPre= (-t) wrote %s %s"
         % (os.listdir(state_dir), os.listdir(run_dir)))
ok("ExecStartPre= (%s) passes and writes nothing" % svc["ExecStartPre"])

# ExecStart=: READY=1 once the control socket and the site answer.
env = unit_env()
daemon = as_user(user, exec_line("ExecStart"), env=env,
                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
notified(lambda m: "READY=1" in m.split("\n"), "READY=1")
sock = os.path.join(run_dir, "control.sock")
if not os.path.exists(sock):
    fail("READY=1 before %s exists" % sock)
st = os.stat(sock)
if st.st_mode & 0o777 != 0o660 or st.st_gid != group.gr_gid:
    fail("%s is mode %o, group %d" % (sock, st.st_mode & 0o777, st.st_gid))
db = os.path.join(state_dir, "cronograma.db")
if not os.path.exists(db) or os.stat(db).st_uid != user.pw_uid:
    fail("no database owned by %s in %s: %s" % (user.pw_name, state_dir,
                                                os.listdir(state_dir)))
ok("READY=1; the state is in %s and the socket %s is 0660 group %s"
   % (state_dir, sock, group.gr_name))
if not any(m.startswith("STATUS=") for m in messages):
    notified(lambda m: m.startswith("STATUS="), "STATUS=")
ok("STATUS= %s" % [m for m in messages if m.startswith("STATUS=")][0][7:])
notified(lambda m: m == "WATCHDOG=1", "WATCHDOG=1", timeout=10)
ok("WATCHDOG=1 from the loop")

# A staff member of the group runs a bare cronoctl status.
staff = pwd.getpwnam(STAFF)
c = as_user(staff, ["/usr/local/bin/cronoctl", "status"],
            env={"PATH": "/usr/bin:/bin", "HOME": staff.pw_dir, "LANG": "C.UTF-8"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
out, err = c.communicate(timeout=60)
if c.returncode != 0 or state_dir not in out:
    fail("cronoctl status as %s: %d %s%s" % (STAFF, c.returncode, out, err))
ok("a bare `cronoctl status` as %s (group %s) answers" % (STAFF, group.gr_name))
outsider = pwd.getpwnam(OUTSIDER)
c = as_user(outsider, ["/usr/local/bin/cronoctl", "status"],
            env={"PATH": "/usr/bin:/bin", "HOME": "/", "LANG": "C.UTF-8"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
out, err = c.communicate(timeout=60)
if c.returncode == 0 or "ermission" not in err:
    fail("cronoctl status as %s (not in the group): %d %s%s"
         % (OUTSIDER, c.returncode, out, err))
ok("%s, not in the group, is refused: %s" % (OUTSIDER, err.strip()))

# ExecReload=: RELOADING=1, then READY=1.
n = len(messages)
daemon.send_signal(signal.SIGHUP)
notified(lambda m: m.startswith("RELOADING=1") and "MONOTONIC_USEC=" in m,
         "RELOADING=1", since=n)
n = len(messages)
notified(lambda m: m == "READY=1", "READY=1 after the reload", since=n)
ok("SIGHUP: RELOADING=1, then READY=1")

# systemctl stop: SIGTERM, STOPPING=1, exit status 0.
daemon.send_signal(signal.SIGTERM)
notified(lambda m: m.startswith("STOPPING=1"), "STOPPING=1")
try:
    rc = daemon.wait(timeout=int(svc.get("TimeoutStopSec", "90s").rstrip("s")))
except subprocess.TimeoutExpired:
    daemon.kill()
    fail("cronogramad did not stop on SIGTERM")
err = daemon.stderr.read()
if rc != 0:
    fail("cronogramad exited %d on SIGTERM:\n%s" % (rc, err))
if "<6>" in err or "cronogramad: info: stopped" not in err:
    fail("unexpected log:\n%s" % err)
ok("SIGTERM: STOPPING=1 and exit status 0")
print("unit_as_systemd: all checks passed", flush=True)
