//! idphoto: checks an ID photo against the official rules for a city and document, before the
//! person submits it.
//!
//! The pipeline runs in one direction — [`decode`] → [`checks`] → [`report`] — with [`spec`]
//! feeding the checks their thresholds. Nothing here prints, exits or looks at the terminal: the
//! library returns [`report::Report`]s and the binary renders them.
//!
//! Conventions, stated once: coordinates are pixels with the origin at the top-left, x to the
//! right and y down, in the photo *as given after EXIF orientation* unless a name says `_canvas`
//! (the spec's output coordinates). "Left" and "right" of a face are the subject's own. Colours
//! are sRGB; CIE L*a*b* values use D65.
//!
//! # Examples
//! ```no_run
//! use idphoto::{spec::Library, Options};
//! let spec = Library::builtin()?.resolve("dongguan", None)?;
//! let report = idphoto::check_file(std::path::Path::new("photo.jpg"), &spec, &Options::default());
//! println!("{}: {:?}", report.file.display(), report.verdict);
//! # Ok::<(), idphoto::Error>(())
//! ```
#![deny(missing_docs)]

pub mod annotations;
pub mod checks;
pub mod decode;
mod error;
pub mod face;
pub mod imageops;
pub mod nn;
pub mod report;
pub mod spec;

pub use error::{Error, Result, SpecLocation};

use report::{Report, Verdict};
use spec::Spec;
use std::path::Path;

/// Longer side of the working-resolution copy that face, segmentation and quality analysis share.
/// 1024 px keeps 150+ px across a face in a typical phone portrait (enough for landmarks and
/// texture measures) while a 12 MP photo shrinks 16-fold in pixel count.
pub const ANALYSIS_MAX_SIDE: u32 = 1024;

/// How a photo is checked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Decoding limits (file size, megapixels).
    pub limits: decode::Limits,
}

/// Decodes and judges one photo; never fails: a photo that cannot be judged yields a report
/// with verdict `error` and the reason.
pub fn check_file(path: &Path, spec: &Spec, options: &Options) -> Report {
    match decode::open(path, &options.limits) {
        Ok(photo) => check_photo(path, &photo, spec),
        Err(e) => Report::error(path.to_path_buf(), spec.key(), &e),
    }
}

/// Judges an already decoded photo.
pub fn check_photo(path: &Path, photo: &decode::Photo, spec: &Spec) -> Report {
    let working = imageops::downscale(&photo.image, ANALYSIS_MAX_SIDE);
    let analysis = match face::analyse(&working, &photo.image) {
        Ok(a) => a,
        Err(e) => return Report::error(path.to_path_buf(), spec.key(), &e),
    };
    let ctx = checks::Context {
        spec,
        photo,
        working: &working,
        face: Some(&analysis),
    };
    let checks = checks::run(&ctx);
    Report {
        file: path.to_path_buf(),
        spec: spec.key(),
        verdict: Verdict::of(&checks),
        checks,
        image: Some(photo.info.clone()),
        output: None,
        error: None,
        face: Some(analysis),
    }
}
