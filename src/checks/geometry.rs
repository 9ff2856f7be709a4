//! Crop checks: how the face sits in the picture, judged in the spec's canvas pixels.
//!
//! A photo at the canvas size is judged as it is. A photo of another size but the canvas's
//! aspect ratio (a larger scan, say) is judged as it would be once scaled to the canvas, which is
//! how the receipt system treats it. A photo of another shape (a phone photo) cannot be judged
//! pixel by pixel: its size checks say "na" and `crop.possible` says whether a compliant crop
//! exists, which is what the person needs to know before going to the centre.

use super::{Check, CheckId, Context, Hint, Measure, Requirement, Rule, Status, Unit};
use crate::face::{Face, Orientation};
use crate::layout::{self, Band, Layout, Placement};

/// What `head.inside_frame` wants to see (Chinese, English); the English is its accepted name.
const WHOLE_HEAD: (&str, &str) = ("头部完整", "whole head visible");
/// What `crop.possible` wants to see.
const CROP_EXISTS: (&str, &str) = ("能裁出合格照片", "compliant crop exists");

/// Exactly one face.
pub struct FaceCount;
/// Face width in canvas pixels.
pub struct FaceWidth;
/// Crown (hair included) distance from the top edge.
pub struct TopMargin;
/// Eye line distance from the bottom edge.
pub struct EyesToBottom;
/// Eye line distance from the top edge.
pub struct EyesFromTop;
/// Horizontal offset of the face from the canvas centre.
pub struct Centring;
/// Eye-line tilt.
pub struct Roll;
/// The head is not cut off at any edge.
pub struct InsideFrame;
/// Crown-to-chin height against the spec's range.
pub struct HeadHeight;
/// Whether a compliant crop of this photo exists.
pub struct CropPossible;

/// The one face, or the check that says why there is none to judge.
pub(super) fn single_face<'a>(ctx: &Context<'a>, id: CheckId) -> Result<&'a Face, Box<Check>> {
    match ctx.face {
        Some(a) if a.faces_found == 1 => a.face.as_ref().ok_or(()),
        _ => Err(()),
    }
    .map_err(|()| {
        Box::new(Check::not_applicable(
            id,
            Hint::new(
                "需要照片中恰好有一张人脸",
                "needs exactly one face in the photo",
            ),
        ))
    })
}

/// Canvas pixels per photo pixel, when the photo can be judged in canvas pixels.
fn canvas_scale(ctx: &Context<'_>, id: CheckId) -> Result<f32, Box<Check>> {
    let (w, h) = (ctx.photo.info.width as f32, ctx.photo.info.height as f32);
    let (cw, ch) = (ctx.spec.width_px as f32, ctx.spec.height_px as f32);
    let tolerance = ctx.spec.body.canvas.aspect_tolerance.unwrap_or(0.0) as f32;
    if ((w / h) / (cw / ch) - 1.0).abs() <= tolerance.max(0.002) {
        Ok(cw / w)
    } else {
        Err(Box::new(Check::not_applicable(
            id,
            Hint::new(
                "照片比例与规格不同，无法按像素判断；见 crop.possible（可否裁出合格照片）",
                "the photo is not the spec's shape, so pixel rules cannot be judged; see crop.possible",
            ),
        )))
    }
}

/// The one face, when the photo is the right way up ([`Orientation::Upright`]; else
/// [`super::regions::not_upright`]).
fn upright_face<'a>(ctx: &Context<'a>, id: CheckId) -> Result<&'a Face, Box<Check>> {
    let face = single_face(ctx, id)?;
    if face.orientation() != Orientation::Upright {
        return Err(Box::new(super::regions::not_upright(id)));
    }
    Ok(face)
}

/// The spec's layout, its band for `rule` and where the one upright face sits on its canvas;
/// or the check that says why there is nothing to judge: the spec sets no such rule (`what`
/// names it, Chinese and English), not exactly one upright face, or a photo that cannot be
/// judged in canvas pixels.
fn placed(
    ctx: &Context<'_>,
    id: CheckId,
    rule: layout::Rule,
    what: (&str, &str),
) -> Result<(Layout, Band, Placement), Box<Check>> {
    let layout = Layout::of(ctx.spec);
    let band = layout
        .band(rule)
        .ok_or_else(|| Box::new(unset(id, what.0, what.1)))?;
    let at = placement(ctx, id, &layout)?;
    Ok((layout, band, at))
}

