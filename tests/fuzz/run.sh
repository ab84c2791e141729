#!/bin/sh
# Run libFuzzer targets (built by `make fuzz-build` in BUILD/fuzz) for
# FUZZ_SECONDS each (default 60), from their kept corpus
# (tests/fuzz/corpus/NAME, regression inputs included) and a working one
# (BUILD/fuzz/corpus-NAME, where new inputs go). A crash leaves its input
# in BUILD/fuzz/crash-NAME-*, is named here and fails the run; copy it
# into tests/fuzz/corpus/NAME once fixed, so every run replays it.
# With RESULTS=dir, each target writes "fuzz-NAME passed failed" there
# (into dir/fuzz) for `make check`'s total.
#
#   sh tests/fuzz/run.sh BUILD [NAME...]
set -u
build=${1:-build}
shift
targets=${*:-fecha import public api oscs bounce}
secs=${FUZZ_SECONDS:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$build/fuzz"
status=0
[ -n "${RESULTS:-}" ] && mkdir -p "$RESULTS" && : >"$RESULTS/fuzz"
for t in $targets; do
	bin="$out/fuzz_$t"
	mkdir -p "$out/corpus-$t"
	log="$out/fuzz_$t.log"
	if [ ! -x "$bin" ]; then
		echo "fuzz_$t: not built (make fuzz-build)" >&2
		status=1
		[ -n "${RESULTS:-}" ] && echo "fuzz-$t 0 1" >>"$RESULTS/fuzz"
		continue
	fi
	dict=
	# The bounce reader also starts from the real-world shapes its unit
	# tests read.
	seeds=
	[ "$t" = bounce ] && seeds="$root/tests/data/bounces"
	[ -f "$root/tests/fuzz/dict/$t.dict" ] && dict="-dict=$root/tests/fuzz/dict/$t.dict"
	rm -f "$out"/crash-"$t"-* "$out"/leak-"$t"-* "$out"/timeout-"$t"-*
	# shellcheck disable=SC2086
	(cd "$out" && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"./fuzz_$t" -max_total_time="$secs" -max_len=8192 -timeout=20 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="crash-$t-" $dict \
		"corpus-$t" "$root/tests/fuzz/corpus/$t" $seeds) >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" -ne 0 ] || ls "$out"/crash-"$t"-* >/dev/null 2>&1; then
		echo "fuzz_$t: FAILED after ${runs:-?} runs (see $log):"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -8
		status=1
		[ -n "${RESULTS:-}" ] && echo "fuzz-$t 0 1" >>"$RESULTS/fuzz"
	else
		echo "fuzz_$t: ${runs:-?} runs in ${secs}s, no crash"
		[ -n "${RESULTS:-}" ] && echo "fuzz-$t 1 0" >>"$RESULTS/fuzz"
	fi
done
exit $status
