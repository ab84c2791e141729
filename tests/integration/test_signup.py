"""Organisations subscribe themselves from the page ([public] signup):
the form driven in headless chromium (through chromedriver's WebDriver
protocol) and with plain HTTP posts built from the served HTML, the
confirmation mail read from the SMTP test server (tests/smtpd.py), the
link's GET that confirms nothing and its POST that does, the next
reminder reaching the new organisation, identical answers whatever the
address, the honeypot, the per-address and per-client limits, expiry
after 48 hours on the test clock, approval by staff, and the form off.

The clock is the daemon's test clock (2031); nothing waits for time, and
"nothing more was sent" is only read after the daemon says it is idle.
"""
import datetime
import email
import email.policy
import html.parser
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import (CRONOGRAMAD, Daemon, DaemonTest, Smtpd,
                     free_port, wait_for)

T0 = "2031-01-01T12:00:00Z"
NOTICE = "2026-01-15"


def ts(iso_text):
    return int(datetime.datetime.strptime(
        iso_text, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FormReader(html.parser.HTMLParser):
    """The signup form as a browser sees it: its action and its fields
    (name -> value for text fields; the checkboxes with their values and
    whether they are checked)."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.method = None
        self.inputs = []
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "suscripcion" in (a.get("class") or ""):
            self.in_form = True
            self.action = a.get("action")
            self.method = a.get("method")
        elif tag == "input" and self.in_form:
            self.inputs.append(a)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def read_form(page):
    r = FormReader()
    r.feed(page)
    return r


class WebDriver:
    """chromedriver (Debian's chromium-driver) on 127.0.0.1, spoken to
    with the W3C WebDriver protocol over plain HTTP; stopped by PID."""

    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, tmp):
        self.port = free_port()
        self.log = open(os.path.join(tmp, "chromedriver.log"), "wb")
        self.proc = subprocess.Popen(
            ["chromedriver", "--port=%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.ready, timeout=30, what="chromedriver to answer")
        prof = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": shutil.which("chromium"),
                "args": ["--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--user-data-dir=" + prof]}}}}
        st, body = self.call("POST", "/session", caps, timeout=120)
        assert st == 200, body
        self.session = body["value"]["sessionId"]

    def ready(self):
        try:
            st, _ = self.call("GET", "/status")
            return st == 200
        except OSError:
            return False

    def call(self, method, path, body=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            c.request(method, path, body=data,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            c.close()

    def s(self, method, path, body=None):
        st, out = self.call(method, "/session/%s%s" % (self.session, path),
                            body)
        assert st == 200, (path, out)
        return out["value"]

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def find(self, css):
        return self.s("POST", "/element",
                      {"using": "css selector", "value": css})[self.ELEMENT]

    def type(self, css, text):
        self.s("POST", "/element/%s/value" % self.find(css), {"text": text})

    def click(self, css):
        self.s("POST", "/element/%s/click" % self.find(css), {})

    def source(self):
        return self.s("GET", "/source")

    def title(self):
        return self.s("GET", "/title")

    def quit(self):
        try:
            self.call("DELETE", "/session/%s" % self.session)
        finally:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.log.close()


class SignupTest(DaemonTest):
    """Each test starts its own SMTP server and daemon (self.env)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        self.smtpd = None

    def env(self, mode="open", privacy_url=""):
        self.smtpd = Smtpd(self.tmp).start()
        extra = "[office]\nname = Oficina de Enlace\nprivacy_version = %s\n" \
                "privacy_url = %s\n" % (NOTICE, privacy_url)
        if mode is not None:
            extra += "[public]\nsignup = %s\n" % mode
        self.d = self.new_daemon(smtp_url=self.smtpd.url(), http=True,
                                 extra_config=extra).start()
        self.d.set_clock(T0)
        self.import_topics()
        return self.d

    # ---- helpers ----

    def http(self, method, path, body=None, headers=None):
        """(status, headers with lower-case names, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port,
                                       timeout=30)
        try:
            h = dict(headers or {})
            if body is not None and "Content-Type" not in h:
                h["Content-Type"] = "application/x-www-form-urlencoded"
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def post_form(self, page_path="/", name="Red Ciudadana «Agua & Vida»",
                  address="agua@example.net", topics=("cambio-climatico",),
                  accept=True, honeypot=""):
        """Fill the form the page serves (its action, its field names and
        topic values, as a browser would) and post it: topics None posts
        the boxes the page ticked."""
        st, _, body = self.http("GET", page_path)
        self.assertEqual(st, 200)
        form = read_form(body.decode())
        self.assertEqual(form.method, "post")
        fields, boxes = [], []
        for a in form.inputs:
            n, t = a.get("name"), a.get("type")
            if t == "checkbox" and n == "temas":
                boxes.append(a)
            elif n == "nombre":
                fields.append((n, name))
            elif n == "correo":
                fields.append((n, address))
            elif n == "sitio":
                fields.append((n, honeypot))
            elif n == "aviso":
                if accept:
                    fields.append((n, a["value"]))
        for b in boxes:
            if (topics is None and "checked" in b) or \
               (topics is not None and b["value"] in topics):
                fields.append(("temas", b["value"]))
        return self.http("POST", form.action,
                         urllib.parse.urlencode(fields).encode())

    def rows(self, sql, *args):
        db = sqlite3.connect(self.d.db())
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def mails(self):
        out = []
        for f in self.smtpd.messages():
            with open(os.path.join(self.smtpd.spool, f), "rb") as fh:
                out.append(email.message_from_binary_file(
                    fh, policy=email.policy.default))
        return out

    def mail_text(self, m):
        return m.get_body(preferencelist=("plain",)).get_content()

    def link_of(self, m):
        found = re.search(r"(http://\S+/suscribir/confirmar/\S+)",
                          self.mail_text(m))
        self.assertIsNotNone(found, self.mail_text(m))
        return urllib.parse.urlparse(found.group(1)).path

    def oscs(self):
        st, body = self.d.curl("GET", "/v1/oscs")
        self.assertEqual(st, 200, body)
        return body["oscs"]

    # ---- the whole way: page, mail, link, reminder ----

    def test_signup_in_chromium_confirm_by_post_and_next_reminder(self):
        d = self.env()
        base = "http://127.0.0.1:%d" % d.http_port
        # The topic's page offers the form with its topic ticked, under
        # the page's strict CSP (no script, its own form only).
        st, h, body = self.http("GET", "/temas/cambio-climatico")
        self.assertEqual(st, 200)
        csp = h["content-security-policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn("form-action 'self'", csp)
        self.assertNotIn("script", body.decode().lower())
        form = read_form(body.decode())
        ticked = [a["value"] for a in form.inputs
                  if a.get("name") == "temas" and "checked" in a]
        self.assertEqual(ticked, ["cambio-climatico"])
        self.assertIn('href="/aviso-de-privacidad"', body.decode())

        wd = WebDriver(self.tmp)
        try:
            wd.go(base + "/temas/cambio-climatico")
            wd.type("#nombre", "Red Ciudadana «Agua & Vida»")
            wd.type("#correo", "agua@example.net")
            wd.click("input[name=temas][value=migracion]")
            wd.click("input[name=aviso]")
            wd.click("button[type=submit]")
            wait_for(lambda: "Revise su correo" in wd.title(), timeout=60,
                     what="the answer page in chromium")
            answer = wd.source()
            # The honeypot is there but out of sight: chromium left it
            # empty, so a request was recorded.
            wd.go(base + "/temas/cambio-climatico")
            self.assertIn('name="sitio"', wd.source())
        finally:
            wd.quit()
        self.assertIn("le llegará un mensaje con un enlace", answer)

        wait_for(lambda: self.smtpd.messages(), what="the confirmation mail")
        d.wait_idle()
        mails = self.mails()
        self.assertEqual(len(mails), 1)
        m = mails[0]
        self.assertEqual(m["To"], "agua@example.net")
        self.assertEqual(str(m["Subject"]),
                         "Confirme su suscripción a los avisos de sesiones")
        self.assertRegex(m["Message-ID"], r"^<s\.[0-9a-f]{32}@example\.org>$")
        text = self.mail_text(m)
        self.assertIn("Red Ciudadana «Agua & Vida»", text)
        self.assertIn("Cambio climático, Migración internacional", text)
        self.assertIn("El enlace vale hasta el viernes 3 de enero de 2031 a las 06:00 h, hora",
                      text)
        self.assertIn("Atentamente,", text)  # {{>firma}}
        self.assertIn("Oficina de Enlace", text)
        html_part = m.get_body(preferencelist=("html",)).get_content()
        self.assertIn("Red Ciudadana «Agua &amp; Vida»", html_part)
        self.assertIn("/suscribir/confirmar/", html_part)
        self.assertIn("kind=signup status=sent", d.log_text())
        link = self.link_of(m)
        token = link.rsplit("/", 1)[1]
        self.assertNotIn(token, d.log_text())
        # Staff see the message in the outbox, to whom it went, but not
        # its link.
        st, ob = d.curl("GET", "/v1/outbox")
        row = ob["messages"][0]
        self.assertEqual((row["kind"], row["to"], row["osc"], row["state"]),
                         ("signup", ["agua@example.net"],
                          "Red Ciudadana «Agua & Vida»", "sent"))
        st, shown = d.curl("GET", "/v1/outbox/%d" % row["id"])
        self.assertEqual(st, 200, shown)
        self.assertIn("not shown", shown["unrendered"])
        self.assertNotIn(token, json.dumps(shown))

        # A GET (a mail scanner, a preview) confirms nothing, twice.
        for _ in range(2):
            st, _, page = self.http("GET", link)
            self.assertEqual(st, 200)
            page = page.decode()
            self.assertIn("Confirmar la suscripción", page)
            self.assertIn('method="post"', page)
            self.assertIn("Migración internacional", page)
        d.wait_idle()
        self.assertEqual(self.oscs(), [])
        self.assertEqual(self.rows("SELECT state FROM signup"), [("sent",)])

        # The POST confirms: the organisation, its topics and its consent.
        st, _, page = self.http("POST", link, b"confirmar=si")
        self.assertEqual(st, 200, page)
        self.assertIn("Suscripción confirmada", page.decode())
        oscs = self.oscs()
        self.assertEqual(len(oscs), 1)
        o = oscs[0]
        self.assertEqual(o["name"], "Red Ciudadana «Agua & Vida»")
        self.assertEqual(o["emails"], ["agua@example.net"])
        self.assertEqual(sorted(o["topics"]), ["cambio-climatico", "migracion"])
        st, full = d.curl("GET", "/v1/oscs/%d" % o["id"])
        c = full["consent"][-1]
        self.assertEqual((c["how"], c["client"], c["notice"], c["detail"]),
                         ("self", "127.0.0.1", NOTICE, "signup request 1"))
        st, log = d.curl("GET", "/v1/log")
        actions = [e["action"] for e in log["entries"]]
        self.assertIn("signup.confirm", actions)
        self.assertIn("osc.add", actions)
        entry = [e for e in log["entries"] if e["action"] == "signup.confirm"][0]
        self.assertIn("client=127.0.0.1", entry["after"])
        # The link is used up.
        st, _, page = self.http("POST", link, b"confirmar=si")
        self.assertEqual(st, 410)
        self.assertIn("Enlace ya usado", page.decode())
        self.assertEqual(len(self.oscs()), 1)

        # And the new organisation gets the next reminder.
        st, ev = d.curl("POST", "/v1/events", {
            "title": "Reunión con OSC tema Cambio Climático",
            "start": "2031-03-10T10:00", "topics": ["cambio-climatico"],
            "remind": "1d"})
        self.assertEqual(st, 201, ev)
        start = ts("2031-03-10T16:00:00Z")
        d.set_clock(iso(start - 86400))
        wait_for(lambda: len(self.smtpd.messages()) == 2,
                 what="the reminder")
        d.wait_idle()
        mails = self.mails()
        self.assertEqual(len(mails), 2)
        reminder = [x for x in mails
                    if str(x["Subject"]).startswith("Recordatorio")]
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder[0]["To"], "agua@example.net")

    # ---- the answer tells nothing ----

    def test_same_bytes_for_known_unknown_repeat_honeypot_and_limit(self):
        d = self.env()
        st, body = d.curl("POST", "/v1/oscs", {
            "name": "Colectivo Conocido", "emails": ["conocido@example.net"],
            "topics": ["agenda-2030"]})
        self.assertEqual(st, 201, body)
        known_id = body["id"]
        answers = {
            "unknown": self.post_form(address="nuevo@example.net",
                                      topics=["migracion"]),
            "known": self.post_form(address="conocido@example.net",
                                    topics=["migracion"]),
            "again within the hour": self.post_form(
                address="nuevo@example.net", topics=["migracion"]),
            "honeypot": self.post_form(address="robot@example.net",
                                       topics=["migracion"],
                                       honeypot="http://spam.example"),
        }
        ref = answers["unknown"]
        self.assertEqual(ref[0], 200)
        self.assertIn("Revise su correo", ref[2].decode())
        for what, (st, h, body) in answers.items():
            self.assertEqual(st, ref[0], what)
            self.assertEqual(body, ref[2], what)
            for k in ("content-type", "content-security-policy",
                      "cache-control"):
                self.assertEqual(h[k], ref[1][k], (what, k))
        # Only the first two mailed.
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 mails")
        d.wait_idle()
        self.assertEqual(sorted(m["To"] for m in self.mails()),
                         ["conocido@example.net", "nuevo@example.net"])
        log = d.log_text()
        self.assertIn("signup 3: <nuevo@example.net> from 127.0.0.1: held, "
                      "no mail", log)
        self.assertIn("signup: the hidden field was filled from 127.0.0.1",
                      log)
        self.assertEqual(self.rows("SELECT COUNT(*) FROM signup WHERE email "
                                   "= 'robot@example.net'"), [(0,)])

        # The known organisation confirming gets the topic added, no copy.
        m = [x for x in self.mails() if x["To"] == "conocido@example.net"][0]
        st, _, page = self.http("POST", self.link_of(m), b"confirmar=si")
        self.assertEqual(st, 200, page)
        oscs = self.oscs()
        self.assertEqual(len(oscs), 1)
        self.assertEqual(oscs[0]["id"], known_id)
        self.assertEqual(oscs[0]["name"], "Colectivo Conocido")
        self.assertEqual(sorted(oscs[0]["topics"]), ["agenda-2030",
                                                     "migracion"])
        st, full = d.curl("GET", "/v1/oscs/%d" % known_id)
        self.assertEqual([c["how"] for c in full["consent"]],
                         ["staff", "self"])

        # One client may post ten forms an hour; past that the same page,
        # and nothing is recorded or sent.
        for i in range(6):  # four posts above, six here: ten
            st, _, body = self.post_form(address="lote%d@example.net" % i,
                                         topics=["drogas"])
            self.assertEqual(body, ref[2])
        st, _, body = self.post_form(address="once@example.net",
                                     topics=["drogas"])
        self.assertEqual((st, body), (ref[0], ref[2]))
        self.assertIn("signup: 127.0.0.1 posted more than 10 forms", d.log_text())
        self.assertEqual(self.rows("SELECT COUNT(*) FROM signup WHERE email "
                                   "= 'once@example.net'"), [(0,)])
        # An hour later the client may post again.
        d.set_clock(iso(ts(T0) + 3600))
        self.post_form(address="once@example.net", topics=["drogas"])
        self.assertEqual(self.rows("SELECT state FROM signup WHERE email "
                                   "= 'once@example.net'"), [("sent",)])

    def test_one_mail_an_hour_and_three_a_day_across_restarts(self):
        d = self.env()
        t0 = ts(T0)
        self.post_form(address="Ana@Example.net")
        wait_for(lambda: len(self.smtpd.messages()) == 1, what="1 mail")
        # Another request within the hour (another case, after a
        # restart): recorded, logged, nothing sent.
        d.stop()
        d.start()
        d.set_clock(iso(t0 + 3599))
        st, _, body = self.post_form(address="ana@example.net")
        self.assertEqual(st, 200)
        d.wait_idle()
        self.assertEqual(len(self.smtpd.messages()), 1)
        self.assertIn("<ana@example.net> from 127.0.0.1: held, no mail",
                      d.log_text())
        # An hour after the first: a second mail, then a third.
        d.set_clock(iso(t0 + 3600))
        self.post_form(address="ana@example.net")
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 mails")
        d.set_clock(iso(t0 + 7200))
        self.post_form(address="ana@example.net")
        wait_for(lambda: len(self.smtpd.messages()) == 3, what="3 mails")
        # Three in 24 hours: the fourth waits for the next day.
        d.set_clock(iso(t0 + 3 * 3600))
        self.post_form(address="ana@example.net")
        d.wait_idle()
        self.assertEqual(len(self.smtpd.messages()), 3)
        d.set_clock(iso(t0 + 86400 + 1))
        self.post_form(address="ana@example.net")
        wait_for(lambda: len(self.smtpd.messages()) == 4, what="4 mails")
        self.assertEqual(
            [r[0] for r in self.rows("SELECT state FROM signup ORDER BY id")],
            ["sent", "held", "sent", "sent", "held", "sent"])

    def test_link_expires_after_48_hours(self):
        d = self.env()
        self.post_form(address="tarde@example.net")
        wait_for(lambda: self.smtpd.messages(), what="the mail")
        link = self.link_of(self.mails()[0])
        d.set_clock(iso(ts(T0) + 48 * 3600 - 1))
        st, _, _ = self.http("GET", link)
        self.assertEqual(st, 200)
        d.set_clock(iso(ts(T0) + 48 * 3600))
        for method in ("GET", "POST"):
            st, _, page = self.http(method, link,
                                    b"confirmar=si" if method == "POST"
                                    else None)
            self.assertEqual(st, 410, method)
            self.assertIn("El enlace venció", page.decode())
        d.wait_idle()
        self.assertEqual(self.oscs(), [])
        self.assertEqual(self.rows("SELECT state FROM signup"), [("sent",)])
        # An unknown token: 404, in Spanish.
        st, _, page = self.http("GET", "/suscribir/confirmar/NoExisteEsteToken0")
        self.assertEqual(st, 404)
        self.assertIn("Enlace no válido", page.decode())

    # ---- what the form refuses ----

    def test_visible_fields_refused_with_the_form_again(self):
        d = self.env()
        cases = [
            (dict(accept=False), "debe aceptar el aviso de privacidad"),
            (dict(address="no es un correo"), "La dirección de correo no es "
                                              "válida"),
            (dict(topics=[]), "Elija al menos un tema."),
            (dict(name="   "), "Escriba el nombre de la organización."),
        ]
        for kw, msg in cases:
            st, h, body = self.post_form(**kw)
            page = body.decode()
            self.assertEqual(st, 400, kw)
            self.assertIn(msg, page, kw)
            self.assertIn('role="alert"', page)
            self.assertIn("content-security-policy", h)
            # What was typed stays, escaped.
            if "name" not in kw:
                self.assertIn('value="Red Ciudadana «Agua &amp; Vida»"', page)
        # A topic the page never offered (removed since, or made up).
        st, _, body = self.http(
            "POST", "/suscribir", urllib.parse.urlencode([
                ("nombre", "Red"), ("correo", "red@example.net"),
                ("temas", "no-existe"), ("aviso", "si")]).encode())
        self.assertEqual(st, 400)
        self.assertIn("Uno de los temas elegidos ya no existe", body.decode())
        d.wait_idle()
        self.assertEqual(self.rows("SELECT COUNT(*) FROM signup"), [(0,)])
        self.assertEqual(self.smtpd.messages(), [])

    def test_privacy_notice_page_or_the_office_url(self):
        self.env()
        st, _, body = self.http("GET", "/aviso-de-privacidad")
        self.assertEqual(st, 200)
        page = body.decode()
        self.assertIn("<h1>Aviso de privacidad</h1>", page)
        self.assertIn("Oficina de Enlace", page)
        self.assertIn(NOTICE, page)
        self.assertIn("derechos ARCO", page)

    def test_privacy_url_of_the_office_is_linked(self):
        self.env(privacy_url="https://example.gob.mx/aviso")
        st, _, body = self.http("GET", "/")
        self.assertIn('href="https://example.gob.mx/aviso">aviso de '
                      'privacidad</a>', body.decode())
        st, _, _ = self.http("GET", "/aviso-de-privacidad")
        self.assertEqual(st, 404)

    # ---- approval by staff ----

    def test_approval_pending_approve_and_reject(self):
        d = self.env(mode="approval")
        self.post_form(address="espera@example.net", topics=["migracion"])
        self.post_form(address="otra@example.net", topics=["drogas"])
        wait_for(lambda: len(self.smtpd.messages()) == 2, what="2 mails")
        links = {m["To"]: self.link_of(m) for m in self.mails()}
        for addr in links:
            st, _, page = self.http("POST", links[addr], b"confirmar=si")
            self.assertEqual(st, 200)
            self.assertIn("La oficina revisará la solicitud", page.decode())
        d.wait_idle()
        self.assertEqual(self.oscs(), [])
        # Used: the waiting request's link says so.
        st, _, page = self.http("GET", links["espera@example.net"])
        self.assertEqual(st, 410)
        self.assertIn("Solicitud ya confirmada", page.decode())

        pending = d.ctl_json("osc", "pending")["signups"]
        self.assertEqual([(p["id"], p["email"], p["topics"]) for p in pending],
                         [(1, "espera@example.net", ["migracion"]),
                          (2, "otra@example.net", ["drogas"])])
        self.assertEqual(pending[0]["confirm_client"], "127.0.0.1")
        self.assertNotIn("token", pending[0])
        _, out, _ = d.ctl("osc", "pending")
        self.assertIn("espera@example.net", out)
        _, out, _ = d.ctl("osc", "pending", env={"LANG": "es_MX.UTF-8"})
        self.assertIn("CORREO", out)

        _, out, _ = d.ctl("osc", "approve", "1")
        self.assertIn("request 1 approved: organisation", out)
        _, out, _ = d.ctl("osc", "reject", "2", "--reason", "no es una OSC")
        self.assertIn("request 2 rejected", out)
        oscs = self.oscs()
        self.assertEqual([o["emails"] for o in oscs], [["espera@example.net"]])
        wait_for(lambda: len(self.smtpd.messages()) == 3, what="the welcome")
        d.wait_idle()
        self.assertEqual(len(self.smtpd.messages()), 3)
        welcome = [m for m in self.mails()
                   if str(m["Subject"]).startswith("Suscripción aprobada")]
        self.assertEqual(len(welcome), 1)
        self.assertEqual(welcome[0]["To"], "espera@example.net")
        self.assertIn("Migración internacional", self.mail_text(welcome[0]))
        st, full = d.curl("GET", "/v1/oscs/%d" % oscs[0]["id"])
        c = full["consent"][-1]
        self.assertEqual((c["how"], c["client"], c["notice"]),
                         ("self", "127.0.0.1", NOTICE))
        self.assertEqual(self.rows("SELECT state, reason FROM signup "
                                   "ORDER BY id"),
                         [("done", None), ("rejected", "no es una OSC")])
        self.assertEqual(d.ctl_json("osc", "pending")["signups"], [])
        # Deciding twice, or what does not exist, is refused clearly.
        rc, _, err = d.ctl("osc", "approve", "2", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("not waiting for approval (it is rejected)", err)
        rc, _, err = d.ctl("osc", "reject", "99", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("no such signup request", err)
        rc, _, err = d.ctl("osc", "approve", "uno", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("is not a request number", err)
        st, log = d.curl("GET", "/v1/log")
        actions = [e["action"] for e in log["entries"]]
        self.assertIn("signup.approve", actions)
        self.assertIn("signup.reject", actions)

    # ---- their data ----

    def test_forget_erases_the_requests_too(self):
        d = self.env()
        self.post_form(address="olvidame@example.net")
        self.post_form(address="OLVIDAME@example.net")  # held
        wait_for(lambda: self.smtpd.messages(), what="the mail")
        st, _, _ = self.http("POST", self.link_of(self.mails()[0]),
                             b"confirmar=si")
        self.assertEqual(st, 200)
        oid = self.oscs()[0]["id"]
        self.assertEqual(self.rows("SELECT COUNT(*) FROM signup"), [(2,)])
        # Its export holds both requests, without their tokens.
        st, doc = d.curl("GET", "/v1/oscs/%d/export" % oid)
        self.assertEqual(st, 200, doc)
        reqs = doc["signup_requests"]
        self.assertEqual([(r["state"], r["client"], r["notice"]) for r in reqs],
                         [("done", "127.0.0.1", NOTICE),
                          ("held", "127.0.0.1", NOTICE)])
        self.assertNotIn("token", reqs[0])
        d.ctl("osc", "forget", str(oid), "--yes")
        self.assertEqual(self.rows("SELECT COUNT(*) FROM signup"), [(0,)])

    # ---- the configuration ----

    def test_check_refuses_a_form_without_public_site_or_a_bad_mode(self):
        for extra, want in (("[public]\nsignup = open\n",
                             "needs the public site, but [http] listen is "
                             "empty"),
                            ("[public]\nsignup = maybe\n",
                             "open|approval|off")):
            d = Daemon(self.tmp, extra_config=extra, name="c%d" % len(want))
            p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf],
                               capture_output=True, timeout=30)
            self.assertNotEqual(p.returncode, 0, extra)
            err = p.stderr.decode()
            self.assertIn("signup", err)
            self.assertIn(want, err)
        d = Daemon(self.tmp, http=True, name="ok",
                   extra_config="[public]\nsignup = approval\n")
        p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    # ---- off ----

    def test_signup_off_by_default(self):
        d = self.env(mode=None)
        for path in ("/", "/temas/cambio-climatico"):
            st, _, body = self.http("GET", path)
            self.assertEqual(st, 200)
            self.assertNotIn("/suscribir", body.decode())
        st, _, _ = self.http("POST", "/suscribir",
                             b"nombre=x&correo=a%40example.net&temas=drogas"
                             b"&aviso=si")
        self.assertEqual(st, 404)
        for path in ("/aviso-de-privacidad", "/suscribir/confirmar/abc"):
            st, _, _ = self.http("GET", path)
            self.assertEqual(st, 404, path)
        d.wait_idle()
        self.assertEqual(self.smtpd.messages(), [])
        self.assertEqual(d.ctl_json("osc", "pending")["mode"], "off")


if __name__ == "__main__":
    unittest.main()
