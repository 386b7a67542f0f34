//! `GET /api/v1/categories`: the categories offered at a point (or in a comune).

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::app::reports::locate;
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{catalog, municipalities};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoriesQuery {
    /// Latitude of the point (with `lon`).
    #[param(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// Longitude of the point (with `lat`).
    #[param(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    /// ISTAT code of the municipality, instead of a point.
    #[param(pattern = "^[0-9]{6}$")]
    pub municipality: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: Option<String>,
    pub description_en: Option<String>,
    /// The parent (group) code, for second-level categories.
    pub parent: Option<String>,
    /// Whether reports can be filed in it (groups are not selectable).
    pub selectable: bool,
    /// "Altro / non so": a supervisor checks the category.
    pub triage: bool,
    pub take_in_sla_hours: i32,
    pub resolution_target_days: i32,
    /// Whether its reports are public: at once (`immediate`), after the
    /// comune's review (`after_review`) or never (`never`).
    pub publication: crate::domain::publication::Policy,
}

#[derive(Serialize, ToSchema)]
pub struct CategoriesResponse {
    pub municipality: String,
    pub municipality_name: String,
    pub categories: Vec<CategoryView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "territory",
    params(CategoriesQuery),
    responses(
        (status = 200, description = "Categories offered there, parents before children", body = CategoriesResponse),
        (status = 400, description = "Neither a point nor a municipality", body = crate::error::ErrorEnvelope),
        (status = 404, description = "Unknown municipality", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Point outside every served territory", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/categories")]
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<CategoriesQuery>,
) -> AppResult<HttpResponse> {
    let municipality_id = match (&q.municipality, q.lat, q.lon) {
        (Some(m), None, None) => m.clone(),
        (None, Some(lat), Some(lon)) => {
            validate::coordinates(lat, lon).map_err(|e| AppError::Validation(vec![e]))?;
            let territory = state.clone();
            state
                .read(move |c| locate(&territory.territory, c, lat, lon))
                .await?
                .id
        }
        _ => {
            return Err(AppError::bad_request(
                ErrorCode::InvalidQuery,
                "give either `lat` and `lon`, or `municipality`",
            ))
        }
    };
    let body = state
        .read_public(move |conn| {
            let m = municipalities::find(conn, &municipality_id)?.ok_or_else(|| {
                AppError::not_found(
                    ErrorCode::MunicipalityNotFound,
                    format!("no municipality {municipality_id}"),
                )
            })?;
            let rows = catalog::public_categories(conn, &m.id)?;
            let by_id: std::collections::HashMap<_, _> = rows
                .iter()
                .map(|c| (c.id.clone(), c.code.clone()))
                .collect();
            let mut parents: Vec<_> = rows.iter().filter(|c| c.parent_id.is_none()).collect();
            parents.sort_by_key(|c| (c.sort_order, c.name_it.clone()));
            let mut categories = Vec::new();
            for parent in parents {
                let children: Vec<_> = rows
                    .iter()
                    .filter(|c| c.parent_id.as_ref() == Some(&parent.id))
                    .collect();
                for c in std::iter::once(parent).chain(children.iter().copied()) {
                    let is_group = c.parent_id.is_none() && !children.is_empty();
                    categories.push(CategoryView {
                        code: c.code.clone(),
                        name_it: c.name_it.clone(),
                        name_en: c.name_en.clone(),
                        description_it: c.description_it.clone(),
                        description_en: c.description_en.clone(),
                        parent: c.parent_id.as_ref().and_then(|p| by_id.get(p).cloned()),
                        selectable: !is_group,
                        triage: c.triage,
                        take_in_sla_hours: c.take_in_sla_hours,
                        resolution_target_days: c.resolution_target_days,
                        publication: crate::domain::publication::effective(
                            m.publication(),
                            c.publication(),
                        ),
                    });
                }
            }
            Ok(CategoriesResponse {
                municipality: m.id,
                municipality_name: m.name,
                categories,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
