//! End-to-end tests of the `idphoto` command: file-level checks, bad input, specs, JSON, exit codes.

use crate::util::{compliant_id_jpeg, idphoto, jpeg_bytes, textured, write};
use predicates::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The JSON schema, mirrored strictly: a renamed or dropped field fails deserialisation here.
// Every field is listed to pin the schema, even those no test reads.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReport {
    schema: u32,
    file: String,
    spec: String,
    verdict: String,
    checks: Vec<JsonCheck>,
    image: Option<serde_json::Value>,
    output: Option<String>,
    correction: Option<serde_json::Value>,
    error: Option<String>,
    error_hint: Option<String>,
    #[serde(default)]
    face: Option<serde_json::Value>,
    not_judged: Vec<JsonUnjudged>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonUnjudged {
    id: String,
    what: String,
    official_reason: String,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonCheck {
    id: String,
    status: String,
    measured: Option<serde_json::Value>,
    required: Option<serde_json::Value>,
    hint: Option<String>,
    official_reason: Option<String>,
}

fn check_json(path: &std::path::Path, extra: &[&str]) -> (JsonReport, i32) {
    let out = idphoto()
        .arg("check")
        .arg(path)
        .args(["--city", "dongguan", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let report: JsonReport = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (report, out.status.code().unwrap())
}

fn statuses(r: &JsonReport) -> BTreeMap<&str, &str> {
    r.checks
        .iter()
        .map(|c| (c.id.as_str(), c.status.as_str()))
        .collect()
}

#[test]
fn compliant_file_passes_every_file_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ok.jpg", &compliant_id_jpeg());
    let (r, code) = check_json(&path, &[]);
    let s = statuses(&r);
    for id in [
        "file.format",
        "file.pixels",
        "file.aspect",
        "file.dpi",
        "file.colour_mode",
        "file.kb",
    ] {
        assert_eq!(s[id], "pass", "{id}: {r:?}");
    }
    assert_eq!(r.schema, 1);
    assert_eq!(r.spec, "dongguan/id-card");
    assert!(r.error.is_none() && r.output.is_none());
    // Later stages (face, background) judge this synthetic picture; the file rules are what
    // this test protects, so the exit code only has to agree with the verdict.
    assert_eq!(code, if r.verdict == "pass" { 0 } else { 1 });
}

#[test]
fn each_file_rule_fails_on_its_own_defect() {
    let dir = tempfile::tempdir().unwrap();
    let img = textured(358, 441, 14);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wrong-size.jpg",
            jpeg_bytes(&textured(400, 500, 14), 60, Some(350)),
            "file.pixels",
        ),
        ("no-dpi.jpg", jpeg_bytes(&img, 60, None), "file.dpi"),
        ("wrong-dpi.jpg", jpeg_bytes(&img, 60, Some(300)), "file.dpi"),
        (
            "huge.jpg",
            jpeg_bytes(&textured(358, 441, 80), 100, Some(350)),
            "file.kb",
        ),
    ];
    for (name, bytes, failing) in cases {
        let path = write(dir.path(), name, &bytes);
        let (r, code) = check_json(&path, &[]);
        assert_eq!(statuses(&r)[failing], "fail", "{name}: {r:?}");
        assert_eq!(code, 1, "{name}");
        let c = r.checks.iter().find(|c| c.id == failing).unwrap();
        assert!(
            c.hint.as_deref().is_some_and(|h| !h.is_empty()),
            "{name} has a hint"
        );
        assert!(c.measured.is_some() && c.required.is_some());
    }
}

#[test]
fn wrong_aspect_fails_aspect() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "wide.jpg",
        &jpeg_bytes(&textured(441, 441, 10), 60, Some(350)),
    );
    let (r, _) = check_json(&path, &[]);
    assert_eq!(statuses(&r)["file.aspect"], "fail");
}

#[test]
fn png_named_jpg_is_read_by_content_and_fails_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut png = Vec::new();
    textured(358, 441, 5)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let path = write(dir.path(), "photo.jpg", &png);
    let (r, code) = check_json(&path, &[]);
    assert_eq!(statuses(&r)["file.format"], "fail");
    assert_eq!(statuses(&r)["file.pixels"], "pass");
    assert_eq!(r.image.as_ref().unwrap()["format"], "png");
    assert_eq!(code, 1);
}

