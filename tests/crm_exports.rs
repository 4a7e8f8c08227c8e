//! CRM exports as they come (tier 4): dates in each spreadsheet form, the order of day and
//! month found from the file or refused as ambiguous with the cells that show it, a
//! multi-modal export whose fitted families fail their KS test and say which option fits, and
//! a saved column mapping (`--map FILE`). The exports are made here, from a seeded generator:
//! deals at three price points, closing either within weeks or after half a year.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use revsim::crm::Date;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// One generated deal.
struct Deal {
    owner: String,
    created: Date,
    closed: Date,
    amount: u32,
    outcome: &'static str,
}

/// `n` deals from a fixed seed: three price points ($4,800, $24,000, $96,000: one product
/// line each), cycles of 1-3 weeks (60%) or 5-7 months (40%), created over about two years
/// from 2021-01-04 (so that days over 12 and under 13 both occur).
fn deals(n: usize) -> Vec<Deal> {
    let mut x: u64 = 0x5eed_cafe_f00d_0001;
    let mut u = || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let start = Date::new(2021, 1, 4).unwrap();
    (0..n)
        .map(|i| {
            let created = start.add_days((u() * 700.0) as i32).unwrap();
            let cycle = if u() < 0.6 {
                7 + (u() * 15.0) as i32
            } else {
                150 + (u() * 60.0) as i32
            };
            let p = u();
            let amount = if p < 0.5 {
                4_800
            } else if p < 0.8 {
                24_000
            } else {
                96_000
            };
            let o = u();
            Deal {
                owner: format!("Rep {}", i % 6 + 1),
                created,
                closed: created.add_days(cycle).unwrap(),
                amount,
                outcome: if o < 0.4 {
                    "won"
                } else if o < 0.8 {
                    "lost"
                } else {
                    "no decision"
                },
            }
        })
        .collect()
}

/// The deals as a revsim-layout export, each date written by `form`.
fn export(deals: &[Deal], form: impl Fn(Date) -> String) -> String {
    let mut s = String::from("id,owner,created_date,close_date,amount_usd,outcome\n");
    for (i, d) in deals.iter().enumerate() {
        s.push_str(&format!(
            "D-{i},{},\"{}\",\"{}\",{},{}\n",
            d.owner,
            form(d.created),
            form(d.closed),
            d.amount,
            d.outcome
        ));
    }
    s
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Runs `revsim calibrate` on `text` written to `TMP/NAME.csv` with `args`.
fn calibrate(tmp: &Path, name: &str, text: &str, args: &[&str]) -> (PathBuf, std::process::Output) {
    let file = tmp.join(format!("{name}.csv"));
    fs::write(&file, text).unwrap();
    let out = tmp.join(name);
    let output = revsim()
        .arg("calibrate")
        .arg(&file)
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    (out, output)
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(o: &std::process::Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The won deals' mean cycle in months, as the generator made them.
fn won_mean_cycle(deals: &[Deal]) -> f64 {
    let won: Vec<f64> = deals
        .iter()
        .filter(|d| d.outcome == "won")
        .map(|d| f64::from(d.closed.days_since(d.created)) / 30.4375)
        .collect();
    won.iter().sum::<f64>() / won.len() as f64
}

/// A way of writing a date.
type Form = Box<dyn Fn(Date) -> String>;

#[test]
fn every_date_form_reads_the_same_deals() {
    let tmp = tempfile::tempdir().unwrap();
    let d = deals(300);
    let want = won_mean_cycle(&d);
    let forms: Vec<(&str, Form, &[&str])> = vec![
        ("iso", Box::new(|x: Date| x.to_string()), &[]),
        (
            "dmy-two-digit",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{d:02}-{m:02}-{:02}", y % 100)
            }),
            &["--date-order", "dmy"],
        ),
        (
            "dots",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{d}.{m}.{y}")
            }),
            &[],
        ),
        (
            "day-month-name",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{d} {} {y}", MONTHS[m as usize - 1])
            }),
            &[],
        ),
        (
            "month-name-first",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{} {d}, {y}", MONTHS[m as usize - 1])
            }),
            &[],
        ),
        (
            "excel-d-mmm-yy",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{d}-{}-{:02}", MONTHS[m as usize - 1], y % 100)
            }),
            &[],
        ),
        (
            "iso-timestamp",
            Box::new(|x: Date| format!("{x}T13:45:00Z")),
            &[],
        ),
        ("iso-minutes", Box::new(|x: Date| format!("{x} 13:45")), &[]),
        (
            "excel-us-time",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{m}/{d}/{y} 1:45 PM")
            }),
            &[],
        ),
        (
            "ymd-two-digit",
            Box::new(|x: Date| {
                let (y, m, d) = x.ymd();
                format!("{:02}/{m:02}/{d:02}", y % 100)
            }),
            &["--date-order", "ymd"],
        ),
    ];
    for (name, form, args) in &forms {
        let (out, o) = calibrate(tmp.path(), name, &export(&d, form), args);
        ok(&o);
        let fit = json(&out.join("fit.json"));
        assert_eq!(fit["org"]["counts"]["created"], 300, "{name}");
        let won = &fit["org"]["cycles"][0];
        assert_eq!(won["outcome"], "won", "{name}");
        let got = won["sample_mean_months"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{name}: {got} != {want}");
    }
}

