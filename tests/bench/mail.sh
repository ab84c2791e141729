#!/bin/sh
# Mail: the reminder pipeline (expansion, outbox, rendering, SMTP) into
# postfix's smtp-sink next to libcurl alone (BUILD/bench/curl_alone) and
# smtp-source -d, with the same message and connections, in the same run;
# syscalls per message (strace); due-to-SMTP latency with the real clock; a
# million reminders due at once (expansion time, control API latency, RSS).
# Issue 12's goals judged PASS/MISS. Loopback only, a few minutes;
# BENCH_QUICK=1 for a shorter run. See tests/bench/mail.py.
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/mail.py" "$build" ${BENCH_QUICK:+--quick}
