"""The organisation's own page, /suscripcion/<token> (issue 10): a real
cronogramad with its public site and test clock, a real SMTP server
(tests/smtpd.py), the link read from a real reminder, the page fetched and
its forms posted over plain HTTP as a browser sends them, and the page
loaded once in headless chromium.

"Nothing more was sent" is only said after the daemon says it is idle.
"""
import datetime
import email
import email.policy
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse

from harness import DaemonTest, Smtpd, ROOT, PYTHON, wait_for

T0 = "2031-01-01T00:00:00Z"
DAY = 86400
CHECK = os.path.join(ROOT, "tests", "check_message.py")
OFFICE = """[office]
name = Dirección de Vinculación con la Sociedad Civil
email = vinculacion@example.gob.mx
privacy_url = https://example.gob.mx/aviso-de-privacidad
"""


def ts(iso_text):
    return int(datetime.datetime.strptime(
        iso_text, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class SelfPageTest(DaemonTest):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.smtpd = Smtpd(self.tmp).start()
        self.seen = 0
        self.d = self.new_daemon(smtp_url=self.smtpd.url(), http=True,
                                 extra_config=OFFICE).start()
        self.d.set_clock(T0)
        self.import_topics()

    # ---- helpers ----

    def osc_get(self, oid):
        st, body = self.d.curl("GET", "/v1/oscs/%d" % oid)
        self.assertEqual(st, 200, body)
        return body

    def session(self, title, start, topics):
        """A session at start (office time) reminded one day before; its
        reminder's instant (UTC seconds)."""
        st, body = self.d.curl("POST", "/v1/events", {
            "title": title, "start": start, "topics": topics,
            "remind": "1d"})
        self.assertEqual(st, 201, body)
        self.last_id = body["id"]
        return ts(body["start_utc"]) - DAY

    def new_mail(self, count, what):
        """Wait for count new messages, then for the daemon to be idle,
        and prove no other arrived: [(path, summary)]."""
        want = self.seen + count
        if count:
            wait_for(lambda: len(self.smtpd.messages()) >= want, what=what)
        self.d.wait_idle()
        names = self.smtpd.messages()
        self.assertEqual(len(names), want, what)
        new = names[self.seen:]
        self.seen = want
        out = []
        for name in new:
            path = os.path.join(self.smtpd.spool, name)
            p = subprocess.run([PYTHON, CHECK, path], capture_output=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            out.append((path, json.loads(p.stdout)))
        return out

    def remind_at(self, t, count, what):
        self.d.set_clock(iso(t))
        return self.new_mail(count, what)

    def http(self, method, path, body=None, headers=None):
        """(status, headers with lower-case names, body text)."""
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port,
                                       timeout=30)
        try:
            h = dict(headers or {})
            if body is not None:
                body = urllib.parse.urlencode(body).encode() \
                    if not isinstance(body, bytes) else body
                h.setdefault("Content-Type",
                             "application/x-www-form-urlencoded")
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read().decode("utf-8")
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def page_path(self, mail):
        """The path of the page a message links to (check_message.py
        found the same link in both parts)."""
        url = mail[1]["subscription_url"]
        self.assertTrue(url, "the message does not link to its page")
        parsed = urllib.parse.urlparse(url)
        self.assertEqual(parsed.netloc, "127.0.0.1:%d" % self.d.http_port)
        return parsed.path

    def post(self, path, fields, **kw):
        """POST a form as the page's own (a browser under our
        Referrer-Policy sends Origin: null); 303 back to the page."""
        st, h, body = self.http("POST", path, fields,
                                headers={"Origin": "null"}, **kw)
        self.assertEqual(st, 303, body)
        self.assertEqual(h["location"].split("?")[0], path)
        return h["location"]

    def checked(self, page):
        """The slugs whose box is checked, and all slugs shown."""
        boxes = re.findall(r'<input type="checkbox" name="tema" '
                           r'value="([^"]+)"( checked)?', page)
        return ({s for s, c in boxes if c}, {s for s, _ in boxes})

    def audit(self, action):
        st, body = self.d.curl("GET", "/v1/log?limit=1000")
        self.assertEqual(st, 200, body)
        return [e for e in body["entries"] if e["action"] == action]

    def first_link(self, oid_topic="cambio-climatico"):
        """An organisation following oid_topic, a session to remind it of,
        and the page link from that real reminder."""
        oid = self.osc("Red Ambiental del Norte", ["red@norte.example.org"],
                       [oid_topic])
        due = self.session("Primera reunión", "2031-02-10T10:00",
                           [oid_topic])
        mail = self.remind_at(due, 1, "the first reminder")
        text = email.message_from_binary_file(
            open(mail[0][0], "rb"), policy=email.policy.default
        ).get_body(("plain",)).get_content()
        self.assertIn("Administre su suscripción", text)
        return oid, self.page_path(mail[0])

    # ---- tests ----

    def test_page_shows_data_and_topics_and_get_changes_nothing(self):
        oid, path = self.first_link()
        self.assertRegex(path, r"^/suscripcion/%d\.[A-Za-z0-9_-]{43}$" % oid)
        before_log = self.d.curl("GET", "/v1/log?limit=1000")[1]
        before_osc = self.osc_get(oid)
        st, h, page = self.http("GET", path)
        self.assertEqual(st, 200, page)
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertIn("default-src 'none'", h["content-security-policy"])
        self.assertEqual(h["referrer-policy"], "no-referrer")
        self.assertIn("no-store", h["cache-control"])
        self.assertEqual(h["x-robots-tag"], "noindex")
        self.assertIn('<html lang="es">', page)
        self.assertIn("<h1>Su suscripción</h1>", page)
        self.assertIn("Dirección de Vinculación con la Sociedad Civil", page)
        self.assertIn("Red Ambiental del Norte", page)
        self.assertIn("red@norte.example.org", page)
        self.assertIn("Persona de contacto", page)
        self.assertNotIn("<script", page)
        on, shown = self.checked(page)
        self.assertEqual(on, {"cambio-climatico"})
        topics = {t["slug"] for t in self.d.ctl_json("topics")["topics"]}
        self.assertEqual(shown, topics)
        feed = self.d.ctl_json("osc", "token", str(oid))
        self.assertIn(feed["feed_url"], page)
        self.assertIn(feed["feed_url"].replace("http://", "webcal://"), page)
        self.assertEqual(urllib.parse.urlparse(feed["page_url"]).path, path)
        # Forms post to the page itself, one per change.
        for accion in ("temas", "pausar", "contacto", "supresion"):
            self.assertIn('<input type="hidden" name="accion" value="%s">'
                          % accion, page)
        self.assertEqual(page.count('<form method="post" action="%s">'
                                    % path), 4)
        # GET (and HEAD, and GET with a done note) change nothing.
        self.http("HEAD", path)
        self.http("GET", path + "?hecho=pausar")
        self.assertEqual(self.osc_get(oid), before_osc)
        self.assertEqual(self.d.curl("GET", "/v1/log?limit=1000")[1],
                         before_log)

    def test_topic_change_and_the_next_reminder_follows_it(self):
        oid, path = self.first_link()
        climate = self.session("Clima de marzo", "2031-03-10T10:00",
                               ["cambio-climatico"])
        migration = self.session("Migración de marzo", "2031-03-20T10:00",
                                 ["migracion"])
        loc = self.post(path, [("accion", "temas"), ("tema", "migracion"),
                               ("tema", "agenda-2030")])
        st, _, page = self.http("GET", loc)
        self.assertEqual(st, 200)
        self.assertIn("guardamos sus temas", page)
        on, _ = self.checked(page)
        self.assertEqual(on, {"migracion", "agenda-2030"})
        self.assertEqual(sorted(self.osc_get(oid)["topics"]),
                         ["agenda-2030", "migracion"])
        entries = self.audit("osc.self.topics")
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["client"], "127.0.0.1")
        self.assertIsNone(entries[0]["peer_uid"])
        self.assertEqual(entries[0]["target"], "osc:%d" % oid)
        self.assertEqual(entries[0]["before"]["topics"], ["cambio-climatico"])
        # The topic it left: nothing (only proven once idle).
        self.remind_at(climate, 0, "no reminder of a topic left")
        # The topic it took: its reminder, to its addresses.
        got = self.remind_at(migration, 1, "the reminder of the new topic")
        self.assertTrue(got[0][1]["subject"].startswith(
            "Recordatorio: Migración de marzo"), got[0][1]["subject"])
        self.assertEqual(got[0][1]["to"], ["red@norte.example.org"])
        # Posting the same topics again changes nothing, audits nothing.
        self.post(path, [("accion", "temas"), ("tema", "migracion"),
                         ("tema", "agenda-2030")])
        self.assertEqual(len(self.audit("osc.self.topics")), 1)
        # An unknown topic is refused and changes nothing.
        st, _, page = self.http("POST", path, [("accion", "temas"),
                                               ("tema", "no-existe")],
                                headers={"Origin": "null"})
        self.assertEqual(st, 400)
        self.assertIn("Alguno de los temas enviados no existe", page)
        self.assertEqual(sorted(self.osc_get(oid)["topics"]),
                         ["agenda-2030", "migracion"])

    def test_pause_stops_all_mail_until_resumed(self):
        oid, path = self.first_link()
        paused = self.session("Durante la pausa", "2031-03-10T10:00",
                              ["cambio-climatico"])
        paused_id = self.last_id
        after = self.session("Después de la pausa", "2031-03-20T10:00",
                             ["cambio-climatico"])
        self.post(path, {"accion": "pausar"})
        osc = self.osc_get(oid)
        self.assertIsNotNone(osc["paused_at"])
        self.assertEqual(osc["topics"], ["cambio-climatico"])
        _, out, _ = self.d.ctl("osc", "list")
        self.assertRegex(out, r"Red Ambiental del Norte.*paused")
        _, out, _ = self.d.ctl("osc", "show", str(oid))
        self.assertIn("mail paused", out)
        st, _, page = self.http("GET", path)
        self.assertIn("Reanudar los avisos", page)
        self.assertIn("En pausa desde el", page)
        # Staff see that it gets nothing (upcoming names nobody).
        st, up = self.d.curl("GET", "/v1/upcoming?days=120")
        self.assertEqual(st, 200, up)
        self.assertTrue(up["reminders"])
        self.assertEqual({n for r in up["reminders"] for n in r["oscs"]},
                         set())
        # No notice of a change while paused...
        self.d.ctl("reschedule", paused_id, "12 de marzo de 2031", "--now")
        self.new_mail(0, "no notice while paused")
        rows = self.d.curl("GET", "/v1/outbox?limit=1000")[1]["messages"]
        self.assertEqual([m for m in rows if m["kind"] != "reminder"], [])
        # ... and no reminder.
        self.remind_at(paused + 2 * DAY, 0, "no reminder while paused")
        rows = self.d.curl("GET", "/v1/outbox?limit=1000")[1]["messages"]
        self.assertEqual([m for m in rows if m["state"] == "pending"], [])
        self.post(path, {"accion": "reanudar"})
        self.assertIsNone(self.osc_get(oid)["paused_at"])
        st, up = self.d.curl("GET", "/v1/upcoming?days=120")
        self.assertEqual({n for r in up["reminders"] for n in r["oscs"]},
                         {"Red Ambiental del Norte"})
        self.assertEqual(
            [e["client"] for e in self.audit("osc.self.pause") +
             self.audit("osc.self.resume")], ["127.0.0.1"] * 2)
        got = self.remind_at(after, 1, "the reminder after resuming")
        self.assertTrue(got[0][1]["subject"].startswith(
            "Recordatorio: Después de la pausa"))

    def test_pause_expires_what_was_queued_before(self):
        """A reminder queued before the pause (its first try refused with
        a 451, so it waits to retry) is not sent once the organisation
        paused: it expires, saying why."""
        port = self.smtpd.port
        self.smtpd.stop()
        self.smtpd = Smtpd(self.tmp, "--fail-first", "1")
        self.smtpd.port = port
        self.smtpd.start()
        oid = self.osc("Red Ambiental del Norte", ["red@norte.example.org"],
                       ["cambio-climatico"])
        path = urllib.parse.urlparse(
            self.d.ctl_json("osc", "token", str(oid))["page_url"]).path
        due = self.session("En cola", "2031-02-10T10:00", ["cambio-climatico"])
        self.d.set_clock(iso(due))
        row = wait_for(lambda: [m for m in self.d.curl(
            "GET", "/v1/outbox?limit=10")[1]["messages"]
            if m["state"] == "pending" and m["tries"] >= 1],
            what="the first try refused")[0]
        self.post(path, {"accion": "pausar"})
        self.d.set_clock(iso(due + 3600))
        self.new_mail(0, "nothing after the pause")
        rows = self.d.curl("GET", "/v1/outbox?limit=10")[1]["messages"]
        (m,) = [m for m in rows if m["id"] == row["id"]]
        self.assertEqual(m["state"], "expired")
        self.assertEqual(m["last_error"], "the organisation paused its mail")

    def test_contact_correction_is_audited_with_the_client(self):
        oid, path = self.first_link()
        self.post(path, {"accion": "contacto",
                         "contacto": "  María Fernanda López Ávila  "})
        self.assertEqual(self.osc_get(oid)["contact"],
                         "María Fernanda López Ávila")
        entries = self.audit("osc.self.contact")
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["client"], "127.0.0.1")
        self.assertIsNone(entries[0]["before"]["contact"])
        self.assertEqual(entries[0]["after"]["contact"],
                         "María Fernanda López Ávila")
        st, _, page = self.http("GET", path)
        self.assertIn('value="María Fernanda López Ávila"', page)
        # Two lines are refused, in Spanish, and nothing changes.
        st, _, page = self.http("POST", path, {"accion": "contacto",
                                               "contacto": "Ana\nBeto"},
                                headers={"Origin": "null"})
        self.assertEqual(st, 400)
        self.assertIn("una sola línea", page)
        self.assertEqual(self.osc_get(oid)["contact"],
                         "María Fernanda López Ávila")
        # A form from another site is refused before anything is read.
        st, _, page = self.http("POST", path, {"accion": "pausar"},
                                headers={"Origin": "https://otro.example"})
        self.assertEqual(st, 403)
        self.assertIsNone(self.osc_get(oid)["paused_at"])
        # The page's own origin is fine.
        st, _, _ = self.http("POST", path, {"accion": "pausar"}, headers={
            "Origin": "http://127.0.0.1:%d" % self.d.http_port})
        self.assertEqual(st, 303)

    def test_erasure_request_pauses_mail_and_staff_see_it(self):
        oid, path = self.first_link()
        later = self.session("Después de la solicitud", "2031-03-10T10:00",
                             ["cambio-climatico"])
        # Without the confirmation box: refused, nothing recorded.
        st, _, page = self.http("POST", path, {"accion": "supresion"},
                                headers={"Origin": "null"})
        self.assertEqual(st, 400)
        self.assertIn("marque la casilla", page)
        self.assertIsNone(self.osc_get(oid)["erasure_requested_at"])
        self.post(path, {"accion": "supresion", "confirmo": "si"})
        osc = self.osc_get(oid)
        self.assertIsNotNone(osc["erasure_requested_at"])
        self.assertIsNotNone(osc["paused_at"])
        self.assertEqual(len(self.audit("osc.self.erasure")), 1)
        _, out, _ = self.d.ctl("osc", "list")
        self.assertRegex(out, r"Red Ambiental del Norte.*erasure requested")
        _, out, _ = self.d.ctl("osc", "list", env={"LANG": "es_MX.UTF-8"})
        self.assertIn("supresión pedida", out)
        _, out, _ = self.d.ctl("osc", "show", str(oid))
        self.assertIn("erasure asked", out)
        # The page says so and offers no more changes.
        st, _, page = self.http("GET", path)
        self.assertEqual(st, 200)
        self.assertIn("pidió el", page)
        self.assertNotIn('value="pausar"', page)
        st, _, page = self.http("POST", path, {"accion": "reanudar"},
                                headers={"Origin": "null"})
        self.assertEqual(st, 400)
        self.assertIn("ya no se pueden hacer cambios", page)
        self.assertIsNotNone(self.osc_get(oid)["paused_at"])
        self.remind_at(later, 0, "no reminder after asking for erasure")

    def test_erasure_request_in_the_staff_digest(self):
        self.d.stop()
        self.d = self.new_daemon(
            smtp_url=self.smtpd.url(), http=True,
            extra_config=OFFICE + "[staff]\nemails = agenda@sre.example.org\n"
        ).start()
        # Sunday 5 January 2031; the digest is on Monday at 08:00 (UTC-6).
        self.d.set_clock("2031-01-05T12:00:00Z")
        self.import_topics()
        self.d.wait_idle()
        self.seen = len(self.smtpd.messages())
        oid, path = self.first_link()
        self.post(path, {"accion": "supresion", "confirmo": "si"})
        self.d.set_clock("2031-02-10T14:00:00Z")  # a Monday, 08:00
        wait_for(lambda: any(
            "Resumen semanal" in str(email.message_from_binary_file(
                open(os.path.join(self.smtpd.spool, n), "rb"),
                policy=email.policy.default)["Subject"])
            for n in self.smtpd.messages()[self.seen:]), what="the digest")
        self.d.wait_idle()
        for n in self.smtpd.messages()[self.seen:]:
            msg = email.message_from_binary_file(
                open(os.path.join(self.smtpd.spool, n), "rb"),
                policy=email.policy.default)
            if "Resumen semanal" in str(msg["Subject"]):
                text = msg.get_body(("plain",)).get_content()
                self.assertIn("Solicitudes de supresión de datos (1):", text)
                self.assertIn("Red Ambiental del Norte (%d)" % oid, text)
                self.assertIn("cronoctl osc forget", text)

    def test_reset_token_revokes_the_page(self):
        oid, path = self.first_link()
        self.assertEqual(self.http("GET", path)[0], 200)
        _, out, _ = self.d.ctl("osc", "token", str(oid), "--reset")
        self.assertIn("own page", out)
        st, _, page = self.http("GET", path)
        self.assertEqual(st, 404)
        self.assertIn("Enlace no válido", page)
        self.assertIn('<html lang="es">', page)
        st, _, page = self.http("POST", path, {"accion": "pausar"},
                                headers={"Origin": "null"})
        self.assertEqual(st, 404)
        self.assertIsNone(self.osc_get(oid)["paused_at"])
        # The next email carries the new link, which works.
        due = self.session("Tras el cambio de enlace", "2031-03-10T10:00",
                           ["cambio-climatico"])
        got = self.remind_at(due, 1, "a reminder with the new link")
        new = self.page_path(got[0])
        self.assertNotEqual(new, path)
        self.assertEqual(self.http("GET", new)[0], 200)
        new_feed = self.d.ctl_json("osc", "token", str(oid))
        self.assertEqual(urllib.parse.urlparse(new_feed["page_url"]).path, new)

    def test_forged_tokens_get_404(self):
        oid, path = self.first_link()
        other = self.osc("Otra", ["otra@example.net"], ["migracion"])
        tok = path.rsplit("/", 1)[1]
        mac = tok.split(".", 1)[1]
        bad = [
            "/suscripcion/%d.%s" % (other, mac),          # another's id
            "/suscripcion/%d.%s" % (oid, mac[:-1] + ("A" if mac[-1] != "A" else "B")),
            "/suscripcion/0%s" % tok,                     # not canonical
            "/suscripcion/%s" % mac,
            "/suscripcion/",
            "/suscripcion/%d.%s.x" % (oid, mac),
            "/suscripcion/%d.cambio-climatico.%s" % (oid, mac),
        ]
        for p in bad:
            st, _, page = self.http("GET", p)
            self.assertEqual(st, 404, p)
            self.assertIn("Enlace no válido" if p != "/suscripcion/"
                          else "no", page)
        st, h, _ = self.http("PUT", path)
        self.assertEqual(st, 405)
        self.assertEqual(h["allow"], "GET, HEAD, POST")
        # A malformed body is refused with the page, nothing changed.
        st, _, page = self.http("POST", path, b"accion=%zz",
                                headers={"Origin": "null"})
        self.assertEqual(st, 400)
        st, _, page = self.http("POST", path, {"accion": "borrar-todo"},
                                headers={"Origin": "null"})
        self.assertEqual(st, 400)
        self.assertIn("acción válida", page)
        # The token never reaches the log.
        self.assertNotIn(path, self.d.log_text())

    def test_page_in_chromium(self):
        chromium = shutil.which("chromium")
        if not chromium:
            raise AssertionError("chromium is not installed: run "
                                 "contrib/install-deps.sh")
        oid, path = self.first_link()
        prof = tempfile.mkdtemp(prefix="chromium-", dir=self.tmp)
        url = "http://127.0.0.1:%d%s" % (self.d.http_port, path)
        p = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--user-data-dir=" + prof,
             "--enable-logging=stderr", "--v=0", "--dump-dom", url],
            capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        dom = p.stdout.decode("utf-8")
        err = p.stderr.decode("utf-8", "replace")
        self.assertIn("<h1>Su suscripción</h1>", dom)
        self.assertIn('type="checkbox" name="tema" value="cambio-climatico" '
                      'checked=""', dom)
        self.assertIn("Guardar temas", dom)
        # The strict CSP let the page's own style in, and nothing failed.
        self.assertNotIn("Content Security Policy", err)
        self.assertNotIn("Uncaught", err)
        # GET by a browser changed nothing.
        self.assertEqual(self.audit("osc.self.topics"), [])

        # The topics form as the page gives it, submitted by the browser
        # itself: a local file holding that form (its action made
        # absolute) with one box more checked, submitted on load. The
        # browser encodes the fields, posts (Origin: null, as from a
        # page under no-referrer), follows the 303 and shows the page.
        form = re.search(r'<form method="post" action="%s">\n'
                         r'<input type="hidden" name="accion" value="temas">'
                         r'.*?</form>' % re.escape(path), dom, re.S).group(0)
        form = form.replace('action="%s"' % path, 'action="%s"' % url, 1)
        form = form.replace('value="migracion">', 'value="migracion" '
                            'checked="">', 1)
        probe = os.path.join(self.tmp, "enviar.html")
        with open(probe, "w", encoding="utf-8") as f:
            f.write('<!DOCTYPE html><html><body>%s<script>'
                    'document.forms[0].submit()</script></body></html>'
                    % form)
        p = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--user-data-dir=" + prof,
             "--virtual-time-budget=10000", "--dump-dom",
             "file://" + probe],
            capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        dom = p.stdout.decode("utf-8")
        self.assertIn("guardamos sus temas", dom)
        self.assertEqual(sorted(self.osc_get(oid)["topics"]),
                         ["cambio-climatico", "migracion"])
        self.assertEqual(len(self.audit("osc.self.topics")), 1)
