//! Offices from the console: `GET/POST /api/v1/admin/offices`,
//! `PATCH /api/v1/admin/offices/{code}`, the webhook secret's rotation and
//! the deactivation, which hands open reports, categories and zones to
//! another office. Every change is in the audit log (`/api/v1/admin/audit`).

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::auth::Staff;
use super::AppState;
use crate::domain::permissions::Action;
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Change};
use crate::store::catalog::{self, NewOffice, OfficeChanges, OfficeLoad, OfficeRow};
use crate::store::reports::{self, Reassign};
use crate::store::{naive, DbConn};

/// An office as its administrator sees it (never the webhook secret).
#[derive(Serialize, ToSchema)]
pub struct AdminOfficeView {
    pub code: String,
    pub name: String,
    /// `internal` (a municipal office) or `company` (an external one).
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub webhook_url: Option<String>,
    pub active: bool,
    /// What depends on it now.
    pub load: OfficeLoad,
}

fn view(o: &OfficeRow, load: OfficeLoad) -> AdminOfficeView {
    AdminOfficeView {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.clone(),
        email: o.email.clone(),
        phone: o.phone.clone(),
        webhook_url: o.webhook_url.clone(),
        active: o.active,
        load,
    }
}

/// What the audit log keeps of an office.
fn audited(o: &OfficeRow) -> serde_json::Value {
    json!({
        "code": o.code, "name": o.name, "kind": o.kind, "email": o.email,
        "phone": o.phone, "webhook_url": o.webhook_url, "active": o.active,
    })
}

fn find(conn: &mut DbConn, municipality: &str, code: &str) -> AppResult<OfficeRow> {
    catalog::office_by_code(conn, municipality, code)?
        .ok_or_else(|| AppError::not_found("office_not_found", format!("no office `{code}` here")))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/offices",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comune's offices, active and not, with what depends on each", body = [AdminOfficeView]),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/admin/offices")]
