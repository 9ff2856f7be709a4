//! Where a batch's corrected photos go: idphoto's own earlier outputs are skipped when walking
//! folders, `--out-dir` mirrors the input tree with clash-free names, and no photo of a run is
//! given another photo of the run, or another photo's output, as its destination.

use super::Input;
use crate::correct::write::{same_file, OutputOptions};
use crate::error::Error;
use crate::spec::Spec;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// Where each input's corrected photo goes, in order: `--out` for a single photo, the mirrored
/// tree under `--out-dir` in a batch ([`mirror_paths`]), else [`crate::correct::destination`]
/// (beside the input, or flat in `--out-dir`).
pub fn destinations(
    inputs: &[Input],
    spec: &Spec,
    output: &OutputOptions,
    batch: bool,
) -> Vec<PathBuf> {
    match &output.out_dir {
        Some(dir) if batch => mirror_paths(inputs, dir, spec),
        _ => inputs
            .iter()
            .map(|i| crate::correct::destination(&i.path, spec, output))
            .collect(),
    }
}

/// Why each input's destination (from [`destinations`]) must not be written, if it must not: it
/// is another input of the run (`x.jpg`'s output `x.dongguan.jpg` given as a photo too), or an
/// earlier input's destination (`a.jpg` and `a.png` in one folder). Either would replace a
/// person's file with `--force`, or be refused with advice to use `--force`. A destination that
/// is the input itself is left to [`crate::correct::write::guard`], which says so.
pub fn clashing_destinations(inputs: &[Input], dests: &[PathBuf]) -> Vec<Option<Error>> {
    #[cfg(unix)]
    let identity = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
    };
    #[cfg(not(unix))]
    let identity = |p: &Path| p.canonicalize().ok();
    let mut by_identity = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(id) = identity(&input.path) {
            by_identity.entry(id).or_insert(i);
        }
    }
    // Destinations mostly do not exist yet: compared by their folder resolved plus their name.
    let resolved = |p: &Path| {
        let dir = crate::correct::write::folder_of(p);
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        dir.join(p.file_name().unwrap_or_default())
    };
    let mut first_with: HashMap<PathBuf, usize> = HashMap::new();
    dests
        .iter()
        .enumerate()
        .map(|(i, dest)| {
            let refuse = |reason: String| {
                Some(Error::Output {
                    path: dest.clone(),
                    reason,
                })
            };
            if let Some(&other) = identity(dest).and_then(|id| by_identity.get(&id)) {
                if other != i && !same_file(dest, &inputs[i].path) {
                    return refuse(format!(
                        "is {}, another photo being checked; idphoto never overwrites an input \
                         (use --out-dir, or check the two photos apart)",
                        inputs[other].path.display()
                    ));
                }
            }
            match first_with.entry(resolved(dest)) {
                std::collections::hash_map::Entry::Occupied(e) => refuse(format!(
                    "is also where the corrected photo of {} goes; use --out-dir, which gives \
                     every photo its own name",
                    inputs[*e.get()].path.display()
                )),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                    None
                }
            }
        })
        .collect()
}

/// Drops photos found in folders that are idphoto's own outputs for this spec: corrected photos
/// (`<stem>.<tag>.jpg`) and their print sheets (`<stem>.<tag>.sheet.jpg`), so checking a folder
/// a second time does not check — and correct again — the outputs of the first run. Files named
/// explicitly are always kept.
pub fn skip_outputs(inputs: &mut Vec<Input>, spec: &Spec) {
    let tag = output_tag(spec);
    let suffixes = [format!(".{tag}.jpg"), format!(".{tag}.sheet.jpg")];
    inputs.retain(|input| {
        input.root.is_none()
            || !input
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| {
                    let n = n.to_ascii_lowercase();
                    suffixes
                        .iter()
                        .any(|s| n.len() > s.len() && n.ends_with(s.as_str()))
                })
    });
}

