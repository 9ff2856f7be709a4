//! Internal consistency of a resolved spec: values that parse but cannot describe a real photo.

use super::model::{Body, Range};

/// A broken rule: the dotted key and why.
pub(super) type Invalid = (&'static str, String);

/// Bits per pixel a baseline JPEG of a photo reaches at the very most (quality 100, no chroma
/// subsampling) and at the very least (quality ~5): outside these a KB range is unreachable.
const JPEG_MAX_BITS_PER_PIXEL: f64 = 8.0;
const JPEG_MIN_BITS_PER_PIXEL: f64 = 0.15;
/// Crown (with hair) to eye line, as a fraction of face width, below which no head fits.
const MIN_CROWN_TO_EYE_PER_FACE_WIDTH: f64 = 0.5;

/// The other keys a rule on `key` depends on: a spec that breaks the rule may have changed any
/// of them, and the error should point at the one the person's own file set.
pub(super) fn related(key: &str) -> &'static [&'static str] {
    match key {
        "canvas.accept_width_px" | "head.face_width_px" | "head.centring_tolerance_px" => {
            &["canvas.width_px"]
        }
        "canvas.accept_height_px" | "head.head_height_px" | "head.top_margin_px" => {
            &["canvas.height_px"]
        }
        "canvas.size_mm" => &["canvas.dpi", "canvas.width_px", "canvas.height_px"],
        "file.kb" => &["canvas.width_px", "canvas.height_px"],
        "file.kb_hard" => &["file.kb"],
        "background.warn_delta_e" => &["background.max_delta_e"],
        "head.eye_to_bottom_min_px" => &[
            "canvas.height_px",
            "head.top_margin_px",
            "head.face_width_px",
        ],
        "head.eye_from_top_px" => &["head.top_margin_px", "canvas.height_px"],
        "head.warn_yaw_deg" => &["head.max_yaw_deg"],
        "head.warn_eye_opening" => &["head.min_eye_opening"],
        "head.warn_brow_skin" => &["head.min_brow_skin"],
        "head.warn_mouth_opening" => &["head.max_mouth_opening"],
        _ => &[],
    }
}

