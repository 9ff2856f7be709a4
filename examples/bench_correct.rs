//! Time per photo of the correction on a 12 MP input, split into decode / analyse / correct /
//! encode, medians of several runs.
//!
//! ```sh
//! cargo run --release --features examples --example bench_correct
//! ```
//! The input is zuckerberg_1.jpg from `IDPHOTO_TESTDATA` (default `../shared/data`) upscaled in
//! memory to 4000×3000 and re-encoded as a JPEG at quality 92, like a phone photo. "Analyse" is
//! `idphoto::check_photo` without a corrected photo (working copy, person mask, faces, checks);
//! the face the correction is timed with comes from the annotations.

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;
#[path = "common/harness.rs"]
mod harness;

use idphoto::dev::correct;
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = harness::shared_data_dir();
    let rows = annotations::load(&data.join("photos/annotations.csv"))?;
    let row = rows
        .iter()
        .find(|r| r.file == "zuckerberg_1.jpg")
        .ok_or("no annotation")?;
    let small =
        idphoto::dev::decode::open(&data.join("photos/zuckerberg_1.jpg"), &Default::default())?;
    let (w, h) = (4000u32, 3000u32);
    let k = w as f32 / small.image.width() as f32;
    let big =
        idphoto::dev::imageops::resize(&small.image, w, h, idphoto::dev::imageops::Quality::Best);
    let bytes = correct::encode::jpeg(&big, 92, None)?;
    let mut face = row.to_face().ok_or("no face")?;
    let s = |p: [f32; 2]| [p[0] * k, p[1] * k];
    face.left_eye = s(face.left_eye);
    face.right_eye = s(face.right_eye);
    face.crown = face.crown.map(s);
    face.chin = s(face.chin);
    face.face_left_x *= k;
    face.face_right_x *= k;
    face.face_width_y *= k;
    face.bbox = face.bbox.map(|v| v * k);
    let spec = idphoto::spec::Library::builtin()?.resolve("dongguan", None)?;
    let (mut dec, mut ana, mut cor, mut enc) = (vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        let t = Instant::now();
        let photo =
            idphoto::dev::decode::decode_bytes(Path::new("big.jpg"), &bytes, &Default::default())?;
        dec.push(t.elapsed());
        let t = Instant::now();
        let report = idphoto::check_photo(
            Path::new("big.jpg"),
            &photo,
            &spec,
            &idphoto::Options::default(),
        );
        ana.push(t.elapsed());
        let t = Instant::now();
        let plan = idphoto::dev::plan(&face, photo.image.dimensions(), &spec, None);
        if !plan.is_feasible() {
            return Err(format!("{:?}", plan.problems).into());
        }
        let c = correct::correct(&photo.image, &face, &plan, &spec, None, None);
        cor.push(t.elapsed());
        let t = Instant::now();
        let e = correct::encode::encode(&c.image, &spec)?;
        enc.push(t.elapsed());
        std::hint::black_box((report, e));
    }
    println!("12 MP input ({w}×{h}), medians of {RUNS} runs, ms:");
    println!("  decode  {:8.1}", median(dec));
    println!(
        "  analyse {:8.1}  (working copy, mask, faces, checks)",
        median(ana)
    );
    println!(
        "  correct {:8.1}  (plan, Lanczos region resize, affine, tone)",
        median(cor)
    );
    println!(
        "  encode  {:8.1}  (JPEG quality search for file.kb)",
        median(enc)
    );
    Ok(())
}
