// Signs a zkroll L2 operation with circomlibjs, as a wallet outside zkroll
// would: EdDSA-Poseidon over Poseidon(domain, from, to, amount, fee, nonce),
// domain = chain_id * 256 + op_type (docs/PROTOCOL.md). Prints the signed
// operation in zkroll's JSON form.
//
// usage: node sign-l2.mjs KEY_HEX CHAIN_ID Transfer|Withdraw FROM TO AMOUNT FEE NONCE
import { buildEddsa, buildPoseidon } from "circomlibjs";

const [keyHex, chainId, type, from, to, amount, fee, nonce] = process.argv.slice(2);
const opType = { Transfer: 4n, Withdraw: 5n }[type];
if (opType === undefined) throw new Error(`unknown type ${type}`);
const eddsa = await buildEddsa();
const poseidon = await buildPoseidon();
const F = eddsa.babyJub.F;
const toField = type === "Withdraw" ? 0n : BigInt(to);
const msg = poseidon([
  BigInt(chainId) * 256n + opType,
  BigInt(from),
  toField,
  BigInt(amount),
  BigInt(fee),
  BigInt(nonce),
]);
const sig = eddsa.signPoseidon(Buffer.from(keyHex, "hex"), msg);
const op = { type, from: Number(from), amount, fee, nonce: Number(nonce) };
if (type === "Transfer") op.to = Number(to);
console.log(
  JSON.stringify({
    op,
    signature: {
      r8: [F.toObject(sig.R8[0]).toString(), F.toObject(sig.R8[1]).toString()],
      s: sig.S.toString(),
    },
  }),
);
