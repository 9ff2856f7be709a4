//! Image quality of the face: sharpness normalised for face size, JPEG blockiness, and grain in
//! flat regions.

use super::regions::{at_least, at_most, no_face, no_rule, FaceGeom, Rect};
use super::{Check, CheckId, Context, Hint, Measure, Rule, Unit};
use crate::decode::Format;
use crate::imageops::{immerkaer, IMMERKAER_TO_SIGMA};
use crate::stats::box_mean;
use crate::stats::quantile;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Sharpness is measured with the face resampled so the eyes are this many pixels apart: close
/// to the ID card's own scale (GA 461: face width 207 px ≈ 87 px between the eyes), so a face is
/// judged sharp when it will be sharp in the document, whatever the size of the source.
const SHARPNESS_INTER_EYE_PX: f32 = 64.0;
/// Radius of the box that bounds the mid band of the sharpness measure (7 px wide: about a
/// tenth of the inter-eye distance, the scale of eyelids, nostrils and lips).
const SHARPNESS_MID_RADIUS: usize = 3;
/// Least mid-band detail the sharpness ratio divides by, as a fraction of the region's
/// contrast (luma p95 − p5). A face so blurred that its mid band is gone too has a ratio of
/// two vanishing quantities, which rounding noise alone drove to 91 (the shared two-people
/// photo blurred by 16 % of the inter-eye distance, against a limit of 35). Sharp faces keep
/// 0.020 and more (over 110 faces: the shared set, deepface's, face_module's), blurred ones
/// 0.004–0.012; the floor sits between, so it never moves a sharp face's figure.
const SHARPNESS_MIN_MID_SHARE: f64 = 0.015;
/// Most photo pixels the blockiness measure reads (rows are skipped beyond this).
const BLOCKINESS_MAX_SAMPLES: usize = 400_000;
/// Side of the blocks the noise estimate works on, working px.
const NOISE_BLOCK: u32 = 16;
/// Quantile of the block noise levels taken as the photo's noise: the flattest blocks carry
/// noise only; texture raises the others.
const NOISE_QUANTILE: f32 = 0.25;

/// Luma on a 0–100 scale.
fn luma(p: [u8; 3]) -> f32 {
    crate::colour::luma(p) / 2.55
}

/// Face sharpness: fine-detail energy over mid-detail energy at a fixed face scale.
pub struct Sharpness;

impl Rule for Sharpness {
    fn id(&self) -> CheckId {
        CheckId::Sharpness
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(min) = ctx.spec.body.quality.min_sharpness else {
            return no_rule(self.id(), "quality.min_sharpness");
        };
        let Some(face) = ctx.face.and_then(|f| f.face.as_ref()) else {
            return no_face(ctx, self.id());
        };
        let Some(v) = sharpness(&ctx.photo.image, face) else {
            return no_face(ctx, self.id());
        };
        at_least(
            self.id(),
            Measure::number(v, Unit::Score, 2),
            v,
            min,
            2,
            Hint::new(
                "人脸不清晰（失焦、抖动或由小图放大）：对焦在脸上，手持稳定，使用原始大图",
                "the face is not sharp (out of focus, shaken, or enlarged from a small picture): focus on the face, hold still, use the original full-size photo",
            ),
            Some("聚焦不清"),
        )
    }
}

