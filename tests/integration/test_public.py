"""The public site over TCP with a real daemon: topic feeds parsed by
python3-icalendar and checked against the store, ETags and 304s, undecided
and cancelled sessions, the agenda page in headless Chromium, one-click
unsubscribe with curl, private feeds, and idle connections."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest
from email.utils import formatdate, parsedate_to_datetime

from icalendar import Calendar

from harness import DaemonTest, wait_for

NOW = "2018-03-01T12:00:00Z"
CHROMIUM = shutil.which("chromium")
# The page's screenshot goes to the test's temporary directory; set
# CRONOGRAMA_SCREENSHOT=contrib/screenshots/agenda.png to refresh the one
# the README shows (tests never change tracked files on their own).
SCREENSHOT = os.environ.get("CRONOGRAMA_SCREENSHOT")


def raw_categories(body):
    """UID -> CATEGORIES names, read from the content lines: Debian's
    python3-icalendar (4.0.3) splits a name at an escaped comma ("Foros\\,
    seminarios y conversatorios"), so the list is split here by RFC 5545
    3.3.11's rules."""
    text = body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    out, uid, cats = {}, None, []
    for line in text.split("\r\n"):
        if line == "BEGIN:VEVENT":
            uid, cats = None, []
        elif line.startswith("UID:"):
            uid = line[4:]
        elif line.startswith("CATEGORIES:"):
            cur, esc = "", False
            for ch in line[len("CATEGORIES:"):]:
                if esc:
                    cur += {"n": "\n", "N": "\n"}.get(ch, ch)
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == ",":
                    cats.append(cur)
                    cur = ""
                else:
                    cur += ch
            cats.append(cur)
        elif line == "END:VEVENT":
            out[uid] = cats
    return out


def ensure_chromium():
    """Debian's chromium: contrib/install-deps.sh (run by make check)
    installs it, so a missing browser is a failure, not a skip."""
    path = CHROMIUM or shutil.which("chromium")
    if not path:
        raise AssertionError("chromium is not installed: run contrib/install-deps.sh")
    return path


# An office as the README configures it, so that the page (and its
# screenshot) shows what organisations see.
OFFICE = """[office]
name = Dirección de Vinculación con la Sociedad Civil
email = vinculacion@example.gob.mx
phone = +52 55 3686 5100 ext. 4021
address = Av. Juárez 20, piso 4 | Col. Centro, Cuauhtémoc | 06010 Ciudad de México
privacy_url = https://example.gob.mx/aviso-de-privacidad
"""


class PublicTest(DaemonTest):
    daemon_kwargs = {"http": True, "extra_config": OFFICE}

    def setUp(self):
        super().setUp()
        self.d.set_clock(NOW)
        self.d.import_2018()
        self.topics = {t["slug"]: t for t in self.d.ctl_json("topics")["topics"]}

    # ---- helpers ----

    def http(self, method, path, headers=None, body=None):
        """(status, headers as a dict with lower-case names, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def feed(self, path):
        st, h, body = self.http("GET", path)
        self.assertEqual(st, 200, body[:300])
        self.assertEqual(h["content-type"], "text/calendar; charset=utf-8")
        return Calendar.from_ical(body), h, body

    def etag(self, path):
        st, h, _ = self.http("GET", path)
        self.assertEqual(st, 200)
        return h["etag"]

    def store_events(self, slug=None, tbd=False):
        args = ["events"] + (["--topic", slug] if slug else [])
        evs = self.d.ctl_json(*args)["events"]
        if not tbd:
            evs = [e for e in evs if e["kind"] in ("date", "range")]
        return evs

    def cancel(self, short_id):
        """Cancel through the API: the cancel route, or else an .ics import
        of the session with STATUS:CANCELLED (both go through the store's
        one writer)."""
        st, _ = self.d.curl("POST", "/v1/events/%s/cancel" % short_id,
                            {"reason": "Por causas de fuerza mayor"})
        if st == 200:
            return
        ev = self.d.ctl_json("show", short_id)
        vevent = ev["ical"].replace("STATUS:CONFIRMED", "STATUS:CANCELLED")
        vevent = vevent.replace("SEQUENCE:%d" % ev["sequence"],
                                "SEQUENCE:%d" % (ev["sequence"] + 1))
        path = os.path.join(self.tmp, "cancel.ics")
        with open(path, "w", newline="") as f:
            f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//ES\r\n"
                    + vevent + "END:VCALENDAR\r\n")
        self.d.ctl("import", path)
        self.assertEqual(self.d.ctl_json("show", short_id)["status"], "CANCELLED")

    # ---- feeds ----

    def test_public_every_feed_parses_and_matches_store(self):
        for slug, topic in self.topics.items():
            cal, h, body = self.feed("/calendarios/%s.ics" % slug)
            cats_by_uid = raw_categories(body)
            self.assertEqual(str(cal["X-WR-CALNAME"]), topic["nombre"])
            self.assertEqual(str(cal["NAME"]), topic["nombre"])
            self.assertEqual(str(cal["METHOD"]), "PUBLISH")
            self.assertIn("DESCRIPTION", cal)
            self.assertEqual(cal["REFRESH-INTERVAL"].to_ical(), b"PT6H")
            self.assertEqual(cal["X-PUBLISHED-TTL"].to_ical(), b"PT6H")
            events = cal.walk("VEVENT")
            want = self.store_events(slug)
            self.assertEqual(sorted(str(e["UID"]) for e in events),
                             sorted(e["uid"] for e in want), slug)
            tzids = {tz["TZID"] for tz in cal.walk("VTIMEZONE")}
            for e in events:
                self.assertIn("CATEGORIES", e)
                store_ev = [x for x in want if x["uid"] == str(e["UID"])][0]
                names = cats_by_uid[str(e["UID"])]
                self.assertIn(topic["nombre"], names)
                self.assertEqual(len(names), len(store_ev["topics"]))
                for k in ("UID", "SEQUENCE", "STATUS", "LAST-MODIFIED", "URL",
                          "DTSTAMP", "DTSTART"):
                    self.assertIn(k, e, (slug, k))
                short = str(e["UID"]).split("@")[0]
                self.assertEqual(str(e["URL"]), "http://127.0.0.1:%d/temas/%s#%s"
                                 % (self.d.http_port, slug, short))
                self.assertNotIn("VALARM", [c.name for c in e.subcomponents])
                tzid = e["DTSTART"].params.get("TZID")
                if tzid:
                    self.assertIn(tzid, tzids)
            self.assertTrue(h["etag"].startswith('"'), h["etag"])
            self.assertIn("last-modified", h)
        cal, _, _ = self.feed("/calendarios/todos.ics")
        self.assertEqual(len(cal.walk("VEVENT")), len(self.store_events()))
        cal, _, _ = self.feed("/calendarios/todos.ics?por-definir=1")
        self.assertEqual(len(cal.walk("VEVENT")), 54)

    def test_public_timed_session_carries_vtimezone(self):
        self.d.ctl("add", "--title", "Sesión en Nueva York", "--start",
                   "2018-09-10T10:00", "--end", "2018-09-10T12:00", "--tz",
                   "America/New_York", "--topics", "agenda-2030")
        cal, _, _ = self.feed("/calendarios/agenda-2030.ics")
        tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        self.assertIn("America/New_York", tzids)
        ny = [e for e in cal.walk("VEVENT") if "Nueva York" in str(e["SUMMARY"])]
        self.assertEqual(len(ny), 1)
        self.assertEqual(ny[0]["DTSTART"].dt.isoformat(), "2018-09-10T10:00:00-04:00")

    def test_public_por_definir_only_when_asked(self):
        cal, _, _ = self.feed("/calendarios/cambio-climatico.ics")
        uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
        cal2, _, _ = self.feed("/calendarios/cambio-climatico.ics?por-definir=1")
        events = cal2.walk("VEVENT")
        tbd = [e for e in events if str(e["UID"]) not in uids]
        want = [e for e in self.store_events("cambio-climatico", tbd=True)
                if e["kind"] in ("tbd", "approx")]
        self.assertEqual(len(tbd), len(want))
        self.assertGreater(len(tbd), 0)
        for e in tbd:
            self.assertEqual(str(e["STATUS"]), "TENTATIVE")
            self.assertLess(e["DTSTART"].dt, e["DTEND"].dt)
        self.assertTrue(all(str(e["STATUS"]) != "TENTATIVE"
                            for e in cal.walk("VEVENT")))

    def test_public_etag_changes_after_edit_and_only_then(self):
        clima, migr = "/calendarios/cambio-climatico.ics", "/calendarios/migracion.ics"
        a, m = self.etag(clima), self.etag(migr)
        self.assertEqual(self.etag(clima), a)
        # Something that changes nothing a feed shows: the same bytes.
        self.d.set_clock(NOW)
        self.assertEqual(self.etag(clima), a)
        self.d.ctl("edit", "2018-08", "--location", "Ciudad de México")
        b = self.etag(clima)
        self.assertNotEqual(a, b)
        self.assertEqual(self.etag(clima), b)
        self.assertEqual(self.etag(migr), m)
        cal, _, _ = self.feed(clima)
        ev = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("2018-08@")][0]
        self.assertEqual(str(ev["LOCATION"]), "Ciudad de México")
        self.assertEqual(int(ev["SEQUENCE"]), 1)
        # A session deleted: its topic's feed changes too.
        self.d.ctl("delete", "2018-08")
        self.assertNotEqual(self.etag(clima), b)

    def test_public_conditional_requests_and_head(self):
        path = "/calendarios/agenda-2030.ics"
        st, h, body = self.http("GET", path)
        etag, lm = h["etag"], h["last-modified"]
        self.assertEqual(int(h["content-length"]), len(body))
        for inm in (etag, "W/" + etag, '"nope", ' + etag, "*"):
            st, h2, b2 = self.http("GET", path, {"If-None-Match": inm})
            self.assertEqual(st, 304, inm)
            self.assertEqual(b2, b"")
            self.assertEqual(h2["etag"], etag)
        st, _, b2 = self.http("GET", path, {"If-None-Match": '"other"'})
        self.assertEqual((st, b2), (200, body))
        st, _, b2 = self.http("GET", path, {"If-Modified-Since": lm})
        self.assertEqual((st, b2), (304, b""))
        earlier = formatdate(parsedate_to_datetime(lm).timestamp() - 1, usegmt=True)
        st, _, _ = self.http("GET", path, {"If-Modified-Since": earlier})
        self.assertEqual(st, 200)
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3).
        st, _, _ = self.http("GET", path, {"If-None-Match": '"other"',
                                           "If-Modified-Since": lm})
        self.assertEqual(st, 200)
        st, h, b2 = self.http("HEAD", path)
        self.assertEqual((st, b2), (200, b""))
        self.assertEqual(h["etag"], etag)
        self.assertEqual(int(h["content-length"]), len(body))
        st, h, b2 = self.http("HEAD", path, {"If-None-Match": etag})
        self.assertEqual((st, b2), (304, b""))
        # The page has an ETag too.
        st, h, _ = self.http("GET", "/")
        st, _, b2 = self.http("GET", "/", {"If-None-Match": h["etag"]})
        self.assertEqual((st, b2), (304, b""))

    def test_public_cancelled_stay_thirty_days(self):
        self.cancel("2018-20")
        cal, _, _ = self.feed("/calendarios/agenda-2030.ics")
        ev = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("2018-20@")]
        self.assertEqual(len(ev), 1)
        self.assertEqual(str(ev[0]["STATUS"]), "CANCELLED")
        self.assertGreaterEqual(int(ev[0]["SEQUENCE"]), 1)
        st, _, page = self.http("GET", "/temas/agenda-2030")
        self.assertIn(b"Cancelada", page)
        self.d.set_clock("2018-03-30T12:00:00Z")
        cal, _, _ = self.feed("/calendarios/agenda-2030.ics")
        self.assertTrue(any(str(e["UID"]).startswith("2018-20@")
                            for e in cal.walk("VEVENT")))
        self.d.set_clock("2018-04-01T12:00:01Z")
        cal, _, _ = self.feed("/calendarios/agenda-2030.ics")
        self.assertFalse(any(str(e["UID"]).startswith("2018-20@")
                             for e in cal.walk("VEVENT")))

    # ---- limits and safety ----

    def test_public_methods_paths_and_headers(self):
        for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            st, h, _ = self.http(m, "/calendarios/agenda-2030.ics", body=b"")
            self.assertEqual(st, 405, m)
            self.assertEqual(h["allow"], "GET, HEAD")
        st, h, _ = self.http("PUT", "/baja/1.paz.x", body=b"")
        self.assertEqual((st, h["allow"]), (405, "GET, HEAD, POST"))
        for p in ("/v1/status", "/v1/events", "/v1/clock", "/nada",
                  "/calendarios/no-existe.ics", "/calendarios/agenda-2030",
                  "/calendarios/../cronograma.db", "/temas/no-existe",
                  "/temas/1.1", "/calendarios/osc/nope.ics", "/baja/nope",
                  "/etc/passwd", "/calendarios/%2e%2e/x.ics"):
            st, _, _ = self.http("GET", p)
            self.assertEqual(st, 404, p)
        st, _, _ = self.http("POST", "/v1/clock", body=b'{"now":"2030-01-01"}')
        self.assertEqual(st, 404)
        st, h, body = self.http("GET", "/salud")
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(body)["status"], "ok")
        st, h, body = self.http("GET", "/")
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertIn("default-src 'none'", h["content-security-policy"])
        self.assertNotIn("unsafe", h["content-security-policy"])
        self.assertIn("referrer-policy", h)
        # Too large a body: refused before it is read.
        st, _, _ = self.http("POST", "/baja/1.paz.x", body=b"x" * 20000)
        self.assertEqual(st, 413)

    def test_public_idle_connections_do_not_block(self):
        idle = []
        try:
            for _ in range(10):
                s = socket.create_connection(("127.0.0.1", self.d.http_port))
                idle.append(s)
            # Half a request line on some: MHD must not wait on them.
            for s in idle[:5]:
                s.sendall(b"GET /calendarios/paz")
            t0 = time.monotonic()
            st, _, body = self.http("GET", "/calendarios/agenda-2030.ics")
            took = time.monotonic() - t0
            self.assertEqual(st, 200)
            self.assertIn(b"BEGIN:VCALENDAR", body)
            self.assertLess(took, 1.0)
        finally:
            for s in idle:
                s.close()

    def test_public_key_file_private(self):
        key = os.path.join(self.d.state, "unsubscribe.key")
        st = os.stat(key)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_size, 32)
        self.d.stop()
        os.chmod(key, 0o644)
        self.d.start(wait=False)
        self.d.proc.wait(20)
        self.assertNotEqual(self.d.proc.returncode, 0)
        self.assertIn("unsubscribe.key", self.d.log_text())
        os.chmod(key, 0o600)
        self.d.start()

    # ---- the page ----

    def dump_dom(self, path, screenshot=None):
        chromium = ensure_chromium()
        prof = tempfile.mkdtemp(prefix="chromium-", dir=self.tmp)
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + prof]
        url = "http://127.0.0.1:%d%s" % (self.d.http_port, path)
        if screenshot:
            os.makedirs(os.path.dirname(screenshot), exist_ok=True)
            p = subprocess.run(args + ["--screenshot=" + screenshot,
                                       "--window-size=1200,1600", url],
                               capture_output=True, timeout=120)
            self.assertTrue(os.path.getsize(screenshot) > 10000, p.stderr[-500:])
        p = subprocess.run(args + ["--dump-dom", url], capture_output=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        return p.stdout.decode("utf-8")

    def test_public_agenda_page_in_chromium(self):
        dom = self.dump_dom("/", screenshot=SCREENSHOT or
                            os.path.join(self.tmp, "agenda.png"))
        self.assertIn('<html lang="es">', dom)
        self.assertIn("<h1>", dom)
        self.assertIn('id="proximas"', dom)
        self.assertIn("Por definir", dom)
        # Upcoming sessions (relative to the test clock) by month, with
        # their date in words; past ones are not on the agenda.
        self.assertIn("Marzo de 2018", dom)
        self.assertIn('id="2018-20"', dom)
        self.assertIn("martes 6 de marzo de 2018", dom)
        self.assertNotIn('id="2018-07"', dom)  # 1 February
        for e in self.store_events():
            if e["start"] >= "2018-03-02":
                self.assertIn('id="%s"' % e["id"], dom)
        # Undecided sessions with their window in words.
        self.assertIn('id="2018-40"', dom)
        self.assertIn("primer semestre de 2018", dom)
        # Each topic with its two subscribe links.
        for slug in self.topics:
            self.assertIn('href="webcal://127.0.0.1:%d/calendarios/%s.ics"'
                          % (self.d.http_port, slug), dom)
            self.assertIn('href="http://127.0.0.1:%d/calendarios/%s.ics"'
                          % (self.d.http_port, slug), dom)
        # The office in the header and the footer, its privacy notice, and
        # the links for calendars without a webcal handler.
        self.assertIn('<p class="oficina">Dirección de Vinculación con la '
                      'Sociedad Civil</p>', dom)
        self.assertIn('href="https://example.gob.mx/aviso-de-privacidad">'
                      'Aviso de privacidad</a>', dom)
        self.assertIn(">Agregar a Google Calendar</a>", dom)
        self.assertIn(">Agregar a Outlook</a>", dom)
        # Escaped values survive as text, not markup.
        self.assertIn('<h4>"Las OSC en 8 Conferencias"</h4>', dom)
        _, _, raw = self.http("GET", "/")
        self.assertIn("&quot;Las OSC en 8 Conferencias&quot;", raw.decode())

    def test_public_topic_page_and_escaping(self):
        self.d.ctl("add", "--title", "<script>alert(1)</script> & \"más\"",
                   "--start", "2018-10-10", "--location", "<b>Sala</b>",
                   "--topics", "cultura-de-paz")
        st, _, body = self.http("GET", "/temas/cultura-de-paz")
        self.assertEqual(st, 200)
        page = body.decode("utf-8")
        self.assertNotIn("<script>", page)
        self.assertNotIn("<b>Sala", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;más&quot;", page)
        dom = self.dump_dom("/temas/cambio-climatico")
        self.assertIn("<h1>Cambio climático</h1>", dom)
        for e in self.store_events("cambio-climatico", tbd=True):
            self.assertIn('id="%s"' % e["id"], dom)
        self.assertIn("webcal://127.0.0.1:%d/calendarios/cambio-climatico.ics"
                      % self.d.http_port, dom)

    # ---- organisations: unsubscribe and private feeds ----

    def new_osc(self, topics, name="Red Ciudadana «Agua & Vida»",
                email="contacto@agua.example.org"):
        st, osc = self.d.curl("POST", "/v1/oscs", {
            "name": name, "emails": [email], "topics": topics})
        self.assertIn(st, (200, 201), osc)
        return osc["id"]

    def osc_topics(self, osc_id):
        st, osc = self.d.curl("GET", "/v1/oscs/%d" % osc_id)
        self.assertEqual(st, 200, osc)
        return sorted(osc["topics"])

    def unsubscribe_token(self, osc_id, slug):
        """The token as the daemon makes it: HMAC-SHA256 under the key
        file, computed here independently."""
        with open(os.path.join(self.d.state, "unsubscribe.key"), "rb") as f:
            key = f.read()
        msg = b"cronograma-unsubscribe-v1\0%d\0%s" % (osc_id, slug.encode())
        mac = base64.urlsafe_b64encode(hmac.new(key, msg, hashlib.sha256).digest())
        return "%d.%s.%s" % (osc_id, slug, mac.rstrip(b"=").decode())

    def curl_public(self, *args):
        p = subprocess.run(["curl", "-s", "-S", "-o", "-", "-w", "\n%{http_code}"]
                           + list(args), capture_output=True, timeout=30)
        out = p.stdout
        nl = out.rfind(b"\n")
        return int(out[nl + 1:]), out[:nl].decode("utf-8", "replace")

    def test_public_unsubscribe_one_click(self):
        osc_id = self.new_osc(["cambio-climatico", "cultura-de-paz", "migracion"])
        tok = self.unsubscribe_token(osc_id, "migracion")
        url = "http://127.0.0.1:%d/baja/%s" % (self.d.http_port, tok)
        # GET shows the page and changes nothing (mail scanners follow links).
        for _ in range(2):
            st, page = self.curl_public(url)
            self.assertEqual(st, 200)
            self.assertIn("Red Ciudadana «Agua &amp; Vida»", page)
            self.assertIn("Migración internacional", page)
            self.assertIn('name="List-Unsubscribe" value="One-Click"', page)
        st, _ = self.curl_public("-I", url)
        self.assertEqual(st, 200)
        self.assertEqual(self.osc_topics(osc_id), ["cambio-climatico", "cultura-de-paz", "migracion"])
        # An altered token: 404, for GET and POST, nothing changes.
        bad = tok[:-1] + ("A" if tok[-1] != "A" else "B")
        for t in (bad, tok.replace("migracion", "cultura-de-paz"), "%d.migracion.x" % osc_id):
            burl = "http://127.0.0.1:%d/baja/%s" % (self.d.http_port, t)
            self.assertEqual(self.curl_public(burl)[0], 404)
            self.assertEqual(self.curl_public(
                "-d", "List-Unsubscribe=One-Click", burl)[0], 404)
        self.assertEqual(self.osc_topics(osc_id), ["cambio-climatico", "cultura-de-paz", "migracion"])
        # A POST without the RFC 8058 body does nothing.
        st, _ = self.curl_public("-X", "POST", url)
        self.assertEqual(st, 400)
        self.assertIn("migracion", self.osc_topics(osc_id))
        # One click: unsubscribed; a second POST is harmless.
        st, page = self.curl_public("-d", "List-Unsubscribe=One-Click", url)
        self.assertEqual(st, 200)
        self.assertIn("Baja registrada", page)
        self.assertEqual(self.osc_topics(osc_id), ["cambio-climatico", "cultura-de-paz"])
        st, _ = self.curl_public("-d", "List-Unsubscribe=One-Click", url)
        self.assertEqual(st, 200)
        self.assertEqual(self.osc_topics(osc_id), ["cambio-climatico", "cultura-de-paz"])
        log = self.d.ctl_json("log")["entries"]
        unsub = [e for e in log if e["action"] == "osc.unsubscribe"]
        self.assertEqual(len(unsub), 1, unsub)
        # The page now says it is done already, without a button.
        st, page = self.curl_public(url)
        self.assertEqual(st, 200)
        self.assertNotIn("<form", page)
        # multipart/form-data, as RFC 8058 recommends to mail providers.
        tok2 = self.unsubscribe_token(osc_id, "cultura-de-paz")
        st, _ = self.curl_public("-F", "List-Unsubscribe=One-Click",
                                 "http://127.0.0.1:%d/baja/%s" % (self.d.http_port, tok2))
        self.assertEqual(st, 200)
        self.assertEqual(self.osc_topics(osc_id), ["cambio-climatico"])

    def test_public_unsubscribed_gets_no_reminder(self):
        gone = self.new_osc(["migracion"])
        stays = self.new_osc(["migracion"], name="Observatorio Migrante",
                             email="hola@observatorio.example.org")
        url = "http://127.0.0.1:%d/baja/%s" % (
            self.d.http_port, self.unsubscribe_token(gone, "migracion"))
        st, _ = self.curl_public("-d", "List-Unsubscribe=One-Click", url)
        self.assertEqual(st, 200)
        # 2018-47 is all day on 22 August: its 7-day reminder falls due on
        # the 15th at 09:00 in Mexico City (14:00 UTC in 2018).
        self.d.set_clock("2018-08-15T14:00:30Z")

        def rows():
            st, out = self.d.curl("GET", "/v1/outbox")
            self.assertEqual(st, 200, out)
            return [m for m in out["messages"] if m["event"] == "2018-47"]
        wait_for(lambda: any(m["osc_id"] == stays for m in rows()),
                 timeout=10, what="the reminder of 2018-47 in the outbox")
        self.assertEqual([m for m in rows() if m["osc_id"] == gone], [])

    def test_public_private_feed(self):
        osc_id = self.new_osc(["cambio-climatico", "migracion"])
        st, tok = self.d.curl("GET", "/v1/oscs/%d/token" % osc_id)
        self.assertEqual(st, 200, tok)
        path = "/calendarios/osc/%s.ics" % tok["token"]
        cal, h, _ = self.feed(path)
        self.assertIn("private", h["cache-control"])
        want = {e["uid"] for s in ("cambio-climatico", "migracion")
                for e in self.store_events(s)}
        self.assertEqual({str(e["UID"]) for e in cal.walk("VEVENT")}, want)
        _, out, _ = self.d.ctl("osc", "token", str(osc_id), "--reset")
        st, new = self.d.curl("GET", "/v1/oscs/%d/token" % osc_id)
        self.assertNotEqual(new["token"], tok["token"])
        self.assertEqual(self.http("GET", path)[0], 404)
        self.feed("/calendarios/osc/%s.ics" % new["token"])


if __name__ == "__main__":
    unittest.main()
