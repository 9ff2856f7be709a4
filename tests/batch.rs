//! End-to-end tests of batch mode: folders, path lists, bad files among good ones, symlink loops,
//! JSONL / JSON / human / CSV outputs, exit codes, Ctrl-C, and inputs left untouched.

use crate::util::{compliant_id_jpeg, idphoto, jpeg_bytes, testdata, textured, write};
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// Bytes of a few "good" photos (decodable, judged without error): the shared real photos when
/// present, else photo-like pictures made here.
fn good_photos() -> Vec<Vec<u8>> {
    if let Some(data) = testdata() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(data.join("photos"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
            .collect();
        names.sort();
        return names
            .iter()
            .take(3)
            .map(|p| std::fs::read(p).unwrap())
            .collect();
    }
    (0..3)
        .map(|i| jpeg_bytes(&textured(300 + i * 10, 400, 8), 90, Some(72)))
        .collect()
}

/// The tree every test walks; `expect` maps each path (relative to the root) that a recursive
/// walk must report to whether it must be an error.
struct Tree {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    expect: BTreeMap<String, bool>,
}

fn tree() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("in");
    let good = good_photos();
    std::fs::create_dir_all(root.join("nested/deeper")).unwrap();
    std::fs::create_dir_all(root.join("folder.jpg")).unwrap();
    std::fs::create_dir_all(root.join(".hidden")).unwrap();
    let mut expect = BTreeMap::new();
    let mut put = |name: &str, bytes: &[u8], error: bool| {
        write(&root, name, bytes);
        expect.insert(name.to_string(), error);
    };
    put("good.jpg", &good[0], false);
    put("UPPER.JPG", &good[1], false);
    put("a.jpg", &good[2], false);
    put("a.png", &good[0], false); // a JPEG named .png: decoded by content; clashes with a.jpg
    put("corrupt.jpg", &good[1][..good[1].len() / 3], true);
    put("empty.png", b"", true);
    put("text.jpeg", b"not a photo, just text\n", true);
    // An iPhone photo: taken from the folder so the person hears it was not checked.
    put("IMG_0001.HEIC", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", true);
    put("nested/a.jpg", &good[2], false); // same name as the top-level a.jpg
    put("nested/deeper/deep.webp", &good[0], false);
    put("folder.jpg/inside.tif", &good[1], false); // a folder named like a photo is walked
    write(&root, "notes.txt", b"skipped: not a photo extension");
    write(&root, ".hidden.jpg", b"skipped: hidden");
    write(&root, ".hidden/x.jpg", b"skipped: in a hidden folder");
    symlink(root.join("missing.jpg"), root.join("dangling.jpg")).unwrap();
    expect.insert("dangling.jpg".into(), true);
    symlink(&root, root.join("nested/loop")).unwrap();
    expect.insert("nested/loop".into(), true);
    let fifo = root.join("pipe.jpg");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    expect.insert("pipe.jpg".into(), true);
    Tree {
        _tmp: tmp,
        root,
        expect,
    }
}

/// Every regular file under `dir` with its bytes (links and FIFOs are not followed).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.extend(snapshot(&path));
        } else if meta.is_file() {
            out.insert(path.clone(), std::fs::read(&path).unwrap());
        } else {
            out.insert(path, Vec::new());
        }
    }
    out
}

/// The photo lines of JSONL output; checks that every line is JSON, that each photo line is
/// typed `photo`, and that exactly one `summary` line ends the stream and counts them.
fn jsonl(stdout: &[u8]) -> Vec<serde_json::Value> {
    let mut lines: Vec<serde_json::Value> = String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary", "{summary}");
    assert!(lines.iter().all(|l| l["type"] == "photo"), "{lines:?}");
    assert_eq!(summary["photos"], lines.len());
    let count = |v: &str| lines.iter().filter(|l| l["verdict"] == v).count();
    assert_eq!(
        (&summary["passed"], &summary["failed"], &summary["errors"]),
        (
            &count("pass").into(),
            &count("fail").into(),
            &count("error").into()
        ),
        "{summary}"
    );
    lines
}

