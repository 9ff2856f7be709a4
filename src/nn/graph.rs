//! A network as a list of steps, built once from its ONNX graph and run for each input.
//!
//! Building it checks every operator and attribute against what the steps implement, turns
//! each convolution's weights into the layout its kernel reads, and joins a convolution with the
//! ReLU or PReLU that alone reads its output; running it allocates each step's output and frees
//! each value after its last reader. Shapes are checked at run time, so an unexpected input is
//! an error, never an out-of-bounds read.

use super::kernels::{self, Activation, Window};
use super::proto::{self, Constant};
use std::collections::HashMap;

/// A dense float tensor, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tensor {
    /// Size of each axis, outermost first.
    shape: Vec<usize>,
    /// The values, last axis fastest; as many as the shape holds.
    data: Vec<f32>,
}

impl Tensor {
    /// A tensor of this shape, if `data` has as many values as the shape holds.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Option<Self> {
        (shape.iter().product::<usize>() == data.len()).then_some(Tensor { shape, data })
    }

    /// Size of each axis, outermost first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The values, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// `[c, h, w]` of a batch-1 NCHW tensor.
    fn chw(&self) -> Result<(usize, usize, usize), String> {
        match self.shape[..] {
            [1, c, h, w] => Ok((c, h, w)),
            _ => Err(format!(
                "expected a [1, C, H, W] tensor, got {:?}",
                self.shape
            )),
        }
    }
}

#[derive(Debug)]
struct Conv {
    cin: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
    kernel: (usize, usize),
    stride: (usize, usize),
    /// Top, left, bottom, right.
    pads: [usize; 4],
    kind: ConvKind,
    activation: Activation,
}

#[derive(Debug, PartialEq)]
enum ConvKind {
    Pointwise,
    Depthwise,
    Dense,
}

#[derive(Debug)]
enum Op {
    Conv(Box<Conv>),
    /// Kernel equal to the stride, no padding: each input pixel spreads into its own block.
    ConvTranspose {
        cout: usize,
        /// `[cout·kh·kw, cin]`.
        weights: Vec<f32>,
        bias: Vec<f32>,
        kernel: (usize, usize),
    },
    Relu,
    PRelu(Vec<f32>),
    Sigmoid,
    HardSwish,
    Add,
    Mul,
    Transpose(Vec<usize>),
    Reshape(Vec<i64>),
    Pad {
        pads: Vec<usize>,
        value: f32,
    },
    Pool {
        kernel: (usize, usize),
        stride: (usize, usize),
        max: bool,
    },
    Resize {
        scale: (f32, f32),
    },
    Concat(usize),
}

/// Where a step's operand comes from.
#[derive(Debug)]
enum Arg {
    Value(usize),
    Constant(Tensor),
}

#[derive(Debug)]
struct Step {
    op: Op,
    args: Vec<Arg>,
    out: usize,
}

/// A network ready to run.
#[derive(Debug)]
pub struct Plan {
    steps: Vec<Step>,
    values: usize,
    input: usize,
    /// The input's declared shape; `None` leaves an axis's size open.
    input_shape: Vec<Option<usize>>,
    outputs: Vec<usize>,
    /// Per step, the values no later step (and no output) reads.
    frees: Vec<Vec<usize>>,
}

fn constant<'a>(graph: &'a proto::Graph, name: &str) -> Result<&'a Constant, String> {
    graph
        .constants
        .get(name)
        .ok_or_else(|| format!("{name} is not a constant"))
}

fn pair(v: Option<&[i64]>, default: usize) -> Result<(usize, usize), String> {
    match v {
        None => Ok((default, default)),
        Some([a, b]) if *a >= 0 && *b >= 0 => Ok((*a as usize, *b as usize)),
        Some(other) => Err(format!("expected two sizes, got {other:?}")),
    }
}

fn pads4(node: &proto::Node) -> Result<[usize; 4], String> {
    match node.ints("pads") {
        None => Ok([0; 4]),
        // ONNX orders them begin of each axis, then end: top, left, bottom, right.
        Some([t, l, b, r]) if [t, l, b, r].iter().all(|v| **v >= 0) => {
            Ok([*t as usize, *l as usize, *b as usize, *r as usize])
        }
        Some(other) => Err(format!("pads {other:?}")),
    }
}

fn no_auto_pad(node: &proto::Node) -> Result<(), String> {
    match node.text("auto_pad") {
        None | Some("NOTSET") => Ok(()),
        Some(other) => Err(format!("auto_pad {other}")),
    }
}

fn unit_dilations(node: &proto::Node) -> Result<(), String> {
    match node.ints("dilations") {
        None | Some([1, 1]) => Ok(()),
        Some(other) => Err(format!("dilations {other:?}")),
    }
}

/// The weights (`[a, b, kh, kw]`, checked) of a convolution without automatic padding or
/// dilation.
fn conv_weights<'a>(graph: &'a proto::Graph, node: &proto::Node) -> Result<&'a Constant, String> {
    no_auto_pad(node)?;
    unit_dilations(node)?;
    let w = constant(graph, node.inputs.get(1).ok_or("no weights")?)?;
    match w.dims.len() {
        4 => Ok(w),
        _ => Err(format!("weights {:?}", w.dims)),
    }
}

