//! The corrected photo: the spec's canvas cut from the photo, levelled, scaled, with the
//! background replaced, exposure and white balance gently fixed, encoded as the spec requires —
//! and re-checked before it is published.
//!
//! Stages, each in its own file: [`render`] (rotate, crop, resample), [`tone`] (exposure, white
//! balance), [`eyes`] (red eye), [`background`] (matte compositing), [`encode`] (JPEG, size search, dpi), [`write`](mod@write)
//! (destination, atomic write). [`correct`] runs the image stages in memory; [`run`] adds
//! encoding, writing and the re-check and returns what the report shows.
//!
//! The invariant: the written photo, checked again with the same spec, passes every file,
//! dimension, geometry and background check (background only when it was replaced; exposure and
//! quality may still warn). A failed re-check is an error for that photo and nothing is written.

pub mod background;
pub mod encode;
pub mod eyes;
pub mod render;
pub mod tone;
pub mod write;

pub use background::Matte;
pub use write::{destination, OutputOptions};

use crate::checks::regions::FaceGeom;
use crate::checks::{self, Status};
use crate::crop::{self, CropPlan, Infeasible, PlanOptions};
use crate::decode::{self, Photo};
use crate::face::{Face, FaceAnalysis, Point};
use crate::spec::Spec;
use image::RgbImage;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How photos are corrected and where the results go.
#[derive(Debug, Clone)]
pub struct Fix {
    /// Where to write.
    pub output: OutputOptions,
    /// Smallest matte confidence at which the background is replaced. Default 0.5: below it the
    /// segmentation is as likely wrong as right, and a wrong cut-out (an ear or a shoulder
    /// painted white) is worse than the original background, which the report then flags.
    pub min_matte_confidence: f32,
}

impl Default for Fix {
    fn default() -> Self {
        Fix {
            output: OutputOptions::default(),
            min_matte_confidence: 0.5,
        }
    }
}

/// What the analysis stages hand to the correction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// The one face, when exactly one was found.
    pub face: Option<&'a Face>,
    /// The person matte, when segmentation ran.
    pub matte: Option<&'a Matte>,
}

/// What happened to the background.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BackgroundOutcome {
    /// Replaced with the spec's first allowed colour.
    Replaced {
        /// The colour, sRGB.
        rgb: [u8; 3],
    },
    /// Kept as it was; the background check may still fail.
    Kept {
        /// Why.
        reason: KeptReason,
    },
}

/// Why the background was kept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptReason {
    /// No segmentation ran.
    NoMatte,
    /// The segmentation was not confident enough.
    LowConfidence,
    /// The spec names no background colour.
    NoColourInSpec,
}

/// The corrected canvas in memory, before encoding.
#[derive(Debug, Clone)]
pub struct Corrected {
    /// The canvas pixels.
    pub image: RgbImage,
    /// The crop that produced it.
    pub plan: CropPlan,
    /// The face mapped onto the canvas.
    pub canvas_face: Face,
    /// What happened to the background.
    pub background: BackgroundOutcome,
    /// What exposure and white balance did.
    pub tone: tone::ToneReport,
    /// Whether red pupils were darkened ([`eyes`]).
    pub red_eye_fixed: bool,
}

/// Maps a face through a plan onto the canvas (eyes level, canvas pixels).
pub fn face_on_canvas(face: &Face, plan: &CropPlan) -> Face {
    let m = |p: Point| plan.to_canvas(p);
    let (l, r) = (
        m([face.face_left_x, face.face_width_y]),
        m([face.face_right_x, face.face_width_y]),
    );
    let (le, re) = (m(face.left_eye), m(face.right_eye));
    let [bx, by, bw, bh] = face.bbox;
    let b0 = m([bx, by]);
    Face {
        bbox: [b0[0], b0[1], bw * plan.scale, bh * plan.scale],
        left_eye: le,
        right_eye: re,
        crown: face.crown.map(m),
        chin: m(face.chin),
        face_left_x: l[0].min(r[0]),
        face_right_x: l[0].max(r[0]),
        face_width_y: (l[1] + r[1]) / 2.0,
        roll_deg: crate::face::roll_deg(re, le),
        yaw_deg: face.yaw_deg,
        eye_opening: face.eye_opening,
        mouth_opening: face.mouth_opening,
        brow_skin: face.brow_skin,
        confidence: face.confidence,
    }
}

