"""Seeing a message before it is sent (cronoctl preview) and after it was
queued (cronoctl outbox show), end to end: a real cronogramad with its
test clock and a real SMTP server (tests/smtpd.py). A preview is compared
byte for byte with the message the server later receives for that
organisation; "nothing queued, nothing sent" is asserted after the daemon
reports idle (GET /v1/status), never after a sleep.
"""
import json
import os
import re
import tempfile

from harness import DaemonTest, Smtpd, wait_for

T0 = "2031-01-01T00:00:00Z"
DUE = "2031-05-20T14:00:00Z"  # 2 hours before 10:00 in Mexico City


def normalised(raw):
    """raw without what only a real message has: its Message-ID, its Date,
    and the MIME boundary that follows from the Message-ID."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    raw = re.sub(rb"(?im)^(Message-ID|Date):[^\r\n]*\r?\n", b"", raw)
    return re.sub(rb"=_cronograma_[0-9a-f]{16}", b"BOUNDARY", raw)


class PreviewTest(DaemonTest):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.smtpd = Smtpd(self.tmp).start()
        self.d = self.new_daemon(smtp_url=self.smtpd.url()).start()
        self.d.set_clock(T0)
        self.import_topics()
        self.osc("Red Uno", ["uno@example.org", "coord@uno.example.org"],
                 ["migracion"])
        self.osc("Colectivo Dos", ["dos@example.org"],
                 ["migracion", "agenda-2030"])
        self.osc("Clima Tres", ["tres@example.org"], ["cambio-climatico"])
        st, self.ev = self.d.curl("POST", "/v1/events", {
            "title": "Trabajos en migración y retorno",
            "start": "2031-05-20T10:00", "topics": ["migracion"],
            "remind": "2h", "location": "Ciudad de México"})
        self.assertEqual(st, 201, self.ev)

    def outbox(self):
        st, body = self.d.curl("GET", "/v1/outbox?limit=1000")
        self.assertEqual(st, 200, body)
        return body["messages"]

    def received(self):
        """{first recipient: message bytes} of what the server got."""
        out = {}
        for name in self.smtpd.messages():
            base = os.path.join(self.smtpd.spool, name[:-4])
            with open(base + ".json", encoding="utf-8") as f:
                rcpt = json.load(f)["rcpt_tos"][0]
            with open(base + ".eml", "rb") as f:
                out[rcpt] = f.read()
        return out

    def test_preview_is_what_is_sent_and_queues_nothing(self):
        eid = self.ev["id"]
        # Without --osc: the first organisation (by name) that follows
        # the session's topics, and said so.
        _, raw_dos, err = self.d.ctl("preview", eid, "--raw")
        self.assertIn("Colectivo Dos", err)
        self.assertIn("the first organisation that follows its topics", err)
        self.assertIn("Nothing was queued", err)
        _, raw_uno, _ = self.d.ctl("preview", eid, "--osc", "Red Uno", "--raw")
        self.assertRegex(raw_uno, r"(?m)^Message-ID: <preview\.[A-Za-z0-9_-]+@")
        # Readable: headers and the text part, decoded; the HTML to a file.
        html = os.path.join(self.tmp, "preview.html")
        _, out, _ = self.d.ctl("preview", eid, "--osc", "uno@example.org",
                               "--html", html)
        self.assertIn("To: uno@example.org, coord@uno.example.org", out)
        self.assertIn("Subject: Recordatorio: Trabajos en migración y retorno",
                      out)
        self.assertIn("Red Uno", out)
        self.assertNotIn("=C3", out)  # decoded, not quoted-printable
        with open(html, encoding="utf-8") as f:
            self.assertIn("<html", f.read().lower())
        # In Spanish, the words around the message.
        _, _, err = self.d.ctl("preview", eid, env={"LANG": "es_MX.UTF-8"})
        self.assertIn("Vista previa", err)

        # Queued nothing, sent nothing.
        self.d.wait_idle()
        self.assertEqual(self.outbox(), [])
        self.assertEqual(self.smtpd.messages(), [])
        self.assertEqual(self.d.status()["counts"]["outbox_pending"], 0)

        # At the due time the real messages: the same bytes but for the
        # Message-ID and the Date (and the boundary made from the id).
        self.d.set_clock(DUE)
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 reminders")
        self.d.wait_idle()
        got = self.received()
        self.assertEqual(sorted(got), ["dos@example.org", "uno@example.org"])
        self.assertEqual(normalised(raw_uno), normalised(got["uno@example.org"]))
        self.assertEqual(normalised(raw_dos), normalised(got["dos@example.org"]))
        self.assertNotEqual(normalised(raw_uno), normalised(raw_dos))

        # outbox show: the message as it was sent, its own Message-ID,
        # byte for byte, and where it stands.
        row = [m for m in self.outbox() if m["osc"] == "Red Uno"][0]
        _, raw, err = self.d.ctl("outbox", "show", str(row["id"]), "--raw")
        self.assertEqual(raw.encode("utf-8"), got["uno@example.org"])
        self.assertIn("state: sent", err)
        self.assertIn("tries: 1", err)
        _, out, err = self.d.ctl("outbox", "show", str(row["id"]),
                                 env={"LANG": "es_MX.UTF-8"})
        self.assertIn("estado: enviado", err)
        self.assertIn("Message-ID: <%s>" % row["message_id"], out)

    def test_refusals_are_clear(self):
        eid = self.ev["id"]
        rc, _, err = self.d.ctl("preview", eid, "--osc", "Clima Tres",
                                check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("organisation 'Clima Tres' follows none of the topics "
                      "of session %s (migracion)" % eid, err)
        rc, _, err = self.d.ctl("preview", eid, "--osc", "Nadie", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("no organisation 'Nadie'", err)
        rc, _, err = self.d.ctl("preview", eid, "--kind", "aviso", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("--kind must be one of reminder, date set, change, "
                      "cancellation, not 'aviso'", err)
        st, body = self.d.curl("GET", "/v1/events/%s/preview?kind=aviso" % eid)
        self.assertEqual(st, 400, body)
        self.assertIn("'kind' must be recordatorio, fecha, cambio or "
                      "cancelacion", body["error"])
        st, lonely = self.d.curl("POST", "/v1/events", {
            "title": "Sin seguidores", "start": "2031-06-01T10:00",
            "topics": ["armas"]})
        self.assertEqual(st, 201, lonely)
        rc, _, err = self.d.ctl("preview", lonely["id"], check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("no organisation follows the topics", err)
        rc, _, err = self.d.ctl("outbox", "show", "4242", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("no message 4242", err)
        # A cancellation notice previewed, never queued.
        _, out, _ = self.d.ctl("preview", eid, "--kind", "cancelacion")
        self.assertIn("Subject: Cancelada", out)
        self.d.wait_idle()
        self.assertEqual(self.outbox(), [])
