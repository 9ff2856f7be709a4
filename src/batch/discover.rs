//! Finding the photos of a batch: files named on the command line, folders walked (optionally
//! recursively), and path lists (`--files-from`). Problems (an unreadable folder, a dangling
//! link, a symlink loop) become inputs carrying their error, so the batch reports them.

use crate::error::Error;
use std::ffi::OsString;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

/// File extensions picked up when walking a folder, compared case-insensitively. Only the walk
/// filters by name: a file named explicitly is decoded by its content whatever its name.
/// HEIC/HEIF (an iPhone's default), AVIF and JPEG XL are not decoded, but a folder's copies are
/// taken so each gets an error saying to export it as JPEG, rather than vanishing from a batch
/// the person believes checked everything.
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "heic", "heif", "avif", "jxl",
];

/// One photo to check.
#[derive(Debug)]
pub struct Input {
    /// The file: as given, or the folder given joined with the path found under it.
    pub path: PathBuf,
    /// The folder given under which the file was found; `None` for a file named explicitly.
    pub root: Option<PathBuf>,
    /// Why the file could not even be listed (unreadable folder, dangling link, symlink loop,
    /// not a regular file); the batch reports it as an error without opening anything.
    pub problem: Option<Error>,
}

impl Input {
    /// A file named explicitly (on the command line or in a path list).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Input {
            path: path.into(),
            root: None,
            problem: None,
        }
    }
}

/// How folders are walked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Walk {
    /// Descend into sub-folders (default: only the photos directly in a folder given).
    pub recursive: bool,
}

/// Turns the paths given into the photos to check, in a deterministic order: the paths in the
/// order given; inside a folder, entries sorted by name.
///
/// A path that is not a folder is taken as a photo, whatever its name. In a folder, files whose
/// extension is one of [`IMAGE_EXTENSIONS`] are taken; names starting with `.` (hidden files, and
/// the `._name.jpg` resource forks macOS leaves on USB sticks) are skipped. Symbolic links are
/// followed; a link back to a folder being walked is reported as a problem instead of looping.
///
/// # Examples
/// ```no_run
/// use idphoto::batch::{discover, Walk};
/// let inputs = discover(&["photos".into()], Walk { recursive: true });
/// for input in &inputs {
///     println!("{}", input.path.display());
/// }
/// ```
pub fn discover(paths: &[PathBuf], walk: Walk) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            walk_dir(path, walk, &mut inputs);
        } else {
            // Missing and unreadable files are reported by the decoder, with its message.
            inputs.push(Input::file(path.clone()));
        }
    }
    inputs
}

fn walk_dir(root: &Path, walk: Walk, inputs: &mut Vec<Input>) {
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .min_depth(1)
        .max_depth(if walk.recursive { usize::MAX } else { 1 })
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    let found = |path: &Path, source: Option<io::Error>| Input {
        path: path.to_path_buf(),
        root: Some(root.to_path_buf()),
        problem: source.map(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    };
    for entry in entries {
        match entry {
            Ok(e) if e.file_type().is_dir() || !has_image_extension(e.path()) => {}
            Ok(e) if e.file_type().is_file() => inputs.push(found(e.path(), None)),
            Ok(e) => {
                // Reading a FIFO would wait forever for a writer; devices are not photos.
                let source = io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a regular file (a FIFO, socket or device); skipped",
                );
                inputs.push(found(e.path(), Some(source)));
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                if let Some(ancestor) = err.loop_ancestor() {
                    let source = io::Error::other(format!(
                        "symbolic link loop back to {}; not followed",
                        ancestor.display()
                    ));
                    inputs.push(found(&path, Some(source)));
                    continue;
                }
                // A dangling link is a file we cannot read: report it only if it looks like a
                // photo, as a readable file of that name would have been checked.
                let dangling = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink())
                    && std::fs::metadata(&path).is_err();
                if dangling && !has_image_extension(&path) {
                    continue;
                }
                let source = err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("cannot be walked"));
                let source = if dangling {
                    io::Error::new(source.kind(), format!("dangling symbolic link: {source}"))
                } else {
                    source
                };
                inputs.push(found(&path, Some(source)));
            }
        }
    }
}

