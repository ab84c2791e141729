"""Reminders end to end: a real cronogramad with its test clock, a real SMTP
server (tests/smtpd.py, python3-aiosmtpd) with fault injection, and every
message judged by tests/check_message.py (email + icalendar).

Sessions are in 2031 and the clock is set by the tests, never waited for:
at start-up (and after a restart) the daemon's clock is the real one, so
nothing of 2031 is due until a test moves the clock there.
"""
import datetime
import email
import email.policy
import email.utils
import json
import re
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

from icalendar import Calendar

from harness import (DaemonTest, Smtpd, ROOT, PYTHON, free_port,
                     wait_for)

T0 = "2031-01-01T00:00:00Z"
CHECK = os.path.join(ROOT, "tests", "check_message.py")


def iso(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(iso_text):
    return int(datetime.datetime.strptime(
        iso_text, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())


def check_message(path):
    """tests/check_message.py on one file: its JSON summary."""
    p = subprocess.run([PYTHON, CHECK, path], capture_output=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(p.stderr.decode())
    return json.loads(p.stdout)


def parse(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ReminderTest(DaemonTest):
    """Each test sets up its own SMTP server and daemon (self.env)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.smtpd = None

    def env(self, *smtpd_args, smtp=True, start_smtpd=True, extra=""):
        if smtp:
            self.smtpd = Smtpd(self.tmp, *smtpd_args)
            if start_smtpd:
                self.smtpd.start()
        self.d = self.new_daemon(
            smtp_url=self.smtpd.url() if smtp else "",
            extra_config=extra).start()
        self.d.set_clock(T0)
        self.import_topics()
        return self.d

    # ---- helpers ----

    def session(self, title, start, topics, remind, tz=None, location=None):
        req = {"title": title, "start": start, "topics": topics,
               "remind": remind}
        if tz:
            req["tz"] = tz
        if location:
            req["location"] = location
        st, body = self.d.curl("POST", "/v1/events", req)
        self.assertEqual(st, 201, body)
        return body

    def outbox(self, **q):
        query = "&".join("%s=%s" % kv for kv in q.items())
        st, body = self.d.curl("GET", "/v1/outbox" + ("?" + query if query else ""))
        self.assertEqual(st, 200, body)
        return body["messages"]

    def outbox_where(self, pred, what, timeout=20):
        return wait_for(lambda: pred(self.outbox(limit=100000)),
                        timeout=timeout, what=what)

    def spool_log(self):
        path = os.path.join(self.smtpd.spool, "log.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]

    def spool_files(self):
        return [os.path.join(self.smtpd.spool, f) for f in self.smtpd.messages()]

    # ---- tests ----

    def test_one_message_per_organisation_and_offset(self):
        self.env()
        self.osc("Red Ambiental del Norte",
                 ["avisos@red-norte.example.org",
                  "coordinacion@red-norte.example.org"],
                 ["cambio-climatico", "agenda-2030"])
        self.osc("Colectivo Agenda Sur", ["sur@example.net"], ["agenda-2030"])
        self.osc("Migrantes Unidos", ["mu@example.net"], ["migracion"])
        gone = self.osc("Red que se dio de baja", ["baja@example.net"],
                        ["cambio-climatico"])
        st, body = self.d.curl("POST", "/v1/oscs/%d/unsubscribe" % gone,
                               {"topics": ["cambio-climatico"]})
        self.assertEqual(st, 200, body)
        ev = self.session("Reunión con OSC tema Cambio Climático",
                          "2031-03-10T10:00", ["cambio-climatico", "agenda-2030"],
                          "1d,2h", location="Ciudad de México, México")
        start = ts("2031-03-10T16:00:00Z")  # 10:00 CDMX, UTC-6 (no DST)
        self.assertEqual(ev["start_utc"], iso(start))

        st, up = self.d.curl("GET", "/v1/upcoming?days=90")
        self.assertEqual(st, 200, up)
        mine = [r for r in up["reminders"] if r["event"] == ev["id"]]
        self.assertEqual([(r["due"], r["offset_s"]) for r in mine],
                         [(iso(start - 86400), 86400), (iso(start - 7200), 7200)])
        for r in mine:
            self.assertEqual(sorted(r["oscs"]),
                             ["Colectivo Agenda Sur", "Red Ambiental del Norte"])
            self.assertFalse(r["late"])
        _, out, _ = self.d.ctl("upcoming", "--days", "90")
        self.assertIn(ev["id"], out)
        # Upcoming sends nothing.
        self.d.wait_idle()
        self.assertEqual(self.outbox(), [])

        # A second before the first reminder: nothing.
        self.d.set_clock(iso(start - 86400 - 1))
        self.d.wait_idle()
        self.assertEqual(self.outbox(), [])
        self.d.set_clock(iso(start - 86400))
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 messages")
        self.d.set_clock(iso(start - 7200))
        wait_for(lambda: len(self.smtpd.messages()) == 4, what="4 messages")
        msgs = self.outbox_where(
            lambda m: len(m) == 4 and all(x["state"] == "sent" for x in m) and m,
            "4 sent rows")
        self.d.wait_idle()  # then nothing more may arrive
        self.assertEqual(len(self.smtpd.messages()), 4)

        seen = set()
        for path in self.spool_files():
            summary = check_message(path)
            meta = json.load(open(path[:-4] + ".json", encoding="utf-8"))
            msg = parse(path)
            self.assertTrue(summary["subject"].startswith(
                "Recordatorio: Reunión con OSC tema Cambio Climático — 10 de marzo"),
                summary["subject"])
            self.assertEqual(summary["method"], "PUBLISH")
            self.assertEqual(summary["uid"], ev["uid"])
            self.assertEqual(summary["sequence"], 0)
            self.assertEqual(summary["organizer"], "mailto:cronograma@example.org")
            self.assertEqual(msg["Auto-Submitted"], "auto-generated")
            self.assertIsNone(msg["Bcc"])
            date = int(email.utils.parsedate_to_datetime(msg["Date"]).timestamp())
            self.assertIn(date, (start - 86400, start - 7200))
            offset = start - date
            # Message-ID chosen when queued: the kind and 128 random bits.
            mid = summary["message_id"].strip("<>")
            self.assertRegex(mid, r"^r\.[0-9a-f]{32}@example\.org$")
            if "avisos@red-norte.example.org" in summary["to"]:
                name = "Red Ambiental del Norte"
                self.assertEqual(sorted(meta["rcpt_tos"]),
                                 ["avisos@red-norte.example.org",
                                  "coordinacion@red-norte.example.org"])
                self.assertEqual(summary["to"],
                                 ["avisos@red-norte.example.org",
                                  "coordinacion@red-norte.example.org"])
                # The first of the session's topics it follows.
                self.assertIn("<cambio-climatico.example.org>", summary["list_id"])
                self.assertIn("/baja/", summary["list_unsubscribe"])
                text = msg.get_body(("plain",)).get_content()
                self.assertIn("/calendarios/cambio-climatico.ics", text)
            else:
                name = "Colectivo Agenda Sur"
                self.assertEqual(meta["rcpt_tos"], ["sur@example.net"])
                self.assertIn("<agenda-2030.example.org>", summary["list_id"])
            self.assertIn("mailto:", summary["list_unsubscribe"])
            self.assertIn(name, summary["text"])
            seen.add((name, offset))
        self.assertEqual(seen, {("Red Ambiental del Norte", 86400),
                                ("Red Ambiental del Norte", 7200),
                                ("Colectivo Agenda Sur", 86400),
                                ("Colectivo Agenda Sur", 7200)})
        self.assertEqual(sorted(m["osc"] for m in msgs),
                         ["Colectivo Agenda Sur", "Colectivo Agenda Sur",
                          "Red Ambiental del Norte", "Red Ambiental del Norte"])
        _, out, _ = self.d.ctl("outbox", "--event", ev["id"])
        self.assertEqual(out.count(" sent "), 4, out)

    def test_office_signs_and_the_invitation_is_attached(self):
        """[office] alone puts the office's signature and its privacy
        notice in the email; the session travels as an invitacion.ics
        attachment beside the text/calendar alternative, byte for byte the
        same calendar."""
        self.env(extra="[office]\nname = Unidad de Enlace «SRE»\n"
                       "signature = Unidad de Enlace | Secretaría de "
                       "Relaciones Exteriores\n"
                       "privacy_url = https://example.gob.mx/aviso\n")
        self.osc("Red Ambiental del Norte", ["avisos@red-norte.example.org"],
                 ["cambio-climatico"])
        ev = self.session("Reunión de seguimiento", "2031-03-10T10:00",
                          ["cambio-climatico"], "1d")
        self.d.set_clock(iso(ts("2031-03-10T16:00:00Z") - 86400))
        wait_for(lambda: len(self.smtpd.messages()) == 1, what="1 message")
        path = self.spool_files()[0]
        summary = check_message(path)
        self.assertEqual(summary["attachment"], "invitacion.ics")
        msg = parse(path)
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        att = [p for p in msg.walk() if p.get_filename() == "invitacion.ics"]
        self.assertEqual(len(att), 1)
        self.assertEqual(att[0].get_content_disposition(), "attachment")
        cal = Calendar.from_ical(att[0].get_payload(decode=True))
        uids = [str(c["UID"]) for c in cal.walk("VEVENT")]
        self.assertEqual(uids, [ev["uid"]])
        text = msg.get_body(("plain",)).get_content()
        self.assertIn("Atentamente,\nUnidad de Enlace\n"
                      "Secretaría de Relaciones Exteriores\n", text)
        self.assertIn("Aviso de privacidad: https://example.gob.mx/aviso",
                      text)
        self.assertNotIn("Oficina de enlace", text)
        page = msg.get_body(("html",)).get_content()
        self.assertIn('<a href="https://example.gob.mx/aviso"', page)
        self.assertIn("Aviso de privacidad</a> de Unidad de Enlace "
                      "«SRE»", page)

    def test_451_three_times_then_delivered_with_same_message_id(self):
        self.env("--fail-first", "3", "--fail-code", "451")
        self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        self.session("Trabajos en migración", "2031-05-20T10:00", ["migracion"], "2h")
        due = ts("2031-05-20T14:00:00Z")
        self.d.set_clock(iso(due))
        attempts = []
        for tries in (1, 2, 3):
            rows = self.outbox_where(
                lambda m: m and m[0]["tries"] == tries and m[0]["state"] == "pending" and m,
                "try %d to fail" % tries)
            row = rows[0]
            self.assertIn("451", row["last_error"])
            wait_at = ts(row["next_try"]) - (ts(attempts[-1]) if attempts else due)
            # 30 s, then 60 s, then 120 s, plus at most a quarter of jitter.
            base = 30 * 2 ** (tries - 1)
            self.assertTrue(base <= wait_at <= base + base // 4, (tries, wait_at))
            # A second before the retry: nothing is tried.
            self.d.set_clock(iso(ts(row["next_try"]) - 1))
            self.d.wait_idle()
            self.assertEqual(len(self.spool_log()), tries)
            attempts.append(row["next_try"])
            self.d.set_clock(row["next_try"])
        rows = self.outbox_where(lambda m: m and m[0]["state"] == "sent" and m,
                                 "delivery on the 4th try")
        self.assertEqual(rows[0]["tries"], 4)
        log = self.spool_log()
        self.assertEqual([r["code"] for r in log], [451, 451, 451, 250])
        mids = {r["message_id"] for r in log}
        self.assertEqual(len(mids), 1, mids)
        self.assertEqual(mids.pop().strip("<>"), rows[0]["message_id"])
        self.assertEqual(len(self.smtpd.messages()), 1)
        check_message(self.spool_files()[0])
        # One log line per outcome, the way Postfix logs deliveries.
        head = r"outbox %d: to=<uno@example\.org> msgid=<%s> event=%s kind=reminder " % (
            rows[0]["id"], re.escape(rows[0]["message_id"]), re.escape(rows[0]["event"]))
        # (the debug line with the hand-over latency, for make bench, is
        # not an outcome)
        lines = [l for l in self.d.log_text().splitlines()
                 if "outbox %d: to=" % rows[0]["id"] in l]
        self.assertEqual(len(lines), 4, lines)
        for tries, line in enumerate(lines[:3], 1):
            self.assertRegex(line, head + r"status=deferred \(451 .*\) delay=\d+\.\d\ds "
                             r"tries=%d next=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$" % tries)
        self.assertRegex(lines[3], head + r"status=sent \(250[ -].*\) delay=\d+\.\d\ds tries=4$")

    def test_two_installations_of_one_domain_never_share_a_message_id(self):
        # Staging and production (or a rebuilt database) of one domain:
        # the same first row of the same session to the same address.
        self.env()
        first = self.d
        ids = []
        for d in (first, self.new_daemon(smtp_url=self.smtpd.url()).start()):
            self.d = d
            d.set_clock(T0)
            self.import_topics(d)
            self.osc("Red Uno", ["uno@example.org"], ["migracion"])
            self.session("Trabajos en migración", "2031-05-20T10:00",
                         ["migracion"], "2h")
            d.set_clock(iso(ts("2031-05-20T14:00:00Z")))
            rows = self.outbox_where(
                lambda m: m and m[0]["state"] == "sent" and m, "delivery")
            self.assertEqual(rows[0]["id"], 1)
            ids.append(rows[0]["message_id"])
        self.assertNotEqual(ids[0], ids[1])
        for mid in ids:
            self.assertRegex(mid, r"^r\.[0-9a-f]{32}@example\.org$")
        sent = {r["message_id"].strip("<>") for r in self.spool_log()}
        self.assertEqual(sent, set(ids))

    def test_550_fails_at_once_and_is_never_retried(self):
        self.env("--reject", "550")
        self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        ev = self.session("Trabajos en migración", "2031-05-20T10:00",
                          ["migracion"], "2h")
        due = ts("2031-05-20T14:00:00Z")
        self.d.set_clock(iso(due))
        rows = self.outbox_where(lambda m: m and m[0]["state"] == "failed" and m,
                                 "the row to fail")
        self.assertEqual(rows[0]["tries"], 1)
        self.assertIn("550", rows[0]["last_error"])
        self.assertIn("Rejected by test server", rows[0]["last_error"])
        self.assertRegex(self.d.log_text(),
                         r"warning: outbox %d: to=<uno@example\.org> msgid=<%s> "
                         r"event=\S+ kind=reminder status=failed \(550 .*Rejected by test server.*\) "
                         r"delay=\d+\.\d\ds tries=1\n" % (rows[0]["id"], re.escape(rows[0]["message_id"])))
        # An hour later (the session starts two hours after the due
        # time): still one attempt only.
        for later in (60, 1800, 3600):
            self.d.set_clock(iso(due + later))
        self.d.wait_idle()
        self.assertEqual(len(self.spool_log()), 1)
        _, out, _ = self.d.ctl("outbox", "--state", "failed")
        self.assertIn(ev["id"], out)
        self.assertIn("failed", out)
        failed = self.d.ctl_json("outbox", "--state", "failed")["messages"]
        self.assertEqual([m["id"] for m in failed], [rows[0]["id"]])
        self.assertIn("550", failed[0]["last_error"])
        _, out, _ = self.d.ctl("outbox", "--state", "sent")
        self.assertNotIn(ev["id"], out)
        # Staff may send it again: one more attempt, failed again.
        _, out, _ = self.d.ctl("outbox", "retry", str(rows[0]["id"]))
        self.assertIn("1 message", out)
        wait_for(lambda: len(self.spool_log()) == 2, what="the retried attempt")
        rows = self.outbox_where(
            lambda m: m and m[0]["state"] == "failed" and m[0]["tries"] == 2 and m,
            "the retried row to fail again")
        self.assertEqual(len(rows), 1)
        # After the session started, a retry is refused by the rules.
        self.d.set_clock(iso(due + 7200))
        self.d.ctl("outbox", "retry", "--failed")
        self.outbox_where(lambda m: m and m[0]["state"] == "expired" and m,
                          "the late retry to expire")
        self.d.wait_idle()
        self.assertEqual(len(self.spool_log()), 2)

    def test_address_relays_refuse_is_refused_up_front(self):
        """An address stored before the grammar refused its form (a
        domain literal, a quoted local part) is not handed to the relay,
        which would fail it for good with a reason naming something else:
        the row fails at once with the address's own reason, and the
        organisation's other address is sent to."""
        self.env()
        one = self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        two = self.osc("Red Dos", ["dos@example.org", "otra@example.org"],
                       ["migracion"])
        # osc add refuses them now; the database may hold them still.
        st, body = self.d.curl("POST", "/v1/oscs", {
            "name": "Red Tres", "emails": ["h@[127.0.0.1]"], "topics": ["migracion"]})
        self.assertEqual(st, 422)
        self.assertIn("address literal", body["error"])
        con = sqlite3.connect(self.d.db())
        con.execute("UPDATE osc_email SET email = 'h@[127.0.0.1]' WHERE osc_id = ?",
                    (one,))
        con.execute("UPDATE osc_email SET email = '\"x\\\"y\"@example.org' "
                    "WHERE osc_id = ? AND email = 'otra@example.org'", (two,))
        con.commit()
        con.close()
        self.d.ctl("osc", "list")
        self.session("Trabajos en migración", "2031-05-20T10:00", ["migracion"], "2h")
        self.d.set_clock("2031-05-20T14:00:00Z")
        rows = self.outbox_where(
            lambda m: len(m) == 2 and all(r["state"] in ("sent", "failed") for r in m) and m,
            "both rows to end")
        by_osc = {r["osc_id"]: r for r in rows}
        self.assertEqual(by_osc[one]["state"], "failed")
        self.assertIn("address literal", by_osc[one]["last_error"])
        self.assertEqual(by_osc[two]["state"], "sent")
        # The relay saw one message, to the good address only.
        log = self.spool_log()
        self.assertEqual(len(log), 1)
        self.assertEqual(log[0]["rcpt_tos"], ["dos@example.org"])
        self.assertIn("not sending to one address", self.d.log_text())

    def test_server_down_then_up_no_busy_loop(self):
        self.env(start_smtpd=False)
        self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        self.session("Trabajos en migración", "2031-05-20T10:00", ["migracion"], "2h")
        due = ts("2031-05-20T14:00:00Z")
        self.d.set_clock(iso(due))
        row = self.outbox_where(
            lambda m: m and m[0]["tries"] == 1 and m[0]["state"] == "pending" and m,
            "the first try to fail")[0]
        self.assertTrue(30 <= ts(row["next_try"]) - due <= 37, row)
        # While down, with the clock before the retry: no attempt, and the
        # daemon sleeps (CPU time, not a polling loop).
        cpu = cpu_seconds(self.d.proc.pid)
        self.d.set_clock(iso(due + 20))
        time.sleep(1.5)  # the window the CPU time is measured over
        self.assertLess(cpu_seconds(self.d.proc.pid) - cpu, 0.3)
        self.d.wait_idle()
        self.assertEqual(self.outbox()[0]["tries"], 1)
        self.assertEqual(self.d.log_text().count("status=deferred"), 1)
        # The server comes back; at the retry the message goes through.
        self.smtpd.start()
        self.d.set_clock(row["next_try"])
        wait_for(lambda: len(self.smtpd.messages()) == 1, what="delivery")
        rows = self.outbox_where(lambda m: m[0]["state"] == "sent" and m,
                                 "the row sent")
        self.assertEqual(rows[0]["tries"], 2)

    def test_kill9_with_1000_in_flight_loses_nothing(self):
        self.env("--delay-rcpt", "0.002",
                 extra="[mail]\nmax_connections = 4\n")
        csv = ["name,email,contact,state,topics"]
        for i in range(1000):
            csv.append("Organización %04d,osc%04d@example.org,,,migracion" % (i, i))
        st, body = self.d.curl("POST", "/v1/oscs/import",
                               {"text": "\n".join(csv) + "\n"})
        self.assertEqual(st, 200, body)
        self.session("Trabajos en migración", "2031-05-20T10:00", ["migracion"], "2h")
        due = ts("2031-05-20T14:00:00Z")
        self.d.set_clock(iso(due))
        wait_for(lambda: len(self.smtpd.messages()) >= 100, timeout=60,
                 what="100 deliveries")
        self.d.kill9()
        delivered_before = len(self.smtpd.messages())
        db = sqlite3.connect(self.d.db())
        states = dict(db.execute(
            "SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        db.close()
        self.assertEqual(sum(states.values()), 1000, states)
        in_flight = states.get("sending", 0)
        self.assertGreater(in_flight, 0, states)
        self.assertLess(delivered_before, 1000, "all sent before the kill")

        self.d.start()
        self.d.set_clock(iso(due + 1))
        self.outbox_where(
            lambda m: len(m) == 1000 and all(x["state"] == "sent" for x in m),
            "every row sent after the restart", timeout=120)
        ids = []
        for path in self.spool_files():
            meta = json.load(open(path[:-4] + ".json", encoding="utf-8"))
            ids.append(meta["message_id"])
        distinct = set(ids)
        self.assertEqual(len(distinct), 1000)
        self.assertLessEqual(len(ids) - len(distinct), in_flight,
                             (len(ids), in_flight))
        self.assertIn("being sent when the daemon stopped", self.d.log_text())

    def test_sigterm_drains_then_restart_sends_the_rest_once(self):
        self.env("--delay-rcpt", "0.002",
                 extra="[mail]\nmax_connections = 4\n")
        csv = ["name,email,contact,state,topics"]
        for i in range(500):
            csv.append("Organización %04d,osc%04d@example.org,,,migracion" % (i, i))
        st, body = self.d.curl("POST", "/v1/oscs/import",
                               {"text": "\n".join(csv) + "\n"})
        self.assertEqual(st, 200, body)
        self.session("Trabajos en migración", "2031-05-20T10:00", ["migracion"], "2h")
        due = ts("2031-05-20T14:00:00Z")
        self.d.set_clock(iso(due))
        wait_for(lambda: len(self.smtpd.messages()) >= 50, timeout=60,
                 what="50 deliveries")
        t0 = time.monotonic()
        self.assertEqual(self.d.stop(), 0, self.d.log_text()[-3000:])
        # Messages in flight get a few seconds, no more.
        self.assertLess(time.monotonic() - t0, 10)
        db = sqlite3.connect(self.d.db())
        states = dict(db.execute(
            "SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        db.close()
        # A clean stop leaves nothing "sending": every outcome is written.
        self.assertNotIn("sending", states)
        self.assertEqual(states.get("sent", 0), len(self.smtpd.messages()))
        self.d.start()
        self.d.set_clock(iso(due + 1))
        self.outbox_where(
            lambda m: len(m) == 500 and all(x["state"] == "sent" for x in m),
            "every row sent after the restart", timeout=120)
        ids = [json.load(open(p[:-4] + ".json", encoding="utf-8"))["message_id"]
               for p in self.spool_files()]
        self.assertEqual(len(ids), 500)
        self.assertEqual(len(set(ids)), 500)

    def test_password_file_readable_by_others_is_refused(self):
        pw = os.path.join(self.tmp, "smtp.password")
        with open(pw, "w") as f:
            f.write("s3cret-password\n")
        os.chmod(pw, 0o644)
        d = self.new_daemon(
            smtp_url="smtp://127.0.0.1:%d" % free_port(),
            extra_config="username = agenda\npassword_file = %s\n" % pw)
        d.start(wait=False)
        self.assertNotEqual(d.proc.wait(20), 0)
        d.log.close()
        log = d.log_text()
        self.assertIn("password_file", log)
        self.assertIn("chmod 600", log)
        self.assertNotIn("s3cret", log)
        # Mode 0600: it starts, and the password never reaches the log.
        os.chmod(pw, 0o600)
        d.start()
        self.assertEqual(d.stop(), 0)
        self.assertNotIn("s3cret", d.log_text())

    def test_title_with_crlf_cannot_add_a_header(self):
        self.env()
        st, body = self.d.curl("POST", "/v1/events", {
            "title": "Reunión\r\nBcc: intruso@example.com",
            "start": "2031-05-20T10:00", "topics": ["migracion"]})
        self.assertEqual(st, 422, body)
        ev = self.session("Reunión legítima", "2031-05-20T10:00", ["migracion"], "2h")
        st, body = self.d.curl("PATCH", "/v1/events/" + ev["id"],
                               {"title": "Otra\nBcc: intruso@example.com"})
        self.assertEqual(st, 422, body)
        # An organisation's name with CR/LF is refused, or harmless.
        st, body = self.d.curl("POST", "/v1/oscs", {
            "name": "Red\r\nBcc: intruso@example.com",
            "emails": ["uno@example.org"], "topics": ["migracion"]})
        if st != 201:
            self.assertIn(st, (400, 422), body)
            self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        self.d.set_clock("2031-05-20T14:00:00Z")
        wait_for(lambda: len(self.smtpd.messages()) == 1, what="the message")
        path = self.spool_files()[0]
        check_message(path)
        msg = parse(path)
        self.assertIsNone(msg["Bcc"])
        meta = json.load(open(path[:-4] + ".json", encoding="utf-8"))
        self.assertEqual(meta["rcpt_tos"], ["uno@example.org"])
        self.assertNotIn(b"\nBcc:", open(path, "rb").read())

    def test_zones_reminded_at_the_right_utc_instants(self):
        self.env()
        self.osc("Red Uno", ["uno@example.org"], ["cambio-climatico"])
        kat = self.session("COP en Katowice", "2031-12-03T10:00", ["cambio-climatico"],
                           "2h", tz="Europe/Warsaw",
                           location="Spodek, Katowice, Polonia")
        mex = self.session("Reunión en la Ciudad de México", "2031-07-10T10:00",
                           ["cambio-climatico"], "2h")
        self.assertEqual(kat["start_utc"], "2031-12-03T09:00:00Z")  # CET
        self.assertEqual(mex["start_utc"], "2031-07-10T16:00:00Z")  # no DST
        st, up = self.d.curl("GET", "/v1/upcoming?days=400")
        dues = {r["event"]: r["due"] for r in up["reminders"]}
        self.assertEqual(dues[kat["id"]], "2031-12-03T07:00:00Z")
        self.assertEqual(dues[mex["id"]], "2031-07-10T14:00:00Z")
        for ev, due, tzid in ((mex, "2031-07-10T14:00:00Z", "America/Mexico_City"),
                              (kat, "2031-12-03T07:00:00Z", "Europe/Warsaw")):
            before = len(self.smtpd.messages())
            self.d.set_clock(iso(ts(due) - 1))
            self.d.wait_idle()
            self.assertEqual(len(self.smtpd.messages()), before)
            self.d.set_clock(due)
            wait_for(lambda: len(self.smtpd.messages()) == before + 1,
                     what="the reminder of %s" % ev["id"])
            path = self.spool_files()[-1]
            summary = check_message(path)
            self.assertEqual(summary["uid"], ev["uid"])
            msg = parse(path)
            cal = [p for p in msg.walk()
                   if p.get_content_type() == "text/calendar"][0].get_content()
            local = ev["start"].replace("-", "") + "T100000"
            self.assertIn("DTSTART;TZID=%s:%s" % (tzid, local), cal)
            self.assertIn("TZID:%s" % tzid, cal)
            self.assertEqual(
                int(email.utils.parsedate_to_datetime(msg["Date"]).timestamp()),
                ts(due))
            if ev is kat:
                self.assertIn("Katowice", summary["text"])

    def test_maildir_without_smtp_url(self):
        self.env(smtp=False)
        self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        self.session("Trabajos en migración", "2031-05-20T10:00", ["migracion"], "2h")
        self.d.set_clock("2031-05-20T14:00:00Z")
        new = os.path.join(self.d.state, "maildir", "new")
        files = wait_for(lambda: os.path.isdir(new) and os.listdir(new),
                         what="a file in the maildir")
        self.assertEqual(len(files), 1)
        summary = check_message(os.path.join(new, files[0]))
        self.assertEqual(summary["to"], ["uno@example.org"])
        self.outbox_where(lambda m: m and m[0]["state"] == "sent", "the row sent")
        self.assertEqual(os.listdir(os.path.join(self.d.state, "maildir", "tmp")), [])

    def test_templates_are_read_at_start_and_on_sighup_only(self):
        tpl = os.path.join(self.tmp, "templates")
        os.makedirs(tpl)
        path = os.path.join(tpl, "recordatorio.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("Primera versión: {{titulo}}\n")
        self.env(smtp=False, extra="template_dir = %s\n" % tpl)
        self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        new = os.path.join(self.d.state, "maildir", "new")

        def send(day):
            self.session("Sesión %d" % day, "2031-05-%02dT10:00" % day,
                         ["migracion"], "2h")
            self.d.set_clock("2031-05-%02dT14:00:00Z" % day)
            self.outbox_where(
                lambda m: m and all(r["state"] == "sent" for r in m)
                and len(m) == day - 19, "the reminder of day %d sent" % day)
            texts = [check_message(os.path.join(new, n))["text"]
                     for n in os.listdir(new)]
            mine = [t for t in texts if "Sesión %d" % day in t]
            self.assertEqual(len(mine), 1, texts)
            return mine[0]

        self.assertIn("Primera versión: Sesión 20", send(20))
        # Edited on disk: nothing changes until the daemon is told.
        with open(path, "w", encoding="utf-8") as f:
            f.write("Segunda versión: {{titulo}}\n")
        self.assertIn("Primera versión: Sesión 21", send(21))
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "SIGHUP: re-read" in self.d.log_text(),
                 what="the reload")
        self.assertIn("Segunda versión: Sesión 22", send(22))


if __name__ == "__main__":
    unittest.main()
