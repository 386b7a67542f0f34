//! The `segnala` command line: `serve`, `migrate`, `demo`, and the admin
//! commands for municipalities, offices, categories and routing zones.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};

mod cli;

use segnala::config::Config;
use segnala::error::{AppError, AppResult};
use segnala::http;
use segnala::store::Store;

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
    Municipality(cli::municipality::MunicipalityCmd),
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
    Bench(cli::bench::BenchCmd),
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
enum RetentionCmd {
    /// Erase reporters' name, email and phone from reports closed more than N days ago.
    Run {
        /// Default: the configured retention (365 days).
        #[arg(long)]
        days: Option<i64>,
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
        Command::Serve => cli::serve::serve(config),
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
        Command::Bench(cmd) => cli::bench::run(cmd, &config),
        Command::Municipality(cmd) => cli::municipality::run(cmd, &config),
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
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command's arguments are consistent (clap's own checks: no
    /// duplicate flags, no conflicting defaults).
    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
