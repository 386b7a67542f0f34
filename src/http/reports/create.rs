//! `POST /api/v1/reports`: a citizen files a report, or an URP operator (or a
//! supervisor), signed in, files one on a citizen's behalf with the channel
//! and the time the citizen actually called.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::reports::{filing, locate, Filed, Filing};
use crate::domain::permissions::{Action, Scope};
use crate::domain::report::{validate_new_report, Actor, Filer, ReportDraft, Status};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::auth::{MaybeStaff, Staff};
use crate::http::dto::{CategoryRef, OfficeRef};
use crate::http::AppState;
use crate::store::batch::Held;
use crate::store::reports;
use crate::store::{naive, rate_limits, utc, DbConn};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Italian formats with or without +39 are accepted (the pattern shows
    /// the plainest; spaces, dots, dashes, slashes, brackets and other
    /// countries' `+CC` numbers are accepted too).
    pub phone: Option<String>,
    /// How to be kept informed: `email`, `phone` or `none` (default: email if
    /// given, else phone if given, else none). `email` and `phone` need that
    /// contact.
    #[schema(value_type = Option<crate::domain::report::ContactPreference>)]
    pub contact: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReportRequest {
    /// Category code, valid in the comune of the point.
    #[schema(min_length = 1, max_length = 64)]
    pub category: String,
    /// Short title; defaults to the category's name.
    #[schema(max_length = 120)]
    pub title: Option<String>,
    /// What is wrong (at most 4000 characters).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000)]
    pub description: Option<String>,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    pub reporter: Option<ReporterInput>,
    /// `it` (default) or `en`.
    #[schema(value_type = Option<crate::domain::report::Language>)]
    pub language: Option<String>,
    /// Staff only: `counter`, `phone` or `email`.
    #[schema(value_type = Option<crate::domain::report::Channel>)]
    pub channel: Option<String>,
    /// Staff only: when the citizen actually reported (at most 7 days ago).
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedReport {
    /// Public code, e.g. `PI-2026-000123`.
    pub code: String,
    pub status: Status,
    /// Shown only now: the key to follow the report and see one's own data.
    pub tracking_token: String,
    /// The private follow-up link for the citizen.
    pub follow_up_url: String,
    pub municipality: String,
    pub category: CategoryRef,
    pub title: String,
    pub office: Option<OfficeRef>,
    pub take_in_due_at: Option<DateTime<Utc>>,
    pub expected_resolution_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports",
    security((), ("bearer" = [])),
    tag = "reports",
    request_body = CreateReportRequest,
    responses(
        (status = 201, description = "Report filed and routed", body = CreatedReport),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorEnvelope),
        (status = 413, description = "Body too large", body = crate::error::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = crate::error::ErrorEnvelope),
        (status = 401, description = "A staff token was sent but is not valid", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Staff who may not file on behalf of citizens here", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Invalid fields, unknown category, or outside the territory", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many anonymous reports from this address (see Retry-After)", body = crate::error::ErrorEnvelope),
        (status = 503, description = "The database does not answer (`service_unavailable`): nothing was filed; retry after `Retry-After` seconds", body = crate::error::ErrorEnvelope),
        (status = 507, description = "The server's disk is full (`storage_full`): nothing was filed; retry after `Retry-After` seconds", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: MaybeStaff,
    body: web::Json<CreateReportRequest>,
) -> AppResult<HttpResponse> {
    let draft = draft_from(body.into_inner());
    let now = Utc::now();
    let staff = staff.0;
    let filer = if staff.is_some() {
        Filer::OnBehalf
    } else {
        Filer::Citizen
    };
    let valid = validate_new_report(&draft, filer, now).map_err(AppError::Validation)?;
    let limit = staff.is_none().then(|| AddressLimit {
        key: format!("report:{}", state.clients.key(&req)),
        per_hour: state.config.reports_per_ip_per_hour,
    });
    let (token, token_hash) = reports::new_tracking_token();
    // Everything the filing reads comes first, on a read connection, side by
    // side with other filings: an address already past its limit is refused
    // before any write; the place, the permission and the catalog are
    // checked. The write then only writes (see `app::reports::filing`).
    let st = state.clone();
    let read_limit = limit.clone();
    let (prepared, actor, entered_by, valid) = state
        .read(move |c| {
            refuse_past_limit(c, read_limit.as_ref(), now)?;
            let place = locate(&st.territory, c, valid.lat, valid.lon)?;
            let (actor, entered_by) = filed_by(staff.as_ref(), &place.id)?;
            let prepared = filing::prepare(&st.catalog, c, &place.id, &valid)?;
            Ok((prepared, actor, entered_by, valid))
        })
        .await?;
    let links = state.config.links();
    let filing = Filing {
        token_hash,
        token: token.clone(),
        entered_by,
        actor,
        now,
        attributes: None,
        media_url: None,
    };
    let filed = state
        .write_batched(move |conn, held| {
            let filed = filing::write(conn, held, prepared, &valid, filing, &links)?;
            count_against_limit(conn, held, limit.as_ref(), now)?;
            Ok(filed)
        })
        .await?;
    crate::metrics::METRICS.report_created(filed.report.channel.as_str());
    tracing::info!(report.code = %filed.report.code, report.municipality = %filed.report.municipality_id, "report created");
    let body = created_view(&state.config.public_base_url, filed, token);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/reports/{}", body.code)))
        .json(body))
}

/// The request as the domain validates it.
fn draft_from(body: CreateReportRequest) -> ReportDraft {
    let reporter = body.reporter.unwrap_or(ReporterInput {
        name: None,
        email: None,
        phone: None,
        contact: None,
    });
    ReportDraft {
        category: body.category,
        title: body.title,
        description: body.description,
        lat: body.lat,
        lon: body.lon,
        address: body.address,
        reporter_name: reporter.name,
        reporter_email: reporter.email,
        reporter_phone: reporter.phone,
        contact: reporter.contact,
        language: body.language,
        channel: body.channel,
        received_at: body.received_at,
    }
}

/// How many reports an anonymous client address may file in an hour, and
/// the key it is counted under.
#[derive(Clone)]
struct AddressLimit {
    key: String,
    per_hour: i32,
}

/// Refuses an address already past its limit, without a write (`None`:
/// staff, not limited).
fn refuse_past_limit(
    c: &mut DbConn,
    limit: Option<&AddressLimit>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(limit) = limit else {
        return Ok(());
    };
    let seen = rate_limits::current(c, &limit.key, Duration::hours(1), naive(now))?;
    if seen.count >= limit.per_hour {
        return Err(too_many_reports(seen.resets_in));
    }
    Ok(())
}

/// Who files in comune `municipality_id`: the citizen, or staff who may
/// file on a citizen's behalf there (and are recorded as having entered it).
fn filed_by(staff: Option<&Staff>, municipality_id: &str) -> AppResult<(Actor, Option<String>)> {
    match staff {
        Some(s) => {
            s.require(
                Action::CreateOnBehalf,
                Scope::municipality(municipality_id),
                ErrorCode::NotFound,
            )?;
            Ok((Actor::user(&s.actor.user_id), Some(s.actor.user_id.clone())))
        }
        None => Ok((Actor::citizen(), None)),
    }
}

/// Anonymous filing is limited per client address, counted in the filing's
/// own transaction after the report is written: the comune's code counter
/// is always locked before an address's counter, so batches of two
/// instances never wait on each other in a circle (a deadlock), and a
/// refusal undoes the report with its code.
fn count_against_limit(
    conn: &mut DbConn,
    held: &mut Held,
    limit: Option<&AddressLimit>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(limit) = limit else {
        return Ok(());
    };
    // Count (atomically), and refuse past the limit: the savepoint's
    // rollback takes back the count and the report.
    let hit = held.hit(conn, &limit.key, Duration::hours(1), naive(now))?;
    if hit.count > limit.per_hour {
        return Err(too_many_reports(hit.resets_in));
    }
    Ok(())
}

/// The answer: the report as filed, with the tracking token (shown only
/// now) and the follow-up link under `base_url`.
fn created_view(base_url: &str, filed: Filed, token: String) -> CreatedReport {
    let Filed {
        report: row,
        category,
        office,
    } = filed;
    let base = base_url.trim_end_matches('/');
    CreatedReport {
        follow_up_url: format!("{base}/segnalazioni/{}?token={token}", row.code),
        code: row.code.into_string(),
        status: Status::New,
        tracking_token: token,
        municipality: row.municipality_id.into_string(),
        category: (&category).into(),
        title: row.title,
        office: office.as_ref().map(Into::into),
        take_in_due_at: row.take_in_due_at.map(utc),
        expected_resolution_at: row.expected_resolution_at.map(utc),
        created_at: utc(row.created_at),
    }
}

fn too_many_reports(retry_after: i64) -> AppError {
    AppError::RateLimited {
        code: ErrorCode::TooManyReports,
        message: "too many reports from this address: please retry later".into(),
        retry_after,
    }
}
