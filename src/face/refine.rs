//! Measurements the networks do not give directly: how clearly an iris shows in its eye
//! opening (the eye confidence), the crown (the person mask above the forehead) and the head's
//! whole width (the person mask beside it).

use super::mesh::{centroid, eye_corners, sample, Roi};
use crate::colour::luma;
use image::RgbImage;

/// Side of the eye patch the contrast is measured on.
const EYE_PATCH: u32 = 48;
/// Eye patch side as a multiple of the eye width (corner to corner).
const EYE_PATCH_SPAN: f32 = 1.3;

/// Whether `p` lies inside the polygon `poly` (even-odd rule).
pub(super) fn inside(poly: &[[f32; 2]], p: [f32; 2]) -> bool {
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

/// Part of the iris radius whose pixels count as iris (its rim blends into the sclera).
const IRIS_CORE: f32 = 0.8;
/// Quantile of the opening outside the iris taken as the sclera's brightness, in percent.
const SCLERA_QUANTILE_PERCENT: usize = 80;
/// Least part of the iris core that must show in the opening for the eye to count as open.
const MIN_VISIBLE: f32 = 0.3;

/// How clearly a dark iris of `radius` at `centre` stands out from the rest of the eye opening
/// (photo pixels; the contour starts at a corner and its ninth point is the other corner):
/// 1 for an open eye with the iris there, 0 for a closed or flat eye or a point off the iris.
///
/// Only the part of the iris inside the opening counts (the lids cover the top of most irises),
/// compared with the sclera (the bright part of the opening outside the iris); when less than
/// [`MIN_VISIBLE`] of the iris shows (a closed eye, a point on the lids or lashes) it is 0.
pub fn iris_contrast(photo: &RgbImage, contour: &[[f32; 2]], centre: [f32; 2], radius: f32) -> f32 {
    let Some([left, right]) = eye_corners(contour) else {
        return 0.0;
    };
    let mean = centroid(contour);
    let ew = ((right[0] - left[0]).powi(2) + (right[1] - left[1]).powi(2)).sqrt();
    if !(ew.is_finite() && ew > 2.0 && radius.is_finite()) {
        return 0.0;
    }
    let roi = Roi {
        centre: mean,
        side: EYE_PATCH_SPAN * ew,
        angle: (right[1] - left[1]).atan2(right[0] - left[0]),
    };
    let patch = sample(photo, &roi, EYE_PATCH);
    let np = EYE_PATCH as usize;
    let gray: Vec<f32> = patch.pixels().map(|p| luma(p.0)).collect();
    let k = EYE_PATCH as f32 / roi.side;
    let to_patch = |p: [f32; 2]| roi.to_region(p, EYE_PATCH as f32);
    let poly: Vec<[f32; 2]> = contour.iter().map(|&p| to_patch(p)).collect();
    let in_eye: Vec<bool> = (0..np * np)
        .map(|i| inside(&poly, [(i % np) as f32 + 0.5, (i / np) as f32 + 0.5]))
        .collect();
    let p = to_patch(centre);
    let r = (radius * k).max(1.5);
    let (mut iris, mut core, mut rest) = ((0.0, 0usize), 0usize, Vec::new());
    for (i, &g) in gray.iter().enumerate() {
        let d = ((i % np) as f32 + 0.5 - p[0]).hypot((i / np) as f32 + 0.5 - p[1]);
        let is_core = d <= IRIS_CORE * r;
        core += usize::from(is_core);
        if !in_eye[i] {
            continue;
        }
        if is_core {
            iris = (iris.0 + g, iris.1 + 1);
        } else if d > r {
            rest.push(g);
        }
    }
    if core == 0 || rest.is_empty() || (iris.1 as f32) < MIN_VISIBLE * core as f32 {
        return 0.0;
    }
    // The sclera is the bright part of the rest of the opening; FaceMesh's contour also takes
    // in lashes, lid shadow and make-up at the corners, as dark as an iris.
    let at = rest.len() * SCLERA_QUANTILE_PERCENT / 100;
    let sclera = *rest.select_nth_unstable_by(at, f32::total_cmp).1;
    // 40 luma levels between the iris and the sclera is a clearly open eye.
    ((sclera - iris.0 / iris.1 as f32) / 40.0).clamp(0.0, 1.0)
}

/// Person probability at or below which a mask cell above the crown is clear background.
const TOP_GAP_MAX: f32 = 0.2;

/// Mask rows just above the crown's crossing within which clear background must show for the
/// crown to count as visible: the width of the mask's soft edge.
const GAP_WITHIN_ROWS: usize = 4;

/// Mask rows (of the network's grid) from the top edge down to the crown's crossing, at least.
const MIN_ROWS_ABOVE: usize = 2;

/// Mask rows from the top edge within which a crown may go unresolved by the mask: the rows it
/// needs above the crossing and the soft edge's width. [`crown_near_top`] reads them instead.
pub const UNRESOLVED_ROWS: usize = MIN_ROWS_ABOVE + GAP_WITHIN_ROWS;

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
    // Hair that fades into the top rows without a clear background gap just above it: the
    // mask is unsure up to the edge, so the head most likely continues beyond it. Clutter
    // higher up, beyond such a gap (a crowd, a lamp, a sign), says nothing about the head.
    // With no row above the soft edge (a crossing two rows below the edge) there is no room
    // for a gap, so the head counts as cut off: aniston_1 saved as a JPEG of quality 10 has
    // rows of p 0.50 up to the edge over hair that runs into it, and read as a crown 12 px
    // below the edge while the empty range of rows counted as clear.
    let above = r_of(y, sy);
    let clear = (0..above)
        .rev()
        .take(GAP_WITHIN_ROWS)
        .any(|r| at(r, c) <= TOP_GAP_MAX);
    if !clear {
        return None;
    }
    Some(([(c as f32 + 0.5) / sx, y], strength.clamp(0.0, 1.0)))
}

