//! Administration of staff accounts: `GET/POST /api/v1/admin/users`,
//! `PATCH /api/v1/admin/users/{id}` (role, offices, active, password).
//! Disabling a user or changing their password invalidates their tokens.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{staff_view, Staff, StaffView};
use super::AppState;
use crate::auth::hash_password;
use crate::domain::permissions::{Action, Role, Scope};
use crate::error::{AppError, AppResult};
use crate::store::naive;
use crate::store::users::{self, NewUser, UserUpdate};

#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "The municipality's staff", body = [StaffView]), (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope))
)]
#[get("/admin/users")]
pub async fn list_users(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require(
        Action::Administer,
        Scope::municipality(&staff.actor.municipality_id),
        "not_found",
    )?;
    let municipality = staff.actor.municipality_id.clone();
    let users = state.read(move |c| users::list(c, &municipality)).await?;
    let views = users
        .iter()
        .map(staff_view)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
    pub role: Role,
    /// Office codes (required for `office`).
    #[serde(default)]
    pub offices: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created in the admin's municipality", body = StaffView),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Username taken", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    staff.require(
        Action::Administer,
        Scope::municipality(&staff.actor.municipality_id),
        "not_found",
    )?;
    let body = body.into_inner();
    let password = body.password;
    let hash = web::block(move || hash_password(&password)).await??;
    let new = NewUser {
        username: body.username,
        display_name: body.display_name,
        password_hash: hash,
        role: body.role,
        municipality_id: staff.actor.municipality_id.clone(),
        office_codes: body.offices,
    };
    let user = state
        .write(move |c| users::create(c, &new, naive(Utc::now())))
        .await?;
    tracing::info!(admin.user = %staff.user.row.username, user.username = %user.row.username, user.role = %user.row.role, "user created");
    Ok(HttpResponse::Created().json(staff_view(&user)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub offices: Option<Vec<String>>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/users/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated; a disable or a new password ends existing sessions", body = StaffView),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such user here", body = crate::error::ErrorEnvelope),
    )
)]
#[patch("/admin/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    body: web::Json<UpdateUserRequest>,
) -> AppResult<HttpResponse> {
    staff.require(
        Action::Administer,
        Scope::municipality(&staff.actor.municipality_id),
        "not_found",
    )?;
    let body = body.into_inner();
    let password_hash = match body.password {
        Some(p) => Some(web::block(move || hash_password(&p)).await??),
        None => None,
    };
    let update = UserUpdate {
        display_name: body.display_name,
        role: body.role,
        office_codes: body.offices,
        active: body.active,
        password_hash,
    };
    let municipality = staff.actor.municipality_id.clone();
    let id = id.into_inner();
    let user = state
        .write(move |c| {
            let existing = users::by_id(c, &id)?.filter(|u| u.row.municipality_id == municipality);
            if existing.is_none() {
                return Err(AppError::not_found("user_not_found", "no such user"));
            }
            users::update(c, &id, &update, naive(Utc::now()))
        })
        .await?;
    tracing::info!(admin.user = %staff.user.row.username, user.username = %user.row.username, "user updated");
    Ok(HttpResponse::Ok().json(staff_view(&user)?))
}
