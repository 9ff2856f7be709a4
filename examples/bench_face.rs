//! Decode time vs face-analysis time on a 12 MP photo.
//!
//! ```sh
//! cargo run --release --example bench_face -- [photo.jpg]
//! ```
//! Upscales the photo (default `$IDPHOTO_TESTDATA/photos/zuckerberg_1.jpg`) to 4000×3000 in
//! memory, encodes it as JPEG, then times decoding alone, the working copy, the person mask
//! (shared by the crown, the background checks and the matte) and the face analysis given that
//! mask (`face::analyse_with`), medians of 10 runs; model loading is timed once, separately.

use idphoto::{decode, face, imageops, ANALYSIS_MAX_SIDE};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| idphoto::annotations::shared_data_dir().join("photos/zuckerberg_1.jpg"));
    let photo = decode::open(&src, &decode::Limits::default())?;
    let big = imageops::resize(&photo.image, 4000, 3000, imageops::Quality::Fast);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("12mp.jpg");
    image::codecs::jpeg::JpegEncoder::new_with_quality(std::fs::File::create(&path)?, 90)
        .encode_image(&big)?;

    let t = Instant::now();
    idphoto::nn::face_detection()?;
    idphoto::nn::face_landmark()?;
    idphoto::nn::selfie_segmentation()?;
    idphoto::nn::iris_landmark()?;
    let load = t.elapsed().as_secs_f64() * 1000.0;

    let (mut dec, mut work, mut seg, mut ana) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..10 {
        let t = Instant::now();
        let p = decode::open(&path, &decode::Limits::default())?;
        dec.push(t.elapsed());
        let t = Instant::now();
        let working = imageops::downscale(&p.image, ANALYSIS_MAX_SIDE);
        work.push(t.elapsed());
        // The pipeline segments once and shares the mask (crown, background checks, matte).
        let t = Instant::now();
        let mask = idphoto::segment::segment(&working.image)?;
        seg.push(t.elapsed());
        let t = Instant::now();
        let a = face::analyse_with(&working, &p.image, Some(&mask))?;
        ana.push(t.elapsed());
        assert_eq!(a.faces_found, 1);
    }
    let (work, ana) = (median(work), median(ana));
    println!("model loading (once): {load:.1} ms");
    println!("decode 12 MP JPEG (median of 10): {:.1} ms", median(dec));
    println!("working copy (median of 10): {work:.1} ms");
    println!(
        "person mask, shared with the background checks (median of 10): {:.1} ms",
        median(seg)
    );
    println!("face analysis with the mask (median of 10): {ana:.1} ms");
    println!(
        "face stage = working copy + face analysis: {:.1} ms",
        work + ana
    );
    Ok(())
}
