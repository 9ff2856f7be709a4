//! Decode time vs face-analysis time on a 12 MP photo.
//!
//! ```sh
//! cargo run --release --features examples --example bench_face -- [photo.jpg ...]
//! ```
//! Upscales each photo to 4000×3000 in memory, encodes it as JPEG, then times decoding alone,
//! the working copy, the person mask (shared by the crown, the background checks and the matte)
//! and the face analysis given that mask (`face::Look`), medians of 10 runs; model
//! loading is timed once, separately. Default: `$IDPHOTO_TESTDATA/photos/zuckerberg_1.jpg`
//! (a white wall: no further-back tiles run) and `siegel_1.jpg` (a logo wall: the tiles that
//! look for someone further back run too), measured in turns within each round so the host's
//! load falls on both alike.

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;
#[path = "common/harness.rs"]
mod harness;

use idphoto::dev::{decode, face, imageops, ANALYSIS_MAX_SIDE};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

/// One photo's 12 MP JPEG and its timings.
struct Bench {
    name: String,
    path: PathBuf,
    decode: Vec<Duration>,
    working: Vec<Duration>,
    mask: Vec<Duration>,
    analysis: Vec<Duration>,
}

impl Bench {
    fn new(src: &Path, dir: &Path) -> Result<Bench, Box<dyn std::error::Error>> {
        let photo = decode::open(src, &decode::Limits::default())?;
        let big = imageops::resize(&photo.image, 4000, 3000, imageops::Quality::Fast);
        let name = src
            .file_stem()
            .map_or("photo".into(), |s| s.to_string_lossy().into_owned());
        let path = dir.join(format!("{name}.12mp.jpg"));
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::fs::File::create(&path)?, 90)
            .encode_image(&big)?;
        Ok(Bench {
            name,
            path,
            decode: Vec::new(),
            working: Vec::new(),
            mask: Vec::new(),
            analysis: Vec::new(),
        })
    }

    fn run_once(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let t = Instant::now();
        let p = decode::open(&self.path, &decode::Limits::default())?;
        self.decode.push(t.elapsed());
        let t = Instant::now();
        let working = imageops::downscale(&p.image, ANALYSIS_MAX_SIDE);
        self.working.push(t.elapsed());
        // The pipeline segments once and shares the mask (crown, background checks, matte).
        let t = Instant::now();
        let mask = idphoto::dev::segment::segment(&working.image)?;
        self.mask.push(t.elapsed());
        let t = Instant::now();
        let a = face::Look::at(&working)?
            .analyse(&working, &p.image, Some(&mask))?
            .analysis;
        self.analysis.push(t.elapsed());
        assert_eq!(a.faces_found, 1, "{}: one face", self.name);
        Ok(())
    }

    fn report(self) {
        let decode = median(self.decode);
        let (working, analysis) = (median(self.working), median(self.analysis));
        let stage = working + analysis;
        println!("{}, 12 MP JPEG, medians of 10:", self.name);
        println!("  decode: {decode:.1} ms");
        println!("  working copy: {working:.1} ms");
        println!(
            "  person mask, shared with the background checks: {:.1} ms",
            median(self.mask)
        );
        println!("  face analysis with the mask: {analysis:.1} ms");
        println!(
            "  face stage = working copy + face analysis: {stage:.1} ms ({:.2} of decoding)",
            stage / decode
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sources: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if sources.is_empty() {
        let photos = harness::shared_data_dir().join("photos");
        sources = vec![photos.join("zuckerberg_1.jpg"), photos.join("siegel_1.jpg")];
    }
    let dir = tempfile::tempdir()?;
    let mut benches = sources
        .iter()
        .map(|s| Bench::new(s, dir.path()))
        .collect::<Result<Vec<_>, _>>()?;

    let t = Instant::now();
    idphoto::dev::nn::face_detection()?;
    idphoto::dev::nn::face_landmark()?;
    idphoto::dev::nn::selfie_segmentation()?;
    idphoto::dev::nn::iris_landmark()?;
    println!(
        "model loading (once): {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );

    for _ in 0..10 {
        for b in &mut benches {
            b.run_once()?;
        }
    }
    for b in benches {
        b.report();
    }
    Ok(())
}
