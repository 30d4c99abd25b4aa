//! Architecture invariant as a test (rust-analyzer's tidy style): crm-core does no I/O,
//! reads no clock or RNG, and depends on no browser, network, storage or async crate.

use std::{fs, path::Path};

const FORBIDDEN_DEPS: &[&str] = &[
    "tokio", "async-std", "futures", "reqwest", "hyper", "axum", "rusqlite", "web-sys", "js-sys", "wasm-bindgen", "leptos",
    "indexed_db_futures", "gloo", "getrandom",
];

const FORBIDDEN_CALLS: &[&str] = &[
    "std::fs", "std::net", "std::process", "SystemTime::now", "Instant::now", "Utc::now", "Local::now", "thread_rng", "rand::rng(",
    "OsRng", "from_entropy", "from_os_rng",
];

#[test]
fn core_depends_on_no_io_crate() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    for line in deps.lines() {
        let name = line.split('=').next().unwrap_or("").trim();
        assert!(!FORBIDDEN_DEPS.iter().any(|f| name.starts_with(f)), "crm-core must not depend on {name}");
    }
}

#[test]
fn core_reads_no_clock_rng_or_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                for call in FORBIDDEN_CALLS {
                    assert!(!text.contains(call), "{} uses {call}", path.display());
                }
            }
        }
    }
}
