//! Photo specs: loading `specs/*.toml`, inheritance, lookup by city and document, validation.
//!
//! Specs are data. Two kinds of file exist:
//! - a **base** file (`specs/base/*.toml`) describes one document type nationally, with an `id`
//!   (`id-card`) and optionally `extends` another base (`common` holds shared quality defaults);
//! - a **city** file (`specs/cities/*.toml`) has a `[city]` table and one `[documents.<doc>]` table
//!   per document the city issues; each extends the base of the same id unless it says otherwise,
//!   and overrides only what really differs there.
//!
//! Resolution merges the chain root first, table by table (a child's scalar or array replaces the
//! parent's; tables merge key by key); `sources` accumulate. The result is validated, and every
//! error names the file, the dotted key and the line that set it.
//!
//! The specs shipped in `specs/` are embedded in the binary at build time, so the tool needs no
//! files beside it; [`Library::add_file`] and [`Library::add_dir`] add or replace specs by id.

mod model;
#[cfg(test)]
mod shipped_tests;
mod validate;

pub use model::{
    BackgroundColour, BackgroundRules, Body, Canvas, CityMeta, FileRules, HeadRules, QualityRules,
    Range,
};

use crate::error::{Error, Result, SpecLocation};
use model::CityFile;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The city id of the nation-wide entry, whose documents every city falls back to.
pub const NATIONAL_CITY: &str = "china";

/// The document `--doc` means when it is not given.
pub const DEFAULT_DOCUMENT: &str = "id-card";

/// How errors name a spec shipped inside the binary: `<built-in>/base/id-card.toml`.
const BUILTIN_LABEL: &str = "<built-in>/";

/// Largest spec file read: real ones are a few KB; a bigger file is the wrong file, or a
/// device or stream that would never end.
const MAX_SPEC_BYTES: u64 = 1 << 20;

/// Most spec files a folder may hold, entries walked, and how deep they may sit: a spec folder
/// is a handful of files one or two levels down, and links between sub-folders must not
/// multiply the walk.
const MAX_SPEC_FILES: usize = 10_000;
const MAX_SPEC_ENTRIES: usize = 100_000;
const MAX_SPEC_DEPTH: usize = 8;

include!(concat!(env!("OUT_DIR"), "/builtin_specs.rs"));

/// One spec file's text and where it came from, kept to point errors at lines.
#[derive(Debug)]
struct Source {
    label: String,
    text: String,
}

#[derive(Debug, Clone)]
struct Base {
    body: Body,
    table: toml::Table,
    source: Arc<Source>,
}

#[derive(Debug, Clone)]
struct City {
    meta: CityMeta,
    docs: BTreeMap<String, (Body, toml::Table)>,
    source: Arc<Source>,
}

/// Every spec idphoto knows: the built-in ones plus any added from files.
#[derive(Debug, Clone, Default)]
pub struct Library {
    bases: BTreeMap<String, Base>,
    cities: BTreeMap<String, City>,
}

/// A fully resolved, validated spec for one city and document.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The city.
    pub city: CityMeta,
    /// The document id, e.g. `id-card`.
    pub doc: String,
    /// The merged rules after inheritance.
    pub body: Body,
    /// Output width in pixels (present after validation).
    pub width_px: u32,
    /// Output height in pixels (present after validation).
    pub height_px: u32,
    merged: toml::Table,
}

impl Spec {
    /// `city/doc`, the id used in reports, e.g. `dongguan/id-card`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.city.id, self.doc)
    }

    /// The document's display name in the given language.
    pub fn doc_name(&self, lang: crate::lang::Lang) -> &str {
        let (zh, en) = (&self.body.name_zh, &self.body.name_en);
        match lang {
            crate::lang::Lang::Zh => zh.as_deref().or(en.as_deref()),
            crate::lang::Lang::En => en.as_deref().or(zh.as_deref()),
        }
        .unwrap_or(&self.doc)
    }

    /// The resolved spec as TOML, for `idphoto specs show`.
    pub fn to_toml(&self) -> String {
        let mut table = toml::Table::new();
        let mut city = toml::Table::new();
        city.insert("id".into(), self.city.id.clone().into());
        city.insert("name_zh".into(), self.city.name_zh.clone().into());
        city.insert("name_en".into(), self.city.name_en.clone().into());
        if let Some(p) = &self.city.province_zh {
            city.insert("province_zh".into(), p.clone().into());
        }
        table.insert("city".into(), city.into());
        table.insert("document".into(), self.doc.clone().into());
        for (k, v) in &self.merged {
            table.insert(k.clone(), v.clone());
        }
        toml::to_string_pretty(&table).unwrap_or_else(|e| format!("# cannot render spec: {e}\n"))
    }
}

