//! Reports: creation (code, routing, deadline and events in one transaction),
//! lookups by code and by tracking token, map and nearby queries, and workflow
//! transitions.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::catalog::{self, CategoryRow};
use super::events::{self, NewEvent};
use super::municipalities::{self, MunicipalitySummary};
use super::schema::{report_counters, reports};
use super::spatial::{self, Bbox};
use super::{naive, utc, DbConn};
use crate::domain::calendar::{Calendar, DeadlineMode};
use crate::domain::publication::{self, ReportPublication};
use crate::domain::report::{
    self, check_transition, Actor, Channel, ContactPreference, EventKind, Language, Status,
    ValidReport,
};
use crate::domain::routing::{self, MatchedRule};
use crate::error::{AppError, AppResult, ErrorCode};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub code: String,
    pub municipality_id: String,
    pub category_id: String,
    pub office_id: Option<String>,
    pub status: Status,
    pub title: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub channel: Channel,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    pub contact_preference: ContactPreference,
    pub language: Language,
    pub entered_by: Option<String>,
    pub tracking_token_hash: String,
    pub received_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub take_in_due_at: Option<NaiveDateTime>,
    pub taken_in_at: Option<NaiveDateTime>,
    pub expected_resolution_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    pub escalation_level: i32,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub duplicate_of: Option<i64>,
    pub anonymised_at: Option<NaiveDateTime>,
    pub next_escalation_at: Option<NaiveDateTime>,
    /// Answers to the category's extra questions (JSON object).
    pub attributes: Option<String>,
    /// A media link sent by an integration.
    pub media_url: Option<String>,
    /// When the citizen was told that the resolution target has passed.
    pub late_notified_at: Option<NaiveDateTime>,
    /// Whether the public sees it ([`ReportPublication`]).
    pub publication: ReportPublication,
    /// Staff's public version of the title and description, if edited.
    pub public_title: Option<String>,
    pub public_description: Option<String>,
}

impl ReportRow {
    pub fn is_public(&self) -> bool {
        self.publication == ReportPublication::Published
    }
}

/// A fresh tracking token and its hash. The token is shown once; only the hash is stored.
pub fn new_tracking_token() -> (String, String) {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What `create` needs beyond the validated report: the catalog as read
/// before the write (see [`crate::app::reports::filing`]).
pub struct CreateReport<'a> {
    pub report: &'a ValidReport,
    pub municipality: &'a MunicipalitySummary,
    pub category: &'a CategoryRow,
    pub calendar: &'a Calendar,
    pub decision: &'a routing::RouteDecision,
    pub token_hash: String,
    pub entered_by: Option<String>,
    pub actor: Actor,
    pub now: DateTime<Utc>,
    /// Answers to the category's extra questions, already validated.
    pub attributes: Option<serde_json::Value>,
    pub media_url: Option<String>,
}

/// Routes a report of `category` at a point, with the municipality's zones.
fn route(
    conn: &mut DbConn,
    municipality_id: &str,
    category: &CategoryRow,
    lat: f64,
    lon: f64,
) -> AppResult<routing::RouteDecision> {
    let rule = catalog::category_route(conn, category)?;
    let zones = catalog::zones(conn, municipality_id)?;
    Ok(routing::route(&rule, lat, lon, &zones))
}

/// The take-in deadline of a report of `category` whose clock starts at
/// `start`: the category's SLA hours in its deadline mode (or the
/// municipality's), on the municipal calendar. Returns the mode used too.
fn take_in_deadline(
    calendar: &crate::domain::calendar::Calendar,
    municipality: &MunicipalitySummary,
    category: &CategoryRow,
    start: DateTime<Utc>,
) -> (DateTime<Utc>, DeadlineMode) {
    let mode = category
        .deadline_mode
        .as_deref()
        .and_then(|m| m.parse::<DeadlineMode>().ok())
        .unwrap_or_else(|| municipality.deadline_mode());
    (
        calendar.deadline(start, category.take_in_sla_hours.max(0) as u32, mode),
        mode,
    )
}

