//! The arithmetic of the networks' operators on NCHW float planes (batch 1): loops over rows and
//! blocks that the compiler vectorises, compiled with and without AVX2/FMA and chosen at run
//! time. Callers check the shapes; these functions index within them.

/// Defines `$name`, which runs `$body::<true>` compiled with AVX2 and FMA where the CPU has
/// them (checked at run time) and `$body::<false>`, plain, elsewhere.
macro_rules! fma_dispatch {
    ($(#[$doc:meta])* fn $name:ident, $avx:ident => $body:ident($($arg:ident: $ty:ty),* $(,)?)) => {
        $(#[$doc])*
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU has AVX2 and FMA, checked just above.
                return unsafe { $avx($($arg),*) };
            }
            $body::<false>($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $avx($($arg: $ty),*) {
            $body::<true>($($arg),*)
        }
    };
}

/// What follows a convolution, applied per channel as its output is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Activation {
    None,
    Relu,
    /// `x` where `x ≥ 0`, else `slope[c] · x`.
    PRelu(Vec<f32>),
}

impl Activation {
    pub fn apply(&self, channel: usize, plane: &mut [f32]) {
        match self {
            Activation::None => {}
            Activation::Relu => plane.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::PRelu(slopes) => prelu(plane, slopes.get(channel).copied().unwrap_or(0.0)),
        }
    }
}

/// PReLU on one channel's plane: `x` where `x ≥ 0`, else `slope · x`.
pub fn prelu(plane: &mut [f32], slope: f32) {
    plane
        .iter_mut()
        .for_each(|v| *v = if *v >= 0.0 { *v } else { *v * slope });
}

/// `c[m×n] += a[m×k] · b[k×n]`, all row-major and contiguous.
pub fn matmul_add(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    if m == 0 || n == 0 || k == 0 || a.len() < m * k || b.len() < k * n || c.len() < m * n {
        return;
    }
    if n < SMALL_N {
        return dots(m, k, n, a, b, c);
    }
    product(m, k, n, a, b, c)
}

fma_dispatch!(
    /// [`matmul_add`] for wide `b`: blocks of [`ROWS`] rows of `c` by [`COLUMNS`] columns.
    fn product,
    product_avx2 => product_with(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32])
);

/// Rows of `c` (output channels) in one block: each weight is loaded once for all its columns.
/// Six rows keep twelve sums in flight, enough to hide the fused multiply-add's latency (four
/// rows, eight sums, left the detector's products about 15 % slower); the rows left over go
/// four and then one at a time.
const ROWS: usize = 6;
/// Columns of `c` (pixels) in one block: `ROWS` × `COLUMNS` sums stay in registers (twelve of
/// AVX2's sixteen) while every term passes, and each run of `b` is loaded once for all rows.
/// (AVX-512's wider registers, 32 columns a block, made no difference.)
const COLUMNS: usize = 16;
/// Terms summed in registers before they are added to `c`: 256, as `matrixmultiply` (which
/// made these products before, with AVX-512 where the CPU has it) does, so each sum is the one
/// it gave, to the bit — each term fused into the running sum in the order of `k`, each block
/// of terms then added to `c` — without its repacking of `a` at every call and its masked
/// edge blocks.
const DEPTH: usize = 256;

/// The body of [`product`]. For each column block, the terms' runs of `b` are first copied
/// side by side into one panel, which then stays in the first-level cache while every row
/// block reads it: read in place they lie a row of `b` apart, and rows 4 KB apart or a
/// multiple of it (a 64 × 64 plane is 16 KB) all fall into the same few cache sets, which
/// hold only eight of them. Neither the copy nor the order of the blocks changes a sum: each
/// output takes its own terms in the order of `k`.
#[inline(always)]
fn product_with<const FMA: bool>(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
) {
    let mut panel = vec![0.0f32; DEPTH.min(k) * COLUMNS];
    for k0 in (0..k).step_by(DEPTH) {
        let depth = k0..(k0 + DEPTH).min(k);
        let mut j = 0;
        while j < n {
            let cols = widest(n - j, [COLUMNS, 8, 1]);
            let panel = &mut panel[..depth.len() * cols];
            for (run, l) in panel.chunks_exact_mut(cols).zip(depth.clone()) {
                run.copy_from_slice(&b[l * n + j..][..cols]);
            }
            let mut i = 0;
            while i < m {
                let rows = widest(m - i, [ROWS, 4, 1]);
                let block = Block {
                    a,
                    k,
                    i,
                    depth: depth.clone(),
                    panel,
                    n,
                    j,
                };
                match (rows, cols) {
                    (ROWS, COLUMNS) => block.add::<ROWS, COLUMNS, FMA>(c),
                    (ROWS, 8) => block.add::<ROWS, 8, FMA>(c),
                    (ROWS, _) => block.add::<ROWS, 1, FMA>(c),
                    (4, COLUMNS) => block.add::<4, COLUMNS, FMA>(c),
                    (4, 8) => block.add::<4, 8, FMA>(c),
                    (4, _) => block.add::<4, 1, FMA>(c),
                    (_, COLUMNS) => block.add::<1, COLUMNS, FMA>(c),
                    (_, 8) => block.add::<1, 8, FMA>(c),
                    (_, _) => block.add::<1, 1, FMA>(c),
                }
                i += rows;
            }
            j += cols;
        }
    }
}

