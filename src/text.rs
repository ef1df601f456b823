//! Text from outside (files, stdin, arguments): read in bounded lines, and echoed back safely.

use std::fmt::Write as _;
use std::io::{self, BufRead, Read};

/// Characters of an echoed value shown before it is cut short.
pub const SHOWN_CHARS: usize = 80;

/// `value` made safe to put in a message for a terminal: control characters, Unicode line
/// separators and bidirectional overrides become visible escapes (`\x1b`, `\u{202e}`), a
/// backslash is doubled so that no escape is ambiguous, and anything past [`SHOWN_CHARS`]
/// characters is cut and replaced by `…`. Every message that echoes outside input uses it.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    for (index, c) in value.chars().enumerate() {
        if index == SHOWN_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x100 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if disturbs_terminal(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` would act on a terminal instead of showing: a control character, a Unicode line
/// or paragraph separator, or a mark that reorders text (bidirectional overrides and isolates).
fn disturbs_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Why a bounded line could not be read.
#[derive(Debug)]
pub enum LineError {
    /// More than the limit of bytes came before the end of the line.
    TooLong,
    /// The reader failed.
    Io(io::Error),
}

/// Reads one line of at most `limit` bytes (not counting its `\n` or `\r\n`, which are removed)
/// into `line`, replacing what it held; `Ok(false)` at the end of the input. Never holds more
/// than `limit + 2` bytes, whatever the input, and `line` is not reallocated when it already
/// has that capacity (so that a secret read into it leaves no stray copy).
pub fn read_line(reader: &mut impl BufRead, limit: usize, line: &mut Vec<u8>) -> Result<bool, LineError> {
    line.clear();
    let most = limit.saturating_add(2);
    let read = reader
        .take(most as u64)
        .read_until(b'\n', line)
        .map_err(LineError::Io)?;
    if read == 0 {
        return Ok(false);
    }
    let ended = line.last() == Some(&b'\n');
    if ended {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    if line.len() > limit || (!ended && read == most) {
        return Err(LineError::TooLong);
    }
    Ok(true)
}

/// A time as tables and messages show it: UTC, to the second.
pub fn format_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The one boolean syntax of authctl, for settings and import columns alike: `true`/`false`,
/// `1`/`0` or `yes`/`no`, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_controls_and_cuts_long_values() {
        assert_eq!(shown("ada@example.com"), "ada@example.com");
        assert_eq!(shown("a\u{1b}[31mb\u{7}\0\r\n"), "a\\x1b[31mb\\x07\\x00\\x0d\\x0a");
        assert_eq!(shown("\u{9b}x\u{202e}y\u{2028}"), "\\x9bx\\u{202e}y\\u{2028}");
        assert_eq!(shown("back\\x1b"), "back\\\\x1b");
        assert_eq!(shown("ｄé"), "ｄé");
        let long = "é".repeat(1_000_000);
        let cut = shown(&long);
        assert_eq!(cut.chars().count(), SHOWN_CHARS + 1);
        assert!(cut.ends_with("é…"));
        assert_eq!(shown(&"x".repeat(SHOWN_CHARS)), "x".repeat(SHOWN_CHARS));
    }

    #[test]
    fn lines_are_bounded() {
        let mut line = Vec::new();
        let mut input = "one\r\ntwo\nthree".as_bytes();
        let mut lines = vec![];
        while read_line(&mut input, 5, &mut line).unwrap() {
            lines.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(lines, ["one", "two", "three"]);

        let mut exact = "12345\r\n123456".as_bytes();
        assert!(read_line(&mut exact, 5, &mut line).unwrap());
        assert!(matches!(read_line(&mut exact, 5, &mut line), Err(LineError::TooLong)));

        let mut zeros = io::BufReader::new(io::repeat(0));
        assert!(matches!(
            read_line(&mut zeros, 4096, &mut line),
            Err(LineError::TooLong)
        ));
        assert!(line.len() <= 4098);
    }
}
