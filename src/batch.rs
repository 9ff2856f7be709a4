//! Batch mode: finding the photos to check (files, folders, path lists), checking them in
//! parallel, mirroring output paths, and the per-photo summary table.
//!
//! One photo is one task on rayon's *global* pool (the binary sizes it once, from `--threads`;
//! `RAYON_NUM_THREADS` does the same for other callers). A task decodes, judges and drops its photo and hands only the [`Report`] back, so
//! memory is bounded by the photos in flight (one per worker), never by the size of the batch.
//! Reports reach the caller on the calling thread, through a bounded channel, in *completion*
//! order with their input index, so a caller can stream them (JSONL) or restore input order.
//!
//! A bad file never stops a batch: an unreadable folder, a dangling link or a symlink loop becomes
//! an [`Input`] carrying its problem, a bad photo an error report, and a panic anywhere in a task
//! is caught and becomes an error report for that photo.

use crate::error::{Error, Result};
use crate::report::{Exit, Report, Verdict};
use crate::spec::Spec;
use crate::Options;
use rayon::prelude::*;
use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// File extensions picked up when walking a folder, compared case-insensitively. Only the walk
/// filters by name: a file named explicitly is decoded by its content whatever its name.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff"];

/// Reports waiting for the caller at most. Workers block beyond it (holding a report, not an
/// image), so a slow reader — a pipe into a slow script — cannot make reports pile up.
const CHANNEL_BOUND: usize = 64;

/// One photo to check.
#[derive(Debug)]
pub struct Input {
    /// The file: as given, or the folder given joined with the path found under it.
    pub path: PathBuf,
    /// The folder given under which the file was found; `None` for a file named explicitly.
    pub root: Option<PathBuf>,
    /// Why the file could not even be listed (unreadable folder, dangling link, symlink loop,
    /// not a regular file); the batch reports it as an error without opening anything.
    pub problem: Option<Error>,
}

impl Input {
    /// A file named explicitly (on the command line or in a path list).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Input {
            path: path.into(),
            root: None,
            problem: None,
        }
    }
}

/// How folders are walked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Walk {
    /// Descend into sub-folders (default: only the photos directly in a folder given).
    pub recursive: bool,
}

/// Turns the paths given into the photos to check, in a deterministic order: the paths in the
/// order given; inside a folder, entries sorted by name.
///
/// A path that is not a folder is taken as a photo, whatever its name. In a folder, files whose
/// extension is one of [`IMAGE_EXTENSIONS`] are taken; names starting with `.` (hidden files, and
/// the `._name.jpg` resource forks macOS leaves on USB sticks) are skipped. Symbolic links are
/// followed; a link back to a folder being walked is reported as a problem instead of looping.
///
/// # Examples
/// ```no_run
/// use idphoto::batch::{discover, Walk};
/// let inputs = discover(&["photos".into()], Walk { recursive: true });
/// for input in &inputs {
///     println!("{}", input.path.display());
/// }
/// ```
pub fn discover(paths: &[PathBuf], walk: Walk) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            walk_dir(path, walk, &mut inputs);
        } else {
            // Missing and unreadable files are reported by the decoder, with its message.
            inputs.push(Input::file(path.clone()));
        }
    }
    inputs
}

fn walk_dir(root: &Path, walk: Walk, inputs: &mut Vec<Input>) {
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .min_depth(1)
        .max_depth(if walk.recursive { usize::MAX } else { 1 })
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    let found = |path: &Path, source: Option<io::Error>| Input {
        path: path.to_path_buf(),
        root: Some(root.to_path_buf()),
        problem: source.map(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    };
    for entry in entries {
        match entry {
            Ok(e) if e.file_type().is_dir() || !has_image_extension(e.path()) => {}
            Ok(e) if e.file_type().is_file() => inputs.push(found(e.path(), None)),
            Ok(e) => {
                // Reading a FIFO would wait forever for a writer; devices are not photos.
                let source = io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a regular file (a FIFO, socket or device); skipped",
                );
                inputs.push(found(e.path(), Some(source)));
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                if let Some(ancestor) = err.loop_ancestor() {
                    let source = io::Error::other(format!(
                        "symbolic link loop back to {}; not followed",
                        ancestor.display()
                    ));
                    inputs.push(found(&path, Some(source)));
                    continue;
                }
                // A dangling link is a file we cannot read: report it only if it looks like a
                // photo, as a readable file of that name would have been checked.
                let dangling = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink())
                    && std::fs::metadata(&path).is_err();
                if dangling && !has_image_extension(&path) {
                    continue;
                }
                let source = err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("cannot be walked"));
                let source = if dangling {
                    io::Error::new(source.kind(), format!("dangling symbolic link: {source}"))
                } else {
                    source
                };
                inputs.push(found(&path, Some(source)));
            }
        }
    }
}

