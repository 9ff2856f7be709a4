//! Whether idphoto's verdicts catch what the official review rejects, one defect at a time.
//!
//! ```sh
//! cargo run --release --features examples --example verdicts -- [photos dir] [--list] [--values]
//!     [--class=NAME] [--dump=DIR]
//! ```
//! Default: `photos/` in `$IDPHOTO_TESTDATA`, else in `../shared/data`.
//!
//! Each photo with one face is corrected for Dongguan's ID card (white backdrop) and for the
//! NCRE exam photo (light-blue backdrop), as a person would get it; the corrected photos that
//! pass every image check are the clean set. Each is then degraded one way at a time, at a
//! strong setting a reviewer rejects and a mild one a reviewer lets through, and judged again
//! from scratch (faces detected, not mapped). Per class of defect, the line says how many
//! strong copies failed the class's checks (caught), how many mild copies did (false alarms),
//! and how many clean photos did (false alarms). `--list` also names each photo a class's
//! checks fail on, clean or mild.
//!
//! The degradations are drawn, not random: the second face is another clean photo's face,
//! pasted at several sizes and places (half outside the frame too), the mild case the same
//! patch cut from the clothing; the shadow darkens the face's image-left half behind a soft
//! edge along the nose line; the grain is fixed-seed noise on the person outside the face
//! (hair, neck, clothing); the casts multiply the channels; tinted lenses darken an ellipse
//! around each eye; the smoothing is an edge-keeping
//! blur of the skin, and the posterisation rounds the face to a few levels per channel.

#[path = "../src/annotations.rs"]
#[allow(dead_code)]
mod annotations;
#[path = "common/harness.rs"]
mod harness;

use idphoto::dev::checks::{CheckId, Status};
use idphoto::dev::decode;
use idphoto::dev::face::Face;
use idphoto::dev::Analysis;
use idphoto::spec::Spec;
use image::RgbImage;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One clean corrected photo: its pixels and file facts, its face as measured, its person mask.
struct Clean {
    name: String,
    photo: decode::Photo,
    face: Face,
    alpha: image::GrayImage,
    spec: usize,
}

/// A degradation: what it does to a clean photo (`others` are the other clean photos, for a
/// second face), or `None` where it does not apply to that photo.
type Apply = fn(&Clean, &[Clean], f32) -> Vec<RgbImage>;

struct Class {
    name: &'static str,
    /// The checks whose failure counts as catching it.
    checks: &'static [CheckId],
    /// The specs (by index) whose clean photos it is tried on.
    specs: &'static [usize],
    /// Strong settings, then mild ones.
    strong: &'static [f32],
    mild: &'static [f32],
    apply: Apply,
}

/// The checks that might see over-processed skin: `posterisation`, and the image-quality ones.
const RETOUCH: &[CheckId] = &[
    CheckId::Posterisation,
    CheckId::Sharpness,
    CheckId::Noise,
    CheckId::Compression,
    CheckId::Contrast,
    CheckId::Glare,
];

/// The checks a corrected photo must pass to be clean: those the classes count, less `noise`,
/// whose false alarms on clean photos are among the figures.
const CLEAN_BY: &[CheckId] = &[
    CheckId::FaceCount,
    CheckId::ExposureBalance,
    CheckId::ExposureBrightness,
    CheckId::ColourCast,
];

const WHITE: usize = 0;
const BLUE: usize = 1;

