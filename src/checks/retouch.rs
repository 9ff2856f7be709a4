//! Over-processed skin: tones of the face posterised into bands.
//!
//! A face rounded to a few levels per channel (a posterising filter, a photo saved with a tiny
//! palette, banding left by heavy tone editing) has colour histograms that are combs: spikes a
//! step apart with gaps between them. A JPEG saved afterwards spreads each spike by its
//! ringing, which fills the gaps of a raw level count, but the comb stays: it is the part of
//! the histogram that varies faster than the skin's own tones and slower than the few-level
//! combs that tone curves and rounding leave. The measure is that part, as a share of the face's
//! pixels, times how regularly it repeats.
//!
//! Beauty smoothing is not judged here: how much fine detail a face's skin keeps differs more
//! from one unretouched photo to another than a smoothing filter changes it (`docs/checks.md`,
//! "Not judged").

use super::regions::{at_most, no_face, no_rule, FaceGeom};
use super::{Check, CheckId, Context, Hint, Measure, Rule, Unit};

/// Width of the narrow smoothing of a channel histogram, levels: an even width removes combs of
/// a period that divides it exactly (2, 4, 8 levels: rounding to 64 or 128 levels per channel,
/// invisible) and damps 3–7; a comb of 16 levels or more keeps about two thirds of its depth.
const NARROW: usize = 8;
/// Width of the wide smoothing, levels: the skin's own spread of tones (its histogram is a
/// broad hill tens of levels wide) passes it nearly unchanged.
const WIDE: usize = 25;
/// Levels at either end left out: a clipped highlight or shadow piles up at 0 or 255 and would
/// read as a spike.
const CLIP_MARGIN: u8 = 8;
/// Fewest face-oval pixels a channel's histogram is read from: below it the counts per level are
/// so few that their own scatter reads as a comb (the smallest face in the photos tried,
/// deepface's img43 in its working copy, has 7,935).
const MIN_PIXELS: usize = 2000;

/// Posterised face tones.
pub struct Posterisation;

impl Rule for Posterisation {
    fn id(&self) -> CheckId {
        CheckId::Posterisation
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.quality.max_posterisation else {
            return no_rule(self.id(), "quality.max_posterisation");
        };
        let Some(face) = FaceGeom::of(ctx) else {
            return no_face(ctx, self.id());
        };
        let Some(v) = posterisation(face.oval(&ctx.working.image)) else {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "脸部太小，无法判断色调分层",
                    "the face is too small to judge tone banding",
                ),
            );
        };
        at_most(
            self.id(),
            Measure::number(v, Unit::Ratio, 2),
            v,
            max,
            2,
            Hint::new(
                "脸部色调出现分层色块（美颜、滤镜或过度压缩色彩）：请提交未经修饰的原始照片",
                "the face's tones break into flat bands (a beauty app, a filter, or colours reduced): submit the original, unretouched photo",
            ),
            Some("图像处理过度"),
        )
    }
}

/// The comb in the colour histograms of `pixels` (the face oval), per channel: the histogram
/// smoothed over [`NARROW`] levels less the same smoothed over [`WIDE`] levels, its depth
/// (summed in absolute value over the channel's pixel count) times its [`periodicity`]; the
/// mean over the channels with at least [`MIN_PIXELS`] unclipped values (`None` when none has).
/// Real faces read 0–0.06; at 16 levels per channel 1.0–1.3, saved afterwards as a JPEG of
/// quality 90 0.22–0.57. The periodicity keeps out the single hump a narrow hill of tones
/// leaves (a dark or hazy face).
pub fn posterisation(pixels: impl Iterator<Item = [u8; 3]>) -> Option<f64> {
    let mut hist = [[0f64; 256]; 3];
    let inside = CLIP_MARGIN..=u8::MAX - CLIP_MARGIN;
    for p in pixels {
        for (h, v) in hist.iter_mut().zip(p) {
            if inside.contains(&v) {
                h[usize::from(v)] += 1.0;
            }
        }
    }
    let combs: Vec<f64> = hist
        .iter()
        .filter_map(|h| {
            let n: f64 = h.iter().sum();
            if n < MIN_PIXELS as f64 {
                return None;
            }
            let narrow = smoothed(h, NARROW);
            let wide = smoothed(h, WIDE);
            let rest: Vec<f64> = narrow.iter().zip(&wide).map(|(a, b)| a - b).collect();
            let depth = rest.iter().map(|v| v.abs()).sum::<f64>() / n;
            Some(depth * periodicity(&rest))
        })
        .collect();
    (!combs.is_empty()).then(|| combs.iter().sum::<f64>() / combs.len() as f64)
}

