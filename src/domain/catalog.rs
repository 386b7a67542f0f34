//! What a comune's catalog accepts: the code of an office or a category, an
//! office's kind, a category's targets, an office's webhook. Pure checks,
//! each naming its field; the administrator's use cases (`app::admin`) run
//! them before anything is stored.

use super::codes::ErrorCode;
use super::validate::FieldError;

string_enum! {
    /// Who works an office's reports: the comune's own staff, or a company
    /// under contract.
    OfficeKind { Internal = "internal", Company = "company" }
}

/// A code of an office or a category: 1-64 lower-case letters, digits, `-`
/// or `_` (it appears in addresses and in Open311's `service_code`).
pub fn check_code(code: &str) -> Result<(), FieldError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "code",
            ErrorCode::InvalidCode,
            "codes are 1-64 lower-case letters, digits, `-` or `_`",
        ))
    }
}

/// An office's kind, as given.
pub fn office_kind(kind: &str) -> Result<OfficeKind, FieldError> {
    kind.parse().map_err(|_| {
        FieldError::new(
            "kind",
            ErrorCode::InvalidKind,
            "office kind must be `internal` or `company`",
        )
    })
}

/// A category's take-in hours (1-720) and resolution days (1-3650), each
/// refused under its own field.
pub fn check_targets(sla_hours: Option<i32>, target_days: Option<i32>) -> Result<(), FieldError> {
    if sla_hours.is_some_and(|h| !(1..=720).contains(&h)) {
        return Err(FieldError::new(
            "take_in_sla_hours",
            ErrorCode::OutOfRange,
            "the take-in SLA is 1 to 720 working hours",
        ));
    }
    if target_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(FieldError::new(
            "resolution_target_days",
            ErrorCode::OutOfRange,
            "the resolution target is 1 to 3650 days",
        ));
    }
    Ok(())
}

/// An office's webhook: an http(s) URL and a secret of at least 16
/// characters to sign with.
pub fn check_webhook(url: &str, secret: &str) -> Result<(), FieldError> {
    if (url.starts_with("https://") || url.starts_with("http://")) && secret.len() >= 16 {
        Ok(())
    } else {
        Err(FieldError::new(
            "webhook_url",
            ErrorCode::InvalidWebhook,
            "an http(s) URL and a secret of at least 16 characters",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_short_lower_case_and_plain() {
        for good in ["buche", "rifiuti-ingombranti", "zona_1", "a"] {
            assert!(check_code(good).is_ok(), "{good}");
        }
        let too_long = "a".repeat(65);
        for bad in [
            "",
            "Buche",
            "buche stradali",
            "buché",
            "a/b",
            too_long.as_str(),
        ] {
            let e = check_code(bad).unwrap_err();
            assert_eq!((e.field, e.code), ("code", ErrorCode::InvalidCode), "{bad}");
        }
    }

    #[test]
    fn an_office_is_internal_or_a_company() {
        assert_eq!(office_kind("internal").unwrap(), OfficeKind::Internal);
        assert_eq!(office_kind("company").unwrap(), OfficeKind::Company);
        assert_eq!(
            office_kind("Company").unwrap_err().code,
            ErrorCode::InvalidKind
        );
    }

    #[test]
    fn targets_are_bounded_and_each_refused_under_its_own_field() {
        assert!(check_targets(Some(1), Some(3650)).is_ok());
        assert!(check_targets(None, None).is_ok());
        assert_eq!(
            check_targets(Some(0), None).unwrap_err().field,
            "take_in_sla_hours"
        );
        assert_eq!(
            check_targets(Some(721), None).unwrap_err().field,
            "take_in_sla_hours"
        );
        assert_eq!(
            check_targets(None, Some(3651)).unwrap_err().field,
            "resolution_target_days"
        );
    }

    #[test]
    fn a_webhook_needs_an_http_url_and_a_long_secret() {
        assert!(check_webhook("https://ditta.example/hook", "0123456789abcdef").is_ok());
        assert!(check_webhook("ftp://ditta.example/hook", "0123456789abcdef").is_err());
        assert!(check_webhook("https://ditta.example/hook", "short").is_err());
    }
}
