//! Background replacement: the spec's colour behind the person, with soft hair edges.
//!
//! A matte gives each pixel the fraction α of person in it (255 = all person). At hair edges a
//! pixel mixes the person's colour F with the old background B: `I = α·F + (1−α)·B`. Simply
//! blending I over the new colour would keep the old background's share inside every soft pixel
//! (a grey or blue halo around white-background hair). So the old background is estimated
//! locally — a normalised box blur of the pixels the matte calls background — and removed:
//! `F = (I − (1−α)·B) / α`, clamped, then `out = α·F + (1−α)·B_new` (Porter & Duff "over",
//! with the foreground-colour estimate of e.g. Levin et al., "A Closed-Form Solution to Natural
//! Image Matting", 2008, reduced to a locally smooth background).
//!
//! The matte is the segmentation network's 256-px mask, upsampled and refined; over a flat
//! backdrop the refinement has no edge to snap to and leaves a soft glow of α > 0 on pixels
//! that are pure backdrop. Decontamination cannot see that (there `F = I = B`), and the glow
//! would stay as a halo of the old colour (a blue rim around a head shot against navy). So a
//! soft pixel is first judged by its colour: within `SAME_AS_BACKGROUND` of the local old
//! background it is backdrop, beyond `UNLIKE_BACKGROUND` the matte is trusted, in between α
//! fades. A thin hair strand over the backdrop differs from it by α·|F − B| and fades only
//! where it is nearly transparent anyway.
//!
//! Canvas pixels outside the photo (padding, [`super::render::Rendered::coverage`] < 255) count
//! as background.

use image::{GrayImage, RgbImage};

/// Radius of the local old-background estimate, as a fraction of the canvas width: wide enough
/// to reach past a hair fringe to clean background, narrow enough to follow a gradient backdrop.
const BACKGROUND_RADIUS_FRACTION: f32 = 0.06;

/// Below this α (of 1) a pixel is treated as pure background; the division by α would only
/// amplify noise.
const MIN_ALPHA: f32 = 0.02;

/// Distance (RGB, 0–255 per channel) from the local old background within which a soft
/// pixel is backdrop: JPEG noise and sensor grain on a plain wall stay below it.
const SAME_AS_BACKGROUND: f32 = 6.0;
/// Distance beyond which the matte's α is kept as it is.
const UNLIKE_BACKGROUND: f32 = 16.0;

/// The colour test needs this share of the estimate's window to be clean background (by
/// weight).
const MIN_CLEAN_SHARE: f64 = 0.1;
/// At and above this α the matte is trusted whatever the colour: dark hair can match a dark
/// backdrop pixel for pixel.
const TRUSTED_ALPHA: f32 = 0.95;

/// Around the person (the matte's opaque region that holds the face), soft matte is kept
/// within this fraction of the canvas width; beyond it, and on opaque islands not joined to
/// the person, the matte is dropped.
const PERSON_REACH_FRACTION: f32 = 0.04;

/// A person matte for one photo: α at any resolution, and how far to trust it.
#[derive(Debug, Clone)]
pub struct Matte {
    /// α, 255 = person, 0 = background.
    pub alpha: GrayImage,
    /// Matte pixels per photo pixel (1 at photo resolution, < 1 at working resolution).
    pub scale: f32,
    /// How sure the segmentation is of the whole matte, 0–1.
    pub confidence: f32,
    /// Whether the background it leaves is a colour reference: plain and neutral as
    /// `colour.cast` judges it ([`crate::checks::background_is_colour_reference`]). Only then
    /// is the corrected photo white-balanced to it.
    pub colour_reference: bool,
}

/// Integral image of `f64` sums, one extra row and column of zeros.
struct Integral {
    w: usize,
    sums: Vec<f64>,
}

impl Integral {
    fn new(w: usize, h: usize, value: impl Fn(usize, usize) -> f64) -> Self {
        let [one] = Integral::several(w, h, |x, y| [value(x, y)]);
        one
    }

