//! BENCHMARK-ONLY, BACKEND-SPECIFIC: fills segnala's database and the bare
//! stack's with the same realistic reports, in bulk (multi-row inserts, fast),
//! as the product writes them: the report with its code, routing and
//! deadlines, its `created`, `routed` and status events, the delivered
//! notification of a citizen with an email. Points are spread over Pisa's
//! territory with a dense centre; statuses and categories are mixed.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::{AppError, AppResult};
use crate::store::schema::categories;
use crate::store::{naive, DbConn, Store};

/// One synthetic report, as both services store it.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub lat: f64,
    pub lon: f64,
    pub status: &'static str,
    /// Index into the leaf categories.
    pub category: usize,
    pub email: bool,
    /// Days before now it was filed (older first).
    pub age_days: f64,
}

/// Statuses with their shares: most reports are open or finished.
const STATUSES: [(&str, u32); 7] = [
    ("new", 22),
    ("taken_in", 14),
    ("in_progress", 14),
    ("resolved", 8),
    ("closed", 30),
    ("rejected", 8),
    ("not_competent", 4),
];

/// The centre of Pisa: a dense box, as in the measurements that asked for this.
pub const CENTRE: (f64, f64, f64, f64) = (43.70, 10.38, 43.73, 10.42);
/// The comune's extent (a little inside its boundary's box).
pub const TERRITORY: (f64, f64, f64, f64) = (43.64, 10.30, 43.76, 10.47);