pub async fn list(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let m = staff.actor.municipality_id.clone();
    let views = state
        .read(move |c| {
            catalog::list_offices(c, &m)?
                .iter()
                .map(|o| Ok(view(o, catalog::office_load(c, &o.id)?)))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOfficeRequest {
    /// 1-64 lower-case letters, digits, `-` or `_`; unique in the comune.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `internal` or `company`.
    #[schema(pattern = "^(internal|company)$")]
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

fn contact(
    email: Option<&str>,
    phone: Option<&str>,
) -> AppResult<(Option<String>, Option<String>)> {
    let email = email
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email(e).map_err(|e| AppError::Validation(vec![e.named("email")])))
        .transpose()?;
    let phone = phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| validate::phone(p).map_err(|e| AppError::Validation(vec![e.named("phone")])))
        .transpose()?;
    Ok((email, phone))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/offices",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateOfficeRequest,
    responses(
        (status = 201, description = "Created", body = AdminOfficeView),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The code is taken (`office_exists`)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/offices")]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<CreateOfficeRequest>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let b = body.into_inner();
    let name = validate::required_text("name", Some(&b.name), 200)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let (email, phone) = contact(b.email.as_deref(), b.phone.as_deref())?;
    let new = NewOffice {
        municipality_id: staff.actor.municipality_id.clone(),
        code: b.code,
        name,
        kind: b.kind,
        email,
        phone,
    };
    let actor = staff.name();
    let office = state
        .write(move |c| {
            let now = naive(Utc::now());
            let office = catalog::insert_office(c, &new, now)?;
            audit::record(
                c,
                Change {
                    municipality_id: &office.municipality_id,
                    actor: &actor,
                    action: "office.created",
                    target: &office.code,
                    before: None,
                    after: Some(audited(&office)),
                },
                now,
            )?;
            Ok(office)
        })
        .await?;
    Ok(HttpResponse::Created().json(view(&office, OfficeLoad::default())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOfficeRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(pattern = "^(internal|company)$")]
    pub kind: Option<String>,
    /// Empty clears it.
    pub email: Option<String>,
    /// Empty clears it.
    pub phone: Option<String>,
    /// Where the office's own system receives its reports (http or https);
    /// empty removes the webhook. A first URL gets a new secret, shown once.
    pub webhook_url: Option<String>,
}

/// An office after a change, with a webhook secret when one was just made
/// (shown this once).
#[derive(Serialize, ToSchema)]
pub struct ChangedOffice {
    #[serde(flatten)]
    pub office: AdminOfficeView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/offices/{code}",
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Office code")),
    request_body = UpdateOfficeRequest,
    responses(
        (status = 200, description = "Updated", body = ChangedOffice),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such office here", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = crate::error::ErrorEnvelope),
    )
)]
#[patch("/admin/offices/{code}")]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<UpdateOfficeRequest>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let b = body.into_inner();
    let name = b
        .name
        .as_deref()
        .map(|n| validate::required_text("name", Some(n), 200))
        .transpose()
        .map_err(|e| AppError::Validation(vec![e]))?;
    let (email, phone) = contact(b.email.as_deref(), b.phone.as_deref())?;
    let changes = OfficeChanges {
        name,
        kind: b.kind,
        email: b.email.map(|_| email),
        phone: b.phone.map(|_| phone),
    };
    let webhook_url = b.webhook_url.map(|u| u.trim().to_string());
    let (m, actor) = (staff.actor.municipality_id.clone(), staff.name());
    let code = code.into_inner();
    let (office, load, secret) = state
        .write(move |c| {
            let now = naive(Utc::now());
            let before = find(c, &m, &code)?;
            let mut secret = None;
            match webhook_url.as_deref() {
                None => {}
                Some("") => catalog::set_webhook(c, &before.id, None)?,
                Some(url) => {
                    // A first URL gets a secret; a new URL keeps the one it has.
                    let s = before.webhook_secret.clone().unwrap_or_else(|| {
                        let s = new_secret();
                        secret = Some(s.clone());
                        s
                    });
                    catalog::set_webhook(c, &before.id, Some((url, &s)))?;
                }
            }
            // Reads the row back, webhook included.
            let office = catalog::update_office(c, &before.id, &changes)?;
            audit::record(
                c,
                Change {
                    municipality_id: &m,
                    actor: &actor,
                    action: "office.updated",
                    target: &office.code,
                    before: Some(audited(&before)),
                    after: Some(audited(&office)),
                },
                now,
            )?;
            let load = catalog::office_load(c, &office.id)?;
            Ok((office, load, secret))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ChangedOffice {
        office: view(&office, load),
        webhook_secret: secret,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/offices/{code}/webhook-secret",
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Office code")),
    responses(
        (status = 200, description = "A new secret, shown this once; the old one stops working", body = ChangedOffice),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such office here", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The office has no webhook (`no_webhook`)", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/offices/{code}/webhook-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let (m, actor) = (staff.actor.municipality_id.clone(), staff.name());
    let code = code.into_inner();
    let (office, load, secret) = state
        .write(move |c| {
            let now = naive(Utc::now());
            let office = find(c, &m, &code)?;
            let Some(url) = office.webhook_url.clone() else {
                return Err(AppError::conflict(
                    "no_webhook",
                    "the office has no webhook: set `webhook_url` first",
                ));
            };
            let secret = new_secret();
            catalog::set_webhook(c, &office.id, Some((&url, &secret)))?;
            audit::record(
                c,
                Change {
                    municipality_id: &m,
                    actor: &actor,
                    action: "office.webhook_secret_rotated",
                    target: &office.code,
                    before: None,
                    after: None,
                },
                now,
            )?;
            let load = catalog::office_load(c, &office.id)?;
            Ok((office, load, secret))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ChangedOffice {
        office: view(&office, load),
        webhook_secret: Some(secret),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateRequest {
    /// The active office that takes over the open reports, the categories
    /// and the routing zones; required when there are any.
    pub move_to: Option<String>,
}

/// What a deactivation moved.
#[derive(Serialize, ToSchema)]
pub struct Deactivated {
    pub office: AdminOfficeView,
    /// What was handed to `move_to`.
    pub moved: OfficeLoad,
    pub move_to: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/offices/{code}/deactivate",
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Office code")),
    request_body = DeactivateRequest,
    responses(
        (status = 200, description = "Deactivated; its open reports went back to `new` at `move_to` with a fresh deadline", body = Deactivated),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such office here", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Open reports, categories or zones depend on it and no `move_to` was given (`office_in_use`, details: the counts); or already inactive", body = crate::error::ErrorEnvelope),
        (status = 422, description = "`move_to` is not another active office here", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/offices/{code}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<DeactivateRequest>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let (m, actor, name) = (
        staff.actor.municipality_id.clone(),
        staff.event_actor(),
        staff.name(),
    );
    let code = code.into_inner();
    let move_to = body.into_inner().move_to;
    let links = state.config.links();
    let result = state
        .write(move |c| {
            let now = Utc::now();
            let office = find(c, &m, &code)?;
            if !office.active {
                return Err(AppError::conflict(
                    "office_inactive",
                    format!("office `{code}` is already inactive"),
                ));
            }
            let load = catalog::office_load(c, &office.id)?;
            let target = match move_to.as_deref() {
                None => None,
                Some(to) => Some(
                    catalog::office_by_code(c, &m, to)?
                        .filter(|t| t.active && t.id != office.id)
                        .ok_or_else(|| {
                            AppError::field(
                                "move_to",
                                "unknown_office",
                                format!("`{to}` is not another active office here"),
                            )
                        })?,
                ),
            };
            let in_use = load != OfficeLoad::default();
            if in_use && target.is_none() {
                return Err(AppError::Conflict {
                    code: "office_in_use",
                    message: format!(
                        "{} open reports, {} categories and {} zones depend on `{code}`: say which office takes them over (`move_to`)",
                        load.open_reports, load.categories, load.zones
                    ),
                    details: Some(json!(load)),
                });
            }
            // Nothing to hand over: a `move_to` is not needed.
            let moved_to = match target.filter(|_| in_use) {
                None => None,
                Some(target) => {
                    for id in catalog::open_report_ids(c, &office.id)? {
                        let updated = reports::reassign(
                            c,
                            id,
                            Reassign {
                                category: None,
                                office_id: Some(target.id.clone()),
                                reason: format!("Ufficio {} disattivato", office.name),
                                actor: actor.clone(),
                                now,
                            },
                        )?;
                        crate::notify::plan::assigned(c, &updated, &links)?;
                    }
                    catalog::move_routing(c, &office.id, &target.id)?;
                    Some(target.code)
                }
            };
            catalog::set_office_active(c, &office.id, false)?;
            record_deactivation(c, &m, &name, &office, moved_to.as_deref(), load, naive(now))?;
            let moved = if moved_to.is_some() { load } else { OfficeLoad::default() };
            Ok((OfficeRow { active: false, ..office }, moved, moved_to))
        })
        .await?;
    let (office, moved, move_to) = result;
    Ok(HttpResponse::Ok().json(Deactivated {
        office: view(&office, OfficeLoad::default()),
        moved,
        move_to,
    }))
}

fn record_deactivation(
    conn: &mut DbConn,
    municipality: &str,
    actor: &str,
    office: &OfficeRow,
    move_to: Option<&str>,
    moved: OfficeLoad,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            municipality_id: municipality,
            actor,
            action: "office.deactivated",
            target: &office.code,
            before: Some(audited(office)),
            after: Some(json!({"active": false, "move_to": move_to, "moved": moved})),
        },
        now,
    )
}
