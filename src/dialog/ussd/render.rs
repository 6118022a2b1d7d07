//! USSD screens as text: unaccented GSM-7, at most 182 characters, long content split into pages.

use super::menu::{BACK, MORE};
use crate::i18n::{Locales, Msg};
use crate::text::{gsm7_septets, to_gsm7_lossy};

/// The most a USSD screen shows. Counted in septets, so an extension character counts twice.
pub const MAX_SCREEN: usize = 182;

/// Why the last input was not taken; shown as one line above the repeated screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputError {
    NotANumber,
    NoSuchOption,
}

impl InputError {
    pub const ALL: [InputError; 2] = [InputError::NotANumber, InputError::NoSuchOption];

    fn msg(self) -> Msg {
        match self {
            InputError::NotANumber => Msg::new("ussd-error-not-number"),
            InputError::NoSuchOption => Msg::new("ussd-error-no-option"),
        }
    }
}

/// Length as the network counts it.
pub fn septets(text: &str) -> usize {
    text.chars().map(|c| gsm7_septets(c).unwrap_or(1)).sum()
}

/// A message in `lang`, unaccented and on one line.
pub fn plain(locales: &Locales, lang: &str, msg: &Msg) -> String {
    line(&locales.render(lang, msg))
}

/// Any text, unaccented and on one line.
pub fn line(text: &str) -> String {
    to_gsm7_lossy(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cuts `text` to the screen limit. Every screen is checked by the tests to fit without this; it
/// only guards the wire against a translation that grew after them.
pub fn fit(text: &str) -> String {
    if septets(text) <= MAX_SCREEN {
        return text.to_string();
    }
    tracing::error!(len = septets(text), "USSD screen too long: cut");
    take_septets(text, MAX_SCREEN)
}

/// The longest start of `text` that is at most `max` septets.
fn take_septets(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in text.chars() {
        n += gsm7_septets(c).unwrap_or(1);
        if n > max {
            break;
        }
        out.push(c);
    }
    out
}

/// Septets kept free on every page for an error line, so a page is the same with or without one.
fn error_room(locales: &Locales, lang: &str) -> usize {
    InputError::ALL
        .iter()
        .map(|e| septets(&plain(locales, lang, &e.msg())) + 1)
        .max()
        .unwrap_or(0)
}

/// `page` with the error line above it, when there is one.
pub fn with_error(locales: &Locales, lang: &str, error: Option<InputError>, page: &str) -> String {
    match error {
        Some(e) => format!("{}\n{page}", plain(locales, lang, &e.msg())),
        None => page.to_string(),
    }
}

fn option_line(key: u8, label: &str) -> String {
    format!("{key}. {label}")
}

/// The lines at the bottom of a page: "more" unless it is the last, then back (or exit).
fn footer(locales: &Locales, lang: &str, more: bool, root: bool) -> Vec<String> {
    let back = if root { "ussd-exit" } else { "ussd-back" };
    let mut lines = Vec::new();
    if more {
        lines.push(option_line(
            MORE,
            &plain(locales, lang, &Msg::new("ussd-more")),
        ));
    }
    lines.push(option_line(BACK, &plain(locales, lang, &Msg::new(back))));
    lines
}

fn lines_len(lines: &[String]) -> usize {
    lines.iter().map(|l| septets(l)).sum::<usize>() + lines.len().saturating_sub(1)
}

/// A menu: its title, then its options, spread over as many pages as they need.
pub fn menu_pages(
    locales: &Locales,
    lang: &str,
    title: &str,
    options: &[(u8, String)],
    root: bool,
) -> Vec<String> {
    let budget = MAX_SCREEN.saturating_sub(error_room(locales, lang));
    let with_more = footer(locales, lang, true, root);
    let last = footer(locales, lang, false, root);
    let lines: Vec<String> = options.iter().map(|(k, l)| option_line(*k, l)).collect();
    let mut pages = Vec::new();
    let mut rest: &[String] = &lines;
    loop {
        let fits = |n: usize, foot: &[String]| {
            let mut all = vec![title.to_string()];
            all.extend_from_slice(&rest[..n]);
            all.extend_from_slice(foot);
            lines_len(&all) <= budget
        };
        // Everything left fits on a last page; otherwise as many as fit beside "more" (at least one).
        let (take, foot) = if fits(rest.len(), &last) {
            (rest.len(), &last)
        } else {
            let n = (1..rest.len())
                .rev()
                .find(|&n| fits(n, &with_more))
                .unwrap_or(1);
            (n, &with_more)
        };
        let mut all = vec![title.to_string()];
        all.extend_from_slice(&rest[..take]);
        all.extend_from_slice(foot);
        pages.push(all.join("\n"));
        rest = &rest[take..];
        if rest.is_empty() {
            return pages;
        }
    }
}

/// The room for a text on a page: the screen less the error line and the footer with "more".
fn text_budget(locales: &Locales, lang: &str) -> usize {
    let with_more = footer(locales, lang, true, false).join("\n");
    MAX_SCREEN
        .saturating_sub(error_room(locales, lang))
        .saturating_sub(septets(&with_more) + 1)
        .max(20)
}

/// Chunks of text, each with the footer: "more" on all but the last, then back.
fn with_footers(locales: &Locales, lang: &str, chunks: Vec<String>) -> Vec<String> {
    let with_more = footer(locales, lang, true, false).join("\n");
    let last = footer(locales, lang, false, false).join("\n");
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| format!("{c}\n{}", if i + 1 < n { &with_more } else { &last }))
        .collect()
}

/// A text (a feature's content), cut between words into pages, each ending in "more" and back.
pub fn text_pages(locales: &Locales, lang: &str, body: &str) -> Vec<String> {
    with_footers(locales, lang, word_chunks(body, text_budget(locales, lang)))
}

/// Lines (records read from the database), unaccented, as many whole lines on a page as fit;
/// only a line longer than a page is cut between words.
pub fn line_pages(locales: &Locales, lang: &str, lines: &[String]) -> Vec<String> {
    let budget = text_budget(locales, lang);
    let mut chunks: Vec<String> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    for text in lines.iter().map(|l| line(l)).filter(|l| !l.is_empty()) {
        let parts = if septets(&text) > budget {
            word_chunks(&text, budget)
        } else {
            vec![text]
        };
        for part in parts {
            cur.push(part);
            if cur.len() > 1 && lines_len(&cur) > budget {
                let part = cur.pop().unwrap_or_default();
                chunks.push(std::mem::take(&mut cur).join("\n"));
                cur.push(part);
            }
        }
    }
    if !cur.is_empty() || chunks.is_empty() {
        chunks.push(cur.join("\n"));
    }
    with_footers(locales, lang, chunks)
}

/// `body` cut between words into chunks of at most `budget` septets.
fn word_chunks(body: &str, budget: usize) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    // Words joined by spaces count as lines joined by newlines: one septet between two.
    let len = |words: &[String]| lines_len(words);
    for word in body.split_whitespace() {
        let mut word = word.to_string();
        // A word longer than a page (never in real texts) is cut where the page ends.
        while septets(&word) > budget {
            let cut = take_septets(&word, budget);
            if !cur.is_empty() {
                chunks.push(std::mem::take(&mut cur).join(" "));
            }
            word = word.chars().skip(cut.chars().count()).collect();
            chunks.push(cut);
        }
        cur.push(word);
        if len(&cur) > budget {
            let Some(word) = cur.pop() else { continue };
            // Rather end a page with a sentence, when one ends in its last third or so.
            let at = (0..cur.len())
                .rev()
                .find(|&i| cur[i].ends_with(['.', ':', ';']) && len(&cur[..=i]) * 10 >= budget * 6)
                .map_or(cur.len(), |i| i + 1);
            let mut carry = cur.split_off(at);
            chunks.push(std::mem::take(&mut cur).join(" "));
            carry.push(word);
            if len(&carry) > budget {
                let word = carry.pop().unwrap_or_default();
                chunks.push(carry.join(" "));
                carry = vec![word];
            }
            cur = carry;
        }
    }
    if !cur.is_empty() || chunks.is_empty() {
        chunks.push(cur.join(" "));
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Locales {
        Locales::embedded().expect("locales")
    }

    #[test]
    fn a_long_text_is_cut_between_words_and_keeps_every_word() {
        let l = locales();
        let body = "mot hai ba bon nam sau bay tam chin muoi ".repeat(20);
        let pages = text_pages(&l, "vi", &body);
        assert!(pages.len() > 2);
        let mut words = Vec::new();
        for (i, p) in pages.iter().enumerate() {
            assert!(septets(p) + error_room(&l, "vi") <= MAX_SCREEN, "{p}");
            let (text, foot) = p.split_once('\n').expect("footer");
            assert_eq!(foot.starts_with("9. "), i + 1 < pages.len(), "{p}");
            assert!(p.ends_with("0. Quay lai"), "{p}");
            words.extend(text.split(' ').map(str::to_string));
        }
        assert_eq!(words.join(" "), body.trim());
    }

    #[test]
    fn a_word_longer_than_a_page_is_cut_too() {
        let l = locales();
        for word in ["x".repeat(500), "€".repeat(300)] {
            let pages = text_pages(&l, "en", &format!("a {word} b"));
            assert!(pages.len() >= 3);
            assert!(pages
                .iter()
                .all(|p| septets(p) + error_room(&l, "en") <= MAX_SCREEN));
        }
    }

    #[test]
    fn a_page_rather_ends_with_a_sentence() {
        let l = locales();
        let body = format!(
            "{}. {}",
            "mot hai ba ".repeat(10).trim(),
            "bon nam sau ".repeat(10)
        );
        let pages = text_pages(&l, "vi", &body);
        assert!(
            pages[0].starts_with("mot hai ba") && pages[0].contains("ba.\n9. "),
            "{}",
            pages[0]
        );
        assert!(pages[1].starts_with("bon nam sau"), "{}", pages[1]);
    }

    #[test]
    fn fit_cuts_at_the_limit_counting_extension_characters_twice() {
        assert_eq!(fit("abc"), "abc");
        let cut = fit(&"€".repeat(100));
        assert_eq!(cut.chars().count(), 91);
        assert_eq!(septets(&cut), MAX_SCREEN);
    }

    #[test]
    fn many_options_spread_over_pages_with_more() {
        let l = locales();
        let options: Vec<(u8, String)> = (1..=8)
            .map(|k| (k, "a rather long option label here".repeat(2)))
            .collect();
        let pages = menu_pages(&l, "en", "Title", &options, false);
        assert!(pages.len() > 1);
        for (i, p) in pages.iter().enumerate() {
            assert!(p.starts_with("Title\n"));
            assert_eq!(p.contains("\n9. More"), i + 1 < pages.len());
            assert!(septets(p) + error_room(&l, "en") <= MAX_SCREEN);
        }
        let all = pages.join("\n");
        assert!((1..=8).all(|k| all.contains(&format!("\n{k}. "))));
    }

    #[test]
    fn lines_stay_whole_on_a_page_and_only_an_overlong_one_is_cut() {
        let l = locales();
        let lines: Vec<String> = (1..=8)
            .map(|i| format!("Hỗ trợ số {i} đã giải ngân 40.000.000đ ngày 0{i}/10/2025"))
            .chain(["dài ".repeat(80)])
            .collect();
        let pages = line_pages(&l, "vi", &lines);
        assert!(pages.len() >= 4, "{pages:?}");
        let mut seen = 0;
        for (i, p) in pages.iter().enumerate() {
            assert!(septets(p) + error_room(&l, "vi") <= MAX_SCREEN, "{p}");
            assert_eq!(p.contains("\n9. Xem tiep\n"), i + 1 < pages.len(), "{p}");
            for line in p.lines().filter(|x| x.starts_with("Ho tro so")) {
                seen += 1;
                assert!(
                    line.ends_with("/10/2025"),
                    "a record cut between pages: {line}"
                );
            }
        }
        assert_eq!(seen, 8);
        let long: usize = pages.iter().map(|p| p.matches("dai").count()).sum();
        assert_eq!(long, 80, "every word of the long line is shown");
    }
}