/// A convolution's bias: its third input, or zeros; `cout` values either way.
fn conv_bias(graph: &proto::Graph, node: &proto::Node, cout: usize) -> Result<Vec<f32>, String> {
    let bias = match node.inputs.get(2).filter(|n| !n.is_empty()) {
        Some(name) => constant(graph, name)?.values.clone(),
        None => vec![0.0; cout],
    };
    match bias.len() == cout {
        true => Ok(bias),
        false => Err("bias length".into()),
    }
}

fn conv(graph: &proto::Graph, node: &proto::Node) -> Result<Op, String> {
    let w = conv_weights(graph, node)?;
    let [cout, per_group, kh, kw] = w.dims[..] else {
        return Err(format!("weights {:?}", w.dims));
    };
    let bias = conv_bias(graph, node, cout)?;
    let group = usize::try_from(node.int("group").unwrap_or(1)).map_err(|_| "group")?;
    let stride = pair(node.ints("strides"), 1)?;
    let pads = pads4(node)?;
    if stride.0 == 0 || stride.1 == 0 || pads[0] >= kh || pads[1] >= kw {
        return Err("stride or padding".into());
    }
    let (kind, cin) = if group == 1 {
        let pointwise = (kh, kw) == (1, 1) && stride == (1, 1) && pads == [0; 4];
        let kind = if pointwise {
            ConvKind::Pointwise
        } else {
            ConvKind::Dense
        };
        (kind, per_group)
    } else if group == cout && per_group == 1 {
        (ConvKind::Depthwise, cout)
    } else {
        return Err(format!("group {group} with weights {:?}", w.dims));
    };
    Ok(Op::Conv(Box::new(Conv {
        cin,
        weights: w.values.clone(),
        bias,
        kernel: (kh, kw),
        stride,
        pads,
        kind,
        activation: Activation::None,
    })))
}

fn conv_transpose(graph: &proto::Graph, node: &proto::Node) -> Result<Op, String> {
    let w = conv_weights(graph, node)?;
    let [cin, cout, kh, kw] = w.dims[..] else {
        return Err(format!("weights {:?}", w.dims));
    };
    let stride = pair(node.ints("strides"), 1)?;
    if node.int("group").unwrap_or(1) != 1
        || stride != (kh, kw)
        || pads4(node)? != [0; 4]
        || node
            .ints("output_padding")
            .is_some_and(|p| p.iter().any(|&v| v != 0))
        || node.ints("output_shape").is_some()
    {
        return Err("only kernel = stride, no padding".into());
    }
    let bias = conv_bias(graph, node, cout)?;
    // [cin, cout, kh, kw] → [(cout, kh, kw), cin], the left operand of one product.
    let taps = cout * kh * kw;
    let mut weights = vec![0.0; taps * cin];
    for ci in 0..cin {
        for t in 0..taps {
            weights[t * cin + ci] = w.values[ci * taps + t];
        }
    }
    Ok(Op::ConvTranspose {
        cout,
        weights,
        bias,
        kernel: (kh, kw),
    })
}

