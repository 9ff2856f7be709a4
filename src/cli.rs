//! Command-line flags, and turning them into a checked configuration once.
//!
//! Nothing after [`Config`] is built reads the environment or the terminal: colour, language and
//! the spec library are decided here.

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use idphoto::batch;
use idphoto::report::{Lang, Style};
use idphoto::spec::Library;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Checks an ID photo against the official rules of a city and document before you submit it.
#[derive(Debug, Parser)]
#[command(name = "idphoto", version, about, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 every photo passed, 1 a photo failed a check, 2 a photo could not be \
checked or usage error (2 outranks 1), 130 interrupted.\n\
Example: idphoto check photo.jpg --city dongguan"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the `check` variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check photos against a city's spec and report each rule.
    Check(CheckArgs),
    /// List or show the specs idphoto knows.
    #[command(subcommand)]
    Specs(SpecsCommand),
    /// Serve a web page and an HTTP API that check photos (on this computer only by default).
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(
        long,
        default_value = "127.0.0.1:8080",
        long_help = "Address and port to listen on. The default answers this computer only; \
0.0.0.0:8080 answers the network too (a phone on the same Wi-Fi opens http://<this computer's \
address>:8080/). Photos are checked in memory and never written to disk."
    )]
    pub addr: std::net::SocketAddr,
    /// Photos checked at once [default: number of logical cores].
    #[arg(long = "threads", short = 'j', value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Photos that may wait for a thread; more are answered 503 [default: 2 × threads].
    #[arg(long, value_name = "N")]
    pub queue: Option<u16>,
    /// Largest photo accepted, MB (10^6 bytes); larger ones are answered 413.
    #[arg(long, value_name = "MB", default_value_t = 25,
        value_parser = clap::value_parser!(u32).range(1..=200))]
    pub max_body_mb: u32,
    /// No line per request on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub specs: SpecArgs,
}

#[derive(Debug, Subcommand)]
pub enum SpecsCommand {
    /// Table of every city and document: size, dpi, background.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        #[command(flatten)]
        specs: SpecArgs,
    },
    /// The fully resolved spec of one city and document, as TOML.
    Show {
        /// City: id (dongguan), Chinese (东莞) or English name, any case.
        city: String,
        /// Document: id (id-card) or name (身份证); default: resident ID card.
        #[arg(long)]
        doc: Option<String>,
        #[command(flatten)]
        specs: SpecArgs,
    },
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Add or override specs from a TOML file (repeatable).
    #[arg(long = "spec", value_name = "FILE")]
    pub spec_files: Vec<PathBuf>,
    /// Add or override specs from every *.toml in a folder.
    #[arg(long, value_name = "DIR", env = "IDPHOTO_SPECS_DIR")]
    pub specs_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Photos or folders to check (a folder: the photos directly in it, see -r).
    #[arg(
        value_name = "PATH",
        required_unless_present = "files_from",
        long_help = "Photos or folders to check. A file is decoded by its content whatever its \
name; in a folder, files ending in .jpg .jpeg .png .webp .bmp .tif .tiff (any case) are taken, \
hidden ones skipped, in name order (.heic .heif .avif .jxl too, each reported as an error asking \
for a JPEG: idphoto does not decode them). Several paths or any folder make a batch: photos are checked \
in parallel and the report ends with a summary."
    )]
    pub paths: Vec<PathBuf>,
    /// Also check the photos in sub-folders of the folders given.
    #[arg(
        long,
        short = 'r',
        long_help = "Also check the photos in sub-folders of the folders given, following \
symbolic links; a link back to a folder being walked is reported as an error, not followed."
    )]
    pub recursive: bool,
    /// Read more paths from FILE, one per line ("-" for standard input).
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Read more paths from FILE, one per line (\"-\" for standard input), after \
those given as arguments; blank lines are skipped. Each path counts as if given as an argument.\n\
Example: find shop -name '*.jpg' -mtime -1 | idphoto check -c dongguan --files-from -"
    )]
    pub files_from: Option<PathBuf>,
    /// Photos checked at once [default: number of logical cores].
    #[arg(long = "threads", short = 'j', value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bar and no notes on stderr (errors are still printed).
    #[arg(
        long,
        short = 'q',
        long_help = "No progress bar and no notes on stderr; errors are still printed. The bar is \
shown only when stderr is a terminal and more than one photo is checked."
    )]
    pub quiet: bool,
    /// Also write one CSV row per photo to FILE.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Also write one CSV row per photo to FILE, in input order: \
