//! Background checks on the person mask ([`crate::segment`]): colour, uniformity, clutter,
//! shadow beside the head, the frame of a re-photographed picture, and clothing that would
//! vanish into the background colour.

use super::regions::{at_least, at_most, no_face, no_rule, FaceGeom};
use super::{Check, CheckId, Context, Hint, Measure, Requirement, Rule, Status, Unit};
use crate::colour::{delta_e2000, lightness, srgb_to_lab, MeanColour};
use crate::segment::{BackgroundStats, PersonMask, BACKGROUND_ALPHA};

const REASON_BACKGROUND: Option<&str> = Some("背景不符合要求");

#[allow(clippy::result_large_err)] // the Err is the check to report, built once per photo
/// The mask and background statistics when they can be trusted, else the "na" check to return.
fn trusted<'a>(
    ctx: &Context<'a>,
    id: CheckId,
) -> Result<(&'a PersonMask, &'a BackgroundStats), Check> {
    let Some(mask) = ctx.mask else {
        return Err(Check::not_applicable(
            id,
            Hint::new(
                "无法分割人像与背景",
                "the person could not be separated from the background",
            ),
        ));
    };
    let min_conf = ctx.spec.body.background.min_mask_confidence.unwrap_or(0.0);
    if f64::from(mask.confidence) < min_conf {
        return Err(Check::not_applicable(
            id,
            Hint::new(
                format!(
                    "人像与背景无法可靠区分（置信度 {:.2}）：请在纯色浅色墙前拍摄",
                    mask.confidence
                ),
                format!(
                    "the person cannot be told apart from the background reliably (confidence {:.2}): shoot against a plain light wall",
                    mask.confidence
                ),
            ),
        ));
    }
    let Some(bg) = &mask.background else {
        return Err(Check::not_applicable(
            id,
            Hint::new("照片中几乎看不到背景", "almost no background is visible"),
        ));
    };
    Ok((mask, bg))
}

#[allow(clippy::result_large_err)]
/// Like [`trusted`], and the background is plain enough to measure (else `background.clutter`
/// reports it and this check says so instead of guessing).
fn plain<'a>(
    ctx: &Context<'a>,
    id: CheckId,
) -> Result<(&'a PersonMask, &'a BackgroundStats), Check> {
    let (mask, bg) = trusted(ctx, id)?;
    if let Some(max) = ctx.spec.body.background.max_clutter {
        if f64::from(bg.texture) > max {
            return Err(Check::not_applicable(
                id,
                Hint::new(
                    "背景杂乱，无法判断（见 background.clutter）：请在纯色浅色墙前拍摄",
                    "background not plain, so this is not judged (see background.clutter): shoot against a plain light wall",
                ),
            ));
        }
    }
    Ok((mask, bg))
}

/// Mean background colour vs the spec's allowed colours, CIEDE2000.
pub struct BackgroundColour;

impl Rule for BackgroundColour {
    fn id(&self) -> CheckId {
        CheckId::BackgroundColour
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let rules = &ctx.spec.body.background;
        let (Some(allowed), Some(max)) = (&rules.allowed, rules.max_delta_e) else {
            return no_rule(self.id(), "background.allowed / max_delta_e");
        };
        let (_, bg) = match plain(ctx, self.id()) {
            Ok(v) => v,
            Err(c) => return c,
        };
        let Some((nearest, de)) = nearest_allowed(allowed, bg) else {
            return no_rule(self.id(), "background.allowed");
        };
        let de = f64::from(de);
        let warn = rules.warn_delta_e.unwrap_or(max);
        let status = Status::graded(de, warn, max);
        let [r, g, b] = bg.mean_rgb;
        let mut measured = Measure::number(de, Unit::DeltaE, 1);
        let nearest_zh = nearest.name_zh.as_deref().unwrap_or(&nearest.name);
        measured.text.reword(
            |t| format!("{t} from {} (mean #{r:02x}{g:02x}{b:02x})", nearest.name),
            |t| format!("与{nearest_zh}相差 {t}（均值 #{r:02x}{g:02x}{b:02x}）"),
        );
        let names: Vec<String> = allowed.iter().map(|c| c.name.clone()).collect();
        let names_zh: Vec<String> = allowed
            .iter()
            .map(|c| c.name_zh.clone().unwrap_or_else(|| c.name.clone()))
            .collect();
        let mut required = Requirement::range(None, Some(max), Unit::DeltaE, 1);
        required.text.reword(
            |t| format!("{t} from {}", names.join(" or ")),
            |t| format!("与{}相差 {t}", names_zh.join("或")),
        );
        Check::judged(
            self.id(),
            status,
            measured,
            required,
            Hint::new(
                format!("背景须为{}：在{}纯色墙前拍摄，或使用修正照片（替换背景）", names_zh.join("或"), names_zh.join("或")),
                format!(
                    "the background must be {}: shoot against a {} wall, or use the corrected photo (background replaced)",
                    names.join(" or "),
                    names.join(" or ")
                ),
            ),
            REASON_BACKGROUND,
        )
    }
}