#[test]
fn the_order_is_found_or_the_ambiguity_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let d = deals(300);
    let dmy = |x: Date| {
        let (y, m, d) = x.ymd();
        format!("{d}/{m}/{y}")
    };
    // Day-first slashes: the first date with a day over 12 decides, and the summary says so.
    let (out, o) = calibrate(tmp.path(), "slashes", &export(&d, dmy), &[]);
    // The summary is wrapped at 80 columns: its words, whatever the line breaks.
    let text = ok(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Dates read day first (dmy): row "), "{text}");
    let fit = json(&out.join("fit.json"));
    assert_eq!(fit["source"]["date_order"], "dmy");
    let cell = &fit["source"]["date_order_decided_by"];
    let value = cell["value"].as_str().unwrap();
    let first: u32 = value.split('/').next().unwrap().parse().unwrap();
    assert!(first > 12, "{value} decides day first");
    assert!(
        (fit["org"]["cycles"][0]["sample_mean_months"]
            .as_f64()
            .unwrap()
            - won_mean_cycle(&d))
        .abs()
            < 1e-9
    );

    // The export: day-month-two-digit-year also reads year first, until told.
    let two = |x: Date| {
        let (y, m, d) = x.ymd();
        format!("{d:02}-{m:02}-{:02}", y % 100)
    };
    let (_, o) = calibrate(tmp.path(), "two-digit", &export(&d, two), &[]);
    let e = refused(&o);
    assert!(e.contains("the dates read in more than one order"), "{e}");
    assert!(e.contains("row 2, column \"created_date\""), "{e}");
    assert!(e.contains("day first (dmy) or "), "{e}");
    assert!(e.contains("year first (ymd)"), "{e}");
    assert!(e.contains("--date-order dmy or --date-order ymd"), "{e}");

    // Only days of 12 or less: month first and day first read them differently.
    let small: Vec<Deal> = deals(40)
        .into_iter()
        .filter(|x| x.created.ymd().2 <= 12 && x.closed.ymd().2 <= 12)
        .collect();
    assert!(small.len() > 2);
    let mdy = |x: Date| {
        let (y, m, d) = x.ymd();
        format!("{m}/{d}/{y}")
    };
    let (_, o) = calibrate(tmp.path(), "small", &export(&small, mdy), &[]);
    let e = refused(&o);
    assert!(e.contains("month first (mdy) or"), "{e}");
    assert!(e.contains("13/1/2024 is day first"), "{e}");
    let (_, o) = calibrate(
        tmp.path(),
        "small-told",
        &export(&small, mdy),
        &["--date-order", "mdy"],
    );
    ok(&o);

    // Two orders in one file: both cells are named.
    let mut text = export(&d, dmy);
    text.push_str("X-1,Rep 1,1/20/2022,2/1/2022,4800,won\n");
    let (_, o) = calibrate(tmp.path(), "mixed", &text, &[]);
    let e = refused(&o);
    assert!(
        e.contains("the dates are written in more than one order"),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "row {}, column \"created_date\": \"1/20/2022\" only month first (mdy)",
            d.len() + 2
        )),
        "{e}"
    );
    // With the order given, that row is the bad one, and its fix names the other order.
    let (_, o) = calibrate(tmp.path(), "mixed-told", &text, &["--date-order", "dmy"]);
    let e = refused(&o);
    assert!(e.contains("\"1/20/2022\" is not a date: the month 20 is not from 1 to 12; it reads as 2022-01-20 with --date-order mdy"), "{e}");
}

