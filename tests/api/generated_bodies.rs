//! Generated multipart and form bodies against the live server: proptest
//! builds them (deterministically seeded, a bounded count) from the pieces a
//! parser trips on — boundaries declared and not, parts without names or
//! with broken headers, bare LF, truncated bodies, repeated and unknown keys,
//! bad percent-escapes, bytes that are not UTF-8 — and each must get a typed
//! 4xx in its API's format (or be stored whole), never a 5xx.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;

use crate::common::*;

/// Cases per target and backend (a few seconds in all).
const CASES: usize = 150;

fn samples<T>(strategy: impl Strategy<Value = T>, n: usize) -> Vec<T> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
        .collect()
}

#[derive(Debug, Clone)]
struct Part {
    headers: Vec<String>,
    body: Vec<u8>,
}

fn part(names: &'static [&'static str]) -> impl Strategy<Value = Part> {
    let disposition = prop_oneof![
        4 => (prop::sample::select(names), any::<bool>()).prop_map(|(name, file)| if file {
            format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"foto.jpg\"")
        } else {
            format!("Content-Disposition: form-data; name=\"{name}\"")
        }),
        1 => "[ -~]{0,80}".prop_map(|s| format!("Content-Disposition: {s}")),
        1 => "[a-z\"=;\\\\ ]{0,30}".prop_map(|s| format!("Content-Disposition: form-data; name={s}")),
        1 => "\\PC{0,40}",
        1 => Just(String::new()),
    ];
    let content_type = prop_oneof![
        Just(None),
        Just(Some("Content-Type: image/jpeg".to_string())),
        "[ -~]{0,40}".prop_map(|s| Some(format!("Content-Type: {s}"))),
    ];
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        "[a-z0-9.,-]{0,40}".prop_map(String::into_bytes),
        // A whole photo.
        Just(crate::hostile::small_jpeg()),
        // The start of a JPEG, then anything.
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|rest| {
            let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
            b.extend(rest);
            b
        }),
    ];
    (disposition, content_type, body).prop_map(|(d, t, body)| Part {
        headers: std::iter::once(d).chain(t).collect(),
        body,
    })
}

/// A `Content-Type` header and a multipart body: half well framed (its
/// parts' headers and bytes generated), half broken anywhere.
fn multipart(names: &'static [&'static str]) -> impl Strategy<Value = (String, Vec<u8>)> {
    prop_oneof![framed(names), broken(names)]
}

fn framed(names: &'static [&'static str]) -> impl Strategy<Value = (String, Vec<u8>)> {
    prop::collection::vec(part(names), 1..4).prop_map(|parts| {
        let boundary = "segnala-boundary-1";
        let mut body = Vec::new();
        for p in &parts {
            body.extend(format!("--{boundary}\r\n").into_bytes());
            for h in &p.headers {
                body.extend(format!("{h}\r\n").into_bytes());
            }
            body.extend(b"\r\n");
            body.extend(&p.body);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    })
}

fn broken(names: &'static [&'static str]) -> impl Strategy<Value = (String, Vec<u8>)> {
    let boundary = prop_oneof![
        Just("segnala-boundary-1".to_string()),
        "[A-Za-z0-9'()+_,./:=?-]{1,70}",
        "[ -~]{0,8}",
    ];
    (
        boundary,
        any::<bool>(),
        prop::collection::vec(part(names), 0..6),
        prop::sample::select(vec!["\r\n", "\n"]),
        any::<bool>(),
        prop::option::of(0.0..1.0f64),
    )
        .prop_map(|(boundary, declared, parts, eol, closed, cut)| {
            let mut body = Vec::new();
            for p in &parts {
                body.extend(format!("--{boundary}{eol}").into_bytes());
                for h in &p.headers {
                    body.extend(format!("{h}{eol}").into_bytes());
                }
                body.extend(eol.as_bytes());
                body.extend(&p.body);
                body.extend(eol.as_bytes());
            }
            if closed {
                body.extend(format!("--{boundary}--{eol}").into_bytes());
            }
            if let Some(at) = cut {
                body.truncate((body.len() as f64 * at) as usize);
            }
            let content_type = if declared {
                format!("multipart/form-data; boundary={boundary}")
            } else {
                "multipart/form-data".to_string()
            };
            (content_type, body)
        })
}

/// An `application/x-www-form-urlencoded` body for an Open311 POST: the
/// fields it reads and others, values real and hostile, escapes valid and
/// not, sometimes not UTF-8.
fn open311_form(key: String) -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "jurisdiction_id",
            "service_code",
            "lat",
            "long",
            "description",
            "email",
            "phone",
            "first_name",
            "last_name",
            "media_url",
            "address_string",
            "device_id",
            "attribute[profondita]",
            "attribute[]",
            "attribute[[x]",
            "api_key",
        ])
        .prop_map(str::to_string),
        "[a-z_\\[\\]%]{0,12}",
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "050026",
            "buche",
            "43.7230",
            "10.3966",
            "Buca profonda in via Roma",
            "cittadino@example.it",
            "333 1234567",
            "https://example.org/x.jpg",
            "",
        ])
        .prop_map(|v| v.as_bytes().to_vec()),
        "\\PC{0,60}".prop_map(|s| s.into_bytes()),
        prop::sample::select(vec![
            "%", "%zz", "%C3", "%00", "%FF%FE", "+", "%0A%0D", "1e999", "NaN"
        ])
        .prop_map(|v| v.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    (
        prop::sample::select(vec![None, Some(false), Some(true)]),
        prop::collection::vec((name, value), 0..12),
    )
        .prop_map(move |(base, pairs)| {
            // No key; a key alone; or a whole request, to which the generated
            // pairs add (repeated keys, unknown ones, hostile values).
            let mut body = match base {
                None => Vec::new(),
                Some(false) => format!("api_key={key}").into_bytes(),
                Some(true) => format!(
                    "api_key={key}&service_code=buche&lat=43.7230&long=10.3966&description=Buca"
                )
                .into_bytes(),
            };
            for (name, value) in pairs {
                if !body.is_empty() {
                    body.push(b'&');
                }
                body.extend(name.into_bytes());
                body.push(b'=');
                body.extend(value);
            }
            body
        })
}

