//! The staff's actions on a report: `POST …/transitions` (office,
//! supervisor), `…/notes` (internal notes), `…/reassign` and `…/duplicate`
//! (supervisor). Each is one transaction with its events and its actor.

use actix_web::{post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::reports::mark_duplicate;
use crate::app::reports::workflow::{
    add_note, reassign as reassign_report, transition as transition_report, ReassignInput,
    TransitionInput, MESSAGE_MAX,
};
use crate::domain::report::{RejectionReason, Status};
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::http::auth::Staff;
use crate::http::dto::ReportView;
use crate::http::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The new status.
    pub to: Status,
    /// Shown to the citizen (and sent to them once notifications land).
    pub public_message: Option<String>,
    /// Staff only.
    pub internal_note: Option<String>,
    /// Required when `to` is `rejected`.
    pub reason: Option<RejectionReason>,
    /// The problem cannot be fixed soon: a citizen with only a phone is called back.
    #[serde(default)]
    pub cannot_fix_soon: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/transitions",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Public code")),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "Moved", body = ReportView),
        (status = 403, description = "The role cannot move workflows (URP, admin)", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report, or another office's", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The workflow does not allow it", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Missing rejection reason", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<TransitionRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let change = TransitionInput {
        to: body.to,
        public_message: body.public_message,
        internal_note: body.internal_note,
        reason: body.reason,
        cannot_fix_soon: body.cannot_fix_soon,
    }
    .validate()?;
    let code = code.into_inner();
    let links = state.config.links();
    staff
        .act_on_report(&state, move |conn, actor, by| {
            transition_report(conn, actor, by, &code, change, Utc::now(), &links)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    pub text: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/notes",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Public code")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "Internal note added"),
        (status = 404, description = "No such report, or another office's", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/notes")]
pub async fn note(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<NoteRequest>,
) -> AppResult<HttpResponse> {
    let note = validate::required_text("text", Some(&body.text), MESSAGE_MAX)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let code = code.into_inner();
    state
        .write(move |conn| {
            let by = staff.event_actor();
            add_note(conn, &staff.actor, &by, &code, note, Utc::now())
        })
        .await?;
    Ok(HttpResponse::Created().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// New category code (routing then picks the office, unless `office` is given).
    pub category: Option<String>,
    /// New office code.
    pub office: Option<String>,
    /// Why (internal).
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/reassign",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Public code")),
    request_body = ReassignRequest,
    responses(
        (status = 200, description = "Re-routed with a new take-in deadline", body = ReportView),
        (status = 403, description = "Not a supervisor", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Already resolved, closed or rejected", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Unknown category or office, or no reason", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/reassign")]
pub async fn reassign(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<ReassignRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let change = ReassignInput {
        category: body.category,
        office: body.office,
        reason: body.reason,
    }
    .validate()?;
    let code = code.into_inner();
    let links = state.config.links();
    staff
        .act_on_report(&state, move |conn, actor, by| {
            reassign_report(conn, actor, by, &code, change, Utc::now(), &links)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateRequest {
    /// Code of the original report.
    #[schema(min_length = 1, max_length = 64)]
    pub of: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/duplicate",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Public code of the duplicate")),
    request_body = DuplicateRequest,
    responses(
        (status = 200, description = "Rejected as a duplicate; its citizen is pointed to the original", body = ReportView),
        (status = 403, description = "Not a supervisor", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Already closed", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/duplicate")]
pub async fn duplicate(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<DuplicateRequest>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let original_code = body.into_inner().of;
    let links = state.config.links();
    staff
        .act_on_report(&state, move |conn, actor, by| {
            mark_duplicate(conn, actor, by, &code, &original_code, Utc::now(), &links)
        })
        .await
}