/// The widest of `sizes` (widest first) that fits in the `left` rows or columns.
#[inline(always)]
fn widest(left: usize, sizes: [usize; 3]) -> usize {
    sizes.into_iter().find(|&s| s <= left).unwrap_or(1)
}

/// One block of a product: rows `i..` of `a` and `c`, terms `depth` of the sums, and the
/// panel of `b`'s runs for columns `j..` of `c` (`c` has `n` columns).
struct Block<'a> {
    a: &'a [f32],
    k: usize,
    i: usize,
    depth: std::ops::Range<usize>,
    panel: &'a [f32],
    n: usize,
    j: usize,
}

impl Block<'_> {
    /// `c[i + r][j + t] += Σ a[i + r][l] · b[l][j + t]` over the block's terms, the sums kept
    /// in registers.
    #[inline(always)]
    fn add<const R: usize, const N: usize, const FMA: bool>(&self, c: &mut [f32]) {
        let terms = self.depth.len();
        // Each row's weights sliced once, so the loop below indexes within lengths the
        // compiler can see.
        let weights: [&[f32]; R] =
            std::array::from_fn(|r| &self.a[(self.i + r) * self.k + self.depth.start..][..terms]);
        let mut acc = [[0.0f32; N]; R];
        for (l, run) in self.panel.chunks_exact(N).take(terms).enumerate() {
            for (sums, w) in acc.iter_mut().zip(&weights) {
                let w = w[l];
                for (s, &v) in sums.iter_mut().zip(run) {
                    *s = madd::<FMA>(*s, w, v);
                }
            }
        }
        for (r, sums) in acc.iter().enumerate() {
            let out = &mut c[(self.i + r) * self.n + self.j..][..N];
            for (o, s) in out.iter_mut().zip(sums) {
                *o += s;
            }
        }
    }
}

/// Below this many columns a product is computed as dot products of `a`'s rows with `b`'s
/// columns: a narrow plane (the networks' last layers are 1×1 to 8×8 pixels) fills few of a
/// block's columns, while a dot product runs over a whole contiguous row.
const SMALL_N: usize = 32;

/// [`matmul_add`] for narrow `b`: `b` transposed once, then each output a contiguous dot
/// product.
fn dots(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let mut bt = vec![0.0f32; n * k];
    for (i, row) in b.chunks_exact(n).take(k).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            bt[j * k + i] = v;
        }
    }
    dots_fma(m, k, n, a, &bt, c)
}

fma_dispatch!(fn dots_fma, dots_avx2 => dots_with(m: usize, k: usize, n: usize, a: &[f32], bt: &[f32], c: &mut [f32]));

#[inline(always)]
fn dots_with<const FMA: bool>(m: usize, k: usize, n: usize, a: &[f32], bt: &[f32], c: &mut [f32]) {
    for (row, out) in a.chunks_exact(k).take(m).zip(c.chunks_exact_mut(n)) {
        for (col, o) in bt.chunks_exact(k).zip(out.iter_mut()) {
            *o += dot::<FMA>(row, col);
        }
    }
}

/// A dot product in eight independent lanes, so it vectorises without reordering the sum
/// across lanes (which the compiler may not do for floats on its own).
#[inline(always)]
fn dot<const FMA: bool>(x: &[f32], y: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for i in 0..8 {
            lanes[i] = madd::<FMA>(lanes[i], a[i], b[i]);
        }
    }
    let mut sum = lanes.iter().sum::<f32>();
    for (a, b) in xr.iter().zip(yr) {
        sum = madd::<FMA>(sum, *a, *b);
    }
    sum
}

