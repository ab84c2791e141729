"""Rescheduling end to end: fixing an undecided session, moving and
cancelling sessions, and who is told. A real cronogramad with its test
clock and the 2018 programme, a real SMTP server (tests/smtpd.py), every
message judged by tests/check_message.py (email + icalendar), feeds read
over HTTP.

The clock is set by the tests, never waited for. A notice waits [notices]
quiet (10 min by default) after a session's last edit.
"""
import datetime
import email
import email.policy
import email.utils
import http.client
import json
import os
import subprocess
import tempfile

from icalendar import Calendar

from harness import DaemonTest, Smtpd, ROOT, PYTHON, wait_for

CHECK = os.path.join(ROOT, "tests", "check_message.py")
QUIET = 600
T0 = "2018-02-01T18:00:00Z"  # Thursday, 12:00 in Mexico City


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def check_message(path, calendar=True):
    args = [PYTHON, CHECK, path] + ([] if calendar else ["--no-calendar"])
    p = subprocess.run(args, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(p.stderr.decode())
    return json.loads(p.stdout)


def parse(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def calendar_of(path):
    msg = parse(path)
    part = [p for p in msg.walk()
            if p.get_content_type() == "text/calendar"][0]
    return Calendar.from_ical(part.get_content()), part


class RescheduleTest(DaemonTest):
    """Each test starts its SMTP server and daemon (self.env)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.smtpd = None
        self.seen = 0

    def env(self, extra="", clock=T0, http=False):
        self.smtpd = Smtpd(self.tmp).start()
        self.d = self.new_daemon(smtp_url=self.smtpd.url(), http=http,
                                 extra_config=extra).start()
        self.d.set_clock(clock)
        self.d.import_2018()
        return self.d

    # ---- helpers ----

    def event(self, short_id):
        st, body = self.d.curl("GET", "/v1/events/" + short_id)
        self.assertEqual(st, 200, body)
        return body

    def outbox(self, **q):
        query = "&".join("%s=%s" % kv for kv in q.items())
        st, body = self.d.curl("GET", "/v1/outbox" + ("?" + query if query else ""))
        self.assertEqual(st, 200, body)
        return body["messages"]

    def advance(self, seconds):
        st, body = self.d.curl("POST", "/v1/clock", {"advance_s": seconds})
        self.assertEqual(st, 200, body)
        return ts(body["now"])

    def now(self):
        st, body = self.d.curl("GET", "/v1/status")
        return ts(body["now"])

    def files(self):
        return [os.path.join(self.smtpd.spool, f) for f in self.smtpd.messages()]

    def new_messages(self, count, what, calendar=True):
        """Wait for exactly count more messages; (paths, summaries)."""
        want = self.seen + count
        if count:
            wait_for(lambda: len(self.smtpd.messages()) >= want, what=what)
        self.d.wait_idle()  # then nothing more may arrive
        paths = self.files()
        self.assertEqual(len(paths), want, "%s: %d messages, not %d"
                         % (what, len(paths) - self.seen, count))
        new = paths[self.seen:]
        self.seen = want
        return new, [check_message(p, calendar) for p in new]

    def rcpt(self, path):
        with open(path[:-4] + ".json", encoding="utf-8") as f:
            return json.load(f)["rcpt_tos"]

    def reschedule(self, *args):
        return self.d.ctl_json("reschedule", *args)

    def two_migration_oscs(self):
        a = self.osc("Sin Fronteras", ["avisos@sinfronteras.example.org"],
                     ["migracion"])
        b = self.osc("Red de Migrantes", ["red@migrantes.example.net",
                                          "coordinacion@migrantes.example.net"],
                     ["migracion", "agenda-2030"])
        self.osc("Colectivo Clima", ["clima@example.net"], ["cambio-climatico"])
        return a, b

    # ---- tests ----

    def test_tbd_lists_undecided_sessions_by_window(self):
        self.env()
        st, body = self.d.curl("GET", "/v1/tbd")
        self.assertEqual(st, 200, body)
        evs = body["events"]
        ids = [e["id"] for e in evs]
        self.assertIn("2018-40", ids)
        self.assertIn("2018-52", ids)
        self.assertNotIn("2018-42", ids)  # dated
        starts = [e["window_start"] for e in evs]
        self.assertEqual(starts, sorted(starts))
        e40 = [e for e in evs if e["id"] == "2018-40"][0]
        self.assertEqual(e40["window_start"], "2018-01-01")
        self.assertEqual(e40["days_to_window"], -31)  # open since Jan 1
        e52 = [e for e in evs if e["id"] == "2018-52"][0]
        self.assertEqual(e52["days_to_window"], (datetime.date(2018, 11, 1) -
                                                 datetime.date(2018, 2, 1)).days)
        _, out, _ = self.d.ctl("tbd")
        self.assertIn("2018-52", out)
        self.assertIn("in 273 days", out)

    def test_fixing_undecided_sends_one_dated_notice_and_plans_reminders(self):
        self.env(http=True)
        self.two_migration_oscs()
        before = self.event("2018-40")
        self.assertEqual(before["kind"], "tbd")

        # Dry run: who would be told and which reminders, nothing changed.
        dry = self.reschedule("2018-40", "15 de marzo de 2018", "--dry-run")
        self.assertTrue(dry["dry_run"])
        self.assertEqual(dry["event"]["start"], "2018-03-15")
        self.assertEqual(dry["event"]["sequence"], before["sequence"] + 1)
        self.assertEqual(sorted(n["osc"] for n in dry["notices"]),
                         ["Red de Migrantes", "Sin Fronteras"])
        self.assertEqual({n["kind"] for n in dry["notices"]}, {"update"})
        self.assertEqual({n["notice"] for n in dry["notices"]}, {"dated"})
        # All day: 09:00 office time, 7 days and 1 day before (2 h before
        # falls on the same morning as 1 day before).
        self.assertEqual([(r["due"], r["offset_s"]) for r in dry["reminders"]],
                         [("2018-03-08T15:00:00Z", 604800),
                          ("2018-03-14T15:00:00Z", 86400)])
        self.assertEqual(self.event("2018-40")["ical"], before["ical"])
        self.d.wait_idle()
        self.assertEqual(self.outbox(), [])
        st, up = self.d.curl("GET", "/v1/upcoming?days=90")
        self.assertNotIn("2018-40", [r["event"] for r in up["reminders"]])
        self.assertNotIn("event.reschedule",
                         [e["action"] for e in self.d.ctl_json(
                             "log", "--event", "2018-40")["entries"]])
        _, out, _ = self.d.ctl("reschedule", "2018-40", "15 de marzo de 2018",
                               "--dry-run")
        self.assertIn("dry run: nothing changed", out)

        # For real: the date, SEQUENCE + 1, the reminders planned.
        t = self.now()
        res = self.reschedule("2018-40", "15", "de", "marzo", "de", "2018")
        self.assertFalse(res["dry_run"])
        ev = res["event"]
        self.assertEqual((ev["kind"], ev["status"], ev["start"], ev["words"]),
                         ("date", "CONFIRMED", "2018-03-15", "15 de marzo de 2018"))
        self.assertEqual(ev["sequence"], before["sequence"] + 1)
        self.assertEqual({n["due"] for n in res["notices"]}, {iso(t + QUIET)})
        self.assertEqual(res["reminders"], dry["reminders"])
        st, up = self.d.curl("GET", "/v1/upcoming?days=90")
        mine = [(r["due"], r["offset_s"]) for r in up["reminders"]
                if r["event"] == "2018-40"]
        self.assertEqual(mine, [(r["due"], r["offset_s"]) for r in res["reminders"]])

        # The feed shows the new date and SEQUENCE at once.
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port, timeout=10)
        c.request("GET", "/calendarios/migracion.ics")
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        cal = Calendar.from_ical(r.read())
        c.close()
        vev = [v for v in cal.walk("VEVENT")
               if str(v["UID"]) == "2018-40@example.org"][0]
        self.assertEqual(vev["DTSTART"].to_ical().decode(), "20180315")
        self.assertEqual(int(vev["SEQUENCE"]), ev["sequence"])

        # Nothing before the quiet period is over; then one notice each.
        self.d.set_clock(iso(t + QUIET - 1))
        self.new_messages(0, "nothing during the quiet period")
        self.d.set_clock(iso(t + QUIET))
        paths, sums = self.new_messages(2, "the two notices")
        for p, s in zip(paths, sums):
            self.assertTrue(s["subject"].startswith("Ya tiene fecha: Trabajos"),
                            s["subject"])
            self.assertTrue(s["subject"].endswith(" — 15 de marzo"), s["subject"])
            self.assertEqual(s["method"], "PUBLISH")
            self.assertEqual(s["uid"], "2018-40@example.org")
            self.assertEqual(s["sequence"], ev["sequence"])
            self.assertEqual(s["dtstart"], "20180315")
            self.assertRegex(s["message_id"], r"^<u\.[0-9a-f]{32}@example\.org>$")
            self.assertIn("ya tiene fecha", s["text"])
        self.assertEqual(sorted(tuple(self.rcpt(p)) for p in paths),
                         [("avisos@sinfronteras.example.org",),
                          ("red@migrantes.example.net",
                           "coordinacion@migrantes.example.net")])
        rows = self.outbox(event="2018-40")
        self.assertEqual([(m["kind"], m["state"]) for m in rows],
                         [("update", "sent")] * 2)
        # Later, the reminders of the new date follow.
        self.d.set_clock("2018-03-08T15:00:00Z")
        paths, sums = self.new_messages(2, "the 7-day reminders")
        for s in sums:
            self.assertTrue(s["subject"].startswith("Recordatorio: "), s)
            self.assertEqual(s["sequence"], ev["sequence"])

    def test_two_moves_within_quiet_send_one_notice_with_final_date(self):
        self.env()
        self.osc("Observatorio OEA", ["obs@oea-osc.example.org"], ["asamblea-oea"])
        before = self.event("2018-42")  # 4 y 5 de junio
        t = self.now()
        self.reschedule("2018-42", "12 de junio")
        self.advance(300)
        self.reschedule("2018-42", "2018-06-19")
        t2 = self.now()
        self.assertEqual(t2, t + 300)
        self.d.set_clock(iso(t + QUIET))  # quiet after the first edit only
        self.new_messages(0, "no notice while edits go on")
        self.d.set_clock(iso(t2 + QUIET))
        paths, sums = self.new_messages(1, "one notice")
        s = sums[0]
        self.assertTrue(s["subject"].startswith("Cambio de fecha: XLVIII"),
                        s["subject"])
        self.assertEqual(s["method"], "PUBLISH")
        self.assertEqual(s["sequence"], before["sequence"] + 2)
        self.assertEqual(s["dtstart"], "20180619")
        text = parse(paths[0]).get_body(("plain",)).get_content()
        self.assertIn("Nueva fecha: martes 19 de junio de 2018", text)
        self.assertIn("Fecha anterior: del lunes 4 al martes 5 de junio de 2018",
                      text)
        self.assertNotIn("12 de junio", text)

        # Moved and moved back within the quiet period: nothing to say.
        t = self.now()
        self.reschedule("2018-42", "26 de junio")
        self.reschedule("2018-42", "2018-06-19")
        self.d.set_clock(iso(t + QUIET + 1))
        self.new_messages(0, "nothing after moving back")
        self.assertEqual(len(self.outbox(event="2018-42")), 1)

        # Reminders follow the new date only (summer time: 09:00 is 14:00Z).
        self.d.set_clock("2018-05-28T14:00:00Z")  # 7 days before 4 June
        self.new_messages(0, "no reminder of the old date")
        self.d.set_clock("2018-06-12T14:00:00Z")  # 7 days before 19 June
        _, sums = self.new_messages(1, "the reminder of the new date")
        self.assertTrue(sums[0]["subject"].startswith("Recordatorio: XLVIII"))
        self.assertTrue(sums[0]["subject"].endswith(" — 19 de junio"),
                        sums[0]["subject"])
        self.assertEqual(sums[0]["sequence"], before["sequence"] + 4)

    def test_now_sends_at_once_and_silent_sends_none(self):
        self.env()
        self.two_migration_oscs()
        res = self.reschedule("2018-41", "20 de abril", "--now")
        self.assertEqual({n["due"] for n in res["notices"]}, {iso(self.now())})
        _, sums = self.new_messages(2, "the notices sent at once")
        self.assertEqual({s["subject"].split(":")[0] for s in sums},
                         {"Ya tiene fecha"})

        _, out, _ = self.d.ctl("reschedule", "2018-46", "3 de septiembre",
                               "--silent")
        self.assertIn("nobody told", out)
        self.assertEqual(self.event("2018-46")["start"], "2018-09-03")
        self.advance(3 * QUIET)
        self.new_messages(0, "no notice when silent")
        self.assertEqual(self.outbox(event="2018-46"), [])
        log = self.d.ctl_json("log", "--event", "2018-46")["entries"]
        self.assertEqual(log[0]["action"], "event.reschedule.silent")
        self.assertEqual(log[0]["after"]["start"], "2018-09-03")
        _, out, _ = self.d.ctl("log", "--event", "2018-46")
        self.assertIn("silent", out)
        # --now and --silent together make no sense.
        st, body = self.d.curl("POST", "/v1/events/2018-46/reschedule",
                               {"when": "4 de septiembre", "now": True,
                                "silent": True})
        self.assertEqual(st, 400, body)

    def test_cancel_goes_only_to_organisations_told_before(self):
        self.env()
        told = self.osc("Sin Fronteras", ["avisos@sinfronteras.example.org"],
                        ["migracion"])
        ev = self.event("2018-47")  # 22 de agosto, migracion
        self.assertEqual(ev["start"], "2018-08-22")
        # The 7-day reminder goes to the one organisation following.
        self.d.set_clock("2018-08-15T15:00:00Z")
        _, sums = self.new_messages(1, "the 7-day reminder")
        self.assertEqual(sums[0]["sequence"], ev["sequence"])
        # A move told at once: SEQUENCE + 1.
        self.reschedule("2018-47", "23 de agosto", "--now")
        _, sums = self.new_messages(1, "the move")
        self.assertTrue(sums[0]["subject"].startswith("Cambio de fecha: "))
        self.assertEqual(sums[0]["sequence"], ev["sequence"] + 1)
        # An organisation that follows the topic from now on was never told.
        late = self.osc("Recién Llegada", ["nueva@example.net"], ["migracion"])
        st, res = self.d.curl("POST", "/v1/events/2018-47/cancel",
                              {"reason": "Se pospone para 2019", "now": True})
        self.assertEqual(st, 200, res)
        self.assertEqual(res["event"]["status"], "CANCELLED")
        self.assertEqual(res["event"]["reason"], "Se pospone para 2019")
        self.assertEqual(res["event"]["sequence"], ev["sequence"] + 2)
        self.assertEqual([(n["osc_id"], n["kind"]) for n in res["notices"]],
                         [(told, "cancel")])
        paths, sums = self.new_messages(1, "the cancellation")
        s = sums[0]
        self.assertEqual(self.rcpt(paths[0]), ["avisos@sinfronteras.example.org"])
        self.assertTrue(s["subject"].startswith("Cancelada: "), s["subject"])
        self.assertEqual(s["method"], "CANCEL")
        self.assertEqual(s["sequence"], ev["sequence"] + 2)
        cal, part = calendar_of(paths[0])
        self.assertEqual(part.get_param("method"), "CANCEL")
        vev = list(cal.walk("VEVENT"))[0]
        self.assertEqual(str(vev["STATUS"]), "CANCELLED")
        self.assertIn("Se pospone para 2019",
                      parse(paths[0]).get_body(("plain",)).get_content())
        self.assertNotIn(late, [m["osc_id"] for m in self.outbox(event="2018-47")])
        # No reminder follows, for the old date or the new one.
        for at in ("2018-08-21T15:00:00Z", "2018-08-22T15:00:00Z",
                   "2018-08-23T15:00:00Z"):
            self.d.set_clock(at)
        self.new_messages(0, "no reminder after the cancellation")
        st, body = self.d.curl("POST", "/v1/events/2018-47/cancel", {})
        self.assertEqual(st, 409, body)

    def test_cancel_waits_for_quiet_and_bothers_no_one_never_told(self):
        self.env()
        self.two_migration_oscs()
        _, out, _ = self.d.ctl("cancel", "2018-52", "--reason", "Sin sede")
        self.assertIn("cancelled", out)
        self.advance(QUIET)
        self.new_messages(0, "nobody told of 2018-52 before")
        self.assertEqual(self.event("2018-52")["status"], "CANCELLED")

    def test_impossible_date_is_refused_and_changes_nothing(self):
        self.env()
        self.two_migration_oscs()
        before = self.event("2018-40")
        rc, out, err = self.d.ctl("reschedule", "2018-40", "31 de junio",
                                  check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("31 de junio", err + out)
        st, body = self.d.curl("POST", "/v1/events/2018-40/reschedule",
                               {"when": "31 de junio"})
        self.assertEqual(st, 422, body)
        self.assertIn("31 de junio", body["error"])
        for when in ("noviembre", "2018-02-30", "primer semestre"):
            st, body = self.d.curl("POST", "/v1/events/2018-40/reschedule",
                                   {"when": when})
            self.assertEqual(st, 422, (when, body))
            self.assertIn(when, body["error"])
        st, body = self.d.curl("POST", "/v1/events/2018-40/reschedule", {})
        self.assertEqual(st, 400, body)
        st, body = self.d.curl("POST", "/v1/events/no-existe/reschedule",
                               {"when": "15 de marzo"})
        self.assertEqual(st, 404, body)
        self.assertEqual(self.event("2018-40")["ical"], before["ical"])
        self.advance(2 * QUIET)
        self.new_messages(0, "nothing after refused changes")
        self.assertEqual(self.outbox(), [])
        actions = [e["action"] for e in self.d.ctl_json(
            "log", "--event", "2018-40")["entries"]]
        self.assertNotIn("event.reschedule", actions)

    def test_place_change_sends_cambio_de_sede(self):
        self.env()
        self.osc("Observatorio OEA", ["obs@oea-osc.example.org"], ["asamblea-oea"])
        before = self.event("2018-42")
        self.d.ctl("edit", "2018-42", "--location",
                   "Cancillería, Ciudad de México, México")
        self.advance(QUIET)
        paths, sums = self.new_messages(1, "the change of place")
        s = sums[0]
        self.assertTrue(s["subject"].startswith("Cambio de sede: XLVIII"),
                        s["subject"])
        self.assertEqual(s["sequence"], before["sequence"] + 1)
        self.assertEqual(s["method"], "PUBLISH")
        text = parse(paths[0]).get_body(("plain",)).get_content()
        self.assertIn("Cancillería", text)
        # A title change alone tells nobody.
        self.d.ctl("edit", "2018-42", "--title", "48 Asamblea General de la OEA")
        self.advance(2 * QUIET)
        self.new_messages(0, "no notice for a new title")

    def test_staff_nudges_and_weekly_digest(self):
        self.env(extra="[staff]\nemails = agenda@sre.example.org, "
                       "jefa@sre.example.org\n",
                 clock="2018-09-30T12:00:00Z")  # Sunday

        def staff_mail(count, what):
            paths, sums = self.new_messages(count, what, calendar=False)
            out = []
            for p, s in zip(paths, sums):
                self.assertIsNone(s["method"])
                self.assertEqual(sorted(self.rcpt(p)),
                                 ["agenda@sre.example.org", "jefa@sre.example.org"])
                date = email.utils.parsedate_to_datetime(parse(p)["Date"])
                out.append((s["subject"], int(date.timestamp()),
                            parse(p).get_body(("plain",)).get_content()))
            return sorted(out)

        # A daemon started on a real Monday morning may send that week's
        # digest before the clock is set: count from here, once it is
        # done.
        self.d.wait_idle()
        self.seen = len([p for p in self.files()
                         if "2018" not in str(parse(p)["Date"])])
        # At the import: 2018-49 opens within 30 days (1 October).
        got = staff_mail(1, "the nudge about 2018-49")
        self.assertEqual(got[0][0], "Por definir: Delegados Juveniles ONU 2018 — "
                                    "la ventana abre el 1 de octubre")
        self.assertIn("(2018-49) sigue sin fecha", got[0][2])
        self.assertIn("en 1 día", got[0][2])
        staff_rows = [m for m in self.outbox() if m["kind"] == "staff"]
        self.assertTrue(staff_rows)
        for m in staff_rows:
            self.assertEqual(m["osc"], "staff")
            self.assertEqual(m["to"], ["agenda@sre.example.org", "jefa@sre.example.org"])

        # Monday 1 October, 08:00 office time (summer time in 2018: UTC-5):
        # the digest, and 2018-49 opens.
        self.d.set_clock("2018-10-01T12:59:59Z")
        staff_mail(0, "nothing before 08:00")
        self.d.set_clock("2018-10-01T13:00:00Z")
        got = staff_mail(2, "the digest and the opening nudge")
        (s1, d1, body1), (s2, d2, body2) = got
        self.assertEqual(s1, "Por definir: Delegados Juveniles ONU 2018 — "
                             "la ventana abre hoy, 1 de octubre")
        self.assertEqual(s2, "Resumen semanal de la agenda — 1 de octubre de 2018")
        self.assertEqual((d1, d2), (ts("2018-10-01T13:00:00Z"),) * 2)
        self.assertIn("Próximas dos semanas", body2)
        self.assertIn("Por definir", body2)
        self.assertIn("(2018-52)", body2)
        self.assertIn("Envíos fallidos", body2)
        st, rows = self.d.curl("GET", "/v1/outbox?state=sent")
        self.assertEqual({m["kind"] for m in rows["messages"]}, {"staff"})

        # 30 days before 1 November, 08:00 (UTC-6 again by then): 2018-51
        # and 2018-52.
        self.d.set_clock("2018-10-02T13:59:59Z")
        staff_mail(0, "nothing before 30 days")
        self.d.set_clock("2018-10-02T14:00:00Z")
        got = staff_mail(2, "the two November nudges")
        for subject, _, _ in got:
            self.assertTrue(subject.endswith("la ventana abre el 1 de noviembre"),
                            subject)
        # Once each: back in time and forward again sends nothing more.
        self.d.set_clock("2018-09-30T12:00:00Z")
        self.d.set_clock("2018-10-02T14:00:01Z")
        staff_mail(0, "no nudge or digest twice")

        # A date fixed (silently) before the window opens: no more nudges
        # for it; the other opens on 1 November.
        self.reschedule("2018-51", "15 de noviembre", "--silent")
        self.d.set_clock("2018-11-01T14:00:00Z")
        got = staff_mail(1, "the opening nudge of 2018-52")
        self.assertIn("abre hoy, 1 de noviembre", got[0][0])
        self.assertIn("XXIII Conferencia Regional", got[0][0])
        # Next Monday's digest.
        self.d.set_clock("2018-11-05T14:00:00Z")
        got = staff_mail(1, "the digest of 5 November")
        self.assertEqual(got[0][0], "Resumen semanal de la agenda — "
                                    "5 de noviembre de 2018")
        self.assertIn("jueves 15 de noviembre de 2018", got[0][2])

    def test_reimport_moving_a_session_sends_cambio_de_fecha(self):
        from harness import PROGRAMME, TOPICS
        self.env()
        a, b = self.two_migration_oscs()
        # Nothing changes: nothing to say.
        self.d.import_2018()
        self.advance(QUIET + 1)
        self.new_messages(0, "no notice after an unchanged import")
        # 2018-10 (migración) moves from 13 to 20 February.
        text = open(PROGRAMME, encoding="utf-8").read()
        moved = text.replace("\t13 de febrero\t\t1.3\t", "\t20 de febrero\t\t1.3\t", 1)
        self.assertNotEqual(text, moved)
        path = os.path.join(self.tmp, "cronograma-2018.tsv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(moved)
        report = self.d.ctl_json("import", path, "--year", "2018", "--topics", TOPICS)
        self.assertEqual([r["n"] for r in report["rows"] if r["action"] == "update"], [10])
        self.new_messages(0, "nothing before the quiet period")
        self.advance(QUIET + 1)
        paths, sums = self.new_messages(2, "one notice to each follower of migración")
        for p, s in zip(paths, sums):
            self.assertTrue(s["subject"].startswith("Cambio de fecha: "), s["subject"])
            self.assertEqual(s["method"], "PUBLISH")
            self.assertEqual(s["sequence"], 1)
        self.assertEqual(sorted(r for p in paths for r in self.rcpt(p)),
                         ["avisos@sinfronteras.example.org",
                          "coordinacion@migrantes.example.net",
                          "red@migrantes.example.net"])

    def test_delete_refuses_a_session_organisations_heard_of(self):
        self.env()
        self.two_migration_oscs()
        self.reschedule("2018-40", "15 de marzo de 2018", "--now")
        self.new_messages(2, "the notices of 2018-40")
        rc, _, err = self.d.ctl("delete", "2018-40", check=False)
        self.assertEqual(rc, 1)
        self.assertIn("2 organisations heard of 2018-40", err)
        self.assertIn("cancel", err)
        self.assertEqual(self.event("2018-40")["start"], "2018-03-15")
        # A session nobody heard of goes at once; --force deletes anyway.
        self.d.ctl("delete", "2018-41")
        self.d.ctl("delete", "2018-40", "--force")
        st, _ = self.d.curl("GET", "/v1/events/2018-40")
        self.assertEqual(st, 404)


if __name__ == "__main__":
    import unittest
    unittest.main()
