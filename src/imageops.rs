//! Small image operations every stage shares: the working-resolution copy of a photo, resizing
//! and bilinear sampling.
//!
//! Phone photos are 12–50 MP; face detection, segmentation and quality measures need a few
//! hundred pixels across the face, so they run on one downscaled copy and map results back.
//! Downscaling uses a proper low-pass (area / convolution) filter so thin structures such as hair
//! do not alias.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// A point in photo pixels, x right, y down.
pub type Point = [f32; 2];

/// A downscaled copy of a photo and how to map its coordinates back.
#[derive(Debug, Clone)]
pub struct Scaled {
    /// The pixels.
    pub image: RgbImage,
    /// Working pixels per photo pixel (≤ 1). A photo coordinate is `working / scale`.
    pub scale: f32,
}

impl Scaled {
    /// Maps a working-resolution point to photo coordinates.
    pub fn to_photo(&self, p: [f32; 2]) -> [f32; 2] {
        [p[0] / self.scale, p[1] / self.scale]
    }
}

/// The pixels of a `(w, h)` image whose centres lie within `radius` of `centre` (a disc, as an
/// eye's pupil or iris is sampled), row by row.
pub fn disc(
    (w, h): (u32, u32),
    [cx, cy]: [f32; 2],
    radius: f32,
) -> impl Iterator<Item = (u32, u32)> {
    let span = |c: f32, n: u32| {
        let lo = (c - radius).floor().max(0.0) as u32;
        let hi = ((c + radius).ceil().max(0.0) as u32).min(n);
        lo..hi
    };
    let xs = span(cx, w);
    span(cy, h).flat_map(move |y| {
        xs.clone().filter_map(move |x| {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            (dx * dx + dy * dy <= radius * radius).then_some((x, y))
        })
    })
}

/// Paints red eye as a flash makes it on each of `pupils`: a disc of `radius` glowing red,
/// brightest in the middle, with a white catchlight up and to the side. The one picture of red
/// eye that the robustness harness and the tests of `eyes.red`, the iris model's second look and
/// the red-eye correction all use.
pub fn paint_red_pupils(image: &mut RgbImage, pupils: [[f32; 2]; 2], radius: f32) {
    for [cx, cy] in pupils {
        for (x, y) in disc(image.dimensions(), [cx, cy], radius) {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (px - cx).hypot(py - cy) / radius;
            let light = (px - (cx + 0.3 * radius)).hypot(py - (cy - 0.3 * radius));
            let colour = if light < 0.15 * radius {
                [250, 245, 245]
            } else {
                [(230.0 - 60.0 * t) as u8, 30, 35]
            };
            image.put_pixel(x, y, image::Rgb(colour));
        }
    }
}

/// Bilinear sample at continuous coordinates `q` (pixel centres at `k + 0.5`), the edge pixels
/// repeated outside the image (as MediaPipe samples its crops). The one sampler of the face
/// crops and the corrected photo.
///
/// Inlined, with the four pixels read as two 6-byte rows where they all lie inside the image
/// (nearly every sample): the clamped per-pixel reads it falls back to at the edges made the
/// face crops an eighth of the face stage (a FaceMesh crop samples 37 000 points).
#[inline]
pub fn bilinear(img: &RgbImage, q: [f32; 2]) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    if w == 0 || h == 0 {
        return [0.0; 3];
    }
    let (fx, fy) = (q[0] - 0.5, q[1] - 0.5);
    let (x0, y0) = (floor(fx), floor(fy));
    let (tx, ty) = (fx - x0, fy - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let raw = img.as_raw();
    let blend = |a: [u8; 3], b: [u8; 3], c: [u8; 3], d: [u8; 3]| {
        let mut out = [0.0; 3];
        for k in 0..3 {
            let (a, b, c, d) = (
                f32::from(a[k]),
                f32::from(b[k]),
                f32::from(c[k]),
                f32::from(d[k]),
            );
            let top = a + (b - a) * tx;
            let bottom = c + (d - c) * tx;
            out[k] = top + (bottom - top) * ty;
        }
        out
    };
    if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
        let stride = 3 * w as usize;
        let i = y0 as usize * stride + 3 * x0 as usize;
        if let (Some(&[r0, g0, b0, r1, g1, b1]), Some(&[r2, g2, b2, r3, g3, b3])) =
            (raw.get(i..i + 6), raw.get(i + stride..i + stride + 6))
        {
            return blend([r0, g0, b0], [r1, g1, b1], [r2, g2, b2], [r3, g3, b3]);
        }
    }
    // Straight from the buffer: the clamp keeps every index inside.
    let at = |x: i64, y: i64| {
        let i = 3 * (y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize;
        match raw.get(i..i + 3) {
            Some(&[r, g, b]) => [r, g, b],
            _ => [0; 3],
        }
    };
    blend(
        at(x0, y0),
        at(x0 + 1, y0),
        at(x0, y0 + 1),
        at(x0 + 1, y0 + 1),
    )
}

