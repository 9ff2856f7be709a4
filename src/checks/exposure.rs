//! Light and colour on the face: brightness, clipping, left/right balance, colour cast,
//! contrast (haze) and glare. Regions: [`super::regions`].

use super::regions::{self, at_least, at_most, no_face, no_rule, FaceGeom, Rect};
use super::{Check, CheckId, Context, Hint, Measure, Requirement, Rule, Status, Unit};
use crate::colour::{
    chroma, lightness, lightness_of_luminance, luminance, srgb_to_lab, Cast, MeanColour,
};
use crate::spec::QualityRules;
use crate::stats::quantile;

/// Channel value at or above which a pixel counts as a clipped highlight.
const CLIP_HIGH: u8 = 250;
/// Largest channel at or below which a pixel counts as a crushed shadow.
const CLIP_LOW: u8 = 8;
/// OFIQ NaturalColour's box of natural skin in a*, b* (ISO/IEC 29794-5, `NaturalColour.cpp`).
const SKIN_A: [f32; 2] = [5.0, 25.0];
const SKIN_B: [f32; 2] = [5.0, 35.0];
/// An allowed background colour with less chroma than this is neutral (white, grey): its own
/// chroma in the photo is a cast.
const NEUTRAL_CHROMA: f32 = 10.0;
/// Glare: skin at least this much brighter (L*) than the median skin, ...
const GLARE_ABOVE_MEDIAN: f32 = 15.0;
/// ... at least this bright (L*), ...
const GLARE_MIN_L: f32 = 80.0;
/// ... and nearly colourless (HSV saturation), like a specular reflection of the light: a
/// highlight takes the light's colour, while skin, even pale skin in bright soft light, keeps
/// a saturation of 0.12 and up. At 0.25 the bright pale skin of hv_test2 and hv_test4 (no shine
/// seen by eye) read 0.12 and 0.15; at 0.10, 0.04 and 0.00, while the painted highlights of the
/// metamorphic test (tests/quality.rs) still fail.
const GLARE_MAX_SATURATION: f32 = 0.10;
/// A pixel counts as glare by degrees, not all or nothing: fully within this much of both
/// limits on their glare side (saturation 0.06 and less, L* 2.5 over the floor), not at all as
/// far beyond them, linearly between. Counted all or nothing, the JPEG chroma of a borderline
/// highlight (hv_test2's nose bridge) moved the reading by a fifth: the same photo read 0.046
/// as PNG, 0.032 to 0.055 re-saved as JPEG, and its corrected photo failed `glare` although the
/// photo had passed. Counted by degrees those read 0.037–0.045; faces without shine and the
/// painted highlights of the metamorphic test read as before.
const GLARE_SATURATION_SOFTNESS: f32 = 0.04;
const GLARE_L_SOFTNESS: f32 = 2.5;

/// Mean L* of the face skin.
pub struct ExposureBrightness;

