//! `GET /api/v1/municipalities`: the comuni this installation serves.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::domain::calendar::{iso_weekdays, parse_weekdays};
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
    /// The URP (Ufficio Relazioni con il Pubblico), for the pages' contacts box.
    pub urp: UrpView,
}

/// Where a citizen can ask in person, by phone or by email.
#[derive(Serialize, ToSchema)]
pub struct UrpView {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// ISO weekdays it is open, 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u32>,
    /// Opening intervals on those days, e.g. `09:00-13:15,14:15-17:00`.
    pub hours: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/municipalities",
    tag = "territory",
    responses((status = 200, description = "Served municipalities", body = [MunicipalityView]))
)]
#[get("/municipalities")]
pub async fn list(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let rows = state
        .read_public(|c| Ok(municipalities::directory(c)?))
        .await?;
    let body: Vec<MunicipalityView> = rows
        .into_iter()
        .map(|d| {
            let m = d.summary;
            MunicipalityView {
                istat_code: m.id,
                name: m.name,
                code_prefix: m.code_prefix,
                bbox: [m.min_lon, m.min_lat, m.max_lon, m.max_lat],
                timezone: m.timezone,
                reopen_days: m.reopen_days,
                urp: UrpView {
                    weekdays: parse_weekdays(&d.working_weekdays)
                        .map(|days| iso_weekdays(&days))
                        .unwrap_or_default(),
                    hours: d.office_hours,
                    phone: d.urp_phone,
                    email: d.urp_email,
                    address: d.urp_address,
                },
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
