//! Keeping citizens informed: the outbox over a real SMTP server, outages and
//! retries, crashes, two dispatchers, the phone-callback queue, signed
//! webhooks, and external offices answering with their API key.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use segnala::domain::permissions::Role;
use segnala::jobs::dispatch::{lease_seconds, Dispatcher, Outcome};
use segnala::store::{catalog, outbox, Store};

use crate::common::*;

async fn with_smtp(server: &SmtpServer) -> TestApp {
    let port = server.port;
    TestApp::pisa_with(move |c| {
        c.mail_transport = "smtp".into();
        c.smtp_port = port;
        c.smtp_tls = "none".into();
        c.smtp_timeout_seconds = 5;
        c.outbox_max_attempts = 4;
    })
    .await
}

/// Runs a dispatcher (its own, or a fresh one) off the async runtime.
async fn dispatch(store: Store, config: segnala::config::Config, at: DateTime<Utc>) -> Outcome {
    tokio::task::spawn_blocking(move || {
        Dispatcher::from_config(store, &config)
            .unwrap()
            .run_once(at)
            .unwrap()
    })
    .await
    .unwrap()
}

fn pending(app: &TestApp) -> i64 {
    app.store
        .read(|c| Ok(outbox::counts(c)?))
        .unwrap()
        .into_iter()
        .find(|(s, _)| s == "pending")
        .map(|(_, n)| n)
        .unwrap_or(0)
}

/// The text/plain part of a message, decoded.
fn text_of(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let start = lower.find("content-type: text/plain").expect("a text part");
    let part = &message[start..];
    let headers_end = part
        .find("\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| part.find("\n\n").map(|i| i + 2))
        .unwrap();
    let (headers, rest) = part.split_at(headers_end);
    let body = rest
        .split("\r\n--")
        .next()
        .unwrap()
        .split("\n--")
        .next()
        .unwrap();
    let hl = headers.to_ascii_lowercase();
    if hl.contains("content-transfer-encoding: base64") {
        use base64::Engine;
        let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .unwrap(),
        )
        .unwrap()
    } else if hl.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "").replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap()
    } else {
        body.to_string()
    }
}

#[tokio::test]
async fn the_citizen_gets_italian_emails_over_smtp() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let smtp = SmtpServer::start(dir.path());
    let app = with_smtp(&smtp).await;
    let created = app.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    let token = created["tracking_token"].as_str().unwrap();
    assert_eq!(pending(&app), 1, "written with the report");
    let o = dispatch(app.store.clone(), app.config.clone(), Utc::now()).await;
    assert_eq!(o.sent, 1);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(header(m, "X-Envelope-To"), Some("maria.bianchi@example.it"));
    assert_eq!(
        header(m, "Subject"),
        Some(format!("Segnalazione {code} ricevuta").as_str())
    );
    let text = text_of(m);
    assert!(
        text.contains(code)
            && text.contains(&format!(
                "http://segnala.test/segnalazioni/{code}?token={token}"
            )),
        "{text}"
    );
    assert!(text.contains("Manutenzione strade"), "{text}");

    // Taken in charge: a second email, with the office's message.
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    app.post_as(
        &strade,
        &format!("/api/v1/reports/{code}/transitions"),
        &json!({"to": "taken_in", "public_message": "Interveniamo giovedì"}),
    )
    .await;
    dispatch(app.store.clone(), app.config.clone(), Utc::now()).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        header(&messages[1], "Subject"),
        Some(format!("Segnalazione {code}: presa in carico").as_str())
    );
    assert!(text_of(&messages[1]).contains("Interveniamo giovedì"));
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_and_loses_none() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let mut smtp = SmtpServer::reserve(dir.path()); // the port is closed
    let app = with_smtp(&smtp).await;
    const N: usize = 50;
    for _ in 0..N {
        app.file("buche", PISA_CENTRE).await;
    }
    let o = dispatch(app.store.clone(), app.config.clone(), Utc::now()).await;
    // One try meets the refusal; the others wait for the server untried.
    assert_eq!(
        (o.sent, o.retrying, o.dead, o.deferred),
        (0, 1, 0, N - 1),
        "a refused connection is retried, not dropped"
    );
    assert_eq!(pending(&app), N as i64);
    smtp.listen();
    // Before the backoff: nothing is due yet.
    assert_eq!(
        dispatch(app.store.clone(), app.config.clone(), Utc::now())
            .await
            .sent,
        0
    );
    let o = dispatch(
        app.store.clone(),
        app.config.clone(),
        Utc::now() + Duration::minutes(5),
    )
    .await;
    assert_eq!(o.sent, N);
    let messages = smtp.messages();
    assert_eq!(messages.len(), N);
    let ids: std::collections::HashSet<_> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), N, "each exactly once");
    assert_eq!(pending(&app), 0);
}

