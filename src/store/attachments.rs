//! Attachments: rows in `attachments`, bytes on disk under the data directory
//! (`attachments/<id>.<ext>`). A file is written before its row, so a row never
//! points to a missing file; a failed transaction removes the file.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::{attachments, reports};
use super::{new_id, DbConn};
use crate::domain::publication::{photo_on_upload, PhotoPublication};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::{self, Kind, Processed};

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
pub fn all_ids(conn: &mut DbConn) -> AppResult<Vec<String>> {
    Ok(attachments::table.select(attachments::id).load(conn)?)
}

/// Every attachment's file name under the attachments directory.
pub fn all_file_names(conn: &mut DbConn) -> AppResult<Vec<String>> {
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

/// Writes the file durably, then its row in a write transaction that also
/// enforces the per-report limits.
pub fn add(
    store: &super::Store,
    dir: &Path,
    report_id: i64,
    file: Processed,
    original_name: Option<String>,
    uploaded_by: &str,
    now: NaiveDateTime,
) -> AppResult<AttachmentRow> {
    let id = new_id();
    crate::files::create_private_dir(dir).map_err(|e| AppError::from_io("attachments dir", e))?;
    let path = dir.join(format!("{id}.{}", file.extension));
    let tmp = dir.join(format!(".{id}.tmp"));
    if let Err(e) = crate::files::write_durably(&tmp, &path, &file.bytes) {
        // A half-written file is removed at once, not left for the sweep.
        let _ = std::fs::remove_file(&tmp);
        return Err(AppError::from_io("writing attachment", e));
    }
    let row = AttachmentRow {
        id,
        report_id,
        kind: file.kind.as_str().to_string(),
        content_type: file.content_type.to_string(),
        size_bytes: file.bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(&file.bytes)),
        width: file.width.map(|w| w as i32),
        height: file.height.map(|h| h as i32),
        original_name,
        uploaded_by: uploaded_by.to_string(),
        created_at: now,
        // Documents are never public; a citizen's photo waits for a review.
        publication: match file.kind {
            Kind::Image => photo_on_upload(uploaded_by != "citizen"),
            _ => PhotoPublication::Hidden,
        }
        .as_str()
        .to_string(),
    };
    let inserted = store.write(|conn| {
        // Serialise uploads to the same report (PostgreSQL row lock; SQLite has one writer).
        diesel::update(reports::table.find(report_id))
            .set(reports::updated_at.eq(now))
            .execute(conn)?;
        let count: i64 = attachments::table
            .filter(attachments::report_id.eq(report_id))
            .filter(attachments::kind.eq(&row.kind))
            .count()
            .get_result(conn)?;
        let max = media::max_per_report(file.kind);
        if count >= max {
            return Err(AppError::unprocessable(
                ErrorCode::AttachmentLimitReached,
                format!("a report can have at most {max} {}s", row.kind),
            ));
        }
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
        super::events::append(
            conn,
            super::events::NewEvent::new(
                report_id,
                now,
                &actor_of(uploaded_by),
                crate::domain::report::EventKind::AttachmentAdded,
            )
            .data(serde_json::json!({"attachment_id": row.id, "kind": row.kind}))
            .public(row.publication == PhotoPublication::Published.as_str()),
        )?;
        Ok(())
    });
    if let Err(e) = inserted {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(row)
}

fn actor_of(uploaded_by: &str) -> crate::domain::report::Actor {
    use crate::domain::report::Actor;
    match uploaded_by {
        "citizen" => Actor::citizen(),
        user => Actor::user(user),
    }
}

/// How many files of `kind` a report has.
pub fn count(conn: &mut DbConn, report_id: i64, kind: Kind) -> AppResult<i64> {
    Ok(attachments::table
        .filter(attachments::report_id.eq(report_id))
        .filter(attachments::kind.eq(kind.as_str()))
        .count()
        .get_result(conn)?)
}

pub fn for_report(conn: &mut DbConn, report_id: i64) -> AppResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::report_id.eq(report_id))
        .order(attachments::created_at)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> AppResult<Option<AttachmentRow>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(attachments::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The first public photo of each report.
pub fn first_images(
    conn: &mut DbConn,
    report_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, AttachmentRow>> {
    let rows: Vec<AttachmentRow> = attachments::table
        .filter(attachments::report_id.eq_any(report_ids))
        .filter(attachments::kind.eq("image"))
        .filter(attachments::publication.eq(PhotoPublication::Published.as_str()))
        .order(attachments::created_at.desc())
        .select(AttachmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|a| (a.report_id, a)).collect())
}
