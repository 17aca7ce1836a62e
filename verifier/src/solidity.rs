//! The Solidity side of a verification key: [`render_verifier`] writes a
//! Groth16 verifier contract for the key (template `templates/Verifier.sol`,
//! constants in decimal), and [`calldata`] encodes a proof and its public
//! inputs as the ABI calldata of its
//! `verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[N] input)`.
//!
//! Encodings follow EIP-196/197: a G1 point is `(x, y)`, a G2 point is
//! `(x.c1, x.c0, y.c1, y.c0)` (imaginary part first, the reverse of
//! snarkjs's JSON), the identity is all zeros.
//!
//! The contract checks `e(A, B) · e(α, −β) · e(vk_x, −γ) · e(C, −δ) = 1`: the
//! key's G2 points are embedded negated, so the proof goes to the pairing
//! precompile exactly as it is in calldata. It reverts with
//! `InputNotInField(uint256 index)` for an input `>= r` and `ProofInvalid()`
//! otherwise; it never returns `false`.
//!
//! [`export_solidity`] and [`export_calldata`] are the file-level entry
//! points of `zkroll export solidity` and `zkroll export calldata`.

use std::collections::BTreeMap;
use std::path::Path;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use sha3::{Digest, Keccak256};

use crate::error::VerifyError;
use crate::snarkjs::{public_from_json, ProofJson, VerificationKeyJson};

/// The contract template; `{{NAME}}` marks a placeholder.
pub const TEMPLATE: &str = include_str!("../templates/Verifier.sol");

/// Name of the contract [`render_verifier`] writes.
pub const CONTRACT_NAME: &str = "Groth16Verifier";

/// Solidity signature of the custom error for a public input `>= r`.
pub const ERROR_INPUT_NOT_IN_FIELD: &str = "InputNotInField(uint256)";

/// Solidity signature of the custom error for a proof that does not verify.
pub const ERROR_PROOF_INVALID: &str = "ProofInvalid()";

/// The Solidity signature of `verifyProof` for `n_public` inputs, e.g.
/// `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])`.
pub fn function_signature(n_public: usize) -> String {
    format!("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n_public}])")
}

/// The 4-byte selector of a Solidity signature (the first bytes of its
/// Keccak-256).
pub fn selector(signature: &str) -> [u8; 4] {
    let h = Keccak256::digest(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// `0x` and the 8 hex digits of a signature's selector.
fn selector_hex(signature: &str) -> String {
    to_hex(&selector(signature))
}

fn dec<F: PrimeField>(f: &F) -> String {
    let n: BigUint = f.into_bigint().into();
    n.to_string()
}

/// `(x, y)` in decimal; the identity is `(0, 0)` (EIP-196).
fn g1_dec(p: &G1Affine) -> [String; 2] {
    match p.xy() {
        Some((x, y)) => [dec(&x), dec(&y)],
        None => ["0".into(), "0".into()],
    }
}

/// `(x.c1, x.c0, y.c1, y.c0)` in decimal; the identity is all zeros (EIP-197).
fn g2_dec(p: &G2Affine) -> [String; 4] {
    match p.xy() {
        Some((x, y)) => [dec(&x.c1), dec(&x.c0), dec(&y.c1), dec(&y.c0)],
        None => ["0".into(), "0".into(), "0".into(), "0".into()],
    }
}

/// Replaces every `{{NAME}}` of `template` by `values[NAME]` in one pass
/// (substituted text is never scanned again). Panics on a placeholder
/// without a value or a value without a placeholder: both are bugs in this
/// module, caught by its tests.
fn substitute(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 4096);
    let mut used = std::collections::BTreeSet::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("unterminated placeholder in the Solidity template"));
        let name = &after[..end];
        let value = values
            .get(name)
            .unwrap_or_else(|| panic!("no value for placeholder {{{{{name}}}}}"));
        out.push_str(value);
        used.insert(name);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    for name in values.keys() {
        assert!(
            used.contains(name.as_str()),
            "value {name} has no placeholder in the template"
        );
    }
    out
}

