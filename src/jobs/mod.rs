//! Background work: the escalation sweeper and the retention job. Each runs
//! inside every `segnala serve` and as a CLI command for cron (`segnala
//! sweep`, `segnala retention run`); each is safe on several instances at once.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::error::AppResult;
use crate::store::{escalations, naive, rate_limits, reports, Store};

/// Erases reporters' personal data from reports closed more than `days` ago,
/// in batches. Returns how many reports were anonymised.
pub fn retention(store: &Store, days: i64, now: DateTime<Utc>) -> AppResult<usize> {
    let before = naive(now - Duration::days(days.max(0)));
    let mut total = 0;
    loop {
        let n = store.write(|c| reports::anonymise_closed(c, before, naive(now), 500))?;
        total += n;
        if n < 500 {
            break;
        }
    }
    // Old rate-limit windows are useless too.
    store.write(|c| rate_limits::prune(c, naive(now - Duration::days(1))))?;
    Ok(total)
}

/// What the periodic jobs of a `serve` process need.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub sweep_every: StdDuration,
    pub policy: escalations::Policy,
    pub retention_days: i64,
}

/// Starts the periodic jobs of a `serve` process on their own threads.
pub fn spawn(store: Store, schedule: Schedule) {
    let sweeper = store.clone();
    let started = std::thread::Builder::new()
        .name("segnala-sweeper".into())
        .spawn(move || loop {
            match sweep(&sweeper, Utc::now(), schedule.policy) {
                Ok(o) if o.total() == 0 => {}
                Ok(o) => tracing::info!(
                    escalated.level1 = o.level1,
                    escalated.level2 = o.level2,
                    "reports escalated"
                ),
                Err(e) => tracing::error!(error.cause = %e, "escalation sweep failed"),
            }
            std::thread::sleep(schedule.sweep_every);
        });
    if let Err(e) = started {
        tracing::error!(error.cause = %e, "cannot start the escalation sweeper");
    }
    let started = std::thread::Builder::new()
        .name("segnala-retention".into())
        .spawn(move || loop {
            match retention(&store, schedule.retention_days, Utc::now()) {
                Ok(0) => {}
                Ok(n) => tracing::info!(reports = n, "retention: reporters' personal data erased"),
                Err(e) => tracing::error!(error.cause = %e, "retention job failed"),
            }
            std::thread::sleep(StdDuration::from_secs(6 * 3600));
        });
    if let Err(e) = started {
        tracing::error!(error.cause = %e, "cannot start the retention job");
    }
}

/// Reports escalated per transaction.
pub const SWEEP_BATCH: i64 = 500;

/// Escalates every report whose next escalation is due at `now`, batch by
/// batch, each batch one transaction. Safe to run concurrently anywhere.
pub fn sweep(
    store: &Store,
    now: DateTime<Utc>,
    policy: escalations::Policy,
) -> AppResult<escalations::Outcome> {
    let mut total = escalations::Outcome::default();
    // The common case, nothing due, costs one indexed read and no write lock.
    if store.read(|c| escalations::due(c, now, 1))?.is_empty() {
        return Ok(total);
    }
    loop {
        let (outcome, _found) =
            store.write(|c| escalations::escalate_batch(c, now, policy, SWEEP_BATCH))?;
        total.level1 += outcome.level1;
        total.level2 += outcome.level2;
        // Go on while batches escalate something: a report escalated to level 1
        // may already be due for level 2. Levels only go up, so this ends; a
        // batch that another sweeper emptied under us ends this run too.
        if outcome.total() == 0 {
            break;
        }
    }
    Ok(total)
}
