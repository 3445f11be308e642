//! Pure types and rules: nothing here does I/O.

pub mod callback;
pub mod complaint;
pub mod labels;
pub mod notice;
pub mod outgoing;
pub mod period;
pub mod phone;
pub mod relation;
pub mod repair;
pub mod sla;
pub mod staff;
pub mod survey;
pub mod ticket;
pub mod unit;

pub use callback::CallbackData;
pub use complaint::{Subject, TicketKind};
pub use outgoing::{Button, Delivery, Markup, Menu, Outgoing};
pub use phone::PhoneNumber;
pub use relation::Relation;
pub use repair::{Category, Urgency};
pub use staff::Trade;
pub use ticket::Status;
pub use unit::UnitAddress;

#[cfg(test)]
pub(crate) mod proptests;
