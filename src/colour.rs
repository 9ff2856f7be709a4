//! Colour science the quality checks share: sRGB ↔ linear light, CIE L*a*b* (D65) and the
//! CIEDE2000 colour difference.
//!
//! Formulas: IEC 61966-2-1 (sRGB transfer and primaries, D65 white `[0.95047, 1, 1.08883]`),
//! CIE 15:2004 (L*a*b*), and Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula:
//! implementation notes, supplementary test data, and mathematical observations" (2005), whose
//! test pairs the unit tests reproduce. Means of colours are taken in linear light (the
//! physically meaningful average of light) and only then converted to L*a*b*.

use std::sync::OnceLock;

/// A CIE L*a*b* colour (D65): L* 0–100, a* green→red, b* blue→yellow.
pub type Lab = [f32; 3];

/// sRGB 0–255 → linear light 0–1, one table for all pixels.
pub fn linear_lut() -> &'static [f32; 256] {
    static LUT: OnceLock<[f32; 256]> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut t = [0f32; 256];
        for (i, v) in t.iter_mut().enumerate() {
            *v = to_linear(i as f32 / 255.0);
        }
        t
    })
}

/// sRGB transfer, encoded 0–1 → linear 0–1.
pub fn to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Inverse sRGB transfer, linear 0–1 → encoded 0–1.
pub fn from_linear(c: f32) -> f32 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

fn lab_f(t: f32) -> f32 {
    const D: f32 = 6.0 / 29.0;
    if t > D * D * D {
        t.cbrt()
    } else {
        t / (3.0 * D * D) + 4.0 / 29.0
    }
}

