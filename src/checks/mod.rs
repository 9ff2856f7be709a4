//! Checks: each rule of a spec, judged on one photo.
//!
//! A check yields a [`Check`]: its [`CheckId`], a [`Status`], what was measured, what the spec
//! requires, and — when it does not pass — a hint in Chinese and English and the official
//! rejection reason a reviewer would give. [`ALL`] is the only registry: a new check is one type
//! implementing [`Rule`], one entry there, and its tests.

mod background;
mod exposure;
mod features;
mod file;
mod geometry;
mod quality;
pub(crate) mod regions;
mod retouch;

pub use background::{
    BackgroundClutter, BackgroundColour, BackgroundFrame, BackgroundShadow, BackgroundUniformity,
    ClothingContrast,
};
pub use exposure::{
    background_is_colour_reference, ColourCast, ColourPresent, Contrast, ExposureBalance,
    ExposureBrightness, ExposureClipping, ExposureEyes, Glare, GlassesTinted,
};
pub(crate) use exposure::{dim_by_eye_whites, Whites};
pub use features::{EyebrowsVisible, EyesOpen, EyesRed, MouthClosed, Yaw};
pub use file::{FileAspect, FileColourMode, FileDpi, FileFormat, FileKb, FilePixels};
pub use geometry::{
    Centring, CropPossible, EyesFromTop, EyesToBottom, FaceCount, FaceWidth, HeadHeight,
    InsideFrame, Roll, TopMargin,
};
pub use quality::{blockiness, sharpness, Compression, Noise, Sharpness};
pub use retouch::{posterisation, Posterisation};

use crate::decode::Photo;
pub use crate::lang::{Hint, Words};
use crate::spec::Spec;
use serde::Serialize;
use std::fmt;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The rule does not apply (the spec sets no value, or what it needs could not be measured).
    #[serde(rename = "na")]
    NotApplicable,
    /// Within the rule.
    Pass,
    /// Within the hard limit but outside what the document asks for; a reviewer may accept it.
    Warn,
    /// Breaks the rule: the photo would be rejected.
    Fail,
}

impl Status {
    /// The word shown in reports.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::NotApplicable => "N/A",
        }
    }

    /// A distance from the ideal graded by two limits: up to `warn` passes, up to `max` warns,
    /// beyond fails.
    pub fn graded(value: f64, warn: f64, max: f64) -> Status {
        if value <= warn {
            Status::Pass
        } else if value <= max {
            Status::Warn
        } else {
            Status::Fail
        }
    }
}

macro_rules! check_ids {
    ($($variant:ident => $id:literal, $doc:literal;)*) => {
        /// Stable identifiers of every check; the JSON report uses the string form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CheckId {
            $(#[doc = $doc] $variant,)*
        }

        impl CheckId {
            /// Every id, in report order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)*];

            /// The id as it appears in reports, e.g. `file.kb`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id,)*
                }
            }
        }
    };
}

