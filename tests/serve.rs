//! `revsim serve` as a browser's script talks to it: the binary on a free port, plain HTTP over a
//! TCP stream. The page's figures must be the command line's (same trials and seed), its errors
//! the command line's messages, and its guards (Host, Origin, token, the folder) must hold.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::common::{scratch, stderr, stdout};

const BASELINE: &str = include_str!("../scenarios/baseline.toml");

/// A running `revsim serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("revsim"))
        .args(["serve", "--port", "0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    Server { child, port }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.0 request (the server closes the connection after it).
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A page's token, as the page's script reads it.
fn token(port: u16) -> String {
    let page = request(port, "GET", "/", &[], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("name=\"revsim-token\" content=\"").unwrap() + 29;
    page.body[at..at + 32].to_string()
}

fn api(port: u16, token: &str, path: &str, body: Value) -> Reply {
    request(
        port,
        "POST",
        path,
        &[("X-Revsim-Token", token)],
        &body.to_string(),
    )
}

/// `revsim run FILE --trials N --format json` with `sets`, in `dir`: its summary.
fn cli_summary(dir: &Path, file: &str, trials: usize, sets: &[&str]) -> Value {
    let mut cmd = Command::cargo_bin("revsim").unwrap();
    cmd.current_dir(dir).args([
        "run",
        file,
        "--trials",
        &trials.to_string(),
        "--format",
        "json",
        "--quiet",
        "--force",
        "--out",
        &format!("out-{file}"),
    ]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// The page's figures of each period (its what-if's when it has one) next to the command
/// line's summary: P(hit plan) and P50 bookings, exactly.
fn assert_same_figures(answer: &Value, summary: &Value) {
    let periods = answer["periods"].as_array().unwrap();
    let mut fys: Vec<&Value> = summary["fiscal_years"].as_array().unwrap().iter().collect();
    fys.push(&summary["horizon"]);
    assert_eq!(periods.len(), fys.len());
    for (p, s) in periods.iter().zip(fys) {
        assert_eq!(p["label"], s["label"]);
        let shown = if p["variant"].is_null() {
            &p["file"]
        } else {
            &p["variant"]
        };
        assert_eq!(shown["p50_usd"], s["bookings_usd"]["p50"], "{}", p["label"]);
        assert_eq!(
            shown["p_hit_plan"]["p"], s["p_hit_plan"]["p"],
            "{}",
            p["label"]
        );
    }
}

#[test]
fn the_page_lists_the_folder_and_answers_only_its_own_address() {
    let dir = scratch(&[
        ("baseline.toml", BASELINE),
        ("broken.toml", "[org]\nseats = \"many\"\n"),
        ("notes.txt", "not a scenario"),
    ]);
    let server = serve(dir.path());
    let port = server.port;
    let t = token(port);
    let list = api(port, &t, "/api/scenarios", json!({}));
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let files: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["baseline.toml", "broken.toml"]);
    assert_eq!(list[0]["name"], "baseline");
    assert!(list[1]["error"].as_str().unwrap().contains("broken.toml"));

    // Another site's name (DNS rebinding), another site's page, no token, an unknown token.
    let rebound = request(
        port,
        "GET",
        "/",
        &[("Host", &format!("evil.example:{port}"))],
        "",
    );
    assert_eq!(rebound.status, 403);
    let cross = request(
        port,
        "POST",
        "/api/scenarios",
        &[("Origin", "http://evil.example"), ("X-Revsim-Token", &t)],
        "{}",
    );
    assert_eq!(cross.status, 403);
    let own = request(
        port,
        "POST",
        "/api/scenarios",
        &[
            ("Origin", &format!("http://127.0.0.1:{port}")),
            ("X-Revsim-Token", &t),
        ],
        "{}",
    );
    assert_eq!(own.status, 200);
    assert_eq!(
        request(port, "POST", "/api/scenarios", &[], "{}").status,
        403
    );
    assert_eq!(
        api(port, "0".repeat(32).as_str(), "/api/scenarios", json!({})).status,
        403
    );
    assert!(
        rebound
            .head
            .to_ascii_lowercase()
            .contains("x-frame-options: deny")
    );

    // Only the folder's own scenario files; a body over the limit is refused.
    for bad in [
        "../baseline.toml",
        "notes.txt",
        "/etc/passwd",
        "missing.toml",
    ] {
        let r = api(
            port,
            &t,
            "/api/run",
            json!({ "scenario": bad, "trials": 10 }),
        );
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    let big = json!({ "scenario": "baseline.toml", "sets": ["x".repeat(100_000)] });
    assert_eq!(api(port, &t, "/api/run", big).status, 413);
}

#[test]
fn a_what_if_gives_the_figures_and_the_errors_of_the_command_line() {
    let dir = scratch(&[("baseline.toml", BASELINE)]);
    let server = serve(dir.path());
    let port = server.port;
    let t = token(port);
    let sets = [
        "attrition.annual_rate=0.35",
        "pipeline.outcomes={ won = 0.27, lost = 0.35, no_decision = 0.38 }",
    ];
    let r = api(
        port,
        &t,
        "/api/run",
        json!({ "scenario": "baseline.toml", "sets": sets, "trials": 300 }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let a = r.json();
    assert_eq!(
        (a["trials"].as_u64(), a["preliminary"].as_bool()),
        (Some(300), Some(false))
    );
    assert_same_figures(&a, &cli_summary(dir.path(), "baseline.toml", 300, &sets));
    // The change is paired: the file's own figures are those of the file alone.
    let file: Value = json!({ "periods": a["periods"].as_array().unwrap().iter().map(|p| json!({ "label": p["label"], "file": p["file"], "variant": null })).collect::<Vec<_>>() });
    assert_same_figures(&file, &cli_summary(dir.path(), "baseline.toml", 300, &[]));
    let fy = &a["periods"][1];
    let sentence = fy["sentence"].as_str().unwrap();
    assert!(sentence.starts_with("FY2028 P(hit plan) "), "{sentence}");
    assert!(sentence.contains("95% CI"), "{sentence}");

    // A first answer from fewer trials, marked preliminary.
    let r = api(
        port,
        &t,
        "/api/run",
        json!({ "scenario": "baseline.toml", "trials": 1200, "preliminary": true }),
    );
    let a = r.json();
    assert_eq!(
        (
            a["trials"].as_u64(),
            a["full_trials"].as_u64(),
            a["preliminary"].as_bool()
        ),
        (Some(1000), Some(1200), Some(true))
    );

    // A bad value: beside its control, with the command line's message and fix.
    let bad = "attrition.annual_rate=lots";
    let r = api(
        port,
        &t,
        "/api/run",
        json!({ "scenario": "baseline.toml", "sets": [sets[1], bad], "trials": 10 }),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["key"], "attrition.annual_rate");
    let o = Command::cargo_bin("revsim")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "baseline.toml", "--trials", "10", "--set", bad])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        errors[0]["message"].as_str().unwrap(),
        stderr(&o).trim_end()
    );
}

/// The answer without its timing, for comparing two answers.
fn figures(mut a: Value) -> Value {
    a.as_object_mut().unwrap().remove("millis");
    a
}

/// A newer change on a page stops the page's stale computation: the stale request gets 409 and
/// the newer one its answer (the file's, from the cache of files' runs, as the file alone gives).
#[test]
fn a_newer_change_stops_the_stale_computation() {
    let dir = scratch(&[("baseline.toml", BASELINE)]);
    let server = serve(dir.path());
    let port = server.port;
    let t = token(port);
    let alone = api(
        port,
        &t,
        "/api/run",
        json!({ "scenario": "baseline.toml", "trials": 40 }),
    );
    assert_eq!(alone.status, 200, "{}", alone.body);
    // A computation that would take minutes (the server's cap of 100,000 trials).
    let t2 = t.clone();
    let stale = std::thread::spawn(move || {
        api(
            port,
            &t2,
            "/api/run",
            json!({ "scenario": "baseline.toml", "sets": ["attrition.annual_rate=0.3"], "trials": 100_000 }),
        )
    });
    // Newer changes until the stale one has ended: whichever reached the server first, the
    // next newer one stops it.
    let mut newer;
    loop {
        newer = api(
            port,
            &t,
            "/api/run",
            json!({ "scenario": "baseline.toml", "sets": ["attrition.annual_rate=0.2"], "trials": 40 }),
        );
        if stale.is_finished() {
            break;
        }
    }
    let stale = stale.join().unwrap();
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("newer change"), "{}", stale.body);
    // The last newer change ran after the stale one stopped, to its end.
    let newer = if newer.status == 409 {
        api(
            port,
            &t,
            "/api/run",
            json!({ "scenario": "baseline.toml", "sets": ["attrition.annual_rate=0.2"], "trials": 40 }),
        )
    } else {
        newer
    };
    assert_eq!(newer.status, 200, "{}", newer.body);
    let newer = newer.json();
    assert_same_figures(
        &newer,
        &cli_summary(
            dir.path(),
            "baseline.toml",
            40,
            &["attrition.annual_rate=0.2"],
        ),
    );
    // The file's figures next to the what-if are the file's own (from the cache of files' runs).
    let files = |a: &Value| -> Vec<Value> {
        a["periods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["file"].clone())
            .collect()
    };
    assert_eq!(files(&newer), files(&alone.json()));
}

/// Two tabs are two pages: each runs its own computation, neither stops the other, and each
/// gets the answer it would get alone.
#[test]
fn two_tabs_do_not_interfere() {
    let dir = scratch(&[("baseline.toml", BASELINE)]);
    let server = serve(dir.path());
    let port = server.port;
    let (ta, tb) = (token(port), token(port));
    assert_ne!(ta, tb);
    let ask = |t: String, set: &'static str| {
        std::thread::spawn(move || {
            api(
                port,
                &t,
                "/api/run",
                json!({ "scenario": "baseline.toml", "sets": [set], "trials": 600 }),
            )
        })
    };
    let a = ask(ta.clone(), "attrition.annual_rate=0.35");
    let b = ask(tb.clone(), "org.seats=48");
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!((a.status, b.status), (200, 200), "{} {}", a.body, b.body);
    // Each as it comes alone, on the other page's token.
    let a_alone = ask(tb, "attrition.annual_rate=0.35").join().unwrap();
    let b_alone = ask(ta, "org.seats=48").join().unwrap();
    assert_eq!(figures(a.json()), figures(a_alone.json()));
    assert_eq!(figures(b.json()), figures(b_alone.json()));
}

#[test]
fn save_writes_a_new_file_that_extends_the_scenario_and_reruns_to_the_same_numbers() {
    let dir = scratch(&[("baseline.toml", BASELINE)]);
    let server = serve(dir.path());
    let port = server.port;
    let t = token(port);
    let sets = [
        "attrition.annual_rate=0.2",
        "hiring.headcount_plan=[{ month = \"2027-02\", seats = 58 }]",
    ];
    let body = |name: &str| json!({ "scenario": "baseline.toml", "sets": sets, "name": name });

    // No token, no save.
    let r = request(port, "POST", "/api/save", &[], &body("hire").to_string());
    assert_eq!(r.status, 403);
    assert!(!dir.path().join("hire.toml").exists());

    let r = api(port, &t, "/api/save", body("hire"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["file"], "hire.toml");
    let text = std::fs::read_to_string(dir.path().join("hire.toml")).unwrap();
    assert!(text.contains("extends = \"baseline.toml\""), "{text}");

    // Never overwrites, never leaves the folder.
    let again = api(port, &t, "/api/save", body("hire"));
    assert_eq!(again.status, 422);
    assert!(again.body.contains("already exists"), "{}", again.body);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hire.toml")).unwrap(),
        text
    );
    for bad in ["../hire2", "sub/hire", ".hidden", ""] {
        let r = api(port, &t, "/api/save", body(bad));
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // The saved file alone gives the numbers of the file with the overrides.
    assert_eq!(
        strip_names(cli_summary(dir.path(), "hire.toml", 300, &[])),
        strip_names(cli_summary(dir.path(), "baseline.toml", 300, &sets))
    );
}

/// A summary without the fields that name the scenario.
fn strip_names(mut v: Value) -> Value {
    v["scenario"] = Value::Null;
    v["description"] = Value::Null;
    v
}

#[test]
fn the_downloaded_report_is_the_one_run_writes() {
    let dir = scratch(&[("baseline.toml", BASELINE)]);
    let server = serve(dir.path());
    let port = server.port;
    let t = token(port);
    let sets = ["pipeline.opportunities_per_rep_month=4.4"];
    let r = api(
        port,
        &t,
        "/api/report",
        json!({ "scenario": "baseline.toml", "sets": sets, "trials": 200 }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.head.contains("attachment; filename=\"report.html\""));
    Command::cargo_bin("revsim")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "run",
            "baseline.toml",
            "--trials",
            "200",
            "--quiet",
            "--out",
            "out",
        ])
        .args(["--set", sets[0]])
        .assert()
        .success();
    let written = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert_eq!(r.body, written);
}

/// A W3C WebDriver session on Debian's chromedriver, driving headless chromium: the page as a
/// person uses it, script and all.
struct Driver {
    child: Child,
    port: u16,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let session = format!("/session/{}", self.session);
        let _ = try_webdriver(self.port, "DELETE", &session, None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver command: its HTTP head and `value`, or why it failed (never panics: used in
/// `Drop`).
fn try_webdriver(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(String, Value), String> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open: read the head, then Content-Length bytes.
    let mut r = BufReader::new(s);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().map_err(|_| line.clone())?;
        }
        if line.trim().is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).map_err(|e| e.to_string())?;
    let body = String::from_utf8_lossy(&body);
    let reply: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {head}\n{body}"))?;
    Ok((head.to_string(), reply["value"].clone()))
}

/// One WebDriver command; its `value`.
fn webdriver(port: u16, method: &str, path: &str, body: Option<Value>) -> Value {
    let (head, value) = try_webdriver(port, method, path, body.as_ref())
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert!(
        head.contains(" 200 "),
        "{method} {path}: {}",
        value["message"]
    );
    value
}

/// chromedriver on a free port with a new session, or `None` (the test then says it skipped)
/// where chromium or chromedriver is missing, unless `REVSIM_REQUIRE_BROWSER=1`.
fn driver(profile: &Path) -> Option<Driver> {
    let chromium = crate::browser::browser()?;
    let exe = std::env::var_os("CHROMEDRIVER")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("chromedriver"))
                .find(|p| p.is_file())
        });
    let Some(exe) = exe else {
        let required = std::env::var("REVSIM_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "REVSIM_REQUIRE_BROWSER=1 but no chromedriver on PATH (install Debian's `chromium-driver`)"
        );
        eprintln!("SKIPPED: no chromedriver on PATH");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let caps = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-extensions", "--window-size=1280,1600",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    }}});
    let mut d = Driver {
        child,
        port,
        session: String::new(),
    };
    let session = webdriver(port, "POST", "/session", Some(caps));
    d.session = session["sessionId"].as_str().unwrap().to_string();
    Some(d)
}

impl Driver {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        webdriver(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body,
        )
    }

    fn element(&self, css: &str) -> String {
        let e = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        e.as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    fn text(&self, css: &str) -> String {
        let e = self.element(css);
        self.cmd("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits (up to four minutes: the page refines at the file's trial count) until `css`'s
    /// text satisfies `done`; returns it.
    fn wait_text(&self, css: &str, done: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..2400 {
            if let Ok(t) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.text(css)))
            {
                if done(&t) {
                    return t;
                }
                last = t;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{css} never got there; last text: {last:?}");
    }
}

/// The page in a real browser: load it, change a control as a person would (typing into it),
/// wait for the refined answer, and find the command line's figure for the same trials and seed.
#[test]
fn the_page_in_a_browser_gives_the_command_lines_figures() {
    let small = "extends = \"baseline.toml\"\n\n[simulation]\ntrials = 1500\n";
    let dir = scratch(&[("baseline.toml", BASELINE), ("small.toml", small)]);
    let profile = tempfile::tempdir().unwrap();
    let Some(d) = driver(profile.path()) else {
        return;
    };
    let server = serve(dir.path());
    d.cmd(
        "POST",
        "/url",
        Some(json!({ "url": format!("http://127.0.0.1:{}/?s=small.toml", server.port) })),
    );
    let refined = |t: &str| t.starts_with("1,500 trials, seed");
    d.wait_text("#status", refined);
    // Type a new attrition rate into its control, key by key (each key a newer change that
    // cancels the one before).
    let input = d.element("input[data-key='attrition.annual_rate']");
    d.cmd("POST", &format!("/element/{input}/clear"), Some(json!({})));
    d.cmd(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({ "text": "0.4" })),
    );
    d.wait_text("#sentences", |t| {
        t.contains("P(hit plan)") && t.contains("pts")
    });
    let status = d.wait_text("#status", refined);
    // The state is in the address, so a link reproduces the view.
    let url = d.cmd("GET", "/url", None);
    assert!(
        url.as_str()
            .unwrap()
            .contains("set=attrition.annual_rate%3D0.4"),
        "the state is in the address: {url}"
    );
    let table = d.text("#years");
    let cli = cli_summary(
        dir.path(),
        "small.toml",
        1500,
        &["attrition.annual_rate=0.4"],
    );
    // The what-if's FY2027 row shows the command line's P(hit plan), as the page rounds it.
    let fy = &cli["fiscal_years"][0];
    let row = table
        .lines()
        .find(|l| l.starts_with(fy["label"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("no {} row in {table}", fy["label"]));
    let shown = format!(
        "→ {}%",
        (fy["p_hit_plan"]["p"].as_f64().unwrap() * 100.0).round()
    );
    assert!(
        row.contains(&shown),
        "{row:?} should show {shown} ({status})"
    );
    let command = d.text("#command");
    assert!(
        command.contains("--set attrition.annual_rate=0.4") && command.contains("small.toml"),
        "{command}"
    );

    // Pin it, try another rate, pin that too: both side by side, each with the command
    // line's figure.
    let click = |css: &str| {
        let e = d.element(css);
        d.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    };
    click("#pin");
    d.wait_text("#pinned", |t| t.contains("Attrition, share a year = 0.4"));
    d.cmd("POST", &format!("/element/{input}/clear"), Some(json!({})));
    d.cmd(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({ "text": "0.1" })),
    );
    d.wait_text("#command", |t| t.contains("attrition.annual_rate=0.1"));
    d.wait_text("#status", refined);
    click("#pin");
    let expect_pins = |t: &str| {
        t.contains("1. Attrition, share a year = 0.4")
            && t.contains("2. Attrition, share a year = 0.1")
            && !t.contains("running")
    };
    let pinned = d.wait_text("#pinned", expect_pins);
    let low = cli_summary(
        dir.path(),
        "small.toml",
        1500,
        &["attrition.annual_rate=0.1"],
    );
    let pct = |v: &Value| {
        format!(
            "{}%",
            (v["p_hit_plan"]["p"].as_f64().unwrap() * 100.0).round()
        )
    };
    // The fiscal year's row (its cells span lines: the interval and P50 under each figure).
    let label = fy["label"].as_str().unwrap();
    let fy_row = pinned
        .lines()
        .skip_while(|l| !l.starts_with(label))
        .enumerate()
        .take_while(|(k, l)| *k == 0 || !(l.starts_with("FY") || l.starts_with("Horizon")))
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join(" ");
    for want in [pct(fy), pct(&low["fiscal_years"][0])] {
        assert!(fy_row.contains(&want), "{fy_row:?} should show {want}");
    }
    // The pins are in the address: the link opens the page with both, recomputed.
    let url = d.cmd("GET", "/url", None).as_str().unwrap().to_string();
    assert_eq!(url.matches("pin=").count(), 2, "{url}");
    d.cmd("POST", "/url", Some(json!({ "url": url })));
    let again = d.wait_text("#pinned", expect_pins);
    assert_eq!(again, pinned);
    // A screenshot of the refined page, for a person to look at when the test fails.
    let png = d.cmd("GET", "/screenshot", None);
    assert!(png.as_str().unwrap().len() > 10_000, "the page renders");
}
