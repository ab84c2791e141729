"""A topic's own reminder offsets (cronoctl topics remind)."""
from harness import DaemonTest


class TopicRemindTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.d.import_2018()
        self.d.set_clock("2018-01-20T12:00:00Z")
        self.d.ctl("osc", "add", "--name", "Red Clima", "--email", "clima@example.net",
                   "--topics", "cambio-climatico")

    def offsets(self, event_id):
        rem = self.d.ctl_json("upcoming", "--days", "30")["reminders"]
        return sorted({r["offset_s"] for r in rem if r["event"] == event_id})

    def test_topic_offsets_apply_until_reset(self):
        # An all-day session: 1d and 2h before it fall on the same day,
        # reminded once at [reminders] allday_time.
        self.assertEqual(self.offsets("2018-08"), [86400, 604800])
        _, out, _ = self.d.ctl("topics", "remind", "cambio-climatico", "3d,1h")
        self.assertIn("3d 1h", out)
        self.assertEqual(self.offsets("2018-08"), [3600, 3 * 86400])
        topics = {t["slug"]: t for t in self.d.ctl_json("topics")["topics"]}
        self.assertEqual(topics["cambio-climatico"]["remind"], "3d 1h")
        self.assertIsNone(topics["agenda-2030"]["remind"])
        # A session's own offsets win over its topic's.
        self.d.ctl("edit", "2018-08", "--remind", "2d")
        self.assertEqual(self.offsets("2018-08"), [2 * 86400])
        self.d.ctl("topics", "remind", "cambio-climatico", "default")
        self.d.ctl("edit", "2018-08", "--remind", "")
        self.assertEqual(self.offsets("2018-08"), [86400, 604800])
        log = self.d.ctl_json("log", "--event", "topic:cambio-climatico")["entries"]
        self.assertEqual([e["action"] for e in log], ["topic.remind", "topic.remind"])

    def test_bad_offsets_are_refused(self):
        rc, _, err = self.d.ctl("topics", "remind", "cambio-climatico", "3x", check=False)
        self.assertEqual(rc, 1)
        self.assertIn("3x", err)
        rc, _, err = self.d.ctl("topics", "remind", "nope", "1d", check=False)
        self.assertEqual(rc, 1)
        self.assertIn("nope", err)
        self.assertIsNone({t["slug"]: t for t in self.d.ctl_json("topics")["topics"]}
                          ["cambio-climatico"]["remind"])
