//! `GET /api/v1/reports/{code}`: one report. Public view without personal
//! data; with the citizen's `?token=` also their own details and documents.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::reports::{bundle, find_by_code, require_token};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::dto::{report_view, Audience, ReportView};
use crate::http::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadQuery {
    /// The tracking token given at creation.
    pub token: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{code}",
    tag = "reports",
    params(("code" = String, Path, description = "Public code, e.g. PI-2026-000123"), ReadQuery),
    responses(
        (status = 200, description = "The report with its public timeline", body = ReportView),
        (status = 403, description = "Wrong tracking token", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report (`report_not_found`), or one the public does not see (`report_not_public`: waiting for review, hidden, or of a category never published)", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/reports/{code}")]
pub async fn read(
    state: web::Data<AppState>,
    code: web::Path<String>,
    q: web::Query<ReadQuery>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let token = q.into_inner().token;
    let public = token.is_none();
    let lookup = move |conn: &mut crate::store::DbConn| {
        let report = find_by_code(conn, &code)?;
        let audience = match &token {
            None if !report.is_public() => return Err(not_public()),
            None => Audience::Public,
            Some(t) => {
                require_token(&report, t)?;
                Audience::Citizen
            }
        };
        let citizen = audience == Audience::Citizen;
        Ok(report_view(&bundle(conn, report, citizen)?, audience))
    };
    // The public may read from the replica; a report it does not hold yet
    // (filed a moment ago) is looked for on the primary. The citizen with
    // the token reads the primary: what they just wrote is there.
    let view = if public {
        match state.read_public(lookup.clone()).await {
            Err(AppError::NotFound {
                code: ErrorCode::ReportNotFound,
                ..
            }) => state.read(lookup).await,
            other => other,
        }
    } else {
        state.read(lookup).await
    }?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

/// The answer to the public for a report that exists but is not public.
pub fn not_public() -> AppError {
    AppError::not_found(
        ErrorCode::ReportNotPublic,
        "this report is not public: its citizen follows it with the link they received",
    )
}
