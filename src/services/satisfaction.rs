//! `/stats satisfaction`: what owners thought of the repairs and complaints
//! handled in the last six months (满意度), as one Telegram message: per
//! month, per repair category or complaint kind and subject, per staff
//! member, and the share of 4–5 star ratings against the company's target.

use chrono::{Datelike, Months, NaiveDate};
use sqlx::PgConnection;

use crate::domain::period::start_of_day;
use crate::domain::{Category, Subject, TicketKind};
use crate::i18n::Text;
use crate::services::people::Asker;
use crate::services::stats::{TOP_ROWS, no_data, percent, share, shorten};
use crate::services::supervise::sees_figures;
use crate::services::tickets::{Outcome, Refusal};
use crate::store::satisfaction as store;
pub use crate::store::satisfaction::Ratings;

/// The months a report covers, the current one included.
pub const MONTHS: u32 = 6;

/// The figures of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Satisfaction {
    /// Every month of the period, oldest first; a month without ratings is zero.
    pub months: Vec<(NaiveDate, Ratings)>,
    /// Best average first.
    pub by_category: Vec<(Text, Ratings)>,
    /// Best average first; tickets nobody held as one row with `assignee_id` None.
    pub by_staff: Vec<store::StaffRatings>,
    /// The share of 4–5 star ratings the company aims for, in percent.
    pub target_percent: i64,
}

/// The first day of the first month covered, and of the month after the last.
pub fn months_covered(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let this_month = today.with_day(1).expect("every month has a first day");
    (this_month - Months::new(MONTHS - 1), this_month + Months::new(1))
}

/// The ratings of tickets closed in the [`MONTHS`] months up to the one
/// `today` falls in, months in `tz`: for supervisors and admins (the people
/// who see `/stats`), NotAllowed for anyone else.
pub async fn satisfaction(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    today: NaiveDate,
    tz: chrono_tz::Tz,
    target_percent: i64,
) -> sqlx::Result<Outcome<Satisfaction>> {
    if !sees_figures(asker) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let (first, end) = months_covered(today);
    let (from, to) = (start_of_day(first, tz), start_of_day(end, tz));
    let rows = store::by_month(conn, from, to, tz.name()).await?;
    let months = (0..MONTHS)
        .map(|n| first + Months::new(n))
        .map(|month| (month, rows.iter().find(|r| r.month == month).map(|r| r.ratings).unwrap_or_default()))
        .collect();
    let by_category = store::by_category(conn, from, to)
        .await?
        .into_iter()
        .map(|row| (category_label(&row.kind, row.code.as_deref()), row.ratings))
        .collect();
    let by_staff = store::by_staff(conn, from, to).await?;
    Ok(Ok(Satisfaction { months, by_category, by_staff, target_percent }))
}

/// A repair's category ("水暖维修"), or a complaint's kind and subject
/// ("投诉·噪音"). A code only a bug could write reads as itself.
fn category_label(kind: &str, code: Option<&str>) -> Text {
    let code = code.unwrap_or_default();
    match TicketKind::parse_code(kind) {
        Some(TicketKind::Repair) => Category::parse_code(code).map(Category::label),
        Some(kind) => Subject::parse_code(code)
            .map(|subject| Text::new("case-what").arg("kind", kind.label()).arg("subject", subject.label())),
        None => None,
    }
    .unwrap_or_else(|| {
        tracing::warn!(kind, code, "a rated ticket has an unknown kind, category or subject");
        Text::plain(format!("{kind}/{code}"))
    })
}

impl Ratings {
    /// The average in tenths of a star, rounded half up exactly (17 stars of
    /// 4 ratings is 4.25, shown 4.3); None without ratings.
    pub fn average_tenths(&self) -> Option<i64> {
        (self.rated > 0).then(|| (self.stars * 20 + self.rated) / (self.rated * 2))
    }
}

/// "4.3" or "—".
fn average(r: &Ratings) -> Text {
    r.average_tenths().map_or_else(no_data, |t| Text::plain(format!("{}.{}", t / 10, t % 10)))
}