const CLASSES: &[Class] = &[
    Class {
        name: "second face",
        checks: &[CheckId::FaceCount],
        specs: &[WHITE, BLUE],
        // Width of the pasted face over the photo's width; the mild case pastes clothing.
        strong: &[0.14, 0.2, 0.28],
        mild: &[-0.14, -0.2, -0.28],
        apply: |c, o, f| second_face(c, o, f, false),
    },
    Class {
        name: "face half out",
        checks: &[CheckId::FaceCount],
        specs: &[WHITE, BLUE],
        strong: &[0.14, 0.2, 0.28],
        mild: &[-0.14, -0.2, -0.28],
        apply: |c, o, f| second_face(c, o, f, true),
    },
    Class {
        name: "half shadow",
        checks: &[CheckId::ExposureBalance],
        specs: &[WHITE, BLUE],
        // Light left on the shadowed half (linear).
        strong: &[0.35],
        mild: &[0.85],
        apply: half_shadow,
    },
    Class {
        name: "dim face",
        checks: &[CheckId::ExposureBrightness],
        specs: &[WHITE, BLUE],
        strong: &[0.3],
        mild: &[0.8],
        apply: dim,
    },
    Class {
        name: "warm cast",
        checks: &[CheckId::ColourCast],
        specs: &[BLUE],
        // Blue channel gain (green half as much), linear light.
        strong: &[0.6],
        mild: &[0.93],
        apply: warm,
    },
    Class {
        name: "cool cast",
        checks: &[CheckId::ColourCast],
        specs: &[BLUE],
        // Red channel gain.
        strong: &[0.7],
        mild: &[0.95],
        apply: cool,
    },
    Class {
        name: "tinted glasses",
        checks: &[CheckId::GlassesTinted, CheckId::ExposureEyes],
        specs: &[WHITE, BLUE],
        // Light the lenses pass (linear; brown: green at 0.9 of it, blue at 0.8).
        strong: &[0.25],
        mild: &[0.8],
        apply: tinted_glasses,
    },
    Class {
        name: "local grain",
        checks: &[CheckId::Noise],
        specs: &[WHITE, BLUE],
        // Noise σ in levels.
        strong: &[12.0],
        mild: &[2.0],
        apply: grain,
    },
    Class {
        name: "skin smoothing",
        checks: RETOUCH,
        specs: &[WHITE, BLUE],
        // Blur radius in inter-eye distances.
        strong: &[0.06],
        mild: &[0.01],
        apply: smoothing,
    },
    Class {
        name: "posterised",
        checks: RETOUCH,
        specs: &[WHITE, BLUE],
        // Levels per channel.
        strong: &[16.0],
        mild: &[64.0],
        apply: posterised,
    },
];

/// Each check's status on `photo`, judged from scratch.
fn judge(photo: &decode::Photo, spec: &Spec) -> Result<Verdicts, idphoto::Error> {
    let analysis = Analysis::of(photo, None)?;
    let plan = analysis.plan(photo, spec);
    Ok(analysis
        .judge(photo, spec, plan.as_ref())
        .into_iter()
        .map(|c| {
            let text = c.measured.map_or(String::new(), |m| m.text.en);
            (c.id, (c.status, text))
        })
        .collect())
}

/// Each check's status and measured value (English).
type Verdicts = HashMap<CheckId, (Status, String)>;

fn fails(verdicts: &Verdicts, ids: &[CheckId]) -> bool {
    ids.iter()
        .any(|id| verdicts.get(id).is_some_and(|v| v.0 == Status::Fail))
}