/// Linear-light RGB (0–1) → L*a*b*.
pub fn linear_to_lab(rgb: [f32; 3]) -> Lab {
    let [r, g, b] = rgb;
    let x = 0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b;
    let y = linear_luminance(rgb);
    let z = 0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b;
    let (fx, fy, fz) = (lab_f(x / 0.950_47), lab_f(y), lab_f(z / 1.088_83));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// sRGB 0–255 → L*a*b*.
pub fn srgb_to_lab(rgb: [u8; 3]) -> Lab {
    let lut = linear_lut();
    linear_to_lab(rgb.map(|c| lut[usize::from(c)]))
}

/// BT.601 luma (0–255) of an sRGB pixel, gamma-encoded as JPEG stores it: the guide and
/// texture measure of segmentation and the quality checks, not a colorimetric quantity.
pub fn luma(rgb: [u8; 3]) -> f32 {
    0.299 * f32::from(rgb[0]) + 0.587 * f32::from(rgb[1]) + 0.114 * f32::from(rgb[2])
}

/// [`luma`] of every pixel, row by row, scaled so that white is `white` (1 for the
/// segmentation's guide, 100 for the frame check's edge steps).
pub fn luma_plane(image: &image::RgbImage, white: f32) -> Vec<f32> {
    let w = image.width() as usize;
    let mut plane = vec![0.0; w * image.height() as usize];
    if w > 0 {
        for (y, row) in plane.chunks_exact_mut(w).enumerate() {
            luma_row(image, y, white, row);
        }
    }
    plane
}

/// Row `y` of [`luma_plane`] into `row`, for a caller that needs a few rows at a time.
pub fn luma_row(image: &image::RgbImage, y: usize, white: f32, row: &mut [f32]) {
    let divisor = 255.0 / white;
    let stride = 3 * image.width() as usize;
    let pixels = image.as_raw()[y * stride..(y + 1) * stride].chunks_exact(3);
    for (l, p) in row.iter_mut().zip(pixels) {
        *l = luma([p[0], p[1], p[2]]) / divisor;
    }
}

/// L* of one sRGB pixel (needs only the luminance Y).
pub fn lightness(rgb: [u8; 3]) -> f32 {
    lightness_of_luminance(luminance(rgb))
}

/// Relative luminance Y (0–1, linear light) of an sRGB pixel. [`lightness`] is a monotonic
/// function of it, so a quantile of Y converted once gives the same value as the quantile of
/// L* — without a cube root per pixel.
pub fn luminance(rgb: [u8; 3]) -> f32 {
    let lut = linear_lut();
    linear_luminance(rgb.map(|c| lut[usize::from(c)]))
}

/// Relative luminance Y of linear-light RGB (sRGB primaries, D65).
pub fn linear_luminance([r, g, b]: [f32; 3]) -> f32 {
    0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b
}

/// CIE L* (0–100) of a relative luminance Y (0–1).
pub fn lightness_of_luminance(y: f32) -> f32 {
    116.0 * lab_f(y) - 16.0
}

/// Linear-light mean of sRGB pixels, back in sRGB 0–255 (for display and for Lab).
#[derive(Debug, Clone, Copy, Default)]
pub struct MeanColour {
    sum: [f64; 3],
    n: u64,
}

impl MeanColour {
    /// Adds one pixel.
    pub fn add(&mut self, rgb: [u8; 3]) {
        let lut = linear_lut();
        for (s, c) in self.sum.iter_mut().zip(rgb) {
            *s += f64::from(lut[usize::from(c)]);
        }
        self.n += 1;
    }

    /// Adds every pixel of another mean.
    pub fn merge(&mut self, other: &MeanColour) {
        for (s, o) in self.sum.iter_mut().zip(other.sum) {
            *s += o;
        }
        self.n += other.n;
    }

    /// Pixels added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The mean in linear light, `None` when empty.
    pub fn linear(&self) -> Option<[f32; 3]> {
        (self.n > 0).then(|| self.sum.map(|s| (s / self.n as f64) as f32))
    }

    /// The mean as L*a*b*.
    pub fn lab(&self) -> Option<Lab> {
        self.linear().map(linear_to_lab)
    }

    /// The mean as sRGB 0–255.
    pub fn srgb(&self) -> Option<[u8; 3]> {
        self.linear()
            .map(|l| l.map(|c| (from_linear(c) * 255.0).round() as u8))
    }
}

/// Chroma C* = √(a*² + b*²).
pub fn chroma(lab: Lab) -> f32 {
    lab[1].hypot(lab[2])
}

/// CIEDE2000 colour difference ΔE₀₀ (kL = kC = kH = 1).
pub fn delta_e2000(lab1: Lab, lab2: Lab) -> f32 {
    let [l1, a1, b1] = lab1.map(f64::from);
    let [l2, a2, b2] = lab2.map(f64::from);
    let c1 = a1.hypot(b1);
    let c2 = a2.hypot(b2);
    let cbar = (c1 + c2) / 2.0;
    let c7 = cbar.powi(7);
    let g = 0.5 * (1.0 - (c7 / (c7 + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if a == 0.0 && b == 0.0 {
            0.0
        } else {
            let h = b.atan2(a).to_degrees();
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dhh = 2.0 * (c1p * c2p).sqrt() * (dh.to_radians() / 2.0).sin();
    let lbar = (l1 + l2) / 2.0;
    let cbarp = (c1p + c2p) / 2.0;
    let hbarp = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (hbarp - 30.0).to_radians().cos()
        + 0.24 * (2.0 * hbarp).to_radians().cos()
        + 0.32 * (3.0 * hbarp + 6.0).to_radians().cos()
        - 0.20 * (4.0 * hbarp - 63.0).to_radians().cos();
    let dtheta = 30.0 * (-((hbarp - 275.0) / 25.0).powi(2)).exp();
    let cp7 = cbarp.powi(7);
    let rc = 2.0 * (cp7 / (cp7 + 25f64.powi(7))).sqrt();
    let l50 = (lbar - 50.0).powi(2);
    let sl = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let sc = 1.0 + 0.045 * cbarp;
    let sh = 1.0 + 0.015 * cbarp * t;
    let rt = -(2.0 * dtheta).to_radians().sin() * rc;
    let (x, y, z) = (dl / sl, dc / sc, dhh / sh);
    (x * x + y * y + z * z + rt * y * z).sqrt() as f32
}

/// The colour casts a reviewer names (照片偏黄 …), by hue direction in the a*b* plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    /// 偏红.
    Red,
    /// 偏黄.
    Yellow,
    /// 偏绿.
    Green,
    /// 偏青.
    Cyan,
    /// 偏蓝.
    Blue,
    /// 偏紫 (magenta/purple).
    Purple,
}

impl Cast {
    /// The cast whose hue is nearest the direction `(da, db)` in the a*b* plane.
    ///
    /// Hue centres (degrees, a* axis = 0°) of a neutral grey tinted toward each colour, measured
    /// on sRGB tints: red 30, yellow 90, green 150, cyan 210, blue 275, purple 330.
    pub fn of(da: f32, db: f32) -> Cast {
        const CENTRES: [(Cast, f32); 6] = [
            (Cast::Red, 30.0),
            (Cast::Yellow, 90.0),
            (Cast::Green, 150.0),
            (Cast::Cyan, 210.0),
            (Cast::Blue, 275.0),
            (Cast::Purple, 330.0),
        ];
        let h = db.atan2(da).to_degrees().rem_euclid(360.0);
        let dist = |c: f32| {
            let d = (h - c).abs();
            d.min(360.0 - d)
        };
        CENTRES
            .iter()
            .min_by(|a, b| dist(a.1).total_cmp(&dist(b.1)))
            .map_or(Cast::Red, |c| c.0)
    }

    /// The official wording, e.g. `照片偏黄`.
    pub fn official(self) -> &'static str {
        match self {
            Cast::Red => "照片偏红",
            Cast::Yellow => "照片偏黄",
            Cast::Green => "照片偏绿",
            Cast::Cyan => "照片偏青",
            Cast::Blue => "照片偏蓝",
            Cast::Purple => "照片偏紫",
        }
    }

    /// Chinese colour word.
    pub fn zh(self) -> &'static str {
        &self.official()["照片偏".len()..]
    }

    /// English colour word.
    pub fn en(self) -> &'static str {
        match self {
            Cast::Red => "red",
            Cast::Yellow => "yellow",
            Cast::Green => "green",
            Cast::Cyan => "cyan",
            Cast::Blue => "blue",
            Cast::Purple => "purple",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lightness_is_monotonic_in_luminance() {
        // Quantiles of Y stand in for quantiles of L* (checks::exposure::Contrast).
        let mut px: Vec<[u8; 3]> = (0..4096u32)
            .map(|i| {
                [
                    (i * 37 % 256) as u8,
                    (i * 101 % 256) as u8,
                    (i * 7 % 256) as u8,
                ]
            })
            .collect();
        px.sort_by(|a, b| luminance(*a).total_cmp(&luminance(*b)));
        assert!(px.windows(2).all(|w| lightness(w[0]) <= lightness(w[1])));
        assert_eq!(
            lightness([255; 3]),
            lightness_of_luminance(luminance([255; 3]))
        );
        assert!((lightness([255; 3]) - 100.0).abs() < 1e-3);
        assert_eq!(lightness([0; 3]), 0.0);
    }

    /// Sharma, Wu & Dalal (2005), Table 1: pairs 1, 7, 13, 17, 19, 25, 31, 34.
    #[test]
    fn delta_e2000_matches_sharma_test_pairs() {
        let pairs: [(Lab, Lab, f32); 8] = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, -1.0, 2.0], [50.0, 0.0, 0.0], 2.3669),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
            ([50.0, 2.5, 0.0], [50.0, 3.1736, 0.5854], 1.0),
            (
                [60.2574, -34.0099, 36.2677],
                [60.4626, -34.1751, 39.4387],
                1.2644,
            ),
            (
                [22.7233, 20.0904, -46.694],
                [23.0331, 14.973, -42.5619],
                2.0373,
            ),
            ([2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082),
        ];
        for (a, b, want) in pairs {
            let got = delta_e2000(a, b);
            assert!((got - want).abs() < 1e-3, "{a:?} {b:?}: {got} vs {want}");
            assert!((delta_e2000(b, a) - want).abs() < 1e-3, "symmetric");
        }
        assert_eq!(delta_e2000([70.0, 5.0, 5.0], [70.0, 5.0, 5.0]), 0.0);
    }

    #[test]
    fn srgb_to_lab_matches_reference_values() {
        let near = |a: Lab, b: Lab| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.05);
        assert!(near(srgb_to_lab([255, 255, 255]), [100.0, 0.0, 0.0]));
        assert!(near(srgb_to_lab([0, 0, 0]), [0.0, 0.0, 0.0]));
        // Bruce Lindbloom's calculator, sRGB D65.
        assert!(near(srgb_to_lab([255, 0, 0]), [53.24, 80.09, 67.20]));
        assert!(near(srgb_to_lab([0, 0, 255]), [32.30, 79.19, -107.86]));
        assert!(near(srgb_to_lab([128, 128, 128]), [53.59, 0.0, 0.0]));
        assert!((lightness([128, 128, 128]) - 53.59).abs() < 0.05);
    }

    #[test]
    fn mean_is_taken_in_linear_light() {
        let mut m = MeanColour::default();
        m.add([0, 0, 0]);
        m.add([255, 255, 255]);
        // Half the light of white is sRGB 188, not 128.
        assert_eq!(m.srgb(), Some([188, 188, 188]));
        assert!(MeanColour::default().lab().is_none());
    }

    /// Every 8-bit sRGB level survives the trip to linear light and back, through the table
    /// the checks use and through the formula.
    #[test]
    fn every_srgb_level_round_trips_through_linear_light() {
        for v in 0..=255u8 {
            let linear = linear_lut()[usize::from(v)];
            assert_eq!((from_linear(linear) * 255.0).round() as u8, v);
            assert_eq!(linear, to_linear(f32::from(v) / 255.0));
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn lab() -> impl Strategy<Value = Lab> {
            [0.0f32..100.0, -128.0f32..128.0, -128.0f32..128.0]
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 5000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// The transfer functions invert each other over the whole range.
            #[test]
            fn linear_light_round_trips(c in 0.0f32..=1.0) {
                prop_assert!((from_linear(to_linear(c)) - c).abs() < 1e-5);
                prop_assert!((to_linear(from_linear(c)) - c).abs() < 1e-5);
            }

            /// The mean of one colour, however often added and merged, is that colour, in sRGB
            /// and in L*a*b*.
            #[test]
            fn the_mean_of_one_colour_is_that_colour(rgb in any::<[u8; 3]>(), n in 1u64..50, m in 1u64..50) {
                let (mut a, mut b) = (MeanColour::default(), MeanColour::default());
                (0..n).for_each(|_| a.add(rgb));
                (0..m).for_each(|_| b.add(rgb));
                a.merge(&b);
                prop_assert_eq!(a.count(), n + m);
                prop_assert_eq!(a.srgb(), Some(rgb));
                let (lab, want) = (a.lab().unwrap(), srgb_to_lab(rgb));
                prop_assert!(lab.iter().zip(want).all(|(x, y)| (x - y).abs() < 1e-3), "{:?} {:?}", lab, want);
            }

            /// L* of a pixel is the L of its L*a*b*, and a grey has no chroma.
            #[test]
            fn lightness_agrees_with_lab(rgb in any::<[u8; 3]>(), grey in any::<u8>()) {
                prop_assert!((lightness(rgb) - srgb_to_lab(rgb)[0]).abs() < 1e-3);
                prop_assert!(chroma(srgb_to_lab([grey; 3])) < 0.01, "{}", grey);
            }

            /// ΔE₀₀ behaves as a difference must: zero for a colour with itself, positive for two
            /// different ones, the same both ways.
            #[test]
            fn delta_e2000_is_symmetric_and_zero_only_on_the_diagonal(a in lab(), b in lab()) {
                prop_assert_eq!(delta_e2000(a, a), 0.0);
                let (ab, ba) = (delta_e2000(a, b), delta_e2000(b, a));
                prop_assert!(ab.is_finite() && ab >= 0.0);
                prop_assert!((ab - ba).abs() <= 1e-4 * ab.max(1.0), "{} vs {}", ab, ba);
                if a != b {
                    prop_assert!(ab > 0.0);
                }
            }
        }
    }

    #[test]
    fn casts_are_named_by_hue() {
        let cast = |rgb: [u8; 3]| {
            let l = srgb_to_lab(rgb);
            Cast::of(l[1], l[2])
        };
        assert_eq!(cast([240, 220, 160]), Cast::Yellow);
        assert_eq!(cast([250, 200, 200]), Cast::Red);
        assert_eq!(cast([200, 240, 200]), Cast::Green);
        assert_eq!(cast([190, 235, 240]), Cast::Cyan);
        assert_eq!(cast([200, 210, 250]), Cast::Blue);
        assert_eq!(cast([235, 200, 240]), Cast::Purple);
        assert_eq!(Cast::Yellow.zh(), "黄");
    }
}