/// Where the one upright face sits on the spec's canvas, when the photo can be judged in
/// canvas pixels.
fn placement(ctx: &Context<'_>, id: CheckId, layout: &Layout) -> Result<Placement, Box<Check>> {
    let face = upright_face(ctx, id)?;
    Ok(Placement::of(
        face,
        canvas_scale(ctx, id)?,
        layout.width_ref,
    ))
}

/// The requirement a layout band states, in canvas pixels.
fn px(band: Band) -> Requirement {
    Requirement::range(band.min, band.max, Unit::Px, 0)
}

/// A range check whose hint and official reason depend on the side it misses: `sides[0]`
/// when `low` (below the range, left of centre …), else `sides[1]`.
fn sided(
    id: CheckId,
    ok: bool,
    low: bool,
    measured: Measure,
    required: Requirement,
    sides: [(&str, &str, &'static str); 2],
) -> Check {
    let (zh, en, reason) = sides[usize::from(!low)];
    Check::judged(
        id,
        status(ok),
        measured,
        required,
        Hint::new(zh, en),
        Some(reason),
    )
}

fn status(ok: bool) -> Status {
    if ok {
        Status::Pass
    } else {
        Status::Fail
    }
}

pub(super) fn unset(id: CheckId, zh: &str, en: &str) -> Check {
    Check::not_applicable(
        id,
        Hint::new(format!("规格未限定{zh}"), format!("the spec sets no {en}")),
    )
}

impl Rule for FaceCount {
    fn id(&self) -> CheckId {
        CheckId::FaceCount
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(analysis) = ctx.face else {
            return Check::not_applicable(
                self.id(),
                Hint::new("未进行人脸分析", "face analysis did not run"),
            );
        };
        let n = analysis.faces_found;
        let (zh, en, reason) = if n == 0 {
            (
                "没有找到人脸：请用正面、清晰、露出五官的免冠照片",
                "no face found: use a clear frontal photo showing the whole face",
                "非证件用相片",
            )
        } else {
            (
                "照片中有多个人：只能有申请人一个人",
                "several people in the photo: only the applicant may appear",
                "图片上有多余物体",
            )
        };
        Check::judged(
            self.id(),
            status(n == 1),
            Measure::number(n as f64, Unit::Count, 0),
            Requirement::range(Some(1.0), Some(1.0), Unit::Count, 0),
            Hint::new(zh, en),
            Some(reason),
        )
    }
}

impl Rule for FaceWidth {
    fn id(&self) -> CheckId {
        CheckId::FaceWidth
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let (layout, band, at) = match placed(
            ctx,
            self.id(),
            layout::Rule::FaceWidth,
            ("脸宽", "face width"),
        ) {
            Ok(v) => v,
            Err(c) => return *c,
        };
        let Some(width) = at.face_width else {
            // Only a head width can go unmeasured.
            debug_assert_eq!(layout.width_ref, layout::WidthRef::Head);
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "规格按整个头部量宽度，头部轮廓碰到了照片两侧，量不出头宽",
                    "the spec measures the whole head's width, and the head runs into the photo's side: not judged",
                ),
            );
        };
        sided(
            self.id(),
            band.contains(width),
            band.min.is_some_and(|lo| width < lo),
            Measure::number(width, Unit::Px, 0),
            px(band),
            [
                (
                    "脸太小：离镜头近一些，或让头部在画面中更大",
                    "the face is too small: move closer, or let the head fill more of the frame",
                    "头部偏小",
                ),
                (
                    "脸太大：离镜头远一些",
                    "the face is too large: move further from the camera",
                    "头部偏大",
                ),
            ],
        )
    }
}

