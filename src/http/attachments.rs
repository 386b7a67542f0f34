//! Photos and documents: `POST /api/v1/reports/{code}/attachments` (multipart,
//! one `file` part, with the tracking token or as staff who may work on the
//! report) and `GET /api/v1/attachments/{id}`.

use actix_multipart::Multipart;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::{MaybeStaff, Staff};
use super::dto::{attachment_view, AttachmentView};
use super::params::limited;
use super::AppState;
use crate::app::reports::{find_by_code, require_token, token_matches};
use crate::domain::permissions::{Action, Scope};
use crate::domain::publication::PhotoPublication;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::{self, MediaError};
use crate::store::reports::{self, ReportRow};
use crate::store::{attachments, naive};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The report's tracking token (or the `X-Tracking-Token` header).
    pub token: Option<String>,
}

fn token_from(req: &HttpRequest, q: &TokenQuery) -> Option<String> {
    q.token.clone().or_else(|| {
        req.headers()
            .get("X-Tracking-Token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
}

/// The multipart body, for the OpenAPI document.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct UploadForm {
    /// JPEG, PNG or WebP image (≤ 10 MB, 5 per report) or PDF (≤ 10 MB, 3 per report).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{code}/attachments",
    tag = "reports",
    params(("code" = String, Path, description = "Public code"), TokenQuery),
    security((), ("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored (images re-encoded without metadata)", body = AttachmentView),
        (status = 400, description = "No `file` part, or an unexpected part", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Missing or wrong token", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such report (or not the staff member's to work on)", body = crate::error::ErrorEnvelope),
        (status = 408, description = "The file did not arrive within 120 seconds (`upload_too_slow`)", body = crate::error::ErrorEnvelope),
        (status = 413, description = "Larger than 10 MB", body = crate::error::ErrorEnvelope),
        (status = 415, description = "Not a JPEG, PNG, WebP or PDF (`unsupported_file_type`), or an animated image (`animated_image`)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Unreadable image (`unreadable_image`), over 40 megapixels or 256 MiB to decode (`image_too_large`), or the report has all it may have (`attachment_limit_reached`)", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Two uploads from this address are already in flight (`too_many_uploads`); see Retry-After", body = crate::error::ErrorEnvelope),
        (status = 503, description = "Too many files being received or processed right now (`busy_receiving_files`, `busy_processing_files`), or the database does not answer (`service_unavailable`): retry after `Retry-After` seconds", body = crate::error::ErrorEnvelope),
        (status = 507, description = "The server's disk is full (`storage_full`): nothing was stored; retry after `Retry-After` seconds", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/reports/{code}/attachments")]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    q: web::Query<TokenQuery>,
    staff: MaybeStaff,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let token = token_from(&req, &q);
    let report = state.read(move |conn| find_by_code(conn, &code)).await?;
    let uploaded_by = uploader(&report, staff.0.as_ref(), token)?;

    // A client uploads a couple of files at a time; memory for the body
    // comes from a budget shared by every upload in flight, taken by what the
    // request declares (a full file if it does not).
    // (Staff, signed in, are not counted: a URP office shares one address.)
    let _mine = match &staff.0 {
        Some(_) => None,
        None => Some(
            state
                .gates
                .uploads_per_client
                .enter(&state.clients.key(&req))?,
        ),
    };
    let declared = declared_size(&req);
    let _budget = state
        .gates
        .upload_kib
        .enter_weighted(declared.div_ceil(1024) as u32)
        .await?;
    let (bytes, filename) = receive_in_time(&state, &req, payload, declared, report.id).await?;
    let processed = decode(&state, bytes).await?;
    let store = state.store.clone();
    let dir = state.config.attachments_dir();
    let row = web::block(move || {
        crate::app::attachments::attach(
            &store,
            &dir,
            report.id,
            processed,
            filename,
            &uploaded_by,
            naive(Utc::now()),
        )
    })
    .await??;
    Ok(HttpResponse::Created().json(attachment_view(&row)))
}

/// Who attaches the file: staff who may write on the report (a photo of the
/// fix, a document brought to the counter), or the citizen with the
/// report's token.
fn uploader(report: &ReportRow, staff: Option<&Staff>, token: Option<String>) -> AppResult<String> {
    match (staff, token) {
        (Some(staff), _) => {
            let scope = Scope::report(&report.municipality_id, report.office_id.as_deref());
            staff.require(Action::AddNote, scope, ErrorCode::ReportNotFound)?;
            Ok(staff.actor.user_id.clone())
        }
        (None, Some(token)) => {
            require_token(report, &token)?;
            Ok("citizen".into())
        }
        (None, None) => Err(AppError::Forbidden {
            code: ErrorCode::TokenRequired,
            message: "attaching files needs the report's tracking token".into(),
        }),
    }
}

/// The body's size as the request declares it, and at most what one file
/// and its framing may be (that much if it declares nothing).
fn declared_size(req: &HttpRequest) -> u64 {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(MAX_BODY_BYTES as u64)
        .min(MAX_BODY_BYTES as u64)
}

/// The file and its name, if they arrive within [`UPLOAD_DEADLINE`] and the
/// report has room for one more of the file's kind.
async fn receive_in_time(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    payload: web::Payload,
    declared: u64,
    report_id: i64,
) -> AppResult<(Vec<u8>, Option<String>)> {
    // The body is cut off at what was budgeted, whatever its framing (a part
    // header that never ends would otherwise be buffered without limit).
    let mut payload = Multipart::new(req.headers(), limited(payload, declared as usize));
    let limits = state.clone();
    actix_web::rt::time::timeout(
        UPLOAD_DEADLINE,
        receive(&mut payload, declared as usize, move |kind| {
            let state = limits.clone();
            async move {
                let count = state
                    .read(move |c| Ok(attachments::count(c, report_id, kind)?))
                    .await?;
                check_room(kind, count)
            }
        }),
    )
    .await
    .map_err(|_| AppError::TimedOut {
        code: ErrorCode::UploadTooSlow,
        message: format!(
            "the file did not arrive within {} seconds: retry on a faster connection",
            UPLOAD_DEADLINE.as_secs()
        ),
    })?
}

/// The file checked and re-encoded. What the headers declare is checked
/// first (cheap, with small chunk limits); then decoding takes a place among
/// a few (one per core), off the async workers. The place goes with the
/// work: a client that hangs up does not free it while the decode runs on.
async fn decode(state: &AppState, bytes: Vec<u8>) -> AppResult<media::Processed> {
    let bytes = web::block(move || media::probe(&bytes).map(|_| bytes))
        .await?
        .map_err(media_error)?;
    let decoding = state.gates.decode.enter().await?;
    web::block(move || {
        let _decoding = decoding;
        media::process(&bytes)
    })
    .await?
    .map_err(media_error)
}

/// The most a request body may be: one file and its multipart framing.
const MAX_BODY_BYTES: usize = media::MAX_FILE_BYTES + 64 * 1024;

/// A multipart error as the client should hear it: too large, or malformed.
pub fn multipart_error(e: actix_multipart::MultipartError) -> AppError {
    match e {
        actix_multipart::MultipartError::Payload(actix_web::error::PayloadError::Overflow) => {
            AppError::PayloadTooLarge {
                code: ErrorCode::FileTooLarge,
                message: "a file can be at most 10 MB".into(),
            }
        }
        e => AppError::bad_request(ErrorCode::MalformedMultipart, e.to_string()),
    }
}

/// How long a whole upload may take to arrive (10 MB at ~0.7 Mbit/s): a
/// client that trickles bytes cannot hold its share of the memory budget.
const UPLOAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// Refuses a file of `kind` when the report already has all it may have.
fn check_room(kind: media::Kind, count: i64) -> AppResult<()> {
    let max = media::max_per_report(kind);
    if count >= max {
        return Err(AppError::unprocessable(
            ErrorCode::AttachmentLimitReached,
            format!("a report can have at most {max} {}s", kind.as_str()),
        ));
    }
    Ok(())
}

/// Reads the one `file` part (at most 10 MB) and its name. As soon as the
/// first bytes tell the file's kind, `room` checks that the report may take
/// one more of that kind, so a full report never costs a whole upload.
async fn receive<F, Fut>(
    payload: &mut Multipart,
    declared: usize,
    room: F,
) -> AppResult<(Vec<u8>, Option<String>)>
where
    F: Fn(media::Kind) -> Fut,
    Fut: std::future::Future<Output = AppResult<()>>,
{
    let mut file: Option<(Vec<u8>, Option<String>)> = None;
    while let Some(part) = payload.next().await {
        let mut field = part.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            return Err(AppError::bad_request(
                ErrorCode::UnexpectedField,
                "unexpected part: send one part named `file`",
            ));
        }
        if file.is_some() {
            return Err(AppError::bad_request(
                ErrorCode::TooManyFiles,
                "send one file per request",
            ));
        }
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(|f| {
                f.chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>()
            });
        // Sized once from the declaration: no doubling past the budget.
        let mut bytes = Vec::with_capacity(declared.min(media::MAX_FILE_BYTES));
        let mut checked = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            if bytes.len() + chunk.len() > media::MAX_FILE_BYTES {
                return Err(AppError::PayloadTooLarge {
                    code: ErrorCode::FileTooLarge,
                    message: "a file can be at most 10 MB".into(),
                });
            }
            bytes.extend_from_slice(&chunk);
            if !checked && bytes.len() >= media::SNIFF_BYTES {
                checked = true;
                // An unknown type is refused at the end (a file too large
                // for any type is told so first).
                if let Some((kind, _)) = media::sniff(&bytes) {
                    room(kind).await?;
                }
            }
        }
        let (kind, _) = media::sniff(&bytes).ok_or_else(unsupported)?;
        if !checked {
            room(kind).await?;
        }
        file = Some((bytes, filename));
    }
    file.ok_or_else(|| {
        AppError::bad_request(
            ErrorCode::FileRequired,
            "send the file in a part named `file`",
        )
    })
}

fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::Unsupported => unsupported(),
        MediaError::Animated => AppError::UnsupportedMediaType {
            code: ErrorCode::AnimatedImage,
            message: e.to_string(),
        },
        MediaError::TooLarge { .. } => {
            AppError::unprocessable(ErrorCode::ImageTooLarge, e.to_string())
        }
        MediaError::Corrupt(_) => {
            AppError::unprocessable(ErrorCode::UnreadableImage, e.to_string())
        }
    }
}

fn unsupported() -> AppError {
    AppError::UnsupportedMediaType {
        code: ErrorCode::UnsupportedFileType,
        message: MediaError::Unsupported.to_string(),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}",
    tag = "reports",
    params(("id" = String, Path, description = "Attachment id"), TokenQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The file: images inline, PDFs as a download"),
        (status = 404, description = "No such attachment (or one not public — a photo not yet published, a document — without the report's token or a staff member who may see it)", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<TokenQuery>,
    staff: MaybeStaff,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let token = token_from(&req, &q);
    let not_found = || AppError::not_found(ErrorCode::AttachmentNotFound, "no such attachment");
    let (row, report) = state
        .read(move |conn| {
            let row = attachments::find(conn, &id)?.ok_or_else(not_found)?;
            let report = reports::by_ids(conn, &[row.report_id])?
                .pop()
                .ok_or_else(not_found)?;
            Ok((row, report))
        })
        .await?;
    let is_document = row.kind == "document";
    let citizen = token.as_deref().is_some_and(|t| token_matches(&report, t));
    let scope = Scope::report(&report.municipality_id, report.office_id.as_deref());
    let staff_may = |action| {
        staff.0.as_ref().is_some_and(|s| {
            s.require(action, scope, ErrorCode::AttachmentNotFound)
                .is_ok()
        })
    };
    // A photo is public once staff published it and the report is public;
    // before, only the citizen and staff who may see the report get it.
    // Documents may carry personal data: only the citizen and staff who may
    // see the citizen's data get them.
    let public = !is_document
        && report.is_public()
        && row.publication == PhotoPublication::Published.as_str();
    let allowed = public
        || citizen
        || staff_may(if is_document {
            Action::ViewPersonalData
        } else {
            Action::ViewReport
        });
    if !allowed {
        return Err(not_found());
    }
    let path = row.path(&state.config.attachments_dir());
    let bytes = web::block(move || std::fs::read(path))
        .await?
        .map_err(|e| AppError::internal(format!("attachment file: {e}")))?;
    let mut resp = HttpResponse::Ok();
    resp.content_type(row.content_type.as_str())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"));
    if !public {
        resp.insert_header(("Cache-Control", "private, no-store"));
    } else {
        // Short: a photo staff hide leaves shared caches within minutes.
        resp.insert_header(("Cache-Control", "public, max-age=300"));
    }
    if is_document {
        resp.insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "{}-{}.pdf",
                report.code,
                &row.id[..8]
            ))],
        });
    }
    Ok(resp.body(bytes))
}
