//! The test harness: every test gets its own database (a SQLite file, or a
//! PostgreSQL database created for it and dropped afterwards) and its own
//! server on a free loopback port. `SEGNALA_TEST_BACKEND` picks the backend
//! (`sqlite`, the default, or `postgres`, with `SEGNALA_TEST_PG_URL`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use actix_web::dev::ServerHandle;
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{json, Value};

use segnala::config::Config;
use segnala::domain::permissions::Role;
use segnala::domain::territory::pick_feature;
use segnala::http::{self, AppState};
use segnala::store::catalog::{self, NewCategory, NewOffice};
use segnala::store::municipalities::{self, ImportedMunicipality};
use segnala::store::users::{self, NewUser};
use segnala::store::{naive, Backend, Store};

pub const PISA: &str = "050026";
pub const BAGNO_A_RIPOLI: &str = "048001";
/// Piazza dei Miracoli, Pisa.
pub const PISA_CENTRE: (f64, f64) = (43.7230, 10.3966);
/// Cascina's centre, next to Pisa.
pub const CASCINA: (f64, f64) = (43.6761, 10.5555);
/// Bagno a Ripoli's town hall area.
pub const BAGNO_A_RIPOLI_CENTRE: (f64, f64) = (43.7490, 11.3225);

/// The tests' fixtures (`tests/data`, see its README).
pub fn fixtures() -> PathBuf {
    std::env::var("SEGNALA_TEST_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"))
}

pub fn backend() -> Backend {
    match std::env::var("SEGNALA_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("SEGNALA_TEST_BACKEND={other}: expected sqlite or postgres"),
    }
}

/// A database of its own, removed on drop.
pub struct TestDb {
    pub url: String,
    pub dir: tempdir::TempDir,
    pg: Option<(String, String)>,
}

pub mod tempdir {
    use std::path::{Path, PathBuf};

