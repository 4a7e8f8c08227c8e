//! The HTML reports in a real headless browser (Debian's `chromium`): they render non-blank
//! at laptop width, make no network request, and show user text as text, never as markup.
//!
//! Every request the browser makes goes through a proxy this test runs on loopback, so any
//! attempt to reach the network is seen. A control page that does fetch a remote image proves
//! the proxy would notice.
//!
//! Without a browser the tests say so and pass, unless `REVSIM_REQUIRE_BROWSER=1` (set by
//! `.ci/run`, which installs chromium), in which case they fail.

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::Command;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

pub(crate) fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        let required = std::env::var("REVSIM_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "REVSIM_REQUIRE_BROWSER=1 but no chromium on PATH (install Debian's `chromium`)"
        );
        eprintln!("SKIPPED: no chromium on PATH; set REVSIM_REQUIRE_BROWSER=1 to make this fail");
    }
    found
}

/// A proxy on loopback that counts the connections made to it and answers none of them.
struct Trap {
    port: u16,
    hits: Arc<AtomicUsize>,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
}

fn trap() -> Trap {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, log) = (hits.clone(), requests.clone());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let _ = conn.set_read_timeout(Some(Duration::from_millis(1000)));
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf).unwrap_or(0);
            let line = String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            log.lock().unwrap().push(line);
            seen.fetch_add(1, Ordering::SeqCst);
            // Dropping the connection fails the request.
        }
    });
    Trap {
        port,
        hits,
        requests,
    }
}

/// Runs the browser on `page` with `what` (`--screenshot=...` or `--dump-dom`); returns stdout.
fn chromium(exe: &Path, trap: &Trap, profile: &Path, page: &Path, what: &str) -> String {
    let url = format!("file://{}", page.display());
    let out = Process::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter",
            "--no-pings",
            "--hide-scrollbars",
            "--window-size=1366,900",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--proxy-server=http://127.0.0.1:{}", trap.port))
        .arg("--proxy-bypass-list=<-loopback>")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(what)
        .arg(&url)
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Share of pixels that are not near-white, and the number of distinct colours.
fn ink(png_path: &Path) -> (u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    let n = px.len() / channels;
    let inked = px
        .chunks(channels)
        .filter(|p| p[..3].iter().any(|c| *c < 200))
        .count();
    let mut colours: Vec<&[u8]> = px.chunks(channels).map(|p| &p[..3]).collect();
    colours.sort_unstable();
    colours.dedup();
    (info.width, inked as f64 / n as f64, colours.len())
}

const HOSTILE_NAME: &str = "<script>document.title='pwned'</script><b>Q4 push</b>";
const HOSTILE_DESCRIPTION: &str = "\"Big\" & <img src=x onerror=alert(1)> bets";

fn hostile_scenario(dir: &Path) -> PathBuf {
    let base =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vp-churn.toml"))
            .unwrap();
    let mut lines: Vec<String> = base
        .lines()
        .filter(|l| !l.starts_with("name =") && !l.starts_with("description ="))
        .map(String::from)
        .collect();
    let name = toml::Value::String(HOSTILE_NAME.into()).to_string();
    let description = toml::Value::String(HOSTILE_DESCRIPTION.into()).to_string();
    lines.insert(0, format!("name = {name}\ndescription = {description}"));
    // vp-churn extends the baseline, which must sit beside it.
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        dir.join("baseline.toml"),
    )
    .unwrap();
    let path = dir.join("hostile.toml");
    fs::write(&path, lines.join("\n")).unwrap();
    path
}

/// The host a proxied request line asks for: `CONNECT host:443 ...` or `GET http://host/...`.
fn host(request: &str) -> &str {
    let target = request.split_whitespace().nth(1).unwrap_or("");
    let target = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
        .unwrap_or(target);
    let end = target.find(['/', ':']).unwrap_or(target.len());
    &target[..end]
}

/// Chromium's own background traffic (component updates, sign-in, network time), which even
/// a blank page shows with every background-networking switch off. The test measures it on a
/// blank page and adds the hosts seen here; anything else is the page's doing.
const CHROMIUM_SERVICE_HOSTS: [&str; 3] = [
    "update.googleapis.com",
    "accounts.google.com",
    "clients2.google.com",
];

