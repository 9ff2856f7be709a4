//! The accuracy harness's measures, shared by the examples and the real-photo tests: what an
//! annotation says beyond its points, how far a measured face is from it, and the folder of
//! the shared annotated photos. Included with `#[path]`; not part of the shipped program.

#![allow(dead_code)]

use crate::annotations::{Annotation, FaceCount};
use idphoto::dev::face::{Face, Point};
use std::path::Path;

/// Whether a detected face count agrees with an annotated one.
pub trait Accepts {
    /// Whether `n` detected faces agree with the annotation.
    fn accepts(self, n: usize) -> bool;
}

impl Accepts for FaceCount {
    fn accepts(self, n: usize) -> bool {
        match self {
            FaceCount::Exactly(k) => n == k,
            FaceCount::AtLeast(k) => n >= k,
        }
    }
}

/// What an annotation says beyond its points.
pub trait Measures {
    /// How far the annotated eyes' midpoint sits from the middle of the annotated face
    /// contour, as a fraction of half the face width; positive towards the image's right.
    ///
    /// The annotations hold no head-turn angle, but a turn moves the eyes sideways against the
    /// cheek contour, so this offset grows with the sine of the yaw: the ground the measured
    /// `yaw_deg` is checked against (see [`yaw_agreement`]).
    fn eye_offset(&self) -> Option<f32>;

    /// Whether the photo holds the one face the landmark figures are about. Each landmark is
    /// then scored where it is annotated, so a portrait whose chin a beard or scarf hides still
    /// counts for being found and for its eyes.
    fn is_portrait(&self) -> bool;

    /// Inter-eye distance, when both eyes are annotated.
    fn inter_eye(&self) -> Option<f32>;

    /// The face height errors are expressed against: chin − crown, or 2.6 × the inter-eye
    /// distance where the crown is not visible (the convention of `shared/data/README.md`).
    fn face_height(&self) -> Option<f32>;

    /// The annotation of the same photo cropped at `origin` (photo pixels) and then scaled by
    /// `scale`. A crown that lands within `CUT_OFF_PX` of the new top edge, or above it, is cut
    /// off there, as it would be annotated on the cropped photo ("not visible").
    fn moved(&self, origin: Point, scale: f32) -> Annotation;
}

impl Measures for Annotation {
    /// How far the annotated eyes' midpoint sits from the middle of the annotated face
    /// contour, as a fraction of half the face width; positive towards the image's right.
    ///
    /// The annotations hold no head-turn angle, but a turn moves the eyes sideways against the
    /// cheek contour, so this offset grows with the sine of the yaw: the ground the measured
    /// `yaw_deg` is checked against (see [`yaw_agreement`]).
    fn eye_offset(&self) -> Option<f32> {
        let (r, l) = (self.right_eye?, self.left_eye?);
        let (x0, x1) = (self.face_x_min?, self.face_x_max?);
        let half = (x1 - x0) / 2.0;
        (half > 0.0).then(|| ((l[0] + r[0]) / 2.0 - (x0 + x1) / 2.0) / half)
    }

    /// Whether the photo holds the one face the landmark figures are about. Each landmark is
    /// then scored where it is annotated, so a portrait whose chin a beard or scarf hides still
    /// counts for being found and for its eyes.
    fn is_portrait(&self) -> bool {
        self.faces == FaceCount::Exactly(1)
    }

    /// Inter-eye distance, when both eyes are annotated.
    fn inter_eye(&self) -> Option<f32> {
        let (r, l) = (self.right_eye?, self.left_eye?);
        Some(((l[0] - r[0]).powi(2) + (l[1] - r[1]).powi(2)).sqrt())
    }

    /// The face height errors are expressed against: chin − crown, or 2.6 × the inter-eye
    /// distance where the crown is not visible (the convention of `shared/data/README.md`).
    fn face_height(&self) -> Option<f32> {
        match (self.crown, self.chin) {
            (Some(c), Some(ch)) => Some(ch[1] - c[1]),
            _ => self.inter_eye().map(|d| 2.6 * d),
        }
    }

