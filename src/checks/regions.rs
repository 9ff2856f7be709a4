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
use crate::colour::{lightness, luminance};
use crate::face::{Face, Orientation};
use crate::stats::quantile;
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

    /// The face's own frame: unit vectors along the eye line (image left to right) and down
    /// the face, perpendicular to it.
    fn axes(&self) -> ([f32; 2], [f32; 2]) {
        let dx = self.eye_r[0] - self.eye_l[0];
        let dy = self.eye_r[1] - self.eye_l[1];
        let len = dx.hypot(dy).max(1e-3);
        ([dx / len, dy / len], [-dy / len, dx / len])
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

    /// L* of mirrored skin samples of the two cheeks, for the left/right comparison: a grid in
    /// the face's own frame (x along the eye line, y perpendicular), from [`BALANCE_INNER`] to
    /// [`BALANCE_OUTER`] inter-eye distances off the face axis (limited to [`BALANCE_CONTOUR`]
    /// of the half face width) and from [`BALANCE_TOP`] to [`BALANCE_BOTTOM`] of the eye–chin
    /// distance below the eye line: below the glasses, above the mouth. Each sample on the image
    /// left is paired with its mirror image across the face axis, and a pair is kept only when
    /// both pixels are skin, so a beard, dark hair, a glasses frame or the background on one
    /// side never weighs against skin on the other:
    /// - both have the face's own skin chromaticity ([`SkinTone`]);
    /// - neither is more than [`SKIN_MAX_DARKER_L`] below the median of the brighter cheek — unless
    ///   that leaves fewer than [`BALANCE_MIN_PAIRS`]: then a whole cheek is that dark, which is a
    ///   shadow, not a beard.
    ///
    /// Returns the L* values, image left then image right, pair by pair; empty when fewer than
    /// [`BALANCE_MIN_PAIRS`] pairs are skin.
    pub fn mirrored_skin(&self, img: &RgbImage) -> (Vec<f32>, Vec<f32>) {
        let (w, h) = img.dimensions();
        let (u, v) = self.axes();
        let half = (self.x1 - self.x0) / 2.0;
        let (s0, s1) = (
            BALANCE_INNER * self.d,
            (BALANCE_OUTER * self.d).min(BALANCE_CONTOUR * half),
        );
        let (t0, t1) = (BALANCE_TOP * self.lower(), BALANCE_BOTTOM * self.lower());
        let at = |s: f32, t: f32| -> Option<[u8; 3]> {
            let x = self.mid_x + s * u[0] + t * v[0];
            let y = self.eye_y + s * u[1] + t * v[1];
            (x >= 0.0 && y >= 0.0 && x < w as f32 && y < h as f32)
                .then(|| img.get_pixel(x as u32, y as u32).0)
        };
        let mut pairs = Vec::new();
        let mut t = t0;
        while t < t1 {
            let mut s = s0;
            while s < s1 {
                if let (Some(l), Some(r)) = (at(-s, t), at(s, t)) {
                    pairs.push((l, r));
                }
                s += 1.0;
            }
            t += 1.0;
        }
        let min_pairs = (BALANCE_MIN_PAIRS * self.d * self.d).ceil() as usize;
        let Some(tone) = SkinTone::of(pairs.iter().flat_map(|&(l, r)| [l, r])) else {
            return (Vec::new(), Vec::new());
        };
        let (left, right): (Vec<f32>, Vec<f32>) = pairs
            .into_iter()
            .filter(|(l, r)| tone.matches(*l) && tone.matches(*r))
            .map(|(l, r)| (lightness(l), lightness(r)))
            .unzip();
        if left.len() < min_pairs {
            return (Vec::new(), Vec::new());
        }
        let median = |v: &[f32]| quantile(&mut v.to_vec(), 0.5).unwrap_or(f32::NEG_INFINITY);
        let floor = median(&left).max(median(&right)) - SKIN_MAX_DARKER_L;
        let (bl, br): (Vec<f32>, Vec<f32>) = left
            .iter()
            .zip(&right)
            .filter(|(l, r)| **l >= floor && **r >= floor)
            .unzip();
        if bl.len() >= min_pairs {
            (bl, br)
        } else {
            (left, right)
        }
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

    /// Light in the eye regions against the cheeks: the brightest tenth of each eye region
    /// ([`EYE_REGION`]: the eye with its whites, the lids and the skin just below them, where
    /// any lens of a pair of glasses lies, not the brows' shadow above) over the brightest
    /// tenth of the brighter cheek patch, in linear luminance; the darker eye. A tinted lens
    /// darkens everything behind it, the eye whites and lit skin included, by its
    /// transmittance; a shadow over the eyes does the same. The brightest tenth follows the
    /// light rather than lashes, brows, irises or a dark frame. `None` when an eye region is
    /// mostly outside the photo or a cheek is unmeasured.
    pub fn eye_light(&self, img: &RgbImage) -> Option<f32> {
        let [half_width, above, below] = EYE_REGION.map(|k| k * self.d);
        let mut darker = f32::INFINITY;
        for e in [self.eye_l, self.eye_r] {
            darker = darker.min(self.light_under(img, e, half_width, (-above, below))?);
        }
        let cheek = self
            .cheeks()
            .iter()
            .filter_map(|r| {
                let mut lum: Vec<f32> = r.pixels(img).map(luminance).collect();
                quantile(&mut lum, LIGHT_QUANTILE)
            })
            .fold(0.0f32, f32::max);
        (cheek > 0.0).then(|| darker / cheek)
    }

    /// The sharpest fall of light across a line under the eyes, as a lens's lower rim makes:
    /// for each line from [`LENS_RIM_ROWS`] below the pupil, parallel to the eye line and
    /// [`EYE_REGION`] wide, the light of a strip just above it (inside a lens) over that of a
    /// strip just below ([`LENS_RIM_STRIP`] high each, the brightest tenth in linear luminance), the least
    /// over the lines; the larger of the two eyes, as a pair of glasses has both lenses. About
    /// the lens's transmittance at its rim; near 1 where light changes gradually down the face,
    /// shadow or not (a thin dark frame is below the brightest tenth). `None` when a strip is
    /// mostly outside the photo.
    pub fn lens_edge(&self, img: &RgbImage) -> Option<f32> {
        let half_width = EYE_REGION[0] * self.d;
        let strip = (LENS_RIM_STRIP * self.d).round().max(1.0);
        let [from, to] = LENS_RIM_ROWS.map(|k| k * self.d);
        let mut clearer = 0.0f32;
        for e in [self.eye_l, self.eye_r] {
            let mut least = f32::INFINITY;
            let mut t = from;
            while t < to {
                let above = self.light_under(img, e, half_width, (t - strip - 1.0, t - 1.0))?;
                let below = self.light_under(img, e, half_width, (t + 1.0, t + strip + 1.0))?;
                if below > 0.0 {
                    least = least.min(above / below);
                }
                t += 1.0;
            }
            clearer = clearer.max(least);
        }
        clearer.is_finite().then_some(clearer)
    }

    /// The brightest tenth of linear luminance in the band `rows` (from, to: distances below
    /// `eye` across the eye line, negative above it) `half_width` to each side of `eye`, sampled
    /// a pixel apart in the face's own frame; `None` when half of it lies outside the photo.
    fn light_under(
        &self,
        img: &RgbImage,
        eye: [f32; 2],
        half_width: f32,
        (from, to): (f32, f32),
    ) -> Option<f32> {
        let (w, h) = img.dimensions();
        let (u, v) = self.axes();
        let (mut lum, mut tried) = (Vec::new(), 0usize);
        let mut t = from;
        while t < to {
            let mut s = -half_width;
            while s < half_width {
                tried += 1;
                let x = eye[0] + s * u[0] + t * v[0];
                let y = eye[1] + s * u[1] + t * v[1];
                if x >= 0.0 && y >= 0.0 && x < w as f32 && y < h as f32 {
                    lum.push(luminance(img.get_pixel(x as u32, y as u32).0));
                }
                s += 1.0;
            }
            t += 1.0;
        }
        if lum.len() * 2 < tried {
            return None;
        }
        quantile(&mut lum, LIGHT_QUANTILE)
    }

    /// Skin pixels: both cheeks and the forehead.
    pub fn skin<'a>(&self, img: &'a RgbImage) -> impl Iterator<Item = [u8; 3]> + 'a {
        self.cheeks()
            .into_iter()
            .chain(self.forehead())
            .flat_map(move |r| r.pixels(img))
    }
}

