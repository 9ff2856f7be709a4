//! Where the head must sit on the spec's canvas: every head/canvas rule a spec can set, read
//! from the spec once, and how a face placed on the canvas measures against each.
//!
//! The checks judge a photo with these bands, the crop planner aims into them, the corrected
//! photo's geometry report measures against them and the preview draws them: a rule added here
//! is seen by all four. Values are canvas pixels (the spec's output pixels), origin top-left,
//! y down.

use crate::face::{Face, Point};
use crate::spec::Spec;
use serde::Serialize;

/// One placement rule of the spec's `[head]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Face width, cheek to cheek or across the whole head (`head.face_width_px`, measured as
    /// `head.face_width_ref` says).
    FaceWidth,
    /// Crown (hair included) below the top edge (`head.top_margin_px`).
    TopMargin,
    /// Eye line above the bottom edge (`head.eye_to_bottom_min_px`).
    EyeToBottom,
    /// Eye line below the top edge (`head.eye_from_top_px`).
    EyeFromTop,
    /// Crown to chin (`head.head_height_px`).
    HeadHeight,
    /// Face centre's distance from the canvas's vertical centre line
    /// (`head.centring_tolerance_px`).
    Centring,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 6] = [
        Rule::FaceWidth,
        Rule::TopMargin,
        Rule::EyeToBottom,
        Rule::EyeFromTop,
        Rule::HeadHeight,
        Rule::Centring,
    ];

    /// The rule's name in reports (`face_width_px` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::FaceWidth => "face_width_px",
            Rule::TopMargin => "top_margin_px",
            Rule::EyeToBottom => "eye_to_bottom_px",
            Rule::EyeFromTop => "eye_from_top_px",
            Rule::HeadHeight => "head_height_px",
            Rule::Centring => "centre_offset_px",
        }
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An allowed range of canvas pixels; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Smallest allowed value.
    pub min: Option<f64>,
    /// Largest allowed value.
    pub max: Option<f64>,
}

impl Band {
    fn closed([min, max]: [f64; 2]) -> Band {
        Band {
            min: Some(min),
            max: Some(max),
        }
    }

    /// Whether `v` lies within (bounds included; a non-finite value never does).
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite()
            && self.min.is_none_or(|m| v >= m - 1e-9)
            && self.max.is_none_or(|m| v <= m + 1e-9)
    }
}

/// What the face width is measured across (`head.face_width_ref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WidthRef {
    /// Cheek to cheek at the ear roots (GA 461 脸部宽).
    #[default]
    Cheeks,
    /// The head's outline at its widest above the eye line, hair included (头部宽度).
    Head,
}

impl WidthRef {
    /// The width of `face` this reference measures, photo pixels; `None` for a head width
    /// nothing measured.
    pub fn width_of(self, face: &Face) -> Option<f32> {
        self.ends_of(face).map(|[l, r]| r[0] - l[0])
    }

    /// Where that width was measured: its left and right ends, photo pixels; `None` for a head
    /// width nothing measured.
    pub fn ends_of(self, face: &Face) -> Option<[Point; 2]> {
        match self {
            WidthRef::Cheeks => Some(face.cheek_ends()),
            WidthRef::Head => face.head.map(|h| [[h.left_x, h.y], [h.right_x, h.y]]),
        }
    }
}

/// The canvas and the placement rules a spec sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// Canvas width, px.
    pub width: f64,
    /// Canvas height, px.
    pub height: f64,
    face_width: Option<[f64; 2]>,
    /// What the face width is measured across.
    pub width_ref: WidthRef,
    top_margin: Option<[f64; 2]>,
    eye_to_bottom_min: Option<f64>,
    eye_from_top: Option<[f64; 2]>,
    head_height: Option<[f64; 2]>,
    centring_tolerance: Option<f64>,
}

