//! The background, exposure and quality checks on every shared photo, with the annotated face
//! (ground truth) instead of the detector, so the checks are judged on their own.
//!
//! ```sh
//! cargo run --release --features examples --example quality_report -- ../shared/data [--compact]
//! ```

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;

use idphoto::dev::checks::{self, Context};
use idphoto::dev::face::FaceAnalysis;
use idphoto::report::{render_human, Report, Style};
use idphoto::spec::Library;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "../shared/data".into()));
    let compact = args.next().is_some_and(|a| a == "--compact");
    let spec = Library::builtin()?.resolve("dongguan", None)?;
    let notes = annotations::load(&data.join("photos/annotations.csv"))?;
    let mut out = std::io::stdout().lock();
    for note in &notes {
        let path = data.join("photos").join(&note.file);
        let photo = idphoto::dev::decode::open(&path, &Default::default())?;
        let working =
            idphoto::dev::imageops::downscale(&photo.image, idphoto::dev::ANALYSIS_MAX_SIDE);
        let mask = idphoto::dev::segment::segment(&working.image).ok();
        let known = note.to_face();
        let plan = known
            .as_ref()
            .map(|f| idphoto::dev::plan(f, photo.image.dimensions(), &spec, mask.as_ref()));
        let face = known.map(FaceAnalysis::single);
        let ctx = Context {
            spec: &spec,
            photo: &photo,
            working: &working,
            face: face.as_ref(),
            mask: mask.as_ref(),
            plan: plan.as_ref(),
        };
        let checks: Vec<_> = checks::run(&ctx)
            .into_iter()
            .filter(|c| !c.id.as_str().starts_with("file."))
            .collect();
        if compact {
            let conf = mask.as_ref().map_or(0.0, |m| m.confidence);
            println!("{} conf {conf:.3}", note.file);
            for c in &checks {
                let m = c.measured.as_ref().map_or("-", |m| m.text.en.as_str());
                println!("  {:22} {:5} {m}", c.id.as_str(), c.status.word());
            }
            continue;
        }
        let report = Report::judged(
            PathBuf::from(&note.file),
            spec.key(),
            photo.info.clone(),
            checks,
        );
        render_human(&mut out, &report, &Style::default(), &note.file)?;
    }
    Ok(())
}
