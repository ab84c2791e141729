"""Organisations (OSCs) through cronoctl and curl --unix-socket: add, show,
list, remove, CSV import, subscribe, unsubscribe, private feed tokens, and
the refusals: bad or duplicate addresses, unknown topics, CSV errors by
line with nothing changed."""
import os
import re
import sqlite3

from harness import DaemonTest

OSC_KEYS = {"id", "name", "emails", "contact", "state", "topics", "created_at",
            "paused_at", "erasure_requested_at"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class OscsTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.d.import_2018()
        self.d.set_clock("2018-01-15T12:00:00Z")

    # -- helpers --

    def add(self, name, emails, *more):
        _, out, _ = self.d.ctl("osc", "add", "--name", name, "--email", emails, *more)
        self.assertRegex(out, r"^\d+\n$")
        return int(out)

    def counts(self):
        c = self.d.ctl_json("status")["counts"]
        return c["oscs"], c["subscriptions"]

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def audit(self, target):
        """The audit entries about target, newest first (GET /v1/log's
        ?event= is for sessions: it adds @domain to an id without one)."""
        st, log = self.d.curl("GET", "/v1/log?limit=1000")
        self.assertEqual(st, 200)
        return [e for e in log["entries"] if e["target"] == target]

    def refused(self, args, needle):
        rc, out, err = self.d.ctl(*args, check=False)
        self.assertNotEqual(rc, 0, args)
        self.assertIn(needle, err, args)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        return err

    # -- add, show, list --

    def test_add_show_list_json_and_human(self):
        oid = self.add("Red Jalisciense de Derechos Humanos",
                       "contacto@redjal.org.mx,ana@redjal.org.mx",
                       "--contact", "Ana Pérez", "--state", "Jalisco",
                       "--topics", "migracion,cambio-climatico")
        osc = self.d.ctl_json("osc", "show", str(oid))
        self.assertEqual(set(osc), OSC_KEYS | {"consent"})
        # Only the organisation pauses or asks for erasure (its page).
        self.assertIsNone(osc["paused_at"])
        self.assertIsNone(osc["erasure_requested_at"])
        self.assertEqual(osc["id"], oid)
        self.assertEqual(osc["name"], "Red Jalisciense de Derechos Humanos")
        self.assertEqual(osc["emails"], ["contacto@redjal.org.mx", "ana@redjal.org.mx"])
        self.assertEqual(osc["contact"], "Ana Pérez")
        self.assertEqual(osc["state"], "Jalisco")
        self.assertEqual(osc["topics"], ["cambio-climatico", "migracion"])
        self.assertEqual(osc["created_at"], "2018-01-15T12:00:00Z")
        self.assertNotIn("token", osc)
        # By address (any case) and by exact name too.
        self.assertEqual(self.d.ctl_json("osc", "show", "ANA@redjal.org.mx")["id"], oid)
        self.assertEqual(self.d.ctl_json("osc", "show",
                                         "Red Jalisciense de Derechos Humanos")["id"], oid)
        # Without state or contact: null, not "active" or "".
        other = self.add("Colectivo Sin Datos", "hola@colectivo.mx")
        osc = self.d.ctl_json("osc", "show", str(other))
        self.assertIsNone(osc["state"])
        self.assertIsNone(osc["contact"])
        self.assertEqual(osc["topics"], [])

        _, out, _ = self.d.ctl("osc", "show", str(oid))
        self.assertIn("Ana Pérez", out)
        self.assertIn("Jalisco", out)
        _, out, _ = self.d.ctl("--wide", "osc", "list")
        lines = out.splitlines()
        self.assertIn("NAME", lines[0])
        # Ordered by name.
        self.assertIn("Colectivo Sin Datos", lines[1])
        self.assertIn("Red Jalisciense", lines[2])
        self.assertIn("Jalisco", lines[2])

        mig = self.d.ctl_json("osc", "list", "--topic", "migracion")["oscs"]
        self.assertEqual([o["id"] for o in mig], [oid])
        self.assertEqual(set(mig[0]), OSC_KEYS)
        self.assertEqual(self.d.ctl_json("osc", "list", "--topic", "agenda-2030")["oscs"], [])
        self.assertEqual(self.counts(), (2, 2))
        st, body = self.d.curl("GET", "/v1/oscs?topic=no-such-topic")
        self.assertEqual(st, 404)
        self.assertIn("no-such-topic", body["error"])

    def test_consent_kept_for_staff_and_import(self):
        """How each organisation came to be subscribed: staff (their
        uid), an import (its line), under the privacy notice in force;
        shown by osc show, in Spanish too, and gone with the
        organisation."""
        oid = self.add("Red Jalisciense", "ana@redjal.org.mx")
        (c,) = self.d.ctl_json("osc", "show", str(oid))["consent"]
        self.assertEqual(c["how"], "staff")
        self.assertEqual(c["by_uid"], os.getuid())
        self.assertEqual(c["at"], "2018-01-15T12:00:00Z")
        self.assertIsNone(c["notice"])
        self.assertIsNone(c["client"])
        _, out, _ = self.d.ctl("osc", "show", str(oid))
        self.assertIn("added by staff (uid %d), no privacy notice version"
                      % os.getuid(), out)

        # A new notice version in force: recorded from then on.
        self.d.stop()
        with open(self.d.conf, "a") as f:
            f.write("[office]\nprivacy_version = 2018-01-10\n")
        self.d.start()
        self.d.set_clock("2018-01-16T09:30:00Z")
        report = self.d.ctl_json("osc", "import", self.write("o.csv", self.GOOD_CSV))
        made = {r["name"]: r["id"] for r in report["rows"]}
        (c,) = self.d.ctl_json("osc", "show", str(made["Sin Tema"]))["consent"]
        self.assertEqual((c["how"], c["by_uid"], c["notice"], c["detail"]),
                         ("import", os.getuid(), "2018-01-10",
                          "5"))
        self.assertEqual(c["at"], "2018-01-16T09:30:00Z")
        # The first one keeps its own record: an import that updates an
        # organisation records no new consent.
        (c,) = self.d.ctl_json("osc", "show", str(oid))["consent"]
        self.assertIsNone(c["notice"])
        _, out, _ = self.d.ctl("osc", "show", str(made["Sin Tema"]),
                               env={"LANG": "es_MX.UTF-8"})
        self.assertIn("consentimiento:", out)
        self.assertIn("importada por el personal (uid %d), línea 5 del "
                      "archivo, aviso de privacidad 2018-01-10"
                      % os.getuid(), out)

        # The list stays lean: no consent there.
        for o in self.d.ctl_json("osc", "list")["oscs"]:
            self.assertEqual(set(o), OSC_KEYS)
        # Removed with the organisation.
        self.d.ctl("osc", "remove", str(oid))
        with sqlite3.connect(self.d.db()) as db:
            self.assertEqual(db.execute("SELECT count(*) FROM consent WHERE osc_id = ?",
                                        (oid,)).fetchone()[0], 0)

    def test_bad_addresses_refused_and_nothing_added(self):
        self.add("Primera", "ana@ejemplo.org.mx")
        for emails, needle in [
            ("sin-arroba.ejemplo.org", "sin-arroba.ejemplo.org"),
            ("ana@localhost", "ana@localhost"),
            ("ana@ejemplo..org", "ana@ejemplo..org"),
            ("ana@ejemplo.org\r\nBcc: todos@ejemplo.org", "line break"),
            ("ana\n@ejemplo.org", "line break"),
            ("ana maria@ejemplo.org", "space"),
            ("otra@ejemplo.org,OTRA@ejemplo.org", "OTRA@ejemplo.org"),
            ("nueva@ejemplo.org,ANA@ejemplo.org.mx", "ANA@ejemplo.org.mx"),
        ]:
            err = self.refused(["osc", "add", "--name", "Mala", "--email", emails], needle)
            self.assertNotIn("\r", err)
        err = self.refused(["osc", "add", "--name", "Mala", "--email",
                            "nueva@ejemplo.org,ANA@ejemplo.org.mx"], "Primera")
        self.assertIn("already belongs", err)
        self.assertEqual(self.counts(), (1, 0))

        # The same through the API: 422 for a bad one, 409 for a taken one.
        st, body = self.d.curl("POST", "/v1/oscs", {"name": "X", "emails": ["x@y.org\r\nTo: z@y.org"]})
        self.assertEqual(st, 422)
        self.assertIn("line break", body["error"])
        st, body = self.d.curl("POST", "/v1/oscs", {"name": "X", "emails": ["ana@ejemplo.org.mx"]})
        self.assertEqual(st, 409)
        self.assertIn("ana@ejemplo.org.mx", body["error"])
        st, body = self.d.curl("POST", "/v1/oscs", {"name": "X\r\nBcc: y@z.org", "emails": ["x@y.org"]})
        self.assertEqual(st, 422)
        st, body = self.d.curl("POST", "/v1/oscs", {"name": "X", "emails": []})
        self.assertEqual(st, 422)
        self.assertEqual(self.counts(), (1, 0))

    def test_api_refusals(self):
        st, body = self.d.curl("POST", "/v1/oscs", b"{not json")
        self.assertEqual(st, 400)
        self.assertIn("JSON", body["error"])
        st, body = self.d.curl("POST", "/v1/oscs", {"name": "X", "emails": "x@y.org",
                                                     "topics": ["nope", "migracion", "nada"]})
        self.assertEqual(st, 422)
        self.assertIn("'nope'", body["error"])
        self.assertIn("'nada'", body["error"])
        st, body = self.d.curl("POST", "/v1/oscs", {"name": "X", "emails": [3]})
        self.assertEqual(st, 400)
        st, body = self.d.curl("GET", "/v1/oscs/999")
        self.assertEqual(st, 404)
        st, body = self.d.curl("DELETE", "/v1/oscs/999")
        self.assertEqual(st, 404)
        oid = self.add("Una", "una@ejemplo.org")
        st, body = self.d.curl("POST", "/v1/oscs/%d/subscribe" % oid, {"topics": ["nope"]})
        self.assertEqual(st, 422)
        self.assertIn("nope", body["error"])
        st, body = self.d.curl("POST", "/v1/oscs/%d/subscribe" % oid, {"topics": []})
        self.assertEqual(st, 400)
        st, body = self.d.curl("POST", "/v1/oscs/%d/subscribe" % oid, b"[1,")
        self.assertEqual(st, 400)
        self.assertEqual(self.counts(), (1, 0))
        # cronoctl: one line naming the unknown topic.
        self.refused(["subscribe", str(oid), "migracion", "no-existe"], "no-existe")
        self.refused(["osc", "show", "nadie@ejemplo.org"], "nadie@ejemplo.org")

    # -- subscriptions --

    def test_subscribe_unsubscribe_idempotent_and_audited(self):
        oid = self.add("Colectivo Migrante", "cm@ejemplo.org", "--topics", "migracion")
        _, out, _ = self.d.ctl("subscribe", "cm@ejemplo.org", "agenda-2030", "cambio-climatico")
        self.assertIn("Colectivo Migrante (%d) follows: agenda-2030, cambio-climatico, migracion" % oid, out)
        osc = self.d.ctl_json("subscribe", str(oid), "agenda-2030")
        self.assertEqual(osc["topics"], ["agenda-2030", "cambio-climatico", "migracion"])
        self.assertEqual(self.counts(), (1, 3))
        osc = self.d.ctl_json("unsubscribe", "Colectivo Migrante", "migracion", "agenda-2030")
        self.assertEqual(osc["topics"], ["cambio-climatico"])
        osc = self.d.ctl_json("unsubscribe", str(oid), "migracion")
        self.assertEqual(osc["topics"], ["cambio-climatico"])
        self.assertEqual(self.counts(), (1, 1))
        self.assertEqual(self.d.ctl_json("osc", "list", "--topic", "migracion")["oscs"], [])
        # Subscribing again starts it again.
        osc = self.d.ctl_json("subscribe", str(oid), "migracion")
        self.assertEqual(osc["topics"], ["cambio-climatico", "migracion"])
        _, out, _ = self.d.ctl("unsubscribe", str(oid), "cambio-climatico", "migracion")
        self.assertIn("follows: no topics", out)

        entries = self.audit("osc:%d" % oid)
        actions = [e["action"] for e in entries]
        # Asking again for what was already so is not logged.
        self.assertEqual(actions, ["osc.unsubscribe", "osc.subscribe", "osc.unsubscribe",
                                   "osc.subscribe", "osc.add"])
        self.assertEqual(entries[0]["before"]["topics"], ["cambio-climatico", "migracion"])
        self.assertEqual(entries[0]["after"]["topics"], [])
        self.assertEqual(entries[0]["peer_uid"], os.getuid())

    # -- remove, token --

    def test_remove_frees_addresses(self):
        oid = self.add("Se Va", "sv@ejemplo.org,sv2@ejemplo.org", "--topics", "migracion,agenda-2030")
        self.assertEqual(self.counts(), (1, 2))
        _, out, _ = self.d.ctl("osc", "remove", "sv2@ejemplo.org")
        self.assertEqual(out, "removed organisation %d\n" % oid)
        self.assertEqual(self.counts(), (0, 0))
        self.refused(["osc", "show", str(oid)], str(oid))
        self.refused(["osc", "remove", str(oid)], str(oid))
        # Its number is not given again.
        self.assertNotEqual(self.add("Llega", "sv@ejemplo.org"), oid)
        entries = self.audit("osc:%d" % oid)
        self.assertEqual(entries[0]["action"], "osc.remove")
        self.assertEqual(entries[0]["before"]["name"], "Se Va")

    def test_token_show_and_reset(self):
        oid = self.add("Con Feed", "feed@ejemplo.org")
        t1 = self.d.ctl_json("osc", "token", str(oid))
        self.assertRegex(t1["token"], r"^[A-Za-z0-9_-]{22}$")
        self.assertEqual(t1["feed_url"],
                         "http://127.0.0.1:8080/calendarios/osc/%s.ics" % t1["token"])
        self.assertEqual(self.d.ctl_json("osc", "token", "feed@ejemplo.org"), t1)
        _, out, _ = self.d.ctl("osc", "token", str(oid), "--reset")
        m = re.search(r"token:\s+(\S+)\nprivate feed:\s+(\S+)", out)
        self.assertIsNotNone(m, out)
        self.assertNotEqual(m.group(1), t1["token"])
        self.assertTrue(m.group(2).endswith("/calendarios/osc/%s.ics" % m.group(1)))
        self.assertEqual(self.d.ctl_json("osc", "token", str(oid))["token"], m.group(1))
        # Neither token reaches the audit log or the daemon's log.
        entries = self.audit("osc:%d" % oid)
        self.assertEqual(entries[0]["action"], "osc.token.reset")
        text = str(self.d.curl("GET", "/v1/log")[1]) + self.d.log_text()
        self.assertNotIn(t1["token"], text)
        self.assertNotIn(m.group(1), text)
        st, body = self.d.curl("GET", "/v1/oscs/999/token")
        self.assertEqual(st, 404)

    # -- CSV import --

    GOOD_CSV = (
        "name,email,contact,state,topics\r\n"
        "\"Colectivo \"\"Tierra\"\", A.C.\",\"tierra@ejemplo.org; info@tierra.mx\",Luis Gómez,Oaxaca,migracion;agenda-2030\r\n"
        "Red Jalisciense,\"red@ejemplo.org,ana@ejemplo.org\",Ana,Jalisco,cambio-climatico\r\n"
        "\r\n"
        "Sin Tema,solo@ejemplo.org,,,\r\n"
    )

    def test_import_dry_run_then_import_then_update(self):
        path = self.write("oscs.csv", self.GOOD_CSV)
        report = self.d.ctl_json("osc", "import", path, "--dry-run")
        self.assertTrue(report["ok"])
        self.assertEqual([(r["line"], r["id"], r["action"]) for r in report["rows"]],
                         [(2, None, "create"), (3, None, "create"), (5, None, "create")])
        self.assertEqual(report["errors"], [])
        self.assertEqual(self.counts(), (0, 0))
        _, out, _ = self.d.ctl("osc", "import", path, "--dry-run")
        self.assertIn("dry run: nothing changed", out)
        self.assertEqual(self.counts(), (0, 0))

        _, out, _ = self.d.ctl("osc", "import", path)
        self.assertIn("3 organisations: 3 created, 0 updated, 0 unchanged", out)
        self.assertEqual(self.counts(), (3, 3))
        tierra = self.d.ctl_json("osc", "show", "info@tierra.mx")
        self.assertEqual(tierra["name"], 'Colectivo "Tierra", A.C.')
        self.assertEqual(tierra["emails"], ["tierra@ejemplo.org", "info@tierra.mx"])
        self.assertEqual((tierra["contact"], tierra["state"]), ("Luis Gómez", "Oaxaca"))
        self.assertEqual(tierra["topics"], ["agenda-2030", "migracion"])
        red = self.d.ctl_json("osc", "show", "ana@ejemplo.org")
        self.assertEqual(red["emails"], ["red@ejemplo.org", "ana@ejemplo.org"])
        sin = self.d.ctl_json("osc", "show", "Sin Tema")
        self.assertIsNone(sin["state"])

        # Same file again: all unchanged.
        report = self.d.ctl_json("osc", "import", path)
        self.assertEqual([r["action"] for r in report["rows"]], ["unchanged"] * 3)
        # A known address updates its organisation: new name, a new
        # address added, a new topic; what the row leaves empty is kept.
        path2 = self.write("update.csv",
                           "email,name,topics\n"
                           "\"ANA@ejemplo.org;nueva@ejemplo.org\",Red Jalisciense A.C.,migracion\n"
                           "nadie@ejemplo.org,Nueva Red,\n")
        report = self.d.ctl_json("osc", "import", path2)
        self.assertEqual([(r["line"], r["id"], r["action"]) for r in report["rows"]],
                         [(2, red["id"], "update"), (3, report["rows"][1]["id"], "create")])
        red2 = self.d.ctl_json("osc", "show", str(red["id"]))
        self.assertEqual(red2["name"], "Red Jalisciense A.C.")
        self.assertEqual(red2["emails"], ["red@ejemplo.org", "ana@ejemplo.org", "nueva@ejemplo.org"])
        self.assertEqual((red2["contact"], red2["state"]), ("Ana", "Jalisco"))
        self.assertEqual(red2["topics"], ["cambio-climatico", "migracion"])
        self.assertEqual(self.counts(), (4, 4))
        entries = self.audit("oscs")
        self.assertEqual([e["action"] for e in entries], ["osc.import"] * 3)
        self.assertEqual(entries[0]["after"][0]["action"], "update")

    def test_import_never_undoes_an_unsubscribe(self):
        path = self.write("a.csv", "name,email,topics\nUna,una@ejemplo.org,migracion\n")
        self.d.ctl("osc", "import", path)
        self.d.ctl("unsubscribe", "una@ejemplo.org", "migracion")
        report = self.d.ctl_json("osc", "import", path)
        self.assertEqual(report["rows"][0]["action"], "unchanged")
        self.assertEqual(self.d.ctl_json("osc", "show", "Una")["topics"], [])
        # An explicit subscribe does.
        self.assertEqual(self.d.ctl_json("subscribe", "Una", "migracion")["topics"], ["migracion"])

    def test_import_errors_by_line_and_nothing_changed(self):
        self.add("Existente", "existe@ejemplo.org", "--topics", "migracion")
        self.add("Otra Existente", "otra@ejemplo.org")
        before = self.d.ctl_json("osc", "list")
        text = (
            "name,email,contact,state,topics\n"                          # 1
            "Buena,buena@ejemplo.org,,,migracion\n"                      # 2
            "Sin arroba,sin-arroba.ejemplo.org,,,\n"                     # 3
            "Tema raro,raro@ejemplo.org,,,migracion;no-existe;tampoco\n"  # 4
            "Repetida,buena@ejemplo.org,,,\n"                            # 5
            ",sin-nombre@ejemplo.org,,,\n"                               # 6
            "\"Nombre en\ndos líneas\",dos@ejemplo.org,,,\n"             # 7-8
            "Dos dueñas,\"existe@ejemplo.org;otra@ejemplo.org\",,,\n"    # 9
            "Pocas columnas,pocas@ejemplo.org\n"                         # 10
            "Comilla mal,\"mal@ejemplo.org\"x,,,\n"                      # 11
            "Doble,\"d@ejemplo.org;D@EJEMPLO.ORG\",,,\n"                 # 12
            "Bien al final,fin@ejemplo.org,,,\n"                         # 13
        )
        path = self.write("bad.csv", text)
        rc, out, err = self.d.ctl("--json", "osc", "import", path, check=False)
        self.assertNotEqual(rc, 0)
        report = __import__("json").loads(out)
        self.assertFalse(report["ok"])
        self.assertEqual(report["rows"], [])
        errors = {e["line"]: e["message"] for e in report["errors"]}
        self.assertEqual(sorted(errors), [3, 4, 5, 6, 7, 9, 10, 11, 12], report["errors"])
        self.assertIn("sin-arroba.ejemplo.org", errors[3])
        self.assertIn("'no-existe'", errors[4])
        self.assertIn("'tampoco'", errors[4])
        self.assertIn("line 2", errors[5])
        self.assertIn("name", errors[6])
        self.assertIn("one line", errors[7])
        self.assertIn("two organisations", errors[9])
        self.assertIn("fields", errors[10])
        self.assertIn("quote", errors[11])
        self.assertIn("D@EJEMPLO.ORG", errors[12])
        self.assertIn("nothing imported", err)
        self.assertEqual(self.d.ctl_json("osc", "list"), before)
        # Human output names the lines too.
        rc, out, err = self.d.ctl("osc", "import", path, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("line 4: error:", out)
        self.assertIn("no-existe", out)
        # Headers that cannot be read.
        for text, needle in [("nombre,mail\nA,a@ejemplo.org\n", "column"),
                             ("name,contact\nA,B\n", "email"),
                             ("", "empty"),
                             ("name,email\n\"A,a@ejemplo.org\n", "not closed")]:
            path = self.write("h.csv", text)
            rc, out, _ = self.d.ctl("--json", "osc", "import", path, check=False)
            self.assertNotEqual(rc, 0, text)
            self.assertIn(needle, out, text)
        self.assertEqual(self.d.ctl_json("osc", "list"), before)

    def test_import_api_bad_requests(self):
        st, body = self.d.curl("POST", "/v1/oscs/import", {"dry_run": True})
        self.assertEqual(st, 400)
        st, body = self.d.curl("POST", "/v1/oscs/import", b"nope")
        self.assertEqual(st, 400)
        st, body = self.d.curl("POST", "/v1/oscs/import",
                               {"text": "name,email\nA,a@ejemplo.org\n", "dry_run": True})
        self.assertEqual(st, 200)
        self.assertEqual(body["rows"], [{"line": 2, "id": None, "name": "A", "action": "create"}])
        self.assertTrue(body["dry_run"])
        self.assertEqual(self.counts(), (0, 0))
