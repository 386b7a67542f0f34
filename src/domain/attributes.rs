//! A category's extra questions (Open311 "attributes") and the validation of
//! the answers an integration sends.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::codes::ErrorCode;
use super::validate::FieldError;

/// One question.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    pub code: String,
    /// `string`, `number`, `datetime`, `text`, `singlevaluelist`, `multivaluelist`.
    pub datatype: String,
    pub required: bool,
    pub description: String,
    /// `(key, name)` for the list types.
    pub values: Vec<(String, String)>,
}

/// Whether answers of `datatype` are typed freely (and may hold anything
/// personal), rather than chosen or numeric.
pub fn is_free_text(datatype: &str) -> bool {
    matches!(datatype, "string" | "text")
}

pub const DATATYPES: [&str; 6] = [
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
];

/// Checks the answers (`code → values`, several for a multivaluelist) against
/// the questions; returns them as a JSON object to store. Unknown codes are
/// refused: they would be silently lost otherwise.
pub fn validate(
    defs: &[AttributeDef],
    answers: &BTreeMap<String, Vec<String>>,
) -> Result<Map<String, Value>, FieldError> {
    let err = |code: ErrorCode, message: String| FieldError::new("attribute", code, message);
    let mut out = Map::new();
    for code in answers.keys() {
        if !defs.iter().any(|d| &d.code == code) {
            return Err(err(
                ErrorCode::UnknownAttribute,
                format!("attribute `{code}` is not defined for this service"),
            ));
        }
    }
    for def in defs {
        let given: Vec<&String> = answers
            .get(&def.code)
            .map(|v| v.iter().filter(|s| !s.trim().is_empty()).collect())
            .unwrap_or_default();
        if given.is_empty() {
            if def.required {
                return Err(err(
                    ErrorCode::MissingAttribute,
                    format!("attribute `{}` is required: {}", def.code, def.description),
                ));
            }
            continue;
        }
        let keys: Vec<&str> = def.values.iter().map(|(k, _)| k.as_str()).collect();
        let value = match def.datatype.as_str() {
            "singlevaluelist" => {
                if given.len() != 1 || !keys.contains(&given[0].as_str()) {
                    return Err(err(
                        ErrorCode::InvalidAttribute,
                        format!(
                            "attribute `{}` must be one of {}",
                            def.code,
                            keys.join(", ")
                        ),
                    ));
                }
                Value::String(given[0].clone())
            }
            "multivaluelist" => {
                if let Some(bad) = given.iter().find(|g| !keys.contains(&g.as_str())) {
                    return Err(err(
                        ErrorCode::InvalidAttribute,
                        format!(
                            "attribute `{}`: `{bad}` is not one of {}",
                            def.code,
                            keys.join(", ")
                        ),
                    ));
                }
                Value::Array(given.iter().map(|g| Value::String((*g).clone())).collect())
            }
            "number" => {
                let n: f64 = given[0].trim().parse().map_err(|_| {
                    err(
                        ErrorCode::InvalidAttribute,
                        format!("attribute `{}` must be a number", def.code),
                    )
                })?;
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| {
                        err(
                            ErrorCode::InvalidAttribute,
                            format!("attribute `{}` must be a finite number", def.code),
                        )
                    })?
            }
            "datetime" => {
                chrono::DateTime::parse_from_rfc3339(given[0].trim()).map_err(|_| {
                    err(
                        ErrorCode::InvalidAttribute,
                        format!("attribute `{}` must be an RFC 3339 date-time", def.code),
                    )
                })?;
                Value::String(given[0].trim().to_string())
            }
            _ => {
                if !given[0].chars().all(super::validate::allowed_char) {
                    return Err(err(
                        ErrorCode::InvalidAttribute,
                        format!(
                            "attribute `{}` contains characters that are not allowed",
                            def.code
                        ),
                    ));
                }
                if given[0].chars().count() > 4000 {
                    return Err(err(
                        ErrorCode::InvalidAttribute,
                        format!("attribute `{}` is too long", def.code),
                    ));
                }
                Value::String(given[0].clone())
            }
        };
        out.insert(def.code.clone(), value);
    }
    Ok(out)
}

/// Checks the questions an administrator defines for a category: codes of
/// 1-64 lower-case letters, digits or `_`, each once; a known datatype; a
/// question of 1-200 characters; for the list types, at least one choice,
/// keys unique, names given.
pub fn check_definitions(defs: &[AttributeDef]) -> Result<(), FieldError> {
    let err = |code: ErrorCode, message: String| FieldError::new("questions", code, message);
    if defs.len() > 20 {
        return Err(err(
            ErrorCode::TooManyQuestions,
            "at most 20 questions".into(),
        ));
    }
    for (i, d) in defs.iter().enumerate() {
        let well_formed = !d.code.is_empty()
            && d.code.len() <= 64
            && d.code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !well_formed {
            return Err(err(
                ErrorCode::InvalidQuestion,
                format!(
                    "question {}: the code is 1-64 lower-case letters, digits or `_`",
                    i + 1
                ),
            ));
        }
        if defs[..i].iter().any(|o| o.code == d.code) {
            return Err(err(
                ErrorCode::DuplicateQuestion,
                format!("question code `{}` is used twice", d.code),
            ));
        }
        if !DATATYPES.contains(&d.datatype.as_str()) {
            return Err(err(
                ErrorCode::InvalidQuestion,
                format!(
                    "question `{}`: the type is one of {}",
                    d.code,
                    DATATYPES.join(", ")
                ),
            ));
        }
        let text_ok = |t: &str| {
            !t.trim().is_empty()
                && t.chars().count() <= 200
                && t.chars().all(super::validate::allowed_char)
        };
        if !text_ok(&d.description) {
            return Err(err(
                ErrorCode::InvalidQuestion,
                format!(
                    "question `{}`: the question is 1-200 printable characters",
                    d.code
                ),
            ));
        }
        let list = d.datatype.ends_with("valuelist");
        if list && d.values.is_empty() {
            return Err(err(
                ErrorCode::InvalidQuestion,
                format!("question `{}`: a list needs at least one choice", d.code),
            ));
        }
        if !list && !d.values.is_empty() {
            return Err(err(
                ErrorCode::InvalidQuestion,
                format!("question `{}`: only list questions have choices", d.code),
            ));
        }
        for (j, (key, name)) in d.values.iter().enumerate() {
            if key.trim().is_empty()
                || key.chars().count() > 64
                || !text_ok(name)
                || !key.chars().all(super::validate::allowed_char)
            {
                return Err(err(
                    ErrorCode::InvalidQuestion,
                    format!(
                        "question `{}`: choice {} needs a key (1-64) and a name (1-200)",
                        d.code,
                        j + 1
                    ),
                ));
            }
            if d.values[..j].iter().any(|(k, _)| k == key) {
                return Err(err(
                    ErrorCode::DuplicateQuestion,
                    format!("question `{}`: choice `{key}` is given twice", d.code),
                ));
            }
        }
    }
    Ok(())
}

