//! The `TT` reply: a household's support records in words, paged to two SMS parts.

use super::Services;
use crate::features::contacts::Contact;
use crate::features::support::words::record_msg;
use crate::features::support::{self, Lookup};
use crate::i18n::{Locales, Msg};
use crate::phone::Msisdn;

/// A `TT` page is at most this many SMS parts (in the contact's script).
pub const PAGE_PARTS: usize = 2;

/// A lone number of at most 3 digits after `TT` (or after its code) is a page.
fn is_page(word: &str) -> bool {
    !word.is_empty() && word.len() <= 3 && word.bytes().all(|b| b.is_ascii_digit())
}

/// `TT`, `TT 2`, `TT CG-0001`, `TT CG-0001 2`: an optional household code, then an optional
/// page number. A lone number of at most 3 digits is a page, not a household code.
pub fn parse_args(args: &[String]) -> (Option<String>, usize) {
    let mut args = args.to_vec();
    let mut page = 1;
    if let Some(last) = args.last() {
        if is_page(last) {
            page = last.parse().unwrap_or(1).max(1);
            args.pop();
        }
    }
    let code = (!args.is_empty()).then(|| args.concat());
    (code, page)
}

/// A household code echoed back is at most this long (the person typed it; it may be anything).
const MAX_ECHO_CHARS: usize = 24;

/// The household code as the person typed it (`VT-0001`, where the lookup reads `VT0001`): the
/// last whitespace-separated pieces of `text` that hold the code's `words` normalized words,
/// after a page number if one ends the text. None when the pieces do not line up.
fn as_typed(text: &str, words: usize, page_given: bool) -> Option<String> {
    let mut pieces: Vec<&str> = text.split_whitespace().collect();
    if page_given {
        pieces.pop();
    }
    let mut taken = Vec::new();
    let mut count = 0;
    while count < words {
        let piece = pieces.pop()?;
        count += super::keywords::normalize(piece).len();
        taken.push(piece);
    }
    if count != words {
        return None;
    }
    taken.reverse();
    let typed = taken.join(" ");
    (typed.chars().count() <= MAX_ECHO_CHARS).then_some(typed)
}

/// The reply to `TT …` from `from`; `text` is the SMS as sent, `args` its words after `TT`.
pub async fn sms(
    svc: &Services,
    contact: &Contact,
    from: &Msisdn,
    text: &str,
    args: &[String],
) -> Result<String, sqlx::Error> {
    let (code, page) = parse_args(args);
    let lookup = support::status_for(&svc.db, from, code.as_deref()).await?;
    let typed = code.as_ref().map(|c| {
        let page_given = args.last().is_some_and(|w| is_page(w));
        let words = args.len() - usize::from(page_given);
        as_typed(text, words, page_given).unwrap_or_else(|| c.clone())
    });
    let lookup = match lookup {
        Lookup::NoAccess { .. } => Lookup::NoAccess {
            code: typed.clone().unwrap_or_default(),
        },
        other => other,
    };
    Ok(page_text(
        &svc.locales,
        contact,
        &lookup,
        typed.as_deref(),
        page,
    ))
}

/// The pieces of the answer in order, each already in the contact's language and script.
fn pieces(locales: &Locales, contact: &Contact, lookup: &Lookup) -> Vec<String> {
    let lang = contact.lang();
    let render = |m: &Msg| contact.render(locales, m);
    let one = |m: Msg| vec![render(&m)];
    match lookup {
        Lookup::NotRegistered => one(Msg::new("tt-not-registered")),
        Lookup::OfficerNeedsCode => one(Msg::new("tt-officer-needs-code")),
        Lookup::NoAccess { code } => one(Msg::new("tt-no-access").arg("code", code.clone())),
        Lookup::Households(hs) => {
            let mut out = Vec::new();
            for h in hs {
                if h.records.is_empty() {
                    out.push(render(&Msg::new("tt-empty").arg("code", h.code.clone())));
                    continue;
                }
                out.push(render(
                    &Msg::new("tt-household").arg("code", h.code.clone()),
                ));
                let n = h.records.len();
                for (i, r) in h.records.iter().enumerate() {
                    let sep = if i + 1 == n { "." } else { ";" };
                    out.push(format!("{}{sep}", render(&record_msg(locales, lang, r))));
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
pub fn paginate(
    locales: &Locales,
    contact: &Contact,
    pieces: &[String],
    more_prefix: &str,
) -> Vec<String> {
    let more = |next: usize| {
        let arg = if more_prefix.is_empty() {
            next.to_string()
        } else {
            format!("{more_prefix} {next}")
        };
        contact.render(locales, &Msg::new("tt-more").arg("next", arg))
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
    locales: &Locales,
    contact: &Contact,
    lookup: &Lookup,
    code: Option<&str>,
    page: usize,
) -> String {
    let pieces = pieces(locales, contact, lookup);
    let pages = paginate(locales, contact, &pieces, code.unwrap_or(""));
    match pages.get(page.saturating_sub(1)) {
        Some(p) => p.clone(),
        None => contact.render(locales, &Msg::new("tt-no-page").num("page", page as i64)),
    }
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
}
