//! Keeping personal data out of places it must not reach: error texts and
//! logs never carry an email address, and log lines never carry a control
//! character that a client typed (a forged line, a terminal escape).

/// Replaces every email address in `text` by `[email]` (an SMTP server's
/// "550 <maria@example.it>: no such user" is stored and shown without it).
pub fn redact_emails(text: &str) -> String {
    if !text.contains('@') {
        return text.to_string();
    }
    // Anything an address may hold, even quoted; not `=` (log fields are
    // `key=value`, and `to=maria@…` keeps `to=`) nor what delimits a value.
    let is_local = |c: char| c.is_alphanumeric() || "._%+-'!#$&*/?^`{|}~()\\".contains(c);
    let is_domain = |c: char| c.is_alphanumeric() || c == '.' || c == '-';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            // The local part is what `out` ends with; the domain follows.
            let local = out.chars().rev().take_while(|c| is_local(*c)).count();
            let domain = chars[i + 1..].iter().take_while(|c| is_domain(**c)).count();
            let domain_text: String = chars[i + 1..i + 1 + domain].iter().collect();
            if local > 0 && domain_text.trim_end_matches('.').contains('.') {
                let keep = out.chars().count() - local;
                out = out.chars().take(keep).collect();
                out.push_str("[email]");
                // A trailing dot ends the sentence, not the domain.
                if domain_text.ends_with('.') {
                    out.push('.');
                }
                i += 1 + domain;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Characters that break a line or change how it reads: control
/// characters, the Unicode line and paragraph separators, and the
/// bidirectional overrides and isolates (which can make a line display
/// differently from what it says).
fn is_unsafe_in_a_line(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with its control characters (newlines included) and other
/// line-breaking or reordering characters written as escapes, so that one
/// log record is always one line that reads as it is.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_in_a_line) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_in_a_line(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether retention deletes an attachment of a report whose personal data
/// is erased: documents (identity papers, letters) always, and photos the
/// public never saw (withheld, hidden or never reviewed: they may show
/// people); published photos of a published report stay, without names.
pub fn erased_with_reporter(kind: &str, photo_published: bool, report_published: bool) -> bool {
    kind == "document" || !report_published || !photo_published
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_keeps_only_the_published_photos_of_a_published_report() {
        assert!(!erased_with_reporter("image", true, true));
        assert!(erased_with_reporter("image", false, true), "never seen");
        assert!(
            erased_with_reporter("image", true, false),
            "report withheld"
        );
        assert!(erased_with_reporter("document", true, true));
    }

    #[test]
    fn email_addresses_are_redacted() {
        for (input, want) in [
            (
                "SMTP: permanent error (550): 5.1.1 <maria.bianchi@example.it>: Recipient address rejected",
                "SMTP: permanent error (550): 5.1.1 <[email]>: Recipient address rejected",
            ),
            ("write to a.b+c@mail.comune.pisa.it.", "write to [email]."),
            ("two: x@y.it, z@w.org", "two: [email], [email]"),
            ("no address here", "no address here"),
            ("a bare @ sign and user@localhost", "a bare @ sign and user@localhost"),
            ("àèìò@dominio.it", "[email]"),
            ("auth.username=\"mario(x)@gmail.com\"", "auth.username=\"[email]\""),
            ("to=maria@example.it", "to=[email]"),
        ] {
            assert_eq!(redact_emails(input), want, "{input}");
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("mario"), "mario");
        assert_eq!(
            escape_controls("mario\nINFO forged line\r\u{1b}[31m è"),
            "mario\\nINFO forged line\\r\\u{1b}[31m è"
        );
        assert_eq!(
            escape_controls("a\u{2028}b\u{202E}c"),
            "a\\u{2028}b\\u{202e}c"
        );
    }
}
