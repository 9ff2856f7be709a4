//! `idphoto serve` over real sockets: a server on 127.0.0.1 with a port the system picks, asked
//! with a plain HTTP/1.1 client written here, its answers held against the command line's.

use crate::util::{idphoto, testdata};
use base64::Engine as _;
use idphoto::serve::{self, Config};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The sample portrait shipped in `examples/` (public domain).
fn portrait() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/portrait.jpg")
}

/// Starts a server with the built-in specs, changed by `adjust`, on a free port.
fn start(adjust: impl FnOnce(&mut Config)) -> SocketAddr {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap());
    config.log = false;
    adjust(&mut config);
    let library = idphoto::spec::Library::builtin().unwrap();
    let server = serve::bind(config, library).unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || server.run());
    addr
}

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads a whole answer from a connection the server closes after it.
fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .unwrap();
    stream
}

fn request(addr: SocketAddr, method: &str, target: &str, body: &[u8]) -> Answer {
    let mut raw = format!(
        "{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    let mut stream = connect(addr);
    // A request refused from its head (too large, busy) is answered and closed before its
    // body is read: a failed write then is expected, and the answer tells.
    let _ = stream.write_all(&raw);
    read_answer(&mut stream)
}

/// `idphoto check` of `path` as JSON, writing any corrected photo into `out` (`None`:
/// `--no-fix`).
fn cli_json(path: &Path, out: Option<&Path>) -> Value {
    let mut cmd = idphoto();
    cmd.arg("check")
        .arg(path)
        .args(["--city", "dongguan", "--format", "json", "--lang", "en"]);
    match out {
        Some(dir) => cmd.arg("--out-dir").arg(dir),
        None => cmd.arg("--no-fix"),
    };
    let output = cmd.output().unwrap();
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

/// The report without what names files and the API's own fields, which differ by design.
fn comparable(mut report: Value) -> Value {
    let object = report.as_object_mut().unwrap();
    for key in [
        "file",
        "output",
        "corrected_jpeg",
        "sheet_jpeg",
        "preview_png",
    ] {
        object.remove(key);
    }
    if let Some(c) = object.get_mut("correction").and_then(Value::as_object_mut) {
        c.remove("path");
    }
    report
}

fn b64(value: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str().expect("base64 text"))
        .unwrap()
}

/// The API judges a photo exactly as `idphoto check --format json` does: same verdict, checks,
/// file facts, face and correction; its corrected photo is byte for byte the file the command
/// line writes; `file` is the uploaded name and `output` the corrected photo's file name.
#[test]
fn a_photo_gets_the_report_and_corrected_photo_the_command_line_gives() {
    let addr = start(|_| {});
    let photo = std::fs::read(portrait()).unwrap();
    let answer = request(
        addr,
        "POST",
        "/v1/check?city=dongguan&lang=en&name=portrait.jpg",
        &photo,
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let api = answer.json();
    assert_eq!(api["file"], "portrait.jpg");
    assert_eq!(api["output"], "portrait.dongguan.jpg");
    assert_eq!(api["correction"]["status"], "written");

    let out = tempfile::tempdir().unwrap();
    let cli = cli_json(&portrait(), Some(out.path()));
    let written = std::fs::read(out.path().join("portrait.dongguan.jpg")).unwrap();
    assert_eq!(b64(&api["corrected_jpeg"]), written);
    let preview = b64(&api["preview_png"]);
    assert!(preview.starts_with(b"\x89PNG"), "a PNG preview");
    assert_eq!(api["sheet_jpeg"], Value::Null);
    assert_eq!(comparable(api), comparable(cli));
}

/// A shared real photo with `fix=false`: the same checks as `--no-fix`, and no files at all
/// (its `name` gives the extension `file.format` compares, as the command line's path does).
#[test]
fn a_shared_photo_without_correction_matches_no_fix() {
    let Some(data) = testdata() else { return };
    let path = data.join("photos/biden_1.jpg");
    let addr = start(|_| {});
    let answer = request(
        addr,
        "POST",
        "/v1/check?city=dongguan&lang=en&fix=false&preview=false&name=biden_1.jpg",
        &std::fs::read(&path).unwrap(),
    );
    assert_eq!(answer.status, 200);
    let api = answer.json();
    assert_eq!(api["file"], "biden_1.jpg");
    for key in ["corrected_jpeg", "preview_png", "correction"] {
        assert_eq!(api[key], Value::Null, "{key}");
    }
    let cli = cli_json(&path, None);
    assert_eq!(comparable(api), comparable(cli));
}

/// Bytes that are not a whole photo: 400, with the command line's message and hint.
#[test]
fn corrupt_bytes_are_a_400_with_the_command_lines_message() {
    let addr = start(|_| {});
    let photo = std::fs::read(portrait()).unwrap();
    let broken = &photo[..photo.len() / 2];
    let answer = request(
        addr,
        "POST",
        "/v1/check?city=dongguan&lang=en&name=broken.jpg",
        broken,
    );
    assert_eq!(answer.status, 400);
    let api = answer.json();
    assert_eq!(api["verdict"], "error");

    let dir = tempfile::tempdir().unwrap();
    let path = crate::util::write(dir.path(), "broken.jpg", broken);
    let cli = cli_json(&path, Some(dir.path()));
    let message = cli["error"]
        .as_str()
        .unwrap()
        .replace(&path.display().to_string(), "broken.jpg");
    assert_eq!(api["error"], message.as_str());
    assert_eq!(api["error_hint"], cli["error_hint"]);

    let answer = request(addr, "POST", "/v1/check?city=dongguan", b"hello");
    assert_eq!(answer.status, 400);
    let api = answer.json();
    assert_eq!(api["file"], Value::Null, "no name, no file");
    let error = api["error"].as_str().unwrap();
    assert!(error.starts_with("(photo bytes): not an image"), "{error}");
}

/// A city or document idphoto does not know: 404 with the command line's message; a bad
/// parameter: 400.
#[test]
fn unknown_city_is_a_404_and_a_bad_parameter_a_400() {
    let addr = start(|_| {});
    let answer = request(addr, "POST", "/v1/check?city=dongguann", b"x");
    assert_eq!(answer.status, 404);
    let stderr = idphoto()
        .args(["specs", "show", "dongguann"])
        .output()
        .unwrap()
        .stderr;
    let stderr = String::from_utf8(stderr).unwrap();
    let error = answer.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("did you mean \"dongguan\""), "{error}");
    assert!(stderr.contains(&error), "{stderr} / {error}");
    let answer = request(addr, "GET", "/v1/specs/dongguan/space-suit", b"");
    assert_eq!(answer.status, 404);
    let answer = request(addr, "POST", "/v1/check?city=dongguan&colour=red", b"x");
    assert_eq!(answer.status, 400);
    let answer = request(
        addr,
        "POST",
        "/v1/check?city=dongguan&background=green",
        b"x",
    );
    assert_eq!(answer.status, 400);
    assert!(answer.json()["error"].as_str().unwrap().contains("green"));
}

/// Over the body cap: 413 from the declared length before the body is read, and 413 from the
/// bytes themselves when no length is declared (chunked).
#[test]
fn a_body_over_the_cap_is_a_413() {
    let addr = start(|c| c.max_body = 1000);
    let answer = request(
        addr,
        "POST",
        "/v1/check?city=dongguan&name=big.jpg",
        &[0; 1001],
    );
    assert_eq!(answer.status, 413);
    let error = answer.json()["error"].as_str().unwrap().to_string();
    assert_eq!(
        error,
        "big.jpg: file is 1001 bytes, over the limit of 1000 bytes"
    );

    let mut raw = b"POST /v1/check?city=dongguan HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
                    Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..3 {
        raw.extend_from_slice(b"200\r\n");
        raw.extend_from_slice(&[0; 0x200]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let mut stream = connect(addr);
    // The server may answer and close before the last bytes: what matters is its answer.
    let _ = stream.write_all(&raw);
    assert_eq!(read_answer(&mut stream).status, 413);
}

/// With one photo in flight and no queue, a second photo is answered 503 with Retry-After
/// while the first holds its place. The first holds it deterministically: it asks
/// `Expect: 100-continue`, and the server says "continue" only once the photo has its place.
#[test]
fn a_photo_beyond_the_places_is_a_503_with_retry_after() {
    let addr = start(|c| {
        c.threads = 1;
        c.queue = 0;
    });
    let photo = std::fs::read(portrait()).unwrap();
    let mut first = connect(addr);
    write!(
        first,
        "POST /v1/check?city=dongguan&fix=false HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        photo.len()
    )
    .unwrap();
    let mut interim = [0u8; 25];
    first.read_exact(&mut interim).unwrap();
    assert!(
        interim.starts_with(b"HTTP/1.1 100 Continue\r\n"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    let busy = request(addr, "POST", "/v1/check?city=dongguan", &photo);
    assert_eq!(busy.status, 503);
    assert_eq!(busy.header("retry-after"), Some("5"));
    assert!(busy.json()["error"].as_str().unwrap().starts_with("busy"));
    // The first photo, once sent, is checked as usual, and its place is free again after.
    first.write_all(&photo).unwrap();
    let mut rest = Vec::new();
    first.read_to_end(&mut rest).unwrap();
    let rest = String::from_utf8_lossy(&rest);
    let start: String = rest.chars().take(200).collect();
    assert!(rest.starts_with("HTTP/1.1 200 OK"), "{start}");
    let answer = request(addr, "GET", "/healthz", b"");
    assert_eq!(answer.status, 200);
}

/// The spec list is `idphoto specs list --format json`; one spec resolves as `specs show`
/// does; the page is served with its policy, and nothing else is.
#[test]
fn specs_health_and_page_are_served() {
    let addr = start(|_| {});
    let list = request(addr, "GET", "/v1/specs", b"");
    assert_eq!(list.status, 200);
    let cli = idphoto()
        .args(["specs", "list", "--format", "json"])
        .output()
        .unwrap()
        .stdout;
    let cli: Value = serde_json::from_slice(&cli).unwrap();
    assert_eq!(list.json(), cli);

    let one = request(addr, "GET", "/v1/specs/%E4%B8%9C%E8%8E%9E/passport", b"");
    assert_eq!(one.status, 200);
    let one = one.json();
    assert_eq!(one["spec"], "dongguan/passport");
    let toml = idphoto()
        .args(["specs", "show", "dongguan", "--doc", "passport"])
        .output()
        .unwrap()
        .stdout;
    let toml = String::from_utf8(toml).unwrap();
    assert!(toml.ends_with(one["toml"].as_str().unwrap()));

    assert_eq!(request(addr, "GET", "/healthz", b"").json()["status"], "ok");
    let page = request(addr, "GET", "/", b"");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("<script src=\"page.js\""));
    for asset in ["/page.js", "/page.css"] {
        assert_eq!(request(addr, "GET", asset, b"").status, 200, "{asset}");
    }
    assert_eq!(request(addr, "GET", "/secret", b"").status, 404);
    assert_eq!(request(addr, "GET", "/v1/check", b"").status, 405);
}
