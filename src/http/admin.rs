//! Administration of staff accounts: `GET/POST /api/v1/admin/users`,
//! `PATCH /api/v1/admin/users/{id}` (role, offices, active, password).
//! Disabling a user or changing their password invalidates their tokens.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{staff_view, Staff, StaffView};
use super::AppState;
use crate::app::admin::users as admin_users;
use crate::auth::hash_password;
use crate::domain::permissions::{Action, Role};
use crate::error::AppResult;
use crate::store::users;

#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "The municipality's staff", body = [StaffView]), (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope))
)]
#[get("/admin/users")]
pub async fn list_users(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let municipality = staff.actor.municipality_id.clone();
    let users = state
        .read(move |c| Ok(users::list(c, &municipality)?))
        .await?;
    let views = users
        .iter()
        .map(staff_view)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(pattern = "^[A-Za-z0-9.@_-]{3,64}$")]
    pub username: String,
    #[schema(max_length = 120)]
    pub display_name: String,
    /// At least 10 characters; absent: one is generated and shown once in
    /// the answer (`initial_password`).
    #[schema(min_length = 10)]
    pub password: Option<String>,
    pub role: Role,
    /// Office codes (required for `office`).
    #[serde(default)]
    pub offices: Vec<String>,
    /// For supervisors: where escalations arrive.
    pub email: Option<String>,
}

/// A new account, with its generated password when the administrator gave
/// none (shown this once).
#[derive(serde::Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: StaffView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created in the admin's municipality (with the generated password, shown once, when none was given)", body = CreatedUser),
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
    let who = staff.admin()?;
    let body = body.into_inner();
    // Refused before the (slow) hash; the use case checks it again.
    if body.role == Role::Platform {
        staff.require_here(Action::ManagePlatform)?;
    }
    let generated = body.password.is_none().then(crate::auth::random_password);
    let password = body
        .password
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let password_hash = web::block(move || hash_password(&password)).await??;
    let input = admin_users::UserInput {
        username: body.username,
        display_name: body.display_name,
        password_hash,
        role: body.role,
        offices: body.offices,
        email: body.email,
    };
    let user = state
        .write(move |c| admin_users::create(c, &who, input))
        .await?;
    tracing::info!(admin.user = %staff.name(), user.username = %user.row.username, user.role = %user.row.role, "user created");
    Ok(HttpResponse::Created().json(CreatedUser {
        user: staff_view(&user)?,
        initial_password: generated,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// An empty string removes it.
    pub email: Option<String>,
    #[schema(max_length = 120)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub offices: Option<Vec<String>>,
    pub active: Option<bool>,
    /// At least 10 characters.
    #[schema(min_length = 10)]
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
    let who = staff.admin()?;
    let body = body.into_inner();
    if body.role == Some(Role::Platform) {
        staff.require_here(Action::ManagePlatform)?;
    }
    let password_hash = match body.password {
        Some(p) => Some(web::block(move || hash_password(&p)).await??),
        None => None,
    };
    let changes = admin_users::UserChanges {
        display_name: body.display_name,
        role: body.role,
        offices: body.offices,
        active: body.active,
        password_hash,
        email: body.email,
    };
    let id = id.into_inner();
    let user = state
        .write(move |c| admin_users::update(c, &who, &id, changes))
        .await?;
    tracing::info!(admin.user = %staff.name(), user.username = %user.row.username, "user updated");
    Ok(HttpResponse::Ok().json(staff_view(&user)?))
}

#[derive(serde::Serialize, ToSchema)]
pub struct NewPassword {
    /// Shown this once: give it to the person, who signs in with it.
    pub password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/password",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "A new generated password, shown once; the user's sessions end", body = NewPassword),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such user here", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/users/{id}/password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let password = crate::auth::random_password();
    let hash = {
        let password = password.clone();
        web::block(move || hash_password(&password)).await??
    };
    let id = id.into_inner();
    state
        .write(move |c| admin_users::set_password(c, &who, &id, hash))
        .await?;
    Ok(HttpResponse::Ok().json(NewPassword { password }))
}

#[derive(serde::Serialize, ToSchema)]
pub struct DeadNotification {
    pub id: String,
    /// `email` or `webhook`.
    pub kind: String,
    pub dedupe_key: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/outbox/dead",
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "Notifications that could not be delivered", body = [DeadNotification]), (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope))
)]
#[get("/admin/outbox/dead")]
pub async fn dead_notifications(
    state: web::Data<AppState>,
    staff: Staff,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Administer)?;
    let m = staff.actor.municipality_id.clone();
    let rows = state
        .read(move |c| Ok(crate::store::outbox::dead_for(c, &m, 1000)?))
        .await?;
    let body: Vec<DeadNotification> = rows
        .into_iter()
        .map(|r| DeadNotification {
            id: r.id,
            kind: r.kind,
            dedupe_key: r.dedupe_key,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: crate::store::utc(r.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/outbox/{id}/retry",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Outbox row id")),
    responses((status = 204, description = "Queued again"), (status = 404, description = "No dead notification with that id", body = crate::error::ErrorEnvelope))
)]
#[post("/admin/outbox/{id}/retry")]
pub async fn retry_notification(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let id = id.into_inner();
    state
        .write(move |c| crate::app::admin::outbox::retry(c, &who, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
