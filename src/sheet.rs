//! The print sheet (`--sheet`): copies of the corrected photo at the document's true printed
//! size, in a centred grid on photo paper, with thin grey cut guides, written beside the
//! corrected photo as `<stem>.sheet.jpg` with the same atomic write and `--force` rule.
//!
//! Sizes are millimetres turned into pixels at [`DPI`] (300/25.4 px a millimetre): a copy is the
//! spec's `canvas.size_mm` rounded to whole pixels (the ID card's 26×32 mm is 307×378 px), the
//! paper likewise (6-inch, 102×152 mm, is 1205×1795 px); the margin and the gaps are rounded up,
//! so they are never below their millimetre minimum. Origin top-left, x right, y down.
//!
//! [`layout`] and [`compose`] are pure; [`jpeg`] encodes, [`write`] encodes and publishes.

use crate::correct::{encode, write as output, Paper, PrintSheet, SheetSkipped};
use crate::error::Result;
use crate::imageops::{self, Quality};
use crate::spec::Spec;
use image::{Rgb, RgbImage};
use std::path::{Path, PathBuf};

/// The sheet's resolution, recorded in the file (JFIF density): the resolution photo
/// minilabs and inkjet photo printers print at.
pub const DPI: u32 = 300;

/// Smallest gap between two copies, mm: room to cut each copy free without touching the next
/// (issue 25 asks at least 2 mm).
pub const GAP_MM: f64 = 2.0;

/// Paper left empty along every edge, mm: printers cannot print to the edge, and a
/// "borderless" print is enlarged and cropped by about that much, which would clip the copies.
pub const MARGIN_MM: f64 = 3.0;

/// JPEG quality of the sheet: a file for the printer, so no upload size limit presses it down.
pub const JPEG_QUALITY: u8 = 95;

/// The cut guides' colour: mid grey, visible on white paper without drawing the eye from the
/// photos.
pub const GUIDE: Rgb<u8> = Rgb([160, 160, 160]);

/// The paper.
const PAPER: Rgb<u8> = Rgb([255, 255, 255]);

/// `mm` in pixels at `dpi`, rounded to the nearest pixel.
pub fn px(mm: f64, dpi: u32) -> u32 {
    (mm / 25.4 * f64::from(dpi)).round() as u32
}

/// `mm` in pixels at `dpi`, rounded up: for a minimum distance.
fn px_at_least(mm: f64, dpi: u32) -> u32 {
    (mm / 25.4 * f64::from(dpi)).ceil() as u32
}

/// Where the copies go on one sheet, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// The sheet, width and height, the paper turned as [`Grid::landscape`] says.
    pub sheet: (u32, u32),
    /// Whether the paper lies on its long side.
    pub landscape: bool,
    /// One copy, width and height.
    pub copy: (u32, u32),
    /// Copies across.
    pub columns: u32,
    /// Copies down.
    pub rows: u32,
    /// Between neighbouring copies.
    pub gap: u32,
    /// The first copy's top-left corner (the grid is centred).
    pub origin: (u32, u32),
}

impl Grid {
    /// How many copies the sheet holds.
    pub fn copies(&self) -> u32 {
        self.columns * self.rows
    }

    /// Each copy's top-left corner, row by row.
    pub fn positions(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (step_x, step_y) = (self.copy.0 + self.gap, self.copy.1 + self.gap);
        (0..self.rows).flat_map(move |r| {
            (0..self.columns).map(move |c| (self.origin.0 + c * step_x, self.origin.1 + r * step_y))
        })
    }
}

