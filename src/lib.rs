//! idphoto: checks an ID photo against the official rules for a city and document, before the
//! person submits it, and makes a corrected photo that meets them.
//!
//! One call checks one photo: [`check_file`] (a file) or [`check_photo`] (a photo already
//! decoded, e.g. from bytes with [`Photo::from_bytes`]), against a [`spec::Spec`] from the
//! [`spec::Library`], with [`Options`] saying whether to write a corrected photo ([`Fix`]) and
//! a preview. Each returns a [`report::Report`]: every check with what was measured, what the
//! spec requires, a hint and the official rejection reason, and what the correction did.
//! [`batch`] finds many photos and checks them in parallel. Nothing here prints, exits or
//! looks at the terminal; the `idphoto` binary renders the reports.
//!
//! Inside, one orchestrator runs every photo through the same stages (`src/pipeline.rs`):
//! decode → analysis (working copy, person mask, faces) → crop plan → checks → correction →
//! re-check of the written photo → report.
//!
//! Conventions, stated once: coordinates are pixels with the origin at the top-left, x to the
//! right and y down, in the photo *as given after EXIF orientation* unless a name says `_canvas`
//! (the spec's output coordinates). "Left" and "right" of a face are the subject's own. Colours
//! are sRGB; CIE L*a*b* values use D65.
//!
//! # Examples
//! ```
//! use idphoto::{report::Verdict, spec::Library, Options, Photo};
//!
//! let spec = Library::builtin()?.resolve("dongguan", None)?;
//! // A grey 358×441 PNG: the ID card's size, but nobody in it.
//! let mut png = Vec::new();
//! image::RgbImage::from_pixel(358, 441, image::Rgb([128, 128, 128]))
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
//!     .unwrap();
//! let photo = Photo::from_bytes(&png, &Default::default())?;
//! let report = idphoto::check_photo("grey.png".as_ref(), &photo, &spec, &Options::default());
//! assert_eq!(report.verdict, Verdict::Fail);
//! let faces = report.checks.iter().find(|c| c.id.as_str() == "face.count").unwrap();
//! assert_eq!(faces.hint.as_ref().unwrap().en, "no face found: use a clear frontal photo showing the whole face");
//! # Ok::<(), idphoto::Error>(())
//! ```
#![deny(missing_docs)]

// The ground floor: helpers every stage may use.
mod colour;
mod error;
mod imageops;
mod lang;
mod memory;
mod nn;
mod parallel;
mod redeye;
mod stats;

// The stages and the orchestrator; `layers.rs` lists them in the order a photo meets them,
// and a module uses only the ones before it there.
mod annotate;
mod checks;
mod correct;
mod crop;
mod decode;
mod face;
mod layout;
mod pipeline;
mod segment;
mod sheet;

// The module order, and the test that holds the code to it.
#[cfg(test)]
mod layers;

// What an embedding program uses.
pub mod batch;
pub mod report;
pub mod serve;
pub mod spec;

pub use correct::{background_choice, BackgroundNotAllowed, Fix, OutputOptions, Paper};
pub use decode::{FileInfo, Limits, Photo};
pub use error::{Error, Result, SpecLocation};
pub use pipeline::{check_file, check_photo, check_photo_in_memory, Options, Outputs};

/// The project's own test, example and developer-option access to the stages. Not part of the
/// API: anything here may change in any release.
#[doc(hidden)]
pub mod dev {
    pub use crate::pipeline::{
        check_file_with, check_photo_with, plan, recheck, Analysis, Known, ANALYSIS_MAX_SIDE,
    };
    /// The `annotate` stage or helper.
    pub mod annotate {
        pub use crate::annotate::*;
    }
    /// The `checks` stage or helper.
    pub mod checks {
        pub use crate::checks::*;
    }
    /// The `colour` stage or helper.
    pub mod colour {
        pub use crate::colour::*;
    }
    /// The `correct` stage or helper.
    pub mod correct {
        pub use crate::correct::*;
    }
    /// The `crop` stage or helper.
    pub mod crop {
        pub use crate::crop::*;
    }
    /// The `decode` stage or helper.
    pub mod decode {
        pub use crate::decode::*;
    }
    /// The `face` stage or helper.
    pub mod face {
        pub use crate::face::*;
    }
    /// The `imageops` stage or helper.
    pub mod imageops {
        pub use crate::imageops::*;
    }
    /// The `layout` stage or helper.
    pub mod layout {
        pub use crate::layout::*;
    }
    /// The `nn` stage or helper.
    pub mod nn {
        pub use crate::nn::*;
    }
    /// The `redeye` stage or helper.
    pub mod redeye {
        pub use crate::redeye::*;
    }
    /// The `sheet` stage or helper.
    pub mod sheet {
        pub use crate::sheet::*;
    }
    /// The `segment` stage or helper.
    pub mod segment {
        pub use crate::segment::*;
    }
    /// The `stats` stage or helper.
    pub mod stats {
        pub use crate::stats::*;
    }
}
