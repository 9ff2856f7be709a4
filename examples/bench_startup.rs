//! Network start-up: how long a fresh process takes until the four networks are ready to run,
//! loaded from the shipped NNEF files (`idphoto::nn`) and, side by side, from their ONNX sources
//! the way every start used to (parse, rewrite PReLU, type, declutter, optimise).
//!
//! ```sh
//! cargo run --release --features examples --example bench_startup -- [--runs 15] [--baseline OLD_IDPHOTO [photo]]
//! ```
//! Each measurement is a fresh process (this example run again with `--child MODE`), the modes
//! taking turns within each round so the host's load falls on all alike; medians of `--runs`
//! rounds (default 15), wall time from the child's `main` and CPU time of the whole child
//! process (`wait4`). With `--baseline`, it also runs `idphoto check PHOTO --city dongguan
//! --no-fix` with the given binary and with this build's `target/release/idphoto` in turns
//! (default photo: `$IDPHOTO_TESTDATA/photos/hv_test0.jpg`). The load average is printed before
//! and after: figures from a busy host are not comparable with a quiet one's.

#[path = "../src/nn/onnx.rs"]
#[allow(dead_code)]
mod onnx;
#[allow(dead_code)]
#[path = "common/process.rs"]
mod process;

use process::{load_average, median, ms, timed};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The four networks' ONNX sources, embedded as the binary used to embed them.
const ONNX: [(&str, &[u8]); 4] = [
    (
        "selfie_segmentation",
        include_bytes!("../models/selfie_segmentation.onnx"),
    ),
    (
        "face_detection_short_range",
        include_bytes!("../models/face_detection_short_range.onnx"),
    ),
    (
        "face_landmark",
        include_bytes!("../models/face_landmark.onnx"),
    ),
    (
        "iris_landmark",
        include_bytes!("../models/iris_landmark.onnx"),
    ),
];

/// Child process modes: each prints one line of milliseconds.
const MODES: [&str; 4] = ["onnx", "nnef", "onnx-ready", "nnef-ready"];

/// One child: loads the networks one after another (`onnx`, `nnef`: each network's time, then
/// the total) or as `idphoto check` gets them ready (`*-ready`: the time until all four are).
fn child(mode: &str) -> Result<String, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut times = Vec::new();
    match mode {
        "onnx" => {
            for (_, bytes) in ONNX {
                let t = Instant::now();
                onnx::plan(bytes)?;
                times.push(ms(t.elapsed()));
            }
        }
        "nnef" => {
            use idphoto::dev::nn;
            for load in [
                nn::selfie_segmentation,
                nn::face_detection,
                nn::face_landmark,
                nn::iris_landmark,
            ] {
                let t = Instant::now();
                load()?;
                times.push(ms(t.elapsed()));
            }
        }
        // The way `idphoto check` loaded them before the NNEF files: iris and FaceMesh on a
        // second thread, segmentation and detection on the main thread.
        "onnx-ready" => {
            let [seg, det, mesh, iris] = ONNX.map(|(_, bytes)| bytes);
            let second =
                std::thread::spawn(move || onnx::plan(iris).and_then(|_| onnx::plan(mesh)).is_ok());
            onnx::plan(seg)?;
            onnx::plan(det)?;
            assert!(second.join().unwrap_or(false), "preload failed");
        }
        "nnef-ready" => {
            use idphoto::dev::nn;
            nn::preload();
            nn::selfie_segmentation()?;
            nn::face_detection()?;
            nn::face_landmark()?;
            nn::iris_landmark()?;
        }
        _ => return Err(format!("unknown mode {mode:?}").into()),
    }
    times.push(ms(start.elapsed()));
    Ok(times
        .iter()
        .map(|t| format!("{t:.3}"))
        .collect::<Vec<_>>()
        .join(" "))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    if let Some(mode) = flag("--child") {
        println!("{}", child(&mode)?);
        return Ok(());
    }
    let runs: usize = flag("--runs").map_or(Ok(15), |r| r.parse())?;
    let baseline = flag("--baseline").map(PathBuf::from);
    let photo = args
        .iter()
        .enumerate()
        .filter(|&(i, a)| !a.starts_with("--") && (i == 0 || !args[i - 1].starts_with("--")))
        .map(|(_, a)| PathBuf::from(a))
        .next()
        .unwrap_or_else(|| {
            let data = std::env::var_os("IDPHOTO_TESTDATA").unwrap_or("../shared/data".into());
            Path::new(&data).join("photos/hv_test0.jpg")
        });

    let me = std::env::current_exe()?;
    // target/<profile>/examples/bench_startup → target/<profile>/idphoto
    let idphoto = me
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("idphoto"))
        .ok_or("no target directory")?;
    println!("load average before: {}", load_average());

    // mode → per-run lines of child-reported times, and per-run CPU.
    let mut reported: Vec<Vec<Vec<f64>>> = vec![Vec::new(); MODES.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); MODES.len()];
    for round in 0..runs {
        for k in 0..MODES.len() {
            // Alternate the order between rounds.
            let m = if round % 2 == 0 {
                k
            } else {
                MODES.len() - 1 - k
            };
            let cost = timed(Command::new(&me).args(["--child", MODES[m]]))?;
            let times = cost
                .stdout
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<Vec<f64>, _>>()?;
            reported[m].push(times);
            cpu[m].push(ms(cost.cpu));
        }
    }
    let column = |m: usize, i: usize| median(reported[m].iter().map(|r| r[i]).collect());
    println!("network start-up, fresh processes, medians of {runs} rounds (ms):");
    println!("| network | from ONNX | from NNEF |");
    println!("|---|---|---|");
    for (i, (name, _)) in ONNX.iter().enumerate() {
        println!("| {name} | {:.1} | {:.1} |", column(0, i), column(1, i));
    }
    println!(
        "| all four, one after another | {:.1} | {:.1} |",
        column(0, 4),
        column(1, 4)
    );
    println!(
        "| all four ready, as `idphoto check` loads them | {:.1} | {:.1} |",
        column(2, 0),
        column(3, 0)
    );
    println!(
        "| CPU of that process | {:.1} | {:.1} |",
        median(cpu[2].clone()),
        median(cpu[3].clone())
    );

    if let Some(baseline) = baseline {
        let mut walls = [Vec::new(), Vec::new()];
        let mut cpus = [Vec::new(), Vec::new()];
        let bins = [&baseline, &idphoto];
        for round in 0..runs {
            for k in 0..2 {
                let b = if round % 2 == 0 { k } else { 1 - k };
                let cost = timed(
                    Command::new(bins[b])
                        .arg("check")
                        .arg(&photo)
                        .args(["--city", "dongguan", "--no-fix"]),
                )?;
                walls[b].push(ms(cost.wall));
                cpus[b].push(ms(cost.cpu));
            }
        }
        println!(
            "`idphoto check {} --city dongguan --no-fix`, medians of {runs} alternated runs (ms):",
            photo.display()
        );
        println!("| binary | wall | CPU |");
        println!("|---|---|---|");
        for b in 0..2 {
            println!(
                "| {} | {:.1} | {:.1} |",
                bins[b].display(),
                median(walls[b].clone()),
                median(cpus[b].clone())
            );
        }
    }
    println!("load average after: {}", load_average());
    Ok(())
}