/// Colour distance (CIELAB ΔE*ab) from the backdrop within which a pixel counts as backdrop,
/// on top of three times the backdrop's own noise.
const BACKDROP_DELTA_E: f32 = 10.0;
/// Colour distance from the backdrop beyond which a pixel counts as hair: dark or brown hair on
/// a white or light-blue wall lies 40–90 away; hair this close to the wall's colour is not told
/// from it, and the crown stays cut off, the cautious side.
const HAIR_DELTA_E: f32 = 25.0;
/// Largest share of the head's columns with hair in the photo's top row for a crown still to
/// count as visible just below the edge.
const MAX_CUT_COLUMNS: f32 = 0.1;

/// Largest colour distance between the wall just beside the head in the top row and the
/// backdrop's mean for that wall to serve as the reference (walls shade off by 10–15 towards
/// the edges; hair or a busy scene beside the head does not come this close).
const LOCAL_BACKDROP_DELTA_E: f32 = 20.0;

/// The crown where the person mask cannot resolve it: within `zone` photo rows of the top edge,
/// where hair that ends just below the edge and hair cut off by it fall in the same mask cells.
/// Read from the photo's own pixels over the middle half of the face (`face_x`, cheek to
/// cheek), against the wall beside the head in the top rows (which must be the backdrop,
/// `backdrop` ± [`LOCAL_BACKDROP_DELTA_E`], its noise σ `noise` in L*): a column whose top two
/// rows are that wall and which meets hair lower down, within a few rows of the wall, shows
/// where the hair ends; a column with hair in the top rows runs out of the frame. The crown is
/// the highest such edge, when at least half the columns that meet hair show one and hair
/// reaches the top rows in at most [`MAX_CUT_COLUMNS`] of them; `None` otherwise.
pub fn crown_near_top(
    photo: &RgbImage,
    face_x: (f32, f32),
    zone: f32,
    backdrop: crate::colour::Lab,
    noise: f32,
) -> Option<[f32; 2]> {
    let (w, h) = photo.dimensions();
    let last_row = (zone.ceil() as u32).min(h.saturating_sub(1));
    let fw = face_x.1 - face_x.0;
    let col = |x: f32| (x.max(0.0) as u32).min(w.saturating_sub(1));
    let (x0, x1) = (col(face_x.0 + 0.25 * fw), col(face_x.1 - 0.25 * fw));
    if last_row < 2 || x1 <= x0 || !fw.is_finite() {
        return None;
    }
    let lab = |x: u32, y: u32| crate::colour::srgb_to_lab(photo.get_pixel(x, y).0);
    let apart = |a: crate::colour::Lab, b: crate::colour::Lab| {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    };
    // The wall beside the head, above the cheeks' outer halves and beyond them.
    let beside: Vec<crate::colour::Lab> = [
        (face_x.0 - 0.5 * fw, face_x.0),
        (face_x.1, face_x.1 + 0.5 * fw),
    ]
    .into_iter()
    .flat_map(|(a, b)| col(a)..col(b))
    .map(|x| lab(x, 0))
    .collect();
    let median = |i: usize| {
        let mut channel: Vec<f32> = beside.iter().map(|lab| lab[i]).collect();
        crate::stats::quantile(&mut channel, 0.5)
    };
    let reference = [median(0)?, median(1)?, median(2)?];
    if apart(reference, backdrop) > LOCAL_BACKDROP_DELTA_E {
        return None;
    }
    let clear = BACKDROP_DELTA_E + 3.0 * noise;
    let hair = HAIR_DELTA_E.max(clear + 5.0);
    let distance = |x: u32, y: u32| apart(lab(x, y), reference);
    // About a hundred columns across the head are plenty.
    let step = ((x1 - x0) / 100).max(1);
    // Hair ends against a wall within a few rows; light hair thinning out over many rows
    // may just as well run on out of the frame, too faint to see.
    let sharp = (h / 500).max(3);
    let (mut cut, mut seen, mut unsure, mut best) = (0usize, 0usize, 0usize, None::<[f32; 2]>);
    for x in (x0..=x1).step_by(step as usize) {
        if distance(x, 0) > clear || distance(x, 1) > clear {
            cut += 1;
            continue;
        }
        // The first hair row, and the last wall row above it (rows 0 and 1 are wall).
        let (mut wall, mut first_hair) = (1, None);
        for y in 2..=last_row {
            let d = distance(x, y);
            if d > hair {
                first_hair = Some(y);
                break;
            }
            if d <= clear {
                wall = y;
            }
        }
        let Some(y) = first_hair else {
            continue;
        };
        if y - wall > sharp {
            unsure += 1;
            continue;
        }
        seen += 1;
        // Half way between the last backdrop row and the first hair row.
        let edge = y as f32 - 0.5;
        if best.is_none_or(|b| edge < b[1]) {
            best = Some([x as f32 + 0.5, edge]);
        }
    }
    let meets_hair = (cut + seen + unsure) as f32;
    let visible = seen as f32 >= 0.5 * meets_hair && cut as f32 <= MAX_CUT_COLUMNS * meets_hair;
    (seen > 0 && visible).then_some(best?)
}

