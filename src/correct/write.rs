//! Where the corrected photo goes, and writing it so that an interrupted run leaves nothing half
//! written: a temporary file in the destination folder, flushed, then renamed into place
//! (`persist_noclobber`, or `persist` with `--force`). The input is never overwritten.
//!
//! Only regular files are replaced. A destination that is a symbolic link, a device, a FIFO or a
//! socket is refused: renaming over it would silently replace `/dev/null` or a link the person
//! made with a regular file, and writing through a link would clobber whatever it points at.
//!
//! Every temporary file is registered while it exists, so a second Ctrl-C, which ends the
//! process at once, can delete the ones in flight ([`remove_temp_files`]).

use crate::error::{Error, Result};
use crate::spec::{Spec, DEFAULT_DOCUMENT};
use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
///
/// The stem is kept byte for byte: a name that is not UTF-8 (a GBK name from a Windows zip)
/// keeps its bytes, so two such photos never share one output name.
pub fn file_name(input: &Path, spec: &Spec) -> PathBuf {
    let mut name: OsString = input
        .file_stem()
        .map(OsString::from)
        .unwrap_or_else(|| "photo".into());
    name.push(".");
    name.push(&spec.city.id);
    if spec.doc != DEFAULT_DOCUMENT {
        name.push(".");
        name.push(&spec.doc);
    }
    name.push(".jpg");
    PathBuf::from(name)
}

/// A path as text for reports (JSON, CSV): the path itself when it is UTF-8; otherwise each byte
/// that is not part of valid UTF-8 is written as `\xNN`. Unlike `Path::display`, which turns
/// every such byte into U+FFFD, two different names stay different.
pub fn path_text(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

/// Serialises a path with [`path_text`], for `#[serde(serialize_with)]`: serde's own impl
/// fails on a non-UTF-8 path, and the failure took the whole report with it.
pub fn serialize_path<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path_text(path))
}

/// [`serialize_path`] for an optional path.
pub fn serialize_opt_path<S: serde::Serializer>(
    path: &Option<PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => serialize_path(p, s),
        None => s.serialize_none(),
    }
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

/// Whether two paths name one file: the same device and inode (any spelling, hard links), or the
/// same resolved path when either does not exist yet.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (x.dev(), x.ino()) == (y.dev(), y.ino());
        }
    }
    matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}

/// What sits at a path that is about to be written, judged without following a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: the path is free.
    Nothing,
    /// A regular file.
    File,
    /// A folder.
    Folder,
    /// A symbolic link (to anything, or dangling).
    Link,
    /// A device, FIFO or socket.
    Special,
}

impl Existing {
    /// Looks at `path` without following a final symbolic link.
    pub fn at(path: &Path) -> Existing {
        match std::fs::symlink_metadata(path) {
            Err(_) => Existing::Nothing,
            Ok(m) if m.file_type().is_symlink() => Existing::Link,
            Ok(m) if m.is_dir() => Existing::Folder,
            Ok(m) if m.is_file() => Existing::File,
            Ok(_) => Existing::Special,
        }
    }
}

/// Refuses destinations that are the input, that exist (without `force`), or that are anything
/// but a regular file: a folder, a symbolic link, a device, a FIFO or a socket.
pub fn guard(dest: &Path, input: &Path, force: bool) -> Result<()> {
    if same_file(dest, input) {
        return Err(refuse(
            dest,
            "is the input photo; idphoto never overwrites its input (choose --out or --out-dir)",
        ));
    }
    match Existing::at(dest) {
        Existing::Nothing => Ok(()),
        Existing::Folder => Err(refuse(
            dest,
            "is a folder; --out takes a file name (use --out-dir for a folder)",
        )),
        Existing::Link => Err(refuse(
            dest,
            "is a symbolic link; idphoto replaces only regular files, never a link or what it \
             points to: remove the link or choose another name",
        )),
        Existing::Special => Err(refuse(
            dest,
            "is not a regular file (a device, FIFO or socket); idphoto writes photos only to \
             regular files: choose a file name",
        )),
        Existing::File if !force => Err(refuse(dest, "already exists; use --force to replace it")),
        Existing::File => Ok(()),
    }
}

/// The temporary files that exist now, and whether the process is ending (see
/// [`remove_temp_files`]). Creating a file happens under the lock, so none is made after the
/// final sweep.
static LIVE_TEMPS: Mutex<LiveTemps> = Mutex::new(LiveTemps {
    paths: None,
    closing: false,
});

struct LiveTemps {
    paths: Option<HashSet<PathBuf>>,
    closing: bool,
}

fn live_temps() -> std::sync::MutexGuard<'static, LiveTemps> {
    // A panic while holding the lock leaves the set as it was: still right to use.
    LIVE_TEMPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Deletes every temporary file idphoto has open and refuses to create new ones: for a process