/// `v.floor()` without the library call it compiles to on baseline x86-64 (no SSE4.1), exact
/// for the |v| < 2²⁴ of pixel coordinates (and 0 for NaN, which samples the same edge pixel).
pub(crate) fn floor(v: f32) -> f32 {
    let t = v as i64 as f32;
    if t > v {
        t - 1.0
    } else {
        t
    }
}

/// `v.round() as u8` for a channel value, again without the library call (three per sampled
/// pixel): halves round up, as `round` rounds them away from zero.
pub(crate) fn round_u8(v: f32) -> u8 {
    let t = v as u8;
    // Branch-free: the fraction is as likely under a half as over it.
    t.saturating_add(u8::from(v - f32::from(t) >= 0.5))
}

/// A copy whose longer side is at most `max_side` px (the photo itself, copied, if it is smaller).
pub fn downscale(image: &RgbImage, max_side: u32) -> Scaled {
    let (w, h) = image.dimensions();
    let longest = w.max(h);
    if longest <= max_side || w == 0 || h == 0 {
        return Scaled {
            image: image.clone(),
            scale: 1.0,
        };
    }
    let scale = max_side as f32 / longest as f32;
    let nw = ((w as f32 * scale).round() as u32).max(1);
    let nh = ((h as f32 * scale).round() as u32).max(1);
    Scaled {
        image: area_average(image, nw, nh),
        // The exact per-axis factor differs from `scale` by rounding only; the width's is used.
        scale: nw as f32 / w as f32,
    }
}

/// Above this many pixels [`area_average`] makes its two halves at once where a core is spare
/// (a 12 MP photo: 12 ms alone); below, a thread costs more than it saves.
const AREA_AVERAGE_BANDS_PIXELS: u64 = 2_000_000;

/// `image` resized to `nw`×`nh` by area averaging ([`Quality::Fast`]). A large image is made
/// as two bands of rows, each from the source rows its output rows cover, on two threads
/// where a core is spare: a row's weights depend only on where it lies, so the bands' rows
/// are the rows the whole resize gives (a test holds them to it).
fn area_average(image: &RgbImage, nw: u32, nh: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    if u64::from(w) * u64::from(h) <= AREA_AVERAGE_BANDS_PIXELS || nh < 2 {
        return resize(image, nw, nh, Quality::Fast);
    }
    let mut out = vec![0u8; nw as usize * nh as usize * 3];
    let split = nh / 2;
    let (top, bottom) = out.split_at_mut(split as usize * nw as usize * 3);
    let band = |rows: std::ops::Range<u32>, buf: &mut [u8]| -> bool {
        let at = |r: u32| f64::from(r) * f64::from(h) / f64::from(nh);
        let (y0, y1) = (at(rows.start), at(rows.end));
        let crop = [0.0, y0, f64::from(w), y1 - y0];
        resample(image, crop, Quality::Fast, (nw, rows.len() as u32), buf)
    };
    let (made_top, made_bottom) =
        crate::parallel::join(|| band(0..split, top), || band(split..nh, bottom));
    match RgbImage::from_raw(nw, nh, out) {
        Some(done) if made_top && made_bottom => done,
        // fast_image_resize only fails on zero sizes, which are excluded; stay correct anyway.
        _ => resize(image, nw, nh, Quality::Fast),
    }
}

/// The image turned clockwise by `degrees`: 90, 180 or 270; anything else turns it by 270 (a
/// quarter counter-clockwise), the one turn left, as [`crate::face::Orientation`] never asks
/// for another.
pub fn turned_clockwise(image: &RgbImage, degrees: u16) -> RgbImage {
    let (w, h) = image.dimensions();
    let (tw, th) = if degrees == 180 { (w, h) } else { (h, w) };
    turned_clockwise_within(image, degrees, [0, 0, tw, th])
}

