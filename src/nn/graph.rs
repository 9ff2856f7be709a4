//! A network as a list of steps, built once from its ONNX graph and run for each input.
//!
//! Building it checks every operator and attribute against what the steps implement, joins a
//! convolution with the ReLU or PReLU that alone reads its output, and drops the layout round
//! trips a converted TensorFlow graph makes around elementwise operators; running it allocates
//! each step's output and frees each value after its last reader. Shapes are checked at run
//! time, so an unexpected input is an error, never an out-of-bounds read.

use super::kernels::{self, Activation, Window};
use super::proto::{self, Constant};
use super::tensor::Tensor;
use super::tensor::{broadcast, concat, pad, reshape, transpose};
use std::collections::HashMap;

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

/// The value slot of the network's input; every other value gets the next free slot.
const INPUT: usize = 0;

/// A network ready to run.
#[derive(Debug)]
pub struct Plan {
    steps: Vec<Step>,
    values: usize,
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
        let mut slots: HashMap<&str, usize> = HashMap::from([(input.as_str(), INPUT)]);
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
            input_shape: input_shape.clone(),
            outputs,
            frees: Vec::new(),
        };
        plan.keep_channels_first();
        plan.fuse_activations();
        plan.frees = plan.last_reads();
        Ok(plan)
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
        let readers = self.reader_steps();
        let mut producer = self.producers();
        let mut removed = Vec::new();
        for i in 0..self.steps.len() {
            let activation = match &self.steps[i].op {
                Op::Relu => Activation::Relu,
                Op::PRelu(slopes) => Activation::PRelu(slopes.clone()),
                _ => continue,
            };
            let [Arg::Value(source)] = self.steps[i].args[..] else {
                continue;
            };
            let Some(p) = producer[source] else { continue };
            if readers[source].len() != 1 || self.outputs.contains(&source) {
                continue;
            }
            let out = self.steps[i].out;
            let Op::Conv(conv) = &mut self.steps[p].op else {
                continue;
            };
            let fits = match &activation {
                Activation::PRelu(slopes) => slopes.len() == conv.bias.len(),
                _ => true,
            };
            if conv.activation == Activation::None && fits {
                conv.activation = activation;
                self.steps[p].out = out;
                producer[out] = Some(p);
                removed.push(i);
            }
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

    /// Per step, the values it reads last (outputs aside): each is freed after that step.
    fn last_reads(&self) -> Vec<Vec<usize>> {
        let mut frees = vec![Vec::new(); self.steps.len()];
        for (v, readers) in self.reader_steps().iter().enumerate() {
            if let Some(&i) = readers.last().filter(|_| !self.outputs.contains(&v)) {
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
        values[INPUT] = Some(input);
        for (step, frees) in self.steps.iter().zip(&self.frees) {
            let mut operands: Vec<&Arg> = step.args.iter().collect();
            // A sum or product is the same with its operands swapped, to the bit: the larger
            // goes first, so the result can take its place rather than a new tensor's.
            if let (Op::Add | Op::Mul, [a, b]) = (&step.op, operands.as_slice()) {
                let size = |arg: &Arg| match arg {
                    Arg::Value(v) => values[*v].as_ref().map_or(0, |t| t.data.len()),
                    Arg::Constant(t) => t.data.len(),
                };
                if size(b) > size(a) {
                    operands.swap(0, 1);
                }
            }
            // A step whose first operand nobody reads later may overwrite it.
            let owned = match operands.as_slice() {
                [Arg::Value(v), rest @ ..]
                    if frees.contains(v)
                        && in_place(&step.op)
                        && !rest.iter().any(|a| matches!(a, Arg::Value(w) if w == v)) =>
                {
                    values[*v].take()
                }
                _ => None,
            };
            let args: Vec<&Tensor> = operands
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
            for (plane, &slope) in t.data.chunks_exact_mut(h * w).zip(slopes) {
                kernels::prelu(plane, slope);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The channels-first pass leaves the segmentation network two of its thirty transposes:
    /// its input to NCHW and its mask back to NHWC; the round trips around hard swish and the
    /// squeeze-and-excitation products go. Fused activations leave no ReLU or PReLU step
    /// after a convolution that alone feeds it.
    #[test]
    fn building_a_plan_drops_layout_round_trips_and_joins_activations() {
        let onnx = include_bytes!("../../models/selfie_segmentation.onnx");
        let graph = proto::read(onnx).unwrap();
        let count =
            |ops: &mut dyn Iterator<Item = &str>, name: &str| ops.filter(|o| *o == name).count();
        assert_eq!(
            count(
                &mut graph.nodes.iter().map(|n| n.op_type.as_str()),
                "Transpose"
            ),
            30
        );
        let plan = Plan::from_onnx(onnx).unwrap();
        let transposes = plan
            .steps
            .iter()
            .filter(|s| matches!(s.op, Op::Transpose(_)))
            .count();
        assert_eq!(transposes, 2);
        let relus_in_graph = count(&mut graph.nodes.iter().map(|n| n.op_type.as_str()), "Relu");
        let relus_left = plan
            .steps
            .iter()
            .filter(|s| matches!(s.op, Op::Relu))
            .count();
        assert!(
            relus_left < relus_in_graph,
            "{relus_left} of {relus_in_graph}"
        );
        let (producer, readers) = (plan.producers(), plan.reader_steps());
        for step in &plan.steps {
            if let (Op::Relu | Op::PRelu(_), [Arg::Value(v)]) = (&step.op, step.args.as_slice()) {
                let p = producer[*v].map(|p| &plan.steps[p].op);
                let readers = readers[*v].len();
                assert!(
                    !(matches!(p, Some(Op::Conv(_))) && readers == 1),
                    "an activation left beside the convolution that alone feeds it"
                );
            }
        }
    }

    #[test]
    fn what_the_steps_cannot_run_is_refused_when_the_plan_is_built() {
        assert!(Plan::from_onnx(b"not a model").is_err());
    }
}