/// Checks a merged spec; returns the canvas size it guarantees.
pub(super) fn validate(body: &Body) -> Result<(u32, u32), Invalid> {
    let c = &body.canvas;
    let w = c.width_px.ok_or((
        "canvas.width_px",
        "is missing: every spec needs an output width".to_string(),
    ))?;
    let h = c.height_px.ok_or((
        "canvas.height_px",
        "is missing: every spec needs an output height".to_string(),
    ))?;
    for (key, v) in [("canvas.width_px", w), ("canvas.height_px", h)] {
        if !(16..=10_000).contains(&v) {
            return Err((key, format!("is {v}; it must be between 16 and 10000 px")));
        }
    }
    let (wf, hf) = (f64::from(w), f64::from(h));
    range(&c.accept_width_px, "canvas.accept_width_px")?;
    range(&c.accept_height_px, "canvas.accept_height_px")?;
    range(&c.accept_dpi, "canvas.accept_dpi")?;
    if let Some([lo, hi]) = c.accept_width_px {
        if wf < lo || wf > hi {
            return Err((
                "canvas.accept_width_px",
                format!("[{lo}, {hi}] does not contain width_px {w}"),
            ));
        }
    }
    if let Some([lo, hi]) = c.accept_height_px {
        if hf < lo || hf > hi {
            return Err((
                "canvas.accept_height_px",
                format!("[{lo}, {hi}] does not contain height_px {h}"),
            ));
        }
    }
    positive(c.aspect_tolerance, "canvas.aspect_tolerance")?;
    if let Some(dpi) = c.dpi {
        if !(dpi.is_finite() && (50.0..=2400.0).contains(&dpi)) {
            return Err((
                "canvas.dpi",
                format!("is {dpi}; it must be between 50 and 2400"),
            ));
        }
        if let Some([mw, mh]) = c.size_mm {
            // px = mm / 25.4 × dpi; a 1 mm slack absorbs the rounding of the published sizes.
            let (ew, eh) = (mw / 25.4 * dpi, mh / 25.4 * dpi);
            let slack = dpi / 25.4;
            if (ew - wf).abs() > slack || (eh - hf).abs() > slack {
                return Err((
                    "canvas.size_mm",
                    format!(
                        "[{mw}, {mh}] mm at {dpi} dpi is {ew:.0}×{eh:.0} px, not the canvas {w}×{h} px"
                    ),
                ));
            }
        }
    }

    let f = &body.file;
    if let Some(formats) = &f.formats {
        if formats.is_empty() {
            return Err((
                "file.formats",
                "is empty: list at least one format".to_string(),
            ));
        }
        for fmt in formats {
            if !["jpeg", "png", "webp", "bmp", "tiff"].contains(&fmt.as_str()) {
                return Err((
                    "file.formats",
                    format!("has unknown format \"{fmt}\"; known: jpeg, png, webp, bmp, tiff"),
                ));
            }
        }
    }
    if let Some(mode) = &f.colour_mode {
        if mode != "rgb24" {
            return Err((
                "file.colour_mode",
                format!("is \"{mode}\"; the only supported mode is \"rgb24\""),
            ));
        }
    }
    range(&f.kb, "file.kb")?;
    range(&f.kb_hard, "file.kb_hard")?;
    if let (Some([lo, hi]), Some([hlo, hhi])) = (f.kb, f.kb_hard) {
        if hlo > lo || hhi < hi {
            return Err((
                "file.kb_hard",
                format!("[{hlo}, {hhi}] must contain file.kb [{lo}, {hi}]"),
            ));
        }
    }
    let pixels = wf * hf;
    let max_kb = pixels * JPEG_MAX_BITS_PER_PIXEL / 8.0 / 1024.0;
    let min_kb = pixels * JPEG_MIN_BITS_PER_PIXEL / 8.0 / 1024.0;
    if let Some([lo, hi]) = f.kb {
        if lo > max_kb {
            return Err(("file.kb", format!("minimum {lo} KB cannot be reached by a {w}×{h} JPEG (at most about {max_kb:.0} KB)")));
        }
        if hi < min_kb {
            return Err(("file.kb", format!("maximum {hi} KB is below what a {w}×{h} JPEG needs (at least about {min_kb:.1} KB)")));
        }
    }
    if let Some(q) = f.jpeg_quality {
        if !(1..=100).contains(&q) {
            return Err(("file.jpeg_quality", format!("is {q}; it must be 1 to 100")));
        }
    }

    let b = &body.background;
    if let Some(allowed) = &b.allowed {
        if allowed.is_empty() {
            return Err((
                "background.allowed",
                "is empty: list at least one colour".to_string(),
            ));
        }
    }
    for (key, v) in [
        ("background.max_delta_e", b.max_delta_e),
        ("background.warn_delta_e", b.warn_delta_e),
        ("background.max_uniformity", b.max_uniformity),
        ("background.max_shadow_l", b.max_shadow_l),
        ("background.min_clothing_delta_e", b.min_clothing_delta_e),
        ("background.max_clutter", b.max_clutter),
    ] {
        positive(v, key)?;
    }
    for (key, v) in [
        ("background.min_mask_confidence", b.min_mask_confidence),
        ("background.max_frame_fraction", b.max_frame_fraction),
    ] {
        fraction(v, key)?;
    }
    warn_not_above(
        b.warn_delta_e,
        b.max_delta_e,
        "background.warn_delta_e",
        "max_delta_e",
    )?;

    let hd = &body.head;
    range(&hd.face_width_px, "head.face_width_px")?;
    range(&hd.top_margin_px, "head.top_margin_px")?;
    range(&hd.eye_from_top_px, "head.eye_from_top_px")?;
    range(&hd.head_height_px, "head.head_height_px")?;
    if let Some([_, hi]) = hd.face_width_px {
        if hi > wf {
            return Err((
                "head.face_width_px",
                format!("maximum {hi} px is wider than the canvas ({w} px)"),
            ));
        }
    }
    if let Some([_, hi]) = hd.head_height_px {
        if hi > hf {
            return Err((
                "head.head_height_px",
                format!("maximum {hi} px is taller than the canvas ({h} px)"),
            ));
        }
    }
    if let Some([_, hi]) = hd.top_margin_px {
        if hi >= hf / 2.0 {
            return Err((
                "head.top_margin_px",
                format!("maximum {hi} px leaves no room for a head in a {h} px canvas"),
            ));
        }
    }
    if let Some(min) = hd.eye_to_bottom_min_px {
        if !(min >= 0.0 && min < hf) {
            return Err((
                "head.eye_to_bottom_min_px",
                format!("is {min}; it must be between 0 and the canvas height {h}"),
            ));
        }
        // The eye line sits below the crown: the highest allowed eye line must still be under
        // the lowest allowed hair top.
        // Between crown and eye line sit hair and forehead: at least half a face width on any
        // adult face (typically 0.7–1.1 face widths), so a tighter spec describes no real head.
        if let Some([top_lo, _]) = hd.top_margin_px {
            let forehead = hd
                .face_width_px
                .map_or(0.0, |[lo, _]| lo * MIN_CROWN_TO_EYE_PER_FACE_WIDTH);
            if hf - min - top_lo <= forehead {
                return Err((
                    "head.eye_to_bottom_min_px",
                    format!(
                        "puts the eye line too close to the hair-top band (eye y ≤ {}, top margin ≥ {top_lo}, need more than {forehead:.0} px between)",
                        hf - min
                    ),
                ));
            }
        }
    }
    if let (Some([elo, ehi]), Some([tlo, _])) = (hd.eye_from_top_px, hd.top_margin_px) {
        if ehi <= tlo || elo < 0.0 || ehi > hf {
            return Err((
                "head.eye_from_top_px",
                format!("[{elo}, {ehi}] must lie below the hair-top band and inside the canvas"),
            ));
        }
    }
    if let Some(tol) = hd.centring_tolerance_px {
        if !(tol >= 0.0 && tol < wf / 2.0) {
            return Err((
                "head.centring_tolerance_px",
                format!("is {tol}; it must be between 0 and half the width"),
            ));
        }
    }
    for (key, v) in [
        ("head.max_roll_deg", hd.max_roll_deg),
        ("head.max_yaw_deg", hd.max_yaw_deg),
        ("head.warn_yaw_deg", hd.warn_yaw_deg),
    ] {
        head_angle(v, key)?;
    }
    warn_not_above(
        hd.warn_yaw_deg,
        hd.max_yaw_deg,
        "head.warn_yaw_deg",
        "max_yaw_deg",
    )?;
    for (key, v) in [
        ("head.min_eye_opening", hd.min_eye_opening),
        ("head.warn_eye_opening", hd.warn_eye_opening),
        ("head.max_red_eye", hd.max_red_eye),
        ("head.max_mouth_opening", hd.max_mouth_opening),
        ("head.warn_mouth_opening", hd.warn_mouth_opening),
        ("head.min_brow_skin", hd.min_brow_skin),
        ("head.warn_brow_skin", hd.warn_brow_skin),
    ] {
        fraction(v, key)?;
    }
    // These warnings lie above their limits (more open, more skin).
    warn_not_below(
        hd.warn_eye_opening,
        hd.min_eye_opening,
        "head.warn_eye_opening",
        "min_eye_opening",
    )?;
    warn_not_below(
        hd.warn_brow_skin,
        hd.min_brow_skin,
        "head.warn_brow_skin",
        "min_brow_skin",
    )?;
    warn_not_above(
        hd.warn_mouth_opening,
        hd.max_mouth_opening,
        "head.warn_mouth_opening",
        "max_mouth_opening",
    )?;
    if let Some(r) = hd.max_fix_roll_deg {
        if !(0.0..=45.0).contains(&r) {
            return Err((
                "head.max_fix_roll_deg",
                format!("is {r}; it must be between 0 and 45"),
            ));
        }
    }
    if let Some(u) = hd.max_upscale {
        if !(1.0..=8.0).contains(&u) {
            return Err((
                "head.max_upscale",
                format!("is {u}; it must be between 1 and 8"),
            ));
        }
    }
    if let Some(r) = &hd.face_width_ref {
        if r != "cheeks" && r != "head" {
            return Err((
                "head.face_width_ref",
                format!("is \"{r}\"; it must be \"cheeks\" or \"head\""),
            ));
        }
    }
    if let Some(r) = &hd.head_top_ref {
        if r != "hair" && r != "skull" {
            return Err((
                "head.head_top_ref",
                format!("is \"{r}\"; it must be \"hair\" or \"skull\""),
            ));
        }
    }

    let q = &body.quality;
    range(&q.face_l, "quality.face_l")?;
    if let Some([lo, hi]) = q.face_l {
        if lo < 0.0 || hi > 100.0 {
            return Err((
                "quality.face_l",
                format!("[{lo}, {hi}] must lie within L* 0–100"),
            ));
        }
    }
    range(&q.skin_hue_deg, "quality.skin_hue_deg")?;
    if let Some([lo, hi]) = q.skin_hue_deg {
        if hi > 360.0 {
            return Err((
                "quality.skin_hue_deg",
                format!("[{lo}, {hi}] must lie within 0–360°"),
            ));
        }
    }
    for (key, v) in [
        ("quality.max_clipped_fraction", q.max_clipped_fraction),
        ("quality.max_glare_fraction", q.max_glare_fraction),
        ("quality.min_coloured_fraction", q.min_coloured_fraction),
        ("quality.min_eye_light", q.min_eye_light),
        ("quality.min_lens_edge", q.min_lens_edge),
    ] {
        fraction(v, key)?;
    }
    for (key, v) in [
        ("quality.max_balance_l", q.max_balance_l),
        ("quality.max_cast_chroma", q.max_cast_chroma),
        ("quality.min_sharpness", q.min_sharpness),
        ("quality.max_blockiness", q.max_blockiness),
        ("quality.min_contrast_l", q.min_contrast_l),
        ("quality.max_noise_l", q.max_noise_l),
        ("quality.max_posterisation", q.max_posterisation),
        ("quality.dim_skin_l", q.dim_skin_l),
        ("quality.min_sclera_l", q.min_sclera_l),
        ("quality.min_sclera_pixels", q.min_sclera_pixels),
    ] {
        positive(v, key)?;
    }
    Ok((w, h))
}