/// Fills each output channel's plane with its bias.
fn fill_bias(out: &mut [f32], plane: usize, bias: &[f32]) {
    for (chunk, &b) in out.chunks_exact_mut(plane).zip(bias) {
        chunk.fill(b);
    }
}

/// A 1×1 convolution, stride 1, no padding: `out[co] = bias[co] + Σ w[co, ci] · x[ci]`.
pub fn pointwise(
    x: &[f32],
    plane: usize,
    weights: &[f32],
    bias: &[f32],
    cin: usize,
    out: &mut [f32],
) {
    let cout = bias.len();
    fill_bias(out, plane, bias);
    matmul_add(cout, cin, plane, weights, x, out);
}

/// Geometry of a sliding window over one plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub in_h: usize,
    pub in_w: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    /// Padding before the first row and column; the output size says how much follows.
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl Window {
    /// The output columns `ox` whose input column `ox · stride + kx − pad_left` lies in the
    /// plane, as a range.
    fn columns(&self, kx: usize) -> std::ops::Range<usize> {
        let first = self.pad_left.saturating_sub(kx).div_ceil(self.stride_w);
        // ox · s + kx − pad ≤ in_w − 1  ⇔  ox ≤ (in_w − 1 + pad − kx) / s
        let limit = self.in_w + self.pad_left;
        let end = if limit > kx {
            ((limit - 1 - kx) / self.stride_w + 1).min(self.out_w)
        } else {
            0
        };
        first..end.max(first)
    }

    /// The input row read for output row `oy` and kernel row `ky`, if inside the plane.
    fn row(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride_h + ky)
            .checked_sub(self.pad_top)
            .filter(|&iy| iy < self.in_h)
    }
}

/// A depthwise convolution (one filter per channel): `x` and `out` hold `channels` planes.
pub fn depthwise(x: &[f32], weights: &[f32], bias: &[f32], win: &Window, out: &mut [f32]) {
    slide(x, bias.len(), weights, bias, win, true, out)
}

/// A full convolution (every input channel to every output channel). With few taps per output
/// (the networks' first layers, on three colour planes) the window slides over the planes
/// directly; otherwise it is im2col and one matrix product.
pub fn dense(x: &[f32], cin: usize, weights: &[f32], bias: &[f32], win: &Window, out: &mut [f32]) {
    let taps = cin * win.kh * win.kw;
    if taps <= DIRECT_TAPS {
        return slide(x, cin, weights, bias, win, false, out);
    }
    let out_plane = win.out_h * win.out_w;
    fill_bias(out, out_plane, bias);
    let cols = im2col(x, cin, win);
    matmul_add(bias.len(), taps, out_plane, weights, &cols, out);
}

/// Up to this many taps per output value a dense convolution slides directly: unfolding the
/// windows (im2col) then writes and reads taps × pixels values, more than the sums cost.
const DIRECT_TAPS: usize = 96;

fma_dispatch!(
    /// Depthwise (`depthwise`: input plane `c` to output plane `c`) or dense (every input plane
    /// to every output plane) convolution by sliding the window over the planes.
    fn slide,
    slide_avx2 => slide_with(
        x: &[f32],
        cin: usize,
        weights: &[f32],
        bias: &[f32],
        win: &Window,
        depthwise: bool,
        out: &mut [f32],
    )
);

/// `o + w · i`, fused into one rounding where the caller's CPU features allow (`FMA`); the
/// plain form elsewhere, as `mul_add` without the instruction is a slow library call.
#[inline(always)]
fn madd<const FMA: bool>(o: f32, w: f32, i: f32) -> f32 {
    if FMA {
        i.mul_add(w, o)
    } else {
        o + w * i
    }
}