/// KS D written for a fit in fit.json.
fn d_of(v: &serde_json::Value) -> f64 {
    v["d"].as_f64().unwrap_or_else(|| panic!("no KS D in {v}"))
}

#[test]
fn a_multi_modal_export_names_the_empirical_options_and_they_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let d = deals(600);
    let text = export(&d, |x| x.to_string());
    let (out, o) = calibrate(tmp.path(), "fitted", &text, &[]);
    let stdout = ok(&o);
    assert!(
        stdout.contains("Note: the lognormal fails the KS test on the won deals' amounts"),
        "{stdout}"
    );
    assert!(stdout.contains("--size empirical writes"), "{stdout}");
    assert!(
        stdout.contains("Note: the gamma fails the KS test on won deals' cycle times"),
        "{stdout}"
    );
    assert!(stdout.contains("--cycle empirical writes"), "{stdout}");
    let fit = json(&out.join("fit.json"));
    let size = &fit["org"]["deal_size"];
    let (lognormal_d, hinted_size_d) = (d_of(&size["ks"]), d_of(&size["empirical_ks"]));
    assert!(size["ks"]["p_value"].as_f64().unwrap() < 0.05);
    let cycle = &fit["org"]["cycles"][0];
    let (gamma_d, hinted_cycle_d) = (d_of(&cycle["ks"]), d_of(&cycle["empirical_ks"]));
    assert!(cycle["ks"]["p_value"].as_f64().unwrap() < 0.05);
    let toml = fs::read_to_string(out.join("calibrated.toml")).unwrap();
    assert!(
        toml.contains("# Note: the lognormal fails the KS test"),
        "{toml}"
    );

    // The options named: both D smaller, as hinted; the fragment loads over a base and runs.
    let base = tmp.path().join("baseline.toml");
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        &base,
    )
    .unwrap();
    let (emp, o) = calibrate(
        tmp.path(),
        "empirical",
        &text,
        &[
            "--size",
            "empirical",
            "--cycle",
            "empirical",
            "--extends",
            base.to_str().unwrap(),
        ],
    );
    let stdout = ok(&o);
    assert!(!stdout.contains("fails the KS test"), "{stdout}");
    assert!(stdout.contains("empirical table of 3 values"), "{stdout}");
    let fit = json(&emp.join("fit.json"));
    assert_eq!(fit["cycle_model"], "empirical");
    let size_d = d_of(&fit["org"]["deal_size"]["ks"]);
    let cycle_d = d_of(&fit["org"]["cycles"][0]["ks"]);
    assert_eq!(size_d, hinted_size_d);
    assert_eq!(cycle_d, hinted_cycle_d);
    assert!(size_d < lognormal_d, "{size_d} vs {lognormal_d}");
    assert!(cycle_d < gamma_d, "{cycle_d} vs {gamma_d}");
    let toml = fs::read_to_string(emp.join("calibrated.toml")).unwrap();
    assert!(
        toml.contains("cycle_months = { discrete = { values = ["),
        "{toml}"
    );
    assert!(
        toml.contains("deal_size_usd = { discrete = { values = ["),
        "{toml}"
    );
    let run = tmp.path().join("run");
    revsim()
        .args(["run", "--trials", "50", "--quiet", "--out"])
        .arg(&run)
        .arg(emp.join("calibrated.toml"))
        .assert()
        .success();
    let summary = json(&run.join("summary.json"));
    assert!(summary["horizon"]["bookings_usd"]["p50"].as_f64().unwrap() > 0.0);
}

