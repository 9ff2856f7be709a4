//! Reads the part of an ONNX file (a protocol-buffers `ModelProto`) the embedded networks use:
//! the graph's nodes with their attributes, its constant tensors (initialisers), and the names
//! of its inputs and outputs. Field numbers are those of `onnx.proto` (ONNX 1.x); fields not
//! listed here are skipped by wire type, as protocol buffers allow.

use std::collections::HashMap;

/// One node of the graph.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub op_type: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: HashMap<String, Attribute>,
}

/// An attribute's value; only the kinds these networks carry.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute {
    Int(i64),
    Float(f32),
    Ints(Vec<i64>),
    Floats(Vec<f32>),
    Bytes(Vec<u8>),
}

/// A constant tensor: its shape and its values as floats (int64 tensors, which hold shapes and
/// paddings, are converted; every value they hold is small).
#[derive(Debug, Clone, Default)]
pub struct Constant {
    pub dims: Vec<usize>,
    pub values: Vec<f32>,
}

/// The graph of an ONNX model.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub constants: HashMap<String, Constant>,
    /// The inputs that are not constants, with their declared shapes (`None` for an axis
    /// without a fixed size).
    pub inputs: Vec<(String, Vec<Option<usize>>)>,
    pub outputs: Vec<String>,
}

