//! Face geometry: the face, both eyes, the eye line, the crown (hair included), the chin and the
//! face width, each with a confidence.
//!
//! Coordinates are pixels of the photo as given after EXIF orientation, x right, y down. "Left"
//! and "right" eye are the subject's own: the subject's right eye appears on the image's left.

use serde::Serialize;

/// A point in photo pixels.
pub type Point = [f32; 2];

/// How sure the analysis is of each measurement, 0 (guess) to 1 (certain).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Confidence {
    /// The face box.
    pub face: f32,
    /// The eye centres.
    pub eyes: f32,
    /// The crown.
    pub crown: f32,
    /// The chin.
    pub chin: f32,
    /// The face width.
    pub width: f32,
}

/// The geometry of one face.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Face {
    /// Detector box `[x, y, w, h]`.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// Centre of the subject's left eye (image right).
    pub left_eye: Point,
    /// Centre of the subject's right eye (image left).
    pub right_eye: Point,
    /// Highest point of the head including hair; `None` when the head is cut off at the top edge.
    pub crown: Option<Point>,
    /// Lowest point of the chin on the jaw contour.
    pub chin: Point,
    /// Face contour on the image's left side (smaller x), at the ear roots.
    pub face_left_x: f32,
    /// Face contour on the image's right side (larger x).
    pub face_right_x: f32,
    /// Height at which the face width was measured.
    pub face_width_y: f32,
    /// Eye-line tilt in degrees; positive when the subject's left eye (image right) is lower.
    pub roll_deg: f32,
    /// Confidence of each measurement.
    pub confidence: Confidence,
}

impl Face {
    /// Cheek-to-cheek width in photo pixels.
    pub fn width(&self) -> f32 {
        self.face_right_x - self.face_left_x
    }

    /// Midpoint of the eye centres.
    pub fn eye_mid(&self) -> Point {
        [
            (self.left_eye[0] + self.right_eye[0]) / 2.0,
            (self.left_eye[1] + self.right_eye[1]) / 2.0,
        ]
    }

    /// Distance between the eye centres.
    pub fn inter_eye(&self) -> f32 {
        let d = [
            self.left_eye[0] - self.right_eye[0],
            self.left_eye[1] - self.right_eye[1],
        ];
        (d[0] * d[0] + d[1] * d[1]).sqrt()
    }
}

/// What the face stage found in one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FaceAnalysis {
    /// How many faces were detected.
    pub faces_found: usize,
    /// The geometry of the face, when exactly one was found.
    pub face: Option<Face>,
    /// Boxes `[x, y, w, h]` of every detected face (the main one first).
    pub boxes: Vec<[f32; 4]>,
}
