//! Configuration: built-in defaults, then an optional TOML file
//! (`SEGNALA_CONFIG`, default `segnala.toml` if present), then `SEGNALA_*`
//! environment variables. Secrets may come from `*_FILE` variables.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://data/segnala.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// Connections in the read pool (PostgreSQL: the whole pool).
    pub database_pool_size: u32,
    /// A PostgreSQL hot standby for public reads (`None`: the primary only).
    pub database_read_url: Option<String>,
    /// How far behind the standby may be and still serve public reads.
    pub database_read_max_lag_ms: u64,
    /// Where attachments, generated secrets and mail files live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub bind: String,
    /// Public base URL, for links sent to citizens.
    pub public_base_url: String,
    /// `text` or `json` logs.
    pub log_format: String,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// HS256 secret for staff tokens (at least 32 characters). Without one, a
    /// secret is generated in the data directory: fine for one instance only.
    pub jwt_secret: Option<String>,
    /// Lifetime of a staff token.
    pub jwt_ttl_seconds: i64,
    /// Anonymous reports accepted per client IP per hour.
    pub reports_per_ip_per_hour: i32,
    /// Reverse proxies whose forwarding header is believed (CIDRs or
    /// addresses, comma-separated); empty: the TCP peer is the client.
    pub trusted_proxies: String,
    /// The header those proxies write: `x-forwarded-for` or `forwarded`.
    pub forwarded_header: String,
    /// Deliver webhooks to loopback, link-local and private addresses too
    /// (an office system on the comune's own network).
    pub webhook_allow_private: bool,
    /// Days after closure before the reporter's name, email and phone are erased.
    pub retention_days: i64,
    /// Days a delivered notification's row (its Message-ID, for de-duplication)
    /// is kept; dead ones are kept three times as long, for a retry.
    pub outbox_keep_sent_days: i64,
    /// Days the `file` mail transport keeps a written `.eml` (it is a
    /// development and audit transport, not a mailbox).
    pub mail_file_keep_days: i64,
    /// How often each `serve` process sweeps for overdue reports.
    pub sweep_interval_seconds: u64,
    /// SLA hours after the take-in deadline before the second escalation
    /// level (e.g. to the head of department); 0 disables it.
    pub escalation_level2_hours: u32,
    /// `file` (`.eml` files in `data_dir/mail`: nothing is sent) or `smtp`.
    pub mail_transport: String,
    pub mail_from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_timeout_seconds: u64,
    /// How long a webhook receiver may take to answer.
    pub webhook_timeout_seconds: u64,
    /// Delivery attempts before a notification is dead.
    pub outbox_max_attempts: i32,
    /// How often each `serve` process looks for notifications to deliver.
    pub dispatch_interval_seconds: u64,
    /// Failed call attempts before a callback is closed as unreachable.
    pub callback_max_failed_attempts: i32,
    /// The built web pages (`npm run build` in `web/`).
    pub web_dir: PathBuf,
    /// Map tiles for the web pages, `{z}/{x}/{y}` style; empty: no tiles
    /// (offline), the maps still take clicks.
    pub map_tiles_url: String,
    pub map_attribution: String,
    /// A Nominatim-compatible search URL with `{q}` for the address, used by
    /// the citizen's browser; empty: addresses are taken as typed.
    pub geocoder_url: String,
    /// The full privacy notice (GDPR art. 13) the web form links to.
    pub privacy_url: String,
    /// The comune's accessibility statement, as published on
    /// form.agid.gov.it (the footer's `accessibility-link`); default: the
    /// statement template at `/accessibilita`.
    pub accessibility_statement_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/segnala.db".into(),
            database_pool_size: 8,
            database_read_url: None,
            database_read_max_lag_ms: 2000,
            data_dir: PathBuf::from("data"),
            bind: "127.0.0.1:8080".into(),
            public_base_url: "http://127.0.0.1:8080".into(),
            log_format: "text".into(),
            workers: 0,
            jwt_secret: None,
            jwt_ttl_seconds: 1800,
            reports_per_ip_per_hour: 20,
            trusted_proxies: String::new(),
            forwarded_header: "x-forwarded-for".into(),
            webhook_allow_private: false,
            retention_days: 365,
            outbox_keep_sent_days: 30,
            mail_file_keep_days: 30,
            sweep_interval_seconds: 60,
            escalation_level2_hours: 24,
            mail_transport: "file".into(),
            mail_from: "segnala <noreply@segnala.invalid>".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_seconds: 20,
            webhook_timeout_seconds: 15,
            outbox_max_attempts: 8,
            dispatch_interval_seconds: 1,
            callback_max_failed_attempts: 3,
            web_dir: PathBuf::from("web/dist"),
            map_tiles_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            map_attribution: "© OpenStreetMap contributors".into(),
            geocoder_url: String::new(),
            privacy_url: "/privacy".into(),
            accessibility_statement_url: "/accessibilita".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid value for {name}: {message}")]
    Env { name: String, message: String },
}