impl Rule for ExposureBrightness {
    fn id(&self) -> CheckId {
        CheckId::ExposureBrightness
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some([lo, hi]) = ctx.spec.body.quality.face_l else {
            return no_rule(self.id(), "quality.face_l");
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let mut l: Vec<f32> = face.skin(&ctx.working.image).map(lightness).collect();
        let Some(v) = quantile(&mut l, 0.5).map(f64::from) else {
            return no_face(ctx, self.id());
        };
        let mut required = Requirement::range(Some(lo), Some(hi), Unit::Lightness, 0);
        // Skin as dark as dark skin in good light may be a dim photo: the eye whites, lit by
        // the same light, tell the two apart.
        let whites = eye_whites(ctx);
        let q = &ctx.spec.body.quality;
        let dim = dim_by_eye_whites(q, v, &whites);
        if let (Whites::Read(..), Some(skin), Some(min)) = (&whites, q.dim_skin_l, q.min_sclera_l) {
            if v < skin {
                required.text.reword(
                    |t| format!("{t}; below {skin:.0}, eye whites ≥ {min:.0} L*"),
                    |t| format!("{t}；低于 {skin:.0} 时眼白 ≥ {min:.0} L*"),
                );
            }
        }
        let dark = v < lo || dim;
        let status = if required.contains(v) && !dim {
            Status::Pass
        } else {
            Status::Fail
        };
        let mut measured = Measure::number(v, Unit::Lightness, 1);
        let (note, note_zh) = whites.note();
        if !note.is_empty() {
            measured.text.reword(
                |t| format!("{t} (skin{note})"),
                |t| format!("{t}（皮肤{note_zh}）"),
            );
        }
        Check::judged(
            self.id(),
            status,
            measured,
            required,
            if dim && v >= lo {
                Hint::new(
                    "光线太暗：眼白也发暗，面向窗户在白天拍摄，或增加正面光线",
                    "the light is too dim (the eye whites are dark too): shoot by day facing a window, or add light from the front",
                )
            } else if dark {
                Hint::new(
                    "脸部太暗：面向窗户在白天拍摄，或增加正面光线",
                    "the face is too dark: shoot by day facing a window, or add light from the front",
                )
            } else {
                Hint::new(
                    "脸部太亮：避免强光直射和闪光灯，降低曝光",
                    "the face is too bright: avoid direct sun and flash, lower the exposure",
                )
            },
            Some(if dark { "曝光不足" } else { "曝光过度" }),
        )
    }
}

/// Fractions of the face clipped to white or crushed to black.
pub struct ExposureClipping;

impl Rule for ExposureClipping {
    fn id(&self) -> CheckId {
        CheckId::ExposureClipping
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_clipped_fraction else {
            return no_rule(self.id(), "quality.max_clipped_fraction");
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let (mut n, mut high, mut low) = (0usize, 0usize, 0usize);
        for p in face.oval(&ctx.working.image) {
            n += 1;
            let m = p[0].max(p[1]).max(p[2]);
            high += usize::from(m >= CLIP_HIGH);
            low += usize::from(m <= CLIP_LOW);
        }
        if n == 0 {
            return no_face(ctx, self.id());
        }
        let (fh, fl) = (high as f64 / n as f64, low as f64 / n as f64);
        let v = fh.max(fl);
        let mut measured = Measure::number(v, Unit::Ratio, 3);
        measured.text.reword(
            |t| format!("{t} (white {fh:.3}, black {fl:.3})"),
            |t| format!("{t}（过白 {fh:.3}，过黑 {fl:.3}）"),
        );
        let over = fh >= fl;
        at_most(
            self.id(),
            measured,
            v,
            max,
            3,
            if over {
                Hint::new(
                    "脸部有过曝成纯白的区域：降低曝光，避免强光直射",
                    "parts of the face are blown out to white: lower the exposure, avoid direct light",
                )
            } else {
                Hint::new(
                    "脸部有死黑的区域：增加正面光线",
                    "parts of the face are crushed to black: add light from the front",
                )
            },
            Some(if over { "曝光过度" } else { "曝光不足" }),
        )
    }
}

/// Left vs right half of the face.
pub struct ExposureBalance;

impl Rule for ExposureBalance {
    fn id(&self) -> CheckId {
        CheckId::ExposureBalance
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_balance_l else {
            return no_rule(self.id(), "quality.max_balance_l");
        };
        // Mirrored skin pairs of the two cheeks (OFIQ's IlluminationUniformity compares the
        // halves too): fixed patches fell on a beard or a glasses shadow on one side only.
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let Some((l, r)) = balance(&ctx.working.image, &face) else {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "两颊可见皮肤太少，无法比较左右光线",
                    "too little bare skin on the cheeks to compare left and right light",
                ),
            );
        };
        let v = f64::from((l - r).abs());
        let mut measured = Measure::number(v, Unit::Lightness, 1);
        measured.text.reword(
            |t| format!("{t} (image left {l:.0}, right {r:.0})"),
            |t| format!("{t}（画面左 {l:.0}，右 {r:.0}）"),
        );
        at_most(
            self.id(),
            measured,
            v,
            max,
            1,
            Hint::new(
                "脸部一侧偏暗（侧光或阴影）：正对光源，或在暗侧补光",
                "one side of the face is darker (side light or a shadow): face the light, or add light on the dark side",
            ),
            Some("曝光不均匀"),
        )
    }
}

/// Tinted glasses or a shadow over the eyes (配戴有色眼镜): the eye regions' light against the
/// cheeks' ([`FaceGeom::eye_light`]).
pub struct ExposureEyes;

impl Rule for ExposureEyes {
    fn id(&self) -> CheckId {
        CheckId::ExposureEyes
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        lens_light(
            ctx,
            self.id(),
            (ctx.spec.body.quality.min_eye_light, "quality.min_eye_light"),
            FaceGeom::eye_light,
            Hint::new(
                "眼部或两颊不在照片内，无法比较光线",
                "the eyes or the cheeks lie outside the photo, so their light cannot be compared",
            ),
            ("of the cheeks' light", "为两颊亮度的"),
            Hint::new(
                "眼部比两颊暗得多：摘下有色眼镜，或调整光线让眼部不在阴影中",
                "the eyes are much darker than the cheeks: take off tinted glasses, or light the face so no shadow falls over the eyes",
            ),
        )
    }
}

/// Tinted glasses by the rims of their lenses (配戴有色眼镜): the fall of light across a line
/// under the eyes ([`FaceGeom::lens_edge`]). Unlike [`ExposureEyes`] it does not depend on how
/// light the eyes are against the cheeks, which varies from face to face more than a lens
/// passing a quarter of the light darkens them.
pub struct GlassesTinted;