/// Renders, tone-corrects and (when the matte is confident) re-backgrounds the canvas; or says
/// why no compliant crop exists.
pub fn correct(
    photo: &RgbImage,
    face: &Face,
    spec: &Spec,
    matte: Option<&Matte>,
    fix: &Fix,
) -> Result<Corrected, Vec<Infeasible>> {
    let colour = spec
        .body
        .background
        .allowed
        .as_ref()
        .and_then(|a| a.first())
        .map(|c| c.rgb);
    let confident = matte.filter(|m| m.confidence >= fix.min_matte_confidence);
    let replace = match (colour, confident) {
        (Some(c), Some(m)) => Some((c, m)),
        _ => None,
    };
    let plan = crop::plan(
        face,
        photo.dimensions(),
        spec,
        &PlanOptions {
            allow_padding: replace.is_some(),
            ..Default::default()
        },
    );
    if !plan.is_feasible() {
        return Err(plan.problems);
    }
    let rendered = render::render(photo, &plan);
    let mut image = rendered.image;
    let canvas_face = face_on_canvas(face, &plan);
    let alpha = replace.map(|(_, m)| {
        let mut a = render::render_matte(&m.alpha, m.scale, &plan);
        // Seeded on the nose, which no hair or hand covers in a photo worth correcting.
        let [x, y] = canvas_face.eye_mid();
        background::keep_person(&mut a, [x, y + 0.5 * canvas_face.inter_eye()]);
        a
    });

    // Skin sampled where exposure.brightness samples it, so the correction aims at what the
    // re-check of the corrected photo will measure.
    let skin = FaceGeom::from_face(&canvas_face, 1.0, image.dimensions())
        .map(|g| g.skin(&image).collect())
        .unwrap_or_default();
    let is_background = |x: u32, y: u32| {
        alpha.as_ref().is_some_and(|a| {
            a.get_pixel(x, y)[0] < 26 && rendered.coverage.get_pixel(x, y)[0] == 255
        })
    };
    let tone = tone::correct_mut(
        &mut image,
        &tone::Regions {
            skin,
            background: alpha
                .as_ref()
                .filter(|_| replace.is_some_and(|(_, m)| m.colour_reference))
                .map(|_| &is_background as &dyn Fn(u32, u32) -> bool),
        },
        &spec.body.quality,
    );
    let red_eye_fixed = spec
        .body
        .head
        .max_red_eye
        .is_some_and(|max| eyes::fix_red_eye(&mut image, &canvas_face, max as f32));

    let background = match (replace, alpha.as_ref()) {
        (Some((c, _)), Some(a)) => {
            background::replace_mut(&mut image, a, &rendered.coverage, c);
            BackgroundOutcome::Replaced { rgb: c }
        }
        _ => BackgroundOutcome::Kept {
            reason: if colour.is_none() {
                KeptReason::NoColourInSpec
            } else if matte.is_none() {
                KeptReason::NoMatte
            } else {
                KeptReason::LowConfidence
            },
        },
    };
    Ok(Corrected {
        image,
        plan,
        canvas_face,
        background,
        tone,
        red_eye_fixed,
    })
}

/// One geometry rule measured on the corrected canvas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeometryMeasure {
    /// Which rule: `face_width_px`, `top_margin_px`, `eye_to_bottom_px`, `centre_offset_px`.
    pub rule: &'static str,
    /// The value on the canvas, px.
    pub value_px: f64,
    /// Allowed `[min, max]` (open ends as ±infinity are written as null).
    pub min_px: Option<f64>,
    /// Upper bound.
    pub max_px: Option<f64>,
    /// Whether it is within.
    pub ok: bool,
}

