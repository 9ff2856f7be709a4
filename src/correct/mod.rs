//! The corrected photo: the spec's canvas cut from the photo, levelled, scaled, with the
//! background replaced, exposure and white balance gently fixed, encoded as the spec requires —
//! and re-checked before it is published.
//!
//! Stages, each in its own file: [`render`] (rotate, crop, resample), [`tone`] (exposure, white
//! balance), [`eyes`] (red eye), [`background`] (matte compositing), [`encode`] (JPEG, size
//! search, dpi), [`write`](mod@write) (destination, atomic write). [`correct`] runs the image
//! stages in memory on the crop the planner chose; the pipeline encodes, stages, re-checks and
//! publishes, and fills in the [`Correction`] the report shows.
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
use crate::crop::{CropPlan, Infeasible};
use crate::face::{Face, Point};
use crate::layout::{self, Layout, Placement};
use crate::spec::{BackgroundColour, Spec};
use image::{GrayImage, RgbImage};
use serde::Serialize;
use std::path::PathBuf;

/// How photos are corrected and where the results go.
#[derive(Debug, Clone, Default)]
pub struct Fix {
    /// Where to write.
    pub output: OutputOptions,
    /// The colour a replaced background gets, sRGB. Default `None`: the spec's first allowed
    /// colour. [`background_choice`] turns a name or `#rrggbb` into one of the spec's colours.
    pub background: Option<[u8; 3]>,
    /// Also lay copies of the corrected photo out on this photo paper, written beside it as
    /// `<stem>.sheet.jpg`. Default `None`: no print sheet.
    pub sheet: Option<Paper>,
}

/// Photo paper a print sheet is laid out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Paper {
    /// 5-inch photo paper (3R), 89×127 mm.
    #[serde(rename = "5inch")]
    Inch5,
    /// 6-inch photo paper (4R), 102×152 mm: the usual paper of an ID-photo print.
    #[serde(rename = "6inch")]
    Inch6,
    /// A4, 210×297 mm (ISO 216).
    #[serde(rename = "a4")]
    A4,
}

impl Paper {
    /// Every paper, in the order `--sheet` lists them.
    pub const ALL: [Paper; 3] = [Paper::Inch5, Paper::Inch6, Paper::A4];

    /// The name `--sheet` and the JSON use: `5inch`, `6inch`, `a4`.
    pub fn name(self) -> &'static str {
        match self {
            Paper::Inch5 => "5inch",
            Paper::Inch6 => "6inch",
            Paper::A4 => "a4",
        }
    }

    /// Width and height in millimetres, portrait (the photo-paper trade sizes 3R and 4R; A4
    /// from ISO 216).
    pub fn size_mm(self) -> [f64; 2] {
        match self {
            Paper::Inch5 => [89.0, 127.0],
            Paper::Inch6 => [102.0, 152.0],
            Paper::A4 => [210.0, 297.0],
        }
    }
}

/// A print sheet that was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrintSheet {
    /// Where it is.
    pub path: PathBuf,
    /// The paper it is laid out for.
    pub size: Paper,
    /// How many copies of the photo it holds.
    pub copies: u32,
    /// Its resolution, dots per inch, recorded in the file.
    pub dpi: u32,
}

/// Why a print sheet that was asked for was not made (the corrected photo itself was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetSkipped {
    /// The spec gives no printed size (`canvas.size_mm`): a pixel-only online spec, whose
    /// copies would have no true size to be printed at.
    NoPrintSize,
    /// Not even one copy fits on the paper inside its margins.
    LargerThanPaper,
}

impl SheetSkipped {
    /// What it means, in Chinese and English.
    pub fn explain(self) -> (&'static str, &'static str) {
        match self {
            SheetSkipped::NoPrintSize => (
                "规格没有规定冲印尺寸（毫米），未生成排版照片",
                "no print size in the spec: no sheet",
            ),
            SheetSkipped::LargerThanPaper => (
                "照片的冲印尺寸大于相纸，未生成排版照片",
                "the photo's print size does not fit on the paper: no sheet",
            ),
        }
    }
}

