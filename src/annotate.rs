//! The annotated preview (`idphoto check --annotate out.png`): the detected face points and the
//! spec's allowed bands drawn over the photo, so a person sees at a glance what is wrong.
//!
//! Colours: red for what was detected (face box, eye centres and eye line, crown, chin, the
//! ends of the width the spec measures: the cheeks at the ear roots, or the head's outline where
//! the spec sizes the whole head), blue for the canvas the spec's crop would
//! cut, green for the spec's allowed bands inside that canvas (hair-top band; lowest allowed eye
//! line, the eyes belong above it; face-width band as two pairs of vertical lines for the
//! minimum and maximum width; the vertical centre line; the eye-line band from the top where the
//! spec sets one). Bands are placed by the photo's crop plan ([`crate::crop::plan`]), so on a
//! phone photo they show where the rules would fall after the correction crop; a tilted face
//! gives a tilted canvas. A photo with no face gets only a thin red border: it was analysed, nothing was found.
//!
//! The preview is drawn on a copy downscaled to [`PREVIEW_MAX_SIDE`], which keeps drawing quick
//! and makes 2 px lines visible at screen size.

use crate::crop::CropPlan;
use crate::error::{Error, Result};
use crate::face::{Face, FaceAnalysis, Point};
use crate::imageops;
use crate::layout::Layout;
use crate::spec::Spec;
use image::{ImageEncoder as _, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_hollow_rect_mut, draw_line_segment_mut};
use imageproc::rect::Rect;
use std::path::Path;

/// Longer side of the preview, px.
pub const PREVIEW_MAX_SIDE: u32 = 1200;

/// Detected points.
pub const DETECTED: Rgb<u8> = Rgb([230, 20, 20]);
/// The spec's allowed bands.
pub const BAND: Rgb<u8> = Rgb([0, 200, 60]);
/// The canvas of the planned crop.
pub const CANVAS: Rgb<u8> = Rgb([30, 90, 255]);

/// Draws `analysis` and, where the one face has a crop `plan`, the canvas it cuts and `spec`'s
/// allowed bands over a downscaled copy of `photo`.
///
/// `analysis` is in the coordinates of `photo`. Never panics: points far outside the image are
/// clipped.
///
/// # Examples
pub fn draw(
    photo: &RgbImage,
    analysis: &FaceAnalysis,
    plan: Option<&CropPlan>,
    spec: &Spec,
) -> RgbImage {
    let scaled = imageops::downscale(photo, PREVIEW_MAX_SIDE);
    let k = scaled.scale;
    let mut pen = Pen {
        image: scaled.image,
    };
    let at = |p: Point| [p[0] * k, p[1] * k];
    let face = match &analysis.face {
        Some(f) if analysis.faces_found > 0 => f,
        _ => {
            let (w, h) = pen.image.dimensions();
            if w > 0 && h > 0 {
                draw_hollow_rect_mut(&mut pen.image, Rect::at(0, 0).of_size(w, h), DETECTED);
            }
            return pen.image;
        }
    };
    // Every other face found: its box, so the person sees why the photo counts several.
    for b in analysis.boxes.iter().skip(1) {
        pen.rect(at([b[0], b[1]]), at([b[0] + b[2], b[1] + b[3]]), DETECTED);
    }
    let layout = Layout::of(spec);
    let width_ends = layout.width_ref.ends_of(face);
    if let (1, Some(plan)) = (analysis.faces_found, plan) {
        draw_bands(&mut pen, face, width_ends, plan, &layout, k);
    }
    draw_face(&mut pen, face, width_ends, k);
    pen.image
}

