//! Person / background separation: a soft alpha mask of the person (hair, face, shoulders) at
//! working resolution, how sure the network was, and statistics of the background that the
//! background checks and the corrected photo need.
//!
//! Steps: MediaPipe selfie segmentation on the whole working copy stretched to 256×256
//! (`models/README.md`), bilinear upsampling of the probability to working resolution, then a
//! guided filter (He, Sun & Tang, "Guided Image Filtering", TPAMI 2013) with the photo's luma as
//! guide: it snaps the coarse 256-px mask onto real edges and keeps hair strands soft, in O(N)
//! with box filters. [`PersonMask::alpha_for`] repeats the refinement at any resolution (the
//! corrected photo composites at full resolution).

use crate::colour::{Lab, MeanColour};
use crate::error::Result;
use crate::nn;
use image::{GrayImage, Luma, RgbImage};

/// Side of the segmentation network's square input.
const NET_SIDE: u32 = 256;
/// Alpha (0–255) below which a pixel counts as background.
pub const BACKGROUND_ALPHA: u8 = 13;
/// Guided-filter regulariser in (luma 0–1)²: edges with less local variance than this are
/// smoothed over; 1e-3 keeps hair-against-wall edges (variance ≥ 0.01) and smooths JPEG noise.
const GUIDED_EPS: f32 = 1e-3;
/// Background cells: about this many across the longer side.
const CELLS_ACROSS: u32 = 12;
/// A cell is judged when at least this fraction of it is clean background.
const CELL_MIN_BACKGROUND: f32 = 0.8;

/// The person mask of one photo.
#[derive(Debug, Clone)]
pub struct PersonMask {
    /// Person opacity at working resolution, 0 = background, 255 = person.
    pub alpha: GrayImage,
    /// How decisive the network was, 0–1: the mean of |2p − 1| over its 256×256 output. Plain
    /// backgrounds give ≥ 0.95; clutter the network half-believes is a person lowers it.
    pub confidence: f32,
    /// Fraction of the photo covered by the person (alpha ≥ 0.5).
    pub person_fraction: f32,
    /// The background's statistics; `None` when almost no background is visible.
    pub background: Option<BackgroundStats>,
}

/// What the background looks like, measured on clean background pixels: alpha below
/// [`BACKGROUND_ALPHA`] everywhere within the guided filter's radius (so hair halos are out).
#[derive(Debug, Clone)]
pub struct BackgroundStats {
    /// Fraction of the photo that is clean background.
    pub fraction: f32,
    /// Mean colour (averaged in linear light), sRGB 0–255.
    pub mean_rgb: [u8; 3],
    /// Mean colour as L*a*b*.
    pub mean_lab: Lab,
    /// Texture: mean absolute luma gradient, luma on a 0–100 scale, per working pixel
    /// (central differences, |∂x| + |∂y| halved). A plain wall with sensor noise reads below 1.5;
    /// furniture, foliage or a street read 3–10.
    pub texture: f32,
    /// Mostly-background cells of a grid about [`CELLS_ACROSS`] cells across, each with its mean.
    pub cells: Vec<Cell>,
}

/// One background cell.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    /// Left edge, working px.
    pub x: u32,
    /// Top edge, working px.
    pub y: u32,
    /// Side, working px.
    pub size: u32,
    /// Mean colour of its background pixels, L*a*b*.
    pub lab: Lab,
}

impl PersonMask {
    /// Alpha at another resolution (e.g. the full photo), upsampled and refined again with that
    /// image as guide, so hair edges follow the full-resolution pixels.
    pub fn alpha_for(&self, image: &RgbImage) -> GrayImage {
        let (w, h) = image.dimensions();
        if (w, h) == self.alpha.dimensions() {
            return self.alpha.clone();
        }
        let (aw, ah) = self.alpha.dimensions();
        let src: Vec<f32> = self
            .alpha
            .as_raw()
            .iter()
            .map(|&v| f32::from(v) / 255.0)
            .collect();
        let p = bilinear(&src, aw, ah, w, h);
        refine(image, &p)
    }
}

