//! Delivery of outbox rows: email through lettre (SMTP or `.eml` files),
//! webhooks through reqwest with an HMAC-SHA256 signature. Errors say whether
//! they are permanent (never retried) or not.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{AppError, AppResult};

/// What an email row holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EmailPayload {
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
    pub office_id: String,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// Never retried (a permanent SMTP rejection, an invalid address).
    pub permanent: bool,
    pub message: String,
}

impl DeliveryError {
    fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }
}

pub enum Mailer {
    Smtp(Box<SmtpTransport>),
    File(FileTransport),
}

impl Mailer {
    pub fn from_config(config: &Config) -> AppResult<Self> {
        match config.mail_transport.as_str() {
            "file" => {
                let dir = config.data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| AppError::internal(format!("{}: {e}", dir.display())))?;
                Ok(Mailer::File(FileTransport::new(dir)))
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

    pub fn send(&self, from: &str, email: &EmailPayload) -> Result<(), DeliveryError> {
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
            Mailer::File(t) => t
                .send(&message)
                .map(|_| ())
                .map_err(|e| DeliveryError::transient(format!("writing the message: {e}"))),
            // Only a permanent (5xx) answer is final; refused connections and
            // timeouts are neither transient nor permanent to lettre: retry them.
            Mailer::Smtp(t) => t.send(&message).map(|_| ()).map_err(|e| DeliveryError {
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
            }),
        }
    }
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
        .map_err(|e| DeliveryError::transient(format!("webhook: {e}")))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(DeliveryError::transient(format!(
            "webhook answered {status}"
        )))
    }
}
