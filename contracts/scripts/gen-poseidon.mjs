#!/usr/bin/env node
// Generates contracts/Poseidon4.sol and contracts/Poseidon5.sol: circomlib's
// Poseidon hash over BN254 for 4 inputs (t = 5, tree nodes) and 5 inputs
// (t = 6, account leaves) as EVM contracts with the ABI circomlibjs's
// generated contracts have, `poseidon(uint256[N]) returns (uint256)`, but a
// fraction of their gas.
//
//   node contracts/scripts/gen-poseidon.mjs [--out-dir DIR] [--check]
//
// writes DIR/Poseidon4.sol and DIR/Poseidon5.sol (DIR defaults to contracts/);
// with --check it writes nothing and exits 1 unless the files in DIR are
// what it would write. Before writing, it proves with a bound analysis of
// the generated Yul that no ADD in it can overflow, and runs the Yul in a
// small interpreter (exact EVM arithmetic) against a BigInt port of
// circomlibjs's poseidon_opt.js on edge and random inputs.
// contracts/scripts/test-poseidon.mjs checks the compiled contracts in an
// EVM against circomlibjs itself.
//
// The constants all come from circomlibjs 0.1.7's src/poseidon_constants_opt.js
// (C, S, M, P: the "optimised" form of the Poseidon authors' round constants
// and MDS matrices that poseidon_opt.js and the wasm poseidon use). From them
// this script derives, with exact field arithmetic, an equivalent program
// that is cheaper on the EVM:
//
// * Full rounds as in poseidon_opt.js (x^5 on every lane, add the round
//   constants, dense MDS mix), with lane 0 of the first round (a constant)
//   folded into constants and only output 0 computed in the last round.
//
// * Additions are ADD instead of ADDMOD wherever the sum provably fits in
//   256 bits: every value carries an exact upper bound (MULMOD and the
//   S-box accept unreduced operands), and an independent bound analysis of
//   the emitted Yul (checkBounds) proves that no ADD can wrap for any input.
//
// * The partial rounds (x^5 on lane 0 only) as a linear recurrence. The
//   values y_m entering the S-box of partial round m, and g_m = y_m^5, obey
//       y_m = sum_{i=1..t-1} p_i y_{m-i} + sum_{i=1..t} q_i g_{m-i} + kappa_m
//   with FIXED p, q (the lanes 1..t-1 only pass through linear maps, and the
//   textbook partial round is time-invariant) and one constant kappa_m per
//   round. The script finds p, q and kappa by solving for them on a symbolic
//   run of poseidon_opt.js's sparse partial rounds and checks the recurrence
//   for every round. The contract keeps the recurrence's state in "observer"
//   form, t accumulators H_1..H_t (H_j collects the terms of y_{m+j-1} known
//   so far), so a round is: y = H_1 + kappa_m, g = y^5, H_j := H_{j+1} +
//   p_j y + q_j g, H_t := q_t g (kappa_m is added when H_1 is made, in the
//   round before). That is 2t-1 multiplications (2t-2 after the scaling
//   below), like poseidon_opt's sparse rounds, but the multipliers are the
//   same every round, so they live on the stack or in memory instead of
//   2t-1 fresh PUSH32s per round. This is what keeps the contracts under
//   EIP-170's 24,576-byte code limit: the sparse rounds' unique constants
//   alone take 17 KB for t = 5 and 21 KB for t = 6 (a sparse t = 5 contract
//   came to 26.9 KB), the recurrence's take 2 KB. The state
//   entering the partial rounds and the full state leaving them are linear
//   maps of the opt state (found by the same symbolic run), folded into the
//   neighbouring MDS mixes.
//
// * Scaling: a lane may hold its value divided by a known nonzero factor
//   nu, since (nu x)^5 = nu^5 x^5 folds into the constants of the mix that
//   follows the S-box. Each mix output that feeds an S-box is divided by
//   one of its coefficients, so one term per output needs no MULMOD (t
//   MULMODs saved per full round but the fourth and the last). The partial
//   rounds run on y/lambda with lambda^4 = 1/q_i for some i (a fourth root
//   that exists for t = 5 and 6), which makes that q_i 1. x -> x^5 is a
//   bijection of the field (gcd(5, r-1) = 1), so none of this loses
//   information; all of it is exact field arithmetic done here, once.
//
// Inputs: the contract reduces each input modulo r (ADDMOD), as circomlibjs's
// contract does, so any uint256 input gives the circomlibjs contract's
// output: poseidon(input mod r).

import { createRequire } from "node:module";
import { pathToFileURL, fileURLToPath } from "node:url";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// Constants: circomlibjs's own.

export const CONSTANTS_SOURCE = "circomlibjs/src/poseidon_constants_opt.js";

function circomlibjsDir() {
  // The package's "exports" hide its files; find it through its entry point.
  let dir = path.dirname(require.resolve("circomlibjs"));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
}

export async function loadConstants() {
  const dir = circomlibjsDir();
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const mod = await import(pathToFileURL(path.join(dir, "src", "poseidon_constants_opt.js")));
  return { version: pkg.version, opt: mod.default };
}

// circomlib's round numbers (poseidon_opt.js).
export const N_ROUNDS_F = 8;
export const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

// ---------------------------------------------------------------------------
// The BN254 scalar field.

