//! `propdesk import-roster FILE.csv`: management's owner roster (业主档案) into
//! the database, so owners can bind to their unit by sharing their phone.
//!
//! The file is read and checked in full before anything is written: a roster
//! is fixed as a whole in the spreadsheet and imported again, so a half-applied
//! file would only leave the operator guessing what went in. Every bad row is
//! reported with its line number, then all rows go in in one transaction.
//!
//! The import adds and updates; it never deletes. An owner missing from a new
//! file may already be bound to their unit, and removing people is a decision
//! for a person, not a side effect of a spreadsheet export.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use csv::{ByteRecord, StringRecord};
use sqlx::PgPool;

use crate::domain::phone::PhoneNumber;
use crate::domain::relation::Relation;
use crate::domain::unit::UnitAddress;
use crate::store::roster::{self as store, Upserted};

/// Longest owner name accepted, in characters.
pub const MAX_NAME_LEN: usize = 50;

const EXPECTED_HEADER: &str = "building,entrance,room,owner_name,phone,relation \
                               (or 楼栋,单元,房号,业主姓名,电话,关系)";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows in the file (blank rows not counted).
    pub rows: usize,
    pub units_created: usize,
    pub entries_created: usize,
    pub entries_updated: usize,
    pub entries_unchanged: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} rows: {} new units; roster entries: {} new, {} updated, {} unchanged",
            self.rows, self.units_created, self.entries_created, self.entries_updated, self.entries_unchanged
        )
    }
}

