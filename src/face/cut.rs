//! Faces cut in half by the photo's left or right edge: a child's head at the side, a face on a
//! poster half out of the frame (图片上有多余物体; ICAO "other faces").
//!
//! The detector needs both eyes, so half a face is no face to it. A strip of the photo along
//! the edge joined with its own mirror image across the edge makes the half face whole again
//! (mirrored, so symmetric) with its middle on the seam; the same detector and FaceMesh's
//! presence score, held to the second look's strictness, judge the joined strip. A face the
//! frame does not cut lies whole inside the strip and shows twice, off the seam, and is left to
//! the passes over the photo itself.

use super::detect::{self, Detection, Tiling};
use crate::error::Result;
use image::RgbImage;

/// Width of the strip along each side edge, as a fraction of the photo's shorter side. The
/// joined strip is twice as wide, and the detector runs on square tiles of that side down its
/// height: a half face up to about half the strip (a whole face a third of the shorter side)
/// and down to about a twentieth of the shorter side is found whole in a tile (BlazeFace finds
/// faces from about an eighth of its input).
const STRIP: f32 = 0.3;

/// How far from the seam the centre of a mirrored face may lie, in widths of its box. A face
/// joined with its mirror is symmetric about the seam, so the detector centres it there within
/// a few percent; a whole face lying near the edge and its mirror image lie apart, each centred
/// half a face or more off the seam.
const SEAM_TOLERANCE: f32 = 0.12;

/// Width of the band along the seam that must show detail before the detector runs on a tile,
/// as a fraction of the tile's side.
const SEAM_BAND: f32 = 0.1;

/// Least spread of luma (0–100, 2nd to 98th percentile) in that band for a tile to be worth
/// the detector. Half a face at the edge puts its middle there (brow, eye corner, nose, lips,
/// chin, with hair or backdrop above and below): tens of levels. A plain backdrop along the
/// edge, the ID photo's own case, spreads a few levels at most (light falling off, JPEG
/// noise), and its tiles cost nothing.
const SEAM_MIN_SPREAD: f32 = 8.0;

/// The side edge a strip lies along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Left,
    Right,
}

/// Those of the boxes `cut` ([`cut_by_the_frame`]) that are not part of a face `found`
/// whole, nor of a box kept before them.
pub(super) fn not_found(cut: Vec<[f32; 4]>, found: &[[f32; 4]]) -> Vec<[f32; 4]> {
    let mut out: Vec<[f32; 4]> = Vec::new();
    for inside in cut {
        if !found.iter().chain(&out).any(|f| super::part_of(&inside, f)) {
            out.push(inside);
        }
    }
    out
}

/// Boxes `[x, y, w, h]` (the part inside the photo) of faces the left or right edge of `img`
/// cuts in half, the left edge's first, whatever faces were found whole: the search needs
/// none of them, so it can run before they are found ([`not_found`] then leaves out their
/// parts).
pub(super) fn cut_by_the_frame(img: &RgbImage) -> Result<Vec<[f32; 4]>> {
    let (w, h) = img.dimensions();
    let s = ((w.min(h) as f32 * STRIP).round() as u32).min(w / 2);
    if s < 8 {
        return Ok(Vec::new());
    }
    let mut out: Vec<[f32; 4]> = Vec::new();
    for edge in [Edge::Left, Edge::Right] {
        let joined = mirrored_strip(img, edge, s);
        let seam = s as f32;
        let near_seam: Vec<Detection> = candidates(&joined)?
            .into_iter()
            .filter(|d| (d.bbox[0] + d.bbox[2] / 2.0 - seam).abs() <= SEAM_TOLERANCE * d.bbox[2])
            .collect();
        for (_, b) in super::confirmed(&joined, near_seam, super::MIN_PRESENCE_SECOND_LOOK)? {
            let inside = in_photo(b, edge, s, w);
            if inside[2] > 0.0 {
                out.push(inside);
            }
        }
    }
    Ok(out)
}

/// The detector's candidates on a joined strip: its square tiles (side the strip's width, half
/// overlapping) down its height, or the strip whole where it is no taller than wide; only
/// tiles with detail along the seam ([`detail_along_the_seam`]).
fn candidates(joined: &RgbImage) -> Result<Vec<Detection>> {
    let (jw, jh) = joined.dimensions();
    if jw >= jh {
        if !detail_along_the_seam(joined, [0, 0, jw, jh]) {
            return Ok(Vec::new());
        }
        return detect::detect(joined);
    }
    let side = jw as f32 / jh as f32;
    detect::detect_tiled_where(
        joined,
        Tiling {
            side,
            overlap: side / 2.0,
        },
        |tile| detail_along_the_seam(joined, tile),
    )
}

