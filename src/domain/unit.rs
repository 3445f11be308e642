//! A unit (flat) in a compound, written in Chinese like 3栋2单元1201:
//! building 3, entrance 2, room 1201.
//!
//! Owners type it in many ways (3号楼2单元1201, 3-2-1201, ３栋２单元１２０１) and
//! spreadsheets hold it in three columns. Both become the same [`UnitAddress`]:
//! parts are upper-cased ASCII letters and digits, so equality is on what the
//! address means, not on how it was typed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest a building, entrance or room may be, in characters.
pub const MAX_PART_LEN: usize = 10;

/// Words that end a building number, longest first so 号楼 wins over shorter matches.
const BUILDING_MARKERS: [&str; 4] = ["号楼", "栋", "幢", "座"];
const ENTRANCE_MARKER: &str = "单元";
const ROOM_MARKER: &str = "室";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitAddress {
    building: String,
    /// Empty where the building has no entrances (3栋1201).
    entrance: String,
    room: String,
}

/// Which part of a unit address an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Building,
    Entrance,
    Room,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Building => "building",
            Part::Entrance => "entrance",
            Part::Room => "room",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("the unit address is empty")]
    Empty,
    #[error("the building is missing")]
    MissingBuilding,
    #[error("the room number is missing")]
    MissingRoom,
    #[error("two separators with nothing between them")]
    EmptyPart,
    #[error("a unit has at most 3 parts (building, entrance, room), this one has {0}")]
    TooManyParts(usize),
    #[error("the {0} is longer than {MAX_PART_LEN} characters")]
    PartTooLong(Part),
    #[error("the {0} {1:?} may only contain letters and digits")]
    InvalidPart(Part, String),
    #[error("not a unit address; write it like 3栋2单元1201 or 3-2-1201")]
    Unrecognized,
}

impl UnitAddress {
    /// Parses a unit as people write it:
    /// - Chinese: `3栋2单元1201`, `3号楼2单元1201`, `3幢2单元1201`, `3座2单元1201`,
    ///   `3栋1201` (no entrance), optionally ending in 室;
    /// - separated: `3-2-1201`, `3 2 1201`, `3/2/1201`, `3-1201`;
    /// - full-width digits and spaces, surrounding spaces, letters (`a-1-101` is building A).
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let input = to_half_width(input);
        let input = input.trim();
        if input.is_empty() {
            return Err(UnitError::Empty);
        }
        let has_chinese_marker =
            BUILDING_MARKERS.iter().chain([&ENTRANCE_MARKER, &ROOM_MARKER]).any(|m| input.contains(m));
        if has_chinese_marker { parse_chinese(input) } else { parse_separated(input) }
    }

    /// Builds a unit from separate fields, as a roster spreadsheet holds them.
    /// The entrance may be empty. A field may carry its own marker
    /// ("3栋", "2单元", "1201室"); it is dropped.
    pub fn new(building: &str, entrance: &str, room: &str) -> Result<Self, UnitError> {
        let building = field(building, &BUILDING_MARKERS, Part::Building)?;
        let entrance = field(entrance, &[ENTRANCE_MARKER], Part::Entrance)?;
        let room = field(room, &[ROOM_MARKER], Part::Room)?;
        if building.is_empty() {
            return Err(UnitError::MissingBuilding);
        }
        if room.is_empty() {
            return Err(UnitError::MissingRoom);
        }
        Ok(UnitAddress { building, entrance, room })
    }

    pub fn building(&self) -> &str {
        &self.building
    }

    /// Empty where the building has no entrances.
    pub fn entrance(&self) -> &str {
        &self.entrance
    }

    pub fn room(&self) -> &str {
        &self.room
    }

    /// The address as Chinese owners write it: `3栋2单元1201`, or `3栋1201`.
    pub fn display_zh(&self) -> String {
        if self.entrance.is_empty() {
            format!("{}栋{}", self.building, self.room)
        } else {
            format!("{}栋{}单元{}", self.building, self.entrance, self.room)
        }
    }
}