export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const TWO256 = 1n << 256n;
const md = (a) => ((a % R) + R) % R;
const fmul = (a, b) => md(a * b);
const fadd = (a, b) => md(a + b);
function fpow(a, e) {
  let r = 1n;
  a = md(a);
  e = ((e % (R - 1n)) + (R - 1n)) % (R - 1n);
  while (e > 0n) {
    if (e & 1n) r = (r * a) % R;
    a = (a * a) % R;
    e >>= 1n;
  }
  return r;
}
function finv(a) {
  if (md(a) === 0n) throw new Error("inverse of 0");
  return fpow(a, R - 2n);
}
const pow5 = (a) => fpow(a, 5n);
// 5th root: x -> x^5 is a bijection because gcd(5, r - 1) = 1.
function modinv(a, m) {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return ((s0 % m) + m) % m;
}
const INV5 = modinv(5n, R - 1n);
function root5(a) {
  const x = fpow(a, INV5);
  if (pow5(x) !== md(a)) throw new Error("5th root");
  return x;
}
// Square root (Tonelli-Shanks), or null.
function fsqrt(a) {
  a = md(a);
  if (a === 0n) return 0n;
  if (fpow(a, (R - 1n) / 2n) !== 1n) return null;
  let q = R - 1n, s = 0n;
  while ((q & 1n) === 0n) { q >>= 1n; s++; }
  let z = 2n;
  while (fpow(z, (R - 1n) / 2n) !== R - 1n) z++;
  let m = s, c = fpow(z, q), t = fpow(a, q), r = fpow(a, (q + 1n) / 2n);
  while (t !== 1n) {
    let i = 0n, t2 = t;
    while (t2 !== 1n) { t2 = (t2 * t2) % R; i++; }
    const b = fpow(c, 1n << (m - i - 1n));
    m = i; c = (b * b) % R; t = (t * c) % R; r = (r * b) % R;
  }
  return r;
}
// Some x with x^4 = a, or null.
function root4(a) {
  const s = fsqrt(a);
  if (s === null) return null;
  for (const c of [s, md(-s)]) {
    const x = fsqrt(c);
    if (x !== null) return x;
  }
  return null;
}

// Solves A x = b over the field (A may have more rows than columns; the
// system must be consistent and of full column rank).
function solve(A, b) {
  const rows = A.length, cols = A[0].length;
  const M = A.map((r, i) => [...r.map(md), md(b[i])]);
  const piv = [];
  let row = 0;
  for (let c = 0; c < cols && row < rows; c++) {
    let p = -1;
    for (let i = row; i < rows; i++) if (M[i][c] !== 0n) { p = i; break; }
    if (p < 0) continue;
    [M[row], M[p]] = [M[p], M[row]];
    const iv = finv(M[row][c]);
    for (let j = 0; j <= cols; j++) M[row][j] = fmul(M[row][j], iv);
    for (let i = 0; i < rows; i++) {
      if (i === row || M[i][c] === 0n) continue;
      const f = M[i][c];
      for (let j = 0; j <= cols; j++) M[i][j] = md(M[i][j] - f * M[row][j]);
    }
    piv.push(c);
    row++;
  }
  for (let i = row; i < rows; i++) if (M[i][cols] !== 0n) throw new Error("inconsistent linear system");
  if (piv.length !== cols) throw new Error(`rank deficient linear system (${piv.length}/${cols})`);
  const x = new Array(cols).fill(0n);
  piv.forEach((c, i) => (x[c] = M[i][cols]));
  return x;
}

// ---------------------------------------------------------------------------
// Reference: a BigInt port of circomlibjs 0.1.7 src/poseidon_opt.js.

export function params(opt, t) {
  return {
    t,
    nP: N_ROUNDS_P[t - 2],
    C: opt.C[t - 2].map((x) => BigInt(x)),
    S: opt.S[t - 2].map((x) => BigInt(x)),
    M: opt.M[t - 2].map((r) => r.map((x) => BigInt(x))),
    P: opt.P[t - 2].map((r) => r.map((x) => BigInt(x))),
  };
}

export function poseidonOptRef(prm, inputs) {
  const { t, nP, C, S, M, P } = prm;
  if (inputs.length !== t - 1) throw new Error("arity");
  const mix = (st, X) => st.map((_, i) => st.reduce((acc, a, j) => fadd(acc, fmul(X[j][i], a)), 0n));
  let st = [0n, ...inputs.map(md)].map((a, i) => fadd(a, C[i]));
  for (let r = 0; r < N_ROUNDS_F / 2 - 1; r++) {
    st = st.map(pow5).map((a, i) => fadd(a, C[(r + 1) * t + i]));
    st = mix(st, M);
  }
  st = st.map(pow5).map((a, i) => fadd(a, C[(N_ROUNDS_F / 2) * t + i]));
  st = mix(st, P);
  for (let r = 0; r < nP; r++) {
    st[0] = fadd(pow5(st[0]), C[(N_ROUNDS_F / 2 + 1) * t + r]);
    const base = (2 * t - 1) * r;
    const s0 = st.reduce((acc, a, j) => fadd(acc, fmul(S[base + j], a)), 0n);
    for (let k = 1; k < t; k++) st[k] = fadd(st[k], fmul(st[0], S[base + t + k - 1]));
    st[0] = s0;
  }
  for (let r = 0; r < N_ROUNDS_F / 2 - 1; r++) {
    st = st.map(pow5).map((a, i) => fadd(a, C[(N_ROUNDS_F / 2 + 1) * t + nP + r * t + i]));
    st = mix(st, M);
  }
  st = mix(st.map(pow5), M);
  return st[0];
}