fn month_label(month: NaiveDate) -> Text {
    Text::new("satisfaction-month")
        .arg("year", i64::from(month.year()))
        .arg("month", i64::from(month.month()))
        .arg("mm", format!("{:02}", month.month()))
}

fn row(name: Text, r: &Ratings) -> Text {
    if r.rated == 0 {
        return Text::new("satisfaction-row-none").arg("name", name);
    }
    Text::new("satisfaction-row")
        .arg("name", name)
        .arg("rated", r.rated)
        .arg("average", average(r))
        .arg("percent", percent(r.satisfied, r.rated))
}

/// A best-first list as lines: all of it when short; otherwise the best and
/// the worst [`TOP_ROWS`]/2 each, with the middle summed on one line: a
/// manager needs the bottom of the list as much as the top.
fn ranked(title: Text, title_cut: Text, more: Text, rows: Vec<(Text, Ratings)>) -> Vec<Text> {
    let mut lines = Vec::new();
    if rows.len() <= TOP_ROWS {
        lines.push(title);
        lines.extend(rows.iter().map(|(name, r)| row(name.clone(), r)));
        return lines;
    }
    let half = TOP_ROWS / 2;
    lines.push(title_cut.arg("shown", half).arg("count", rows.len()));
    lines.extend(rows[..half].iter().map(|(name, r)| row(name.clone(), r)));
    let middle = &rows[half..rows.len() - half];
    let summed: Ratings = middle.iter().map(|(_, r)| *r).sum();
    lines.push(more.arg("rows", middle.len()).arg("rated", summed.rated).arg("average", average(&summed)));
    lines.extend(rows[rows.len() - half..].iter().map(|(name, r)| row(name.clone(), r)));
    lines
}

impl Satisfaction {
    pub fn overall(&self) -> Ratings {
        self.months.iter().map(|(_, r)| *r).sum()
    }

    /// The whole report, one Telegram message however large the company.
    pub fn report(&self) -> Text {
        let (first, last) = match (self.months.first(), self.months.last()) {
            (Some((first, _)), Some((last, _))) => (month_label(*first), month_label(*last)),
            _ => (no_data(), no_data()),
        };
        let title = Text::new("satisfaction-title").arg("from", first).arg("to", last);
        let overall = self.overall();
        if overall.rated == 0 {
            return Text::lines([title, Text::new("satisfaction-empty").arg("months", self.months.len())]);
        }
        // Exactly, not the rounded percentage: 89.9% is not 90%.
        let met = overall.satisfied * 100 >= self.target_percent * overall.rated;
        let mut lines = vec![
            title,
            Text::new("satisfaction-overall").arg("rated", overall.rated).arg("average", average(&overall)),
            Text::new("satisfaction-rate")
                .arg("share", share(overall.satisfied, overall.rated))
                .arg("target", self.target_percent)
                .arg("met", if met { "yes" } else { "no" }),
            Text::plain(""),
            Text::new("satisfaction-month-title"),
        ];
        lines.extend(self.months.iter().map(|(month, r)| row(month_label(*month), r)));

        lines.push(Text::plain(""));
        lines.extend(ranked(
            Text::new("satisfaction-category-title"),
            Text::new("satisfaction-category-title-cut"),
            Text::new("satisfaction-category-more"),
            self.by_category.clone(),
        ));

        lines.push(Text::plain(""));
        let staff = self
            .by_staff
            .iter()
            .map(|s| {
                let name = match (&s.assignee_id, &s.name) {
                    (None, _) => Text::new("satisfaction-unassigned"),
                    (Some(_), Some(name)) => Text::plain(shorten(name)),
                    (Some(id), None) => Text::plain(id.to_string()),
                };
                (name, s.ratings)
            })
            .collect();
        lines.extend(ranked(
            Text::new("satisfaction-staff-title"),
            Text::new("satisfaction-staff-title-cut"),
            Text::new("satisfaction-staff-more"),
            staff,
        ));
        Text::lines(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn ratings(stars: &[i64]) -> Ratings {
        Ratings {
            rated: stars.len() as i64,
            stars: stars.iter().sum(),
            satisfied: stars.iter().filter(|s| **s >= 4).count() as i64,
        }
    }

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, 1).unwrap()
    }

