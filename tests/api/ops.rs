//! Health, readiness, metrics, and the OpenAPI document.

use crate::common::*;

/// Every `segnala_*` metric a file names (histogram suffixes removed).
fn named_in(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for (i, _) in text.match_indices("segnala_") {
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(&name);
        names.insert(base.to_string());
    }
    names
}

#[tokio::test]
async fn a_running_service_is_healthy_and_ready() {
    let app = TestApp::pisa().await;
    for path in ["/healthz", "/readyz"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
}

/// Pisa, with mail to a port where nothing listens, failing for good at once.
async fn pisa_whose_mail_fails() -> TestApp {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    TestApp::pisa_with(move |c| {
        c.mail_transport = "smtp".into();
        c.smtp_port = port;
        c.smtp_tls = "none".into();
        c.outbox_max_attempts = 1;
    })
    .await
}

/// The `/metrics` page.
async fn metrics(app: &TestApp) -> String {
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.unwrap()
}

/// A citizen files on the web; the URP files a phone report received six
/// days ago (overdue now) for Anna (333 1112223, anna@example.org); the
/// sweeper escalates it and the dispatcher's mail fails for good; someone
/// asks for a report that does not exist.
async fn a_scenario(app: &TestApp) {
    use chrono::{Duration, Utc};
    app.file("buche", PISA_CENTRE).await;
    let urp = app.urp("urp").await;
    let (status, body) = urp
        .post("/api/v1/reports", &serde_json::json!({
            "category": "buche", "description": "Buca", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
            "channel": "phone", "received_at": Utc::now() - Duration::days(6),
            "reporter": {"phone": "333 1112223", "email": "anna@example.org", "contact": "email"}
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    let (store, config) = (app.store.clone(), app.config.clone());
    tokio::task::spawn_blocking(move || {
        segnala::jobs::sweep_and_notify(
            &store,
            Utc::now(),
            config.escalation_policy(),
            &config.links(),
        )
        .unwrap();
        segnala::jobs::dispatch::Dispatcher::from_config(store, &config)
            .unwrap()
            .run_once(Utc::now())
            .unwrap();
    })
    .await
    .unwrap();
    app.get("/api/v1/reports/PI-2026-999999").await;
}

// One scenario makes every metric appear: what it counted, and the names
// the alerts and the dashboard use, are read on the same page (its 5 s wait
// for the cached gauges paid once).
#[tokio::test]
async fn metrics_count_a_scenario_without_personal_data_and_hold_every_name_the_alerts_use() {
    let app = pisa_whose_mail_fails().await;
    let before = metrics(&app).await;
    let web = |t: &str| {
        metric_sample(t, r#"segnala_reports_created_total{channel="web"}"#).unwrap_or(0.0)
    };
    a_scenario(&app).await;
    // The database gauges are cached for 5 s: wait them out.
    tokio::time::sleep(std::time::Duration::from_millis(5100)).await;
    let text = metrics(&app).await;

    assert!(web(&text) >= web(&before) + 1.0, "a web filing is counted");
    let sample = |series: &str| metric_sample(&text, series);
    assert_eq!(
        sample(r#"segnala_reports_overdue{municipality="050026"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(sample(r#"segnala_escalations_total{level="1"}"#).unwrap() >= 1.0);
    let dead = r#"segnala_outbox_deliveries_total{kind="email",outcome="dead"}"#;
    assert!(sample(dead).unwrap() >= 1.0);
    assert!(
        sample(r#"segnala_outbox_dead{kind="email"}"#).unwrap() >= 1.0,
        "{text}"
    );
    assert!(sample(r#"segnala_job_duration_seconds_count{job="sweeper"}"#).unwrap() >= 1.0);
    // A 404 by route template, never by raw path.
    assert!(
        text.contains(r#"route="/api/v1/reports/{code}",status="4xx""#),
        "{text}"
    );
    assert!(!text.contains("PI-2026-999999"), "no codes as labels");
    assert!(text.contains("# TYPE segnala_http_request_duration_seconds histogram"));
    assert!(text.contains("segnala_build_info{version="));
    for forbidden in ["anna@example.org", "333 1112223", "3331112223"] {
        assert!(!text.contains(forbidden), "personal data on /metrics");
    }

    // Every metric exists, and the alert rules and the dashboard use only those.
    let exposed = named_in(&text);
    for name in segnala::metrics::NAMES {
        assert!(exposed.contains(*name), "{name} is not on /metrics");
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations");
    for file in ["alerts.yml", "grafana-dashboard.json"] {
        let used = named_in(&std::fs::read_to_string(format!("{dir}/{file}")).unwrap());
        assert!(used.len() >= 8, "{file} names few metrics: {used:?}");
        for name in &used {
            assert!(
                exposed.contains(name),
                "{file} uses {name}, which /metrics does not expose"
            );
        }
    }
}

#[tokio::test]
async fn every_answer_has_a_request_id_and_a_5xx_envelope_carries_it() {
    let app = TestApp::pisa().await;
    let resp = app
        .client
        .get(app.url("/api/v1/municipalities"))
        .send()
        .await
        .unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    // A proxy's id is kept; a forged one that could break a log line is replaced.
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-1234.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "lb-1234.abc");
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "a b\"c")
        .send()
        .await
        .unwrap();
    assert_ne!(resp.headers()["x-request-id"], "a b\"c");
    // A 4xx envelope does not carry it (nothing for the operator to look up).
    let (_, body) = app.get("/api/v1/reports/PI-2026-999999").await;
    assert!(body["error"].get("request_id").is_none(), "{body}");
}

#[tokio::test]
async fn an_undeclared_method_on_a_known_path_is_405_with_allow() {
    let app = TestApp::pisa().await;
    for (method, path, allow) in [
        ("DELETE", "/api/v1/reports", "GET, POST"),
        ("PUT", "/api/v1/reports/PI-2026-000001", "GET"),
        ("GET", "/api/v1/reports/PI-2026-000001/transitions", "POST"),
        ("POST", "/api/v1/admin/users/7", "PATCH"),
        ("PATCH", "/healthz", "GET"),
        // Open311 answers in its own format, in the one asked for.
        ("DELETE", "/open311/v2/requests.xml", "GET, POST"),
        ("POST", "/open311/v2/discovery.json", "GET"),
        ("PUT", "/open311/v2/requests/1.json", "GET"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        let text = resp.text().await.unwrap();
        let expected = match path {
            p if p.ends_with(".xml") => "<errors>",
            p if p.starts_with("/open311") => "\"code\":405",
            _ => "\"code\":\"method_not_allowed\"",
        };
        assert!(text.contains(expected), "{method} {path}: {text}");
    }
    // A path no operation has stays 404.
    let resp = app
        .client
        .delete(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn unknown_pages_are_pages_for_people_and_unknown_api_paths_stay_json() {
    let app = TestApp::pisa().await;
    for path in ["/nope", "/segnalazioni/a/b", "/staff/nope"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{path}");
        let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
    }
    for path in [
        "/api/v1/nope",
        "/api",
        "/open311/v2/nope.json",
        "/metricsx/a",
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{path}");
        let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
        if path == "/metricsx/a" {
            assert!(kind.starts_with("text/html"), "not a machine path: {kind}");
        } else {
            // The envelope (Open311 has its own error list, in JSON too).
            assert!(kind.contains("json"), "{path}: {kind}");
        }
    }
    let resp = app.client.post(app.url("/nope")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("json"));
    for path in [
        "/staff",
        "/staff/coda",
        "/staff/segnalazioni/PI-2026-000001",
        "/note-legali",
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
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

#[tokio::test]
async fn a_json_log_record_names_the_request_route_status_and_report_but_no_person() {
    let server = Spawned::pisa(&[("SEGNALA_LOG_FORMAT", "json"), ("SEGNALA_LOG", "info")]).await;
    let created = server.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    let token = created["tracking_token"].as_str().unwrap();
    let resp = server
        .client
        .get(server.url(&format!("/api/v1/reports/{code}?token={token}")))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut line = None;
    for _ in 0..50 {
        line = server
            .log()
            .lines()
            .find(|l| l.contains("trace-42") && l.contains("http.status_code"))
            .map(str::to_string);
        if line.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let line = line.expect("a record of the request");
    let record: serde_json::Value = serde_json::from_str(&line).expect("one JSON object per line");
    let span = &record["span"];
    assert_eq!(span["request_id"], "trace-42", "{line}");
    assert_eq!(span["http.route"], "/api/v1/reports/{code}", "{line}");
    assert_eq!(span["report.code"], code, "{line}");
    assert_eq!(span["http.status_code"], 200, "{line}");
    assert!(record["fields"].get("time.busy").is_some(), "{line}");
    let log = server.log();
    assert!(!log.contains(token), "the token is not logged");
    assert!(!log.contains("@example"), "no email address is logged");
}