impl Layout {
    /// The layout `spec` asks for.
    pub fn of(spec: &Spec) -> Layout {
        let head = &spec.body.head;
        Layout {
            width: f64::from(spec.width_px),
            height: f64::from(spec.height_px),
            face_width: head.face_width_px,
            width_ref: match head.face_width_ref.as_deref() {
                Some("head") => WidthRef::Head,
                _ => WidthRef::Cheeks,
            },
            top_margin: head.top_margin_px,
            eye_to_bottom_min: head.eye_to_bottom_min_px,
            eye_from_top: head.eye_from_top_px,
            head_height: head.head_height_px,
            centring_tolerance: head.centring_tolerance_px,
        }
    }

    /// The band `rule` must fall in, `None` when the spec does not set it.
    pub fn band(&self, rule: Rule) -> Option<Band> {
        match rule {
            Rule::FaceWidth => self.face_width.map(Band::closed),
            Rule::TopMargin => self.top_margin.map(Band::closed),
            Rule::EyeToBottom => self.eye_to_bottom_min.map(|m| Band {
                min: Some(m),
                max: None,
            }),
            Rule::EyeFromTop => self.eye_from_top.map(Band::closed),
            Rule::HeadHeight => self.head_height.map(Band::closed),
            Rule::Centring => self.centring_tolerance.map(|t| Band {
                min: None,
                max: Some(t),
            }),
        }
    }

    /// Every rule the spec sets, with its band.
    pub fn rules(&self) -> impl Iterator<Item = (Rule, Band)> + '_ {
        Rule::ALL
            .into_iter()
            .filter_map(|r| self.band(r).map(|b| (r, b)))
    }

    /// The lowest the eye line may lie, in px from the top edge (`head.eye_to_bottom_min_px`).
    pub fn lowest_eye_line(&self) -> Option<f64> {
        self.eye_to_bottom_min.map(|m| self.height - m)
    }

    /// The lowest the eye line may lie, in px from the top edge, by whichever rule sets it:
    /// `head.eye_to_bottom_min_px` or the bottom of `head.eye_from_top_px`.
    pub fn eye_line_limit(&self) -> Option<f64> {
        let band_max = self.eye_from_top.map(|b| b[1]);
        match (self.lowest_eye_line(), band_max) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The band of the eye line from the top edge (`head.eye_from_top_px`).
    pub fn eye_from_top(&self) -> Option<[f64; 2]> {
        self.eye_from_top
    }

    /// The face-width band.
    pub fn face_width(&self) -> Option<[f64; 2]> {
        self.face_width
    }

    /// The hair-top band, px below the top edge.
    pub fn top_margin(&self) -> Option<[f64; 2]> {
        self.top_margin
    }

    /// The crown-to-chin band.
    pub fn head_height(&self) -> Option<[f64; 2]> {
        self.head_height
    }
}

/// Margin kept between the eye line and its limit, as a fraction of the canvas height (1 % is
/// 4 px on the ID card, about the eye detector's p90 error at that scale); the face width keeps
/// the same fraction of the canvas width from its lower limit when tall hair makes the planner
/// shrink the face. The check of the hair-top margin grants the same room.
pub const EYE_SAFETY_FRACTION: f32 = 0.01;

/// A face's place on the canvas: the lengths the rules judge, canvas px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Face width, as the layout's [`WidthRef`] measures it; `None` when nothing measured it.
    pub face_width: Option<f64>,
    /// The crown's height below the top edge; `None` when the crown is not in the photo.
    pub crown_y: Option<f64>,
    /// Crown to chin; `None` when the crown is not in the photo.
    pub head_height: Option<f64>,
    /// The eye line's height below the top edge.
    pub eye_y: f64,
    /// The face centre's distance from the left edge.
    pub centre_x: f64,
}

