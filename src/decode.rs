//! Reading photos: format by content, container facts (dpi, colour mode, EXIF), bounded decoding,
//! EXIF orientation.
//!
//! Formats are recognised by their bytes, never by extension, because phone apps and chat tools
//! routinely save WebP or PNG under `.jpg`. Before any pixel is decoded the header's dimensions
//! are checked against [`Limits`], so a 60 000 × 60 000 "decompression bomb" costs nothing.
//! The decoders run under `catch_unwind`: a decoder bug on a hostile file is an error for that
//! file, not a crash of a batch.
//!
//! Memory is bounded three ways: by pixels, by the bytes the decoded image takes (pixels × bytes
//! per pixel: a 16-bit RGBA file takes twice an 8-bit one), and across threads, by a pool the
//! photos being decoded at once share ([`DECODE_POOL_BYTES`]), so `-j 16` does not mean sixteen
//! of the largest photos in memory at once. Only regular files are read, and no more bytes than
//! the file limit: a FIFO or a device named as a photo is an error, not a hang or an endless read.

mod scan;

use crate::error::{Error, Result};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use serde::Serialize;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::{Condvar, Mutex};

/// How much idphoto is willing to read and decode.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read, bytes.
    pub max_file_bytes: u64,
    /// Largest image decoded, in pixels (after which a photo is a bomb, not a portrait).
    pub max_pixels: u64,
    /// Most bytes the decoded image may take: pixels × bytes per pixel as stored (3 for 8-bit
    /// RGB, 8 for 16-bit RGBA), plus a second canvas for formats that compose frames on one
    /// (GIF).
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    /// 200 MB files, 100 megapixels (twice the largest phone sensors, 50 MP) and 512 MiB
    /// decoded: a 100 MP photo in 8-bit RGB (300 MB) or RGBA (400 MB) fits, the same photo in
    /// 16 bits per channel does not. With the 8-bit copy made from it, one photo peaks near
    /// 0.8 GB.
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_pixels: 100_000_000,
            max_decoded_bytes: 512 << 20,
        }
    }
}

/// Decoded bytes all threads together may hold at once while decoding: two photos at the
/// decoded limit. A photo waits for room rather than fail, so a batch of huge photos runs with
/// fewer of them at a time; ordinary photos (a 12 MP JPEG takes 36 MB) never wait.
pub const DECODE_POOL_BYTES: u64 = 1 << 30;

/// Bytes reserved from [`DECODE_POOL_BYTES`] by decodes in flight.
static POOL_USED: Mutex<u64> = Mutex::new(0);
static POOL_FREED: Condvar = Condvar::new();

/// A share of the decode pool, returned when dropped.
struct Reservation(u64);