fn range(r: &Option<Range>, key: &'static str) -> Result<(), Invalid> {
    if let Some([lo, hi]) = *r {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err((key, "must be finite numbers".to_string()));
        }
        if lo < 0.0 {
            return Err((key, format!("has negative min {lo}")));
        }
        if lo > hi {
            return Err((key, format!("has min {lo} above max {hi}")));
        }
    }
    Ok(())
}

fn fraction(v: Option<f64>, key: &'static str) -> Result<(), Invalid> {
    match v {
        Some(v) if !(0.0..=1.0).contains(&v) => {
            Err((key, format!("is {v}; a fraction must be between 0 and 1")))
        }
        _ => Ok(()),
    }
}

/// A limit on how far the head may tilt or turn: above 0, at most 45 degrees.
fn head_angle(v: Option<f64>, key: &'static str) -> Result<(), Invalid> {
    match v {
        Some(v) if !(v > 0.0 && v <= 45.0) => {
            Err((key, format!("is {v}; it must be above 0 and at most 45")))
        }
        _ => Ok(()),
    }
}

/// A warning threshold may not lie beyond the failure threshold it warns ahead of.
fn warn_not_above(
    warn: Option<f64>,
    max: Option<f64>,
    key: &'static str,
    max_name: &str,
) -> Result<(), Invalid> {
    match (warn, max) {
        (Some(warn), Some(max)) if warn > max => {
            Err((key, format!("{warn} is above {max_name} {max}")))
        }
        _ => Ok(()),
    }
}

fn warn_not_below(
    warn: Option<f64>,
    min: Option<f64>,
    key: &'static str,
    min_name: &str,
) -> Result<(), Invalid> {
    match (warn, min) {
        (Some(warn), Some(min)) if warn < min => {
            Err((key, format!("{warn} is below {min_name} {min}")))
        }
        _ => Ok(()),
    }
}

fn positive(v: Option<f64>, key: &'static str) -> Result<(), Invalid> {
    match v {
        Some(v) if !(v.is_finite() && v >= 0.0) => {
            Err((key, format!("is {v}; it must be a non-negative number")))
        }
        _ => Ok(()),
    }
}