/// The body of [`slide`], inlined into each CPU-feature variant.
///
/// Each input plane is first copied, zero-padded as far as the windows reach, into one plane
/// per phase of the stride: padded row `r`, column `c` goes to phase `(r mod sy, c mod sx)`
/// at row `r / sy`, column `c / sx`, every phase plane `phase_w` wide. Output `(oy, ox)`'s tap
/// `(ky, kx)` then reads phase `(ky mod sy, kx mod sx)` at row `oy + ky / sy`, column
/// `ox + kx / sx`; so with the output's rows widened to `phase_w` too (the columns beyond the
/// output's are dropped afterwards), each tap is one contiguous run over a whole phase plane:
/// `wide[q] += w · phase[q + (ky / sy) · phase_w + kx / sx]`. The runs go in blocks as wide
/// as suits the registers, however narrow the plane (8 to 24 pixels in most of the networks'
/// later layers), with no bounds to work out inside the loops. Each output takes its taps in
/// order, row by row and left to right, after the bias.
#[inline(always)]
fn slide_with<const FMA: bool>(
    x: &[f32],
    cin: usize,
    weights: &[f32],
    bias: &[f32],
    win: &Window,
    depthwise: bool,
    out: &mut [f32],
) {
    let (in_plane, out_plane, taps) = (win.in_h * win.in_w, win.out_h * win.out_w, win.kh * win.kw);
    let (sy, sx) = (win.stride_h, win.stride_w);
    if out_plane == 0 || sx == 0 || sy == 0 {
        return;
    }
    let padded_h = (win.out_h - 1) * sy + win.kh;
    let padded_w = (win.out_w - 1) * sx + win.kw;
    let (phase_h, phase_w) = (padded_h.div_ceil(sy), padded_w.div_ceil(sx));
    let phase_plane = phase_h * phase_w;
    // All the phase planes of one input plane.
    let phases = phase_plane * sy * sx;
    // Per column phase px, the run of a phase row that comes from the input: positions
    // `first..first + n` (padded column px + i·sx, input column px + i·sx − pad_left) take
    // input columns `from`, `from + sx`, … The same for every row, so worked out once.
    let runs: Vec<(usize, usize, usize, usize)> = (0..sx)
        .filter_map(|px| {
            let len = padded_w.saturating_sub(px).div_ceil(sx);
            let first = win.pad_left.saturating_sub(px).div_ceil(sx).min(len);
            let end = (win.in_w + win.pad_left).saturating_sub(px).div_ceil(sx);
            let end = end.clamp(first, len);
            let from = (px + first * sx).checked_sub(win.pad_left)?;
            Some((px, first, end - first, from))
        })
        .collect();
    let pad = |c: usize, dst: &mut [f32]| {
        dst.fill(0.0);
        for r in 0..padded_h {
            let Some(iy) = r.checked_sub(win.pad_top).filter(|&iy| iy < win.in_h) else {
                continue;
            };
            let src = &x[c * in_plane + iy * win.in_w..][..win.in_w];
            let (py, row) = (r % sy, r / sy);
            for &(px, first, n, from) in &runs {
                let at = (py * sx + px) * phase_plane + row * phase_w + first;
                let dst = &mut dst[at..at + n];
                every_nth(dst, &src[from..], sx);
            }
        }
    };
    // Where tap (ky, kx) reads, from the start of an input plane's phases.
    let offsets: Vec<usize> = (0..win.kh)
        .flat_map(|ky| {
            (0..win.kw).map(move |kx| {
                ((ky % sy) * sx + kx % sx) * phase_plane + (ky / sy) * phase_w + kx / sx
            })
        })
        .collect();
    // The last output row's widened runs reach up to `(kw − 1) / sx` values past the last
    // phase plane: zeros.
    let slack = win.kw;
    // Dense: every input plane's phases made once; depthwise: one plane's at a time.
    let mut planes = vec![0.0f32; phases * if depthwise { 1 } else { cin } + slack];
    if !depthwise {
        for (c, dst) in planes.chunks_exact_mut(phases).enumerate() {
            pad(c, dst);
        }
    }
    let mut wide = vec![0.0f32; win.out_h * phase_w];
    for (co, &b) in bias.iter().enumerate() {
        if depthwise {
            pad(co, &mut planes[..phases]);
        }
        wide.fill(b);
        let inputs = if depthwise { 0..1 } else { 0..cin };
        for ci in inputs {
            let filter = if depthwise { co } else { co * cin + ci };
            let sliding = Sliding {
                src: &planes[ci * phases..],
                offsets: &offsets,
                w: &weights[filter * taps..(filter + 1) * taps],
            };
            let mut q = 0;
            while q + 64 <= wide.len() {
                sliding.accumulate::<64, FMA>(&mut wide[q..q + 64], q);
                q += 64;
            }
            while q + 8 <= wide.len() {
                sliding.accumulate::<8, FMA>(&mut wide[q..q + 8], q);
                q += 8;
            }
            while q < wide.len() {
                sliding.accumulate::<1, FMA>(&mut wide[q..q + 1], q);
                q += 1;
            }
        }
        let dst = &mut out[co * out_plane..(co + 1) * out_plane];
        for (row, sums) in dst
            .chunks_exact_mut(win.out_w)
            .zip(wide.chunks_exact(phase_w))
        {
            row.copy_from_slice(&sums[..win.out_w]);
        }
    }
}