/// A new list of questions for a category that had `old`: a code already
/// asked keeps its type, so the answers stored under it keep their meaning —
/// and retention still knows which of them are free text to erase. A
/// different question takes a new code.
pub fn check_replacement(old: &[AttributeDef], new: &[AttributeDef]) -> Result<(), FieldError> {
    for q in new {
        if let Some(before) = old.iter().find(|o| o.code == q.code) {
            if before.datatype != q.datatype {
                return Err(FieldError::new(
                    "questions",
                    ErrorCode::QuestionTypeChanged,
                    format!(
                        "question `{}` was {} and answers are stored under it: give a {} question a new code",
                        q.code, before.datatype, q.datatype
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_keeps_its_type_under_its_code() {
        let old = [danger()];
        let same = danger();
        assert!(check_replacement(&old, std::slice::from_ref(&same)).is_ok());
        assert!(check_replacement(&old, &[]).is_ok(), "a question may go");
        let retyped = AttributeDef {
            datatype: "text".into(),
            values: vec![],
            ..same.clone()
        };
        assert_eq!(
            check_replacement(&old, &[retyped]).unwrap_err().code,
            "question_type_changed"
        );
        let renamed = AttributeDef {
            code: "pericolo_note".into(),
            datatype: "text".into(),
            values: vec![],
            ..same
        };
        assert!(check_replacement(&old, &[renamed]).is_ok());
    }

    #[test]
    fn an_administrators_questions_are_checked_whole() {
        let list = AttributeDef {
            code: "lato".into(),
            datatype: "singlevaluelist".into(),
            required: true,
            description: "Su quale lato della strada?".into(),
            values: vec![
                ("dx".into(), "Destra".into()),
                ("sx".into(), "Sinistra".into()),
            ],
        };
        assert!(check_definitions(&[list.clone(), danger()]).is_ok());
        assert!(check_definitions(&[]).is_ok());
        let code = |d: AttributeDef| check_definitions(&[d]).unwrap_err().code;
        assert_eq!(
            code(AttributeDef {
                code: "Lato".into(),
                ..list.clone()
            }),
            "invalid_question"
        );
        assert_eq!(
            code(AttributeDef {
                datatype: "colour".into(),
                ..list.clone()
            }),
            "invalid_question"
        );
        assert_eq!(
            code(AttributeDef {
                description: " ".into(),
                ..list.clone()
            }),
            "invalid_question"
        );
        assert_eq!(
            code(AttributeDef {
                values: vec![],
                ..list.clone()
            }),
            "invalid_question"
        );
        assert_eq!(
            code(AttributeDef {
                values: vec![("a".into(), "A".into()), ("a".into(), "B".into())],
                ..list.clone()
            }),
            "duplicate_question"
        );
        assert_eq!(
            code(AttributeDef {
                datatype: "string".into(),
                ..list.clone()
            }),
            "invalid_question"
        );
        assert_eq!(
            check_definitions(&[list.clone(), list]).unwrap_err().code,
            "duplicate_question"
        );
    }

    fn danger() -> AttributeDef {
        AttributeDef {
            code: "pericolo".into(),
            datatype: "singlevaluelist".into(),
            required: true,
            description: "È un pericolo per la circolazione?".into(),
            values: vec![("si".into(), "Sì".into()), ("no".into(), "No".into())],
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn list_answers_are_checked() {
        assert_eq!(
            validate(&[danger()], &answers(&[("pericolo", "si")])).unwrap()["pericolo"],
            "si"
        );
        assert_eq!(
            validate(&[danger()], &answers(&[("pericolo", "forse")]))
                .unwrap_err()
                .code,
            "invalid_attribute"
        );
        assert_eq!(
            validate(&[danger()], &answers(&[])).unwrap_err().code,
            "missing_attribute"
        );
        assert_eq!(
            validate(
                &[danger()],
                &answers(&[("pericolo", "si"), ("colore", "rosso")])
            )
            .unwrap_err()
            .code,
            "unknown_attribute"
        );
        let mut multi = danger();
        multi.datatype = "multivaluelist".into();
        multi.required = false;
        assert_eq!(
            validate(
                &[multi.clone()],
                &answers(&[("pericolo", "si"), ("pericolo", "no")])
            )
            .unwrap()["pericolo"],
            serde_json::json!(["si", "no"])
        );
        assert!(validate(&[multi], &answers(&[])).unwrap().is_empty());
    }
}
