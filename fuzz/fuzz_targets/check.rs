//! The whole check of a photo given as bytes: decoding, the working copy, person mask and face
//! networks, the crop plan, every check, the correction with its encoding to a file, and the
//! re-check of that file. A photo that cannot be judged is a report with verdict `error`; a
//! panic, a hang or a blown memory limit is a bug. What holds for every input: the report is
//! for this photo, a written photo exists where the report says, and nothing else is left in
//! the output folder (no temporary file).
#![no_main]

use idphoto::report::Verdict;
use idphoto::spec::{Library, Spec};
use idphoto::{Fix, Limits, Options, OutputOptions, Photo};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    Library::builtin()
        .and_then(|lib| lib.resolve("dongguan", None))
        .expect("the built-in Dongguan spec resolves")
});

static OUT: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

// Small photos keep each run near the networks' own cost; the code paths are the default ones.
const LIMITS: Limits = Limits {
    max_file_bytes: 1 << 20,
    max_pixels: 1_000_000,
    max_decoded_bytes: 8 << 20,
};

fuzz_target!(|data: &[u8]| {
    let Ok(photo) = Photo::from_bytes(data, &LIMITS) else {
        return;
    };
    let dir = OUT.path();
    let input: PathBuf = dir.join("in.jpg");
    let options = Options {
        limits: LIMITS,
        fix: Some(Fix {
            output: OutputOptions {
                out_dir: Some(dir.to_path_buf()),
                force: true,
                ..OutputOptions::default()
            },
            ..Fix::default()
        }),
        preview: None,
    };
    let report = idphoto::check_photo(&input, &photo, &SPEC, &options);
    assert_eq!(report.file, input);
    if report.verdict == Verdict::Error {
        assert!(report.error.is_some(), "an error report says why");
    }
    let left: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the output folder reads")
        .map(|e| e.expect("an entry").path())
        .collect();
    match &report.output {
        Some(out) => {
            assert!(out.is_file(), "the corrected photo {out:?} exists");
            assert_eq!(
                left,
                [out.clone()],
                "nothing but the corrected photo is left"
            );
            std::fs::remove_file(out).expect("the corrected photo is removable");
        }
        None => assert!(left.is_empty(), "no output, yet {left:?} left behind"),
    }
    assert!(!Path::new(&input).exists(), "the input was never written");
});