fn op(graph: &proto::Graph, node: &proto::Node) -> Result<(Op, usize), String> {
    // The operator and how many of its leading inputs are values (the rest are constants it
    // has taken in).
    Ok(match node.op_type.as_str() {
        "Conv" => (conv(graph, node)?, 1),
        "ConvTranspose" => (conv_transpose(graph, node)?, 1),
        "Relu" => (Op::Relu, 1),
        "Sigmoid" => (Op::Sigmoid, 1),
        "HardSwish" => {
            let (alpha, beta) = (node.float("alpha"), node.float("beta"));
            if alpha.is_some_and(|a| a != 1.0 / 6.0) || beta.is_some_and(|b| b != 0.5) {
                return Err("HardSwish with other constants".into());
            }
            (Op::HardSwish, 1)
        }
        "PRelu" => {
            let slope = constant(graph, node.inputs.get(1).ok_or("no slope")?)?;
            // Per channel of an NCHW tensor: [1, C, 1, 1] or [C, 1, 1].
            if slope.dims.iter().filter(|&&d| d != 1).count() > 1
                || slope.dims.len() < 3
                || slope.dims[slope.dims.len() - 2..] != [1, 1]
            {
                return Err(format!("PRelu slope {:?}", slope.dims));
            }
            (Op::PRelu(slope.values.clone()), 1)
        }
        "Add" => (Op::Add, 2),
        "Mul" => (Op::Mul, 2),
        "Transpose" => {
            let perm: Vec<usize> = node
                .ints("perm")
                .ok_or("no perm")?
                .iter()
                .map(|&p| usize::try_from(p).map_err(|_| "perm"))
                .collect::<Result<_, _>>()?;
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..perm.len()).collect::<Vec<_>>() {
                return Err(format!("perm {perm:?}"));
            }
            (Op::Transpose(perm), 1)
        }
        "Reshape" => {
            let shape = constant(graph, node.inputs.get(1).ok_or("no shape")?)?;
            if node.int("allowzero").unwrap_or(0) != 0 {
                return Err("allowzero".into());
            }
            (
                Op::Reshape(shape.values.iter().map(|&v| v as i64).collect()),
                1,
            )
        }
        "Pad" => {
            if node.text("mode").is_some_and(|m| m != "constant") {
                return Err("only constant padding".into());
            }
            let pads = constant(graph, node.inputs.get(1).ok_or("no pads")?)?;
            let value = match node.inputs.get(2).filter(|n| !n.is_empty()) {
                Some(name) => *constant(graph, name)?.values.first().ok_or("pad value")?,
                None => 0.0,
            };
            if node.inputs.len() > 3 || pads.values.iter().any(|&p| p < 0.0) {
                return Err("negative or per-axis padding".into());
            }
            let pads = pads.values.iter().map(|&p| p as usize).collect();
            (Op::Pad { pads, value }, 1)
        }
        "MaxPool" | "AveragePool" => {
            no_auto_pad(node)?;
            let kernel = pair(node.ints("kernel_shape"), 0)?;
            let stride = pair(node.ints("strides"), 1)?;
            if pads4(node)? != [0; 4]
                || node.int("ceil_mode").unwrap_or(0) != 0
                || node.ints("dilations").is_some_and(|d| d != [1, 1])
                || node.outputs.len() > 1
                || kernel.0 == 0
                || kernel.1 == 0
                || stride.0 == 0
                || stride.1 == 0
            {
                return Err("pooling with padding, dilation or indices".into());
            }
            let max = node.op_type == "MaxPool";
            (
                Op::Pool {
                    kernel,
                    stride,
                    max,
                },
                1,
            )
        }
        "Resize" => {
            let mode = (
                node.text("mode"),
                node.text("coordinate_transformation_mode"),
            );
            if mode != (Some("linear"), Some("half_pixel"))
                || node.int("antialias").unwrap_or(0) != 0
            {
                return Err(format!("Resize {mode:?}"));
            }
            let scales = constant(graph, node.inputs.get(2).ok_or("no scales")?)?;
            if node.inputs.get(3).is_some_and(|n| !n.is_empty()) {
                return Err("Resize by sizes".into());
            }
            let [1.0, 1.0, sh, sw] = scales.values[..] else {
                return Err(format!("Resize scales {:?}", scales.values));
            };
            if !(sh > 0.0 && sw > 0.0) {
                return Err("Resize scales".into());
            }
            (Op::Resize { scale: (sh, sw) }, 1)
        }
        "Concat" => {
            let axis = usize::try_from(node.int("axis").ok_or("no axis")?).map_err(|_| "axis")?;
            (Op::Concat(axis), node.inputs.len())
        }
        other => return Err(format!("operator {other}")),
    })
}

