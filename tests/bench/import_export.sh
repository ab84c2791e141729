#!/bin/sh
# Import and export of a generated 10,000-session programme through the
# daemon, next to libical alone serialising the same components.
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cc -O2 -o "$tmp/libical_serialise" "$here/libical_serialise.c" $(pkg-config --cflags --libs libical)
/usr/bin/python3 "$here/gen_programme.py" 10000 >"$tmp/p.tsv"
cat >"$tmp/c.conf" <<CONF
[daemon]
state_dir = $tmp/state
socket = $tmp/ctl.sock
domain = bench.example
[http]
listen =
CONF
"$build/cronogramad" -f -c "$tmp/c.conf" 2>"$tmp/log" &
pid=$!
i=0
while [ ! -S "$tmp/ctl.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
ctl="$build/cronoctl --socket $tmp/ctl.sock"
ms() { date +%s%N | cut -c1-13; }

t0=$(ms)
$ctl --json import "$tmp/p.tsv" --year 2018 --topics "$root/contrib/temas-2018.tsv" >"$tmp/report.json"
t1=$(ms)
$ctl export >"$tmp/all.ics"
t2=$(ms)
$ctl --json import "$tmp/p.tsv" --year 2018 >/dev/null
t3=$(ms)
set -- $("$tmp/libical_serialise" "$tmp/all.ics")
rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
events=$(grep -c '^BEGIN:VEVENT' "$tmp/all.ics")

printf '%-44s %10s\n' "10,000 sessions ($events exported)" "seconds"
printf '%-44s %10.3f\n' "import through the daemon (create)" "$(awk "BEGIN {print ($t1 - $t0) / 1000}")"
printf '%-44s %10.3f\n' "re-import, all unchanged" "$(awk "BEGIN {print ($t3 - $t2) / 1000}")"
printf '%-44s %10.3f\n' "export through the daemon (cronoctl export)" "$(awk "BEGIN {print ($t2 - $t1) / 1000}")"
printf '%-44s %10.3f\n' "libical alone: serialise the same calendar" "$2"
printf '%-44s %10.3f\n' "libical alone: parse it" "$1"
printf '%-44s %10s\n' "export size (bytes)" "$3"
printf '%-44s %10s\n' "daemon peak RSS (kB)" "$rss"
echo "goal: import and export each under 1 s; export within 2x of libical serialising"