    /// A directory removed on drop.
    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new(prefix: &str) -> Self {
            let path =
                std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Self(path)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempdir::TempDir::new("segnala-test");
        match backend() {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("segnala.db").display());
                Self { url, dir, pg: None }
            }
            Backend::Postgres => {
                let admin = std::env::var("SEGNALA_TEST_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
                let name = format!("segnala_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&format!("{admin}/postgres"))
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for SEGNALA_TEST_BACKEND=postgres: {e}"));
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                Self {
                    url: format!("{admin}/{name}"),
                    dir,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl TestDb {
    /// A database the test made itself (on a cluster it owns): nothing is
    /// dropped here.
    pub fn external(url: String) -> Self {
        Self {
            url,
            dir: tempdir::TempDir::new("segnala-test"),
            pg: None,
        }
    }
}

/// A PostgreSQL cluster of the test's own (`initdb` in a temporary
/// directory, on a free loopback port) that it may stop and start: the
/// machine's server is never touched. Removed on drop.
pub struct OwnCluster {
    pub port: u16,
    bin: PathBuf,
    dir: tempdir::TempDir,
}

impl OwnCluster {
    /// Runs a PostgreSQL tool as the `postgres` user when we are root (the
    /// server refuses to run as root).
    fn command(&self, tool: &str, args: &[String]) -> std::process::Command {
        let program = self.bin.join(tool);
        if unsafe { libc::geteuid() } == 0 {
            let quoted: Vec<String> = std::iter::once(program.display().to_string())
                .chain(args.iter().cloned())
                .map(|a| format!("'{}'", a.replace('\'', "")))
                .collect();
            let mut su = std::process::Command::new("su");
            su.args(["postgres", "-s", "/bin/sh", "-c", &quoted.join(" ")]);
            su
        } else {
            let mut direct = std::process::Command::new(&program);
            direct.args(args);
            direct
        }
    }

    /// [`Self::command`], run to success.
    fn run(&self, tool: &str, args: &[String]) -> std::process::Output {
        let out = self
            .command(tool, args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `pg_ctl stop` in `mode` (`fast`: sessions terminated; `immediate`: no
    /// shutdown at all).
    fn stop_args(&self, mode: &str) -> Vec<String> {
        [
            "-D",
            &self.data().display().to_string(),
            "-m",
            mode,
            "-w",
            "stop",
        ]
        .map(String::from)
        .to_vec()
    }

    /// A directory the server may own and a free port, not yet initialised.
    fn unstarted() -> Self {
        let initdb = std::fs::read_dir("/usr/lib/postgresql")
            .expect(
                "PostgreSQL server binaries in /usr/lib/postgresql (scripts/test installs them)",
            )
            .flatten()
            .map(|e| e.path().join("bin/initdb"))
            .filter(|p| p.exists())
            .max()
            .expect("initdb");
        let dir = tempdir::TempDir::new("segnala-pg");
        if unsafe { libc::geteuid() } == 0 {
            let uid = String::from_utf8(
                std::process::Command::new("id")
                    .args(["-u", "postgres"])
                    .output()
                    .expect("id")
                    .stdout,
            )
            .unwrap();
            let uid: u32 = uid.trim().parse().expect("a postgres user");
            std::os::unix::fs::chown(dir.path(), Some(uid), None).expect("chown");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            port,
            bin: initdb.parent().unwrap().to_path_buf(),
            dir,
        }
    }

    pub fn new() -> Self {
        let cluster = Self::unstarted();
        cluster.run(
            "initdb",
            &[
                "-D".into(),
                cluster.data().display().to_string(),
                "-A".into(),
                "trust".into(),
                "-U".into(),
                "postgres".into(),
                "--no-sync".into(),
            ],
        );
        cluster.start();
        cluster
    }

    /// A streaming hot standby of `primary` (`pg_basebackup -R`), started.
    pub fn standby_of(primary: &OwnCluster) -> Self {
        let standby = Self::unstarted();
        standby.run(
            "pg_basebackup",
            &[
                "-h".into(),
                "127.0.0.1".into(),
                "-p".into(),
                primary.port.to_string(),
                "-U".into(),
                "postgres".into(),
                "-D".into(),
                standby.data().display().to_string(),
                "-R".into(),
                "-X".into(),
                "stream".into(),
                "--no-sync".into(),
            ],
        );
        standby.start();
        standby
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D".into(),
                self.data().display().to_string(),
                "-l".into(),
                self.dir.path().join("log").display().to_string(),
                "-o".into(),
                options,
                "-w".into(),
                "start".into(),
            ],
        );
    }

    /// Stops the server the way an operator or a crash would: `fast`
    /// terminates every session at once.
    pub fn stop(&self) {
        self.run("pg_ctl", &self.stop_args("fast"));
    }

    /// A new database on this cluster, with segnala's demo comune.
    pub fn pisa(&self, name: &str) -> TestDb {
        let mut conn = PgConnection::establish(&self.url("postgres")).expect("own cluster");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        with_pisa(TestDb::external(self.url(name)))
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl", &self.stop_args("immediate"))
            .output();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = PgConnection::establish(&format!("{admin}/postgres")) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `db` migrated, with Pisa as `segnala demo` sets it up.
pub fn with_pisa(db: TestDb) -> TestDb {
    let store = Store::open(&db.url, 2).expect("open store");
    store.migrate().expect("migrate");
    segnala::demo::setup(&store).expect("demo setup");
    db
}

/// The value of one series (`name{labels}`) on a `/metrics` page.
pub fn metric_sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Creates a staff account in `municipality` and returns its password.
pub fn create_user(
    store: &Store,
    username: &str,
    role: Role,
    municipality: &str,
    offices: &[&str],
) -> String {
    let password = format!("{username}-password-123");
    let hash = segnala::auth::hash_password(&password).expect("hash");
    store
        .write(|c| {
            let office_ids = offices
                .iter()
                .map(|o| {
                    Ok(catalog::office_by_code(c, municipality, o)?
                        .expect("office")
                        .id)
                })
                .collect::<segnala::error::AppResult<_>>()?;
            Ok(users::create(
                c,
                &NewUser {
                    username: username.into(),
                    display_name: username.into(),
                    password_hash: hash,
                    role,
                    municipality_id: municipality.into(),
                    office_ids,
                    email: Some(format!("{username}@staff.example")),
                },
                naive(Utc::now()),
            )?)
        })
        .expect("create user");
    password
}

/// A running service on its own database.
pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub config: Config,
    pub client: reqwest::Client,
    handle: ServerHandle,
    // Dropped last: the database outlives the server.
    _db: TestDb,
}

impl TestApp {
    /// Pisa as `segnala demo` sets it up.
    pub async fn pisa() -> Self {
        let app = Self::empty().await;
        segnala::demo::setup(&app.store).expect("demo setup");
        app
    }

    /// Pisa and Bagno a Ripoli, each with its own offices and categories.
    pub async fn pisa_and_bagno_a_ripoli() -> Self {
        let app = Self::pisa().await;
        app.import(BAGNO_A_RIPOLI, "comune-048001-bagno-a-ripoli.geojson", "BR");
        let now = naive(Utc::now());
        app.store
            .write(|c| {
                let office = catalog::insert_office(
                    c,
                    &NewOffice {
                        municipality_id: BAGNO_A_RIPOLI.into(),
                        code: "lavori-pubblici".into(),
                        name: "Lavori pubblici Bagno a Ripoli".into(),
                        kind: "internal".into(),
                        email: None,
                        phone: None,
                    },
                    now,
                )?;
                for (code, it, en) in [
                    ("buche", "Buche", "Potholes"),
                    ("frane", "Frane e smottamenti", "Landslides"),
                ] {
                    catalog::insert_category(
                        c,
                        &NewCategory {
                            municipality_id: BAGNO_A_RIPOLI.into(),
                            code: code.into(),
                            name_it: it.into(),
                            name_en: en.into(),
                            default_office_id: Some(office.id.clone()),
                            ..Default::default()
                        },
                        now,
                    )?;
                }
                Ok(())
            })
            .expect("Bagno a Ripoli catalogue");
        app
    }

    /// No municipality at all.
    pub async fn empty() -> Self {
        Self::empty_with(|_| {}).await
    }

    /// Pisa, with a configuration tweak.
    pub async fn pisa_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let app = Self::empty_with(tweak).await;
        segnala::demo::setup(&app.store).expect("demo setup");
        app
    }

    /// No municipality, with a configuration tweak.
    pub async fn empty_with(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::with_db(TestDb::new(), tweak).await
    }

    /// Serves a database the test already prepared (with the CLI, say).
    pub async fn with_db(db: TestDb, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            database_url: db.url.clone(),
            database_pool_size: 4,
            data_dir: db.dir.path().join("data"),
            public_base_url: "http://segnala.test".into(),
            // Tests file many reports from one address; the limit has its own test.
            reports_per_ip_per_hour: 100_000,
            // The webhook receivers are on loopback; the refusal has its own test.
            webhook_allow_private: true,
            ..Config::default()
        };
        tweak(&mut config);
        let store =
            Store::open(&config.database_url, config.database_pool_size).expect("open store");
        store.migrate().expect("migrate");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::new(store.clone(), config.clone()).expect("state");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = http::server(state, listener, 2).expect("server");
                tx.send(server.handle()).expect("handle");
                let _ = server.await;
            })
        });
        let handle = rx.recv().expect("server started");
        Self {
            base,
            store,
            config,
            client: reqwest::Client::new(),
            handle,
            _db: db,
        }
    }

    /// Imports a comune from the fixtures' boundary files.
    pub fn import(&self, istat: &str, file: &str, prefix: &str) {
        let text = std::fs::read_to_string(fixtures().join("boundaries").join(file))
            .expect("boundary file");
        let doc: Value = serde_json::from_str(&text).expect("geojson");
        let picked = pick_feature(&doc, istat).expect("feature");
        let now = naive(Utc::now());
        self.store
            .write(|c| {
                Ok(municipalities::upsert(
                    c,
                    &ImportedMunicipality {
                        id: istat.into(),
                        name: picked.name.clone().unwrap_or_default(),
                        code_prefix: prefix.into(),
                        boundary: segnala::domain::territory::Boundary::parse(&picked.geometry)
                            .expect("boundary"),
                    },
                    now,
                )?)
            })
            .expect("import");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a staff account in `municipality` and returns its password.
    pub fn user(&self, username: &str, role: Role, municipality: &str, offices: &[&str]) -> String {
        create_user(&self.store, username, role, municipality, offices)
    }

    /// Signs in and returns the Bearer token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
        body["access_token"].as_str().expect("token").to_string()
    }

    /// A user of `role` (in Pisa), signed in.
    pub async fn staff(&self, username: &str, role: Role, offices: &[&str]) -> String {
        let password = self.user(username, role, PISA, offices);
        self.login(username, &password).await
    }

    /// An office worker of `offices`, signed in.
    pub async fn office(&self, username: &str, offices: &[&str]) -> Staffer<'_> {
        Staffer {
            app: self,
            token: self.staff(username, Role::Office, offices).await,
        }
    }