impl Plan {
    /// Builds the plan of an ONNX model; the error names what it cannot run.
    pub fn from_onnx(onnx: &[u8]) -> Result<Plan, String> {
        let graph = proto::read(onnx).ok_or("not an ONNX model")?;
        let [(input, input_shape)] = &graph.inputs[..] else {
            return Err(format!("{} inputs", graph.inputs.len()));
        };
        let mut slots: HashMap<&str, usize> = HashMap::from([(input.as_str(), 0)]);
        let mut steps = Vec::with_capacity(graph.nodes.len());
        for node in &graph.nodes {
            let (op, value_inputs) =
                op(&graph, node).map_err(|e| format!("{}: {e}", node.op_type))?;
            let args = node.inputs[..value_inputs.min(node.inputs.len())]
                .iter()
                .map(|name| match slots.get(name.as_str()) {
                    Some(&slot) => Ok(Arg::Value(slot)),
                    None => {
                        let c = constant(&graph, name)?;
                        Ok(Arg::Constant(
                            Tensor::new(c.dims.clone(), c.values.clone()).ok_or("constant")?,
                        ))
                    }
                })
                .collect::<Result<Vec<_>, String>>()?;
            if args.len() != value_inputs || !args.iter().any(|a| matches!(a, Arg::Value(_))) {
                return Err(format!("{}: inputs {:?}", node.op_type, node.inputs));
            }
            let [output] = &node.outputs[..] else {
                return Err(format!("{}: {} outputs", node.op_type, node.outputs.len()));
            };
            let out = slots.len();
            if slots.insert(output, out).is_some() {
                return Err(format!("{output} written twice"));
            }
            steps.push(Step { op, args, out });
        }
        let outputs = graph
            .outputs
            .iter()
            .map(|name| {
                slots
                    .get(name.as_str())
                    .copied()
                    .ok_or(format!("no output {name}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut plan = Plan {
            steps,
            values: slots.len(),
            input: 0,
            input_shape: input_shape.clone(),
            outputs,
            frees: Vec::new(),
        };
        plan.keep_channels_first();
        plan.fuse_activations();
        plan.frees = plan.last_reads();
        Ok(plan)
    }

    /// How many steps read each value, outputs counting as a reader.
    fn readers(&self) -> Vec<usize> {
        let mut readers = vec![0; self.values];
        for step in &self.steps {
            for arg in &step.args {
                if let Arg::Value(v) = arg {
                    readers[*v] += 1;
                }
            }
        }
        for &o in &self.outputs {
            readers[o] += 1;
        }
        readers
    }

    /// The step that writes each value (`None` for the input).
    fn producers(&self) -> Vec<Option<usize>> {
        let mut producer = vec![None; self.values];
        for (i, step) in self.steps.iter().enumerate() {
            producer[step.out] = Some(i);
        }
        producer
    }

    /// The steps that read each value.
    fn reader_steps(&self) -> Vec<Vec<usize>> {
        let mut readers = vec![Vec::new(); self.values];
        for (i, step) in self.steps.iter().enumerate() {
            for arg in &step.args {
                if let Arg::Value(v) = arg {
                    readers[*v].push(i);
                }
            }
        }
        readers
    }

    /// Removes the layout round trips of a converted TensorFlow graph. tf2onnx wraps the
    /// operators it writes channels-last (hard swish, the squeeze-and-excitation product) in
    /// transposes to NHWC and back; where everything between such a pair is elementwise, the
    /// stretch runs as well on the NCHW tensor, and both transposes go. A per-channel factor
    /// reshaped to `[1, 1, 1, C]` for the NHWC product is reshaped to `[1, C, 1, 1]` instead.
    fn keep_channels_first(&mut self) {
        const TO_NHWC: [usize; 4] = [0, 2, 3, 1];
        const TO_NCHW: [usize; 4] = [0, 3, 1, 2];
        let elementwise = |op: &Op| {
            matches!(
                op,
                Op::Relu | Op::Sigmoid | Op::HardSwish | Op::Add | Op::Mul
            )
        };
        let producer = self.producers();
        let readers = self.reader_steps();
        let mut identities: Vec<usize> = Vec::new();
        let mut vectors: Vec<usize> = Vec::new();
        let mut seen = vec![false; self.values];
        for entry in 0..self.steps.len() {
            if !matches!(&self.steps[entry].op, Op::Transpose(p) if p == &TO_NHWC)
                || seen[self.steps[entry].out]
            {
                continue;
            }
            // Grow the stretch of NHWC values from this transpose's output, both ways.
            let (mut members, mut transposes, mut factors) = (Vec::new(), Vec::new(), Vec::new());
            let mut stack = vec![self.steps[entry].out];
            let mut ok = true;
            while let Some(v) = stack.pop() {
                if members.contains(&v) {
                    continue;
                }
                members.push(v);
                if self.outputs.contains(&v) {
                    ok = false;
                    break;
                }
                let Some(p) = producer[v] else {
                    ok = false;
                    break;
                };
                let step = &self.steps[p];
                match &step.op {
                    Op::Transpose(perm) if perm == &TO_NHWC => transposes.push(p),
                    op if elementwise(op) => {
                        for arg in &step.args {
                            let Arg::Value(u) = arg else {
                                ok = false;
                                continue;
                            };
                            match self.channel_factor(*u, &producer, &readers) {
                                Some(r) => factors.push(r),
                                None => stack.push(*u),
                            }
                        }
                    }
                    _ => ok = false,
                }
                for &r in &readers[v] {
                    match &self.steps[r].op {
                        Op::Transpose(perm) if perm == &TO_NCHW => transposes.push(r),
                        op if elementwise(op) => stack.push(self.steps[r].out),
                        _ => ok = false,
                    }
                }
                if !ok {
                    break;
                }
            }
            for &v in &members {
                seen[v] = true;
            }
            if ok {
                identities.extend(transposes);
                vectors.extend(factors);
            }
        }
        for r in vectors {
            if let Op::Reshape(target) = &mut self.steps[r].op {
                target.rotate_left(2);
            }
        }
        // Each dropped transpose's readers read its input instead.
        identities.sort_unstable();
        identities.dedup();
        let mut alias: HashMap<usize, usize> = HashMap::new();
        for &i in &identities {
            if let [Arg::Value(input)] = self.steps[i].args[..] {
                let source = *alias.get(&input).unwrap_or(&input);
                alias.insert(self.steps[i].out, source);
            }
        }
        let resolve = |v: usize| *alias.get(&v).unwrap_or(&v);
        for step in &mut self.steps {
            for arg in &mut step.args {
                if let Arg::Value(v) = arg {
                    *v = resolve(*v);
                }
            }
        }
        for o in &mut self.outputs {
            *o = resolve(*o);
        }
        self.remove_steps(&identities);
    }

    /// If value `v` is a per-channel factor of an NHWC product (a `[1, 1, 1, C]` reshape that
    /// only one step reads), the reshape step.
    fn channel_factor(
        &self,
        v: usize,
        producer: &[Option<usize>],
        readers: &[Vec<usize>],
    ) -> Option<usize> {
        let p = producer[v]?;
        match &self.steps[p].op {
            Op::Reshape(target)
                if target.len() == 4 && target[..3] == [1, 1, 1] && readers[v].len() == 1 =>
            {
                Some(p)
            }
            _ => None,
        }
    }

    /// Joins each ReLU or PReLU with the convolution whose output only it reads: the activation
    /// is applied while the convolution's output is still in cache, instead of in a pass of its
    /// own.
    fn fuse_activations(&mut self) {
        let readers = self.readers();
        let mut producer: HashMap<usize, usize> = HashMap::new();
        let mut removed = Vec::new();
        for i in 0..self.steps.len() {
            let source = match self.steps[i].args.as_slice() {
                [Arg::Value(v)] => *v,
                _ => {
                    producer.insert(self.steps[i].out, i);
                    continue;
                }
            };
            let activation = match &self.steps[i].op {
                Op::Relu => Some(Activation::Relu),
                Op::PRelu(slopes) => Some(Activation::PRelu(slopes.clone())),
                _ => None,
            };
            if let (Some(activation), Some(&p), 1) =
                (activation, producer.get(&source), readers[source])
            {
                let out = self.steps[i].out;
                if let Op::Conv(conv) = &mut self.steps[p].op {
                    let fits = match &activation {
                        Activation::PRelu(slopes) => slopes.len() == conv.bias.len(),
                        _ => true,
                    };
                    if conv.activation == Activation::None && fits {
                        conv.activation = activation;
                        self.steps[p].out = out;
                        removed.push(i);
                        producer.remove(&source);
                        producer.insert(out, p);
                        continue;
                    }
                }
            }
            producer.insert(self.steps[i].out, i);
        }
        self.remove_steps(&removed);
    }

    /// Removes the steps at these indices (ascending).
    fn remove_steps(&mut self, sorted: &[usize]) {
        let mut i = 0;
        self.steps.retain(|_| {
            i += 1;
            sorted.binary_search(&(i - 1)).is_err()
        });
    }

    fn last_reads(&self) -> Vec<Vec<usize>> {
        let mut last = vec![None; self.values];
        for (i, step) in self.steps.iter().enumerate() {
            for arg in &step.args {
                if let Arg::Value(v) = arg {
                    last[*v] = Some(i);
                }
            }
        }
        let mut frees = vec![Vec::new(); self.steps.len()];
        for (v, step) in last.iter().enumerate() {
            if let Some(i) = step.filter(|_| !self.outputs.contains(&v)) {
                frees[i].push(v);
            }
        }
        frees
    }

    /// Runs the plan on one input; the outputs in the graph's order.
    pub fn run(&self, input: Tensor) -> Result<Vec<Tensor>, String> {
        let fits = input.shape.len() == self.input_shape.len()
            && input
                .shape
                .iter()
                .zip(&self.input_shape)
                .all(|(&got, want)| want.is_none_or(|w| w == got));
        if !fits {
            return Err(format!(
                "input of shape {:?}, the network takes {:?}",
                input.shape, self.input_shape
            ));
        }
        let mut values: Vec<Option<Tensor>> = vec![None; self.values];
        values[self.input] = Some(input);
        for (step, frees) in self.steps.iter().zip(&self.frees) {
            // A unary step whose input nobody reads later may overwrite it.
            let owned = match step.args.as_slice() {
                [Arg::Value(v), rest @ ..]
                    if frees.contains(v)
                        && in_place(&step.op)
                        && !rest.iter().any(|a| matches!(a, Arg::Value(w) if w == v)) =>
                {
                    values[*v].take()
                }
                _ => None,
            };
            let args: Vec<&Tensor> = step
                .args
                .iter()
                .skip(usize::from(owned.is_some()))
                .map(|arg| match arg {
                    Arg::Value(v) => values[*v].as_ref().ok_or("value read after it was freed"),
                    Arg::Constant(t) => Ok(t),
                })
                .collect::<Result<_, _>>()?;
            let out = eval(&step.op, owned, &args)?;
            for &v in frees {
                values[v] = None;
            }
            values[step.out] = Some(out);
        }
        self.outputs
            .iter()
            .map(|&o| {
                values[o]
                    .clone()
                    .ok_or_else(|| "output not computed".to_string())
            })
            .collect()
    }
}

/// Operators that can write their result over their first operand.
fn in_place(op: &Op) -> bool {
    matches!(
        op,
        Op::Relu | Op::PRelu(_) | Op::Sigmoid | Op::HardSwish | Op::Reshape(_) | Op::Add | Op::Mul
    )
}

fn map(mut t: Tensor, f: impl Fn(f32) -> f32) -> Tensor {
    t.data.iter_mut().for_each(|v| *v = f(*v));
    t
}

/// Applies `op`; `owned` is the first operand when the step may reuse its storage, and then
/// `args` holds the rest.
fn eval(op: &Op, owned: Option<Tensor>, args: &[&Tensor]) -> Result<Tensor, String> {
    let first = |owned: Option<Tensor>| -> Result<Tensor, String> {
        match owned {
            Some(t) => Ok(t),
            None => args
                .first()
                .map(|t| (*t).clone())
                .ok_or("no operand".into()),
        }
    };
    let rest = if owned.is_some() {
        args
    } else {
        args.get(1..).unwrap_or(&[])
    };
    match op {
        Op::Relu => Ok(map(first(owned)?, |v| v.max(0.0))),
        Op::Sigmoid => Ok(map(first(owned)?, |v| 1.0 / (1.0 + (-v).exp()))),
        Op::HardSwish => Ok(map(first(owned)?, |v| v * (v / 6.0 + 0.5).clamp(0.0, 1.0))),
        Op::PRelu(slopes) => {
            let mut t = first(owned)?;
            let (c, h, w) = t.chw()?;
            if slopes.len() != c {
                return Err("PRelu channels".into());
            }
            let act = Activation::PRelu(slopes.clone());
            for (ch, plane) in t.data.chunks_exact_mut(h * w).enumerate() {
                act.apply(ch, plane);
            }
            Ok(t)
        }
        Op::Add | Op::Mul => {
            let a = first(owned)?;
            let b = rest.first().ok_or("one operand")?;
            broadcast(a, b, matches!(op, Op::Add))
        }
        Op::Reshape(target) => {
            let mut t = first(owned)?;
            t.shape = reshape(&t.shape, target)?;
            Ok(t)
        }
        Op::Transpose(perm) => transpose(args.first().ok_or("no operand")?, perm),
        Op::Conv(c) => run_conv(c, args.first().ok_or("no operand")?),
        Op::ConvTranspose {
            cout,
            weights,
            bias,
            kernel,
        } => {
            let x = args.first().ok_or("no operand")?;
            let (cin, h, w) = x.chw()?;
            if weights.len() != cout * kernel.0 * kernel.1 * cin {
                return Err("ConvTranspose channels".into());
            }
            let taps = kernel.0 * kernel.1;
            let mut spread = vec![0.0; cout * taps * h * w];
            kernels::matmul_add(cout * taps, cin, h * w, weights, &x.data, &mut spread);
            let (oh, ow) = (h * kernel.0, w * kernel.1);
            let mut out = vec![0.0; cout * oh * ow];
            for co in 0..*cout {
                for ky in 0..kernel.0 {
                    for kx in 0..kernel.1 {
                        let src =
                            &spread[((co * kernel.0 + ky) * kernel.1 + kx) * h * w..][..h * w];
                        for y in 0..h {
                            let row = &mut out[(co * oh + y * kernel.0 + ky) * ow..][..ow];
                            for x in 0..w {
                                row[x * kernel.1 + kx] = src[y * w + x] + bias[co];
                            }
                        }
                    }
                }
            }
            Tensor::new(vec![1, *cout, oh, ow], out).ok_or("shape".into())
        }
        Op::Pad { pads, value } => pad(args.first().ok_or("no operand")?, pads, *value),
        Op::Pool {
            kernel,
            stride,
            max,
        } => {
            let x = args.first().ok_or("no operand")?;
            let (c, h, w) = x.chw()?;
            if h < kernel.0 || w < kernel.1 {
                return Err("pooling window larger than the plane".into());
            }
            let win = Window {
                in_h: h,
                in_w: w,
                kh: kernel.0,
                kw: kernel.1,
                stride_h: stride.0,
                stride_w: stride.1,
                pad_top: 0,
                pad_left: 0,
                out_h: (h - kernel.0) / stride.0 + 1,
                out_w: (w - kernel.1) / stride.1 + 1,
            };
            let mut out = vec![0.0; c * win.out_h * win.out_w];
            kernels::pool(&x.data, c, &win, *max, &mut out);
            Tensor::new(vec![1, c, win.out_h, win.out_w], out).ok_or("shape".into())
        }
        Op::Resize { scale } => {
            let x = args.first().ok_or("no operand")?;
            let (c, h, w) = x.chw()?;
            let (oh, ow) = ((h as f32 * scale.0) as usize, (w as f32 * scale.1) as usize);
            if h == 0 || w == 0 || oh == 0 || ow == 0 {
                return Err("empty resize".into());
            }
            let mut out = vec![0.0; c * oh * ow];
            kernels::resize_bilinear(&x.data, c, (h, w), (oh, ow), *scale, &mut out);
            Tensor::new(vec![1, c, oh, ow], out).ok_or("shape".into())
        }
        Op::Concat(axis) => concat(args, *axis),
    }
}

fn run_conv(c: &Conv, x: &Tensor) -> Result<Tensor, String> {
    let (cin, h, w) = x.chw()?;
    let (kh, kw) = c.kernel;
    let [pt, pl, pb, pr] = c.pads;
    let cout = c.bias.len();
    if cin != c.cin || h + pt + pb < kh || w + pl + pr < kw {
        return Err(format!("Conv on {:?}", x.shape));
    }
    let win = Window {
        in_h: h,
        in_w: w,
        kh,
        kw,
        stride_h: c.stride.0,
        stride_w: c.stride.1,
        pad_top: pt,
        pad_left: pl,
        out_h: (h + pt + pb - kh) / c.stride.0 + 1,
        out_w: (w + pl + pr - kw) / c.stride.1 + 1,
    };
    let plane = win.out_h * win.out_w;
    let mut out = vec![0.0; cout * plane];
    match c.kind {
        ConvKind::Pointwise => {
            kernels::pointwise(&x.data, plane, &c.weights, &c.bias, cin, &mut out)
        }
        ConvKind::Depthwise => kernels::depthwise(&x.data, &c.weights, &c.bias, &win, &mut out),
        ConvKind::Dense => kernels::dense(&x.data, cin, &c.weights, &c.bias, &win, &mut out),
    }
    if c.activation != Activation::None {
        for (ch, p) in out.chunks_exact_mut(plane).enumerate() {
            c.activation.apply(ch, p);
        }
    }
    Tensor::new(vec![1, cout, win.out_h, win.out_w], out).ok_or("shape".into())
}

/// ONNX `Reshape`: `-1` takes what is left, `0` keeps the input's size on that axis.
fn reshape(shape: &[usize], target: &[i64]) -> Result<Vec<usize>, String> {
    let total: usize = shape.iter().product();
    let mut out = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            0 => out.push(*shape.get(i).ok_or("reshape 0 past the rank")?),
            d if d > 0 => out.push(d as usize),
            _ => return Err(format!("reshape to {target:?}")),
        }
    }
    let known: usize = out.iter().product();
    if let Some(i) = infer {
        if known == 0 || total % known != 0 {
            return Err(format!("reshape {shape:?} to {target:?}"));
        }
        out[i] = total / known;
    }
    if out.iter().product::<usize>() != total {
        return Err(format!("reshape {shape:?} to {target:?}"));
    }
    Ok(out)
}

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Up to rank 4, with the shape padded with leading ones.
fn as_rank4(shape: &[usize]) -> Result<[usize; 4], String> {
    if shape.len() > 4 {
        return Err(format!("rank {}", shape.len()));
    }
    let mut out = [1; 4];
    out[4 - shape.len()..].copy_from_slice(shape);
    Ok(out)
}

fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor, String> {
    if perm.len() != x.shape.len() || perm.len() > 4 {
        return Err("Transpose rank".into());
    }
    let out_shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    // NCHW ↔ NHWC (batch 1), the only transposes these networks make: a [C, H·W] matrix
    // transposed, or back.
    if let ([1, c, h, w], [0, 2, 3, 1]) | ([1, h, w, c], [0, 3, 1, 2]) = (&x.shape[..], perm) {
        let (rows, cols) = if perm == [0, 2, 3, 1] {
            (*c, h * w)
        } else {
            (h * w, *c)
        };
        let mut out = vec![0.0; x.data.len()];
        transpose_matrix(&x.data, rows, cols, &mut out);
        return Tensor::new(out_shape, out).ok_or("shape".into());
    }
    let in_strides = strides(&x.shape);
    // Pad to rank 4: the strides of the input along each output axis.
    let pad = 4 - perm.len();
    let mut dims = [1usize; 4];
    let mut step = [0usize; 4];
    for (i, &p) in perm.iter().enumerate() {
        dims[pad + i] = x.shape[p];
        step[pad + i] = in_strides[p];
    }
    let mut out = Vec::with_capacity(x.data.len());
    for a in 0..dims[0] {
        for b in 0..dims[1] {
            for c in 0..dims[2] {
                let base = a * step[0] + b * step[1] + c * step[2];
                out.extend((0..dims[3]).map(|d| x.data[base + d * step[3]]));
            }
        }
    }
    Tensor::new(out_shape, out).ok_or("shape".into())
}

/// `out[j · rows + i] = x[i · cols + j]`, in tiles that stay in cache on both sides.
fn transpose_matrix(x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    const TILE: usize = 16;
    for i0 in (0..rows).step_by(TILE) {
        for j0 in (0..cols).step_by(TILE) {
            for i in i0..(i0 + TILE).min(rows) {
                for j in j0..(j0 + TILE).min(cols) {
                    out[j * rows + i] = x[i * cols + j];
                }
            }
        }
    }
}

/// Elementwise sum or product with numpy broadcasting (rank ≤ 4); the result reuses `a`'s
/// storage when it has the output's shape.
fn broadcast(mut a: Tensor, b: &Tensor, add: bool) -> Result<Tensor, String> {
    let f = |x: f32, y: f32| if add { x + y } else { x * y };
    if a.shape == b.shape {
        a.data
            .iter_mut()
            .zip(&b.data)
            .for_each(|(x, &y)| *x = f(*x, y));
        return Ok(a);
    }
    let rank = a.shape.len().max(b.shape.len());
    let (sa, sb) = (as_rank4(&a.shape)?, as_rank4(&b.shape)?);
    let mut dims = [1; 4];
    for i in 0..4 {
        dims[i] = match (sa[i], sb[i]) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return Err(format!("broadcast {:?} with {:?}", a.shape, b.shape)),
        };
    }
    let step = |s: [usize; 4]| {
        let st = strides(&s);
        let mut out = [0; 4];
        for i in 0..4 {
            out[i] = if s[i] == 1 { 0 } else { st[i] };
        }
        out
    };
    let (ta, tb) = (step(sa), step(sb));
    let mut out = Vec::with_capacity(dims.iter().product());
    for i in 0..dims[0] {
        for j in 0..dims[1] {
            for k in 0..dims[2] {
                let (ba, bb) = (
                    i * ta[0] + j * ta[1] + k * ta[2],
                    i * tb[0] + j * tb[1] + k * tb[2],
                );
                out.extend((0..dims[3]).map(|l| f(a.data[ba + l * ta[3]], b.data[bb + l * tb[3]])));
            }
        }
    }
    Tensor::new(dims[4 - rank..].to_vec(), out).ok_or("shape".into())
}