#[test]
fn grayscale_and_alpha_fail_colour_mode() {
    let dir = tempfile::tempdir().unwrap();
    let gray = image::DynamicImage::ImageRgb8(textured(358, 441, 10)).into_luma8();
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 70)
        .encode_image(&gray)
        .unwrap();
    let (r, _) = check_json(&write(dir.path(), "gray.jpg", &bytes), &[]);
    assert_eq!(statuses(&r)["file.colour_mode"], "fail");
    assert_eq!(r.image.as_ref().unwrap()["colour_mode"], "gray8");

    let rgba = image::DynamicImage::ImageRgb8(textured(358, 441, 10)).into_rgba8();
    let mut png = Vec::new();
    rgba.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let (r, _) = check_json(&write(dir.path(), "alpha.png", &png), &[]);
    assert_eq!(statuses(&r)["file.colour_mode"], "fail");
}

#[test]
fn bad_inputs_are_clear_errors_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = compliant_id_jpeg();
    // A JPEG whose frame header claims 60000×60000: refused before any pixel is allocated.
    let mut bomb = good.clone();
    let sof = bomb
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline JPEG");
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.jpg", Vec::new(), "empty"),
        (
            "IMG_0002.jpg",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic and the rest".to_vec(),
            "heic photo",
        ),
        (
            "text.jpg",
            b"just some text, not a photo".to_vec(),
            "not an image",
        ),
        (
            "corrupt.jpg",
            [&good[..200], &[0u8; 300][..]].concat(),
            "cannot decode",
        ),
        ("truncated.jpg", good[..good.len() / 2].to_vec(), "jpeg"),
        ("bomb.jpg", bomb, "60000×60000"),
    ];
    for (name, bytes, message) in cases {
        let path = write(dir.path(), name, &bytes);
        let (r, code) = check_json(&path, &[]);
        assert_eq!(r.verdict, "error", "{name}");
        assert_eq!(code, 2, "{name}");
        let err = r.error.unwrap();
        assert!(err.contains(name), "{name}: {err}");
        assert!(r.error_hint.is_some(), "{name}: a hint on what to do");
        assert!(err.to_lowercase().contains(message), "{name}: {err}");
        // The input is never modified.
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} untouched");
    }
}

