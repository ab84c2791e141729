#!/bin/sh
# Run cmocka test binaries, one result line each in BUILD/results/unit-NAME:
# "NAME passed failed". A binary that dies without a cmocka summary counts
# as one failure.
build=$1
shift
mkdir -p "$build/results"
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	log="$build/results/$name.log"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0 \
	TSAN_OPTIONS=halt_on_error=0:exitcode=66:second_deadlock_stack=1 \
		"$bin" >"$log" 2>&1
	rc=$?
	passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	passed=${passed:-0}
	failed=${failed:-0}
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
	fi
	if [ "$failed" -ne 0 ]; then
		status=1
		echo "unit $name: $passed passed, $failed failed (see $log)"
		grep -E '^\[  (FAILED|ERROR) *\]|ERROR: |runtime error|WARNING: ThreadSanitizer' "$log" | head -20
	else
		echo "unit $name: $passed passed"
	fi
	echo "unit-$name $passed $failed" >"$build/results/unit-$name"
done
exit $status
