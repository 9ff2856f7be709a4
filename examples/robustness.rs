//! How the face stage holds up when the annotated photos are taken worse.
//!
//! ```sh
//! cargo run --release --features examples --example robustness -- [path/to/annotations.csv]
//! ```
//! Default: `photos/annotations.csv` in `$IDPHOTO_TESTDATA`, else in `../shared/data`.
//!
//! The shared photos are mostly well lit, sharp and in colour; people's are not always. Each
//! variant degrades every annotated photo the same way — grey, under- and over-exposed, under
//! warm tungsten-like light, saved as a JPEG of quality 10, shrunk until the eyes are 28 px
//! apart, sensor-like noise, out of focus, cropped tight around the face, pupils glowing red
//! from a flash, stored on its side or upside down without an EXIF orientation — moves the
//! annotation with it where the geometry changes (a turned photo's face is turned back
//! instead), and runs the face stage. One line per variant: face count right, one face found
//! on the portraits, crown visible/cut off agreeing with the annotation, and the error figures
//! of `examples/accuracy.rs` (eyes / inter-eye distance; chin, width, crown / face height).
//! Nothing here is random from run to run: the noise comes from a fixed seed.
//!
//! With `--checks` (after the optional path) each variant line is followed by how the verdicts
//! of the image checks (all but `file.*`, against Dongguan's ID card) changed from the photos
//! as given: `background.clutter pass→fail ×6` says six photos' plain wall read as cluttered
//! once degraded. A grainy photo should fail `noise`, not also `background.clutter`; a grey
//! one `colour.present` and nothing else.

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;
#[path = "common/harness.rs"]
mod harness;

use annotations::Annotation;
use harness::{percentile, Accepts, Measures};
use idphoto::dev::checks::{Check, Status};
use idphoto::dev::imageops::{self, Quality};
use idphoto::dev::{decode, Analysis};
use image::RgbImage;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A degraded photo and its annotation moved to match.
type Degraded = (RgbImage, Annotation);

struct Variant {
    name: &'static str,
    apply: fn(&RgbImage, &Annotation) -> Degraded,
    /// Clockwise turn of the photo as stored (no EXIF orientation); the face measured on it is
    /// turned back before it is scored, so the annotation stays as it is.
    turn: u16,
}

const VARIANTS: [Variant; 13] = [
    Variant {
        name: "as given",
        apply: |img, a| (img.clone(), a.clone()),
        turn: 0,
    },
    Variant {
        name: "grey",
        apply: |img, a| (per_pixel(img, grey), a.clone()),
        turn: 0,
    },
    Variant {
        name: "dark ×0.3",
        apply: |img, a| (per_pixel(img, |p| p.map(|v| v * 0.3)), a.clone()),
        turn: 0,
    },
    Variant {
        name: "bright ×1.7",
        apply: |img, a| (per_pixel(img, |p| p.map(|v| v * 1.7)), a.clone()),
        turn: 0,
    },
    Variant {
        name: "warm light",
        apply: |img, a| {
            (
                per_pixel(img, |[r, g, b]| [r, 0.85 * g, 0.6 * b]),
                a.clone(),
            )
        },
        turn: 0,
    },
    Variant {
        name: "jpeg q10",
        apply: |img, a| (jpeg(img, 10), a.clone()),
        turn: 0,
    },
    Variant {
        name: "eyes 28 px",
        apply: small,
        turn: 0,
    },
    Variant {
        name: "noise σ20",
        apply: |img, a| (noisy(img, 20.0), a.clone()),
        turn: 0,
    },
    Variant {
        name: "blur",
        apply: blurred,
        turn: 0,
    },
    Variant {
        name: "tight crop",
        apply: tight,
        turn: 0,
    },
    Variant {
        name: "red pupils",
        apply: |img, a| (red_pupils(img, a), a.clone()),
        turn: 0,
    },
    Variant {
        name: "on its side",
        apply: |img, a| (img.clone(), a.clone()),
        turn: 90,
    },
    Variant {
        name: "upside down",
        apply: |img, a| (img.clone(), a.clone()),
        turn: 180,
    },
];

fn per_pixel(img: &RgbImage, f: fn([f32; 3]) -> [f32; 3]) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let v = f(p.0.map(f32::from));
        p.0 = v.map(|c| c.round().clamp(0.0, 255.0) as u8);
    }
    out
}

fn grey([r, g, b]: [f32; 3]) -> [f32; 3] {
    [0.299 * r + 0.587 * g + 0.114 * b; 3]
}

