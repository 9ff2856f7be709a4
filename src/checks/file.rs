//! File-level checks on the photo as given: format, pixel size, aspect, dpi, colour mode, KB.

use super::{Check, CheckId, Context, Hint, Measure, Requirement, Rule, Status, Unit};
use crate::decode::ColourMode;

/// Tolerance on a stored dpi: JFIF stores whole numbers, EXIF rationals may round.
const DPI_TOLERANCE: f64 = 0.5;

/// File format by content.
pub struct FileFormat;

impl Rule for FileFormat {
    fn id(&self) -> CheckId {
        CheckId::FileFormat
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(formats) = &ctx.spec.body.file.formats else {
            return Check::not_applicable(
                self.id(),
                Hint::new("规格未限定文件格式", "the spec sets no file format"),
            );
        };
        let info = &ctx.photo.info;
        let ok = formats.iter().any(|f| f == info.format.name());
        let mut measured = Measure::name(info.format.name());
        if !info.extension_matches {
            measured.text.reword(
                |t| format!("{t} (extension says otherwise)"),
                |t| format!("{t}（与扩展名不符）"),
            );
        }
        let wanted = formats.join("/").to_uppercase();
        Check::judged(
            self.id(),
            if ok { Status::Pass } else { Status::Fail },
            measured,
            Requirement::one_of(formats),
            Hint::new(
                format!("文件实际是 {} 格式，须为 {wanted}：另存为 {wanted}（改扩展名无效）", info.format.name().to_uppercase()),
                format!("the file is really {}, it must be {wanted}: re-save it as {wanted} (renaming does not convert)", info.format.name().to_uppercase()),
            ),
            None,
        )
    }
}

/// Width × height in pixels.
pub struct FilePixels;

impl Rule for FilePixels {
    fn id(&self) -> CheckId {
        CheckId::FilePixels
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let (spec, info) = (ctx.spec, &ctx.photo.info);
        let c = &spec.body.canvas;
        let (w, h) = (f64::from(spec.width_px), f64::from(spec.height_px));
        let [wlo, whi] = c.accept_width_px.unwrap_or([w, w]);
        let [hlo, hhi] = c.accept_height_px.unwrap_or([h, h]);
        let (mw, mh) = (f64::from(info.width), f64::from(info.height));
        let ok = (wlo..=whi).contains(&mw) && (hlo..=hhi).contains(&mh);
        Check::judged(
            self.id(),
            if ok { Status::Pass } else { Status::Fail },
            Measure::size(mw, mh, Unit::Px),
            Requirement::size([wlo, hlo], [whi, hhi], Unit::Px),
            Hint::new(
                format!(
                    "照片须为 {}×{} 像素：使用 idphoto 输出的修正照片",
                    spec.width_px, spec.height_px
                ),
                format!(
                    "the photo must be {}×{} px: use the corrected photo idphoto writes",
                    spec.width_px, spec.height_px
                ),
            ),
            (mw < wlo || mh < hlo).then_some("图像像素不足"),
        )
    }
}

/// Width / height ratio.
pub struct FileAspect;

impl Rule for FileAspect {
    fn id(&self) -> CheckId {
        CheckId::FileAspect
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let (spec, info) = (ctx.spec, &ctx.photo.info);
        let target = f64::from(spec.width_px) / f64::from(spec.height_px);
        let tolerance = spec.body.canvas.aspect_tolerance.unwrap_or(0.0);
        let measured = f64::from(info.width) / f64::from(info.height);
        let required = Requirement::range(
            Some(target * (1.0 - tolerance)),
            Some(target * (1.0 + tolerance)),
            Unit::Ratio,
            3,
        );
        let status = if required.contains(measured) {
            Status::Pass
        } else {
            Status::Fail
        };
        let mut m = Measure::number(measured, Unit::Ratio, 3);
        let size = format!("{}×{}", info.width, info.height);
        m.text
            .reword(|t| format!("{t} ({size})"), |t| format!("{t}（{size}）"));
        Check::judged(
            self.id(),
            status,
            m,
            required,
            Hint::new(
                if measured > target {
                    "照片太宽：左右裁掉一些，或使用修正照片"
                } else {
                    "照片太高：上下裁掉一些，或使用修正照片"
                },
                if measured > target {
                    "the photo is too wide: crop the sides, or use the corrected photo"
                } else {
                    "the photo is too tall: crop top or bottom, or use the corrected photo"
                },
            ),
            Some("系统自动裁剪出错"),
        )
    }
}