#[tokio::test]
async fn temporary_failures_are_retried_and_rejections_are_dead_but_retryable() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let smtp = SmtpServer::start(dir.path());
    let app = with_smtp(&smtp).await;
    let mut soon = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    soon["reporter"]["email"] = json!("fail451once-anna@example.it");
    assert_eq!(app.post("/api/v1/reports", &soon).await.0, 201);
    let mut never = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    never["reporter"]["email"] = json!("reject550-bruno@example.it");
    assert_eq!(app.post("/api/v1/reports", &never).await.0, 201);

    let o = dispatch(app.store.clone(), app.config.clone(), Utc::now()).await;
    assert_eq!(
        (o.sent, o.retrying, o.dead),
        (0, 1, 1),
        "451 retried, 550 dead"
    );
    let o = dispatch(
        app.store.clone(),
        app.config.clone(),
        Utc::now() + Duration::minutes(5),
    )
    .await;
    assert_eq!(o.sent, 1, "the 451 went through later");

    let admin = app.staff("admin", Role::Admin, &[]).await;
    let (status, dead) = app.get_as(&admin, "/api/v1/admin/outbox/dead").await;
    assert_eq!(status, 200);
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("550"),
        "{dead:?}"
    );
    // The server quoted the address: neither the stored error nor the
    // dead letter's payload keeps anything it need not.
    assert!(!dead[0].to_string().contains("bruno@"), "{dead:?}");
    let id = dead[0]["id"].as_str().unwrap();
    let row = app
        .store
        .read(|c| Ok(outbox::find(c, id)?))
        .unwrap()
        .unwrap();
    assert!(!row.last_error.unwrap_or_default().contains("bruno@"));
    assert!(!row.payload.contains("token="), "{}", row.payload);
    // A delivered row keeps neither the address nor the body.
    let sent: Vec<String> = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::outbox as o;
            Ok(o::table
                .filter(o::state.eq("sent"))
                .select(o::payload)
                .load(c)?)
        })
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert!(
        !sent[0].contains("anna@") && !sent[0].contains("token="),
        "{}",
        sent[0]
    );
    let (status, _) = app
        .post_as(
            &admin,
            &format!("/api/v1/admin/outbox/{id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(pending(&app), 1, "back in the queue");
}

#[tokio::test]
async fn a_dispatcher_killed_between_send_and_mark_resends_with_the_same_message_id() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let smtp = SmtpServer::start(dir.path());
    let app = with_smtp(&smtp).await;
    app.file("buche", PISA_CENTRE).await;
    app.file("illuminazione", PISA_CENTRE).await;
    // This dispatcher claims and sends, then dies before marking anything sent.
    let (store, config) = (app.store.clone(), app.config.clone());
    tokio::task::spawn_blocking(move || {
        let d = Dispatcher::from_config(store, &config).unwrap();
        for row in d.claim(Utc::now()).unwrap() {
            d.deliver(&row, Utc::now()).unwrap();
        }
    })
    .await
    .unwrap();
    assert_eq!(smtp.messages().len(), 2);
    assert_eq!(pending(&app), 2, "nothing was marked");
    // Another dispatcher, once the dead one's lease has run out.
    let o = dispatch(
        app.store.clone(),
        app.config.clone(),
        Utc::now()
            + Duration::seconds(
                lease_seconds(
                    app.config.smtp_timeout_seconds,
                    app.config.webhook_timeout_seconds,
                ) + 1,
            ),
    )
    .await;
    assert_eq!(o.sent, 2);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 4, "resent after the crash: nothing missing");
    let mut ids: Vec<_> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "each duplicate carries the same Message-ID");
}

