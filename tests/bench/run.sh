#!/bin/sh
# make bench: run every tests/bench/*.sh with the build directory, each
# printing its own table. Benchmarks talk only to loopback and stop
# everything they start.
build=${1:-build}
status=0
for b in "$(dirname "$0")"/*.sh; do
	case "$b" in */run.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	sh "$b" "$build" || status=1
	echo
done
exit $status
