"""cronoctl in the staff's language and the office's time.

A staff member's whole day (import, organisations from Excel, add,
reschedule, cancel, the outbox, errors) reads Spanish under
LANG=es_MX.UTF-8 and English under LANG=C, from the same daemon answers;
--json is the same in both. Times are the office's whatever cronoctl's TZ.
Organisation files come as Excel writes them on a Spanish Windows.
"""
import json
import os
import re
import subprocess

from harness import CRONOCTL, DaemonTest, PROGRAMME, ROOT, TOPICS, ctl_env

ES = {"LANG": "es_MX.UTF-8"}
EN = {"LANG": "C"}
T0 = "2018-02-01T18:00:00Z"  # Thursday, 12:00 in Mexico City

# English words of cronoctl's own that must not show in Spanish output.
ENGLISH = ["created", "updated", "unchanged", " sessions", "rescheduled",
           "cancelled", "DUE", "KIND", "pending", "update to", "usage",
           "organisations", "nothing", "TITLE", "(version", "reminder ",
           "undecided", "opens", "follows", "STATUS", "see '"]
# And Spanish words of its own that must not show in English output (the
# data, titles and names, are Spanish in both).
SPANISH = ["nuevas,", "actualizadas", "sin cambios", " sesiones:", "cambió de",
           "cancelada (", "ENVÍO", "TIPO", "pendiente", "aviso de", "uso:",
           "organizaciones:", "TÍTULO", "versión", "recordatorio ", "abre en",
           "sigue:", "véase", "línea "]

# Organisations as a Spanish Excel saves "CSV (delimitado por comas)":
# Windows-1252, CRLF, the list separator of the regional settings (';' in
# Spain), quotes only where a field needs them.
EXCEL_ROWS = [
    ["Nombre", "Correo electrónico", "Contacto", "Estado", "Temas"],
    ["Asociación Niñez y Educación, A.C.", "ninez@ejemplo.org",
     "Begoña Ibáñez Güemes", "Michoacán", "migracion"],
    ["Red Peñasco; Ecología", "penasco@ejemplo.org; info@penasco.mx",
     "José Ángel Núñez", "Nuevo León", "cambio-climatico;agenda-2030"],
    ["Colectivo Señales", "senales@ejemplo.org", "Ramón Díaz", "Yucatán", ""],
]


def excel_csv(rows, sep):
    def field(v):
        if sep in v or '"' in v or "\n" in v:
            return '"%s"' % v.replace('"', '""')
        return v
    text = "".join(sep.join(field(v) for v in row) + "\r\n" for row in rows)
    return text.encode("cp1252")


