//! Iris centres from MediaPipe's iris landmark model, run on a crop around each eye.
//!
//! The model (Apache-2.0, `models/README.md`) sees a 64×64 square around the eye, 2.3 times the
//! corner-to-corner width, rotated so the corners are level (MediaPipe's
//! `iris_landmark_landmarks_to_roi`). It was trained on the image-left eye only, so the other
//! eye's crop is mirrored and the answer mirrored back (MediaPipe's `iris_landmark_cpu` does the
//! same; the other way round, the mean eye error on the shared photos rises from 0.027 to 0.033
//! of the inter-eye distance). Having learnt the whole iris, it places the centre where the lids
//! hide the top of the iris or make-up darkens the corners, where a darkness search anchored on
//! the eye opening failed (`face` module doc for the figures).

use super::mesh::{sample_area, Roi};
use crate::error::Result;
use crate::imageops::Scaled;
use crate::nn;
use image::RgbImage;

/// Network input side.
const INPUT: u32 = 64;
/// Crop side as a multiple of the corner-to-corner eye width.
const ROI_SCALE: f32 = 2.3;

/// An iris found by the model, in photo pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iris {
    /// Centre of the iris (the pupil).
    pub centre: [f32; 2],
    /// Mean distance of the four iris-boundary points from the centre.
    pub radius: f32,
    /// How far the lids are apart: their mean gap over the corner-to-corner width (see
    /// [`opening`]); `None` when the model gave no eye contour.
    pub opening: Option<f32>,
}

/// The lid gap of an eye over its corner-to-corner width, from the model's eye contour (output 0:
/// 71 points, x, y, z in crop pixels). Its first 16 points run like FaceMesh's eye contour: 0 and
/// 8 the corners, 1–7 one lid from corner 0, 9–15 the other lid from corner 0, so 3↔11, 4↔12 and
/// 5↔13 face each other across the middle of the eye. The mean of those three gaps over the
/// width is Soukupová and Čech's eye aspect ratio (2016) with one pair more.
///
/// The model's contour, not FaceMesh's, because FaceMesh keeps closed eyes open: on a
/// closed-eye studio portrait its ratio reads 0.24, in the middle of open eyes (0.18–0.39 on the
/// shared and deepface photos), where the iris model's reads 0.06 (open eyes 0.17–0.46).
fn opening(contour: &[f32]) -> Option<f32> {
    if contour.len() < 16 * 3 {
        return None;
    }
    let at = |i: usize| Some([contour[3 * i], contour[3 * i + 1]]);
    super::opening_ratio(at, &[(3, 11), (4, 12), (5, 13)], (0, 8))
}