fn jpeg(img: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(img)
        .expect("encoding to memory");
    image::load_from_memory(&bytes)
        .expect("decoding what was just encoded")
        .to_rgb8()
}

/// Shrunk until the eyes are 28 px apart (a face about 60 px wide: a phone photo from across
/// a room); photos without one face to a quarter.
fn small(img: &RgbImage, a: &Annotation) -> Degraded {
    let s = a.inter_eye().map_or(0.25, |d| 28.0 / d);
    let (w, h) = img.dimensions();
    let (sw, sh) = (
        ((w as f32 * s).round() as u32).max(1),
        ((h as f32 * s).round() as u32).max(1),
    );
    let out = imageops::resize(img, sw, sh, Quality::Best);
    (out, a.moved([0.0, 0.0], sw as f32 / w as f32))
}

/// Red eye as a flash makes it: a disc of 0.055 eye distances at each annotated pupil, glowing
/// red (brightest in the middle) with a white catchlight. The eyes' positions must not move:
/// `eyes.red` and the red-eye correction sample where the face stage puts them.
fn red_pupils(img: &RgbImage, a: &Annotation) -> RgbImage {
    let mut out = img.clone();
    if let (Some(d), Some(right), Some(left)) = (a.inter_eye(), a.right_eye, a.left_eye) {
        imageops::paint_red_pupils(&mut out, [right, left], 0.055 * d);
    }
    out
}

/// Luma noise of standard deviation `sigma` (levels), the same on all three channels, from a
/// fixed-seed xorshift generator through Box–Muller.
fn noisy(img: &RgbImage, sigma: f32) -> RgbImage {
    let mut normal = harness::normal_source();
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let n = normal() as f32 * sigma;
        p.0 =
            p.0.map(|c| (f32::from(c) + n).round().clamp(0.0, 255.0) as u8);
    }
    out
}

/// Out of focus: a Gaussian blur of 4 % of the inter-eye distance (4 px without a face).
fn blurred(img: &RgbImage, a: &Annotation) -> Degraded {
    let sigma = 0.04 * a.inter_eye().unwrap_or(100.0);
    (imageproc::filter::gaussian_blur_f32(img, sigma), a.clone())
}

/// The face filling the frame: the face width 85 % of the crop's, the crop 1.2 times as tall
/// as wide, centred a little above the middle of the eyes and chin; the hair is cut off on
/// most photos. Photos without one face are left as they are.
fn tight(img: &RgbImage, a: &Annotation) -> Degraded {
    let (Some(x0), Some(x1), Some(r), Some(l), Some(chin)) =
        (a.face_x_min, a.face_x_max, a.right_eye, a.left_eye, a.chin)
    else {
        return (img.clone(), a.clone());
    };
    let fw = x1 - x0;
    let cx = (x0 + x1) / 2.0;
    let cy = ((r[1] + l[1]) / 2.0 + chin[1]) / 2.0 - 0.1 * fw;
    let (w, h) = (fw / 0.85, fw / 0.85 * 1.2);
    let (left, top) = ((cx - w / 2.0).max(0.0), (cy - h / 2.0).max(0.0));
    let right = (left + w).min(img.width() as f32);
    let bottom = (top + h).min(img.height() as f32);
    let crop = image::imageops::crop_imm(
        img,
        left as u32,
        top as u32,
        (right - left) as u32,
        (bottom - top) as u32,
    )
    .to_image();
    (crop, a.moved([left.floor(), top.floor()], 1.0))
}

#[derive(Default)]
struct Tally {
    photos: usize,
    count_right: usize,
    portraits: usize,
    one_found: usize,
    crown_agrees: usize,
    eyes: Vec<f32>,
    chin: Vec<f32>,
    width: Vec<f32>,
    crown: Vec<f32>,
}

