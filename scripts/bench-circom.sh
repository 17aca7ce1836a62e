#!/usr/bin/env bash
# zkroll bench circom on EdDSA-Poseidon verifier circuits written in circom
# (tests/circom/eddsa.circom), one per signature count given:
#
#   scripts/bench-circom.sh [--runs R] [--plot FILE.svg] N...
#   (62 signatures: 260,834 constraints, 2^18; 249: 1,047,543, 2^20)
#
# For each N: compile with circom 2 (npm circom2, --O2), sign N messages
# with circomlibjs, compute the witness with circom's wasm, and make a
# TEST-ONLY zkey with `zkroll groth16 setup-testing` (snarkjs zkey new
# would take about an hour at 2^20 here; the provers only read the zkey).
# Then all circuits go to one `zkroll bench circom` run. Files are kept in
# $ZKROLL_BENCH_DIR (default target/bench-circom) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runs=3
plot=()
sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --plot) plot=(--plot "$2"); shift 2 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || { echo "usage: scripts/bench-circom.sh [--runs R] [--plot FILE.svg] N..." >&2; exit 2; }
for pkg in snarkjs circomlibjs circom2 circomlib; do
  [ -d "contracts/node_modules/$pkg" ] || { npm ci --prefix contracts --no-audit --no-fund; break; }
done
cargo build --release --bin zkroll
zkroll=$repo/target/release/zkroll
dir=${ZKROLL_BENCH_DIR:-$repo/target/bench-circom}
pairs=()
for n in "${sizes[@]}"; do
  d=$dir/eddsa_$n
  mkdir -p "$d"
  if [ ! -f "$d/eddsa.zkey" ]; then
    sed "\$ s/EdDSAPoseidonBatch(1)/EdDSAPoseidonBatch($n)/" tests/circom/eddsa.circom > "$d/eddsa.circom"
    node contracts/node_modules/circom2/cli.js "$d/eddsa.circom" --r1cs --wasm --O2 \
      -l contracts/node_modules -o "$d" > "$d/compile.log"
    node contracts/scripts/circom-inputs.mjs eddsa "$n" "$d/input.json"
    node "$d/eddsa_js/generate_witness.js" "$d/eddsa_js/eddsa.wasm" "$d/input.json" "$d/eddsa.wtns"
    "$zkroll" groth16 setup-testing "$d/eddsa.r1cs" "$d/eddsa.zkey.tmp"
    mv "$d/eddsa.zkey.tmp" "$d/eddsa.zkey"
  fi
  pairs+=("$d/eddsa.zkey" "$d/eddsa.wtns")
done
"$zkroll" bench circom --runs "$runs" "${plot[@]}" \
  --snarkjs "$repo/contracts/node_modules/.bin/snarkjs" "${pairs[@]}"
