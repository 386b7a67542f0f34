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
    if let Some(code) = answers.keys().find(|c| !defs.iter().any(|d| &d.code == *c)) {
        return Err(answer_error(
            ErrorCode::UnknownAttribute,
            format!("attribute `{code}` is not defined for this service"),
        ));
    }
    let mut out = Map::new();
    for def in defs {
        let given: Vec<&String> = answers
            .get(&def.code)
            .map(|v| v.iter().filter(|s| !s.trim().is_empty()).collect())
            .unwrap_or_default();
        if given.is_empty() {
            if def.required {
                return Err(answer_error(
                    ErrorCode::MissingAttribute,
                    format!("attribute `{}` is required: {}", def.code, def.description),
                ));
            }
            continue;
        }
        out.insert(def.code.clone(), answer(def, &given)?);
    }
    Ok(out)
}

fn answer_error(code: ErrorCode, message: String) -> FieldError {
    FieldError::new("attribute", code, message)
}

/// The value stored for a question answered with `given` (not empty), as
/// its datatype asks.
fn answer(def: &AttributeDef, given: &[&String]) -> Result<Value, FieldError> {
    match def.datatype.as_str() {
        "singlevaluelist" => one_of(def, given),
        "multivaluelist" => some_of(def, given),
        "number" => number(def, given[0]),
        "datetime" => datetime(def, given[0]),
        _ => text(def, given[0]),
    }
}

/// The keys of a list question's choices, as an error message lists them.
fn keys(def: &AttributeDef) -> Vec<&str> {
    def.values.iter().map(|(k, _)| k.as_str()).collect()
}

/// One of the choices' keys, alone.
fn one_of(def: &AttributeDef, given: &[&String]) -> Result<Value, FieldError> {
    let keys = keys(def);
    if given.len() != 1 || !keys.contains(&given[0].as_str()) {
        return Err(answer_error(
            ErrorCode::InvalidAttribute,
            format!(
                "attribute `{}` must be one of {}",
                def.code,
                keys.join(", ")
            ),
        ));
    }
    Ok(Value::String(given[0].clone()))
}

/// Keys of the choices, each a known one.
fn some_of(def: &AttributeDef, given: &[&String]) -> Result<Value, FieldError> {
    let keys = keys(def);
    if let Some(bad) = given.iter().find(|g| !keys.contains(&g.as_str())) {
        return Err(answer_error(
            ErrorCode::InvalidAttribute,
            format!(
                "attribute `{}`: `{bad}` is not one of {}",
                def.code,
                keys.join(", ")
            ),
        ));
    }
    Ok(Value::Array(
        given.iter().map(|g| Value::String((*g).clone())).collect(),
    ))
}

/// A finite number.
fn number(def: &AttributeDef, given: &str) -> Result<Value, FieldError> {
    let n: f64 = given.trim().parse().map_err(|_| {
        answer_error(
            ErrorCode::InvalidAttribute,
            format!("attribute `{}` must be a number", def.code),
        )
    })?;
    serde_json::Number::from_f64(n)
        .map(Value::Number)
        .ok_or_else(|| {
            answer_error(
                ErrorCode::InvalidAttribute,
                format!("attribute `{}` must be a finite number", def.code),
            )
        })
}

/// An RFC 3339 date-time, kept as written (trimmed).
fn datetime(def: &AttributeDef, given: &str) -> Result<Value, FieldError> {
    chrono::DateTime::parse_from_rfc3339(given.trim()).map_err(|_| {
        answer_error(
            ErrorCode::InvalidAttribute,
            format!("attribute `{}` must be an RFC 3339 date-time", def.code),
        )
    })?;
    Ok(Value::String(given.trim().to_string()))
}