    /// The staff member whose token this is.
    pub fn signed_in(&self, token: String) -> Staffer<'_> {
        Staffer { app: self, token }
    }

    /// A supervisor of Pisa, signed in.
    pub async fn supervisor(&self, username: &str) -> Staffer<'_> {
        self.signed_in(self.staff(username, Role::Supervisor, &[]).await)
    }

    /// A URP (citizens' desk) worker of Pisa, signed in.
    pub async fn urp(&self, username: &str) -> Staffer<'_> {
        self.signed_in(self.staff(username, Role::Urp, &[]).await)
    }

    /// An administrator of Pisa, signed in.
    pub async fn admin(&self, username: &str) -> Staffer<'_> {
        self.signed_in(self.staff(username, Role::Admin, &[]).await)
    }

    /// A platform administrator (an account of Pisa's), signed in.
    pub async fn platform(&self, username: &str) -> Staffer<'_> {
        self.signed_in(self.staff(username, Role::Platform, &[]).await)
    }

    /// A request with the staff token `token`, and a JSON body if given.
    pub async fn send_as(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let resp = request.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_as(&self, token: &str, path: &str) -> (u16, Value) {
        self.send_as(reqwest::Method::GET, token, path, None).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        self.send_as(reqwest::Method::POST, token, path, Some(body))
            .await
    }

    pub async fn patch_as(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        self.send_as(reqwest::Method::PATCH, token, path, Some(body))
            .await
    }

    pub async fn delete_as(&self, token: &str, path: &str) -> u16 {
        self.send_as(reqwest::Method::DELETE, token, path, None)
            .await
            .0
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Files a valid report at a point and returns the 201 body.
    pub async fn file(&self, category: &str, (lat, lon): (f64, f64)) -> Value {
        let (status, body) = self
            .post("/api/v1/reports", &report(category, lat, lon))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and let the server thread end; the database goes after.
        let _ = futures_executor_stop(self.handle.clone());
    }
}

fn futures_executor_stop(handle: ServerHandle) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(handle.stop(false));
    })
}