/// The allowed colour nearest the background's mean, and its CIEDE2000 distance.
fn nearest_allowed<'a>(
    allowed: &'a [crate::spec::BackgroundColour],
    bg: &BackgroundStats,
) -> Option<(&'a crate::spec::BackgroundColour, f32)> {
    allowed
        .iter()
        .map(|c| (c, delta_e2000(bg.mean_lab, srgb_to_lab(c.rgb))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// The backdrop's statistics when it can be measured: confidently segmented and plain.
pub(crate) fn measured<'a>(ctx: &Context<'a>) -> Option<&'a BackgroundStats> {
    plain(ctx, CheckId::BackgroundColour).ok().map(|(_, bg)| bg)
}

/// The allowed colour a photo's background is taken to be, the one `colour.cast` measures
/// against and `clothing.contrast` compares the clothing with: the colour its measured backdrop
/// (plain, confidently segmented) is nearest. A corrected photo is thereby judged against the
/// colour it was painted, whichever of the spec's colours was chosen, and a photo on a blue
/// wall against blue where the spec allows blue. Without a measurable backdrop it is the
/// spec's first colour, the one a corrected photo gets by default. `None` when the spec names
/// no colour.
pub(crate) fn reference<'a>(ctx: &Context<'a>) -> Option<&'a crate::spec::BackgroundColour> {
    let allowed = ctx.spec.body.background.allowed.as_deref()?;
    measured(ctx)
        .and_then(|bg| nearest_allowed(allowed, bg))
        .map(|(c, _)| c)
        .or_else(|| allowed.first())
}

/// Whether `background.colour` fails this photo: the background is measured (plain, trusted)
/// and farther than `max_delta_e` from every allowed colour. Such a background is the wrong
/// colour, whatever the light, so `colour.cast` does not read it as a white-balance error too.
pub(crate) fn colour_fails(ctx: &Context<'_>) -> bool {
    let rules = &ctx.spec.body.background;
    let (Some(allowed), Some(max)) = (&rules.allowed, rules.max_delta_e) else {
        return false;
    };
    measured(ctx)
        .and_then(|bg| nearest_allowed(allowed, bg))
        .is_some_and(|(_, de)| f64::from(de) > max)
}

/// Largest colour difference of a background region from the background mean.
pub struct BackgroundUniformity;

impl Rule for BackgroundUniformity {
    fn id(&self) -> CheckId {
        CheckId::BackgroundUniformity
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.background.max_uniformity else {
            return no_rule(self.id(), "background.max_uniformity");
        };
        let (_, bg) = match plain(ctx, self.id()) {
            Ok(v) => v,
            Err(c) => return c,
        };
        if bg.cells.len() < 3 {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "可见背景太少，无法比较各区域",
                    "too little background to compare regions",
                ),
            );
        }
        let worst = bg
            .cells
            .iter()
            .map(|c| delta_e2000(c.lab, bg.mean_lab))
            .fold(0f32, f32::max);
        let mut measured = Measure::number(f64::from(worst), Unit::DeltaE, 1);
        let n = bg.cells.len();
        measured.text.reword(
            |t| format!("{t} across {n} regions"),
            |t| format!("{t}（{n} 个区域之间）"),
        );
        at_most(
            self.id(),
            measured,
            f64::from(worst),
            max,
            1,
            Hint::new(
                "背景明暗或颜色不均（渐变、色块）：均匀照亮背景墙，或使用修正照片",
                "the background is uneven (gradient or blotches): light the wall evenly, or use the corrected photo",
            ),
            REASON_BACKGROUND,
        )
    }
}

