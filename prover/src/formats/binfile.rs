//! iden3's binary container, shared by `.r1cs`, `.wtns`, `.zkey` and
//! `.ptau` (npm `@iden3/binfileutils`): 4 magic bytes, a `u32` version, a
//! `u32` section count, then sections, each a `u32` type, a `u64` length
//! and that many bytes; everything little-endian.
//!
//! [`BinFile`] reads any `Read + Seek` source one section at a time: it
//! scans the section table by seeking, then [`BinFile::section`] reads
//! one section into its own buffer, decoded through a [`Cursor`] and
//! freed before the next. A 2^20 zkey is 620 MB; held whole beside its
//! decoded points it was a third of the prover's peak memory (rapidsnark
//! maps its zkey for the same reason; reading by section needs no
//! `unsafe` mapping). Bytes already in memory read through
//! `std::io::Cursor`, at the cost of one copy per section.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};

use super::cursor::Cursor;
use super::error::{At, FileKind, FormatError};

/// The file header: magic, version, section count.
const HEADER_BYTES: u64 = 12;
/// A section's header: type, length.
const SECTION_HEADER_BYTES: u64 = 12;

/// A container's header and section table over its source.
#[derive(Debug)]
pub struct BinFile<R> {
    kind: FileKind,
    source: R,
    /// The container's version.
    pub version: u32,
    /// Each section's (start, length).
    sections: BTreeMap<u32, (u64, u64)>,
}

/// One section's bytes, read on their own.
#[derive(Debug)]
pub struct Section {
    bytes: Vec<u8>,
    at: At,
}

impl Section {
    /// A cursor over the section, reporting file offsets.
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor::over(&self.bytes, 0, self.at)
    }
}

impl<R: Read + Seek> BinFile<R> {
    /// Reads the container's header and section table (not the sections).
    /// Each section type may appear once; every section must lie inside
    /// the file and nothing may follow the last.
    pub fn parse(
        kind: FileKind,
        magic: &'static [u8; 4],
        mut source: R,
    ) -> Result<Self, FormatError> {
        let header_at = |offset| At {
            kind,
            section: None,
            offset,
        };
        let io = |offset, source| FormatError::Read {
            at: header_at(offset),
            source,
        };
        let len = source.seek(SeekFrom::End(0)).map_err(|e| io(0, e))?;
        let head = read_at(&mut source, 0, HEADER_BYTES.min(len)).map_err(|e| io(0, e))?;
        let mut c = Cursor::over(&head, 0, header_at(0));
        let m = c.bytes(4)?;
        if m != magic {
            return Err(FormatError::BadMagic {
                kind,
                found: m.to_vec(),
                expected: magic,
            });
        }
        let version = c.u32()?;
        let n = c.u32()?;
        let mut sections = BTreeMap::new();
        let mut pos = HEADER_BYTES;
        for _ in 0..n {
            let sh = read_at(&mut source, pos, SECTION_HEADER_BYTES.min(len - pos))
                .map_err(|e| io(pos, e))?;
            let mut c = Cursor::over(&sh, 0, header_at(pos));
            let ty = c.u32()?;
            let size = c.u64()?;
            let start = pos + SECTION_HEADER_BYTES;
            if size > len - start {
                return Err(FormatError::Truncated {
                    at: header_at(start),
                    needed: size,
                    left: len - start,
                });
            }
            if sections.insert(ty, (start, size)).is_some() {
                return Err(FormatError::DuplicateSection { kind, section: ty });
            }
            pos = start + size;
        }
        if pos != len {
            return Err(FormatError::TrailingBytes {
                at: header_at(pos),
                extra: len - pos,
            });
        }
        Ok(Self {
            kind,
            source,
            version,
            sections,
        })
    }

    /// Section `ty`, which must be present.
    pub fn section(&mut self, ty: u32, name: &'static str) -> Result<Section, FormatError> {
        self.optional_section(ty)?
            .ok_or(FormatError::MissingSection {
                kind: self.kind,
                section: ty,
                name,
            })
    }

    /// Section `ty`, if present.
    pub fn optional_section(&mut self, ty: u32) -> Result<Option<Section>, FormatError> {
        let Some(&(start, len)) = self.sections.get(&ty) else {
            return Ok(None);
        };
        let at = At {
            kind: self.kind,
            section: Some(ty),
            offset: start,
        };
        let bytes = read_at(&mut self.source, start, len)
            .map_err(|source| FormatError::Read { at, source })?;
        Ok(Some(Section { bytes, at }))
    }

    /// Where section `ty` starts, if present (to refuse one without
    /// reading it).
    pub fn section_at(&self, ty: u32) -> Option<At> {
        self.sections.get(&ty).map(|&(start, _)| At {
            kind: self.kind,
            section: Some(ty),
            offset: start,
        })
    }
}

/// `len` bytes from `offset` (which the caller has checked lie in the
/// source).
fn read_at<R: Read + Seek>(source: &mut R, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(len)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::OutOfMemory, "section too large"))?;
    source.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    source.read_exact(&mut buf)?;
    Ok(buf)
}

/// Writes a container section by section.
#[derive(Debug)]
pub struct BinWriter {
    out: Vec<u8>,
}

impl BinWriter {
    /// A container of `sections` sections.
    pub fn new(magic: &[u8; 4], version: u32, sections: u32) -> Self {
        let mut out = magic.to_vec();
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&sections.to_le_bytes());
        Self { out }
    }

    /// Appends section `ty` with contents `body`.
    pub fn section(&mut self, ty: u32, body: &[u8]) {
        self.out.extend_from_slice(&ty.to_le_bytes());
        self.out
            .extend_from_slice(&(body.len() as u64).to_le_bytes());
        self.out.extend_from_slice(body);
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// `n8 = 32` then `P`'s modulus, little-endian (a header's field).
pub fn put_prime<P: PrimeField<BigInt = BigInt<4>>>(out: &mut Vec<u8>) {
    out.extend_from_slice(&32u32.to_le_bytes());
    for l in P::MODULUS.0 {
        out.extend_from_slice(&l.to_le_bytes());
    }
}

/// A field element as its canonical integer, 32 bytes little-endian.
pub fn put_fr(out: &mut Vec<u8>, x: &Fr) {
    for l in x.into_bigint().0 {
        out.extend_from_slice(&l.to_le_bytes());
    }
}