/// A valid report body.
pub fn report(category: &str, lat: f64, lon: f64) -> Value {
    json!({
        "category": category,
        "description": "Buca profonda davanti al civico 12, pericolosa per le biciclette",
        "lat": lat,
        "lon": lon,
        "address": "Via Roma 12",
        "reporter": {"name": "Maria Bianchi", "email": "maria.bianchi@example.it", "phone": "333 1234567"}
    })
}

/// Asserts that no personal data of [`report`] appears in a JSON text.
pub fn assert_no_personal_data(body: &Value) {
    let text = body.to_string();
    for secret in [
        "Maria",
        "Bianchi",
        "maria.bianchi",
        "3331234567",
        "333 1234567",
        "reporter",
    ] {
        assert!(
            !text.contains(secret),
            "personal data `{secret}` leaked: {text}"
        );
    }
}

/// A real SMTP server (tests/smtp_server.py, aiosmtpd) on a loopback port,
/// stopped on drop. Messages land in `dir` as .eml files.
pub struct SmtpServer {
    pub port: u16,
    pub dir: PathBuf,
    /// How late it answers each message's data.
    delay_ms: u64,
    child: Option<std::process::Child>,
}

impl SmtpServer {
    /// A free port with nobody listening (yet).
    pub fn reserve(dir: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::create_dir_all(dir).unwrap();
        Self {
            port,
            dir: dir.to_path_buf(),
            delay_ms: 0,
            child: None,
        }
    }

