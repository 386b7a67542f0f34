//! The one list of machine-readable error codes: every `code` the API
//! gives, in an error envelope (`{"error": {"code": …}}`) or in a field
//! problem of `validation_failed` (`details[].code`). The API's clients match
//! on these, so a code, once given, keeps its spelling; the web shows each in
//! Italian and English (`web/src/i18n/*/common.json`, `errors.<code>`; a test
//! checks every code has both).

string_enum! {
    /// A stable machine-readable error code.
    ErrorCode {
        AccountLocked = "account_locked",
        AlreadyExists = "already_exists",
        AnimatedImage = "animated_image",
        AnswerDoesNotFit = "answer_does_not_fit",
        ApiKeyNotFound = "api_key_not_found",
        AttachmentLimitReached = "attachment_limit_reached",
        AttachmentNotFound = "attachment_not_found",
        BackupCorrupt = "backup_corrupt",
        BackupIncomplete = "backup_incomplete",
        BackupTargetExists = "backup_target_exists",
        BackupUnsupported = "backup_unsupported",
        BboxRequired = "bbox_required",
        BusyProcessingFiles = "busy_processing_files",
        BusyReceivingFiles = "busy_receiving_files",
        BusySigningIn = "busy_signing_in",
        CallbackClosed = "callback_closed",
        CallbackNotFound = "callback_not_found",
        CannotReassign = "cannot_reassign",
        CatalogueExists = "catalogue_exists",
        CategoryExists = "category_exists",
        CategoryIsGroup = "category_is_group",
        CategoryNotFound = "category_not_found",
        CategoryNotInMunicipality = "category_not_in_municipality",
        CitizenOnly = "citizen_only",
        ConcurrentUpdate = "concurrent_update",
        DatabaseExists = "database_exists",
        DuplicateQuestion = "duplicate_question",
        FileRequired = "file_required",
        FileTooLarge = "file_too_large",
        Forbidden = "forbidden",
        HolidayNotFound = "holiday_not_found",
        ImageTooLarge = "image_too_large",
        InFuture = "in_future",
        InternalError = "internal_error",
        InvalidApiKey = "invalid_api_key",
        InvalidAttribute = "invalid_attribute",
        InvalidBbox = "invalid_bbox",
        InvalidBody = "invalid_body",
        InvalidCalendar = "invalid_calendar",
        InvalidChannel = "invalid_channel",
        InvalidCharacters = "invalid_characters",
        InvalidCode = "invalid_code",
        InvalidContact = "invalid_contact",
        InvalidCoordinates = "invalid_coordinates",
        InvalidCredentials = "invalid_credentials",
        InvalidCursor = "invalid_cursor",
        InvalidDatatype = "invalid_datatype",
        InvalidDate = "invalid_date",
        InvalidDay = "invalid_day",
        InvalidDeadlineMode = "invalid_deadline_mode",
        InvalidDuplicate = "invalid_duplicate",
        InvalidEmail = "invalid_email",
        InvalidFormat = "invalid_format",
        InvalidGeojson = "invalid_geojson",
        InvalidGeometry = "invalid_geometry",
        InvalidHoliday = "invalid_holiday",
        InvalidKind = "invalid_kind",
        InvalidLanguage = "invalid_language",
        InvalidLimit = "invalid_limit",
        InvalidOutcome = "invalid_outcome",
        InvalidPath = "invalid_path",
        InvalidPeriod = "invalid_period",
        InvalidPhone = "invalid_phone",
        InvalidPrefix = "invalid_prefix",
        InvalidPublication = "invalid_publication",
        InvalidQuery = "invalid_query",
        InvalidQuestion = "invalid_question",
        InvalidRadius = "invalid_radius",
        InvalidRating = "invalid_rating",
        InvalidRole = "invalid_role",
        InvalidScore = "invalid_score",
        InvalidState = "invalid_state",
        InvalidStatus = "invalid_status",
        InvalidToken = "invalid_token",
        InvalidUsername = "invalid_username",
        InvalidWebhook = "invalid_webhook",
        InvalidZoom = "invalid_zoom",
        MalformedBody = "malformed_body",
        MalformedJson = "malformed_json",
        MalformedMultipart = "malformed_multipart",
        MethodNotAllowed = "method_not_allowed",
        MissingAttribute = "missing_attribute",
        MunicipalityExists = "municipality_exists",
        MunicipalityNotFound = "municipality_not_found",
        MunicipalityRequired = "municipality_required",
        NameRequired = "name_required",
        NeverPublished = "never_published",
        NoWebhook = "no_webhook",
        NotABackup = "not_a_backup",
        NotAUser = "not_a_user",
        NotFound = "not_found",
        NothingToChange = "nothing_to_change",
        OfficeExists = "office_exists",
        OfficeInUse = "office_in_use",
        OfficeInactive = "office_inactive",
        OfficeNotFound = "office_not_found",
        OutOfRange = "out_of_range",
        OutboxRowNotFound = "outbox_row_not_found",
        OutsideTerritory = "outside_territory",
        OutsideYourComune = "outside_your_comune",
        PayloadTooLarge = "payload_too_large",
        PeriodTooLong = "period_too_long",
        PrefixRequired = "prefix_required",
        PrefixTaken = "prefix_taken",
        QuestionTypeChanged = "question_type_changed",
        ReopenWindowClosed = "reopen_window_closed",
        ReportClosed = "report_closed",
        ReportNotFound = "report_not_found",
        ReportNotPublic = "report_not_public",
        Required = "required",
        ServiceNotFound = "service_not_found",
        ServiceUnavailable = "service_unavailable",
        StaffOnly = "staff_only",
        StorageFull = "storage_full",
        TokenRequired = "token_required",
        TooDeep = "too_deep",
        TooLong = "too_long",
        TooMany = "too_many",
        TooManyAttempts = "too_many_attempts",
        TooManyFeedbackAnswers = "too_many_feedback_answers",
        TooManyFiles = "too_many_files",
        TooManyQuestions = "too_many_questions",
        TooManyReports = "too_many_reports",
        TooManyUploads = "too_many_uploads",
        TooOld = "too_old",
        TooShort = "too_short",
        TransitionNotAllowed = "transition_not_allowed",
        Unauthorized = "unauthorized",
        UnexpectedField = "unexpected_field",
        UnknownAttribute = "unknown_attribute",
        UnknownCategory = "unknown_category",
        UnknownOffice = "unknown_office",
        UnknownPage = "unknown_page",
        UnknownPhoto = "unknown_photo",
        UnknownReport = "unknown_report",
        UnknownScenario = "unknown_scenario",
        UnknownService = "unknown_service",
        UnreadableFile = "unreadable_file",
        UnreadableImage = "unreadable_image",
        UnsupportedFileType = "unsupported_file_type",
        UnsupportedMediaType = "unsupported_media_type",
        UploadTooSlow = "upload_too_slow",
        UserNotFound = "user_not_found",
        UsernameTaken = "username_taken",
        ValidationFailed = "validation_failed",
        ZoneNotFound = "zone_not_found",
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `errors` texts of the web's `common.json` in `language`.
    fn texts(language: &str) -> serde_json::Map<String, serde_json::Value> {
        let path = format!(
            "{}/web/src/i18n/{language}/common.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path);
        doc["errors"].as_object().expect("errors").clone()
    }

    #[test]
    fn every_code_has_an_italian_and_an_english_text_and_no_text_is_left_over() {
        // Texts of the web's own, not the API's: an unreachable server, a 500.
        let web_only = ["network", "http_500"];
        for language in ["it", "en"] {
            let texts = texts(language);
            let missing: Vec<_> = ErrorCode::ALL
                .iter()
                .filter(|c| {
                    let text = texts.get(c.as_str()).and_then(|t| t.as_str());
                    text.is_none_or(|t| t.trim().is_empty())
                })
                .collect();
            assert!(missing.is_empty(), "no {language} text for {missing:?}");
            let codes: BTreeSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
            let stale: Vec<_> = texts
                .keys()
                .filter(|k| !codes.contains(k.as_str()) && !web_only.contains(&k.as_str()))
                .collect();
            assert!(stale.is_empty(), "{language} texts for no code: {stale:?}");
        }
    }

    #[test]
    fn a_code_is_sent_as_written() {
        for code in ErrorCode::ALL {
            let sent = serde_json::to_value(code).unwrap();
            assert_eq!(sent, code.as_str());
            assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), *code);
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
        }
    }
}
