"""Sessions through cronoctl and curl --unix-socket: list, show, add, edit,
delete, log, and the API's answers to bad requests."""
import json
import os
import re
import socket

from harness import DaemonTest, ROOT

FIELDS = {"id", "uid", "title", "kind", "start", "end", "window_start",
          "window_end", "topics", "status", "sequence"}


class EventsTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.d.import_2018()

    def test_events_json_fields_and_filters(self):
        evs = self.d.ctl_json("events")["events"]
        self.assertEqual(len(evs), 54)
        for e in evs:
            self.assertTrue(FIELDS <= set(e), FIELDS - set(e))
        # Sorted by start (window start for undecided ones).
        tbd = self.d.ctl_json("events", "--tbd")["events"]
        self.assertEqual(len(tbd), 13)
        self.assertTrue(all(e["kind"] in ("tbd", "approx") for e in tbd))
        self.assertTrue(all(e["status"] == "TENTATIVE" for e in tbd))
        clima = self.d.ctl_json("events", "--topic", "cambio-climatico")["events"]
        self.assertEqual(sorted(e["id"] for e in clima),
                         ["2018-08", "2018-16", "2018-29", "2018-36", "2018-51", "2018-53"])
        feb = self.d.ctl_json("events", "--from", "2018-02-01", "--to", "2018-02-28")["events"]
        ids = [e["id"] for e in feb]
        self.assertIn("2018-07", ids)
        self.assertIn("2018-18", ids)  # 28 Feb to 4 Mar overlaps February
        self.assertNotIn("2018-19", ids)

    def test_human_tables(self):
        _, out, _ = self.d.ctl("events", "--topic", "cambio-climatico")
        self.assertIn("2018-08", out)
        self.assertIn("feb", out)
        _, out, _ = self.d.ctl("topics")
        self.assertIn("cambio-climatico", out)
        self.assertIn("Cambio climático", out)
        _, out, _ = self.d.ctl("status")
        self.assertIn("54", out)

    def test_show_by_short_id_and_uid(self):
        a = self.d.ctl_json("show", "2018-07")
        b = self.d.ctl_json("show", "2018-07@example.org")
        self.assertEqual(a["uid"], b["uid"])
        self.assertEqual(a["start"], "2018-02-01")
        self.assertIn("BEGIN:VEVENT", a["ical"])
        rc, out, err = self.d.ctl("show", "2018-99", check=False)
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(err.strip().splitlines()), 1)
        self.assertIn("2018-99", err)

    def test_add_edit_delete_and_log(self):
        rc, out, _ = self.d.ctl("add", "--title", "Reunión de prueba",
                                "--start", "2018-09-10T10:00", "--end", "2018-09-10T12:00",
                                "--location", "Ciudad de México", "--topics",
                                "agenda-2030,migracion")
        new_id = out.strip().split()[-1]
        ev = self.d.ctl_json("show", new_id)
        self.assertEqual(ev["start_time"], "10:00")
        self.assertEqual(ev["start_utc"], "2018-09-10T15:00:00Z")  # CDT in 2018
        self.assertEqual(ev["topics"], ["agenda-2030", "migracion"])
        self.assertEqual(ev["sequence"], 0)
        self.d.ctl("edit", new_id, "--location", "Monterrey")
        ev = self.d.ctl_json("show", new_id)
        self.assertEqual(ev["location"], "Monterrey")
        self.assertEqual(ev["sequence"], 1)
        # A Spanish date expression, with a year.
        self.d.ctl("edit", new_id, "--date", "lunes 17 de septiembre de 2018")
        ev = self.d.ctl_json("show", new_id)
        self.assertEqual((ev["start"], ev["kind"], ev["sequence"]), ("2018-09-17", "date", 2))
        log = self.d.ctl_json("log", "--event", new_id)["entries"]
        self.assertEqual([e["action"] for e in log], ["event.edit", "event.edit", "event.add"])
        self.assertEqual(log[0]["peer_uid"], os.getuid())
        self.assertEqual(log[1]["before"]["location"], "Ciudad de México")
        self.assertEqual(log[1]["after"]["location"], "Monterrey")
        self.d.ctl("delete", new_id)
        rc, _, err = self.d.ctl("show", new_id, check=False)
        self.assertNotEqual(rc, 0)
        self.assertEqual(self.d.ctl_json("log", "--event", new_id)["entries"][0]["action"],
                         "event.delete")

    def test_add_date_expression_and_timezone(self):
        _, out, _ = self.d.ctl("add", "--title", "Sesión en Katowice",
                               "--start", "2018-12-03T10:00", "--tz", "Europe/Warsaw",
                               "--topics", "cambio-climatico")
        ev = self.d.ctl_json("show", out.strip().split()[-1])
        self.assertEqual(ev["start_utc"], "2018-12-03T09:00:00Z")
        _, out, _ = self.d.ctl("add", "--title", "Por fijar", "--date",
                               "segundo semestre de 2018 (fecha por definir)",
                               "--topics", "migracion")
        ev = self.d.ctl_json("show", out.strip().split()[-1])
        self.assertEqual((ev["kind"], ev["window_start"], ev["window_end"]),
                         ("tbd", "2018-07-01", "2018-12-31"))

    def test_bad_add_is_refused_and_changes_nothing(self):
        before = self.d.ctl_json("status")["counts"]["events"]
        for args, needle in [
            (["--title", "X", "--date", "31 de junio de 2018"], "31 de junio"),
            (["--title", "X", "--date", "29 de febrero de 2019"], "29 de febrero"),
            (["--title", "X", "--start", "2018-02-30"], "2018-02-30"),
            (["--title", "X", "--start", "2018-02-10", "--end", "2018-02-01"], "before"),
            (["--title", "X", "--start", "2018-02-10", "--tz", "Mars/Base"], "Mars/Base"),
            (["--title", "X", "--start", "2018-02-10", "--topics", "nope"], "nope"),
        ]:
            rc, out, err = self.d.ctl("add", *args, check=False)
            self.assertNotEqual(rc, 0, args)
            self.assertIn(needle, err, args)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertEqual(self.d.ctl_json("status")["counts"]["events"], before)

    def test_curl_on_the_socket(self):
        st, body = self.d.curl("GET", "/v1/events?topic=agenda-2030")
        self.assertEqual(st, 200)
        self.assertTrue(all("agenda-2030" in e["topics"] for e in body["events"]))
        st, body = self.d.curl("GET", "/v1/nope")
        self.assertEqual(st, 404)
        self.assertIn("error", body)
        st, body = self.d.curl("POST", "/v1/events", b"{not json")
        self.assertEqual(st, 400)
        self.assertIn("JSON", body["error"])
        st, body = self.d.curl("PUT", "/v1/events")
        self.assertEqual(st, 405)
        st, body = self.d.curl("POST", "/v1/events", b"[1,2]")
        self.assertEqual(st, 400)
        st, body = self.d.curl("GET", "/v1/events?from=yesterday")
        self.assertEqual(st, 400)
        st, body = self.d.curl("POST", "/v1/clock", {"now": "2018-01-01T00:00:00Z"})
        self.assertEqual(st, 200)

    def test_garbage_on_the_socket_closes_only_that_connection(self):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.d.socket)
        s.sendall(os.urandom(4096) + b"\r\n\r\n")
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()
        st, body = self.d.curl("GET", "/v1/status")
        self.assertEqual(st, 200)

    def test_oversized_request(self):
        st, body = self.d.curl("POST", "/v1/events", b"{\"title\": \"" + b"x" * (70 << 20) + b"\"}")
        self.assertEqual(st, 413)
        st, body = self.d.curl("GET", "/v1/status")
        self.assertEqual(st, 200)

    def test_cronoctl_errors(self):
        rc, out, err = self.d.ctl("frobnicate", check=False)
        self.assertEqual(rc, 2)
        self.assertEqual(len(err.strip().splitlines()), 1)
        rc, out, err = self.d.ctl("status", check=False,
                                  env={})
        rc, out, err = self.d.ctl("--socket", "/nonexistent/sock", "status", check=False)
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_socket_from_environment(self):
        import subprocess
        from harness import CRONOCTL
        env = dict(os.environ, CRONOGRAMA_SOCKET=self.d.socket)
        p = subprocess.run([CRONOCTL, "--json", "status"], capture_output=True, env=env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["counts"]["events"], 54)


class ApiDescriptionTest(DaemonTest):

    def test_openapi_paths_match_route_table(self):
        """schemas/control-api.yaml and the daemon's routes agree: every
        documented method+path answers something other than 404/405, and
        every route the daemon has is documented (checked through the
        daemon's own route listing in test_api.c)."""
        text = open(os.path.join(ROOT, "schemas", "control-api.yaml")).read()
        paths = re.findall(r"^  (/v1/[^:]*):\s*$", text, re.M)
        self.assertGreater(len(paths), 10)
        for p in paths:
            block = text.split("\n  " + p + ":")[1].split("\n  /")[0]
            methods = re.findall(r"^    (get|post|patch|delete|put):", block, re.M)
            self.assertTrue(methods, p)
            for m in methods:
                url = p.replace("{id}", "2018-07")
                st, _ = self.d.curl(m.upper(), url, {} if m in ("post", "patch") else None)
                self.assertNotIn(st, (404, 405), "%s %s -> %d" % (m, url, st)) if "{id}" not in p \
                    else self.assertNotEqual(st, 405, "%s %s" % (m, url))