/// How strongly `rest` repeats itself: its largest autocorrelation at a lag of [`NARROW`] to
/// [`WIDE`] + [`NARROW`] levels over its energy, 0 when it does not repeat (the one hump a
/// narrow hill of tones leaves, the short irregular pattern rounding leaves), near 1 for a comb
/// of many teeth.
fn periodicity(rest: &[f64]) -> f64 {
    let energy: f64 = rest.iter().map(|v| v * v).sum();
    if energy <= 0.0 {
        return 0.0;
    }
    (NARROW..=WIDE + NARROW)
        .map(|lag| {
            rest.iter()
                .zip(&rest[lag..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / energy
        })
        .fold(0.0, f64::max)
}

/// `h` averaged over `width` levels around each level (the window is cut at the ends and
/// divided by its full width, so counts near the ends are not inflated).
fn smoothed(h: &[f64; 256], width: usize) -> Vec<f64> {
    let below = width / 2;
    let above = width - 1 - below;
    (0..h.len())
        .map(|v| {
            let (a, b) = (v.saturating_sub(below), (v + above).min(h.len() - 1));
            h[a..=b].iter().sum::<f64>() / width as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Skin-like pixels: a broad hill of tones (shading across the face) with a little noise,
    /// reddish, on a fixed seed.
    fn skin(n: usize) -> Vec<[f32; 3]> {
        let mut s = 7u32;
        let mut rand = move || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 24) as f32
        };
        (0..n)
            .map(|_| {
                let shade = 30.0 * (rand() + rand() + rand() + rand());
                let noise = 3.0 * (rand() - 0.5);
                [110.0 + shade + noise, 70.0 + shade, 50.0 + shade - noise]
            })
            .collect()
    }

    fn rounded(px: &[[f32; 3]], levels: f32) -> Vec<[u8; 3]> {
        let step = 255.0 / (levels - 1.0);
        px.iter()
            .map(|p| p.map(|v| ((v / step).round() * step).round().clamp(0.0, 255.0) as u8))
            .collect()
    }

    /// The shipped limit.
    fn limit() -> f64 {
        crate::spec::dongguan_id_card()
            .body
            .quality
            .max_posterisation
            .unwrap()
    }

    #[test]
    fn smooth_tones_pass_and_a_few_levels_per_channel_fail() {
        let px = skin(20_000);
        let clean = posterisation(rounded(&px, 256.0).into_iter()).unwrap();
        let fine = posterisation(rounded(&px, 64.0).into_iter()).unwrap();
        let banded = posterisation(rounded(&px, 16.0).into_iter()).unwrap();
        assert!(clean < 0.5 * limit(), "{clean}");
        // 64 levels (steps of 4) is rounding no one sees: the narrow window removes most of it.
        assert!(fine < 0.7 * limit(), "{fine}");
        assert!(banded > 4.0 * limit(), "{banded}");
    }

    #[test]
    fn banding_spread_by_a_few_levels_still_fails() {
        // A JPEG's ringing spreads each spike by a level or two; the comb remains.
        let px = skin(20_000);
        let mut s = 3u32;
        let spread: Vec<[u8; 3]> = rounded(&px, 16.0)
            .into_iter()
            .map(|p| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let d = (s >> 30) as i32 - 2;
                p.map(|v| (i32::from(v) + d).clamp(0, 255) as u8)
            })
            .collect();
        let v = posterisation(spread.into_iter()).unwrap();
        assert!(v > 1.5 * limit(), "{v}");
    }

    #[test]
    fn a_narrow_hill_of_tones_is_no_comb() {
        // A dark or hazy face squeezes its tones into a few levels: the narrow and the wide
        // smoothing then differ by one hump, which does not repeat.
        let px: Vec<[f32; 3]> = skin(20_000)
            .iter()
            .map(|p| p.map(|v| 0.3 * v + 40.0))
            .collect();
        let v = posterisation(rounded(&px, 256.0).into_iter()).unwrap();
        assert!(v < 0.5 * limit(), "{v}");
    }

    #[test]
    fn clipped_pixels_and_small_faces_are_not_read() {
        // A face half blown out to white: the pile at 255 is no comb.
        let mut px = rounded(&skin(10_000), 256.0);
        px.extend(std::iter::repeat_n([255, 255, 255], 10_000));
        assert!(posterisation(px.into_iter()).unwrap() < 0.5 * limit());
        assert_eq!(posterisation(rounded(&skin(500), 16.0).into_iter()), None);
    }
}