    /// `N` tables at once, of the `N` values `values` gives for each pixel (each table summed
    /// in the same order as [`Integral::new`] sums it alone).
    fn several<const N: usize>(
        w: usize,
        h: usize,
        values: impl Fn(usize, usize) -> [f64; N],
    ) -> [Self; N] {
        let stride = w + 1;
        let mut sums: [Vec<f64>; N] = std::array::from_fn(|_| vec![0.0; stride * (h + 1)]);
        for y in 0..h {
            let mut row = [0.0; N];
            for x in 0..w {
                let v = values(x, y);
                for k in 0..N {
                    row[k] += v[k];
                    sums[k][(y + 1) * stride + x + 1] = sums[k][y * stride + x + 1] + row[k];
                }
            }
        }
        sums.map(|sums| Integral { w, sums })
    }

    /// Sum over `[x0, x1) × [y0, y1)`.
    fn sum(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let s = self.w + 1;
        self.sums[y1 * s + x1] - self.sums[y0 * s + x1] - self.sums[y1 * s + x0]
            + self.sums[y0 * s + x0]
    }
}

/// Keeps the one person in the matte: the opaque region (α ≥ ½, 4-connected) that holds `seed`
/// (a point on the face) and the soft matte within reach of it. The segmentation network
/// half-believes some clutter is a person — a gold statue, a passer-by at the edge — and those
/// islands would stay in the corrected photo as ghosts of the old background. Returns false,
/// leaving the matte alone, when `seed` is not on the opaque region.
pub fn keep_person(alpha: &mut GrayImage, seed: [f32; 2]) -> bool {
    let (w, h) = (alpha.width() as usize, alpha.height() as usize);
    let (sx, sy) = (seed[0].floor(), seed[1].floor());
    if !(sx >= 0.0 && sy >= 0.0 && (sx as usize) < w && (sy as usize) < h) {
        return false;
    }
    let opaque = |i: usize| alpha.as_raw()[i] >= 128;
    let start = sy as usize * w + sx as usize;
    if !opaque(start) {
        return false;
    }
    let mut person = vec![false; w * h];
    person[start] = true;
    let mut stack = vec![start];
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        let neighbours = [
            (x > 0).then(|| i - 1),
            (x + 1 < w).then(|| i + 1),
            (y > 0).then(|| i - w),
            (y + 1 < h).then(|| i + w),
        ];
        for j in neighbours.into_iter().flatten() {
            if !person[j] && opaque(j) {
                person[j] = true;
                stack.push(j);
            }
        }
    }
    let near = Integral::new(w, h, |x, y| f64::from(u8::from(person[y * w + x])));
    let r = ((w as f32 * PERSON_REACH_FRACTION).round() as usize).max(1);
    for (i, a) in alpha.iter_mut().enumerate() {
        if *a == 0 || person[i] {
            continue;
        }
        let (x, y) = (i % w, i / w);
        let window = near.sum(
            x.saturating_sub(r),
            y.saturating_sub(r),
            (x + r + 1).min(w),
            (y + r + 1).min(h),
        );
        if window < 0.5 {
            *a = 0;
        }
    }
    true
}

