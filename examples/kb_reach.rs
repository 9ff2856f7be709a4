//! How large a JPEG real photos make at each shipped spec's canvas size, to check that every
//! `file.kb` range in `specs/` is reachable (the spec test only applies a loose bits-per-pixel
//! bound). For each distinct document it scales every photo in a folder to the canvas (centre
//! crop to the aspect, then resize) and prints the median size at several JPEG qualities.
//!
//! ```sh
//! cargo run --release --features examples --example kb_reach -- ../shared/data/photos 144x192
//! ```
//!
//! Sizes after the folder (`WxH`) are measured too, e.g. a document's minimum size.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use std::collections::BTreeMap;
use std::path::PathBuf;

const QUALITIES: [u8; 5] = [50, 70, 85, 95, 100];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or("../shared/data/photos".into()),
    );
    let mut photos = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jpg"))
        {
            if let Ok(img) = image::open(&path) {
                photos.push(img.to_rgb8());
            }
        }
    }
    eprintln!("{} photos from {}", photos.len(), dir.display());
    let lib = idphoto::spec::Library::builtin()?;
    // One row per distinct (doc, canvas, kb): city copies of a base add nothing.
    let mut rows: BTreeMap<(String, u32, u32), Option<[f64; 2]>> = BTreeMap::new();
    for spec in lib.resolve_all()? {
        rows.insert(
            (spec.doc.clone(), spec.width_px, spec.height_px),
            spec.body.file.kb,
        );
    }
    for size in std::env::args().skip(2) {
        let parsed = size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
        let Some((w, h)) = parsed else {
            return Err(format!("size {size:?} is not WxH").into());
        };
        rows.insert((format!("({size})"), w, h), None);
    }
    println!(
        "{:<24} {:>9} {:>12}  median KB at q{:?}",
        "doc", "canvas", "kb", QUALITIES
    );
    for ((doc, w, h), kb) in rows {
        let mut medians = Vec::new();
        for q in QUALITIES {
            let mut sizes: Vec<f64> = photos
                .iter()
                .map(|p| {
                    let target = f64::from(w) / f64::from(h);
                    let (pw, ph) = (f64::from(p.width()), f64::from(p.height()));
                    let (cw, ch) = if pw / ph > target {
                        (ph * target, ph)
                    } else {
                        (pw, pw / target)
                    };
                    let (x, y) = (((pw - cw) / 2.0) as u32, ((ph - ch) / 2.0) as u32);
                    let crop = image::imageops::crop_imm(p, x, y, cw as u32, ch as u32).to_image();
                    let small = image::imageops::resize(&crop, w, h, FilterType::Lanczos3);
                    let mut out = Vec::new();
                    let _ = JpegEncoder::new_with_quality(&mut out, q).encode_image(&small);
                    out.len() as f64 / 1024.0
                })
                .collect();
            sizes.sort_by(f64::total_cmp);
            medians.push(sizes.get(sizes.len() / 2).copied().unwrap_or(f64::NAN));
        }
        let kb = kb.map_or("-".to_string(), |[a, b]| format!("{a}–{b}"));
        let cells: Vec<String> = medians.iter().map(|m| format!("{m:6.1}")).collect();
        println!(
            "{doc:<24} {:>9} {kb:>12}  {}",
            format!("{w}×{h}"),
            cells.join(" ")
        );
    }
    Ok(())
}