/// Creates a report in the caller's write transaction: allocates the next
/// gap-free public code of the municipality and year, computes the take-in
/// deadline, and writes the `created` and `routed` events. Three statements
/// (two more for a comune's first report of the year): intake runs them one
/// filing after another, so each one counts.
pub fn create(conn: &mut DbConn, c: CreateReport<'_>) -> AppResult<ReportRow> {
    let r = c.report;
    let calendar = c.calendar;
    let decision = c.decision;
    let local_year = c.now.with_timezone(&calendar.timezone()).year();
    let seq = next_code_number(conn, &c.municipality.id, local_year)?;
    let code = report::format_code(&c.municipality.code_prefix, local_year, seq);

    // The take-in clock runs from when the citizen actually reported.
    // Unrouted reports keep the clock too: triage must happen in time.
    let (due, mode) = take_in_deadline(calendar, c.municipality, c.category, r.received_at);
    let due = Some(due);
    let expected = report::expected_resolution(r.received_at, c.category.resolution_target_days);
    let title = r
        .title
        .clone()
        .unwrap_or_else(|| c.category.name(r.language.as_str()).to_string());
    let now = naive(c.now);
    let policy = publication::effective(c.municipality.publication(), c.category.publication());

    let values = (
        reports::code.eq(&code),
        reports::municipality_id.eq(&c.municipality.id),
        reports::category_id.eq(&c.category.id),
        reports::office_id.eq(&decision.office_id),
        reports::status.eq(Status::New),
        reports::title.eq(&title),
        reports::description.eq(&r.description),
        reports::lat.eq(r.lat),
        reports::lon.eq(r.lon),
        reports::address.eq(&r.address),
        reports::channel.eq(r.channel.as_str()),
        reports::reporter_name.eq(&r.reporter_name),
        reports::reporter_email.eq(&r.reporter_email),
        reports::reporter_phone.eq(&r.reporter_phone),
        reports::contact_preference.eq(r.contact.as_str()),
        reports::language.eq(r.language.as_str()),
        reports::entered_by.eq(&c.entered_by),
        reports::tracking_token_hash.eq(&c.token_hash),
        reports::received_at.eq(naive(r.received_at)),
        reports::created_at.eq(now),
        reports::updated_at.eq(now),
        reports::take_in_due_at.eq(due.map(naive)),
        reports::next_escalation_at.eq(due.map(naive)),
        reports::expected_resolution_at.eq(Some(naive(expected))),
        reports::escalation_level.eq(0),
        reports::attributes.eq(c.attributes.as_ref().map(|a| a.to_string())),
        reports::media_url.eq(&c.media_url),
        reports::publication.eq(publication::on_filing(policy).as_str()),
    );
    let insert = diesel::insert_into(reports::table).values(values);
    let row: ReportRow = match conn {
        DbConn::Pg(c) => insert.returning(ReportRow::as_returning()).get_result(c)?,
        DbConn::Sqlite(c) => insert.returning(ReportRow::as_returning()).get_result(c)?,
    };

    let mut created = NewEvent::new(row.id, now, &c.actor, EventKind::Created)
        .status(None, Status::New)
        .data(serde_json::json!({"channel": r.channel, "received_at": r.received_at}));
    if r.channel != report::Channel::Web {
        created = created.message(r.channel.received_it());
    }
    let routed =
        NewEvent::new(row.id, now, &Actor::system(), EventKind::Routed).data(serde_json::json!({
            "office_id": decision.office_id,
            "matched": decision.rule,
            "deadline_mode": mode.as_str(),
            "take_in_due_at": due,
        }));
    events::append_many(conn, vec![created, routed])?;
    if decision.rule == MatchedRule::Unrouted {
        tracing::warn!(report.code = %code, "no office is competent for the category: report left for triage");
    }
    Ok(row)
}

/// The next number of the comune's year, in one statement. The counter row
/// is locked (PostgreSQL) or the database is (SQLite) until commit, so
/// concurrent creations get consecutive numbers, and a rollback gives the
/// number back: no gaps, no duplicates.
fn next_code_number(conn: &mut DbConn, municipality_id: &str, year: i32) -> AppResult<i64> {
    let bump = |conn: &mut DbConn| -> AppResult<Option<i64>> {
        let update = diesel::update(report_counters::table.find((municipality_id, year)))
            .set(report_counters::last_value.eq(report_counters::last_value + 1))
            .returning(report_counters::last_value);
        Ok(match conn {
            DbConn::Pg(c) => update.get_result(c).optional()?,
            DbConn::Sqlite(c) => update.get_result(c).optional()?,
        })
    };
    if let Some(seq) = bump(conn)? {
        return Ok(seq);
    }
    ensure_counter(conn, municipality_id, year)?;
    bump(conn)?.ok_or_else(|| AppError::internal("the code counter vanished"))
}

