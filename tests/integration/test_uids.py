"""A stored session never breaks a feed: sessions with any legal UID
(spaces, ';', ',', quotes, '<', non-ASCII, very long) appear in every feed
they belong to, with a valid URL whose fragment is the page's anchor; a
session that cannot be rendered is left out with one log line, and the
feed still answers 200."""
import http.client
import re
import sqlite3
import urllib.parse

from icalendar import Calendar

from harness import DaemonTest, wait_for

NOW = "2018-03-01T12:00:00Z"

UIDS = [
    "a b@x",
    'a;b,c "<x>\'@x',
    "sesión-ñandú 会议@example.net",
    "tab\tuid@x",
    "L" * 300 + "@x",
    "plain-2018@x",
]


def ics_text(s):
    """s as an iCalendar TEXT value."""
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def calendar():
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//uids//EN"]
    for i, uid in enumerate(UIDS):
        out += ["BEGIN:VEVENT", "UID:" + ics_text(uid),
                "DTSTAMP:20180101T000000Z",
                "DTSTART;TZID=America/Mexico_City:201806%02dT100000" % (i + 1),
                "SUMMARY:Sesión %d" % i,
                "X-CRONOGRAMA-TOPICS:agenda-2030",
                "CATEGORIES:Agenda 2030", "END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


class UidTest(DaemonTest):
    daemon_kwargs = {"http": True}

    def setUp(self):
        super().setUp()
        self.d.set_clock(NOW)
        self.d.import_2018()
        path = self.tmp + "/uids.ics"
        with open(path, "w", encoding="utf-8") as f:
            f.write(calendar())
        report = self.d.ctl_json("import", path)
        self.assertTrue(report["ok"], report)

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.d.http_port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def feed_uids(self, path):
        """UID -> the URL as written, from the feed's content lines (the
        parser would percent-decode it); the feed parses as a whole."""
        st, body = self.get(path)
        self.assertEqual(st, 200, body[:300])
        cal = Calendar.from_ical(body)
        uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
        text = body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
        urls, uid = {}, None
        for line in text.split("\r\n"):
            if line.startswith("UID:"):
                uid = re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)),
                             line[4:])
            elif line.startswith("URL:"):
                urls[uid] = line[4:]
        self.assertEqual(set(urls), uids)
        return urls

    def test_every_legal_uid_is_in_every_feed(self):
        st, osc = self.d.curl("POST", "/v1/oscs", {
            "name": "Red", "emails": ["red@example.org"], "topics": ["agenda-2030"]})
        self.assertEqual(st, 201, osc)
        st, tok = self.d.curl("GET", "/v1/oscs/%d/token" % osc["id"])
        st, page = self.get("/temas/agenda-2030")
        self.assertEqual(st, 200)
        page = page.decode("utf-8")
        for path in ("/calendarios/agenda-2030.ics", "/calendarios/todos.ics",
                     "/calendarios/todos.ics?por-definir=1",
                     "/calendarios/osc/%s.ics" % tok["token"]):
            evs = self.feed_uids(path)
            for uid in UIDS:
                self.assertIn(uid, evs, "%s lacks %r" % (path, uid))
                url = evs[uid]
                # A valid URL: nothing a URL may not hold, and its
                # fragment is an anchor of the topic's page.
                self.assertIsNone(re.search(r"[\s\"<>\\^`{|}]", url), url)
                self.assertTrue(all(ord(ch) < 128 for ch in url), url)
                frag = urllib.parse.urlsplit(url).fragment
                self.assertTrue(frag)
                self.assertIn('id="%s"' % frag, page, url)
        # An ordinary UID keeps its readable anchor.
        self.assertIn('id="plain-2018"', page)

    def test_a_session_that_cannot_be_rendered_is_left_out(self):
        # Break one stored session behind the daemon's back: its zone is
        # one tzdata does not know.
        con = sqlite3.connect(self.d.db())
        con.execute("UPDATE event SET ical = replace(ical, 'America/Mexico_City',"
                    " 'Mars/Olympus') WHERE uid = 'plain-2018@x'")
        con.commit()
        con.close()
        self.d.set_clock(NOW)  # the feeds are rendered again
        evs = self.feed_uids("/calendarios/agenda-2030.ics")
        self.assertNotIn("plain-2018@x", evs)
        self.assertIn("a b@x", evs)
        self.assertEqual(self.get("/calendarios/todos.ics")[0], 200)
        self.assertEqual(self.get("/")[0], 200)
        wait_for(lambda: "plain-2018@x" in self.d.log_text(),
                 what="a log line naming the session")
        self.assertEqual(self.d.ctl("events", check=False)[0], 0)
