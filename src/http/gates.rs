//! Gates in front of the expensive work a client can ask for: decoding an
//! image, hashing a password, buffering an upload. Each gate lets a bounded
//! number of requests in at once (per process); the others wait a little,
//! then get `503` with `Retry-After`, so a flood of uploads or sign-ins costs
//! a bounded amount of memory and CPU and leaves the rest of the service
//! (citizens reading the map, filing reports) its share of the machine.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult, ErrorCode};

/// One gate: `size` holders at once, a bounded wait for the others.
#[derive(Debug, Clone)]
pub struct Gate {
    permits: Arc<Semaphore>,
    size: usize,
    wait: Duration,
    code: ErrorCode,
    message: &'static str,
}

impl Gate {
    pub fn new(size: usize, wait: Duration, code: ErrorCode, message: &'static str) -> Self {
        let size = size.max(1);
        Self {
            permits: Arc::new(Semaphore::new(size)),
            size,
            wait,
            code,
            message,
        }
    }

    /// Waits for a place (at most the gate's wait); the place is given back
    /// when the permit is dropped.
    pub async fn enter(&self) -> AppResult<OwnedSemaphorePermit> {
        self.enter_weighted(1).await
    }

    /// Waits for `weight` places at once (a budget of bytes, say).
    pub async fn enter_weighted(&self, weight: u32) -> AppResult<OwnedSemaphorePermit> {
        let weight = weight.clamp(1, self.size as u32);
        let acquire = self.permits.clone().acquire_many_owned(weight);
        match actix_web::rt::time::timeout(self.wait, acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out (or, never, closed): busy.
            _ => Err(AppError::Busy {
                code: self.code,
                message: self.message.to_string(),
                retry_after: self.wait.as_secs().max(1) as i64,
            }),
        }
    }

    /// How many are inside now.
    pub fn in_use(&self) -> usize {
        self.size - self.permits.available_permits()
    }

    pub fn size(&self) -> usize {
        self.size
    }
}

/// Upload bytes a process holds in memory at once: 25 full-size files.
pub const UPLOAD_BUDGET_KIB: usize = 250 * 1024;

/// At most `max` holders per key (a client address), refused at once past it.
#[derive(Debug, Clone)]
pub struct PerKey {
    max: usize,
    held: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    code: ErrorCode,
    message: &'static str,
}

/// A place held under a key; given back on drop.
pub struct KeyPermit {
    key: String,
    held: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl Drop for KeyPermit {
    fn drop(&mut self) {
        if let Ok(mut held) = self.held.lock() {
            if let Some(n) = held.get_mut(&self.key) {
                *n -= 1;
                if *n == 0 {
                    held.remove(&self.key);
                }
            }
        }
    }
}

impl PerKey {
    pub fn new(max: usize, code: ErrorCode, message: &'static str) -> Self {
        Self {
            max: max.max(1),
            held: Arc::default(),
            code,
            message,
        }
    }

    pub fn enter(&self, key: &str) -> AppResult<KeyPermit> {
        let mut held = self.held.lock().map_err(AppError::internal)?;
        let n = held.entry(key.to_string()).or_insert(0);
        if *n >= self.max {
            return Err(AppError::RateLimited {
                code: self.code,
                message: self.message.to_string(),
                retry_after: 5,
            });
        }
        *n += 1;
        Ok(KeyPermit {
            key: key.to_string(),
            held: self.held.clone(),
        })
    }
}

/// The gates of one process.
#[derive(Debug, Clone)]
pub struct Gates {
    /// Image decodes, one per core: decoding is CPU- and memory-bound.
    pub decode: Gate,
    /// Upload bytes held in memory, in KiB: a budget shared by every upload
    /// being received (each takes what it declares, 10 MB at most).
    pub upload_kib: Gate,
    /// Argon2 verifications (each ~19 MiB and tens of milliseconds of CPU).
    pub password: Gate,
    /// Uploads in flight per client address: a slow client cannot hold
    /// the whole upload budget.
    pub uploads_per_client: PerKey,
}

impl Gates {
    pub fn for_cores(cores: usize) -> Self {
        let cores = cores.max(1);
        Self {
            decode: Gate::new(
                cores,
                Duration::from_secs(5),
                ErrorCode::BusyProcessingFiles,
                "the server is processing other files: please retry in a few seconds",
            ),
            upload_kib: Gate::new(
                UPLOAD_BUDGET_KIB,
                Duration::from_secs(2),
                ErrorCode::BusyReceivingFiles,
                "the server is receiving other files: please retry in a few seconds",
            ),
            password: Gate::new(
                cores,
                Duration::from_secs(5),
                ErrorCode::BusySigningIn,
                "too many sign-ins at once: please retry in a few seconds",
            ),
            uploads_per_client: PerKey::new(
                2,
                ErrorCode::TooManyUploads,
                "two files from this address are already being received: wait for them",
            ),
        }
    }
}

impl Default for Gates {
    fn default() -> Self {
        Self::for_cores(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_full_gate_answers_busy_after_its_wait() {
        let gate = Gate::new(
            1,
            Duration::from_millis(50),
            ErrorCode::BusyProcessingFiles,
            "busy",
        );
        let first = gate.enter().await.unwrap();
        assert_eq!(gate.in_use(), 1);
        let err = gate.enter().await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::BusyProcessingFiles);
        drop(first);
        assert!(gate.enter().await.is_ok());
    }

    #[test]
    fn per_key_places_are_given_back() {
        let p = PerKey::new(2, ErrorCode::BusyProcessingFiles, "busy");
        let a = p.enter("x").unwrap();
        let _b = p.enter("x").unwrap();
        assert!(p.enter("x").is_err());
        assert!(p.enter("y").is_ok());
        drop(a);
        assert!(p.enter("x").is_ok());
    }

    #[actix_web::test]
    async fn weights_share_a_budget() {
        let gate = Gate::new(
            10,
            Duration::from_millis(50),
            ErrorCode::BusyProcessingFiles,
            "busy",
        );
        let a = gate.enter_weighted(6).await.unwrap();
        assert!(gate.enter_weighted(6).await.is_err());
        let b = gate.enter_weighted(4).await.unwrap();
        assert_eq!(gate.in_use(), 10);
        drop((a, b));
        // More than the whole budget is clamped to it, not refused forever.
        assert!(gate.enter_weighted(99).await.is_ok());
    }
}