/// Measures the spec's geometry rules on a canvas face (from [`face_on_canvas`]).
pub fn geometry(face: &Face, spec: &Spec, hair_cropped: bool) -> Vec<GeometryMeasure> {
    let head = &spec.body.head;
    let (cw, ch) = (spec.width_px as f64, spec.height_px as f64);
    let mut out = Vec::new();
    let mut push = |rule, v: f64, min: Option<f64>, max: Option<f64>| {
        let ok =
            v.is_finite() && min.is_none_or(|m| v >= m - 0.5) && max.is_none_or(|m| v <= m + 0.5);
        out.push(GeometryMeasure {
            rule,
            value_px: (v * 10.0).round() / 10.0,
            min_px: min,
            max_px: max,
            ok,
        });
    };
    if let Some([lo, hi]) = head.face_width_px {
        push("face_width_px", face.width() as f64, Some(lo), Some(hi));
    }
    // GA 461 lets over-tall hair be cropped to keep the eye line: the crown is then above the
    // canvas and the margin rule does not apply.
    if let (Some([lo, hi]), Some(c), false) = (head.top_margin_px, face.crown, hair_cropped) {
        push("top_margin_px", c[1] as f64, Some(lo), Some(hi));
    }
    let eye_y = face.eye_mid()[1] as f64;
    if let Some(min) = head.eye_to_bottom_min_px {
        push("eye_to_bottom_px", ch - eye_y, Some(min), None);
    }
    if let Some([lo, hi]) = head.eye_from_top_px {
        push("eye_from_top_px", eye_y, Some(lo), Some(hi));
    }
    if let (Some([lo, hi]), Some(c)) = (head.head_height_px, face.crown) {
        push(
            "head_height_px",
            (face.chin[1] - c[1]) as f64,
            Some(lo),
            Some(hi),
        );
    }
    if let Some(tol) = head.centring_tolerance_px {
        let centre = (face.face_left_x + face.face_right_x) as f64 / 2.0;
        push(
            "centre_offset_px",
            (centre - cw / 2.0).abs(),
            None,
            Some(tol),
        );
    }
    out
}

/// What the correction stage did for one photo, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// What happened.
    pub status: CorrectionStatus,
    /// The written photo.
    #[serde(serialize_with = "write::serialize_opt_path")]
    pub path: Option<PathBuf>,
    /// The JPEG quality chosen.
    pub jpeg_quality: Option<u8>,
    /// The written size, KB (1024 bytes).
    pub kb: Option<f64>,
    /// How the size fits `file.kb`.
    pub size_fit: Option<encode::SizeFit>,
    /// The background.
    pub background: Option<BackgroundOutcome>,
    /// Exposure and white balance.
    pub tone: Option<tone::ToneReport>,
    /// Clockwise quarter turns (90, 180, 270 degrees) applied first to a photo stored on its
    /// side or upside down; the rest of the correction works on the turned photo.
    pub turned_deg: Option<u16>,
    /// Rotation applied to level the eyes, degrees.
    pub rotate_deg: Option<f32>,
    /// Output pixels per input pixel.
    pub scale: Option<f32>,
    /// Whether over-tall hair was cropped to keep the eye line (GA 461 allows it).
    pub hair_cropped: bool,
    /// Whether red pupils (red eye from a flash) were darkened.
    pub red_eye_fixed: bool,
    /// The corrected photo's geometry, measured on the canvas.
    pub geometry: Vec<GeometryMeasure>,
    /// The face in the spec's output coordinates (pixels of the corrected photo): the analysed
    /// face mapped through the crop, rotation and scale.
    pub face: Option<Face>,
    /// Why no compliant crop exists (status `not_possible`).
    pub problems: Vec<Problem>,
    /// Checks the written photo failed when re-checked (status `failed`).
    pub recheck_failed: Vec<String>,
    /// Checks the written photo still fails that the correction does not fix and does not
    /// promise to (status `written`): lighting from one side, the expression, the quality of a
    /// hopeless input, a background that was kept. The photo needs a retake for them.
    pub still_failing: Vec<String>,
    /// What to look at in the written photo before submitting it, which no check measures.
    pub cautions: Vec<Caution>,
    /// Why the correction failed (status `failed`).
    pub message: Option<String>,
}

