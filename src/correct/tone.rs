//! Gentle exposure and white-balance corrections toward the spec's ranges.
//!
//! Both corrections work in linear light and are bounded, so a hopeless photo gets better but
//! never cartoonish: exposure uses a highlight-preserving curve `y = g·x / (1 + (g−1)·x)` (slope
//! `g` in the shadows, 1 → 1 at white, so nothing clips) with `g` capped at
//! [`MAX_EXPOSURE_GAIN`]; white balance multiplies the channels (von Kries) with gains capped at
//! [`MAX_WB_GAIN`]. A correction only runs when the spec regulates what it fixes
//! (`quality.face_l`, `quality.max_cast_chroma`) and the photo is outside it.

use crate::checks::{dim_by_eye_whites, Whites};
use crate::colour::{
    from_linear, lightness_of_luminance, linear_luminance, linear_lut, linear_to_lab as lab,
};
use crate::stats::quantile;
use image::RgbImage;
use serde::Serialize;

/// Largest exposure gain (≈ ±0.8 EV in the shadows): beyond it noise and JPEG blocks of a dark
/// phone photo show, and faces look flat.
pub const MAX_EXPOSURE_GAIN: f32 = 1.75;

/// Largest per-channel white-balance gain: fixes a warm indoor cast without turning skin grey.
pub const MAX_WB_GAIN: f32 = 1.2;

/// A background chroma above this is a coloured backdrop (blue, red), not a colour cast; white
/// balance is then left alone. CIE a*b* chroma; a strong tungsten cast on a white wall is ~15.
pub const CAST_CHROMA_LIMIT: f32 = 25.0;

/// Below this L* a background is too dark to be a neutral reference for white balance.
const MIN_REFERENCE_L: f32 = 50.0;

/// What the tone corrections did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ToneReport {
    /// Median face-skin L* before the correction (what `exposure.brightness` measured), when
    /// measured.
    pub face_l_before: Option<f32>,
    /// Median face-skin L* after it.
    pub face_l_after: Option<f32>,
    /// The exposure curve's shadow gain, when one was applied.
    pub exposure_gain: Option<f32>,
    /// Background chroma (a*b*) before white balance, when measured.
    pub cast_chroma_before: Option<f32>,
    /// Per-channel linear gains `[r, g, b]`, when white balance was applied.
    pub white_balance_gains: Option<[f32; 3]>,
    /// Whether a correction hit its cap (the photo stays outside the spec's range).
    pub capped: bool,
}

impl ToneReport {
    /// The correction's transform of one linear-light pixel (0–1): white-balance gains, then
    /// the exposure curve. The identity when neither ran.
    pub fn apply_linear(&self, rgb: [f32; 3]) -> [f32; 3] {
        transform(
            rgb,
            self.white_balance_gains.unwrap_or([1.0; 3]),
            self.exposure_gain.unwrap_or(1.0),
        )
    }
}

/// White-balance gains `wb`, then the exposure curve of gain `g`, on one linear-light pixel.
fn transform(rgb: [f32; 3], wb: [f32; 3], g: f32) -> [f32; 3] {
    [0, 1, 2].map(|k| curve((rgb[k] * wb[k]).min(1.0), g))
}

/// Linear 0–1 → sRGB 0–255.
fn to_srgb(c: f32) -> u8 {
    (from_linear(c) * 255.0).round() as u8
}

fn curve(x: f32, g: f32) -> f32 {
    g * x / (1.0 + (g - 1.0) * x)
}

/// Mean linear RGB of the pixels `select` accepts, with their count.
fn mean_linear(
    img: &RgbImage,
    select: impl Fn(u32, u32) -> bool,
    lut: &[f32; 256],
) -> Option<[f32; 3]> {
    let mut sum = [0.0f64; 3];
    let mut n = 0u64;
    for (x, y, p) in img.enumerate_pixels() {
        if select(x, y) {
            for k in 0..3 {
                sum[k] += lut[p[k] as usize] as f64;
            }
            n += 1;
        }
    }
    (n > 0).then(|| sum.map(|s| (s / n as f64) as f32))
}

/// Where the face skin and the background are on the canvas.
pub struct Regions<'a> {
    /// Face skin pixels, sampled as `exposure.brightness` samples them (cheeks and forehead):
    /// the correction aims at the lightness that check will measure on the corrected photo.
    pub skin: Vec<[u8; 3]>,
    /// Pixels that are background in the original photo (matte α low, inside the photo).
    pub background: Option<&'a dyn Fn(u32, u32) -> bool>,
    /// The eye whites, read as `exposure.brightness` reads them: a face dark enough to be dark
    /// skin is brightened when they say the light is dim.
    pub eye_whites: Option<crate::face::EyeWhites>,
}

