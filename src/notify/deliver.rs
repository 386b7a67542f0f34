//! Delivery of outbox rows: email through lettre (SMTP or `.eml` files),
//! webhooks through reqwest with an HMAC-SHA256 signature. Errors say whether
//! they are permanent (never retried) or not.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::config::Config;
use crate::domain::ids::{OfficeId, ReportCode};
use crate::domain::privacy::redact_emails;
use crate::error::{AppError, AppResult};

/// What an email row holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EmailPayload {
    /// The report's public code, if the message is about one (the file
    /// transport keeps a report's messages together, for retention).
    #[serde(default)]
    pub report: Option<ReportCode>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

/// What a webhook row holds: the office (its URL and secret are read at
/// delivery time) and the JSON body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebhookPayload {
    pub office_id: OfficeId,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// Never retried (a permanent SMTP rejection, an invalid address).
    pub permanent: bool,
    /// The peer itself failed (no connection, no answer in time, a 5xx from
    /// a webhook receiver), not this one message: its other messages wait.
    pub peer_failed: bool,
    pub message: String,
}

impl DeliveryError {
    // Error texts are stored, logged and shown in the dead-letter API: a
    // server quoting the recipient's address must not put it there.
    fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            peer_failed: true,
            message: redact_emails(&message.into()),
        }
    }
    pub(crate) fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            peer_failed: false,
            message: redact_emails(&message.into()),
        }
    }
}

/// What an outbox row keeps once delivered: enough to recognise it (the
/// Message-ID, the report, the office), nothing personal and no token.
pub fn delivered_payload(kind: &str, payload: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    let keep: &[&str] = match kind {
        "email" => &["message_id", "report"],
        _ => &["office_id"],
    };
    let kept: serde_json::Map<String, serde_json::Value> = keep
        .iter()
        .filter_map(|k| Some((k.to_string(), value.get(*k)?.clone())))
        .collect();
    serde_json::Value::Object(kept).to_string()
}

/// A dead email without the citizen's follow-up token: the payload stays for
/// a retry (which then links the report's public page), the key does not.
pub fn without_token(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(at) = rest.find("?token=") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "?token=".len()..];
        let token_len = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
            .unwrap_or(after.len());
        rest = &after[token_len..];
    }
    out.push_str(rest);
    out
}

pub enum Mailer {
    Smtp(Box<SmtpTransport>),
    /// `.eml` files under this data directory's `mail/<report code>/`.
    File(std::path::PathBuf),
}

/// Removes the `file` transport's `.eml` files last written before `before`
/// (and the folders left empty); returns how many files went.
pub fn prune_mail_files(data_dir: &std::path::Path, before: std::time::SystemTime) -> usize {
    let Ok(folders) = std::fs::read_dir(data_dir.join("mail")) else {
        return 0;
    };
    let mut removed = 0;
    for folder in folders.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
        let Ok(files) = std::fs::read_dir(&folder) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            let old = file
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < before);
            if old
                && path.extension().is_some_and(|e| e == "eml")
                && std::fs::remove_file(&path).is_ok()
            {
                removed += 1;
            }
        }
        // Only succeeds when empty.
        let _ = std::fs::remove_dir(&folder);
    }
    removed
}

/// Where the file transport keeps the messages about report `code`.
pub fn mail_dir(data_dir: &std::path::Path, code: Option<&str>) -> std::path::PathBuf {
    let safe: String = code
        .unwrap_or("other")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    data_dir.join("mail").join(if safe.is_empty() {
        "other".into()
    } else {
        safe
    })
}

impl Mailer {
    pub fn from_config(config: &Config) -> AppResult<Self> {
        match config.mail_transport.as_str() {
            "file" => {
                let dir = config.data_dir.join("mail");
                crate::files::create_private_dir(&dir)
                    .map_err(|e| AppError::internal(format!("{}: {e}", dir.display())))?;
                Ok(Mailer::File(config.data_dir.clone()))
            }
            "smtp" => {
                let host = config.smtp_host.clone();
                let tls = match config.smtp_tls.as_str() {
                    "none" => Tls::None,
                    mode @ ("starttls" | "tls") => {
                        let params = TlsParameters::new(host.clone())
                            .map_err(|e| AppError::internal(format!("TLS: {e}")))?;
                        if mode == "tls" {
                            Tls::Wrapper(params)
                        } else {
                            Tls::Required(params)
                        }
                    }
                    other => {
                        return Err(AppError::internal(format!(
                            "SEGNALA_SMTP_TLS `{other}`: use none, starttls or tls"
                        )))
                    }
                };
                let mut builder = SmtpTransport::builder_dangerous(host)
                    .port(config.smtp_port)
                    .tls(tls)
                    .timeout(Some(Duration::from_secs(config.smtp_timeout_seconds)));
                if let (Some(user), Some(pass)) = (&config.smtp_username, &config.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
                }
                Ok(Mailer::Smtp(Box::new(builder.build())))
            }
            other => Err(AppError::internal(format!(
                "SEGNALA_MAIL_TRANSPORT `{other}`: use file or smtp"
            ))),
        }
    }

    /// Makes the messages sent so far durable: the file transport writes
    /// its files without waiting for the disk, and flushes them all here,
    /// once, before they are marked sent; an SMTP server's answer already
    /// means it has the message.
    pub fn make_durable(&self) -> Result<(), DeliveryError> {
        match self {
            Mailer::File(data_dir) => crate::files::sync_filesystem(data_dir)
                .map_err(|e| DeliveryError::transient(format!("flushing the messages: {e}"))),
            Mailer::Smtp(_) => Ok(()),
        }
    }

