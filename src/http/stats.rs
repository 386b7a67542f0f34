//! `GET /api/v1/stats/offices?from=&to=`: per office, received, taken in,
//! taken in within the deadline, median and 90th-percentile take-in time, open
//! backlog and the oldest open report. JSON, or CSV with `format=csv`.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::dto::OfficeRef;
use super::AppState;
use crate::domain::ids::{CategoryId, OfficeId};
use crate::domain::permissions::Action;
use crate::domain::stats::{by_office, public_counts, OfficeStats, ReportFacts};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::municipalities::{self, Chosen};
use crate::store::reports::{self, StatRow};
use crate::store::{catalog, naive, utc};

/// The longest period one call may cover.
pub const MAX_DAYS: i64 = 366;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day (YYYY-MM-DD, local) or instant (RFC 3339); default 30 days ago.
    #[param(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    pub from: Option<String>,
    /// Day after the last (YYYY-MM-DD) or instant; default now.
    #[param(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OfficeStatsView {
    /// The office (none: reports waiting in triage).
    pub office: Option<OfficeRef>,
    pub received: u64,
    pub taken_in: u64,
    pub taken_in_within_deadline: u64,
    pub within_deadline_pct: Option<f64>,
    pub median_take_in_hours: Option<f64>,
    pub p90_take_in_hours: Option<f64>,
    pub open_backlog: u64,
    pub overdue_now: u64,
    pub oldest_open_code: Option<String>,
    pub oldest_open_received_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct OfficeStatsResponse {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub offices: Vec<OfficeStatsView>,
    /// "Quanto è stato facile usare questo servizio?", answered in the period.
    pub service_rating: RatingSummary,
    /// "Quanto sono chiare le informazioni su questa pagina?", per citizen
    /// page, answered in the period (the whole site's, not one comune's).
    pub page_feedback: Vec<PageFeedbackSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct PageFeedbackSummary {
    /// Route template, e.g. `/segnalazioni/{code}`.
    pub page: String,
    pub count: i64,
    /// 1 to 5 stars.
    pub average: Option<f64>,
    /// Answers per star, 1 to 5.
    pub histogram: [i64; 5],
    /// How often each answer of the model's lists was chosen.
    pub answers: Vec<AnswerCount>,
    /// The latest details written (newest first, at most 20).
    pub details: Vec<FeedbackDetail>,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerCount {
    pub answer: crate::domain::feedback::Answer,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackDetail {
    pub at: DateTime<Utc>,
    pub rating: i32,
    pub text: String,
}

fn page_feedback_view(
    pages: std::collections::BTreeMap<String, crate::store::page_feedback::PageSummary>,
) -> Vec<PageFeedbackSummary> {
    pages
        .into_iter()
        .map(|(page, s)| PageFeedbackSummary {
            average: s.average(),
            count: s.count,
            histogram: s.histogram,
            answers: crate::domain::feedback::Answer::ALL
                .iter()
                .filter_map(|a| {
                    s.answers.get(a.as_str()).map(|n| AnswerCount {
                        answer: *a,
                        count: *n,
                    })
                })
                .collect(),
            details: s
                .details
                .into_iter()
                .map(|(at, rating, text)| FeedbackDetail {
                    at: utc(at),
                    rating,
                    text,
                })
                .collect(),
            page,
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct RatingSummary {
    pub count: i64,
    /// 1 (molto difficile) … 5 (molto facile).
    pub average: Option<f64>,
    /// Answers per score, 1 to 5.
    pub histogram: [i64; 5],
}

fn facts(rows: Vec<StatRow>) -> Vec<ReportFacts> {
    rows.into_iter()
        .map(|r| ReportFacts {
            office_id: r.office_id,
            code: r.code,
            status: r.status,
            received_at: utc(r.received_at),
            taken_in_at: r.taken_in_at.map(utc),
            take_in_due_at: r.take_in_due_at.map(utc),
        })
        .collect()
}

fn parse_bound(s: &str, tz: chrono_tz::Tz) -> AppResult<DateTime<Utc>> {
    let t = parse_any_bound(s, tz)?;
    // Far-off years would overflow date arithmetic: keep to a sane range.
    if !(1969..=9999).contains(&chrono::Datelike::year(&t)) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidDate,
            "dates must be between 1970 and 9999",
        ));
    }
    Ok(t)
}

fn parse_any_bound(s: &str, tz: chrono_tz::Tz) -> AppResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        AppError::bad_request(
            ErrorCode::InvalidDate,
            format!("`{s}` is neither YYYY-MM-DD nor RFC 3339"),
        )
    })?;
    tz.from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidDate,
                format!("`{s}` has no midnight here"),
            )
        })
}