/// Locates the iris of the eye whose corners are `corners` (image-left first, as
/// [`super::mesh::eye_corners`] gives them; photo pixels). `mirror` is true for the image-right
/// eye (the subject's left). `None` when the corners are too close together to frame an eye or
/// the network's answer is not finite.
///
/// The crop comes from the working copy when it still holds at least 64 pixels across the
/// crop (the usual case: same accuracy on the shared photos, a tenth of the sampling work on a
/// 12 MP photo), else from the photo, so a small face in a large photo keeps its detail.
pub fn locate(
    working: &Scaled,
    photo: &RgbImage,
    [left, right]: [[f32; 2]; 2],
    mirror: bool,
) -> Result<Option<Iris>> {
    let (dx, dy) = (right[0] - left[0], right[1] - left[1]);
    let width = dx.hypot(dy);
    if !(width.is_finite() && width > 2.0) {
        return Ok(None);
    }
    let roi = Roi {
        centre: [(left[0] + right[0]) / 2.0, (left[1] + right[1]) / 2.0],
        side: ROI_SCALE * width,
        angle: dy.atan2(dx),
    };
    // Average, don't alias, where the source has more pixels than the crop.
    let mut crop = if roi.side * working.scale >= INPUT as f32 {
        let s = working.scale;
        let in_working = Roi {
            centre: [roi.centre[0] * s, roi.centre[1] * s],
            side: roi.side * s,
            ..roi
        };
        sample_area(&working.image, &in_working, INPUT)
    } else {
        sample_area(photo, &roi, INPUT)
    };
    if mirror {
        image::imageops::flip_horizontal_in_place(&mut crop);
    }
    let mut out = run(&crop)?;
    // The model knows dark pupils; a flash-lit red one pulls its answer off the iris (the shared
    // portraits with red pupils painted in: mean eye error 0.027 → 0.040, p95 0.063). Where
    // the pupil it found is red, it looks again with the crop's flash-red pixels turned to the
    // grey of their green and blue, as red-eye removal does (then 0.022, p95 0.033, against
    // pupils painted at the annotated points). Only then: the whole crop holds lids and skin
    // whose colour a blanket change would also alter (aniston_2's eye: 0.039 → 0.048).
    if pupil_is_red(out.as_ref(), &crop) {
        for p in crop.pixels_mut() {
            if crate::redeye::is_flash_red(p.0) {
                p.0[0] = ((u16::from(p.0[1]) + u16::from(p.0[2])) / 2) as u8;
            }
        }
        out = run(&crop)?;
    }
    let Some((contour, points)) = out else {
        return Ok(None);
    };
    let n = INPUT as f32;
    let at = |i: usize| {
        let x = points[3 * i];
        roi.to_image([if mirror { n - x } else { x }, points[3 * i + 1]], n)
    };
    let centre = at(0);
    // Rotation and mirroring keep lengths; the crop's scale is side / n.
    let radius = crop_radius(&points) * roi.side / n;
    // Mirroring and the crop's scale leave the ratio as it is.
    let opening = opening(&contour);
    Ok(Some(Iris {
        centre,
        radius,
        opening,
    }))
}

/// The model's two outputs on one crop: the eye contour (71 points) and the five iris points
/// (centre, then four on the boundary), x, y, z in crop pixels; `None` when the iris points are
/// missing or not finite.
type Answer = Option<(Vec<f32>, Vec<f32>)>;

fn run(crop: &RgbImage) -> Result<Answer> {
    let out = nn::iris_landmark()?.run(nn::nhwc_tensor(crop, 1.0 / 255.0, 0.0))?;
    let points = out.get(1).map(nn::floats).unwrap_or_default();
    if points.len() < 15 || points.iter().any(|v| !v.is_finite()) {
        return Ok(None);
    }
    let contour = out.first().map(nn::floats).unwrap_or_default();
    Ok(Some((contour, points)))
}

/// Share of flash-red pixels in the pupil (half the iris radius around the centre the model
/// found) above which the crop is looked at again with the red taken out: the limit at which
/// the built-in specs fail `eyes.red`; eyes without red eye read at most 0.09.
const RED_PUPIL_SHARE: f32 = 0.2;

fn pupil_is_red(answer: Option<&(Vec<f32>, Vec<f32>)>, crop: &RgbImage) -> bool {
    let Some((_, p)) = answer else {
        return false;
    };
    crate::redeye::red_pupil_share(crop, [p[0], p[1]], 0.5 * crop_radius(p))
        .is_some_and(|share| share > RED_PUPIL_SHARE)
}

