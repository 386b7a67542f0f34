//! Personal data outlives nothing: a resolved report closes by itself when
//! its reopen window passes, and one retention pass erases every copy of a
//! finished report's personal data — checked by searching the whole
//! database (raw SQLite files, or every PostgreSQL row) and the whole data
//! directory for each value.

use chrono::{DateTime, Duration, Utc};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use segnala::domain::attributes::AttributeDef;
use segnala::domain::permissions::Role;
use segnala::jobs::dispatch::Dispatcher;
use segnala::store::{catalog, outbox, Backend, DbConn, Store};

use crate::common::*;

async fn dispatch(app: &TestApp, at: DateTime<Utc>) {
    let (store, config) = (app.store.clone(), app.config.clone());
    tokio::task::spawn_blocking(move || {
        Dispatcher::from_config(store, &config)
            .unwrap()
            .run_once(at)
            .unwrap()
    })
    .await
    .unwrap();
}

async fn sweep(app: &TestApp, at: DateTime<Utc>) {
    let (store, config) = (app.store.clone(), app.config.clone());
    tokio::task::spawn_blocking(move || {
        segnala::jobs::sweep_and_notify(&store, at, config.escalation_policy(), &config.links())
            .unwrap()
    })
    .await
    .unwrap();
}

async fn move_to(app: &TestApp, who: &str, code: &str, to: &str) {
    let (status, body) = app
        .post_as(
            who,
            &format!("/api/v1/reports/{code}/transitions"),
            &json!({"to": to, "public_message": "Aggiornamento dell'ufficio", "reason": "invalid"}),
        )
        .await;
    assert_eq!(status, 200, "{to}: {body}");
}

async fn citizen(app: &TestApp, code: &str, action: &str, body: Value) {
    let (status, answer) = app
        .post(&format!("/api/v1/reports/{code}/{action}"), &body)
        .await;
    assert!(
        status == 200 || status == 201 || status == 204,
        "{action}: {status} {answer}"
    );
}

/// Every stored byte: the SQLite files as they are on disk (free pages and
/// the write-ahead log included), or every row of every PostgreSQL table.
fn database_text(store: &Store, url: &str) -> String {
    match store.backend() {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite://");
            ["", "-wal", "-journal"]
                .iter()
                .filter_map(|suffix| std::fs::read(format!("{path}{suffix}")).ok())
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .collect()
        }
        Backend::Postgres => store
            .read(|c| {
                #[derive(diesel::QueryableByName)]
                struct Text {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    t: String,
                }
                let DbConn::Pg(pg) = c else { unreachable!() };
                let tables: Vec<Text> = diesel::sql_query(
                    "SELECT table_name::text AS t FROM information_schema.tables \
                     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                )
                .load(pg)?;
                let mut all = String::new();
                for table in tables {
                    let rows: Vec<Text> = diesel::sql_query(format!(
                        "SELECT row_to_json(x)::text AS t FROM \"{}\" x",
                        table.t
                    ))
                    .load(pg)?;
                    for row in rows {
                        all.push_str(&row.t);
                        all.push('\n');
                    }
                }
                Ok(all)
            })
            .unwrap(),
    }
}

/// Every file under `dir`, as text.
fn directory_text(dir: &std::path::Path) -> String {
    let mut all = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                // Mail is quoted-printable: search it with its soft line
                // breaks joined too (a token is split across lines).
                all.push_str(&text);
                all.push_str(&text.replace("=\r\n", "").replace("=\n", ""));
            }
        }
    }
    all
}

const NAME: &str = "Ermenegilda";
const SURNAME: &str = "Pozzobon";
const EMAIL: &str = "ermenegilda.pozzobon@example.it";
const PHONE_DIGITS: &str = "8765432";

/// `buche` asks a free-text question, `dove`, whose answer may name people.
fn ask_where_for_potholes(app: &TestApp) {
    app.store
        .write(|c| {
            let buche = catalog::category_by_code(c, PISA, "buche")?.unwrap();
            Ok(catalog::add_attribute(
                c,
                &buche.id,
                &AttributeDef {
                    code: "dove".into(),
                    datatype: "string".into(),
                    required: false,
                    description: "Dove esattamente?".into(),
                    values: vec![],
                },
                9,
            )?)
        })
        .unwrap();
}

