//! Real photos from `../shared/data/photos` (or `IDPHOTO_TESTDATA`): every one is judged without
//! error and its file facts are reported correctly; turned copies are told to turn the photo.

use crate::harness::Accepts;
use crate::util::{idphoto, testdata};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

/// `idphoto check PATH` for Dongguan's ID card, JSON, no corrected photo, English hints.
fn check_json(path: &Path) -> (Output, Value) {
    let out = idphoto()
        .arg("check")
        .arg(path)
        .args([
            "--city", "dongguan", "--format", "json", "--no-fix", "--lang", "en",
        ])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (out, report)
}

/// The check `id` of a report.
fn check_of(report: &Value, id: &str) -> Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .clone()
}

#[test]
fn every_shared_photo_is_checked_without_error() {
    let Some(data) = testdata() else { return };
    let photos = data.join("photos");
    let mut names: Vec<_> = std::fs::read_dir(&photos)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    names.sort();
    assert!(names.len() >= 22, "expected the 22 shared photos");
    let rows = crate::annotations::load(&photos.join("annotations.csv")).unwrap();
    for path in names {
        let (out, r) = check_json(&path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert_ne!(r["verdict"], "error", "{name}: {}", r["error"]);
        let check = |id: &str| check_of(&r, id);
        let image = &r["image"];
        // None of the shared photos is 358×441, so each fails honestly.
        if (image["width"].as_u64(), image["height"].as_u64()) != (Some(358), Some(441)) {
            assert_eq!(out.status.code(), Some(1), "{name}");
            assert_eq!(check("file.pixels")["status"], "fail", "{name}");
        }
        // The face stage finds the annotated number of faces (no face on the dogs, two on the
        // pairs, one on every portrait); the face object is null only without a face.
        let found = r["face"]["faces_found"].as_u64().unwrap_or(0) as usize;
        assert_eq!(r["face"].is_null(), found == 0, "{name}: {}", r["face"]);
        if let Some(a) = rows.iter().find(|a| a.file == name) {
            assert!(
                a.faces.accepts(found),
                "{name}: found {found}, want {:?}",
                a.faces
            );
        }
        match name.as_str() {
            "hv_test1.jpg" => {
                assert_eq!(image["format"], "webp");
                assert_eq!(check("file.format")["status"], "fail");
            }
            "hv_test2.jpg" => {
                assert_eq!(image["format"], "png");
                assert_eq!(image["colour_mode"], "rgba32");
                assert_eq!(check("file.colour_mode")["status"], "fail");
            }
            "exif6_zuckerberg_2.jpg" => {
                // Stored rotated; reported upright, the same size as zuckerberg_2.jpg.
                assert_eq!(image["orientation"], 6);
                assert_eq!(
                    (image["width"].as_u64(), image["height"].as_u64()),
                    (Some(1414), Some(1264))
                );
            }
            "hv_test0.jpg" => {
                assert_eq!(
                    (image["width"].as_u64(), image["height"].as_u64()),
                    (Some(576), Some(768))
                );
                assert_eq!(check("file.format")["status"], "pass");
            }
            _ => {}
        }
        // No shared photo has red eye (dark pupils, brown and blue irises, a child's too): the
        // portraits pass eyes.red, the others have no single face to judge.
        let red = check("eyes.red");
        let want = if found == 1 { "pass" } else { "na" };
        assert_eq!(red["status"], want, "{name}: {red}");
        // head.yaw: dorsey_1 looks past the camera (turned ~14° to his right, his eyes 0.18
        // half-widths off the face's middle); hv_test4 and rudd_1 face it squarely.
        let yaw = check("head.yaw");
        match name.as_str() {
            "dorsey_1.jpg" => {
                assert_eq!(yaw["status"], "fail", "{name}: {yaw}");
                let hint = yaw["hint"].as_str().unwrap();
                assert!(
                    hint.contains("turn your head slightly to your left"),
                    "{hint}"
                );
            }
            "hv_test4.jpg" | "rudd_1.jpg" => assert_eq!(yaw["status"], "pass", "{name}: {yaw}"),
            "neg_dogs.jpg" | "neg_two_people.jpg" | "neg_two_people_2.jpg" => {
                assert_eq!(yaw["status"], "na", "{name}")
            }
            _ => {}
        }
    }
}

/// Protects: a photo saved upside down or on its side (no EXIF orientation) is told to turn the
/// photo, in head.roll's hint and as crop.possible's only problem, not to tilt the head.
#[test]
fn a_turned_photo_is_told_to_turn_the_photo() {
    let Some(data) = testdata() else { return };
    let img = image::open(data.join("photos/hv_test0.jpg"))
        .unwrap()
        .to_rgb8();
    let dir = tempfile::tempdir().unwrap();
    let (_, upright) = check_json(&data.join("photos/hv_test0.jpg"));
    for (name, turned, hint) in [
        (
            "upside_down.png",
            image::imageops::rotate180(&img),
            "upside down: rotate it 180°",
        ),
        (
            "on_its_side.png",
            image::imageops::rotate90(&img),
            "on its side: rotate it 90° counter-clockwise",
        ),
    ] {
        let path = dir.path().join(name);
        turned.save(&path).unwrap();
        let (_, r) = check_json(&path);
        let check = |id: &str| check_of(&r, id);
        assert_eq!(r["face"]["faces_found"], 1, "{name}");
        let roll = check("head.roll");
        assert_eq!(roll["status"], "fail", "{name}");
        assert!(
            roll["hint"].as_str().unwrap().contains(hint),
            "{name}: {roll}"
        );
        // Margins along the photo's edges are not the head's until it is turned.
        assert_eq!(check("head.inside_frame")["status"], "na", "{name}");
        let crop = check("crop.possible");
        assert_eq!(crop["status"], "fail", "{name}");
        let why = crop["measured"]["text"].as_str().unwrap();
        assert!(!why.contains(';'), "{name}: one problem only: {why}");
        // The wall is judged as it is upright (the person segmented turned upright: as the
        // photo lay, the mask missed him and his suit read as clutter, 0.87), and what needs
        // the face's upright layout says to turn the photo, not that there is no face.
        for id in [
            "background.colour",
            "background.uniformity",
            "background.clutter",
        ] {
            assert_eq!(
                check(id)["status"],
                check_of(&upright, id)["status"],
                "{name}: {id}"
            );
        }
        for id in ["exposure.brightness", "colour.cast", "background.shadow"] {
            let hint = check(id)["hint"].as_str().unwrap_or_default().to_owned();
            assert!(hint.contains("not upright"), "{name}: {id}: {hint}");
        }
    }
}

/// Protects: a photo stored on its side or upside down still gets its corrected photo, made
/// from the photo turned upright, and it is the corrected photo of the upright original (the
/// analysis of the turned pixels is the analysis of the original ones).
#[test]
fn a_turned_photo_gets_the_corrected_photo_of_the_upright_one() {
    let Some(data) = testdata() else { return };
    let img = image::open(data.join("photos/hv_test0.jpg"))
        .unwrap()
        .to_rgb8();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut corrected = Vec::new();
    for (name, stored, turned) in [
        ("upright", img.clone(), Value::Null),
        ("cw", image::imageops::rotate90(&img), Value::from(270)),
        ("half", image::imageops::rotate180(&img), Value::from(180)),
        ("ccw", image::imageops::rotate270(&img), Value::from(90)),
    ] {
        let path = dir.path().join(format!("{name}.png"));
        stored.save(&path).unwrap();
        let run = idphoto()
            .arg("check")
            .arg(&path)
            .args(["--city", "dongguan", "--format", "json", "--out-dir"])
            .arg(&out)
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(r["correction"]["status"], "written", "{name}: {r}");
        assert_eq!(r["correction"]["turned_deg"], turned, "{name}");
        let written = image::open(out.join(format!("{name}.dongguan.jpg")))
            .unwrap()
            .to_rgb8();
        assert_eq!(written.dimensions(), (358, 441), "{name}");
        corrected.push((name, written));
    }
    let (_, upright) = &corrected[0];
    for (name, other) in &corrected[1..] {
        let diff: u64 = upright
            .as_raw()
            .iter()
            .zip(other.as_raw())
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        let mean = diff as f64 / upright.as_raw().len() as f64;
        assert!(
            mean < 1.0,
            "{name}: differs from the upright correction by {mean}"
        );
    }
}

/// A person reading the Chinese report should meet no English sentence in it: the measured
/// and required columns, the hints and the official reasons are all Chinese. What is left in
/// Latin letters is names: check ids, formats, units, hex colours, `idphoto`.
#[test]
fn a_chinese_report_has_no_english_words_in_its_rows() {
    let Some(data) = testdata() else { return };
    let out = idphoto()
        .arg("check")
        .arg(data.join("photos"))
        .args([
            "--city", "dongguan", "--no-fix", "--lang", "zh", "--color", "never", "-q",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    const NAMES: [&str; 10] = [
        "idphoto", "dpi", "jpeg", "png", "webp", "bmp", "tiff", "gif", "rgb", "cmyk",
    ];
    let mut rows = 0;
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some("PASS" | "WARN" | "FAIL" | "N/A") = fields.next() else {
            continue;
        };
        rows += 1;
        let _check_id = fields.next();
        let rest: Vec<&str> = fields.collect();
        let english: Vec<String> = rest
            .join(" ")
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .map(str::to_ascii_lowercase)
            .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_lowercase()))
            .filter(|w| !NAMES.contains(&w.as_str()))
            .filter(|w| !w.chars().all(|c| c.is_ascii_hexdigit()))
            .collect();
        assert!(english.is_empty(), "English {english:?} in: {line}");
    }
    assert!(rows >= 22 * 30, "every photo's rows were read ({rows})");
    // Scripts keep the English `text` whatever --lang says; the hint follows --lang.
    let out = idphoto()
        .arg("check")
        .arg(data.join("photos/hv_test0.jpg"))
        .args([
            "--city", "dongguan", "--no-fix", "--lang", "zh", "--format", "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let eyes = check_of(&r, "eyes.open");
    let text = eyes["measured"]["text"].as_str().unwrap();
    assert!(text.contains(" open (right "), "{text}");
    let roll = check_of(&r, "head.roll");
    assert!(
        roll["hint"].as_str().unwrap().contains("头部歪了"),
        "{roll}"
    );
}

/// A corrected photo made from a busy backdrop says to look at its hair edges (a letter of
/// siegel_1's logo wall stays beside her head, the matte takes it for hair); one made from a
/// plain wall says nothing of the kind.
#[test]
fn a_busy_backdrop_cautions_the_corrected_photo_and_a_plain_wall_does_not() {
    let Some(data) = testdata() else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let photos = data.join("photos");
    let out = idphoto()
        .arg("check")
        .args([photos.join("siegel_1.jpg"), photos.join("pichai_1.jpg")])
        .args(["--city", "dongguan", "--format", "json", "--lang", "en"])
        .arg("--out-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let cautions = |i: usize| -> Vec<String> {
        let c = &reports[i]["correction"];
        assert_eq!(c["status"], "written", "{}", reports[i]["file"]);
        c["cautions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        check_of(&reports[0], "background.clutter")["status"],
        "fail"
    );
    assert_eq!(cautions(0), ["busy_background"]);
    assert_eq!(
        check_of(&reports[1], "background.clutter")["status"],
        "pass"
    );
    assert!(cautions(1).is_empty());
}

/// The passport sizes the whole head (头部宽度, hair included): short-haired portraits get a
/// corrected photo whose head width and length both sit in their bands, and full hair over the
/// ears, which makes the head too wide for its length, is named instead of a photo.
#[test]
fn a_passport_photo_is_sized_by_the_whole_head() {
    let Some(data) = testdata() else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let photos = data.join("photos");
    let names = ["zuckerberg_1.jpg", "obama_1.jpg", "siegel_1.jpg"];
    let out = idphoto()
        .arg("check")
        .args(names.map(|n| photos.join(n)))
        .args([
            "--city", "dongguan", "--doc", "passport", "--format", "json",
        ])
        .arg("--out-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for r in &reports[..2] {
        let c = &r["correction"];
        assert_eq!(c["status"], "written", "{}: {}", r["file"], c);
        let geometry = c["geometry"].as_array().unwrap();
        for rule in [
            "face_width_px",
            "head_height_px",
            "top_margin_px",
            "eye_from_top_px",
        ] {
            let g = geometry.iter().find(|g| g["rule"] == rule).unwrap();
            assert_eq!(g["ok"], true, "{}: {g}", r["file"]);
        }
        // The whole head, not the cheeks: wider than the face by the hair and the temples.
        let face = &r["face"];
        let head =
            face["head"]["right_x"].as_f64().unwrap() - face["head"]["left_x"].as_f64().unwrap();
        let cheeks = face["face_right_x"].as_f64().unwrap() - face["face_left_x"].as_f64().unwrap();
        assert!(
            (1.05..1.6).contains(&(head / cheeks)),
            "{}: {head} / {cheeks}",
            r["file"]
        );
    }
    let siegel = &reports[2]["correction"];
    assert_eq!(siegel["status"], "not_possible", "{siegel}");
    assert_eq!(siegel["problems"][0]["id"], "hair_too_wide", "{siegel}");
}

/// A crown a few pixels below the top edge is visible, not cut off: zuckerberg_1 cut so that
/// its hair (from row 56 of the shared photo, against a white wall) ends 4 px below the edge
/// reads its crown there, and the corrected photo completes the canvas above it with the new
/// background. Hair running into the edge stays cut off.
#[test]
fn a_crown_a_few_pixels_below_the_top_edge_gets_a_photo() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let photo = image::open(data.join("photos/zuckerberg_1.jpg"))
        .unwrap()
        .to_rgb8();
    let (w, h) = photo.dimensions();
    let near = dir.path().join("near.png");
    let cut = dir.path().join("cut.png");
    image::imageops::crop_imm(&photo, 0, 52, w, h - 52)
        .to_image()
        .save(&near)
        .unwrap();
    image::imageops::crop_imm(&photo, 0, 70, w, h - 70)
        .to_image()
        .save(&cut)
        .unwrap();
    let out = idphoto()
        .arg("check")
        .args([&near, &cut])
        .args(["--city", "dongguan", "--format", "json"])
        .arg("--out-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let crown = reports[0]["face"]["crown"][1]
        .as_f64()
        .expect("a visible crown");
    assert!((1.0..8.0).contains(&crown), "{crown}");
    assert_eq!(check_of(&reports[0], "head.inside_frame")["status"], "pass");
    assert_eq!(
        reports[0]["correction"]["status"], "written",
        "{}",
        reports[0]["correction"]
    );
    assert!(
        reports[1]["face"]["crown"].is_null(),
        "{}",
        reports[1]["face"]
    );
    assert_eq!(
        reports[1]["correction"]["problems"][0]["id"],
        "head_cut_off"
    );
}
