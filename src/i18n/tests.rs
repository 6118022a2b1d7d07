//! Checks on the locale files themselves: they parse, the code's ids exist, placeholders agree, replies fit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast;

use super::{Locales, Msg, FALLBACK};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.ftl` file: (language, file name, text).
fn files() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for lang in std::fs::read_dir(root().join("locales")).expect("locales folder") {
        let lang = lang.expect("entry").path();
        if !lang.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&lang).expect("language folder") {
            let f = f.expect("entry").path();
            if f.extension().is_some_and(|e| e == "ftl") {
                let code = lang
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                let text = std::fs::read_to_string(&f).expect("read ftl");
                out.push((code, f.display().to_string(), text));
            }
        }
    }
    out
}

#[test]
fn every_locale_file_parses_without_errors() {
    let files = files();
    assert!(files.len() >= 6);
    for (_, name, text) in files {
        if let Err((_, errors)) = fluent_syntax::parser::parse(text.as_str()) {
            panic!("{name}: {errors:?}");
        }
    }
    Locales::embedded().expect("embedded locales load");
}

/// The placeholders (`$name`) each message uses, per language.
fn variables(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (code, _, text) in files() {
        if code != lang {
            continue;
        }
        let res = fluent_syntax::parser::parse(text.as_str()).expect("parses");
        for entry in res.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    collect(p, &mut vars);
                }
                out.insert(m.id.name.to_string(), vars);
            }
        }
    }
    out
}

fn collect(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            collect_expr(expression, vars);
        }
    }
}

fn collect_expr(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(ast::InlineExpression::VariableReference { id }) => {
            vars.insert(id.name.to_string());
        }
        ast::Expression::Inline(_) => {}
        ast::Expression::Select { selector, variants } => {
            collect_expr(&ast::Expression::Inline(selector.clone()), vars);
            for v in variants {
                collect(&v.value, vars);
            }
        }
    }
}

#[test]
fn placeholders_match_the_fallback_in_every_language() {
    let vi = variables(FALLBACK);
    let locales = Locales::embedded().expect("locales");
    for lang in locales.languages() {
        for (id, vars) in variables(lang) {
            let expected = vi
                .get(&id)
                .unwrap_or_else(|| panic!("{lang}: message `{id}` is not in {FALLBACK}"));
            assert_eq!(&vars, expected, "{lang}: placeholders of `{id}`");
        }
    }
}

/// Lower-case words joined by dashes, as every message id here is.
fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Every id the code names: `Msg::new("…")` and `msg_id("…")` literals in `src/` (Rust and the
/// console's templates).
fn ids_used_in_code() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).expect("src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                let text = std::fs::read_to_string(&p).expect("read");
                for marker in ["Msg::new(\"", "msg_id(\""] {
                    for piece in text.split(marker).skip(1) {
                        match piece.split('"').next() {
                            Some(id) if is_id(id) => {
                                out.insert(id.to_string());
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&root().join("src"), &mut out);
    out.remove("no-such-message");
    out
}

#[test]
fn every_message_the_code_uses_exists_in_vi_and_en() {
    let locales = Locales::embedded().expect("locales");
    let used = ids_used_in_code();
    assert!(used.len() > 10, "found too few ids: {used:?}");
    for id in used {
        for lang in ["vi", "en"] {
            assert!(
                locales.has_own(lang, &id),
                "`{id}` is used in code but missing in {lang}"
            );
        }
    }
}

#[test]
fn vi_and_en_have_the_same_messages() {
    let locales = Locales::embedded().expect("locales");
    assert_eq!(locales.message_ids("vi"), locales.message_ids("en"));
}

/// Sample values as long as real ones get.
fn realistic(id: &'static str) -> Msg {
    Msg::new(id)
        .arg("name", "Tiếng Dao (Iu Mien)")
        .arg("list", "en, hmn, ium, nut, tyz, vi")
        .arg("code", "XYZ")
        .arg("topic", "vận động")
        .arg("content", "Trợ giúp pháp lý")
        .arg("amount", " 140.000.000đ")
        .arg("reason", "Hộ đã được hỗ trợ nhà ở năm 2019 theo QĐ")
        .arg("next", "CG0001 12")
        .num("page", 12)
        .arg("ref", "TG-WWWWWW")
        .arg("category", "Bảo hiểm xã hội, chính sách")
        .arg("status", "đã có cán bộ phụ trách, cán bộ sẽ gọi cho bạn")
        .arg("refs", ["TG-WWWWWW"; 5].join(", "))
        .num("n", 12)
        .num("days", 2)
        .num("count", 12)
}

/// Each SMS reply and the parts it may take: with diacritics (UCS-2), and unaccented (GSM-7).
const REPLY_BUDGETS: &[(&str, usize, usize)] = &[
    ("help", 2, 1),
    ("unknown-command", 1, 1),
    ("language-set", 1, 1),
    ("language-list", 1, 1),
    ("language-unknown", 2, 1),
    ("script-unaccented", 2, 1),
    ("script-full", 1, 1),
    ("stopped-all", 2, 1),
    ("stopped-topic", 1, 1),
    ("started-all", 1, 1),
    ("started-topic", 1, 1),
    ("tt-not-registered", 3, 1),
    ("tt-no-access", 2, 1),
    ("tt-officer-needs-code", 1, 1),
    ("tt-no-page", 1, 1),
    ("tt-empty", 1, 1),
    ("support-notice-approved", 2, 1),
    ("support-notice-disbursed", 2, 1),
    ("support-notice-rejected", 2, 1),
    ("legal-aid-ask-category", 4, 2),
    ("legal-aid-no-category", 2, 1),
    ("legal-aid-ask-mode", 3, 2),
    ("legal-aid-received", 4, 2),
    ("legal-aid-received-neutral", 2, 1),
    ("legal-aid-update", 2, 1),
    ("legal-aid-noted", 1, 1),
    ("legal-aid-unknown", 1, 1),
    ("legal-aid-withdrawn", 2, 1),
    ("legal-aid-remind", 3, 2),
];

#[test]
fn sms_replies_fit_the_parts_they_claim_in_every_language() {
    let locales = Locales::embedded().expect("locales");
    for lang in locales.languages() {
        for &(id, full_parts, plain_parts) in REPLY_BUDGETS {
            let text = locales.try_render(lang, &realistic(id)).expect("renders");
            let full = crate::text::analyze(&text);
            assert!(
                full.parts <= full_parts,
                "{lang} `{id}`: {} parts: {text}",
                full.parts
            );
            let plain = crate::text::analyze(&crate::text::to_gsm7_lossy(&text));
            assert!(
                plain.parts <= plain_parts,
                "{lang} `{id}` unaccented: {} parts",
                plain.parts
            );
            assert!(
                !text.contains('\u{2068}') && !text.contains('\u{2069}'),
                "{lang} `{id}` has bidi isolation marks"
            );
        }
    }
}

#[test]
fn a_minority_language_falls_back_to_vietnamese_per_message() {
    let locales = Locales::embedded().expect("locales");
    for lang in ["tyz", "nut", "ium", "hmn"] {
        assert!(locales.has_language(lang), "{lang} folder is loaded");
        assert_eq!(
            locales.render(lang, &Msg::new("help")),
            locales.render("vi", &Msg::new("help"))
        );
    }
    let missing = locales.try_render("vi", &Msg::new("no-such-message"));
    assert!(missing.is_err());
}
