//! Per-category templates for the public message that goes with a status
//! change ("Abbiamo preso in carico la segnalazione: la squadra interverrà
//! entro …"). Staff pick one and edit it before sending.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::codes::ErrorCode;
use super::report::Status;
use super::validate::{required_text, FieldError};

/// At most this many templates per category.
pub const MAX_TEMPLATES: usize = 30;
/// Same limit as a public message.
pub const MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    /// The status the message goes with (`taken_in`, `in_progress`,
    /// `resolved`, `rejected`, `not_competent`).
    pub status: Status,
    /// A short name staff choose it by.
    pub label: String,
    pub text_it: String,
    pub text_en: String,
}

/// Checks a category's templates: staff-reachable statuses, non-empty texts
/// within the limits, no more than [`MAX_TEMPLATES`]. Texts are trimmed.
pub fn validate(templates: Vec<MessageTemplate>) -> Result<Vec<MessageTemplate>, FieldError> {
    if templates.len() > MAX_TEMPLATES {
        return Err(FieldError::new(
            "message_templates",
            ErrorCode::TooMany,
            format!("at most {MAX_TEMPLATES} templates per category"),
        ));
    }
    templates
        .into_iter()
        .map(|t| {
            if matches!(t.status, Status::New | Status::Closed) {
                return Err(FieldError::new(
                    "message_templates",
                    ErrorCode::InvalidStatus,
                    format!("no message goes with `{}`", t.status.as_str()),
                ));
            }
            Ok(MessageTemplate {
                status: t.status,
                label: required_text("message_templates", Some(&t.label), 80)?,
                text_it: required_text("message_templates", Some(&t.text_it), MAX_CHARS)?,
                text_en: required_text("message_templates", Some(&t.text_en), MAX_CHARS)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(status: Status, text: &str) -> MessageTemplate {
        MessageTemplate {
            status,
            label: "Presa in carico".into(),
            text_it: text.into(),
            text_en: "Taken in charge".into(),
        }
    }

    #[test]
    fn accepts_and_trims_valid_templates() {
        let ok = validate(vec![template(Status::TakenIn, "  Presa in carico.  ")]).unwrap();
        assert_eq!(ok[0].text_it, "Presa in carico.");
    }

    #[test]
    fn refuses_statuses_no_message_goes_with_and_empty_texts() {
        assert_eq!(
            validate(vec![template(Status::New, "x")]).unwrap_err().code,
            "invalid_status"
        );
        assert_eq!(
            validate(vec![template(Status::Resolved, " ")])
                .unwrap_err()
                .code,
            "required"
        );
        let many = vec![template(Status::Resolved, "x"); MAX_TEMPLATES + 1];
        assert_eq!(validate(many).unwrap_err().code, "too_many");
    }
}
