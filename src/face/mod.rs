//! Face geometry: the face, both eyes, the eye line, the crown (hair included), the chin, the
//! face width and the head turn, each with a confidence.
//!
//! Coordinates are pixels of the photo as given after EXIF orientation, x right, y down. "Left"
//! and "right" eye are the subject's own: the subject's right eye appears on the image's left.
//!
//! Method (chosen by measured accuracy on the 22 shared photos, `examples/accuracy.rs`):
//! 1. BlazeFace short range on the working copy gives candidates; each is confirmed by the
//!    FaceMesh face-presence score on its crop (the dog photo's 0.60 BlazeFace box is rejected
//!    there), so the face count is right on 22/22 photos (0 dogs, 2 and 2 for the pairs) and
//!    on 193 of 194 photos without a person (the miss: a coin-operated binocular viewer). When
//!    none is confirmed, BlazeFace runs again on overlapping tiles a third of the long side:
//!    the whole-image pass misses faces under about 8 % of the photo (a phone photo from a few
//!    metres), the tiles find them down to about 4 %; their candidates need presence ≥ 0.99.
//!    When one is confirmed, four tiles look for someone further back or a face beside the
//!    head (`others_further_back`), and each side edge joined with its mirror image shows a
//!    face the frame cuts in half whole (`cut.rs`).
//!    A photo upside down or on its side (no EXIF orientation) whose face the detector does
//!    not find confidently is measured turned the right way up and its geometry turned back
//!    (`detect::turned_upright`); where it does find one on its side, the detector's eye
//!    keypoints already turn FaceMesh's crop upright.
//! 2. FaceMesh runs twice: on the detector's rotated 1.5× box, then on the box of the first
//!    pass's landmarks, rotated so the outer eye corners are level (MediaPipe's tracking ROI).
//! 3. Eyes: MediaPipe's iris landmark model on a crop around each FaceMesh eye (`iris.rs`); how
//!    clearly the iris shows in the opening is the eye confidence. The model finds irises half
//!    hidden by the upper lid and light irises under dark make-up, which a search for the
//!    darkest iris-sized disc loses. The same model's eye contour gives how open each eye is
//!    ([`Face::eye_opening`]); FaceMesh's own lid points read a closed eye as open. A pupil lit red by a flash pulls the model off the
//!    iris; where the pupil it found is red, it looks again with the red turned grey.
//!    The eye contours with their iris discs are kept ([`Face::eye_outlines`]): the eye whites
//!    inside them are the photo's neutral reference for the light (`sclera.rs`).
//!    Each pupil then moves a quarter of the way towards where the other eye's says the gaze
//!    is (`GAZE_POOLING`): the model reads each eye on its own and errs in each on its own.
//! 4. Chin: FaceMesh 152, taken a little further from the eyes (`CHIN_BELOW_MESH`: the mesh
//!    point sits up the chin's curve); width: cheek points 234/454, 1 % apart further
//!    (`WIDTH_BEYOND_MESH`); lips apart: the inner lip contour ([`Face::mouth_opening`]); head
//!    turn (yaw): FaceMesh's depth of those two cheek points (a rigid fit of the whole mesh would need MediaPipe's canonical
//!    face model in the binary; the two points agree with the outer eye corners within 0.5°).
//! 5. Crown: the selfie-segmentation person mask (the pipeline's one mask, see
//!    [`Look::analyse`]), scanned up from the forehead in the middle half of the face; `None`
//!    when the head runs into the top edge or within the mask's top row of it.
//!
//! How accurate and how fast the stage is, with the commands that measure it:
//! `docs/accuracy.md` and `docs/performance.md`.

mod cut;
mod detect;
mod iris;
mod mesh;
mod refine;
mod sclera;

pub use detect::iou;
pub use sclera::{eye_whites, EyeOutline, EyeWhites};

use crate::error::Result;
use crate::imageops::Scaled;
use crate::segment::PersonMask;
use image::RgbImage;
use mesh::{idx, Roi};
use serde::Serialize;

/// FaceMesh's region is the face box enlarged this much (MediaPipe's `scale_x/scale_y`).
const ROI_SCALE: f32 = 1.5;
/// Smallest FaceMesh face-presence probability that confirms a detector candidate. MediaPipe
/// treats < 0.5 as no face, which let a frog's eye through (0.61, one of 194 photos without a
/// person); every real face of 900 portraits (the shared, deepface, HELEN, CelebAMask-HQ and
/// CNN_FacePoint photos) scores above 0.94, and faces blurred by 4 % of their eye distance
/// about 0.80 (`examples/robustness.rs`).
const MIN_PRESENCE: f32 = 0.7;

/// The same for candidates from the passes that look again where the whole photo as it is gave
/// no confident face: on tiles, the detector sees many small face-like textures (on the dog
/// photo one reaches 0.64); turned three ways, a frog's eye on its side passed 0.94. Every
/// real face of the shared photos, padded down to 4 % of the frame, scores above 0.999
/// (logits +20 to +30), and so does each shared portrait turned on its side or upside down.
const MIN_PRESENCE_SECOND_LOOK: f32 = 0.99;

pub use crate::imageops::Point;

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

/// Where the head's outline is widest (photo pixels).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HeadSpan {
    /// The outline's left edge.
    pub left_x: f32,
    /// The outline's right edge.
    pub right_x: f32,
    /// The height it was measured at.
    pub y: f32,
}

impl HeadSpan {
    /// Left to right.
    pub fn width(&self) -> f32 {
        self.right_x - self.left_x
    }

    /// The span with its two ends moved by `m` (a turn, a crop), left end first again.
    pub fn mapped(&self, m: impl Fn(Point) -> Point) -> HeadSpan {
        let (a, b) = (m([self.left_x, self.y]), m([self.right_x, self.y]));
        HeadSpan {
            left_x: a[0].min(b[0]),
            right_x: a[0].max(b[0]),
            y: (a[1] + b[1]) / 2.0,
        }
    }
}

/// The geometry of one face.
#[derive(Debug, Clone, PartialEq, Serialize)]
// Unit tests lay out faces by hand; a face of zeros means nothing outside them.
#[cfg_attr(test, derive(Default))]
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
    /// The head's whole width, hair included, where its outline is widest between the crown
    /// and the eye line; `None` where nothing measured it or the head runs into the photo's
    /// side.
    pub head: Option<HeadSpan>,
    /// Eye-line tilt in degrees; positive when the subject's left eye (image right) is lower.
    pub roll_deg: f32,
    /// Head turn away from the camera in degrees; positive when the subject turns towards
    /// their own left (the nose points to the image's right). `None` where nothing measured it
    /// (a face taken from annotations).
    pub yaw_deg: Option<f32>,
    /// How open each eye is: the lid gap over the corner-to-corner width (the eye aspect
    /// ratio), about 0.3 for an eye open as in a portrait, under 0.1 for a closed one; a ratio
    /// of lengths, the same in photo and canvas pixels. `None` where nothing measured it (a face
    /// taken from annotations, an eye the iris model could not frame).
    pub eye_opening: Option<Sides>,
    /// How far the lips are apart: the gap between the inner lip edges over the width of the
    /// mouth opening, under 0.05 with the lips together, 0.16 and more for a smile showing the
    /// teeth; `None` where nothing measured it.
    pub mouth_opening: Option<f32>,
    /// How much of a band just above each eyebrow is skin, 0–1: about 1 with the forehead
    /// clear, 0 when a fringe (or a hat) comes down over the brows. `None` where nothing
    /// measured it.
    pub brow_skin: Option<Sides>,
    /// The open part of each eye found with its iris (lid contour and iris disc), the eye
    /// whites' place ([`eye_whites`]); empty where nothing measured it.
    #[serde(skip)]
    pub eye_outlines: Vec<EyeOutline>,
    /// Confidence of each measurement.
    pub confidence: Confidence,
}

