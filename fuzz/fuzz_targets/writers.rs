//! The report writers fed hostile text: a photo path, its corrected photo's path (any bytes,
//! not only UTF-8, as file names on Linux are) and an error message, rendered as the JSON
//! report, the human table and the `--summary` CSV. What holds for every input: the JSON is a
//! document that parses back and names both paths as `path_text` writes them; the human table,
//! uncoloured, carries no control character but the line ends (a file name cannot drive the
//! terminal); the CSV reads back, by RFC 4180, as the rows written.
#![no_main]

use idphoto::batch::{write_summary_csv, SummaryRow};
use idphoto::dev::correct::write::path_text;
use idphoto::dev::correct::CorrectionStatus;
use idphoto::report::{self, Report, Style, Verdict};
use idphoto::spec::Library;
use idphoto::{Fix, Options, OutputOptions, Photo};
use libfuzzer_sys::fuzz_target;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// A real report with every check and a correction: a grey card-sized photo, nobody in it.
static BASE: LazyLock<Report> = LazyLock::new(|| {
    let spec = Library::builtin()
        .unwrap()
        .resolve("dongguan", None)
        .unwrap();
    let mut png = Vec::new();
    image::RgbImage::from_pixel(358, 441, image::Rgb([128, 128, 128]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let photo = Photo::from_bytes(&png, &Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        fix: Some(Fix {
            output: OutputOptions {
                out_dir: Some(dir.path().to_path_buf()),
                ..OutputOptions::default()
            },
            ..Fix::default()
        }),
        ..Options::default()
    };
    let report = idphoto::check_photo(Path::new("grey.png"), &photo, &spec, &options);
    assert!(!report.checks.is_empty() && report.correction.is_some());
    report
});

/// RFC 4180, as a spreadsheet reads it.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "the CSV ends with a row"
    );
    rows
}

fuzz_target!(|data: &[u8]| {
    // Three fields separated by 0xFF, a byte no UTF-8 text holds.
    let mut parts = data.splitn(3, |&b| b == 0xFF);
    let file = PathBuf::from(OsStr::from_bytes(parts.next().unwrap_or_default()));
    let output = PathBuf::from(OsStr::from_bytes(parts.next().unwrap_or_default()));
    let error = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();

    let mut report = BASE.clone();
    report.file = file.clone();
    report.output = Some(output.clone());
    if let Some(c) = report.correction.as_mut() {
        c.status = CorrectionStatus::Written;
        c.path = Some(output.clone());
    }
    report.set_error(error.clone(), None);

    for lang in [idphoto::report::Lang::Zh, idphoto::report::Lang::En] {
        let json = report::to_json(&report, lang);
        assert_eq!(json["file"], path_text(&file));
        assert_eq!(json["output"], path_text(&output));
        assert_eq!(json["error"], error.as_str());
        let mut text = Vec::new();
        report::render_json(&mut text, &report, lang).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&text).expect("the JSON parses");
        assert_eq!(back, json);

        let mut human = Vec::new();
        let style = Style {
            colour: false,
            lang,
        };
        report::render_human(&mut human, &report, &style, "title").unwrap();
        let human = String::from_utf8(human).expect("the table is UTF-8");
        if let Some(c) = human.chars().find(|&c| c.is_control() && c != '\n') {
            panic!("control character {c:?} in the table:\n{human}");
        }
    }

    let mut judged = SummaryRow::from(&BASE as &Report);
    judged.path = output.clone();
    let rows = [SummaryRow::from(&report), judged];
    let mut csv = Vec::new();
    write_summary_csv(&mut csv, &rows).unwrap();
    let read = read_csv(&String::from_utf8(csv).expect("the CSV is UTF-8"));
    assert_eq!(read.len(), 3, "a header and two rows: {read:?}");
    assert_eq!(
        read[0],
        ["path", "verdict", "failed_checks", "output", "error"]
    );
    assert_eq!(read[1][0], path_text(&file));
    assert_eq!(read[1][1], "error");
    assert_eq!(read[1][3], path_text(&output));
    assert_eq!(read[1][4], error);
    assert_eq!(read[2][0], path_text(&output));
    assert_eq!(
        read[2][1],
        match BASE.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    );
});