/// The Solidity verifier (contract [`CONTRACT_NAME`]) for `vk`.
///
/// The key must have at least one public input (Solidity has no
/// `uint256[0]`); [`export_solidity`] reports that as an error, this
/// function panics.
pub fn render_verifier(vk: &VerifyingKey<Bn254>) -> String {
    let n = vk.gamma_abc_g1.len().saturating_sub(1);
    assert!(
        n >= 1,
        "the Solidity verifier needs at least one public input"
    );
    let mut v: BTreeMap<String, String> = BTreeMap::new();
    v.insert("N_PUBLIC".into(), n.to_string());
    insert_selectors(&mut v);
    let [ax, ay] = g1_dec(&vk.alpha_g1);
    v.insert("ALPHA_X".into(), ax);
    v.insert("ALPHA_Y".into(), ay);
    for (name, p) in [
        ("BETA", -vk.beta_g2),
        ("GAMMA", -vk.gamma_g2),
        ("DELTA", -vk.delta_g2),
    ] {
        let [x1, x0, y1, y0] = g2_dec(&p);
        for (suffix, value) in [("X1", x1), ("X0", x0), ("Y1", y1), ("Y0", y0)] {
            v.insert(format!("NEG_{name}_{suffix}"), value);
        }
    }

    let mut ic = String::new();
    for (i, p) in vk.gamma_abc_g1.iter().enumerate() {
        let [x, y] = g1_dec(p);
        ic.push_str(&format!(
            "    uint256 internal constant IC{i}_X = {x};\n    uint256 internal constant IC{i}_Y = {y};\n"
        ));
    }
    v.insert("IC_CONSTANTS".into(), ic);

    v.insert("INPUT_CHECKS".into(), input_checks(n));
    let mut lc = String::new();
    for i in 0..n {
        let off = 32 * i;
        let j = i + 1;
        lc.push_str(&format!(
            "            mstore(0x1c0, IC{j}_X)\n\
             \x20           mstore(0x1e0, IC{j}_Y)\n\
             \x20           mstore(0x200, calldataload(add(input, {off:#04x})))\n\
             \x20           ok := and(ok, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))\n\
             \x20           ok := and(ok, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))\n"
        ));
    }
    // The template puts each block on its own line.
    v.insert("LINEAR_COMBINATION".into(), lc.trim_end().to_string());
    substitute(TEMPLATE, &v)
}

/// The error selectors both templates name.
fn insert_selectors(v: &mut BTreeMap<String, String>) {
    v.insert(
        "SELECTOR_PROOF_INVALID".into(),
        selector_hex(ERROR_PROOF_INVALID),
    );
    v.insert(
        "SELECTOR_INPUT_NOT_IN_FIELD".into(),
        selector_hex(ERROR_INPUT_NOT_IN_FIELD),
    );
}

/// The assembly that reverts with `InputNotInField(i)` for the first public
/// input `>= r` (both templates, inside an `assembly` block).
fn input_checks(n_public: usize) -> String {
    let input_not_in_field = selector_hex(ERROR_INPUT_NOT_IN_FIELD);
    let mut checks = String::new();
    for i in 0..n_public {
        let off = 32 * i;
        checks.push_str(&format!(
            "            if iszero(lt(calldataload(add(input, {off:#04x})), R)) {{\n\
             \x20               mstore(0x00, shl(224, {input_not_in_field}))\n\
             \x20               mstore(0x04, {i})\n\
             \x20               revert(0x00, 0x24)\n\
             \x20           }}\n"
        ));
    }
    // The template puts the block on its own line.
    checks.trim_end().to_string()
}

/// The contract template whose key is given at deployment; `{{NAME}}` marks
/// a placeholder.
pub const IMMUTABLE_TEMPLATE: &str = include_str!("../templates/ImmutableVerifier.sol");

/// Name of the contract [`render_immutable_verifier`] writes.
pub const IMMUTABLE_CONTRACT_NAME: &str = "Groth16ImmutableVerifier";

/// How many words the key of a verifier with `n_public` inputs takes as
/// the constructor argument of [`IMMUTABLE_CONTRACT_NAME`]: alpha (2), the
/// three negated G2 points (4 each), and `n_public + 1` IC points (2 each).
pub fn key_words_len(n_public: usize) -> usize {
    2 + 3 * 4 + 2 * (n_public + 1)
}

