//! Measurements FaceMesh does not give directly: the pupil centres (a dark-disc search inside
//! each eye contour at full resolution) and the crown (the person mask above the forehead).

use super::mesh::{sample, Roi};
use crate::colour::luma;
use image::RgbImage;

/// Side of the eye patch the pupil search runs on.
const EYE_PATCH: u32 = 48;
/// Eye patch side as a multiple of the eye width (corner to corner).
const EYE_PATCH_SPAN: f32 = 1.3;
/// Iris radius as a fraction of the eye width (iris ≈ 12 mm, eye opening ≈ 30 mm).
const IRIS_RADIUS: f32 = 0.18;

/// Largest distance of the pupil from the middle of the eye opening, as a fraction of the eye
/// width, along the eye axis.
const CENTRE_BAND: f32 = 0.25;

/// Largest distance of the pupil from the middle of the opening at its column, as a fraction
/// of the eye width.
const VERTICAL_BAND: f32 = 0.06;

fn inside(poly: &[[f32; 2]], p: [f32; 2]) -> bool {
    let mut c = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            c = !c;
        }
    }
    c
}

/// The pupil centre inside an eye contour (photo pixels; the contour starts at a corner and
/// its ninth point is the other corner), with a confidence from the iris/sclera contrast.
pub fn pupil(photo: &RgbImage, contour: &[[f32; 2]]) -> ([f32; 2], f32) {
    if contour.len() < 3 {
        return (contour.first().copied().unwrap_or([0.0, 0.0]), 0.0);
    }
    let n = contour.len() as f32;
    let mean = contour
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
    let (c0, c1) = (contour[0], contour[contour.len() / 2]);
    let ew = ((c1[0] - c0[0]).powi(2) + (c1[1] - c0[1]).powi(2)).sqrt();
    if !(ew.is_finite() && ew > 2.0) {
        return (mean, 0.0);
    }
    let (left, right) = if c0[0] < c1[0] { (c0, c1) } else { (c1, c0) };
    let roi = Roi {
        centre: mean,
        side: EYE_PATCH_SPAN * ew,
        angle: (right[1] - left[1]).atan2(right[0] - left[0]),
    };
    let patch = sample(photo, &roi, EYE_PATCH);
    let np = EYE_PATCH as usize;
    let gray: Vec<f32> = patch.pixels().map(|p| luma(p.0)).collect();
    // The contour in patch pixels (inverse of Roi::to_image).
    let k = EYE_PATCH as f32 / roi.side;
    let (s, c) = roi.angle.sin_cos();
    let poly: Vec<[f32; 2]> = contour
        .iter()
        .map(|p| {
            let (dx, dy) = (p[0] - mean[0], p[1] - mean[1]);
            [
                (dx * c + dy * s) * k + EYE_PATCH as f32 / 2.0,
                (-dx * s + dy * c) * k + EYE_PATCH as f32 / 2.0,
            ]
        })
        .collect();
    let r = (IRIS_RADIUS * ew * k).max(1.5);
    let ri = r.ceil() as i32;
    let mut disc = Vec::new();
    for dy in -ri..=ri {
        for dx in -ri..=ri {
            if (dx * dx + dy * dy) as f32 <= r * r {
                disc.push((dx, dy));
            }
        }
    }
    let in_eye: Vec<bool> = (0..np * np)
        .map(|i| inside(&poly, [(i % np) as f32 + 0.5, (i / np) as f32 + 0.5]))
        .collect();
    let half = EYE_PATCH as f32 / 2.0;
    let col_mid: Vec<f32> = (0..np)
        .map(|x| {
            let rows: Vec<usize> = (0..np).filter(|&y| in_eye[y * np + x]).collect();
            match (rows.first(), rows.last()) {
                (Some(&a), Some(&b)) => (a + b) as f32 / 2.0 + 0.5,
                _ => half,
            }
        })
        .collect();
    let mut inner: Vec<f32> = (0..np * np)
        .filter(|&i| in_eye[i])
        .map(|i| gray[i])
        .collect();
    inner.sort_by(f32::total_cmp);
    let Some(&bright) = inner.get(inner.len() * 9 / 10) else {
        return (mean, 0.0);
    };
    let mut scores = Vec::new();
    let mut eye_sum = (0.0, 0usize);
    for y in 0..np {
        for x in 0..np {
            let centre = [x as f32 + 0.5, y as f32 + 0.5];
            if !in_eye[y * np + x] {
                continue;
            }
            eye_sum = (eye_sum.0 + gray[y * np + x], eye_sum.1 + 1);
            // The iris centre lies in the middle part of the opening; the corners hold dark
            // lashes and shadows.
            if (centre[0] - half).abs() > CENTRE_BAND * ew * k {
                continue;
            }
            // …and near the middle of the opening at its column: dark lashes line the lids.
            if (centre[1] - col_mid[x]).abs() > VERTICAL_BAND * ew * k {
                continue;
            }
            let (mut sum, mut cnt) = (0.0, 0usize);
            for &(dx, dy) in &disc {
                let (xx, yy) = (x as i32 + dx, y as i32 + dy);
                if xx < 0 || yy < 0 || xx >= np as i32 || yy >= np as i32 {
                    continue;
                }
                let i = yy as usize * np + xx as usize;
                // Outside the opening counts as bright: a disc that leaves the opening (into
                // a narrow corner) is not an iris.
                sum += if in_eye[i] { gray[i] } else { bright };
                cnt += 1;
            }
            if cnt > 0 {
                scores.push((sum / cnt as f32, centre));
            }
        }
    }
    if scores.is_empty() {
        return (mean, 0.0);
    }
    let best = scores.iter().map(|s| s.0).fold(f32::INFINITY, f32::min);
    // Average every centre within a small margin of the darkest: a stable, sub-pixel centre.
    let margin = 2.0;
    let (mut sx, mut sy, mut sn) = (0.0, 0.0, 0.0);
    for (score, p) in &scores {
        if *score <= best + margin {
            let w = best + margin - score + 0.1;
            sx += p[0] * w;
            sy += p[1] * w;
            sn += w;
        }
    }
    let found = roi.to_image([sx / sn, sy / sn], EYE_PATCH as f32);
    let eye_mean = eye_sum.0 / eye_sum.1.max(1) as f32;
    // Contrast between the iris disc and the rest of the opening: 0 for a closed or flat eye.
    let confidence = ((eye_mean - best) / 40.0).clamp(0.0, 1.0);
    (found, confidence)
}