/// Uploads a file to report `code` with its follow-up token; the 201 body.
async fn upload(app: &TestApp, code: &str, token: &str, name: String, bytes: Vec<u8>) -> Value {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/reports/{code}/attachments")))
        .header("X-Tracking-Token", token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    resp.json().await.unwrap()
}

/// Ermenegilda's report on the web: its code, its follow-up token, and
/// where its unpublished photo is stored.
struct WebReport {
    code: String,
    token: String,
    photo_file: std::path::PathBuf,
}

/// Filed on the web with everything a citizen can write afterwards (more
/// information, a document, a photo nobody published (it may show people),
/// a rating, a reopening and a confirmation), each naming her; the office
/// resolves it twice.
async fn filed_on_the_web_with_everything(app: &TestApp, strade: &str) -> WebReport {
    let mut body = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    body["reporter"] =
        json!({"name": format!("{NAME} {SURNAME}"), "email": EMAIL, "phone": "333 8765432"});
    let (status, web) = app.post("/api/v1/reports", &body).await;
    assert_eq!(status, 201, "{web}");
    let code = web["code"].as_str().unwrap().to_string();
    let token = web["tracking_token"].as_str().unwrap().to_string();
    let says = |message: String| json!({"token": token, "message": message});
    citizen(
        app,
        &code,
        "information",
        says(format!("Citofono {SURNAME}-informazione")),
    )
    .await;
    let pdf =
        format!("%PDF-1.4\n1 0 obj<<>>endobj\n% {SURNAME}-nel-documento\ntrailer<<>>\n%%EOF\n");
    upload(
        app,
        &code,
        &token,
        format!("documento-{SURNAME}.pdf"),
        pdf.into_bytes(),
    )
    .await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(16, 12, image::Rgb([10, 20, 30]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let photo = upload(app, &code, &token, "foto.png".into(), png.into_inner()).await;
    let photo_file = app
        .config
        .data_dir
        .join("attachments")
        .join(format!("{}.png", photo["id"].as_str().unwrap()));
    assert!(photo_file.exists());
    let rating =
        json!({"token": token, "score": 4, "comment": format!("Grazie da {SURNAME}-voto")});
    citizen(app, &code, "rating", rating).await;
    move_to(app, strade, &code, "taken_in").await;
    move_to(app, strade, &code, "resolved").await;
    citizen(
        app,
        &code,
        "reopen",
        says(format!("Ancora rotto, {SURNAME}-riapertura")),
    )
    .await;
    move_to(app, strade, &code, "resolved").await;
    citizen(
        app,
        &code,
        "confirm",
        says(format!("Riparata, {SURNAME}-conferma")),
    )
    .await;
    WebReport {
        code,
        token,
        photo_file,
    }
}

/// Filed by phone at the URP, phone only, resolved, and called back (the
/// call's note names her); its code.
async fn filed_by_phone_and_called_back(app: &TestApp, urp: &str, strade: &str) -> String {
    let (status, phone) = app
        .post_as(urp, "/api/v1/reports", &json!({
            "category": "buche", "description": "Buca in via Garibaldi", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
            "channel": "phone", "reporter": {"name": format!("{NAME} {SURNAME}"), "phone": "333 8765432"}
        }))
        .await;
    assert_eq!(status, 201, "{phone}");
    let code = phone["code"].as_str().unwrap().to_string();
    move_to(app, strade, &code, "taken_in").await;
    move_to(app, strade, &code, "resolved").await;
    let (_, callbacks) = app.get_as(urp, "/api/v1/callbacks").await;
    let id = callbacks[0]["id"].as_str().unwrap();
    let (status, _) = app
        .post_as(
            urp,
            &format!("/api/v1/callbacks/{id}/attempts"),
            &json!({"outcome": "reached", "note": format!("Parlato con {SURNAME}-telefonata")}),
        )
        .await;
    assert_eq!(status, 200);
    code
}

/// Filed through Open311 with her names, a free-text answer and a media
/// link, and rejected; its code.
async fn filed_through_open311_and_rejected(app: &TestApp, strade: &str) -> String {
    let key = app
        .store
        .write(|c| {
            Ok(segnala::store::api_keys::issue(
                c,
                PISA,
                "app",
                None,
                Utc::now().naive_utc(),
            )?)
        })
        .unwrap()
        .1;
    let answer = format!("davanti a casa {SURNAME}-attributo");
    let media = format!("https://foto.example/{SURNAME}-media.jpg");
    let resp = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "buche"),
            ("lat", "43.7230"),
            ("long", "10.3966"),
            ("description", "Buca segnalata dall'app"),
            ("first_name", NAME),
            ("last_name", SURNAME),
            ("email", EMAIL),
            ("phone", "3338765432"),
            ("attribute[pericolo]", "si"),
            ("attribute[dove]", &answer),
            ("media_url", &media),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = resp.json().await.unwrap();
    let code = created[0]["service_request_id"].as_str().unwrap();
    move_to(app, strade, code, "rejected").await;
    code.to_string()
}

/// Ermenegilda's reports after a month, and the URP's token.
struct Scenario {
    web: WebReport,
    phone_code: String,
    app_code: String,
    urp: String,
}

/// She files on the web, by phone and through an app; the mail goes out (as
/// .eml files in the data directory), the phone report's reopen window
/// passes and it closes; and she writes her email into the page feedback's
/// free text.
async fn a_month_of_her_reports(app: &TestApp) -> Scenario {
    let urp = app.staff("urp", Role::Urp, &[]).await;
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    ask_where_for_potholes(app);
    let web = filed_on_the_web_with_everything(app, &strade).await;
    let phone_code = filed_by_phone_and_called_back(app, &urp, &strade).await;
    let app_code = filed_through_open311_and_rejected(app, &strade).await;
    dispatch(app, Utc::now()).await;
    sweep(app, Utc::now() + Duration::days(31)).await;
    dispatch(app, Utc::now() + Duration::days(31)).await;
    let (status, _) = app
        .post(
            "/api/v1/feedback",
            &json!({"page": "/segnala", "rating": 2, "detail": format!("scrivetemi a {EMAIL}")}),
        )
        .await;
    assert_eq!(status, 204);
    Scenario {
        web,
        phone_code,
        app_code,
        urp,
    }
}

/// Where each of `values` is found in `db` and `files`, for those found.
fn found(db: &str, files: &str, values: &[&str]) -> Vec<String> {
    values
        .iter()
        .filter(|v| db.contains(*v) || files.contains(*v))
        .map(|v| {
            format!(
                "{v}: {} in the database, {} in files",
                db.matches(v).count(),
                files.matches(v).count()
            )
        })
        .collect()
}

#[tokio::test]
async fn the_follow_up_token_is_at_rest_nowhere_even_before_retention() {
    let app = TestApp::pisa().await;
    let her = a_month_of_her_reports(&app).await;
    let token = &her.web.token;
    // The delivered row dropped it, and the file transport's copy links without it.
    let files = directory_text(&app.config.data_dir);
    assert!(files.contains("Message-ID"), "the mail was written");
    assert!(
        !files.contains(token.as_str()),
        "the token is in a mail file"
    );
    // (Rows: SQLite's write-ahead log still holds the page as it was before
    // delivery until the next checkpoint, which the retention pass runs.)
    let payloads: Vec<String> = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::outbox as o;
            Ok(o::table.select(o::payload).load(c)?)
        })
        .unwrap();
    assert!(!payloads.is_empty());
    assert!(
        payloads.iter().all(|p| !p.contains(token.as_str())),
        "the token is in an outbox row"
    );
}