impl Rule for TopMargin {
    fn id(&self) -> CheckId {
        CheckId::TopMargin
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let layout = Layout::of(ctx.spec);
        let Some(band) = layout.band(layout::Rule::TopMargin) else {
            return unset(self.id(), "头顶距离", "top margin");
        };
        // ICAO measures to the skull, which hair hides from the photo; the crown found here
        // is the hair's (GA 461's 头顶发际).
        if ctx.spec.body.head.head_top_ref.as_deref() == Some("skull") {
            return Check::not_applicable(
                self.id(),
                Hint::new(
                    "规格按头骨顶量头顶距离，头发遮住了头骨，无法判断",
                    "the spec measures the top margin to the skull, which the hair hides: not judged",
                ),
            );
        }
        let at = match placement(ctx, self.id(), &layout) {
            Ok(v) => v,
            Err(c) => return *c,
        };
        let required = px(band);
        let Some(margin) = at.measure(layout::Rule::TopMargin, &layout) else {
            return Check::judged(
                self.id(),
                Status::Fail,
                Measure::note("头顶被上边缘截掉", "crown cut off by the top edge"),
                required,
                Hint::new(
                    "头顶被截掉：头顶上方须留出空间",
                    "the top of the head is cut off: leave space above the head",
                ),
                Some("整体偏上"),
            );
        };
        let lo = band.min.unwrap_or(f64::NEG_INFINITY);
        // GA 461 lets the eye rule win: when lowering the head to the band would push the eye
        // line below its limit, the hair is simply too tall and may be cropped (头发耸立过高).
        if let Some(lowest) = layout.eye_line_limit() {
            let eye_room = lowest - at.eye_y;
            let slack = f64::from(ctx.spec.height_px as f32 * layout::EYE_SAFETY_FRACTION);
            if margin < lo && eye_room < lo - margin + slack {
                return Check::judged(
                    self.id(),
                    Status::Warn,
                    Measure::number(margin, Unit::Px, 0),
                    required,
                    Hint::new(
                        "头发太高，顶到上边缘；眼睛位置优先，可接受，但头发压低些更好",
                        "the hair reaches the top edge; the eye line takes priority so this may pass, but flatter hair is safer",
                    ),
                    Some("头发耸立过高"),
                );
            }
        }
        sided(
            self.id(),
            band.contains(margin),
            margin < lo,
            Measure::number(margin, Unit::Px, 0),
            required,
            [
                (
                    "头顶离上边缘太近：人像整体下移（相机略抬高或后退）",
                    "the head is too close to the top edge: move the subject lower in the frame",
                    "整体偏上",
                ),
                (
                    "头顶上方空白太多：人像整体上移（相机略放低或靠近）",
                    "too much space above the head: move the subject higher in the frame",
                    "整体偏下",
                ),
            ],
        )
    }
}

impl Rule for EyesToBottom {
    fn id(&self) -> CheckId {
        CheckId::EyesToBottom
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let rule = layout::Rule::EyeToBottom;
        let (layout, band, at) = match placed(ctx, self.id(), rule, ("眼睛位置", "eye line")) {
            Ok(v) => v,
            Err(c) => return *c,
        };
        let distance = at.measure(rule, &layout).unwrap_or(f64::NAN);
        Check::judged(
            self.id(),
            status(band.contains(distance)),
            Measure::number(distance, Unit::Px, 0),
            px(band),
            Hint::new(
                "眼睛位置太低：人像整体上移",
                "the eyes are too low: move the subject higher in the frame",
            ),
            Some("整体偏下"),
        )
    }
}

impl Rule for EyesFromTop {
    fn id(&self) -> CheckId {
        CheckId::EyesFromTop
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let rule = layout::Rule::EyeFromTop;
        let (layout, band, at) = match placed(
            ctx,
            self.id(),
            rule,
            ("眼睛距上边缘", "eye line band from the top"),
        ) {
            Ok(v) => v,
            Err(c) => return *c,
        };
        let distance = at.measure(rule, &layout).unwrap_or(f64::NAN);
        sided(
            self.id(),
            band.contains(distance),
            band.min.is_some_and(|lo| distance < lo),
            Measure::number(distance, Unit::Px, 0),
            px(band),
            [
                (
                    "眼睛位置太高：人像整体下移",
                    "the eyes are too high: move the subject lower in the frame",
                    "整体偏上",
                ),
                (
                    "眼睛位置太低：人像整体上移",
                    "the eyes are too low: move the subject higher in the frame",
                    "整体偏下",
                ),
            ],
        )
    }
}

