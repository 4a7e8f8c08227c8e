//! Every TOML example in the docs is checked: each ```toml block of
//! docs/scenario-reference.md and README.md is merged over the starter scenario (tables merge,
//! other values replace) and must load; a block with both [simulation] and [pipeline] is a
//! complete scenario and must load on its own. A block fenced as ```toml,error must instead fail to
//! load, so the documented error cases stay true. Each example that loads also validates against
//! the JSON Schema (tests/schema.rs): a ```toml,extends block as the fragment it is.

use std::path::Path;

use revsim::Scenario;
use toml::{Table, Value};

const STARTER: &str = include_str!("../src/scenario/starter.toml");

/// Tables that are a choice of one kind (a distribution family, a ramp curve) replace the
/// starter's value; other tables merge key by key.
const CHOICES: [&str; 15] = [
    "fixed",
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "gamma",
    "beta",
    "poisson",
    "discrete",
    "none",
    "linear",
    "s_curve",
    "step",
    "table",
];

/// Merges `over` into `base`; returns the key paths of the choices it replaced.
fn merge(base: &mut Table, over: Table, at: &str, replaced: &mut Vec<String>) {
    for (k, v) in over {
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        let choice =
            matches!(&v, Value::Table(t) if t.keys().any(|k| CHOICES.contains(&k.as_str())));
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) if !choice => merge(b, o, &path, replaced),
            (_, v) => {
                if choice {
                    replaced.push(path);
                }
                base.insert(k, v);
            }
        }
    }
}

/// The starter's beliefs about a distribution or curve an example replaced are about a
/// different thing now (a table ramp has no months to full): they go with it, unless the
/// example states beliefs of its own.
fn drop_replaced_beliefs(base: &mut Table, replaced: &[String]) {
    let Some(Value::Table(u)) = base.get_mut("uncertainty") else {
        return;
    };
    if let Some(Value::Table(params)) = u.get_mut("parameters") {
        params.retain(|path, _| !replaced.iter().any(|r| path.starts_with(&format!("{r}."))));
    }
}

fn blocks(text: &str) -> Vec<(usize, bool, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, bool, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        match &mut cur {
            // ```toml,extends blocks are what-if files over the baseline: see `extends_examples`.
            None if t.starts_with("```toml") && !t.starts_with("```toml,extends") => {
                cur = Some((i + 1, t.starts_with("```toml,error"), String::new()));
            }
            Some(_) if t.starts_with("```") => out.push(cur.take().expect("inside a block")),
            Some((_, _, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

/// Checks every ```toml block of `rel`; returns how many there were, and how many of them were
/// ```toml,error blocks.
fn check_file(rel: &str) -> (usize, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let found = blocks(&text);
    for (line, must_fail, body) in &found {
        let over: Table = match toml::from_str(body) {
            Ok(t) => t,
            Err(e) if *must_fail => {
                let _ = e;
                continue;
            }
            Err(e) => panic!("{rel}:{line}: example is not valid TOML: {e}"),
        };
        // A complete scenario (it has [simulation] and [pipeline]) is loaded as it is.
        let complete = over.contains_key("simulation") && over.contains_key("pipeline");
        let mut base: Table = if complete {
            Table::new()
        } else {
            toml::from_str(STARTER).expect("starter parses")
        };
        let own_beliefs = over.contains_key("uncertainty");
        let mut replaced = Vec::new();
        merge(&mut base, over, "", &mut replaced);
        if !own_beliefs {
            drop_replaced_beliefs(&mut base, &replaced);
        }
        let merged = toml::to_string(&base).expect("serializes");
        if !must_fail {
            // What loads must also satisfy the editors' JSON Schema.
            super::schema::assert_valid(&merged, &format!("{rel}:{line}"));
        }
        let result = Scenario::from_toml(&merged, &format!("{rel}:{line}"), "example");
        match (result, must_fail) {
            (Ok(_), false) | (Err(_), true) => {}
            (Ok(_), true) => {
                panic!("{rel}:{line}: example marked ```toml,error loads without error")
            }
            (Err(e), false) => panic!("{rel}:{line}: example does not load:\n{e}"),
        }
    }
    (
        found.len(),
        found.iter().filter(|(_, must_fail, _)| *must_fail).count(),
    )
}

/// Every ```toml,extends block in `rel`, saved as a file beside a copy of the bundled baseline
/// (`baseline.toml`, and the bundled `open-pipeline.csv`), loads through the `extends` chain.
fn check_extends(rel: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        tmp.path().join("baseline.toml"),
    )
    .unwrap();
    // The open-pipeline example names the bundled export beside the baseline.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/open-pipeline.csv"),
        tmp.path().join("open-pipeline.csv"),
    )
    .unwrap();
    let mut n = 0;
    let mut cur: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        match &mut cur {
            None if t.starts_with("```toml,extends") => cur = Some((i + 1, String::new())),
            Some((start, body)) if t.starts_with("```") => {
                let file = tmp.path().join(format!("example-{start}.toml"));
                std::fs::write(&file, &body).unwrap();
                // A what-if over the baseline is a fragment: the schema accepts it as it is.
                super::schema::assert_valid(body, &format!("{rel}:{start}"));
                if let Err(e) = Scenario::load(&file) {
                    panic!("{rel}:{start}: example does not load over the baseline:\n{e}");
                }
                n += 1;
                cur = None;
            }
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    n
}

// Each test asserts how many examples it checked, at least the number the docs hold as this is
// written, so that a changed fence or a moved file cannot make it pass by checking nothing.

#[test]
fn extends_examples_load_over_the_baseline() {
    let reference = check_extends("docs/scenario-reference.md");
    assert!(
        reference >= 2,
        "{reference} extends examples in the reference"
    );
    let readme = check_extends("README.md");
    assert!(readme >= 1, "{readme} extends examples in the README");
}

#[test]
fn scenario_reference_examples_load() {
    let (checked, errors) = check_file("docs/scenario-reference.md");
    assert!(
        checked >= 73 && errors >= 11,
        "the reference should show examples: {checked} checked, {errors} of them errors"
    );
}

#[test]
fn readme_examples_load() {
    let (checked, _) = check_file("README.md");
    assert!(checked >= 1, "{checked} examples in the README");
}

/// docs/cluster.md shows the Slurm and Kubernetes files whole, and CI runs and validates those
/// files (scripts/cluster-test.sh, .ci/run): the page must show exactly what is tested.
#[test]
fn cluster_page_shows_the_tested_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/cluster.md")).unwrap();
    // Every fenced block's body, whatever its language.
    let mut shown = Vec::new();
    let mut body: Option<String> = None;
    for line in page.lines() {
        match (&mut body, line.starts_with("```")) {
            (None, true) => body = Some(String::new()),
            (Some(_), true) => shown.push(body.take().expect("inside a block")),
            (Some(b), false) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, false) => {}
        }
    }
    for file in [
        "deploy/slurm/revsim-sweep.sbatch",
        "deploy/slurm/submit.sh",
        "deploy/kubernetes/revsim-sweep.yaml",
        "deploy/kubernetes/revsim-merge.yaml",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            shown.iter().any(|b| b.trim_end() == text.trim_end()),
            "docs/cluster.md should show {file} whole, as a code block, as it is"
        );
        assert!(
            page.contains(&format!("../{}", &file[..file.rfind('/').unwrap() + 1])),
            "docs/cluster.md should link {file}'s folder"
        );
    }
}
