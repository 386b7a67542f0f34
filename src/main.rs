//! The `segnala` command line: `serve`, `migrate`, `demo`, and the admin
//! commands for municipalities, offices, categories and routing zones.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};

mod cli;

use segnala::app::admin::calendar::{self as admin_calendar, HolidayInput};
use segnala::app::admin::Admin;
use segnala::config::Config;
use segnala::error::{AppError, AppResult};
use segnala::http::{self, AppState};
use segnala::store::municipalities;
use segnala::store::{naive, Store};

#[derive(Parser)]
#[command(
    name = "segnala",
    version,
    about = "Citizens' reports for Italian municipalities"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve HTTP (the default).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Set up the demo municipality (Pisa) unless present, and print what it holds.
    Demo,
    /// Print the OpenAPI document (as committed in api-spec/openapi.json).
    Openapi,
    /// Municipalities and their calendars.
    #[command(subcommand)]
    Municipality(MunicipalityCmd),
    /// Offices of a municipality.
    #[command(subcommand)]
    Office(cli::office::OfficeCmd),
    /// Categories of a municipality.
    #[command(subcommand)]
    Category(cli::category::CategoryCmd),
    /// Routing zones (polygon → office override).
    #[command(subcommand)]
    Zone(cli::zone::ZoneCmd),
    /// Escalate every report past its take-in deadline (for cron and tests).
    Sweep {
        /// Sweep as if it were this instant (RFC 3339), instead of now.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Staff accounts.
    #[command(subcommand)]
    User(cli::user::UserCmd),
    /// The notification outbox.
    #[command(subcommand)]
    Outbox(cli::outbox::OutboxCmd),
    /// API keys for integrations (Open311 clients, external offices).
    #[command(subcommand)]
    Apikey(cli::apikey::ApikeyCmd),
    /// Benchmarks (run through scripts/bench, on a scratch database).
    #[command(subcommand, hide = true)]
    Bench(BenchCmd),
    /// Bytes on disk per table and per report, and the data directory's size.
    Storage,
    /// Data protection.
    #[command(subcommand)]
    Retention(RetentionCmd),
    /// Copy a running SQLite deployment (database, photos, documents) into a
    /// new directory, consistently, without stopping it.
    Backup {
        /// The directory to create (it must not exist or be empty).
        dir: PathBuf,
    },
    /// Bring a backup back into this (stopped) deployment, after checking it.
    Restore {
        /// A directory written by `segnala backup`.
        dir: PathBuf,
        /// Overwrite the database if it exists.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
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
        /// Scratch directory (created; removed by the caller).
        #[arg(long)]
        scratch: PathBuf,
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

#[derive(Subcommand)]
enum RetentionCmd {
    /// Erase reporters' name, email and phone from reports closed more than N days ago.
    Run {
        /// Default: the configured retention (365 days).
        #[arg(long)]
        days: Option<i64>,
    },
}

#[derive(Subcommand)]
enum MunicipalityCmd {
    /// Serve a comune (or update its boundary), by ISTAT code: from the
    /// national boundaries shipped with segnala, or from `--geojson FILE`.
    #[command(alias = "import")]
    Add {
        #[arg(long)]
        istat: String,
        /// A GeoJSON file with a newer boundary (default: the national file).
        #[arg(long)]
        geojson: Option<PathBuf>,
        #[arg(long)]
        name: Option<String>,
        /// Prefix of report codes (default: the province acronym, or the cadastral code if taken).
        #[arg(long)]
        prefix: Option<String>,
        /// Also add the starter catalogue (standard categories and offices),
        /// so that the comune takes reports at once.
        #[arg(long)]
        starter: bool,
        /// The URP's email, for the starter's URP office and the citizen pages.
        #[arg(long)]
        urp_email: Option<String>,
    },
    /// Find a comune's ISTAT code by name in the national boundaries.
    Search { query: String },
    /// List served municipalities.
    List,
    /// Add a municipal holiday or closure (`--reopened`: a national holiday
    /// that is worked; `--every-year`: the same day every year).
    Holiday {
        #[arg(long)]
        istat: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        name: String,
        #[arg(long)]
        reopened: bool,
        /// The same day and month every year (the patron saint).
        #[arg(long)]
        every_year: bool,
        /// Remove the date (or, with --every-year, the yearly holiday) instead.
        #[arg(long)]
        remove: bool,
    },
}

fn main() -> ExitCode {
    // Everything the service writes (database, documents, mail, secrets) is
    // for its own user only.
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("segnala: {e}");
            return ExitCode::from(2);
        }
    };
    segnala::logging::init(&config);
    match run(cli.command.unwrap_or(Command::Serve), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segnala: {} ({})", e, e.code());
            // Which field, and why, as the API would say.
            if let AppError::Validation(fields) = &e {
                for f in fields {
                    eprintln!("  {}: {} ({})", f.field, f.message, f.code);
                }
            }
            ExitCode::FAILURE
        }
    }
}

