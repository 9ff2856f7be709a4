//! Consistency of the spec library shipped in `specs/`: every file loads, every city document
//! resolves, and the resolved numbers describe a photo that can exist. `validate` already rejects
//! the grossest errors; these tests restate the geometry independently and add what only makes
//! sense for the shipped data (sources, names, the Guangdong city list).

use super::*;

/// The 21 prefecture-level cities of Guangdong.
const GUANGDONG: [&str; 21] = [
    "guangzhou",
    "shenzhen",
    "zhuhai",
    "shantou",
    "foshan",
    "shaoguan",
    "heyuan",
    "meizhou",
    "huizhou",
    "shanwei",
    "dongguan",
    "zhongshan",
    "jiangmen",
    "yangjiang",
    "zhanjiang",
    "maoming",
    "zhaoqing",
    "qingyuan",
    "chaozhou",
    "jieyang",
    "yunfu",
];

/// Documents every Guangdong city issues through the provincial receipt services.
const CITY_DOCUMENTS: [&str; 7] = [
    "id-card",
    "social-security-card",
    "residence-permit",
    "passport",
    "hk-macau-permit",
    "taiwan-permit",
    "driving-licence",
];

/// Median bits per pixel of the shared test photos scaled to 390×567 and saved at JPEG quality
/// 95, the lowest of the shipped canvas sizes (`cargo run --release --features examples --example kb_reach`: 80.7 KB
/// at 390×567). A `kb` minimum above this needs quality ≈ 100 or padding: not a usable target.
const REACHABLE_BITS_PER_PIXEL: f64 = 3.0;
/// Below about quality 50 (0.8 bits per pixel at 390×567 in the same measurement) JPEG blocking
/// shows on a face; a `kb` maximum must leave room above 0.5 bits per pixel.
const USEFUL_BITS_PER_PIXEL: f64 = 0.5;

fn library() -> Library {
    Library::builtin().expect("the shipped specs load")
}