/// `image` turned clockwise by `degrees` (0, 90, 180 or 270; anything else as 270), as
/// [`turned_clockwise`] turns it, without a second image's pixels: quarter turns by
/// [`turned_quarter`], a half turn in place.
pub fn turned_owned(image: RgbImage, degrees: u16) -> RgbImage {
    match degrees {
        0 => image,
        180 => {
            let mut image = image;
            image::imageops::rotate180_in_place(&mut image);
            image
        }
        _ => turned_quarter(image, degrees),
    }
}

/// `image` turned a quarter clockwise (`degrees` 90; anything else turns it by 270), as
/// [`turned_clockwise`] turns it, holding little more than one image's pixels at a time instead
/// of two: the turned rows are made a part at a time, and the source columns each part used are
/// dropped from the source before the next (the source shrinks in place). For a phone photo
/// stored on its side with an EXIF orientation: a 12 MP photo is 36 MB of pixels.
pub fn turned_quarter(image: RgbImage, degrees: u16) -> RgbImage {
    /// The source is handed back in this many steps: the turned photo's first part is made
    /// while all of the source is held (a quarter of it more), and each step moves what is
    /// left of the source up in place.
    const PARTS: usize = 4;
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 {
        return RgbImage::new(h as u32, w as u32);
    }
    let mut src = image.into_raw();
    let per = w.div_ceil(PARTS);
    let mut parts = Vec::with_capacity(PARTS);
    // `src` holds the source columns not turned yet, `left` of them a row: the rightmost
    // ones at 90° (turned rows take the source's columns from the left), the leftmost at 270°.
    let mut left = w;
    while left > 0 {
        let g = per.min(left);
        parts.push(quarter_rows(&src, [left, h], degrees, g));
        let keep = left - g;
        let skip = if degrees == 90 { g } else { 0 };
        for r in 0..h {
            let from = 3 * (r * left + skip);
            src.copy_within(from..from + 3 * keep, 3 * r * keep);
        }
        src.truncate(3 * h * keep);
        src.shrink_to_fit();
        left = keep;
    }
    drop(src);
    let mut out = Vec::with_capacity(3 * w * h);
    for part in parts {
        out.extend_from_slice(&part);
    }
    RgbImage::from_raw(h as u32, w as u32, out).unwrap_or_else(|| RgbImage::new(0, 0))
}

/// The first `n` rows of the RGB image `src` (`w`×`h`) turned a quarter clockwise (`degrees`
/// 90, else 270): the source's first `n` columns at 90°, its last `n` at 270°. Made eight
/// turned rows at a time, so each source row is read once for eight of them.
fn quarter_rows(src: &[u8], [w, h]: [usize; 2], degrees: u16, n: usize) -> Vec<u8> {
    const BLOCK: usize = 8;
    let mut out = vec![0u8; 3 * h * n];
    for (b, rows) in out.chunks_mut(3 * h * BLOCK).enumerate() {
        let k = rows.len() / (3 * h);
        for (sy, src_row) in src.chunks_exact(3 * w).enumerate() {
            // Source row sy lands in turned column tx of every turned row.
            let tx = if degrees == 90 { h - 1 - sy } else { sy };
            for j in 0..k {
                let ty = b * BLOCK + j;
                let sx = if degrees == 90 { ty } else { w - 1 - ty };
                let d = 3 * (j * h + tx);
                rows[d..d + 3].copy_from_slice(&src_row[3 * sx..3 * sx + 3]);
            }
        }
    }
    out
}

/// [`turned_clockwise`] with only the region `keep` (`[x, y, w, h]` in the turned image's
/// pixels) filled in; the rest is black. For measuring a face in a photo stored on its side,
/// whose pixels are read only around the face: turning a whole 12 MP photo takes about 35 ms,
/// while the black rest costs nothing (a large zeroed buffer is mapped lazily, page by page as
/// it is written).
pub fn turned_clockwise_within(image: &RgbImage, degrees: u16, keep: [u32; 4]) -> RgbImage {
    let (w, h) = image.dimensions();
    let (out, tw, th) = turned_pixels::<_, 3>(image.as_raw(), [w, h], degrees, keep);
    RgbImage::from_raw(tw, th, out).unwrap_or_else(|| RgbImage::new(0, 0))
}

