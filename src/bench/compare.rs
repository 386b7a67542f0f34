//! BENCHMARK-ONLY: segnala against the bare stack, on the same data and the
//! same load, interleaved, on one backend. Each service runs in its own
//! process (the release binary), filled with the same reports; the load
//! generator drives one at a time, bare first, then segnala, `rounds` times,
//! and the median round of each is reported with the ratio.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::fill;
use super::load::{self, Plan, Request, Stats};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{Backend, Store};

/// What to compare.
#[derive(Debug, Clone)]
pub struct Options {
    pub backend: Backend,
    /// `postgres://user@host:port` (an administrative connection).
    pub pg_admin: String,
    pub reports: usize,
    pub seconds: u64,
    pub rounds: usize,
    pub connections: usize,
    /// How long intake is sustained at [`SUSTAINED_RATE`] while the outbox
    /// lag is sampled (0: skipped).
    pub sustain_seconds: u64,
    /// Where scratch files go (removed by the caller).
    pub scratch: PathBuf,
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Line {
    pub scenario: String,
    pub bare: Option<Stats>,
    pub segnala: Stats,
}

/// A child process killed when dropped.
struct Server(Child);

impl Server {
    /// SIGTERM, as a deploy stops it: the dispatcher gives back what it
    /// claimed and did not send, so that the next start need not wait for
    /// its leases. SIGKILL after 15 s.
    fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid, with a valid signal.
        unsafe {
            libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM);
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> AppResult<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(AppError::internal)?;
    l.local_addr().map_err(AppError::internal)
}

fn wait_ready(addr: SocketAddr, path: &str) -> AppResult<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let plan = Plan {
            addr,
            connections: 1,
            duration: Duration::from_millis(20),
            rate: None,
            make: {
                let path = path.to_string();
                Arc::new(move |_| Request {
                    method: "GET",
                    path: path.clone(),
                    body: None,
                })
            },
        };
        if load::run(&plan).ok > 0 {
            return Ok(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(AppError::internal(format!("{addr} did not become ready")))
}

/// A random box of 0.01° in the centre, the map list's request.
fn bbox_request(i: u64) -> Request {
    let mut rng = StdRng::seed_from_u64(i);
    let (lat, lon) = (
        rng.gen_range(fill::CENTRE.0..fill::CENTRE.2 - 0.01),
        rng.gen_range(fill::CENTRE.1..fill::CENTRE.3 - 0.01),
    );
    Request {
        method: "GET",
        path: format!(
            "/api/v1/reports?bbox={lon:.5},{lat:.5},{:.5},{:.5}&limit=100",
            lon + 0.01,
            lat + 0.01
        ),
        body: None,
    }
}

fn nearby_request(i: u64) -> Request {
    let mut rng = StdRng::seed_from_u64(i ^ 0x9e37);
    let (lat, lon) = (
        rng.gen_range(fill::CENTRE.0..fill::CENTRE.2),
        rng.gen_range(fill::CENTRE.1..fill::CENTRE.3),
    );
    Request {
        method: "GET",
        path: format!("/api/v1/reports/nearby?lat={lat:.5}&lon={lon:.5}&radius_m=200"),
        body: None,
    }
}

fn post_request(i: u64) -> Request {
    let mut rng = StdRng::seed_from_u64(i ^ 0x51ed);
    // Inside the comune's boundary (the centre box touches San Giuliano Terme).
    let (lat, lon) = (rng.gen_range(43.700..43.725), rng.gen_range(10.385..10.415));
    Request {
        method: "POST",
        path: "/api/v1/reports".into(),
        body: Some(format!(
            r#"{{"category":"buche","description":"Buca profonda davanti al civico {i}","lat":{lat:.6},"lon":{lon:.6},"reporter":{{"name":"Cittadino {i}","email":"c{i}@example.it"}}}}"#
        )),
    }
}

/// The whole comune at a town's zoom (the same request every time).
fn clusters_request(_: u64) -> Request {
    Request {
        method: "GET",
        path: format!(
            "/api/v1/reports/clusters?bbox={},{},{},{}&zoom=13",
            fill::TERRITORY.1,
            fill::TERRITORY.0,
            fill::TERRITORY.3,
            fill::TERRITORY.2
        ),
        body: None,
    }
}

/// Runs one named scenario against `addr` (for profiling a running service).
pub fn drive(
    addr: SocketAddr,
    scenario: &str,
    seconds: u64,
    connections: usize,
    rate: Option<f64>,
) -> AppResult<Stats> {
    let make: fn(u64) -> Request = match scenario {
        "bbox" => bbox_request,
        "nearby" => nearby_request,
        "clusters" => clusters_request,
        "post" => post_request,
        other => {
            return Err(AppError::bad_request(
                ErrorCode::UnknownScenario,
                format!("no scenario `{other}`"),
            ))
        }
    };
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        << 20;
    Ok(load::run(&Plan {
        addr,
        connections,
        duration: Duration::from_secs(seconds),
        rate,
        make: Arc::new(move |i| make(i + seed)),
    }))
}

struct Databases {
    segnala: String,
    bare: String,
    drop_pg: Option<(String, Vec<String>)>,
}

impl Drop for Databases {
    fn drop(&mut self) {
        if let Some((admin, names)) = &self.drop_pg {
            if let Ok(mut c) = PgConnection::establish(&format!("{admin}/postgres")) {
                for n in names {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"));
                }
            }
        }
    }
}

fn databases(o: &Options) -> AppResult<Databases> {
    match o.backend {
        Backend::Sqlite => Ok(Databases {
            segnala: format!("sqlite://{}", o.scratch.join("segnala.db").display()),
            bare: format!("sqlite://{}", o.scratch.join("bare.db").display()),
            drop_pg: None,
        }),
        Backend::Postgres => {
            let mut c = PgConnection::establish(&format!("{}/postgres", o.pg_admin))
                .map_err(|e| AppError::Unavailable(format!("PostgreSQL at {}: {e}", o.pg_admin)))?;
            let names: Vec<String> = ["segnala", "bare"]
                .iter()
                .map(|n| format!("bench_{n}_{}", std::process::id()))
                .collect();
            for n in &names {
                // One statement each: together they would be one transaction.
                c.batch_execute(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))?;
                c.batch_execute(&format!("CREATE DATABASE {n}"))?;
            }
            Ok(Databases {
                segnala: format!("{}/{}", o.pg_admin, names[0]),
                bare: format!("{}/{}", o.pg_admin, names[1]),
                drop_pg: Some((o.pg_admin.clone(), names)),
            })
        }
    }
}

/// How often the dispatcher of a benchmarked service looks for work when it
/// is not delivering: never, in effect.
const NO_DELIVERY: &str = "1000000000";

fn segnala_server(
    bin: &Path,
    url: &str,
    data: &Path,
    addr: SocketAddr,
    dispatch_every: Option<&str>,
) -> AppResult<Server> {
    let mut command = Command::new(bin);
    if let Some(every) = dispatch_every {
        command.env("SEGNALA_DISPATCH_INTERVAL_SECONDS", every);
    }
    command
        .arg("serve")
        .env("SEGNALA_DATABASE_URL", url)
        .env("SEGNALA_DATA_DIR", data)
        .env("SEGNALA_BIND", addr.to_string())
        .env("SEGNALA_WORKERS", "2")
        .env("SEGNALA_LOG", "warn")
        .env("SEGNALA_REPORTS_PER_IP_PER_HOUR", "1000000000")
        .env("SEGNALA_DATABASE_POOL_SIZE", "16")
        .spawn()
        .map(Server)
        .map_err(AppError::internal)
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn median(mut runs: Vec<Stats>) -> Stats {
    runs.sort_by(|a, b| a.rps().total_cmp(&b.rps()));
    runs.swap_remove(runs.len() / 2)
}

/// Facts measured besides the table.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub fill_seconds: f64,
    pub cold_start_ms: f64,
    pub peak_rss_mib: f64,
    pub equivalence: String,
    pub delivery: Option<Delivery>,
}

/// Requests per second offered while the outbox lag is watched.
pub const SUSTAINED_RATE: f64 = 500.0;

/// Notifications under intake, measured besides the table.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub seconds: u64,
    /// POST at [`SUSTAINED_RATE`] while the dispatcher delivers.
    pub sustained: Stats,
    /// The oldest due notification's wait, sampled every 250 ms: the
    /// largest, and the last sample before the load stopped.
    pub max_lag_s: f64,
    pub end_lag_s: f64,
    /// After the load: how long until nothing was due (`None`: not within 60 s).
    pub drained_s: Option<f64>,
    /// Notifications marked sent during the run and its drain.
    pub sent: i64,
    /// POST in a closed loop (median of the rounds), delivering and not.
    pub delivering: Stats,
    pub not_delivering: Stats,
}