/// 100 × mean |I − box₃(I)| / mean |box₃(I) − box₇(I)| of the eyes-nose-mouth region
/// resampled to `SHARPNESS_INTER_EYE_PX`: the fine band (1–3 px) relative to the mid band
/// (3–7 px) of the same face. Blur or enlargement removes the fine band first. Dividing by the
/// mid band rather than by the region's whole contrast keeps lighting, dark hair beside the
/// cheeks and a wide smile out of it: the old ratio to contrast read siegel_1 (sharp at this
/// scale) as low as a face enlarged from a sixth-size photo. The mid band counts at least
/// `SHARPNESS_MIN_MID_SHARE` of the contrast, so a face blurred past both bands reads blurred.
pub fn sharpness(photo: &RgbImage, face: &crate::face::Face) -> Option<f64> {
    let d = face.inter_eye();
    if d < 4.0 {
        return None;
    }
    let [mx, my] = face.eye_mid();
    let (w, h) = photo.dimensions();
    let r = Rect::clipped(mx - d, my - 0.5 * d, mx + d, my + 1.4 * d, w, h)?;
    let crop = image::imageops::crop_imm(photo, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0).to_image();
    let k = SHARPNESS_INTER_EYE_PX / d;
    let (cw, ch) = (
        ((crop.width() as f32 * k).round() as u32).max(16),
        ((crop.height() as f32 * k).round() as u32).max(16),
    );
    let mut dst = RgbImage::new(cw, ch);
    Resizer::new()
        .resize(
            &crop,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)),
        )
        .ok()?;
    let g: Vec<f32> = dst.pixels().map(|p| luma(p.0)).collect();
    let (cw, ch) = (cw as usize, ch as usize);
    let b1 = box_mean(&g, cw, ch, 1);
    let b3 = box_mean(&g, cw, ch, SHARPNESS_MID_RADIUS);
    let (mut fine, mut mid) = (0f64, 0f64);
    for k in 0..g.len() {
        fine += f64::from((g[k] - b1[k]).abs());
        mid += f64::from((b1[k] - b3[k]).abs());
    }
    let mut sorted = g.clone();
    let contrast = f64::from(quantile(&mut sorted, 0.95)? - quantile(&mut sorted, 0.05)?);
    let mid = mid.max(SHARPNESS_MIN_MID_SHARE * contrast * g.len() as f64);
    (mid > 0.0).then(|| 100.0 * fine / mid)
}

/// JPEG blockiness on the face at full resolution.
pub struct Compression;

impl Rule for Compression {
    fn id(&self) -> CheckId {
        CheckId::Compression
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_blockiness else {
            return no_rule(self.id(), "quality.max_blockiness");
        };
        if ctx.photo.info.format != Format::Jpeg {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "不是 JPEG 文件，无压缩块效应",
                    "not a JPEG, so no block artefacts",
                ),
            );
        }
        let Some(face) = ctx.face.and_then(|f| f.face.as_ref()) else {
            return no_face(ctx, self.id());
        };
        let Some(v) = blockiness(&ctx.photo.image, face) else {
            return no_face(ctx, self.id());
        };
        let mut measured = Measure::number(v, Unit::Ratio, 2);
        if let Some(q) = ctx.photo.info.jpeg_quality {
            measured.text.reword(
                |t| format!("{t} (JPEG quality ≈ {q})"),
                |t| format!("{t}（JPEG 质量 ≈ {q}）"),
            );
        }
        at_most(
            self.id(),
            measured,
            v,
            max,
            2,
            Hint::new(
                "压缩过度，出现马赛克方块：用原始照片，不要反复压缩或经聊天软件转发",
                "over-compressed, with visible 8×8 blocks: use the original photo, not one re-compressed or sent through a chat app",
            ),
            Some("图像不清晰"),
        )
    }
}

/// Strongest 8-pixel phase of horizontal and vertical luma steps over the median phase, on the
/// face box; 1.0 means no block grid. Every phase is tried, so a crop or rotation that moved the
/// JPEG grid is still found.
pub fn blockiness(photo: &RgbImage, face: &crate::face::Face) -> Option<f64> {
    let (w, h) = photo.dimensions();
    let [x, y, bw, bh] = face.bbox;
    let r = Rect::clipped(x, y, x + bw, y + bh, w, h)?;
    if r.x1 - r.x0 < 32 || r.y1 - r.y0 < 32 {
        return None;
    }
    let step = (r.area() as usize / BLOCKINESS_MAX_SAMPLES).max(1) as u32;
    let mut col = [0f64; 8];
    let mut row = [0f64; 8];
    // Luma of the sampled row and the row above it, computed once per pixel.
    let width = (r.x1 - r.x0) as usize;
    let (mut above, mut here) = (vec![0f32; width], vec![0f32; width]);
    let stride = photo.width() as usize * 3;
    let raw = photo.as_raw();
    let fill = |buf: &mut [f32], y: u32| {
        let start = y as usize * stride + r.x0 as usize * 3;
        for (v, p) in buf
            .iter_mut()
            .zip(raw[start..start + width * 3].chunks_exact(3))
        {
            *v = luma([p[0], p[1], p[2]]);
        }
    };
    for y in (r.y0 + 1..r.y1).step_by(step as usize) {
        fill(&mut above, y - 1);
        fill(&mut here, y);
        let ry = &mut row[(y % 8) as usize];
        for i in 1..width {
            let x = r.x0 + i as u32;
            let v = here[i];
            col[(x % 8) as usize] += f64::from((v - here[i - 1]).abs());
            *ry += f64::from((v - above[i]).abs());
        }
    }
    let ratio = |mut a: [f64; 8]| {
        let peak = a.iter().copied().fold(0f64, f64::max);
        a.sort_by(f64::total_cmp);
        let median = (a[3] + a[4]) / 2.0;
        (median > 0.0).then(|| peak / median)
    };
    Some((ratio(col)? + ratio(row)?) / 2.0)
}