/// The pixels of a `w`×`h` image stored row by row, `C` values a pixel, turned
/// clockwise by `degrees` (90, 180, anything else 270), with only `keep` (`[x, y, w, h]` in the
/// turned image) filled in and the rest left at the default value; also the turned width and
/// height. One routine for the photo, the person mask and its probability grid.
pub fn turned_pixels<T: Copy + Default, const C: usize>(
    src: &[T],
    [w, h]: [u32; 2],
    degrees: u16,
    keep: [u32; 4],
) -> (Vec<T>, u32, u32) {
    let (w, h, c) = (w as usize, h as usize, C);
    let quarter = degrees != 180;
    let (tw, th) = if quarter { (h, w) } else { (w, h) };
    if src.len() != c * w * h {
        return (Vec::new(), 0, 0);
    }
    let mut out = vec![T::default(); c * tw * th];
    let span = |from: u32, len: u32, end: usize| {
        let from = (from as usize).min(end);
        from..(from + len as usize).min(end)
    };
    let (xs, ys) = (span(keep[0], keep[2], tw), span(keep[1], keep[3], th));
    // Turning clockwise takes (x, y) to (h − 1 − y, x). Along a turned row the source moves by
    // a fixed step: up a column (90°), back along a row (180°) or down a column (270°).
    let stride = c * w;
    let source = |tx: usize, ty: usize| match degrees {
        90 => (ty, h - 1 - tx),
        180 => (w - 1 - tx, h - 1 - ty),
        _ => (w - 1 - ty, tx),
    };
    let step = match degrees {
        90 => -(stride as isize),
        180 => -(c as isize),
        _ => stride as isize,
    };
    for ty in ys {
        if xs.is_empty() {
            break;
        }
        let (sx, sy) = source(xs.start, ty);
        let mut i = (sy * stride + sx * c) as isize;
        let row = &mut out[c * (ty * tw + xs.start)..c * (ty * tw + xs.end)];
        for px in row.chunks_exact_mut(C) {
            let at = i as usize;
            if let (Ok(px), Some(Ok(from))) = (
                <&mut [T; C]>::try_from(px),
                src.get(at..at + C).map(<&[T; C]>::try_from),
            ) {
                *px = *from;
            }
            i += step;
        }
    }
    (out, tw as u32, th as u32)
}

/// How carefully to resample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    /// Area averaging: fast, alias-free, slightly soft (analysis copies).
    Fast,
    /// Lanczos-3: sharp, for photos people will look at.
    Best,
}

/// Resizes to exactly `w`×`h`.
pub fn resize(image: &RgbImage, w: u32, h: u32, quality: Quality) -> RgbImage {
    if image.dimensions() == (w, h) {
        return image.clone();
    }
    let (iw, ih) = image.dimensions();
    resize_region(image, [0, 0, iw, ih], w, h, quality)
}

/// Resizes the region `[x, y, w, h]` of `image` (inside it) to exactly `to_w`×`to_h`, reading
/// the region in place: the face detector's tiles cost a copy of a third of the working copy
/// each otherwise (0.45 ms a tile). [`Quality::Fast`] reads only the region; Lanczos reads
/// pixels beyond its edges where it has them.
pub fn resize_region(
    image: &RgbImage,
    [x, y, w, h]: [u32; 4],
    to_w: u32,
    to_h: u32,
    quality: Quality,
) -> RgbImage {
    let mut dst = RgbImage::new(to_w, to_h);
    let crop = [x, y, w, h].map(f64::from);
    if resample(image, crop, quality, (to_w, to_h), &mut dst) {
        return dst;
    }
    // fast_image_resize only fails on zero sizes, which callers exclude; stay correct anyway.
    let region = image::imageops::crop_imm(image, x, y, w, h).to_image();
    image::imageops::resize(&region, to_w, to_h, image::imageops::FilterType::Triangle)
}

/// Resamples the region `crop` (`[x, y, w, h]`, fractions allowed) of `image` into `out`, RGB
/// rows of `size` pixels; false where `fast_image_resize` refuses (zero sizes).
fn resample(
    image: &RgbImage,
    [x, y, w, h]: [f64; 4],
    quality: Quality,
    (to_w, to_h): (u32, u32),
    out: &mut [u8],
) -> bool {
    let alg = match quality {
        Quality::Fast => ResizeAlg::Convolution(FilterType::Box),
        Quality::Best => ResizeAlg::Convolution(FilterType::Lanczos3),
    };
    let options = ResizeOptions::new().resize_alg(alg).crop(x, y, w, h);
    let Ok(mut dst) = fast_image_resize::images::Image::from_slice_u8(
        to_w,
        to_h,
        out,
        fast_image_resize::PixelType::U8x3,
    ) else {
        return false;
    };
    Resizer::new().resize(image, &mut dst, &options).is_ok()
}