/// A `--background` the spec does not allow (or names ambiguously).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackgroundNotAllowed {
    /// What was asked for.
    pub wanted: String,
    /// The spec, e.g. `dongguan/passport`.
    pub spec: String,
    /// The spec's colours that match it, when more than one does.
    pub ambiguous: Vec<String>,
    /// The spec's colours, as `name (name_zh, #rrggbb)`.
    pub allowed: Vec<String>,
}

impl std::fmt::Display for BackgroundNotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (wanted, spec) = (&self.wanted, &self.spec);
        if self.allowed.is_empty() {
            return write!(
                f,
                "background {wanted:?}: {spec} names no background colour to choose from"
            );
        }
        if self.ambiguous.is_empty() {
            write!(f, "background {wanted:?} is not allowed for {spec}")?;
        } else {
            let which = self.ambiguous.join(" or ");
            write!(
                f,
                "background {wanted:?} could be {which} for {spec}; name one"
            )?;
        }
        write!(f, "; allowed: {}", self.allowed.join(", "))
    }
}

impl std::error::Error for BackgroundNotAllowed {}

/// Largest CIEDE2000 distance at which a `#rrggbb` picks an allowed colour: 2.3, the
/// just-noticeable difference Mahy, Van Eycken and Oosterlinck measured (Color Res. Appl. 19,
/// 1994; in ΔE*ab, where ΔE00 runs smaller, so this is one to two JNDs), and well inside the
/// background check's own `warn_delta_e` (5). A hex the eye can hardly tell from the spec's
/// colour names that colour, and the photo gets the spec's rgb; anything farther is another
/// colour, which the spec does not allow.
pub const HEX_MATCH_DELTA_E: f32 = 2.3;

/// The allowed background colour `wanted` names, as the rgb the corrected photo gets: an
/// English name (`white`, `blue`; a word of a hyphenated name counts, so `blue` is the
/// passport's `light-blue`) or a Chinese one (`蓝色`, `蓝`: contained in `浅蓝色`), any case,
/// matched against the spec's `name`/`name_zh`; or `#rrggbb` within [`HEX_MATCH_DELTA_E`] of an
/// allowed colour, which then gets the spec's own rgb. An exact name wins over a partial one;
/// two partial matches are ambiguous.
///
/// # Examples
/// ```
/// use idphoto::{background_choice, spec::Library};
/// let spec = Library::builtin()?.resolve("dongguan", Some("passport"))?;
/// assert_eq!(background_choice(&spec, "blue"), Ok([100, 197, 255]));
/// assert_eq!(background_choice(&spec, "#FFFFFF"), Ok([255, 255, 255]));
/// let refused = background_choice(&spec, "red").unwrap_err().to_string();
/// assert!(refused.contains("allowed: white"), "{refused}");
/// # Ok::<(), idphoto::Error>(())
/// ```
pub fn background_choice(spec: &Spec, wanted: &str) -> Result<[u8; 3], BackgroundNotAllowed> {
    let allowed = spec.body.background.allowed.as_deref().unwrap_or_default();
    let refuse = |ambiguous: Vec<String>| BackgroundNotAllowed {
        wanted: wanted.to_string(),
        spec: spec.key(),
        ambiguous,
        allowed: allowed.iter().map(label).collect(),
    };
    let text = wanted.trim().to_lowercase();
    if let Some(rgb) = parse_hex(&text) {
        let lab = crate::colour::srgb_to_lab(rgb);
        return allowed
            .iter()
            .map(|c| {
                (
                    c,
                    crate::colour::delta_e2000(lab, crate::colour::srgb_to_lab(c.rgb)),
                )
            })
            .filter(|(_, de)| *de <= HEX_MATCH_DELTA_E)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c.rgb)
            .ok_or_else(|| refuse(Vec::new()));
    }
    let zh = |c: &BackgroundColour| c.name_zh.as_deref().unwrap_or("").to_lowercase();
    let exact = |c: &&BackgroundColour| c.name.to_lowercase() == text || zh(c) == text;
    if let Some(c) = allowed.iter().find(exact) {
        return Ok(c.rgb);
    }
    // `blue` in `light-blue`; `蓝色` or `蓝` in `浅蓝色` (a Chinese colour name ends in 色).
    let core = text.trim_end_matches('色');
    let partial: Vec<&BackgroundColour> = allowed
        .iter()
        .filter(|c| {
            c.name
                .to_lowercase()
                .split(['-', '_', ' '])
                .any(|w| w == text)
                || (!core.is_empty() && !core.is_ascii() && zh(c).contains(core))
        })
        .collect();
    match partial.as_slice() {
        [one] => Ok(one.rgb),
        [] => Err(refuse(Vec::new())),
        many => Err(refuse(many.iter().map(|c| c.name.clone()).collect())),
    }
}