/// A short, listable view of one spec, for `idphoto specs list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// `city/doc`.
    pub spec: String,
    /// City id.
    pub city: String,
    /// City name, Chinese.
    pub city_zh: String,
    /// City name, English.
    pub city_en: String,
    /// Document id.
    pub doc: String,
    /// Document name, Chinese.
    pub doc_zh: String,
    /// Document name, English.
    pub doc_en: String,
    /// Output width, px.
    pub width_px: u32,
    /// Output height, px.
    pub height_px: u32,
    /// Resolution, dpi.
    pub dpi: Option<f64>,
    /// Accepted background colour names.
    pub background: Vec<String>,
    /// Other names the city and the document are found by (`东莞市`, `居民身份证`).
    pub aliases: Vec<String>,
}

impl Library {
    /// The specs shipped with idphoto (embedded at build time).
    ///
    /// # Examples
    /// ```
    /// let lib = idphoto::spec::Library::builtin().unwrap();
    /// let spec = lib.resolve("东莞", None).unwrap();
    /// assert_eq!(spec.key(), "dongguan/id-card");
    /// assert_eq!((spec.width_px, spec.height_px), (358, 441));
    /// ```
    pub fn builtin() -> Result<Self> {
        let mut lib = Library::default();
        for (name, text) in BUILTIN_SPECS {
            lib.add_text(format!("{BUILTIN_LABEL}{name}"), (*text).to_string())?;
        }
        Ok(lib)
    }

