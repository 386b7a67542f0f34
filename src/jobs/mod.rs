//! Background work: the retention job (and, with the SLA issue, the escalation
//! sweeper). Each runs inside every `segnala serve` and as a CLI command for
//! cron; each is safe to run on several instances at once.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::error::AppResult;
use crate::store::{naive, rate_limits, reports, Store};

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

/// Starts the periodic jobs of a `serve` process on their own thread.
pub fn spawn(store: Store, retention_days: i64) {
    std::thread::Builder::new()
        .name("segnala-jobs".into())
        .spawn(move || loop {
            match retention(&store, retention_days, Utc::now()) {
                Ok(0) => {}
                Ok(n) => tracing::info!(reports = n, "retention: reporters' personal data erased"),
                Err(e) => tracing::error!(error.cause = %e, "retention job failed"),
            }
            std::thread::sleep(StdDuration::from_secs(6 * 3600));
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::error!(error.cause = %e, "cannot start the background jobs"));
}
