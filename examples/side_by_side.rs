//! Side-by-side pictures of the correction, one PNG per shared photo: the input, the input with
//! the annotated points and the canvas rectangle drawn on it, and the corrected output (or the
//! refusal reason in the file name).
//!
//! ```sh
//! cargo run --release --features examples --example side_by_side -- OUT_DIR
//! ```
//! Photos come from `IDPHOTO_TESTDATA` (default `../shared/data`). The matte is the pipeline's
//! own person mask, used when its confidence reaches the spec's `min_mask_confidence`, as
//! `idphoto check` does.

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;
#[path = "common/harness.rs"]
mod harness;

use idphoto::dev::correct;
use idphoto::dev::Analysis;
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_cross_mut, draw_line_segment_mut};
use std::path::PathBuf;

/// Height of every panel.
const PANEL_H: u32 = 441;

fn panel(img: &RgbImage) -> RgbImage {
    let w = (img.width() as f32 * PANEL_H as f32 / img.height() as f32)
        .round()
        .max(1.0) as u32;
    idphoto::dev::imageops::resize(img, w, PANEL_H, idphoto::dev::imageops::Quality::Best)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: side_by_side OUT_DIR")?,
    );
    std::fs::create_dir_all(&out_dir)?;
    let data = harness::shared_data_dir();
    let rows = annotations::load(&data.join("photos/annotations.csv"))?;
    let spec = idphoto::spec::Library::builtin()?.resolve("dongguan", None)?;
    for row in &rows {
        let Some(face) = row.to_face() else { continue };
        let photo =
            idphoto::dev::decode::open(&data.join("photos").join(&row.file), &Default::default())?;
        let analysis = Analysis::of(&photo, Some(&face))?;
        let Some(matte) = analysis.matte(&photo, &spec) else {
            continue;
        };
        // The pipeline's plan: padding only where the background will be replaced.
        let plan = idphoto::dev::plan(
            &face,
            photo.image.dimensions(),
            &spec,
            analysis.mask.as_ref(),
        );
        let result = if plan.is_feasible() {
            Ok(correct::correct(
                &photo.image,
                &face,
                &plan,
                &spec,
                Some(&matte),
                None,
            ))
        } else {
            Err(plan.problems.clone())
        };
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