    pub fn send(&self, from: &str, email: &EmailPayload) -> Result<(), DeliveryError> {
        // The file transport keeps its messages on disk: there, the citizen's
        // follow-up link goes without its token (the citizen got it in the
        // answer to the filing; the file is a record, not a mailbox).
        let kept;
        let email = match self {
            Mailer::File(_) => {
                kept = EmailPayload {
                    text: without_token(&email.text),
                    html: without_token(&email.html),
                    ..email.clone()
                };
                &kept
            }
            Mailer::Smtp(_) => email,
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| DeliveryError::permanent(format!("sender {from}: {e}")))?;
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| DeliveryError::permanent(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(&email.subject)
            .message_id(Some(email.message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|e| DeliveryError::permanent(format!("building the message: {e}")))?;
        match self {
            // One file per Message-ID: a resend after a crash overwrites it.
            Mailer::File(data_dir) => {
                let dir = mail_dir(data_dir, email.report.as_deref());
                let name = hex::encode(sha2::Sha256::digest(email.message_id.as_bytes()));
                let path = dir.join(format!("{}.eml", &name[..32]));
                let tmp = dir.join(format!(".{}.tmp", &name[..32]));
                // Durable only after [`Mailer::make_durable`], once per batch.
                crate::files::create_private_dir(&dir)
                    .and_then(|()| crate::files::write_unsynced(&tmp, &path, &message.formatted()))
                    .map_err(|e| DeliveryError::transient(format!("writing the message: {e}")))
            }
            // Only a permanent (5xx) answer is final; refused connections and
            // timeouts are neither transient nor permanent to lettre: retry them.
            Mailer::Smtp(t) => t.send(&message).map(|_| ()).map_err(|e| DeliveryError {
                permanent: e.is_permanent(),
                // A 4xx or 5xx answer is about this message; no answer at
                // all is about the server.
                peer_failed: !e.is_permanent() && !e.is_transient(),
                message: if timed_out(&e) {
                    "SMTP: timed out (the server did not answer within SEGNALA_SMTP_TIMEOUT_SECONDS)"
                        .to_string()
                } else {
                    redact_emails(&format!("SMTP: {e}"))
                },
            }),
        }
    }
}

/// Whether an error comes from a socket timeout (a read or write timeout is
/// `WouldBlock` on Unix, a connect timeout `TimedOut`).
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            );
        }
        source = err.source();
    }
    false
}

/// Header names of a signed webhook.
pub const SIGNATURE_HEADER: &str = "X-Segnala-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Segnala-Timestamp";

/// POSTs a webhook, signed. 2xx is success; anything else is retried (until
/// the attempts run out), as the receiver may be mid-deployment.
pub fn post_webhook(
    client: &reqwest::blocking::Client,
    url: &str,
    secret: &str,
    body: &serde_json::Value,
    now: i64,
) -> Result<(), DeliveryError> {
    let bytes = serde_json::to_vec(body).map_err(|e| DeliveryError::permanent(e.to_string()))?;
    let signature = super::webhook_signature(secret, now, &bytes);
    let response = client
        .post(url)
        .header("Content-Type", "application/json")
        .header(TIMESTAMP_HEADER, now.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(bytes)
        .send()
        .map_err(|e| {
            DeliveryError::transient(if e.is_timeout() {
                "webhook: timed out (the receiver did not answer within SEGNALA_WEBHOOK_TIMEOUT_SECONDS)"
                    .to_string()
            } else {
                format!("webhook: {e}")
            })
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else if status.is_redirection() {
        // Not followed: the configured URL is the destination, and a
        // redirect will not fix itself by retrying.
        Err(DeliveryError::permanent(format!(
            "webhook answered {status}: redirects are not followed, configure the final URL"
        )))
    } else {
        Err(DeliveryError::transient(format!(
            "webhook answered {status}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivered_row_keeps_nothing_personal() {
        let payload = serde_json::to_string(&EmailPayload {
            report: Some("PI-2026-000001".into()),
            to: "maria@example.it".into(),
            subject: "s".into(),
            text: "https://x/segnalazioni/PI-2026-000001?token=abc123".into(),
            html: "h".into(),
            message_id: "<m@segnala>".into(),
        })
        .unwrap();
        let kept = delivered_payload("email", &payload);
        assert_eq!(
            kept,
            r#"{"message_id":"<m@segnala>","report":"PI-2026-000001"}"#
        );
        assert_eq!(
            delivered_payload(
                "webhook",
                r#"{"office_id":"o1","body":{"report":{"title":"t"}}}"#
            ),
            r#"{"office_id":"o1"}"#
        );
    }

    #[test]
    fn tokens_are_cut_from_links() {
        let token = "0123456789abcdef0123456789abcdef0123456789abcdef";
        let payload = format!(
            r#"{{"text":"link: https://x/segnalazioni/PI-1?token={token}\n","html":"<a href=\"https://x/segnalazioni/PI-1?token={token}\">"}}"#
        );
        let cut = without_token(&payload);
        assert!(!cut.contains(token), "{cut}");
        assert!(
            cut.contains("https://x/segnalazioni/PI-1\\n") && cut.contains("PI-1\\\">"),
            "{cut}"
        );
        assert!(serde_json::from_str::<serde_json::Value>(&cut).is_ok());
    }
}
