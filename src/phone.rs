//! Vietnamese mobile numbers (MSISDNs) and SMS sender ids: parsing, 2018 renumbering, masking for logs.

use std::fmt;
use std::str::FromStr;

use phonenumber::{country, metadata::DATABASE, Mode, Type};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const COUNTRY_CODE: &str = "84";

/// Inputs longer than this are not phone numbers; the bound keeps a hostile
/// message from costing us regex time in libphonenumber.
const MAX_DIGITS: usize = 20;

/// A Vietnamese mobile number in E.164 form (+84 and 9 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msisdn(String);

/// Record of an old 11-digit mobile number rewritten by the 2018 renumbering,
/// so callers can tell the citizen which number we will actually use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The number as given, in national form, e.g. "01626123456".
    pub old: String,
    /// The number it became, in national form, e.g. "0326123456".
    pub new: String,
}

/// Why a string is not a Vietnamese mobile number. The messages are meant to
/// be shown to a commune officer or citizen as they are.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhoneError {
    #[error("no phone number was given")]
    Empty,
    #[error(
        "a phone number may contain only digits, spaces, dots, dashes, brackets and a leading +; \
         this one has letters or other symbols"
    )]
    InvalidCharacters,
    /// `digits` counts the number as it is written nationally, i.e. with the
    /// country code replaced by 0, so it can be compared with the 10 in the message.
    #[error(
        "a Vietnamese mobile number has 10 digits starting with 0 (e.g. 0912345678); \
         this one has {digits}"
    )]
    WrongLength { digits: usize },
    #[error(
        "this is not a Vietnamese number; Vietnamese numbers start with 0, 84 or +84 \
         (e.g. 0912345678 or +84912345678)"
    )]
    NotVietnamese,
    #[error(
        "this is a landline or service number, not a mobile number; \
         only mobile numbers can receive our text messages"
    )]
    NotMobile,
    #[error(
        "this is not a valid Vietnamese mobile number: no network uses this number range; \
         please check the digits"
    )]
    Invalid,
}

/// 2018 renumbering of 11-digit mobile numbers, as (old national prefix
/// without 0, new national prefix without 0). Ours rather than
/// libphonenumber's: its metadata only describes numbers valid today.
const RENUMBERING_2018: [(&str, &str); 21] = [
    // Viettel
    ("162", "32"),
    ("163", "33"),
    ("164", "34"),
    ("165", "35"),
    ("166", "36"),
    ("167", "37"),
    ("168", "38"),
    ("169", "39"),
    // MobiFone
    ("120", "70"),
    ("121", "79"),
    ("122", "77"),
    ("126", "76"),
    ("128", "78"),
    // VinaPhone
    ("123", "83"),
    ("124", "84"),
    ("125", "85"),
    ("127", "81"),
    ("129", "82"),
    // Vietnamobile
    ("186", "56"),
    ("188", "58"),
    // Gmobile
    ("199", "59"),
];

/// The digits of an input after its international or trunk prefix has been
/// taken off, plus how the user wrote it so length errors can be reported in
/// the user's own terms.
struct Split {
    nsn: String,
    had_prefix: bool,
}

impl Split {
    fn national_len(&self) -> usize {
        // Bare digits are counted as typed: adding an imagined 0 would make
        // the count disagree with what the user sees on their screen.
        self.nsn.len() + usize::from(self.had_prefix)
    }
}

impl PhoneError {
    /// The reason in a person's language (the `Display` text is the English one, for logs and
    /// the API).
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::i18n::Msg;
        match self {
            PhoneError::Empty => Msg::new("phone-error-empty"),
            PhoneError::InvalidCharacters => Msg::new("phone-error-characters"),
            PhoneError::WrongLength { digits } => {
                Msg::new("phone-error-length").num("digits", *digits as i64)
            }
            PhoneError::NotVietnamese => Msg::new("phone-error-not-vietnamese"),
            PhoneError::NotMobile => Msg::new("phone-error-not-mobile"),
            PhoneError::Invalid => Msg::new("phone-error-invalid"),
        }
    }
}

impl Msisdn {
    pub fn parse(input: &str) -> Result<Msisdn, PhoneError> {
        Self::parse_with_note(input).map(|(msisdn, _)| msisdn)
    }

