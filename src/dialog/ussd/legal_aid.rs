//! Main-menu option 2, legal aid: the category, the contact mode, a confirmation, then the reference on the closing screen.
//!
//! The request is opened once per session (its source is the gateway and session id), so a
//! replayed confirmation shows the same reference. The one SMS its mode allows goes out too, so
//! the reference is kept after the screen is gone (none for "no messages at all").

use futures::future::BoxFuture;

use super::menu::{Form, FormStep, Submission};
use crate::dialog::reply::{self, ReplyKey};
use crate::dialog::{DialogError, Services};
use crate::features::contacts;
use crate::features::legal_aid::{self, Category, Intake, Mode, Request};
use crate::gateway::Channel;
use crate::i18n::{msg_id, Msg};

pub static FORM: Form = Form {
    id: "legal_aid",
    steps: &[
        FormStep {
            id: "category",
            title: msg_id("ussd-legal-aid-category-title"),
            options: &[
                ("land", msg_id("legal-aid-category-land")),
                ("family", msg_id("legal-aid-category-family")),
                ("domestic_violence", msg_id("legal-aid-category-violence")),
                ("labour", msg_id("legal-aid-category-labour")),
                ("social_policy", msg_id("legal-aid-category-social")),
                (
                    "administrative",
                    msg_id("legal-aid-category-administrative"),
                ),
                ("criminal", msg_id("legal-aid-category-criminal")),
                ("other", msg_id("legal-aid-category-other")),
            ],
        },
        FormStep {
            id: "mode",
            title: msg_id("ussd-legal-aid-mode-title"),
            options: &[
                ("sms", msg_id("ussd-legal-aid-mode-sms")),
                ("call_only", msg_id("ussd-legal-aid-mode-call")),
                ("none", msg_id("ussd-legal-aid-mode-none")),
            ],
        },
    ],
    confirm: msg_id("ussd-legal-aid-confirm-title"),
    send: msg_id("ussd-legal-aid-send"),
    submit,
};

fn submit<'a>(
    svc: &'a Services,
    sub: &'a Submission<'a>,
) -> BoxFuture<'a, Result<Msg, DialogError>> {
    Box::pin(async move {
        let value = |i: usize| sub.values.get(i).copied().unwrap_or_default();
        // The form's own values: always known ones.
        let category = Category::from_db(value(0)).unwrap_or(Category::Other);
        let mode = Mode::from_db(value(1)).unwrap_or(Mode::CallOnly);
        let source = format!("ussd:{}:{}", sub.step.gateway_id, sub.step.session_id);
        let channel = Channel::Ussd {
            session_id: sub.step.session_id.to_string(),
        };
        let intake = Intake {
            phone: sub.step.phone,
            category,
            description: None,
            mode,
            channel,
            source_key: &source,
        };
        let req = legal_aid::submit(&svc.db, &svc.legal_aid, &intake).await?;
        send_intake(svc, sub, &req).await?;
        Ok(Msg::new("ussd-legal-aid-done")
            .arg("ref", req.reference)
            .num("days", legal_aid::CALL_BACK_WORKING_DAYS))
    })
}

/// The one SMS the request's mode allows, as a reply: it spends the number's reply budget, so
/// USSD sessions opened one after another cannot queue SMS without end. Keyed on the request, so
/// a replayed confirmation queues nothing more.
async fn send_intake(
    svc: &Services,
    sub: &Submission<'_>,
    req: &Request,
) -> Result<(), DialogError> {
    let contact = contacts::find_or_create(&svc.db, sub.step.phone).await?;
    let Some(msg) = legal_aid::intake_msg(req, &svc.locales, contact.lang()) else {
        return Ok(());
    };
    let key = ReplyKey {
        origin: format!("legal-aid:{}", req.id),
        key: format!("legal-aid:{}:intake", req.id),
    };
    let text = contact.render(&svc.locales, &msg);
    reply::send_as(svc, sub.step.phone, &contact, text, key).await?;
    Ok(())
}