    pub fn start(dir: &Path) -> Self {
        let mut s = Self::reserve(dir);
        s.listen();
        s
    }

    /// A server that answers each message `delay_ms` late: a slow peer.
    pub fn start_slow(dir: &Path, delay_ms: u64) -> Self {
        let mut s = Self::reserve(dir);
        s.delay_ms = delay_ms;
        s.listen();
        s
    }

    /// Starts listening on the reserved port.
    pub fn listen(&mut self) {
        use std::io::BufRead;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .args(["--port", &self.port.to_string(), "--dir"])
            .arg(&self.dir)
            .args(["--delay-ms", &self.delay_ms.to_string()])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test installs it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        self.child = Some(child);
    }

    /// Every message received so far, as text.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A header of a raw message (unfolded).
pub fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l[name.len()..].starts_with(':')
        })
        .map(|l| l[name.len() + 1..].trim())
}

/// The real `segnala serve` binary in its own process, on its own database
/// and a free loopback port: for what only a process shows (its peak memory,
/// a kill -9 and a restart on the same data). Killed on drop.
pub struct Spawned {
    pub base: String,
    pub client: reqwest::Client,
    child: Option<std::process::Child>,
    port: u16,
    env: Vec<(String, String)>,
    /// The server's data directory (attachments, mail).
    pub data_dir: PathBuf,
    pub db: TestDb,
}

impl Spawned {
    /// Pisa as `segnala demo` sets it up, served with `env` added.
    pub async fn pisa(env: &[(&str, &str)]) -> Self {
        Self::on(with_pisa(TestDb::new()), env).await
    }

    /// `segnala serve` on a database that is already set up.
    pub async fn on(db: TestDb, env: &[(&str, &str)]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data_dir = db.dir.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let mut app = Self {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            child: None,
            port,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            data_dir,
            db,
        };
        app.start().await;
        app
    }

    /// A second `segnala serve` on the same database (its own port and data
    /// directory): one more instance behind the same proxy.
    pub async fn beside(other: &Spawned, env: &[(&str, &str)]) -> Self {
        Self::on(TestDb::external(other.db.url.clone()), env).await
    }

