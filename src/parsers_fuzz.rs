//! Property tests over every parser of untrusted input: whatever arrives, each
//! answers with a value or its typed error, and never panics. Case counts are
//! bounded so that the whole module runs in seconds in `scripts/test`
//! (`PROPTEST_CASES` raises them for a longer hunt).

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::domain::attributes::{self, AttributeDef};
use crate::domain::{calendar, masking, territory, validate};
use crate::http::client_addr::{self, ForwardedHeader, TrustedProxies};
use crate::http::params::{parse_bbox, parse_codes, parse_statuses};

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(n),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text built from the characters parsers split on, with numbers, signs,
/// exotic whitespace and anything else.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.,;:+\\-eE /\\[\\]%x\u{a0}\u{2028}]{0,40}",
        "(-?[0-9]{1,4}(\\.[0-9]{0,12})?,){0,6}-?[0-9]{0,5}",
        Just("NaN,NaN,inf,-inf".to_string()),
        Just("1e308,1e308,1e309,-1e309".to_string()),
    ]
}

/// Arbitrary JSON, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Geometry-shaped JSON: the right keys with wrong, degenerate or huge values.
fn geometry_like() -> impl Strategy<Value = Value> {
    let point = prop_oneof![
        (any::<f64>(), any::<f64>()).prop_map(|(a, b)| json!([a, b])),
        (-180.0..180.0f64, -90.0..90.0f64).prop_map(|(a, b)| json!([a, b])),
        any_json(),
    ];
    let ring = prop::collection::vec(point, 0..12).prop_map(Value::Array);
    let polygon = prop::collection::vec(ring, 0..3).prop_map(Value::Array);
    (
        prop_oneof![
            Just("Polygon"),
            Just("MultiPolygon"),
            Just("Point"),
            Just("")
        ],
        prop_oneof![
            polygon.clone(),
            prop::collection::vec(polygon, 0..3).prop_map(Value::Array),
            any_json(),
        ],
    )
        .prop_map(|(kind, coordinates)| json!({"type": kind, "coordinates": coordinates}))
}

