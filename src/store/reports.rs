//! Reports: creation (code, routing, deadline and events in one transaction),
//! lookups by code and by tracking token, map and nearby queries, and workflow
//! transitions.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::catalog::CategoryRow;
use super::events::{self, NewEvent};
use super::schema::{report_counters, reports};
use super::spatial::{self, Bbox};
use super::{naive, DbConn};
use super::{StoreError, StoreResult};
use crate::domain::calendar::DeadlineMode;
use crate::domain::grid;
use crate::domain::ids::{CategoryId, MunicipalityId, OfficeId, ReportCode};
use crate::domain::publication::{self, ReportPublication};
use crate::domain::report::{
    self, Actor, Channel, ContactPreference, EventKind, Language, Status, ValidReport,
};
use crate::domain::routing::{self, MatchedRule};
use crate::domain::validate::{Email, Phone};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub code: ReportCode,
    pub municipality_id: MunicipalityId,
    pub category_id: CategoryId,
    pub office_id: Option<OfficeId>,
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

/// What `create` writes beyond the validated report: what the use case
/// decided (see [`crate::app::reports::filing`]) — the office, the deadline,
/// the expected resolution, the title, whether the public sees it.
pub struct CreateReport<'a> {
    pub report: &'a ValidReport,
    pub municipality_id: &'a str,
    /// The comune's code prefix, the (local) year the code is numbered in,
    /// and its number in that year (given by the caller: see
    /// [`code_counter`]).
    pub code_prefix: &'a str,
    pub year: i32,
    pub number: i64,
    pub category_id: &'a str,
    pub decision: &'a routing::RouteDecision,
    pub take_in_due: DateTime<Utc>,
    pub deadline_mode: DeadlineMode,
    pub expected_resolution: DateTime<Utc>,
    pub title: String,
    pub publication: ReportPublication,
    pub token_hash: String,
    pub entered_by: Option<String>,
    pub actor: Actor,
    pub now: DateTime<Utc>,
    /// Answers to the category's extra questions, already validated.
    pub attributes: Option<serde_json::Value>,
    pub media_url: Option<String>,
}

/// Creates a report in the caller's write transaction under the code its
/// number makes, with the take-in deadline, and writes the `created` and
/// `routed` events. Two statements: intake runs them one filing after
/// another, so each one counts.
pub fn create(conn: &mut DbConn, c: CreateReport<'_>) -> StoreResult<ReportRow> {
    let r = c.report;
    let decision = c.decision;
    let code = report::format_code(c.code_prefix, c.year, c.number);
    // The take-in clock runs from when the citizen actually reported.
    // Unrouted reports keep the clock too: triage must happen in time.
    let due = Some(c.take_in_due);
    let now = naive(c.now);

    let values = (
        reports::code.eq(&code),
        reports::municipality_id.eq(c.municipality_id),
        reports::category_id.eq(c.category_id),
        reports::office_id.eq(&decision.office_id),
        reports::status.eq(Status::New),
        reports::title.eq(&c.title),
        reports::description.eq(&r.description),
        reports::lat.eq(r.lat),
        reports::lon.eq(r.lon),
        reports::address.eq(&r.address),
        reports::channel.eq(r.channel.as_str()),
        reports::reporter_name.eq(&r.reporter.name),
        reports::reporter_email.eq(r.reporter.email.as_ref().map(Email::as_str)),
        reports::reporter_phone.eq(r.reporter.phone.as_ref().map(Phone::as_str)),
        reports::contact_preference.eq(r.contact.as_str()),
        reports::language.eq(r.language.as_str()),
        reports::entered_by.eq(&c.entered_by),
        reports::tracking_token_hash.eq(&c.token_hash),
        reports::received_at.eq(naive(r.received_at)),
        reports::created_at.eq(now),
        reports::updated_at.eq(now),
        reports::take_in_due_at.eq(due.map(naive)),
        reports::next_escalation_at.eq(due.map(naive)),
        reports::expected_resolution_at.eq(Some(naive(c.expected_resolution))),
        reports::escalation_level.eq(0),
        reports::attributes.eq(c.attributes.as_ref().map(|a| a.to_string())),
        reports::media_url.eq(&c.media_url),
        reports::publication.eq(c.publication.as_str()),
    );
    let row: ReportRow = match conn {
        // The cells are generated columns there.
        DbConn::Pg(c) => diesel::insert_into(reports::table)
            .values(values)
            .returning(ReportRow::as_returning())
            .get_result(c)?,
        // Written with the row: else a trigger updates the row just inserted.
        DbConn::Sqlite(c) => diesel::insert_into(reports::table)
            .values((
                values,
                reports::map_cell.eq(Some(grid::Level::Fine.cell(r.lat, r.lon))),
                reports::map_cell_street.eq(Some(grid::Level::Street.cell(r.lat, r.lon))),
            ))
            .returning(ReportRow::as_returning())
            .get_result(c)?,
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
            "deadline_mode": c.deadline_mode.as_str(),
            "take_in_due_at": due,
        }));
    events::append_all(conn, [created, routed])?;
    if decision.rule == MatchedRule::Unrouted {
        tracing::warn!(report.code = %code, "no office is competent for the category: report left for triage");
    }
    Ok(row)
}