/// Segments the person in a working-resolution image.
pub fn segment(image: &RgbImage) -> Result<PersonMask> {
    let net = nn::selfie_segmentation()?;
    let (w, h) = image.dimensions();
    let input = crate::imageops::resize(image, NET_SIDE, NET_SIDE, crate::imageops::Quality::Fast);
    let out = net.run(nn::nhwc_tensor(&input, 1.0 / 255.0, 0.0))?;
    let probs: Vec<f32> = out
        .first()
        .and_then(|t| t.to_plain_array_view::<f32>().ok())
        .map(|a| a.iter().copied().collect())
        .unwrap_or_default();
    let side = NET_SIDE as usize;
    if probs.len() != side * side || w == 0 || h == 0 {
        return Err(crate::Error::Model {
            name: "selfie_segmentation",
            message: format!("unexpected output of {} values", probs.len()),
        });
    }
    let confidence = probs.iter().map(|p| (2.0 * p - 1.0).abs()).sum::<f32>() / probs.len() as f32;
    let p = bilinear(&probs, NET_SIDE, NET_SIDE, w, h);
    let alpha = refine(image, &p);
    let person = alpha.as_raw().iter().filter(|&&a| a >= 128).count();
    let person_fraction = person as f32 / (w * h) as f32;
    let background = background_stats(image, &alpha, radius(w, h) + 2);
    Ok(PersonMask {
        alpha,
        confidence,
        person_fraction,
        background,
    })
}

/// Guided-filter radius for an image: about 1/160 of the shorter side (6 px at 1024×768),
/// the width of the 256-px mask's blur after upsampling.
fn radius(w: u32, h: u32) -> usize {
    (w.min(h) as usize / 160).max(2)
}

/// Refines an upsampled probability with the image's luma as guide; returns alpha 0–255.
fn refine(image: &RgbImage, p: &[f32]) -> GrayImage {
    let (w, h) = image.dimensions();
    let guide: Vec<f32> = image
        .pixels()
        .map(|px| {
            (0.299 * f32::from(px[0]) + 0.587 * f32::from(px[1]) + 0.114 * f32::from(px[2])) / 255.0
        })
        .collect();
    let q = guided_filter(&guide, p, w as usize, h as usize, radius(w, h), GUIDED_EPS);
    GrayImage::from_raw(
        w,
        h,
        q.iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect(),
    )
    .unwrap_or_else(|| GrayImage::new(w, h))
}

/// Bilinear resampling of a single-channel plane (pixel centres aligned).
fn bilinear(src: &[f32], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<f32> {
    let (sw, sh) = (sw as usize, sh as usize);
    let mut out = Vec::with_capacity(dw as usize * dh as usize);
    let fx = sw as f32 / dw as f32;
    let fy = sh as f32 / dh as f32;
    let xs: Vec<(usize, usize, f32)> = (0..dw)
        .map(|x| {
            let sx = ((x as f32 + 0.5) * fx - 0.5).clamp(0.0, (sw - 1) as f32);
            let x0 = sx.floor() as usize;
            (x0, (x0 + 1).min(sw - 1), sx - x0 as f32)
        })
        .collect();
    for y in 0..dh {
        let sy = ((y as f32 + 0.5) * fy - 0.5).clamp(0.0, (sh - 1) as f32);
        let y0 = sy.floor() as usize;
        let y1 = (y0 + 1).min(sh - 1);
        let ty = sy - y0 as f32;
        let (r0, r1) = (&src[y0 * sw..(y0 + 1) * sw], &src[y1 * sw..(y1 + 1) * sw]);
        for &(x0, x1, tx) in &xs {
            let top = r0[x0] + (r0[x1] - r0[x0]) * tx;
            let bottom = r1[x0] + (r1[x1] - r1[x0]) * tx;
            out.push(top + (bottom - top) * ty);
        }
    }
    out
}

/// Mean over a (2r+1)² window clipped to the image, separable running sums, O(N).
pub(crate) fn box_mean(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let out = &mut tmp[y * w..(y + 1) * w];
        let mut sum: f32 = row[..(r + 1).min(w)].iter().sum();
        for x in 0..w {
            let lo = x.saturating_sub(r);
            let hi = (x + r).min(w - 1);
            out[x] = sum / (hi - lo + 1) as f32;
            if x + r + 1 < w {
                sum += row[x + r + 1];
            }
            if x >= r {
                sum -= row[x - r];
            }
        }
    }
    let mut out = vec![0f32; w * h];
    let mut sums: Vec<f32> = vec![0.0; w];
    for y in 0..(r + 1).min(h) {
        for (s, v) in sums.iter_mut().zip(&tmp[y * w..(y + 1) * w]) {
            *s += v;
        }
    }
    for y in 0..h {
        let lo = y.saturating_sub(r);
        let hi = (y + r).min(h - 1);
        let n = (hi - lo + 1) as f32;
        for (o, s) in out[y * w..(y + 1) * w].iter_mut().zip(&sums) {
            *o = s / n;
        }
        if y + r + 1 < h {
            for (s, v) in sums.iter_mut().zip(&tmp[(y + r + 1) * w..(y + r + 2) * w]) {
                *s += v;
            }
        }
        if y >= r {
            for (s, v) in sums.iter_mut().zip(&tmp[(y - r) * w..(y - r + 1) * w]) {
                *s -= v;
            }
        }
    }
    out
}

