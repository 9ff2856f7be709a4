//! Reading photos: format by content, container facts (dpi, colour mode, EXIF), bounded decoding,
//! EXIF orientation.
//!
//! Formats are recognised by their bytes, never by extension, because phone apps and chat tools
//! routinely save WebP or PNG under `.jpg`. Before any pixel is decoded the header's dimensions
//! are checked against [`Limits`], so a 60 000 × 60 000 "decompression bomb" costs nothing.
//! The decoders run under `catch_unwind`: a decoder bug on a hostile file is an error for that
//! file, not a crash of a batch.

use crate::error::{Error, Result};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use serde::Serialize;
use std::io::Cursor;
use std::path::Path;

/// How much idphoto is willing to read and decode.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read, bytes.
    pub max_file_bytes: u64,
    /// Largest image decoded, in pixels (after which a photo is a bomb, not a portrait).
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 200 MB files and 100 megapixels: twice the largest phone sensors (50 MP), far below what
    /// would exhaust memory (100 MP × 4 bytes = 400 MB at most while decoding).
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_pixels: 100_000_000,
        }
    }
}

/// The container format, found from the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JPEG / JFIF / EXIF.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
    /// Windows bitmap.
    Bmp,
    /// TIFF.
    Tiff,
    /// GIF.
    Gif,
}

impl Format {
    /// The lowercase name used in specs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Gif => "gif",
        }
    }

    fn from_image(f: ImageFormat) -> Option<Self> {
        Some(match f {
            ImageFormat::Jpeg => Format::Jpeg,
            ImageFormat::Png => Format::Png,
            ImageFormat::WebP => Format::Webp,
            ImageFormat::Bmp => Format::Bmp,
            ImageFormat::Tiff => Format::Tiff,
            ImageFormat::Gif => Format::Gif,
            _ => return None,
        })
    }

    /// Whether a file extension is one people use for this format.
    pub fn matches_extension(self, ext: &str) -> bool {
        let ext = ext.to_ascii_lowercase();
        match self {
            Format::Jpeg => ["jpg", "jpeg", "jpe", "jfif"].contains(&ext.as_str()),
            Format::Png => ext == "png",
            Format::Webp => ext == "webp",
            Format::Bmp => ext == "bmp" || ext == "dib",
            Format::Tiff => ext == "tif" || ext == "tiff",
            Format::Gif => ext == "gif",
        }
    }
}

/// How the pixels are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColourMode {
    /// 8-bit RGB, no alpha: what every document asks for.
    Rgb24,
    /// 8-bit RGB with an alpha channel.
    Rgba32,
    /// 8-bit grayscale.
    Gray8,
    /// 8-bit grayscale with alpha.
    GrayAlpha16,
    /// 16 bits per channel (any channel count).
    Deep16,
    /// CMYK (print colour), as some scanner software writes JPEGs.
    Cmyk,
    /// Anything else (floating point, palettes the decoder expands …).
    Other,
}

impl ColourMode {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            ColourMode::Rgb24 => "rgb24",
            ColourMode::Rgba32 => "rgba32",
            ColourMode::Gray8 => "gray8",
            ColourMode::GrayAlpha16 => "gray+alpha",
            ColourMode::Deep16 => "16-bit",
            ColourMode::Cmyk => "cmyk",
            ColourMode::Other => "other",
        }
    }
}

/// Where a dpi figure was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DpiSource {
    /// The JFIF APP0 density of a JPEG.
    Jfif,
    /// EXIF XResolution / ResolutionUnit.
    Exif,
    /// The PNG pHYs chunk.
    Png,
    /// A BMP header's pixels per metre.
    Bmp,
}

/// Resolution stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dpi {
    /// Horizontal dots per inch.
    pub x: f64,
    /// Vertical dots per inch.
    pub y: f64,
    /// Where it was read from.
    pub source: DpiSource,
}