check_ids! {
    FileFormat => "file.format", "File format by content (JPEG …).";
    FilePixels => "file.pixels", "Width × height in pixels.";
    FileAspect => "file.aspect", "Width / height ratio.";
    FileDpi => "file.dpi", "Resolution stored in the file.";
    FileColourMode => "file.colour_mode", "24-bit RGB without alpha.";
    FileKb => "file.kb", "File size in KB.";
    FaceCount => "face.count", "Exactly one face in the photo.";
    FaceWidth => "face.width", "Face width, cheek to cheek, in canvas pixels.";
    TopMargin => "head.top_margin", "Crown (hair included) below the top edge, canvas pixels.";
    EyesToBottom => "eyes.to_bottom", "Eye line above the bottom edge, canvas pixels.";
    EyesFromTop => "eyes.from_top", "Eye line below the top edge, canvas pixels.";
    Centring => "head.centring", "Face centre offset from the canvas centre.";
    Roll => "head.roll", "Eye-line tilt in degrees.";
    Yaw => "head.yaw", "Head turn away from the camera in degrees.";
    EyesOpen => "eyes.open", "Lid gap over eye width of the less open eye (closed eyes).";
    EyesRed => "eyes.red", "Share of flash-red pixels in the pupil of the redder eye (red eye).";
    MouthClosed => "mouth.closed", "Gap between the lips over the mouth width (teeth showing).";
    EyebrowsVisible => "eyebrows.visible", "Skin in the band above each eyebrow (a fringe over the brows).";
    InsideFrame => "head.inside_frame", "The head is not cut off at any edge.";
    HeadHeight => "head.height_ratio", "Crown-to-chin height as a fraction of the canvas height.";
    CropPossible => "crop.possible", "Whether a compliant crop of this photo exists.";
    BackgroundColour => "background.colour", "Mean background colour vs the allowed colours (CIEDE2000).";
    BackgroundUniformity => "background.uniformity", "Largest colour difference of a background region from the background mean.";
    BackgroundClutter => "background.clutter", "Background texture: a plain wall or a scene.";
    BackgroundShadow => "background.shadow", "Darker band on the background beside the head.";
    BackgroundFrame => "background.frame", "Straight frame edge near the border (photo of a photo, added border).";
    ExposureBrightness => "exposure.brightness", "Median L* of the face skin.";
    ExposureClipping => "exposure.clipping", "Fraction of the face clipped to white or black.";
    ExposureBalance => "exposure.balance", "L* difference between the left and right face halves.";
    ExposureEyes => "exposure.eyes", "Light in the eye regions against the cheeks (tinted glasses, shadow over the eyes).";
    GlassesTinted => "glasses.tinted", "Fall of light across a lens rim under the eyes (tinted glasses).";
    ColourCast => "colour.cast", "Colour cast of skin and neutral background, named by hue.";
    ColourPresent => "colour.present", "Share of clearly coloured pixels (a black-and-white photo fails).";
    Sharpness => "sharpness", "Face sharpness at a fixed face scale.";
    Compression => "compression", "JPEG blockiness on the face.";
    Contrast => "contrast", "L* spread of the face (haze).";
    Noise => "noise", "Grain in flat regions.";
    Glare => "glare", "Fraction of skin with specular glare.";
    Posterisation => "posterisation", "Comb in the face's colour histograms (tones posterised into bands).";
    ClothingContrast => "clothing.contrast", "Clothing vs the background colour (CIEDE2000).";
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The unit of a measured or required value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Pixels.
    Px,
    /// Kilobytes (1024 bytes).
    Kb,
    /// Dots per inch.
    Dpi,
    /// A plain ratio or fraction.
    Ratio,
    /// Degrees.
    Deg,
    /// CIEDE2000 colour difference.
    DeltaE,
    /// CIE L* lightness (0–100).
    Lightness,
    /// A count.
    Count,
    /// A score without physical unit (documented per check).
    Score,
    /// A name (format, colour mode …).
    Name,
}

impl Unit {
    fn suffix(self) -> &'static str {
        match self {
            Unit::Px => " px",
            Unit::Kb => " KB",
            Unit::Dpi => " dpi",
            Unit::Deg => "°",
            Unit::DeltaE => " ΔE",
            Unit::Lightness => " L*",
            Unit::Ratio | Unit::Count | Unit::Score | Unit::Name => "",
        }
    }
}

/// A measured or required value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// One number.
    Number(f64),
    /// Two numbers, e.g. width and height.
    Pair([f64; 2]),
    /// A name.
    Text(String),
}

/// What a check measured on the photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// The value.
    pub value: Value,
    /// Its unit.
    pub unit: Unit,
    /// The value as people read it, e.g. `576×768 px`.
    pub text: Words,
}

impl Measure {
    /// A single number, shown with `decimals` decimals.
    pub fn number(value: f64, unit: Unit, decimals: usize) -> Self {
        Measure {
            value: Value::Number(round_to(value, 4)),
            unit,
            text: Words::same(format!("{}{}", fmt_num(value, decimals), unit.suffix())),
        }
    }

    /// Width × height.
    pub fn size(w: f64, h: f64, unit: Unit) -> Self {
        Measure {
            value: Value::Pair([round_to(w, 4), round_to(h, 4)]),
            unit,
            text: Words::same(format!(
                "{}×{}{}",
                fmt_num(w, 0),
                fmt_num(h, 0),
                unit.suffix()
            )),
        }
    }

