//! The shape of a spec: what a `specs/*.toml` file may say.
//!
//! Every rule is optional in a single file, because a city file overrides only what really differs
//! from its base. After inheritance ([`super::Library::resolve`]) the canvas must be complete; a rule
//! still unset means the spec does not regulate that aspect and its check reports "na".
//! Field-by-field documentation with units lives in `specs/README.md`.

use serde::{Deserialize, Serialize};

/// A closed range `[min, max]` in the unit its key names (`_px`, `_kb`, `_deg` …).
pub type Range = [f64; 2];

/// The body of one spec: a base document spec (`specs/base/*.toml`) or one `[documents.<id>]`
/// table of a city file. Inheritance merges these table by table, child over parent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Base specs only: the id other specs name in `extends`.
    pub id: Option<String>,
    /// Display name of the document, Chinese.
    pub name_zh: Option<String>,
    /// Display name of the document, English.
    pub name_en: Option<String>,
    /// Other names `--doc` accepts (e.g. `身份证`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The base spec this one refines. City documents default to the base of the same id.
    pub extends: Option<String>,
    /// The standard the numbers come from, e.g. `GA 461-2004`.
    pub standard: Option<String>,
    /// Where the numbers come from; accumulated along the inheritance chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Free-text caveats (uncertain values, what was not found).
    pub notes: Option<String>,
    /// Marks a base that only exists to be extended (`specs list` hides it).
    pub abstract_base: Option<bool>,
    /// Output canvas.
    #[serde(default, skip_serializing_if = "is_default")]
    pub canvas: Canvas,
    /// File-level rules.
    #[serde(default, skip_serializing_if = "is_default")]
    pub file: FileRules,
    /// Background rules.
    #[serde(default, skip_serializing_if = "is_default")]
    pub background: BackgroundRules,
    /// Head and face geometry rules, in output-canvas pixels.
    #[serde(default, skip_serializing_if = "is_default")]
    pub head: HeadRules,
    /// Exposure, colour and sharpness thresholds.
    #[serde(default, skip_serializing_if = "is_default")]
    pub quality: QualityRules,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// The picture the document wants, in pixels and millimetres.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Canvas {
    /// Target width in pixels (the corrected photo has exactly this width).
    pub width_px: Option<u32>,
    /// Target height in pixels.
    pub height_px: Option<u32>,
    /// Accepted widths when the document allows a range (`[min, max]`); default: exactly `width_px`.
    pub accept_width_px: Option<Range>,
    /// Accepted heights when the document allows a range; default: exactly `height_px`.
    pub accept_height_px: Option<Range>,
    /// Allowed relative deviation of width/height from the target aspect ratio (0.01 = 1 %).
    pub aspect_tolerance: Option<f64>,
    /// Resolution written into the file, dots per inch.
    pub dpi: Option<f64>,
    /// Accepted dpi range when the document allows one; default: exactly `dpi` (±0.5).
    pub accept_dpi: Option<Range>,
    /// Printed size `[width, height]` in millimetres.
    pub size_mm: Option<[f64; 2]>,
}

/// Rules about the file as a file: format, colour mode, size on disk.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileRules {
    /// Accepted formats by content: `jpeg`, `png`, `webp`, `bmp`, `tiff`.
    pub formats: Option<Vec<String>>,
    /// Required colour mode: `rgb24` (8-bit RGB, no alpha) is the only one any document asks for.
    pub colour_mode: Option<String>,
    /// The size the document asks for, KB (1 KB = 1024 bytes). Outside: a warning, or a failure
    /// when `kb_strict` is true.
    pub kb: Option<Range>,
    /// Whether leaving `kb` is a failure (true) or a warning (false, the standard says "一般").
    pub kb_strict: Option<bool>,
    /// Outside this range a file fails even when `kb_strict` is false.
    pub kb_hard: Option<Range>,
    /// The JPEG quality the standard names, used as the starting point when encoding.
    pub jpeg_quality: Option<u8>,
}

/// One background colour a document accepts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BackgroundColour {
    /// Short English name, e.g. `white`.
    pub name: String,
    /// Display name in Chinese, e.g. `白色`.
    pub name_zh: Option<String>,
    /// The reference colour, sRGB 0–255.
    pub rgb: [u8; 3],
}

/// Background rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BackgroundRules {
    /// Accepted colours; the first is the one the corrected photo gets.
    pub allowed: Option<Vec<BackgroundColour>>,
    /// Largest CIEDE2000 distance between the mean background and an accepted colour.
    pub max_delta_e: Option<f64>,
    /// Above this distance (but within `max_delta_e`) the colour check warns.
    pub warn_delta_e: Option<f64>,
    /// Largest spread of the background (see `specs/README.md` for the measure).
    pub max_uniformity: Option<f64>,
    /// Largest darkening next to the head (L* units) before it counts as a shadow.
    pub max_shadow_l: Option<f64>,
    /// Smallest CIEDE2000 distance between clothing and the background colour.
    pub min_clothing_delta_e: Option<f64>,
    /// Largest background texture (mean luma gradient, 0–100 scale per working pixel) of a
    /// plain background.
    pub max_clutter: Option<f64>,
    /// Smallest segmentation confidence (0–1) for background checks to judge at all.
    pub min_mask_confidence: Option<f64>,
    /// Largest fraction of a side that a straight edge near the border may span.
    pub max_frame_fraction: Option<f64>,
}

