//! A category's extra questions (Open311 "attributes") and the validation of
//! the answers an integration sends.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

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
    let err =
        |code: &str, message: String| FieldError::new("attribute", code_static(code), message);
    let mut out = Map::new();
    for code in answers.keys() {
        if !defs.iter().any(|d| &d.code == code) {
            return Err(err(
                "unknown_attribute",
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
                    "missing_attribute",
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
                        "invalid_attribute",
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
                        "invalid_attribute",
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
                        "invalid_attribute",
                        format!("attribute `{}` must be a number", def.code),
                    )
                })?;
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| {
                        err(
                            "invalid_attribute",
                            format!("attribute `{}` must be a finite number", def.code),
                        )
                    })?
            }
            "datetime" => {
                chrono::DateTime::parse_from_rfc3339(given[0].trim()).map_err(|_| {
                    err(
                        "invalid_attribute",
                        format!("attribute `{}` must be an RFC 3339 date-time", def.code),
                    )
                })?;
                Value::String(given[0].trim().to_string())
            }
            _ => {
                if !given[0].chars().all(super::validate::allowed_char) {
                    return Err(err(
                        "invalid_attribute",
                        format!(
                            "attribute `{}` contains characters that are not allowed",
                            def.code
                        ),
                    ));
                }
                if given[0].chars().count() > 4000 {
                    return Err(err(
                        "invalid_attribute",
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

fn code_static(code: &str) -> &'static str {
    match code {
        "unknown_attribute" => "unknown_attribute",
        "missing_attribute" => "missing_attribute",
        _ => "invalid_attribute",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