/// `3栋2单元1201`, `3号楼 2单元 1201室`, `3栋1201`.
fn parse_chinese(input: &str) -> Result<UnitAddress, UnitError> {
    let (building, rest) = take_part(input);
    if building.is_empty() {
        return Err(UnitError::Unrecognized);
    }
    let rest =
        BUILDING_MARKERS.iter().find_map(|m| rest.trim_start().strip_prefix(m)).ok_or(UnitError::Unrecognized)?;

    let (first, rest) = take_part(rest.trim_start());
    let (entrance, room, rest) = match rest.trim_start().strip_prefix(ENTRANCE_MARKER) {
        Some(rest) => {
            let (room, rest) = take_part(rest.trim_start());
            (first, room, rest)
        }
        None => ("", first, rest),
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(ROOM_MARKER).unwrap_or(rest);
    if !rest.trim().is_empty() {
        return Err(UnitError::Unrecognized);
    }
    if room.is_empty() {
        return Err(UnitError::MissingRoom);
    }
    UnitAddress::new(building, entrance, room)
}

/// `3-2-1201`, `3 2 1201`, `3/2/1201`, `3 - 1201`. Runs of spaces count as one
/// separator; a dash or slash may have spaces around it, but two dashes in a
/// row leave an empty part.
fn parse_separated(input: &str) -> Result<UnitAddress, UnitError> {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = input;
    // Whether a dash or slash came after the last part: a second one is an error.
    let mut dashed = true;
    loop {
        let (part, after) = take_part(rest);
        if !part.is_empty() {
            parts.push(part);
            dashed = false;
            rest = after;
            continue;
        }
        let trimmed = rest.trim_start();
        let Some(c) = trimmed.chars().next() else {
            break;
        };
        match c {
            '-' | '/' if dashed => {
                // A trailing dash means the room was left out: "3-2-".
                let after = trimmed[1..].trim();
                return Err(if after.is_empty() { UnitError::MissingRoom } else { UnitError::EmptyPart });
            }
            '-' | '/' => {
                dashed = true;
                rest = &trimmed[1..];
            }
            _ if trimmed.len() < rest.len() => rest = trimmed,
            _ => return Err(UnitError::Unrecognized),
        }
    }
    if dashed {
        return Err(UnitError::MissingRoom);
    }
    match parts[..] {
        [_] => Err(UnitError::MissingRoom),
        [building, room] => UnitAddress::new(building, "", room),
        [building, entrance, room] => UnitAddress::new(building, entrance, room),
        _ => Err(UnitError::TooManyParts(parts.len())),
    }
}

/// Splits off a leading run of ASCII letters and digits.
fn take_part(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len());
    s.split_at(end)
}

/// One normalized part: half-width, trimmed, marker dropped, upper-case,
/// letters and digits only, at most [`MAX_PART_LEN`] characters. May be empty.
fn field(raw: &str, markers: &[&str], part: Part) -> Result<String, UnitError> {
    let value = to_half_width(raw);
    let mut value = value.trim();
    if let Some(stripped) = markers.iter().find_map(|m| value.strip_suffix(m)) {
        value = stripped.trim_end();
    }
    if value.chars().count() > MAX_PART_LEN {
        return Err(UnitError::PartTooLong(part));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(UnitError::InvalidPart(part, value.to_string()));
    }
    Ok(value.to_ascii_uppercase())
}

/// Full-width forms (ＡＢＣ１２３－／, the ideographic space) become their
/// ASCII counterparts: Chinese input methods produce them readily.
pub(crate) fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

impl fmt::Display for UnitAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_zh())
    }
}

