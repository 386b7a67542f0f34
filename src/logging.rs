//! Logs: one record per line, whatever a client typed, and no email address
//! at any level. Every record passes through [`SafeLines`] on its way out,
//! which escapes control characters (a username with a newline cannot forge
//! a second record, an escape sequence cannot reach a terminal) and redacts
//! email addresses (an SMTP error quoting the recipient, a username that is
//! an address), so no call site has to remember to.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::config::Config;
use crate::domain::privacy::{escape_controls, redact_emails};

/// Wraps a writer factory so that every record is made safe.
pub struct SafeLines<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for SafeLines<M> {
    type Writer = SafeLine<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        SafeLine(self.0.make_writer())
    }
}

/// One record's writer. The formatter writes each record in one call,
/// ending with its newline; everything before that newline is the record.
pub struct SafeLine<W>(W);

impl<W: Write> Write for SafeLine<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (record, newline) = match text.strip_suffix('\n') {
            Some(record) => (record, true),
            None => (&*text, false),
        };
        let mut safe = redact_emails(&escape_controls(record));
        if newline {
            safe.push('\n');
        }
        // One write: records from other threads cannot land in between.
        self.0.write_all(safe.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Installs the process's subscriber: `SEGNALA_LOG` filters (default
/// `info`), `text` or `json` lines on standard output, without colours.
pub fn init(config: &Config) {
    use tracing_subscriber::fmt::format::FmtSpan;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SEGNALA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(SafeLines(io::stdout));
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_stays_one_line_without_addresses() {
        let mut out = Vec::new();
        let mut line = SafeLine(&mut out);
        line.write_all(
            b"WARN login failed auth.username=mario\nINFO forged\x1b[31m to=maria@example.it\n",
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "WARN login failed auth.username=mario\\nINFO forged\\u{1b}[31m to=[email]\n"
        );
        assert_eq!(text.lines().count(), 1);
    }
}
