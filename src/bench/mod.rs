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

use crate::domain::escalation::Policy;
use crate::error::AppResult;
use crate::jobs;
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
    store.read(|c| Ok(seed::reports(c, crate::demo::PISA_ISTAT, total)?))?;
    println!(
        "[{backend}] seeded {total} reports in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let policy = Policy {
        level2_after_hours: None,
    };
    let baseline = time(51, || store.read(|c| Ok(reports::by_ids(c, &[total / 2])?)))?;
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
    let made = store.write(|c| Ok(seed::make_overdue(c, overdue, naive(now))?))?;
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

/// Fills `total` reports as the product stores them once their mail is
/// delivered, then prints the bytes per table and per report, and the time
/// `/metrics` takes to read its database gauges (against a primary-key lookup
/// timed in the same run).
pub fn ops(store: &Store, total: usize) -> AppResult<()> {
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let started = Instant::now();
    let n = fill::segnala(store, &fill::reports(total, 7), fill::Mail::All)?;
    println!(
        "[{backend}] filled {n} reports in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let before = store.read(|c| Ok(crate::store::ops::footprint(c)?))?;
    println!(
        "[{backend}] as filled (a year of delivered notification rows): {:.0} bytes per report",
        before.per_report().unwrap_or(0.0)
    );
    // The steady state: what housekeeping keeps (a month of delivered rows),
    // compacted as space freed is reused.
    // (No data directory: the fill writes no mail files.)
    let dir = std::env::temp_dir().join(format!("segnala-bench-ops-{}", std::process::id()));
    let h = jobs::housekeeping(
        store,
        &dir,
        jobs::Keep {
            sent_days: 30,
            mail_file_days: 30,
        },
        Utc::now(),
    )?;
    println!(
        "[{backend}] housekeeping removed {} delivered notification rows older than 30 days",
        h.sent
    );
    store.vacuum()?;
    let f = store.read(|c| Ok(crate::store::ops::footprint(c)?))?;
    for (name, bytes) in f.tables.iter().take(8) {
        println!(
            "[{backend}]   {name:<22} {:>8.1} MB {:>7.0} B/report",
            *bytes as f64 / 1e6,
            *bytes as f64 / f.reports.max(1) as f64
        );
    }
    println!(
        "[{backend}] all tables: {:.1} MB for {} reports = {:.0} bytes per report",
        f.total() as f64 / 1e6,
        f.reports,
        f.per_report().unwrap_or(0.0)
    );
    let now = Utc::now();
    let snapshot = time(5, || {
        store.read(|c| Ok(crate::store::ops::snapshot(c, now)?))
    })?;
    let lookup = time(5, || {
        store.read(|c| {
            use diesel::prelude::*;
            Ok(crate::store::schema::reports::table
                .find(1i64)
                .select(crate::store::schema::reports::code)
                .first::<String>(c)
                .optional()?)
        })
    })?;
    let s = store.read(|c| Ok(crate::store::ops::snapshot(c, now)?))?;
    println!(
        "[{backend}] /metrics database gauges: {:.2} ms (median of 5; {} overdue, {} pending) vs a primary-key lookup {:.3} ms",
        ms(snapshot),
        s.overdue.iter().map(|(_, n)| n).sum::<i64>(),
        s.outbox_pending.iter().map(|(_, n)| n).sum::<i64>(),
        ms(lookup)
    );
    Ok(())
}
