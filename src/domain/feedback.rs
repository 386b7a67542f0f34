//! The national model's page feedback ("Quanto sono chiare le informazioni su
//! questa pagina?"): five stars, then one answer from a fixed list (the
//! difficulties for 1–3 stars, the good points for 4–5), then an optional
//! detail of at most 200 characters. Nothing identifies who answered.

use super::codes::ErrorCode;
use super::validate::{self, FieldError};

/// The citizen pages that carry the component, as route templates: a report's
/// own page counts as one page, whatever its code.
pub const PAGES: &[&str] = &[
    "/",
    "/segnala",
    "/segnala/inviata",
    "/segnalazioni",
    "/segnalazioni/{code}",
    "/privacy",
    "/accessibilita",
    "/note-legali",
    "/non-trovata",
];

/// Stars from this value up are a positive rating (the model's threshold).
pub const POSITIVE_FROM: i32 = 4;

/// The longest detail the model's text field takes.
pub const DETAIL_MAX_CHARS: usize = 200;

string_enum! {
    /// One answer of the model's two fixed lists: the difficulties (1–3
    /// stars: «A volte le indicazioni non erano chiare / complete», «A volte
    /// non capivo se stavo procedendo correttamente», «Ho avuto problemi
    /// tecnici»), the good points (4–5 stars: «Le indicazioni erano chiare /
    /// complete», «Capivo sempre che stavo procedendo correttamente», «Non ho
    /// avuto problemi tecnici»), and «Altro» in both.
    Answer {
        NotClear = "not_clear",
        NotComplete = "not_complete",
        NotSure = "not_sure",
        TechnicalProblems = "technical_problems",
        Clear = "clear",
        Complete = "complete",
        AlwaysSure = "always_sure",
        NoTechnicalProblems = "no_technical_problems",
        Other = "other",
    }
}

impl Answer {
    /// Whether the answer belongs to the list shown for `rating` stars.
    pub fn fits(self, rating: i32) -> bool {
        let positive = rating >= POSITIVE_FROM;
        match self {
            Answer::Other => true,
            Answer::NotClear
            | Answer::NotComplete
            | Answer::NotSure
            | Answer::TechnicalProblems => !positive,
            Answer::Clear | Answer::Complete | Answer::AlwaysSure | Answer::NoTechnicalProblems => {
                positive
            }
        }
    }
}

/// A checked answer, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFeedback {
    pub page: &'static str,
    pub rating: i32,
    pub answer: Option<Answer>,
    pub detail: Option<String>,
}

/// Checks what the component sent; every problem is reported at once.
pub fn validate(
    page: &str,
    rating: i32,
    answer: Option<Answer>,
    detail: Option<&str>,
) -> Result<PageFeedback, Vec<FieldError>> {
    let mut errors = Vec::new();
    let known = PAGES.iter().copied().find(|p| *p == page);
    if known.is_none() {
        errors.push(FieldError::new(
            "page",
            ErrorCode::UnknownPage,
            format!("page is one of {}", PAGES.join(", ")),
        ));
    }
    let stars_ok = (1..=5).contains(&rating);
    if !stars_ok {
        errors.push(FieldError::new(
            "rating",
            ErrorCode::InvalidRating,
            "rating is 1 to 5 stars",
        ));
    }
    if let Some(a) = answer {
        if stars_ok && !a.fits(rating) {
            errors.push(FieldError::new(
                "answer",
                ErrorCode::AnswerDoesNotFit,
                format!(
                    "`{}` is not among the answers offered for {rating} stars",
                    a.as_str()
                ),
            ));
        }
    }
    let detail = validate::optional_text("detail", detail, DETAIL_MAX_CHARS).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    match known {
        Some(page) if errors.is_empty() => Ok(PageFeedback {
            page,
            rating,
            answer,
            detail,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_follow_the_models_threshold() {
        // 1–3 stars offer the difficulties, 4–5 the good points; "Altro" both.
        let cases = [
            (1, Answer::NotClear, true),
            (3, Answer::TechnicalProblems, true),
            (3, Answer::Clear, false),
            (4, Answer::Clear, true),
            (4, Answer::NotSure, false),
            (5, Answer::NoTechnicalProblems, true),
            (1, Answer::Other, true),
            (5, Answer::Other, true),
        ];
        for (rating, answer, fits) in cases {
            assert_eq!(answer.fits(rating), fits, "{rating} stars, {answer:?}");
        }
    }

    #[test]
    fn answers_round_trip_through_their_codes() {
        for a in Answer::ALL {
            assert_eq!(a.as_str().parse::<Answer>(), Ok(*a));
            let json = serde_json::to_string(a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
        }
        assert!("Altro".parse::<Answer>().is_err());
    }

    #[test]
    fn a_good_answer_is_kept_trimmed() {
        let f = validate(
            "/segnalazioni/{code}",
            2,
            Some(Answer::NotSure),
            Some("  il pulsante Avanti  "),
        )
        .unwrap();
        assert_eq!(f.page, "/segnalazioni/{code}");
        assert_eq!(f.detail.as_deref(), Some("il pulsante Avanti"));
        let bare = validate("/", 5, None, Some("   ")).unwrap();
        assert_eq!((bare.answer, bare.detail), (None, None));
    }

    #[test]
    fn every_problem_is_named() {
        let long = "x".repeat(DETAIL_MAX_CHARS + 1);
        let errs = validate(
            "/segnalazioni/PI-2026-000001",
            0,
            Some(Answer::Clear),
            Some(&long),
        )
        .unwrap_err();
        let codes: Vec<_> = errs.iter().map(|e| (e.field, e.code.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("page", "unknown_page"),
                ("rating", "invalid_rating"),
                ("detail", "too_long")
            ]
        );
        let errs = validate("/", 2, Some(Answer::Complete), Some("a\u{0}b")).unwrap_err();
        let codes: Vec<_> = errs.iter().map(|e| (e.field, e.code.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("answer", "answer_does_not_fit"),
                ("detail", "invalid_characters")
            ]
        );
    }
}
