#!/usr/bin/env bash
# Short libFuzzer runs of every zkroll fuzz target (fuzz/, cargo-fuzz).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each target (default: all of `cargo fuzz list`) for SECONDS (default
# 60), one process each, starting from the committed seeds in
# fuzz/corpus/<target>/ (read only: what the run finds goes to a temporary
# directory), and prints per target the executions, coverage (cov), features
# (ft) and corpus size libFuzzer reports at the end. Exits non-zero if any
# target crashes, panics, times out or runs out of memory; the input is left
# in fuzz/artifacts/<target>/ (reproduce with
# `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>`).
#
# Needs a nightly toolchain (`rustup toolchain install nightly`); installs
# cargo-fuzz if it is missing. FUZZ_SANITIZER=none builds without
# AddressSanitizer (faster; zkroll's own code has no unsafe).
set -euo pipefail

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [TARGET...]" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

sanitizer=${FUZZ_SANITIZER:-address}
# Signature checks of a batch run on rayon; one thread keeps each run a
# single process on one core.
export RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-1}

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list | grep -vx gen_corpus)
fi

echo "fuzz.sh: building ${#targets[@]} targets (sanitizer: $sanitizer)" >&2
for t in "${targets[@]}"; do
    cargo +nightly fuzz build -s "$sanitizer" "$t"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/zkroll-fuzz.XXXXXX")
echo "fuzz.sh: ${secs}s per target; logs and new corpus units in $work" >&2

status=0
summary=()
for t in "${targets[@]}"; do
    out="$work/$t/corpus"
    log="$work/$t.log"
    mkdir -p "$out"
    echo "fuzz.sh: $t ..." >&2
    if cargo +nightly fuzz run -s "$sanitizer" "$t" "$out" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout=30 -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    # The last status line, e.g. "#123456 DONE cov: 1234 ft: 5678 corp: 90/12Kb ...".
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
    cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
    row=$(printf '%-16s %-7s execs=%-10s cov=%-6s ft=%-7s corp=%s' \
        "$t" "$result" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
    summary+=("$row")
    echo "$row"
    if [ "$result" != ok ]; then
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -n 8 >&2 || true
        echo "fuzz.sh: $t failed; full log: $log" >&2
    fi
done

echo
echo "fuzz.sh summary (${secs}s per target):"
printf '%s\n' "${summary[@]}"
exit $status