/// The last code number given in the comune's year (the counter is made at
/// zero if the year has none), locked until the end of the write
/// transaction on PostgreSQL (SQLite's single writer excludes others): the
/// numbers that follow are the caller's to give, one after another, and to
/// store with [`set_code_counter`] before it commits — so concurrent writers
/// get consecutive numbers, and a rollback gives them back: no gaps, no
/// duplicates.
pub fn code_counter(conn: &mut DbConn, municipality_id: &str, year: i32) -> StoreResult<i64> {
    let read = |conn: &mut DbConn| -> StoreResult<Option<i64>> {
        let query = report_counters::table
            .find((municipality_id, year))
            .select(report_counters::last_value);
        Ok(match conn {
            DbConn::Pg(c) => query.for_update().first(c).optional()?,
            DbConn::Sqlite(c) => query.first(c).optional()?,
        })
    };
    if let Some(last) = read(conn)? {
        return Ok(last);
    }
    ensure_counter(conn, municipality_id, year)?;
    read(conn)?.ok_or_else(|| StoreError::internal("the code counter vanished"))
}

/// Stores the last number given in the comune's year (read, and locked,
/// with [`code_counter`]).
pub fn set_code_counter(
    conn: &mut DbConn,
    municipality_id: &str,
    year: i32,
    last: i64,
) -> StoreResult<()> {
    diesel::update(report_counters::table.find((municipality_id, year)))
        .set(report_counters::last_value.eq(last))
        .execute(conn)?;
    Ok(())
}

/// Creates the year's counter at zero unless it exists; with two first reports
/// of the year racing on PostgreSQL, the second waits and then does nothing.
fn ensure_counter(conn: &mut DbConn, municipality_id: &str, year: i32) -> StoreResult<()> {
    let row = (
        report_counters::municipality_id.eq(municipality_id),
        report_counters::year.eq(year),
        report_counters::last_value.eq(0i64),
    );
    super::insert_unless_present!(conn, report_counters::table, row)?;
    Ok(())
}

