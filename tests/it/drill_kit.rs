//! Fault drills, shared by the test suite (`tests/it/drills.rs`, small) and
//! `cargo bench --bench drills` (full scale).
//!
//! The bot runs as a real child process (`propdesk run`) against the Bot API
//! emulator in this process, which keeps running across kills and keeps
//! unconfirmed updates, as Telegram does. Owners (seeded in the database,
//! bound to a unit each) file a repair step by step while a notice is
//! broadcast to the whole community; the drill kills the bot with SIGKILL at
//! seeded-random moments and starts it again.
//!
//! A step of the dialogue is the prompt an owner sees (1 the categories … 7
//! the summary, 8 the ticket number); an owner sends the input for the step
//! they are at and waits for the next prompt. While the bot is dead the
//! drill compares, owner by owner, the last prompt in the chat with the step
//! saved in the database: equal, or the database one step ahead (the update
//! was committed and the bot died before its replies went out: they are kept
//! in the outbox with the commit and sent after the restart, and the owner
//! waits for them; one the dead bot had sent but not yet marked comes twice).
//! Anything else fails the drill.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use propdesk::config::Settings;
use propdesk::delivery::sender::MAX_ATTEMPTS;
use propdesk::domain::callback::FilingOp;
use propdesk::domain::notice::{Audience, Bodies, NoticeKind};
use propdesk::domain::{CallbackData, Category, Trade, Urgency};
use propdesk::i18n::{Locale, Text};
use propdesk::sandbox::emulator::{Chaos, ChatMessage, EmuUser, Emulator};
use propdesk::services::{notices, people, sla_watch};
use propdesk::store::{self, users::Seen};
use rand::{Rng, SeedableRng};
use sqlx::PgPool;
use tokio::sync::Notify;

pub const TOKEN: &str = "4242:DRILL";
pub const ADMIN: i64 = 900_001;
pub const FIRST_OWNER: i64 = 5_000_000;
pub const FIRST_PLUMBER: i64 = 3_000;
/// Plumbers: one per `TICKETS_PER_PLUMBER` dialogues, at least 4. Their
/// cards keep Telegram's 20 a minute per chat (a plumber with 250 cards would
/// take 12 minutes, and hold up the broadcast's round meanwhile).
const TICKETS_PER_PLUMBER: i64 = 10;
pub const NOTICE: &str = "【停水通知】明天 08:00–12:00 全小区停水检修，请提前储水。";
/// The sender's lanes (`delivery::sender::LANES`): at most this
/// many outbox sends are in flight when the bot dies.
pub const SENDER_LANES: usize = propdesk::delivery::sender::LANES;
/// The last step: the ticket number is shown.
const DONE: u8 = 8;

/// The bot as a child process, its log lines (stderr) collected.
pub struct BotProcess {
    child: Child,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl BotProcess {
    /// `propdesk run` against `db_url` and the emulator at `api_url`, waited
    /// for until it says it is running.
    pub fn start(db_url: &str, api_url: &str, rate_per_sec: u32) -> BotProcess {
        // PROPDESK_BIN: a copy of the binary, for a bench run from a target
        // dir others build into.
        let program = std::env::var("PROPDESK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_propdesk").to_owned());
        let mut child = Command::new(program)
            .arg("run")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", db_url)
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", api_url)
            .env("ADMIN_TELEGRAM_IDS", ADMIN.to_string())
            .env("WEBHOOK_LISTEN", "127.0.0.1:0")
            .env("SEND_RATE_PER_SEC", rate_per_sec.to_string())
            .env("LOG_LEVEL", "info")
            .env("LOG_FORMAT", "json")
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("propdesk starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let mut bot = BotProcess { child, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !bot.logged("propdesk is running") {
            if let Some(status) = bot.child.try_wait().unwrap() {
                panic!("propdesk exited with {status} while starting:\n{}", bot.log_text());
            }
            assert!(Instant::now() < deadline, "propdesk did not start:\n{}", bot.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
        bot
    }

    pub fn logged(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    /// Still running (not exited, not restarting itself).
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL, and wait until it is gone.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed bot is reaped");
    }

    /// SIGTERM, and wait for the graceful stop.
    pub fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::SIGTERM).expect("SIGTERM");
        self.child.wait().expect("the bot stops");
    }
}

