//! Reports: what idphoto found about one photo, and the renderers for people and scripts.
//!
//! One [`Report`] per photo; [`render_human`] writes the table people read, [`render_json`] the
//! stable JSON object scripts read (`"schema": 1`; fields are added, never renamed). Renderers
//! write to any `io::Write` and never decide about terminals or colour themselves: the caller
//! says whether to colour.

pub use crate::checks::{Check, Status};
pub use crate::checks::{CheckId, Measure, Requirement, Unit, Value};
pub use crate::correct::{
    encode::SizeFit, tone::ToneReport, BackgroundOutcome, Caution, Correction, CorrectionStatus,
    GeometryMeasure, KeptReason, Paper, PrintSheet, Problem, SheetSkipped,
};
pub use crate::crop::Infeasible;
use crate::decode::FileInfo;
pub use crate::face::{Confidence, Face, FaceAnalysis, Sides};
pub use crate::lang::{Hint, Lang, Words};
pub use crate::layout::Rule as GeometryRule;
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;
use unicode_width::UnicodeWidthStr;

/// Version of the JSON schema; bumped only when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// The overall judgement of one photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every check passed (warnings allowed).
    Pass,
    /// At least one check failed.
    Fail,
    /// The photo could not be judged (unreadable, not an image …).
    Error,
}

impl Verdict {
    /// From a list of checks: any failure fails the photo.
    pub fn of(checks: &[Check]) -> Self {
        if checks.iter().any(|c| c.status == Status::Fail) {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    /// The word shown in reports.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
        }
    }
}

/// The process exit code a set of verdicts leads to: 0 all passed, 1 some failed, 2 some could not
/// be processed (an error outranks a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Exit {
    /// Every photo passed.
    #[default]
    Pass = 0,
    /// At least one photo failed a check.
    Fail = 1,
    /// At least one photo (or the command itself) could not be processed.
    Error = 2,
}

impl Exit {
    /// The exit code for one verdict.
    pub fn of(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Pass => Exit::Pass,
            Verdict::Fail => Exit::Fail,
            Verdict::Error => Exit::Error,
        }
    }

    /// Combines two outcomes: the more serious wins.
    pub fn merge(self, other: Exit) -> Exit {
        self.max(other)
    }

    /// The numeric exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Everything idphoto found about one photo.
#[derive(Debug, Clone)]
pub struct Report {
    /// The photo's path as given.
    pub file: PathBuf,
    /// The spec key, e.g. `dongguan/id-card`.
    pub spec: String,
    /// The overall judgement.
    pub verdict: Verdict,
    /// Every check, in registry order.
    pub checks: Vec<Check>,
    /// File facts, when the file could be read.
    pub image: Option<FileInfo>,
    /// Where the corrected photo was written, if one was.
    pub output: Option<PathBuf>,
    /// What the correction did (absent with `--no-fix`).
    pub correction: Option<crate::correct::Correction>,
    /// Why the photo could not be judged.
    pub error: Option<String>,
    /// What the person can do about `error`, in both languages (the error itself is the
    /// library's English message, which scripts may match on).
    pub error_hint: Option<Hint>,
    /// What the face stage found, when it ran.
    pub face: Option<crate::face::FaceAnalysis>,
}

impl Report {
    /// The report of a photo that was read and judged by `checks`; the verdict follows from
    /// them. Correction, output and face are added by the caller when they exist.
    pub fn judged(file: PathBuf, spec: String, image: FileInfo, checks: Vec<Check>) -> Self {
        Report {
            file,
            spec,
            verdict: Verdict::of(&checks),
            checks,
            image: Some(image),
            output: None,
            correction: None,
            error: None,
            error_hint: None,
            face: None,
        }
    }

    /// The report of a photo that could not be judged.
    pub fn error(file: PathBuf, spec: String, error: &crate::Error) -> Self {
        Report {
            file,
            spec,
            verdict: Verdict::Error,
            checks: Vec::new(),
            image: None,
            output: None,
            correction: None,
            error: Some(error.to_string()),
            error_hint: error_hint(error),
            face: None,
        }
    }