/// `#rrggbb` (or `rrggbb`) as sRGB.
fn parse_hex(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#').unwrap_or(text);
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// An allowed colour as messages list it: `light-blue (浅蓝色, #64c5ff)`.
fn label(c: &BackgroundColour) -> String {
    let [r, g, b] = c.rgb;
    match &c.name_zh {
        Some(zh) => format!("{} ({zh}, #{r:02x}{g:02x}{b:02x})", c.name),
        None => format!("{} (#{r:02x}{g:02x}{b:02x})", c.name),
    }
}

/// Smallest mask confidence at which the background is replaced when the spec sets none
/// (`background.min_mask_confidence`): below it the segmentation is as likely wrong as right,
/// and a wrong cut-out (an ear or a shoulder painted white) is worse than the original
/// background, which the report then flags.
pub const DEFAULT_MIN_MATTE_CONFIDENCE: f64 = 0.5;

/// The colour the corrected photo's background is replaced with: `chosen` (see
/// [`Fix::background`]), else the spec's first allowed colour, when the person mask (of
/// `mask_confidence`) is trusted enough to cut the person out. `None`: the background is kept.
/// The crop planner lets the canvas run beyond the photo only then, since the new background
/// fills it.
pub fn replacement(
    spec: &Spec,
    chosen: Option<[u8; 3]>,
    mask_confidence: Option<f32>,
) -> Option<[u8; 3]> {
    let colour = new_background(spec, chosen)?;
    let min = spec
        .body
        .background
        .min_mask_confidence
        .unwrap_or(DEFAULT_MIN_MATTE_CONFIDENCE) as f32;
    mask_confidence.filter(|&c| c >= min).map(|_| colour)
}

/// The colour a replaced background gets: the `chosen` one, else the spec's first allowed
/// colour; `None` when the spec names none.
fn new_background(spec: &Spec, chosen: Option<[u8; 3]>) -> Option<[u8; 3]> {
    chosen.or_else(|| Some(spec.body.background.allowed.as_ref()?.first()?.rgb))
}

/// What happened to the background.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BackgroundOutcome {
    /// Replaced with the chosen colour ([`Fix::background`]), by default the spec's first
    /// allowed colour.
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
        head: face.head.map(|h| h.mapped(m)),
        roll_deg: crate::face::roll_deg(re, le),
        yaw_deg: face.yaw_deg,
        eye_opening: face.eye_opening,
        mouth_opening: face.mouth_opening,
        brow_skin: face.brow_skin,
        eye_outlines: face
            .eye_outlines
            .iter()
            .map(|e| e.mapped(m, plan.scale))
            .collect(),
        confidence: face.confidence,
    }
}

/// Renders the canvas `plan` cuts (a feasible plan for `face`), tone-corrects it and, where
/// [`replacement`] says so, replaces its background through `matte` with `background` (by
/// default the spec's first allowed colour).
pub fn correct(
    photo: &RgbImage,
    face: &Face,
    plan: &CropPlan,
    spec: &Spec,
    matte: Option<&Matte>,
    background: Option<[u8; 3]>,
) -> Corrected {
    let rendered = render::render(photo, plan);
    let alpha = canvas_matte(face, plan, spec, matte, background);
    correct_rendered(rendered, alpha, face, plan, spec, matte, background)
}

