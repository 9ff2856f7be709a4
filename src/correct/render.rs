//! Rendering the canvas: rotate (small roll), crop and scale a photo as a [`CropPlan`] says.
//!
//! Resampling in one affine step with bilinear interpolation aliases badly when the photo shrinks
//! by 4–10× (a 12 MP phone photo onto 358×441 px): hair and fabric turn into moiré. So the part of
//! the photo the canvas covers is first resized with Lanczos-3 to (almost exactly) the plan's
//! scale — a proper low-pass filter — and only the small remaining affine (the roll and a
//! sub-pixel shift) is done with bilinear sampling, at roughly 1:1, where bilinear is accurate.
//!
//! Pixel convention: pixel `(i, j)` covers `[i, i+1) × [j, j+1)`; canvas pixel centres
//! `(i + 0.5, j + 0.5)` are mapped to the photo with [`CropPlan::to_photo`].

use crate::crop::CropPlan;
use crate::imageops::{self, Quality};
use image::{GrayImage, RgbImage};

/// Extra photo pixels kept around the canvas's footprint so the Lanczos kernel and the bilinear
/// sampler see real neighbours at the crop's edges.
const MARGIN_PX: f32 = 4.0;

/// The canvas pixels plus, for each, how much of it lies inside the photo (255 = all, 0 = none:
/// padding the background colour must fill).
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Canvas pixels (outside the photo: the nearest edge pixel, to be covered by `coverage`).
    pub image: RgbImage,
    /// 255 where the canvas pixel lies inside the photo, 0 outside, in between along the edge.
    pub coverage: GrayImage,
}

/// A region of the photo resized by `(sx, sy)`, and where it starts in photo pixels.
struct Region<'a> {
    image: std::borrow::Cow<'a, RgbImage>,
    x0: f32,
    y0: f32,
    sx: f32,
    sy: f32,
}

impl Region<'_> {
    /// Photo point → continuous coordinates of the resized region's pixel grid.
    fn locate(&self, p: [f32; 2]) -> [f32; 2] {
        [(p[0] - self.x0) * self.sx, (p[1] - self.y0) * self.sy]
    }
}

/// The bounding box `[x0, y0, x1, y1]` in photo pixels of the canvas's footprint, clamped to the
/// photo; `None` when the canvas misses the photo entirely.
fn footprint(plan: &CropPlan, (pw, ph): (u32, u32)) -> Option<[u32; 4]> {
    let [cw, ch] = plan.canvas.map(|v| v as f32);
    let corners = [[0.0, 0.0], [cw, 0.0], [0.0, ch], [cw, ch]].map(|c| plan.to_photo(c));
    let lo = |i: usize| corners.iter().map(|c| c[i]).fold(f32::INFINITY, f32::min);
    let hi = |i: usize| {
        corners
            .iter()
            .map(|c| c[i])
            .fold(f32::NEG_INFINITY, f32::max)
    };
    let x0 = (lo(0) - MARGIN_PX).floor().max(0.0);
    let y0 = (lo(1) - MARGIN_PX).floor().max(0.0);
    let x1 = (hi(0) + MARGIN_PX).ceil().min(pw as f32);
    let y1 = (hi(1) + MARGIN_PX).ceil().min(ph as f32);
    if !(x1 > x0 && y1 > y0 && x0.is_finite() && y0.is_finite()) {
        return None;
    }
    Some([x0 as u32, y0 as u32, x1 as u32, y1 as u32])
}

fn prepare<'a>(photo: &'a RgbImage, plan: &CropPlan) -> Option<Region<'a>> {
    let [x0, y0, x1, y1] = footprint(plan, photo.dimensions())?;
    let (rw, rh) = (x1 - x0, y1 - y0);
    // Resize only when the scale differs noticeably from 1: within ±2 % bilinear is as good.
    let s = plan.scale;
    let (nw, nh) = if (s - 1.0).abs() > 0.02 {
        (
            ((rw as f32 * s).round() as u32).max(1),
            ((rh as f32 * s).round() as u32).max(1),
        )
    } else {
        (rw, rh)
    };
    // Resized straight from the photo: a copy of the region first would cost as much memory as
    // the region (most of a phone photo) for nothing.
    let image = if (nw, nh) != (rw, rh) {
        std::borrow::Cow::Owned(imageops::resize_region(
            photo,
            [x0, y0, rw, rh],
            nw,
            nh,
            Quality::Best,
        ))
    } else if (x0, y0, rw, rh) == (0, 0, photo.width(), photo.height()) {
        std::borrow::Cow::Borrowed(photo)
    } else {
        std::borrow::Cow::Owned(image::imageops::crop_imm(photo, x0, y0, rw, rh).to_image())
    };
    Some(Region {
        image,
        x0: x0 as f32,
        y0: y0 as f32,
        sx: nw as f32 / rw as f32,
        sy: nh as f32 / rh as f32,
    })
}