    /// Marks a judged photo as an error after the fact (its corrected photo or preview could
    /// not be written); the checks stay.
    pub fn set_error(&mut self, error: String, hint: Option<Hint>) {
        self.verdict = Verdict::Error;
        self.error = Some(error);
        self.error_hint = hint;
    }

    /// Number of checks with a given status.
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}

/// What a person can do about an error: one that kept a photo from being judged, or a usage
/// or spec error that stopped the run (the binary prints those). Every error has one today;
/// the `Option` leaves room for an error whose message says all there is.
pub fn error_hint(error: &crate::Error) -> Option<Hint> {
    use crate::Error as E;
    Some(match error {
        E::Io { source, .. } => match source.kind() {
            io::ErrorKind::NotFound => Hint::new(
                "找不到这个文件：检查路径和文件名",
                "no such file: check the path and the name",
            ),
            io::ErrorKind::PermissionDenied => Hint::new(
                "没有读取这个文件的权限：复制一份到自己的文件夹再检查",
                "no permission to read the file: copy it into a folder of your own and check that",
            ),
            _ => Hint::new(
                "无法读取这个文件：确认它仍在原处、可以打开",
                "the file could not be read: make sure it is still there and opens",
            ),
        },
        E::EmptyFile { .. } => Hint::new(
            "文件是空的：重新拷贝或下载这张照片",
            "the file is empty: copy or download the photo again",
        ),
        E::NotAnImage { .. } => Hint::new(
            "这不是照片文件：请选择 JPEG 或 PNG 格式的照片",
            "this is not a photo: pick the JPEG or PNG file of the photo",
        ),
        E::UnsupportedFormat { format, .. } => Hint::new(
            format!("无法读取 {format} 格式：先导出为 JPEG 再检查（iPhone：设置 › 相机 › 格式 › 兼容性最佳）"),
            format!("{format} cannot be read: export the photo as JPEG and check that copy"),
        ),
        E::Decode { .. } | E::DecoderPanic { .. } => Hint::new(
            "文件已损坏或不完整：重新拷贝、下载或拍摄这张照片",
            "the file is damaged or incomplete: copy, download or take the photo again",
        ),
        E::TooLarge { limit_mp, .. } => Hint::new(
            format!("照片像素过多：先缩小到 {limit_mp} 百万像素以内"),
            format!("too many pixels: shrink the photo below {limit_mp} megapixels first"),
        ),
        E::TooManyBytes { .. } => Hint::new(
            "照片解码后占用内存过多（16 位色深或动画）：先导出为普通 8 位 JPEG",
            "the photo takes too much memory to decode (16-bit or animated): export an ordinary 8-bit JPEG first",
        ),
        E::FileTooLarge { .. } => Hint::new(
            "文件过大：先用相册或修图软件导出一份较小的 JPEG",
            "the file is too large: export a smaller JPEG from your photo app first",
        ),
        E::Panic { .. } | E::Model { .. } => bug_hint(),
        E::Output { .. } => output_hint(),
        E::UnknownCity { .. } => Hint::new(
            "idphoto specs list 列出全部城市；不在列表中的地方，全国通用的规格见 --city china",
            "idphoto specs list shows every city; for a place not listed, --city china has the national rules",
        ),
        E::UnknownDocument { .. } => Hint::new(
            "idphoto specs list 列出每个城市可选的证件（如 id-card 身份证、passport 护照）",
            "idphoto specs list shows each city's documents (e.g. id-card, passport)",
        ),
        E::InvalidName { .. } => Hint::new(
            "城市和证件请用名称（如 dongguan 或 东莞），不要用路径",
            "give a name such as dongguan or 东莞, not a path",
        ),
        E::SpecParse { .. } | E::SpecInvalid { .. } | E::SpecCycle { .. } | E::UnknownBase { .. } => {
            Hint::new(
                "规格文件有误：按上面指出的位置修改（各字段的含义见 specs/README.md）",
                "fix the spec file where the message points (every field is described in specs/README.md)",
            )
        }
    })
}

/// The hint for a file idphoto could not write (the corrected photo, the preview).
pub fn output_hint() -> Hint {
    Hint::new(
        "输出文件未写出：换一个输出位置（--out-dir），或用 --force 覆盖以前的输出",
        "the output was not written: choose another place (--out-dir), or --force to replace an earlier output",
    )
}

