//! Repairs timed from the owner's Confirm to the assignee's card, and a
//! notice to 10,000 seeded owners to time them under: shared by
//! `benches/dispatch.rs` and `benches/broadcast.rs`, which include
//! `tests/it/support.rs` as `support`.
//!
//! - Sample owners are on the roster of their own community ("样本小区"), so a
//!   notice to the first community ("测试小区") does not reach them; each is
//!   onboarded (/start, contact) and brings a repair to its summary first.
//! - The notice's 10,000 recipients are seeded in the database and registered
//!   with the emulator as having written to the bot; the notice is created by
//!   the admin through `services::notices::create` (the Send button's use
//!   case), which writes the outbox rows the real sender delivers.

use std::time::{Duration, Instant};

use propdesk::clock::Clock as _;
use propdesk::domain::notice::{Audience, Bodies, NoticeKind};
use propdesk::domain::{Category, PhoneNumber, Relation, Trade, UnitAddress, Urgency};
use propdesk::i18n::Text;
use propdesk::sandbox::emulator::{EmuUser, Limits};
use propdesk::services::{notices, people, sla_watch};
use propdesk::store;
use sqlx::PgPool;

use crate::support::{self, ADMIN, Person, TestApp, unit};

/// Recipients of the notice.
pub const RECIPIENTS: i64 = 10_000;
pub const FIRST_RECIPIENT: i64 = 5_000_000;
pub const NOTICE: &str = "【停水通知】明天 08:00–12:00 全小区停水检修，请提前储水。";

/// Filing up to the summary, with a description that names the sample.
pub async fn to_summary(owner: &Person, description: &str) {
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    owner.press_and_get(Category::Plumbing.label(), Text::new("repair-ask-place")).await;
    owner.press_and_get(unit("3", "2", "1201"), Text::new("repair-ask-description")).await;
    owner.says_and_gets(description, Text::new("repair-ask-photos").arg("max", 5usize)).await;
    owner.press_and_get(Text::new("btn-skip-photos"), Text::new("repair-ask-urgency")).await;
    owner.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    owner.press_and_get(Text::new("window-any"), Text::new("repair-field-category")).await;
}

pub fn description(i: usize) -> String {
    format!("卫生间地漏返水（样本 {i}）")
}

/// An owner on the samples' community roster, bound, at the summary of a repair.
pub async fn sample_owner(app: &TestApp, i: usize) -> Person {
    let id = 20_000 + i as i64;
    let phone = format!("86138{i:08}");
    {
        let mut conn = app.pool.acquire().await.unwrap();
        let community = store::roster::community_id_by_name_or_create(&mut conn, "样本小区").await.unwrap();
        let address = UnitAddress::parse("3-2-1201").unwrap();
        let unit = store::roster::upsert_unit(&mut conn, community, &address).await.unwrap();
        let phone = PhoneNumber::parse(&phone).unwrap();
        store::roster::upsert_roster_entry(&mut conn, unit, &format!("样本{i}"), &phone, Relation::Owner)
            .await
            .unwrap();
    }
    let owner = app.person(id, &format!("样本{i}"), "zh-hans", &phone);
    let before = owner.start_and_share_contact().await;
    owner.wait(before, "the owner menu", |m| m.reply_keyboard.as_ref().is_some_and(|k| k.len() > 1)).await;
    to_summary(&owner, &description(i)).await;
    owner
}

/// `count` owners at their summary (the first alone: it creates the
/// community), 20 at a time: under Telegram's 30 messages a second their
/// answers would otherwise queue past the harness's 15 s wait.
pub async fn sample_owners(app: &TestApp, count: usize) -> Vec<Person> {
    let mut owners = vec![sample_owner(app, 0).await];
    let rest: Vec<usize> = (1..count).collect();
    for chunk in rest.chunks(20) {
        owners.extend(futures::future::join_all(chunk.iter().map(|i| sample_owner(app, *i))).await);
    }
    owners
}

/// Plumbers who have opened the bot: the samples' assignees.
pub async fn plumbers(app: &TestApp, count: i64) -> Vec<Person> {
    let mut plumbers = Vec::new();
    for i in 0..count {
        plumbers.push(app.staff(3_000 + i, &format!("水工{i}"), Trade::Plumbing, false).await);
    }
    plumbers
}

