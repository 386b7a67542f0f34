//! Validation and normalisation of what citizens type: emails, Italian phone
//! numbers, free text. Pure functions; errors name the field and a stable code.

use super::codes::ErrorCode;

/// A rejected input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }

    /// The same error for another field (`email` and `phone` name the
    /// citizen's by default).
    pub fn named(self, field: &'static str) -> Self {
        Self { field, ..self }
    }
}

/// Whether a character may be stored in a text field: no control characters
/// but tab and line breaks, and nothing XML 1.0 forbids (U+FFFE, U+FFFF; a
/// lone surrogate never reaches a Rust string), so that every stored report
/// can be written as Open311 XML.
pub fn allowed_char(c: char) -> bool {
    if c.is_control() {
        return matches!(c, '\t' | '\n' | '\r');
    }
    !matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// What [`allowed_char`] accepts, as a JSON Schema (ECMA-262) pattern: the
/// API document states it on every free-text field.
pub const TEXT_PATTERN: &str =
    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]*$";

/// [`TEXT_PATTERN`] with at least one character that is not a space: what
/// [`required_text`] accepts.
pub const REQUIRED_TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]*[^\s\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]*$";

/// The plainest addresses [`email`] accepts, as a JSON Schema pattern (it
/// accepts more: the document promises only what is sure).
pub const EMAIL_PATTERN: &str = r"^[A-Za-z0-9!#$&'*+/=^_`{|}~-]([A-Za-z0-9.!#$&'*+/=^_`{|}~-]{0,62}[A-Za-z0-9!#$&'*+/=^_`{|}~-])?@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}$";

/// The plainest numbers [`phone`] accepts (it also takes spaces, dots,
/// dashes, slashes, brackets and other countries' `+CC` numbers).
pub const PHONE_PATTERN: &str = r"^(\+39 ?)?(3[0-9]{2} ?[0-9]{6,7}|0[1-9][0-9]{4,9})$";

/// The error for text with characters [`allowed_char`] refuses.
pub fn invalid_characters(field: &'static str) -> FieldError {
    FieldError::new(
        field,
        ErrorCode::InvalidCharacters,
        format!("{field} contains characters that are not allowed (control characters, U+FFFE or U+FFFF)"),
    )
}

/// A citizen's rating of the service: 1 (very hard) to 5 (very easy).
pub fn score(field: &'static str, value: i32) -> Result<i32, FieldError> {
    if (1..=5).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::InvalidScore,
            "score is 1 (very hard) to 5 (very easy)",
        ))
    }
}

/// Trims `value` and checks its length in characters; empty becomes `None`.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    // The characters of the whole value, spaces around included: what
    // `TEXT_PATTERN` states.
    if value.is_some_and(|v| !v.chars().all(allowed_char)) {
        return Err(invalid_characters(field));
    }
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("{field} must be at most {max_chars} characters"),
        ));
    }
    Ok(Some(v.to_string()))
}

/// Like [`optional_text`], but the value must be present.
pub fn required_text(
    field: &'static str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<String, FieldError> {
    optional_text(field, value, max_chars)?
        .ok_or_else(|| FieldError::new(field, ErrorCode::Required, format!("{field} is required")))
}