/// The verifier for every key with `n_public` inputs (contract
/// [`IMMUTABLE_CONTRACT_NAME`]): the key is its constructor argument
/// ([`key_words`]), kept in immutables. solc inlines immutables into the
/// runtime code, so `verifyProof` costs what [`render_verifier`]'s contract
/// costs, and one compiled artifact deploys for any key without a compiler
/// at run time. Panics for `n_public == 0` (Solidity has no `uint256[0]`).
pub fn render_immutable_verifier(n_public: usize) -> String {
    assert!(
        n_public >= 1,
        "the Solidity verifier needs at least one public input"
    );
    let mut v: BTreeMap<String, String> = BTreeMap::new();
    v.insert("N_PUBLIC".into(), n_public.to_string());
    v.insert("N_KEY_WORDS".into(), key_words_len(n_public).to_string());
    insert_selectors(&mut v);
    let (mut decl, mut assign, mut lc) = (String::new(), String::new(), String::new());
    for i in 0..=n_public {
        let w = 14 + 2 * i;
        decl.push_str(&format!(
            "    uint256 internal immutable IC{i}_X;\n    uint256 internal immutable IC{i}_Y;\n"
        ));
        assign.push_str(&format!(
            "        IC{i}_X = key[{w}];\n        IC{i}_Y = key[{}];\n",
            w + 1
        ));
    }
    for i in 0..n_public {
        let off = 32 * i;
        let j = i + 1;
        lc.push_str(&format!(
            "        {{\n\
             \x20           uint256 x = IC{j}_X;\n\
             \x20           uint256 y = IC{j}_Y;\n\
             \x20           assembly {{\n\
             \x20               mstore(0x1c0, x)\n\
             \x20               mstore(0x1e0, y)\n\
             \x20               mstore(0x200, calldataload(add(input, {off:#04x})))\n\
             \x20               ok := and(ok, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))\n\
             \x20               ok := and(ok, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))\n\
             \x20           }}\n\
             \x20       }}\n"
        ));
    }
    v.insert("IC_IMMUTABLES".into(), decl);
    v.insert("IC_ASSIGNMENTS".into(), assign.trim_end().to_string());
    v.insert("INPUT_CHECKS".into(), input_checks(n_public));
    v.insert("LINEAR_COMBINATION".into(), lc.trim_end().to_string());
    substitute(IMMUTABLE_TEMPLATE, &v)
}

/// The key of `vk` as the constructor argument of
/// [`IMMUTABLE_CONTRACT_NAME`]: [`key_words_len`] big-endian 32-byte words
/// (a static `uint256[K]`, so this is also its ABI encoding) in the order
/// alpha, -beta, -gamma, -delta, IC[0..].
pub fn key_words(vk: &VerifyingKey<Bn254>) -> Vec<u8> {
    let n = vk.gamma_abc_g1.len().saturating_sub(1);
    let mut out = Vec::with_capacity(32 * key_words_len(n));
    push_g1(&mut out, &vk.alpha_g1);
    for p in [-vk.beta_g2, -vk.gamma_g2, -vk.delta_g2] {
        push_g2(&mut out, &p);
    }
    for p in &vk.gamma_abc_g1 {
        push_g1(&mut out, p);
    }
    out
}

fn push_word<F: PrimeField>(out: &mut Vec<u8>, f: &F) {
    let bytes = f.into_bigint().to_bytes_be();
    out.extend(std::iter::repeat_n(0u8, 32 - bytes.len()));
    out.extend(bytes);
}

fn push_fq2(out: &mut Vec<u8>, f: &Fq2) {
    // EIP-197: imaginary part first.
    push_word(out, &f.c1);
    push_word(out, &f.c0);
}

fn push_g1(out: &mut Vec<u8>, p: &G1Affine) {
    let (x, y) = p.xy().unwrap_or((Fq::from(0u64), Fq::from(0u64)));
    push_word(out, &x);
    push_word(out, &y);
}

fn push_g2(out: &mut Vec<u8>, p: &G2Affine) {
    let (x, y) = p.xy().unwrap_or((Fq2::from(0u64), Fq2::from(0u64)));
    push_fq2(out, &x);
    push_fq2(out, &y);
}

/// The ABI calldata of `verifyProof(a, b, c, input)` for `proof` and
/// `inputs`: the selector for `inputs.len()` inputs, then 32-byte
/// big-endian words `a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y,
/// input[0], …` (8 + N words, every type static).
pub fn calldata(proof: &Proof<Bn254>, inputs: &[Fr]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * (8 + inputs.len()));
    out.extend(selector(&function_signature(inputs.len())));
    push_g1(&mut out, &proof.a);
    push_g2(&mut out, &proof.b);
    push_g1(&mut out, &proof.c);
    for x in inputs {
        push_word(&mut out, x);
    }
    out
}

