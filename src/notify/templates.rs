//! Email templates (minijinja), Italian and English: subject, text and HTML.
//! HTML templates are auto-escaped (by their `.html` names).
//!
//! No template quotes what a citizen wrote (title, description, messages):
//! the citizen's address is not confirmed, so anyone could otherwise make the
//! comune send their text — a phishing link on the comune's letterhead — to
//! anyone; and mail clients turn URLs in plain text into links, which staff
//! reading an escalation must not get either. Messages are the code, the
//! category, the office's own words and our links.

use std::sync::OnceLock;

use minijinja::Environment;

const BASE_HTML_HEAD: &str = r#"<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head><body style="font-family:sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a">"#;
const BASE_HTML_FOOT: &str =
    r#"<p style="color:#555;font-size:14px">{{ municipality }} — segnala</p></body></html>"#;

/// What the citizen reads (on the report's page and by e-mail) when a report
/// passes its resolution target.
pub const RESOLUTION_LATE: &str =
    "La risoluzione richiede più tempo del previsto: l'ufficio sta lavorando alla segnalazione.";

/// What a duplicate's timeline says (both languages: it is public).
pub fn already_reported_event(original: &str) -> String {
    format!(
        "La segnalazione era già stata fatta: segui {original} per gli aggiornamenti. / Already reported: follow {original}."
    )
}

/// Why the reports of a deactivated office moved, on their timelines.
pub fn office_deactivated(office: &str) -> String {
    format!("Ufficio {office} disattivato")
}

/// What a re-routed report's timeline says of its new category.
pub fn category_changed_event(from: &str, to: &str) -> String {
    format!("Categoria aggiornata: {from} → {to}")
}

/// What the duplicate's citizen is told.
pub fn already_reported(original: &str) -> String {
    format!("La segnalazione era già stata fatta: segua {original} per gli aggiornamenti.")
}

/// `(name, source)`; the HTML ones get the shared head and foot.
const TEMPLATES: &[(&str, &str)] = &[
    ("it/received.subject", "Segnalazione {{ code }} ricevuta"),
    ("it/received.txt", "Gentile cittadina, gentile cittadino,\n\nabbiamo ricevuto la sua segnalazione {{ code }} ({{ category }}).\nL'ufficio competente ({{ office }}) la prenderà in carico entro {{ due }}.\n\nPuò seguirla, aggiungere informazioni e confermare la risoluzione qui:\n{{ link }}\n\nConservi questo messaggio: il link è personale.\n\n{{ municipality }}\n"),
    ("it/received.html", "<p>Gentile cittadina, gentile cittadino,</p><p>abbiamo ricevuto la sua segnalazione <strong>{{ code }}</strong> ({{ category }}).</p><p>L'ufficio competente ({{ office }}) la prenderà in carico entro {{ due }}.</p><p><a href=\"{{ link }}\">Segua la sua segnalazione</a> — il link è personale, conservi questo messaggio.</p>"),
    ("it/update.subject", "Segnalazione {{ code }}: {{ status }}"),
    ("it/update.txt", "Gentile cittadina, gentile cittadino,\n\nla sua segnalazione {{ code }} ({{ category }}) è ora: {{ status }}.\n{% if message %}\nMessaggio dell'ufficio ({{ office }}):\n{{ message }}\n{% endif %}\nDettagli: {{ link }}\n\n{{ municipality }}\n"),
    ("it/update.html", "<p>Gentile cittadina, gentile cittadino,</p><p>la sua segnalazione <strong>{{ code }}</strong> ({{ category }}) è ora: <strong>{{ status }}</strong>.</p>{% if message %}<p>Messaggio dell'ufficio ({{ office }}):</p><blockquote>{{ message }}</blockquote>{% endif %}<p><a href=\"{{ link }}\">Vedi la segnalazione</a></p>"),
    ("it/escalation.subject", "[segnala] {{ code }} non presa in carico entro la scadenza{% if level > 1 %} (livello {{ level }}){% endif %}"),
    ("it/escalation.txt", "La segnalazione {{ code }} ({{ category }}) doveva essere presa in carico da {{ office }} entro {{ due }} e non lo è ancora.\nLivello di escalation: {{ level }}.\n\n{{ link }}\n"),
    ("it/escalation.html", "<p>La segnalazione <strong>{{ code }}</strong> ({{ category }}) doveva essere presa in carico da {{ office }} entro {{ due }} e non lo è ancora.</p><p>Livello di escalation: {{ level }}.</p><p><a href=\"{{ link }}\">Apri la segnalazione</a></p>"),
    ("en/received.subject", "Report {{ code }} received"),
    ("en/received.txt", "Dear citizen,\n\nwe received your report {{ code }} ({{ category }}).\nThe competent office ({{ office }}) will take it in charge by {{ due }}.\n\nFollow it, add information and confirm the fix here:\n{{ link }}\n\nKeep this message: the link is personal.\n\n{{ municipality }}\n"),
    ("en/received.html", "<p>Dear citizen,</p><p>we received your report <strong>{{ code }}</strong> ({{ category }}).</p><p>The competent office ({{ office }}) will take it in charge by {{ due }}.</p><p><a href=\"{{ link }}\">Follow your report</a> — the link is personal, keep this message.</p>"),
    ("en/update.subject", "Report {{ code }}: {{ status }}"),
    ("en/update.txt", "Dear citizen,\n\nyour report {{ code }} ({{ category }}) is now: {{ status }}.\n{% if message %}\nMessage from the office ({{ office }}):\n{{ message }}\n{% endif %}\nDetails: {{ link }}\n\n{{ municipality }}\n"),
    ("en/update.html", "<p>Dear citizen,</p><p>your report <strong>{{ code }}</strong> ({{ category }}) is now: <strong>{{ status }}</strong>.</p>{% if message %}<p>Message from the office ({{ office }}):</p><blockquote>{{ message }}</blockquote>{% endif %}<p><a href=\"{{ link }}\">See the report</a></p>"),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            let source: &'static str = if name.ends_with(".html") {
                Box::leak(format!("{BASE_HTML_HEAD}{source}{BASE_HTML_FOOT}").into_boxed_str())
            } else {
                source
            };
            env.add_template(name, source)
                .expect("valid built-in template");
        }
        env
    })
}