/// The grid that holds the most copies of a `photo_mm` photo (width, height) on `paper_mm`
/// paper (width, height, either way round) at `dpi`: the paper upright or on its side, whichever
/// holds more (upright on a tie), at least [`MARGIN_MM`] from the edges and [`GAP_MM`]
/// between copies, centred. `None` when not one copy fits, or a size is not a positive number.
/// The ID card (26×32 mm) on 6-inch paper: 3 × 4 copies of 307×378 px on 1205×1795 px.
pub fn layout(paper_mm: [f64; 2], photo_mm: [f64; 2], dpi: u32) -> Option<Grid> {
    let sane = |mm: f64| mm.is_finite() && mm > 0.0;
    if !paper_mm.into_iter().chain(photo_mm).all(sane) || dpi == 0 {
        return None;
    }
    let copy = (px(photo_mm[0], dpi), px(photo_mm[1], dpi));
    if copy.0 == 0 || copy.1 == 0 {
        return None;
    }
    let (margin, gap) = (px_at_least(MARGIN_MM, dpi), px_at_least(GAP_MM, dpi));
    // How many copies of `size` fit along `len`, and where the first starts.
    let along = |len: u32, size: u32| {
        let usable = len.saturating_sub(2 * margin);
        let n = if usable < size {
            0
        } else {
            (usable + gap) / (size + gap)
        };
        let used = (n * (size + gap)).saturating_sub(gap);
        (n, len.saturating_sub(used) / 2)
    };
    let grid = |sheet: (u32, u32), landscape: bool| {
        let (columns, x) = along(sheet.0, copy.0);
        let (rows, y) = along(sheet.1, copy.1);
        Grid {
            sheet,
            landscape,
            copy,
            columns,
            rows,
            gap,
            origin: (x, y),
        }
    };
    let (short, long) = {
        let (a, b) = (px(paper_mm[0], dpi), px(paper_mm[1], dpi));
        (a.min(b), a.max(b))
    };
    let upright = grid((short, long), false);
    let lying = grid((long, short), true);
    let best = if lying.copies() > upright.copies() {
        lying
    } else {
        upright
    };
    (best.copies() > 0).then_some(best)
}

/// The grid for `spec`'s document on `paper` at [`DPI`], or why there is none.
pub fn plan(spec: &Spec, paper: Paper) -> std::result::Result<Grid, SheetSkipped> {
    let Some(photo_mm) = spec.body.canvas.size_mm else {
        return Err(SheetSkipped::NoPrintSize);
    };
    layout(paper.size_mm(), photo_mm, DPI).ok_or(SheetSkipped::LargerThanPaper)
}

/// The sheet: white paper, grey cut guides, and `photo` resampled (Lanczos-3) to the copy size
/// at every place of `grid`.
///
/// The guides are 1 px lines just outside each copy's edges, running across the whole sheet
/// through the gaps and margins: a straight cut along one frees a row or column of copies. They
/// never cross a copy, since every copy of a column shares its left and right edges and the
/// gaps keep the neighbours apart.
pub fn compose(photo: &RgbImage, grid: &Grid) -> RgbImage {
    let (w, h) = grid.sheet;
    let (cw, ch) = grid.copy;
    let mut sheet = RgbImage::from_pixel(w, h, PAPER);
    let copy = imageops::resize(photo, cw, ch, Quality::Best);
    for (x0, y0) in grid.positions() {
        for x in [x0.checked_sub(1), Some(x0 + cw)].into_iter().flatten() {
            if x < w {
                (0..h).for_each(|y| sheet.put_pixel(x, y, GUIDE));
            }
        }
        for y in [y0.checked_sub(1), Some(y0 + ch)].into_iter().flatten() {
            if y < h {
                (0..w).for_each(|x| sheet.put_pixel(x, y, GUIDE));
            }
        }
    }
    for (x0, y0) in grid.positions() {
        image::imageops::replace(&mut sheet, &copy, i64::from(x0), i64::from(y0));
    }
    sheet
}

/// Where the sheet of the corrected photo at `corrected` goes: beside it, `<stem>.sheet.jpg`
/// (`a/photo.dongguan.jpg` → `a/photo.dongguan.sheet.jpg`).
pub fn destination(corrected: &Path) -> PathBuf {
    let stem = corrected
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "photo".into());
    corrected.with_file_name(format!("{stem}.sheet.jpg"))
}

/// Composes the sheet of `photo` (the corrected canvas) on `grid`, encodes it with [`DPI`]
/// recorded, and writes it beside `corrected` ([`destination`]) as the corrected photo is
/// written: staged in its folder, then published, never over `input`, over an existing file
/// only with `force`.
pub fn write(
    photo: &RgbImage,
    grid: &Grid,
    paper: Paper,
    corrected: &Path,
    input: &Path,
    force: bool,
) -> Result<PrintSheet> {
    let path =
        output::stage(&destination(corrected), input, &jpeg(photo, grid)?, force)?.publish()?;
    Ok(report(path, grid, paper))
}

/// The sheet of `photo` (the corrected canvas) on `grid`, encoded as JPEG with [`DPI`] recorded.
pub fn jpeg(photo: &RgbImage, grid: &Grid) -> Result<Vec<u8>> {
    encode::jpeg(&compose(photo, grid), JPEG_QUALITY, Some(f64::from(DPI)))
}