/// A drill that fails part-way leaves no bot behind.
impl Drop for BotProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A community seeded for a drill: `owners` owners (the first `dialogues` of
/// them file repairs), plumbers, the admin; all known to the emulator as
/// having written to the bot.
pub struct Community {
    pub emu: Emulator,
    pub api_url: String,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub owners: i64,
    pub dialogues: i64,
    pub plumbers: i64,
    /// Each dialogue owner's unit.
    pub units: HashMap<i64, i64>,
}

impl Community {
    pub async fn seed(pool: PgPool, owners: i64, dialogues: i64) -> Community {
        assert!(dialogues <= owners);
        let emu = Emulator::new(TOKEN, "propdesk_drill_bot");
        let api_url = emu.spawn(0).await.expect("the emulator starts").to_string();
        let mut settings = Settings::for_local();
        settings.admin_ids = vec![ADMIN];
        let mut conn = pool.acquire().await.unwrap();
        let community = store::roster::community_id_by_name_or_create(&mut conn, "测试小区").await.unwrap();
        store::testdb::seed_owners(&mut conn, community, FIRST_OWNER, owners).await.unwrap();
        let seen = |id: i64, name: &'static str| Seen {
            telegram_id: id,
            first_name: name,
            last_name: None,
            username: None,
            guessed_locale: Locale::ZhCn,
        };
        store::users::record_seen(&mut conn, seen(ADMIN, "管理员")).await.unwrap();
        let plumbers = (dialogues / TICKETS_PER_PLUMBER).max(4);
        for i in 0..plumbers {
            store::users::record_seen(&mut conn, seen(FIRST_PLUMBER + i, "水工")).await.unwrap();
            store::staff::enlist(&mut conn, FIRST_PLUMBER + i, &format!("水工{i}"), Trade::Plumbing, false, None)
                .await
                .unwrap();
        }
        let units: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT telegram_id, unit_id FROM unit_residents WHERE telegram_id >= $1 AND telegram_id < $2",
        )
        .bind(FIRST_OWNER)
        .bind(FIRST_OWNER + dialogues)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        let mut people: Vec<EmuUser> =
            (0..owners).map(|n| EmuUser::new(FIRST_OWNER + n, &format!("业主{n}")).with_language("zh-hans")).collect();
        people.extend((0..plumbers).map(|i| EmuUser::new(FIRST_PLUMBER + i, "水工").with_language("zh-hans")));
        people.push(EmuUser::new(ADMIN, "管理员").with_language("zh-hans"));
        emu.register_started_users(people);
        Community {
            emu,
            api_url,
            pool,
            settings: Arc::new(settings),
            owners,
            dialogues,
            plumbers,
            units: units.into_iter().collect(),
        }
    }

    pub fn dialogue_owners(&self) -> impl Iterator<Item = i64> + use<> {
        FIRST_OWNER..FIRST_OWNER + self.dialogues
    }

    pub fn plumbers(&self) -> impl Iterator<Item = i64> + use<> {
        FIRST_PLUMBER..FIRST_PLUMBER + self.plumbers
    }

    /// The admin sends `NOTICE` to the whole community now (the Send
    /// button's use case); returns the notice's id.
    pub async fn broadcast(&self) -> i64 {
        let mut tx = self.pool.begin().await.unwrap();
        let user = store::users::get(&mut tx, ADMIN).await.unwrap().expect("the admin is a user");
        let actor = people::load(&mut tx, user, &self.settings).await.unwrap();
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
        let clock = sla_watch::notice_clock(&self.settings, chrono::Utc::now());
        let created = notices::create(&mut tx, &actor, &spec, None, &clock, propdesk::domain::Markup::None)
            .await
            .unwrap()
            .expect("the notice goes out");
        assert_eq!(created.reach, self.owners, "the notice reaches every seeded owner");
        tx.commit().await.unwrap();
        created.id
    }
}

// --- the dialogue ---

fn zh(text: Text) -> String {
    text.render(Locale::ZhCn)
}

fn press(op: FilingOp) -> String {
    CallbackData::Filing(op).encode()
}

/// The description of an owner's repair: names the owner, so the assignee's
/// card can be counted per ticket.
pub fn description(owner: i64) -> String {
    format!("水龙头一直滴水（{owner}号）")
}

enum Input {
    Text(String),
    Press(String),
}

/// What an owner at `step` sends.
fn input(step: u8, owner: i64, unit_id: i64) -> Input {
    match step {
        0 => Input::Text(zh(Text::new("menu-repair"))),
        1 => Input::Press(press(FilingOp::Category(Category::Plumbing))),
        2 => Input::Press(press(FilingOp::Unit(unit_id))),
        3 => Input::Text(description(owner)),
        4 => Input::Press(press(FilingOp::PhotosDone)),
        5 => Input::Press(press(FilingOp::Urgency(Urgency::Routine))),
        6 => Input::Press(press(FilingOp::Window(0))),
        _ => Input::Press(press(FilingOp::Confirm)),
    }
}

/// The prompts, by the step they show (1..=8).
pub struct Prompts {
    category: String,
    place: String,
    description: String,
    photos: String,
    urgency: String,
    window: String,
    /// The summary's first line (its Confirm button goes once pressed).
    summary_prefix: String,
    filed_prefix: String,
}

impl Prompts {
    pub fn new() -> Prompts {
        let first_line = |text: Text| zh(text).lines().next().unwrap_or_default().to_owned();
        let filed = Text::new("repair-filed").arg("number", "").arg("due", "").arg("who", "");
        let summary = Text::new("repair-summary")
            .arg("category", "")
            .arg("place", "")
            .arg("description", "")
            .arg("photos", 0usize)
            .arg("urgency", "")
            .arg("window", "");
        Prompts {
            category: zh(Text::new("repair-ask-category")),
            place: zh(Text::new("repair-ask-place")),
            description: zh(Text::new("repair-ask-description")),
            photos: zh(Text::new("repair-ask-photos").arg("max", 5usize)),
            urgency: zh(Text::new("repair-ask-urgency")),
            window: zh(Text::new("repair-ask-window")),
            summary_prefix: first_line(summary),
            filed_prefix: first_line(filed),
        }
    }

