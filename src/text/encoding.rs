//! The two SMS data codings `loa` sends with, and their wire names.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Encoding {
    #[serde(rename = "GSM-7")]
    Gsm7,
    #[serde(rename = "UCS-2")]
    Ucs2,
}

impl Encoding {
    pub fn as_str(&self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }

    /// Accepts the canonical names case-insensitively, with or without the
    /// hyphen, because operators type them into configs and CLI flags.
    pub fn parse(s: &str) -> Option<Encoding> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("GSM-7") || s.eq_ignore_ascii_case("GSM7") {
            Some(Encoding::Gsm7)
        } else if s.eq_ignore_ascii_case("UCS-2") || s.eq_ignore_ascii_case("UCS2") {
            Some(Encoding::Ucs2)
        } else {
            None
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in [Encoding::Gsm7, Encoding::Ucs2] {
            assert_eq!(Encoding::parse(e.as_str()), Some(e));
            assert_eq!(e.to_string(), e.as_str());
        }
    }

    #[test]
    fn parse_is_lenient_but_not_loose() {
        assert_eq!(Encoding::parse("gsm7"), Some(Encoding::Gsm7));
        assert_eq!(Encoding::parse(" ucs-2 "), Some(Encoding::Ucs2));
        assert_eq!(Encoding::parse("UTF-8"), None);
        assert_eq!(Encoding::parse(""), None);
    }

    #[test]
    fn serde_uses_wire_names() {
        let json = serde_json::to_string(&Encoding::Gsm7).ok();
        assert_eq!(json.as_deref(), Some("\"GSM-7\""));
        let back: Result<Encoding, _> = serde_json::from_str("\"UCS-2\"");
        assert_eq!(back.ok(), Some(Encoding::Ucs2));
    }
}