/// Whether the band along the seam (the middle column of a joined strip) within `tile` spreads
/// at least [`SEAM_MIN_SPREAD`] levels of luma: a face cut by the edge has its middle there.
/// The band is read on the photo's side of the seam (the other is its mirror).
fn detail_along_the_seam(joined: &RgbImage, [_, y0, tw, th]: [u32; 4]) -> bool {
    let seam = joined.width() / 2;
    let band = ((tw as f32 * SEAM_BAND).round() as u32).clamp(1, seam.max(1));
    let mut l: Vec<f32> = (y0..y0 + th)
        .flat_map(|y| (seam..seam + band).map(move |x| (x, y)))
        .filter(|&(x, y)| x < joined.width() && y < joined.height())
        .map(|(x, y)| crate::colour::luma(joined.get_pixel(x, y).0) / 2.55)
        .collect();
    let lo = crate::stats::quantile(&mut l, 0.02);
    let hi = crate::stats::quantile(&mut l, 0.98);
    lo.zip(hi)
        .is_some_and(|(lo, hi)| hi - lo >= SEAM_MIN_SPREAD)
}

/// The `s` columns of `img` along `edge` joined with their mirror image across that edge:
/// `2s` wide, the seam (the photo's edge) at x = s. Left: the mirror, then the strip as it lies;
/// right: the strip, then its mirror.
fn mirrored_strip(img: &RgbImage, edge: Edge, s: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    RgbImage::from_fn(2 * s, h, |x, y| {
        let src = match edge {
            Edge::Left if x < s => s - 1 - x,
            Edge::Left => x - s,
            Edge::Right if x < s => w - s + x,
            Edge::Right => w - 1 - (x - s),
        };
        *img.get_pixel(src, y)
    })
}

/// The part of box `b` of a joined strip (seam at x = `s`) that lies in the photo (`w` wide),
/// in the photo's coordinates.
fn in_photo(b: [f32; 4], edge: Edge, s: u32, w: u32) -> [f32; 4] {
    let (x0, x1) = (b[0], b[0] + b[2]);
    let s = s as f32;
    let (a, z) = match edge {
        Edge::Left => ((x0 - s).max(0.0), (x1 - s).min(s)),
        Edge::Right => (w as f32 - s + x0.max(0.0), w as f32 - s + x1.min(s)),
    };
    [a, b[1], (z - a).max(0.0), b[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strip_is_mirrored_across_the_edge() {
        let img = RgbImage::from_fn(10, 3, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let left = mirrored_strip(&img, Edge::Left, 3);
        let xs: Vec<u8> = (0..6).map(|x| left.get_pixel(x, 1).0[0]).collect();
        assert_eq!(xs, [2, 1, 0, 0, 1, 2]);
        let right = mirrored_strip(&img, Edge::Right, 3);
        let xs: Vec<u8> = (0..6).map(|x| right.get_pixel(x, 2).0[0]).collect();
        assert_eq!(xs, [7, 8, 9, 9, 8, 7]);
        assert_eq!(right.get_pixel(4, 2).0[1], 2);
    }

    #[test]
    fn a_box_on_the_seam_maps_to_its_half_inside_the_photo() {
        // A 40-px box centred on the seam of 100-px strips of a 500-px-wide photo.
        let b = [80.0, 30.0, 40.0, 50.0];
        assert_eq!(in_photo(b, Edge::Left, 100, 500), [0.0, 30.0, 20.0, 50.0]);
        assert_eq!(
            in_photo(b, Edge::Right, 100, 500),
            [480.0, 30.0, 20.0, 50.0]
        );
    }

    /// Protects the gate that spares the ID photo's plain backdrop the detector: a flat band
    /// along the seam (a wall with a little grain) is skipped, a band with a face's middle in
    /// it (here a dark and a light stripe of eye and skin levels) is not, and only the band
    /// counts: detail away from the seam does not open the tile.
    #[test]
    fn only_tiles_with_detail_along_the_seam_are_worth_the_detector() {
        let wall = RgbImage::from_fn(200, 300, |x, y| {
            let v = 230 + ((x * 7 + y * 13) % 5) as u8;
            image::Rgb([v, v, v])
        });
        assert!(!detail_along_the_seam(&wall, [0, 0, 200, 200]));
        let mut far = wall.clone();
        for y in 40..80 {
            for x in 0..20 {
                far.put_pixel(x, y, image::Rgb([30, 20, 20]));
            }
        }
        assert!(!detail_along_the_seam(&far, [0, 0, 200, 200]));
        let mut face = wall.clone();
        for y in 60..90 {
            for x in 100..110 {
                face.put_pixel(x, y, image::Rgb([60, 40, 35]));
            }
        }
        assert!(detail_along_the_seam(&face, [0, 0, 200, 200]));
        // The same detail below the tile does not count for it.
        assert!(!detail_along_the_seam(&face, [0, 100, 200, 200]));
    }

    /// A face-free photo has no face cut by its edges: plain grey, and a smooth gradient whose
    /// mirror image is symmetric about the seam as any mirror is.
    #[test]
    fn a_photo_without_faces_has_none_cut_by_its_edges() {
        let grey = RgbImage::from_pixel(358, 441, image::Rgb([200, 200, 200]));
        assert!(cut_by_the_frame(&grey).unwrap().is_empty());
        let ramp = RgbImage::from_fn(358, 441, |x, y| {
            image::Rgb([(x / 2) as u8, (y / 2) as u8, 128])
        });
        assert!(cut_by_the_frame(&ramp).unwrap().is_empty());
    }
}