/// Creates the year's counter at zero unless it exists; with two first reports
/// of the year racing on PostgreSQL, the second waits and then does nothing.
fn ensure_counter(conn: &mut DbConn, municipality_id: &str, year: i32) -> AppResult<()> {
    let row = (
        report_counters::municipality_id.eq(municipality_id),
        report_counters::year.eq(year),
        report_counters::last_value.eq(0i64),
    );
    super::insert_unless_present!(conn, report_counters::table, row)?;
    Ok(())
}

pub fn by_code(conn: &mut DbConn, code: &str) -> AppResult<Option<ReportRow>> {
    if !super::could_match(code) {
        return Ok(None);
    }
    Ok(reports::table
        .filter(reports::code.eq(code))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?)
}

/// Like [`by_code`], locking the row until the end of the write transaction
/// on PostgreSQL (SQLite's single writer already excludes others), so that
/// a permission checked on it still holds when the change is written.
pub fn by_code_for_update(conn: &mut DbConn, code: &str) -> AppResult<Option<ReportRow>> {
    if !super::could_match(code) {
        return Ok(None);
    }
    match conn {
        DbConn::Pg(c) => Ok(reports::table
            .filter(reports::code.eq(code))
            .select(ReportRow::as_select())
            .for_update()
            .first(c)
            .optional()?),
        DbConn::Sqlite(_) => by_code(conn, code),
    }
}

pub fn by_token_hash(conn: &mut DbConn, hash: &str) -> AppResult<Option<ReportRow>> {
    Ok(reports::table
        .filter(reports::tracking_token_hash.eq(hash))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?)
}

/// A report as the public map, list and nearby search show it: the columns
/// of its summary, not the 37 of [`ReportRow`] (on SQLite each timestamp is
/// text to parse; a page of 100 rows read a thousand of them).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportBrief {
    pub id: i64,
    pub code: String,
    pub category_id: String,
    pub status: Status,
    pub title: String,
    pub public_title: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// [`ReportBrief`]s in the order of `ids`.
pub fn briefs_by_ids(conn: &mut DbConn, ids: &[i64]) -> AppResult<Vec<ReportBrief>> {
    let rows = reports::table
        .filter(reports::id.eq_any(ids))
        .select(ReportBrief::as_select())
        .load(conn)?;
    Ok(in_order(ids, rows, |r| r.id))
}

/// Reports in the order of `ids`.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> AppResult<Vec<ReportRow>> {
    let rows = reports::table
        .filter(reports::id.eq_any(ids))
        .select(ReportRow::as_select())
        .load(conn)?;
    Ok(in_order(ids, rows, |r| r.id))
}

/// `rows` in the order of `ids` (an `IN` list answers in any order).
fn in_order<T>(ids: &[i64], mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> Vec<T> {
    rows.sort_by_key(|r| ids.iter().position(|i| *i == id(r)));
    rows
}

/// Filters of the public map/list.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub bbox: Bbox,
    pub statuses: Vec<Status>,
    pub category_ids: Option<Vec<String>>,
    /// Only reports with a smaller id (the cursor of the previous page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// One page of the map/list, newest first; ordered by id, so pages are stable
/// while new reports arrive.
pub fn list_in_bbox(conn: &mut DbConn, filter: &ListFilter) -> AppResult<Vec<ReportBrief>> {
    let ids = spatial::bbox_ids(conn, filter)?;
    briefs_by_ids(conn, &ids)
}

/// A report near a point, with its distance.
pub struct Nearby {
    pub report: ReportBrief,
    pub distance_m: f64,
}

/// Active reports within `radius_m` of a point, closest first.
pub fn nearby(
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
    radius_m: f64,
    category_ids: Option<Vec<String>>,
    limit: usize,
) -> AppResult<Vec<Nearby>> {
    let mut candidates = spatial::nearby_candidates(conn, lat, lon, radius_m, category_ids)?;
    candidates.retain(|c| c.distance_m <= radius_m);
    candidates.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(b.id.cmp(&a.id)));
    candidates.truncate(limit);
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let rows = briefs_by_ids(conn, &ids)?;
    Ok(rows
        .into_iter()
        .zip(candidates)
        .map(|(report, c)| Nearby {
            report,
            distance_m: c.distance_m,
        })
        .collect())
}