/// Grain in flat regions (skin and background).
pub struct Noise;

impl Rule for Noise {
    fn id(&self) -> CheckId {
        CheckId::Noise
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_noise_l else {
            return no_rule(self.id(), "quality.max_noise_l");
        };
        let img = &ctx.working.image;
        let mut regions: Vec<Rect> = Vec::new();
        if let Some(face) = FaceGeom::of(ctx) {
            regions.extend(face.cheeks());
            regions.extend(face.forehead());
        }
        if let Some(bg) = ctx.mask.and_then(|m| m.background.as_ref()) {
            let (w, h) = img.dimensions();
            regions.extend(bg.cells.iter().filter_map(|c| {
                Rect::clipped(
                    c.x as f32,
                    c.y as f32,
                    (c.x + c.size) as f32,
                    (c.y + c.size) as f32,
                    w,
                    h,
                )
            }));
        }
        let mut sigmas: Vec<f32> = regions.iter().flat_map(|r| block_noise(img, r)).collect();
        let flat = quantile(&mut sigmas, NOISE_QUANTILE);
        // Grain on parts only (a phone's noise reduction smooths the face and leaves the hair
        // and clothing grainy; a face retouched or pasted in): the head above the eyes and the
        // clothing are judged apart from the skin, each by its flattest quarter. Both must be
        // grainy: a camera's grain lies on every part alike, while a knit or heathered garment
        // on its own reads like grain (zuckerberg_1's marled sweater σ 2.8, his head 0.8).
        let parts = match (ctx.mask, FaceGeom::of(ctx)) {
            (Some(m), Some(face)) => {
                let [hair, clothing] = person_blocks(&m.alpha, &face).map(|blocks| {
                    let mut s: Vec<f32> = blocks.iter().flat_map(|r| block_noise(img, r)).collect();
                    quantile(&mut s, NOISE_QUANTILE)
                });
                hair.zip(clothing).map(|(a, b)| a.min(b))
            }
            _ => None,
        };
        let Some(v) = flat
            .into_iter()
            .chain(parts)
            .reduce(f32::max)
            .map(f64::from)
        else {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "没有可测噪点的平坦区域",
                    "no flat region to measure noise on",
                ),
            );
        };
        let mut measured = Measure::number(v, Unit::Lightness, 2);
        let fig = |v: Option<f32>| v.map_or("–".to_string(), |v| format!("{v:.2}"));
        let (f, p) = (fig(flat), fig(parts));
        measured.text.reword(
            |t| format!("σ {t} (skin and background {f}, hair and clothing {p})"),
            |t| format!("σ {t}（皮肤与背景 {f}，头发与衣服 {p}）"),
        );
        at_most(
            self.id(),
            measured,
            v,
            max,
            2,
            Hint::new(
                "照片有噪点（沙点）：在明亮处拍摄，不要用数码变焦或高 ISO",
                "the photo is grainy: shoot in brighter light, without digital zoom or high ISO",
            ),
            Some("图像有沙点"),
        )
    }
}

