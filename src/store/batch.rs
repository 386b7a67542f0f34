//! Group commit for intake: many small write transactions (citizens filing
//! reports) run one after another inside one database transaction, each in a
//! savepoint of its own, and share one commit — one `fsync` of SQLite's log,
//! one WAL flush on PostgreSQL — instead of paying one each.
//!
//! There is no thread of its own: the first caller to find nobody committing
//! becomes the leader, takes what is queued (its own work and whatever
//! arrived meanwhile, up to [`MAX_BATCH`]), runs it and commits; then it hands
//! the lead to the owner of the next queued work, if any, and returns. Each
//! piece of work behaves as if it had its own transaction: its writes are
//! undone alone if it fails (its savepoint is rolled back), it sees the
//! writes of the work before it (so a per-address limit or a code counter is
//! decided exactly, in order), and its result is given back only once the
//! shared commit has succeeded — if the commit fails, every piece gets the
//! error. Rows that every filing touches (the comune's code counter, an
//! address's rate-limit window) are read and locked once by a batch, counted
//! in [`Held`] by its pieces one after another, and written once before the
//! commit: one batch at a time per instance holds them, and a filing spends
//! no statement on them.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex};

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;

use super::rate_limits::{self, Hit, Window};
use super::{reports, DbConn, Store, StoreResult};
use crate::error::{AppError, AppResult};

/// Most pieces of work in one transaction.
pub const MAX_BATCH: usize = 64;

/// What a batch holds for all its pieces of work: read once, as it begins,
/// outside any piece's savepoint, so that no piece's failure lets it go;
/// and the shared counters its pieces move, each read (and locked) once,
/// counted here, and written once before the commit.
#[derive(Debug, Clone)]
pub struct Held {
    /// The catalog's version, share-locked on PostgreSQL until the commit
    /// (SQLite's single writer excludes a change as well): a filing compares
    /// what it read before with this, instead of reading it again.
    pub catalog_version: i64,
    tally: Tally,
}

/// The counters a batch's pieces move, as stored and as counted.
#[derive(Debug, Clone, Default)]
struct Tally {
    /// The last code number by (comune, year): stored, and given.
    codes: HashMap<(String, i32), (i64, i64)>,
    /// A rate-limit key's window: stored, and counted.
    windows: HashMap<String, (Window, Window)>,
}

impl Held {
    /// What a write transaction holds, read as it begins.
    pub fn read(conn: &mut DbConn) -> StoreResult<Self> {
        Ok(Self {
            catalog_version: super::cache::current_version(conn, "catalog", true)?,
            tally: Tally::default(),
        })
    }

    /// The next gap-free code number of the comune's year: the counter is
    /// read and locked once per transaction (see `reports::code_counter`),
    /// then counted here.
    pub fn next_code_number(
        &mut self,
        conn: &mut DbConn,
        municipality_id: &str,
        year: i32,
    ) -> StoreResult<i64> {
        let key = (municipality_id.to_string(), year);
        let given = counted(&mut self.tally.codes, key, || {
            reports::code_counter(conn, municipality_id, year)
        })?;
        *given += 1;
        Ok(*given)
    }

    /// Counts one hit on `key` in its fixed window of `window` (read and
    /// locked once per transaction, see `rate_limits::locked_window`), and
    /// returns its count.
    pub fn hit(
        &mut self,
        conn: &mut DbConn,
        key: &str,
        window: Duration,
        now: NaiveDateTime,
    ) -> StoreResult<Hit> {
        let w = counted(&mut self.tally.windows, key.to_string(), || {
            rate_limits::locked_window(conn, key)
        })?;
        *w = w.hit(window, now);
        Ok(w.as_hit(window, now))
    }

