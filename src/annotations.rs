//! Hand annotations of real photos (`shared/data/photos/annotations.csv`): the faces
//! `--faces-from` puts in place of detection, and the ground truth the accuracy harness
//! (`examples/common/harness.rs`) and the real-photo tests measure against, which include this
//! file.
//!
//! Format (documented in `shared/data/README.md`): one row per photo, pixel coordinates after EXIF
//! orientation, the subject's own left and right, empty cells for points that are not visible.

use idphoto::dev::face::{Confidence, Face, Point};
use std::path::Path;

/// How many faces a photo holds, as annotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceCount {
    /// Exactly this many.
    Exactly(usize),
    /// At least this many (`2+`).
    AtLeast(usize),
}

/// One annotated photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// File name in the photos folder.
    pub file: String,
    /// Faces a checker should find.
    pub faces: FaceCount,
    /// Subject's right eye (image left).
    pub right_eye: Option<Point>,
    /// Subject's left eye (image right).
    pub left_eye: Option<Point>,
    /// Highest point of the head with hair; `None` when above the top edge.
    pub crown: Option<Point>,
    /// Lowest point of the chin.
    pub chin: Option<Point>,
    /// Face contour, image left.
    pub face_x_min: Option<f32>,
    /// Face contour, image right.
    pub face_x_max: Option<f32>,
    /// Height of the face-width measurement.
    pub face_width_y: Option<f32>,
    /// Free text.
    pub notes: String,
}

impl Annotation {
    /// The annotated geometry as a [`Face`] (full confidence), for tests that need a known face;
    /// `None` for photos without one complete annotated face.
    pub fn to_face(&self) -> Option<Face> {
        let (right_eye, left_eye, chin) = (self.right_eye?, self.left_eye?, self.chin?);
        let (x0, x1) = (self.face_x_min?, self.face_x_max?);
        let top = self.crown.map_or(0.0, |c| c[1]);
        let roll = idphoto::dev::face::roll_deg(right_eye, left_eye);
        Some(Face {
            bbox: [x0, top, x1 - x0, chin[1] - top],
            left_eye,
            right_eye,
            crown: self.crown,
            chin,
            face_left_x: x0,
            face_right_x: x1,
            face_width_y: self.face_width_y.unwrap_or((left_eye[1] + chin[1]) / 2.0),
            // The annotations mark the cheeks, not the head's outline: the analysis measures it.
            head: None,
            roll_deg: roll,
            yaw_deg: None,
            eye_opening: None,
            mouth_opening: None,
            brow_skin: None,
            eye_outlines: Vec::new(),
            confidence: Confidence {
                face: 1.0,
                eyes: 1.0,
                crown: if self.crown.is_some() { 1.0 } else { 0.0 },
                chin: 1.0,
                width: 1.0,
            },
        })
    }
}

/// Parses an annotations CSV (`shared/data/README.md`'s columns, in any order; `notes` may be
/// left out, and a byte-order mark before the header, as spreadsheet programs write, is
/// ignored).
pub fn parse(text: &str) -> Result<Vec<Annotation>, String> {
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty annotations file")?
        .split(',')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            // Without a notes column, notes read from a column no row has: empty.
            .or((name == "notes").then_some(usize::MAX))
            .ok_or(format!("missing column {name}"))
    };
    let idx = [
        "file",
        "faces",
        "right_eye_x",
        "right_eye_y",
        "left_eye_x",
        "left_eye_y",
        "crown_x",
        "crown_y",
        "chin_x",
        "chin_y",
        "face_x_min",
        "face_x_max",
        "face_width_y",
        "notes",
    ]
    .map(col);
    let mut idx_ok = [0usize; 14];
    for (slot, r) in idx_ok.iter_mut().zip(idx) {
        *slot = r?;
    }
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells = split_csv(line);
        let cell = |i: usize| cells.get(idx_ok[i]).map(|s| s.trim()).unwrap_or("");
        let num = |i: usize| -> Result<Option<f32>, String> {
            let s = cell(i);
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("line {}: bad number {s:?}", n + 2))
            }
        };
        let point = |i: usize| -> Result<Option<Point>, String> {
            Ok(num(i)?.zip(num(i + 1)?).map(|(x, y)| [x, y]))
        };
        let faces = match cell(1) {
            s if s.ends_with('+') => FaceCount::AtLeast(
                s.trim_end_matches('+')
                    .parse()
                    .map_err(|_| format!("line {}: bad faces", n + 2))?,
            ),
            s => FaceCount::Exactly(
                s.parse()
                    .map_err(|_| format!("line {}: bad faces {s:?}", n + 2))?,
            ),
        };
        out.push(Annotation {
            file: cell(0).to_string(),
            faces,
            right_eye: point(2)?,
            left_eye: point(4)?,
            crown: point(6)?,
            chin: point(8)?,
            face_x_min: num(10)?,
            face_x_max: num(11)?,
            face_width_y: num(12)?,
            notes: cell(13).to_string(),
        });
    }
    Ok(out)
}

/// Reads and parses an annotations file.
pub fn load(path: &Path) -> Result<Vec<Annotation>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Splits one CSV line, honouring double quotes (the notes column may contain commas).
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            _ => cells.last_mut().map(|s| s.push(c)).unwrap_or(()),
        }
    }
    cells
}
