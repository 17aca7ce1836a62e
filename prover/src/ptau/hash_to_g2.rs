//! snarkjs `keypair.hashToG2` = ffjavascript `G2.fromRng(ChaCha(seed from hash))`,
//! byte-exact (snarkjs-formats.md §6.4).

use super::chacha::SnarkjsChaCha;
use super::encode::fq2_is_negative;
use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ec::{scalar_mul::double_and_add_affine, short_weierstrass::SWCurveConfig, CurveGroup};
use ark_ff::{BigInt, Field, PrimeField};

/// ffjavascript's G2 cofactor (`bn128.js` cofactorG2), little-endian limbs.
const G2_COFACTOR: [u64; 4] = [
    0x345f_2299_c0f9_fa8d,
    0x06ce_ecda_572a_2489,
    0xb850_45b6_8181_585e,
    0x3064_4e72_e131_a029,
];

/// `F1.fromRng`: four `nextU64` (first = least significant limb), masked to 254 bits,
/// retried while >= q. The 32 bytes are then taken as a Montgomery representation,
/// so the element is `v·R⁻¹`, which is exactly arkworks' `new_unchecked(v)`.
fn fq_from_rng(rng: &mut SnarkjsChaCha) -> Fq {
    loop {
        let mut limbs = [0u64; 4];
        for l in &mut limbs {
            *l = rng.next_u64();
        }
        limbs[3] &= (1u64 << 62) - 1;
        let v = BigInt(limbs);
        if v < Fq::MODULUS {
            return Fq::new_unchecked(v);
        }
    }
}

/// The G2 point snarkjs derives from a 64-byte hash (its `g2_sp`).
pub(crate) fn hash_to_g2(hash: &[u8; 64]) -> G2Affine {
    let mut rng = SnarkjsChaCha::from_hash(hash);
    loop {
        let c0 = fq_from_rng(&mut rng);
        let c1 = fq_from_rng(&mut rng);
        let greatest = rng.next_bool();
        let x = Fq2::new(c0, c1);
        let rhs = x.square() * x + ark_bn254::g2::Config::COEFF_B;
        let Some(mut y) = rhs.sqrt() else {
            continue;
        };
        if fq2_is_negative(&y) != greatest {
            y = -y;
        }
        // On the twist but not (yet) in the r-torsion subgroup, so no subgroup check, and
        // a plain double-and-add: arkworks' G2 multiplication uses GLV, which is only valid
        // inside the subgroup, and its clear_cofactor is a different multiple.
        let p = G2Affine::new_unchecked(x, y);
        return double_and_add_affine(&p, G2_COFACTOR).into_affine();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn fq(s: &str) -> Fq {
        // Test constants are valid decimal field elements.
        Fq::from_str(s).unwrap_or_else(|_| panic!("bad constant {s}"))
    }

    /// Vector from ffjavascript (snarkjs-formats.md §6.4): hash = 00 01 .. 3f.
    #[test]
    fn snarkjs_vector() {
        let mut hash = [0u8; 64];
        for (i, b) in hash.iter_mut().enumerate() {
            *b = i as u8;
        }
        let p = hash_to_g2(&hash);
        assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve());
        assert_eq!(
            p.x.c0,
            fq("4331880802040179507408134841181032487087173600464364024802210002059667950604")
        );
        assert_eq!(
            p.x.c1,
            fq("4271516305872202364858900391755946161657037246250020514439168976697447665804")
        );
        assert_eq!(
            p.y.c0,
            fq("14194165528950986229237743759035044030322996258565805903348263410557850081640")
        );
        assert_eq!(
            p.y.c1,
            fq("3572495062036222432809855904167672718120072387698078762897023322348755581936")
        );
    }

    /// `Fr.fromRng` on the same seed (same rule as Fq, with r) gives the doc's value; this
    /// checks the limb order, the mask and the Montgomery interpretation on a second field.
    #[test]
    fn fr_from_rng_vector() {
        use ark_bn254::Fr;
        let mut hash = [0u8; 64];
        for (i, b) in hash.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut rng = SnarkjsChaCha::from_hash(&hash);
        let v = loop {
            let mut limbs = [0u64; 4];
            for l in &mut limbs {
                *l = rng.next_u64();
            }
            limbs[3] &= (1u64 << 62) - 1;
            if BigInt(limbs) < Fr::MODULUS {
                break Fr::new_unchecked(BigInt(limbs));
            }
        };
        let want = Fr::from_str(
            "4636623908613268458230351899306533327531125513431735265008719731024662760066",
        );
        assert_eq!(Ok(v), want);
    }
}
