"""cronoctl export: valid iCalendar, read back by python3-icalendar, and a
round trip through cronoctl import without loss."""
import re

import icalendar

from harness import DaemonTest

UNDECIDED = {27, 28, 37, 38, 39, 40, 41, 43, 46, 48, 49, 51, 52}


class ExportTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.d.import_2018()
        self.d.ctl("add", "--title", "Sesión informativa, Katowice; COP24",
                   "--start", "2018-12-03T10:00", "--end", "2018-12-03T12:30",
                   "--tz", "Europe/Warsaw", "--location", "Katowice, Polonia",
                   "--topics", "cambio-climatico", "--remind", "3d,1h")
        self.d.ctl("add", "--title", "Reunión en la Ciudad de México", "--start",
                   "2018-06-20T17:00", "--topics", "agenda-2030")

    def export(self, *args):
        p = __import__("subprocess").run(
            [__import__("harness").CRONOCTL, "--socket", self.d.socket, "export"] + list(args),
            capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_export_is_valid_icalendar(self):
        raw = self.export()
        # CRLF only, folded at 75 octets without splitting UTF-8.
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""))
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 75, line)
            line.decode("utf-8")
        cal = icalendar.Calendar.from_ical(raw)
        events = [c for c in cal.walk("VEVENT")]
        self.assertEqual(len(events), 56)
        tzids = {str(c["TZID"]) for c in cal.walk("VTIMEZONE")}
        self.assertEqual(tzids, {"Europe/Warsaw", "America/Mexico_City"})
        for ev in events:
            for prop in ("UID", "DTSTAMP", "DTSTART", "SEQUENCE", "STATUS",
                         "SUMMARY", "CATEGORIES"):
                self.assertIn(prop, ev, (prop, ev.get("UID")))
        by_uid = {str(e["UID"]): e for e in events}
        e8 = by_uid["2018-08@example.org"]
        self.assertEqual(e8["DTSTART"].params.get("VALUE"), "DATE")
        self.assertEqual(str(e8["DTSTART"].dt), "2018-02-08")
        self.assertEqual(str(e8["DTEND"].dt), "2018-02-09")  # exclusive
        e53 = by_uid["2018-53@example.org"]
        self.assertEqual(str(e53["DTEND"].dt), "2018-12-15")
        for n in UNDECIDED:
            e = by_uid["2018-%02d@example.org" % n]
            self.assertEqual(str(e["STATUS"]), "TENTATIVE", n)
            self.assertIn("X-CRONOGRAMA-WINDOW-START", e)
            self.assertIn("X-CRONOGRAMA-WORDS", e)
        e40 = by_uid["2018-40@example.org"]
        self.assertEqual(str(e40["DTSTART"].dt), "2018-01-01")
        self.assertEqual(str(e40["DTEND"].dt), "2018-07-01")
        self.assertEqual(str(e40["X-CRONOGRAMA-WORDS"]),
                         "primer semestre de 2018 (fecha por definir)")
        kat = [e for e in events if "Katowice" in str(e["SUMMARY"])][0]
        self.assertEqual(str(kat["SUMMARY"]), "Sesión informativa, Katowice; COP24")
        self.assertEqual(kat["DTSTART"].dt.utcoffset().total_seconds(), 3600)
        self.assertEqual(len(kat.walk("VALARM")), 2)
        # Text escaping on the wire.
        self.assertIn(b"SUMMARY:Sesi\xc3\xb3n informativa\\, Katowice\\; COP24", raw)

    def test_export_topic(self):
        cal = icalendar.Calendar.from_ical(self.export("--topic", "migracion"))
        uids = sorted(str(e["UID"]) for e in cal.walk("VEVENT"))
        self.assertEqual(uids, ["2018-%02d@example.org" % n
                                for n in (10, 22, 40, 41, 46, 47, 52, 54)])
        for e in cal.walk("VEVENT"):
            self.assertIn("Migración internacional", e["CATEGORIES"].to_ical().decode())

    def test_round_trip_without_loss(self):
        first = self.export()
        other = self.new_daemon().start()
        # Another day on the other daemon: what the file says (CREATED,
        # LAST-MODIFIED, SEQUENCE) must win over the importer's clock.
        other.set_clock("2031-05-05T12:00:00Z")
        other.ctl("topics", "import", __import__("harness").TOPICS)
        path = self.tmp + "/export.ics"
        with open(path, "wb") as f:
            f.write(first)
        report = other.ctl_json("import", path)
        self.assertTrue(report["ok"], report["errors"])
        self.assertEqual(report["summary"]["create"], 56)
        again = self.export_from(other)
        strip = lambda b: re.sub(rb"DTSTAMP:[0-9TZ]+\r\n", b"", b)
        self.assertEqual(strip(again), strip(first))
        # Importing the export into the first daemon changes nothing.
        report = self.d.ctl_json("import", path)
        self.assertEqual(report["summary"]["unchanged"], 56, report)

    def export_from(self, d):
        import subprocess
        from harness import CRONOCTL
        p = subprocess.run([CRONOCTL, "--socket", d.socket, "export"],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        return p.stdout
