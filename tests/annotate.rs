//! End-to-end tests of `idphoto check --annotate`: the preview PNG is written, decodes, has the
//! preview size, and the flag is refused with several photos.

use crate::util::{compliant_id_jpeg, idphoto, testdata, write};
use predicates::prelude::*;
use std::path::Path;

/// Runs `check --annotate` on a shared photo copied into a temporary folder; returns the
/// preview's size.
fn preview_size(data: &Path, name: &str) -> (u32, u32) {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join(name);
    std::fs::copy(data.join("photos").join(name), &photo).unwrap();
    let out = dir.path().join("preview.png");
    let code = idphoto()
        .args(["check", "--city", "dongguan", "--no-fix", "--annotate"])
        .arg(&out)
        .arg(&photo)
        .output()
        .unwrap()
        .status
        .code();
    // Pass or fail, the photo was judged and the preview written.
    assert!(matches!(code, Some(0 | 1)), "{name}: exit {code:?}");
    let img = image::open(&out).unwrap();
    assert_eq!(
        image::ImageFormat::from_path(&out).unwrap(),
        image::ImageFormat::Png
    );
    (img.width(), img.height())
}

#[test]
fn annotate_writes_a_png_preview() {
    let Some(data) = testdata() else { return };
    assert_eq!(preview_size(&data, "hv_test0.jpg"), (576, 768));
    // Stored 1264 × 1414 with EXIF orientation 6: drawn upright, then scaled to 1200 px.
    assert_eq!(preview_size(&data, "exif6_zuckerberg_2.jpg"), (1200, 1073));
}

#[test]
fn annotate_with_two_photos_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jpg", &compliant_id_jpeg());
    let b = write(dir.path(), "b.jpg", &compliant_id_jpeg());
    let out = dir.path().join("p.png");
    idphoto()
        .args(["check", "--city", "dongguan", "--no-fix", "--annotate"])
        .arg(&out)
        .args([&a, &b])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--annotate"));
    assert!(!out.exists());
}

#[test]
fn annotate_refuses_to_overwrite_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jpg", &compliant_id_jpeg());
    let before = std::fs::read(&a).unwrap();
    idphoto()
        .args(["check", "--city", "dongguan", "--no-fix", "--annotate"])
        .arg(&a)
        .arg(&a)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("input"));
    assert_eq!(std::fs::read(&a).unwrap(), before);
}
