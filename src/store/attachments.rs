//! Attachments: rows in `attachments`, bytes on disk under the data directory
//! (`attachments/<id>.<ext>`). A file is written before its row, so a row never
//! points to a missing file; a failed transaction removes the file.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{attachments, reports};
use super::DbConn;
use super::StoreResult;
use crate::domain::publication::PhotoPublication;
use crate::media::Kind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub report_id: i64,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub original_name: Option<String>,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
    /// Whether the public sees it ([`crate::domain::publication::PhotoPublication`]).
    pub publication: String,
}

impl AttachmentRow {
    pub fn path(&self, dir: &Path) -> PathBuf {
        file_path(dir, &self.id, &self.content_type)
    }
}

/// Where the file of attachment `id` lives.
pub fn file_path(dir: &Path, id: &str, content_type: &str) -> PathBuf {
    dir.join(format!("{id}.{}", extension(content_type)))
}

/// Every attachment's id (the attachment sweep compares them with the files).
pub fn all_ids(conn: &mut DbConn) -> StoreResult<Vec<String>> {
    Ok(attachments::table.select(attachments::id).load(conn)?)
}

/// Every attachment's file name under the attachments directory.
pub fn all_file_names(conn: &mut DbConn) -> StoreResult<Vec<String>> {
    Ok(attachments::table
        .select((attachments::id, attachments::content_type))
        .order(attachments::id)
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, content_type)| format!("{id}.{}", extension(&content_type)))
        .collect())
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        _ => "jpg",
    }
}

/// How many attachments of `kind` the report has, counted after taking the
/// report's row (PostgreSQL row lock; SQLite has one writer), so that
/// concurrent uploads to one report count one after another.
pub fn count_locked(
    conn: &mut DbConn,
    report_id: i64,
    kind: &str,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    diesel::update(reports::table.find(report_id))
        .set(reports::updated_at.eq(now))
        .execute(conn)?;
    Ok(attachments::table
        .filter(attachments::report_id.eq(report_id))
        .filter(attachments::kind.eq(kind))
        .count()
        .get_result(conn)?)
}

/// Inserts the row of an attachment whose file is written.
pub fn insert(conn: &mut DbConn, row: &AttachmentRow) -> StoreResult<()> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(&row.id),
            attachments::report_id.eq(row.report_id),
            attachments::kind.eq(&row.kind),
            attachments::content_type.eq(&row.content_type),
            attachments::size_bytes.eq(row.size_bytes),
            attachments::sha256.eq(&row.sha256),
            attachments::width.eq(row.width),
            attachments::height.eq(row.height),
            attachments::original_name.eq(&row.original_name),
            attachments::uploaded_by.eq(&row.uploaded_by),
            attachments::created_at.eq(row.created_at),
            attachments::publication.eq(&row.publication),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many files of `kind` a report has.
pub fn count(conn: &mut DbConn, report_id: i64, kind: Kind) -> StoreResult<i64> {
    Ok(attachments::table
        .filter(attachments::report_id.eq(report_id))
        .filter(attachments::kind.eq(kind.as_str()))
        .count()
        .get_result(conn)?)
}

pub fn for_report(conn: &mut DbConn, report_id: i64) -> StoreResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::report_id.eq(report_id))
        .order(attachments::created_at)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<AttachmentRow>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(attachments::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every photo of these reports, whatever its state, oldest first, by
/// report: one query for a page of reports.
pub fn images_of(
    conn: &mut DbConn,
    report_ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, Vec<AttachmentRow>>> {
    let rows: Vec<AttachmentRow> = attachments::table
        .filter(attachments::report_id.eq_any(report_ids))
        .filter(attachments::kind.eq("image"))
        .order((attachments::report_id, attachments::created_at))
        .select(AttachmentRow::as_select())
        .load(conn)?;
    let mut by_report = std::collections::HashMap::<i64, Vec<AttachmentRow>>::new();
    for a in rows {
        by_report.entry(a.report_id).or_default().push(a);
    }
    Ok(by_report)
}

/// The first public photo of each report.
pub fn first_images(
    conn: &mut DbConn,
    report_ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, AttachmentRow>> {
    let rows: Vec<AttachmentRow> = attachments::table
        .filter(attachments::report_id.eq_any(report_ids))
        .filter(attachments::kind.eq("image"))
        .filter(attachments::publication.eq(PhotoPublication::Published.as_str()))
        .order(attachments::created_at.desc())
        .select(AttachmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|a| (a.report_id, a)).collect())
}