impl Face {
    /// Cheek-to-cheek width in photo pixels.
    pub fn width(&self) -> f32 {
        self.face_right_x - self.face_left_x
    }

    /// Where the cheek-to-cheek width was measured: its left and right ends.
    pub fn cheek_ends(&self) -> [Point; 2] {
        [
            [self.face_left_x, self.face_width_y],
            [self.face_right_x, self.face_width_y],
        ]
    }

    /// Midpoint of the eye centres.
    pub fn eye_mid(&self) -> Point {
        [
            (self.left_eye[0] + self.right_eye[0]) / 2.0,
            (self.left_eye[1] + self.right_eye[1]) / 2.0,
        ]
    }

    /// Which way the photo lies, read from the eye line.
    pub fn orientation(&self) -> Orientation {
        Orientation::of_roll(self.roll_deg)
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

/// A measure taken on each side of the face, the subject's own right (image left) and left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sides {
    /// The subject's right side (image left).
    pub right: f32,
    /// The subject's left side (image right).
    pub left: f32,
}

impl Sides {
    /// The smaller of the two: one closed eye is a closed-eye photo, one covered eyebrow a
    /// covered-eyebrow photo.
    pub fn smaller(&self) -> f32 {
        self.right.min(self.left)
    }
}

/// An eye line steeper than this many degrees is a photo on its side, not a tilted head: no one
/// holds their head like that, the photo was saved without its EXIF orientation.
const SIDEWAYS_DEG: f32 = 45.0;
/// An eye line turned further than this is a photo upside down.
const UPSIDE_DOWN_DEG: f32 = 135.0;

/// Which way a photo lies, judged by its face ([`Face::orientation`]). Everything that measures
/// the head against the photo's edges needs `Upright`; the rest says how to turn the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// The right way up; the head may be tilted by up to 45°.
    Upright,
    /// On its side with the top of the head to the image's right (roll beyond +45°): turn the
    /// photo 90° counter-clockwise.
    TopRight,
    /// On its side with the top of the head to the image's left: turn it 90° clockwise.
    TopLeft,
    /// Upside down (roll beyond ±135°): turn it 180°.
    UpsideDown,
}

impl Orientation {
    /// The way a photo lies whose eye line has this roll ([`roll_deg`]).
    pub fn of_roll(roll_deg: f32) -> Orientation {
        if roll_deg.abs() > UPSIDE_DOWN_DEG {
            Orientation::UpsideDown
        } else if roll_deg > SIDEWAYS_DEG {
            Orientation::TopRight
        } else if roll_deg < -SIDEWAYS_DEG {
            Orientation::TopLeft
        } else {
            Orientation::Upright
        }
    }

    /// Clockwise turn, in degrees (90, 180 or 270), that sets a photo lying this way upright;
    /// `None` when it is upright.
    pub fn clockwise_turn_deg(self) -> Option<u16> {
        match self {
            Orientation::Upright => None,
            Orientation::TopLeft => Some(90),
            Orientation::UpsideDown => Some(180),
            Orientation::TopRight => Some(270),
        }
    }
}

/// Tilt of the eye line from the subject's right eye to their left, in degrees; positive when
/// the left eye (image right) is lower. The one definition behind `Face::roll_deg`, whether the
/// eyes were measured, annotated, turned back from an upside-down photo or mapped onto a canvas.
pub fn roll_deg(right_eye: Point, left_eye: Point) -> f32 {
    (left_eye[1] - right_eye[1])
        .atan2(left_eye[0] - right_eye[0])
        .to_degrees()
}

/// What the face stage found in one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FaceAnalysis {
    /// How many faces were detected.
    pub faces_found: usize,
    /// The geometry of the main (largest) face, when any was found.
    pub face: Option<Face>,
    /// Boxes `[x, y, w, h]` of every detected face (the main one first).
    pub boxes: Vec<[f32; 4]>,
}

impl FaceAnalysis {
    /// The analysis of a photo whose one face is already known (annotations, a face mapped onto
    /// the corrected photo's canvas), standing in for detection.
    pub fn single(face: Face) -> Self {
        FaceAnalysis {
            faces_found: 1,
            boxes: vec![face.bbox],
            face: Some(face),
        }
    }

    /// The analysis of a photo of `size` (w, h) turned clockwise by `degrees` (90, 180 or 270),
    /// in the coordinates of the photo before the turn. The cheek contour turns as its two
    /// points; on a photo on its side they then lie one above the other, as they do when the
    /// face is measured the way it lies.
    pub fn turned_back(self, degrees: u16, size: (u32, u32)) -> Self {
        let (w, h) = (size.0 as f32, size.1 as f32);
        let p = |q: Point| match degrees {
            90 => [q[1], h - q[0]],
            180 => [w - q[0], h - q[1]],
            _ => [w - q[1], q[0]],
        };
        let b = |r: [f32; 4]| {
            let (a, c) = (p([r[0], r[1]]), p([r[0] + r[2], r[1] + r[3]]));
            let (x0, y0) = (a[0].min(c[0]), a[1].min(c[1]));
            [x0, y0, a[0].max(c[0]) - x0, a[1].max(c[1]) - y0]
        };
        FaceAnalysis {
            faces_found: self.faces_found,
            boxes: self.boxes.into_iter().map(b).collect(),
            face: self.face.map(|f| {
                let (left_eye, right_eye) = (p(f.left_eye), p(f.right_eye));
                let cheeks = [
                    p([f.face_left_x, f.face_width_y]),
                    p([f.face_right_x, f.face_width_y]),
                ];
                Face {
                    bbox: b(f.bbox),
                    left_eye,
                    right_eye,
                    crown: f.crown.map(p),
                    chin: p(f.chin),
                    face_left_x: cheeks[0][0].min(cheeks[1][0]),
                    face_right_x: cheeks[0][0].max(cheeks[1][0]),
                    face_width_y: (cheeks[0][1] + cheeks[1][1]) / 2.0,
                    head: f.head.map(|h| h.mapped(p)),
                    roll_deg: roll_deg(right_eye, left_eye),
                    eye_outlines: f.eye_outlines.iter().map(|e| e.mapped(p, 1.0)).collect(),
                    ..f
                }
            }),
        }
    }
}

/// What the face stage measured in one photo: the faces as the photo lies and, when it was
/// measured turned the right way up, the same measurement in the turned photo's coordinates
/// (the corrected photo of a photo on its side is cut from that).
#[derive(Debug, Clone)]
pub struct Measured {
    /// The faces in the photo's own coordinates.
    pub analysis: FaceAnalysis,
    /// The faces measured upright, when they were.
    pub upright: Option<Upright>,
}

/// Faces measured in the photo turned the right way up.
#[derive(Debug, Clone)]
pub struct Upright {
    /// The clockwise turn (90, 180 or 270 degrees) that sets the photo upright.
    pub degrees: u16,
    /// The faces in the turned photo's coordinates.
    pub analysis: FaceAnalysis,
}

/// What the whole-image detector sees in a working copy: its candidates and, when the photo
/// lies on its side or upside down, the turn that sets it upright with the candidates there.
/// Taken once, it serves every measurement of the copy (the person mask changes only the crown
/// and the search for someone further back).
///
/// The selfie network behind the mask knows upright people only, so the caller makes the mask
/// on the copy turned the way [`Look::turn`] says (the turned copy is at hand in
/// [`Look::turned_copy`]) and turns it back.
pub struct Look {
    candidates: Vec<detect::Detection>,
    turned: Option<detect::Turned>,
}