// ---------------------------------------------------------------------------
// The partial rounds as a recurrence (see the header). Symbolic values are
// affine forms over the variables [s_0..s_{t-1}, g_0..g_{nP-1}, 1]: s is
// poseidon_opt.js's state entering the partial rounds, g_m the S-box output
// of partial round m.

export function derivePartial(prm) {
  const { t, nP, C, S } = prm;
  const n = t - 1;
  const V = t + nP + 1, ONE = V - 1;
  const unit = (i) => { const f = new Array(V).fill(0n); f[i] = 1n; return f; };
  const addF = (a, b) => a.map((x, i) => fadd(x, b[i]));
  const sclF = (a, k) => a.map((x) => fmul(x, k));
  const eqF = (a, b) => a.every((x, i) => x === b[i]);

  // poseidon_opt.js's partial rounds, symbolically.
  const st = [...Array(t).keys()].map(unit);
  const ys = [];
  for (let r = 0; r < nP; r++) {
    ys.push(st[0]);
    const b = addF(unit(t + r), sclF(unit(ONE), C[(N_ROUNDS_F / 2 + 1) * t + r]));
    const base = (2 * t - 1) * r;
    let s0 = sclF(b, S[base]);
    for (let k = 1; k < t; k++) s0 = addF(s0, sclF(st[k], S[base + k]));
    for (let k = 1; k < t; k++) st[k] = addF(st[k], sclF(b, S[base + t + k - 1]));
    st[0] = s0;
  }
  ys.push(st[0]); // y_nP: lane 0 entering the first of the last full rounds
  const fin = st.slice();

  // p, q from the recurrence at m = t, then checked (and kappa_m read off)
  // for every m in t..nP.
  const rowsV = [...Array(ONE).keys()];
  const A = rowsV.map((v) => [
    ...[...Array(n).keys()].map((i) => ys[t - 1 - i][v]),
    ...[...Array(t).keys()].map((i) => (v === t + (t - 1 - i) ? 1n : 0n)),
  ]);
  const x = solve(A, rowsV.map((v) => ys[t][v]));
  const p = [0n, ...x.slice(0, n)]; // 1-based: p[1..n]
  const q = [0n, ...x.slice(n)]; //    q[1..t]
  const kappa = new Array(nP + 1).fill(0n); // kappa_m = 0 for m < t (absorbed in H^(0))
  for (let m = t; m <= nP; m++) {
    let f = ys[m];
    for (let i = 1; i <= n; i++) f = addF(f, sclF(ys[m - i], md(-p[i])));
    for (let i = 1; i <= t; i++) f = addF(f, sclF(unit(t + m - i), md(-q[i])));
    for (let v = 0; v < ONE; v++) if (f[v] !== 0n) throw new Error(`t=${t}: recurrence fails at m=${m}`);
    kappa[m] = f[ONE];
  }

  // Observer state before round 0: H_{k+1} = y_k - sum_{i=1..k} (p_i y_{k-i} + q_i g_{k-i}).
  const H0 = [null];
  for (let k = 0; k <= n; k++) {
    let f = ys[k];
    for (let i = 1; i <= k; i++) {
      f = addF(f, sclF(ys[k - i], md(-p[i])));
      f = addF(f, sclF(unit(t + k - i), md(-q[i])));
    }
    for (let v = t; v < ONE; v++) if (f[v] !== 0n) throw new Error(`t=${t}: H0 depends on an S-box output`);
    H0.push(f);
  }

  // Run the observer symbolically; every y_m must be poseidon_opt.js's.
  let H = H0.slice();
  for (let m = 0; m < nP; m++) {
    const y = addF(H[1], sclF(unit(ONE), kappa[m]));
    if (!eqF(y, ys[m])) throw new Error(`t=${t}: observer differs at round ${m}`);
    const g = unit(t + m);
    const Hn = [null];
    for (let j = 1; j <= n; j++) Hn.push(addF(H[j + 1], addF(sclF(y, p[j]), sclF(g, q[j]))));
    Hn.push(sclF(g, q[t]));
    H = Hn;
  }
  if (!eqF(addF(H[1], sclF(unit(ONE), kappa[nP])), ys[nP])) throw new Error(`t=${t}: observer differs at the end`);

  // The opt state leaving the partial rounds, in terms of H_1..H_n, g_{nP-1}, 1.
  const cols = [...H.slice(1, t), unit(t + nP - 1), unit(ONE)];
  const Am = [...Array(V).keys()].map((v) => cols.map((c) => c[v]));
  const E = fin.map((f) => solve(Am, f)); // E[i] = [e_1..e_n, e_g, e_1const]

  // H^(0) as a t x t matrix on s plus constants: H0[k][i], H0c[k].
  const T = H0.slice(1).map((f) => f.slice(0, t));
  const Tc = H0.slice(1).map((f) => f[ONE]);
  return { p, q, kappa, T, Tc, E };
}

// ---------------------------------------------------------------------------
// Yul emission with exact bounds: every expression carries the largest value
// it can have, so that ADD is used only where it cannot wrap.

const hex = (v) => "0x" + v.toString(16).padStart(64, "0");
const lit = (v) => ({ code: hex(v), max: v });
const mulmodE = (a, b) => ({ code: `mulmod(${a.code}, ${b.code}, R)`, max: R - 1n });

