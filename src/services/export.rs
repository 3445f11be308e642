//! The ticket export: one CSV row per ticket filed in a period, for the
//! spreadsheets management keeps.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use sqlx::PgConnection;

use crate::services::people::Asker;
use crate::services::supervise::sees_figures;
use crate::services::tickets::{Outcome, Refusal};
use crate::spreadsheet::CsvSheet;
use crate::store::stats::{self as store, ExportRow};

/// The header row. Values are codes (`plumbing`, `closed`), not words in a
/// language: the file is read by formulas and pivot tables, which must not
/// change with the language of whoever exported it.
pub const HEADER: [&str; 21] = [
    "number",
    "created",
    "category",
    "urgency",
    "status",
    "building",
    "entrance",
    "room",
    "common_area",
    "assignee",
    "assigned_at",
    "first_accepted_at",
    "onsite_at",
    "first_done_at",
    "closed_at",
    "onsite_due_at",
    "resolve_due_at",
    "onsite_met",
    "resolve_met",
    "reopen_count",
    "rating",
];

/// Writes every ticket filed in [from, to) to `out` (a [`CsvSheet`]: UTF-8
/// with a BOM, formulas neutralised), oldest first, with times in `tz`, and returns how many rows were written (the header not counted).
///
/// Times read "2026-11-27 14:05" in the community's zone, empty when the step
/// never happened. `onsite_met` and `resolve_met` are 1 (met), 0 (missed) or
/// empty (not judged: not yet due, or cancelled before it was due), judged as
/// of now the way the figures judge them; 1 and 0 so that AVERAGE gives the share.
/// Supervisors and admins only (NotAllowed, and nothing written, for anyone else).
pub async fn tickets_csv(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: chrono_tz::Tz,
    out: impl std::io::Write,
) -> anyhow::Result<Outcome<usize>> {
    if !sees_figures(asker) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let mut csv = CsvSheet::new(out).context("writing the export")?;
    csv.row(HEADER).context("writing the export")?;
    let mut rows = store::export_rows(conn, from, to, Utc::now());
    let mut written = 0;
    while let Some(row) = rows.try_next().await.context("reading tickets for the export")? {
        csv.row(record(&row, tz)).context("writing the export")?;
        written += 1;
    }
    csv.flush().context("writing the export")?;
    Ok(Ok(written))
}

/// The largest file Telegram accepts from a bot (sendDocument): 50 MB.
pub const TELEGRAM_DOCUMENT_MAX: usize = 50 * 1024 * 1024;

/// [`tickets_csv`] into memory for a chat, or None as soon as it would pass `max` bytes: the
/// whole file is never held when it could not be sent anyway (a year of a large company's
/// tickets is about 90 MB; see BENCHMARKS.md, footprint). Returns the bytes and the rows.
pub async fn tickets_csv_at_most(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: chrono_tz::Tz,
    max: usize,
) -> anyhow::Result<Outcome<Option<(Vec<u8>, usize)>>> {
    let mut capped = Capped { bytes: Vec::new(), max, over: false };
    match tickets_csv(conn, asker, from, to, tz, &mut capped).await {
        Ok(Ok(rows)) => Ok(Ok(Some((capped.bytes, rows)))),
        Ok(Err(refusal)) => Ok(Err(refusal)),
        Err(_) if capped.over => Ok(Ok(None)),
        Err(err) => Err(err),
    }
}

/// A `Vec` that refuses to grow past `max` bytes.
struct Capped {
    bytes: Vec<u8>,
    max: usize,
    over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.over || self.bytes.len() + buf.len() > self.max {
            self.over = true;
            return Err(std::io::Error::other("the export is larger than a chat can take"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn record(row: &ExportRow, tz: chrono_tz::Tz) -> [String; 21] {
    let time = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let met = |m: Option<bool>| m.map_or(String::new(), |m| if m { "1".into() } else { "0".into() });
    [
        row.number.clone(),
        time(Some(row.created_at)),
        row.category.clone(),
        row.urgency.clone(),
        row.status.clone(),
        text(&row.building),
        text(&row.entrance),
        text(&row.room),
        text(&row.common_area),
        text(&row.assignee),
        time(row.assigned_at),
        time(row.first_accepted_at),
        time(row.onsite_at),
        time(row.first_done_at),
        time(row.closed_at),
        time(Some(row.onsite_due_at)),
        time(Some(row.resolve_due_at)),
        met(row.onsite_met),
        met(row.resolve_met),
        row.reopen_count.to_string(),
        row.rating.map(|r| r.to_string()).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_row_shows_local_times_and_leaves_missing_steps_empty() {
        let row = ExportRow {
            number: "BX-20261127-0001".into(),
            created_at: at("2026-11-27T06:05:30Z"),
            category: "plumbing".into(),
            urgency: "urgent".into(),
            status: "on_the_way".into(),
            building: Some("3".into()),
            entrance: Some("".into()),
            room: Some("1201".into()),
            common_area: None,
            assignee: Some("王师傅".into()),
            assigned_at: Some(at("2026-11-27T06:06:00Z")),
            first_accepted_at: Some(at("2026-11-27T06:10:00Z")),
            onsite_at: None,
            first_done_at: None,
            closed_at: None,
            onsite_due_at: at("2026-11-27T08:05:30Z"),
            resolve_due_at: at("2026-11-28T06:05:30Z"),
            onsite_met: None,
            resolve_met: Some(false),
            reopen_count: 0,
            rating: None,
        };
        let r = record(&row, chrono_tz::Asia::Shanghai);
        assert_eq!(r[1], "2026-11-27 14:05");
        assert_eq!(r[10], "2026-11-27 14:06");
        assert_eq!(r[12], "", "never on site");
        assert_eq!(r[15], "2026-11-27 16:05");
        assert_eq!((r[17].as_str(), r[18].as_str()), ("", "0"));
        assert_eq!(r[20], "");
    }

    #[test]
    fn a_capped_buffer_takes_up_to_its_limit_and_then_nothing() {
        use std::io::Write as _;
        let mut capped = Capped { bytes: Vec::new(), max: 5, over: false };
        capped.write_all(b"abc").unwrap();
        assert!(capped.write_all(b"def").is_err());
        assert!(capped.over);
        assert!(capped.write_all(b"g").is_err(), "once over, always over");
        assert_eq!(capped.bytes, b"abc");
    }
}