impl Rule for GlassesTinted {
    fn id(&self) -> CheckId {
        CheckId::GlassesTinted
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        lens_light(
            ctx,
            self.id(),
            (ctx.spec.body.quality.min_lens_edge, "quality.min_lens_edge"),
            FaceGeom::lens_edge,
            Hint::new(
                "眼睛下方不在照片内，无法判断是否配戴有色眼镜",
                "the face below the eyes lies outside the photo, so tinted glasses cannot be judged",
            ),
            (
                "of the light passes the sharpest edge under the eyes",
                "眼睛下方最明显的明暗边界透光",
            ),
            Hint::new(
                "眼睛周围有一圈明显变暗，像有色镜片：摘下有色眼镜后重拍",
                "a sharply darker area surrounds the eyes, like a tinted lens: take off tinted glasses and retake",
            ),
        )
    }
}

/// Judges a light ratio around the eyes that tinted lenses lower (配戴有色眼镜): `measure` on the
/// working copy must keep at least the spec's `limit` (its value and key); `unmeasured` says why
/// there is nothing to judge, `words` (English after the value, Chinese before it) what the
/// ratio is of.
fn lens_light(
    ctx: &Context<'_>,
    id: CheckId,
    (limit, key): (Option<f64>, &str),
    measure: fn(&FaceGeom, &image::RgbImage) -> Option<f32>,
    unmeasured: Hint,
    (words_en, words_zh): (&str, &str),
    hint: Hint,
) -> Check {
    let Some(min) = limit else {
        return no_rule(id, key);
    };
    let Some(face) = FaceGeom::of(ctx) else {
        return no_face(ctx, id);
    };
    let Some(v) = measure(&face, &ctx.working.image) else {
        return Check::not_applicable(id, unmeasured);
    };
    let v = f64::from(v);
    let mut measured = Measure::number(v, Unit::Ratio, 2);
    measured
        .text
        .reword(|t| format!("{t} {words_en}"), |t| format!("{words_zh} {t}"));
    at_least(id, measured, v, min, 2, hint, Some("配戴有色眼镜"))
}

/// Quantile of each cheek's skin L* taken as its light level: stubble, pores and creases only
/// darken skin, so the upper quartile follows the light rather than the skin's texture (on the
/// shared photos a stubbly cheek moves the median 4 L* more than the upper quartile).
const BALANCE_QUANTILE: f32 = 0.75;

/// Light level ([`BALANCE_QUANTILE`] of L*) of the image-left and image-right cheek skin, from
/// mirrored skin pairs; `None` when too little of the cheeks is bare skin.
fn balance(img: &image::RgbImage, face: &FaceGeom) -> Option<(f32, f32)> {
    let (mut left, mut right) = face.mirrored_skin(img);
    Some((
        quantile(&mut left, BALANCE_QUANTILE)?,
        quantile(&mut right, BALANCE_QUANTILE)?,
    ))
}

/// Mean a*b* of the cheeks' skin.
fn cheek_ab(ctx: &Context<'_>) -> Option<[f32; 2]> {
    let face = FaceGeom::of(ctx)?;
    let mut m = MeanColour::default();
    face.cheeks()
        .iter()
        .flat_map(|r| r.pixels(&ctx.working.image))
        .for_each(|p| m.add(p));
    m.lab().map(|[_, a, b]| [a, b])
}

/// What the eye whites of the main face say, read at the photo's own resolution.
pub(crate) enum Whites {
    /// Enough of them show: their L*a*b* and how many pixels were read.
    Read(crate::colour::Lab, usize),
    /// Too few show to be a reference (narrow eyes, glare on glasses, a small face).
    TooFew(usize),
    /// The spec reads no eye whites, or the face stage gave no eye outline.
    Unread,
}

fn eye_whites(ctx: &Context<'_>) -> Whites {
    let Some(min) = ctx.spec.body.quality.min_sclera_pixels else {
        return Whites::Unread;
    };
    let Some(face) = ctx.face.and_then(|a| a.face.as_ref()) else {
        return Whites::Unread;
    };
    if face.eye_outlines.is_empty() {
        return Whites::Unread;
    }
    Whites::of(
        min,
        &crate::face::eye_whites(&ctx.photo.image, &face.eye_outlines),
    )
}

/// Whether a face whose skin has median L* `skin_l` is in dim light: darker than
/// `quality.dim_skin_l`, as dark skin in good light may be, with eye whites darker than
/// `quality.min_sclera_l`, which good light leaves bright on any skin. The one rule behind
/// `exposure.brightness` and the correction's exposure.
pub(crate) fn dim_by_eye_whites(q: &QualityRules, skin_l: f64, whites: &Whites) -> bool {
    match (whites, q.dim_skin_l, q.min_sclera_l) {
        (Whites::Read([l, ..], _), Some(skin), Some(min)) => skin_l < skin && f64::from(*l) < min,
        _ => false,
    }
}

