//! What `/metrics` exposes, in the Prometheus conventions (the `prometheus`
//! crate): counters and histograms kept up to date where things happen
//! (requests, filings, deliveries, escalations, job runs, pool waits), and
//! gauges of the database's state (outbox backlog, overdue reports, open
//! callbacks) read with indexed queries at scrape time and cached for a few
//! seconds, so that scraping never scans a table. One registry per process:
//! each instance exposes its own, Prometheus sums them.
//!
//! Every metric name is listed in [`NAMES`]; the alert rules and the
//! dashboard in `docs/operations/` use only these (a test checks it).

use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::error::{AppError, AppResult};
use crate::store::ops::Snapshot;
use crate::store::Store;

/// The names of everything exposed (without the `_bucket`/`_sum`/`_count`
/// suffixes of histograms).
pub const NAMES: &[&str] = &[
    "segnala_build_info",
    "segnala_http_requests_total",
    "segnala_http_request_duration_seconds",
    "segnala_reports_created_total",
    "segnala_outbox_deliveries_total",
    "segnala_outbox_pending",
    "segnala_outbox_oldest_pending_age_seconds",
    "segnala_outbox_dead",
    "segnala_reports_overdue",
    "segnala_escalations_total",
    "segnala_callbacks_open",
    "segnala_callbacks_overdue",
    "segnala_job_duration_seconds",
    "segnala_job_last_success_timestamp_seconds",
    "segnala_job_failures_total",
    "segnala_db_pool_connections",
    "segnala_db_pool_max_connections",
    "segnala_db_pool_wait_seconds",
    "segnala_metrics_scrape_duration_seconds",
    "segnala_public_reads_total",
    "segnala_replica_lag_seconds",
];

const LATENCY_BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    reports_created: IntCounterVec,
    deliveries: IntCounterVec,
    outbox_pending: IntGaugeVec,
    outbox_oldest: Gauge,
    outbox_dead: IntGaugeVec,
    overdue: IntGaugeVec,
    escalations: IntCounterVec,
    public_reads: IntCounterVec,
    replica_lag: Gauge,
    callbacks_open: IntGaugeVec,
    callbacks_overdue: IntGaugeVec,
    job_duration: HistogramVec,
    job_last_success: GaugeVec,
    job_failures: IntCounterVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGaugeVec,
    pool_wait: HistogramVec,
    scrape_duration: Gauge,
    /// One scrape at a time sets the gauges and encodes them.
    rendering: Mutex<()>,
}

/// The database gauges last read, and when: one per application (and so per
/// database), kept for a few seconds between scrapes.
#[derive(Default)]
pub struct SnapshotCache(Mutex<Option<(Instant, Snapshot)>>);

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("metric");
    r.register(Box::new(c.clone())).expect("register");
    c
}

fn gauge_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("metric");
    r.register(Box::new(g.clone())).expect("register");
    g
}

fn gauge(r: &Registry, name: &str, help: &str) -> Gauge {
    let g = Gauge::new(name, help).expect("metric");
    r.register(Box::new(g.clone())).expect("register");
    g
}

fn histogram(
    r: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: &[f64],
) -> HistogramVec {
    let h = HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        labels,
    )
    .expect("metric");
    r.register(Box::new(h.clone())).expect("register");
    h
}