pub fn by_code(conn: &mut DbConn, code: &str) -> StoreResult<Option<ReportRow>> {
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
pub fn by_code_for_update(conn: &mut DbConn, code: &str) -> StoreResult<Option<ReportRow>> {
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

pub fn by_token_hash(conn: &mut DbConn, hash: &str) -> StoreResult<Option<ReportRow>> {
    Ok(reports::table
        .filter(reports::tracking_token_hash.eq(hash))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?)
}

/// A report as the public map, list and nearby search show it: the columns
/// of its summary, not the 37 of [`ReportRow`] (on SQLite each timestamp is
/// text to parse; a page of 100 rows read a thousand of them).
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportBrief {
    pub id: i64,
    pub code: ReportCode,
    pub category_id: CategoryId,
    pub status: Status,
    pub title: String,
    pub public_title: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Reports in the order of `ids`.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<ReportRow>> {
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
    pub category_ids: Option<Vec<CategoryId>>,
    /// Only reports with a smaller id (the cursor of the previous page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// A report as the public map, list and nearby search show it, with its
/// category's public names: read in the same statement.
#[derive(Debug, Clone, QueryableByName)]
pub struct MapItem {
    #[diesel(embed)]
    pub report: ReportBrief,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category_code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category_name_it: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category_name_en: String,
}

/// One page of the map/list, newest first; ordered by id, so pages are stable
/// while new reports arrive. One statement (see [`spatial::bbox_page`]).
pub fn list_in_bbox(conn: &mut DbConn, filter: &ListFilter) -> StoreResult<Vec<MapItem>> {
    spatial::bbox_page(conn, filter)
}

/// The active, published reports among `ids` as [`MapItem`]s, in the order
/// of `ids`, in one statement: a report withheld or closed since its id was
/// found is left out.
pub fn active_items_by_ids(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<MapItem>> {
    use super::schema::categories;
    let rows: Vec<(ReportBrief, String, String, String)> = reports::table
        .inner_join(categories::table)
        .filter(reports::id.eq_any(ids))
        .filter(reports::status.eq_any(Status::ACTIVE.map(|s| s.as_str())))
        .filter(reports::publication.eq(ReportPublication::Published.as_str()))
        .select((
            ReportBrief::as_select(),
            categories::code,
            categories::name_it,
            categories::name_en,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(report, code, name_it, name_en)| MapItem {
            report,
            category_code: code,
            category_name_it: name_it,
            category_name_en: name_en,
        })
        .collect();
    Ok(in_order(ids, items, |i| i.report.id))
}

/// A report near a point, with its distance.
pub struct Nearby {
    pub item: MapItem,
    pub distance_m: f64,
}

/// Active reports within `radius_m` of a point, closest first.
pub fn nearby(
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
    radius_m: f64,
    category_ids: Option<Vec<CategoryId>>,
    limit: usize,
) -> StoreResult<Vec<Nearby>> {
    let mut candidates = spatial::nearby_candidates(conn, lat, lon, radius_m, category_ids)?;
    candidates.retain(|c| c.distance_m <= radius_m);
    candidates.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(b.id.cmp(&a.id)));
    candidates.truncate(limit);
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let items = active_items_by_ids(conn, &ids)?;
    let distances: std::collections::HashMap<i64, f64> =
        candidates.iter().map(|c| (c.id, c.distance_m)).collect();
    Ok(items
        .into_iter()
        .map(|item| Nearby {
            distance_m: distances[&item.report.id],
            item,
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

/// Writes a status change the caller decided, in its write transaction:
/// `current` (as read in it) moves to `t.to` with its timestamps and events.
/// `None` if the report is no longer in `current`'s status (another
/// transaction moved it first: only on PostgreSQL); nothing is written then.
pub fn apply_transition(
    conn: &mut DbConn,
    current: &ReportRow,
    t: &Transition,
) -> StoreResult<Option<ReportRow>> {
    let report_id = current.id;
    let from = current.status;
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
        return Ok(None);
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
    reread(conn, report_id).map(Some)
}

fn reread(conn: &mut DbConn, report_id: i64) -> StoreResult<ReportRow> {
    Ok(reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?)
}

/// A re-routing as the caller decided it (see
/// [`crate::app::reports::routing::reroute`]).
pub struct Rerouting<'a> {
    pub from_category: &'a CategoryRow,
    pub category: &'a CategoryRow,
    pub office_id: Option<OfficeId>,
    /// How routing chose the office, for the timeline.
    pub matched: serde_json::Value,
    pub due: DateTime<Utc>,
    pub mode: DeadlineMode,
    pub expected_resolution: DateTime<Utc>,
    pub publication: ReportPublication,
    /// The timeline's words for a new category, if the category changed.
    pub category_message: Option<String>,
    pub reason: String,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Writes a re-routing in the caller's write transaction: `current` (as read
/// in it) goes back to `new` in its new category and office with a fresh
/// deadline, and the timeline says so. `None` if the report is no longer in
/// `current`'s status; nothing is written then.
pub fn reroute(
    conn: &mut DbConn,
    current: &ReportRow,
    r: &Rerouting<'_>,
) -> StoreResult<Option<ReportRow>> {
    let now = naive(r.now);
    let changed = diesel::update(
        reports::table
            .find(current.id)
            .filter(reports::status.eq(current.status.as_str())),
    )
    .set((
        reports::category_id.eq(&r.category.id),
        reports::office_id.eq(&r.office_id),
        reports::status.eq(Status::New),
        reports::take_in_due_at.eq(Some(naive(r.due))),
        reports::next_escalation_at.eq(Some(naive(r.due))),
        reports::taken_in_at.eq(None::<NaiveDateTime>),
        reports::escalation_level.eq(0),
        reports::escalated_at.eq(None::<NaiveDateTime>),
        reports::expected_resolution_at.eq(Some(naive(r.expected_resolution))),
        reports::updated_at.eq(now),
        reports::publication.eq(r.publication.as_str()),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Ok(None);
    }
    events::append_many(conn, rerouting_events(current, r, now))?;
    reread(conn, current.id).map(Some)
}

/// The timeline of a re-routing: publication, category and status changes
/// when there are any, then the re-routing and where it went.
fn rerouting_events(current: &ReportRow, r: &Rerouting<'_>, now: NaiveDateTime) -> Vec<NewEvent> {
    let id = current.id;
    let (from_code, to_code) = (&r.from_category.code, &r.category.code);
    let mut out = Vec::new();
    if r.publication != current.publication {
        out.push(
            NewEvent::new(id, now, &Actor::system(), publication::event_for(r.publication))
                .data(serde_json::json!({"from": current.publication, "to": r.publication, "category": to_code})),
        );
    }
    if let Some(message) = &r.category_message {
        out.push(
            NewEvent::new(id, now, &r.actor, EventKind::CategoryChanged)
                .message(message.clone())
                .data(serde_json::json!({"from": from_code, "to": to_code})),
        );
    }
    if current.status != Status::New {
        out.push(
            NewEvent::new(id, now, &r.actor, EventKind::StatusChanged)
                .status(Some(current.status), Status::New),
        );
    }
    out.push(
        NewEvent::new(id, now, &r.actor, EventKind::Reassigned)
            .message(r.reason.clone())
            .data(serde_json::json!({
                "from_office_id": current.office_id,
                "to_office_id": r.office_id,
                "from_category": from_code,
                "to_category": to_code,
            })),
    );
    out.push(
        NewEvent::new(id, now, &Actor::system(), EventKind::Routed).data(serde_json::json!({
            "office_id": r.office_id,
            "matched": r.matched,
            "deadline_mode": r.mode.as_str(),
            "take_in_due_at": r.due,
        })),
    );
    out
}

/// Records that `report_id` duplicates `original_id` (its status is the
/// caller's to change, in the same transaction).
pub fn set_duplicate_of(conn: &mut DbConn, report_id: i64, original_id: i64) -> StoreResult<()> {
    diesel::update(reports::table.find(report_id))
        .set(reports::duplicate_of.eq(Some(original_id)))
        .execute(conn)?;
    Ok(())
}

/// Reports of a municipality still `resolved` and resolved before `before`
/// (their reopen window has passed), oldest first.
pub fn resolved_before(
    conn: &mut DbConn,
    municipality_id: &str,
    before: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<i64>> {
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
    pub office_id: Option<OfficeId>,
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
) -> StoreResult<Vec<StatRow>> {
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::created_at.ge(from))
        .filter(reports::created_at.lt(to))
        .select(StatRow::as_select())
        .load(conn)?)
}

/// Every open report of a municipality (the backlog), whenever received.
pub fn open_backlog(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<StatRow>> {
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
    category_ids: Option<Vec<CategoryId>>,
    statuses: Option<Vec<String>>,
    limit: i64,
) -> StoreResult<Vec<ReportRow>> {
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
) -> StoreResult<Vec<ReportRow>> {
    let codes: Vec<&String> = codes.iter().filter(|c| super::could_match(c)).collect();
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::code.eq_any(codes))
        .order(reports::id.desc())
        .select(ReportRow::as_select())
        .load(conn)?)
}

/// The condition of the partial index `reports_late_unflagged` (migration
/// 000023) past `late_notified_at IS NULL`: the open statuses, as literals
/// (the map's [`spatial::status_list`]), so that both planners see the query
/// imply the index's condition (a bound list they cannot compare). A test
/// checks it against the migrations.
fn late_open() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql(&format!(
        "status IN {}",
        spatial::status_list(&Status::ACTIVE)
    ))
}

/// The late-notice sweep's lookup: open reports not yet flagged whose
/// resolution target is past, oldest target first — exactly what
/// `reports_late_unflagged` holds, read in its order.
pub type LateQuery = diesel::dsl::Limit<
    diesel::dsl::Order<
        diesel::dsl::Filter<
            diesel::dsl::Filter<
                diesel::dsl::Filter<reports::table, diesel::dsl::IsNull<reports::late_notified_at>>,
                diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
            >,
            diesel::dsl::LtEq<reports::expected_resolution_at, NaiveDateTime>,
        >,
        diesel::dsl::Asc<reports::expected_resolution_at>,
    >,
>;

/// [`LateQuery`], shared with the index test.
pub fn late_query(now: NaiveDateTime, limit: i64) -> LateQuery {
    reports::table
        .filter(reports::late_notified_at.is_null())
        .filter(late_open())
        .filter(reports::expected_resolution_at.le(now))
        .order(reports::expected_resolution_at.asc())
        .limit(limit)
}

/// Claims (once each) open reports past their resolution target: marks them
/// and writes `message` on their public timeline. Returns the claimed reports.
pub fn claim_late(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
    message: &str,
) -> StoreResult<Vec<ReportRow>> {
    let ids: Vec<i64> = late_query(now, limit).select(reports::id).load(conn)?;
    let mut claimed = Vec::new();
    for id in ids {
        let n = diesel::update(
            reports::table
                .find(id)
                .filter(reports::late_notified_at.is_null())
                .filter(late_open()),
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
) -> StoreResult<i64> {
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
) -> StoreResult<Vec<(CategoryId, String, i64)>> {
    use diesel::dsl::count_star;
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .group_by((reports::category_id, reports::status))
        .select((reports::category_id, reports::status, count_star()))
        .load(conn)?)
}

/// Marks a report as changed now (the citizen added information).
pub fn touch(conn: &mut DbConn, report_id: i64, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(reports::table.find(report_id))
        .set(reports::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_late_condition_is_the_open_statuses_as_the_index_spells_them() {
        let late_open = format!("status IN {}", spatial::status_list(&Status::ACTIVE));
        assert_eq!(late_open, "status IN ('new', 'taken_in', 'in_progress')");
        for up in [
            include_str!("../../migrations/sqlite/2026-12-07-000023_late_unflagged/up.sql"),
            include_str!("../../migrations/postgres/2026-12-07-000023_late_unflagged/up.sql"),
        ] {
            let condition: String = up.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                condition.contains(&format!("WHERE late_notified_at IS NULL AND {late_open};")),
                "{up}"
            );
        }
    }
}