/// about to exit without unwinding (a second Ctrl-C), whose temporary files' destructors will not
/// run. Returns how many files were deleted.
pub fn remove_temp_files() -> usize {
    let mut live = live_temps();
    live.closing = true;
    let paths = live.paths.take().unwrap_or_default();
    paths
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// A temporary file that deletes itself when dropped and is registered while it exists.
#[derive(Debug)]
pub(crate) struct TempFile {
    /// Always `Some` until [`TempFile::persist`] hands the file over.
    file: Option<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl TempFile {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn as_file_mut(&mut self) -> &mut std::fs::File {
        self.file
            .as_mut()
            .expect("present until persisted")
            .as_file_mut()
    }

    pub(crate) fn as_file(&self) -> &std::fs::File {
        self.file
            .as_ref()
            .expect("present until persisted")
            .as_file()
    }

    /// Renames the file to `dest`; over an existing file only if `replace`.
    pub(crate) fn persist(mut self, dest: &Path, replace: bool) -> std::io::Result<()> {
        let file = self.file.take().expect("present until persisted");
        let result = if replace {
            file.persist(dest).map(|_| ())
        } else {
            file.persist_noclobber(dest).map(|_| ())
        };
        // On failure tempfile hands the file back inside the error; dropping it deletes it.
        result.map_err(|e| e.error)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Deleted (by the inner file's own destructor, next) or renamed: either way not ours.
        if let Some(paths) = live_temps().paths.as_mut() {
            paths.remove(&self.path);
        }
    }
}

/// A written but not yet published output: the bytes are on disk in a temporary file beside
/// the destination. [`Staged::publish`] renames it into place; dropping it deletes it.
#[derive(Debug)]
pub struct Staged {
    file: TempFile,
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
        self.file.persist(&dest, self.force).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                refuse(&dest, "already exists; use --force to replace it")
            } else {
                Error::Io {
                    path: dest.clone(),
                    source: e,
                }
            }
        })?;
        Ok(dest)
    }
}

/// A temporary file in `dir` that becomes an output by rename. `tempfile` creates files with
/// mode 0600, right for secrets and wrong for a photo the person will upload or share: an output
/// gets the mode any new file of theirs gets (0666 less the umask), as `cp` would give it.
///
/// The file is registered for [`remove_temp_files`] until it is dropped or persisted.
pub(crate) fn temp_in(dir: &Path) -> std::io::Result<TempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".idphoto-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut live = live_temps();
    if live.closing {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted; no new file is written",
        ));
    }
    let file = builder.tempfile_in(dir)?;
    let path = file.path().to_path_buf();
    live.paths
        .get_or_insert_with(HashSet::new)
        .insert(path.clone());
    Ok(TempFile {
        file: Some(file),
        path,
    })
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
    file.as_file_mut().write_all(bytes).map_err(io)?;
    file.as_file_mut().flush().map_err(io)?;
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

    /// Issue 23, defect 3: outputs were renamed over a symbolic link or a device, replacing it
    /// (as root, /dev/null) with a regular file.
    #[cfg(unix)]
    #[test]
    fn issue23_links_and_devices_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("p.jpg");
        std::fs::write(&input, b"in").unwrap();
        let target = dir.path().join("target.jpg");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("link.jpg");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dangling = dir.path().join("dangling.jpg");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for dest in [&link, &dangling] {
            match stage(dest, &input, b"x", true) {
                Err(Error::Output { reason, .. }) => assert!(reason.contains("symbolic link")),
                other => panic!("{}: {other:?}", dest.display()),
            }
        }
        match stage(Path::new("/dev/null"), &input, b"x", true) {
            Err(Error::Output { reason, .. }) => assert!(reason.contains("not a regular file")),
            other => panic!("/dev/null: {other:?}"),
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            Existing::at(&dir.path().join("free.jpg")),
            Existing::Nothing
        );
        assert_eq!(Existing::at(dir.path()), Existing::Folder);
    }

    /// Issue 23, defect 4: a second Ctrl-C exits without unwinding, and the temporary files of
    /// photos in flight stayed behind. They are registered and swept; none is made afterwards.
    /// (The sweep ends temp files for the whole process, so this test runs it in a child.)
    #[test]
    fn issue23_live_temporary_files_are_swept() {
        if std::env::var_os("IDPHOTO_SWEEP_CHILD").is_none() {
            let exe = std::env::current_exe().unwrap();
            let status = std::process::Command::new(exe)
                .args([
                    "--exact",
                    "correct::write::tests::issue23_live_temporary_files_are_swept",
                ])
                .env("IDPHOTO_SWEEP_CHILD", "1")
                .status()
                .unwrap();
            assert!(status.success());
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let staged = stage(&dir.path().join("o.jpg"), Path::new("in.jpg"), b"x", false).unwrap();
        let kept = temp_in(dir.path()).unwrap();
        let dropped = temp_in(dir.path()).unwrap();
        drop(dropped);
        assert_eq!(remove_temp_files(), 2);
        assert!(!staged.path().exists() && !kept.path().exists());
        assert!(
            temp_in(dir.path()).is_err(),
            "no temporary file after the sweep"
        );
        drop((staged, kept));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Issue 23, defect 9: names that are not UTF-8 kept their bytes in output names and stay
    /// distinct in reports.
    #[cfg(unix)]
    #[test]
    fn issue23_non_utf8_names_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        let a = Path::new(std::ffi::OsStr::from_bytes(b"d/\xd5\xc5.jpg"));
        let b = Path::new(std::ffi::OsStr::from_bytes(b"d/\xc0\xee.jpg"));
        assert_ne!(file_name(a, &spec()), file_name(b, &spec()));
        assert_eq!(
            file_name(a, &spec()).as_os_str().as_bytes(),
            b"\xd5\xc5.dongguan.jpg"
        );
        assert_eq!(path_text(a), "d/\\xd5\\xc5.jpg");
        assert_ne!(path_text(a), path_text(b));
        assert_eq!(path_text(Path::new("d/照片.jpg")), "d/照片.jpg");
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