/// Head geometry, in pixels of the output canvas (the spec's own coordinates).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HeadRules {
    /// Face width, cheek to cheek at the ear roots (GA 461 脸部宽), or the head's whole width
    /// with `face_width_ref = "head"`.
    pub face_width_px: Option<Range>,
    /// What the face width is measured across: `cheeks` (GA 461 脸部宽, the default) or `head`
    /// (the head's outline above the eye line, hair included: the exit-entry rules' 头部宽度).
    pub face_width_ref: Option<String>,
    /// Distance from the top edge to the crown (hair included, GA 461 头顶发际).
    pub top_margin_px: Option<Range>,
    /// What the top margin is measured to: `hair` (China) or `skull` (ICAO).
    pub head_top_ref: Option<String>,
    /// Smallest distance from the eye line to the bottom edge.
    pub eye_to_bottom_min_px: Option<f64>,
    /// Allowed band of the eye line measured from the top edge.
    pub eye_from_top_px: Option<Range>,
    /// Head height, crown to chin.
    pub head_height_px: Option<Range>,
    /// Largest horizontal offset of the face centre from the canvas centre.
    pub centring_tolerance_px: Option<f64>,
    /// Largest eye-line tilt in degrees.
    pub max_roll_deg: Option<f64>,
    /// Largest head turn (yaw) in degrees.
    pub max_yaw_deg: Option<f64>,
    /// Head turn above which the check warns (at most `max_yaw_deg`).
    pub warn_yaw_deg: Option<f64>,
    /// Smallest eye opening (lid gap over eye width, of the less open eye); below it the eyes
    /// count as closed.
    pub min_eye_opening: Option<f64>,
    /// Eye opening below which the check warns (at least `min_eye_opening`).
    pub warn_eye_opening: Option<f64>,
    /// Largest share of flash-red pixels in the pupil of either eye; above it the photo has
    /// red eye.
    pub max_red_eye: Option<f64>,
    /// Largest gap between the lips over the mouth width; above it teeth show or the mouth is
    /// open.
    pub max_mouth_opening: Option<f64>,
    /// Lip gap above which the check warns (at most `max_mouth_opening`).
    pub warn_mouth_opening: Option<f64>,
    /// Smallest share of skin in the band just above each eyebrow; below it a fringe (or a
    /// hat) covers the brows.
    pub min_brow_skin: Option<f64>,
    /// Share of skin above the brows below which the check warns (at least `min_brow_skin`).
    pub warn_brow_skin: Option<f64>,
    /// Largest enlargement the corrected photo may apply to the source.
    pub max_upscale: Option<f64>,
    /// Largest tilt the corrected photo straightens; beyond it no crop is offered.
    pub max_fix_roll_deg: Option<f64>,
}

/// Exposure, colour and sharpness thresholds (defaults in `specs/base/common.toml`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QualityRules {
    /// Accepted mean L* of the face skin.
    pub face_l: Option<Range>,
    /// Largest fraction of face pixels clipped at black or white.
    pub max_clipped_fraction: Option<f64>,
    /// Largest left/right difference of mean face L*.
    pub max_balance_l: Option<f64>,
    /// Largest chroma of the background or skin away from its expected hue.
    pub max_cast_chroma: Option<f64>,
    /// CIELAB hue angle range (degrees) of natural skin; skin outside it confirms that a
    /// background off its allowed colour is a colour cast, not a coloured wall.
    pub skin_hue_deg: Option<Range>,
    /// Smallest share of the photo's pixels that are clearly coloured: below it the photo is
    /// black and white.
    pub min_coloured_fraction: Option<f64>,
    /// Smallest face sharpness (see `specs/README.md`).
    pub min_sharpness: Option<f64>,
    /// Largest JPEG blockiness.
    pub max_blockiness: Option<f64>,
    /// Smallest face contrast (L* spread, p95 − p5).
    pub min_contrast_l: Option<f64>,
    /// Largest noise level in flat regions (L* standard deviation).
    pub max_noise_l: Option<f64>,
    /// Largest fraction of face pixels that are specular glare.
    pub max_glare_fraction: Option<f64>,
    /// Smallest light in the eye regions as a fraction of the cheeks' (tinted glasses, a
    /// shadow over the eyes).
    pub min_eye_light: Option<f64>,
    /// Smallest ratio of the light above to the light below any line under the eyes: a
    /// lens's rim makes it fall to the lens's transmittance (tinted glasses).
    pub min_lens_edge: Option<f64>,
    /// Largest comb in the face's colour histograms (posterised tones, see `specs/README.md`).
    pub max_posterisation: Option<f64>,
    /// Skin L* below which the face may be dark skin or dim light: there the eye whites judge
    /// the light (`min_sclera_l`).
    pub dim_skin_l: Option<f64>,
    /// Smallest L* of the eye whites of a face whose skin is darker than `dim_skin_l`: below it
    /// the light is too dim.
    pub min_sclera_l: Option<f64>,
    /// Fewest eye-white pixels (both eyes, photo pixels) that are read as a reference; with
    /// fewer the eye whites judge nothing.
    pub min_sclera_pixels: Option<f64>,
}

/// The `[city]` table of a city file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CityMeta {
    /// Stable short English id, e.g. `dongguan`.
    pub id: String,
    /// Chinese name, e.g. `东莞`.
    pub name_zh: String,
    /// English name, e.g. `Dongguan`.
    pub name_en: String,
    /// Province, Chinese.
    pub province_zh: Option<String>,
    /// Other names `--city` accepts, e.g. `东莞市`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Where the city facts come from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A whole city file: its `[city]` table and one `[documents.<id>]` table per document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CityFile {
    pub city: CityMeta,
    #[serde(default)]
    pub documents: std::collections::BTreeMap<String, Body>,
}