/// Whether a file name ends in one of [`IMAGE_EXTENSIONS`], in any case.
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Reads a path list, one path per line (as `find` prints them); blank lines are skipped and a
/// trailing `\r` (lists written on Windows) is dropped. On Unix, paths are taken byte for byte.
///
/// # Examples
/// ```
/// let paths = idphoto::batch::read_path_list(&b"a.jpg\r\n\nsub/b.png\n"[..]).unwrap();
/// assert_eq!(paths, [std::path::PathBuf::from("a.jpg"), "sub/b.png".into()]);
/// ```
pub fn read_path_list(reader: impl BufRead) -> io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for line in reader.split(b'\n') {
        let mut line = line?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if !line.is_empty() {
            paths.push(path_from_bytes(line));
        }
    }
    Ok(paths)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// What a batch came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Photos that passed.
    pub passed: usize,
    /// Photos that failed a check.
    pub failed: usize,
    /// Photos that could not be judged.
    pub errors: usize,
    /// The batch was cancelled before every photo was checked.
    pub cancelled: bool,
}

impl Tally {
    /// Counts one verdict.
    pub fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Error => self.errors += 1,
        }
    }

    /// Photos reported.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors
    }

    /// The exit code the verdicts lead to (an error outranks a failure).
    pub fn exit(&self) -> Exit {
        let mut exit = Exit::Pass;
        for (n, e) in [(self.failed, Exit::Fail), (self.errors, Exit::Error)] {
            if n > 0 {
                exit = exit.merge(e);
            }
        }
        exit
    }
}

/// Checks every input with [`crate::check_file`] in parallel; see [`run`].
pub fn check_all<S, E>(
    inputs: &[Input],
    spec: &Spec,
    options: &Options,
    cancel: &AtomicBool,
    sink: S,
) -> Result<Tally, E>
where
    S: FnMut(usize, Report) -> Result<(), E>,
{
    run(inputs, &spec.key(), cancel, sink, |_, input| {
        crate::check_file(&input.path, spec, options)
    })
}

/// Runs `process(index, input)` on every input, one task per photo on rayon's global pool,
/// and hands each report with its input index to `sink` on the calling thread as it completes.
///
/// The index lets `process` look up per-input data, such as the destination [`mirror_paths`]
/// gave it. An input with a [`Input::problem`] becomes an error report without calling
/// `process`; a panic in `process` becomes an error report for that photo. Setting `cancel`
/// stops the batch promptly: no photo starts after it is seen, photos in flight finish and are
/// handed over, and the tally says `cancelled`. An error from `sink` (a closed pipe) stops the
/// batch the same way and is returned.
///
/// # Examples
/// ```no_run
/// use idphoto::batch::{discover, check_all, Walk};
/// use std::sync::atomic::AtomicBool;
/// let spec = idphoto::spec::Library::builtin()?.resolve("dongguan", None)?;
/// let inputs = discover(&["photos".into()], Walk { recursive: true });
/// let tally = check_all(&inputs, &spec, &Default::default(), &AtomicBool::new(false), |i, r| {
///     println!("{} {}", inputs[i].path.display(), r.verdict.word());
///     Ok::<(), std::io::Error>(())
/// })?;
/// std::process::exit(tally.exit().code().into());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run<P, S, E>(
    inputs: &[Input],
    spec_key: &str,
    cancel: &AtomicBool,
    mut sink: S,
    process: P,
) -> Result<Tally, E>
where
    P: Fn(usize, &Input) -> Report + Sync,
    S: FnMut(usize, Report) -> Result<(), E>,
{
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<(usize, Report)>(CHANNEL_BOUND);
    // The photos run on a helper thread, outside any pool, so its `par_iter` uses the global
    // pool; the calling thread only receives, and may hold things that cannot cross threads
    // (a locked stdout).
    std::thread::scope(|scope| {
        let stop = &stop;
        let process = &process;
        scope.spawn(move || {
            inputs
                .par_iter()
                .enumerate()
                .for_each_with(tx, |tx, (i, input)| {
                    if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let report = process_one(i, input, spec_key, process);
                    // A closed channel means the caller stopped; nothing is left to do.
                    let _ = tx.send((i, report));
                });
        });
        let mut tally = Tally::default();
        while let Ok((i, report)) = rx.recv() {
            tally.add(report.verdict);
            if let Err(e) = sink(i, report) {
                stop.store(true, Ordering::Relaxed);
                drop(rx);
                return Err(e);
            }
        }
        tally.cancelled = cancel.load(Ordering::Relaxed) && tally.total() < inputs.len();
        Ok(tally)
    })
}