    /// Writes what was counted: one statement per counter that moved.
    pub fn store(&self, conn: &mut DbConn) -> StoreResult<()> {
        for ((municipality_id, year), (stored, given)) in &self.tally.codes {
            if given != stored {
                reports::set_code_counter(conn, municipality_id, *year, *given)?;
            }
        }
        for (key, (stored, counted)) in &self.tally.windows {
            if counted != stored {
                rate_limits::set_window(conn, key, *counted)?;
            }
        }
        Ok(())
    }
}

/// The value counted under `key`, read with `read` (and kept as stored
/// beside it) the first time.
fn counted<K: Eq + std::hash::Hash, V: Copy>(
    tally: &mut HashMap<K, (V, V)>,
    key: K,
    read: impl FnOnce() -> StoreResult<V>,
) -> StoreResult<&mut V> {
    let (_, counted) = match tally.entry(key) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => {
            let stored = read()?;
            e.insert((stored, stored))
        }
    };
    Ok(counted)
}

/// Gives a piece of work its outcome once the commit is known.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A piece of work: runs on the leader's connection (or is told why there
/// is none) and returns how to finish it, and whether the shared
/// transaction is still sound (its writes, if it failed, were undone).
type Job = Box<dyn FnOnce(Result<(&mut DbConn, &mut Held), String>) -> (Finish, bool) + Send>;

/// The savepoint each piece of work runs in. It is never released: the
/// next piece's savepoint of the same name nests inside it, and a rollback
/// goes back to the innermost one, so a piece costs one statement less.
const SAVEPOINT: &str = "batched";

enum State<T> {
    Waiting,
    /// Its owner is to lead the next batch.
    Lead,
    Done(AppResult<T>),
}

struct Slot<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

/// What the leader may hand the lead to.
trait Baton: Send + Sync {
    fn lead(&self);
}

impl<T: Send> Baton for Slot<T> {
    fn lead(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(*state, State::Waiting) {
            *state = State::Lead;
            self.changed.notify_all();
        }
    }
}

impl<T> Slot<T> {
    fn finish(&self, result: AppResult<T>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *state = State::Done(result);
        self.changed.notify_all();
    }

    fn is_done(&self) -> bool {
        matches!(
            *self.state.lock().unwrap_or_else(|p| p.into_inner()),
            State::Done(_)
        )
    }
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<(Job, Arc<dyn Baton>)>,
    /// Somebody is running a batch, or has been handed the lead.
    leading: bool,
}

/// The queue of one store's batched writes.
#[derive(Default)]
pub struct Batcher {
    queue: Mutex<Queue>,
}

impl Batcher {
    /// Runs `f` in the next shared transaction and returns its result once
    /// that transaction has committed.
    pub fn write<T: Send + 'static>(
        &self,
        store: &Store,
        f: impl FnOnce(&mut DbConn, &mut Held) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let slot = Arc::new(Slot::<T> {
            state: Mutex::new(State::Waiting),
            changed: Condvar::new(),
        });
        let job: Job = {
            let slot = Arc::clone(&slot);
            Box::new(move |conn: Result<(&mut DbConn, &mut Held), String>| {
                let (outcome, sound): (AppResult<T>, bool) = match conn {
                    Err(why) => (Err(AppError::Unavailable(why)), true),
                    Ok((conn, held)) => {
                        // What a piece that fails counted is undone with
                        // its writes.
                        let before = held.tally.clone();
                        let done = in_savepoint(conn, |c| f(c, held));
                        if done.0.is_err() {
                            held.tally = before;
                        }
                        done
                    }
                };
                let finish: Finish = Box::new(move |commit: Result<(), String>| {
                    slot.finish(match (outcome, commit) {
                        (Ok(value), Ok(())) => Ok(value),
                        (Ok(_), Err(why)) => Err(AppError::Unavailable(why)),
                        (Err(e), _) => Err(e),
                    })
                });
                (finish, sound)
            })
        };
        let lead_now = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.jobs.push_back((job, Arc::clone(&slot) as Arc<dyn Baton>));
            !std::mem::replace(&mut q.leading, true)
        };
        if lead_now {
            self.lead(store, &*slot);
        }
        loop {
            let mut state = slot.state.lock().unwrap_or_else(|p| p.into_inner());
            match std::mem::replace(&mut *state, State::Waiting) {
                State::Done(result) => return result,
                State::Lead => {
                    drop(state);
                    self.lead(store, &*slot);
                }
                State::Waiting => {
                    drop(
                        slot.changed
                            .wait_while(state, |s| matches!(s, State::Waiting))
                            .unwrap_or_else(|p| p.into_inner()),
                    );
                }
            }
        }
    }

    /// Runs batches until the leader's own work is done, then hands the lead
    /// to the owner of the next queued work (or lets it go when none is).
    fn lead<T>(&self, store: &Store, own: &Slot<T>) {
        loop {
            let batch: Vec<Job> = {
                let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                if q.jobs.is_empty() {
                    q.leading = false;
                    return;
                }
                if own.is_done() {
                    // `leading` stays set: the lead passes to that owner.
                    if let Some((_, next)) = q.jobs.front() {
                        next.lead();
                    }
                    return;
                }
                let n = q.jobs.len().min(MAX_BATCH);
                q.jobs.drain(..n).map(|(job, _)| job).collect()
            };
            run(store, batch);
        }
    }
}

