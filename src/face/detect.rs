//! BlazeFace (short range) face boxes on the working copy, decoded as MediaPipe does
//! (`models/README.md`): letterbox into 128×128, 896 anchors, sigmoid scores, weighted
//! non-maximum suppression.

use crate::error::Result;
use crate::imageops::{resize_region, Quality};
use crate::nn;
use image::RgbImage;

/// Network input side.
const INPUT: u32 = 128;
/// MediaPipe's score threshold for a candidate.
const MIN_SCORE: f32 = 0.5;
/// MediaPipe's overlap threshold for merging candidates.
const NMS_IOU: f32 = 0.3;
/// How [`detect_tiled`] covers an image: square tiles of side `side`, neighbours overlapping
/// by at least `overlap`, both as fractions of the image's longer side. A face no wider than
/// the overlap lies whole inside some tile; the tiles are spread evenly, so the overlap is
/// never less and the number of network runs is the least that keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tiling {
    /// Tile side.
    pub side: f32,
    /// Least overlap of neighbouring tiles.
    pub overlap: f32,
}

/// Tiles of the pass for a photo without a face found. The short-range model finds faces down
/// to about an eighth of its input: on the whole image that is a face an eighth of the photo
/// wide, a phone photo taken from two or three metres misses it; on tiles a third of the side,
/// faces down to about 4 % of the photo are found, and a face up to half a tile lies whole
/// inside some tile. 24 network runs on a 4:3 photo, only where no face was found at all.
pub const SMALL_FACE_TILES: Tiling = Tiling {
    side: 1.0 / 3.0,
    overlap: 1.0 / 6.0,
};

/// Tiles of the pass for someone further back once a face is found. The whole-image pass finds
/// faces from about a tenth of the photo's side, so an overlap of 0.12 keeps every face it
/// misses whole inside a tile. A side of 0.45 makes a face 7.5 % of the photo's side a sixth of
/// the detector's input (21 of 128 px): 3 × 2 tiles on a 4:3 or 3:2 photo, 3 × 3 on a square
/// one (about 2.7 ms each). Tiles of 0.57 (2 × 2) made it an eighth, the detector's floor: on
/// a 358 × 441 ID photo, faces 32–35 px wide beside the head scored 0.6 or went unseen there
/// and 0.83–0.93 on tiles of 0.45 or less (`examples/verdicts.rs`, "second face"); a face with
/// a photo's full detail is found a little smaller ([`super::others_further_back`]).
pub const FURTHER_BACK_TILES: Tiling = Tiling {
    side: 0.45,
    overlap: 0.12,
};

/// One detection in pixels of the image it ran on.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// `[x, y, w, h]`.
    pub bbox: [f32; 4],
    /// Subject's right eye (image left), then left eye.
    pub eyes: [[f32; 2]; 2],
    /// Sigmoid score.
    pub score: f32,
}

fn anchors() -> Vec<[f32; 2]> {
    let mut a = Vec::with_capacity(896);
    for (grid, per_cell) in [(16u32, 2), (8, 6)] {
        for row in 0..grid {
            for col in 0..grid {
                for _ in 0..per_cell {
                    a.push([
                        (col as f32 + 0.5) / grid as f32,
                        (row as f32 + 0.5) / grid as f32,
                    ]);
                }
            }
        }
    }
    a
}

/// Face candidates in `image` (any size), best first.
pub fn detect(image: &RgbImage) -> Result<Vec<Detection>> {
    let (w, h) = image.dimensions();
    detect_in(image, [0, 0, w, h])
}

/// Face candidates in the region `[x, y, w, h]` of `image` (inside it), in pixels of `image`.
fn detect_in(image: &RgbImage, [x0, y0, w, h]: [u32; 4]) -> Result<Vec<Detection>> {
    if w == 0 || h == 0 {
        return Ok(Vec::new());
    }
    let side = w.max(h) as f32;
    let k = INPUT as f32 / side;
    let (nw, nh) = (
        ((w as f32 * k).round() as u32).clamp(1, INPUT),
        ((h as f32 * k).round() as u32).clamp(1, INPUT),
    );
    let small = resize_region(image, [x0, y0, w, h], nw, nh, Quality::Fast);
    let (ox, oy) = ((INPUT - nw) / 2, (INPUT - nh) / 2);
    let mut boxed = RgbImage::new(INPUT, INPUT);
    image::imageops::replace(&mut boxed, &small, i64::from(ox), i64::from(oy));
    let out = nn::face_detection()?.run(nn::nhwc_tensor(&boxed, 1.0 / 127.5, -1.0))?;
    let (Some(reg), Some(cls)) = (out.first(), out.get(1)) else {
        return Ok(Vec::new());
    };
    let (reg, cls) = (nn::floats(reg), nn::floats(cls));
    // Normalised letterbox coordinates → image pixels.
    let to_px = |x: f32, y: f32| {
        [
            (x * INPUT as f32 - ox as f32) / k + x0 as f32,
            (y * INPUT as f32 - oy as f32) / k + y0 as f32,
        ]
    };
    let mut cands = Vec::new();
    for (i, a) in anchors().iter().enumerate() {
        let (Some(&logit), Some(r)) = (cls.get(i), reg.get(i * 16..i * 16 + 16)) else {
            break;
        };
        let score = 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp());
        if score < MIN_SCORE {
            continue;
        }
        let n = INPUT as f32;
        let (cx, cy) = (r[0] / n + a[0], r[1] / n + a[1]);
        let (bw, bh) = (r[2] / n, r[3] / n);
        let p0 = to_px(cx - bw / 2.0, cy - bh / 2.0);
        let p1 = to_px(cx + bw / 2.0, cy + bh / 2.0);
        let eye = |kp: usize| to_px(r[4 + 2 * kp] / n + a[0], r[5 + 2 * kp] / n + a[1]);
        cands.push(Detection {
            bbox: [p0[0], p0[1], p1[0] - p0[0], p1[1] - p0[1]],
            eyes: [eye(0), eye(1)],
            score,
        });
    }
    Ok(weighted_nms(cands))
}

