//! Flash-red pupils: which pixels a flash lit red through a wide pupil, and their share in a
//! pupil. The face stage looks again at an eye whose pupil it found red, `eyes.red` judges the
//! share, and the corrected photo darkens such pupils.

use crate::imageops::Point;
use image::RgbImage;

/// Radius of the disc sampled around each eye centre, in inter-eye distances. An iris spans
/// about 0.19 of the eye distance (11.7 of 63 mm); a pupil wide enough to glow red, in the dim
/// light a flash is used in, half of that and more. The disc keeps inside the iris, so a narrowed
/// eye's lids and lashes stay mostly out.
pub const PUPIL_RADIUS: f32 = 0.05;

/// A pixel is flash-red when its red channel is at least this multiple of the larger of green
/// and blue, and `RED_ABOVE_OTHERS` levels above it. A red pupil reads 3–10; skin 1.2–1.6,
/// lips up to 2, brown and amber irises up to about 1.8.
pub const RED_OVER_OTHERS: f32 = 2.0;
/// How many levels (0–255) red must stand above the larger of green and blue. The ratio alone
/// took dark brown pupils under warm light for red eye: at (60, 28, 20) red is twice green but
/// only 32 levels above it: 18 of 184 web portraits (the eye set of README's accuracy section)
/// failed `eyes.red`, one of them red-eyed; with the margin 7 do, the red-eyed one and
/// six blurred, near-closed or warm-lit eyes. A flash-lit pupil stands 50–200 levels above:
/// eight red-eye photos all still fail (0.46–1.00 of the pupil).
pub const RED_ABOVE_OTHERS: u8 = 50;

/// Whether a pixel is flash-red (see [`RED_OVER_OTHERS`] and `RED_ABOVE_OTHERS`).
pub fn is_flash_red([r, g, b]: [u8; 3]) -> bool {
    let others = g.max(b);
    r >= others.saturating_add(RED_ABOVE_OTHERS)
        && f32::from(r) >= RED_OVER_OTHERS * f32::from(others).max(1.0)
}

/// The share of flash-red pixels in the disc of radius `radius` around `centre` (photo pixels);
/// `None` when the disc holds under 4 pixels of the photo.
pub fn red_pupil_share(img: &RgbImage, centre: Point, radius: f32) -> Option<f32> {
    let (mut red, mut all) = (0u32, 0u32);
    for (x, y) in crate::imageops::disc(img.dimensions(), centre, radius) {
        all += 1;
        red += u32::from(is_flash_red(img.get_pixel(x, y).0));
    }
    (all >= 4).then(|| red as f32 / all as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_flash_lit_pupil_is_flash_red() {
        // Sampled from real photos: red pupils of flash portraits, then skin, lips, a brown and
        // an amber iris, a dark pupil (whose ratio is noise), white, and dark brown pupils under
        // warm light, red twice green but close to it (the ratio alone failed such portraits).
        for red in [[200, 35, 40], [120, 20, 28], [230, 90, 100]] {
            assert!(is_flash_red(red), "{red:?}");
        }
        for not in [
            [205, 160, 135],
            [190, 95, 100],
            [110, 70, 45],
            [150, 95, 40],
            [40, 12, 15],
            [250, 250, 250],
            [60, 28, 20],
            [72, 34, 30],
        ] {
            assert!(!is_flash_red(not), "{not:?}");
        }
    }
}
