//! What a repair request is about: its category (which trade fixes it) and
//! its urgency, with the words that make a request an emergency.

use serde::{Deserialize, Serialize};

use crate::domain::Trade;
use crate::i18n::Text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Plumbing,
    Electrical,
    DoorsWindows,
    Lift,
    Gas,
    CommonFacilities,
    Other,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Plumbing,
        Category::Electrical,
        Category::DoorsWindows,
        Category::Lift,
        Category::Gas,
        Category::CommonFacilities,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Plumbing => "plumbing",
            Category::Electrical => "electrical",
            Category::DoorsWindows => "doors_windows",
            Category::Lift => "lift",
            Category::Gas => "gas",
            Category::CommonFacilities => "common_facilities",
            Category::Other => "other",
        }
    }

    pub fn parse_code(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The trade that is sent to fix it. Lifts and gas go to the electrical
    /// and plumbing technicians first, who call the specialist contractor.
    pub fn trade(self) -> Trade {
        match self {
            Category::Plumbing | Category::Gas => Trade::Plumbing,
            Category::Electrical | Category::Lift => Trade::Electrical,
            Category::DoorsWindows | Category::CommonFacilities | Category::Other => Trade::GeneralRepair,
        }
    }

    pub fn label(self) -> Text {
        match self {
            Category::Plumbing => Text::new("category-plumbing"),
            Category::Electrical => Text::new("category-electrical"),
            Category::DoorsWindows => Text::new("category-doors-windows"),
            Category::Lift => Text::new("category-lift"),
            Category::Gas => Text::new("category-gas"),
            Category::CommonFacilities => Text::new("category-common-facilities"),
            Category::Other => Text::new("category-other"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Emergency,
    Urgent,
    Routine,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Emergency, Urgency::Urgent, Urgency::Routine];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Emergency => "emergency",
            Urgency::Urgent => "urgent",
            Urgency::Routine => "routine",
        }
    }

    pub fn parse_code(s: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Urgency::Emergency => Text::new("urgency-emergency"),
            Urgency::Urgent => Text::new("urgency-urgent"),
            Urgency::Routine => Text::new("urgency-routine"),
        }
    }
}

/// Words that mean water, power, gas, fire or someone trapped: an emergency.
const EMERGENCY_WORDS: [&str; 22] = [
    "漏水",
    "跑水",
    "爆管",
    "水管爆",
    "淹",
    "停电",
    "没电",
    "断电",
    "漏电",
    "燃气",
    "煤气",
    "天然气",
    "困人",
    "被困",
    "着火",
    "冒烟",
    "leak",
    "flood",
    "no power",
    "power cut",
    "gas",
    "trapped",
];

/// The first emergency word in `text`, to preselect Emergency and say why.
pub fn emergency_word(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    EMERGENCY_WORDS.into_iter().find(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_and_urgency_round_trips_through_its_code() {
        for c in Category::ALL {
            assert_eq!(Category::parse_code(c.as_str()), Some(c));
        }
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse_code(u.as_str()), Some(u));
        }
        assert_eq!(Category::parse_code("spaceship"), None);
    }

    #[test]
    fn leaks_outages_gas_and_entrapment_are_emergencies() {
        for text in [
            "厨房漏水了",
            "卫生间跑水",
            "家里停电",
            "闻到燃气味",
            "电梯困人！",
            "Water LEAK under the sink",
            "gas smell",
            "someone trapped in lift",
        ] {
            assert!(emergency_word(text).is_some(), "{text}");
        }
        assert_eq!(emergency_word("门把手松了"), None);
        assert_eq!(emergency_word("the door handle is loose"), None);
    }

    #[test]
    fn each_category_goes_to_a_trade_that_repairs() {
        assert_eq!(Category::Plumbing.trade(), Trade::Plumbing);
        assert_eq!(Category::Lift.trade(), Trade::Electrical);
        assert_eq!(Category::DoorsWindows.trade(), Trade::GeneralRepair);
    }
}

/// A photo someone sent: Telegram's id to send it again, and its unique id
/// to recognise the same photo delivered twice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub file_id: String,
    pub unique_id: String,
}

/// How many photos a report or a result may carry.
pub const MAX_PHOTOS: usize = 5;
