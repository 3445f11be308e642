//! The stretch of days a report or an export covers: this week, this month,
//! last month, or days someone typed ("2026-11-01 至 2026-11-30").
//!
//! Days are the community's days: a period starts at local midnight, so
//! "this month" in Shanghai begins at 16:00 UTC on the last day of the month
//! before. Every range is half-open: the end is the first moment not included.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::i18n::Text;

/// The longest custom period, in days (both ends counted): a leap year.
pub const MAX_CUSTOM_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Monday to Sunday of the week `today` falls in.
    ThisWeek,
    ThisMonth,
    LastMonth,
    /// From `from` to `to`, both days included.
    Custom {
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl Period {
    /// A custom period, checked: `from` not after `to`, at most [`MAX_CUSTOM_DAYS`] days.
    /// The error says what is wrong, in the reader's language.
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Result<Period, Text> {
        if from > to {
            return Err(Text::new("stats-period-reversed").arg("from", iso(from)).arg("to", iso(to)));
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_CUSTOM_DAYS {
            return Err(Text::new("stats-period-too-long").arg("days", days).arg("max", MAX_CUSTOM_DAYS));
        }
        Ok(Period::Custom { from, to })
    }

    /// Reads a range as people type it: two dates separated by a space, `~`,
    /// `至`, `到` or a dash between spaces. Full-width characters (２０２６－１１－０１,
    /// ～) are read as their ASCII twins; a date may also be written
    /// 2026/11/01, 2026.11.01 or 2026年11月1日.
    pub fn parse_custom(input: &str) -> Result<Period, Text> {
        let normalized: String = input.chars().map(to_ascii_twin).collect();
        let spaced = ["~", "至", "到", "—", "–"].iter().fold(normalized, |s, sep| s.replace(sep, " "));
        let tokens: Vec<&str> = spaced.split_whitespace().filter(|t| *t != "-").collect();
        let [from, to] = tokens[..] else {
            return Err(Text::new("stats-period-unreadable"));
        };
        Period::custom(parse_date(from)?, parse_date(to)?)
    }

    /// The local days covered: the first day, and the day after the last.
    pub fn range(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        match *self {
            Period::ThisWeek => {
                let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
                (monday, monday + Days::new(7))
            }
            Period::ThisMonth => {
                let first = first_of_month(today);
                (first, first + Months::new(1))
            }
            Period::LastMonth => {
                let first = first_of_month(today);
                (first - Months::new(1), first)
            }
            Period::Custom { from, to } => (from, to.succ_opt().unwrap_or(NaiveDate::MAX)),
        }
    }

    /// The same range as instants: local midnight of the first day in `tz`,
    /// up to (not including) local midnight after the last day.
    pub fn utc_range(&self, today: NaiveDate, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let (from, to) = self.range(today);
        (start_of_day(from, tz), start_of_day(to, tz))
    }

    /// "本月" / "This month"; a custom period reads as its dates.
    pub fn label(&self) -> Text {
        match *self {
            Period::ThisWeek => Text::new("stats-period-this-week"),
            Period::ThisMonth => Text::new("stats-period-this-month"),
            Period::LastMonth => Text::new("stats-period-last-month"),
            Period::Custom { from, to } => Text::new("stats-period-custom").arg("from", iso(from)).arg("to", iso(to)),
        }
    }
}

/// The first instant of `day` in `tz`. Where a clock change skips midnight
/// (some zones start summer time at 00:00), the day starts at the first local
/// time that exists; where midnight happens twice, at the earlier one.
pub fn start_of_day(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=48)
        .find_map(|quarter| tz.from_local_datetime(&(midnight + chrono::Duration::minutes(15 * quarter))).earliest())
        .map(|local| local.with_timezone(&Utc))
        // No zone skips twelve hours; if one ever did, read midnight as UTC.
        .unwrap_or_else(|| midnight.and_utc())
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("every month has a first day")
}

fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Full-width forms (U+FF01..U+FF5E, the ideographic space) as ASCII.
fn to_ascii_twin(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn parse_date(token: &str) -> Result<NaiveDate, Text> {
    let dashed: String = token
        .chars()
        .filter(|c| !matches!(c, '日' | '号'))
        .map(|c| if matches!(c, '/' | '.' | '年' | '月') { '-' } else { c })
        .collect();
    // Four-digit years only: chrono would read "26-11-01" as the year 26.
    let year_digits = dashed.split('-').next().unwrap_or("").len();
    match NaiveDate::parse_from_str(&dashed, "%Y-%m-%d") {
        Ok(day) if year_digits == 4 => Ok(day),
        _ => Err(Text::new("stats-period-bad-date").arg("date", token)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn custom(from: NaiveDate, to: NaiveDate) -> Period {
        Period::Custom { from, to }
    }

    #[test]
    fn a_week_runs_from_monday_to_the_next_monday() {
        // 2026-11-27 is a Friday.
        assert_eq!(Period::ThisWeek.range(day(2026, 11, 27)), (day(2026, 11, 23), day(2026, 11, 30)));
        assert_eq!(Period::ThisWeek.range(day(2026, 11, 23)), (day(2026, 11, 23), day(2026, 11, 30)), "on a Monday");
        assert_eq!(Period::ThisWeek.range(day(2026, 11, 29)), (day(2026, 11, 23), day(2026, 11, 30)), "on a Sunday");
    }

    #[test]
    fn a_week_may_span_two_months_and_two_years() {
        // 2026-12-31 is a Thursday.
        assert_eq!(Period::ThisWeek.range(day(2026, 12, 31)), (day(2026, 12, 28), day(2027, 1, 4)));
    }

    #[test]
    fn this_month_ends_where_the_next_begins() {
        assert_eq!(Period::ThisMonth.range(day(2026, 11, 27)), (day(2026, 11, 1), day(2026, 12, 1)));
        assert_eq!(Period::ThisMonth.range(day(2026, 12, 31)), (day(2026, 12, 1), day(2027, 1, 1)));
        assert_eq!(Period::ThisMonth.range(day(2028, 2, 29)), (day(2028, 2, 1), day(2028, 3, 1)));
    }

    #[test]
    fn last_month_in_january_is_last_december() {
        assert_eq!(Period::LastMonth.range(day(2027, 1, 15)), (day(2026, 12, 1), day(2027, 1, 1)));
        assert_eq!(Period::LastMonth.range(day(2026, 3, 31)), (day(2026, 2, 1), day(2026, 3, 1)));
    }

    #[test]
    fn a_custom_period_includes_its_last_day() {
        let p = custom(day(2026, 11, 1), day(2026, 11, 30));
        assert_eq!(p.range(day(2020, 1, 1)), (day(2026, 11, 1), day(2026, 12, 1)));
        let one_day = custom(day(2026, 11, 27), day(2026, 11, 27));
        assert_eq!(one_day.range(day(2020, 1, 1)), (day(2026, 11, 27), day(2026, 11, 28)));
    }

    #[test]
    fn a_shanghai_day_starts_at_sixteen_hundred_utc_the_day_before() {
        let (from, to) = Period::ThisMonth.utc_range(day(2026, 11, 27), chrono_tz::Asia::Shanghai);
        assert_eq!(from.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-30T16:00:00+00:00");
    }

    #[test]
    fn a_month_with_a_clock_change_is_an_hour_longer_or_shorter() {
        // London leaves summer time on 2026-10-25.
        let (from, to) = Period::ThisMonth.utc_range(day(2026, 10, 5), chrono_tz::Europe::London);
        assert_eq!(from.to_rfc3339(), "2026-09-30T23:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-01T00:00:00+00:00");
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_hour_that_exists() {
        // Santiago started summer time at 00:00 on 2022-09-11: clocks went to 01:00.
        let start = start_of_day(day(2022, 9, 11), chrono_tz::America::Santiago);
        assert_eq!(start.to_rfc3339(), "2022-09-11T04:00:00+00:00");
    }

    #[test]
    fn typed_ranges_are_read_with_a_space_a_tilde_or_zhi() {
        let expected = custom(day(2026, 11, 1), day(2026, 11, 30));
        for typed in [
            "2026-11-01 2026-11-30",
            "2026-11-01~2026-11-30",
            "2026-11-01 ~ 2026-11-30",
            "2026-11-01 至 2026-11-30",
            "2026-11-01至2026-11-30",
            "2026-11-01到2026-11-30",
            "2026-11-01 - 2026-11-30",
            "  2026-11-01\t2026-11-30\n",
        ] {
            assert_eq!(Period::parse_custom(typed), Ok(expected), "{typed:?}");
        }
    }

    #[test]
    fn full_width_digits_and_chinese_dates_are_read_too() {
        let expected = custom(day(2026, 11, 1), day(2026, 11, 30));
        for typed in
            ["２０２６－１１－０１～２０２６－１１－３０", "2026年11月1日至2026年11月30日", "2026/11/1 2026.11.30"]
        {
            assert_eq!(Period::parse_custom(typed), Ok(expected), "{typed:?}");
        }
    }

    #[test]
    fn one_date_or_three_dates_are_not_a_range() {
        for typed in ["", "2026-11-01", "2026-11-01 2026-11-15 2026-11-30", "上个月"] {
            assert_eq!(Period::parse_custom(typed), Err(Text::new("stats-period-unreadable")), "{typed:?}");
        }
    }

    #[test]
    fn an_impossible_date_is_named_in_the_answer() {
        let err = Period::parse_custom("2026-02-30 2026-03-05").unwrap_err();
        assert_eq!(err, Text::new("stats-period-bad-date").arg("date", "2026-02-30"));
        assert!(err.render(Locale::ZhCn).contains("2026-02-30"), "{}", err.render(Locale::ZhCn));
        assert!(Period::parse_custom("26-11-01 26-11-30").is_err(), "two-digit years are ambiguous");
        assert!(Period::parse_custom("2026-13-01 2026-13-02").is_err());
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_rejected() {
        let err = Period::parse_custom("2026-11-30 2026-11-01").unwrap_err();
        assert_eq!(err, Text::new("stats-period-reversed").arg("from", "2026-11-30").arg("to", "2026-11-01"));
    }

    #[test]
    fn a_range_of_a_leap_year_is_allowed_and_a_day_more_is_not() {
        assert!(Period::parse_custom("2028-01-01 2028-12-31").is_ok(), "366 days");
        let err = Period::parse_custom("2026-01-01 2027-01-02").unwrap_err();
        assert_eq!(err, Text::new("stats-period-too-long").arg("days", 367i64).arg("max", 366i64));
    }

    #[test]
    fn labels_read_naturally_in_both_languages() {
        assert_eq!(Period::ThisMonth.label().render(Locale::ZhCn), "本月");
        assert_eq!(Period::LastMonth.label().render(Locale::En), "Last month");
        let p = custom(day(2026, 11, 1), day(2026, 11, 30));
        assert_eq!(p.label().render(Locale::ZhCn), "2026-11-01 至 2026-11-30");
        assert_eq!(p.label().render(Locale::En), "2026-11-01 to 2026-11-30");
    }
}
