//! `TB <village code|*> <text>`: a commune officer's notice by SMS, previewed, then sent by `OK`.
//!
//! The preview (recipients, parts, cost) is the reply; the draft waits in
//! `features::confirm` (kind `notice`, payload the notice id) for the same phone's `OK` within
//! the window. `OK` queues it; a late `OK` or another phone's sends nothing.

use super::{DialogError, Services};
use crate::db::time;
use crate::features::audiences::Audience;
use crate::features::confirm::{self, WINDOW_MINUTES};
use crate::features::notices::{self, Outcome, Texts, MAX_CHARS};
use crate::features::staff::{self, Role};
use crate::i18n::Msg;
use crate::phone::Msisdn;

/// Confirmation kind of a notice waiting for `OK`.
pub const KIND: &str = "notice";

/// The reply to `TB …` from `from`; `text` is the message as typed (the notice keeps its
/// diacritics, so it is cut from the raw text, not from the normalized words).
pub async fn propose(
    svc: &Services,
    from: &Msisdn,
    text: &str,
) -> Result<(Msg, &'static str), DialogError> {
    let Some(officer) = staff::by_phone(&svc.db, from).await? else {
        return Ok((Msg::new("notice-not-staff"), "notice: not staff"));
    };
    if !matches!(officer.role, Role::CommuneOfficer | Role::Admin) {
        return Ok((Msg::new("notice-not-staff"), "notice: wrong role"));
    }
    let Some((target, body)) = split(text) else {
        return Ok((Msg::new("notice-usage"), "notice: usage"));
    };
    if body.chars().count() > MAX_CHARS {
        return Ok((
            Msg::new("notice-too-long").num("max", MAX_CHARS as i64),
            "notice: too long",
        ));
    }
    let scope = staff::scope(&svc.db, &officer).await?;
    let areas = match target.as_str() {
        "*" => Vec::new(),
        code if scope.covers(code) => vec![code.to_string()],
        code => {
            let msg = Msg::new("notice-outside").arg("code", code.to_string());
            return Ok((msg, "notice: outside scope"));
        }
    };
    let audience = Audience {
        areas,
        ..Audience::default()
    };
    let texts = Texts {
        text: body.to_string(),
        ..Texts::default()
    };
    let prices = svc.prices.as_ref();
    let (notice, p) = notices::create(&svc.db, prices, &officer, &scope, audience, texts).await?;
    if p.recipients == 0 {
        return Ok((Msg::new("notice-nobody"), "notice: nobody"));
    }
    confirm::propose(&svc.db, from, KIND, &notice.id.to_string()).await?;
    let v = &p.versions[0];
    let msg = Msg::new("notice-preview")
        .num("recipients", p.recipients)
        .num("parts", p.total_parts as i64)
        .num("full", v.full_parts as i64)
        .num("plain", v.unaccented_parts as i64)
        .num("cost", p.cost as i64)
        .num("minutes", WINDOW_MINUTES);
    Ok((msg, "notice: preview"))
}

/// `TB <target> <text>` → the target upper-cased and the text as typed.
fn split(text: &str) -> Option<(String, &str)> {
    let (_kw, rest) = text.trim().split_once(char::is_whitespace)?;
    let (target, body) = rest.trim_start().split_once(char::is_whitespace)?;
    let body = body.trim();
    (!body.is_empty()).then(|| (target.to_uppercase(), body))
}

/// The `OK` arm for a notice: queue it now.
pub async fn confirmed(svc: &Services, payload: &str) -> Result<(Msg, &'static str), DialogError> {
    let Ok(id) = payload.parse::<i64>() else {
        return Ok((Msg::new("confirm-nothing"), "notice: bad payload"));
    };
    if !notices::send(&svc.db, id, None).await? {
        return Ok((Msg::new("notice-gone"), "notice: gone"));
    }
    // An officer's notice reaches the communes they cover: small enough to queue before the reply.
    let n = match notices::queue(&svc.db, &svc.outbox, id, time::now()).await? {
        Outcome::Queued(n) => n,
        Outcome::Cancelled | Outcome::NotDue => 0,
    };
    let msg = Msg::new("notice-sent")
        .num("id", id)
        .num("recipients", n as i64);
    Ok((msg, "notice: sent"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_keeps_its_diacritics() {
        assert_eq!(
            split("tb  b010201 Họp thôn lúc 8 giờ "),
            Some(("B010201".to_string(), "Họp thôn lúc 8 giờ"))
        );
        assert_eq!(split("TB * Họp"), Some(("*".to_string(), "Họp")));
        assert_eq!(split("TB *"), None);
        assert_eq!(split("TB"), None);
    }
}
