//! The visit and vaccination schedules, read from `schedules.toml` (data with its sources), and the dates they give.

use std::sync::LazyLock;

use chrono::{Months, NaiveDate, TimeDelta};
use serde::Deserialize;

use crate::config::AncSchedule;
use crate::i18n::msg_id;

/// Days from the last menstrual period to the estimated date of delivery (Naegele's rule).
pub const GESTATION_DAYS: i64 = 280;

/// The file as shipped; a test checks it parses, is ordered and names known messages.
const FILE: &str = include_str!("schedules.toml");

#[derive(Debug, Deserialize)]
struct File {
    antenatal: Antenatal,
    postnatal: Postnatal,
    epi: Epi,
}

#[derive(Debug, Deserialize)]
struct Antenatal {
    moh: Visits,
    who: Visits,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // name, source and checked are for people reading the file
struct Visits {
    name: String,
    source: String,
    checked: String,
    weeks: Vec<u32>,
}

#[derive(Debug, Deserialize)]
struct Postnatal {
    days: Vec<u32>,
}

#[derive(Debug, Deserialize)]
struct Epi {
    doses: Vec<Dose>,
}

#[derive(Debug, Deserialize)]
struct Dose {
    months: u32,
    message: String,
}

/// Every vaccination message the file may name: ids written here so the locale tests find them.
const EPI_MESSAGES: &[&str] = &[
    msg_id("maternal-epi-birth"),
    msg_id("maternal-epi-2m"),
    msg_id("maternal-epi-3m"),
    msg_id("maternal-epi-4m"),
    msg_id("maternal-epi-9m"),
    msg_id("maternal-epi-18m"),
];

/// The schedules as loa uses them.
#[derive(Debug)]
pub struct Schedules {
    moh: Vec<u32>,
    who: Vec<u32>,
    /// Days after birth of the postnatal checks.
    pub postnatal: Vec<u32>,
    /// Age in months and the message of each vaccination.
    pub epi: Vec<(u32, &'static str)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("schedules.toml: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("schedules.toml: {0}")]
    Invalid(String),
}

fn parse(text: &str) -> Result<Schedules, ScheduleError> {
    let f: File = toml::from_str(text)?;
    let ordered = |v: &[u32]| v.windows(2).all(|w| w[0] < w[1]);
    for (name, weeks) in [
        ("moh", &f.antenatal.moh.weeks),
        ("who", &f.antenatal.who.weeks),
    ] {
        if weeks.is_empty() || !ordered(weeks) || weeks.iter().any(|w| *w == 0 || *w > 42) {
            return Err(ScheduleError::Invalid(format!(
                "antenatal.{name}.weeks must be increasing weeks from 1 to 42"
            )));
        }
    }
    if !ordered(&f.postnatal.days) {
        return Err(ScheduleError::Invalid(
            "postnatal.days must increase".into(),
        ));
    }
    let mut epi = Vec::new();
    for d in &f.epi.doses {
        let Some(id) = EPI_MESSAGES.iter().find(|m| **m == d.message) else {
            return Err(ScheduleError::Invalid(format!(
                "epi dose names an unknown message `{}`",
                d.message
            )));
        };
        epi.push((d.months, *id));
    }
    Ok(Schedules {
        moh: f.antenatal.moh.weeks,
        who: f.antenatal.who.weeks,
        postnatal: f.postnatal.days,
        epi,
    })
}

/// The shipped schedules. The file is compiled in and tested, so a failure here is a build that
/// skipped its tests: it is logged and loa reminds of nothing rather than stopping.
pub fn schedules() -> &'static Schedules {
    static S: LazyLock<Schedules> = LazyLock::new(|| {
        parse(FILE).unwrap_or_else(|err| {
            tracing::error!(%err, "maternal schedules unreadable: no reminders");
            Schedules {
                moh: Vec::new(),
                who: Vec::new(),
                postnatal: Vec::new(),
                epi: Vec::new(),
            }
        })
    });
    &S
}

impl Schedules {
    /// The weeks of the visits of `schedule`, visit 1 first.
    pub fn weeks(&self, schedule: AncSchedule) -> &[u32] {
        match schedule {
            AncSchedule::Moh => &self.moh,
            AncSchedule::Who => &self.who,
        }
    }
}

pub fn lmp_of(edd: NaiveDate) -> NaiveDate {
    edd - TimeDelta::days(GESTATION_DAYS)
}

pub fn edd_of(lmp: NaiveDate) -> NaiveDate {
    lmp + TimeDelta::days(GESTATION_DAYS)
}

/// The day of the visit in week `week`.
pub fn visit_day(edd: NaiveDate, week: u32) -> NaiveDate {
    lmp_of(edd) + TimeDelta::days(7 * i64::from(week))
}

/// The EDD whose visit in week `week` falls on `day` (the inverse of [`visit_day`]).
pub fn edd_with_visit_on(day: NaiveDate, week: u32) -> NaiveDate {
    day - TimeDelta::days(7 * i64::from(week)) + TimeDelta::days(GESTATION_DAYS)
}

/// Completed weeks of gestation on `today` (negative before the LMP).
pub fn week_on(edd: NaiveDate, today: NaiveDate) -> i64 {
    (today - lmp_of(edd)).num_days().div_euclid(7)
}

/// The visits of `weeks` (numbered from 1) on or after `from`, with their days.
pub fn visits_from(edd: NaiveDate, weeks: &[u32], from: NaiveDate) -> Vec<(u32, NaiveDate)> {
    (1u32..)
        .zip(weeks)
        .map(|(n, w)| (n, visit_day(edd, *w)))
        .filter(|(_, d)| *d >= from)
        .collect()
}

/// The day of a vaccination given at `months` of age; a birth dose (0) is the day after birth.
pub fn dose_day(birth: NaiveDate, months: u32) -> Option<NaiveDate> {
    if months == 0 {
        return birth.checked_add_signed(TimeDelta::days(1));
    }
    birth.checked_add_months(Months::new(months))
}

/// Every birth date whose dose at `months` falls on `day`: one, or several at a month's end
/// (31 March + 1 month and 30 March + 1 month are both 30 April).
pub fn births_with_dose_on(day: NaiveDate, months: u32) -> Vec<NaiveDate> {
    let Some(guess) = (if months == 0 {
        day.checked_sub_signed(TimeDelta::days(1))
    } else {
        day.checked_sub_months(Months::new(months))
    }) else {
        return Vec::new();
    };
    (-3..=3)
        .filter_map(|d| guess.checked_add_signed(TimeDelta::days(d)))
        .filter(|b| dose_day(*b, months) == Some(day))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn the_shipped_file_parses_with_the_counts_the_sources_give() {
        let s = parse(FILE).expect("schedules.toml");
        assert_eq!(s.weeks(AncSchedule::Who), [12, 20, 26, 30, 34, 36, 38, 40]);
        let moh = s.weeks(AncSchedule::Moh);
        assert_eq!(moh.len(), 4, "at least four visits");
        // One in the first trimester (to 13 weeks), one in the second (14-27), two in the third.
        assert_eq!(moh.iter().filter(|w| **w <= 13).count(), 1);
        assert_eq!(moh.iter().filter(|w| (14..=27).contains(*w)).count(), 1);
        assert_eq!(moh.iter().filter(|w| **w >= 28).count(), 2);
        assert_eq!(s.postnatal, [3, 7, 42]);
        assert!(s.epi.iter().all(|(m, _)| *m < 24));
        assert!(
            FILE.contains("checked = "),
            "the file says what was checked"
        );
    }

    #[test]
    fn bad_files_are_refused() {
        let bad = FILE.replace("weeks = [11, 22, 32, 36]", "weeks = [22, 11]");
        assert!(parse(&bad).is_err());
        let bad = FILE.replace("maternal-epi-9m\"", "maternal-epi-nine\"");
        assert!(parse(&bad).is_err());
    }

    #[test]
    fn visits_and_weeks_follow_the_edd() {
        let edd = d(2026, 10, 8);
        assert_eq!(lmp_of(edd), d(2026, 1, 1));
        assert_eq!(visit_day(edd, 12), d(2026, 3, 26));
        assert_eq!(edd_with_visit_on(d(2026, 3, 26), 12), edd);
        assert_eq!(week_on(edd, d(2026, 3, 26)), 12);
        assert_eq!(week_on(edd, d(2026, 3, 25)), 11);
        let v = visits_from(edd, &[12, 20], d(2026, 3, 27));
        assert_eq!(v, vec![(2, d(2026, 5, 21))]);
    }

    #[test]
    fn doses_at_a_month_end_invert_to_every_birth() {
        assert_eq!(dose_day(d(2026, 3, 31), 1), Some(d(2026, 4, 30)));
        let births = births_with_dose_on(d(2026, 4, 30), 1);
        assert_eq!(births, vec![d(2026, 3, 30), d(2026, 3, 31)]);
        assert_eq!(births_with_dose_on(d(2026, 5, 2), 0), vec![d(2026, 5, 1)]);
        for b in [d(2025, 12, 31), d(2026, 1, 15), d(2024, 2, 29)] {
            for m in [0, 2, 9, 18] {
                let day = dose_day(b, m).expect("day");
                assert!(births_with_dose_on(day, m).contains(&b), "{b} {m}");
            }
        }
    }
}
