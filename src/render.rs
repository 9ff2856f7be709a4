//! Rendering in the binary: the batch printer (reports in each format, progress, summary line)
//! and the spec table. Renderers write to `impl Write`; the caller decides terminal matters.

use idphoto::batch::{SummaryRow, Tally};
use idphoto::report::{self, Lang, Report, Style};
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::cli::Format;

/// Prints the reports of a batch as they arrive. Human reports and the JSON array keep input
/// order (a report that finishes early waits for those before it); JSONL lines are written in
/// completion order, each as soon as its photo is done.
pub struct Printer<'a, W: Write> {
    pub out: W,
    pub format: Format,
    pub style: Style,
    pub title: String,
    /// Several photos or any folder / list: JSON becomes an array, human output gets a summary.
    pub batch: bool,
    pub bar: &'a ProgressBar,
    /// Summary rows by input index, when `--summary` was given.
    pub rows: Option<Vec<Option<SummaryRow>>>,
    pending: BTreeMap<usize, Report>,
    next: usize,
    json: Vec<Option<serde_json::Value>>,
}

impl<'a, W: Write> Printer<'a, W> {
    pub fn new(out: W, format: Format, style: Style, title: String, bar: &'a ProgressBar) -> Self {
        Printer {
            out,
            format,
            style,
            title,
            batch: false,
            bar,
            rows: None,
            pending: BTreeMap::new(),
            next: 0,
            json: Vec::new(),
        }
    }

    /// Takes the report of input `index`.
    pub fn report(&mut self, index: usize, report: Report) -> io::Result<()> {
        self.bar.inc(1);
        if let Some(rows) = &mut self.rows {
            if rows.len() <= index {
                rows.resize(index + 1, None);
            }
            rows[index] = Some(SummaryRow::from(&report));
        }
        match self.format {
            Format::Jsonl => {
                let mut value = report::to_json(&report, self.style.lang);
                if let Some(object) = value.as_object_mut() {
                    object.insert("type".into(), "photo".into());
                }
                let mut line = serde_json::to_vec(&value)?;
                line.push(b'\n');
                self.bar.suspend(|| self.out.write_all(&line))
            }
            Format::Json => {
                if self.json.len() <= index {
                    self.json.resize(index + 1, None);
                }
                self.json[index] = Some(report::to_json(&report, self.style.lang));
                Ok(())
            }
            Format::Human => {
                self.pending.insert(index, report);
                while let Some(report) = self.pending.remove(&self.next) {
                    let mut text = Vec::new();
                    if self.next > 0 {
                        writeln!(text)?;
                    }
                    report::render_human(&mut text, &report, &self.style, &self.title)?;
                    self.bar.suspend(|| self.out.write_all(&text))?;
                    self.next += 1;
                }
                Ok(())
            }
        }
    }

    /// Ends the output once every report is in: the JSON document, the human summary line.
    /// Returns the summary rows in input order.
    pub fn finish(mut self, tally: &Tally) -> io::Result<Vec<SummaryRow>> {
        self.bar.finish_and_clear();
        match self.format {
            Format::Jsonl => {
                let summary = serde_json::json!({
                    "type": "summary",
                    "schema": report::SCHEMA_VERSION,
                    "photos": tally.total(),
                    "passed": tally.passed,
                    "failed": tally.failed,
                    "errors": tally.errors,
                    "exit_code": tally.exit().code(),
                });
                writeln!(self.out, "{summary}")?;
            }
            Format::Json => {
                let mut values: Vec<serde_json::Value> = self.json.into_iter().flatten().collect();
                let value = if self.batch || values.len() != 1 {
                    serde_json::Value::Array(values)
                } else {
                    values.remove(0)
                };
                serde_json::to_writer_pretty(&mut self.out, &value)?;
                writeln!(self.out)?;
            }
            Format::Human if self.batch => {
                writeln!(self.out, "\n{}", summary_line(tally, self.style.lang))?;
            }
            Format::Human => {}
        }
        self.out.flush()?;
        Ok(self
            .rows
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect())
    }
}

/// `12 photos: 9 passed, 2 failed, 1 error`.
pub fn summary_line(tally: &Tally, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "共 {} 张：{} 张通过，{} 张未通过，{} 张无法检查",
            tally.total(),
            tally.passed,
            tally.failed,
            tally.errors
        ),
        Lang::En => format!(
            "{} photo{}: {} passed, {} failed, {} error{}",
            tally.total(),
            if tally.total() == 1 { "" } else { "s" },
            tally.passed,
            tally.failed,
            tally.errors,
            if tally.errors == 1 { "" } else { "s" }
        ),
    }
}

/// The table of `idphoto specs list`.
pub fn write_spec_table(out: &mut dyn Write, rows: &[idphoto::spec::Summary]) -> io::Result<()> {
    let table: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.spec.clone(),
                format!("{} {}", r.city_zh, r.city_en),
                format!("{} {}", r.doc_zh, r.doc_en),
                format!(
                    "{}×{} px{}",
                    r.width_px,
                    r.height_px,
                    r.dpi.map(|d| format!(" @{d} dpi")).unwrap_or_default()
                ),
                r.background.join("/"),
            ]
        })
        .collect();
    let header = ["spec", "city", "document", "size", "background"].map(String::from);
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            std::iter::once(&header)
                .chain(&table)
                .map(|r| unicode_width::UnicodeWidthStr::width(r[i].as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&table) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| {
                format!(
                    "{cell}{}",
                    " ".repeat(w - unicode_width::UnicodeWidthStr::width(cell.as_str()))
                )
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_counts_each_verdict() {
        let t = Tally {
            passed: 9,
            failed: 2,
            errors: 1,
            cancelled: false,
        };
        assert_eq!(
            summary_line(&t, Lang::En),
            "12 photos: 9 passed, 2 failed, 1 error"
        );
        assert_eq!(
            summary_line(&t, Lang::Zh),
            "共 12 张：9 张通过，2 张未通过，1 张无法检查"
        );
    }
}
