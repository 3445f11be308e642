//! `cargo bench --bench broadcast [-- 30|1000]`: a community notice to 10,000
//! owners through the emulator with Telegram's limits on (the allowed rate
//! overall, 1 message a second per chat), at 30 and at 1,000 messages a
//! second, while owners confirm repairs and the assignees' cards go out.
//!
//! - The 10,000 owners are seeded in the database (users, units, residents)
//!   and registered with the emulator as having written to the bot; nothing
//!   else is faked: the notice is created by the admin through
//!   `services::notices::create` (the Send button's use case), which writes
//!   the outbox rows the real sender delivers to the emulator.
//! - Rate: broadcast messages the emulator accepted between the first and the
//!   last (first send → last send), and the same without the first and the
//!   last second (the steady state), ÷ the allowed rate.
//! - 429s: every refusal the emulator's flood limits answered, in all, and
//!   after the first second of the broadcast.
//! - Duplicates and losses: the notice's text counted in each recipient's
//!   chat in the emulator (> 1, 0).
//! - Repair latency: 60 owners (in another community, so the notice does not
//!   reach them) each bring a repair to its summary before the broadcast; while
//!   it runs one of them presses Confirm every interval, timed until the
//!   assignee's card (one of 10 plumbers, outbox → sender) is in their chat.

#[allow(dead_code)]
#[path = "../tests/it/support.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use propdesk::clock::Clock as _;
use propdesk::delivery::limits::SendLimits;
use propdesk::domain::notice::{Audience, Bodies, NoticeKind};
use propdesk::domain::{Category, PhoneNumber, Relation, Trade, UnitAddress, Urgency};
use propdesk::i18n::Text;
use propdesk::sandbox::emulator::{EmuUser, Limits};
use propdesk::services::{notices, people, sla_watch};
use propdesk::store;
use support::{ADMIN, Person, TestApp, unit};