impl Look {
    /// Runs the detector on `working` (and on it turned, where the photo seems to lie turned).
    pub fn at(working: &Scaled) -> Result<Look> {
        let candidates = detect::detect(&working.image)?;
        let turned = detect::turned_upright(&working.image, &candidates)?;
        Ok(Look { candidates, turned })
    }

    /// The clockwise turn that sets the photo upright, when the detector saw it turned.
    pub fn turn(&self) -> Option<u16> {
        self.turned.as_ref().map(|t| t.degrees)
    }

    /// The working copy turned clockwise by `degrees`, when the detector made that copy.
    pub fn turned_copy(&self, degrees: u16) -> Option<&RgbImage> {
        self.turned
            .as_ref()
            .filter(|t| t.degrees == degrees)
            .map(|t| &t.image)
    }

    /// Finds the faces: confirms the detector's candidates with FaceMesh and searches for
    /// people further back and faces cut by the frame. Needs no person mask, so it can run
    /// beside segmentation; [`Look::measure`] then measures them with the mask.
    ///
    /// `working` is the photo's working-resolution copy (detection and landmarks run there).
    pub fn find(&self, working: &Scaled) -> Result<Found> {
        self.find_whole(working)?.with_cut(self, working, None)
    }

    /// The search for faces cut by the frame ([`Look::find`]'s last step) made ahead, on the
    /// copy it will most likely search (turned upright where the detector saw the photo
    /// turned): it needs neither the person mask nor the faces found whole, so it can run
    /// beside the rest of the search. [`Whole::with_cut`] takes it where it searched the
    /// right copy, and searches again where not.
    pub fn cut_ahead(&self, working: &Scaled) -> CutAhead {
        let (turn, img) = match &self.turned {
            Some(t) => (Some(t.degrees), &t.image),
            None => (None, &working.image),
        };
        CutAhead {
            turn,
            cut: cut::cut_by_the_frame(img),
        }
    }

    /// [`Look::find`] without its last step, the search for faces cut by the frame
    /// ([`Whole::with_cut`]).
    pub fn find_whole(&self, working: &Scaled) -> Result<Whole> {
        let img = &working.image;
        if let Some(turned) = &self.turned {
            // FaceMesh fed an upside-down face answers with confident nonsense (a chin above
            // the eyes), and the detector often misses a face on its side: measure the photo
            // turned the right way up, then turn the geometry back. A second look, held to its
            // stricter presence; where it confirms nothing, the photo is measured as it lies.
            let found = confirmed(
                &turned.image,
                turned.candidates.clone(),
                MIN_PRESENCE_SECOND_LOOK,
            )?;
            if !found.is_empty() {
                return Ok(Whole {
                    upright_turn: Some(turned.degrees),
                    faces: with_others(&turned.image, found)?,
                    search_cut: true,
                });
            }
        }
        let found = confirmed(img, self.candidates.clone(), MIN_PRESENCE)?;
        if found.is_empty() {
            // A face too small for the whole-image pass (a photo taken from a few metres).
            let small = confirmed(
                img,
                detect::detect_tiled(img, detect::SMALL_FACE_TILES)?,
                MIN_PRESENCE_SECOND_LOOK,
            )?;
            return Ok(Whole {
                upright_turn: None,
                faces: small,
                search_cut: false,
            });
        }
        Ok(Whole {
            upright_turn: None,
            faces: with_others(img, found)?,
            search_cut: true,
        })
    }

    /// Measures the faces [`Look::find`] found in the same `working` copy, the main one with
    /// `mask` (made for the copy as it lies; without it the crown is unknown: `None` with
    /// confidence 0). `photo` is the full-resolution image the pupils and coordinates refer to.
    pub fn measure(
        &self,
        found: &Found,
        working: &Scaled,
        photo: &RgbImage,
        mask: Option<&PersonMask>,
    ) -> Result<Measured> {
        let (faces, cut) = (found.faces.clone(), found.cut.clone());
        let turned = found
            .upright_turn
            .and_then(|d| self.turned.as_ref().filter(|t| t.degrees == d));
        let Some(turned) = turned else {
            return Ok(Measured {
                analysis: measured(working, photo, mask, faces, cut)?,
                upright: None,
            });
        };
        let degrees = turned.degrees;
        let working = Scaled {
            image: turned.image.clone(),
            scale: working.scale,
        };
        let mask = mask.map(|m| m.turned(degrees));
        let photo_turned = turned_around_faces(photo, degrees, &faces, working.scale);
        let upright = measured(&working, &photo_turned, mask.as_ref(), faces, cut)?;
        Ok(Measured {
            analysis: upright.clone().turned_back(degrees, photo.dimensions()),
            upright: Some(Upright {
                degrees,
                analysis: upright,
            }),
        })
    }

    /// [`Look::find`] then [`Look::measure`].
    pub fn analyse(
        &self,
        working: &Scaled,
        photo: &RgbImage,
        mask: Option<&PersonMask>,
    ) -> Result<Measured> {
        self.measure(&self.find(working)?, working, photo, mask)
    }
}

/// The faces a [`Look`] found whole in a working copy, before the search for faces cut by the
/// frame.
#[derive(Debug, Clone)]
pub struct Whole {
    /// As [`Found`]'s.
    upright_turn: Option<u16>,
    /// As [`Found`]'s.
    faces: Vec<(mesh::Mesh, [f32; 4])>,
    /// Whether faces cut by the frame are searched for: not where the only faces are ones too
    /// small for the whole-image pass.
    search_cut: bool,
}

impl Whole {
    /// The faces found, with those cut by the frame: from the search made `ahead` where it
    /// searched the same copy, else searched now.
    pub fn with_cut(self, look: &Look, working: &Scaled, ahead: Option<CutAhead>) -> Result<Found> {
        let Whole {
            upright_turn,
            faces,
            search_cut,
        } = self;
        let mut cut = Vec::new();
        if search_cut {
            let img = match upright_turn.and_then(|d| look.turned_copy(d)) {
                Some(turned) => turned,
                None => &working.image,
            };
            let all = match ahead {
                Some(a) if a.turn == upright_turn => a.cut?,
                _ => cut::cut_by_the_frame(img)?,
            };
            let boxes: Vec<[f32; 4]> = faces.iter().map(|(_, b)| *b).collect();
            cut = cut::not_found(all, &boxes);
        }
        Ok(Found {
            upright_turn,
            faces,
            cut,
        })
    }
}

/// The search for faces cut by the frame, made ahead ([`Look::cut_ahead`]).
#[derive(Debug)]
pub struct CutAhead {
    /// The clockwise turn of the copy searched.
    turn: Option<u16>,
    /// Every face the side edges cut, found whole or not.
    cut: Result<Vec<[f32; 4]>>,
}

/// The faces a [`Look`] found in a working copy, not yet measured.
#[derive(Debug, Clone)]
pub struct Found {
    /// The clockwise turn of the copy they were found in, when the photo was looked at turned
    /// the right way up.
    upright_turn: Option<u16>,
    /// Each face's FaceMesh landmarks and its box, in the copy they were found in.
    faces: Vec<(mesh::Mesh, [f32; 4])>,
    /// Boxes of faces cut by the frame's edge.
    cut: Vec<[f32; 4]>,
}