// Sum of terms as a right-leaning chain add(a, add(b, ...)) (shallow on the
// stack), switching to ADDMOD where an ADD could exceed 2^256 - 1. With
// `reduce`, the result is < r.
function sumE(terms, reduce = false) {
  if (terms.length === 0) throw new Error("empty sum");
  let acc = terms[terms.length - 1];
  for (let i = terms.length - 2; i >= 0; i--) {
    const a = terms[i];
    const outer = i === 0;
    if (a.max + acc.max < TWO256 && !(outer && reduce)) acc = { code: `add(${a.code}, ${acc.code})`, max: a.max + acc.max };
    else acc = { code: `addmod(${a.code}, ${acc.code}, R)`, max: R - 1n };
  }
  if (reduce && acc.max >= R) {
    if (terms.length !== 1) throw new Error("unreduced");
    acc = { code: `mod(${acc.code}, R)`, max: R - 1n };
  }
  return acc;
}

// coefficient * value: 1 needs no multiplication.
const termE = (v, k) => (md(k) === 1n ? v : mulmodE(v, lit(md(k))));

class Emitter {
  constructor() {
    this.lines = [];
    this.max = new Map();
    this.depth = 0;
  }
  line(s) { this.lines.push("    ".repeat(this.depth) + s); }
  comment(s) { this.line("// " + s); }
  blank() { this.lines.push(""); }
  v(name) {
    if (!this.max.has(name)) throw new Error("unknown variable " + name);
    return { code: name, max: this.max.get(name) };
  }
  let(name, e) { this.line(`let ${name} := ${e.code}`); this.max.set(name, e.max); }
  set(name, e) { this.line(`${name} := ${e.code}`); this.max.set(name, e.max); }
  open() { this.line("{"); this.depth++; }
  close() { this.depth--; this.line("}"); }
}

// S-box on a lane, then a constant: v := v^5 + c (c may be 0).
function sbox(em, name, c) {
  const v = em.v(name);
  em.line(`{`);
  em.depth++;
  em.let("x2", mulmodE(v, v));
  const x4 = mulmodE(em.v("x2"), em.v("x2"));
  const x5 = mulmodE(x4, v);
  em.set(name, c === 0n ? x5 : { code: `add(${x5.code}, ${hex(c)})`, max: x5.max + c });
  em.depth--;
  em.line(`}`);
  em.max.delete("x2");
}

// Tuning: how many of the partial rounds' fixed multipliers are kept on the
// stack (the rest are in memory). More would be "stack too deep".
const STACK_MULTIPLIERS = { 5: 6, 6: 5 };

