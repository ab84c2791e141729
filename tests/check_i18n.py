#!/usr/bin/python3
"""cronoctl speaks the staff's language: every message marked, every
marked message translated.

  check_i18n.py --pot BUILD/cronoctl.pot [--results FILE] po/*.po -- cli/*.c

Three checks, each one result:

1. catalogue: every message xgettext found in cli/ (the .pot) is in each
   po/LANG.po, translated and not fuzzy, and no .po keeps a message cli/
   no longer has.
2. marked: no string literal in cli/*.c that people could read escapes
   gettext. A literal is fine when it is marked (_(), N_(), P_(), NP_(),
   ngettext()), holds no word (formats such as "%s: %s\\n"), is an
   argument of a function that takes machine words (JSON keys, API paths,
   comparisons: MACHINE below), is a path ("/v1/events/%s"), is the key
   of a table row (the first
   literal of a row of a table of rows: command and option names), or is
   listed in tests/i18n-untranslated.txt with the reason it is not for
   translation. Anything else fails, naming the file and line.
3. lint-selftest: the lint itself catches unmarked messages in a sample
   (so that a change to it cannot quietly make it pass everything).

Writes "i18n PASSED FAILED" to --results and prints one line per check.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOW = os.path.join(ROOT, "tests", "i18n-untranslated.txt")

MARKERS = {"_", "N_", "P_", "NP_", "ngettext", "gettext", "dcgettext"}
# Functions whose string arguments are for machines, not people.
MACHINE = {
    "json_object_get", "json_object_set_new", "json_object_set", "json_pack",
    "json_string", "json_is_string", "cli_jstr", "cli_jint", "cli_opt_get",
    "cli_opt_has", "cli_opt_long", "cli_word", "cli_word_parse", "strcmp",
    "strncmp", "strcasecmp", "strncasecmp", "memcmp", "strstr", "strchr",
    "strrchr", "strspn", "strcspn", "client_call", "client_get_raw",
    "client_query_add", "cmd_query_add", "cmd_event_path", "osc_path",
    "topics_change", "text_post", "jstr", "curl_slist_append", "curl_easy_setopt",
    "getenv", "setenv", "setlocale", "bindtextdomain", "textdomain",
    "bind_textdomain_codeset", "fopen", "sscanf", "strftime", "CPL",
    "offer_asked", "cli_command_find", "opt_of", "ROUTE", "json_str",
    "client_perform",
}
# A path or an API route ("/v1/events/%s", "%s/temas.tsv") is no sentence.
PATH = re.compile(r"^(%s)?/\S*$")

PRINTF_DIRECTIVE = re.compile(
    r"%[-+ #0']*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|L|z|j|t)?[diouxXeEfgGcspn%]")
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


# -- the catalogue ---------------------------------------------------------

def po_entries(path):
    """{(msgctxt, msgid, msgid_plural): (translations, fuzzy)} of a .po or
    .pot file; the header (msgid "") is left out."""
    entries = {}
    text = open(path, encoding="utf-8").read()
    for block in re.split(r"\n\s*\n", text):
        fields, cur, fuzzy, obsolete = {}, None, False, False
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
                continue
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if m:
                cur = m.group(1)
                fields[cur] = m.group(2)
                continue
            m = re.match(r'^"(.*)"$', line)
            if m and cur:
                fields[cur] += m.group(1)
        if obsolete or "msgid" not in fields or fields["msgid"] == "":
            continue
        key = (fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"))
        strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries[key] = (strs, fuzzy)
    return entries


def check_catalogue(pot, pos):
    problems = []
    wanted = po_entries(pot)
    if len(wanted) < 50:
        problems.append("%s: only %d messages: is xgettext finding them?" % (pot, len(wanted)))
    for po in pos:
        have = po_entries(po)
        for key in wanted:
            name = "%s%r" % ("[%s] " % key[0] if key[0] else "", key[1])
            if key not in have:
                problems.append("%s: missing %s (run 'make po-update' and translate it)"
                                % (po, name))
                continue
            strs, fuzzy = have[key]
            if fuzzy:
                problems.append("%s: fuzzy %s" % (po, name))
            if not strs or any(s == "" for s in strs):
                problems.append("%s: untranslated %s" % (po, name))
        for key in have:
            if key not in wanted:
                problems.append("%s: %r is no longer in cli/ (run 'make po-update')"
                                % (po, key[1]))
    return problems


# -- the lint --------------------------------------------------------------

TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<pp>^[ \t]*\#(?:[^\n\\]|\\\n|\\.)*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(){}\[\],;=])
  | (?P<nl>\n)
  | (?P<other>.)
''', re.S | re.M | re.X)


def c_unescape(body):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def literals(text):
    """Yield (line, value, context) for each string literal (adjacent
    literals joined). context: 'marked', 'machine', 'rowkey', or the
    name of the array or function it sits in, or ''."""
    line = 1
    stack = []          # frames: ['(', func, argument] or ['{', depth, element, name]
    prev = []           # the last significant tokens
    group = None        # [line, value, frame-snapshot] of adjacent literals
    out = []

    def context():
        for f in reversed(stack):
            if f[0] == "(":
                if f[1] in MARKERS:
                    return "marked"
                if f[1] in MACHINE:
                    return "machine"
                return "call:" + (f[1] or "")
            if f[0] == "{":
                if f[1] >= 2 and f[2] == 0 and not f[4]:
                    return "rowkey"
                return "array:" + (f[3] or "")
        return ""

    def flush():
        nonlocal group
        if group:
            out.append(tuple(group))
            group = None

    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        tok = m.group(kind)
        if kind in ("comment", "pp", "nl", "other") or tok.isspace():
            line += tok.count("\n")
            if kind == "pp":
                flush()
            continue
        if kind == "string":
            value = c_unescape(tok[1:-1])
            if group:
                group[1] += value
            else:
                ctx = context()
                group = [line, value, ctx]
                if stack and stack[-1][0] == "{":
                    stack[-1][4] = True
            continue
        flush()
        if kind == "char":
            prev.append(tok)
            continue
        if tok == "(":
            func = prev[-1] if prev and re.match(r"[A-Za-z_]\w*$", prev[-1]) else None
            stack.append(["(", func, 0])
        elif tok == ")":
            if stack and stack[-1][0] == "(":
                stack.pop()
        elif tok == "{":
            depth = sum(1 for f in stack if f[0] == "{" and f[1] > 0)
            # An initializer follows '=' or ',' or '{'; a block does not.
            init = bool(prev) and prev[-1] in ("=", ",", "{")
            name = None
            if init and prev[-1] == "=":
                ids = [t for t in prev[-8:-1] if re.match(r"[A-Za-z_]\w*$", t)]
                name = ids[-1] if ids else None
            elif init and stack and stack[-1][0] == "{":
                name = stack[-1][3]
            stack.append(["{", depth + 1 if init else 0, 0, name, False])
        elif tok == "}":
            if stack and stack[-1][0] == "{":
                stack.pop()
        elif tok == ",":
            if stack and stack[-1][0] == "{":
                stack[-1][2] += 1
                stack[-1][4] = False
            elif stack:
                stack[-1][2] += 1
        elif tok == ";":
            # A statement ends: no open call or initializer survives it.
            while stack and stack[-1][0] == "(":
                stack.pop()
        prev.append(tok)
        if len(prev) > 16:
            prev = prev[-16:]
    flush()
    return out


def wordy(value):
    """True when value holds a word once printf directives are gone."""
    return bool(WORD.search(PRINTF_DIRECTIVE.sub(" ", value)))


def load_allow(path):
    """tests/i18n-untranslated.txt: lines 'FILE: "literal"' or
    'FILE: array NAME', '#' comments."""
    allow = set()
    if not os.path.exists(path):
        return allow
    for raw in open(path, encoding="utf-8"):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        f, _, what = s.partition(": ")
        allow.add((f.strip(), what.strip()))
    return allow


def lint(files, allow):
    problems = []
    for path in files:
        name = os.path.relpath(path, ROOT) if os.path.isabs(path) else path
        base = os.path.basename(path)
        text = open(path, encoding="utf-8").read()
        for line, value, ctx in literals(text):
            if ctx in ("marked", "machine", "rowkey") or not wordy(value) \
                    or PATH.match(value):
                continue
            quoted = '"%s"' % value.replace("\\", "\\\\").replace(
                "\n", "\\n").replace('"', '\\"')
            if (base, quoted) in allow:
                continue
            if ctx.startswith("array:") and (base, "array " + ctx[6:]) in allow:
                continue
            problems.append('%s:%d: "%s" is not marked for translation '
                            '(wrap it in _() or N_(), or list it in '
                            'tests/i18n-untranslated.txt)'
                            % (name, line, value.replace("\n", "\\n")))
    return problems


SAMPLE = r'''
static const char *const head[] = {N_("ID"), "WHEN"};
static const struct cli_opt o[] = {
    {"force", NULL, "delete it anyway", NULL},
    {NULL, NULL, NULL, NULL},
};
void f(int n, char *buf)
{
	printf("%s\n", json_string_value(json_object_get(x, "title")));
	printf(_("%zu sessions\n"), n);
	printf("deleted %s\n", "x");
	cli_error("cannot read %s", "f");
	snprintf(buf, 8, "tomorrow");
	puts(n ? "yes" : _("no"));
	table_finish(t, 1, 0, "no sessions");
}
'''
SAMPLE_EXPECT = {"WHEN", "delete it anyway", "deleted %s\n", "cannot read %s",
                 "tomorrow", "yes", "no sessions"}


def lint_selftest():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sample.c")
        with open(path, "w") as f:
            f.write(SAMPLE)
        found = set()
        for p in lint([path], set()):
            m = re.search(r'"(.*)" is not marked', p)
            found.add(m.group(1).replace("\\n", "\n"))
    problems = []
    for miss in SAMPLE_EXPECT - found:
        problems.append("lint self-test: it does not catch %r" % miss)
    for extra in found - SAMPLE_EXPECT:
        problems.append("lint self-test: it wrongly flags %r" % extra)
    return problems


def main(argv):
    pot, results, pos, files = None, None, [], []
    args = iter(argv)
    for a in args:
        if a == "--pot":
            pot = next(args)
        elif a == "--results":
            results = next(args)
        elif a == "--":
            files = list(args)
        else:
            pos.append(a)
    checks = [
        ("catalogue", lambda: check_catalogue(pot, pos)),
        ("marked", lambda: lint(files, load_allow(ALLOW))),
        ("lint-selftest", lint_selftest),
    ]
    passed = failed = 0
    for name, fn in checks:
        problems = fn()
        if problems:
            failed += 1
            print("i18n %s: FAILED" % name)
            for p in problems:
                print("  " + p)
        else:
            passed += 1
            print("i18n %s: ok" % name)
    if results:
        with open(results, "w") as f:
            f.write("i18n %d %d\n" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
