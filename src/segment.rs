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

use crate::colour::{self, Lab, MeanColour};
use crate::error::Result;
use crate::nn;
use crate::stats::box_mean;
use image::{GrayImage, Luma, RgbImage};

/// Side of the segmentation network's square input and output.
pub const NET_SIDE: u32 = 256;
/// Alpha (0–255) below which a pixel counts as background.
pub const BACKGROUND_ALPHA: u8 = 13;
/// Guided-filter regulariser in (luma 0–1)²: edges with less local variance than this are
/// smoothed over; 1e-3 keeps hair-against-wall edges (variance ≥ 0.01) and smooths JPEG noise.
const GUIDED_EPS: f32 = 1e-3;
/// Background cells: about this many across the longer side.
const CELLS_ACROSS: u32 = 12;
/// A cell is judged when at least this fraction of it is clean background.
const CELL_MIN_BACKGROUND: f32 = 0.8;
/// Quantile of the cells' noise levels taken as the background's noise: the flattest cells
/// carry noise only, texture raises the others.
const NOISE_QUANTILE: f32 = 0.25;
/// Mean central-difference gradient white noise of σ 1 gives, (|∂x| + |∂y|) / 2 =
/// E|n(x+1) − n(x−1)| = 2/√π. Without removing it, the grain of a photo the noise check still
/// accepts (σ 4 levels) raised plain walls from 0.0–0.5 to 1.7–2.0, above `max_clutter`.
const NOISE_GRADIENT: f32 = std::f32::consts::FRAC_2_SQRT_PI;

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
    /// The network's person probabilities, [`NET_SIDE`]² stretched over the photo (the face
    /// stage finds the crown in them).
    pub probabilities: Vec<f32>,
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
    /// (central differences, |∂x| + |∂y| halved), less the part the background's noise alone
    /// gives (`NOISE_GRADIENT` × `noise`). Plain walls read 0–0.29, grainy or not; logo
    /// walls, paintings, text, crowds and streets 0.29–3.3 (`specs/base/common.toml`).
    pub texture: f32,
    /// Noise σ of the background, luma 0–100 (Immerkær's estimate, the flattest quarter of the
    /// cells).
    pub noise: f32,
    /// Mostly-background cells of a grid about 12 cells across (`CELLS_ACROSS`), each with its
    /// mean.
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
    /// Its background pixels' texture, as [`BackgroundStats::texture`] for the whole.
    pub texture: f32,
}

impl PersonMask {
    /// The same mask for the photo turned clockwise by `degrees` (90, 180 or 270; any other
    /// value gives it back unturned): the probabilities, the alpha and the background cells all
    /// turn with it. The face stage measures an upside-down photo turned, and the pipeline
    /// segments a photo that lies on its side or upside down turned upright and turns the mask
    /// back (the network knows upright people only).
    pub fn turned(&self, degrees: u16) -> PersonMask {
        let quarters = match degrees {
            90 => 1,
            180 => 2,
            270 => 3,
            _ => return self.clone(),
        };
        let (w, h) = self.alpha.dimensions();
        let all = [0, 0, u32::MAX, u32::MAX];
        let (alpha, tw, th) =
            crate::imageops::turned_pixels::<_, 1>(self.alpha.as_raw(), [w, h], degrees, all);
        // The probabilities are a square grid stretched over the photo, so they turn as a
        // square.
        let n = NET_SIDE;
        let probabilities = if self.probabilities.len() == (n * n) as usize {
            crate::imageops::turned_pixels::<_, 1>(&self.probabilities, [n, n], degrees, all).0
        } else {
            self.probabilities.clone()
        };
        let background = self.background.clone().map(|mut b| {
            for c in &mut b.cells {
                // Turned a quarter at a time: (x, y) of a mask `height` high goes to
                // (height − 1 − y, x). A cell at the bottom edge may be cut short; turned, it
                // keeps its side and its far edge at the photo's left.
                let mut height = h;
                for q in 0..quarters {
                    (c.x, c.y) = (height.saturating_sub(c.y + c.size), c.x);
                    height = if q % 2 == 0 { w } else { h };
                }
            }
            b
        });
        PersonMask {
            alpha: GrayImage::from_raw(tw, th, alpha).unwrap_or_else(|| GrayImage::new(0, 0)),
            probabilities,
            background,
            confidence: self.confidence,
            person_fraction: self.person_fraction,
        }
    }

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
        refine(image, &src, aw, ah)
    }
}

