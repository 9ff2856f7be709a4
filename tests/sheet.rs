//! `--sheet` (the print sheet beside the corrected photo) and `--background` (the corrected
//! photo's background among the spec's colours), end to end through the binary, on the sample
//! portrait that ships in `examples/` (public domain).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The binary, run in `dir` with a predictable environment.
fn idphoto_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("idphoto").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("IDPHOTO_SPECS_DIR")
        .env("LANG", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// A temporary folder holding the sample portrait under each of `names`.
fn folder_with_portrait(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let portrait = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/portrait.jpg");
    for name in names {
        std::fs::copy(&portrait, dir.path().join(name)).expect("copy the portrait");
    }
    dir
}

fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).expect("one JSON report")
}

/// The JFIF density of a JPEG: (units, x, y) from its APP0 segment (units 1 = dots per inch).
fn jfif_density(bytes: &[u8]) -> (u8, u16, u16) {
    assert_eq!(
        &bytes[..4],
        &[0xFF, 0xD8, 0xFF, 0xE0],
        "JPEG with APP0 first"
    );
    assert_eq!(&bytes[6..11], b"JFIF\0");
    let be = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
    (bytes[13], be(14), be(16))
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// The portrait fails checks the correction fixes (exit 1, not 2); its corrected photo is
/// written and, beside it, the 6-inch sheet the JSON describes: 12 ID-card copies (26×32 mm)
/// on 1205×1795 px at 300 dpi, recorded in the file.
#[test]
fn sheet_is_written_beside_the_corrected_photo() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    let out = idphoto_in(dir.path())
        .args([
            "check",
            "photo.jpg",
            "--city",
            "dongguan",
            "--sheet",
            "6inch",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["correction"]["status"], "written");
    assert_eq!(
        report["correction"]["sheet"],
        serde_json::json!({"path": "photo.dongguan.sheet.jpg", "size": "6inch",
                           "copies": 12, "dpi": 300})
    );
    let sheet = dir.path().join("photo.dongguan.sheet.jpg");
    let bytes = std::fs::read(&sheet).unwrap();
    assert_eq!(jfif_density(&bytes), (1, 300, 300));
    assert_eq!(image::image_dimensions(&sheet).unwrap(), (1205, 1795));
    assert_eq!(
        names_in(dir.path()),
        [
            "photo.dongguan.jpg",
            "photo.dongguan.sheet.jpg",
            "photo.jpg"
        ]
    );
}

/// The human report says where the sheet is.
#[test]
fn human_report_names_the_sheet() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    let out = idphoto_in(dir.path())
        .args(["check", "photo.jpg", "-c", "dongguan", "--sheet", "5inch"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("print sheet: photo.dongguan.sheet.jpg  (") && text.contains("on 5inch"),
        "{text}"
    );
}

/// An existing sheet is kept without `--force` (an error, exit 2, before the corrected photo
/// is published: nothing half written) and replaced with it.
#[test]
fn an_existing_sheet_needs_force() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    std::fs::write(dir.path().join("photo.dongguan.sheet.jpg"), b"earlier").unwrap();
    let run = |force: bool| {
        let mut cmd = idphoto_in(dir.path());
        cmd.args(["check", "photo.jpg", "-c", "dongguan", "--sheet", "a4"]);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(text.contains("already exists; use --force"), "{text}");
    assert!(!dir.path().join("photo.dongguan.jpg").exists());
    assert_eq!(
        std::fs::read(dir.path().join("photo.dongguan.sheet.jpg")).unwrap(),
        b"earlier"
    );
    let replaced = run(true);
    assert_eq!(replaced.status.code(), Some(1), "{replaced:?}");
    let sheet = std::fs::read(dir.path().join("photo.dongguan.sheet.jpg")).unwrap();
    assert_eq!(jfif_density(&sheet), (1, 300, 300));
    // A4 (210×297 mm, 2480×3508 px) holds 7 × 8 = 56 ID-card copies upright and 10 × 6 = 60
    // on its side: it is turned.
    assert_eq!(
        image::image_dimensions(dir.path().join("photo.dongguan.sheet.jpg")).unwrap(),
        (3508, 2480)
    );
}

/// A batch gets one sheet per photo.
#[test]
fn a_batch_gets_one_sheet_per_photo() {
    let dir = folder_with_portrait(&["a.jpg", "b.jpg"]);
    let out = idphoto_in(dir.path())
        .args([
            "check", "a.jpg", "b.jpg", "-c", "dongguan", "--sheet", "6inch",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        names_in(dir.path()),
        [
            "a.dongguan.jpg",
            "a.dongguan.sheet.jpg",
            "a.jpg",
            "b.dongguan.jpg",
            "b.dongguan.sheet.jpg",
            "b.jpg"
        ]
    );
}

/// NCRE's spec is pixel-only: no sheet, and both reports say why.
#[test]
fn a_spec_without_a_print_size_gets_no_sheet() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    let run = |format: &str| {
        idphoto_in(dir.path())
            .args([
                "check",
                "photo.jpg",
                "-c",
                "china",
                "-d",
                "ncre",
                "--sheet",
                "6inch",
            ])
            .args(["--force", "--format", format])
            .output()
            .unwrap()
    };
    let out = run("json");
    let report = json(&out.stdout);
    assert_eq!(report["correction"]["status"], "written");
    assert_eq!(report["correction"]["sheet"], serde_json::Value::Null);
    assert_eq!(report["correction"]["sheet_skipped"], "no_print_size");
    let text = String::from_utf8(run("human").stdout).unwrap();
    assert!(
        text.contains("no print size in the spec: no sheet"),
        "{text}"
    );
    assert_eq!(
        names_in(dir.path()),
        ["photo.china.exam-ncre.jpg", "photo.jpg"]
    );
}

/// The corrected photo's top-left pixel, where the replaced background is.
fn corner(path: PathBuf) -> [u8; 3] {
    image::open(path).unwrap().to_rgb8().get_pixel(3, 3).0
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 6)
}

