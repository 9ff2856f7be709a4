//! A cheap person matte for photos shot against a plain backdrop (test and demo use only; the
//! real segmentation is `src/segment.rs`): pixels near the backdrop colour that connect to the
//! photo's border are background, with a soft ramp on colour distance for hair edges.

use image::{GrayImage, RgbImage};

/// Colour distance (RGB, 0–441) up to which a pixel is pure backdrop.
const NEAR: f32 = 14.0;
/// Colour distance from which a pixel is pure person.
const FAR: f32 = 48.0;
/// Largest colour step between neighbours inside a smooth backdrop gradient.
const STEP: f32 = 3.0;
/// Channel spread below which a colour counts as grey (a gradient may only continue within the
/// backdrop's kind: grey stays grey, so skin does not flood).
const GREY: f32 = 14.0;

/// The backdrop colour (mean of the top corners) and the matte, `None` when the two top corners
/// disagree (no plain backdrop).
pub fn plain_backdrop_matte(img: &RgbImage) -> Option<GrayImage> {
    let (w, h) = img.dimensions();
    let b = (w.min(h) / 12).max(2);
    let mean = |x0: u32, y0: u32| {
        let mut s = [0f32; 3];
        for y in y0..y0 + b {
            for x in x0..x0 + b {
                let p = img.get_pixel(x, y);
                for k in 0..3 {
                    s[k] += p[k] as f32;
                }
            }
        }
        s.map(|v| v / (b * b) as f32)
    };
    let (l, r) = (mean(0, 0), mean(w - b, 0));
    let dist = |a: [f32; 3], c: [f32; 3]| {
        ((a[0] - c[0]).powi(2) + (a[1] - c[1]).powi(2) + (a[2] - c[2]).powi(2)).sqrt()
    };
    if dist(l, r) > NEAR * 1.5 {
        return None;
    }
    let bg = [0, 1, 2].map(|k| (l[k] + r[k]) / 2.0);
    let d: Vec<f32> = img
        .pixels()
        .map(|p| dist([p[0] as f32, p[1] as f32, p[2] as f32], bg))
        .collect();
    // Flood fill from the left, top and right borders through pixels near the backdrop colour,
    // or differing only a little from their neighbour (a lit backdrop's gradient).
    let idx = |x: u32, y: u32| (y * w + x) as usize;
    let px = |i: usize| {
        let p = img.get_pixel(i as u32 % w, i as u32 / w);
        [p[0] as f32, p[1] as f32, p[2] as f32]
    };
    let mut bgmask = vec![false; (w * h) as usize];
    let mut stack: Vec<(u32, u32, usize)> = Vec::new();
    for x in 0..w {
        stack.push((x, 0, idx(x, 0)));
    }
    for y in 0..h {
        stack.push((0, y, idx(0, y)));
        stack.push((w - 1, y, idx(w - 1, y)));
    }
    while let Some((x, y, from)) = stack.pop() {
        let i = idx(x, y);
        let grey = |c: [f32; 3]| c[0].max(c[1]).max(c[2]) - c[0].min(c[1]).min(c[2]) < GREY;
        let smooth = dist(px(i), px(from)) < STEP && grey(px(i)) == grey(bg);
        if bgmask[i] || (d[i] >= FAR && !smooth) {
            continue;
        }
        bgmask[i] = true;
        if x > 0 {
            stack.push((x - 1, y, i));
        }
        if x + 1 < w {
            stack.push((x + 1, y, i));
        }
        if y > 0 {
            stack.push((x, y - 1, i));
        }
        if y + 1 < h {
            stack.push((x, y + 1, i));
        }
    }
    // Soft edge: background pixels next to the person get the share of person around them.
    let r = 2i64;
    Some(GrayImage::from_fn(w, h, |x, y| {
        if !bgmask[idx(x, y)] {
            return image::Luma([255]);
        }
        let mut n = 0.0;
        let mut person = 0.0;
        for dy in -r..=r {
            for dx in -r..=r {
                let (xx, yy) = (x as i64 + dx, y as i64 + dy);
                if xx >= 0 && yy >= 0 && xx < w as i64 && yy < h as i64 {
                    n += 1.0;
                    if !bgmask[idx(xx as u32, yy as u32)] {
                        person += 1.0;
                    }
                }
            }
        }
        image::Luma([(person / n * 255.0f32).round() as u8])
    }))
}
