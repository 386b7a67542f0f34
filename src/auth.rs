//! Staff authentication: argon2id password hashes and short-lived HS256 JWTs.
//!
//! The JWT secret comes from the configuration (`SEGNALA_JWT_SECRET` or
//! `SEGNALA_JWT_SECRET_FILE`); with none configured, one is generated on first
//! start and kept (mode 0600) in the data directory. Several instances behind
//! one load balancer must share a configured secret.

use std::path::Path;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};

pub const MIN_PASSWORD_CHARS: usize = 10;

/// Letters and digits that cannot be misread for one another when a
/// password is read aloud or copied by hand (no 0/o, 1/l/i).
pub const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Characters of a generated password: 18 from 31 symbols, 89 bits.
pub const PASSWORD_CHARS: usize = 18;

/// A random password in three groups of six (`k7mpq2-x9fh4t-…`), from the
/// operating system's generator.
pub fn random_password() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let mut out = String::with_capacity(PASSWORD_CHARS + 2);
    for i in 0..PASSWORD_CHARS {
        if i > 0 && i % 6 == 0 {
            out.push('-');
        }
        out.push(PASSWORD_ALPHABET[rng.gen_range(0..PASSWORD_ALPHABET.len())] as char);
    }
    out
}

pub fn hash_password(password: &str) -> AppResult<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::field(
            "password",
            ErrorCode::TooShort,
            format!("passwords have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("hashing: {e}")))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that timing does
/// not tell which usernames exist.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's token version: bumped by a password change or a disable.
    pub ver: i32,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signing and verifying keys.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl Keys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
        }
    }

    /// Loads the configured secret, or the generated one in the data directory.
    pub fn from_config(config: &Config) -> AppResult<Self> {
        let secret = match &config.jwt_secret {
            Some(s) if s.len() >= 32 => s.as_bytes().to_vec(),
            Some(_) => {
                return Err(AppError::internal(
                    "the JWT secret must be at least 32 characters",
                ))
            }
            None => generated_secret(&config.data_dir)?,
        };
        Ok(Self::new(&secret, config.jwt_ttl_seconds))
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: &str,
        version: i32,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            ver: version,
            role: role.to_string(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_seconds,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing: {e}")))
    }

    /// Checks signature (HS256 only: `alg: none` and others are refused) and expiry.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

fn generated_secret(dir: &Path) -> AppResult<Vec<u8>> {
    let path = dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let trimmed = existing.trim();
        if trimmed.len() >= 32 {
            return Ok(trimmed.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::internal(format!("{}: {e}", dir.display())))?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    write_private(&path, &secret)
        .map_err(|e| AppError::internal(format!("{}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "generated a JWT secret (configure SEGNALA_JWT_SECRET_FILE when running several instances)");
    Ok(secret.into_bytes())
}

pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_and_short_ones_are_refused() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "wrong horse battery"));
        assert!(hash_password("short").is_err());
        assert!(!verify_password("garbage", "x"));
    }

    #[test]
    fn tokens_are_checked() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef", 60);
        let now = Utc::now();
        let t = keys.issue("u1", "office", 3, now).unwrap();
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.ver), ("u1", 3));
        let other = Keys::new(b"another-secret-another-secret-xx", 60);
        assert!(other.verify(&t).is_none(), "wrong key");
        let expired = keys
            .issue("u1", "office", 3, now - chrono::Duration::seconds(120))
            .unwrap();
        assert!(keys.verify(&expired).is_none(), "expired");
        let mut tampered = t.clone();
        tampered.insert(tampered.find('.').unwrap() + 2, 'x');
        assert!(keys.verify(&tampered).is_none(), "tampered");
    }
}
