//! Crop planning: where the spec's canvas lies in a photo so that the face lands in the middle of
//! every allowed range — or why no such crop exists.
//!
//! The plan levels the eyes (rotation about the eye midpoint), picks the scale that puts the face
//! width (and head height, when the spec bounds it) in the middle of its ranges, centres the face
//! horizontally, and places the crown in the middle of the top-margin band. GA 461 lets the eye
//! rule win over the hair-top rule ("耸立过高的头发" may be cropped), so when both cannot hold the
//! eye line is kept and the plan says the hair is cropped.
//!
//! Mapping: a photo point `p` becomes `R(−roll)·(p − pivot) + pivot` (eyes level), then canvas
//! `(p' − origin) · scale`. Canvas pixels are the spec's output pixels.

use crate::face::{Face, Orientation, Point};
use crate::layout::{Layout, WidthRef, EYE_SAFETY_FRACTION};
use crate::spec::Spec;
use serde::Serialize;

/// Why no compliant corrected photo can be made: the crop, in all but the last case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Infeasible {
    /// The top of the head is outside the photo, so the hair-top margin cannot be set.
    HeadCutOff,
    /// Not enough photo above the head for the required top margin.
    NoRoomAbove,
    /// Not enough photo below (shoulders) to fill the canvas bottom.
    NoRoomBelow,
    /// Not enough photo beside the head to fill the canvas width.
    NoRoomSides,
    /// The face is too small: reaching the required width would enlarge the photo too much.
    FaceTooSmall,
    /// The head is tilted more than a correction may straighten.
    TooMuchTilt,
    /// The photo lies on its side ([`Orientation::TopRight`] or [`Orientation::TopLeft`]).
    Sideways,
    /// The photo is upside down ([`Orientation::UpsideDown`]).
    UpsideDown,
    /// The head is turned away from the camera beyond `head.max_yaw_deg`: no crop turns it back.
    TurnedAway,
    /// The eyes are closed (opening below `head.min_eye_opening`): no correction opens them.
    EyesClosed,
    /// Face width and head height ranges cannot both hold for this face.
    Proportions,
    /// The spec sizes the head by its whole width (hair included), and the hair makes the head
    /// too wide for its height: worn loose over the ears, which the rules want to show.
    HairTooWide,
    /// The spec sizes the head by its whole width, and the head's outline runs into the photo's
    /// side (or the person mask missed it), so its width is unknown.
    HeadWidthUnknown,
    /// Keeping the eye line would cut the hair off at the top edge: reviewers reject hair that
    /// stands too high, and a cut-off head top fails the check of the corrected photo.
    HairTooTall,
    /// The person could not be cut out of the backdrop cleanly: the new background kept pieces
    /// of the old one, which fail the corrected photo's background checks (found only when the
    /// corrected photo is checked, not by the crop planner).
    BackgroundNotSeparable,
}

impl Infeasible {
    /// A short bilingual explanation, `(zh, en)`.
    pub fn explain(self) -> (&'static str, &'static str) {
        match self {
            Infeasible::HeadCutOff => ("头顶被截掉了：重拍，头顶上方留出空间", "the top of the head is cut off: retake with space above the head"),
            Infeasible::NoRoomAbove => ("头顶上方空间不够：相机放低一些或离远一点重拍", "not enough space above the head: retake from a bit further away"),
            Infeasible::NoRoomBelow => ("下方需露出肩膀和衣领：离远一点重拍", "the shoulders and collar must show: retake from further away"),
            Infeasible::NoRoomSides => ("头部两侧空间不够：离远一点重拍，人像居中", "not enough space beside the head: retake further away, centred"),
            Infeasible::FaceTooSmall => ("脸部像素太少，放大后会模糊：离近一点或用更高分辨率重拍", "the face has too few pixels and would blur when enlarged: retake closer or at higher resolution"),
            Infeasible::TooMuchTilt => ("头部歪斜太多，无法自动校正：坐正、双眼平视重拍", "the head is tilted too much to straighten: sit straight, eyes level, and retake"),
            Infeasible::Sideways => ("照片是横着的：先把照片转正再检查", "the photo is on its side: turn it upright, then check it again"),
            Infeasible::UpsideDown => ("照片是倒着的：先把照片转正再检查", "the photo is upside down: turn it upright, then check it again"),
            Infeasible::TurnedAway => ("头部没有正对镜头，裁剪无法校正：面向镜头重拍", "the head is turned away from the camera, which no crop can fix: face the camera and retake"),
            Infeasible::EyesClosed => ("眼睛是闭着的，无法校正：睁开双眼重拍", "the eyes are closed, which no correction can fix: open your eyes and retake"),
            Infeasible::Proportions => ("脸宽与头高的比例无法同时满足规格", "face width and head height cannot both meet the spec"),
            Infeasible::HairTooWide => ("头发蓬散，连头发的头宽与头高无法同时合规：把头发拢到耳后（露出双耳）或扎起后重拍", "the hair makes the head too wide for its height: tuck it behind the ears (both ears showing) or tie it back, and retake"),
            Infeasible::HeadWidthUnknown => ("头部两侧被照片边缘截到，量不出头宽：离远一点重拍，头部两侧留出空间", "the head runs into the photo's side, so its width cannot be measured: retake further away with space beside the head"),
            Infeasible::HairTooTall => ("头发耸立过高，眼睛位置合规时头顶会被裁掉：把头发压低或扎低后重拍", "the hair stands too high: with the eyes placed right, the top of the hair is cut off; flatten it and retake"),
            Infeasible::BackgroundNotSeparable => ("背景无法与人像干净分开，换上的白色背景里留有原背景的碎块：在纯色浅色墙前重拍", "the person could not be cut cleanly out of the backdrop: pieces of it stayed in the new background; retake against a plain light wall"),
        }
    }