    /// The step a bot message shows, if it is a prompt.
    pub fn step_of(&self, m: &ChatMessage) -> Option<u8> {
        let text = m.text.as_deref()?;
        let step = if text == self.category {
            1
        } else if text == self.place {
            2
        } else if text == self.description {
            3
        } else if text == self.photos {
            4
        } else if text.ends_with(&self.urgency) {
            5
        } else if text == self.window {
            6
        } else if text.starts_with(&self.summary_prefix) {
            7
        } else if text.starts_with(&self.filed_prefix) {
            8
        } else {
            return None;
        };
        Some(step)
    }

    /// The steps the chat's bot messages showed, in order.
    pub fn shown(&self, emu: &Emulator, chat: i64) -> Vec<u8> {
        emu.bot_messages(chat).iter().filter_map(|m| self.step_of(m)).collect()
    }
}

/// The step an owner's dialogue is at, as the database says.
async fn saved_step(pool: &PgPool, owner: i64) -> u8 {
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets WHERE reporter_id = $1")
        .bind(owner)
        .fetch_one(pool)
        .await
        .unwrap();
    if tickets > 0 {
        return DONE;
    }
    let state: Option<serde_json::Value> = sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
        .bind(owner)
        .fetch_optional(pool)
        .await
        .unwrap();
    let Some(state) = state else { return 0 };
    if state["state"] != "filing" {
        return 0;
    }
    match state["step"].as_str().unwrap_or_default() {
        "category" => 1,
        "place" => 2,
        "description" => 3,
        "photos" => 4,
        "urgency" => 5,
        "window" => 6,
        "confirm" => 7,
        other => panic!("owner {owner} is at an unexpected step {other:?}: {state}"),
    }
}

/// One owner going through the dialogue.
struct Owner {
    id: i64,
    unit_id: i64,
    /// The step the owner knows they are at (the last prompt they saw, or
    /// where the drill told them they stand).
    step: AtomicU8,
    /// Set by the drill after a kill lost the prompt the owner waits for.
    told: Mutex<Option<u8>>,
    /// The last step the drill told them they stand at (0: never told).
    told_step: AtomicU8,
    wake: Notify,
}

async fn drive(emu: Emulator, prompts: Arc<Prompts>, owner: Arc<Owner>, wait: Duration) {
    loop {
        let step = owner.step.load(Ordering::SeqCst);
        if step >= DONE {
            return;
        }
        let before = emu.seq();
        match input(step, owner.id, owner.unit_id) {
            Input::Text(text) => {
                emu.send_text(owner.id, &text);
            }
            Input::Press(data) => {
                // On the latest message with buttons, as a person presses
                // (the notice may have come after the prompt).
                let on = emu
                    .bot_messages(owner.id)
                    .iter()
                    .rev()
                    .find(|m| !m.deleted && m.inline_keyboard.is_some())
                    .map_or(1, |m| m.message_id);
                emu.press_inline(owner.id, on, &data);
            }
        }
        let want = step + 1;
        let p = prompts.clone();
        let next = emu.wait_for_bot_message(owner.id, before, move |m| p.step_of(m) == Some(want), wait);
        tokio::select! {
            shown = next => {
                shown.unwrap_or_else(|e| panic!("owner {} at step {step}: {e}", owner.id));
                owner.step.store(want, Ordering::SeqCst);
            }
            _ = owner.wake.notified() => {
                let told = owner.told.lock().unwrap().take().expect("told where they stand");
                owner.step.store(told, Ordering::SeqCst);
            }
        }
    }
}

/// What one kill found.
#[derive(Debug, Default, Clone)]
pub struct KillReport {
    /// sendMessage requests the emulator had received when the bot was killed.
    pub at_sends: usize,
    /// Owners whose saved step equals the last prompt they saw.
    pub consistent: usize,
    /// Owners whose saved step is one ahead with the reply kept in the
    /// outbox: committed, not yet shown, sent after the restart.
    pub replies_in_flight: usize,
    /// Owners whose saved step is one ahead and no reply is kept: lost.
    pub replies_lost: usize,
    /// Direct-reply rows claimed when the bot died: each may arrive twice.
    pub claimed_replies: usize,
    /// Outbox rows claimed ('sending') when the bot died: sent or not, the
    /// sender does not know; they go out again.
    pub claimed: usize,
    /// Recipients of those rows.
    pub claimed_chats: Vec<i64>,
    /// Duplicates found at the end among `claimed_chats`.
    pub duplicates: usize,
    /// Seconds from SIGKILL until the restarted bot said it was running.
    pub restart_secs: f64,
}

