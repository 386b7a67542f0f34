//! The outbox dispatcher: claims due notifications with a lease, delivers
//! them outside any transaction, and marks each sent, retried or dead.

use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::notify::deliver::{
    delivered_payload, post_webhook, without_token, DeliveryError, EmailPayload, Mailer,
    WebhookPayload,
};
use crate::notify::destinations;
use crate::store::outbox::{self, OutboxRow};
use crate::store::{catalog, naive, Store};

/// Rows claimed at a time (delivered in parallel, one lane per peer).
pub const BATCH: i64 = 200;
/// Delivered rows are marked sent together, at most this many at a time…
pub const SETTLE_ROWS: usize = 100;
/// …and at most this long after the first of them was delivered.
pub const SETTLE_MILLIS: u64 = 500;
/// How long a peer that just failed or timed out is left alone: its other
/// rows are given back, due again after this, without an attempt counted.
pub const COOL_DOWN_SECONDS: i64 = 30;
/// How long a claimed row is reserved for its dispatcher: longer than one
/// delivery can take (lettre applies the timeout to each SMTP step, and a
/// send takes about eight), so that no other dispatcher takes a row this one
/// is still delivering. Lanes run in parallel; within a lane, the rows not
/// yet tried are renewed before their lease could run out (a slow peer), so a
/// lease stays short and a crashed dispatcher's rows are free again soon.
pub fn lease_seconds(smtp_timeout_seconds: u64, webhook_timeout_seconds: u64) -> i64 {
    (8 * smtp_timeout_seconds.max(1)).max(webhook_timeout_seconds) as i64 + 15
}

/// The peer a row goes to: the SMTP server for every email, each office's
/// receiver for its webhooks. Rows of one lane go one after another; lanes
/// go in parallel, so one stuck peer never holds up the others.
fn lane(row: &OutboxRow) -> String {
    match row.kind.as_str() {
        "webhook" => serde_json::from_str::<WebhookPayload>(&row.payload)
            .map_or_else(|_| "webhook".into(), |h| format!("webhook:{}", h.office_id)),
        other => other.to_string(),
    }
}

/// Everything a dispatcher needs to deliver.
pub struct Dispatcher {
    pub store: Store,
    pub mailer: Mailer,
    pub http: reqwest::blocking::Client,
    pub from: String,
    pub max_attempts: i32,
    /// Webhooks may go to loopback and private addresses.
    pub allow_private: bool,
    /// Identifies this dispatcher's leases.
    pub owner: String,
    pub lease_seconds: i64,
    /// Lanes whose peer failed lately, and until when they are left alone.
    cooling: std::sync::Mutex<std::collections::HashMap<String, DateTime<Utc>>>,
    /// Set when the process is stopping: claim nothing more, and give back
    /// what is claimed but not yet tried.
    stopping: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub sent: usize,
    pub retrying: usize,
    pub dead: usize,
    /// Settled after another dispatcher took the row over (its result stands).
    pub lost: usize,
    /// Given back untried: their peer failed moments before, or the
    /// dispatcher is stopping.
    pub deferred: usize,
}

/// An outbox row's payload as its kind's type; one that does not read as
/// such is never retried.
fn payload<T: serde::de::DeserializeOwned>(row: &OutboxRow) -> Result<T, DeliveryError> {
    serde_json::from_str(&row.payload)
        .map_err(|e| DeliveryError::permanent(format!("bad payload: {e}")))
}

impl Outcome {
    /// Counts a delivery as it was settled (and in the metrics).
    fn count(&mut self, kind: &str, settled: &'static str) {
        crate::metrics::METRICS.delivery(kind, settled);
        match settled {
            "sent" => self.sent += 1,
            "lost" => self.lost += 1,
            "dead" => self.dead += 1,
            _ => self.retrying += 1,
        }
    }
}

