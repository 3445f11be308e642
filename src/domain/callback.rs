//! Typed inline-button payloads. Telegram allows 64 bytes of callback data and
//! a modified client can send anything, so decoding is total: unknown or
//! malformed data is `None`, and every action is still authorised by the
//! service that carries it out.
//!
//! Encoding: a short prefix, then fields separated by `:`.

use crate::domain::{Relation, Trade};
use crate::i18n::Locale;

pub const MAX_LEN: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackData {
    /// Choose the language.
    Language(Locale),
    /// An owner whose phone matches several units picks one.
    PickUnit(i64),
    /// An owner filing a verification request says how they live there.
    PickRelation(Relation),
    /// Customer service decides a verification request.
    Verify { request_id: i64, approve: bool },
    /// An admin creating an invite picks the trade…
    InviteTrade(Trade),
    /// …and whether the new member supervises it.
    InviteRole { trade: Trade, supervisor: bool },
    /// An admin deactivates a staff member.
    DeactivateStaff(i64),
}

impl CallbackData {
    pub fn encode(&self) -> String {
        let s = match self {
            CallbackData::Language(l) => format!("lang:{}", l.as_str()),
            CallbackData::PickUnit(id) => format!("unit:{id}"),
            CallbackData::PickRelation(r) => format!("rel:{}", r.as_str()),
            CallbackData::Verify { request_id, approve } => {
                format!("vfy:{request_id}:{}", if *approve { "y" } else { "n" })
            }
            CallbackData::InviteTrade(t) => format!("invt:{}", t.as_str()),
            CallbackData::InviteRole { trade, supervisor } => {
                format!("invr:{}:{}", trade.as_str(), if *supervisor { "s" } else { "m" })
            }
            CallbackData::DeactivateStaff(id) => format!("deact:{id}"),
        };
        debug_assert!(s.len() <= MAX_LEN, "callback data over 64 bytes: {s}");
        s
    }

    pub fn decode(s: &str) -> Option<CallbackData> {
        if s.len() > MAX_LEN {
            return None;
        }
        let mut parts = s.split(':');
        let prefix = parts.next()?;
        let a = parts.next();
        let b = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let id = |v: Option<&str>| v.and_then(|v| v.parse::<i64>().ok()).filter(|n| *n > 0);
        let data = match (prefix, b) {
            ("lang", None) => CallbackData::Language(a.and_then(Locale::parse)?),
            ("unit", None) => CallbackData::PickUnit(id(a)?),
            ("rel", None) => CallbackData::PickRelation(Relation::parse_code(a?)?),
            ("vfy", Some(flag)) => CallbackData::Verify {
                request_id: id(a)?,
                approve: match flag {
                    "y" => true,
                    "n" => false,
                    _ => return None,
                },
            },
            ("invt", None) => CallbackData::InviteTrade(Trade::parse(a?)?),
            ("invr", Some(role)) => CallbackData::InviteRole {
                trade: Trade::parse(a?)?,
                supervisor: match role {
                    "s" => true,
                    "m" => false,
                    _ => return None,
                },
            },
            ("deact", None) => CallbackData::DeactivateStaff(id(a)?),
            _ => return None,
        };
        Some(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind_at_its_longest() -> Vec<CallbackData> {
        let mut all = vec![
            CallbackData::PickUnit(i64::MAX),
            CallbackData::Verify { request_id: i64::MAX, approve: true },
            CallbackData::Verify { request_id: 1, approve: false },
            CallbackData::DeactivateStaff(i64::MAX),
        ];
        all.extend(Locale::ALL.map(CallbackData::Language));
        all.extend([Relation::Owner, Relation::Family, Relation::Tenant].map(CallbackData::PickRelation));
        for trade in Trade::ALL {
            all.push(CallbackData::InviteTrade(trade));
            all.push(CallbackData::InviteRole { trade, supervisor: true });
            all.push(CallbackData::InviteRole { trade, supervisor: false });
        }
        all
    }

    #[test]
    fn every_callback_fits_in_telegrams_64_bytes() {
        for data in every_kind_at_its_longest() {
            let s = data.encode();
            assert!(s.len() <= MAX_LEN, "{s} is {} bytes", s.len());
        }
    }

    #[test]
    fn every_callback_decodes_to_what_was_encoded() {
        for data in every_kind_at_its_longest() {
            assert_eq!(CallbackData::decode(&data.encode()), Some(data));
        }
    }

    #[test]
    fn forged_or_malformed_data_decodes_to_nothing() {
        for s in [
            "",
            "unit",
            "unit:",
            "unit:-5",
            "unit:0",
            "unit:abc",
            "unit:1:2",
            "vfy:1",
            "vfy:1:maybe",
            "lang:fr",
            "invt:astronaut",
            "invr:plumbing:x",
            "rel:cousin",
            "deact:99999999999999999999999",
            "nonsense:1",
            &"x".repeat(65),
        ] {
            assert_eq!(CallbackData::decode(s), None, "{s:?}");
        }
    }
}
