//! iden3's `.r1cs`, version 1 (npm `r1csfile`): what circom writes and
//! `snarkjs r1cs info` / `zkey new` read.
//!
//! ```text
//! section 1 header       n8 = 32, prime r, nWires, nPubOut, nPubIn, nPrvIn (u32), nLabels (u64), nConstraints (u32)
//! section 2 constraints  per constraint: A, B, C, each u32 nTerms then (u32 wire, 32-byte coefficient, canonical LE)
//! section 3 wire2label   nWires u64 label ids (optional for snarkjs; zkroll writes the identity)
//! ```
//! Wire 0 is the constant one, then the public outputs, the public inputs
//! and the rest: arkworks' `[1, instance, witness]` order, so zkroll's
//! instance variables are written as public inputs and its witness
//! variables as internal wires (no private inputs: they are all computed).

use std::io::{Read, Seek};

use ark_bn254::Fr;

use super::binfile::{put_fr, put_prime, BinFile, BinWriter};
use super::cursor::Encoding;
use super::error::{FileKind, FormatError};
use crate::r1cs::{R1cs, SparseMatrixBuilder};

const MAGIC: &[u8; 4] = b"r1cs";
const VERSION: u32 = 1;
const HEADER: u32 = 1;
const CONSTRAINTS: u32 = 2;
const WIRE2LABEL: u32 = 3;

/// A circom `.r1cs`: the system and the header's counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircomR1cs {
    /// The system (C known).
    pub r1cs: R1cs,
    /// Public outputs (wires `1..=n_pub_out`).
    pub n_pub_out: u32,
    /// Public inputs (after the outputs).
    pub n_pub_in: u32,
    /// Private inputs (informational).
    pub n_prv_in: u32,
    /// Labels.
    pub n_labels: u64,
}

/// Reads a `.r1cs` held in memory (see [`read_from`]).
pub fn read(bytes: &[u8]) -> Result<CircomR1cs, FormatError> {
    read_from(std::io::Cursor::new(bytes))
}

/// Reads a `.r1cs` (sections 1 and 2; custom gates are refused) from a
/// file or any seekable source, one section at a time.
pub fn read_from<R: Read + Seek>(source: R) -> Result<CircomR1cs, FormatError> {
    let mut f = BinFile::parse(FileKind::R1cs, MAGIC, source)?;
    if f.version != VERSION {
        return Err(FormatError::UnsupportedVersion {
            kind: FileKind::R1cs,
            found: f.version,
            supported: VERSION,
        });
    }
    if let Some(at) = f.section_at(4).or_else(|| f.section_at(5)) {
        return Err(FormatError::Unsupported {
            at,
            what: "custom gates (PLONK only)",
        });
    }
    let header = f.section(HEADER, "header")?;
    let mut h = header.cursor();
    h.prime::<Fr>("the scalar field")?;
    let at = h.here();
    let n_wires = h.u32()?;
    let (n_pub_out, n_pub_in, n_prv_in) = (h.u32()?, h.u32()?, h.u32()?);
    let n_labels = h.u64()?;
    let n_constraints = h.u32()?;
    h.finish()?;
    let n_public = u64::from(n_pub_out) + u64::from(n_pub_in);
    if n_wires == 0 || n_public + u64::from(n_prv_in) >= u64::from(n_wires) {
        return Err(FormatError::OutOfRange {
            at,
            what: "public and private inputs (plus the constant wire)",
            value: n_public + u64::from(n_prv_in) + 1,
            bound: u64::from(n_wires) + 1,
        });
    }
    let constraints = f.section(CONSTRAINTS, "constraints")?;
    let mut c = constraints.cursor();
    // Each constraint takes at least 12 bytes: bound the allocation.
    if u64::from(n_constraints) > c.remaining() as u64 / 12 {
        return Err(FormatError::Truncated {
            at: c.here(),
            needed: u64::from(n_constraints) * 12,
            left: c.remaining() as u64,
        });
    }
    let mut m: [SparseMatrixBuilder<Fr>; 3] = std::array::from_fn(|_| {
        SparseMatrixBuilder::with_capacity(n_constraints as usize, n_constraints as usize)
    });
    let too_big = |at| FormatError::Unsupported {
        at,
        what: "2^32 or more matrix entries",
    };
    for _ in 0..n_constraints {
        for mat in &mut m {
            let n = c.u32()?;
            if u64::from(n) > c.remaining() as u64 / 36 {
                return Err(FormatError::Truncated {
                    at: c.here(),
                    needed: u64::from(n) * 36,
                    left: c.remaining() as u64,
                });
            }
            for _ in 0..n {
                let w = c.index("wire", n_wires.into())?;
                mat.push(w as usize, c.fr(Encoding::Normal)?)
                    .map_err(|_| too_big(c.here()))?;
            }
            mat.end_row().map_err(|_| too_big(c.here()))?;
        }
    }
    c.finish()?;
    let [a, b, cm] = m.map(SparseMatrixBuilder::finish);
    Ok(CircomR1cs {
        r1cs: R1cs {
            a,
            b,
            c: Some(cm),
            num_instance: n_public as usize + 1,
            num_witness: (u64::from(n_wires) - n_public - 1) as usize,
            num_constraints: n_constraints as usize,
        },
        n_pub_out,
        n_pub_in,
        n_prv_in,
        n_labels,
    })
}

