//! Moderation: staff decide what the public sees of a report (publish or
//! hide it and its photos, rewrite its public text), each decision an
//! internal event with its actor and reason; and the queue of what waits
//! for a review. Office staff moderate their office's reports, supervisors
//! all of the comune's.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::reports::{categories_of, find_by_code, find_for_update, offices_of};
use crate::domain::ids::{CategoryId, OfficeId};
use crate::domain::permissions::{Action, Role, Scope, StaffActor};
use crate::domain::publication::{
    decide, decide_photo, effective, Decision, NeverPublished, Policy, ReportPublication,
};
use crate::domain::report::Actor;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::attachments::{self, AttachmentRow};
use crate::store::catalog::{self, CategoryRow, OfficeRow};
use crate::store::moderation::{self, PublicText};
use crate::store::queues::QueueScope;
use crate::store::reports::ReportRow;
use crate::store::{municipalities, naive, DbConn};

/// What a moderator asked, checked before the write transaction opens:
/// something to do, and a reason for hiding or rewriting.
pub struct Moderation {
    report: Option<Decision>,
    text: PublicText,
    /// Photo id → decision, in the order asked.
    photos: Vec<(String, Decision)>,
    reason: Option<String>,
}

impl Moderation {
    pub fn new(
        report: Option<Decision>,
        text: PublicText,
        photos: Vec<(String, Decision)>,
        reason: Option<String>,
    ) -> AppResult<Self> {
        let hides =
            report == Some(Decision::Hide) || photos.iter().any(|(_, d)| *d == Decision::Hide);
        let rewrites = text.title.is_some() || text.description.is_some();
        if report.is_none() && photos.is_empty() && !rewrites {
            return Err(AppError::unprocessable(
                ErrorCode::NothingToChange,
                "say what to do: report, public_title, public_description or photos",
            ));
        }
        if (hides || rewrites) && reason.is_none() {
            return Err(AppError::field(
                "reason",
                ErrorCode::Required,
                "say why: the reason is kept on the staff timeline",
            ));
        }
        Ok(Self {
            report,
            text,
            photos,
            reason,
        })
    }
}

/// Applies `m` to the report `code` in the caller's write transaction, as
/// `actor` (recorded as `by`); everything is refused before anything is
/// written, except a photo not of this report, which rolls the whole back.
/// Returns the report as it is now.
pub fn moderate(
    conn: &mut DbConn,
    actor: &StaffActor,
    by: &Actor,
    code: &str,
    m: &Moderation,
    now: DateTime<Utc>,
) -> AppResult<ReportRow> {
    let report = find_for_update(conn, code)?;
    super::permit(
        actor,
        Action::Moderate,
        Scope::report(&report.municipality_id, report.office_id.as_deref()),
        ErrorCode::ReportNotFound,
    )?;
    let next = next_publication(conn, &report, m.report)?;
    let now = naive(now);
    let reason = m.reason.as_deref();
    moderation::set_public_text(conn, &report, &m.text, by, reason, now)?;
    for (id, decision) in &m.photos {
        if !moderation::set_photo(conn, &report, id, decide_photo(*decision), by, reason, now)? {
            return Err(AppError::field(
                "photos",
                ErrorCode::UnknownPhoto,
                format!("{id} is not a photo of {}", report.code),
            ));
        }
    }
    if let Some(next) = next {
        moderation::set_report(conn, &report, next, by, reason, now)?;
    }
    find_by_code(conn, code)
}

/// The report's publication after `decision` (none: left as it is), under
/// the policy of its category and comune: refused for a category never
/// published.
fn next_publication(
    conn: &mut DbConn,
    report: &ReportRow,
    decision: Option<Decision>,
) -> AppResult<Option<ReportPublication>> {
    let category = catalog::categories_by_ids(conn, std::slice::from_ref(&report.category_id))?
        .pop()
        .ok_or_else(|| AppError::internal("report without category"))?;
    let policy = effective(
        municipalities::publication_policy(conn, &report.municipality_id)?,
        category.publication(),
    );
    decision
        .map(|d| decide(report.publication, policy, d))
        .transpose()
        .map_err(|NeverPublished| {
            AppError::conflict(
                ErrorCode::NeverPublished,
                format!(
                    "reports of the category {} are never published",
                    category.code
                ),
            )
        })
}

/// Whose reports `actor` reviews: an office's staff their offices', a
/// supervisor the comune's; the other roles do not moderate.
pub fn queue_scope(actor: &StaffActor) -> AppResult<QueueScope> {
    match actor.role {
        Role::Office => Ok(QueueScope::Offices(actor.office_ids.clone())),
        Role::Supervisor => Ok(QueueScope::Municipality(actor.municipality_id.clone())),
        Role::Urp | Role::Admin | Role::Platform => Err(AppError::Forbidden {
            code: ErrorCode::Forbidden,
            message: "moderation is for office staff and supervisors".into(),
        }),
    }
}

/// One report of the queue with what its view needs.
pub struct QueueItem<'a> {
    pub report: &'a ReportRow,
    pub category: &'a CategoryRow,
    pub office: Option<&'a OfficeRow>,
    /// Every photo, whatever its state.
    pub photos: &'a [AttachmentRow],
}

/// A page of the moderation queue: the reports, what they refer to, and the
/// cursor of the next page.
pub struct QueuePage {
    pub rows: Vec<ReportRow>,
    pub comune: Policy,
    categories: HashMap<CategoryId, CategoryRow>,
    offices: HashMap<OfficeId, OfficeRow>,
    photos: HashMap<i64, Vec<AttachmentRow>>,
    pub next_cursor: Option<i64>,
}

impl QueuePage {
    /// The page's reports with their category, office and photos (a report
    /// whose category is gone is left out).
    pub fn items(&self) -> impl Iterator<Item = QueueItem<'_>> {
        self.rows.iter().filter_map(|r| {
            Some(QueueItem {
                report: r,
                category: self.categories.get(&r.category_id)?,
                office: r.office_id.as_ref().and_then(|o| self.offices.get(o)),
                photos: self.photos.get(&r.id).map_or(&[], Vec::as_slice),
            })
        })
    }
}

/// Up to `limit` reports of the queue of the comune `municipality_id` in `scope` after
/// the report id `after`, oldest first.
pub fn queue(
    conn: &mut DbConn,
    municipality_id: &str,
    scope: &QueueScope,
    after: i64,
    limit: i64,
) -> AppResult<QueuePage> {
    let mut rows = moderation::queue(conn, scope, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let comune = municipalities::publication_policy(conn, municipality_id)?;
    let categories = categories_of(conn, rows.iter().map(|r| &r.category_id))?;
    let offices = offices_of(conn, &rows)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let photos = attachments::images_of(conn, &ids)?;
    let next_cursor = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(QueuePage {
        rows,
        comune,
        categories,
        offices,
        photos,
        next_cursor,
    })
}