#[test]
fn missing_file_and_directory_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    idphoto()
        .args(["check", "--city", "dongguan"])
        .arg(dir.path().join("nope.jpg"))
        .assert()
        .code(2)
        .stdout(predicate::str::contains("nope.jpg"))
        .stdout(predicate::str::contains("ERROR"));
    idphoto()
        .args(["check", "--city", "dongguan"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no photos found in"));
}

#[test]
fn unknown_city_lists_known_and_nearest() {
    idphoto()
        .args(["check", "x.jpg", "--city", "dongguang"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown city \"dongguang\""))
        .stderr(predicate::str::contains("did you mean \"dongguan\""));
}

/// Someone outside Guangdong asks for their own city: no far-fetched "did you mean", and a
/// hint, in their language, that the national spec applies anywhere.
#[test]
fn a_city_outside_the_library_points_to_the_national_spec() {
    idphoto()
        .args(["check", "x.jpg", "--city", "北京", "--lang", "zh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown city \"北京\""))
        .stderr(predicate::str::contains("did you mean").not())
        .stderr(predicate::str::contains("建议:").and(predicate::str::contains("--city china")));
    idphoto()
        .args(["check", "x.jpg", "--city", "beijing", "--lang", "en"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("hint:").and(predicate::str::contains("--city china")));
}

#[test]
fn path_like_city_is_rejected() {
    idphoto()
        .args(["check", "x.jpg", "--city", "../../etc/passwd"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("path separators"));
}

#[test]
fn city_accepts_chinese_name_and_any_case() {
    for city in ["东莞", "DONGGUAN", "Dongguan"] {
        idphoto()
            .args(["specs", "show", city])
            .assert()
            .success()
            .stdout(predicate::str::starts_with("# dongguan/id-card"));
    }
}

#[test]
fn usage_error_exits_2() {
    idphoto().args(["check", "x.jpg"]).assert().code(2);
    idphoto()
        .args(["check", "x.jpg", "--city", "dongguan", "--format", "xml"])
        .assert()
        .code(2);
}

fn spec_error(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "city.toml", body.as_bytes());
    let out = idphoto()
        .args(["specs", "show", "testcity", "--spec"])
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{body}");
    String::from_utf8(out.stderr).unwrap()
}

const CITY_HEAD: &str = "[city]\nid = \"testcity\"\nname_zh = \"测试\"\nname_en = \"Test\"\n";

#[test]
fn every_spec_error_names_file_key_and_line() {
    let cases = [
        (format!("{CITY_HEAD}[documents.id-card\n"), "city.toml:5", "invalid table header"),
        (format!("{CITY_HEAD}colour = \"red\"\n"), "city.toml:5", "unknown field `colour`"),
        (format!("{CITY_HEAD}[documents.id-card.canvas]\nwidth_px = \"wide\"\n"), "city.toml:6", "invalid type"),
        (format!("{CITY_HEAD}[documents.id-card.head]\nface_width_px = [230.0, 200.0]\n"), "city.toml:6", "min 230 above max 200"),
        (format!("{CITY_HEAD}[documents.id-card.head]\nface_width_px = [100.0, 400.0]\n"), "city.toml:6", "wider than the canvas"),
        (format!("{CITY_HEAD}[documents.id-card.head]\neye_to_bottom_min_px = 430.0\n"), "city.toml:6", "hair-top band"),
        (format!("{CITY_HEAD}[documents.id-card]\nextends = \"no-such-base\"\n"), "city.toml:6", "names no base spec"),
        (format!("{CITY_HEAD}[documents.id-card.file]\nkb = [200.0, 300.0]\nkb_hard = [200.0, 300.0]\n"), "city.toml:6", "cannot be reached"),
    ];
    for (body, location, message) in cases {
        let err = spec_error(&body);
        assert!(err.contains(location), "want {location} in: {err}");
        assert!(err.contains(message), "want {message:?} in: {err}");
    }
}

#[test]
fn inheritance_cycle_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.toml",
        b"id = \"loop-a\"\nextends = \"loop-b\"\n",
    );
    write(
        dir.path(),
        "b.toml",
        b"id = \"loop-b\"\nextends = \"loop-a\"\n",
    );
    write(
        dir.path(),
        "c.toml",
        format!("{CITY_HEAD}[documents.loop-a]\n").as_bytes(),
    );
    idphoto()
        .args([
            "specs",
            "show",
            "testcity",
            "--doc",
            "loop-a",
            "--specs-dir",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cycle: testcity/loop-a -> loop-a -> loop-b -> loop-a",
        ));
}

#[test]
fn specs_dir_from_environment_adds_a_city() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.toml",
        format!("{CITY_HEAD}[documents.id-card]\n").as_bytes(),
    );
    idphoto()
        .env("IDPHOTO_SPECS_DIR", dir.path())
        .args(["specs", "show", "测试"])
        .assert()
        .success()
        .stdout(predicate::str::contains("width_px = 358"));
}