    /// The annotation of the same photo cropped at `origin` (photo pixels) and then scaled by
    /// `scale`. A crown that lands within `CUT_OFF_PX` of the new top edge, or above it, is cut
    /// off there, as it would be annotated on the cropped photo ("not visible").
    fn moved(&self, origin: Point, scale: f32) -> Annotation {
        /// Hair this close to the top edge cannot be told from hair cut off by it.
        const CUT_OFF_PX: f32 = 3.0;
        let p = |q: Point| [(q[0] - origin[0]) * scale, (q[1] - origin[1]) * scale];
        let x = |v: f32| (v - origin[0]) * scale;
        Annotation {
            right_eye: self.right_eye.map(p),
            left_eye: self.left_eye.map(p),
            crown: self.crown.map(p).filter(|c| c[1] >= CUT_OFF_PX),
            chin: self.chin.map(p),
            face_x_min: self.face_x_min.map(x),
            face_x_max: self.face_x_max.map(x),
            face_width_y: self.face_width_y.map(|y| (y - origin[1]) * scale),
            ..self.clone()
        }
    }
}

/// How far a measured face is from an annotation, relative to the face (the convention of
/// `shared/data/README.md`). `None` where the annotation has no value to compare with.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Errors {
    /// The worse eye's distance from its pupil, as a fraction of the inter-eye distance.
    pub eyes: Option<f32>,
    /// Vertical crown error as a fraction of the face height (the crown's x is ill-defined on
    /// a flat head top); only where both annotation and measurement have a crown.
    pub crown: Option<f32>,
    /// Whether the measurement agrees on the crown being visible (`Some`) or cut off (`None`).
    pub crown_visibility_agrees: bool,
    /// Chin distance as a fraction of the face height.
    pub chin: Option<f32>,
    /// Face-width difference as a fraction of the face height.
    pub width: Option<f32>,
    /// Difference of the eye line's tilt from the annotated eyes' tilt, in degrees (what
    /// `head.roll` judges; it follows from the eyes, magnified on faces with close-set eyes).
    pub roll_deg: Option<f32>,
}

/// Below the top edge, as a share of the face height (crown to chin), where a crown the
/// annotators called cut off may be measured as visible.
const HAIR_AT_EDGE: f32 = 0.025;

/// Errors of a measured face against annotation `a`.
pub fn errors(a: &Annotation, face: &Face) -> Errors {
    let dist = |p: Point, q: Point| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
    let height = a.face_height();
    let eyes = match (a.right_eye, a.left_eye, a.inter_eye()) {
        (Some(r), Some(l), Some(d)) if d > 0.0 => {
            Some(dist(r, face.right_eye).max(dist(l, face.left_eye)) / d)
        }
        _ => None,
    };
    let rel = |v: f32| height.filter(|h| *h > 0.0).map(|h| v / h);
    Errors {
        eyes,
        crown: match (a.crown, face.crown) {
            (Some(c), Some(m)) => rel((c[1] - m[1]).abs()),
            _ => None,
        },
        crown_visibility_agrees: match (a.crown, face.crown) {
            // The annotators left the crown out where hair ends within about 1 % of the photo's
            // height of its top edge (lacamoire_1: 10 px of 1200); the photo shows that gap of
            // wall, and idphoto reads such a crown as visible, just below the edge.
            (None, Some(m)) => m[1] <= HAIR_AT_EDGE * (face.chin[1] - m[1]),
            (a, m) => a.is_some() == m.is_some(),
        },
        chin: a.chin.and_then(|c| rel(dist(c, face.chin))),
        width: match (a.face_x_min, a.face_x_max) {
            (Some(x0), Some(x1)) => rel(((x1 - x0) - face.width()).abs()),
            _ => None,
        },
        roll_deg: match (a.right_eye, a.left_eye) {
            (Some(r), Some(l)) => Some((face.roll_deg - idphoto::dev::face::roll_deg(r, l)).abs()),
            _ => None,
        },
    }
}

