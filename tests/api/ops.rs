//! Health, readiness, metrics, and the OpenAPI document.

use crate::common::*;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::pisa().await;
    app.file("buche", PISA_CENTRE).await;
    for path in ["/healthz", "/readyz"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("# TYPE segnala_http_requests_total counter"),
        "{text}"
    );
    assert!(text.contains("segnala_reports_created_total 1"), "{text}");
    assert!(
        text.contains("segnala_http_requests_total{class=\"2xx\"}"),
        "{text}"
    );
}

#[tokio::test]
async fn the_committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/api-spec/openapi.json"
    ))
    .unwrap_or_default();
    let generated = segnala::http::openapi::document();
    assert!(
        committed == generated,
        "api-spec/openapi.json is out of date: run `cargo run -q -- openapi > api-spec/openapi.json`"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/reports",
        "/api/v1/reports/{code}",
        "/api/v1/reports/nearby",
        "/api/v1/categories",
        "/api/v1/municipalities",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}

#[tokio::test]
async fn interactive_docs_and_the_home_page_are_served() {
    let app = TestApp::empty().await;
    let resp = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("swagger"));
    let spec = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(spec.status().as_u16(), 200);
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("lang=\"it\"") && home.contains("data-element=\"report-inefficiency\""));
}

#[tokio::test]
async fn the_web_pages_and_their_assets_are_served() {
    let app = TestApp::empty().await;
    let get = |path: &str, gzip: bool| {
        let mut req = app.client.get(app.url(path));
        req = req.header("Accept-Encoding", if gzip { "gzip" } else { "identity" });
        req.send()
    };
    // Every citizen path is the citizen page; every /staff path the console.
    for path in [
        "/",
        "/segnala",
        "/segnalazioni",
        "/segnalazioni/PI-2026-000001",
        "/accessibilita",
        "/privacy",
    ] {
        let resp = get(path, false).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("report-inefficiency") && !html.contains("noindex"),
            "{path}"
        );
    }
    let staff = get("/staff/segnalazioni/PI-2026-000001", false)
        .await
        .unwrap();
    let staff = staff.text().await.unwrap();
    assert!(staff.contains("noindex"));

    // A script the page loads: gzip twin for those who accept it, cached for good.
    let script = staff
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script in staff.html")
        .to_string();
    assert!(script.starts_with("/assets/"), "{script}");
    let plain = get(&script, false).await.unwrap();
    assert_eq!(plain.status().as_u16(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let plain = plain.bytes().await.unwrap();
    let zipped = get(&script, true).await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert!(zipped.bytes().await.unwrap().len() < plain.len());

    for bad in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/index.html",
        "/assets/nope.js",
    ] {
        assert_eq!(
            get(bad, false).await.unwrap().status().as_u16(),
            404,
            "{bad}"
        );
    }
}
