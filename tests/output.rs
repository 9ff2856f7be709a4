//! End-to-end tests of the corrected photo's file handling: default name beside the input,
//! --out, --out-dir, --no-fix, --force, never the input, no temp files, no metadata, JSON. The
//! input photos fail their check (exit 1) while their corrected photo is written.

use crate::util::{idphoto, testdata};

/// A temp folder holding a copy of hv_test0.jpg (a photo that can be corrected) and the
/// annotations, so outputs land in the temp folder.
fn setup() -> Option<(tempfile::TempDir, std::path::PathBuf, std::path::PathBuf)> {
    let data = testdata()?;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("hv_test0.jpg");
    std::fs::copy(data.join("photos/hv_test0.jpg"), &photo).unwrap();
    Some((dir, photo, data.join("photos/annotations.csv")))
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn default_output_is_written_beside_the_input_and_reported() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let out = idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--format", "json", "--faces-from"])
        .arg(&csv)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = dir.path().join("hv_test0.dongguan.jpg");
    assert_eq!(r["output"], expected.display().to_string());
    assert_eq!(r["correction"]["status"], "written");
    assert!(r["correction"]["jpeg_quality"].as_u64().is_some());
    assert_eq!(names(dir.path()), ["hv_test0.dongguan.jpg", "hv_test0.jpg"]);
    // The output passes its own check: every dimension, file, geometry and background check
    // (exposure may still fail: this input's face is over-lit, which no gentle fix hides).
    let again = idphoto()
        .arg("check")
        .arg(&expected)
        .args(["--city", "dongguan", "--no-fix", "--format", "json"])
        .output()
        .unwrap();
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let broken: Vec<&str> = again["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .filter_map(|c| c["id"].as_str())
        .filter(|id| idphoto::dev::correct::is_invariant(id, true))
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
    assert_eq!(
        again["face"]["faces_found"], 1,
        "the output's face is found again"
    );
    // The report gives the face in output coordinates too, and the fresh detection on the
    // written photo lands on the same points (within the detector's few-pixel noise).
    let canvas = &r["correction"]["face"];
    let num = |v: &serde_json::Value| v.as_f64().unwrap();
    for eye in ["left_eye", "right_eye"] {
        for k in 0..2 {
            let (mapped, found) = (num(&canvas[eye][k]), num(&again["face"][eye][k]));
            assert!(
                (mapped - found).abs() < 6.0,
                "{eye}[{k}]: {mapped} vs {found}"
            );
        }
    }
    let width = num(&canvas["face_right_x"]) - num(&canvas["face_left_x"]);
    let rule = r["correction"]["geometry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["rule"] == "face_width_px")
        .unwrap();
    assert!(
        (width - num(&rule["value_px"])).abs() < 0.5,
        "{width} vs {rule}"
    );
    // Human report names the output, its quality and size.
    let dir2 = tempfile::tempdir().unwrap();
    let human = idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--faces-from"])
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir2.path())
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("corrected photo:") && text.contains("JPEG Q") && text.contains(" KB)"),
        "{text}"
    );
}

#[test]
fn out_and_out_dir_choose_the_destination_and_no_fix_writes_nothing() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let target = dir.path().join("mine.jpg");
    idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--faces-from"])
        .arg(&csv)
        .arg("--out")
        .arg(&target)
        .assert()
        .code(1);
    assert!(target.is_file());
    // A missing --out-dir is made, parents included, as `mkdir -p` would.
    let sub = dir.path().join("new").join("sub");
    idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--faces-from"])
        .arg(&csv)
        .arg("--out-dir")
        .arg(&sub)
        .assert()
        .code(1);
    assert_eq!(names(&sub), ["hv_test0.dongguan.jpg"]);
    // A file where the folder should be is an error, and nothing is checked.
    idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--out-dir"])
        .arg(&target)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a folder"));
    let before = names(dir.path());
    idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--no-fix", "--faces-from"])
        .arg(&csv)
        .assert()
        .code(1);
    assert_eq!(names(dir.path()), before, "--no-fix writes nothing");
}

#[test]
fn existing_output_needs_force_and_the_input_is_never_overwritten() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let original = std::fs::read(&photo).unwrap();
    let dest = dir.path().join("hv_test0.dongguan.jpg");
    std::fs::write(&dest, b"keep me").unwrap();
    let out = idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--faces-from"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--force"));
    assert_eq!(std::fs::read(&dest).unwrap(), b"keep me");
    idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--force", "--faces-from"])
        .arg(&csv)
        .assert()
        .code(1);
    assert_ne!(std::fs::read(&dest).unwrap(), b"keep me");
    // --out pointing at the input, even with --force.
    let out = idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--force", "--faces-from"])
        .arg(&csv)
        .arg("--out")
        .arg(&photo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("never overwrites its input"));
    assert_eq!(std::fs::read(&photo).unwrap(), original);
    assert_eq!(
        names(dir.path()),
        ["hv_test0.dongguan.jpg", "hv_test0.jpg"],
        "no temp files left"
    );
}