    /// Starts the process (again, after [`Self::kill9`]) and waits until it is ready.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.db.dir.path().join("serve.log"))
            .expect("log file");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SEGNALA_DATABASE_URL", &self.db.url)
            .env("SEGNALA_DATA_DIR", &self.data_dir)
            .env("SEGNALA_BIND", format!("127.0.0.1:{}", self.port))
            .env("SEGNALA_WORKERS", "2")
            .env("SEGNALA_LOG", "warn")
            .env("SEGNALA_REPORTS_PER_IP_PER_HOUR", "100000")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(log)
            .spawn()
            .expect("start segnala serve");
        self.child = Some(child);
        self.wait_ready().await;
    }

    /// SIGKILL: no shutdown, no flush, no chance to finish a transaction.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL");
            c.wait().expect("reap");
        }
    }

    /// SIGTERM, then waits for the process to exit on its own (at most
    /// `within`): a stop as a service manager or a deploy does it.
    pub async fn terminate(&mut self, within: std::time::Duration) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        // SAFETY: kill(2) on our own child's pid, with a valid signal.
        let sent = unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM");
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = c.try_wait().expect("wait") {
                return status;
            }
            if started.elapsed() > within {
                let _ = c.kill();
                panic!("segnala serve did not stop within {within:?} of SIGTERM");
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    async fn wait_ready(&self) {
        for _ in 0..300 {
            if let Ok(r) = self.client.get(self.url("/readyz")).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("segnala serve did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// What the process logged so far (its standard output).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.db.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// A line of `/proc/<pid>/status`, in KiB (`VmHWM`: the peak resident size).
    pub fn status_kib(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// Files a valid report and returns the 201 body.
    pub async fn file(&self, category: &str, (lat, lon): (f64, f64)) -> Value {
        let resp = self
            .client
            .post(self.url("/api/v1/reports"))
            .json(&report(category, lat, lon))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 201);
        resp.json().await.expect("json")
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A webhook receiver on loopback that checks signatures; answers 503 to the
/// first `fail_first` requests.
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<(bool, Value)>>>,
}

pub fn receiver(secret: &'static str, fail_first: usize) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/segnala", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = std::collections::HashMap::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let ts: i64 = headers
                .get("x-segnala-timestamp")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let valid = headers.get("x-segnala-signature").map(String::as_str)
                == Some(segnala::notify::webhook_signature(secret, ts, &body).as_str());
            let status = if i < fail_first {
                "503 Service Unavailable"
            } else {
                "204 No Content"
            };
            if i >= fail_first {
                log.lock()
                    .unwrap()
                    .push((valid, serde_json::from_slice(&body).unwrap_or(Value::Null)));
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    Receiver { url, received }
}

/// Runs the `segnala` command line on a database and data directory (a new
/// password, when one is asked, is `una-password-lunga-2026`); returns
/// whether it succeeded and all it printed.
pub fn run_cli(database_url: &str, data_dir: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEGNALA_DATABASE_URL", database_url)
        .env("SEGNALA_DATA_DIR", data_dir)
        .env("SEGNALA_LOG", "warn")
        .env("SEGNALA_NEW_PASSWORD", "una-password-lunga-2026")
        .output()
        .expect("run segnala");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A signed-in staff member, so that a test reads as what people do:
/// `strade.take_in(&code)`, `sup.reassign(&code, …)`. It is also its token
/// (`&strade` where a `&str` token is expected).
pub struct Staffer<'a> {
    app: &'a TestApp,
    pub token: String,
}

impl std::ops::Deref for Staffer<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.token
    }
}

impl Staffer<'_> {
    /// `POST /api/v1/reports/{code}/transitions` with `body`.
    pub async fn transition(&self, code: &str, body: Value) -> (u16, Value) {
        let path = format!("/api/v1/reports/{code}/transitions");
        self.app.post_as(&self.token, &path, &body).await
    }

    /// Takes the report in charge; it must succeed.
    pub async fn take_in(&self, code: &str) -> Value {
        let (status, body) = self.transition(code, json!({"to": "taken_in"})).await;
        assert_eq!(status, 200, "take in {code}: {body}");
        body
    }

    /// `POST /api/v1/reports/{code}/reassign` with `body`.
    pub async fn reassign(&self, code: &str, body: Value) -> (u16, Value) {
        let path = format!("/api/v1/reports/{code}/reassign");
        self.app.post_as(&self.token, &path, &body).await
    }

    /// `GET path` as this staff member.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.app.get_as(&self.token, path).await
    }

    /// `POST path` with a JSON `body` as this staff member.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.app.post_as(&self.token, path, body).await
    }

    /// `PATCH path` with a JSON `body` as this staff member.
    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.app.patch_as(&self.token, path, body).await
    }

    /// `PUT path` with a JSON `body` as this staff member.
    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let method = reqwest::Method::PUT;
        self.app
            .send_as(method, &self.token, path, Some(body))
            .await
    }

    /// `DELETE path` as this staff member; the status.
    pub async fn delete(&self, path: &str) -> u16 {
        self.app.delete_as(&self.token, path).await
    }
}