/// The iris radius in crop pixels: the mean distance of the four boundary points from the
/// centre (the model's iris points, x, y, z each).
fn crop_radius(p: &[f32]) -> f32 {
    (1..5)
        .map(|i| (p[3 * i] - p[0]).hypot(p[3 * i + 1] - p[1]))
        .sum::<f32>()
        / 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unscaled(img: &RgbImage) -> Scaled {
        Scaled {
            image: img.clone(),
            scale: 1.0,
        }
    }

    #[test]
    fn a_working_copy_half_the_size_gives_the_same_iris() {
        let iris = [106.0, 81.5];
        let (img, contour) = crate::face::synthetic_eye(iris);
        let half = crate::imageops::downscale(&img, 100);
        assert_eq!(half.scale, 0.5);
        // The crop spans 2.3 × 60 × 0.5 = 69 working pixels: sampled from the working copy.
        let found = locate(&half, &img, [contour[0], contour[8]], false)
            .unwrap()
            .unwrap();
        let err = (found.centre[0] - iris[0]).hypot(found.centre[1] - iris[1]);
        assert!(err < 2.0, "found {found:?}");
    }

    #[test]
    fn finds_the_iris_of_a_drawn_eye_wherever_it_looks() {
        for iris in [[100.0, 80.0], [106.0, 81.5], [94.0, 79.0]] {
            let (img, contour) = crate::face::synthetic_eye(iris);
            let found = locate(&unscaled(&img), &img, [contour[0], contour[8]], false)
                .unwrap()
                .unwrap();
            let err = (found.centre[0] - iris[0]).hypot(found.centre[1] - iris[1]);
            assert!(err < 2.0, "iris at {iris:?}, found {found:?}");
        }
    }

    #[test]
    fn the_mirrored_eye_is_found_at_the_mirrored_place() {
        let (img, contour) = crate::face::synthetic_eye([106.0, 81.5]);
        let flipped = image::imageops::flip_horizontal(&img);
        let w = img.width() as f32;
        let m = |p: [f32; 2]| [w - p[0], p[1]];
        let direct = locate(&unscaled(&img), &img, [contour[0], contour[8]], false)
            .unwrap()
            .unwrap();
        let mirrored = locate(
            &unscaled(&flipped),
            &flipped,
            [m(contour[8]), m(contour[0])],
            true,
        )
        .unwrap()
        .unwrap();
        let back = m(mirrored.centre);
        assert!(
            (back[0] - direct.centre[0]).abs() < 0.05 && (back[1] - direct.centre[1]).abs() < 0.05,
            "{direct:?} vs {back:?}"
        );
    }

    /// An eye contour laid out as the model gives it: corners 0 and 8, one lid 1–7, the other
    /// 9–15, on an ellipse `w` wide and `h` high (x, y, z per point).
    fn contour(w: f32, h: f32) -> Vec<f32> {
        let mut c = Vec::new();
        for i in 0..16 {
            let (k, lid) = if i <= 8 { (i, 1.0) } else { (i - 8, -1.0) };
            let t = std::f32::consts::PI * k as f32 / 8.0;
            c.extend([
                32.0 - 0.5 * w * t.cos(),
                32.0 + lid * 0.5 * h * t.sin(),
                0.0,
            ]);
        }
        c
    }

    #[test]
    fn opening_is_the_lid_gap_over_the_eye_width() {
        // Gaps at 3/8, 4/8 and 5/8 of the width: h·sin(3π/8), h, h·sin(5π/8).
        let expect =
            |w: f32, h: f32| h * (2.0 * (3.0 * std::f32::consts::PI / 8.0).sin() + 1.0) / 3.0 / w;
        for (w, h) in [(30.0, 10.0), (30.0, 1.0), (12.0, 6.0)] {
            let got = opening(&contour(w, h)).unwrap();
            assert!((got - expect(w, h)).abs() < 1e-4, "{w}×{h}: {got}");
        }
        assert_eq!(opening(&contour(0.0, 0.0)), None, "no width, no ratio");
        assert_eq!(opening(&[1.0; 10]), None, "too few points");
    }

    #[test]
    fn a_drawn_open_eye_reads_open() {
        let (img, c) = crate::face::synthetic_eye([100.0, 80.0]);
        let found = locate(&unscaled(&img), &img, [c[0], c[8]], false)
            .unwrap()
            .unwrap();
        // Drawn 60 × 24: about 0.35 open by its outline.
        let opening = found.opening.unwrap();
        assert!((0.2..0.5).contains(&opening), "{opening}");
    }

    #[test]
    fn corners_on_top_of_each_other_frame_no_eye() {
        let img = RgbImage::new(50, 50);
        let w = unscaled(&img);
        assert_eq!(
            locate(&w, &img, [[20.0, 20.0], [21.0, 20.0]], false).unwrap(),
            None
        );
        assert_eq!(
            locate(&w, &img, [[f32::NAN, 0.0], [21.0, 20.0]], true).unwrap(),
            None
        );
    }
}
