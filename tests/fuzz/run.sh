#!/usr/bin/env bash
# Runs the libFuzzer harnesses (see tests/fuzz/fuzz.mk).
#
#   run.sh --deps
#       Makes sure clang and its libFuzzer runtime work; installs them with
#       apt-get if not (Debian 12: clang and libclang-rt-14-dev).
#   run.sh [--build DIR] [--seconds N] [--jobs N] HARNESS...
#       Runs each $DIR/fuzz/HARNESS for N seconds on a scratch copy of
#       tests/fuzz/corpus/HARNESS (in $DIR/fuzz/run/HARNESS/; the checked-in
#       corpus is never written), at most --jobs of them at a time. Prints
#       one line per harness and exits non-zero if any crashed, leaked, timed
#       out or ran out of memory; its input is then in the scratch directory.
set -u
cd "$(dirname "$0")/../.." || exit 2

FUZZ_CC=${FUZZ_CC:-clang}

# Succeeds if $FUZZ_CC can build and run a libFuzzer binary.
fuzzer_works() {
	local t rc
	command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
	t=$(mktemp -d) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$t/t.c"
	"$FUZZ_CC" -fsanitize=fuzzer,address,undefined "$t/t.c" -o "$t/t" \
		>/dev/null 2>&1 && "$t/t" -runs=1 >/dev/null 2>&1
	rc=$?
	rm -rf "$t"
	return $rc
}

deps() {
	local sudo="" major pkgs
	fuzzer_works && return 0
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	echo "fuzz: installing clang and the libFuzzer runtime"
	$sudo apt-get update -qq || return 1
	if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
		$sudo apt-get install -y -qq --no-install-recommends clang \
			>/dev/null || return 1
	fi
	# The fuzzer runtime is a recommendation of clang, not a dependency:
	# libclang-rt-N-dev for clang N (libclang_rt.fuzzer-x86_64.a).
	major=$("$FUZZ_CC" -dumpversion | cut -d. -f1)
	pkgs="libclang-rt-$major-dev"
	command -v llvm-symbolizer >/dev/null 2>&1 ||
		[ -x "/usr/lib/llvm-$major/bin/llvm-symbolizer" ] ||
		pkgs="$pkgs llvm-$major"
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $pkgs >/dev/null ||
		return 1
	fuzzer_works || {
		echo "fuzz: $FUZZ_CC still cannot build a libFuzzer binary" >&2
		return 1
	}
}

if [ "${1:-}" = --deps ]; then
	deps
	exit
fi

BUILD=build
SECONDS_EACH=60
JOBS=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--seconds) SECONDS_EACH=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: run.sh [--build DIR] [--seconds N] [--jobs N] HARNESS..." >&2; exit 2; }

# Readable stack traces if a symbolizer is around.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1; then
	for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
		[ -x "$s" ] && export ASAN_SYMBOLIZER_PATH=$s
	done
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one harness; writes its summary line to $work/summary.
run_one() {
	local h=$1 bin=$BUILD/fuzz/$1 work=$BUILD/fuzz/run/$1 rc
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "tests/fuzz/corpus/$h" ]; then
		cp tests/fuzz/corpus/"$h"/* "$work/corpus/" 2>/dev/null
	fi
	if [ ! -x "$bin" ]; then
		echo "FAIL $h: $bin not built" >"$work/summary"
		return
	fi
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" >"$work/log" 2>&1
	rc=$?
	summarize "$h" "$work" "$rc" >"$work/summary"
}

# field NAME LINE: the number after "NAME: " in a libFuzzer status line
field() {
	printf '%s\n' "$2" | sed -n "s/.* $1: \\([0-9]*\\).*/\\1/p"
}

summarize() {
	local h=$1 work=$2 rc=$3 log=$2/log
	local execs rate inited last cov0 cov ft corp0 corp new kind art
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n1)
	inited=$(grep -m1 'INITED' "$log")
	last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n1)
	cov0=$(field cov "$inited")
	cov=$(field cov "$last")
	ft=$(field ft "$last")
	corp0=$(printf '%s\n' "$inited" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		printf 'PASS %-16s %10s execs (%s/s), cov %s (+%s), ft %s, corpus %s -> %s (+%s new)\n' \
			"$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
			"$(( ${cov:-0} - ${cov0:-0} ))" "${ft:-?}" "${corp0:-?}" \
			"${corp:-?}" "${new:-?}"
		return
	fi
	if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
		kind=timeout
	elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
		kind=out-of-memory
	elif grep -q 'ERROR: LeakSanitizer' "$log"; then
		kind=leak
	elif grep -q 'property violated' "$log"; then
		kind="property violated"
	elif grep -q 'runtime error:' "$log"; then
		kind="undefined behaviour"
	elif grep -q 'ERROR: AddressSanitizer' "$log"; then
		kind="$(grep -m1 -o 'ERROR: AddressSanitizer: [a-z-]*' "$log" | cut -d' ' -f3)"
	else
		kind="crash"
	fi
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)
	printf 'FAIL %-16s %s (exit %s) after %s execs; input: %s; log: %s\n' \
		"$h" "$kind" "$rc" "${execs:-?}" "${art:-none}" "$log"
}

running=0
for h in "$@"; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$h" &
	running=$((running + 1))
done
wait

failed=0
for h in "$@"; do
	s=$(cat "$BUILD/fuzz/run/$h/summary" 2>/dev/null || echo "FAIL $h: no result")
	case $s in
	PASS*) ;;
	*)
		failed=$((failed + 1))
		log=$BUILD/fuzz/run/$h/log
		if [ -f "$log" ]; then
			echo "---- $h: end of $log"
			# The report, from the first sanitizer/libFuzzer error on.
			sed -n '/==ERROR\|^ERROR: \|runtime error:\|property violated\|deadly signal/,$p' "$log" | head -n 60
		fi
		;;
	esac
done
for h in "$@"; do
	cat "$BUILD/fuzz/run/$h/summary" 2>/dev/null || echo "FAIL $h: no result"
done
echo "fuzz: $# harnesses, $(($# - failed)) passed, $failed failed (${SECONDS_EACH}s each)"
[ "$failed" -eq 0 ]
