//! The neural networks idphoto ships, embedded in the binary and loaded once per process.
//!
//! The models are MediaPipe's (Apache-2.0), converted to ONNX by `models/convert.py`. The binary
//! embeds the ONNX files and runs them with its own small interpreter: `nn/proto.rs` reads the
//! file, `nn/graph.rs` turns it into a list of steps, `nn/kernels.rs` does the convolutions'
//! arithmetic and `nn/tensor.rs` the steps that move
//! values around. The four networks use 15 operators between
//! them, and building their plans takes a few milliseconds, where a general inference engine
//! (tract, which the project used before) spent about 120 ms of CPU at every start typing,
//! decluttering and optimising the graphs. The tests check every output against tract's.
//! Tensor layouts and normalisation: `models/README.md`.

use crate::error::{Error, Result};
use std::sync::OnceLock;

pub use tensor::Tensor;

/// A loaded network ready to run.
pub struct Network {
    name: &'static str,
    plan: graph::Plan,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("name", &self.name).finish()
    }
}

impl Network {
    /// Builds a network's plan from its ONNX file.
    fn load(name: &'static str, onnx: &[u8]) -> Result<Self> {
        let plan =
            graph::Plan::from_onnx(onnx).map_err(|message| Error::Model { name, message })?;
        Ok(Network { name, plan })
    }

    /// Runs the network on one NHWC float input; returns its outputs in graph order.
    pub fn run(&self, input: Tensor) -> Result<Vec<Tensor>> {
        self.plan.run(input).map_err(|message| Error::Model {
            name: self.name,
            message,
        })
    }
}

macro_rules! embedded {
    ($(#[$doc:meta])* $fn_name:ident, $file:literal) => {
        $(#[$doc])*
        pub fn $fn_name() -> Result<&'static Network> {
            static CELL: OnceLock<std::result::Result<Network, String>> = OnceLock::new();
            CELL.get_or_init(|| {
                let bytes: &'static [u8] = include_bytes!(concat!("../models/", $file, ".onnx"));
                let network = Network::load($file, bytes).map_err(|e| e.to_string());
                // Only this closure reads the file, once per process.
                release_pages(bytes);
                network
            })
            .as_ref()
            .map_err(|message| Error::Model {
                name: $file,
                message: message.clone(),
            })
        }
    };
}

/// Hands back to the kernel the pages of an embedded file that has been read for the last
/// time. The plan holds its own copy of the weights, so without this a 12 MP check would keep
/// the files' 5.9 MB resident twice over, as the binary's pages and as the plan's.
///
/// The bytes lie in the executable's read-only data, a private file mapping nothing writes:
/// `MADV_DONTNEED` drops this process's mapping of its whole pages (the page cache keeps them
/// for the next process), and a later read would fault them in again from the file. Pages the
/// range shares with other data are left alone.
#[cfg(target_os = "linux")]
fn release_pages(bytes: &'static [u8]) {
    // SAFETY: sysconf has no preconditions.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        p if p > 0 => p as usize,
        _ => return,
    };
    let (first, end) = (
        bytes.as_ptr() as usize,
        bytes.as_ptr() as usize + bytes.len(),
    );
    let start = first.div_ceil(page) * page;
    let stop = end / page * page;
    if stop > start {
        // SAFETY: [start, stop) is whole pages inside `bytes`, which live as long as the
        // process and are never written; advice on them changes no value a read returns.
        unsafe {
            libc::madvise(
                start as *mut libc::c_void,
                stop - start,
                libc::MADV_DONTNEED,
            )
        };
    }
}

#[cfg(not(target_os = "linux"))]
fn release_pages(_bytes: &'static [u8]) {}

embedded!(
    /// FaceMesh: 192×192 RGB face crop in [0, 1] → 468 landmarks (crop pixels) and a face logit.
    face_landmark,
    "face_landmark"
);
embedded!(
    /// BlazeFace short range: 128×128 RGB in [−1, 1] → 896 anchors × (box + 6 keypoints), logits.
    face_detection,
    "face_detection_short_range"
);
embedded!(
    /// Iris landmarks: 64×64 RGB crop of an image-left eye in [0, 1] → 71 eye-contour points and
    /// 5 iris points (centre first), x, y, z in crop pixels.
    iris_landmark,
    "iris_landmark"
);
embedded!(
    /// Selfie segmentation: 256×256 RGB in [0, 1] → person probability per pixel.
    selfie_segmentation,
    "selfie_segmentation"
);

/// Packs an RGB image (already at the network's input size) into a `[1, h, w, 3]` tensor,
/// mapping each 0–255 value `v` to `v * scale + offset`.
pub fn nhwc_tensor(image: &image::RgbImage, scale: f32, offset: f32) -> Tensor {
    let (w, h) = image.dimensions();
    let data: Vec<f32> = image
        .as_raw()
        .iter()
        .map(|&v| f32::from(v) * scale + offset)
        .collect();
    Tensor::new(vec![1, h as usize, w as usize, 3], data).unwrap_or_default()
}

/// The values of an output tensor, in row-major order.
pub fn floats(value: &Tensor) -> Vec<f32> {
    value.data().to_vec()
}

mod graph;
mod kernels;
#[cfg(test)]
mod onnx;
mod proto;
mod tensor;

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded network of a `models/` file stem.
    fn embedded(stem: &str) -> &'static Network {
        match stem {
            "face_detection_short_range" => face_detection(),
            "face_landmark" => face_landmark(),
            "iris_landmark" => iris_landmark(),
            "selfie_segmentation" => selfie_segmentation(),
            _ => panic!("no network {stem}"),
        }
        .unwrap()
    }

    #[test]
    fn every_embedded_network_loads_and_runs_on_its_input_size() {
        for (stem, size, outputs) in onnx::NETWORKS {
            let net = embedded(stem);
            let input = nhwc_tensor(&image::RgbImage::new(size as u32, size as u32), 1.0, 0.0);
            let out = net.run(input).unwrap();
            assert_eq!(out.len(), outputs, "{net:?}");
            let wrong = nhwc_tensor(&image::RgbImage::new(size as u32 + 1, 7), 1.0, 0.0);
            assert!(net.run(wrong).is_err(), "{stem}: an input of another size");
        }
    }

    /// Every output of every network matches what tract (a general ONNX engine) computes from
    /// the same file, on noise and on a drawn portrait, to within float rounding: the sums run
    /// in another order, so the last bits may differ, nothing more.
    #[test]
    fn networks_answer_as_tract_runs_their_onnx_files() {
        for (stem, side, outputs) in onnx::NETWORKS {
            let source = std::fs::read(onnx::model_path(stem, "onnx")).unwrap();
            let reference = onnx::plan(&source).unwrap();
            let net = embedded(stem);
            let inputs = [
                ("noise 7", onnx::noise_input(side, 7)),
                ("noise 2024", onnx::noise_input(side, 2024)),
                ("portrait", onnx::portrait_input(side)),
            ];
            for (what, data) in inputs {
                let expected = onnx::run(&reference, side, &data);
                let got = net
                    .run(Tensor::new(vec![1, side, side, 3], data).unwrap())
                    .unwrap();
                assert_eq!(got.len(), outputs, "{stem}");
                for (g, e) in got.iter().zip(&expected) {
                    assert_eq!(g.data().len(), e.len(), "{stem}, {what}");
                    let scale = e.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                    let worst = g
                        .data()
                        .iter()
                        .zip(e)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f32::max);
                    assert!(
                        worst <= 2e-5 * scale,
                        "{stem}, {what}: differs by {worst} on a scale of {scale}"
                    );
                }
            }
        }
    }
}