/// A rendered email.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders `kind` (`received`, `update`, `escalation`) in `lang` (`it` or `en`;
/// escalations are always Italian, they go to staff).
pub fn render(
    kind: &str,
    lang: &str,
    ctx: &serde_json::Value,
) -> Result<Rendered, minijinja::Error> {
    let lang = if kind == "escalation" || lang != "en" {
        "it"
    } else {
        "en"
    };
    let get = |part: &str| env().get_template(&format!("{lang}/{kind}.{part}"));
    let subject = get("subject")?.render(ctx)?;
    let mut with_subject = ctx.clone();
    with_subject["subject"] = serde_json::Value::String(subject.clone());
    with_subject["lang"] = serde_json::Value::String(lang.into());
    Ok(Rendered {
        text: get("txt")?.render(&with_subject)?,
        html: get("html")?.render(&with_subject)?,
        subject,
    })
}

/// The public message of a report that closes by itself when nobody reopened
/// it in time.
pub const AUTO_CLOSED: &str = "Chiusa: la segnalazione risolta non è stata riaperta entro il tempo previsto. / Closed: the resolved report was not reopened in time.";

/// Italian and English labels of a status, for citizens.
pub fn status_label(status: &str, lang: &str) -> &'static str {
    match (status, lang) {
        ("new", "en") => "received",
        ("taken_in", "en") => "taken in charge",
        ("in_progress", "en") => "in progress",
        ("resolved", "en") => "resolved",
        ("closed", "en") => "closed",
        ("rejected", "en") => "rejected",
        ("not_competent", "en") => "being checked",
        ("new", _) => "ricevuta",
        ("taken_in", _) => "presa in carico",
        ("in_progress", _) => "in lavorazione",
        ("resolved", _) => "risolta",
        ("closed", _) => "chiusa",
        ("rejected", _) => "respinta",
        ("not_competent", _) => "in verifica",
        _ => "aggiornata",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn italian_and_english_with_escaping() {
        let ctx = json!({"code": "PI-2026-000001", "title": "Buca", "category": "Buche & Strade", "office": "Strade",
            "due": "lunedì 7 dicembre 2026, 16:00", "link": "https://x/segnalazioni/PI-2026-000001?token=abc", "municipality": "Comune di Pisa",
            "status": "presa in carico", "message": "<b>Arriviamo</b> domani"});
        let it = render("received", "it", &ctx).unwrap();
        assert_eq!(it.subject, "Segnalazione PI-2026-000001 ricevuta");
        assert!(it
            .text
            .contains("https://x/segnalazioni/PI-2026-000001?token=abc"));
        assert!(
            it.html.contains("Buche &amp; Strade"),
            "HTML is escaped: {}",
            it.html
        );
        let update = render("update", "it", &ctx).unwrap();
        assert!(
            update.html.contains("&lt;b&gt;Arriviamo") && !update.html.contains("<b>Arriviamo"),
            "HTML is escaped: {}",
            update.html
        );
        assert!(it.html.starts_with("<!doctype html><html lang=\"it\">"));
        let en = render("update", "en", &ctx).unwrap();
        assert_eq!(en.subject, "Report PI-2026-000001: presa in carico");
        assert!(
            en.text.contains("<b>Arriviamo</b> domani"),
            "plain text is not escaped"
        );
        let esc = render("escalation", "en", &json!({"code": "X", "level": 2, "title": "t", "category": "c", "office": "o", "due": "d", "link": "l"})).unwrap();
        assert!(esc.subject.contains("livello 2"));
    }

    #[test]
    fn no_template_quotes_the_citizen() {
        let ctx = json!({"code": "PI-2026-000001", "title": "Premio! https://phish.example/login", "category": "Buche",
            "office": "Strade", "due": "d", "link": "https://x/s", "municipality": "Comune di Pisa", "status": "s",
            "message": null, "level": 1});
        for kind in ["received", "update", "escalation"] {
            for lang in ["it", "en"] {
                let r = render(kind, lang, &ctx).unwrap();
                for part in [&r.subject, &r.text, &r.html] {
                    assert!(
                        !part.contains("phish") && !part.contains("Premio"),
                        "{kind}/{lang}: {part}"
                    );
                }
            }
        }
    }
}
