//! Main-menu option 1, support status: what `support::status_for` found, as the lines of a USSD text.
//!
//! Lines, not a paragraph: a record is never cut between two screens unless it alone is longer
//! than one. A phone in two households sees both in sequence (each under its own "Hộ …:" line),
//! as `TT` by SMS does: no extra screen to pick one, and at most a press of 9 to reach the second.

use futures::future::BoxFuture;

use crate::dialog::Services;
use crate::features::support::words::record_msg;
use crate::features::support::{self, Lookup};
use crate::i18n::{Locales, Msg};
use crate::phone::Msisdn;

/// The lines of the answer for `lookup` in `lang` (not yet unaccented: the renderer does that).
pub fn lines(locales: &Locales, lang: &str, lookup: &Lookup) -> Vec<String> {
    let one = |m: Msg| vec![locales.render(lang, &m)];
    match lookup {
        // Nothing about any household: how to register, from the SMS wording.
        Lookup::NotRegistered => one(Msg::new("tt-not-registered")),
        Lookup::OfficerNeedsCode => one(Msg::new("ussd-support-officer")),
        // Not reached without a household code (USSD asks for none), kept for completeness.
        Lookup::NoAccess { code } => one(Msg::new("tt-no-access").arg("code", code.clone())),
        Lookup::Households(hs) => {
            let mut out = Vec::new();
            for h in hs {
                if h.records.is_empty() {
                    out.push(
                        locales.render(lang, &Msg::new("tt-empty").arg("code", h.code.clone())),
                    );
                    continue;
                }
                out.push(
                    locales.render(lang, &Msg::new("tt-household").arg("code", h.code.clone())),
                );
                out.extend(
                    h.records
                        .iter()
                        .map(|r| locales.render(lang, &record_msg(locales, lang, r))),
                );
            }
            out
        }
    }
}

/// Reads the status `phone` may see, with the same feature call as the SMS `TT`.
pub fn fetch<'a>(
    svc: &'a Services,
    phone: &'a Msisdn,
    lang: &'a str,
) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>> {
    Box::pin(async move {
        let lookup = support::status_for(&svc.db, phone, None).await?;
        Ok(lines(&svc.locales, lang, &lookup))
    })
}