fn relative(root: &Path, file: &serde_json::Value) -> String {
    Path::new(file.as_str().unwrap())
        .strip_prefix(root)
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn recursive_jsonl_reports_every_photo_once_and_the_batch_completes() {
    let t = tree();
    let before = snapshot(&t.root);
    let out = idphoto()
        .args([
            "check", "--no-fix", "-c", "dongguan", "-r", "--format", "jsonl", "-j", "2",
        ])
        .arg(&t.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "errors present: exit 2");
    let reports = jsonl(&out.stdout);
    let got: BTreeMap<String, bool> = reports
        .iter()
        .map(|r| (relative(&t.root, &r["file"]), r["verdict"] == "error"))
        .collect();
    assert_eq!(got, t.expect);
    assert_eq!(reports.len(), t.expect.len(), "one line per photo");
    for r in &reports {
        assert_eq!(r["schema"], 1);
        assert_eq!(r["spec"], "dongguan/id-card");
        let error = r["error"].as_str().unwrap_or("");
        match relative(&t.root, &r["file"]).as_str() {
            "nested/loop" => assert!(error.contains("symbolic link loop"), "{error}"),
            "dangling.jpg" => assert!(error.contains("dangling"), "{error}"),
            "pipe.jpg" => assert!(error.contains("not a regular file"), "{error}"),
            "text.jpeg" => assert!(error.contains("not an image"), "{error}"),
            "empty.png" => assert!(error.contains("empty"), "{error}"),
            "IMG_0001.HEIC" => assert!(error.contains("HEIC") && error.contains("JPEG"), "{error}"),
            "corrupt.jpg" => assert!(error.contains("truncated"), "{error}"),
            _ => assert_eq!(r["error"], serde_json::Value::Null),
        }
    }
    assert_eq!(
        snapshot(&t.root),
        before,
        "inputs untouched, nothing written beside them"
    );
}

#[test]
fn without_recursive_only_the_top_folder_is_checked() {
    let t = tree();
    let out = idphoto()
        .args(["check", "--no-fix", "-c", "dongguan", "--format", "jsonl"])
        .arg(&t.root)
        .output()
        .unwrap();
    let mut got: Vec<String> = jsonl(&out.stdout)
        .iter()
        .map(|r| relative(&t.root, &r["file"]))
        .collect();
    got.sort();
    let mut want: Vec<&String> = t.expect.keys().filter(|k| !k.contains('/')).collect();
    want.sort();
    assert_eq!(got.iter().collect::<Vec<_>>(), want);
}

#[test]
fn summary_csv_has_one_row_per_photo_in_input_order_whatever_the_threads() {
    let t = tree();
    let outdir = tempfile::tempdir().unwrap();
    let run = |threads: &str, name: &str| {
        let csv = outdir.path().join(name);
        let out = idphoto()
            .args([
                "check", "--no-fix", "-c", "dongguan", "-r", "-q", "--format", "json",
            ])
            .args(["-j", threads, "--summary"])
            .arg(&csv)
            .arg(&t.root)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let array: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        (std::fs::read_to_string(csv).unwrap(), array)
    };
    let (csv1, json1) = run("1", "one.csv");
    let (csv2, json2) = run("2", "two.csv");
    assert_eq!(csv1, csv2, "rows do not depend on the thread count");
    let files = |a: &[serde_json::Value]| -> Vec<String> {
        a.iter()
            .map(|r| r["file"].as_str().unwrap().into())
            .collect()
    };
    assert_eq!(files(&json1), files(&json2), "JSON array in input order");

    let mut lines = csv1.lines();
    assert_eq!(
        lines.next(),
        Some("path,verdict,failed_checks,output,error")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), t.expect.len());
    for (row, report) in rows.iter().zip(&json1) {
        let file = report["file"].as_str().unwrap();
        assert!(row.starts_with(file), "{row} vs {file}");
        let verdict = report["verdict"].as_str().unwrap();
        assert!(row.contains(&format!(",{verdict},")), "{row}");
        let failed: Vec<&str> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert!(row.contains(&format!(",{},", failed.join(";"))), "{row}");
        // No corrected photo is written here: output is empty; error is filled for errors only.
        assert_eq!(!row.ends_with(",,"), verdict == "error", "{row}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(outdir.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary files left beside the summaries"
    );
}

#[test]
fn a_summary_that_cannot_be_written_is_refused_before_any_photo_is_checked() {
    let t = tree();
    let dir = tempfile::tempdir().unwrap();
    for (summary, says) in [
        (dir.path().join("missing").join("s.csv"), "does not exist"),
        (dir.path().to_path_buf(), "is a folder"),
    ] {
        idphoto()
            .args(["check", "--no-fix", "-c", "dongguan", "-r", "--summary"])
            .arg(&summary)
            .arg(&t.root)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(says));
    }
}