/// The part of a corrected photo's name that says what it was made for: the city id, plus the
/// document id when it is not the resident ID card (`dongguan`, `dongguan.passport`).
pub fn output_tag(spec: &Spec) -> String {
    if spec.doc == crate::spec::DEFAULT_DOCUMENT {
        spec.city.id.clone()
    } else {
        format!("{}.{}", spec.city.id, spec.doc)
    }
}

/// Where the corrected photo of each input goes under `out_dir`, one path per input, in order.
///
/// A photo found under a folder keeps its place: `root/sub/x.png` → `out_dir/sub/x.<tag>.jpg`,
/// with `tag` from [`output_tag`]; a file named explicitly goes to `out_dir/x.<tag>.jpg`. No two
/// inputs get the same destination, even on a case-insensitive file system, and none is given an
/// input's path: when names clash (`a.jpg` and `a.png` in one folder, `x.jpg` in two folders
/// given), the first input in order keeps the plain name and the next ones get `a-2`, `a-3` …,
/// never a name another input would get plainly. No destination leaves `out_dir`: a path that
/// climbs out of its root (`in/../x.jpg`) keeps only its named folders. Pure: nothing on disk is
/// looked at.
///
/// # Examples
/// ```
/// use idphoto::batch::{mirror_paths_tagged, Input};
/// use std::path::{Path, PathBuf};
/// let inputs = [
///     Input { root: Some("in".into()), ..Input::file("in/sub/a.jpg") },
///     Input { root: Some("in".into()), ..Input::file("in/sub/a.png") },
/// ];
/// let out = mirror_paths_tagged(&inputs, Path::new("out"), "dongguan");
/// assert_eq!(out, [PathBuf::from("out/sub/a.dongguan.jpg"), "out/sub/a-2.dongguan.jpg".into()]);
/// ```
pub fn mirror_paths(inputs: &[Input], out_dir: &Path, spec: &Spec) -> Vec<PathBuf> {
    mirror_paths_tagged(inputs, out_dir, &output_tag(spec))
}

