//! Main-menu option 3, prenatal checkups: a mother's next checkup (live), and a health worker's registration of a pregnancy (typed input: phone, then EDD as digits).

use futures::future::BoxFuture;

use super::menu::{Entry, Input, Live, Menu, Target};
use crate::db::time;
use crate::dialog::maternal::{ctx, feature_error, refusal, registered_msg};
use crate::dialog::{DialogError, Services};
use crate::features::maternal::{
    self, dates, store, Dating, Refusal, Registration, RegistrationSource,
};
use crate::features::staff;
use crate::i18n::{msg_id, Msg};
use crate::phone::Msisdn;

pub static MENU: Menu = Menu {
    id: "maternal",
    title: msg_id("ussd-maternal-title"),
    entries: &[
        Entry {
            key: 1,
            label: msg_id("ussd-maternal-mine"),
            target: Target::Live(&MINE),
        },
        Entry {
            key: 2,
            label: msg_id("ussd-maternal-register"),
            target: Target::Input(&REGISTER),
        },
    ],
};

pub static MINE: Live = Live {
    id: "maternal-mine",
    fetch,
};

pub static REGISTER: Input = Input {
    id: "maternal-register",
    fields: &[
        ("phone", msg_id("ussd-maternal-phone")),
        ("edd", msg_id("ussd-maternal-edd")),
    ],
    submit,
};

/// The mother's next checkup, from her own phone (nothing about anyone else).
pub fn fetch<'a>(
    svc: &'a Services,
    phone: &'a Msisdn,
    lang: &'a str,
) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>> {
    Box::pin(async move {
        let today = ctx(svc).today(time::now());
        let msg = match store::active_of(&svc.db, phone.as_str()).await? {
            None => Msg::new("ussd-maternal-none"),
            Some(p) => match maternal::current_visit(&p, maternal::weeks_of(&p), today) {
                Some((n, d)) => Msg::new("ussd-maternal-next")
                    .num("n", i64::from(n))
                    .arg("date", d.format("%d/%m/%Y").to_string()),
                None => Msg::new("ussd-maternal-no-more"),
            },
        };
        Ok(vec![svc.locales.render(lang, &msg)])
    })
}

/// Registers what a health worker typed: the mother's phone and the EDD (`15062026`).
pub fn submit<'a>(
    svc: &'a Services,
    from: &'a Msisdn,
    values: &'a [String],
) -> BoxFuture<'a, Result<Msg, sqlx::Error>> {
    Box::pin(async move {
        match register(svc, from, values).await {
            Ok(msg) => Ok(msg),
            Err(DialogError::Db(e)) => Err(e),
            Err(e) => {
                tracing::error!(%e, "ussd registration");
                Ok(Msg::new("ussd-maternal-failed"))
            }
        }
    })
}

async fn register(svc: &Services, from: &Msisdn, values: &[String]) -> Result<Msg, DialogError> {
    let Some(s) = staff::by_phone(&svc.db, from).await? else {
        return Ok(refusal(&Refusal::NotHealthStaff));
    };
    let scope = staff::scope(&svc.db, &s).await?;
    let (Some(phone), Some(edd)) = (values.first(), values.get(1)) else {
        return Ok(Msg::new("ussd-maternal-bad-date"));
    };
    let Ok(phone) = Msisdn::parse(phone) else {
        return Ok(refusal(&Refusal::BadPhone));
    };
    let Some(edd) = dates::parse_digits(edd) else {
        return Ok(Msg::new("ussd-maternal-bad-date"));
    };
    let reg = Registration {
        phone: phone.clone(),
        dating: Dating::Edd(edd),
        village: None,
    };
    let done = maternal::register(
        &ctx(svc),
        &s,
        &scope,
        &reg,
        RegistrationSource::Ussd,
        time::now(),
    )
    .await
    .map_err(feature_error)?;
    Ok(match done {
        Ok(r) => registered_msg(&phone, &r),
        Err(r) => refusal(&r),
    })
}
