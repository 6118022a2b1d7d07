//! Control characters (U+0000 NUL and the rest of C0, DEL, C1): PostgreSQL refuses NUL in text,
//! SQLite stores it, and no person means any of them. One rule for both backends, applied at the
//! edge: what a gateway brings is stored with them removed (a provider whose message is refused
//! sends it again forever); what a staff member or a tool sends is refused with a 400.

use std::borrow::Cow;

/// Whether `c` is a control character loa does not keep. Tab, line feed and carriage return
/// are text.
pub fn is_unwanted_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `text` without its unwanted control characters (borrowed when it has none).
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unwanted_control) {
        Cow::Owned(text.chars().filter(|c| !is_unwanted_control(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// The first unwanted control character in `text`, as `U+0000`, to name in a refusal.
pub fn first_control(text: &str) -> Option<String> {
    text.chars()
        .find(|c| is_unwanted_control(*c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

/// A cell as a CSV export writes it: text that a spreadsheet would run as a formula (`=`, `+`,
/// `-`, `@` first, or a tab or carriage return first) gets a leading `'`, which spreadsheets
/// show as text. Every CSV export goes through this.
pub fn csv_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_looking_cells_are_neutralised() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+84912001001"), "'+84912001001");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Hộ CG-0001"), "Hộ CG-0001");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn nul_and_other_controls_go_and_whitespace_stays() {
        assert_eq!(strip_controls("H\u{0}D\u{7f}\u{85}\u{1b}"), "HD");
        assert_eq!(strip_controls("a\tb\nc\rd"), "a\tb\nc\rd");
        assert!(matches!(strip_controls("Hủy"), Cow::Borrowed(_)));
        assert_eq!(first_control("ok\u{0}"), Some("U+0000".into()));
        assert_eq!(first_control("ok\n"), None);
    }
}