fn process_one<P>(index: usize, input: &Input, spec_key: &str, process: &P) -> Report
where
    P: Fn(usize, &Input) -> Report,
{
    if let Some(problem) = &input.problem {
        return Report::error(input.path.clone(), spec_key.to_string(), problem);
    }
    panic::catch_unwind(AssertUnwindSafe(|| process(index, input))).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let error = Error::Panic {
            path: input.path.clone(),
            message,
        };
        Report::error(input.path.clone(), spec_key.to_string(), &error)
    })
}

/// Drops photos found in folders that are idphoto's own corrected photos for this spec
/// (`<stem>.<tag>.jpg`), so checking a folder a second time does not check — and correct again —
/// the outputs of the first run. Files named explicitly are always kept.
pub fn skip_outputs(inputs: &mut Vec<Input>, spec: &Spec) {
    let suffix = format!(".{}.jpg", output_tag(spec));
    inputs.retain(|input| {
        input.root.is_none()
            || !input
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| {
                    n.len() > suffix.len() && n.to_ascii_lowercase().ends_with(&suffix)
                })
    });
}

/// The part of a corrected photo's name that says what it was made for: the city id, plus the
/// document id when it is not the resident ID card (`dongguan`, `dongguan.passport`).
pub fn output_tag(spec: &Spec) -> String {
    if spec.doc == crate::spec::DEFAULT_DOCUMENT {
        spec.city.id.clone()
    } else {
        format!("{}.{}", spec.city.id, spec.doc)
    }
}

/// Where the corrected photo of each input goes under `out_dir`, one path per input, in order.
///
/// A photo found under a folder keeps its place: `root/sub/x.png` → `out_dir/sub/x.<tag>.jpg`,
/// with `tag` from [`output_tag`]; a file named explicitly goes to `out_dir/x.<tag>.jpg`. No two
/// inputs get the same destination, even on a case-insensitive file system, and none is given an
/// input's path: when names clash (`a.jpg` and `a.png` in one folder, `x.jpg` in two folders
/// given), the first input in order keeps the plain name and the next ones get `a-2`, `a-3` …,
/// never a name another input would get plainly. Pure: nothing on disk is looked at.
///
/// # Examples
/// ```
/// use idphoto::batch::{mirror_paths_tagged, Input};
/// use std::path::{Path, PathBuf};
/// let inputs = [
///     Input { root: Some("in".into()), ..Input::file("in/sub/a.jpg") },
///     Input { root: Some("in".into()), ..Input::file("in/sub/a.png") },
/// ];
/// let out = mirror_paths_tagged(&inputs, Path::new("out"), "dongguan");
/// assert_eq!(out, [PathBuf::from("out/sub/a.dongguan.jpg"), "out/sub/a-2.dongguan.jpg".into()]);
/// ```
pub fn mirror_paths(inputs: &[Input], out_dir: &Path, spec: &Spec) -> Vec<PathBuf> {
    mirror_paths_tagged(inputs, out_dir, &output_tag(spec))
}