/// The measured value of the first of `ids`, for `--values`.
fn value(verdicts: &Verdicts, ids: &[CheckId]) -> String {
    ids.first()
        .and_then(|id| verdicts.get(id))
        .map_or(String::new(), |v| v.1.clone())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let list = args.iter().any(|a| a == "--list");
    let values = args.iter().any(|a| a == "--values");
    // `--class=NAME` runs that class only (its name as the table prints it).
    let only = args.iter().find_map(|a| a.strip_prefix("--class="));
    // `--dump=DIR` writes every degraded photo there.
    let dump = args
        .iter()
        .find_map(|a| a.strip_prefix("--dump="))
        .map(PathBuf::from);
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("IDPHOTO_TESTDATA")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
                .join("photos")
        });
    let lib = idphoto::spec::Library::builtin()?;
    let specs = [
        lib.resolve("dongguan", None)?,
        lib.resolve("china", Some("exam-ncre"))?,
    ];
    let out = std::env::temp_dir().join(format!("idphoto-verdicts-{}", std::process::id()));
    std::fs::create_dir_all(&out)?;
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            // The people photos; exif6_* is another photo's pixels stored turned.
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with("neg_") && !name.starts_with("exif") && !name.ends_with(".csv")
        })
        .collect();
    inputs.sort();
    let clean = clean_set(&inputs, &specs, &out)?;
    // The photos as given, for the false alarms of checks on real, uncorrected photos.
    let mut originals = Vec::new();
    for input in &inputs {
        let photo = decode::open(input, &decode::Limits::default())?;
        let name = input
            .file_name()
            .map_or(String::new(), |s| s.to_string_lossy().into());
        originals.push((name, judge(&photo, &specs[WHITE])?));
    }
    std::fs::remove_dir_all(&out)?;
    println!(
        "clean corrected photos: {} white, {} light blue",
        clean.iter().filter(|c| c.spec == WHITE).count(),
        clean.iter().filter(|c| c.spec == BLUE).count()
    );
    println!(
        "{:<16} {:<40} {:>12} {:>12} {:>12} {:>12}",
        "class", "checks", "strong", "mild", "clean", "originals"
    );
    for class in CLASSES.iter().filter(|c| only.is_none_or(|o| o == c.name)) {
        let mut tally = [(0usize, 0usize); 3];
        let mut named: Vec<String> = Vec::new();
        for c in clean.iter().filter(|c| class.specs.contains(&c.spec)) {
            let spec = &specs[c.spec];
            let others: Vec<&Clean> = clean.iter().filter(|o| o.name != c.name).collect();
            let others: Vec<Clean> = others.into_iter().map(clone_clean).collect();
            // Clean: the corrected photo itself.
            let v = judge(&c.photo, spec)?;
            if values {
                println!("    {} clean: {}", c.name, value(&v, class.checks));
            }
            tally[2].1 += 1;
            if fails(&v, class.checks) {
                tally[2].0 += 1;
                named.push(format!("clean {}", c.name));
            }
            for (k, settings) in [class.strong, class.mild].iter().enumerate() {
                for &s in settings.iter() {
                    for (i, img) in (class.apply)(c, &others, s).into_iter().enumerate() {
                        if let Some(d) = &dump {
                            let file = format!("{}-{}-{s}-{i}.png", class.name, c.name)
                                .replace(['/', ' '], "_");
                            img.save(d.join(file))?;
                        }
                        let photo = decode::Photo {
                            image: img,
                            info: c.photo.info.clone(),
                        };
                        let v = judge(&photo, spec)?;
                        if values {
                            println!("    {} at {s} #{i}: {}", c.name, value(&v, class.checks));
                        }
                        tally[k].1 += 1;
                        let failed = fails(&v, class.checks);
                        if failed {
                            tally[k].0 += 1;
                        }
                        if (k == 0 && !failed) || (k == 1 && failed) {
                            let what = if k == 0 { "missed" } else { "mild fails" };
                            named.push(format!("{what} {} at {s} #{i}", c.name));
                        }
                    }
                }
            }
        }
        let rate = |(n, of): (usize, usize)| {
            format!("{n}/{of} {:>3.0}%", 100.0 * n as f64 / of.max(1) as f64)
        };
        let failing: Vec<&String> = originals
            .iter()
            .filter(|(_, v)| fails(v, class.checks))
            .map(|(n, _)| n)
            .collect();
        if values {
            for (n, v) in &originals {
                println!("    original {n}: {}", value(v, class.checks));
            }
        }
        if !failing.is_empty() {
            let names: Vec<&str> = failing.iter().map(|n| n.as_str()).collect();
            named.push(format!("originals failing: {}", names.join(", ")));
        }
        let ids: Vec<&str> = class.checks.iter().map(|c| c.as_str()).collect();
        println!(
            "{:<16} {:<40} {:>12} {:>12} {:>12} {:>12}",
            class.name,
            ids.join(", "),
            rate(tally[0]),
            rate(tally[1]),
            rate(tally[2]),
            rate((failing.len(), originals.len()))
        );
        if list && !named.is_empty() {
            println!("    {}", named.join("; "));
        }
    }
    Ok(())
}

fn clone_clean(c: &Clean) -> Clean {
    Clean {
        name: c.name.clone(),
        photo: decode::Photo {
            image: c.photo.image.clone(),
            info: c.photo.info.clone(),
        },
        face: c.face.clone(),
        alpha: c.alpha.clone(),
        spec: c.spec,
    }
}

