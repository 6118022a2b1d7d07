//! Every USSD screen of every language, rendered and checked: GSM-7, at most 182 characters.

use std::collections::{BTreeMap, VecDeque};

use super::menu::{Target, MAIN, MORE};
use super::render::{self, septets, InputError, MAX_SCREEN};
use super::walk::{walk, Outcome};
use crate::i18n::{Locales, Msg};
use crate::text::is_gsm7;

fn locales() -> Locales {
    Locales::embedded().expect("locales")
}

/// Every screen reachable from the main menu by pressing digits: its id, the inputs that reach
/// it, and its page. Generic, so an entry added to the menu is covered without touching this test.
fn every_screen(l: &Locales, lang: &str) -> BTreeMap<String, (String, String)> {
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut queue: VecDeque<Vec<String>> = VecDeque::from([Vec::new()]);
    while let Some(path) = queue.pop_front() {
        let inputs: Vec<&str> = path.iter().map(String::as_str).collect();
        let Outcome::Screen { id, page, error } = walk(l, lang, &inputs).outcome else {
            continue;
        };
        if error.is_some() || seen.contains_key(&id) {
            continue;
        }
        seen.insert(id, (path.join("*"), page));
        for key in 0..=MORE {
            let mut next = path.clone();
            next.push(key.to_string());
            queue.push_back(next);
        }
    }
    seen
}

fn check(lang: &str, what: &str, text: &str) {
    assert!(is_gsm7(text), "{lang} {what}: not GSM-7: {text:?}");
    assert!(
        septets(text) <= MAX_SCREEN,
        "{lang} {what}: {} characters (most {MAX_SCREEN}):\n{text}",
        septets(text)
    );
    assert!(!text.trim().is_empty(), "{lang} {what}: empty");
}

#[test]
fn every_screen_of_every_language_is_gsm7_and_fits() {
    let l = locales();
    let langs: Vec<String> = l.languages().map(str::to_string).collect();
    for must in ["vi", "en", "tyz", "nut", "ium", "hmn"] {
        assert!(langs.iter().any(|x| x == must), "{must} is loaded");
    }
    for lang in &langs {
        let screens = every_screen(&l, lang);
        // Main menu, marriage topics (3 texts of 2+ pages each), language list at the least.
        assert!(screens.len() >= 9, "{lang}: only {:?}", screens.keys());
        for (id, (path, page)) in &screens {
            check(lang, &format!("screen {id} ({path})"), page);
            for e in InputError::ALL {
                let shown = render::with_error(&l, lang, Some(e), page);
                check(lang, &format!("screen {id} with {e:?}"), &shown);
            }
        }
        let bye = render::plain(&l, lang, &Msg::new("ussd-goodbye"));
        check(lang, "goodbye", &bye);
        for entry in MAIN.entries {
            if let Target::Choice(c) = &entry.target {
                for (value, _) in (c.list)(&l) {
                    let (in_lang, msg) = (c.done)(&l, &value);
                    check(
                        lang,
                        &format!("{} = {value}", c.id),
                        &render::plain(&l, &in_lang, &msg),
                    );
                }
            }
        }
    }
}

#[test]
fn the_vietnamese_main_menu_reads_as_designed() {
    let l = locales();
    let screens = every_screen(&l, "vi");
    let (_, main) = &screens["main"];
    assert_eq!(
        main,
        "Loa xa. Bam so:\n4. Hoi ve luat hon nhan\n5. Ngon ngu/Language\n0. Thoat"
    );
    let (_, lang) = &screens["language"];
    assert!(lang.contains("1. Tieng Viet\n2. English\n"), "{lang}");
    // The law's ages survive unaccenting and paging.
    let (_, age) = &screens["marriage/age"];
    assert!(age.contains("tu du 20 tuoi tro len"), "{age}");
    assert!(age.ends_with("9. Xem tiep\n0. Quay lai"), "{age}");
}

#[test]
fn main_menu_numbers_are_fixed_unique_and_leave_0_and_9_free() {
    let mut keys: Vec<u8> = MAIN.entries.iter().map(|e| e.key).collect();
    assert!(keys.iter().all(|k| (1..MORE).contains(k)), "{keys:?}");
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "sorted and unique: {keys:?}"
    );
    keys.dedup();
    assert_eq!(keys, vec![4, 5], "1-3 come with their features");
}

fn screen(l: &Locales, lang: &str, text: &str) -> (String, Option<InputError>) {
    let inputs = super::inputs(text);
    match walk(l, lang, &inputs).outcome {
        Outcome::Screen { id, error, .. } => (id, error),
        Outcome::Exit => ("exit".into(), None),
        Outcome::Pick { value, .. } => (format!("pick={value}"), None),
    }
}

#[test]
fn walking_forward_back_and_through_pages() {
    let l = locales();
    let s = |t| screen(&l, "vi", t);
    assert_eq!(s(""), ("main".into(), None));
    assert_eq!(s("4"), ("marriage".into(), None));
    assert_eq!(s("4*1"), ("marriage/age".into(), None));
    assert_eq!(s("4*1*9"), ("marriage/age#2".into(), None));
    assert_eq!(
        s("4*1*9*0"),
        ("marriage".into(), None),
        "0 on a text goes back to its menu"
    );
    assert_eq!(s("4*1*0*0"), ("main".into(), None));
    assert_eq!(s("4*0*0"), ("exit".into(), None));
    assert_eq!(s("5*2"), ("pick=en".into(), None));
    assert_eq!(s("0"), ("exit".into(), None));
}

#[test]
fn bad_input_keeps_the_screen_and_says_why() {
    let l = locales();
    let s = |t: &str| screen(&l, "en", t);
    assert_eq!(s("x"), ("main".into(), Some(InputError::NotANumber)));
    assert_eq!(s("7"), ("main".into(), Some(InputError::NoSuchOption)));
    assert_eq!(
        s("4*9*9*9*9"),
        ("marriage".into(), Some(InputError::NoSuchOption))
    );
    assert_eq!(s("4*"), ("marriage".into(), Some(InputError::NotANumber)));
    assert_eq!(
        s("99999999999999999999"),
        ("main".into(), Some(InputError::NoSuchOption))
    );
    assert_eq!(
        s(&"j".repeat(200)),
        ("main".into(), Some(InputError::NotANumber))
    );
    // An error is shown only for the last input; the walk goes on after it.
    assert_eq!(s("x*4*2"), ("marriage/child".into(), None));
    assert!(!walk(&l, "en", &["x", "4"]).clean);
    assert!(walk(&l, "en", &["4", "2", "9"]).clean);
}

#[test]
fn a_minority_language_gets_vietnamese_screens() {
    let l = locales();
    for lang in ["tyz", "nut", "ium", "hmn"] {
        let a = walk(&l, lang, &["4", "3"]).outcome;
        let b = walk(&l, "vi", &["4", "3"]).outcome;
        match (a, b) {
            (Outcome::Screen { page: a, .. }, Outcome::Screen { page: b, .. }) => assert_eq!(a, b),
            _ => panic!("{lang}: not a screen"),
        }
    }
}
