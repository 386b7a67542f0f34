//! Background work: the escalation sweeper (which also closes resolved
//! reports whose reopen window has passed), the retention job and the
//! attachment sweep. Each runs
//! inside every `segnala serve` and as a CLI command for cron (`segnala
//! sweep`, `segnala retention run`); each is safe on several instances at once.

pub mod dispatch;

use std::path::Path;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::app::sweeper;
use crate::domain::escalation::{Outcome, Policy};
use crate::error::{AppError, AppResult};
use crate::metrics::METRICS;
use crate::store::{
    attachments, escalations, municipalities, naive, rate_limits, retention, Store,
};

/// Reports erased per transaction.
const RETENTION_BATCH: i64 = 200;

/// Erases the personal data of reports finished (closed or rejected) more
/// than `days` ago, in batches, everywhere it is kept: the database (see
/// [`crate::store::retention`]), their documents and their mail files in
/// `data_dir`. Returns how many reports were erased.
pub fn retention(
    store: &Store,
    data_dir: &Path,
    days: i64,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    METRICS.job("retention", || retention_run(store, data_dir, days, now))
}

fn retention_run(
    store: &Store,
    data_dir: &Path,
    days: i64,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let before = naive(now - Duration::days(days.max(0)));
    let attachments_dir = data_dir.join("attachments");
    let mut total = 0;
    loop {
        let erased = store.write(|c| {
            Ok(retention::erase_closed(
                c,
                before,
                naive(now),
                RETENTION_BATCH,
            )?)
        })?;
        // Files go once the rows that point to them are gone for good; a crash
        // in between leaves orphans, which the attachment sweep removes.
        for (id, content_type) in &erased.documents {
            remove_file(&attachments::file_path(&attachments_dir, id, content_type));
        }
        for code in &erased.codes {
            remove_dir(&crate::notify::deliver::mail_dir(data_dir, Some(code)));
        }
        total += erased.reports;
        if (erased.reports as i64) < RETENTION_BATCH {
            break;
        }
    }
    // The page feedback's free text could hold what a citizen should not have
    // written there: it goes after the same period (the stars stay).
    store.write(|c| Ok(crate::store::page_feedback::erase_details(c, before)?))?;
    // SQLite keeps old page images (erased reports, delivered messages) in
    // its write-ahead log until a checkpoint.
    store.checkpoint()?;
    Ok(total)
}

fn remove_file(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::error!(path = %path.display(), error.cause = %e, "cannot remove an erased file")
        }
    }
}

fn remove_dir(path: &Path) {
    match std::fs::remove_dir_all(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::error!(path = %path.display(), error.cause = %e, "cannot remove erased mail")
        }
    }
}

/// Removes what earlier versions left at rest: the follow-up token in dead
/// notifications, and mail files written before they were kept per report
/// (`data/mail/*.eml`, each with its token). Run once at start; cheap when
/// there is nothing to do.
pub fn scrub_legacy(store: &Store, data_dir: &Path) -> AppResult<usize> {
    let dead = store.read(|c| Ok(crate::store::outbox::dead_with_tokens(c)?))?;
    for (id, payload) in &dead {
        let kept = crate::notify::deliver::without_token(payload);
        store.write(|c| Ok(crate::store::outbox::set_payload(c, id, &kept)?))?;
    }
    let mut files = 0;
    if let Ok(entries) = std::fs::read_dir(data_dir.join("mail")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|e| e == "eml") {
                remove_file(&path);
                files += 1;
            }
        }
    }
    if !dead.is_empty() || files > 0 {
        tracing::info!(
            outbox.scrubbed = dead.len(),
            mail.removed = files,
            "tokens removed from data kept by an earlier version"
        );
    }
    Ok(dead.len() + files)
}

/// Closes every report still `resolved` whose comune's reopen window has
/// passed (the citizen neither confirmed nor reopened it): an event on its
/// timeline, and the citizen is told once. Returns how many closed.
pub fn close_expired(
    store: &Store,
    now: DateTime<Utc>,
    links: &crate::notify::plan::Links,
) -> AppResult<usize> {
    let mut total = 0;
    for m in store.read(|c| Ok(municipalities::list(c)?))? {
        // Resolved before this instant: the window (see `reopen_window_ends`) has passed.
        let before = naive(now - Duration::days(i64::from(m.reopen_days.max(0))));
        loop {
            let closed = sweep_batch(
                store,
                |&(seen, _): &(usize, usize)| seen as i64 >= SWEEP_BATCH,
                |c| sweeper::close_expired(c, &m.id, before, now, SWEEP_BATCH, links),
            )?;
            total += closed.1;
            if (closed.0 as i64) < SWEEP_BATCH {
                break;
            }
        }
    }
    Ok(total)
}

