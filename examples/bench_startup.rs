//! Network start-up and run time: how long a fresh process takes until the four networks are
//! ready to run, and how long each then takes per run, with idphoto's own interpreter
//! (`idphoto::nn`) and, side by side, with tract (a general ONNX engine, what idphoto used
//! before: parse, type, declutter, optimise) on the same ONNX files.
//!
//! ```sh
//! cargo run --release --features examples --example bench_startup -- [--runs 15] [--baseline OLD_IDPHOTO [photo]]
//! ```
//! Each measurement is a fresh process (this example run again with `--child MODE`), the modes
//! taking turns within each round so the host's load falls on all alike; medians of `--runs`
//! rounds (default 15), wall time from the child's `main` and CPU time of the whole child
//! process (`wait4`, which includes the runs after loading). With `--baseline`, it also runs `idphoto check PHOTO --city dongguan
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

/// Child process modes: `tract` builds tract's plans of the ONNX files, `embedded` idphoto's
/// own (`idphoto::dev::nn`), each network one after another.
const MODES: [&str; 2] = ["tract", "embedded"];

/// Runs of each network per child, after loading, for its run time.
const RUNS_PER_CHILD: usize = 9;

/// One child: each network's load time, the total, then each network's median run time on a
/// drawn portrait; all in milliseconds on one line.
fn child(mode: &str) -> Result<String, Box<dyn std::error::Error>> {
    use idphoto::dev::nn;
    let start = Instant::now();
    let mut loads = Vec::new();
    let mut runs = Vec::new();
    match mode {
        "tract" => {
            let mut plans = Vec::new();
            for (_, bytes) in ONNX {
                let t = Instant::now();
                plans.push(onnx::plan(bytes)?);
                loads.push(ms(t.elapsed()));
            }
            loads.push(ms(start.elapsed()));
            for (plan, (_, side, _)) in plans.iter().zip(NETWORKS) {
                let input = onnx::portrait_input(side);
                runs.push(median(
                    (0..RUNS_PER_CHILD)
                        .map(|_| {
                            let t = Instant::now();
                            onnx::run(plan, side, &input);
                            ms(t.elapsed())
                        })
                        .collect(),
                ));
            }
        }
        "embedded" => {
            let mut nets = Vec::new();
            for load in [
                nn::selfie_segmentation,
                nn::face_detection,
                nn::face_landmark,
                nn::iris_landmark,
            ] {
                let t = Instant::now();
                nets.push(load()?);
                loads.push(ms(t.elapsed()));
            }
            loads.push(ms(start.elapsed()));
            for (net, (_, side, _)) in nets.iter().zip(NETWORKS) {
                let input = onnx::portrait_input(side);
                let mut times = Vec::new();
                for _ in 0..RUNS_PER_CHILD {
                    let tensor = nn::Tensor::new(vec![1, side, side, 3], input.clone())
                        .ok_or("input shape")?;
                    let t = Instant::now();
                    net.run(tensor)?;
                    times.push(ms(t.elapsed()));
                }
                runs.push(median(times));
            }
        }
        _ => return Err(format!("unknown mode {mode:?}").into()),
    }
    Ok(loads
        .iter()
        .chain(&runs)
        .map(|t| format!("{t:.3}"))
        .collect::<Vec<_>>()
        .join(" "))
}

/// The networks in the order of `ONNX`, with their input sides.
const NETWORKS: [(&str, usize, usize); 4] = [
    onnx::NETWORKS[3],
    onnx::NETWORKS[0],
    onnx::NETWORKS[1],
    onnx::NETWORKS[2],
];

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
    println!("fresh processes, medians of {runs} rounds (ms); run: median of {RUNS_PER_CHILD} runs on a drawn portrait:");
    println!("| network | tract: load | idphoto: load | tract: run | idphoto: run |");
    println!("|---|---|---|---|---|");
    for (i, (name, _)) in ONNX.iter().enumerate() {
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} | {:.2} |",
            column(0, i),
            column(1, i),
            column(0, 5 + i),
            column(1, 5 + i)
        );
    }
    println!(
        "| all four loaded, wall | {:.1} | {:.1} | | |",
        column(0, 4),
        column(1, 4)
    );
    println!(
        "| CPU of the whole child process | {:.1} | {:.1} | | |",
        median(cpu[0].clone()),
        median(cpu[1].clone())
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
