//! The staff's queues: `GET /api/v1/staff/reports` (the caller's queue, scoped
//! by role), `GET /api/v1/staff/triage` (supervisor), and
//! `GET /api/v1/staff/reports/{code}` (full view; reading personal data is
//! itself an audit event).

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::dto::{report_view, Audience, CategoryRef, OfficeRef, ReportView, TimelineEntry};
use super::AppState;
use crate::app::reports::{bundle, categories_of, find_by_code, offices_of};
use crate::domain::ids::MunicipalityId;
use crate::domain::permissions::{Action, Role, Scope};
use crate::domain::report::{Channel, EventKind, Status};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::events::{self, NewEvent};
use crate::store::queues::{self, QueueFilter, QueueScope};
use crate::store::reports::ReportRow;
use crate::store::{catalog, naive, utc};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Comma-separated statuses (default: `new,taken_in,in_progress`).
    #[param(value_type = Option<Vec<crate::domain::report::Status>>, style = Form, explode = false, min_items = 1)]
    pub status: Option<String>,
    /// Comma-separated category codes.
    pub category: Option<String>,
    /// Only this office (code).
    pub office: Option<String>,
    /// Only reports past their take-in deadline.
    pub overdue: Option<bool>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9]{1,18}_[0-9]{1,18})?$")]
    pub cursor: Option<String>,
}

/// One line of a staff queue (no personal data: that is in the detail view).
#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub code: String,
    pub status: Status,
    pub title: String,
    pub category: CategoryRef,
    pub office: Option<OfficeRef>,
    pub channel: Channel,
    pub address: Option<String>,
    pub received_at: DateTime<Utc>,
    pub take_in_due_at: Option<DateTime<Utc>>,
    /// Seconds left before the take-in deadline (negative when overdue).
    pub seconds_to_due: Option<i64>,
    pub overdue: bool,
    pub escalation_level: i32,
}

#[derive(Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next_cursor: Option<String>,
}

fn parse_cursor(c: Option<&str>) -> AppResult<Option<(chrono::NaiveDateTime, i64)>> {
    let Some(c) = c.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        AppError::bad_request(
            ErrorCode::InvalidCursor,
            "the cursor is not one this API returned",
        )
    };
    let (micros, id) = c.split_once('_').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok(Some((at.naive_utc(), id)))
}

fn cursor_of(r: &ReportRow) -> Option<String> {
    r.take_in_due_at
        .map(|d| format!("{}_{}", d.and_utc().timestamp_micros(), r.id))
}