impl Config {
    /// Loads from the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_env(|k| std::env::var(k).ok())
    }

    /// Loads with `env` as the environment (testable): the file (or the
    /// defaults), then the variables of each section, in this order.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&env);
        let mut config = Self::from_file(&env)?;
        config.database_from(&env)?;
        config.server_from(&env)?;
        config.clients_from(&env)?;
        config.sweeper_from(&env)?;
        config.delivery_from(&env)?;
        config.retention_from(&env)?;
        config.web_from(&env)?;
        config
            .client_addresses()
            .map_err(|message| ConfigError::Env {
                name: "SEGNALA_TRUSTED_PROXIES".into(),
                message,
            })?;
        Ok(config)
    }

    /// The TOML file named by `SEGNALA_CONFIG` (which must then exist), or
    /// `segnala.toml` if there is one, or the defaults.
    fn from_file(env: &Env) -> Result<Self, ConfigError> {
        let explicit = (env.0)("SEGNALA_CONFIG");
        let path = explicit.clone().unwrap_or_else(|| "segnala.toml".into());
        if explicit.is_none() && !Path::new(&path).exists() {
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })
    }

    /// The databases and the data directory.
    fn database_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.text("SEGNALA_DATABASE_URL", &mut self.database_url)?;
        env.number("SEGNALA_DATABASE_POOL_SIZE", &mut self.database_pool_size)?;
        if let Some(v) = env.var("SEGNALA_DATABASE_READ_URL")? {
            self.database_read_url = Some(v).filter(|v| !v.is_empty());
        }
        env.number(
            "SEGNALA_DATABASE_READ_MAX_LAG_MS",
            &mut self.database_read_max_lag_ms,
        )?;
        env.path("SEGNALA_DATA_DIR", &mut self.data_dir)
    }

    /// The HTTP server: where it listens and is reached, its logs, its
    /// workers, its staff tokens.
    fn server_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.text("SEGNALA_BIND", &mut self.bind)?;
        env.text("SEGNALA_PUBLIC_BASE_URL", &mut self.public_base_url)?;
        if let Some(v) = env.var("SEGNALA_LOG_FORMAT")? {
            if v != "text" && v != "json" {
                return Err(ConfigError::Env {
                    name: "SEGNALA_LOG_FORMAT".into(),
                    message: "must be `text` or `json`".into(),
                });
            }
            self.log_format = v;
        }
        env.number("SEGNALA_WORKERS", &mut self.workers)?;
        env.optional_text("SEGNALA_JWT_SECRET", &mut self.jwt_secret)?;
        env.number("SEGNALA_JWT_TTL_SECONDS", &mut self.jwt_ttl_seconds)
    }

    /// Who the clients are and what they may do: the filing limit, the
    /// proxies believed, the addresses webhooks may reach.
    fn clients_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.number(
            "SEGNALA_REPORTS_PER_IP_PER_HOUR",
            &mut self.reports_per_ip_per_hour,
        )?;
        if env.var("SEGNALA_TRUST_FORWARDED_FOR")?.is_some() {
            return Err(ConfigError::Env {
                name: "SEGNALA_TRUST_FORWARDED_FOR".into(),
                message: "no longer read: list the reverse proxies in SEGNALA_TRUSTED_PROXIES \
                          (e.g. 127.0.0.1) instead"
                    .into(),
            });
        }
        env.text("SEGNALA_TRUSTED_PROXIES", &mut self.trusted_proxies)?;
        env.text("SEGNALA_FORWARDED_HEADER", &mut self.forwarded_header)?;
        env.flag(
            "SEGNALA_WEBHOOK_ALLOW_PRIVATE",
            &mut self.webhook_allow_private,
        )
    }

    /// The escalation sweeper.
    fn sweeper_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.number(
            "SEGNALA_SWEEP_INTERVAL_SECONDS",
            &mut self.sweep_interval_seconds,
        )?;
        env.number(
            "SEGNALA_ESCALATION_LEVEL2_HOURS",
            &mut self.escalation_level2_hours,
        )
    }

    /// Delivering notifications: mail, webhooks, the dispatcher, callbacks.
    fn delivery_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.text("SEGNALA_MAIL_TRANSPORT", &mut self.mail_transport)?;
        env.text("SEGNALA_MAIL_FROM", &mut self.mail_from)?;
        env.text("SEGNALA_SMTP_HOST", &mut self.smtp_host)?;
        env.number("SEGNALA_SMTP_PORT", &mut self.smtp_port)?;
        env.text("SEGNALA_SMTP_TLS", &mut self.smtp_tls)?;
        env.optional_text("SEGNALA_SMTP_USERNAME", &mut self.smtp_username)?;
        env.optional_text("SEGNALA_SMTP_PASSWORD", &mut self.smtp_password)?;
        env.number(
            "SEGNALA_SMTP_TIMEOUT_SECONDS",
            &mut self.smtp_timeout_seconds,
        )?;
        env.number(
            "SEGNALA_WEBHOOK_TIMEOUT_SECONDS",
            &mut self.webhook_timeout_seconds,
        )?;
        env.number("SEGNALA_OUTBOX_MAX_ATTEMPTS", &mut self.outbox_max_attempts)?;
        env.number(
            "SEGNALA_DISPATCH_INTERVAL_SECONDS",
            &mut self.dispatch_interval_seconds,
        )?;
        env.number(
            "SEGNALA_CALLBACK_MAX_FAILED_ATTEMPTS",
            &mut self.callback_max_failed_attempts,
        )
    }

    /// How long personal data, delivered notifications and mail files are kept.
    fn retention_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.number("SEGNALA_RETENTION_DAYS", &mut self.retention_days)?;
        env.number(
            "SEGNALA_OUTBOX_KEEP_SENT_DAYS",
            &mut self.outbox_keep_sent_days,
        )?;
        env.number("SEGNALA_MAIL_FILE_KEEP_DAYS", &mut self.mail_file_keep_days)
    }

    /// The web pages: where they are built, their maps, geocoder and links.
    fn web_from(&mut self, env: &Env) -> Result<(), ConfigError> {
        env.path("SEGNALA_WEB_DIR", &mut self.web_dir)?;
        env.text("SEGNALA_MAP_TILES_URL", &mut self.map_tiles_url)?;
        env.text("SEGNALA_MAP_ATTRIBUTION", &mut self.map_attribution)?;
        env.text("SEGNALA_GEOCODER_URL", &mut self.geocoder_url)?;
        env.text("SEGNALA_PRIVACY_URL", &mut self.privacy_url)?;
        env.text(
            "SEGNALA_ACCESSIBILITY_STATEMENT_URL",
            &mut self.accessibility_statement_url,
        )
    }

    /// How client addresses are found (checked when the configuration loads).
    pub fn client_addresses(&self) -> Result<crate::http::client_addr::ClientAddresses, String> {
        use crate::http::client_addr::{ClientAddresses, ForwardedHeader, TrustedProxies};
        Ok(ClientAddresses {
            proxies: TrustedProxies::parse(&self.trusted_proxies)?,
            header: ForwardedHeader::parse(&self.forwarded_header).ok_or_else(|| {
                format!(
                    "SEGNALA_FORWARDED_HEADER `{}`: use x-forwarded-for or forwarded",
                    self.forwarded_header
                )
            })?,
        })
    }

    pub fn escalation_policy(&self) -> crate::domain::escalation::Policy {
        crate::domain::escalation::Policy {
            level2_after_hours: (self.escalation_level2_hours > 0)
                .then_some(self.escalation_level2_hours),
        }
    }

    pub fn links(&self) -> crate::notify::plan::Links {
        crate::notify::plan::Links {
            base_url: self.public_base_url.clone(),
        }
    }

    pub fn attachments_dir(&self) -> PathBuf {
        self.data_dir.join("attachments")
    }
}

