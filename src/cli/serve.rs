//! `segnala serve`: migrate, then serve HTTP with the background jobs.

use segnala::config::Config;
use segnala::error::{AppError, AppResult};
use segnala::http::{self, AppState};

/// Buffers of a megabyte or more (an argon2 verification's 19 MiB, a decoded
/// photo) are mapped and unmapped on their own, so their memory goes back to
/// the system as soon as the work ends. glibc's adaptive threshold would
/// otherwise move them into per-thread arenas after the first free, and a
/// burst of sign-ins spread over the blocking threads left the process
/// holding over a gigabyte it no longer used (measured: 1.26 GB after 120
/// parallel sign-ins, with at most two verifications at a time).
fn release_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

pub fn serve(config: Config) -> AppResult<()> {
    release_large_buffers();
    segnala::files::private_data_dir(&config.data_dir).map_err(|e| {
        AppError::internal(format!("cannot create {}: {e}", config.data_dir.display()))
    })?;
    let mut store = super::open(&config)?;
    if let Some(url) = &config.database_read_url {
        store = store.with_replica(
            url,
            config.database_pool_size,
            std::time::Duration::from_millis(config.database_read_max_lag_ms),
        )?;
        store.watch_replica();
    }
    segnala::jobs::scrub_legacy(&store, &config.data_dir)?;
    let listener = std::net::TcpListener::bind(&config.bind)
        .map_err(|e| AppError::internal(format!("cannot listen on {}: {e}", config.bind)))?;
    let workers = config.workers;
    tracing::info!(http.bind = %config.bind, db.backend = ?store.backend(), "segnala listening");
    let dispatcher = segnala::jobs::dispatch::Dispatcher::from_config(store.clone(), &config)?;
    let jobs = segnala::jobs::spawn(
        store.clone(),
        segnala::jobs::Schedule {
            sweep_every: std::time::Duration::from_secs(config.sweep_interval_seconds.max(1)),
            policy: config.escalation_policy(),
            retention_days: config.retention_days,
            keep: segnala::jobs::Keep::from_config(&config),
            data_dir: config.data_dir.clone(),
            dispatch_every: std::time::Duration::from_secs(config.dispatch_interval_seconds.max(1)),
            links: config.links(),
        },
        dispatcher,
    );
    let state = AppState::new(store, config)?;
    let served = actix_web::rt::System::new().block_on(async move {
        http::server(state, listener, workers)
            .map_err(|e| AppError::internal(format!("server: {e}")))?
            .await
            .map_err(|e| AppError::internal(format!("server: {e}")))
    });
    // SIGTERM or SIGINT: the server has drained its requests; the
    // dispatcher finishes what it is sending and gives the rest back.
    jobs.stop(DISPATCHER_GRACE);
    served
}

/// How long a stopping process waits for the deliveries in progress.
const DISPATCHER_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
