//! `cargo bench --bench survey_results`: the results of a survey with 10,000
//! submitted responses, on generated data in a fresh database (real
//! PostgreSQL, the same server the tests use).
//!
//! 10,000 owners in 10 buildings answer 5 questions (two ratings, a single
//! and a multiple choice, an optional free text answered by 40%); then
//! `compute` (all buildings and one), `report` (built and rendered), the
//! chart and the CSV are each timed over several runs: median and p99.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use propdesk::i18n::Locale;
use propdesk::services::{survey_file, survey_results};
use propdesk::store::surveys;
use propdesk::store::testdb::fresh_database;

const RESPONSES: i64 = 10_000;
const RUNS: usize = 20;

fn show(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name:<34} median {:>8.2} ms   p99 {:>8.2} ms   ({} runs)",
        common::percentile(&times, 0.5).as_secs_f64() * 1e3,
        common::percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let db = fresh_database().await.expect("a test database (DATABASE_URL or local PostgreSQL binaries)");
    let mut conn = db.pool.acquire().await.unwrap();
    let generating = Instant::now();
    let community: i64 = sqlx::query_scalar("INSERT INTO communities (name) VALUES ('基准小区') RETURNING id")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    // 10 buildings × 4 entrances × 250 rooms, one owner each.
    for statement in [
        "INSERT INTO units (community_id, building, entrance, room)
         SELECT $1, (g % 10 + 1)::TEXT, (g / 10 % 4 + 1)::TEXT, (g / 40 + 101)::TEXT FROM generate_series(0, $2 - 1) g",
        "INSERT INTO users (telegram_id, first_name, locale)
         SELECT 100000 + g, '业主' || g, 'zh-CN' FROM generate_series(0, $2 - 1) g",
        "INSERT INTO unit_residents (telegram_id, unit_id, name, relation, verified_by)
         SELECT 100000 + row_number() OVER (ORDER BY id) - 1, id, '业主' || id, 'owner', 'roster'
         FROM units WHERE community_id = $1",
    ] {
        sqlx::query(statement).bind(community).bind(RESPONSES).execute(&mut *conn).await.unwrap();
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
    let example = include_bytes!("../examples/survey.yaml");
    let spec = survey_file::parse("survey.yaml", example, now, Shanghai).unwrap();
    let survey = survey_file::import(&mut conn, community, &spec, None, now).await.unwrap();
    let mut row = surveys::get(&mut conn, survey).await.unwrap().unwrap();
    row.buildings = None;
    let invited = surveys::invite_audience(&mut conn, &row, now).await.unwrap();
    assert_eq!(invited.len() as i64, RESPONSES);
    for statement in [
        "UPDATE survey_responses SET submitted_at = invited_at + (id % 1440) * INTERVAL '1 minute'
         WHERE survey_id = $1",
        // Ratings skewed towards 4 and 5, as real ones are.
        "INSERT INTO survey_answers (response_id, position, rating, answered_at)
         SELECT id, p, (ARRAY[1, 2, 3, 3, 4, 4, 4, 5, 5, 5])[1 + (id * (p + 7)) % 10], submitted_at
         FROM survey_responses, generate_series(0, 1) p WHERE survey_id = $1",
        "INSERT INTO survey_answers (response_id, position, choices, answered_at)
         SELECT id, 2, ARRAY[id % 4]::SMALLINT[], submitted_at FROM survey_responses WHERE survey_id = $1",
        "INSERT INTO survey_answers (response_id, position, choices, answered_at)
         SELECT id, 3, CASE WHEN id % 6 = id / 7 % 6 THEN ARRAY[id % 6] ELSE ARRAY[id % 6, id / 7 % 6] END::SMALLINT[],
                submitted_at
         FROM survey_responses WHERE survey_id = $1",
        "INSERT INTO survey_answers (response_id, position, text, answered_at)
         SELECT id, 4, '希望加强' || (ARRAY['电梯维护', '地下车库照明', '垃圾分类督导', '夜间巡逻'])[1 + id % 4]
                       || '，第' || id || '号意见。' || repeat('谢谢物业的辛苦付出。', (id % 5)::INT),
                submitted_at
         FROM survey_responses WHERE survey_id = $1 AND id % 5 < 2",
        "ANALYZE",
    ] {
        sqlx::query(statement).bind(survey).execute(&mut *conn).await.unwrap();
    }
    let answers: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_answers").fetch_one(&mut *conn).await.unwrap();
    println!(
        "generated {RESPONSES} submitted responses, {answers} answers, 10 buildings in {:.1} s",
        generating.elapsed().as_secs_f64()
    );

    let conn = &mut *conn;
    // One unmeasured run to warm PostgreSQL's caches and the chart's font.
    let results = survey_results::compute(conn, propdesk::services::people::Asker::Operator, survey, None)
        .await
        .unwrap()
        .unwrap();
    let _ = results.chart_png().unwrap();

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        survey_results::compute(conn, propdesk::services::people::Asker::Operator, survey, None)
            .await
            .unwrap()
            .unwrap();
        times.push(start.elapsed());
    }
    show("compute (all buildings)", times);

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        survey_results::compute(conn, propdesk::services::people::Asker::Operator, survey, Some("3"))
            .await
            .unwrap()
            .unwrap();
        times.push(start.elapsed());
    }
    show("compute (one building)", times);

    let mut times = Vec::new();
    let mut longest = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let text = results.report();
        for locale in Locale::ALL {
            longest = longest.max(text.render(locale).encode_utf16().count());
        }
        times.push(start.elapsed());
    }
    show("report (built, rendered zh-CN + en)", times);

    let mut times = Vec::new();
    let mut png_bytes = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        png_bytes = results.chart_png().unwrap().len();
        times.push(start.elapsed());
    }
    show("chart_png (2 rating questions)", times);

    let mut times = Vec::new();
    let mut csv_bytes = 0;
    for _ in 0..5 {
        let start = Instant::now();
        csv_bytes = survey_results::csv(conn, propdesk::services::people::Asker::Operator, survey, Shanghai)
            .await
            .unwrap()
            .unwrap()
            .len();
        times.push(start.elapsed());
    }
    show("csv (10,000 rows)", times);

    println!(
        "response rate {}%, Q1 average {:.2}; report {longest} UTF-16 units (limit {}); chart {} KB; CSV {} KB",
        results.response_rate(),
        results.questions[0].average().unwrap_or(0.0),
        survey_results::REPORT_MAX_UTF16,
        png_bytes / 1024,
        csv_bytes / 1024
    );
}
