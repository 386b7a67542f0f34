//! Background work: the escalation sweeper and the retention job. Each runs
//! inside every `segnala serve` and as a CLI command for cron (`segnala
//! sweep`, `segnala retention run`); each is safe on several instances at once.

pub mod dispatch;

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
    // Old rate-limit windows are useless too, and sent notifications hold
    // addresses: kept 30 days for support, then gone.
    store.write(|c| rate_limits::prune(c, naive(now - Duration::days(1))))?;
    store.write(|c| crate::store::outbox::prune_sent(c, naive(now - Duration::days(30))))?;
    store.write(|c| crate::store::outbox::prune_dead(c, naive(now - Duration::days(90))))?;
    Ok(total)
}

/// What the periodic jobs of a `serve` process need.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub sweep_every: StdDuration,
    pub policy: escalations::Policy,
    pub retention_days: i64,
    pub dispatch_every: StdDuration,
    pub links: crate::notify::plan::Links,
}

/// Starts the periodic jobs of a `serve` process on their own threads.
pub fn spawn(store: Store, schedule: Schedule, dispatcher: dispatch::Dispatcher) {
    let every = schedule.dispatch_every;
    let started = std::thread::Builder::new()
        .name("segnala-dispatcher".into())
        .spawn(move || loop {
            match dispatcher.run_once(Utc::now()) {
                Ok(o) if o.sent + o.retrying + o.dead == 0 => {}
                Ok(o) => tracing::info!(
                    outbox.sent = o.sent,
                    outbox.retrying = o.retrying,
                    outbox.dead = o.dead,
                    "notifications dispatched"
                ),
                Err(e) => tracing::error!(error.cause = %e, "notification dispatch failed"),
            }
            std::thread::sleep(every);
        });
    if let Err(e) = started {
        tracing::error!(error.cause = %e, "cannot start the notification dispatcher");
    }
    let sweeper = store.clone();
    let links = schedule.links.clone();
    let policy = schedule.policy;
    let sweep_every = schedule.sweep_every;
    let retention_days = schedule.retention_days;
    let started = std::thread::Builder::new()
        .name("segnala-sweeper".into())
        .spawn(move || loop {
            match sweep_and_notify(&sweeper, Utc::now(), policy, &links) {
                Ok(o) if o.total() == 0 => {}
                Ok(o) => tracing::info!(
                    escalated.level1 = o.level1,
                    escalated.level2 = o.level2,
                    "reports escalated"
                ),
                Err(e) => tracing::error!(error.cause = %e, "escalation sweep failed"),
            }
            std::thread::sleep(sweep_every);
        });
    if let Err(e) = started {
        tracing::error!(error.cause = %e, "cannot start the escalation sweeper");
    }
    let started = std::thread::Builder::new()
        .name("segnala-retention".into())
        .spawn(move || loop {
            match retention(&store, retention_days, Utc::now()) {
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
    sweep_with(store, now, policy, None)
}

/// [`sweep`], with the supervisors' emails written to the outbox in the same
/// transactions, and overdue callbacks escalated too.
pub fn sweep_and_notify(
    store: &Store,
    now: DateTime<Utc>,
    policy: escalations::Policy,
    links: &crate::notify::plan::Links,
) -> AppResult<escalations::Outcome> {
    let outcome = sweep_with(store, now, policy, Some(links))?;
    // Past the category's resolution target: the citizen hears that it takes longer.
    loop {
        let n = store.write(|c| {
            let late = reports::claim_late(c, naive(now), SWEEP_BATCH)?;
            for r in &late {
                let status = r.status()?;
                crate::notify::plan::changed(
                    c,
                    r,
                    status,
                    Some("La risoluzione richiede più tempo del previsto: l'ufficio sta lavorando alla segnalazione."),
                    true,
                    links,
                )?;
            }
            Ok(late.len())
        })?;
        if n == 0 {
            break;
        }
    }
    loop {
        let n = store.write(|c| {
            let overdue = crate::store::callbacks::escalate_overdue(c, naive(now), SWEEP_BATCH)?;
            for cb in &overdue {
                if let Some(r) = reports::by_ids(c, &[cb.report_id])?.pop() {
                    crate::notify::plan::escalated(
                        c,
                        &r,
                        1,
                        &format!("callback-{}", cb.id),
                        links,
                    )?;
                }
            }
            Ok(overdue.len())
        })?;
        if n == 0 {
            break;
        }
    }
    Ok(outcome)
}

fn sweep_with(
    store: &Store,
    now: DateTime<Utc>,
    policy: escalations::Policy,
    links: Option<&crate::notify::plan::Links>,
) -> AppResult<escalations::Outcome> {
    let mut total = escalations::Outcome::default();
    // The common case, nothing due, costs one indexed read and no write lock.
    if store.read(|c| escalations::due(c, now, 1))?.is_empty() {
        return Ok(total);
    }
    loop {
        let outcome = store.write(|c| {
            let (outcome, escalated) = escalations::escalate_batch(c, now, policy, SWEEP_BATCH)?;
            if let Some(links) = links {
                for (report_id, level) in &escalated {
                    if let Some(r) = reports::by_ids(c, &[*report_id])?.pop() {
                        // A reassigned report starts over: its escalation instant tells them apart.
                        let cause = format!(
                            "escalated-{}",
                            r.escalated_at
                                .map(|t| t.and_utc().timestamp_micros())
                                .unwrap_or_default()
                        );
                        crate::notify::plan::escalated(c, &r, *level, &cause, links)?;
                    }
                }
            }
            Ok(outcome)
        })?;
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
