//! Refusal yield on portraits whose crown sits a few pixels below the top edge: each photo is
//! cut at the top so that its crown lies N px below the edge, for a range of N, and checked
//! with a corrected photo asked for, as `idphoto check` does. Prints, per N, how many crowns
//! were seen (not read as cut off), how many corrected photos were written, and the refusals
//! by reason.
//!
//! ```sh
//! cargo run --release --features examples --example crown_margin -- [--city C] [--doc D] PHOTO...
//! ```
//! The crown of each uncut photo is the face stage's own; a photo whose crown it does not see,
//! or that has less room above the crown than the largest N, is skipped and named. The cut
//! photos are decoded pixels, not re-encoded files.

use idphoto::dev::correct::CorrectionStatus;
use idphoto::{Fix, OutputOptions, Photo};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Crown distances from the top edge tried, px of the photo.
const MARGINS: [u32; 5] = [1, 2, 4, 8, 16];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut city, mut doc, mut photos) = ("dongguan".to_string(), None, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--city" => city = args.next().ok_or("--city needs a value")?,
            "--doc" => doc = Some(args.next().ok_or("--doc needs a value")?),
            _ => photos.push(PathBuf::from(a)),
        }
    }
    if photos.is_empty() {
        return Err("usage: crown_margin [--city C] [--doc D] PHOTO...".into());
    }
    let spec = idphoto::spec::Library::builtin()?.resolve(&city, doc.as_deref())?;
    let out = tempfile::tempdir()?;
    let options = idphoto::Options {
        fix: Some(Fix {
            output: OutputOptions {
                out_dir: Some(out.path().to_path_buf()),
                force: true,
                ..Default::default()
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    // Per margin: photos, crowns seen, written, refusals by reason.
    let mut seen = BTreeMap::<u32, (usize, usize, usize)>::new();
    let mut refused = BTreeMap::<(u32, String), usize>::new();
    let mut used = 0;
    for path in &photos {
        let photo = idphoto::dev::decode::open(path, &Default::default())?;
        let analysis = idphoto::dev::Analysis::of(&photo, None)?;
        let crown = analysis
            .faces
            .face
            .as_ref()
            .filter(|_| analysis.faces.faces_found == 1)
            .and_then(|f| f.crown);
        let Some([_, crown_y]) = crown.filter(|c| c[1] >= (MARGINS[4] + 1) as f32) else {
            eprintln!("skipped (no crown with room above it): {}", path.display());
            continue;
        };
        used += 1;
        for n in MARGINS {
            let top = (crown_y.round() as u32).saturating_sub(n);
            let (w, h) = photo.image.dimensions();
            let image = image::imageops::crop_imm(&photo.image, 0, top, w, h - top).to_image();
            let mut info = photo.info.clone();
            (info.width, info.height) = image.dimensions();
            let cut = Photo { image, info };
            let report = idphoto::check_photo(path, &cut, &spec, &options);
            let entry = seen.entry(n).or_default();
            entry.0 += 1;
            let face = report.face.as_ref().and_then(|f| f.face.as_ref());
            if face.is_some_and(|f| f.crown.is_some()) {
                entry.1 += 1;
            }
            let Some(c) = report.correction.as_ref() else {
                continue;
            };
            if c.status == CorrectionStatus::Written {
                entry.2 += 1;
            } else {
                let why = match c.problems.first() {
                    Some(p) => format!("{:?}", p.id),
                    None => format!("{:?}", c.status),
                };
                *refused.entry((n, why)).or_default() += 1;
            }
        }
    }
    println!("{used} photos, spec {}", spec.key());
    println!("| crown below the top edge | crown seen | corrected photo written | refused (reason: photos) |");
    println!("|---|---|---|---|");
    for (n, (total, crowns, written)) in &seen {
        let reasons: Vec<String> = refused
            .iter()
            .filter(|((m, _), _)| m == n)
            .map(|((_, why), k)| format!("{why}: {k}"))
            .collect();
        println!(
            "| {n} px | {crowns}/{total} | {written}/{total} | {} |",
            reasons.join(", ")
        );
    }
    Ok(())
}
