//! Where the corrected photo goes, and writing it so that an interrupted run leaves nothing half
//! written: a temporary file in the destination folder, flushed, then renamed into place
//! (`persist_noclobber`, or `persist` with `--force`). The input is never overwritten.

use crate::error::{Error, Result};
use crate::spec::{Spec, DEFAULT_DOCUMENT};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where corrected photos are written.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    /// Exactly this file (single input only). Default: beside the input.
    pub out: Option<PathBuf>,
    /// Into this folder, with the default name. Default: the input's folder.
    pub out_dir: Option<PathBuf>,
    /// Replace an existing output. Default: refuse.
    pub force: bool,
    /// Create the destination's folder when it is missing. A batch into `--out-dir` mirrors
    /// the input tree there ([`crate::batch::mirror_paths`]), and those sub-folders are the
    /// tool's own to make. Default: refuse, as for `--out` in a folder that does not exist.
    pub make_folder: bool,
}

/// The default output name: `<stem>.<city>.jpg`, plus `.<doc>` before `.jpg` when the document
/// is not the resident ID card, e.g. `photo.dongguan.passport.jpg`.
pub fn file_name(input: &Path, spec: &Spec) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "photo".into());
    let mut name = format!("{stem}.{}", spec.city.id);
    if spec.doc != DEFAULT_DOCUMENT {
        name.push('.');
        name.push_str(&spec.doc);
    }
    name.push_str(".jpg");
    PathBuf::from(name)
}

/// Where the corrected photo of `input` goes: `--out`, else `--out-dir`/name, else beside the
/// input (`a/photo.jpg` → `a/photo.dongguan.jpg`). Batch mode may swap this for a function
/// that mirrors input folders.
pub fn destination(input: &Path, spec: &Spec, options: &OutputOptions) -> PathBuf {
    if let Some(out) = &options.out {
        return out.clone();
    }
    let name = file_name(input, spec);
    match &options.out_dir {
        Some(dir) => dir.join(name),
        None => input.parent().map_or(name.clone(), |p| p.join(&name)),
    }
}

fn refuse(path: &Path, reason: impl Into<String>) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The folder a file at `path` lives in: its parent, or `.` for a bare file name.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The path with its folder resolved (the file itself may not exist yet).
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    Some(folder_of(path).canonicalize().ok()?.join(path.file_name()?))
}

/// Refuses destinations that are the input or that exist (without `force`).
pub fn guard(dest: &Path, input: &Path, force: bool) -> Result<()> {
    if let (Some(a), Some(b)) = (resolved(dest), resolved(input)) {
        if a == b {
            return Err(refuse(dest, "is the input photo; idphoto never overwrites its input (choose --out or --out-dir)"));
        }
    }
    if dest.is_dir() {
        return Err(refuse(
            dest,
            "is a folder; --out takes a file name (use --out-dir for a folder)",
        ));
    }
    if !force && dest.exists() {
        return Err(refuse(dest, "already exists; use --force to replace it"));
    }
    Ok(())
}

/// A written but not yet published output: the bytes are on disk in a temporary file beside
/// the destination. [`Staged::publish`] renames it into place; dropping it deletes it.
#[derive(Debug)]
pub struct Staged {
    file: tempfile::NamedTempFile,
    dest: PathBuf,
    force: bool,
}

impl Staged {
    /// The temporary file's path (to re-read what was really written).
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Renames the temporary file to the destination.
    pub fn publish(self) -> Result<PathBuf> {
        let dest = self.dest;
        let result = if self.force {
            self.file.persist(&dest).map(|_| ())
        } else {
            self.file.persist_noclobber(&dest).map(|_| ())
        };
        result.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                refuse(&dest, "already exists; use --force to replace it")
            } else {
                Error::Io {
                    path: dest.clone(),
                    source: e.error,
                }
            }
        })?;
        Ok(dest)
    }
}

/// A temporary file in `dir` that becomes an output by rename. `tempfile` creates files with
/// mode 0600, right for secrets and wrong for a photo the person will upload or share: an output
/// gets the mode any new file of theirs gets (0666 less the umask), as `cp` would give it.
pub(crate) fn temp_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".idphoto-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Writes `bytes` to a temporary file in `dest`'s folder and flushes it, after [`guard`].
pub fn stage(dest: &Path, input: &Path, bytes: &[u8], force: bool) -> Result<Staged> {
    guard(dest, input, force)?;
    let dir = folder_of(dest);
    if !dir.is_dir() {
        return Err(refuse(
            dest,
            format!("folder {} does not exist", dir.display()),
        ));
    }
    let io = |source| Error::Io {
        path: dest.to_path_buf(),
        source,
    };
    let mut file = temp_in(dir).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.flush().map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    Ok(Staged {
        file,
        dest: dest.to_path_buf(),
        force,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        crate::spec::dongguan_id_card()
    }

    #[test]
    fn names_carry_city_and_non_default_document() {
        let mut s = spec();
        assert_eq!(
            file_name(Path::new("x/p.jpeg"), &s),
            PathBuf::from("p.dongguan.jpg")
        );
        s.doc = "passport".into();
        assert_eq!(
            file_name(Path::new("p.png"), &s),
            PathBuf::from("p.dongguan.passport.jpg")
        );
        let o = OutputOptions {
            out_dir: Some("out".into()),
            ..Default::default()
        };
        assert_eq!(
            destination(Path::new("in/p.jpg"), &spec(), &o),
            PathBuf::from("out/p.dongguan.jpg")
        );
        assert_eq!(
            destination(Path::new("a/photo.jpg"), &spec(), &OutputOptions::default()),
            PathBuf::from("a/photo.dongguan.jpg")
        );
    }

    #[test]
    fn refuses_input_and_existing_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("p.jpg");
        std::fs::write(&input, b"in").unwrap();
        assert!(matches!(
            stage(&input, &input, b"x", true),
            Err(Error::Output { .. })
        ));
        // Same file through another spelling.
        let other = dir.path().join(".").join("p.jpg");
        assert!(stage(&other, &input, b"x", true).is_err());
        let dest = dir.path().join("o.jpg");
        stage(&dest, &input, b"one", false)
            .unwrap()
            .publish()
            .unwrap();
        assert!(stage(&dest, &input, b"two", false).is_err());
        stage(&dest, &input, b"two", true)
            .unwrap()
            .publish()
            .unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"two");
        drop(stage(&dir.path().join("never.jpg"), &input, b"x", false).unwrap());
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["o.jpg", "p.jpg"],
            "no temporary or unpublished files remain"
        );
        assert_eq!(std::fs::read(&input).unwrap(), b"in");
    }

    /// A corrected photo readable only by its owner could not be served or shared as the person
    /// expects: it gets the mode of any file they create.
    #[cfg(unix)]
    #[test]
    fn outputs_get_the_mode_of_an_ordinary_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, b"x").unwrap();
        let dest = dir.path().join("o.jpg");
        stage(&dest, &dir.path().join("p.jpg"), b"x", false)
            .unwrap()
            .publish()
            .unwrap();
        assert_eq!(mode(&dest), mode(&ordinary));
    }
}
