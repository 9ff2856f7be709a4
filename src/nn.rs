//! The neural networks idphoto ships, embedded in the binary and loaded once per process.
//!
//! The models are MediaPipe's (Apache-2.0), converted to ONNX by `models/convert.py` and run with
//! tract, pure Rust, so the binary needs no files and no native libraries. The binary embeds them
//! as tract NNEF files already typed and decluttered (`models/*.nnef.tar`, made from the ONNX
//! files by `nn/onnx.rs` and checked against them by this module's tests), so a start only
//! builds the execution plans, reading the files with `nn/nnef_text.rs` and running tract's
//! code generation through `nn/optimizer.rs` (both cheaper than tract's own, with the same
//! result). That still costs more than running a network, so each is loaded lazily on first use
//! (or by `preload`) and shared by every photo and thread afterwards.
//! Tensor layouts and normalisation: `models/README.md`.

use crate::error::{Error, Result};
use std::sync::{Arc, OnceLock};
use tract_nnef::prelude::*;

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
    /// Reads a network's decluttered NNEF file and builds its execution plan. The file already
    /// holds the typed, decluttered graph (`nn/onnx.rs` makes it from the ONNX source), so for
    /// most networks only tract's code generation (`optimize`) is left.
    fn load(name: &'static str, nnef_tar: &[u8], prepare: Prepare) -> Result<Self> {
        let plan = proto_model(nnef_tar)
            .and_then(|proto| nnef().model_for_proto_model(&proto))
            .and_then(|mut model| {
                if prepare == Prepare::DeclutterAgain {
                    optimizer::declutter(&mut model)?;
                }
                optimizer::optimize(&mut model)?;
                model.into_runnable()
            })
            .map_err(|e| Error::Model {
                name,
                message: format!("{e:#}"),
            })?;
        Ok(Network { name, plan })
    }
}

/// What a network read back from its NNEF file needs before its plan gives the same outputs,
/// to the bit, as the plan built from the ONNX source (the unit tests check each on noise and
/// on a drawn portrait).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prepare {
    /// Code generation only. Decluttering again changes nothing for these networks and cost
    /// as much as the code generation: iris 198 ms against 134, FaceMesh 63 against 35
    /// (`into_optimized` against `optimize`, one busy-host run).
    Optimize,
    /// Declutter, then generate code. The segmentation network read back from NNEF, optimised
    /// at once, gets a different plan (a direct convolution where the ONNX path has im2col,
    /// 355 nodes instead of 297) whose mask differs in the last bits on a portrait.
    DeclutterAgain,
}

/// The NNEF translator, built once for the four networks: its registry of operators parses
/// NNEF's standard library of fragments, which costs about as much as reading a small network.
/// It only turns proto models into graphs, so it goes without what tract's `nnef()` adds for
/// reading and writing files (a second parse of that library, kept for writing, and the file
/// loaders).
fn nnef() -> &'static tract_nnef::framework::Nnef {
    static NNEF: OnceLock<tract_nnef::framework::Nnef> = OnceLock::new();
    NNEF.get_or_init(|| tract_nnef::framework::Nnef {
        stdlib: Vec::new(),
        registries: vec![tract_nnef::ops::tract_nnef(), tract_nnef::ops::tract_core()],
        resource_loaders: Vec::new(),
        allow_extended_identifier_syntax: false,
        extern_all_constants: false,
    })
}

/// The proto model (graph and tensors) of an embedded NNEF archive: read by `nnef_text`,
/// or, should a file ever use syntax it leaves to tract, by tract's own reader.
fn proto_model(nnef_tar: &[u8]) -> TractResult<tract_nnef::ast::ProtoModel> {
    match nnef_text::proto_model(nnef_tar) {
        Some(proto) => Ok(proto),
        None => tract_nnef::nnef().proto_model_for_read(&mut std::io::Cursor::new(nnef_tar)),
    }
}

