//! `segnala outbox …`: the notification outbox and its dead letters.

use chrono::Utc;
use clap::Subcommand;

use segnala::app::admin::{outbox as admin_outbox, Admin};
use segnala::config::Config;
use segnala::error::{AppError, AppResult, ErrorCode};
use segnala::store::{naive, outbox, reports};

#[derive(Subcommand)]
pub enum OutboxCmd {
    /// Deliver every due notification once, then exit.
    RunOnce,
    /// List dead notifications.
    Dead,
    /// Put a dead notification back in the queue.
    Retry { id: String },
}

pub fn run(cmd: OutboxCmd, config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    match cmd {
        OutboxCmd::RunOnce => {
            let d = segnala::jobs::dispatch::Dispatcher::from_config(store, config)?;
            let o = d.run_once(Utc::now())?;
            println!("{} sent, {} to retry, {} dead", o.sent, o.retrying, o.dead);
        }
        OutboxCmd::Dead => {
            for row in store.read(|c| Ok(outbox::dead(c, 1000)?))? {
                println!(
                    "{}  {:8} {:3} attempts  {}  {}",
                    row.id,
                    row.kind,
                    row.attempts,
                    row.dedupe_key,
                    row.last_error.unwrap_or_default()
                );
            }
        }
        OutboxCmd::Retry { id } => {
            store.write(|c| {
                let row = outbox::find(c, &id)?.ok_or_else(|| {
                    AppError::not_found(
                        ErrorCode::OutboxRowNotFound,
                        format!("no notification {id}"),
                    )
                })?;
                let comune = match row.report_id {
                    Some(rid) => reports::by_ids(c, &[rid])?.pop().map(|r| r.municipality_id),
                    None => None,
                };
                match comune {
                    // Recorded in the comune's log, as from the console.
                    Some(m) => admin_outbox::retry(c, &Admin::cli(&m), &id),
                    // About no report (and so no comune): nothing to record it in.
                    None => admin_outbox::retry_any(c, &id, naive(Utc::now())),
                }
            })?;
            println!("{id} queued again");
        }
    }
    Ok(())
}
