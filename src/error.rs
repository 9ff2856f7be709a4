//! The one error type of the library.
//!
//! An [`Error`] means idphoto could not *judge* a photo (or could not load its specs). A photo
//! that is judged and breaks a rule is not an error: it is a failed [`crate::checks::Check`].
//! Every variant names the file (and, for specs, the key and line) so the message alone tells a
//! person what to fix.

use std::fmt;
use std::path::PathBuf;

/// Where in a spec file something went wrong: the file's label and, when known, its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecLocation {
    /// The spec file's path, or `<built-in>/name.toml` for an embedded spec.
    pub file: String,
    /// 1-based line number, when it could be found.
    pub line: Option<usize>,
}

impl fmt::Display for SpecLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => write!(f, "{}", self.file),
        }
    }
}

/// Everything that can stop idphoto from judging a photo or loading a spec.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is not an image in any format idphoto reads.
    #[error("{path}: not an image idphoto can read (JPEG, PNG, WebP, BMP, TIFF, GIF), whatever its extension")]
    NotAnImage {
        /// The file involved.
        path: PathBuf,
    },
    /// The file holds no bytes at all (an unfinished copy or download).
    #[error("{path}: the file is empty (0 bytes); the copy or download did not finish")]
    EmptyFile {
        /// The file involved.
        path: PathBuf,
    },
    /// The file is a photo in a format idphoto recognises but does not decode (HEIC, AVIF, JPEG
    /// XL).
    #[error("{path}: a {format} photo, which idphoto cannot read: export it as JPEG and check that copy (iPhone: Settings > Camera > Formats > Most Compatible)")]
    UnsupportedFormat {
        /// The file involved.
        path: PathBuf,
        /// The format's name.
        format: &'static str,
    },
    /// The file looked like an image but its pixels could not be decoded (corrupt, truncated).
    #[error("{path}: cannot decode {format} image: {message}")]
    Decode {
        /// The file involved.
        path: PathBuf,
        /// The format found from the file's content.
        format: String,
        /// The decoder's message.
        message: String,
    },
    /// The decoder itself panicked on this file; the process carried on.
    #[error("{path}: the {format} decoder crashed on this file (it is probably corrupt)")]
    DecoderPanic {
        /// The file involved.
        path: PathBuf,
        /// The format found from the file's content.
        format: String,
    },
    /// Checking this photo panicked outside the decoder (a bug in idphoto); the batch carried on.
    #[error(
        "{path}: idphoto crashed while checking this photo (a bug, please report it): {message}"
    )]
    Panic {
        /// The file involved.
        path: PathBuf,
        /// The panic's message.
        message: String,
    },
    /// The image is larger than idphoto is willing to decode (a guard against decompression bombs).
    #[error("{path}: image is {width}×{height} px, over the limit of {limit_mp} megapixels; shrink it first")]
    TooLarge {
        /// The file involved.
        path: PathBuf,
        /// Width from the file header.
        width: u32,
        /// Height from the file header.
        height: u32,
        /// The limit in megapixels.
        limit_mp: u32,
    },
    /// Decoding the image would take more memory than idphoto allows one photo (a 16-bit or
    /// many-channel file at a size that is fine in 8 bits, or a GIF bomb).
    #[error("{path}: decoding this {width}×{height} px image takes {} MB, over the limit of {} MB; save it as an 8-bit JPEG or shrink it first", bytes.div_ceil(1 << 20), limit >> 20)]
    TooManyBytes {
        /// The file involved.
        path: PathBuf,
        /// Width from the file header.
        width: u32,
        /// Height from the file header.
        height: u32,
        /// Bytes the decoded image would take.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is larger on disk than idphoto reads.
    #[error("{path}: file is {bytes} bytes, over the limit of {limit} bytes")]
    FileTooLarge {
        /// The file involved.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A spec file is not valid TOML or does not fit the spec format.
    #[error("{location}: {message}")]
    SpecParse {
        /// File and line.
        location: SpecLocation,
        /// What is wrong.
        message: String,
    },
    /// A spec parses but one of its values is impossible (min > max, outside the canvas …).
    #[error("{location}: `{key}` {reason}")]
    SpecInvalid {
        /// File and line.
        location: SpecLocation,
        /// The dotted key, e.g. `head.face_width_px`.
        key: String,
        /// Why the value is impossible.
        reason: String,
    },
    /// `extends` chains loop back on themselves.
    #[error("{location}: spec inheritance cycle: {}; remove one `extends` to break it", chain.join(" -> "))]
    SpecCycle {
        /// The file and line of the `extends` that closes the loop.
        location: SpecLocation,
        /// The ids in the loop, first repeated last.
        chain: Vec<String>,
    },
    /// `extends` names a base spec that does not exist.
    #[error("{location}: `extends = \"{name}\"` names no base spec; known: {}", known.join(", "))]
    UnknownBase {
        /// File and line.
        location: SpecLocation,
        /// The name given.
        name: String,
        /// The base ids that exist.
        known: Vec<String>,
    },
    /// `--city` names no known city.
    #[error("unknown city \"{name}\"{}; known: {}", nearest.as_ref().map(|n| format!(" (did you mean \"{n}\"?)")).unwrap_or_default(), known.join(", "))]
    UnknownCity {
        /// The name given.
        name: String,
        /// The closest known id, if any is close.
        nearest: Option<String>,
        /// Every known city id.
        known: Vec<String>,
    },
    /// `--doc` names no document the city has a spec for.
    #[error("city \"{city}\" has no spec for document \"{name}\"; it has: {}", known.join(", "))]
    UnknownDocument {
        /// The city id.
        city: String,
        /// The document name given.
        name: String,
        /// The documents this city has.
        known: Vec<String>,
    },
    /// A city or document name that looks like a path (`../x`, `a/b`).
    #[error("invalid {what} name \"{value}\": names must not contain path separators or \"..\"")]
    InvalidName {
        /// `city` or `document`.
        what: &'static str,
        /// The rejected value.
        value: String,
    },
    /// An embedded neural network failed to load or run (a bug, not a property of the photo).
    #[error("model {name}: {message}")]
    Model {
        /// Which network.
        name: &'static str,
        /// What the interpreter could not build or run.
        message: String,
    },
    /// An output photo could not be written where asked (it exists, it is the input …).
    #[error("{path}: {reason}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
