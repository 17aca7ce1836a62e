use super::*;
use crate::r1cs::SparseMatrix;
use ark_relations::gr1cs::Matrix;
use rand::SeedableRng;

/// `x * y = t`, `(t + x) * 1 = out` over `[1, out, x, y, t]`.
fn tiny() -> (R1cs, Vec<Fr>) {
    let one = Fr::from(1u64);
    let a: Matrix<Fr> = vec![vec![(one, 2)], vec![(one, 4), (one, 2)]];
    let b: Matrix<Fr> = vec![vec![(one, 3)], vec![(one, 0)]];
    let c: Matrix<Fr> = vec![vec![(one, 4)], vec![(one, 1)]];
    let sm = |m: &Matrix<Fr>| SparseMatrix::from_matrix(m).unwrap();
    let r1cs = R1cs {
        a: sm(&a),
        b: sm(&b),
        c: Some(sm(&c)),
        num_instance: 2,
        num_witness: 3,
        num_constraints: 2,
    };
    let z = [1u64, 15, 3, 4, 12].map(Fr::from).to_vec();
    (r1cs, z)
}

#[test]
fn written_zkey_reads_back_and_proves() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let (r1cs, z) = tiny();
    let key = crate::generator::setup_r1cs(&r1cs, &mut rng).unwrap();
    let bytes = write(&key, &[7; HASH_BYTES]).unwrap();
    let back = read(&bytes, Checks::All).unwrap();
    assert_eq!(back.key.pk, key.pk);
    assert_eq!((&back.key.r1cs.a, &back.key.r1cs.b), (&r1cs.a, &r1cs.b));
    assert_eq!(back.key.r1cs.num_constraints, 2);
    assert_eq!(back.cs_hash, [7; HASH_BYTES]);
    assert!(back.contributions.is_empty());
    let out = crate::prover::prove_r1cs(&back.key, &z, &mut rng).unwrap();
    zkroll_verifier::verify(&back.key.pk.vk, &out.public_inputs, &out.proof).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        assert!(read(&bytes[..cut], Checks::All).is_err(), "cut at {cut}");
    }
    // A libsnark-reduction key is not a zkey's.
    let mut lib = key;
    lib.reduction = Reduction::Libsnark;
    assert!(matches!(
        write(&lib, &[0; HASH_BYTES]),
        Err(ZkeyWriteError::NotCircom)
    ));
    // Nor is an R1CS without C set up.
    let mut no_c = r1cs;
    no_c.c = None;
    assert!(matches!(
        crate::generator::setup_r1cs(&no_c, &mut rng),
        Err(crate::error::ProverError::NoCMatrix)
    ));
}

/// Section `ty`'s byte range in a container.
fn section_range(bytes: &[u8], ty: u32) -> std::ops::Range<usize> {
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let mut pos = 12;
    loop {
        let len = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
        if u32_at(pos) == ty {
            return pos + 12..pos + 12 + len;
        }
        pos += 12 + len;
    }
}

#[test]
fn coefficients_in_any_order_and_the_provers_read() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let (r1cs, z) = tiny();
    let key = crate::generator::setup_r1cs(&r1cs, &mut rng).unwrap();
    let bytes = write(&key, &[0; HASH_BYTES]).unwrap();
    // Reverse the coefficient entries: rows and matrices interleave
    // backwards, and each row's entries swap places.
    let sec = section_range(&bytes, 4);
    let records: Vec<&[u8]> = bytes[sec.start + 4..sec.end].chunks(COEFF_BYTES).collect();
    let mut shuffled = bytes[..sec.start + 4].to_vec();
    for r in records.iter().rev() {
        shuffled.extend_from_slice(r);
    }
    shuffled.extend_from_slice(&bytes[sec.end..]);
    let back = read(&shuffled, Checks::All).unwrap();
    assert_eq!(back.key.r1cs.num_constraints, 2);
    let rows = |m: &SparseMatrix<Fr>, i| {
        let mut r: Vec<_> = m.row(i).collect();
        r.sort_by_key(|e| e.0);
        r
    };
    for i in 0..2 {
        assert_eq!(rows(&back.key.r1cs.a, i), rows(&r1cs.a, i));
        assert_eq!(rows(&back.key.r1cs.b, i), rows(&r1cs.b, i));
    }
    // The prover's read leaves out the B query in G1 and nothing else.
    let prover = read(&bytes, Checks::Prover).unwrap();
    assert!(prover.key.pk.b_g1_query.is_empty());
    let mut full = prover.key.pk.clone();
    full.b_g1_query = key.pk.b_g1_query.clone();
    assert_eq!(full, key.pk);
    let out = crate::prover::prove_r1cs(&prover.key, &z, &mut rng).unwrap();
    zkroll_verifier::verify(&key.pk.vk, &out.public_inputs, &out.proof).unwrap();
    // A B1 point off the curve is not seen by the prover's read.
    let mut bad = bytes.clone();
    let b1 = section_range(&bytes, 6);
    bad[b1.start] ^= 1;
    assert!(matches!(
        read(&bad, Checks::All),
        Err(FormatError::NotOnCurve { .. })
    ));
    assert!(read(&bad, Checks::Prover).is_ok());
}
