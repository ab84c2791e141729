"""An organisation's data: `cronoctl osc export` holds every fact the
database has about it, and `cronoctl osc forget` leaves none of its name,
contact or addresses in any table, nor in the bytes of the database's
files, while the counts and the audit log's facts stay.

"Every fact" is judged against the database itself: every table listed
in sqlite_master (not a list written here, so that a table added later
and not exported fails this test) is searched for rows that mention the
organisation, and each value of each such row must be in the export.
A real cronogramad with its test clock sends a real reminder to a real
SMTP server (tests/smtpd.py); a bounce is written into the database as
store_bounce.c writes it.
"""
import datetime
import json
import os
import pty
import sqlite3
import stat
import subprocess
import tempfile

from harness import (CRONOCTL, DaemonTest, Smtpd, ctl_env, wait_for)

T0 = "2031-01-01T00:00:00Z"
NAME = "Colectivo Olvidable Quetzal"
CONTACT = "Rigoberta Xochitl Pérez"
ADDRS = ["quetzal.uno@olvido.example.net", "Quetzal.Dos@olvido.example.net"]
OTHER = "Red Que Permanece"
OTHER_ADDR = "permanece@example.net"
MARKER = "[olvidado]"
CLIENT = "198.51.100.23"  # where its own page was used from

CSV = ("name,email,contact,state,topics\n"
       "%s,\"%s\",%s,Oaxaca,cambio-climatico;agenda-2030\n"
       "%s,%s,Ana Permanente,Jalisco,cambio-climatico\n"
       % (NAME, "; ".join(ADDRS), CONTACT, OTHER, OTHER_ADDR))


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def leaves(v, strings, numbers):
    """Every string and number inside a JSON value."""
    if isinstance(v, dict):
        for x in v.values():
            leaves(x, strings, numbers)
    elif isinstance(v, list):
        for x in v:
            leaves(x, strings, numbers)
    elif isinstance(v, str):
        strings.add(v)
    elif v is not None:
        numbers.add(v)


