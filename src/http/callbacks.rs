//! The URP's phone-callback queue: `GET /api/v1/callbacks` (by due time) and
//! `POST /api/v1/callbacks/{id}/attempts` (reached, no answer, wrong number).

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::AppState;
use crate::app::callbacks as app_callbacks;
use crate::domain::callbacks::{CallbackState, Outcome};
use crate::domain::permissions::Action;
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::callbacks::{self, CallbackRow};
use crate::store::{naive, reports, utc};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// `open` (default), `done` or `unreachable`.
    #[param(pattern = "^(open|done|unreachable)$")]
    pub state: Option<String>,
    /// At most this many, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CallbackView {
    pub id: String,
    pub report_code: String,
    pub report_title: String,
    /// Why to call: `resolved`, `rejected` or `cannot_fix_soon`.
    pub reason: String,
    /// What to tell the citizen (the office's public message).
    pub message: Option<String>,
    pub citizen_name: Option<String>,
    pub phone: Option<String>,
    pub state: CallbackState,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub attempts: Vec<AttemptView>,
}

fn view(
    conn: &mut crate::store::DbConn,
    c: CallbackRow,
    now: DateTime<Utc>,
) -> AppResult<CallbackView> {
    let report = reports::by_ids(conn, &[c.report_id])?
        .pop()
        .ok_or_else(|| AppError::internal("callback without report"))?;
    let attempts = callbacks::attempts(conn, &c.id)?
        .into_iter()
        .map(|a| AttemptView {
            at: utc(a.at),
            outcome: a.outcome,
            note: a.note,
        })
        .collect();
    Ok(CallbackView {
        overdue: c.state == CallbackState::Open && utc(c.due_at) < now,
        id: c.id,
        report_code: report.code.into_string(),
        report_title: report.title,
        reason: c.reason,
        message: c.message,
        citizen_name: report.reporter_name,
        phone: report.reporter_phone,
        state: c.state,
        due_at: utc(c.due_at),
        attempts,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/callbacks",
    tag = "staff",
    security(("bearer" = [])),
    params(CallbackQuery),
    responses((status = 200, description = "Callbacks by due time", body = [CallbackView]), (status = 403, description = "Not URP or supervisor", body = crate::error::ErrorEnvelope))
)]
#[get("/callbacks")]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<CallbackQuery>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::WorkCallbacks)?;
    let wanted = match q.state.as_deref() {
        None => CallbackState::Open,
        Some(s) => s.parse().map_err(|_| {
            AppError::bad_request(
                ErrorCode::InvalidState,
                "state is open, done or unreachable",
            )
        })?,
    };
    let limit = super::dto::page_limit(q.limit, 100, 500)?;
    let m = staff.actor.municipality_id.clone();
    let now = Utc::now();
    let views = state
        .read(move |c| {
            callbacks::queue(c, &m, wanted, limit)?
                .into_iter()
                .map(|cb| view(c, cb, now))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptRequest {
    /// `reached`, `no_answer` or `wrong_number`.
    pub outcome: String,
    pub note: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/callbacks/{id}/attempts",
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Callback id")),
    request_body = AttemptRequest,
    responses(
        (status = 200, description = "Logged; reached closes it, and so do too many failures", body = CallbackView),
        (status = 404, description = "No such callback here", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Already closed", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/callbacks/{id}/attempts")]
pub async fn attempt(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    body: web::Json<AttemptRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let note = validate::optional_text("note", body.note.as_deref(), 2000)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let max_failed = state.config.callback_max_failed_attempts.max(1);
    let id = id.into_inner();
    let now = Utc::now();
    let v = state
        .write(move |c| {
            let updated = app_callbacks::attempt(
                c,
                &staff.actor,
                &id,
                &body.outcome,
                note.as_deref(),
                max_failed,
                naive(now),
            )?;
            view(c, updated, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}