/// Applies the bounded corrections the spec calls for, in place.
pub fn correct_mut(
    img: &mut RgbImage,
    regions: &Regions<'_>,
    quality: &crate::spec::QualityRules,
) -> ToneReport {
    let lut = linear_lut();
    let mut report = ToneReport::default();
    let mut wb = [1.0f32; 3];
    let mut gain = 1.0f32;

    // White balance from a light, nearly neutral original background.
    if let (Some(limit), Some(bg)) = (quality.max_cast_chroma, regions.background) {
        if let Some(m) = mean_linear(img, bg, lut) {
            let [l, a, b] = lab(m);
            let chroma = (a * a + b * b).sqrt();
            report.cast_chroma_before = Some(chroma);
            if chroma > limit as f32 && chroma < CAST_CHROMA_LIMIT && l > MIN_REFERENCE_L {
                let grey = (m[0] + m[1] + m[2]) / 3.0;
                for k in 0..3 {
                    let want = grey / m[k].max(1e-4);
                    wb[k] = want.clamp(1.0 / MAX_WB_GAIN, MAX_WB_GAIN);
                    report.capped |= (wb[k] - want).abs() > 1e-3;
                }
                report.white_balance_gains = Some(wb);
            }
        }
    }

    // Exposure toward the middle of the face-lightness range.
    let skin: Vec<[f32; 3]> = regions
        .skin
        .iter()
        .map(|p| p.map(|c| lut[usize::from(c)]))
        .collect();
    let median_l = |wb: [f32; 3], g: f32| {
        let mut y: Vec<f32> = skin
            .iter()
            .map(|&m| linear_luminance(transform(m, wb, g)))
            .collect();
        quantile(&mut y, 0.5).map(lightness_of_luminance)
    };
    if let Some(before) = median_l([1.0; 3], 1.0) {
        let face_l = |g: f32| median_l(wb, g).unwrap_or(before);
        report.face_l_before = Some(before);
        if let Some([lo, hi]) = quality.face_l {
            let now = face_l(1.0);
            let whites = match (regions.eye_whites, quality.min_sclera_pixels) {
                (Some(w), Some(min)) => Whites::of(min, &w),
                _ => Whites::Unread,
            };
            let dim = dim_by_eye_whites(quality, f64::from(now), &whites);
            if now < lo as f32 || now > hi as f32 || dim {
                let target = ((lo + hi) / 2.0) as f32;
                // face_l grows with g: bisect in [1/MAX, MAX].
                let (mut a, mut b) = (1.0 / MAX_EXPOSURE_GAIN, MAX_EXPOSURE_GAIN);
                for _ in 0..30 {
                    let mid = (a + b) / 2.0;
                    if face_l(mid) < target {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                gain = (a + b) / 2.0;
                report.capped |= (face_l(gain) - target).abs() > 0.5;
                report.exposure_gain = Some(gain);
            }
        }
        report.face_l_after = Some(face_l(gain));
    }

    if report.exposure_gain.is_some() || report.white_balance_gains.is_some() {
        for p in img.pixels_mut() {
            p.0 = report
                .apply_linear(p.0.map(|c| lut[usize::from(c)]))
                .map(to_srgb);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::QualityRules;

    fn skin_scene(level: u8) -> RgbImage {
        RgbImage::from_fn(60, 60, |x, y| {
            if (20..40).contains(&x) && (20..40).contains(&y) {
                image::Rgb([
                    level,
                    (level as f32 * 0.8) as u8,
                    (level as f32 * 0.7) as u8,
                ])
            } else {
                image::Rgb([230, 230, 230])
            }
        })
    }

    /// The skin square of [`skin_scene`].
    fn regions(img: &RgbImage) -> Regions<'static> {
        Regions {
            skin: (20..40)
                .flat_map(|y| (20..40).map(move |x| img.get_pixel(x, y).0))
                .collect(),
            background: None,
            eye_whites: None,
        }
    }

    #[test]
    fn dark_face_is_brightened_to_the_middle_of_the_range() {
        let mut img = skin_scene(170);
        let q = QualityRules {
            face_l: Some([60.0, 70.0]),
            ..Default::default()
        };
        let skin = regions(&img);
        let r = correct_mut(&mut img, &skin, &q);
        let after = r.face_l_after.unwrap();
        assert!(r.face_l_before.unwrap() < 60.0);
        assert!((after - 65.0).abs() < 0.6, "{r:?}");
        assert!(!r.capped);
        assert!(img.get_pixel(30, 30)[0] > 170);
        // White stays white: the curve maps 1 to 1.
        assert_eq!(
            correct_mut(
                &mut RgbImage::from_pixel(4, 4, image::Rgb([255; 3])),
                &Regions {
                    skin: vec![[255; 3]; 16],
                    background: None,
                    eye_whites: None,
                },
                &QualityRules {
                    face_l: Some([10.0, 20.0]),
                    ..Default::default()
                }
            )
            .face_l_after
            .map(|l| l > 99.0),
            Some(true)
        );
    }

    /// Skin within `face_l` but as dark as a dimmed face is brightened when the eye whites are
    /// dim too, and left alone when they are bright (dark skin in good light).
    #[test]
    fn dark_skin_is_brightened_only_when_the_eye_whites_are_dim() {
        let q = QualityRules {
            face_l: Some([40.0, 85.0]),
            dim_skin_l: Some(52.0),
            min_sclera_l: Some(50.0),
            min_sclera_pixels: Some(30.0),
            ..Default::default()
        };
        let whites = |l: f32, pixels| crate::face::EyeWhites {
            pixels,
            lab: Some([l, 0.0, 0.0]),
            linear: None,
        };
        let run = |w| {
            let mut img = skin_scene(140);
            let mut regions = regions(&img);
            regions.eye_whites = Some(w);
            (correct_mut(&mut img, &regions, &q), img)
        };
        let before = run(whites(80.0, 200)).0.face_l_before.unwrap();
        assert!((40.0..52.0).contains(&before), "{before}");
        let (bright, img) = run(whites(80.0, 200));
        assert_eq!((bright.exposure_gain, img), (None, skin_scene(140)));
        let dim = run(whites(35.0, 200)).0;
        assert!(dim.exposure_gain.unwrap() > 1.2, "{dim:?}");
        // Towards the middle of face_l, by as much as the gain's cap allows: out of the zone
        // where the eye whites judge.
        assert!(dim.face_l_after.unwrap() > 52.0, "{dim:?}");
        // Too few eye-white pixels to say: left alone.
        assert_eq!(run(whites(35.0, 10)).0.exposure_gain, None);
    }

    #[test]
    fn hopeless_face_is_capped_not_cartoonish() {
        let mut img = skin_scene(15);
        let q = QualityRules {
            face_l: Some([55.0, 75.0]),
            ..Default::default()
        };
        let skin = regions(&img);
        let r = correct_mut(&mut img, &skin, &q);
        assert!(r.capped);
        assert!((r.exposure_gain.unwrap() - MAX_EXPOSURE_GAIN).abs() < 1e-3);
        assert!(r.face_l_after.unwrap() < 55.0);
    }

    #[test]
    fn face_within_range_or_unregulated_is_untouched() {
        let before = skin_scene(180);
        let mut img = before.clone();
        let r = correct_mut(&mut img, &regions(&before), &QualityRules::default());
        assert_eq!((r.exposure_gain, img == before), (None, true));
    }

    /// A photo that is all backdrop of `colour`, white-balanced with a cast limit of 4.
    fn correct_backdrop(colour: [u8; 3]) -> (RgbImage, ToneReport) {
        let mut img = RgbImage::from_pixel(40, 40, image::Rgb(colour));
        let bg = |_x: u32, _y: u32| true;
        let q = QualityRules {
            max_cast_chroma: Some(4.0),
            ..Default::default()
        };
        let r = correct_mut(
            &mut img,
            &Regions {
                skin: Vec::new(),
                background: Some(&bg),
                eye_whites: None,
            },
            &q,
        );
        (img, r)
    }

    #[test]
    fn warm_cast_on_a_light_background_is_neutralised() {
        let (img, r) = correct_backdrop([235, 228, 212]);
        assert!(r.cast_chroma_before.unwrap() > 4.0);
        let p = img.get_pixel(0, 0);
        let [_, a, b] = crate::colour::srgb_to_lab(p.0);
        assert!((a * a + b * b).sqrt() < 2.0, "{p:?}");
    }

    #[test]
    fn blue_backdrop_is_not_a_cast() {
        let (img, r) = correct_backdrop([60, 120, 230]);
        assert_eq!(r.white_balance_gains, None);
        assert_eq!(img.get_pixel(0, 0).0, [60, 120, 230]);
    }
}