/// A row of the file that cannot be imported. `line` counts from 1, the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the community name is empty")]
    EmptyCommunity,
    #[error("the file has a header but no rows to import")]
    NoRows,
    #[error("{}", list_rows(.0))]
    InvalidRows(Vec<RowError>),
    #[error("cannot read the file: {0}")]
    Read(#[from] csv::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

fn list_rows(rows: &[RowError]) -> String {
    let mut out = format!(
        "{} {} cannot be imported; nothing was written:",
        rows.len(),
        if rows.len() == 1 { "line" } else { "lines" }
    );
    for row in rows {
        out.push_str(&format!("\n  {row}"));
    }
    out
}

/// Checks the whole file, then upserts its units and roster entries into
/// `community` (created if new) in one transaction.
pub async fn import_roster(pool: &PgPool, community: &str, reader: impl Read) -> Result<ImportReport, ImportError> {
    let community = community.trim();
    if community.is_empty() {
        return Err(ImportError::EmptyCommunity);
    }
    let rows = read_rows(reader)?;
    if rows.is_empty() {
        return Err(ImportError::NoRows);
    }

    let mut report = ImportReport { rows: rows.len(), ..ImportReport::default() };
    let mut tx = pool.begin().await?;
    let community_id = store::community_id_by_name_or_create(&mut tx, community).await?;
    let mut units: HashMap<&UnitAddress, i64> = HashMap::new();
    for row in &rows {
        let unit_id = match units.get(&row.address) {
            Some(&id) => id,
            None => {
                let id = match store::find_unit(&mut tx, Some(community_id), &row.address).await? {
                    Some(id) => id,
                    None => {
                        report.units_created += 1;
                        store::upsert_unit(&mut tx, community_id, &row.address).await?
                    }
                };
                units.insert(&row.address, id);
                id
            }
        };
        let upserted = store::upsert_roster_entry(&mut tx, unit_id, &row.owner_name, &row.phone, row.relation).await?;
        match upserted {
            Upserted::Inserted => report.entries_created += 1,
            Upserted::Updated => report.entries_updated += 1,
            Upserted::Unchanged => report.entries_unchanged += 1,
        }
    }
    tx.commit().await?;
    tracing::info!(community, %report, "roster imported");
    Ok(report)
}

/// One checked row of the file.
#[derive(Debug)]
struct RosterRow {
    address: UnitAddress,
    owner_name: String,
    phone: PhoneNumber,
    relation: Relation,
}

/// Reads and checks every row; any problem anywhere fails the whole file.
fn read_rows(reader: impl Read) -> Result<Vec<RosterRow>, ImportError> {
    // Headers are read by hand (has_headers(false)) so that they can be
    // recognised by name or fall back to position. Byte records, so a row that
    // is not UTF-8 is reported with its line instead of ending the read.
    // csv-core skips a UTF-8 BOM at the start of the input.
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(reader);
    let mut records = csv.byte_records();

    let header = match records.next().transpose()? {
        Some(header) => header,
        None => {
            return Err(invalid(1, format!("the file is empty; expected a header row: {EXPECTED_HEADER}")));
        }
    };
    let header = StringRecord::from_byte_record(header).map_err(|_| {
        invalid(1, "the file is not UTF-8 text (perhaps GBK); in Excel, save it as \"CSV UTF-8\"".into())
    })?;
    let columns = Columns::from_header(&header).map_err(|message| invalid(1, message))?;

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<(UnitAddress, PhoneNumber), u64> = HashMap::new();
    for record in records {
        let record = record?;
        let line = line_of(&record);
        match check_row(&columns, header.len(), record) {
            Ok(None) => {}
            Ok(Some(row)) => {
                let key = (row.address.clone(), row.phone.clone());
                if let Some(first) = seen.insert(key, line) {
                    errors.push(RowError {
                        line,
                        message: format!("unit {} with phone {} is already on line {first}", row.address, row.phone),
                    });
                } else {
                    rows.push(row);
                }
            }
            Err(problems) => errors.push(RowError { line, message: problems.join("; ") }),
        }
    }
    if errors.is_empty() { Ok(rows) } else { Err(ImportError::InvalidRows(errors)) }
}

/// `Ok(None)` for a blank row (spreadsheets leave trailing `,,,,,` rows).
fn check_row(columns: &Columns, header_len: usize, record: ByteRecord) -> Result<Option<RosterRow>, Vec<String>> {
    let record = StringRecord::from_byte_record(record)
        .map_err(|_| vec!["not UTF-8 text; in Excel, save the file as \"CSV UTF-8\"".to_string()])?;
    if record.iter().all(|f| f.trim().is_empty()) {
        return Ok(None);
    }
    if record.len() != header_len {
        // Most often a comma inside a name that was not quoted: the columns
        // after it have shifted, so checking them would only mislead.
        return Err(vec![format!("expected {header_len} columns like the header, found {}", record.len())]);
    }
    let get = |column: Column| columns.index(column).and_then(|i| record.get(i)).unwrap_or("").trim();

    let mut problems = Vec::new();
    let (building, entrance, room) = (get(Column::Building), get(Column::Entrance), get(Column::Room));
    let address = UnitAddress::new(building, entrance, room)
        .map_err(|e| problems.push(format!("unit \"{building}/{entrance}/{room}\": {e}")))
        .ok();
    let owner_name = check_name(get(Column::OwnerName)).map_err(|e| problems.push(e)).ok();
    let phone_text = get(Column::Phone);
    let phone = PhoneNumber::parse(phone_text).map_err(|e| problems.push(format!("phone \"{phone_text}\": {e}"))).ok();
    let relation = Relation::parse(get(Column::Relation)).map_err(|e| problems.push(e.to_string())).ok();

    match (address, owner_name, phone, relation) {
        (Some(address), Some(owner_name), Some(phone), Some(relation)) => {
            Ok(Some(RosterRow { address, owner_name, phone, relation }))
        }
        _ => Err(problems),
    }
}

fn check_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("the owner name is empty".into());
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!("the owner name is longer than {MAX_NAME_LEN} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("the owner name contains control characters".into());
    }
    Ok(name.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Building,
    Entrance,
    Room,
    OwnerName,
    Phone,
    Relation,
}

impl Column {
    /// In the order the file lays them out when the header is not recognised.
    const ALL: [Column; 6] =
        [Column::Building, Column::Entrance, Column::Room, Column::OwnerName, Column::Phone, Column::Relation];

    /// Entrance and relation may be left out of a file with named columns.
    fn required(self) -> bool {
        !matches!(self, Column::Entrance | Column::Relation)
    }

    /// Recognises a header cell loosely: case, spaces, `_` and `-` do not
    /// matter, and the usual Chinese spreadsheet titles are known.
    fn from_header(cell: &str) -> Option<Column> {
        let key: String = crate::domain::unit::to_half_width(cell)
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{feff}'))
            .collect::<String>()
            .to_lowercase();
        Some(match key.as_str() {
            "building" | "bldg" | "楼栋" | "楼栋号" | "楼号" | "栋" | "幢" => Column::Building,
            "entrance" | "单元" | "单元号" => Column::Entrance,
            "room" | "roomno" | "房号" | "房间号" | "室" | "门牌号" => Column::Room,
            "ownername" | "name" | "owner" | "业主姓名" | "姓名" | "业主" | "住户姓名" => Column::OwnerName,
            "phone" | "mobile" | "tel" | "电话" | "手机" | "手机号" | "手机号码" | "联系电话" => {
                Column::Phone
            }
            "relation" | "relationship" | "关系" | "身份" | "与业主关系" => Column::Relation,
            _ => return None,
        })
    }
}

/// Where each column is in the file.
struct Columns([Option<usize>; 6]);

impl Columns {
    fn from_header(header: &StringRecord) -> Result<Columns, String> {
        let mut by_name = [None; 6];
        for (i, cell) in header.iter().enumerate() {
            if let Some(column) = Column::from_header(cell) {
                let slot = &mut by_name[column as usize];
                if slot.is_some() {
                    return Err(format!("the header names the column \"{cell}\" twice"));
                }
                *slot = Some(i);
            }
        }
        if Column::ALL.iter().all(|&c| !c.required() || by_name[c as usize].is_some()) {
            return Ok(Columns(by_name));
        }

        if header.len() >= Column::ALL.len() {
            // A row whose phone column holds a phone number is data: the file
            // has no header, and taking this row as one would drop it silently.
            if PhoneNumber::parse(&header[Column::Phone as usize]).is_ok() {
                return Err(format!("this looks like data; the first line must be the header: {EXPECTED_HEADER}"));
            }
            return Ok(Columns(Column::ALL.map(|c| Some(c as usize))));
        }
        Err(format!("header not recognised; expected the columns {EXPECTED_HEADER}"))
    }

    fn index(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }
}

fn line_of(record: &ByteRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

fn invalid(line: u64, message: String) -> ImportError {
    ImportError::InvalidRows(vec![RowError { line, message }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(err: ImportError) -> Vec<u64> {
        match err {
            ImportError::InvalidRows(rows) => rows.iter().map(|r| r.line).collect(),
            other => panic!("expected invalid rows, got {other}"),
        }
    }

    #[test]
    fn english_headers_are_read_by_name_in_any_order() {
        let file = "phone,owner_name,room,building\n13800138000,张三,1201,3\n";
        let rows = read_rows(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].address, UnitAddress::parse("3-1201").unwrap());
        assert_eq!(rows[0].owner_name, "张三");
        assert_eq!(rows[0].relation, Relation::Owner);
    }

    #[test]
    fn an_unrecognised_header_falls_back_to_the_column_order() {
        let file = "a,b,c,d,e,f\n3,2,1201,张三,13800138000,家属\n";
        let rows = read_rows(file.as_bytes()).unwrap();
        assert_eq!(rows[0].address.display_zh(), "3栋2单元1201");
        assert_eq!(rows[0].relation, Relation::Family);
    }

    #[test]
    fn a_file_without_a_header_is_refused_rather_than_losing_its_first_row() {
        let file = "3,2,1201,张三,13800138000,业主\n3,2,1202,李四,13900139000,业主\n";
        assert_eq!(lines_of(read_rows(file.as_bytes()).unwrap_err()), vec![1]);
    }

    #[test]
    fn blank_spreadsheet_rows_are_skipped() {
        let file = "楼栋,单元,房号,业主姓名,电话,关系\n3,2,1201,张三,13800138000,\n,,,,,\n\n";
        assert_eq!(read_rows(file.as_bytes()).unwrap().len(), 1);
    }

    #[test]
    fn a_row_with_an_extra_column_is_reported_not_misread() {
        let file = "楼栋,单元,房号,业主姓名,电话,关系\n3,2,1201,Zhang, San,13800138000,\n";
        let err = read_rows(file.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2: expected 6 columns"), "{err}");
    }

    #[test]
    fn a_name_broken_across_lines_is_reported_and_later_line_numbers_stay_right() {
        let file = "楼栋,单元,房号,业主姓名,电话,关系\n3,2,1201,\"张\n三\",13800138000,\n3,2,1202,李四,123,\n";
        let err = read_rows(file.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2: the owner name contains control"), "{err}");
        assert_eq!(lines_of(err), vec![2, 4]);
    }

    #[test]
    fn a_gbk_file_is_reported_as_not_utf8() {
        // "楼栋" in GBK.
        let file: &[u8] = b"\xc2\xa5\xb6\xb0,b,c,d,e,f\n";
        let err = read_rows(file).unwrap_err();
        assert!(err.to_string().contains("CSV UTF-8"), "{err}");
    }

    #[test]
    fn every_problem_in_a_row_is_named() {
        let file = "楼栋,单元,房号,业主姓名,电话,关系\n3,2,,,12345,邻居\n";
        let err = read_rows(file.as_bytes()).unwrap_err().to_string();
        for needle in ["room number is missing", "owner name is empty", "phone \"12345\"", "邻居"] {
            assert!(err.contains(needle), "{needle:?} missing from {err}");
        }
    }

    mod proptests {
        use proptest::prelude::*;
        use proptest::sample::select;

        use super::*;

        /// A row as a spreadsheet holds it, and what it must read as.
        fn row() -> impl Strategy<Value = (String, (String, String, String, String, String, Relation))> {
            let part = "[0-9A-Z]{1,4}";
            let entrance = prop_oneof!["[0-9A-Z]{1,3}", Just(String::new())];
            let name = "[张王李赵刘陈杨黄吴周][伟芳娜秀英敏静丽强磊]{1,2}|[A-Z][a-z]{1,8}";
            let phone = "1[3-9][0-9]{9}";
            let relation =
                select(vec![("业主", Relation::Owner), ("家属", Relation::Family), ("tenant", Relation::Tenant)]);
            (part, entrance, part, name, phone, relation).prop_map(|(b, e, r, name, phone, (word, relation))| {
                let line = format!("{b},{e},{r},{name},{phone},{word}");
                (line, (b, e, r, name, phone, relation))
            })
        }

        proptest! {
            #![proptest_config(crate::domain::proptests::config(128))]

            #[test]
            fn any_bytes_are_read_or_refused_with_line_numbers(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
                match read_rows(bytes.as_slice()) {
                    Ok(_) | Err(ImportError::Read(_)) => {}
                    Err(ImportError::InvalidRows(rows)) => {
                        prop_assert!(!rows.is_empty());
                        let lines = bytes.iter().filter(|b| **b == b'\n' || **b == b'\r').count() as u64 + 1;
                        for row in rows {
                            prop_assert!((1..=lines).contains(&row.line), "line {} of {lines}", row.line);
                        }
                    }
                    Err(other) => prop_assert!(false, "unexpected {other}"),
                }
            }

            #[test]
            fn any_csv_text_is_read_or_refused(text in "(([0-9a-z栋\\-+ \"]{0,6},){0,7}[^,]{0,6}\n){0,6}") {
                let with_header = format!("building,entrance,room,owner_name,phone,relation\n{text}");
                let _ = read_rows(with_header.as_bytes());
                let _ = read_rows(text.as_bytes());
            }

            #[test]
            fn valid_rows_read_back_as_written(rows in proptest::collection::vec(row(), 1..12)) {
                let mut file = String::from("楼栋,单元,房号,业主姓名,电话,关系\n");
                let mut expected = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for (line, (b, e, r, name, phone, relation)) in rows {
                    if seen.insert((b.clone(), e.clone(), r.clone(), phone.clone())) {
                        file.push_str(&line);
                        file.push('\n');
                        expected.push((UnitAddress::new(&b, &e, &r).unwrap(), name, format!("+86{phone}"), relation));
                    }
                }
                let read = read_rows(file.as_bytes()).map_err(|e| e.to_string());
                let read: Vec<_> = read
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.address, r.owner_name, r.phone.as_str().to_owned(), r.relation))
                    .collect();
                prop_assert_eq!(read, expected);
            }
        }
    }
}