/// [`mirror_paths`] with the tag given directly.
pub fn mirror_paths_tagged(inputs: &[Input], out_dir: &Path, tag: &str) -> Vec<PathBuf> {
    let name = |dir: &Path, stem: &OsString, n: usize| {
        let mut file = stem.clone();
        if n > 1 {
            file.push(format!("-{n}"));
        }
        file.push(format!(".{tag}.jpg"));
        dir.join(file)
    };
    // Clashes are judged on lowercased paths, as macOS and Windows file systems compare names.
    let key = |p: &Path| p.to_string_lossy().to_lowercase();
    let plain: Vec<(PathBuf, OsString)> = inputs
        .iter()
        .map(|input| {
            let rel_dir = input
                .root
                .as_ref()
                .and_then(|root| input.path.strip_prefix(root).ok())
                .and_then(Path::parent)
                .unwrap_or(Path::new(""));
            let stem = input
                .path
                .file_stem()
                .map(OsString::from)
                .unwrap_or_else(|| "photo".into());
            (out_dir.join(rel_dir), stem)
        })
        .collect();
    let reserved: HashSet<String> = plain.iter().map(|(d, s)| key(&name(d, s, 1))).collect();
    let mut taken: HashSet<String> = inputs.iter().map(|i| key(&i.path)).collect();
    plain
        .iter()
        .map(|(dir, stem)| {
            let first = name(dir, stem, 1);
            if taken.insert(key(&first)) {
                return first;
            }
            (2..)
                .map(|n| name(dir, stem, n))
                .find(|p| !reserved.contains(&key(p)) && taken.insert(key(p)))
                .unwrap_or(first)
        })
        .collect()
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
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
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

    fn under(root: &str, path: &str) -> Input {
        Input {
            root: Some(root.into()),
            ..Input::file(path)
        }
    }

    fn mirror(inputs: &[Input]) -> Vec<String> {
        mirror_paths_tagged(inputs, Path::new("out"), "dongguan")
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    }

    #[test]
    fn mirror_keeps_the_tree_below_the_root() {
        let got = mirror(&[under("in", "in/a/b/x.png"), under("in/", "in/y.JPG")]);
        assert_eq!(got, ["out/a/b/x.dongguan.jpg", "out/y.dongguan.jpg"]);
    }

    #[test]
    fn mirror_puts_explicit_files_flat() {
        let got = mirror(&[Input::file("/abs/p/x.jpg"), Input::file("../up/y.jpeg")]);
        assert_eq!(got, ["out/x.dongguan.jpg", "out/y.dongguan.jpg"]);
    }

    #[test]
    fn mirror_separates_same_stem_in_one_folder() {
        let got = mirror(&[under("in", "in/a.jpg"), under("in", "in/a.png")]);
        assert_eq!(got, ["out/a.dongguan.jpg", "out/a-2.dongguan.jpg"]);
    }

    #[test]
    fn mirror_separates_same_name_under_two_roots() {
        let got = mirror(&[under("r1", "r1/x.jpg"), under("r2", "r2/x.jpg")]);
        assert_eq!(got, ["out/x.dongguan.jpg", "out/x-2.dongguan.jpg"]);
    }

    #[test]
    fn mirror_treats_names_differing_in_case_as_a_clash() {
        let got = mirror(&[under("in", "in/A.jpg"), under("in", "in/a.jpg")]);
        assert_eq!(got, ["out/A.dongguan.jpg", "out/a-2.dongguan.jpg"]);
    }

    #[test]
    fn mirror_suffix_never_takes_a_name_another_input_gets_plainly() {
        let got = mirror(&[
            under("in", "in/a.jpg"),
            under("in", "in/a.png"),
            under("in", "in/a-2.jpg"),
        ]);
        assert_eq!(
            got,
            [
                "out/a.dongguan.jpg",
                "out/a-3.dongguan.jpg",
                "out/a-2.dongguan.jpg"
            ]
        );
    }

    #[test]
    fn mirror_never_maps_onto_an_input() {
        // Writing back into the folder being checked, which holds an earlier output.
        let inputs = [under("in", "in/x.dongguan.jpg"), under("in", "in/x.jpg")];
        let got = mirror_paths_tagged(&inputs, Path::new("in"), "dongguan");
        assert_eq!(
            got,
            [
                PathBuf::from("in/x.dongguan.dongguan.jpg"),
                "in/x-2.dongguan.jpg".into()
            ]
        );
    }

    #[test]
    fn mirror_gives_unique_deterministic_paths_for_many_clashes() {
        let inputs: Vec<Input> = (0..50)
            .map(|i| under(&format!("r{}", i % 5), &format!("r{}/p.{}", i % 5, i % 3)))
            .collect();
        let a = mirror(&inputs);
        let unique: HashSet<String> = a.iter().map(|p| p.to_lowercase()).collect();
        assert_eq!(unique.len(), inputs.len());
        assert_eq!(a, mirror(&inputs));
    }

    #[test]
    fn output_tag_adds_the_document_unless_id_card() {
        let lib = crate::spec::Library::builtin().unwrap();
        let spec = lib.resolve("dongguan", None).unwrap();
        assert_eq!(output_tag(&spec), "dongguan");
        let mut other = spec.clone();
        other.doc = "passport".into();
        assert_eq!(output_tag(&other), "dongguan.passport");
    }

    #[test]
    fn path_list_skips_empty_lines_and_carriage_returns() {
        let got = read_path_list(&b"\na b.jpg\r\n  \n/x/y.png"[..]).unwrap();
        assert_eq!(
            got,
            [PathBuf::from("a b.jpg"), "  ".into(), "/x/y.png".into()]
        );
    }

    #[test]
    fn image_extensions_match_in_any_case() {
        assert!(has_image_extension(Path::new("a/B.JpEg")));
        assert!(has_image_extension(Path::new("x.TIF")));
        assert!(!has_image_extension(Path::new("x.gif.txt")));
        assert!(!has_image_extension(Path::new("jpg")));
    }

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

    #[test]
    fn tally_error_outranks_fail() {
        let mut t = Tally::default();
        assert_eq!(t.exit(), Exit::Pass);
        t.add(Verdict::Fail);
        assert_eq!(t.exit(), Exit::Fail);
        t.add(Verdict::Error);
        t.add(Verdict::Pass);
        assert_eq!((t.exit(), t.total()), (Exit::Error, 3));
    }

    fn fake(_: usize, input: &Input) -> Report {
        let name = input.path.to_string_lossy();
        if name.contains("boom") {
            panic!("decoder exploded on {name}");
        }
        Report {
            file: input.path.clone(),
            spec: "t/t".into(),
            verdict: if name.contains("bad") {
                Verdict::Fail
            } else {
                Verdict::Pass
            },
            checks: vec![],
            image: None,
            output: None,
            correction: None,
            error: None,
            face: None,
        }
    }

    #[test]
    fn run_reports_every_input_once_and_turns_panics_into_errors() {
        let mut inputs: Vec<Input> = (0..40)
            .map(|i| {
                Input::file(match i % 4 {
                    0 => format!("{i}-boom.jpg"),
                    1 => format!("{i}-bad.jpg"),
                    _ => format!("{i}.jpg"),
                })
            })
            .collect();
        inputs.push(Input {
            problem: Some(Error::Io {
                path: "gone.jpg".into(),
                source: io::Error::from(io::ErrorKind::NotFound),
            }),
            ..Input::file("gone.jpg")
        });
        let mut seen = vec![0; inputs.len()];
        let tally = run(
            &inputs,
            "t/t",
            &AtomicBool::new(false),
            |i, r| {
                seen[i] += 1;
                assert_eq!(r.file, inputs[i].path);
                if i % 4 == 0 && i < 40 {
                    assert_eq!(r.verdict, Verdict::Error);
                    assert!(r.error.as_deref().unwrap().contains("decoder exploded"));
                }
                Ok::<(), ()>(())
            },
            fake,
        )
        .unwrap();
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
        assert_eq!((tally.passed, tally.failed, tally.errors), (20, 10, 11));
        assert!(!tally.cancelled);
    }

    #[test]
    fn run_stops_on_sink_error_and_on_cancel() {
        let inputs: Vec<Input> = (0..500).map(|i| Input::file(format!("{i}.jpg"))).collect();
        let mut calls = 0;
        let res = run(
            &inputs,
            "t/t",
            &AtomicBool::new(false),
            |_, _| {
                calls += 1;
                if calls == 3 {
                    Err("pipe closed")
                } else {
                    Ok(())
                }
            },
            fake,
        );
        assert_eq!((res, calls), (Err("pipe closed"), 3));

        let cancel = AtomicBool::new(true);
        let tally = run(&inputs, "t/t", &cancel, |_, _| Ok::<(), ()>(()), fake).unwrap();
        assert!(tally.cancelled);
        assert_eq!(tally.total(), 0);
    }

    #[test]
    fn outputs_found_in_folders_are_skipped_but_named_files_kept() {
        let spec = crate::spec::Library::builtin()
            .unwrap()
            .resolve("dongguan", None)
            .unwrap();
        let found = |p: &str| Input {
            path: PathBuf::from(p),
            root: Some(PathBuf::from("in")),
            problem: None,
        };
        let mut inputs = vec![
            found("in/a.jpg"),
            found("in/a.dongguan.jpg"),
            found("in/b.DONGGUAN.JPG"),
            found("in/a.dongguan.passport.jpg"),
            Input {
                path: PathBuf::from("x.dongguan.jpg"),
                root: None,
                problem: None,
            },
        ];
        skip_outputs(&mut inputs, &spec);
        let left: Vec<_> = inputs
            .iter()
            .map(|i| i.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            ["in/a.jpg", "in/a.dongguan.passport.jpg", "x.dongguan.jpg"]
        );
    }
}