#[tokio::test]
async fn one_retention_pass_erases_every_copy_of_personal_data() {
    let app = TestApp::pisa().await;
    let her = a_month_of_her_reports(&app).await;
    let (code, token) = (&her.web.code, &her.web.token);
    let (_, after) = app
        .get(&format!("/api/v1/reports/{}", her.phone_code))
        .await;
    assert_eq!(after["status"], "closed", "{after}");
    let data_dir = app.config.data_dir.clone();
    // Before: the search finds them (it can fail).
    let before_db = database_text(&app.store, &app.config.database_url);
    let before_files = directory_text(&data_dir);
    for v in [
        NAME,
        EMAIL,
        PHONE_DIGITS,
        "riapertura",
        "telefonata",
        "attributo",
        "voto",
        "media.jpg",
    ] {
        assert!(before_db.contains(v), "{v} is stored before retention");
    }
    for v in [EMAIL, "nel-documento"] {
        assert!(
            before_files.contains(v),
            "{v} is in the data directory before retention"
        );
    }

    let later = Utc::now() + Duration::days(400);
    let n = segnala::jobs::retention(&app.store, &data_dir, 365, later).unwrap();
    assert_eq!(n, 3);
    let photo_survived = her.web.photo_file.exists();
    assert!(!photo_survived, "an unpublished photo survived retention");
    let db = database_text(&app.store, &app.config.database_url);
    let files = directory_text(&data_dir);
    let personal = [NAME, SURNAME, EMAIL, PHONE_DIGITS, token.as_str()];
    let written = [
        "informazione",
        "nel-documento",
        "documento-",
        "voto",
        "riapertura",
        "conferma",
        "telefonata",
        "attributo",
        "media.jpg",
    ];
    let found = found(&db, &files, &[&personal[..], &written].concat());
    eprintln!("after retention, {} personal values found", found.len());
    assert!(
        found.is_empty(),
        "personal data survived retention: {found:#?}"
    );

    // The old token opens nothing any more: no late document or comment
    // can bring personal data back to an erased report.
    let late = json!({"token": token, "message": "di nuovo io"});
    let (status, _) = app
        .post(&format!("/api/v1/reports/{code}/information"), &late)
        .await;
    assert_eq!(status, 403);
    let (status, own) = app
        .get(&format!("/api/v1/reports/{code}?token={token}"))
        .await;
    assert!(status == 403 || own.get("reporter").is_none(), "{own}");
    // The reports themselves stay, with their public history and answers.
    let (status, kept) = app.get(&format!("/api/v1/reports/{}", her.app_code)).await;
    assert_eq!(status, 200);
    assert_eq!(kept["description"], "Buca segnalata dall'app");
    let staff_view = app
        .get_as(&her.urp, &format!("/api/v1/staff/reports/{}", her.app_code))
        .await
        .1;
    assert_eq!(staff_view["attributes"]["pericolo"], "si", "{staff_view}");
}