    /// The official rejection reason a reviewer would give.
    pub fn official_reason(self) -> &'static str {
        match self {
            Infeasible::HeadCutOff | Infeasible::NoRoomAbove => "整体偏上",
            Infeasible::NoRoomBelow | Infeasible::NoRoomSides | Infeasible::HeadWidthUnknown => {
                "取景范围过小"
            }
            Infeasible::FaceTooSmall => "图像像素不足",
            Infeasible::TooMuchTilt | Infeasible::Sideways | Infeasible::UpsideDown => "头不能歪",
            Infeasible::TurnedAway => "眼睛没看镜头",
            Infeasible::EyesClosed => "不能闭眼",
            Infeasible::Proportions => "系统自动裁剪出错",
            Infeasible::HairTooTall => "头发耸立过高",
            Infeasible::HairTooWide => "头发不能蓬散",
            Infeasible::BackgroundNotSeparable => "背景不符合要求",
        }
    }
}

/// Where the canvas lies in the photo, and what the face will measure on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CropPlan {
    /// Rotation applied about `pivot` to level the eyes, degrees (the face's roll, negated).
    pub rotate_deg: f32,
    /// Centre of rotation: the eye midpoint, photo pixels.
    pub pivot: Point,
    /// Canvas pixels per photo pixel.
    pub scale: f32,
    /// The canvas's top-left corner in levelled photo coordinates.
    pub origin: Point,
    /// Canvas size, px.
    pub canvas: [u32; 2],
    /// Predicted face width on the canvas, px.
    pub face_width_px: f32,
    /// Predicted crown distance from the top edge, px (negative: hair cropped).
    pub top_margin_px: f32,
    /// Predicted eye-line distance from the bottom edge, px.
    pub eye_to_bottom_px: f32,
    /// Predicted crown-to-chin height, px.
    pub head_height_px: f32,
    /// Whether the plan crops over-tall hair to keep the eye line (GA 461 allows it).
    pub hair_cropped: bool,
    /// Canvas edges that fall outside the photo and would need filling with background, px
    /// `[top, right, bottom, left]`.
    pub overflow_px: [f32; 4],
    /// Why the crop does not work; empty when it does.
    pub problems: Vec<Infeasible>,
}

/// Knobs of the planner.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Whether canvas area beyond the photo's top and sides may be filled with the background
    /// colour (only when the background will be replaced with confidence).
    pub allow_padding: bool,
    /// Overflow tolerated on any edge without padding, canvas px (rounding of the crop).
    pub slack_px: f32,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            allow_padding: false,
            slack_px: 1.0,
        }
    }
}

impl CropPlan {
    /// Whether a compliant crop exists.
    pub fn is_feasible(&self) -> bool {
        self.problems.is_empty()
    }

    /// Maps a photo point to canvas pixels.
    pub fn to_canvas(&self, p: Point) -> Point {
        let q = rotate(p, self.pivot, self.rotate_deg);
        [
            (q[0] - self.origin[0]) * self.scale,
            (q[1] - self.origin[1]) * self.scale,
        ]
    }

