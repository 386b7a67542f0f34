//! Erasing a finished report's personal data, everywhere the database holds
//! a copy of it: the reporter's fields, documents and file names, callback
//! notes and messages, everything the citizen wrote after filing, free-text
//! answers, the notifications (their payloads hold addresses, the first one
//! the follow-up link, their errors may quote the address). The report, its
//! public timeline and its statistics stay.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    attachments, callback_attempts, callbacks, categories, category_attributes, outbox, ratings,
    report_events, reports,
};
use super::DbConn;
use super::StoreResult;
use crate::domain::privacy;
use crate::domain::publication::{PhotoPublication, ReportPublication};
use crate::domain::report::{Actor, ActorKind, EventKind};

/// What a pass erased in the database, and the files to remove once it commits.
#[derive(Debug, Default)]
pub struct Erased {
    pub reports: usize,
    /// The codes of the erased reports (their mail files are named after them).
    pub codes: Vec<String>,
    /// Documents and photos the public never saw, as `(id, content type)`:
    /// their files go too.
    pub documents: Vec<(String, String)>,
}

/// Finished reports (closed or rejected) before `closed_before` that still
/// hold personal data, at most `batch` of them, erased in the caller's write
/// transaction.
pub fn erase_closed(
    conn: &mut DbConn,
    closed_before: NaiveDateTime,
    now: NaiveDateTime,
    batch: i64,
) -> StoreResult<Erased> {
    let due: Vec<(i64, String, String)> = reports::table
        .filter(reports::closed_at.lt(closed_before))
        .filter(reports::anonymised_at.is_null())
        .select((reports::id, reports::code, reports::category_id))
        .order(reports::closed_at)
        .limit(batch)
        .load(conn)?;
    let mut erased = Erased::default();
    for (id, code, category_id) in due {
        if erase_report(conn, id, &category_id, now, &mut erased)? {
            erased.codes.push(code);
            erased.reports += 1;
        }
    }
    Ok(erased)
}

/// Erases one report; `false` if another instance did it meanwhile.
fn erase_report(
    conn: &mut DbConn,
    id: i64,
    category_id: &str,
    now: NaiveDateTime,
    erased: &mut Erased,
) -> StoreResult<bool> {
    let attributes: Option<String> = reports::table
        .find(id)
        .select(reports::attributes)
        .first(conn)?;
    let kept = kept_attributes(conn, category_id, attributes)?;
    // The tracking token stops working too: nothing more can be added to a
    // report whose personal data is gone (a late document, a comment).
    let changed = diesel::update(
        reports::table
            .find(id)
            .filter(reports::anonymised_at.is_null()),
    )
    .set((
        reports::reporter_name.eq(None::<String>),
        reports::reporter_email.eq(None::<String>),
        reports::reporter_phone.eq(None::<String>),
        reports::media_url.eq(None::<String>),
        reports::attributes.eq(kept),
        reports::tracking_token_hash.eq(format!("erased-{id}")),
        reports::anonymised_at.eq(Some(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    erase_files(conn, id, erased)?;
    erase_free_text(conn, id)?;
    super::events::append(
        conn,
        super::events::NewEvent::new(id, now, &Actor::system(), EventKind::Anonymised),
    )?;
    Ok(true)
}

/// Deletes the report's attachments that go with its reporter
/// ([`privacy::erased_with_reporter`]), listing their files in `erased`, and
/// the names the kept ones were uploaded under.
fn erase_files(conn: &mut DbConn, id: i64, erased: &mut Erased) -> StoreResult<()> {
    let report_public: bool = reports::table
        .find(id)
        .select(reports::publication.eq(ReportPublication::Published.as_str()))
        .first(conn)?;
    let published = PhotoPublication::Published.as_str();
    let files: Vec<(String, String, String, String)> = attachments::table
        .filter(attachments::report_id.eq(id))
        .select((
            attachments::id,
            attachments::content_type,
            attachments::kind,
            attachments::publication,
        ))
        .load(conn)?;
    let documents: Vec<(String, String)> = files
        .into_iter()
        .filter(|(_, _, kind, publication)| {
            privacy::erased_with_reporter(kind, publication == published, report_public)
        })
        .map(|(id, content_type, _, _)| (id, content_type))
        .collect();
    let doomed: Vec<&String> = documents.iter().map(|(id, _)| id).collect();
    diesel::delete(attachments::table.filter(attachments::id.eq_any(doomed))).execute(conn)?;
    erased.documents.extend(documents);
    diesel::update(attachments::table.filter(attachments::report_id.eq(id)))
        .set(attachments::original_name.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}

/// Empties what people wrote about the report after filing it: the
/// callbacks' messages and notes, the citizen's words and the calls' notes
/// on the timeline, the rating's comment; and drops its notifications
/// (addresses, the follow-up link, error texts).
fn erase_free_text(conn: &mut DbConn, id: i64) -> StoreResult<()> {
    // Callbacks: what to tell the citizen, and what each call noted.
    let callback_ids = callbacks::table
        .filter(callbacks::report_id.eq(id))
        .select(callbacks::id);
    diesel::update(
        callback_attempts::table.filter(callback_attempts::callback_id.eq_any(callback_ids)),
    )
    .set(callback_attempts::note.eq(None::<String>))
    .execute(conn)?;
    diesel::update(callbacks::table.filter(callbacks::report_id.eq(id)))
        .set(callbacks::message.eq(None::<String>))
        .execute(conn)?;
    // Whatever the citizen wrote after filing (information, confirmation,
    // reopening), and the calls' notes on the timeline.
    diesel::update(
        report_events::table
            .filter(report_events::report_id.eq(id))
            .filter(
                report_events::actor_kind
                    .eq(ActorKind::Citizen.as_str())
                    .or(report_events::kind.eq(EventKind::CallbackLogged.as_str())),
            ),
    )
    .set(report_events::message.eq(None::<String>))
    .execute(conn)?;
    diesel::update(ratings::table.find(id))
        .set(ratings::comment.eq(None::<String>))
        .execute(conn)?;
    // Notifications: addresses, the follow-up link, error texts.
    diesel::delete(outbox::table.filter(outbox::report_id.eq(Some(id)))).execute(conn)?;
    Ok(())
}

/// The answers to a report's extra questions without the free-text ones
/// (`string`, `text`): a chosen list value or a number says nothing about
/// the person, a typed text may.
fn kept_attributes(
    conn: &mut DbConn,
    category_id: &str,
    answers: Option<String>,
) -> StoreResult<Option<String>> {
    let Some(serde_json::Value::Object(mut map)) =
        answers.and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok())
    else {
        return Ok(None);
    };
    // The category's questions and any of its parent's.
    let parent: Option<String> = categories::table
        .find(category_id)
        .select(categories::parent_id)
        .first(conn)
        .optional()?
        .flatten();
    let ids: Vec<String> = std::iter::once(category_id.to_string())
        .chain(parent)
        .collect();
    let typed: Vec<(String, String)> = category_attributes::table
        .filter(category_attributes::category_id.eq_any(&ids))
        .select((category_attributes::code, category_attributes::datatype))
        .load(conn)?;
    map.retain(|code, _| {
        typed
            .iter()
            .any(|(c, datatype)| c == code && !crate::domain::attributes::is_free_text(datatype))
    });
    Ok((!map.is_empty()).then(|| serde_json::Value::Object(map).to_string()))
}
