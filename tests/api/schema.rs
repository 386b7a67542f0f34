//! The API document against the live server, generated: schemathesis
//! (PyPI, `scripts/test` installs it) sends thousands of requests built from
//! `/api/openapi.json` — valid ones, invalid ones, undeclared methods — once
//! anonymously and once with a token of each staff role, and checks every
//! answer: no 5xx, no response outside the document, no undocumented status
//! or content type, no schema-valid request refused, no invalid one accepted,
//! 405 with `Allow` for an undeclared method. The few rules a schema cannot
//! state are listed, with their reasons, in `tests/schemathesis/schemathesis.toml`.

use std::path::Path;
use std::process::Command;

use segnala::domain::permissions::Role;

use crate::common::*;

/// Examples per operation and phase: enough for ~2,000 requests a caller,
/// about ten seconds each. `SEGNALA_SCHEMATHESIS_EXAMPLES` raises it.
const EXAMPLES: &str = "10";

fn schemathesis(base: &str, caller: &str, token: Option<&str>, report: &serde_json::Value) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/schemathesis.toml");
    let examples = std::env::var("SEGNALA_SCHEMATHESIS_EXAMPLES").unwrap_or(EXAMPLES.into());
    let mut command = Command::new("python3");
    command
        // Its cache of crashes stays out of the repository.
        .current_dir(std::env::temp_dir())
        .args([
            "-c",
            "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        ])
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{base}/api/openapi.json")])
        .args(["--checks", "all", "--seed", "1", "--workers", "2"])
        .args(["--max-examples", &examples])
        .args(["--suppress-health-check", "all", "--no-color"])
        .env(
            "SEGNALA_REPORT_CODE",
            report["code"].as_str().expect("code"),
        )
        .env(
            "SEGNALA_REPORT_TOKEN",
            report["tracking_token"].as_str().expect("token"),
        );
    if let Some(token) = token {
        command.args(["--header", &format!("Authorization: Bearer {token}")]);
    }
    let out = command
        .output()
        .expect("python3 with schemathesis (scripts/test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .lines()
        .filter(|l| l.contains(" generated,"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("schemathesis as {caller}: {summary}");
    assert!(
        out.status.success(),
        "schemathesis as {caller} found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        summary.contains("generated"),
        "schemathesis as {caller} ran nothing:\n{stdout}"
    );
}

#[tokio::test]
async fn the_live_api_keeps_to_its_document_for_anyone_and_every_role() {
    let app = TestApp::pisa().await;
    // Every token first: schemathesis tries wrong passwords, after which
    // sign-ins from this address are throttled.
    let mut callers = vec![("anyone", None)];
    for (name, role, offices) in [
        ("urp", Role::Urp, &[][..]),
        ("ufficio", Role::Office, &["manutenzioni"][..]),
        ("supervisore", Role::Supervisor, &[][..]),
        ("admin", Role::Admin, &[][..]),
    ] {
        callers.push((name, Some(app.staff(name, role, offices).await)));
    }
    let report = app.file("buche", PISA_CENTRE).await;
    let base = app.base.clone();
    tokio::task::spawn_blocking(move || {
        for (caller, token) in &callers {
            schemathesis(&base, caller, token.as_deref(), &report);
        }
    })
    .await
    .expect("the runs finish");
}
