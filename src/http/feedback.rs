//! `POST /api/v1/feedback`: the national model's "Quanto sono chiare le
//! informazioni su questa pagina?" at the foot of every citizen page.
//! Anonymous and cookie-free; counted per client address against abuse.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AppState;
use crate::domain::feedback::{self, Answer};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{naive, page_feedback, rate_limits};

/// Answers accepted per client address per hour (a whole school or office
/// behind one address still fits).
pub const PER_ADDRESS_PER_HOUR: i32 = 60;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The page's route template, e.g. `/segnalazioni/{code}` (see the
    /// component for the list).
    #[schema(
        pattern = "^/(segnala(/inviata)?|segnalazioni(/\\{code\\})?|privacy|accessibilita|note-legali|non-trovata)?$"
    )]
    pub page: String,
    /// 1 to 5 stars.
    #[schema(minimum = 1, maximum = 5)]
    #[serde(deserialize_with = "crate::http::dto::whole::int")]
    pub rating: i32,
    /// From the difficulties (1–3 stars) or the good points (4–5); `other` in both.
    pub answer: Option<Answer>,
    /// "Vuoi aggiungere altri dettagli?" — at most 200 characters, seen by staff only.
    #[schema(max_length = 200)]
    pub detail: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/feedback",
    tag = "reports",
    request_body = FeedbackRequest,
    responses(
        (status = 204, description = "Thank you"),
        (status = 422, description = "Unknown page, stars out of 1-5, an answer not offered for those stars, a detail too long", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many answers from this address", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/feedback")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<FeedbackRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let valid = feedback::validate(&b.page, b.rating, b.answer, b.detail.as_deref())
        .map_err(AppError::Validation)?;
    let key = format!("feedback:{}", state.clients.key(&req));
    let now = naive(Utc::now());
    state
        .write(move |conn| {
            // Counted in the write it guards: a refused answer's rollback
            // gives its hit back.
            let hit = rate_limits::hit(conn, &key, Duration::hours(1), now)?;
            if hit.count > PER_ADDRESS_PER_HOUR {
                return Err(AppError::RateLimited {
                    code: ErrorCode::TooManyFeedbackAnswers,
                    message: "too many answers from this address: please retry later".into(),
                    retry_after: hit.resets_in,
                });
            }
            Ok(page_feedback::insert(conn, &valid, now)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
