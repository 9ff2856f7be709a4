//! Face regions and judging helpers shared by the background, exposure and quality checks.
//!
//! Regions are derived from the [`Face`]'s eyes, chin and cheek contour only (no dense
//! landmarks), in working-resolution pixels. With d the inter-eye distance and h the eye-line
//! to chin distance (≈ 1.2 d):
//! - cheeks: squares of side 0.35 d centred under each pupil, from 0.35 h below the eye line
//!   (below the lower lids and glasses rims, beside the nose), as OFIQ's illumination zones;
//! - forehead: 0.6 d wide, from 0.75 d to 0.45 d above the eye line (above the brows);
//! - oval: the ellipse from 0.6 d above the eye line to the chin, 84 % of the face width wide.

use super::{Check, CheckId, Context, Hint, Measure, Requirement, Status};
use crate::face::Face;
use image::RgbImage;

/// A rectangle in working pixels, `[x0, x1) × [y0, y1)`, clipped to the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl Rect {
    /// From float corners, clipped to a `w`×`h` image; `None` when empty.
    pub fn clipped(x0: f32, y0: f32, x1: f32, y1: f32, w: u32, h: u32) -> Option<Rect> {
        let c = |v: f32, m: u32| v.round().clamp(0.0, m as f32) as u32;
        let r = Rect {
            x0: c(x0, w),
            y0: c(y0, h),
            x1: c(x1, w),
            y1: c(y1, h),
        };
        (r.x1 > r.x0 && r.y1 > r.y0).then_some(r)
    }

    /// Pixels of the rectangle.
    pub fn pixels<'a>(&self, img: &'a RgbImage) -> impl Iterator<Item = [u8; 3]> + 'a {
        let r = *self;
        (r.y0..r.y1).flat_map(move |y| (r.x0..r.x1).map(move |x| img.get_pixel(x, y).0))
    }

    /// Width × height.
    pub fn area(&self) -> u32 {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }
}

/// The face in working pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FaceGeom {
    /// Image-left eye (subject's right).
    pub eye_l: [f32; 2],
    /// Image-right eye (subject's left).
    pub eye_r: [f32; 2],
    /// Inter-eye distance.
    pub d: f32,
    /// Eye line height (mean of the eyes).
    pub eye_y: f32,
    /// Eye midpoint x.
    pub mid_x: f32,
    /// Chin.
    pub chin: [f32; 2],
    /// Cheek contour x, image left and right.
    pub x0: f32,
    pub x1: f32,
    w: u32,
    h: u32,
}

impl FaceGeom {
    /// The face of a context, scaled to the working copy; `None` without a usable face.
    pub fn of(ctx: &Context<'_>) -> Option<FaceGeom> {
        let face = ctx.face?.face.as_ref()?;
        Self::from_face(face, ctx.working.scale, ctx.working.image.dimensions())
    }

    pub fn from_face(face: &Face, scale: f32, (w, h): (u32, u32)) -> Option<FaceGeom> {
        let s = |p: [f32; 2]| [p[0] * scale, p[1] * scale];
        let (eye_l, eye_r, chin) = (s(face.right_eye), s(face.left_eye), s(face.chin));
        let d = face.inter_eye() * scale;
        let eye_y = (eye_l[1] + eye_r[1]) / 2.0;
        let g = FaceGeom {
            eye_l,
            eye_r,
            d,
            eye_y,
            mid_x: (eye_l[0] + eye_r[0]) / 2.0,
            chin,
            x0: face.face_left_x * scale,
            x1: face.face_right_x * scale,
            w,
            h,
        };
        // Too small to measure skin patches (a 4-px patch), or a degenerate annotation.
        (d >= 12.0 && chin[1] > eye_y + 0.5 * d && g.x1 > g.x0).then_some(g)
    }

    /// Eye line to chin.
    pub fn lower(&self) -> f32 {
        self.chin[1] - self.eye_y
    }

    /// Cheek patches, image left then image right.
    pub fn cheeks(&self) -> Vec<Rect> {
        let s = 0.35 * self.d;
        let top = self.eye_y + 0.35 * self.lower();
        [self.eye_l, self.eye_r]
            .iter()
            .filter_map(|e| {
                Rect::clipped(e[0] - s / 2.0, top, e[0] + s / 2.0, top + s, self.w, self.h)
            })
            .collect()
    }

