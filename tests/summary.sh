#!/bin/sh
# Add up every results file ("name passed failed" lines) and print the
# total alone on the last line. Exit 1 if anything failed.
passed=0
failed=0
for dir in "$@"; do
	[ -d "$dir" ] || continue
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		case "$f" in *.log) continue ;; esac
		while read -r name p fl; do
			[ -n "$name" ] || continue
			passed=$((passed + p))
			failed=$((failed + fl))
			if [ "$fl" -ne 0 ]; then
				echo "FAILED: $dir/$name ($fl)"
			fi
		done <"$f"
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