/// Texture of the background: a plain wall or a scene.
pub struct BackgroundClutter;

impl Rule for BackgroundClutter {
    fn id(&self) -> CheckId {
        CheckId::BackgroundClutter
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.background.max_clutter else {
            return no_rule(self.id(), "background.max_clutter");
        };
        let (_, bg) = match trusted(ctx, self.id()) {
            Ok(v) => v,
            Err(c) => return c,
        };
        let v = f64::from(bg.texture);
        at_most(
            self.id(),
            Measure::number(v, Unit::Score, 2),
            v,
            max,
            2,
            Hint::new(
                "背景不是纯色（有物体或图案）：请在纯色浅色墙前拍摄",
                "background not plain (objects or a pattern): shoot against a plain light wall",
            ),
            REASON_BACKGROUND,
        )
    }
}

/// A darker band on the background right beside the head and shoulders.
pub struct BackgroundShadow;

impl Rule for BackgroundShadow {
    fn id(&self) -> CheckId {
        CheckId::BackgroundShadow
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.background.max_shadow_l else {
            return no_rule(self.id(), "background.max_shadow_l");
        };
        let (mask, _) = match plain(ctx, self.id()) {
            Ok(v) => v,
            Err(c) => return c,
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let Some((darkening, side)) = shadow(&ctx.working.image, mask, &face) else {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "头部两侧可见背景太少",
                    "too little background beside the head",
                ),
            );
        };
        let mut measured = Measure::number(darkening, Unit::Lightness, 1);
        let (side_en, side_zh) = side;
        measured.text.reword(
            |t| format!("{t} darker beside the head ({side_en})"),
            |t| format!("头部旁边暗 {t}（{side_zh}）"),
        );
        at_most(
            self.id(),
            measured,
            darkening,
            max,
            1,
            Hint::new(
                "头部旁的背景上有阴影：人离墙远一些，光从正面或两侧均匀照射",
                "a shadow falls on the background beside the head: stand further from the wall and light it evenly from the front",
            ),
            Some("图像有阴影"),
        )
    }
}

/// Band geometry of the shadow search, in inter-eye distances: skip `GAP` next to the silhouette
/// (hair wisps, mask blur), measure a `BAND`-wide strip, compare with a strip `FAR` further out.
const SHADOW_GAP: f32 = 0.08;
const SHADOW_BAND: f32 = 0.3;
const SHADOW_FAR: f32 = 0.9;
/// Fewest samples per side for a mean worth comparing.
const SHADOW_MIN_SAMPLES: usize = 50;