    /// Forehead patch.
    pub fn forehead(&self) -> Option<Rect> {
        Rect::clipped(
            self.mid_x - 0.3 * self.d,
            self.eye_y - 0.75 * self.d,
            self.mid_x + 0.3 * self.d,
            self.eye_y - 0.45 * self.d,
            self.w,
            self.h,
        )
    }

    /// Pixels inside the face oval.
    pub fn oval<'a>(&self, img: &'a RgbImage) -> impl Iterator<Item = [u8; 3]> + 'a {
        let top = self.eye_y - 0.6 * self.d;
        let (cy, ry) = ((top + self.chin[1]) / 2.0, (self.chin[1] - top) / 2.0);
        let (cx, rx) = (self.mid_x, 0.42 * (self.x1 - self.x0));
        let bounds = Rect::clipped(cx - rx, cy - ry, cx + rx, cy + ry, self.w, self.h);
        bounds.into_iter().flat_map(move |r| {
            (r.y0..r.y1).flat_map(move |y| {
                (r.x0..r.x1).filter_map(move |x| {
                    let (dx, dy) = ((x as f32 + 0.5 - cx) / rx, (y as f32 + 0.5 - cy) / ry);
                    (dx * dx + dy * dy <= 1.0).then(|| img.get_pixel(x, y).0)
                })
            })
        })
    }

    /// Skin pixels: both cheeks and the forehead.
    pub fn skin<'a>(&self, img: &'a RgbImage) -> impl Iterator<Item = [u8; 3]> + 'a {
        self.cheeks()
            .into_iter()
            .chain(self.forehead())
            .flat_map(move |r| r.pixels(img))
    }
}

/// The value at quantile `q` (0–1) of a slice: the element a full sort would put at index
/// `round((n − 1) q)`, found by selection in linear time (the slice is reordered, not sorted).
/// The face oval of a large face holds ~200 000 pixels; sorting them was the slowest step of
/// the checks (`examples/bench_quality.rs`).
pub(crate) fn quantile(v: &mut [f32], q: f32) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    let i = ((v.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    let (_, nth, _) = v.select_nth_unstable_by(i, f32::total_cmp);
    Some(*nth)
}

/// "The spec sets no threshold for this check".
pub(crate) fn no_rule(id: CheckId, key: &str) -> Check {
    Check::not_applicable(
        id,
        Hint::new(
            format!("规格未设定 {key}"),
            format!("the spec sets no {key}"),
        ),
    )
}

/// "No single face was found".
pub(crate) fn no_face(id: CheckId) -> Check {
    Check::not_applicable(
        id,
        Hint::new(
            "未找到唯一一张人脸，无法测量",
            "no single face found, so this cannot be measured",
        ),
    )
}

/// Pass when `v ≤ max`.
pub(crate) fn at_most(
    id: CheckId,
    measured: Measure,
    v: f64,
    max: f64,
    decimals: usize,
    hint: Hint,
    reason: Option<&'static str>,
) -> Check {
    let required = Requirement::range(None, Some(max), measured.unit, decimals);
    let status = if required.contains(v) {
        Status::Pass
    } else {
        Status::Fail
    };
    Check::judged(id, status, measured, required, hint, reason)
}

/// Pass when `v ≥ min`.
pub(crate) fn at_least(
    id: CheckId,
    measured: Measure,
    v: f64,
    min: f64,
    decimals: usize,
    hint: Hint,
    reason: Option<&'static str>,
) -> Check {
    let required = Requirement::range(Some(min), None, measured.unit, decimals);
    let status = if required.contains(v) {
        Status::Pass
    } else {
        Status::Fail
    };
    Check::judged(id, status, measured, required, hint, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_the_sorted_element() {
        let mut v: Vec<f32> = (0..1001).map(|i| ((i * 7919) % 1001) as f32).collect();
        assert_eq!(quantile(&mut v.clone(), 0.5), Some(500.0));
        assert_eq!(quantile(&mut v.clone(), 0.05), Some(50.0));
        assert_eq!(quantile(&mut v.clone(), 0.95), Some(950.0));
        assert_eq!(quantile(&mut v, 1.0), Some(1000.0));
        assert_eq!(quantile(&mut [], 0.5), None);
    }
}
