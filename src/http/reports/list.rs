//! `GET /api/v1/reports?bbox=…`: the public map and list, newest first, with
//! stable cursor pagination. No personal data.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::dto::{map_summary, ReportSummary};
use crate::http::params::{parse_bbox, parse_codes, parse_statuses};
use crate::http::AppState;
use crate::store::reports::{self, ListFilter};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `minLon,minLat,maxLon,maxLat` (WGS84), min < max.
    #[param(value_type = Option<Vec<f64>>, style = Form, explode = false, min_items = 4, max_items = 4)]
    pub bbox: Option<String>,
    /// Comma-separated statuses (default: all but `rejected`).
    #[param(value_type = Option<Vec<crate::domain::report::Status>>, style = Form, explode = false, min_items = 1)]
    pub status: Option<String>,
    /// Comma-separated category codes.
    pub category: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of reports in the box, newest first", body = ReportPage),
        (status = 400, description = "Missing or invalid bbox, status, limit or cursor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/reports")]
pub async fn list(state: web::Data<AppState>, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let bbox = parse_bbox(q.bbox.as_deref().ok_or_else(|| {
        AppError::bad_request(ErrorCode::BboxRequired, "the bbox parameter is required")
    })?)?;
    let statuses = parse_statuses(q.status.as_deref())?;
    let limit = crate::http::dto::page_limit(q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let before_id = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(c.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidCursor,
                "the cursor is not one this API returned",
            )
        })?),
    };
    let codes = parse_codes(q.category.as_deref());
    let page = state
        .read_public(move |conn| {
            let category_ids = match &codes {
                None => None,
                Some(codes) => Some(crate::store::catalog::category_ids_by_codes(conn, codes)?),
            };
            let filter = ListFilter {
                bbox,
                statuses: statuses.clone(),
                category_ids,
                before_id,
                limit: limit + 1,
            };
            let mut rows = reports::list_in_bbox(conn, &filter)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = if more {
                rows.last().map(|r| r.report.id.to_string())
            } else {
                None
            };
            Ok(ReportPage {
                items: rows.iter().map(map_summary).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