/// `dst[i] = src[i · step]` for every `i` of `dst`; `src` holds them all.
#[inline(always)]
fn every_nth(dst: &mut [f32], src: &[f32], step: usize) {
    match step {
        1 => dst.copy_from_slice(&src[..dst.len()]),
        2 => {
            // Pairs, so that the compiler can pick the even values out of vectors.
            let pairs = src.chunks_exact(2);
            let last = pairs.remainder().first();
            let mut out = dst.iter_mut();
            // The pairs lead: when they run out first, no output is passed over.
            for (pair, d) in pairs.zip(&mut out) {
                *d = pair[0];
            }
            if let (Some(d), Some(&v)) = (out.next(), last) {
                *d = v;
            }
        }
        _ => {
            for (d, v) in dst.iter_mut().zip(src.iter().step_by(step)) {
                *d = *v;
            }
        }
    }
}

/// One filter's taps over one input plane's phases.
struct Sliding<'a> {
    /// The phase planes, and at least `kw` values after them.
    src: &'a [f32],
    /// Where each tap reads, row by row, left to right.
    offsets: &'a [usize],
    /// The filter's `kh × kw` weights, in the same order.
    w: &'a [f32],
}

impl Sliding<'_> {
    /// Adds every tap to the `N` sums `out` (from widened position `q` on), keeping the sums
    /// in registers: one load per tap instead of a load and a store of each sum per tap.
    #[inline(always)]
    fn accumulate<const N: usize, const FMA: bool>(&self, out: &mut [f32], q: usize) {
        let mut acc = [0.0f32; N];
        acc.copy_from_slice(out);
        for (&offset, &wv) in self.offsets.iter().zip(self.w) {
            let run: &[f32; N] = self.src[q + offset..][..N].try_into().expect("a run of N");
            for (a, &i) in acc.iter_mut().zip(run) {
                *a = madd::<FMA>(*a, wv, i);
            }
        }
        out.copy_from_slice(&acc);
    }
}

/// Unfolds the windows of `channels` planes into a `(channels·kh·kw) × (out_h·out_w)` matrix,
/// zeros where a window reaches past the plane, so a convolution becomes one matrix product.
pub fn im2col(x: &[f32], channels: usize, win: &Window) -> Vec<f32> {
    let (in_plane, out_plane) = (win.in_h * win.in_w, win.out_h * win.out_w);
    let mut cols = vec![0.0f32; channels * win.kh * win.kw * out_plane];
    for (r, dst) in cols.chunks_exact_mut(out_plane).enumerate() {
        let (c, ky, kx) = (r / (win.kh * win.kw), (r / win.kw) % win.kh, r % win.kw);
        let src = &x[c * in_plane..(c + 1) * in_plane];
        let range = win.columns(kx);
        if range.is_empty() {
            continue;
        }
        let start = range.start * win.stride_w + kx - win.pad_left;
        for oy in 0..win.out_h {
            let Some(iy) = win.row(oy, ky) else { continue };
            let input = &src[iy * win.in_w..(iy + 1) * win.in_w];
            let out_row = &mut dst[oy * win.out_w..(oy + 1) * win.out_w];
            for (o, &i) in out_row[range.clone()]
                .iter_mut()
                .zip(input[start..].iter().step_by(win.stride_w))
            {
                *o = i;
            }
        }
    }
    cols
}

