//! Keeping people informed. `plan` decides, inside the transaction of each
//! change, what to tell whom and writes it to the outbox (email to the
//! citizen, a callback task for a citizen with only a phone, a webhook to the
//! office's own system, email to supervisors on escalation); `deliver` sends
//! an outbox row through lettre (SMTP, or `.eml` files by default) or reqwest.

pub mod deliver;
pub mod destinations;
pub mod plan;
pub mod templates;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The Message-ID of an email, derived from its dedupe key: a resend after a
/// crash carries the same one, so it is recognisable as a duplicate.
pub fn message_id(dedupe_key: &str) -> String {
    let digest = hex::encode(Sha256::digest(dedupe_key.as_bytes()));
    format!("<{}@segnala>", &digest[..32])
}

/// `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>").
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_per_key() {
        assert_eq!(message_id("a"), message_id("a"));
        assert_ne!(message_id("a"), message_id("b"));
        assert!(message_id("a").starts_with('<') && message_id("a").ends_with("@segnala>"));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // Computed independently: Python's hmac.new(b"key",
        // b'1700000000.{"report":"PI-2026-000001"}', hashlib.sha256).hexdigest()
        assert_eq!(
            webhook_signature("key", 1_700_000_000, br#"{"report":"PI-2026-000001"}"#),
            "sha256=4d719130f697aa0ec171ec343fb2ae36511318686b528adf3976d32a82813dbe"
        );
        assert_ne!(
            webhook_signature("key", 1_700_000_001, br#"{"report":"PI-2026-000001"}"#),
            webhook_signature("key", 1_700_000_000, br#"{"report":"PI-2026-000001"}"#),
            "the timestamp is signed"
        );
    }
}