#[test]
fn human_report_ends_with_the_summary_line() {
    let t = tree();
    let out = idphoto()
        .args(["check", "--no-fix", "-c", "dongguan", "-r"])
        .arg(&t.root)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let errors = t.expect.values().filter(|&&e| e).count();
    let last = text.lines().last().unwrap();
    let want = format!(
        "{} photos: {} passed, {} failed, {errors} errors",
        t.expect.len(),
        text.matches("  PASS\n").count(),
        text.matches("  FAIL\n").count()
    );
    assert_eq!(last, want);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn files_from_reads_a_list_and_stdin() {
    let t = tree();
    let list = format!(
        "{}\n\n{}\r\n{}\n",
        t.root.join("good.jpg").display(),
        t.root.join("nested/a.jpg").display(),
        t.root.join("no-such.jpg").display()
    );
    let list_file = t.root.parent().unwrap().join("list.txt");
    std::fs::write(&list_file, &list).unwrap();
    let from_file = idphoto()
        .args([
            "check",
            "-c",
            "dongguan",
            "--format",
            "jsonl",
            "--files-from",
        ])
        .arg(&list_file)
        .output()
        .unwrap();
    let from_stdin = idphoto()
        .args([
            "check",
            "-c",
            "dongguan",
            "--format",
            "jsonl",
            "--files-from",
            "-",
        ])
        .write_stdin(list)
        .output()
        .unwrap();
    for out in [from_file, from_stdin] {
        assert_eq!(out.status.code(), Some(2), "the missing file is an error");
        let mut verdicts: Vec<(String, String)> = jsonl(&out.stdout)
            .iter()
            .map(|r| {
                (
                    relative(&t.root, &r["file"]),
                    r["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        verdicts.sort();
        let names: Vec<&str> = verdicts.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["good.jpg", "nested/a.jpg", "no-such.jpg"]);
        assert_eq!(verdicts[2].1, "error");
        assert_ne!(verdicts[0].1, "error");
    }
}

#[test]
fn only_failures_exit_1_and_errors_outrank_them() {
    let tmp = tempfile::tempdir().unwrap();
    // 200×200: decodes fine, fails the ID card's 358×441 pixel rule.
    let small = jpeg_bytes(&textured(200, 200, 8), 90, Some(350));
    let a = write(tmp.path(), "a.jpg", &small);
    let b = write(tmp.path(), "b.jpg", &small);
    idphoto()
        .args(["check", "--no-fix", "-c", "dongguan", "--format", "jsonl"])
        .args([&a, &b])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"verdict\":\"fail\"").count(2));
    let bad = write(tmp.path(), "bad.jpg", b"junk");
    idphoto()
        .args(["check", "--no-fix", "-c", "dongguan", "-q"])
        .args([&a, &bad, &b])
        .assert()
        .code(2)
        .stdout(predicate::str::ends_with(
            "3 photos: 0 passed, 2 failed, 1 error\n",
        ));
}

#[test]
fn empty_folder_is_an_error_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    write(&tmp.path().join("sub"), "x.jpg", &compliant_id_jpeg());
    idphoto()
        .args(["check", "--no-fix", "-c", "dongguan"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no photos found").and(predicate::str::contains("-r")));
}

#[test]
fn ctrl_c_stops_promptly_with_130_and_writes_no_summary() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let photos = tmp.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let bytes = compliant_id_jpeg();
    let count = 1500;
    for i in 0..count {
        write(&photos, &format!("p{i:04}.jpg"), &bytes);
    }
    let csv = tmp.path().join("summary.csv");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("idphoto"))
        .args([
            "check",
            "-c",
            "dongguan",
            "-j",
            "1",
            "--format",
            "jsonl",
            "--summary",
        ])
        .arg(&csv)
        .arg(&photos)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = stdout.lines().map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        rest.len() + 1 < count,
        "stopped early: {} of {count}",
        rest.len() + 1
    );
    for line in &rest {
        serde_json::from_str::<serde_json::Value>(line).expect("only whole JSON lines");
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["photos"], "no summary, no temporary file");
}