/// Grey-guide guided filter: q = mean(a)·I + mean(b), a = cov(I, p) / (var(I) + ε).
fn guided_filter(guide: &[f32], p: &[f32], w: usize, h: usize, r: usize, eps: f32) -> Vec<f32> {
    let mean_i = box_mean(guide, w, h, r);
    let mean_p = box_mean(p, w, h, r);
    let ii: Vec<f32> = guide.iter().map(|v| v * v).collect();
    let ip: Vec<f32> = guide.iter().zip(p).map(|(a, b)| a * b).collect();
    let corr_i = box_mean(&ii, w, h, r);
    let corr_ip = box_mean(&ip, w, h, r);
    let mut a = vec![0f32; w * h];
    let mut b = vec![0f32; w * h];
    for k in 0..w * h {
        let var = corr_i[k] - mean_i[k] * mean_i[k];
        let cov = corr_ip[k] - mean_i[k] * mean_p[k];
        a[k] = cov / (var + eps);
        b[k] = mean_p[k] - a[k] * mean_i[k];
    }
    let ma = box_mean(&a, w, h, r);
    let mb = box_mean(&b, w, h, r);
    (0..w * h).map(|k| ma[k] * guide[k] + mb[k]).collect()
}

/// Statistics of the clean background: pixels with no person within `margin` px.
fn background_stats(image: &RgbImage, alpha: &GrayImage, margin: usize) -> Option<BackgroundStats> {
    let (w, h) = image.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let person: Vec<f32> = alpha
        .as_raw()
        .iter()
        .map(|&a| if a >= BACKGROUND_ALPHA { 1.0 } else { 0.0 })
        .collect();
    let near = box_mean(&person, wu, hu, margin);
    let clean: Vec<bool> = near.iter().map(|&v| v < 1e-4).collect();
    let n_clean = clean.iter().filter(|&&c| c).count();
    if n_clean < (wu * hu) / 50 {
        return None;
    }
    let raw = image.as_raw();
    let luma: Vec<f32> = raw
        .chunks_exact(3)
        .map(|p| {
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 2.55
        })
        .collect();
    let mut mean = MeanColour::default();
    let (mut grad_sum, mut grad_n) = (0f64, 0u64);
    for y in 0..hu {
        for x in 0..wu {
            let k = y * wu + x;
            if !clean[k] {
                continue;
            }
            mean.add([raw[3 * k], raw[3 * k + 1], raw[3 * k + 2]]);
            if x > 0 && y > 0 && x + 1 < wu && y + 1 < hu {
                let gx = (luma[k + 1] - luma[k - 1]).abs();
                let gy = (luma[k + wu] - luma[k - wu]).abs();
                grad_sum += f64::from(gx + gy) / 2.0;
                grad_n += 1;
            }
        }
    }
    let size = (w.max(h) / CELLS_ACROSS).max(8);
    let mut cells = Vec::new();
    for cy in (0..h).step_by(size as usize) {
        for cx in (0..w).step_by(size as usize) {
            let (x1, y1) = ((cx + size).min(w), (cy + size).min(h));
            let area = ((x1 - cx) * (y1 - cy)) as f32;
            let mut m = MeanColour::default();
            for y in cy..y1 {
                for x in cx..x1 {
                    let k = (y * w + x) as usize;
                    if clean[k] {
                        m.add([raw[3 * k], raw[3 * k + 1], raw[3 * k + 2]]);
                    }
                }
            }
            if m.count() as f32 >= CELL_MIN_BACKGROUND * area && area >= (size * size) as f32 / 2.0
            {
                if let Some(lab) = m.lab() {
                    cells.push(Cell {
                        x: cx,
                        y: cy,
                        size,
                        lab,
                    });
                }
            }
        }
    }
    Some(BackgroundStats {
        fraction: n_clean as f32 / (wu * hu) as f32,
        mean_rgb: mean.srgb()?,
        mean_lab: mean.lab()?,
        texture: if grad_n > 0 {
            (grad_sum / grad_n as f64) as f32
        } else {
            0.0
        },
        cells,
    })
}