impl Placement {
    /// Where `face` (photo pixels, eyes level) sits on a canvas of `scale` canvas pixels per
    /// photo pixel whose top-left corner is the photo's, its width measured as `width_ref`
    /// says. Each length is taken in the face's own precision and scaled before widening, so a
    /// canvas-sized photo (scale 1) measures exactly its pixels.
    pub fn of(face: &Face, scale: f32, width_ref: WidthRef) -> Placement {
        Placement {
            face_width: width_ref.width_of(face).map(|w| f64::from(w * scale)),
            crown_y: face.crown.map(|c| f64::from(c[1] * scale)),
            head_height: face.crown.map(|c| f64::from((face.chin[1] - c[1]) * scale)),
            eye_y: f64::from(face.eye_mid()[1] * scale),
            centre_x: f64::from((face.face_left_x + face.face_right_x) / 2.0 * scale),
        }
    }

    /// The face centre's signed offset from the canvas's centre line (negative: left of it).
    pub fn centre_offset(&self, layout: &Layout) -> f64 {
        self.centre_x - layout.width / 2.0
    }

    /// What `rule` measures of this placement on `layout`'s canvas; `None` for the top margin
    /// and head height when the crown is not in the photo, and for a width nothing measured.
    /// Centring measures the distance from the centre line, whichever side.
    pub fn measure(&self, rule: Rule, layout: &Layout) -> Option<f64> {
        Some(match rule {
            Rule::FaceWidth => self.face_width?,
            Rule::TopMargin => self.crown_y?,
            Rule::EyeToBottom => layout.height - self.eye_y,
            Rule::EyeFromTop => self.eye_y,
            Rule::HeadHeight => self.head_height?,
            Rule::Centring => self.centre_offset(layout).abs(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Library;

    #[test]
    fn the_id_card_sets_every_rule_but_the_eye_band_from_the_top() {
        let spec = Library::builtin()
            .unwrap()
            .resolve("dongguan", None)
            .unwrap();
        let layout = Layout::of(&spec);
        let rules: Vec<Rule> = layout.rules().map(|(r, _)| r).collect();
        assert!(rules.contains(&Rule::FaceWidth), "{rules:?}");
        assert!(rules.contains(&Rule::TopMargin), "{rules:?}");
        assert!(rules.contains(&Rule::EyeToBottom), "{rules:?}");
        assert!(!rules.contains(&Rule::EyeFromTop), "{rules:?}");
        // GA 461: the eye line at least 207 px above the bottom of the 441 px canvas.
        assert_eq!(layout.lowest_eye_line(), Some(441.0 - 207.0));
    }

    #[test]
    fn a_placement_measures_each_rule_from_its_own_edge() {
        let layout = Layout {
            width: 100.0,
            height: 200.0,
            face_width: None,
            width_ref: WidthRef::Cheeks,
            top_margin: None,
            eye_to_bottom_min: None,
            eye_from_top: None,
            head_height: None,
            centring_tolerance: None,
        };
        let p = Placement {
            face_width: Some(40.0),
            crown_y: Some(10.0),
            head_height: Some(110.0),
            eye_y: 70.0,
            centre_x: 47.0,
        };
        let m = |r| p.measure(r, &layout);
        assert_eq!(m(Rule::FaceWidth), Some(40.0));
        assert_eq!(m(Rule::TopMargin), Some(10.0));
        assert_eq!(m(Rule::EyeToBottom), Some(130.0));
        assert_eq!(m(Rule::EyeFromTop), Some(70.0));
        assert_eq!(m(Rule::HeadHeight), Some(110.0));
        assert_eq!(m(Rule::Centring), Some(3.0));
        assert_eq!(p.centre_offset(&layout), -3.0);
        let cut = Placement {
            crown_y: None,
            head_height: None,
            ..p
        };
        assert_eq!(cut.measure(Rule::TopMargin, &layout), None);
        assert_eq!(cut.measure(Rule::HeadHeight, &layout), None);
    }

    #[test]
    fn a_band_holds_its_bounds_and_never_a_non_finite_value() {
        let b = Band::closed([193.0, 221.0]);
        assert!(b.contains(193.0) && b.contains(221.0));
        assert!(!b.contains(192.9) && !b.contains(221.1));
        assert!(!b.contains(f64::NAN));
        let open = Band {
            min: Some(207.0),
            max: None,
        };
        assert!(open.contains(1e6) && !open.contains(206.0));
    }
}
