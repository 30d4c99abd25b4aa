//! Architecture invariant checks (rust-analyzer's `tidy` idea): crm-core does no I/O,
//! reads no clock or RNG, and knows nothing of browsers, networks or async runtimes.

use std::{fs, path::Path};

const FORBIDDEN_DEPS: [&str; 14] = [
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "leptos",
    "indexed_db_futures",
    "gloo",
    "tokio",
    "async-std",
    "reqwest",
    "hyper",
    "axum",
    "rusqlite",
    "sqlx",
    "getrandom",
];

const FORBIDDEN_CALLS: [&str; 10] = [
    "SystemTime::now",
    "Instant::now",
    "Utc::now",
    "Local::now",
    "thread_rng",
    "rand::rng()",
    "std::fs",
    "std::net",
    "std::process",
    "Uuid::now_v7",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn core_depends_on_no_io_crate() {
    let manifest = fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for line in deps.lines() {
        let name = line.split(['=', ' ']).next().unwrap_or("").trim();
        assert!(
            !FORBIDDEN_DEPS.iter().any(|f| name.starts_with(f)),
            "crm-core must not depend on {name}"
        );
    }
}

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn core_reads_no_clock_rng_or_system() {
    let mut files = Vec::new();
    visit(&manifest_dir().join("src"), &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for call in FORBIDDEN_CALLS {
            assert!(
                !text.contains(call),
                "{} uses {call}: pass time/randomness in instead",
                file.display()
            );
        }
    }
}
