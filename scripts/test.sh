#!/usr/bin/env bash
# The test command: installs the Node tools the tests cross-check against
# (snarkjs, circomlibjs, circom2 and circomlib, solc, and anvil as the live L1 node; pinned by
# contracts/package-lock.json) and Debian's chromium and PostgreSQL when they are missing,
# then runs every test optimised (arkworks is ~50x slower without).
# PostgreSQL (the proving queue's tests): the server at 127.0.0.1:5432 when
# it answers, else a temporary cluster on a free loopback port, stopped and
# removed when the tests end.
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
# PostgreSQL for the proving queue's tests.
if [ -z "${ZKROLL_TEST_DATABASE_URL:-}" ]; then
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    export ZKROLL_TEST_DATABASE_URL="host=127.0.0.1 port=5432 user=postgres dbname=postgres"
  else
    pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$pgbin" ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y --no-install-recommends postgresql >/dev/null \
          || { apt-get update >/dev/null && apt-get install -y --no-install-recommends postgresql >/dev/null; }
        pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
      else
        echo "scripts/test.sh: install PostgreSQL (sudo apt-get install postgresql) for the proving queue's tests" >&2
        exit 1
      fi
    fi
    pgdir=$(mktemp -d)
    # initdb refuses to run as root: the cluster belongs to postgres then.
    as_pg=()
    if [ "$(id -u)" = 0 ]; then
      chown postgres "$pgdir"
      as_pg=(runuser -u postgres --)
    fi
    # The first loopback port nothing listens on.
    for pgport in $(seq 54321 54420); do
      (exec 3<>"/dev/tcp/127.0.0.1/$pgport") 2>/dev/null || break
    done
    "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres >"$pgdir/initdb.log"
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
      -o "-h 127.0.0.1 -p $pgport -k $pgdir" start >/dev/null
    trap '"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
    export ZKROLL_TEST_DATABASE_URL="host=127.0.0.1 port=$pgport user=postgres dbname=postgres"
  fi
fi
# With the tools installed, the cross-checks, the anvil tests, the
# browser test and the queue's tests must run, not skip.
export ZKROLL_REQUIRE_NODE=1
export ZKROLL_REQUIRE_ANVIL=1
export ZKROLL_REQUIRE_CHROMIUM=1
export ZKROLL_REQUIRE_POSTGRES=1
cargo test --release --workspace "$@"
