//! `/stats satisfaction`: owners' ratings of repairs and complaints over the
//! last six months, per month, per category and per staff member, read from
//! the message a supervisor receives; who may ask; a word /stats does not know.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use propdesk::domain::Trade;
use propdesk::domain::period::start_of_day;
use propdesk::i18n::Text;

use crate::support::{Person, TestApp};

const OWNER: i64 = 1001;
const WANG: i64 = 2002;
const LI: i64 = 2003;
const CHEN: i64 = 2004;

/// A closed ticket with `rating`: a repair of `category`, or a complaint
/// about `subject`, held by `assignee` and closed at `closed`.
struct Rated {
    kind: &'static str,
    code: &'static str,
    assignee: i64,
    closed: DateTime<Utc>,
    rating: Option<i16>,
}

async fn add(app: &TestApp, n: usize, t: Rated) {
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities").fetch_one(&app.pool).await.unwrap();
    let created = t.closed - Duration::hours(5);
    let (category, subject) = if t.kind == "repair" { (t.code, None) } else { ("other", Some(t.code)) };
    sqlx::query(
        "INSERT INTO tickets (number, community_id, kind, category, subject, trade, description, urgency, status,
             reporter_id, assignee_id, created_at, onsite_due_at, resolve_due_at, closed_at, rating)
         VALUES ($1, $2, $3, $4, $5, 'plumbing', '测试', 'routine', 'closed', $6, $7, $8, $8, $8, $9, $10)",
    )
    .bind(format!("T-{n:04}"))
    .bind(community)
    .bind(t.kind)
    .bind(category)
    .bind(subject)
    .bind(OWNER)
    .bind(t.assignee)
    .bind(created)
    .bind(t.closed)
    .bind(t.rating)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// The first day of the month `back` months before this one, in Shanghai.
fn month(back: u32) -> NaiveDate {
    let today = Utc::now().with_timezone(&Shanghai).date_naive();
    today.with_day(1).unwrap() - Months::new(back)
}

/// A moment in that month: its first second, so "this month" is never in the future.
fn in_month(back: u32) -> DateTime<Utc> {
    start_of_day(month(back), Shanghai) + Duration::seconds(1)
}

fn zh_month(day: NaiveDate) -> String {
    format!("{}年{}月", day.year(), day.month())
}

async fn team() -> (TestApp, Person, Person) {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let owner = app.owner(OWNER, "王芳", "3-2-1201", "8613800138000").await;
    for (id, name, trade) in
        [(WANG, "王师傅", Trade::Plumbing), (LI, "李师傅", Trade::Electrical), (CHEN, "陈客服", Trade::CustomerService)]
    {
        sqlx::query("INSERT INTO users (telegram_id, first_name, locale) VALUES ($1, $2, 'zh-CN')")
            .bind(id)
            .bind(name)
            .execute(&app.pool)
            .await
            .unwrap();
        let mut conn = app.pool.acquire().await.unwrap();
        propdesk::store::staff::enlist(&mut conn, id, name, trade, false, None).await.unwrap();
    }
    (app, supervisor, owner)
}

#[tokio::test]
async fn a_supervisor_reads_the_ratings_by_month_category_and_staff_member() {
    let (app, supervisor, _owner) = team().await;
    let rated = |kind, code, assignee, closed, rating| Rated { kind, code, assignee, closed, rating };
    for (n, t) in [
        // This month: two plumbing jobs (5, 4), a noise complaint (2), and one closed without stars.
        rated("repair", "plumbing", WANG, in_month(0), Some(5)),
        rated("repair", "plumbing", WANG, in_month(0), Some(4)),
        rated("complaint", "noise", CHEN, in_month(0), Some(2)),
        rated("repair", "plumbing", WANG, in_month(0), None),
        // Two months ago: an electrical job (3) and a noise complaint (5).
        rated("repair", "electrical", LI, in_month(2), Some(3)),
        rated("complaint", "noise", CHEN, in_month(2), Some(5)),
        // Six months ago: outside the report.
        rated("repair", "plumbing", WANG, in_month(6), Some(1)),
    ]
    .into_iter()
    .enumerate()
    {
        add(&app, n, t).await;
    }

    let report = supervisor.says("/stats satisfaction").await.text.unwrap();
    let months: Vec<String> = (0..6)
        .rev()
        .map(|back| {
            let label = zh_month(month(back));
            match back {
                0 => format!("{label}：3 条，平均 3.7 分，满意率 67%"),
                2 => format!("{label}：2 条，平均 4.0 分，满意率 50%"),
                _ => format!("{label}：暂无评价"),
            }
        })
        .collect();
    let expected = [
        format!("⭐ 满意度统计 · {} 至 {}", zh_month(month(5)), zh_month(month(0))),
        "共 5 条评价，平均 3.8 分".into(),
        "满意率（4–5 星）60%（3/5），目标 90%，未达标 ⚠️".into(),
        String::new(),
        "📅 按月".into(),
        months.join("\n"),
        String::new(),
        "🗂 按类别（平均分从高到低）".into(),
        "🚰 水管 / 给排水：2 条，平均 4.5 分，满意率 100%".into(),
        "投诉·噪音扰民：2 条，平均 3.5 分，满意率 50%".into(),
        "💡 电路 / 照明：1 条，平均 3.0 分，满意率 0%".into(),
        String::new(),
        "👷 按处理人（平均分从高到低）".into(),
        "王师傅：2 条，平均 4.5 分，满意率 100%".into(),
        "陈客服：2 条，平均 3.5 分，满意率 50%".into(),
        "李师傅：1 条，平均 3.0 分，满意率 0%".into(),
    ]
    .join("\n");
    assert_eq!(report, expected);

    // The same word in Chinese, and any case, asks for the same report.
    assert_eq!(supervisor.says("/stats 满意度").await.text.unwrap(), expected);
    assert_eq!(supervisor.says("/stats Satisfaction").await.text.unwrap(), expected);
    app.stop().await;
}

