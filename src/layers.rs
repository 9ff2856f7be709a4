//! The order of the library's modules, and the test that holds the code to it: a module may use
//! only the modules listed before it, so the flow runs one way and no import cycle can form.
//!
//! The ground floor (errors, languages, memory, statistics, a second core, colour, image
//! helpers, the red-pupil test, the networks) serves every stage; the stages follow in the order a photo meets them; the
//! orchestrator and the batch driver come last. Tests at the bottom of a file (after
//! `#[cfg(test)]`) may use anything.

/// Every module of the library, each allowed to use only those before it.
const ORDER: &[&str] = &[
    // Ground floor.
    "error", "lang", "memory", "stats", "parallel", "colour", "imageops", "redeye", "nn",
    // Data the stages read.
    "spec", //
    // Stages, in the order a photo meets them.
    "decode", "segment", "face", "layout", "crop", "checks", "correct", "sheet", "report", //
    "annotate", //
    // The orchestrator, and the loop over many photos.
    "pipeline", "batch", // The HTTP server over the orchestrator.
    "serve",
];

/// Items the crate root re-exports, by the module that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("check_file", "pipeline"),
    ("check_photo", "pipeline"),
    ("check_photo_in_memory", "pipeline"),
    ("Outputs", "pipeline"),
    ("Options", "pipeline"),
    ("Error", "error"),
    ("Result", "error"),
    ("SpecLocation", "error"),
    ("Fix", "correct"),
    ("OutputOptions", "correct"),
    ("Paper", "correct"),
    ("background_choice", "correct"),
    ("BackgroundNotAllowed", "correct"),
    ("Photo", "decode"),
    ("Limits", "decode"),
    ("FileInfo", "decode"),
];

/// The modules a source text uses through `crate::` paths, outside comments and tests.
fn uses(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            // `crate::{a, b::c}` names several.
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .collect(),
                None => vec![rest],
            };
            for n in names {
                let name: String = n
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let module = ROOT_ITEMS
                    .iter()
                    .find(|(item, _)| *item == name)
                    .map_or(name.clone(), |(_, m)| m.to_string());
                if !module.is_empty() {
                    found.push(module);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_module_uses_a_module_listed_after_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        let mut seen = Vec::new();
        for file in &files {
            let rel = file.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let top = top.trim_end_matches(".rs").to_string();
            // The crate roots and the binary's own modules are not stages.
            if ["lib", "main", "cli", "render", "annotations", "layers"].contains(&top.as_str()) {
                continue;
            }
            let Some(at) = ORDER.iter().position(|m| *m == top) else {
                wrong.push(format!("{top}: not in layers::ORDER"));
                continue;
            };
            seen.push(top.clone());
            let text = std::fs::read_to_string(file).unwrap();
            for used in uses(&text) {
                if used == top {
                    continue;
                }
                match ORDER.iter().position(|m| *m == used) {
                    Some(u) if u < at => {}
                    Some(_) => wrong.push(format!("{}: uses {used}", rel.display())),
                    None => wrong.push(format!("{}: uses unknown {used}", rel.display())),
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        for m in ORDER {
            assert!(seen.iter().any(|s| s == m), "{m} is listed but has no file");
        }
    }

    #[test]
    fn uses_reads_paths_groups_and_root_items_but_not_comments_or_tests() {
        let text = "use crate::face::Face;\nuse crate::{checks, spec::Spec};\n\
                    // crate::batch in a comment\nlet r = crate::check_file(p);\n\
                    #[cfg(test)]\nuse crate::pipeline;";
        assert_eq!(uses(text), ["face", "checks", "spec", "pipeline"]);
    }
}
