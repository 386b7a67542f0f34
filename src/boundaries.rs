//! The boundaries of all 7,899 Italian comuni (ISTAT, June 2023, via
//! openpolis/geojson-italy, CC-BY 4.0 "ISTAT, openpolis"), shipped inside the
//! binary as the gzipped GeoJSON, so that any comune can be served by its
//! ISTAT code with no file to find. Only `segnala municipality add/search`
//! read it: `serve` never touches these pages, so they cost neither start-up
//! time nor resident memory.

use std::io::Read;

use serde_json::Value;

use crate::error::{AppError, AppResult};

const NATIONAL: &[u8] = include_bytes!("../assets/boundaries/italy-municipalities-2023.geojson.gz");

/// Where the data comes from, for the operator and the pages' credits.
pub const ATTRIBUTION: &str = "Confini comunali: ISTAT, openpolis (CC-BY 4.0), giugno 2023";

/// The national FeatureCollection, decompressed and parsed (a few hundred
/// milliseconds; a CLI command's, never the server's).
pub fn national() -> AppResult<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(NATIONAL)
        .read_to_string(&mut text)
        .map_err(|e| AppError::internal(format!("the national boundaries: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| AppError::internal(format!("the national boundaries: {e}")))
}

/// One comune of the national file, without its boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub istat: String,
    pub name: String,
    pub province: String,
    pub region: String,
}

/// Folds case and Italian accents, for matching what an operator types.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            '’' | '`' => '\'',
            c => c,
        })
        .collect()
}

/// The comuni whose name contains `query` (case and accents ignored), or
/// whose ISTAT code is `query`; exact names first.
pub fn search(doc: &Value, query: &str) -> Vec<Entry> {
    let q = fold(query.trim());
    if q.is_empty() {
        return Vec::new();
    }
    let prop = |f: &Value, k: &str| {
        f.pointer(&format!("/properties/{k}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut found: Vec<Entry> = doc
        .get("features")
        .and_then(Value::as_array)
        .map(|fs| fs.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|f| Entry {
            istat: prop(f, "com_istat_code"),
            name: prop(f, "name"),
            province: prop(f, "prov_acr"),
            region: prop(f, "reg_name"),
        })
        .filter(|e| e.istat == q || fold(&e.name).contains(&q))
        .collect();
    found.sort_by_key(|e| (fold(&e.name) != q, e.name.clone()));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_comune_is_there_and_found_by_name_or_code() {
        let doc = national().unwrap();
        let all = doc["features"].as_array().unwrap();
        assert_eq!(all.len(), 7899);
        let fossano = search(&doc, "FOSSANO");
        assert_eq!(fossano[0].istat, "004089");
        assert_eq!(
            (fossano[0].name.as_str(), fossano[0].province.as_str()),
            ("Fossano", "CN")
        );
        assert_eq!(search(&doc, "004089")[0].name, "Fossano");
        // Accents and case are folded; an exact name comes before longer ones.
        let forli = search(&doc, "forli");
        assert!(
            forli.iter().any(|e| e.name.starts_with("Forl")),
            "{forli:?}"
        );
        let pisa = search(&doc, "pisa");
        assert_eq!(pisa[0].name, "Pisa");
        assert!(pisa.len() > 1, "Pisa and the comuni whose name contains it");
        assert!(search(&doc, "  ").is_empty());
        assert!(search(&doc, "nessun comune si chiama così").is_empty());
    }
}
