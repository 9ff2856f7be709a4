//! Whole process against the yardstick: `idphoto check P --city dongguan --out-dir D --force`
//! (check, correct, re-check, write) and libjpeg-turbo's `djpeg -outfile /dev/null P` (a full
//! decode of the same file), in turns, on a phone-sized portrait.
//!
//! ```sh
//! apt-get install -y libjpeg-turbo-progs   # djpeg, once
//! cargo build --release
//! cargo run --release --features examples --example bench_process -- [--runs 11] [--baseline OLD_IDPHOTO] [photo.jpg …]
//! ```
//! Without photos it measures `examples/portrait.jpg` resized to 3000×4000 (12 MP) and to
//! 540×720 (0.4 MP), saved as JPEG quality 92 in a temporary folder. Each round runs idphoto
//! and djpeg once each, the order alternating between rounds, so the host's load falls on both
//! alike; the figures are medians of `--runs` rounds (default 11): wall time, CPU time and peak
//! resident memory of each process (`wait4`; Linux counts the parent's resident memory at the
//! fork in it, a few MB here), and the ratio of the wall times. The binary
//! measured is this build's `target/release/idphoto`; with `--baseline` another build takes its
//! turn in each round as well, for before/after figures from the same run. The load average is
//! printed before and after.

#[allow(dead_code)]
#[path = "common/process.rs"]
mod process;

use process::{load_average, median, ms, on_path, portrait_jpeg, timed};
use std::path::{Path, PathBuf};
use std::process::Command;

type BoxError = Box<dyn std::error::Error>;

/// Medians of one program's runs on one photo.
#[derive(Clone)]
struct Figures {
    wall: f64,
    cpu: f64,
    /// Highest peak RSS of any run, MB.
    rss_mb: f64,
}

fn figures(runs: &[process::Cost]) -> Figures {
    Figures {
        wall: median(runs.iter().map(|c| ms(c.wall)).collect()),
        cpu: median(runs.iter().map(|c| ms(c.cpu)).collect()),
        rss_mb: runs.iter().map(|c| c.max_rss_kb).max().unwrap_or(0) as f64 / 1024.0,
    }
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Linux counts the parent's resident memory at the fork in a child's peak (it survives
    // exec), so the 12 MP photo is made in a child and this process stays small.
    if let [flag, path, w, h] = args.as_slice() {
        if flag == "--make" {
            std::fs::write(path, portrait_jpeg(w.parse()?, h.parse()?, 92)?)?;
            return Ok(());
        }
    }
    let value = |name: &str| -> Result<Option<&String>, BoxError> {
        match args.iter().position(|a| a == name) {
            Some(i) => Ok(Some(
                args.get(i + 1).ok_or(format!("{name} needs a value"))?,
            )),
            None => Ok(None),
        }
    };
    let runs: usize = value("--runs")?.map_or(Ok(11), |r| r.parse())?;
    let baseline = value("--baseline")?.map(PathBuf::from);
    let takes_value = |a: &str| a == "--runs" || a == "--baseline";
    let given: Vec<PathBuf> = args
        .iter()
        .enumerate()
        .filter(|&(i, a)| !takes_value(a) && (i == 0 || !takes_value(&args[i - 1])))
        .map(|(_, a)| PathBuf::from(a))
        .collect();
    let djpeg = on_path("djpeg").ok_or(
        "djpeg (libjpeg-turbo) not found on PATH: install it with \
         `apt-get install -y libjpeg-turbo-progs` (Debian, Ubuntu)",
    )?;
    let me = std::env::current_exe()?;
    // target/release/examples/bench_process → target/release/idphoto
    let idphoto = me
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("idphoto"))
        .filter(|p| p.is_file())
        .ok_or("no idphoto binary beside the example: run `cargo build --release` first")?;

    let tmp = tempfile::tempdir()?;
    let photos = if given.is_empty() {
        let mut made = Vec::new();
        for (name, w, h) in [
            ("portrait-12mp.jpg", 3000, 4000),
            ("portrait-0.4mp.jpg", 540, 720),
        ] {
            let path = tmp.path().join(name);
            let status = Command::new(&me)
                .arg("--make")
                .arg(&path)
                .args([w.to_string(), h.to_string()])
                .status()?;
            if !status.success() {
                return Err(format!("could not make {}", path.display()).into());
            }
            made.push(path);
        }
        made
    } else {
        given
    };
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir)?;

    let binaries: Vec<PathBuf> = baseline.into_iter().chain([idphoto]).collect();
    for b in &binaries {
        println!("idphoto: {}", b.display());
    }
    println!("djpeg:   {}", djpeg.display());
    println!("load average before: {}", load_average());
    let mut rows = Vec::new();
    for photo in &photos {
        let size = image::image_dimensions(photo)?;
        let check = |binary: &Path| {
            let mut c = Command::new(binary);
            c.arg("check")
                .arg(photo)
                .args(["--city", "dongguan", "--out-dir"])
                .arg(&out_dir)
                .arg("--force");
            c
        };
        let decode = || {
            let mut c = Command::new(&djpeg);
            c.args(["-outfile", "/dev/null"]).arg(photo);
            c
        };
        // Per program (the idphoto builds, then djpeg), its runs.
        let mut costs: Vec<Vec<process::Cost>> = vec![Vec::new(); binaries.len() + 1];
        for round in 0..runs {
            let mut order: Vec<usize> = (0..=binaries.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for k in order {
                let cost = match binaries.get(k) {
                    Some(b) => timed(&mut check(b))?,
                    None => timed(&mut decode())?,
                };
                costs[k].push(cost);
            }
        }
        // A run that wrote no corrected photo measured less than the whole route.
        let stem = photo.file_stem().unwrap_or_default().to_string_lossy();
        let written = std::fs::read_dir(&out_dir)?
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with(&*stem));
        if !written {
            return Err(format!(
                "{}: no corrected photo written; idphoto said:\n{}",
                photo.display(),
                costs[0][0].stdout
            )
            .into());
        }
        let theirs = figures(&costs[binaries.len()]);
        for (b, runs) in binaries.iter().zip(&costs) {
            rows.push((
                photo.clone(),
                size,
                b.clone(),
                figures(runs),
                theirs.clone(),
            ));
        }
    }
    println!("load average after: {}", load_average());
    println!("medians of {runs} alternated runs:");
    println!("| photo | idphoto build | idphoto check (wall / CPU / peak RSS) | djpeg (wall / CPU / peak RSS) | wall ratio |");
    println!("|---|---|---|---|---|");
    for (photo, (w, h), binary, ours, theirs) in rows {
        println!(
            "| {} ({w}×{h}, {:.1} MP) | {} | {:.1} ms / {:.1} ms / {:.1} MB | {:.1} ms / {:.1} ms / {:.1} MB | {:.2}× |",
            photo.file_name().unwrap_or_default().to_string_lossy(),
            f64::from(w) * f64::from(h) / 1e6,
            binary.display(),
            ours.wall,
            ours.cpu,
            ours.rss_mb,
            theirs.wall,
            theirs.cpu,
            theirs.rss_mb,
            ours.wall / theirs.wall
        );
    }
    Ok(())
}
