//! How domain values read in a message, in any language.

use crate::domain::{Relation, UnitAddress};
use crate::i18n::Text;

/// "3栋2单元1201" / "Bldg 3, Ent. 2, Rm 1201".
pub fn unit(address: &UnitAddress) -> Text {
    if address.entrance().is_empty() {
        Text::new("unit-address-no-entrance").arg("building", address.building()).arg("room", address.room())
    } else {
        Text::new("unit-address")
            .arg("building", address.building())
            .arg("entrance", address.entrance())
            .arg("room", address.room())
    }
}

pub fn relation(relation: Relation) -> Text {
    match relation {
        Relation::Owner => Text::new("relation-owner"),
        Relation::Family => Text::new("relation-family"),
        Relation::Tenant => Text::new("relation-tenant"),
    }
}