#[tokio::test]
async fn a_resolved_report_closes_by_itself_when_its_reopen_window_passes() {
    let app = TestApp::pisa().await;
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    let created = app.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    move_to(&app, &strade, code, "taken_in").await;
    move_to(&app, &strade, code, "resolved").await;
    let closed_emails = |app: &TestApp| {
        app.store
            .read(|c| {
                use diesel::prelude::*;
                use segnala::store::schema::outbox as o;
                Ok(o::table
                    .filter(o::dedupe_key.like(format!("{code}:closed:%")))
                    .count()
                    .get_result::<i64>(c)?)
            })
            .unwrap()
    };
    // Pisa's window is 30 days: still open to the citizen on day 29.
    sweep(&app, Utc::now() + Duration::days(29)).await;
    assert_eq!(
        app.get(&format!("/api/v1/reports/{code}")).await.1["status"],
        "resolved"
    );
    sweep(&app, Utc::now() + Duration::days(31)).await;
    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(public["status"], "closed");
    let last = app
        .store
        .read(|c| {
            let r = segnala::store::reports::by_code(c, code)?.unwrap();
            Ok(segnala::store::events::timeline(c, r.id, true)?)
        })
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (
            last.kind.as_str(),
            last.actor_kind.as_str(),
            last.to_status.as_deref()
        ),
        ("status_changed", "system", Some("closed"))
    );
    assert_eq!(closed_emails(&app), 1, "the citizen is told once");
    sweep(&app, Utc::now() + Duration::days(32)).await;
    assert_eq!(closed_emails(&app), 1);
    // Closed, the report is retention's: erased a year later.
    let n = segnala::jobs::retention(
        &app.store,
        &app.config.data_dir,
        365,
        Utc::now() + Duration::days(31 + 366),
    )
    .unwrap();
    assert_eq!(n, 1);
    // And nothing is pending for it any more.
    assert!(app
        .store
        .read(|c| Ok(outbox::counts(c)?))
        .unwrap()
        .iter()
        .all(|(s, _)| s != "pending"));
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let _ = created;
    dispatch(&app, Utc::now()).await;
    let mail = app.config.data_dir.join("mail");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&mail), 0o700);
    let mut files = 0;
    let mut stack = vec![mail];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert!(files > 0, "the citizen's email was written");
}

#[tokio::test]
async fn files_without_rows_are_swept_and_rows_without_files_reported() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    let mut jpeg = Vec::new();
    image::DynamicImage::new_rgb8(8, 8)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut jpeg))
        .unwrap();
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/reports/{code}/attachments")))
        .header("X-Tracking-Token", token)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(jpeg).file_name("f.jpg"),
        ))
        .send()
        .await
        .unwrap();
    let att: Value = resp.json().await.unwrap();
    let dir = app.config.data_dir.join("attachments");
    // An orphan from a crash two hours ago, and one just being written.
    let old = dir.join("0b5e3c1a-0000-4000-8000-000000000000.jpg");
    let fresh = dir.join("0b5e3c1a-1111-4000-8000-000000000000.jpg");
    std::fs::write(&old, b"orphan").unwrap();
    std::fs::write(&fresh, b"in flight").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let swept =
        segnala::jobs::sweep_attachments(&app.store, &dir, segnala::jobs::ORPHAN_GRACE).unwrap();
    assert_eq!(swept.orphans_removed, 1);
    assert!(!old.exists() && fresh.exists());
    assert!(swept.missing.is_empty());
    // A row whose file went missing is reported.
    let id = att["id"].as_str().unwrap();
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with(id))
        .unwrap()
        .path();
    std::fs::remove_file(file).unwrap();
    let swept =
        segnala::jobs::sweep_attachments(&app.store, &dir, segnala::jobs::ORPHAN_GRACE).unwrap();
    assert_eq!(swept.missing, vec![id.to_string()]);
}

