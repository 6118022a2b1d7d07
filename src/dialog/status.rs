//! Support status in words: `TT` replies paged to two SMS parts, and the SMS a household gets when a record changes.

use crate::app::App;
use crate::contacts::{self, Contact};
use crate::features::catalogue;
use crate::features::support::{self, Lookup, RecordView, Status, StatusChange};
use crate::i18n::{Locales, Msg};
use crate::inbox::InboxError;
use crate::outbox::{NewMessage, OutboxError, Priority};
use crate::phone::Msisdn;
use crate::with_db;

use super::reply::render;

/// A `TT` page is at most this many SMS parts (in the contact's script).
pub const PAGE_PARTS: usize = 2;

/// A rejection reason typed by an office may be long; an SMS carries its start.
const REASON_CHARS: usize = 40;

/// `TT`, `TT 2`, `TT CG-0001`, `TT CG-0001 2`: an optional household code, then an optional
/// page number. A lone number of at most 3 digits is a page, not a household code.
pub fn parse_args(args: &[String]) -> (Option<String>, usize) {
    let mut args = args.to_vec();
    let mut page = 1;
    if let Some(last) = args.last() {
        if last.len() <= 3 && last.bytes().all(|b| b.is_ascii_digit()) {
            page = last.parse().unwrap_or(1).max(1);
            args.pop();
        }
    }
    let code = (!args.is_empty()).then(|| args.concat());
    (code, page)
}

/// The reply to `TT …` from `from`.
pub async fn sms(
    app: &App,
    contact: &Contact,
    from: &Msisdn,
    args: &[String],
) -> Result<String, InboxError> {
    let (code, page) = parse_args(args);
    let lookup = support::status_for(&app.db, from, code.as_deref()).await?;
    Ok(page_text(app, contact, &lookup, code.as_deref(), page))
}