/// Free text: printable, at most 4000 characters.
fn text(def: &AttributeDef, given: &str) -> Result<Value, FieldError> {
    if !given.chars().all(super::validate::allowed_char) {
        return Err(answer_error(
            ErrorCode::InvalidAttribute,
            format!(
                "attribute `{}` contains characters that are not allowed",
                def.code
            ),
        ));
    }
    if given.chars().count() > 4000 {
        return Err(answer_error(
            ErrorCode::InvalidAttribute,
            format!("attribute `{}` is too long", def.code),
        ));
    }
    Ok(Value::String(given.to_string()))
}

/// Checks the questions an administrator defines for a category: codes of
/// 1-64 lower-case letters, digits or `_`, each once; a known datatype; a
/// question of 1-200 characters; for the list types, at least one choice,
/// keys unique, names given.
pub fn check_definitions(defs: &[AttributeDef]) -> Result<(), FieldError> {
    if defs.len() > 20 {
        return Err(question_error(
            ErrorCode::TooManyQuestions,
            "at most 20 questions".into(),
        ));
    }
    for (i, d) in defs.iter().enumerate() {
        check_code(i, d, &defs[..i])?;
        check_question(d)?;
        check_choices(d)?;
    }
    Ok(())
}

fn question_error(code: ErrorCode, message: String) -> FieldError {
    FieldError::new("questions", code, message)
}

/// The `i`th question's code: well formed, and not one of the `earlier`
/// questions'.
fn check_code(i: usize, d: &AttributeDef, earlier: &[AttributeDef]) -> Result<(), FieldError> {
    let well_formed = !d.code.is_empty()
        && d.code.len() <= 64
        && d.code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(question_error(
            ErrorCode::InvalidQuestion,
            format!(
                "question {}: the code is 1-64 lower-case letters, digits or `_`",
                i + 1
            ),
        ));
    }
    if earlier.iter().any(|o| o.code == d.code) {
        return Err(question_error(
            ErrorCode::DuplicateQuestion,
            format!("question code `{}` is used twice", d.code),
        ));
    }
    Ok(())
}

/// A question's or a choice's words: 1-200 printable characters.
fn is_question_text(t: &str) -> bool {
    !t.trim().is_empty() && t.chars().count() <= 200 && t.chars().all(super::validate::allowed_char)
}

/// A known datatype, and the question's words.
fn check_question(d: &AttributeDef) -> Result<(), FieldError> {
    if !DATATYPES.contains(&d.datatype.as_str()) {
        return Err(question_error(
            ErrorCode::InvalidQuestion,
            format!(
                "question `{}`: the type is one of {}",
                d.code,
                DATATYPES.join(", ")
            ),
        ));
    }
    if !is_question_text(&d.description) {
        return Err(question_error(
            ErrorCode::InvalidQuestion,
            format!(
                "question `{}`: the question is 1-200 printable characters",
                d.code
            ),
        ));
    }
    Ok(())
}

/// Choices for a list question (and only for one), each with a key used
/// once and a name.
fn check_choices(d: &AttributeDef) -> Result<(), FieldError> {
    let list = d.datatype.ends_with("valuelist");
    if list && d.values.is_empty() {
        return Err(question_error(
            ErrorCode::InvalidQuestion,
            format!("question `{}`: a list needs at least one choice", d.code),
        ));
    }
    if !list && !d.values.is_empty() {
        return Err(question_error(
            ErrorCode::InvalidQuestion,
            format!("question `{}`: only list questions have choices", d.code),
        ));
    }
    for (j, (key, name)) in d.values.iter().enumerate() {
        if key.trim().is_empty()
            || key.chars().count() > 64
            || !is_question_text(name)
            || !key.chars().all(super::validate::allowed_char)
        {
            return Err(question_error(
                ErrorCode::InvalidQuestion,
                format!(
                    "question `{}`: choice {} needs a key (1-64) and a name (1-200)",
                    d.code,
                    j + 1
                ),
            ));
        }
        if d.values[..j].iter().any(|(k, _)| k == key) {
            return Err(question_error(
                ErrorCode::DuplicateQuestion,
                format!("question `{}`: choice `{key}` is given twice", d.code),
            ));
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