/// The proof from the 8 big-endian words of `verifyProof`'s `a, b, c`
/// (what [`calldata`] writes after the selector; Rollup.sol's
/// `uint256[8] proof`), every point validated as [`ProofJson::to_proof`]
/// does: coordinates below q, on the curve, B in the subgroup; all-zero
/// words are the identity.
pub fn proof_from_words(words: &[u8]) -> Result<Proof<Bn254>, VerifyError> {
    if words.len() != 8 * 32 {
        return Err(VerifyError::Coordinate {
            what: "proof words".into(),
            reason: format!("{} bytes, not 256", words.len()),
        });
    }
    let w: Vec<BigUint> = words.chunks(32).map(BigUint::from_bytes_be).collect();
    let d = |i: usize| w[i].to_string();
    let g1 = |x: usize| {
        let z = if w[x] == BigUint::ZERO && w[x + 1] == BigUint::ZERO {
            "0"
        } else {
            "1"
        };
        [d(x), d(x + 1), z.to_string()]
    };
    let b_zero = w[2..6].iter().all(|v| *v == BigUint::ZERO);
    let json = ProofJson {
        pi_a: g1(0),
        // snarkjs's order: real part first.
        pi_b: [
            [d(3), d(2)],
            [d(5), d(4)],
            if b_zero {
                ["0".into(), "0".into()]
            } else {
                ["1".into(), "0".into()]
            },
        ],
        pi_c: g1(6),
        protocol: "groth16".into(),
        curve: "bn128".into(),
    };
    json.to_proof()
}

/// `0x` followed by the lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Renders the verifier for a snarkjs `verification_key.json` (validated
/// like [`crate::verify_files`] does).
pub fn render_verifier_file(vk: &Path) -> Result<String, VerifyError> {
    let key = crate::snarkjs::read_json::<VerificationKeyJson>(vk)?.to_key()?;
    if key.gamma_abc_g1.len() < 2 {
        return Err(VerifyError::Json {
            file: vk.display().to_string(),
            reason: "the Solidity verifier needs at least one public input (nPublic >= 1)".into(),
        });
    }
    Ok(render_verifier(&key))
}

/// `zkroll export solidity --vk VK --out OUT`: writes the verifier for the
/// snarkjs key `vk` to `out`.
pub fn export_solidity(vk: &Path, out: &Path) -> Result<(), VerifyError> {
    let text = render_verifier_file(vk)?;
    std::fs::write(out, text).map_err(|e| VerifyError::Io {
        path: out.display().to_string(),
        reason: e.to_string(),
    })
}

/// `zkroll export calldata --proof PROOF --public PUBLIC`: the `0x`-prefixed
/// hex calldata of `verifyProof` for snarkjs `proof.json` and `public.json`
/// (validated: points on the curve, inputs below r).
pub fn export_calldata(proof: &Path, public: &Path) -> Result<String, VerifyError> {
    let proof = crate::snarkjs::read_json::<ProofJson>(proof)?.to_proof()?;
    let inputs = public_from_json(&crate::snarkjs::read_json::<Vec<String>>(public)?)?;
    Ok(to_hex(&calldata(&proof, &inputs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        // Known answers (keccak256 of the signatures, as solc computes them).
        assert_eq!(selector_hex(ERROR_PROOF_INVALID), "0x7fcdd1f4");
        assert_eq!(selector_hex(ERROR_INPUT_NOT_IN_FIELD), "0x98664c37");
        assert_eq!(selector_hex(&function_signature(1)), "0x43753b4d");
    }

    #[test]
    fn substitution_is_single_pass() {
        let mut v = BTreeMap::new();
        v.insert("A".to_string(), "{{B}}".to_string());
        v.insert("B".to_string(), "b".to_string());
        assert_eq!(substitute("{{A}}-{{B}}", &v), "{{B}}-b");
    }

    #[test]
    #[should_panic(expected = "no value for placeholder")]
    fn unknown_placeholder_panics() {
        substitute("{{X}}", &BTreeMap::new());
    }

    #[test]
    fn proof_words_round_trip_and_refuse_bad_points() {
        use ark_ec::{CurveGroup, PrimeGroup};
        let p = Proof::<Bn254> {
            a: (ark_bn254::G1Projective::generator() * Fr::from(3u64)).into_affine(),
            b: (ark_bn254::G2Projective::generator() * Fr::from(5u64)).into_affine(),
            c: G1Affine::identity(),
        };
        let data = calldata(&p, &[]);
        assert_eq!(proof_from_words(&data[4..]).unwrap(), p);
        let mut bad = data[4..].to_vec();
        bad[31] ^= 1;
        assert!(matches!(
            proof_from_words(&bad),
            Err(VerifyError::NotOnCurve { .. })
        ));
        assert!(proof_from_words(&data[4..100]).is_err());
    }
}