/// How much better the detector must score the photo turned than as it is to call it turned.
/// On the 22 shared photos and 6 other portraits the right way up scores 0.17 or more higher
/// than turned by 180°; turned upside down, the turned copy scores 0.22 or more higher; a photo
/// on its side scores within 0.06 either way between itself and its half turn (its face is
/// found the way it lies, or not at all).
const TURNED_MARGIN: f32 = 0.15;

/// A photo that lies on its side or upside down, set upright.
#[derive(Debug, Clone)]
pub struct Turned {
    /// Clockwise turn, 90, 180 or 270, that sets the photo upright.
    pub degrees: u16,
    /// The image turned by it.
    pub image: RgbImage,
    /// The candidates [`detect`] finds in the turned image.
    pub candidates: Vec<Detection>,
}

/// When `image` lies on its side or upside down, the turn that sets it upright with the
/// candidates found that way; `None` when it is upright. Given the candidates found in `image`
/// as it is, best first. A confident upright face (score ≥ 0.9, as on every shared portrait)
/// settles it without another run. Otherwise the photo is tried turned each way (three runs,
/// about 8 ms): the detector, trained on upright faces, scores a turned face higher turned
/// upright, clearly so ([`TURNED_MARGIN`]) except on its side, where it scores 0.79–0.88 as it
/// lies and 0.92–0.96 upright on the shared portraits; there the best candidate's eye
/// keypoints say which turn to trust without the margin (they are not always right: biden_1
/// turned clockwise is read as turned the other way, and turned right only scores higher).
/// Measured the way it lies, FaceMesh on the rotated crop put an eye up to 0.11 of the eye
/// distance off, against 0.01–0.06 upright; on its side the detector may also miss the face
/// outright.
pub fn turned_upright(image: &RgbImage, candidates: &[Detection]) -> Result<Option<Turned>> {
    let best = |d: &[Detection]| d.iter().map(|c| c.score).fold(0.0f32, f32::max);
    let upright = best(candidates);
    let lies = candidates.first().and_then(|c| {
        super::Orientation::of_roll(super::roll_deg(c.eyes[0], c.eyes[1])).clockwise_turn_deg()
    });
    if lies.is_none() && upright >= 0.9 {
        return Ok(None);
    }
    let mut found: Option<(f32, Turned)> = None;
    for degrees in [180, 90, 270] {
        // Turned the way the keypoints say, the photo must score as well as it does as it
        // lies; turned blind, clearly better.
        let margin = if lies == Some(degrees) {
            0.0
        } else {
            TURNED_MARGIN
        };
        let turned = crate::imageops::turned_clockwise(image, degrees);
        let candidates = detect(&turned)?;
        let score = best(&candidates);
        if score >= MIN_SCORE
            && score >= upright + margin
            && found.as_ref().is_none_or(|(s, _)| score > *s)
        {
            found = Some((
                score,
                Turned {
                    degrees,
                    image: turned,
                    candidates,
                },
            ));
        }
    }
    Ok(found.map(|(_, t)| t))
}

/// Face candidates too small for [`detect`] on the whole image: the same network on
/// overlapping square tiles ([`Tiling`]), merged by the same non-maximum suppression. Costs one
/// network run per tile (2–3 ms each).
pub fn detect_tiled(image: &RgbImage, tiling: Tiling) -> Result<Vec<Detection>> {
    detect_tiled_where(image, tiling, |_| true)
}

