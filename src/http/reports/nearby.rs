//! `GET /api/v1/reports/nearby`: open reports close to a point, closest first
//! ("è già stato segnalato?").

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::dto::{map_summary, ReportSummary};
use crate::http::params::parse_codes;
use crate::http::AppState;
use crate::store::{catalog, reports};

pub const DEFAULT_RADIUS_M: f64 = 100.0;
pub const MAX_RADIUS_M: f64 = 2_000.0;
pub const MAX_LIMIT: usize = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[param(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// Radius in metres, 1–2000 (default 100).
    #[param(minimum = 1, maximum = 2000)]
    pub radius_m: Option<f64>,
    /// Comma-separated category codes.
    pub category: Option<String>,
    /// At most this many, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct NearbyReport {
    #[serde(flatten)]
    pub report: ReportSummary,
    pub distance_m: f64,
}

#[derive(Serialize, ToSchema)]
pub struct NearbyResponse {
    pub items: Vec<NearbyReport>,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/nearby",
    tag = "reports",
    params(NearbyQuery),
    responses(
        (status = 200, description = "Active reports within the radius, closest first", body = NearbyResponse),
        (status = 400, description = "Invalid parameters", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/reports/nearby")]
pub async fn nearby(
    state: web::Data<AppState>,
    q: web::Query<NearbyQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    validate::coordinates(q.lat, q.lon)
        .map_err(|e| AppError::bad_request(ErrorCode::InvalidCoordinates, e.message))?;
    let radius = q.radius_m.unwrap_or(DEFAULT_RADIUS_M);
    if !radius.is_finite() || !(1.0..=MAX_RADIUS_M).contains(&radius) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidRadius,
            format!("radius_m must be between 1 and {MAX_RADIUS_M}"),
        ));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidLimit,
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let codes = parse_codes(q.category.as_deref());
    let body = state
        .read_public(move |conn| {
            let category_ids = match &codes {
                None => None,
                Some(codes) => Some(catalog::category_ids_by_codes(conn, codes)?),
            };
            let found = reports::nearby(conn, q.lat, q.lon, radius, category_ids, limit)?;
            let items = found
                .iter()
                .map(|n| NearbyReport {
                    report: map_summary(&n.item),
                    distance_m: n.distance_m.round(),
                })
                .collect();
            Ok(NearbyResponse { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
