#!/bin/sh
# Run libFuzzer targets one after the other (`make fuzz` calls this).
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
#
# Each target BUILD_DIR/fuzz/fuzz_TARGET runs for SECONDS seconds on a scratch copy of its seed
# corpus (tests/fuzz/corpus/TARGET/ -> BUILD_DIR/run/TARGET/corpus/, so the repository's corpus
# is never written to), with tests/fuzz/TARGET.dict when there is one.  A crash, a sanitizer
# report, a leak or a unit slower than 10 s stops that target; its input is saved as
# BUILD_DIR/run/TARGET/crash-* (or leak-*, timeout-*), the log is BUILD_DIR/run/TARGET/log.
# At the end one line per target: executions, corpus (inputs and bytes), coverage (cov: edges,
# ft: features, as libFuzzer counts them) and the result.  Exits 1 if any target failed.
set -u
[ $# -ge 3 ] || { echo "usage: $0 BUILD_DIR SECONDS TARGET..." >&2; exit 2; }
build=$1 seconds=$2
shift 2
here=$(dirname "$0")
status=0
summary=""
for t in "$@"; do
	bin=$build/fuzz/fuzz_$t
	run=$build/run/$t
	[ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz-build)" >&2; exit 2; }
	rm -rf "$run"
	mkdir -p "$run/corpus"
	if [ -d "$here/corpus/$t" ]; then
		cp "$here/corpus/$t/"* "$run/corpus/" 2>/dev/null
	fi
	seeds=$(ls "$run/corpus" | wc -l)
	dict=""
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	echo "fuzz: $t for ${seeds} seeds, ${seconds}s ($run/log)"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$run/" $dict "$run/corpus" >"$run/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -n 1)
	cov=$(grep -a ' cov: ' "$run/log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
	files=$(ls "$run/corpus" | wc -l)
	bytes=$(cat "$run/corpus/"* 2>/dev/null | wc -c)
	found=$(ls "$run" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | tr '\n' ' ')
	if [ $rc -eq 0 ] && [ -z "$found" ]; then
		result="ok"
	else
		result="FAILED (exit $rc) $found"
		status=1
		grep -a -E 'invariant broken|ERROR: |runtime error|SUMMARY' "$run/log" | head -n 5
	fi
	summary="$summary$(printf '%-14s %12s execs  corpus %5s inputs %8s bytes  %-22s %s' \
		"$t" "${execs:-?}" "$files" "$bytes" "${cov:-cov ?}" "$result")
"
done
echo
echo "fuzz: ${seconds}s per target"
printf '%s' "$summary"
exit $status
