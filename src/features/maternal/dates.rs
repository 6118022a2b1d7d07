//! Dates as health workers type them in an SMS: `dd/mm/yyyy` or `d/m/yy` (also with `.` or `-`), and `dd/mm` for a campaign day.

use chrono::{Datelike, NaiveDate};

/// Reads `15/06/2026`, `5/6/26`, `15.06.2026`, `15-6-26`; None for anything else.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let parts = split(s)?;
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let year = match y.len() {
        2 => 2000 + parse_num(y)?,
        4 => parse_num(y)?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year as i32, parse_num(m)?, parse_num(d)?)
}

/// Reads `dd/mm` as the next such day on or after `today` (a campaign day this year or the next).
pub fn parse_day_month(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let parts = split(s)?;
    let [d, m] = parts.as_slice() else {
        return parse_date(s);
    };
    let (d, m) = (parse_num(d)?, parse_num(m)?);
    let this = NaiveDate::from_ymd_opt(today.year(), m, d);
    match this {
        Some(day) if day >= today => Some(day),
        _ => NaiveDate::from_ymd_opt(today.year() + 1, m, d),
    }
}

/// Reads a date typed on a keypad without separators: `15062026` or `150626` (day, month, year).
pub fn parse_digits(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if !s.bytes().all(|b| b.is_ascii_digit()) || !(s.len() == 6 || s.len() == 8) {
        return parse_date(s);
    }
    parse_date(&format!("{}/{}/{}", &s[..2], &s[2..4], &s[4..]))
}

/// Whether a word looks like a date at all (digits with `/`, `.` or `-` between them).
pub fn looks_like_date(s: &str) -> bool {
    split(s).is_some_and(|p| p.len() >= 2)
}

fn split(s: &str) -> Option<Vec<&str>> {
    let s = s.trim();
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    let parts: Vec<&str> = s.split(['/', '.', '-']).collect();
    let ok = parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(parts)
}

fn parse_num(s: &str) -> Option<u32> {
    if s.len() > 4 {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn the_forms_people_write() {
        assert_eq!(parse_date("15/06/2026"), Some(d(2026, 6, 15)));
        assert_eq!(parse_date("5/6/26"), Some(d(2026, 6, 5)));
        assert_eq!(parse_date("05.06.2026"), Some(d(2026, 6, 5)));
        assert_eq!(parse_date("5-6-26"), Some(d(2026, 6, 5)));
        for bad in [
            "31/02/2026",
            "15/13/2026",
            "15/06/226",
            "15/06",
            "abc",
            "",
            "1//2026",
            "0912001001",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn keypad_dates_have_no_separators() {
        assert_eq!(parse_digits("15062026"), Some(d(2026, 6, 15)));
        assert_eq!(parse_digits("150626"), Some(d(2026, 6, 15)));
        assert_eq!(parse_digits("15/06/2026"), Some(d(2026, 6, 15)));
        assert_eq!(parse_digits("1506202"), None);
        assert_eq!(parse_digits("31022026"), None);
    }

    #[test]
    fn a_day_and_month_is_the_next_such_day() {
        let today = d(2026, 11, 20);
        assert_eq!(parse_day_month("25/11", today), Some(d(2026, 11, 25)));
        assert_eq!(parse_day_month("20/11", today), Some(d(2026, 11, 20)));
        assert_eq!(parse_day_month("5/1", today), Some(d(2027, 1, 5)));
        assert_eq!(parse_day_month("5/1/2027", today), Some(d(2027, 1, 5)));
        assert_eq!(parse_day_month("32/1", today), None);
    }

    proptest! {
        #[test]
        fn any_text_is_read_without_panicking(s in "\\PC{0,16}") {
            let _ = parse_date(&s);
            let _ = parse_day_month(&s, d(2026, 1, 1));
        }

        #[test]
        fn every_real_date_round_trips(days in 0i64..40_000) {
            let date = d(2000, 1, 1) + chrono::TimeDelta::days(days);
            let long = date.format("%d/%m/%Y").to_string();
            prop_assert_eq!(parse_date(&long), Some(date));
            if date.year() < 2100 {
                let short = date.format("%-d/%-m/%y").to_string();
                prop_assert_eq!(parse_date(&short), Some(date));
            }
        }
    }
}
