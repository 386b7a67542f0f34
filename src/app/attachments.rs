//! Attaching a file to a report: the bytes are written durably first, then
//! the row and its timeline event in one write transaction that also holds
//! the per-report limits; a refused or failed write removes the file, so a
//! row never points to a missing file and no file outlives its refusal.

use std::path::Path;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::domain::publication::{photo_on_upload, PhotoPublication};
use crate::domain::report::{Actor, EventKind};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::{self, Kind, Processed};
use crate::store::attachments::{self, AttachmentRow};
use crate::store::events::{self, NewEvent};
use crate::store::{new_id, Store};

/// Attaches `file` to the report `report_id` for `uploaded_by` (`citizen`
/// or a staff member's id); a 422 `attachment_limit_reached` past the
/// report's limit for that kind of file.
pub fn attach(
    store: &Store,
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
    let row = row_of(id, report_id, &file, original_name, uploaded_by, now);
    let max = media::max_per_report(file.kind);
    let inserted = store.write(|conn| {
        if attachments::count_locked(conn, report_id, &row.kind, now)? >= max {
            return Err(AppError::unprocessable(
                ErrorCode::AttachmentLimitReached,
                format!("a report can have at most {max} {}s", row.kind),
            ));
        }
        attachments::insert(conn, &row)?;
        Ok(events::append(
            conn,
            NewEvent::new(
                report_id,
                now,
                &actor_of(uploaded_by),
                EventKind::AttachmentAdded,
            )
            .data(serde_json::json!({"attachment_id": row.id, "kind": row.kind}))
            .public(row.publication == PhotoPublication::Published.as_str()),
        )?)
    });
    if let Err(e) = inserted {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(row)
}

/// The row of a new attachment. Documents are never public; a citizen's
/// photo waits for a review, staff's is published.
fn row_of(
    id: String,
    report_id: i64,
    file: &Processed,
    original_name: Option<String>,
    uploaded_by: &str,
    now: NaiveDateTime,
) -> AttachmentRow {
    let publication = match file.kind {
        Kind::Image => photo_on_upload(uploaded_by != "citizen"),
        _ => PhotoPublication::Hidden,
    };
    AttachmentRow {
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
        publication: publication.as_str().to_string(),
    }
}

fn actor_of(uploaded_by: &str) -> Actor {
    match uploaded_by {
        "citizen" => Actor::citizen(),
        user => Actor::user(user),
    }
}