/// Max or average over windows without padding.
pub fn pool(x: &[f32], channels: usize, win: &Window, max: bool, out: &mut [f32]) {
    let (in_plane, out_plane) = (win.in_h * win.in_w, win.out_h * win.out_w);
    let area = (win.kh * win.kw) as f32;
    let global = (win.kh, win.kw, win.out_h, win.out_w) == (win.in_h, win.in_w, 1, 1);
    let halving = (win.kh, win.kw, win.stride_h, win.stride_w) == (2, 2, 2, 2);
    if global && !max {
        // The squeeze-and-excitation blocks' global average: each plane summed in order, as
        // `Iterator::sum` does (from −0.0), eight planes side by side so that their sums
        // proceed together rather than each waiting on its own previous addition.
        const LANES: usize = 8;
        let planes = x.chunks_exact(in_plane).take(channels);
        let (mut i, planes) = (0, planes.collect::<Vec<_>>());
        for group in planes.chunks(LANES) {
            let mut sums = [-0.0f32; LANES];
            if let Ok(group) = <&[&[f32]; LANES]>::try_from(group) {
                for p in 0..in_plane {
                    for (sum, plane) in sums.iter_mut().zip(group) {
                        *sum += plane[p];
                    }
                }
            } else {
                for (sum, plane) in sums.iter_mut().zip(group) {
                    *sum = plane.iter().sum();
                }
            }
            for sum in &sums[..group.len()] {
                out[i * out_plane] = sum / area;
                i += 1;
            }
        }
        return;
    }
    for (src, dst) in x
        .chunks_exact(in_plane)
        .zip(out.chunks_exact_mut(out_plane))
        .take(channels)
    {
        if halving && max {
            for (oy, row) in dst.chunks_exact_mut(win.out_w).enumerate() {
                let top = &src[2 * oy * win.in_w..][..2 * win.out_w];
                let bottom = &src[(2 * oy + 1) * win.in_w..][..2 * win.out_w];
                for ((o, t), b) in row
                    .iter_mut()
                    .zip(top.chunks_exact(2))
                    .zip(bottom.chunks_exact(2))
                {
                    *o = t[0].max(t[1]).max(b[0].max(b[1]));
                }
            }
        } else {
            for oy in 0..win.out_h {
                for ox in 0..win.out_w {
                    let mut acc = if max { f32::NEG_INFINITY } else { 0.0 };
                    for ky in 0..win.kh {
                        let row = (oy * win.stride_h + ky) * win.in_w + ox * win.stride_w;
                        for &v in &src[row..row + win.kw] {
                            acc = if max { acc.max(v) } else { acc + v };
                        }
                    }
                    dst[oy * win.out_w + ox] = if max { acc } else { acc / area };
                }
            }
        }
    }
}