    /// A name, e.g. a format.
    pub fn name(name: impl Into<String>) -> Self {
        let name = name.into();
        Measure {
            text: Words::same(name.clone()),
            value: Value::Text(name),
            unit: Unit::Name,
        }
    }

    /// A free-form observation with no numeric value; its value is the English text.
    pub fn note(zh: impl Into<String>, en: impl Into<String>) -> Self {
        let mut m = Self::name(en);
        m.text.zh = zh.into();
        m
    }
}

/// What the spec requires of a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    /// Smallest accepted value, if bounded below.
    pub min: Option<Value>,
    /// Largest accepted value, if bounded above.
    pub max: Option<Value>,
    /// Accepted names, for named values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// Unit of `min` / `max`.
    pub unit: Unit,
    /// The requirement as people read it, e.g. `193–221 px`.
    pub text: Words,
}

impl Requirement {
    /// A closed range; either end may be open.
    pub fn range(min: Option<f64>, max: Option<f64>, unit: Unit, decimals: usize) -> Self {
        let s = unit.suffix();
        let same = Words::same;
        let text = match (min, max) {
            (Some(a), Some(b)) if (a - b).abs() < 1e-9 => {
                same(format!("{}{s}", fmt_num(a, decimals)))
            }
            (Some(a), Some(b)) => same(format!(
                "{}–{}{s}",
                fmt_num(a, decimals),
                fmt_num(b, decimals)
            )),
            (Some(a), None) => same(format!("≥ {}{s}", fmt_num(a, decimals))),
            (None, Some(b)) => same(format!("≤ {}{s}", fmt_num(b, decimals))),
            (None, None) => Words::new("不限", "any"),
        };
        Requirement {
            min: min.map(Value::Number),
            max: max.map(Value::Number),
            one_of: None,
            unit,
            text,
        }
    }

    /// The same requirement, its text followed by the wider range a reviewer still accepts
    /// (`"≥ 0.15 (accepted ≥ 0.12)"`); the bounds stay those asked for.
    pub fn accepting(mut self, wider: &str) -> Self {
        self.text.reword(
            |t| format!("{t} (accepted {wider})"),
            |t| format!("{t}（可接受 {wider}）"),
        );
        self
    }

    /// A width × height range.
    pub fn size(min: [f64; 2], max: [f64; 2], unit: Unit) -> Self {
        let text = if min == max {
            format!(
                "{}×{}{}",
                fmt_num(min[0], 0),
                fmt_num(min[1], 0),
                unit.suffix()
            )
        } else {
            format!(
                "{}–{} × {}–{}{}",
                fmt_num(min[0], 0),
                fmt_num(max[0], 0),
                fmt_num(min[1], 0),
                fmt_num(max[1], 0),
                unit.suffix()
            )
        };
        Requirement {
            min: Some(Value::Pair(min)),
            max: Some(Value::Pair(max)),
            one_of: None,
            unit,
            text: Words::same(text),
        }
    }

    /// One of several names.
    pub fn one_of(names: &[String]) -> Self {
        Requirement {
            min: None,
            max: None,
            one_of: Some(names.to_vec()),
            unit: Unit::Name,
            text: Words::new(names.join(" 或 "), names.join(" or ")),
        }
    }

    /// One state the check wants to see, named in both languages (`whole head visible`); its
    /// English name is the one accepted name.
    pub fn state(zh: &str, en: &str) -> Self {
        let mut r = Self::one_of(&[en.to_string()]);
        r.text.zh = zh.to_string();
        r
    }

    /// Whether a number lies within `[min, max]` (numeric requirements only).
    pub fn contains(&self, v: f64) -> bool {
        let lo = match self.min {
            Some(Value::Number(m)) => v >= m - 1e-9,
            _ => true,
        };
        let hi = match self.max {
            Some(Value::Number(m)) => v <= m + 1e-9,
            _ => true,
        };
        lo && hi && v.is_finite()
    }
}