impl Whites {
    /// The reading `w`, a reference when it holds at least `min_pixels` pixels.
    pub(crate) fn of(min_pixels: f64, w: &crate::face::EyeWhites) -> Whites {
        match w.lab {
            Some(lab) if w.pixels as f64 >= min_pixels => Whites::Read(lab, w.pixels),
            _ => Whites::TooFew(w.pixels),
        }
    }

    /// The note a measured value carries about the eye whites, (English, Chinese).
    fn note(&self) -> (String, String) {
        match self {
            Whites::Read([l, a, b], n) => (
                format!("; eye whites L* {l:.0} a* {a:.1} b* {b:.1}, {n} px"),
                format!("；眼白 L* {l:.0} a* {a:.1} b* {b:.1}，{n} 像素"),
            ),
            Whites::TooFew(n) => (
                format!("; too little eye white shows ({n} px), not judged by it"),
                format!("；可见眼白太少（{n} 像素），不据此判断"),
            ),
            Whites::Unread => (String::new(), String::new()),
        }
    }
}

/// What the background says about a colour cast.
enum Evidence<'a> {
    /// Its a*b* offset from its neutral colour ([`super::background::reference`]) counts, with
    /// the label the report shows (English, Chinese).
    Counts((&'static str, &'static str), [f32; 2]),
    /// It fails `background.colour` and the skin does not confirm a cast: a coloured wall.
    WrongWall,
    /// It is taken to be this allowed colour, which is not neutral (a blue backdrop): no
    /// white-balance reference.
    Coloured(&'a crate::spec::BackgroundColour),
    /// No plain, confidently segmented background.
    None,
}

/// How `colour.cast` reads the background, given the cheeks' a*b* (`skin`).
fn background_evidence<'a>(ctx: &Context<'a>, skin: Option<[f32; 2]>) -> Evidence<'a> {
    use super::background::{measured, reference};
    let (Some(bg), Some(colour)) = (measured(ctx), reference(ctx)) else {
        return Evidence::None;
    };
    let reference = srgb_to_lab(colour.rgb);
    if chroma(reference) >= NEUTRAL_CHROMA {
        return Evidence::Coloured(colour);
    }
    let v = [bg.mean_lab[1] - reference[1], bg.mean_lab[2] - reference[2]];
    // A background that background.colour already fails may be a coloured wall (one cause,
    // already reported) or a white wall under a cast (two). Only the face tells them apart:
    // under a cast the skin leaves its natural hue in the direction of the wall.
    let hues = ctx.spec.body.quality.skin_hue_deg;
    if !super::background::colour_fails(ctx) {
        Evidence::Counts(("background", "背景"), v)
    } else if skin.zip(hues).is_some_and(|(s, h)| skin_confirms(s, v, h)) {
        Evidence::Counts(("background, skin hue agrees", "背景，肤色色相一致"), v)
    } else {
        Evidence::WrongWall
    }
}

/// Whether `colour.cast` takes the photo's background as evidence of a cast: plain, confidently
/// segmented, and either of its neutral allowed colour or off it the way the skin is. Only such
/// a background may set the corrected photo's white balance; a room behind a child or a beige
/// wall is not a grey card, and balancing to it turned pale skin blue (a new `glare` failure)
/// or pushed red skin into clipping.
pub fn background_is_colour_reference(ctx: &Context<'_>) -> bool {
    matches!(
        background_evidence(ctx, cheek_ab(ctx)),
        Evidence::Counts(..)
    )
}

/// Colour cast of skin and neutral background, named by its hue.
pub struct ColourCast;

