//! Side-by-side pictures of the correction, one PNG per shared photo: the input, the input with
//! the annotated points and the canvas rectangle drawn on it, and the corrected output (or the
//! refusal reason in the file name).
//!
//! ```sh
//! cargo run --release --example side_by_side -- OUT_DIR
//! ```
//! Photos come from `IDPHOTO_TESTDATA` (default `../shared/data`). Plain-backdrop photos get a
//! cheap colour-key matte (the demo stand-in for segmentation) so background replacement shows.

#[path = "../tests/util/matte.rs"]
mod matte;

use idphoto::correct::{self, Fix, Matte};
use idphoto::crop::{self, PlanOptions};
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_cross_mut, draw_line_segment_mut};
use std::path::PathBuf;

/// Smallest channel value of a backdrop the demo colour key treats as white.
const WHITE_BACKDROP_MIN: u8 = 235;

/// Height of every panel.
const PANEL_H: u32 = 441;

fn panel(img: &RgbImage) -> RgbImage {
    let w = (img.width() as f32 * PANEL_H as f32 / img.height() as f32)
        .round()
        .max(1.0) as u32;
    idphoto::imageops::resize(img, w, PANEL_H, idphoto::imageops::Quality::Best)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: side_by_side OUT_DIR")?,
    );
    std::fs::create_dir_all(&out_dir)?;
    let data = std::env::var_os("IDPHOTO_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let rows = idphoto::annotations::load(&data.join("photos/annotations.csv"))?;
    let spec = idphoto::spec::Library::builtin()?.resolve("dongguan", None)?;
    for row in &rows {
        let Some(face) = row.to_face() else { continue };
        let photo =
            idphoto::decode::open(&data.join("photos").join(&row.file), &Default::default())?;
        // The colour key is only trustworthy on a near-white backdrop: on a light grey one,
        // lit skin is as close to the backdrop as the backdrop is to itself (hv_test0).
        let corner = photo.image.get_pixel(2, 2).0;
        let white_backdrop = corner.iter().all(|&c| c >= WHITE_BACKDROP_MIN);
        let matte = matte::plain_backdrop_matte(&photo.image)
            .filter(|_| white_backdrop)
            .map(|alpha| Matte {
                alpha,
                scale: 1.0,
                confidence: 0.9,
            });
        let result = correct::correct(&photo.image, &face, &spec, matte.as_ref(), &Fix::default());
        let plan = crop::plan(
            &face,
            photo.image.dimensions(),
            &spec,
            &PlanOptions {
                allow_padding: matte.is_some(),
                ..Default::default()
            },
        );
        // Annotated input: points and the canvas outline.
        let mut marked = photo.image.clone();
        let red = Rgb([255, 0, 0]);
        let green = Rgb([0, 220, 0]);
        for p in [
            Some(face.left_eye),
            Some(face.right_eye),
            face.crown,
            Some(face.chin),
        ]
        .into_iter()
        .flatten()
        {
            draw_cross_mut(&mut marked, red, p[0] as i32, p[1] as i32);
        }
        draw_line_segment_mut(
            &mut marked,
            (face.face_left_x, face.face_width_y),
            (face.face_right_x, face.face_width_y),
            red,
        );
        let [cw, ch] = plan.canvas.map(|v| v as f32);
        let corners = [[0.0, 0.0], [cw, 0.0], [cw, ch], [0.0, ch]].map(|c| plan.to_photo(c));
        for i in 0..4 {
            let (a, b) = (corners[i], corners[(i + 1) % 4]);
            draw_line_segment_mut(&mut marked, (a[0], a[1]), (b[0], b[1]), green);
        }
        let (output, tag) = match &result {
            Ok(c) => {
                let bytes = correct::encode::encode(&c.image, &spec)?.bytes;
                let decoded = image::load_from_memory(&bytes)?.to_rgb8();
                (decoded, "ok".to_string())
            }
            Err(problems) => (
                RgbImage::from_pixel(358, 441, Rgb([90, 90, 90])),
                problems
                    .iter()
                    .map(|p| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join("-"),
            ),
        };
        let panels = [panel(&photo.image), panel(&marked), output];
        let width: u32 = panels.iter().map(|p| p.width() + 8).sum();
        let mut sheet = RgbImage::from_pixel(width, PANEL_H, Rgb([40, 40, 40]));
        let mut x = 0;
        for p in &panels {
            image::imageops::replace(&mut sheet, p, x as i64, 0);
            x += p.width() + 8;
        }
        let stem = row.file.trim_end_matches(".jpg");
        let path = out_dir.join(format!("{stem}.{tag}.png"));
        sheet.save(&path)?;
        println!("{}", path.display());
    }
    Ok(())
}
