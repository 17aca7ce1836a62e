//! iden3's `.wtns`, version 2 (snarkjs `wtns_utils.js`): a circuit's full
//! assignment, wire by wire.
//!
//! ```text
//! section 1 header  n8 = 32, prime r, nWitness (u32)
//! section 2 values  nWitness field elements, canonical LE (not Montgomery)
//! ```

use std::io::{Read, Seek};

use ark_bn254::Fr;

use super::binfile::{put_fr, put_prime, BinFile, BinWriter};
use super::cursor::Encoding;
use super::error::{FileKind, FormatError};

const MAGIC: &[u8; 4] = b"wtns";
const VERSION: u32 = 2;
const HEADER: u32 = 1;
const VALUES: u32 = 2;
const FIELD_BYTES: u64 = 32;

/// Reads a `.wtns`: the assignment `[1, public, private...]` as circom
/// numbers wires (the constant's value is not checked here: the prover
/// refuses an assignment whose first value is not 1).
pub fn read(bytes: &[u8]) -> Result<Vec<Fr>, FormatError> {
    read_from(std::io::Cursor::new(bytes))
}

/// [`read`] from a file or any seekable source, one section at a time.
pub fn read_from<R: Read + Seek>(source: R) -> Result<Vec<Fr>, FormatError> {
    let mut f = BinFile::parse(FileKind::Wtns, MAGIC, source)?;
    if f.version != VERSION {
        return Err(FormatError::UnsupportedVersion {
            kind: FileKind::Wtns,
            found: f.version,
            supported: VERSION,
        });
    }
    let header = f.section(HEADER, "header")?;
    let mut h = header.cursor();
    h.prime::<Fr>("the scalar field")?;
    let n = h.u32()?;
    h.finish()?;
    let values = f.section(VALUES, "values")?;
    let mut v = values.cursor();
    v.expect_len(u64::from(n) * FIELD_BYTES)?;
    v.par_decode(n as usize, FIELD_BYTES as usize, |c| c.fr(Encoding::Normal))
}

/// Writes `values` as a `.wtns` (None if there are 2^32 or more).
pub fn write(values: &[Fr]) -> Option<Vec<u8>> {
    let n = u32::try_from(values.len()).ok()?;
    let mut header = Vec::with_capacity(40);
    put_prime::<Fr>(&mut header);
    header.extend_from_slice(&n.to_le_bytes());
    let mut body = Vec::with_capacity(values.len() * FIELD_BYTES as usize);
    for x in values {
        put_fr(&mut body, x);
    }
    let mut w = BinWriter::new(MAGIC, VERSION, 2);
    w.section(HEADER, &header);
    w.section(VALUES, &body);
    Some(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn round_trip_and_malformed() {
        let mut r = rand::rngs::StdRng::seed_from_u64(5);
        let vals: Vec<Fr> = (0..17).map(|_| Fr::rand(&mut r)).collect();
        let bytes = write(&vals).unwrap();
        assert_eq!(read(&bytes).unwrap(), vals);
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A value at or above r.
        let mut big = bytes.clone();
        let last = big.len() - 1;
        big[last] = 0xff;
        assert!(matches!(read(&big), Err(FormatError::NonCanonical { .. })));
        // A count that disagrees with the section.
        let mut count = bytes;
        count[12 + 12 + 36] = 18;
        assert!(matches!(read(&count), Err(FormatError::SectionSize { .. })));
    }
}
