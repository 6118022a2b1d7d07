//! Africa's Talking USSD wire format: a step arrives as a form, and is answered with `CON ` or `END ` text.
//!
//! The form: `sessionId`, `serviceCode`, `phoneNumber`, `networkCode`, and `text`, the person's
//! inputs so far joined by `*` (empty on the first screen; a dial string `*123*4#` arrives as
//! `4`). The answer is plain text: `CON ` and a screen when more input is wanted, `END ` and a
//! screen when the session is over. USSD is synchronous, so the screen goes back in the HTTP
//! response and never through the outbox. Most USSD aggregators copy this convention.

use serde::Deserialize;

use crate::phone::Msisdn;

/// Session ids and codes are echoed into our tables; keep them short.
const MAX_ID_CHARS: usize = 100;
const MAX_CODE_CHARS: usize = 40;
/// A session's whole history: hundreds of inputs, more than any person types in 180 s.
pub const MAX_TEXT_CHARS: usize = 1000;

/// The request is not a USSD step loa can read: the edge answers 400 and stores nothing.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    pub code: &'static str,
    pub message: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> FormError {
    FormError {
        code,
        message: message.into(),
    }
}

/// One step as the aggregator posts it. Unknown fields are ignored: aggregators add their own.
#[derive(Deserialize)]
struct Form {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    #[serde(rename = "serviceCode")]
    service_code: Option<String>,
    #[serde(rename = "phoneNumber")]
    phone_number: Option<String>,
    #[serde(rename = "networkCode")]
    network_code: Option<String>,
    text: Option<String>,
}

/// A step read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UssdRequest {
    pub session_id: String,
    pub service_code: String,
    pub phone: Msisdn,
    pub network_code: Option<String>,
    pub text: String,
}

/// The answer: a screen, and whether the session ends with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UssdReply {
    pub end: bool,
    pub text: String,
}

impl UssdReply {
    /// The response body: `CON …` or `END …`.
    pub fn to_wire(&self) -> String {
        let head = if self.end { "END" } else { "CON" };
        format!("{head} {}", self.text)
    }
}

/// Reads a form body (`application/x-www-form-urlencoded`).
pub fn parse(body: &[u8]) -> Result<UssdRequest, FormError> {
    let form: Form = serde_urlencoded::from_bytes(body)
        .map_err(|e| invalid("bad_form", format!("not a USSD form: {e}")))?;
    let session_id = form
        .session_id
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_ID_CHARS)
        .ok_or_else(|| {
            invalid(
                "bad_session",
                format!("sessionId must be 1 to {MAX_ID_CHARS} characters"),
            )
        })?;
    let phone = Msisdn::parse(form.phone_number.as_deref().unwrap_or(""))
        .map_err(|e| invalid("bad_number", format!("phoneNumber: {e}")))?;
    let service_code = form.service_code.unwrap_or_default();
    let network_code = form.network_code.filter(|c| !c.is_empty());
    if service_code.chars().count() > MAX_CODE_CHARS
        || network_code
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_CODE_CHARS)
    {
        return Err(invalid(
            "bad_code",
            format!("serviceCode and networkCode are at most {MAX_CODE_CHARS} characters"),
        ));
    }
    let text = form.text.unwrap_or_default();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            "text_too_long",
            format!("text is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(UssdRequest {
        session_id,
        service_code,
        phone,
        network_code,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
        serde_urlencoded::to_string(pairs)
            .expect("form")
            .into_bytes()
    }

    #[test]
    fn reads_the_fields_and_normalizes_the_number() {
        let body = form(&[
            ("sessionId", "ATUid_1"),
            ("serviceCode", "*384*123#"),
            ("phoneNumber", "+84912001001"),
            ("networkCode", "45204"),
            ("text", "4*1"),
            ("extra", "ignored"),
        ]);
        let r = parse(&body).expect("parses");
        assert_eq!(r.session_id, "ATUid_1");
        assert_eq!(r.phone.as_str(), "+84912001001");
        assert_eq!(r.text, "4*1");
        assert_eq!(r.network_code.as_deref(), Some("45204"));
        let r = parse(&form(&[("sessionId", "s"), ("phoneNumber", "0912001001")])).expect("ok");
        assert_eq!((r.text.as_str(), r.phone.as_str()), ("", "+84912001001"));
    }

    #[test]
    fn refuses_what_is_not_a_step() {
        let code = |body: &[u8]| match parse(body) {
            Err(FormError { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(&form(&[("phoneNumber", "0912001001")])), "bad_session");
        assert_eq!(
            code(&form(&[("sessionId", "s"), ("phoneNumber", "9029")])),
            "bad_number"
        );
        assert_eq!(code(&form(&[("sessionId", "s")])), "bad_number");
        let long = "1*".repeat(600);
        let body = form(&[
            ("sessionId", "s"),
            ("phoneNumber", "0912001001"),
            ("text", &long),
        ]);
        assert_eq!(code(&body), "text_too_long");
        let id = "x".repeat(101);
        assert_eq!(
            code(&form(&[("sessionId", &id), ("phoneNumber", "0912001001")])),
            "bad_session"
        );
    }

    #[test]
    fn the_wire_says_con_or_end() {
        let r = UssdReply {
            end: false,
            text: "Menu".into(),
        };
        assert_eq!(r.to_wire(), "CON Menu");
        let r = UssdReply {
            end: true,
            text: "Bye".into(),
        };
        assert_eq!(r.to_wire(), "END Bye");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any body at all: a 400 or a reading, never a panic.
        #[test]
        fn parse_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&body);
        }
    }
}