/// Something to look at in a written photo before submitting it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Caution {
    /// Machine id: `busy_background`.
    pub id: &'static str,
    /// Chinese.
    pub zh: &'static str,
    /// English.
    pub en: &'static str,
}

impl Caution {
    /// The background was replaced behind a person photographed in front of a busy one (the
    /// input fails `background.clutter`). Next to the hair the person mask cannot always tell a
    /// dark letter or a painted branch from hair, and such a piece stays in the photo as if it
    /// were the person, where the checks on the written photo cannot see it either: on the
    /// shared photos, a letter of a logo wall beside siegel_1's head and streaks of a painting
    /// in biden_1's white hair. A reviewer rejects what they see.
    pub const BUSY_BACKGROUND: Caution = Caution {
        id: "busy_background",
        zh: "原背景杂乱：请放大检查修正照片的头发边缘有无残留的原背景（在纯色墙前重拍最稳妥）",
        en: "the original background is busy: zoom in on the corrected photo's hair edges for leftovers of it (a retake against a plain wall is safest)",
    };
}

/// The outcome of correcting one photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionStatus {
    /// Written and re-checked.
    Written,
    /// No compliant crop exists; nothing written.
    NotPossible,
    /// No single face to correct around; nothing written.
    NoFace,
    /// Something went wrong (write refused, re-check failed); nothing written. An error.
    Failed,
}

/// One reason no compliant crop exists, in both languages with the official reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Machine id.
    pub id: Infeasible,
    /// Chinese.
    pub zh: &'static str,
    /// English.
    pub en: &'static str,
    /// The official rejection reason.
    pub official_reason: &'static str,
}

impl Problem {
    fn of(id: Infeasible) -> Self {
        let (zh, en) = id.explain();
        Problem {
            id,
            zh,
            en,
            official_reason: id.official_reason(),
        }
    }
}

impl Correction {
    fn empty(status: CorrectionStatus) -> Self {
        Correction {
            status,
            path: None,
            jpeg_quality: None,
            kb: None,
            size_fit: None,
            background: None,
            tone: None,
            turned_deg: None,
            rotate_deg: None,
            scale: None,
            hair_cropped: false,
            red_eye_fixed: false,
            geometry: Vec::new(),
            face: None,
            problems: Vec::new(),
            recheck_failed: Vec::new(),
            still_failing: Vec::new(),
            cautions: Vec::new(),
            message: None,
        }
    }
}

/// Whether a failed check on the corrected photo breaks the invariant: quality and exposure
/// checks may still fail on a hopeless input, background checks when it was kept, and
/// `mouth.closed` and `eyebrows.visible` always (no correction closes the lips or moves a
/// fringe; the photo is still worth having for everything else, and the report says what still
/// fails).
pub fn is_invariant(id: &str, background_replaced: bool) -> bool {
    const ALWAYS: [&str; 5] = ["file.", "face.", "head.", "eyes.", "crop."];
    ALWAYS.iter().any(|p| id.starts_with(p))
        || (background_replaced && id.starts_with("background."))
}