/// The largest darkening (far − near mean L*) on either side, and which side (English, Chinese).
fn shadow(
    img: &image::RgbImage,
    mask: &PersonMask,
    face: &FaceGeom,
) -> Option<(f64, (&'static str, &'static str))> {
    let (w, h) = img.dimensions();
    let alpha = &mask.alpha;
    let top = (face.eye_y - 1.6 * face.d).max(0.0) as u32;
    let bottom = ((face.chin[1] + 1.0 * face.lower()) as u32).min(h);
    let gap = (SHADOW_GAP * face.d).max(3.0);
    let band = (SHADOW_BAND * face.d).max(3.0);
    let far = SHADOW_FAR * face.d;
    // [near sum, near n, far sum, far n] for image left and right.
    let mut acc = [[0f64; 4]; 2];
    for y in top..bottom {
        let row = |x: u32| alpha.get_pixel(x, y)[0];
        let Some(xl) = (0..w).find(|&x| row(x) >= 128) else {
            continue;
        };
        let xr = (0..w).rev().find(|&x| row(x) >= 128).unwrap_or(xl);
        for (side, edge, dir) in [(0usize, xl as f32, -1f32), (1, xr as f32, 1.0)] {
            let mut sample = |from: f32, to: f32, slot: usize| {
                let (a, b) = if from < to { (from, to) } else { (to, from) };
                if a < 0.0 || b >= w as f32 {
                    return;
                }
                let mut vals = Vec::new();
                for x in a as u32..b as u32 {
                    if alpha.get_pixel(x, y)[0] >= BACKGROUND_ALPHA {
                        return; // the strip touches the person (an arm, a second head): skip row
                    }
                    vals.push(lightness(img.get_pixel(x, y).0));
                }
                acc[side][slot] += vals.iter().map(|&v| f64::from(v)).sum::<f64>();
                acc[side][slot + 1] += vals.len() as f64;
            };
            let near0 = edge + dir * gap;
            let near1 = near0 + dir * band;
            let far0 = edge + dir * (gap + far);
            sample(near0, near1, 0);
            sample(far0, far0 + dir * band, 2);
        }
    }
    [
        (("image left", "画面左侧"), acc[0]),
        (("image right", "画面右侧"), acc[1]),
    ]
    .into_iter()
    .filter(|(_, a)| a[1] as usize >= SHADOW_MIN_SAMPLES && a[3] as usize >= SHADOW_MIN_SAMPLES)
    .map(|(side, a)| ((a[2] / a[3] - a[0] / a[1]).max(0.0), side))
    .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// Straight edges across the photo near its border: the frame of a photographed print or
/// screen, or a border added around the photo.
pub struct BackgroundFrame;

/// Luma step (0–100) across four pixels that counts as an edge.
const FRAME_EDGE_STEP: f32 = 10.0;
/// Only lines within this fraction of the border are searched.
const FRAME_BORDER: f32 = 0.2;
/// A frame leaves a margin of at least this fraction of the photo's side (and 3 px) between the
/// line and the border: a line hugging the border is the scene cut off, not a frame.
const FRAME_MIN_MARGIN: f32 = 0.01;
/// Positions along a side whose frame edge lies within this many pixels of each other count as
/// one straight line.
const FRAME_LINE_TOLERANCE: usize = 1;

impl Rule for BackgroundFrame {
    fn id(&self) -> CheckId {
        CheckId::BackgroundFrame
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.background.max_frame_fraction else {
            return no_rule(self.id(), "background.max_frame_fraction");
        };
        let v = f64::from(frame_line(&ctx.working.image, ctx.mask));
        let mut measured = Measure::number(v, Unit::Ratio, 2);
        measured
            .text
            .reword(|t| format!("{t} of a side"), |t| format!("占边长 {t}"));
        at_most(
            self.id(),
            measured,
            v,
            max,
            2,
            Hint::new(
                "照片边缘附近有直线边框（翻拍的照片或屏幕、加了边框）：请用原始照片，不要翻拍",
                "a straight frame edge runs along the border (a photographed print or screen, or an added border): use the original photo, not a photo of it",
            ),
            Some("请上传近期免冠证照原图"),
        )
    }
}

/// The largest fraction of a side along which one straight frame edge runs parallel to it,
/// within [`FRAME_BORDER`] of it. Scene clutter (curtain folds, shelves, a street) is full of
/// long edges, so an edge counts only with the evidence a frame leaves, at each position along
/// the side, on the profile running inward from the border:
/// - it is the outermost edge, at least [`FRAME_MIN_MARGIN`] in: the margin outside it has no
///   step of [`FRAME_EDGE_STEP`] (a border, a table, the wall behind a print);
/// - it is a step, not a line: the mean luma of as wide a strip inside it differs from the
///   margin's by at least [`FRAME_EDGE_STEP`], with the same sign (a curtain fold is a dark line
///   with the same light on both sides);
/// - the same distance from the border (±[`FRAME_LINE_TOLERANCE`] px) and the same polarity
///   as the other positions counted.
///
/// Profiles that touch the person are skipped (they count as no frame).
fn frame_line(img: &image::RgbImage, mask: Option<&PersonMask>) -> f32 {
    let (w, h) = img.dimensions();
    if w < 16 || h < 16 {
        return 0.0;
    }
    // One luma plane (0–100): the four profiles read most pixels of the bands twice.
    let plane = crate::colour::luma_plane(img, 100.0);
    let luma = |x: u32, y: u32| plane[y as usize * w as usize + x as usize];
    let person = |x: u32, y: u32| mask.is_some_and(|m| m.alpha.get_pixel(x, y)[0] >= 128);
    // (positions along the side, profile length): left, right, top, bottom.
    let sides: [(u32, u32); 4] = [(h, w), (h, w), (w, h), (w, h)];
    let mut best = 0f32;
    for (side, &(n, len)) in sides.iter().enumerate() {
        // Pixel at position `i` along the side, `k` pixels in from the border.
        let at = |i: u32, k: u32| match side {
            0 => (k, i),
            1 => (len - 1 - k, i),
            2 => (i, k),
            _ => (i, len - 1 - k),
        };
        let l = |i: u32, k: u32| {
            let (x, y) = at(i, k);
            luma(x, y)
        };
        let band = ((len as f32 * FRAME_BORDER) as u32).max(4);
        let min_margin = ((len as f32 * FRAME_MIN_MARGIN).ceil() as u32).max(3);
        // Edge counts by distance from the border, rising (inside lighter) and falling.
        let mut counts = vec![[0u32; 2]; band as usize + 1];
        for i in 0..n {
            let Some(k) = (2..band).find(|&k| (l(i, k + 2) - l(i, k - 2)).abs() >= FRAME_EDGE_STEP)
            else {
                continue;
            };
            let inner_end = (k + 3 + k).min(len);
            if k < min_margin
                || (0..inner_end).any(|j| {
                    let (x, y) = at(i, j);
                    person(x, y)
                })
            {
                continue;
            }
            let margin = (0..k - 1).map(|j| l(i, j)).sum::<f32>() / (k - 1) as f32;
            let inner = (k + 2..inner_end).map(|j| l(i, j)).sum::<f32>()
                / (inner_end - k - 2).max(1) as f32;
            let rising = l(i, k + 2) > l(i, k - 2);
            let step = if rising {
                inner - margin
            } else {
                margin - inner
            };
            if step >= FRAME_EDGE_STEP {
                counts[k as usize][usize::from(rising)] += 1;
            }
        }
        let t = FRAME_LINE_TOLERANCE;
        for k in 0..counts.len() {
            for sign in 0..2 {
                let run: u32 = counts[k.saturating_sub(t)..(k + t + 1).min(counts.len())]
                    .iter()
                    .map(|c| c[sign])
                    .sum();
                best = best.max(run as f32 / n as f32);
            }
        }
    }
    best
}

/// Clothing below the face vs the background colour ([`reference`]).
pub struct ClothingContrast;

impl Rule for ClothingContrast {
    fn id(&self) -> CheckId {
        CheckId::ClothingContrast
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let rules = &ctx.spec.body.background;
        let (Some(min), Some(colour)) = (rules.min_clothing_delta_e, reference(ctx)) else {
            return no_rule(self.id(), "background.min_clothing_delta_e");
        };
        let Some(mask) = ctx.mask else {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "无法分割人像与背景",
                    "the person could not be separated from the background",
                ),
            );
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let img = &ctx.working.image;
        let (w, h) = img.dimensions();
        let y0 = (face.chin[1] + 0.5 * face.lower()).max(0.0) as u32;
        let y1 = ((face.chin[1] + 2.5 * face.lower()) as u32).min(h);
        let half_neck = 0.45 * (face.x1 - face.x0);
        let mut mean = MeanColour::default();
        for y in y0..y1 {
            for x in 0..w {
                if (x as f32 - face.mid_x).abs() > half_neck && mask.alpha.get_pixel(x, y)[0] >= 230
                {
                    mean.add(img.get_pixel(x, y).0);
                }
            }
        }
        let min_px = (face.d * face.d) as u64;
        let Some(lab) = mean.lab().filter(|_| mean.count() >= min_px) else {
            return Check::not_applicable(
                self.id(),
                Hint::new("照片中看不到肩部衣服", "no clothing visible below the face"),
            );
        };
        let de = f64::from(delta_e2000(lab, srgb_to_lab(colour.rgb)));
        let mut measured = Measure::number(de, Unit::DeltaE, 1);
        let zh = colour.name_zh.as_deref().unwrap_or(&colour.name);
        measured.text.reword(
            |t| format!("{t} from {}", colour.name),
            |t| format!("与{zh}相差 {t}"),
        );
        at_least(
            self.id(),
            measured,
            de,
            min,
            1,
            Hint::new(
                format!("衣服颜色与{zh}背景太接近，换背景后肩膀会融进背景：换一件深色或对比明显的衣服"),
                format!(
                    "the clothing is too close to the {} background; once replaced, the shoulders would vanish: wear darker or contrasting clothes",
                    colour.name
                ),
            ),
            Some("衣服颜色与背景色相近"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// The colour of a backdrop measured as plain `rgb` behind a person, as the background checks
    /// and `clothing.contrast` take it on the passport spec (white and light blue allowed, white
    /// first); `None` for no mask at all.
    fn reference_on_passport(rgb: Option<[u8; 3]>) -> Option<String> {
        let spec = crate::spec::Library::builtin()
            .unwrap()
            .resolve("dongguan", Some("passport"))
            .unwrap();
        let photo = super::super::geometry::tests::photo(300, 400);
        let working = crate::imageops::downscale(&photo.image, 1024);
        let mask = rgb.map(|rgb| PersonMask {
            alpha: image::GrayImage::new(300, 400),
            confidence: 0.99,
            person_fraction: 0.3,
            background: Some(BackgroundStats {
                fraction: 0.7,
                mean_rgb: rgb,
                mean_lab: srgb_to_lab(rgb),
                texture: 0.05,
                noise: 0.5,
                cells: Vec::new(),
            }),
            probabilities: Vec::new(),
        });
        let ctx = Context {
            spec: &spec,
            photo: &photo,
            working: &working,
            face: None,
            mask: mask.as_ref(),
            plan: None,
        };
        reference(&ctx).map(|c| c.name.clone())
    }

    /// A corrected photo painted light blue (`--background blue`) is judged against light blue,
    /// not against the spec's first colour, white: `colour.cast` would read the blue as a cast
    /// and `clothing.contrast` compare the clothes with a white that is not there. A slightly
    /// off-white wall is white; without a backdrop to measure, the first colour stands.
    #[test]
    fn the_reference_colour_is_the_allowed_one_the_backdrop_is_nearest() {
        let name = reference_on_passport;
        assert_eq!(name(Some([100, 197, 255])).as_deref(), Some("light-blue"));
        assert_eq!(name(Some([80, 170, 240])).as_deref(), Some("light-blue"));
        assert_eq!(name(Some([255, 255, 255])).as_deref(), Some("white"));
        assert_eq!(name(Some([236, 238, 244])).as_deref(), Some("white"));
        assert_eq!(name(None).as_deref(), Some("white"));
    }

    /// A light wall with a soft horizontal gradient; `f` may repaint pixels.
    fn wall(f: impl Fn(u32, u32, u8) -> u8) -> RgbImage {
        RgbImage::from_fn(300, 400, |x, y| {
            let v = f(x, y, 225 - (y / 20) as u8);
            Rgb([v, v, v])
        })
    }

    #[test]
    fn an_added_border_is_a_frame() {
        let img = wall(|x, y, v| {
            if x < 12 || y < 12 || x >= 288 || y >= 388 {
                60
            } else {
                v
            }
        });
        // The other sides' margins take the corners: 376 of 400 rows.
        assert!(frame_line(&img, None) > 0.93, "{}", frame_line(&img, None));
    }

    #[test]
    fn a_photographed_print_on_a_textured_table_is_a_frame() {
        // The print's edge 25 px in, on a darker wood-grain table.
        let img = wall(|x, y, v| {
            if x < 25 || y < 25 || x >= 275 || y >= 375 {
                90 + ((x * 7 + y * 3) % 5) as u8
            } else {
                v
            }
        });
        assert!(frame_line(&img, None) > 0.85, "{}", frame_line(&img, None));
    }

    #[test]
    fn curtain_folds_near_the_border_are_not_a_frame() {
        // Issue 4, obama_small: dark vertical folds every 16 px, some 5 px from the border,
        // read as a frame on 0.98 of a side.
        let img = wall(|x, _, v| {
            let fold = (x as i32 % 16 - 6).unsigned_abs();
            if !(60..240).contains(&x) && fold <= 2 {
                v - 70 + 20 * fold as u8
            } else {
                v
            }
        });
        assert!(frame_line(&img, None) < 0.3, "{}", frame_line(&img, None));
    }

    #[test]
    fn a_line_on_the_border_itself_is_not_a_frame() {
        // A scene edge that the photo cuts off 2 px from the side leaves no margin.
        let img = wall(|x, _, v| if x < 2 { 40 } else { v });
        assert!(frame_line(&img, None) < 0.1);
    }
}
