//! `GET /api/v1/offices`: the offices of the caller's comune, for the staff
//! console's filters and the reassignment form.

use actix_web::{get, web, HttpResponse};

use super::auth::Staff;
use super::dto::OfficeRef;
use super::AppState;
use crate::error::AppResult;
use crate::store::catalog;

#[utoipa::path(
    get,
    path = "/api/v1/offices",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comune's offices, by name", body = [OfficeRef]),
        (status = 401, description = "Not signed in", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/offices")]
pub async fn list(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    let m = staff.actor.municipality_id.clone();
    let offices = state
        .read(move |c| Ok(catalog::list_offices(c, &m)?))
        .await?;
    let body: Vec<OfficeRef> = offices.iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}
