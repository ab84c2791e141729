"""Bounces end to end: a real cronogramad with [mail] bounce_address and a
[bounces] maildir, a real SMTP server (tests/smtpd.py) that records each
message's envelope sender, and real-world DSN shapes (tests/data/bounces)
made to name what the daemon sent. Proves that every message goes out from
rebotes+TOKEN@DOMAIN, that a Postfix DSN delivered to the maildir (written
to tmp/ and renamed into new/, as an MTA does) or piped to `cronoctl
bounce` disables the address it names, that the next reminder leaves that
address out (an organisation with none left: the message is skipped),
that an out-of-office reply changes nothing, that `osc enable` brings an
address back, and that `cronoctl bounce` exits 75 (EX_TEMPFAIL) with the
daemon down so that the MTA tries again. "Not sent" is asserted only after
the daemon says it is idle.
"""
import json
import os
import re
import subprocess
import tempfile
import time

from harness import (CRONOCTL, DaemonTest, DOMAIN, ROOT, Smtpd,
                     ctl_env, wait_for)

BOUNCES = os.path.join(ROOT, "tests", "data", "bounces")
T0 = "2031-01-01T00:00:00Z"
# The session: 2031-05-20 10:00 in Mexico City (UTC-6), reminded 3 days,
# 2 hours and 1 hour before.
AT_3D = "2031-05-17T16:00:00Z"
AT_2H = "2031-05-20T14:00:00Z"
AT_1H = "2031-05-20T15:00:00Z"
VERP = re.compile(r"^rebotes\+(\d+)\.([0-9a-f]+)@" + re.escape(DOMAIN) + "$")


def fixture(name, token, address, message_id):
    """A fixture made to name our token, address and Message-ID."""
    with open(os.path.join(BOUNCES, name), "rb") as f:
        text = f.read()
    for old, new in (
            (rb"rebotes\+\d+\.[0-9a-f]+@agenda\.example\.gob\.mx",
             ("rebotes+%s@%s" % (token, DOMAIN)).encode()),
            (rb"contacto@osc-desaparecida\.org\.mx", address.encode()),
            (rb"r\.6f1c0d2e9a8b47c5b3e2d1f0a9b8c7d6@agenda\.example\.gob\.mx",
             message_id.encode())):
        text = re.sub(old, new, text)
    return text