fn hours(seconds: Option<i64>) -> Option<f64> {
    seconds.map(|s| (s as f64 / 360.0).round() / 10.0)
}

#[utoipa::path(
    get,
    path = "/api/v1/stats/offices",
    tag = "staff",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Per-office workload (JSON, or text/csv with format=csv)", content(
            (OfficeStatsResponse = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Bad dates or a period over 366 days", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Not a supervisor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/stats/offices")]
pub async fn offices(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    staff.require_here(Action::Supervise)?;
    let q = q.into_inner();
    let csv = wants_csv(q.format.as_deref())?;
    let now = Utc::now();
    let (from, to) = period(&state, &staff, &q, now).await?;
    let municipality = staff.actor.municipality_id.clone();
    let (offices, received, open, rating, pages) = state
        .read(move |conn| {
            municipalities::find(conn, &municipality)?
                .ok_or_else(|| AppError::internal("staff without municipality"))?;
            Ok((
                catalog::list_offices(conn, &municipality)?,
                reports::received_between(conn, &municipality, naive(from), naive(to))?,
                reports::open_backlog(conn, &municipality)?,
                crate::store::ratings::summary(conn, &municipality, naive(from), naive(to))?,
                crate::store::page_feedback::summary(conn, naive(from), naive(to), 20)?,
            ))
        })
        .await?;
    let rows = office_rows(&offices, by_office(&facts(received), &facts(open), now));
    if csv {
        return Ok(csv_answer(from, rows));
    }
    Ok(HttpResponse::Ok().json(OfficeStatsResponse {
        from,
        to,
        offices: rows,
        service_rating: RatingSummary {
            count: rating.0,
            average: rating.1,
            histogram: rating.2,
        },
        page_feedback: page_feedback_view(pages),
    }))
}

/// Whether `format` asks for CSV rather than JSON.
fn wants_csv(format: Option<&str>) -> AppResult<bool> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(AppError::bad_request(
            ErrorCode::InvalidFormat,
            format!("format `{other}`: use json or csv"),
        )),
    }
}

/// The period asked for (by default the last 30 days up to `now`), whole
/// days being the comune's: in order, and at most [`MAX_DAYS`] long.
async fn period(
    state: &AppState,
    staff: &Staff,
    q: &StatsQuery,
    now: DateTime<Utc>,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let m = staff.actor.municipality_id.clone();
    let tz = state
        .read(move |c| Ok(municipalities::find(c, &m)?.map(|m| m.timezone)))
        .await?
        .and_then(|t| t.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::Europe::Rome);
    let to =
        q.to.as_deref()
            .map(|s| parse_bound(s, tz))
            .transpose()?
            .unwrap_or(now);
    let from = q
        .from
        .as_deref()
        .map(|s| parse_bound(s, tz))
        .transpose()?
        .unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(AppError::bad_request(
            ErrorCode::InvalidPeriod,
            "`from` must come before `to`",
        ));
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(AppError::bad_request(
            ErrorCode::PeriodTooLong,
            format!("at most {MAX_DAYS} days per call"),
        ));
    }
    Ok((from, to))
}

/// A row per office, in the catalog's order (an office with no reports
/// too), then triage's if reports wait there.
fn office_rows(
    listed: &[catalog::OfficeRow],
    mut stats: BTreeMap<Option<OfficeId>, OfficeStats>,
) -> Vec<OfficeStatsView> {
    let mut rows: Vec<OfficeStatsView> = listed
        .iter()
        .map(|office| {
            let s = stats.remove(&Some(office.id.clone())).unwrap_or_default();
            office_view(Some(office.into()), s)
        })
        .collect();
    if let Some(triage) = stats.remove(&None) {
        rows.push(office_view(None, triage));
    }
    rows
}

fn office_view(office: Option<OfficeRef>, s: OfficeStats) -> OfficeStatsView {
    OfficeStatsView {
        office,
        received: s.received,
        taken_in: s.taken_in,
        taken_in_within_deadline: s.taken_in_within_deadline,
        within_deadline_pct: s.within_deadline_pct,
        median_take_in_hours: hours(s.median_take_in_seconds),
        p90_take_in_hours: hours(s.p90_take_in_seconds),
        open_backlog: s.open_backlog,
        overdue_now: s.overdue_now,
        oldest_open_code: s.oldest_open.as_ref().map(|(c, _)| c.clone()),
        oldest_open_received_at: s.oldest_open.map(|(_, at)| at),
    }
}

