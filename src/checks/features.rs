//! Checks of the face itself rather than of where it sits: turned away from the camera, eyes
//! closed, red eye, teeth showing, a fringe over the eyebrows. No crop, scale or tone change
//! fixes these, so a corrected photo that still fails one of them says "retake"
//! (`correction.still_failing`), and closed eyes or a turned head refuse the corrected photo
//! altogether. Red eye is the exception: the corrected photo darkens the red pupils
//! ([`crate::correct`]), as photo software has long done.
//!
//! The measures come from the face stage ([`crate::face::Face`]); the limits from the spec's
//! `[head]` table (`specs/base/common.toml`).

use super::geometry::{single_face, unset};
use super::{Check, CheckId, Context, Hint, Measure, Requirement, Rule, Status, Unit};
use crate::face::{Face, Sides};
use crate::redeye::{red_pupil_share, PUPIL_RADIUS};

/// Head turn away from the camera.
pub struct Yaw;
/// Both eyes open.
pub struct EyesOpen;
/// Lips together: no teeth showing, mouth not open.
pub struct MouthClosed;
/// No fringe over the eyebrows.
pub struct EyebrowsVisible;
/// No red eye (the flash lighting up the retina through a wide pupil).
pub struct EyesRed;

/// A measure of the one face with the spec's limit and warning limit (the warning limit
/// defaults to the limit), or the check that says why there is nothing to judge: the spec sets
/// no limit (`rule` names it), not exactly one face, or the face stage did not measure it
/// (`unmeasured` says what).
fn face_measure<'a, T>(
    ctx: &Context<'a>,
    id: CheckId,
    (limit, warn): (Option<f64>, Option<f64>),
    rule: (&str, &str),
    value: impl FnOnce(&'a Face) -> Option<T>,
    unmeasured: Hint,
) -> Result<(T, f64, f64), Box<Check>> {
    let Some(limit) = limit else {
        return Err(Box::new(unset(id, rule.0, rule.1)));
    };
    let v = value(single_face(ctx, id)?)
        .ok_or_else(|| Box::new(Check::not_applicable(id, unmeasured)))?;
    Ok((v, limit, warn.unwrap_or(limit)))
}

/// Judges a measure of both sides of the face that the less clear side must keep at least
/// `warn` of to pass and `min` of not to fail (eyes open, brows clear); `what` (English,
/// Chinese) names it in the measured text, which shows both sides.
fn at_least_on_both_sides(
    id: CheckId,
    sides: Sides,
    (min, warn): (f64, f64),
    (what, what_zh): (&str, &str),
    hint: Hint,
    official_reason: &'static str,
) -> Check {
    let smaller = f64::from(sides.smaller());
    // `graded` grades a distance upwards; here more is better.
    let status = Status::graded(-smaller, -warn, -min);
    let mut required = Requirement::range(Some(warn), None, Unit::Ratio, 2);
    if warn > min {
        required = required.accepting(&format!("≥ {}", super::fmt_num(min, 2)));
    }
    let measured = per_side(smaller, sides, (what, what_zh));
    Check::judged(id, status, measured, required, hint, Some(official_reason))
}

/// The judged `value` of a two-sided measure, its text naming it (`what`: English, Chinese)
/// and showing both sides: `0.31 open (right 0.33, left 0.31)`, `睁开 0.31（右 0.33，左 0.31）`.
fn per_side(value: f64, sides: Sides, (what, what_zh): (&str, &str)) -> Measure {
    let mut measured = Measure::number(value, Unit::Ratio, 2);
    let (right, left) = (sides.right, sides.left);
    measured.text.reword(
        |t| format!("{t} {what} (right {right:.2}, left {left:.2})"),
        |t| format!("{what_zh} {t}（右 {right:.2}，左 {left:.2}）"),
    );
    measured
}

impl Rule for Yaw {
    fn id(&self) -> CheckId {
        CheckId::Yaw
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let head = &ctx.spec.body.head;
        let (yaw, max, warn) = match face_measure(
            ctx,
            self.id(),
            (head.max_yaw_deg, head.warn_yaw_deg),
            ("头部转向", "yaw limit"),
            |f| f.yaw_deg.map(f64::from),
            Hint::new("未测得头部转向", "the head turn was not measured"),
        ) {
            Ok(m) => m,
            Err(c) => return *c,
        };
        let status = Status::graded(yaw.abs(), warn, max);
        // Positive yaw: the subject has turned towards their own left, so they turn back right.
        let (zh, en) = if yaw > 0.0 {
            (
                "脸转向了左侧：把头稍向右转，正对镜头",
                "the face is turned to your left: turn your head slightly to your right, face the camera",
            )
        } else {
            (
                "脸转向了右侧：把头稍向左转，正对镜头",
                "the face is turned to your right: turn your head slightly to your left, face the camera",
            )
        };
        // As file.kb: the range asked for, and the wider one a reviewer still accepts.
        let mut required = Requirement::range(Some(-warn), Some(warn), Unit::Deg, 1);
        if warn < max {
            let m = super::fmt_num(max, 1);
            required = required.accepting(&format!("-{m}–{m}°"));
        }
        Check::judged(
            self.id(),
            status,
            Measure::number(yaw, Unit::Deg, 1),
            required,
            Hint::new(zh, en),
            Some("眼睛没看镜头"),
        )
    }
}