impl Reservation {
    /// Waits until `bytes` (at most the whole pool) fit, then takes them.
    fn take(bytes: u64) -> Reservation {
        let bytes = bytes.min(DECODE_POOL_BYTES);
        let mut used = POOL_USED.lock().unwrap_or_else(|e| e.into_inner());
        while *used + bytes > DECODE_POOL_BYTES {
            used = POOL_FREED.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        Reservation(bytes)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = POOL_USED.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.0;
        POOL_FREED.notify_all();
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
    let bytes = read_regular_file(path, limits.max_file_bytes)?;
    decode_bytes(path, &bytes, limits)
}

/// Reads a whole regular file of at most `max_bytes`.
///
/// Anything else is refused before a byte is read: a folder, and a FIFO or device, which would
/// wait forever for a writer or never end (`/dev/zero`). The type is looked up first, and the
/// file is then opened without blocking (`O_NONBLOCK`) and looked at again, so a FIFO swapped in
/// between cannot hang the open either. No more than `max_bytes` + 1 bytes are read, whatever
/// the size said.
pub(crate) fn read_regular_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let not_regular = |meta: &std::fs::Metadata| -> Option<Error> {
        let reason = if meta.is_dir() {
            "is a folder, not a file"
        } else if !meta.is_file() {
            "is not a regular file (a FIFO, socket or device); idphoto reads only files"
        } else {
            return None;
        };
        Some(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            reason,
        )))
    };
    let too_large = |bytes: u64| Error::FileTooLarge {
        path: path.to_path_buf(),
        bytes,
        limit: max_bytes,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(e) = not_regular(&meta) {
        return Err(e);
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(e) = not_regular(&meta) {
        return Err(e);
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max_bytes) as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
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

    /// The pixels, colour mode, EXIF orientation tag and the scan walk's verdict.
    type Decoded = (RgbImage, ColourMode, u8, scan::Verdict);
    let result = std::panic::catch_unwind(|| -> Result<Decoded> {
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
        let decoded = decoded_bytes(format, w, h, decoder.total_bytes());
        if decoded > limits.max_decoded_bytes {
            return Err(Error::TooManyBytes {
                path: path.to_path_buf(),
                width: w,
                height: h,
                bytes: decoded,
                limit: limits.max_decoded_bytes,
            });
        }
        // The 8-bit copy made from the decoded image is held too until the decoded one is freed.
        let _room = Reservation::take(decoded + u64::from(w) * u64::from(h) * 3);
        let mut image_limits = image::Limits::default();
        image_limits.max_image_width = Some(w);
        image_limits.max_image_height = Some(h);
        // The largest buffer is the decoded image itself plus decoder scratch.
        image_limits.max_alloc = Some(decoded + (64 << 20));
        decoder
            .set_limits(image_limits)
            .map_err(|e| decode_err(e.to_string()))?;
        let orientation = decoder
            .orientation()
            .map_err(|e| decode_err(e.to_string()))?;
        let mode = container
            .colour_mode
            .unwrap_or_else(|| colour_mode_of(decoder.original_color_type()));
        // The walk over a JPEG's entropy-coded data (`scan`) reads the same bytes as the decoder
        // and nothing it makes, so a large file's walk runs on a thread of its own beside the
        // decoder, unless the caller keeps to one thread (`-j 1`: the pool it runs in has one).
        // Not a rayon task: a worker waiting for it could pick up another photo of the batch
        // while holding this one.
        let (image, scan) = std::thread::scope(|s| {
            let walk = || match format {
                Format::Jpeg => scan::walk(bytes),
                _ => scan::Verdict::Unknown,
            };
            let beside = (format == Format::Jpeg
                && u64::from(w) * u64::from(h) > WALK_BESIDE_PIXELS
                && rayon::current_num_threads() > 1)
                .then(|| std::thread::Builder::new().spawn_scoped(s, walk).ok())
                .flatten();
            let image = DynamicImage::from_decoder(decoder);
            // A walk that panicked judges nothing, like one that gave up.
            let scan = match beside {
                Some(handle) => handle.join().unwrap_or(scan::Verdict::Unknown),
                None => walk(),
            };
            (image, scan)
        });
        let image = image.map_err(|e| decode_err(e.to_string()))?;
        // Down to 8-bit RGB first, then turned: turning copies the image, cheaper at 3 bytes per
        // pixel than at up to 8.
        let image = if image.color().has_alpha() {
            flatten_on_white(image)
        } else {
            image.into_rgb8()
        };
        // A quarter turn (a phone photo stored on its side) shrinks the decoded pixels as it
        // makes the turned ones, so the two are not held whole at once; a mirror is in place.
        use image::metadata::Orientation as O;
        let turn = |image, degrees, mirrored| {
            let mut image = crate::imageops::turned_quarter(image, degrees);
            if mirrored {
                image::imageops::flip_horizontal_in_place(&mut image);
            }
            image
        };
        let image = match orientation {
            O::Rotate90 => turn(image, 90, false),
            O::Rotate90FlipH => turn(image, 90, true),
            O::Rotate270 => turn(image, 270, false),
            O::Rotate270FlipH => turn(image, 270, true),
            _ => {
                let mut image = DynamicImage::ImageRgb8(image);
                image.apply_orientation(orientation);
                image.into_rgb8()
            }
        };
        Ok((image, mode, orientation_tag(orientation), scan))
    });
    let (image, colour_mode, orientation, scan) = match result {
        Ok(r) => r?,
        Err(_) => {
            return Err(Error::DecoderPanic {
                path: path.to_path_buf(),
                format: format.name().to_string(),
            })
        }
    };
    if let scan::Verdict::Incomplete { coded, expected } = scan {
        let missing = 100.0 * (1.0 - coded as f64 / expected.max(1) as f64);
        return Err(decode_err(format!(
            "the image data stops early ({missing:.0} % of a scan is missing: the file was cut \
             short, then closed), so part of the photo would be made up: use the original file"
        )));
    }
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

/// Above this many pixels the JPEG scan walk runs on its own thread beside decoding (on a 12 MP
/// photo it takes about a third of the decoder's time); below, it takes a few milliseconds.
const WALK_BESIDE_PIXELS: u64 = 2_000_000;

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

/// The bytes a decoded image takes: what the decoder reports (pixels × bytes per pixel as
/// stored), plus for GIF the canvas its decoder composes frames on.
fn decoded_bytes(format: Format, w: u32, h: u32, total: u64) -> u64 {
    let canvas = match format {
        Format::Gif => u64::from(w) * u64::from(h) * 4,
        _ => 0,
    };
    total.saturating_add(canvas)
}

/// Composites an image with alpha over white, the background every document starts from.
/// Takes the image so that an 8-bit RGBA one is not copied first.
fn flatten_on_white(image: DynamicImage) -> RgbImage {
    let rgba = match image {
        DynamicImage::ImageRgba8(rgba) => rgba,
        DynamicImage::ImageRgba16(deep) => {
            // Straight from 16 bits: an 8-bit RGBA copy would cost another 4 bytes per pixel.
            let mut out = RgbImage::new(deep.width(), deep.height());
            for (o, p) in out.pixels_mut().zip(deep.pixels()) {
                let a = u64::from(p[3]);
                for c in 0..3 {
                    let v = (u64::from(p[c]) * a + 65535 * (65535 - a)) / 65535;
                    o[c] = ((v * 255 + 32767) / 65535) as u8;
                }
            }
            return out;
        }
        other => other.to_rgba8(),
    };
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

    /// A JPEG cut at `keep` of its entropy-coded data (after the first scan header) and closed
    /// with an end-of-image marker.
    fn cut_with_eoi(jpeg: &[u8], keep: f64) -> Vec<u8> {
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let data = jpeg.len() - 2 - sos;
        let mut cut = jpeg[..sos + (data as f64 * keep) as usize].to_vec();
        cut.extend_from_slice(&[0xFF, 0xD9]);
        cut
    }

    /// Progressive files made with Pillow (libjpeg): ten scans, one with restart markers too.
    const PROGRESSIVE: [&[u8]; 2] = [
        include_bytes!("../tests/fixtures/progressive-40x32.jpg"),
        include_bytes!("../tests/fixtures/progressive-restarts-40x32.jpg"),
    ];

    /// Issue 23, defect 8: a JPEG cut mid-image and closed with EOI decoded without complaint,
    /// its missing rows a flat band.
    #[test]
    fn issue23_a_jpeg_cut_mid_image_and_closed_is_refused() {
        let grey = image::GrayImage::from_fn(64, 48, |x, y| image::Luma([(x * 3 + y * 2) as u8]));
        let mut grey_jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut grey_jpeg, 90)
            .encode_image(&grey)
            .unwrap();
        // The last is over `WALK_BESIDE_PIXELS`: its walk runs on a thread of its own.
        let large = jpeg(1800, 1200, 90, None);
        let files = [jpeg(320, 240, 90, None), jpeg(64, 48, 30, None), grey_jpeg]
            .into_iter()
            .chain(PROGRESSIVE.iter().map(|b| b.to_vec()))
            .chain([large.clone()]);
        for (n, whole) in files.enumerate() {
            assert_eq!(scan::walk(&whole), scan::Verdict::Complete, "file {n}");
            decode_bytes(Path::new("a.jpg"), &whole, &Limits::default()).unwrap();
            for keep in [0.1, 0.5, 0.9] {
                let cut = cut_with_eoi(&whole, keep);
                assert!(
                    matches!(scan::walk(&cut), scan::Verdict::Incomplete { .. }),
                    "file {n} cut at {keep}"
                );
                // The decoder may notice damage of its own first; either way it is an error.
                match decode_bytes(Path::new("a.jpg"), &cut, &Limits::default()) {
                    Err(Error::Decode { .. }) => {}
                    other => panic!("file {n} cut at {keep}: {other:?}"),
                }
            }
        }
        match decode_bytes(
            Path::new("a.jpg"),
            &cut_with_eoi(&large, 0.5),
            &Limits::default(),
        ) {
            Err(e) => assert!(e.to_string().contains("stops early"), "{e}"),
            Ok(_) => panic!("a large JPEG cut short was decoded"),
        }
    }

    /// `jpeg` with an EXIF segment holding only the orientation tag `o`.
    fn with_orientation(jpeg: &[u8], o: u8) -> Vec<u8> {
        let mut app1 = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        // Tag 0x0112, SHORT, one value; then no next IFD.
        app1.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0]);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(((app1.len() + 2) as u16).to_be_bytes());
        out.extend(app1);
        out.extend(&jpeg[2..]);
        out
    }

    /// Every EXIF orientation turns the pixels as the image crate turns them (the quarter
    /// turns are made by parts, `imageops::turned_quarter`, the rest by the crate).
    #[test]
    fn every_exif_orientation_turns_the_pixels_as_the_image_crate_does() {
        use image::metadata::Orientation as O;
        let plain = jpeg(37, 20, 90, None);
        let stored = decode_bytes(Path::new("a.jpg"), &plain, &Limits::default())
            .unwrap()
            .image;
        for o in 1..=8u8 {
            let photo = decode_bytes(
                Path::new("a.jpg"),
                &with_orientation(&plain, o),
                &Limits::default(),
            )
            .unwrap();
            let mut want = DynamicImage::ImageRgb8(stored.clone());
            want.apply_orientation(O::from_exif(o).unwrap());
            assert_eq!(photo.info.orientation, o);
            assert!(photo.image == want.into_rgb8(), "orientation {o}");
        }
    }

    /// Issue 23, defect 7: a 16-bit RGBA image takes 8 bytes per pixel decoded, not the 3 or 4
    /// the pixel limit assumed.
    #[test]
    fn issue23_decoded_bytes_are_limited_by_bytes_per_pixel() {
        let limits = Limits {
            max_decoded_bytes: 50_000,
            ..Limits::default()
        };
        let png = |image: DynamicImage| {
            let mut out = Vec::new();
            image
                .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
                .unwrap();
            out
        };
        let deep = png(DynamicImage::ImageRgba16(image::ImageBuffer::new(100, 100)));
        match decode_bytes(Path::new("deep.png"), &deep, &limits) {
            Err(e @ Error::TooManyBytes { bytes: 80_000, .. }) => {
                assert!(e.to_string().contains("8-bit JPEG"), "{e}")
            }
            other => panic!("expected TooManyBytes, got {other:?}"),
        }
        let plain = png(DynamicImage::ImageRgb8(RgbImage::new(100, 100)));
        assert!(decode_bytes(Path::new("plain.png"), &plain, &limits).is_ok());
    }

    /// Issue 23, defect 5: a FIFO named as a photo waited forever for a writer; it is refused
    /// without being opened for a blocking read.
    #[cfg(unix)]
    #[test]
    fn issue23_a_fifo_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.jpg");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        match open(&fifo, &Limits::default()) {
            Err(e @ Error::Io { .. }) => assert!(e.to_string().contains("not a regular file")),
            other => panic!("expected an I/O error, got {other:?}"),
        }
        assert!(matches!(
            read_regular_file(Path::new("/dev/zero"), 10),
            Err(Error::Io { .. })
        ));
    }

    /// Over the limit is refused; at or under it the whole file is read.
    #[test]
    fn reading_refuses_a_file_over_the_byte_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jpg");
        std::fs::write(&path, vec![0u8; 2048]).unwrap();
        assert!(matches!(
            read_regular_file(&path, 1024),
            Err(Error::FileTooLarge { bytes: 2048, .. })
        ));
        assert_eq!(read_regular_file(&path, 4096).unwrap().len(), 2048);
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