/// Whether a file name ends in one of [`IMAGE_EXTENSIONS`], in any case.
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// How much of a path list (`--files-from`) is read: a list is a person's or a script's, and a
/// stream with no end (`/dev/zero`, a runaway pipe) must become an error, not exhaust memory.
#[derive(Debug, Clone, Copy)]
pub struct ListLimits {
    /// Longest line, bytes. Default 4096, Linux's `PATH_MAX`: no longer path can be opened.
    pub max_line_bytes: usize,
    /// Most paths. Default 1,000,000: a bigger batch is better split (each path also becomes a
    /// report held until the summary).
    pub max_paths: usize,
    /// Most bytes in all. Default 256 MiB, a million paths of 256 bytes.
    pub max_bytes: u64,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            max_line_bytes: 4096,
            max_paths: 1_000_000,
            max_bytes: 256 << 20,
        }
    }
}

/// Reads a path list, one path per line (as `find` prints them); blank lines are skipped and a
/// trailing `\r` (lists written on Windows) is dropped. On Unix, paths are taken byte for byte.
/// The [`ListLimits::default`] apply (see [`read_path_list_limited`]).
///
/// # Examples
/// ```
/// let paths = idphoto::batch::read_path_list(&b"a.jpg\r\n\nsub/b.png\n"[..]).unwrap();
/// assert_eq!(paths, [std::path::PathBuf::from("a.jpg"), "sub/b.png".into()]);
/// ```
pub fn read_path_list(reader: impl BufRead) -> io::Result<Vec<PathBuf>> {
    read_path_list_limited(reader, &ListLimits::default())
}

/// [`read_path_list`] within `limits`: a line, a count or a total beyond them is an
/// `InvalidData` error saying which, read no further than the limit.
pub fn read_path_list_limited(
    mut reader: impl BufRead,
    limits: &ListLimits,
) -> io::Result<Vec<PathBuf>> {
    let too_much = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut paths = Vec::new();
    let mut total = 0u64;
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let cap = limits.max_line_bytes as u64 + 1;
        let n = (&mut reader).take(cap).read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limits.max_bytes {
            return Err(too_much(format!(
                "the list is longer than {} bytes; split it into smaller lists",
                limits.max_bytes
            )));
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if n as u64 == cap {
            return Err(too_much(format!(
                "line {number} is longer than {} bytes, longer than any path; is this a list of \
                 paths, one per line?",
                limits.max_line_bytes
            )));
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        if paths.len() == limits.max_paths {
            return Err(too_much(format!(
                "the list holds more than {} paths; split it into smaller lists",
                limits.max_paths
            )));
        }
        paths.push(path_from_bytes(line.clone()));
    }
    Ok(paths)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_list_skips_empty_lines_and_carriage_returns() {
        let got = read_path_list(&b"\na b.jpg\r\n  \n/x/y.png"[..]).unwrap();
        assert_eq!(
            got,
            [PathBuf::from("a b.jpg"), "  ".into(), "/x/y.png".into()]
        );
    }

    /// Issue 23: `--files-from /dev/zero` grew to gigabytes; an endless line, too many paths or
    /// too many bytes are now errors, read no further than the limit.
    #[test]
    fn path_list_stops_at_its_limits() {
        let limits = ListLimits {
            max_line_bytes: 16,
            max_paths: 3,
            max_bytes: 64,
        };
        let endless = io::BufReader::new(io::repeat(0));
        let err = read_path_list_limited(endless, &limits).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string().contains("line 1 is longer than 16 bytes"),
            "{err}"
        );
        let many = "a\nb\n\nc\nd\n";
        let err = read_path_list_limited(many.as_bytes(), &limits).unwrap_err();
        assert!(err.to_string().contains("more than 3 paths"), "{err}");
        let long = "0123456789\n".repeat(7);
        let roomy = ListLimits {
            max_paths: 100,
            ..limits
        };
        let err = read_path_list_limited(long.as_bytes(), &roomy).unwrap_err();
        assert!(err.to_string().contains("longer than 64 bytes"), "{err}");
        // At the limits exactly: accepted, a last line without newline included.
        let ok = read_path_list_limited("0123456789abcdef\nx\ny".as_bytes(), &limits).unwrap();
        assert_eq!(ok.len(), 3);
    }

    #[test]
    fn image_extensions_match_in_any_case() {
        assert!(has_image_extension(Path::new("a/B.JpEg")));
        assert!(has_image_extension(Path::new("x.TIF")));
        assert!(!has_image_extension(Path::new("x.gif.txt")));
        assert!(!has_image_extension(Path::new("jpg")));
    }
}
