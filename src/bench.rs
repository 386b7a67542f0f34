//! `segnala bench sla`: the SLA sweeper's costs, measured against a baseline
//! taken in the same run (a lookup by primary key), because the machine is
//! shared and noisy. Run through `scripts/bench`, which gives it a scratch
//! SQLite file and a scratch PostgreSQL database.

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

/// Drives `path_of(i)` with `concurrency` clients for `seconds` (bounded in
/// time and count); returns (requests per second, p50 ms, p99 ms, errors).
async fn load(
    base: &str,
    concurrency: usize,
    seconds: u64,
    path_of: fn(usize) -> String,
) -> (f64, f64, f64, usize) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let base = base.to_string();
        tasks.push(actix_web::rt::spawn(async move {
            let mut samples = Vec::new();
            let mut errors = 0;
            let mut i = worker;
            while Instant::now() < deadline && samples.len() < 200_000 {
                let started = Instant::now();
                match client.get(format!("{base}{}", path_of(i))).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        samples.push(started.elapsed());
                    }
                    _ => errors += 1,
                }
                i += concurrency;
            }
            (samples, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((s, e)) = t.await {
            all.extend(s);
            errors += e;
        }
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| ms(*d))
            .unwrap_or(0.0)
    };
    (
        all.len() as f64 / seconds as f64,
        pct(0.5),
        pct(0.99),
        errors,
    )
}

fn nearby_path(i: usize) -> String {
    // Points spread over the seeded area (43.66–43.74, 10.36–10.44).
    let lat = 43.66 + (i * 7919 % 1000) as f64 * 0.00008;
    let lon = 10.36 + (i * 104_729 % 1000) as f64 * 0.00008;
    format!("/api/v1/reports/nearby?lat={lat:.5}&lon={lon:.5}&radius_m=200")
}

fn bbox_path(i: usize) -> String {
    let lat = 43.66 + (i * 7919 % 900) as f64 * 0.00008;
    let lon = 10.36 + (i * 104_729 % 900) as f64 * 0.00008;
    format!(
        "/api/v1/reports?bbox={lon:.5},{lat:.5},{:.5},{:.5}&limit=50",
        lon + 0.004,
        lat + 0.003
    )
}

fn health_path(_: usize) -> String {
    "/healthz".into()
}

/// Seeds `total` reports, serves them on a loopback port, and measures the
/// nearby search and the map list against `/healthz` (the HTTP floor).
pub fn spatial(
    store: &Store,
    config: &crate::config::Config,
    total: i64,
    seconds: u64,
) -> AppResult<()> {
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
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(crate::error::AppError::internal)?;
    let base = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(crate::error::AppError::internal)?
    );
    let mut config = config.clone();
    config.reports_per_ip_per_hour = i32::MAX;
    let state = crate::http::AppState::new(store.clone(), config)?;
    actix_web::rt::System::new().block_on(async move {
        let server = crate::http::server(state, listener, 2).map_err(crate::error::AppError::internal)?;
        let handle = server.handle();
        actix_web::rt::spawn(server);
        for (name, path) in [("healthz (baseline)", health_path as fn(usize) -> String), ("nearby 200 m", nearby_path), ("bbox list", bbox_path)] {
            let (rps, p50, p99, errors) = load(&base, 16, seconds, path).await;
            println!("[{backend}] {name:18} {rps:8.0} req/s  p50 {p50:6.2} ms  p99 {p99:6.2} ms  errors {errors}  ({total} reports, 16 clients, {seconds} s)");
        }
        handle.stop(true).await;
        Ok(())
    })
}
