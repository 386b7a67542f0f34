//! Faults: what a citizen was told is filed stays filed when the process is
//! killed, and what it promised to send is sent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::Rng;
use reqwest::multipart::{Form, Part};
use segnala::store::schema::{attachments, outbox, report_events, reports};
use segnala::store::{Backend, DbConn, Store};
use serde_json::Value;

use crate::common::*;

/// A small real photo.
fn jpeg() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::new_rgb8(32, 24)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut bytes, 80,
        ))
        .unwrap();
    bytes
}

/// What the clients were told: the codes acknowledged with a 201, their
/// citizens' addresses, and the photos acknowledged.
#[derive(Default)]
struct Acknowledged {
    reports: BTreeMap<String, String>,
    photos: Vec<String>,
    failures: usize,
}

/// One client filing reports (a photo with every third) until `stop`.
async fn client(
    base: String,
    n: usize,
    stop: Instant,
    pause: Duration,
    ack: Arc<Mutex<Acknowledged>>,
) -> reqwest::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let photo = jpeg();
    let mut i = 0;
    while Instant::now() < stop {
        i += 1;
        let email = format!("kill9-{n}-{i}@example.it");
        let mut body = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
        body["reporter"]["email"] = Value::String(email.clone());
        let filed = http
            .post(format!("{base}/api/v1/reports"))
            .json(&body)
            .send()
            .await;
        let created: Value = match filed {
            Ok(r) if r.status().as_u16() == 201 => match r.json().await {
                Ok(v) => v,
                // The answer was cut: the citizen was not told.
                Err(_) => continue,
            },
            _ => {
                ack.lock().unwrap().failures += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let code = created["code"].as_str().unwrap().to_string();
        ack.lock().unwrap().reports.insert(code.clone(), email);
        // A citizen's pace, not a flood: the receipts must keep up.
        tokio::time::sleep(pause).await;
        if i % 3 == 0 {
            let token = created["tracking_token"].as_str().unwrap_or_default();
            let form = Form::new().part(
                "file",
                Part::bytes(photo.clone())
                    .file_name("foto.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
            let uploaded = http
                .post(format!(
                    "{base}/api/v1/reports/{code}/attachments?token={token}"
                ))
                .multipart(form)
                .send()
                .await;
            if let Ok(r) = uploaded {
                if r.status().as_u16() == 201 {
                    if let Ok(v) = r.json::<Value>().await {
                        ack.lock()
                            .unwrap()
                            .photos
                            .push(v["id"].as_str().unwrap().into());
                    }
                }
            }
        }
    }
    Ok(())
}

fn count(conn: &mut DbConn, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<N>(conn).unwrap().n
}

/// Polls `pending` every half second until it says nothing is left (`None`),
/// failing with what it says once `within` has passed.
async fn until_done(within: Duration, pending: impl Fn() -> Option<String>) {
    let deadline = Instant::now() + within;
    while let Some(left) = pending() {
        assert!(Instant::now() < deadline, "after {within:?}: {left}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until every notification in `store`'s outbox is sent.
async fn until_delivered(store: &Store, within: Duration) {
    until_done(within, || {
        let pending = store
            .read(|c| {
                Ok(count(
                    c,
                    "SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'",
                ))
            })
            .unwrap();
        (pending > 0).then(|| format!("{pending} notifications still pending"))
    })
    .await;
}

/// Asserts the codes in `store` are unique and gap-free (1..=n for the
/// year), that every acknowledged code and photo is there, and that the
/// database passes its integrity check; returns the codes.
fn assert_nothing_lost<'a>(
    store: &Store,
    codes_acknowledged: impl IntoIterator<Item = &'a String>,
    photos_acknowledged: &[String],
) -> Vec<String> {
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let (mut codes, photos) = store
        .read(|c| {
            Ok((
                reports::table.select(reports::code).load::<String>(c)?,
                attachments::table
                    .select(attachments::id)
                    .load::<String>(c)?
                    .into_iter()
                    .collect::<HashSet<String>>(),
            ))
        })
        .unwrap();
    let n = codes.len();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), n, "a code given twice");
    for (i, code) in codes.iter().enumerate() {
        let seq: usize = code.rsplit('-').next().unwrap().parse().unwrap();
        assert_eq!(seq, i + 1, "gap before {code}");
    }
    for code in codes_acknowledged {
        assert!(
            codes.binary_search(code).is_ok(),
            "{code} was acknowledged and is lost"
        );
    }
    for id in photos_acknowledged {
        assert!(
            photos.contains(id),
            "photo {id} was acknowledged and is lost"
        );
    }
    codes
}

/// A spawned server's mail, over plain SMTP to the test's server on `port`.
fn smtp_env(port: &str) -> [(&'static str, &str); 4] {
    [
        ("SEGNALA_MAIL_TRANSPORT", "smtp"),
        ("SEGNALA_SMTP_HOST", "127.0.0.1"),
        ("SEGNALA_SMTP_PORT", port),
        ("SEGNALA_SMTP_TLS", "none"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_server_hands_back_the_notifications_it_had_claimed_and_not_sent() {
    let mail = tempdir::TempDir::new("segnala-stop-mail");
    // A server taking 50 ms a message: a stop comes while the batch is
    // being delivered, not after it.
    let smtp = SmtpServer::start_slow(mail.path(), 50);
    let port = smtp.port.to_string();
    // A lease of 8 × 20 + 15 s: what is not handed back waits that long.
    let mut server = Spawned::pisa(
        &[
            &smtp_env(&port)[..],
            &[("SEGNALA_DISPATCH_INTERVAL_SECONDS", "60")],
        ]
        .concat(),
    )
    .await;
    // The first dispatch ran at start, on an empty queue; the next is a
    // minute away. Queue the receipts, then restart so that one dispatch
    // claims them all.
    const N: usize = 60;
    for _ in 0..N {
        server.file("buche", PISA_CENTRE).await;
    }
    server.terminate(Duration::from_secs(20)).await;
    server.start().await;
    until_done(Duration::from_secs(30), || {
        let n = smtp.messages().len();
        (n < 3).then(|| format!("{n} messages sent"))
    })
    .await;
    let status = server.terminate(Duration::from_secs(20)).await;
    assert!(status.success(), "a clean exit: {status}");
    let store = Store::open(&server.db.url, 1).unwrap();
    let (sent, held, given_back): (i64, i64, i64) = store
        .read(|c| {
            Ok((
                count(c, "SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent'"),
                count(
                    c,
                    "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND leased_until IS NOT NULL",
                ),
                count(
                    c,
                    "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND leased_until IS NULL AND attempts = 0",
                ),
            ))
        })
        .unwrap();
    let delivered = smtp.messages().len() as i64;
    assert_eq!(held, 0, "no row is left leased to the stopped process");
    assert_eq!(
        sent, delivered,
        "every message sent is marked, none marked unsent"
    );
    assert_eq!(
        sent + given_back,
        N as i64,
        "the rest is back in the queue, no attempt counted"
    );
    assert!(
        given_back > 0,
        "stopped while delivering: nothing to hand back proves nothing"
    );
    // Started again, it sends the rest at once, not when leases run out.
    let restarted = Instant::now();
    server.start().await;
    until_delivered(&store, Duration::from_secs(60)).await;
    assert!(restarted.elapsed() < Duration::from_secs(60));
    let mut ids: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| header(m, "Message-ID").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), N);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "no message sent twice");
}

/// Pisa served by `segnala serve`, its mail over SMTP to `smtp`, dispatched
/// every second; the leases of a killed process's claims run out 39 s
/// after them.
async fn mailing_every_second(smtp: &SmtpServer) -> Spawned {
    let port = smtp.port.to_string();
    let env = [
        &smtp_env(&port)[..],
        &[
            ("SEGNALA_SMTP_TIMEOUT_SECONDS", "3"),
            ("SEGNALA_DISPATCH_INTERVAL_SECONDS", "1"),
        ],
    ]
    .concat();
    Spawned::pisa(&env).await
}

/// Eight clients file at a citizen's pace (a photo with every third) for
/// 14 s; somewhere in the first half, mid-load, the server is killed with
/// no warning and no shutdown, and started again. What the clients were
/// told, how many reports were acknowledged before the kill, and when it
/// came (in ms).
async fn load_with_a_kill_9(server: &mut Spawned) -> (Acknowledged, usize, u64) {
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let stop = Instant::now() + Duration::from_secs(14);
    let clients: Vec<_> = (0..8)
        .map(|n| {
            let pause = Duration::from_millis(100);
            tokio::spawn(client(server.base.clone(), n, stop, pause, ack.clone()))
        })
        .collect();
    let at = rand::thread_rng().gen_range(2_000..7_000);
    tokio::time::sleep(Duration::from_millis(at)).await;
    let before_kill = ack.lock().unwrap().reports.len();
    server.kill9();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.start().await;
    for c in clients {
        c.await.unwrap().unwrap();
    }
    let ack = std::mem::take(&mut *ack.lock().unwrap());
    (ack, before_kill, at)
}

/// Asserts that every report in `codes` has its `created` and `routed`
/// events and its receipt queued.
fn assert_events_and_receipts<'a>(store: &Store, codes: impl IntoIterator<Item = &'a String>) {
    store
        .read(|conn| {
            for code in codes {
                let id: i64 = reports::table
                    .filter(reports::code.eq(code))
                    .select(reports::id)
                    .first(conn)?;
                let kinds: Vec<String> = report_events::table
                    .filter(report_events::report_id.eq(id))
                    .select(report_events::kind)
                    .load(conn)?;
                for kind in ["created", "routed"] {
                    assert!(kinds.iter().any(|k| k == kind), "{code}: no `{kind}` event");
                }
                let rows: Vec<String> = outbox::table
                    .filter(outbox::report_id.eq(id))
                    .select(outbox::dedupe_key)
                    .load(conn)?;
                assert!(
                    rows.contains(&format!("{code}:created:email")),
                    "{code}: the receipt email was never queued"
                );
            }
            Ok(())
        })
        .unwrap();
}

/// The distinct Message-IDs each recipient received.
fn message_ids_by_recipient(messages: &[String]) -> HashMap<String, HashSet<String>> {
    let mut by_recipient: HashMap<String, HashSet<String>> = HashMap::new();
    for m in messages {
        let to = header(m, "X-Envelope-To").unwrap().to_string();
        let id = header(m, "Message-ID").unwrap().to_string();
        by_recipient.entry(to).or_default().insert(id);
    }
    by_recipient
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_9_under_load_loses_nothing_that_was_acknowledged() {
    let mail = tempdir::TempDir::new("segnala-kill9-mail");
    let smtp = SmtpServer::start(mail.path());
    let mut server = mailing_every_second(&smtp).await;
    let (ack, before_kill, at) = load_with_a_kill_9(&mut server).await;
    let after_kill = ack.reports.len() - before_kill;
    eprintln!(
        "kill -9 after {at} ms: {} reports and {} photos acknowledged ({before_kill} before the kill, {after_kill} after), {} requests failed",
        ack.reports.len(),
        ack.photos.len(),
        ack.failures
    );
    assert!(
        before_kill > 20 && after_kill > 20,
        "too little load to prove anything"
    );

    // Every email promised is delivered: wait for the outbox to drain.
    let store = Store::open(&server.db.url, 1).unwrap();
    until_delivered(&store, Duration::from_secs(90)).await;
    server.kill9();
    assert_nothing_lost(&store, ack.reports.keys(), &ack.photos);
    assert_events_and_receipts(&store, ack.reports.keys());

    // Files: a crash between writing a photo and committing its row can leave
    // only files no row points to (never a row without its file), at most one
    // per upload in flight; with the service stopped the sweep removes them.
    let attachments = server.data_dir.join("attachments");
    let sweep = || segnala::jobs::sweep_attachments(&store, &attachments, Duration::ZERO);
    let swept = sweep().unwrap();
    assert!(
        swept.missing.is_empty(),
        "rows without a file: {:?}",
        swept.missing
    );
    assert!(
        swept.orphans_removed <= 8,
        "{} orphan files",
        swept.orphans_removed
    );
    assert_eq!(sweep().unwrap(), segnala::jobs::AttachmentSweep::default());

    // Each acknowledged report's receipt reached its citizen: exactly one
    // message after dedupe by Message-ID (a resend after the crash carries
    // the same id).
    let messages = smtp.messages();
    let by_recipient = message_ids_by_recipient(&messages);
    for (code, email) in &ack.reports {
        let ids = by_recipient.get(email).map_or(0, HashSet::len);
        assert_eq!(ids, 1, "{code}: {ids} distinct receipts to its citizen");
    }
    eprintln!(
        "{} messages received, {} distinct, {} orphan file(s) swept",
        messages.len(),
        by_recipient.values().map(HashSet::len).sum::<usize>(),
        swept.orphans_removed
    );
}

/// The reports of a database, as `(code, title, status, email)`, by code.
fn report_rows(url: &str) -> Vec<(String, String, String, Option<String>)> {
    Store::open(url, 1)
        .unwrap()
        .read(|c| {
            Ok(reports::table
                .select((
                    reports::code,
                    reports::title,
                    reports::status,
                    reports::reporter_email,
                ))
                .order(reports::code)
                .load(c)?)
        })
        .unwrap()
}

fn segnala_cli(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(args)
        .env("SEGNALA_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("run segnala");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Files reports with photos for 2 s, then loads the server with four
/// clients for 4 s and, a second in, takes `backup`; waits for the load to
/// end. What `backup` gave, and how many reports were acknowledged before
/// the load and in all.
async fn backup_under_load<T>(
    server: &Spawned,
    backup: impl std::future::Future<Output = T>,
) -> (T, usize, usize) {
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let before = Instant::now() + Duration::from_secs(2);
    client(server.base.clone(), 0, before, Duration::ZERO, ack.clone())
        .await
        .unwrap();
    let filed_before = ack.lock().unwrap().reports.len();
    let stop = Instant::now() + Duration::from_secs(4);
    let load: Vec<_> = (1..5)
        .map(|n| {
            let base = server.base.clone();
            tokio::spawn(client(base, n, stop, Duration::ZERO, ack.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let taken = backup.await;
    for c in load {
        c.await.unwrap().unwrap();
    }
    let filed = ack.lock().unwrap().reports.len();
    (taken, filed_before, filed)
}

/// A deployment's database and data directory, as the command line is
/// given them.
#[derive(Clone)]
struct Deployment {
    url: String,
    data_dir: std::path::PathBuf,
}

impl Deployment {
    fn of(server: &Spawned) -> Self {
        Self {
            url: server.db.url.clone(),
            data_dir: server.data_dir.clone(),
        }
    }

    /// A new SQLite deployment in `dir`.
    fn sqlite_in(dir: &std::path::Path) -> Self {
        Self {
            url: format!("sqlite://{}", dir.join("segnala.db").display()),
            data_dir: dir.join("data"),
        }
    }

    /// Runs `segnala` on this deployment; whether it succeeded and what it
    /// printed.
    fn cli(&self, args: &[&str]) -> (bool, String) {
        let data_dir = self.data_dir.display().to_string();
        let env = [
            ("SEGNALA_DATABASE_URL", self.url.as_str()),
            ("SEGNALA_DATA_DIR", data_dir.as_str()),
        ];
        segnala_cli(args, &env)
    }

    /// [`Self::cli`], run off the async runtime (from its first poll).
    async fn cli_off_the_runtime(self, args: Vec<String>) -> (bool, String) {
        tokio::task::spawn_blocking(move || {
            self.cli(&args.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .await
        .unwrap()
    }
}

/// The rows of `table` in a backup's manifest.
fn rows_of(manifest: &segnala::backup::Manifest, table: &str) -> i64 {
    manifest.rows.iter().find(|(t, _)| t == table).unwrap().1
}

/// Asserts that each of `copy`'s reports is the original one in the
/// database at `url`, field for field.
fn assert_each_is_the_original(copy: &[(String, String, String, Option<String>)], url: &str) {
    let original: BTreeMap<_, _> = report_rows(url)
        .into_iter()
        .map(|r| (r.0.clone(), r))
        .collect();
    for row in copy {
        assert_eq!(Some(row), original.get(&row.0));
    }
}

/// Overwrites 4 KiB in the middle of `file`.
fn damage(file: &std::path::Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 4096].fill(0xA5);
    std::fs::write(file, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_the_same_rows_and_files() {
    if backend() != Backend::Sqlite {
        // PostgreSQL's backup is pg_dump's: the next test.
        return;
    }
    let server = Spawned::pisa(&[]).await;
    let live = Deployment::of(&server);
    let backups = tempdir::TempDir::new("segnala-backup");
    let target = backups.path().join("copy");
    let target_arg = target.display().to_string();
    let backup = live
        .clone()
        .cli_off_the_runtime(vec!["backup".into(), target_arg.clone()]);
    let ((ok, out), filed_before, filed) = backup_under_load(&server, backup).await;
    assert!(ok, "backup failed: {out}");
    eprintln!("{out}");
    let manifest = segnala::backup::verify(&target).unwrap();
    let in_backup = rows_of(&manifest, "reports");
    assert!(
        in_backup as usize >= filed_before && (in_backup as usize) < filed,
        "the backup holds {in_backup} reports: {filed_before} were filed before it, {filed} in all"
    );
    // A second backup into the same directory is refused.
    let (ok, out) = live.cli(&["backup", &target_arg]);
    assert!(!ok && out.contains("backup_target_exists"), "{out}");

    // Restored into a new deployment; not twice over a database without --replace.
    let restored = Deployment::sqlite_in(&backups.path().join("restored"));
    let (ok, out) = restored.cli(&["restore", &target_arg]);
    assert!(ok, "restore failed: {out}");
    let (ok, out) = restored.cli(&["restore", &target_arg]);
    assert!(!ok && out.contains("database_exists"), "{out}");
    let (ok, out) = restored.cli(&["restore", "--replace", &target_arg]);
    assert!(ok, "{out}");

    let store = Store::open(&restored.url, 1).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(
        store
            .read(|c| Ok(segnala::store::ops::row_counts(c)?))
            .unwrap(),
        manifest.rows
    );
    let copy = report_rows(&restored.url);
    assert_eq!(copy.len() as i64, in_backup);
    assert_each_is_the_original(&copy, &server.db.url);
    // And each photo has its file, byte for byte.
    let attachments = restored.data_dir.join("attachments");
    let swept = segnala::jobs::sweep_attachments(&store, &attachments, Duration::ZERO).unwrap();
    assert_eq!(swept, segnala::jobs::AttachmentSweep::default());
    let photos = rows_of(&manifest, "attachments");
    assert_eq!(manifest.files_copied as i64, photos);
    assert!(manifest.files_copied > 0);
    // A damaged backup is refused before anything is replaced.
    damage(&target.join("segnala.db"));
    let (ok, out) = restored.cli(&["restore", "--replace", &target_arg]);
    assert!(!ok && out.contains("backup_corrupt"), "{out}");
    assert_eq!(report_rows(&restored.url), copy);
}

/// `pg_dump` of the database at `url` into `file`, off the async runtime.
async fn pg_dump(url: String, file: std::path::PathBuf) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new("pg_dump")
            .args(["--format=custom", "--file"])
            .arg(&file)
            .arg(&url)
            .output()
            .expect("pg_dump (postgresql-client)")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pg_dump_taken_under_load_restores_the_same_rows() {
    if backend() != Backend::Postgres {
        // SQLite's backup is segnala's own: the test before.
        return;
    }
    let server = Spawned::pisa(&[]).await;
    // pg_dump takes a consistent snapshot while intake goes on.
    let backups = tempdir::TempDir::new("segnala-backup");
    let dump = backups.path().join("segnala.dump");
    let backup = pg_dump(server.db.url.clone(), dump.clone());
    let (out, filed_before, filed) = backup_under_load(&server, backup).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let restored = TestDb::new();
    let out = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--dbname"])
        .arg(&restored.url)
        .arg(&dump)
        .output()
        .expect("pg_restore");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let counts = Store::open(&restored.url, 1)
        .unwrap()
        .read(|c| Ok(segnala::store::ops::row_counts(c)?))
        .unwrap();
    let reports_restored = counts.iter().find(|(t, _)| t == "reports").unwrap().1 as usize;
    assert!(reports_restored >= filed_before && reports_restored < filed);
    assert_each_is_the_original(&report_rows(&restored.url), &server.db.url);
    // The CLI says what to use instead.
    let target = backups.path().join("copy").display().to_string();
    let (ok, out) = Deployment::of(&server).cli(&["backup", &target]);
    assert!(!ok && out.contains("pg_dump"), "{out}");
}

/// What one answer during an outage looked like.
struct Answer {
    at: Instant,
    status: Option<u16>,
    retry_after: bool,
    code: Option<String>,
    took: Duration,
}

/// One client filing reports until `stop` (each with a photo if `photos`),
/// recording every answer; an answer that never came has no status.
async fn recording_client(
    base: String,
    stop: Instant,
    photos: bool,
    answers: Arc<Mutex<Vec<Answer>>>,
    ack: Arc<Mutex<Acknowledged>>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let photo = jpeg();
    // Sends one request and records its answer; the body of a 201.
    let send = |request: reqwest::RequestBuilder| async {
        let started = Instant::now();
        let mut answer = Answer {
            at: started,
            status: None,
            retry_after: false,
            code: None,
            took: Duration::ZERO,
        };
        let mut created = None;
        if let Ok(r) = request.send().await {
            answer.status = Some(r.status().as_u16());
            answer.retry_after = r.headers().contains_key("retry-after");
            let body: Value = r.json().await.unwrap_or(Value::Null);
            answer.code = body["error"]["code"].as_str().map(str::to_string);
            created = (answer.status == Some(201)).then_some(body);
        }
        answer.took = started.elapsed();
        answers.lock().unwrap().push(answer);
        created
    };
    while Instant::now() < stop {
        let filed = http.post(format!("{base}/api/v1/reports")).json(&report(
            "buche",
            PISA_CENTRE.0,
            PISA_CENTRE.1,
        ));
        let Some(body) = send(filed).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let code = body["code"].as_str().unwrap().to_string();
        ack.lock()
            .unwrap()
            .reports
            .insert(code.clone(), String::new());
        if !photos {
            continue;
        }
        let token = body["tracking_token"].as_str().unwrap();
        let form = Form::new().part(
            "file",
            Part::bytes(photo.clone())
                .file_name("foto.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let upload = http
            .post(format!(
                "{base}/api/v1/reports/{code}/attachments?token={token}"
            ))
            .multipart(form);
        if let Some(body) = send(upload).await {
            ack.lock()
                .unwrap()
                .photos
                .push(body["id"].as_str().unwrap().into());
        }
    }
}

/// `n` clients recording every answer until `stop` (see [`recording_client`]).
struct Recording {
    clients: Vec<tokio::task::JoinHandle<()>>,
    answers: Arc<Mutex<Vec<Answer>>>,
    ack: Arc<Mutex<Acknowledged>>,
}

impl Recording {
    fn start(server: &Spawned, n: usize, stop: Instant, photos: bool) -> Self {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let ack = Arc::new(Mutex::new(Acknowledged::default()));
        let clients = (0..n)
            .map(|_| {
                let (base, answers, ack) = (server.base.clone(), answers.clone(), ack.clone());
                tokio::spawn(recording_client(base, stop, photos, answers, ack))
            })
            .collect();
        Self {
            clients,
            answers,
            ack,
        }
    }

    /// Waits for the clients to stop; every answer, and what was acknowledged.
    async fn finish(self) -> (Vec<Answer>, Acknowledged) {
        for c in self.clients {
            c.await.unwrap();
        }
        let answers = std::mem::take(&mut *self.answers.lock().unwrap());
        let ack = std::mem::take(&mut *self.ack.lock().unwrap());
        (answers, ack)
    }
}

/// The status of `GET path`, and whether it carried a Retry-After.
async fn status_of(server: &Spawned, path: &str) -> (u16, bool) {
    let r = server.client.get(server.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.headers().contains_key("retry-after"))
}

/// Polls `/readyz` every 100 ms for 10 s; how long after `since` it said ready.
async fn ready_within_10_s(server: &Spawned, since: Instant) -> Option<Duration> {
    for _ in 0..100 {
        if status_of(server, "/readyz").await.0 == 200 {
            return Some(since.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Asserts that each answer during an outage was a 201, or a 503 with a
/// Retry-After and `service_unavailable` (never a 500), and that none took
/// longer than the pool's stated timeout (never a hang); the answers by
/// status.
fn assert_201_or_503_in_time(answers: &[Answer]) -> BTreeMap<String, usize> {
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for a in answers {
        *by_status
            .entry(a.status.map_or("no answer".into(), |s| s.to_string()))
            .or_default() += 1;
        assert!(
            a.took < segnala::store::PG_CONNECTION_TIMEOUT + Duration::from_secs(3),
            "a request took {:?}",
            a.took
        );
        match a.status {
            Some(201) => {}
            Some(503) => {
                assert!(a.retry_after, "503 without Retry-After");
                assert_eq!(a.code.as_deref(), Some("service_unavailable"));
            }
            other => panic!("answer {other:?} ({:?}) during the outage", a.code),
        }
    }
    by_status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_down_writes_get_503_and_service_resumes_by_itself() {
    if backend() != Backend::Postgres {
        // SQLite is in the process: it cannot be down while the server is up.
        return;
    }
    let cluster = OwnCluster::new();
    let db = cluster.pisa("segnala_outage");
    let server = Spawned::on(
        db,
        &[
            ("SEGNALA_DISPATCH_INTERVAL_SECONDS", "1"),
            ("SEGNALA_SWEEP_INTERVAL_SECONDS", "1"),
            // A delivery whose result could not be recorded (the database
            // went away) is free again when its lease ends: 31 s here.
            ("SEGNALA_SMTP_TIMEOUT_SECONDS", "2"),
        ],
    )
    .await;
    let stop = Instant::now() + Duration::from_secs(22);
    let load = Recording::start(&server, 4, stop, false);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let down_at = Instant::now();
    cluster.stop();
    // While it is down: not ready, but alive; the answers are checked below.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(status_of(&server, "/readyz").await, (503, true));
    assert_eq!(status_of(&server, "/healthz").await.0, 200);
    tokio::time::sleep(Duration::from_secs(8)).await;
    cluster.start();
    let up_at = Instant::now();
    // No restart of segnala: the pool reconnects by itself.
    let ready_after = ready_within_10_s(&server, up_at)
        .await
        .expect("not ready 10 s after PostgreSQL came back");
    let (answers, ack) = load.finish().await;
    let by_status = assert_201_or_503_in_time(&answers);
    let refused = by_status.get("503").copied().unwrap_or(0);
    let resumed = answers
        .iter()
        .filter(|a| a.at > up_at + ready_after && a.status == Some(201))
        .count();
    eprintln!(
        "outage of {:?}: answers {by_status:?}; ready {ready_after:?} after PostgreSQL was back; {resumed} reports filed after",
        up_at - down_at
    );
    assert!(refused > 0, "no request met the outage");
    assert!(resumed > 10, "intake did not resume");

    // Nothing acknowledged is missing, and the dispatcher resumed: every
    // receipt is sent, once.
    let store = Store::open(&server.db.url, 1).unwrap();
    until_delivered(&store, Duration::from_secs(75)).await;
    let codes = assert_nothing_lost(&store, ack.reports.keys(), &[]);
    let sent = store
        .read(|c| {
            Ok(count(
                c,
                "SELECT COUNT(*) AS n FROM outbox WHERE state = 'sent' AND kind = 'email'",
            ))
        })
        .unwrap();
    assert_eq!(sent as usize, codes.len());
    // Mail files: one per Message-ID (a resend overwrites its file).
    let mail = std::fs::read_dir(server.data_dir.join("mail"))
        .unwrap()
        .count();
    assert_eq!(mail, codes.len());
}

/// A small filesystem of the test's own (tmpfs, `size` MiB), unmounted on
/// drop. Needs root, as `scripts/test` runs.
struct SmallDisk {
    dir: tempdir::TempDir,
}

impl SmallDisk {
    fn new(mib: u32) -> Self {
        let dir = tempdir::TempDir::new("segnala-full-disk");
        let out = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "mounting a {mib} MiB tmpfs needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Fills the disk with one file, as another program would.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_answers_507_loses_nothing_and_service_resumes_when_freed() {
    let disk = SmallDisk::new(48);
    let data_dir = disk.path().join("data");
    // SQLite: the database and the files on the small disk; PostgreSQL: the
    // files (the database is the server's business).
    let db = with_pisa(match backend() {
        Backend::Sqlite => TestDb::external(format!(
            "sqlite://{}",
            disk.path().join("segnala.db").display()
        )),
        Backend::Postgres => TestDb::new(),
    });
    let data_arg = data_dir.display().to_string();
    let server = Spawned::on(db, &[("SEGNALA_DATA_DIR", &data_arg)]).await;
    let stop = Instant::now() + Duration::from_secs(16);
    // Two: a third upload in flight from one address would be refused (429).
    let load = Recording::start(&server, 2, stop, true);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let filler = disk.fill();
    let full_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    std::fs::remove_file(&filler).unwrap();
    let freed_at = Instant::now();
    let (answers, ack) = load.finish().await;
    let mut by_status: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for a in &answers {
        let status = a.status.expect("the server answers with a full disk");
        *by_status
            .entry((status, a.code.clone().unwrap_or_default()))
            .or_default() += 1;
        match status {
            201 => {}
            507 | 503 => {
                assert!(a.retry_after, "{status} without Retry-After");
                assert!(
                    matches!(
                        a.code.as_deref(),
                        Some("storage_full" | "service_unavailable")
                    ),
                    "{status} {:?}",
                    a.code
                );
            }
            other => panic!("answer {other} ({:?}) with a full disk", a.code),
        }
    }
    let full = answers.iter().filter(|a| a.status == Some(507)).count();
    let resumed = answers
        .iter()
        .filter(|a| a.at > freed_at + Duration::from_secs(1) && a.status == Some(201))
        .count();
    eprintln!(
        "disk full for {:?}: answers {by_status:?}; {resumed} accepted after it was freed",
        freed_at - full_at
    );
    assert!(full > 0, "no request met the full disk");
    assert!(resumed > 10, "service did not resume after space was freed");

    let store = Store::open(&server.db.url, 1).unwrap();
    assert_nothing_lost(&store, ack.reports.keys(), &ack.photos);
    let swept =
        segnala::jobs::sweep_attachments(&store, &data_dir.join("attachments"), Duration::ZERO)
            .unwrap();
    assert!(
        swept.missing.is_empty(),
        "rows without a file: {:?}",
        swept.missing
    );
}

/// A peer that accepts connections and never says a word: an SMTP server
/// that hangs before its greeting, a webhook receiver that holds the
/// request. Its address.
fn stuck_peer() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_smtp_server_or_webhook_receiver_never_holds_up_the_others() {
    use segnala::jobs::dispatch::Dispatcher;
    use segnala::store::{catalog, outbox as queue};
    let smtp = stuck_peer();
    let app = TestApp::pisa_with(move |c| {
        c.mail_transport = "smtp".into();
        c.smtp_port = smtp.port();
        c.smtp_tls = "none".into();
        c.smtp_timeout_seconds = 2;
        c.webhook_timeout_seconds = 2;
        c.webhook_allow_private = true;
    })
    .await;
    let stuck_hook = format!("http://{}/hooks", stuck_peer());
    let secret = "a-long-shared-webhook-secret";
    let quick = receiver(secret, 0);
    let quick_hook = quick.url.clone();
    app.store
        .write(|c| {
            let roads = catalog::office_by_code(c, PISA, "manutenzioni")?.unwrap();
            catalog::set_webhook(c, &roads.id, Some((&quick_hook, secret)))?;
            let waste = catalog::office_by_code(c, PISA, "igiene-urbana")?.unwrap();
            Ok(catalog::set_webhook(
                c,
                &waste.id,
                Some((&stuck_hook, secret)),
            )?)
        })
        .unwrap();
    for _ in 0..3 {
        app.file("buche", PISA_CENTRE).await;
        app.file("rifiuti-abbandonati", PISA_CENTRE).await;
    }
    // 6 receipts to the stuck SMTP server, 3 webhooks to the stuck receiver,
    // 3 to the quick one.
    let run = |config: segnala::config::Config, at: chrono::DateTime<chrono::Utc>| {
        let store = app.store.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let outcome = Dispatcher::from_config(store, &config)
                .unwrap()
                .run_once(at)
                .unwrap();
            (outcome, started.elapsed())
        })
    };
    let (outcome, took) = run(app.config.clone(), chrono::Utc::now()).await.unwrap();
    eprintln!("with two stuck peers: {outcome:?} in {took:?}");
    assert_eq!(
        quick.received.lock().unwrap().len(),
        3,
        "the quick receiver got its webhooks"
    );
    assert_eq!(outcome.sent, 3);
    // One try per stuck peer, each cut at its bound; the rest given back.
    assert_eq!(outcome.retrying, 2);
    assert_eq!(outcome.deferred, 7);
    assert!(took < Duration::from_secs(6), "the run took {took:?}");
    let rows: Vec<queue::OutboxRow> = app
        .store
        .read(|c| {
            Ok(outbox::table
                .select(queue::OutboxRow::as_select())
                .load(c)?)
        })
        .unwrap();
    let tried: Vec<_> = rows
        .iter()
        .filter(|r| r.state == "pending" && r.attempts == 1)
        .collect();
    assert_eq!(tried.len(), 2);
    for r in &tried {
        let error = r.last_error.as_deref().unwrap_or_default().to_lowercase();
        assert!(
            error.contains("timed out") || error.contains("timeout"),
            "{error}"
        );
    }
    assert_eq!(
        rows.iter()
            .filter(|r| r.state == "pending" && r.attempts == 0)
            .count(),
        7
    );

    // The peers recover: everything is retried and delivered once.
    let mail = tempdir::TempDir::new("segnala-slow-peer-mail");
    let good_smtp = SmtpServer::start(mail.path());
    app.store
        .write(|c| {
            let waste = catalog::office_by_code(c, PISA, "igiene-urbana")?.unwrap();
            Ok(catalog::set_webhook(
                c,
                &waste.id,
                Some((&quick_hook, secret)),
            )?)
        })
        .unwrap();
    let mut config = app.config.clone();
    config.smtp_port = good_smtp.port;
    let later = chrono::Utc::now() + chrono::Duration::minutes(10);
    let (outcome, _) = run(config, later).await.unwrap();
    assert_eq!(outcome.sent, 9, "{outcome:?}");
    assert_eq!(quick.received.lock().unwrap().len(), 6);
    assert_eq!(good_smtp.messages().len(), 6);
}

/// Files through `base` as a citizen at `address` (behind the trusted proxy).
async fn file_from(http: &reqwest::Client, base: &str, address: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/api/v1/reports"))
        .header("X-Forwarded-For", address)
        .json(&report("buche", PISA_CENTRE.0, PISA_CENTRE.1))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post_json(http: reqwest::Client, url: String, token: String, body: Value) -> (u16, Value) {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Two `segnala serve` on one PostgreSQL database (mail over SMTP to
/// `port`, dispatching and sweeping every second, behind a trusted proxy,
/// at most 10 reports an hour from one address, one JWT secret).
async fn two_instances(port: &str) -> (Spawned, Spawned) {
    let env = [
        &smtp_env(port)[..],
        &[
            ("SEGNALA_DISPATCH_INTERVAL_SECONDS", "1"),
            ("SEGNALA_SWEEP_INTERVAL_SECONDS", "1"),
            ("SEGNALA_TRUSTED_PROXIES", "127.0.0.1"),
            ("SEGNALA_REPORTS_PER_IP_PER_HOUR", "10"),
            // Tokens signed by one instance are good on the other.
            (
                "SEGNALA_JWT_SECRET",
                "one-secret-for-every-instance-of-this-comune",
            ),
        ],
    ]
    .concat();
    let a = Spawned::pisa(&env).await;
    let b = Spawned::beside(&a, &env).await;
    (a, b)
}

/// A new staff member of `role`, signed in through `base`; the token.
async fn signed_in(
    store: &Store,
    http: &reqwest::Client,
    base: &str,
    user: &str,
    role: segnala::domain::permissions::Role,
) -> String {
    let password = create_user(store, user, role, PISA, &[]);
    let r: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"].as_str().unwrap().to_string()
}

/// Twelve phone-only reports taken at the counter, through each instance
/// in turn; their codes.
async fn phone_reports(http: &reqwest::Client, bases: &[String; 2], urp: &str) -> Vec<String> {
    let mut phone = Vec::new();
    for i in 0..12 {
        let (status, body) = post_json(
            http.clone(),
            format!("{}/api/v1/reports", bases[i % 2]),
            urp.to_string(),
            serde_json::json!({"category": "buche", "description": "Buca segnalata al telefono",
                "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1, "channel": "phone",
                "reporter": {"name": "Elda", "phone": "050 555123"}}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        phone.push(body["code"].as_str().unwrap().to_string());
    }
    phone
}

/// Twenty reports through each instance in turn whose deadlines are long
/// past (both levels of escalation due); their codes.
async fn overdue_reports(
    http: &reqwest::Client,
    bases: &[String; 2],
    store: &Store,
) -> Vec<String> {
    let mut overdue = Vec::new();
    for i in 0..20 {
        let (status, body) = file_from(http, &bases[i % 2], &format!("10.9.0.{i}")).await;
        assert_eq!(status, 201, "{body}");
        overdue.push(body["code"].as_str().unwrap().to_string());
    }
    let long_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(30);
    store
        .write(|c| {
            diesel::update(reports::table.filter(reports::code.eq_any(&overdue)))
                .set((
                    reports::take_in_due_at.eq(Some(long_ago)),
                    reports::next_escalation_at.eq(Some(long_ago)),
                ))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    overdue
}

/// Four clients filing from many addresses through both instances until
/// `stop`, each asserting a 201; the codes each filed.
fn intake_until(
    http: &reqwest::Client,
    bases: &[String; 2],
    stop: Instant,
) -> Vec<tokio::task::JoinHandle<Vec<String>>> {
    (0..4)
        .map(|n| {
            let (http, bases) = (http.clone(), bases.clone());
            tokio::spawn(async move {
                let mut filed = Vec::new();
                let mut i = 0;
                while Instant::now() < stop {
                    let address = format!("10.{n}.{}.{}", i / 250, i % 250);
                    let (status, body) = file_from(&http, &bases[i % 2], &address).await;
                    assert_eq!(status, 201, "{body}");
                    filed.push(body["code"].as_str().unwrap().to_string());
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                filed
            })
        })
        .collect()
}

/// Thirty filings at once from one address, through both instances; their statuses.
fn thirty_from_one_address(
    http: &reqwest::Client,
    bases: &[String; 2],
) -> Vec<tokio::task::JoinHandle<u16>> {
    (0..30)
        .map(|i| {
            let (http, base) = (http.clone(), bases[i % 2].clone());
            tokio::spawn(async move { file_from(&http, &base, "203.0.113.7").await.0 })
        })
        .collect()
}

/// For each phone report, taken in then resolved by the supervisor through
/// both instances at once; each pair of answers.
async fn race_each_transition(
    http: &reqwest::Client,
    bases: &[String; 2],
    sup: &str,
    phone: &[String],
) -> Vec<(String, &'static str, Vec<(u16, Value)>)> {
    let mut races = Vec::new();
    for code in phone {
        for to in ["taken_in", "resolved"] {
            let both: Vec<_> = bases
                .iter()
                .map(|base| {
                    post_json(
                        http.clone(),
                        format!("{base}/api/v1/reports/{code}/transitions"),
                        sup.to_string(),
                        serde_json::json!({"to": to, "public_message": "Buca chiusa"}),
                    )
                })
                .collect();
            races.push((code.clone(), to, futures_join(both).await));
        }
    }
    races
}

/// `codes` as an SQL list.
fn sql_list(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Waits (up to a minute) until every notification is sent and every
/// report of `overdue` is escalated twice.
async fn until_swept_and_sent(store: &Store, overdue: &[String]) {
    let overdue_list = sql_list(overdue);
    until_done(Duration::from_secs(60), || {
        let (pending, unescalated) = store
            .read(|c| {
                Ok((
                    count(c, "SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'"),
                    count(c, &format!(
                        "SELECT COUNT(*) AS n FROM reports WHERE escalation_level < 2 AND code IN ({overdue_list})"
                    )),
                ))
            })
            .unwrap();
        (pending > 0 || unescalated > 0).then(|| {
            format!("{pending} notifications pending, {unescalated} reports not escalated twice")
        })
    })
    .await;
}

// One test, not several: each phase reads what the one before left on the
// same two running instances (the load, then their sweeps and deliveries).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_do_everything_exactly_once() {
    use segnala::domain::permissions::Role;
    if backend() != Backend::Postgres {
        // Several instances share a PostgreSQL database; SQLite is one process's.
        return;
    }
    let mail = tempdir::TempDir::new("segnala-two-mail");
    let smtp = SmtpServer::start(mail.path());
    let (a, b) = two_instances(&smtp.port.to_string()).await;
    let store = Store::open(&a.db.url, 2).unwrap();
    let http = reqwest::Client::new();
    let bases = [a.base.clone(), b.base.clone()];
    let urp = signed_in(&store, &http, &a.base, "urp2", Role::Urp).await;
    let sup = signed_in(&store, &http, &a.base, "sup2", Role::Supervisor).await;
    let phone = phone_reports(&http, &bases, &urp).await;
    let overdue = overdue_reports(&http, &bases, &store).await;

    // Mixed load on both at once: intake from many addresses; one address
    // over its limit through both; two staff members racing on each phone
    // report, one through each instance.
    let intake = intake_until(&http, &bases, Instant::now() + Duration::from_secs(8));
    let limited = thirty_from_one_address(&http, &bases);
    let races = race_each_transition(&http, &bases, &sup, &phone).await;
    let mut accepted = 0;
    for l in limited {
        match l.await.unwrap() {
            201 => accepted += 1,
            429 => {}
            other => panic!("{other} from the limited address\n{}\n{}", a.log(), b.log()),
        }
    }
    let mut filed = Vec::new();
    for t in intake {
        filed.extend(t.await.unwrap());
    }
    // Exactly the limit, counted across both instances.
    assert_eq!(accepted, 10, "rate limit shared between instances");
    for (code, to, answers) in &races {
        let mut statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        statuses.sort();
        assert_eq!(statuses, vec![200, 409], "{code} → {to}: {answers:?}");
    }

    // Let both sweep and dispatch until the queue is empty; then two more
    // sweeps of each instance: nothing happens twice.
    until_swept_and_sent(&store, &overdue).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_nothing_lost(&store, filed.iter().chain(&phone).chain(&overdue), &[]);
    let (escalations, callbacks) = store
        .read(|c| {
            Ok((
                count(c, &format!(
                    "SELECT COUNT(*) AS n FROM report_events e JOIN reports r ON r.id = e.report_id \
                     WHERE e.kind = 'escalated' AND r.code IN ({})", sql_list(&overdue)
                )),
                count(c, "SELECT COUNT(*) AS n FROM callbacks"),
            ))
        })
        .unwrap();
    // Each overdue report escalated exactly once per level; one callback
    // per phone report resolved.
    assert_eq!(escalations, 2 * overdue.len() as i64, "escalations");
    assert_eq!(callbacks, phone.len() as i64, "callbacks");
    // Each message sent once.
    let messages = smtp.messages();
    let ids: HashSet<String> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), messages.len(), "a message sent twice");
    eprintln!(
        "two instances: {} reports filed under load, {} escalations, {} callbacks, {} messages each sent once, {accepted}/30 from one address",
        filed.len(),
        2 * overdue.len(),
        phone.len(),
        messages.len()
    );
}

/// Awaits every future, concurrently.
async fn futures_join<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// A series' value on `/metrics`.
async fn metric(server: &Spawned, series: &str) -> f64 {
    let text = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metric_sample(&text, series).unwrap_or_else(|| panic!("no {series} on /metrics"))
}

const BY_REPLICA: &str = "segnala_public_reads_total{served_by=\"replica\"}";
const BY_PRIMARY: &str = "segnala_public_reads_total{served_by=\"primary\"}";

/// Whether the public map, read now, holds `code`; and who served it.
async fn map_holds(server: &Spawned, code: &str) -> (bool, &'static str) {
    let (replica, primary) = (
        metric(server, BY_REPLICA).await,
        metric(server, BY_PRIMARY).await,
    );
    let page: Value = server
        .client
        .get(server.url("/api/v1/reports?bbox=10.3,43.6,10.5,43.8&limit=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let holds = page.to_string().contains(code);
    let by = if metric(server, BY_REPLICA).await > replica {
        "replica"
    } else {
        assert!(
            metric(server, BY_PRIMARY).await > primary,
            "nobody served the read"
        );
        "primary"
    };
    (holds, by)
}

/// Polls until the public map is served by `by` (up to 15 s); returns how long it took.
async fn until_served_by(server: &Spawned, code: &str, by: &str) -> Duration {
    let started = Instant::now();
    loop {
        if map_holds(server, code).await.1 == by {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "public reads never went to the {by}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_go_to_a_replica_that_keeps_up_and_to_the_primary_otherwise() {
    if backend() != Backend::Postgres {
        return;
    }
    let primary = OwnCluster::new();
    let db = primary.pisa("segnala_replicated");
    let standby = OwnCluster::standby_of(&primary);
    let read_url = standby.url("segnala_replicated");
    let server = Spawned::on(
        db,
        &[
            ("SEGNALA_DATABASE_READ_URL", read_url.as_str()),
            ("SEGNALA_DATABASE_READ_MAX_LAG_MS", "1000"),
        ],
    )
    .await;
    let first = server.file("buche", PISA_CENTRE).await;
    let code = first["code"].as_str().unwrap();
    until_served_by(&server, code, "replica").await;
    // The replica streams: the report reaches the public map from it.
    let started = Instant::now();
    while map_holds(&server, code).await != (true, "replica") {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never replicated"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Read-your-writes: the citizen sees a new report at once (primary), and
    // so does the public by code (looked for on the primary when the replica
    // does not have it yet).
    let fresh = server.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        fresh["code"].as_str().unwrap().to_string(),
        fresh["tracking_token"].as_str().unwrap().to_string(),
    );
    let own = server
        .client
        .get(server.url(&format!("/api/v1/reports/{code}?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    let public = server
        .client
        .get(server.url(&format!("/api/v1/reports/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status().as_u16(), 200);

    // The replica falls behind (replay paused): past the bound, public reads
    // go to the primary and see what the replica does not.
    let mut replica_conn = PgConnection::establish(&read_url).unwrap();
    diesel::sql_query("SELECT pg_wal_replay_pause()::text")
        .execute(&mut replica_conn)
        .unwrap();
    let behind = server.file("buche", PISA_CENTRE).await;
    let behind = behind["code"].as_str().unwrap();
    let took = until_served_by(&server, behind, "primary").await;
    assert_eq!(map_holds(&server, behind).await, (true, "primary"));
    let lag = metric(&server, "segnala_replica_lag_seconds").await;
    assert!(lag >= 1.0, "lag measured {lag}");
    diesel::sql_query("SELECT pg_wal_replay_resume()::text")
        .execute(&mut replica_conn)
        .unwrap();
    drop(replica_conn);
    let back = until_served_by(&server, behind, "replica").await;
    assert_eq!(map_holds(&server, behind).await, (true, "replica"));
    eprintln!("replica paused: primary after {took:?} (lag {lag} s); back on the replica {back:?} after replay resumed");

    // The replica goes down: public reads are served, by the primary.
    standby.stop();
    let started = Instant::now();
    let (holds, _) = map_holds(&server, behind).await;
    assert!(holds);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "a read waited {:?}",
        started.elapsed()
    );
    let down = until_served_by(&server, behind, "primary").await;
    let started = Instant::now();
    while metric(&server, "segnala_replica_lag_seconds").await != -1.0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the lag gauge does not say unreachable"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    standby.start();
    let up = until_served_by(&server, behind, "replica").await;
    eprintln!(
        "replica stopped: primary within {down:?}; back on the replica {up:?} after it restarted"
    );
}
