//! The tensors the networks pass between their steps, and the steps that only move values
//! around or combine them elementwise: reshape, transpose, broadcast sum and product, padding,
//! concatenation.

/// A dense float tensor, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tensor {
    /// Size of each axis, outermost first.
    pub(super) shape: Vec<usize>,
    /// The values, last axis fastest; as many as the shape holds (steps that change one keep
    /// it so).
    pub(super) data: Vec<f32>,
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
    pub(super) fn chw(&self) -> Result<(usize, usize, usize), String> {
        match self.shape[..] {
            [1, c, h, w] => Ok((c, h, w)),
            _ => Err(format!(
                "expected a [1, C, H, W] tensor, got {:?}",
                self.shape
            )),
        }
    }
}

/// ONNX `Reshape`: `-1` takes what is left, `0` keeps the input's size on that axis.
pub(super) fn reshape(shape: &[usize], target: &[i64]) -> Result<Vec<usize>, String> {
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

pub(super) fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor, String> {
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
pub(super) fn broadcast(mut a: Tensor, b: &Tensor, add: bool) -> Result<Tensor, String> {
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
    if dims == sa {
        // `b` spreads over `a`: the result overwrites `a`, one run of its last axis at a time.
        let n = dims[3];
        a.shape = dims[4 - rank..].to_vec();
        if n == 0 {
            return Ok(a);
        }
        for (r, run) in a.data.chunks_exact_mut(n).enumerate() {
            let (i, j, k) = (r / (dims[1] * dims[2]), r / dims[2] % dims[1], r % dims[2]);
            let bb = i * tb[0] + j * tb[1] + k * tb[2];
            if tb[3] == 0 {
                let y = b.data[bb];
                run.iter_mut().for_each(|x| *x = f(*x, y));
            } else {
                run.iter_mut()
                    .zip(&b.data[bb..bb + n])
                    .for_each(|(x, &y)| *x = f(*x, y));
            }
        }
        return Ok(a);
    }
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
pub(super) fn pad(x: &Tensor, pads: &[usize], value: f32) -> Result<Tensor, String> {
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

pub(super) fn concat(args: &[&Tensor], axis: usize) -> Result<Tensor, String> {
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
        // Neither operand has the result's shape: a new tensor.
        let outer = broadcast(scale, &last, true).unwrap();
        assert_eq!(outer.shape, vec![1, 2, 1, 3]);
        assert_eq!(outer.data, vec![11.0, 12.0, 13.0, 101.0, 102.0, 103.0]);
    }
}
