//! `POST /api/v1/auth/login`, `GET /api/v1/auth/me`, and the `Staff`
//! extractor that turns a Bearer token into a current, active staff member.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{report_view, Audience};
use super::AppState;
use crate::app::reports::bundle;
use crate::auth::{dummy_hash, verify_password};
use crate::domain::permissions::{Action, Role, Scope, StaffActor};
use crate::domain::report::{Actor, ActorKind};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::reports::ReportRow;
use crate::store::users::{self, User};
use crate::store::{api_keys, naive, rate_limits, DbConn};

/// Sign-in attempts counted per window (minutes).
const LOGIN_WINDOW_MINUTES: i64 = 15;
/// Attempts (good ones are given back) from one client address, on any
/// account, before the address is refused for the rest of the window.
const ADDRESS_ATTEMPTS: i32 = 20;
/// Good sign-ins per address and window that give their attempt back: a
/// busy office signs in this often; an attacker holding one valid account
/// gains at most this many extra guesses (each account still 5).
const ADDRESS_GIVE_BACKS: i32 = 200;
/// Attempts on one account from one client address before that pair is
/// refused: the owner elsewhere can still sign in.
const PAIR_ATTEMPTS: i32 = 5;
/// Each recent failure on an account, from anywhere, delays every attempt on
/// it by this much more …
const ACCOUNT_DELAY_STEP_MS: u64 = 100;
/// … up to this bound.
const ACCOUNT_DELAY_MAX_MS: u64 = 2_000;

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

    /// The administrator this account is, for a change to its comune, now:
    /// the one way to make an [`Admin`](crate::app::admin::Admin) from a
    /// request, so no admin change runs without `Action::Administer`.
    pub fn admin(&self) -> AppResult<crate::app::admin::Admin> {
        self.require_here(Action::Administer)?;
        Ok(crate::app::admin::Admin {
            municipality: self.actor.municipality_id.clone(),
            name: self.name(),
            actor: self.event_actor(),
            platform: self.require_here(Action::ManagePlatform).is_ok(),
            now: chrono::Utc::now(),
        })
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
            ErrorCode::NotFound,
        )
    }

    /// Checks that the staff member may do at least one of `actions` on
    /// their own municipality (say, read the configuration: administrators
    /// and supervisors); the last one's refusal is the answer otherwise.
    pub fn require_any_here(&self, actions: &[Action]) -> AppResult<()> {
        let mut refused = Ok(());
        for &action in actions {
            refused = self.require_here(action);
            if refused.is_ok() {
                break;
            }
        }
        refused
    }

    /// Does `act` to a report in one write transaction, as this staff member
    /// (recorded on the timeline as whom [`Staff::event_actor`] names), and
    /// answers with the report as staff see it, without the citizen's
    /// personal data.
    pub async fn act_on_report(
        self,
        state: &AppState,
        act: impl FnOnce(&mut DbConn, &StaffActor, &Actor) -> AppResult<ReportRow> + Send + 'static,
    ) -> AppResult<HttpResponse> {
        let view = state
            .write(move |conn| {
                let by = self.event_actor();
                let report = act(conn, &self.actor, &by)?;
                Ok(report_view(
                    &bundle(conn, report, false)?,
                    Audience::Staff { personal: false },
                ))
            })
            .await?;
        Ok(HttpResponse::Ok().json(view))
    }

    /// Checks a permission: hidden things are 404 (`not_found_code`), forbidden ones 403.
    pub fn require(
        &self,
        action: Action,
        scope: Scope<'_>,
        not_found_code: ErrorCode,
    ) -> AppResult<()> {
        crate::app::permit(&self.actor, action, scope, not_found_code)
    }
}

fn unauthorized(code: ErrorCode, message: &str) -> AppError {
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
            .ok_or_else(|| {
                unauthorized(
                    ErrorCode::InvalidToken,
                    "use `Authorization: Bearer <token>`",
                )
            }),
    )
}

async fn authenticate(state: web::Data<AppState>, token: String) -> AppResult<Staff> {
    let claims = state
        .keys
        .verify(&token)
        .ok_or_else(|| unauthorized(ErrorCode::InvalidToken, "the token is invalid or expired"))?;
    let user = state
        .read(move |c| Ok(users::by_id(c, &claims.sub).map(|u| u.map(|u| (u, claims.ver)))?))
        .await?
        .filter(|(u, ver)| u.row.active && u.row.token_version == *ver)
        .map(|(u, _)| u)
        .ok_or_else(|| {
            unauthorized(
                ErrorCode::InvalidToken,
                "the token is no longer valid: sign in again",
            )
        })?;
    let actor = user.actor();
    Ok(Staff {
        user: Some(user),
        actor,
        api_key: None,
    })
}

