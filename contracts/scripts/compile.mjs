#!/usr/bin/env node
// Compiles Solidity files with solc-js (the `solc` package pinned in
// contracts/package.json) through its standard JSON interface: optimizer on,
// 200 runs, evmVersion "prague".
//
//   node contracts/scripts/compile.mjs [--out FILE] A.sol [B.sol ...]
//
// Prints (or writes to FILE) one JSON document:
//   { "compiler": "0.8.30+commit…", "evmVersion": "prague",
//     "contracts": { "<source>:<Name>": { "name", "source", "abi",
//                    "bytecode", "deployedBytecode", "methodIdentifiers" } } }
// with bytecode as 0x-prefixed hex (creation code without constructor
// arguments, and the runtime code). Sources are keyed by their path as
// given; imports resolve relative to the importing file, then to the
// current directory. Warnings go to stderr; any error exits with status 1.

import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
let solc;
try {
  solc = require("solc");
} catch (e) {
  console.error("solc-js is not installed: run `npm ci --prefix contracts`");
  process.exit(2);
}

const EVM_VERSION = "prague";

const args = process.argv.slice(2);
let out = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out") {
    out = args[++i];
  } else if (args[i] === "--help" || args[i] === "-h") {
    console.log("usage: compile.mjs [--out FILE] A.sol [B.sol ...]");
    process.exit(0);
  } else {
    files.push(args[i]);
  }
}
if (files.length === 0 || (out !== null && out === undefined)) {
  console.error("usage: compile.mjs [--out FILE] A.sol [B.sol ...]");
  process.exit(2);
}

const sources = {};
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`${f}: no such file`);
    process.exit(1);
  }
  sources[f] = { content: readFileSync(f, "utf8") };
}

// Imports: relative to an importing source's directory (solc passes the
// resolved path, e.g. "dir/./Other.sol"), then to the working directory.
function findImports(p) {
  for (const candidate of [p, path.normalize(p)]) {
    if (existsSync(candidate)) {
      return { contents: readFileSync(candidate, "utf8") };
    }
  }
  return { error: `import not found: ${p}` };
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: EVM_VERSION,
    outputSelection: {
      "*": {
        "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"],
      },
    },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

let failed = false;
for (const e of output.errors ?? []) {
  console.error(e.formattedMessage ?? e.message);
  if (e.severity === "error") failed = true;
}
if (failed) process.exit(1);

const contracts = {};
for (const [source, byName] of Object.entries(output.contracts ?? {})) {
  for (const [name, c] of Object.entries(byName)) {
    contracts[`${source}:${name}`] = {
      name,
      source,
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
      deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      methodIdentifiers: c.evm.methodIdentifiers,
    };
  }
}

const result = JSON.stringify({ compiler: solc.version(), evmVersion: EVM_VERSION, contracts }, null, 2);
if (out) {
  writeFileSync(out, result + "\n");
} else {
  process.stdout.write(result + "\n");
}