/// The result of one check on one photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its outcome.
    pub status: Status,
    /// What was measured (absent when nothing could be measured).
    pub measured: Option<Measure>,
    /// What the spec requires (absent when the spec sets no rule).
    pub required: Option<Requirement>,
    /// How to fix it; present when the check does not pass.
    pub hint: Option<Hint>,
    /// The official rejection reason a Guangdong reviewer would give (Chinese label).
    pub official_reason: Option<&'static str>,
}

impl Check {
    /// A check the spec does not regulate or that could not be measured.
    pub fn not_applicable(id: CheckId, why: Hint) -> Self {
        Check {
            id,
            status: Status::NotApplicable,
            measured: None,
            required: None,
            hint: Some(why),
            official_reason: None,
        }
    }

    /// A judged check; the hint and reason are kept only when it does not pass.
    pub fn judged(
        id: CheckId,
        status: Status,
        measured: Measure,
        required: Requirement,
        hint: Hint,
        official_reason: Option<&'static str>,
    ) -> Self {
        let passed = status == Status::Pass;
        Check {
            id,
            status,
            measured: Some(measured),
            required: Some(required),
            hint: (!passed).then_some(hint),
            official_reason: if passed { None } else { official_reason },
        }
    }
}

/// Everything a rule may look at.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The spec judged against.
    pub spec: &'a Spec,
    /// The decoded photo and its file facts.
    pub photo: &'a Photo,
    /// The working-resolution copy every analysis stage shares (see
    /// [`crate::pipeline::ANALYSIS_MAX_SIDE`]).
    pub working: &'a crate::imageops::Scaled,
    /// The face stage's findings, when it ran.
    pub face: Option<&'a crate::face::FaceAnalysis>,
    /// The person mask at working resolution, when segmentation ran.
    pub mask: Option<&'a crate::segment::PersonMask>,
    /// The crop plan of the one face, when there is exactly one (`crop.possible` reports it).
    pub plan: Option<&'a crate::crop::CropPlan>,
}

/// One rule of a spec, judged on a photo.
pub trait Rule: Sync {
    /// The check this rule produces.
    fn id(&self) -> CheckId;
    /// Judges the photo.
    fn judge(&self, ctx: &Context<'_>) -> Check;
}

/// Every rule, in report order.
pub static ALL: &[&dyn Rule] = &[
    &FileFormat,
    &FilePixels,
    &FileAspect,
    &FileDpi,
    &FileColourMode,
    &FileKb,
    &FaceCount,
    &FaceWidth,
    &TopMargin,
    &EyesToBottom,
    &EyesFromTop,
    &Centring,
    &Roll,
    &Yaw,
    &EyesOpen,
    &EyesRed,
    &MouthClosed,
    &EyebrowsVisible,
    &InsideFrame,
    &HeadHeight,
    &CropPossible,
    &BackgroundColour,
    &BackgroundUniformity,
    &BackgroundClutter,
    &BackgroundShadow,
    &BackgroundFrame,
    &ExposureBrightness,
    &ExposureClipping,
    &ExposureBalance,
    &ExposureEyes,
    &GlassesTinted,
    &ColourCast,
    &ColourPresent,
    &Sharpness,
    &Compression,
    &Contrast,
    &Noise,
    &Glare,
    &Posterisation,
    &ClothingContrast,
];

/// Something the review rejects that no check judges, so the report asks the person to look
/// for it themselves (`docs/checks.md` "Not judged" says why each is left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unjudged {
    /// Stable id, e.g. `headwear`.
    pub id: &'static str,
    /// What to look for, Chinese.
    pub zh: &'static str,
    /// What to look for, English.
    pub en: &'static str,
    /// The review's reason for rejecting it.
    pub official_reason: &'static str,
}

