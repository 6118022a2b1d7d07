//! Support records in words, shared by the SMS `TT` reply, the USSD screens and the change notices.

use crate::features::catalogue;
use crate::i18n::{Locales, Msg};

use super::{RecordView, Status};

/// A rejection reason typed by an office may be long; an SMS carries its start.
const REASON_CHARS: usize = 40;

fn with_separators(lang: &str, digits: &str) -> String {
    let sep = if lang == "en" { ',' } else { '.' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `40000000000` thousandths of VND → `40.000.000đ` (vi) or `40,000,000 VND` (en).
pub fn amount(locales: &Locales, lang: &str, milli: i64, unit: &str) -> String {
    let int = with_separators(lang, &(milli / 1000).to_string());
    let frac = format!("{:03}", milli % 1000);
    let frac = frac.trim_end_matches('0');
    let n = if frac.is_empty() {
        int
    } else {
        format!("{int}{}{frac}", if lang == "en" { '.' } else { ',' })
    };
    let msg = match unit {
        "VND" => Msg::new("unit-vnd"),
        "kg" => Msg::new("unit-kg"),
        "m2" => Msg::new("unit-m2"),
        _ => Msg::new("unit-ha"),
    };
    locales.render(lang, &msg.arg("n", n))
}

/// The catalogue's short name of a content, or its code when the catalogue has none.
pub fn content_name(locales: &Locales, lang: &str, code: &str) -> String {
    catalogue::get(code)
        .map(|e| locales.render(lang, &e.short()))
        .unwrap_or_else(|| code.to_string())
}

/// The start of a rejection reason, cut at a word with "…".
pub fn short_reason(reason: Option<&str>) -> String {
    let r = reason.unwrap_or("").trim();
    if r.chars().count() <= REASON_CHARS {
        r.to_string()
    } else {
        let cut: String = r.chars().take(REASON_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Whether a content is handed over as goods (rice counted in kg) rather than paid: its
/// disbursement reads "đã cấp" (delivered), not "đã giải ngân".
pub fn is_goods(content_code: &str, unit: Option<&str>) -> bool {
    let rice =
        catalogue::get(content_code).is_some_and(|e| e.expects == Some(catalogue::Expects::Rice));
    rice || unit == Some("kg")
}

/// The fluent id of a record's status word.
pub fn status_id(status: Status, content_code: &str, unit: Option<&str>) -> &'static str {
    if status == Status::Disbursed && is_goods(content_code, unit) {
        crate::i18n::msg_id("support-status-delivered")
    } else {
        status.msg_id()
    }
}

/// One record in words.
pub fn record_msg(locales: &Locales, lang: &str, r: &RecordView) -> Msg {
    let content = content_name(locales, lang, &r.content_code);
    let date = r.date.format("%d/%m/%Y").to_string();
    if r.status == Status::Rejected {
        return Msg::new("tt-record-rejected")
            .arg("content", content)
            .arg("reason", short_reason(r.reason.as_deref()))
            .arg("date", date);
    }
    let status_word = status_id(r.status, &r.content_code, r.unit.as_deref());
    let status = locales.render(lang, &Msg::new(status_word));
    match (r.quantity_milli, r.unit.as_deref()) {
        (Some(q), Some(u)) => Msg::new("tt-record-amount")
            .arg("content", content)
            .arg("amount", amount(locales, lang, q, u))
            .arg("status", status)
            .arg("date", date),
        _ => Msg::new("tt-record")
            .arg("content", content)
            .arg("status", status)
            .arg("date", date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators_per_language() {
        assert_eq!(with_separators("vi", "40000000"), "40.000.000");
        assert_eq!(with_separators("en", "1500"), "1,500");
        assert_eq!(with_separators("vi", "150"), "150");
    }
}
