//! FaceMesh (468 landmarks) on a rotated square crop: the region, its sampling (area-averaged
//! where the region is larger than the crop) and the mapping of points back.

use crate::error::Result;
use crate::nn;
use image::RgbImage;

/// Network input side.
pub const INPUT: u32 = 192;

/// A rotated square region of an image: centre, side and rotation of its x axis (radians,
/// positive turns the x axis towards +y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Centre in image pixels.
    pub centre: [f32; 2],
    /// Side length in image pixels.
    pub side: f32,
    /// Rotation in radians.
    pub angle: f32,
}

impl Roi {
    /// Maps a point given in pixels of an `n`×`n` sampling of the region to image pixels.
    pub fn to_image(self, p: [f32; 2], n: f32) -> [f32; 2] {
        self.to_image_turned(p, n, self.angle.sin_cos())
    }

    /// [`Roi::to_image`] given the sine and cosine of the rotation, for mapping many points.
    fn to_image_turned(self, p: [f32; 2], n: f32, (s, c): (f32, f32)) -> [f32; 2] {
        let u = (p[0] / n - 0.5) * self.side;
        let v = (p[1] / n - 0.5) * self.side;
        [
            self.centre[0] + u * c - v * s,
            self.centre[1] + u * s + v * c,
        ]
    }

    /// Maps an image point to pixels of an `n`×`n` sampling of the region (the inverse of
    /// [`Roi::to_image`]).
    pub fn to_region(self, p: [f32; 2], n: f32) -> [f32; 2] {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (p[0] - self.centre[0], p[1] - self.centre[1]);
        let k = n / self.side;
        [
            (dx * c + dy * s) * k + n / 2.0,
            (-dx * s + dy * c) * k + n / 2.0,
        ]
    }
}

/// Samples the region into an `n`×`n` image (bilinear; outside the image the border repeats,
/// as MediaPipe does).
pub fn sample(image: &RgbImage, roi: &Roi, n: u32) -> RgbImage {
    supersample(image, roi, n, 1)
}

/// [`sample`] for a region much larger than `n` pixels: each output pixel averages enough
/// bilinear samples to cover its footprint (at most 8×8), so fine detail such as eyelashes is
/// averaged instead of aliased.
pub fn sample_area(image: &RgbImage, roi: &Roi, n: u32) -> RgbImage {
    let k = (roi.side / n as f32).ceil().clamp(1.0, 8.0) as u32;
    supersample(image, roi, n, k)
}

fn supersample(image: &RgbImage, roi: &Roi, n: u32, k: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return RgbImage::new(n, n);
    }
    let nf = n as f32;
    let kf = k as f32;
    let weight = 1.0 / (kf * kf);
    let turn = roi.angle.sin_cos();
    let mut out = Vec::with_capacity(3 * (n as usize).pow(2));
    for v in 0..n {
        for u in 0..n {
            let mut sum = [0.0f32; 3];
            for j in 0..k {
                for i in 0..k {
                    let at = [
                        u as f32 + (i as f32 + 0.5) / kf,
                        v as f32 + (j as f32 + 0.5) / kf,
                    ];
                    let p = roi.to_image_turned(at, nf, turn);
                    let c = crate::imageops::bilinear(image, p);
                    for (s, c) in sum.iter_mut().zip(c) {
                        *s += c;
                    }
                }
            }
            out.extend(sum.map(|s| crate::imageops::round_u8(s * weight)));
        }
    }
    RgbImage::from_raw(n, n, out).unwrap_or_else(|| RgbImage::new(n, n))
}

/// FaceMesh's answer for one region.
#[derive(Debug, Clone)]
pub struct Mesh {
    /// 468 landmarks in image pixels.
    pub points: Vec<[f32; 2]>,
    /// Depth of each landmark in image pixels, towards the camera negative (MediaPipe's z,
    /// scaled like x).
    pub depth: Vec<f32>,
    /// Face-presence probability.
    pub presence: f32,
}

/// Runs FaceMesh on the region of `image`.
pub fn run(image: &RgbImage, roi: &Roi) -> Result<Mesh> {
    let crop = sample(image, roi, INPUT);
    let out = nn::face_landmark()?.run(nn::nhwc_tensor(&crop, 1.0 / 255.0, 0.0))?;
    let pts = out.first().map(nn::floats).unwrap_or_default();
    let logit: f32 = out
        .get(1)
        .and_then(|t| nn::floats(t).first().copied())
        .unwrap_or(-100.0);
    let points = pts
        .chunks_exact(3)
        .map(|p| roi.to_image([p[0], p[1]], INPUT as f32))
        .collect();
    let k = roi.side / INPUT as f32;
    let depth = pts.chunks_exact(3).map(|p| p[2] * k).collect();
    Ok(Mesh {
        points,
        depth,
        presence: 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp()),
    })
}

/// Mean of `points` (the origin for none).
pub fn centroid(points: &[[f32; 2]]) -> [f32; 2] {
    let n = points.len().max(1) as f32;
    points
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n])
}