/// Immerkær's noise operator at `(x, y)` of a plane read through `l` (interior points only):
/// |I ∗ N| with N = [1 −2 1; −2 4 −2; 1 −2 1], which cancels flat areas and linear gradients, so
/// what is left is mostly noise. The mean of it over a region times [`IMMERKAER_TO_SIGMA`] is
/// the noise σ ("Fast noise variance estimation", CVIU 1996).
pub(crate) fn immerkaer(l: impl Fn(usize, usize) -> f32, x: usize, y: usize) -> f32 {
    (l(x - 1, y - 1) - 2.0 * l(x, y - 1) + l(x + 1, y - 1) - 2.0 * l(x - 1, y) + 4.0 * l(x, y)
        - 2.0 * l(x + 1, y)
        + l(x - 1, y + 1)
        - 2.0 * l(x, y + 1)
        + l(x + 1, y + 1))
    .abs()
}

/// √(π/2) / 6: mean [`immerkaer`] response to σ.
pub(crate) const IMMERKAER_TO_SIGMA: f32 = 0.208_885_8;

#[cfg(test)]
mod tests {
    use super::*;

    /// Turning an image it owns gives the pixels the copying turn gives, every way.
    #[test]
    fn an_owned_turn_is_the_copying_turn() {
        let image = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, (x * y) as u8]));
        for degrees in [0, 90, 180, 270] {
            let want = if degrees == 0 {
                image.clone()
            } else {
                turned_clockwise(&image, degrees)
            };
            assert_eq!(turned_owned(image.clone(), degrees), want, "{degrees}°");
        }
    }

    /// Turning a quarter by parts, the source shrinking as it goes, gives the pixels the
    /// copying turn gives, at either quarter and for narrow, flat and odd sizes (fewer columns
    /// than parts too).
    #[test]
    fn a_quarter_turn_in_parts_is_the_copying_turn() {
        for (w, h) in [
            (1, 1),
            (1, 5),
            (5, 1),
            (7, 3),
            (17, 9),
            (100, 37),
            (3, 64),
            (0, 4),
            (4, 0),
        ] {
            let image = RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([(x * 7 + y) as u8, (y * 13 + x * 3) as u8, (x ^ y) as u8])
            });
            for degrees in [90, 270] {
                let want = turned_clockwise(&image, degrees);
                let got = turned_quarter(image.clone(), degrees);
                assert_eq!(got.dimensions(), (h, w), "{w}×{h} {degrees}°");
                assert!(got == want, "{w}×{h} {degrees}°");
            }
        }
    }

    /// A large image shrunk in two bands of rows is the image shrunk whole, to the bit, at
    /// phone sizes upright and across and at odd sizes.
    #[test]
    fn shrinking_in_bands_is_shrinking_whole() {
        for (w, h) in [
            (3000, 4000),
            (2999, 3997),
            (4624, 3472),
            (1080, 1920),
            (1601, 1203),
        ] {
            let image = RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([
                    ((x * 7 + y * 3) % 251) as u8,
                    ((x ^ y) % 256) as u8,
                    ((x * y) % 253) as u8,
                ])
            });
            let scaled = downscale(&image, 1024);
            let (nw, nh) = scaled.image.dimensions();
            assert!(
                scaled.image == resize(&image, nw, nh, Quality::Fast),
                "{w}×{h}"
            );
        }
    }

    #[test]
    fn a_region_resized_in_place_is_the_region_copied_then_resized() {
        let img = RgbImage::from_fn(300, 200, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x + y) % 256) as u8,
            ])
        });
        let [x, y, w, h] = [40, 30, 170, 150];
        let copied = image::imageops::crop_imm(&img, x, y, w, h).to_image();
        // Area averaging reads only the region (Lanczos would read its neighbours beyond the
        // region's edge instead of repeating the edge).
        let same = resize_region(&img, [x, y, w, h], 64, 57, Quality::Fast)
            == resize(&copied, 64, 57, Quality::Fast);
        assert!(same);
    }

    #[test]
    fn channel_rounding_is_round_to_nearest_halves_up() {
        for i in 0..=2570 {
            let v = i as f32 / 10.0 - 0.3;
            assert_eq!(round_u8(v), v.round() as u8, "{v}");
        }
        for v in [0.499_999_97, 0.5, 254.5, 255.0, 255.4, -0.0, f32::NAN] {
            assert_eq!(round_u8(v), v.round() as u8, "{v}");
        }
    }

    #[test]
    fn floor_is_floor_for_pixel_coordinates() {
        for v in [
            -2.5f32,
            -1.0,
            -0.25,
            -0.0,
            0.0,
            0.75,
            1.0,
            3.999_999_8,
            4096.5,
        ] {
            assert_eq!(floor(v), v.floor(), "{v}");
        }
    }

    #[test]
    fn a_disc_holds_the_pixels_whose_centres_are_inside_and_stays_in_the_image() {
        // Radius 1 around a pixel centre: that pixel and its four neighbours.
        let d: Vec<_> = disc((10, 10), [5.5, 5.5], 1.0).collect();
        assert_eq!(d, [(5, 4), (4, 5), (5, 5), (6, 5), (5, 6)]);
        // Hanging over the corner: only the pixels in the image.
        let c: Vec<_> = disc((10, 10), [0.0, 0.0], 1.5).collect();
        assert_eq!(c, [(0, 0)]);
        assert_eq!(disc((10, 10), [50.0, 50.0], 3.0).count(), 0);
    }

    /// Protects the hand-written turns: the same pixels as `image`'s own, on non-square images
    /// (a wrong stride shows at once).
    #[test]
    fn turns_match_the_image_crates() {
        for (w, h) in [(1, 1), (5, 3), (33, 70), (100, 31)] {
            let img = RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([(x * 7 + y) as u8, (y * 3) as u8, (x ^ y) as u8])
            });
            assert_eq!(turned_clockwise(&img, 90), image::imageops::rotate90(&img));
            assert_eq!(
                turned_clockwise(&img, 180),
                image::imageops::rotate180(&img)
            );
            assert_eq!(
                turned_clockwise(&img, 270),
                image::imageops::rotate270(&img)
            );
        }
        assert_eq!(
            turned_clockwise(&RgbImage::new(0, 0), 90).dimensions(),
            (0, 0)
        );
    }

    /// Protects the partial turn: inside `keep` the pixels of the whole turn, black outside,
    /// and a region reaching past the edges is cut to them.
    #[test]
    fn a_partial_turn_fills_only_its_region() {
        let img = RgbImage::from_fn(40, 25, |x, y| image::Rgb([x as u8 + 1, y as u8 + 1, 9]));
        for degrees in [90, 180, 270] {
            let whole = turned_clockwise(&img, degrees);
            let part = turned_clockwise_within(&img, degrees, [5, 7, 10, 60]);
            assert_eq!(part.dimensions(), whole.dimensions());
            for (x, y, p) in part.enumerate_pixels() {
                let inside = (5..15).contains(&x) && y >= 7;
                let want = if inside {
                    *whole.get_pixel(x, y)
                } else {
                    image::Rgb([0; 3])
                };
                assert_eq!(*p, want, "{degrees}°: ({x}, {y})");
            }
        }
    }

    #[test]
    fn bilinear_hits_centres_blends_between_and_repeats_the_edge() {
        let img = RgbImage::from_fn(2, 1, |x, _| {
            image::Rgb([if x == 0 { 0 } else { 200 }, 10, 20])
        });
        assert_eq!(bilinear(&img, [0.5, 0.5]), [0.0, 10.0, 20.0]);
        assert_eq!(bilinear(&img, [1.5, 0.5]), [200.0, 10.0, 20.0]);
        assert_eq!(bilinear(&img, [1.0, 0.5])[0], 100.0);
        assert_eq!(bilinear(&img, [-3.0, -3.0])[0], 0.0);
        assert_eq!(bilinear(&img, [9.0, 9.0])[0], 200.0);
        assert_eq!(bilinear(&RgbImage::new(0, 0), [0.5, 0.5]), [0.0; 3]);
    }

    #[test]
    fn downscale_keeps_aspect_and_reports_scale() {
        let img = RgbImage::new(4000, 3000);
        let s = downscale(&img, 1000);
        assert_eq!(s.image.dimensions(), (1000, 750));
        assert!((s.scale - 0.25).abs() < 1e-6);
        assert_eq!(s.to_photo([100.0, 50.0]), [400.0, 200.0]);
    }

    #[test]
    fn small_images_are_not_enlarged() {
        let s = downscale(&RgbImage::new(300, 200), 1000);
        assert_eq!((s.image.dimensions(), s.scale), ((300, 200), 1.0));
    }

    #[test]
    fn area_filter_averages() {
        let img = RgbImage::from_fn(4, 4, |x, _| {
            if x % 2 == 0 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([200, 200, 200])
            }
        });
        let out = resize(&img, 2, 2, Quality::Fast);
        assert!(out.pixels().all(|p| (95..=105).contains(&p[0])), "{out:?}");
    }
}