/// Bilinear resampling of each plane, ONNX `Resize` in `linear` mode with `half_pixel`
/// coordinates: output pixel `o` samples input position `(o + 0.5) / scale − 0.5`, clamped to
/// the plane.
pub fn resize_bilinear(
    x: &[f32],
    channels: usize,
    (in_h, in_w): (usize, usize),
    (out_h, out_w): (usize, usize),
    (scale_h, scale_w): (f32, f32),
    out: &mut [f32],
) {
    // Per output coordinate: the two input indices and the weight of the second.
    let taps = |n_out: usize, n_in: usize, scale: f32| -> Vec<(usize, usize, f32)> {
        (0..n_out)
            .map(|o| {
                let pos = ((o as f32 + 0.5) / scale - 0.5).clamp(0.0, (n_in - 1) as f32);
                let lo = pos.floor() as usize;
                let hi = (lo + 1).min(n_in - 1);
                (lo, hi, pos - lo as f32)
            })
            .collect()
    };
    let (rows, cols) = (taps(out_h, in_h, scale_h), taps(out_w, in_w, scale_w));
    let (in_plane, out_plane) = (in_h * in_w, out_h * out_w);
    // Each input row is blended across once, then each output row blends two of those: the
    // same two steps per output value as blending both rows for every output row, in the same
    // order, so the same values.
    let mut across = vec![0.0f32; in_h * out_w];
    for c in 0..channels {
        let src = &x[c * in_plane..(c + 1) * in_plane];
        let dst = &mut out[c * out_plane..(c + 1) * out_plane];
        for (row, blended) in src.chunks_exact(in_w).zip(across.chunks_exact_mut(out_w)) {
            for (b, &(x0, x1, fx)) in blended.iter_mut().zip(&cols) {
                *b = row[x0] + (row[x1] - row[x0]) * fx;
            }
        }
        for (&(y0, y1, fy), out_row) in rows.iter().zip(dst.chunks_exact_mut(out_w)) {
            let (top, bottom) = (
                &across[y0 * out_w..(y0 + 1) * out_w],
                &across[y1 * out_w..(y1 + 1) * out_w],
            );
            for ((o, &t), &b) in out_row.iter_mut().zip(top).zip(bottom) {
                *o = t + (b - t) * fy;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct sum a convolution stands for, to compare the fast paths with.
    fn naive_conv(
        x: &[f32],
        cin: usize,
        w: &[f32],
        bias: &[f32],
        win: &Window,
        depthwise: bool,
    ) -> Vec<f32> {
        let cout = bias.len();
        let mut out = vec![0.0; cout * win.out_h * win.out_w];
        for co in 0..cout {
            for oy in 0..win.out_h {
                for ox in 0..win.out_w {
                    let mut acc = bias[co];
                    let inputs: Vec<usize> = if depthwise {
                        vec![co]
                    } else {
                        (0..cin).collect()
                    };
                    for (j, &ci) in inputs.iter().enumerate() {
                        for ky in 0..win.kh {
                            for kx in 0..win.kw {
                                let iy = (oy * win.stride_h + ky) as isize - win.pad_top as isize;
                                let ix = (ox * win.stride_w + kx) as isize - win.pad_left as isize;
                                if iy < 0
                                    || ix < 0
                                    || iy >= win.in_h as isize
                                    || ix >= win.in_w as isize
                                {
                                    continue;
                                }
                                let wi = if depthwise {
                                    (co * win.kh + ky) * win.kw + kx
                                } else {
                                    ((co * inputs.len() + j) * win.kh + ky) * win.kw + kx
                                };
                                acc += w[wi]
                                    * x[(ci * win.in_h + iy as usize) * win.in_w + ix as usize];
                            }
                        }
                    }
                    out[(co * win.out_h + oy) * win.out_w + ox] = acc;
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-5 * (1.0 + y.abs()))
    }

    /// Stride 1 and 2, kernels 2, 3 and 5, padding before and after, odd plane sizes, rows
    /// wide enough for the 32- and 8-output blocks and their remainders: the depthwise and
    /// dense paths give the direct sum.
    #[test]
    fn convolutions_give_the_direct_sum() {
        for (k, s, pad_top, pad_left, in_h, in_w) in [
            (3, 1, 1, 1, 5, 45),
            (3, 2, 0, 0, 6, 80),
            (5, 2, 2, 2, 7, 70),
            (3, 1, 1, 1, 7, 9),
            (3, 2, 0, 0, 8, 8),
            (5, 2, 1, 1, 9, 11),
            (5, 1, 2, 2, 6, 5),
            (2, 2, 0, 0, 6, 6),
            (3, 3, 0, 0, 9, 9),
        ] {
            // Padding after as much as before, or (when none before) one, as the networks'
            // stride-2 layers have it.
            let after = if pad_top == 0 { 1 } else { pad_top };
            let out_h = (in_h + pad_top + after - k) / s + 1;
            let out_w = (in_w + pad_left + after - k) / s + 1;
            let win = Window {
                in_h,
                in_w,
                kh: k,
                kw: k,
                stride_h: s,
                stride_w: s,
                pad_top,
                pad_left,
                out_h,
                out_w,
            };
            // Three planes slide directly; twelve (over 96 taps at 3×3) go through im2col.
            for (cin, cout) in [(3, 4), (12, 40)] {
                let x = values(cin * in_h * in_w, 1);
                let w = values(cout * cin * k * k, 2);
                let bias = values(cout, 3);
                let mut out = vec![f32::NAN; cout * out_h * out_w];
                dense(&x, cin, &w, &bias, &win, &mut out);
                let want = naive_conv(&x, cin, &w, &bias, &win, false);
                assert!(close(&out, &want), "dense {cin}→{cout} {k} {s}");
                slide_with::<false>(&x, cin, &w, &bias, &win, false, &mut out);
                assert!(
                    close(&out, &want),
                    "dense, sliding, plain variant, {cin}→{cout} {k} {s}"
                );
            }
            let cin = 3;
            let x = values(cin * in_h * in_w, 1);

            let wd = values(cin * k * k, 4);
            let bd = values(cin, 5);
            let mut out = vec![f32::NAN; cin * out_h * out_w];
            depthwise(&x, &wd, &bd, &win, &mut out);
            let want = naive_conv(&x, cin, &wd, &bd, &win, true);
            assert!(close(&out, &want), "depthwise {k} {s}");
            // The variant without AVX2/FMA, which a CPU with them never dispatches to.
            slide_with::<false>(&x, cin, &wd, &bd, &win, true, &mut out);
            assert!(close(&out, &want), "depthwise, plain variant, {k} {s}");
        }
    }

    /// Narrow products (dot products) and wide ones (blocks) both give the sums.
    #[test]
    fn products_of_every_width_give_the_sums() {
        for n in [1, 4, SMALL_N - 1, SMALL_N, 100] {
            let (m, k) = (7, 37);
            let (a, b) = (values(m * k, 8), values(k * n, 9));
            let mut c = values(m * n, 10);
            let mut want = c.clone();
            for i in 0..m {
                for j in 0..n {
                    want[i * n + j] += (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum::<f32>();
                }
            }
            let mut plain = c.clone();
            matmul_add(m, k, n, &a, &b, &mut c);
            assert!(close(&c, &want), "n = {n}");
            if n < SMALL_N {
                // The dot products' variant without AVX2/FMA, on `b` transposed.
                let mut bt = vec![0.0; n * k];
                for i in 0..k {
                    for j in 0..n {
                        bt[j * k + i] = b[i * n + j];
                    }
                }
                dots_with::<false>(m, k, n, &a, &bt, &mut plain);
                assert!(close(&plain, &want), "n = {n}, plain variant");
            } else {
                // The blocks' variant without AVX2/FMA.
                product_with::<false>(m, k, n, &a, &b, &mut plain);
                assert!(close(&plain, &want), "n = {n}, plain variant");
            }
        }
    }

    /// The blocked product gives the sums `matrixmultiply` gave before it, to the bit (where
    /// the CPU has AVX2 and FMA, which both then fuse each term into the running sum): whole
    /// blocks and edge rows and columns, and more than [`DEPTH`] terms.
    #[test]
    fn the_blocked_product_gives_matrixmultiplys_sums_to_the_bit() {
        #[cfg(target_arch = "x86_64")]
        if !(std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"))
        {
            return;
        }
        for (m, k, n) in [
            (16, 16, 4096),
            (28, 24, 1024),
            (6, 96, 64),
            (7, 300, 45),
            (128, 512, 33),
        ] {
            let (a, b) = (values(m * k, 11), values(k * n, 12));
            let mut ours = values(m * n, 13);
            let mut theirs = ours.clone();
            product(m, k, n, &a, &b, &mut ours);
            // SAFETY: the slices hold m·k, k·n and m·n values, row-major and contiguous.
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    1.0,
                    a.as_ptr(),
                    k as isize,
                    1,
                    b.as_ptr(),
                    n as isize,
                    1,
                    1.0,
                    theirs.as_mut_ptr(),
                    n as isize,
                    1,
                );
            }
            let same = ours
                .iter()
                .zip(&theirs)
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "{m}×{k} · {k}×{n}");
        }
    }

    #[test]
    fn pooling_takes_the_max_or_mean_of_each_window() {
        let x: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let win = |k: usize, s: usize, out: usize| Window {
            in_h: 4,
            in_w: 4,
            kh: k,
            kw: k,
            stride_h: s,
            stride_w: s,
            pad_top: 0,
            pad_left: 0,
            out_h: out,
            out_w: out,
        };
        let mut out = vec![0.0; 4];
        pool(&x, 1, &win(2, 2, 2), true, &mut out);
        assert_eq!(out, vec![5.0, 7.0, 13.0, 15.0]);
        let mut out = vec![0.0; 1];
        pool(&x, 1, &win(4, 4, 1), false, &mut out);
        assert_eq!(out, vec![7.5]);
        let mut out = vec![0.0; 9];
        pool(&x, 1, &win(2, 1, 3), false, &mut out);
        assert_eq!(out[0], 2.5);
        assert_eq!(out[8], 12.5);
    }

    /// The global average of planes taken eight at a time is each plane's own sum, in order,
    /// to the bit, for whole groups of eight and the planes left over.
    #[test]
    fn global_averages_are_each_planes_own_sum() {
        let (channels, plane) = (11, 37);
        let x = values(channels * plane, 14);
        let win = Window {
            in_h: 1,
            in_w: plane,
            kh: 1,
            kw: plane,
            stride_h: 1,
            stride_w: 1,
            pad_top: 0,
            pad_left: 0,
            out_h: 1,
            out_w: 1,
        };
        let mut out = vec![0.0; channels];
        pool(&x, channels, &win, false, &mut out);
        for (o, p) in out.iter().zip(x.chunks_exact(plane)) {
            let want = p.iter().sum::<f32>() / plane as f32;
            assert_eq!(o.to_bits(), want.to_bits());
        }
    }

    #[test]
    fn half_pixel_bilinear_doubles_a_row_as_onnx_does() {
        let mut out = vec![0.0; 4];
        resize_bilinear(&[0.0, 1.0], 1, (1, 2), (1, 4), (1.0, 2.0), &mut out);
        assert_eq!(out, vec![0.0, 0.25, 0.75, 1.0]);
    }
}
