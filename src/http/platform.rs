//! The platform, for a province or region hosting many comuni: its
//! administrators (role `platform`) search the national list of comuni, serve
//! a new one — boundary from the national file, code prefix, optionally the
//! starter catalogue — and create its first administrator, whose password
//! is shown once. Recorded in the new comune's audit log.

use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::AppState;
use crate::app::platform::{self, AdminAccount};
use crate::auth::{hash_password, random_password};
use crate::comuni::NewComune;
use crate::domain::permissions::Action;
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{municipalities, naive};

#[derive(Serialize, ToSchema)]
pub struct ServedComune {
    /// ISTAT code.
    pub istat: String,
    pub name: String,
    pub code_prefix: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/platform/municipalities",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every comune the platform serves", body = [ServedComune]),
        (status = 403, description = "Not a platform administrator", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/platform/municipalities")]
pub async fn list(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_here(Action::ManagePlatform)?;
    let served = state.read(|c| Ok(municipalities::list(c)?)).await?;
    let body: Vec<ServedComune> = served
        .into_iter()
        .map(|m| ServedComune {
            istat: m.id,
            name: m.name,
            code_prefix: m.code_prefix,
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of a comune's name or its ISTAT code (2 characters at least).
    #[param(min_length = 2, max_length = 80)]
    pub q: String,
}

#[derive(Serialize, ToSchema)]
pub struct ComuneEntry {
    pub istat: String,
    pub name: String,
    pub province: String,
    pub region: String,
    /// Whether the platform already serves it.
    pub served: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/platform/comuni",
    tag = "admin",
    security(("bearer" = [])),
    params(SearchQuery),
    responses(
        (status = 200, description = "Up to 20 comuni of Italy (ISTAT, 2024) matching the query", body = [ComuneEntry]),
        (status = 403, description = "Not a platform administrator", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/platform/comuni")]
pub async fn search(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::ManagePlatform)?;
    let query = q.into_inner().q;
    if !(2..=80).contains(&query.trim().chars().count()) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidQuery,
            "`q` has 2 to 80 characters",
        ));
    }
    let found = web::block(move || -> AppResult<_> {
        Ok(crate::boundaries::search(
            &crate::boundaries::national()?,
            &query,
        ))
    })
    .await??;
    let served: Vec<String> = state
        .read(|c| Ok(municipalities::list(c)?))
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let body: Vec<ComuneEntry> = found
        .into_iter()
        .take(20)
        .map(|e| ComuneEntry {
            served: served.contains(&e.istat),
            istat: e.istat,
            name: e.name,
            province: e.province,
            region: e.region,
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    #[schema(pattern = "^[A-Za-z0-9.@_-]{3,64}$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 120)]
    pub display_name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddComuneRequest {
    /// ISTAT code of a comune of Italy (six digits).
    #[schema(pattern = "^[0-9]{6}$")]
    pub istat: String,
    /// The reports' code prefix; default: the province's abbreviation, or
    /// the cadastral code when that is taken.
    #[schema(pattern = "^[A-Z0-9]{1,6}$")]
    pub prefix: Option<String>,
    /// Install the starter catalogue (offices and categories to adapt).
    #[serde(default)]
    pub starter: bool,
    pub urp_email: Option<String>,
    pub admin: FirstAdmin,
}

#[derive(Serialize, ToSchema)]
pub struct AddedComune {
    pub comune: ServedComune,
    /// Offices and categories of the starter catalogue, when installed.
    pub offices: Option<usize>,
    pub categories: Option<usize>,
    pub admin_username: String,
    /// Shown this once: give it to the comune's administrator.
    pub admin_password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/platform/municipalities",
    tag = "admin",
    security(("bearer" = [])),
    request_body = AddComuneRequest,
    responses(
        (status = 201, description = "Served from now on, with its first administrator (password shown once)", body = AddedComune),
        (status = 403, description = "Not a platform administrator", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Already served (`municipality_exists`), or the username is taken", body = crate::error::ErrorEnvelope),
        (status = 422, description = "No such comune in the national list, or invalid fields", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/platform/municipalities")]
pub async fn add(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<AddComuneRequest>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::ManagePlatform)?;
    let b = body.into_inner();
    let display_name = validate::required_text("display_name", Some(&b.admin.display_name), 120)
        .map_err(|e| AppError::Validation(vec![e.named("admin.display_name")]))?;
    let urp_email = b
        .urp_email
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            validate::Email::parse("urp_email", &e)
                .map(validate::Email::into_string)
                .map_err(|e| AppError::Validation(vec![e]))
        })
        .transpose()?;
    let admin_password = random_password();
    let hash = {
        let password = admin_password.clone();
        web::block(move || hash_password(&password)).await??
    };
    let doc = web::block(crate::boundaries::national).await??;
    let actor = staff.name();
    let comune = NewComune {
        istat: b.istat,
        name: None,
        prefix: b.prefix,
        urp_email,
        starter: b.starter,
    };
    let admin = AdminAccount {
        username: b.admin.username,
        display_name,
        password_hash: hash,
    };
    let added = state
        .write(move |c| {
            let (served, admin) =
                platform::serve_comune(c, &actor, &doc, comune, admin, naive(Utc::now()))?;
            let m = served.municipality;
            Ok(AddedComune {
                comune: ServedComune {
                    istat: m.id,
                    name: m.name,
                    code_prefix: m.code_prefix,
                },
                offices: served.catalogue.map(|(o, _)| o),
                categories: served.catalogue.map(|(_, c)| c),
                admin_username: admin.row.username,
                admin_password,
            })
        })
        .await?;
    tracing::info!(platform.user = %staff.name(), comune = %added.comune.istat, "comune served");
    Ok(HttpResponse::Created().json(added))
}