impl Rule for ColourCast {
    fn id(&self) -> CheckId {
        CheckId::ColourCast
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_cast_chroma else {
            return no_rule(self.id(), "quality.max_cast_chroma");
        };
        let mut vectors: Vec<((&str, &str), [f32; 2])> = Vec::new();
        let skin = cheek_ab(ctx);
        if let Some([a, b]) = skin {
            let off = |v: f32, [lo, hi]: [f32; 2]| v - v.clamp(lo, hi);
            vectors.push((("skin", "皮肤"), [off(a, SKIN_A), off(b, SKIN_B)]));
        }
        let evidence = background_evidence(ctx, skin);
        // Where the background is no reference, the eye whites' colour is shown, not judged:
        // eye whites in good light spread as far in a*b* as a strong cast moves them
        // (docs/accuracy.md, "Verdicts on degraded photos").
        let whites = if matches!(evidence, Evidence::Counts(..)) {
            Whites::Unread
        } else {
            eye_whites(ctx)
        };
        let wall_note = match evidence {
            Evidence::Counts(label, v) => {
                vectors.push((label, v));
                (String::new(), String::new())
            }
            Evidence::WrongWall => (
                "; the background fails background.colour".to_string(),
                "；背景未通过 background.colour".to_string(),
            ),
            Evidence::Coloured(c) => (
                format!("; the {} background is no neutral reference", c.name),
                format!(
                    "；{}背景不作白平衡参照",
                    c.name_zh.as_deref().unwrap_or(&c.name)
                ),
            ),
            Evidence::None => (String::new(), String::new()),
        };
        let Some(((source, source_zh), [da, db])) = vectors
            .into_iter()
            .max_by(|a, b| a.1[0].hypot(a.1[1]).total_cmp(&b.1[0].hypot(b.1[1])))
        else {
            if regions::face_is_turned(ctx) {
                return regions::not_upright(self.id());
            }
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "既无人脸也无可用的纯色背景，无法判断偏色",
                    "neither a face nor a plain background to judge a colour cast on",
                ),
            );
        };
        let v = f64::from(da.hypot(db));
        let cast = Cast::of(da, db);
        let mut measured = Measure::number(v, Unit::DeltaE, 1);
        let (note, note_zh) = wall_note;
        let (whites_note, whites_note_zh) = whites.note();
        let (note, note_zh) = (note + &whites_note, note_zh + &whites_note_zh);
        if v > 0.05 {
            measured.text.reword(
                |t| format!("{t} toward {} ({source}{note})", cast.en()),
                |t| format!("偏{} {t}（{source_zh}{note_zh}）", cast.zh()),
            );
        } else {
            measured.text.reword(
                |t| format!("{t} ({source}{note})"),
                |t| format!("{t}（{source_zh}{note_zh}）"),
            );
        }
        at_most(
            self.id(),
            measured,
            v,
            max,
            1,
            Hint::new(
                format!("照片偏{}：关闭滤镜和美颜，在自然白光下拍摄（调好白平衡）", cast.zh()),
                format!(
                    "the photo has a {} cast: turn off filters, shoot in neutral daylight (fix the white balance)",
                    cast.en()
                ),
            ),
            Some(cast.official()),
        )
    }
}

/// Whether the skin's a*b* confirms that a background off its neutral colour by `wall` (a*b*)
/// is a colour cast: the skin's hue lies outside the natural `hues` (degrees), on the side the
/// wall's shift would turn it to (a cast moves skin and wall alike).
fn skin_confirms(skin: [f32; 2], wall: [f32; 2], [lo, hi]: [f64; 2]) -> bool {
    let hue = f64::from(skin[1].atan2(skin[0]).to_degrees());
    let excess = hue - hue.clamp(lo, hi);
    // Positive when adding `wall` to the skin turns its hue counter-clockwise (up).
    let turn = f64::from(skin[0] * wall[1] - skin[1] * wall[0]);
    excess != 0.0 && excess.signum() == turn.signum()
}

/// Spread of L* on the face: a hazy, washed-out photo has little.
pub struct Contrast;