/// The planned canvas (blue) and the spec's bands inside it (green).
fn draw_bands(
    pen: &mut Pen,
    face: &Face,
    width_ends: Option<[Point; 2]>,
    plan: &CropPlan,
    layout: &Layout,
    k: f32,
) {
    let (cw, ch) = (layout.width as f32, layout.height as f32);
    let map = |c: Point| {
        let p = plan.to_photo(c);
        [p[0] * k, p[1] * k]
    };
    let corners = [[0.0, 0.0], [cw, 0.0], [cw, ch], [0.0, ch]];
    for i in 0..4 {
        pen.line(map(corners[i]), map(corners[(i + 1) % 4]), CANVAS);
    }
    let across = |pen: &mut Pen, y: f64| pen.line(map([0.0, y as f32]), map([cw, y as f32]), BAND);
    for band in [layout.top_margin(), layout.eye_from_top()]
        .into_iter()
        .flatten()
    {
        across(pen, band[0]);
        across(pen, band[1]);
    }
    if let Some(lowest) = layout.lowest_eye_line() {
        across(pen, lowest);
    }
    let centre = cw / 2.0;
    pen.line(map([centre, 0.0]), map([centre, ch]), BAND);
    if let Some([lo, hi]) = layout.face_width() {
        // Vertical strokes as long as the widest allowed face, centred where the width was
        // measured (the cheeks' height where a head width is missing).
        let [l, r] = width_ends.unwrap_or_else(|| face.cheek_ends());
        let y = plan.to_canvas([(l[0] + r[0]) / 2.0, (l[1] + r[1]) / 2.0])[1];
        let half = hi as f32 / 2.0;
        for w in [lo as f32, hi as f32] {
            for x in [centre - w / 2.0, centre + w / 2.0] {
                pen.line(map([x, y - half]), map([x, y + half]), BAND);
            }
        }
    }
}

/// The detected geometry (red).
fn draw_face(pen: &mut Pen, face: &Face, width_ends: Option<[Point; 2]>, k: f32) {
    let at = |p: Point| [p[0] * k, p[1] * k];
    let b = face.bbox;
    pen.rect(at([b[0], b[1]]), at([b[0] + b[2], b[1] + b[3]]), DETECTED);
    let size = (face.inter_eye() * k / 6.0).clamp(4.0, 40.0);
    for eye in [face.left_eye, face.right_eye] {
        pen.cross(at(eye), size, DETECTED);
    }
    // The eye line, extended half an eye distance beyond each eye.
    let (l, r) = (at(face.left_eye), at(face.right_eye));
    let d = [(l[0] - r[0]) / 2.0, (l[1] - r[1]) / 2.0];
    pen.line(
        [r[0] - d[0], r[1] - d[1]],
        [l[0] + d[0], l[1] + d[1]],
        DETECTED,
    );
    let radius = size / 2.0;
    if let Some(c) = face.crown {
        pen.dot(at(c), radius, DETECTED);
    }
    pen.dot(at(face.chin), radius, DETECTED);
    for end in width_ends.into_iter().flatten() {
        pen.saltire(at(end), size, DETECTED);
    }
}

/// 2 px strokes on an image, clipped so that no coordinate can make drawing slow or panic.
struct Pen {
    image: RgbImage,
}

impl Pen {
    fn line(&mut self, a: Point, b: Point, colour: Rgb<u8>) {
        let (w, h) = self.image.dimensions();
        let Some((a, b)) = clip(a, b, [w as f32 + 2.0, h as f32 + 2.0]) else {
            return;
        };
        // The second stroke sits beside the first, across the line's main direction.
        let off = if (b[0] - a[0]).abs() >= (b[1] - a[1]).abs() {
            (0.0, 1.0)
        } else {
            (1.0, 0.0)
        };
        draw_line_segment_mut(&mut self.image, (a[0], a[1]), (b[0], b[1]), colour);
        draw_line_segment_mut(
            &mut self.image,
            (a[0] + off.0, a[1] + off.1),
            (b[0] + off.0, b[1] + off.1),
            colour,
        );
    }

    fn rect(&mut self, tl: Point, br: Point, colour: Rgb<u8>) {
        self.line(tl, [br[0], tl[1]], colour);
        self.line([br[0], tl[1]], br, colour);
        self.line(br, [tl[0], br[1]], colour);
        self.line([tl[0], br[1]], tl, colour);
    }

