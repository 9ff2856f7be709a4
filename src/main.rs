//! The `idphoto` binary: parse flags, call the library, render, choose the exit code.

mod cli;

use clap::Parser;
use cli::{Cli, Command, SpecsCommand};
use idphoto::report::{self, Exit, Style};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            // A closed pipe (`idphoto … | head`) is the reader's choice, not an error.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("idphoto: {err:#}");
            ExitCode::from(Exit::Error.code())
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Exit> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Check(args) => {
            let lib = cli::load_library(&args.specs)?;
            let spec = lib.resolve(&args.city, args.doc.as_deref())?;
            let lang = cli::lang(args.lang);
            let style = Style {
                colour: cli::colour(args.color),
                lang,
            };
            let options = idphoto::Options {
                fix: args.output.fix(args.paths.len())?,
                ..Default::default()
            };
            let annotated = args.output.faces()?;
            let title = format!(
                "{} {}",
                match lang {
                    report::Lang::Zh => &spec.city.name_zh,
                    report::Lang::En => &spec.city.name_en,
                },
                spec.doc_name(lang)
            );
            let mut exit = Exit::Pass;
            let mut json = Vec::new();
            for (i, path) in args.paths.iter().enumerate() {
                let face = cli::annotated_face(&annotated, path);
                let inputs = idphoto::correct::Inputs {
                    face: face.as_ref(),
                    matte: None,
                };
                let report = idphoto::check_file_with(path, &spec, &options, inputs);
                exit = exit.merge(Exit::of(report.verdict));
                match args.format {
                    cli::Format::Human => {
                        if i > 0 {
                            writeln!(out)?;
                        }
                        report::render_human(&mut out, &report, &style, &title)?;
                    }
                    cli::Format::Json => json.push(report::to_json(&report, lang)),
                }
            }
            if args.format == cli::Format::Json {
                let value = if json.len() == 1 {
                    json.remove(0)
                } else {
                    serde_json::Value::Array(json)
                };
                serde_json::to_writer_pretty(&mut out, &value)?;
                writeln!(out)?;
            }
            Ok(exit)
        }
        Command::Specs(SpecsCommand::List { format, specs }) => {
            let rows = cli::load_library(&specs)?.summaries()?;
            match format {
                cli::ListFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &rows)?;
                    writeln!(out)?;
                }
                cli::ListFormat::Human => write_spec_table(&mut out, &rows)?,
            }
            Ok(Exit::Pass)
        }
        Command::Specs(SpecsCommand::Show { city, doc, specs }) => {
            let spec = cli::load_library(&specs)?.resolve(&city, doc.as_deref())?;
            write!(out, "# {}\n{}", spec.key(), spec.to_toml())?;
            Ok(Exit::Pass)
        }
    }
}

fn write_spec_table(out: &mut dyn Write, rows: &[idphoto::spec::Summary]) -> std::io::Result<()> {
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