/// The rows as a CSV attachment named after the period's first day.
fn csv_answer(from: DateTime<Utc>, rows: Vec<OfficeStatsView>) -> HttpResponse {
    let mut out = String::from(
        "office_code,office_name,received,taken_in,taken_in_within_deadline,within_deadline_pct,median_take_in_hours,p90_take_in_hours,open_backlog,overdue_now,oldest_open_code,oldest_open_received_at\r\n",
    );
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        let (code, name) = r
            .office
            .map(|o| (o.code, o.name))
            .unwrap_or(("".into(), "(triage)".into()));
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(&code),
            csv_field(&name),
            r.received,
            r.taken_in,
            r.taken_in_within_deadline,
            opt(r.within_deadline_pct),
            opt(r.median_take_in_hours),
            opt(r.p90_take_in_hours),
            r.open_backlog,
            r.overdue_now,
            r.oldest_open_code.unwrap_or_default(),
            r.oldest_open_received_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        ));
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"uffici-{}.csv\"",
                from.format("%Y%m%d")
            ),
        ))
        .body(out)
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicStatsQuery {
    /// ISTAT code; may be omitted when one municipality is served.
    #[param(pattern = "^[0-9]{6}$")]
    pub municipality: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryCount {
    pub category: super::dto::CategoryRef,
    /// Parent category code (two levels).
    pub parent: Option<String>,
    /// Reports on the public map (every status but `rejected`).
    pub total: i64,
    /// Of which still open.
    pub open: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PublicStats {
    pub municipality: String,
    /// "Negli ultimi 12 mesi sono state risolte N segnalazioni".
    pub resolved_last_12_months: i64,
    /// Per category with at least one public report, largest first.
    pub categories: Vec<CategoryCount>,
}

#[utoipa::path(
    get,
    path = "/api/v1/stats/public",
    tag = "reports",
    params(PublicStatsQuery),
    responses(
        (status = 200, description = "Public figures: resolved in the last 12 months, reports per category", body = PublicStats),
        (status = 400, description = "Several municipalities served and none named", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such municipality", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/stats/public")]
pub async fn public(
    state: web::Data<AppState>,
    q: web::Query<PublicStatsQuery>,
) -> AppResult<HttpResponse> {
    let wanted = q.into_inner().municipality;
    let since = naive(Utc::now() - Duration::days(365));
    let stats = state
        .read_public(move |conn| {
            let m = match municipalities::choose(conn, wanted.as_deref())? {
                Chosen::One(m) => m,
                Chosen::NotServed(id) => {
                    return Err(AppError::not_found(
                        ErrorCode::MunicipalityNotFound,
                        format!("no municipality {id}"),
                    ))
                }
                Chosen::NoneServed => {
                    return Err(AppError::not_found(
                        ErrorCode::MunicipalityNotFound,
                        "no municipality is served yet",
                    ))
                }
                Chosen::Ambiguous => {
                    return Err(AppError::bad_request(
                        ErrorCode::MunicipalityRequired,
                        "several municipalities are served: pass municipality=<ISTAT code>",
                    ))
                }
            };
            let resolved = reports::resolved_since(conn, &m.id, since)?;
            let per = public_counts(
                reports::count_by_category_status(conn, &m.id)?
                    .into_iter()
                    .filter_map(|(category, status, n)| Some((category, status.parse().ok()?, n))),
            );
            let ids: Vec<CategoryId> = per.keys().cloned().collect();
            let cats = catalog::categories_by_ids(conn, &ids)?;
            let parents: std::collections::HashMap<CategoryId, String> =
                catalog::categories_by_ids(
                    conn,
                    &cats
                        .iter()
                        .filter_map(|c| c.parent_id.clone())
                        .collect::<Vec<_>>(),
                )?
                .into_iter()
                .map(|p| (p.id, p.code))
                .collect();
            let mut categories: Vec<CategoryCount> = cats
                .iter()
                .map(|c| {
                    let (total, open) = per.get(&c.id).copied().unwrap_or_default();
                    CategoryCount {
                        category: c.into(),
                        parent: c.parent_id.as_ref().and_then(|p| parents.get(p).cloned()),
                        total,
                        open,
                    }
                })
                .collect();
            categories.sort_by(|a, b| {
                b.total
                    .cmp(&a.total)
                    .then(a.category.code.cmp(&b.category.code))
            });
            Ok(PublicStats {
                municipality: m.id,
                resolved_last_12_months: resolved,
                categories,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(stats))
}
