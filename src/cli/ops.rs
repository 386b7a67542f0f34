//! Operations from the shell: the storage footprint, backups and restores,
//! the escalation sweep and retention (for cron), the demo comune.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};

use segnala::config::Config;
use segnala::error::AppResult;

/// Bytes on disk per table and per report, and the data directory's size.
pub fn storage(config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    let f = store.read(|c| Ok(segnala::store::ops::footprint(c)?))?;
    println!("{:<24} {:>14} {:>12}", "table", "bytes", "per report");
    let per = |b: i64| {
        if f.reports > 0 {
            format!("{:.0}", b as f64 / f.reports as f64)
        } else {
            "-".into()
        }
    };
    for (name, bytes) in &f.tables {
        println!("{name:<24} {bytes:>14} {:>12}", per(*bytes));
    }
    println!(
        "{:<24} {:>14} {:>12}",
        "all tables",
        f.total(),
        per(f.total())
    );
    println!("reports: {}", f.reports);
    for dir in ["attachments", "mail"] {
        let path = config.data_dir.join(dir);
        println!(
            "{:<24} {:>14}",
            format!("data/{dir}"),
            segnala::files::tree_size(&path)
        );
    }
    Ok(())
}

/// A consistent copy of a running SQLite deployment into `dir`.
pub fn backup(config: &Config, dir: &Path) -> AppResult<()> {
    let store = super::open(config)?;
    let m = segnala::backup::backup(&store, &config.data_dir, dir, Utc::now())?;
    print_manifest("backup written to", dir, &m);
    Ok(())
}

/// A backup brought back into this (stopped) deployment, after checking it.
pub fn restore(config: &Config, dir: &Path, replace: bool) -> AppResult<()> {
    let m = segnala::backup::restore(dir, &config.database_url, &config.data_dir, replace)?;
    print_manifest("restored from", dir, &m);
    // Migrations of a newer version apply now, not at the first request.
    super::open(config)?;
    Ok(())
}

/// Escalates every report past its deadline, as if it were `at` (default now).
pub fn sweep(config: &Config, at: Option<DateTime<FixedOffset>>) -> AppResult<()> {
    let store = super::open(config)?;
    let now = at.map(|t| t.with_timezone(&Utc)).unwrap_or_else(Utc::now);
    let outcome =
        segnala::jobs::sweep_and_notify(&store, now, config.escalation_policy(), &config.links())?;
    println!(
        "{} report(s) escalated to level 1, {} to level 2",
        outcome.level1, outcome.level2
    );
    Ok(())
}

/// Anonymises old closed reports, then the housekeeping of notifications and mail.
pub fn retention(config: &Config, days: Option<i64>) -> AppResult<()> {
    let store = super::open(config)?;
    let days = days.unwrap_or(config.retention_days);
    let n = segnala::jobs::retention(&store, &config.data_dir, days, Utc::now())?;
    println!("{n} report(s) anonymised (closed more than {days} days ago)");
    let h = segnala::jobs::housekeeping(
        &store,
        &config.data_dir,
        segnala::jobs::Keep::from_config(config),
        Utc::now(),
    )?;
    println!(
        "housekeeping: {} delivered and {} dead notification(s), {} mail file(s) removed",
        h.sent, h.dead, h.mail_files
    );
    Ok(())
}

/// The demo comune (Pisa) and one account per role, printed.
pub fn demo(config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    let demo = segnala::demo::setup(&store)?;
    let accounts = segnala::demo::setup_accounts(&store, &config.data_dir)?;
    println!(
        "Demo municipality: {} ({}), {} categories, offices:",
        demo.municipality,
        if demo.created {
            "created"
        } else {
            "already present"
        },
        demo.categories
    );
    for (code, name) in demo.offices {
        println!("  {code:16} {name}");
    }
    println!(
        "Demo staff accounts (sign in at /staff, or with POST /api/v1/auth/login; kept in {}):",
        config.data_dir.join("demo-accounts.txt").display()
    );
    for (user, password, role) in accounts {
        println!("  {role:11} {user:16} {password}");
    }
    Ok(())
}

fn print_manifest(what: &str, dir: &std::path::Path, m: &segnala::backup::Manifest) {
    println!(
        "{what} {} (taken {}, segnala {})",
        dir.display(),
        m.created_at.to_rfc3339(),
        m.version
    );
    for (table, n) in &m.rows {
        println!("  {table:<16} {n:>10}");
    }
    println!("  files            {:>10}", m.files_copied);
    if !m.files_missing.is_empty() {
        println!(
            "  {} file(s) were erased while the backup ran (their rows are in it)",
            m.files_missing.len()
        );
    }
}