/// `n` reports, the same for the same seed: 60% in the centre, 25% around
/// a few dense neighbourhoods, 15% anywhere in the comune; the newest last.
pub fn reports(n: usize, seed: u64) -> Vec<Synthetic> {
    let mut rng = StdRng::seed_from_u64(seed);
    let hot = [
        (43.7167, 10.4017),
        (43.7083, 10.3912),
        (43.6890, 10.4300),
        (43.7325, 10.4080),
    ];
    let total_share: u32 = STATUSES.iter().map(|(_, w)| w).sum();
    (0..n)
        .map(|i| {
            let roll = rng.gen_range(0..100);
            let (lat, lon) = if roll < 60 {
                (
                    rng.gen_range(CENTRE.0..CENTRE.2),
                    rng.gen_range(CENTRE.1..CENTRE.3),
                )
            } else if roll < 85 {
                let (clat, clon) = hot[rng.gen_range(0..hot.len())];
                // About 300 m around the point.
                (
                    clat + rng.gen_range(-0.003..0.003),
                    clon + rng.gen_range(-0.004..0.004),
                )
            } else {
                (
                    rng.gen_range(TERRITORY.0..TERRITORY.2),
                    rng.gen_range(TERRITORY.1..TERRITORY.3),
                )
            };
            let mut pick = rng.gen_range(0..total_share);
            let status = STATUSES
                .iter()
                .find(|(_, w)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .map_or("new", |(s, _)| s);
            Synthetic {
                lat,
                lon,
                status,
                category: rng.gen_range(0..1000),
                email: rng.gen_bool(0.6),
                age_days: 365.0 * (n - i) as f64 / n as f64,
            }
        })
        .collect()
}

fn ts(t: NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
}

fn opt(t: Option<NaiveDateTime>) -> String {
    t.map_or_else(|| "NULL".to_string(), ts)
}

/// Which delivered acknowledgements a fill leaves in the outbox.
#[derive(Debug, Clone, Copy)]
pub enum Mail {
    /// Every one, as if housekeeping had never run (a first start after an
    /// upgrade, say).
    All,
    /// Those of the last so many days, as housekeeping keeps them
    /// (`SEGNALA_OUTBOX_KEEP_SENT_DAYS`): a service's steady state.
    KeptDays(i64),
}

/// Fills segnala's database (Pisa set up as `segnala demo` does) with
/// `reports` and their delivered `mail`. Returns how many it inserted.
pub fn segnala(store: &Store, reports: &[Synthetic], mail: Mail) -> AppResult<usize> {
    crate::demo::setup(store)?;
    let mut fill = Fill::new(store, crate::demo::PISA_ISTAT)?;
    if let Mail::KeptDays(days) = mail {
        fill.mail_since = Some(naive(fill.now - Duration::days(days.max(0))));
    }
    for (chunk_no, chunk) in reports.chunks(500).enumerate() {
        let sql = fill.insert_sql(chunk_no * 500, chunk);
        store.write(|c| Ok(c.batch_execute(&sql)?))?;
    }
    fill.set_counters(store, fill.start + reports.len() as i64)?;
    analyze(store)?;
    Ok(reports.len())
}

/// What every filled report of a comune shares.
struct Fill {
    municipality: &'static str,
    /// The leaf categories (a report is never filed under a group) and their offices.
    leaves: Vec<(String, Option<String>)>,
    now: DateTime<Utc>,
    year: i32,
    /// The comune's reopen window, in days.
    reopen_days: i64,
    /// The largest report id already there: the fill's follow it.
    start: i64,
    /// Delivered mail before this was pruned (`None`: none was).
    mail_since: Option<NaiveDateTime>,
}

impl Fill {
    fn new(store: &Store, m: &'static str) -> AppResult<Self> {
        let leaves = leaf_categories(store, m)?;
        if leaves.is_empty() {
            return Err(AppError::internal("no categories to fill with"));
        }
        let now = Utc::now();
        let reopen_days = store
            .read(|c| Ok(crate::store::municipalities::find(c, m)?))?
            .map_or(0, |p| i64::from(p.reopen_days.max(0)));
        let start: i64 = store.read(|c| {
            Ok(crate::store::schema::reports::table
                .select(diesel::dsl::max(crate::store::schema::reports::id))
                .first::<Option<i64>>(c)?
                .unwrap_or(0))
        })?;
        Ok(Self {
            municipality: m,
            leaves,
            now,
            year: now.with_timezone(&chrono_tz::Europe::Rome).year(),
            reopen_days,
            start,
            mail_since: None,
        })
    }

    /// The statements that insert `chunk`, whose first report is the
    /// `first`th of the fill: the reports, their events, their notifications.
    fn insert_sql(&self, first: usize, chunk: &[Synthetic]) -> String {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut events = Vec::with_capacity(chunk.len() * 3);
        let mut outbox = Vec::new();
        for (k, r) in chunk.iter().enumerate() {
            let id = self.start + (first + k) as i64 + 1;
            let code = format!("PI-{}-{id:06}", self.year);
            let t = self.timeline(r);
            rows.push(self.report_row(id, &code, r, &t));
            events.extend(event_rows(id, r, &t));
            if r.email && self.mail_since.is_none_or(|since| t.created >= since) {
                outbox.push(outbox_row(id, &code, t.created));
            }
        }
        let mut sql = String::new();
        sql.push_str(&format!(
            "INSERT INTO reports (id, code, municipality_id, category_id, office_id, status, title, description, \
             lat, lon, address, channel, reporter_name, reporter_email, reporter_phone, contact_preference, \
             language, tracking_token_hash, received_at, created_at, updated_at, take_in_due_at, taken_in_at, \
             expected_resolution_at, escalation_level, resolved_at, closed_at, next_escalation_at, late_notified_at) VALUES {};",
            rows.join(",")
        ));
        sql.push_str(&format!(
            "INSERT INTO report_events (report_id, at, actor_kind, actor_id, kind, from_status, to_status, public, message, data) VALUES {};",
            events.join(",")
        ));
        if !outbox.is_empty() {
            sql.push_str(&format!(
                "INSERT INTO outbox (id, kind, dedupe_key, payload, report_id, state, attempts, next_attempt_at, \
                 lease_owner, leased_until, last_error, created_at, sent_at) VALUES {};",
                outbox.join(",")
            ));
        }
        sql
    }

    /// When things happened to `r`, as a year of use leaves a report.
    fn timeline(&self, r: &Synthetic) -> Timeline {
        let now = self.now;
        let created = naive(now - Duration::seconds((r.age_days * 86_400.0) as i64));
        let taken =
            (!matches!(r.status, "new" | "not_competent")).then(|| created + Duration::hours(5));
        let resolved =
            matches!(r.status, "resolved" | "closed").then(|| created + Duration::days(6));
        // A report resolved before the comune's reopen window was closed by the
        // sweeper back then, as a year of use leaves it (the fill does not hand
        // the sweeper a year of closings to do at start).
        let reopen_before = naive(now - Duration::days(self.reopen_days));
        let auto_closed = resolved.filter(|at| r.status == "resolved" && *at < reopen_before);
        let status = if auto_closed.is_some() {
            "closed"
        } else {
            r.status
        };
        let closed = match r.status {
            "closed" => Some(created + Duration::days(9)),
            "rejected" => Some(created + Duration::days(2)),
            _ => auto_closed.map(|at| at + Duration::days(self.reopen_days)),
        };
        // An open report past its resolution target was told so by the
        // sweeper back then, as a comune's year of use leaves it.
        let expected_at = created + Duration::days(30);
        let late = (matches!(r.status, "new" | "taken_in" | "in_progress")
            && expected_at <= naive(now))
        .then_some(expected_at);
        Timeline {
            created,
            due: created + Duration::days(1),
            next: (r.status == "new").then(|| naive(now) + Duration::days(7)),
            taken,
            resolved,
            status,
            closed,
            updated: closed.or(resolved).or(taken).unwrap_or(created),
            expected_at,
            late,
        }
    }

    /// The report's row, with its category's office (none when it was sent
    /// back as not competent) and its reporter's contacts if any.
    fn report_row(&self, id: i64, code: &str, r: &Synthetic, t: &Timeline) -> String {
        let m = self.municipality;
        let (category, office) = &self.leaves[r.category % self.leaves.len()];
        let office = if r.status == "not_competent" {
            None
        } else {
            office.clone()
        };
        let (name, email, contact) = if r.email {
            (
                format!("'Cittadino {id}'"),
                format!("'cittadino{id}@example.it'"),
                "email",
            )
        } else {
            ("NULL".into(), "NULL".into(), "none")
        };
        format!(
            "({id}, '{code}', '{m}', '{category}', {office}, '{status}', 'Segnalazione {id}', \
             'Descrizione della segnalazione numero {id}, generata per il benchmark', {lat}, {lon}, \
             'Via di prova {id}', 'web', {name}, {email}, NULL, '{contact}', 'it', 'bench-{id}', \
             {created}, {created}, {updated}, {due}, {taken}, {expected}, 0, {resolved}, {closed}, {next}, {late})",
            office = office.as_ref().map_or("NULL".into(), |o| format!("'{o}'")),
            status = t.status,
            lat = r.lat,
            lon = r.lon,
            created = ts(t.created),
            updated = ts(t.updated),
            due = ts(t.due),
            taken = opt(t.taken),
            expected = ts(t.expected_at),
            resolved = opt(t.resolved),
            closed = opt(t.closed),
            next = opt(t.next),
            late = opt(t.late),
        )
    }

    /// The comune's code counter and (PostgreSQL) the reports' id sequence
    /// at `last`, so that the next filing follows the fill.
    fn set_counters(&self, store: &Store, last: i64) -> AppResult<()> {
        let (m, year) = (self.municipality, self.year);
        store.write(|c| {
            let counter = format!(
                "DELETE FROM report_counters WHERE municipality_id = '{m}' AND year = {year};
                 INSERT INTO report_counters (municipality_id, year, last_value) VALUES ('{m}', {year}, {last});"
            );
            c.batch_execute(&counter)?;
            if let DbConn::Pg(pg) = c {
                pg.batch_execute(&format!("SELECT setval(pg_get_serial_sequence('reports', 'id'), {last});"))?;
            }
            Ok(())
        })
    }
}

/// A filled report's moments and the status they leave it in.
struct Timeline {
    created: NaiveDateTime,
    due: NaiveDateTime,
    next: Option<NaiveDateTime>,
    taken: Option<NaiveDateTime>,
    resolved: Option<NaiveDateTime>,
    status: &'static str,
    closed: Option<NaiveDateTime>,
    updated: NaiveDateTime,
    expected_at: NaiveDateTime,
    late: Option<NaiveDateTime>,
}

/// The leaf categories of comune `m` (a report is never filed under a
/// group) and their offices.
fn leaf_categories(store: &Store, m: &str) -> AppResult<Vec<(String, Option<String>)>> {
    store.read(|c| {
        let all: Vec<(String, Option<String>, Option<String>)> = categories::table
            .filter(categories::municipality_id.eq(m))
            .select((
                categories::id,
                categories::default_office_id,
                categories::parent_id,
            ))
            .load(c)?;
        Ok(all
            .iter()
            .filter(|(id, _, _)| !all.iter().any(|(_, _, p)| p.as_deref() == Some(id)))
            .map(|(id, office, _)| (id.clone(), office.clone()))
            .collect())
    })
}

/// The report's timeline: created, routed and (unless still new) its status set.
fn event_rows(id: i64, r: &Synthetic, t: &Timeline) -> Vec<String> {
    let mut events = vec![
        format!(
            "({id}, {}, 'citizen', NULL, 'created', NULL, 'new', TRUE, NULL, '{{\"channel\":\"web\"}}')",
            ts(t.created)
        ),
        format!(
            "({id}, {}, 'system', NULL, 'routed', NULL, NULL, TRUE, NULL, '{{\"matched\":\"category\",\"deadline_mode\":\"working_days\"}}')",
            ts(t.created)
        ),
    ];
    if r.status != "new" {
        events.push(format!(
            "({id}, {}, 'user', NULL, 'status_changed', 'new', '{}', TRUE, 'Aggiornamento dell''ufficio', NULL)",
            ts(t.updated),
            t.status
        ));
    }
    events
}

/// The delivered e-mail that told the citizen the report was received.
fn outbox_row(id: i64, code: &str, created: NaiveDateTime) -> String {
    let key = format!("{code}:created:email");
    format!(
        "('{}', 'email', '{key}', '{{\"message_id\":\"{}\",\"report\":\"{code}\"}}', {id}, 'sent', 1, {c}, NULL, NULL, NULL, {c}, {c})",
        uuid::Uuid::new_v4(),
        crate::notify::message_id(&key),
        c = ts(created)
    )
}

/// Statistics for the planners, after a bulk fill.
fn analyze(store: &Store) -> AppResult<()> {
    store.read(|c| {
        match c {
            DbConn::Sqlite(s) => s.batch_execute("ANALYZE")?,
            DbConn::Pg(p) => p.batch_execute("VACUUM ANALYZE")?,
        }
        Ok(())
    })
}

/// Fills the bare stack's table with the same reports.
pub fn bare(url: &str, reports: &[Synthetic]) -> AppResult<()> {
    super::bare::create_schema(url)?;
    let store = Store::open(url, 1)?;
    let now = Utc::now();
    for (chunk_no, chunk) in reports.chunks(500).enumerate() {
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let id = (chunk_no * 500 + k) as i64 + 1;
                let created = naive(now - Duration::seconds((r.age_days * 86_400.0) as i64));
                format!(
                    "({id}, 'B-{id}', 'c{}', '{}', 'Segnalazione {id}', \
                     'Descrizione della segnalazione numero {id}, generata per il benchmark', {}, {}, '{}')",
                    r.category % 13,
                    r.status,
                    r.lat,
                    r.lon,
                    created
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO reports (id, code, category, status, title, description, lat, lon, created_at) VALUES {};",
            rows.join(",")
        );
        store.write(|c| Ok(c.batch_execute(&sql)?))?;
    }
    if url.starts_with("postgres") {
        store.write(|c| {
            Ok(c.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('reports', 'id'), {});",
                reports.len()
            ))?)
        })?;
    }
    analyze(&store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_reports_with_a_dense_centre() {
        let a = reports(10_000, 7);
        let b = reports(10_000, 7);
        assert_eq!(
            a.iter().map(|r| (r.lat, r.lon)).collect::<Vec<_>>(),
            b.iter().map(|r| (r.lat, r.lon)).collect::<Vec<_>>()
        );
        let centre = a
            .iter()
            .filter(|r| {
                (CENTRE.0..CENTRE.2).contains(&r.lat) && (CENTRE.1..CENTRE.3).contains(&r.lon)
            })
            .count();
        assert!(centre > 6_000, "{centre}");
        assert!(a.iter().any(|r| r.status == "closed") && a.iter().any(|r| r.status == "new"));
        assert!(a[0].age_days > a[9_999].age_days);
    }
}