/// The hint for a failure that is idphoto's fault, not the photo's.
pub fn bug_hint() -> Hint {
    Hint::new(
        "这是 idphoto 的内部错误，不是照片的问题：请报告",
        "an idphoto bug, not a problem with the photo: please report it",
    )
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    id: &'a str,
    status: Status,
    measured: &'a Option<crate::checks::Measure>,
    required: &'a Option<crate::checks::Requirement>,
    hint: Option<&'a str>,
    official_reason: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: u32,
    file: String,
    spec: &'a str,
    verdict: Verdict,
    checks: Vec<JsonCheck<'a>>,
    image: &'a Option<FileInfo>,
    output: Option<String>,
    correction: &'a Option<crate::correct::Correction>,
    error: &'a Option<String>,
    error_hint: Option<&'a str>,
    face: Option<serde_json::Value>,
    not_judged: Vec<JsonUnjudged>,
}

#[derive(Serialize)]
struct JsonUnjudged {
    id: &'static str,
    what: &'static str,
    official_reason: &'static str,
}

/// What the review rejects that the report's checks did not judge: none where no check ran.
fn unjudged(report: &Report) -> &'static [crate::checks::Unjudged] {
    if report.checks.is_empty() {
        &[]
    } else {
        crate::checks::NOT_JUDGED
    }
}

/// The JSON object for one report (the stable schema documented in README).
pub fn to_json(report: &Report, lang: Lang) -> serde_json::Value {
    let checks = report
        .checks
        .iter()
        .map(|c| JsonCheck {
            id: c.id.as_str(),
            status: c.status,
            measured: &c.measured,
            required: &c.required,
            hint: c.hint.as_ref().map(|h| h.get(lang)),
            official_reason: c.official_reason,
        })
        .collect();
    let json = JsonReport {
        schema: SCHEMA_VERSION,
        file: crate::correct::write::path_text(&report.file),
        spec: &report.spec,
        verdict: report.verdict,
        checks,
        image: &report.image,
        output: report
            .output
            .as_deref()
            .map(crate::correct::write::path_text),
        correction: &report.correction,
        error: &report.error,
        error_hint: report.error_hint.as_ref().map(|h| h.get(lang)),
        face: report.face.as_ref().and_then(json_face),
        not_judged: unjudged(report)
            .iter()
            .map(|u| JsonUnjudged {
                id: u.id,
                what: lang.pick(u.zh, u.en),
                official_reason: u.official_reason,
            })
            .collect(),
    };
    serde_json::to_value(json).unwrap_or(serde_json::Value::Null)
}

/// The JSON `face` object: the main face's geometry plus `faces_found` and every box; `None`
/// (JSON null) when no face was found.
fn json_face(analysis: &crate::face::FaceAnalysis) -> Option<serde_json::Value> {
    let mut value = serde_json::to_value(analysis.face.as_ref()?).ok()?;
    let object = value.as_object_mut()?;
    object.insert("faces_found".into(), analysis.faces_found.into());
    object.insert("boxes".into(), serde_json::to_value(&analysis.boxes).ok()?);
    Some(value)
}

/// Writes one report as a pretty JSON document.
pub fn render_json(out: &mut dyn Write, report: &Report, lang: Lang) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(report, lang))?;
    writeln!(out)
}

/// How the human report looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colours (the caller decides: terminal, `NO_COLOR`, `--color`).
    pub colour: bool,
    /// Language of hints and labels.
    pub lang: Lang,
}