    /// When the input was an old 11-digit number converted in 2018, the converted form is returned and this tells it happened.
    pub fn parse_with_note(input: &str) -> Result<(Msisdn, Option<Conversion>), PhoneError> {
        let split = split_prefix(input)?;
        let (nsn, conversion) = match renumber_2018(&split.nsn) {
            Some(new_nsn) => {
                let note = Conversion {
                    old: format!("0{}", split.nsn),
                    new: format!("0{new_nsn}"),
                };
                (new_nsn, Some(note))
            }
            None => (split.nsn.clone(), None),
        };
        let invalid_or_wrong_length = || {
            if nsn.len() == 9 {
                PhoneError::Invalid
            } else {
                PhoneError::WrongLength {
                    digits: split.national_len(),
                }
            }
        };

        let number = phonenumber::parse(Some(country::Id::VN), format!("+{COUNTRY_CODE}{nsn}"))
            .map_err(|_| invalid_or_wrong_length())?;
        if number.code().value() != 84 || !number.is_valid() {
            return Err(invalid_or_wrong_length());
        }
        match number.number_type(&DATABASE) {
            Type::Mobile | Type::FixedLineOrMobile => {}
            _ => return Err(PhoneError::NotMobile),
        }

        let e164 = number.format().mode(Mode::E164).to_string();
        // Masking and `national` rely on this exact shape; a metadata update
        // that admits other lengths must fail loudly here, not leak digits.
        let shape_ok = e164.len() == 12
            && e164.starts_with("+84")
            && e164[1..].bytes().all(|b| b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid_or_wrong_length());
        }
        Ok((Msisdn(e164), conversion))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "0912345678"
    pub fn national(&self) -> String {
        format!("0{}", self.subscriber())
    }

    /// "+8491*****78": enough to tell numbers apart in logs without
    /// identifying the citizen.
    pub fn masked(&self) -> String {
        let nsn = self.subscriber();
        let keep_end = nsn.len().saturating_sub(2);
        let head = nsn.get(..2).unwrap_or("");
        let tail = nsn.get(keep_end..).unwrap_or("");
        let stars = "*".repeat(nsn.len().saturating_sub(head.len() + tail.len()));
        format!("+{COUNTRY_CODE}{head}{stars}{tail}")
    }

    fn subscriber(&self) -> &str {
        self.0.strip_prefix("+84").unwrap_or(&self.0)
    }
}

/// Separates the country code or trunk 0 from the digits that follow, after
/// checking the characters. This is done by hand rather than by
/// libphonenumber because the 2018 conversion has to see the old 11-digit
/// form before libphonenumber rejects it, and because we want to tell a
/// foreign number apart from a wrong one.
fn split_prefix(input: &str) -> Result<Split, PhoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (has_plus, body) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let allowed = |c: char| c.is_ascii_digit() || c.is_whitespace() || ".-()".contains(c);
    if !body.chars().all(allowed) {
        return Err(PhoneError::InvalidCharacters);
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    if digits.len() > MAX_DIGITS {
        return Err(PhoneError::WrongLength {
            digits: digits.len(),
        });
    }

    let international = if has_plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    if let Some(after_idd) = international {
        return match after_idd.strip_prefix(COUNTRY_CODE) {
            Some(rest) => Ok(Split {
                nsn: strip_optional_trunk_zero(rest),
                had_prefix: true,
            }),
            // No country code starts with 0, so "+0…" is a typo, not a foreign number.
            None if after_idd.starts_with('0') => Err(PhoneError::Invalid),
            None => Err(PhoneError::NotVietnamese),
        };
    }
    if let Some(rest) = digits.strip_prefix('0') {
        return Ok(Split {
            nsn: rest.to_owned(),
            had_prefix: true,
        });
    }
    // Gateways deliver "84…" without the plus. A national number without its
    // 0 is at most 10 digits (old mobile), so 11 or more digits starting with
    // 84 can only be international.
    if digits.len() >= 11 {
        if let Some(rest) = digits.strip_prefix(COUNTRY_CODE) {
            return Ok(Split {
                nsn: strip_optional_trunk_zero(rest),
                had_prefix: true,
            });
        }
    }
    Ok(Split {
        nsn: digits,
        had_prefix: false,
    })
}

/// People often write "+84 (0) 912…" or "+840912…"; no Vietnamese national
/// number starts with 0, so the extra 0 is unambiguous.
fn strip_optional_trunk_zero(rest: &str) -> String {
    rest.strip_prefix('0').unwrap_or(rest).to_owned()
}

