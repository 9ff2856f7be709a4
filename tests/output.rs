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

// Issue 23 regression tests

fn check_photo(photo: &std::path::Path, csv: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = idphoto();
    cmd.arg("check")
        .arg(photo)
        .args(["--city", "dongguan", "--faces-from"])
        .arg(csv);
    cmd
}

/// Issue 23, defect 2: with `--force`, `x.jpg`'s corrected photo `x.dongguan.jpg` replaced the
/// input `x.dongguan.jpg` checked in the same run.
#[test]
fn issue23_force_never_overwrites_another_input_of_the_run() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let other = dir.path().join("hv_test0.dongguan.jpg");
    std::fs::copy(&photo, &other).unwrap();
    let original = std::fs::read(&other).unwrap();
    let out = check_photo(&photo, &csv)
        .arg(&other)
        .args(["--force", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&other).unwrap(),
        original,
        "the input is untouched"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("another photo being checked"), "{text}");
    assert!(!names(dir.path()).iter().any(|n| n.starts_with(".idphoto-")));
}

/// Issue 23, defect 3: `--out n --force` and `--annotate n` renamed a regular file over a
/// device or a symbolic link `n` (as root this replaced /dev/null). They are refused, and
/// neither the link, its target nor the device changes.
#[test]
fn issue23_outputs_never_replace_a_link_or_a_device() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let target = dir.path().join("target.jpg");
    std::fs::write(&target, b"keep me").unwrap();
    let link = dir.path().join("link.jpg");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let device = dir.path().join("null.jpg");
    // A device node needs root (CAP_MKNOD); /dev/null itself stands in otherwise.
    let made = std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    let device = if made { device } else { "/dev/null".into() };
    for (flag, dest, why) in [
        ("--out", &link, "symbolic link"),
        ("--out", &device, "not a regular file"),
        ("--annotate", &link, "symbolic link"),
        ("--annotate", &device, "not a regular file"),
    ] {
        // `--force` asks to replace an existing output; the preview is always replaced.
        let force = if flag == "--out" {
            "--force"
        } else {
            "--no-fix"
        };
        let out = check_photo(&photo, &csv)
            .args([force, "--format", "json", flag])
            .arg(dest)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{flag} {}: {text}",
            dest.display()
        );
        assert!(text.contains(why), "{flag} {}: {text}", dest.display());
    }
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    let meta = std::fs::symlink_metadata(&device).unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(
        &meta.file_type()
    ));
}

/// Issue 23, defect 9: a file name that is not UTF-8 (GBK, from a Windows zip) made the JSON
/// report `null` once a corrected photo was written, and two such names got one output name.
#[test]
fn issue23_non_utf8_names_get_distinct_reports_and_outputs() {
    use std::os::unix::ffi::OsStrExt;
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    // "张三.jpg" and "李四.jpg" in GBK: not UTF-8, and each is one replacement character per
    // byte when shown lossily, so the two looked alike.
    let names: [&[u8]; 2] = [b"\xd5\xc5\xc8\xfd.jpg", b"\xc0\xee\xcb\xc4.jpg"];
    let mut inputs = Vec::new();
    for name in names {
        let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::copy(data.join("photos/zuckerberg_2.jpg"), &path).unwrap();
        inputs.push(path);
    }
    let out = idphoto()
        .args(["check", "-c", "dongguan", "--format", "jsonl"])
        .args(&inputs)
        .output()
        .unwrap();
    let reports: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &serde_json::Value| r["type"] == "photo")
        .collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let files: Vec<&str> = reports
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert_ne!(files[0], files[1]);
    for r in &reports {
        assert_eq!(r["correction"]["status"], "written", "{r}");
        let output = r["output"].as_str().unwrap();
        assert!(output.contains("\\x"), "bytes kept visibly: {output}");
        assert!(r["correction"]["path"].is_string(), "{r}");
    }
    let written: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.as_bytes().ends_with(b".dongguan.jpg"))
        .collect();
    assert_eq!(written.len(), 2, "one output per photo: {written:?}");
}