/// Constant padding; `pads` holds the begins of every axis, then the ends.
fn pad(x: &Tensor, pads: &[usize], value: f32) -> Result<Tensor, String> {
    let rank = x.shape.len();
    if pads.len() != 2 * rank || rank > 4 {
        return Err("Pad rank".into());
    }
    let out_shape: Vec<usize> = (0..rank)
        .map(|i| x.shape[i] + pads[i] + pads[rank + i])
        .collect();
    let (dims, out4) = (as_rank4(&x.shape)?, as_rank4(&out_shape)?);
    let mut begin = [0; 4];
    begin[4 - rank..].copy_from_slice(&pads[..rank]);
    let (si, so) = (strides(&dims), strides(&out4));
    let mut out = vec![value; out4.iter().product()];
    for a in 0..dims[0] {
        for b in 0..dims[1] {
            for c in 0..dims[2] {
                let src = a * si[0] + b * si[1] + c * si[2];
                let dst = (a + begin[0]) * so[0]
                    + (b + begin[1]) * so[1]
                    + (c + begin[2]) * so[2]
                    + begin[3];
                out[dst..dst + dims[3]].copy_from_slice(&x.data[src..src + dims[3]]);
            }
        }
    }
    Tensor::new(out_shape, out).ok_or("shape".into())
}

