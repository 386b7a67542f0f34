//! The report: its workflow (state machine), its vocabulary (channels, contact
//! preferences, languages, timeline event kinds) and the validation of a new one.

use chrono::{DateTime, Duration, Utc};

use super::codes::ErrorCode;
use super::validate::{self, FieldError};

/// A string that names no known value of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

string_enum! {
    /// Where a report is in its workflow.
    Status {
        New = "new",
        TakenIn = "taken_in",
        InProgress = "in_progress",
        Resolved = "resolved",
        Closed = "closed",
        Rejected = "rejected",
        NotCompetent = "not_competent",
    }
}

string_enum! {
    /// How the report reached the municipality.
    Channel { Web = "web", Counter = "counter", Phone = "phone", Email = "email", Open311 = "open311" }
}

impl Channel {
    /// "ricevuta allo sportello URP": how the public timeline says it.
    pub fn received_it(self) -> &'static str {
        match self {
            Channel::Web => "Segnalazione ricevuta dal sito web",
            Channel::Counter => "Segnalazione ricevuta allo sportello URP",
            Channel::Phone => "Segnalazione ricevuta per telefono",
            Channel::Email => "Segnalazione ricevuta per email",
            Channel::Open311 => "Segnalazione ricevuta da un'app esterna",
        }
    }
}

string_enum! {
    /// How the citizen wants to be kept informed.
    ContactPreference { Email = "email", Phone = "phone", None = "none" }
}

string_enum! {
    /// The citizen's language for messages.
    Language { It = "it", En = "en" }
}

string_enum! {
    /// Why a report was rejected.
    RejectionReason { NotMunicipal = "not_municipal", Invalid = "invalid", Duplicate = "duplicate" }
}

string_enum! {
    /// What a timeline event records.
    EventKind {
        Created = "created",
        Routed = "routed",
        TakenIn = "taken_in",
        StatusChanged = "status_changed",
        PublicMessage = "public_message",
        InternalNote = "internal_note",
        CategoryChanged = "category_changed",
        Escalated = "escalated",
        AttachmentAdded = "attachment_added",
        Reopened = "reopened",
        Confirmed = "confirmed",
        Notified = "notified",
        CallbackLogged = "callback_logged",
        Reassigned = "reassigned",
        PersonalDataViewed = "personal_data_viewed",
        Anonymised = "anonymised",
        InformationAdded = "information_added",
        /// Made public (by staff, or by a change of category).
        Published = "published",
        /// Taken off the public's view, or withheld.
        Hidden = "hidden",
        /// Staff wrote the public title or description.
        PublicTextEdited = "public_text_edited",
        PhotoPublished = "photo_published",
        PhotoHidden = "photo_hidden",
    }
}

string_enum! {
    /// Who caused an event.
    ActorKind { Citizen = "citizen", User = "user", System = "system", Integration = "integration" }
}

/// Who did something to a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<String>,
}

impl Actor {
    pub fn citizen() -> Self {
        Self {
            kind: ActorKind::Citizen,
            id: None,
        }
    }
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
        }
    }
    pub fn user(id: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::User,
            id: Some(id.into()),
        }
    }
}

impl Status {
    /// Open311 sees only `open` and `closed`.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::New | Status::TakenIn | Status::InProgress | Status::NotCompetent
        )
    }

    /// The statuses in which an office is working the report (the "nearby" search
    /// shows these: a citizen may follow one instead of filing a duplicate).
    pub const ACTIVE: [Status; 3] = [Status::New, Status::TakenIn, Status::InProgress];

    /// The statuses the map and the list show unless asked for others:
    /// all but `rejected`.
    pub fn listed() -> impl Iterator<Item = Status> {
        Status::ALL
            .iter()
            .copied()
            .filter(|s| *s != Status::Rejected)
    }

    /// The statuses [`Status::is_open`] accepts.
    pub const OPEN: [Status; 4] = [
        Status::New,
        Status::TakenIn,
        Status::InProgress,
        Status::NotCompetent,
    ];
}

impl EventKind {
    /// Whether the event appears on the public timeline.
    pub fn is_public(self) -> bool {
        !matches!(
            self,
            EventKind::InternalNote
                | EventKind::Escalated
                | EventKind::Notified
                | EventKind::CallbackLogged
                | EventKind::Reassigned
                | EventKind::PersonalDataViewed
                | EventKind::Anonymised
                | EventKind::InformationAdded
                | EventKind::Published
                | EventKind::Hidden
                | EventKind::PublicTextEdited
                | EventKind::PhotoPublished
                | EventKind::PhotoHidden
        )
    }
}