/// A scenario: its name, its requests, a fixed rate (or a closed loop), and
/// whether the bare stack serves it too.
type Scenario = (&'static str, fn(u64) -> Request, Option<f64>, bool);

/// What the table measures, in its order.
const SCENARIOS: [Scenario; 5] = [
    (
        "GET /api/v1/reports?bbox= (0.01°, limit 100)",
        bbox_request,
        None,
        true,
    ),
    (
        "GET /api/v1/reports/nearby (200 m)",
        nearby_request,
        None,
        true,
    ),
    (
        "GET /api/v1/reports/clusters (whole comune)",
        clusters_request,
        None,
        false,
    ),
    (
        "POST /api/v1/reports, closed loop",
        post_request,
        None,
        true,
    ),
    (
        "POST /api/v1/reports at 1,000 req/s",
        post_request,
        Some(1000.0),
        true,
    ),
];

/// Runs the comparison on one backend.
pub fn run(o: &Options) -> AppResult<(Vec<Line>, Facts)> {
    let bin = std::env::current_exe().map_err(AppError::internal)?;
    let dbs = databases(o)?;
    let data = o.scratch.join(format!("data-{:?}", o.backend));
    let mut facts = Facts {
        fill_seconds: fill_both(o, &dbs)?,
        ..Facts::default()
    };
    let (s_addr, b_addr) = (free_port()?, free_port()?);
    let (mut segnala, cold_start_ms) = start_segnala(&bin, &dbs.segnala, &data, s_addr)?;
    facts.cold_start_ms = cold_start_ms;
    let _bare = start_bare(&bin, &dbs.bare, b_addr)?;
    facts.equivalence = equivalence(s_addr, &dbs.segnala)?;

    let mut lines = Vec::new();
    let mut offset = 0u64;
    for scenario in SCENARIOS {
        let line = measure(o, scenario, s_addr, b_addr, &mut offset);
        eprintln!("  {}", format_line(&line, o.backend));
        lines.push(line);
    }
    facts.peak_rss_mib = peak_rss_mib(segnala.0.id());
    if o.sustain_seconds > 0 {
        let delivery = delivery(o, &bin, &dbs.segnala, &data, &mut segnala, s_addr, offset)?;
        eprintln!("  {}", format_delivery(&delivery));
        facts.delivery = Some(delivery);
        facts.peak_rss_mib = facts.peak_rss_mib.max(peak_rss_mib(segnala.0.id()));
    }
    // Cold start at the final size: stop, start again, time to ready.
    segnala.stop();
    let (mut again, cold_start_ms) = start_segnala(&bin, &dbs.segnala, &data, s_addr)?;
    facts.cold_start_ms = cold_start_ms;
    again.stop();
    Ok((lines, facts))
}

/// Fills both databases with the same reports; returns how long it took, in seconds.
fn fill_both(o: &Options, dbs: &Databases) -> AppResult<f64> {
    let synthetic = fill::reports(o.reports, 42);
    let started = Instant::now();
    {
        let store = Store::open(&dbs.segnala, 2)?;
        store.migrate()?;
        // As a service that has been running leaves its outbox.
        let kept = crate::config::Config::default().outbox_keep_sent_days;
        fill::segnala(&store, &synthetic, fill::Mail::KeptDays(kept))?;
    }
    fill::bare(&dbs.bare, &synthetic)?;
    Ok(started.elapsed().as_secs_f64())
}

/// Starts segnala and waits until it is ready: the server, and its cold
/// start in milliseconds.
fn start_segnala(bin: &Path, url: &str, data: &Path, addr: SocketAddr) -> AppResult<(Server, f64)> {
    let server = segnala_server(bin, url, data, addr, None)?;
    let started = Instant::now();
    wait_ready(addr, "/readyz")?;
    Ok((server, started.elapsed().as_secs_f64() * 1000.0))
}

/// Starts the bare stack and waits until it answers.
fn start_bare(bin: &Path, url: &str, addr: SocketAddr) -> AppResult<Server> {
    let server = Command::new(bin)
        .args([
            "bench",
            "bare",
            "--url",
            url,
            "--bind",
            &addr.to_string(),
            "--workers",
            "2",
        ])
        .env("SEGNALA_LOG", "warn")
        .spawn()
        .map(Server)
        .map_err(AppError::internal)?;
    wait_ready(addr, "/api/v1/reports?bbox=10.39,43.70,10.40,43.71&limit=1")?;
    Ok(server)
}

/// One line of the table: the scenario's rounds on the bare stack (if it
/// serves it) and on segnala, and the median round of each. `offset` moves
/// on with every round, so that no two rounds send the same requests.
fn measure(
    o: &Options,
    (name, make, rate, with_bare): Scenario,
    s_addr: SocketAddr,
    b_addr: SocketAddr,
    offset: &mut u64,
) -> Line {
    let mut b_runs = Vec::new();
    let mut s_runs = Vec::new();
    for _ in 0..o.rounds.max(1) {
        // Each round starts the request sequence afresh, the same for both.
        let start = *offset;
        let plan = |addr| Plan {
            addr,
            connections: o.connections,
            duration: Duration::from_secs(o.seconds),
            rate,
            make: Arc::new(move |i| make(i + start)),
        };
        if with_bare {
            b_runs.push(load::run(&plan(b_addr)));
        }
        s_runs.push(load::run(&plan(s_addr)));
        *offset += 10_000_000;
    }
    Line {
        scenario: name.to_string(),
        bare: with_bare.then(|| median(b_runs)),
        segnala: median(s_runs),
    }
}

/// How long the oldest due notification has waited, in seconds (0: none).
fn outbox_lag(store: &Store) -> AppResult<f64> {
    use crate::store::schema::outbox;
    use diesel::prelude::*;
    let now = chrono::Utc::now().naive_utc();
    let oldest: Option<chrono::NaiveDateTime> = store.read(|c| {
        Ok(outbox::table
            .filter(outbox::state.eq("pending"))
            .filter(outbox::next_attempt_at.le(now))
            .select(diesel::dsl::min(outbox::next_attempt_at))
            .first(c)?)
    })?;
    Ok(oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0))
}

