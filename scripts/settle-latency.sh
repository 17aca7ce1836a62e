#!/usr/bin/env bash
# Submit-to-settlement time through `zkroll node` at the demo shape
# (depth 16, 2 L1 + 4 L2 slots), on anvil from contracts/node_modules
# (npm ci --prefix contracts first). A bench command, not a test: it
# prints the seconds from `zkroll wallet transfer` submitting to the
# transfer settled on L1 (batch wait, apply, prove, submit, mined), for
# single transfers (the batch closes after its wait) and for a full
# batch of four (it closes at once). Everything runs on
# 127.0.0.1 and is killed at the end.
#   scripts/settle-latency.sh [RUNS]        (BLOCK_TIME=12 for 12 s blocks)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release --bin zkroll -q
zk=$PWD/target/release/zkroll
anvil=$PWD/contracts/node_modules/.bin/anvil
[ -x "$anvil" ] || { echo "no anvil: npm ci --prefix contracts" >&2; exit 1; }
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

# anvil's well-known dev accounts 0, 1, 2 (development only).
k0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
k1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
k2=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$anvil" --host 127.0.0.1 --port "$port" --chain-id 31337 --quiet ${BLOCK_TIME:+--block-time "$BLOCK_TIME"} &
pids+=($!)
rpc=http://127.0.0.1:$port
until curl -s -o /dev/null "$rpc"; do sleep 0.2; done

t=$(date +%s.%N)
"$zk" setup --depth 16 --l1-slots 2 --l2-slots 4 --out "$work/keys" >/dev/null
echo "setup (INSECURE dev keys) $(python3 -c "print(round($(date +%s.%N) - $t, 1))") s" >&2
rollup=$("$zk" deploy --rpc "$rpc" --keys "$work/keys" --operator-key "$k0" | jq -r .rollup)
RUST_LOG=info "$zk" node --rpc "$rpc" --rollup "$rollup" --keys "$work/keys" --data-dir "$work/node" \
  --listen 127.0.0.1:0 --confirmations 1 --operator-key "$k0" >"$work/node.out" 2>"$work/node.err" &
pids+=($!)
until grep -q "listening on" "$work/node.out" 2>/dev/null; do sleep 0.2; done
url=$(sed -n 's/^zkroll node listening on //p' "$work/node.out")

a=$(printf '%064x' 41)
b=$(printf '%064x' 42)
w() { "$zk" wallet "$@"; }
w deposit --rpc "$rpc" --rollup "$rollup" --l1-key "$k0" --l2-key "$a" --amount 1 --confirmations 1 >/dev/null
w deposit --rpc "$rpc" --rollup "$rollup" --l1-key "$k1" --l2-key "$a" --amount 10000000 --confirmations 1 >/dev/null
w deposit --rpc "$rpc" --rollup "$rollup" --l1-key "$k2" --l2-key "$b" --amount 10000000 --confirmations 1 >/dev/null
until [ "$(w balance --node "$url" --account 2 2>/dev/null | jq -r '.settled.balance // empty')" = 10000000 ]; do sleep 0.5; done

secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
echo "zkroll node, depth 16, 2 L1 + 4 L2 slots, anvil ${BLOCK_TIME:-automine}, batch wait as configured (default 2 s)"
for i in $(seq "$runs"); do
  t=$(date +%s.%N)
  w transfer --node "$url" --key "$a" --from 1 --to 2 --amount 10 --wait 600 >/dev/null
  echo "one transfer, submit -> settled: $(secs "$t" "$(date +%s.%N)") s"
done
for i in $(seq "$runs"); do
  t=$(date +%s.%N)
  for j in 1 2 3; do
    w transfer --node "$url" --key "$b" --from 2 --to 1 --amount "$j" >/dev/null
  done
  w transfer --node "$url" --key "$b" --from 2 --to 1 --amount 4 --wait 600 >/dev/null
  echo "four transfers (a full batch: no batch wait), first submit -> settled: $(secs "$t" "$(date +%s.%N)") s"
done
grep -o 'batch [0-9]* proved in [0-9]* ms' "$work/node.err" | tail -n "$((2 * runs))" >&2 || true