/// [`mirror_paths`] with the tag given directly.
pub fn mirror_paths_tagged(inputs: &[Input], out_dir: &Path, tag: &str) -> Vec<PathBuf> {
    let name = |dir: &Path, stem: &OsString, n: usize| {
        let mut file = stem.clone();
        if n > 1 {
            file.push(format!("-{n}"));
        }
        file.push(format!(".{tag}.jpg"));
        dir.join(file)
    };
    // Clashes are judged on lowercased paths, as macOS and Windows file systems compare names.
    let key = |p: &Path| p.to_string_lossy().to_lowercase();
    let plain: Vec<(PathBuf, OsString)> = inputs
        .iter()
        .map(|input| {
            // Only named folders are kept: `..` in a path below its root would climb out of
            // `out_dir`.
            let rel_dir: PathBuf = input
                .root
                .as_ref()
                .and_then(|root| input.path.strip_prefix(root).ok())
                .and_then(Path::parent)
                .map(|dir| {
                    dir.components()
                        .filter(|c| matches!(c, Component::Normal(_)))
                        .collect()
                })
                .unwrap_or_default();
            let stem = input
                .path
                .file_stem()
                .map(OsString::from)
                .unwrap_or_else(|| "photo".into());
            (out_dir.join(rel_dir), stem)
        })
        .collect();
    let reserved: HashSet<String> = plain.iter().map(|(d, s)| key(&name(d, s, 1))).collect();
    let mut taken: HashSet<String> = inputs.iter().map(|i| key(&i.path)).collect();
    plain
        .iter()
        .map(|(dir, stem)| {
            let first = name(dir, stem, 1);
            if taken.insert(key(&first)) {
                return first;
            }
            (2..)
                .map(|n| name(dir, stem, n))
                .find(|p| !reserved.contains(&key(p)) && taken.insert(key(p)))
                .unwrap_or(first)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn under(root: &str, path: &str) -> Input {
        Input {
            root: Some(root.into()),
            ..Input::file(path)
        }
    }

    fn mirror(inputs: &[Input]) -> Vec<String> {
        mirror_paths_tagged(inputs, Path::new("out"), "dongguan")
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    }

    #[test]
    fn mirror_keeps_the_tree_below_the_root() {
        let got = mirror(&[under("in", "in/a/b/x.png"), under("in/", "in/y.JPG")]);
        assert_eq!(got, ["out/a/b/x.dongguan.jpg", "out/y.dongguan.jpg"]);
    }

    #[test]
    fn mirror_puts_explicit_files_flat() {
        let got = mirror(&[Input::file("/abs/p/x.jpg"), Input::file("../up/y.jpeg")]);
        assert_eq!(got, ["out/x.dongguan.jpg", "out/y.dongguan.jpg"]);
    }

    #[test]
    fn mirror_separates_same_stem_in_one_folder() {
        let got = mirror(&[under("in", "in/a.jpg"), under("in", "in/a.png")]);
        assert_eq!(got, ["out/a.dongguan.jpg", "out/a-2.dongguan.jpg"]);
    }

    #[test]
    fn mirror_separates_same_name_under_two_roots() {
        let got = mirror(&[under("r1", "r1/x.jpg"), under("r2", "r2/x.jpg")]);
        assert_eq!(got, ["out/x.dongguan.jpg", "out/x-2.dongguan.jpg"]);
    }

    #[test]
    fn mirror_treats_names_differing_in_case_as_a_clash() {
        let got = mirror(&[under("in", "in/A.jpg"), under("in", "in/a.jpg")]);
        assert_eq!(got, ["out/A.dongguan.jpg", "out/a-2.dongguan.jpg"]);
    }

    #[test]
    fn mirror_suffix_never_takes_a_name_another_input_gets_plainly() {
        let got = mirror(&[
            under("in", "in/a.jpg"),
            under("in", "in/a.png"),
            under("in", "in/a-2.jpg"),
        ]);
        assert_eq!(
            got,
            [
                "out/a.dongguan.jpg",
                "out/a-3.dongguan.jpg",
                "out/a-2.dongguan.jpg"
            ]
        );
    }

    #[test]
    fn mirror_never_maps_onto_an_input() {
        // Writing back into the folder being checked, which holds an earlier output.
        let inputs = [under("in", "in/x.dongguan.jpg"), under("in", "in/x.jpg")];
        let got = mirror_paths_tagged(&inputs, Path::new("in"), "dongguan");
        assert_eq!(
            got,
            [
                PathBuf::from("in/x.dongguan.dongguan.jpg"),
                "in/x-2.dongguan.jpg".into()
            ]
        );
    }

    /// Found by the property test below: `in/../a.jpg` under the root `in` was mirrored to
    /// `out/../a.dongguan.jpg`, beside the out dir rather than in it.
    #[test]
    fn mirror_never_climbs_out_of_the_out_dir() {
        let got = mirror(&[under("in", "in/../a.jpg"), under("in", "in/x/../../b.jpg")]);
        assert_eq!(got, ["out/a.dongguan.jpg", "out/x/b.dongguan.jpg"]);
    }

    #[test]
    fn mirror_gives_unique_deterministic_paths_for_many_clashes() {
        let inputs: Vec<Input> = (0..50)
            .map(|i| under(&format!("r{}", i % 5), &format!("r{}/p.{}", i % 5, i % 3)))
            .collect();
        let a = mirror(&inputs);
        let unique: HashSet<String> = a.iter().map(|p| p.to_lowercase()).collect();
        assert_eq!(unique.len(), inputs.len());
        assert_eq!(a, mirror(&inputs));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::os::unix::ffi::OsStringExt;

        /// A file or folder name: few letters, so names clash (also by case), sometimes a byte
        /// that is not UTF-8 (GBK names from Windows zips), sometimes `..` or `.`.
        fn name() -> impl Strategy<Value = OsString> {
            prop_oneof![
                8 => prop::collection::vec(prop::sample::select(b"aAb-2.".to_vec()), 1..4),
                1 => prop::collection::vec(prop::sample::select(vec![b'a', 0xb2, 0xe2, 0xff]), 1..3),
                1 => prop::sample::select(vec![b"..".to_vec(), b".".to_vec()]),
            ]
            .prop_map(OsString::from_vec)
        }

        fn rel_path(max: usize) -> impl Strategy<Value = PathBuf> {
            prop::collection::vec(name(), 1..max).prop_map(|parts| parts.iter().collect())
        }

        /// Inputs as `discover` makes them (under one of two roots, or named explicitly), and
        /// as no one should (a path outside its root, `..` in it).
        fn inputs() -> impl Strategy<Value = Vec<Input>> {
            let root = prop::sample::select(vec!["in", "in/", "r2", "out", "/abs"]);
            let one = (prop::option::of(root), rel_path(4), any::<bool>()).prop_map(
                |(root, rel, outside)| match root {
                    Some(r) if !outside => Input {
                        root: Some(r.into()),
                        ..Input::file(Path::new(r).join(rel))
                    },
                    Some(r) => Input {
                        root: Some(r.into()),
                        ..Input::file(rel)
                    },
                    None => Input::file(rel),
                },
            );
            prop::collection::vec(one, 1..12)
        }

        fn folded(p: &Path) -> String {
            p.to_string_lossy().to_lowercase()
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 2000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// Output names never collide (not even by case), never land on an input, never
            /// leave the out dir, and are the same for the same inputs.
            #[test]
            fn mirror_names_are_distinct_inside_the_out_dir_and_stable(
                inputs in inputs(),
                out in prop::sample::select(vec!["out", "in", "/abs/o", "."]),
            ) {
                let out = Path::new(out);
                let got = mirror_paths_tagged(&inputs, out, "dongguan");
                prop_assert_eq!(got.len(), inputs.len());
                prop_assert_eq!(&got, &mirror_paths_tagged(&inputs, out, "dongguan"));
                let mut seen = HashSet::new();
                for p in &got {
                    prop_assert!(seen.insert(folded(p)), "{:?} given twice in {:?}", p, got);
                    prop_assert!(
                        !inputs.iter().any(|i| folded(&i.path) == folded(p)),
                        "{:?} is an input", p
                    );
                    let rel = p.strip_prefix(out);
                    prop_assert!(rel.is_ok(), "{:?} is outside {:?}", p, out);
                    prop_assert!(
                        rel.unwrap().components().all(|c| matches!(c, Component::Normal(_))),
                        "{:?} climbs out of {:?}", p, out
                    );
                    let file = p.file_name().unwrap().to_string_lossy();
                    prop_assert!(file.ends_with(".dongguan.jpg"), "{:?}", p);
                }
            }
        }
    }

    #[test]
    fn output_tag_adds_the_document_unless_id_card() {
        let lib = crate::spec::Library::builtin().unwrap();
        let spec = lib.resolve("dongguan", None).unwrap();
        assert_eq!(output_tag(&spec), "dongguan");
        let mut other = spec.clone();
        other.doc = "passport".into();
        assert_eq!(output_tag(&other), "dongguan.passport");
    }

    #[test]
    fn outputs_found_in_folders_are_skipped_but_named_files_kept() {
        let spec = crate::spec::dongguan_id_card();
        let found = |p: &str| Input {
            path: PathBuf::from(p),
            root: Some(PathBuf::from("in")),
            problem: None,
        };
        let mut inputs = vec![
            found("in/a.jpg"),
            found("in/a.dongguan.jpg"),
            found("in/b.DONGGUAN.JPG"),
            found("in/a.dongguan.passport.jpg"),
            found("in/a.dongguan.sheet.jpg"),
            found("in/a.dongguan.passport.sheet.jpg"),
            Input {
                path: PathBuf::from("x.dongguan.jpg"),
                root: None,
                problem: None,
            },
        ];
        skip_outputs(&mut inputs, &spec);
        let left: Vec<_> = inputs
            .iter()
            .map(|i| i.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            [
                "in/a.jpg",
                "in/a.dongguan.passport.jpg",
                "in/a.dongguan.passport.sheet.jpg",
                "x.dongguan.jpg"
            ]
        );
    }
}
