//! `POST /api/v1/auth/login`, `GET /api/v1/auth/me`, and the `Staff`
//! extractor that turns a Bearer token into a current, active staff member.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::auth::{dummy_hash, verify_password};
use crate::domain::permissions::{decide, Action, Decision, Role, Scope, StaffActor};
use crate::domain::report::{Actor, ActorKind};
use crate::error::{AppError, AppResult};
use crate::store::users::{self, User};
use crate::store::{api_keys, naive, rate_limits, utc};

/// Failed logins per client IP per window before the IP is refused.
const IP_FAILURES: i32 = 20;
const IP_WINDOW_MINUTES: i64 = 15;

/// A signed-in staff member, re-read from the database on every request: a
/// disabled account or a changed password takes effect at once. An
/// integration with an API key (an external office's own system) acts as
/// office staff of its office.
pub struct Staff {
    pub actor: StaffActor,
    /// The user, for people; `None` for an API key.
    pub user: Option<User>,
    /// The API key's id, for integrations.
    pub api_key: Option<String>,
}

impl Staff {
    /// Who the timeline records.
    pub fn event_actor(&self) -> Actor {
        match &self.api_key {
            Some(id) => Actor {
                kind: ActorKind::Integration,
                id: Some(id.clone()),
            },
            None => Actor::user(&self.actor.user_id),
        }
    }

    /// A name for logs.
    pub fn name(&self) -> String {
        self.user
            .as_ref()
            .map(|u| u.row.username.clone())
            .unwrap_or_else(|| format!("apikey:{}", self.actor.user_id))
    }

    pub fn role(&self) -> Role {
        self.actor.role
    }

    /// Checks a permission for an action on the staff member's own
    /// municipality as a whole (not on one report).
    pub fn require_here(&self, action: Action) -> AppResult<()> {
        self.require(
            action,
            Scope::municipality(&self.actor.municipality_id),
            "not_found",
        )
    }

    /// Checks a permission: hidden things are 404 (`not_found_code`), forbidden ones 403.
    pub fn require(
        &self,
        action: Action,
        scope: Scope<'_>,
        not_found_code: &'static str,
    ) -> AppResult<()> {
        match decide(&self.actor, action, scope) {
            Decision::Allow => Ok(()),
            Decision::Hidden => Err(AppError::not_found(not_found_code, "not found")),
            Decision::Forbidden => Err(AppError::Forbidden {
                code: "forbidden",
                message: format!("a {} cannot do this", self.actor.role),
            }),
        }
    }
}

fn unauthorized(code: &'static str, message: &str) -> AppError {
    AppError::Unauthorized {
        code,
        message: message.to_string(),
    }
}

fn bearer(req: &HttpRequest) -> Option<Result<String, AppError>> {
    let header = req.headers().get("Authorization")?;
    Some(
        header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string())
            .ok_or_else(|| unauthorized("invalid_token", "use `Authorization: Bearer <token>`")),
    )
}

async fn authenticate(state: web::Data<AppState>, token: String) -> AppResult<Staff> {
    let claims = state
        .keys
        .verify(&token)
        .ok_or_else(|| unauthorized("invalid_token", "the token is invalid or expired"))?;
    let user = state
        .read(move |c| users::by_id(c, &claims.sub).map(|u| u.map(|u| (u, claims.ver))))
        .await?
        .filter(|(u, ver)| u.row.active && u.row.token_version == *ver)
        .map(|(u, _)| u)
        .ok_or_else(|| {
            unauthorized(
                "invalid_token",
                "the token is no longer valid: sign in again",
            )
        })?;
    let actor = user.actor()?;
    Ok(Staff {
        user: Some(user),
        actor,
        api_key: None,
    })
}

async fn authenticate_key(state: web::Data<AppState>, key: String) -> AppResult<Staff> {
    let row = state
        .read(move |c| api_keys::find_active(c, &key))
        .await?
        .ok_or_else(|| unauthorized("invalid_api_key", "the API key is unknown or revoked"))?;
    let actor = StaffActor {
        user_id: row.id.clone(),
        role: Role::Office,
        municipality_id: row.municipality_id.clone(),
        office_ids: row.office_id.iter().cloned().collect(),
        integration: true,
    };
    Ok(Staff {
        actor,
        user: None,
        api_key: Some(row.id),
    })
}

/// `X-Api-Key: <key>` or `Authorization: ApiKey <key>`.
fn api_key(req: &HttpRequest) -> Option<String> {
    if let Some(k) = req.headers().get("X-Api-Key").and_then(|v| v.to_str().ok()) {
        return Some(k.trim().to_string());
    }
    req.headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("ApiKey "))
        .map(|k| k.trim().to_string())
}

impl FromRequest for Staff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let key = api_key(req);
        let token = if key.is_some() { None } else { bearer(req) };
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("no application state"))?;
            if let Some(key) = key {
                return Ok(authenticate_key(state, key).await?);
            }
            let token = token.ok_or_else(|| {
                unauthorized("unauthorized", "sign in: this needs a staff token")
            })??;
            Ok(authenticate(state, token).await?)
        })
    }
}