/// A workflow step requested by someone.
#[derive(Debug, Clone)]
pub struct Transition {
    pub to: Status,
    pub actor: Actor,
    pub public_message: Option<String>,
    pub internal_note: Option<String>,
    pub data: Option<serde_json::Value>,
    /// The event kind, when more specific than `taken_in`/`status_changed`.
    pub kind: Option<EventKind>,
    pub now: DateTime<Utc>,
}

/// Applies a transition in the caller's write transaction: re-reads the
/// report, checks the step with the domain, updates status and timestamps and
/// writes the events. Returns the updated report.
pub fn apply_transition(conn: &mut DbConn, report_id: i64, t: &Transition) -> AppResult<ReportRow> {
    let current: ReportRow = reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?;
    let from = current.status;
    check_transition(from, t.to)?;
    let now = naive(t.now);
    let changed = diesel::update(
        reports::table
            .find(report_id)
            .filter(reports::status.eq(from.as_str())),
    )
    .set((
        reports::status.eq(t.to.as_str()),
        reports::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed != 1 {
        // Only reachable on PostgreSQL when another transaction won the race.
        return Err(AppError::conflict(
            ErrorCode::ConcurrentUpdate,
            "the report changed meanwhile, please reload",
        ));
    }
    let target = reports::table.find(report_id);
    let mut data = t.data.clone();
    if t.to == Status::NotCompetent {
        // Handed back: it leaves the office (recorded on the event) for triage.
        diesel::update(target)
            .set(reports::office_id.eq(None::<String>))
            .execute(conn)?;
        let mut d = data.unwrap_or_else(|| serde_json::json!({}));
        d["from_office_id"] = serde_json::json!(current.office_id);
        data = Some(d);
    }
    match t.to {
        Status::TakenIn => diesel::update(target)
            .set(reports::taken_in_at.eq(Some(now)))
            .execute(conn)?,
        Status::Resolved => diesel::update(target)
            .set(reports::resolved_at.eq(Some(now)))
            .execute(conn)?,
        Status::Closed | Status::Rejected => diesel::update(target)
            .set(reports::closed_at.eq(Some(now)))
            .execute(conn)?,
        _ => 0,
    };
    let kind = t.kind.unwrap_or(if t.to == Status::TakenIn {
        EventKind::TakenIn
    } else {
        EventKind::StatusChanged
    });
    let mut event = NewEvent::new(report_id, now, &t.actor, kind).status(Some(from), t.to);
    if let Some(m) = &t.public_message {
        event = event.message(m.clone());
    }
    if let Some(d) = data {
        event = event.data(d);
    }
    events::append(conn, event)?;
    if let Some(note) = &t.internal_note {
        events::append(
            conn,
            NewEvent::new(report_id, now, &t.actor, EventKind::InternalNote).message(note.clone()),
        )?;
    }
    Ok(reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?)
}

/// A supervisor's re-routing.
pub struct Reassign<'a> {
    pub category: Option<&'a CategoryRow>,
    /// An explicit office; otherwise routing decides for the (new) category.
    pub office_id: Option<String>,
    pub reason: String,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Re-routes a report in the caller's write transaction: new category and/or
/// office, back to `new` with a fresh take-in deadline (the new office gets its
/// full time), both offices recorded on the events.
pub fn reassign(conn: &mut DbConn, report_id: i64, r: Reassign<'_>) -> AppResult<ReportRow> {
    let current: ReportRow = reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?;
    let from = current.status;
    if !crate::domain::report::may_be_rerouted(from) {
        return Err(AppError::conflict(
            ErrorCode::CannotReassign,
            format!("a {from} report cannot be re-routed"),
        ));
    }
    let old_category =
        catalog::categories_by_ids(conn, std::slice::from_ref(&current.category_id))?
            .pop()
            .ok_or_else(|| AppError::internal("report without category"))?;
    let category = r.category.cloned().unwrap_or_else(|| old_category.clone());
    let municipality = municipalities::find(conn, &current.municipality_id)?
        .ok_or_else(|| AppError::internal("report without municipality"))?;
    let (office_id, matched) = match r.office_id {
        Some(office) => (Some(office), serde_json::json!({"rule": "supervisor"})),
        None => {
            let decision = route(conn, &municipality.id, &category, current.lat, current.lon)?;
            (
                decision.office_id,
                serde_json::to_value(&decision.rule).unwrap_or_default(),
            )
        }
    };
    let calendar = municipalities::calendar(conn, &municipality.id)?;
    // The new office gets its full time, from now.
    let (due, mode) = take_in_deadline(&calendar, &municipality, &category, r.now);
    let now = naive(r.now);
    let policy = publication::effective(municipality.publication(), category.publication());
    let published = if category.id == old_category.id {
        current.publication
    } else {
        publication::on_recategorised(current.publication, policy)
    };
    let changed = diesel::update(
        reports::table
            .find(report_id)
            .filter(reports::status.eq(from.as_str())),
    )
    .set((
        reports::category_id.eq(&category.id),
        reports::office_id.eq(&office_id),
        reports::status.eq(Status::New),
        reports::take_in_due_at.eq(Some(naive(due))),
        reports::next_escalation_at.eq(Some(naive(due))),
        reports::taken_in_at.eq(None::<NaiveDateTime>),
        reports::escalation_level.eq(0),
        reports::escalated_at.eq(None::<NaiveDateTime>),
        reports::expected_resolution_at.eq(Some(naive(report::expected_resolution(
            utc(current.received_at),
            category.resolution_target_days,
        )))),
        reports::updated_at.eq(now),
        reports::publication.eq(published.as_str()),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(AppError::conflict(
            ErrorCode::ConcurrentUpdate,
            "the report changed meanwhile, please reload",
        ));
    }
    if published != current.publication {
        events::append(
            conn,
            NewEvent::new(report_id, now, &Actor::system(), publication::event_for(published))
                .data(serde_json::json!({"from": current.publication, "to": published, "category": category.code})),
        )?;
    }
    if category.id != old_category.id {
        events::append(
            conn,
            NewEvent::new(report_id, now, &r.actor, EventKind::CategoryChanged)
                .message(format!(
                    "Categoria aggiornata: {} → {}",
                    old_category.name_it, category.name_it
                ))
                .data(serde_json::json!({"from": old_category.code, "to": category.code})),
        )?;
    }
    if from != Status::New {
        events::append(
            conn,
            NewEvent::new(report_id, now, &r.actor, EventKind::StatusChanged)
                .status(Some(from), Status::New),
        )?;
    }
    events::append(
        conn,
        NewEvent::new(report_id, now, &r.actor, EventKind::Reassigned)
            .message(r.reason.clone())
            .data(serde_json::json!({
                "from_office_id": current.office_id,
                "to_office_id": office_id,
                "from_category": old_category.code,
                "to_category": category.code,
            })),
    )?;
    events::append(
        conn,
        NewEvent::new(report_id, now, &Actor::system(), EventKind::Routed).data(
            serde_json::json!({
                "office_id": office_id,
                "matched": matched,
                "deadline_mode": mode.as_str(),
                "take_in_due_at": due,
            }),
        ),
    )?;
    Ok(reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?)
}

/// Marks `report_id` as a duplicate of `original` (rejected, reason duplicate);
/// its citizen is pointed to the original.
pub fn mark_duplicate(
    conn: &mut DbConn,
    report_id: i64,
    original: &ReportRow,
    actor: &Actor,
    public_message: String,
    now: DateTime<Utc>,
) -> AppResult<ReportRow> {
    diesel::update(reports::table.find(report_id))
        .set(reports::duplicate_of.eq(Some(original.id)))
        .execute(conn)?;
    apply_transition(
        conn,
        report_id,
        &Transition {
            to: Status::Rejected,
            actor: actor.clone(),
            public_message: Some(public_message),
            internal_note: None,
            data: Some(serde_json::json!({"reason": "duplicate", "duplicate_of": original.code})),
            kind: None,
            now,
        },
    )
}

/// Reports of a municipality still `resolved` and resolved before `before`
/// (their reopen window has passed), oldest first.
pub fn resolved_before(
    conn: &mut DbConn,
    municipality_id: &str,
    before: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<i64>> {
    Ok(reports::table
        .filter(reports::status.eq(Status::Resolved))
        .filter(reports::resolved_at.lt(before))
        .filter(reports::municipality_id.eq(municipality_id))
        .order(reports::resolved_at)
        .limit(limit)
        .select(reports::id)
        .load(conn)?)
}

/// What the office statistics need of one report.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct StatRow {
    pub office_id: Option<String>,
    pub code: String,
    pub status: Status,
    pub received_at: NaiveDateTime,
    pub taken_in_at: Option<NaiveDateTime>,
    pub take_in_due_at: Option<NaiveDateTime>,
}

/// Reports of a municipality received in `[from, to)`.
pub fn received_between(
    conn: &mut DbConn,
    municipality_id: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<StatRow>> {
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::created_at.ge(from))
        .filter(reports::created_at.lt(to))
        .select(StatRow::as_select())
        .load(conn)?)
}

/// Every open report of a municipality (the backlog), whenever received.
pub fn open_backlog(conn: &mut DbConn, municipality_id: &str) -> AppResult<Vec<StatRow>> {
    let open = Status::OPEN.map(|s| s.as_str());
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::status.eq_any(open))
        .select(StatRow::as_select())
        .load(conn)?)
}

