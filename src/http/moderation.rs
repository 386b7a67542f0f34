//! Moderation: `POST /api/v1/reports/{code}/moderation` (publish or hide a
//! report and its photos, write its public text) and `GET
//! /api/v1/staff/moderation` (the queue of what waits for a review). Office
//! staff moderate their office's reports, supervisors all of the comune's.

use std::collections::HashMap;

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::dto::{
    attachment_view, report_view, AttachmentView, Audience, CategoryRef, OfficeRef, ReportView,
};
use super::dto::{public_version, PublicVersion};
use super::AppState;
use crate::app::reports::{bundle, categories_of, find_for_update};
use crate::domain::permissions::{Action, Role, Scope};
use crate::domain::publication::{
    decide, decide_photo, effective, Decision, NeverPublished, ReportPublication,
};
use crate::domain::report::{Status, DESCRIPTION_MAX, TITLE_MAX};
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::moderation::{self, PublicText};
use crate::store::queues::QueueScope;
use crate::store::reports::ReportRow;
use crate::store::{attachments, catalog, municipalities, naive, utc, DbConn};

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
    check_asked(b.report, &b.photos, &text, reason.as_deref())?;
    let code = code.into_inner();
    let view = state
        .write(move |conn| {
            let report = find_for_update(conn, &code)?;
            let scope = Scope::report(&report.municipality_id, report.office_id.as_deref());
            staff.require(Action::Moderate, scope, ErrorCode::ReportNotFound)?;
            // Refused before anything is written.
            let next = next_publication(conn, &report, b.report)?;
            let actor = staff.event_actor();
            let now = naive(Utc::now());
            let reason = reason.as_deref();
            moderation::set_public_text(conn, &report, &text, &actor, reason, now)?;
            for p in &b.photos {
                let to = decide_photo(p.decision);
                if !moderation::set_photo(conn, &report, &p.id, to, &actor, reason, now)? {
                    return Err(AppError::field(
                        "photos",
                        ErrorCode::UnknownPhoto,
                        format!("{} is not a photo of {}", p.id, report.code),
                    ));
                }
            }
            if let Some(next) = next {
                moderation::set_report(conn, &report, next, &actor, reason, now)?;
            }
            let fresh = crate::app::reports::find_by_code(conn, &code)?;
            Ok(report_view(
                &bundle(conn, fresh, false)?,
                Audience::Staff { personal: false },
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A request says what to do, and why when it hides or rewrites something.
fn check_asked(
    report: Option<Decision>,
    photos: &[PhotoDecision],
    text: &PublicText,
    reason: Option<&str>,
) -> AppResult<()> {
    let hides =
        report == Some(Decision::Hide) || photos.iter().any(|p| p.decision == Decision::Hide);
    let rewrites = text.title.is_some() || text.description.is_some();
    if report.is_none() && photos.is_empty() && !rewrites {
        return Err(AppError::unprocessable(
            ErrorCode::NothingToChange,
            "say what to do: report, public_title, public_description or photos",
        ));
    }
    if (hides || rewrites) && reason.is_none() {
        return Err(AppError::field(
            "reason",
            ErrorCode::Required,
            "say why: the reason is kept on the staff timeline",
        ));
    }
    Ok(())
}

/// The report's publication after `decision` (none: left as it is), under
/// the policy of its category and comune: refused for a category never
/// published.
fn next_publication(
    conn: &mut DbConn,
    report: &ReportRow,
    decision: Option<Decision>,
) -> AppResult<Option<ReportPublication>> {
    let category = catalog::categories_by_ids(conn, std::slice::from_ref(&report.category_id))?
        .pop()
        .ok_or_else(|| AppError::internal("report without category"))?;
    let policy = effective(
        municipalities::publication_policy(conn, &report.municipality_id)?,
        category.publication(),
    );
    decision
        .map(|d| decide(report.publication, policy, d))
        .transpose()
        .map_err(|NeverPublished| {
            AppError::conflict(
                ErrorCode::NeverPublished,
                format!(
                    "reports of the category {} are never published",
                    category.code
                ),
            )
        })
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
    let scope = match staff.role() {
        Role::Office => QueueScope::Offices(staff.actor.office_ids.clone()),
        Role::Supervisor => QueueScope::Municipality(staff.actor.municipality_id.clone()),
        Role::Urp | Role::Admin | Role::Platform => {
            return Err(AppError::Forbidden {
                code: ErrorCode::Forbidden,
                message: "moderation is for office staff and supervisors".into(),
            })
        }
    };
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
        .read(move |conn| queue_page(conn, &scope, &municipality, after, limit))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(page))
}

/// Up to `limit` reports of the queue after cursor `after`, each with its
/// photos, and the cursor of the next page if there is one.
fn queue_page(
    conn: &mut DbConn,
    scope: &QueueScope,
    municipality: &str,
    after: i64,
    limit: i64,
) -> AppResult<ModerationPage> {
    let rows = moderation::queue(conn, scope, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<ReportRow> = rows.into_iter().take(limit as usize).collect();
    let comune = municipalities::publication_policy(conn, municipality)?;
    let categories = categories_of(conn, rows.iter().map(|r| &r.category_id))?;
    let offices = offices_of(conn, &rows)?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(category) = categories.get(&r.category_id) else {
            continue;
        };
        let photos = attachments::for_report(conn, r.id)?
            .iter()
            .filter(|a| a.kind == "image")
            .map(attachment_view)
            .collect();
        items.push(ModerationItem {
            code: r.code.clone(),
            status: r.status,
            publication: r.publication,
            category: category.into(),
            office: r
                .office_id
                .as_ref()
                .and_then(|o| offices.get(o))
                .map(Into::into),
            received_at: utc(r.received_at),
            address: r.address.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            public: public_version(r, comune, category),
            photos,
        });
    }
    let next_cursor = if more {
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(ModerationPage { items, next_cursor })
}

/// The offices the `rows` are assigned to, by id.
fn offices_of(
    conn: &mut DbConn,
    rows: &[ReportRow],
) -> AppResult<HashMap<String, catalog::OfficeRow>> {
    let mut office_ids: Vec<String> = rows.iter().filter_map(|r| r.office_id.clone()).collect();
    office_ids.sort();
    office_ids.dedup();
    Ok(catalog::offices_by_ids(conn, &office_ids)?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect())
}