fn with_separators(lang: &str, digits: &str) -> String {
    let sep = if lang == "en" { ',' } else { '.' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `40000000000` thousandths of VND → `40.000.000đ` (vi) or `40,000,000 VND` (en).
pub fn amount(app: &App, lang: &str, milli: i64, unit: &str) -> String {
    amount_in(&app.locales, lang, milli, unit)
}

fn amount_in(locales: &Locales, lang: &str, milli: i64, unit: &str) -> String {
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

fn content_name(locales: &Locales, lang: &str, code: &str) -> String {
    catalogue::get(code)
        .map(|e| locales.render(lang, &e.short()))
        .unwrap_or_else(|| code.to_string())
}

fn short_reason(reason: Option<&str>) -> String {
    let r = reason.unwrap_or("").trim();
    if r.chars().count() <= REASON_CHARS {
        r.to_string()
    } else {
        let cut: String = r.chars().take(REASON_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// One record in words (the USSD screens use it too).
pub fn record_msg(locales: &Locales, lang: &str, r: &RecordView) -> Msg {
    let content = content_name(locales, lang, &r.content_code);
    let date = r.date.format("%d/%m/%Y").to_string();
    if r.status == Status::Rejected {
        return Msg::new("tt-record-rejected")
            .arg("content", content)
            .arg("reason", short_reason(r.reason.as_deref()))
            .arg("date", date);
    }
    let status = locales.render(lang, &Msg::new(r.status.msg_id()));
    match (r.quantity_milli, r.unit.as_deref()) {
        (Some(q), Some(u)) => Msg::new("tt-record-amount")
            .arg("content", content)
            .arg("amount", amount_in(locales, lang, q, u))
            .arg("status", status)
            .arg("date", date),
        _ => Msg::new("tt-record")
            .arg("content", content)
            .arg("status", status)
            .arg("date", date),
    }
}

/// The pieces of the answer in order, each already in the contact's language and script.
fn pieces(app: &App, contact: &Contact, lookup: &Lookup) -> Vec<String> {
    let lang = contact.lang();
    let one = |m: Msg| vec![render(app, contact, &m)];
    match lookup {
        Lookup::NotRegistered => one(Msg::new("tt-not-registered")),
        Lookup::OfficerNeedsCode => one(Msg::new("tt-officer-needs-code")),
        Lookup::NoAccess { code } => one(Msg::new("tt-no-access").arg("code", code.clone())),
        Lookup::Households(hs) => {
            let mut out = Vec::new();
            for h in hs {
                if h.records.is_empty() {
                    out.push(render(
                        app,
                        contact,
                        &Msg::new("tt-empty").arg("code", h.code.clone()),
                    ));
                    continue;
                }
                out.push(render(
                    app,
                    contact,
                    &Msg::new("tt-household").arg("code", h.code.clone()),
                ));
                let n = h.records.len();
                for (i, r) in h.records.iter().enumerate() {
                    let sep = if i + 1 == n { "." } else { ";" };
                    out.push(format!(
                        "{}{sep}",
                        render(app, contact, &record_msg(&app.locales, lang, r))
                    ));
                }
            }
            out
        }
    }
}

fn fits(text: &str) -> bool {
    crate::text::analyze(text).parts <= PAGE_PARTS
}

/// Packs `pieces` into pages of at most [`PAGE_PARTS`] parts, each but the last ending with
/// "send TT n for more".
pub fn paginate(app: &App, contact: &Contact, pieces: &[String], more_prefix: &str) -> Vec<String> {
    let more = |next: usize| {
        let arg = if more_prefix.is_empty() {
            next.to_string()
        } else {
            format!("{more_prefix} {next}")
        };
        render(app, contact, &Msg::new("tt-more").arg("next", arg))
    };
    let mut pages: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let candidate = if current.is_empty() {
            piece.clone()
        } else {
            format!("{current} {piece}")
        };
        let last = i + 1 == pieces.len();
        let check = if last {
            candidate.clone()
        } else {
            format!("{candidate} {}", more(pages.len() + 2))
        };
        if fits(&check) || current.is_empty() {
            current = candidate;
        } else {
            pages.push(format!("{current} {}", more(pages.len() + 2)));
            current = piece.clone();
        }
    }
    if !current.is_empty() {
        pages.push(current);
    }
    pages
}

/// Page `page` (from 1) of the answer, rendered for `contact`; `code` is the household code the
/// person typed, repeated in "send TT <code> n for more".
pub fn page_text(
    app: &App,
    contact: &Contact,
    lookup: &Lookup,
    code: Option<&str>,
    page: usize,
) -> String {
    let pieces = pieces(app, contact, lookup);
    let pages = paginate(app, contact, &pieces, code.unwrap_or(""));
    match pages.get(page.saturating_sub(1)) {
        Some(p) => p.clone(),
        None => render(
            app,
            contact,
            &Msg::new("tt-no-page").num("page", page as i64),
        ),
    }
}

/// Sends the SMS each linked phone of the household gets for `changes` (approved, disbursed,
/// rejected): one per change and phone, keyed on the history row and the phone, so announcing
/// the same change again sends nothing. Personal service messages: priority reminder (held in
/// quiet hours), no consent topic (only an opt-out of everything stops them). Returns how many
/// new messages were queued.
pub async fn announce(app: &App, changes: &[StatusChange]) -> Result<usize, OutboxError> {
    let mut queued = 0;
    for ch in changes.iter().filter(|c| c.to.notifies()) {
        let code: Option<String> = with_db!(&app.db, |pool| sqlx::query_scalar(
            "SELECT code FROM households WHERE id = $1"
        )
        .bind(ch.household_id)
        .fetch_optional(pool)
        .await)?;
        let Some(code) = code else { continue };
        let amount_row: Option<(Option<i64>, Option<String>)> = with_db!(&app.db, |pool| {
            sqlx::query_as("SELECT quantity_milli, unit FROM support_records WHERE id = $1")
                .bind(ch.record_id)
                .fetch_optional(pool)
                .await
        })?;
        for phone in crate::features::households::phones(&app.db, ch.household_id).await? {
            let Ok(msisdn) = Msisdn::parse(&phone) else {
                continue;
            };
            let contact = contacts::find_or_create(&app.db, &msisdn).await?;
            let lang = contact.lang().to_string();
            let content = content_name(&app.locales, &lang, &ch.content_code);
            let amount = match &amount_row {
                Some((Some(q), Some(u))) => format!(" {}", amount(app, &lang, *q, u)),
                _ => String::new(),
            };
            let msg = match ch.to {
                Status::Approved => Msg::new("support-notice-approved")
                    .arg("code", code.clone())
                    .arg("content", content)
                    .arg("amount", amount),
                Status::Disbursed => Msg::new("support-notice-disbursed")
                    .arg("code", code.clone())
                    .arg("content", content)
                    .arg("amount", amount),
                _ => Msg::new("support-notice-rejected")
                    .arg("code", code.clone())
                    .arg("content", content)
                    .arg("reason", short_reason(ch.reason.as_deref())),
            };
            let e = app
                .outbox
                .enqueue(NewMessage {
                    recipient: msisdn.clone(),
                    text: render(app, &contact, &msg),
                    priority: Priority::Reminder,
                    topic: None,
                    origin: format!("support:{}", ch.history_id),
                    idempotency_key: format!("support:{}:{}", ch.history_id, msisdn.as_str()),
                    not_before: None,
                    expires_at: None,
                })
                .await?;
            if e.created {
                queued += 1;
            }
        }
        support::mark_announced(&app.db, ch.history_id).await?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn arguments_are_a_code_then_a_page() {
        assert_eq!(parse_args(&[]), (None, 1));
        assert_eq!(parse_args(&s(&["2"])), (None, 2));
        assert_eq!(parse_args(&s(&["CG", "0001"])), (Some("CG0001".into()), 1));
        assert_eq!(
            parse_args(&s(&["CG", "0001", "3"])),
            (Some("CG0001".into()), 3)
        );
        assert_eq!(parse_args(&s(&["0"])), (None, 1));
        assert_eq!(parse_args(&s(&["12345"])), (Some("12345".into()), 1));
    }

    #[test]
    fn thousands_separators_per_language() {
        assert_eq!(with_separators("vi", "40000000"), "40.000.000");
        assert_eq!(with_separators("en", "1500"), "1,500");
        assert_eq!(with_separators("vi", "150"), "150");
    }
}
