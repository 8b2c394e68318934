#!/bin/sh
# Run every unit-test program given as an argument, then print the total as
# "unit: N passed, N failed".  Exit nonzero if any program failed or crashed.
passed=0; failed=0; status=0
for t in "$@"; do
	out=$("$t") || status=1
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | tail -n 1)
	p=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then echo "$t: no summary (crashed?)"; failed=$((failed + 1)); status=1; continue; fi
	passed=$((passed + p)); failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$passed" -gt 0 ] || status=1
exit $status