export function generateYul(prm, der) {
  const { t, nP, C, M, P } = prm;
  const n = t - 1;
  const { p, q, kappa, T, Tc, E } = der;
  const em = new Emitter();
  const lanes = []; // lane i -> { name, mu }: the variable holds s_i / nu with nu^5 = mu

  // A dense mix: out_k = (sum_j X[j][k] * u_j + e[k]) / nu[k], where lane
  // j's variable holds u_j / mu_j. Output 0 goes into the spare variable,
  // the others into the input variables but one, which becomes the spare;
  // the new lanes have scales mu = nu^5 (the next S-box turns a factor nu
  // into nu^5). nu === null: each output is divided by its coefficient of
  // the lane with the smallest bound, whose term then needs no MULMOD.
  // (Lanes are kept scaled only where an S-box follows, which is why the
  // mix before the partial rounds takes a fixed nu = lambda and the last
  // round's output is not scaled.)
  let free = "f";
  function mix(X, e, nu, comment) {
    em.comment(comment);
    if (nu === null) {
      const picks = [];
      nu = [...Array(t).keys()].map((k) => {
        let best = -1;
        for (let j = 0; j < t; j++) {
          if (lanes[j].constant || X[j][k] === 0n) continue;
          if (best < 0 || em.max.get(lanes[j].name) < em.max.get(lanes[best].name)) best = j;
        }
        picks.push(lanes[best].name);
        return fmul(X[best][k], lanes[best].mu);
      });
      const same = picks.every((x) => x === picks[0]);
      em.comment(`(each output is kept divided by its coefficient of ${same ? picks[0] : "one input"}, which is then added as it is)`);
    }
    em.open();
    for (let k = 0; k < t; k++) {
      const terms = [];
      for (let j = 0; j < t; j++) {
        if (lanes[j].constant) continue; // a constant lane, folded into e
        const c = fmul(fmul(X[j][k], lanes[j].mu), finv(nu[k]));
        if (c !== 0n) terms.push(termE(em.v(lanes[j].name), c));
      }
      const ek = fmul(e[k], finv(nu[k]));
      if (ek !== 0n) terms.push(lit(ek));
      const s = sumE(terms);
      if (k === 0) em.set(free, s);
      else em.let(`n${k}`, s);
    }
    // move n1.. into the old lane variables; the last old one becomes the spare
    const olds = lanes.map((l) => l.name);
    const newLanes = [{ name: free, mu: pow5(nu[0]) }];
    for (let k = 1; k < t; k++) {
      const dst = olds.shift();
      em.line(`${dst} := n${k}`);
      em.max.set(dst, em.max.get(`n${k}`));
      em.max.delete(`n${k}`);
      newLanes.push({ name: dst, mu: pow5(nu[k]) });
    }
    if (olds.length !== 1) throw new Error("lane bookkeeping");
    free = olds[0];
    em.close();
    lanes.length = 0;
    lanes.push(...newLanes);
    em.comment(`lanes 0..${n} are now ${lanes.map((l) => l.name).join(", ")}`);
  }

  const zeros = new Array(t).fill(0n);

  em.comment("r, the BN254 scalar field modulus");
  em.let("R", lit(R));
  em.comment(`State: lanes s0..s${n}. Lane 0 starts as the constant C[0]; lane i is input i-1`);
  em.comment("plus C[i], reduced mod r as circomlibjs's contract reduces it.");
  for (let i = 1; i < t; i++) {
    em.let(`s${i}`, { code: `addmod(calldataload(add(input, ${32 * (i - 1)})), ${hex(C[i])}, R)`, max: R - 1n });
  }
  em.comment("s0 (lane 0 is a constant in round 0) and a spare variable f: each mix writes");
  em.comment("one output into the spare variable and frees one of its input variables");
  em.let("s0", { code: "0", max: 0n });
  em.let("f", { code: "0", max: 0n });
  lanes.push({ name: "s0", constant: true }, ...[...Array(n).keys()].map((i) => ({ name: `s${i + 1}`, mu: 1n })));

  // First four full rounds.
  const lambda = choosePartialScale(der, t);
  for (let r = 0; r < N_ROUNDS_F / 2; r++) {
    em.blank();
    const last = r === N_ROUNDS_F / 2 - 1;
    // Round 3's mix is poseidon_opt's P mix composed with the map from the
    // opt state to the partial rounds' accumulators H_1..H_t:
    //   H_k = sum_i T[k][i] * (sum_j P[j][i] u_j) + Tc[k] = sum_j Q[j][k] (u_j + d_j),
    // where the constants d solve sum_j Q[j][k] d_j = Tc[k] and are added
    // with the round constants.
    let Q = null, d = zeros;
    if (last) {
      Q = [...Array(t).keys()].map((j) => [...Array(t).keys()].map((k) => {
        let s = 0n;
        for (let i = 0; i < t; i++) s = fadd(s, fmul(T[k][i], P[j][i]));
        return s;
      }));
      d = solve([...Array(t).keys()].map((k) => [...Array(t).keys()].map((j) => Q[j][k])), Tc);
    }
    em.comment(`Full round ${r}: x^5 on every lane, add the round constants C[${(r + 1) * t}..${(r + 2) * t - 1}]` +
      (last ? " (plus d, see below)" : "") + " divided by the lanes' scale factors");
    let e = zeros;
    for (let j = 0; j < t; j++) {
      const c = fadd(C[(r + 1) * t + j], d[j]);
      if (lanes[j].constant) {
        // lane 0 of round 0 is the constant C[0]: its contribution is a constant
        const u0 = fadd(pow5(C[0]), c);
        e = [...Array(t).keys()].map((k) => fmul(M[0][k], u0));
      } else sbox(em, lanes[j].name, fmul(c, finv(lanes[j].mu)));
    }
    if (!last) {
      mix(M, e, null, `then the MDS mix, s'[k] = sum_j M[j][k] * s[j]`);
    } else {
      mix(Q, zeros, new Array(t).fill(lambda.lambda),
        `then poseidon_opt's P mix composed with the map onto the partial rounds' state H_1..H_${t} (divided by lambda)`);
    }
  }

  // Partial rounds.
  const { lambda: lam, qs, unit: qsUnit } = lambda; // qs[i] = q_i * lambda^4
  const ilam = finv(lam);
  em.blank();
  em.comment(`${nP} partial rounds on the recurrence (see contracts/scripts/gen-poseidon.mjs), all values divided by lambda:`);
  em.comment(`  y = H_1;  g = y^5;  H_1 := H_2 + p_1*y + q_1*g + kappa_{m+1};  H_j := H_{j+1} + p_j*y + q_j*g (1 < j < ${t});  H_${t} := q_${t}*g.`);
  em.comment(`The H_j rotate through the lane variables; H_${t} is kept as g, its q_${t} applied where it is used (in round 0`);
  em.comment(`that variable holds H_${t} itself). The fixed multipliers p_j, q_j are stack variables or memory words set`);
  em.comment(`here${qsUnit ? `; q_${qsUnit} is 1` : ""}. Sums that could exceed 2^256 - 1 use ADDMOD.`);
  em.open();
  // roles: H[1..n] variable names; gc holds H_t (as g: coefficient qs[t], or 1 in round 0); gn free
  const H = [null, ...lanes.slice(0, n).map((l) => l.name)];
  let gc = lanes[n].name, gn = free;
  // multipliers
  const mult = new Map(); // key -> expression
  const keys = [];
  for (let j = 1; j <= n; j++) keys.push([`p${j}`, p[j]]);
  for (let j = 1; j <= t; j++) keys.push([`q${j}`, qs[j]]);
  const needed = keys.filter(([, v]) => v !== 1n);
  let onStack = STACK_MULTIPLIERS[t] ?? 0;
  let memOff = 0;
  for (const [k, v] of needed) {
    if (onStack > 0) { em.let(k, lit(v)); mult.set(k, em.v(k)); onStack--; }
    else {
      em.line(`mstore(${"0x" + memOff.toString(16)}, ${hex(v)}) // ${k}`);
      mult.set(k, { code: `mload(${"0x" + memOff.toString(16)})`, max: v });
      memOff += 32;
    }
  }
  // value * multiplier k (a multiplier of 1 is not in `mult`)
  const times = (vexpr, k) => (mult.has(k) ? mulmodE(vexpr, mult.get(k)) : vexpr);
  for (let m = 0; m < nP; m++) {
    // kappa_{m+1} is added where H_1 of round m+1 is made, so y is H_1 itself
    const knext = fmul(kappa[m + 1], ilam);
    em.comment(`partial round ${m}: y = ${H[1]}`);
    em.open();
    const y = em.v(H[1]);
    // g = y^5 into gn
    em.open();
    em.let("x2", mulmodE(y, y));
    em.set(gn, mulmodE(mulmodE(em.v("x2"), em.v("x2")), y));
    em.close();
    em.max.delete("x2");
    const g = em.v(gn);
    // H_j := H_{j+1} + p_j y + q_j g, into H[j+1]'s variable
    for (let j = 1; j < n; j++) {
      const terms = [em.v(H[j + 1]), times(y, `p${j}`), times(g, `q${j}`)];
      if (j === 1 && knext !== 0n) terms.push(lit(knext));
      em.set(H[j + 1], sumE(terms));
    }
    // H_n := H_t + p_n y + q_n g, into H[1]'s variable; H_t is gc (times q_t, except in round 0)
    const ht = m === 0 ? em.v(gc) : times(em.v(gc), `q${t}`);
    em.set(H[1], sumE([ht, times(y, `p${n}`), times(g, `q${n}`)]));
    em.close();
    const newH = [null, ...H.slice(2), H[1]];
    H.splice(0, H.length, ...newH);
    [gc, gn] = [gn, gc];
  }
  em.close();
  for (const k of mult.keys()) em.max.delete(k);

  // Leaving the partial rounds: the opt state F_i = sum_j E[i][j] H_j + E[i][n] g + E[i][n+1]
  // (unscaled H = lambda * Hhat, g = lambda^5 * ghat). F_0 = lambda * (H_1 + kappa).
  // Lane i >= 1 is kept divided by nu_i, chosen to make one coefficient 1.
  em.blank();
  em.comment(`Leaving the partial rounds: poseidon_opt's state, each lane a linear map of H_1..H_${n} and g;`);
  em.comment(`lane 0 is H_1 (times lambda), lane i > 0 is kept divided by one of its coefficients`);
  em.open();
  const nuEnd = [lam];
  const lam5 = pow5(lam);
  const srcs = [...H.slice(1).map((h) => ({ name: h, k: lam })), { name: gc, k: lam5 }];
  for (let i = 1; i < t; i++) {
    const coef = srcs.map((s, j) => fmul(E[i][j], s.k));
    // normalise the coefficient of the first nonzero source (prefer g: it is < r)
    let pick = coef.length - 1;
    if (coef[pick] === 0n) pick = coef.findIndex((c) => c !== 0n);
    const nu = coef[pick];
    nuEnd.push(nu);
    const inu = finv(nu);
    const terms = srcs.map((s, j) => ({ s, c: fmul(coef[j], inu) })).filter((x) => x.c !== 0n).map((x) => termE(em.v(x.s.name), x.c));
    // the H_1 variable holds H_1 + kappa_nP / lambda
    const c0 = md(fmul(E[i][n + 1], inu) - fmul(fmul(coef[0], inu), fmul(kappa[nP], ilam)));
    if (c0 !== 0n) terms.push(lit(c0));
    const s = sumE(terms);
    if (i === 1) em.set(gn, s);
    else em.let(`n${i}`, s);
  }
  // F_0 / lambda = H_1 + kappa_nP / lambda, which the H_1 variable already holds
  if (E[0].some((c, j) => c !== (j === 0 ? 1n : j === n + 1 ? kappa[nP] : 0n))) throw new Error("F_0 is not H_1 + kappa");
  if (kappa[0] !== 0n) throw new Error("kappa_0 is not 0");
  const dead = [...H.slice(2), gc];
  const endLanes = [{ name: H[1], mu: pow5(nuEnd[0]) }, { name: gn, mu: pow5(nuEnd[1]) }];
  for (let i = 2; i < t; i++) {
    const dst = dead.shift();
    em.line(`${dst} := n${i}`);
    em.max.set(dst, em.max.get(`n${i}`));
    em.max.delete(`n${i}`);
    endLanes.push({ name: dst, mu: pow5(nuEnd[i]) });
  }
  if (dead.length !== 1) throw new Error("lane bookkeeping (end)");
  free = dead[0];
  em.close();
  lanes.length = 0;
  lanes.push(...endLanes);
  em.comment(`lanes 0..${n} are now ${lanes.map((l) => l.name).join(", ")}`);

  // Last four full rounds.
  for (let r = 0; r < N_ROUNDS_F / 2; r++) {
    const rr = N_ROUNDS_F / 2 + r;
    em.blank();
    const base = (N_ROUNDS_F / 2 + 1) * t + nP + r * t;
    if (r < N_ROUNDS_F / 2 - 1) {
      em.comment(`Full round ${rr}: x^5 on every lane, add the round constants C[${base}..${base + t - 1}] divided by the lanes' scale factors`);
      for (let j = 0; j < t; j++) sbox(em, lanes[j].name, fmul(C[base + j], finv(lanes[j].mu)));
      mix(M, zeros, null, `then the MDS mix`);
    } else {
      em.comment(`Full round ${rr}: x^5 on every lane, then the MDS mix; only output 0 is the hash`);
      for (let j = 0; j < t; j++) sbox(em, lanes[j].name, 0n);
      const out = sumE(lanes.map((l, j) => termE(em.v(l.name), fmul(M[j][0], l.mu))), true);
      em.line(`mstore(0, ${out.code})`);
      em.line(`return(0, 32)`);
    }
  }
  return { lines: em.lines, lambda: lam };
}