    /// Adds (or replaces, by id) the spec in one TOML file.
    ///
    /// Only a regular file of at most 1 MiB is read (see [`crate::decode`] for why a FIFO or
    /// device must not be opened blindly).
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let bytes = crate::decode::read_regular_file(path, MAX_SPEC_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::SpecParse {
            location: SpecLocation {
                file: path.display().to_string(),
                line: None,
            },
            message: "is not UTF-8 text; save the spec as UTF-8".into(),
        })?;
        self.add_text(path.display().to_string(), text)
    }

    /// Adds every `*.toml` below a folder, in sorted order.
    ///
    /// Symbolic links are followed, but a link back to a folder being walked is skipped (a
    /// `ln -s . x` made the walk exponential), and the walk stops 8 levels down. A file reached
    /// twice through links is read once.
    pub fn add_dir(&mut self, dir: &Path) -> Result<()> {
        let mut files = collect_toml(dir)?;
        files.sort();
        files.dedup();
        for file in files {
            self.add_file(&file)?;
        }
        Ok(())
    }

    /// Parses one spec file's text; `label` names it in errors.
    pub fn add_text(&mut self, label: String, text: String) -> Result<()> {
        let source = Arc::new(Source { label, text });
        let parse_error = |e: toml::de::Error| {
            let at = e.span().map(|s| s.start);
            let mut message = e.message().trim().to_string();
            // toml has no words for some errors at the very end of the text (`id = `).
            if message.is_empty() {
                let at_end = at.is_none_or(|a| a >= source.text.trim_end().len());
                message = if at_end {
                    "the file ends too early: a value, closing quote or bracket is missing".into()
                } else {
                    "invalid TOML syntax here".into()
                };
            }
            Error::SpecParse {
                location: SpecLocation {
                    file: source.label.clone(),
                    line: at.map(|a| line_of(&source.text, a)),
                },
                message,
            }
        };
        let table: toml::Table = toml::from_str(&source.text).map_err(parse_error)?;
        if table.contains_key("city") {
            let file: CityFile = toml::from_str(&source.text).map_err(parse_error)?;
            check_name(&source, "city.id", &file.city.id)?;
            let mut docs = BTreeMap::new();
            for (doc, body) in file.documents {
                check_name(&source, &format!("documents.{doc}"), &doc)?;
                let doc_table = table
                    .get("documents")
                    .and_then(|d| d.get(&doc))
                    .and_then(|t| t.as_table())
                    .cloned()
                    .unwrap_or_default();
                docs.insert(doc, (body, doc_table));
            }
            let id = file.city.id.clone();
            self.cities.insert(
                id,
                City {
                    meta: file.city,
                    docs,
                    source,
                },
            );
        } else {
            let body: Body = toml::from_str(&source.text).map_err(parse_error)?;
            let Some(id) = body.id.clone() else {
                return Err(Error::SpecParse {
                    location: SpecLocation {
                        file: source.label.clone(),
                        line: None,
                    },
                    message: "a spec file needs either a `[city]` table (city file) or an `id` (base spec)".into(),
                });
            };
            check_name(&source, "id", &id)?;
            self.bases.insert(
                id,
                Base {
                    body,
                    table,
                    source,
                },
            );
        }
        Ok(())
    }

    /// Every city, sorted by id.
    pub fn cities(&self) -> impl Iterator<Item = &CityMeta> {
        self.cities.values().map(|c| &c.meta)
    }

    /// Resolves the spec for a city and document. Both accept the id, the Chinese or English
    /// name or an alias, case-insensitively; `doc` defaults to [`DEFAULT_DOCUMENT`].
    ///
    /// A document the city does not list but the nation-wide entry ([`NATIONAL_CITY`]) does —
    /// the exam photos, set by national bodies — resolves to the national spec.
    pub fn resolve(&self, city: &str, doc: Option<&str>) -> Result<Spec> {
        let city = self.find_city(city)?;
        let name = doc.unwrap_or(DEFAULT_DOCUMENT);
        match self.find_doc(city, name) {
            Ok(doc) => self.resolve_doc(city, &doc),
            Err(err) => {
                let national = self
                    .cities
                    .get(NATIONAL_CITY)
                    .filter(|n| n.meta.id != city.meta.id);
                match national.map(|n| (n, self.find_doc(n, name))) {
                    Some((n, Ok(doc))) => self.resolve_doc(n, &doc),
                    _ => Err(err),
                }
            }
        }
    }

    /// Resolves every document of every city (what `specs list` shows); fails on the first
    /// invalid spec.
    pub fn resolve_all(&self) -> Result<Vec<Spec>> {
        let mut out = Vec::new();
        for city in self.cities.values() {
            for doc in city.docs.keys() {
                out.push(self.resolve_doc(city, doc)?);
            }
        }
        Ok(out)
    }

    fn find_city(&self, name: &str) -> Result<&City> {
        reject_path_like("city", name)?;
        let wanted = normalise(name);
        let found = self.cities.values().find(|c| {
            let m = &c.meta;
            [&m.id, &m.name_zh, &m.name_en]
                .into_iter()
                .chain(m.aliases.iter())
                .any(|n| normalise(n) == wanted || normalise(n) + "市" == wanted)
        });
        found.ok_or_else(|| {
            let known: Vec<String> = self.cities.keys().cloned().collect();
            let candidates = self.cities.values().flat_map(|c| {
                [&c.meta.id, &c.meta.name_zh, &c.meta.name_en]
                    .into_iter()
                    .chain(c.meta.aliases.iter())
                    .map(move |n| (n.as_str(), c.meta.id.as_str()))
            });
            Error::UnknownCity {
                name: name.to_string(),
                nearest: nearest(&wanted, candidates),
                known,
            }
        })
    }

    fn find_doc(&self, city: &City, name: &str) -> Result<String> {
        reject_path_like("document", name)?;
        let wanted = normalise(name);
        // Ids first, so a name elsewhere can never shadow a document's own id.
        if let Some(id) = city.docs.keys().find(|id| normalise(id) == wanted) {
            return Ok(id.clone());
        }
        for (id, (body, _)) in &city.docs {
            if self
                .doc_names(id, body)
                .iter()
                .any(|n| normalise(n) == wanted)
            {
                return Ok(id.clone());
            }
        }
        Err(Error::UnknownDocument {
            city: city.meta.id.clone(),
            name: name.to_string(),
            known: city.docs.keys().cloned().collect(),
        })
    }

    /// The names `--doc` accepts for one city document: `name_zh`, `name_en` and `aliases` as
    /// resolution would merge them, i.e. each from the nearest layer of the chain that sets it.
    /// (Collecting every layer's names would let `hk-macau-permit` answer to `护照`, an alias of
    /// the `passport` base it extends.)
    fn doc_names<'a>(&'a self, id: &str, body: &'a Body) -> Vec<&'a String> {
        let mut chain = vec![body];
        let mut base = self.bases.get(body.extends.as_deref().unwrap_or(id));
        while let Some(b) = base {
            // A cycle is reported by resolution; here it only has to end.
            if chain.len() > 16 {
                break;
            }
            chain.push(&b.body);
            base = b.body.extends.as_deref().and_then(|e| self.bases.get(e));
        }
        let name_zh = chain.iter().find_map(|b| b.name_zh.as_ref());
        let name_en = chain.iter().find_map(|b| b.name_en.as_ref());
        let aliases = chain
            .iter()
            .map(|b| &b.aliases)
            .find(|a| !a.is_empty())
            .into_iter()
            .flatten();
        name_zh.into_iter().chain(name_en).chain(aliases).collect()
    }

    fn resolve_doc(&self, city: &City, doc: &str) -> Result<Spec> {
        let (body, table) = &city.docs[doc];
        // The chain from the city document up to the root base, each with where it came from.
        let mut chain: Vec<Layer<'_>> = vec![Layer {
            table,
            sources: &body.sources,
            source: &city.source,
            prefix: format!("documents.{doc}"),
        }];
        let mut seen = vec![format!("{}/{}", city.meta.id, doc)];
        let mut next = Some((
            body.extends.clone().unwrap_or_else(|| doc.to_string()),
            city.source.clone(),
            format!("documents.{doc}.extends"),
        ));
        while let Some((name, from, key)) = next.take() {
            if seen.contains(&name) {
                seen.push(name);
                return Err(Error::SpecCycle {
                    location: SpecLocation {
                        file: from.label.clone(),
                        line: locate(&from.text, &key),
                    },
                    chain: seen,
                });
            }
            let base = self.bases.get(&name).ok_or_else(|| Error::UnknownBase {
                location: SpecLocation {
                    file: from.label.clone(),
                    line: locate(&from.text, &key),
                },
                name: name.clone(),
                known: self.bases.keys().cloned().collect(),
            })?;
            seen.push(name);
            chain.push(Layer {
                table: &base.table,
                sources: &base.body.sources,
                source: &base.source,
                prefix: String::new(),
            });
            next = base
                .body
                .extends
                .clone()
                .map(|e| (e, base.source.clone(), "extends".to_string()));
        }

        let mut merged = toml::Table::new();
        for layer in chain.iter().rev() {
            merge_into(&mut merged, layer.table);
        }
        for key in ["id", "extends", "abstract_base"] {
            merged.remove(key);
        }
        let mut sources: Vec<String> = Vec::new();
        for layer in chain.iter().rev() {
            for s in layer.sources {
                if !sources.contains(s) {
                    sources.push(s.clone());
                }
            }
        }
        if sources.is_empty() {
            merged.remove("sources");
        } else {
            merged.insert(
                "sources".into(),
                toml::Value::Array(sources.iter().map(|s| s.clone().into()).collect()),
            );
        }
        let full = |layer: &Layer<'_>, key: &str| {
            if layer.prefix.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", layer.prefix)
            }
        };
        let at = |layer: &Layer<'_>, key: &str| SpecLocation {
            file: layer.source.label.clone(),
            line: locate(&layer.source.text, &full(layer, key)),
        };
        let located = |key: &str, reason: String| {
            // The layer that set the key, nearest the city first.
            let own = chain
                .iter()
                .find(|l| lookup(l.table, key).is_some())
                .unwrap_or(&chain[0]);
            // A rule across keys broken by a value from a file the person gave points there,
            // even when the key it is checked on came from a built-in spec.
            let given = |l: &&Layer<'_>| !l.source.label.starts_with(BUILTIN_LABEL);
            let partner = (!given(&own))
                .then(|| {
                    chain.iter().filter(given).find_map(|l| {
                        validate::related(key)
                            .iter()
                            .find(|k| lookup(l.table, k).is_some())
                            .map(|k| (l, *k))
                    })
                })
                .flatten();
            match partner {
                Some((layer, other)) => Error::SpecInvalid {
                    location: at(layer, other),
                    key: full(layer, other),
                    reason: format!(
                        "conflicts with `{key}` from {}: {key} {reason}",
                        at(own, key)
                    ),
                },
                None => Error::SpecInvalid {
                    location: at(own, key),
                    key: full(own, key),
                    reason,
                },
            }
        };
        let merged_body: Body = toml::Value::Table(merged.clone())
            .try_into()
            .map_err(|e: toml::de::Error| located("", e.message().to_string()))?;
        let (width_px, height_px) =
            validate::validate(&merged_body).map_err(|(key, reason)| located(key, reason))?;
        Ok(Spec {
            city: city.meta.clone(),
            doc: doc.to_string(),
            body: merged_body,
            width_px,
            height_px,
            merged,
        })
    }

    /// One summary row per resolved spec, sorted by city then document.
    pub fn summaries(&self) -> Result<Vec<Summary>> {
        Ok(self
            .resolve_all()?
            .into_iter()
            .map(|s| Summary {
                spec: s.key(),
                city: s.city.id.clone(),
                city_zh: s.city.name_zh.clone(),
                city_en: s.city.name_en.clone(),
                doc: s.doc.clone(),
                doc_zh: s.body.name_zh.clone().unwrap_or_default(),
                doc_en: s.body.name_en.clone().unwrap_or_default(),
                width_px: s.width_px,
                height_px: s.height_px,
                dpi: s.body.canvas.dpi,
                background: s
                    .body
                    .background
                    .allowed
                    .iter()
                    .flatten()
                    .map(|c| c.name.clone())
                    .collect(),
                aliases: s
                    .city
                    .aliases
                    .iter()
                    .chain(&s.body.aliases)
                    .cloned()
                    .collect(),
            })
            .collect())
    }
}