fn print_manifest(what: &str, dir: &std::path::Path, m: &segnala::backup::Manifest) {
    println!(
        "{what} {} (taken {}, segnala {})",
        dir.display(),
        m.created_at.to_rfc3339(),
        m.version
    );
    for (table, n) in &m.rows {
        println!("  {table:<16} {n:>10}");
    }
    println!("  files            {:>10}", m.files_copied);
    if !m.files_missing.is_empty() {
        println!(
            "  {} file(s) were erased while the backup ran (their rows are in it)",
            m.files_missing.len()
        );
    }
}

fn run(command: Command, config: Config) -> AppResult<()> {
    let now = naive(Utc::now());
    match command {
        Command::Openapi => {
            print!("{}", http::openapi::document());
            Ok(())
        }
        Command::Migrate => {
            let store = Store::open(&config.database_url, 1)?;
            let applied = store.migrate()?;
            println!("{} migration(s) applied", applied.len());
            Ok(())
        }
        Command::Serve => serve(config),
        Command::Storage => {
            let store = cli::open(&config)?;
            let f = store.read(segnala::store::ops::footprint)?;
            println!("{:<24} {:>14} {:>12}", "table", "bytes", "per report");
            let per = |b: i64| {
                if f.reports > 0 {
                    format!("{:.0}", b as f64 / f.reports as f64)
                } else {
                    "-".into()
                }
            };
            for (name, bytes) in &f.tables {
                println!("{name:<24} {bytes:>14} {:>12}", per(*bytes));
            }
            println!(
                "{:<24} {:>14} {:>12}",
                "all tables",
                f.total(),
                per(f.total())
            );
            println!("reports: {}", f.reports);
            for dir in ["attachments", "mail"] {
                let path = config.data_dir.join(dir);
                println!(
                    "{:<24} {:>14}",
                    format!("data/{dir}"),
                    segnala::files::tree_size(&path)
                );
            }
            Ok(())
        }
        Command::Backup { dir } => {
            let store = cli::open(&config)?;
            let m = segnala::backup::backup(&store, &config.data_dir, &dir, Utc::now())?;
            print_manifest("backup written to", &dir, &m);
            Ok(())
        }
        Command::Restore { dir, replace } => {
            let m =
                segnala::backup::restore(&dir, &config.database_url, &config.data_dir, replace)?;
            print_manifest("restored from", &dir, &m);
            // Migrations of a newer version apply now, not at the first request.
            cli::open(&config)?;
            Ok(())
        }
        Command::User(cmd) => cli::user::run(cmd, &config),
        Command::Outbox(cmd) => cli::outbox::run(cmd, &config),
        Command::Apikey(cmd) => cli::apikey::run(cmd, &config),
        Command::Office(cmd) => cli::office::run(cmd, &config),
        Command::Category(cmd) => cli::category::run(cmd, &config),
        Command::Zone(cmd) => cli::zone::run(cmd, &config),
        Command::Bench(BenchCmd::Sla { reports, overdue }) => {
            let store = cli::open(&config)?;
            segnala::bench::sla(&store, reports, overdue)
        }
        Command::Bench(BenchCmd::Ops { reports }) => {
            let store = cli::open(&config)?;
            segnala::bench::ops(&store, reports)
        }
        Command::Bench(BenchCmd::Compare {
            backend,
            pg_url,
            reports,
            seconds,
            rounds,
            connections,
            scratch,
        }) => {
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
        Command::Bench(BenchCmd::Load {
            addr,
            scenario,
            seconds,
            connections,
            rate,
        }) => {
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
        Command::Bench(BenchCmd::Bare { url, bind, workers }) => {
            segnala::bench::bare::serve(&url, &bind, workers)
        }
        Command::Sweep { at } => {
            let store = cli::open(&config)?;
            let now = at.map(|t| t.with_timezone(&Utc)).unwrap_or_else(Utc::now);
            let outcome = segnala::jobs::sweep_and_notify(
                &store,
                now,
                config.escalation_policy(),
                &config.links(),
            )?;
            println!(
                "{} report(s) escalated to level 1, {} to level 2",
                outcome.level1, outcome.level2
            );
            Ok(())
        }
        Command::Retention(RetentionCmd::Run { days }) => {
            let store = cli::open(&config)?;
            let days = days.unwrap_or(config.retention_days);
            let n = segnala::jobs::retention(&store, &config.data_dir, days, Utc::now())?;
            println!("{n} report(s) anonymised (closed more than {days} days ago)");
            let h = segnala::jobs::housekeeping(
                &store,
                &config.data_dir,
                segnala::jobs::Keep::from_config(&config),
                Utc::now(),
            )?;
            println!(
                "housekeeping: {} delivered and {} dead notification(s), {} mail file(s) removed",
                h.sent, h.dead, h.mail_files
            );
            Ok(())
        }
        Command::Demo => {
            let store = cli::open(&config)?;
            let demo = segnala::demo::setup(&store)?;
            let accounts = segnala::demo::setup_accounts(&store, &config.data_dir)?;
            println!(
                "Demo municipality: {} ({}), {} categories, offices:",
                demo.municipality,
                if demo.created {
                    "created"
                } else {
                    "already present"
                },
                demo.categories
            );
            for (code, name) in demo.offices {
                println!("  {code:16} {name}");
            }
            println!(
                "Demo staff accounts (sign in at /staff, or with POST /api/v1/auth/login; kept in {}):",
                config.data_dir.join("demo-accounts.txt").display()
            );
            for (user, password, role) in accounts {
                println!("  {role:11} {user:16} {password}");
            }
            Ok(())
        }
        Command::Municipality(cmd) => {
            let store = cli::open(&config)?;
            match cmd {
                MunicipalityCmd::Add {
                    geojson,
                    istat,
                    name,
                    prefix,
                    starter,
                    urp_email,
                } => {
                    let doc = match &geojson {
                        Some(path) => cli::read_json(path)?,
                        None => segnala::boundaries::national()?,
                    };
                    let urp_email = urp_email
                        .map(|e| segnala::domain::validate::email(&e))
                        .transpose()
                        .map_err(|e| AppError::bad_request("invalid_email", e.message))?;
                    let served = store.write(|conn| {
                        segnala::comuni::serve(
                            conn,
                            &doc,
                            segnala::comuni::NewComune {
                                istat: istat.clone(),
                                name,
                                prefix,
                                urp_email,
                                starter,
                            },
                            now,
                        )
                    })?;
                    drop(doc);
                    let (m, added) = (served.municipality, served.catalogue);
                    println!(
                        "{} {} ({}) served (codes {}-YYYY-NNNNNN)",
                        m.id,
                        m.name,
                        served.province.as_deref().unwrap_or("-"),
                        m.code_prefix
                    );
                    if let Some((offices, categories)) = added {
                        println!("starter catalogue: {offices} offices, {categories} categories");
                    }
                    if geojson.is_none() {
                        println!("{}", segnala::boundaries::ATTRIBUTION);
                    }
                    Ok(())
                }
                MunicipalityCmd::Search { query } => {
                    let found =
                        segnala::boundaries::search(&segnala::boundaries::national()?, &query);
                    if found.is_empty() {
                        println!("no comune matches `{query}`");
                    }
                    for e in found.iter().take(50) {
                        println!("{}  {:<40} {}  {}", e.istat, e.name, e.province, e.region);
                    }
                    if found.len() > 50 {
                        println!("… and {} more: be more precise", found.len() - 50);
                    }
                    Ok(())
                }
                MunicipalityCmd::List => {
                    for m in store.read(municipalities::list)? {
                        println!("{}  {:4}  {}", m.id, m.code_prefix, m.name);
                    }
                    Ok(())
                }
                MunicipalityCmd::Holiday {
                    istat,
                    date,
                    name,
                    reopened,
                    every_year,
                    remove,
                } => store.write(|conn| {
                    municipalities::find(conn, &istat)?.ok_or_else(|| {
                        AppError::not_found(
                            "municipality_not_found",
                            format!("no municipality {istat}"),
                        )
                    })?;
                    let who = Admin::cli(&istat);
                    if remove {
                        admin_calendar::remove_holiday(conn, &who, date, every_year)
                    } else {
                        let holiday = HolidayInput {
                            date,
                            name,
                            reopened,
                            every_year,
                        };
                        admin_calendar::add_holiday(conn, &who, holiday)
                    }
                }),
            }
        }
    }
}

/// Buffers of a megabyte or more (an argon2 verification's 19 MiB, a decoded
/// photo) are mapped and unmapped on their own, so their memory goes back to
/// the system as soon as the work ends. glibc's adaptive threshold would
/// otherwise move them into per-thread arenas after the first free, and a
/// burst of sign-ins spread over the blocking threads left the process
/// holding over a gigabyte it no longer used (measured: 1.26 GB after 120
/// parallel sign-ins, with at most two verifications at a time).
fn release_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn serve(config: Config) -> AppResult<()> {
    release_large_buffers();
    segnala::files::private_data_dir(&config.data_dir).map_err(|e| {
        AppError::internal(format!("cannot create {}: {e}", config.data_dir.display()))
    })?;
    let mut store = cli::open(&config)?;
    if let Some(url) = &config.database_read_url {
        store = store.with_replica(
            url,
            config.database_pool_size,
            std::time::Duration::from_millis(config.database_read_max_lag_ms),
        )?;
        store.watch_replica();
    }
    segnala::jobs::scrub_legacy(&store, &config.data_dir)?;
    let listener = std::net::TcpListener::bind(&config.bind)
        .map_err(|e| AppError::internal(format!("cannot listen on {}: {e}", config.bind)))?;
    let workers = config.workers;
    tracing::info!(http.bind = %config.bind, db.backend = ?store.backend(), "segnala listening");
    let dispatcher = segnala::jobs::dispatch::Dispatcher::from_config(store.clone(), &config)?;
    segnala::jobs::spawn(
        store.clone(),
        segnala::jobs::Schedule {
            sweep_every: std::time::Duration::from_secs(config.sweep_interval_seconds.max(1)),
            policy: config.escalation_policy(),
            retention_days: config.retention_days,
            keep: segnala::jobs::Keep::from_config(&config),
            data_dir: config.data_dir.clone(),
            dispatch_every: std::time::Duration::from_secs(config.dispatch_interval_seconds.max(1)),
            links: config.links(),
        },
        dispatcher,
    );
    let state = AppState::new(store, config)?;
    actix_web::rt::System::new().block_on(async move {
        http::server(state, listener, workers)
            .map_err(|e| AppError::internal(format!("server: {e}")))?
            .await
            .map_err(|e| AppError::internal(format!("server: {e}")))
    })
}
