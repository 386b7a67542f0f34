//! Response shapes shared by several handlers, and their construction from
//! stored rows. Public shapes never carry personal data (name, email, phone).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::publication::{
    public_address, public_text, PhotoPublication, ReportPublication,
};
use crate::domain::report::{ContactPreference, EventKind, Status};
use crate::error::ErrorCode;
use crate::store::attachments::AttachmentRow;
use crate::store::catalog::{CategoryRow, OfficeRow};
use crate::store::events::EventRow;
use crate::store::reports::ReportRow;
use crate::store::utc;

pub use crate::app::reports::ReportBundle;

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRef {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
}

impl From<&CategoryRow> for CategoryRef {
    fn from(c: &CategoryRow) -> Self {
        Self {
            code: c.code.clone(),
            name_it: c.name_it.clone(),
            name_en: c.name_en.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeRef {
    pub code: String,
    pub name: String,
    /// `internal` or `company` (a municipal company).
    pub kind: String,
}

impl From<&OfficeRow> for OfficeRef {
    fn from(o: &OfficeRow) -> Self {
        Self {
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind.clone(),
        }
    }
}

/// A report on the map or in a list (public reports only: the text as the
/// public reads it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportSummary {
    pub code: String,
    pub status: Status,
    pub title: String,
    pub category: CategoryRef,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The summary of a report read with its category's names (the map's and
/// nearby's one statement).
pub fn map_summary(item: &crate::store::reports::MapItem) -> ReportSummary {
    let r = &item.report;
    ReportSummary {
        code: r.code.to_string(),
        status: r.status,
        title: public_text(&r.title, r.public_title.as_deref()),
        category: CategoryRef {
            code: item.category_code.clone(),
            name_it: item.category_name_it.clone(),
            name_en: item.category_name_en.clone(),
        },
        lat: r.lat,
        lon: r.lon,
        address: public_address(r.address.as_deref()),
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
    }
}

/// One step of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_status: Option<Status>,
    /// The public message to the citizen, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

pub fn timeline_entry(e: &EventRow) -> Option<TimelineEntry> {
    Some(TimelineEntry {
        at: utc(e.at),
        kind: e.kind.parse().ok()?,
        from_status: e.from_status.as_deref().and_then(|s| s.parse().ok()),
        to_status: e.to_status.as_deref().and_then(|s| s.parse().ok()),
        message: e.message.clone(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    /// `image` or `document`.
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Where to download it (documents need the tracking token appended).
    pub url: String,
    /// Whether the public sees it (documents never: `hidden`).
    pub publication: PhotoPublication,
}

pub fn attachment_view(a: &AttachmentRow) -> AttachmentView {
    AttachmentView {
        id: a.id.clone(),
        kind: a.kind.clone(),
        content_type: a.content_type.clone(),
        size_bytes: a.size_bytes,
        width: a.width,
        height: a.height,
        url: format!("/api/v1/attachments/{}", a.id),
        publication: a.publication.parse().unwrap_or(PhotoPublication::Hidden),
    }
}

/// The citizen's own details, shown only with the tracking token.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterView {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `email`, `phone` or `none`.
    pub contact: ContactPreference,
}

/// One report as the public (or, with `reporter`, its citizen) sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub code: String,
    pub status: Status,
    /// The Open311 view of the status: `open` or `closed`.
    pub open311_status: String,
    pub title: String,
    pub description: String,
    /// Whether the public sees the report (the public is only ever shown
    /// `published` ones).
    pub publication: ReportPublication,
    pub category: CategoryRef,
    /// The office in charge (none while it waits in the supervisor's triage).
    pub office: Option<OfficeRef>,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// By when an office must take it in charge.
    pub take_in_due_at: Option<DateTime<Utc>>,
    /// When it was taken in charge (presa in carico).
    pub taken_in_at: Option<DateTime<Utc>>,
    /// Expected completion, from the category's resolution target.
    pub expected_resolution_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When rejected as a duplicate: the code of the report to follow instead.
    pub duplicate_of: Option<String>,
    pub photos: Vec<AttachmentView>,
    pub timeline: Vec<TimelineEntry>,
    /// Only with the tracking token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterView>,
    /// PDF documents: only with the tracking token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<AttachmentView>>,
}

/// Who reads a report, which decides what of it they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: the public text (masked, or as staff edited it), public
    /// photos, the public timeline. Only for published reports.
    Public,
    /// The citizen with the tracking token: their own words, every photo,
    /// their details and documents.
    Citizen,
    /// Staff: the citizen's words and every photo; their details and
    /// documents only if `personal` (the role may see them).
    Staff { personal: bool },
}

pub fn report_view(b: &ReportBundle, audience: Audience) -> ReportView {
    let r = &b.report;
    let status: Status = r.status;
    let public = audience == Audience::Public;
    let with_personal_data = matches!(
        audience,
        Audience::Citizen | Audience::Staff { personal: true }
    );
    let (photos, documents): (Vec<_>, Vec<_>) = b
        .attachments
        .iter()
        .filter(|a| !public || a.publication == PhotoPublication::Published.as_str())
        .partition(|a| a.kind == "image");
    let (title, description, address) = if public {
        (
            public_text(&r.title, r.public_title.as_deref()),
            public_text(&r.description, r.public_description.as_deref()),
            public_address(r.address.as_deref()),
        )
    } else {
        (r.title.clone(), r.description.clone(), r.address.clone())
    };
    ReportView {
        code: r.code.to_string(),
        status,
        open311_status: if status.is_open() { "open" } else { "closed" }.into(),
        title,
        description,
        publication: r.publication,
        category: (&b.category).into(),
        office: b.office.as_ref().map(Into::into),
        lat: r.lat,
        lon: r.lon,
        address,
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
        take_in_due_at: r.take_in_due_at.map(utc),
        taken_in_at: r.taken_in_at.map(utc),
        expected_resolution_at: r.expected_resolution_at.map(utc),
        resolved_at: r.resolved_at.map(utc),
        closed_at: r.closed_at.map(utc),
        duplicate_of: b.duplicate_of.as_ref().map(ToString::to_string),
        photos: photos.into_iter().map(attachment_view).collect(),
        timeline: b
            .events
            .iter()
            // The citizen also sees what they added themselves.
            .filter(|e| {
                e.public
                    || (audience == Audience::Citizen
                        && (e.kind == EventKind::InformationAdded.as_str()
                            || e.kind == EventKind::AttachmentAdded.as_str()))
            })
            .filter_map(timeline_entry)
            .collect(),
        reporter: with_personal_data.then(|| ReporterView {
            name: r.reporter_name.clone(),
            email: r.reporter_email.clone(),
            phone: r.reporter_phone.clone(),
            contact: r.contact_preference,
        }),
        documents: with_personal_data.then(|| documents.into_iter().map(attachment_view).collect()),
    }
}

/// A page size: `default` when absent, refused outside `1..=max` (the
/// bounds each query documents).
pub fn page_limit(value: Option<i64>, default: i64, max: i64) -> crate::error::AppResult<i64> {
    let limit = value.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(crate::error::AppError::bad_request(
            ErrorCode::InvalidLimit,
            format!("limit must be between 1 and {max}"),
        ));
    }
    Ok(limit)
}

/// Request integers as JSON Schema reads them: `3.0` is the integer 3 (serde
/// alone refuses it), `3.5` is not an integer. For the body fields the
/// document types `integer`.
pub mod whole {
    use serde::de::{Deserialize, Deserializer, Error};

    fn whole<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
        n: serde_json::Number,
    ) -> Result<T, D::Error> {
        let value = match n.as_i64() {
            Some(v) => Some(v),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64),
        };
        value.and_then(|v| T::try_from(v).ok()).ok_or_else(|| {
            D::Error::custom(format!(
                "invalid value: {n}, expected a whole number in range"
            ))
        })
    }