    #[test]
    fn six_months_end_with_the_current_one() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(
            months_covered(today),
            (NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
        );
    }

    #[test]
    fn an_average_is_rounded_half_up_to_one_decimal() {
        assert_eq!(ratings(&[5, 4, 4, 4]).average_tenths(), Some(43), "4.25 reads 4.3");
        assert_eq!(ratings(&[5, 4, 4]).average_tenths(), Some(43), "4.33…");
        assert_eq!(ratings(&[5, 5, 4]).average_tenths(), Some(47), "4.66…");
        assert_eq!(ratings(&[1]).average_tenths(), Some(10));
        assert_eq!(ratings(&[]).average_tenths(), None);
        assert_eq!(average(&ratings(&[5, 4, 4, 4])).render(Locale::En), "4.3");
        assert_eq!(average(&ratings(&[3])).render(Locale::ZhCn), "3.0");
    }

    fn report(categories: usize, staff: usize, name_len: usize) -> Satisfaction {
        let r = Ratings { rated: 123_456, stars: 543_210, satisfied: 111_111 };
        Satisfaction {
            months: (1..=6).map(|m| (month(m), r)).collect(),
            by_category: (0..categories).map(|i| (Text::plain(format!("{i}{}", "类".repeat(name_len))), r)).collect(),
            by_staff: (0..staff)
                .map(|i| store::StaffRatings {
                    assignee_id: (i > 0).then_some(i as i64),
                    name: Some(format!("{i}{}", "技".repeat(name_len))),
                    ratings: r,
                })
                .collect(),
            target_percent: 90,
        }
    }

    #[test]
    fn six_months_without_ratings_say_so() {
        let mut s = report(0, 0, 1);
        s.months.iter_mut().for_each(|(_, r)| *r = Ratings::default());
        assert_eq!(
            s.report().render(Locale::ZhCn),
            "⭐ 满意度统计 · 2026年1月 至 2026年6月\n近 6 个月还没有业主评价。"
        );
        assert_eq!(
            s.report().render(Locale::En),
            "⭐ Satisfaction · 2026-01 to 2026-06\nNo ratings from owners in the last 6 months."
        );
    }

    #[test]
    fn the_largest_report_fits_in_one_telegram_message() {
        for locale in Locale::ALL {
            let text = report(28, 200, 64).report().render(locale);
            let length = text.encode_utf16().count();
            assert!(length < 4096, "{locale}: {length} characters\n{text}");
            assert!(!text.contains("satisfaction-"), "{locale}: a key did not render\n{text}");
        }
    }

    #[test]
    fn a_long_list_shows_the_best_and_the_worst_and_sums_the_middle() {
        let text = report(3, 14, 1).report().render(Locale::ZhCn);
        // Staff 0 (nobody) … 13: the first five and the last five by name.
        for shown in ["1技：", "4技：", "9技：", "13技："] {
            assert!(text.contains(shown), "{shown}\n{text}");
        }
        for hidden in ["5技：", "8技："] {
            assert!(!text.contains(hidden), "{hidden}\n{text}");
        }
        assert!(text.contains("无处理人"), "{text}");
        assert!(text.contains("其余 4 位共 493824 条评价"), "{text}");
        assert!(text.contains("共 14 位"), "{text}");
    }

    #[test]
    fn the_target_is_met_only_at_or_above_it() {
        let mut s = report(1, 1, 1);
        s.months = vec![(month(1), ratings(&[5, 5, 5, 5, 5, 5, 5, 5, 5, 3]))];
        assert!(s.report().render(Locale::ZhCn).contains("已达标"), "9 of 10 is 90%");
        s.months = vec![(month(1), ratings(&[5; 89].iter().copied().chain([1; 11]).collect::<Vec<_>>()))];
        assert!(s.report().render(Locale::ZhCn).contains("未达标"), "89%");
        // 899 of 1000 rounds to 90% but is below the target.
        let mut r = ratings(&[]);
        r.rated = 1000;
        r.satisfied = 899;
        r.stars = 4000;
        s.months = vec![(month(1), r)];
        assert!(s.report().render(Locale::ZhCn).contains("未达标"), "89.9% is not 90%");
    }
}
