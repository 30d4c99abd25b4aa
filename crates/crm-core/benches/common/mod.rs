//! What the crate's benchmarks share: reading back the figure criterion just measured.

use std::path::PathBuf;
use std::time::SystemTime;

use crm_core::demo::Size;

/// Whether this is a `cargo bench` run, and the sizes it measures: all three, or S once
/// as a smoke test under `cargo test --benches` (no `--bench` flag).
pub fn sizes() -> (bool, &'static [(Size, &'static str)]) {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    match benchmarking {
        true => (true, &[(Size::S, "s"), (Size::M, "m"), (Size::L, "l")]),
        false => (false, &[(Size::S, "s")]),
    }
}

/// Criterion's median for benchmark `name`, in milliseconds, read from the estimates it
/// just wrote (`$CRITERION_HOME` or `<target dir>/criterion`), so the `BENCH` line is the
/// same measurement as the report above it. `None` unless written since `since`.
pub fn criterion_median_ms(name: &str, since: SystemTime) -> Option<f64> {
    let home = match std::env::var_os("CRITERION_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            let target = match std::env::var_os("CARGO_TARGET_DIR") {
                Some(dir) => PathBuf::from(dir),
                // This binary is <target>/<profile>/deps/segment-<hash>.
                None => std::env::current_exe()
                    .ok()?
                    .ancestors()
                    .nth(3)?
                    .to_path_buf(),
            };
            target.join("criterion")
        }
    };
    let path = home.join(name).join("new").join("estimates.json");
    // A benchmark filtered out of this run keeps an older file: not this run's figure.
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some(json["median"]["point_estimate"].as_f64()? / 1e6)
}