// lambda with lambda^4 = 1/q_i for some i (one multiplication fewer per
// partial round); lambda = 1 if no q_i^-1 is a fourth power.
function choosePartialScale(der, t) {
  const { q } = der;
  for (let i = 1; i <= t; i++) {
    const l = root4(finv(q[i]));
    if (l !== null) {
      const l4 = fpow(l, 4n);
      const qs = q.map((x) => fmul(x, l4));
      if (qs[i] !== 1n) throw new Error("scale");
      return { lambda: l, qs, unit: i };
    }
  }
  return { lambda: 1n, qs: q.slice(), unit: 0 };
}

// ---------------------------------------------------------------------------
// A tiny interpreter for the Yul this script emits (let, :=, blocks, add,
// addmod, mulmod, mod, mload, mstore, calldataload, return; straight-line
// code only), run two ways:
// * runYul: on concrete calldata, with EVM semantics, failing on any ADD
//   that would wrap;
// * checkBounds: on upper bounds instead of values (calldata is anything
//   below 2^256; MULMOD/ADDMOD/MOD by N give at most N-1; ADD adds the
//   bounds), failing if any ADD could wrap for some input. For straight-line
//   code this proves that no input makes an ADD overflow.

function parseYul(lines) {
  const src = lines.map((l) => l.replace(/\/\/.*$/, "")).join("\n");
  const toks = src.match(/0x[0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|:=|[{}(),]|\S/g) ?? [];
  let i = 0;
  const expect = (tk) => { if (toks[i++] !== tk) throw new Error(`Yul parse: expected ${tk} at token ${i - 1}`); };
  function expr() {
    const tk = toks[i++];
    if (/^0x[0-9a-fA-F]+$/.test(tk) || /^[0-9]+$/.test(tk)) return { lit: BigInt(tk) };
    if (!/^[A-Za-z_]/.test(tk)) throw new Error(`Yul parse: unexpected ${tk}`);
    if (toks[i] !== "(") return { id: tk };
    i++;
    const args = [];
    while (toks[i] !== ")") { args.push(expr()); if (toks[i] === ",") i++; else if (toks[i] !== ")") throw new Error("Yul parse: argument list"); }
    i++;
    return { call: tk, args };
  }
  function stmt() {
    const tk = toks[i];
    if (tk === "{") { i++; const body = []; while (toks[i] !== "}") { if (i >= toks.length) throw new Error("Yul parse: unclosed block"); body.push(stmt()); } i++; return { block: body }; }
    if (tk === "let") { const name = toks[i + 1]; i += 2; expect(":="); return { let: name, e: expr() }; }
    if (toks[i + 1] === ":=") { i += 2; return { set: tk, e: expr() }; }
    return { e: expr() };
  }
  const prog = [];
  while (i < toks.length) prog.push(stmt());
  return prog;
}

function evalYul(prog, sem) {
  const scopes = [new Map([["input", sem.input]])];
  const find = (name) => {
    for (let s = scopes.length - 1; s >= 0; s--) if (scopes[s].has(name)) return scopes[s];
    throw new Error("Yul: undeclared " + name);
  };
  const ev = (e) => {
    if (e.lit !== undefined) return sem.lit(e.lit);
    if (e.id !== undefined) return find(e.id).get(e.id);
    const args = e.args.map(ev);
    const f = sem[e.call];
    if (!f) throw new Error("Yul: unsupported " + e.call);
    if (f.length !== args.length) throw new Error(`Yul: ${e.call} takes ${f.length} arguments`);
    return f(...args);
  };
  const run = (st) => {
    if (st.block) { scopes.push(new Map()); st.block.forEach(run); scopes.pop(); return; }
    if (st.let !== undefined) {
      for (const s of scopes) if (s.has(st.let)) throw new Error("Yul: redeclared " + st.let);
      scopes[scopes.length - 1].set(st.let, ev(st.e));
      return;
    }
    if (st.set !== undefined) { const v = ev(st.e); find(st.set).set(st.set, v); return; }
    ev(st.e);
  };
  try {
    prog.forEach(run);
  } catch (e) {
    if (e && e.ret !== undefined) return e.ret;
    throw e;
  }
  throw new Error("Yul: no return");
}

export function runYul(lines, calldata /* Uint8Array */) {
  const mem = new Map();
  const word = (off) => {
    let v = 0n;
    for (let k = 0; k < 32; k++) {
      const idx = Number(off) + k;
      v = (v << 8n) | BigInt(idx < calldata.length ? calldata[idx] : 0);
    }
    return v;
  };
  return evalYul(parseYul(lines), {
    input: 4n,
    lit: (v) => v,
    add: (a, b) => { if (a + b >= TWO256) throw new Error("ADD overflow"); return a + b; },
    addmod: (a, b, n) => (a + b) % n,
    mulmod: (a, b, n) => (a * b) % n,
    mod: (a, b) => a % b,
    mload: (o) => mem.get(o) ?? 0n,
    mstore: (o, v) => { mem.set(o, v); return null; },
    calldataload: (o) => word(o),
    return: (o, l) => { if (o !== 0n || l !== 32n) throw new Error("Yul: return"); throw { ret: mem.get(0n) ?? 0n }; },
  });
}

// The bound analysis. `input` and memory offsets are exact literals in the
// emitted code, so they are tracked as values; everything else as bounds.
export function checkBounds(lines) {
  const mem = new Map();
  const exact = (b) => { if (b.exact === undefined) throw new Error("bounds: non-literal offset or modulus"); return b.exact; };
  const B = (max, ex) => ({ max, exact: ex });
  let adds = 0;
  const ret = evalYul(parseYul(lines), {
    input: B(4n, 4n),
    lit: (v) => B(v, v),
    add: (a, b) => {
      adds++;
      if (a.max + b.max >= TWO256) throw new Error("bounds: an ADD may overflow");
      return B(a.max + b.max, a.exact !== undefined && b.exact !== undefined ? a.exact + b.exact : undefined);
    },
    addmod: (a, b, n) => B(exact(n) - 1n),
    mulmod: (a, b, n) => B(exact(n) - 1n),
    mod: (a, n) => B(exact(n) - 1n),
    mload: (o) => mem.get(exact(o)) ?? B(TWO256 - 1n),
    mstore: (o, v) => { mem.set(exact(o), v); return null; },
    calldataload: (o) => B(TWO256 - 1n),
    return: (o, l) => { if (exact(o) !== 0n || exact(l) !== 32n) throw new Error("bounds: return"); throw { ret: mem.get(0n) }; },
  });
  if (!ret || ret.max >= R) throw new Error("bounds: the output may be >= r");
  return { adds };
}

export function calldataFor(inputs) {
  const buf = new Uint8Array(4 + 32 * inputs.length);
  inputs.forEach((x, k) => {
    let v = BigInt(x);
    for (let b = 31; b >= 0; b--) { buf[4 + 32 * k + b] = Number(v & 0xffn); v >>= 8n; }
  });
  return buf;
}

// ---------------------------------------------------------------------------
// Solidity.

function renderSolidity(t, yul, version) {
  const n = t - 1;
  const role = n === 4 ? "tree nodes" : n === 5 ? "account leaves" : "";
  return `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// GENERATED by contracts/scripts/gen-poseidon.mjs from circomlibjs ${version}'s
// src/poseidon_constants_opt.js (the Poseidon authors' BN254 constants in
// circomlibjs's optimised form). DO NOT EDIT: change the generator and rerun
//   node contracts/scripts/gen-poseidon.mjs
// and check the result with contracts/scripts/test-poseidon.mjs.

/// circomlib's Poseidon over the BN254 scalar field for ${n} inputs
/// (t = ${t}, 8 full rounds, ${N_ROUNDS_P[t - 2]} partial rounds${role ? `; zkroll's ${role}` : ""}), equal to
/// circomlibjs's poseidon([...]) and to the contract circomlibjs generates
/// (poseidonContract.createCode(${n})), at a fraction of the gas.
///
/// Inputs need not be below r: like circomlibjs's contract, the hash is that
/// of each input reduced mod r. Only poseidon(uint256[${n}]) is provided (not
/// circomlibjs's alias poseidon(bytes32[${n}])); calls with ether, or with
/// calldata shorter than the ABI encoding, revert (Solidity's dispatcher).
///
/// The assembly is straight-line code whose constants are derived by the
/// generator (see its header): the full rounds are circomlibjs's, the
/// partial rounds run on a fixed-coefficient recurrence, and lane values are
/// kept multiplied by known factors that fold into the MDS constants, so no
/// constant below is one of circomlibjs's as printed. Sums use ADD where the
/// generator proved they cannot exceed 2^256 - 1, ADDMOD elsewhere. The block
/// reads the parameter \`input\`, which also keeps solc from rearranging its
/// hand-planned stack layout.
contract Poseidon${n} {
    function poseidon(uint256[${n}] calldata input) external pure returns (uint256) {
        assembly {
${yul.map((l) => (l === "" ? "" : "            " + l)).join("\n")}
        }
    }
}
`;
}

// ---------------------------------------------------------------------------

export async function generateAll() {
  const { version, opt } = await loadConstants();
  const out = {};
  for (const t of [5, 6]) {
    const prm = params(opt, t);
    const der = derivePartial(prm);
    const { lines } = generateYul(prm, der);
    // no ADD can wrap, for any input; the output is < r
    checkBounds(lines);
    // self-check against the reference on edge and random inputs
    const cases = [
      new Array(t - 1).fill(0n),
      [...Array(t - 1).keys()].map((i) => BigInt(i + 1)),
      new Array(t - 1).fill(R - 1n),
      new Array(t - 1).fill(TWO256 - 1n),
    ];
    for (let k = 0; k < 16; k++) cases.push([...Array(t - 1)].map(() => BigInt("0x" + randomBytes(32).toString("hex"))));
    for (const ins of cases) {
      const got = runYul(lines, calldataFor(ins));
      const want = poseidonOptRef(prm, ins);
      if (got !== want) throw new Error(`t=${t}: generated code gives ${got}, poseidon_opt ${want} for ${ins}`);
    }
    out[t - 1] = { source: renderSolidity(t, lines, version), lines, prm };
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  let outDir = path.resolve(HERE, "..");
  let check = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out-dir") outDir = path.resolve(args[++i]);
    else if (args[i] === "--check") check = true;
    else { console.error("usage: gen-poseidon.mjs [--out-dir DIR] [--check]"); process.exit(2); }
  }
  const all = await generateAll();
  let stale = false;
  for (const n of [4, 5]) {
    const file = path.join(outDir, `Poseidon${n}.sol`);
    if (check) {
      const cur = existsSync(file) ? readFileSync(file, "utf8") : null;
      if (cur !== all[n].source) { console.error(`${file} is not what gen-poseidon.mjs generates`); stale = true; }
    } else {
      writeFileSync(file, all[n].source);
      console.log(`wrote ${file}`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e.stack ?? e); process.exit(1); });
}
