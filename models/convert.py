#!/usr/bin/env python3
"""Reproduce the ONNX model files in this folder from MediaPipe's npm and PyPI packages.

What it does
  1. Unpacks the npm tarballs (from `npm pack`) and the PyPI wheel (from `pip download`):
       @mediapipe/face_mesh 0.4.1657299874          -> mediapipe-face_mesh-0.4.1657299874.tgz
       @mediapipe/selfie_segmentation 0.1.1675465747 -> mediapipe-selfie_segmentation-0.1.1675465747.tgz
       mediapipe 0.10.14 (PyPI, CPython 3.11 x86_64)  -> mediapipe-0.10.14-cp311-...whl
     face_mesh packs its models in face_mesh_solution_packed_assets.data; the byte range of each
     file is read from face_mesh_solution_packed_assets_loader.js. selfie_segmentation.tflite is a
     plain file in its package; iris_landmark.tflite is mediapipe/modules/iris_landmark/ in the
     wheel (its sha256 is checked: the npm packages do not ship the iris model on its own).
  2. Converts with tf2onnx (run as `python -m tf2onnx.convert --tflite X --output Y --opset N`):
       face_landmark.tflite              -> face_landmark.onnx               (opset 13)
       face_detection_short_range.tflite -> face_detection_short_range.onnx  (opset 13)
       selfie_segmentation.tflite        -> selfie_segmentation.onnx         (opset 17)
       iris_landmark.tflite              -> iris_landmark.onnx               (opset 13)
  3. Graph surgery on selfie_segmentation: tf2onnx leaves MediaPipe's custom op
     Convolution2DTransposeBias (node `segment`, ONNX op type TFL_Convolution2DTransposeBias) in
     place. It is replaced by a standard ConvTranspose (kernel 2x2, stride 2, no padding: TFLite
     padding SAME with kernel == stride) applied to the NCHW tensor that fed the Transpose
     (NCHW->NHWC) in front of the custom node, followed by a Transpose back to NHWC. The kernel is
     reordered from TFLite's (O, H, W, I) to ONNX's (I, O, H, W); the bias is kept. Padding and
     strides are read from the TFLite op's custom options and checked.
  4. Makes the output reproducible: renames tf2onnx's run-dependent internal tensor/node names by
     position (graph input/output names are kept), replaces tf2onnx's doc string (it contains the
     local temp path), runs tf2onnx with PYTHONHASHSEED=0; then runs onnx.checker (full check,
     with shape inference) and asserts that only standard ONNX ops remain.
  5. Optionally (--verify PHOTO_DIR) compares every ONNX file, run with onnxruntime, against the
     original .tflite run with tf.lite.Interpreter on real photos, and prints max abs differences.

Usage
  mkdir -p /tmp/mp && cd /tmp/mp && \
    npm pack @mediapipe/face_mesh@0.4.1657299874 @mediapipe/selfie_segmentation@0.1.1675465747 && \
    pip download mediapipe==0.10.14 --no-deps --python-version 3.11 --platform manylinux2014_x86_64 -d .
  python3 -m venv /tmp/mp/venv && /tmp/mp/venv/bin/pip install tf2onnx tensorflow-cpu onnx onnxruntime pillow
  /tmp/mp/venv/bin/python models/convert.py \
      --face-mesh-tgz /tmp/mp/mediapipe-face_mesh-0.4.1657299874.tgz \
      --selfie-tgz /tmp/mp/mediapipe-selfie_segmentation-0.1.1675465747.tgz \
      --mediapipe-wheel /tmp/mp/mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
      --out-dir models --work-dir /tmp/mp/work [--verify ../shared/data/photos]

Tested with Python 3.11, tensorflow-cpu 2.21.0, tf2onnx 1.17.0, onnx 1.23.2, onnxruntime 1.32.0,
numpy 2.4, pillow 13.0. The .tflite originals are written to --work-dir only; do not commit them.
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import tarfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FACE_MESH_VERSION = "0.4.1657299874"
SELFIE_VERSION = "0.1.1675465747"
MEDIAPIPE_WHEEL_VERSION = "0.10.14"
IRIS_IN_WHEEL = "mediapipe/modules/iris_landmark/iris_landmark.tflite"
IRIS_SHA256 = "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f"

# (tflite name inside the package, output name, opset, source package)
MODELS = [
    ("face_landmark.tflite", "face_landmark.onnx", 13, f"npm @mediapipe/face_mesh@{FACE_MESH_VERSION}"),
    ("face_detection_short_range.tflite", "face_detection_short_range.onnx", 13,
     f"npm @mediapipe/face_mesh@{FACE_MESH_VERSION}"),
    ("selfie_segmentation.tflite", "selfie_segmentation.onnx", 17,
     f"npm @mediapipe/selfie_segmentation@{SELFIE_VERSION}"),
    ("iris_landmark.tflite", "iris_landmark.onnx", 13, f"PyPI mediapipe=={MEDIAPIPE_WHEEL_VERSION}"),
]


# --------------------------------------------------------------------------- extraction

def extract_tflites(face_mesh_tgz, selfie_tgz, wheel, work_dir):
    """Write the four .tflite originals to work_dir."""
    os.makedirs(work_dir, exist_ok=True)
    with tarfile.open(face_mesh_tgz) as tf:
        loader = tf.extractfile("package/face_mesh_solution_packed_assets_loader.js").read().decode()
        packed = tf.extractfile("package/face_mesh_solution_packed_assets.data").read()
    ranges = {}
    for m in re.finditer(r'"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)', loader):
        ranges[os.path.basename(m.group(1))] = (int(m.group(2)), int(m.group(3)))
    for name in ("face_landmark.tflite", "face_detection_short_range.tflite"):
        start, end = ranges[name]
        blob = packed[start:end]
        assert blob[4:8] == b"TFL3", f"{name}: not a TFLite flatbuffer"
        with open(os.path.join(work_dir, name), "wb") as f:
            f.write(blob)
    with tarfile.open(selfie_tgz) as tf:
        blob = tf.extractfile("package/selfie_segmentation.tflite").read()
    assert blob[4:8] == b"TFL3"
    with open(os.path.join(work_dir, "selfie_segmentation.tflite"), "wb") as f:
        f.write(blob)
    import hashlib
    import zipfile
    with zipfile.ZipFile(wheel) as z:
        blob = z.read(IRIS_IN_WHEEL)
    assert hashlib.sha256(blob).hexdigest() == IRIS_SHA256, "iris_landmark.tflite: unexpected sha256"
    with open(os.path.join(work_dir, "iris_landmark.tflite"), "wb") as f:
        f.write(blob)


# --------------------------------------------------------------------------- conversion

def tf2onnx_convert(tflite_path, onnx_path, opset):
    cmd = [sys.executable, "-m", "tf2onnx.convert", "--tflite", tflite_path,
           "--output", onnx_path, "--opset", str(opset)]
    # fixed hash seed: tf2onnx iterates over sets, so names and node order vary between runs otherwise
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(onnx_path):
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"tf2onnx failed on {tflite_path}")


def tflite_custom_op_options(tflite_path, custom_code):
    """(padding, stride_w, stride_h) of the first custom op named custom_code.

    MediaPipe's Convolution2DTransposeBias stores a raw TfLiteTransposeConvParams struct:
    int32 padding (1 = SAME, 2 = VALID), int32 stride_width, int32 stride_height.
    """
    from tf2onnx.tflite.Model import Model
    buf = open(tflite_path, "rb").read()
    model = Model.GetRootAsModel(buf, 0)
    sg = model.Subgraphs(0)
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex()).CustomCode()
        if code is not None and code.decode() == custom_code:
            raw = op.CustomOptionsAsNumpy().tobytes()
            return tuple(int(v) for v in np.frombuffer(raw[:12], dtype="<i4"))
    raise SystemExit(f"{custom_code} not found in {tflite_path}")


def replace_transpose_conv_bias(model, tflite_path):
    """Replace TFL_Convolution2DTransposeBias by ConvTranspose(NCHW) + Transpose(->NHWC)."""
    import onnx
    from onnx import helper, numpy_helper

    g = model.graph
    custom = [n for n in g.node if n.op_type == "TFL_Convolution2DTransposeBias"]
    assert len(custom) == 1, f"expected one custom node, found {len(custom)}"
    node = custom[0]
    x_nhwc, w_name, b_name = node.input
    out_name = node.output[0]

    padding, stride_w, stride_h = tflite_custom_op_options(tflite_path, "Convolution2DTransposeBias")
    inits = {i.name: i for i in g.initializer}
    w = numpy_helper.to_array(inits[w_name])  # TFLite: (O, H, W, I)
    b = numpy_helper.to_array(inits[b_name])  # (O,)
    o, kh, kw, ci = w.shape
    assert padding == 1 and (stride_h, stride_w) == (kh, kw), \
        f"only SAME padding with kernel == stride handled (got pad={padding}, s={stride_h}x{stride_w}, k={kh}x{kw})"
    assert b.shape == (o,)

    producers = {out: n for n in g.node for out in n.output}
    tr = producers[x_nhwc]
    perm = [a for a in tr.attribute if a.name == "perm"][0].ints
    assert tr.op_type == "Transpose" and list(perm) == [0, 2, 3, 1], "custom node not fed by NCHW->NHWC Transpose"
    x_nchw = tr.input[0]

    w_onnx = np.ascontiguousarray(w.transpose(3, 0, 1, 2)).astype(np.float32)  # (I, O, H, W)
    new_w = numpy_helper.from_array(w_onnx, name=out_name + "/kernel_iohw")
    new_b = numpy_helper.from_array(b.astype(np.float32), name=out_name + "/bias")

    convt = helper.make_node(
        "ConvTranspose", [x_nchw, new_w.name, new_b.name], [out_name + "_nchw"],
        name=out_name + "_convtranspose",
        kernel_shape=[kh, kw], strides=[stride_h, stride_w], pads=[0, 0, 0, 0],
        dilations=[1, 1], group=1)
    back = helper.make_node("Transpose", [out_name + "_nchw"], [out_name],
                            name=out_name + "_to_nhwc", perm=[0, 2, 3, 1])

    # rebuild the node list, keeping topological order
    consumers_of_tr = [n for n in g.node if x_nhwc in n.input and n is not node]
    new_nodes = []
    for n in g.node:
        if n is node:
            new_nodes += [convt, back]
        elif n is tr and not consumers_of_tr and x_nhwc not in [o.name for o in g.output]:
            continue  # the Transpose only fed the custom node
        else:
            new_nodes.append(n)
    del g.node[:]
    g.node.extend(new_nodes)

    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep + [new_w, new_b])
    del g.value_info[:]  # stale shapes of removed tensors; shape inference fills them again
    return model


def canonical_names(model):
    """Give every internal tensor, node and initializer a name derived from its position.

    tf2onnx's names vary from run to run (counter-numbered names such as const_fold_opt__440, and
    which of two merged duplicate nodes keeps its name), so without this two conversions give
    different bytes. Graph inputs and outputs keep their names. A node is named after its first
    output: <op_type>_<index in node list>; initializers are <consumer node>_in<k>.
    """
    g = model.graph
    keep = {i.name for i in g.input} | {o.name for o in g.output}
    mapping = {name: name for name in keep}
    init_names = {t.name for t in g.initializer}
    for k, n in enumerate(g.node):
        base = f"{n.op_type}_{k}"
        for j, out in enumerate(n.output):
            if out not in mapping:
                mapping[out] = base if j == 0 else f"{base}_out{j}"
        for j, x in enumerate(n.input):
            if x in init_names and x not in mapping:
                mapping[x] = f"{base}_in{j}"
        n.name = mapping[n.output[0]]
    for n in g.node:
        for j, x in enumerate(n.input):
            if x:
                n.input[j] = mapping[x]
        for j, x in enumerate(n.output):
            n.output[j] = mapping[x]
    inits = [t for t in g.initializer if t.name in mapping]
    for t in inits:
        t.name = mapping[t.name]
    order = {}
    for k, n in enumerate(g.node):
        for x in n.input:
            order.setdefault(x, k)
    inits.sort(key=lambda t: (order[t.name], t.name))
    del g.initializer[:]
    g.initializer.extend(inits)
    names = [o for n in g.node for o in n.output] + [t.name for t in g.initializer]
    assert len(names) == len(set(names)), "renaming produced duplicate tensor names"
    return model


def postprocess(onnx_path, tflite_name, source_pkg, tflite_path, surgery):
    import onnx
    model = onnx.load(onnx_path)
    if surgery:
        model = replace_transpose_conv_bias(model, tflite_path)
    model = canonical_names(model)
    del model.graph.value_info[:]  # recomputed below by shape inference
    import tf2onnx
    model.graph.doc_string = (f"{tflite_name} from {source_pkg}, converted by tf2onnx "
                              f"{tf2onnx.__version__} (models/convert.py)")
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    bad = [n.op_type for n in model.graph.node if n.domain not in ("", "ai.onnx")]
    assert not bad, f"non-standard ops left: {bad}"
    onnx.save(model, onnx_path)


# --------------------------------------------------------------------------- verification

def load_rgb(path):
    from PIL import Image, ImageOps
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    return im.convert("RGB")


def face_crop(im, row, size):
    """Square crop around the annotated face, ~1.5x the face width (like MediaPipe's ROI)."""
    from PIL import Image
    ex = (float(row["right_eye_x"]) + float(row["left_eye_x"])) / 2
    ey = (float(row["right_eye_y"]) + float(row["left_eye_y"])) / 2
    if row["face_x_min"] and row["face_x_max"]:
        fw = float(row["face_x_max"]) - float(row["face_x_min"])
    else:
        fw = 2.2 * abs(float(row["left_eye_x"]) - float(row["right_eye_x"]))
    cx, cy = ex, ey + 0.25 * fw
    half = 0.75 * fw
    box = (cx - half, cy - half, cx + half, cy + half)
    return np.asarray(im.transform((size, size), Image.EXTENT, box, Image.BILINEAR), dtype=np.float32)


def eye_crop(im, row, eye, flip):
    """64x64 square around an annotated pupil, 2.3x an eye width (~0.6 of the inter-eye distance)."""
    from PIL import Image
    x, y = float(row[f"{eye}_eye_x"]), float(row[f"{eye}_eye_y"])
    iod = abs(float(row["left_eye_x"]) - float(row["right_eye_x"]))
    half = 2.3 * 0.6 * iod / 2
    crop = im.transform((64, 64), Image.EXTENT, (x - half, y - half, x + half, y + half), Image.BILINEAR)
    if flip:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    return np.asarray(crop, dtype=np.float32)


def letterbox(im, size):
    from PIL import Image
    w, h = im.size
    s = size / max(w, h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    canvas = Image.new("RGB", (size, size))
    canvas.paste(im.resize((nw, nh), Image.BILINEAR), ((size - nw) // 2, (size - nh) // 2))
    return np.asarray(canvas, dtype=np.float32)


def verify(out_dir, work_dir, photo_dir):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings
    warnings.filterwarnings("ignore")
    import onnxruntime as ort
    import tensorflow as tf
    from PIL import Image

    rows = {r["file"]: r for r in csv.DictReader(open(os.path.join(photo_dir, "annotations.csv")))}
    photos = sorted(f for f in os.listdir(photo_dir) if f.lower().endswith((".jpg", ".jpeg", ".png")))

    def inputs_for(name):
        for f in photos:
            im = load_rgb(os.path.join(photo_dir, f))
            if name == "face_landmark":
                r = rows.get(f)
                if r and r["right_eye_x"]:
                    yield f, face_crop(im, r, 192) / 255.0
                    if f == "hv_test0.jpg":  # a crop without a face, for the presence score
                        yield f + "[background]", np.asarray(
                            im.crop((0, 0, 160, 160)).resize((192, 192), Image.BILINEAR), np.float32) / 255.0
            elif name == "face_detection_short_range":
                yield f, letterbox(im, 128) / 127.5 - 1.0
            elif name == "iris_landmark":
                r = rows.get(f)
                if r and r["right_eye_x"]:
                    for eye, flip in (("right", False), ("left", True)):
                        yield f"{f}[{eye} eye]", eye_crop(im, r, eye, flip) / 255.0
            else:
                yield f, np.asarray(im.resize((256, 256), Image.BILINEAR), np.float32) / 255.0

    for tflite_name, onnx_name, _, _ in MODELS:
        name = onnx_name[:-5]
        interp = tf.lite.Interpreter(model_path=os.path.join(work_dir, tflite_name))
        interp.allocate_tensors()
        tin = interp.get_input_details()[0]
        touts = interp.get_output_details()
        sess = ort.InferenceSession(os.path.join(out_dir, onnx_name), providers=["CPUExecutionProvider"])
        oin = sess.get_inputs()[0].name
        onames = [o.name for o in sess.get_outputs()]
        worst = {}
        print(f"== {onnx_name}")
        for f, x in inputs_for(name):
            x = x[None].astype(np.float32)
            interp.set_tensor(tin["index"], x)
            interp.invoke()
            ref = {d["name"]: interp.get_tensor(d["index"]) for d in touts}
            got = dict(zip(onames, sess.run(None, {oin: x})))
            diffs = {k: float(np.max(np.abs(ref[k] - got[k]))) for k in onames}
            for k, d in diffs.items():
                worst[k] = max(worst.get(k, 0.0), d)
            extra = ""
            if name == "face_landmark":
                s = float(got["conv2d_31"].ravel()[0])
                extra = f"  score logit {s:+.2f} sigmoid {1 / (1 + np.exp(-s)):.3f}"
            elif name == "face_detection_short_range":
                c = got["classificators"].ravel()
                extra = f"  max score {1 / (1 + np.exp(-np.clip(c.max(), -100, 100))):.3f}"
            elif name == "iris_landmark":
                c = got["output_iris"].ravel()
                extra = f"  iris centre ({c[0]:.1f}, {c[1]:.1f}) of 64"
            else:
                extra = f"  mask range [{got['activation_10'].min():.3f}, {got['activation_10'].max():.3f}]"
            print(f"  {f:32s} " + " ".join(f"{k}: {v:.2e}" for k, v in diffs.items()) + extra)
        print("  max abs diff over all photos: " + " ".join(f"{k}: {v:.2e}" for k, v in worst.items()))


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--face-mesh-tgz", required=True)
    ap.add_argument("--selfie-tgz", required=True)
    ap.add_argument("--mediapipe-wheel", required=True)
    ap.add_argument("--out-dir", required=True, help="where the .onnx files are written")
    ap.add_argument("--work-dir", required=True, help="scratch folder for the .tflite originals")
    ap.add_argument("--verify", metavar="PHOTO_DIR", help="compare ONNX vs TFLite on these photos")
    ap.add_argument("--skip-convert", action="store_true", help="only verify existing files")
    a = ap.parse_args()

    if not a.skip_convert:
        extract_tflites(a.face_mesh_tgz, a.selfie_tgz, a.mediapipe_wheel, a.work_dir)
        os.makedirs(a.out_dir, exist_ok=True)
        for tflite_name, onnx_name, opset, pkg in MODELS:
            tfl = os.path.join(a.work_dir, tflite_name)
            out = os.path.join(a.out_dir, onnx_name)
            tf2onnx_convert(tfl, out, opset)
            postprocess(out, tflite_name, pkg, tfl, surgery=(tflite_name == "selfie_segmentation.tflite"))
            print(f"wrote {out} ({os.path.getsize(out)} bytes)")
    if a.verify:
        verify(a.out_dir, a.work_dir, a.verify)


if __name__ == "__main__":
    main()