/// Blocks of the head and of the clothing for the noise estimate: whole [`NOISE_BLOCK`]²
/// blocks of the working copy that the mask holds wholly person (alpha at least
/// [`PERSON_ALPHA`] at the corners and the middle, so no edge against the backdrop is taken for
/// grain), above the eye line and off the face oval (the hair, and the top of the forehead
/// below a high hairline), or below the chin (the clothing). Keeping the forehead out as well
/// left too few blocks: short hair beside the head read the ears and a sweater's edge.
fn person_blocks(alpha: &image::GrayImage, face: &FaceGeom) -> [Vec<Rect>; 2] {
    let (w, h) = alpha.dimensions();
    let b = NOISE_BLOCK;
    let (mut hair, mut clothing) = (Vec::new(), Vec::new());
    for y0 in (0..h.saturating_sub(b - 1)).step_by(b as usize) {
        for x0 in (0..w.saturating_sub(b - 1)).step_by(b as usize) {
            let (x1, y1) = (x0 + b, y0 + b);
            let whole = [(x0, y0), (x1 - 1, y0), (x0, y1 - 1), (x1 - 1, y1 - 1)]
                .into_iter()
                .chain([(x0 + b / 2, y0 + b / 2)])
                .all(|(x, y)| alpha.get_pixel(x, y).0[0] >= PERSON_ALPHA);
            let on_face = x1 as f32 > face.x0
                && (x0 as f32) < face.x1
                && y1 as f32 > face.eye_y - 0.6 * face.d;
            let r = Rect { x0, y0, x1, y1 };
            if !whole {
                continue;
            } else if (y1 as f32) <= face.eye_y && !on_face {
                hair.push(r);
            } else if y0 as f32 >= face.chin[1] {
                clothing.push(r);
            }
        }
    }
    [hair, clothing]
}

/// Person-mask alpha from which a pixel counts as wholly the person.
const PERSON_ALPHA: u8 = 250;

