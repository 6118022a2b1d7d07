//! Benchmark: import N households with 3N support records from generated CSV (time, peak memory),
//! then answer TT with them loaded (p50/p99 of the feature function and of the SMS path), each
//! next to a baseline measured in the same run.
//!
//! `cargo bench --bench households`; size with `LOA_BENCH_HOUSEHOLDS` (default 100000), database
//! with `LOA_BENCH_DATABASE_URL` (default a SQLite file in a temporary folder), number of TT
//! questions with `LOA_BENCH_QUERIES` (default 2000).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use loa::features::import::{self, Kind, Options};

mod common;
use common::{env_usize, peak_mib, reset_peak};
use loa::phone::Msisdn;

fn phone(i: usize) -> String {
    format!("09{:08}", 12_000_000 + i)
}

fn generate(dir: &std::path::Path, n: usize) -> [std::path::PathBuf; 3] {
    let communes = 10;
    let villages_per = 10;
    let mut areas =
        String::from("Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n19,Tỉnh,tỉnh,,,\n");
    for c in 0..communes {
        let _ = writeln!(areas, "{:05},Xã {c},xã,19,có,III", 10_000 + c);
        for v in 0..villages_per {
            let _ = writeln!(
                areas,
                "V{c:02}{v:02},Thôn {c}-{v},thôn,{:05},có,",
                10_000 + c
            );
        }
    }
    let mut hh = String::from(
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n",
    );
    let mut sup = String::from("Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú\n");
    let contents = [
        ("DA1.ND2", "đã giải ngân", "40000000", "VND"),
        ("DA1.ND4", "đã duyệt", "", ""),
        ("DA3.TDA1.ND1", "đang thực hiện", "2.5", "ha"),
    ];
    for i in 0..n {
        let (c, v) = (i % communes, (i / communes) % villages_per);
        let _ = writeln!(
            hh,
            "H{i:07},Chủ hộ {i},V{c:02}{v:02},Tày,nghèo,2025,{},{}",
            1 + i % 9,
            phone(i)
        );
        for (k, (code, status, q, u)) in contents.iter().enumerate() {
            let _ = writeln!(
                sup,
                "H{i:07},{code},{status},{q},{u},{:02}/0{}/2025,",
                1 + i % 28,
                1 + k
            );
        }
    }
    let paths = [
        dir.join("areas.csv"),
        dir.join("households.csv"),
        dir.join("support.csv"),
    ];
    for (p, text) in paths.iter().zip([areas, hh, sup]) {
        std::fs::write(p, text).expect("write csv");
    }
    paths
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn line(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "  {what:<48} p50 {:>9.3} ms   p99 {:>9.3} ms   (n={})",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.len()
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_usize("LOA_BENCH_HOUSEHOLDS", 100_000);
    let queries = env_usize("LOA_BENCH_QUERIES", 2_000).max(1);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("LOA_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    println!(
        "households bench: {n} households, {} support records, {}",
        3 * n,
        if url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );

    let t = Instant::now();
    let [areas, hh, sup] = generate(dir.path(), n);
    println!("  generated CSV in {:.1} s", t.elapsed().as_secs_f64());

    // Baseline: parsing the same files with the csv crate, no validation, no database.
    reset_peak();
    let t = Instant::now();
    let mut rows = 0usize;
    for p in [&hh, &sup] {
        let mut r = csv::Reader::from_path(p)?;
        for rec in r.records() {
            rows += rec?.len().min(1);
        }
    }
    println!(
        "  baseline: raw CSV parse of {rows} rows           {:>8.2} s   peak {:>7.1} MiB",
        t.elapsed().as_secs_f64(),
        peak_mib()
    );

    let config = loa::config::Config {
        database_url: url,
        ..Default::default()
    };
    let app = loa::server::open(config).await?;
    let opts = Options::default();
    let r = import::run(&app.services.db, Kind::Areas, &areas, &opts).await?;
    anyhow::ensure!(r.applied, "areas not imported");
    for (kind, path, label) in [
        (Kind::Households, &hh, "households"),
        (Kind::Support, &sup, "support records"),
    ] {
        reset_peak();
        let t = Instant::now();
        let r = import::run(&app.services.db, kind, path, &opts).await?;
        anyhow::ensure!(
            r.applied,
            "{label}: {}",
            r.render(&app.services.locales, "en")
        );
        println!(
            "  import {:>7} {label:<16}                 {:>8.2} s   peak {:>7.1} MiB",
            r.rows,
            t.elapsed().as_secs_f64(),
            peak_mib()
        );
    }
    let t = Instant::now();
    let r = import::run(&app.services.db, Kind::Support, &sup, &opts).await?;
    println!(
        "  re-import of the support file (all unchanged: {})   {:>8.2} s",
        r.unchanged == r.rows,
        t.elapsed().as_secs_f64()
    );

    // TT with everything loaded. Phones spread over the whole range.
    let phones: Vec<Msisdn> = (0..queries)
        .map(|q| Msisdn::parse(&phone((q * 7919) % n)))
        .collect::<Result<_, _>>()?;
    let mut base = Vec::new();
    for q in 0..queries {
        let id = ((q * 7919) % n + 1) as i64;
        let t = Instant::now();
        let _: Option<(i64, String)> = loa::with_db!(&app.services.db, pool => sqlx::query_as(
            "SELECT id, code FROM households WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        base.push(t.elapsed());
    }
    let mut feature = Vec::new();
    for p in &phones {
        let t = Instant::now();
        let l = loa::features::support::status_for(&app.services.db, p, None).await?;
        feature.push(t.elapsed());
        anyhow::ensure!(
            matches!(l, loa::features::support::Lookup::Households(_)),
            "no answer"
        );
    }
    let mut sms = Vec::new();
    for (i, p) in phones.iter().enumerate() {
        let t = Instant::now();
        loa::dialog::sms::handle(&app.services, p, "TT", 1_000_000 + i as i64).await?;
        sms.push(t.elapsed());
    }
    println!("TT with {n} households loaded:");
    line("baseline: one-row primary-key SELECT", base);
    line("support::status_for (feature function)", feature);
    line("dialog::sms::handle(\"TT\") (render + outbox)", sms);
    app.services.db.close().await;
    Ok(())
}