/// Segments the person in a working-resolution image.
pub fn segment(image: &RgbImage) -> Result<PersonMask> {
    let net = nn::selfie_segmentation()?;
    let (w, h) = image.dimensions();
    let input = crate::imageops::resize(image, NET_SIDE, NET_SIDE, crate::imageops::Quality::Fast);
    let out = net.run(nn::nhwc_tensor(&input, 1.0 / 255.0, 0.0))?;
    let probabilities = out.first().map(nn::floats).unwrap_or_default();
    let side = NET_SIDE as usize;
    if probabilities.len() != side * side || w == 0 || h == 0 {
        return Err(crate::Error::Model {
            name: "selfie_segmentation",
            message: format!("unexpected output of {} values", probabilities.len()),
        });
    }
    let confidence = probabilities
        .iter()
        .map(|p| (2.0 * p - 1.0).abs())
        .sum::<f32>()
        / probabilities.len() as f32;
    let alpha = refine(image, &probabilities, NET_SIDE, NET_SIDE);
    let person = alpha.as_raw().iter().filter(|&&a| a >= 128).count();
    let person_fraction = person as f32 / (w * h) as f32;
    let background = background_stats(image, &alpha, radius(w, h) + 2);
    Ok(PersonMask {
        alpha,
        confidence,
        person_fraction,
        background,
        probabilities,
    })
}

/// The person mask of `image` made with the image turned clockwise by `turn` (`None`: as it
/// lies) and turned back. The selfie network knows upright people only: on a photo saved on
/// its side or upside down its mask misses much of the person, whom the background checks then
/// read as clutter. `turned` is the image already turned by `turn`, when the caller has it.
pub fn segment_turned(
    image: &RgbImage,
    turn: Option<u16>,
    turned: Option<&RgbImage>,
) -> Result<PersonMask> {
    match turn {
        Some(t) => {
            let mask = match turned {
                Some(copy) => segment(copy),
                None => segment(&crate::imageops::turned_clockwise(image, t)),
            };
            mask.map(|m| m.turned(360 - t))
        }
        None => segment(image),
    }
}

/// Guided-filter radius for an image: about 1/160 of the shorter side (6 px at 1024×768),
/// the width of the 256-px mask's blur after upsampling.
fn radius(w: u32, h: u32) -> usize {
    (w.min(h) as usize / 160).max(2)
}

/// Subsampling factor of the guided filter's coefficients for radius `r` ("Fast Guided
/// Filter", He & Sun 2015): a and b are box means over the radius, so they carry no detail
/// finer than it and bilinear upsampling loses little, while the cost falls with the square of
/// the factor. About r/2 keeps the filtered mask within 2 % (mean, in the soft edge band) of
/// the exact filter on the shared photos; r/3 and coarser grids drift to 4–7 %. Measured on
/// 1024×915: refine 25 → 7 ms.
fn subsample(r: usize) -> usize {
    if r <= 2 {
        1
    } else {
        (r / 2).max(2)
    }
}

/// Refines a coarse probability plane `src` (`sw`×`sh`, stretched over the image) with the
/// image's luma as the guide by a subsampled guided filter; returns alpha 0–255.
fn refine(image: &RgbImage, src: &[f32], sw: u32, sh: u32) -> GrayImage {
    let (w, h) = image.dimensions();
    let s = subsample(radius(w, h));
    refine_subsampled(|y, row| guide_row(image, y, row), w, h, src, (sw, sh), s)
}

/// Row `y` of the guide: the image's luma, 0–1 (a row of [`colour::luma_plane`]), made when
/// it is read. The whole plane, four bytes a pixel (3 MB on a 1024-pixel working copy, 48 MB
/// for a 12 MP photo refined by [`PersonMask::alpha_for`]), is never held.
fn guide_row(image: &RgbImage, y: usize, row: &mut [f32]) {
    colour::luma_row(image, y, 1.0, row);
}

