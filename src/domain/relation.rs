//! How a resident is related to the unit: the owner (业主), a family member
//! (家属) or a tenant (租户).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// A roster row that says nothing about the relation is the owner.
    #[default]
    Owner,
    Family,
    Tenant,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown relation {0:?}; use 业主, 家属 or 租户 (owner, family, tenant)")]
pub struct RelationError(pub String);

impl Relation {
    pub const ALL: [Relation; 3] = [Relation::Owner, Relation::Family, Relation::Tenant];

    /// Accepts the database values, their Chinese words (业主, 家属, 家人, 租户,
    /// 租客) in any letter case; an empty value is the owner.
    pub fn parse(input: &str) -> Result<Self, RelationError> {
        let value = input.trim();
        match value.to_lowercase().as_str() {
            "" | "owner" | "业主" => Ok(Relation::Owner),
            "family" | "家属" | "家人" => Ok(Relation::Family),
            "tenant" | "租户" | "租客" => Ok(Relation::Tenant),
            _ => Err(RelationError(value.to_string())),
        }
    }

    /// Only the stored spelling (`owner`, `family`, `tenant`): for database
    /// rows and callback data, where anything else is corruption or forgery.
    pub fn parse_code(code: &str) -> Option<Self> {
        Relation::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The value stored in the database: `owner`, `family` or `tenant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Owner => "owner",
            Relation::Family => "family",
            Relation::Tenant => "tenant",
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Relation {
    type Err = RelationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_values_round_trip() {
        for r in Relation::ALL {
            assert_eq!(Relation::parse(r.as_str()), Ok(r));
        }
    }

    #[test]
    fn the_chinese_words_are_understood() {
        assert_eq!(Relation::parse("业主"), Ok(Relation::Owner));
        assert_eq!(Relation::parse("家属"), Ok(Relation::Family));
        assert_eq!(Relation::parse("家人"), Ok(Relation::Family));
        assert_eq!(Relation::parse("租户"), Ok(Relation::Tenant));
    }

    #[test]
    fn english_words_are_understood_in_any_case() {
        assert_eq!(Relation::parse(" Owner "), Ok(Relation::Owner));
        assert_eq!(Relation::parse("FAMILY"), Ok(Relation::Family));
        assert_eq!(Relation::parse("Tenant"), Ok(Relation::Tenant));
    }

    #[test]
    fn an_empty_relation_means_the_owner() {
        assert_eq!(Relation::parse(""), Ok(Relation::Owner));
        assert_eq!(Relation::parse("  "), Ok(Relation::Owner));
    }

    #[test]
    fn an_unknown_relation_is_rejected_and_named() {
        let err = Relation::parse("邻居").unwrap_err();
        assert_eq!(err, RelationError("邻居".into()));
        assert!(err.to_string().contains("邻居"));
    }

    #[test]
    fn a_relation_serializes_as_its_database_value() {
        assert_eq!(serde_json::to_string(&Relation::Tenant).unwrap(), "\"tenant\"");
    }
}
