//! The citizen's answers after a fix: `POST /api/v1/reports/{code}/confirm`
//! (it is fixed: close it) and `/reopen` (it is not: back to the office),
//! both with the tracking token, the latter within the municipality's window.

use actix_web::{post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::reports::citizen::{self, Answer, Verdict};
use crate::app::reports::{bundle, find_by_code, find_for_update, require_token};
use crate::domain::report::{Actor, EventKind};
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::dto::{report_view, Audience, ReportView};
use crate::http::AppState;
use crate::store::events::{self, NewEvent};
use crate::store::reports::ReportRow;
use crate::store::{municipalities, utc};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenAction {
    /// The tracking token given at creation.
    pub token: String,
    /// What the citizen wants to say (required to reopen).
    #[schema(max_length = 2000)]
    pub message: Option<String>,
}

/// The citizen's "it is not fixed": the message is required (and checked
/// in [`act`], so that its absence reads like any other missing field).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    /// The tracking token given at creation.
    pub token: String,
    /// What is still wrong.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub message: Option<String>,
}

async fn act(
    state: web::Data<AppState>,
    code: String,
    body: CitizenAction,
    verdict: Verdict,
) -> AppResult<HttpResponse> {
    let answer = Answer::new(verdict, body.message.as_deref())?;
    // Check the token on a read first: a wrong one never takes the write lock.
    let (c, t) = (code.clone(), body.token.clone());
    state.read(move |conn| check_token(conn, &c, &t)).await?;
    let view = state
        .write(move |conn| {
            // A report's token never changes: the read's check holds.
            let updated = citizen::answer(conn, &code, answer, Utc::now())?;
            Ok(report_view(
                &bundle(conn, updated, false)?,
                Audience::Citizen,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/confirm",
    tag = "reports",
    params(("code" = String, Path, description = "Public code")),
    request_body = CitizenAction,
    responses(
        (status = 200, description = "Closed", body = ReportView),
        (status = 403, description = "Wrong token", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Not resolved", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Json<CitizenAction>,
) -> AppResult<HttpResponse> {
    act(state, code.into_inner(), body.into_inner(), Verdict::Fixed).await
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/reopen",
    tag = "reports",
    params(("code" = String, Path, description = "Public code")),
    request_body = ReopenRequest,
    responses(
        (status = 200, description = "Back to the office", body = ReportView),
        (status = 403, description = "Wrong token", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Not resolved, or the window has closed", body = crate::error::ErrorEnvelope),
        (status = 422, description = "No message", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/reopen")]
pub async fn reopen(
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Json<ReopenRequest>,
) -> AppResult<HttpResponse> {
    let ReopenRequest { token, message } = body.into_inner();
    let action = CitizenAction { token, message };
    act(state, code.into_inner(), action, Verdict::NotFixed).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    /// The tracking token given at creation.
    pub token: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{code}/receipt.pdf",
    tag = "reports",
    params(("code" = String, Path, description = "Public code"), ReceiptQuery),
    responses(
        (status = 200, description = "The citizen's receipt (PDF download)", content_type = "application/pdf"),
        (status = 403, description = "Wrong token", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report", body = crate::error::ErrorEnvelope),
    )
)]
#[actix_web::get("/reports/{code}/receipt.pdf")]
pub async fn receipt(
    state: web::Data<AppState>,
    code: web::Path<String>,
    q: web::Query<ReceiptQuery>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let token = q.into_inner().token;
    let (receipt, code) = state
        .read(move |conn| {
            let report = find_by_code(conn, &code)?;
            require_token(&report, &token)?;
            let m = municipalities::find(conn, &report.municipality_id)?.map(|m| m.name).unwrap_or_default();
            let b = bundle(conn, report, false)?;
            let r = &b.report;
            let when = |t: Option<chrono::NaiveDateTime>| t.map(|t| crate::notify::plan::format_when(utc(t), "it")).unwrap_or_else(|| "—".into());
            // The receipt is printed and shown around: its text is the public
            // one (personal values masked); only the citizen's name is theirs.
            let masked = |s: &str| crate::domain::masking::mask(s).into_owned();
            // Short fields first: the details may be long and are cut to fit the page.
            let mut fields = vec![
                ("Data".to_string(), when(Some(r.created_at))),
                ("Tipo di disservizio".to_string(), b.category.name_it.clone()),
                ("Titolo".to_string(), masked(&r.title)),
                ("Luogo".to_string(), r.address.as_deref().map(masked).unwrap_or_else(|| format!("{:.5}, {:.5}", r.lat, r.lon))),
                ("Ufficio".to_string(), b.office.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "in assegnazione".into())),
                ("Presa in carico entro".to_string(), when(r.take_in_due_at)),
                ("Conclusione prevista".to_string(), when(r.expected_resolution_at)),
            ];
            if let Some(name) = &r.reporter_name {
                fields.push(("Segnalante".to_string(), name.clone()));
            }
            fields.push(("Dettagli".to_string(), masked(&r.description)));
            let receipt = crate::receipt::Receipt {
                municipality: format!("Comune di {m}"),
                code: r.code.to_string(),
                fields,
                footer: "Le informazioni fornite hanno valore di dichiarazione. Conservi questa ricevuta e il link personale ricevuto: con essi può seguire la segnalazione, aggiungere informazioni e confermare la risoluzione.".into(),
            };
            Ok((receipt, r.code.clone()))
        })
        .await?;
    let bytes = crate::receipt::pdf(&receipt);
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ricevuta-{code}.pdf\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    pub token: String,
    /// "Quanto è stato facile usare questo servizio?" 1 (molto difficile) to 5 (molto facile).
    #[schema(minimum = 1, maximum = 5)]
    #[serde(deserialize_with = "crate::http::dto::whole::int")]
    pub score: i32,
    #[schema(max_length = 1000)]
    pub comment: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/rating",
    tag = "reports",
    params(("code" = String, Path, description = "Public code")),
    request_body = RatingRequest,
    responses(
        (status = 204, description = "Thank you"),
        (status = 403, description = "Wrong token", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Score out of 1-5", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/rating")]
pub async fn rating(
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Json<RatingRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let comment = validate::optional_text("comment", body.comment.as_deref(), 1000)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let code = code.into_inner();
    let (c, t) = (code.clone(), body.token.clone());
    state.read(move |conn| check_token(conn, &c, &t)).await?;
    let score = validate::score("score", body.score).map_err(|e| AppError::Validation(vec![e]))?;
    state
        .write(move |conn| {
            let report = find_for_update(conn, &code)?;
            Ok(crate::store::ratings::set(
                conn,
                report.id,
                &report.municipality_id,
                score,
                comment.as_deref(),
                crate::store::naive(Utc::now()),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What the citizen adds to an open report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Information {
    /// The tracking token given at creation.
    pub token: String,
    /// What the citizen adds (up to 2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub message: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/information",
    tag = "reports",
    params(("code" = String, Path, description = "Public code")),
    request_body = Information,
    responses(
        (status = 201, description = "Added: the report as its citizen sees it", body = ReportView),
        (status = 403, description = "Wrong token", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The report is closed", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Empty or too long message", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/information")]
pub async fn information(
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Json<Information>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let Information { token, message } = body.into_inner();
    let message = validate::required_text("message", Some(&message), 2000)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let (c, t) = (code.clone(), token);
    state.read(move |conn| check_token(conn, &c, &t)).await?;
    let view = state
        .write(move |conn| {
            let report = find_for_update(conn, &code)?;
            if !report.status.is_open() {
                return Err(AppError::conflict(
                    ErrorCode::ReportClosed,
                    "the report is closed: file a new one",
                ));
            }
            let now = crate::store::naive(Utc::now());
            let mut event = NewEvent::new(
                report.id,
                now,
                &Actor::citizen(),
                EventKind::InformationAdded,
            );
            event.message = Some(message);
            events::append(conn, event)?;
            crate::store::reports::touch(conn, report.id, now)?;
            let report = ReportRow {
                updated_at: now,
                ..report
            };
            Ok(report_view(&bundle(conn, report, true)?, Audience::Citizen))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// 404 for an unknown code, 403 for a wrong token.
fn check_token(conn: &mut crate::store::DbConn, code: &str, token: &str) -> AppResult<()> {
    require_token(&find_by_code(conn, code)?, token)
}