impl Rule for EyesOpen {
    fn id(&self) -> CheckId {
        CheckId::EyesOpen
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let head = &ctx.spec.body.head;
        let (opening, min, warn) = match face_measure(
            ctx,
            self.id(),
            (head.min_eye_opening, head.warn_eye_opening),
            ("睁眼程度", "eye-opening limit"),
            |f| f.eye_opening,
            Hint::new("未测得睁眼程度", "how open the eyes are was not measured"),
        ) {
            Ok(m) => m,
            Err(c) => return *c,
        };
        at_least_on_both_sides(
            self.id(),
            opening,
            (min, warn),
            ("open", "睁开"),
            Hint::new(
                "眼睛闭上或眯得太小：自然睁大双眼，平视镜头后重拍",
                "the eyes are closed or nearly so: open both eyes naturally, look into the camera and retake",
            ),
            "不能闭眼",
        )
    }
}

impl Rule for EyesRed {
    fn id(&self) -> CheckId {
        CheckId::EyesRed
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let head = &ctx.spec.body.head;
        let img = &ctx.photo.image;
        let (share, max, _) = match face_measure(
            ctx,
            self.id(),
            (head.max_red_eye, None),
            ("红眼", "red-eye limit"),
            |f| {
                let r = PUPIL_RADIUS * f.inter_eye();
                let right = red_pupil_share(img, f.right_eye, r)?;
                let left = red_pupil_share(img, f.left_eye, r)?;
                Some(Sides { right, left })
            },
            Hint::new(
                "眼睛太小，无法判断红眼",
                "the eyes are too small to judge red eye",
            ),
        ) {
            Ok(m) => m,
            Err(c) => return *c,
        };
        let worse = f64::from(share.right.max(share.left));
        Check::judged(
            self.id(),
            Status::graded(worse, max, max),
            per_side(worse, share, ("of the pupil red", "瞳孔红色占")),
            Requirement::range(None, Some(max), Unit::Ratio, 2),
            Hint::new(
                "红眼（闪光灯照亮了眼底）：关闭闪光灯，在明亮处重拍；修正照片已将瞳孔调暗",
                "red eye (the flash lit up the retina): retake without flash in good light; the corrected photo darkens the pupils",
            ),
            Some("红眼"),
        )
    }
}

impl Rule for MouthClosed {
    fn id(&self) -> CheckId {
        CheckId::MouthClosed
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let head = &ctx.spec.body.head;
        let (opening, max, warn) = match face_measure(
            ctx,
            self.id(),
            (head.max_mouth_opening, head.warn_mouth_opening),
            ("嘴部张开程度", "mouth-opening limit"),
            |f| f.mouth_opening.map(f64::from),
            Hint::new(
                "未测得嘴部张开程度",
                "how far the lips are apart was not measured",
            ),
        ) {
            Ok(m) => m,
            Err(c) => return *c,
        };
        let mut required = Requirement::range(None, Some(warn), Unit::Ratio, 2);
        if warn < max {
            required = required.accepting(&format!("≤ {}", super::fmt_num(max, 2)));
        }
        Check::judged(
            self.id(),
            Status::graded(opening, warn, max),
            Measure::number(opening, Unit::Ratio, 2),
            required,
            Hint::new(
                "嘴唇分开、露出了牙齿：双唇自然闭合，表情放松后重拍",
                "the lips are apart and the teeth show: close your lips naturally, relax, and retake",
            ),
            Some("不能露齿"),
        )
    }
}

