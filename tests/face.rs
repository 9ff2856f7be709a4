//! The face stage (`idphoto::dev::Analysis::of`) on the shared real photos and on images made from
//! them: accuracy against the hand annotations (issue 3's targets), geometry that follows a
//! shift, a scale and a rotation of the photo, and the no-face / two-face / cut-off-head cases.
//!
//! Needs the shared photos (`IDPHOTO_TESTDATA`, see `tests/util`); each photo is decoded once.

use crate::annotations::{self, Annotation};
use crate::harness::{self, percentile, Accepts, Errors, Measures};
use crate::util::testdata;
use idphoto::dev::decode;
use idphoto::dev::face::{Face, FaceAnalysis, Point};
use idphoto::dev::imageops::{self, Quality};
use idphoto::dev::Analysis;
use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{rotate_about_center, Interpolation};
use std::sync::OnceLock;

/// The portrait the metamorphic tests transform (576×768, frontal, plain background, crown
/// visible).
const PORTRAIT: &str = "hv_test0.jpg";

fn analyse(img: &RgbImage) -> FaceAnalysis {
    let photo = crate::util::photo_of(img.clone());
    Analysis::of(&photo, None).expect("face stage runs").faces
}

fn decode(name: &str) -> Option<RgbImage> {
    let data = testdata()?;
    let photo = decode::open(&data.join("photos").join(name), &decode::Limits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    Some(photo.image)
}

/// The transformed portrait and its face as measured untransformed, decoded and analysed once
/// for all tests of this file.
fn portrait() -> Option<&'static (RgbImage, Face)> {
    static BASE: OnceLock<Option<(RgbImage, Face)>> = OnceLock::new();
    BASE.get_or_init(|| {
        let img = decode(PORTRAIT)?;
        let fa = analyse(&img);
        assert_eq!(fa.faces_found, 1, "{PORTRAIT}: one face");
        let face = fa.face.expect("face measured");
        assert!(face.crown.is_some(), "{PORTRAIT}: crown visible");
        Some((img, face))
    })
    .as_ref()
}

/// Chin − crown of a measured face (the crown is visible on the base portrait).
fn face_height(f: &Face) -> f32 {
    f.chin[1] - f.crown.map_or(f.chin[1] - 2.6 * f.inter_eye(), |c| c[1])
}

fn dist(a: Point, b: Point) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// The head rules of the built-in ID-card spec (Dongguan), whose limits the face tests hold the
/// measurements to.
fn builtin_head() -> idphoto::spec::HeadRules {
    idphoto::spec::Library::builtin()
        .unwrap()
        .resolve("dongguan", None)
        .unwrap()
        .body
        .head
}

/// Every shared photo, decoded and analysed once, with its annotation.
fn shared_results() -> Option<&'static Vec<(Annotation, FaceAnalysis)>> {
    static RESULTS: OnceLock<Option<Vec<(Annotation, FaceAnalysis)>>> = OnceLock::new();
    RESULTS
        .get_or_init(|| {
            let data = testdata()?;
            let rows = annotations::load(&data.join("photos/annotations.csv")).unwrap();
            // 22 in the shared set; any other annotated set (IDPHOTO_TESTDATA) is measured
            // the same way, by its own annotations.
            assert!(!rows.is_empty(), "annotations.csv holds no photo");
            Some(
                rows.into_iter()
                    .map(|a| {
                        let img = decode(&a.file).unwrap();
                        let fa = analyse(&img);
                        (a, fa)
                    })
                    .collect(),
            )
        })
        .as_ref()
}

/// Errors of each portrait's main face against its annotation (`shared/data/README.md`'s
/// definition, via `harness::errors`), picked by `pick`, sorted.
fn sorted_errors(pick: fn(&Errors) -> Option<f32>) -> Option<Vec<f32>> {
    let results = shared_results()?;
    let mut v: Vec<f32> = results
        .iter()
        .filter(|(a, _)| a.is_portrait())
        .filter_map(|(a, fa)| {
            let f = fa
                .face
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no face", a.file));
            pick(&harness::errors(a, f))
        })
        .collect();
    assert!(v.len() >= 10, "enough annotated values: {}", v.len());
    v.sort_by(f32::total_cmp);
    Some(v)
}