/// The eye region of [`FaceGeom::eye_light`] in inter-eye distances: half its width along the
/// eye line, then how far it reaches above and below the pupil. A lens of ordinary glasses
/// spans about 0.8 inter-eye distances and reaches from the brow to the cheekbone; the region
/// stays inside it.
const EYE_REGION: [f32; 3] = [0.3, 0.12, 0.25];
/// Where [`FaceGeom::lens_edge`] looks for a lens's lower rim, inter-eye distances below the
/// pupil: below the lower lid, above the cheek's middle; the rims of ordinary glasses lie
/// 0.3–0.5 below the pupil.
const LENS_RIM_ROWS: [f32; 2] = [0.1, 0.6];
/// Height of each strip compared across a line, inter-eye distances.
const LENS_RIM_STRIP: f32 = 0.05;
/// The quantile of luminance taken as a region's light level (see [`FaceGeom::eye_light`]).
const LIGHT_QUANTILE: f32 = 0.9;

/// Balance sampling region, see [`FaceGeom::mirrored_skin`]: off the face axis in inter-eye
/// distances (the nose bridge inside, the cheek contour outside) ...
const BALANCE_INNER: f32 = 0.3;
const BALANCE_OUTER: f32 = 0.85;
/// ... but never past this fraction of the half face width (ears, hair, background) ...
const BALANCE_CONTOUR: f32 = 0.85;
/// ... and below the eye line in eye–chin distances: under the lower lids and glasses rims,
/// above the mouth corners.
const BALANCE_TOP: f32 = 0.3;
const BALANCE_BOTTOM: f32 = 0.62;
/// A pixel is skin when its rg chromaticity lies within this distance of the face's median.
/// Chromaticity does not change when light dims a surface (a shadowed cheek keeps its tone;
/// coloured fill light shifts it a little), while grey hair and beards, glasses frames and the
/// background differ by more: skin reads r ≈ 0.42–0.50, grey hair 0.33–0.36.
const SKIN_CHROMATICITY_TOL: f32 = 0.045;
/// ... and its L* is at most this far below the median of the brighter cheek: dark beard and
/// moustache hairs share the brown of skin but lie 30–50 L* below it, while side light on the
/// shared photos darkens a whole cheek by 15–25 L* (a darker cheek is kept whole, see
/// [`FaceGeom::mirrored_skin`]).
const SKIN_MAX_DARKER_L: f32 = 30.0;
/// Pixels darker than this (largest channel) have no reliable chromaticity.
const SKIN_MIN_CHANNEL: u8 = 24;