/// What the attachment sweep found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AttachmentSweep {
    /// Files no row points to, removed.
    pub orphans_removed: usize,
    /// Rows whose file is missing (their ids).
    pub missing: Vec<String>,
}

/// While the service runs, a file younger than this may belong to an upload
/// still committing its row.
pub const ORPHAN_GRACE: StdDuration = StdDuration::from_secs(3600);

/// Removes attachment files that no row points to and that are older than
/// `grace` (a crash between writing a file and committing its row, an erased
/// report's document), and reports rows whose file is missing. With the
/// service stopped nothing is in flight, and `grace` may be zero.
pub fn sweep_attachments(
    store: &Store,
    dir: &Path,
    grace: StdDuration,
) -> AppResult<AttachmentSweep> {
    let mut outcome = AttachmentSweep::default();
    // The rows first: a file written after this read is young, and kept.
    let ids: Vec<String> = store.read(|c| Ok(attachments::all_ids(c)?))?;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(outcome),
        Err(e) => return Err(AppError::internal(format!("{}: {e}", dir.display()))),
    };
    let mut on_disk = std::collections::HashMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= grace);
        let name = entry.file_name().to_string_lossy().into_owned();
        // `<id>.<ext>`, or `.<id>.tmp` left by a crash mid-write.
        let id = name
            .trim_start_matches('.')
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".tmp") {
            if old {
                remove_file(&path);
                outcome.orphans_removed += 1;
            }
            continue;
        }
        on_disk.insert(id, (path, old));
    }
    let known: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    for (id, (path, old)) in &on_disk {
        if *old && !known.contains(id.as_str()) {
            remove_file(path);
            outcome.orphans_removed += 1;
        }
    }
    outcome.missing = ids
        .into_iter()
        .filter(|id| !on_disk.contains_key(id))
        .collect();
    outcome.missing.sort();
    Ok(outcome)
}

/// What the periodic jobs of a `serve` process need.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub sweep_every: StdDuration,
    pub policy: Policy,
    pub retention_days: i64,
    pub keep: Keep,
    pub data_dir: std::path::PathBuf,
    pub dispatch_every: StdDuration,
    pub links: crate::notify::plan::Links,
}

/// The running dispatcher of a `serve` process, to stop it cleanly.
pub struct Jobs {
    dispatcher: Option<std::thread::JoinHandle<()>>,
    wake: std::sync::mpsc::Sender<()>,
    stopping: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Jobs {
    /// Stops the dispatcher: the deliveries in progress finish and are
    /// marked, the rows it claimed and has not tried go back to the queue.
    /// Waits at most `grace` (a delivery stuck on a peer keeps its lease,
    /// which runs out as after a crash). The other jobs hold no lease and
    /// stop with the process.
    pub fn stop(mut self, grace: StdDuration) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = self.wake.send(());
        let Some(handle) = self.dispatcher.take() else {
            return;
        };
        let started = std::time::Instant::now();
        while !handle.is_finished() && started.elapsed() < grace {
            std::thread::sleep(StdDuration::from_millis(20));
        }
        if handle.is_finished() {
            let _ = handle.join();
            tracing::info!("notification dispatcher stopped");
        } else {
            tracing::warn!(
                "notification dispatcher still delivering at exit: its leases will run out"
            );
        }
    }
}

/// Starts the periodic jobs of a `serve` process on their own threads.
pub fn spawn(store: Store, schedule: Schedule, dispatcher: dispatch::Dispatcher) -> Jobs {
    let stopping = dispatcher.stop_switch();
    let (wake, sleep) = std::sync::mpsc::channel::<()>();
    let dispatcher = start_dispatcher(dispatcher, schedule.dispatch_every, sleep);
    start_sweeper(store.clone(), &schedule);
    start_retention(store, &schedule);
    Jobs {
        dispatcher,
        wake,
        stopping,
    }
}

/// Delivers the outbox every `every`, until a message (or its sender's
/// end) on `sleep` stops it; `None` if its thread could not start.
fn start_dispatcher(
    dispatcher: dispatch::Dispatcher,
    every: StdDuration,
    sleep: std::sync::mpsc::Receiver<()>,
) -> Option<std::thread::JoinHandle<()>> {
    let started = std::thread::Builder::new()
        .name("segnala-dispatcher".into())
        .spawn(move || loop {
            match dispatcher.run_once(Utc::now()) {
                Ok(o) if o.sent + o.retrying + o.dead == 0 => {}
                Ok(o) => tracing::info!(
                    outbox.sent = o.sent,
                    outbox.retrying = o.retrying,
                    outbox.dead = o.dead,
                    outbox.given_back = o.deferred,
                    "notifications dispatched"
                ),
                Err(e) => tracing::error!(error.cause = %e, "notification dispatch failed"),
            }
            match sleep.recv_timeout(every) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        });
    started
        .map_err(|e| tracing::error!(error.cause = %e, "cannot start the notification dispatcher"))
        .ok()
}