path,verdict,failed_checks,output,error (failed check ids joined by \";\"). Written at the \
end, atomically (a temporary file renamed over FILE); not written when interrupted."
    )]
    pub summary: Option<PathBuf>,
    /// City: id (dongguan), Chinese (东莞) or English name, any case.
    #[arg(long, short = 'c')]
    pub city: String,
    /// Document: id (id-card) or name (身份证); default: resident ID card.
    #[arg(long, short = 'd')]
    pub doc: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Language of hints [default: zh when LANG starts with zh, else en].
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Also draw the detected face and the spec's bands over the photo, as PNG.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Also write an annotated preview to FILE (PNG, at most 1200 px on its long \
side): detected face box, eyes, eye line, crown, chin and cheek points in red; the canvas of the \
correction crop in blue; inside it, in green, the hair-top band, the lowest allowed eye line, \
the face-width band (minimum and maximum) and the centre line, placed by the correction's crop \
plan. Only with a single input photo. \
An existing FILE is replaced; the input never is."
    )]
    pub annotate: Option<PathBuf>,
    #[command(flatten)]
    pub specs: SpecArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Only check; write no corrected photo.
    #[arg(long, conflicts_with_all = ["out", "out_dir", "force", "background", "sheet"])]
    pub no_fix: bool,
    /// Write the corrected photo to FILE (one input photo only).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "out_dir",
        long_help = "Write the corrected photo to FILE instead of <stem>.<city>.jpg beside the \
input. Only with a single input photo. Refused if FILE is the input or exists (see --force)."
    )]
    pub out: Option<PathBuf>,
    /// Write corrected photos into DIR, created if missing (default: beside each input).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Replace an existing corrected photo (never the input).
    #[arg(long)]
    pub force: bool,
    /// Background colour of the corrected photo [default: the spec's first].
    #[arg(
        long,
        value_name = "COLOUR",
        long_help = "The background colour the corrected photo gets, one of those the spec \
allows (idphoto specs show <city> --doc <doc> lists them): a name (white, blue, red; \
blue matches light-blue), a Chinese name (白色, 蓝色) or #rrggbb (within 2.3 CIEDE2000 of an \
allowed colour, which the photo then gets exactly). A colour the spec does not allow is refused \
with the allowed ones listed. Default: the spec's first colour.\n\
Example: idphoto check photo.jpg -c dongguan -d passport --background blue"
    )]
    pub background: Option<String>,
    /// Also write copies on photo paper, for printing: <stem>.<city>.sheet.jpg.
    #[arg(
        long,
        value_enum,
        value_name = "PAPER",
        long_help = "Also lay copies of the corrected photo out on photo paper, at the \
document's printed size (the spec's canvas.size_mm) and 300 dpi, as many as fit with 2 mm \
between them and a 3 mm margin, with thin grey cut guides; the paper is turned if that holds \
more. Written beside the corrected photo as <stem>.sheet.jpg of its name (photo.dongguan.jpg → \
photo.dongguan.sheet.jpg), with the same --force rule; one per photo in a batch. A spec with no \
printed size (an online-only size in pixels) gets no sheet, and the report says so.\n\
Example: idphoto check photo.jpg --city dongguan --sheet 6inch"
    )]
    pub sheet: Option<PaperArg>,
    /// Developer: take each photo's face from an annotations CSV instead of detection.
    #[arg(
        long,
        value_name = "CSV",
        long_help = "Developer option: take each photo's face geometry from an annotations CSV \
(the format of shared/data/photos/annotations.csv, rows matched by file name) instead of face \
detection, to judge the correction apart from detection errors."
    )]
    pub faces_from: Option<PathBuf>,
}

impl OutputArgs {
    /// The library's fix options for `spec`, or `None` under `--no-fix`.
    pub fn fix(
        &self,
        inputs: usize,
        spec: &idphoto::spec::Spec,
    ) -> anyhow::Result<Option<idphoto::Fix>> {
        if self.no_fix {
            return Ok(None);
        }
        let background = match &self.background {
            Some(wanted) => Some(idphoto::background_choice(spec, wanted)?),
            None => None,
        };
        if self.out.is_some() && inputs > 1 {
            anyhow::bail!("--out names one file but {inputs} photos were given; use --out-dir");
        }
        if let Some(dir) = &self.out_dir {
            // Like `mkdir -p`: a script naming a fresh output folder should not have to make it.
            if dir.exists() && !dir.is_dir() {
                anyhow::bail!("--out-dir {}: not a folder", dir.display());
            }
            std::fs::create_dir_all(dir).map_err(|e| {
                anyhow::anyhow!("--out-dir {}: cannot create the folder: {e}", dir.display())
            })?;
        }
        Ok(Some(idphoto::Fix {
            output: idphoto::OutputOptions {
                out: self.out.clone(),
                out_dir: self.out_dir.clone(),
                force: self.force,
                make_folder: false,
            },
            background,
            sheet: self.sheet.map(PaperArg::paper),
        }))
    }

