//! Staff and workers reachable by SMS (village health workers, midwives, commune officers, commune health staff, legal aid, admins, monitors), with roles scoped to areas.

use serde::Serialize;

use crate::db::Db;
use crate::phone::Msisdn;
use crate::with_db;

pub mod store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    VillageHealthWorker,
    VillageMidwife,
    CommuneOfficer,
    /// Commune health station staff (trạm y tế xã): the health workers' work, for a whole commune.
    CommuneHealth,
    LegalAid,
    /// Everything, everywhere (the province's or the office's administrator).
    Admin,
    /// Figures only, no personal data (district, province, Fatherland Front).
    Monitor,
}

const ROLES: [Role; 7] = [
    Role::VillageHealthWorker,
    Role::VillageMidwife,
    Role::CommuneOfficer,
    Role::CommuneHealth,
    Role::LegalAid,
    Role::Admin,
    Role::Monitor,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::VillageHealthWorker => "village_health_worker",
            Role::VillageMidwife => "village_midwife",
            Role::CommuneOfficer => "commune_officer",
            Role::CommuneHealth => "commune_health",
            Role::LegalAid => "legal_aid",
            Role::Admin => "admin",
            Role::Monitor => "monitor",
        }
    }

    pub fn from_db(s: &str) -> Option<Role> {
        ROLES.into_iter().find(|r| r.as_str() == s)
    }

    /// Village health workers and midwives: they follow the pregnant women of their villages.
    pub fn is_village_health(self) -> bool {
        matches!(self, Role::VillageHealthWorker | Role::VillageMidwife)
    }

    /// As offices write it: y tế thôn bản, cô đỡ thôn bản, cán bộ xã, trợ giúp pháp lý, and
    /// the usual short forms.
    pub fn parse(s: &str) -> Option<Role> {
        let w = crate::features::import::parse::words(s).replace(['/', ','], " ");
        let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
        match w.as_str() {
            "y te thon ban"
            | "y te thon"
            | "y te ban"
            | "nhan vien y te thon ban"
            | "yt thon ban"
            | "village health worker" => Some(Role::VillageHealthWorker),
            "co do thon ban" | "co do" | "co do thon" | "ba do" | "village midwife" | "midwife" => {
                Some(Role::VillageMidwife)
            }
            "can bo xa" | "cb xa" | "cong chuc xa" | "ubnd xa" | "can bo ubnd xa"
            | "commune officer" | "commune staff" => Some(Role::CommuneOfficer),
            "tro giup phap ly"
            | "tgpl"
            | "tro giup vien phap ly"
            | "legal aid"
            | "legal aid officer" => Some(Role::LegalAid),
            "can bo y te xa"
            | "y te xa"
            | "tram y te xa"
            | "tram y te"
            | "commune health"
            | "commune health staff" => Some(Role::CommuneHealth),
            "quan tri" | "quan tri vien" | "admin" | "administrator" => Some(Role::Admin),
            "giam sat" | "theo doi" | "monitor" | "programme monitor" => Some(Role::Monitor),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Staff {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The area codes the role covers.
    pub areas: Vec<String>,
}

/// The staff member using `phone`, if any.
pub async fn by_phone(db: &Db, phone: &Msisdn) -> Result<Option<Staff>, sqlx::Error> {
    let row: Option<(i64, String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT id, name, role FROM staff WHERE msisdn = $1"
    )
    .bind(phone.as_str())
    .fetch_optional(pool)
    .await)?;
    with_areas(db, row).await
}

/// Every staff row's id, in order.
pub async fn ids(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT id FROM staff ORDER BY id")
        .fetch_all(pool)
        .await)
}

/// The staff member with id `id`, if any.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<Staff>, sqlx::Error> {
    let row: Option<(i64, String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT id, name, role FROM staff WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    with_areas(db, row).await
}

async fn with_areas(
    db: &Db,
    row: Option<(i64, String, String)>,
) -> Result<Option<Staff>, sqlx::Error> {
    let Some((id, name, role)) = row else {
        return Ok(None);
    };
    let Some(role) = Role::from_db(&role) else {
        return Ok(None);
    };
    let areas: Vec<String> = with_db!(db, pool => sqlx::query_scalar(
        "SELECT area_code FROM staff_areas WHERE staff_id = $1 ORDER BY area_code"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    Ok(Some(Staff {
        id,
        name,
        role,
        areas,
    }))
}

/// Every area a staff member covers (their areas and all below them), worked out once per
/// request so that a list of rows is checked without a query per row.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    everywhere: bool,
    covered: std::collections::HashSet<String>,
}

impl Scope {
    /// Every area (admins, and accounts that see the whole programme's figures).
    pub fn everywhere() -> Scope {
        Scope {
            everywhere: true,
            ..Scope::default()
        }
    }

    pub fn covers(&self, area_code: &str) -> bool {
        self.everywhere || self.covered.contains(area_code)
    }
}

/// The scope of `staff`: one recursive query down the area tree (`UNION` stops a cycle in bad data).
pub async fn scope(db: &Db, staff: &Staff) -> Result<Scope, sqlx::Error> {
    if staff.role == Role::Admin {
        return Ok(Scope {
            everywhere: true,
            ..Scope::default()
        });
    }
    let codes: Vec<String> = with_db!(db, pool => sqlx::query_scalar(
        "WITH RECURSIVE covered(code) AS (
             SELECT area_code FROM staff_areas WHERE staff_id = $1
             UNION
             SELECT a.code FROM areas a JOIN covered c ON a.parent_code = c.code
         )
         SELECT code FROM covered"
    )
    .bind(staff.id)
    .fetch_all(pool)
    .await)?;
    Ok(Scope {
        everywhere: false,
        covered: codes.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_as_written() {
        assert_eq!(
            Role::parse("y tế thôn bản"),
            Some(Role::VillageHealthWorker)
        );
        assert_eq!(Role::parse("Cô đỡ thôn bản"), Some(Role::VillageMidwife));
        assert_eq!(Role::parse("CÁN BỘ XÃ"), Some(Role::CommuneOfficer));
        assert_eq!(Role::parse("trợ giúp pháp lý"), Some(Role::LegalAid));
        assert_eq!(Role::parse("TGPL"), Some(Role::LegalAid));
        assert_eq!(Role::parse("chủ tịch"), None);
        assert_eq!(Role::parse("Trạm y tế xã"), Some(Role::CommuneHealth));
        assert_eq!(Role::parse("quản trị"), Some(Role::Admin));
        assert_eq!(Role::parse("giám sát"), Some(Role::Monitor));
        for r in ROLES {
            assert_eq!(Role::from_db(r.as_str()), Some(r));
        }
    }
}