/// Sweeps for overdue reports (and notifies) every `schedule.sweep_every`.
fn start_sweeper(store: Store, schedule: &Schedule) {
    let links = schedule.links.clone();
    let policy = schedule.policy;
    let sweep_every = schedule.sweep_every;
    let started = std::thread::Builder::new()
        .name("segnala-sweeper".into())
        .spawn(move || loop {
            match sweep_and_notify(&store, Utc::now(), policy, &links) {
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
}

/// Every six hours: housekeeping, retention and the attachment sweep.
fn start_retention(store: Store, schedule: &Schedule) {
    let data_dir = schedule.data_dir.clone();
    let keep = schedule.keep;
    let retention_days = schedule.retention_days;
    let started = std::thread::Builder::new()
        .name("segnala-retention".into())
        .spawn(move || loop {
            tidy(&store, &data_dir, keep, retention_days);
            std::thread::sleep(StdDuration::from_secs(6 * 3600));
        });
    if let Err(e) = started {
        tracing::error!(error.cause = %e, "cannot start the retention job");
    }
}

/// One pass of the retention thread, each job's outcome logged.
fn tidy(store: &Store, data_dir: &Path, keep: Keep, retention_days: i64) {
    match METRICS.job("housekeeping", || {
        housekeeping(store, data_dir, keep, Utc::now())
    }) {
        Ok(h) if h == Housekeeping::default() => {}
        Ok(h) => tracing::info!(
            outbox.sent_pruned = h.sent,
            outbox.dead_pruned = h.dead,
            mail.files_pruned = h.mail_files,
            "housekeeping"
        ),
        Err(e) => tracing::error!(error.cause = %e, "housekeeping failed"),
    }
    match retention(store, data_dir, retention_days, Utc::now()) {
        Ok(0) => {}
        Ok(n) => tracing::info!(reports = n, "retention: reporters' personal data erased"),
        Err(e) => tracing::error!(error.cause = %e, "retention job failed"),
    }
    match sweep_attachments(store, &data_dir.join("attachments"), ORPHAN_GRACE) {
        Ok(s) if s.orphans_removed == 0 && s.missing.is_empty() => {}
        Ok(s) if s.missing.is_empty() => {
            tracing::info!(
                attachments.orphans_removed = s.orphans_removed,
                "attachment files no row points to removed"
            )
        }
        Ok(s) => tracing::error!(
            attachments.orphans_removed = s.orphans_removed,
            attachments.missing = s.missing.len(),
            attachments.missing_ids = %s.missing.iter().take(20).cloned().collect::<Vec<_>>().join(","),
            "attachment rows whose file is missing"
        ),
        Err(e) => tracing::error!(error.cause = %e, "attachment sweep failed"),
    }
}

/// How long what is no longer needed is kept.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    pub sent_days: i64,
    pub mail_file_days: i64,
}

impl Keep {
    pub fn from_config(c: &crate::config::Config) -> Self {
        Self {
            sent_days: c.outbox_keep_sent_days,
            mail_file_days: c.mail_file_keep_days,
        }
    }
}

/// What one housekeeping pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Housekeeping {
    pub rate_limits: usize,
    pub sent: usize,
    pub dead: usize,
    pub mail_files: usize,
}

/// Removes what nothing needs any more: old rate-limit windows, delivered
/// notifications after `keep.sent_days` (dead ones after three times that),
/// and the `file` transport's `.eml` files after `keep.mail_file_days`.
pub fn housekeeping(
    store: &Store,
    data_dir: &Path,
    keep: Keep,
    now: DateTime<Utc>,
) -> AppResult<Housekeeping> {
    let days = |d: i64| naive(now - Duration::days(d.max(0)));
    use crate::store::outbox;
    let done = Housekeeping {
        rate_limits: prune_in_batches(store, |c, n| rate_limits::prune(c, days(1), n))?,
        sent: prune_in_batches(store, |c, n| outbox::prune_sent(c, days(keep.sent_days), n))?,
        dead: prune_in_batches(store, |c, n| {
            outbox::prune_dead(c, days(keep.sent_days * 3), n)
        })?,
        mail_files: crate::notify::deliver::prune_mail_files(
            data_dir,
            std::time::SystemTime::from(now - Duration::days(keep.mail_file_days.max(0))),
        ),
    };
    store.checkpoint()?;
    Ok(done)
}

/// Reports escalated per transaction.
pub const SWEEP_BATCH: i64 = 500;

/// Rows housekeeping deletes per transaction.
pub const PRUNE_BATCH: i64 = 500;

/// Housekeeping leaves the writer alone this many times as long as its
/// last batch held it: nothing it removes is urgent, so it takes at most a
/// quarter of the writer's time while a batch takes at most [`MOST_YIELD`]
/// (a sweep, which escalates, takes half).
const PRUNE_YIELD: u32 = 3;

/// Deletes with `prune` (given how many at most) batch by batch, each batch
/// a write transaction of its own, pausing after each: a backlog — the
/// first pass after an upgrade, a shorter keeping period, months of
/// delivered mail — never holds up citizens' filings for longer than one
/// batch. Returns how many rows went.
fn prune_in_batches(
    store: &Store,
    prune: impl Fn(&mut crate::store::DbConn, i64) -> crate::store::StoreResult<usize>,
) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let started = std::time::Instant::now();
        let n = store.write(|c| Ok(prune(c, PRUNE_BATCH)?))?;
        total += n;
        if (n as i64) < PRUNE_BATCH {
            return Ok(total);
        }
        leave_the_writer(started, PRUNE_YIELD);
    }
}

