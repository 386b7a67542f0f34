//! `segnala bench …` (hidden): the benchmarks `scripts/bench` runs, on
//! scratch databases.

use std::path::PathBuf;

use clap::Subcommand;

use segnala::config::Config;
use segnala::error::{AppError, AppResult};

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Idle sweep over many reports, then the escalation of many overdue ones.
    Sla {
        #[arg(long, default_value_t = 1_000_000)]
        reports: i64,
        #[arg(long, default_value_t = 10_000)]
        overdue: i64,
    },
    /// Bytes per report after delivery, and the scrape time of /metrics'
    /// database gauges, on `reports` filled reports (on a scratch database).
    Ops {
        #[arg(long, default_value_t = 100_000)]
        reports: usize,
    },
    /// segnala against the bare stack on the same data and load, one backend.
    Compare {
        /// `sqlite` or `postgres`.
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Administrative PostgreSQL URL (scratch databases are made and dropped).
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
        pg_url: String,
        #[arg(long, default_value_t = 100_000)]
        reports: usize,
        /// Seconds per run.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Interleaved rounds (the median is reported).
        #[arg(long, default_value_t = 2)]
        rounds: usize,
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Seconds of intake at 500 req/s while the outbox lag is watched
        /// (0: skip the notification measurements).
        #[arg(long, default_value_t = 60)]
        sustain: u64,
        /// Scratch directory (created; removed by the caller).
        #[arg(long)]
        scratch: PathBuf,
    },
    /// Fills the configured database as the comparison fills its own (its
    /// reports, events and delivered mail), and stops: a database that no
    /// service has run on yet (scripts/first-filings, scripts/bench-ab).
    Fill {
        #[arg(long, default_value_t = 100_000)]
        reports: usize,
        /// Leave every delivered acknowledgement, as if housekeeping had
        /// never run (by default: those it keeps).
        #[arg(long)]
        all_mail: bool,
    },
    /// Drives one scenario of the comparison against a running service
    /// (for profiling): `bbox`, `nearby`, `clusters` or `post`.
    Load {
        #[arg(long)]
        addr: std::net::SocketAddr,
        #[arg(long)]
        scenario: String,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Requests per second offered (open loop); default: closed loop.
        #[arg(long)]
        rate: Option<f64>,
    },
    /// The bare actix-web + diesel service the comparison measures against.
    Bare {
        #[arg(long)]
        url: String,
        #[arg(long)]
        bind: String,
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
}

pub fn run(cmd: BenchCmd, config: &Config) -> AppResult<()> {
    match cmd {
        BenchCmd::Sla { reports, overdue } => {
            let store = super::open(config)?;
            segnala::bench::sla(&store, reports, overdue)
        }
        BenchCmd::Ops { reports } => {
            let store = super::open(config)?;
            segnala::bench::ops(&store, reports)
        }
        BenchCmd::Compare {
            backend,
            pg_url,
            reports,
            seconds,
            rounds,
            connections,
            sustain,
            scratch,
        } => {
            let backend = match backend.as_str() {
                "postgres" => segnala::store::Backend::Postgres,
                _ => segnala::store::Backend::Sqlite,
            };
            std::fs::create_dir_all(&scratch).map_err(AppError::internal)?;
            let options = segnala::bench::compare::Options {
                backend,
                pg_admin: pg_url.trim_end_matches('/').to_string(),
                reports,
                seconds,
                rounds,
                connections,
                sustain_seconds: sustain,
                scratch,
            };
            let (lines, facts) = segnala::bench::compare::run(&options)?;
            print!(
                "{}",
                segnala::bench::compare::table(
                    &[(backend, lines, facts)],
                    reports,
                    seconds,
                    rounds
                )
            );
            Ok(())
        }
        BenchCmd::Fill { reports, all_mail } => {
            use segnala::bench::fill;
            let store = super::open(config)?;
            let mail = if all_mail {
                fill::Mail::All
            } else {
                fill::Mail::KeptDays(config.outbox_keep_sent_days)
            };
            let filled = fill::segnala(&store, &fill::reports(reports, 42), mail)?;
            println!("{filled} reports filled");
            Ok(())
        }
        BenchCmd::Load {
            addr,
            scenario,
            seconds,
            connections,
            rate,
        } => {
            let stats =
                segnala::bench::compare::drive(addr, &scenario, seconds, connections, rate)?;
            println!(
                "{scenario}: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors{}",
                stats.rps(),
                stats.ms(0.5),
                stats.ms(0.99),
                stats.max_ms(),
                stats.errors,
                stats
                    .first_error
                    .map(|e| format!(" (first: {e})"))
                    .unwrap_or_default()
            );
            Ok(())
        }
        BenchCmd::Bare { url, bind, workers } => segnala::bench::bare::serve(&url, &bind, workers),
    }
}
