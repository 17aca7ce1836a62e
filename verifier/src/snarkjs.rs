//! snarkjs's JSON formats for Groth16 over BN254 ("bn128"): decimal strings,
//! points in projective form with z = "1" (z = "0" is the identity), Fq2
//! elements as `[c0, c1]`. Reading validates everything: coordinates below
//! q, points on the curve and in the prime-order subgroup, inputs below r.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, Zero};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use crate::error::VerifyError;

/// `verification_key.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationKeyJson {
    /// "groth16".
    pub protocol: String,
    /// "bn128".
    pub curve: String,
    /// Number of public inputs.
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// alpha in G1.
    pub vk_alpha_1: [String; 3],
    /// beta in G2.
    pub vk_beta_2: [[String; 2]; 3],
    /// gamma in G2.
    pub vk_gamma_2: [[String; 2]; 3],
    /// delta in G2.
    pub vk_delta_2: [[String; 2]; 3],
    /// The input commitments, `nPublic + 1` points in G1.
    #[serde(rename = "IC")]
    pub ic: Vec<[String; 3]>,
    /// zkroll's note on where the key comes from (ignored by snarkjs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zkroll_setup: Option<String>,
}

/// `proof.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofJson {
    /// A in G1.
    pub pi_a: [String; 3],
    /// B in G2.
    pub pi_b: [[String; 2]; 3],
    /// C in G1.
    pub pi_c: [String; 3],
    /// "groth16".
    pub protocol: String,
    /// "bn128".
    pub curve: String,
}

fn dec<F: PrimeField>(f: &F) -> String {
    let n: BigUint = f.into_bigint().into();
    n.to_string()
}

fn g1_json(p: &G1Affine) -> [String; 3] {
    match p.xy() {
        Some((x, y)) => [dec(&x), dec(&y), "1".into()],
        None => ["0".into(), "1".into(), "0".into()],
    }
}

fn g2_json(p: &G2Affine) -> [[String; 2]; 3] {
    match p.xy() {
        Some((x, y)) => [
            [dec(&x.c0), dec(&x.c1)],
            [dec(&y.c0), dec(&y.c1)],
            ["1".into(), "0".into()],
        ],
        None => [
            ["0".into(), "0".into()],
            ["1".into(), "0".into()],
            ["0".into(), "0".into()],
        ],
    }
}

fn parse_int(s: &str) -> Option<BigUint> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 10)
}

fn fq(what: &str, s: &str) -> Result<Fq, VerifyError> {
    let bad = |reason: String| VerifyError::Coordinate {
        what: what.to_string(),
        reason,
    };
    let n = parse_int(s).ok_or_else(|| bad(format!("{s:?} is not a decimal integer")))?;
    if n >= Fq::MODULUS.into() {
        return Err(bad(format!("{s} is not below the base-field modulus q")));
    }
    Ok(Fq::from(n))
}

/// Reads a scalar (public input), refusing values >= r.
pub fn fr(index: usize, s: &str) -> Result<Fr, VerifyError> {
    let bad = |reason: String| VerifyError::Input { index, reason };
    let n = parse_int(s).ok_or_else(|| bad(format!("{s:?} is not a decimal integer")))?;
    if n >= Fr::MODULUS.into() {
        return Err(bad(format!("{s} is not below the scalar-field modulus r")));
    }
    Ok(Fr::from(n))
}

fn g1(what: &str, p: &[String; 3]) -> Result<G1Affine, VerifyError> {
    let z = fq(what, &p[2])?;
    if z.is_zero() {
        return Ok(G1Affine::identity());
    }
    if z != Fq::from(1u64) {
        return Err(VerifyError::Coordinate {
            what: what.into(),
            reason: "z must be 1 (or 0 for the identity)".into(),
        });
    }
    let pt = G1Affine::new_unchecked(fq(what, &p[0])?, fq(what, &p[1])?);
    if !pt.is_on_curve() {
        return Err(VerifyError::NotOnCurve { what: what.into() });
    }
    // G1 of BN254 has cofactor 1: on the curve is in the subgroup.
    Ok(pt)
}