    pub fn int<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
        whole::<D, T>(serde_json::Number::deserialize(d)?)
    }

    pub fn option<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<Option<T>, D::Error> {
        Option::<serde_json::Number>::deserialize(d)?
            .map(whole::<D, T>)
            .transpose()
    }

    pub fn option_vec<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
        d: D,
    ) -> Result<Option<Vec<T>>, D::Error> {
        Option::<Vec<serde_json::Number>>::deserialize(d)?
            .map(|items| items.into_iter().map(whole::<D, T>).collect())
            .transpose()
    }
}

/// What the public reads of a report, beside the citizen's words.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicVersion {
    /// The policy of the report's category (or of the comune).
    pub policy: crate::domain::publication::Policy,
    /// The title as the public reads it (staff's version, or the citizen's
    /// masked).
    pub public_title: String,
    pub public_description: String,
    /// Staff's version, if one was written.
    pub edited_title: Option<String>,
    pub edited_description: Option<String>,
    /// Whether masking hides something of the citizen's words.
    pub masked: bool,
}

/// The public version of a report of `category` in a comune with `comune` policy.
pub fn public_version(
    r: &ReportRow,
    comune: crate::domain::publication::Policy,
    category: &CategoryRow,
) -> PublicVersion {
    PublicVersion {
        policy: crate::domain::publication::effective(comune, category.publication()),
        public_title: crate::domain::publication::public_text(&r.title, r.public_title.as_deref()),
        public_description: crate::domain::publication::public_text(
            &r.description,
            r.public_description.as_deref(),
        ),
        edited_title: r.public_title.clone(),
        edited_description: r.public_description.clone(),
        masked: crate::domain::masking::has_personal_data(&r.title)
            || crate::domain::masking::has_personal_data(&r.description)
            || r.address
                .as_deref()
                .is_some_and(crate::domain::masking::has_personal_data),
    }
}