    /// Maps a canvas point back to photo pixels.
    pub fn to_photo(&self, c: Point) -> Point {
        self.canvas_to_photo()(c)
    }

    /// [`CropPlan::to_photo`] for many points (every pixel of a canvas): the rotation's sine and
    /// cosine are taken once, not for each point.
    pub fn canvas_to_photo(&self) -> impl Fn(Point) -> Point + '_ {
        let turn = (-self.rotate_deg).to_radians().sin_cos();
        move |c| {
            let q = [
                c[0] / self.scale + self.origin[0],
                c[1] / self.scale + self.origin[1],
            ];
            rotate_by(q, self.pivot, turn)
        }
    }
}

fn rotate(p: Point, pivot: Point, deg: f32) -> Point {
    rotate_by(p, pivot, deg.to_radians().sin_cos())
}

/// `p` turned about `pivot` by the angle whose sine and cosine are `(s, c)`.
fn rotate_by(p: Point, pivot: Point, (s, c): (f32, f32)) -> Point {
    let (dx, dy) = (p[0] - pivot[0], p[1] - pivot[1]);
    [pivot[0] + c * dx - s * dy, pivot[1] + s * dx + c * dy]
}

/// Share of the scale kept inside the ends of the feasible scales (1 %: about 3 px of a
/// passport's 331–390 px head height).
const SIZE_SAFETY_FRACTION: f32 = 0.01;

fn mid(r: [f64; 2]) -> f32 {
    ((r[0] + r[1]) / 2.0) as f32
}