/// Whether a working pixel is clean background for this mask (alpha below [`BACKGROUND_ALPHA`]).
pub fn is_background(alpha: &GrayImage, x: u32, y: u32) -> bool {
    alpha
        .get_pixel_checked(x, y)
        .is_some_and(|Luma([a])| *a < BACKGROUND_ALPHA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_mean_is_a_clipped_window_mean() {
        let src: Vec<f32> = (0..20).map(|v| v as f32).collect();
        let m = box_mean(&src, 5, 4, 1);
        // Corner (0,0): mean of 0,1,5,6.
        assert!((m[0] - 3.0).abs() < 1e-5);
        // Interior (1,1): mean of 0,1,2,5,6,7,10,11,12.
        assert!((m[6] - 6.0).abs() < 1e-5);
    }

    #[test]
    fn guided_filter_snaps_a_blurry_mask_to_the_guide_edge() {
        // Guide: dark person on the left half, white wall on the right; mask: a soft ramp.
        let (w, h) = (64usize, 16usize);
        let guide: Vec<f32> = (0..w * h)
            .map(|k| if k % w < 32 { 0.2 } else { 0.95 })
            .collect();
        let p: Vec<f32> = (0..w * h)
            .map(|k| (1.0 - ((k % w) as f32 - 24.0) / 16.0).clamp(0.0, 1.0))
            .collect();
        let q = guided_filter(&guide, &p, w, h, 4, 1e-3);
        let row = &q[8 * w..9 * w];
        // The input ramp falls 1/16 per pixel; the filtered mask drops several times more at
        // the guide's edge (between x 31 and 32) than anywhere else.
        let drop = |x: usize| row[x] - row[x + 1];
        assert!(drop(31) > 0.2, "{:?}", &row[26..38]);
        assert!((0..63)
            .filter(|&x| x != 31)
            .all(|x| drop(x) < 0.5 * drop(31)));
    }

    #[test]
    fn segments_a_real_photo_and_measures_its_white_background() {
        let Some(dir) = std::env::var_os("IDPHOTO_TESTDATA")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
            })
            .filter(|d| d.join("photos/pichai_1.jpg").is_file())
        else {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "test data missing"
            );
            return;
        };
        let photo =
            crate::decode::open(&dir.join("photos/pichai_1.jpg"), &Default::default()).unwrap();
        let mask = segment(&photo.image).unwrap();
        assert!(mask.confidence > 0.9, "{}", mask.confidence);
        assert!(
            (0.2..0.8).contains(&mask.person_fraction),
            "{}",
            mask.person_fraction
        );
        let bg = mask.background.as_ref().unwrap();
        assert!(bg.mean_lab[0] > 90.0, "white background: {:?}", bg.mean_lab);
        // Corner is background, the face centre (annotated eyes around y 170) is person.
        assert_eq!(mask.alpha.get_pixel(3, 3)[0], 0);
        assert!(mask.alpha.get_pixel(200, 200)[0] > 250);
        let full = mask.alpha_for(&image::imageops::resize(
            &photo.image,
            800,
            800,
            image::imageops::FilterType::Triangle,
        ));
        assert_eq!(full.dimensions(), (800, 800));
        assert!(full.get_pixel(400, 400)[0] > 250);
    }
}
