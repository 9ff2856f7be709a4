//! Accuracy of the face stage against hand annotations.
//!
//! ```sh
//! cargo run --release --features examples --example accuracy -- [path/to/annotations.csv]
//! ```
//! Default: `photos/annotations.csv` in `$IDPHOTO_TESTDATA`, else in `../shared/data`.
//! Prints, per landmark, the detection rate (`found`: measured on how many of the portraits that
//! annotate it) and the mean, median, p90 and p95 error (eyes as a
//! fraction of the inter-eye distance, the worse eye; crown, chin and width as a fraction of the
//! face height; the eye line's roll in degrees), then the five worst photos per landmark, and
//! how the measured head turn (yaw) follows the annotated eyes' offset from the middle of the
//! face contour (the annotations hold no angle; `harness::yaw_agreement`), and the eye
//! opening of the portraits, every one of which has its eyes open (the annotations hold no
//! opening either: the figure to watch is the least open eye against `head.warn_eye_opening`)
//! and every portrait's mouth opening and skin above the brows, to compare with what its mouth
//! and forehead show (`tests/face.rs` holds the by-eye verdicts).

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;
#[path = "common/harness.rs"]
mod harness;

use harness::{percentile, Accepts, Errors, Measures};
use idphoto::dev::decode;
use idphoto::dev::face::Face;
use idphoto::dev::Analysis;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let csv = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| harness::shared_data_dir().join("photos/annotations.csv"));
    let dir = csv.parent().unwrap_or(std::path::Path::new("."));
    let rows = annotations::load(&csv)?;
    let mut results: Vec<(String, Errors)> = Vec::new();
    let mut yaws: Vec<(String, f32, f32)> = Vec::new();
    let mut openings: Vec<(f32, String)> = Vec::new();
    let mut mouths: Vec<(f32, String)> = Vec::new();
    let mut brows: Vec<(f32, String)> = Vec::new();
    let (mut portraits, mut found, mut count_ok, mut crown_ok) = (0, 0, 0, 0);
    println!(
        "{:<24} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7}",
        "file", "faces", "want", "eyes", "crown", "chin", "width"
    );
    for a in &rows {
        // One face: the photos the landmark figures are about, each scored where annotated.
        let is_portrait = a.is_portrait();
        // A photo that cannot be read counts as a miss; the others are still measured.
        let photo = match decode::open(&dir.join(&a.file), &decode::Limits::default()) {
            Ok(p) => p,
            Err(e) => {
                println!("{:<24} error: {e}", a.file);
                portraits += usize::from(is_portrait);
                continue;
            }
        };
        let fa = Analysis::of(&photo, None)?.faces;
        let ok = a.faces.accepts(fa.faces_found);
        count_ok += usize::from(ok);
        let single: Option<&Face> = fa.face.as_ref().filter(|_| fa.faces_found == 1);
        let e = match single {
            Some(f) if is_portrait => harness::errors(a, f),
            _ => Errors::default(),
        };
        if let (Some(yaw), Some(offset)) = (single.and_then(|f| f.yaw_deg), a.eye_offset()) {
            yaws.push((a.file.clone(), yaw, offset));
        }
        if let Some(f) = single.filter(|_| is_portrait) {
            openings.extend(f.eye_opening.map(|o| (o.smaller(), a.file.clone())));
            mouths.extend(f.mouth_opening.map(|m| (m, a.file.clone())));
            brows.extend(f.brow_skin.map(|b| (b.smaller(), a.file.clone())));
        }
        if is_portrait {
            portraits += 1;
            found += usize::from(fa.faces_found == 1);
            crown_ok += usize::from(e.crown_visibility_agrees && fa.face.is_some());
        }
        let f = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        println!(
            "{:<24} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7}{}",
            a.file,
            fa.faces_found,
            format!("{:?}", a.faces)
                .replace("Exactly", "")
                .replace("AtLeast", "≥"),
            f(e.eyes),
            f(e.crown),
            f(e.chin),
            f(e.width),
            if !ok {
                "  <- wrong count"
            } else if is_portrait && !e.crown_visibility_agrees {
                "  <- crown visibility"
            } else {
                ""
            },
        );
        results.push((a.file.clone(), e));
    }
    println!();
    println!("face count right: {count_ok}/{}; one face found on {found}/{portraits} portraits; crown visible/cut-off agrees on {crown_ok}/{portraits}", rows.len());
    println!();
    // `found`: measured where annotated (a crown cut off in the photo, or a face not found,
    // is not measured); the errors are over those.
    println!(
        "{:<8} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "landmark", "n", "found", "mean", "median", "p90", "p95"
    );
    type Pick = fn(&Errors) -> Option<f32>;
    type Annotates = fn(&annotations::Annotation) -> bool;
    let eyes: Annotates = |a| a.right_eye.is_some() && a.left_eye.is_some();
    // Each landmark's error, and whether a portrait's annotation holds it (the denominator of
    // its detection rate).
    let picks: [(&str, Pick, Annotates); 5] = [
        ("eyes", |e| e.eyes, eyes),
        ("crown", |e| e.crown, |a| a.crown.is_some()),
        ("chin", |e| e.chin, |a| a.chin.is_some()),
        (
            "width",
            |e| e.width,
            |a| a.face_x_min.is_some() && a.face_x_max.is_some(),
        ),
        ("roll°", |e| e.roll_deg, eyes),
    ];
    for (name, pick, annotates) in picks {
        let of = rows
            .iter()
            .filter(|a| a.is_portrait() && annotates(a))
            .count();
        let mut v: Vec<f32> = results.iter().filter_map(|(_, e)| pick(e)).collect();
        v.sort_by(f32::total_cmp);
        let mean = v.iter().sum::<f32>() / v.len().max(1) as f32;
        println!(
            "{:<8} {:>5} {:>7} {:>7.3} {:>7.3} {:>7.3} {:>7.3}",
            name,
            v.len(),
            format!("{:.0} %", 100.0 * v.len() as f32 / of.max(1) as f32),
            mean,
            percentile(&v, 0.5),
            percentile(&v, 0.9),
            percentile(&v, 0.95)
        );
    }
    println!();
    for (name, pick, _) in picks {
        let mut v: Vec<(f32, &str)> = results
            .iter()
            .filter_map(|(f, e)| pick(e).map(|x| (x, f.as_str())))
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        let worst: Vec<String> = v
            .iter()
            .take(5)
            .map(|(x, f)| format!("{f} {x:.3}"))
            .collect();
        println!("worst {name}: {}", worst.join(", "));
    }
    println!();
    let pairs: Vec<(f32, f32)> = yaws.iter().map(|y| (y.1, y.2)).collect();
    if let Some(g) = harness::yaw_agreement(&pairs) {
        println!(
            "yaw vs annotated eye offset: n {}, correlation r {:.3} (of sin yaw), slope {:.2}, \
             sign disagrees on {} of {} clearly turned (|offset| >= 0.05)",
            pairs.len(),
            g.r,
            g.slope,
            g.sign_disagreements,
            g.clearly_turned
        );
        yaws.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let most: Vec<String> = yaws
            .iter()
            .take(6)
            .map(|(f, y, o)| format!("{f} {y:+.1}° ({o:+.3})"))
            .collect();
        println!("most turned: {}", most.join(", "));
    }
    openings.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((least, _)) = openings.first() {
        let v: Vec<f32> = openings.iter().map(|o| o.0).collect();
        let warn = idphoto::spec::Library::builtin()?
            .resolve("dongguan", None)?
            .body
            .head
            .warn_eye_opening
            .unwrap_or(0.0);
        let read_open = v.iter().filter(|&&o| f64::from(o) >= warn).count();
        println!(
            "eye opening (less open eye, open-eyed portraits): n {}, min {least:.3}, median {:.3}; \
             read as open (>= {warn}) on {read_open}/{}",
            v.len(),
            percentile(&v, 0.5),
            v.len()
        );
        let least: Vec<String> = openings
            .iter()
            .take(5)
            .map(|(o, f)| format!("{f} {o:.3}"))
            .collect();
        println!("least open: {}", least.join(", "));
    }
    for (label, mut v) in [
        ("mouth opening (lip gap / mouth width)", mouths),
        ("skin above the less clear eyebrow", brows),
    ] {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let all: Vec<String> = v
            .iter()
            .map(|(m, f)| format!("{} {m:.3}", f.trim_end_matches(".jpg")))
            .collect();
        println!("{label}: {}", all.join(", "));
    }
    Ok(())
}
