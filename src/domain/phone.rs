//! Phone numbers as owners, managers and Telegram write them, normalized to E.164.
//!
//! Owners bind to their unit by sharing their Telegram contact, and the roster
//! management imports holds the same person's number as someone typed it into a
//! spreadsheet. Both sides go through [`PhoneNumber::parse`], so they meet on one
//! spelling: `+8613800138000`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::unit::to_half_width;

/// A phone number in E.164 form (`+` and 8–15 digits). A mainland Chinese
/// number is always a mobile (11 digits starting 13–19).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number has no letters in it")]
    Letters,
    #[error("unexpected character {0:?} in the phone number")]
    InvalidCharacter(char),
    #[error("'+' may only stand at the start of the number")]
    MisplacedPlus,
    #[error("a mainland mobile number has 11 digits, this one has {0}")]
    WrongMainlandLength(usize),
    #[error("an international number has 8 to 15 digits after the '+', this one has {0}")]
    WrongInternationalLength(usize),
    #[error("a country code never starts with 0")]
    InvalidCountryCode,
    #[error("not a mainland mobile number (those start with 13 to 19); landlines cannot be used")]
    NotAMobile,
}

impl PhoneNumber {
    /// Accepts what people and Telegram write:
    /// - mainland mobiles with or without separators: `13800138000`, `138 0013 8000`, `138-0013-8000`;
    /// - with the country code: `+86 138 0013 8000`, `0086 13800138000`, and `8613800138000`
    ///   (Telegram contacts often come without the `+`);
    /// - any international number written with `+` or `00`: `+1 415 555 2671`.
    ///
    /// Without a `+` (or `00`), only mainland mobiles are accepted: a bare
    /// `010 1234 5678` is a landline, and `4155552671` could be anything.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let input = to_half_width(input);
        let input = input.trim();
        if input.is_empty() {
            return Err(PhoneError::Empty);
        }

        let mut digits = String::with_capacity(input.len());
        let mut plus = false;
        for (i, c) in input.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                '+' => return Err(PhoneError::MisplacedPlus),
                ' ' | '-' | '.' | '(' | ')' => {}
                c if c.is_alphabetic() => return Err(PhoneError::Letters),
                c => return Err(PhoneError::InvalidCharacter(c)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }

        // "00" is how the international prefix is dialled from China.
        let international = if plus { Some(digits.as_str()) } else { digits.strip_prefix("00") };

        let normalized = match international {
            Some(rest) => match rest.strip_prefix("86") {
                // A number in China is a mobile whichever way it is written.
                Some(national) => mainland_mobile(national)?,
                None if rest.starts_with('0') => return Err(PhoneError::InvalidCountryCode),
                None if (8..=15).contains(&rest.len()) => format!("+{rest}"),
                None => return Err(PhoneError::WrongInternationalLength(rest.len())),
            },
            None => match digits.strip_prefix("86") {
                Some(national) if digits.len() == 13 => mainland_mobile(national)?,
                // A leading 0 is the trunk prefix of an area code: a landline.
                _ if digits.starts_with('0') => return Err(PhoneError::NotAMobile),
                _ => mainland_mobile(&digits)?,
            },
        };
        Ok(PhoneNumber(normalized))
    }

    /// The E.164 form, e.g. `+8613800138000`. This is what the database stores.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `national` is the number without the country code; returns the E.164 form.
