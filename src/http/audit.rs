//! The administrative audit log, `GET /api/v1/admin/audit` (admins and, read
//! only, supervisors), and the API keys of integrations:
//! `GET/POST /api/v1/admin/api-keys`, `DELETE /api/v1/admin/api-keys/{id}`.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::AppState;
use crate::app::admin::keys;
use crate::domain::ids::OfficeId;
use crate::domain::permissions::Action;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::audit::{self, AuditRow};
use crate::store::{api_keys, catalog, utc};

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The staff member's username, or `cli`.
    pub actor: String,
    /// What was done, e.g. `office.created`, `user.updated`.
    pub action: String,
    /// The code or id it was done to.
    pub target: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9]{1,18}_[0-9a-f-]{36})?$")]
    pub cursor: Option<String>,
}

fn entry(r: AuditRow) -> AuditEntry {
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    AuditEntry {
        at: utc(r.created_at),
        actor: r.actor,
        action: r.action,
        target: r.target,
        before: parse(r.before),
        after: parse(r.after),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/audit",
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "The comune's administrative changes, newest first", body = AuditPage),
        (status = 403, description = "Neither an admin nor a supervisor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/admin/audit")]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    staff.require_any_here(&[Action::Administer, Action::Supervise])?;
    let limit = super::dto::page_limit(q.limit, 50, 200)?;
    let bad = || {
        AppError::bad_request(
            ErrorCode::InvalidCursor,
            "the cursor is not one this API returned",
        )
    };
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            let (micros, id) = c.split_once('_').ok_or_else(bad)?;
            let micros: i64 = micros.parse().map_err(|_| bad())?;
            let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
            Some((at.naive_utc(), id.to_string()))
        }
    };
    let m = staff.actor.municipality_id.clone();
    let rows = state
        .read(move |c| Ok(audit::recent(c, &m, after, limit + 1)?))
        .await?;
    let more = rows.len() as i64 > limit;
    let mut items: Vec<AuditRow> = rows;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last())
        .flatten()
        .map(|r| format!("{}_{}", utc(r.created_at).timestamp_micros(), r.id));
    Ok(HttpResponse::Ok().json(AuditPage {
        items: items.into_iter().map(entry).collect(),
        next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The office whose system uses it, if it is an office's.
    pub office: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/api-keys",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comune's keys, revoked ones included (never the key itself)", body = [ApiKeyView]),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/admin/api-keys")]
pub async fn list_keys(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let m = staff.actor.municipality_id.clone();
    let views = state
        .read(move |c| {
            let offices = catalog::list_offices(c, &m)?;
            let code = |id: &Option<OfficeId>| {
                id.as_ref()
                    .and_then(|id| offices.iter().find(|o| &o.id == id))
                    .map(|o| o.code.clone())
            };
            Ok(api_keys::list(c, &m)?
                .into_iter()
                .map(|k| ApiKeyView {
                    office: code(&k.office_id),
                    id: k.id,
                    name: k.name,
                    created_at: utc(k.created_at),
                    revoked_at: k.revoked_at.map(utc),
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueKeyRequest {
    /// Who uses it, e.g. "App IO" or "Gestionale AVR".
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// An office code: the key then acts for that office's system (empty:
    /// none).
    pub office: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedKey {
    pub id: String,
    /// Shown this once: only its hash is kept.
    pub key: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/api-keys",
    tag = "admin",
    security(("bearer" = [])),
    request_body = IssueKeyRequest,
    responses(
        (status = 201, description = "Issued; the key is shown this once", body = IssuedKey),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 422, description = "No name, or no such office", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/api-keys")]
pub async fn issue_key(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<IssueKeyRequest>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let b = body.into_inner();
    let (id, key) = state
        .write(move |c| keys::issue(c, &who, &b.name, b.office))
        .await?;
    Ok(HttpResponse::Created().json(IssuedKey { id, key }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/admin/api-keys/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked: the key stops working at once"),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No active key with that id here", body = crate::error::ErrorEnvelope),
    )
)]
#[delete("/admin/api-keys/{id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let id = id.into_inner();
    state.write(move |c| keys::revoke(c, &who, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