/// One shared transaction.
fn run(store: &Store, batch: Vec<Job>) {
    let mut pooled = match store.timed_get(&store.write, "write") {
        Ok(c) => c,
        Err(e) => {
            let why = format!("no database connection: {e}");
            fail(batch, why);
            return;
        }
    };
    let conn: &mut DbConn = &mut pooled;
    if let Err(e) = super::begin_write(conn) {
        fail(batch, format!("cannot begin a transaction: {e}"));
        return;
    }
    let mut held = match Held::read(conn) {
        Ok(held) => held,
        Err(e) => {
            let _ = super::end_write(conn, false);
            fail(batch, format!("cannot read the catalog's version: {e}"));
            return;
        }
    };
    let mut sound = true;
    let finishers: Vec<Finish> = batch
        .into_iter()
        .map(|job| {
            let (finish, undone) = job(Ok((&mut *conn, &mut held)));
            sound &= undone;
            finish
        })
        .collect();
    // A failed piece whose writes could not be undone spoils the whole
    // transaction (PostgreSQL would even answer its COMMIT with a silent
    // ROLLBACK): nothing is committed, and every piece is told. So does a
    // failure to store the counters the pieces moved.
    let commit = if !sound {
        let _ = super::end_write(conn, false);
        Err("a failed write could not be undone: nothing was committed".to_string())
    } else if let Err(e) = held.store(conn) {
        let _ = super::end_write(conn, false);
        Err(format!("the shared counters could not be written: {e}"))
    } else {
        super::end_write(conn, true).map_err(|e| format!("the commit failed: {e}"))
    };
    if let Err(why) = &commit {
        tracing::error!(error.cause = %why, jobs = finishers.len(), "batched commit failed");
    }
    for finish in finishers {
        finish(commit.clone());
    }
}

/// Tells every piece of `batch` that it could not run, and why.
fn fail(batch: Vec<Job>, why: String) {
    for job in batch {
        let (finish, _) = job(Err(why.clone()));
        finish(Err(why.clone()));
    }
}

/// Runs `f` in a savepoint of its own: its writes are undone alone if it
/// fails (or panics), and the rest of the batch goes on. Also says whether
/// the transaction is still sound: `false` when the savepoint could not be
/// set or rolled back to.
fn in_savepoint<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> (AppResult<T>, bool) {
    if let Err(e) = conn.batch_execute(&format!("SAVEPOINT {SAVEPOINT}")) {
        return (Err(e.into()), false);
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| f(&mut *conn)))
        .unwrap_or_else(|_| Err(AppError::internal("a batched write panicked")));
    let sound = outcome.is_ok()
        || conn
            .batch_execute(&format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}"))
            .is_ok();
    (outcome, sound)
}
