//! Moderation: `POST /api/v1/reports/{code}/moderation` (publish or hide a
//! report and its photos, write its public text) and `GET
//! /api/v1/staff/moderation` (the queue of what waits for a review). Office
//! staff moderate their office's reports, supervisors all of the comune's.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::dto::{attachment_view, AttachmentView, CategoryRef, OfficeRef, ReportView};
use super::dto::{public_version, PublicVersion};
use super::AppState;
use crate::app::moderation::{self, Moderation};
use crate::domain::publication::{Decision, ReportPublication};
use crate::domain::report::{Status, DESCRIPTION_MAX, TITLE_MAX};
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::moderation::PublicText;
use crate::store::utc;

const REASON_MAX: usize = 500;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoDecision {
    /// The photo's id (from `photos`).
    pub id: String,
    pub decision: Decision,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    /// Publish or hide the report.
    pub report: Option<Decision>,
    /// The title the public reads; an empty value goes back to the
    /// citizen's (masked).
    pub public_title: Option<String>,
    /// The description the public reads; empty: the citizen's again.
    pub public_description: Option<String>,
    /// Publish or hide single photos.
    #[serde(default)]
    pub photos: Vec<PhotoDecision>,
    /// Why: recorded on the staff timeline; required to hide or to rewrite.
    pub reason: Option<String>,
}

/// `None`: leave it; `Some(None)`: back to the citizen's; else the new text.
fn edit(field: &'static str, v: Option<String>, max: usize) -> AppResult<Option<Option<String>>> {
    v.map(|v| validate::optional_text(field, Some(&v), max))
        .transpose()
        .map_err(|e| AppError::Validation(vec![e]))
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/moderation",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Public code")),
    request_body = ModerationRequest,
    responses(
        (status = 200, description = "Done; each change is an internal event with its actor and reason", body = ReportView),
        (status = 403, description = "The role does not moderate (URP, admin)", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report, or another office's", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The category is never published (`never_published`)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Nothing to do (`nothing_to_change`), a missing reason, a text too long, or a photo not of this report (`unknown_photo`)", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/moderation")]
pub async fn moderate(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<ModerationRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let reason = validate::optional_text("reason", b.reason.as_deref(), REASON_MAX)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let text = PublicText {
        title: edit("public_title", b.public_title, TITLE_MAX)?,
        description: edit("public_description", b.public_description, DESCRIPTION_MAX)?,
    };
    let photos = b.photos.into_iter().map(|p| (p.id, p.decision)).collect();
    let asked = Moderation::new(b.report, text, photos, reason)?;
    let code = code.into_inner();
    staff
        .act_on_report(&state, move |conn, actor, by| {
            moderation::moderate(conn, actor, by, &code, &asked, Utc::now())
        })
        .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModerationQuery {
    /// At most this many (1-100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9]{1,18})?$")]
    pub cursor: Option<String>,
}

/// A report waiting for a review, or with photos waiting for one.
#[derive(Serialize, ToSchema)]
pub struct ModerationItem {
    pub code: String,
    pub status: Status,
    pub publication: ReportPublication,
    pub category: CategoryRef,
    pub office: Option<OfficeRef>,
    pub received_at: DateTime<Utc>,
    pub address: Option<String>,
    /// The citizen's words.
    pub title: String,
    pub description: String,
    #[serde(flatten)]
    pub public: PublicVersion,
    /// Every photo with its state (staff fetch them with their token).
    pub photos: Vec<AttachmentView>,
}

#[derive(Serialize, ToSchema)]
pub struct ModerationPage {
    pub items: Vec<ModerationItem>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/moderation",
    tag = "staff",
    security(("bearer" = [])),
    params(ModerationQuery),
    responses(
        (status = 200, description = "Reports (or their photos) waiting for a review, oldest first: an office sees its own", body = ModerationPage),
        (status = 400, description = "Invalid limit or cursor", body = crate::error::ErrorEnvelope),
        (status = 403, description = "The role does not moderate (URP, admin)", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/staff/moderation")]
pub async fn queue(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ModerationQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let scope = moderation::queue_scope(&staff.actor)?;
    let limit = super::dto::page_limit(q.limit, 20, 100)?;
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c.parse::<i64>().map_err(|_| {
            AppError::bad_request(
                ErrorCode::InvalidCursor,
                "the cursor is not one this API returned",
            )
        })?,
    };
    let municipality = staff.actor.municipality_id.clone();
    let page = state
        .read(move |conn| {
            let page = moderation::queue(conn, &municipality, &scope, after, limit)?;
            Ok(queue_view(&page))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(page))
}

/// The queue's page as the API shows it.
fn queue_view(page: &moderation::QueuePage) -> ModerationPage {
    let items = page
        .items()
        .map(|i| ModerationItem {
            code: i.report.code.to_string(),
            status: i.report.status,
            publication: i.report.publication,
            category: i.category.into(),
            office: i.office.map(Into::into),
            received_at: utc(i.report.received_at),
            address: i.report.address.clone(),
            title: i.report.title.clone(),
            description: i.report.description.clone(),
            public: public_version(i.report, page.comune, i.category),
            photos: i.photos.iter().map(attachment_view).collect(),
        })
        .collect();
    ModerationPage {
        items,
        next_cursor: page.next_cursor.map(|id| id.to_string()),
    }
}