    /// An upright cross (+).
    fn cross(&mut self, p: Point, size: f32, colour: Rgb<u8>) {
        self.line([p[0] - size, p[1]], [p[0] + size, p[1]], colour);
        self.line([p[0], p[1] - size], [p[0], p[1] + size], colour);
    }

    /// A diagonal cross (×).
    fn saltire(&mut self, p: Point, size: f32, colour: Rgb<u8>) {
        let s = size * std::f32::consts::FRAC_1_SQRT_2;
        self.line([p[0] - s, p[1] - s], [p[0] + s, p[1] + s], colour);
        self.line([p[0] - s, p[1] + s], [p[0] + s, p[1] - s], colour);
    }

    fn dot(&mut self, p: Point, radius: f32, colour: Rgb<u8>) {
        let (w, h) = self.image.dimensions();
        let r = radius.max(1.0);
        let inside = p[0].is_finite()
            && p[1].is_finite()
            && (-r..=w as f32 + r).contains(&p[0])
            && (-r..=h as f32 + r).contains(&p[1]);
        if inside {
            let c = (p[0].round() as i32, p[1].round() as i32);
            draw_filled_circle_mut(&mut self.image, c, r.round() as i32, colour);
        }
    }
}

/// The part of segment `a`–`b` inside `[-2, max[0]] × [-2, max[1]]` (Liang–Barsky), or `None`.
fn clip(a: Point, b: Point, max: [f32; 2]) -> Option<(Point, Point)> {
    if !(a.iter().chain(b.iter()).all(|v| v.is_finite())) {
        return None;
    }
    let d = [b[0] - a[0], b[1] - a[1]];
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for axis in 0..2 {
        for (p, q) in [(-d[axis], a[axis] + 2.0), (d[axis], max[axis] - a[axis])] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
    }
    (t0 <= t1).then(|| {
        let at = |t: f32| [a[0] + t * d[0], a[1] + t * d[1]];
        (at(t0), at(t1))
    })
}

/// Writes a preview's PNG `bytes` ([`png`]) to `out` atomically (a temporary file beside it,
/// renamed into place). An existing preview is replaced; `input`, the photo itself, never is.
pub fn write_png(out: &Path, input: &Path, bytes: &[u8]) -> Result<()> {
    crate::correct::write::stage(out, input, bytes, true)?.publish()?;
    Ok(())
}

