#!/usr/bin/env bash
# The engine under AddressSanitizer + UndefinedBehaviorSanitizer: builds commons/, entities/,
# algorithms/ and the standalone native tests (native/tests/: the algorithms' tests and a short
# mutation fuzz of every reader of untrusted bytes) with g++ -fsanitize=address,undefined into
# build-sanitize/ (apart from the addon's build/), runs them, and fails on any test failure or
# sanitizer report. Run by test/native-sanitizers.test.ts (so by `pnpm test` and CI); by hand:
#   packages/engine/scripts/sanitize.sh [name filter]
# Environment: FHENET_SANITIZE_DIR (build folder), CXX (default g++), FHENET_FUZZ_ITERATIONS
# (multiplies the fuzz cases), FHENET_TEST_SEED (replays a run).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FHENET_SANITIZE_DIR:-build-sanitize}
cxx=${CXX:-g++}

# The compiler and its sanitizer runtimes (Debian: libasan8 and libubsan1 come with g++-12).
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main() { return 0; }' > "$probe/p.cc"
if ! "$cxx" -fsanitize=address,undefined "$probe/p.cc" -o "$probe/p" 2> "$probe/err"; then
  echo "sanitize: $cxx cannot build with -fsanitize=address,undefined (needs the ASan/UBSan runtimes, e.g. Debian libasan8 libubsan1):"
  cat "$probe/err"
  exit 1
fi

start=$(date +%s)
node scripts/gen-security-rule.cjs "$out/gen/commons/security_rule.h"
make -f scripts/sanitize.mk OUT="$out" CXX="$cxx" -j"$(nproc)" --no-print-directory
built=$(date +%s)

log="$out/report.log"
set +e
ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$out/engine-tests" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
end=$(date +%s)
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
  echo "sanitize: FAILED: sanitizer report (full log: $log)"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize: FAILED: native tests exited with $status (full log: $log)"
  exit 1
fi
echo "sanitize: ok (build $((built - start)) s, run $((end - built)) s, load $(cut -d' ' -f1-3 /proc/loadavg))"
