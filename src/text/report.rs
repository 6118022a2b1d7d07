//! The `loa sms-info` report: a text's SMS cost beside that of its không-dấu form.

use serde::Serialize;

use super::lossy::to_gsm7_lossy;
use super::segment::{analyze, SmsInfo};

/// What `loa sms-info` prints; the info fields sit flat beside `unaccented`.
#[derive(Debug, Clone, Serialize)]
pub struct SmsInfoReport {
    #[serde(flatten)]
    pub info: SmsInfo,
    pub unaccented: UnaccentedInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnaccentedInfo {
    pub text: String,
    #[serde(flatten)]
    pub info: SmsInfo,
}

/// The text's info, and the same for its không-dấu form ([`to_gsm7_lossy`]).
pub fn report(text: &str) -> SmsInfoReport {
    let unaccented = to_gsm7_lossy(text);
    SmsInfoReport {
        info: analyze(text),
        unaccented: UnaccentedInfo {
            info: analyze(&unaccented),
            text: unaccented,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::encoding::Encoding;

    #[test]
    fn vietnamese_report() {
        let r = report("Hỗ trợ");
        assert_eq!(r.info.encoding, Encoding::Ucs2);
        assert_eq!(r.info.chars, 6);
        assert_eq!(r.unaccented.text, "Ho tro");
        assert_eq!(r.unaccented.info.encoding, Encoding::Gsm7);
        assert_eq!(r.unaccented.info.parts, 1);
    }

    #[test]
    fn json_shape_is_flat() {
        let json = serde_json::to_value(report("Hỗ trợ")).ok();
        let expected = serde_json::json!({
            "encoding": "UCS-2", "chars": 6, "parts": 1,
            "unaccented": {"text": "Ho tro", "encoding": "GSM-7", "chars": 6, "parts": 1}
        });
        assert_eq!(json, Some(expected));
    }
}
