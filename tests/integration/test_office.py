"""The office, configured once ([office]), as organisations see it: the
public page's header and footer (name, address, contact, aviso de
privacidad, logo under the CSP), every time with its zone, undecided
windows that have closed, the Google Calendar and Outlook subscription
links beside webcal://, the feeds' X-WR-TIMEZONE and description, a
cancelled session in a feed, If-Modified-Since in HTTP's three date forms,
and `cronogramad -t` refusing bad [office] values. A real daemon on
127.0.0.1; pages read with html.parser, feeds with python3-icalendar."""
import email.utils
import html.parser
import http.client
import os
import socket
import subprocess
import unittest
import urllib.parse

from icalendar import Calendar

from harness import CRONOGRAMAD, Daemon, DaemonTest, wait_for

OFFICE = """[office]
name = Dirección de Vinculación con la Sociedad Civil «SRE» & Cía
signature = Atentamente, | Dirección de Vinculación con la Sociedad Civil
email = vinculacion@example.gob.mx
phone = +52 55 3686 5100 ext. 4021
address = Av. Juárez 20, piso 4 | Col. Centro, Cuauhtémoc | 06010 Ciudad de México
privacy_url = https://example.gob.mx/aviso-de-privacidad
logo_url = https://example.gob.mx/img/logo.png
"""
NAME = "Dirección de Vinculación con la Sociedad Civil «SRE» & Cía"