/// An e-mail address that passed the checks of [`Email::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// A plausible address, domain lower-cased, or an `invalid_email` error
    /// under `field` (the caller's name for it: `reporter.email`,
    /// `urp_email`, …).
    pub fn parse(field: &'static str, value: &str) -> Result<Self, FieldError> {
        email(value).map(Self).map_err(|e| e.named(field))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A phone number that passed the checks of [`Phone::parse`], in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// An Italian or `+CC` international number in E.164, or an
    /// `invalid_phone` error under `field`.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, FieldError> {
        phone(value).map(Self).map_err(|e| e.named(field))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A plausible email address, lower-cased domain. Deliberately simple: one `@`,
/// a non-empty local part, a dotted domain of letters, digits and hyphens.
fn email(value: &str) -> Result<String, FieldError> {
    let err = || {
        FieldError::new(
            "email",
            ErrorCode::InvalidEmail,
            "not a valid email address",
        )
    };
    let v = value.trim();
    if v.len() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err());
    }
    let (local, domain) = v.split_once('@').ok_or_else(err)?;
    // The characters real addresses use; not `%`, `?`, quotes or brackets,
    // which a link or a log line would read as something else.
    let local_ok = |c: char| c.is_ascii_alphanumeric() || ".!#$&'*+/=^_`{|}~-".contains(c);
    if !local.chars().all(local_ok) {
        return Err(err());
    }
    if local.is_empty()
        || local.len() > 64
        || domain.contains('@')
        || local.starts_with('.')
        || local.ends_with('.')
    {
        return Err(err());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2
        || !labels.iter().all(label_ok)
        || labels.last().is_some_and(|tld| tld.len() < 2)
    {
        return Err(err());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// An Italian phone number (mobile `3xx…` or landline `0…`), with or without
/// `+39`/`0039`, spaces, dots, dashes, slashes or parentheses; or any other
/// international number in `+CC…` form. Returned in E.164 (`+39…`).
fn phone(value: &str) -> Result<String, FieldError> {
    let err = || {
        FieldError::new(
            "phone",
            ErrorCode::InvalidPhone,
            "not a valid phone number (e.g. 050 910111, 333 1234567, +39 333 1234567)",
        )
    };
    let v = value.trim();
    if v.is_empty() || v.len() > 32 {
        return Err(err());
    }
    let mut digits = String::new();
    let mut plus = false;
    for (i, c) in v.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '.' | '-' | '/' | '(' | ')' => {}
            _ => return Err(err()),
        }
    }
    let national = if plus {
        match digits.strip_prefix("39") {
            Some(rest) => rest.to_string(),
            // Another country: E.164 allows up to 15 digits in all.
            None if (8..=15).contains(&digits.len()) => return Ok(format!("+{digits}")),
            None => return Err(err()),
        }
    } else if let Some(rest) = digits.strip_prefix("0039") {
        rest.to_string()
    } else {
        digits
    };
    let ok = match national.chars().next() {
        Some('3') => (9..=10).contains(&national.len()),
        Some('0') => (6..=11).contains(&national.len()),
        _ => false,
    };
    if ok {
        Ok(format!("+39{national}"))
    } else {
        Err(err())
    }
}

/// Latitude and longitude: finite and in range.
pub fn coordinates(lat: f64, lon: f64) -> Result<(f64, f64), FieldError> {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(FieldError::new(
            "lat",
            ErrorCode::InvalidCoordinates,
            "lat must be a number between -90 and 90",
        ));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(FieldError::new(
            "lon",
            ErrorCode::InvalidCoordinates,
            "lon must be a number between -180 and 180",
        ));
    }
    Ok((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_or_a_phone_is_refused_under_the_callers_field() {
        assert_eq!(
            Email::parse("urp_email", "no").unwrap_err().field,
            "urp_email"
        );
        assert_eq!(
            Phone::parse("urp_phone", "12").unwrap_err().field,
            "urp_phone"
        );
        assert_eq!(
            Email::parse("reporter.email", "Ada@Example.IT")
                .unwrap()
                .as_str(),
            "Ada@example.it"
        );
        assert_eq!(
            Phone::parse("phone", "050 910111").unwrap().into_string(),
            "+39050910111"
        );
    }

    #[test]
    fn italian_phones_are_normalised() {
        for (input, want) in [
            ("333 1234567", "+393331234567"),
            ("+39 333 123 4567", "+393331234567"),
            ("0039-333-1234567", "+393331234567"),
            ("050 910111", "+39050910111"),
            ("(050) 91.01.11", "+39050910111"),
            ("06/6710", "+39066710"),
            ("+33 1 23 45 67 89", "+33123456789"),
        ] {
            assert_eq!(phone(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "",
            "abc",
            "12345",
            "333 12",
            "+39 12345678",
            "800-CALL-NOW",
            "3331234567890",
            "+1",
        ] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(" Mario.Rossi@Comune.Pisa.IT ").unwrap(),
            "Mario.Rossi@comune.pisa.it"
        );
        for bad in [
            "",
            "mario",
            "mario@",
            "@pisa.it",
            "mario@pisa",
            "ma rio@pisa.it",
            "a@b@c.it",
            "m@-pisa.it",
            "m@pisa.i",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts() {
        assert_eq!(optional_text("t", Some("  "), 5).unwrap(), None);
        assert_eq!(
            optional_text("t", Some(" àèìòù "), 5).unwrap().as_deref(),
            Some("àèìòù")
        );
        assert!(optional_text("t", Some("abcdef"), 5).is_err());
        assert!(optional_text("t", Some("a\u{0}b"), 5).is_err());
        assert!(required_text("t", None, 5).is_err());
    }

    #[test]
    fn coordinate_ranges() {
        assert!(coordinates(43.7, 10.4).is_ok());
        assert!(coordinates(f64::NAN, 10.4).is_err());
        assert!(coordinates(91.0, 10.4).is_err());
        assert!(coordinates(43.0, -181.0).is_err());
        assert!(coordinates(43.0, f64::INFINITY).is_err());
    }
}