    /// Faces by file name from `--faces-from`.
    pub fn faces(&self) -> anyhow::Result<Vec<crate::annotations::Annotation>> {
        match &self.faces_from {
            Some(p) => crate::annotations::load(p).map_err(anyhow::Error::msg),
            None => Ok(Vec::new()),
        }
    }
}

/// `idphoto specs list` and `idphoto specs show`.
pub fn specs(command: SpecsCommand, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match command {
        SpecsCommand::List { format, specs } => {
            let rows = load_library(&specs)?.summaries()?;
            match format {
                ListFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &rows)?;
                    writeln!(out)?;
                }
                ListFormat::Human => crate::render::write_spec_table(out, &rows)?,
            }
        }
        SpecsCommand::Show { city, doc, specs } => {
            let spec = load_library(&specs)?.resolve(&city, doc.as_deref())?;
            write!(out, "# {}\n{}", spec.key(), spec.to_toml())?;
        }
    }
    Ok(())
}

/// `idphoto serve`: binds, says where, and serves until the process is stopped.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let library = load_library(&args.specs)?;
    let mut config = idphoto::serve::Config::new(args.addr);
    if let Some(n) = args.threads {
        config.threads = n.into();
        config.queue = 2 * config.threads;
    }
    if let Some(n) = args.queue {
        config.queue = n.into();
    }
    config.max_body = u64::from(args.max_body_mb) * 1_000_000;
    config.log = !args.quiet;
    let server = idphoto::serve::bind(config, library)?;
    let addr = server.local_addr()?;
    eprintln!("idphoto: serving http://{addr}/ (Ctrl-C stops)");
    server.run()?;
    Ok(())
}

/// Where each photo's corrected photo goes and which of them must not be written, decided once
/// before the first photo is checked; `--summary` is judged here too, as it is written only at
/// the end of the batch and a refusal then would come after every photo was checked.
pub struct OutputPlan {
    /// One destination per input; empty under `--no-fix`.
    pub dests: Vec<PathBuf>,
    /// Why an input's destination must not be written (see
    /// [`batch::clashing_destinations`]); one entry per input.
    pub refused: Vec<Option<idphoto::Error>>,
    /// The destinations mirror the input tree under `--out-dir`, whose sub-folders are made.
    pub mirrored: bool,
}

/// Builds the [`OutputPlan`] and checks `--summary` against the inputs and destinations.
pub fn plan_outputs(
    args: &CheckArgs,
    inputs: &[batch::Input],
    spec: &idphoto::spec::Spec,
    fix: Option<&idphoto::Fix>,
    batch_mode: bool,
) -> anyhow::Result<OutputPlan> {
    let dests = fix.map_or_else(Vec::new, |f| {
        batch::destinations(inputs, spec, &f.output, batch_mode)
    });
    let mut refused = batch::clashing_destinations(inputs, &dests);
    refused.resize_with(inputs.len(), || None);
    if let Some(path) = &args.summary {
        batch::summary_target(path, inputs, &dests)?;
    }
    Ok(OutputPlan {
        mirrored: batch_mode && fix.is_some() && args.output.out_dir.is_some(),
        dests,
        refused,
    })
}

/// An error and its causes as one line, as anyhow's `{:#}` joins them, but without repeating a
/// cause whose text the message before it already ends with: `Error::Io` shows its OS error and
/// also returns it as its source, which printed "No such file or directory" twice.
pub fn error_chain(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.is_empty() {
            line = text;
        } else if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

/// `--annotate` names one file, so it takes one photo.
pub fn single_preview(args: &CheckArgs, inputs: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.annotate.is_none() || inputs == 1,
        "--annotate names one file but {inputs} photos were given"
    );
    Ok(())
}