fn page(
    conn: &mut crate::store::DbConn,
    rows: Vec<ReportRow>,
    limit: i64,
    now: DateTime<Utc>,
) -> AppResult<QueuePage> {
    let more = rows.len() as i64 > limit;
    let rows: Vec<ReportRow> = rows.into_iter().take(limit as usize).collect();
    let categories = categories_of(conn, rows.iter().map(|r| &r.category_id))?;
    let offices = offices_of(conn, &rows)?;
    let next_cursor = if more {
        rows.last().and_then(cursor_of)
    } else {
        None
    };
    let items = rows
        .iter()
        .filter_map(|r| {
            let due = r.take_in_due_at.map(utc);
            let status: Status = r.status;
            Some(QueueItem {
                code: r.code.to_string(),
                status,
                title: r.title.clone(),
                category: categories.get(&r.category_id)?.into(),
                office: r
                    .office_id
                    .as_ref()
                    .and_then(|id| offices.get(id))
                    .map(Into::into),
                channel: r.channel,
                address: r.address.clone(),
                received_at: utc(r.received_at),
                take_in_due_at: due,
                seconds_to_due: due.map(|d| (d - now).num_seconds()),
                overdue: status == Status::New && due.is_some_and(|d| d < now),
                escalation_level: r.escalation_level,
            })
        })
        .collect();
    Ok(QueuePage { items, next_cursor })
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/reports",
    tag = "staff",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, description = "The caller's queue by take-in deadline: an office sees only its own reports", body = QueuePage),
        (status = 401, description = "No valid token", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/staff/reports")]
pub async fn queue(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let statuses = match q.status.as_deref() {
        None => vec![Status::New, Status::TakenIn, Status::InProgress],
        Some(s) => crate::http::params::parse_statuses(Some(s))?,
    };
    let limit = super::dto::page_limit(q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = parse_cursor(q.cursor.as_deref())?;
    let scope = match staff.role() {
        Role::Office => QueueScope::Offices(staff.actor.office_ids.clone()),
        Role::Urp | Role::Supervisor => {
            QueueScope::Municipality(staff.actor.municipality_id.clone())
        }
        Role::Admin | Role::Platform => {
            return Err(AppError::Forbidden {
                code: ErrorCode::Forbidden,
                message: "admins have no report queue".into(),
            })
        }
    };
    let municipality = staff.actor.municipality_id.clone();
    let now = Utc::now();
    let body = state
        .read(move |conn| {
            let office_id = match &q.office {
                None => None,
                Some(code) => Some(
                    catalog::office_by_code(conn, &municipality, code)?
                        .map(|o| o.id)
                        .unwrap_or_default(),
                ),
            };
            let category_ids = match crate::http::params::parse_codes(q.category.as_deref()) {
                None => None,
                Some(codes) => Some(catalog::category_ids_by_codes(conn, &codes)?),
            };
            let filter = QueueFilter {
                scope,
                statuses,
                category_ids,
                office_id,
                overdue_at: q.overdue.unwrap_or(false).then(|| naive(now)),
                after,
                limit: limit + 1,
            };
            let rows = queues::queue(conn, &filter)?;
            page(conn, rows, limit, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9]{1,18}_[0-9]{1,18})?$")]
    pub cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/triage",
    tag = "staff",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Reports handed back as not competent, with no competent office, or filed as altro / non so", body = QueuePage),
        (status = 403, description = "Not a supervisor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/staff/triage")]
pub async fn triage(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    supervisor_page(
        state,
        staff,
        q.into_inner(),
        |conn, municipality, after, limit, _now| {
            Ok(queues::triage(conn, &municipality, after, limit)?)
        },
    )
    .await
}

/// A report as staff see it: everything, internal notes included.
#[derive(Serialize, ToSchema)]
pub struct StaffReportView {
    #[serde(flatten)]
    pub report: ReportView,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub escalation_level: i32,
    /// Answers to the category's extra questions (e.g. from Open311).
    pub attributes: Option<serde_json::Value>,
    /// A media link sent by an integration.
    pub media_url: Option<String>,
    /// The full timeline, internal notes and audit events included.
    pub events: Vec<StaffEvent>,
    /// The category's public-message templates, per target status.
    pub templates: Vec<crate::domain::templates::MessageTemplate>,
    /// What the public reads of it, and the policy that applies.
    pub moderation: super::dto::PublicVersion,
    /// The statuses a status change may move it to now (the workflow's
    /// rule, so that consoles need no copy of it).
    pub next_statuses: Vec<crate::domain::report::Status>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffEvent {
    #[serde(flatten)]
    pub entry: TimelineEntry,
    pub public: bool,
    /// `citizen`, `user`, `system` or `integration`.
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub data: Option<serde_json::Value>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/reports/{code}",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Public code")),
    responses(
        (status = 200, description = "The full report; reading the citizen's data is recorded", body = StaffReportView),
        (status = 404, description = "No such report, or not yours to see", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/staff/reports/{code}")]
pub async fn detail(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let view = state
        .write(move |conn| {
            let report = find_by_code(conn, &code)?;
            let scope = Scope::report(&report.municipality_id, report.office_id.as_deref());
            staff.require(Action::ViewReport, scope, ErrorCode::ReportNotFound)?;
            let personal = staff
                .require(Action::ViewPersonalData, scope, ErrorCode::ReportNotFound)
                .is_ok();
            let has_personal = report.reporter_name.is_some()
                || report.reporter_email.is_some()
                || report.reporter_phone.is_some();
            if personal && has_personal {
                let now = naive(Utc::now());
                events::append(
                    conn,
                    NewEvent::new(
                        report.id,
                        now,
                        &staff.event_actor(),
                        EventKind::PersonalDataViewed,
                    ),
                )?;
            }
            let comune =
                crate::store::municipalities::publication_policy(conn, &report.municipality_id)?;
            let b = bundle(conn, report, true)?;
            let events = b
                .events
                .iter()
                .filter_map(|e| {
                    Some(StaffEvent {
                        entry: super::dto::timeline_entry(e)?,
                        public: e.public,
                        actor_kind: e.actor_kind.clone(),
                        actor_id: e.actor_id.clone(),
                        data: e.data.as_deref().and_then(|d| serde_json::from_str(d).ok()),
                    })
                })
                .collect();
            Ok(StaffReportView {
                channel: b.report.channel,
                received_at: utc(b.report.received_at),
                escalation_level: b.report.escalation_level,
                attributes: b
                    .report
                    .attributes
                    .as_deref()
                    .and_then(|a| serde_json::from_str(a).ok()),
                media_url: b.report.media_url.clone(),
                templates: b.category.templates(),
                moderation: super::dto::public_version(&b.report, comune, &b.category),
                next_statuses: crate::domain::report::staff_next(b.report.status),
                report: report_view(&b, Audience::Staff { personal }),
                events,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/escalations",
    tag = "staff",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Reports still waiting to be taken in charge past their deadline, most overdue first", body = QueuePage),
        (status = 403, description = "Not a supervisor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/staff/escalations")]
pub async fn escalations(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    supervisor_page(
        state,
        staff,
        q.into_inner(),
        |conn, municipality, after, limit, now| {
            let filter = QueueFilter {
                scope: QueueScope::Municipality(municipality),
                statuses: vec![Status::New],
                category_ids: None,
                office_id: None,
                overdue_at: Some(naive(now)),
                after,
                limit,
            };
            Ok(queues::queue(conn, &filter)?)
        },
    )
    .await
}

/// A supervisor's inbox page: permission, paging, and the rows `fetch` finds.
async fn supervisor_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: PageQuery,
    fetch: impl FnOnce(
            &mut crate::store::DbConn,
            MunicipalityId,
            Option<(chrono::NaiveDateTime, i64)>,
            i64,
            DateTime<Utc>,
        ) -> AppResult<Vec<ReportRow>>
        + Send
        + 'static,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Supervise)?;
    let limit = super::dto::page_limit(q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = parse_cursor(q.cursor.as_deref())?;
    let municipality = staff.actor.municipality_id.clone();
    let now = Utc::now();
    let body = state
        .read(move |conn| {
            let rows = fetch(conn, municipality, after, limit + 1, now)?;
            page(conn, rows, limit, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
