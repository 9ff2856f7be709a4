//! The networks' ONNX sources (`models/*.onnx`) run by tract, a general ONNX engine: the
//! reference the embedded interpreter's tests and `examples/bench_startup` compare with. Only
//! they build this module; the binary does not link tract.
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

/// tract's optimised plan of an ONNX file: the reference the embedded interpreter is checked
/// against.
pub fn plan(onnx_bytes: &[u8]) -> TractResult<std::sync::Arc<TypedSimplePlan>> {
    tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(onnx_bytes))?
        .into_optimized()?
        .into_runnable()
}

/// Runs tract's plan on a `[1, side, side, 3]` input; each output's values.
pub fn run(plan: &std::sync::Arc<TypedSimplePlan>, side: usize, data: &[f32]) -> Vec<Vec<f32>> {
    let input = Tensor::from_shape(&[1, side, side, 3], data).expect("shape matches data");
    plan.run(tvec!(input.into_tvalue()))
        .expect("tract runs the network")
        .iter()
        .map(|t| {
            t.to_plain_array_view::<f32>()
                .map(|a| a.iter().copied().collect())
                .unwrap_or_default()
        })
        .collect()
}

/// A fixed `[1, side, side, 3]` input of pseudo-random values in [0, 1]: every activation of
/// the networks sees values of both signs, unlike a blank image.
pub fn noise_input(side: usize, seed: u32) -> Vec<f32> {
    let mut state = seed;
    let data: Vec<f32> = (0..side * side * 3)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32
        })
        .collect();
    data
}

/// A fixed `[1, side, side, 3]` input shaped like an ID photo, values `v / 255` as the networks
/// get them: a light background shading left to right, a skin-toned oval head, dark shoulders.
/// Noise alone can leave a network's later layers in a range where two ways of computing an
/// activation agree; a portrait drives them as real photos do.
pub fn portrait_input(side: usize) -> Vec<f32> {
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
    data
}
