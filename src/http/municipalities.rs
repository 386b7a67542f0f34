//! `GET /api/v1/municipalities`: the comuni this installation serves.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::AppResult;
use crate::store::municipalities;

#[derive(Serialize, ToSchema)]
pub struct MunicipalityView {
    /// ISTAT code, e.g. `050026`.
    pub istat_code: String,
    pub name: String,
    /// Prefix of its report codes, e.g. `PI`.
    pub code_prefix: String,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
    pub timezone: String,
    /// Days after resolution within which a citizen may reopen a report.
    pub reopen_days: i32,
}

#[utoipa::path(
    get,
    path = "/api/v1/municipalities",
    tag = "territory",
    responses((status = 200, description = "Served municipalities", body = [MunicipalityView]))
)]
#[get("/municipalities")]
pub async fn list(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let rows = state.read(municipalities::list).await?;
    let body: Vec<MunicipalityView> = rows
        .into_iter()
        .map(|m| MunicipalityView {
            istat_code: m.id,
            name: m.name,
            code_prefix: m.code_prefix,
            bbox: [m.min_lon, m.min_lat, m.max_lon, m.max_lat],
            timezone: m.timezone,
            reopen_days: m.reopen_days,
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
