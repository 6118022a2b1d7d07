//! A CSV file's bytes as text, whatever a commune office's computer saved it in.
//!
//! Vietnamese Excel on Windows saves "CSV" in Windows-1258 (letters with their tone marks as
//! separate combining marks), "CSV UTF-8" with a byte-order mark, and "Unicode text" as UTF-16
//! (little-endian, with a mark). Files typed with the old TCVN3 (ABC, `.VnTime`) or VNI fonts
//! hold those fonts' own byte codes: read as Windows-1258 they turn into "Hoµng V¨n" or
//! "Hoaøng Vaên". They are recognized by letters no Vietnamese word has and refused with advice
//! rather than stored garbled. Whatever the source, the text is returned in NFC, so that a name
//! typed with Unikey's "Unicode tổ hợp" or saved on a Mac compares equal to the same name typed
//! precomposed.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1258};
use unicode_normalization::UnicodeNormalization;

/// Why a file's bytes were not read as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Typed with a TCVN3 (ABC) font such as `.VnTime`.
    Tcvn3,
    /// Typed with a VNI font such as `VNI-Times`.
    Vni,
    /// Neither UTF-8, UTF-16 nor Windows-1258 text (a binary file, or an unknown code page).
    Unknown,
}

/// How the bytes were read, for the tests and for a note in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1258,
}

/// The file's text in NFC, and how it was read.
pub fn decode(bytes: &[u8]) -> Result<(String, Source), Refusal> {
    let (text, source) = raw_text(bytes)?;
    Ok((text.nfc().collect(), source))
}

/// The bytes Vietnamese Excel on Windows writes for `s` when it saves "CSV" (Windows-1258):
/// letters with a circumflex, breve or horn whole, tone marks apart. None when `s` has a letter
/// Windows-1258 cannot spell. For tests and benchmarks that need such a file.
pub fn to_windows_1258(s: &str) -> Option<Vec<u8>> {
    const TONES: &str = "\u{300}\u{301}\u{303}\u{309}\u{323}";
    let mut out = Vec::new();
    for c in s.chars() {
        let (tones, letter): (String, String) = c.nfd().partition(|m| TONES.contains(*m));
        let spelled: String = letter.nfc().chain(tones.chars()).collect();
        let (bytes, _, unmappable) = WINDOWS_1258.encode(&spelled);
        if unmappable {
            return None;
        }
        out.extend_from_slice(&bytes);
    }
    Some(out)
}

/// Text in NFC (for cells read from a workbook, which is Unicode already).
pub fn nfc(s: &str) -> String {
    if unicode_normalization::is_nfc(s) {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

fn raw_text(bytes: &[u8]) -> Result<(String, Source), Refusal> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), Source::Utf8))
            .map_err(|_| Refusal::Unknown);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(UTF_16LE, rest, Source::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(UTF_16BE, rest, Source::Utf16Be);
    }
    if let Some(source) = utf16_without_mark(bytes) {
        let enc = if source == Source::Utf16Le {
            UTF_16LE
        } else {
            UTF_16BE
        };
        return utf16(enc, bytes, source);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), Source::Utf8));
    }
    legacy(bytes)
}

fn utf16(
    enc: &'static Encoding,
    bytes: &[u8],
    source: Source,
) -> Result<(String, Source), Refusal> {
    match enc.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(s) => Ok((s.into_owned(), source)),
        None => Err(Refusal::Unknown),
    }
}

/// UTF-16 saved without its mark: text of mostly ASCII has a zero in every other byte.
fn utf16_without_mark(bytes: &[u8]) -> Option<Source> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_at = |odd: usize| {
        sample
            .iter()
            .skip(odd)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 7 && even == 0 {
        Some(Source::Utf16Le)
    } else if even * 10 >= pairs * 7 && odd == 0 {
        Some(Source::Utf16Be)
    } else {
        None
    }
}

/// An 8-bit file: Windows-1258, unless its letters give away a TCVN3 or VNI font.
fn legacy(bytes: &[u8]) -> Result<(String, Source), Refusal> {
    if bytes.contains(&0) {
        return Err(Refusal::Unknown);
    }
    let text = WINDOWS_1258
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(Refusal::Unknown)?;
    let (tcvn3, vni) = font_signs(&text);
    if tcvn3 > 0 && tcvn3 >= vni {
        return Err(Refusal::Tcvn3);
    }
    if vni > 0 {
        return Err(Refusal::Vni);
    }
    Ok((text.into_owned(), Source::Windows1258))
}