struct Layer<'a> {
    table: &'a toml::Table,
    sources: &'a [String],
    source: &'a Arc<Source>,
    /// Where this layer's keys sit in its file (`documents.id-card` in a city file).
    prefix: String,
}

fn collect_toml(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .max_depth(MAX_SPEC_DEPTH)
        .sort_by_file_name();
    for (visited, entry) in walk.into_iter().enumerate() {
        // Links between sibling folders are no loop but can still multiply the walk.
        if visited > MAX_SPEC_ENTRIES {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other(format!(
                    "holds more than {MAX_SPEC_ENTRIES} files and folders (counting those reached \
                     through links); point --specs-dir at the folder of specs only"
                )),
            });
        }
        let entry = match entry {
            Ok(e) => e,
            // A link back to an ancestor: everything below it is walked already.
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let source = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("cannot be walked"));
                return Err(Error::Io { path, source });
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir()
            || !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            continue;
        }
        // The same file through two links (diamonds of links are not loops): read once.
        if !seen.insert(path.canonicalize().unwrap_or_else(|_| path.to_path_buf())) {
            continue;
        }
        if out.len() == MAX_SPEC_FILES {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other(format!(
                    "holds more than {MAX_SPEC_FILES} spec files; point --specs-dir at the \
                     folder of specs only"
                )),
            });
        }
        out.push(path.to_path_buf());
    }
    Ok(out)
}

