//! `idphoto serve`: the checks over HTTP, for people (a page at `/`) and for other systems (a
//! JSON API under `/v1/`).
//!
//! Every photo takes the route `idphoto check` gives it ([`crate::check_photo_in_memory`]), so
//! the API and the command line cannot disagree; its report is the `--format json` object.
//! Photos stay in memory: nothing is written to disk, and the log holds only the method, path,
//! status, sizes and duration of each request.
//!
//! The host is protected by bounds on everything a client controls: the body (a cap, checked
//! against `Content-Length` before a byte is read), the photo's pixels (the command line's
//! [`Limits`]), the photos in flight (at most `threads` checked at once and `queue` more holding
//! a place, the rest answered 503 with `Retry-After`), the time a photo may take, the time a
//! client may take to send its headers and body, the number of open connections and how long
//! one may stay open.
//!
//! The server is tokio and hyper, HTTP/1.1 only; checks run on tokio's blocking threads, the
//! network side on one small async runtime. See `docs/architecture.md` for why.

use crate::correct::{background_choice, Fix, Paper};
use crate::decode::{self, Limits};
use crate::error::Error;
use crate::lang::Lang;
use crate::pipeline::{self, Options, Outputs};
use crate::report::{self, Report};
use crate::spec::{Library, Spec};
use base64::Engine as _;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The page, its script and its style, embedded: the binary serves them with no build step and
/// nothing fetched from elsewhere.
const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// What the browser may do with the page: only its own script and style, images from the
/// answers it decodes, requests to this server.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; \
base-uri 'none'";

/// Seconds a client told the server is busy should wait before trying again.
const RETRY_AFTER_S: u64 = 5;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Photos checked at once. Default: the number of logical cores.
    pub threads: usize,
    /// Photos waiting for a thread beyond those; one more is answered 503. Default: 2 × threads.
    pub queue: usize,
    /// Largest request body, bytes. Default 25 MB.
    pub max_body: u64,
    /// Decoding limits (pixels, decoded bytes); the file size limit is `max_body`.
    pub limits: Limits,
    /// Longest a photo may wait for a thread and be checked; then 503. Default 60 s.
    pub check_timeout: Duration,
    /// Longest a client may take to send a request's headers, and then its body. Default 30 s.
    pub client_timeout: Duration,
    /// Longest a connection stays open, whatever it does. Default 10 min.
    pub connection_lifetime: Duration,
    /// Most connections open at once; more wait to be accepted. Default 256.
    pub max_connections: usize,
    /// Write one line per request to stderr. Default true.
    pub log: bool,
}

impl Config {
    /// The defaults, listening on `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            addr,
            threads,
            queue: 2 * threads,
            max_body: 25 * 1000 * 1000,
            limits: Limits::default(),
            check_timeout: Duration::from_secs(60),
            client_timeout: Duration::from_secs(30),
            connection_lifetime: Duration::from_secs(600),
            max_connections: 256,
            log: true,
        }
    }
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: std::net::TcpListener,
    runtime: tokio::runtime::Runtime,
    state: Arc<State>,
}

/// What every request handler shares.
struct State {
    config: Config,
    library: Library,
    /// `GET /v1/specs`, made once.
    specs: Bytes,
    /// A place per photo being checked or waiting: a request that finds none is answered 503.
    places: Arc<Semaphore>,
    /// A permit per photo being checked.
    workers: Arc<Semaphore>,
}

/// Binds `config.addr` and prepares the runtime; the networks start loading in the background.
/// Fails when the address cannot be bound or a spec of `library` is invalid.
pub fn bind(config: Config, library: Library) -> Result<Server, Error> {
    let io = |source| Error::Io {
        path: config.addr.to_string().into(),
        source,
    };
    let specs = serde_json::to_vec_pretty(&library.summaries()?).unwrap_or_default();
    let listener = std::net::TcpListener::bind(config.addr).map_err(io)?;
    listener.set_nonblocking(true).map_err(io)?;
    let threads = config.threads.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(threads)
        .enable_io()
        .enable_time()
        .thread_name("idphoto-serve")
        .build()
        .map_err(io)?;
    let state = State {
        places: Arc::new(Semaphore::new(threads + config.queue)),
        workers: Arc::new(Semaphore::new(threads)),
        specs: Bytes::from(specs),
        library,
        config,
    };
    Ok(Server {
        listener,
        runtime,
        state: Arc::new(state),
    })
}

