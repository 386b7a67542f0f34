//! Open311 GeoReport v2: responses validated against the published schemas,
//! XML compared with JSON field by field, a full round trip, the errors real
//! clients meet, and third-party client libraries driving the server.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use segnala::domain::permissions::Role;

use crate::common::*;

fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixtures().join("open311-georeport-v2-schemas").join(name))
        .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

/// Each member of a top-level array must match the item schema.
fn assert_items_valid(body: &Value, item_schema: &str) {
    let v = schema(item_schema);
    let items = body
        .as_array()
        .unwrap_or_else(|| panic!("a top-level array: {body}"));
    for item in items {
        let errors: Vec<String> = v.iter_errors(item).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{item_schema}: {errors:?} in {item}");
    }
}

fn key(app: &TestApp, municipality: &str) -> String {
    app.store
        .write(|c| {
            Ok(segnala::store::api_keys::issue(
                c,
                municipality,
                "client",
                None,
                chrono::Utc::now().naive_utc(),
            )?)
        })
        .unwrap()
        .1
}

async fn get_raw(app: &TestApp, path: &str) -> (u16, String) {
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = app
        .client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The children of an element as a map of name → text (empty elements → "").
fn xml_fields(node: roxmltree::Node) -> BTreeMap<String, String> {
    node.children()
        .filter(|n| n.is_element())
        .map(|n| {
            (
                n.tag_name().name().to_string(),
                n.text().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn json_fields(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| !v.is_array() && !v.is_object())
        .map(|(k, v)| {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// Asserts that `/open311/v2/{path}.json` is a list whose items match
/// `item_schema`, and that its XML twin has the root `root`, no namespace,
/// and a `member` element per item with the same fields.
async fn assert_json_valid_and_xml_the_same(
    app: &TestApp,
    path: &str,
    item_schema: &str,
    root: &str,
    member: &str,
) {
    let (status, json_text) = get_raw(app, &format!("/open311/v2/{path}.json")).await;
    assert_eq!(status, 200, "{path}: {json_text}");
    let body: Value = serde_json::from_str(&json_text).unwrap();
    assert_items_valid(&body, item_schema);
    let (status, xml_text) = get_raw(app, &format!("/open311/v2/{path}.xml")).await;
    assert_eq!(status, 200);
    let doc = roxmltree::Document::parse(&xml_text).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), root);
    assert!(doc.root_element().tag_name().namespace().is_none());
    let xml_items: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .collect();
    let json_items = body.as_array().unwrap();
    assert_eq!(xml_items.len(), json_items.len(), "{path}");
    for (x, j) in xml_items.iter().zip(json_items) {
        assert_eq!(x.tag_name().name(), member);
        assert_eq!(
            xml_fields(*x),
            json_fields(j),
            "{path}: XML and JSON differ"
        );
    }
}

#[tokio::test]
async fn json_validates_against_the_schemas_and_xml_says_the_same() {
    let app = TestApp::pisa().await;
    let k = key(&app, PISA);
    let (status, created) = post_form(
        &app,
        "/open311/v2/requests.json",
        &[
            ("api_key", &k),
            ("service_code", "buche"),
            ("lat", "43.7230"),
            ("long", "10.3966"),
            ("description", "Buca <profonda> & pericolosa"),
            ("attribute[pericolo]", "si"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let created: Value = serde_json::from_str(&created).unwrap();
    let id = created[0]["service_request_id"].as_str().unwrap();
    assert!(created[0]["service_notice"]
        .as_str()
        .unwrap()
        .contains("Manutenzione"));

    let request = format!("requests/{id}");
    for (path, item_schema, root, member) in [
        ("services", "service.json", "services", "service"),
        ("requests", "request.json", "service_requests", "request"),
        (&request, "request.json", "service_requests", "request"),
    ] {
        assert_json_valid_and_xml_the_same(&app, path, item_schema, root, member).await;
    }
    // No personal data, ever.
    let (_, all) = get_raw(&app, "/open311/v2/requests.json").await;
    assert!(!all.contains("maria") && !all.contains("Bianchi"));
}

#[tokio::test]
async fn a_service_definition_validates_and_its_xml_lists_each_value() {
    let app = TestApp::pisa().await;
    let (_, def) = get_raw(&app, "/open311/v2/services/buche.json").await;
    let def: Value = serde_json::from_str(&def).unwrap();
    let errors: Vec<String> = schema("service-definition.json")
        .iter_errors(&def)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(def["attributes"][0]["datatype"], "singlevaluelist");
    let (_, xml) = get_raw(&app, "/open311/v2/services/buche.xml").await;
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let values: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("value"))
        .collect();
    assert_eq!(
        values.len(),
        2,
        "service_definition/attributes/attribute/values/value"
    );
}

#[tokio::test]
async fn discovery_names_both_formats_in_json_and_in_xml() {
    let app = TestApp::pisa().await;
    let (status, discovery) = get_raw(&app, "/open311/v2/discovery.json").await;
    assert_eq!(status, 200);
    let discovery: Value = serde_json::from_str(&discovery).unwrap();
    assert!(
        discovery.is_object()
            && discovery["endpoints"][0]["formats"]
                .as_array()
                .unwrap()
                .len()
                == 2
    );
    let (_, discovery) = get_raw(&app, "/open311/v2/discovery.xml").await;
    assert!(roxmltree::Document::parse(&discovery)
        .unwrap()
        .descendants()
        .any(|n| n.has_tag_name("format")));
}

/// A pothole filed through Open311 with a reporter, an answer and a photo
/// link; returns its code.
async fn file_through_open311(app: &TestApp, k: &str) -> String {
    let (status, body) = post_form(
        app,
        "/open311/v2/requests.json",
        &[
            ("api_key", k),
            ("jurisdiction_id", ""),
            ("service_code", "buche"),
            ("lat", "43.7230"),
            ("long", "10.3966"),
            ("description", "Buca"),
            ("email", "ada@example.it"),
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("attribute[pericolo]", "si"),
            ("media_url", "https://example.org/foto.jpg"),
            ("page_size", "10"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    id
}

#[tokio::test]
async fn a_request_filed_through_open311_reads_back_without_personal_data() {
    let app = TestApp::pisa().await;
    let k = key(&app, PISA);
    let id = file_through_open311(&app, &k).await;
    let (_, got) = get_raw(&app, &format!("/open311/v2/requests/{id}.json")).await;
    let got: Value = serde_json::from_str(&got).unwrap();
    assert_eq!(
        (
            got[0]["status"].as_str(),
            got[0]["agency_responsible"].as_str()
        ),
        (Some("open"), Some("Manutenzione strade e infrastrutture"))
    );
    assert!(
        got[0]["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+01:00"),
        "Italian offset in winter"
    );
    assert_eq!(got[0]["media_url"], "https://example.org/foto.jpg");
    assert!(!got.to_string().contains("Lovelace") && !got.to_string().contains("ada@"));
    // Staff see the reporter and the answers; the channel is open311.
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    let (_, detail) = app
        .get_as(&strade, &format!("/api/v1/staff/reports/{id}"))
        .await;
    assert_eq!(
        (
            detail["attributes"]["pericolo"].as_str(),
            detail["channel"].as_str()
        ),
        (Some("si"), Some("open311"))
    );
    assert_eq!(detail["reporter"]["name"], "Ada Lovelace");
}

#[tokio::test]
async fn staff_work_shows_in_status_notes_and_status_filters() {
    let app = TestApp::pisa().await;
    let k = key(&app, PISA);
    let id = file_through_open311(&app, &k).await;
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    let (status, _) = app
        .post_as(
            &strade,
            &format!("/api/v1/reports/{id}/transitions"),
            &json!({"to": "taken_in", "public_message": "Squadra in arrivo"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, got) = get_raw(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&got).unwrap()[0]["status_notes"],
        "Squadra in arrivo"
    );
    // Resolved → closed; filters by status.
    app.post_as(
        &strade,
        &format!("/api/v1/reports/{id}/transitions"),
        &json!({"to": "resolved"}),
    )
    .await;
    let (_, closed) = get_raw(
        &app,
        "/open311/v2/requests.json?status=closed&service_code=buche",
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&closed).unwrap()[0]["service_request_id"],
        id.as_str()
    );
    let (_, open) = get_raw(&app, "/open311/v2/requests.json?status=open").await;
    assert_eq!(open, "[]");
    let (_, by_ids) = get_raw(
        &app,
        &format!("/open311/v2/requests.json?service_request_id={id},PI-1999-000001"),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&by_ids)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn reads_take_what_clients_send_offsets_escaped_or_not_doubled_slashes_tokens() {
    let app = TestApp::pisa().await;
    let k = key(&app, PISA);
    let id = file_through_open311(&app, &k).await;
    // Date offsets, with the plus sign escaped or not.
    let (status, _) = get_raw(&app, "/open311/v2/requests.json?start_date=2026-11-01T00:00:00%2B01:00&end_date=2027-01-01T00:00:00Z").await;
    assert_eq!(status, 200);
    let (status, _) = get_raw(
        &app,
        "/open311/v2/requests.json?start_date=2026-11-01T00:00:00+01:00",
    )
    .await;
    assert_eq!(status, 200);
    // Doubled slash, and tokens.
    let (status, _) = get_raw(&app, "/open311/v2//requests.xml").await;
    assert_eq!(status, 200);
    let (_, tok) = get_raw(&app, &format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&tok).unwrap()[0]["service_request_id"],
        id.as_str()
    );
}

#[tokio::test]
async fn a_multipart_request_with_text_parts_and_no_charset_is_filed() {
    let app = TestApp::pisa().await;
    let k = key(&app, PISA);
    // Multipart bodies with text parts and no charset.
    let form = reqwest::multipart::Form::new()
        .text("api_key", k.clone())
        .text("service_code", "illuminazione")
        .text("lat", "43.7160")
        .text("long", "10.4010")
        .text("description", "Lampione spento in via Santa Maria");
    let resp = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
}

#[tokio::test]
async fn errors_are_what_the_specification_says() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    let k = key(&app, PISA);
    let base = [
        ("service_code", "buche"),
        ("lat", "43.7230"),
        ("long", "10.3966"),
        ("jurisdiction_id", PISA),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        base.iter()
            .map(|(a, b)| (*a, b.to_string()))
            .chain(extra.iter().map(|(a, b)| (*a, b.to_string())))
            .collect()
    };
    let post = |form: Vec<(&'static str, String)>, fmt: &'static str| {
        let client = app.client.clone();
        let url = app.url(&format!("/open311/v2/requests.{fmt}"));
        async move {
            let resp = client.post(url).form(&form).send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let (status, body) = post(with(&[]), "json").await;
    assert_eq!(status, 403, "no key: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["code"], 403);
    let mut wrong = with(&[]);
    wrong.push(("api_key", "sk_nope".into()));
    assert_eq!(post(wrong, "json").await.0, 403);
    let mut unknown = with(&[]);
    unknown.push(("api_key", k.clone()));
    unknown[0].1 = "ufo".into();
    let (status, body) = post(unknown, "xml").await;
    assert_eq!(status, 400);
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "errors");
    assert!(doc.descendants().any(|n| n.has_tag_name("description")));
    let mut address_only: Vec<(&'static str, String)> = vec![
        ("api_key", k.clone()),
        ("service_code", "buche".into()),
        ("jurisdiction_id", PISA.into()),
        ("address_string", "Piazza dei Miracoli".into()),
    ];
    let (status, body) = post(address_only.clone(), "json").await;
    assert_eq!(status, 400);
    assert!(body.contains("geocoder"), "{body}");
    address_only.push(("description", "x".repeat(4001)));
    assert_eq!(post(address_only, "json").await.0, 400);
    let mut bad_attr = with(&[("attribute[pericolo]", "forse")]);
    bad_attr.push(("api_key", k.clone()));
    assert_eq!(post(bad_attr, "json").await.0, 400);
    // A key of another comune.
    let other = key(&app, BAGNO_A_RIPOLI);
    let mut foreign = with(&[]);
    foreign.push(("api_key", other));
    assert_eq!(post(foreign, "json").await.0, 403);

    for (path, status) in [
        ("/open311/v2/requests/PI-2026-999999.json?jurisdiction_id=050026", 404),
        ("/open311/v2/requests.json", 400), // two comuni: jurisdiction_id required
        ("/open311/v2/requests.json?jurisdiction_id=999999", 404),
        ("/open311/v2/requests.json?jurisdiction_id=050026&start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z", 400),
        ("/open311/v2/services/ufo.json?jurisdiction_id=050026", 404),
        ("/open311/v2/requests.json?jurisdiction_id=050026&status=pending", 400),
        ("/open311/v2/requests.json?jurisdiction_id=050026&start_date=yesterday", 400),
        ("/open311/v2/nothing.json", 404),
        ("/open311/v2/requests.json?jurisdiction_id=050026&start_date=%2B262142-12-01", 400),
        ("/open311/v2/requests.json?jurisdiction_id=050026&end_date=-262143-01-01", 400),
    ] {
        let (got, body) = get_raw(&app, path).await;
        assert_eq!(got, status, "{path}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: not JSON: {body}"));
        assert_eq!(v[0]["code"], status, "{path}");
    }
    let (status, body) = get_raw(
        &app,
        "/open311/v2/requests/PI-2026-999999.xml?jurisdiction_id=050026",
    )
    .await;
    assert_eq!(status, 404);
    assert!(body.contains("<errors><error><code>404</code>"), "{body}");
    let (status, _) = get_raw(&app, "/open311/v2/services.json?jurisdiction_id=048001").await;
    assert_eq!(status, 200, "each comune by its ISTAT code");
}

#[tokio::test]
async fn third_party_clients_drive_the_server() {
    let app = TestApp::pisa().await;
    let k = key(&app, PISA);
    let base = app.url("/open311/v2");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/open311_client.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .args([&base, &k, PISA])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("all Open311 client checks passed"),
        "{stdout}"
    );
}