/// The annotated face of a photo, matched by file name.
pub fn annotated_face(
    annotated: &[crate::annotations::Annotation],
    path: &std::path::Path,
) -> Option<idphoto::dev::face::Face> {
    let name = path.file_name()?;
    annotated
        .iter()
        .find(|a| std::ffi::OsStr::new(&a.file) == name)
        .and_then(|a| a.to_face())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Human,
    /// One JSON object per photo (an array of them for a batch).
    Json,
    /// One JSON object per line per photo, as each finishes (for scripts).
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaperArg {
    /// 5-inch photo paper (3R), 89×127 mm.
    #[value(name = "5inch")]
    Inch5,
    /// 6-inch photo paper (4R), 102×152 mm.
    #[value(name = "6inch")]
    Inch6,
    /// A4, 210×297 mm.
    A4,
}

impl PaperArg {
    fn paper(self) -> idphoto::Paper {
        match self {
            PaperArg::Inch5 => idphoto::Paper::Inch5,
            PaperArg::Inch6 => idphoto::Paper::Inch6,
            PaperArg::A4 => idphoto::Paper::A4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Human,
    /// A JSON array for scripts.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// 中文
    Zh,
    /// English
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Loads the built-in specs plus `--specs-dir` / `IDPHOTO_SPECS_DIR` and `--spec` files, in
/// that order, so the most specific source wins.
pub fn load_library(args: &SpecArgs) -> anyhow::Result<Library> {
    let mut lib = Library::builtin().context("built-in specs are broken")?;
    if let Some(dir) = &args.specs_dir {
        lib.add_dir(dir)
            .with_context(|| format!("loading specs from {}", dir.display()))?;
    }
    for file in &args.spec_files {
        lib.add_file(file)?;
    }
    Ok(lib)
}

/// The paths to check: the arguments, then the lines of `--files-from`.
pub fn paths(args: &CheckArgs) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let limits = batch::ListLimits::default();
        let read = if list.as_os_str() == "-" {
            batch::read_path_list_limited(std::io::stdin().lock(), &limits)
        } else {
            std::fs::File::open(list)
                .and_then(|f| batch::read_path_list_limited(std::io::BufReader::new(f), &limits))
        };
        paths.extend(read.with_context(|| format!("reading paths from {}", list.display()))?);
    }
    Ok(paths)
}

/// The photos to check: the paths given (folders walked), minus idphoto's own earlier outputs
/// for this spec; an error when nothing is left, saying where it looked.
pub fn inputs(args: &CheckArgs, spec: &idphoto::spec::Spec) -> anyhow::Result<Vec<batch::Input>> {
    let paths = paths(args)?;
    let mut inputs = batch::discover(
        &paths,
        batch::Walk {
            recursive: args.recursive,
        },
    );
    batch::skip_outputs(&mut inputs, spec);
    if inputs.is_empty() {
        let hint = if args.recursive {
            ""
        } else {
            " (add -r to look in sub-folders)"
        };
        let given: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        anyhow::ensure!(
            !given.is_empty(),
            "no paths given: the --files-from list is empty"
        );
        anyhow::bail!("no photos found in {}{hint}", given.join(", "));
    }
    Ok(inputs)
}

/// How reports look (colour, language) and their title: the city and document in that language.
pub fn style(args: &CheckArgs, spec: &idphoto::spec::Spec) -> (Style, String) {
    let lang = lang(args.lang);
    let city = match lang {
        Lang::Zh => &spec.city.name_zh,
        Lang::En => &spec.city.name_en,
    };
    let style = Style {
        colour: colour(args.color),
        lang,
    };
    (style, format!("{city} {}", spec.doc_name(lang)))
}

/// A progress bar on stderr only for a terminal, several photos and no `--quiet`; otherwise a
/// hidden one, so callers need not care.
pub fn progress(quiet: bool, photos: usize) -> indicatif::ProgressBar {
    if quiet || photos < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(photos as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} photos  {rate}  ETA {eta}")
    {
        bar.set_style(style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1}/s", state.per_sec());
            },
        ));
    }
    bar
}

/// Language: the flag, else the locale.
pub fn lang(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::Zh) => Lang::Zh,
        Some(LangArg::En) => Lang::En,
        None => {
            let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
                .unwrap_or_default();
            if locale.to_lowercase().starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        }
    }
}

/// Colour only for a terminal, and never under `NO_COLOR` or `TERM=dumb` (https://no-color.org).
pub fn colour(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Issue 23: an OS error's text was printed twice ("…: No such file or directory (os error
    /// 2): No such file or directory (os error 2)").
    #[test]
    fn error_chain_does_not_repeat_the_os_error() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let text = io.to_string();
        let err = anyhow::Error::new(idphoto::Error::Io {
            path: "specs".into(),
            source: io,
        })
        .context("loading specs from specs");
        let line = error_chain(&err);
        assert_eq!(line, format!("loading specs from specs: specs: {text}"));
        assert_eq!(line.matches(&text).count(), 1, "{line}");
    }
}