impl Server {
    /// The address really bound (port 0 asks the system for a free one).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process ends.
    pub fn run(self) -> std::io::Result<()> {
        let Server {
            listener,
            runtime,
            state,
        } = self;
        runtime.block_on(accept_loop(listener, state))
    }
}

async fn accept_loop(listener: std::net::TcpListener, state: Arc<State>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let connections = Arc::new(Semaphore::new(state.config.max_connections.max(1)));
    loop {
        let Ok(permit) = connections.clone().acquire_owned().await else {
            return Ok(());
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                if state.config.log {
                    eprintln!("idphoto serve: accept failed: {e}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let (lifetime, client) = (
                state.config.connection_lifetime,
                state.config.client_timeout,
            );
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, request).await) }
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(Some(client));
            let connection = http.serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(lifetime, connection).await;
            drop(permit);
        });
    }
}

type Answer = Response<Full<Bytes>>;

/// Answers one request and logs it: method, path (never the query), status, sizes, duration.
async fn handle(state: &State, request: Request<Incoming>) -> Answer {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let (answer, received) = route(state, request).await;
    if state.config.log {
        eprintln!(
            "{method} {} {} in={received} out={} {} ms",
            report::sanitise(&path),
            answer.status().as_u16(),
            answer.body().size_hint().exact().unwrap_or(0),
            started.elapsed().as_millis()
        );
    }
    answer
}

