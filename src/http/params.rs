//! What several handlers read the same way: a map box, lists of statuses
//! and of codes in a query; a request body cut off past a limit.

use futures_util::StreamExt;

use crate::domain::report::Status;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::spatial::Bbox;

pub fn parse_bbox(s: &str) -> AppResult<Bbox> {
    let bad = || {
        AppError::bad_request(
            ErrorCode::InvalidBbox,
            "bbox must be minLon,minLat,maxLon,maxLat in degrees, min < max",
        )
    };
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [min_lon, min_lat, max_lon, max_lat] = parts[..] else {
        return Err(bad());
    };
    let ok = parts.iter().all(|v| v.is_finite())
        && (-180.0..=180.0).contains(&min_lon)
        && (-180.0..=180.0).contains(&max_lon)
        && (-90.0..=90.0).contains(&min_lat)
        && (-90.0..=90.0).contains(&max_lat)
        && min_lon < max_lon
        && min_lat < max_lat;
    if ok {
        Ok(Bbox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        })
    } else {
        Err(bad())
    }
}

pub fn parse_statuses(s: Option<&str>) -> AppResult<Vec<Status>> {
    match s {
        None => Ok(Status::listed().collect()),
        Some(items) => items
            .split(',')
            .map(|p| p.trim().parse::<Status>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                AppError::bad_request(
                    ErrorCode::InvalidStatus,
                    format!("{e}: statuses are {}", status_names()),
                )
            }),
    }
}

fn status_names() -> String {
    Status::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn parse_codes(s: Option<&str>) -> Option<Vec<String>> {
    s.map(|items| {
        items
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    })
}

/// A request body that ends in an error past `limit` bytes.
pub fn limited(
    payload: actix_web::web::Payload,
    limit: usize,
) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>>
{
    let mut seen = 0usize;
    payload.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len();
        if seen > limit {
            Err(actix_web::error::PayloadError::Overflow)
        } else {
            Ok(chunk)
        }
    })
}