/// Deep merge: tables merge key by key, anything else in `child` replaces `parent`'s value.
fn merge_into(parent: &mut toml::Table, child: &toml::Table) {
    for (key, value) in child {
        match (parent.get_mut(key), value) {
            (Some(toml::Value::Table(p)), toml::Value::Table(c)) => merge_into(p, c),
            _ => {
                parent.insert(key.clone(), value.clone());
            }
        }
    }
}

fn lookup<'a>(table: &'a toml::Table, dotted: &str) -> Option<&'a toml::Value> {
    let mut parts = dotted.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// Finds the line that sets a dotted key, following `[table]` headers. Good enough for spec
/// files (no multi-line strings hiding headers); `None` when the key is not written literally.
fn locate(text: &str, dotted: &str) -> Option<usize> {
    let mut header = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            let inner = line.trim_start_matches('[');
            let inner = inner.split(']').next().unwrap_or("");
            header = unquote_path(inner);
            if header == dotted {
                return Some(i + 1);
            }
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = unquote_path(key);
            let full = if header.is_empty() {
                key
            } else {
                format!("{header}.{key}")
            };
            if full == dotted || dotted.starts_with(&format!("{full}.")) {
                return Some(i + 1);
            }
        }
    }
    None
}

fn unquote_path(path: &str) -> String {
    path.split('.')
        .map(|p| p.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

fn check_name(source: &Source, key: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::SpecInvalid {
            location: SpecLocation {
                file: source.label.clone(),
                line: locate(&source.text, key),
            },
            key: key.to_string(),
            reason: format!(
                "\"{value}\" must be a short id of lowercase ASCII letters, digits and '-'"
            ),
        })
    }
}