fn mainland_mobile(national: &str) -> Result<String, PhoneError> {
    if national.len() != 11 {
        return Err(PhoneError::WrongMainlandLength(national.len()));
    }
    let b = national.as_bytes();
    if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return Err(PhoneError::NotAMobile);
    }
    Ok(format!("+86{national}"))
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(s: &str) -> String {
        PhoneNumber::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}")).to_string()
    }

    #[test]
    fn a_plain_mainland_mobile_is_normalized_to_e164() {
        assert_eq!(e164("13800138000"), "+8613800138000");
    }

    #[test]
    fn spaces_and_dashes_between_digit_groups_are_ignored() {
        assert_eq!(e164("138 0013 8000"), "+8613800138000");
        assert_eq!(e164("138-0013-8000"), "+8613800138000");
        assert_eq!(e164("  (138) 0013.8000 "), "+8613800138000");
    }

    #[test]
    fn the_country_code_may_be_written_with_plus_or_double_zero() {
        assert_eq!(e164("+86 138 0013 8000"), "+8613800138000");
        assert_eq!(e164("+8613800138000"), "+8613800138000");
        assert_eq!(e164("0086 13800138000"), "+8613800138000");
    }

    #[test]
    fn a_telegram_contact_without_plus_is_a_mainland_mobile() {
        assert_eq!(e164("8613800138000"), "+8613800138000");
    }

    #[test]
    fn full_width_digits_are_accepted() {
        assert_eq!(e164("１３８００１３８０００"), "+8613800138000");
        assert_eq!(e164("＋８６　１３８００１３８０００"), "+8613800138000");
    }

    #[test]
    fn an_international_number_with_plus_is_kept_as_e164() {
        assert_eq!(e164("+1 415 555 2671"), "+14155552671");
        assert_eq!(e164("+44 7911 123456"), "+447911123456");
        assert_eq!(e164("001 415 555 2671"), "+14155552671");
    }

    #[test]
    fn an_international_number_must_have_8_to_15_digits() {
        assert_eq!(PhoneNumber::parse("+1234567"), Err(PhoneError::WrongInternationalLength(7)));
        assert_eq!(PhoneNumber::parse("+1234567890123456"), Err(PhoneError::WrongInternationalLength(16)));
        assert!(PhoneNumber::parse("+12345678").is_ok());
        assert!(PhoneNumber::parse("+123456789012345").is_ok());
    }

    #[test]
    fn a_country_code_cannot_start_with_zero() {
        assert_eq!(PhoneNumber::parse("+0123456789"), Err(PhoneError::InvalidCountryCode));
    }

    #[test]
    fn an_empty_number_is_rejected() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("   "), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("+ - "), Err(PhoneError::Empty));
    }

    #[test]
    fn a_number_with_letters_is_rejected() {
        assert_eq!(PhoneNumber::parse("138oo138000"), Err(PhoneError::Letters));
        assert_eq!(PhoneNumber::parse("张三"), Err(PhoneError::Letters));
    }

    #[test]
    fn an_unexpected_symbol_is_named_in_the_error() {
        assert_eq!(PhoneNumber::parse("138*0013*8000"), Err(PhoneError::InvalidCharacter('*')));
    }

    #[test]
    fn a_plus_in_the_middle_is_rejected() {
        assert_eq!(PhoneNumber::parse("138+00138000"), Err(PhoneError::MisplacedPlus));
    }

    #[test]
    fn a_mainland_mobile_with_a_digit_missing_is_rejected_with_its_length() {
        let err = PhoneNumber::parse("1380013800").unwrap_err();
        assert_eq!(err, PhoneError::WrongMainlandLength(10));
        assert_eq!(err.to_string(), "a mainland mobile number has 11 digits, this one has 10");
        assert_eq!(PhoneNumber::parse("+86 1380013800"), Err(PhoneError::WrongMainlandLength(10)));
    }

    #[test]
    fn a_landline_without_plus_is_rejected() {
        assert_eq!(PhoneNumber::parse("010-12345678"), Err(PhoneError::NotAMobile));
        assert_eq!(PhoneNumber::parse("12345678"), Err(PhoneError::WrongMainlandLength(8)));
    }

    #[test]
    fn an_eleven_digit_number_not_starting_13_to_19_is_not_a_mobile() {
        assert_eq!(PhoneNumber::parse("12800138000"), Err(PhoneError::NotAMobile));
        assert_eq!(PhoneNumber::parse("23800138000"), Err(PhoneError::NotAMobile));
    }

    #[test]
    fn a_mainland_landline_with_plus_86_is_rejected_too() {
        assert_eq!(PhoneNumber::parse("+86 10 1234 5678"), Err(PhoneError::WrongMainlandLength(10)));
    }

    #[test]
    fn a_phone_number_serializes_as_its_e164_string() {
        let p = PhoneNumber::parse("138 0013 8000").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+8613800138000\"");
        let back: PhoneNumber = serde_json::from_str("\"+8613800138000\"").unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<PhoneNumber>("\"12345\"").is_err());
    }
}