fn concat(args: &[&Tensor], axis: usize) -> Result<Tensor, String> {
    let first = args.first().ok_or("Concat of nothing")?;
    let rank = first.shape.len();
    if axis >= rank
        || args.iter().any(|t| {
            t.shape.len() != rank
                || t.shape
                    .iter()
                    .enumerate()
                    .any(|(i, &d)| i != axis && d != first.shape[i])
        })
    {
        return Err("Concat shapes".into());
    }
    let outer: usize = first.shape[..axis].iter().product();
    let mut shape = first.shape.clone();
    shape[axis] = args.iter().map(|t| t.shape[axis]).sum();
    let mut out = Vec::with_capacity(shape.iter().product());
    for o in 0..outer {
        for t in args {
            let run = t.data.len() / outer.max(1);
            out.extend_from_slice(&t.data[o * run..(o + 1) * run]);
        }
    }
    Tensor::new(shape, out).ok_or("shape".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_infers_and_keeps_axes_as_onnx_says() {
        assert_eq!(reshape(&[1, 15, 1, 1], &[1, -1]), Ok(vec![1, 15]));
        assert_eq!(reshape(&[1, 8, 8, 6], &[1, -1, 1]), Ok(vec![1, 384, 1]));
        assert_eq!(reshape(&[2, 3], &[0, 3]), Ok(vec![2, 3]));
        assert!(reshape(&[2, 3], &[4, -1]).is_err());
        assert!(reshape(&[2, 3], &[-1, -1]).is_err());
    }

    #[test]
    fn transpose_pad_concat_and_broadcast_move_the_right_values() {
        let t = Tensor::new(vec![1, 2, 1, 3], (0..6).map(|v| v as f32).collect()).unwrap();
        let nhwc = transpose(&t, &[0, 2, 3, 1]).unwrap();
        assert_eq!(nhwc.shape, vec![1, 1, 3, 2]);
        assert_eq!(nhwc.data, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        assert_eq!(transpose(&nhwc, &[0, 3, 1, 2]).unwrap(), t);
        // The general path (rank 3) agrees with the NCHW ↔ NHWC one.
        let flat = Tensor::new(vec![2, 1, 3], t.data.clone()).unwrap();
        assert_eq!(transpose(&flat, &[1, 2, 0]).unwrap().data, nhwc.data);

        let padded = pad(&t, &[0, 0, 0, 0, 0, 1, 0, 0], 0.0).unwrap();
        assert_eq!(padded.shape, vec![1, 3, 1, 3]);
        assert_eq!(
            padded.data,
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0]
        );

        let a = Tensor::new(vec![1, 2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let b = Tensor::new(vec![1, 1, 2], vec![5.0, 6.0]).unwrap();
        let joined = concat(&[&a, &b], 1).unwrap();
        assert_eq!(joined.shape, vec![1, 3, 2]);
        assert_eq!(joined.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);

        let scale = Tensor::new(vec![1, 2, 1, 1], vec![10.0, 100.0]).unwrap();
        let prod = broadcast(t.clone(), &scale, false).unwrap();
        assert_eq!(prod.data, vec![0.0, 10.0, 20.0, 300.0, 400.0, 500.0]);
        let last = Tensor::new(vec![1, 1, 1, 3], vec![1.0, 2.0, 3.0]).unwrap();
        assert_eq!(
            broadcast(t, &last, true).unwrap().data,
            vec![1.0, 3.0, 5.0, 4.0, 6.0, 8.0]
        );
    }

    #[test]
    fn what_the_steps_cannot_run_is_refused_when_the_plan_is_built() {
        assert!(Plan::from_onnx(b"not a model").is_err());
    }
}