/// The end of the time a citizen has to reopen a report resolved at
/// `resolved_at`; past it, the report closes by itself.
pub fn reopen_window_ends(resolved_at: DateTime<Utc>, reopen_days: i32) -> DateTime<Utc> {
    resolved_at + Duration::days(i64::from(reopen_days.max(0)))
}

/// A transition that the workflow does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a report cannot go from `{from}` to `{to}`")]
pub struct TransitionNotAllowed {
    pub from: Status,
    pub to: Status,
}

/// Checks one step of the workflow:
///
/// `new → taken_in → in_progress → resolved → closed`, a quick fix straight from
/// `taken_in` to `resolved`; `rejected` and `not_competent` from any open working
/// state; `resolved → in_progress` when the citizen reopens; `not_competent → new`
/// when a supervisor re-routes the report.
/// Why the report `report_id` cannot be marked a duplicate of `original`, if
/// it cannot: the original must be another report of the same comune that is
/// itself neither rejected nor a duplicate (nor a duplicate of this one).
pub fn duplicate_refusal(
    report_id: i64,
    report_comune: &str,
    original: (i64, &str, Status, Option<i64>),
) -> Option<&'static str> {
    let (original_id, original_comune, original_status, original_duplicate_of) = original;
    if original_id == report_id || original_duplicate_of == Some(report_id) {
        Some("a report cannot duplicate itself")
    } else if original_comune != report_comune {
        Some("the original is in another municipality")
    } else if original_duplicate_of.is_some() || original_status == Status::Rejected {
        Some("the original is itself rejected or a duplicate: choose the report it points to")
    } else {
        None
    }
}

/// Whether a report in `status` may be re-routed (another category or
/// office): while no office has finished with it.
pub fn may_be_rerouted(status: Status) -> bool {
    matches!(
        status,
        Status::New | Status::TakenIn | Status::InProgress | Status::NotCompetent
    )
}

pub fn check_transition(from: Status, to: Status) -> Result<(), TransitionNotAllowed> {
    use Status::*;
    let allowed = matches!(
        (from, to),
        (New, TakenIn)
            | (TakenIn, InProgress)
            | (TakenIn, Resolved)
            | (InProgress, Resolved)
            | (Resolved, Closed)
            | (Resolved, InProgress)
            | (New | TakenIn | InProgress, Rejected)
            | (New | TakenIn | InProgress, NotCompetent)
            | (NotCompetent, New)
    );
    if allowed {
        Ok(())
    } else {
        Err(TransitionNotAllowed { from, to })
    }
}

/// The statuses staff may move a report in `from` to through a status
/// change: what [`check_transition`] allows, but closing (the citizen's, by
/// confirming) and going back to `new` (re-routing is its own action).
pub fn staff_next(from: Status) -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|to| !matches!(to, Status::Closed | Status::New))
        .filter(|to| check_transition(from, *to).is_ok())
        .collect()
}

/// The public code of a report: `PI-2026-000123`.
/// Whether `prefix` may begin a comune's report codes: 1-8 letters or
/// digits (it is read out on the phone, and appears in every address).
pub fn is_code_prefix(prefix: &str) -> bool {
    (1..=8).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_alphanumeric())
}

pub fn format_code(prefix: &str, year: i32, seq: i64) -> String {
    format!("{prefix}-{year}-{seq:06}")
}

/// The expected completion date shown to the citizen: the category's resolution
/// target counted from when the report was received.
pub fn expected_resolution(received_at: DateTime<Utc>, target_days: i32) -> DateTime<Utc> {
    received_at + Duration::days(i64::from(target_days.max(0)))
}

/// What arrives to create a report, before validation.
#[derive(Debug, Clone, Default)]
pub struct ReportDraft {
    pub category: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    pub contact: Option<String>,
    pub language: Option<String>,
    pub channel: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
}

/// Who is filing: a citizen on the web form, or staff on behalf of a citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filer {
    Citizen,
    OnBehalf,
    Integration,
}

/// Who the citizen is, as far as they chose to say: each part optional, the
/// e-mail and phone checked and normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reporter {
    pub name: Option<String>,
    pub email: Option<validate::Email>,
    pub phone: Option<validate::Phone>,
}

/// A new report that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport {
    pub category: String,
    pub title: Option<String>,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub reporter: Reporter,
    pub contact: ContactPreference,
    pub language: Language,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
}