impl Network {
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
                        let out = tract_nnef::tract_core::plan::eval(ctx, op_state, node, inputs);
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
    ($(#[$doc:meta])* $fn_name:ident, $file:literal, $prepare:expr) => {
        $(#[$doc])*
        pub fn $fn_name() -> Result<&'static Network> {
            static CELL: OnceLock<std::result::Result<Network, String>> = OnceLock::new();
            CELL.get_or_init(|| {
                let bytes = include_bytes!(concat!("../models/", $file, ".nnef.tar"));
                Network::load($file, bytes, $prepare).map_err(|e| e.to_string())
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
    "face_landmark",
    Prepare::Optimize
);
embedded!(
    /// BlazeFace short range: 128×128 RGB in [−1, 1] → 896 anchors × (box + 6 keypoints), logits.
    face_detection,
    "face_detection_short_range",
    Prepare::Optimize
);
embedded!(
    /// Iris landmarks: 64×64 RGB crop of an image-left eye in [0, 1] → 71 eye-contour points and
    /// 5 iris points (centre first), x, y, z in crop pixels.
    iris_landmark,
    "iris_landmark",
    Prepare::Optimize
);
embedded!(
    /// Selfie segmentation: 256×256 RGB in [0, 1] → person probability per pixel.
    selfie_segmentation,
    "selfie_segmentation",
    Prepare::DeclutterAgain
);

/// Starts loading the networks the face stage needs last (iris, then FaceMesh) on a background
/// thread. Loading all four takes more CPU than checking a photo; this way the two loaded here
/// overlap decoding and the loading of the segmentation and detection networks on the calling
/// thread. A caller that needs a network still being loaded waits for
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

mod nnef_text;
#[cfg(test)]
mod onnx;
mod optimizer;

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::prelude::InferenceModelExt;

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

    /// Outputs as bit patterns: `-0.0 == 0.0` and `NaN != NaN` would hide or invent differences.
    fn bits(outputs: &[TValue]) -> Vec<Vec<u32>> {
        outputs
            .iter()
            .map(|t| floats(t).iter().map(|f| f.to_bits()).collect())
            .collect()
    }

    #[test]
    fn every_embedded_network_loads_and_runs_on_its_input_size() {
        for (stem, size, outputs) in onnx::NETWORKS {
            let net = embedded(stem);
            let input = nhwc_tensor(&image::RgbImage::new(size as u32, size as u32), 1.0, 0.0);
            let out = net.run(input).unwrap();
            assert_eq!(out.len(), outputs, "{net:?}");
        }
    }

    /// An NNEF archive with its names taken out: the graph text with every identifier and
    /// label renamed by order of first appearance, and the tensors' bytes in that order.
    /// tract names the nodes its passes add after a hash map's order, so two conversions of
    /// one network differ in names only.
    fn canonical(tar: &[u8]) -> (String, Vec<Vec<u8>>) {
        let files = nnef_text::tar_files(tar).unwrap_or_default();
        let graph = files
            .iter()
            .find(|(n, _)| *n == "graph.nnef")
            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default();
        let mut names: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut chars = graph.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_alphabetic() || c == '_' {
                let mut word = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' || n == '.' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let i = names.iter().position(|w| *w == word).unwrap_or_else(|| {
                    names.push(word);
                    names.len() - 1
                });
                text.push_str(&format!("#{i}"));
            } else {
                text.push(c);
            }
        }
        let tensors = names
            .iter()
            .filter_map(|n| {
                let file = format!("{n}.dat");
                files
                    .iter()
                    .find(|(f, _)| *f == file)
                    .map(|(_, d)| d.to_vec())
            })
            .collect();
        (text, tensors)
    }

    /// The shipped NNEF files are what `onnx::decluttered` makes of the ONNX sources with this
    /// tract, node for node and tensor for tensor (names aside, see [`canonical`]);
    /// `REGENERATE=1 cargo test --lib nn` rewrites them (after a tract upgrade, say), and the
    /// next test proves the rewritten ones answer as the sources do.
    #[test]
    fn shipped_nnef_files_are_the_onnx_sources_decluttered() {
        let regenerate = std::env::var_os("REGENERATE").is_some_and(|v| v == "1");
        for (stem, ..) in onnx::NETWORKS {
            let source = std::fs::read(onnx::model_path(stem, "onnx")).unwrap();
            let expected = onnx::nnef_tar(&onnx::decluttered(&source).unwrap()).unwrap();
            let path = onnx::model_path(stem, "nnef.tar");
            if regenerate {
                std::fs::write(&path, &expected).unwrap();
            }
            let shipped = std::fs::read(&path).unwrap_or_default();
            let (want, got) = (canonical(&expected), canonical(&shipped));
            assert!(
                !want.0.is_empty() && !want.1.is_empty(),
                "{stem}: no graph read"
            );
            assert!(
                got == want,
                "{} is not {stem}.onnx decluttered by this tract; \
                 `REGENERATE=1 cargo test --lib nn` rewrites it",
                path.display()
            );
        }
    }

    /// Loading the decluttered NNEF instead of the ONNX source changes no output bit: the same
    /// inputs through the plan every start used to build from ONNX (parse, PReLU rewrite, type,
    /// declutter, optimise) and through the embedded network.
    #[test]
    fn networks_answer_as_their_onnx_sources_to_the_bit() {
        for (stem, side, outputs) in onnx::NETWORKS {
            let source = std::fs::read(onnx::model_path(stem, "onnx")).unwrap();
            let from_onnx = onnx::plan(&source).unwrap();
            let net = embedded(stem);
            let inputs = [
                ("noise 7", onnx::noise_input(side, 7)),
                ("noise 2024", onnx::noise_input(side, 2024)),
                ("portrait", onnx::portrait_input(side)),
            ];
            for (what, input) in inputs {
                let expected = from_onnx.run(tvec!(input.clone().into_tvalue())).unwrap();
                let got = net.run(input).unwrap();
                assert_eq!(got.len(), outputs, "{stem}");
                assert_eq!(bits(&got), bits(&expected), "{stem}, {what}");
            }
        }
    }

    /// The embedded archives are read without tract's text parser (`nnef_text`), into the
    /// same document and tensors tract's reader makes of them.
    #[test]
    fn embedded_files_read_as_tracts_reader_reads_them() {
        for (stem, ..) in onnx::NETWORKS {
            let bytes = std::fs::read(onnx::model_path(stem, "nnef.tar")).unwrap();
            let ours = nnef_text::proto_model(&bytes).expect(stem);
            let tracts = tract_nnef::nnef()
                .proto_model_for_read(&mut std::io::Cursor::new(&bytes))
                .unwrap();
            assert!(ours.doc == tracts.doc, "{stem}: another document");
            assert!(!ours.tensors.is_empty());
            let mut names: Vec<_> = ours.tensors.keys().collect();
            names.sort();
            let mut theirs: Vec<_> = tracts.tensors.keys().collect();
            theirs.sort();
            assert_eq!(names, theirs, "{stem}");
            for (name, tensor) in &ours.tensors {
                assert!(**tensor == *tracts.tensors[name], "{stem}: {name:?}");
            }
            assert!(tracts.quantization.is_none() && tracts.resources.is_empty());
        }
    }

    /// `optimizer::declutter` and `optimize` build the graphs tract's `declutter` and `optimize`
    /// build: the same operators in the same order, wired the same way.
    #[test]
    fn optimizer_builds_tracts_graph() {
        let describe = |model: &TypedModel| -> Vec<String> {
            model
                .nodes
                .iter()
                .map(|n| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        n.op, n.inputs, n.outputs, model.outputs
                    )
                })
                .collect()
        };
        for (stem, ..) in onnx::NETWORKS {
            let bytes = std::fs::read(onnx::model_path(stem, "nnef.tar")).unwrap();
            let mut model = nnef()
                .model_for_proto_model(&proto_model(&bytes).unwrap())
                .unwrap();
            let mut tracts = model.clone();
            if stem == "selfie_segmentation" {
                tracts.declutter().unwrap();
                optimizer::declutter(&mut model).unwrap();
                assert_eq!(describe(&model), describe(&tracts), "{stem} decluttered");
            }
            tracts.optimize().unwrap();
            optimizer::optimize(&mut model).unwrap();
            assert!(model.nodes.len() > 100, "{stem}");
            assert_eq!(describe(&model), describe(&tracts), "{stem}");
            assert_eq!(model.properties.len(), tracts.properties.len(), "{stem}");
        }
    }

    /// Syntax beyond what tract writes for these networks is left to tract's reader, not
    /// misread.
    #[test]
    fn text_beyond_the_written_subset_is_left_to_tract() {
        let graph = |body: &str| {
            format!(
                "version 1.0;\nextension tract_registry tract_core;\n\
                 graph network(x) -> (y) {{\n  x = external(shape = [1, 2]);\n  {body}\n}}\n"
            )
        };
        let plain = graph("y = add(x, [[0.5e-3, -inf]], flag = true, s = 'a\\'b');");
        let doc = nnef_text::parse_document(&plain).unwrap();
        assert!(doc == tract_nnef::ast::parse::parse_document(&plain).unwrap());
        for body in [
            "y = x + x;",
            "y = x[0];",
            "y = -x;",
            "y = x if true else x;",
            "y = [for i in x yield i];",
            "y = add(x, infinite);",
            "y = add(x, trueish);",
            "[y] = x;",
        ] {
            assert!(nnef_text::parse_document(&graph(body)).is_none(), "{body}");
        }
    }

    #[test]
    fn prelu_rewritten_gives_the_networks_answers_to_the_bit() {
        let bytes = std::fs::read(onnx::model_path("iris_landmark", "onnx")).unwrap();
        let onnx_fw = tract_onnx::onnx();
        let proto = onnx_fw
            .proto_model_for_read(&mut std::io::Cursor::new(&bytes))
            .unwrap();
        let count = |p: &tract_onnx::pb::ModelProto, op: &str| {
            p.graph
                .as_ref()
                .map_or(0, |g| g.node.iter().filter(|n| n.op_type == op).count())
        };
        let prelus = count(&proto, "PRelu");
        assert!(prelus > 0);
        let plain = onnx_fw
            .model_for_proto_model(&proto)
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .unwrap();
        let mut rewritten = proto.clone();
        onnx::prelu_as_relu(&mut rewritten);
        assert_eq!(
            (count(&rewritten, "PRelu"), count(&rewritten, "Relu")),
            (0, prelus)
        );
        let rewritten = onnx::plan(&bytes).unwrap();

        // An eye-sized crop of noise: every PReLU sees inputs of both signs.
        let input = || tvec!(onnx::noise_input(64, 7).into_tvalue());
        let (a, b) = (plain.run(input()).unwrap(), rewritten.run(input()).unwrap());
        assert_eq!(a.len(), 2);
        assert_eq!(bits(&a), bits(&b));
    }
}