/// NCRE allows light blue (its first colour) and white: each, chosen by name, is what the
/// corrected photo's background gets.
#[test]
fn a_chosen_background_colour_is_written() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    let out_path = dir.path().join("photo.china.exam-ncre.jpg");
    for (wanted, rgb) in [
        ("white", [255, 255, 255]),
        ("blue", [100, 197, 255]),
        ("白色", [255, 255, 255]),
        ("#64c5ff", [100, 197, 255]),
    ] {
        let out = idphoto_in(dir.path())
            .args(["check", "photo.jpg", "-c", "china", "-d", "ncre", "--force"])
            .args(["--background", wanted, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{wanted}: {out:?}");
        let report = json(&out.stdout);
        assert_eq!(
            report["correction"]["background"],
            serde_json::json!({"action": "replaced", "rgb": rgb}),
            "{wanted}"
        );
        let got = corner(out_path.clone());
        assert!(near(got, rgb), "{wanted}: corner {got:?}");
    }
}

/// A city whose ID card allows white (first, the default) and light blue, as the passport does.
const TWO_COLOURS: &str = r#"
[city]
id = "twocolour"
name_zh = "双色"
name_en = "Two colours"
province_zh = "广东"
sources = ["the ID card with light blue allowed besides white"]

[documents.id-card]
sources = ["the passport's light blue"]
[[documents.id-card.background.allowed]]
name = "white"
name_zh = "白色"
rgb = [255, 255, 255]
[[documents.id-card.background.allowed]]
name = "light-blue"
name_zh = "浅蓝色"
rgb = [100, 197, 255]
"#;

/// A corrected photo painted the spec's second colour (`--background blue`) is judged against
/// light blue, the colour it has, not the spec's first, white: its light-blue backdrop once
/// read as a 38 ΔE cast toward blue, left failing `colour.cast`. Checked again on its own, the
/// background and cast rows name light blue (the clothing row too, where clothing shows).
#[test]
fn a_photo_with_a_chosen_background_is_judged_against_that_colour() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    std::fs::write(dir.path().join("two.toml"), TWO_COLOURS).unwrap();
    let out = idphoto_in(dir.path())
        .args([
            "check",
            "photo.jpg",
            "-c",
            "twocolour",
            "--spec",
            "two.toml",
        ])
        .args(["--background", "blue", "--format", "json"])
        .output()
        .unwrap();
    let report = json(&out.stdout);
    let c = &report["correction"];
    assert_eq!(c["status"], "written", "{c}");
    assert_eq!(c["recheck_failed"], serde_json::json!([]), "{c}");
    let still = c["still_failing"].as_array().unwrap();
    for id in ["colour.cast", "clothing.contrast", "background.colour"] {
        assert!(!still.iter().any(|s| s == id), "{id} still fails: {c}");
    }
    let out = idphoto_in(dir.path())
        .args(["check", "photo.twocolour.jpg", "-c", "twocolour", "--spec"])
        .args(["two.toml", "--no-fix", "--format", "json"])
        .output()
        .unwrap();
    let again = json(&out.stdout);
    let checks = again["checks"].as_array().unwrap();
    for id in ["background.colour", "colour.cast", "clothing.contrast"] {
        let row = checks.iter().find(|k| k["id"] == id).unwrap();
        if id == "clothing.contrast" && row["status"] == "na" {
            continue;
        }
        assert_eq!(row["status"], "pass", "{row}");
        let text = row["measured"]["text"].as_str().unwrap_or_default();
        assert!(text.contains("light-blue"), "{id}: {row}");
    }
}

/// A colour the spec does not allow is a usage error that lists the allowed ones; nothing is
/// checked or written.
#[test]
fn a_background_the_spec_does_not_allow_is_refused() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    for wanted in ["red", "#ff0000", "红色"] {
        let out = idphoto_in(dir.path())
            .args(["check", "photo.jpg", "-c", "dongguan", "-d", "passport"])
            .args(["--background", wanted])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{wanted}: {out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("is not allowed for dongguan/passport; allowed: white (白色, #ffffff), light-blue (浅蓝色, #64c5ff)"),
            "{wanted}: {err}"
        );
        assert!(out.stdout.is_empty(), "{wanted}");
    }
    assert_eq!(names_in(dir.path()), ["photo.jpg"]);
}

/// `--no-fix` writes nothing, so a sheet or a background colour with it is a usage error.
#[test]
fn no_fix_conflicts_with_sheet_and_background() {
    let dir = folder_with_portrait(&["photo.jpg"]);
    for extra in [["--sheet", "6inch"], ["--background", "white"]] {
        let out = idphoto_in(dir.path())
            .args(["check", "photo.jpg", "-c", "dongguan", "--no-fix"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
    }
    let out = idphoto_in(dir.path())
        .args(["check", "photo.jpg", "-c", "dongguan", "--sheet", "7inch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("5inch") && err.contains("6inch") && err.contains("a4"),
        "{err}"
    );
}
