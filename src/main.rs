//! The `idphoto` binary: parse flags, call the library, render, choose the exit code.

mod annotations;
mod cli;
mod render;

use anyhow::Context as _;
use clap::Parser;
use cli::{Cli, Command};
use idphoto::batch;
use idphoto::report::Exit;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first Ctrl-C: no photo starts after it; a second Ctrl-C exits at once.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// Exit code after Ctrl-C, as shells report a SIGINT death (128 + 2).
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    set_up_malloc();
    let cli = Cli::parse();
    // Only `check` speaks a language; the other commands' errors give their hint in English.
    let lang = match &cli.command {
        Command::Check(args) => cli::lang(args.lang),
        Command::Specs(_) | Command::Serve(_) => idphoto::report::Lang::En,
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`idphoto … | head`) is the reader's choice, not an error.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("idphoto: {}", cli::error_chain(&err));
            let hint = err
                .downcast_ref::<idphoto::Error>()
                .and_then(idphoto::report::error_hint);
            if let Some(h) = hint {
                eprintln!("idphoto: {}: {}", lang.pick("建议", "hint"), h.get(lang));
            }
            ExitCode::from(Exit::Error.code())
        }
    }
}

/// glibc's malloc, set once before any thread but this one exists.
///
/// Every thread allocates from the one main arena. A photo checked alone shares small jobs
/// with a helper thread (the library's `parallel` module), and a second arena would keep what
/// the helper freed resident beside the photo: about 4 MB more at a 12 MP photo's peak. A
/// batch's workers contend for one lock instead, which costs them no measurable time: their
/// allocations are few and large (36 photos of 12 MP at `-j 2`: the same time within the
/// runs' spread, and a peak about 10 MB lower).
///
/// Buffers up to 8 MB come from the heap, and up to 16 MB of it freed stays for reuse. glibc's
/// own thresholds start at 128 KB and move up only as mapped buffers are freed, so a check's
/// first few hundred planes and tensors each got a mapping of their own, and every page of
/// each a fault on first touch (10 000 faults on a 0.4 MP photo, 6 000 this way; 7 % of its
/// wall time). Larger buffers (a decoded photo) keep their own mapping, handed back whole when
/// freed; the stages that free many planes hand them back explicitly (`memory`).
fn set_up_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets limits, before any thread but this one exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 << 20);
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Specs(command) => {
            cli::specs(command, &mut std::io::stdout().lock())?;
            Ok(Exit::Pass.code())
        }
        Command::Serve(args) => {
            cli::serve(args)?;
            Ok(Exit::Pass.code())
        }
    }
}

/// The first Ctrl-C lets photos in flight finish and starts no new one; a second exits at once,
/// deleting the temporary files of the photos in flight (no destructor runs on `exit`).
fn watch_ctrl_c(quiet: bool) {
    let on_ctrl_c = || {
        if CANCEL.swap(true, Ordering::SeqCst) {
            idphoto::batch::remove_temp_files();
            std::process::exit(INTERRUPTED.into());
        }
    };
    if let Err(e) = ctrlc::set_handler(on_ctrl_c) {
        if !quiet {
            eprintln!("idphoto: note: Ctrl-C will not stop cleanly: {e}");
        }
    }
}

fn check(args: cli::CheckArgs) -> anyhow::Result<u8> {
    let lib = cli::load_library(&args.specs)?;
    let spec = lib.resolve(&args.city, args.doc.as_deref())?;
    let (style, title) = cli::style(&args, &spec);
    let inputs = cli::inputs(&args, &spec)?;
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.into())
            .build_global()
            .context("starting worker threads")?;
    }
    let bar = cli::progress(args.quiet, inputs.len());
    let mut printer =
        render::Printer::new(std::io::stdout().lock(), args.format, style, title, &bar);
    printer.batch = inputs.len() > 1 || args.files_from.is_some() || inputs[0].root.is_some();
    printer.rows = args.summary.as_ref().map(|_| Vec::new());
    cli::single_preview(&args, inputs.len())?;
    let options = idphoto::Options {
        fix: args.output.fix(inputs.len(), &spec)?,
        preview: args.annotate.clone(),
        ..Default::default()
    };
    let plan = cli::plan_outputs(&args, &inputs, &spec, options.fix.as_ref(), printer.batch)?;
    let annotated = args.output.faces()?;
    watch_ctrl_c(args.quiet);
    let process = |i: usize, input: &batch::Input| {
        if let Some(refused) = &plan.refused[i] {
            return idphoto::report::Report::error(input.path.clone(), spec.key(), refused);
        }
        let mut options = options.clone();
        if let Some(fix) = options.fix.as_mut() {
            fix.output.out = plan.dests.get(i).cloned();
            fix.output.make_folder = plan.mirrored;
        }
        let face = cli::annotated_face(&annotated, &input.path);
        let known = idphoto::dev::Known {
            face: face.as_ref(),
            ..Default::default()
        };
        idphoto::dev::check_file_with(&input.path, &spec, &options, known)
    };
    let tally = batch::run(
        &inputs,
        &spec.key(),
        &CANCEL,
        |i, r| printer.report(i, r),
        process,
    )?;
    if tally.cancelled {
        bar.finish_and_clear();
        if !args.quiet {
            eprintln!(
                "idphoto: interrupted after {} of {} photos; no summary written",
                tally.total(),
                inputs.len()
            );
        }
        return Ok(INTERRUPTED);
    }
    let rows = printer.finish(&tally)?;
    if let Some(path) = &args.summary {
        batch::write_summary_file(path, &rows)?;
    }
    Ok(tally.exit().code())
}