/// Writes `r1cs` (which must know C) as a `.r1cs` circom's tools read:
/// its instance variables as public inputs, no outputs or private
/// inputs, one label per wire.
pub fn write(r1cs: &R1cs) -> Option<Vec<u8>> {
    let c = r1cs.c.as_ref()?;
    let n_wires = u32::try_from(r1cs.num_variables()).ok()?;
    let n_pub_in = u32::try_from(r1cs.num_instance - 1).ok()?;
    let mut header = Vec::with_capacity(64);
    put_prime::<Fr>(&mut header);
    for v in [n_wires, 0, n_pub_in, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&u64::from(n_wires).to_le_bytes());
    header.extend_from_slice(&u32::try_from(r1cs.num_constraints).ok()?.to_le_bytes());
    let mut body = Vec::new();
    for i in 0..r1cs.num_constraints {
        for m in [&r1cs.a, &r1cs.b, c] {
            let terms: Vec<(usize, Fr)> = m.row(i).collect();
            body.extend_from_slice(&(terms.len() as u32).to_le_bytes());
            for (w, coeff) in terms {
                body.extend_from_slice(&(w as u32).to_le_bytes());
                put_fr(&mut body, &coeff);
            }
        }
    }
    let labels: Vec<u8> = (0..u64::from(n_wires)).flat_map(u64::to_le_bytes).collect();
    let mut w = BinWriter::new(MAGIC, VERSION, 3);
    w.section(HEADER, &header);
    w.section(CONSTRAINTS, &body);
    w.section(WIRE2LABEL, &labels);
    Some(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_r1cs(rows: usize, vars: usize, inputs: usize, seed: u64) -> R1cs {
        R1cs {
            num_instance: inputs,
            num_witness: vars - inputs,
            ..crate::r1cs::tests::random(rows, vars, seed)
        }
    }

    #[test]
    fn writes_what_it_reads() {
        let r = random_r1cs(300, 50, 4, 1);
        let bytes = write(&r).unwrap();
        let back = read(&bytes).unwrap();
        assert_eq!(back.r1cs, r);
        assert_eq!((back.n_pub_out, back.n_pub_in, back.n_prv_in), (0, 3, 0));
        assert_eq!(back.n_labels, 50);
    }

    #[test]
    fn malformed_files_are_typed_errors() {
        let bytes = write(&random_r1cs(20, 10, 2, 2)).unwrap();
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x80;
            let _ = read(&b);
        }
        let mut bad = bytes.clone();
        bad[0] = b'x';
        assert!(matches!(read(&bad), Err(FormatError::BadMagic { .. })));
        let mut v2 = bytes.clone();
        v2[4] = 2;
        assert!(matches!(
            read(&v2),
            Err(FormatError::UnsupportedVersion { found: 2, .. })
        ));
        // The prime: another field's file.
        let mut other = bytes;
        other[12 + 12 + 4] ^= 1;
        assert!(matches!(read(&other), Err(FormatError::WrongField { .. })));
    }
}
