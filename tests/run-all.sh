#!/usr/bin/env bash
# Runs the suite: cmocka unit tests, host tool tests, then the emulator
# integration tests (two at a time: Bochs is single-threaded). Ends with
# one line "N passed, N failed" and exits non-zero on any failure.
set -u
BUILD=${1:-build}
WHAT=${2:-all}
export BUILD
passed=0
failed=0
cd "$(dirname "$0")/.."

run_unit() {
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1 # crashed or sanitizer report
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -ne 0 ]; then
			printf '%s\n' "$out" | tail -n 30
			echo "FAIL: unit $(basename "$t") ($f failed)"
		else
			echo "PASS: unit $(basename "$t") ($p tests)"
		fi
	done
	for t in tests/tools/test_*.sh; do
		[ -f "$t" ] || continue
		if out=$(bash "$t" 2>&1); then
			passed=$((passed + 1))
			echo "PASS: tool $(basename "$t" .sh)"
		else
			failed=$((failed + 1))
			printf '%s\n' "$out" | tail -n 30
			echo "FAIL: tool $(basename "$t" .sh)"
		fi
	done
}

run_integration() {
	local results=$BUILD/it-results
	rm -rf "$results"
	mkdir -p "$results"
	# Each test runs in its own directory. Slow tests (marked "# Slow:")
	# start first, longest first by their "# Minutes: N" estimate, then
	# the QEMU runs of the slow ones, then the fast tests, so the two
	# lanes finish together with short jobs.
	# A test marked "# Backends: vmx svm" runs twice: in Bochs (VMX) and
	# in QEMU (SVM, job "svm:PATH"; results NAME.svm).
	local slow svm
	slow=$(for t in $(grep -l '^# Slow' tests/integration/test_*.sh); do
		m=$(sed -n 's/^# Minutes: *\([0-9]*\).*/\1/p' "$t" | head -n1)
		echo "${m:-5} $t"
	done | sort -rn | cut -d' ' -f2)
	svm=$(grep -l '^# Backends:.*svm' tests/integration/test_*.sh)
	{ echo "$slow"
	  grep -xF -f <(echo "$svm") <<<"$slow" | sed 's/^/svm:/'
	  grep -L '^# Slow' tests/integration/test_*.sh
	  grep -vxF -f <(echo "$slow") <<<"$svm" | sed 's/^/svm:/'; } |
		xargs -P 2 -I{} sh -c 'j={}; b=vmx; case $j in svm:*) b=svm; j=${j#svm:} ;; esac
		n=$(basename "$j" .sh); [ $b = vmx ] || n=$n.$b
		s=$(date +%s); BACKEND=$b bash "$j" >"'"$results"'/$n.out" 2>&1; echo $? >"'"$results"'/$n.rc"
		echo $(($(date +%s) - s)) >"'"$results"'/$n.secs"'
	for r in "$results"/*.out; do
		cat "$r"
		p=$(grep -c '^PASS: ' "$r")
		f=$(grep -c '^FAIL: ' "$r")
		rc=$(cat "${r%.out}.rc")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
	# Wall time per test (two run at once), longest first: where the
	# suite's 45-minute budget goes.
	for r in "$results"/*.secs; do
		echo "$(cat "$r") $(basename "$r" .secs)"
	done | sort -rn | awk '{ printf "TIME: %-24s %4d s\n", $2, $1 }'
}

# libFuzzer harnesses (clang, ASan+UBSan), FUZZ_SECONDS each (default 12: the suite, both backends included, has to stay under 45 minutes):
# each harness counts as one test.
run_fuzz() {
	local out=$BUILD/fuzz-results.txt
	make --no-print-directory fuzz BUILD="$BUILD" \
		FUZZ_SECONDS="${FUZZ_SECONDS:-12}" FUZZ_JOBS="${FUZZ_JOBS:-2}" \
		>"$out" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL) ' "$out" | sed 's/^\(PASS\|FAIL\) /\1: fuzz /'
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		tail -n 30 "$out"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

case $WHAT in
unit) run_unit ;;
integration) run_integration ;;
fuzz) run_fuzz ;;
*)
	run_unit
	run_integration
	run_fuzz
	;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
