//! Timing whole processes for the benchmarks that compare fresh runs side by side, and the
//! phone-sized portrait they measure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What one finished child process cost.
#[derive(Clone)]
pub struct Cost {
    pub stdout: String,
    pub wall: Duration,
    /// User + system CPU time of the child.
    pub cpu: Duration,
    /// The child's peak resident set size, kB.
    pub max_rss_kb: u64,
}

/// Runs a command to completion (exit status 0 or 1: a photo that fails its checks exits 1)
/// and reads its own resource use with `wait4`, so each figure is this child's alone.
pub fn timed(cmd: &mut Command) -> Result<Cost, Box<dyn std::error::Error>> {
    use std::io::Read;
    let t = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)?;
    }
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut stderr)?;
    }
    let mut status = 0;
    // SAFETY: `wait4` only writes the status and the struct it is given; the child is ours and
    // not yet waited for.
    let (pid, usage) = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        let pid = libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage);
        (pid, usage)
    };
    let wall = t.elapsed();
    if pid < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) > 1 {
        return Err(format!("{cmd:?} failed ({status}): {stderr}").into());
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Cost {
        stdout,
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss as u64,
    })
}

/// The median (the upper one of an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The host's load averages over 1, 5 and 15 minutes, as `uptime` prints them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `examples/portrait.jpg` resized (Lanczos-3) to `w`×`h` and saved as a JPEG of `quality`, as a
/// phone would store a portrait of that size.
pub fn portrait_jpeg(w: u32, h: u32, quality: u8) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/portrait.jpg");
    let small = idphoto::dev::decode::open(&source, &Default::default())?;
    let big =
        idphoto::dev::imageops::resize(&small.image, w, h, idphoto::dev::imageops::Quality::Best);
    Ok(idphoto::dev::correct::encode::jpeg(&big, quality, None)?)
}

/// A program found on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