class BounceTest(DaemonTest):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.maildir = os.path.join(self.tmp, "rebotes")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(self.maildir, sub))
        self.smtpd = Smtpd(self.tmp).start()
        self.d = self.new_daemon(
            smtp_url=self.smtpd.url(),
            extra_config="bounce_address = rebotes@%s\n[bounces]\n"
                         "maildir = %s\n" % (DOMAIN, self.maildir)).start()
        self.d.set_clock(T0)
        self.import_topics()

    def osc(self, name, emails):
        st, body = self.d.curl("POST", "/v1/oscs", {
            "name": name, "emails": emails, "topics": ["migracion"]})
        self.assertEqual(st, 201, body)
        return body["id"]

    def sent(self):
        """What the SMTP server accepted: [(mail_from, rcpt_tos, msgid)]."""
        out = []
        for name in self.smtpd.messages():
            with open(os.path.join(self.smtpd.spool, name[:-4] + ".json"),
                      encoding="utf-8") as f:
                j = json.load(f)
            with open(os.path.join(self.smtpd.spool, name), "rb") as f:
                data = f.read()
            out.append((j["mail_from"], sorted(j["rcpt_tos"]),
                        (j["message_id"] or "").strip("<>"), data))
        return out

    def outbox(self):
        st, body = self.d.curl("GET", "/v1/outbox?limit=1000")
        self.assertEqual(st, 200, body)
        return body["messages"]

    def addresses(self):
        st, body = self.d.curl("GET", "/v1/addresses")
        self.assertEqual(st, 200, body)
        return body

    def disabled(self):
        return sorted(a["address"] for a in self.addresses()["addresses"]
                      if a["state"] == "disabled")

    def test_bounces_disable_skip_and_enable(self):
        uno = self.osc("Red Uno", ["uno@example.org"])
        dos = self.osc("Red Dos", ["dos@example.org", "dos.b@example.org"])
        st, ev = self.d.curl("POST", "/v1/events", {
            "title": "Trabajos en migración", "start": "2031-05-20T10:00",
            "topics": ["migracion"], "remind": "3d,2h,1h"})
        self.assertEqual(st, 201, ev)

        # The first reminder: each message from rebotes+TOKEN@DOMAIN, the
        # token naming its outbox row and its Message-ID's random part;
        # From: is the office's as before, and no Return-Path is written.
        self.d.set_clock(AT_3D)
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 reminders")
        self.d.wait_idle()
        rows = {m["message_id"]: m for m in self.outbox()}
        token = {}
        for mail_from, rcpts, mid, data in self.sent():
            m = VERP.match(mail_from)
            self.assertIsNotNone(m, mail_from)
            row = rows[mid]
            self.assertEqual(int(m.group(1)), row["id"])
            self.assertEqual(mid, "r.%s@%s" % (m.group(2), DOMAIN))
            self.assertNotIn(b"Return-Path:", data)
            self.assertNotIn(b"rebotes", data.split(b"\r\n\r\n")[0])
            token[rcpts[0]] = (m.group(1) + "." + m.group(2), mid)
        self.assertEqual(sorted(token),
                         ["dos.b@example.org", "uno@example.org"])
        self.assertEqual(len(set(t for t, _ in token.values())), 2)

        # A Postfix DSN for uno's message lands in the maildir the way an
        # MTA delivers: written in tmp/, renamed into new/. The address is
        # disabled at once (inotify; the rescan is a minute away) and the
        # message moves to cur/.
        tok, mid = token["uno@example.org"]
        dsn = fixture("postfix-5.1.1.eml", tok, "uno@example.org", mid)
        tmpname = os.path.join(self.maildir, "tmp", "1.M1P1.mx")
        with open(tmpname, "wb") as f:
            f.write(dsn)
        t0 = time.monotonic()
        os.rename(tmpname, os.path.join(self.maildir, "new", "1.M1P1.mx"))
        wait_for(lambda: self.disabled() == ["uno@example.org"], timeout=10,
                 what="the maildir's DSN to disable uno@example.org")
        took = time.monotonic() - t0
        self.assertLess(took, 10)
        wait_for(lambda: os.listdir(os.path.join(self.maildir, "cur")),
                 what="the DSN moved to cur/")
        self.assertEqual(os.listdir(os.path.join(self.maildir, "new")), [])
        a = self.addresses()
        rec = a["addresses"][0]
        self.assertEqual(rec["osc"]["id"], uno)
        self.assertEqual(rec["last_bounce"]["status"], "5.1.1")
        self.assertEqual(rec["last_bounce"]["source"], "maildir")
        self.assertIn("User unknown", rec["reason"])
        self.assertEqual(a["oscs_without_address"],
                         [{"id": uno, "name": "Red Uno"}])
        self.assertIn("bounce: maildir: to=<uno@example.org>",
                      self.d.log_text())

        # The same Postfix DSN shape, for the token of Dos's message and
        # one of its two addresses, through `cronoctl bounce < FILE` as an
        # MTA's pipe runs it.
        tok, mid = token["dos.b@example.org"]
        path = os.path.join(self.tmp, "dsn-dos.eml")
        with open(path, "wb") as f:
            f.write(fixture("postfix-5.1.1.eml", tok, "dos@example.org",
                            mid))
        with open(path, "rb") as f:
            p = subprocess.run([CRONOCTL, "--socket", self.d.socket,
                                "bounce"], stdin=f, capture_output=True,
                               env=ctl_env(), timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode(), "dos@example.org disabled: no "
                                            "more mail goes to it (5.1.1)\n")
        a = {x["address"]: x for x in self.addresses()["addresses"]}
        self.assertEqual(a["dos@example.org"]["last_bounce"]["source"],
                         "pipe")
        self.assertIn("bounce: pipe: to=<dos@example.org> osc=%d outbox=%d"
                      % (dos, rows[mid]["id"]), self.d.log_text())
        self.assertEqual(self.disabled(),
                         ["dos@example.org", "uno@example.org"])

        # An out-of-office reply, with a genuine token: nothing changes;
        # exit 0 and why on stderr.
        tok, mid = token["dos.b@example.org"]
        ooo = fixture("fuera-de-oficina.eml", tok, "dos.b@example.org", mid)
        rc, out, err = self.d.ctl("bounce", input=ooo)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        self.assertRegex(err, r"^cronoctl: not a bounce: .*auto")
        before = self.addresses()
        self.assertEqual(len(before["addresses"]), 2)

        # Staff see why: the list, in English and in Spanish, and osc show.
        _, out, _ = self.d.ctl("osc", "list", "--rebotando")
        self.assertIn("uno@example.org", out)
        self.assertIn("5.1.1", out)
        self.assertIn("Red Uno (%d) has no address left that takes mail"
                      % uno, out)
        self.assertNotIn("Red Dos (", out.split("\n")[-2])
        _, out, _ = self.d.ctl("osc", "list", "--rebotando",
                               env={"LANG": "es_MX.UTF-8"})
        self.assertIn("desactivado", out)
        self.assertIn("se quedó sin ningún correo", out)
        _, out, _ = self.d.ctl("osc", "show", "Red Dos")
        self.assertIn("dos@example.org: disabled since", out)
        self.assertIn("dos.b@example.org: takes mail", out)
        _, out, _ = self.d.ctl("osc", "show", "Red Dos",
                               env={"LANG": "es_MX.UTF-8"})
        self.assertIn("dos.b@example.org: recibe correo", out)
        self.assertIn("dos@example.org: desactivado desde", out)

        # The next reminder: Dos's goes to dos.b only; Uno's is skipped
        # (no address left), not failed, and never sent.
        self.d.set_clock(AT_2H)
        wait_for(lambda: len(self.smtpd.messages()) == 3, what="Dos's 2h")
        self.d.wait_idle()
        self.assertEqual(len(self.smtpd.messages()), 3)
        mail_from, rcpts, mid, data = self.sent()[2]
        self.assertEqual(rcpts, ["dos.b@example.org"])
        head = data.split(b"\r\n\r\n")[0]
        self.assertNotIn(b"dos@example.org", head)
        skipped = [m for m in self.outbox() if m["state"] == "skipped"]
        self.assertEqual(len(skipped), 1, self.outbox())
        self.assertEqual(skipped[0]["osc"], "Red Uno")
        self.assertIn("no address of the organisation takes mail",
                      skipped[0]["last_error"])
        log = self.d.log_text()
        self.assertIn("not sending to <dos@example.org>: the address is "
                      "disabled", log)
        self.assertIn("status=skipped", log)

        # Enabled again (one by organisation, one by address), audited;
        # the last reminder reaches every address.
        _, out, _ = self.d.ctl("osc", "enable", "Red Uno")
        self.assertEqual(out, "uno@example.org enabled: mail goes to it "
                              "again\n")
        _, out, _ = self.d.ctl("osc", "enable", "DOS@example.org")
        self.assertEqual(out, "DOS@example.org enabled: mail goes to it "
                              "again\n")
        rc, _, err = self.d.ctl("osc", "enable", "dos@example.org",
                                check=False)
        self.assertEqual(rc, 1)
        self.assertIn("is not disabled", err)
        self.assertEqual(self.disabled(), [])
        st, log = self.d.curl("GET", "/v1/log")
        self.assertEqual(st, 200, log)
        self.assertEqual(
            sum(1 for e in log["entries"] if e["action"] == "address.enable"),
            2)
        self.d.set_clock(AT_1H)
        wait_for(lambda: len(self.smtpd.messages()) == 5, what="the 1h ones")
        self.d.wait_idle()
        last = sorted(r for _, rcpts, _, _ in self.sent()[3:] for r in rcpts)
        self.assertEqual(last, ["dos.b@example.org", "dos@example.org",
                                "uno@example.org"])

    def test_bad_input_and_daemon_down(self):
        # Not a mail message: 65 (EX_DATAERR), nothing recorded.
        rc, _, err = self.d.ctl("bounce", input=b"no headers at all",
                                check=False)
        self.assertEqual(rc, 65, err)
        rc, _, err = self.d.ctl("bounce", input=b"", check=False)
        self.assertEqual(rc, 65, err)
        self.assertIn("empty", err)
        # A DSN for an address that is none of ours: recorded only.
        dsn = fixture("postfix-5.1.1.eml", "1.00", "x@elsewhere.example",
                      "r.00@" + DOMAIN)
        rc, out, err = self.d.ctl("bounce", input=dsn)
        self.assertEqual(out, "a failure for x@elsewhere.example recorded: "
                              "none of our addresses\n")
        self.assertEqual(self.addresses()["addresses"], [])
        st, body = self.d.curl("POST", "/v1/addresses/enable", {})
        self.assertEqual(st, 400, body)
        st, body = self.d.curl("POST", "/v1/bounces", b"")
        self.assertEqual(st, 400, body)
        # The daemon down: 75 (EX_TEMPFAIL), the MTA keeps the message.
        self.assertEqual(self.d.stop(), 0)
        rc, _, err = self.d.ctl("bounce", input=dsn, check=False)
        self.assertEqual(rc, 75, err)
        self.assertIn("cannot connect", err)