impl Metrics {
    fn new() -> Self {
        let r = Registry::new();
        let build = GaugeVec::new(
            Opts::new("segnala_build_info", "The running version (always 1)."),
            &["version"],
        )
        .expect("metric");
        r.register(Box::new(build.clone())).expect("register");
        build
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1.0);
        let job_last_success = GaugeVec::new(
            Opts::new(
                "segnala_job_last_success_timestamp_seconds",
                "Unix time of the job's last successful run in this process.",
            ),
            &["job"],
        )
        .expect("metric");
        r.register(Box::new(job_last_success.clone()))
            .expect("register");
        let m = Self {
            http_requests: counter(&r, "segnala_http_requests_total", "HTTP requests served, by route template, method and status class.", &["route", "method", "status"]),
            http_duration: histogram(&r, "segnala_http_request_duration_seconds", "Time to serve an HTTP request, by route template and method.", &["route", "method"], LATENCY_BUCKETS),
            reports_created: counter(&r, "segnala_reports_created_total", "Reports filed through this instance, by channel.", &["channel"]),
            deliveries: counter(&r, "segnala_outbox_deliveries_total", "Notification delivery attempts, by kind (email, webhook) and outcome (sent, retrying, dead, lost).", &["kind", "outcome"]),
            outbox_pending: gauge_vec(&r, "segnala_outbox_pending", "Notifications waiting to be delivered, by kind.", &["kind"]),
            outbox_oldest: gauge(&r, "segnala_outbox_oldest_pending_age_seconds", "Age of the oldest notification waiting to be delivered (0: none)."),
            outbox_dead: gauge_vec(&r, "segnala_outbox_dead", "Notifications that failed for good (dead letters), by kind.", &["kind"]),
            overdue: gauge_vec(&r, "segnala_reports_overdue", "Reports past their take-in deadline and not yet taken in charge, by comune (ISTAT code).", &["municipality"]),
            escalations: counter(&r, "segnala_escalations_total", "Escalations made by this instance's sweeper, by level.", &["level"]),
            public_reads: counter(&r, "segnala_public_reads_total", "Public reads (map, lists, public reports, Open311, statistics), by the database that served them: `replica` or `primary` (no replica configured, or it lags or is down).", &["served_by"]),
            replica_lag: gauge(&r, "segnala_replica_lag_seconds", "How far the read replica is behind the primary, as last measured (-1: unreachable; 0 without a replica)."),
            callbacks_open: gauge_vec(&r, "segnala_callbacks_open", "Phone callbacks waiting to be made, by comune.", &["municipality"]),
            callbacks_overdue: gauge_vec(&r, "segnala_callbacks_overdue", "Phone callbacks past their due time, by comune.", &["municipality"]),
            job_duration: histogram(&r, "segnala_job_duration_seconds", "Duration of a periodic job's run (dispatcher, sweeper, retention, housekeeping).", &["job"], &[0.001, 0.01, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0]),
            job_last_success,
            job_failures: counter(&r, "segnala_job_failures_total", "Periodic job runs that failed.", &["job"]),
            pool_connections: gauge_vec(&r, "segnala_db_pool_connections", "Database connections by pool (read, write) and state (idle, in_use).", &["pool", "state"]),
            pool_max: gauge_vec(&r, "segnala_db_pool_max_connections", "Size limit of each database pool.", &["pool"]),
            pool_wait: histogram(&r, "segnala_db_pool_wait_seconds", "Time waited for a database connection, by pool.", &["pool"], &[0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0]),
            scrape_duration: gauge(&r, "segnala_metrics_scrape_duration_seconds", "Time the last scrape took to read the database gauges."),
            rendering: Mutex::new(()),
            registry: r,
        };
        // Every series an alert or a panel reads exists from the start, at 0.
        let started = Utc::now().timestamp() as f64;
        for job in ["dispatcher", "sweeper", "retention", "housekeeping"] {
            m.job_duration.with_label_values(&[job]);
            m.job_failures.with_label_values(&[job]);
            // "Not run since the process started" counts from the start.
            m.job_last_success.with_label_values(&[job]).set(started);
        }
        for kind in ["email", "webhook"] {
            for outcome in ["sent", "retrying", "dead", "lost"] {
                m.deliveries.with_label_values(&[kind, outcome]);
            }
        }
        for level in ["1", "2"] {
            m.escalations.with_label_values(&[level]);
        }
        for by in ["replica", "primary"] {
            m.public_reads.with_label_values(&[by]);
        }
        for channel in crate::domain::report::Channel::ALL {
            m.reports_created.with_label_values(&[channel.as_str()]);
        }
        m
    }

    pub fn http(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let class = match status / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        };
        self.http_requests
            .with_label_values(&[route, method, class])
            .inc();
        self.http_duration
            .with_label_values(&[route, method])
            .observe(elapsed.as_secs_f64());
    }

    pub fn report_created(&self, channel: &str) {
        self.reports_created.with_label_values(&[channel]).inc();
    }

    pub fn delivery(&self, kind: &str, outcome: &str) {
        self.deliveries.with_label_values(&[kind, outcome]).inc();
    }

    pub fn public_read(&self, served_by: &str) {
        self.public_reads.with_label_values(&[served_by]).inc();
    }

    pub fn replica_lag(&self, seconds: f64) {
        self.replica_lag.set(seconds);
    }

    pub fn escalated(&self, level: u8, n: usize) {
        self.escalations
            .with_label_values(&[&level.to_string()])
            .inc_by(n as u64);
    }

    /// Times one run of a periodic job and records how it ended.
    pub fn job<T>(&self, job: &str, run: impl FnOnce() -> AppResult<T>) -> AppResult<T> {
        let started = Instant::now();
        let result = run();
        self.job_duration
            .with_label_values(&[job])
            .observe(started.elapsed().as_secs_f64());
        match &result {
            Ok(_) => self
                .job_last_success
                .with_label_values(&[job])
                .set(Utc::now().timestamp_millis() as f64 / 1000.0),
            Err(_) => self.job_failures.with_label_values(&[job]).inc(),
        }
        result
    }

    pub fn pool_wait(&self, pool: &str, waited: Duration) {
        self.pool_wait
            .with_label_values(&[pool])
            .observe(waited.as_secs_f64());
    }

    /// Sets the database gauges from a snapshot (labels that disappeared are dropped).
    fn apply(&self, s: &Snapshot, now: DateTime<Utc>) {
        for g in [
            &self.outbox_pending,
            &self.outbox_dead,
            &self.overdue,
            &self.callbacks_open,
            &self.callbacks_overdue,
        ] {
            g.reset();
        }
        // Kinds and the served comuni are always present, at 0 when quiet.
        for kind in ["email", "webhook"] {
            self.outbox_pending.with_label_values(&[kind]).set(0);
            self.outbox_dead.with_label_values(&[kind]).set(0);
        }
        for m in &s.municipalities {
            for g in [&self.overdue, &self.callbacks_open, &self.callbacks_overdue] {
                g.with_label_values(&[m]).set(0);
            }
        }
        for (kind, n) in &s.outbox_pending {
            self.outbox_pending.with_label_values(&[kind]).set(*n);
        }
        for (kind, n) in &s.outbox_dead {
            self.outbox_dead.with_label_values(&[kind]).set(*n);
        }
        self.outbox_oldest.set(
            s.oldest_pending
                .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
                .unwrap_or(0.0),
        );
        for (m, n) in &s.overdue {
            self.overdue.with_label_values(&[m]).set(*n);
        }
        for (m, n) in &s.callbacks_open {
            self.callbacks_open.with_label_values(&[m]).set(*n);
        }
        for (m, n) in &s.callbacks_overdue {
            self.callbacks_overdue.with_label_values(&[m]).set(*n);
        }
    }

    /// The text exposition, with the database gauges at most `max_age` old.
    pub fn render(
        &self,
        store: &Store,
        cache: &SnapshotCache,
        max_age: Duration,
    ) -> AppResult<String> {
        let snapshot = {
            let mut cached = cache.0.lock().map_err(AppError::internal)?;
            match &*cached {
                Some((at, s)) if at.elapsed() < max_age => s.clone(),
                _ => {
                    let started = Instant::now();
                    let s = store.read(|c| Ok(crate::store::ops::snapshot(c, Utc::now())?))?;
                    self.scrape_duration.set(started.elapsed().as_secs_f64());
                    *cached = Some((Instant::now(), s.clone()));
                    s
                }
            }
        };
        let _one = self.rendering.lock().map_err(AppError::internal)?;
        self.apply(&snapshot, Utc::now());
        for (pool, state) in store.pool_states() {
            self.pool_connections
                .with_label_values(&[pool, "idle"])
                .set(i64::from(state.idle_connections));
            self.pool_connections
                .with_label_values(&[pool, "in_use"])
                .set(i64::from(state.connections - state.idle_connections));
            self.pool_max
                .with_label_values(&[pool])
                .set(i64::from(state.max_size));
        }
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(AppError::internal)?;
        String::from_utf8(out).map_err(AppError::internal)
    }
}
