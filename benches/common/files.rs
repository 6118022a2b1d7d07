//! Generated spreadsheets in the shape commune offices keep (the headers of `demo/`), for the import benchmarks.
//!
//! The households file is meant to cost what a real one costs: Vietnamese names with their
//! diacritics (NFC work), phones written the several ways offices write them (spaces, dots,
//! `84…`, `+84 …`, old 11-digit numbers from before 2018), 0 to 3 phones a household, some phones
//! shared by two households (a son's phone in his parents' household too), empty optional cells.
//! A fixed seed: the same `n` gives the same bytes on every run.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub const COMMUNES: usize = 20;
pub const VILLAGES_PER_COMMUNE: usize = 25;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FAMILY: &[&str] = &[
    "Hoàng", "Nông", "Triệu", "Lý", "Đàm", "Lương", "Hà", "Ma", "Vi", "Nguyễn", "Lục", "Bàn",
    "Giàng", "Sùng", "Vàng", "Đặng", "Chu", "Hứa",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Xuân", "Thị Thu", "A", "Seo", "Tiến"];
const GIVEN: &[&str] = &[
    "Thụ", "Mai", "Lìu", "Sảo", "Duyên", "Lan", "Quyết", "Tâm", "Dũng", "Hương", "Phủ", "Chiến",
    "Nghĩa", "Thắng", "Hạnh", "Mỷ", "Páo", "Dở", "Chứ", "Lự",
];
const ETHNIC: &[&str] = &["Tày", "Nùng", "Dao", "Mông", "Kinh", "Sán Chay", ""];
const POVERTY: &[&str] = &["nghèo", "cận nghèo", "không", "", "Nghèo", "hộ nghèo"];

/// The village code of village `v` of commune `c`.
pub fn village(c: usize, v: usize) -> String {
    format!("B{:02}{:03}", c + 1, v + 1)
}

/// An areas file: a province, `COMMUNES` communes and `VILLAGES_PER_COMMUNE` villages each.
pub fn areas() -> String {
    let mut out = String::from("Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n");
    out.push_str("19,Thái Nguyên,tỉnh,,,\n");
    for c in 0..COMMUNES {
        let commune = format!("{:05}", 1_900 + c);
        let _ = writeln!(out, "{commune},Xã Số {},xã,19,có,III", c + 1);
        for v in 0..VILLAGES_PER_COMMUNE {
            let _ = writeln!(
                out,
                "{},Thôn Bản {}-{},thôn,{commune},có,",
                village(c, v),
                c + 1,
                v + 1
            );
        }
    }
    out
}

/// Phone number `i` (nine digits after the 0), written one of the ways offices write phones.
fn phone(i: usize, rng: &mut Rng) -> String {
    // Viettel, Vinaphone and MobiFone prefixes; all mobile. `39` numbers are sometimes still
    // written as the 11-digit `0169…` they were before 2018.
    let prefixes = ["96", "97", "98", "86", "91", "94", "88", "90", "93", "39"];
    let p = prefixes[i % prefixes.len()];
    let s = format!("{:07}", (i / prefixes.len()) % 10_000_000);
    match rng.below(10) {
        0 => format!("{p}{s}"), // a number cell that lost its 0
        1 => format!("+84 {p} {} {}", &s[..3], &s[3..]),
        2 => format!("84{p}{s}"),
        3 => format!("0{p}{}.{}.{}", &s[..1], &s[1..4], &s[4..]),
        4 | 5 => format!("0{p} {} {}", &s[..3], &s[3..]),
        6 if p == "39" => format!("0169{s}"),
        _ => format!("0{p}{s}"),
    }
}

/// The code of the `i`th household of [`households`].
pub fn household_code(i: usize) -> String {
    format!("X{:02}-{i:06}", i % COMMUNES + 1)
}

/// A support file: three records for each of the first `n` households.
pub fn support(n: usize) -> String {
    let mut out = String::from("Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú\n");
    let contents = [
        ("DA1.ND2", "đã giải ngân", "40000000", "VND"),
        ("DA1.ND4", "đã duyệt", "", ""),
        ("DA3.TDA1.ND1", "đang thực hiện", "2.5", "ha"),
    ];
    for i in 0..n {
        for (k, (code, status, q, u)) in contents.iter().enumerate() {
            let _ = writeln!(
                out,
                "{},{code},{status},{q},{u},{:02}/0{}/2025,",
                household_code(i),
                1 + i % 28,
                1 + k
            );
        }
    }
    out
}

/// A households file of `n` rows (plus the header), over the villages of [`areas`].
pub fn households(n: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(n * 90);
    out.push_str(
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n",
    );
    let mut next_phone = 0usize;
    let mut last_phone: Option<usize> = None;
    for i in 0..n {
        let (c, v) = (i % COMMUNES, (i / COMMUNES) % VILLAGES_PER_COMMUNE);
        let head = format!(
            "{} {} {}",
            rng.pick(FAMILY),
            rng.pick(MIDDLE),
            rng.pick(GIVEN)
        );
        let ethnic = rng.pick(ETHNIC);
        let poverty = rng.pick(POVERTY);
        let year = match rng.below(4) {
            0 => String::new(),
            k => format!("{}", 2022 + k),
        };
        let members = 1 + rng.below(9);
        let count = match rng.below(20) {
            0 | 1 => 0,
            2..=12 => 1,
            13..=18 => 2,
            _ => 3,
        };
        let mut phones = Vec::new();
        for k in 0..count {
            // One household in twenty-five also lists the previous household's first phone.
            let shared = k == 0 && rng.below(25) == 0;
            let number = match (shared, last_phone) {
                (true, Some(p)) => p,
                _ => {
                    next_phone += 1;
                    next_phone
                }
            };
            if k == 0 {
                last_phone = Some(number);
            }
            phones.push(phone(number, &mut rng));
        }
        let sep = if rng.below(3) == 0 { "; " } else { ";" };
        let phones = phones.join(sep);
        let quoted = if phones.contains(',') {
            format!("\"{phones}\"")
        } else {
            phones
        };
        let _ = writeln!(
            out,
            "{},{head},{},{ethnic},{poverty},{year},{members},{quoted}",
            household_code(i),
            village(c, v)
        );
    }
    out
}

/// The generated files, written into one folder.
pub struct Files {
    pub areas: PathBuf,
    pub households: PathBuf,
    pub support: PathBuf,
}

/// Writes `areas.csv`, `households.csv` (n rows) and `support.csv` (3n rows) into `dir`.
pub fn write(dir: &Path, n: usize) -> std::io::Result<Files> {
    let files = Files {
        areas: dir.join("areas.csv"),
        households: dir.join("households.csv"),
        support: dir.join("support.csv"),
    };
    std::fs::write(&files.areas, areas())?;
    std::fs::write(&files.households, households(n))?;
    std::fs::write(&files.support, support(n))?;
    Ok(files)
}
