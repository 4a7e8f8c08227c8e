//! The server's addresses: the page and its assets, and the page's API (`/api/...`), every API
//! request carrying the page's token.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::sim::{self, Ask, Failure, FieldError};
use super::{AppState, MAX_BODY, Page, page, security};

type Shared = Arc<AppState>;

/// The header that carries the page's token.
pub const TOKEN_HEADER: &str = "x-revsim-token";

/// Every route, behind the Host and Origin checks and the body limit.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/page.js", get(|| asset("text/javascript", page::JS)))
        .route("/page.css", get(|| asset("text/css", page::CSS)))
        .route("/api/scenarios", post(scenarios))
        .route("/api/run", post(run))
        .route("/api/report", post(report))
        .route("/api/save", post(save))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Refuses a request whose Host is not the server's own name (DNS rebinding) or whose Origin
/// is another site's (a cross-site request), and adds headers that keep the page to itself.
async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let mut res = match refusal(&st, req.headers()) {
        Some(why) => forbidden(why),
        None => next.run(req).await,
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Why a request is refused, if it is: a foreign Host or Origin.
fn refusal(st: &AppState, headers: &HeaderMap) -> Option<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !security::host_allowed(host, st.bound) {
        return Some(format!(
            "this server answers only at {} (Host {host:?} refused)",
            super::address(st.bound)
        ));
    }
    let foreign = headers.get(header::ORIGIN).is_some_and(|origin| {
        !origin
            .to_str()
            .is_ok_and(|o| security::origin_allowed(o, host))
    });
    foreign.then(|| "requests from another site are refused".to_string())
}

fn forbidden(why: String) -> Response {
    (StatusCode::FORBIDDEN, why).into_response()
}

async fn asset(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// The page, with a fresh token: each load is a page of its own.
async fn index(State(st): State<Shared>) -> Response {
    let token = st.open_page();
    let html = page::HTML.replace("{{TOKEN}}", &token);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// The page the request's token names, or the refusal.
fn page_of(st: &AppState, headers: &HeaderMap) -> Result<Arc<Page>, Response> {
    headers
        .get(TOKEN_HEADER)
        .and_then(|t| t.to_str().ok())
        .and_then(|t| st.page(t))
        .ok_or_else(|| {
            forbidden("this request lacks the page's token: reload the page".to_string())
        })
}

#[derive(Serialize)]
struct Listed {
    file: String,
    name: Option<String>,
    description: Option<String>,
    error: Option<String>,
    controls: Vec<sim::ControlValue>,
    plan: Vec<(String, u32)>,
}

async fn scenarios(State(st): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = page_of(&st, &headers) {
        return r;
    }
    let st2 = st.clone();
    let listed = tokio::task::spawn_blocking(move || {
        security::list(&st2.root)
            .into_iter()
            .map(|file| {
                match crate::scenario::Scenario::load(
                    &security::scenario_path(&st2.root, &st2.given, &file)
                        .unwrap_or_else(|_| st2.given.join(&file)),
                ) {
                    Ok(s) => {
                        let (controls, plan) = sim::controls(&s);
                        Listed {
                            file,
                            name: Some(s.name),
                            description: Some(s.description),
                            error: None,
                            controls,
                            plan,
                        }
                    }
                    Err(e) => Listed {
                        file,
                        name: None,
                        description: None,
                        error: Some(e.report(false)),
                        controls: Vec::new(),
                        plan: Vec::new(),
                    },
                }
            })
            .collect::<Vec<_>>()
    })
    .await;
    match listed {
        Ok(l) => Json(l).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// What the page asks to run, report or save.
#[derive(Debug, Deserialize)]
struct RunRequest {
    /// Scenario file in the folder.
    scenario: String,
    /// `key=value` overrides.
    #[serde(default)]
    sets: Vec<String>,
    /// Trials (default: the scenario's).
    trials: Option<usize>,
    /// The first, smaller answer.
    #[serde(default)]
    preliminary: bool,
    /// Name of the file to save.
    #[serde(default)]
    name: String,
}

fn invalid(errors: Vec<FieldError>) -> Response {
    #[derive(Serialize)]
    struct Errors {
        errors: Vec<FieldError>,
    }
    (StatusCode::UNPROCESSABLE_ENTITY, Json(Errors { errors })).into_response()
}

fn input_error(e: crate::diagnostic::InputError) -> Response {
    invalid(vec![FieldError {
        key: None,
        message: e.report(false),
    }])
}

/// Sets the stop flag when dropped: a closed connection stops its computation.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` for the page: stops its previous computation, waits for it to end (one
/// simulation per page at a time), and stops this one when the request goes away.
async fn on_page<T: Send + 'static>(
    st: &Shared,
    headers: &HeaderMap,
    req: &RunRequest,
    work: impl FnOnce(Ask<'_>, &AtomicBool) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Response> {
    let page = page_of(st, headers)?;
    let path = security::scenario_path(&st.root, &st.given, &req.scenario).map_err(input_error)?;
    let stop = page.supersede();
    let _guard = StopOnDrop(stop.clone());
    let (file, sets, trials, max_trials) = (
        req.scenario.clone(),
        req.sets.clone(),
        req.trials,
        st.max_trials,
    );
    let done = tokio::task::spawn_blocking(move || {
        let _one = page.busy.lock().unwrap_or_else(|e| e.into_inner());
        if stop.load(Ordering::Relaxed) {
            return Err(Failure::Stopped);
        }
        let ask = Ask {
            path: &path,
            file: &file,
            sets: &sets,
            trials,
            max_trials,
        };
        work(ask, &stop)
    })
    .await;
    match done {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(Failure::Invalid(e))) => Err(invalid(e)),
        Ok(Err(Failure::Stopped)) => Err((
            StatusCode::CONFLICT,
            "stopped: a newer change replaced this computation",
        )
            .into_response()),
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()),
    }
}

async fn run(
    State(st): State<Shared>,
    headers: HeaderMap,
    Json(req): Json<RunRequest>,
) -> Response {
    let preliminary = req.preliminary;
    let shared = st.clone();
    match on_page(&st, &headers, &req, move |ask, stop| {
        sim::answer(&ask, preliminary, &shared.cache, stop)
    })
    .await
    {
        Ok(a) => Json(a).into_response(),
        Err(r) => r,
    }
}

async fn report(
    State(st): State<Shared>,
    headers: HeaderMap,
    Json(req): Json<RunRequest>,
) -> Response {
    match on_page(&st, &headers, &req, |ask, stop| {
        sim::report_html(&ask, stop)
    })
    .await
    {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"report.html\"",
                ),
            ],
            html,
        )
            .into_response(),
        Err(r) => r,
    }
}

#[derive(Serialize)]
struct Saved {
    file: String,
}

async fn save(
    State(st): State<Shared>,
    headers: HeaderMap,
    Json(req): Json<RunRequest>,
) -> Response {
    let name = match security::new_name(&req.name) {
        Ok(n) => n,
        Err(e) => return input_error(e),
    };
    let stem = name.trim_end_matches(".toml").to_string();
    let text = match on_page(&st, &headers, &req, move |ask, _| {
        sim::extending(&ask, &stem)
    })
    .await
    {
        Ok(t) => t,
        Err(r) => return r,
    };
    match security::create(&st.root, &name, &text) {
        Ok(path) => {
            // The saved file must load as the page's state did; a file that does not is removed.
            if let Err(e) = crate::scenario::Scenario::load(&st.root.join(&name)) {
                let _ = std::fs::remove_file(&path);
                return input_error(e);
            }
            Json(Saved { file: name }).into_response()
        }
        Err(e) => input_error(e),
    }
}
