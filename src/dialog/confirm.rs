//! `OK`: confirms the newest preview this phone was sent (a notice, a campaign), once, within its time.
//!
//! The feature that stored the preview (`features::confirm::propose`) names it by kind; each kind
//! gets its arm below, which does the action and says what was done.

use super::{DialogError, Services};
use crate::db::time;
use crate::features::confirm::{self, Taken, WINDOW_MINUTES};
use crate::i18n::Msg;
use crate::phone::Msisdn;

/// The reply to `OK` from `from`, and a note for the inbox row.
// One arm per kind, added by the features that propose (notices, health campaigns).
pub async fn handle(svc: &Services, from: &Msisdn) -> Result<(Msg, &'static str), DialogError> {
    match confirm::take(&svc.db, from, time::now()).await? {
        Taken::Pending(p) => match p.kind.as_str() {
            crate::features::maternal::campaign::KIND => {
                super::maternal::confirmed(svc, p.id, &p.payload).await
            }
            super::notices::KIND => super::notices::confirmed(svc, &p.payload).await,
            other => {
                tracing::warn!(kind = %other, "confirmation of an unknown kind");
                Ok((Msg::new("confirm-nothing"), "confirm: unknown kind"))
            }
        },
        Taken::Late => Ok((
            Msg::new("confirm-late").num("minutes", WINDOW_MINUTES),
            "confirm: late",
        )),
        Taken::Nothing => Ok((Msg::new("confirm-nothing"), "confirm: nothing waiting")),
    }
}