impl Rule for EyebrowsVisible {
    fn id(&self) -> CheckId {
        CheckId::EyebrowsVisible
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let head = &ctx.spec.body.head;
        let (skin, min, warn) = match face_measure(
            ctx,
            self.id(),
            (head.min_brow_skin, head.warn_brow_skin),
            ("眉毛上方露出的皮肤", "eyebrow limit"),
            |f| f.brow_skin,
            Hint::new(
                "未测得眉毛是否露出",
                "whether the eyebrows show was not measured",
            ),
        ) {
            Ok(m) => m,
            Err(c) => return *c,
        };
        at_least_on_both_sides(
            self.id(),
            skin,
            (min, warn),
            ("skin above the brows", "眉上皮肤"),
            Hint::new(
                "头发（刘海）或帽子遮住了眉毛：把刘海梳到眉毛以上或两侧，露出眉毛后重拍",
                "hair (a fringe) or a hat covers the eyebrows: comb the fringe up or aside so both brows show, and retake",
            ),
            "头发不能遮住眉毛",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::geometry::tests::{compliant_face, judge, photo};
    use crate::checks::Words;

    #[test]
    fn yaw_passes_warns_and_fails_by_the_spec_and_says_which_way_to_turn() {
        // common.toml: warn beyond 5°, fail beyond 10°.
        let p = photo(358, 441);
        let at = |yaw: Option<f32>| {
            let face = Face {
                yaw_deg: yaw,
                ..compliant_face(0.0, 0.0)
            };
            judge(&Yaw, &p, Some(face), 1)
        };
        assert_eq!(at(Some(4.0)).status, Status::Pass);
        assert_eq!(at(Some(-7.0)).status, Status::Warn);
        let left = at(Some(12.0));
        assert_eq!(
            (left.status, left.official_reason),
            (Status::Fail, Some("眼睛没看镜头"))
        );
        assert!(
            left.hint.as_ref().unwrap().en.contains("to your right"),
            "{:?}",
            left.hint
        );
        let right = at(Some(-12.0));
        assert_eq!(right.status, Status::Fail);
        assert!(
            right.hint.as_ref().unwrap().en.contains("to your left"),
            "{:?}",
            right.hint
        );
        assert_eq!(at(None).status, Status::NotApplicable);
    }

    #[test]
    fn eyes_open_passes_narrowed_eyes_warns_nearly_closed_and_fails_closed_ones() {
        // common.toml: warn below 0.15, fail below 0.12; the less open eye decides.
        let p = photo(358, 441);
        let at = |right: f32, left: f32| {
            let face = Face {
                eye_opening: Some(crate::face::Sides { right, left }),
                ..compliant_face(0.0, 0.0)
            };
            judge(&EyesOpen, &p, Some(face), 1)
        };
        assert_eq!(at(0.30, 0.18).status, Status::Pass);
        assert_eq!(at(0.30, 0.13).status, Status::Warn);
        let closed = at(0.06, 0.30);
        assert_eq!(
            (closed.status, closed.official_reason),
            (Status::Fail, Some("不能闭眼"))
        );
        assert_eq!(
            closed.measured.unwrap().text,
            Words::new(
                "睁开 0.06（右 0.06，左 0.30）",
                "0.06 open (right 0.06, left 0.30)"
            )
        );
        assert_eq!(
            closed.required.unwrap().text,
            Words::new("≥ 0.15（可接受 ≥ 0.12）", "≥ 0.15 (accepted ≥ 0.12)")
        );
        let unmeasured = judge(&EyesOpen, &p, Some(compliant_face(0.0, 0.0)), 1);
        assert_eq!(unmeasured.status, Status::NotApplicable);
    }

    #[test]
    fn mouth_closed_passes_lips_together_warns_parted_and_fails_teeth() {
        // common.toml: warn above 0.08, fail above 0.14.
        let p = photo(358, 441);
        let at = |opening: Option<f32>| {
            let face = Face {
                mouth_opening: opening,
                ..compliant_face(0.0, 0.0)
            };
            judge(&MouthClosed, &p, Some(face), 1)
        };
        assert_eq!(at(Some(0.02)).status, Status::Pass);
        assert_eq!(at(Some(0.1)).status, Status::Warn);
        let smile = at(Some(0.25));
        assert_eq!(
            (smile.status, smile.official_reason),
            (Status::Fail, Some("不能露齿"))
        );
        assert_eq!(smile.required.unwrap().text.en, "≤ 0.08 (accepted ≤ 0.14)");
        assert_eq!(at(None).status, Status::NotApplicable);
    }

    #[test]
    fn eyebrows_pass_clear_warn_half_hidden_and_fail_under_a_fringe() {
        // common.toml: warn below 0.10, fail below 0.05 of skin above the less clear brow.
        let p = photo(358, 441);
        let at = |right: f32, left: f32| {
            let face = Face {
                brow_skin: Some(crate::face::Sides { right, left }),
                ..compliant_face(0.0, 0.0)
            };
            judge(&EyebrowsVisible, &p, Some(face), 1)
        };
        assert_eq!(at(0.9, 0.4).status, Status::Pass);
        assert_eq!(at(0.9, 0.07).status, Status::Warn);
        let fringe = at(0.3, 0.0);
        assert_eq!(
            (fringe.status, fringe.official_reason),
            (Status::Fail, Some("头发不能遮住眉毛"))
        );
        assert_eq!(
            fringe.measured.unwrap().text.en,
            "0 skin above the brows (right 0.30, left 0.00)"
        );
        let unmeasured = judge(&EyebrowsVisible, &p, Some(compliant_face(0.0, 0.0)), 1);
        assert_eq!(unmeasured.status, Status::NotApplicable);
    }
}