/// Recipients of the notice.
const OWNERS: i64 = 10_000;
const FIRST_OWNER: i64 = 5_000_000;
/// Owners who confirm a repair while the broadcast runs (one sample each).
const SAMPLES: usize = 60;
const PLUMBERS: i64 = 10;
const NOTICE: &str = "【停水通知】明天 08:00–12:00 全小区停水检修，请提前储水。";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Filing up to the summary, with a description that names the sample.
async fn to_summary(owner: &Person, description: &str) {
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

/// An owner on the samples' community roster, bound, at the summary of a repair.
async fn sample_owner(app: &TestApp, i: usize) -> Person {
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

fn description(i: usize) -> String {
    format!("卫生间地漏返水（样本 {i}）")
}

/// Presses Confirm and times it until some plumber's chat shows the card.
async fn sample(owner: Person, i: usize, plumbers: Vec<Person>) -> Duration {
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
    futures::future::select_ok(waits).await.unwrap_or_else(|e| panic!("sample {i}: no card: {e}"));
    pressed.elapsed()
}

struct Figures {
    rate: u32,
    delivered: usize,
    span: Duration,
    overall_rate: f64,
    steady_rate: f64,
    all_sends_rate: f64,
    refused: usize,
    refused_after_first_second: usize,
    refused_broadcast: usize,
    duplicates: usize,
    losses: usize,
    outbox: String,
    latencies: Vec<Duration>,
    interval: Duration,
    setup: Duration,
}

async fn run(rate: u32) -> Figures {
    let started = Instant::now();
    let app = TestApp::spawn_with_limits(SendLimits::telegram(rate)).await;
    let admin = app.admin().await;
    // The notice's community comes first (the admin's, as the first one).
    let community = {
        let mut conn = app.pool.acquire().await.unwrap();
        store::roster::community_id_by_name_or_create(&mut conn, "测试小区").await.unwrap()
    };
    let mut plumbers = Vec::new();
    for i in 0..PLUMBERS {
        plumbers.push(app.staff(3_000 + i, &format!("水工{i}"), Trade::Plumbing, false).await);
    }
    let mut owners = vec![sample_owner(&app, 0).await];
    owners.extend(futures::future::join_all((1..SAMPLES).map(|i| sample_owner(&app, i))).await);
    {
        let mut conn = app.pool.acquire().await.unwrap();
        store::testdb::seed_owners(&mut conn, community, FIRST_OWNER, OWNERS).await.unwrap();
    }
    app.emu.register_started_users(
        (FIRST_OWNER..FIRST_OWNER + OWNERS).map(|id| EmuUser::new(id, &format!("业主{}", id - FIRST_OWNER))),
    );
    let setup = started.elapsed();
    eprintln!("broadcast {rate}/s: set up in {:.1} s; sending", setup.as_secs_f64());

    app.emu.set_limits(Some(Limits { per_chat_per_sec: 1, global_per_sec: rate }));
    let notice_id = {
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
        let created = notices::create(&mut tx, &actor, &spec, None, &clock).await.unwrap().expect("the notice is sent");
        assert_eq!(created.reach, OWNERS, "the notice reaches the seeded owners only");
        tx.commit().await.unwrap();
        created.id
    };

    // Samples while it runs: the whole broadcast lasts OWNERS / rate seconds.
    let expected = Duration::from_secs_f64(OWNERS as f64 / f64::from(rate));
    let interval = Duration::from_millis(500).min(expected.mul_f64(0.8) / SAMPLES as u32);
    let mut tasks = Vec::new();
    let mut tick = tokio::time::interval(interval);
    tick.tick().await;
    for (i, owner) in owners.into_iter().enumerate() {
        tick.tick().await;
        tasks.push(tokio::spawn(sample(owner, i, plumbers.clone())));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    latencies.sort();

    let deadline = Instant::now() + expected * 2 + Duration::from_secs(60);
    let unsettled =
        format!("SELECT count(*) FROM outbox WHERE notice_id = {notice_id} AND state IN ('pending', 'sending')");
    while app.count(&unsettled).await > 0 {
        assert!(Instant::now() < deadline, "the broadcast did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let outbox: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT state, count(*) FROM outbox WHERE notice_id = {notice_id} AND kind = 'notice' GROUP BY state ORDER BY state"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let outbox = outbox.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ");

    let is_recipient = |chat: i64| (FIRST_OWNER..FIRST_OWNER + OWNERS).contains(&chat);
    let log = app.emu.send_log();
    let accepted: Vec<Instant> = log.iter().filter(|r| !r.refused && is_recipient(r.chat_id)).map(|r| r.at).collect();
    let first = *accepted.iter().min().expect("something was sent");
    let last = *accepted.iter().max().unwrap();
    let span = last - first;
    let secs = span.as_secs_f64().max(1e-9);
    let overall_rate = (accepted.len() - 1) as f64 / secs;
    let inner = (first + Duration::from_secs(1), last - Duration::from_secs(1));
    let steady = accepted.iter().filter(|t| **t >= inner.0 && **t <= inner.1).count();
    let steady_rate = steady as f64 / (secs - 2.0).max(1e-9);
    let all_sends = log.iter().filter(|r| !r.refused && r.at >= first && r.at <= last).count();
    let refused: Vec<_> = log.iter().filter(|r| r.refused).collect();
    let refused_after_first_second = refused.iter().filter(|r| r.at > first + Duration::from_secs(1)).count();
    let refused_broadcast = refused.iter().filter(|r| is_recipient(r.chat_id)).count();

    let mut per_recipient: HashMap<i64, usize> = HashMap::new();
    for id in FIRST_OWNER..FIRST_OWNER + OWNERS {
        let n = app.emu.bot_messages(id).iter().filter(|m| m.text.as_deref() == Some(NOTICE)).count();
        per_recipient.insert(id, n);
    }
    let duplicates = per_recipient.values().filter(|n| **n > 1).count();
    let losses = per_recipient.values().filter(|n| **n == 0).count();
    drop(admin);
    app.stop().await;
    Figures {
        rate,
        delivered: accepted.len(),
        span,
        overall_rate,
        steady_rate,
        all_sends_rate: all_sends as f64 / secs,
        refused: refused.len(),
        refused_after_first_second,
        refused_broadcast,
        duplicates,
        losses,
        outbox,
        latencies,
        interval,
        setup,
    }
}

fn report(f: &Figures) {
    let r = f64::from(f.rate);
    let l = &f.latencies;
    let p = |name: &str, value: String| println!("broadcast {:>4}/s: {name:<52} {value}", f.rate);
    p("recipients (seeded owners) / set-up time", format!("{OWNERS} / {:.1} s", f.setup.as_secs_f64()));
    p("broadcast messages accepted by the emulator", f.delivered.to_string());
    p("first send → last send", format!("{:.2} s", f.span.as_secs_f64()));
    p("rate, first → last send (÷ allowed)", format!("{:.1}/s ({:.3})", f.overall_rate, f.overall_rate / r));
    p(
        "rate, steady state: without 1st and last s (÷ allowed)",
        format!("{:.1}/s ({:.3})", f.steady_rate, f.steady_rate / r),
    );
    p(
        "all sends in that window incl. repairs (÷ allowed)",
        format!("{:.1}/s ({:.3})", f.all_sends_rate, f.all_sends_rate / r),
    );
    p(
        "429s: all / after the first second / to recipients",
        format!("{} / {} / {}", f.refused, f.refused_after_first_second, f.refused_broadcast),
    );
    p("duplicates (recipients with > 1)", f.duplicates.to_string());
    p("losses (recipients with 0)", f.losses.to_string());
    p("outbox rows of the notice", f.outbox.clone());
    p(
        &format!("repair Confirm → card, {} samples every {} ms", l.len(), f.interval.as_millis()),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(percentile(l, 0.5)),
            ms(percentile(l, 0.99)),
            ms(*l.last().unwrap())
        ),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rates: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rates = if rates.is_empty() { vec![30, 1000] } else { rates };
    let mut all = Vec::new();
    for rate in rates {
        let figures = run(rate).await;
        report(&figures);
        all.push(figures);
    }
    if all.len() > 1 {
        println!();
        for f in &all {
            report(f);
        }
    }
}