impl FromStr for UnitAddress {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for UnitAddress {
    type Error = UnitError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UnitAddress> for String {
    fn from(u: UnitAddress) -> String {
        u.display_zh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(s: &str) -> UnitAddress {
        UnitAddress::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn parts(s: &str) -> (String, String, String) {
        let u = unit(s);
        (u.building().to_string(), u.entrance().to_string(), u.room().to_string())
    }

    fn three(b: &str, e: &str, r: &str) -> (String, String, String) {
        (b.to_string(), e.to_string(), r.to_string())
    }

    #[test]
    fn the_chinese_notation_gives_building_entrance_and_room() {
        assert_eq!(parts("3栋2单元1201"), three("3", "2", "1201"));
    }

    #[test]
    fn every_word_for_building_is_understood() {
        for s in ["3号楼2单元1201", "3幢2单元1201", "3座2单元1201", "3栋2单元1201室"] {
            assert_eq!(parts(s), three("3", "2", "1201"), "{s}");
        }
    }

    #[test]
    fn dashes_spaces_and_slashes_separate_the_parts() {
        for s in ["3-2-1201", "3 2 1201", "3/2/1201", "3  2   1201", "3 - 2 - 1201"] {
            assert_eq!(parts(s), three("3", "2", "1201"), "{s}");
        }
    }

    #[test]
    fn a_building_without_entrances_has_an_empty_entrance() {
        assert_eq!(parts("3栋1201"), three("3", "", "1201"));
        assert_eq!(parts("3-1201"), three("3", "", "1201"));
        assert_eq!(unit("3-1201").display_zh(), "3栋1201");
    }

    #[test]
    fn full_width_digits_and_spaces_are_accepted() {
        assert_eq!(parts("３栋２单元１２０１"), three("3", "2", "1201"));
        assert_eq!(parts("　３－２－１２０１　"), three("3", "2", "1201"));
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        assert_eq!(parts("  3栋2单元1201 "), three("3", "2", "1201"));
        assert_eq!(parts("3栋 2单元 1201"), three("3", "2", "1201"));
    }

    #[test]
    fn building_names_may_have_letters_and_are_upper_cased() {
        assert_eq!(parts("A栋1单元101"), three("A", "1", "101"));
        assert_eq!(parts("a-1-101"), three("A", "1", "101"));
        assert_eq!(unit("a-1-101"), unit("A栋1单元101"));
    }

    #[test]
    fn the_same_unit_written_two_ways_is_equal() {
        assert_eq!(unit("3号楼2单元1201"), unit("3-2-1201"));
        assert_ne!(unit("3-2-1201"), unit("3-1201"));
    }

    #[test]
    fn display_zh_writes_the_usual_notation() {
        assert_eq!(unit("3/2/1201").display_zh(), "3栋2单元1201");
        assert_eq!(unit("3 2 1201").to_string(), "3栋2单元1201");
    }

    #[test]
    fn an_empty_unit_is_rejected() {
        assert_eq!(UnitAddress::parse(""), Err(UnitError::Empty));
        assert_eq!(UnitAddress::parse(" 　"), Err(UnitError::Empty));
    }

    #[test]
    fn a_unit_without_a_room_number_is_rejected() {
        for s in ["3栋2单元", "3栋", "1201", "3-2-", "3-"] {
            assert_eq!(UnitAddress::parse(s), Err(UnitError::MissingRoom), "{s}");
        }
    }

    #[test]
    fn more_than_three_parts_are_rejected() {
        assert_eq!(UnitAddress::parse("1-3-2-1201"), Err(UnitError::TooManyParts(4)));
    }

    #[test]
    fn a_part_longer_than_ten_characters_is_rejected() {
        assert_eq!(UnitAddress::parse("3-2-12345678901"), Err(UnitError::PartTooLong(Part::Room)));
        assert_eq!(UnitAddress::parse("ABCDEFGHIJK栋1201"), Err(UnitError::PartTooLong(Part::Building)));
        assert!(UnitAddress::parse("3-2-1234567890").is_ok());
    }

    #[test]
    fn two_separators_in_a_row_are_rejected() {
        assert_eq!(UnitAddress::parse("3--1201"), Err(UnitError::EmptyPart));
        assert_eq!(UnitAddress::parse("-3-1201"), Err(UnitError::EmptyPart));
    }

    #[test]
    fn anything_else_is_rejected() {
        for s in [
            "三栋二单元1201",
            "3栋-2-1201",
            "3楼1201",
            "3栋2单元1201号房",
            "3.2.1201",
            "3栋2单元1201 please",
            "hello, world",
        ] {
            assert!(UnitAddress::parse(s).is_err(), "{s} should be rejected");
        }
    }

    #[test]
    fn spreadsheet_columns_make_a_unit() {
        let u = UnitAddress::new(" 3 ", "2", "1201").unwrap();
        assert_eq!(u, unit("3栋2单元1201"));
        let u = UnitAddress::new("3", "", "1201").unwrap();
        assert_eq!(u.display_zh(), "3栋1201");
    }

    #[test]
    fn spreadsheet_columns_may_carry_their_own_markers() {
        let u = UnitAddress::new("3号楼", "2单元", "1201室").unwrap();
        assert_eq!(u, unit("3-2-1201"));
        let u = UnitAddress::new("ｂ栋", "", "１０１").unwrap();
        assert_eq!(u, unit("B-101"));
    }

    #[test]
    fn spreadsheet_columns_follow_the_same_rules() {
        assert_eq!(UnitAddress::new("", "2", "1201"), Err(UnitError::MissingBuilding));
        assert_eq!(UnitAddress::new("3", "2", " "), Err(UnitError::MissingRoom));
        assert_eq!(UnitAddress::new("3", "12345678901", "1201"), Err(UnitError::PartTooLong(Part::Entrance)));
        assert_eq!(UnitAddress::new("3", "2", "12-01"), Err(UnitError::InvalidPart(Part::Room, "12-01".into())));
    }

    #[test]
    fn a_unit_serializes_as_its_chinese_notation() {
        let u = unit("a-1-101");
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"A栋1单元101\"");
        let back: UnitAddress = serde_json::from_str("\"A栋1单元101\"").unwrap();
        assert_eq!(back, u);
        let no_entrance: UnitAddress = serde_json::from_str("\"3栋1201\"").unwrap();
        assert_eq!(no_entrance, unit("3-1201"));
    }
}