/// Corrects one photo end to end: plan, render, encode, stage beside the destination, re-check
/// the staged file, publish. Never panics; failures are a `failed` [`Correction`].
pub fn run(input: &Path, photo: &Photo, spec: &Spec, inputs: Inputs<'_>, fix: &Fix) -> Correction {
    let Some(face) = inputs.face else {
        return Correction::empty(CorrectionStatus::NoFace);
    };
    let corrected = match correct(&photo.image, face, spec, inputs.matte, fix) {
        Ok(c) => c,
        Err(problems) => {
            let mut c = Correction::empty(CorrectionStatus::NotPossible);
            c.problems = problems.into_iter().map(Problem::of).collect();
            return c;
        }
    };
    let mut c = Correction::empty(CorrectionStatus::Failed);
    c.rotate_deg = Some(corrected.plan.rotate_deg);
    c.scale = Some(corrected.plan.scale);
    c.hair_cropped = corrected.plan.hair_cropped;
    c.red_eye_fixed = corrected.red_eye_fixed;
    c.background = Some(corrected.background.clone());
    c.tone = Some(corrected.tone.clone());
    c.geometry = geometry(&corrected.canvas_face, spec, corrected.plan.hair_cropped);
    c.face = Some(corrected.canvas_face.clone());
    let fail = |mut c: Correction, message: String| {
        c.message = Some(message);
        c
    };
    let encoded = match encode::encode(&corrected.image, spec) {
        Ok(e) => e,
        Err(e) => return fail(c, e.to_string()),
    };
    c.jpeg_quality = Some(encoded.quality);
    c.kb = Some((encoded.kb() * 10.0).round() / 10.0);
    c.size_fit = Some(encoded.fit);
    let dest = destination(input, spec, &fix.output);
    if fix.output.make_folder {
        let dir = write::folder_of(&dest);
        if let Err(e) = std::fs::create_dir_all(dir) {
            return fail(
                c,
                format!("{}: cannot create the folder: {e}", dir.display()),
            );
        }
    }
    let staged = match write::stage(&dest, input, &encoded.bytes, fix.output.force) {
        Ok(s) => s,
        Err(e) => return fail(c, e.to_string()),
    };
    // Re-check what is really on disk.
    let written = match decode::open(staged.path(), &decode::Limits::default()) {
        Ok(p) => p,
        Err(e) => return fail(c, format!("cannot re-read the corrected photo: {e}")),
    };
    let replaced = matches!(corrected.background, BackgroundOutcome::Replaced { .. });
    let failed = recheck(&written, spec, &corrected.canvas_face);
    (c.recheck_failed, c.still_failing) = failed
        .into_iter()
        .partition(|id| is_invariant(id, replaced));
    c.recheck_failed.extend(
        c.geometry
            .iter()
            .filter(|g| !g.ok)
            .map(|g| format!("geometry.{}", g.rule)),
    );
    // Only background checks failing on a replaced background: the person mask took pieces of
    // the old backdrop for hair or clothing (a dark or busy one; HELEN's 3179042789 kept a dark
    // blue blotch by the shoulder). A limit of the cut-out, not a bug: say so, write nothing.
    if replaced
        && !c.recheck_failed.is_empty()
        && c.recheck_failed
            .iter()
            .all(|id| id.starts_with("background."))
    {
        c.status = CorrectionStatus::NotPossible;
        c.problems = vec![Problem::of(Infeasible::BackgroundNotSeparable)];
        return c;
    }
    if !c.recheck_failed.is_empty() {
        let list = c.recheck_failed.join(", ");
        return fail(
            c,
            format!("the corrected photo failed its own check ({list}); nothing written"),
        );
    }
    match staged.publish() {
        Ok(path) => {
            c.path = Some(path);
            c.status = CorrectionStatus::Written;
            c
        }
        Err(e) => fail(c, e.to_string()),
    }
}

/// Runs every registered check on the written photo; returns the ids of the checks that
/// failed. The face is the original face mapped onto the canvas (detection is not re-run: the
/// mapping is exact, a second detection would only add its own noise).
pub fn recheck(written: &Photo, spec: &Spec, canvas_face: &Face) -> Vec<String> {
    let working = crate::imageops::downscale(&written.image, crate::ANALYSIS_MAX_SIDE);
    let analysis = FaceAnalysis::single(canvas_face.clone());
    // The background checks judge the written photo through its own mask, as a later
    // `idphoto check` of the output would.
    let mask = crate::segment::segment(&working.image).ok();
    let ctx = checks::Context {
        spec,
        photo: written,
        working: &working,
        face: Some(&analysis),
        mask: mask.as_ref(),
    };
    checks::run(&ctx)
        .into_iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id.as_str().to_string())
        .collect()
}