fn g2(what: &str, p: &[[String; 2]; 3]) -> Result<G2Affine, VerifyError> {
    let f2 = |c: &[String; 2]| -> Result<Fq2, VerifyError> {
        Ok(Fq2::new(fq(what, &c[0])?, fq(what, &c[1])?))
    };
    let z = f2(&p[2])?;
    if z.is_zero() {
        return Ok(G2Affine::identity());
    }
    if z != Fq2::from(1u64) {
        return Err(VerifyError::Coordinate {
            what: what.into(),
            reason: "z must be [1, 0] (or [0, 0] for the identity)".into(),
        });
    }
    let pt = G2Affine::new_unchecked(f2(&p[0])?, f2(&p[1])?);
    if !pt.is_on_curve() {
        return Err(VerifyError::NotOnCurve { what: what.into() });
    }
    if !pt.is_in_correct_subgroup_assuming_on_curve() {
        return Err(VerifyError::NotInSubgroup { what: what.into() });
    }
    Ok(pt)
}

impl VerificationKeyJson {
    /// The JSON form of a key; `setup_note` says where the key comes from.
    pub fn from_key(vk: &VerifyingKey<ark_bn254::Bn254>, setup_note: Option<String>) -> Self {
        Self {
            protocol: "groth16".into(),
            curve: "bn128".into(),
            n_public: vk.gamma_abc_g1.len().saturating_sub(1),
            vk_alpha_1: g1_json(&vk.alpha_g1),
            vk_beta_2: g2_json(&vk.beta_g2),
            vk_gamma_2: g2_json(&vk.gamma_g2),
            vk_delta_2: g2_json(&vk.delta_g2),
            ic: vk.gamma_abc_g1.iter().map(g1_json).collect(),
            zkroll_setup: setup_note,
        }
    }

    /// The key, every point validated.
    pub fn to_key(&self) -> Result<VerifyingKey<ark_bn254::Bn254>, VerifyError> {
        if self.protocol != "groth16" || self.curve != "bn128" {
            return Err(VerifyError::Json {
                file: "verification key".into(),
                reason: format!(
                    "protocol {} on {} is not groth16 on bn128",
                    self.protocol, self.curve
                ),
            });
        }
        if self.ic.len() != self.n_public + 1 {
            return Err(VerifyError::Json {
                file: "verification key".into(),
                reason: format!(
                    "IC has {} points for nPublic = {}",
                    self.ic.len(),
                    self.n_public
                ),
            });
        }
        Ok(VerifyingKey {
            alpha_g1: g1("vk_alpha_1", &self.vk_alpha_1)?,
            beta_g2: g2("vk_beta_2", &self.vk_beta_2)?,
            gamma_g2: g2("vk_gamma_2", &self.vk_gamma_2)?,
            delta_g2: g2("vk_delta_2", &self.vk_delta_2)?,
            gamma_abc_g1: self
                .ic
                .iter()
                .enumerate()
                .map(|(i, p)| g1(&format!("IC[{i}]"), p))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl ProofJson {
    /// The JSON form of a proof.
    pub fn from_proof(p: &Proof<ark_bn254::Bn254>) -> Self {
        Self {
            pi_a: g1_json(&p.a),
            pi_b: g2_json(&p.b),
            pi_c: g1_json(&p.c),
            protocol: "groth16".into(),
            curve: "bn128".into(),
        }
    }

    /// The proof, every point validated.
    pub fn to_proof(&self) -> Result<Proof<ark_bn254::Bn254>, VerifyError> {
        Ok(Proof {
            a: g1("pi_a", &self.pi_a)?,
            b: g2("pi_b", &self.pi_b)?,
            c: g1("pi_c", &self.pi_c)?,
        })
    }
}

/// `public.json`: the inputs as decimal strings.
pub fn public_to_json(inputs: &[Fr]) -> Vec<String> {
    inputs.iter().map(dec).collect()
}

/// Reads `public.json`'s strings, refusing values >= r.
pub fn public_from_json(inputs: &[String]) -> Result<Vec<Fr>, VerifyError> {
    inputs.iter().enumerate().map(|(i, s)| fr(i, s)).collect()
}

/// Reads and parses a JSON file; I/O and syntax errors are typed.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, VerifyError> {
    let text = std::fs::read_to_string(path).map_err(|e| VerifyError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| VerifyError::Json {
        file: path.display().to_string(),
        reason: e.to_string(),
    })
}