/// The corrected photos of `inputs` for each spec that pass, judged from scratch, the checks
/// of [`CLEAN_BY`] (a smile that fails `mouth.closed` does not make a photo unfit to paste a
/// second face into).
fn clean_set(inputs: &[PathBuf], specs: &[Spec], out: &Path) -> Result<Vec<Clean>, idphoto::Error> {
    let mut clean = Vec::new();
    for (k, spec) in specs.iter().enumerate() {
        let options = idphoto::Options {
            fix: Some(idphoto::Fix {
                output: idphoto::OutputOptions {
                    out_dir: Some(out.to_path_buf()),
                    force: true,
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        for input in inputs {
            let report = idphoto::check_file(input, spec, &options);
            let Some(path) = report.output else {
                continue;
            };
            let photo = decode::open(&path, &decode::Limits::default())?;
            let v = judge(&photo, spec)?;
            let name = input.file_stem().map_or(String::new(), |s| {
                format!("{}/{}", s.to_string_lossy(), spec.doc)
            });
            let bad: Vec<&str> = v
                .iter()
                .filter(|(id, s)| s.0 == Status::Fail && CLEAN_BY.contains(id))
                .map(|(id, _)| id.as_str())
                .collect();
            if !bad.is_empty() {
                eprintln!("left out of the clean set: {name} fails {}", bad.join(", "));
                continue;
            }
            let analysis = Analysis::of(&photo, None)?;
            let (Some(face), Some(mask)) = (analysis.faces.face.clone(), analysis.mask) else {
                continue;
            };
            clean.push(Clean {
                name,
                alpha: mask.alpha_for(&photo.image),
                photo,
                face,
                spec: k,
            });
        }
    }
    Ok(clean)
}

fn clamp8(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

fn lin(v: u8) -> f32 {
    idphoto::dev::colour::to_linear(f32::from(v) / 255.0)
}

fn srgb(v: f32) -> u8 {
    clamp8(idphoto::dev::colour::from_linear(v.clamp(0.0, 1.0)) * 255.0)
}

/// Each pixel's linear RGB times `gain`, weighted by `weight(x, y)` (0 keeps the pixel).
fn scaled(img: &RgbImage, gain: [f32; 3], weight: impl Fn(u32, u32) -> f32) -> RgbImage {
    let mut out = img.clone();
    for (x, y, p) in out.enumerate_pixels_mut() {
        let w = weight(x, y);
        if w <= 0.0 {
            continue;
        }
        for (v, g) in p.0.iter_mut().zip(gain) {
            *v = srgb(lin(*v) * (1.0 + w * (g - 1.0)));
        }
    }
    out
}

/// Another clean photo's face (its box grown by a quarter, inside an elliptic soft edge)
/// pasted `frac` of the photo's width wide beside the head on either side and in a top corner,
/// or, with `cut`, half outside the left and the right edge. A negative `frac` pastes a patch
/// of the same size cut from this photo's own clothing instead.
fn second_face(c: &Clean, others: &[Clean], frac: f32, cut: bool) -> Vec<RgbImage> {
    let img = &c.photo.image;
    let (w, h) = img.dimensions();
    let size = (frac.abs() * w as f32).round().max(8.0) as u32;
    let (patch, round) = if frac > 0.0 {
        let Some(donor) = others.get(c.name.len() % others.len().max(1)) else {
            return Vec::new();
        };
        let [bx, by, bw, bh] = donor.face.bbox;
        let side = bw.max(bh) * 1.25;
        let (cx, cy) = (bx + bw / 2.0, by + bh / 2.0);
        let (dw, dh) = donor.photo.image.dimensions();
        let x0 = (cx - side / 2.0).clamp(0.0, dw as f32 - 1.0) as u32;
        let y0 = (cy - side / 2.0).clamp(0.0, dh as f32 - 1.0) as u32;
        let s = (side as u32).min(dw - x0).min(dh - y0);
        let crop = image::imageops::crop_imm(&donor.photo.image, x0, y0, s, s).to_image();
        (crop, true)
    } else {
        // The clothing: the bottom middle of the photo.
        let s = size.min(h / 4).max(8);
        let crop = image::imageops::crop_imm(img, w / 2 - s / 2, h - s, s, s).to_image();
        (crop, false)
    };
    let patch = image::imageops::resize(&patch, size, size, image::imageops::FilterType::Triangle);
    let s = size as i64;
    let (w64, h64) = (i64::from(w), i64::from(h));
    [
        (4, h64 / 3 - s / 2),
        (w64 - s - 4, h64 / 3 - s / 2),
        (4, 4),
        (-s / 2, h64 / 3),
        (w64 - s / 2, h64 / 3),
    ]
    .into_iter()
    .enumerate()
    .filter(|(i, _)| (*i >= 3) == cut)
    .map(|(_, (px, py))| pasted(img, &patch, [px, py], round))
    .collect()
}

/// `patch` pasted onto `img` with its top left at `at`, inside an elliptic soft edge when
/// `round`.
fn pasted(img: &RgbImage, patch: &RgbImage, [px, py]: [i64; 2], round: bool) -> RgbImage {
    let (w, h) = img.dimensions();
    let size = patch.width();
    let mut out = img.clone();
    for (x, y, p) in patch.enumerate_pixels() {
        let (ox, oy) = (px + i64::from(x), py + i64::from(y));
        if ox < 0 || oy < 0 || ox >= i64::from(w) || oy >= i64::from(h) {
            continue;
        }
        let a = if round {
            let (dx, dy) = (
                (x as f32 + 0.5) / size as f32 * 2.0 - 1.0,
                (y as f32 + 0.5) / size as f32 * 2.0 - 1.0,
            );
            let r = (dx * dx / 0.8 + dy * dy).sqrt();
            ((1.0 - r) / 0.1).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let q = out.get_pixel_mut(ox as u32, oy as u32);
        for (v, n) in q.0.iter_mut().zip(p.0) {
            *v = clamp8(f32::from(*v) * (1.0 - a) + f32::from(n) * a);
        }
    }
    out
}

/// The face's image-left half (the person's right) lit at `light` of the other, behind an edge
/// a fifth of the inter-eye distance soft along the nose line; the photo beyond the face keeps
/// its light beyond 1.5 face widths.
fn half_shadow(c: &Clean, _: &[Clean], light: f32) -> Vec<RgbImage> {
    let f = &c.face;
    let [mx, _] = f.eye_mid();
    let soft = 0.2 * f.inter_eye();
    let reach = 1.5 * f.width();
    vec![scaled(&c.photo.image, [light; 3], |x, _| {
        let dx = x as f32 - mx;
        let edge = (0.5 - dx / soft).clamp(0.0, 1.0);
        let near = ((reach + dx) / soft).clamp(0.0, 1.0);
        edge * near
    })]
}

/// The whole photo at `light` (linear): too little light on the face, the backdrop too.
fn dim(c: &Clean, _: &[Clean], light: f32) -> Vec<RgbImage> {
    vec![scaled(&c.photo.image, [light; 3], |_, _| 1.0)]
}

/// Warm light: blue at `gain`, green halfway.
fn warm(c: &Clean, _: &[Clean], gain: f32) -> Vec<RgbImage> {
    let g = 1.0 - (1.0 - gain) / 2.0;
    vec![scaled(&c.photo.image, [1.0, g, gain], |_, _| 1.0)]
}

/// Cool light: red at `gain`, green halfway.
fn cool(c: &Clean, _: &[Clean], gain: f32) -> Vec<RgbImage> {
    let g = 1.0 - (1.0 - gain) / 2.0;
    vec![scaled(&c.photo.image, [gain, g, 1.0], |_, _| 1.0)]
}

/// A pair of brown-tinted lenses passing `light` (linear): an ellipse around each eye 0.84
/// inter-eye distances wide, from 0.30 above the pupil to 0.33 below it; one pair sharp-edged
/// like a lens, one whose edge fades over 0.1 inter-eye distances (a blurred photo, a
/// gradient rim).
fn tinted_glasses(c: &Clean, _: &[Clean], light: f32) -> Vec<RgbImage> {
    let f = &c.face;
    let d = f.inter_eye();
    // How far inside the nearer lens (x, y) lies, in inter-eye distances (negative outside):
    // the radius's shortfall scaled by the shorter semi-axis, near the rim about the distance.
    let inside = |x: u32, y: u32| {
        [f.right_eye, f.left_eye]
            .iter()
            .map(|e| {
                let dx = (x as f32 - e[0]) / (0.42 * d);
                let dy = y as f32 - e[1];
                let dy = dy / if dy < 0.0 { 0.30 * d } else { 0.33 * d };
                (1.0 - dx.hypot(dy)) * 0.30
            })
            .fold(f32::MIN, f32::max)
    };
    let tint = [light, 0.9 * light, 0.8 * light];
    let sharp = scaled(&c.photo.image, tint, |x, y| {
        f32::from(u8::from(inside(x, y) >= 0.0))
    });
    let soft = scaled(&c.photo.image, tint, |x, y| {
        (0.5 + inside(x, y) / 0.1).clamp(0.0, 1.0)
    });
    vec![sharp, soft]
}

/// Fixed-seed luma noise of `sigma` levels on the person's pixels outside the face box (hair,
/// neck, clothing).
fn grain(c: &Clean, _: &[Clean], sigma: f32) -> Vec<RgbImage> {
    let [bx, by, bw, bh] = c.face.bbox;
    let mut normal = harness::normal_source();
    let mut out = c.photo.image.clone();
    for (x, y, p) in out.enumerate_pixels_mut() {
        let inside =
            (x as f32) >= bx && (x as f32) < bx + bw && (y as f32) >= by && (y as f32) < by + bh;
        if inside || c.alpha.get_pixel(x, y).0[0] < 128 {
            continue;
        }
        let n = normal() as f32 * sigma;
        p.0 = p.0.map(|v| clamp8(f32::from(v) + n));
    }
    vec![out]
}

/// Whether (x, y) lies in the face oval (cheek to cheek, chin to the middle of the forehead).
fn in_face(f: &Face, x: u32, y: u32) -> bool {
    let top = f.eye_mid()[1] - 1.0 * f.inter_eye();
    let (cy, ry) = ((top + f.chin[1]) / 2.0, (f.chin[1] - top) / 2.0);
    let cx = (f.face_left_x + f.face_right_x) / 2.0;
    let rx = 0.45 * f.width();
    let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
    dx * dx + dy * dy <= 1.0
}

/// A beauty filter: inside the face oval each pixel becomes the mean of the pixels within
/// `radius` inter-eye distances whose luma is within 12 levels of its own (an edge-keeping blur
/// that flattens pores and fine lines and keeps eyes, brows and lips).
fn smoothing(c: &Clean, _: &[Clean], radius: f32) -> Vec<RgbImage> {
    let img = &c.photo.image;
    let f = &c.face;
    let r = (radius * f.inter_eye()).round().max(1.0) as i64;
    let (w, h) = img.dimensions();
    let luma =
        |p: [u8; 3]| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
    let mut out = img.clone();
    for y in 0..h {
        for x in 0..w {
            if !in_face(f, x, y) {
                continue;
            }
            let l0 = luma(img.get_pixel(x, y).0);
            let (mut sum, mut n) = ([0f32; 3], 0f32);
            for dy in -r..=r {
                for dx in -r..=r {
                    let (qx, qy) = (i64::from(x) + dx, i64::from(y) + dy);
                    if qx < 0 || qy < 0 || qx >= i64::from(w) || qy >= i64::from(h) {
                        continue;
                    }
                    let q = img.get_pixel(qx as u32, qy as u32).0;
                    if (luma(q) - l0).abs() <= 12.0 {
                        for (s, v) in sum.iter_mut().zip(q) {
                            *s += f32::from(v);
                        }
                        n += 1.0;
                    }
                }
            }
            out.put_pixel(x, y, image::Rgb(sum.map(|s| clamp8(s / n))));
        }
    }
    vec![out]
}

/// The face oval rounded to `levels` levels per channel, as it is and saved as a JPEG of
/// quality 90 (whose ringing fills some of the gaps again).
fn posterised(c: &Clean, _: &[Clean], levels: f32) -> Vec<RgbImage> {
    let step = 255.0 / (levels - 1.0);
    let mut out = c.photo.image.clone();
    for (x, y, p) in out.enumerate_pixels_mut() {
        if in_face(&c.face, x, y) {
            p.0 = p.0.map(|v| clamp8((f32::from(v) / step).round() * step));
        }
    }
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&out)
        .expect("encoding to memory");
    let jpeg = image::load_from_memory(&bytes)
        .expect("decoding what was just encoded")
        .to_rgb8();
    vec![out, jpeg]
}
