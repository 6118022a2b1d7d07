//! The health workers' SMS words (`THAI`, `KHAM`, `SINH`, `MAT`, `NHAC`) and the mother's `DA KHAM`, over `features::maternal`.
//!
//! Dates and the campaign text are read from the message as typed (the keyword table splits on
//! `/` and folds diacritics), so these commands take the raw words after the keyword.

use super::{DialogError, Services};
use crate::db::time;
use crate::features::maternal::{
    self, dates, Ctx, Dating, Refusal, Registration, RegistrationSource,
};
use crate::features::staff::{self, Scope, Staff};
use crate::i18n::Msg;
use crate::phone::Msisdn;

/// The feature's context from the dialog's services.
pub fn ctx(svc: &Services) -> Ctx<'_> {
    Ctx {
        db: &svc.db,
        locales: &svc.locales,
        outbox: &svc.outbox,
        tz: svc.tz,
        settings: &svc.maternal,
    }
}

type Reply = (Msg, &'static str);

/// The words after the keyword, as typed (the keyword is one word).
fn raw_args(text: &str) -> Vec<&str> {
    text.split_whitespace().skip(1).collect()
}

/// The staff member sending, with their areas, or the reply for someone who is not health staff.
async fn health_staff(
    svc: &Services,
    from: &Msisdn,
) -> Result<Result<(Staff, Scope), Reply>, DialogError> {
    let Some(s) = staff::by_phone(&svc.db, from).await? else {
        return Ok(Err((
            Msg::new("maternal-not-health-staff"),
            "maternal: not staff",
        )));
    };
    if !maternal::is_health_staff(&s) {
        return Ok(Err((
            Msg::new("maternal-not-health-staff"),
            "maternal: not health staff",
        )));
    }
    let scope = staff::scope(&svc.db, &s).await?;
    Ok(Ok((s, scope)))
}

fn tail(phone: &Msisdn) -> String {
    maternal::phone_tail(phone.as_str())
}

fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The words of a refusal.
pub(crate) fn refusal(r: &Refusal) -> Msg {
    match r {
        Refusal::NotHealthStaff => Msg::new("maternal-not-health-staff"),
        Refusal::BadPhone => Msg::new("maternal-bad-phone"),
        Refusal::BadDate => Msg::new("maternal-usage"),
        Refusal::EddPast => Msg::new("maternal-edd-past"),
        Refusal::EddTooFar => {
            Msg::new("maternal-edd-too-far").num("weeks", maternal::MAX_WEEKS_AHEAD)
        }
        Refusal::LmpFuture => Msg::new("maternal-lmp-future"),
        Refusal::NeedsVillage => Msg::new("maternal-needs-village"),
        Refusal::UnknownVillage(code) => {
            Msg::new("maternal-unknown-village").arg("code", code.clone())
        }
        Refusal::OutsideArea => Msg::new("maternal-outside-area"),
        Refusal::NoPregnancy => Msg::new("maternal-no-pregnancy"),
        Refusal::BadBirthDate => Msg::new("maternal-bad-birth-date"),
        Refusal::NoVisit => Msg::new("maternal-no-visit"),
    }
}

/// `THAI <phone> <EDD>`, `THAI <phone> KC <LMP>`, either followed by a village code.
pub fn parse_registration(args: &[&str]) -> Result<Registration, Refusal> {
    let Some(at) = args.iter().position(|a| dates::looks_like_date(a)) else {
        return Err(Refusal::BadDate);
    };
    let mut phone_words = &args[..at];
    let lmp = phone_words
        .last()
        .is_some_and(|w| crate::text::unaccent(w).eq_ignore_ascii_case("KC"));
    if lmp {
        phone_words = &phone_words[..phone_words.len() - 1];
    }
    let phone = Msisdn::parse(&phone_words.concat()).map_err(|_| Refusal::BadPhone)?;
    let date = dates::parse_date(args[at]).ok_or(Refusal::BadDate)?;
    let dating = if lmp {
        Dating::Lmp(date)
    } else {
        Dating::Edd(date)
    };
    let village = args.get(at + 1).map(|v| v.to_uppercase());
    Ok(Registration {
        phone,
        dating,
        village,
    })
}

/// `THAI …`: registers (or updates) a pregnancy.
pub async fn register(
    svc: &Services,
    from: &Msisdn,
    text: &str,
    inbound_id: i64,
) -> Result<Reply, DialogError> {
    let (s, scope) = match health_staff(svc, from).await? {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    let reg = match parse_registration(&raw_args(text)) {
        Ok(r) => r,
        Err(r) => return Ok((refusal(&r), "maternal: registration unreadable")),
    };
    let done = maternal::register(
        &ctx(svc),
        &s,
        &scope,
        &reg,
        RegistrationSource::Sms(inbound_id),
        time::now(),
    )
    .await
    .map_err(feature_error)?;
    Ok(match done {
        Err(r) => (refusal(&r), "maternal: registration refused"),
        Ok(r) => (registered_msg(&reg.phone, &r), "maternal: registered"),
    })
}

/// The worker's confirmation: EDD and the first visit's day.
pub(crate) fn registered_msg(phone: &Msisdn, r: &maternal::Registered) -> Msg {
    let id = match (r.opted_out, r.next_visit) {
        (true, _) => "maternal-registered-opted-out",
        (false, Some(_)) => "maternal-registered",
        (false, None) => "maternal-registered-no-visit",
    };
    let (n, day) = r
        .next_visit
        .map_or((0, String::new()), |(n, d)| (i64::from(n), date_text(d)));
    Msg::new(id)
        .arg("who", tail(phone))
        .arg("edd", date_text(r.edd))
        .num("n", n)
        .arg("date", day)
}

pub(crate) fn feature_error(e: maternal::MaternalError) -> DialogError {
    match e {
        maternal::MaternalError::Db(e) => DialogError::Db(e),
        maternal::MaternalError::Outbox(e) => DialogError::Outbox(e),
    }
}

fn phone_of(args: &[&str]) -> Result<Msisdn, Refusal> {
    Msisdn::parse(&args.concat()).map_err(|_| Refusal::BadPhone)
}

/// The sending health worker and the mother's phone of `KEYWORD <phone>`, or the reply.
async fn staff_and_phone(
    svc: &Services,
    from: &Msisdn,
    text: &str,
) -> Result<Result<(Staff, Scope, Msisdn), Reply>, DialogError> {
    let (s, scope) = match health_staff(svc, from).await? {
        Ok(x) => x,
        Err(reply) => return Ok(Err(reply)),
    };
    Ok(match phone_of(&raw_args(text)) {
        Ok(p) => Ok((s, scope, p)),
        Err(r) => Err((refusal(&r), "maternal: phone unreadable")),
    })
}

/// `KHAM <phone>`: the current visit done.
pub async fn checkup(svc: &Services, from: &Msisdn, text: &str) -> Result<Reply, DialogError> {
    let (s, scope, phone) = match staff_and_phone(svc, from, text).await? {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    let done = maternal::checkup_by_staff(&ctx(svc), &s, &scope, &phone, time::now())
        .await
        .map_err(feature_error)?;
    Ok(checked_reply(done, Some(&phone)))
}

/// `DA KHAM` from the mother.
pub async fn checkup_self(svc: &Services, from: &Msisdn) -> Result<Reply, DialogError> {
    let done = maternal::checkup_by_mother(&ctx(svc), from, time::now())
        .await
        .map_err(feature_error)?;
    Ok(checked_reply(done, None))
}

fn checked_reply(done: Result<maternal::Checked, Refusal>, worker_for: Option<&Msisdn>) -> Reply {
    let c = match done {
        Err(r) => return (refusal(&r), "maternal: checkup refused"),
        Ok(c) => c,
    };
    let msg = match (worker_for, c.next) {
        (Some(p), Some((n, d))) => Msg::new("maternal-checkup-next")
            .arg("who", tail(p))
            .num("done", i64::from(c.visit))
            .num("n", i64::from(n))
            .arg("date", date_text(d)),
        (Some(p), None) => Msg::new("maternal-checkup-last")
            .arg("who", tail(p))
            .num("done", i64::from(c.visit)),
        (None, Some((n, d))) => Msg::new("maternal-checkup-self-next")
            .num("done", i64::from(c.visit))
            .num("n", i64::from(n))
            .arg("date", date_text(d)),
        (None, None) => Msg::new("maternal-checkup-self-last").num("done", i64::from(c.visit)),
    };
    (msg, "maternal: checkup")
}

/// `SINH <phone> <date>`: the birth.
pub async fn birth(svc: &Services, from: &Msisdn, text: &str) -> Result<Reply, DialogError> {
    let (s, scope) = match health_staff(svc, from).await? {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    let args = raw_args(text);
    let at = args.iter().rposition(|a| dates::looks_like_date(a));
    let parsed = at.and_then(|i| Some((phone_of(&args[..i]).ok()?, dates::parse_date(args[i])?)));
    let Some((phone, born)) = parsed else {
        return Ok((
            Msg::new("maternal-birth-usage"),
            "maternal: birth unreadable",
        ));
    };
    let done = maternal::birth(&ctx(svc), &s, &scope, &phone, born, time::now())
        .await
        .map_err(feature_error)?;
    Ok(match done {
        Err(r) => (refusal(&r), "maternal: birth refused"),
        Ok(_) => (
            Msg::new("maternal-birth-recorded")
                .arg("who", tail(&phone))
                .arg("date", date_text(born)),
            "maternal: birth",
        ),
    })
}

/// `MAT <phone>`: a loss; the worker alone gets a short condolence, the mother nothing.
pub async fn loss(svc: &Services, from: &Msisdn, text: &str) -> Result<Reply, DialogError> {
    let (s, scope, phone) = match staff_and_phone(svc, from, text).await? {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    let done = maternal::loss(&ctx(svc), &s, &scope, &phone, time::now())
        .await
        .map_err(feature_error)?;
    Ok(match done {
        Err(r) => (refusal(&r), "maternal: loss refused"),
        Ok(_) => (Msg::new("maternal-loss-recorded"), "maternal: loss"),
    })
}

/// The text after the first `n` words, as typed.
fn after_words(text: &str, n: usize) -> &str {
    let mut rest = text.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest.trim_end()
}

/// `NHAC <village code|*> <dd/mm> <text>`: the preview, waiting for `OK`.
pub async fn campaign(
    svc: &Services,
    from: &Msisdn,
    text: &str,
    _inbound_id: i64,
) -> Result<Reply, DialogError> {
    use maternal::campaign::{self, Plan, Target};
    let (s, scope) = match health_staff(svc, from).await? {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    let c = ctx(svc);
    let now = time::now();
    let args = raw_args(text);
    let body = after_words(text, 3);
    let day = args
        .get(1)
        .and_then(|d| dates::parse_day_month(d, c.today(now)));
    let (Some(target), Some(day)) = (args.first(), day) else {
        return Ok((
            Msg::new("maternal-campaign-usage"),
            "maternal: campaign unreadable",
        ));
    };
    if body.is_empty() || body.chars().count() > campaign::MAX_TEXT {
        let msg = Msg::new("maternal-campaign-usage");
        return Ok((msg, "maternal: campaign text empty or long"));
    }
    let target = if *target == "*" {
        Target::All
    } else {
        Target::Village(target.to_string())
    };
    let villages = match campaign::villages(&c, &s, &scope, &target)
        .await
        .map_err(feature_error)?
    {
        Ok(v) => v,
        Err(r) => return Ok((refusal(&r), "maternal: campaign refused")),
    };
    let plan = Plan {
        staff_id: s.id,
        villages,
        day,
        text: body.to_string(),
    };
    let p = campaign::preview(&c, &plan, now)
        .await
        .map_err(feature_error)?;
    if p.recipients == 0 {
        return Ok((
            Msg::new("maternal-campaign-nobody"),
            "maternal: campaign without recipients",
        ));
    }
    campaign::propose(&c, from, &plan)
        .await
        .map_err(feature_error)?;
    Ok((preview_msg(&p), "maternal: campaign preview"))
}

fn preview_msg(p: &maternal::campaign::Preview) -> Msg {
    let id = if p.cost_vnd == 0 {
        "maternal-campaign-preview-no-price"
    } else {
        "maternal-campaign-preview"
    };
    Msg::new(id)
        .num("count", p.recipients as i64)
        .num("parts", p.parts as i64)
        .num("cost", p.cost_vnd as i64)
        .num("minutes", crate::features::confirm::WINDOW_MINUTES)
}

/// `OK` for a campaign: sends it, and says to how many.
pub async fn confirmed(svc: &Services, id: i64, payload: &str) -> Result<Reply, DialogError> {
    let n = maternal::campaign::send_confirmed(&ctx(svc), id, payload, time::now())
        .await
        .map_err(feature_error)?;
    Ok((
        Msg::new("maternal-campaign-sent").num("count", n as i64),
        "confirm: health campaign sent",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn registrations_as_workers_type_them() {
        let r = parse_registration(&["0912001001", "15/06/2026"]).expect("edd");
        assert_eq!(r.phone.as_str(), "+84912001001");
        assert!(matches!(r.dating, Dating::Edd(_)));
        assert_eq!(r.village, None);
        let r =
            parse_registration(&["0912", "001", "001", "kc", "1/2/26", "b010201"]).expect("lmp");
        assert_eq!(r.phone.as_str(), "+84912001001");
        assert!(matches!(r.dating, Dating::Lmp(_)));
        assert_eq!(r.village.as_deref(), Some("B010201"));
        assert_eq!(
            parse_registration(&["0912001001"]).unwrap_err(),
            Refusal::BadDate
        );
        assert_eq!(
            parse_registration(&["12", "1/2/26"]).unwrap_err(),
            Refusal::BadPhone
        );
        assert_eq!(
            parse_registration(&["0912001001", "31/02/2026"]).unwrap_err(),
            Refusal::BadDate
        );
    }

    proptest! {
        #[test]
        fn any_words_are_read_without_panicking(words in proptest::collection::vec("\\PC{0,12}", 0..6)) {
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            let _ = parse_registration(&refs);
        }
    }
}
