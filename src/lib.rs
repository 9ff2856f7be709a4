//! idphoto: checks an ID photo against the official rules for a city and document, before the
//! person submits it.
//!
//! The pipeline runs in one direction — [`decode`] → [`face`] → [`checks`] → [`correct`] →
//! [`report`] — with [`spec`] feeding the checks their thresholds, [`crop`] planning the
//! corrected photo and [`batch`] finding many photos and driving the loop over them. Nothing
//! here prints, exits or looks at the terminal: the
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

pub mod annotate;
pub mod annotations;
pub mod batch;
pub mod checks;
pub mod colour;
pub mod correct;
pub mod crop;
pub mod decode;
mod error;
pub mod face;
pub mod imageops;
pub mod nn;
pub mod report;
pub mod segment;
pub mod spec;

pub use error::{Error, Result, SpecLocation};

use report::Report;
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
    /// Whether and where to write a corrected photo. Default `None`: only check.
    pub fix: Option<correct::Fix>,
}

/// Decodes and judges one photo; never fails: a photo that cannot be judged yields a report
/// with verdict `error` and the reason.
pub fn check_file(path: &Path, spec: &Spec, options: &Options) -> Report {
    check_file_with(path, spec, options, correct::Inputs::default())
}

/// [`check_file`] with analysis results supplied by the caller (a face from annotations, a
/// matte from segmentation) instead of, or before, the built-in analysis.
pub fn check_file_with(
    path: &Path,
    spec: &Spec,
    options: &Options,
    inputs: correct::Inputs<'_>,
) -> Report {
    match decode::open(path, &options.limits) {
        Ok(photo) => check_photo_with(path, &photo, spec, options, inputs),
        Err(e) => Report::error(path.to_path_buf(), spec.key(), &e),
    }
}

/// Judges an already decoded photo (no correction).
pub fn check_photo(path: &Path, photo: &decode::Photo, spec: &Spec) -> Report {
    check_photo_with(
        path,
        photo,
        spec,
        &Options::default(),
        correct::Inputs::default(),
    )
}

/// Judges an already decoded photo and, when `options.fix` asks, writes the corrected photo.
pub fn check_photo_with(
    path: &Path,
    photo: &decode::Photo,
    spec: &Spec,
    options: &Options,
    inputs: correct::Inputs<'_>,
) -> Report {
    let working = imageops::downscale(&photo.image, ANALYSIS_MAX_SIDE);
    // A face supplied by the caller (annotations) stands in for detection.
    let found = match inputs.face {
        Some(f) => Ok((
            segment::segment(&working.image).ok(),
            face::FaceAnalysis::single(f.clone()),
        )),
        None => face::segment_and_analyse(&working, &photo.image),
    };
    let (mask, analysis) = match found {
        Ok(found) => found,
        Err(e) => return Report::error(path.to_path_buf(), spec.key(), &e),
    };
    let ctx = checks::Context {
        spec,
        photo,
        working: &working,
        face: Some(&analysis),
        mask: mask.as_ref(),
    };
    let checks = checks::run(&ctx);
    let mut report = Report::judged(path.to_path_buf(), spec.key(), photo.info.clone(), checks);
    if let Some(fix) = &options.fix {
        // The background is replaced only where the mask is confident, by the spec's threshold
        // when it sets one.
        let mut fix = fix.clone();
        if let Some(min) = spec.body.background.min_mask_confidence {
            fix.min_matte_confidence = min as f32;
        }
        // Only a photo with exactly one face is corrected; the report explains the others.
        let single = (analysis.faces_found == 1)
            .then_some(analysis.face.as_ref())
            .flatten();
        let turn = match (inputs.face, single.map(face::Face::orientation)) {
            (None, Some(o)) => o.clockwise_turn_deg(),
            _ => None,
        };
        let mut c = match turn.and_then(|t| correct_turned(path, photo, spec, &fix, t)) {
            Some(c) => c,
            None => {
                let matte = match inputs.matte {
                    Some(_) => None,
                    None => matte_for(&ctx),
                };
                let inputs = correct::Inputs {
                    face: inputs.face.or(single),
                    matte: inputs.matte.or(matte.as_ref()),
                };
                correct::run(path, photo, spec, inputs, &fix)
            }
        };
        let busy = report.checks.iter().any(|k| {
            k.id == checks::CheckId::BackgroundClutter && k.status == checks::Status::Fail
        });
        let replaced = matches!(
            c.background,
            Some(correct::BackgroundOutcome::Replaced { .. })
        );
        if c.status == correct::CorrectionStatus::Written && replaced && busy {
            c.cautions.push(correct::Caution::BUSY_BACKGROUND);
        }
        report.output = c.path.clone();
        if c.status == correct::CorrectionStatus::Failed {
            let hint = if c.recheck_failed.is_empty() {
                report::output_hint()
            } else {
                report::bug_hint()
            };
            report.set_error(c.message.clone().unwrap_or_default(), Some(hint));
        }
        report.correction = Some(c);
    }
    report.face = Some(analysis);
    report
}

/// The matte the corrected photo replaces the background with: the same mask the background
/// checks trust, white-balanced to only when `colour.cast` takes its background as evidence.
/// `None` without a mask.
pub fn matte_for(ctx: &checks::Context<'_>) -> Option<correct::Matte> {
    let mask = ctx.mask?;
    Some(correct::Matte {
        alpha: mask.alpha.clone(),
        scale: ctx.working.scale,
        confidence: mask.confidence,
        colour_reference: checks::background_is_colour_reference(ctx),
    })
}

/// The corrected photo of a photo stored on its side or upside down (no EXIF orientation):
/// the checks tell the person to turn it, and the correction is made from the photo turned
/// upright and analysed again there, since the crown, the margins and the crop are all
/// measured upwards. `None` when the turned photo does not hold one upright face.
fn correct_turned(
    path: &Path,
    photo: &decode::Photo,
    spec: &Spec,
    fix: &correct::Fix,
    degrees: u16,
) -> Option<correct::Correction> {
    let image = imageops::turned_clockwise(&photo.image, degrees);
    let mut info = photo.info.clone();
    (info.width, info.height) = image.dimensions();
    let turned = decode::Photo { image, info };
    let working = imageops::downscale(&turned.image, ANALYSIS_MAX_SIDE);
    let mask = segment::segment(&working.image).ok();
    let analysis = face::analyse_with(&working, &turned.image, mask.as_ref()).ok()?;
    let face = analysis
        .face
        .as_ref()
        .filter(|f| analysis.faces_found == 1 && f.orientation() == face::Orientation::Upright)?;
    let matte = matte_for(&checks::Context {
        spec,
        photo: &turned,
        working: &working,
        face: Some(&analysis),
        mask: mask.as_ref(),
    });
    let inputs = correct::Inputs {
        face: Some(face),
        matte: matte.as_ref(),
    };
    let mut c = correct::run(path, &turned, spec, inputs, fix);
    c.turned_deg = Some(degrees);
    Some(c)
}