pub struct KillDrill {
    pub owners: i64,
    pub dialogues: i64,
    pub kills: usize,
    pub seed: u64,
    pub rate_per_sec: u32,
    /// Longest wait for one prompt (through kills and restarts).
    pub wait: Duration,
    /// Telegram failing requests meanwhile, aimed at the notification and
    /// broadcast recipients (the plumbers and the owners not in a dialogue:
    /// a direct reply that fails is logged and not retried, by design).
    pub chaos: Option<Chaos>,
}

#[derive(Debug)]
pub struct KillFigures {
    pub kills: Vec<KillReport>,
    pub elapsed: Duration,
    pub updates_sent: i64,
    pub inbox_rows: i64,
    pub inbox_unhandled: i64,
    pub updates_missing: usize,
    pub tickets: i64,
    pub owners_without_ticket: usize,
    pub owners_with_more_tickets: usize,
    /// Owners whose prompts repeat or go backwards (an update acted twice).
    pub owners_out_of_order: usize,
    /// Prompts never shown, in all (each one a lost direct reply).
    pub prompts_missing: usize,
    /// Prompts shown twice in a row (a direct reply sent again after a kill).
    pub reply_duplicates: usize,
    pub expired_button_alerts: usize,
    pub notice_losses: usize,
    pub notice_duplicates: usize,
    pub cards_missing: usize,
    pub card_duplicates: usize,
    pub duplicates_outside_claimed: usize,
    pub max_duplicates_per_chat: usize,
    pub outbox: String,
    pub chaos: Option<ChaosFigures>,
    pub lines: Vec<String>,
}