impl Rule for Centring {
    fn id(&self) -> CheckId {
        CheckId::Centring
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let (layout, band, at) = match placed(
            ctx,
            self.id(),
            layout::Rule::Centring,
            ("居中要求", "centring tolerance"),
        ) {
            Ok(v) => v,
            Err(c) => return *c,
        };
        // Rounded to the reported precision so a centred face never reads "-0 px".
        let offset = (at.centre_offset(&layout) * 10.0).round() / 10.0 + 0.0;
        let tol = band.max.unwrap_or(f64::INFINITY);
        let required = Requirement::range(Some(-tol), Some(tol), Unit::Px, 0);
        let mut measured = Measure::number(offset, Unit::Px, 0);
        measured
            .text
            .reword(|t| format!("{t} from centre"), |t| format!("偏离中线 {t}"));
        sided(
            self.id(),
            band.contains(offset.abs()),
            offset < 0.0,
            measured,
            required,
            [
                (
                    "人像偏左：让人脸位于画面正中",
                    "the face is left of centre: centre it in the frame",
                    "整体偏左",
                ),
                (
                    "人像偏右：让人脸位于画面正中",
                    "the face is right of centre: centre it in the frame",
                    "整体偏右",
                ),
            ],
        )
    }
}

impl Rule for Roll {
    fn id(&self) -> CheckId {
        CheckId::Roll
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(max) = ctx.spec.body.head.max_roll_deg else {
            return unset(self.id(), "头部倾斜", "roll limit");
        };
        let face = match single_face(ctx, self.id()) {
            Ok(f) => f,
            Err(c) => return *c,
        };
        let roll = f64::from(face.roll_deg);
        let required = Requirement::range(Some(-max), Some(max), Unit::Deg, 1);
        // Positive roll: the subject's left eye is lower, so they should lift that side,
        // i.e. tilt the head toward their right; unless the photo itself is turned.
        let (zh, en) = match face.orientation() {
            Orientation::UpsideDown => (
                "照片是倒着的：把照片旋转180°后再检查",
                "the photo is upside down: rotate it 180°, then check it again",
            ),
            Orientation::TopRight => (
                "照片是横着的：把照片逆时针旋转90°后再检查",
                "the photo is on its side: rotate it 90° counter-clockwise, then check it again",
            ),
            Orientation::TopLeft => (
                "照片是横着的：把照片顺时针旋转90°后再检查",
                "the photo is on its side: rotate it 90° clockwise, then check it again",
            ),
            Orientation::Upright if roll > 0.0 => (
                "头部歪了：把头稍向右肩方向摆正，双眼保持水平",
                "the head is tilted: tilt it slightly toward your right shoulder, eyes level",
            ),
            Orientation::Upright => (
                "头部歪了：把头稍向左肩方向摆正，双眼保持水平",
                "the head is tilted: tilt it slightly toward your left shoulder, eyes level",
            ),
        };
        Check::judged(
            self.id(),
            status(required.contains(roll)),
            Measure::number(roll, Unit::Deg, 1),
            required,
            Hint::new(zh, en),
            Some("头不能歪"),
        )
    }
}

impl Rule for InsideFrame {
    fn id(&self) -> CheckId {
        CheckId::InsideFrame
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let face = match upright_face(ctx, self.id()) {
            Ok(f) => f,
            Err(c) => return *c,
        };
        let (w, h) = (ctx.photo.info.width as f32, ctx.photo.info.height as f32);
        let mut cut = Vec::new();
        if face.crown.is_none() {
            cut.push(("top", "上"));
        }
        if face.chin[1] >= h - 1.0 {
            cut.push(("bottom", "下"));
        }
        if face.face_left_x <= 0.0 {
            cut.push(("left", "左"));
        }
        if face.face_right_x >= w - 1.0 {
            cut.push(("right", "右"));
        }
        let whole = cut.is_empty();
        let measured = if whole {
            Measure::note(WHOLE_HEAD.0, WHOLE_HEAD.1)
        } else {
            let (en, zh): (Vec<&str>, Vec<&str>) = cut.into_iter().unzip();
            Measure::note(
                format!("在{}边缘被截掉", zh.join("、")),
                format!("cut off at the {}", en.join(", ")),
            )
        };
        Check::judged(
            self.id(),
            status(whole),
            measured,
            Requirement::state(WHOLE_HEAD.0, WHOLE_HEAD.1),
            Hint::new(
                "头部被画面边缘截掉：后退一些，让整个头部和肩膀入镜",
                "the head is cut off by the edge: step back so the whole head and shoulders fit",
            ),
            Some("取景范围过小"),
        )
    }
}