#[tokio::test]
async fn without_ratings_the_report_says_so_and_plain_stats_still_offers_periods() {
    let (app, supervisor, _owner) = team().await;
    // Closed without stars, and rated seven months ago: nothing to report.
    add(&app, 1, Rated { kind: "repair", code: "lift", assignee: WANG, closed: in_month(0), rating: None }).await;
    add(&app, 2, Rated { kind: "repair", code: "lift", assignee: WANG, closed: in_month(7), rating: Some(5) }).await;
    let report = supervisor.says("/stats satisfaction").await.text.unwrap();
    assert_eq!(
        report,
        format!("⭐ 满意度统计 · {} 至 {}\n近 6 个月还没有业主评价。", zh_month(month(5)), zh_month(month(0)))
    );
    supervisor.says_and_gets("/stats", Text::new("stats-choose-period")).await;
    app.stop().await;
}

#[tokio::test]
async fn owners_and_technicians_are_refused_and_an_unknown_report_gets_the_usage() {
    let (app, supervisor, owner) = team().await;
    add(&app, 1, Rated { kind: "repair", code: "gas", assignee: WANG, closed: in_month(0), rating: Some(1) }).await;
    let technician = app.staff(2005, "赵师傅", Trade::Plumbing, false).await;
    for person in [&owner, &technician] {
        person.says_and_gets("/stats satisfaction", Text::new("error-not-allowed")).await;
        person.says_and_gets("/stats", Text::new("error-not-allowed")).await;
    }
    supervisor
        .says_and_gets(
            "/stats complaints",
            Text::lines([Text::new("stats-unknown-report").arg("arg", "complaints"), Text::new("stats-usage")]),
        )
        .await;
    // A very long word is cut in the answer, and nothing breaks.
    let long = "x".repeat(5000);
    supervisor
        .says_and_gets(
            &format!("/stats {long}"),
            Text::lines([Text::new("stats-unknown-report").arg("arg", "x".repeat(30)), Text::new("stats-usage")]),
        )
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_patrol_finding_its_finder_kept_and_closed_is_never_rated_nor_counted() {
    use propdesk::domain::callback::TicketOp;
    use propdesk::domain::{CallbackData, Category, Urgency};
    let (app, supervisor, owner) = team().await;
    let handyman = app.staff(2006, "孙师傅", Trade::GeneralRepair, false).await;
    let before = handyman.seq();
    handyman.taps(Text::new("menu-patrol")).await;
    handyman.expect(before, Text::new("repair-ask-category")).await;
    handyman.press_and_get(Category::CommonFacilities.label(), Text::new("repair-ask-common-area")).await;
    handyman.says_and_gets("2栋电梯厅", Text::new("repair-ask-description")).await;
    handyman.says_and_gets("灯不亮", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    handyman.press_and_get(Text::new("btn-skip-photos"), Text::new("repair-ask-urgency")).await;
    handyman.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    handyman.press_and_get(Text::new("window-any"), Text::new("repair-field-category")).await;
    handyman
        .press_and_get(Text::new("btn-confirm-self"), Text::new("repair-filed-assigned").arg("assignee", "孙师傅"))
        .await;
    // The finder works it and closes it.
    handyman.press_shown(Text::new("btn-accept")).await;
    handyman.press_shown(Text::new("btn-arrived")).await;
    handyman.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    handyman.says_and_gets("更换了灯管", Text::new("ticket-ask-done-photos").arg("max", 5usize)).await;
    handyman.press_and_get(Text::new("btn-skip-photos"), Text::new("ticket-done-staff")).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM tickets WHERE status = 'closed' AND reported_by_staff")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // 5 stars by a forged press, from the finder or anyone else: refused, nothing kept.
    for person in [&handyman, &owner, &supervisor] {
        let q = person.press_data(&CallbackData::Ticket { id, op: TicketOp::Rate(5) }.encode());
        assert_eq!(person.answer_to(&q).await, Some(person.t(Text::new("error-not-allowed"))), "{}", person.id);
    }
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE rating IS NOT NULL").await, 0);

    // A rating such a finding carries anyway (forged before the rule) is not counted.
    sqlx::query("UPDATE tickets SET rating = 5 WHERE id = $1").bind(id).execute(&app.pool).await.unwrap();
    let report = supervisor.says("/stats satisfaction").await.text.unwrap();
    assert!(report.ends_with(&supervisor.t(Text::new("satisfaction-empty").arg("months", 6usize))), "{report}");
    app.stop().await;
}