/// The photo turned clockwise by `degrees`, filled in only around the faces `found` (boxes in
/// the turned working copy at `scale` working pixels per photo pixel): their bounding box and
/// a quarter of its size more on every side, beyond the eyes, brows and cheeks the measurement
/// reads, which lie inside the detector's box ([`crate::imageops::turned_clockwise_within`]).
/// Turning all of a 12 MP photo took longer than measuring the face in it.
fn turned_around_faces(
    photo: &RgbImage,
    degrees: u16,
    found: &[(mesh::Mesh, [f32; 4])],
    scale: f32,
) -> RgbImage {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (_, [x, y, w, h]) in found {
        (x0, y0) = (x0.min(*x), y0.min(*y));
        (x1, y1) = (x1.max(x + w), y1.max(y + h));
    }
    let grow = 0.25 * (x1 - x0).max(y1 - y0);
    let keep = [x0 - grow, y0 - grow, x1 + grow, y1 + grow].map(|v| (v / scale).max(0.0));
    crate::imageops::turned_clockwise_within(
        photo,
        degrees,
        [
            keep[0] as u32,
            keep[1] as u32,
            (keep[2] - keep[0]).ceil() as u32,
            (keep[3] - keep[1]).ceil() as u32,
        ],
    )
}

/// The analysis of a photo the right way up (or on its side with a face the detector found as
/// it lies, whose eye keypoints turn FaceMesh's crop upright), given its confirmed faces: the
/// biggest is measured. The boxes of faces `cut` in half by the frame count and come last: half
/// a face is never the one measured.
fn measured(
    working: &Scaled,
    photo: &RgbImage,
    mask: Option<&PersonMask>,
    mut found: Vec<(mesh::Mesh, [f32; 4])>,
    cut: Vec<[f32; 4]>,
) -> Result<FaceAnalysis> {
    // Biggest face first.
    found.sort_by(|a, b| (b.1[2] * b.1[3]).total_cmp(&(a.1[2] * a.1[3])));
    let boxes: Vec<[f32; 4]> = found
        .iter()
        .map(|(_, b)| *b)
        .chain(cut)
        .map(|b| b.map(|v| v / working.scale))
        .collect();
    let faces_found = boxes.len();
    let face = match found.first() {
        Some((first, _)) => measure(working, photo, first, mask)?,
        None => None,
    };
    Ok(FaceAnalysis {
        faces_found,
        face,
        boxes,
    })
}

/// The faces `found` by the whole-image pass and those of people further back
/// ([`others_further_back`]).
fn with_others(
    img: &RgbImage,
    mut found: Vec<(mesh::Mesh, [f32; 4])>,
) -> Result<Vec<(mesh::Mesh, [f32; 4])>> {
    let others = others_further_back(img, &found)?;
    found.extend(others);
    Ok(found)
}

/// Faces of people further back than the ones `found`, too small for the whole-image pass
/// (about 10 % of the photo's side and less): the tiled pass ([`detect::FURTHER_BACK_TILES`],
/// six network runs on a 4:3 photo). The person mask does not help here: the selfie network
/// outlines the one person in front and leaves a small second person as background, or takes a
/// face on a plain wall beside the head for part of the person. A candidate counts unless it is
/// part of a found face ([`part_of`]: tiles cut through the main face and see parts of it as
/// faces).
///
/// The pass once ran only over tiles touching a busy background cell, and dropped candidates
/// centred within the found faces' boxes grown by half. On photos framed like an ID photo (the
/// face half the width) that missed every second face beside the head: a clean shared
/// portrait's face pasted beside the head, in a top corner, 14 % to 28 % of the photo wide, was
/// found on 59 of 195 copies (`examples/verdicts.rs`); a face on a plain wall leaves no busy
/// cell. Faces cut in half by the frame's edge are not found here (the detector needs both
/// eyes) but by [`cut::cut_by_the_frame`].
///
/// A portrait with a smaller person pasted in a corner: the whole-image pass finds the second
/// face down to about 10 % of the photo's width, with this pass to about 6 % (obama_1 pasted
/// into zuckerberg_1 in three corners and beside the head: found at all four places with his
/// face 5.9 % of the width, at none with 5.3 %, on the earlier tiles of 0.57). Run over every tile of the 608 portraits of
/// the HELEN, CelebAMask-HQ and CNN_FacePoint sets, the 22 shared photos and 194 photos
/// without a person it added one face, a real one: a man half out of the frame behind a woman,
/// whom that set's one-person selection had missed.
fn others_further_back(
    img: &RgbImage,
    found: &[(mesh::Mesh, [f32; 4])],
) -> Result<Vec<(mesh::Mesh, [f32; 4])>> {
    let candidates = detect::detect_tiled(img, detect::FURTHER_BACK_TILES)?
        .into_iter()
        .filter(|d| !found.iter().any(|f| part_of(&d.bbox, &f.1)))
        .collect();
    confirmed(img, candidates, MIN_PRESENCE_SECOND_LOOK)
}

/// The detector's candidates that FaceMesh confirms as faces (presence ≥ `min_presence` on the
/// candidate's rotated region), each with its box. Overlapping candidates count once, and so
/// does a candidate centred inside a face already confirmed: a second box round part of the
/// same face (pichai_2 on its side gave one a quarter the area of the first, inside it, both
/// confirmed). Two people's faces do not share a centre's worth of box.
fn confirmed(
    img: &RgbImage,
    dets: Vec<detect::Detection>,
    min_presence: f32,
) -> Result<Vec<(mesh::Mesh, [f32; 4])>> {
    let mut found: Vec<(mesh::Mesh, [f32; 4])> = Vec::new();
    for det in dets {
        if found
            .iter()
            .any(|(_, b)| iou(b, &det.bbox) > 0.3 || centre_within(&det.bbox, b, 0.0))
        {
            continue;
        }
        let [r, l] = det.eyes;
        let roi = Roi {
            centre: [
                det.bbox[0] + det.bbox[2] / 2.0,
                det.bbox[1] + det.bbox[3] / 2.0,
            ],
            side: det.bbox[2].max(det.bbox[3]) * ROI_SCALE,
            angle: (l[1] - r[1]).atan2(l[0] - r[0]),
        };
        let m = mesh::run(img, &roi)?;
        if m.presence >= min_presence {
            found.push((m, det.bbox));
        }
    }
    Ok(found)
}

/// Whether box `a` is part of box `b`: its centre inside `b`, or at least half of its area.
fn part_of(a: &[f32; 4], b: &[f32; 4]) -> bool {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    centre_within(a, b, 0.0) || ix.max(0.0) * iy.max(0.0) >= 0.5 * a[2] * a[3]
}

/// Whether the centre of box `a` lies inside box `b` grown by `grow` of its size on every side
/// (boxes `[x, y, w, h]`).
fn centre_within(a: &[f32; 4], b: &[f32; 4], grow: f32) -> bool {
    let c = [a[0] + a[2] / 2.0, a[1] + a[3] / 2.0];
    let (gx, gy) = (grow * b[2], grow * b[3]);
    (b[0] - gx..=b[0] + b[2] + gx).contains(&c[0]) && (b[1] - gy..=b[1] + b[3] + gy).contains(&c[1])
}