/// Fewest mirrored skin pairs, in units of d² (d the inter-eye distance), for a comparison
/// worth making: 5 % of the ≈ 0.2 d² sampled per cheek.
pub(crate) const BALANCE_MIN_PAIRS: f32 = 0.01;

/// The face's own skin tone: the median rg chromaticity of sampled pixels, most of which are
/// skin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SkinTone {
    r: f32,
    g: f32,
}

fn chromaticity(p: [u8; 3]) -> Option<[f32; 2]> {
    let sum = u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]);
    (p[0].max(p[1]).max(p[2]) >= SKIN_MIN_CHANNEL)
        .then(|| [f32::from(p[0]) / sum as f32, f32::from(p[1]) / sum as f32])
}

impl SkinTone {
    /// The median chromaticity of `pixels`; `None` when none is bright enough to have one.
    pub fn of(pixels: impl Iterator<Item = [u8; 3]>) -> Option<SkinTone> {
        let (mut r, mut g): (Vec<f32>, Vec<f32>) =
            pixels.filter_map(chromaticity).map(|[r, g]| (r, g)).unzip();
        Some(SkinTone {
            r: quantile(&mut r, 0.5)?,
            g: quantile(&mut g, 0.5)?,
        })
    }

    /// Whether a pixel has this skin's chromaticity.
    pub fn matches(&self, p: [u8; 3]) -> bool {
        chromaticity(p)
            .is_some_and(|[r, g]| (r - self.r).hypot(g - self.g) <= SKIN_CHROMATICITY_TOL)
    }
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

/// "No single face was found", or, where one was found in a photo lying on its side or upside
/// down, "turn the photo": the face's regions (skin, oval, cheeks) are laid out upright.
pub(crate) fn no_face(ctx: &Context<'_>, id: CheckId) -> Check {
    if face_is_turned(ctx) {
        return not_upright(id);
    }
    Check::not_applicable(
        id,
        Hint::new(
            "未找到唯一一张人脸，无法测量",
            "no single face found, so this cannot be measured",
        ),
    )
}

/// Whether the photo holds one face and lies on its side or upside down.
pub(crate) fn face_is_turned(ctx: &Context<'_>) -> bool {
    ctx.face
        .filter(|a| a.faces_found == 1)
        .and_then(|a| a.face.as_ref())
        .is_some_and(|f| f.orientation() != Orientation::Upright)
}

/// "The photo is not upright": on a photo on its side or upside down, what is measured along
/// the photo's edges or in the face's upright layout is not the head's, and `head.roll` and
/// `crop.possible` already say to turn it.
pub(crate) fn not_upright(id: CheckId) -> Check {
    Check::not_applicable(
        id,
        Hint::new(
            "照片不是正的：先按 head.roll 的提示把照片转正",
            "the photo is not upright: turn it as head.roll says, then check it again",
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
pub(crate) mod tests {
    use super::*;
    use crate::face::Face;
    use image::Rgb;

    /// Skin of a light-skinned face in sRGB.
    pub const SKIN: [u8; 3] = [205, 150, 125];

    /// A 200×240 image with a skin-coloured face ellipse on white, eyes at (70, 100) and
    /// (130, 100), chin at (100, 172), cheeks at x 40 and 160; `paint` may then change pixels.
    pub fn face_image(paint: impl Fn(u32, u32, [u8; 3]) -> [u8; 3]) -> (RgbImage, FaceGeom) {
        let img = RgbImage::from_fn(200, 240, |x, y| {
            let (dx, dy) = ((x as f32 - 100.0) / 60.0, (y as f32 - 110.0) / 75.0);
            let p = if dx * dx + dy * dy <= 1.0 {
                SKIN
            } else {
                [250; 3]
            };
            Rgb(paint(x, y, p))
        });
        let geom = FaceGeom::from_face(&face_layout(), 1.0, img.dimensions()).unwrap();
        (img, geom)
    }

    /// The face [`face_image`] draws.
    pub fn face_layout() -> Face {
        Face {
            bbox: [40.0, 35.0, 120.0, 150.0],
            right_eye: [70.0, 100.0],
            left_eye: [130.0, 100.0],
            crown: Some([100.0, 35.0]),
            chin: [100.0, 172.0],
            face_left_x: 40.0,
            face_right_x: 160.0,
            face_width_y: 110.0,
            ..Default::default()
        }
    }

    /// A lens around each eye of the test face passing `light` of each channel, edges sharp.
    fn with_lenses(light: f32) -> (RgbImage, FaceGeom) {
        face_image(|x, y, p| {
            let in_lens = [70.0, 130.0].iter().any(|&ex| {
                let (dx, dy) = ((x as f32 - ex) / 25.0, (y as f32 - 100.0) / 19.0);
                dx * dx + dy * dy <= 1.0
            });
            if in_lens {
                p.map(|c| (f32::from(c) * light) as u8)
            } else {
                p
            }
        })
    }

    #[test]
    fn a_tinted_lens_darkens_the_eyes_against_the_cheeks_and_shows_its_rim() {
        let (plain, face) = face_image(|_, _, p| p);
        assert!((face.eye_light(&plain).unwrap() - 1.0).abs() < 0.01);
        assert!(face.lens_edge(&plain).unwrap() > 0.99);
        let (tinted, face) = with_lenses(0.5);
        // sRGB at half its value: about a fifth of the light.
        let eyes = face.eye_light(&tinted).unwrap();
        assert!((0.15..0.3).contains(&eyes), "{eyes}");
        let edge = face.lens_edge(&tinted).unwrap();
        assert!((0.15..0.3).contains(&edge), "{edge}");
    }

    #[test]
    fn a_gradual_shadow_darkens_the_eyes_but_shows_no_rim() {
        // Half the light down to just below the eyes, then rising smoothly over more than an
        // inter-eye distance: a shadow with a wide penumbra, no rim.
        let (img, face) = face_image(|_, y, p| {
            let k = (0.5 + (y as f32 - 110.0).max(0.0) / 160.0).min(1.0);
            p.map(|c| (f32::from(c) * k) as u8)
        });
        let eyes = face.eye_light(&img).unwrap();
        assert!(eyes < 0.7, "{eyes}");
        let edge = face.lens_edge(&img).unwrap();
        assert!(edge > 0.8, "{edge}");
    }

    #[test]
    fn eyes_outside_the_photo_are_not_measured() {
        let (img, _) = face_image(|_, _, p| p);
        let face = Face {
            right_eye: [-60.0, 100.0],
            left_eye: [-10.0, 100.0],
            chin: [-35.0, 172.0],
            face_left_x: -90.0,
            face_right_x: 20.0,
            ..Default::default()
        };
        let geom = FaceGeom::from_face(&face, 1.0, img.dimensions()).unwrap();
        assert_eq!(geom.eye_light(&img), None);
        assert_eq!(geom.lens_edge(&img), None);
    }

    #[test]
    fn mirrored_skin_pairs_only_skin_on_both_sides() {
        let skin_l = lightness(SKIN);
        let only_skin = |v: &[f32]| v.iter().all(|&l| l == skin_l);
        let (img, face) = face_image(|_, _, p| p);
        let (left, right) = face.mirrored_skin(&img);
        let all = left.len();
        assert!(all > 500, "{all} pairs");
        assert!(only_skin(&left) && only_skin(&right));
        // A dark brown beard on the image-right lower cheek: its chromaticity is close to skin,
        // but it is far darker; its pairs drop out on both sides.
        let brown = |x: u32, y: u32, p: [u8; 3]| {
            if x > 100 && y > 128 && p == SKIN {
                [50, 32, 24]
            } else {
                p
            }
        };
        let (img, face) = face_image(brown);
        let (left, right) = face.mirrored_skin(&img);
        assert!(
            left.len() < all * 3 / 4 && left.len() > all / 10,
            "{}",
            left.len()
        );
        assert!(only_skin(&left) && only_skin(&right));
        // Grey hair has no skin chromaticity at any lightness.
        let grey = |x: u32, y: u32, p: [u8; 3]| if x < 100 && y > 128 { [160; 3] } else { p };
        let (img, face) = face_image(grey);
        let (left, right) = face.mirrored_skin(&img);
        assert!(left.len() < all * 3 / 4, "{}", left.len());
        assert!(only_skin(&left) && only_skin(&right));
        // Shade keeps the skin's chromaticity: a dimmed cheek still counts.
        let shade = |x: u32, _: u32, p: [u8; 3]| {
            if x < 100 {
                p.map(|v| (f32::from(v) * 0.7) as u8)
            } else {
                p
            }
        };
        let (img, face) = face_image(shade);
        assert_eq!(face.mirrored_skin(&img).0.len(), all);
    }
}