/// Largest person probability allowed between the crown and the top edge for the crown to
/// count as visible; above it the hair most likely runs on beyond the edge.
const TOP_GAP_MAX: f32 = 0.2;

/// Mask rows (of the network's grid) from the top edge down to the crown's crossing, at least.
const MIN_ROWS_ABOVE: usize = 2;

fn r_of(y: f32, sy: f32) -> usize {
    ((y * sy - 1.0).floor().max(0.0)) as usize
}

/// The crown from a person mask stretched over an image `w`×`h` (photo pixels): the highest
/// mask edge among the columns `x0..x1` that is connected to the forehead at `forehead_y`.
/// `None` when the head reaches the top edge (cut off), or when no head pixel is found.
pub fn crown_from_mask(
    prob: &[f32],
    grid: u32,
    size: (u32, u32),
    columns: (f32, f32),
    forehead_y: f32,
) -> Option<([f32; 2], f32)> {
    let g = grid as usize;
    if prob.len() < g * g || size.0 == 0 || size.1 == 0 {
        return None;
    }
    let (sx, sy) = (grid as f32 / size.0 as f32, grid as f32 / size.1 as f32);
    let c0 = ((columns.0 * sx).floor().max(0.0) as usize).min(g - 1);
    let c1 = ((columns.1 * sx).ceil().max(0.0) as usize).min(g - 1);
    let start = ((forehead_y * sy).floor().max(0.0) as usize).min(g - 1);
    let at = |r: usize, c: usize| prob[r * g + c];
    let mut best: Option<(f32, usize, f32)> = None;
    let mut cut = 0usize;
    let mut cols = 0usize;
    for c in c0..=c1 {
        if at(start, c) < 0.5 {
            continue;
        }
        cols += 1;
        let mut r = start;
        while r > 0 && at(r - 1, c) >= 0.5 {
            r -= 1;
        }
        // The crossing needs at least one whole mask row of background above it: a crown in
        // the top row is within one mask cell of the edge, where hair cut off by the edge and
        // hair that ends just below it look the same (lacamoire_1: "crown" 3 px from the top).
        if r < MIN_ROWS_ABOVE {
            cut += 1;
            continue;
        }
        // Sub-row position of the 0.5 crossing between row r-1 (outside) and r (inside);
        // row centres sit at (r + 0.5) / grid.
        let (a, b) = (at(r - 1, c), at(r, c));
        let t = ((0.5 - a) / (b - a)).clamp(0.0, 1.0);
        let y = (r as f32 - 0.5 + t) / sy;
        let strength = (b - a).abs();
        if best.is_none_or(|(by, _, _)| y < by) {
            best = Some((y, c, strength));
        }
    }
    // Several columns running into the top edge: the head is cut off there.
    if cut > 0 && cut * 10 >= cols.max(1) {
        return None;
    }
    let (y, c, strength) = best?;
    // Hair that fades into the top rows without a clear background gap above it: the mask is
    // unsure up to the edge, so the head most likely continues beyond it.
    let gap = (0..r_of(y, sy)).map(|r| at(r, c)).fold(0.0f32, f32::max);
    if gap > TOP_GAP_MAX {
        return None;
    }
    Some(([(c as f32 + 0.5) / sx, y], strength.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-point almond eye contour like FaceMesh's (corner, lower lid, corner, upper lid)
    /// centred at (cx, cy), `w` wide and `h` high, on a skin-coloured image with a white sclera
    /// and a dark iris of radius 0.2·w at `iris`; dark lashes line the upper lid.
    fn eye(iris: [f32; 2]) -> (RgbImage, Vec<[f32; 2]>) {
        let (cx, cy, w, h) = (100.0f32, 80.0f32, 60.0f32, 24.0f32);
        let contour: Vec<[f32; 2]> = (0..16)
            .map(|i| {
                let t = std::f32::consts::PI * i as f32 / 8.0;
                [cx - 0.5 * w * t.cos(), cy + 0.5 * h * t.sin()]
            })
            .collect();
        let img = RgbImage::from_fn(200, 160, |x, y| {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let (ex, ey) = ((px - cx) / (0.5 * w), (py - cy) / (0.5 * h));
            let open = ex * ex + ey * ey <= 1.0;
            let lash = !open && ey < 0.0 && ex * ex + ey * ey <= 1.25;
            let in_iris = (px - iris[0]).hypot(py - iris[1]) <= 0.2 * w;
            image::Rgb(if lash {
                [20, 15, 15]
            } else if open && in_iris {
                [60, 45, 35]
            } else if open {
                [235, 235, 230]
            } else {
                [200, 150, 130]
            })
        });
        (img, contour)
    }

    #[test]
    fn pupil_is_the_iris_centre_not_the_lashes_or_the_opening_middle() {
        for iris in [[100.0, 80.0], [106.0, 81.5], [94.0, 79.0]] {
            let (img, contour) = eye(iris);
            let (found, confidence) = pupil(&img, &contour);
            let err = (found[0] - iris[0]).hypot(found[1] - iris[1]);
            assert!(err < 1.5, "iris at {iris:?}, found {found:?}");
            assert!(confidence > 0.9, "{confidence}");
        }
    }

    #[test]
    fn degenerate_contours_give_zero_confidence_not_a_panic() {
        let img = RgbImage::new(10, 10);
        assert_eq!(pupil(&img, &[]).1, 0.0);
        assert_eq!(pupil(&img, &[[5.0, 5.0]; 16]).1, 0.0);
    }

    /// A 16×16 mask stretched over a 160×160 image: a head (p = 1) in columns 4–11 from
    /// `top_row` down, background (p = 0) elsewhere.
    fn head_from(top_row: usize) -> Vec<f32> {
        (0..256)
            .map(|i| {
                let (r, c) = (i / 16, i % 16);
                if (4..12).contains(&c) && r >= top_row {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn crown_is_found_below_a_background_gap() {
        let (p, conf) =
            crown_from_mask(&head_from(3), 16, (160, 160), (50.0, 110.0), 100.0).unwrap();
        // Rows 2 (outside) and 3 (inside) cross at the boundary between them: y = 3 cells.
        assert!((p[1] - 30.0).abs() < 1.0, "{p:?}");
        assert!(conf > 0.9);
    }

    #[test]
    fn head_in_the_top_mask_row_counts_as_cut_off() {
        // Rows 0 and 1: hair touches or nearly touches the edge, unresolvable at mask scale.
        for top in [0, 1] {
            assert_eq!(
                crown_from_mask(&head_from(top), 16, (160, 160), (50.0, 110.0), 100.0),
                None,
                "head from row {top}"
            );
        }
    }
}