impl Node {
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.attributes.get(name) {
            Some(Attribute::Int(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        match self.attributes.get(name) {
            Some(Attribute::Ints(v)) => Some(v),
            _ => None,
        }
    }

    pub fn float(&self, name: &str) -> Option<f32> {
        match self.attributes.get(name) {
            Some(Attribute::Float(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.attributes.get(name) {
            Some(Attribute::Bytes(v)) => std::str::from_utf8(v).ok(),
            _ => None,
        }
    }
}

/// A field read from a message: its number and its value by wire type.
enum Value<'a> {
    Varint(u64),
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.data.split_first()?;
            self.data = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.data.len() {
            return None;
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Some(head)
    }

    /// The next field, `None` at the end; `Some(Err)` for bytes that are no message.
    fn field(&mut self) -> Option<Result<(u64, Value<'a>), ()>> {
        if self.data.is_empty() {
            return None;
        }
        let mut read = || -> Option<(u64, Value<'a>)> {
            let key = self.varint()?;
            let value = match key & 7 {
                0 => Value::Varint(self.varint()?),
                1 => {
                    self.take(8)?;
                    Value::Fixed64
                }
                2 => {
                    let n = usize::try_from(self.varint()?).ok()?;
                    Value::Bytes(self.take(n)?)
                }
                5 => {
                    let b = self.take(4)?;
                    Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                }
                _ => return None,
            };
            Some((key >> 3, value))
        };
        Some(read().ok_or(()))
    }
}

/// Calls `f` for each field of a message; `None` if the bytes are no message.
fn fields<'a>(data: &'a [u8], mut f: impl FnMut(u64, Value<'a>) -> Option<()>) -> Option<()> {
    let mut reader = Reader { data };
    while let Some(field) = reader.field() {
        let (number, value) = field.ok()?;
        f(number, value)?;
    }
    Some(())
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::Bytes(b) => String::from_utf8(b.to_vec()).ok(),
        _ => None,
    }
}

/// Appends a repeated integer field, packed or not.
fn push_ints(value: Value, out: &mut Vec<i64>) -> Option<()> {
    match value {
        Value::Varint(v) => out.push(v as i64),
        Value::Bytes(b) => {
            let mut r = Reader { data: b };
            while !r.data.is_empty() {
                out.push(r.varint()? as i64);
            }
        }
        _ => return None,
    }
    Some(())
}

/// Appends a repeated float field, packed or not.
fn push_floats(value: Value, out: &mut Vec<f32>) -> Option<()> {
    match value {
        Value::Fixed32(v) => out.push(f32::from_bits(v)),
        Value::Bytes(b) if b.len() % 4 == 0 => out.extend(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ),
        _ => return None,
    }
    Some(())
}

/// ONNX's `TensorProto.DataType` codes used here.
const FLOAT: i64 = 1;
const INT32: i64 = 6;
const INT64: i64 = 7;

fn tensor(data: &[u8]) -> Option<(String, Constant)> {
    let (mut name, mut dims, mut data_type) = (String::new(), Vec::new(), 0);
    let (mut raw, mut floats, mut ints): (&[u8], Vec<f32>, Vec<i64>) =
        (&[], Vec::new(), Vec::new());
    fields(data, |number, value| match number {
        1 => push_ints(value, &mut dims),
        2 => match value {
            Value::Varint(v) => {
                data_type = v as i64;
                Some(())
            }
            _ => None,
        },
        4 => push_floats(value, &mut floats),
        5 | 7 => push_ints(value, &mut ints),
        8 => {
            name = text(value)?;
            Some(())
        }
        9 => match value {
            Value::Bytes(b) => {
                raw = b;
                Some(())
            }
            _ => None,
        },
        _ => Some(()),
    })?;
    let values: Vec<f32> = match data_type {
        FLOAT if !raw.is_empty() => {
            if raw.len() % 4 != 0 {
                return None;
            }
            raw.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }
        FLOAT => floats,
        INT64 if !raw.is_empty() => {
            if raw.len() % 8 != 0 {
                return None;
            }
            raw.chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default()) as f32)
                .collect()
        }
        INT32 if !raw.is_empty() => {
            if raw.len() % 4 != 0 {
                return None;
            }
            raw.chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
                .collect()
        }
        INT64 | INT32 => ints.iter().map(|&v| v as f32).collect(),
        _ => return None,
    };
    let dims: Vec<usize> = dims
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<_>>()?;
    if dims.iter().product::<usize>() != values.len() {
        return None;
    }
    Some((name, Constant { dims, values }))
}

fn attribute(data: &[u8]) -> Option<(String, Attribute)> {
    let mut name = String::new();
    let (mut int, mut float, mut bytes) = (None, None, None);
    let (mut ints, mut floats) = (Vec::new(), Vec::new());
    fields(data, |number, value| {
        match number {
            1 => name = text(value)?,
            2 => match value {
                Value::Fixed32(v) => float = Some(f32::from_bits(v)),
                _ => return None,
            },
            3 => match value {
                Value::Varint(v) => int = Some(v as i64),
                _ => return None,
            },
            4 => match value {
                Value::Bytes(b) => bytes = Some(b.to_vec()),
                _ => return None,
            },
            7 => push_floats(value, &mut floats)?,
            8 => push_ints(value, &mut ints)?,
            _ => {}
        }
        Some(())
    })?;
    let value = if let Some(v) = int {
        Attribute::Int(v)
    } else if let Some(v) = float {
        Attribute::Float(v)
    } else if let Some(v) = bytes {
        Attribute::Bytes(v)
    } else if !floats.is_empty() {
        Attribute::Floats(floats)
    } else {
        Attribute::Ints(ints)
    };
    Some((name, value))
}

fn node(data: &[u8]) -> Option<Node> {
    let mut node = Node::default();
    fields(data, |number, value| {
        match number {
            1 => node.inputs.push(text(value)?),
            2 => node.outputs.push(text(value)?),
            4 => node.op_type = text(value)?,
            5 => {
                let Value::Bytes(b) = value else { return None };
                let (name, value) = attribute(b)?;
                node.attributes.insert(name, value);
            }
            // A node of another operator set (domain) is not one of the standard operators.
            7 if !text(value)?.is_empty() => return None,
            _ => {}
        }
        Some(())
    })?;
    Some(node)
}

/// The length-delimited fields numbered `number` of a message.
fn nested(data: &[u8], number: u64) -> Option<Vec<&[u8]>> {
    let mut found = Vec::new();
    fields(data, |n, v| {
        if let (true, Value::Bytes(b)) = (n == number, v) {
            found.push(b);
        }
        Some(())
    })?;
    Some(found)
}

/// A `ValueInfoProto`'s name and, for a tensor, its shape.
fn value_info(data: &[u8]) -> Option<(String, Vec<Option<usize>>)> {
    let (mut name, mut shape) = (None, Vec::new());
    // ValueInfoProto.type → TypeProto.tensor_type → .shape → TensorShapeProto.dim[] →
    // Dimension.dim_value (a symbolic dim_param leaves the size open).
    fields(data, |number, value| {
        match (number, value) {
            (1, value) => name = Some(text(value)?),
            (2, Value::Bytes(ty)) => {
                for tensor in nested(ty, 1)? {
                    for dims in nested(tensor, 2)? {
                        for dim in nested(dims, 1)? {
                            let mut size = None;
                            fields(dim, |n, v| {
                                if let (1, Value::Varint(d)) = (n, v) {
                                    size = usize::try_from(d).ok();
                                }
                                Some(())
                            })?;
                            shape.push(size);
                        }
                    }
                }
            }
            _ => {}
        }
        Some(())
    })?;
    Some((name?, shape))
}

fn graph(data: &[u8]) -> Option<Graph> {
    let mut graph = Graph::default();
    let mut declared_inputs = Vec::new();
    fields(data, |number, value| {
        let Value::Bytes(b) = value else {
            return Some(());
        };
        match number {
            1 => graph.nodes.push(node(b)?),
            5 => {
                let (name, constant) = tensor(b)?;
                graph.constants.insert(name, constant);
            }
            11 => declared_inputs.push(value_info(b)?),
            12 => graph.outputs.push(value_info(b)?.0),
            _ => {}
        }
        Some(())
    })?;
    // Older files list the initialisers among the inputs as well.
    graph.inputs = declared_inputs
        .into_iter()
        .filter(|(name, _)| !graph.constants.contains_key(name))
        .collect();
    Some(graph)
}

/// The graph of an ONNX model file; `None` if the bytes are not one.
pub fn read(onnx: &[u8]) -> Option<Graph> {
    let mut found = None;
    fields(onnx, |number, value| {
        if let (7, Value::Bytes(b)) = (number, value) {
            found = Some(graph(b)?);
        }
        Some(())
    })?;
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_no_model_give_none() {
        assert!(read(b"").is_none());
        assert!(read(&[0x3a, 0x05, 0x01]).is_none(), "length past the end");
        assert!(read(&[0xff; 12]).is_none(), "a varint that never ends");
        assert!(read(b"\x0f").is_none(), "unknown wire type");
    }

    #[test]
    fn packed_and_unpacked_repeated_fields_read_alike() {
        let mut unpacked = Vec::new();
        for v in [(8u64 << 3), 3, (8 << 3), 300] {
            let mut v = v;
            loop {
                let byte = (v & 0x7f) as u8;
                v >>= 7;
                unpacked.push(if v == 0 { byte } else { byte | 0x80 });
                if v == 0 {
                    break;
                }
            }
        }
        let packed = [8 << 3 | 2, 3, 3, 0xac, 0x02];
        let read_ints = |data: &[u8]| {
            let mut out = Vec::new();
            fields(data, |n, v| {
                if n == 8 {
                    push_ints(v, &mut out)
                } else {
                    Some(())
                }
            })
            .unwrap();
            out
        };
        assert_eq!(read_ints(&unpacked), vec![3, 300]);
        assert_eq!(read_ints(&packed), vec![3, 300]);
    }
}