#[tokio::test]
async fn a_busy_outbox_is_marked_sent_in_batches_not_one_commit_per_message() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let smtp = SmtpServer::start(dir.path());
    let app = with_smtp(&smtp).await;
    const N: usize = 120;
    let now = Utc::now().naive_utc();
    app.store
        .write(|c| {
            for i in 0..N {
                let email = json!({
                    "to": format!("c{i}@example.it"), "subject": format!("Segnalazione {i}"),
                    "text": "Ricevuta.", "html": "<p>Ricevuta.</p>",
                    "message_id": format!("<busy-{i}@segnala.test>"),
                });
                outbox::enqueue(c, "email", &format!("busy-{i}"), &email, None, now)?;
            }
            Ok(())
        })
        .unwrap();
    let started = std::time::Instant::now();
    let o = dispatch(app.store.clone(), app.config.clone(), Utc::now()).await;
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!((o.sent, o.retrying, o.dead, o.lost), (N, 0, 0, 0));
    assert_eq!(smtp.messages().len(), N);
    assert_eq!(pending(&app), 0);
    // Rows marked in one write share its timestamp: a write per hundred
    // rows, or per half second of delivering, not one per message.
    let stamps: std::collections::BTreeSet<chrono::NaiveDateTime> = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::outbox as o;
            Ok(o::table
                .filter(o::state.eq("sent"))
                .select(o::sent_at.assume_not_null())
                .load(c)?)
        })
        .unwrap()
        .into_iter()
        .collect();
    let allowed = N.div_ceil(segnala::jobs::dispatch::SETTLE_ROWS) + 1 + (seconds * 2.0) as usize;
    assert!(
        stamps.len() <= allowed,
        "{} writes for {N} messages in {seconds:.1} s (at most {allowed})",
        stamps.len()
    );
}

#[tokio::test]
async fn two_dispatchers_never_send_a_message_twice() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let smtp = SmtpServer::start(dir.path());
    let app = with_smtp(&smtp).await;
    const N: usize = 30;
    for _ in 0..N {
        app.file("buche", PISA_CENTRE).await;
    }
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let store = Store::open(&app.config.database_url, 2).unwrap();
            let config = app.config.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let d = Dispatcher::from_config(store, &config).unwrap();
                barrier.wait();
                d.run_once(Utc::now()).unwrap()
            })
        })
        .collect();
    let sent: usize = handles.into_iter().map(|h| h.join().unwrap().sent).sum();
    assert_eq!(sent, N);
    let messages = smtp.messages();
    assert_eq!(messages.len(), N, "no message sent twice");
}

/// A phone-only report taken by the URP, taken in and resolved by the
/// office; its code.
async fn phone_only_report_resolved(app: &TestApp, urp: &Staffer<'_>) -> String {
    let strade = app.office("strade", &["manutenzioni"]).await;
    let (status, created) = urp
        .post("/api/v1/reports", &json!({
            "category": "buche", "description": "Buca in via Garibaldi", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
            "channel": "phone", "reporter": {"name": "Elda", "phone": "050 555123"}
        }))
        .await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap().to_string();
    for to in ["taken_in", "resolved"] {
        let (status, _) = strade
            .transition(&code, json!({"to": to, "public_message": "Buca chiusa"}))
            .await;
        assert_eq!(status, 200);
    }
    code
}

#[tokio::test]
async fn a_phone_only_citizen_is_queued_for_a_call_back_within_24_working_hours() {
    let app = TestApp::pisa().await;
    let urp = app.urp("urp").await;
    let code = phone_only_report_resolved(&app, &urp).await;
    assert_eq!(pending(&app), 0, "no email for a phone-only citizen");
    let (status, queue) = urp.get("/api/v1/callbacks").await;
    assert_eq!(status, 200);
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1);
    let cb = &queue[0];
    assert_eq!(
        (
            cb["report_code"].as_str(),
            cb["reason"].as_str(),
            cb["phone"].as_str()
        ),
        (Some(code.as_str()), Some("resolved"), Some("+39050555123"))
    );
    // Due within 24 working hours of the resolution, on the municipal calendar.
    let due: DateTime<Utc> = serde_json::from_value(cb["due_at"].clone()).unwrap();
    let (_, detail) = urp.get(&format!("/api/v1/staff/reports/{code}")).await;
    let resolved: DateTime<Utc> = serde_json::from_value(detail["resolved_at"].clone()).unwrap();
    let expected = segnala::domain::calendar::Calendar::italian_default()
        .with_annual([(6, 17)])
        .deadline(
            resolved,
            24,
            segnala::domain::calendar::DeadlineMode::WorkingDays,
        );
    assert!(
        (due - expected).num_seconds().abs() <= 1,
        "{due} vs {expected}"
    );
}