impl KillDrill {
    pub async fn run(&self, pool: PgPool, db_url: &str) -> KillFigures {
        let started = Instant::now();
        let community = Community::seed(pool.clone(), self.owners, self.dialogues).await;
        let emu = community.emu.clone();
        let prompts = Arc::new(Prompts::new());
        let chaos_chats: Vec<i64> =
            community.plumbers().chain(FIRST_OWNER + self.dialogues..FIRST_OWNER + self.owners).collect();
        if let Some(chaos) = &self.chaos {
            emu.set_chaos(Some(chaos.clone().only_chats(chaos_chats.clone())));
        }
        let mut bot = Some(BotProcess::start(db_url, &community.api_url, self.rate_per_sec));
        let notice_id = community.broadcast().await;

        let owners: Vec<Arc<Owner>> = community
            .dialogue_owners()
            .map(|id| {
                Arc::new(Owner {
                    id,
                    unit_id: community.units[&id],
                    step: AtomicU8::new(0),
                    told: Mutex::new(None),
                    told_step: AtomicU8::new(0),
                    wake: Notify::new(),
                })
            })
            .collect();
        let drivers: Vec<_> =
            owners.iter().map(|o| tokio::spawn(drive(emu.clone(), prompts.clone(), o.clone(), self.wait))).collect();

        // The moments: sendMessage counts spread over the expected traffic
        // (9 messages a dialogue, 1 per recipient of the notice).
        let expected = (self.dialogues * 9 + self.owners) as usize;
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed);
        let mut moments: Vec<usize> =
            (0..self.kills).map(|_| rng.random_range(expected / 10..expected * 8 / 10)).collect();
        moments.sort_unstable();
        let mut kills = Vec::new();
        for at in moments {
            while emu.request_count("sendMessage") < at {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let killed_at = Instant::now();
            bot.take().expect("running").kill();
            let mut report = self.inspect(&community, &prompts, &owners).await;
            report.at_sends = emu.request_count("sendMessage");
            bot = Some(BotProcess::start(db_url, &community.api_url, self.rate_per_sec));
            report.restart_secs = killed_at.elapsed().as_secs_f64();
            kills.push(report);
        }
        for driver in drivers {
            if let Err(err) = driver.await {
                // What the bot said last, to tell why an owner waited in vain.
                let log = bot.as_ref().map(|b| b.log.lock().unwrap().clone()).unwrap_or_default();
                let tail = log.iter().rev().take(60).rev().cloned().collect::<Vec<_>>().join("\n");
                panic!("an owner did not finish ({err}); the bot's last log lines:\n{tail}");
            }
        }
        let deadline = Instant::now() + self.wait * 4;
        let unsettled = "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')";
        while count(&pool, unsettled).await > 0 {
            assert!(Instant::now() < deadline, "the outbox did not settle");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let elapsed = started.elapsed();
        let chaos = match &self.chaos {
            Some(_) => Some(ChaosFigures::measure(&community, &chaos_chats).await),
            None => None,
        };
        bot.take().expect("running").stop();
        let mut figures = self.figures(&community, &prompts, notice_id, kills, elapsed).await;
        if let Some(chaos) = chaos {
            figures.lines.extend(chaos.lines(&format!("chaos drill {}/{}", self.dialogues, self.owners)));
            figures.chaos = Some(chaos);
        }
        figures
    }

    /// With the bot dead: each owner's saved step against the last prompt in
    /// their chat; tells the owners whose prompt was lost where they stand.
    async fn inspect(&self, community: &Community, prompts: &Prompts, owners: &[Arc<Owner>]) -> KillReport {
        let mut report = KillReport::default();
        for owner in owners {
            // What the chat shows, or where they were told they stand.
            let shown = prompts.shown(&community.emu, owner.id).last().copied().unwrap_or(0);
            let seen = shown.max(owner.told_step.load(Ordering::SeqCst));
            let saved = saved_step(&community.pool, owner.id).await;
            if saved == seen {
                report.consistent += 1;
            } else if saved == seen + 1 && replies_kept(&community.pool, owner.id).await > 0 {
                // The restarted bot sends it: the owner goes on waiting for it.
                report.replies_in_flight += 1;
            } else if saved == seen + 1 {
                report.replies_lost += 1;
                *owner.told.lock().unwrap() = Some(saved);
                owner.told_step.store(saved, Ordering::SeqCst);
                owner.wake.notify_one();
            } else {
                let chat: Vec<String> = community.emu.messages(owner.id).iter().map(|m| m.summary()).collect();
                panic!(
                    "owner {} saw step {seen} but the database saved step {saved}; the chat:\n{}",
                    owner.id,
                    chat.join("\n")
                );
            }
        }
        report.claimed_chats = sqlx::query_scalar("SELECT chat_id FROM outbox WHERE state = 'sending'")
            .fetch_all(&community.pool)
            .await
            .unwrap();
        report.claimed = report.claimed_chats.len();
        report.claimed_replies = count(
            &community.pool,
            "SELECT count(*) FROM outbox WHERE state = 'sending' AND reply_of IS NOT NULL",
        )
        .await as usize;
        report
    }

    async fn figures(
        &self,
        community: &Community,
        prompts: &Prompts,
        notice_id: i64,
        mut kills: Vec<KillReport>,
        elapsed: Duration,
    ) -> KillFigures {
        let emu = &community.emu;
        let pool = &community.pool;
        let updates_sent = emu.last_update_id();
        let stored: HashSet<i64> =
            sqlx::query_scalar("SELECT update_id FROM inbox").fetch_all(pool).await.unwrap().into_iter().collect();
        let updates_missing = (1..=updates_sent).filter(|id| !stored.contains(id)).count();
        let inbox_unhandled = count(pool, "SELECT count(*) FROM inbox WHERE handled_at IS NULL").await;

        let tickets_by_owner: BTreeMap<i64, i64> =
            sqlx::query_as("SELECT reporter_id, count(*) FROM tickets GROUP BY reporter_id")
                .fetch_all(pool)
                .await
                .unwrap()
                .into_iter()
                .collect();
        let dialogue_owners: Vec<i64> = community.dialogue_owners().collect();
        let ticket_count = |o: &i64| tickets_by_owner.get(o).copied().unwrap_or(0);
        let owners_without_ticket = dialogue_owners.iter().filter(|o| ticket_count(o) == 0).count();
        let owners_with_more_tickets = dialogue_owners.iter().filter(|o| ticket_count(o) > 1).count();
        let (mut owners_out_of_order, mut prompts_missing, mut reply_duplicates) = (0, 0, 0);
        for owner in &dialogue_owners {
            let mut shown = prompts.shown(emu, *owner);
            // A prompt shown twice in a row: a reply the dead bot had sent and
            // not yet marked, sent again after the restart.
            let before = shown.len();
            shown.dedup();
            reply_duplicates += before - shown.len();
            if shown.windows(2).any(|w| w[1] <= w[0]) {
                owners_out_of_order += 1;
            }
            prompts_missing += DONE as usize - shown.len().min(DONE as usize);
        }
        let expired = zh(Text::new("error-button-expired"));
        let expired_button_alerts =
            emu.callback_answers().iter().filter(|a| a.text.as_deref() == Some(expired.as_str())).count();

        let mut duplicates: HashMap<i64, usize> = HashMap::new();
        let (mut notice_losses, mut notice_duplicates) = (0, 0);
        for chat in FIRST_OWNER..FIRST_OWNER + community.owners {
            let n = emu.bot_messages(chat).iter().filter(|m| m.text.as_deref() == Some(NOTICE)).count();
            match n {
                0 => notice_losses += 1,
                1 => {}
                n => {
                    notice_duplicates += n - 1;
                    *duplicates.entry(chat).or_default() += n - 1;
                }
            }
        }
        let plumber_texts: Vec<(i64, String)> = community
            .plumbers()
            .flat_map(|p| emu.bot_messages(p).into_iter().filter_map(move |m| Some((p, m.text?))))
            .collect();
        let (mut cards_missing, mut card_duplicates) = (0, 0);
        for owner in &dialogue_owners {
            let tag = description(*owner);
            let cards: Vec<i64> = plumber_texts.iter().filter(|(_, t)| t.contains(&tag)).map(|(p, _)| *p).collect();
            match cards.len() {
                0 => cards_missing += 1,
                1 => {}
                n => {
                    card_duplicates += n - 1;
                    *duplicates.entry(cards[0]).or_default() += n - 1;
                }
            }
        }
        let mut outside = duplicates.values().sum::<usize>();
        for kill in &mut kills {
            let claimed: HashSet<i64> = kill.claimed_chats.iter().copied().collect();
            kill.duplicates = duplicates.iter().filter(|(c, _)| claimed.contains(c)).map(|(_, n)| *n).sum();
        }
        let all_claimed: HashSet<i64> = kills.iter().flat_map(|k| k.claimed_chats.iter().copied()).collect();
        outside -= duplicates.iter().filter(|(c, _)| all_claimed.contains(c)).map(|(_, n)| *n).sum::<usize>();
        let max_duplicates_per_chat = duplicates.values().copied().max().unwrap_or(0);

        let outbox: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")
                .fetch_all(pool)
                .await
                .unwrap();
        let outbox = outbox.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ");
        let tickets = tickets_by_owner.values().sum();
        let mut f = KillFigures {
            kills,
            elapsed,
            updates_sent,
            inbox_rows: stored.len() as i64,
            inbox_unhandled,
            updates_missing,
            tickets,
            owners_without_ticket,
            owners_with_more_tickets,
            owners_out_of_order,
            prompts_missing,
            reply_duplicates,
            expired_button_alerts,
            notice_losses,
            notice_duplicates,
            cards_missing,
            card_duplicates,
            duplicates_outside_claimed: outside,
            max_duplicates_per_chat,
            outbox,
            chaos: None,
            lines: Vec::new(),
        };
        f.lines = self.lines(&f, notice_id);
        f
    }

    fn lines(&self, f: &KillFigures, notice_id: i64) -> Vec<String> {
        let kind = if self.chaos.is_some() { "chaos drill" } else { "kill drill" };
        let name = format!("{kind} {}/{}", self.dialogues, self.owners);
        let mut lines = vec![
            format!(
                "{name}: dialogue owners / notice recipients / kills / seed   {} / {} / {} / {}",
                self.dialogues, self.owners, self.kills, self.seed
            ),
            format!("{name}: wall time (seed → all settled)                       {:.1} s", f.elapsed.as_secs_f64()),
        ];
        for (i, k) in f.kills.iter().enumerate() {
            lines.push(format!(
                "{name}: kill {} at sendMessage #{}: owners consistent {} / replies committed and unsent: kept {}, lost {} / outbox rows in flight {} (replies {}) → notification duplicates {} / back up in {:.2} s",
                i + 1, k.at_sends, k.consistent, k.replies_in_flight, k.replies_lost, k.claimed, k.claimed_replies, k.duplicates, k.restart_secs
            ));
        }
        lines.extend([
            format!(
                "{name}: updates sent / stored in the inbox / not stored / unhandled   {} / {} / {} / {}",
                f.updates_sent, f.inbox_rows, f.updates_missing, f.inbox_unhandled
            ),
            format!(
                "{name}: tickets / owners without / owners with more than one   {} / {} / {}",
                f.tickets, f.owners_without_ticket, f.owners_with_more_tickets
            ),
            format!(
                "{name}: owners whose prompts repeat or go back / button-expired alerts   {} / {}",
                f.owners_out_of_order, f.expired_button_alerts
            ),
            format!(
                "{name}: prompts never shown (lost direct replies) / shown twice (replies sent again)   {} / {}",
                f.prompts_missing, f.reply_duplicates
            ),
            format!(
                "{name}: notice {notice_id}: recipients without / extra copies           {} / {}",
                f.notice_losses, f.notice_duplicates
            ),
            format!(
                "{name}: assignee cards missing / extra copies                 {} / {}",
                f.cards_missing, f.card_duplicates
            ),
            format!(
                "{name}: duplicates outside the rows in flight at a kill / max per chat   {} / {}",
                f.duplicates_outside_claimed, f.max_duplicates_per_chat
            ),
            format!("{name}: outbox rows                                            {}", f.outbox),
        ]);
        lines
    }
}

impl KillFigures {
    /// The drill's targets; panics with the figures on the first one missed.
    pub fn check(&self, kills: usize) {
        let all = self.lines.join("\n");
        assert_eq!(self.kills.len(), kills, "{all}");
        assert_eq!(self.updates_missing, 0, "no update lost:\n{all}");
        assert_eq!(self.inbox_unhandled, 0, "every update handled:\n{all}");
        assert_eq!(self.owners_without_ticket, 0, "every dialogue finished:\n{all}");
        assert_eq!(self.owners_with_more_tickets, 0, "none handled twice:\n{all}");
        assert_eq!(self.owners_out_of_order, 0, "dialogue steps in order, none repeated:\n{all}");
        assert_eq!(self.expired_button_alerts, 0, "every owner resumed at their step:\n{all}");
        let lost: usize = self.kills.iter().map(|k| k.replies_lost).sum();
        assert_eq!(lost + self.prompts_missing, 0, "no direct reply lost:\n{all}");
        let in_flight: usize = self.kills.iter().map(|k| k.claimed_replies).sum();
        assert!(self.reply_duplicates <= in_flight, "replies sent twice only from those in flight at a kill:\n{all}");
        assert_eq!(self.notice_losses + self.cards_missing, 0, "every notification delivered:\n{all}");
        assert_eq!(self.duplicates_outside_claimed, 0, "duplicates only from rows in flight at a kill:\n{all}");
        for k in &self.kills {
            assert!(k.duplicates <= SENDER_LANES, "at most one per lane per kill:\n{all}");
        }
        assert!(self.max_duplicates_per_chat <= kills, "at most one per chat per kill:\n{all}");
        assert!(!self.outbox.contains("dead") && !self.outbox.contains("pending"), "{all}");
    }
}

/// The direct replies to `owner` kept and not yet sent.
async fn replies_kept(pool: &PgPool, owner: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE chat_id = $1 AND reply_of IS NOT NULL AND state IN ('pending', 'sending')",
    )
    .bind(owner)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// What Telegram's failures cost: counted from the emulator's chaos log and
/// the outbox, once everything is delivered.
#[derive(Debug)]
pub struct ChaosFigures {
    /// Requests aimed at the chaos' chats, and how they were answered.
    pub requests: usize,
    pub server_errors: usize,
    pub retry_afters: usize,
    /// Outbox rows sent to those chats.
    pub delivered: i64,
    /// Most requests one message took, and most 5xx / 429 one message met.
    pub max_requests_per_message: usize,
    pub max_server_errors_per_message: usize,
    pub max_retry_afters_per_message: usize,
    /// The outbox's highest `attempts` (5xx and network failures) of a sent row.
    pub max_attempts: i32,
    pub dead: i64,
    /// Requests to those chats, and getUpdates calls, in `IDLE` once all was delivered.
    pub idle_requests: usize,
    pub idle_get_updates: usize,
}

/// How long a drill watches a settled bot for requests it should not make.
pub const IDLE: Duration = Duration::from_secs(2);

impl ChaosFigures {
    pub async fn measure(community: &Community, chats: &[i64]) -> ChaosFigures {
        let emu = &community.emu;
        let log = emu.chaos_log();
        let polls = emu.request_count("getUpdates");
        tokio::time::sleep(IDLE).await;
        let idle_requests = emu.chaos_log().len() - log.len();
        let idle_get_updates = emu.request_count("getUpdates") - polls;
        // Per chat: (requests, 5xx, 429); every recipient but a plumber gets one message.
        let mut per_chat: HashMap<i64, (usize, usize, usize)> = HashMap::new();
        for record in &log {
            let entry = per_chat.entry(record.chat_id.unwrap_or(0)).or_default();
            entry.0 += 1;
            match record.failed_with {
                Some(429) => entry.2 += 1,
                Some(_) => entry.1 += 1,
                None => {}
            }
        }
        let sent: HashMap<i64, i64> = sqlx::query_as(
            "SELECT chat_id, count(*) FROM outbox WHERE state = 'sent' AND chat_id = ANY($1) GROUP BY chat_id",
        )
        .bind(chats)
        .fetch_all(&community.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        let plumbers: HashSet<i64> = community.plumbers().collect();
        let singles = per_chat.iter().filter(|(c, _)| !plumbers.contains(c));
        let max_of =
            |pick: fn(&(usize, usize, usize)) -> usize| singles.clone().map(|(_, v)| pick(v)).max().unwrap_or(0);
        let max_attempts: Option<i32> =
            sqlx::query_scalar("SELECT max(attempts) FROM outbox WHERE state = 'sent' AND chat_id = ANY($1)")
                .bind(chats)
                .fetch_one(&community.pool)
                .await
                .unwrap();
        ChaosFigures {
            requests: log.len(),
            server_errors: per_chat.values().map(|v| v.1).sum(),
            retry_afters: per_chat.values().map(|v| v.2).sum(),
            delivered: sent.values().sum(),
            max_requests_per_message: max_of(|v| v.0),
            max_server_errors_per_message: max_of(|v| v.1),
            max_retry_afters_per_message: max_of(|v| v.2),
            max_attempts: max_attempts.unwrap_or(0),
            dead: count(&community.pool, "SELECT count(*) FROM outbox WHERE state = 'dead'").await,
            idle_requests,
            idle_get_updates,
        }
    }

    fn lines(&self, name: &str) -> Vec<String> {
        vec![
            format!(
                "{name}: requests to notification/broadcast recipients: all / 5xx / 429 / delivered   {} / {} / {} / {}",
                self.requests, self.server_errors, self.retry_afters, self.delivered
            ),
            format!(
                "{name}: per message (one-message recipients), most: requests / 5xx / 429   {} / {} / {}",
                self.max_requests_per_message, self.max_server_errors_per_message, self.max_retry_afters_per_message
            ),
            format!(
                "{name}: outbox: highest attempts of a sent row (dead at {MAX_ATTEMPTS}) / dead rows   {} / {}",
                self.max_attempts, self.dead
            ),
            format!(
                "{name}: in {:.0} s once all was delivered: requests to them / getUpdates calls   {} / {}",
                IDLE.as_secs_f64(),
                self.idle_requests,
                self.idle_get_updates
            ),
        ]
    }

    /// Everything delivered, retries within the design's bounds, no loop.
    pub fn check(&self, all: &str) {
        assert_eq!(self.dead, 0, "nothing given up:\n{all}");
        assert!(self.max_attempts < MAX_ATTEMPTS, "{all}");
        assert!(self.max_server_errors_per_message < MAX_ATTEMPTS as usize, "{all}");
        assert_eq!(
            self.requests,
            self.delivered as usize + self.server_errors + self.retry_afters,
            "every request either delivered a message once or met an injected failure:\n{all}"
        );
        assert_eq!(self.idle_requests, 0, "nothing is sent again once delivered:\n{all}");
        // A long poll lasts 25 s: a hot polling loop would show many calls.
        assert!(self.idle_get_updates <= 2, "getUpdates does not loop:\n{all}");
    }
}

/// PostgreSQL stopped for `outage` while owners are mid-dialogue and a
/// notice goes out, then started again on the same port.
pub struct PgRestartDrill {
    pub owners: i64,
    pub dialogues: i64,
    pub outage: Duration,
    pub rate_per_sec: u32,
    pub wait: Duration,
}

pub struct PgRestartFigures {
    pub delivery: KillFigures,
    /// The bot was running at every check during and after the outage.
    pub stayed_up: bool,
    /// The bot's log lines from the outage on.
    pub log: Vec<String>,
    pub lines: Vec<String>,
}

impl PgRestartDrill {
    pub async fn run(&self) -> PgRestartFigures {
        use propdesk::store::embedded::{EmbeddedOptions, EmbeddedPg};
        let started = Instant::now();
        let opts = EmbeddedOptions { fast: true, ..EmbeddedOptions::default() };
        let mut pg = EmbeddedPg::start(opts).await.expect("a private PostgreSQL");
        let url = pg.url().to_owned();
        let pool = store::connect_and_migrate(&url).await.expect("migrated");
        let community = Community::seed(pool.clone(), self.owners, self.dialogues).await;
        let emu = community.emu.clone();
        let prompts = Arc::new(Prompts::new());
        let mut bot = BotProcess::start(&url, &community.api_url, self.rate_per_sec);
        let notice_id = community.broadcast().await;
        let drivers: Vec<_> = community
            .dialogue_owners()
            .map(|id| {
                let owner = Arc::new(Owner {
                    id,
                    unit_id: community.units[&id],
                    step: AtomicU8::new(0),
                    told: Mutex::new(None),
                    told_step: AtomicU8::new(0),
                    wake: Notify::new(),
                });
                tokio::spawn(drive(emu.clone(), prompts.clone(), owner, self.wait))
            })
            .collect();

        let expected = (self.dialogues * 9 + self.owners) as usize;
        while emu.request_count("sendMessage") < expected / 3 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let log_from = bot.log_lines().len();
        let at_sends = emu.request_count("sendMessage");
        pg.stop_server().await.expect("PostgreSQL stops");
        let down_at = Instant::now();
        let mut stayed_up = true;
        while down_at.elapsed() < self.outage {
            stayed_up &= bot.alive();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sends_while_down = emu.request_count("sendMessage") - at_sends;
        pg.restart_server().await.expect("PostgreSQL starts again on the same port");
        let outage = down_at.elapsed();
        for driver in drivers {
            driver.await.expect("an owner finished");
        }
        let deadline = Instant::now() + self.wait;
        while count(&pool, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')").await > 0 {
            assert!(Instant::now() < deadline, "the outbox did not settle");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stayed_up &= bot.alive();
        let elapsed = started.elapsed();
        let log: Vec<String> = bot.log_lines().split_off(log_from);
        bot.stop();
        let drill = KillDrill {
            owners: self.owners,
            dialogues: self.dialogues,
            kills: 0,
            seed: 0,
            rate_per_sec: self.rate_per_sec,
            wait: self.wait,
            chaos: None,
        };
        let mut delivery = drill.figures(&community, &prompts, notice_id, Vec::new(), elapsed).await;
        let name = format!("pg restart drill {}/{}", self.dialogues, self.owners);
        for line in &mut delivery.lines {
            *line = line.replacen("kill drill", "pg restart drill", 1);
        }
        let level =
            |l: &String, want: &str| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v["level"] == want);
        let warnings = log.iter().filter(|l| level(l, "WARN")).count();
        let errors = log.iter().filter(|l| level(l, "ERROR")).count();
        let mut lines = vec![
            format!(
                "{name}: PostgreSQL down at sendMessage #{at_sends} for {:.1} s; messages sent meanwhile {sends_while_down}",
                outage.as_secs_f64()
            ),
            format!("{name}: the bot stayed up (no exit, no restart)                  {stayed_up}"),
            format!(
                "{name}: log lines from the outage on: all / WARN / ERROR            {} / {warnings} / {errors}",
                log.len()
            ),
        ];
        for line in log.iter().filter(|l| level(l, "WARN") || level(l, "ERROR") || l.contains("PostgreSQL")) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let error = v["error"].as_str().map(|e| format!(" (error: {e})")).unwrap_or_default();
            lines.push(format!("{name}: log: {} {} {}{error}", v["level"], v["target"], v["message"]));
        }
        lines.extend(delivery.lines.iter().cloned());
        drop(pool);
        let _ = pg.stop().await;
        PgRestartFigures { delivery, stayed_up, log, lines }
    }
}
