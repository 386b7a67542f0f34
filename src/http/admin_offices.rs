//! Offices from the console: `GET/POST /api/v1/admin/offices`,
//! `PATCH /api/v1/admin/offices/{code}`, the webhook secret's rotation and
//! the deactivation, which hands open reports, categories and zones to
//! another office. Every change is in the audit log (`/api/v1/admin/audit`).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Staff;
use super::AppState;
use crate::app::admin::offices;
use crate::domain::permissions::Action;
use crate::error::AppResult;
use crate::store::catalog::{self, OfficeLoad, OfficeRow};

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

impl From<offices::Changed> for ChangedOffice {
    fn from(c: offices::Changed) -> Self {
        Self {
            office: view(&c.office, c.load),
            webhook_secret: c.new_secret,
        }
    }
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
    let who = staff.admin()?;
    let b = body.into_inner();
    let input = offices::OfficeInput {
        code: b.code,
        name: b.name,
        kind: b.kind,
        email: b.email,
        phone: b.phone,
    };
    let office = state
        .write(move |c| offices::create(c, &who, input))
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
    let who = staff.admin()?;
    let b = body.into_inner();
    let update = offices::OfficeUpdate {
        name: b.name,
        kind: b.kind,
        email: b.email,
        phone: b.phone,
        webhook: b.webhook_url.map(|u| match u.trim() {
            "" => offices::Webhook::Remove,
            url => offices::Webhook::Url {
                url: url.to_string(),
                secret: None,
            },
        }),
    };
    let changed = state
        .write(move |c| offices::update(c, &who, &code, update))
        .await?;
    Ok(HttpResponse::Ok().json(ChangedOffice::from(changed)))
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
    let who = staff.admin()?;
    let changed = state
        .write(move |c| offices::rotate_secret(c, &who, &code))
        .await?;
    Ok(HttpResponse::Ok().json(ChangedOffice::from(changed)))
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
    let who = staff.admin()?;
    let move_to = body.into_inner().move_to;
    let links = state.config.links();
    let done = state
        .write(move |c| offices::deactivate(c, &who, &code, move_to.as_deref(), &links))
        .await?;
    Ok(HttpResponse::Ok().json(Deactivated {
        office: view(&done.office, OfficeLoad::default()),
        moved: done.moved,
        move_to: done.move_to,
    }))
}
