//! Batch mode: checking many photos in parallel. Finding them is in [`discover`](discover()),
//! where their corrected photos go in `outputs`, the summary table in `summary`.
//!
//! One photo is one task on rayon's *global* pool (the binary sizes it once, from `--threads`;
//! `RAYON_NUM_THREADS` does the same for other callers). A task decodes, judges and drops its
//! photo and hands only the [`Report`] back, so memory is bounded by the photos in flight (one
//! per worker), never by the size of the batch.
//! Reports reach the caller on the calling thread, through a bounded channel, in *completion*
//! order with their input index, so a caller can stream them (JSONL) or restore input order.
//!
//! A bad file never stops a batch: an unreadable folder, a dangling link or a symlink loop becomes
//! an [`Input`] carrying its problem, a bad photo an error report, and a panic anywhere in a task
//! is caught and becomes an error report for that photo.

mod discover;
mod outputs;
mod summary;

pub use crate::correct::write::remove_temp_files;
pub use discover::{
    discover, has_image_extension, read_path_list, read_path_list_limited, Input, ListLimits, Walk,
    IMAGE_EXTENSIONS,
};
pub use outputs::{
    clashing_destinations, destinations, mirror_paths, mirror_paths_tagged, output_tag,
    skip_outputs,
};
pub use summary::{
    summary_target, write_summary_csv, write_summary_file, SummaryRow, SummaryTarget,
};

use crate::error::{Error, Result};
use crate::report::{Exit, Report, Verdict};
use crate::spec::Spec;
use crate::Options;
use rayon::prelude::*;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Reports waiting for the caller at most. Workers block beyond it (holding a report, not an
/// image), so a slow reader — a pipe into a slow script — cannot make reports pile up.
const CHANNEL_BOUND: usize = 64;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

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
            error_hint: None,
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
}
