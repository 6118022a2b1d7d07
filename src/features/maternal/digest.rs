//! The Monday digest: each village health worker and midwife gets the women due for a checkup in the coming week in their villages (household code or phone ending, visit number; no medical detail).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};

use super::store;
use super::{label, schedule, weeks_of, Ctx, MaternalError};
use crate::features::contacts::{self, Contact};
use crate::features::staff;
use crate::i18n::Msg;
use crate::outbox::{NewMessage, Priority};
use crate::phone::Msisdn;

/// A digest SMS is at most this many parts; longer digests are sent as several, numbered.
pub const PAGE_PARTS: usize = 2;
/// Most messages one digest sends (a worker with more women due is told to ask the station).
pub const MAX_PAGES: usize = 5;

/// One line per woman due between `today` and six days later, with her pregnancy's id.
async fn lines_for(
    ctx: &Ctx<'_>,
    worker: &staff::Staff,
    today: NaiveDate,
    reader: &Contact,
) -> Result<Vec<(i64, String)>, MaternalError> {
    let villages = store::villages_under(ctx.db, &worker.areas).await?;
    let end = today + TimeDelta::days(6);
    let mut lines = Vec::new();
    let mut after = 0;
    loop {
        let page = store::in_villages(ctx.db, &villages, after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for p in page.iter().filter(|p| p.status == "active") {
            let due = schedule::visits_from(p.edd, weeks_of(p), today)
                .into_iter()
                .find(|(n, d)| *d <= end && i64::from(*n) > p.visits_done);
            if let Some((n, d)) = due {
                let msg = Msg::new("maternal-digest-line")
                    .arg("who", label(p))
                    .num("n", i64::from(n))
                    .arg("date", d.format("%d/%m").to_string());
                lines.push((p.id, reader.render(ctx.locales, &msg)));
            }
        }
        if page.len() < 500 {
            break;
        }
    }
    Ok(lines)
}

/// Packs lines into messages of at most [`PAGE_PARTS`] parts, the header on the first: each
/// page's text and how many lines it holds.
pub fn pack(header: &str, lines: &[String]) -> Vec<(String, usize)> {
    let mut pages: Vec<(String, usize)> = Vec::new();
    let mut cur = (header.to_string(), 0);
    for line in lines {
        let candidate = format!("{} {line}", cur.0);
        if crate::text::analyze(&candidate).parts <= PAGE_PARTS || cur.0.is_empty() {
            cur = (candidate, cur.1 + 1);
        } else {
            pages.push(cur);
            cur = (line.clone(), 1);
        }
    }
    if !cur.0.is_empty() {
        pages.push(cur);
    }
    pages
}

/// Sends each worker's digest for the week starting on the local day of `now` (a Monday; the
/// job runs then, and a test may run it on any day). Keys: worker, day and page. Which
/// pregnancies a digest named is audited once, when it is first queued.
pub async fn run(ctx: &Ctx<'_>, now: DateTime<Utc>) -> Result<u64, MaternalError> {
    let today = ctx.today(now);
    if today.weekday() != Weekday::Mon {
        tracing::debug!(%today, "maternal digest runs on Mondays");
    }
    let window = (
        ctx.at(today, ctx.settings.window_start),
        ctx.at(today, ctx.settings.window_end),
    );
    let mut queued = 0;
    for (id, phone) in store::village_workers(ctx.db).await? {
        let (Some(worker), Ok(to)) = (staff::by_id(ctx.db, id).await?, Msisdn::parse(&phone))
        else {
            continue;
        };
        let reader = contacts::find_or_create(ctx.db, &to).await?;
        let found = lines_for(ctx, &worker, today, &reader).await?;
        if found.is_empty() {
            continue;
        }
        let (ids, lines): (Vec<i64>, Vec<String>) = found.into_iter().unzip();
        let header = reader.render(
            ctx.locales,
            &Msg::new("maternal-digest-header")
                .arg("date", today.format("%d/%m").to_string())
                .num("count", lines.len() as i64),
        );
        let mut pages = pack(&header, &lines);
        if pages.len() > MAX_PAGES {
            pages.truncate(MAX_PAGES);
            let more = reader.render(ctx.locales, &Msg::new("maternal-digest-more"));
            pages.push((more, 0));
        }
        let shown: usize = pages.iter().map(|(_, n)| n).sum();
        let msgs: Vec<NewMessage> = pages
            .into_iter()
            .enumerate()
            .map(|(i, (text, _))| NewMessage {
                recipient: to.clone(),
                text,
                priority: Priority::Reminder,
                topic: None,
                origin: format!("maternal-digest:{id}:{today}"),
                idempotency_key: format!("maternal-digest:{id}:{today}:{}", i + 1),
                not_before: Some(window.0),
                expires_at: Some(window.1),
            })
            .collect();
        let new = ctx.outbox.enqueue_many(&msgs).await?;
        if new > 0 {
            let detail = format!("Monday digest {today} to staff:{id}");
            super::audit_shown(ctx.db, "system", "disclose", &ids[..shown], &detail).await?;
        }
        queued += new;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_whole_lines_within_two_parts() {
        let lines: Vec<String> = (0..40)
            .map(|i| format!("CG-{i:04}: lần 2 (12/06)"))
            .collect();
        let pages = pack("Tuần 08/06: 40 chị đến lịch khám:", &lines);
        assert!(pages.len() > 1);
        for (p, _) in &pages {
            assert!(crate::text::analyze(p).parts <= PAGE_PARTS, "{p}");
        }
        let texts: Vec<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
        let joined = texts.join(" ");
        assert!(lines.iter().all(|l| joined.contains(l.as_str())));
        let counted: usize = pages.iter().map(|(_, n)| n).sum();
        assert_eq!(counted, lines.len(), "each line counted on its page");
    }
}