fn sent_count(store: &Store) -> AppResult<i64> {
    use crate::store::schema::outbox;
    use diesel::prelude::*;
    store.read(|c| {
        Ok(outbox::table
            .filter(outbox::state.eq("sent"))
            .count()
            .get_result(c)?)
    })
}

/// Notifications keep up: intake sustained at [`SUSTAINED_RATE`] with the
/// dispatcher delivering as configured by default (every filing queues an email), the
/// outbox lag sampled meanwhile and until it drains; then POST in a closed
/// loop with the dispatcher delivering and with it idle, interleaved, to
/// show what delivering costs intake. `segnala` is restarted as needed and
/// left running, delivering.
fn delivery(
    o: &Options,
    bin: &Path,
    url: &str,
    data: &Path,
    segnala: &mut Server,
    addr: SocketAddr,
    offset: u64,
) -> AppResult<Delivery> {
    let mut restart = |every: Option<&str>| -> AppResult<()> {
        segnala.stop();
        *segnala = segnala_server(bin, url, data, addr, every)?;
        wait_ready(addr, "/readyz").map(|_| ())
    };
    let store = Store::open(url, 1)?;
    let plan = |rate, seconds, offset: u64| Plan {
        addr,
        connections: o.connections,
        duration: Duration::from_secs(seconds),
        rate,
        make: Arc::new(move |i| post_request(i + offset)),
    };
    // Start from an empty queue: what the earlier scenarios queued goes first.
    restart(None)?;
    let waited = Instant::now();
    while outbox_lag(&store)? > 0.0 && waited.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(500));
    }
    let sent_before = sent_count(&store)?;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (sustained, samples) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut samples = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                samples.push(outbox_lag(&store).unwrap_or(f64::NAN));
                std::thread::sleep(Duration::from_millis(250));
            }
            samples
        });
        let stats = load::run(&plan(Some(SUSTAINED_RATE), o.sustain_seconds, offset));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (stats, sampler.join().unwrap_or_default())
    });
    let drain = Instant::now();
    let mut drained_s = None;
    while drain.elapsed() < Duration::from_secs(60) {
        if outbox_lag(&store)? == 0.0 {
            drained_s = Some(drain.elapsed().as_secs_f64());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let sent = sent_count(&store)? - sent_before;
    let mut delivering = Vec::new();
    let mut not_delivering = Vec::new();
    let mut offset = offset + 10_000_000;
    for _ in 0..o.rounds.max(1) {
        restart(Some(NO_DELIVERY))?;
        not_delivering.push(load::run(&plan(None, o.seconds, offset)));
        restart(None)?;
        delivering.push(load::run(&plan(None, o.seconds, offset + 5_000_000)));
        offset += 10_000_000;
    }
    Ok(Delivery {
        seconds: o.sustain_seconds,
        sustained,
        max_lag_s: samples.iter().copied().fold(0.0, f64::max),
        end_lag_s: samples.last().copied().unwrap_or(0.0),
        drained_s,
        sent,
        delivering: median(delivering),
        not_delivering: median(not_delivering),
    })
}

/// The notification facts, one paragraph.
pub fn format_delivery(d: &Delivery) -> String {
    format!(
        "notifications: POST at {:.0} req/s for {} s while delivering: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors; \
         outbox lag max {:.1} s, {:.1} s when the load stopped, {}; {} sent. \
         POST closed loop delivering {:.0} req/s (p99 {:.1} ms) against {:.0} req/s (p99 {:.1} ms) not delivering: ratio {:.2}",
        SUSTAINED_RATE,
        d.seconds,
        d.sustained.rps(),
        d.sustained.ms(0.5),
        d.sustained.ms(0.99),
        d.sustained.max_ms(),
        d.sustained.errors,
        d.max_lag_s,
        d.end_lag_s,
        d.drained_s
            .map_or("not drained within 60 s".to_string(), |s| format!("drained {s:.1} s later")),
        d.sent,
        d.delivering.rps(),
        d.delivering.ms(0.99),
        d.not_delivering.rps(),
        d.not_delivering.ms(0.99),
        d.delivering.rps() / d.not_delivering.rps().max(1e-9),
    )
}

/// Files a sample of reports through the product's own write path and
/// checks that the bulk-filled rows look the same (events, notifications,
/// deadlines): the fill is a faithful stand-in.
fn equivalence(addr: SocketAddr, url: &str) -> AppResult<String> {
    let plan = Plan {
        addr,
        connections: 1,
        duration: Duration::from_millis(500),
        rate: Some(100.0),
        make: Arc::new(|i| post_request(u64::MAX / 2 + i)),
    };
    let filed = load::run(&plan).ok;
    let store = Store::open(url, 1)?;
    let shape = |filed_by_api: bool| -> AppResult<(Vec<String>, i64, bool)> {
        store.read(|c| {
            use crate::store::schema::{outbox, report_events, reports};
            use diesel::prelude::*;
            let newest = reports::table
                .filter(reports::status.eq("new"))
                .filter(reports::reporter_email.is_not_null())
                .select(reports::id)
                .order(reports::id.desc())
                .into_boxed();
            let id: i64 = if filed_by_api {
                newest
                    .filter(reports::tracking_token_hash.not_like("bench-%"))
                    .first(c)?
            } else {
                newest
                    .filter(reports::tracking_token_hash.like("bench-%"))
                    .first(c)?
            };
            let mut kinds: Vec<String> = report_events::table
                .filter(report_events::report_id.eq(id))
                .select(report_events::kind)
                .load(c)?;
            kinds.sort();
            let mail: i64 = outbox::table
                .filter(outbox::report_id.eq(Some(id)))
                .filter(outbox::kind.eq("email"))
                .count()
                .get_result(c)?;
            let due: Option<chrono::NaiveDateTime> = reports::table
                .find(id)
                .select(reports::take_in_due_at)
                .first(c)?;
            Ok((kinds, mail, due.is_some()))
        })
    };
    let (api, bulk) = (shape(true)?, shape(false)?);
    Ok(if api == bulk {
        format!("{filed} reports filed through the API: events {:?}, {} email each, a deadline — the same as the filled ones", api.0, api.1)
    } else {
        format!("DIFFERENT: filed {api:?}, filled {bulk:?}")
    })
}

fn cell(s: &Stats) -> String {
    format!(
        "{:>7.0} req/s  p50 {:>6.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  err {}",
        s.rps(),
        s.ms(0.5),
        s.ms(0.99),
        s.max_ms(),
        s.errors
    )
}

/// One line, as printed while the runs go on.
pub fn format_line(l: &Line, backend: Backend) -> String {
    let ratio = l.bare.as_ref().map_or("—".to_string(), |b| {
        format!("{:.2}", l.segnala.rps() / b.rps().max(1e-9))
    });
    format!(
        "{:<45} {:<10} bare: {}  |  segnala: {}  |  ratio {ratio}{}",
        l.scenario,
        format!("{backend:?}"),
        l.bare.as_ref().map_or("—".to_string(), cell),
        cell(&l.segnala),
        l.segnala
            .first_error
            .as_ref()
            .map_or(String::new(), |e| format!("  (first error: {e})"))
    )
}

/// The whole table, markdown, for the README and the closing notes.
pub fn table(
    results: &[(Backend, Vec<Line>, Facts)],
    reports: usize,
    seconds: u64,
    rounds: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{reports} reports; {seconds} s per run, median of {rounds} interleaved rounds; latency per request\n"
    );
    let _ = writeln!(out, "| path | backend | bare req/s | bare p50 / p99 / max ms | segnala req/s | segnala p50 / p99 / max ms | errors (bare/segnala) | ratio |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for (backend, lines, _) in results {
        for l in lines {
            let b = l.bare.as_ref();
            let _ = writeln!(
                out,
                "| {} | {:?} | {} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {} / {} | {} |",
                l.scenario,
                backend,
                b.map_or("—".into(), |b| format!("{:.0}", b.rps())),
                b.map_or("—".into(), |b| format!(
                    "{:.1} / {:.1} / {:.1}",
                    b.ms(0.5),
                    b.ms(0.99),
                    b.max_ms()
                )),
                l.segnala.rps(),
                l.segnala.ms(0.5),
                l.segnala.ms(0.99),
                l.segnala.max_ms(),
                b.map_or("—".into(), |b| b.errors.to_string()),
                l.segnala.errors,
                b.map_or("—".into(), |b| format!(
                    "{:.2}",
                    l.segnala.rps() / b.rps().max(1e-9)
                )),
            );
        }
    }
    for (backend, _, f) in results {
        let _ = writeln!(
            out,
            "\n{backend:?}: filled in {:.0} s; segnala cold start to /readyz {:.0} ms; peak RSS {:.0} MiB; {}",
            f.fill_seconds, f.cold_start_ms, f.peak_rss_mib, f.equivalence
        );
        if let Some(d) = &f.delivery {
            let _ = writeln!(out, "\n{backend:?}: {}", format_delivery(d));
        }
    }
    out
}