/// Plans the crop of a photo of `photo_size` (w, h) for `spec`.
pub fn plan(face: &Face, photo_size: (u32, u32), spec: &Spec, options: &PlanOptions) -> CropPlan {
    let head = &spec.body.head;
    let layout = Layout::of(spec);
    let (cw, ch) = (spec.width_px as f32, spec.height_px as f32);
    let mut problems = Vec::new();

    // A spec without `max_fix_roll_deg` allows no straightening (and `head.roll` judges the tilt).
    let rotate_deg = match (face.orientation(), head.max_fix_roll_deg) {
        (Orientation::UpsideDown, _) => {
            problems.push(Infeasible::UpsideDown);
            0.0
        }
        (Orientation::TopRight | Orientation::TopLeft, _) => {
            problems.push(Infeasible::Sideways);
            0.0
        }
        (Orientation::Upright, Some(max)) if face.roll_deg.abs() > max as f32 => {
            problems.push(Infeasible::TooMuchTilt);
            0.0
        }
        (Orientation::Upright, Some(_)) => -face.roll_deg,
        (Orientation::Upright, None) => 0.0,
    };
    // A corrected photo is re-checked in full, `head.yaw` included: planning it would only end
    // in "failed its own check".
    if let (Some(max), Some(yaw)) = (head.max_yaw_deg, face.yaw_deg) {
        if yaw.abs() > max as f32 {
            problems.push(Infeasible::TurnedAway);
        }
    }
    if let (Some(min), Some(opening)) = (head.min_eye_opening, face.eye_opening) {
        if f64::from(opening.smaller()) < min {
            problems.push(Infeasible::EyesClosed);
        }
    }
    let pivot = face.eye_mid();
    let level = |p: Point| rotate(p, pivot, rotate_deg);

    // Face width is measured level with the eyes; rotation leaves it (a horizontal distance near
    // the eye line) practically unchanged, so the photo's value is used. A head width the mask
    // could not give (the head runs into the photo's side) leaves the scale unknown.
    let width = match layout.width_ref.width_of(face) {
        Some(w) => w.max(1.0),
        None => {
            if layout.face_width().is_some() {
                problems.push(Infeasible::HeadWidthUnknown);
            }
            face.width().max(1.0)
        }
    };
    let eye_y = level(face.eye_mid())[1];
    let chin = level(face.chin);
    let crown = face.crown.map(level);
    let centre_x = level([
        (face.face_left_x + face.face_right_x) / 2.0,
        face.face_width_y,
    ])[0];

    // Scale: the middle of the face-width range, narrowed by the head-height range if any.
    let mut lo = 0.0f32;
    let mut hi = f32::INFINITY;
    let mut target = ch / (chin[1] - eye_y).max(1.0) * 0.25; // fallback when no rule sets a size
    if let Some(r) = layout.face_width() {
        lo = lo.max(r[0] as f32 / width);
        hi = hi.min(r[1] as f32 / width);
        target = mid(r) / width;
    }
    let width_hi = hi;
    if let (Some(r), Some(c)) = (layout.head_height(), crown) {
        let hh = (chin[1] - c[1]).max(1.0);
        lo = lo.max(r[0] as f32 / hh);
        hi = hi.min(r[1] as f32 / hh);
        if layout.face_width().is_none() {
            target = mid(r) / hh;
        }
    }
    if lo > hi + 1e-6 {
        // A whole head too wide for its height is its hair, worn loose over the ears.
        let too_wide = lo > width_hi + 1e-6;
        problems.push(if too_wide && layout.width_ref == WidthRef::Head {
            Infeasible::HairTooWide
        } else {
            Infeasible::Proportions
        });
    }
    // Within the feasible scales, keep a little inside both ends: a bound met exactly is met
    // or missed by rounding and by the corrected photo's fresh measurement.
    let inset = ((hi - lo) / 4.0).clamp(0.0, lo * SIZE_SAFETY_FRACTION);
    let mut scale = target.clamp(lo + inset, (hi - inset).max(lo + inset));
    let eye_safety = ch * EYE_SAFETY_FRACTION;
    // Tall hair: with the face at the middle of its width band, the eye rule would push the
    // crown to within `eye_safety` of its band's top or beyond it (the hair cropped, or standing
    // too high). A smaller face, still a little inside the width band, may fit both: take the
    // largest scale that puts the crown in the middle of its band, else just inside its top,
    // with the eye line at its limit.
    if let (Some(c), Some(t), Some(lowest)) = (crown, layout.top_margin(), layout.eye_line_limit())
    {
        let eye_max = lowest as f32 - eye_safety;
        let span = (eye_y - c[1]).max(1.0);
        let fit = |crown_at: f32| (eye_max - crown_at) / span;
        let floor = layout.face_width().map_or(lo, |r| {
            lo.max((r[0] as f32 + cw * EYE_SAFETY_FRACTION) / width)
        });
        if fit(t[0] as f32 + eye_safety) < scale {
            // Never larger than the scale chosen above: that one already keeps within the
            // size bands, and a crown that fits there needs no smaller face.
            if let Some(s) = [mid(t), t[0] as f32 + eye_safety, t[0] as f32 + 0.5]
                .into_iter()
                .map(|c| fit(c).min(scale))
                .find(|&s| s >= floor)
            {
                scale = s;
            }
        }
    }
    if let Some(max_up) = head.max_upscale {
        if scale > max_up as f32 + 1e-6 {
            problems.push(Infeasible::FaceTooSmall);
        }
    }

    // Vertical placement: crown in the middle of the top-margin band; the eye rules win.
    // When the eye rule binds, keep the eye line a little inside its limit: a fresh detection
    // of the corrected photo measures the eyes within a few pixels, not exactly.
    let eye_max_canvas = layout.lowest_eye_line().map(|m| m as f32 - eye_safety);
    let eye_band = layout.eye_from_top().map(|r| [r[0] as f32, r[1] as f32]);
    let mut origin_y = match (crown, layout.top_margin()) {
        (Some(c), Some(r)) => c[1] - mid(r) / scale,
        // No crown rule: put the eye line in the middle of its band, or at 45 % of the height.
        _ => eye_y - eye_band.map_or(ch * 0.45, |b| (b[0] + b[1]) / 2.0) / scale,
    };
    let mut hair_cropped = false;
    let eye_canvas = |oy: f32| (eye_y - oy) * scale;
    if let Some(max) = eye_max_canvas {
        if eye_canvas(origin_y) > max {
            origin_y = eye_y - max / scale;
            hair_cropped = true;
        }
    }
    if let Some([b0, b1]) = eye_band {
        // As with the lowest eye line, a little inside the band where it is wide enough.
        let inset = eye_safety.min((b1 - b0) / 4.0).max(0.0);
        let e = eye_canvas(origin_y);
        if e < b0 + inset {
            origin_y = eye_y - (b0 + inset) / scale;
        } else if e > b1 - inset {
            origin_y = eye_y - (b1 - inset) / scale;
            hair_cropped = true;
        }
    }
    if layout.top_margin().is_some() && crown.is_none() {
        problems.push(Infeasible::HeadCutOff);
    }
    let origin = [centre_x - cw / 2.0 / scale, origin_y];

    // Which canvas edges fall outside the photo (checked on the canvas's corners and edges).
    let (pw, ph) = (photo_size.0 as f32, photo_size.1 as f32);
    let mut overflow = [0.0f32; 4];
    let steps = 16;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        for (edge, c) in [
            (0, [t * cw, 0.0]),
            (1, [cw, t * ch]),
            (2, [t * cw, ch]),
            (3, [0.0, t * ch]),
        ] {
            let q = [c[0] / scale + origin[0], c[1] / scale + origin[1]];
            let p = rotate(q, pivot, -rotate_deg);
            let out = (-p[0]).max(p[0] - pw).max(-p[1]).max(p[1] - ph).max(0.0) * scale;
            overflow[edge] = overflow[edge].max(out);
        }
    }
    let slack = options.slack_px;
    if overflow[0] > slack && !options.allow_padding {
        problems.push(Infeasible::NoRoomAbove);
    }
    if overflow[2] > slack {
        problems.push(Infeasible::NoRoomBelow);
    }
    if (overflow[1] > slack || overflow[3] > slack) && !options.allow_padding {
        problems.push(Infeasible::NoRoomSides);
    }
    let top_margin_px = crown.map_or(f32::NAN, |c| (c[1] - origin_y) * scale);
    if top_margin_px < 0.0 {
        problems.push(Infeasible::HairTooTall);
    }
    problems.dedup();
    // Margins measured across a photo on its side say nothing about the upright photo.
    if face.orientation() != Orientation::Upright {
        problems.retain(|p| {
            matches!(
                p,
                Infeasible::Sideways
                    | Infeasible::UpsideDown
                    | Infeasible::TurnedAway
                    | Infeasible::EyesClosed
            )
        });
    }

    CropPlan {
        rotate_deg,
        pivot,
        scale,
        origin,
        canvas: [spec.width_px, spec.height_px],
        face_width_px: width * scale,
        top_margin_px,
        eye_to_bottom_px: ch - eye_canvas(origin_y),
        head_height_px: crown.map_or(f32::NAN, |c| (chin[1] - c[1]) * scale),
        // The eye rule moved the head up past the hair-top band: the hair is cropped or sits
        // above the band, which GA 461 accepts for over-tall hair.
        hair_cropped: hair_cropped
            && head
                .top_margin_px
                .is_some_and(|r| top_margin_px < r[0] as f32),
        overflow_px: overflow,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_spec() -> Spec {
        crate::spec::dongguan_id_card()
    }

    /// A level face 300 px wide in a 2000×3000 photo, crown 300 px above the eyes.
    fn face(roll_deg: f32) -> Face {
        let pivot = [1000.0, 1200.0];
        let r = |p: Point| rotate(p, pivot, roll_deg);
        Face {
            bbox: [850.0, 900.0, 300.0, 450.0],
            right_eye: r([940.0, 1200.0]),
            left_eye: r([1060.0, 1200.0]),
            crown: Some(r([1000.0, 900.0])),
            chin: r([1000.0, 1400.0]),
            face_left_x: 850.0,
            face_right_x: 1150.0,
            face_width_y: 1220.0,
            roll_deg,
            yaw_deg: Some(0.0),
            ..Default::default()
        }
    }

    fn passport_spec() -> Spec {
        crate::spec::Library::builtin()
            .unwrap()
            .resolve("dongguan", Some("passport"))
            .unwrap()
    }

    /// `face(0.0)` with a head outline `width` px wide above its eyes.
    fn face_with_head(width: f32) -> Face {
        Face {
            head: Some(crate::face::HeadSpan {
                left_x: 1000.0 - width / 2.0,
                right_x: 1000.0 + width / 2.0,
                y: 1100.0,
            }),
            ..face(0.0)
        }
    }

    #[test]
    fn a_spec_sizing_the_whole_head_scales_by_its_outline() {
        // Crown to chin 500 px: a 380 px head (ratio 1.32) fits the passport's 248–283 px
        // width and 331–390 px length; its 300 px cheeks (ratio 1.67) never would.
        let spec = passport_spec();
        let p = plan(
            &face_with_head(380.0),
            (2000, 3000),
            &spec,
            &PlanOptions::default(),
        );
        assert!(p.is_feasible(), "{:?}", p.problems);
        let on_canvas = 380.0 * p.scale;
        assert!((248.0..=283.0).contains(&on_canvas), "{on_canvas}");
        assert!((331.0..=390.0).contains(&p.head_height_px), "{p:?}");
        let cheeks = plan(
            &face(0.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        assert!(cheeks.is_feasible());
    }

    #[test]
    fn a_whole_head_too_wide_for_its_height_is_the_hair() {
        // Ratio 1.09 (full hair over the ears): below the passport's 331 / 283 = 1.17.
        let p = plan(
            &face_with_head(460.0),
            (2000, 3000),
            &passport_spec(),
            &PlanOptions::default(),
        );
        assert_eq!(p.problems, vec![Infeasible::HairTooWide]);
        // Unmeasured (the head runs into the photo's side): no scale to aim at.
        let p = plan(
            &face(0.0),
            (2000, 3000),
            &passport_spec(),
            &PlanOptions::default(),
        );
        assert!(
            p.problems.contains(&Infeasible::HeadWidthUnknown),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn a_plan_keeps_inside_the_ends_of_the_bands_that_bind_it() {
        // A head whose width and length leave a narrow range of scales, the length binding
        // from below: the plan stays off the band's end, which rounding could cross.
        let p = plan(
            &face_with_head(420.0),
            (2000, 3000),
            &passport_spec(),
            &PlanOptions::default(),
        );
        assert!(p.is_feasible(), "{:?}", p.problems);
        assert!(p.head_height_px > 331.5, "{p:?}");
        assert!(420.0 * p.scale < 283.0 - 0.5, "{p:?}");
    }

    #[test]
    fn level_face_lands_mid_range() {
        let plan = plan(
            &face(0.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        assert!(plan.is_feasible(), "{:?}", plan.problems);
        assert!((plan.face_width_px - 207.0).abs() < 0.5);
        assert!((plan.top_margin_px - 14.0).abs() < 0.5);
        assert!(plan.eye_to_bottom_px >= 207.0);
        // The face centre maps to the canvas centre.
        let c = plan.to_canvas([1000.0, 1220.0]);
        assert!((c[0] - 179.0).abs() < 0.5, "{c:?}");
    }

    #[test]
    fn mapping_round_trips() {
        let plan = plan(
            &face(4.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        let p = [1234.5, 987.0];
        let back = plan.to_photo(plan.to_canvas(p));
        assert!((back[0] - p[0]).abs() < 1e-2 && (back[1] - p[1]).abs() < 1e-2);
    }

    #[test]
    fn small_roll_is_levelled() {
        let plan = plan(
            &face(2.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        assert!(plan.is_feasible(), "{:?}", plan.problems);
        let f = face(2.0);
        let (l, r) = (plan.to_canvas(f.left_eye), plan.to_canvas(f.right_eye));
        assert!((l[1] - r[1]).abs() < 0.01, "eyes level on the canvas");
    }

    #[test]
    fn large_roll_is_refused() {
        let tilted = plan(
            &face(25.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        assert!(tilted.problems.contains(&Infeasible::TooMuchTilt));
        let sideways = plan(
            &face(-90.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        // Not a tilted head, and the margins of a sideways photo are not reported.
        assert_eq!(sideways.problems, [Infeasible::Sideways]);
        let upside_down = plan(
            &face(179.0),
            (2000, 3000),
            &id_spec(),
            &PlanOptions::default(),
        );
        assert_eq!(upside_down.problems, [Infeasible::UpsideDown]);
    }

    #[test]
    fn a_head_turned_beyond_the_yaw_limit_is_refused_and_a_slight_turn_is_not() {
        let at = |yaw: f32| {
            let f = Face {
                yaw_deg: Some(yaw),
                ..face(0.0)
            };
            plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default()).problems
        };
        assert!(at(-14.0).contains(&Infeasible::TurnedAway));
        assert!(!at(7.0).contains(&Infeasible::TurnedAway), "a warning only");
    }

    #[test]
    fn closed_eyes_are_refused_and_narrowed_ones_are_not() {
        let at = |opening: f32| {
            let f = Face {
                eye_opening: Some(crate::face::Sides {
                    right: 0.3,
                    left: opening,
                }),
                ..face(0.0)
            };
            plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default()).problems
        };
        assert_eq!(at(0.05), [Infeasible::EyesClosed]);
        assert!(at(0.14).is_empty(), "a warning only: {:?}", at(0.14));
    }

    #[test]
    fn head_cut_off_and_no_room_above() {
        let mut f = face(0.0);
        f.crown = None;
        assert!(plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default())
            .problems
            .contains(&Infeasible::HeadCutOff));
        // Move everything up so the crown is 5 px below the top edge: the margin needs ~20 px.
        let mut f = face(0.0);
        for p in [&mut f.right_eye, &mut f.left_eye, &mut f.chin] {
            p[1] -= 895.0;
        }
        f.crown = Some([1000.0, 5.0]);
        f.face_width_y -= 895.0;
        let p = plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default());
        assert!(p.problems.contains(&Infeasible::NoRoomAbove), "{p:?}");
        let padded = plan(
            &f,
            (2000, 3000),
            &id_spec(),
            &PlanOptions {
                allow_padding: true,
                ..Default::default()
            },
        );
        assert!(padded.is_feasible(), "{:?}", padded.problems);
    }

    #[test]
    fn tiny_face_needs_too_much_upscaling() {
        let mut f = face(0.0);
        f.face_left_x = 950.0;
        f.face_right_x = 1050.0; // 100 px → 207 px is ×2.07
        let p = plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default());
        assert!(p.problems.contains(&Infeasible::FaceTooSmall));
    }

    #[test]
    fn tall_hair_that_fits_a_smaller_face_keeps_its_margin() {
        // 330 px of hair and forehead above the eyes: at the middle face width (207 px) the crown
        // would stand above its band; at 202 px, still inside 193–221, both rules hold.
        let mut f = face(0.0);
        f.crown = Some([1000.0, 870.0]);
        let p = plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default());
        assert!(p.is_feasible(), "{:?}", p.problems);
        assert!(!p.hair_cropped, "{p:?}");
        assert!((196.5..207.0).contains(&p.face_width_px), "{p:?}");
        assert!((7.0..=21.0).contains(&p.top_margin_px), "{p:?}");
        assert!(p.eye_to_bottom_px >= 207.0 + 4.0, "{p:?}");
    }

    mod properties {
        use super::*;
        use crate::layout::Rule;
        use proptest::prelude::*;
        use std::sync::LazyLock;

        /// Every built-in spec, one per distinct layout (the documents set different bands).
        static SPECS: LazyLock<Vec<Spec>> = LazyLock::new(|| {
            let mut specs: Vec<Spec> = Vec::new();
            let all = crate::spec::Library::builtin()
                .unwrap()
                .resolve_all()
                .unwrap();
            for spec in all {
                let key = |s: &Spec| {
                    (
                        Layout::of(s),
                        s.body.head.max_fix_roll_deg,
                        s.body.head.max_upscale,
                    )
                };
                if !specs.iter().any(|s| key(s) == key(&spec)) {
                    specs.push(spec);
                }
            }
            specs
        });

        /// A frontal face of width `fw` whose eye midpoint is at `(cx, ey)`, crown `up`·fw above
        /// the eyes (none when cut off), chin `down`·fw below, the whole turned by `roll`.
        fn face_at(cx: f32, ey: f32, fw: f32, up: Option<f32>, down: f32, roll: f32) -> Face {
            let pivot = [cx, ey];
            let r = |p: Point| rotate(p, pivot, roll);
            let centre = r([cx, ey + 0.05 * fw]);
            Face {
                bbox: [cx - fw / 2.0, ey - fw, fw, 2.0 * fw],
                right_eye: r([cx - 0.2 * fw, ey]),
                left_eye: r([cx + 0.2 * fw, ey]),
                crown: up.map(|u| r([cx, ey - u * fw])),
                chin: r([cx, ey + down * fw]),
                face_left_x: centre[0] - fw / 2.0,
                face_right_x: centre[0] + fw / 2.0,
                face_width_y: centre[1],
                // As wide as the cheeks, for the specs that size the whole head.
                head: Some(crate::face::HeadSpan {
                    left_x: centre[0] - fw / 2.0,
                    right_x: centre[0] + fw / 2.0,
                    y: centre[1] - 0.3 * fw,
                }),
                roll_deg: roll,
                yaw_deg: Some(0.0),
                ..Default::default()
            }
        }

        /// A spec; how many canvas px a photo px becomes at the middle of the face-width
        /// band; the photo's width and height in face widths; where the eye midpoint lies, as
        /// fractions of the photo; the crown above the eyes and the chin below them, in face
        /// widths; and the roll (within and beyond what may be straightened).
        type Case = (usize, f32, [f32; 4], Option<f32>, f32, f32);

        fn cases(roll: f32) -> impl Strategy<Value = Case> {
            (
                0..SPECS.len(),
                0.2f32..2.0,
                (1.2f32..6.0, 1.5f32..8.0, 0.0f32..1.0, 0.0f32..1.0)
                    .prop_map(|(w, h, x, y)| [w, h, x, y]),
                prop::option::weighted(0.9, 0.5f32..1.6),
                0.5f32..1.0,
                -roll..=roll,
            )
        }

        /// The face and the photo's size.
        fn face_of(&(spec, s, [w, h, x, y], up, down, roll): &Case) -> (Face, (u32, u32)) {
            let fw = Layout::of(&SPECS[spec])
                .face_width()
                .map_or(200.0, |r| mid(r) / s);
            let size = (
                (w * fw).round().max(1.0) as u32,
                (h * fw).round().max(1.0) as u32,
            );
            let face = face_at(x * size.0 as f32, y * size.1 as f32, fw, up, down, roll);
            (face, size)
        }

        /// What the plan puts where `rule` measures, canvas px.
        fn measured(plan: &CropPlan, face: &Face, rule: Rule) -> f32 {
            let ch = plan.canvas[1] as f32;
            match rule {
                Rule::FaceWidth => plan.face_width_px,
                Rule::TopMargin => plan.top_margin_px,
                Rule::EyeToBottom => plan.eye_to_bottom_px,
                Rule::EyeFromTop => ch - plan.eye_to_bottom_px,
                Rule::HeadHeight => plan.head_height_px,
                Rule::Centring => {
                    let centre = [
                        (face.face_left_x + face.face_right_x) / 2.0,
                        face.face_width_y,
                    ];
                    (plan.to_canvas(centre)[0] - plan.canvas[0] as f32 / 2.0).abs()
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 3000,
                max_global_rejects: 100_000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// A plan that says a crop is feasible puts the face inside every placement band
            /// of the spec (over-tall hair may sit above its band, never off the canvas), keeps
            /// the canvas inside the photo, and its figures agree with its own mapping.
            #[test]
            fn a_feasible_plan_lands_inside_every_band(case in cases(12.0)) {
                let spec = &SPECS[case.0];
                let (face, size) = face_of(&case);
                let plan = plan(&face, size, spec, &PlanOptions::default());
                prop_assume!(plan.is_feasible());
                let layout = Layout::of(spec);
                for (rule, band) in layout.rules() {
                    let v = f64::from(measured(&plan, &face, rule));
                    let min = band.min.unwrap_or(f64::NEG_INFINITY);
                    let max = band.max.unwrap_or(f64::INFINITY);
                    if rule == Rule::TopMargin && plan.hair_cropped {
                        prop_assert!((-0.01..=max + 0.01).contains(&v), "{:?} {} {:?}", rule, v, plan);
                    } else {
                        prop_assert!((min - 0.01..=max + 0.01).contains(&v), "{:?} {} not in {:?}: {:?}", rule, v, band, plan);
                    }
                }
                for edge in plan.overflow_px {
                    prop_assert!(edge <= PlanOptions::default().slack_px, "{:?}", plan);
                }
                let eye = plan.to_canvas(face.eye_mid());
                prop_assert!((eye[1] - (plan.canvas[1] as f32 - plan.eye_to_bottom_px)).abs() < 0.05);
                if let Some(c) = face.crown {
                    prop_assert!((plan.to_canvas(c)[1] - plan.top_margin_px).abs() < 0.05);
                }
            }
        }
    }

    #[test]
    fn tall_hair_gives_way_to_the_eye_line() {
        let mut f = face(0.0);
        f.crown = Some([1000.0, 600.0]); // 600 px of hair and forehead above the eyes
        let p = plan(&f, (2000, 3000), &id_spec(), &PlanOptions::default());
        assert!((p.eye_to_bottom_px - (207.0 + 4.41)).abs() < 0.5, "{p:?}");
        assert!(p.hair_cropped);
        assert!(
            p.problems.contains(&Infeasible::HairTooTall),
            "the hair top would be cut off"
        );
    }
}