class I18nTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.d.set_clock(T0)

    def both(self, *args, check=True):
        """Run args in Spanish and in English; (es, en) as (rc, out, err)."""
        return (self.d.ctl(*args, env=ES, check=check),
                self.d.ctl(*args, env=EN, check=check))

    def assertSpanish(self, text):
        # Option names are cronoctl's syntax, the same in every language.
        text = re.sub(r"--[a-z-]+", "--", text)
        for w in ENGLISH:
            self.assertNotIn(w, text, "English %r in Spanish output:\n%s" % (w, text))

    def assertEnglish(self, text):
        for w in SPANISH:
            self.assertNotIn(w, text, "Spanish %r in English output:\n%s" % (w, text))

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_a_staff_day_in_spanish_and_in_english(self):
        """The same day twice, on two daemons with the same clock: one
        staff member works in Spanish, the other in English."""
        es_all, en_all = [], []
        self.en = self.new_daemon().start()
        self.en.set_clock(T0)

        def day(args, es_needles, en_needles, check=True):
            rc_es, out_es, err_es = self.d.ctl(*args, env=ES, check=check)
            rc_en, out_en, err_en = self.en.ctl(*args, env=EN, check=check)
            self.assertEqual(rc_es, rc_en, args)
            for n in es_needles:
                self.assertIn(n, out_es + err_es, args)
            for n in en_needles:
                self.assertIn(n, out_en + err_en, args)
            es_all.append(out_es + err_es)
            en_all.append(out_en + err_en)
            return out_es, out_en

        # The programme, with its topics (dry run twice: the day is real
        # once, in Spanish).
        day(["import", PROGRAMME, "--year", "2018", "--topics", TOPICS, "--dry-run"],
            ["54 sesiones (por crear: 54", "simulación: no se cambió nada",
             "RESULTADO", "por definir", "advertencia"],
            ["54 sessions: 54 to create", "dry run: nothing changed", "ACTION",
             "undecided", "warning"])
        day(["import", PROGRAMME, "--year", "2018", "--topics", TOPICS],
            ["54 sesiones (nuevas: 54, actualizadas: 0, sin cambios: 0)", "nueva"],
            ["54 sessions: 54 created, 0 updated, 0 unchanged", "create"])
        day(["topics"], ["CLAVE", "SESIONES"], ["CODE", "SESSIONS"])

        # Organisations from Excel.
        path = self.write("organizaciones.csv", excel_csv(EXCEL_ROWS, ";"))
        day(["osc", "import", path, "--dry-run"],
            ["se leyó como texto Windows-1252", "punto y coma",
             "3 organizaciones (nuevas: 3", "LÍNEA", "RESULTADO"],
            ["read as Windows-1252 text", "semicolons",
             "3 organisations: 3 created", "LINE", "ACTION"])
        day(["osc", "import", path], ["3 organizaciones (nuevas: 3"],
            ["3 organisations: 3 created"])
        day(["osc", "show", "ninez@ejemplo.org"],
            ["entidad federativa:", "Michoacán", "registrada:"],
            ["Mexican state:", "registered:"])
        day(["subscribe", "senales@ejemplo.org", "migracion"],
            ["Colectivo Señales", "sigue: migracion"], ["follows: migracion"])

        # A new session, seen as staff see it.
        add = ["add", "--title", "Sesión informativa sobre migración",
               "--start", "2018-02-20T10:00", "--end", "2018-02-20T12:00",
               "--topics", "migracion"]
        new_es = self.d.ctl(*add, env=ES)[1].strip()
        new_en = self.en.ctl(*add, env=EN)[1].strip()
        out_es = self.d.ctl("show", new_es, env=ES)[1]
        out_en = self.en.ctl("show", new_en, env=EN)[1]
        for n in ("título:", "fecha:", "mar 20 feb 2018 10:00–12:00", "estado:",
                  "confirmada", "recordatorios:", "los predeterminados",
                  "último cambio:", "2018-02-01 12:00 CST"):
            self.assertIn(n, out_es)
        for n in ("title:", "when:", "status:", "confirmed", "the defaults",
                  "last change:"):
            self.assertIn(n, out_en)
        es_all.append(out_es)
        en_all.append(out_en)
        for field in ("start_utc", "window_words", "end_time", "duration_days",
                      "updated_at", "sequence:"):
            self.assertNotIn(field, out_es)
            self.assertNotIn(field, out_en)

        # An undecided session gets its date; another is cancelled.
        day(["tbd"], ["PERIODO", "APERTURA", "abierto", "abre en"],
            ["WINDOW", "OPENS", "open", "opens in"])
        day(["reschedule", "2018-40", "15", "de", "marzo", "de", "2018", "--dry-run"],
            ["2018-40 pasaría al: jue 15 mar 2018", "simulación"],
            ["2018-40 would move to: jue 15 mar 2018", "dry run"])
        day(["reschedule", "2018-40", "15 de marzo de 2018", "--now"],
            ["cambió de fecha al", "aviso de cambio a Asociación Niñez y Educación, A.C.",
             "se envía el 2018-02-01 12:00 CST"],
            ["rescheduled to", "update to Asociación Niñez y Educación, A.C.",
             "due 2018-02-01 12:00 CST"])
        day(["cancel", "2018-52", "--reason", "Se pospone para 2019"],
            ["2018-52 cancelada (versión", "no hay a quién avisar"],
            ["2018-52 cancelled (version", "nobody to tell"])
        day(["events", "--tbd", "--cancelled"], ["ESTADO", "por definir", "cancelada"],
            ["STATUS", "undecided", "cancelled"])

        # What goes out, and what changed.
        day(["upcoming", "--days", "30"], ["ENVÍO", "ANTES", "CST"],
            ["DUE", "BEFORE", "CST"])
        day(["outbox"], ["ENVÍO", "ESTADO", "aviso de cambio"],
            ["DUE", "STATE", "update"])
        day(["log", "--limit", "20", "--wide"],
            ["cambio de fecha", "importación de organizaciones", "USUARIO",
             "alta: Sesión informativa"],
            ["date changed", "organisations imported", "USER",
             "new: Sesión informativa"])
        day(["status"], ["zona horaria:", "America/Mexico_City", "sesiones:"],
            ["time zone:", "sessions:"])

        # Errors: cronoctl's own are translated (the daemon's stay English).
        day(["add", "--date", "8 de febrero"],
            ["falta --title (véase 'cronoctl add --help')"],
            ["--title is required (see 'cronoctl add --help')"], check=False)
        day(["outbox", "--state", "lost"],
            ["--state debe ser uno de pendiente, enviando, enviado, fallido, vencido, "
             "retenido, descartado, omitido, no 'lost'"],
            ["--state must be one of pending, sending, sent, failed, expired, "
             "held, dropped, skipped"],
            check=False)
        day(["agenda"], ["orden desconocida 'agenda'"], ["unknown command 'agenda'"],
            check=False)
        day(["osc", "show", "nadie@ejemplo.org"],
            ["ninguna organización se llama ni tiene el correo"],
            ["no organisation is named or addressed"], check=False)
        day(["import", os.path.join(self.tmp, "no-existe.tsv")],
            ["no se pudo leer"], ["cannot read"], check=False)
        # The daemon's own words stay English, behind a Spanish prefix.
        rc, _, err = self.d.ctl("reschedule", "2018-41", "31 de junio", env=ES,
                                check=False)
        self.assertEqual(rc, 1)
        self.assertIn("June has 30 days", err)
        for t in es_all:
            self.assertSpanish(t)
        for t in en_all:
            self.assertEnglish(t)

        # The machine interface does not change with the language.
        for args in (["events"], ["show", "2018-40"], ["outbox"], ["tbd"],
                     ["upcoming", "--days", "30"], ["osc", "list"], ["log"],
                     ["status"]):
            (_, es, _), (_, en, _) = self.both("--json", *args)
            self.assertEqual(es, en, args)
            json.loads(es)

    def test_help_of_every_command_is_translated(self):
        def run(args, env):
            p = subprocess.run([CRONOCTL] + args, capture_output=True, timeout=30,
                               env=ctl_env(**env))
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout.decode()

        top_es, top_en = run(["--help"], ES), run(["--help"], EN)
        self.assertTrue(top_es.startswith("uso: cronoctl"), top_es)
        self.assertTrue(top_en.startswith("usage: cronoctl"), top_en)
        section = top_en.split("Commands:")[1].split("Global options")[0]
        commands = [l[2:].split("  ")[0].strip() for l in section.splitlines()
                    if l.startswith("  ") and l.strip()]
        self.assertGreater(len(commands), 20)
        for c in commands:
            es, en = run(c.split() + ["--help"], ES), run(c.split() + ["--help"], EN)
            self.assertTrue(es.startswith("uso: cronoctl " + c), es)
            # Every line that says something in words says it in Spanish.
            for le, ln in zip(es.splitlines(), en.splitlines()):
                if ln.startswith("API:") or not any(ch.islower() for ch in ln):
                    continue
                self.assertNotEqual(le, ln, "%s --help: untranslated line %r" % (c, ln))
            # The command's own name is syntax, like option names.
            self.assertSpanish(es.replace("cronoctl " + c, "cronoctl"))

    def test_any_spanish_locale_even_one_not_generated(self):
        """A Spanish locale that is not generated on the machine (setlocale()
        fails) still gets Spanish from es.po."""
        gen = subprocess.run(["locale", "-a"], capture_output=True).stdout.decode()
        self.assertIn("es_MX.utf8", gen.split())  # contrib/install-deps.sh
        missing = [l for l in ("es_ES", "es_AR", "es_CO", "es_CL", "es_PE")
                   if l + ".utf8" not in gen.split()]
        self.assertTrue(missing, "every Spanish locale is generated here")
        for lang in ("es_MX.UTF-8", missing[0] + ".UTF-8", "es"):
            _, out, _ = self.d.ctl("status", env={"LANG": lang})
            self.assertIn("zona horaria:", out, lang)
        # LC_ALL wins over LANG, LC_MESSAGES over LANG, as usual.
        _, out, _ = self.d.ctl("status", env={"LANG": "es_MX.UTF-8", "LC_ALL": "C"})
        self.assertIn("time zone:", out)
        _, out, _ = self.d.ctl("status", env={"LANG": "C", "LC_MESSAGES": "es_MX.UTF-8"})
        self.assertIn("zona horaria:", out)
        # Other languages have no catalogue: English.
        _, out, _ = self.d.ctl("status", env={"LANG": "fr_FR.UTF-8"})
        self.assertIn("time zone:", out)


