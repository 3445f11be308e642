//! The management figures: how the repair service did over a period, as one
//! Telegram message a manager can read on a phone.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::{Category, Status};
use crate::i18n::Text;
use crate::services::people::Asker;
use crate::services::supervise::sees_figures;
use crate::services::tickets::{Outcome, Refusal};
use crate::store::stats as store;
pub use crate::store::stats::{BuildingMeasures, Measures, StaffMeasures};

/// Staff members and buildings shown by name; the rest are summed in one line,
/// so a large company's report still fits Telegram's 4096 characters.
pub const TOP_ROWS: usize = 10;

/// Names longer than this are cut (with "…"): the report's length stays bounded.
const MAX_NAME_CHARS: usize = 20;

/// Figures over the tickets filed in a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub overall: Measures,
    /// In the order of the workflow (queued … cancelled); statuses with no ticket left out.
    pub by_status: Vec<(Status, i64)>,
    /// Most tickets first.
    pub by_category: Vec<(Category, i64)>,
    /// Most tickets first; tickets nobody holds as one row with `assignee_id` None.
    pub by_staff: Vec<StaffMeasures>,
    /// Most tickets first; common-area tickets as one row with `building` None.
    pub by_building: Vec<BuildingMeasures>,
}

/// The figures for tickets filed in [from, to), judged as of now, for
/// supervisors and admins (NotAllowed for anyone else).
pub async fn figures(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Outcome<Figures>> {
    figures_at(conn, asker, from, to, Utc::now()).await
}

/// [`figures`] as of `now`: tickets not yet due by then are not judged on time or late.
pub async fn figures_at(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Outcome<Figures>> {
    if !sees_figures(asker) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let overall = store::overall(conn, from, to, now).await?;
    let statuses = store::count_by_status(conn, from, to).await?;
    let categories = store::count_by_category(conn, from, to).await?;
    let by_staff = store::by_staff(conn, from, to, now).await?;
    let by_building = store::by_building(conn, from, to, now).await?;

    let by_status = Status::ALL
        .into_iter()
        .filter_map(|status| statuses.iter().find(|(code, _)| code == status.as_str()).map(|(_, n)| (status, *n)))
        .collect();
    let by_category = categories
        .iter()
        .filter_map(|(code, n)| match Category::parse_code(code) {
            Some(category) => Some((category, *n)),
            None => {
                // Only a bug writes an unknown code; the total still counts the ticket.
                tracing::warn!(code, "a ticket has an unknown category");
                None
            }
        })
        .collect();
    for (code, _) in statuses.iter().filter(|(code, _)| Status::parse_code(code).is_none()) {
        tracing::warn!(code, "a ticket has an unknown status");
    }
    Ok(Ok(Figures { overall, by_status, by_category, by_staff, by_building }))
}

impl Figures {
    /// The whole report, headed by `period` ("本月", "2026-11-01 至 2026-11-30").
    pub fn report(&self, period: Text) -> Text {
        let title = Text::new("stats-title").arg("period", period);
        let m = &self.overall;
        if m.tickets == 0 {
            return Text::lines([title, Text::new("stats-empty")]);
        }
        let mut lines = vec![
            title,
            Text::new("stats-total").arg("tickets", m.tickets),
            Text::new("stats-status").arg("list", list(self.by_status.iter().map(|(s, n)| count_item(s.label(), *n)))),
            Text::new("stats-category")
                .arg("list", list(self.by_category.iter().map(|(c, n)| count_item(c.label(), *n)))),
            Text::new("stats-accept").arg("median", duration(m.accept_p50)).arg("p90", duration(m.accept_p90)),
            Text::new("stats-onsite").arg("median", duration(m.onsite_p50)).arg("p90", duration(m.onsite_p90)),
            Text::new("stats-resolve").arg("median", duration(m.resolve_p50)).arg("p90", duration(m.resolve_p90)),
            Text::new("stats-on-time")
                .arg("onsite", share(m.onsite_met, m.onsite_judged))
                .arg("resolve", share(m.resolve_met, m.resolve_judged)),
            Text::new("stats-reopened").arg("share", share(m.reopened, m.ever_done)),
            match m.rating_avg {
                Some(_) if m.rated > 0 => {
                    Text::new("stats-rating").arg("average", rating(m.rating_avg)).arg("rated", m.rated)
                }
                _ => Text::new("stats-rating-none"),
            },
        ];

        lines.push(Text::plain(""));
        lines.push(if self.by_staff.len() > TOP_ROWS {
            Text::new("stats-staff-title-top").arg("shown", TOP_ROWS).arg("count", self.by_staff.len())
        } else {
            Text::new("stats-staff-title")
        });
        lines.extend(self.by_staff.iter().take(TOP_ROWS).map(|row| {
            let name = match (&row.assignee_id, &row.name) {
                (None, _) => Text::new("stats-unassigned"),
                (Some(_), Some(name)) => Text::plain(shorten(name)),
                (Some(id), None) => Text::plain(id.to_string()),
            };
            row_line(name, &row.measures)
        }));
        if let Some((rows, tickets)) = rest(self.by_staff.iter().map(|r| r.measures.tickets)) {
            lines.push(Text::new("stats-staff-more").arg("rows", rows).arg("tickets", tickets));
        }

        lines.push(Text::plain(""));
        lines.push(if self.by_building.len() > TOP_ROWS {
            Text::new("stats-building-title-top").arg("shown", TOP_ROWS).arg("count", self.by_building.len())
        } else {
            Text::new("stats-building-title")
        });
        lines.extend(self.by_building.iter().take(TOP_ROWS).map(|row| {
            let name = match &row.building {
                Some(building) => Text::new("stats-building").arg("building", shorten(building)),
                None => Text::new("stats-common-area"),
            };
            row_line(name, &row.measures)
        }));
        if let Some((rows, tickets)) = rest(self.by_building.iter().map(|r| r.measures.tickets)) {
            lines.push(Text::new("stats-building-more").arg("rows", rows).arg("tickets", tickets));
        }
        Text::lines(lines)
    }
}

/// The rows beyond the top ones: how many, and their tickets together.
fn rest(tickets: impl Iterator<Item = i64>) -> Option<(usize, i64)> {
    let rest: Vec<i64> = tickets.skip(TOP_ROWS).collect();
    (!rest.is_empty()).then(|| (rest.len(), rest.iter().sum()))
}

fn row_line(name: Text, m: &Measures) -> Text {
    Text::new("stats-row")
        .arg("name", name)
        .arg("tickets", m.tickets)
        .arg("onsite", duration(m.onsite_p50))
        .arg("onsite-on-time", percent(m.onsite_met, m.onsite_judged))
        .arg("resolve-on-time", percent(m.resolve_met, m.resolve_judged))
        .arg("reopened", percent(m.reopened, m.ever_done))
        .arg("rating", rating(m.rating_avg))
}

fn count_item(label: Text, count: i64) -> Text {
    Text::new("stats-count-item").arg("label", label).arg("count", count)
}

/// Items joined with the language's list separator (、 in Chinese).
fn list(items: impl Iterator<Item = Text>) -> Text {
    items.reduce(|head, tail| Text::new("stats-list-join").arg("head", head).arg("tail", tail)).unwrap_or_else(no_data)
}

pub(crate) fn no_data() -> Text {
    Text::plain("—")
}

pub(crate) fn shorten(name: &str) -> String {
    if name.chars().count() > MAX_NAME_CHARS {
        let cut: String = name.chars().take(MAX_NAME_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        name.to_owned()
    }
}

/// "1小时5分" / "1 h 5 min": minutes under a day, hours beyond; "—" without data.
pub fn duration(seconds: Option<f64>) -> Text {
    let Some(seconds) = seconds.filter(|s| s.is_finite()) else {
        return no_data();
    };
    let minutes = (seconds.max(0.0) / 60.0).round() as i64;
    if minutes < 1 {
        Text::new("stats-duration-under-minute")
    } else if minutes < 60 {
        Text::new("stats-duration-minutes").arg("minutes", minutes)
    } else if minutes < 24 * 60 {
        Text::new("stats-duration-hours").arg("hours", minutes / 60).arg("minutes", minutes % 60)
    } else {
        let hours = (seconds / 3600.0).round() as i64;
        Text::new("stats-duration-days").arg("days", hours / 24).arg("hours", hours % 24)
    }
}

/// Whole percent of `part` in `whole`, rounded, except that one miss never
/// shows as 100% and one success never as 0%: a manager reads 100% as "all".
pub fn percent_of(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    let rounded = (part * 200 + whole) / (whole * 2);
    Some(match rounded {
        100 if part < whole => 99,
        0 if part > 0 => 1,
        p => p,
    })
}

/// "87%" or "—".
pub(crate) fn percent(part: i64, whole: i64) -> Text {
    percent_of(part, whole).map_or_else(no_data, |p| Text::new("stats-percent").arg("percent", p))
}

/// "87%（26/30）" or "—".
pub(crate) fn share(part: i64, whole: i64) -> Text {
    percent_of(part, whole)
        .map_or_else(no_data, |p| Text::new("stats-share").arg("percent", p).arg("part", part).arg("whole", whole))
}

/// "4.6" or "—".
fn rating(average: Option<f64>) -> Text {
    average.map_or_else(no_data, |a| Text::plain(format!("{a:.1}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn both(t: &Text) -> (String, String) {
        (t.render(Locale::ZhCn), t.render(Locale::En))
    }

    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(both(&duration(Some(3900.0))), ("1小时5分".into(), "1 h 5 min".into()));
        assert_eq!(both(&duration(Some(7200.0))), ("2小时".into(), "2 h".into()));
        assert_eq!(both(&duration(Some(12.0 * 60.0 + 20.0))), ("12分钟".into(), "12 min".into()));
        assert_eq!(both(&duration(Some(20.0))), ("不到1分钟".into(), "< 1 min".into()));
    }

    #[test]
    fn durations_of_days_drop_the_minutes() {
        assert_eq!(both(&duration(Some(26.0 * 3600.0 + 40.0 * 60.0))), ("1天3小时".into(), "1 d 3 h".into()));
        assert_eq!(both(&duration(Some(72.0 * 3600.0))), ("3天".into(), "3 d".into()));
    }

    #[test]
    fn a_duration_just_under_an_hour_rounds_to_one_hour() {
        assert_eq!(duration(Some(59.0 * 60.0 + 45.0)).render(Locale::ZhCn), "1小时");
    }

    #[test]
    fn no_data_is_a_dash() {
        assert_eq!(duration(None).render(Locale::En), "—");
        assert_eq!(share(0, 0).render(Locale::ZhCn), "—");
        assert_eq!(rating(None).render(Locale::ZhCn), "—");
    }

    #[test]
    fn shares_are_rounded_but_never_claim_all_or_none_falsely() {
        assert_eq!(percent_of(26, 30), Some(87));
        assert_eq!(percent_of(1, 2), Some(50));
        assert_eq!(percent_of(999, 1000), Some(99));
        assert_eq!(percent_of(1, 1000), Some(1));
        assert_eq!(percent_of(0, 5), Some(0));
        assert_eq!(percent_of(5, 5), Some(100));
        assert_eq!(percent_of(0, 0), None);
        assert_eq!(share(26, 30).render(Locale::ZhCn), "87%（26/30）");
        assert_eq!(share(26, 30).render(Locale::En), "87% (26/30)");
    }

    #[test]
    fn an_empty_period_says_so() {
        let report = Figures::default().report(Text::new("stats-period-this-week"));
        assert_eq!(report.render(Locale::ZhCn), "📊 报修统计 · 本周\n这段时间没有报修工单。");
    }

    fn busy(name_len: usize, staff: usize, buildings: usize) -> Figures {
        let measures = Measures {
            tickets: 123_456,
            accept_p50: Some(600.0),
            accept_p90: Some(26.0 * 3600.0 + 1800.0),
            onsite_p50: Some(3900.0),
            onsite_p90: Some(23.0 * 3600.0 + 59.0 * 60.0),
            resolve_p50: Some(100.0 * 3600.0),
            resolve_p90: Some(1000.0 * 3600.0),
            onsite_met: 99_999,
            onsite_judged: 123_456,
            resolve_met: 88_888,
            resolve_judged: 123_456,
            ever_done: 123_456,
            reopened: 12_345,
            rating_avg: Some(4.56),
            rated: 99_999,
        };
        Figures {
            overall: measures.clone(),
            by_status: Status::ALL.iter().map(|s| (*s, 99_999)).collect(),
            by_category: Category::ALL.iter().map(|c| (*c, 99_999)).collect(),
            by_staff: (0..staff)
                .map(|i| StaffMeasures {
                    assignee_id: (i > 0).then_some(i as i64),
                    name: Some("技".repeat(name_len)),
                    measures: measures.clone(),
                })
                .collect(),
            by_building: (0..buildings)
                .map(|i| BuildingMeasures {
                    building: (i > 0).then(|| "W".repeat(name_len)),
                    measures: measures.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_busiest_report_fits_in_one_telegram_message() {
        let report =
            busy(64, 40, 40).report(Text::new("stats-period-custom").arg("from", "2026-01-01").arg("to", "2026-12-31"));
        for locale in Locale::ALL {
            let text = report.render(locale);
            // Telegram counts UTF-16 code units; an emoji is two.
            let length = text.encode_utf16().count();
            assert!(length < 4096, "{locale}: {length} characters\n{text}");
            assert!(!text.contains("stats-"), "{locale}: a key did not render\n{text}");
        }
    }

    #[test]
    fn only_the_top_ten_rows_are_named_and_the_rest_are_summed() {
        let text = busy(3, 14, 3).report(Text::new("stats-period-this-month")).render(Locale::ZhCn);
        assert_eq!(text.matches("技技技：").count(), 9, "nine named plus the unassigned row\n{text}");
        assert!(text.contains("未派单"), "{text}");
        assert!(text.contains("前 10 位，共 14 位"), "{text}");
        assert!(text.contains("其余 4 位共 493824 单"), "{text}");
        assert!(text.contains("公共区域"), "{text}");
        assert!(text.contains("WWW栋"), "{text}");
    }

    #[test]
    fn a_long_name_is_cut_with_an_ellipsis() {
        assert_eq!(shorten(&"维".repeat(30)), format!("{}…", "维".repeat(19)));
        assert_eq!(shorten("王师傅"), "王师傅");
    }
}