/// The head's whole width from a person mask stretched over an image `w`×`h` (photo pixels):
/// in each mask row whose centre lies between `rows.0` and `rows.1`, the run of person cells
/// (p ≥ 0.5) through the column at `centre_x`, its ends at their 0.5 crossings; the widest
/// such run, as `(left x, right x, y)`. Hair counts, as the head's outline shows it: the
/// exit-entry rules' 头部宽度, against GA 461's cheek-to-cheek 脸部宽.
///
/// `None` when a run reaches the photo's side (the head is cut off there or touches it, and
/// its width is unknown) or no row of the range has the person at `centre_x`.
pub fn head_span_from_mask(
    prob: &[f32],
    grid: u32,
    size: (u32, u32),
    centre_x: f32,
    rows: (f32, f32),
) -> Option<(f32, f32, f32)> {
    let g = grid as usize;
    if prob.len() < g * g || size.0 == 0 || size.1 == 0 || g < 2 {
        return None;
    }
    let (sx, sy) = (grid as f32 / size.0 as f32, grid as f32 / size.1 as f32);
    let cell = |v: f32| (v.floor().max(0.0) as usize).min(g - 1);
    let c0 = cell(centre_x * sx);
    let (r0, r1) = (cell(rows.0 * sy - 0.5), cell(rows.1 * sy - 0.5));
    let at = |r: usize, c: usize| prob[r * g + c];
    let mut best: Option<(f32, f32, f32)> = None;
    for r in r0..=r1 {
        if at(r, c0) < 0.5 {
            continue;
        }
        let (mut a, mut b) = (c0, c0);
        while a > 0 && at(r, a - 1) >= 0.5 {
            a -= 1;
        }
        while b + 1 < g && at(r, b + 1) >= 0.5 {
            b += 1;
        }
        if a == 0 || b == g - 1 {
            return None;
        }
        // Sub-cell crossings; cell centres sit at (c + 0.5) / grid.
        let crossing =
            |outside: f32, inside: f32| ((0.5 - outside) / (inside - outside)).clamp(0.0, 1.0);
        let left = (a as f32 - 0.5 + crossing(at(r, a - 1), at(r, a))) / sx;
        let right = (b as f32 + 1.5 - crossing(at(r, b + 1), at(r, b))) / sx;
        if best.is_none_or(|(l, rr, _)| right - left > rr - l) {
            best = Some((left, right, (r as f32 + 0.5) / sy));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_eye_with_its_iris_has_full_contrast() {
        let iris = [106.0, 81.5];
        let (img, contour) = crate::face::synthetic_eye(iris);
        assert!(iris_contrast(&img, &contour, iris, 12.0) > 0.9);
    }

    #[test]
    fn an_iris_half_under_the_upper_lid_still_has_full_contrast() {
        // The iris's top quarter lies above the opening, as in most real eyes.
        let iris = [100.0, 74.0];
        let (img, contour) = crate::face::synthetic_eye(iris);
        assert!(iris_contrast(&img, &contour, iris, 12.0) > 0.9);
    }

    #[test]
    fn lids_lashes_and_a_closed_eye_have_little_contrast() {
        let (img, contour) = crate::face::synthetic_eye([100.0, 80.0]);
        // On the upper lid's lashes: most of the disc lies outside the opening.
        assert_eq!(iris_contrast(&img, &contour, [100.0, 62.0], 12.0), 0.0);
        // On the white beside the iris.
        assert!(iris_contrast(&img, &contour, [78.0, 80.0], 12.0) < 0.05);
        // Closed: the opening is skin-coloured throughout.
        let skin = RgbImage::from_pixel(200, 160, image::Rgb([200, 150, 130]));
        assert!(iris_contrast(&skin, &contour, [100.0, 80.0], 12.0) < 0.05);
    }

    #[test]
    fn degenerate_input_gives_zero_contrast_not_a_panic() {
        let img = RgbImage::new(10, 10);
        assert_eq!(iris_contrast(&img, &[], [5.0, 5.0], 2.0), 0.0);
        assert_eq!(iris_contrast(&img, &[[5.0, 5.0]; 16], [5.0, 5.0], 2.0), 0.0);
        let (img, contour) = crate::face::synthetic_eye([100.0, 80.0]);
        assert_eq!(iris_contrast(&img, &contour, [100.0, 80.0], f32::NAN), 0.0);
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
    fn clutter_beyond_a_clear_gap_leaves_the_crown_visible() {
        // A crowd or a sign the network half-believes (p 0.5) in rows 0–5, a clear gap in
        // rows 6–7, the head from row 8 (deepface's img40: reported cut off before).
        let mut p = head_from(8);
        for v in &mut p[..6 * 16] {
            *v = 0.5;
        }
        let (c, _) = crown_from_mask(&p, 16, (160, 160), (50.0, 110.0), 100.0).unwrap();
        assert!((c[1] - 80.0).abs() < 1.0, "{c:?}");
    }

    #[test]
    fn hair_fading_into_the_top_edge_counts_as_cut_off() {
        // Unsure hair (p 0.3–0.45) from the crossing up to the edge, only the top row clear.
        let mut p = head_from(8);
        for r in 1..8 {
            for c in 4..12 {
                p[r * 16 + c] = 0.3 + 0.02 * r as f32;
            }
        }
        assert_eq!(
            crown_from_mask(&p, 16, (160, 160), (50.0, 110.0), 100.0),
            None
        );
    }

    #[test]
    fn two_rows_below_the_edge_the_crown_needs_clear_background_above_it() {
        // Clear rows above: a crown just below the edge is visible.
        let (c, _) = crown_from_mask(&head_from(2), 16, (160, 160), (50.0, 110.0), 100.0).unwrap();
        assert!((c[1] - 20.0).abs() < 1.0, "{c:?}");
        // The mask unsure (p 0.49) in both rows above: hair running into the edge, cut off.
        let mut p = head_from(2);
        for r in 0..2 {
            for c in 4..12 {
                p[r * 16 + c] = 0.49;
            }
        }
        assert_eq!(
            crown_from_mask(&p, 16, (160, 160), (50.0, 110.0), 100.0),
            None
        );
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

    /// A 16×16 mask over a 160×160 image: a head in columns `cols` for rows 3–12 with one row
    /// (`wide_row`) reaching `wide` instead, background elsewhere.
    fn head_with(
        cols: std::ops::Range<usize>,
        wide_row: usize,
        wide: std::ops::Range<usize>,
    ) -> Vec<f32> {
        (0..256)
            .map(|i| {
                let (r, c) = (i / 16, i % 16);
                let span = if r == wide_row { &wide } else { &cols };
                if (3..13).contains(&r) && span.contains(&c) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn the_head_width_is_its_widest_row_through_the_face() {
        // Columns 5–10 (60 px) with ears reaching 4–11 (80 px) in row 7.
        let p = head_with(5..11, 7, 4..12);
        let (l, r, y) = head_span_from_mask(&p, 16, (160, 160), 80.0, (30.0, 120.0)).unwrap();
        assert!((l - 40.0).abs() < 1.0 && (r - 120.0).abs() < 1.0, "{l} {r}");
        assert!((y - 75.0).abs() < 1.0, "{y}");
        // Rows outside the range do not count: without row 7 the head is 60 px wide.
        let (l, r, _) = head_span_from_mask(&p, 16, (160, 160), 80.0, (90.0, 120.0)).unwrap();
        assert!((r - l - 60.0).abs() < 1.0, "{l} {r}");
    }

    #[test]
    fn a_soft_edge_is_placed_at_its_half_way_crossing() {
        let mut p = head_with(5..11, 99, 0..0);
        for r in 3..13 {
            p[r * 16 + 4] = 0.25;
        }
        let (l, _, _) = head_span_from_mask(&p, 16, (160, 160), 80.0, (30.0, 120.0)).unwrap();
        // From 0.25 at cell 4's centre (45 px) to 1 at cell 5's (55 px), 0.5 is a third of the way.
        assert!((l - 48.3).abs() < 0.2, "{l}");
    }

    #[test]
    fn a_head_touching_the_side_has_no_width() {
        let p = head_with(5..11, 7, 0..12);
        assert_eq!(
            head_span_from_mask(&p, 16, (160, 160), 80.0, (30.0, 120.0)),
            None
        );
        // No person at the centre column: nothing to measure.
        assert_eq!(
            head_span_from_mask(&p, 16, (160, 160), 10.0, (100.0, 120.0)),
            None
        );
        assert_eq!(
            head_span_from_mask(&[], 16, (160, 160), 80.0, (30.0, 120.0)),
            None
        );
    }

    /// A white backdrop with dark hair from row `top` down in columns 40–120, and in
    /// `cut_columns` from the top row.
    fn hair_from(top: u32, cut_columns: std::ops::Range<u32>) -> RgbImage {
        RgbImage::from_fn(160, 60, |x, y| {
            let hair = (40..120).contains(&x) && (y >= top || cut_columns.contains(&x));
            image::Rgb(if hair { [40, 30, 25] } else { [250, 250, 250] })
        })
    }

    #[test]
    fn hair_ending_a_few_pixels_below_the_edge_is_a_visible_crown() {
        let white = crate::colour::srgb_to_lab([250, 250, 250]);
        let c = crown_near_top(&hair_from(4, 0..0), (50.0, 110.0), 20.0, white, 0.5).unwrap();
        assert!((c[1] - 3.5).abs() < 0.01, "{c:?}");
    }

    #[test]
    fn hair_in_the_top_row_is_cut_off() {
        let white = crate::colour::srgb_to_lab([250, 250, 250]);
        // A fifth of the hair runs into the edge.
        let p = hair_from(4, 60..76);
        assert_eq!(crown_near_top(&p, (50.0, 110.0), 20.0, white, 0.5), None);
        // All of it.
        let p = hair_from(0, 0..0);
        assert_eq!(crown_near_top(&p, (50.0, 110.0), 20.0, white, 0.5), None);
        // Hair ending below the zone the mask leaves unresolved is not this reading's.
        let p = hair_from(30, 0..0);
        assert_eq!(crown_near_top(&p, (50.0, 110.0), 20.0, white, 0.5), None);
    }

    #[test]
    fn hair_filling_the_top_row_with_the_forehead_below_is_no_crown() {
        // A close-up: dark hair across the whole top row, skin from row 6. The hairline is an
        // edge, but the top row beside the head is not the wall.
        let p = RgbImage::from_fn(160, 60, |_, y| {
            image::Rgb(if y < 6 { [40, 30, 25] } else { [220, 170, 140] })
        });
        let white = crate::colour::srgb_to_lab([250, 250, 250]);
        assert_eq!(crown_near_top(&p, (50.0, 110.0), 20.0, white, 0.5), None);
    }

    #[test]
    fn hair_as_light_as_the_backdrop_is_not_told_from_it() {
        // Pale blond on white: ΔE about 15, under the hair threshold: no crown claimed.
        let p = RgbImage::from_fn(160, 60, |x, y| {
            image::Rgb(if (40..120).contains(&x) && y >= 4 {
                [235, 220, 190]
            } else {
                [250, 250, 250]
            })
        });
        let white = crate::colour::srgb_to_lab([250, 250, 250]);
        assert_eq!(crown_near_top(&p, (50.0, 110.0), 20.0, white, 0.5), None);
    }
}