fn renumber_2018(nsn: &str) -> Option<String> {
    if nsn.len() != 10 {
        return None;
    }
    RENUMBERING_2018.iter().find_map(|(old, new)| {
        nsn.strip_prefix(old)
            .map(|subscriber| format!("{new}{subscriber}"))
    })
}

/// Prints the masked form so that a stray `{}` in a log line never leaks a
/// citizen's number; use [`Msisdn::as_str`] for the real value.
impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for Msisdn {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Msisdn::parse(s)
    }
}

impl Serialize for Msisdn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Msisdn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Stored data is re-validated so that a hand-edited row or an old
        // export cannot smuggle an invalid number past parse.
        let raw = String::deserialize(deserializer)?;
        Msisdn::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Who sent an inbound message: a real mobile number we may answer, or a short code / alphanumeric sender id (e.g. "9029", "VIETTEL", "Zalo") that loa never replies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Mobile(Msisdn),
    ShortCode(String),
    Alphanumeric(String),
}

impl Sender {
    pub fn classify(raw: &str) -> Result<Sender, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let is_short_code =
            (3..=6).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_digit());
        if is_short_code {
            return Ok(Sender::ShortCode(trimmed.to_owned()));
        }
        if trimmed.chars().any(char::is_alphabetic) {
            // Sender ids are brand names; anything else with letters in it
            // (control characters, markup) is not something a network sends.
            let sender_id_char = |c: char| c.is_alphanumeric() || c == ' ' || ".-_&'+".contains(c);
            return if trimmed.chars().all(sender_id_char) {
                Ok(Sender::Alphanumeric(trimmed.to_owned()))
            } else {
                Err(PhoneError::InvalidCharacters)
            };
        }
        Msisdn::parse(trimmed).map(Sender::Mobile)
    }

    pub fn mobile(&self) -> Option<&Msisdn> {
        match self {
            Sender::Mobile(msisdn) => Some(msisdn),
            Sender::ShortCode(_) | Sender::Alphanumeric(_) => None,
        }
    }

    /// Short codes and sender ids identify businesses, not citizens, so only
    /// mobile numbers need hiding.
    pub fn masked(&self) -> String {
        match self {
            Sender::Mobile(msisdn) => msisdn.masked(),
            Sender::ShortCode(code) => code.clone(),
            Sender::Alphanumeric(name) => name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn msisdn(s: &str) -> Msisdn {
        match Msisdn::parse(s) {
            Ok(m) => m,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    #[test]
    fn accepts_every_documented_format() {
        let inputs = [
            "0912345678",
            "84912345678",
            "+84912345678",
            "+84 91 234 5678",
            "0912.345.678",
            "0912-345-678",
            "(091) 2345678",
            "0084912345678",
            "  0912345678\n",
            "+84 (0) 912 345 678",
            "+840912345678",
            "912345678",
        ];
        for input in inputs {
            assert_eq!(msisdn(input).as_str(), "+84912345678", "input {input:?}");
        }
    }

    #[test]
    fn accessors() {
        let m = msisdn("0912345678");
        assert_eq!(m.as_str(), "+84912345678");
        assert_eq!(m.national(), "0912345678");
        assert_eq!(m.masked(), "+8491*****78");
    }

    #[test]
    fn current_number_carries_no_conversion_note() {
        let (m, note) = Msisdn::parse_with_note("0326123456").expect("valid Viettel number");
        assert_eq!(m.as_str(), "+84326123456");
        assert_eq!(note, None);
    }

    #[test]
    fn every_2018_conversion_row() {
        let table = [
            ("0162", "032"),
            ("0163", "033"),
            ("0164", "034"),
            ("0165", "035"),
            ("0166", "036"),
            ("0167", "037"),
            ("0168", "038"),
            ("0169", "039"),
            ("0120", "070"),
            ("0121", "079"),
            ("0122", "077"),
            ("0126", "076"),
            ("0128", "078"),
            ("0123", "083"),
            ("0124", "084"),
            ("0125", "085"),
            ("0127", "081"),
            ("0129", "082"),
            ("0186", "056"),
            ("0188", "058"),
            ("0199", "059"),
        ];
        assert_eq!(table.len(), RENUMBERING_2018.len());
        for (old_prefix, new_prefix) in table {
            let old = format!("{old_prefix}6123456");
            let new = format!("{new_prefix}6123456");
            let expected_e164 = format!("+84{}", &new[1..]);
            let forms = [
                old.clone(),
                format!("84{}", &old[1..]),
                format!("+84{}", &old[1..]),
                format!("0084{}", &old[1..]),
                format!("{} {} {}", &old[..4], &old[4..7], &old[7..]),
            ];
            for form in forms {
                let (m, note) = match Msisdn::parse_with_note(&form) {
                    Ok(ok) => ok,
                    Err(e) => panic!("{form:?} should convert to {new}: {e}"),
                };
                assert_eq!(m.as_str(), expected_e164, "input {form:?}");
                assert_eq!(
                    note,
                    Some(Conversion {
                        old: old.clone(),
                        new: new.clone()
                    }),
                    "input {form:?}"
                );
            }
        }
    }

    #[test]
    fn old_prefix_outside_table_is_not_converted() {
        assert_eq!(
            Msisdn::parse("01876123456"),
            Err(PhoneError::WrongLength { digits: 11 })
        );
    }

    #[test]
    fn rejections_give_their_reason() {
        let forty_digits = "0123456789".repeat(4);
        let cases = [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("()-", PhoneError::Empty),
            ("09123abc78", PhoneError::InvalidCharacters),
            ("hello", PhoneError::InvalidCharacters),
            ("0912345678#", PhoneError::InvalidCharacters),
            ("09+12345678", PhoneError::InvalidCharacters),
            ("０９１２３４５６７８", PhoneError::InvalidCharacters),
            ("091234", PhoneError::WrongLength { digits: 6 }),
            ("09123456", PhoneError::WrongLength { digits: 8 }),
            ("09123456789", PhoneError::WrongLength { digits: 11 }),
            ("+84 91234", PhoneError::WrongLength { digits: 6 }),
            ("849123456789", PhoneError::WrongLength { digits: 11 }),
            ("1234", PhoneError::WrongLength { digits: 4 }),
            (
                forty_digits.as_str(),
                PhoneError::WrongLength { digits: 40 },
            ),
            ("+12025550123", PhoneError::NotVietnamese),
            ("+66812345678", PhoneError::NotVietnamese),
            ("0066812345678", PhoneError::NotVietnamese),
            ("+0912345678", PhoneError::Invalid),
            ("02438251234", PhoneError::NotMobile),
            ("+84 24 3825 1234", PhoneError::NotMobile),
            ("1900123456", PhoneError::NotMobile),
            ("0112345678", PhoneError::Invalid),
            ("0202345678", PhoneError::Invalid),
        ];
        for (input, expected) in cases {
            assert_eq!(Msisdn::parse(input), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn error_messages_explain() {
        assert_eq!(
            PhoneError::WrongLength { digits: 8 }.to_string(),
            "a Vietnamese mobile number has 10 digits starting with 0 (e.g. 0912345678); \
             this one has 8"
        );
        let all = [
            PhoneError::Empty,
            PhoneError::InvalidCharacters,
            PhoneError::NotVietnamese,
            PhoneError::NotMobile,
            PhoneError::Invalid,
        ];
        for e in all {
            assert!(e.to_string().len() > 20, "{e:?} needs a real explanation");
        }
    }

    #[test]
    fn display_is_masked() {
        let m = msisdn("+84912345678");
        assert_eq!(m.to_string(), m.masked());
        assert_eq!(format!("{m}"), "+8491*****78");
        assert!(!format!("{m}").contains("23456"));
    }

    #[test]
    fn from_str_parses() {
        let m: Msisdn = "0912 345 678".parse().expect("valid");
        assert_eq!(m.as_str(), "+84912345678");
        assert_eq!("abc".parse::<Msisdn>(), Err(PhoneError::InvalidCharacters));
    }

    #[test]
    fn serde_round_trip_uses_e164() {
        let m = msisdn("0912345678");
        let json = serde_json::to_string(&m).expect("serialize");
        assert_eq!(json, "\"+84912345678\"");
        let back: Msisdn = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, m);
    }

    #[test]
    fn deserialize_validates() {
        assert!(serde_json::from_str::<Msisdn>("\"02438251234\"").is_err());
        assert!(serde_json::from_str::<Msisdn>("\"+1202555012\"").is_err());
        assert!(serde_json::from_str::<Msisdn>("912345678").is_err());
    }

    #[test]
    fn sender_classification() {
        let mobile = Sender::classify(" 84912345678 ").expect("mobile");
        assert_eq!(mobile, Sender::Mobile(msisdn("0912345678")));
        assert_eq!(mobile.mobile(), Some(&msisdn("0912345678")));
        assert_eq!(mobile.masked(), "+8491*****78");

        for code in ["191", "1900", "9029", "123456"] {
            let sender = Sender::classify(code).expect("short code");
            assert_eq!(sender, Sender::ShortCode(code.to_owned()));
            assert_eq!(sender.mobile(), None);
            assert_eq!(sender.masked(), code);
        }
        for name in ["VIETTEL", "Zalo", "MobiFone", " Vietcombank ", "BO Y TE"] {
            let sender = Sender::classify(name).expect("alphanumeric");
            assert_eq!(sender, Sender::Alphanumeric(name.trim().to_owned()));
            assert_eq!(sender.mobile(), None);
        }
    }

    #[test]
    fn sender_rejects_garbage() {
        assert_eq!(Sender::classify("  "), Err(PhoneError::Empty));
        assert_eq!(
            Sender::classify("12"),
            Err(PhoneError::WrongLength { digits: 2 })
        );
        assert_eq!(Sender::classify("#$%"), Err(PhoneError::InvalidCharacters));
        assert_eq!(
            Sender::classify("Zalo\u{0}"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            Sender::classify("<b>x</b>"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(Sender::classify("02438251234"), Err(PhoneError::NotMobile));
    }

    /// Independent of `Msisdn::parse`: asks libphonenumber directly which
    /// subscriber numbers are mobiles today.
    fn is_current_mobile(nsn: &str) -> bool {
        phonenumber::parse(Some(country::Id::VN), format!("+84{nsn}"))
            .map(|n| n.is_valid() && n.number_type(&DATABASE) == Type::Mobile)
            .unwrap_or(false)
    }

    fn mobile_nsn() -> impl Strategy<Value = String> {
        "[35789][0-9]{8}".prop_filter("libphonenumber mobile range", |n| is_current_mobile(n))
    }

    fn render(nsn: &str, prefix: &str, sep: &str, cuts: &[bool]) -> String {
        let mut out = String::from(prefix);
        for (i, digit) in nsn.chars().enumerate() {
            if i > 0 && cuts.get(i - 1).copied().unwrap_or(false) {
                out.push_str(sep);
            }
            out.push(digit);
        }
        out
    }

    proptest! {
        #[test]
        fn every_style_parses_to_the_same_msisdn(
            nsn in mobile_nsn(),
            prefix in prop::sample::select(vec!["0", "84", "+84", "0084", "+84 ", "0084 ", "+84 (0) ", "(0"]),
            sep in prop::sample::select(vec!["", " ", ".", "-"]),
            cuts in prop::collection::vec(any::<bool>(), 8),
            pad in prop::sample::select(vec!["", " ", "\t", "\n"]),
        ) {
            let text = if prefix == "(0" {
                // Brackets only make sense around the leading group, as in "(091) 2345678".
                format!("(0{}) {}", &nsn[..2], &nsn[2..])
            } else {
                render(&nsn, prefix, sep, &cuts)
            };
            let text = format!("{pad}{text}{pad}");
            let expected = format!("+84{nsn}");
            prop_assert_eq!(Msisdn::parse(&text).map(|m| m.0), Ok(expected), "input {:?}", text);
        }

        #[test]
        fn masked_hides_the_middle(nsn in mobile_nsn()) {
            let m = Msisdn::parse(&format!("0{nsn}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let masked = m.masked();
            prop_assert_eq!(&masked, &format!("+84{}*****{}", &nsn[..2], &nsn[7..]));
            prop_assert!(!masked.contains(&nsn[2..7]));
            prop_assert_eq!(m.to_string(), masked);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Msisdn::parse(&s);
            let _ = Msisdn::parse_with_note(&s);
            let _ = Sender::classify(&s);
        }

        #[test]
        fn parse_never_panics_on_phone_like_text(s in "[+0-9 .()\\-]{0,24}") {
            if let Ok(m) = Msisdn::parse(&s) {
                prop_assert_eq!(m.as_str().len(), 12);
                prop_assert_eq!(Msisdn::parse(m.as_str()), Ok(m.clone()));
            }
            let _ = Sender::classify(&s);
        }
    }
}