/// Checking a folder a second time skips the corrected photos the first run wrote beside the
/// inputs, instead of correcting them again (or reporting them as clashes).
#[test]
fn second_run_over_a_folder_skips_its_own_outputs() {
    let Some(data) = crate::util::testdata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        data.join("photos/zuckerberg_2.jpg"),
        dir.path().join("z.jpg"),
    )
    .unwrap();
    let run = || {
        idphoto()
            .args(["check", "-c", "dongguan", "--format", "jsonl"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        dir.path().join("z.dongguan.jpg").is_file(),
        "first run writes the correction"
    );
    assert_eq!(jsonl(&first.stdout).len(), 1);
    let second = run();
    let reports = jsonl(&second.stdout);
    assert_eq!(reports.len(), 1, "only the original photo is checked");
    assert!(reports[0]["file"].as_str().unwrap().ends_with("z.jpg"));
}

/// A recursive batch into `--out-dir` mirrors the input tree there, and makes the sub-folders
/// it mirrors: every photo of a sub-folder was an error ("folder … does not exist").
#[test]
fn a_recursive_batch_into_out_dir_makes_the_mirrored_folders() {
    let Some(data) = crate::util::testdata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir_all(input.join("sub/deeper")).unwrap();
    let photo = data.join("photos/zuckerberg_2.jpg");
    for name in ["top.jpg", "sub/a.jpg", "sub/deeper/b.jpg"] {
        std::fs::copy(&photo, input.join(name)).unwrap();
    }
    let run = idphoto()
        .args([
            "check",
            "-r",
            "-c",
            "dongguan",
            "--format",
            "jsonl",
            "--out-dir",
        ])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    let reports = jsonl(&run.stdout);
    assert_eq!(reports.len(), 3);
    for r in &reports {
        assert_eq!(r["correction"]["status"], "written", "{r}");
    }
    for name in ["top", "sub/a", "sub/deeper/b"] {
        let written = out.join(format!("{name}.dongguan.jpg"));
        assert!(written.is_file(), "{}", written.display());
    }
}

// Issue 23 regression tests

/// Issue 23, defect 1: `--summary` named a photo being checked (given, or found in a folder)
/// and turned it into CSV.
#[test]
fn issue23_summary_never_overwrites_a_photo_being_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = compliant_id_jpeg();
    let a = write(tmp.path(), "a.jpg", &bytes);
    let b = write(tmp.path(), "b.jpg", &bytes);
    let folder = tmp.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    let inside = write(&folder, "c.jpg", &bytes);
    let runs: [(Vec<&Path>, &Path); 3] = [
        (vec![&a, &b], &a),
        (vec![&folder], &inside),
        // Another spelling of the same file.
        (vec![&a, &b], &tmp.path().join(".").join("b.jpg")),
    ];
    for (paths, summary) in runs {
        idphoto()
            .args(["check", "-c", "dongguan", "--no-fix", "--summary"])
            .arg(summary)
            .args(paths)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("a photo being checked"));
    }
    for photo in [&a, &b, &inside] {
        assert_eq!(std::fs::read(photo).unwrap(), bytes, "{}", photo.display());
    }
}

/// Issue 23, defect 3: `--summary` renamed a regular file over a device or a symbolic link
/// (as root it replaced /dev/null). A link to a file is refused; a character device or pipe,
/// such as `/dev/stdout`, is written into.
#[test]
fn issue23_summary_refuses_links_to_files_and_writes_into_devices() {
    let tmp = tempfile::tempdir().unwrap();
    let photo = write(tmp.path(), "a.jpg", &compliant_id_jpeg());
    let target = write(tmp.path(), "target.csv", b"keep me");
    let link = tmp.path().join("link.csv");
    symlink(&target, &link).unwrap();
    let run = |summary: &Path| {
        idphoto()
            .args([
                "check",
                "-c",
                "dongguan",
                "--no-fix",
                "--format",
                "json",
                "--summary",
            ])
            .arg(summary)
            .arg(&photo)
            .output()
            .unwrap()
    };
    let out = run(&link);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    // Standard output is a pipe here: the table follows the JSON report on it.
    let out = run(Path::new("/dev/stdout"));
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("path,verdict,failed_checks"));
    let null = run(Path::new("/dev/null"));
    assert_ne!(null.status.code(), Some(2));
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(
        &meta.file_type()
    ));
}

/// Issue 23, defect 7: `--files-from /dev/zero` grew to gigabytes (no line limit).
#[test]
fn issue23_files_from_an_endless_stream_is_refused() {
    idphoto()
        .args([
            "check",
            "-c",
            "dongguan",
            "--no-fix",
            "--files-from",
            "/dev/zero",
        ])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1 is longer than 4096 bytes"));
}

/// Issue 23, defect 4: a second Ctrl-C, which exits at once, left the hidden temporary file of
/// a photo being written (`.idphoto-XXXXXX.tmp`). The test waits until such a file exists, then
/// sends both interrupts.
#[test]
fn issue23_a_second_ctrl_c_leaves_no_temporary_file() {
    let Some(data) = crate::util::testdata() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    std::fs::create_dir_all(&input).unwrap();
    let photo = std::fs::read(data.join("photos/zuckerberg_2.jpg")).unwrap();
    for i in 0..40 {
        write(&input, &format!("p{i:02}.jpg"), &photo);
    }
    let temps = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(".idphoto-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let interrupt = |pid: u32| {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    let mut caught = 0;
    for _attempt in 0..3 {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("idphoto"))
            .args([
                "check",
                "-c",
                "dongguan",
                "-q",
                "-j",
                "2",
                "--format",
                "jsonl",
                "--out-dir",
            ])
            .arg(&out)
            .arg(&input)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let mut seen = false;
        while start.elapsed() < std::time::Duration::from_secs(120) {
            if !temps(&out).is_empty() {
                seen = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        if seen {
            interrupt(child.id());
            std::thread::sleep(std::time::Duration::from_millis(10));
            interrupt(child.id());
            caught += 1;
        } else {
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        if seen {
            assert_eq!(status.code(), Some(130));
            assert_eq!(temps(&out), Vec::<String>::new(), "no temporary file left");
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    assert!(caught > 0, "never saw a temporary file to interrupt");
}