pub const TITLE_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 4000;
pub const ADDRESS_MAX: usize = 300;
pub const NAME_MAX: usize = 200;
/// How far back an operator may date a report the citizen phoned in.
pub const RECEIVED_AT_MAX_AGE_DAYS: i64 = 7;

fn ok<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Validates a new report, collecting every field error at once so that a form
/// can show them all next to their fields.
pub fn validate_new_report(
    draft: &ReportDraft,
    filer: Filer,
    now: DateTime<Utc>,
) -> Result<ValidReport, Vec<FieldError>> {
    let mut errors = Vec::new();

    let category = ok(
        &mut errors,
        validate::required_text("category", Some(&draft.category), 64),
    );
    let title = ok(
        &mut errors,
        validate::optional_text("title", draft.title.as_deref(), TITLE_MAX),
    )
    .flatten();
    let description = ok(
        &mut errors,
        validate::required_text("description", draft.description.as_deref(), DESCRIPTION_MAX),
    );
    let coords = ok(&mut errors, validate::coordinates(draft.lat, draft.lon));
    let address = ok(
        &mut errors,
        validate::optional_text("address", draft.address.as_deref(), ADDRESS_MAX),
    )
    .flatten();
    let reporter = reporter_of(draft, &mut errors);
    let language = ok(&mut errors, language_of(draft));
    let contact = ok(
        &mut errors,
        contact_of(draft, reporter.email.is_some(), reporter.phone.is_some()),
    );
    let channel = ok(&mut errors, channel_of(draft, filer));
    let received_at = ok(&mut errors, received_at_of(draft, filer, now));

    match (
        category,
        description,
        coords,
        language,
        contact,
        channel,
        received_at,
    ) {
        (
            Some(category),
            Some(description),
            Some((lat, lon)),
            Some(language),
            Some(contact),
            Some(channel),
            Some(received_at),
        ) if errors.is_empty() => Ok(ValidReport {
            category,
            title,
            description,
            lat,
            lon,
            address,
            reporter,
            contact,
            language,
            channel,
            received_at,
        }),
        _ => Err(errors),
    }
}

/// The reporter's name, e-mail and phone, each optional (a blank e-mail or
/// phone is none given); the errors of those given but invalid go to `errors`.
fn reporter_of(draft: &ReportDraft, errors: &mut Vec<FieldError>) -> Reporter {
    let name = ok(
        errors,
        validate::optional_text("reporter.name", draft.reporter_name.as_deref(), NAME_MAX),
    )
    .flatten();
    let email = draft
        .reporter_email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| ok(errors, validate::Email::parse("reporter.email", e)));
    let phone = draft
        .reporter_phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| ok(errors, validate::Phone::parse("reporter.phone", p)));
    Reporter { name, email, phone }
}

/// The citizen's language: Italian unless English is asked for.
fn language_of(draft: &ReportDraft) -> Result<Language, FieldError> {
    match draft.language.as_deref() {
        None => Ok(Language::It),
        Some(l) => l.parse().map_err(|_| {
            FieldError::new(
                "language",
                ErrorCode::InvalidLanguage,
                "language must be `it` or `en`",
            )
        }),
    }
}

/// How the citizen is kept informed: as asked (with the address or number
/// it needs: `has_email`/`has_phone` say whether a valid one was given), or
/// else by e-mail if there is one, by phone if there is one, not at all.
fn contact_of(
    draft: &ReportDraft,
    has_email: bool,
    has_phone: bool,
) -> Result<ContactPreference, FieldError> {
    match draft.contact.as_deref() {
        None if has_email => Ok(ContactPreference::Email),
        None if has_phone => Ok(ContactPreference::Phone),
        None => Ok(ContactPreference::None),
        Some(c) => match c.parse::<ContactPreference>() {
            Err(_) => Err(FieldError::new(
                "reporter.contact",
                ErrorCode::InvalidContact,
                "contact must be `email`, `phone` or `none`",
            )),
            // An address or number given but invalid has its own error already.
            Ok(ContactPreference::Email) if !has_email && draft.reporter_email.is_none() => {
                Err(FieldError::new(
                    "reporter.email",
                    ErrorCode::Required,
                    "an email address is needed to be kept informed by email",
                ))
            }
            Ok(ContactPreference::Phone) if !has_phone && draft.reporter_phone.is_none() => {
                Err(FieldError::new(
                    "reporter.phone",
                    ErrorCode::Required,
                    "a phone number is needed to be called back",
                ))
            }
            Ok(c) => Ok(c),
        },
    }
}

