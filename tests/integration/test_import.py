"""Importing the 2018 programme through the daemon, as a user would."""
import csv
import json
import os
import sqlite3

from harness import DaemonTest, PROGRAMME, TOPICS, ROOT

INTERP = os.path.join(ROOT, "tests", "data", "interpretacion-2018.tsv")


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def db_snapshot(d):
    """Every session's row, to prove a refused import changed nothing."""
    con = sqlite3.connect(d.db())
    try:
        return con.execute("SELECT uid, seq, ical FROM event ORDER BY uid").fetchall()
    finally:
        con.close()


def set_field(data, line, col, value):
    """data with field col of line (0-based, header is line 0) replaced."""
    lines = data.split(b"\n")
    fields = lines[line].split(b"\t")
    fields[col] = value
    lines[line] = b"\t".join(fields)
    return b"\n".join(lines)


class ImportTest(DaemonTest):

    def test_import_2018_matches_interpretation(self):
        report = self.d.import_2018()
        self.assertTrue(report["ok"], report["errors"])
        rows = report["rows"]
        self.assertEqual(len(rows), 54)
        expected = {int(r["n"]): r for r in read_tsv(INTERP)}
        for row in rows:
            exp = expected[row["n"]]
            self.assertEqual(row["kind"], exp["kind"], row)
            self.assertEqual(row["uid"], "2018-%02d@example.org" % row["n"])
            self.assertEqual(row["action"], "create")
            if exp["kind"] in ("date", "range"):
                self.assertEqual(row["start"], exp["start"], row)
                self.assertEqual(row["end"], exp["end"], row)
                self.assertIsNone(row["window_start"])
            else:
                self.assertIsNone(row["start"])
                self.assertIsNone(row["end"])
                self.assertEqual(row["window_start"], exp["tbd_window_start"], row)
                self.assertEqual(row["window_end"], exp["tbd_window_end"], row)
        self.assertEqual(rows[48]["duration_days"], 21)
        # Row 34 says "de 2017": imported as written, with a warning.
        r34 = rows[33]
        self.assertEqual(r34["start"], "2017-04-16")
        self.assertTrue(any("row 34" in w and "2017" in w for w in r34["warnings"]),
                        r34["warnings"])
        warned = [r["n"] for r in rows if r["warnings"]]
        self.assertEqual(warned, [34])
        self.assertEqual(rows[0]["topics"], ["mecanismos-de-participacion"])
        status = self.d.ctl_json("status")
        self.assertEqual(status["counts"]["events"], 54)
        self.assertEqual(status["counts"]["tbd"], 13)
        self.assertEqual(status["counts"]["topics"], 33)

    def test_reimport_is_unchanged_and_one_row_edit_updates_one(self):
        self.d.import_2018()
        again = self.d.import_2018()
        self.assertEqual({r["action"] for r in again["rows"]}, {"unchanged"})
        self.assertEqual(again["summary"], {"create": 0, "update": 0, "unchanged": 54})
        text = open(PROGRAMME, encoding="utf-8").read()
        changed = text.replace("8 de febrero\t", "15 de febrero\t", 1)
        self.assertNotEqual(text, changed)
        path = os.path.join(self.tmp, "cronograma-2018.tsv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(changed)
        report = self.d.ctl_json("import", path, "--year", "2018", "--topics", TOPICS)
        updated = [r for r in report["rows"] if r["action"] == "update"]
        self.assertEqual([r["n"] for r in updated], [8])
        self.assertEqual(updated[0]["start"], "2018-02-15")
        ev = self.d.ctl_json("show", "2018-08")
        self.assertEqual(ev["sequence"], 1)
        self.assertEqual(self.d.ctl_json("show", "2018-09")["sequence"], 0)

    def test_dry_run_changes_nothing(self):
        report = self.d.ctl_json("import", PROGRAMME, "--year", "2018",
                                 "--topics", TOPICS, "--dry-run")
        self.assertTrue(report["ok"])
        self.assertEqual(len(report["rows"]), 54)
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], 0)

    def test_human_output_summary(self):
        rc, out, err = self.d.ctl("import", PROGRAMME, "--year", "2018", "--topics", TOPICS)
        self.assertEqual(rc, 0)
        self.assertIn("54", out)
        self.assertIn("row 34", out + err)

    def bad_import(self, mutate, needle, binary=False):
        """Import a broken copy of the programme: refused, nothing changed."""
        self.d.import_2018()
        before = db_snapshot(self.d)
        data = open(PROGRAMME, "rb").read()
        data = mutate(data)
        path = os.path.join(self.tmp, "bad.tsv")
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = self.d.ctl("--json", "import", path, "--year", "2018", check=False)
        self.assertNotEqual(rc, 0)
        report = json.loads(out) if out.strip().startswith("{") else None
        text = out + err
        self.assertIn(needle, text)
        if report is not None:
            self.assertFalse(report["ok"])
            self.assertTrue(report["errors"])
        self.assertEqual(db_snapshot(self.d), before)
        return text

    def test_bad_impossible_date(self):
        t = self.bad_import(lambda b: b.replace(b"8 de febrero\t", b"31 de junio\t", 1),
                            "31 de junio")
        self.assertIn("line 9", t)

    def test_bad_unknown_month(self):
        self.bad_import(lambda b: b.replace(b"19\tMARZO", b"19\tMARZ0", 1),
                        "unknown month 'MARZ0'")

    def test_bad_empty_title(self):
        t = self.bad_import(lambda b: set_field(b, 8, 2, b""), "empty title")
        self.assertIn("line 9", t)

    def test_bad_column_count(self):
        self.bad_import(lambda b: b.replace(b"9 de febrero\t", b"9 de febrero\t\t", 1),
                        "columns")

    def test_bad_unknown_topic(self):
        self.bad_import(lambda b: set_field(b, 8, 5, b"9.9"), "unknown topic '9.9'")

    def test_bad_invalid_utf8(self):
        self.bad_import(lambda b: b.replace(b"Cambio Clim", b"Cambio \xff\xfeClim", 1),
                        "UTF-8")
        # The daemon checks too, for clients other than cronoctl.
        st, body = self.d.curl("POST", "/v1/import",
                               b'{"format": "ics", "text": "BEGIN:VCALENDAR\\u0000"}')
        self.assertIn(st, (400, 422))

    def test_bad_10mb_line(self):
        self.bad_import(lambda b: b + b"55\tDICIEMBRE\t" + b"x" * (10 << 20) + b"\t1 de diciembre\t\t1.1\n",
                        "bytes long")

    def test_bad_range_backwards(self):
        self.bad_import(lambda b: b.replace(b"9-18 de julio", b"18-9 de julio", 1), "18-9 de julio")
