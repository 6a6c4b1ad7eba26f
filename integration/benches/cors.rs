//! Criterion benchmarks: every workload of `benches/workloads` through no layer, through
//! tower-cors and through tower-http's `CorsLayer`, in one run; at the end, a table of medians,
//! each layer's overhead over the bare service (layer − bare) and the ratio of the two overheads.
//!
//! `cargo bench -p tower-cors-integration --bench cors` (add `-- preflight` to run only the workloads whose name contains
//! `preflight`; `-- --warm-up-time 1 --measurement-time 2` are the defaults).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod workloads;

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, Criterion};
use workloads::Implementation;

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
        .configure_from_args();
    let ran = RefCell::new(Vec::new());
    let all = workloads::all();
    for workload in &all {
        workload.check();
        let mut group = criterion.benchmark_group(workload.name);
        for implementation in Implementation::ALL {
            group.bench_function(implementation.name(), |b| {
                if !ran.borrow().contains(&workload.name) {
                    ran.borrow_mut().push(workload.name);
                }
                workload.with_service(implementation, |run| {
                    b.iter_batched(|| workload.request.clone(), run, BatchSize::SmallInput);
                });
            });
        }
        group.finish();
    }
    criterion.final_summary();
    report(&all, &ran.borrow());
}

/// Where criterion keeps its results: `CRITERION_HOME`, else `<target dir>/criterion`.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // The bench runs as `<target>/release/deps/cors-<hash>`.
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().join("criterion")
}

fn median_ns(home: &std::path::Path, group: &str, implementation: Implementation) -> Option<f64> {
    let path = home.join(group).join(implementation.name()).join("new").join("estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Prints (and saves as `<criterion home>/tower-cors-report.md`) the medians and ratios of the
/// workloads this run measured.
fn report(all: &[workloads::Workload], ran: &[&str]) {
    let home = criterion_home();
    let mut table = String::from(
        "| workload | bare | tower-cors | tower-http | tower-cors overhead | tower-http overhead | overhead ratio |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut rows = 0;
    for workload in all.iter().filter(|w| ran.contains(&w.name)) {
        let [Some(bare), Some(ours), Some(theirs)] = Implementation::ALL.map(|i| median_ns(&home, workload.name, i))
        else {
            continue;
        };
        let (ours_over, theirs_over) = (ours - bare, theirs - bare);
        let ratio = if theirs_over > 0.0 { format!("{:.2}", ours_over / theirs_over) } else { "n/a".to_owned() };
        writeln!(
            table,
            "| {} | {bare:.0} ns | {ours:.0} ns | {theirs:.0} ns | {ours_over:.0} ns | {theirs_over:.0} ns | {ratio} |",
            workload.name
        )
        .unwrap();
        rows += 1;
    }
    if rows == 0 {
        return;
    }
    println!("\nMedians per request; overhead = layer − bare; ratio = tower-cors overhead / tower-http overhead\n");
    println!("{table}");
    let _ = std::fs::write(home.join("tower-cors-report.md"), table);
}
