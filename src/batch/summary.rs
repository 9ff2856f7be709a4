//! The per-photo summary table of a batch (`--summary FILE.csv`), written atomically.

use crate::error::{Error, Result};
use crate::report::{Report, Verdict};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
            row.path.display().to_string(),
            verdict.to_string(),
            row.failed_checks.join(";"),
            row.output
                .as_ref()
                .map(|p| p.display().to_string())
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

/// Writes the summary CSV to `path` atomically: into a temporary file in the same folder, then
/// renamed over `path`, so a reader (or an interrupted run) never sees half a table.
pub fn write_summary_file(path: &Path, rows: &[SummaryRow]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = crate::correct::write::folder_of(path);
    let mut tmp = crate::correct::write::temp_in(dir).map_err(io)?;
    let mut buf = io::BufWriter::new(tmp.as_file_mut());
    write_summary_csv(&mut buf, rows).map_err(io)?;
    buf.flush().map_err(io)?;
    drop(buf);
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
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