class OfficeTimeTest(DaemonTest):
    """Every time cronoctl prints is the office's, whatever its own TZ."""

    def test_upcoming_in_the_office_zone_whatever_the_cli_tz(self):
        self.d.set_clock("2031-03-01T12:00:00Z")
        self.import_topics()
        st, ev = self.d.curl("POST", "/v1/events", {
            "title": "Reunión con OSC", "start": "2031-03-10T10:00",
            "topics": ["migracion"], "remind": "2h"})
        self.assertEqual(st, 201, ev)
        st, body = self.d.curl("GET", "/v1/status")
        self.assertEqual(body["timezone"], "America/Mexico_City")
        for tz in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
            _, out, _ = self.d.ctl("upcoming", "--days", "30", env={"TZ": tz})
            line = [l for l in out.splitlines() if ev["id"] in l]
            self.assertEqual(len(line), 1, out)
            self.assertTrue(line[0].startswith("2031-03-10 08:00 CST "), (tz, line))
            _, out, _ = self.d.ctl("show", ev["id"], env={"TZ": tz})
            self.assertIn("lun 10 mar 2031 10:00\n", out)
        # --json keeps the API's UTC instants.
        _, out, _ = self.d.ctl("--json", "upcoming", "--days", "30", env={"TZ": "UTC"})
        due = [r["due"] for r in json.loads(out)["reminders"] if r["event"] == ev["id"]]
        self.assertEqual(due, ["2031-03-10T14:00:00Z"])
        # A session abroad names its own zone.
        st, ny = self.d.curl("POST", "/v1/events", {
            "title": "Sesión en Nueva York", "start": "2031-03-12T10:00",
            "tz": "America/New_York", "topics": ["migracion"]})
        self.assertEqual(st, 201, ny)
        _, out, _ = self.d.ctl("events", "--from", "2031-03-12", env={"TZ": "UTC"})
        self.assertIn("mié 12 mar 2031 10:00 America/New_York", out)
        _, out, _ = self.d.ctl("clock", env={"TZ": "UTC"})
        self.assertEqual(out, "2031-03-01 06:00 CST (2031-03-01T12:00:00Z)\n")