/// [`refine`] with the coefficients computed every `s` pixels (`s` = 1: the exact filter);
/// `guide` writes the guide's row `y`.
fn refine_subsampled(
    guide: impl Fn(usize, &mut [f32]),
    w: u32,
    h: u32,
    src: &[f32],
    (sw, sh): (u32, u32),
    s: usize,
) -> GrayImage {
    if w == 0 || h == 0 {
        return GrayImage::new(w, h);
    }
    let r = radius(w, h);
    let (wu, hu) = (w as usize, h as usize);
    let (lw, lh) = (wu.div_ceil(s), hu.div_ceil(s));
    let guide_low = block_mean_of_rows(&guide, wu, hu, s);
    let p_low = bilinear(src, sw, sh, lw as u32, lh as u32);
    let (a, b) = coefficients(&guide_low, &p_low, lw, lh, (r / s).max(1), GUIDED_EPS);
    // Upsample a and b (pixel centres aligned: low pixel i covers full pixels i·s..(i+1)·s)
    // and apply them to the full-resolution guide in one pass.
    let axis = |n: usize, ln: usize| -> Vec<(usize, usize, f32)> {
        (0..n)
            .map(|i| {
                let t = ((i as f32 + 0.5) / s as f32 - 0.5).clamp(0.0, (ln - 1) as f32);
                let i0 = t.floor() as usize;
                (i0, (i0 + 1).min(ln - 1), t - i0 as f32)
            })
            .collect()
    };
    let (xs, ys) = (axis(wu, lw), axis(hu, lh));
    let mut alpha = GrayImage::new(w, h);
    let (mut row_a, mut row_b, mut g) = (vec![0f32; lw], vec![0f32; lw], vec![0f32; wu]);
    for (y, (&(y0, y1, ty), out)) in ys.iter().zip(alpha.chunks_exact_mut(wu)).enumerate() {
        let (a0, a1) = (&a[y0 * lw..][..lw], &a[y1 * lw..][..lw]);
        let (b0, b1) = (&b[y0 * lw..][..lw], &b[y1 * lw..][..lw]);
        for (x, (ra, rb)) in row_a.iter_mut().zip(row_b.iter_mut()).enumerate() {
            *ra = a0[x] + (a1[x] - a0[x]) * ty;
            *rb = b0[x] + (b1[x] - b0[x]) * ty;
        }
        guide(y, &mut g);
        for ((&(x0, x1, tx), &i), o) in xs.iter().zip(&g).zip(out) {
            let ca = row_a[x0] + (row_a[x1] - row_a[x0]) * tx;
            let cb = row_b[x0] + (row_b[x1] - row_b[x0]) * tx;
            *o = ((ca * i + cb).clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        }
    }
    alpha
}

/// Mean of each `s`×`s` block (the last row and column of blocks may be partial).
#[cfg(test)]
fn block_mean(src: &[f32], w: usize, h: usize, s: usize) -> Vec<f32> {
    block_mean_of_rows(
        |y, row| row.copy_from_slice(&src[y * w..(y + 1) * w]),
        w,
        h,
        s,
    )
}

/// [`block_mean`] of the plane whose row `y` `row_of` writes.
fn block_mean_of_rows(
    row_of: impl Fn(usize, &mut [f32]),
    w: usize,
    h: usize,
    s: usize,
) -> Vec<f32> {
    let mut row = vec![0f32; w];
    if s == 1 {
        let mut plane = Vec::with_capacity(w * h);
        for y in 0..h {
            row_of(y, &mut row);
            plane.extend_from_slice(&row);
        }
        return plane;
    }
    let (lw, lh) = (w.div_ceil(s), h.div_ceil(s));
    let mut out = vec![0f32; lw * lh];
    for ly in 0..lh {
        let band = ly * s..((ly + 1) * s).min(h);
        let rows = band.len();
        let sums = &mut out[ly * lw..(ly + 1) * lw];
        for y in band {
            row_of(y, &mut row);
            for (sum, block) in sums.iter_mut().zip(row.chunks(s)) {
                *sum += block.iter().sum::<f32>();
            }
        }
        for (lx, sum) in sums.iter_mut().enumerate() {
            let cols = (w - lx * s).min(s);
            *sum /= (rows * cols) as f32;
        }
    }
    out
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

/// Guided-filter coefficients, box-averaged: q = mean(a)·I + mean(b) with
/// a = cov(I, p) / (var(I) + ε), b = mean(p) − a·mean(I) (grey guide).
fn coefficients(
    guide: &[f32],
    p: &[f32],
    w: usize,
    h: usize,
    r: usize,
    eps: f32,
) -> (Vec<f32>, Vec<f32>) {
    // Each product plane is dropped once averaged, and a and b are written over the averaged
    // products they come from: the planes held at once go from ten to six, the same sums.
    let mean_i = box_mean(guide, w, h, r);
    let mean_p = box_mean(p, w, h, r);
    let squares: Vec<f32> = guide.iter().map(|v| v * v).collect();
    let corr_i = box_mean(&squares, w, h, r);
    drop(squares);
    let products: Vec<f32> = guide.iter().zip(p).map(|(a, b)| a * b).collect();
    let corr_ip = box_mean(&products, w, h, r);
    drop(products);
    let (mut a, mut b) = (corr_ip, corr_i);
    for k in 0..w * h {
        // a[k] and b[k] still hold corr_ip and corr_i here.
        let var = b[k] - mean_i[k] * mean_i[k];
        let cov = a[k] - mean_i[k] * mean_p[k];
        a[k] = cov / (var + eps);
        b[k] = mean_p[k] - a[k] * mean_i[k];
    }
    drop((mean_i, mean_p));
    (box_mean(&a, w, h, r), box_mean(&b, w, h, r))
}

/// Statistics of the clean background: pixels with no person within `margin` px.
fn background_stats(image: &RgbImage, alpha: &GrayImage, margin: usize) -> Option<BackgroundStats> {
    let (w, h) = image.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let clean = far_from_person(alpha, margin);
    let n_clean = clean.iter().filter(|&&c| c).count();
    if n_clean < (wu * hu) / 50 {
        return None;
    }
    let raw = image.as_raw();
    let size = (w.max(h) / CELLS_ACROSS).max(8) as usize;
    let (ncx, ncy) = (wu.div_ceil(size), hu.div_ceil(size));
    let mut cell_means = vec![MeanColour::default(); ncx * ncy];
    // Per cell: summed Immerkær response and its count, for the background's noise level.
    let mut cell_noise = vec![(0f64, 0u64); ncx * ncy];
    let mut cell_grad = vec![0f64; ncx * ncy];
    let (mut grad_sum, mut grad_n) = (0f64, 0u64);
    // The guide's rows above, at and below `y`, made as the rows are walked.
    let (mut above, mut here, mut below) = (vec![0f32; wu], vec![0f32; wu], vec![0f32; wu]);
    guide_row(image, 0, &mut below);
    for y in 0..hu {
        std::mem::swap(&mut above, &mut here);
        std::mem::swap(&mut here, &mut below);
        if y + 1 < hu {
            guide_row(image, y + 1, &mut below);
        }
        let at = |x: usize, yy: usize| match yy.cmp(&y) {
            std::cmp::Ordering::Less => above[x],
            std::cmp::Ordering::Equal => here[x],
            std::cmp::Ordering::Greater => below[x],
        };
        let cell_row = (y / size) * ncx;
        let interior_y = y > 0 && y + 1 < hu;
        for x in 0..wu {
            let k = y * wu + x;
            if !clean[k] {
                continue;
            }
            cell_means[cell_row + x / size].add([raw[3 * k], raw[3 * k + 1], raw[3 * k + 2]]);
            if interior_y && x > 0 && x + 1 < wu {
                let cell = cell_row + x / size;
                let grad =
                    f64::from((here[x + 1] - here[x - 1]).abs() + (below[x] - above[x]).abs());
                grad_sum += grad;
                grad_n += 1;
                cell_grad[cell] += grad;
                let n = &mut cell_noise[cell];
                n.0 += f64::from(crate::imageops::immerkaer(at, x, y));
                n.1 += 1;
            }
        }
    }
    // The flattest quarter of the cells carries the noise and little else (the noise check's
    // choice too); at least a tenth of a cell's pixels must be measured.
    let min_px = (size * size / 10) as u64;
    let mut sigmas: Vec<f32> = cell_noise
        .iter()
        .filter(|n| n.1 >= min_px.max(1))
        .map(|n| crate::imageops::IMMERKAER_TO_SIGMA * (n.0 / n.1 as f64) as f32 * 100.0)
        .collect();
    let noise = crate::stats::quantile(&mut sigmas, NOISE_QUANTILE).unwrap_or(0.0);
    // Luma 0–1 → 0–100, and |∂x| + |∂y| halved, less what the noise alone gives.
    let texture = |sum: f64, n: u64| {
        if n > 0 {
            ((sum / n as f64 * 50.0) as f32 - NOISE_GRADIENT * noise).max(0.0)
        } else {
            0.0
        }
    };
    let mut mean = MeanColour::default();
    let mut cells = Vec::new();
    for (i, m) in cell_means.iter().enumerate() {
        mean.merge(m);
        let (cx, cy) = ((i % ncx) * size, (i / ncx) * size);
        let area = (((cx + size).min(wu) - cx) * ((cy + size).min(hu) - cy)) as f32;
        if m.count() as f32 >= CELL_MIN_BACKGROUND * area && area >= (size * size) as f32 / 2.0 {
            if let Some(lab) = m.lab() {
                cells.push(Cell {
                    x: cx as u32,
                    y: cy as u32,
                    size: size as u32,
                    lab,
                    texture: texture(cell_grad[i], cell_noise[i].1),
                });
            }
        }
    }
    Some(BackgroundStats {
        fraction: n_clean as f32 / (wu * hu) as f32,
        mean_rgb: mean.srgb()?,
        mean_lab: mean.lab()?,
        texture: texture(grad_sum, grad_n),
        noise,
        cells,
    })
}

/// Pixels with no person pixel (alpha ≥ [`BACKGROUND_ALPHA`]) within a (2·margin+1)² window:
/// a running count along each row, then one down each column, whatever the margin. (A
/// summed-area table does it in as many passes but holds four bytes a pixel, 3 MB at working
/// resolution, while the segmentation is at its largest.)
fn far_from_person(alpha: &GrayImage, margin: usize) -> Vec<bool> {
    let (w, h) = (alpha.width() as usize, alpha.height() as usize);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    // Whether a person pixel lies within `margin` columns, row by row.
    let mut near = vec![false; w * h];
    for (src, dst) in alpha.as_raw().chunks_exact(w).zip(near.chunks_exact_mut(w)) {
        let person = |x: usize| u32::from(src[x] >= BACKGROUND_ALPHA);
        let mut n: u32 = (0..margin.min(w)).map(person).sum();
        for (x, d) in dst.iter_mut().enumerate() {
            if x + margin < w {
                n += person(x + margin);
            }
            if x > margin {
                n -= person(x - margin - 1);
            }
            *d = n > 0;
        }
    }
    // Then within `margin` rows of those: per column, how many of the window's rows have one.
    let mut counts = vec![0u32; w];
    let shift = |counts: &mut [u32], y: usize, add: bool| {
        for (c, &v) in counts.iter_mut().zip(&near[y * w..(y + 1) * w]) {
            if add {
                *c += u32::from(v);
            } else {
                *c -= u32::from(v);
            }
        }
    };
    for y in 0..margin.min(h) {
        shift(&mut counts, y, true);
    }
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        if y + margin < h {
            shift(&mut counts, y + margin, true);
        }
        if y > margin {
            shift(&mut counts, y - margin - 1, false);
        }
        out.extend(counts.iter().map(|&c| c == 0));
    }
    out
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

    /// The exact (not subsampled) guided filter, the reference for the fast one.
    fn guided_filter(guide: &[f32], p: &[f32], w: usize, h: usize, r: usize, eps: f32) -> Vec<f32> {
        let (a, b) = coefficients(guide, p, w, h, r, eps);
        (0..w * h).map(|k| a[k] * guide[k] + b[k]).collect()
    }

    /// The subsampled filter is a speed-up, not a different mask: on real photos it stays close
    /// to the exact filter where the mask is soft (hair, shoulders), and identical elsewhere.
    #[test]
    fn subsampled_filter_stays_close_to_the_exact_one_on_real_photos() {
        let Some(dir) = testdata() else { return };
        for file in ["hv_test0.jpg", "siegel_1.jpg", "zuckerberg_2.jpg"] {
            let photo =
                crate::decode::open(&dir.join("photos").join(file), &Default::default()).unwrap();
            let working =
                crate::imageops::downscale(&photo.image, crate::pipeline::ANALYSIS_MAX_SIDE);
            let mask = segment(&working.image).unwrap();
            let (w, h) = working.image.dimensions();
            let guide = colour::luma_plane(&working.image, 1.0);
            let guide_rows = |y: usize, row: &mut [f32]| {
                row.copy_from_slice(&guide[y * w as usize..(y + 1) * w as usize])
            };
            let grid = (NET_SIDE, NET_SIDE);
            let exact = refine_subsampled(guide_rows, w, h, &mask.probabilities, grid, 1);
            assert_eq!(mask.alpha.dimensions(), exact.dimensions());
            let diffs: Vec<u8> = exact
                .as_raw()
                .iter()
                .zip(mask.alpha.as_raw())
                .filter(|(e, _)| (BACKGROUND_ALPHA..255 - BACKGROUND_ALPHA).contains(*e))
                .map(|(e, f)| e.abs_diff(*f))
                .collect();
            let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
            let far = diffs.iter().filter(|&&d| d > 40).count();
            assert!(
                diffs.len() > 5000,
                "{file}: soft band of {} px",
                diffs.len()
            );
            assert!(
                mean < 6.0,
                "{file}: mean difference {mean:.2} of 255 in the soft band"
            );
            assert!(
                far * 200 < diffs.len(),
                "{file}: {far} of {} soft pixels differ by more than 40",
                diffs.len()
            );
        }
    }

    /// The running counts find the same clean pixels as looking at every window, at the
    /// edges too and for a margin wider than the image.
    #[test]
    fn far_from_person_is_every_window_without_a_person_pixel() {
        let (w, h) = (23u32, 17u32);
        let alpha = GrayImage::from_fn(w, h, |x, y| {
            Luma([if (x * 7 + y * 13) % 29 == 0 || (x, y) == (22, 16) {
                200
            } else {
                5
            }])
        });
        for margin in [0, 1, 3, 30] {
            let got = far_from_person(&alpha, margin);
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let (x0, x1) = (x.saturating_sub(margin), (x + margin + 1).min(w as usize));
                    let (y0, y1) = (y.saturating_sub(margin), (y + margin + 1).min(h as usize));
                    let clean = (y0..y1).all(|yy| {
                        (x0..x1)
                            .all(|xx| alpha.get_pixel(xx as u32, yy as u32)[0] < BACKGROUND_ALPHA)
                    });
                    assert_eq!(got[y * w as usize + x], clean, "margin {margin} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn block_mean_averages_partial_blocks_too() {
        // 5×3 plane in 2×2 blocks: the last column and row of blocks are partial.
        let src: Vec<f32> = (0..15).map(|v| v as f32).collect();
        let m = block_mean(&src, 5, 3, 2);
        assert_eq!(m, vec![3.0, 5.0, 6.5, 10.5, 12.5, 14.0]);
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

    /// The shared real photos (`IDPHOTO_TESTDATA`, default `../shared/data`); `None` skips a
    /// test outside CI, and under `CI=true` missing data fails it.
    fn testdata() -> Option<std::path::PathBuf> {
        let dir = std::env::var_os("IDPHOTO_TESTDATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
            });
        if dir.join("photos/pichai_1.jpg").is_file() {
            return Some(dir);
        }
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "test data missing: {}",
            dir.display()
        );
        None
    }

    /// A wall at working resolution with nobody in front of it: `paint` gives each pixel's
    /// level, deterministic grain of about `sigma` levels added.
    fn wall_texture(paint: impl Fn(u32, u32) -> f32, sigma: f32) -> BackgroundStats {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let img = RgbImage::from_fn(240, 180, |x, y| {
            // Sum of four uniforms: near-Gaussian, σ of each 1/√12.
            let mut n = -2.0f32;
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                n += (state >> 40) as f32 / (1u64 << 24) as f32;
            }
            let v = (paint(x, y) + n * sigma * 3f32.sqrt())
                .round()
                .clamp(0.0, 255.0) as u8;
            image::Rgb([v; 3])
        });
        let alpha = GrayImage::new(240, 180);
        background_stats(&img, &alpha, 2).unwrap()
    }

    #[test]
    fn grain_on_a_plain_wall_is_noise_not_texture() {
        let clean = wall_texture(|_, _| 200.0, 0.0);
        assert!(clean.texture < 0.01 && clean.noise < 0.01, "{clean:?}");
        for sigma in [4.0, 8.0, 12.0] {
            let grainy = wall_texture(|_, _| 200.0, sigma);
            // σ in luma 0–100 units is sigma / 2.55.
            assert!(
                (grainy.noise - sigma / 2.55).abs() < 0.15 * sigma / 2.55,
                "σ {sigma}: {grainy:?}"
            );
            // Under common.toml's max_clutter (0.35); the raw gradient is 1.8–5.
            assert!(grainy.texture < 0.3, "σ {sigma}: {}", grainy.texture);
        }
    }

    #[test]
    fn a_pattern_on_the_wall_stays_texture_under_grain() {
        // Stripes 12 px wide, 30 levels apart: a patterned wallpaper.
        let stripes = |x: u32, _: u32| if (x / 12) % 2 == 0 { 200.0 } else { 170.0 };
        let plain = wall_texture(stripes, 0.0).texture;
        let grainy = wall_texture(stripes, 8.0).texture;
        assert!(plain > 0.7, "{plain}");
        assert!((grainy - plain).abs() < 0.25 * plain, "{plain} vs {grainy}");
    }

    /// A plain wall with stripes 6 px wide in its top-left 60×60 corner.
    fn striped_corner(x: u32, y: u32) -> f32 {
        if x < 60 && y < 60 && (x / 6) % 2 == 0 {
            140.0
        } else {
            200.0
        }
    }

    /// Protects the per-cell texture the face stage uses to look for people further back: a
    /// pattern in one corner of a grainy wall shows in the cells it covers, not elsewhere.
    #[test]
    fn each_cell_reads_its_own_texture() {
        let stats = wall_texture(striped_corner, 4.0);
        assert!(!stats.cells.is_empty());
        for c in &stats.cells {
            let in_corner = c.x + c.size <= 60 && c.y + c.size <= 60;
            // A cell's edge pixels look one pixel over it (central differences).
            let clear = c.x > 60 || c.y > 60;
            if in_corner {
                assert!(c.texture > 2.0, "{c:?}");
            } else if clear {
                assert!(c.texture < 0.3, "{c:?}");
            }
        }
    }

    /// Protects the turned paths of the face stage and the pipeline: a turned mask holds the
    /// same person and the same busy cells, turned (a busy cell top left is bottom right after
    /// half a turn, top right after a quarter), and turning all the way round gives it back.
    #[test]
    fn a_mask_turns_with_its_cells() {
        let mut alpha = GrayImage::new(240, 180);
        alpha.put_pixel(239, 179, Luma([255]));
        let mask = PersonMask {
            alpha,
            confidence: 0.9,
            person_fraction: 0.0,
            background: Some(wall_texture(striped_corner, 0.0)),
            probabilities: (0..NET_SIDE * NET_SIDE).map(|i| i as f32).collect(),
        };
        let turned = mask.turned(180);
        assert_eq!(turned.alpha.get_pixel(0, 0).0, [255]);
        assert_eq!(turned.probabilities[0], (NET_SIDE * NET_SIDE - 1) as f32);
        let busy = |m: &PersonMask| -> Vec<(u32, u32)> {
            let cells = &m.background.as_ref().unwrap().cells;
            cells
                .iter()
                .filter(|c| c.texture > 2.0)
                .map(|c| (c.x, c.y))
                .collect()
        };
        // The same busy cells, all where `at` says.
        let busy_at = |m: &PersonMask, at: fn(u32, u32) -> bool| {
            assert!(busy(m).iter().all(|&(x, y)| at(x, y)), "{:?}", busy(m));
            assert_eq!(busy(m).len(), busy(&mask).len());
        };
        let is_mask = |m: &PersonMask| {
            assert_eq!(m.alpha, mask.alpha);
            assert_eq!(m.probabilities, mask.probabilities);
            assert_eq!(busy(m), busy(&mask));
        };
        busy_at(&mask, |x, y| x < 60 && y < 60);
        busy_at(&turned, |x, y| x >= 180 && y >= 120);
        is_mask(&turned.turned(180));

        let quarter = mask.turned(90);
        assert_eq!(quarter.alpha.dimensions(), (180, 240));
        // The bottom-right pixel goes to the bottom left; the grid's last row starts there.
        assert_eq!(quarter.alpha.get_pixel(0, 239).0, [255]);
        let n = NET_SIDE as usize;
        assert_eq!(quarter.probabilities[0], ((n - 1) * n) as f32);
        assert_eq!(quarter.probabilities[n - 1], 0.0);
        busy_at(&quarter, |x, y| x >= 120 && y < 60);
        is_mask(&quarter.turned(270));
        is_mask(&mask.turned(0));
    }

    #[test]
    fn segments_a_real_photo_and_measures_its_white_background() {
        let Some(dir) = testdata() else { return };
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
