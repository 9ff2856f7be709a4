//! The per-photo summary table of a batch (`--summary FILE.csv`), written atomically.
//!
//! Where it may go is judged before the batch starts ([`summary_target`]), so a refusal comes
//! before minutes of work: never onto a photo being checked or a corrected photo of the run,
//! never replacing or writing through a link to a regular file. A character device, FIFO or
//! socket (`/dev/stdout`, `/dev/null`, a shell's `>(gzip > s.csv.gz)`) is written into directly,
//! as a person naming one means.

use super::Input;
use crate::correct::write::{folder_of, path_text, same_file, temp_in, Existing};
use crate::error::{Error, Result};
use crate::report::{Report, Verdict};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How the summary reaches its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryTarget {
    /// A regular file, made or replaced atomically (temporary file, then rename).
    Replace,
    /// A character device, FIFO or socket, written into directly.
    WriteThrough,
}

/// Decides how `--summary` is written to `path`, or refuses it: a folder, a missing folder, a
/// block device, a link to anything but a character device, FIFO or socket, one of the `inputs`
/// or one of the `outputs` (the corrected photos the run may write).
pub fn summary_target(path: &Path, inputs: &[Input], outputs: &[PathBuf]) -> Result<SummaryTarget> {
    let refuse = |reason: String| Error::Output {
        path: path.to_path_buf(),
        reason,
    };
    let special = |m: &std::fs::Metadata| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let t = m.file_type();
            if t.is_block_device() {
                return None;
            }
            (t.is_char_device() || t.is_fifo() || t.is_socket()).then_some(())
        }
        #[cfg(not(unix))]
        {
            let _ = m;
            None
        }
    };
    match Existing::at(path) {
        Existing::Folder => Err(refuse("--summary is a folder; name a file".into())),
        Existing::Link => match std::fs::metadata(path) {
            Ok(m) if special(&m).is_some() => Ok(SummaryTarget::WriteThrough),
            Ok(_) => Err(refuse(
                "--summary is a symbolic link; idphoto neither replaces a link nor writes through \
                 it into a file: name the file itself"
                    .into(),
            )),
            Err(_) => Err(refuse(
                "--summary is a dangling symbolic link; remove it or name another file".into(),
            )),
        },
        Existing::Special => match std::fs::metadata(path) {
            Ok(m) if special(&m).is_some() => Ok(SummaryTarget::WriteThrough),
            _ => Err(refuse(
                "--summary is a block device; name a regular file".into(),
            )),
        },
        Existing::File | Existing::Nothing => {
            let dir = folder_of(path);
            if !dir.is_dir() {
                return Err(refuse(format!(
                    "--summary: folder {} does not exist",
                    dir.display()
                )));
            }
            if let Some(input) = inputs.iter().find(|i| same_file(path, &i.path)) {
                return Err(refuse(format!(
                    "--summary would overwrite {}, a photo being checked; name another file",
                    input.path.display()
                )));
            }
            if let Some(out) = outputs.iter().find(|o| same_file(path, o)) {
                return Err(refuse(format!(
                    "--summary would overwrite {}, where a corrected photo goes; name another file",
                    out.display()
                )));
            }
            Ok(SummaryTarget::Replace)
        }
    }
}

/// One row of the summary table (`--summary FILE.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The photo's path.
    pub path: PathBuf,
    /// Its verdict.
    pub verdict: Verdict,
    /// Ids of the failed checks, in registry order.
    pub failed_checks: Vec<&'static str>,
    /// Where the corrected photo was written.
    pub output: Option<PathBuf>,
    /// Why the photo could not be judged.
    pub error: Option<String>,
}

impl From<&Report> for SummaryRow {
    fn from(report: &Report) -> Self {
        SummaryRow {
            path: report.file.clone(),
            verdict: report.verdict,
            failed_checks: report
                .checks
                .iter()
                .filter(|c| c.status == crate::checks::Status::Fail)
                .map(|c| c.id.as_str())
                .collect(),
            output: report.output.clone(),
            error: report.error.clone(),
        }
    }
}

/// Writes the summary as CSV (RFC 4180): a header `path,verdict,failed_checks,output,error`,
/// then one row per photo; failed check ids are joined with `;`.
pub fn write_summary_csv(out: &mut dyn Write, rows: &[SummaryRow]) -> io::Result<()> {
    writeln!(out, "path,verdict,failed_checks,output,error")?;
    for row in rows {
        let verdict = match row.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        };
        let fields = [
            path_text(&row.path),
            verdict.to_string(),
            row.failed_checks.join(";"),
            row.output
                .as_ref()
                .map(|p| path_text(p))
                .unwrap_or_default(),
            row.error.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes the summary CSV to `path` as [`summary_target`] decides (judged again here, as the
/// file system may have changed during the batch). A regular file is written atomically: into a
/// temporary file in the same folder, then renamed over `path`, so a reader (or an interrupted
/// run) never sees half a table.
pub fn write_summary_file(path: &Path, rows: &[SummaryRow]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if summary_target(path, &[], &[])? == SummaryTarget::WriteThrough {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        let mut buf = io::BufWriter::new(file);
        write_summary_csv(&mut buf, rows).map_err(io)?;
        return buf.flush().map_err(io);
    }
    let mut tmp = temp_in(folder_of(path)).map_err(io)?;
    let mut buf = io::BufWriter::new(tmp.as_file_mut());
    write_summary_csv(&mut buf, rows).map_err(io)?;
    buf.flush().map_err(io)?;
    drop(buf);
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path, true).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let rows = [
            SummaryRow {
                path: "a,b.jpg".into(),
                verdict: Verdict::Fail,
                failed_checks: vec!["file.kb", "file.dpi"],
                output: None,
                error: None,
            },
            SummaryRow {
                path: "c.jpg".into(),
                verdict: Verdict::Error,
                failed_checks: vec![],
                output: Some("o/c.dongguan.jpg".into()),
                error: Some("c.jpg: says \"no\"\nbye".into()),
            },
        ];
        let mut out = Vec::new();
        write_summary_csv(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "path,verdict,failed_checks,output,error\n\
             \"a,b.jpg\",fail,file.kb;file.dpi,,\n\
             c.jpg,error,,o/c.dongguan.jpg,\"c.jpg: says \"\"no\"\"\nbye\"\n"
        );
    }
}