#[test]
fn specs_list_shows_dongguan_in_table_and_json() {
    idphoto()
        .args(["specs", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("dongguan/id-card"))
        .stdout(predicate::str::contains("358×441 px @350 dpi"));
    let out = idphoto()
        .args(["specs", "list", "--format", "json"])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let dg = rows
        .iter()
        .find(|r| r["spec"] == "dongguan/id-card")
        .unwrap();
    assert_eq!(
        (dg["width_px"].as_u64(), dg["height_px"].as_u64()),
        (Some(358), Some(441))
    );
}

#[test]
fn specs_show_prints_resolved_toml_that_parses() {
    let out = idphoto()
        .args(["specs", "show", "dongguan", "--doc", "身份证"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(table["canvas"]["width_px"].as_integer(), Some(358));
    assert_eq!(table["head"]["face_width_px"][0].as_float(), Some(193.0));
    assert!(
        table["sources"].as_array().unwrap().len() >= 2,
        "sources accumulate along the chain"
    );
}

#[test]
fn human_report_has_no_colour_when_piped_and_hints_in_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "p.jpg",
        &jpeg_bytes(&textured(400, 500, 14), 60, None),
    );
    let out = idphoto()
        .arg("check")
        .arg(&path)
        .args(["--city", "dongguan", "--lang", "zh"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\x1b'),
        "no ANSI escapes when not a terminal"
    );
    assert!(text.contains("照片须为 358×441 像素"), "{text}");
    let out = idphoto()
        .arg("check")
        .arg(&path)
        .args(["--city", "dongguan", "--lang", "en", "--color", "always"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\x1b[1;31mFAIL"), "{text}");
    assert!(text.contains("the photo must be 358×441 px"));
}

#[test]
fn json_hints_follow_lang() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "p.jpg",
        &jpeg_bytes(&textured(400, 500, 14), 60, None),
    );
    let pixels_hint = |lang: &str| {
        let (report, _) = check_json(&path, &["--lang", lang]);
        let check = report.checks.into_iter().find(|c| c.id == "file.pixels");
        check.and_then(|c| c.hint).unwrap()
    };
    let hint = pixels_hint("zh");
    assert!(hint.contains("像素"), "{hint}");
    let hint = pixels_hint("en");
    assert!(hint.contains("px"), "{hint}");
}

#[test]
fn specs_list_json_shows_every_guangdong_city_and_document() {
    let out = idphoto()
        .args(["specs", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let cities: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["city"].as_str()).collect();
    assert_eq!(
        cities.len(),
        22,
        "21 Guangdong cities plus china: {cities:?}"
    );
    let passport = rows
        .iter()
        .find(|r| r["spec"] == "shenzhen/passport")
        .unwrap();
    assert_eq!(passport["doc_zh"], "普通护照");
    assert_eq!(
        (
            passport["width_px"].as_u64(),
            passport["height_px"].as_u64()
        ),
        (Some(390), Some(567))
    );
    assert!(rows.iter().any(|r| r["spec"] == "china/exam-cet"));
}

#[test]
fn doc_accepts_chinese_and_english_names() {
    for (doc, key) in [
        ("护照", "# guangzhou/passport"),
        ("港澳通行证", "# guangzhou/hk-macau-permit"),
        ("Driving licence", "# guangzhou/driving-licence"),
    ] {
        idphoto()
            .args(["specs", "show", "广州", "--doc", doc])
            .assert()
            .success()
            .stdout(predicate::str::starts_with(key));
    }
}

// Issue 23 regression tests

/// Runs `idphoto check` on one path, killed after `secs` seconds (a hang fails the test instead
/// of stalling the suite).
fn check_within(path: &std::path::Path, secs: u64) -> std::process::Output {
    idphoto()
        .arg("check")
        .arg(path)
        .args(["-c", "dongguan", "--no-fix"])
        .timeout(std::time::Duration::from_secs(secs))
        .output()
        .unwrap()
}

fn mknod(path: &std::path::Path, args: &[&str]) -> bool {
    std::process::Command::new("mknod")
        .arg(path)
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

/// Issue 23, defect 5: a FIFO named explicitly waited forever for a writer; a character
/// device (`/dev/zero`, or one named `z.jpg`) was read without end, to gigabytes.
#[test]
fn issue23_a_fifo_or_device_named_as_a_photo_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("p.jpg");
    assert!(mknod(&fifo, &["p"]), "mkfifo");
    let mut cases = vec![fifo, "/dev/zero".into()];
    let zero = dir.path().join("z.jpg");
    // Making a device node needs root (CAP_MKNOD); /dev/zero itself covers the case otherwise.
    if mknod(&zero, &["c", "1", "5"]) {
        cases.push(zero);
    }
    for path in cases {
        let out = check_within(&path, 20);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("not a regular file"),
            "{}: {text}",
            path.display()
        );
    }
}

/// Issue 23, defect 6: `--specs-dir` holding links back to itself was walked exponentially
/// (six `ln -s .` ran past a minute and hundreds of MB).
#[test]
fn issue23_specs_dir_with_symlink_loops_loads_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.toml",
        format!("{CITY_HEAD}[documents.id-card]\n").as_bytes(),
    );
    for i in 0..8 {
        std::os::unix::fs::symlink(".", dir.path().join(format!("l{i}"))).unwrap();
    }
    idphoto()
        .args(["specs", "show", "testcity", "--specs-dir"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .success()
        .stdout(predicate::str::contains("width_px = 358"));
}

/// CRC-32 (IEEE), to patch PNG chunks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Issue 23, defect 7: memory was bounded by pixels only. A 16-bit RGBA PNG of 10000×10000
/// (800 MB decoded) peaked at 1.47 GB and a GIF with a 10000×10000 screen at 1.09 GB; both are
/// now refused from their headers, naming the memory they would take.
#[test]
fn issue23_deep_and_animated_bombs_are_refused_by_decoded_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // A tiny 16-bit RGBA PNG whose header is rewritten to 10000×10000 (the pixel data is never
    // reached: the refusal comes from the header).
    let small = image::ImageBuffer::<image::Rgba<u16>, _>::new(2, 2);
    let mut png = Vec::new();
    small
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&10_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    // A one-pixel GIF on a 10000×10000 logical screen.
    let mut gif = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut gif);
        let frame = image::Frame::new(image::RgbaImage::new(1, 1));
        enc.encode_frames([frame.clone(), frame]).unwrap();
    }
    gif[6..8].copy_from_slice(&10_000u16.to_le_bytes());
    gif[8..10].copy_from_slice(&10_000u16.to_le_bytes());
    for (name, bytes) in [("deep.png", png), ("bomb.gif", gif)] {
        let path = write(dir.path(), name, &bytes);
        let out = check_within(&path, 60);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("10000×10000") && text.contains("MB, over the limit of 512 MB"),
            "{name}: {text}"
        );
    }
}

