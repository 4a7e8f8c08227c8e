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