/// Renders the canvas a plan describes from the upright photo.
pub fn render(photo: &RgbImage, plan: &CropPlan) -> Rendered {
    let [cw, ch] = plan.canvas;
    let mut image = RgbImage::new(cw, ch);
    let mut coverage = GrayImage::new(cw, ch);
    let Some(region) = prepare(photo, plan) else {
        return Rendered { image, coverage };
    };
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    // Half a canvas pixel in photo pixels: the width of the anti-aliased photo edge.
    let half = 0.5 / plan.scale.max(1e-3);
    let to_photo = plan.canvas_to_photo();
    for (x, y, px) in image.enumerate_pixels_mut() {
        let p = to_photo([x as f32 + 0.5, y as f32 + 0.5]);
        let v = imageops::bilinear(&region.image, region.locate(p));
        // Rounded without a libm call per channel (`round_u8`): the same values.
        *px = image::Rgb(v.map(|c| imageops::round_u8(c.clamp(0.0, 255.0))));
        // Distance inside the photo's nearest edge, in units of one canvas pixel.
        let inside = p[0].min(pw - p[0]).min(p[1]).min(ph - p[1]);
        let cov = ((inside + half) / (2.0 * half)).clamp(0.0, 1.0);
        coverage.put_pixel(x, y, image::Luma([imageops::round_u8(cov * 255.0)]));
    }
    Rendered { image, coverage }
}

/// Samples a matte (at `matte_scale` matte pixels per photo pixel) onto the canvas with bilinear
/// interpolation. A matte is smooth, so sampling a working-resolution one is accurate enough.
pub fn render_matte(matte: &GrayImage, matte_scale: f32, plan: &CropPlan) -> GrayImage {
    let [cw, ch] = plan.canvas;
    let (w, h) = (matte.width() as i64, matte.height() as i64);
    if w == 0 || h == 0 {
        return GrayImage::new(cw, ch);
    }
    let to_photo = plan.canvas_to_photo();
    GrayImage::from_fn(cw, ch, |x, y| {
        let p = to_photo([x as f32 + 0.5, y as f32 + 0.5]);
        let (fx, fy) = (p[0] * matte_scale - 0.5, p[1] * matte_scale - 0.5);
        let (x0, y0) = (imageops::floor(fx), imageops::floor(fy));
        let (tx, ty) = (fx - x0, fy - y0);
        let at = |x: i64, y: i64| {
            matte.get_pixel(x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32)[0] as f32
        };
        let (x0, y0) = (x0 as i64, y0 as i64);
        let top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * tx;
        let bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * tx;
        image::Luma([imageops::round_u8(
            (top + (bottom - top) * ty).clamp(0.0, 255.0),
        )])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::Point;

    fn plan(rotate_deg: f32, scale: f32, origin: Point, canvas: [u32; 2]) -> CropPlan {
        CropPlan {
            rotate_deg,
            pivot: [100.0, 100.0],
            scale,
            origin,
            canvas,
            face_width_px: 0.0,
            top_margin_px: 0.0,
            eye_to_bottom_px: 0.0,
            head_height_px: 0.0,
            hair_cropped: false,
            overflow_px: [0.0; 4],
            problems: Vec::new(),
        }
    }

    #[test]
    fn identity_plan_copies_pixels() {
        let photo = RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 5, y as u8 * 7, 9]));
        let out = render(&photo, &plan(0.0, 1.0, [10.0, 5.0], [20, 20]));
        assert_eq!(out.image.get_pixel(0, 0), photo.get_pixel(10, 5));
        assert_eq!(out.image.get_pixel(19, 19), photo.get_pixel(29, 24));
        assert!(out.coverage.pixels().all(|p| p[0] == 255));
    }

    #[test]
    fn downscale_averages_fine_stripes_instead_of_aliasing() {
        // 1-px black/white columns shrunk 5×: a proper filter gives mid grey everywhere;
        // point sampling would give pure black or white columns.
        let photo = RgbImage::from_fn(500, 500, |x, _| {
            if x % 2 == 0 {
                image::Rgb([0; 3])
            } else {
                image::Rgb([255; 3])
            }
        });
        let out = render(&photo, &plan(0.0, 0.2, [100.0, 100.0], [40, 40]));
        for p in out.image.pixels() {
            assert!((100..=155).contains(&p[0]), "{p:?}");
        }
    }

    #[test]
    fn canvas_beyond_the_photo_has_no_coverage() {
        let photo = RgbImage::from_pixel(50, 50, image::Rgb([10, 20, 30]));
        let out = render(&photo, &plan(0.0, 1.0, [-10.5, 0.0], [30, 30]));
        assert_eq!(out.coverage.get_pixel(0, 10)[0], 0);
        assert_eq!(out.coverage.get_pixel(20, 10)[0], 255);
        assert_eq!(
            out.coverage.get_pixel(10, 10)[0],
            128,
            "half-covered edge pixel"
        );
    }

    #[test]
    fn rotation_moves_a_marked_point_where_the_plan_says() {
        let mut photo = RgbImage::from_pixel(200, 200, image::Rgb([0; 3]));
        for y in 118..123 {
            for x in 138..143 {
                photo.put_pixel(x, y, image::Rgb([255; 3]));
            }
        }
        let p = plan(8.0, 1.0, [40.0, 40.0], [120, 120]);
        let out = render(&photo, &p);
        let c = p.to_canvas([140.5, 120.5]);
        let v = out.image.get_pixel(c[0] as u32, c[1] as u32)[0];
        assert!(v > 200, "marked square at {c:?} is {v}");
    }

    #[test]
    fn matte_is_sampled_from_working_resolution() {
        let matte = GrayImage::from_fn(50, 50, |x, _| image::Luma([if x < 25 { 0 } else { 255 }]));
        let p = plan(0.0, 1.0, [0.0, 0.0], [100, 100]);
        let m = render_matte(&matte, 0.5, &p);
        assert_eq!(m.get_pixel(10, 50)[0], 0);
        assert_eq!(m.get_pixel(90, 50)[0], 255);
    }
}
