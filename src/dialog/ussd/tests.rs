//! Every USSD screen of every language, rendered and checked: GSM-7, at most 182 characters.

use std::collections::{BTreeMap, VecDeque};

use chrono::NaiveDate;

use super::menu::{Target, MAIN, MORE, SUPPORT};
use super::render::{self, septets, InputError, MAX_SCREEN};
use super::walk::{walk, Fetched, Outcome};
use crate::features::catalogue;
use crate::features::support::{HouseholdStatus, Lookup, RecordView, Status};
use crate::i18n::{Locales, Msg};
use crate::text::is_gsm7;

fn locales() -> Locales {
    Locales::embedded().expect("locales")
}

/// Every screen reachable from the main menu by pressing digits: its id, the inputs that reach
/// it, and its page. Generic, so an entry added to the menu is covered without touching this test.
fn every_screen(l: &Locales, lang: &str, live: &Fetched) -> BTreeMap<String, (String, String)> {
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut queue: VecDeque<Vec<String>> = VecDeque::from([Vec::new()]);
    while let Some(path) = queue.pop_front() {
        let inputs: Vec<&str> = path.iter().map(String::as_str).collect();
        let Outcome::Screen { id, page, error } = walk(l, lang, &inputs, live).outcome else {
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
        let screens = every_screen(&l, lang, &support_live(&l, lang, &five_long_records()));
        // Main menu, marriage topics (3 texts of 2+ pages each), language list, support status
        // (2 pages) at the least.
        assert!(screens.len() >= 11, "{lang}: only {:?}", screens.keys());
        assert!(
            screens.contains_key("support#2"),
            "{lang}: {:?}",
            screens.keys()
        );
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
    let screens = every_screen(&l, "vi", &Fetched::new());
    let (_, main) = &screens["main"];
    assert_eq!(
        main,
        "Loa xa. Bam so:\n1. Tinh trang ho tro\n2. Tro giup phap ly\n4. Hoi ve luat hon nhan\n5. Ngon ngu/Language\n0. Thoat"
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
    assert_eq!(keys, vec![1, 2, 4, 5], "3 comes with its feature");
}

fn screen(l: &Locales, lang: &str, text: &str) -> (String, Option<InputError>) {
    let inputs = super::inputs(text);
    match walk(l, lang, &inputs, &Fetched::new()).outcome {
        Outcome::Screen { id, error, .. } => (id, error),
        Outcome::Exit => ("exit".into(), None),
        Outcome::Pick { value, .. } => (format!("pick={value}"), None),
        Outcome::Fetch(live) => (format!("fetch={}", live.id), None),
        Outcome::Submit { form, values } => (format!("{}={}", form.id, values.join("+")), None),
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
    // Support status needs the database: the walk asks for it, whatever follows.
    assert_eq!(s("1"), ("fetch=support".into(), None));
    assert_eq!(s("4*0*1*9*0"), ("fetch=support".into(), None));
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
    let none = Fetched::new();
    assert!(!walk(&l, "en", &["x", "4"], &none).clean);
    assert!(walk(&l, "en", &["4", "2", "9"], &none).clean);
}

#[test]
fn a_minority_language_gets_vietnamese_screens() {
    let l = locales();
    for lang in ["tyz", "nut", "ium", "hmn"] {
        let a = walk(&l, lang, &["4", "3"], &Fetched::new()).outcome;
        let b = walk(&l, "vi", &["4", "3"], &Fetched::new()).outcome;
        match (a, b) {
            (Outcome::Screen { page: a, .. }, Outcome::Screen { page: b, .. }) => assert_eq!(a, b),
            _ => panic!("{lang}: not a screen"),
        }
    }
}

fn record(code: &str, status: Status, amount: Option<(i64, &str)>, day: u32) -> RecordView {
    RecordView {
        id: i64::from(day),
        content_code: code.to_string(),
        status,
        reason: (status == Status::Rejected)
            .then(|| "Hộ đã được hỗ trợ nội dung này năm 2023 theo quyết định của huyện".into()),
        quantity_milli: amount.map(|(q, _)| q),
        unit: amount.map(|(_, u)| u.to_string()),
        date: NaiveDate::from_ymd_opt(2025, 10, day).expect("date"),
    }
}

/// The catalogue entries with the longest Vietnamese short names: the worst case for a screen.
fn longest_contents(n: usize) -> Vec<&'static str> {
    let l = locales();
    let mut all: Vec<_> = catalogue::all().iter().collect();
    all.sort_by_key(|e| std::cmp::Reverse(l.render("vi", &e.short()).chars().count()));
    all.into_iter().take(n).map(|e| e.code).collect()
}

/// One household, five records (newest first) with long names, amounts and a long rejection.
fn five_long_records() -> Lookup {
    let c = longest_contents(5);
    Lookup::Households(vec![HouseholdStatus {
        code: "CG-0001".into(),
        records: vec![
            record(c[0], Status::Rejected, None, 28),
            record(c[1], Status::Disbursed, Some((40_000_000_000, "VND")), 21),
            record(c[2], Status::InProgress, Some((2_500, "ha")), 14),
            record(c[3], Status::Approved, Some((15_000, "kg")), 7),
            record(c[4], Status::Registered, None, 1),
        ],
    }])
}

fn support_live(l: &Locales, lang: &str, lookup: &Lookup) -> Fetched {
    Fetched::from([(SUPPORT.id, super::support::lines(l, lang, lookup))])
}

/// Every page of option 1 (pressing 9 until the last), each checked with and without an error.
fn support_pages(l: &Locales, lang: &str, lookup: &Lookup) -> Vec<String> {
    let live = support_live(l, lang, lookup);
    let mut inputs = vec!["1"];
    let mut pages: Vec<String> = Vec::new();
    loop {
        let Outcome::Screen { id, page, error } = walk(l, lang, &inputs, &live).outcome else {
            panic!("{lang} {inputs:?}: not a screen");
        };
        if error.is_some() {
            return pages;
        }
        assert!(id.starts_with("support"), "{id}");
        check(lang, &id, &page);
        for e in InputError::ALL {
            check(lang, &id, &render::with_error(l, lang, Some(e), &page));
        }
        pages.push(page);
        inputs.push("9");
        assert!(pages.len() < 20, "{lang}: endless pages");
    }
}

#[test]
fn support_status_screens_in_every_language_with_realistic_data() {
    let l = locales();
    let two = Lookup::Households(vec![
        HouseholdStatus {
            code: "CG-0001".into(),
            records: vec![record(
                "DA1.ND2",
                Status::Disbursed,
                Some((40_000_000_000, "VND")),
                9,
            )],
        },
        HouseholdStatus {
            code: "CG-0009".into(),
            records: (1..=6)
                .rev()
                .map(|d| record("DA3.TDA1.ND4", Status::Disbursed, Some((15_000, "kg")), d))
                .collect(),
        },
        HouseholdStatus {
            code: "CG-0010".into(),
            records: Vec::new(),
        },
    ]);
    for lang in l.languages() {
        let five = support_pages(&l, lang, &five_long_records());
        assert!(five.len() >= 2, "{lang}: five long records page: {five:?}");
        assert!(
            five[0].contains("\n9. "),
            "{lang}: more on the first page: {}",
            five[0]
        );
        assert!(
            !five[five.len() - 1].contains("\n9. "),
            "{lang}: no more on the last"
        );
        // Newest first, across pages, and each record whole on one page.
        let all = five.join("\n");
        let days: Vec<usize> = [28, 21, 14, 7, 1]
            .iter()
            .map(|d| {
                all.find(&format!("{d:02}/10/2025"))
                    .expect("each record shown")
            })
            .collect();
        assert!(days.windows(2).all(|w| w[0] < w[1]), "{lang}: {all}");
        for page in &five {
            assert_eq!(
                page.matches("/10/2025").count(),
                page.lines().filter(|x| x.contains("/10/2025")).count(),
                "{page}"
            );
        }

        let both = support_pages(&l, lang, &two).join("\n");
        let (a, b, c) = (
            both.find("CG-0001").expect("first household"),
            both.find("CG-0009").expect("second household"),
            both.find("CG-0010").expect("empty household"),
        );
        assert!(a < b && b < c, "{lang}: in sequence: {both}");
        assert_eq!(both.matches("/10/2025").count(), 7, "{both}");

        let stranger = support_pages(&l, lang, &Lookup::NotRegistered);
        assert_eq!(stranger.len(), 1);
        let how = render::plain(&l, lang, &Msg::new("tt-not-registered"));
        assert!(stranger[0].starts_with(&how), "{lang}: {}", stranger[0]);
        assert!(!stranger[0].contains("CG-"), "nothing about a household");

        let officer = support_pages(&l, lang, &Lookup::OfficerNeedsCode);
        assert_eq!(officer.len(), 1);
        assert!(officer[0].contains("TT CG-0001"), "{lang}: {}", officer[0]);
    }
    let vi = support_pages(&l, "vi", &Lookup::NotRegistered);
    assert!(vi[0].contains("UBND xa"), "{}", vi[0]);
    assert!(vi[0].ends_with("\n0. Quay lai"), "{}", vi[0]);
}

#[test]
fn legal_aid_walks_category_mode_confirm_and_every_screen_fits() {
    let l = locales();
    let s = |t: &str| screen(&l, "vi", t);
    assert_eq!(s("2"), ("legal_aid/category".into(), None));
    // Eight categories do not fit one screen with the error line's room: 9 shows the rest.
    assert_eq!(s("2*9"), ("legal_aid/category#2".into(), None));
    assert_eq!(s("2*3"), ("legal_aid/mode".into(), None));
    assert_eq!(s("2*9*8"), ("legal_aid/mode".into(), None));
    assert_eq!(s("2*3*2"), ("legal_aid/confirm".into(), None));
    assert_eq!(
        s("2*3*2*1"),
        ("legal_aid=domestic_violence+call_only".into(), None)
    );
    assert_eq!(s("2*3*2*0"), ("legal_aid/mode".into(), None), "0 goes back");
    assert_eq!(
        s("2*3*4"),
        ("legal_aid/mode".into(), Some(InputError::NoSuchOption))
    );
    assert_eq!(
        s("2*3*2*2"),
        ("legal_aid/confirm".into(), Some(InputError::NoSuchOption))
    );
    assert!(walk(&l, "vi", &["2", "1", "1", "1"], &Fetched::new()).clean);
    for lang in l.languages() {
        let screens = every_screen(&l, lang, &Fetched::new());
        for id in ["legal_aid/category", "legal_aid/mode", "legal_aid/confirm"] {
            assert!(screens.contains_key(id), "{lang}: {:?}", screens.keys());
        }
        let done = Msg::new("ussd-legal-aid-done")
            .arg("ref", "TG-WWWWWW")
            .num("days", 2);
        let text = render::plain(&l, lang, &done);
        check(lang, "legal aid done", &text);
        assert!(
            text.contains("TG-WWWWWW") && text.contains("02-TP-TGPL"),
            "{text}"
        );
    }
    let (_, confirm) = &every_screen(&l, "vi", &Fetched::new())["legal_aid/confirm"];
    assert!(confirm.contains("1. Gui\n0. Quay lai"), "{confirm}");
}
