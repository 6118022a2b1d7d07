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
    let signs = font_signs(&text);
    // A real Windows-1258 file may have a stray symbol after a letter (`Excel®`, a footnote's
    // `¹`), but then many more Vietnamese letters; in a TCVN3 file read as Windows-1258 the
    // font's letters outnumber what happens to read as Vietnamese (see the tests' sample).
    if signs.tcvn3 > 0 && signs.tcvn3 >= signs.vni && signs.tcvn3 * 3 > signs.vietnamese {
        return Err(Refusal::Tcvn3);
    }
    if signs.vni > 0 {
        return Err(Refusal::Vni);
    }
    Ok((text.into_owned(), Source::Windows1258))
}

/// What text read as Windows-1258 tells of the font it was typed with.
#[derive(Debug, Default, PartialEq, Eq)]
struct Signs {
    /// Symbols standing where TCVN3 has a letter.
    tcvn3: usize,
    /// Letters of other languages where VNI has a mark.
    vni: usize,
    /// Letters as Windows-1258 writes Vietnamese: `ă â ê ô ơ ư đ`, or a vowel and a tone mark.
    vietnamese: usize,
}

/// Counts the letters that give away a legacy font, in text read as Windows-1258.
///
/// TCVN3 puts its Vietnamese letters on the codes Windows-1258 uses for symbols (`¨ © ª « ¬ ®
/// µ ¸ ¹ …`, U+00A1 to U+00BE): in a real Windows-1258 file those seldom stand between two
/// letters. Codes TCVN3 gives no letter a commune office types are left out (`² ³` of `m²`,
/// `° ± ´`, which TCVN3 keeps for lone tone marks, and `¯ º ¿`, capitals its fonts lack), so
/// `40m²` is no sign. VNI writes a plain letter followed by a code for its marks; read as
/// Windows-1258 those are letters of other languages (`ø ù û õ ï ö ñ ä ë …`) right after a Latin
/// letter, and `ñ` (VNI's `đ`) or `ø ö ï û` never occur in Vietnamese.
fn font_signs(text: &str) -> Signs {
    let chars: Vec<char> = text.chars().collect();
    let mut signs = Signs::default();
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let after = chars.get(i + 1).copied();
        let letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
        if is_tcvn3_letter(c) {
            // Inside or at the end of a word (a closing » aside), or a TCVN3 capital (Ă Â Ê Ô Ơ
            // Ư Đ are ¡ to §) opening one.
            let inside = letter(before) && (letter(after) || c != '»');
            let capital = letter(after) && ('\u{A1}'..='\u{A7}').contains(&c);
            if inside || capital {
                signs.tcvn3 += 1;
            }
        }
        if VNI_MARKS.contains(c) && before.is_some_and(|b| b.is_ascii_alphabetic()) {
            signs.vni += 1;
        }
        let toned = TONE_MARKS.contains(c) && before.is_some_and(|b| VOWELS.contains(b));
        if toned || WHOLE_LETTERS.contains(c) {
            signs.vietnamese += 1;
        }
    }
    signs
}

/// The Windows-1258 symbols on which TCVN3 has a Vietnamese letter: `Ă Â Ê Ô Ơ Ư Đ ă â ê ô ơ ư
/// đ` (U+00A1 to U+00AE) and `à ả ã á ạ ằ ẳ ẵ ắ` (U+00B5 to U+00B9, U+00BB to U+00BE).
fn is_tcvn3_letter(c: char) -> bool {
    matches!(c, '\u{A1}'..='\u{AE}' | '\u{B5}'..='\u{B9}' | '\u{BB}'..='\u{BE}')
}

/// VNI's mark codes as Windows-1258 reads them, when they follow a letter: no Vietnamese word
/// written in Unicode has them.
const VNI_MARKS: &str = "øöïûñäëüåæçîÿ";

/// Windows-1258's five tone marks (grave, acute, tilde, hook above, dot below).
const TONE_MARKS: &str = "\u{300}\u{301}\u{303}\u{309}\u{323}";

/// The vowels a tone mark follows.
const VOWELS: &str = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY";

/// The Vietnamese letters Windows-1258 writes whole.
const WHOLE_LETTERS: &str = "ăâêôơưđĂÂÊÔƠƯĐ";

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

    /// TCVN3 (TCVN 5712 VN3, the ABC fonts) letters on the codes 0xA1 to 0xFE, in order; `_`
    /// where typing puts nothing (0xB0 to 0xB4 hold lone tone marks).
    const TCVN3: &str = "ĂÂÊÔƠƯĐăâêôơưđẰ_____àảãáạẲằẳẵắẴẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịòỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵ";

    /// `s` as a file typed with a TCVN3 font (`.VnTime`) saves it.
    fn to_tcvn3(s: &str) -> Vec<u8> {
        s.chars()
            .map(|c| match TCVN3.chars().position(|t| t == c && c != '_') {
                Some(i) => 0xA1 + i as u8,
                None => u8::try_from(c).expect("ASCII or a TCVN3 letter"),
            })
            .collect()
    }

    #[test]
    fn square_metres_and_a_stray_symbol_do_not_make_a_windows_1258_file_tcvn3() {
        for text in [
            "40m²",
            "Mã hộ,Diện tích (m²)\nCG-0001,40m²\nCG-0002,12m³\n",
            "Mã hộ,Ghi chú\nCG-0001,Nhà 40m², 25°C, số liệu từ bảng Excel® của xã¹\n",
        ] {
            let bytes = to_windows_1258(text).expect("Windows-1258 spells it");
            assert_eq!(
                decode(&bytes),
                Ok((text.to_string(), Source::Windows1258)),
                "{text}"
            );
        }
    }

    #[test]
    fn real_tcvn3_files_are_still_refused() {
        for text in [
            "Họ và tên chủ hộ,Thôn,Số điện thoại\nHoàng Văn Thụ,Nà Làng,0912001001\n\
             Nông Thị Mai,Bản Chang,0912001002\n",
            "Mã hộ,Nội dung,Tình trạng\nCG-0001,Hỗ trợ đất ở,đã giải ngân\n\
             CG-0002,Nước sinh hoạt phân tán,đang thực hiện\n",
            "Mã hộ,Diện tích\nCG-0001,40m2 đất ở\n",
            "Hoàng Văn Thụ, Đất",
        ] {
            let bytes = to_tcvn3(text);
            assert_eq!(decode(&bytes), Err(Refusal::Tcvn3), "{text}");
        }
    }

    #[test]
    fn latin_text_in_an_8_bit_code_page_is_not_taken_for_a_font() {
        let (t, _) = decode(b"Ma ho,Ghi chu\nA,caf\xe9 50%\n").expect("reads");
        assert!(t.contains("café"), "{t}");
        assert_eq!(decode(b"\x00\x01\x02\xff\xfe\x00"), Err(Refusal::Unknown));
    }
}
