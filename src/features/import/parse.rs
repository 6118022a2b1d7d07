//! Cell values as commune offices write them: dates, quantities, phones, yes/no, and codes typed as numbers.

use chrono::NaiveDate;

use crate::phone::Msisdn;

/// Lower case, no diacritics, single spaces: how words in cells are compared.
pub fn words(s: &str) -> String {
    crate::text::unaccent(s)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// dd/mm/yyyy (also with `-` or `.`, one-digit day or month, two-digit year) or yyyy-mm-dd.
pub fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let (d, m, mut y): (u32, u32, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if y < 100 {
        y += 2000;
    }
    if !(1990..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A quantity in thousandths. `40000000`, `40.000.000` and `40,000,000` are forty million;
/// `2.5` and `2,5` are two and a half: separators each followed by exactly three digits are
/// thousands separators (so `1.500` is fifteen hundred), one separator otherwise is the decimal point.
pub fn quantity_milli(s: &str) -> Option<i64> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let groups: Vec<&str> = s.split(['.', ',']).collect();
    let one_kind = !(s.contains('.') && s.contains(','));
    let (int, frac) = if groups.len() == 1 {
        (s.clone(), String::new())
    } else if one_kind && !groups[0].is_empty() && groups[1..].iter().all(|g| g.len() == 3) {
        (groups.concat(), String::new())
    } else if groups.len() == 2 {
        (groups[0].to_string(), groups[1].to_string())
    } else {
        return None;
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 3 {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_milli: i64 = format!("{frac:0<3}").parse().ok()?;
    int.checked_mul(1000)?.checked_add(frac_milli)
}

/// Every phone in a cell: separated by `;`, `,`, `/`, new lines or " - "; a number a spreadsheet
/// stored as digits without its leading 0 (912001001) gets it back. Errors carry the bad piece.
pub fn phones(cell: &str) -> Vec<Result<Msisdn, String>> {
    cell.split([';', ',', '/', '\n', '|'])
        .flat_map(|p| p.split(" - "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            let candidate = if digits.len() == 9 && p.chars().all(|c| c.is_ascii_digit()) {
                format!("0{digits}")
            } else {
                p.to_string()
            };
            Msisdn::parse(&candidate).map_err(|_| p.to_string())
        })
        .collect()
}

/// có / không, x / (empty), yes / no, 1 / 0.
pub fn yes_no(s: &str) -> Option<bool> {
    match words(s).as_str() {
        "co" | "x" | "yes" | "y" | "1" | "true" | "dbkk" => Some(true),
        "khong" | "" | "no" | "n" | "0" | "false" => Some(false),
        _ => None,
    }
}

/// Whether `s` is all digits (a code a spreadsheet may have stored as a number).
pub fn digits_only(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(2025, 9, 15);
        for s in [
            "15/09/2025",
            "15/9/2025",
            "15-09-2025",
            "2025-09-15",
            "15.09.25",
        ] {
            assert_eq!(date(s), d, "{s}");
        }
        for s in ["31/02/2025", "15/13/2025", "hôm qua", "", "15/09/1850"] {
            assert_eq!(date(s), None, "{s}");
        }
    }

    #[test]
    fn quantities_with_thousands_and_decimal_separators() {
        assert_eq!(quantity_milli("40000000"), Some(40_000_000_000));
        assert_eq!(quantity_milli("40.000.000"), Some(40_000_000_000));
        assert_eq!(quantity_milli("40,000,000"), Some(40_000_000_000));
        assert_eq!(quantity_milli("2.5"), Some(2_500));
        assert_eq!(quantity_milli("2,5"), Some(2_500));
        assert_eq!(quantity_milli("15"), Some(15_000));
        assert_eq!(quantity_milli("0"), Some(0));
        assert_eq!(quantity_milli("1.500"), Some(1_500_000));
        for s in ["", "abc", "-5", "1.2.3", "1.23456"] {
            assert_eq!(quantity_milli(s), None, "{s}");
        }
    }

    #[test]
    fn several_phones_in_any_format() {
        let got: Vec<_> = phones("0912001002; 0388001002, +84 912 001 005 / 912001003")
            .into_iter()
            .map(|p| p.map(|m| m.as_str().to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                Ok("+84912001002".to_string()),
                Ok("+84388001002".to_string()),
                Ok("+84912001005".to_string()),
                Ok("+84912001003".to_string()),
            ]
        );
        assert!(phones("").is_empty());
        assert_eq!(phones("12345"), vec![Err("12345".to_string())]);
    }

    proptest! {
        #[test]
        fn whole_numbers_round_trip(n in 0i64..1_000_000_000) {
            prop_assert_eq!(quantity_milli(&n.to_string()), Some(n * 1000));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,30}") {
            let _ = date(&s);
            let _ = quantity_milli(&s);
            let _ = phones(&s);
            let _ = yes_no(&s);
        }
    }
}
