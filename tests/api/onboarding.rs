//! Any Italian comune goes live from the command line: found by name in the
//! national boundaries shipped with segnala, added by ISTAT code with the
//! starter catalogue, and taking a routed report at once.

use std::process::Command;

use serde_json::json;

use crate::common::*;

fn segnala(db: &TestDb, args: &[&str]) -> String {
    let (ok, text) = run_cli(&db.url, &db.dir.path().join("data"), args);
    assert!(ok, "segnala {args:?}: {text}");
    text
}

#[tokio::test]
async fn a_comune_is_found_added_with_the_starter_catalogue_and_takes_a_routed_report() {
    let db = TestDb::new();
    let found = segnala(&db, &["municipality", "search", "fossano"]);
    assert!(found.starts_with("004089  Fossano"), "{found}");
    let added = segnala(
        &db,
        &[
            "municipality",
            "add",
            "--istat",
            "004089",
            "--starter",
            "--urp-email",
            "urp@comune.fossano.cn.it",
        ],
    );
    assert!(added.contains("004089 Fossano (CN) served"), "{added}");
    assert!(
        added.contains("ISTAT, openpolis"),
        "the data is credited: {added}"
    );
    // Twice is refused (it would duplicate the catalogue), and says why.
    let again = Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(["municipality", "add", "--istat", "004089", "--starter"])
        .env("SEGNALA_DATABASE_URL", &db.url)
        .env("SEGNALA_DATA_DIR", db.dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("catalogue_exists"));
    // An unknown code is a clear error.
    let unknown = Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(["municipality", "add", "--istat", "999999"])
        .env("SEGNALA_DATABASE_URL", &db.url)
        .env("SEGNALA_DATA_DIR", db.dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("999999"));

    let app = TestApp::with_db(db, |_| {}).await;
    let m = app
        .store
        .read(|c| Ok(segnala::store::municipalities::find(c, "004089")?))
        .unwrap()
        .expect("served");
    assert_eq!(m.name, "Fossano");
    let (_, list) = app.get("/api/v1/municipalities").await;
    assert_eq!(list[0]["urp"]["email"], "urp@comune.fossano.cn.it");
    // Piazza Castello, Fossano: a pothole goes to public works.
    let (status, created) = app
        .post(
            "/api/v1/reports",
            &json!({"category": "buche", "description": "Buca profonda", "lat": 44.5503, "lon": 7.7250,
                    "reporter": {"email": "cittadino@example.it"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["code"].as_str().unwrap().starts_with("CN-"));
    assert_eq!(created["office"]["code"], "lavori-pubblici");
    assert!(created["take_in_due_at"].is_string());
    // "Altro" waits for the supervisor's triage.
    let (status, other) = app
        .post(
            "/api/v1/reports",
            &json!({"category": "altro", "description": "Qualcosa non va", "lat": 44.5503, "lon": 7.7250}),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    assert!(other["office"].is_null(), "{other}");
    let (_, categories) = app.get("/api/v1/categories?municipality=004089").await;
    assert_eq!(categories["municipality_name"], "Fossano");
    assert!(
        categories["categories"].as_array().unwrap().len() >= 20,
        "{categories}"
    );
}
