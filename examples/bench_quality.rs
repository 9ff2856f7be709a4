//! Time of the background, exposure and quality checks per photo, on one core, at working
//! resolution, with the annotated faces of the shared photos. Prints medians over photos of the
//! per-photo median of several runs.
//!
//! ```sh
//! cargo run --release --features examples --example bench_quality -- ../shared/data
//! ```

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;

use idphoto::dev::checks::{self, Context};
use idphoto::dev::face::FaceAnalysis;
use idphoto::spec::Library;
use std::path::PathBuf;
use std::time::Instant;

const RUNS: usize = 7;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data".into()),
    );
    let spec = Library::builtin()?.resolve("dongguan", None)?;
    let notes = annotations::load(&data.join("photos/annotations.csv"))?;
    // Load the network once, outside the timings (it is loaded once per process).
    idphoto::dev::nn::selfie_segmentation()?;
    let (mut net_ms, mut mask_ms, mut checks_ms) = (Vec::new(), Vec::new(), Vec::new());
    println!(
        "{:24} {:>10} {:>10} {:>10} {:>10}",
        "photo", "working", "network", "mask all", "checks"
    );
    for note in &notes {
        let photo =
            idphoto::dev::decode::open(&data.join("photos").join(&note.file), &Default::default())?;
        let working =
            idphoto::dev::imageops::downscale(&photo.image, idphoto::dev::ANALYSIS_MAX_SIDE);
        let known = note.to_face();
        let face = known.clone().map(FaceAnalysis::single);
        let (mut net, mut seg, mut chk) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let t = Instant::now();
            let input = idphoto::dev::imageops::resize(
                &working.image,
                256,
                256,
                idphoto::dev::imageops::Quality::Fast,
            );
            idphoto::dev::nn::selfie_segmentation()?.run(idphoto::dev::nn::nhwc_tensor(
                &input,
                1.0 / 255.0,
                0.0,
            ))?;
            net.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let mask = idphoto::dev::segment::segment(&working.image)?;
            seg.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            // The crop plan `crop.possible` reports, made once per photo as the pipeline does.
            let plan = known
                .as_ref()
                .map(|f| idphoto::dev::plan(f, photo.image.dimensions(), &spec, Some(&mask)));
            let ctx = Context {
                spec: &spec,
                photo: &photo,
                working: &working,
                face: face.as_ref(),
                mask: Some(&mask),
                plan: plan.as_ref(),
            };
            let n = checks::run(&ctx)
                .iter()
                .filter(|c| !c.id.as_str().starts_with("file."))
                .count();
            chk.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(n > 0);
        }
        let (a, b, c) = (median(&mut net), median(&mut seg), median(&mut chk));
        let (w, h) = working.image.dimensions();
        println!(
            "{:24} {:>10} {a:>10.1} {b:>10.1} {c:>10.1}",
            note.file,
            format!("{w}×{h}")
        );
        net_ms.push(a);
        mask_ms.push(b);
        checks_ms.push(c);
    }
    let (n, m, c) = (
        median(&mut net_ms),
        median(&mut mask_ms),
        median(&mut checks_ms),
    );
    println!("median over photos (ms, one thread): network {n:.1}, segmentation incl. network {m:.1}, checks {c:.1}; checks + segmentation {:.1}", m + c);
    Ok(())
}
