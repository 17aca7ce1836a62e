//! Why a circom/snarkjs file (or zkroll's own matrices file) was refused:
//! one variant per reason, each naming the file kind, the section and the
//! byte offset where reading stopped.

use std::fmt;

/// The kind of file being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// iden3's `.r1cs` (version 1).
    R1cs,
    /// iden3's `.wtns` (version 2).
    Wtns,
    /// snarkjs's Groth16 `.zkey`.
    Zkey,
    /// snarkjs's `.ptau` (powers of tau).
    Ptau,
    /// zkroll's `matrices.bin` in a key directory.
    Matrices,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::R1cs => ".r1cs",
            Self::Wtns => ".wtns",
            Self::Zkey => ".zkey",
            Self::Ptau => ".ptau",
            Self::Matrices => "matrices.bin",
        })
    }
}

/// Where in a file: the section (none for the file header) and the offset
/// from the start of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// The kind of file.
    pub kind: FileKind,
    /// The section's type number, if inside one.
    pub section: Option<u32>,
    /// Byte offset from the start of the file.
    pub offset: u64,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.section {
            Some(s) => write!(f, "{} section {s} at byte {}", self.kind, self.offset),
            None => write!(f, "{} header at byte {}", self.kind, self.offset),
        }
    }
}

/// A file that does not decode.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be read at all.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Reading the file failed part-way (a seek or read of the source).
    #[error("{at}: read failed")]
    Read {
        /// Where the read started.
        at: At,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the expected magic bytes.
    #[error("{kind}: not such a file (starts with {found:?}, expected {expected:?})")]
    BadMagic {
        /// The kind expected.
        kind: FileKind,
        /// The first bytes.
        found: Vec<u8>,
        /// The magic of that kind.
        expected: &'static [u8],
    },
    /// A version this reader does not implement.
    #[error("{kind}: version {found} (this reader reads version {supported})")]
    UnsupportedVersion {
        /// The kind of file.
        kind: FileKind,
        /// The file's version.
        found: u32,
        /// The version read.
        supported: u32,
    },
    /// The file ends before a value it announces.
    #[error("{at}: truncated ({needed} more bytes needed, {left} left)")]
    Truncated {
        /// Where.
        at: At,
        /// Bytes the value needs.
        needed: u64,
        /// Bytes left in the file or section.
        left: u64,
    },
    /// A section the format requires is absent.
    #[error("{kind}: section {section} ({name}) is missing")]
    MissingSection {
        /// The kind of file.
        kind: FileKind,
        /// Its type number.
        section: u32,
        /// What it holds.
        name: &'static str,
    },
    /// A section appears twice.
    #[error("{kind}: section {section} appears twice")]
    DuplicateSection {
        /// The kind of file.
        kind: FileKind,
        /// Its type number.
        section: u32,
    },
    /// A section's length disagrees with what its header announces.
    #[error("{at}: section is {found} bytes, its contents need {expected}")]
    SectionSize {
        /// Where.
        at: At,
        /// Bytes the contents need.
        expected: u64,
        /// Bytes the section has.
        found: u64,
    },
    /// The file is over another field than BN254's.
    #[error("{at}: {what} is not BN254's")]
    WrongField {
        /// Where.
        at: At,
        /// Which modulus (scalar field r or base field q).
        what: &'static str,
    },
    /// A field element is not below its modulus.
    #[error("{at}: field element not below the modulus")]
    NonCanonical {
        /// Where.
        at: At,
    },
    /// A curve point is not on the curve.
    #[error("{at}: {group} point not on the curve")]
    NotOnCurve {
        /// Where.
        at: At,
        /// G1 or G2.
        group: &'static str,
    },
    /// A curve point is on the curve but outside the prime-order subgroup.
    #[error("{at}: {group} point not in the prime-order subgroup")]
    NotInSubgroup {
        /// Where.
        at: At,
        /// G1 or G2.
        group: &'static str,
    },
    /// A point that must not be the identity is.
    #[error("{at}: {what} is the point at infinity")]
    Identity {
        /// Where.
        at: At,
        /// Which point.
        what: &'static str,
    },
    /// An index (wire, signal, constraint, coefficient) out of its range.
    #[error("{at}: {what} {value} out of range (must be below {bound})")]
    OutOfRange {
        /// Where.
        at: At,
        /// What the index is.
        what: &'static str,
        /// Its value.
        value: u64,
        /// Its exclusive bound.
        bound: u64,
    },
    /// A count or value that must equal another does not.
    #[error("{at}: {what} is {found}, expected {expected}")]
    Mismatch {
        /// Where.
        at: At,
        /// What was compared.
        what: &'static str,
        /// The value required.
        expected: u64,
        /// The value found.
        found: u64,
    },
    /// A value the format allows but this reader does not (e.g. a
    /// non-Groth16 zkey).
    #[error("{at}: {what}")]
    Unsupported {
        /// Where.
        at: At,
        /// What is not supported.
        what: &'static str,
    },
    /// Bytes after the last value a section holds.
    #[error("{at}: {extra} bytes after the section's last value")]
    TrailingBytes {
        /// Where.
        at: At,
        /// How many.
        extra: u64,
    },
}