fn paint(style: &Style, code: &str, text: &str) -> String {
    if style.colour {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn status_colour(status: Status) -> &'static str {
    match status {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail => "1;31",
        Status::NotApplicable => "2",
    }
}

/// Replaces control characters so a hostile file name cannot drive the terminal.
pub fn sanitise(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn pad(text: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// Writes the human-readable table for one report.
pub fn render_human(
    out: &mut dyn Write,
    report: &Report,
    style: &Style,
    title: &str,
) -> io::Result<()> {
    let verdict = paint(
        style,
        match report.verdict {
            Verdict::Pass => "1;32",
            Verdict::Fail => "1;31",
            Verdict::Error => "1;35",
        },
        report.verdict.word(),
    );
    writeln!(
        out,
        "{}  {}  [{}]  {verdict}",
        sanitise(&report.file.display().to_string()),
        title,
        report.spec
    )?;
    if let Some(err) = &report.error {
        let error = style.lang.pick("错误", "error");
        writeln!(out, "  {}: {}", paint(style, "1;35", error), sanitise(err))?;
        if let Some(h) = &report.error_hint {
            let label = style.lang.pick("建议", "hint");
            writeln!(out, "  {label}: {}", h.get(style.lang))?;
        }
        if report.checks.is_empty() {
            return Ok(());
        }
    }
    let (h_check, h_measured, h_required, h_hint) = match style.lang {
        Lang::Zh => ("检查", "实测", "要求", "建议"),
        Lang::En => ("check", "measured", "required", "hint"),
    };
    let rows: Vec<[String; 4]> = report
        .checks
        .iter()
        .map(|c| {
            let hint = c.hint.as_ref().map(|h| h.get(style.lang).to_string());
            let hint = match (hint, c.official_reason) {
                (Some(h), Some(r)) if c.status != Status::NotApplicable => format!("{h} 〔{r}〕"),
                (Some(h), _) => h,
                (None, _) => String::new(),
            };
            [
                c.id.as_str().to_string(),
                c.measured
                    .as_ref()
                    .map_or("–", |m| m.text.get(style.lang))
                    .to_string(),
                c.required
                    .as_ref()
                    .map_or("–", |r| r.text.get(style.lang))
                    .to_string(),
                hint,
            ]
        })
        .collect();
    let width = |i: usize, header: &str| {
        rows.iter()
            .map(|r| UnicodeWidthStr::width(r[i].as_str()))
            .chain([UnicodeWidthStr::width(header)])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (
        width(0, h_check),
        width(1, h_measured),
        width(2, h_required),
    );
    writeln!(
        out,
        "  {}",
        paint(
            style,
            "2",
            &format!(
                "{}  {}  {}  {}  {h_hint}",
                pad("", 4),
                pad(h_check, w0),
                pad(h_measured, w1),
                pad(h_required, w2)
            )
        )
    )?;
    for (check, row) in report.checks.iter().zip(&rows) {
        let word = paint(
            style,
            status_colour(check.status),
            &pad(check.status.word(), 4),
        );
        let line = format!(
            "{word}  {}  {}  {}  {}",
            pad(&row[0], w0),
            pad(&row[1], w1),
            pad(&row[2], w2),
            row[3]
        );
        writeln!(out, "  {}", line.trim_end())?;
    }
    let summary = match style.lang {
        Lang::Zh => format!(
            "{} 项通过，{} 项警告，{} 项未通过，{} 项不适用",
            report.count(Status::Pass),
            report.count(Status::Warn),
            report.count(Status::Fail),
            report.count(Status::NotApplicable)
        ),
        Lang::En => format!(
            "{} passed, {} warned, {} failed, {} not applicable",
            report.count(Status::Pass),
            report.count(Status::Warn),
            report.count(Status::Fail),
            report.count(Status::NotApplicable)
        ),
    };
    writeln!(out, "  {summary}")?;
    let unjudged = unjudged(report);
    if !unjudged.is_empty() {
        let label = style
            .lang
            .pick("未判断，请自行检查：", "not judged, check yourself: ");
        let sep = style.lang.pick("；", "; ");
        let list: Vec<&str> = unjudged
            .iter()
            .map(|u| style.lang.pick(u.zh, u.en))
            .collect();
        writeln!(
            out,
            "  {}",
            paint(style, "2", &format!("{label}{}", list.join(sep)))
        )?;
    }
    if let Some(c) = &report.correction {
        render_correction(out, c, style)?;
    }
    Ok(())
}

/// The lines about the corrected photo: where it is, its JPEG quality and size, the background,
/// or why none was written.
fn render_correction(
    out: &mut dyn Write,
    c: &crate::correct::Correction,
    style: &Style,
) -> io::Result<()> {
    use crate::correct::{BackgroundOutcome, CorrectionStatus, KeptReason};
    let zh = style.lang == Lang::Zh;
    match c.status {
        CorrectionStatus::Written => {
            let path = c
                .path
                .as_ref()
                .map(|p| sanitise(&p.display().to_string()))
                .unwrap_or_default();
            let label = if zh {
                "修正照片"
            } else {
                "corrected photo"
            };
            let q = c
                .jpeg_quality
                .map(|q| format!("JPEG Q{q}"))
                .unwrap_or_default();
            let kb = c.kb.map(|k| format!("{k:.1} KB")).unwrap_or_default();
            writeln!(out, "  {label}: {path}  ({q}, {kb})")?;
            if let Some(s) = &c.sheet {
                let path = sanitise(&s.path.display().to_string());
                let (size, n, dpi) = (s.size.name(), s.copies, s.dpi);
                if zh {
                    writeln!(out, "  排版照片: {path}  ({size} 相纸，{n} 张，{dpi} dpi)")?;
                } else {
                    writeln!(
                        out,
                        "  print sheet: {path}  ({n} copies on {size}, {dpi} dpi)"
                    )?;
                }
            }
            if let Some(why) = c.sheet_skipped {
                let (zh_text, en_text) = why.explain();
                writeln!(out, "  {}", style.lang.pick(zh_text, en_text))?;
            }
            match (c.turned_deg, zh) {
                (Some(180), true) => writeln!(out, "  已先将照片旋转180°（原照片是倒置的）")?,
                (Some(180), false) => {
                    writeln!(out, "  turned 180° first: the photo was stored upside down")?
                }
                (Some(d), true) => {
                    let way = if d == 90 { "顺时针" } else { "逆时针" };
                    writeln!(out, "  已先将照片{way}旋转90°（原照片是侧放的）")?
                }
                (Some(d), false) => {
                    let way = if d == 90 {
                        "clockwise"
                    } else {
                        "counter-clockwise"
                    };
                    writeln!(
                        out,
                        "  turned 90° {way} first: the photo was stored on its side"
                    )?
                }
                (None, _) => {}
            }
            if c.red_eye_fixed {
                let text = style.lang.pick(
                    "已修正红眼：瞳孔已调暗",
                    "red eye fixed: the pupils were darkened",
                );
                writeln!(out, "  {text}")?;
            }
            if !c.still_failing.is_empty() {
                let list = c.still_failing.join(", ");
                if zh {
                    writeln!(
                        out,
                        "  修正照片仍不合格：{list}（修正无法解决，需重拍，见上方提示）"
                    )?;
                } else {
                    writeln!(
                        out,
                        "  the corrected photo still fails {list}: no correction fixes that, retake (hints above)"
                    )?;
                }
            }
            for caution in &c.cautions {
                let label = style.lang.pick("注意", "look closely");
                writeln!(
                    out,
                    "  {label}: {}",
                    style.lang.pick(caution.zh, caution.en)
                )?;
            }
            if let Some(BackgroundOutcome::Kept { reason }) = &c.background {
                let why = match (reason, zh) {
                    (KeptReason::NoMatte, true) => "未做人像分割",
                    (KeptReason::NoMatte, false) => "no person segmentation",
                    (KeptReason::LowConfidence, true) => "人像分割不够可靠",
                    (KeptReason::LowConfidence, false) => "the segmentation is not confident",
                    (KeptReason::NoColourInSpec, true) => "规格未规定背景色",
                    (KeptReason::NoColourInSpec, false) => "the spec names no background colour",
                };
                if zh {
                    writeln!(out, "  背景未替换（{why}）：背景检查可能仍不通过")?;
                } else {
                    writeln!(
                        out,
                        "  background kept ({why}): the background check may still fail"
                    )?;
                }
            }
        }
        CorrectionStatus::NotPossible => {
            writeln!(
                out,
                "  {}",
                if zh {
                    "无法生成合格的修正照片："
                } else {
                    "no compliant corrected photo is possible:"
                }
            )?;
            for p in &c.problems {
                let text = if zh { p.zh } else { p.en };
                writeln!(out, "    - {text} 〔{}〕", p.official_reason)?;
            }
        }
        CorrectionStatus::NoFace => writeln!(
            out,
            "  {}",
            if zh {
                "未找到唯一的人脸，未生成修正照片"
            } else {
                "no single face found: no corrected photo written"
            }
        )?,
        // The message is the report's error line.
        CorrectionStatus::Failed => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_merge_error_outranks_fail_outranks_pass() {
        assert_eq!(Exit::Pass.merge(Exit::Fail), Exit::Fail);
        assert_eq!(Exit::Fail.merge(Exit::Error), Exit::Error);
        assert_eq!(Exit::Error.merge(Exit::Pass), Exit::Error);
        assert_eq!(Exit::of(Verdict::Fail).code(), 1);
    }

    #[test]
    fn sanitise_replaces_terminal_escapes() {
        assert_eq!(sanitise("a\x1b[31mb\n"), "a\u{FFFD}[31mb\u{FFFD}");
    }

    #[test]
    fn an_unreadable_photo_says_what_to_do_in_the_chosen_language() {
        let err = crate::Error::UnsupportedFormat {
            path: "IMG_0001.HEIC".into(),
            format: "HEIC",
        };
        let report = Report::error("IMG_0001.HEIC".into(), "dongguan/id-card".into(), &err);
        let render = |lang| {
            let mut out = Vec::new();
            let style = Style {
                colour: false,
                lang,
            };
            render_human(&mut out, &report, &style, "t").unwrap();
            String::from_utf8(out).unwrap()
        };
        let zh = render(Lang::Zh);
        assert!(zh.contains("错误: IMG_0001.HEIC: a HEIC photo"), "{zh}");
        assert!(
            zh.contains("建议: 无法读取 HEIC 格式：先导出为 JPEG"),
            "{zh}"
        );
        let en = render(Lang::En);
        assert!(en.contains("hint: HEIC cannot be read: export"), "{en}");
        // Scripts get the message unchanged and the hint in the --lang language beside it.
        let json = to_json(&report, Lang::En);
        assert_eq!(json["error"], err.to_string());
        assert_eq!(
            json["error_hint"],
            "HEIC cannot be read: export the photo as JPEG and check that copy"
        );
        let judged = Report::judged("a.jpg".into(), "t/t".into(), dummy_info(), vec![]);
        assert_eq!(
            to_json(&judged, Lang::Zh)["error_hint"],
            serde_json::Value::Null
        );
    }

    fn dummy_info() -> FileInfo {
        FileInfo {
            bytes: 1,
            format: crate::decode::Format::Jpeg,
            extension_matches: true,
            width: 1,
            height: 1,
            orientation: 1,
            colour_mode: crate::decode::ColourMode::Rgb24,
            dpi: None,
            has_exif: false,
            has_gps: false,
            jpeg_quality: None,
        }
    }

    /// A judged photo tells the person what its checks did not look at, in both outputs; a
    /// photo that could not be read lists nothing, as nothing was judged.
    #[test]
    fn a_judged_photo_lists_what_is_not_judged() {
        let check = Check::not_applicable(
            crate::checks::CheckId::Glare,
            Hint::new("未测得", "not measured"),
        );
        let judged = Report::judged("a.jpg".into(), "t/t".into(), dummy_info(), vec![check]);
        let json = to_json(&judged, Lang::Zh);
        let ids: Vec<&str> = json["not_judged"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"headwear") && ids.contains(&"retouching"),
            "{ids:?}"
        );
        assert_eq!(json["not_judged"][0]["what"], "帽子、头巾、发带或头饰");
        assert_eq!(json["not_judged"][0]["official_reason"], "不能戴帽子");
        let mut out = Vec::new();
        let style = Style {
            colour: false,
            lang: Lang::En,
        };
        render_human(&mut out, &judged, &style, "t").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("not judged, check yourself: hats, hoods, bands or head ornaments; "),
            "{text}"
        );

        let err = crate::Error::UnsupportedFormat {
            path: "x.heic".into(),
            format: "HEIC",
        };
        let unread = Report::error("x.heic".into(), "t/t".into(), &err);
        assert_eq!(
            to_json(&unread, Lang::En)["not_judged"],
            serde_json::json!([])
        );
    }

    #[test]
    fn pad_counts_chinese_as_double_width() {
        assert_eq!(pad("东莞", 6), "东莞  ");
    }
}