/// Immerkær's noise estimate ("Fast noise variance estimation", CVIU 1996) on each full
/// [`NOISE_BLOCK`]² block of a region: σ = √(π/2) / (6 (W−2)(H−2)) · Σ |I ∗ N|, with N the
/// difference of two Laplacians, on luma scaled 0–100 (≈ L* units).
fn block_noise(img: &RgbImage, r: &Rect) -> Vec<f32> {
    let b = NOISE_BLOCK;
    let mut out = Vec::new();
    let mut by = r.y0;
    while by + b <= r.y1 {
        let mut bx = r.x0;
        while bx + b <= r.x1 {
            let bu = b as usize;
            let mut buf = Vec::with_capacity(bu * bu);
            for y in by..by + b {
                for x in bx..bx + b {
                    buf.push(luma(img.get_pixel(x, y).0));
                }
            }
            let l = |x: usize, y: usize| buf[y * bu + x];
            let mut sum = 0f32;
            for y in 1..bu - 1 {
                for x in 1..bu - 1 {
                    sum += immerkaer(l, x, y);
                }
            }
            let n = ((b - 2) * (b - 2)) as f32;
            out.push(IMMERKAER_TO_SIGMA * sum / n);
            bx += b;
        }
        by += b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::Face;

    #[test]
    fn hair_and_clothing_blocks_lie_off_the_face_and_the_backdrop() {
        // A face with eyes at y 100, chin at 172, cheeks at x 40 and 160, on a 200×240 person
        // whose left 20 px are backdrop.
        let (img, face) = crate::checks::regions::tests::face_image(|_, _, p| p);
        let alpha =
            image::GrayImage::from_fn(200, 240, |x, _| image::Luma([if x < 20 { 0 } else { 255 }]));
        let [head, clothing] = person_blocks(&alpha, &face);
        assert!(!head.is_empty() && !clothing.is_empty());
        for r in head.iter().chain(&clothing) {
            assert!(r.x0 >= 20, "{r:?} on the backdrop");
        }
        for r in &head {
            assert!(r.y1 <= 100, "{r:?} below the eyes");
            let beside = r.x1 <= 40 || r.x0 >= 160;
            assert!(
                beside || (r.y1 as f32) <= 100.0 - 0.6 * 60.0,
                "{r:?} on the face"
            );
        }
        for r in &clothing {
            assert!(r.y0 >= 172, "{r:?} above the chin");
        }
        // Grain on those blocks reads as grain there, and the face's own blocks stay clean.
        let mut seed = 17u32;
        let grainy = RgbImage::from_fn(200, 240, |x, y| {
            let p = *img.get_pixel(x, y);
            let part = head
                .iter()
                .chain(&clothing)
                .any(|r| (r.x0..r.x1).contains(&x) && (r.y0..r.y1).contains(&y));
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = ((seed >> 24) as i32 - 128) / 5;
            image::Rgb(p.0.map(|v| (i32::from(v) + if part { n } else { 0 }).clamp(0, 255) as u8))
        });
        let level = |blocks: &[Rect], img: &RgbImage| {
            let mut s: Vec<f32> = blocks.iter().flat_map(|r| block_noise(img, r)).collect();
            quantile(&mut s, NOISE_QUANTILE).unwrap()
        };
        assert!(level(&head, &img) < 0.1 && level(&clothing, &img) < 0.1);
        assert!(level(&head, &grainy) > 2.0, "{}", level(&head, &grainy));
        assert!(
            level(&clothing, &grainy) > 2.0,
            "{}",
            level(&clothing, &grainy)
        );
    }

    fn face_box(x: f32, y: f32, w: f32, h: f32) -> Face {
        Face {
            bbox: [x, y, w, h],
            right_eye: [x + 0.3 * w, y + 0.4 * h],
            left_eye: [x + 0.7 * w, y + 0.4 * h],
            crown: None,
            chin: [x + 0.5 * w, y + h],
            face_left_x: x,
            face_right_x: x + w,
            face_width_y: y + 0.5 * h,
            ..Default::default()
        }
    }

    /// Pseudo-random texture; in 8×8 blocks offset by (3, 5) when `blocky`.
    fn texture(blocky: bool) -> RgbImage {
        RgbImage::from_fn(160, 120, |x, y| {
            let (bx, by) = if blocky {
                ((x + 3) / 8, (y + 5) / 8)
            } else {
                (x, y)
            };
            // Blocks of 97 levels, plus a faint pixel texture (a flat block has no steps).
            let v = ((bx * 7919 + by * 104_729) % 97) as u8 + 80 + ((x * 31 + y * 17) % 3) as u8;
            image::Rgb([v, v.wrapping_add(10), v.wrapping_sub(20)])
        })
    }

    #[test]
    fn sharpness_ignores_contrast_and_falls_with_blur() {
        // Eyes 64 px apart: the measure works at the photo's own scale.
        let face = face_box(20.0, 10.0, 160.0, 150.0);
        let sharp = texture(false);
        let s = sharpness(&sharp, &face).unwrap();
        // Half the contrast (flat light, or a dark face) leaves the band ratio alone.
        let flat = RgbImage::from_fn(160, 120, |x, y| {
            image::Rgb(sharp.get_pixel(x, y).0.map(|v| v / 2 + 60))
        });
        let f = sharpness(&flat, &face).unwrap();
        assert!((s - f).abs() < 0.05 * s, "{s} vs {f}");
        let blurred = sharpness(&image::imageops::blur(&sharp, 2.0), &face).unwrap();
        assert!(blurred < 0.7 * s, "{blurred} vs {s}");
    }

    #[test]
    fn blockiness_finds_a_shifted_block_grid() {
        let face = face_box(10.0, 10.0, 130.0, 100.0);
        let flat = blockiness(&texture(false), &face).unwrap();
        let blocky = blockiness(&texture(true), &face).unwrap();
        assert!(flat < 1.2, "{flat}");
        assert!(blocky > 3.0, "{blocky}");
    }

    #[test]
    fn blockiness_matches_the_per_pixel_definition() {
        // The row-buffered loop sums the same steps in the same order as the definition.
        let img = texture(false);
        let face = face_box(9.0, 7.0, 121.0, 93.0);
        let r = Rect::clipped(9.0, 7.0, 130.0, 100.0, 160, 120).unwrap();
        let l = |x: u32, y: u32| luma(img.get_pixel(x, y).0);
        let (mut col, mut row) = ([0f64; 8], [0f64; 8]);
        for y in r.y0 + 1..r.y1 {
            for x in r.x0 + 1..r.x1 {
                col[(x % 8) as usize] += f64::from((l(x, y) - l(x - 1, y)).abs());
                row[(y % 8) as usize] += f64::from((l(x, y) - l(x, y - 1)).abs());
            }
        }
        let ratio = |mut a: [f64; 8]| {
            let peak = a.iter().copied().fold(0f64, f64::max);
            a.sort_by(f64::total_cmp);
            peak / ((a[3] + a[4]) / 2.0)
        };
        let expected = (ratio(col) + ratio(row)) / 2.0;
        assert_eq!(blockiness(&img, &face), Some(expected));
    }
}