/// The folder of the shared annotated photos (it holds `photos/annotations.csv`):
/// `$IDPHOTO_TESTDATA`, else `../shared/data` beside this repository. The harnesses, benchmarks
/// and real-photo tests all read it from here.
pub fn shared_data_dir() -> std::path::PathBuf {
    std::env::var_os("IDPHOTO_TESTDATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// The `p` quantile (0–1) of errors sorted ascending, by nearest rank: the figure the accuracy
/// harness prints, the tests assert and README quotes (p95 of 19 photos is the second worst).
/// NaN when there are none.
pub fn percentile(sorted: &[f32], p: f32) -> f32 {
    if sorted.is_empty() {
        return f32::NAN;
    }
    let i = ((sorted.len() - 1) as f32 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// How well measured head turns follow the annotated eye offsets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YawAgreement {
    /// Pearson correlation of sin(yaw) with [`Annotation::eye_offset`].
    pub r: f32,
    /// Least-squares slope of the offset against sin(yaw) (the eyes' depth in front of the
    /// cheek contour, in half face widths).
    pub slope: f32,
    /// Photos whose offset is clearly off centre (|offset| ≥ 0.05) and whose yaw has the
    /// other sign.
    pub sign_disagreements: usize,
    /// Photos with |offset| ≥ 0.05.
    pub clearly_turned: usize,
}

/// Compares measured yaws (degrees) with annotated eye offsets, given as pairs; `None` for
/// fewer than three pairs or offsets that do not vary.
pub fn yaw_agreement(pairs: &[(f32, f32)]) -> Option<YawAgreement> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f32;
    let xs: Vec<f32> = pairs.iter().map(|p| p.0.to_radians().sin()).collect();
    let ys: Vec<f32> = pairs.iter().map(|p| p.1).collect();
    let (mx, my) = (xs.iter().sum::<f32>() / n, ys.iter().sum::<f32>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(&ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if !(sxx > 0.0 && syy > 0.0) {
        return None;
    }
    let turned: Vec<&(f32, f32)> = pairs.iter().filter(|p| p.1.abs() >= 0.05).collect();
    Some(YawAgreement {
        r: sxy / (sxx * syy).sqrt(),
        slope: sxy / sxx,
        sign_disagreements: turned
            .iter()
            .filter(|p| p.0.signum() != p.1.signum())
            .count(),
        clearly_turned: turned.len(),
    })
}

/// A fixed-seed source of standard normal samples (xorshift through Box–Muller): the degraded
/// sets are the same on every run and every machine.
pub fn normal_source() -> impl FnMut() -> f64 {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 / (1u64 << 53) as f64).max(f64::MIN_POSITIVE)
    };
    move || {
        let (u1, u2) = (uniform(), uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotations::parse;

    const SAMPLE: &str = "file,faces,right_eye_x,right_eye_y,left_eye_x,left_eye_y,crown_x,crown_y,chin_x,chin_y,face_x_min,face_x_max,face_width_y,notes\n\
hv_test0.jpg,1,240.6,205.0,306.5,202.1,279.2,59,281.4,331.8,210.7,361.2,227.8,\n\
aniston_1.jpg,1,615.3,707.1,916.5,688.1,,,793.1,1266.7,418.1,1103.5,775.3,\"crown, not visible\"\n\
neg_two_people.jpg,2+,,,,,,,,,,,,two people\n";

    #[test]
    fn parses_points_empty_cells_and_quoted_notes() {
        let rows = parse(SAMPLE).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].right_eye, Some([240.6, 205.0]));
        assert_eq!(rows[0].face_height(), Some(331.8 - 59.0));
        assert_eq!(rows[1].crown, None);
        assert_eq!(rows[1].notes, "crown, not visible");
        assert!((rows[1].face_height().unwrap() - 2.6 * rows[1].inter_eye().unwrap()).abs() < 1e-3);
        assert_eq!(rows[2].faces, FaceCount::AtLeast(2));
        assert!(rows[2].to_face().is_none());
    }

    /// Protects the harness's reach beyond the shared set: a portrait annotated only where it is
    /// visible (here the eyes: no chin, no contour) is still a portrait and its eyes are scored;
    /// it is left out only of what it does not annotate. It was skipped whole before.
    #[test]
    fn a_portrait_with_only_its_eyes_annotated_is_scored_on_its_eyes() {
        let text = "file,faces,right_eye_x,right_eye_y,left_eye_x,left_eye_y,crown_x,crown_y,chin_x,chin_y,face_x_min,face_x_max,face_width_y\n\
                    scarf.jpg,1,100,200,200,200,,,,,,,\n";
        let a = &parse(text).unwrap()[0];
        assert!(a.is_portrait());
        assert!(
            a.to_face().is_none(),
            "not complete enough to stand for a face"
        );
        let mut measured = parse(SAMPLE).unwrap()[0].to_face().unwrap();
        measured.right_eye = [103.0, 204.0];
        measured.left_eye = [200.0, 200.0];
        let e = errors(a, &measured);
        assert!((e.eyes.unwrap() - 0.05).abs() < 1e-6, "{e:?}");
        assert_eq!((e.chin, e.width, e.crown), (None, None, None));
        assert!(!parse(SAMPLE).unwrap()[2].is_portrait(), "the pair is not");
    }

    #[test]
    fn a_byte_order_mark_and_a_missing_notes_column_are_accepted() {
        let without_notes: String = SAMPLE
            .lines()
            .take(2)
            .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\r\n")
            .collect();
        let rows = parse(&format!("\u{feff}{without_notes}")).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].right_eye, Some([240.6, 205.0]));
        assert_eq!(rows[0].notes, "");
        assert!(parse("file,faces\nx.jpg,1\n")
            .unwrap_err()
            .contains("right_eye_x"));
    }

    #[test]
    fn eye_offset_is_signed_towards_the_image_right() {
        let rows = parse(SAMPLE).unwrap();
        // hv_test0: eyes' midpoint 273.55, contour midpoint 285.95, half width 75.25.
        let off = rows[0].eye_offset().unwrap();
        assert!((off - (273.55 - 285.95) / 75.25).abs() < 1e-4, "{off}");
        assert_eq!(rows[2].eye_offset(), None);
    }

    #[test]
    fn yaw_agreement_reads_correlation_slope_and_signs() {
        // Offsets exactly 0.8 sin(yaw): r = 1, slope 0.8; one clearly turned photo with the
        // wrong sign is counted.
        let mut pairs: Vec<(f32, f32)> = [-12.0f32, -4.0, 0.0, 3.0, 9.0]
            .iter()
            .map(|&y| (y, 0.8 * y.to_radians().sin()))
            .collect();
        let a = yaw_agreement(&pairs).unwrap();
        assert!(
            (a.r - 1.0).abs() < 1e-4 && (a.slope - 0.8).abs() < 1e-4,
            "{a:?}"
        );
        assert_eq!((a.sign_disagreements, a.clearly_turned), (0, 3));
        pairs.push((-6.0, 0.1));
        let b = yaw_agreement(&pairs).unwrap();
        assert_eq!((b.sign_disagreements, b.clearly_turned), (1, 4));
        assert!(b.r < 0.95);
        assert_eq!(yaw_agreement(&pairs[..2]), None);
        assert_eq!(yaw_agreement(&[(1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]), None);
    }

    #[test]
    fn moved_crops_and_scales_every_point_and_cuts_off_a_crown_above_the_new_edge() {
        let a = &parse(SAMPLE).unwrap()[0];
        let m = a.moved([40.0, 20.0], 0.5);
        let near = |v: Option<f32>, want: f32| (v.unwrap() - want).abs() < 1e-3;
        let (eye, crown) = (m.right_eye.unwrap(), m.crown.unwrap());
        assert!(
            near(Some(eye[0]), 100.3) && near(Some(eye[1]), 92.5),
            "{eye:?}"
        );
        assert!(
            near(Some(crown[0]), 119.6) && near(Some(crown[1]), 19.5),
            "{crown:?}"
        );
        assert!(near(m.face_x_min, 85.35) && near(m.face_width_y, 103.9));
        // Inter-eye distance and face height scale alike, so the relative errors do not move.
        assert!((m.inter_eye().unwrap() - a.inter_eye().unwrap() / 2.0).abs() < 1e-3);
        assert_eq!(a.moved([0.0, 57.0], 1.0).crown, None);
        assert!(a.moved([0.0, 56.0], 1.0).crown.is_some());
    }

    #[test]
    fn to_face_keeps_subject_sides_and_roll_sign() {
        let face = parse(SAMPLE).unwrap()[0].to_face().unwrap();
        assert!(
            face.right_eye[0] < face.left_eye[0],
            "subject's right eye is on the image left"
        );
        assert!(face.roll_deg < 0.0, "left eye (image right) is higher here");
        assert!((face.width() - (361.2 - 210.7)).abs() < 1e-3);
    }
}