/// A JPEG cut at `keep` of its entropy-coded data and closed with an end-of-image marker, as a
/// broken download or a careless repair tool leaves it.
fn cut_with_eoi(jpeg: &[u8], keep: f64) -> Vec<u8> {
    let sos = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("a scan");
    let data = jpeg.len() - 2 - sos;
    let mut cut = jpeg[..sos + (data as f64 * keep) as usize].to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]);
    cut
}

/// Issue 23, defect 8: a JPEG cut mid-image with an end-of-image marker appended was accepted
/// and "corrected" (its missing rows a flat band); djpeg reports a premature end of data.
#[test]
fn issue23_a_jpeg_cut_mid_image_and_closed_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let whole = jpeg_bytes(&textured(400, 500, 10), 90, Some(300));
    let path = write(dir.path(), "whole.jpg", &whole);
    assert_ne!(
        check_within(&path, 60).status.code(),
        Some(2),
        "the whole file is fine"
    );
    let path = write(dir.path(), "cut.jpg", &cut_with_eoi(&whole, 0.6));
    let out = check_within(&path, 60);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("image data stops early"), "{text}");
}

/// Issue 23, defect 10: a TOML syntax error at the very end of a file printed an empty message.
#[test]
fn issue23_a_toml_error_at_the_end_of_a_file_says_what_is_wrong() {
    let err = spec_error("id = ");
    let line = err.lines().next().unwrap_or_default();
    let (_, message) = line.split_once("city.toml:1: ").expect(line);
    assert!(
        message.trim().len() > 5,
        "a message after the location: {err}"
    );
}

/// Issue 23, defect 10: an inheritance cycle names the file and line of the `extends` closing it.
#[test]
fn issue23_an_inheritance_cycle_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.toml",
        b"id = \"loop-a\"\nextends = \"loop-b\"\n",
    );
    write(
        dir.path(),
        "b.toml",
        b"# loops\nid = \"loop-b\"\nextends = \"loop-a\"\n",
    );
    write(
        dir.path(),
        "c.toml",
        format!("{CITY_HEAD}[documents.loop-a]\n").as_bytes(),
    );
    let b = dir.path().join("b.toml");
    idphoto()
        .args([
            "specs",
            "show",
            "testcity",
            "--doc",
            "loop-a",
            "--specs-dir",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{}:3: ", b.display())));
}

/// Issue 23, defect 10: a rule across two keys, broken by the person's own value, pointed at
/// the built-in file that set the other key.
#[test]
fn issue23_a_cross_key_error_points_at_the_persons_file() {
    let err = spec_error(&format!(
        "{CITY_HEAD}\n[documents.id-card.head]\nmax_yaw_deg = 3.0\n"
    ));
    assert!(err.contains("city.toml:7: "), "{err}");
    assert!(err.contains("max_yaw_deg"), "{err}");
    assert!(!err.starts_with("idphoto: <built-in>"), "{err}");
}

/// Issue 23, defect 10: an OS error's text was printed twice.
#[test]
fn issue23_an_os_error_is_printed_once() {
    let out = idphoto()
        .args(["specs", "list", "--spec", "/no/such/spec.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    let out = idphoto()
        .args(["specs", "list", "--specs-dir", "/no/such/specs"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}
