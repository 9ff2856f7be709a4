//! The neural networks idphoto ships, embedded in the binary and loaded once per process.
//!
//! The models are MediaPipe's (Apache-2.0), converted to ONNX by `models/convert.py` and run with
//! tract, pure Rust, so the binary needs no files and no native libraries. Loading and optimising
//! one costs 20–55 ms, more than running it (3–12 ms), so each is loaded lazily on first use and
//! shared by every photo and thread afterwards. Tensor layouts and normalisation: `models/README.md`.

use crate::error::{Error, Result};
use std::sync::{Arc, OnceLock};
use tract_onnx::prelude::*;

/// A loaded, optimised network ready to run.
pub struct Network {
    name: &'static str,
    plan: Arc<TypedSimplePlan>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("name", &self.name).finish()
    }
}

impl Network {
    fn load(name: &'static str, bytes: &[u8]) -> Result<Self> {
        let onnx = tract_onnx::onnx();
        let plan = onnx
            .proto_model_for_read(&mut std::io::Cursor::new(bytes))
            .and_then(|mut proto| {
                prelu_as_relu(&mut proto);
                onnx.model_for_proto_model(&proto)
            })
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| Error::Model {
                name,
                message: format!("{e:#}"),
            })?;
        Ok(Network { name, plan })
    }

    /// Runs the network on one NHWC float input; returns its outputs in graph order.
    ///
    /// The vector state is cleared after every node (`clear_upper_vector_state`), not only
    /// after the run: within a run, tract's own generic code (its max pooling, above all, a
    /// scalar SSE loop) follows its AVX kernels and paid the same penalty. Clearing between
    /// nodes (with the face crops' inlined sampling, about 1 ms of it) took the face stage on a
    /// 12 MP photo from 40.0 to 30.2 ms where four tiles look for someone further back and from
    /// 27.8 to 21.2 ms on a plain wall, the person mask from 23.8 to 21.4 ms
    /// (`examples/bench_face`, the build before it run right after); the outputs are the same
    /// to the bit.
    pub fn run(&self, input: Tensor) -> Result<TVec<TValue>> {
        self.plan
            .spawn()
            .and_then(|mut state| {
                state.run_plan_with_eval(
                    tvec!(input.into_tvalue()),
                    |ctx, op_state, node, inputs| {
                        let out = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                        clear_upper_vector_state();
                        out
                    },
                )
            })
            .map_err(|e| Error::Model {
                name: self.name,
                message: format!("{e:#}"),
            })
    }
}

/// Rewrites every `PRelu(x, slope)` of the graph as `Relu(x) + (x − Relu(x)) · slope`, the same
/// value to the bit (for x ≥ 0 the second term is 0, for x < 0 the first is), so tract runs it
/// with its vectorised kernels: tract 0.23 expands PRelu into a comparison and a select that run
/// element by element through generic array code. FaceMesh (23 PReLUs) and the iris model (53)
/// spend a third of their time there; rewritten, one FaceMesh run takes 4.3 ms instead of 5.0
/// and one iris run 3.0 ms instead of 4.4 (`cargo run --release --example bench_face` shows the
/// face stage). Their slopes run from −1.6 to 1.5, so the cheaper `max(x, slope · x)`, right
/// only for slopes in [0, 1], would change the answers.
fn prelu_as_relu(proto: &mut tract_onnx::pb::ModelProto) {
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    let node = |op: &str, inputs: [&str; 2], output: String| tract_onnx::pb::NodeProto {
        op_type: op.into(),
        name: output.clone(),
        input: inputs
            .iter()
            .filter(|i| !i.is_empty())
            .map(|i| i.to_string())
            .collect(),
        output: vec![output],
        ..Default::default()
    };
    let mut nodes = Vec::with_capacity(graph.node.len());
    for n in std::mem::take(&mut graph.node) {
        let (true, [x, slope], [y]) = (
            n.op_type == "PRelu" && n.domain.is_empty(),
            n.input.as_slice(),
            n.output.as_slice(),
        ) else {
            nodes.push(n);
            continue;
        };
        // Output names are unique in a graph, so names derived from one are free.
        let (relu, neg, scaled) = (
            format!("{y}.relu"),
            format!("{y}.negative"),
            format!("{y}.scaled"),
        );
        nodes.push(node("Relu", [x, ""], relu.clone()));
        nodes.push(node("Sub", [x, &relu], neg.clone()));
        nodes.push(node("Mul", [&neg, slope], scaled.clone()));
        nodes.push(node("Add", [&relu, &scaled], y.clone()));
    }
    graph.node = nodes;
}

