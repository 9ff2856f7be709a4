//! Helpers shared by the end-to-end tests: fixtures made in code, the binary, the shared photos.
#![allow(dead_code)]

use assert_cmd::Command;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::RgbImage;
use std::path::{Path, PathBuf};

/// The `idphoto` binary with a clean, predictable environment.
pub fn idphoto() -> Command {
    let mut cmd = Command::cargo_bin("idphoto").expect("binary built");
    cmd.env_remove("IDPHOTO_SPECS_DIR")
        .env("LANG", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// A photo-like image: smooth gradients plus deterministic grain, so JPEG sizes behave like a
/// real photo's (a flat image compresses to almost nothing).
pub fn textured(w: u32, h: u32, grain: u32) -> RgbImage {
    let mut state = 0x2545_F491_u32;
    RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = if grain == 0 {
            0
        } else {
            (state % (2 * grain + 1)) as i32 - grain as i32
        };
        let base = [
            (x * 255 / w.max(1)) as i32,
            (y * 255 / h.max(1)) as i32,
            160,
        ];
        image::Rgb(base.map(|v| (v + n).clamp(0, 255) as u8))
    })
}

/// Encodes a JPEG with the given quality and density.
pub fn jpeg_bytes(img: &RgbImage, quality: u8, dpi: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(d) = dpi {
        enc.set_pixel_density(PixelDensity::dpi(d));
    }
    enc.encode_image(img).expect("encode");
    out
}

/// A 358×441, 350 dpi JPEG whose size lies in 14–20 KB: every file-level rule of the ID card passes.
pub fn compliant_id_jpeg() -> Vec<u8> {
    for grain in [6, 10, 14, 20, 28, 36] {
        let img = textured(358, 441, grain);
        for q in (40..=95).step_by(5) {
            let bytes = jpeg_bytes(&img, q, Some(350));
            let kb = bytes.len() as f64 / 1024.0;
            if (15.0..=19.0).contains(&kb) {
                return bytes;
            }
        }
    }
    panic!("could not make a 14–20 KB fixture");
}

/// Writes bytes into the dir and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

/// The shared real photos. Under `CI=true` a missing folder is a failure, elsewhere a skip
/// (returns `None`), so a contributor without the data can still run the other tests.
pub fn testdata() -> Option<PathBuf> {
    let dir = crate::harness::shared_data_dir();
    if dir.join("photos/annotations.csv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "real-photo test data missing at {} (set IDPHOTO_TESTDATA)",
            dir.display()
        );
    }
    eprintln!("skipping: no test data at {}", dir.display());
    None
}

/// A photo of already decoded pixels, as the analysis stages take it (file facts of a plain
/// PNG of that size; the face stage reads only the pixels).
pub fn photo_of(image: RgbImage) -> idphoto::Photo {
    use idphoto::dev::decode::{ColourMode, Format};
    let info = idphoto::FileInfo {
        bytes: 0,
        format: Format::Png,
        extension_matches: true,
        width: image.width(),
        height: image.height(),
        orientation: 1,
        colour_mode: ColourMode::Rgb24,
        dpi: None,
        has_exif: false,
        has_gps: false,
        jpeg_quality: None,
    };
    idphoto::Photo { image, info }
}
