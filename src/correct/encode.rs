//! Encoding the canvas as the spec requires: baseline 24-bit RGB JPEG, JFIF density = the spec's
//! dpi, no metadata, and a file size inside `file.kb` found by searching the quality setting.
//!
//! The size is never padded with junk bytes to reach a minimum (some tools append zeros after the
//! JPEG end marker): if even quality 100 is too small, or quality 1 too large, the report says so.

use crate::spec::Spec;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::RgbImage;
use serde::Serialize;

/// Quality used when the spec names none.
const DEFAULT_QUALITY: u8 = 90;

/// One encoding tried during the search: quality and bytes.
type Trial = (u8, Vec<u8>);

/// How the file size relates to the spec's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeFit {
    /// Inside `file.kb`.
    Within,
    /// The spec sets no size.
    Unregulated,
    /// Even the best quality (100) stays below the minimum.
    BelowMinAtBest,
    /// Even the lowest quality (1) stays above the maximum.
    AboveMaxAtWorst,
    /// No quality lands inside the range (the size jumps over it); the closest was taken.
    Between,
}

/// An encoded JPEG and how it was chosen.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The JPEG quality used (libjpeg scale, 1–100).
    pub quality: u8,
    /// How the size fits the spec.
    pub fit: SizeFit,
}

impl Encoded {
    /// Size in KB (1024 bytes).
    pub fn kb(&self) -> f64 {
        self.bytes.len() as f64 / 1024.0
    }
}

/// Encodes one JPEG at a quality with the spec's density.
pub fn jpeg(img: &RgbImage, quality: u8, dpi: Option<f64>) -> crate::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(32 * 1024);
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    if let Some(d) = dpi {
        enc.set_pixel_density(PixelDensity::dpi(
            d.round().clamp(1.0, u16::MAX as f64) as u16
        ));
    }
    enc.encode_image(img).map_err(|e| crate::Error::Output {
        path: std::path::PathBuf::from("<memory>"),
        reason: format!("JPEG encoding failed: {e}"),
    })?;
    Ok(out)
}

/// Encodes the canvas, searching the quality so the size lands in `file.kb`: the spec's
/// `jpeg_quality` if that already fits, else the highest quality whose size is at most the
/// maximum (bisection; size grows with quality).
pub fn encode(img: &RgbImage, spec: &Spec) -> crate::Result<Encoded> {
    let dpi = spec.body.canvas.dpi;
    let q0 = spec
        .body
        .file
        .jpeg_quality
        .unwrap_or(DEFAULT_QUALITY)
        .clamp(1, 100);
    let first = jpeg(img, q0, dpi)?;
    let Some([lo_kb, hi_kb]) = spec.body.file.kb else {
        return Ok(Encoded {
            bytes: first,
            quality: q0,
            fit: SizeFit::Unregulated,
        });
    };
    let (lo, hi) = (
        (lo_kb * 1024.0).ceil() as usize,
        (hi_kb * 1024.0).floor() as usize,
    );
    let within = |n: usize| (lo..=hi).contains(&n);
    if within(first.len()) {
        return Ok(Encoded {
            bytes: first,
            quality: q0,
            fit: SizeFit::Within,
        });
    }
    // Bisect for the highest quality with size ≤ hi, keeping the last encodings of both sides.
    let (mut good, mut bad): (Option<Trial>, Option<Trial>) = if first.len() > hi {
        (None, Some((q0, first)))
    } else {
        (Some((q0, first)), None)
    };
    let (mut a, mut b) = match (&good, &bad) {
        (None, _) => (1u8, q0 - 1),
        _ => (q0 + 1, 100u8),
    };
    if q0 == 1 && good.is_none() {
        let (q, bytes) = bad.take().unwrap_or((1, Vec::new()));
        return Ok(Encoded {
            bytes,
            quality: q,
            fit: SizeFit::AboveMaxAtWorst,
        });
    }
    while a <= b {
        let q = a + (b - a) / 2;
        let bytes = jpeg(img, q, dpi)?;
        if bytes.len() <= hi {
            good = Some((q, bytes));
            a = q + 1;
        } else {
            bad = Some((q, bytes));
            if q == 1 {
                break;
            }
            b = q - 1;
        }
    }
    match good {
        Some((q, bytes)) if within(bytes.len()) => Ok(Encoded {
            bytes,
            quality: q,
            fit: SizeFit::Within,
        }),
        Some((q, bytes)) if q == 100 => Ok(Encoded {
            bytes,
            quality: q,
            fit: SizeFit::BelowMinAtBest,
        }),
        // The next quality up already exceeds the maximum: take the larger one below it.
        Some((q, bytes)) => Ok(Encoded {
            bytes,
            quality: q,
            fit: SizeFit::Between,
        }),
        None => {
            let (q, bytes) = bad.unwrap_or((1, Vec::new()));
            Ok(Encoded {
                bytes,
                quality: q,
                fit: SizeFit::AboveMaxAtWorst,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode_bytes, ColourMode, Limits};
    use std::path::Path;

    fn spec() -> Spec {
        crate::spec::dongguan_id_card()
    }

    fn textured(grain: u32) -> RgbImage {
        let mut state = 0x2545_F491_u32;
        RgbImage::from_fn(358, 441, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let n = (state % (2 * grain + 1)) as i32 - grain as i32;
            image::Rgb(
                [(x * 255 / 358) as i32, (y * 255 / 441) as i32, 160]
                    .map(|v| (v + n).clamp(0, 255) as u8),
            )
        })
    }

    #[test]
    fn size_lands_in_range_with_dpi_and_rgb() {
        for grain in [2, 12, 40] {
            let e = encode(&textured(grain), &spec()).unwrap();
            let kb = e.kb();
            assert_eq!(
                e.fit,
                SizeFit::Within,
                "grain {grain}: q{} {kb} KB",
                e.quality
            );
            assert!((14.0..=20.0).contains(&kb), "{kb}");
            let p = decode_bytes(Path::new("o.jpg"), &e.bytes, &Limits::default()).unwrap();
            assert_eq!((p.info.width, p.info.height), (358, 441));
            assert_eq!(p.info.dpi.map(|d| (d.x, d.y)), Some((350.0, 350.0)));
            assert_eq!(p.info.colour_mode, ColourMode::Rgb24);
            assert!(!p.info.has_exif);
            assert_eq!(p.info.jpeg_quality, Some(e.quality));
        }
    }

    #[test]
    fn flat_image_too_small_even_at_best_is_reported_not_padded() {
        let flat = RgbImage::from_pixel(358, 441, image::Rgb([255, 255, 255]));
        let e = encode(&flat, &spec()).unwrap();
        assert_eq!((e.fit, e.quality), (SizeFit::BelowMinAtBest, 100));
        assert!(e.kb() < 14.0);
        // The file ends at the JPEG end marker: nothing appended.
        assert_eq!(&e.bytes[e.bytes.len() - 2..], &[0xFF, 0xD9]);
    }

    #[test]
    fn noise_too_large_even_at_worst_is_reported() {
        let mut s = spec();
        s.body.file.kb = Some([0.5, 1.0]);
        let e = encode(&textured(120), &s).unwrap();
        assert_eq!((e.fit, e.quality), (SizeFit::AboveMaxAtWorst, 1));
    }
}
