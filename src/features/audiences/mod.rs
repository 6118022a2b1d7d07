//! Audiences: who a notice or campaign reaches, as a filter (areas, languages, ethnic groups, roles, poverty classes) resolved by one query.
//!
//! An audience is never a stored list: counting it, previewing it and queuing to it run the same
//! SQL (built in [`store`]), so a contact who opted out since (of everything, or of the topic) is
//! left out, and one who moved in is found. Within a field the values are alternatives (`OR`);
//! the fields combine with `AND`.

pub mod store;

use serde::{Deserialize, Serialize};

use crate::features::households::Poverty;
use crate::features::staff::{Role, Scope, Staff};

pub use store::{breakdown, count, members, Member, Slice};

/// Household members, as opposed to staff roles, in [`Audience::roles`].
pub const HOUSEHOLD: &str = "household";

/// Values per field, and fields' total, kept small: a filter is typed by a person.
const MAX_VALUES: usize = 200;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Province, commune or village codes: the villages below them. Empty: the caller's areas.
    #[serde(default)]
    pub areas: Vec<String>,
    /// Contacts' languages (`vi` includes contacts that never chose one).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Households' ethnic groups, as imported (`Tày`, `Dao`, …).
    #[serde(default)]
    pub ethnic_groups: Vec<String>,
    /// `household` (members of households, the default) and/or staff roles (`village_health_worker`, …).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Households' poverty classes: `poor`, `near_poor`, `none`.
    #[serde(default)]
    pub poverty: Vec<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AudienceError {
    #[error("unknown role `{0}` (household or a staff role)")]
    Role(String),
    #[error("unknown poverty class `{0}` (poor, near_poor, none)")]
    Poverty(String),
    #[error("area `{0}` lies outside your areas")]
    OutsideScope(String),
    #[error("too many values in one field (at most {MAX_VALUES})")]
    TooMany,
}

impl Audience {
    /// Checks the values and fills in the caller's own areas when none are named; an area
    /// outside the caller's scope is refused.
    pub fn checked_for(mut self, staff: &Staff, scope: &Scope) -> Result<Audience, AudienceError> {
        for field in [
            &self.areas,
            &self.languages,
            &self.ethnic_groups,
            &self.roles,
            &self.poverty,
        ] {
            if field.len() > MAX_VALUES {
                return Err(AudienceError::TooMany);
            }
        }
        if let Some(r) = self
            .roles
            .iter()
            .find(|r| r.as_str() != HOUSEHOLD && Role::from_db(r).is_none())
        {
            return Err(AudienceError::Role(r.clone()));
        }
        self.poverty = self
            .poverty
            .iter()
            .map(|p| {
                Poverty::parse(&p.replace('_', " "))
                    .map(|p| p.as_str().to_string())
                    .ok_or_else(|| AudienceError::Poverty(p.clone()))
            })
            .collect::<Result<_, _>>()?;
        self.languages = self.languages.iter().map(|l| l.to_lowercase()).collect();
        if let Some(a) = self.areas.iter().find(|a| !scope.covers(a)) {
            return Err(AudienceError::OutsideScope(a.clone()));
        }
        if self.areas.is_empty() && staff.role != Role::Admin {
            self.areas = staff.areas.clone();
        }
        Ok(self)
    }

    /// Whether household members are in it (no role named means they are).
    pub fn households(&self) -> bool {
        self.roles.is_empty() || self.roles.iter().any(|r| r == HOUSEHOLD)
    }

    /// The staff roles named.
    pub fn staff_roles(&self) -> Vec<&str> {
        self.roles
            .iter()
            .map(String::as_str)
            .filter(|r| *r != HOUSEHOLD)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer() -> Staff {
        Staff {
            id: 1,
            name: "x".into(),
            role: Role::CommuneOfficer,
            areas: vec!["02008".into()],
        }
    }

    #[test]
    fn empty_areas_become_the_callers_own() {
        let a = Audience::default()
            .checked_for(&officer(), &Scope::default())
            .expect("ok");
        assert_eq!(a.areas, vec!["02008".to_string()]);
        assert!(a.households() && a.staff_roles().is_empty());
    }

    #[test]
    fn bad_values_are_refused() {
        let a = Audience {
            poverty: vec!["rich".into()],
            ..Audience::default()
        };
        assert_eq!(
            a.checked_for(&officer(), &Scope::default()),
            Err(AudienceError::Poverty("rich".into()))
        );
        let a = Audience {
            areas: vec!["01981".into()],
            ..Audience::default()
        };
        assert_eq!(
            a.checked_for(&officer(), &Scope::default()),
            Err(AudienceError::OutsideScope("01981".into()))
        );
        let a = Audience {
            poverty: vec!["nghèo".into()],
            roles: vec!["household".into(), "village_midwife".into()],
            ..Audience::default()
        };
        let a = a.checked_for(&officer(), &Scope::default()).expect("ok");
        assert_eq!(a.poverty, vec!["poor".to_string()]);
        assert_eq!(a.staff_roles(), vec!["village_midwife"]);
    }
}