/// The region MediaPipe derives from a previous frame's landmarks: their bounding box,
/// enlarged, square, rotated so the outer eye corners are level.
fn roi_from_landmarks(points: &[[f32; 2]]) -> Option<Roi> {
    let (r, l) = (points.get(33)?, points.get(263)?);
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in points {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    Some(Roi {
        centre: [(x0 + x1) / 2.0, (y0 + y1) / 2.0],
        side: (x1 - x0).max(y1 - y0) * ROI_SCALE,
        angle: (l[1] - r[1]).atan2(l[0] - r[0]),
    })
}

/// What the iris stage read of one eye.
struct EyeReading {
    /// The pupil.
    centre: Point,
    /// The eye's corners, image-left first, where the iris model placed the pupil (`None` where
    /// the contour's mean stands in).
    corners: Option<[Point; 2]>,
    /// How clearly its iris shows ([`refine::iris_contrast`]).
    confidence: f32,
    /// Lid gap over eye width ([`Face::eye_opening`]).
    opening: Option<f32>,
    /// The contour with the iris disc the model found.
    outline: Option<EyeOutline>,
}

/// The pupil of one eye (a FaceMesh eye contour, see [`mesh::eye_corners`]), how clearly its
/// iris shows and how open it is. Without an iris (corners on top of each other) the contour's
/// mean stands in, with confidence 0 and no opening.
fn read_eye(
    working: &Scaled,
    photo: &RgbImage,
    contour: &[Point],
    mirror: bool,
) -> Result<EyeReading> {
    let corners = mesh::eye_corners(contour);
    let iris = match corners {
        Some(corners) => iris::locate(working, photo, corners, mirror)?,
        None => None,
    };
    Ok(match iris {
        Some(i) => EyeReading {
            centre: i.centre,
            corners,
            confidence: refine::iris_contrast(photo, contour, i.centre, i.radius),
            opening: i.opening,
            outline: Some(EyeOutline {
                contour: contour.to_vec(),
                iris: i.centre,
                iris_radius: i.radius,
            }),
        },
        None => EyeReading {
            centre: mesh::centroid(contour),
            corners: None,
            confidence: 0.0,
            opening: None,
            outline: None,
        },
    })
}

/// The head's outline in the person mask `m` of a `size` photo: its widest run through
/// `centre_x` between the rows `rows` (from the crown, or the forehead with the crown cut off,
/// down to the eye line).
fn head_span(
    m: &PersonMask,
    size: (u32, u32),
    centre_x: f32,
    rows: (f32, f32),
) -> Option<HeadSpan> {
    refine::head_span_from_mask(
        &m.probabilities,
        crate::segment::NET_SIDE,
        size,
        centre_x,
        rows,
    )
    .map(|(left_x, right_x, y)| HeadSpan { left_x, right_x, y })
}

/// The head's outline of a face given from outside (annotations mark the cheeks, not the
/// head), measured in the photo's person mask from the crown (the top edge where it is cut off)
/// down to the eye line.
pub fn head_of_given(face: &Face, mask: &PersonMask, size: (u32, u32)) -> Option<HeadSpan> {
    let top = face.crown.map_or(0.0, |c| c[1]);
    let centre_x = (face.face_left_x + face.face_right_x) / 2.0;
    head_span(mask, size, centre_x, (top, face.eye_mid()[1]))
}

fn measure(
    working: &Scaled,
    photo: &RgbImage,
    first: &mesh::Mesh,
    mask: Option<&PersonMask>,
) -> Result<Option<Face>> {
    // Second pass on a region rotated upright from the first pass's landmarks: FaceMesh is
    // trained on upright, tightly framed faces.
    let m = match roi_from_landmarks(&first.points) {
        Some(roi) => {
            let second = mesh::run(&working.image, &roi)?;
            if second.presence >= MIN_PRESENCE {
                second
            } else {
                first.clone()
            }
        }
        None => first.clone(),
    };
    let pts: Vec<Point> = m.points.iter().map(|&p| working.to_photo(p)).collect();
    let get = |i: usize| pts.get(i).copied();
    let (Some(chin), Some(cheek_r), Some(cheek_l), Some(forehead)) = (
        get(idx::CHIN),
        get(idx::CHEEK_RIGHT),
        get(idx::CHEEK_LEFT),
        get(idx::FOREHEAD),
    ) else {
        return Ok(None);
    };
    let contour = |ids: &[usize]| ids.iter().filter_map(|&i| get(i)).collect::<Vec<_>>();
    let right = || read_eye(working, photo, &contour(&idx::RIGHT_EYE), false);
    let left = || read_eye(working, photo, &contour(&idx::LEFT_EYE), true);
    let (right, left) = if crate::parallel::room_for_two(photo) {
        crate::parallel::join(right, left)
    } else {
        (right(), left())
    };
    let (right, left) = (right?, left?);
    let (right_eye, left_eye) = match (right.corners, left.corners) {
        (Some(rc), Some(lc)) => pool_gaze([right.centre, left.centre], [rc, lc]),
        _ => (right.centre, left.centre),
    };
    let roll_deg = roll_deg(right_eye, left_eye);
    let chin = chin_below_mesh(chin, right_eye, left_eye);

    let [x0, x1] = widen_beyond_mesh(cheek_r[0], cheek_l[0]);
    let (mut bx0, mut by0, mut bx1, mut by1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in &pts {
        bx0 = bx0.min(p[0]);
        by0 = by0.min(p[1]);
        bx1 = bx1.max(p[0]);
        by1 = by1.max(p[1]);
    }

    let (w, h) = photo.dimensions();
    let fw = x1 - x0;
    let columns = (x0 + 0.25 * fw, x1 - 0.25 * fw);
    let crown = mask.and_then(|m| {
        refine::crown_from_mask(
            &m.probabilities,
            crate::segment::NET_SIDE,
            (w, h),
            columns,
            forehead[1],
        )
        .or_else(|| {
            // Within the mask's few top rows, where it cannot tell hair ending just below the
            // edge from hair cut off by it, the photo's own pixels can, against a plain wall.
            let backdrop = m.background.as_ref()?;
            let zone = refine::UNRESOLVED_ROWS as f32 * h as f32 / crate::segment::NET_SIDE as f32;
            // Half confidence: read from pixels, with no mask edge whose strength to report.
            refine::crown_near_top(photo, (x0, x1), zone, backdrop.mean_lab, backdrop.noise)
                .map(|c| (c, 0.5))
        })
    });
    // From the crown (or the forehead, the crown cut off) down to the eye line: the skull with
    // its hair, above the ears (which stand out more or less) and above long hair, which
    // falls wider below them.
    let eye_y = (right_eye[1] + left_eye[1]) / 2.0;
    let top = crown.map_or(forehead[1], |c| c.0[1]);
    let head = mask.and_then(|m| head_span(m, (w, h), (x0 + x1) / 2.0, (top, eye_y)));
    Ok(Some(Face {
        bbox: [bx0, by0, bx1 - bx0, by1 - by0],
        left_eye,
        right_eye,
        crown: crown.map(|c| c.0),
        chin,
        face_left_x: x0,
        face_right_x: x1,
        face_width_y: (cheek_r[1] + cheek_l[1]) / 2.0,
        head,
        roll_deg,
        yaw_deg: yaw_deg(&m, working.scale, cheek_r, cheek_l),
        eye_opening: right
            .opening
            .zip(left.opening)
            .map(|(right, left)| Sides { right, left }),
        mouth_opening: mouth_opening(&pts),
        brow_skin: brow_skin(photo, &pts, right_eye, left_eye),
        eye_outlines: right.outline.into_iter().chain(left.outline).collect(),
        confidence: Confidence {
            face: m.presence,
            eyes: right.confidence.min(left.confidence) * m.presence,
            crown: crown.map_or(0.0, |c| c.1),
            chin: m.presence,
            width: m.presence,
        },
    }))
}

/// How far each pupil moves towards where the other eye's says the gaze is (see [`pool_gaze`]).
///
/// Both eyes look the same way, so the pupil's place between its eye's corners is nearly the
/// same in both; the iris model reads each eye on its own and errs in each on its own. With a
/// model error of variance σ² in each eye and true places differing by variance D², moving each
/// a share w of the way to the pair's mean leaves an error of least variance at
/// w = σ² / (σ² + D²/2): pooled fully (w = 1) where the eyes agree exactly, not at all where
/// the model is exact. Chosen on 1948 web photos of the CNN_FacePoint list with hand-marked
/// eye centres (not shared, README "Accuracy"), against w = 0 and 0.5: the worse eye's error
/// falls by 0.0010 of the eye distance in the mean (bootstrap 95 % interval 0.0008–0.0013;
/// better on 995 photos, worse on 730) and the eye line's roll error from 0.79° to 0.76°;
/// at 0.5 both gain less or lose. On the shared photos (whose p95 alone would have picked 0.5:
/// 0.048 against 0.049): eyes mean 0.027 → 0.026, p95 0.052 → 0.049; roll mean 0.71° → 0.65°,
/// p90 1.38° → 0.93°.
const GAZE_POOLING: f32 = 0.25;

/// The two pupils (subject's right, left) moved [`GAZE_POOLING`] of the way towards agreeing
/// on the gaze: each pupil's offset from the middle of its eye's corners, measured along and
/// across the corner-to-corner line in eye widths, moves that share towards the two offsets'
/// mean, and is laid back on its own eye. The mean offset, and so the eye line's height, stays.
fn pool_gaze(pupils: [Point; 2], corners: [[Point; 2]; 2]) -> (Point, Point) {
    // Each eye's frame: origin between the corners, u along them, v across, in eye widths.
    let frame = |[a, b]: [Point; 2]| {
        (
            [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0],
            [b[0] - a[0], b[1] - a[1]],
        )
    };
    let to_eye = |(m, d): (Point, Point), p: Point| {
        let l2 = d[0] * d[0] + d[1] * d[1];
        let (px, py) = (p[0] - m[0], p[1] - m[1]);
        [(px * d[0] + py * d[1]) / l2, (py * d[0] - px * d[1]) / l2]
    };
    let to_photo = |(m, d): (Point, Point), o: Point| {
        [
            m[0] + o[0] * d[0] - o[1] * d[1],
            m[1] + o[0] * d[1] + o[1] * d[0],
        ]
    };
    let frames = corners.map(frame);
    let framed = |d: &Point| {
        let width = d[0].hypot(d[1]);
        width.is_finite() && width > 1e-3
    };
    if !frames.iter().all(|(_, d)| framed(d)) {
        return (pupils[0], pupils[1]);
    }
    let offsets = [to_eye(frames[0], pupils[0]), to_eye(frames[1], pupils[1])];
    let mean = [
        (offsets[0][0] + offsets[1][0]) / 2.0,
        (offsets[0][1] + offsets[1][1]) / 2.0,
    ];
    let pooled = |o: Point| {
        [
            o[0] + GAZE_POOLING * (mean[0] - o[0]),
            o[1] + GAZE_POOLING * (mean[1] - o[1]),
        ]
    };
    (
        to_photo(frames[0], pooled(offsets[0])),
        to_photo(frames[1], pooled(offsets[1])),
    )
}

/// How far the chin's lowest point lies beyond FaceMesh's point 152, as a fraction of the
/// distance from the eyes' midpoint to that point. FaceMesh puts 152 a little up the chin's
/// curve: on HELEN's 125 frontal test faces (iBUG 300-W markup, people's marks of the lowest
/// point, not shared) it sits 1.2 % of the face height above the mark in the median, on the
/// shared photos 1.1 % (their chins are FaceMesh's and dlib's mean). Both sets' chin errors are
/// least from 0.015 to 0.025 (HELEN mean 0.032 → 0.028; shared 0.013 → 0.006).
const CHIN_BELOW_MESH: f32 = 0.02;

/// The chin's lowest point from FaceMesh's point 152, moved along the eye-to-chin line by
/// [`CHIN_BELOW_MESH`] (so it follows a tilted or upside-down face).
fn chin_below_mesh(mesh_chin: Point, right_eye: Point, left_eye: Point) -> Point {
    let mid = [
        (right_eye[0] + left_eye[0]) / 2.0,
        (right_eye[1] + left_eye[1]) / 2.0,
    ];
    [
        mesh_chin[0] + CHIN_BELOW_MESH * (mesh_chin[0] - mid[0]),
        mesh_chin[1] + CHIN_BELOW_MESH * (mesh_chin[1] - mid[1]),
    ]
}

/// How much wider the face is than FaceMesh's cheek points 234/454, as a fraction of their
/// distance, shared out equally to both sides. The mesh reads faces narrow: on HELEN's 85
/// frontal test faces (|yaw| < 5°; iBUG 300-W points 0 and 16, people's marks, not shared) by
/// 2.6 % in the median, on the shared photos by 0.9 % (their cheeks are FaceMesh's and dlib's
/// mean). 1 % is where both improve: shared width mean 0.009 → 0.007, p90 0.018 → 0.012 of
/// the face height; HELEN mean 0.043 → 0.037, p90 0.086 → 0.077. Beyond 1.5 % the shared
/// figures get worse again, so the larger HELEN offset is not taken.
const WIDTH_BEYOND_MESH: f32 = 0.01;

/// The face contour's left and right x from the two cheek points' x (either order), widened
/// by [`WIDTH_BEYOND_MESH`] about their middle.
fn widen_beyond_mesh(a: f32, b: f32) -> [f32; 2] {
    let (x0, x1) = (a.min(b), a.max(b));
    let grow = WIDTH_BEYOND_MESH / 2.0 * (x1 - x0);
    [x0 - grow, x1 + grow]
}

/// An opening as a ratio of lengths: the mean distance across `pairs` of points (lid to lid,
/// lip to lip) over the distance between `ends` (the corners). `None` when `at` lacks a point
/// or the corners coincide. The same in any pixels and whichever way the photo lies.
fn opening_ratio(
    at: impl Fn(usize) -> Option<Point>,
    pairs: &[(usize, usize)],
    ends: (usize, usize),
) -> Option<f32> {
    let d = |a: usize, b: usize| {
        let (p, q) = (at(a)?, at(b)?);
        Some((p[0] - q[0]).hypot(p[1] - q[1]))
    };
    let mut gap = 0.0;
    for &(a, b) in pairs {
        gap += d(a, b)?;
    }
    let width = d(ends.0, ends.1)?;
    let ratio = gap / (pairs.len() as f32 * width);
    (width > 0.0 && ratio.is_finite()).then_some(ratio)
}

/// The gap between the lips (FaceMesh's inner lip contour, three pairs across the middle half of
/// the mouth) over the width between the inner mouth corners: below 0.05 for lips together,
/// however broad the smile; 0.05–0.13 for lips parted over the teeth or a slightly open mouth;
/// 0.16–0.36 for a smile showing both rows of teeth (107 real faces checked by eye).
fn mouth_opening(points: &[Point]) -> Option<f32> {
    opening_ratio(
        |i| points.get(i).copied(),
        &idx::INNER_LIPS,
        idx::MOUTH_CORNERS,
    )
}

/// The band above each eyebrow read by [`brow_skin`]: from this many inter-eye distances above
/// the brow's upper edge ...
const BROW_BAND_FROM: f32 = 0.04;
/// ... to this many: the forehead just above the brow, which a fringe covering the brows covers
/// too.
const BROW_BAND_TO: f32 = 0.18;
/// A band pixel is skin when its a*b* lies within this distance of the cheeks' median ...
const SKIN_MAX_AB: f32 = 12.0;
/// ... and its L* between this much darker (a brow's shadow, a lined forehead) ...
const SKIN_MAX_DARKER_L: f32 = 25.0;
/// ... and this much lighter than the cheeks' (forehead shine).
const SKIN_MAX_LIGHTER_L: f32 = 20.0;

/// How much of the band just above each eyebrow ([`BROW_BAND_FROM`]–[`BROW_BAND_TO`] inter-eye
/// distances above the brow's upper edge, perpendicular to the eye line) has the colour of the
/// cheeks: GA 461's "头发不得遮挡眉毛". FaceMesh places the brows under a fringe too, so the
/// band is forehead skin when the brows show and hair when a fringe covers them. On 94 real
/// faces with their brows showing the less clear side reads 0.06 and up (0.06–0.08 for two
/// turned faces, 0.13 and up for frontal ones: shadowed brows, glasses frames, wisps of hair);
/// the three with a fringe over the brows read 0.00–0.03. Blond hair over fair skin would read
/// as skin: the measure misses it rather than fail a clear forehead.
fn brow_skin(
    photo: &RgbImage,
    points: &[Point],
    right_eye: Point,
    left_eye: Point,
) -> Option<Sides> {
    let (dx, dy) = (left_eye[0] - right_eye[0], left_eye[1] - right_eye[1]);
    let d = dx.hypot(dy);
    if !(d.is_finite() && d > 4.0) {
        return None;
    }
    // Unit vectors along the eye line and "up" the face, perpendicular to it.
    let (ax, ay) = (dx / d, dy / d);
    let up = [ay, -ax];
    let (w, h) = (photo.width() as f32, photo.height() as f32);
    let lab_at = |p: Point| {
        (p[0] >= 0.0 && p[1] >= 0.0 && p[0] < w && p[1] < h)
            .then(|| crate::colour::srgb_to_lab(photo.get_pixel(p[0] as u32, p[1] as u32).0))
    };
    let step = 0.02 * d;
    let mut cheek: Vec<[f32; 3]> = Vec::new();
    for &c in &idx::CHEEK_CENTRES {
        let p = *points.get(c)?;
        for i in -3..=3 {
            for j in -3..=3 {
                let q = [
                    p[0] + step * (i as f32 * ax - j as f32 * up[0]),
                    p[1] + step * (i as f32 * ay - j as f32 * up[1]),
                ];
                cheek.extend(lab_at(q));
            }
        }
    }
    let median = |k: usize| {
        let mut v: Vec<f32> = cheek.iter().map(|c| c[k]).collect();
        crate::stats::quantile(&mut v, 0.5)
    };
    let skin = [median(0)?, median(1)?, median(2)?];
    let side = |brow: &[usize]| -> Option<f32> {
        let (mut n, mut k) = (0u32, 0u32);
        for &b in brow {
            let p = *points.get(b)?;
            let mut t = BROW_BAND_FROM;
            while t <= BROW_BAND_TO + 1e-6 {
                for i in -2..=2 {
                    let along = step * i as f32;
                    let q = [
                        p[0] + along * ax + t * d * up[0],
                        p[1] + along * ay + t * d * up[1],
                    ];
                    if let Some(c) = lab_at(q) {
                        n += 1;
                        let dl = c[0] - skin[0];
                        let is_skin = (c[1] - skin[1]).hypot(c[2] - skin[2]) <= SKIN_MAX_AB
                            && (-SKIN_MAX_DARKER_L..=SKIN_MAX_LIGHTER_L).contains(&dl);
                        k += u32::from(is_skin);
                    }
                }
                t += 0.02;
            }
        }
        (n > 0).then(|| k as f32 / n as f32)
    };
    Some(Sides {
        right: side(&idx::RIGHT_BROW_TOP)?,
        left: side(&idx::LEFT_BROW_TOP)?,
    })
}

/// Head turn from the depth FaceMesh gives the two cheek contour points (`r` and `l`, photo
/// pixels): turning towards their left, the subject's left cheek recedes. The outer eye corners
/// give the same angle within 0.5° on the shared photos; the cheeks are the longer baseline.
/// Checked against the annotations in `examples/accuracy.rs` (the annotated eyes' offset from the
/// middle of the annotated cheeks, which a turn moves sideways).
fn yaw_deg(mesh: &mesh::Mesh, scale: f32, r: Point, l: Point) -> Option<f32> {
    let (zr, zl) = (
        mesh.depth.get(idx::CHEEK_RIGHT)?,
        mesh.depth.get(idx::CHEEK_LEFT)?,
    );
    let across = (l[0] - r[0]).hypot(l[1] - r[1]);
    let yaw = ((zl - zr) / scale).atan2(across).to_degrees();
    yaw.is_finite().then_some(yaw)
}

/// A drawn eye for unit tests: a 16-point almond contour like FaceMesh's (outer corner, lower
/// lid, inner corner, upper lid) centred at (100, 80), 60 wide and 24 high, on a skin-coloured
/// 200×160 image, with a white sclera, a dark iris of radius 12 at `iris` and dark lashes along
/// the upper lid.
#[cfg(test)]
pub(crate) fn synthetic_eye(iris: Point) -> (RgbImage, Vec<Point>) {
    let (cx, cy, w, h) = (100.0f32, 80.0f32, 60.0f32, 24.0f32);
    let contour: Vec<Point> = (0..16)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200×200 skin-coloured face with FaceMesh's brow and cheek points where `brow_skin`
    /// reads them (eyes at y 100, 60 px apart) and the forehead painted by `forehead`.
    fn brow_scene(forehead: impl Fn(u32, u32) -> Option<[u8; 3]>) -> (RgbImage, Vec<Point>) {
        let img = RgbImage::from_fn(200, 200, |x, y| {
            image::Rgb(forehead(x, y).unwrap_or([205, 150, 125]))
        });
        let mut points = vec![[100.0, 140.0]; 468];
        for (k, &i) in idx::RIGHT_BROW_TOP.iter().enumerate() {
            points[i] = [50.0 + 10.0 * k as f32, 85.0];
        }
        for (k, &i) in idx::LEFT_BROW_TOP.iter().enumerate() {
            points[i] = [150.0 - 10.0 * k as f32, 85.0];
        }
        points[idx::CHEEK_CENTRES[0]] = [70.0, 130.0];
        points[idx::CHEEK_CENTRES[1]] = [130.0, 130.0];
        (img, points)
    }

    /// Protects the chin's calibration: it moves 2 % of the eye-to-chin distance away from the
    /// eyes, down on an upright face and along the face's own axis on a tilted or upside-down one,
    /// so the metamorphic tests (shift, scale, rotate) still hold.
    #[test]
    fn the_chin_moves_beyond_the_mesh_point_along_the_face() {
        let (r, l) = ([80.0, 100.0], [120.0, 100.0]);
        let chin = chin_below_mesh([100.0, 200.0], r, l);
        assert!(
            (chin[0] - 100.0).abs() < 1e-4 && (chin[1] - 202.0).abs() < 1e-4,
            "{chin:?}"
        );
        // The same face upside down: the chin moves up, away from the eyes.
        let flip = |p: Point| [p[0], 300.0 - p[1]];
        let upside = chin_below_mesh(flip([100.0, 200.0]), flip(r), flip(l));
        assert!((upside[1] - flip(chin)[1]).abs() < 1e-4, "{upside:?}");
        // On its side (eyes stacked vertically, chin to the right): it moves right.
        let side = chin_below_mesh([200.0, 100.0], [100.0, 120.0], [100.0, 80.0]);
        assert!(
            (side[0] - 202.0).abs() < 1e-4 && (side[1] - 100.0).abs() < 1e-4,
            "{side:?}"
        );
    }

    fn close(a: Point, b: Point) -> bool {
        (a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3
    }

    /// Protects the gaze pooling: pupils placed alike in their eyes stay where they are; where
    /// they disagree, each moves a quarter of the way towards the mean of the two places.
    #[test]
    fn pupils_move_a_quarter_towards_agreeing_on_the_gaze() {
        let corners = [
            [[60.0, 100.0], [90.0, 100.0]],
            [[110.0, 100.0], [140.0, 100.0]],
        ];
        let same = [[78.0, 101.5], [128.0, 101.5]];
        let (r, l) = pool_gaze(same, corners);
        assert!(close(r, same[0]) && close(l, same[1]), "{r:?} {l:?}");
        // Right pupil 6 px right of its eye's middle, left one 2 px left: mean 2 px right.
        let (r, l) = pool_gaze([[81.0, 100.0], [123.0, 100.0]], corners);
        assert!(
            close(r, [80.0, 100.0]) && close(l, [124.0, 100.0]),
            "{r:?} {l:?}"
        );
        // One pupil 4 px lower than the other (mean 2 px low): each moves 0.5 px towards it,
        // so the eye line's height stays.
        let (r, l) = pool_gaze([[75.0, 104.0], [125.0, 100.0]], corners);
        assert!(
            close(r, [75.0, 103.5]) && close(l, [125.0, 100.5]),
            "{r:?} {l:?}"
        );
    }

    /// The offsets are read in each eye's own frame, so the same face rotated, scaled and
    /// shifted gives the same pupils rotated, scaled and shifted (the metamorphic tests rely on
    /// it), and eyes of different sizes (a turned head) compare in eye widths.
    #[test]
    fn gaze_pooling_follows_the_face_when_it_turns_scales_and_moves() {
        let corners = [
            [[60.0, 100.0], [90.0, 100.0]],
            [[110.0, 98.0], [132.0, 99.0]],
        ];
        let pupils = [[77.0, 102.0], [119.0, 97.0]];
        let (r, l) = pool_gaze(pupils, corners);
        let (a, k, t) = (0.6f32, 1.7f32, [13.0f32, -40.0f32]);
        let m = |p: Point| {
            [
                k * (p[0] * a.cos() - p[1] * a.sin()) + t[0],
                k * (p[0] * a.sin() + p[1] * a.cos()) + t[1],
            ]
        };
        let (r2, l2) = pool_gaze(pupils.map(m), corners.map(|c| c.map(m)));
        assert!(close(r2, m(r)) && close(l2, m(l)), "{r2:?} vs {:?}", m(r));
        // Corners on top of each other frame no eye: the pupils are left as they are.
        let (r, l) = pool_gaze(pupils, [[[60.0, 100.0]; 2], corners[1]]);
        assert!(close(r, pupils[0]) && close(l, pupils[1]));
    }

    /// Protects the width's calibration: 1 % wider than the cheek points, half on each side,
    /// whichever cheek comes first, so the face's middle does not move.
    #[test]
    fn the_width_grows_one_percent_about_its_middle() {
        for (a, b) in [(100.0, 300.0), (300.0, 100.0)] {
            let [x0, x1] = widen_beyond_mesh(a, b);
            assert!(
                (x0 - 99.0).abs() < 1e-4 && (x1 - 301.0).abs() < 1e-4,
                "{x0} {x1}"
            );
        }
        assert_eq!(widen_beyond_mesh(50.0, 50.0), [50.0, 50.0]);
    }

    #[test]
    fn a_clear_forehead_is_skin_and_a_fringe_is_not() {
        let eyes = ([70.0, 100.0], [130.0, 100.0]);
        let (clear, pts) = brow_scene(|_, _| None);
        let s = brow_skin(&clear, &pts, eyes.0, eyes.1).unwrap();
        assert_eq!((s.right, s.left), (1.0, 1.0));
        // Dark hair down to 2 px above the brows.
        let hair = |x: u32, y: u32, from_x: u32| (y < 83 && x >= from_x).then_some([40, 30, 25]);
        let (fringe, pts) = brow_scene(|x, y| hair(x, y, 0));
        let s = brow_skin(&fringe, &pts, eyes.0, eyes.1).unwrap();
        assert_eq!((s.right, s.left), (0.0, 0.0));
        // Over the subject's left brow only (image right).
        let (half, pts) = brow_scene(|x, y| hair(x, y, 100));
        let s = brow_skin(&half, &pts, eyes.0, eyes.1).unwrap();
        assert_eq!((s.right, s.left, s.smaller()), (1.0, 0.0, 0.0));
    }

    /// Protects the turned paths: an analysis made on the photo turned clockwise by 90°, 180°
    /// or 270° comes back in the stored photo's coordinates (the turn's exact inverse, pixel
    /// centres included), with the eye line's roll that of the stored photo.
    #[test]
    fn a_face_beside_the_head_is_not_part_of_it() {
        // The main face of an ID-framed photo: half of a 358-px width.
        let main = [90.0, 120.0, 180.0, 200.0];
        // Tiles cut through it: a box on its upper half, or one sticking out at its side
        // with most of its area inside, is part of it.
        assert!(part_of(&[100.0, 110.0, 100.0, 100.0], &main));
        assert!(part_of(&[230.0, 150.0, 60.0, 60.0], &main));
        // A face beside the head on the wall, and one in the top corner, are not, though
        // both lie within the main face's box grown by half, which once dropped them.
        for other in [[290.0, 140.0, 50.0, 50.0], [4.0, 4.0, 50.0, 50.0]] {
            assert!(centre_within(&other, &main, 0.5));
            assert!(!part_of(&other, &main), "{other:?}");
        }
    }

    #[test]
    fn an_analysis_turns_back_to_the_stored_photo() {
        // A 400 × 300 stored photo; an upright face in the turned copy.
        let (w, h) = (400.0f32, 300.0f32);
        let face = Face {
            bbox: [40.0, 50.0, 60.0, 80.0],
            right_eye: [50.0, 70.0],
            left_eye: [90.0, 70.0],
            crown: Some([70.0, 30.0]),
            chin: [70.0, 140.0],
            face_left_x: 40.0,
            face_right_x: 100.0,
            face_width_y: 90.0,
            roll_deg: 0.0,
            ..Face::default()
        };
        // Where a point of the stored photo lands in its copy turned clockwise.
        let forward = |d: u16, p: Point| match d {
            90 => [h - p[1], p[0]],
            180 => [w - p[0], h - p[1]],
            _ => [p[1], w - p[0]],
        };
        for (degrees, roll) in [(90u16, -90.0f32), (180, 180.0), (270, 90.0)] {
            let back = FaceAnalysis::single(face.clone())
                .turned_back(degrees, (w as u32, h as u32))
                .face
                .unwrap();
            for (stored, turned) in [
                (back.right_eye, face.right_eye),
                (back.left_eye, face.left_eye),
                (back.chin, face.chin),
                (back.crown.unwrap(), face.crown.unwrap()),
            ] {
                let p = forward(degrees, stored);
                assert!(
                    (p[0] - turned[0]).abs() < 1e-3 && (p[1] - turned[1]).abs() < 1e-3,
                    "{degrees}°: {stored:?} → {p:?}, want {turned:?}"
                );
            }
            let d_roll = (back.roll_deg - roll + 540.0).rem_euclid(360.0) - 180.0;
            assert!(d_roll.abs() < 1e-3, "{degrees}°: roll {}", back.roll_deg);
            // The box keeps its size, sides swapped on a quarter turn.
            let b = back.bbox;
            let want = if degrees == 180 {
                [60.0, 80.0]
            } else {
                [80.0, 60.0]
            };
            assert!(
                (b[2] - want[0]).abs() < 1e-3 && (b[3] - want[1]).abs() < 1e-3,
                "{b:?}"
            );
        }
    }
}