/// Resolution stored in the file.
pub struct FileDpi;

impl Rule for FileDpi {
    fn id(&self) -> CheckId {
        CheckId::FileDpi
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let canvas = &ctx.spec.body.canvas;
        let Some(dpi) = canvas.dpi else {
            return Check::not_applicable(
                self.id(),
                Hint::new("规格未限定分辨率", "the spec sets no resolution"),
            );
        };
        let [lo, hi] = canvas
            .accept_dpi
            .unwrap_or([dpi - DPI_TOLERANCE, dpi + DPI_TOLERANCE]);
        let required = if canvas.accept_dpi.is_some() {
            Requirement::range(Some(lo), Some(hi), Unit::Dpi, 0)
        } else {
            Requirement::range(Some(dpi), Some(dpi), Unit::Dpi, 0)
        };
        let hint = Hint::new(
            format!("分辨率须为 {dpi} dpi：使用 idphoto 输出的修正照片（会写入分辨率）"),
            format!("the resolution must be {dpi} dpi: use the corrected photo, which records it"),
        );
        let Some(found) = ctx.photo.info.dpi else {
            return Check::judged(
                self.id(),
                Status::Fail,
                Measure::note("未记录", "not recorded"),
                required,
                hint,
                None,
            );
        };
        let ok = (lo..=hi).contains(&found.x) && (lo..=hi).contains(&found.y);
        let measured = if (found.x - found.y).abs() < DPI_TOLERANCE {
            Measure::number(found.x, Unit::Dpi, 1)
        } else {
            Measure::size(found.x, found.y, Unit::Dpi)
        };
        Check::judged(
            self.id(),
            if ok { Status::Pass } else { Status::Fail },
            measured,
            required,
            hint,
            None,
        )
    }
}

/// 24-bit RGB without alpha.
pub struct FileColourMode;

impl Rule for FileColourMode {
    fn id(&self) -> CheckId {
        CheckId::FileColourMode
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let Some(mode) = &ctx.spec.body.file.colour_mode else {
            return Check::not_applicable(
                self.id(),
                Hint::new("规格未限定色彩模式", "the spec sets no colour mode"),
            );
        };
        let found = ctx.photo.info.colour_mode;
        let ok = found.name() == mode;
        let (zh, en) = match found {
            ColourMode::Gray8 | ColourMode::GrayAlpha16 => (
                "须为彩色照片，不能是黑白（灰度）",
                "must be a colour photo, not grayscale",
            ),
            ColourMode::Rgba32 => (
                "去掉透明通道，另存为 24 位 RGB JPEG",
                "remove the transparency: save as 24-bit RGB JPEG",
            ),
            ColourMode::Deep16 => (
                "另存为每通道 8 位（24 位 RGB）",
                "save with 8 bits per channel (24-bit RGB)",
            ),
            ColourMode::Cmyk => (
                "CMYK 是印刷色彩，另存为 RGB",
                "CMYK is for print: save as RGB",
            ),
            _ => ("另存为 24 位 RGB 彩色", "save as 24-bit RGB colour"),
        };
        Check::judged(
            self.id(),
            if ok { Status::Pass } else { Status::Fail },
            Measure::name(found.name()),
            Requirement::one_of(std::slice::from_ref(mode)),
            Hint::new(zh, en),
            None,
        )
    }
}

/// File size in KB (1 KB = 1024 bytes).
pub struct FileKb;

impl Rule for FileKb {
    fn id(&self) -> CheckId {
        CheckId::FileKb
    }