/// The image checks' verdicts on one photo (file checks left out: every variant keeps the
/// original's file facts).
fn verdicts(checks: Vec<Check>) -> BTreeMap<&'static str, Status> {
    checks
        .into_iter()
        .filter(|c| !c.id.as_str().starts_with("file."))
        .map(|c| (c.id.as_str(), c.status))
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_checks = args.iter().any(|a| a == "--checks");
    let csv = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| harness::shared_data_dir().join("photos/annotations.csv"));
    let spec = idphoto::spec::Library::builtin()?.resolve("dongguan", None)?;
    let dir = csv.parent().unwrap_or(Path::new("."));
    let rows = annotations::load(&csv)?;
    // A photo that cannot be read is left out of every variant (and said so).
    let photos: Vec<(decode::Photo, &Annotation)> = rows
        .iter()
        .filter_map(
            |a| match decode::open(&dir.join(&a.file), &decode::Limits::default()) {
                Ok(p) => Some((p, a)),
                Err(e) => {
                    eprintln!("left out: {e}");
                    None
                }
            },
        )
        .collect();

    println!(
        "{:<12} {:>6} {:>6} {:>6} {:>9} {:>8} {:>8} {:>9} {:>9}   worst eyes",
        "variant",
        "count",
        "found",
        "crown",
        "eyes mean",
        "eyes p95",
        "chin p90",
        "width p90",
        "crown p90"
    );
    // Each photo's verdicts as given, then how many photos each variant moved, per check.
    let mut as_given: Vec<BTreeMap<&'static str, Status>> = Vec::new();
    for v in &VARIANTS {
        let mut t = Tally::default();
        let mut worst: Vec<(f32, String)> = Vec::new();
        let mut moved: BTreeMap<(&'static str, Status, Status), usize> = BTreeMap::new();
        for (i, (original, a)) in photos.iter().enumerate() {
            let (img, a) = (v.apply)(&original.image, a);
            let img = match v.turn {
                0 => img,
                t => imageops::turned_clockwise(&img, t),
            };
            let photo = decode::Photo {
                image: img,
                info: original.info.clone(),
            };
            let analysis = Analysis::of(&photo, None)?;
            if with_checks {
                let plan = analysis.plan(&photo, &spec);
                let now = verdicts(analysis.judge(&photo, &spec, plan.as_ref()));
                match as_given.get(i) {
                    None => as_given.push(now),
                    Some(before) => {
                        for (id, status) in now {
                            let was = before.get(&id).copied().unwrap_or(status);
                            if was != status {
                                *moved.entry((id, was, status)).or_default() += 1;
                            }
                        }
                    }
                }
            }
            let fa = analysis.faces;
            let fa = match v.turn {
                0 => fa,
                t => fa.turned_back(t, original.image.dimensions()),
            };
            t.photos += 1;
            t.count_right += usize::from(a.faces.accepts(fa.faces_found));
            if !a.is_portrait() {
                continue;
            }
            t.portraits += 1;
            let Some(f) = fa.face.as_ref().filter(|_| fa.faces_found == 1) else {
                continue;
            };
            t.one_found += 1;
            let mut e = harness::errors(&a, f);
            if v.turn % 180 != 0 {
                // The face width is a span along the photo's x; on a photo on its side the
                // cheeks lie one above the other and no width is reported.
                e.width = None;
            }
            t.crown_agrees += usize::from(e.crown_visibility_agrees);
            if let Some(x) = e.eyes {
                worst.push((x, a.file.clone()));
            }
            t.eyes.extend(e.eyes);
            t.chin.extend(e.chin);
            t.width.extend(e.width);
            t.crown.extend(e.crown);
        }
        for v in [&mut t.eyes, &mut t.chin, &mut t.width, &mut t.crown] {
            v.sort_by(f32::total_cmp);
        }
        worst.sort_by(|a, b| b.0.total_cmp(&a.0));
        let worst: Vec<String> = worst
            .iter()
            .take(2)
            .map(|(e, f)| format!("{f} {e:.3}"))
            .collect();
        let mean = t.eyes.iter().sum::<f32>() / t.eyes.len().max(1) as f32;
        // No value (no crown left after a tight crop) prints as "-".
        let fig = |v: f32| {
            if v.is_nan() {
                "-".to_string()
            } else {
                format!("{v:.3}")
            }
        };
        println!(
            "{:<12} {:>6} {:>6} {:>6} {:>9} {:>8} {:>8} {:>9} {:>9}   {}",
            v.name,
            format!("{}/{}", t.count_right, t.photos),
            format!("{}/{}", t.one_found, t.portraits),
            format!("{}/{}", t.crown_agrees, t.one_found),
            fig(mean),
            fig(percentile(&t.eyes, 0.95)),
            fig(percentile(&t.chin, 0.9)),
            fig(percentile(&t.width, 0.9)),
            fig(percentile(&t.crown, 0.9)),
            worst.join(", "),
        );
        if !moved.is_empty() {
            let mut by_count: Vec<_> = moved.into_iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let said: Vec<String> = by_count
                .iter()
                .map(|((id, was, now), n)| format!("{id} {}→{} ×{n}", was.word(), now.word()))
                .collect();
            println!("{:<12} checks moved: {}", "", said.join(", "));
        }
    }
    Ok(())
}
