// Writes the input.json of one of the circom circuits of tests/circom/ for
// tests/circom.rs, in circom's form (signal name -> decimal strings).
// Deterministic: every private key, message and value is derived from its
// index with SHA-256, so the same arguments always write the same file.
//
//   eddsa        N EdDSA-Poseidon signatures (circomlibjs, as sign-l2.mjs)
//   many_public  64 public field elements (N is ignored)
//   bits         16 253-bit values and a selector (N is ignored)
//
// With --bad the input does not satisfy the circuit: signature 0 gets a
// wrong S (eddsa), or the selector is out of range (bits). circom's witness
// calculator checks the constraints while it computes the witness, so it
// refuses such an input (generate_witness.js exits with "Assert Failed").
// many_public has no such input: its only constraints compute its output.
//
// usage: node circom-inputs.mjs eddsa|many_public|bits N OUT.json [--bad]
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { buildEddsa, buildPoseidon } from "circomlibjs";

const args = process.argv.slice(2);
const bad = args.includes("--bad");
const [circuit, count, out] = args.filter((a) => a !== "--bad");
if (out === undefined) throw new Error("usage: circom-inputs.mjs eddsa|many_public|bits N OUT.json [--bad]");
const n = Number(count);
if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad N ${count}`);

// The BN254 scalar field, circom's default prime.
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
// 32 bytes derived from a label and an index.
const derive = (label, i) => createHash("sha256").update(`zkroll circom ${label} ${i}`).digest();
const deriveInt = (label, i) => BigInt("0x" + derive(label, i).toString("hex"));

let input;
if (circuit === "eddsa") {
  if (n < 1) throw new Error("eddsa needs N >= 1 signatures");
  const eddsa = await buildEddsa();
  const poseidon = await buildPoseidon();
  const F = eddsa.babyJub.F;
  const dec = (x) => F.toObject(x).toString();
  input = { Ax: [], Ay: [], M: [], R8x: [], R8y: [], S: [] };
  for (let i = 0; i < n; i++) {
    const key = derive("eddsa key", i);
    const msg = poseidon([BigInt(i)]);
    const A = eddsa.prv2pub(key);
    const sig = eddsa.signPoseidon(key, msg);
    input.Ax.push(dec(A[0]));
    input.Ay.push(dec(A[1]));
    input.M.push(dec(msg));
    input.R8x.push(dec(sig.R8[0]));
    input.R8y.push(dec(sig.R8[1]));
    input.S.push(sig.S.toString());
  }
  // S + 1 mod the subgroup order: still a canonical S, so what fails is the
  // signature equation itself.
  const order = BigInt(eddsa.babyJub.subOrder);
  if (bad) input.S[0] = ((BigInt(input.S[0]) + 1n) % order).toString();
} else if (circuit === "many_public") {
  if (bad) throw new Error("many_public has no unsatisfying input: its output is computed from x");
  input = { x: Array.from({ length: 64 }, (_, i) => (deriveInt("many_public x", i) % P).toString()) };
} else if (circuit === "bits") {
  input = {
    in: Array.from({ length: 16 }, (_, j) => (deriveInt("bits in", j) >> 3n).toString()),
    sel: bad ? "16" : "5",
  };
} else {
  throw new Error(`unknown circuit ${circuit}`);
}
writeFileSync(out, JSON.stringify(input, null, 1) + "\n");
