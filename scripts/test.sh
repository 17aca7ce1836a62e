#!/usr/bin/env bash
# The test command: installs the Node tools the tests cross-check against
# (snarkjs, circomlibjs, circom2 and circomlib, solc, and anvil as the live L1 node; pinned by
# contracts/package-lock.json) and Debian's chromium when they are missing,
# then runs every test optimised (arkworks is ~50x slower without).
set -euo pipefail
cd "$(dirname "$0")/.."
for pkg in snarkjs circomlibjs circom2 circomlib solc @foundry-rs/anvil-linux-amd64; do
  if [ ! -d "contracts/node_modules/$pkg" ]; then
    npm ci --prefix contracts --no-audit --no-fund
    break
  fi
done
# Debian's Chromium renders the node's status page in the browser test.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y --no-install-recommends chromium >/dev/null \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    echo "scripts/test.sh: install Debian's chromium (sudo apt-get install chromium) for the browser test" >&2
    exit 1
  fi
fi
# With the tools installed, the cross-checks, the anvil tests and the
# browser test must run, not skip.
export ZKROLL_REQUIRE_NODE=1
export ZKROLL_REQUIRE_ANVIL=1
export ZKROLL_REQUIRE_CHROMIUM=1
exec cargo test --release --workspace "$@"