/// Protects: the face count — 0 on the dogs, 2 on the pairs, exactly 1 on every portrait — so
/// `face.count` never fails a good photo nor passes a photo without a face.
#[test]
fn face_count_is_right_on_all_22_shared_photos() {
    let Some(results) = shared_results() else {
        return;
    };
    let mut wrong = Vec::new();
    for (a, fa) in results {
        // The annotation's own count (0 for the dogs, 2 for the pairs, 1 for the portraits).
        if !a.faces.accepts(fa.faces_found) || fa.face.is_some() != (fa.faces_found > 0) {
            wrong.push(format!(
                "{} found {} want {:?}",
                a.file, fa.faces_found, a.faces
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong face counts: {wrong:?}");
}

/// Protects: the crown's visible/cut-off verdict (head.inside_frame and the crop planner rely
/// on it): it agrees with the annotators on every portrait; lacamoire_1, whose hair ends 10 px
/// below the top edge, within one mask row, and which the annotators left without a crown,
/// reads a crown within [`harness::errors`]' allowance of the edge.
#[test]
fn crown_visibility_agrees_with_the_annotations_on_every_portrait() {
    let Some(results) = shared_results() else {
        return;
    };
    let wrong: Vec<String> = results
        .iter()
        .filter(|(a, _)| a.is_portrait())
        .filter_map(|(a, fa)| {
            let f = fa.face.as_ref()?;
            (!harness::errors(a, f).crown_visibility_agrees).then(|| {
                format!(
                    "{}: annotated {:?}, measured {:?}",
                    a.file, a.crown, f.crown
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "crown visibility disagrees: {wrong:?}");
}

/// Protects: issue 3's crown, chin and width targets (p90 ≤ 4 %, 4 %, 5 % of the face height)
/// on the shared portraits.
#[test]
fn crown_chin_and_width_meet_their_p90_targets() {
    let Some(crown) = sorted_errors(|e| e.crown) else {
        return;
    };
    let chin = sorted_errors(|e| e.chin).unwrap();
    let width = sorted_errors(|e| e.width).unwrap();
    let (c, ch, w) = (
        percentile(&crown, 0.9),
        percentile(&chin, 0.9),
        percentile(&width, 0.9),
    );
    eprintln!(
        "p90: crown {c:.3} (n={}), chin {ch:.3} (n={}), width {w:.3} (n={})",
        crown.len(),
        chin.len(),
        width.len()
    );
    assert!(c <= 0.04, "crown p90 {c:.3} > 0.04 of the face height");
    assert!(ch <= 0.04, "chin p90 {ch:.3} > 0.04 of the face height");
    assert!(w <= 0.05, "width p90 {w:.3} > 0.05 of the face height");
}

/// Protects: issue 3's target for the eye centres, p95 ≤ 0.05 of the inter-eye distance, and
/// their mean and p90 against regression. Measured with the iris model and the gaze pooling:
/// mean 0.026, p90 0.043, p95 0.049 (the two worst, hv_test3 0.053 and siegel_1 0.049, are
/// where model and annotation disagree on a brown iris under the lid and on narrowed eyes).
/// The iris model alone (mean 0.027, p95 0.052) fails the target; the darkness search it
/// replaced (mean 0.039, p90 0.058, p95 0.063) fails all three.
#[test]
fn eye_errors_meet_p95_0_05_within_mean_0_030_p90_0_045() {
    let Some(eyes) = sorted_errors(|e| e.eyes) else {
        return;
    };
    let mean = eyes.iter().sum::<f32>() / eyes.len() as f32;
    let (p90, p95) = (percentile(&eyes, 0.90), percentile(&eyes, 0.95));
    eprintln!(
        "eyes mean {mean:.3} p90 {p90:.3} p95 {p95:.3} (n={})",
        eyes.len()
    );
    assert!(mean <= 0.030, "eyes mean {mean:.3} > 0.030");
    assert!(p90 <= 0.045, "eyes p90 {p90:.3} > 0.045");
    assert!(p95 <= 0.05, "eyes p95 {p95:.4} > 0.05");
}

/// Protects: `confidence.eyes` reads every shared portrait's eyes as open (all are; siegel_1's
/// are narrowed, aniston_1 has light irises: 0.66 and 0.37, the others 0.7–1). It read 0 on
/// most of them while the lid-covered part of the iris counted as bright.
#[test]
fn eye_confidence_reads_open_eyes_as_open() {
    let Some(results) = shared_results() else {
        return;
    };
    for (a, fa) in results.iter().filter(|(a, _)| a.is_portrait()) {
        let f = fa.face.as_ref().expect("a face on every portrait");
        assert!(
            f.confidence.eyes >= 0.25,
            "{}: eye confidence {:.2}",
            a.file,
            f.confidence.eyes
        );
    }
}

/// Protects `eyes.open` from rejecting open eyes: every shared portrait (all have open eyes;
/// siegel_1's are narrowed, biden_1 and obama_1 smile with narrowed lids) reads at least the
/// built-in spec's warning limit, so the check passes on all of them.
#[test]
fn every_shared_portrait_reads_its_eyes_open() {
    let Some(results) = shared_results() else {
        return;
    };
    let head = builtin_head();
    let warn = head.warn_eye_opening.expect("common.toml sets it") as f32;
    for (a, fa) in results.iter().filter(|(a, _)| a.is_portrait()) {
        let f = fa.face.as_ref().expect("a face on every portrait");
        let opening = f.eye_opening.expect("both eyes measured");
        assert!(
            opening.smaller() >= warn,
            "{}: eye opening {opening:?} below {warn}",
            a.file
        );
    }
}

/// Paints each annotated eye shut: the opening (an ellipse 0.6 × 0.26 inter-eye distances round
/// the pupil) filled with the skin just below it, a line of dark lashes along the closed lid.
fn close_eyes(img: &mut RgbImage, a: &Annotation) {
    let (r, l) = (a.right_eye.unwrap(), a.left_eye.unwrap());
    let iod = dist(r, l);
    let (ha, hb) = (0.3 * iod, 0.13 * iod);
    for e in [r, l] {
        let skin = *img.get_pixel(e[0] as u32, (e[1] + 0.35 * iod) as u32);
        let (x0, x1) = ((e[0] - ha) as u32, (e[0] + ha) as u32 + 1);
        let (y0, y1) = ((e[1] - hb) as u32, (e[1] + hb) as u32 + 1);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (u, v) = ((x as f32 - e[0]) / ha, (y as f32 - e[1]) / hb);
                let lid = v - 0.25 * (1.0 - u * u);
                if u.abs() <= 1.0 && lid.abs() * hb <= (0.01 * iod).max(0.5) {
                    img.put_pixel(x, y, Rgb([30, 20, 20]));
                } else if u * u + v * v <= 1.0 {
                    img.put_pixel(x, y, skin);
                }
            }
        }
    }
}

/// Protects `eyes.open` and the corrected photo's refusal (`eyes_closed`): real portraits with
/// their eyes painted shut read below the built-in spec's limit (they read 0.06–0.08, open
/// eyes 0.17 and more; a closed-eye studio portrait outside the set reads 0.06).
#[test]
fn eyes_painted_shut_read_as_closed() {
    let Some(results) = shared_results() else {
        return;
    };
    let head = builtin_head();
    let min = head.min_eye_opening.expect("common.toml sets it") as f32;
    for name in ["obama_1.jpg", "lacamoire_1.jpg", "aniston_2.jpg"] {
        let (a, _) = results.iter().find(|(a, _)| a.file == name).unwrap();
        let mut img = decode(name).unwrap();
        close_eyes(&mut img, a);
        let fa = analyse(&img);
        let f = fa
            .face
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: face lost"));
        let opening = f.eye_opening.expect("both eyes measured");
        eprintln!("{name} painted shut: {opening:?}");
        assert!(
            opening.smaller() < min,
            "{name}: eyes painted shut read {opening:?}, not below {min}"
        );
    }
}

/// Protects `mouth.closed` on the shared portraits, each judged by eye on an enlarged crop of
/// its mouth: lips together (some smiling) read below the warning limit, smiles showing both
/// rows of teeth above the failure limit. hv_test0, hv_test1 and hv_test4 show the lips parted a
/// little and are left out (they read 0.056–0.087, around the warning limit).
#[test]
fn lips_together_pass_and_smiles_showing_teeth_fail() {
    let Some(results) = shared_results() else {
        return;
    };
    let head = builtin_head();
    let (warn, max) = (
        head.warn_mouth_opening.unwrap() as f32,
        head.max_mouth_opening.unwrap() as f32,
    );
    let together = [
        "aniston_1.jpg",
        "aniston_2.jpg",
        "dorsey_1.jpg",
        "hv_test2.jpg",
        "hv_test3.jpg",
        "rudd_1.jpg",
        "siegel_1.jpg",
        "zuckerberg_1.jpg",
    ];
    let teeth = [
        "biden_1.jpg",
        "exif6_zuckerberg_2.jpg",
        "lacamoire_1.jpg",
        "obama_1.jpg",
        "obama_small.jpg",
        "pichai_1.jpg",
        "pichai_2.jpg",
        "zuckerberg_2.jpg",
    ];
    for (a, fa) in results {
        let Some(opening) = fa.face.as_ref().and_then(|f| f.mouth_opening) else {
            continue;
        };
        let file = a.file.as_str();
        if together.contains(&file) {
            assert!(opening < warn, "{file}: lips together read {opening:.3}");
        } else if teeth.contains(&file) {
            assert!(opening > max, "{file}: teeth showing read {opening:.3}");
        }
    }
    let measured = results
        .iter()
        .filter(|(a, fa)| {
            let named = together.contains(&a.file.as_str()) || teeth.contains(&a.file.as_str());
            named && fa.face.as_ref().and_then(|f| f.mouth_opening).is_some()
        })
        .count();
    assert_eq!(
        measured,
        together.len() + teeth.len(),
        "every named mouth measured"
    );
}

/// Protects `eyebrows.visible` on the shared portraits: the two whose fringe covers the brows
/// (hv_test2, hv_test4; judged by eye on enlarged crops) read below the built-in spec's limit,
/// every other one (wisps of hair on hv_test1 and hv_test3, glasses frames on pichai_1/2,
/// shadowed brows) at or above its warning limit.
#[test]
fn a_fringe_over_the_brows_fails_and_a_clear_forehead_passes() {
    let Some(results) = shared_results() else {
        return;
    };
    let head = builtin_head();
    let (min, warn) = (
        head.min_brow_skin.unwrap() as f32,
        head.warn_brow_skin.unwrap() as f32,
    );
    for (a, fa) in results.iter().filter(|(a, _)| a.is_portrait()) {
        let f = fa.face.as_ref().expect("a face on every portrait");
        let skin = f.brow_skin.expect("both brows measured").smaller();
        if ["hv_test2.jpg", "hv_test4.jpg"].contains(&a.file.as_str()) {
            assert!(skin < min, "{}: fringe read {skin:.3}", a.file);
        } else {
            assert!(skin >= warn, "{}: clear brows read {skin:.3}", a.file);
        }
    }
}

/// Protects: `head.roll`, which follows from the eyes: the eye line's tilt within 0.45° of the
/// annotated eyes' tilt on the median portrait and 1.1° at p90 (measured 0.35° and 0.93°; with
/// each eye read on its own, before the gaze pooling, 0.46° and 1.38°).
#[test]
fn eye_line_roll_is_within_0_45_deg_median_1_1_deg_p90() {
    let Some(roll) = sorted_errors(|e| e.roll_deg) else {
        return;
    };
    let (median, p90) = (percentile(&roll, 0.5), percentile(&roll, 0.9));
    eprintln!("roll median {median:.2}° p90 {p90:.2}° (n={})", roll.len());
    assert!(median <= 0.45, "roll median {median:.2}° > 0.45°");
    assert!(p90 <= 1.1, "roll p90 {p90:.2}° > 1.1°");
}

/// Protects: a photo stored on its side or upside down (no EXIF orientation) still shows its
/// face where it is, eyes and chin, with a roll near ±90° or 180° that `head.roll` and
/// `crop.possible` read as "turn the photo", not as "no face" or a tilted head. Upside down,
/// FaceMesh used to put the chin above the eyes' mirror image, 230 px from the real one.
#[test]
fn a_photo_on_its_side_or_upside_down_reads_as_turned() {
    let Some((img, base)) = portrait() else {
        return;
    };
    let (w, h) = (img.width() as f32, img.height() as f32);
    // rotate90 turns clockwise: pixel (x, y) → (h − 1 − y, x); in continuous coordinates
    // (pixel centres at k + 0.5) a point (x, y) → (h − y, x).
    for (turned, want_roll, to) in [
        (
            image::imageops::rotate90(img),
            90.0f32,
            Box::new(move |p: Point| [h - p[1], p[0]]) as Box<dyn Fn(Point) -> Point>,
        ),
        (
            image::imageops::rotate270(img),
            -90.0,
            Box::new(move |p: Point| [p[1], w - p[0]]),
        ),
        (
            image::imageops::rotate180(img),
            180.0,
            Box::new(move |p: Point| [w - p[0], h - p[1]]),
        ),
    ] {
        let fa = analyse(&turned);
        assert_eq!(fa.faces_found, 1, "turned {want_roll}°");
        let f = fa.face.expect("face");
        // The roll difference, wrapped into [−180°, 180°).
        let d_roll = (f.roll_deg - base.roll_deg - want_roll + 540.0).rem_euclid(360.0) - 180.0;
        let e = dist(to(base.eye_mid()), f.eye_mid());
        let c = dist(to(base.chin), f.chin);
        eprintln!(
            "turned {want_roll}°: roll {:.1}°, eye midpoint off by {e:.1} px, chin {c:.1} px",
            f.roll_deg
        );
        let tol = 0.02 * face_height(base);
        assert!(d_roll.abs() <= 2.0, "roll {:.1}°", f.roll_deg);
        assert!(e <= tol, "eye midpoint {e:.1} px off");
        assert!(c <= tol, "chin {c:.1} px off");
    }
}

/// Protects: every shared portrait stored on its side or upside down (no EXIF orientation) is
/// one face, with both eyes where the annotated ones turn to. On its side the detector used to
/// miss biden_1 outright (no face) and to box pichai_2 twice (two faces); both are now measured
/// turned upright and turned back.
#[test]
fn every_portrait_on_its_side_or_upside_down_is_one_face_with_its_eyes() {
    let Some(results) = shared_results() else {
        return;
    };
    let mut worst = 0.0f32;
    for (a, _) in results.iter().filter(|(a, _)| a.is_portrait()) {
        let img = decode(&a.file).unwrap();
        let (w, h) = (img.width() as f32, img.height() as f32);
        let (Some(re), Some(le), Some(d)) = (a.right_eye, a.left_eye, a.inter_eye()) else {
            continue;
        };
        for degrees in [90u16, 180, 270] {
            // Continuous coordinates: a clockwise quarter takes (x, y) to (h − y, x).
            let to = |p: Point| match degrees {
                90 => [h - p[1], p[0]],
                180 => [w - p[0], h - p[1]],
                _ => [p[1], w - p[0]],
            };
            let fa = analyse(&imageops::turned_clockwise(&img, degrees));
            assert_eq!(fa.faces_found, 1, "{} turned {degrees}°", a.file);
            let f = fa.face.unwrap();
            let e = (dist(f.right_eye, to(re)).max(dist(f.left_eye, to(le)))) / d;
            worst = worst.max(e);
            if e > 0.06 {
                eprintln!("{} {degrees} {e:.3} roll {:.1}", a.file, f.roll_deg);
            }
            assert!(e <= 0.12, "{} turned {degrees}°: eye off by {e:.3}", a.file);
        }
    }
    eprintln!("worst eye error of the turned portraits: {worst:.3} of the eye distance");
}

/// Protects: the measure behind `head.yaw` — the head turn read from FaceMesh's depth follows
/// the annotated eyes' sideways offset from the middle of the face contour, the only trace of a
/// turn the annotations hold (correlation of sin yaw ≥ 0.9, measured 0.966), with the right sign
/// on every clearly turned portrait, so the hint turns people the right way.
#[test]
fn yaw_follows_the_annotated_eye_offset() {
    let Some(results) = shared_results() else {
        return;
    };
    let pairs: Vec<(f32, f32)> = results
        .iter()
        .filter(|(_, fa)| fa.faces_found == 1)
        .filter_map(|(a, fa)| Some((fa.face.as_ref()?.yaw_deg?, a.eye_offset()?)))
        .collect();
    let portraits = results.iter().filter(|(a, _)| a.is_portrait()).count();
    assert_eq!(pairs.len(), portraits, "a yaw on every portrait");
    let g = harness::yaw_agreement(&pairs).unwrap();
    eprintln!("yaw vs eye offset: {g:?}");
    assert!(g.r >= 0.9, "correlation {:.3}", g.r);
    assert!(g.clearly_turned >= 4, "{g:?}");
    assert_eq!(g.sign_disagreements, 0, "{g:?}");
}

/// Protects: the yaw's sign and symmetry — the portrait, turned about 9° to the subject's
/// right, mirrored reads the same turn to the left, within 1°.
#[test]
fn mirroring_the_photo_negates_the_yaw() {
    let Some((img, base)) = portrait() else {
        return;
    };
    let base_yaw = base.yaw_deg.expect("yaw measured");
    assert!(base_yaw < -5.0, "{PORTRAIT} is turned: {base_yaw:.1}°");
    let fa = analyse(&image::imageops::flip_horizontal(img));
    let yaw = fa.face.expect("face").yaw_deg.expect("yaw measured");
    eprintln!("yaw {base_yaw:.2}° mirrored {yaw:.2}°");
    assert!((yaw + base_yaw).abs() <= 1.0, "{base_yaw:.2}° vs {yaw:.2}°");
}

/// Protects: a photo's face is measured where it is — padding the photo on the left and top
/// moves every point by exactly the padding (no fixed-frame assumption in detection, landmark
/// mapping or the crown scan).
#[test]
fn shifting_the_photo_shifts_the_geometry() {
    let Some((img, base)) = portrait() else {
        return;
    };
    let (dx, dy) = (60u32, 40u32);
    let (w, h) = img.dimensions();
    // Edge-replicated padding: the background continues, nothing new appears.
    let shifted = RgbImage::from_fn(w + dx, h + dy, |x, y| {
        *img.get_pixel(x.saturating_sub(dx), y.saturating_sub(dy))
    });
    let fa = analyse(&shifted);
    assert_eq!(fa.faces_found, 1);
    let f = fa.face.expect("face");
    let tol = 0.02 * face_height(base);
    let off = |p: Point| [p[0] + dx as f32, p[1] + dy as f32];
    let crown = f.crown.expect("crown still visible");
    let pairs = [
        ("right eye", base.right_eye, f.right_eye),
        ("left eye", base.left_eye, f.left_eye),
        ("chin", base.chin, f.chin),
    ];
    for (name, b, m) in pairs {
        let e = dist(off(b), m);
        eprintln!("shift {name}: {e:.2} px (tol {tol:.1})");
        assert!(e <= tol, "{name}: {m:?} vs expected {:?}", off(b));
    }
    let base_crown_y = base.crown.expect("base crown")[1];
    let e_crown = (crown[1] - (base_crown_y + dy as f32)).abs();
    let e_l = (f.face_left_x - (base.face_left_x + dx as f32)).abs();
    let e_r = (f.face_right_x - (base.face_right_x + dx as f32)).abs();
    eprintln!("shift crown y {e_crown:.2}, cheeks {e_l:.2} / {e_r:.2} px (tol {tol:.1})");
    assert!(
        e_crown <= tol,
        "crown y {} vs {}",
        crown[1],
        base_crown_y + dy as f32
    );
    assert!(
        e_l <= tol && e_r <= tol,
        "cheeks moved {e_l:.1} / {e_r:.1} px"
    );
}

/// Protects: a face too small for the whole-image detector is still found. The portrait centred
/// on a grey canvas four times its size puts the face at 5 % of the long side, like a phone
/// photo taken from a few metres (the whole-image pass finds nothing below about 8 %); the
/// tiled pass finds it and the eyes and chin land where the padding moved them.
#[test]
fn a_face_at_five_percent_of_the_frame_is_found_where_it_is() {
    let Some((img, base)) = portrait() else {
        return;
    };
    let (w, h) = img.dimensions();
    let (dx, dy) = (3 * w / 2, 3 * h / 2);
    let mut canvas = RgbImage::from_pixel(4 * w, 4 * h, Rgb([128, 128, 128]));
    image::imageops::replace(&mut canvas, img, i64::from(dx), i64::from(dy));
    let fa = analyse(&canvas);
    assert_eq!(fa.faces_found, 1);
    let f = fa.face.expect("face");
    let off = |p: Point| [p[0] + dx as f32, p[1] + dy as f32];
    let tol = 0.02 * face_height(base);
    for (name, b, m) in [
        ("right eye", base.right_eye, f.right_eye),
        ("left eye", base.left_eye, f.left_eye),
        ("chin", base.chin, f.chin),
    ] {
        let e = dist(off(b), m);
        eprintln!("small face {name}: {e:.2} px (tol {tol:.1})");
        assert!(e <= tol, "{name}: {m:?} vs expected {:?}", off(b));
    }
}

/// Protects: coordinates are reported in the photo's own pixels at any resolution — halving
/// the photo halves every measurement.
#[test]
fn scaling_the_photo_scales_the_geometry() {
    let Some((img, base)) = portrait() else {
        return;
    };
    let (w, h) = img.dimensions();
    let small = imageops::resize(img, w / 2, h / 2, Quality::Best);
    let fa = analyse(&small);
    assert_eq!(fa.faces_found, 1);
    let f = fa.face.expect("face");
    let s = |p: Point| [p[0] * 0.5, p[1] * 0.5];
    let tol = 0.02 * face_height(base) * 0.5;
    let pairs = [
        ("right eye", base.right_eye, f.right_eye),
        ("left eye", base.left_eye, f.left_eye),
        ("chin", base.chin, f.chin),
    ];
    for (name, b, m) in pairs {
        let e = dist(s(b), m);
        eprintln!("scale {name}: {e:.2} px (tol {tol:.1})");
        assert!(e <= tol, "{name}: {m:?} vs expected {:?}", s(b));
    }
    let crown = f.crown.expect("crown still visible");
    let e_crown = (crown[1] - base.crown.expect("base crown")[1] * 0.5).abs();
    let e_w = (f.width() - base.width() * 0.5).abs();
    eprintln!("scale crown y {e_crown:.2}, width {e_w:.2} px (tol {tol:.1})");
    assert!(e_crown <= tol, "crown y {}", crown[1]);
    assert!(e_w <= tol, "width {} vs {}", f.width(), base.width() * 0.5);
}

/// Protects: the roll angle and its sign (positive when the subject's left eye, image right, is
/// lower) — rotating the photo by ±6° (+ is clockwise on screen, y down) adds ±6° to
/// `roll_deg`, and the eyes are found where the rotation puts them.
#[test]
fn rotating_the_photo_changes_roll_by_the_angle() {
    let Some((img, base)) = portrait() else {
        return;
    };
    // Both directions: a sign error in roll would pass a one-sided test only by luck.
    for deg in [6.0f32, -6.0] {
        let theta = deg.to_radians();
        let rotated =
            rotate_about_center(img, theta, Interpolation::Bilinear, Rgb([255, 255, 255]));
        // imageproc maps a source point p to c + R(θ)(p − c), R = [[cos, −sin], [sin, cos]].
        let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
        let (s, c) = theta.sin_cos();
        let rot = |p: Point| {
            let (x, y) = (p[0] - cx, p[1] - cy);
            [cx + c * x - s * y, cy + s * x + c * y]
        };
        let fa = analyse(&rotated);
        assert_eq!(fa.faces_found, 1, "rotated {deg}°");
        let f = fa.face.expect("face");
        let d_roll = f.roll_deg - base.roll_deg;
        eprintln!(
            "rotate {deg}°: roll {:.2}° → {:.2}° (Δ {d_roll:.2}°)",
            base.roll_deg, f.roll_deg
        );
        assert!(
            (d_roll - deg).abs() <= 1.5,
            "roll changed by {d_roll:.2}°, want {deg}° ± 1.5°"
        );
        // Turning the picture does not turn the head.
        let d_yaw = f.yaw_deg.unwrap() - base.yaw_deg.unwrap();
        assert!(
            d_yaw.abs() <= 1.5,
            "rotate {deg}°: yaw changed by {d_yaw:.2}°"
        );
        let want = rot(base.eye_mid());
        let e = dist(want, f.eye_mid());
        let tol = 0.02 * face_height(base);
        eprintln!("rotate {deg}° eye midpoint: {e:.2} px (tol {tol:.1})");
        assert!(
            e <= tol,
            "{deg}°: eye midpoint {:?} vs {want:?}",
            f.eye_mid()
        );
    }
}

/// Protects: no face is invented — a plain gradient and the dogs photo give `faces_found` 0
/// and `face` None (so `face.count` fails with "no face", not a bogus geometry).
#[test]
fn no_face_on_a_gradient_or_the_dogs() {
    let gradient = RgbImage::from_fn(600, 800, |x, y| {
        Rgb([(x * 255 / 600) as u8, (y * 255 / 800) as u8, 180])
    });
    let fa = analyse(&gradient);
    assert_eq!(fa.faces_found, 0, "gradient: {fa:?}");
    assert!(fa.face.is_none() && fa.boxes.is_empty());
    let Some(results) = shared_results() else {
        return;
    };
    let (_, dogs) = results
        .iter()
        .find(|(a, _)| a.file == "neg_dogs.jpg")
        .expect("dogs photo annotated");
    assert_eq!(dogs.faces_found, 0, "dogs: {dogs:?}");
    assert!(dogs.face.is_none());
}

/// Protects: two people on one canvas are both counted (two real portraits pasted side by side
/// on white), so a group photo fails `face.count`.
#[test]
fn two_portraits_side_by_side_are_two_faces() {
    let Some((a, _)) = portrait() else {
        return;
    };
    let b = decode("pichai_1.jpg").unwrap();
    let mut canvas = RgbImage::from_pixel(
        a.width() + b.width(),
        a.height().max(b.height()),
        Rgb([255, 255, 255]),
    );
    image::imageops::replace(&mut canvas, a, 0, 0);
    image::imageops::replace(&mut canvas, &b, a.width() as i64, 150);
    let fa = analyse(&canvas);
    assert_eq!(fa.faces_found, 2, "boxes {:?}", fa.boxes);
    assert_eq!(fa.boxes.len(), 2);
    assert!(fa.face.is_some());
}

/// Protects: someone further back, their face too small for the whole-photo detector, is
/// counted too. obama_1 (his face 27 % of that photo's width, in front of flags and curtains)
/// shrunk to 30 % of zuckerberg_1's width and pasted in its top-left corner: his face is 8 %
/// of the canvas width, under the whole-photo pass's limit of about 10 %; the tiles find it
/// (at 18 %, a face of 5 %, it is below their reach too).
#[test]
fn a_smaller_person_further_back_is_a_second_face() {
    let (Some(front), Some(back)) = (decode("zuckerberg_1.jpg"), decode("obama_1.jpg")) else {
        return;
    };
    let w = front.width() * 3 / 10;
    let h = back.height() * w / back.width();
    let small = imageops::resize(&back, w, h, imageops::Quality::Fast);
    let mut canvas = front.clone();
    let at = (front.width() / 50, front.height() / 20);
    image::imageops::replace(&mut canvas, &small, i64::from(at.0), i64::from(at.1));
    let fa = analyse(&canvas);
    let alone = analyse(&front);
    assert_eq!(fa.faces_found, 2, "boxes {:?}", fa.boxes);
    // The face measured is still the one in front, where it was without the second person.
    let (f, a) = (fa.face.unwrap(), alone.face.unwrap());
    assert!((f.left_eye[0] - a.left_eye[0]).abs() < 2.0, "{f:?}");
    // The second box is the small face in the corner.
    let b = fa.boxes[1];
    assert!(
        b[0] < 0.3 * front.width() as f32 && b[2] < 0.1 * front.width() as f32,
        "{b:?}"
    );
    // Stored on its side or upside down, the photo is measured turned upright, and the second
    // person is still counted.
    for degrees in [90, 180] {
        let turned = analyse(&imageops::turned_clockwise(&canvas, degrees));
        assert_eq!(
            turned.faces_found, 2,
            "turned {degrees}°: {:?}",
            turned.boxes
        );
    }
}

/// hv_test0 framed like an ID photo (the face half the frame's width, a plain white wall around
/// the person), obama_1's face (a square a quarter wider than his annotated face) scaled to
/// `frac` of that frame's width, and the eye line's height in the frame.
fn id_frame_and_a_face(frac: f32) -> Option<(RgbImage, RgbImage, u32)> {
    let ((front, alone), other) = (portrait()?, decode("obama_1.jpg")?);
    let notes =
        crate::annotations::load(&testdata().unwrap().join("photos/annotations.csv")).unwrap();
    let o = notes
        .iter()
        .find(|n| n.file == "obama_1.jpg")
        .unwrap()
        .to_face()
        .unwrap();
    let side = 1.25 * o.width();
    let [cx, cy] = [
        (o.face_left_x + o.face_right_x) / 2.0,
        (o.eye_mid()[1] + o.chin[1]) / 2.0,
    ];
    let crop = image::imageops::crop_imm(
        &other,
        (cx - side / 2.0) as u32,
        (cy - side / 2.0).max(0.0) as u32,
        side as u32,
        side as u32,
    )
    .to_image();
    let fw = alone.width();
    let [ex, ey] = alone.eye_mid();
    let (w, h) = ((2.0 * fw) as u32, (2.6 * fw) as u32);
    let x0 = (ex - fw).max(0.0) as u32;
    let y0 = (ey - 1.1 * fw).max(0.0) as u32;
    let framed = image::imageops::crop_imm(
        front,
        x0,
        y0,
        w.min(front.width() - x0),
        h.min(front.height() - y0),
    )
    .to_image();
    let s = (frac * framed.width() as f32 / (o.width() / side)) as u32;
    let small = imageops::resize(&crop, s, s, imageops::Quality::Best);
    Some((framed, small, (ey - y0 as f32) as u32))
}

/// Protects: a second face beside the head of a photo framed like an ID photo (the face half the
/// photo's width, a plain white wall) is counted, as a child's head or a face on a poster
/// beside the applicant is rejected (图片上有多余物体). obama_1's face, 11 % of the frame's width,
/// pasted on the wall beside hv_test0's head at eye height and in the top corner: too small for
/// the whole-photo pass, and the plain wall leaves no busy cell, where alone the tiles once ran
/// (and dropped candidates within the main face's box grown by half): beside the head it was
/// not counted. At 7 % of the width, a sixth of the detector's input only on tiles of 0.45 of
/// the long side, it went unseen on the earlier tiles of 0.57.
#[test]
fn a_second_face_beside_the_head_on_a_plain_wall_is_counted() {
    for frac in [0.11, 0.07] {
        let Some((framed, small, eye_y)) = id_frame_and_a_face(frac) else {
            return;
        };
        assert_eq!(
            analyse(&framed).faces_found,
            1,
            "the frame without a second face"
        );
        let (fw_px, fh_px) = framed.dimensions();
        let s = small.width();
        for (name, at) in [
            ("beside the head", (fw_px - s - 2, eye_y - s / 2)),
            ("top corner", (2, 2)),
        ] {
            let mut canvas = framed.clone();
            image::imageops::replace(&mut canvas, &small, i64::from(at.0), i64::from(at.1));
            let fa = analyse(&canvas);
            assert_eq!(
                fa.faces_found, 2,
                "{frac} {name} ({fw_px}×{fh_px}): {:?}",
                fa.boxes
            );
        }
    }
}

/// Protects: a face the frame's side edge cuts in half (a child's head at the side, a poster
/// half out of the picture) is counted, which the detector alone never does (it needs both
/// eyes); its box is the half inside the frame. obama_1's face, 20 % of the ID frame's width,
/// centred on the left and on the right edge at eye height.
#[test]
fn a_face_cut_in_half_by_the_frame_is_counted() {
    let Some((framed, small, eye_y)) = id_frame_and_a_face(0.2) else {
        return;
    };
    let (fw_px, _) = framed.dimensions();
    let s = i64::from(small.width());
    for (name, x) in [("left", -s / 2), ("right", i64::from(fw_px) - s / 2)] {
        let mut canvas = framed.clone();
        image::imageops::replace(&mut canvas, &small, x, i64::from(eye_y) - s / 2);
        let fa = analyse(&canvas);
        assert_eq!(fa.faces_found, 2, "{name} edge: {:?}", fa.boxes);
        let cut = fa.boxes[1];
        let inside = cut[0] >= 0.0 && cut[0] + cut[2] <= fw_px as f32 + 0.5;
        assert!(inside && cut[2] < 0.7 * s as f32, "{name} edge: {cut:?}");
    }
}

/// Protects: a head cut off at the top edge is reported as such (`crown` None), so
/// `head.top_margin` / `head.inside_frame` fail instead of measuring a false hair top at the
/// edge.
#[test]
fn head_cut_off_at_the_forehead_has_no_crown() {
    let Some((img, base)) = portrait() else {
        return;
    };
    let crown_y = base.crown.expect("base crown")[1];
    let eye_y = base.eye_mid()[1];
    // The top edge passes through the forehead: 40 % of the way from the crown to the eyes.
    let top = (crown_y + 0.4 * (eye_y - crown_y)).round() as u32;
    let cut = image::imageops::crop_imm(img, 0, top, img.width(), img.height() - top).to_image();
    let fa = analyse(&cut);
    assert_eq!(fa.faces_found, 1, "cut at y={top}");
    let f = fa.face.expect("face");
    assert!(f.crown.is_none(), "cut at y={top}: crown {:?}", f.crown);
}

#[test]
fn grey_and_heavily_compressed_photos_keep_their_faces_crowns_and_eyes() {
    // The annotated photos are all well-lit colour photos; people's are not always
    // (examples/robustness.rs has more variants). Grey and JPEG quality 10 once made the crowns
    // of aniston_1 and lacamoire_1, whose hair runs into the top edge, "visible" a few pixels
    // below it.
    let jpeg = |img: &RgbImage| {
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 10)
            .encode_image(img)
            .unwrap();
        image::load_from_memory(&bytes).unwrap().to_rgb8()
    };
    let grey =
        |img: &RgbImage| image::DynamicImage::ImageLuma8(image::imageops::grayscale(img)).to_rgb8();
    let Some(shared) = shared_results() else {
        return;
    };
    for (how, degrade) in [
        ("JPEG quality 10", &jpeg as &dyn Fn(&RgbImage) -> RgbImage),
        ("grey", &grey),
    ] {
        let mut eyes = Vec::new();
        for (a, _) in shared {
            let img = decode(&a.file).unwrap();
            let fa = analyse(&degrade(&img));
            assert!(
                a.faces.accepts(fa.faces_found),
                "{} ({how}): {} faces",
                a.file,
                fa.faces_found
            );
            if !a.is_portrait() {
                continue;
            }
            let f = fa.face.as_ref().expect("face");
            let e = harness::errors(a, f);
            assert!(
                e.crown_visibility_agrees,
                "{} ({how}): crown {:?}, annotated {:?}",
                a.file, f.crown, a.crown
            );
            eyes.extend(e.eyes);
        }
        eyes.sort_by(f32::total_cmp);
        let p95 = percentile(&eyes, 0.95);
        assert!(p95 <= 0.06, "{how}: eyes p95 {p95}");
    }
}

/// Protects the eye centres under red eye: every shared portrait with its pupils painted a
/// flash red (with a catchlight) where the face stage found them keeps its eyes there. The
/// iris model, which knows dark pupils, drifted off red ones (mean error against the
/// annotations 0.027 → 0.040 of the eye distance, `examples/robustness.rs`); it now looks again
/// with the red taken out.
#[test]
fn red_pupils_leave_the_eye_centres_where_they_were() {
    let Some(results) = shared_results() else {
        return;
    };
    let mut drifts = Vec::new();
    for (a, fa) in results.iter().filter(|(a, _)| a.is_portrait()) {
        let before = fa.face.as_ref().unwrap();
        let mut img = decode(&a.file).unwrap();
        let d = before.inter_eye();
        imageops::paint_red_pupils(&mut img, [before.right_eye, before.left_eye], 0.055 * d);
        let after = analyse(&img).face.expect("the face is still found");
        let drift =
            dist(after.right_eye, before.right_eye).max(dist(after.left_eye, before.left_eye)) / d;
        drifts.push((drift, a.file.clone()));
    }
    drifts.sort_by(|x, y| x.0.total_cmp(&y.0));
    let worst = drifts.last().unwrap();
    eprintln!("red-pupil drift (of the eye distance): {drifts:?}");
    assert!(worst.0 <= 0.02, "{} drifted {:.3}", worst.1, worst.0);
}