proptest! {
    #![proptest_config(cases(2048))]

    #[test]
    fn bbox_is_parsed_or_refused_with_its_code(s in hostile_text()) {
        match parse_bbox(&s) {
            Ok(b) => {
                prop_assert!(b.min_lon < b.max_lon && b.min_lat < b.max_lat);
                for v in [b.min_lon, b.min_lat, b.max_lon, b.max_lat] {
                    prop_assert!(v.is_finite());
                }
            }
            Err(e) => prop_assert_eq!(e.code(), "invalid_bbox"),
        }
    }

    #[test]
    fn coordinates_are_in_range_or_refused(lat in any::<f64>(), lon in any::<f64>()) {
        if let Ok((lat, lon)) = validate::coordinates(lat, lon) {
            prop_assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
        }
    }

    #[test]
    fn status_and_category_filters_never_panic(s in hostile_text()) {
        if let Err(e) = parse_statuses(Some(&s)) {
            prop_assert_eq!(e.code(), "invalid_status");
        }
        let _ = parse_codes(Some(&s));
    }

    #[test]
    fn emails_and_phones_are_normalised_or_refused(s in hostile_text(), t in any::<String>()) {
        for v in [&s, &t] {
            if let Ok(email) = validate::Email::parse("email", v) {
                prop_assert!(email.as_str().contains('@'));
            }
            if let Ok(phone) = validate::Phone::parse("phone", v) {
                prop_assert!(phone.as_str().starts_with('+'));
            }
        }
    }

    #[test]
    fn forwarded_headers_never_panic_and_never_invent_a_client(
        values in prop::collection::vec(hostile_text(), 0..4),
        list in hostile_text(),
        header in any::<bool>(),
    ) {
        let header = if header { ForwardedHeader::Forwarded } else { ForwardedHeader::XForwardedFor };
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let hops = client_addr::hops(header, &values);
        let proxies = TrustedProxies::parse(&list).unwrap_or_default();
        let peer: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        // With no trusted proxy, the peer is the client whatever the header says.
        prop_assert_eq!(
            client_addr::client_ip(Some(peer), &hops, &TrustedProxies::default()),
            Some(peer)
        );
        let _ = client_addr::client_ip(Some(peer), &hops, &proxies);
        let _ = ForwardedHeader::parse(&list);
    }

    #[test]
    fn calendar_strings_are_parsed_or_refused(s in hostile_text()) {
        if let Ok(hours) = calendar::parse_office_hours(&s) {
            for (start, end) in hours {
                prop_assert!(start < end);
            }
        }
        let _ = calendar::parse_weekdays(&s);
    }

    #[test]
    fn open311_dates_are_parsed_in_range_or_refused(s in prop_oneof![
        hostile_text(),
        "[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}([+ -][0-9]{2}:[0-9]{2}|Z))?",
    ]) {
        if let Ok(t) = crate::http::open311::parse_date("start_date", &s) {
            prop_assert!((1970..=9999).contains(&chrono::Datelike::year(&t)));
        }
    }

    #[test]
    fn masking_never_panics_and_is_stable(s in any::<String>()) {
        let once = masking::mask(&s).into_owned();
        prop_assert_eq!(masking::mask(&once).into_owned(), once);
    }

    #[test]
    fn open311_attributes_are_validated_or_refused(
        answers in prop::collection::btree_map("[a-z_]{0,8}", prop::collection::vec(any::<String>(), 0..4), 0..5),
    ) {
        let defs = vec![
            AttributeDef { code: "n".into(), datatype: "number".into(), required: false, description: "n".into(), values: vec![] },
            AttributeDef { code: "d".into(), datatype: "datetime".into(), required: false, description: "d".into(), values: vec![] },
            AttributeDef { code: "s".into(), datatype: "singlevaluelist".into(), required: true, description: "s".into(), values: vec![("a".into(), "A".into())] },
            AttributeDef { code: "m".into(), datatype: "multivaluelist".into(), required: false, description: "m".into(), values: vec![("a".into(), "A".into()), ("b".into(), "B".into())] },
        ];
        let answers: BTreeMap<String, Vec<String>> = answers;
        match attributes::validate(&defs, &answers) {
            // Only defined questions, and the required one answered with its key.
            Ok(stored) => {
                prop_assert!(stored.keys().all(|k| defs.iter().any(|d| &d.code == k)));
                prop_assert_eq!(stored.get("s"), Some(&json!("a")));
            }
            Err(e) => prop_assert!(
                ["unknown_attribute", "missing_attribute", "invalid_attribute"].contains(&e.code.as_str()),
                "{}", e.code
            ),
        }
    }
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn geojson_geometries_are_read_or_refused(geometry in geometry_like()) {
        if let Ok(shape) = territory::parse_geometry(&geometry) {
            prop_assert!(!shape.0.is_empty());
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_geometry_reader(value in any_json()) {
        let _ = territory::parse_geometry(&value);
    }
}

/// Bytes that start like a real file and go wrong after.
fn file_like() -> impl Strategy<Value = Vec<u8>> {
    let heads: Vec<&'static [u8]> = vec![
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"%PDF-1.4\n",
        b"GIF89a",
        b"",
    ];
    (
        prop::sample::select(heads),
        prop::collection::vec(any::<u8>(), 0..512),
    )
        .prop_map(|(h, tail)| {
            let mut v = h.to_vec();
            v.extend(tail);
            v
        })
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn uploads_are_sniffed_and_processed_or_refused(bytes in file_like()) {
        let _ = crate::media::sniff(&bytes);
        let _ = crate::media::probe(&bytes);
        if let Ok(processed) = crate::media::process(&bytes) {
            prop_assert!(!processed.bytes.is_empty());
        }
    }
}

/// The pattern the API document states for `schema.property`, unanchored
/// (proptest generates from it; its regex dialect reads `\s` as Rust's
/// `trim` does).
fn documented_pattern(schema: &str, property: &str) -> String {
    let doc: Value =
        serde_json::from_str(&crate::http::openapi::document()).expect("the document is JSON");
    let pattern = doc["components"]["schemas"][schema]["properties"][property]["pattern"]
        .as_str()
        .unwrap_or_else(|| panic!("{schema}.{property} has no pattern in the document"));
    // An optional contact's pattern also takes the empty value: `^$|^…$`.
    let pattern = pattern.strip_prefix("^$|").unwrap_or(pattern);
    pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .expect("patterns are anchored")
        .to_string()
}

proptest! {
    #![proptest_config(cases(200))]

    // What the document says is valid, the server accepts: schemathesis
    // generates from these patterns and fails on a refusal.
    #[test]
    fn a_documented_email_is_accepted(s in proptest::string::string_regex(&documented_pattern("ReporterInput", "email")).unwrap()) {
        // Longer than the schema's maxLength: outside the promise.
        prop_assert!(s.len() > 254 || validate::Email::parse("email", &s).is_ok(), "{s:?}");
    }

    #[test]
    fn a_documented_phone_is_accepted(s in proptest::string::string_regex(&documented_pattern("ReporterInput", "phone")).unwrap()) {
        prop_assert!(validate::Phone::parse("phone", &s).is_ok(), "{s:?}");
    }

    #[test]
    fn documented_free_text_is_accepted(s in proptest::string::string_regex(&documented_pattern("CreateReportRequest", "title")).unwrap()) {
        prop_assert!(s.chars().count() > 120 || validate::optional_text("title", Some(&s), 120).is_ok(), "{s:?}");
    }

    #[test]
    fn documented_required_text_is_accepted(s in proptest::string::string_regex(&documented_pattern("CreateReportRequest", "description")).unwrap()) {
        prop_assert!(s.chars().count() > 4000 || validate::required_text("description", Some(&s), 4000).is_ok(), "{s:?}");
    }

    // And what it says is not, the server refuses.
    #[test]
    fn text_outside_the_documented_pattern_is_refused(s in any::<String>()) {
        let pattern = regex::Regex::new(&format!("^{}$", documented_pattern("CreateReportRequest", "description"))).unwrap();
        let accepted = validate::required_text("description", Some(&s), usize::MAX).is_ok();
        prop_assert_eq!(pattern.is_match(&s), accepted, "{:?}", s);
    }
}