/// Counts the letters that give away a legacy font, in text read as Windows-1258.
///
/// TCVN3 puts its Vietnamese letters on the codes Windows-1258 uses for symbols (`¨ © ª « ¬ ®
/// µ ¸ ¹ …`, U+00A1 to U+00BF): in a real Windows-1258 file those never stand between two
/// letters. VNI writes a plain letter followed by a code for its marks; read as Windows-1258
/// those are letters of other languages (`ø ù û õ ï ö ñ ä ë …`) right after a Latin letter,
/// and `ñ` (VNI's `đ`) or `ø ö ï û` never occur in Vietnamese.
fn font_signs(text: &str) -> (usize, usize) {
    let chars: Vec<char> = text.chars().collect();
    let mut tcvn3 = 0;
    let mut vni = 0;
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let after = chars.get(i + 1).copied();
        let letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
        if ('\u{A1}'..='\u{BF}').contains(&c) {
            // Inside or at the end of a word (a closing » aside), or a TCVN3 capital (Ă Â Ê Ô Ơ
            // Ư Đ are ¡ to §) opening one.
            let inside = letter(before) && (letter(after) || c != '»');
            let capital = letter(after) && ('\u{A1}'..='\u{A7}').contains(&c);
            if inside || capital {
                tcvn3 += 1;
            }
        }
        if VNI_MARKS.contains(c) && before.is_some_and(|b| b.is_ascii_alphabetic()) {
            vni += 1;
        }
    }
    (tcvn3, vni)
}

/// VNI's mark codes as Windows-1258 reads them, when they follow a letter: no Vietnamese word
/// written in Unicode has them.
const VNI_MARKS: &str = "øöïûñäëüåæçîÿ";

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "Hoàng Văn Thụ, Đất, Số, Nông Thị Mai, Triệu Văn Lìu";

    #[test]
    fn utf8_with_and_without_mark_and_decomposed_text_become_nfc() {
        let (t, s) = decode(format!("\u{feff}{NAME}").as_bytes()).expect("utf-8");
        assert_eq!((t.as_str(), s), (NAME, Source::Utf8));
        let nfd: String = NAME.nfd().collect();
        assert_ne!(nfd, NAME);
        let (t, _) = decode(nfd.as_bytes()).expect("nfd");
        assert_eq!(t, NAME);
    }

    #[test]
    fn utf16_with_or_without_its_mark() {
        let le: Vec<u8> = NAME.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = NAME.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let with_mark = [b"\xFF\xFE".as_slice(), &le].concat();
        assert_eq!(decode(&with_mark), Ok((NAME.to_string(), Source::Utf16Le)));
        let with_mark = [b"\xFE\xFF".as_slice(), &be].concat();
        assert_eq!(decode(&with_mark), Ok((NAME.to_string(), Source::Utf16Be)));
        assert_eq!(decode(&le), Ok((NAME.to_string(), Source::Utf16Le)));
        assert_eq!(decode(&be), Ok((NAME.to_string(), Source::Utf16Be)));
    }

    #[test]
    fn windows_1258_is_read_and_composed() {
        let bytes = to_windows_1258(NAME).expect("Vietnamese in Windows-1258");
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(decode(&bytes), Ok((NAME.to_string(), Source::Windows1258)));
    }

    #[test]
    fn tcvn3_and_vni_files_are_recognized_and_refused() {
        // "Hoàng Văn Thụ, Đất" typed with .VnTime (TCVN3) and VNI-Times fonts.
        let tcvn3 = b"Ho\xb5ng V\xa8n Th\xf4, \xa7\xcat";
        assert_eq!(decode(tcvn3), Err(Refusal::Tcvn3));
        let vni = b"Hoa\xf8ng Va\xean Thu\xef, \xd1a\xe1t";
        assert_eq!(decode(vni), Err(Refusal::Vni));
    }

    #[test]
    fn latin_text_in_an_8_bit_code_page_is_not_taken_for_a_font() {
        let (t, _) = decode(b"Ma ho,Ghi chu\nA,caf\xe9 50%\n").expect("reads");
        assert!(t.contains("café"), "{t}");
        assert_eq!(decode(b"\x00\x01\x02\xff\xfe\x00"), Err(Refusal::Unknown));
    }
}