impl Dispatcher {
    pub fn from_config(store: Store, config: &Config) -> AppResult<Self> {
        // Redirects are never followed (a 3xx is the receiver's answer), and
        // unless allowed, names resolve only to public addresses.
        let mut http = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(
                config.webhook_timeout_seconds.max(1),
            ))
            .redirect(reqwest::redirect::Policy::none())
            // An egress proxy from the environment would resolve the names
            // itself, past the public-only check.
            .no_proxy()
            .user_agent("segnala-webhooks");
        if !config.webhook_allow_private {
            http = http.dns_resolver(std::sync::Arc::new(destinations::PublicOnly));
        }
        let http = http
            .build()
            .map_err(|e| AppError::internal(format!("HTTP client: {e}")))?;
        Ok(Self {
            store,
            mailer: Mailer::from_config(config)?,
            http,
            from: config.mail_from.clone(),
            max_attempts: config.outbox_max_attempts.max(1),
            allow_private: config.webhook_allow_private,
            owner: format!("{}-{}", std::process::id(), crate::store::new_id()),
            lease_seconds: lease_seconds(
                config.smtp_timeout_seconds,
                config.webhook_timeout_seconds,
            ),
            cooling: Default::default(),
            stopping: Default::default(),
        })
    }

    /// The switch that stops this dispatcher: once set, it claims nothing
    /// more, finishes the delivery in progress in each lane, marks what it
    /// delivered, and gives the rest back, due at once, so that another
    /// instance (or this one, restarted) need not wait for the leases.
    pub fn stop_switch(&self) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        self.stopping.clone()
    }

    fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Claims one batch (in its own transaction).
    pub fn claim(&self, now: DateTime<Utc>) -> AppResult<Vec<OutboxRow>> {
        self.store.write(|c| {
            Ok(outbox::claim(
                c,
                &self.owner,
                naive(now),
                Duration::seconds(self.lease_seconds),
                BATCH,
            )?)
        })
    }

    /// Delivers one claimed row.
    pub fn deliver(
        &self,
        row: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<(), crate::notify::deliver::DeliveryError> {
        match row.kind.as_str() {
            "email" => {
                let email: EmailPayload = payload(row)?;
                self.mailer.send(&self.from, &email)
            }
            "webhook" => {
                let hook: WebhookPayload = payload(row)?;
                let office = self
                    .store
                    .read(|c| {
                        Ok(catalog::offices_by_ids(
                            c,
                            std::slice::from_ref(&hook.office_id),
                        )?)
                    })
                    .map_err(|e| DeliveryError {
                        permanent: false,
                        peer_failed: false,
                        message: e.to_string(),
                    })?
                    .pop();
                match office
                    .and_then(|o| Some((o.webhook_url?, o.webhook_secret.unwrap_or_default())))
                {
                    Some((url, secret)) => {
                        if let Some(reason) = (!self.allow_private)
                            .then(|| destinations::refusal(&url))
                            .flatten()
                        {
                            return Err(DeliveryError::permanent(reason));
                        }
                        post_webhook(&self.http, &url, &secret, &hook.body, now.timestamp())
                    }
                    None => Err(DeliveryError::permanent(
                        "the office no longer has a webhook",
                    )),
                }
            }
            other => Err(DeliveryError::permanent(format!("unknown kind {other}"))),
        }
    }

    /// Records a failed delivery: retried later, or dead.
    fn settle_failure(
        &self,
        row: &OutboxRow,
        e: &crate::notify::deliver::DeliveryError,
        now: DateTime<Utc>,
    ) -> AppResult<&'static str> {
        let dead_payload = without_token(&row.payload);
        let failure = outbox::Failure {
            error: &e.message,
            permanent: e.permanent,
            max_attempts: self.max_attempts,
            dead_payload: &dead_payload,
        };
        let state = self.store.write(|c| {
            Ok(outbox::mark_failed(
                c,
                row,
                &self.owner,
                &failure,
                naive(now),
            )?)
        })?;
        if state == "lost" {
            tracing::warn!(outbox.id = %row.id, "failed after the lease was lost");
        } else if state == "dead" {
            tracing::error!(outbox.id = %row.id, outbox.kind = %row.kind, outbox.attempts = row.attempts, error.cause = %e.message, "notification dead");
        } else {
            tracing::warn!(outbox.id = %row.id, outbox.kind = %row.kind, outbox.attempts = row.attempts, error.cause = %e.message, "notification will be retried");
        }
        Ok(state)
    }

    /// Marks delivered rows sent, all in one write (one commit): once
    /// delivered, a row keeps no address, body or token. A row another
    /// dispatcher took over meanwhile counts as lost (its result stands).
    fn settle_sent(
        &self,
        rows: &[&OutboxRow],
        now: DateTime<Utc>,
        outcome: &mut Outcome,
    ) -> AppResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if rows.iter().any(|r| r.kind == "email") {
            if let Err(e) = self.mailer.make_durable() {
                for row in rows {
                    let settled = self.settle_failure(row, &e, now)?;
                    outcome.count(&row.kind, settled);
                }
                return Ok(());
            }
        }
        let kept: Vec<String> = rows
            .iter()
            .map(|r| delivered_payload(&r.kind, &r.payload))
            .collect();
        let pairs: Vec<(&str, &str)> = rows
            .iter()
            .zip(&kept)
            .map(|(r, k)| (r.id.as_str(), k.as_str()))
            .collect();
        let marked = self
            .store
            .write(|c| Ok(outbox::mark_sent_all(c, &pairs, &self.owner, naive(now))?))?;
        for (row, marked) in rows.iter().zip(marked) {
            if !marked {
                tracing::warn!(outbox.id = %row.id, "delivered after the lease was lost");
            }
            outcome.count(&row.kind, if marked { "sent" } else { "lost" });
        }
        Ok(())
    }

    /// Claims, delivers and settles until nothing is due. `now` is the clock
    /// at the start (tests pass a future one); time spent delivering is added
    /// to it, so later batches get fresh leases and fresh timestamps.
    pub fn run_once(&self, now: DateTime<Utc>) -> AppResult<Outcome> {
        crate::metrics::METRICS.job("dispatcher", || self.run_batches(now))
    }

    fn run_batches(&self, now: DateTime<Utc>) -> AppResult<Outcome> {
        let started = std::time::Instant::now();
        let clock = || now + Duration::from_std(started.elapsed()).unwrap_or_default();
        let mut outcome = Outcome::default();
        loop {
            if self.is_stopping() {
                return Ok(outcome);
            }
            let rows = self.claim(clock())?;
            if rows.is_empty() {
                return Ok(outcome);
            }
            let mut lanes: std::collections::BTreeMap<String, Vec<OutboxRow>> = Default::default();
            for row in rows {
                lanes.entry(lane(&row)).or_default().push(row);
            }
            let results: Vec<AppResult<Outcome>> = std::thread::scope(|s| {
                let running: Vec<_> = lanes
                    .into_iter()
                    .map(|(lane, rows)| s.spawn(move || self.run_lane(&lane, &rows, &clock)))
                    .collect();
                running
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(AppError::internal("delivery lane panicked")))
                    })
                    .collect()
            });
            for r in results {
                let o = r?;
                outcome.sent += o.sent;
                outcome.retrying += o.retrying;
                outcome.dead += o.dead;
                outcome.lost += o.lost;
                outcome.deferred += o.deferred;
            }
        }
    }

    /// Delivers one lane's rows in order. At the peer's first transient
    /// failure (a timeout, a refusal, a 5xx) the lane cools down: its other
    /// rows are given back for later, untried, instead of each waiting out
    /// the same timeout. Delivered rows are marked sent together, every
    /// [`SETTLE_ROWS`] rows or [`SETTLE_MILLIS`], and at the end: one commit
    /// for many deliveries, so that delivering competes little with intake
    /// for the writer. A crash between delivery and marking resends those
    /// rows (at least once; an email file is overwritten, a webhook carries
    /// its delivery id).
    fn run_lane(
        &self,
        lane: &str,
        rows: &[OutboxRow],
        clock: &(impl Fn() -> DateTime<Utc> + Sync),
    ) -> AppResult<Outcome> {
        let mut outcome = Outcome::default();
        let lease = Duration::seconds(self.lease_seconds);
        let mut held_until = rows.iter().filter_map(|r| r.leased_until).min();
        let mut delivered: Vec<&OutboxRow> = Vec::new();
        let mut since = std::time::Instant::now();
        for (i, row) in rows.iter().enumerate() {
            // Stopping, or the peer failed moments ago: the rest of the lane
            // goes back untried, in one write — due at once, or when the
            // peer has cooled down.
            let cooling_until = self
                .cooling
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(lane)
                .copied()
                .filter(|until| *until > clock());
            if self.is_stopping() || cooling_until.is_some() {
                let ids: Vec<&str> = rows[i..].iter().map(|r| r.id.as_str()).collect();
                let due = naive(cooling_until.unwrap_or_else(clock));
                self.store
                    .write(|c| Ok(outbox::release(c, &ids, &self.owner, due)?))?;
                outcome.deferred += ids.len();
                break;
            }
            // A slow lane: hold the rows still to try for another lease.
            if held_until.is_some_and(|until| naive(clock() + lease / 2) > until) {
                self.settle_sent(&delivered, clock(), &mut outcome)?;
                delivered.clear();
                let until = naive(clock() + lease);
                let ids: Vec<&str> = rows[i..].iter().map(|r| r.id.as_str()).collect();
                self.store
                    .write(|c| Ok(outbox::renew(c, &ids, &self.owner, until)?))?;
                held_until = Some(until);
            }
            match self.deliver(row, clock()) {
                Ok(()) => {
                    if delivered.is_empty() {
                        since = std::time::Instant::now();
                    }
                    delivered.push(row);
                }
                Err(e) => {
                    if e.peer_failed {
                        self.cooling
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .insert(
                                lane.to_string(),
                                clock() + Duration::seconds(COOL_DOWN_SECONDS),
                            );
                    }
                    let settled = self.settle_failure(row, &e, clock())?;
                    outcome.count(&row.kind, settled);
                }
            }
            if delivered.len() >= SETTLE_ROWS
                || since.elapsed() >= std::time::Duration::from_millis(SETTLE_MILLIS)
            {
                self.settle_sent(&delivered, clock(), &mut outcome)?;
                delivered.clear();
            }
        }
        self.settle_sent(&delivered, clock(), &mut outcome)?;
        Ok(outcome)
    }
}