/// [`detect_tiled`] over the tiles `[x, y, w, h]` that `keep` lets through only.
pub fn detect_tiled_where(
    image: &RgbImage,
    tiling: Tiling,
    keep: impl Fn([u32; 4]) -> bool,
) -> Result<Vec<Detection>> {
    let (w, h) = image.dimensions();
    let long = w.max(h) as f32;
    let tile = ((long * tiling.side).round() as u32).max(INPUT);
    let min_overlap = (long * tiling.overlap).round() as u32;
    if w == 0 || h == 0 || (tile >= w && tile >= h) {
        return Ok(Vec::new());
    }
    let xs = starts(w, tile, min_overlap);
    let regions: Vec<[u32; 4]> = starts(h, tile, min_overlap)
        .into_iter()
        .flat_map(|y| {
            xs.iter()
                .map(move |&x| [x, y, tile.min(w - x), tile.min(h - y)])
        })
        .filter(|&region| keep(region))
        .collect();
    // The tiles are independent runs of the detector: a spare core takes some of them.
    let mut all = Vec::new();
    for found in crate::parallel::map(&regions, |&region| detect_in(image, region)) {
        all.extend(found?);
    }
    Ok(weighted_nms(all))
}

/// Start offsets of tiles of side `tile` along a side of `len`: the fewest tiles whose
/// neighbours overlap by at least `overlap`, spread evenly from 0 to flush with the end.
fn starts(len: u32, tile: u32, overlap: u32) -> Vec<u32> {
    if tile >= len {
        return vec![0];
    }
    let step = tile.saturating_sub(overlap).max(1);
    let gaps = (len - tile).div_ceil(step);
    (0..=gaps)
        .map(|i| ((u64::from(len - tile) * u64::from(i)) / u64::from(gaps)) as u32)
        .collect()
}

/// Area of the intersection of two `[x, y, w, h]` boxes.
fn overlap(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    ix.max(0.0) * iy.max(0.0)
}

/// Intersection over union of two `[x, y, w, h]` boxes.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let inter = overlap(a, b);
    if inter <= 0.0 {
        return 0.0;
    }
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

/// MediaPipe's weighted NMS: each cluster of overlapping candidates becomes their
/// score-weighted mean, carrying the best score.
fn weighted_nms(mut cands: Vec<Detection>) -> Vec<Detection> {
    cands.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = cands.first().cloned() {
        let (group, rest): (Vec<_>, Vec<_>) = cands
            .into_iter()
            .partition(|c| iou(&c.bbox, &best.bbox) > NMS_IOU);
        cands = rest;
        let total: f32 = group.iter().map(|c| c.score).sum();
        let mut merged = Detection {
            bbox: [0.0; 4],
            eyes: [[0.0; 2]; 2],
            score: best.score,
        };
        for c in &group {
            let wgt = c.score / total;
            for i in 0..4 {
                merged.bbox[i] += c.bbox[i] * wgt;
            }
            for e in 0..2 {
                for j in 0..2 {
                    merged.eyes[e][j] += c.eyes[e][j] * wgt;
                }
            }
        }
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_the_output_count() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], [0.5 / 16.0, 0.5 / 16.0]);
        assert_eq!(a[512], [0.5 / 8.0, 0.5 / 8.0]);
    }

    #[test]
    fn iou_of_disjoint_and_equal_boxes() {
        let a = [0.0, 0.0, 10.0, 10.0];
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &[20.0, 0.0, 5.0, 5.0]), 0.0);
        assert!((iou(&a, &[5.0, 0.0, 10.0, 10.0]) - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn tiles_keep_their_overlap_evenly_and_end_flush() {
        // Half-tile overlap: 667 px to cover in steps of at most 167.
        assert_eq!(starts(1000, 333, 166), vec![0, 166, 333, 500, 667]);
        // The further-back tiling of a 1024 × 768 working copy: two tiles each way.
        assert_eq!(starts(1024, 584, 123), vec![0, 440]);
        assert_eq!(starts(768, 584, 123), vec![0, 184]);
        assert_eq!(starts(300, 333, 100), vec![0]);
        assert_eq!(starts(333, 333, 100), vec![0]);
        for (len, tile, overlap) in [(1000, 333, 166), (1024, 584, 123), (977, 200, 50)] {
            let s = starts(len, tile, overlap);
            assert_eq!((s[0], *s.last().unwrap()), (0, len - tile));
            assert!(s.windows(2).all(|p| p[0] + tile >= p[1] + overlap), "{s:?}");
        }
    }

    #[test]
    fn blank_image_has_no_face_in_tiles_either() {
        let blank = RgbImage::from_pixel(900, 600, image::Rgb([128, 128, 128]));
        assert!(detect_tiled(&blank, SMALL_FACE_TILES).unwrap().is_empty());
    }

    #[test]
    fn blank_image_has_no_face() {
        assert!(
            detect(&RgbImage::from_pixel(300, 200, image::Rgb([128, 128, 128])))
                .unwrap()
                .is_empty()
        );
    }
}
