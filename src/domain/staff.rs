//! Staff trades.

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

/// What a staff member does; decides which requests reach them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trade {
    Plumbing,
    Electrical,
    GeneralRepair,
    Cleaning,
    Security,
    CustomerService,
}

impl Trade {
    pub const ALL: [Trade; 6] = [
        Trade::Plumbing,
        Trade::Electrical,
        Trade::GeneralRepair,
        Trade::Cleaning,
        Trade::Security,
        Trade::CustomerService,
    ];

    /// The database and callback spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Trade::Plumbing => "plumbing",
            Trade::Electrical => "electrical",
            Trade::GeneralRepair => "general_repair",
            Trade::Cleaning => "cleaning",
            Trade::Security => "security",
            Trade::CustomerService => "customer_service",
        }
    }

    pub fn parse(s: &str) -> Option<Trade> {
        Trade::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Trade::Plumbing => Text::new("trade-plumbing"),
            Trade::Electrical => Text::new("trade-electrical"),
            Trade::GeneralRepair => Text::new("trade-general-repair"),
            Trade::Cleaning => Text::new("trade-cleaning"),
            Trade::Security => Text::new("trade-security"),
            Trade::CustomerService => Text::new("trade-customer-service"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trade_round_trips_through_its_name() {
        for t in Trade::ALL {
            assert_eq!(Trade::parse(t.as_str()), Some(t));
        }
        assert_eq!(Trade::parse("astronaut"), None);
    }
}