impl Rule for Contrast {
    fn id(&self) -> CheckId {
        CheckId::Contrast
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(min) = ctx.spec.body.quality.min_contrast_l else {
            return no_rule(self.id(), "quality.min_contrast_l");
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        // Quantiles of luminance, converted to L* once (L* is monotonic in Y).
        let mut y: Vec<f32> = face.oval(&ctx.working.image).map(luminance).collect();
        let (Some(p5), Some(p95)) = (quantile(&mut y, 0.05), quantile(&mut y, 0.95)) else {
            return no_face(ctx, self.id());
        };
        let (p5, p95) = (lightness_of_luminance(p5), lightness_of_luminance(p95));
        let v = f64::from(p95 - p5);
        let mut measured = Measure::number(v, Unit::Lightness, 1);
        let range = format!("p5 {p5:.0} – p95 {p95:.0}");
        measured
            .text
            .reword(|t| format!("{t} ({range})"), |t| format!("{t}（{range}）"));
        at_least(
            self.id(),
            measured,
            v,
            min,
            1,
            Hint::new(
                "照片发灰、对比度低：擦净镜头，避免逆光和雾化滤镜",
                "the photo is hazy with low contrast: clean the lens, avoid backlight and haze filters",
            ),
            Some("图像灰朦"),
        )
    }
}

/// A pixel whose RGB channels spread at least this much (levels) is clearly coloured: JPEG
/// chroma noise in a black-and-white photo stays within a few levels, while pale skin spreads
/// 25 and more.
const COLOURED_SPREAD: u8 = 12;

/// The photo is in colour, not black and white.
pub struct ColourPresent;

/// Whether a pixel is clearly coloured ([`COLOURED_SPREAD`]).
fn is_coloured(p: &image::Rgb<u8>) -> bool {
    let [r, g, b] = p.0;
    r.max(g).max(b) - r.min(g).min(b) >= COLOURED_SPREAD
}

/// Share of `img`'s pixels that are clearly coloured.
fn coloured_fraction(img: &image::RgbImage) -> f64 {
    let coloured = img.pixels().filter(|p| is_coloured(p)).count();
    coloured as f64 / img.pixels().len().max(1) as f64
}

/// Whether `coloured_fraction(img) >= min`, stopping as soon as enough coloured pixels are
/// counted: `glare` asks only this, after `colour.present` has read the whole photo, and on a
/// colour photo the answer comes after a small part of it.
fn coloured_at_least(img: &image::RgbImage, min: f64) -> bool {
    let n = img.pixels().len().max(1) as f64;
    let mut coloured = 0usize;
    for _ in img.pixels().filter(|p| is_coloured(p)) {
        coloured += 1;
        if coloured as f64 / n >= min {
            return true;
        }
    }
    coloured as f64 / n >= min
}

impl Rule for ColourPresent {
    fn id(&self) -> CheckId {
        CheckId::ColourPresent
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(min) = ctx.spec.body.quality.min_coloured_fraction else {
            return no_rule(self.id(), "quality.min_coloured_fraction");
        };
        let v = coloured_fraction(&ctx.working.image);
        let mut measured = Measure::number(v, Unit::Ratio, 3);
        measured.text.reword(
            |t| format!("{t} of pixels coloured"),
            |t| format!("彩色像素占 {t}"),
        );
        at_least(
            self.id(),
            measured,
            v,
            min,
            2,
            Hint::new(
                "黑白照片：证件照须为彩色，请关闭黑白滤镜，用彩色原图或重拍",
                "a black-and-white photo: the document needs a colour photo; turn off the mono filter and use the colour original, or retake",
            ),
            None,
        )
    }
}

/// How much a skin pixel of sRGB `p` and lightness `l` is glare, 0–1, given the lightness
/// `floor` glare starts at: bright past the floor and colourless (HSV saturation under
/// [`GLARE_MAX_SATURATION`]), by degrees across the softness around both limits.
fn glare_degree(p: [u8; 3], l: f32, floor: f32) -> f32 {
    // 1 well inside a limit, 0 well outside, linear across 2 × softness around it.
    let degree = |by: f32, softness: f32| (0.5 + by / (2.0 * softness)).clamp(0.0, 1.0);
    let hi = f32::from(p[0].max(p[1]).max(p[2]));
    let lo = f32::from(p[0].min(p[1]).min(p[2]));
    if hi == 0.0 {
        return 0.0;
    }
    degree(
        GLARE_MAX_SATURATION - (hi - lo) / hi,
        GLARE_SATURATION_SOFTNESS,
    ) * degree(l - floor, GLARE_L_SOFTNESS)
}

/// Specular highlights on the skin (forehead, nose, cheeks).
pub struct Glare;

impl Rule for Glare {
    fn id(&self) -> CheckId {
        CheckId::Glare
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_glare_fraction else {
            return no_rule(self.id(), "quality.max_glare_fraction");
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let img = &ctx.working.image;
        // Glare is told from skin by its lack of colour; in a black-and-white photo all skin
        // lacks it (grey copies of 4 of the 22 shared photos "failed" glare), and
        // colour.present already says what is wrong.
        let monochrome = ctx
            .spec
            .body
            .quality
            .min_coloured_fraction
            .is_some_and(|min| !coloured_at_least(img, min));
        if monochrome {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "黑白照片无法区分反光与皮肤（见 colour.present）",
                    "a black-and-white photo: glare cannot be told from skin (see colour.present)",
                ),
            );
        }
        let (w, h) = img.dimensions();
        let nose = Rect::clipped(
            face.mid_x - 0.2 * face.d,
            face.eye_y + 0.1 * face.lower(),
            face.mid_x + 0.2 * face.d,
            face.eye_y + 0.55 * face.lower(),
            w,
            h,
        );
        let px: Vec<[u8; 3]> = face
            .cheeks()
            .into_iter()
            .chain(face.forehead())
            .chain(nose)
            .flat_map(|r| r.pixels(img))
            .collect();
        let l: Vec<f32> = px.iter().map(|&p| lightness(p)).collect();
        let Some(median) = quantile(&mut l.clone(), 0.5) else {
            return no_face(ctx, self.id());
        };
        let floor = (median + GLARE_ABOVE_MEDIAN).max(GLARE_MIN_L);
        let glare: f64 = px
            .iter()
            .zip(&l)
            .map(|(&p, &l)| f64::from(glare_degree(p, l, floor)))
            .sum();
        let v = glare / px.len() as f64;
        at_most(
            self.id(),
            Measure::number(v, Unit::Ratio, 3),
            v,
            max,
            3,
            Hint::new(
                "脸部反光：用柔和的漫射光，吸掉额头和鼻子上的油光，不用闪光灯",
                "glare on the skin: use soft diffuse light, blot shine off forehead and nose, no flash",
            ),
            Some("脸部反光强烈"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::regions::tests::face_image;
    use crate::face::Face;

    const HUES: [f64; 2] = [25.0, 70.0];

    #[test]
    fn skin_off_its_hue_toward_the_wall_confirms_a_cast() {
        // Issue 4, metamorphic tint: skin a* 5, b* 34 (hue 81°), wall turned yellow.
        assert!(skin_confirms([5.3, 34.2], [-3.0, 27.0], HUES));
        // A reddish skin (hue 20°) next to a wall shifted toward red/magenta.
        assert!(skin_confirms([24.0, 8.7], [12.0, -4.0], HUES));
    }

    #[test]
    fn natural_skin_makes_a_coloured_wall_not_a_cast() {
        // pichai_2: natural skin (hue 49°) in front of a saturated blue wall.
        assert!(!skin_confirms([18.3, 21.0], [-5.0, -45.0], HUES));
        // Skin off its hue the other way from the wall: a yellowish face on a blue wall.
        assert!(!skin_confirms([5.3, 34.2], [-5.0, -45.0], HUES));
    }

    #[test]
    fn beard_on_one_cheek_is_not_side_light() {
        // Issue 4, pichai_1: the fixed cheek patch fell on the beard (33.9 L*).
        let beard = |x: u32, y: u32, p: [u8; 3]| {
            if x > 100 && y > 128 && p == super::super::regions::tests::SKIN {
                [50, 32, 24]
            } else {
                p
            }
        };
        let (img, face) = face_image(beard);
        let (l, r) = balance(&img, &face).unwrap();
        assert!((l - r).abs() < 1.0, "{l} vs {r}");
    }

    #[test]
    fn side_light_darkens_one_cheek() {
        let (img, face) = face_image(|x, _, p| {
            if x < 100 {
                p.map(|v| (f32::from(v) * 0.6) as u8)
            } else {
                p
            }
        });
        let (l, r) = balance(&img, &face).unwrap();
        assert!(r - l > 15.0, "{l} vs {r}");
    }

    #[test]
    fn hard_side_light_still_compared() {
        // 40 L* darker: below the beard floor, but the whole cheek is that dark.
        let (img, face) = face_image(|x, _, p| {
            if x < 100 {
                p.map(|v| (f32::from(v) * 0.35) as u8)
            } else {
                p
            }
        });
        let (l, r) = balance(&img, &face).unwrap();
        assert!(r - l > 30.0, "{l} vs {r}");
    }

    #[test]
    fn glare_counts_by_degrees_across_its_limits() {
        let floor = 85.0;
        // A white highlight well past the floor is all glare; skin colour is none.
        assert_eq!(glare_degree([250, 250, 250], 98.0, floor), 1.0);
        assert_eq!(glare_degree([230, 190, 170], 98.0, floor), 0.0);
        // At the saturation limit (0.10) half, and a step of 0.01 either side moves it by an
        // eighth, not all the way: JPEG chroma noise no longer flips a borderline highlight.
        let at = |s: f32| glare_degree([250, 250, (250.0 * (1.0 - s)) as u8], 98.0, floor);
        assert!((at(0.10) - 0.5).abs() < 0.05, "{}", at(0.10));
        assert!(
            (at(0.09) - at(0.11) - 0.25).abs() < 0.05,
            "{} {}",
            at(0.09),
            at(0.11)
        );
        // The same at the lightness floor.
        assert_eq!(glare_degree([250, 250, 250], floor, floor), 0.5);
        assert_eq!(glare_degree([250, 250, 250], floor - 3.0, floor), 0.0);
    }

    #[test]
    fn a_face_in_colour_is_coloured_and_the_same_in_grey_is_not() {
        let (img, _) = face_image(|_, _, p| p);
        assert!(coloured_fraction(&img) > 0.2, "{}", coloured_fraction(&img));
        // Grey, with chroma noise of a few levels as a colour JPEG of a mono photo has.
        let grey = image::RgbImage::from_fn(img.width(), img.height(), |x, y| {
            let [r, g, b] = img.get_pixel(x, y).0;
            let v = ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8;
            let wobble = ((x * 7 + y * 13) % 7) as u8;
            image::Rgb([v, v.saturating_add(wobble), v.saturating_sub(wobble / 2)])
        });
        assert_eq!(coloured_fraction(&grey), 0.0);
        // The early-stopping test agrees with the full count on both sides of any limit.
        for min in [0.0, 0.01, 0.2, coloured_fraction(&img), 0.99] {
            assert_eq!(
                coloured_at_least(&img, min),
                coloured_fraction(&img) >= min,
                "{min}"
            );
            assert_eq!(coloured_at_least(&grey, min), min <= 0.0, "{min}");
        }
    }

    /// A 200×240 photo with a face of `skin` on white, eyes at (70, 100) and (130, 100) drawn
    /// `eye_w` × 0.4 `eye_w` with whites of `white` round a dark iris, and the face laid out to
    /// match, with the eye outlines the face stage would give.
    fn eyes_scene(skin: [u8; 3], white: [u8; 3], eye_w: f32) -> (crate::decode::Photo, Face) {
        let (img, _) = face_image(|x, y, p| {
            let eye = [70.0f32, 130.0].into_iter().find_map(|cx| {
                let (dx, dy) = (
                    (x as f32 + 0.5 - cx) / (0.5 * eye_w),
                    (y as f32 + 0.5 - 100.0) / (0.2 * eye_w),
                );
                (dx * dx + dy * dy <= 1.0).then_some((x as f32 + 0.5 - cx).abs())
            });
            match eye {
                Some(d) if d <= 0.15 * eye_w => [40, 30, 25],
                Some(_) => white,
                None if p == super::super::regions::tests::SKIN => skin,
                None => p,
            }
        });
        let outline = |cx: f32| crate::face::EyeOutline {
            contour: (0..16)
                .map(|i| {
                    let t = std::f32::consts::PI * i as f32 / 8.0;
                    [cx - 0.5 * eye_w * t.cos(), 100.0 + 0.2 * eye_w * t.sin()]
                })
                .collect(),
            iris: [cx, 100.0],
            iris_radius: 0.15 * eye_w,
        };
        let face = Face {
            eye_outlines: vec![outline(70.0), outline(130.0)],
            ..super::super::regions::tests::face_layout()
        };
        let mut photo = crate::checks::geometry::tests::photo(200, 240);
        photo.image = img;
        (photo, face)
    }

    /// common.toml: skin darker than L* 52 is judged by the eye whites, which must read L* 50.
    #[test]
    fn eye_whites_tell_a_dim_photo_from_dark_skin() {
        use crate::checks::geometry::tests::judge;
        let dark_skin = [140, 95, 75];
        let light_skin = [215, 165, 140];
        assert!((40.0..52.0).contains(&lightness(dark_skin)));
        assert!(lightness(light_skin) > 60.0);
        let (bright, dim) = ([235, 232, 228], [110, 108, 105]);
        assert!(lightness(dim) < 50.0 && lightness(bright) > 85.0);
        let at = |skin, white, eye_w| {
            let (photo, face) = eyes_scene(skin, white, eye_w);
            judge(&ExposureBrightness, &photo, Some(face), 1)
        };
        // Dark skin in good light: its eye whites are bright.
        let good = at(dark_skin, bright, 30.0);
        assert_eq!(good.status, Status::Pass, "{:?}", good.measured);
        assert!(good.measured.unwrap().text.en.contains("eye whites L* 92"));
        // The same skin with dim eye whites: too little light, not dark skin.
        let dim_photo = at(dark_skin, dim, 30.0);
        assert_eq!(dim_photo.status, Status::Fail);
        assert_eq!(dim_photo.official_reason, Some("曝光不足"));
        assert!(
            dim_photo
                .required
                .as_ref()
                .unwrap()
                .text
                .en
                .ends_with("eye whites ≥ 50 L*"),
            "{:?}",
            dim_photo.required
        );
        let hint = dim_photo.hint.unwrap().en;
        assert!(hint.contains("eye whites"), "{hint}");
        // Light skin in good light with shaded eye whites (deep-set eyes): the skin is enough.
        assert_eq!(at(light_skin, dim, 30.0).status, Status::Pass);
        // Eyes too narrow to show 30 pixels of white: not judged by them, said so.
        let narrow = at(dark_skin, dim, 9.0);
        assert_eq!(narrow.status, Status::Pass);
        assert!(
            narrow
                .measured
                .unwrap()
                .text
                .en
                .contains("too little eye white"),
            "narrow eyes"
        );
    }

    #[test]
    fn a_cheek_under_hair_is_not_judged() {
        let hair = |x: u32, _: u32, p: [u8; 3]| if x < 100 { [12, 10, 9] } else { p };
        let (img, face) = face_image(hair);
        assert_eq!(balance(&img, &face), None);
    }
}
