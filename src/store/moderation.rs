//! Moderation: what staff decide the public sees of a report, each decision
//! an internal event with its actor and reason, and the queue of reports and
//! photos waiting for a review.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events::{self, NewEvent};
use super::queues::QueueScope;
use super::reports::{self, ReportRow};
use super::schema::{attachments, categories, reports as reports_t};
use super::DbConn;
use super::StoreResult;
use crate::domain::ids::CategoryId;
use crate::domain::publication::{event_for, PhotoPublication, Policy, ReportPublication};
use crate::domain::report::{Actor, EventKind};

/// Sets whether the public sees the report; records it unless unchanged.
pub fn set_report(
    conn: &mut DbConn,
    report: &ReportRow,
    to: ReportPublication,
    actor: &Actor,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let from = report.publication;
    if from == to {
        return Ok(());
    }
    diesel::update(reports_t::table.find(report.id))
        .set(reports_t::publication.eq(to.as_str()))
        .execute(conn)?;
    let mut e = NewEvent::new(report.id, now, actor, event_for(to))
        .data(serde_json::json!({"from": from, "to": to}));
    if let Some(r) = reason {
        e = e.message(r);
    }
    events::append(conn, e)
}

/// Staff's public title and description: `Some(None)` goes back to the
/// citizen's words, `None` leaves a field as it is.
pub struct PublicText {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
}

/// Writes the public text; records the change (before → after) unless
/// nothing changed.
pub fn set_public_text(
    conn: &mut DbConn,
    report: &ReportRow,
    text: &PublicText,
    actor: &Actor,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let title = text.title.clone().unwrap_or(report.public_title.clone());
    let description = text
        .description
        .clone()
        .unwrap_or(report.public_description.clone());
    if title == report.public_title && description == report.public_description {
        return Ok(());
    }
    diesel::update(reports_t::table.find(report.id))
        .set((
            reports_t::public_title.eq(&title),
            reports_t::public_description.eq(&description),
        ))
        .execute(conn)?;
    let mut e =
        NewEvent::new(report.id, now, actor, EventKind::PublicTextEdited).data(serde_json::json!({
            "public_title": {"from": report.public_title, "to": title},
            "public_description": {"from": report.public_description, "to": description},
        }));
    if let Some(r) = reason {
        e = e.message(r);
    }
    events::append(conn, e)
}

/// Sets whether the public sees one photo of the report; records it unless
/// unchanged. `false` if `attachment_id` is not one of its photos (nothing
/// is written then).
pub fn set_photo(
    conn: &mut DbConn,
    report: &ReportRow,
    attachment_id: &str,
    to: PhotoPublication,
    actor: &Actor,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let from: Option<String> = attachments::table
        .find(attachment_id)
        .filter(attachments::report_id.eq(report.id))
        .filter(attachments::kind.eq("image"))
        .select(attachments::publication)
        .first(conn)
        .optional()?;
    let Some(from) = from else {
        return Ok(false);
    };
    if from == to.as_str() {
        return Ok(true);
    }
    diesel::update(attachments::table.find(attachment_id))
        .set(attachments::publication.eq(to.as_str()))
        .execute(conn)?;
    let kind = match to {
        PhotoPublication::Published => EventKind::PhotoPublished,
        _ => EventKind::PhotoHidden,
    };
    let mut e = NewEvent::new(report.id, now, actor, kind)
        .data(serde_json::json!({"attachment_id": attachment_id, "from": from, "to": to}));
    if let Some(r) = reason {
        e = e.message(r);
    }
    events::append(conn, e)?;
    Ok(true)
}

/// The reports of `scope` waiting for a review — the report itself, or one
/// of the photos of a public report — oldest first, after id `after`.
///
/// Two small indexed reads (`reports_publication`, `attachments_publication`)
/// merged: the pending sets are small whatever the size of the table.
pub fn queue(
    conn: &mut DbConn,
    scope: &QueueScope,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<ReportRow>> {
    let pending_photos = attachments::table
        .filter(attachments::publication.eq(PhotoPublication::Pending.as_str()))
        .filter(attachments::kind.eq("image"))
        .select(attachments::report_id);
    macro_rules! ids {
        ($scoped:expr) => {{
            let mut ids: Vec<i64> = $scoped
                .filter(reports_t::publication.eq(ReportPublication::Pending.as_str()))
                .filter(reports_t::id.gt(after))
                .order(reports_t::id)
                .limit(limit)
                .select(reports_t::id)
                .load(conn)?;
            ids.extend(
                $scoped
                    .filter(reports_t::publication.eq(ReportPublication::Published.as_str()))
                    .filter(reports_t::id.eq_any(pending_photos))
                    .filter(reports_t::id.gt(after))
                    .order(reports_t::id)
                    .limit(limit)
                    .select(reports_t::id)
                    .load::<i64>(conn)?,
            );
            ids
        }};
    }
    let mut ids = match scope {
        QueueScope::Offices(offices) => {
            ids!(reports_t::table.filter(reports_t::office_id.eq_any(offices)))
        }
        QueueScope::Municipality(m) => {
            ids!(reports_t::table.filter(reports_t::municipality_id.eq(m)))
        }
    };
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(limit.max(0) as usize);
    reports::by_ids(conn, &ids)
}

/// After a change of policy, brings the reports of these categories in
/// line: into `never` they are withheld; out of it, they wait for a review.
/// Returns how many reports changed.
pub fn apply_policy(
    conn: &mut DbConn,
    category_ids: &[CategoryId],
    policy: Policy,
) -> StoreResult<usize> {
    let of = reports_t::table.filter(reports_t::category_id.eq_any(category_ids));
    let withheld = ReportPublication::Withheld.as_str();
    Ok(if policy == Policy::Never {
        diesel::update(of.filter(reports_t::publication.ne(withheld)))
            .set(reports_t::publication.eq(withheld))
            .execute(conn)?
    } else {
        diesel::update(of.filter(reports_t::publication.eq(withheld)))
            .set(reports_t::publication.eq(ReportPublication::Pending.as_str()))
            .execute(conn)?
    })
}

/// The categories of a comune that follow its policy (no override).
pub fn categories_following_comune(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<Vec<CategoryId>> {
    Ok(categories::table
        .filter(categories::municipality_id.eq(municipality_id))
        .filter(categories::publication_policy.is_null())
        .select(categories::id)
        .load(conn)?)
}
