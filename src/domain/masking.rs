//! What the public never reads in a citizen's words: e-mail addresses, phone
//! numbers, codici fiscali, licence plates, IBANs and links are replaced by
//! [`MARKER`] wherever a report's text is shown to the public (the API, the
//! map, Open311, the public page). Staff and the citizen, with the tracking
//! token, read the original.
//!
//! Each kind is a pattern and, where a pattern alone would also catch
//! ordinary text, a check on the match: an IBAN must pass its mod-97
//! checksum, a phone number must have the length of an Italian number and
//! not be a date, a decimal or a thousands-grouped amount, an old plate must
//! start with a province's acronym. Street numbers, dates, times, postcodes
//! and report codes are left alone.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What replaces a hidden value.
pub const MARKER: &str = "[dato nascosto]";

/// The acronyms of the provinces (and `ROMA`, written in full on plates
/// until 1994), which begin the plates issued before 1994.
const PROVINCES: &str = "AG|AL|AN|AO|AP|AQ|AR|AT|AV|BA|BG|BI|BL|BN|BO|BR|BS|BT|BZ|CA|CB|CE|CH|CI|CL|CN|CO|CR|CS|CT|CZ|EN|FC|FE|FG|FI|FM|FO|FR|GE|GO|GR|IM|IS|KR|LC|LE|LI|LO|LT|LU|MB|MC|ME|MI|MN|MO|MS|MT|NA|NO|NU|OG|OR|OT|PA|PC|PD|PE|PG|PI|PN|PO|PR|PS|PT|PU|PV|PZ|RA|RC|RE|RG|RI|RM|RN|RO|ROMA|SA|SI|SO|SP|SR|SS|SU|SV|TA|TE|TN|TO|TP|TR|TS|TV|UD|VA|VB|VC|VE|VI|VR|VS|VT|VV";

struct Rule {
    pattern: Regex,
    /// Whether a match is really a value to hide.
    confirm: fn(&str) -> bool,
}

fn always(_: &str) -> bool {
    true
}

fn rules() -> &'static [Rule] {
    static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
        let rule = |pattern: &str, confirm: fn(&str) -> bool| Rule {
            pattern: Regex::new(pattern).expect("masking pattern"),
            confirm,
        };
        vec![
            // Links first: an address inside a link goes with it.
            rule(
                r#"(?i)\b(?:https?://|www\.)[^\s<>"']*[^\s<>"'.,;:!?)\]]"#,
                always,
            ),
            rule(
                r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
                always,
            ),
            // An IBAN in one piece or in groups of four.
            rule(r"(?i)\b[a-z]{2}\d{2}[a-z0-9]{11,30}\b", is_iban),
            rule(
                r"(?i)\b[a-z]{2}\d{2}(?: [a-z0-9]{4}){2,7}(?: [a-z0-9]{1,4})?\b",
                is_iban,
            ),
            // Codice fiscale, omocodia included (digits replaced by letters).
            rule(
                r"(?i)\b[a-z]{6}[0-9lmnpqrstuv]{2}[abcdehlmprst][0-9lmnpqrstuv]{2}[a-z][0-9lmnpqrstuv]{3}[a-z]\b",
                always,
            ),
            // Plates since 1994: AB123CD in any case, AB 123 CD / AB-123-CD in
            // capitals (in lower case, "al 100 km" would be one).
            rule(r"(?i)\b[a-hj-npr-tv-z]{2}\d{3}[a-hj-npr-tv-z]{2}\b", always),
            rule(
                r"\b[A-HJ-NPR-TV-Z]{2}[ -]\d{3}[ -][A-HJ-NPR-TV-Z]{2}\b",
                always,
            ),
            // Plates before 1994: a province and six characters, mostly digits.
            rule(
                &format!(r"\b(?:{PROVINCES})[ -]?[0-9A-Z]{{6}}\b"),
                is_old_plate,
            ),
            // Phone numbers: +39/0039, then a landline (0…) or a mobile (3…).
            rule(
                r"(?:(?:\+|\b00)39[ ./-]?|\b)[03]\d{1,4}(?:[ ./-]?\d{2,5}){0,4}\b",
                is_phone,
            ),
        ]
    });
    &RULES
}

/// The text with every personal value replaced by [`MARKER`].
pub fn mask(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for rule in rules() {
        let replaced = rule.pattern.replace_all(&out, |c: &Captures| {
            let m = &c[0];
            if (rule.confirm)(m) {
                MARKER.to_string()
            } else {
                m.to_string()
            }
        });
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
    }
    out
}

/// Whether any part of the text would be hidden.
pub fn has_personal_data(text: &str) -> bool {
    matches!(mask(text), Cow::Owned(ref s) if s != text)
}

fn is_iban(s: &str) -> bool {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    remainder == 1
}

fn is_old_plate(s: &str) -> bool {
    let serial = &s[s.len() - 6..];
    serial.chars().filter(char::is_ascii_digit).count() >= 4
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,2})[ ./-](\d{1,2})[ ./-](\d{2}|\d{4})$").expect("date pattern")
});
static DECIMAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}\.\d+$").expect("decimal pattern"));
static THOUSANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,3}(?:\.\d{3})+$").expect("thousands pattern"));

