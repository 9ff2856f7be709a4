//! The eye whites (sclera) as a neutral reference in the photo.
//!
//! The sclera is nearly colourless and lit by the same light as the face, so its colour shows a
//! colour cast where the backdrop is coloured (a blue backdrop is no white-balance reference),
//! and its lightness tells a dim photo from dark skin in good light: dark skin leaves the eye
//! whites bright, too little light dims them with the skin.
//!
//! The pixels: inside the FaceMesh eye contour, outside the iris disc the iris model gives
//! (grown by [`IRIS_MARGIN`]: its rim blends into the white), not clipped, and of those the
//! whitest part ([`BRIGHT_QUANTILE`] and up of each eye's smallest channel): the contour also takes in
//! lashes, the lids' shadow, lid skin and the pink inner corner. Read at the photo's own resolution, as
//! the face's coordinates are.

use super::Point;
use crate::colour::{linear_lut, linear_to_lab, Lab};
use image::RgbImage;
use serde::Serialize;

/// The iris disc is left out this much wider than the radius the iris model gives.
const IRIS_MARGIN: f32 = 1.2;
/// A pixel with a channel at or above this is a highlight (a catch light, glare on glasses):
/// it holds the light's colour clipped, not the sclera's.
const CLIPPED: u8 = 250;
/// Of each eye's candidate pixels, those at or above this quantile of [`whiteness`] are the
/// white.
const BRIGHT_QUANTILE: f32 = 0.5;

/// The open part of one eye as the face stage saw it, in photo pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EyeOutline {
    /// FaceMesh's eye contour (16 points round the lids).
    pub contour: Vec<Point>,
    /// The iris centre.
    pub iris: Point,
    /// The iris radius.
    pub iris_radius: f32,
}

impl EyeOutline {
    /// The outline moved by `m`, which scales lengths by `scale`.
    pub fn mapped(&self, m: impl Fn(Point) -> Point, scale: f32) -> EyeOutline {
        EyeOutline {
            contour: self.contour.iter().map(|&p| m(p)).collect(),
            iris: m(self.iris),
            iris_radius: self.iris_radius * scale,
        }
    }
}

/// What the eye whites of one face show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EyeWhites {
    /// How many pixels were read, both eyes together.
    pub pixels: usize,
    /// Their mean colour (mean in linear light) as L*a*b*; `None` when there are none.
    pub lab: Option<Lab>,
    /// Their mean in linear light.
    pub linear: Option<[f32; 3]>,
}

/// The eye whites of `eyes` in `photo` (see the module doc).
pub fn eye_whites(photo: &RgbImage, eyes: &[EyeOutline]) -> EyeWhites {
    let lut = linear_lut();
    let mut sum = [0.0f64; 3];
    let mut n = 0usize;
    for eye in eyes {
        for p in bright_part(photo, eye) {
            for (s, c) in sum.iter_mut().zip(p) {
                *s += f64::from(lut[usize::from(c)]);
            }
            n += 1;
        }
    }
    let linear = (n > 0).then(|| sum.map(|s| (s / n as f64) as f32));
    EyeWhites {
        pixels: n,
        lab: linear.map(linear_to_lab),
        linear,
    }
}

/// How white a pixel is: its smallest channel, high only where all three are, so that the
/// white ranks above the skin of the lids and the pink inner corner as well as above lashes and
/// shadow, and stays above them under a cast, which lowers the same channel everywhere.
fn whiteness(p: [u8; 3]) -> f32 {
    f32::from(p[0].min(p[1]).min(p[2]))
}

