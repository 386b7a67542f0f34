//! `GET /api/v1/reports/clusters?bbox=…&zoom=…`: the map at the scale of a
//! town or a province, as counts per grid square by status. Read from the
//! counts the database keeps per cell, so its cost follows the number of
//! squares, not the number of reports. No personal data.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::grid::{self, ClusterGrid};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::params::{parse_bbox, parse_codes, parse_statuses};
use crate::http::AppState;
use crate::store::{catalog, spatial};

/// Deepest zoom a map library asks for.
pub const MAX_ZOOM: u8 = 22;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClustersQuery {
    /// `minLon,minLat,maxLon,maxLat` (WGS84), min < max.
    #[param(value_type = Vec<f64>, style = Form, explode = false, min_items = 4, max_items = 4)]
    pub bbox: Option<String>,
    /// The map's Web-Mercator zoom, 0–22: it sets the size of the squares
    /// (about 80 screen pixels).
    #[param(value_type = Option<u8>, minimum = 0, maximum = 22)]
    pub zoom: Option<String>,
    /// Comma-separated statuses (default: all but `rejected`).
    #[param(value_type = Option<Vec<crate::domain::report::Status>>, style = Form, explode = false, min_items = 1)]
    pub status: Option<String>,
    /// Comma-separated category codes.
    pub category: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClusterItem {
    /// Where to draw it: the centroid of its reports.
    pub lat: f64,
    pub lon: f64,
    pub count: i64,
    /// Reports per status.
    pub by_status: BTreeMap<String, i64>,
    /// The square it counts, `[minLon, minLat, maxLon, maxLat]`: zoom to it
    /// to see its reports.
    pub bbox: [f64; 4],
}

#[derive(Serialize, ToSchema)]
pub struct ClusterPage {
    /// Side of a square, in degrees.
    pub cell_deg: f64,
    /// Reports in all the squares.
    pub total: i64,
    pub clusters: Vec<ClusterItem>,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/clusters",
    tag = "reports",
    params(ClustersQuery),
    responses(
        (status = 200, description = "Reports counted per square of the grid that the box overlaps (whole squares: those on the edge count their reports outside the box too)", body = ClusterPage),
        (status = 400, description = "Missing or invalid bbox, zoom, status or category", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/reports/clusters")]
pub async fn clusters(
    state: web::Data<AppState>,
    q: web::Query<ClustersQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let bbox = parse_bbox(q.bbox.as_deref().ok_or_else(|| {
        AppError::bad_request(ErrorCode::BboxRequired, "the bbox parameter is required")
    })?)?;
    let zoom = q
        .zoom
        .and_then(|z| z.trim().parse::<u8>().ok())
        .filter(|z| *z <= MAX_ZOOM)
        .ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidZoom,
                format!("zoom must be a whole number between 0 and {MAX_ZOOM}"),
            )
        })?;
    let statuses = parse_statuses(q.status.as_deref())?;
    let codes = parse_codes(q.category.as_deref());
    let grid = ClusterGrid::for_zoom(zoom);
    let counts = state
        .read_public(move |conn| {
            let category_ids = match &codes {
                None => None,
                Some(codes) => Some(catalog::category_ids_by_codes(conn, codes)?),
            };
            Ok(spatial::cell_counts(
                conn,
                grid.level,
                bbox,
                &statuses,
                &category_ids,
            )?)
        })
        .await?;
    let clusters: Vec<ClusterItem> = grid::clusters(
        grid,
        counts
            .into_iter()
            .map(|c| (c.cell, c.status, c.n, c.sum_lat, c.sum_lon)),
    )
    .into_iter()
    .map(|c| {
        let (s, w, n, e) = grid.bounds(c.key);
        ClusterItem {
            lat: c.lat,
            lon: c.lon,
            count: c.count,
            by_status: c
                .by_status
                .into_iter()
                .map(|(s, n)| (s.as_str().to_string(), n))
                .collect(),
            bbox: [w, s, e, n],
        }
    })
    .collect();
    Ok(HttpResponse::Ok().json(ClusterPage {
        cell_deg: grid.group as f64 * grid.level.size(),
        total: clusters.iter().map(|c| c.count).sum(),
        clusters,
    }))
}