#[tokio::test]
async fn what_an_earlier_version_left_at_rest_is_scrubbed_at_start() {
    let app = TestApp::pisa().await;
    let token = "0123456789abcdef0123456789abcdef0123456789abcdef";
    let payload = json!({"to": "x@example.it", "subject": "s", "message_id": "<m@segnala>",
        "text": format!("https://x/segnalazioni/PI-1?token={token}"), "html": ""});
    app.store
        .write(|c| {
            outbox::enqueue(
                c,
                "email",
                "legacy-1",
                &payload,
                None,
                Utc::now().naive_utc(),
            )?;
            use diesel::prelude::*;
            use segnala::store::schema::outbox as o;
            diesel::update(o::table.filter(o::dedupe_key.eq("legacy-1")))
                .set(o::state.eq("dead"))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let mail = app.config.data_dir.join("mail");
    std::fs::create_dir_all(&mail).unwrap();
    std::fs::write(mail.join("old-format.eml"), format!("link ?token={token}")).unwrap();
    let n = segnala::jobs::scrub_legacy(&app.store, &app.config.data_dir).unwrap();
    assert_eq!(n, 2);
    let dead = app.store.read(|c| Ok(outbox::dead(c, 10)?)).unwrap();
    assert!(!dead[0].payload.contains(token) && dead[0].payload.contains("x@example.it"));
    assert!(!mail.join("old-format.eml").exists());
    assert_eq!(
        segnala::jobs::scrub_legacy(&app.store, &app.config.data_dir).unwrap(),
        0
    );
}

#[tokio::test]
async fn housekeeping_prunes_delivered_notifications_and_mail_files_and_keeps_what_is_needed() {
    let app = TestApp::pisa().await;
    let data_dir = app.config.data_dir.clone();
    let old = app.file("buche", PISA_CENTRE).await;
    dispatch(&app, Utc::now()).await;
    let mail = data_dir.join("mail");
    let eml = |dir: &std::path::Path| directory_text(dir).matches("Message-ID").count();
    assert!(
        eml(&mail) >= 1,
        "the file transport wrote the acknowledgement"
    );
    // A second report whose mail is not delivered yet.
    let pending = app.file("buche", PISA_CENTRE).await;
    let rows = |state: &'static str| {
        app.store
            .read(|c| {
                use diesel::prelude::*;
                use segnala::store::schema::outbox as o;
                Ok(o::table
                    .filter(o::state.eq(state))
                    .count()
                    .get_result::<i64>(c)?)
            })
            .unwrap()
    };
    let sent_before = rows("sent");
    assert!(sent_before >= 1 && rows("pending") >= 1);

    let keep = segnala::jobs::Keep {
        sent_days: 30,
        mail_file_days: 30,
    };
    // Within the period nothing goes.
    let h =
        segnala::jobs::housekeeping(&app.store, &data_dir, keep, Utc::now() + Duration::days(29))
            .unwrap();
    assert_eq!((h.sent, h.mail_files), (0, 0));
    assert_eq!(rows("sent"), sent_before);
    // After it, delivered rows and the written mail go; what is still to be delivered stays.
    let h =
        segnala::jobs::housekeeping(&app.store, &data_dir, keep, Utc::now() + Duration::days(31))
            .unwrap();
    assert_eq!(h.sent as i64, sent_before);
    assert!(h.mail_files >= 1);
    assert_eq!(rows("sent"), 0);
    assert!(
        rows("pending") >= 1,
        "an undelivered notification is never pruned"
    );
    assert_eq!(eml(&mail), 0, "no .eml left");
    // The reports themselves are untouched, and the pending mail still goes out.
    for r in [&old, &pending] {
        let (status, _) = app
            .get(&format!("/api/v1/reports/{}", r["code"].as_str().unwrap()))
            .await;
        assert_eq!(status, 200);
    }
    dispatch(&app, Utc::now() + Duration::days(31)).await;
    assert_eq!(rows("pending"), 0);
}

#[tokio::test]
async fn housekeeping_prunes_a_backlog_in_bounded_batches() {
    let app = TestApp::pisa().await;
    let now = Utc::now();
    let long_ago = (now - Duration::days(400)).naive_utc();
    let recent = (now - Duration::days(1)).naive_utc();
    let backlog = 2 * segnala::jobs::PRUNE_BATCH + 5;
    // Months of delivered mail, two long-dead messages, and what must stay:
    // a message still to deliver and one delivered yesterday.
    app.store
        .write(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::{outbox as o, rate_limits};
            let put =
                |c: &mut DbConn, key: String, at, state: &str| -> segnala::error::AppResult<()> {
                    outbox::enqueue(c, "email", &key, &json!({}), None, at)?;
                    let sent_at = (state == "sent").then_some(at);
                    diesel::update(o::table.filter(o::dedupe_key.eq(key)))
                        .set((o::state.eq(state), o::sent_at.eq(sent_at)))
                        .execute(c)?;
                    Ok(())
                };
            for i in 0..backlog {
                put(c, format!("old-{i}"), long_ago, "sent")?;
            }
            // Rate-limit windows ended long ago, and one of this hour.
            for i in 0..segnala::jobs::PRUNE_BATCH + 3 {
                diesel::insert_into(rate_limits::table)
                    .values((
                        rate_limits::key.eq(format!("ip:old-{i}")),
                        rate_limits::window_start.eq(long_ago),
                        rate_limits::count.eq(3),
                    ))
                    .execute(c)?;
            }
            diesel::insert_into(rate_limits::table)
                .values((
                    rate_limits::key.eq("ip:this-hour"),
                    rate_limits::window_start.eq(recent),
                    rate_limits::count.eq(1),
                ))
                .execute(c)?;
            put(c, "dead-1".into(), long_ago, "dead")?;
            put(c, "dead-2".into(), long_ago, "dead")?;
            put(c, "to-deliver".into(), long_ago, "pending")?;
            put(c, "yesterday".into(), recent, "sent")?;
            Ok(())
        })
        .unwrap();
    let keys = || {
        app.store
            .read(|c| {
                use diesel::prelude::*;
                use segnala::store::schema::outbox as o;
                Ok(o::table
                    .filter(o::dedupe_key.not_like("old-%"))
                    .select(o::dedupe_key)
                    .order(o::dedupe_key)
                    .load::<String>(c)?)
            })
            .unwrap()
    };
    let old_left = || {
        app.store
            .read(|c| {
                use diesel::prelude::*;
                use segnala::store::schema::outbox as o;
                Ok(o::table
                    .filter(o::dedupe_key.like("old-%"))
                    .count()
                    .get_result::<i64>(c)?)
            })
            .unwrap()
    };
    // One call deletes at most what it is told to, and only what is due.
    let before = (now - Duration::days(30)).naive_utc();
    let n = app
        .store
        .write(move |c| Ok(outbox::prune_sent(c, before, 7)?))
        .unwrap();
    assert_eq!(n, 7);
    assert_eq!(old_left(), backlog - 7);
    let n = app
        .store
        .write(move |c| Ok(outbox::prune_dead(c, before, 1)?))
        .unwrap();
    assert_eq!(n, 1);

    // Housekeeping goes on batch after batch until the backlog is gone.
    let keep = segnala::jobs::Keep {
        sent_days: 30,
        mail_file_days: 30,
    };
    let h = segnala::jobs::housekeeping(&app.store, &app.config.data_dir, keep, now).unwrap();
    assert_eq!(h.sent as i64, backlog - 7);
    assert_eq!(old_left(), 0);
    // Dead rows are kept three times as long: 400 days is past that too.
    assert_eq!(h.dead, 1);
    assert_eq!(keys(), ["to-deliver", "yesterday"]);
    // Old rate-limit windows go too, more than a batch of them; this hour's stays.
    assert_eq!(h.rate_limits as i64, segnala::jobs::PRUNE_BATCH + 3);
    let windows = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::rate_limits;
            Ok(rate_limits::table
                .select(rate_limits::key)
                .load::<String>(c)?)
        })
        .unwrap();
    assert!(windows.contains(&"ip:this-hour".to_string()), "{windows:?}");
    assert!(!windows.iter().any(|k| k.starts_with("ip:old-")));
}