/// The environment the configuration is read from: each setter leaves the
/// value as it is when the variable is not set.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    /// A value from NAME, or the contents of the file named by NAME_FILE.
    fn var(&self, name: &str) -> Result<Option<String>, ConfigError> {
        if let Some(v) = (self.0)(name) {
            return Ok(Some(v));
        }
        match (self.0)(&format!("{name}_FILE")) {
            None => Ok(None),
            Some(file) => std::fs::read_to_string(&file)
                .map(|s| Some(s.trim().to_string()))
                .map_err(|source| ConfigError::Read { path: file, source }),
        }
    }

    fn text(&self, name: &str, into: &mut String) -> Result<(), ConfigError> {
        if let Some(v) = self.var(name)? {
            *into = v;
        }
        Ok(())
    }

    fn optional_text(&self, name: &str, into: &mut Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = self.var(name)? {
            *into = Some(v);
        }
        Ok(())
    }

    fn path(&self, name: &str, into: &mut PathBuf) -> Result<(), ConfigError> {
        if let Some(v) = self.var(name)? {
            *into = PathBuf::from(v);
        }
        Ok(())
    }

    fn number<T: std::str::FromStr>(&self, name: &str, into: &mut T) -> Result<(), ConfigError> {
        if let Some(v) = self.var(name)? {
            *into = v.parse().map_err(|_| ConfigError::Env {
                name: name.into(),
                message: format!("`{v}` is not a number"),
            })?;
        }
        Ok(())
    }

    fn flag(&self, name: &str, into: &mut bool) -> Result<(), ConfigError> {
        if let Some(v) = self.var(name)? {
            *into = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(ConfigError::Env {
                        name: name.into(),
                        message: format!("`{v}` is not true or false"),
                    })
                }
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_run_with_nothing_configured() {
        let c = Config::from_env(|_| None).unwrap();
        assert_eq!(c.database_url, "sqlite://data/segnala.db");
        assert_eq!(c.bind, "127.0.0.1:8080");
    }

    #[test]
    fn env_and_file_variables() {
        let dir = std::env::temp_dir().join(format!("segnala-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("db-url");
        std::fs::write(&secret, "postgres://u@h/db\n").unwrap();
        let env: HashMap<&str, String> = [
            ("SEGNALA_DATABASE_URL_FILE", secret.display().to_string()),
            ("SEGNALA_WORKERS", "3".to_string()),
        ]
        .into();
        let c = Config::from_env(|k| env.get(k).cloned()).unwrap();
        assert_eq!(c.database_url, "postgres://u@h/db");
        assert_eq!(c.workers, 3);
        let bad: HashMap<&str, String> = [("SEGNALA_WORKERS", "many".to_string())].into();
        assert!(Config::from_env(|k| bad.get(k).cloned()).is_err());
    }
}