/// tract's AVX/AVX-512 kernels return with the upper halves of the vector registers dirty, and
/// every SSE instruction after that pays a state-transition penalty until something clears them:
/// measured on this project's 2-core EPYC machine, the luma of a 700k-pixel image took 5.7 ms
/// after a network run instead of 0.7 ms, and the background/quality checks 9.2 ms instead of
/// 5.6 ms. oneDNN ends its primitives with `vzeroupper` for the same reason (oneDNN issue 247).
fn clear_upper_vector_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above), the only requirement of `vzeroupper`.
        unsafe { zero_upper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn zero_upper() {
    // Zeroes bits 128 and up of every vector register; the compiler knows the intrinsic's
    // clobbers, so no live value is lost.
    std::arch::x86_64::_mm256_zeroupper();
}

macro_rules! embedded {
    ($(#[$doc:meta])* $fn_name:ident, $file:literal) => {
        $(#[$doc])*
        pub fn $fn_name() -> Result<&'static Network> {
            static CELL: OnceLock<std::result::Result<Network, String>> = OnceLock::new();
            CELL.get_or_init(|| {
                Network::load($file, include_bytes!(concat!("../models/", $file, ".onnx")))
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|message| Error::Model {
                name: $file,
                message: message.clone(),
            })
        }
    };
}

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

/// Starts loading the networks the face stage needs last (iris, then FaceMesh) on a background
/// thread. Loading and optimising all four takes about 180 ms, more than checking a photo; this
/// way the two loaded here overlap decoding and the loading of the segmentation and detection
/// networks on the calling thread. A caller that needs a network still being loaded waits for
/// that load instead of repeating it (`OnceLock`); an error is kept and reported to the caller.
pub fn preload() {
    // If the thread cannot start, every network still loads on first use.
    let _ = std::thread::Builder::new()
        .name("idphoto-preload".into())
        .spawn(|| {
            let _ = iris_landmark();
            let _ = face_landmark();
        });
}

/// Packs an RGB image (already at the network's input size) into a `[1, h, w, 3]` tensor,
/// mapping each 0–255 value `v` to `v * scale + offset`.
pub fn nhwc_tensor(image: &image::RgbImage, scale: f32, offset: f32) -> Tensor {
    let (w, h) = image.dimensions();
    let data: Vec<f32> = image
        .as_raw()
        .iter()
        .map(|&v| f32::from(v) * scale + offset)
        .collect();
    // The shape always matches the data length, so this cannot fail.
    Tensor::from_shape(&[1, h as usize, w as usize, 3], &data).unwrap_or_else(|_| {
        Tensor::zero::<f32>(&[1, h as usize, w as usize, 3]).unwrap_or_default()
    })
}

/// The values of a float output tensor, in row-major order (empty if it is not f32).
pub fn floats(value: &TValue) -> Vec<f32> {
    value
        .to_plain_array_view::<f32>()
        .map(|a| a.iter().copied().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_network_loads_and_runs_on_its_input_size() {
        for (net, size, outputs) in [
            (face_landmark().unwrap(), 192, 2),
            (face_detection().unwrap(), 128, 2),
            (selfie_segmentation().unwrap(), 256, 1),
            (iris_landmark().unwrap(), 64, 2),
        ] {
            let input = nhwc_tensor(&image::RgbImage::new(size, size), 1.0 / 255.0, 0.0);
            let out = net.run(input).unwrap();
            assert_eq!(out.len(), outputs, "{net:?}");
        }
    }

    #[test]
    fn prelu_rewritten_gives_the_networks_answers_to_the_bit() {
        let bytes = include_bytes!("../models/iris_landmark.onnx");
        let onnx = tract_onnx::onnx();
        let mut proto = onnx
            .proto_model_for_read(&mut std::io::Cursor::new(bytes))
            .unwrap();
        let count = |p: &tract_onnx::pb::ModelProto, op: &str| {
            p.graph
                .as_ref()
                .map_or(0, |g| g.node.iter().filter(|n| n.op_type == op).count())
        };
        let prelus = count(&proto, "PRelu");
        assert!(prelus > 0);
        let plain = onnx
            .model_for_proto_model(&proto)
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .unwrap();
        prelu_as_relu(&mut proto);
        assert_eq!((count(&proto, "PRelu"), count(&proto, "Relu")), (0, prelus));

        // An eye-sized crop of noise: every PReLU sees inputs of both signs.
        let mut state = 7u32;
        let crop = image::RgbImage::from_fn(64, 64, |_, _| {
            image::Rgb([0, 8, 16].map(|shift| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> (8 + shift)) as u8
            }))
        });
        let input = || tvec!(nhwc_tensor(&crop, 1.0 / 255.0, 0.0).into_tvalue());
        let rewritten = Network::load("iris_landmark", bytes).unwrap();
        let (a, b) = (
            plain.run(input()).unwrap(),
            rewritten.plan.run(input()).unwrap(),
        );
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(floats(a), floats(b));
        }
    }
}