/// What the report says of a sheet on `grid` and `paper` named `path`.
pub fn report(path: PathBuf, grid: &Grid, paper: Paper) -> PrintSheet {
    PrintSheet {
        path,
        size: paper,
        copies: grid.copies(),
        dpi: DPI,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in corrected photo: one flat colour no sheet pixel has otherwise.
    const INK: Rgb<u8> = Rgb([40, 90, 200]);

    fn id_card_photo() -> RgbImage {
        RgbImage::from_pixel(358, 441, INK)
    }

    /// The rectangles of photo pixels (neither paper nor guide) in `sheet`, found by flood
    /// fill, each as `(x, y, w, h, pixels)`.
    fn photo_rectangles(sheet: &RgbImage) -> Vec<(u32, u32, u32, u32, u64)> {
        let (w, h) = sheet.dimensions();
        let is_photo = |x: u32, y: u32| {
            let p = *sheet.get_pixel(x, y);
            p != PAPER && p != GUIDE
        };
        let mut seen = vec![false; (w * h) as usize];
        let mut found = Vec::new();
        for sy in 0..h {
            for sx in 0..w {
                if seen[(sy * w + sx) as usize] || !is_photo(sx, sy) {
                    continue;
                }
                let (mut x0, mut y0, mut x1, mut y1, mut n) = (sx, sy, sx, sy, 0u64);
                let mut stack = vec![(sx, sy)];
                seen[(sy * w + sx) as usize] = true;
                while let Some((x, y)) = stack.pop() {
                    n += 1;
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                    let next = [
                        (x.wrapping_sub(1), y),
                        (x + 1, y),
                        (x, y.wrapping_sub(1)),
                        (x, y + 1),
                    ];
                    for (nx, ny) in next {
                        if nx < w && ny < h && !seen[(ny * w + nx) as usize] && is_photo(nx, ny) {
                            seen[(ny * w + nx) as usize] = true;
                            stack.push((nx, ny));
                        }
                    }
                }
                found.push((x0, y0, x1 - x0 + 1, y1 - y0 + 1, n));
            }
        }
        found
    }

    /// The ID card (26×32 mm) on 6-inch paper (102×152 mm) at 300 dpi, worked by hand:
    /// copy 26/25.4×300 = 307.1 → 307, 32/25.4×300 = 378.0 → 378; paper 1204.7 → 1205,
    /// 1795.3 → 1795; margin 3 mm = 35.4 → 36, gap 2 mm = 23.6 → 24. Upright: (1205 − 72 + 24)
    /// / (307 + 24) = 3.5 → 3 across, (1795 − 72 + 24) / (378 + 24) = 4.3 → 4 down: 12. On its
    /// side: 5 across, 2 down: 10. So upright, 12.
    #[test]
    fn id_card_on_six_inch_paper_holds_twelve_upright() {
        let grid = plan(&crate::spec::dongguan_id_card(), Paper::Inch6).unwrap();
        assert_eq!(grid.sheet, (1205, 1795));
        assert!(!grid.landscape);
        assert_eq!(grid.copy, (307, 378));
        assert_eq!((grid.columns, grid.rows, grid.copies()), (3, 4, 12));
        // Centred: 3×307 + 2×24 = 969 wide, 4×378 + 3×24 = 1584 high.
        assert_eq!(grid.origin, ((1205 - 969) / 2, (1795 - 1584) / 2));
    }

    /// The driving licence (22×32 mm, 260×378 px) on 5-inch paper (89×127 mm, 1051×1500 px)
    /// holds 3 × 3 = 9 upright but 5 × 2 = 10 on its side: the paper is turned.
    #[test]
    fn the_paper_is_turned_when_that_holds_more() {
        let grid = layout(Paper::Inch5.size_mm(), [22.0, 32.0], 300).unwrap();
        assert!(grid.landscape);
        assert_eq!(grid.sheet, (1500, 1051));
        assert_eq!((grid.columns, grid.rows), (5, 2));
    }

    #[test]
    fn no_print_size_or_no_room_means_no_sheet() {
        let mut spec = crate::spec::dongguan_id_card();
        spec.body.canvas.size_mm = Some([150.0, 200.0]);
        assert_eq!(
            plan(&spec, Paper::Inch5),
            Err(SheetSkipped::LargerThanPaper)
        );
        assert_eq!(plan(&spec, Paper::A4).map(|g| g.copies()), Ok(1));
        spec.body.canvas.size_mm = None;
        assert_eq!(plan(&spec, Paper::A4), Err(SheetSkipped::NoPrintSize));
        assert_eq!(layout([102.0, 152.0], [f64::NAN, 32.0], 300), None);
        assert_eq!(layout([102.0, 152.0], [0.0, 32.0], 300), None);
    }

    /// The copies found in the composed sheet, by looking for them, are the grid's: as many,
    /// each a full 307×378 rectangle, at least the gap apart and inside the margin; guides run
    /// just outside their edges.
    #[test]
    fn composed_sheet_holds_the_copies_at_their_printed_size() {
        let grid = plan(&crate::spec::dongguan_id_card(), Paper::Inch6).unwrap();
        let sheet = compose(&id_card_photo(), &grid);
        assert_eq!(sheet.dimensions(), (1205, 1795));
        let found = photo_rectangles(&sheet);
        assert_eq!(found.len() as u32, grid.copies());
        for &(x, y, w, h, n) in &found {
            assert_eq!((w, h), (307, 378), "copy at {x},{y}");
            assert_eq!(n, 307 * 378, "copy at {x},{y} is a whole rectangle");
            // At least 3 mm (35.4 px) from every edge.
            assert!(x >= 36 && y >= 36 && x + w <= 1205 - 36 && y + h <= 1795 - 36);
            // Guides just outside the left and top edges, also out in the margin.
            assert_eq!(*sheet.get_pixel(x - 1, y + 100), GUIDE);
            assert_eq!(*sheet.get_pixel(x + 100, y - 1), GUIDE);
            assert_eq!(*sheet.get_pixel(x - 1, 5), GUIDE);
            assert_eq!(*sheet.get_pixel(x + w, 1790), GUIDE);
        }
        let mut xs: Vec<u32> = found.iter().map(|r| r.0).collect();
        let mut ys: Vec<u32> = found.iter().map(|r| r.1).collect();
        xs.sort();
        xs.dedup();
        ys.sort();
        ys.dedup();
        assert_eq!((xs.len(), ys.len()), (3, 4));
        // 2 mm is 23.6 px.
        assert!(xs.windows(2).all(|p| p[1] - p[0] - 307 >= 24), "{xs:?}");
        assert!(ys.windows(2).all(|p| p[1] - p[0] - 378 >= 24), "{ys:?}");
        // Centred: as much paper left of the grid as right of it.
        let right = 1205 - (xs[2] + 307);
        assert!(xs[0].abs_diff(right) <= 1, "{} vs {right}", xs[0]);
        // Between copies the paper stays white apart from the guides.
        assert_eq!(*sheet.get_pixel(xs[0] + 307 + 12, ys[0] + 100), PAPER);
    }

    #[test]
    fn written_sheet_has_its_size_dpi_and_name_and_is_never_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("photo.jpg");
        let corrected = dir.path().join("photo.dongguan.jpg");
        let grid = plan(&crate::spec::dongguan_id_card(), Paper::Inch6).unwrap();
        let photo = id_card_photo();
        let sheet = write(&photo, &grid, Paper::Inch6, &corrected, &input, false).unwrap();
        assert_eq!(sheet.path, dir.path().join("photo.dongguan.sheet.jpg"));
        assert_eq!(
            (sheet.size, sheet.copies, sheet.dpi),
            (Paper::Inch6, 12, 300)
        );
        let read = crate::decode::open(&sheet.path, &crate::decode::Limits::default()).unwrap();
        assert_eq!((read.info.width, read.info.height), (1205, 1795));
        assert_eq!(read.info.dpi.map(|d| (d.x, d.y)), Some((300.0, 300.0)));
        assert!(write(&photo, &grid, Paper::Inch6, &corrected, &input, false).is_err());
        assert!(write(&photo, &grid, Paper::Inch6, &corrected, &input, true).is_ok());
    }

    #[test]
    fn the_sheet_is_named_after_the_corrected_photo() {
        assert_eq!(
            destination(Path::new("a/photo.dongguan.passport.jpg")),
            PathBuf::from("a/photo.dongguan.passport.sheet.jpg")
        );
        assert_eq!(
            destination(Path::new("out.jpg")),
            PathBuf::from("out.sheet.jpg")
        );
    }
}