/// What the review rejects and no check judges, in the order a person would look: the head,
/// the face, the photo.
pub static NOT_JUDGED: &[Unjudged] = &[
    Unjudged {
        id: "headwear",
        zh: "帽子、头巾、发带或头饰",
        en: "hats, hoods, bands or head ornaments",
        official_reason: "不能戴帽子",
    },
    Unjudged {
        id: "hair",
        zh: "头发遮住眼睛、脸或耳朵",
        en: "hair over the eyes, face or ears",
        official_reason: "头发不能遮住眼睛",
    },
    Unjudged {
        id: "glasses",
        zh: "粗框眼镜、镜片反光",
        en: "thick frames, reflections on the lenses",
        official_reason: "镜片或镜框反光",
    },
    Unjudged {
        id: "jewellery",
        zh: "耳环、项链等饰品",
        en: "earrings, necklaces and other jewellery",
        official_reason: "不能佩戴饰品",
    },
    Unjudged {
        id: "make_up",
        zh: "浓妆",
        en: "heavy make-up",
        official_reason: "不能化浓妆",
    },
    Unjudged {
        id: "retouching",
        zh: "美颜磨皮",
        en: "beauty-filter smoothing",
        official_reason: "图像处理过度",
    },
    Unjudged {
        id: "cast_on_coloured_backdrop",
        zh: "彩色背景下的偏色",
        en: "a colour cast on a coloured backdrop",
        official_reason: "照片偏黄",
    },
    Unjudged {
        id: "clothing",
        zh: "制服、领口过低或过高、围巾",
        en: "uniforms, collars too low or high, scarves",
        official_reason: "衣着不当",
    },
    Unjudged {
        id: "shoulders",
        zh: "肩膀不平",
        en: "shoulders not level",
        official_reason: "姿势不正",
    },
];