/// The answer and the request body's size.
async fn route(state: &State, request: Request<Incoming>) -> (Answer, usize) {
    let path = request.uri().path();
    let get = matches!(*request.method(), Method::GET | Method::HEAD);
    let answer = match path {
        "/" | "/index.html" if get => page(PAGE, "text/html; charset=utf-8"),
        "/page.js" if get => page(SCRIPT, "text/javascript; charset=utf-8"),
        "/page.css" if get => page(STYLE, "text/css; charset=utf-8"),
        "/healthz" if get => json(StatusCode::OK, &serde_json::json!({"status": "ok"})),
        "/v1/specs" if get => bytes(StatusCode::OK, state.specs.clone(), "application/json"),
        "/v1/check" if *request.method() == Method::POST => {
            let (mut answer, received) = check(state, request).await;
            // Answered without reading the body (refused, busy, too large): the connection
            // cannot carry another request, and a client must be told before it tries.
            if received == 0 {
                answer
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return (answer, received);
        }
        _ if get && path.starts_with("/v1/specs/") => spec(state, path),
        "/" | "/index.html" | "/page.js" | "/page.css" | "/healthz" | "/v1/specs" | "/v1/check" => {
            let mut a = problem(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", None);
            let allow = if path == "/v1/check" {
                "POST"
            } else {
                "GET, HEAD"
            };
            a.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            a
        }
        _ => problem(StatusCode::NOT_FOUND, "no such page", None),
    };
    (answer, 0)
}

/// `GET /v1/specs/{city}/{doc}`: the resolved spec, as `idphoto specs show` gives it.
fn spec(state: &State, path: &str) -> Answer {
    let rest = &path["/v1/specs/".len()..];
    let mut parts = rest.split('/').map(percent_decoded);
    let (Some(city), doc, None) = (parts.next(), parts.next(), parts.next()) else {
        return problem(StatusCode::NOT_FOUND, "no such page", None);
    };
    match state.library.resolve(&city, doc.as_deref()) {
        Ok(spec) => json(
            StatusCode::OK,
            &serde_json::json!({
                "spec": spec.key(),
                "city": spec.city,
                "doc": spec.doc,
                "width_px": spec.width_px,
                "height_px": spec.height_px,
                "rules": spec.body,
                "toml": spec.to_toml(),
            }),
        ),
        Err(e) => error(&e, Lang::En),
    }
}

/// One `%xx`-encoded path segment, decoded (a city named in Chinese arrives so).
fn percent_decoded(segment: &str) -> String {
    form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// What `POST /v1/check` was asked, from its query.
struct CheckQuery {
    city: String,
    doc: Option<String>,
    lang: Lang,
    name: Option<String>,
    fix: bool,
    preview: bool,
    background: Option<String>,
    sheet: Option<Paper>,
}

impl CheckQuery {
    fn parse(query: &str, accept_language: Option<&str>) -> Result<CheckQuery, String> {
        let lang = accept_language
            .filter(|l| l.trim_start().to_lowercase().starts_with("zh"))
            .map_or(Lang::En, |_| Lang::Zh);
        let mut q = CheckQuery {
            city: String::new(),
            doc: None,
            lang,
            name: None,
            fix: true,
            preview: true,
            background: None,
            sheet: None,
        };
        let flag = |key: &str, value: &str| match value {
            "true" | "1" | "" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(format!("{key}={value}: say true or false")),
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            match &*key {
                "city" => q.city = value,
                "doc" => q.doc = Some(value).filter(|d| !d.is_empty()),
                "lang" => {
                    q.lang = match value.as_str() {
                        "zh" => Lang::Zh,
                        "en" => Lang::En,
                        _ => return Err(format!("lang={value}: say zh or en")),
                    }
                }
                "name" => q.name = Some(value).filter(|n| !n.is_empty()),
                "fix" => q.fix = flag(&key, &value)?,
                "preview" => q.preview = flag(&key, &value)?,
                "background" => q.background = Some(value).filter(|b| !b.is_empty()),
                "sheet" if value.is_empty() => q.sheet = None,
                "sheet" => {
                    // The paper's own names, as `--sheet` takes them; "A4" as it is printed.
                    let name = if value == "A4" { "a4" } else { value.as_str() };
                    q.sheet = Paper::ALL.into_iter().find(|p| p.name() == name);
                    if q.sheet.is_none() {
                        return Err(format!("sheet={value}: say 5inch, 6inch or a4"));
                    }
                }
                _ => return Err(format!("unknown parameter {key}")),
            }
        }
        if q.city.is_empty() {
            return Err("city is required, e.g. /v1/check?city=dongguan".into());
        }
        Ok(q)
    }
}

/// `POST /v1/check`: the photo in the body, checked; the report, the corrected photo and the
/// preview in the answer.
async fn check(state: &State, request: Request<Incoming>) -> (Answer, usize) {
    let config = &state.config;
    let accept = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let query = match CheckQuery::parse(request.uri().query().unwrap_or(""), accept) {
        Ok(q) => q,
        Err(message) => return (problem(StatusCode::BAD_REQUEST, &message, None), 0),
    };
    let lang = query.lang;
    let spec = match state.library.resolve(&query.city, query.doc.as_deref()) {
        Ok(s) => s,
        Err(e) => return (error(&e, lang), 0),
    };
    let background = match query
        .background
        .as_deref()
        .map(|b| background_choice(&spec, b))
    {
        Some(Err(e)) => return (problem(StatusCode::BAD_REQUEST, &e.to_string(), None), 0),
        Some(Ok(rgb)) => Some(rgb),
        None => None,
    };
    let name = query.name.clone().unwrap_or_else(|| "(photo bytes)".into());
    let too_large = |bytes: u64| Error::FileTooLarge {
        path: name.clone().into(),
        bytes,
        limit: config.max_body,
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(n) = declared.filter(|&n| n > config.max_body) {
        return (error(&too_large(n), lang), 0);
    }
    // A place before the body is read: the bodies held in memory are bounded by the places.
    let Ok(place) = state.places.clone().try_acquire_owned() else {
        return (busy(lang), 0);
    };
    let limit = usize::try_from(config.max_body).unwrap_or(usize::MAX);
    let body = Limited::new(request.into_body(), limit).collect();
    let body = match tokio::time::timeout(config.client_timeout, body).await {
        Err(_) => {
            let message = "the photo took too long to arrive";
            return (problem(StatusCode::REQUEST_TIMEOUT, message, None), 0);
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return (error(&too_large(config.max_body + 1), lang), 0)
        }
        Ok(Err(e)) => {
            let message = format!("the photo could not be received: {e}");
            return (problem(StatusCode::BAD_REQUEST, &message, None), 0);
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let received = body.len();
    let job = Job {
        name,
        upload_name: query.name.clone(),
        spec,
        options: Options {
            limits: Limits {
                max_file_bytes: config.max_body,
                ..config.limits
            },
            fix: query.fix.then(|| Fix {
                background,
                sheet: query.sheet,
                ..Default::default()
            }),
            preview: query.preview.then(Default::default),
        },
        lang,
    };
    let answer = run_job(state, place, job, body).await;
    (answer, received)
}

/// One photo to check, with all its request said.
struct Job {
    /// Names the photo in messages: the uploaded name, or `(photo bytes)`.
    name: String,
    /// The uploaded name, for the report's `file`.
    upload_name: Option<String>,
    spec: Spec,
    options: Options,
    lang: Lang,
}

/// Waits for a thread (within the time limit), checks the photo on it and answers.
async fn run_job(state: &State, place: OwnedSemaphorePermit, job: Job, body: Bytes) -> Answer {
    let deadline = tokio::time::Instant::now() + state.config.check_timeout;
    let lang = job.lang;
    let worker = tokio::time::timeout_at(deadline, state.workers.clone().acquire_owned()).await;
    let Ok(Ok(worker)) = worker else {
        return busy(lang);
    };
    // The permits go with the work: a photo that outlives its answer still holds its thread.
    // With more than one thread, photos already run side by side: each keeps to its thread.
    let side_by_side = state.config.threads > 1;
    let work = tokio::task::spawn_blocking(move || {
        let answer = if side_by_side {
            crate::parallel::on_this_thread(|| answer_photo(&job, &body))
        } else {
            answer_photo(&job, &body)
        };
        drop((worker, place));
        answer
    });
    match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the check stopped unexpectedly",
            Some(report::bug_hint().get(lang)),
        ),
        Err(_) => {
            let mut a = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "the photo took longer than {} s to check",
                    state.config.check_timeout.as_secs()
                ),
                None,
            );
            retry_after(&mut a);
            a
        }
    }
}

/// Decodes and checks the photo in `body` as `idphoto check --format json` would, and answers
/// its report with the corrected photo, print sheet and preview in base64.
fn answer_photo(job: &Job, body: &[u8]) -> Answer {
    let (spec, lang) = (&job.spec, job.lang);
    let name = Path::new(&job.name);
    let (report, outputs, status) = match decode::decode_bytes(name, body, &job.options.limits) {
        Ok(photo) => {
            let (report, outputs) =
                pipeline::check_photo_in_memory(name, photo, spec, &job.options);
            // A judged photo is a 200 whatever its verdict, as long as it was judged.
            let status = if report.image.is_some() && !report.checks.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (report, outputs, status)
        }
        Err(e) => {
            let status = status_of(&e);
            (
                Report::error(name.into(), spec.key(), &e),
                Outputs::default(),
                status,
            )
        }
    };
    json(
        status,
        &report_json(&report, &outputs, job.upload_name.as_deref(), lang),
    )
}

/// The `--format json` object of `report`, with `file` the uploaded name (or null) and the
/// files the check made, in base64.
pub fn report_json(
    report: &Report,
    outputs: &Outputs,
    upload_name: Option<&str>,
    lang: Lang,
) -> serde_json::Value {
    let mut value = report::to_json(report, lang);
    let b64 = |bytes: &Option<Vec<u8>>| {
        bytes
            .as_deref()
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("file".into(), upload_name.into());
        object.insert("corrected_jpeg".into(), b64(&outputs.corrected).into());
        object.insert("sheet_jpeg".into(), b64(&outputs.sheet).into());
        object.insert("preview_png".into(), b64(&outputs.preview).into());
    }
    value
}

/// The status an error answers with: 404 for a city or document idphoto does not know, 413 for
/// a photo over a size limit, 400 for anything else the request got wrong, 500 for idphoto's
/// own failures.
fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::UnknownCity { .. } | Error::UnknownDocument { .. } => StatusCode::NOT_FOUND,
        Error::FileTooLarge { .. } | Error::TooLarge { .. } | Error::TooManyBytes { .. } => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        Error::Panic { .. } | Error::Model { .. } | Error::Output { .. } | Error::Io { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The answer for an error, with the command line's message and hint.
fn error(e: &Error, lang: Lang) -> Answer {
    let hint = report::error_hint(e);
    problem(
        status_of(e),
        &e.to_string(),
        hint.as_ref().map(|h| h.get(lang)),
    )
}

/// 503: every place taken.
fn busy(lang: Lang) -> Answer {
    let hint = lang.pick(
        "服务器正忙：请几秒后重试",
        "the server is busy: try again in a few seconds",
    );
    let mut a = problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy: every photo place is taken",
        Some(hint),
    );
    retry_after(&mut a);
    a
}

fn retry_after(answer: &mut Answer) {
    answer
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
}

/// A JSON error: `{"error": …, "error_hint": …}`, the fields a report's error has.
fn problem(status: StatusCode, message: &str, hint: Option<&str>) -> Answer {
    json(
        status,
        &serde_json::json!({"error": message, "error_hint": hint}),
    )
}

fn json(status: StatusCode, value: &serde_json::Value) -> Answer {
    let body = serde_json::to_vec(value).unwrap_or_default();
    bytes(status, Bytes::from(body), "application/json")
}

fn bytes(status: StatusCode, body: Bytes, content_type: &'static str) -> Answer {
    let mut answer = Response::new(Full::new(body));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Answers carry people's photos: no cache keeps them.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    answer
}

fn page(text: &'static str, content_type: &'static str) -> Answer {
    let mut answer = bytes(
        StatusCode::OK,
        Bytes::from_static(text.as_bytes()),
        content_type,
    );
    answer.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unknown parameters are refused (a typo'd `citty=` must not check against nothing), the
    /// flags take true/false, and `Accept-Language: zh` picks Chinese unless `lang` says.
    #[test]
    fn the_query_is_read_strictly() {
        let q = CheckQuery::parse(
            "city=%E4%B8%9C%E8%8E%9E&fix=false&sheet=6inch",
            Some("zh-CN"),
        )
        .unwrap();
        assert_eq!(q.city, "东莞");
        assert!(!q.fix && q.preview);
        assert_eq!(q.sheet, Some(Paper::Inch6));
        assert_eq!(q.lang, Lang::Zh);
        let q = CheckQuery::parse("city=dongguan&lang=en", Some("zh-CN")).unwrap();
        assert_eq!(q.lang, Lang::En);
        for (given, paper) in [
            ("a4", Paper::A4),
            ("A4", Paper::A4),
            ("5inch", Paper::Inch5),
        ] {
            let q = CheckQuery::parse(&format!("city=x&sheet={given}"), None).unwrap();
            assert_eq!(q.sheet, Some(paper), "{given}");
        }
        for bad in [
            "citty=dongguan",
            "city=x&sheet=5INCH",
            "city=x&sheet=7inch",
            "city=dongguan&fix=maybe",
            "doc=id-card",
            "city=x&lang=fr",
        ] {
            assert!(CheckQuery::parse(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_follow_the_error() {
        let too_large = Error::FileTooLarge {
            path: "a.jpg".into(),
            bytes: 30,
            limit: 25,
        };
        assert_eq!(status_of(&too_large), StatusCode::PAYLOAD_TOO_LARGE);
        let lib = Library::builtin().unwrap();
        let unknown = lib.resolve("atlantis", None).unwrap_err();
        assert_eq!(status_of(&unknown), StatusCode::NOT_FOUND);
        let not_image = Error::NotAnImage {
            path: "a.jpg".into(),
        };
        assert_eq!(status_of(&not_image), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(percent_decoded("%E4%B8%9C%E8%8E%9E"), "东莞");
        assert_eq!(percent_decoded("id-card"), "id-card");
        assert_eq!(percent_decoded("a+b"), "a+b");
    }
}