/// The binary run under a shell that lets no file grow past `kb` KB (`ulimit -f`), with the
/// signal that would kill it ignored, so a write fails as on a full disk.
fn idphoto_with_disk_of(kb: u32) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kb}; exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("idphoto"))
        .env_remove("IDPHOTO_SPECS_DIR")
        .env("LANG", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// Issue 23 fault test: a destination that fills up mid-write gives an error naming it, leaves
/// no temporary file and no partial output, and never touches the input. `ulimit -f` makes the
/// full disk without privileges, so the test always runs.
#[test]
fn issue23_a_full_disk_fails_the_photo_cleanly() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let original = std::fs::read(&photo).unwrap();
    let out = idphoto_with_disk_of(4)
        .arg("check")
        .arg(&photo)
        .args(["--city", "dongguan", "--format", "json", "--faces-from"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["correction"]["status"], "failed", "{r}");
    let message = r["correction"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("hv_test0.dongguan.jpg"), "{message}");
    assert_eq!(names(dir.path()), ["hv_test0.jpg"], "nothing half-written");
    assert_eq!(std::fs::read(&photo).unwrap(), original);
    // The summary table likewise: an error naming it, and no file.
    let csv_out = dir.path().join("s.csv");
    let out = idphoto_with_disk_of(0)
        .args(["check", "--city", "dongguan", "--no-fix", "--summary"])
        .arg(&csv_out)
        .arg(&photo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("s.csv"));
    assert_eq!(names(dir.path()), ["hv_test0.jpg"], "nothing half-written");
}

/// A folder nothing can be written into, even by root: a read-only mount when one can be made
/// (root in most sandboxes), else the folder's write bits removed (enough for anyone but root),
/// else `/proc/self`, where no file can be created.
fn read_only_folder(dir: &std::path::Path) -> (std::path::PathBuf, Option<std::path::PathBuf>) {
    let ro = dir.join("ro");
    std::fs::create_dir(&ro).unwrap();
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        return (ro, None);
    }
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs"])
        .arg(&ro)
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        (ro.clone(), Some(ro))
    } else {
        ("/proc/self".into(), None)
    }
}

/// Issue 23 fault test: a destination folder that cannot be written gives an error naming the
/// destination and leaves the input as it was.
#[test]
fn issue23_a_read_only_destination_fails_the_photo_cleanly() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let original = std::fs::read(&photo).unwrap();
    let (ro, mount) = read_only_folder(dir.path());
    let out = check_photo(&photo, &csv)
        .args(["--format", "json", "--out-dir"])
        .arg(&ro)
        .output()
        .unwrap();
    let summary = idphoto()
        .args(["check", "--city", "dongguan", "--no-fix", "--summary"])
        .arg(ro.join("s.csv"))
        .arg(&photo)
        .output()
        .unwrap();
    if let Some(m) = &mount {
        let _ = std::process::Command::new("umount").arg(m).status();
    }
    assert_eq!(out.status.code(), Some(2));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["correction"]["status"], "failed", "{r}");
    let message = r["correction"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("hv_test0.dongguan.jpg"), "{message}");
    assert_eq!(summary.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&summary.stderr).contains("s.csv"));
    assert_eq!(std::fs::read(&photo).unwrap(), original);
    assert_eq!(names(dir.path()), ["hv_test0.jpg", "ro"]);
}

/// A passport sizes the whole head, hair included; annotations mark only the cheeks, so the
/// head's outline comes from the photo's person mask and the corrected photo is still made.
#[test]
fn annotated_faces_get_a_passport_photo_sized_by_the_head() {
    let Some((dir, photo, csv)) = setup() else {
        return;
    };
    let out = idphoto()
        .arg("check")
        .arg(&photo)
        .args([
            "--city", "dongguan", "--doc", "passport", "--format", "json",
        ])
        .arg("--faces-from")
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["correction"]["status"], "written", "{}", r["correction"]);
}