impl Rule for HeadHeight {
    fn id(&self) -> CheckId {
        CheckId::HeadHeight
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let rule = layout::Rule::HeadHeight;
        let (layout, band, at) = match placed(ctx, self.id(), rule, ("头部高度", "head height"))
        {
            Ok(v) => v,
            Err(c) => return *c,
        };
        let canvas_h = layout.height;
        let ratio = |v: Option<f64>| v.map(|v| v / canvas_h);
        let required = Requirement::range(ratio(band.min), ratio(band.max), Unit::Ratio, 3);
        let Some(height) = at.measure(rule, &layout) else {
            return Check::judged(
                self.id(),
                Status::Fail,
                Measure::note("头顶被上边缘截掉", "crown cut off by the top edge"),
                required,
                Hint::new(
                    "头顶被截掉，无法量头高",
                    "the top of the head is cut off, so its height cannot be measured",
                ),
                Some("整体偏上"),
            );
        };
        let ratio = height / canvas_h;
        let mut measured = Measure::number(ratio, Unit::Ratio, 3);
        let px = super::fmt_num(height, 0);
        measured
            .text
            .reword(|t| format!("{t} ({px} px)"), |t| format!("{t}（{px} px）"));
        sided(
            self.id(),
            required.contains(ratio),
            band.min.is_some_and(|lo| ratio * canvas_h < lo),
            measured,
            required,
            [
                (
                    "头部太小：离镜头近一些",
                    "the head is too small: move closer",
                    "头部偏小",
                ),
                (
                    "头部太大：离镜头远一些",
                    "the head is too large: move further away",
                    "头部偏大",
                ),
            ],
        )
    }
}