fn is_phone(s: &str) -> bool {
    let international = s.starts_with('+') || s.starts_with("0039");
    let national = if let Some(rest) = s.strip_prefix("+39") {
        rest
    } else if let Some(rest) = s.strip_prefix("0039") {
        rest
    } else {
        s
    };
    let national = national.trim_start_matches([' ', '.', '/', '-']);
    if !international {
        if let Some(d) = DATE.captures(national) {
            let day: u32 = d[1].parse().unwrap_or(0);
            let month: u32 = d[2].parse().unwrap_or(0);
            if (1..=31).contains(&day) && (1..=12).contains(&month) {
                return false;
            }
        }
        if DECIMAL.is_match(national) || THOUSANDS.is_match(national) {
            return false;
        }
    }
    let digits = national.chars().filter(char::is_ascii_digit).count();
    match national.chars().next() {
        // Mobiles have 9 or 10 digits, landlines 6 to 11 with their prefix
        // (8 at least in practice: a shorter run is a code or a number).
        Some('3') => (9..=10).contains(&digits),
        Some('0') => (8..=11).contains(&digits),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIDDEN: &[(&str, &str)] = &[
        // e-mail
        (
            "scrivete a mario.rossi@gmail.com grazie",
            "scrivete a [dato nascosto] grazie",
        ),
        ("MARIO_ROSSI+buche@Comune.Pisa.IT", "[dato nascosto]"),
        ("(anna.bianchi@pec.it)", "([dato nascosto])"),
        // links
        (
            "vedi https://www.facebook.com/mario.rossi.123 per le foto",
            "vedi [dato nascosto] per le foto",
        ),
        (
            "foto su www.instagram.com/anna_b.",
            "foto su [dato nascosto].",
        ),
        ("http://example.org/a?b=c&d=e, poi", "[dato nascosto], poi"),
        // mobiles
        ("chiamatemi al 3331234567", "chiamatemi al [dato nascosto]"),
        (
            "cell. 333 123 4567 dopo le 18",
            "cell. [dato nascosto] dopo le 18",
        ),
        ("tel 347-1234567", "tel [dato nascosto]"),
        ("+39 333 1234567", "[dato nascosto]"),
        ("+393331234567", "[dato nascosto]"),
        ("0039 340.123.4567", "[dato nascosto]"),
        ("numero 320 12 34 567", "numero [dato nascosto]"),
        // landlines
        (
            "il vicino risponde allo 050 910111",
            "il vicino risponde allo [dato nascosto]",
        ),
        ("tel. 050/910111", "tel. [dato nascosto]"),
        ("02 12345678 (Milano)", "[dato nascosto] (Milano)"),
        ("+39 06 6710 1234", "[dato nascosto]"),
        ("0584 123456", "[dato nascosto]"),
        // codici fiscali
        ("CF RSSMRA80A01G702X", "CF [dato nascosto]"),
        ("cf rssmra80a01g702x", "cf [dato nascosto]"),
        ("omocodia RSSMRAURALMG7Q2X", "omocodia [dato nascosto]"),
        // plates, current and old formats
        (
            "auto targata AB123CD da mesi",
            "auto targata [dato nascosto] da mesi",
        ),
        ("targa ab123cd", "targa [dato nascosto]"),
        ("targa AB 123 CD", "targa [dato nascosto]"),
        ("targa FX-456-KL", "targa [dato nascosto]"),
        ("vecchia PI 123456", "vecchia [dato nascosto]"),
        ("vecchia MI A12345", "vecchia [dato nascosto]"),
        ("vecchia ROMA 12345H", "vecchia [dato nascosto]"),
        ("vecchia FI1A2345", "vecchia [dato nascosto]"),
        // IBAN
        ("IBAN IT60X0542811101000000123456", "IBAN [dato nascosto]"),
        ("IT60 X054 2811 1010 0000 0123 456", "[dato nascosto]"),
        ("de DE89370400440532013000 ok", "de [dato nascosto] ok"),
        // several in one text
        (
            "Rossi (333 1234567, rossi@libero.it) ha parcheggiato AB123CD",
            "Rossi ([dato nascosto], [dato nascosto]) ha parcheggiato [dato nascosto]",
        ),
    ];

    const KEPT: &[&str] = &[
        "buca davanti al civico 12 di via Roma",
        "via Garibaldi 123, 56127 Pisa (PI)",
        "lampione spento dal 03/12/2026 alle 21:30",
        "dal 3.12.2026, poi il 12-03-2026 e il 2026-12-03",
        "segnalazione PI-2026-000123 già fatta",
        "vedi anche PI-2026-0301234",
        "coordinate 43.7167, 10.4000 e 37.5079123, 15.0830456",
        "danni per 3.000.000 di euro, 30.000.000 in tutto",
        "dalle 8 alle 18, lunedì-venerdì",
        "a 100 km da qui, al km 12+300 della SS1",
        "al 100 km da qui",
        "numero verde 800 123456",
        "partita IVA? No: solo il civico 30/A",
        "la linea 3 passa ogni 15 minuti",
        "via XX Settembre 1848",
        "il 2 giugno 1946, 75 anni fa",
        "ore 10.30, 11.45",
        "anno 2025, 2026",
        "A12 uscita Pisa Centro",
        "Pisa 56127",
        "IT60X0542811101000000123457 non ha il codice di controllo giusto",
    ];

    #[test]
    fn hides_real_italian_formats() {
        for (input, expected) in HIDDEN {
            assert_eq!(mask(input), *expected, "input: {input}");
            assert!(has_personal_data(input), "{input}");
        }
    }

    #[test]
    fn keeps_ordinary_text() {
        for input in KEPT {
            assert_eq!(mask(input), *input, "input: {input}");
            assert!(!has_personal_data(input), "{input}");
        }
    }

    #[test]
    fn text_without_anything_to_hide_is_not_copied() {
        assert!(matches!(mask("buca in via Roma"), Cow::Borrowed(_)));
    }

    #[test]
    fn masking_twice_changes_nothing_more() {
        for (input, _) in HIDDEN {
            let once = mask(input).into_owned();
            assert_eq!(mask(&once), once);
        }
    }
}