/// Reports of a municipality requested in `[from, to]`, newest first, for
/// Open311 (index `reports_municipality_created`).
pub fn requested_between(
    conn: &mut DbConn,
    municipality_id: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    category_ids: Option<Vec<String>>,
    statuses: Option<Vec<String>>,
    limit: i64,
) -> AppResult<Vec<ReportRow>> {
    let mut q = reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::created_at.ge(from))
        .filter(reports::created_at.le(to))
        .select(ReportRow::as_select())
        .into_boxed();
    if let Some(ids) = category_ids {
        q = q.filter(reports::category_id.eq_any(ids));
    }
    if let Some(s) = statuses {
        q = q.filter(reports::status.eq_any(s));
    }
    Ok(q.order((reports::created_at.desc(), reports::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// Reports of a municipality by public code.
pub fn by_codes(
    conn: &mut DbConn,
    municipality_id: &str,
    codes: &[String],
) -> AppResult<Vec<ReportRow>> {
    let codes: Vec<&String> = codes.iter().filter(|c| super::could_match(c)).collect();
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::code.eq_any(codes))
        .order(reports::id.desc())
        .select(ReportRow::as_select())
        .load(conn)?)
}

/// Claims (once each) open reports past their resolution target: marks them
/// and writes `message` on their public timeline. Returns the claimed reports.
pub fn claim_late(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
    message: &str,
) -> AppResult<Vec<ReportRow>> {
    let open: Vec<&str> = Status::ACTIVE.iter().map(|s| s.as_str()).collect();
    let ids: Vec<i64> = reports::table
        .filter(reports::status.eq_any(&open))
        .filter(reports::expected_resolution_at.le(now))
        .filter(reports::late_notified_at.is_null())
        .order(reports::expected_resolution_at)
        .limit(limit)
        .select(reports::id)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in ids {
        let n = diesel::update(
            reports::table
                .find(id)
                .filter(reports::late_notified_at.is_null()),
        )
        .set((
            reports::late_notified_at.eq(Some(now)),
            reports::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 1 {
            events::append(
                conn,
                NewEvent::new(id, now, &Actor::system(), EventKind::PublicMessage).message(message),
            )?;
            claimed.push(
                reports::table
                    .find(id)
                    .select(ReportRow::as_select())
                    .first(conn)?,
            );
        }
    }
    Ok(claimed)
}

/// How many reports of a municipality were resolved at or after `since` (and
/// are still resolved or closed).
pub fn resolved_since(
    conn: &mut DbConn,
    municipality_id: &str,
    since: NaiveDateTime,
) -> AppResult<i64> {
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::resolved_at.ge(since))
        .filter(reports::status.eq_any([Status::Resolved, Status::Closed]))
        .count()
        .get_result(conn)?)
}

/// Reports of a municipality per category id and status, for the public
/// page's filters.
pub fn count_by_category_status(
    conn: &mut DbConn,
    municipality_id: &str,
) -> AppResult<Vec<(String, String, i64)>> {
    use diesel::dsl::count_star;
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .group_by((reports::category_id, reports::status))
        .select((reports::category_id, reports::status, count_star()))
        .load(conn)?)
}

/// Marks a report as changed now (the citizen added information).
pub fn touch(conn: &mut DbConn, report_id: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(reports::table.find(report_id))
        .set(reports::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Where a report of `category` filed at the point `now` would go, and its
/// take-in deadline: the console's "where does this point go?".
pub fn preview_route(
    conn: &mut DbConn,
    municipality: &MunicipalitySummary,
    category: &CategoryRow,
    lat: f64,
    lon: f64,
    now: DateTime<Utc>,
) -> AppResult<(routing::RouteDecision, DateTime<Utc>, DeadlineMode)> {
    let decision = route(conn, &municipality.id, category, lat, lon)?;
    let calendar = municipalities::calendar(conn, &municipality.id)?;
    let (due, mode) = take_in_deadline(&calendar, municipality, category, now);
    Ok((decision, due, mode))
}