/// Replaces the background of a rendered canvas in place. `alpha` and `coverage` are canvas-sized.
pub fn replace_mut(
    canvas: &mut RgbImage,
    alpha: &GrayImage,
    coverage: &GrayImage,
    colour: [u8; 3],
) {
    let (w, h) = (canvas.width() as usize, canvas.height() as usize);
    if w == 0 || h == 0 || alpha.dimensions() != canvas.dimensions() {
        return;
    }
    let a = |x: usize, y: usize| {
        let m = alpha.get_pixel(x as u32, y as u32)[0] as f32 / 255.0;
        let c = coverage.get_pixel(x as u32, y as u32)[0] as f32 / 255.0;
        m * c
    };
    // Weight of a pixel in the old-background estimate: clean background, inside the photo.
    let weight = |x: usize, y: usize| {
        let m = 1.0 - alpha.get_pixel(x as u32, y as u32)[0] as f64 / 255.0;
        let c = coverage.get_pixel(x as u32, y as u32)[0] as f64 / 255.0;
        m * m * m * m * c
    };
    let [wsum, chan @ ..] = Integral::several(w, h, |x, y| {
        let (weight, px) = (weight(x, y), canvas.get_pixel(x as u32, y as u32).0);
        [
            weight,
            weight * px[0] as f64,
            weight * px[1] as f64,
            weight * px[2] as f64,
        ]
    });
    let total = wsum.sum(0, 0, w, h);
    let global: [f64; 3] = if total > 1e-6 {
        [0, 1, 2].map(|k| chan[k].sum(0, 0, w, h) / total)
    } else {
        colour.map(f64::from)
    };
    let r = ((w as f32 * BACKGROUND_RADIUS_FRACTION).round() as usize).max(2);
    let new = colour.map(|c| c as f32);
    for y in 0..h {
        for x in 0..w {
            let alpha = a(x, y);
            let px = canvas.get_pixel_mut(x as u32, y as u32);
            if alpha >= 1.0 {
                continue;
            }
            if alpha < MIN_ALPHA {
                px.0 = colour;
                continue;
            }
            let (x0, y0, x1, y1) = (
                x.saturating_sub(r),
                y.saturating_sub(r),
                (x + r + 1).min(w),
                (y + r + 1).min(h),
            );
            let ws = wsum.sum(x0, y0, x1, y1);
            let old: [f64; 3] = if ws > 1e-3 {
                [0, 1, 2].map(|k| chan[k].sum(x0, y0, x1, y1) / ws)
            } else {
                global
            };
            // Judged only where the old background is really seen nearby (inside a head,
            // "old" is an average of nearly opaque hair) and the matte is unsure.
            let area = ((x1 - x0) * (y1 - y0)) as f64;
            let alpha = if ws >= MIN_CLEAN_SHARE * area && alpha < TRUSTED_ALPHA {
                let distance = (0..3)
                    .map(|k| (px[k] as f32 - old[k] as f32).powi(2))
                    .sum::<f32>()
                    .sqrt();
                alpha
                    * ((distance - SAME_AS_BACKGROUND) / (UNLIKE_BACKGROUND - SAME_AS_BACKGROUND))
                        .clamp(0.0, 1.0)
            } else {
                alpha
            };
            if alpha < MIN_ALPHA {
                px.0 = colour;
                continue;
            }
            for k in 0..3 {
                let i = px[k] as f32;
                let f = ((i - (1.0 - alpha) * old[k] as f32) / alpha).clamp(0.0, 255.0);
                px[k] = (alpha * f + (1.0 - alpha) * new[k])
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A person (dark red disc) on a blue backdrop, with a soft 6-px edge mixed in the matte's
    /// proportion — what a camera records at a hair fringe.
    fn scene(w: u32, h: u32) -> (RgbImage, GrayImage) {
        let (fg, bg) = ([120.0f32, 40.0, 30.0], [40.0f32, 90.0, 220.0]);
        let alpha = GrayImage::from_fn(w, h, |x, y| {
            let d =
                ((x as f32 - w as f32 / 2.0).powi(2) + (y as f32 - h as f32 / 2.0).powi(2)).sqrt();
            let a = ((w as f32 * 0.3 - d) / 6.0 + 0.5).clamp(0.0, 1.0);
            image::Luma([(a * 255.0).round() as u8])
        });
        let img = RgbImage::from_fn(w, h, |x, y| {
            let a = alpha.get_pixel(x, y)[0] as f32 / 255.0;
            image::Rgb([0, 1, 2].map(|k| (a * fg[k] + (1.0 - a) * bg[k]).round() as u8))
        });
        (img, alpha)
    }

    #[test]
    fn background_becomes_the_new_colour_and_the_person_stays() {
        let (mut img, alpha) = scene(100, 100);
        let cov = GrayImage::from_pixel(100, 100, image::Luma([255]));
        replace_mut(&mut img, &alpha, &cov, [255, 255, 255]);
        assert_eq!(img.get_pixel(2, 2).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(50, 50).0, [120, 40, 30]);
    }

    #[test]
    fn soft_edges_carry_no_old_background_colour() {
        let (mut img, alpha) = scene(120, 120);
        let cov = GrayImage::from_pixel(120, 120, image::Luma([255]));
        replace_mut(&mut img, &alpha, &cov, [255, 255, 255]);
        // Every edge pixel must be a mix of the person and WHITE: blue may not exceed what
        // α·F + (1−α)·255 gives (a halo of the old blue backdrop would push it up relative to red).
        for (x, y, p) in img.enumerate_pixels() {
            let a = alpha.get_pixel(x, y)[0] as f32 / 255.0;
            if a > 0.1 && a < 0.9 {
                let want = [120.0, 40.0, 30.0].map(|f: f32| a * f + (1.0 - a) * 255.0);
                for k in 0..3 {
                    assert!(
                        (p[k] as f32 - want[k]).abs() <= 6.0,
                        "({x},{y}) α={a}: {p:?} vs {want:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn naive_blend_would_have_left_a_halo() {
        // The same edge blended naively keeps blue: guards that the test above can fail.
        let (img, alpha) = scene(120, 120);
        let mut worst: f32 = 0.0;
        for (x, y, p) in img.enumerate_pixels() {
            let a = alpha.get_pixel(x, y)[0] as f32 / 255.0;
            if a > 0.1 && a < 0.9 {
                let naive = a * p[2] as f32 + (1.0 - a) * 255.0;
                let want = a * 30.0 + (1.0 - a) * 255.0;
                worst = worst.max((naive - want).abs());
            }
        }
        assert!(worst > 6.0, "naive blend differs by {worst}");
    }

    #[test]
    fn a_matte_glow_over_plain_backdrop_leaves_no_halo() {
        // The person's edge is sharp in the photo but the matte fades over 12 px beyond it,
        // as the upsampled network mask does over a flat navy wall.
        let (w, h) = (300u32, 300u32);
        let navy = [2u8, 12, 70];
        let radius =
            |x: u32, y: u32| ((x as f32 - 150.0).powi(2) + (y as f32 - 150.0).powi(2)).sqrt();
        let mut img = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb(if radius(x, y) < 60.0 {
                [200, 150, 120]
            } else {
                navy
            })
        });
        let alpha = GrayImage::from_fn(w, h, |x, y| {
            let a = ((72.0 - radius(x, y)) / 12.0).clamp(0.0, 1.0);
            image::Luma([(a * 255.0).round() as u8])
        });
        let cov = GrayImage::from_pixel(w, h, image::Luma([255]));
        replace_mut(&mut img, &alpha, &cov, [255, 255, 255]);
        for (x, y, p) in img.enumerate_pixels() {
            let r = radius(x, y);
            if r > 61.0 {
                assert_eq!(
                    p.0,
                    [255, 255, 255],
                    "({x},{y}) r={r} α={:?}",
                    alpha.get_pixel(x, y)
                );
            } else if r < 59.0 {
                assert_eq!(p.0, [200, 150, 120], "({x},{y}) r={r}");
            }
        }
    }

    #[test]
    fn only_the_person_holding_the_face_is_kept() {
        // A person (disc with a soft rim) and, far from it, an opaque island and a faint blob.
        let mut alpha = GrayImage::from_fn(200, 200, |x, y| {
            let d = ((x as f32 - 70.0).powi(2) + (y as f32 - 100.0).powi(2)).sqrt();
            let person = ((50.0 - d) / 4.0).clamp(0.0, 1.0);
            let island = if x >= 170 && (20..60).contains(&y) {
                0.9
            } else {
                0.0
            };
            let faint = if x >= 170 && (150..190).contains(&y) {
                0.3
            } else {
                0.0
            };
            image::Luma([(person.max(island).max(faint) * 255.0).round() as u8])
        });
        let before = alpha.clone();
        assert!(keep_person(&mut alpha, [70.0, 100.0]));
        for (x, y, a) in alpha.enumerate_pixels() {
            let d = ((x as f32 - 70.0).powi(2) + (y as f32 - 100.0).powi(2)).sqrt();
            if d < 52.0 {
                assert_eq!(
                    a,
                    before.get_pixel(x, y),
                    "({x},{y}): the person and its rim stay"
                );
            } else if x >= 170 {
                assert_eq!(a[0], 0, "({x},{y}): islands go");
            }
        }
        // A seed off the opaque matte changes nothing.
        let mut again = before.clone();
        assert!(!keep_person(&mut again, [190.0, 100.0]));
        assert_eq!(again, before);
    }

    #[test]
    fn padding_outside_the_photo_is_filled() {
        let mut img = RgbImage::from_pixel(20, 20, image::Rgb([9, 9, 9]));
        let alpha = GrayImage::from_pixel(20, 20, image::Luma([255]));
        let cov = GrayImage::from_fn(20, 20, |x, _| image::Luma([if x < 5 { 0 } else { 255 }]));
        replace_mut(&mut img, &alpha, &cov, [255, 0, 0]);
        assert_eq!(img.get_pixel(0, 10).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(10, 10).0, [9, 9, 9]);
    }
}
