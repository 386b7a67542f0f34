//! The `segnala` command line: `serve`, `migrate`, `demo`, and the admin
//! commands for municipalities, offices, categories and routing zones.

use std::path::PathBuf;
use std::process::ExitCode;

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
        Command::Storage => cli::ops::storage(&config),
        Command::Backup { dir } => cli::ops::backup(&config, &dir),
        Command::Restore { dir, replace } => cli::ops::restore(&config, &dir, replace),
        Command::Sweep { at } => cli::ops::sweep(&config, at),
        Command::Retention(RetentionCmd::Run { days }) => cli::ops::retention(&config, days),
        Command::Demo => cli::ops::demo(&config),
        Command::User(cmd) => cli::user::run(cmd, &config),
        Command::Outbox(cmd) => cli::outbox::run(cmd, &config),
        Command::Apikey(cmd) => cli::apikey::run(cmd, &config),
        Command::Office(cmd) => cli::office::run(cmd, &config),
        Command::Category(cmd) => cli::category::run(cmd, &config),
        Command::Zone(cmd) => cli::zone::run(cmd, &config),
        Command::Bench(cmd) => cli::bench::run(cmd, &config),
        Command::Municipality(cmd) => cli::municipality::run(cmd, &config),
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