/// After a batch that took the writer at `started`, leaves it alone `times`
/// as long as the batch held it (counting at most [`MOST_YIELD`] of that).
fn leave_the_writer(started: std::time::Instant, times: u32) {
    std::thread::sleep(started.elapsed().min(MOST_YIELD) * times);
}

/// The longest pause between two batches of a sweep.
const MOST_YIELD: StdDuration = StdDuration::from_secs(1);

/// One batch of a sweep in a write transaction of its own. If it did
/// something (`worked`), another may follow at once: first the sweep leaves
/// the writer alone for as long as it held it (at most [`MOST_YIELD`]), so
/// that a backlog — after an outage, an upgrade, a new resolution target —
/// takes at most half of the writer's time and citizens' filings go on
/// meanwhile (on SQLite the one writer connection is not handed out in
/// turn: a sweep asking again at once would keep it).
fn sweep_batch<T>(
    store: &Store,
    worked: impl FnOnce(&T) -> bool,
    batch: impl FnOnce(&mut crate::store::DbConn) -> AppResult<T>,
) -> AppResult<T> {
    let started = std::time::Instant::now();
    let value = store.write(batch)?;
    if worked(&value) {
        leave_the_writer(started, 1);
    }
    Ok(value)
}

/// Escalates every report whose next escalation is due at `now`, batch by
/// batch, each batch one transaction. Safe to run concurrently anywhere.
pub fn sweep(store: &Store, now: DateTime<Utc>, policy: Policy) -> AppResult<Outcome> {
    sweep_with(store, now, policy, None)
}

/// [`sweep`], with the supervisors' emails written to the outbox in the same
/// transactions, and overdue callbacks escalated too.
pub fn sweep_and_notify(
    store: &Store,
    now: DateTime<Utc>,
    policy: Policy,
    links: &crate::notify::plan::Links,
) -> AppResult<Outcome> {
    METRICS.job("sweeper", || {
        sweep_and_notify_run(store, now, policy, links)
    })
}

fn sweep_and_notify_run(
    store: &Store,
    now: DateTime<Utc>,
    policy: Policy,
    links: &crate::notify::plan::Links,
) -> AppResult<Outcome> {
    let outcome = sweep_with(store, now, policy, Some(links))?;
    close_expired(store, now, links)?;
    // Past the category's resolution target: the citizen hears that it takes longer.
    loop {
        let n = sweep_batch(
            store,
            |n| *n > 0,
            |c| sweeper::flag_late(c, now, SWEEP_BATCH, links),
        )?;
        if n == 0 {
            break;
        }
    }
    loop {
        let n = sweep_batch(
            store,
            |n| *n > 0,
            |c| sweeper::escalate_overdue_callbacks(c, now, SWEEP_BATCH, links),
        )?;
        if n == 0 {
            break;
        }
    }
    Ok(outcome)
}

fn sweep_with(
    store: &Store,
    now: DateTime<Utc>,
    policy: Policy,
    links: Option<&crate::notify::plan::Links>,
) -> AppResult<Outcome> {
    let mut total = Outcome::default();
    // The common case, nothing due, costs one indexed read and no write lock.
    if store.read(|c| Ok(escalations::due(c, now, 1)?))?.is_empty() {
        return Ok(total);
    }
    loop {
        let outcome = sweep_batch(
            store,
            |o: &Outcome| o.total() > 0,
            |c| sweeper::escalate_due(c, now, policy, SWEEP_BATCH, links),
        )?;
        total.level1 += outcome.level1;
        total.level2 += outcome.level2;
        METRICS.escalated(1, outcome.level1);
        METRICS.escalated(2, outcome.level2);
        // Go on while batches escalate something: a report escalated to level 1
        // may already be due for level 2. Levels only go up, so this ends; a
        // batch that another sweeper emptied under us ends this run too.
        if outcome.total() == 0 {
            break;
        }
    }
    Ok(total)
}
