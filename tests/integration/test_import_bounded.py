"""Imports are bounded: a file is read off the event loop within [import]
timeout and max_memory, the daemon answering meanwhile; a VTIMEZONE whose
rule would expand without end is refused at once, naming its line; zones
named the Windows way are tzdata's."""
import json
import os
import subprocess
import time

from harness import CRONOCTL, DaemonTest

# The reproducer of issue 13: libical expanded this zone without end
# (100 % CPU, memory growing), even for a dry run.
HOSTILE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//hostil//EN
BEGIN:VTIMEZONE
TZID:Hostil
BEGIN:STANDARD
DTSTART:16010101T000000
RRULE:FREQ=SECONDLY
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:hostil@example.net
DTSTAMP:20180101T000000Z
DTSTART;TZID=Hostil:20180301T100000
SUMMARY:Sesión
CATEGORIES:Agenda 2030
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")

OUTLOOK = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:Central Standard Time (Mexico)
BEGIN:STANDARD
DTSTART:16011028T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010401T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000@outlook.example
DTSTAMP:20180101T000000Z
DTSTART;TZID="Central Standard Time (Mexico)":20180605T100000
DTEND;TZID="Central Standard Time (Mexico)":20180605T120000
SUMMARY:Reunión con Outlook
CATEGORIES:Agenda 2030
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


def big_ics(n):
    """A VCALENDAR of n sessions in tzdata's Mexico City zone."""
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//grande//EN"]
    for i in range(n):
        out += ["BEGIN:VEVENT", "UID:grande-%d@example.net" % i,
                "DTSTAMP:20180101T000000Z",
                "DTSTART;TZID=America/Mexico_City:2018%02d%02dT100000"
                % (1 + i % 12, 1 + i % 28),
                "SUMMARY:Sesión número %d del programa grande" % i,
                "DESCRIPTION:" + "Una descripción de la sesión. " * 4,
                "CATEGORIES:Agenda 2030", "END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


class BoundedImportTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.d.import_2018()

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_secondly_vtimezone_is_refused_at_once(self):
        path = self.write("hostil.ics", HOSTILE)
        before = self.d.ctl_json("status")["counts"]["events"]
        for dry in ([], ["--dry-run"]):
            t0 = time.monotonic()
            rc, out, err = self.d.ctl("import", path, *dry, check=False)
            secs = time.monotonic() - t0
            self.assertNotEqual(rc, 0)
            self.assertIn("line 8", out + err)
            self.assertIn("every second", out + err)
            self.assertLess(secs, 2.0)
            # The daemon answers, and nothing changed.
            self.assertEqual(self.d.ctl_json("status")["counts"]["events"], before)

    def test_windows_zone_is_tzdata(self):
        path = self.write("outlook.ics", OUTLOOK)
        report = self.d.ctl_json("import", path)
        self.assertTrue(report["ok"], report)
        ev = self.d.ctl_json("show", "040000008200E00074C5B7101A82E00800000000@outlook.example")
        self.assertEqual(ev["tz"], "America/Mexico_City")
        # In June 2018 Mexico City kept summer time (UTC-5), as tzdata's
        # history says: 10:00 there is 15:00 UTC.
        self.assertEqual(ev["start"], "2018-06-05")
        self.assertEqual(ev["start_time"], "10:00")
        self.assertEqual(ev["start_utc"], "2018-06-05T15:00:00Z")

    def test_memory_budget_refuses(self):
        self.d.stop()
        with open(self.d.conf, "a") as f:
            f.write("[import]\nmax_memory = 16\n")
        self.d.start()
        path = self.write("grande.ics", big_ics(8000))
        before = self.d.ctl_json("status")["counts"]["events"]
        rc, out, err = self.d.ctl("import", path, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("needs more than 16 MB", out + err)
        self.assertIn("max_memory", out + err)
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], before)
        self.assertIn("refused", self.d.log_text())

    def test_daemon_answers_while_a_file_is_read(self):
        path = self.write("grande.ics", big_ics(20000))
        with open(os.path.join(self.tmp, "out"), "w+") as out:
            p = subprocess.Popen([CRONOCTL, "--socket", self.d.socket, "--json",
                                  "import", path, "--dry-run"],
                                 stdout=out, stderr=subprocess.STDOUT)
            answered_meanwhile = busy = 0
            while p.poll() is None:
                rc, _, _ = self.d.ctl("status", check=False)
                if rc == 0 and p.poll() is None:
                    answered_meanwhile += 1
                # A second import while the file is read is told to
                # come back (once its reading is over, it is read and
                # refused for its zone).
                if not busy and p.poll() is None:
                    st, body = self.d.curl("POST", "/v1/import",
                                           {"format": "ics", "text": HOSTILE})
                    self.assertIn(st, (503, 422), body)
                    if st == 503:
                        self.assertIn("another import", body["error"])
                    busy = 1
            self.assertEqual(p.wait(), 0)
            out.seek(0)
            report = json.loads(out.read())
        self.assertEqual(report["summary"]["create"], 20000)
        self.assertGreater(answered_meanwhile, 0)
        self.assertIn("import grande.ics (dry run): 20000 sessions: 20000 created",
                      self.d.log_text())
