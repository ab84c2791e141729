#!/bin/sh
# A fresh Debian machine, played: pkg-config and dpkg-query know no package
# and apt-get installs nothing until `apt-get install` has run (then the
# real tools answer, the packages being on this machine already). On a copy
# of the tree:
#   1. plain `make` names the missing packages, says how to install them,
#      never calls apt-get and builds nothing;
#   2. `make demo` installs them (apt-get install -y), builds and shows a
#      reminder, in that one run.
# Writes "setup PASSED FAILED" into RESULTS/setup.
#
#   sh tests/setup/fresh-machine.sh RESULTS_DIR
set -u
mkdir -p "$1"
RESULTS=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cronograma-fresh.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAKE=$TMP/bin
mkdir -p "$FAKE" "$TMP/tree" "$RESULTS"
REAL_PKGCONFIG=$(command -v pkg-config)
REAL_DPKGQUERY=$(command -v dpkg-query)

cat >"$FAKE/dpkg-query" <<FAKE
#!/bin/sh
[ -e "$TMP/installed" ] && exec "$REAL_DPKGQUERY" "\$@"
echo "dpkg-query: no packages found matching \$*" >&2
exit 1
FAKE
cat >"$FAKE/pkg-config" <<FAKE
#!/bin/sh
[ -e "$TMP/installed" ] && exec "$REAL_PKGCONFIG" "\$@"
echo "Package \$* was not found in the pkg-config search path." >&2
exit 1
FAKE
cat >"$FAKE/apt-get" <<FAKE
#!/bin/sh
echo "apt-get \$*" >>"$TMP/apt.log"
case " \$* " in *" install "*) touch "$TMP/installed" ;; esac
exit 0
FAKE
# Not root: install-deps.sh calls apt-get through sudo.
cat >"$FAKE/sudo" <<'FAKE'
#!/bin/sh
exec "$@"
FAKE
chmod +x "$FAKE"/*

# The tree as a clone has it (tracked files and new ones, not build/).
(cd "$ROOT" && git ls-files -z -co --exclude-standard |
	xargs -0 tar cf - 2>/dev/null) | (cd "$TMP/tree" && tar xf -)

passed=0
failed=0
check() {
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
		echo "setup: ok: $2"
	else
		failed=$((failed + 1))
		echo "setup: FAILED: $2"
		[ -f "$3" ] && tail -20 "$3"
	fi
}

cd "$TMP/tree" || exit 1
PATH=$FAKE:$PATH make >"$TMP/make.log" 2>&1
rc=$?
ok=1
[ $rc -ne 0 ] &&
	grep -q "missing Debian packages:.*libuv1-dev" "$TMP/make.log" &&
	grep -q "contrib/install-deps.sh" "$TMP/make.log" &&
	[ ! -e "$TMP/apt.log" ] && [ ! -e build/cronogramad ] &&
	! ls build/daemon/*.o >/dev/null 2>&1 && ok=0
check $ok "plain make names what is missing and installs nothing" "$TMP/make.log"

PATH=$FAKE:$PATH make demo >"$TMP/demo.log" 2>&1
rc=$?
ok=1
[ $rc -eq 0 ] && grep -q "apt-get install -y" "$TMP/apt.log" &&
	grep -q "^Subject: *Recordatorio:" "$TMP/demo.log" && ok=0
check $ok "the first make demo installs the packages, builds and sends a reminder" "$TMP/demo.log"

echo "setup $passed $failed" >"$RESULTS/setup"
[ $failed -eq 0 ]
