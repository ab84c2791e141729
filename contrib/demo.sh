#!/bin/sh
# make demo: the main job end to end with the embedded defaults, on a fresh
# temporary state directory and no mail server. Starts build/cronogramad,
# imports the 2018 programme, adds an organisation and a session a couple
# of minutes ahead with a reminder due within seconds, waits for the email
# to land in the maildir, shows it and the outbox, and stops the daemon.
# Nothing is left running, even on failure.
#
#   sh contrib/demo.sh [BUILD_DIR]
set -eu

BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
DAEMON=$BUILD/cronogramad
CTL=$BUILD/cronoctl
CONTRIB=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
TZ_OFFICE=America/Mexico_City

for f in "$DAEMON" "$CTL"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run 'make' first" >&2; exit 1; }
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/cronograma-demo.XXXXXX")
PID=
cleanup() {
	status=$?
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null || true
		i=0
		while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$PID" 2>/dev/null || true
	fi
	if [ $status -ne 0 ] && [ -f "$DIR/daemon.log" ]; then
		echo "--- the daemon's log ---" >&2
		tail -20 "$DIR/daemon.log" >&2
	fi
	rm -rf "$DIR"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	printf '\n== %s\n' "$*"
}

ctl() {
	"$CTL" --socket "$DIR/control.sock" "$@"
}

cat > "$DIR/cronogramad.conf" <<EOF
[daemon]
state_dir = $DIR/state
socket = $DIR/control.sock
domain = demo.example.org
timezone = $TZ_OFFICE
[http]
listen =
public_url = https://agenda.demo.example.org
[mail]
from = Oficina de enlace <agenda@demo.example.org>
EOF

step "Starting cronogramad on $DIR (no SMTP server: messages go to a maildir)"
"$DAEMON" --foreground --config "$DIR/cronogramad.conf" \
	>"$DIR/daemon.log" 2>&1 &
PID=$!
i=0
until [ -S "$DIR/control.sock" ] && ctl status >/dev/null 2>&1; do
	kill -0 "$PID" 2>/dev/null || { echo "demo: cronogramad exited" >&2; exit 1; }
	[ $i -lt 200 ] || { echo "demo: no control socket after 20 s" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
echo "cronogramad is running (pid $PID)"

step "Importing the 2018 programme and its topics"
ctl import "$CONTRIB/cronograma-2018.tsv" --year 2018 \
	--topics "$CONTRIB/temas-2018.tsv" | tail -3

step "Sessions whose date is still undecided (fecha por definir)"
ctl tbd 2>/dev/null || ctl events --tbd

step "The topic 'cambio-climatico' as iCalendar (first lines)"
ctl export --topic cambio-climatico | head -12

step "Adding an organisation that follows two topics"
OSC=$(ctl osc add --name "Red Ciudadana de Demostración" \
	--email avisos@red-demo.example.org,coordinacion@red-demo.example.org \
	--contact "Ana Pérez" --state "Jalisco" \
	--topics cambio-climatico,agenda-2030)
echo "organisation $OSC"

# A session two minutes ahead (the office's time, whole minutes) with one
# reminder due five seconds from now.
NOW=$(date +%s)
START_LOCAL=$(TZ=$TZ_OFFICE date -d "@$((NOW + 120))" +%Y-%m-%dT%H:%M)
START=$(TZ=$TZ_OFFICE date -d "$START_LOCAL" +%s)
OFFSET=$((START - NOW - 5))
step "Adding a session at $START_LOCAL ($TZ_OFFICE), reminded ${OFFSET}s before"
ID=$(ctl add --title "Sesión de demostración: Cambio climático y Agenda 2030" \
	--start "$START_LOCAL" --location "Ciudad de México, México" \
	--topics cambio-climatico,agenda-2030 --remind "${OFFSET}s")
echo "session $ID"

step "Reminders due in the next day"
ctl upcoming --days 1

step "Waiting for the reminder in $DIR/state/maildir/new"
NEW=$DIR/state/maildir/new
i=0
while :; do
	FILE=$(find "$NEW" -type f 2>/dev/null | head -1)
	[ -z "$FILE" ] || break
	[ $i -lt 900 ] || { echo "demo: no message after 90 s" >&2; exit 1; }
	kill -0 "$PID" 2>/dev/null || { echo "demo: cronogramad exited" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
echo "$FILE"
"$PY" - "$FILE" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
for name in ("From", "To", "Subject", "Message-ID", "List-Id",
             "List-Unsubscribe"):
    print("%-17s %s" % (name + ":", msg[name]))
EOF

step "The outbox"
ctl outbox

step "Stopping cronogramad"
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$PID" 2>/dev/null || true
PID=
echo "stopped; removing $DIR"
