//! `revsim serve`: a local what-if page for the scenarios of one folder.
//!
//! The page (HTML, CSS and a little JavaScript, embedded in the binary: nothing is loaded from
//! the network) lists the folder's scenarios; for the one chosen it shows P(hit plan) by fiscal
//! year with its interval, the bookings distribution against plan and the fans, drawn by the
//! reports' chart code ([`crate::charts`]). Its controls are `--set` overrides, loaded exactly
//! as the command line loads them, so a bad value gets the command line's message; each change
//! reruns the file and the variant on the file's seed (common random numbers) and shows the
//! paired differences of [`crate::compare`]: first from at most
//! [`sim::PRELIMINARY_TRIALS`] trials, marked preliminary, then from the scenario's trials. A
//! newer change stops the stale computation between blocks of trials; each page runs one
//! simulation at a time (on rayon, from a blocking task).
//!
//! Safe by default ([`security`]): it listens on 127.0.0.1; it answers only requests whose Host
//! is the address it listens on (or `localhost`) and whose Origin, if any, is its own; every
//! request of the page's script carries the page's random token; it reads and writes only
//! `.toml` files directly in the folder (no traversal, no link out), never overwrites, and caps
//! request bodies and trial counts.

mod page;
mod routes;
pub mod security;
pub mod sim;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::diagnostic::InputError;

/// The port `revsim serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8707;

/// The most trials one answer runs unless told otherwise.
pub const DEFAULT_MAX_TRIALS: usize = 100_000;

/// Largest request body, bytes: a page's overrides fit many times over.
pub const MAX_BODY: usize = 64 * 1024;

/// Pages remembered at once; the oldest is forgotten (and must be reloaded) beyond it.
pub const MAX_PAGES: usize = 64;

/// How `revsim serve` runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The folder whose scenarios it serves.
    pub dir: PathBuf,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port (0: any free port).
    pub port: u16,
    /// Most trials one answer runs.
    pub max_trials: usize,
}

/// One open page: its token, and the computation it runs.
#[derive(Debug, Default)]
pub(crate) struct Page {
    /// Held while the page's simulation runs: one at a time.
    busy: Mutex<()>,
    /// The stop flag of its latest computation.
    current: Mutex<Option<Arc<AtomicBool>>>,
}

impl Page {
    /// A stop flag for a new computation; the previous one is told to stop.
    fn supersede(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = cur.replace(flag.clone()) {
            old.store(true, Ordering::Relaxed);
        }
        flag
    }
}

#[derive(Debug, Default)]
struct Pages {
    by_token: HashMap<String, Arc<Page>>,
    order: VecDeque<String>,
}

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The folder served, resolved.
    root: PathBuf,
    /// The folder as the user named it (messages name files under it).
    given: PathBuf,
    /// The address listened on.
    bound: SocketAddr,
    max_trials: usize,
    pages: Mutex<Pages>,
    /// The files' runs, shared by the pages.
    cache: sim::Cache,
}

impl AppState {
    /// A new page and its token.
    fn open_page(&self) -> String {
        let token = security::token();
        let mut p = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if p.order.len() >= MAX_PAGES
            && let Some(old) = p.order.pop_front()
            && let Some(page) = p.by_token.remove(&old)
        {
            page.supersede();
        }
        p.by_token.insert(token.clone(), Arc::default());
        p.order.push_back(token.clone());
        token
    }

    fn page(&self, token: &str) -> Option<Arc<Page>> {
        let p = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        p.by_token.get(token).cloned()
    }
}

/// Whether `ip` is this machine only.
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// Serves `o.dir` until the process is stopped. `ready` is called with the page's address
/// once the server listens.
pub fn serve(o: &Options, ready: impl FnOnce(&str)) -> anyhow::Result<()> {
    let root = security::root(&o.dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((o.host, o.port))
            .await
            .map_err(|e| bind_error(o, &e))?;
        let bound = listener.local_addr()?;
        let state = Arc::new(AppState {
            root,
            given: o.dir.clone(),
            bound,
            max_trials: o.max_trials,
            pages: Mutex::default(),
            cache: sim::Cache::default(),
        });
        ready(&address(bound));
        axum::serve(listener, routes::router(state)).await?;
        Ok(())
    })
}

/// The page's address for `bound`.
pub fn address(bound: SocketAddr) -> String {
    format!("http://{bound}/")
}

fn bind_error(o: &Options, e: &std::io::Error) -> InputError {
    let help = if e.kind() == std::io::ErrorKind::AddrInUse {
        format!(
            "another program uses port {}: choose another with --port, or --port 0 for any free one",
            o.port
        )
    } else {
        "check --host (an address of this machine) and --port".to_string()
    };
    InputError::file(
        "--port",
        format!("cannot listen on {}:{}: {e}", o.host, o.port),
    )
    .help(help)
}

/// Name of the folder for messages.
pub fn folder_label(dir: &Path) -> String {
    dir.display().to_string()
}