class Page(html.parser.HTMLParser):
    """The parts of a page the tests read: the text of <header>, <footer>
    and <title>, every link (href, text, class, the section it is in),
    every <img>, and each session <li> by id (class, text)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.parts = {"header": "", "footer": "", "main": ""}
        self.links, self.imgs, self.sessions = [], [], {}
        self._in, self._a, self._li, self._title = [], None, None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.parts:
            self._in.append(tag)
        elif tag == "title":
            self._title = True
        elif tag == "a":
            self._a = {"href": a.get("href"), "class": a.get("class", ""),
                       "text": "", "in": self._in[-1] if self._in else None}
        elif tag == "img":
            self.imgs.append(a)
        elif tag == "li" and "sesion" in a.get("class", ""):
            self._li = a["id"]
            self.sessions[self._li] = {"class": a["class"], "text": ""}

    def handle_endtag(self, tag):
        if tag in self.parts and self._in:
            self._in.pop()
        elif tag == "title":
            self._title = False
        elif tag == "a" and self._a is not None:
            self.links.append(self._a)
            self._a = None
        elif tag == "li":
            self._li = None

    def handle_data(self, data):
        if self._title:
            self.title += data
        for part in self._in:
            self.parts[part] += data
        if self._a is not None:
            self._a["text"] += data
        if self._li is not None:
            self.sessions[self._li]["text"] += data


def public_get(d, path):
    """GET path from daemon d's public site: (response, body). The control
    socket answering does not mean the public port listens yet (under
    ASan it may not), so wait for the port first."""
    def listening():
        try:
            socket.create_connection(("127.0.0.1", d.http_port), timeout=5).close()
            return True
        except OSError:
            return False
    wait_for(listening, timeout=20, what="the public port of %s" % d.conf)
    c = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r, r.read()
    finally:
        c.close()


class OfficeTest(DaemonTest):
    daemon_kwargs = {"http": True, "extra_config": OFFICE}

    def http(self, path, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port, timeout=10)
        try:
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def page(self, path):
        st, h, body = self.http(path)
        self.assertEqual(st, 200, body[:300])
        return Page(body.decode("utf-8")), h, body.decode("utf-8")

    def add(self, title, start, *more):
        """A new session's UID."""
        _, out, _ = self.d.ctl("add", "--title", title, "--start", start,
                               "--topics", "cambio-climatico", *more)
        return self.d.ctl_json("show", out.strip())["uid"]

    def setUp(self):
        super().setUp()
        self.d.set_clock("2018-07-15T12:00:00Z")
        self.d.import_2018()
        self.base = "http://127.0.0.1:%d" % self.d.http_port
        self.webcal = "webcal://127.0.0.1:%d" % self.d.http_port

    # ---- the page ----

    def test_page_names_the_office_and_links_its_privacy_notice(self):
        for path in ("/", "/temas/cambio-climatico", "/no-such-page"):
            st, h, body = self.http(path)
            p = Page(body.decode("utf-8"))
            self.assertIn(NAME, p.title, path)
            self.assertIn(NAME, p.parts["header"], path)
            foot = p.parts["footer"]
            for want in (NAME, "Av. Juárez 20, piso 4", "Col. Centro, Cuauhtémoc",
                         "06010 Ciudad de México", "vinculacion@example.gob.mx",
                         "+52 55 3686 5100 ext. 4021"):
                self.assertIn(want, foot, path)
            links = {l["href"]: l for l in p.links if l["in"] == "footer"}
            self.assertEqual(links["https://example.gob.mx/aviso-de-privacidad"]["text"],
                             "Aviso de privacidad")
            self.assertIn("mailto:vinculacion@example.gob.mx", links)
            self.assertIn("tel:+525536865100;ext=4021", links)
            # Escaped as text, never markup.
            self.assertIn("«SRE» &amp; Cía", body.decode("utf-8"))
            # The logo, and a CSP that lets in that one image only.
            self.assertEqual([i["src"] for i in p.imgs],
                             ["https://example.gob.mx/img/logo.png"])
            csp = h["content-security-policy"]
            self.assertIn("img-src https://example.gob.mx/img/logo.png;", csp)
            self.assertIn("default-src 'none'", csp)
        # The signature is the emails' (not the page's).
        self.assertNotIn("Atentamente", self.page("/")[2])

    def test_page_without_office_keeps_its_plain_title(self):
        d = self.new_daemon(http=True).start()
        r, body = public_get(d, "/")
        body, csp = body.decode("utf-8"), r.getheader("Content-Security-Policy")
        p = Page(body)
        self.assertEqual(p.title, "Agenda de sesiones con la sociedad civil")
        self.assertNotIn('class="oficina"', body)
        self.assertNotIn("Aviso de privacidad", body)
        self.assertNotIn("<address>", body)
        self.assertEqual(p.imgs, [])
        self.assertNotIn("img-src", csp)
        # The feed links are there all the same.
        self.assertIn("Agregar a Google Calendar", p.parts["footer"])

    def test_subscription_links_for_google_outlook_and_https(self):
        p, _, _ = self.page("/")
        topics = {t["slug"]: t["nombre"] for t in self.d.ctl_json("topics")["topics"]}
        by_class = {}
        for l in p.links:
            for cls in ("webcal", "google", "outlook", "https"):
                if cls in l["class"].split():
                    by_class.setdefault(cls, []).append(l)
        # One of each per topic, and one for every topic in the footer.
        for cls in ("webcal", "google", "outlook", "https"):
            self.assertEqual(len(by_class[cls]), len(topics) + 1, cls)
        for g, o, w, h in zip(by_class["google"], by_class["outlook"],
                              by_class["webcal"], by_class["https"]):
            self.assertEqual(g["text"], "Agregar a Google Calendar")
            self.assertEqual(o["text"], "Agregar a Outlook")
            gu = urllib.parse.urlsplit(g["href"])
            self.assertEqual((gu.scheme, gu.netloc, gu.path),
                             ("https", "calendar.google.com", "/calendar/r"))
            self.assertEqual(urllib.parse.parse_qs(gu.query), {"cid": [w["href"]]})
            ou = urllib.parse.urlsplit(o["href"])
            self.assertEqual((ou.scheme, ou.netloc, ou.path),
                             ("https", "outlook.live.com", "/calendar/0/addfromweb"))
            q = urllib.parse.parse_qs(ou.query)
            self.assertEqual(q["url"], [h["href"]])
            self.assertEqual(h["text"], h["href"])
            self.assertTrue(w["href"].startswith(self.webcal + "/calendarios/"))
            self.assertEqual(h["href"], self.base + w["href"][len(self.webcal):])
            slug = h["href"].rsplit("/", 1)[1][:-len(".ics")]
            self.assertEqual(q["name"], [topics.get(slug, "Todas las sesiones")])
            # The address given is a feed that answers.
            st, hd, _ = self.http(h["href"][len(self.base):])
            self.assertEqual(st, 200)
            self.assertEqual(hd["content-type"], "text/calendar; charset=utf-8")
        # A name with accents goes percent-encoded in UTF-8.
        self.assertIn("name=Cambio%20clim%C3%A1tico", self.page("/")[2])

    def test_every_time_says_its_zone(self):
        ids = {
            "cdmx": self.add("En la Ciudad de México", "2018-12-06T10:00",
                             "--end", "2018-12-06T12:00"),
            "cancun": self.add("En Cancún", "2018-12-05T10:00", "--tz", "America/Cancun"),
            "tijuana": self.add("En Tijuana", "2018-08-06T09:30", "--tz", "America/Tijuana"),
            "hermosillo": self.add("En Hermosillo", "2018-08-08T09:00",
                                   "--tz", "America/Hermosillo"),
            "warsaw": self.add("En Katowice", "2018-12-04T10:00", "--tz", "Europe/Warsaw"),
            "casablanca": self.add("En Marrakech", "2018-11-07T10:00",
                                   "--tz", "Africa/Casablanca"),
            "allday": self.add("Todo el día", "2018-12-07"),
        }
        want = {
            "cdmx": "de 10:00 a 12:00 h (hora del centro, CST)",
            "cancun": "10:00 h (hora del sureste, EST)",
            "tijuana": "09:30 h (hora del noroeste, PDT)",
            "hermosillo": "09:00 h (hora del Pacífico, MST)",
            "warsaw": "10:00 h (hora de Varsovia, CET)",
            "casablanca": "10:00 h (hora de Casablanca, UTC+1)",
        }
        for path in ("/", "/temas/cambio-climatico"):
            p, _, _ = self.page(path)
            for key, text in want.items():
                sid = ids[key].split("@")[0]
                self.assertIn(text, p.sessions[sid]["text"], (path, key))
            sid = ids["allday"].split("@")[0]
            self.assertNotIn(" h (", p.sessions[sid]["text"])
            self.assertNotIn("hora", p.sessions[sid]["text"])

    def test_undecided_windows_that_closed_are_marked(self):
        # 2018-40: "primer semestre de 2018", open on 15 June...
        self.d.set_clock("2018-06-15T12:00:00Z")
        p, _, body = self.page("/")
        self.assertNotIn("vencida", p.sessions["2018-40"]["class"])
        self.assertIn("Fecha por definir: primer semestre de 2018",
                      p.sessions["2018-40"]["text"])
        # ...still open on its last day in the office's zone (1 July 04:59
        # UTC is 30 June in Mexico City, then on daylight saving time)...
        self.d.set_clock("2018-07-01T04:59:00Z")
        p, _, _ = self.page("/")
        self.assertNotIn("vencida", p.sessions["2018-40"]["class"])
        # ...and closed from 1 July there: marked, listed after the open
        # ones, and still on the page.
        self.d.set_clock("2018-07-01T05:00:00Z")
        p, _, body = self.page("/")
        s = p.sessions["2018-40"]
        self.assertIn("vencida", s["class"])
        self.assertIn("Periodo vencido, fecha por definir", s["text"])
        self.assertIn("El periodo previsto ya terminó y la fecha aún no se fija.",
                      s["text"])
        self.assertIn("<h3>Periodo vencido</h3>", body)
        order = list(p.sessions)
        opened = [i for i in order if "por-definir" in p.sessions[i]["class"]
                  and "vencida" not in p.sessions[i]["class"]]
        if opened:
            self.assertLess(order.index(opened[-1]), order.index("2018-40"))
        # A date set, and it is an ordinary session again.
        self.d.ctl("reschedule", "2018-40", "10 de septiembre de 2018", "--silent")
        p, _, _ = self.page("/")
        self.assertNotIn("vencida", p.sessions["2018-40"]["class"])

    # ---- feeds ----

    def test_feeds_carry_the_office_zone_and_name(self):
        for path in ("/calendarios/todos.ics", "/calendarios/cambio-climatico.ics"):
            st, _, body = self.http(path)
            self.assertEqual(st, 200)
            cal = Calendar.from_ical(body)
            self.assertEqual(str(cal["X-WR-TIMEZONE"]), "America/Mexico_City")
            desc = str(cal["X-WR-CALDESC"])
            self.assertIn(NAME, desc)
            self.assertIn("Contacto: vinculacion@example.gob.mx", desc)
            self.assertEqual(str(cal["DESCRIPTION"]), desc)
        d = self.new_daemon(http=True, extra_config="[daemon]\ntimezone = America/Tijuana\n")
        d.start()
        cal = Calendar.from_ical(public_get(d, "/calendarios/todos.ics")[1])
        self.assertEqual(str(cal["X-WR-TIMEZONE"]), "America/Tijuana")
        self.assertEqual(str(cal["X-WR-CALDESC"]),
                         "Las sesiones de todos los temas del programa.")

    def test_cancelled_session_reads_cancelled_in_feeds(self):
        uid = self.add("Diálogo sobre el agua", "2018-09-10T10:00",
                       "--description", "Orden del día: informe")
        sid = uid.split("@")[0]
        self.d.ctl("cancel", sid, "--reason", "Sin sede, por ahora", "--silent")
        for path in ("/calendarios/todos.ics", "/calendarios/cambio-climatico.ics"):
            st, _, body = self.http(path)
            cal = Calendar.from_ical(body)
            evs = [e for e in cal.walk("VEVENT") if str(e["UID"]) == uid]
            self.assertEqual(len(evs), 1)
            ev = evs[0]
            self.assertEqual(str(ev["STATUS"]), "CANCELLED")
            self.assertEqual(str(ev["SUMMARY"]), "CANCELADA: Diálogo sobre el agua")
            self.assertEqual(str(ev["DESCRIPTION"]),
                             "Sesión cancelada. Motivo: Sin sede, por ahora\n\n"
                             "Orden del día: informe")
            self.assertEqual(str(ev["COMMENT"]),
                             "Motivo de la cancelación: Sin sede, por ahora")
            # Sessions still on keep their title.
            for e in cal.walk("VEVENT"):
                if str(e["STATUS"]) != "CANCELLED":
                    self.assertFalse(str(e["SUMMARY"]).startswith("CANCELADA"))
        # Staff's own view keeps the plain title, with the reason in COMMENT.
        ev = self.d.ctl_json("show", sid)
        self.assertEqual(ev["title"], "Diálogo sobre el agua")
        flat = ev["ical"].replace("\r\n ", "")
        self.assertIn("\r\nSUMMARY:Diálogo sobre el agua\r\n", flat)
        self.assertIn("\r\nCOMMENT:Motivo de la cancelación: Sin sede\\, por ahora\r\n",
                      flat)

    def test_if_modified_since_in_three_date_forms(self):
        path = "/calendarios/cambio-climatico.ics"
        st, h, _ = self.http(path)
        self.assertEqual(st, 200)
        lm = email.utils.parsedate_to_datetime(h["last-modified"])
        for when, fresh in ((lm, True), (lm.replace(year=lm.year + 1), True),
                            (lm.replace(year=lm.year - 1), False)):
            forms = (
                when.strftime("%a, %d %b %Y %H:%M:%S GMT"),   # IMF-fixdate
                when.strftime("%A, %d-%b-%y %H:%M:%S GMT"),   # RFC 850
                when.strftime("%a %b ") + ("%2d" % when.day)
                + when.strftime(" %H:%M:%S %Y"),              # asctime
            )
            for form in forms:
                st, h2, body = self.http(path, {"If-Modified-Since": form})
                self.assertEqual(st, 304 if fresh else 200, form)
                self.assertEqual(h2["etag"], h["etag"])
                if fresh:
                    self.assertEqual(body, b"")
        # Not a date: ignored, the feed is sent.
        for junk in ("yesterday", "Sun, 31 Feb 2018 00:00:00 GMT", "0"):
            st, _, body = self.http(path, {"If-Modified-Since": junk})
            self.assertEqual(st, 200, junk)
            self.assertTrue(body.startswith(b"BEGIN:VCALENDAR"))


