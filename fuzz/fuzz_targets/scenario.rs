//! Fuzz target: any bytes as a scenario file. Loading must never panic; an error must name the
//! file; a scenario that loads must simulate a trial and summarise without panicking.
//! Seed it with the bundled scenarios: `cp ../scenarios/*.toml corpus/scenario/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match revsim::Scenario::from_toml(text, "fuzz.toml", "fuzz") {
        Ok(s) => {
            let r = revsim::simulate(&s, 1, s.seed, &|_| ());
            let _ = revsim::summarize(&s, &r, None);
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.contains("fuzz.toml"), "{shown}");
        }
    }
});
