#!/usr/bin/python3
"""The daemon's layers hold: calls flow one way and each library stays in
its module.

  check_layers.py --build BUILD [--results FILE]

Three checks, each one result:

1. circles: no call circle among daemon files. The calls are read from
   the object files, as the linker sees them: file A calls file B when
   one of A's undefined symbols (nm: U) is defined in B (T, D, B, R...).
   A circle (A calls B, B calls A, directly or round others) is named
   with the symbols that close it.
2. headers: each library's header is included only by the files of the
   module that owns it (HEADERS below, as STYLE.md says); JSON belongs to
   the control API, the event loop to the runners.
3. lint-selftest: a sample circle (two objects compiled here that call
   each other) and a sample misplaced include are caught, so that a
   change to this file cannot quietly make it pass everything.

Writes "lint PASSED FAILED" to --results and prints one line per check.
"""
import fnmatch
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (header pattern, files that may include it, whose it is). Paths are
# relative to the root; a file of the module's own suffixes is its own.
HEADERS = [
    (r"sqlite3\.h", ["daemon/store*.[ch]"], "the store"),
    (r"libical/", ["daemon/event*.[ch]"], "event (iCalendar)"),
    (r"curl/", ["daemon/mailer*.[ch]", "daemon/url.c", "cli/client.c"],
     "the mailer, url.c and cronoctl's client"),
    (r"microhttpd\.h", ["daemon/http*.[ch]"], "http"),
    (r"openssl/", ["daemon/token.c"], "token"),
    (r"ini\.h", ["daemon/config.c"], "config"),
    (r"iconv\.h", ["daemon/import_osc.c"], "the organisations import"),
    (r"jansson\.h", ["daemon/api*.[ch]", "daemon/view*.[ch]",
                     "daemon/http_reply.c", "cli/*.[ch]"],
     "the control API (api*.c, view.c) and cronoctl"),
    (r"uv\.h", ["daemon/main.c", "daemon/schedule.c",
                "daemon/schedule_internal.h", "daemon/mailer*.[ch]",
                "daemon/http*.[ch]", "daemon/api_work.c",
                "daemon/maildir.c"],
     "main.c and the runners (schedule.c, mailer, http, api_work.c, "
     "maildir.c)"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def symbols(obj):
    """(defined, undefined) global symbols of an object file."""
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRVWGSCI":
            defined.add(parts[2])
    return defined, undefined


def call_graph(objs):
    """{file: {callee: sorted symbols}} between the given objects."""
    syms = {}
    for o in objs:
        syms[os.path.basename(o)[:-2]] = symbols(o)
    owner = {}
    for name, (defined, _) in syms.items():
        for s in defined:
            owner[s] = name
    graph = {name: {} for name in syms}
    for name, (_, undefined) in syms.items():
        for s in undefined:
            callee = owner.get(s)
            if callee and callee != name:
                graph[name].setdefault(callee, []).append(s)
    for edges in graph.values():
        for callee in edges:
            edges[callee].sort()
    return graph


def circles(graph):
    """The strongly connected components of more than one file (Tarjan),
    each sorted."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        # Iterative, so that a long chain cannot overflow Python's stack.
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def circle_report(graph, comp):
    """One line per call inside the circle: "a -> b (sym, sym)"."""
    lines = []
    for a in comp:
        for b in comp:
            if b in graph[a]:
                syms = graph[a][b]
                more = " ..." if len(syms) > 4 else ""
                lines.append("    %s -> %s (%s%s)" % (a, b, ", ".join(syms[:4]), more))
    return lines


def check_circles(build):
    objs = sorted(glob.glob(os.path.join(build, "daemon", "*.o")))
    objs = [o for o in objs if not o.endswith("/main.o")] + \
        [o for o in objs if o.endswith("/main.o")]
    if len(objs) < 10:
        return ["no daemon objects in %s/daemon: build first" % build]
    graph = call_graph(objs)
    errors = []
    for comp in circles(graph):
        errors.append("call circle among %s:" % ", ".join(c + ".c" for c in comp))
        errors.extend(circle_report(graph, comp))
    return errors


def check_headers(root, files):
    errors = []
    for path in files:
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            for pattern, allowed, owner in HEADERS:
                if not re.match(pattern, inc):
                    continue
                if not any(fnmatch.fnmatch(rel, a) for a in allowed):
                    errors.append("%s includes <%s>, which belongs to %s"
                                  % (rel, inc, owner))
    return errors


def source_files(root):
    out = []
    for d in ("daemon", "cli"):
        out += sorted(glob.glob(os.path.join(root, d, "*.[ch]")))
    return out


def selftest():
    """The checks catch a circle and a misplaced include of their own."""
    errors = []
    with tempfile.TemporaryDirectory(prefix="check-layers-") as tmp:
        os.makedirs(os.path.join(tmp, "daemon"))
        sources = {
            "ping": "int pong(int);\nint ping(int n) { return n ? pong(n - 1) : 0; }\n",
            "pong": "int ping(int);\nint pong(int n) { return n ? ping(n - 1) : 1; }\n",
            "leaf": "int leaf(int n) { return n; }\n",
        }
        for name, text in sources.items():
            src = os.path.join(tmp, "daemon", name + ".c")
            with open(src, "w") as f:
                f.write(text)
            subprocess.run(["cc", "-c", "-o", src[:-2] + ".o", src], check=True)
        graph = call_graph(sorted(glob.glob(os.path.join(tmp, "daemon", "*.o"))))
        if circles(graph) != [["ping", "pong"]]:
            errors.append("selftest: the circle ping <-> pong was not found: %s"
                          % circles(graph))
        with open(os.path.join(tmp, "daemon", "api_x.c"), "w") as f:
            f.write("#include <sqlite3.h>\n#include <jansson.h>\n")
        with open(os.path.join(tmp, "daemon", "store_x.c"), "w") as f:
            f.write("#include <sqlite3.h>\n")
        found = check_headers(tmp, sorted(glob.glob(os.path.join(tmp, "daemon", "*.c"))))
        if found != ["daemon/api_x.c includes <sqlite3.h>, which belongs to the store"]:
            errors.append("selftest: the misplaced include was not found alone: %s"
                          % found)
    return errors


def main():
    args = sys.argv[1:]
    build, results = "build", None
    while args:
        a = args.pop(0)
        if a == "--build":
            build = args.pop(0)
        elif a == "--results":
            results = args.pop(0)
        else:
            sys.exit("usage: check_layers.py --build BUILD [--results FILE]")
    checks = [
        ("circles", check_circles(build)),
        ("headers", check_headers(ROOT, source_files(ROOT))),
        ("lint-selftest", selftest()),
    ]
    passed = failed = 0
    for name, errors in checks:
        if errors:
            failed += 1
            print("lint %s: FAILED" % name)
            for e in errors:
                print("  " + e)
        else:
            passed += 1
            print("lint %s: ok" % name)
    if results:
        os.makedirs(os.path.dirname(results), exist_ok=True)
        with open(results, "w") as f:
            f.write("lint %d %d\n" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
