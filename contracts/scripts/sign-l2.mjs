// Signs a zkroll L2 operation with circomlibjs, as a wallet outside zkroll
// would: EdDSA-Poseidon over Poseidon(separator, from, to, amount, fee, nonce)
// with separator = chain_id * 2^168 + rollup * 2^8 + op_type, where chain_id
// is the L1 chain id and rollup the Rollup.sol address of the deployment
// (docs/PROTOCOL.md, "Signed message"). Prints the signed operation in
// zkroll's JSON form.
//
// usage: node sign-l2.mjs KEY_HEX CHAIN_ID ROLLUP_ADDRESS Transfer|Withdraw FROM TO AMOUNT FEE NONCE
import { buildEddsa, buildPoseidon } from "circomlibjs";

const [keyHex, chainId, rollup, type, from, to, amount, fee, nonce] = process.argv.slice(2);
const opType = { Transfer: 4n, Withdraw: 5n }[type];
if (opType === undefined) throw new Error(`unknown type ${type}`);
if (!/^0x[0-9a-fA-F]{40}$/.test(rollup)) throw new Error(`bad rollup address ${rollup}`);
const chain = BigInt(chainId);
if (chain < 0n || chain >= 1n << 64n) throw new Error(`chain id ${chainId} is not a u64`);
const separator = (chain << 168n) + (BigInt(rollup) << 8n) + opType;
const eddsa = await buildEddsa();
const poseidon = await buildPoseidon();
const F = eddsa.babyJub.F;
const toField = type === "Withdraw" ? 0n : BigInt(to);
const msg = poseidon([
  separator,
  BigInt(from),
  toField,
  BigInt(amount),
  BigInt(fee),
  BigInt(nonce),
]);
const sig = eddsa.signPoseidon(Buffer.from(keyHex, "hex"), msg);
// The signed values, printed as zkroll reads them (decimal digits).
const op = { type, from: Number(from), amount: BigInt(amount).toString(), fee: BigInt(fee).toString(), nonce: Number(nonce) };
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