/// Runs every rule on a photo.
pub fn run(ctx: &Context<'_>) -> Vec<Check> {
    // Each rule judges alone; a spare core takes some of them.
    crate::parallel::map(ALL, |rule| rule.judge(ctx))
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// Formats a number with at most `decimals` decimals, dropping trailing zeros.
pub(crate) fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::{Face, FaceAnalysis, Sides};
    use crate::spec::HeadRules;

    /// The checks of `face` in a white photo of `size`, planned and judged as the pipeline does.
    fn outcome(spec: &Spec, face: &Face, size: (u32, u32)) -> Vec<(CheckId, Status)> {
        let photo = geometry::tests::photo(size.0, size.1);
        let working = crate::imageops::downscale(&photo.image, crate::pipeline::ANALYSIS_MAX_SIDE);
        let analysis = FaceAnalysis::single(face.clone());
        let plan = crate::pipeline::plan(face, size, spec, None);
        let ctx = Context {
            spec,
            photo: &photo,
            working: &working,
            face: Some(&analysis),
            mask: None,
            plan: Some(&plan),
        };
        run(&ctx).into_iter().map(|c| (c.id, c.status)).collect()
    }

    /// Every rule of a spec's `[head]` table is judged by a check of its own: set to a value no
    /// face meets, it changes the outcome of some check other than `crop.possible` on a
    /// compliant face, on a photo at the canvas size or on a larger phone photo. Steering the
    /// crop is not judging (`head.eye_from_top_px` once steered the crop, and no check told a
    /// person whose photo broke it). Only the correction's own limits are judged by
    /// `crop.possible`. The literal below names every field, so a new field does not compile
    /// until it is listed, with the value that breaks it.
    #[test]
    fn every_head_rule_of_a_spec_is_judged_by_a_check() {
        let breaking = HeadRules {
            face_width_px: Some([1e6, 2e6]),
            // The compliant face below has no head outline measured.
            face_width_ref: Some("head".into()),
            top_margin_px: Some([1e6, 2e6]),
            head_top_ref: Some("skull".into()),
            eye_to_bottom_min_px: Some(1e6),
            eye_from_top_px: Some([1e6, 2e6]),
            head_height_px: Some([1e6, 2e6]),
            centring_tolerance_px: Some(-1.0),
            max_roll_deg: Some(-1.0),
            max_yaw_deg: Some(-1.0),
            warn_yaw_deg: Some(-1.0),
            min_eye_opening: Some(1e6),
            warn_eye_opening: Some(1e6),
            max_red_eye: Some(-1.0),
            max_mouth_opening: Some(-1.0),
            warn_mouth_opening: Some(-1.0),
            min_brow_skin: Some(1e6),
            warn_brow_skin: Some(1e6),
            max_upscale: Some(1e-6),
            max_fix_roll_deg: Some(-1.0),
        };
        let fields = toml::Table::try_from(&breaking).unwrap();
        assert_eq!(fields.len(), 20, "a field serialised as nothing");
        let base = crate::spec::dongguan_id_card();
        let face = Face {
            eye_opening: Some(Sides {
                right: 0.3,
                left: 0.3,
            }),
            mouth_opening: Some(0.0),
            brow_skin: Some(Sides {
                right: 1.0,
                left: 1.0,
            }),
            ..geometry::tests::compliant_face(0.0, 0.5)
        };
        // The same face in a photo twice the canvas, with room around it.
        let mut far = face.clone();
        for p in [&mut far.left_eye, &mut far.right_eye, &mut far.chin] {
            *p = [p[0] * 2.0 + 358.0, p[1] * 2.0 + 200.0];
        }
        far.crown = far.crown.map(|c| [c[0] * 2.0 + 358.0, c[1] * 2.0 + 200.0]);
        far.face_left_x = far.face_left_x * 2.0 + 358.0;
        far.face_right_x = far.face_right_x * 2.0 + 358.0;
        far.face_width_y = far.face_width_y * 2.0 + 200.0;
        far.bbox = [
            far.bbox[0] * 2.0 + 358.0,
            far.bbox[1] * 2.0 + 200.0,
            414.0,
            600.0,
        ];
        let scenes = [(&face, (358, 441)), (&far, (1432, 1400))];
        let before: Vec<_> = scenes.iter().map(|(f, s)| outcome(&base, f, *s)).collect();
        let mut unjudged = Vec::new();
        let correction_limits = ["max_upscale", "max_fix_roll_deg"];
        for (key, value) in &fields {
            let mut head = toml::Table::try_from(&base.body.head).unwrap();
            head.insert(key.clone(), value.clone());
            // A limit broken with its warning level left above it would be a spec the
            // validator rejects: the warning level moves with it.
            let rest = key.strip_prefix("max_").or(key.strip_prefix("min_"));
            if let Some(warn) = rest.map(|r| format!("warn_{r}")) {
                if head.contains_key(&warn) {
                    head.insert(warn, value.clone());
                }
            }
            let mut spec = base.clone();
            spec.body.head = head.try_into().unwrap();
            let mut changed = Vec::new();
            for ((f, size), b) in scenes.iter().zip(&before) {
                let after = outcome(&spec, f, *size);
                changed.extend(
                    after
                        .iter()
                        .zip(b)
                        .filter(|(a, b)| a != b)
                        .map(|(a, _)| a.0),
                );
            }
            let judges = |id: &CheckId| {
                (*id == CheckId::CropPossible) == correction_limits.contains(&key.as_str())
            };
            if !changed.iter().any(judges) {
                unjudged.push(key.clone());
            }
        }
        assert!(unjudged.is_empty(), "judged by no check: {unjudged:?}");
    }

    #[test]
    fn registry_has_each_id_once_in_declared_order() {
        let ids: Vec<CheckId> = ALL.iter().map(|r| r.id()).collect();
        let declared: Vec<CheckId> = CheckId::ALL
            .iter()
            .copied()
            .filter(|id| ids.contains(id))
            .collect();
        assert_eq!(ids, declared);
        assert_eq!(ids.len(), CheckId::ALL.len(), "every CheckId has a rule");
    }

    #[test]
    fn range_requirement_text_and_bounds() {
        let r = Requirement::range(Some(193.0), Some(221.0), Unit::Px, 0);
        assert_eq!(r.text, Words::same("193–221 px"));
        assert!(r.contains(193.0) && r.contains(221.0));
        assert!(!r.contains(192.5) && !r.contains(f64::NAN));
        assert_eq!(
            Requirement::range(Some(207.0), None, Unit::Px, 0).text,
            Words::same("≥ 207 px")
        );
    }

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(fmt_num(14.50, 1), "14.5");
        assert_eq!(fmt_num(350.0, 1), "350");
        assert_eq!(fmt_num(0.8118, 3), "0.812");
    }
}
