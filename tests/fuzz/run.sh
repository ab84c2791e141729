#!/bin/sh
# make fuzz: build the libFuzzer targets with clang (ASan + UBSan) and run
# each for FUZZ_SECONDS (default 60) from the seed corpus. A crash leaves
# its input in BUILD/fuzz/ and fails the run.
set -eu
build=${1:-build}
secs=${FUZZ_SECONDS:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$build/fuzz"
mkdir -p "$out"
flags="-std=c11 -D_GNU_SOURCE -DVERSION=\"fuzz\" -DSYSCONFDIR=\"/etc\" -g -O1
 -fsanitize=fuzzer,address,undefined -I$root/daemon -I$build/gen
 $(pkg-config --cflags libical jansson sqlite3)"
libs="$(pkg-config --libs libical jansson sqlite3) -lm"
[ -f "$build/gen/sqlfiles.c" ] || { echo "fuzz: build first (make)" >&2; exit 1; }
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz_fecha" "$root/tests/fuzz/fuzz_fecha.c" "$root/daemon/fecha.c" \
	"$root/daemon/fecha_parse.c"
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz_import" "$root/tests/fuzz/fuzz_import.c" \
	"$root/daemon/import.c" "$root/daemon/store.c" "$root/daemon/event.c" \
	"$root/daemon/event_render.c" "$root/daemon/event_parse.c" \
	"$root/daemon/fecha.c" "$root/daemon/fecha_parse.c" "$root/daemon/log.c" "$root/daemon/clock.c" \
	"$build/gen/sqlfiles.c" $libs
for t in fecha import; do
	mkdir -p "$out/corpus-$t"
	echo "== fuzz_$t for ${secs}s"
	(cd "$out" && "./fuzz_$t" -max_total_time="$secs" -max_len=4096 \
		-print_final_stats=1 "corpus-$t" "$root/tests/fuzz/corpus/$t" 2>&1 |
		grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' || true)
	ls "$out"/crash-* >/dev/null 2>&1 && { echo "fuzz_$t: crash found in $out" >&2; exit 1; }
done
echo "fuzz: no crash"