/// The sclera pixels of one eye: inside its contour, off the iris, not clipped, the whitest
/// part.
fn bright_part(photo: &RgbImage, eye: &EyeOutline) -> Vec<[u8; 3]> {
    let (w, h) = photo.dimensions();
    if eye.contour.len() < 3 || w == 0 || h == 0 {
        return Vec::new();
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in &eye.contour {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite()) {
        return Vec::new();
    }
    let clip = |v: f32, max: u32| v.clamp(0.0, max as f32) as u32;
    let iris = IRIS_MARGIN * eye.iris_radius.max(0.0);
    let mut candidates: Vec<(f32, [u8; 3])> = Vec::new();
    for y in clip(y0.floor(), h)..clip(y1.ceil() + 1.0, h) {
        for x in clip(x0.floor(), w)..clip(x1.ceil() + 1.0, w) {
            let c = [x as f32 + 0.5, y as f32 + 0.5];
            if !super::refine::inside(&eye.contour, c)
                || (c[0] - eye.iris[0]).hypot(c[1] - eye.iris[1]) <= iris
            {
                continue;
            }
            let p = photo.get_pixel(x, y).0;
            if p.iter().any(|&v| v >= CLIPPED) {
                continue;
            }
            candidates.push((whiteness(p), p));
        }
    }
    let mut l: Vec<f32> = candidates.iter().map(|c| c.0).collect();
    let Some(floor) = crate::stats::quantile(&mut l, BRIGHT_QUANTILE) else {
        return Vec::new();
    };
    candidates
        .into_iter()
        .filter(|c| c.0 >= floor)
        .map(|c| c.1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The drawn eye of [`crate::face::synthetic_eye`] as an outline.
    fn drawn(iris: Point) -> (RgbImage, EyeOutline) {
        let (img, contour) = crate::face::synthetic_eye(iris);
        (
            img,
            EyeOutline {
                contour,
                iris,
                iris_radius: 12.0,
            },
        )
    }

    #[test]
    fn the_white_of_a_drawn_eye_is_read_and_the_iris_and_lids_are_not() {
        let (img, eye) = drawn([100.0, 80.0]);
        let whites = eye_whites(&img, &[eye]);
        // The white is sRGB (235, 235, 230): L* 93, nearly neutral.
        let [l, a, b] = whites.lab.unwrap();
        assert!((l - srgb_l(235)).abs() < 1.0, "{l}");
        assert!(a.abs() < 1.0 && (b - 2.8).abs() < 1.0, "{a} {b}");
        assert!(whites.pixels > 300, "{}", whites.pixels);
    }

    fn srgb_l(v: u8) -> f32 {
        crate::colour::srgb_to_lab([v; 3])[0]
    }

    #[test]
    fn a_cast_on_the_photo_shows_in_the_whites() {
        let (img, eye) = drawn([106.0, 81.5]);
        let warm = RgbImage::from_fn(img.width(), img.height(), |x, y| {
            let [r, g, b] = img.get_pixel(x, y).0;
            image::Rgb([r, (f32::from(g) * 0.93) as u8, (f32::from(b) * 0.8) as u8])
        });
        let [_, _, b0] = eye_whites(&img, std::slice::from_ref(&eye)).lab.unwrap();
        let [_, _, b1] = eye_whites(&warm, &[eye]).lab.unwrap();
        assert!(b1 - b0 > 8.0, "{b0} → {b1}");
    }

    #[test]
    fn glints_and_a_closed_eye_give_no_white() {
        // Every opening pixel clipped (glare on glasses): nothing to read.
        let (img, eye) = drawn([100.0, 80.0]);
        let glare = RgbImage::from_fn(img.width(), img.height(), |x, y| {
            let p = img.get_pixel(x, y).0;
            image::Rgb(if p == [235, 235, 230] { [255; 3] } else { p })
        });
        let whites = eye_whites(&glare, std::slice::from_ref(&eye));
        // What is left is the iris rim and lid pixels beyond the margin, a handful at most.
        assert!(whites.pixels < 60, "{}", whites.pixels);
        // Closed: a contour with no height holds no pixel.
        let shut = EyeOutline {
            contour: eye.contour.iter().map(|p| [p[0], 80.0]).collect(),
            ..eye
        };
        assert_eq!(eye_whites(&img, &[shut]).pixels, 0);
        assert_eq!(eye_whites(&img, &[]).lab, None);
    }

    #[test]
    fn an_outline_maps_with_its_radius() {
        let (_, eye) = drawn([100.0, 80.0]);
        let m = eye.mapped(|p| [2.0 * p[0] + 1.0, 2.0 * p[1]], 2.0);
        assert_eq!(m.iris, [201.0, 160.0]);
        assert_eq!(m.iris_radius, 24.0);
        assert_eq!(m.contour[0], [2.0 * eye.contour[0][0] + 1.0, 160.0]);
    }
}
