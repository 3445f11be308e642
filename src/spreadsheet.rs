//! The one way propdesk writes a CSV file a person may open in a spreadsheet
//! (the ticket export, survey answers, notice sign-ups).
//!
//! Owners type the names, answers and texts that end up in these files, and
//! Excel, LibreOffice and Google Sheets take a cell that begins with `=`,
//! `+`, `-` or `@` (and, in some of them, a tab or a carriage return before
//! one) for a formula: `=HYPERLINK("http://…","点击查看")` in a survey answer
//! would become a live link in the admin's spreadsheet, and `+86 138…` would
//! be read as a sum. [`CsvSheet`] prefixes every such cell with `'`, the
//! OWASP-recommended neutraliser: spreadsheets show the cell as the text typed
//! (the quote itself is hidden by Excel), and code reading the file sees one
//! extra leading `'`.
//!
//! It is the only place that may use `csv::Writer`: `clippy.toml` forbids the
//! types `csv::Writer` and `csv::WriterBuilder` everywhere else, so a new
//! export cannot bypass it by accident.
#![allow(clippy::disallowed_types)] // the one writer (see clippy.toml)

use std::io::Write;

/// Excel opens a CSV without a byte-order mark in the machine's ANSI code
/// page (GBK on Chinese Windows), which turns every Chinese name into
/// mojibake; with the UTF-8 BOM it reads the file as UTF-8. Other tools
/// (pandas with `utf-8-sig`, LibreOffice, Numbers) accept it too.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as a spreadsheet must receive it: unchanged, or with a leading
/// `'` when it would otherwise start a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) { std::borrow::Cow::Owned(format!("'{cell}")) } else { cell.into() }
}

/// A CSV file for a spreadsheet: UTF-8 with a byte-order mark, every cell
/// neutralised (see the module's comment).
pub struct CsvSheet<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvSheet<W> {
    /// Starts the file: writes the byte-order mark.
    pub fn new(mut out: W) -> csv::Result<Self> {
        out.write_all(UTF8_BOM)?;
        let inner = csv::Writer::from_writer(out);
        Ok(CsvSheet { inner })
    }

    /// Writes one row (the header included), every cell neutralised.
    pub fn row<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.inner.write_record(cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()))
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]]) -> String {
        let mut bytes = Vec::new();
        {
            let mut sheet = CsvSheet::new(&mut bytes).unwrap();
            for row in rows {
                sheet.row(row.iter()).unwrap();
            }
            sheet.flush().unwrap();
        }
        let text = String::from_utf8(bytes).unwrap();
        text.strip_prefix('\u{feff}').expect("starts with the byte-order mark").to_owned()
    }

    #[test]
    fn a_cell_that_starts_a_formula_gets_a_leading_quote() {
        for cell in ["=1+1", "+86 138 0000 0001", "-2", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn an_ordinary_cell_is_left_as_typed() {
        for cell in ["王芳", "13800000001", "", "1栋2单元301", "a=b", " =1", "'already", "2026-11-27 14:05"] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn a_hyperlink_an_owner_typed_reaches_the_file_as_text() {
        let text = sheet(&[&["name", "answer"], &["王芳", r#"=HYPERLINK("http://evil.example","点击")"#]]);
        assert_eq!(text, "name,answer\n王芳,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点击\"\")\"\n");
    }

    #[test]
    fn a_phone_with_a_country_code_stays_text() {
        assert_eq!(sheet(&[&["+8613800000001"]]), "'+8613800000001\n");
    }

    #[test]
    fn the_file_starts_with_the_byte_order_mark_even_when_empty() {
        let mut bytes = Vec::new();
        CsvSheet::new(&mut bytes).unwrap().flush().unwrap();
        assert_eq!(bytes, UTF8_BOM);
    }
}