/// Presses Confirm and times it until some plumber's chat shows the card.
/// When none does, panics with where the request stands in the database.
pub async fn sample(pool: PgPool, owner: Person, i: usize, plumbers: Vec<Person>) -> Duration {
    let before = owner.seq();
    let wanted = description(i);
    let pressed = Instant::now();
    owner.press(Text::new("btn-confirm"));
    let waits = plumbers.iter().map(|p| {
        let wanted = wanted.clone();
        Box::pin(p.emu.wait_for_bot_message(
            p.id,
            before,
            move |m| m.text.as_deref().is_some_and(|t| t.starts_with("🔧") && t.contains(&wanted)),
            support::WAIT,
        ))
    });
    if let Err(e) = futures::future::select_ok(waits).await {
        panic!("sample {i}: no card: {e}\n{}", whereabouts(&pool, owner.id, &wanted).await);
    }
    pressed.elapsed()
}

/// The owner's updates, the ticket and the outbox rows of its card, for a
/// sample whose card did not arrive.
async fn whereabouts(pool: &PgPool, owner: i64, wanted: &str) -> String {
    let inbox: Vec<(i64, i32, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT update_id, attempts, last_error, handled_at::text FROM inbox WHERE chat_id = $1 ORDER BY update_id DESC LIMIT 3",
    )
    .bind(owner)
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    let ticket: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, number, status::text, assignee_id FROM tickets WHERE description LIKE '%' || $1 || '%'",
    )
    .bind(wanted)
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    let outbox: Vec<String> = sqlx::query_scalar(
        "SELECT format('row %s to %s: %s, attempts %s, not before %s, claimed %s, sent %s, error %s',
                       id, chat_id, state, attempts, not_before, claimed_at, sent_at, last_error)
         FROM outbox WHERE payload::text LIKE '%' || $1 || '%'",
    )
    .bind(wanted)
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
        .fetch_one(pool)
        .await
        .unwrap_or(-1);
    format!(
        "owner's last updates (id, attempts, error, handled): {inbox:?}\nticket: {ticket:?}\ncard rows: {outbox:?}\noutbox rows pending or sending: {waiting}"
    )
}

/// Presses Confirm for each owner in turn (sample owners `first`, `first` + 1,
/// …), one every `interval`, while whatever else runs; the latencies, sorted.
pub async fn sample_every(
    pool: &PgPool,
    interval: Duration,
    first: usize,
    owners: Vec<Person>,
    plumbers: &[Person],
) -> Vec<Duration> {
    let mut tasks = Vec::new();
    let mut tick = tokio::time::interval(interval);
    tick.tick().await;
    for (i, owner) in owners.into_iter().enumerate() {
        tick.tick().await;
        tasks.push(tokio::spawn(sample(pool.clone(), owner, first + i, plumbers.to_vec())));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    latencies.sort();
    latencies
}

/// Seeds the notice's recipients in the admin's community (the first one).
/// The admin must have written to the bot.
pub async fn seed_recipients(app: &TestApp) {
    let mut conn = app.pool.acquire().await.unwrap();
    let community = store::roster::community_id_by_name_or_create(&mut conn, "测试小区").await.unwrap();
    store::testdb::seed_owners(&mut conn, community, FIRST_RECIPIENT, RECIPIENTS).await.unwrap();
    app.emu.register_started_users(
        (FIRST_RECIPIENT..FIRST_RECIPIENT + RECIPIENTS)
            .map(|id| EmuUser::new(id, &format!("业主{}", id - FIRST_RECIPIENT))),
    );
}

/// The community "测试小区" first, so that the seeded recipients land in it.
pub async fn notice_community_first(app: &TestApp) {
    let mut conn = app.pool.acquire().await.unwrap();
    store::roster::community_id_by_name_or_create(&mut conn, "测试小区").await.unwrap();
}

/// Turns the emulator's limits on (1 a second per chat, `rate` overall) and
/// sends the notice to every seeded recipient; its id.
pub async fn send_notice(app: &TestApp, rate: u32) -> i64 {
    app.emu.set_limits(Some(Limits { per_chat_per_sec: 1, global_per_sec: rate }));
    let mut tx = app.pool.begin().await.unwrap();
    let user = store::users::get(&mut tx, ADMIN).await.unwrap().expect("the admin has written");
    let actor = people::load(&mut tx, user, &app.settings).await.unwrap();
    let spec = notices::Spec {
        kind: NoticeKind::Outage,
        bodies: Bodies { zh: Some(NOTICE.to_owned()), en: None },
        photo: None,
        audience: Audience::All,
        include_staff: false,
        signup: false,
        capacity: None,
        send_at: None,
    };
    let clock = sla_watch::notice_clock(&app.settings, app.clock.now());
    let created = notices::create(&mut tx, &actor, &spec, None, &clock, propdesk::domain::Markup::None)
        .await
        .unwrap()
        .expect("the notice is sent");
    assert_eq!(created.reach, RECIPIENTS, "the notice reaches the seeded owners only");
    tx.commit().await.unwrap();
    created.id
}
