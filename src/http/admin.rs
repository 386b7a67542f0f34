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
use crate::domain::permissions::{Action, Role};
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Change};
use crate::store::naive;
use crate::store::users::{self, NewUser, User, UserUpdate};

fn platform_only() -> AppError {
    AppError::Forbidden {
        code: "forbidden",
        message: "only a platform administrator changes a platform administrator's account".into(),
    }
}

/// What the audit log keeps of an account (never its password).
fn audited(u: &User) -> serde_json::Value {
    serde_json::json!({
        "username": u.row.username,
        "display_name": u.row.display_name,
        "role": u.row.role,
        "active": u.row.active,
        "email": u.row.email,
        "offices": u.offices.iter().map(|(_, code)| code).collect::<Vec<_>>(),
    })
}

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
    staff.require_here(Action::Administer)?;
    let body = body.into_inner();
    // Only the platform's administrators make more of themselves.
    if body.role == Role::Platform {
        staff.require_here(Action::ManagePlatform)?;
    }
    let generated = body.password.is_none().then(crate::auth::random_password);
    let password = body
        .password
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let hash = web::block(move || hash_password(&password)).await??;
    let new = NewUser {
        username: body.username,
        display_name: body.display_name,
        password_hash: hash,
        role: body.role,
        municipality_id: staff.actor.municipality_id.clone(),
        office_codes: body.offices,
        email: body
            .email
            .map(|e| crate::domain::validate::email(&e).map_err(|e| AppError::Validation(vec![e])))
            .transpose()?,
    };
    let actor = staff.name();
    let user = state
        .write(move |c| {
            let now = naive(Utc::now());
            let user = users::create(c, &new, now)?;
            audit::record(
                c,
                Change {
                    municipality_id: &user.row.municipality_id,
                    actor: &actor,
                    action: "user.created",
                    target: &user.row.username,
                    before: None,
                    after: Some(audited(&user)),
                },
                now,
            )?;
            Ok(user)
        })
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
    staff.require_here(Action::Administer)?;
    let body = body.into_inner();
    if body.role == Some(Role::Platform) {
        staff.require_here(Action::ManagePlatform)?;
    }
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
        email: match body.email {
            None => None,
            Some(e) if e.trim().is_empty() => Some(None),
            Some(e) => Some(Some(
                crate::domain::validate::email(&e).map_err(|e| AppError::Validation(vec![e]))?,
            )),
        },
    };
    let municipality = staff.actor.municipality_id.clone();
    let id = id.into_inner();
    let may_manage_platform = staff.require_here(Action::ManagePlatform).is_ok();
    let actor = staff.name();
    let password_changed = update.password_hash.is_some();
    let user = state
        .write(move |c| {
            let now = naive(Utc::now());
            let existing = users::by_id(c, &id)?
                .filter(|u| u.row.municipality_id == municipality)
                .ok_or_else(|| AppError::not_found("user_not_found", "no such user"))?;
            // A platform administrator's account is the platform's to change.
            if existing.role()? == Role::Platform && !may_manage_platform {
                return Err(platform_only());
            }
            let user = users::update(c, &id, &update, now)?;
            let mut after = audited(&user);
            after["password_changed"] = password_changed.into();
            audit::record(
                c,
                Change {
                    municipality_id: &municipality,
                    actor: &actor,
                    action: "user.updated",
                    target: &user.row.username,
                    before: Some(audited(&existing)),
                    after: Some(after),
                },
                now,
            )?;
            Ok(user)
        })
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
    staff.require_here(Action::Administer)?;
    let password = crate::auth::random_password();
    let hash = {
        let password = password.clone();
        web::block(move || hash_password(&password)).await??
    };
    let may_manage_platform = staff.require_here(Action::ManagePlatform).is_ok();
    let (municipality, actor, id) = (
        staff.actor.municipality_id.clone(),
        staff.name(),
        id.into_inner(),
    );
    state
        .write(move |c| {
            let now = naive(Utc::now());
            let user = users::by_id(c, &id)?
                .filter(|u| u.row.municipality_id == municipality)
                .ok_or_else(|| AppError::not_found("user_not_found", "no such user"))?;
            if user.role()? == Role::Platform && !may_manage_platform {
                return Err(platform_only());
            }
            let update = UserUpdate {
                password_hash: Some(hash),
                ..Default::default()
            };
            users::update(c, &id, &update, now)?;
            let change = Change {
                municipality_id: &municipality,
                actor: &actor,
                action: "user.password_reset",
                target: &user.row.username,
                before: None,
                after: None,
            };
            audit::record(c, change, now)
        })
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
        .read(move |c| crate::store::outbox::dead_for(c, &m, 1000))
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
    staff.require_here(Action::Administer)?;
    let id = id.into_inner();
    let (m, actor) = (staff.actor.municipality_id.clone(), staff.name());
    state
        .write(move |c| {
            // Only rows about this municipality's reports.
            let row = crate::store::outbox::find(c, &id)?;
            let report = match row.and_then(|r| r.report_id) {
                Some(rid) => crate::store::reports::by_ids(c, &[rid])?.pop(),
                None => None,
            };
            if report.is_none_or(|r| r.municipality_id != m) {
                return Err(AppError::not_found(
                    "outbox_row_not_found",
                    "no dead notification with that id",
                ));
            }
            let now = naive(Utc::now());
            crate::store::outbox::retry(c, &id, now)?;
            let change = Change {
                municipality_id: &m,
                actor: &actor,
                action: "notification.retried",
                target: &id,
                before: None,
                after: None,
            };
            audit::record(c, change, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
