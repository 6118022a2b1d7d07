//! What `loa serve --demo` prints once it listens: the pages to open, the demo phones and who
//! they are, the demo accounts, and how to reach the API. The simulator page lists the same phones.

use serde::Serialize;

use super::DemoAccount;
use crate::db::Db;
use crate::features::households;
use crate::features::staff::{self, Role};
use crate::i18n::{msg_id, Locales, Msg};
use crate::phone::Msisdn;

/// The demo's phones worth playing, in the order they are shown: villagers first, then staff,
/// then a number loa has never seen. Who each is comes from the database, not from here.
pub const PHONES: &[&str] = &[
    "0912001001",
    "0912001002",
    "0912001003",
    "0912001005",
    "0912009003",
    "0912009001",
    "0912009002",
    "0912999999",
];

/// One demo phone and who it is, in words.
#[derive(Clone, Debug, Serialize)]
pub struct DemoPhone {
    pub number: String,
    pub who: String,
    /// The staff row's id, for a staff member's phone.
    pub staff_id: Option<i64>,
}

fn role_id(role: Role) -> &'static str {
    match role {
        Role::VillageHealthWorker => msg_id("demo-role-health-worker"),
        Role::VillageMidwife => msg_id("demo-role-midwife"),
        Role::CommuneOfficer => msg_id("demo-role-commune-officer"),
        Role::LegalAid => msg_id("demo-role-legal-aid"),
        Role::CommuneHealth => msg_id("demo-role-commune-health"),
        Role::Admin => msg_id("demo-role-admin"),
        Role::Monitor => msg_id("demo-role-monitor"),
    }
}

/// The demo phones as the database knows them now, described in `lang`.
pub async fn phones(db: &Db, locales: &Locales, lang: &str) -> Result<Vec<DemoPhone>, sqlx::Error> {
    let mut out = Vec::new();
    for &number in PHONES {
        let Ok(phone) = Msisdn::parse(number) else {
            continue;
        };
        let homes = households::of_phone(db, &phone).await?;
        let member = staff::by_phone(db, &phone).await?;
        let msg = match (&member, homes.as_slice()) {
            (Some(s), _) => Msg::new("demo-who-staff")
                .arg_msg("role", role_id(s.role))
                .arg("name", s.name.clone())
                .arg("areas", s.areas.join(", ")),
            (None, []) => Msg::new("demo-who-stranger"),
            (None, [h]) => Msg::new("demo-who-villager")
                .arg("code", h.code.clone())
                .arg("head", h.head_name.clone()),
            (None, hs) => Msg::new("demo-who-households").arg(
                "codes",
                hs.iter()
                    .map(|h| h.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        out.push(DemoPhone {
            number: number.to_string(),
            who: locales.render(lang, &msg),
            staff_id: member.map(|s| s.id),
        });
    }
    Ok(out)
}

/// The lines printed after start-up, for the server at `base` (`http://127.0.0.1:8080`), with
/// the demo `accounts` this start made or found.
pub async fn lines(
    db: &Db,
    locales: &Locales,
    lang: &str,
    base: &str,
    accounts: &[DemoAccount],
) -> Result<Vec<String>, sqlx::Error> {
    let render = |m: Msg| locales.render(lang, &m);
    let mut out = vec![
        render(Msg::new("demo-banner-title").arg("url", base.to_string())),
        render(Msg::new("demo-banner-simulator").arg("url", format!("{base}/simulator"))),
        render(Msg::new("demo-banner-console").arg("url", format!("{base}/console"))),
        render(Msg::new("demo-banner-phones")),
    ];
    for p in phones(db, locales, lang).await? {
        out.push(format!("  {}  {}", p.number, p.who));
    }
    out.push(render(Msg::new("demo-banner-accounts")));
    out.extend(account_lines(accounts, &render));
    out.push(render(
        Msg::new("demo-banner-api").arg("url", format!("{base}/api/v1/")),
    ));
    out.push(render(Msg::new("demo-banner-stop")));
    Ok(out)
}

/// One line per account: its name, whom it acts as, and its new password or that it kept its own.
fn account_lines(accounts: &[DemoAccount], render: &impl Fn(Msg) -> String) -> Vec<String> {
    let who: Vec<String> = accounts
        .iter()
        .map(|a| {
            let role = render(Msg::new(role_id(a.role)));
            match &a.staff_name {
                Some(name) => format!("{role} {name}"),
                None => role,
            }
        })
        .collect();
    let name_width = accounts.iter().map(|a| a.username.chars().count()).max();
    let who_width = who.iter().map(|w| w.chars().count()).max();
    accounts
        .iter()
        .zip(&who)
        .map(|(a, who)| {
            let password = match &a.password {
                Some(p) => Msg::new("demo-account-new").arg("password", p.clone()),
                None => Msg::new("demo-account-kept").arg("username", a.username.clone()),
            };
            format!(
                "  {:<nw$}  {:<ww$}  {}",
                a.username,
                who,
                render(password),
                nw = name_width.unwrap_or(0),
                ww = who_width.unwrap_or(0),
            )
        })
        .collect()
}

/// Prints the banner on stdout for the server listening on `addr`, with the demo `accounts`
/// (their passwords go to stdout only, never to the log). A database error only costs the
/// banner (logged).
pub async fn print(
    db: &Db,
    locales: &Locales,
    accounts: &[DemoAccount],
    addr: std::net::SocketAddr,
) {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let base = format!("http://{addr}");
    match lines(db, locales, "vi", &base, accounts).await {
        Ok(lines) => println!("\n{}\n", lines.join("\n")),
        Err(err) => tracing::warn!(%err, "demo banner"),
    }
}