#[tokio::test]
async fn every_call_back_attempt_is_on_the_timeline_and_the_third_unanswered_gives_up() {
    let app = TestApp::pisa().await;
    let urp = app.urp("urp").await;
    let code = phone_only_report_resolved(&app, &urp).await;
    let (_, queue) = urp.get("/api/v1/callbacks").await;
    let attempts = format!(
        "/api/v1/callbacks/{}/attempts",
        queue[0]["id"].as_str().unwrap()
    );
    for (i, note) in ["squilla a vuoto", "occupato", "nessuna risposta"]
        .iter()
        .enumerate()
    {
        let attempt = json!({"outcome": "no_answer", "note": note});
        let (status, after) = urp.post(&attempts, &attempt).await;
        assert_eq!(status, 200, "{after}");
        assert_eq!(after["state"], if i < 2 { "open" } else { "unreachable" });
    }
    let (status, _) = urp.post(&attempts, &json!({"outcome": "reached"})).await;
    assert_eq!(status, 409, "closed");
    let (_, detail) = urp.get(&format!("/api/v1/staff/reports/{code}")).await;
    let logged: Vec<_> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "callback_logged")
        .collect();
    assert_eq!(logged.len(), 3);
    assert_eq!(logged[2]["data"]["state"], "unreachable");
    let (_, open) = urp.get("/api/v1/callbacks").await;
    assert!(open.as_array().unwrap().is_empty());
    let (_, closed) = urp.get("/api/v1/callbacks?state=unreachable").await;
    assert_eq!(closed.as_array().unwrap().len(), 1);
    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert!(
        !public.to_string().contains("squilla"),
        "call notes are internal"
    );
}

#[tokio::test]
async fn offices_do_not_work_the_call_back_queue() {
    let app = TestApp::pisa().await;
    let strade = app.office("strade", &["manutenzioni"]).await;
    assert_eq!(strade.get("/api/v1/callbacks").await.0, 403);
}

/// Igiene urbana, a municipal company, receives the comune's webhooks
/// signed with `secret` at `url`.
fn hook_igiene_urbana(app: &TestApp, url: &str, secret: &str) {
    app.store
        .write(|c| {
            let office = catalog::office_by_code(c, PISA, "igiene-urbana")?.unwrap();
            Ok(catalog::set_webhook(c, &office.id, Some((url, secret)))?)
        })
        .unwrap();
}

/// An API key of Igiene urbana's.
fn igiene_urbana_key(app: &TestApp) -> String {
    let (_, key) = app
        .store
        .write(|c| {
            segnala::app::admin::keys::issue(
                c,
                &segnala::app::admin::Admin::cli(PISA),
                "Igiene urbana",
                Some("igiene-urbana".into()),
            )
        })
        .unwrap();
    key
}

/// A request to `path` with the API key `key`, and a JSON body if given;
/// the status and the JSON answer.
async fn with_key(app: &TestApp, key: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = match body {
        Some(body) => app.client.post(app.url(path)).json(&body),
        None => app.client.get(app.url(path)),
    };
    let resp = request.header("X-Api-Key", key).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A report that goes to Igiene urbana; its code.
async fn abandoned_waste(app: &TestApp) -> String {
    let created = app.file("rifiuti-abbandonati", PISA_CENTRE).await;
    created["code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_municipal_company_gets_signed_webhooks_retried_until_delivered() {
    let app = TestApp::pisa().await;
    const SECRET: &str = "a-long-shared-webhook-secret";
    let hook = receiver(SECRET, 1);
    hook_igiene_urbana(&app, &hook.url, SECRET);
    let code = abandoned_waste(&app).await;
    // The receiver is failing: retried, then delivered, signature valid.
    let o = dispatch(app.store.clone(), app.config.clone(), Utc::now()).await;
    let webhooks_first = o.retrying;
    assert!(webhooks_first >= 1, "{o:?}");
    let later = Utc::now() + Duration::minutes(5);
    dispatch(app.store.clone(), app.config.clone(), later).await;
    let got = hook.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].0, "signature verified");
    assert_eq!(
        (
            got[0].1["event"].as_str(),
            got[0].1["report"]["code"].as_str()
        ),
        (Some("report.created"), Some(code.as_str()))
    );
    assert!(
        !got[0].1.to_string().contains("maria"),
        "no personal data to third parties"
    );
}

#[tokio::test]
async fn a_municipal_company_answers_with_its_key_and_never_sees_personal_data() {
    let app = TestApp::pisa().await;
    let code = abandoned_waste(&app).await;
    let key = igiene_urbana_key(&app);
    let path = format!("/api/v1/reports/{code}/transitions");
    let taken_in = json!({"to": "taken_in", "public_message": "Ritiro programmato"});
    assert_eq!(with_key(&app, &key, &path, Some(taken_in)).await.0, 200);
    let sup = app.supervisor("sup").await;
    let (_, detail) = sup.get(&format!("/api/v1/staff/reports/{code}")).await;
    let taken = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "taken_in")
        .unwrap();
    assert_eq!(taken["actor_kind"], "integration");
    // Integrations never receive the citizen's personal data.
    let (status, seen) = with_key(&app, &key, &format!("/api/v1/staff/reports/{code}"), None).await;
    assert_eq!(status, 200);
    assert!(seen.is_object(), "{seen}");
    assert!(
        seen.get("reporter").is_none() && !seen.to_string().contains("maria"),
        "{seen}"
    );
}