fn check_report(
    exe: &Path,
    trap: &Trap,
    browser_own: &[String],
    tmp: &Path,
    report: &Path,
    label: &str,
) {
    let before = trap.hits.load(Ordering::SeqCst);
    let shot = tmp.join(format!("{label}.png"));
    chromium(
        exe,
        trap,
        &tmp.join(format!("profile-{label}-1")),
        report,
        &format!("--screenshot={}", shot.display()),
    );
    let (width, share, colours) = ink(&shot);
    assert_eq!(width, 1366, "{label}: laptop width");
    assert!(share > 0.01, "{label}: page looks blank ({share:.3} inked)");
    assert!(
        colours > 50,
        "{label}: page looks blank ({colours} colours)"
    );

    let dom = chromium(
        exe,
        trap,
        &tmp.join(format!("profile-{label}-2")),
        report,
        "--dump-dom",
    );
    assert!(dom.contains("<svg"), "{label}: charts are in the page");
    assert!(!dom.contains("<script"), "{label}: a script element got in");
    assert!(
        !dom.contains("<b>Q4"),
        "{label}: markup from the scenario name was parsed"
    );
    assert!(
        !dom.contains("<img"),
        "{label}: markup from the description was parsed"
    );
    assert!(
        dom.contains("&lt;b&gt;Q4 push&lt;/b&gt;"),
        "{label}: the scenario name is shown as text"
    );
    assert!(
        !dom.contains("pwned</title>"),
        "{label}: the title was rewritten"
    );
    let requests: Vec<String> = trap.requests.lock().unwrap()[before..]
        .iter()
        // Chromium may open a spare connection to the proxy and send nothing on it: no request.
        .filter(|r| !r.is_empty())
        .filter(|r| !browser_own.iter().any(|h| host(r) == *h))
        .cloned()
        .collect();
    assert!(
        requests.is_empty(),
        "{label}: the page made network requests: {requests:?}"
    );
    // And statically: nothing in the markup can load anything.
    let html = fs::read_to_string(report).unwrap().to_lowercase();
    // Escaped user text holds no '<', so every '<' opens a real tag.
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        for bad in ["src=", "href=", "srcset=", "poster=", "data="] {
            assert!(
                !tag.contains(&format!(" {bad}")),
                "{label}: a tag loads something: <{tag}>"
            );
        }
        for name in ["script", "link", "iframe", "object", "embed", "img"] {
            assert!(
                tag.split_whitespace().next() != Some(name),
                "{label}: report.html has a <{name}> element"
            );
        }
    }
    let style = html
        .split("<style>")
        .nth(1)
        .and_then(|s| s.split("</style>").next())
        .unwrap_or("");
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{label}: the stylesheet loads something"
    );
}

#[test]
fn reports_render_offline_and_escape_user_text() {
    let Some(exe) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let trap = trap();

    // What the browser fetches on its own, with a blank page.
    let blank = tmp.path().join("blank.html");
    fs::write(
        &blank,
        "<!DOCTYPE html><html><body><p>blank</p></body></html>",
    )
    .unwrap();
    chromium(
        &exe,
        &trap,
        &tmp.path().join("profile-blank"),
        &blank,
        "--dump-dom",
    );
    let mut browser_own: Vec<String> = trap
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| host(r).to_string())
        .collect();
    browser_own.extend(CHROMIUM_SERVICE_HOSTS.map(String::from));
    let after_blank = trap.hits.load(Ordering::SeqCst);

    // The control: a page that fetches a remote image must be caught by the trap.
    let control = tmp.path().join("control.html");
    fs::write(
        &control,
        "<!DOCTYPE html><html><body><p>control</p><img src=\"http://example.com/pixel.png\"></body></html>",
    )
    .unwrap();
    chromium(
        &exe,
        &trap,
        &tmp.path().join("profile-control"),
        &control,
        "--dump-dom",
    );
    let seen: Vec<String> = trap.requests.lock().unwrap()[after_blank..].to_vec();
    assert!(
        seen.iter().any(|r| host(r) == "example.com"),
        "the proxy trap did not see the control page's request ({seen:?}); the check would prove nothing"
    );

    let scenario = hostile_scenario(tmp.path());
    let run_out = tmp.path().join("run");
    revsim()
        .args(["run", "-q", "--trials", "300", "--out"])
        .arg(&run_out)
        .arg(&scenario)
        .assert()
        .success();
    check_report(
        &exe,
        &trap,
        &browser_own,
        tmp.path(),
        &run_out.join("report.html"),
        "run",
    );

    let compare_out = tmp.path().join("compare");
    revsim()
        .args(["compare", "-q", "--trials", "300", "--out"])
        .arg(&compare_out)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vp-stable.toml"))
        .arg(&scenario)
        .assert()
        .success();
    check_report(
        &exe,
        &trap,
        &browser_own,
        tmp.path(),
        &compare_out.join("report.html"),
        "compare",
    );
}