class ExcelCsvTest(DaemonTest):
    """osc import reads organisation files as staff have them."""

    def setUp(self):
        super().setUp()
        self.import_topics()

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def imported(self):
        return {o["name"]: o for o in self.d.ctl_json("osc", "list")["oscs"]}

    def check_rows(self, rows):
        got = self.imported()
        for row in rows[1:]:
            o = got[row[0]]
            emails = [e.strip() for e in row[1].split(";")]
            self.assertEqual(o["emails"], emails)
            self.assertEqual(self.d.ctl_json("osc", "show", str(o["id"]))["contact"], row[2])
            self.assertEqual(o["state"], row[3])

    def test_windows_1252_with_spanish_headers_both_separators(self):
        for sep, name in ((";", "excel-es.csv"), (",", "excel-mx.csv")):
            with self.subTest(sep=sep):
                for o in self.d.ctl_json("osc", "list")["oscs"]:
                    self.d.ctl("osc", "remove", str(o["id"]))
                path = self.write(name, excel_csv(EXCEL_ROWS, sep))
                with open(path, "rb") as f:
                    raw = f.read()
                self.assertIn(b"Ni\xf1ez", raw)  # really Windows-1252
                with self.assertRaises(UnicodeDecodeError):
                    raw.decode("utf-8")
                report = self.d.ctl_json("osc", "import", path)
                self.assertTrue(report["ok"], report)
                self.assertEqual(report["encoding"], "Windows-1252")
                self.assertEqual(report["separator"], sep)
                self.assertEqual([r["action"] for r in report["rows"]], ["create"] * 3)
                self.check_rows(EXCEL_ROWS)
                o = self.imported()["Red Peñasco; Ecología"]
                self.assertEqual(o["topics"], ["agenda-2030", "cambio-climatico"])

    def test_utf8_with_and_without_bom_and_header_spellings(self):
        rows = [["NOMBRE", "correo", "CONTACTO", "estado", "TEMAS"],
                ["Fundación Ñandú", "nandu@ejemplo.org", "Íñigo Muñoz", "Querétaro",
                 "migracion"]]
        for bom, header in ((b"\xef\xbb\xbf", None), (b"", "Nómbre;Correo Electrónico;"
                                                            "Contácto;Éstado;Temas")):
            for o in self.d.ctl_json("osc", "list")["oscs"]:
                self.d.ctl("osc", "remove", str(o["id"]))
            text = excel_csv(rows, ";").decode("cp1252")
            if header:
                text = header + "\r\n" + text.split("\r\n", 1)[1]
            path = self.write("utf8.csv", bom + text.encode("utf-8"))
            report = self.d.ctl_json("osc", "import", path)
            self.assertTrue(report["ok"], report)
            self.assertEqual(report["encoding"], "UTF-8")
            self.check_rows(rows)
        # English headers, commas, as before.
        path = self.write("en.csv", b"name,email\nUna,una@ejemplo.org\n")
        report = self.d.ctl_json("osc", "import", path)
        self.assertEqual((report["encoding"], report["separator"]), ("UTF-8", ","))

    def test_errors_still_name_the_line_and_change_nothing(self):
        before = self.d.ctl_json("osc", "list")
        # 0x81 is not a Windows-1252 character.
        data = excel_csv(EXCEL_ROWS[:2], ";") + b"Mala\x81;mala@ejemplo.org;;;\r\n"
        path = self.write("bad.csv", data)
        rc, out, err = self.d.ctl("osc", "import", path, check=False)
        self.assertEqual(rc, 1)
        self.assertIn("line 3: error:", out)
        self.assertIn("0x81", out)
        self.assertIn("nothing imported", err)
        rc, out, err = self.d.ctl("osc", "import", path, check=False, env=ES)
        self.assertIn("línea 3: error:", out)
        self.assertIn("no se importó nada", err)
        # A bad address on line 3 of a Windows-1252 file.
        data = excel_csv(EXCEL_ROWS[:2] + [["Otra", "sin-arroba", "", "", ""]], ";")
        report = json.loads(self.d.ctl("--json", "osc", "import", self.write("b2.csv", data),
                                       check=False)[1])
        self.assertFalse(report["ok"])
        self.assertEqual([e["line"] for e in report["errors"]], [3])
        self.assertEqual(report["encoding"], "Windows-1252")
        # What is not CSV at all.
        for data, needle in ((b"\xff\xfen\x00a\x00", "UTF-16"),
                             (b"PK\x03\x04rest", "workbook")):
            report = json.loads(self.d.ctl("--json", "osc", "import",
                                           self.write("x.csv", data), check=False)[1])
            self.assertFalse(report["ok"])
            self.assertIn(needle, report["errors"][0]["message"])
        self.assertEqual(self.d.ctl_json("osc", "list"), before)