async fn authenticate_key(state: web::Data<AppState>, key: String) -> AppResult<Staff> {
    let row = state
        .read(move |c| Ok(api_keys::find_active(c, &key)?))
        .await?
        .ok_or_else(|| {
            unauthorized(
                ErrorCode::InvalidApiKey,
                "the API key is unknown or revoked",
            )
        })?;
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
                unauthorized(ErrorCode::Unauthorized, "sign in: this needs a staff token")
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
    /// False once an administrator disabled the account.
    pub active: bool,
}

pub fn staff_view(u: &User) -> AppResult<StaffView> {
    Ok(StaffView {
        id: u.row.id.clone(),
        username: u.row.username.clone(),
        display_name: u.row.display_name.clone(),
        role: u.row.role,
        municipality: u.row.municipality_id.to_string(),
        offices: u.offices.iter().map(|(_, code)| code.clone()).collect(),
        active: u.row.active,
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

/// How one sign-in attempt is counted: per client address, per (account,
/// client address) and per account, each under its own key.
struct LoginKeys {
    address: String,
    pair: String,
    account: String,
    /// Good sign-ins from the address: each gives its attempt back to the
    /// address, up to [`ADDRESS_GIVE_BACKS`] a window.
    ok: String,
}

impl LoginKeys {
    fn new(username: &str, address: &str) -> Self {
        // The key names the username as typed (known or not, so that unknown
        // names behave exactly like known ones), made safe to store.
        let who: String = username
            .trim()
            .to_lowercase()
            .chars()
            .take(64)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        Self {
            address: format!("login:address:{address}"),
            pair: format!("login:pair:{who}:{address}"),
            account: format!("login:account:{who}"),
            ok: format!("login:ok:{address}"),
        }
    }
}

/// What counting an attempt decided.
enum Admission {
    /// Go on, after this delay.
    Verify(std::time::Duration),
    Refused(AppError),
}

/// Counts an attempt **before** any password is checked, in one transaction:
/// of N parallel attempts, at most the limit are ever verified.
fn admit(
    conn: &mut crate::store::DbConn,
    keys: &LoginKeys,
    now: chrono::NaiveDateTime,
) -> AppResult<Admission> {
    let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
    let address = rate_limits::hit(conn, &keys.address, window, now)?;
    if let Some(refused) = over_limits(address, None) {
        return Ok(Admission::Refused(refused));
    }
    let pair = rate_limits::hit(conn, &keys.pair, window, now)?;
    if let Some(refused) = over_limits(address, Some(pair)) {
        return Ok(Admission::Refused(refused));
    }
    let failures = rate_limits::count(conn, &keys.account, window, now)?;
    Ok(Admission::Verify(account_delay(failures)))
}

/// Whether an address (and an account from it) is already past its limits:
/// checked on a read first, so that a flood of refused attempts never takes
/// the write lock.
fn over_limits(address: rate_limits::Hit, pair: Option<rate_limits::Hit>) -> Option<AppError> {
    if address.count > ADDRESS_ATTEMPTS {
        return Some(AppError::RateLimited {
            code: ErrorCode::TooManyAttempts,
            message: "too many failed sign-ins from this address".into(),
            retry_after: address.resets_in,
        });
    }
    let pair = pair?;
    (pair.count > PAIR_ATTEMPTS).then(|| AppError::RateLimited {
        code: ErrorCode::AccountLocked,
        message: "too many failed sign-ins to this account from this address: \
                  retry later, or from another network"
            .into(),
        retry_after: pair.resets_in,
    })
}

/// The read-only check before counting: refused without a write when the
/// limits are already reached.
fn refused_already(
    conn: &mut crate::store::DbConn,
    keys: &LoginKeys,
    now: chrono::NaiveDateTime,
) -> AppResult<Option<AppError>> {
    let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
    let address = rate_limits::current(conn, &keys.address, window, now)?;
    let pair = rate_limits::current(conn, &keys.pair, window, now)?;
    // `current` counts what was; the next attempt would be one more.
    let next = |h: rate_limits::Hit| rate_limits::Hit {
        count: h.count + 1,
        ..h
    };
    Ok(over_limits(next(address), Some(next(pair))))
}

/// The delay before an attempt on an account that failed `failures` times
/// lately, from anywhere: it grows with the failures and stops at a bound,
/// so a guesser is slowed everywhere and the owner is never kept out.
fn account_delay(failures: i32) -> std::time::Duration {
    let steps = u64::from(failures.max(0).unsigned_abs());
    std::time::Duration::from_millis((ACCOUNT_DELAY_STEP_MS * steps).min(ACCOUNT_DELAY_MAX_MS))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "staff",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong username or password (the same answer for unknown usernames)", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts from this address (`too_many_attempts`), or to this account from this address (`account_locked`); see Retry-After", body = crate::error::ErrorEnvelope),
        (status = 503, description = "Too many sign-ins being checked at once (`busy_signing_in`); see Retry-After", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.into_inner();
    let address = state.clients.key(&req);
    let keys = std::sync::Arc::new(LoginKeys::new(&username, &address));
    let now = Utc::now();
    let delay = match admission(&state, &keys, now).await? {
        Admission::Verify(delay) => delay,
        Admission::Refused(e) => {
            tracing::warn!(auth.username = ?username, client.address = %address, error.code = e.code().as_str(), "login refused");
            return Err(e);
        }
    };
    actix_web::rt::time::sleep(delay).await;
    if let Some(user) = verified_user(&state, &username, password).await? {
        return signed_in(&state, keys, user, now).await;
    }
    let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
    let failures = state
        .write(move |c| Ok(rate_limits::hit(c, &keys.account, window, naive(now))?))
        .await?
        .count;
    tracing::warn!(auth.username = ?username, client.address = %address, auth.account_failures = failures, "login failed");
    Err(unauthorized(
        ErrorCode::InvalidCredentials,
        "wrong username or password",
    ))
}

/// Whether the attempt goes on to its password: refused on a read when the
/// limits are already reached, else counted (see [`admit`]).
async fn admission(
    state: &AppState,
    keys: &std::sync::Arc<LoginKeys>,
    now: chrono::DateTime<Utc>,
) -> AppResult<Admission> {
    let k = keys.clone();
    let refused = state
        .read(move |c| refused_already(c, &k, naive(now)))
        .await?;
    if let Some(e) = refused {
        return Ok(Admission::Refused(e));
    }
    let k = keys.clone();
    state.write(move |c| admit(c, &k, naive(now))).await
}

/// The user `username`, if `password` is theirs and they are active.
async fn verified_user(
    state: &AppState,
    username: &str,
    password: String,
) -> AppResult<Option<User>> {
    let name = username.to_string();
    let user = state
        .read(move |c| Ok(users::by_username(c, &name)?))
        .await?;
    // Unknown users are checked against a dummy hash (same parameters), so
    // that neither the answer nor its timing tells which usernames exist.
    let hash = user
        .as_ref()
        .map(|u| u.row.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let verifying = state.gates.password.enter().await?;
    let ok = web::block(move || verify_password(&hash, &password)).await?
        && user.as_ref().is_some_and(|u| u.row.active);
    drop(verifying);
    Ok(user.filter(|_| ok))
}

/// A good attempt: what it counted is given back, and the user gets a token.
async fn signed_in(
    state: &AppState,
    keys: std::sync::Arc<LoginKeys>,
    user: User,
    now: chrono::DateTime<Utc>,
) -> AppResult<HttpResponse> {
    state
        .write(move |c| {
            // A good attempt is not held against the account, nor
            // against the address (a URP office behind one address
            // signs in all morning) — up to a bound, so that one
            // valid account cannot clear the address's count forever.
            let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
            if rate_limits::hit(c, &keys.ok, window, naive(now))?.count <= ADDRESS_GIVE_BACKS {
                rate_limits::give_back(c, &keys.address)?;
            }
            rate_limits::clear(c, &keys.pair)?;
            Ok(rate_limits::clear(c, &keys.account)?)
        })
        .await?;
    let token = state.keys.issue(
        &user.row.id,
        user.row.role.as_str(),
        user.row.token_version,
        now,
    )?;
    tracing::info!(auth.username = ?user.row.username, auth.role = %user.row.role, "login succeeded");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(LoginResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.keys.ttl_seconds,
            user: staff_view(&user)?,
        }))
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
            ErrorCode::NotAUser,
            "an API key is not a user",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_delay_grows_and_stops() {
        assert_eq!(account_delay(0), std::time::Duration::ZERO);
        assert_eq!(account_delay(3), std::time::Duration::from_millis(300));
        assert_eq!(
            account_delay(10_000),
            std::time::Duration::from_millis(ACCOUNT_DELAY_MAX_MS)
        );
        assert_eq!(account_delay(-1), std::time::Duration::ZERO);
    }

    #[test]
    fn login_keys_are_safe_and_shared_by_spellings() {
        let a = LoginKeys::new(" Mario ", "198.51.100.7");
        let b = LoginKeys::new("mario", "198.51.100.7");
        assert_eq!(
            (a.pair.as_str(), a.account.as_str()),
            (b.pair.as_str(), b.account.as_str())
        );
        let odd = LoginKeys::new("ma\nrio\u{0}", "x");
        assert!(
            !odd.account.chars().any(char::is_control),
            "{}",
            odd.account
        );
    }
}
