"""Holding, releasing and dropping messages (cronoctl outbox hold, release,
drop) end to end: a real cronogramad with its test clock and a real SMTP
server (tests/smtpd.py) that defers the first attempts, so that messages
wait in the outbox for staff to act on. "Not sent" is asserted only after
the daemon reports idle (GET /v1/status), never after a sleep.
"""
import datetime
import json
import os
import tempfile

from harness import DaemonTest, Smtpd, wait_for

T0 = "2031-01-01T00:00:00Z"


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


class OutboxHoldTest(DaemonTest):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cronograma-it-")
        self.daemons = []
        # Both first attempts are deferred (451): the messages wait.
        self.smtpd = Smtpd(self.tmp, "--fail-first", "2", "--fail-code",
                           "451").start()
        self.d = self.new_daemon(smtp_url=self.smtpd.url()).start()
        self.d.set_clock(T0)
        self.import_topics()

    def outbox(self):
        st, body = self.d.curl("GET", "/v1/outbox?limit=1000")
        self.assertEqual(st, 200, body)
        return {m["osc"]: m for m in body["messages"]}

    def attempts(self):
        path = os.path.join(self.smtpd.spool, "log.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]

    def rcpts(self):
        out = []
        for name in self.smtpd.messages():
            with open(os.path.join(self.smtpd.spool, name[:-4] + ".json"),
                      encoding="utf-8") as f:
                out += json.load(f)["rcpt_tos"]
        return sorted(out)

    def test_held_waits_released_goes_dropped_never(self):
        self.osc("Red Uno", ["uno@example.org"], ["migracion"])
        self.osc("Red Dos", ["dos@example.org"], ["migracion"])
        st, ev = self.d.curl("POST", "/v1/events", {
            "title": "Trabajos en migración", "start": "2031-05-20T10:00",
            "topics": ["migracion"], "remind": "2h"})
        self.assertEqual(st, 201, ev)
        self.d.set_clock("2031-05-20T14:00:00Z")
        wait_for(lambda: len(self.attempts()) == 2, what="two deferred tries")
        self.d.wait_idle()
        rows = self.outbox()
        uno, dos = rows["Red Uno"], rows["Red Dos"]
        self.assertEqual((uno["state"], dos["state"]), ("pending", "pending"))

        # Bad input: a clear message, nothing changed.
        rc, _, err = self.d.ctl("outbox", "hold", check=False)
        self.assertEqual(rc, 2, err)
        self.assertIn("give a message ID or --event EVENT", err)
        rc, _, err = self.d.ctl("outbox", "hold", "99999", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("no message 99999", err)
        rc, _, err = self.d.ctl("outbox", "release", str(uno["id"]),
                                check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("is pending: only a held message can be released", err)

        _, out, _ = self.d.ctl("outbox", "hold", str(uno["id"]))
        self.assertEqual(out, "1 message held: not sent until released\n")
        rc, _, err = self.d.ctl("outbox", "hold", "--event", ev["id"],
                                check=False)
        self.assertEqual(rc, 0, err)  # Red Dos's, the one still pending
        _, out, _ = self.d.ctl("outbox", "drop", str(dos["id"]))
        self.assertEqual(out, "1 message dropped: it will never be sent\n")
        rows = self.outbox()
        self.assertEqual(rows["Red Uno"]["state"], "held")
        self.assertEqual(rows["Red Dos"]["state"], "dropped")
        counts = self.d.status()["counts"]
        self.assertEqual((counts["outbox_held"], counts["outbox_dropped"],
                          counts["outbox_pending"]), (1, 1, 0))
        _, out, _ = self.d.ctl("status")
        self.assertIn("0 pending, 1 held, 0 failed, 0 sent, 1 dropped", out)
        _, out, _ = self.d.ctl("outbox", "--state", "held")
        self.assertIn("held", out)
        self.assertIn("Red Uno", out)
        self.assertNotIn("Red Dos", out)
        _, out, _ = self.d.ctl("outbox", "--state", "held",
                               env={"LANG": "es_MX.UTF-8"})
        self.assertIn("retenido", out)
        _, out, _ = self.d.ctl("outbox", "--state", "dropped",
                               env={"LANG": "es_MX.UTF-8"})
        self.assertIn("descartado", out)

        # Past both retries' times: the held and the dropped one wait.
        later = max(ts(uno["next_try"]), ts(dos["next_try"])) + 3600
        self.d.set_clock(iso(later))
        self.d.wait_idle()
        self.assertEqual(len(self.attempts()), 2)
        self.assertEqual(self.smtpd.messages(), [])

        # Released: pending, due now, sent; the dropped one never.
        _, out, _ = self.d.ctl("outbox", "release", "--event", ev["id"])
        self.assertEqual(out, "1 message released: it goes out now\n")
        wait_for(lambda: len(self.smtpd.messages()) == 1, what="the release")
        self.d.wait_idle()
        self.assertEqual(self.rcpts(), ["uno@example.org"])
        rows = self.outbox()
        self.assertEqual(rows["Red Uno"]["state"], "sent")
        self.assertEqual(rows["Red Uno"]["message_id"], uno["message_id"])
        self.assertEqual(rows["Red Dos"]["state"], "dropped")
        self.d.set_clock(iso(later + 86400))
        self.d.wait_idle()
        self.assertEqual(self.rcpts(), ["uno@example.org"])
        self.assertEqual(len(self.attempts()), 3)

        # A sent message cannot be held or dropped; a dropped one is not
        # retried or released.
        for args, why in ((("hold", str(uno["id"])), "is sent"),
                          (("drop", str(uno["id"])), "is sent"),
                          (("release", str(dos["id"])), "is dropped"),
                          (("retry", str(dos["id"])), "is dropped")):
            rc, _, err = self.d.ctl("outbox", *args, check=False)
            self.assertNotEqual(rc, 0, args)
            self.assertIn(why, err)

        # Who did what, in the audit log.
        log = self.d.ctl_json("log", "--limit", "100")["entries"]
        acts = [(e["action"], e["target"]) for e in log
                if e["action"].startswith("outbox.")]
        uid = ev["uid"]
        self.assertEqual(acts, [
            ("outbox.release", "outbox:event:" + uid),
            ("outbox.drop", "outbox:%d" % dos["id"]),
            ("outbox.hold", "outbox:event:" + uid),
            ("outbox.hold", "outbox:%d" % uno["id"]),
        ])
        self.assertTrue(all(e["peer_uid"] == os.getuid() for e in log
                            if e["action"].startswith("outbox.")))
        _, out, _ = self.d.ctl("log", env={"LANG": "es_MX.UTF-8"})
        self.assertIn("mensajes retenidos", out)
        self.assertIn("mensajes descartados", out)

    def test_bad_requests_change_nothing(self):
        for body in ({}, {"id": 0}, {"id": "1"}, {"event": ""},
                     {"id": 1, "event": "2031-01"}):
            st, res = self.d.curl("POST", "/v1/outbox/hold", body)
            self.assertEqual(st, 400, (body, res))
        st, res = self.d.curl("POST", "/v1/outbox/drop", {"event": "nada"})
        self.assertEqual(st, 404, res)
        self.assertIn("session nada has no", res["error"])
        self.assertEqual([e for e in self.d.ctl_json("log")["entries"]
                          if e["action"].startswith("outbox.")], [])