class CompletionTest(DaemonTest):
    """contrib/cronoctl.bash-completion offers what the command table
    holds and the daemon accepts, through `cronoctl --complete`."""

    SCRIPT = os.path.join(ROOT, "contrib", "cronoctl.bash-completion")

    def complete(self, line):
        """COMPREPLY for the command line `line` (the cursor at its end)."""
        words = line.split(" ")
        prog = (
            'source "$SCRIPT"\n'
            'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))\n'
            'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}\n'
            '_cronoctl cronoctl\n'
            'printf "%s\\n" "${COMPREPLY[@]}"\n')
        env = ctl_env(SCRIPT=self.SCRIPT, CRONOGRAMA_SOCKET=self.d.socket,
                      PATH=os.path.dirname(CRONOCTL) + ":" + os.environ["PATH"])
        p = subprocess.run(["bash", "--norc", "-c", prog, "bash"] + words,
                           capture_output=True, timeout=30, env=env, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [w for w in p.stdout.decode().split("\n") if w]

    def help_commands(self):
        out = subprocess.run([CRONOCTL, "--help"], capture_output=True,
                             env=ctl_env(), timeout=30).stdout.decode()
        section = out.split("Commands:")[1].split("Global options")[0]
        return [l[2:].split("  ")[0].strip() for l in section.splitlines()
                if l.startswith("  ") and l.strip()]

    def help_options(self, command):
        out = subprocess.run([CRONOCTL] + command.split() + ["--help"],
                             capture_output=True, env=ctl_env(), timeout=30).stdout.decode()
        opts = out.split("Options:")[1].split("\n\n")[0] if "Options:" in out else ""
        return [l.split()[0] for l in opts.splitlines() if l.strip().startswith("--")]

    def test_commands_and_options_follow_the_table(self):
        commands = self.help_commands()
        self.assertEqual(set(self.complete("cronoctl ")),
                         {c.split()[0] for c in commands})
        self.assertEqual(self.complete("cronoctl osc "),
                         [c.split()[1] for c in commands if c.startswith("osc ")])
        for c in commands:
            offered = set(self.complete("cronoctl %s --" % c))
            for o in self.help_options(c) + ["--json", "--socket", "--help"]:
                self.assertIn(o, offered, c)

    def test_outbox_states_are_those_the_daemon_accepts(self):
        states = self.complete("cronoctl outbox --state ")
        self.assertGreaterEqual(len(states), 4)
        for s in states:
            st, body = self.d.curl("GET", "/v1/outbox?state=" + s)
            self.assertEqual(st, 200, (s, body))
        # And every state the daemon names in its refusal is offered.
        st, body = self.d.curl("GET", "/v1/outbox?state=lost")
        self.assertEqual(st, 400)
        named = body["error"].split("must be ")[1].split(", not")[0]
        named = named.replace(" or ", ", ").split(", ")
        self.assertEqual(sorted(named), sorted(states))
        self.assertEqual(self.complete("cronoctl outbox --state fa"), ["failed"])

    def test_sessions_topics_and_files(self):
        self.d.import_2018()
        ids = self.complete("cronoctl show 2018-0")
        self.assertIn("2018-08", ids)
        self.assertTrue(all(i.startswith("2018-0") for i in ids))
        slugs = self.complete("cronoctl subscribe 3 cambio")
        self.assertEqual(slugs, ["cambio-climatico"])
        self.assertEqual(self.complete("cronoctl add --topics migracion,agenda-2"),
                         ["migracion,agenda-2030"])
        # Files: cronoctl names the extensions, the shell lists them.
        p = subprocess.run([CRONOCTL, "--complete", "--", "import", ""],
                           capture_output=True, env=ctl_env(), timeout=30)
        self.assertEqual(p.stdout.decode(), "@files tsv|ics\n")
        for name in ("prog.tsv", "notas.txt"):
            open(os.path.join(self.tmp, name), "w").close()
        self.assertIn("prog.tsv", self.complete("cronoctl import pro"))