fn kb_at(bits_per_pixel: f64, spec: &Spec) -> f64 {
    f64::from(spec.width_px) * f64::from(spec.height_px) * bits_per_pixel / 8.0 / 1024.0
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn library_has_every_guangdong_city_with_its_documents() {
    let lib = library();
    for city in GUANGDONG {
        let meta = lib
            .cities()
            .find(|c| c.id == city)
            .unwrap_or_else(|| panic!("{city} missing"));
        assert_eq!(meta.province_zh.as_deref(), Some("广东"), "{city}");
        for doc in CITY_DOCUMENTS {
            let spec = lib.resolve(city, Some(doc)).unwrap();
            assert_eq!(spec.key(), format!("{city}/{doc}"));
        }
    }
    // The 21 cities plus the national pseudo-city for exam photos.
    assert_eq!(lib.cities().count(), GUANGDONG.len() + 1);
    assert_eq!(
        lib.resolve_all().unwrap().len(),
        lib.summaries().unwrap().len()
    );
}

#[test]
fn every_city_answers_to_its_names() {
    let lib = library();
    for meta in lib.cities() {
        assert!(has_cjk(&meta.name_zh), "{}: name_zh", meta.id);
        assert!(
            meta.name_en.is_ascii() && !meta.name_en.is_empty(),
            "{}",
            meta.id
        );
        assert!(!meta.sources.is_empty(), "{}: city sources", meta.id);
        let names = [&meta.id, &meta.name_zh, &meta.name_en]
            .into_iter()
            .chain(&meta.aliases);
        for name in names {
            let spec = lib.resolve(name, None).unwrap();
            assert_eq!(spec.city.id, meta.id, "--city {name}");
        }
    }
}

#[test]
fn every_document_answers_to_its_names_and_only_its_own() {
    let lib = library();
    for spec in lib.resolve_all().unwrap() {
        let b = &spec.body;
        let (zh, en) = (b.name_zh.as_deref(), b.name_en.as_deref());
        assert!(zh.is_some_and(has_cjk), "{}: name_zh", spec.key());
        assert!(en.is_some_and(|n| n.is_ascii()), "{}: name_en", spec.key());
        let names = zh
            .into_iter()
            .chain(en)
            .chain(b.aliases.iter().map(String::as_str));
        for name in names.chain([spec.doc.as_str()]) {
            let found = lib.resolve(&spec.city.id, Some(name)).unwrap();
            assert_eq!(found.doc, spec.doc, "{} --doc {name}", spec.city.id);
        }
    }
}

#[test]
fn lookup_of_a_document_that_extends_another_does_not_steal_its_names() {
    let lib = library();
    // hk-macau-permit extends passport; `护照` is the passport's alias only.
    assert_eq!(lib.resolve("广州", Some("护照")).unwrap().doc, "passport");
    assert_eq!(
        lib.resolve("广州", Some("港澳通行证")).unwrap().doc,
        "hk-macau-permit"
    );
    assert_eq!(
        lib.resolve("深圳", Some("居住证")).unwrap().doc,
        "residence-permit"
    );
    assert_eq!(lib.resolve("深圳", Some("身份证")).unwrap().doc, "id-card");
    assert_eq!(lib.resolve("全国", Some("四六级")).unwrap().doc, "exam-cet");
    assert_eq!(
        lib.resolve("national", Some("NCRE")).unwrap().doc,
        "exam-ncre"
    );
    assert_eq!(
        lib.resolve("dongguan", Some("Driving licence"))
            .unwrap()
            .doc,
        "driving-licence"
    );
}

#[test]
fn every_layer_that_sets_numbers_names_its_sources() {
    let lib = library();
    let numeric = ["canvas", "file", "background", "head"];
    for (id, base) in &lib.bases {
        let sets_numbers = numeric.iter().any(|k| base.table.contains_key(*k));
        let sourced = !base.body.sources.is_empty();
        assert!(
            sourced || !sets_numbers,
            "base {id} sets numbers without sources"
        );
    }
    for city in lib.cities.values() {
        for (doc, (body, table)) in &city.docs {
            let sets_numbers = numeric.iter().any(|k| table.contains_key(*k));
            assert!(
                !sets_numbers || !body.sources.is_empty(),
                "{}/{doc} overrides numbers without a source",
                city.meta.id
            );
        }
    }
    for spec in lib.resolve_all().unwrap() {
        // common's own source plus at least one for the document itself.
        assert!(spec.body.sources.len() >= 2, "{}", spec.key());
    }
}

#[test]
fn geometry_fits_the_canvas() {
    for spec in library().resolve_all().unwrap() {
        let key = spec.key();
        let (w, h) = (f64::from(spec.width_px), f64::from(spec.height_px));
        let (c, hd) = (&spec.body.canvas, &spec.body.head);
        for (range, size, name) in [
            (c.accept_width_px, w, "width"),
            (c.accept_height_px, h, "height"),
        ] {
            if let Some([lo, hi]) = range {
                assert!(
                    lo <= size && size <= hi,
                    "{key}: target {name} outside accept range"
                );
            }
        }
        if let (Some(dpi), Some([mw, mh])) = (c.dpi, c.size_mm) {
            // printed size agrees with pixels within half a millimetre
            assert!((mw - w / dpi * 25.4).abs() < 0.5, "{key}: size_mm width");
            assert!((mh - h / dpi * 25.4).abs() < 0.5, "{key}: size_mm height");
        }
        if let Some([lo, hi]) = hd.face_width_px {
            assert!(0.0 < lo && hi < w, "{key}: face width inside the canvas");
        }
        if let Some([lo, hi]) = hd.head_height_px {
            assert!(0.0 < lo && hi < h, "{key}: head height inside the canvas");
        }
        if let Some(tol) = hd.centring_tolerance_px {
            assert!(tol < w / 2.0, "{key}: centring tolerance");
        }
        let top = hd.top_margin_px;
        if let Some([tlo, thi]) = top {
            assert!(
                0.0 <= tlo && thi < h / 4.0,
                "{key}: hair-top band in the top quarter"
            );
            if let Some([hlo, _]) = hd.head_height_px {
                assert!(
                    tlo + hlo <= h,
                    "{key}: the smallest head fits below the top margin"
                );
            }
        }
        // The eye line lies below the hair-top band and inside the canvas.
        let highest_eye = hd.eye_from_top_px.map(|[lo, _]| lo);
        let lowest_allowed_eye = hd.eye_from_top_px.map(|[_, hi]| hi);
        if let Some(min) = hd.eye_to_bottom_min_px {
            assert!(0.0 < min && min < h, "{key}: eye_to_bottom_min_px");
            if let Some([_, thi]) = top {
                assert!(h - min > thi, "{key}: eye line below the hair-top band");
            }
        }
        if let (Some(elo), Some(ehi)) = (highest_eye, lowest_allowed_eye) {
            assert!(ehi <= h, "{key}: eye band inside the canvas");
            if let Some([_, thi]) = top {
                assert!(elo > thi, "{key}: eye band below the hair-top band");
            }
        }
    }
}

#[test]
fn file_rules_are_reachable_at_the_target_size() {
    for spec in library().resolve_all().unwrap() {
        let key = spec.key();
        let f = &spec.body.file;
        assert!(
            f.formats
                .as_ref()
                .is_some_and(|v| v.iter().any(|x| x == "jpeg")),
            "{key}: every shipped document takes JPEG"
        );
        if let Some([lo, hi]) = f.kb {
            assert!(
                lo <= kb_at(REACHABLE_BITS_PER_PIXEL, &spec),
                "{key}: minimum {lo} KB needs more than {REACHABLE_BITS_PER_PIXEL} bits per pixel"
            );
            assert!(
                hi >= kb_at(USEFUL_BITS_PER_PIXEL, &spec),
                "{key}: maximum {hi} KB too small"
            );
            if let Some([hlo, hhi]) = f.kb_hard {
                assert!(hlo <= lo && hi <= hhi, "{key}: kb_hard contains kb");
            }
            assert!(f.kb_strict.is_some(), "{key}: kb_strict stated with kb");
        }
        let allowed = spec.body.background.allowed.as_deref().unwrap_or_default();
        assert!(!allowed.is_empty(), "{key}: a background colour");
    }
}

#[test]
fn the_minimum_exam_size_cannot_reach_the_exam_minimum_kb() {
    // Why exam-ncre / exam-cet target 360×480 rather than their 144×192 minimum: 20 KB at
    // 144×192 is about 5.9 bits per pixel, beyond what a photo JPEG reaches below quality ≈ 100.
    let spec = library().resolve("china", Some("exam-ncre")).unwrap();
    let [kb_lo, _] = spec.body.file.kb.unwrap();
    let [min_w, _] = spec.body.canvas.accept_width_px.unwrap();
    let [min_h, _] = spec.body.canvas.accept_height_px.unwrap();
    let at_minimum = min_w * min_h * REACHABLE_BITS_PER_PIXEL / 8.0 / 1024.0;
    assert!(kb_lo > at_minimum, "{kb_lo} KB vs {at_minimum:.1} KB");
    assert!(kb_lo <= kb_at(REACHABLE_BITS_PER_PIXEL, &spec));
}

#[test]
fn city_overrides_are_where_the_sources_say() {
    let lib = library();
    let ssc = |city: &str| lib.resolve(city, Some("social-security-card")).unwrap();
    assert_eq!(ssc("shenzhen").body.file.kb, Some([9.0, 20.0]));
    assert_eq!(
        ssc("shenzhen").body.head.face_width_px,
        Some([193.0, 221.0])
    );
    assert_eq!(ssc("guangzhou").body.file.kb, Some([20.0, 200.0]));
    assert_eq!(ssc("dongguan").body.file.kb, Some([14.0, 40.0]));
    assert_eq!(ssc("foshan").body.head.face_width_px, Some([179.0, 255.0]));
    let passport = lib.resolve("佛山", Some("护照")).unwrap();
    assert_eq!((passport.width_px, passport.height_px), (390, 567));
    let licence = lib.resolve("foshan", Some("驾驶证")).unwrap();
    assert_eq!((licence.width_px, licence.height_px), (260, 378));
}

/// The ID card names the standard in force, GA/T 461-2019, and says that its numbers are GA
/// 461-2004's (the 2019 text was not found): each number is GA 461-2004's own, the source for
/// the replacement is cited, and the notes say plainly what could not be confirmed. A number
/// changed here without a 2019 source breaks this test on purpose.
#[test]
fn the_id_card_cites_ga_t_461_2019_and_keeps_the_2004_numbers() {
    let spec = library().resolve("dongguan", Some("id-card")).unwrap();
    assert_eq!(
        spec.body.standard.as_deref(),
        Some("GA/T 461-2019 (numbers of GA 461-2004)")
    );
    assert!(spec
        .body
        .sources
        .iter()
        .any(|s| s.contains("代替 GA 461-2004") && s.contains("taowenge.com/d-67530291.html")));
    let notes = spec.body.notes.as_deref().unwrap_or_default();
    assert!(
        notes.contains("could not be confirmed") && notes.contains("GA 461-2004's"),
        "{notes}"
    );
    let b = &spec.body;
    assert_eq!(
        (spec.width_px, spec.height_px, b.canvas.dpi),
        (358, 441, Some(350.0))
    );
    assert_eq!(b.file.jpeg_quality, Some(70));
    assert_eq!(b.file.kb, Some([14.0, 20.0]));
    assert_eq!(b.head.face_width_px, Some([193.0, 221.0]));
    assert_eq!(b.head.top_margin_px, Some([7.0, 21.0]));
    assert_eq!(b.head.eye_to_bottom_min_px, Some(207.0));
    let white: Vec<[u8; 3]> = b
        .background
        .allowed
        .iter()
        .flatten()
        .map(|c| c.rgb)
        .collect();
    assert_eq!(white, [[255, 255, 255]]);
}
