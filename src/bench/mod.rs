//! BENCHMARK-ONLY: what `scripts/bench` runs.
//!
//! - `segnala bench sla`: the SLA sweeper's costs, against a primary-key
//!   lookup timed in the same run;
//! - `segnala bench compare`: segnala against a bare actix-web + diesel
//!   service ([`bare`]) on the same data ([`fill`]) and load ([`load`]);
//! - `segnala bench bare`: that bare service.
//!
//! The machine is shared and noisy: only ratios within a run mean much.

pub mod bare;
pub mod compare;
pub mod fill;
pub mod load;

use std::time::{Duration, Instant};

use chrono::Utc;

use crate::error::AppResult;
use crate::jobs;
use crate::store::escalations::Policy;
use crate::store::{naive, reports, seed, Backend, Store};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> AppResult<T>) -> AppResult<Duration> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed());
    }
    Ok(median(samples))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Seeds `total` reports, times an idle sweep, then escalates `overdue` of them.
pub fn sla(store: &Store, total: i64, overdue: i64) -> AppResult<()> {
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    crate::demo::setup(store)?;
    let started = Instant::now();
    store.read(|c| seed::reports(c, crate::demo::PISA_ISTAT, total))?;
    println!(
        "[{backend}] seeded {total} reports in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let policy = Policy {
        level2_after_hours: None,
    };
    let baseline = time(51, || store.read(|c| reports::by_ids(c, &[total / 2])))?;
    let idle = time(51, || {
        let o = jobs::sweep(store, Utc::now(), policy)?;
        assert_eq!(o.total(), 0, "nothing should be due");
        Ok(())
    })?;
    println!(
        "[{backend}] idle sweep over {total} reports: {:.3} ms (median of 51; baseline primary-key lookup {:.3} ms; ratio {:.1}x) target < 10 ms: {}",
        ms(idle),
        ms(baseline),
        ms(idle) / ms(baseline).max(1e-6),
        if ms(idle) < 10.0 { "met" } else { "MISSED" }
    );

    let now = Utc::now();
    let made = store.write(|c| seed::make_overdue(c, overdue, naive(now)))?;
    let started = Instant::now();
    let outcome = jobs::sweep(store, now, policy)?;
    let took = started.elapsed();
    assert_eq!(outcome.level1, made, "every overdue report escalated once");
    println!(
        "[{backend}] escalated {} overdue reports in {:.2} s ({:.0} per second; {:.2}x the baseline lookup each) target < 10 s: {}",
        outcome.level1,
        took.as_secs_f64(),
        outcome.level1 as f64 / took.as_secs_f64(),
        took.as_secs_f64() / outcome.level1.max(1) as f64 / baseline.as_secs_f64().max(1e-9),
        if took < Duration::from_secs(10) { "met" } else { "MISSED" }
    );
    Ok(())
}