/// The deals under a team's own headers.
fn team_export(d: &[Deal]) -> String {
    export(d, |x| {
        let (y, m, d) = x.ymd();
        format!("{d}.{m}.{y}")
    })
    .replacen(
        "id,owner,created_date,close_date,amount_usd,outcome",
        "Deal No,Account Executive,Opened,Closed On,Deal Value,Result",
        1,
    )
    .replace(",no decision\n", ",Stalled\n")
}

#[test]
fn a_saved_mapping_reads_a_team_export_with_one_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let d = deals(300);
    let map = tmp.path().join("team.toml");
    fs::write(
        &map,
        "date_order = \"dmy\"\n\n[map]\nid = \"Deal No\"\nowner = \"Account Executive\"\ncreated = \"Opened\"\nclosed = \"Closed On\"\namount = \"Deal Value\"\noutcome = \"Result\"\n\n[stage]\nStalled = \"no-decision\"\n",
    )
    .unwrap();
    let team = team_export(&d);
    let (out, o) = calibrate(tmp.path(), "team", &team, &["--map", map.to_str().unwrap()]);
    let text = ok(&o);
    assert!(
        text.contains("(custom (--map) layout): 300 opportunities"),
        "{text}"
    );
    let fit = json(&out.join("fit.json"));
    let (iso, o) = calibrate(tmp.path(), "iso", &export(&d, |x| x.to_string()), &[]);
    ok(&o);
    let want = json(&iso.join("fit.json"));
    assert_eq!(fit["org"]["counts"], want["org"]["counts"]);
    assert_eq!(fit["org"]["cycles"], want["org"]["cycles"]);
    assert_eq!(fit["source"]["date_order"], "dmy");

    // The command line wins: a wrong owner column in the file is overridden by --map.
    let wrong = tmp.path().join("wrong.toml");
    fs::write(
        &wrong,
        fs::read_to_string(&map)
            .unwrap()
            .replace("owner = \"Account Executive\"", "owner = \"AE\""),
    )
    .unwrap();
    let (_, o) = calibrate(
        tmp.path(),
        "wrong",
        &team,
        &["--map", wrong.to_str().unwrap()],
    );
    let e = refused(&o);
    assert!(
        e.contains("--map owner=\"AE\" names a column the file does not have"),
        "{e}"
    );
    let (_, o) = calibrate(
        tmp.path(),
        "overridden",
        &team,
        &[
            "--map",
            wrong.to_str().unwrap(),
            "--map",
            "owner=Account Executive",
        ],
    );
    ok(&o);

    // An error in the file is shown at its line and column.
    let bad = tmp.path().join("bad.toml");
    fs::write(
        &bad,
        "date_order = \"dmy\"\n[map]\nownr = \"Account Executive\"\n",
    )
    .unwrap();
    let (_, o) = calibrate(tmp.path(), "bad", &team, &["--map", bad.to_str().unwrap()]);
    let e = refused(&o);
    assert!(e.contains("bad.toml:3:1"), "{e}");
    assert!(e.contains("`ownr` is not a field"), "{e}");
    assert!(e.contains("did you mean `owner`?"), "{e}");
    let (_, o) = calibrate(tmp.path(), "missing", &team, &["--map", "no-such-map.toml"]);
    let e = refused(&o);
    assert!(e.contains("no-such-map.toml"), "{e}");
}