    fn judge(&self, ctx: &Context<'_>) -> Check {
        let rules = &ctx.spec.body.file;
        let Some([lo, hi]) = rules.kb else {
            return Check::not_applicable(
                self.id(),
                Hint::new("规格未限定文件大小", "the spec sets no file size"),
            );
        };
        let kb = ctx.photo.info.bytes as f64 / 1024.0;
        let within = (lo..=hi).contains(&kb);
        let within_hard = rules.kb_hard.is_none_or(|[a, b]| (a..=b).contains(&kb));
        let status = match (within, within_hard, rules.kb_strict.unwrap_or(true)) {
            (true, _, _) => Status::Pass,
            (false, true, false) => Status::Warn,
            _ => Status::Fail,
        };
        let mut required = Requirement::range(Some(lo), Some(hi), Unit::Kb, 1);
        if let (Some([a, b]), Some(false)) = (rules.kb_hard, rules.kb_strict) {
            required = required.accepting(&format!(
                "{}–{} KB",
                super::fmt_num(a, 1),
                super::fmt_num(b, 1)
            ));
        }
        let (zh, en) = if kb > hi {
            (
                "文件太大：用 idphoto 的修正照片（自动选择 JPEG 质量）",
                "the file is too large: use the corrected photo (idphoto picks the JPEG quality)",
            )
        } else {
            (
                "文件太小，画质可能不足：用更高的 JPEG 质量重新保存",
                "the file is too small and may look poor: re-save with a higher JPEG quality",
            )
        };
        Check::judged(
            self.id(),
            status,
            Measure::number(kb, Unit::Kb, 1),
            required,
            Hint::new(zh, en),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode_bytes, Limits};
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    use image::RgbImage;
    use std::path::Path;

    fn photo(w: u32, h: u32, dpi: Option<u16>) -> crate::decode::Photo {
        let img = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 200])
        });
        let mut out = Vec::new();
        let mut enc = JpegEncoder::new_with_quality(&mut out, 70);
        if let Some(d) = dpi {
            enc.set_pixel_density(PixelDensity::dpi(d));
        }
        enc.encode_image(&img).unwrap();
        decode_bytes(Path::new("p.jpg"), &out, &Limits::default()).unwrap()
    }

    fn judge(rule: &dyn Rule, photo: &crate::decode::Photo) -> Check {
        let spec = crate::spec::dongguan_id_card();
        let working = crate::imageops::downscale(&photo.image, crate::pipeline::ANALYSIS_MAX_SIDE);
        rule.judge(&Context {
            spec: &spec,
            photo,
            working: &working,
            face: None,
            mask: None,
            plan: None,
        })
    }

    #[test]
    fn exact_canvas_passes_pixels_and_aspect() {
        let p = photo(358, 441, Some(350));
        assert_eq!(judge(&FilePixels, &p).status, Status::Pass);
        assert_eq!(judge(&FileAspect, &p).status, Status::Pass);
        assert_eq!(judge(&FileDpi, &p).status, Status::Pass);
    }

    #[test]
    fn wrong_size_fails_with_measured_value() {
        let p = photo(400, 441, Some(350));
        let c = judge(&FilePixels, &p);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.measured.unwrap().text.en, "400×441 px");
        assert_eq!(judge(&FileAspect, &p).status, Status::Fail);
    }

    #[test]
    fn same_aspect_other_size_passes_aspect_only() {
        let p = photo(716, 882, Some(350));
        assert_eq!(judge(&FilePixels, &p).status, Status::Fail);
        assert_eq!(judge(&FileAspect, &p).status, Status::Pass);
    }

    #[test]
    fn missing_or_wrong_dpi_fails() {
        let none = judge(&FileDpi, &photo(358, 441, None));
        assert_eq!(
            (none.status, none.measured.unwrap().text.en.as_str()),
            (Status::Fail, "not recorded")
        );
        assert_eq!(
            judge(&FileDpi, &photo(358, 441, Some(300))).status,
            Status::Fail
        );
    }
}