/// Draws the preview of `photo` with [`draw`] and encodes it as PNG; `name` names it in an
/// error.
pub fn png(
    photo: &RgbImage,
    analysis: &FaceAnalysis,
    plan: Option<&CropPlan>,
    spec: &Spec,
    name: &Path,
) -> Result<Vec<u8>> {
    let preview = draw(photo, analysis, plan, spec);
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(
            preview.as_raw(),
            preview.width(),
            preview.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Output {
            path: name.to_path_buf(),
            reason: format!("PNG encoding failed: {e}"),
        })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> Face {
        // A level face 200 px wide centred at x = 1000 in a 2000 × 2400 photo.
        Face {
            bbox: [880.0, 700.0, 240.0, 300.0],
            left_eye: [1060.0, 820.0],
            right_eye: [940.0, 820.0],
            crown: Some([1000.0, 600.0]),
            chin: [1000.0, 1020.0],
            face_left_x: 900.0,
            face_right_x: 1100.0,
            face_width_y: 860.0,
            ..Default::default()
        }
    }

    #[test]
    fn bands_and_points_land_where_the_plan_puts_them() {
        let spec = crate::spec::dongguan_id_card();
        let photo = RgbImage::from_pixel(2000, 2400, Rgb([128, 128, 128]));
        let analysis = FaceAnalysis::single(face());
        let plan = crate::crop::plan(&face(), (2000, 2400), &spec, &Default::default());
        let out = draw(&photo, &analysis, Some(&plan), &spec);
        assert_eq!(out.dimensions(), (1000, 1200));
        let k = 0.5;
        // The lowest allowed eye line, near the canvas's left edge (beside the red eye line).
        let ch = spec.height_px as f32;
        let min = spec.body.head.eye_to_bottom_min_px.unwrap() as f32;
        let p = plan.to_photo([20.0, ch - min]);
        let (x, y) = ((p[0] * k).round() as u32, (p[1] * k).round() as u32);
        let hit = (y.saturating_sub(1)..=y + 1).any(|y| *out.get_pixel(x, y) == BAND);
        assert!(hit, "no band colour on the eye line near ({x}, {y})");
        // The top of the hair-top band.
        let top = spec.body.head.top_margin_px.unwrap()[0] as f32;
        let p = plan.to_photo([40.0, top]);
        let (x, y) = ((p[0] * k).round() as u32, (p[1] * k).round() as u32);
        assert!((y.saturating_sub(1)..=y + 1).any(|y| *out.get_pixel(x, y) == BAND));
        // The right eye's cross and an untouched corner.
        assert_eq!(*out.get_pixel(470, 410), DETECTED);
        assert_eq!(*out.get_pixel(0, 0), Rgb([128, 128, 128]));
    }

    #[test]
    fn a_head_width_spec_marks_the_head_outline_not_the_cheeks() {
        let passport = crate::spec::Library::builtin()
            .unwrap()
            .resolve("dongguan", Some("passport"))
            .unwrap();
        let photo = RgbImage::from_pixel(2000, 2400, Rgb([128, 128, 128]));
        let head = crate::face::HeadSpan {
            left_x: 820.0,
            right_x: 1180.0,
            y: 720.0,
        };
        let with_head = Face {
            head: Some(head),
            ..face()
        };
        let marked = |spec: &Spec, p: Point| {
            let out = draw(&photo, &FaceAnalysis::single(with_head.clone()), None, spec);
            *out.get_pixel((p[0] / 2.0) as u32, (p[1] / 2.0) as u32) == DETECTED
        };
        let head_ends = [[820.0, 720.0], [1180.0, 720.0]];
        let cheek_ends = [[900.0, 860.0], [1100.0, 860.0]];
        for p in head_ends {
            assert!(marked(&passport, p), "head end {p:?} unmarked");
            assert!(!marked(&crate::spec::dongguan_id_card(), p));
        }
        for p in cheek_ends {
            assert!(!marked(&passport, p), "cheek {p:?} marked for a head spec");
            assert!(marked(&crate::spec::dongguan_id_card(), p));
        }
    }

    #[test]
    fn no_face_gets_only_a_red_border() {
        let spec = crate::spec::dongguan_id_card();
        let photo = RgbImage::from_pixel(300, 200, Rgb([10, 10, 10]));
        let out = draw(&photo, &FaceAnalysis::default(), None, &spec);
        assert_eq!(out.dimensions(), (300, 200));
        assert_eq!(*out.get_pixel(0, 100), DETECTED);
        assert_eq!(*out.get_pixel(299, 199), DETECTED);
        assert_eq!(*out.get_pixel(150, 100), Rgb([10, 10, 10]));
    }

    #[test]
    fn absurd_coordinates_do_not_panic() {
        let spec = crate::spec::dongguan_id_card();
        let mut f = face();
        f.left_eye = [f32::NAN, 1e30];
        f.chin = [-1e20, f32::INFINITY];
        f.face_right_x = 1e12;
        let analysis = FaceAnalysis {
            faces_found: 1,
            face: Some(f),
            boxes: vec![[1e15, -1e15, 1e15, 3.0]],
        };
        let plan = crate::crop::plan(
            analysis.face.as_ref().unwrap(),
            (50, 40),
            &spec,
            &Default::default(),
        );
        let out = draw(&RgbImage::new(50, 40), &analysis, Some(&plan), &spec);
        assert_eq!(out.dimensions(), (50, 40));
    }

    #[test]
    fn clip_keeps_the_inside_part() {
        let (a, b) = clip([-100.0, 5.0], [100.0, 5.0], [10.0, 10.0]).unwrap();
        assert_eq!((a, b), ([-2.0, 5.0], [10.0, 5.0]));
        assert!(clip([20.0, 20.0], [30.0, 30.0], [10.0, 10.0]).is_none());
    }
}
