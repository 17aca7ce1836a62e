//! circom's and snarkjs's files and zkroll's `matrices.bin`
//! (`zkroll_prover::formats::{r1cs_file, wtns, zkey}`, `R1cs::from_bytes`):
//! the first input byte picks the reader, the rest is the file.
//!
//! Oracle: never a panic; a `.r1cs` or `.wtns` that reads writes back to a
//! file that reads to the same value; a `matrices.bin` that reads
//! re-encodes to the same bytes; a zkey that reads has sizes that agree
//! with each other.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkroll_prover::formats::zkey::{self, Checks};
use zkroll_prover::formats::{r1cs_file, wtns};
use zkroll_prover::R1cs;

fuzz_target!(|data: &[u8]| {
    let Some((&which, file)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            if let Ok(r) = r1cs_file::read(file) {
                let again = r1cs_file::write(&r.r1cs).expect("a read system writes");
                let back = r1cs_file::read(&again).expect("a written .r1cs reads");
                assert_eq!(back.r1cs, r.r1cs, ".r1cs round trip changed the system");
            }
        }
        1 => {
            if let Ok(v) = wtns::read(file) {
                let again = wtns::write(&v).expect("a read witness writes");
                assert_eq!(wtns::read(&again).expect("a written .wtns reads"), v);
            }
        }
        2 => {
            if let Ok(z) = zkey::read(file, Checks::All) {
                let r = &z.key.r1cs;
                assert_eq!(z.key.pk.a_query.len(), r.num_variables());
                assert_eq!(z.key.pk.vk.gamma_abc_g1.len(), r.num_instance);
                assert_eq!(z.key.pk.h_query.len(), z.domain_size);
                assert!(r.num_constraints + r.num_instance <= z.domain_size);
            }
        }
        _ => {
            if let Ok(r) = R1cs::from_bytes(file) {
                assert_eq!(r.to_bytes(), file, "matrices.bin is canonical");
            }
        }
    }
});