impl Rule for CropPossible {
    fn id(&self) -> CheckId {
        CheckId::CropPossible
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        if let Err(c) = single_face(ctx, self.id()) {
            return *c;
        }
        // A photo that already meets every crop rule is its own compliant crop.
        let at_canvas = (ctx.photo.info.width, ctx.photo.info.height)
            == (ctx.spec.width_px, ctx.spec.height_px);
        let rules: [&dyn Rule; 6] = [
            &FaceWidth,
            &TopMargin,
            &EyesToBottom,
            &EyesFromTop,
            &Centring,
            &Roll,
        ];
        if at_canvas && rules.iter().all(|r| r.judge(ctx).status != Status::Fail) {
            return Check::judged(
                self.id(),
                Status::Pass,
                Measure::note(
                    "可以：照片已符合裁剪规则",
                    "yes: the photo already meets the crop rules",
                ),
                Requirement::state(CROP_EXISTS.0, CROP_EXISTS.1),
                Hint::new("", ""),
                None,
            );
        }
        let Some(plan) = ctx.plan else {
            return Check::not_applicable(
                self.id(),
                Hint::new("未规划裁剪", "no crop was planned"),
            );
        };
        let required = Requirement::state(CROP_EXISTS.0, CROP_EXISTS.1);
        match plan.problems.first() {
            None => {
                let mut text = format!("yes: scale ×{:.2}", plan.scale);
                let mut zh = format!("可以：缩放 ×{:.2}", plan.scale);
                if plan.rotate_deg.abs() >= 0.05 {
                    text.push_str(&format!(", straighten {:.1}°", plan.rotate_deg));
                    zh.push_str(&format!("，转正 {:.1}°", plan.rotate_deg));
                }
                Check::judged(
                    self.id(),
                    Status::Pass,
                    Measure::note(zh, text),
                    required,
                    Hint::new("", ""),
                    None,
                )
            }
            Some(first) => {
                // Each problem's name is its explanation up to the colon, in either language.
                let names = |pick: fn((&'static str, &'static str)) -> &'static str, colon| {
                    let each = plan.problems.iter().map(|p| pick(p.explain()));
                    each.map(|e| e.split(colon).next().unwrap_or(""))
                        .collect::<Vec<_>>()
                };
                let (zh, en) = first.explain();
                Check::judged(
                    self.id(),
                    Status::Fail,
                    Measure::note(
                        format!("不可以：{}", names(|e| e.0, '：').join("；")),
                        format!("no: {}", names(|e| e.1, ':').join("; ")),
                    ),
                    required,
                    Hint::new(zh, en),
                    Some(first.official_reason()),
                )
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::decode::{decode_bytes, Limits, Photo};
    use crate::face::FaceAnalysis;
    use image::RgbImage;
    use std::path::Path;

    pub(crate) fn photo(w: u32, h: u32) -> Photo {
        let mut png = Vec::new();
        RgbImage::from_pixel(w, h, image::Rgb([250, 250, 250]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        decode_bytes(Path::new("p.png"), &png, &Limits::default()).unwrap()
    }

    /// A face laid out as GA 461 wants it on a 358×441 canvas: width 207, crown 14 px below
    /// the top, eyes 230 px above the bottom, centred.
    pub(crate) fn compliant_face(dx: f32, roll_deg: f32) -> Face {
        Face {
            bbox: [75.5 + dx, 14.0, 207.0, 300.0],
            right_eye: [135.0 + dx, 211.0],
            left_eye: [223.0 + dx, 211.0 + 88.0 * roll_deg.to_radians().tan()],
            crown: Some([179.0 + dx, 14.0]),
            chin: [179.0 + dx, 330.0],
            face_left_x: 75.5 + dx,
            face_right_x: 282.5 + dx,
            face_width_y: 230.0,
            roll_deg,
            yaw_deg: Some(0.0),
            ..Default::default()
        }
    }

    pub(crate) fn judge(rule: &dyn Rule, photo: &Photo, face: Option<Face>, faces: usize) -> Check {
        let spec = crate::spec::dongguan_id_card();
        let working = crate::imageops::downscale(&photo.image, crate::pipeline::ANALYSIS_MAX_SIDE);
        let analysis = FaceAnalysis {
            faces_found: faces,
            boxes: face.iter().map(|f| f.bbox).collect(),
            face,
        };
        let plan = (faces == 1)
            .then_some(analysis.face.as_ref())
            .flatten()
            .map(|f| crate::pipeline::plan(f, photo.image.dimensions(), &spec, None));
        rule.judge(&Context {
            spec: &spec,
            photo,
            working: &working,
            face: Some(&analysis),
            mask: None,
            plan: plan.as_ref(),
        })
    }

    /// Issue 22: `head.eye_from_top_px` (the passport's 152–246 px) steered the crop while no
    /// check judged it, so a passport photo with its eye line outside the band was never
    /// reported.
    #[test]
    fn a_passport_photo_with_the_eye_line_outside_its_band_fails_eyes_from_top() {
        let spec = crate::spec::Library::builtin()
            .unwrap()
            .resolve("dongguan", Some("passport"))
            .unwrap();
        let (w, h) = (spec.width_px, spec.height_px);
        let p = photo(w, h);
        let judged = |eye_y: f32| {
            let face = Face {
                right_eye: [150.0, eye_y],
                left_eye: [240.0, eye_y],
                face_left_x: 60.0,
                face_right_x: 330.0,
                crown: Some([195.0, 35.0]),
                chin: [195.0, eye_y + 180.0],
                ..Default::default()
            };
            let working = crate::imageops::downscale(&p.image, 1024);
            let analysis = FaceAnalysis::single(face);
            EyesFromTop.judge(&Context {
                spec: &spec,
                photo: &p,
                working: &working,
                face: Some(&analysis),
                mask: None,
                plan: None,
            })
        };
        let inside = judged(200.0);
        assert_eq!(inside.status, Status::Pass, "{inside:?}");
        let low = judged(300.0);
        assert_eq!(low.status, Status::Fail, "{low:?}");
        assert_eq!(low.official_reason, Some("整体偏下"));
        assert_eq!(low.required.as_ref().unwrap().text.en, "152–246 px");
        let high = judged(120.0);
        assert_eq!(high.status, Status::Fail);
        assert!(high.hint.unwrap().en.contains("too high"));
        // The ID card sets no such band: not applicable there.
        let id_card = judge(
            &EyesFromTop,
            &photo(358, 441),
            Some(compliant_face(0.0, 0.0)),
            1,
        );
        assert_eq!(id_card.status, Status::NotApplicable);
    }

    #[test]
    fn compliant_layout_passes_every_crop_check() {
        let p = photo(358, 441);
        let rules: [&dyn Rule; 7] = [
            &FaceCount,
            &FaceWidth,
            &TopMargin,
            &EyesToBottom,
            &Centring,
            &Roll,
            &InsideFrame,
        ];
        for rule in rules {
            let c = judge(rule, &p, Some(compliant_face(0.0, 0.0)), 1);
            assert_eq!(c.status, Status::Pass, "{}: {c:?}", rule.id());
        }
        // The ID spec sets no head height: that check does not apply.
        assert_eq!(
            judge(&HeadHeight, &p, Some(compliant_face(0.0, 0.0)), 1).status,
            Status::NotApplicable
        );
    }

    #[test]
    fn zero_or_two_faces_fail_the_count_and_skip_the_rest() {
        let p = photo(358, 441);
        let none = judge(&FaceCount, &p, None, 0);
        assert_eq!(
            (none.status, none.official_reason),
            (Status::Fail, Some("非证件用相片"))
        );
        let two = judge(&FaceCount, &p, Some(compliant_face(0.0, 0.0)), 2);
        assert_eq!(
            (two.status, two.official_reason),
            (Status::Fail, Some("图片上有多余物体"))
        );
        assert_eq!(
            judge(&FaceWidth, &p, Some(compliant_face(0.0, 0.0)), 2).status,
            Status::NotApplicable
        );
    }

    #[test]
    fn off_centre_face_fails_centring_with_the_side() {
        let c = judge(
            &Centring,
            &photo(358, 441),
            Some(compliant_face(-30.0, 0.0)),
            1,
        );
        assert_eq!(
            (c.status, c.official_reason),
            (Status::Fail, Some("整体偏左"))
        );
        assert_eq!(
            c.measured.unwrap().value,
            super::super::Value::Number(-30.0)
        );
    }

    #[test]
    fn a_photo_on_its_side_is_told_which_way_to_turn_not_to_tilt_the_head() {
        let p = photo(358, 441);
        // The subject's left eye (image right when upright) at the bottom: the head's top
        // points right, so the photo turns counter-clockwise.
        let cw = judge(&Roll, &p, Some(compliant_face(0.0, 88.0)), 1);
        assert_eq!(cw.status, Status::Fail);
        let hint = cw.hint.unwrap();
        assert!(
            hint.en.contains("rotate it 90° counter-clockwise"),
            "{hint:?}"
        );
        assert!(hint.zh.contains("逆时针"), "{hint:?}");
        let ccw = judge(&Roll, &p, Some(compliant_face(0.0, -88.0)), 1);
        assert!(ccw.hint.unwrap().en.contains("rotate it 90° clockwise"));
        let upside_down = judge(&Roll, &p, Some(compliant_face(0.0, 178.0)), 1);
        assert!(upside_down
            .hint
            .unwrap()
            .en
            .contains("upside down: rotate it 180°"));
        let tilted = judge(&Roll, &p, Some(compliant_face(0.0, 20.0)), 1);
        assert!(tilted.hint.unwrap().en.contains("tilt it slightly"));
    }

    #[test]
    fn margins_wait_until_a_turned_photo_is_upright() {
        // An upside-down canvas-sized photo: its margins would be judged against the wrong
        // edges, so the crop checks are n/a and only head.roll fails.
        let p = photo(358, 441);
        let rules: [&dyn Rule; 5] = [
            &FaceWidth,
            &TopMargin,
            &EyesToBottom,
            &Centring,
            &InsideFrame,
        ];
        for roll in [90.0, 180.0] {
            for rule in rules {
                let c = judge(rule, &p, Some(compliant_face(0.0, roll)), 1);
                assert_eq!(c.status, Status::NotApplicable, "{} at {roll}°", rule.id());
            }
            let c = judge(&Roll, &p, Some(compliant_face(0.0, roll)), 1);
            assert_eq!(c.status, Status::Fail);
        }
    }

    #[test]
    fn tilted_head_fails_roll() {
        let c = judge(&Roll, &photo(358, 441), Some(compliant_face(0.0, 6.0)), 1);
        assert_eq!(
            (c.status, c.official_reason),
            (Status::Fail, Some("头不能歪"))
        );
    }

    #[test]
    fn tall_hair_above_the_band_only_warns_when_the_eye_rule_forbids_lowering() {
        // Crown 2 px from the top, eyes exactly at their lowest allowed line: lowering the head
        // would break the eye rule, so GA 461 lets the hair be cropped.
        let mut f = compliant_face(0.0, 0.0);
        f.crown = Some([179.0, 2.0]);
        f.right_eye[1] = 234.0;
        f.left_eye[1] = 234.0;
        let c = judge(&TopMargin, &photo(358, 441), Some(f.clone()), 1);
        assert_eq!(
            (c.status, c.official_reason),
            (Status::Warn, Some("头发耸立过高"))
        );
        // With room below the eyes the head must move down instead: a failure.
        f.right_eye[1] = 150.0;
        f.left_eye[1] = 150.0;
        assert_eq!(
            judge(&TopMargin, &photo(358, 441), Some(f), 1).status,
            Status::Fail
        );
    }

    #[test]
    fn compliant_photo_is_its_own_crop() {
        let c = judge(
            &CropPossible,
            &photo(358, 441),
            Some(compliant_face(0.0, 0.0)),
            1,
        );
        assert_eq!(c.status, Status::Pass, "{c:?}");
    }

    #[test]
    fn cut_off_crown_fails_top_margin_and_inside_frame() {
        let mut f = compliant_face(0.0, 0.0);
        f.crown = None;
        let p = photo(358, 441);
        assert_eq!(
            judge(&TopMargin, &p, Some(f.clone()), 1).status,
            Status::Fail
        );
        assert_eq!(
            judge(&InsideFrame, &p, Some(f.clone()), 1).status,
            Status::Fail
        );
        assert_eq!(judge(&CropPossible, &p, Some(f), 1).status, Status::Fail);
    }

    #[test]
    fn same_shape_larger_photo_is_judged_scaled_to_the_canvas() {
        // Twice the canvas: every coordinate doubles, the judgement does not change.
        let mut f = compliant_face(0.0, 0.0);
        for p in [&mut f.right_eye, &mut f.left_eye, &mut f.chin] {
            *p = [p[0] * 2.0, p[1] * 2.0];
        }
        f.crown = f.crown.map(|c| [c[0] * 2.0, c[1] * 2.0]);
        f.face_left_x *= 2.0;
        f.face_right_x *= 2.0;
        let c = judge(&FaceWidth, &photo(716, 882), Some(f), 1);
        assert_eq!(c.status, Status::Pass);
        assert_eq!(
            c.measured.unwrap().value,
            super::super::Value::Number(207.0)
        );
    }

    #[test]
    fn other_shape_is_na_but_crop_possible_is_judged() {
        // A 3:4 phone photo with room around the head.
        let mut f = compliant_face(300.0, 0.0);
        for p in [&mut f.right_eye, &mut f.left_eye, &mut f.chin] {
            p[1] += 300.0;
        }
        f.crown = f.crown.map(|c| [c[0], c[1] + 300.0]);
        let p = photo(960, 1280);
        assert_eq!(
            judge(&FaceWidth, &p, Some(f.clone()), 1).status,
            Status::NotApplicable
        );
        let c = judge(&CropPossible, &p, Some(f), 1);
        assert_eq!(c.status, Status::Pass, "{c:?}");
    }
}