def tables(db):
    return [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def mentions(table, row, osc_id, needles):
    """The row is about organisation osc_id: its number in an osc_id
    column (or the osc table's id), its audit target, an import's row
    naming it, or one of needles (any case) in a text."""
    if table == "osc" and row["id"] == osc_id:
        return True
    for k in row.keys():
        v = row[k]
        if k == "osc_id" and v == osc_id:
            return True
        if isinstance(v, str):
            low = v.lower()
            if v == "osc:%d" % osc_id or '"id":%d,' % osc_id in v \
                    or '"id":%d}' % osc_id in v:
                return True
            if any(n.lower() in low for n in needles):
                return True
    return False


class OrganisationDataTest(DaemonTest):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.smtpd = Smtpd(self.tmp).start()
        self.d = self.new_daemon(smtp_url=self.smtpd.url()).start()
        self.d.set_clock(T0)
        self.import_topics()

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def db(self):
        db = sqlite3.connect(self.d.db(), timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def build(self):
        """The organisation with two addresses (by import: its consent
        keeps the file's line), one subscription ended, a reminder sent,
        a bounce; and another organisation that must stay whole."""
        report = self.d.ctl_json("osc", "import", self.write("o.csv", CSV))
        self.assertTrue(report["ok"], report)
        osc = self.d.ctl_json("osc", "show", ADDRS[0])
        other = self.d.ctl_json("osc", "show", OTHER_ADDR)
        self.d.ctl("unsubscribe", str(osc["id"]), "agenda-2030")
        self.d.ctl("osc", "token", str(osc["id"]))
        st, ev = self.d.curl("POST", "/v1/events", {
            "title": "Reunión sobre cambio climático",
            "start": "2031-03-10T10:00", "topics": ["cambio-climatico"],
            "remind": "1d"})
        self.assertEqual(st, 201, ev)
        self.d.set_clock(iso(ts(ev["start_utc"]) - 86400))
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 reminders")
        self.d.wait_idle()
        with self.db() as db:
            row = db.execute("SELECT id, message_id FROM outbox WHERE osc_id = ?",
                             (osc["id"],)).fetchone()
            self.assertIsNotNone(row["message_id"])
            # As store_bounce_record writes a transient bounce: the log
            # row and the address's count.
            at = ts(ev["start_utc"]) - 80000
            db.execute(
                "INSERT INTO bounce (at, email, osc_id, outbox_id, kind, "
                "status, detail, source) VALUES (?, ?, ?, ?, 'transient', "
                "'4.2.2', ?, 'pipe')",
                (at, ADDRS[0], osc["id"], row["id"],
                 "452 4.2.2 <%s>: mailbox full" % ADDRS[0]))
            db.execute(
                "INSERT INTO address_state (email, soft_count, soft_first, "
                "last_at) VALUES (?, 1, ?, ?)", (ADDRS[0], at, at))
            # As org_self.c writes a pause from the organisation's own
            # page: the column and an audit entry with the client.
            db.execute("UPDATE osc SET paused_at = ? WHERE id = ?",
                       (at + 60, osc["id"]))
            db.execute(
                "INSERT INTO audit (at, peer_uid, action, target, before, "
                "after, client) VALUES (?, NULL, 'osc.self.pause', ?, NULL, "
                "NULL, ?)", (at + 60, "osc:%d" % osc["id"], CLIENT))
        return osc, other, ev

    def dump(self, osc_id, needles):
        """{table: [row dicts]} of every row that mentions the
        organisation, from every table there is."""
        out = {}
        with self.db() as db:
            for t in tables(db):
                rows = [dict(r) for r in db.execute('SELECT * FROM "%s"' % t)]
                mine = [r for r in rows if mentions(t, r, osc_id, needles)]
                if mine:
                    out[t] = mine
        return out

    def test_export_holds_every_fact_and_forget_leaves_none(self):
        osc, other, ev = self.build()
        oid = osc["id"]
        needles = [NAME] + ADDRS
        out = os.path.join(self.tmp, "export.json")
        _, said, _ = self.d.ctl("osc", "export", ADDRS[1].lower(), "-o", out)
        self.assertIn("wrote organisation %d" % oid, said)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        with open(out, encoding="utf-8") as f:
            exp = json.load(f)

        # What it says, in its own terms.
        org = exp["organisation"]
        self.assertEqual((org["id"], org["name"], org["contact"], org["state"]),
                         (oid, NAME, CONTACT, "Oaxaca"))
        self.assertTrue(org["private_feed"])
        self.assertNotIn("token", org)
        self.assertEqual([a["email"] for a in exp["addresses"]], ADDRS)
        self.assertEqual(exp["addresses"][0]["bounces"]["soft_count"], 1)
        self.assertIsNone(exp["addresses"][1]["bounces"])
        subs = {s["topic"]: s for s in exp["subscriptions"]}
        self.assertTrue(subs["cambio-climatico"]["active"])
        self.assertIsNone(subs["cambio-climatico"]["ended_at"])
        self.assertFalse(subs["agenda-2030"]["active"])
        self.assertEqual(subs["agenda-2030"]["ended_at"], T0)
        self.assertEqual([c["how"] for c in exp["consent"]], ["import"])
        [msg] = exp["messages"]
        self.assertEqual((msg["kind"], msg["state"], msg["session"]),
                         ("reminder", "sent", ev["uid"]))
        self.assertRegex(msg["message_id"], r"^<?r\.[0-9a-f]{32}@example\.org>?$")
        self.assertIsNotNone(msg["sent_at"])
        [b] = exp["bounces"]
        self.assertEqual((b["email"], b["status"], b["outbox_id"]),
                         (ADDRS[0], "4.2.2", msg["id"]))
        actions = [a["action"] for a in exp["audit"]]
        self.assertEqual(actions, ["osc.import", "osc.unsubscribe",
                                   "osc.self.pause", "osc.export"])
        self.assertEqual(exp["audit"][2]["client"], CLIENT)
        self.assertEqual(org["paused_at"], iso(ts(ev["start_utc"]) - 80000 + 60))
        # The import's entry is listed because it names this organisation.
        self.assertIn(NAME, [r["name"] for r in exp["audit"][0]["after"]])

        # Every value of every row that mentions it, from every table.
        strings, numbers = set(), set()
        leaves(exp, strings, numbers)
        rows = self.dump(oid, needles)
        for t in ("osc", "osc_email", "subscription", "consent", "outbox",
                  "bounce", "address_state", "audit"):
            self.assertIn(t, rows, "no row of %s mentions it" % t)
        for t, rs in rows.items():
            for r in rs:
                for k, v in r.items():
                    if v is None:
                        continue
                    if (t, k) == ("osc", "token"):
                        continue  # a secret: only its existence is told
                    where = "%s.%s = %r" % (t, k, v)
                    if isinstance(v, str):
                        try:
                            j = json.loads(v)
                        except ValueError:
                            j = None
                        if isinstance(j, (dict, list)):
                            s2, n2 = set(), set()
                            leaves(j, s2, n2)
                            self.assertLessEqual(s2, strings, where)
                            self.assertLessEqual(n2, numbers, where)
                        else:
                            self.assertIn(v, strings, where + " not exported")
                    elif isinstance(v, int) and v > 10**9:
                        self.assertIn(iso(v), strings, where + " not exported")
                    else:
                        self.assertIn(v, numbers, where + " not exported")

        # Without --yes and not on a terminal: refused, nothing erased.
        rc, _, err = self.d.ctl("osc", "forget", str(oid), check=False)
        self.assertEqual(rc, 2)
        self.assertIn("--yes", err)
        # On a terminal, answering no: nothing erased either.
        self.assertEqual(self.forget_on_terminal(oid, b"no\n"), 2)
        self.assertEqual(self.d.ctl_json("osc", "show", str(oid))["name"], NAME)

        with self.db() as db:
            sent_before = db.execute(
                "SELECT COUNT(*) FROM outbox WHERE osc_id = ?", (oid,)).fetchone()[0]
            bounces_before = db.execute("SELECT COUNT(*) FROM bounce").fetchone()[0]
        _, said, _ = self.d.ctl("osc", "forget", ADDRS[0], "--yes")
        self.assertIn("forgot organisation %d" % oid, said)

        # No table holds its name, contact or any address.
        gone = [NAME, CONTACT, CLIENT] + ADDRS
        with self.db() as db:
            for t in tables(db):
                for r in db.execute('SELECT * FROM "%s"' % t):
                    for k in r.keys():
                        if isinstance(r[k], str):
                            for n in gone:
                                self.assertNotIn(n.lower(), r[k].lower(),
                                                 "%s.%s still holds %s" % (t, k, n))
            self.assertIsNone(db.execute("SELECT 1 FROM osc WHERE id = ?",
                                         (oid,)).fetchone())
            # The counts stay: its message (with its Message-ID, no
            # address), the bounce, how many were forgotten.
            self.assertEqual(db.execute(
                "SELECT COUNT(*) FROM outbox WHERE osc_id = ? AND state = 'sent'",
                (oid,)).fetchone()[0], sent_before)
            self.assertEqual(db.execute("SELECT COUNT(*) FROM bounce").fetchone()[0],
                             bounces_before)
            self.assertEqual(db.execute(
                "SELECT value FROM meta WHERE key = 'osc.forgotten'").fetchone()[0], 1)
            # The audit log keeps the facts, not the data.
            facts = [(r["action"], r["after"]) for r in db.execute(
                "SELECT action, after FROM audit WHERE target = ? ORDER BY id",
                ("osc:%d" % oid,))]
            self.assertEqual([f[0] for f in facts],
                             ["osc.unsubscribe", "osc.self.pause", "osc.export",
                              "osc.forget"])
            after = json.loads(facts[0][1])
            self.assertEqual((after["name"], after["contact"], after["emails"]),
                             (MARKER, MARKER, [MARKER]))
            self.assertEqual(after["topics"], ["cambio-climatico"])
            imp = json.loads(db.execute(
                "SELECT after FROM audit WHERE action = 'osc.import'").fetchone()[0])
            self.assertEqual(sorted(r["name"] for r in imp), sorted([MARKER, OTHER]))

        # Nor do the bytes of the database's files.
        for path in (self.d.db(), self.d.db() + "-wal"):
            if not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                raw = f.read().lower()
            for n in gone:
                # assertTrue: assertNotIn would print megabytes.
                self.assertTrue(n.lower().encode("utf-8") not in raw,
                                "%s still holds %s" % (path, n))

        # The other organisation is whole.
        keep = self.d.ctl_json("osc", "show", OTHER_ADDR)
        self.assertEqual((keep["name"], keep["emails"], keep["contact"]),
                         (OTHER, [OTHER_ADDR], "Ana Permanente"))
        rc, _, err = self.d.ctl("osc", "export", str(oid), check=False)
        self.assertEqual(rc, 1)
        self.assertIn("no organisation", err)
        log = self.d.ctl_json("log")
        self.assertIn("osc.forget", [e["action"] for e in log["entries"]])

    def forget_on_terminal(self, oid, answer):
        """cronoctl osc forget with a terminal on standard input, answering
        answer to its question; its exit status."""
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([CRONOCTL, "--socket", self.d.socket, "osc",
                                  "forget", str(oid)], stdin=slave,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=ctl_env())
            os.write(master, answer)
            _, err = p.communicate(timeout=60)
        finally:
            os.close(master)
            os.close(slave)
        self.assertIn(b"Forget it?", err)
        return p.returncode

    def test_forget_refuses_an_unknown_organisation(self):
        rc, _, err = self.d.ctl("osc", "forget", "999", "--yes", check=False)
        self.assertEqual(rc, 1)
        self.assertIn("no organisation", err)
        rc, _, err = self.d.ctl("osc", "export", "nadie@example.net", check=False)
        self.assertEqual(rc, 1)
        self.assertIn("no organisation", err)


if __name__ == "__main__":
    import unittest
    unittest.main()
