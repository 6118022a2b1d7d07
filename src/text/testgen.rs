//! Proptest strategies for message text shared by the module's tests.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

pub const GSM_EXTENSION: &[char] = &['\u{0C}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];

pub const GSM_LATIN: &[char] = &[
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', 'Δ', '_',
    'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 'Æ', 'æ', 'ß', 'É', '¤', '¡', 'Ä', 'Ö', 'Ñ', 'Ü',
    '§', '¿', 'ä', 'ö', 'ñ', 'ü', 'à',
];

pub const VIETNAMESE: &str = "aàáảãạăằắẳẵặâầấẩẫậAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ\
    eèéẻẽẹêềếểễệEÈÉẺẼẸÊỀẾỂỄỆiìíỉĩịIÌÍỈĨỊoòóỏõọôồốổỗộơờớởỡợOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ\
    uùúủũụưừứửữựUÙÚỦŨỤƯỪỨỬỮỰyỳýỷỹỵYỲÝỶỸỴdđDĐ";

/// Tone marks plus the circumflex, breve and horn of decomposed Vietnamese.
pub const COMBINING: &[char] = &[
    '\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}', '\u{0302}', '\u{0306}', '\u{031B}',
];

pub const EMOJI: &[char] = &['😀', '👍', '🇻', '🇳', '❤', '\u{FE0F}', '\u{200D}', '🏔', '🌾'];

pub const TYPOGRAPHIC: &[char] = &['“', '”', '‘', '’', '–', '—', '…', '`', '\t', '\u{1B}'];

fn ascii() -> impl Strategy<Value = char> {
    prop_oneof![prop::char::range(' ', '~'), Just('\n')]
}

fn vietnamese_letter() -> impl Strategy<Value = char> {
    select(VIETNAMESE.chars().collect::<Vec<_>>())
}

fn text_of(chars: impl Strategy<Value = char>, max: usize) -> impl Strategy<Value = String> {
    vec(chars, 0..max).prop_map(|cs| cs.into_iter().collect())
}

/// Everything at once; nearly always UCS-2 past a few dozen chars.
pub fn mixed_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => ascii(),
        2 => select(GSM_EXTENSION),
        1 => select(GSM_LATIN),
        3 => vietnamese_letter(),
        1 => select(COMBINING),
        1 => select(EMOJI),
        1 => select(TYPOGRAPHIC),
        1 => any::<char>(),
    ];
    text_of(c, 400)
}

/// GSM-7 only, long enough to need several parts, escape-heavy so that
/// extension chars often land on a part boundary.
pub fn gsm_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        5 => prop::char::range(' ', 'Z'),
        1 => prop::char::range('a', 'z'),
        3 => select(GSM_EXTENSION),
        1 => select(GSM_LATIN),
    ];
    text_of(c, 520)
}

/// Vietnamese with emoji: UCS-2 with surrogate pairs near part boundaries.
pub fn ucs2_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => ascii(),
        4 => vietnamese_letter(),
        2 => select(EMOJI),
        1 => select(GSM_EXTENSION),
    ];
    text_of(c, 260)
}

/// Vietnamese words, precomposed or decomposed, with spaces and punctuation.
pub fn vietnamese_text() -> impl Strategy<Value = String> {
    let precomposed = vietnamese_letter().prop_map(String::from);
    let decomposed = (
        select("aeiouyAEIOUYdD".chars().collect::<Vec<_>>()),
        vec(select(COMBINING), 0..3),
    )
        .prop_map(|(base, marks)| std::iter::once(base).chain(marks).collect::<String>());
    let punct = select(vec![" ", ", ", ".", "\n", "-"]).prop_map(String::from);
    vec(
        prop_oneof![4 => precomposed, 3 => decomposed, 1 => punct],
        0..120,
    )
    .prop_map(|pieces| pieces.concat())
}