/// A staff member if a token is sent (a bad token is still a 401), or nobody.
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequest for MaybeStaff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let Some(token) = token else {
                return Ok(MaybeStaff(None));
            };
            let state = state.ok_or_else(|| AppError::internal("no application state"))?;
            Ok(MaybeStaff(Some(authenticate(state, token?).await?)))
        })
    }
}

/// The client's IP: the peer address, or `X-Forwarded-For` behind a trusted proxy.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    let info = req.connection_info();
    let ip = if trust_forwarded_for {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    let raw = ip.unwrap_or("unknown");
    raw.parse::<std::net::SocketAddr>()
        .map(|a| a.ip().to_string())
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(|a| a.to_string()))
        .unwrap_or_else(|_| raw.to_string())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct StaffView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub municipality: String,
    /// Office codes.
    pub offices: Vec<String>,
}

pub fn staff_view(u: &User) -> AppResult<StaffView> {
    Ok(StaffView {
        id: u.row.id.clone(),
        username: u.row.username.clone(),
        display_name: u.row.display_name.clone(),
        role: u.role()?,
        municipality: u.row.municipality_id.clone(),
        offices: u.offices.iter().map(|(_, code)| code.clone()).collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: StaffView,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "staff",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many failures: account or address locked for a while", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.into_inner();
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    let ip_key = format!("login:{ip}");
    let now = Utc::now();
    let window = Duration::minutes(IP_WINDOW_MINUTES);

    let (key, name) = (ip_key.clone(), username.clone());
    let (blocked, user) = state
        .read(move |c| {
            Ok((
                rate_limits::check(c, &key, window, IP_FAILURES, naive(now))?,
                users::by_username(c, &name)?,
            ))
        })
        .await?;
    if let Some(retry) = blocked {
        tracing::warn!(auth.username = %username, client.ip = %ip, "login refused: too many failures from this address");
        return Err(AppError::RateLimited {
            code: "too_many_attempts",
            message: "too many failed sign-ins from this address".into(),
            retry_after: retry,
        });
    }
    if let Some(until) = user
        .as_ref()
        .and_then(|u| u.row.locked_until)
        .map(utc)
        .filter(|t| *t > now)
    {
        tracing::warn!(auth.username = %username, "login refused: account locked");
        return Err(AppError::RateLimited {
            code: "account_locked",
            message: "too many failed sign-ins: the account is locked for a while".into(),
            retry_after: (until - now).num_seconds().max(1),
        });
    }
    // Verify off the async executor (argon2 is deliberately slow); unknown
    // users are checked against a dummy hash so timing reveals nothing.
    let hash = user
        .as_ref()
        .map(|u| u.row.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = web::block(move || verify_password(&hash, &password)).await?
        && user.as_ref().is_some_and(|u| u.row.active);

    match user {
        Some(user) if ok => {
            let id = user.row.id.clone();
            state.write(move |c| users::record_success(c, &id)).await?;
            let token =
                state
                    .keys
                    .issue(&user.row.id, &user.row.role, user.row.token_version, now)?;
            tracing::info!(auth.username = %user.row.username, auth.role = %user.row.role, "login succeeded");
            Ok(HttpResponse::Ok()
                .insert_header(("Cache-Control", "no-store"))
                .json(LoginResponse {
                    access_token: token,
                    token_type: "Bearer".into(),
                    expires_in: state.keys.ttl_seconds,
                    user: staff_view(&user)?,
                }))
        }
        failed => {
            let id = failed.map(|u| u.row.id);
            let failures = state
                .write(move |c| {
                    rate_limits::hit(c, &ip_key, window, naive(now))?;
                    id.map(|id| users::record_failure(c, &id, naive(now)))
                        .transpose()
                })
                .await?
                .unwrap_or(1);
            tracing::warn!(auth.username = %username, client.ip = %ip, auth.failures = failures, "login failed");
            // Slow down guessing: each failure in a row costs more time.
            let delay = 150 * u64::from(failures.clamp(1, 10).unsigned_abs());
            actix_web::rt::time::sleep(std::time::Duration::from_millis(delay)).await;
            Err(unauthorized(
                "invalid_credentials",
                "wrong username or password",
            ))
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "staff",
    security(("bearer" = [])),
    responses((status = 200, description = "Who is signed in", body = StaffView), (status = 401, description = "No valid token", body = crate::error::ErrorEnvelope))
)]
#[get("/auth/me")]
pub async fn me(staff: Staff) -> AppResult<HttpResponse> {
    match &staff.user {
        Some(user) => Ok(HttpResponse::Ok().json(staff_view(user)?)),
        None => Err(AppError::not_found(
            "not_a_user",
            "an API key is not a user",
        )),
    }
}
