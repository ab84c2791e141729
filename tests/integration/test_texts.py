"""Texts people give: errors that name the real problem (not UTF-8, too
long), size limits on every field, and the invisible characters that
reorder or hide text (bidi controls, zero-width ones) removed from titles,
places and names before they reach feeds, pages and mail."""
import http.client
import subprocess

from harness import CRONOCTL, DaemonTest

NOW = "2018-03-01T12:00:00Z"
RLO, PDF, ZWSP, ZWJ, LRI, PDI = "\u202e", "\u202c", "\u200b", "\u200d", "\u2066", "\u2069"


class TextsTest(DaemonTest):
    daemon_kwargs = {"http": True}

    def setUp(self):
        super().setUp()
        self.d.set_clock(NOW)
        self.d.import_2018()

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode("utf-8")
        finally:
            c.close()

    def test_a_title_not_utf8_is_said_so(self):
        # cronoctl, from a terminal in another encoding.
        p = subprocess.run([CRONOCTL, "--socket", self.d.socket, "add",
                            b"--title=Reuni\xf3n", "--date", "5 de marzo"],
                           capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode("utf-8", "replace")
        self.assertIn("--title is not valid UTF-8", err)
        self.assertNotIn("required", err)
        # Any other client, straight to the API.
        st, body = self.d.curl("POST", "/v1/events",
                               b'{"title": "Reuni\xf3n", "date": "5 de marzo"}')
        self.assertEqual(st, 400)
        self.assertIn("not valid UTF-8 (byte 0xf3 at offset 16)", body["error"])

    def test_every_text_has_a_size_limit(self):
        for field, size, want in (("description", 20001, "more than 20000"),
                                  ("title", 501, "more than 500"),
                                  ("location", 501, "more than 500")):
            body = {"title": "Sesión", "date": "5 de marzo", field: "x" * size}
            st, out = self.d.curl("POST", "/v1/events", body)
            self.assertEqual(st, 422, (field, out))
            self.assertIn("the %s is %d bytes long, %s" % (field, size, want),
                          out["error"])
        st, out = self.d.curl("POST", "/v1/oscs", {
            "name": "n" * 301, "emails": ["a@example.org"]})
        self.assertEqual(st, 422)
        self.assertIn("the name is 301 bytes long, more than 300", out["error"])
        # Nothing was added.
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], 54)

    def test_invisible_characters_are_removed(self):
        title = "Reunión " + RLO + "lanoicanretni" + PDF + ZWSP + " de" + ZWJ + " OSC"
        st, ev = self.d.curl("POST", "/v1/events", {
            "title": title, "date": "5 de marzo", "topics": ["agenda-2030"],
            "location": LRI + "Sala 1" + PDI})
        self.assertEqual(st, 201, ev)
        self.assertEqual(ev["title"], "Reunión lanoicanretni de OSC")
        self.assertEqual(ev["location"], "Sala 1")
        for path in ("/calendarios/agenda-2030.ics", "/temas/agenda-2030", "/"):
            st, body = self.get(path)
            self.assertEqual(st, 200)
            self.assertIn("lanoicanretni", body)
            for ch in (RLO, PDF, ZWSP, ZWJ, LRI, PDI):
                self.assertNotIn(ch, body, (path, ch))
        st, osc = self.d.curl("POST", "/v1/oscs", {
            "name": "Red " + RLO + "Agua" + PDF, "emails": ["red@example.org"]})
        self.assertEqual(st, 201, osc)
        self.assertEqual(osc["name"], "Red Agua")