/// The two corners of an eye contour laid out like [`idx::RIGHT_EYE`] and [`idx::LEFT_EYE`]
/// (the first point and the one halfway round), image-left first; `None` for fewer than three
/// points, which frame no eye.
pub fn eye_corners(contour: &[[f32; 2]]) -> Option<[[f32; 2]; 2]> {
    if contour.len() < 3 {
        return None;
    }
    let (a, b) = (contour[0], contour[contour.len() / 2]);
    Some(if a[0] <= b[0] { [a, b] } else { [b, a] })
}

/// FaceMesh indices (subject's own left and right; `models/README.md`).
pub mod idx {
    /// Right eye contour (image left), outer corner first.
    pub const RIGHT_EYE: [usize; 16] = [
        33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
    ];
    /// Left eye contour (image right), outer corner first.
    pub const LEFT_EYE: [usize; 16] = [
        263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
    ];
    /// Chin, lowest point of the jaw contour.
    pub const CHIN: usize = 152;
    /// Cheek contour at the right ear root (image left).
    pub const CHEEK_RIGHT: usize = 234;
    /// Cheek contour at the left ear root (image right).
    pub const CHEEK_LEFT: usize = 454;
    /// Top of the mesh on the forehead (below the hairline).
    pub const FOREHEAD: usize = 10;
    /// Inner lip contour, pairs facing each other across the mouth: upper lip's lower edge,
    /// lower lip's upper edge, in the middle and a quarter of the way to either corner.
    pub const INNER_LIPS: [(usize, usize); 3] = [(13, 14), (82, 87), (312, 317)];
    /// Corners of the mouth opening (inner lip contour), image left and right.
    pub const MOUTH_CORNERS: (usize, usize) = (78, 308);
    /// Upper edge of the subject's right eyebrow (image left), outer end first.
    pub const RIGHT_BROW_TOP: [usize; 5] = [70, 63, 105, 66, 107];
    /// Upper edge of the subject's left eyebrow (image right), outer end first.
    pub const LEFT_BROW_TOP: [usize; 5] = [300, 293, 334, 296, 336];
    /// Middle of the cheeks, below the eyes (right, left): the skin the brows' surroundings are
    /// compared with.
    pub const CHEEK_CENTRES: [usize; 2] = [50, 280];
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn roi_maps_corners_and_centre() {
        let roi = Roi {
            centre: [100.0, 50.0],
            side: 40.0,
            angle: 0.0,
        };
        assert_eq!(roi.to_image([96.0, 96.0], 192.0), [100.0, 50.0]);
        assert_eq!(roi.to_image([0.0, 0.0], 192.0), [80.0, 30.0]);
        let turned = Roi {
            angle: std::f32::consts::FRAC_PI_2,
            ..roi
        };
        let p = turned.to_image([192.0, 96.0], 192.0);
        assert!((p[0] - 100.0).abs() < 1e-4 && (p[1] - 70.0).abs() < 1e-4);
        let back = turned.to_region(p, 192.0);
        assert!((back[0] - 192.0).abs() < 1e-3 && (back[1] - 96.0).abs() < 1e-3);
    }

    #[test]
    fn sampling_copies_an_axis_aligned_region() {
        let img = RgbImage::from_fn(20, 20, |x, y| Rgb([(x * 10) as u8, (y * 10) as u8, 0]));
        let roi = Roi {
            centre: [10.0, 10.0],
            side: 10.0,
            angle: 0.0,
        };
        let s = sample(&img, &roi, 10);
        assert_eq!(s.get_pixel(0, 0), img.get_pixel(5, 5));
        assert_eq!(s.get_pixel(9, 3), img.get_pixel(14, 8));
    }

    #[test]
    fn area_sampling_averages_detail_finer_than_a_pixel() {
        // One-pixel black and white columns, 4 columns per output pixel: the texture is grey.
        let img = RgbImage::from_fn(80, 64, |x, _| Rgb([if x % 2 == 0 { 255 } else { 0 }; 3]));
        let roi = Roi {
            centre: [32.5, 32.0],
            side: 64.0,
            angle: 0.0,
        };
        // Point sampling lands on the white columns only.
        assert!(sample(&img, &roi, 16).pixels().all(|p| p[0] == 255));
        assert!(sample_area(&img, &roi, 16)
            .pixels()
            .all(|p| (127..=128).contains(&p[0])));
    }

    #[test]
    fn eye_corners_are_the_first_and_halfway_points_left_first() {
        let (_, contour) = crate::face::synthetic_eye([100.0, 80.0]);
        let mut reversed = contour.clone();
        reversed.rotate_left(8);
        for c in [&contour, &reversed] {
            let [l, r] = eye_corners(c).unwrap();
            assert!(
                (l[0] - 70.0).abs() < 1e-4 && (r[0] - 130.0).abs() < 1e-4,
                "{l:?} {r:?}"
            );
        }
        assert_eq!(eye_corners(&contour[..2]), None);
        let c = centroid(&contour);
        assert!(
            (c[0] - 100.0).abs() < 1e-3 && (c[1] - 80.0).abs() < 1e-3,
            "{c:?}"
        );
    }
}
