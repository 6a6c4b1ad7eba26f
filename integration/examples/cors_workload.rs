//! Runs one workload of `benches/workloads` N times through one implementation (`bare`,
//! `tower-cors` or `tower-http`), for `scripts/callgrind.sh`, which counts the instructions spent
//! in [`measured`] only.
//!
//! `cors_workload list` prints the workload names; `cors_workload <implementation> <workload> <n>`
//! runs one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use std::hint::black_box;

use http::Request;
use workloads::{Implementation, Reply};

/// The requests, and nothing else: callgrind's `--toggle-collect` counts this function only.
#[inline(never)]
fn measured(run: &mut dyn FnMut(Request<()>) -> Reply, requests: Vec<Request<()>>) {
    for request in requests {
        black_box(run(black_box(request)));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = workloads::all();
    match args.as_slice() {
        [list] if list == "list" => {
            for workload in &all {
                println!("{}", workload.name);
            }
        }
        [implementation, name, n] => {
            let implementation = Implementation::from_name(implementation).expect("bare, tower-cors or tower-http");
            let workload = all.iter().find(|w| w.name == name).expect("a workload name (see `list`)");
            workload.check();
            let n: usize = n.parse().expect("a number of requests");
            // Built before measuring, so that only the layer's work (and the inner service's) counts.
            let requests: Vec<Request<()>> = (0..n).map(|_| workload.request.clone()).collect();
            workload.with_service(implementation, |run| {
                // One request first: lazy initialisation (shared values, tracing callsites) is not per request.
                black_box(run(workload.request.clone()));
                measured(run, requests);
            });
        }
        _ => {
            eprintln!("usage: cors_workload list | cors_workload <bare|tower-cors|tower-http> <workload> <n>");
            std::process::exit(2);
        }
    }
}
