//! What the HTTP gateway adapters share: the client with its timeouts, how an answer maps to a
//! send error, secrets from the environment, and form encoding that keeps raw bytes.

use std::time::Duration;

use percent_encoding::{percent_decode, utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::StatusCode;

use super::SendError;

/// Longest provider answer we read; the useful part is a status line or a small JSON object.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// A client for one gateway: a whole call may take `timeout`, connecting at most 5 s.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("loa/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building fails only when TLS cannot initialize; a client without a pool still works.
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Time-outs, refused connections and broken answers are worth another try.
pub fn transport_error(err: reqwest::Error) -> SendError {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    SendError::Transient(format!("{what}: {}", without_url(&err)))
}

/// reqwest's errors carry the URL, and ours carry passwords in the query; keep them out of logs.
fn without_url(err: &reqwest::Error) -> String {
    let mut s = err.to_string();
    if let Some(url) = err.url() {
        s = s.replace(url.as_str(), "<url>");
    }
    s
}

/// The usual mapping of a provider's status: 5xx, 408 and 429 are transient; 401 and 403 too
/// (wrong credentials or an empty balance are fixed by the operator, not by dropping messages);
/// other 4xx refuse this message for good.
pub fn classify(status: StatusCode, answer: &str) -> Result<(), SendError> {
    let reason = format!("{} {}", status.as_u16(), short(answer));
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 408 | 425 | 429) {
        Err(SendError::Transient(reason))
    } else {
        Err(SendError::Permanent(reason))
    }
}

/// Posts `form` as `application/x-www-form-urlencoded` with `request`'s headers and reads the
/// provider's answer; the providers that take forms (Jasmin, aggregators) all go through here.
pub async fn post_form(
    request: reqwest::RequestBuilder,
    form: String,
) -> Result<(StatusCode, String), SendError> {
    let res = request
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form)
        .send()
        .await
        .map_err(transport_error)?;
    read_answer(res).await
}

/// Reads at most MAX_ANSWER_BYTES of an answer, lossily as text.
pub async fn read_answer(res: reqwest::Response) -> Result<(StatusCode, String), SendError> {
    let status = res.status();
    let bytes = res.bytes().await.map_err(transport_error)?;
    let cut = &bytes[..bytes.len().min(MAX_ANSWER_BYTES)];
    Ok((status, String::from_utf8_lossy(cut).into_owned()))
}

/// A provider's text for an error message: one line, 200 characters at most, and any run of 7 or
/// more digits masked (providers echo the number they refused; logs carry no full numbers).
pub fn short(answer: &str) -> String {
    let one_line: Vec<char> = answer
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    let mut out = String::with_capacity(one_line.len());
    let mut i = 0;
    while i < one_line.len() {
        let run = one_line[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if run >= 7 {
            let digits = &one_line[i..i + run];
            out.extend(&digits[..4]);
            out.extend(std::iter::repeat_n('*', run - 6));
            out.extend(&digits[run - 2..]);
            i += run;
        } else if run > 0 {
            out.extend(&one_line[i..i + run]);
            i += run;
        } else {
            out.push(one_line[i]);
            i += 1;
        }
    }
    out
}

/// The value of the environment variable a gateway file names for a secret.
pub fn secret(var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(v),
        Ok(_) => Err(format!("environment variable {var} is empty")),
        Err(_) => Err(format!("environment variable {var} is not set")),
    }
}

/// Percent-encodes text for a query string (every byte but letters and digits).
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Percent-encodes raw bytes (UTF-16BE text for Kannel) for a query string.
pub fn enc_bytes(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, NON_ALPHANUMERIC).to_string()
}

/// Text as UTF-16 big-endian bytes: what UCS-2 means on the wire (surrogate pairs included).
pub fn utf16be(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

/// UTF-16BE bytes back to text; `None` for an odd length or a broken surrogate pair.
pub fn from_utf16be(bytes: &[u8]) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// Bytes in a charset a gateway named: UTF-16BE/UCS-2, else UTF-8, else Latin-1 (what Kannel
/// gives when it recoded a message to ISO-8859-1 or WINDOWS-1252).
pub fn decode_text(bytes: &[u8], charset: Option<&str>) -> Option<String> {
    let cs = charset.unwrap_or("").to_ascii_uppercase();
    if cs == "UTF-16BE" || cs == "UCS-2" || cs == "UTF-16" {
        return from_utf16be(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.to_string()),
        Err(_) => Some(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// An `application/x-www-form-urlencoded` string as (name, raw bytes) pairs: `+` is a space and
/// `%XX` any byte, so UTF-16 text survives until we know its charset.
pub fn form_pairs(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
    raw.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let plus = |s: &[u8]| -> Vec<u8> {
                s.iter()
                    .map(|&b| if b == b'+' { b' ' } else { b })
                    .collect()
            };
            let key: Vec<u8> = percent_decode(&plus(k)).collect();
            let value: Vec<u8> = percent_decode(&plus(v)).collect();
            (String::from_utf8_lossy(&key).into_owned(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn status_mapping() {
        assert!(classify(StatusCode::ACCEPTED, "0: Accepted").is_ok());
        assert!(matches!(
            classify(StatusCode::SERVICE_UNAVAILABLE, ""),
            Err(SendError::Transient(_))
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, ""),
            Err(SendError::Transient(_))
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, ""),
            Err(SendError::Transient(_))
        ));
        assert!(
            matches!(classify(StatusCode::BAD_REQUEST, "bad to"), Err(SendError::Permanent(r)) if r.contains("bad to"))
        );
    }

    #[test]
    fn provider_text_masks_numbers() {
        assert_eq!(
            short("bad number +84912001001\n"),
            "bad number +8491*****01"
        );
        assert_eq!(short("Error 400 at 12:00"), "Error 400 at 12:00");
    }

    #[test]
    fn form_pairs_keep_raw_bytes() {
        let p = form_pairs(b"a=1&text=%00H%00D&sp=x+y&empty=&flag");
        assert_eq!(p[1], ("text".to_string(), vec![0, b'H', 0, b'D']));
        assert_eq!(p[2].1, b"x y");
        assert_eq!(p[3].1, b"");
        assert_eq!(p[4], ("flag".to_string(), vec![]));
    }

    #[test]
    fn decodes_by_charset() {
        assert_eq!(
            decode_text(&utf16be("Hủy"), Some("UTF-16BE")).as_deref(),
            Some("Hủy")
        );
        assert_eq!(
            decode_text("Hủy".as_bytes(), Some("UTF-8")).as_deref(),
            Some("Hủy")
        );
        assert_eq!(
            decode_text(&[0x48, 0xe9], Some("ISO-8859-1")).as_deref(),
            Some("Hé")
        );
        assert_eq!(decode_text(&[0, 1, 2], Some("UTF-16BE")), None);
    }

    proptest! {
        #[test]
        fn utf16_and_percent_encoding_round_trip(text in "\\PC{0,80}") {
            let wire = enc_bytes(&utf16be(&text));
            let back = form_pairs(format!("t={wire}").as_bytes());
            prop_assert_eq!(from_utf16be(&back[0].1), Some(text.clone()));
            let back = form_pairs(format!("t={}", enc(&text)).as_bytes());
            prop_assert_eq!(String::from_utf8(back[0].1.clone()).ok(), Some(text));
        }
    }
}