#[tokio::test]
async fn a_companys_key_reaches_only_its_reports_and_a_wrong_key_is_refused() {
    let app = TestApp::pisa().await;
    let code = abandoned_waste(&app).await;
    let key = igiene_urbana_key(&app);
    let other = app.file("buche", PISA_CENTRE).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/reports/{other}/transitions");
    let (status, _) = with_key(&app, &key, &path, Some(json!({"to": "taken_in"}))).await;
    assert_eq!(status, 404);
    let path = format!("/api/v1/reports/{code}/transitions");
    let (status, _) = with_key(&app, "sk_wrong", &path, Some(json!({"to": "in_progress"}))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn supervisors_are_emailed_on_escalation() {
    let dir = tempdir::TempDir::new("segnala-smtp");
    let smtp = SmtpServer::start(dir.path());
    let app = with_smtp(&smtp).await;
    app.user("capo", Role::Supervisor, PISA, &[]);
    let mut body = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    body["reporter"] = json!({"contact": "none"});
    let code = app.post("/api/v1/reports", &body).await.1["code"]
        .as_str()
        .unwrap()
        .to_string();
    let later = Utc::now() + Duration::days(7);
    let o = segnala::jobs::sweep_and_notify(
        &app.store,
        later,
        segnala::domain::escalation::Policy {
            level2_after_hours: None,
        },
        &app.config.links(),
    )
    .unwrap();
    assert_eq!(o.level1, 1);
    dispatch(app.store.clone(), app.config.clone(), later).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        header(&messages[0], "X-Envelope-To"),
        Some("capo@staff.example")
    );
    assert!(header(&messages[0], "Subject").unwrap().contains(&code));
}

#[tokio::test]
async fn past_the_resolution_target_citizens_are_told_and_overdue_callbacks_escalate() {
    let app = TestApp::pisa().await;
    let urp = app.staff("urp", Role::Urp, &[]).await;
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    let by_email = app.file("buche", PISA_CENTRE).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, phoned) = app
        .post_as(&urp, "/api/v1/reports", &json!({
            "category": "buche", "description": "Buca", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
            "channel": "phone", "reporter": {"phone": "333 9998887"}
        }))
        .await;
    let by_phone = phoned["code"].as_str().unwrap().to_string();
    for code in [&by_email, &by_phone] {
        app.post_as(
            &strade,
            &format!("/api/v1/reports/{code}/transitions"),
            &json!({"to": "taken_in"}),
        )
        .await;
    }
    let emails_before = pending(&app);
    // Potholes have a 20-day target: a month later both are late.
    let later = Utc::now() + Duration::days(30);
    let policy = segnala::domain::escalation::Policy {
        level2_after_hours: None,
    };
    segnala::jobs::sweep_and_notify(&app.store, later, policy, &app.config.links()).unwrap();
    assert_eq!(
        pending(&app),
        emails_before + 1,
        "one email, to the citizen with an address"
    );
    let (_, public) = app.get(&format!("/api/v1/reports/{by_email}")).await;
    assert!(public["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.contains("più tempo"))));
    let (_, callbacks) = app.get_as(&urp, "/api/v1/callbacks").await;
    let callbacks = callbacks.as_array().unwrap();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(
        (
            callbacks[0]["report_code"].as_str(),
            callbacks[0]["reason"].as_str()
        ),
        (Some(by_phone.as_str()), Some("cannot_fix_soon"))
    );
    // Told once.
    segnala::jobs::sweep_and_notify(&app.store, later, policy, &app.config.links()).unwrap();
    assert_eq!(pending(&app), emails_before + 1);
    // Nobody called back in time: the callback is escalated, once.
    let much_later = later + Duration::days(7);
    segnala::jobs::sweep_and_notify(&app.store, much_later, policy, &app.config.links()).unwrap();
    segnala::jobs::sweep_and_notify(&app.store, much_later, policy, &app.config.links()).unwrap();
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (_, detail) = app
        .get_as(&sup, &format!("/api/v1/staff/reports/{by_phone}"))
        .await;
    let escalations: Vec<_> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["reason"] == "callback_overdue")
        .collect();
    assert_eq!(escalations.len(), 1);
}
