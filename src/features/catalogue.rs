//! The programme catalogue (projects, sub-projects, contents of Decision 1719) as data shipped with loa.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::i18n::Msg;

const CSV: &str = include_str!("catalogue.csv");

/// What kind of quantity a content is counted in, when the catalogue says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expects {
    Money,
    Area,
    Rice,
}

#[derive(Clone, Debug)]
pub struct Entry {
    /// `DA1`, `DA1.ND2`, `DA3.TDA1`, `DA3.TDA1.ND4`.
    pub code: &'static str,
    /// Fluent ids of the short name (for SMS) and the long one.
    pub short_id: &'static str,
    pub long_id: &'static str,
    pub expects: Option<Expects>,
}

impl Entry {
    pub fn short(&self) -> Msg {
        Msg::new(self.short_id)
    }

    pub fn long(&self) -> Msg {
        Msg::new(self.long_id)
    }
}

/// The catalogue, parsed once. Its fluent ids are made from the codes (`DA1.ND2` → `cat-da1-nd2`
/// and `cat-da1-nd2-long`); they live for the whole process, so they are leaked once on purpose.
static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue::parse(CSV));

pub struct Catalogue {
    entries: Vec<Entry>,
    by_code: HashMap<&'static str, usize>,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Whether `code` has the shape `DA<n>`, `DA<n>.TDA<m>`, `DA<n>.ND<m>` or `DA<n>.TDA<m>.ND<k>`.
pub fn well_formed(code: &str) -> bool {
    let num = |s: &str, prefix: &str| {
        s.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let parts: Vec<&str> = code.split('.').collect();
    match parts.as_slice() {
        [p] => num(p, "DA"),
        [p, s] => num(p, "DA") && (num(s, "TDA") || num(s, "ND")),
        [p, s, c] => num(p, "DA") && num(s, "TDA") && num(c, "ND"),
        _ => false,
    }
}

impl Catalogue {
    fn parse(text: &str) -> Catalogue {
        let mut entries = Vec::new();
        for line in text.lines().skip(1) {
            let mut cols = line.split(',');
            let code = cols.next().unwrap_or("").trim();
            if code.is_empty() {
                continue;
            }
            let expects = match cols.next().unwrap_or("").trim() {
                "money" => Some(Expects::Money),
                "area" => Some(Expects::Area),
                "rice" => Some(Expects::Rice),
                _ => None,
            };
            let id = format!("cat-{}", code.to_lowercase().replace('.', "-"));
            entries.push(Entry {
                code: leak(code.to_string()),
                long_id: leak(format!("{id}-long")),
                short_id: leak(id),
                expects,
            });
        }
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.code, i))
            .collect();
        Catalogue { entries, by_code }
    }
}

pub fn all() -> &'static [Entry] {
    &CATALOGUE.entries
}

/// The entry for `code`, written in any case with any spacing (`da1.nd2`, `DA1. ND2`).
pub fn get(code: &str) -> Option<&'static Entry> {
    let norm: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    CATALOGUE
        .by_code
        .get(norm.as_str())
        .map(|&i| &CATALOGUE.entries[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locales;

    #[test]
    fn every_code_is_well_formed_unique_and_its_parent_exists() {
        let all = all();
        assert!(all.len() >= 30);
        for e in all {
            assert!(well_formed(e.code), "{}", e.code);
            if let Some((parent, _)) = e.code.rsplit_once('.') {
                assert!(get(parent).is_some(), "{} has no parent {parent}", e.code);
            }
        }
        for n in 1..=10 {
            assert!(get(&format!("DA{n}")).is_some(), "project {n}");
        }
        assert_eq!(get(" da1.nd2 ").map(|e| e.code), Some("DA1.ND2"));
        assert!(get("DA11").is_none());
        assert!(!well_formed("DA1.X2") && !well_formed("DA1.ND2.ND3") && !well_formed("DA"));
    }

    #[test]
    fn every_entry_has_both_names_in_vi_and_en() {
        let locales = Locales::embedded().expect("locales");
        for e in all() {
            for lang in ["vi", "en"] {
                for id in [e.short_id, e.long_id] {
                    assert!(locales.has_own(lang, id), "{id} missing in {lang}");
                }
            }
            // Short names go into SMS; keep them short. The longest, DA1.ND4's "Nước sinh hoạt
            // phân tán" (23), is the programme's own name; "Nước phân tán" did not say it is water for daily use.
            let short = locales.render("vi", &e.short());
            assert!(short.chars().count() <= 23, "{}: {short}", e.code);
        }
    }
}
