//! The networks' ONNX sources (`models/*.onnx`) and the way from them to the NNEF files the
//! binary embeds (`models/*.nnef.tar`). Only tests and `examples/bench_startup` build this
//! module: parsing, typing and decluttering an ONNX graph is the start-up cost the shipped NNEF
//! files save, so the binary neither does it nor links the ONNX parser.
//!
//! Self-contained (it names only `tract_onnx`), so an example can include it with `#[path]`.

use tract_onnx::prelude::*;

/// The four networks: file stem in `models/`, input side in pixels, output count.
pub const NETWORKS: [(&str, usize, usize); 4] = [
    ("face_detection_short_range", 128, 2),
    ("face_landmark", 192, 2),
    ("iris_landmark", 64, 2),
    ("selfie_segmentation", 256, 1),
];

/// The path to `models/<stem>.<ext>` in the source tree.
pub fn model_path(stem: &str, ext: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(format!("{stem}.{ext}"))
}

/// Parses an ONNX file into a typed model with `PRelu` rewritten, before any decluttering.
pub fn typed(onnx_bytes: &[u8]) -> TractResult<TypedModel> {
    let onnx = tract_onnx::onnx();
    let mut proto = onnx.proto_model_for_read(&mut std::io::Cursor::new(onnx_bytes))?;
    prelu_as_relu(&mut proto);
    onnx.model_for_proto_model(&proto)?.into_typed()
}

/// The typed, decluttered model the NNEF file stores: everything but the execution plan.
pub fn decluttered(onnx_bytes: &[u8]) -> TractResult<TypedModel> {
    typed(onnx_bytes)?.into_decluttered()
}

/// The NNEF tar of a decluttered model, byte for byte the same on every run (fixed timestamps,
/// sorted entries), so a test can tell whether a shipped file is up to date.
pub fn nnef_tar(model: &TypedModel) -> TractResult<Vec<u8>> {
    tract_nnef::nnef().write_to_tar_with_config(model, Vec::new(), false, true)
}

/// The plan the binary used to build at every start: ONNX parsed, `PRelu` rewritten, typed,
/// decluttered and optimised.
pub fn plan(onnx_bytes: &[u8]) -> TractResult<std::sync::Arc<TypedSimplePlan>> {
    let onnx = tract_onnx::onnx();
    let mut proto = onnx.proto_model_for_read(&mut std::io::Cursor::new(onnx_bytes))?;
    prelu_as_relu(&mut proto);
    onnx.model_for_proto_model(&proto)?
        .into_optimized()?
        .into_runnable()
}

/// Rewrites every `PRelu(x, slope)` of the graph as `Relu(x) + (x − Relu(x)) · slope`, the same
/// value to the bit (for x ≥ 0 the second term is 0, for x < 0 the first is), so tract runs it
/// with its vectorised kernels: tract 0.23 expands PRelu into a comparison and a select that run
/// element by element through generic array code. FaceMesh (23 PReLUs) and the iris model (53)
/// spend a third of their time there; rewritten, one FaceMesh run takes 4.3 ms instead of 5.0
/// and one iris run 3.0 ms instead of 4.4 (`cargo run --release --features examples --example bench_face` shows the
/// face stage). Their slopes run from −1.6 to 1.5, so the cheaper `max(x, slope · x)`, right
/// only for slopes in [0, 1], would change the answers.
pub fn prelu_as_relu(proto: &mut tract_onnx::pb::ModelProto) {
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

/// A fixed `[1, side, side, 3]` input of pseudo-random values in [0, 1]: every activation of
/// the networks sees values of both signs, unlike a blank image.
pub fn noise_input(side: usize, seed: u32) -> Tensor {
    let mut state = seed;
    let data: Vec<f32> = (0..side * side * 3)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32
        })
        .collect();
    Tensor::from_shape(&[1, side, side, 3], &data).expect("shape matches data")
}

/// A fixed `[1, side, side, 3]` input shaped like an ID photo, values `v / 255` as the networks
/// get them: a light background shading left to right, a skin-toned oval head, dark shoulders.
/// Noise alone can leave a network's later layers in a range where two ways of computing an
/// activation agree; a portrait drives them as real photos do.
pub fn portrait_input(side: usize) -> Tensor {
    let s = side as f32;
    let mut data = Vec::with_capacity(side * side * 3);
    for y in 0..side {
        for x in 0..side {
            let (fx, fy) = (x as f32 / s, y as f32 / s);
            let head = ((fx - 0.5) / 0.22).powi(2) + ((fy - 0.4) / 0.3).powi(2) <= 1.0;
            let shoulders = fy > 0.72 && (fx - 0.5).abs() < 0.45;
            let rgb: [f32; 3] = if head {
                [224.0 - 40.0 * fy, 172.0 - 30.0 * fy, 140.0]
            } else if shoulders {
                [40.0, 44.0, 60.0 + 20.0 * fx]
            } else {
                [236.0 - 30.0 * fx, 238.0 - 20.0 * fx, 242.0]
            };
            data.extend(rgb.map(|v| v.round() / 255.0));
        }
    }
    Tensor::from_shape(&[1, side, side, 3], &data).expect("shape matches data")
}