class OfficeConfigTest(unittest.TestCase):
    """`cronogramad -t` refuses what a start refuses, FILE:LINE: [office]
    key: why, and writes nothing."""

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="cronograma-office-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_t_refuses_bad_office_values(self):
        d = Daemon(self.tmp, name="t")
        base = open(d.conf).read()
        cases = [
            ("email = vinculacion", "[office] email: address 'vinculacion' has no '@'"),
            ("phone = ext. 4021", "[office] phone: 'ext. 4021' is not a telephone number"),
            ("phone = 55-12", "[office] phone: '55-12' has 4 digits"),
            ("phone = 55 1234 5678 <b>", "[office] phone: '55 1234 5678 <b>' is not a telephone"),
            ("privacy_url = ftp://example.gob.mx/aviso",
             "[office] privacy_url: 'ftp://example.gob.mx/aviso': the scheme must be "
             "http:// or https://"),
            ("privacy_url = example.gob.mx/aviso",
             "[office] privacy_url: 'example.gob.mx/aviso' is not an absolute URL"),
            ("logo_url = http://example.gob.mx/logo.png",
             "[office] logo_url: 'http://example.gob.mx/logo.png': the scheme must be https://"),
            ("logo_url = https://example.gob.mx/a;b.png",
             "[office] logo_url: 'https://example.gob.mx/a;b.png' holds ; , or a quote"),
            ("address = Av. Juárez 20 || 06010 Ciudad de México",
             "[office] address: an empty line"),
            ("signature = " + " | ".join(["línea"] * 9),
             "[office] signature: 9 lines; at most 8"),
            ("name = " + "x" * 151, "[office] name: the value is 151 bytes long, more than 150"),
            ("name = Oficina\u200b de enlace",
             "[office] name: holds 1 invisible character"),
        ]
        for line, want in cases:
            with self.subTest(line=line):
                text = base + "[office]\n" + line + "\n"
                with open(d.conf, "w", encoding="utf-8") as f:
                    f.write(text)
                where = "%s:%d: " % (d.conf, text.split("\n").index(line) + 1)
                for argv in ([CRONOGRAMAD, "-t", "-c", d.conf],
                             [CRONOGRAMAD, "--config", d.conf]):
                    p = subprocess.run(argv, capture_output=True, timeout=30)
                    err = p.stderr.decode("utf-8")
                    self.assertEqual(p.returncode, 1, (argv, err))
                    self.assertIn(where + want, err, argv)
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
                    self.assertFalse(os.path.exists(d.state))
        # Not UTF-8 (a file saved as Latin-1).
        with open(d.conf, "wb") as f:
            f.write(base.encode() + b"[office]\nname = Direcci\xf3n\n")
        p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"[office] name: the value is not valid UTF-8", p.stderr)
        # Good values pass, and --print-config shows them.
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(base + OFFICE)
        p = subprocess.run([CRONOGRAMAD, "-t", "-c", d.conf], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([CRONOGRAMAD, "--print-config", "-c", d.conf],
                           capture_output=True, timeout=30)
        out = p.stdout.decode("utf-8")
        self.assertIn("[office]\nname = " + NAME + "\n", out)
        self.assertIn("phone = +52 55 3686 5100 ext. 4021\n", out)


if __name__ == "__main__":
    unittest.main()
