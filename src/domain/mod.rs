//! Pure types and rules: nothing here does I/O.

pub mod callback;
pub mod labels;
pub mod outgoing;
pub mod phone;
pub mod relation;
pub mod staff;
pub mod unit;

pub use callback::CallbackData;
pub use outgoing::{Button, Markup, Menu, Outgoing};
pub use phone::PhoneNumber;
pub use relation::Relation;
pub use staff::Trade;
pub use unit::UnitAddress;