/// Posts a raw body; the status and the bytes of the answer.
async fn post_raw(app: &TestApp, url: &str, content_type: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let resp = app
        .client
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("an answer");
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

/// A 4xx in the API's envelope: `{"error": {"code", "message"}}`.
fn assert_envelope(status: u16, body: &[u8], what: &str) {
    assert!(
        status < 500,
        "{what}: {status} {}",
        String::from_utf8_lossy(body)
    );
    if status >= 400 {
        let v: Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{what}: {status} not JSON ({e})"));
        assert!(v["error"]["code"].is_string(), "{what}: {status} {v}");
        assert!(v["error"]["message"].is_string(), "{what}: {status} {v}");
    }
}

/// A 4xx in Open311's format: `[{"code", "description"}]`.
fn assert_open311_errors(status: u16, body: &[u8], what: &str) {
    assert!(
        status < 500,
        "{what}: {status} {}",
        String::from_utf8_lossy(body)
    );
    let v: Value =
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("{what}: {status} not JSON ({e})"));
    if status >= 400 {
        assert_eq!(v[0]["code"], status, "{what}: {v}");
        assert!(v[0]["description"].is_string(), "{what}: {v}");
    } else {
        assert!(v[0]["service_request_id"].is_string(), "{what}: {v}");
    }
}

#[tokio::test]
async fn generated_multipart_uploads_get_a_typed_answer_and_store_only_whole_files() {
    let app = TestApp::pisa().await;
    let report = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        report["code"].as_str().unwrap(),
        report["tracking_token"].as_str().unwrap(),
    );
    let url = app.url(&format!("/api/v1/reports/{code}/attachments?token={token}"));
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for (i, (content_type, body)) in samples(multipart(&["file", "other", ""]), CASES)
        .into_iter()
        .enumerate()
    {
        let (status, bytes) = post_raw(&app, &url, &content_type, body).await;
        *statuses.entry(status).or_default() += 1;
        assert_envelope(status, &bytes, &format!("upload case {i}"));
    }
    eprintln!("generated uploads, by status: {statuses:?}");
    // Some were refused for their framing, some for their bytes: the
    // generator reached both.
    assert!(statuses.contains_key(&201), "{statuses:?}");
    assert!(statuses.contains_key(&400), "{statuses:?}");
    assert!(
        statuses.keys().any(|s| [415, 422].contains(s)),
        "{statuses:?}"
    );
    // Whatever was stored is whole: each listed attachment downloads.
    let (status, view) = app
        .get(&format!("/api/v1/reports/{code}?token={token}"))
        .await;
    assert_eq!(status, 200, "{view}");
    for a in view["attachments"].as_array().into_iter().flatten() {
        let id = a["id"].as_str().unwrap();
        let resp = app
            .client
            .get(app.url(&format!("/api/v1/attachments/{id}?token={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "attachment {id}");
    }
}

#[tokio::test]
async fn generated_open311_forms_and_multiparts_get_open311_errors_or_a_whole_request() {
    let app = TestApp::pisa().await;
    let key = app
        .store
        .write(|c| {
            Ok(segnala::store::api_keys::issue(
                c,
                PISA,
                "client",
                None,
                chrono::Utc::now().naive_utc(),
            )?)
        })
        .unwrap()
        .1;
    let url = app.url("/open311/v2/requests.json");
    let mut created = Vec::new();
    let forms = samples(open311_form(key.clone()), CASES);
    for (i, body) in forms.into_iter().enumerate() {
        let (status, bytes) = post_raw(&app, &url, "application/x-www-form-urlencoded", body).await;
        assert_open311_errors(status, &bytes, &format!("form case {i}"));
        if status == 201 {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            created.push(v[0]["service_request_id"].as_str().unwrap().to_string());
        }
    }
    let multipart_url = app.url(&format!("/open311/v2/requests.json?api_key={key}"));
    let names = &[
        "service_code",
        "lat",
        "long",
        "description",
        "media",
        "email",
        "attribute[profondita]",
    ];
    for (i, (content_type, body)) in samples(multipart(names), CASES).into_iter().enumerate() {
        let (status, bytes) = post_raw(&app, &multipart_url, &content_type, body).await;
        assert_open311_errors(status, &bytes, &format!("multipart case {i}"));
    }
    eprintln!(
        "generated Open311 forms: {} requests created",
        created.len()
    );
    // Every request the forms created reads back, in JSON and in XML that
    // parses: nothing half-stored, no character XML cannot carry.
    for id in &created {
        let (status, body) = app.get(&format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(status, 200, "{id}: {body}");
        let xml = app
            .client
            .get(app.url(&format!("/open311/v2/requests/{id}.xml")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{id}: {e}\n{xml}"));
    }
}