/// The matte through which [`correct`] replaces the background, on the canvas (the one person
/// in it, [`background::keep_person`]); `None` where the background is kept. Reads no pixel of
/// the photo, so it can be made beside the rendering.
pub fn canvas_matte(
    face: &Face,
    plan: &CropPlan,
    spec: &Spec,
    matte: Option<&Matte>,
    background: Option<[u8; 3]>,
) -> Option<GrayImage> {
    let m = matte.filter(|m| replacement(spec, background, Some(m.confidence)).is_some())?;
    let mut a = render::render_matte(&m.alpha, m.scale, plan);
    // Seeded on the nose, which no hair or hand covers in a photo worth correcting.
    let canvas_face = face_on_canvas(face, plan);
    let [x, y] = canvas_face.eye_mid();
    background::keep_person(&mut a, [x, y + 0.5 * canvas_face.inter_eye()]);
    Some(a)
}

/// [`correct`] of a canvas already rendered from the photo with [`render::render`], and its
/// `alpha` from [`canvas_matte`] of the same arguments: the photo is not read again, so a
/// caller that owns it can release it first.
pub fn correct_rendered(
    rendered: render::Rendered,
    alpha: Option<GrayImage>,
    face: &Face,
    plan: &CropPlan,
    spec: &Spec,
    matte: Option<&Matte>,
    background: Option<[u8; 3]>,
) -> Corrected {
    let colour = new_background(spec, background);
    let replace =
        matte.and_then(|m| replacement(spec, background, Some(m.confidence)).map(|c| (c, m)));
    let plan = plan.clone();
    let mut image = rendered.image;
    let canvas_face = face_on_canvas(face, &plan);

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
    // Read where exposure.brightness reads them, before the tone changes them.
    let eye_whites = (!canvas_face.eye_outlines.is_empty())
        .then(|| crate::face::eye_whites(&image, &canvas_face.eye_outlines));
    let tone = tone::correct_mut(
        &mut image,
        &tone::Regions {
            skin,
            background: alpha
                .as_ref()
                .filter(|_| replace.is_some_and(|(_, m)| m.colour_reference))
                .map(|_| &is_background as &dyn Fn(u32, u32) -> bool),
            eye_whites,
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
    Corrected {
        image,
        plan,
        canvas_face,
        background,
        tone,
        red_eye_fixed,
    }
}

/// One placement rule measured on the corrected canvas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeometryMeasure {
    /// Which rule: `face_width_px`, `top_margin_px`, `eye_to_bottom_px`, `eye_from_top_px`,
    /// `head_height_px`, `centre_offset_px`.
    pub rule: layout::Rule,
    /// The value on the canvas, px.
    pub value_px: f64,
    /// Lower bound, when there is one.
    pub min_px: Option<f64>,
    /// Upper bound, when there is one.
    pub max_px: Option<f64>,
    /// Whether it is within.
    pub ok: bool,
}

/// Measures every placement rule the spec sets on a canvas face (from [`face_on_canvas`]).
/// GA 461 lets over-tall hair be cropped to keep the eye line: with `hair_cropped` the crown is
/// above the canvas and the hair-top rule does not apply.
pub fn geometry(face: &Face, spec: &Spec, hair_cropped: bool) -> Vec<GeometryMeasure> {
    let layout = Layout::of(spec);
    let at = Placement::of(face, 1.0, layout.width_ref);
    layout
        .rules()
        .filter(|(rule, _)| !(hair_cropped && *rule == layout::Rule::TopMargin))
        .filter_map(|(rule, band)| {
            let v = at.measure(rule, &layout)?;
            Some(GeometryMeasure {
                rule,
                value_px: (v * 10.0).round() / 10.0,
                min_px: band.min,
                max_px: band.max,
                ok: band.contains(v),
            })
        })
        .collect()
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
    /// The print sheet written beside the corrected photo (`--sheet`); `None` when none was
    /// asked for or made.
    pub sheet: Option<PrintSheet>,
    /// Why the print sheet asked for was not made.
    pub sheet_skipped: Option<SheetSkipped>,
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
    /// The problem `id`, explained.
    pub fn of(id: Infeasible) -> Self {
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
    /// A correction that got as far as `status` and no further.
    pub fn empty(status: CorrectionStatus) -> Self {
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
            sheet: None,
            sheet_skipped: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn passport() -> Spec {
        crate::spec::Library::builtin()
            .unwrap()
            .resolve("dongguan", Some("passport"))
            .unwrap()
    }

    const WHITE: [u8; 3] = [255, 255, 255];
    const LIGHT_BLUE: [u8; 3] = [100, 197, 255];

    #[test]
    fn background_names_pick_the_specs_colours() {
        let spec = passport();
        for (wanted, rgb) in [
            ("white", WHITE),
            ("WHITE", WHITE),
            ("白色", WHITE),
            ("白", WHITE),
            ("light-blue", LIGHT_BLUE),
            ("blue", LIGHT_BLUE),
            (" Blue ", LIGHT_BLUE),
            ("浅蓝色", LIGHT_BLUE),
            ("蓝色", LIGHT_BLUE),
            ("蓝", LIGHT_BLUE),
        ] {
            assert_eq!(background_choice(&spec, wanted), Ok(rgb), "{wanted}");
        }
    }

    /// A hex the eye can hardly tell from an allowed colour picks it and the photo gets the
    /// spec's rgb; a darker studio blue (#628bce, ΔE00 ≈ 18.5 from the passport's light
    /// blue) is another colour.
    #[test]
    fn background_hex_picks_an_allowed_colour_within_one_jnd() {
        let spec = passport();
        assert_eq!(background_choice(&spec, "#64c5ff"), Ok(LIGHT_BLUE));
        assert_eq!(background_choice(&spec, "#64C5FF"), Ok(LIGHT_BLUE));
        assert_eq!(background_choice(&spec, "#65c4fe"), Ok(LIGHT_BLUE));
        assert_eq!(background_choice(&spec, "#fefefe"), Ok(WHITE));
        let far = crate::colour::delta_e2000(
            crate::colour::srgb_to_lab([0x62, 0x8b, 0xce]),
            crate::colour::srgb_to_lab(LIGHT_BLUE),
        );
        assert!(far > HEX_MATCH_DELTA_E, "{far}");
        assert!(background_choice(&spec, "#628bce").is_err());
        assert!(background_choice(&spec, "#12345").is_err());
    }

    #[test]
    fn a_colour_the_spec_does_not_allow_is_refused_with_the_allowed_ones() {
        let spec = passport();
        let refused = background_choice(&spec, "red").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "background \"red\" is not allowed for dongguan/passport; allowed: \
             white (白色, #ffffff), light-blue (浅蓝色, #64c5ff)"
        );
        assert!(background_choice(&spec, "红色").is_err());
        assert!(background_choice(&spec, "").is_err());
        assert!(background_choice(&spec, "色").is_err());

        let mut two_blues = spec.clone();
        let blue = |name: &str, rgb| BackgroundColour {
            name: name.into(),
            name_zh: None,
            rgb,
        };
        two_blues.body.background.allowed = Some(vec![
            blue("light-blue", LIGHT_BLUE),
            blue("dark-blue", [0, 60, 160]),
        ]);
        let refused = background_choice(&two_blues, "blue").unwrap_err();
        assert_eq!(refused.ambiguous, ["light-blue", "dark-blue"]);
        assert_eq!(background_choice(&two_blues, "dark-blue"), Ok([0, 60, 160]));

        let mut none = spec;
        none.body.background.allowed = None;
        let refused = background_choice(&none, "white").unwrap_err().to_string();
        assert!(refused.contains("names no background colour"), "{refused}");
    }

    #[test]
    fn the_chosen_colour_replaces_the_specs_first() {
        let spec = passport();
        assert_eq!(replacement(&spec, None, Some(0.9)), Some(WHITE));
        assert_eq!(
            replacement(&spec, Some(LIGHT_BLUE), Some(0.9)),
            Some(LIGHT_BLUE)
        );
        // An untrusted mask keeps the background whatever was chosen.
        assert_eq!(replacement(&spec, Some(LIGHT_BLUE), Some(0.1)), None);
        assert_eq!(replacement(&spec, Some(LIGHT_BLUE), None), None);
    }
}
