//! The citizen's receipt as a PDF: one A4 page of text in Helvetica.
//!
//! Written by hand on purpose: a standard-14 font needs no embedding, and one
//! page of text is ~100 lines of PDF syntax, where a PDF crate would bring
//! font subsetting and image codecs we do not use.

/// What the receipt says, already formatted.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub municipality: String,
    pub code: String,
    /// `(label, value)` lines, in order.
    pub fields: Vec<(String, String)>,
    pub footer: String,
}

/// UTF-8 to a PDF string literal in WinAnsiEncoding (Italian accents
/// included); characters it cannot represent become `?`.
fn pdf_string(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        let byte = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '…' => 0x85,
            '—' => 0x97,
            _ => b'?',
        };
        out.push(byte);
    }
    out.push(b')');
    out
}

/// Splits text into lines of at most `width` characters, at spaces (words
/// longer than a line, such as links, are cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        let words = paragraph.split_whitespace().flat_map(|w| {
            let chars: Vec<char> = w.chars().collect();
            chars
                .chunks(width.max(1))
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
        });
        for word in words {
            let word = word.as_str();
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// Renders the receipt.
pub fn pdf(r: &Receipt) -> Vec<u8> {
    let mut content: Vec<u8> = Vec::new();
    let mut y = 800;
    let text = |content: &mut Vec<u8>, font: &str, size: u32, x: u32, y: i32, s: &str| {
        content.extend_from_slice(format!("BT /{font} {size} Tf {x} {y} Td ").as_bytes());
        content.extend_from_slice(&pdf_string(s));
        content.extend_from_slice(b" Tj ET\n");
    };
    text(&mut content, "F2", 18, 56, y, "Ricevuta di segnalazione");
    y -= 22;
    text(&mut content, "F1", 12, 56, y, &r.municipality);
    y -= 30;
    text(
        &mut content,
        "F2",
        14,
        56,
        y,
        &format!("Codice: {}", r.code),
    );
    y -= 28;
    // The body stops above the footer; a field that does not fit is cut with "…".
    const BOTTOM: i32 = 130;
    'fields: for (label, value) in &r.fields {
        if y < BOTTOM {
            break;
        }
        text(&mut content, "F2", 11, 56, y, label);
        for (i, line) in wrap(value, 62).iter().enumerate() {
            if y < BOTTOM + 14 && i > 0 {
                text(&mut content, "F1", 11, 200, y, "…");
                y -= 22;
                continue 'fields;
            }
            text(&mut content, "F1", 11, 200, y, line);
            y -= 14;
        }
        y -= 8;
    }
    for (i, line) in wrap(&r.footer, 90).iter().enumerate() {
        text(&mut content, "F1", 9, 56, 90 - (i as i32) * 12, line);
    }

    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_vec(),
        [format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(), content, b"\nendstream".to_vec()].concat(),
        [b"<< /Title ".to_vec(), pdf_string(&format!("Ricevuta {}", r.code)), b" /Producer (segnala) >>".to_vec()].concat(),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Receipt {
        Receipt {
            municipality: "Comune di Pisa".into(),
            code: "PI-2026-000001".into(),
            fields: vec![
                ("Tipo".into(), "Buche e dissesti stradali".into()),
                (
                    "Descrizione".into(),
                    "Una buca (profonda) in città, vicino all'università — pericolosa ".repeat(4),
                ),
            ],
            footer: "Le informazioni fornite hanno valore di dichiarazione.".into(),
        }
    }

    #[test]
    fn a_well_formed_single_page() {
        let bytes = pdf(&sample());
        assert!(bytes.starts_with(b"%PDF-1.4"));
        assert!(bytes.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("(Codice: PI-2026-000001)"));
        assert!(text.contains("\\(profonda\\)"), "parentheses are escaped");
        // The xref offsets (in bytes) point at the objects.
        let tail = String::from_utf8(bytes[bytes.len() - 40..].to_vec()).unwrap();
        let xref_at: usize = tail
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(bytes[xref_at..].starts_with(b"xref"));
        let table = String::from_utf8(bytes[xref_at..].to_vec()).unwrap();
        let first_obj: usize = table.lines().nth(3).unwrap()[..10].parse().unwrap();
        assert!(bytes[first_obj..].starts_with(b"1 0 obj"));
    }

    #[test]
    fn italian_letters_use_winansi() {
        assert_eq!(pdf_string("città"), b"(citt\xe0)".to_vec());
        assert_eq!(pdf_string("€ ✓"), b"(\x80 ?)".to_vec());
    }

    #[test]
    fn a_long_description_stays_on_the_page() {
        let mut r = sample();
        r.fields
            .insert(0, ("Descrizione".into(), "parola ".repeat(700)));
        r.fields
            .push(("Ufficio".into(), "Manutenzione strade".into()));
        let bytes = pdf(&r);
        let text = String::from_utf8_lossy(&bytes);
        // No text is placed below the footer area.
        for y in text
            .split(" Td ")
            .filter_map(|chunk| chunk.rsplit(' ').next()?.parse::<i32>().ok())
        {
            assert!(y >= 60, "text at y={y}");
        }
        assert!(
            text.contains('\u{2026}') || bytes.windows(1).any(|w| w == [0x85]),
            "the cut is marked"
        );
    }

    #[test]
    fn long_text_wraps() {
        let lines = wrap(&"parola ".repeat(40), 30);
        assert!(lines.len() > 5 && lines.iter().all(|l| l.chars().count() <= 30));
    }
}