/// Facts about the file as stored, before any correction.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    /// Size on disk, bytes.
    pub bytes: u64,
    /// Format by content.
    pub format: Format,
    /// Whether the extension agrees with the content (`.jpg` holding WebP does not).
    pub extension_matches: bool,
    /// Width after EXIF orientation, px.
    pub width: u32,
    /// Height after EXIF orientation, px.
    pub height: u32,
    /// EXIF orientation tag (1 = upright; 6 = rotate 90° clockwise …).
    pub orientation: u8,
    /// Colour mode as stored.
    pub colour_mode: ColourMode,
    /// Stored resolution, if any.
    pub dpi: Option<Dpi>,
    /// Whether the file carries EXIF metadata.
    pub has_exif: bool,
    /// Whether the EXIF metadata includes a GPS position.
    pub has_gps: bool,
    /// For JPEG: the quality the luminance quantisation table corresponds to (libjpeg scale).
    pub jpeg_quality: Option<u8>,
}

/// A decoded photo: upright 8-bit RGB pixels plus the facts about its file.
#[derive(Debug, Clone)]
pub struct Photo {
    /// Pixels after EXIF orientation; alpha, if any, composited over white.
    pub image: RgbImage,
    /// Facts about the file.
    pub info: FileInfo,
}

impl Photo {
    /// Decodes a photo held in memory (an upload, say) by its content, within `limits`.
    pub fn from_bytes(bytes: &[u8], limits: &Limits) -> Result<Photo> {
        decode_bytes(Path::new("(photo bytes)"), bytes, limits)
    }
}

/// Reads and decodes one photo.
///
/// # Examples
pub fn open(path: &Path, limits: &Limits) -> Result<Photo> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is a directory, not a photo",
        )));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            bytes: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    decode_bytes(path, &bytes, limits)
}

/// Decodes a photo already in memory; `path` is only used in messages and for the extension.
pub fn decode_bytes(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Photo> {
    if bytes.is_empty() {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let format = image::guess_format(bytes)
        .ok()
        .and_then(Format::from_image)
        .ok_or_else(|| match unsupported_format(bytes) {
            Some(format) => Error::UnsupportedFormat {
                path: path.to_path_buf(),
                format,
            },
            None => Error::NotAnImage {
                path: path.to_path_buf(),
            },
        })?;
    // Decoder messages sometimes end in a newline, which a report would show as a stray mark.
    let decode_err = |message: String| Error::Decode {
        path: path.to_path_buf(),
        format: format.name().to_string(),
        message: message.trim_end().to_string(),
    };
    let container = probe_container(format, bytes);
    if container.truncated {
        return Err(decode_err(
            "the file is truncated (it ends before the image data does)".into(),
        ));
    }
    let exif = read_exif(bytes);

    let result = std::panic::catch_unwind(|| -> Result<(DynamicImage, ColourMode, u8)> {
        let reader = ImageReader::with_format(Cursor::new(bytes), format_to_image(format));
        let mut decoder = reader
            .into_decoder()
            .map_err(|e| decode_err(e.to_string()))?;
        let (w, h) = decoder.dimensions();
        if u64::from(w) * u64::from(h) > limits.max_pixels {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                width: w,
                height: h,
                limit_mp: (limits.max_pixels / 1_000_000) as u32,
            });
        }
        if w == 0 || h == 0 {
            return Err(decode_err(format!("image has no pixels ({w}×{h})")));
        }
        let mut image_limits = image::Limits::default();
        image_limits.max_image_width = Some(w);
        image_limits.max_image_height = Some(h);
        // The largest buffer is the decoded image itself (up to 16-bit RGBA) plus decoder scratch.
        image_limits.max_alloc = Some(u64::from(w) * u64::from(h) * 8 + (64 << 20));
        decoder
            .set_limits(image_limits)
            .map_err(|e| decode_err(e.to_string()))?;
        let orientation = decoder
            .orientation()
            .map_err(|e| decode_err(e.to_string()))?;
        let mode = container
            .colour_mode
            .unwrap_or_else(|| colour_mode_of(decoder.original_color_type()));
        let mut image =
            DynamicImage::from_decoder(decoder).map_err(|e| decode_err(e.to_string()))?;
        image.apply_orientation(orientation);
        Ok((image, mode, orientation_tag(orientation)))
    });
    let (image, colour_mode, orientation) = match result {
        Ok(r) => r?,
        Err(_) => {
            return Err(Error::DecoderPanic {
                path: path.to_path_buf(),
                format: format.name().to_string(),
            })
        }
    };
    let has_alpha = image.color().has_alpha();
    let image = if has_alpha {
        flatten_on_white(&image)
    } else {
        image.into_rgb8()
    };
    let dpi = container.dpi.or(exif.dpi);
    let extension_matches = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| format.matches_extension(e));
    Ok(Photo {
        info: FileInfo {
            bytes: bytes.len() as u64,
            format,
            extension_matches,
            width: image.width(),
            height: image.height(),
            orientation,
            colour_mode,
            dpi,
            has_exif: exif.present,
            has_gps: exif.gps,
            jpeg_quality: container.jpeg_quality,
        },
        image,
    })
}

