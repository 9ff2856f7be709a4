//! Statistics over pixel values that every stage uses: quantiles and windowed means.

/// The value at quantile `q` (0–1) of a slice: the element a full sort would put at index
/// `round((n − 1) q)`, found by selection in linear time (the slice is reordered, not sorted).
/// The face oval of a large face holds ~200 000 pixels; sorting them was the slowest step of
/// the checks (`examples/bench_quality.rs`).
pub fn quantile(v: &mut [f32], q: f32) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    let i = ((v.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    let (_, nth, _) = v.select_nth_unstable_by(i, f32::total_cmp);
    Some(*nth)
}

/// Mean over a (2r+1)² window clipped to the image, separable running sums, O(N).
pub fn box_mean(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let mut tmp = vec![0f32; w * h];
    // Four rows at a time, so that their running sums proceed together rather than each
    // addition waiting on the one before it.
    const ROWS: usize = 4;
    for (band, out) in src[..w * h].chunks(ROWS * w).zip(tmp.chunks_mut(ROWS * w)) {
        if band.len() == ROWS * w {
            running_means::<ROWS>(band, out, w, r);
        } else {
            for (row, out) in band.chunks_exact(w).zip(out.chunks_exact_mut(w)) {
                running_means::<1>(row, out, w, r);
            }
        }
    }
    let mut out = vec![0f32; w * h];
    let mut sums: Vec<f32> = vec![0.0; w];
    for y in 0..(r + 1).min(h) {
        for (s, v) in sums.iter_mut().zip(&tmp[y * w..(y + 1) * w]) {
            *s += v;
        }
    }
    for y in 0..h {
        let lo = y.saturating_sub(r);
        let hi = (y + r).min(h - 1);
        let n = (hi - lo + 1) as f32;
        for (o, s) in out[y * w..(y + 1) * w].iter_mut().zip(&sums) {
            *o = s / n;
        }
        if y + r + 1 < h {
            for (s, v) in sums.iter_mut().zip(&tmp[(y + r + 1) * w..(y + r + 2) * w]) {
                *s += v;
            }
        }
        if y >= r {
            for (s, v) in sums.iter_mut().zip(&tmp[(y - r) * w..(y - r + 1) * w]) {
                *s -= v;
            }
        }
    }
    out
}

/// The means over `x − r ..= x + r` (within the row) of each of the `L` rows of `w` values in
/// `src`, into `out`; each row's running sum taken in order, as one row alone would.
#[inline(always)]
fn running_means<const L: usize>(src: &[f32], out: &mut [f32], w: usize, r: usize) {
    let mut sums: [f32; L] = std::array::from_fn(|l| src[l * w..][..(r + 1).min(w)].iter().sum());
    for x in 0..w {
        let n = ((x + r).min(w - 1) - x.saturating_sub(r) + 1) as f32;
        for (l, sum) in sums.iter_mut().enumerate() {
            let row = &src[l * w..(l + 1) * w];
            out[l * w + x] = *sum / n;
            if x + r + 1 < w {
                *sum += row[x + r + 1];
            }
            if x >= r {
                *sum -= row[x - r];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_the_sorted_element() {
        let mut v: Vec<f32> = (0..1001).map(|i| ((i * 7919) % 1001) as f32).collect();
        assert_eq!(quantile(&mut v.clone(), 0.5), Some(500.0));
        assert_eq!(quantile(&mut v.clone(), 0.05), Some(50.0));
        assert_eq!(quantile(&mut v.clone(), 0.95), Some(950.0));
        assert_eq!(quantile(&mut v, 1.0), Some(1000.0));
        assert_eq!(quantile(&mut [], 0.5), None);
    }

    #[test]
    fn box_mean_is_a_clipped_window_mean() {
        let src: Vec<f32> = (0..20).map(|v| v as f32).collect();
        let m = box_mean(&src, 5, 4, 1);
        // Corner (0,0): mean of 0,1,5,6.
        assert!((m[0] - 3.0).abs() < 1e-5);
        // Interior (1,1): mean of 0,1,2,5,6,7,10,11,12.
        assert!((m[6] - 6.0).abs() < 1e-5);
        // Rows taken four at a time and the two left over alike, windows wider than the image.
        let (w, h) = (7, 6);
        let src: Vec<f32> = (0..w * h).map(|v| ((v * 37) % 11) as f32).collect();
        for r in [1, 2, 9] {
            let m = box_mean(&src, w, h, r);
            for y in 0..h {
                for x in 0..w {
                    let (xs, ys) = (
                        x.saturating_sub(r)..(x + r + 1).min(w),
                        y.saturating_sub(r)..(y + r + 1).min(h),
                    );
                    let n = (xs.len() * ys.len()) as f32;
                    let mut sum = 0.0;
                    for yy in ys {
                        for xx in xs.clone() {
                            sum += src[yy * w + xx];
                        }
                    }
                    let want = sum / n;
                    assert!((m[y * w + x] - want).abs() < 1e-4, "r {r} at {x},{y}");
                }
            }
        }
    }
}
