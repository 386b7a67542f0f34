//! Backups of a SQLite deployment, taken while the service runs: a consistent
//! copy of the database (`VACUUM INTO`, one read transaction) and the photos
//! and documents its rows point to, in a directory with a manifest; and the
//! restore that brings them back into a stopped deployment. PostgreSQL
//! deployments use `pg_dump` or continuous archiving (README, "Backups").
//!
//! Attachments are written before their rows and never changed, so the
//! files copied after the snapshot include every file its rows name, unless
//! retention erased one in between (counted as `files_missing`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{attachments, ops, sqlite_path, Store};

/// The database file inside a backup directory.
pub const DATABASE_FILE: &str = "segnala.db";
/// The attachments directory inside a backup directory.
pub const ATTACHMENTS_DIR: &str = "attachments";
/// The manifest inside a backup directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// What a backup holds, written beside it and printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub created_at: DateTime<Utc>,
    /// The segnala version that took it.
    pub version: String,
    /// Rows per table in the copied database.
    pub rows: Vec<(String, i64)>,
    pub files_copied: usize,
    /// Rows whose file was gone when it was copied.
    pub files_missing: Vec<String>,
}

fn io(what: &Path, e: std::io::Error) -> AppError {
    AppError::from_io(what.display(), e)
}

/// Copies `from` to `to` and syncs it.
fn copy_synced(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from, to)?;
    std::fs::File::open(to)?.sync_all()
}

/// Copies the attachment files `names` (as a backup's rows name them) from
/// `from` to `to`; returns how many were copied and the names that were
/// missing.
fn copy_attachments(names: Vec<String>, from: &Path, to: &Path) -> AppResult<(usize, Vec<String>)> {
    crate::files::create_private_dir(to).map_err(|e| io(to, e))?;
    let mut copied = 0;
    let mut missing = Vec::new();
    for name in names {
        match copy_synced(&from.join(&name), &to.join(&name)) {
            Ok(()) => copied += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(name),
            Err(e) => return Err(io(&to.join(&name), e)),
        }
    }
    std::fs::File::open(to)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(to, e))?;
    Ok((copied, missing))
}

/// Takes a backup of the running deployment (`store`, `data_dir`) into the
/// directory `target`, which must not exist or be empty.
pub fn backup(
    store: &Store,
    data_dir: &Path,
    target: &Path,
    now: DateTime<Utc>,
) -> AppResult<Manifest> {
    if std::fs::read_dir(target).is_ok_and(|mut d| d.next().is_some()) {
        return Err(AppError::conflict(
            ErrorCode::BackupTargetExists,
            format!(
                "{} exists and is not empty: choose a new directory",
                target.display()
            ),
        ));
    }
    crate::files::create_private_dir(target).map_err(|e| io(target, e))?;
    let db = target.join(DATABASE_FILE);
    let path = db.to_str().ok_or_else(|| {
        AppError::bad_request(ErrorCode::InvalidPath, "the backup path is not valid UTF-8")
    })?;
    if !store.copy_into(path)? {
        return Err(AppError::unprocessable(
            ErrorCode::BackupUnsupported,
            "on PostgreSQL take backups with pg_dump or continuous archiving (see the README)",
        ));
    }
    let (names, rows) = Store::open(&db.display().to_string(), 1)?
        .read(|c| Ok((attachments::all_file_names(c)?, ops::row_counts(c)?)))?;
    let (files_copied, files_missing) = copy_attachments(
        names,
        &data_dir.join(ATTACHMENTS_DIR),
        &target.join(ATTACHMENTS_DIR),
    )?;
    let manifest = Manifest {
        created_at: now,
        version: env!("CARGO_PKG_VERSION").to_string(),
        rows,
        files_copied,
        files_missing,
    };
    let path = target.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(&manifest).map_err(AppError::internal)?;
    crate::files::write_durably(&target.join(".manifest.tmp"), &path, &json)
        .map_err(|e| io(&path, e))?;
    Ok(manifest)
}

/// Reads and checks a backup directory: its manifest, its database's
/// integrity, and its rows against the manifest.
pub fn verify(source: &Path) -> AppResult<Manifest> {
    checked(source).map(|(manifest, _)| manifest)
}

/// [`verify`], and the attachment files the backup's rows name.
fn checked(source: &Path) -> AppResult<(Manifest, Vec<String>)> {
    let path = source.join(MANIFEST_FILE);
    let text = std::fs::read(&path).map_err(|e| {
        AppError::bad_request(
            ErrorCode::NotABackup,
            format!("{}: {e} (is this a segnala backup?)", path.display()),
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        AppError::bad_request(ErrorCode::NotABackup, format!("{}: {e}", path.display()))
    })?;
    let db = source.join(DATABASE_FILE);
    if !db.is_file() {
        return Err(AppError::bad_request(
            ErrorCode::NotABackup,
            format!("{} is missing", db.display()),
        ));
    }
    let corrupt = |why: String| {
        AppError::unprocessable(
            ErrorCode::BackupCorrupt,
            format!("the backup's database is damaged: {why}"),
        )
    };
    let copy = Store::open(&db.display().to_string(), 1).map_err(|e| corrupt(e.to_string()))?;
    let check = copy.integrity_check().map_err(|e| corrupt(e.to_string()))?;
    if check != "ok" {
        return Err(corrupt(check));
    }
    let (rows, names) = copy
        .read(|c| Ok((ops::row_counts(c)?, attachments::all_file_names(c)?)))
        .map_err(|e| corrupt(e.to_string()))?;
    if rows != manifest.rows {
        return Err(corrupt(
            "it does not hold the rows its manifest lists".into(),
        ));
    }
    Ok((manifest, names))
}

/// Restores the backup in `source` into a stopped deployment: the database
/// at `database_url` (SQLite; replaced) and the attachments under
/// `data_dir`. Refuses to replace a database that exists unless `replace`.
pub fn restore(
    source: &Path,
    database_url: &str,
    data_dir: &Path,
    replace: bool,
) -> AppResult<Manifest> {
    let Some(target) = sqlite_path(database_url).map(PathBuf::from) else {
        return Err(AppError::unprocessable(
            ErrorCode::BackupUnsupported,
            "restore a PostgreSQL deployment with pg_restore or psql (see the README)",
        ));
    };
    let (manifest, names) = checked(source)?;
    if target.exists() && !replace {
        return Err(AppError::conflict(
            ErrorCode::DatabaseExists,
            format!(
                "{} exists: stop the service and pass --replace to overwrite it",
                target.display()
            ),
        ));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::files::create_private_dir(parent).map_err(|e| io(parent, e))?;
    }
    let (copied, missing) = copy_attachments(
        names,
        &source.join(ATTACHMENTS_DIR),
        &data_dir.join(ATTACHMENTS_DIR),
    )?;
    if !missing.is_empty() && missing != manifest.files_missing {
        return Err(AppError::unprocessable(
            ErrorCode::BackupIncomplete,
            format!("{} file(s) of the backup are missing", missing.len()),
        ));
    }
    // The database last, whole: a copy beside it, synced, then renamed over
    // it, with the old write-ahead log removed first.
    let tmp = target.with_extension("restoring");
    copy_synced(&source.join(DATABASE_FILE), &tmp).map_err(|e| io(&tmp, e))?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&side, e)),
            _ => {}
        }
    }
    std::fs::rename(&tmp, &target).map_err(|e| io(&target, e))?;
    Ok(Manifest {
        files_copied: copied,
        ..manifest
    })
}