fn format_to_image(f: Format) -> ImageFormat {
    match f {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Webp => ImageFormat::WebP,
        Format::Bmp => ImageFormat::Bmp,
        Format::Tiff => ImageFormat::Tiff,
        Format::Gif => ImageFormat::Gif,
    }
}

fn orientation_tag(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}

fn colour_mode_of(t: image::ExtendedColorType) -> ColourMode {
    use image::ExtendedColorType as E;
    match t {
        E::Rgb8 => ColourMode::Rgb24,
        E::Rgba8 => ColourMode::Rgba32,
        E::L8 | E::L1 | E::L2 | E::L4 => ColourMode::Gray8,
        E::La8 | E::La1 | E::La2 | E::La4 => ColourMode::GrayAlpha16,
        E::Rgb16 | E::Rgba16 | E::L16 | E::La16 => ColourMode::Deep16,
        E::Cmyk8 => ColourMode::Cmyk,
        // 1-, 2- and 4-bit palettes expand to 8-bit RGB without loss of colour depth.
        E::Rgb1 | E::Rgb2 | E::Rgb4 => ColourMode::Rgb24,
        E::Rgba1 | E::Rgba2 | E::Rgba4 => ColourMode::Rgba32,
        _ => ColourMode::Other,
    }
}

/// Composites an image with alpha over white, the background every document starts from.
fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    let rgba = image.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(p[3]);
        for c in 0..3 {
            o[c] = ((u16::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// What the container says beyond the pixels.
#[derive(Debug, Default)]
struct Container {
    dpi: Option<Dpi>,
    colour_mode: Option<ColourMode>,
    jpeg_quality: Option<u8>,
    truncated: bool,
}

/// Names the photo formats people are likely to hand over that idphoto does not decode, so the
/// error can say what the file is and what to do, not just "not an image". HEIC is what iPhones
/// save by default; AVIF and JPEG XL come from newer phones and web downloads. The ISO base media
/// file's `ftyp` box carries a major brand (bytes 8–11) and compatible brands after it.
fn unsupported_format(bytes: &[u8]) -> Option<&'static str> {
    const HEIF: [&[u8; 4]; 8] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ];
    if bytes.starts_with(&[0xFF, 0x0A]) || bytes.starts_with(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Some("JPEG XL");
    }
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = be32(bytes, 0).map_or(0, |n| n as usize).clamp(16, 256);
    let brands = bytes.get(8..size.min(bytes.len()))?;
    let has = |b: &[u8; 4]| brands.chunks_exact(4).any(|c| c == b);
    if has(b"avif") || has(b"avis") {
        Some("AVIF")
    } else if HEIF.iter().any(|b| has(b)) {
        Some("HEIC")
    } else {
        None
    }
}

fn probe_container(format: Format, bytes: &[u8]) -> Container {
    match format {
        Format::Jpeg => probe_jpeg(bytes),
        Format::Png => probe_png(bytes),
        Format::Bmp => probe_bmp(bytes),
        _ => Container::default(),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Walks the JPEG markers up to the first scan: JFIF density, frame components, and the
/// luminance quantisation table (to estimate the encoder's quality).
fn probe_jpeg(b: &[u8]) -> Container {
    let mut c = Container::default();
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            break;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let Some(len) = be16(b, i + 2).map(usize::from) else {
            break;
        };
        let seg = match b.get(i + 4..i + 2 + len) {
            Some(s) if len >= 2 => s,
            // A header segment running past the end of the file: cut off before the pixels.
            None if len >= 2 => {
                c.truncated = true;
                break;
            }
            _ => break,
        };
        match marker {
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                let unit = seg[7];
                let (x, y) = (
                    f64::from(be16(seg, 8).unwrap_or(0)),
                    f64::from(be16(seg, 10).unwrap_or(0)),
                );
                let scale = match unit {
                    1 => Some(1.0),
                    2 => Some(2.54),
                    _ => None, // 0 = aspect ratio only, no physical size
                };
                if let Some(s) = scale {
                    if x > 0.0 && y > 0.0 {
                        c.dpi = Some(Dpi {
                            x: x * s,
                            y: y * s,
                            source: DpiSource::Jfif,
                        });
                    }
                }
            }
            0xDB if c.jpeg_quality.is_none() => c.jpeg_quality = jpeg_quality_from_dqt(seg),
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC && seg.len() >= 6 => {
                let precision = seg[0];
                let components = seg[5];
                c.colour_mode = Some(match (components, precision) {
                    (_, p) if p > 8 => ColourMode::Deep16,
                    (1, _) => ColourMode::Gray8,
                    (3, _) => ColourMode::Rgb24,
                    (4, _) => ColourMode::Cmyk,
                    _ => ColourMode::Other,
                });
            }
            0xDA => {
                // Baseline and progressive files end with EOI (FF D9) after the scans; without it
                // the file was cut short, and decoders silently paint the missing rows grey.
                let rest = &b[i..];
                c.truncated = !rest.windows(2).any(|w| w == [0xFF, 0xD9]);
                break;
            }
            _ => {}
        }
        i += 2 + len;
    }
    // Every exit above but running out of bytes leaves `i + 4` inside the file: the headers
    // ended with the file, before any scan.
    if i + 4 > b.len() {
        c.truncated = true;
    }
    c
}

/// The libjpeg standard luminance table (ITU-T T.81 Annex K), in zig-zag order as stored.
const STD_LUMA_ZIGZAG: [u16; 64] = [
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37,
    29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81,
    87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/// Inverts libjpeg's quality scaling on table 0: exact for libjpeg-family encoders, an estimate
/// for others.
fn jpeg_quality_from_dqt(seg: &[u8]) -> Option<u8> {
    let pq_tq = *seg.first()?;
    if pq_tq & 0x0F != 0 {
        return None;
    }
    let sixteen = pq_tq >> 4 == 1;
    let mut sum_ratio = 0.0;
    for (k, std) in STD_LUMA_ZIGZAG.iter().enumerate() {
        let q = if sixteen {
            f64::from(be16(seg, 1 + 2 * k)?)
        } else {
            f64::from(*seg.get(1 + k)?)
        };
        sum_ratio += q * 100.0 / f64::from(*std);
    }
    let scale = sum_ratio / 64.0;
    let quality = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    Some(quality.round().clamp(1.0, 100.0) as u8)
}

fn probe_png(b: &[u8]) -> Container {
    let mut c = Container::default();
    let mut i = 8;
    while i + 12 <= b.len() {
        let Some(len) = be32(b, i).map(|l| l as usize) else {
            break;
        };
        let kind = &b[i + 4..i + 8];
        let data = match b.get(i + 8..i + 8 + len) {
            Some(d) => d,
            None => break,
        };
        match kind {
            b"IHDR" if data.len() >= 10 => {
                let (depth, colour) = (data[8], data[9]);
                c.colour_mode = Some(match (colour, depth) {
                    (_, 16) => ColourMode::Deep16,
                    (0, _) => ColourMode::Gray8,
                    (2, _) => ColourMode::Rgb24,
                    (3, _) => ColourMode::Rgb24, // palette; tRNS may add alpha, caught on decode
                    (4, _) => ColourMode::GrayAlpha16,
                    (6, _) => ColourMode::Rgba32,
                    _ => ColourMode::Other,
                });
            }
            b"tRNS" if c.colour_mode == Some(ColourMode::Rgb24) => {
                c.colour_mode = Some(ColourMode::Rgba32)
            }
            b"pHYs" if data.len() >= 9 && data[8] == 1 => {
                let (x, y) = (be32(data, 0).unwrap_or(0), be32(data, 4).unwrap_or(0));
                if x > 0 && y > 0 {
                    c.dpi = Some(Dpi {
                        x: f64::from(x) * 0.0254,
                        y: f64::from(y) * 0.0254,
                        source: DpiSource::Png,
                    });
                }
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        i += 12 + len;
    }
    c
}

fn probe_bmp(b: &[u8]) -> Container {
    let le32 = |at: usize| {
        b.get(at..at + 4)
            .map(|s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let mut c = Container::default();
    if let (Some(x), Some(y)) = (le32(38), le32(42)) {
        if x > 0 && y > 0 {
            c.dpi = Some(Dpi {
                x: f64::from(x) * 0.0254,
                y: f64::from(y) * 0.0254,
                source: DpiSource::Bmp,
            });
        }
    }
    c
}

#[derive(Debug, Default)]
struct ExifFacts {
    present: bool,
    gps: bool,
    dpi: Option<Dpi>,
}

fn read_exif(bytes: &[u8]) -> ExifFacts {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return ExifFacts::default();
    };
    let rational = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Rational(v)) if !v.is_empty() && v[0].denom != 0 => Some(v[0].to_f64()),
        _ => None,
    };
    let unit = exif
        .get_field(exif::Tag::ResolutionUnit, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .unwrap_or(2);
    let scale = match unit {
        2 => Some(1.0),
        3 => Some(2.54),
        _ => None,
    };
    let dpi = match (
        rational(exif::Tag::XResolution),
        rational(exif::Tag::YResolution),
        scale,
    ) {
        (Some(x), Some(y), Some(s)) if x > 0.0 && y > 0.0 => Some(Dpi {
            x: x * s,
            y: y * s,
            source: DpiSource::Exif,
        }),
        _ => None,
    };
    let gps = exif
        .fields()
        .any(|f| f.ifd_num == exif::In::PRIMARY && f.tag.context() == exif::Context::Gps);
    ExifFacts {
        present: true,
        gps,
        dpi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};

    fn jpeg(w: u32, h: u32, quality: u8, dpi: Option<u16>) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
        if let Some(d) = dpi {
            enc.set_pixel_density(PixelDensity::dpi(d));
        }
        enc.encode_image(&img).unwrap();
        out
    }

    #[test]
    fn jpeg_density_and_quality_are_read() {
        let bytes = jpeg(64, 48, 70, Some(350));
        let photo = decode_bytes(Path::new("a.jpg"), &bytes, &Limits::default()).unwrap();
        let dpi = photo.info.dpi.unwrap();
        assert_eq!((dpi.x, dpi.y, dpi.source), (350.0, 350.0, DpiSource::Jfif));
        assert_eq!(photo.info.jpeg_quality, Some(70));
        assert_eq!(photo.info.colour_mode, ColourMode::Rgb24);
        assert!(photo.info.extension_matches);
    }

    #[test]
    fn format_comes_from_content_not_extension() {
        let mut png = Vec::new();
        RgbImage::new(10, 10)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let photo = decode_bytes(Path::new("really-png.jpg"), &png, &Limits::default()).unwrap();
        assert_eq!(photo.info.format, Format::Png);
        assert!(!photo.info.extension_matches);
    }

    #[test]
    fn header_over_the_pixel_limit_is_refused_before_decoding() {
        let bytes = jpeg(64, 48, 70, None);
        let limits = Limits {
            max_pixels: 1000,
            ..Limits::default()
        };
        match decode_bytes(Path::new("a.jpg"), &bytes, &limits) {
            Err(Error::TooLarge {
                width: 64,
                height: 48,
                ..
            }) => {}
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn truncated_jpeg_is_a_decode_error_not_a_panic() {
        let bytes = jpeg(64, 48, 70, None);
        let cut = &bytes[..bytes.len() / 3];
        assert!(matches!(
            decode_bytes(Path::new("a.jpg"), cut, &Limits::default()),
            Err(Error::Decode { .. } | Error::DecoderPanic { .. })
        ));
    }

    #[test]
    fn an_empty_file_is_called_empty() {
        assert!(matches!(
            decode_bytes(Path::new("a.jpg"), b"", &Limits::default()),
            Err(Error::EmptyFile { .. })
        ));
    }

    #[test]
    fn text_is_not_an_image() {
        assert!(matches!(
            decode_bytes(Path::new("a.jpg"), b"hello, world", &Limits::default()),
            Err(Error::NotAnImage { .. })
        ));
    }

    #[test]
    fn iphone_and_newer_formats_are_named_not_just_refused() {
        // ftyp boxes as an iPhone (HEIC), a camera app writing AVIF and a JPEG XL container
        // begin; the rest of the file does not matter to the verdict.
        let ftyp = |major: &[u8; 4], compatible: &[&[u8; 4]]| {
            let size = 16 + 4 * compatible.len() as u32;
            let mut b = size.to_be_bytes().to_vec();
            b.extend_from_slice(b"ftyp");
            b.extend_from_slice(major);
            b.extend_from_slice(&[0, 0, 0, 0]);
            for c in compatible {
                b.extend_from_slice(*c);
            }
            b.extend_from_slice(&[0; 64]);
            b
        };
        let cases: [(Vec<u8>, &str); 5] = [
            (ftyp(b"heic", &[b"mif1", b"heic"]), "HEIC"),
            (ftyp(b"mif1", &[b"heic"]), "HEIC"),
            (ftyp(b"avif", &[b"mif1", b"avif"]), "AVIF"),
            (ftyp(b"mif1", &[b"avif"]), "AVIF"),
            (b"\0\0\0\x0cJXL \r\n\x87\n rest".to_vec(), "JPEG XL"),
        ];
        for (bytes, want) in cases {
            match decode_bytes(Path::new("IMG_0001.jpg"), &bytes, &Limits::default()) {
                Err(e @ Error::UnsupportedFormat { format, .. }) => {
                    assert_eq!(format, want);
                    assert!(e.to_string().contains("JPEG"), "says what to do: {e}");
                }
                other => panic!("{want}: expected UnsupportedFormat, got {other:?}"),
            }
        }
        // A video's ftyp box is no photo idphoto knows either: the plain refusal.
        assert!(matches!(
            decode_bytes(
                Path::new("clip.jpg"),
                &ftyp(b"isom", &[b"mp41"]),
                &Limits::default()
            ),
            Err(Error::NotAnImage { .. })
        ));
    }

    #[test]
    fn a_jpeg_cut_off_in_its_headers_says_it_is_truncated() {
        // Cut inside the header segments (a large EXIF block is the usual place): the decoder's
        // own complaint would be about byte counts, not about the file.
        let bytes = jpeg(64, 48, 70, None);
        for cut in [20, bytes.len() / 8] {
            match decode_bytes(Path::new("a.jpg"), &bytes[..cut], &Limits::default()) {
                Err(Error::Decode { message, .. }) => {
                    assert!(message.contains("truncated"), "cut at {cut}: {message}")
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn grey_and_16_bit_files_are_named_as_stored_and_decoded_to_8_bit_rgb() {
        // A scanner's grey JPEG: stored with one component, decoded with r = g = b.
        let grey = image::GrayImage::from_fn(16, 8, |x, _| image::Luma([(x * 16) as u8]));
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&grey)
            .unwrap();
        let photo = decode_bytes(Path::new("scan.jpg"), &bytes, &Limits::default()).unwrap();
        assert_eq!(photo.info.colour_mode, ColourMode::Gray8);
        assert!(photo.image.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        // A camera app's 16-bit PNG: each level scaled by 255 / 65535 and rounded.
        let deep = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(4, 4, |x, _| {
            image::Rgb([(x as u16) << 14, 0x8000, 0xFFFF])
        });
        let mut png = Vec::new();
        deep.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let photo = decode_bytes(Path::new("deep.png"), &png, &Limits::default()).unwrap();
        assert_eq!(photo.info.colour_mode, ColourMode::Deep16);
        assert_eq!(photo.image.get_pixel(3, 0).0, [191, 128, 255]);
    }

    #[test]
    fn a_cmyk_jpeg_is_named_from_its_frame_header() {
        // The frame header (SOF0) of a 4-component JPEG, as print software writes it; the
        // probe reads it before any decoder does.
        let mut b = vec![0xFF, 0xD8];
        b.extend([0xFF, 0xC0, 0, 17, 8, 0, 16, 0, 16, 4]);
        b.extend([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        assert_eq!(probe_jpeg(&b).colour_mode, Some(ColourMode::Cmyk));
    }

    #[test]
    fn alpha_is_flattened_on_white() {
        let img = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let photo = decode_bytes(Path::new("a.png"), &png, &Limits::default()).unwrap();
        assert_eq!(photo.info.colour_mode, ColourMode::Rgba32);
        assert_eq!(photo.image.get_pixel(0, 0).0, [255, 255, 255]);
    }
}
