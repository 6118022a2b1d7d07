//! What every signed-in page shows around its content: the nav (the pages the caller's role may open), who is signed in, the language switch, sign-out, and in simulator mode the simulator.
//!
//! A new page is one line in [`PAGES`]: its path, its label and the roles that see the link. The
//! handler checks the same roles (the list is the one the API checks), so a hidden link is never
//! the only guard.

use super::{role_msg, Console};
use crate::app::AppState;
use crate::features::staff::Role;
use crate::gateway::mode::Mode;
use crate::http::households::HOUSEHOLD_ROLES;
use crate::i18n::{msg_id, Msg};

/// Every role: pages with figures only (no personal data).
pub const EVERYONE: &[Role] = &[
    Role::VillageHealthWorker,
    Role::VillageMidwife,
    Role::CommuneOfficer,
    Role::CommuneHealth,
    Role::LegalAid,
    Role::Admin,
    Role::Monitor,
];

/// Who sends notices (as `http::notices::may_broadcast`).
pub const BROADCASTERS: &[Role] = &[Role::CommuneOfficer, Role::Admin];

/// One page in the nav.
pub struct NavPage {
    pub path: &'static str,
    pub label: &'static str,
    pub roles: &'static [Role],
}

const fn nav(path: &'static str, label: &'static str, roles: &'static [Role]) -> NavPage {
    NavPage { path, label, roles }
}

/// The console's pages, in nav order: one line per page.
#[rustfmt::skip]
pub const PAGES: &[NavPage] = &[
    nav("/console", msg_id("console-nav-dashboard"), EVERYONE),
    nav("/console/households", msg_id("console-nav-households"), HOUSEHOLD_ROLES),
    nav("/console/imports", msg_id("console-nav-imports"), HOUSEHOLD_ROLES),
    nav("/console/contacts", msg_id("console-nav-contacts"), HOUSEHOLD_ROLES),
    nav("/console/gateways", msg_id("console-nav-gateways"), EVERYONE),
    nav("/console/notices", msg_id("console-nav-notices"), BROADCASTERS),
    nav("/console/campaigns", msg_id("console-nav-campaigns"), super::campaigns::ROLES),
    nav("/console/legal-aid", msg_id("console-nav-legal-aid"), super::legal_aid::ROLES),
    nav("/console/due", msg_id("console-nav-due"), super::due::ROLES),
    nav("/console/audit", msg_id("console-nav-audit"), super::audit::ROLES),
];

/// A link as the template draws it.
pub struct Link {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The frame of a signed-in page.
pub struct Layout {
    pub links: Vec<Link>,
    /// "Signed in as … (role)".
    pub who: String,
    /// The session's CSRF token, for the sign-out form and the page's own forms.
    pub csrf: String,
    /// Simulator mode (the demo, training): a link to the simulated phone.
    pub simulator: bool,
}

impl Layout {
    /// The frame for page `here` (one of [`PAGES`]' paths).
    pub fn new(app: &AppState, c: &Console, here: &str) -> Layout {
        let role = c.caller.staff.role;
        let links = PAGES
            .iter()
            .filter(|p| p.roles.contains(&role))
            .map(|p| Link {
                href: p.path,
                label: c.t.msg_id(p.label),
                current: p.path == here,
            })
            .collect();
        let who = Msg::new("console-signed-in-as")
            .arg("username", c.session.account.username.clone())
            .arg("role", c.t.msg_id(role_msg(role)));
        Layout {
            links,
            who: c.t.render(&who),
            csrf: c.session.csrf.clone(),
            simulator: app.mode() == Mode::Simulator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_for_someone_and_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for p in PAGES {
            assert!(!p.roles.is_empty(), "{} is for nobody", p.path);
            assert!(seen.insert(p.path), "{} twice", p.path);
            assert!(p.path.starts_with("/console"), "{}", p.path);
        }
    }
}