fn reject_path_like(what: &'static str, value: &str) -> Result<()> {
    if value.contains(['/', '\\', '\0']) || value.contains("..") {
        return Err(Error::InvalidName {
            what,
            value: value.to_string(),
        });
    }
    Ok(())
}

fn normalise(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The candidate closest to `wanted` by edit distance, if it is close enough to be a typo.
fn nearest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    let (distance, id) = candidates
        .map(|(name, id)| (strsim::levenshtein(wanted, &normalise(name)), id))
        .min()?;
    // A third of the name may differ, at least one character, never all of them: "北京" is no
    // typo of "潮州", "东关" is one of "东莞".
    let len = wanted.chars().count();
    let allowed = (len / 3).max(1);
    (distance <= allowed && distance < len).then(|| id.to_string())
}

/// The built-in spec most tests judge against: Dongguan's resident ID card.
#[cfg(test)]
pub(crate) fn dongguan_id_card() -> Spec {
    Library::builtin()
        .unwrap()
        .resolve("dongguan", None)
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib_with(extra: &[(&str, &str)]) -> Result<Library> {
        let mut lib = Library::builtin()?;
        for (label, text) in extra {
            lib.add_text(label.to_string(), text.to_string())?;
        }
        Ok(lib)
    }

    #[test]
    fn every_builtin_spec_resolves() {
        let lib = Library::builtin().unwrap();
        let all = lib.resolve_all().unwrap();
        assert!(all.iter().any(|s| s.key() == "dongguan/id-card"));
    }

    #[test]
    fn city_lookup_accepts_id_chinese_name_and_case() {
        let lib = Library::builtin().unwrap();
        for name in ["dongguan", "DongGuan", "东莞", "东莞市", " dongguan "] {
            assert_eq!(
                lib.resolve(name, None).unwrap().key(),
                "dongguan/id-card",
                "{name}"
            );
        }
    }

    #[test]
    fn unknown_city_suggests_the_nearest() {
        let lib = Library::builtin().unwrap();
        match lib.resolve("dongguang", None) {
            Err(Error::UnknownCity { nearest, known, .. }) => {
                assert_eq!(nearest.as_deref(), Some("dongguan"));
                assert!(known.contains(&"dongguan".to_string()));
            }
            other => panic!("expected UnknownCity, got {other:?}"),
        }
        let nearest = |name: &str| match lib.resolve(name, None) {
            Err(Error::UnknownCity { nearest, .. }) => nearest,
            other => panic!("{name}: expected UnknownCity, got {other:?}"),
        };
        assert_eq!(
            nearest("东关").as_deref(),
            Some("dongguan"),
            "one character off"
        );
        assert_eq!(
            nearest("北京"),
            None,
            "a city not in the library is no typo"
        );
    }

    #[test]
    fn city_falls_back_to_national_exam_specs() {
        let lib = Library::builtin().unwrap();
        let spec = lib.resolve("guangzhou", Some("exam-cet")).unwrap();
        assert_eq!(spec.key(), "china/exam-cet");
        // A document nobody has is still an error naming the city asked for.
        match lib.resolve("guangzhou", Some("no-such-doc")) {
            Err(Error::UnknownDocument { city, .. }) => assert_eq!(city, "guangzhou"),
            other => panic!("expected UnknownDocument, got {other:?}"),
        }
    }

    #[test]
    fn path_like_city_is_rejected() {
        let lib = Library::builtin().unwrap();
        for bad in ["../etc", "a/b", "..", "x\\y"] {
            assert!(
                matches!(lib.resolve(bad, None), Err(Error::InvalidName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn city_overrides_only_what_it_sets() {
        let lib = lib_with(&[(
            "t.toml",
            "[city]\nid = \"testcity\"\nname_zh = \"测试\"\nname_en = \"Test\"\n\
             [documents.id-card]\n[documents.id-card.file]\nkb = [12.0, 20.0]\n",
        )])
        .unwrap();
        let spec = lib.resolve("testcity", Some("身份证")).unwrap();
        assert_eq!(spec.body.file.kb, Some([12.0, 20.0]));
        // Inherited untouched from the base.
        assert_eq!(spec.body.head.face_width_px, Some([193.0, 221.0]));
        assert_eq!(spec.width_px, 358);
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = lib_with(&[(
            "bad.toml",
            "[city]\nid = \"x\"\nname_zh = \"x\"\nname_en = \"x\"\ncolour = 1\n",
        )])
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.toml:"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn min_above_max_names_the_key_and_line() {
        let lib = lib_with(&[(
            "t.toml",
            "[city]\nid = \"t\"\nname_zh = \"t\"\nname_en = \"t\"\n\n[documents.id-card.head]\nface_width_px = [230.0, 200.0]\n",
        )])
        .unwrap();
        let msg = lib.resolve("t", None).unwrap_err().to_string();
        assert_eq!(
            msg,
            "t.toml:7: `documents.id-card.head.face_width_px` has min 230 above max 200"
        );
    }

    #[test]
    fn a_yaw_warning_beyond_the_yaw_limit_is_rejected() {
        let lib = lib_with(&[(
            "t.toml",
            "[city]\nid = \"t\"\nname_zh = \"t\"\nname_en = \"t\"\n\n[documents.id-card.head]\nwarn_yaw_deg = 12.0\n",
        )])
        .unwrap();
        let msg = lib.resolve("t", None).unwrap_err().to_string();
        assert_eq!(
            msg,
            "t.toml:7: `documents.id-card.head.warn_yaw_deg` 12 is above max_yaw_deg 10"
        );
    }

    #[test]
    fn an_eye_opening_warning_under_the_limit_is_rejected() {
        let lib = lib_with(&[(
            "t.toml",
            "[city]\nid = \"t\"\nname_zh = \"t\"\nname_en = \"t\"\n\n[documents.id-card.head]\nwarn_eye_opening = 0.1\n",
        )])
        .unwrap();
        let msg = lib.resolve("t", None).unwrap_err().to_string();
        assert_eq!(
            msg,
            "t.toml:7: `documents.id-card.head.warn_eye_opening` 0.1 is below min_eye_opening 0.12"
        );
    }

    #[test]
    fn inheritance_cycle_is_an_error() {
        let lib = lib_with(&[
            ("a.toml", "id = \"loop-a\"\nextends = \"loop-b\"\n"),
            ("b.toml", "id = \"loop-b\"\nextends = \"loop-a\"\n"),
            (
                "c.toml",
                "[city]\nid = \"c\"\nname_zh = \"c\"\nname_en = \"c\"\n[documents.loop-a]\n",
            ),
        ])
        .unwrap();
        assert!(matches!(
            lib.resolve("c", Some("loop-a")),
            Err(Error::SpecCycle { .. })
        ));
    }

    /// Issue 23, defect 10: a cycle named no file or line.
    #[test]
    fn issue23_an_inheritance_cycle_names_the_extends_that_closes_it() {
        let lib = lib_with(&[
            ("a.toml", "id = \"loop-a\"\nextends = \"loop-b\"\n"),
            ("b.toml", "id = \"loop-b\"\n\nextends = \"loop-a\"\n"),
            (
                "c.toml",
                "[city]\nid = \"c\"\nname_zh = \"c\"\nname_en = \"c\"\n[documents.loop-a]\n",
            ),
        ])
        .unwrap();
        let msg = lib.resolve("c", Some("loop-a")).unwrap_err().to_string();
        assert!(
            msg.starts_with(
                "b.toml:3: spec inheritance cycle: c/loop-a -> loop-a -> loop-b -> loop-a"
            ),
            "{msg}"
        );
    }

    /// Issue 23, defect 10: a rule across keys broken by the person's value pointed at the
    /// built-in file that set the other key.
    #[test]
    fn issue23_a_cross_key_error_points_at_the_given_file() {
        let lib = lib_with(&[(
            "t.toml",
            "[city]\nid = \"t\"\nname_zh = \"t\"\nname_en = \"t\"\n\n[documents.id-card.head]\nmax_yaw_deg = 3.0\n",
        )])
        .unwrap();
        let msg = lib.resolve("t", None).unwrap_err().to_string();
        assert!(
            msg.starts_with("t.toml:7: `documents.id-card.head.max_yaw_deg` conflicts with `head.warn_yaw_deg` from <built-in>/"),
            "{msg}"
        );
        assert!(
            msg.ends_with("head.warn_yaw_deg 5 is above max_yaw_deg 3"),
            "{msg}"
        );
    }

    /// Issue 23, defect 10: `id = ` at the end of a file gave an empty message.
    #[test]
    fn issue23_a_syntax_error_at_the_end_of_a_file_has_a_message() {
        let err = lib_with(&[("s.toml", "id = ")]).unwrap_err();
        match &err {
            Error::SpecParse { message, .. } => assert!(!message.trim().is_empty(), "{err}"),
            other => panic!("expected SpecParse, got {other:?}"),
        }
    }

    /// Issue 23, defect 6: links back into a specs folder made the walk exponential.
    #[cfg(unix)]
    #[test]
    fn issue23_a_specs_folder_with_link_loops_is_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.toml"),
            "[city]\nid = \"t\"\nname_zh = \"t\"\nname_en = \"t\"\n[documents.id-card]\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for i in 0..8 {
            std::os::unix::fs::symlink(".", dir.path().join(format!("l{i}"))).unwrap();
            std::os::unix::fs::symlink("..", dir.path().join(format!("sub/up{i}"))).unwrap();
        }
        let files = collect_toml(dir.path()).unwrap();
        assert_eq!(files, [dir.path().join("t.toml")]);
        let mut lib = Library::builtin().unwrap();
        lib.add_dir(dir.path()).unwrap();
        assert_eq!(lib.resolve("t", None).unwrap().key(), "t/id-card");
    }

    #[test]
    fn locate_follows_headers_and_dotted_keys() {
        let text = "id = \"x\"\n[head]\nface_width_px = [1, 2]\n[file]\nkb = [1, 2]\n";
        assert_eq!(locate(text, "head.face_width_px"), Some(3));
        assert_eq!(locate(text, "file.kb"), Some(5));
        assert_eq!(locate(text, "file"), Some(4));
        assert_eq!(locate(text, "quality.face_l"), None);
    }
}