#[test]
fn photo_without_a_compliant_crop_gets_no_output_and_a_reason() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("aniston_1.jpg");
    std::fs::copy(data.join("photos/aniston_1.jpg"), &photo).unwrap();
    let out = idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--format", "json", "--faces-from"])
        .arg(data.join("photos/annotations.csv"))
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["output"], serde_json::Value::Null);
    assert_eq!(r["correction"]["status"], "not_possible");
    assert_eq!(r["correction"]["problems"][0]["id"], "head_cut_off");
    assert_eq!(
        r["correction"]["problems"][0]["official_reason"],
        "整体偏上"
    );
    assert_eq!(names(dir.path()), ["aniston_1.jpg"]);
}

/// A JPEG with an EXIF APP1 holding a GPS IFD (latitude ref "N"), built by hand.
fn jpeg_with_gps(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
    // IFD0: one entry, GPSInfo (0x8825) LONG → offset 26.
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD at 26: one entry, GPSLatitudeRef (1) ASCII count 2 "N\0".
    tiff.extend_from_slice(&[0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn gps_in_the_input_never_reaches_the_output() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let with_gps = jpeg_with_gps(&std::fs::read(&photo).unwrap());
    std::fs::write(&photo, with_gps).unwrap();
    let r: serde_json::Value = serde_json::from_slice(
        &idphoto()
            .arg("check")
            .arg(&photo)
            .args(["--city", "dongguan", "--format", "json", "--no-fix"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(r["image"]["has_gps"], true, "the fixture carries GPS");
    idphoto()
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--faces-from"])
        .arg(&csv)
        .assert()
        .code(1);
    let out = dir.path().join("hv_test0.dongguan.jpg");
    let r: serde_json::Value = serde_json::from_slice(
        &idphoto()
            .arg("check")
            .arg(&out)
            .args(["--city", "dongguan", "--format", "json", "--no-fix"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        (
            r["image"]["has_exif"].clone(),
            r["image"]["has_gps"].clone()
        ),
        (false.into(), false.into())
    );
}

#[test]
fn out_with_several_inputs_is_a_usage_error() {
    idphoto()
        .args([
            "check", "a.jpg", "b.jpg", "--city", "dongguan", "--out", "x.jpg",
        ])
        .assert()
        .code(2);
}

/// A head shot against a saturated blue wall: the segmentation mask fades over several pixels
/// of plain wall around the head, and those pixels must become the new white, not a light-blue
/// rim (measured: about 1500 light bluish pixels with the rim, 179 without; the rest is shirt).
/// The social-security card: its face-width range (179–255 px) leaves a crop with room below
/// this close head shot, where the ID card's 207±14 px runs out of shoulders.
#[test]
fn a_blue_backdrop_leaves_no_blue_rim_around_the_head() {
    let Some(data) = testdata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    idphoto()
        .arg("check")
        .arg(data.join("photos/pichai_2.jpg"))
        .args(["--city", "dongguan", "--doc", "social-security-card"])
        .args(["--quiet", "--out-dir"])
        .arg(dir.path())
        .assert()
        .code(1);
    let out = image::open(
        dir.path()
            .join("pichai_2.dongguan.social-security-card.jpg"),
    )
    .unwrap()
    .to_rgb8();
    let bluish = out
        .pixels()
        .filter(|p| {
            let [l, _, b] = idphoto::dev::colour::srgb_to_lab(p.0);
            l > 75.0 && b < -6.0
        })
        .count();
    assert!(bluish < 400, "{bluish} light bluish pixels");
}

/// Protects the report's honesty about what a correction cannot fix: obama_1 smiles showing his
/// teeth, so `mouth.closed` fails; the corrected photo is still written (framing, size, file)
/// and the report lists `mouth.closed` as still failing, in JSON and in the human text.
#[test]
fn a_corrected_photo_of_a_broad_smile_says_it_still_fails_the_mouth_check() {
    let Some(data) = testdata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = idphoto()
        .arg("check")
        .arg(data.join("photos/obama_1.jpg"))
        .args(["--city", "dongguan", "--format", "json", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mouth = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "mouth.closed")
        .unwrap();
    assert_eq!(mouth["status"], "fail", "{mouth}");
    assert_eq!(mouth["official_reason"], "不能露齿");
    let c = &r["correction"];
    assert_eq!(c["status"], "written", "{c}");
    assert_eq!(
        c["still_failing"],
        serde_json::json!(["mouth.closed"]),
        "{c}"
    );
    assert!(dir.path().join("obama_1.dongguan.jpg").is_file());

    let human = idphoto()
        .arg("check")
        .arg(data.join("photos/obama_1.jpg"))
        .args(["--city", "dongguan", "--force", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("the corrected photo still fails mouth.closed"),
        "{text}"
    );
}
