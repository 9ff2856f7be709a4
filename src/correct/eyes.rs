//! Red eye: the pupils a flash lit red, darkened to the grey of a pupil.
//!
//! Only a photo whose pupils fail `eyes.red` (the spec's `head.max_red_eye`, measured on the
//! canvas as the check measures it) is touched, and only within each iris. There a pixel's red
//! channel is pulled toward the mean of its green and blue by how flash-red it is: not at all at
//! a red-to-other ratio of 1.5 (`FADE_FROM`), fully at the check's own [`RED_OVER_OTHERS`]. A red
//! pupil (200, 40, 40) becomes (40, 40, 40) and its catchlight stays; the edge of the glow fades
//! into the iris instead of leaving a ring. This is the classic desaturation of red-eye removal
//! (e.g. GIMP's red-eye filter), limited to where the face stage puts the irises.

use crate::face::{Face, Point};
use crate::redeye::{red_pupil_share, PUPIL_RADIUS, RED_OVER_OTHERS};
use image::RgbImage;

/// The disc that is corrected around each eye centre, in inter-eye distances: the whole iris
/// (about 0.095), so the glow is taken out to its edge, and no further, so lids and skin are
/// left alone.
const IRIS_RADIUS: f32 = 0.1;

/// Red-to-other ratio from which a pixel starts to be corrected; brown irises reach about 1.8,
/// so the few iris pixels above this in a red-eye photo lose only part of their warmth.
const FADE_FROM: f32 = 1.5;

/// Darkens the red pupils of `face` on `image` (the canvas) when the redder eye's pupil share
/// exceeds `max_share`; returns whether it did.
pub fn fix_red_eye(image: &mut RgbImage, face: &Face, max_share: f32) -> bool {
    let iod = face.inter_eye();
    let share = |c: Point| red_pupil_share(image, c, PUPIL_RADIUS * iod).unwrap_or(0.0);
    if share(face.right_eye).max(share(face.left_eye)) <= max_share {
        return false;
    }
    for centre in [face.right_eye, face.left_eye] {
        darken_red(image, centre, IRIS_RADIUS * iod);
    }
    true
}

/// Pulls red toward the mean of green and blue within `radius` of `centre`, by how red.
fn darken_red(image: &mut RgbImage, centre: Point, radius: f32) {
    for (x, y) in crate::imageops::disc(image.dimensions(), centre, radius) {
        let p = image.get_pixel_mut(x, y);
        let [r, g, b] = p.0.map(f32::from);
        let ratio = r / g.max(b).max(1.0);
        let t = ((ratio - FADE_FROM) / (RED_OVER_OTHERS - FADE_FROM)).clamp(0.0, 1.0);
        if t > 0.0 {
            let grey = (g + b) / 2.0;
            p.0[0] = (r + t * (grey - r)).round() as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redeye::is_flash_red;
    use image::Rgb;

    /// A skin-coloured canvas with two brown irises 100 px apart, their pupils `pupil`.
    fn eyes(pupil: [u8; 3]) -> (RgbImage, Face) {
        let mut img = RgbImage::from_pixel(300, 200, Rgb([205, 160, 135]));
        let (right, left) = ([100.0, 100.0], [200.0, 100.0]);
        for [cx, cy] in [right, left] {
            for y in 0..200u32 {
                for x in 0..300u32 {
                    let d = (x as f32 + 0.5 - cx).hypot(y as f32 + 0.5 - cy);
                    if d <= 4.0 {
                        img.put_pixel(x, y, Rgb(pupil));
                    } else if d <= 9.5 {
                        img.put_pixel(x, y, Rgb([110, 70, 45]));
                    }
                }
            }
        }
        let face = Face {
            bbox: [50.0, 40.0, 200.0, 200.0],
            right_eye: right,
            left_eye: left,
            crown: None,
            chin: [150.0, 190.0],
            face_left_x: 60.0,
            face_right_x: 240.0,
            face_width_y: 120.0,
            ..Default::default()
        };
        (img, face)
    }

    #[test]
    fn red_pupils_turn_grey_and_the_iris_and_skin_stay() {
        let (mut img, face) = eyes([200, 35, 40]);
        let before = img.clone();
        assert!(fix_red_eye(&mut img, &face, 0.2));
        let pupil = img.get_pixel(100, 100).0;
        assert!(!is_flash_red(pupil), "{pupil:?}");
        assert_eq!(
            pupil,
            [38, 35, 40],
            "red pulled to the mean of green and blue"
        );
        // The brown iris (ratio 1.57) loses a little red at most; skin nothing.
        let iris = img.get_pixel(107, 100).0;
        assert!(iris[0] >= 100 && iris[1..] == [70, 45], "{iris:?}");
        assert_eq!(img.get_pixel(100, 130), before.get_pixel(100, 130));
        assert!(red_pupil_share(&img, face.left_eye, 5.0).unwrap() == 0.0);
    }

    #[test]
    fn dark_pupils_are_left_alone() {
        let (mut img, face) = eyes([25, 20, 20]);
        let before = img.clone();
        assert!(!fix_red_eye(&mut img, &face, 0.2));
        assert_eq!(img, before);
    }
}