/// Where the report came in: the web form, an integration, or (named by the
/// staff who enter it on a citizen's behalf) the counter, a call or a mail.
fn channel_of(draft: &ReportDraft, filer: Filer) -> Result<Channel, FieldError> {
    match (filer, draft.channel.as_deref()) {
        (Filer::Citizen, None) => Ok(Channel::Web),
        (Filer::Integration, None) => Ok(Channel::Open311),
        (Filer::OnBehalf, None) => Err(FieldError::new(
            "channel",
            ErrorCode::Required,
            "channel is required for reports entered on behalf of a citizen",
        )),
        (Filer::OnBehalf, Some(c)) => match c.parse::<Channel>() {
            Ok(ch @ (Channel::Counter | Channel::Phone | Channel::Email)) => Ok(ch),
            _ => Err(FieldError::new(
                "channel",
                ErrorCode::InvalidChannel,
                "channel must be `counter`, `phone` or `email`",
            )),
        },
        (_, Some(_)) => Err(FieldError::new(
            "channel",
            ErrorCode::StaffOnly,
            "only staff entering a report on behalf of a citizen may set channel",
        )),
    }
}

/// When the comune received it: now, or (for staff entering a report a
/// citizen phoned in) the moment given, within the last few days.
fn received_at_of(
    draft: &ReportDraft,
    filer: Filer,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    match (filer, draft.received_at) {
        (_, None) => Ok(now),
        (Filer::OnBehalf, Some(at)) if at > now + Duration::minutes(1) => Err(FieldError::new(
            "received_at",
            ErrorCode::InFuture,
            "received_at cannot be in the future",
        )),
        (Filer::OnBehalf, Some(at)) if at < now - Duration::days(RECEIVED_AT_MAX_AGE_DAYS) => {
            Err(FieldError::new(
                "received_at",
                ErrorCode::TooOld,
                format!("received_at can be at most {RECEIVED_AT_MAX_AGE_DAYS} days in the past"),
            ))
        }
        (Filer::OnBehalf, Some(at)) => Ok(at.min(now)),
        (_, Some(_)) => Err(FieldError::new(
            "received_at",
            ErrorCode::StaffOnly,
            "only staff entering a report on behalf of a citizen may set received_at",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_prefix_is_one_to_eight_letters_or_digits() {
        for good in ["PI", "G702", "ABCDEFGH", "1"] {
            assert!(is_code_prefix(good), "{good}");
        }
        for bad in ["", "B-R", "ABCDEFGHI", "PÌ", "P I"] {
            assert!(!is_code_prefix(bad), "{bad}");
        }
    }

    #[test]
    fn a_duplicate_points_to_a_live_original_of_its_own_comune() {
        let pisa = "050026";
        let ok = (2, pisa, Status::TakenIn, None);
        assert_eq!(duplicate_refusal(1, pisa, ok), None);
        assert!(duplicate_refusal(1, pisa, (1, pisa, Status::New, None)).is_some());
        assert!(
            duplicate_refusal(1, pisa, (2, pisa, Status::New, Some(1))).is_some(),
            "not in a circle"
        );
        assert!(duplicate_refusal(1, pisa, (2, "048001", Status::New, None)).is_some());
        assert!(duplicate_refusal(1, pisa, (2, pisa, Status::Rejected, None)).is_some());
        assert!(duplicate_refusal(1, pisa, (2, pisa, Status::New, Some(3))).is_some());
    }

    #[test]
    fn staff_are_offered_the_workflow_but_closing_and_going_back_to_new() {
        use Status::*;
        assert_eq!(staff_next(New), [TakenIn, Rejected, NotCompetent]);
        assert_eq!(
            staff_next(TakenIn),
            [InProgress, Resolved, Rejected, NotCompetent]
        );
        assert_eq!(staff_next(Resolved), [InProgress]);
        assert!(staff_next(NotCompetent).is_empty());
        assert!(staff_next(Closed).is_empty());
        assert!(staff_next(Rejected).is_empty());
    }

    #[test]
    fn only_reports_no_office_has_finished_with_are_rerouted() {
        let rerouted: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| may_be_rerouted(*s))
            .collect();
        assert_eq!(
            rerouted,
            [
                Status::New,
                Status::TakenIn,
                Status::InProgress,
                Status::NotCompetent
            ]
        );
    }

    #[test]
    fn every_pair_of_statuses_is_decided() {
        use Status::*;
        let allowed = [
            (New, TakenIn),
            (New, Rejected),
            (New, NotCompetent),
            (TakenIn, InProgress),
            (TakenIn, Resolved),
            (TakenIn, Rejected),
            (TakenIn, NotCompetent),
            (InProgress, Resolved),
            (InProgress, Rejected),
            (InProgress, NotCompetent),
            (Resolved, Closed),
            (Resolved, InProgress),
            (NotCompetent, New),
        ];
        let mut count = 0;
        for &from in Status::ALL {
            for &to in Status::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(
                    check_transition(from, to).is_ok(),
                    expected,
                    "{from} → {to}"
                );
                count += 1;
            }
        }
        assert_eq!(count, 49);
    }

    #[test]
    fn terminal_states_go_nowhere() {
        for &to in Status::ALL {
            assert!(check_transition(Status::Closed, to).is_err());
            assert!(check_transition(Status::Rejected, to).is_err());
        }
    }

    #[test]
    fn codes_are_zero_padded() {
        assert_eq!(format_code("PI", 2026, 123), "PI-2026-000123");
        assert_eq!(format_code("PI", 2026, 1_234_567), "PI-2026-1234567");
    }

    fn now() -> DateTime<Utc> {
        "2026-12-04T15:00:00Z".parse().unwrap()
    }

    fn draft() -> ReportDraft {
        ReportDraft {
            category: "buche".into(),
            description: Some("Buca profonda davanti al civico 12".into()),
            lat: 43.7167,
            lon: 10.4,
            reporter_email: Some("mario@example.it".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_citizen_report_defaults_sensibly() {
        let r = validate_new_report(&draft(), Filer::Citizen, now()).unwrap();
        assert_eq!(r.channel, Channel::Web);
        assert_eq!(r.contact, ContactPreference::Email);
        assert_eq!(r.language, Language::It);
        assert_eq!(r.received_at, now());
    }

    #[test]
    fn all_errors_are_reported_together() {
        let d = ReportDraft {
            category: "".into(),
            description: Some(" ".into()),
            lat: f64::NAN,
            reporter_email: Some("nope".into()),
            reporter_phone: Some("12".into()),
            ..Default::default()
        };
        let errs = validate_new_report(&d, Filer::Citizen, now()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "category",
                "description",
                "lat",
                "reporter.email",
                "reporter.phone"
            ]
        );
    }

    #[test]
    fn citizens_cannot_backdate_or_pick_a_channel() {
        let mut d = draft();
        d.channel = Some("phone".into());
        d.received_at = Some(now() - Duration::hours(1));
        let errs = validate_new_report(&d, Filer::Citizen, now()).unwrap_err();
        assert!(errs.iter().all(|e| e.code == "staff_only"));
        assert_eq!(errs.len(), 2);
    }

    #[test]
    fn on_behalf_entry_rules() {
        let mut d = draft();
        d.reporter_email = None;
        d.reporter_phone = Some("333 1234567".into());
        d.channel = Some("phone".into());
        d.received_at = Some(now() - Duration::hours(2));
        let r = validate_new_report(&d, Filer::OnBehalf, now()).unwrap();
        assert_eq!(r.contact, ContactPreference::Phone);
        assert_eq!(r.received_at, now() - Duration::hours(2));

        d.received_at = Some(now() + Duration::hours(1));
        assert_eq!(
            validate_new_report(&d, Filer::OnBehalf, now()).unwrap_err()[0].code,
            "in_future"
        );
        d.received_at = Some(now() - Duration::days(8));
        assert_eq!(
            validate_new_report(&d, Filer::OnBehalf, now()).unwrap_err()[0].code,
            "too_old"
        );
        d.received_at = None;
        d.channel = Some("web".into());
        assert_eq!(
            validate_new_report(&d, Filer::OnBehalf, now()).unwrap_err()[0].code,
            "invalid_channel"
        );
    }

    #[test]
    fn contact_preference_needs_the_matching_detail() {
        let mut d = draft();
        d.contact = Some("phone".into());
        assert_eq!(
            validate_new_report(&d, Filer::Citizen, now()).unwrap_err()[0].field,
            "reporter.phone"
        );
        d.contact = Some("none".into());
        assert_eq!(
            validate_new_report(&d, Filer::Citizen, now())
                .unwrap()
                .contact,
            ContactPreference::None
        );
    }
}
