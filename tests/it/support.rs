//! One harness for the whole app: a fresh database, the Bot API emulator on a
//! random port, and the real bot pointed at it. Tests play people through the
//! emulator and read what each chat received.

use std::sync::Arc;
use std::time::Duration;

use propdesk::app::{self, AppOptions, RunningApp};
use propdesk::bot::webhook::WebhookConfig;
use propdesk::clock::ShiftedClock;
use propdesk::config::Settings;
use propdesk::delivery::limits::SendLimits;
use propdesk::delivery::scheduler::Scheduler;
use propdesk::domain::{Category, PhoneNumber, Relation, Trade, UnitAddress, Urgency};
use propdesk::i18n::{Locale, Text};
use propdesk::sandbox::emulator::{ChatMessage, EmuUser, Emulator};
use propdesk::store::{self, testdb::TestDb};
use sqlx::PgPool;
use teloxide::Bot;

pub const WAIT: Duration = Duration::from_secs(15);
pub const ADMIN: i64 = 900_001;
/// The scheduler's period in tests: short, so a moved clock shows quickly.
pub const TICK: Duration = Duration::from_millis(200);

pub struct TestApp {
    pub emu: Emulator,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    /// The app's clock: wall time, plus however far the test moved it.
    pub clock: ShiftedClock,
    _db: TestDb,
    /// A Bot API client for the emulator, as the app has.
    pub bot: Bot,
    running: Option<RunningApp>,
    send_limits: SendLimits,
    /// Serve /healthz, /readyz, /metrics (and the webhook) on a free port.
    endpoints: bool,
    webhook: Option<WebhookConfig>,
}

/// The secret token of `TestApp::spawn_webhook`.
pub const WEBHOOK_SECRET: &str = "test-secret_0123456789";

/// Limits that never slow a test down.
fn relaxed() -> SendLimits {
    SendLimits { overall_per_sec: 1000, per_chat_per_sec: 1000, per_chat_burst: 1000, per_chat_per_min: 10_000 }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with_limits(relaxed()).await
    }

    pub async fn spawn_with_limits(send_limits: SendLimits) -> TestApp {
        Self::spawn_with(send_limits, false, None).await
    }

    /// Long polling, with the operator endpoints served (see `http`).
    pub async fn spawn_with_endpoints() -> TestApp {
        Self::spawn_with(relaxed(), true, None).await
    }

    /// Webhook mode: the app serves `POST /telegram` (and the operator
    /// endpoints) on a free port and expects `WEBHOOK_SECRET`; the test posts
    /// the updates itself (the emulator tries to push them to propdesk.test,
    /// which it cannot reach).
    pub async fn spawn_webhook() -> TestApp {
        let config = WebhookConfig {
            url: url::Url::parse("https://propdesk.test/telegram").unwrap(),
            secret: WEBHOOK_SECRET.to_owned().into(),
        };
        Self::spawn_with(relaxed(), true, Some(config)).await
    }

    async fn spawn_with(send_limits: SendLimits, endpoints: bool, webhook: Option<WebhookConfig>) -> TestApp {
        propdesk::telemetry::init_for_tests();
        let db = store::testdb::fresh_database().await.expect("a fresh database");
        let emu = Emulator::new("4242:TEST", "propdesk_test_bot");
        let url = emu.spawn(0).await.expect("the emulator starts");
        let bot = Bot::new("4242:TEST").set_api_url(url);
        let mut settings = Settings::for_local();
        settings.admin_ids = vec![ADMIN];
        // No abuse limit unless a test turns it on (tests/it/flood.rs): a test plays people fast.
        settings.flood.updates = 0;
        let mut app = TestApp {
            emu,
            pool: db.pool.clone(),
            settings: Arc::new(settings),
            clock: ShiftedClock::new(),
            _db: db,
            bot,
            running: None,
            send_limits,
            endpoints,
            webhook,
        };
        app.start().await;
        app
    }

    async fn start(&mut self) {
        let options = AppOptions {
            send_limits: self.send_limits,
            register_commands: true,
            tick: TICK,
            listen: self.endpoints.then(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
            webhook: self.webhook.clone(),
        };
        let clock = Arc::new(self.clock.clone());
        let running = app::start(self.settings.clone(), self.pool.clone(), self.bot.clone(), clock, options)
            .await
            .expect("the bot starts");
        self.running = Some(running);
    }

    /// `http://127.0.0.1:PORT` of the operator endpoints (and the webhook).
    pub fn http(&self) -> String {
        let addr = self.running.as_ref().and_then(|r| r.http_addr).expect("the app serves its endpoints");
        format!("http://{addr}")
    }

    /// Moves the app's clock forward (time keeps flowing from there).
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// A second scheduler on the same database and clock, as another replica
    /// would run (without the lease: `tick` it by hand).
    pub fn scheduler(&self) -> Scheduler {
        Scheduler::new(self.pool.clone(), Arc::new(self.clock.clone()), self.settings.clone(), TICK)
    }

    /// Stops the bot as SIGTERM would.
    pub async fn stop_bot(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }

    /// Kills the bot as SIGKILL would: nothing is flushed.
    pub async fn kill_bot(&mut self) {
        if let Some(running) = self.running.take() {
            running.kill();
        }
        // Let the aborted tasks drop their connections (and the leases with them).
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    pub async fn start_bot(&mut self) {
        assert!(self.running.is_none(), "the bot is already running");
        self.start().await;
    }

    /// A person with a Telegram account; nothing sent yet.
    pub fn person(&self, id: i64, first_name: &str, language: &str, phone: &str) -> Person {
        self.emu.register_user(EmuUser {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: Some(language.to_owned()),
            phone: Some(phone.to_owned()),
        });
        Person { emu: self.emu.clone(), id, locale: Locale::from_telegram(Some(language), Locale::ZhCn) }
    }

    pub async fn roster(&self, address: &str, name: &str, phone: &str) -> i64 {
        let mut conn = self.pool.acquire().await.unwrap();
        let community = store::roster::community_id_by_name_or_create(&mut conn, "测试小区").await.unwrap();
        let unit =
            store::roster::upsert_unit(&mut conn, community, &UnitAddress::parse(address).unwrap()).await.unwrap();
        store::roster::upsert_roster_entry(&mut conn, unit, name, &PhoneNumber::parse(phone).unwrap(), Relation::Owner)
            .await
            .unwrap();
        unit
    }

    /// A staff member who has opened the bot once (so it may write to them).
    pub async fn staff(&self, id: i64, name: &str, trade: Trade, supervisor: bool) -> Person {
        let person = self.person(id, name, "zh-hans", "8613700000000");
        person.says("/start").await;
        let mut conn = self.pool.acquire().await.unwrap();
        store::staff::enlist(&mut conn, id, name, trade, supervisor, None).await.unwrap();
        // Their menu, as staff see it.
        person.says_and_gets("/menu", Text::new("menu-home")).await;
        person
    }

    /// An owner on the roster for `address`, bound and at the main menu.
    pub async fn owner(&self, id: i64, name: &str, address: &str, phone: &str) -> Person {
        self.roster(address, name, phone).await;
        let owner = self.person(id, name, "zh-hans", phone);
        let before = owner.start_and_share_contact().await;
        owner.wait(before, "the owner menu", |m| m.reply_keyboard.as_ref().is_some_and(|k| k.len() > 1)).await;
        owner
    }

    pub async fn admin(&self) -> Person {
        let admin = self.person(ADMIN, "管理员", "zh-hans", "8613700000099");
        admin.says("/start").await;
        admin
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// The outbox rows for `chat_id` once `done` holds for them (the sender
    /// works in the background). Polls the database; fails after WAIT.
    pub async fn outbox_when(
        &self,
        chat_id: i64,
        done: impl Fn(&[store::outbox::OutboxStatus]) -> bool,
    ) -> Vec<store::outbox::OutboxStatus> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let rows = store::outbox::for_chat(&self.pool, chat_id).await.unwrap();
            if !rows.is_empty() && done(&rows) {
                return rows;
            }
            assert!(tokio::time::Instant::now() < deadline, "outbox rows for {chat_id} never got there: {rows:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(mut self) {
        self.stop_bot().await;
    }
}

/// The owner of 3栋2单元1201 files a plumbing repair with `photos` photos and
/// `urgency` (the description, a leak, has Emergency preselected, and the
/// bot says why), and confirms; returns the ticket number.
pub async fn file_repair(owner: &Person, photos: usize, urgency: Urgency) -> String {
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    owner.press_and_get(Category::Plumbing.label(), Text::new("repair-ask-place")).await;
    owner.press_and_get(unit("3", "2", "1201"), Text::new("repair-ask-description")).await;
    owner.says_and_gets("厨房水槽下面漏水了", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    for n in 0..photos {
        let before = owner.seq();
        owner.emu.send_photo(owner.id, vec![0xFF, 0xD8, n as u8], None);
        owner
            .expect_containing(before, Text::new("repair-photo-received").arg("count", n + 1).arg("max", 5usize))
            .await;
    }
    let done =
        if photos == 0 { Text::new("btn-skip-photos") } else { Text::new("btn-photos-done").arg("count", photos) };
    let asked = owner.press_and_get(done, Text::new("repair-ask-urgency")).await;
    let why = owner.t(Text::new("repair-urgency-suggested").arg("word", "漏水"));
    assert!(asked.text.as_deref().is_some_and(|t| t.contains(&why)), "the leak preselects Emergency: {asked:?}");
    let label = match urgency {
        Urgency::Emergency => Text::new("btn-selected").arg("label", urgency.label()),
        _ => urgency.label(),
    };
    owner.press_and_get(label, Text::new("repair-ask-window")).await;
    owner.press_and_get(Text::new("window-today"), Text::new("repair-field-category")).await;
    let before = owner.seq();
    owner.press(Text::new("btn-confirm"));
    let filed_prefix = owner.t(Text::new("repair-filed").arg("number", "").arg("due", "").arg("who", ""));
    let filed_prefix = filed_prefix.lines().next().unwrap().to_owned();
    let filed = owner
        .wait(before, "the ticket number", |m| m.text.as_deref().is_some_and(|t| t.starts_with(&filed_prefix)))
        .await;
    let number = regex::Regex::new(r"BX-\d{8}-\d{4}").unwrap();
    number.find(&filed.text.unwrap()).expect("a ticket number").as_str().to_owned()
}

/// A unit as the bot names it: 3栋2单元1201 / Bldg 3, Ent. 2, Rm 1201.
pub fn unit(building: &str, entrance: &str, room: &str) -> Text {
    Text::new("unit-address").arg("building", building).arg("entrance", entrance).arg("room", room)
}

/// Someone in a chat with the bot.
#[derive(Clone)]
pub struct Person {
    pub emu: Emulator,
    pub id: i64,
    pub locale: Locale,
}

impl Person {
    /// `text` as this person reads it.
    pub fn t(&self, text: Text) -> String {
        text.render(self.locale)
    }

    pub fn seq(&self) -> u64 {
        self.emu.seq()
    }

    /// Waits for the bot's next message after `after` that satisfies `pred`.
    pub async fn wait(&self, after: u64, what: &str, pred: impl Fn(&ChatMessage) -> bool) -> ChatMessage {
        self.emu
            .wait_for_bot_message(self.id, after, pred, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{} waited for {what}: {e}", self.id))
    }

    /// Waits for a message whose text is exactly `text` in this person's language.
    pub async fn expect(&self, after: u64, text: Text) -> ChatMessage {
        let want = self.t(text);
        self.wait(after, &want.clone(), move |m| m.text.as_deref() == Some(want.as_str())).await
    }

    /// Waits for a message whose text contains `text` in this person's language.
    pub async fn expect_containing(&self, after: u64, text: Text) -> ChatMessage {
        let want = self.t(text);
        self.wait(after, &want.clone(), move |m| m.text.as_deref().is_some_and(|t| t.contains(want.as_str()))).await
    }

    /// Sends text and returns the first reply.
    pub async fn says(&self, text: &str) -> ChatMessage {
        let before = self.seq();
        self.emu.send_text(self.id, text);
        self.wait(before, &format!("a reply to {text:?}"), |_| true).await
    }

    /// Sends text, then waits for a reply that is exactly `reply`.
    pub async fn says_and_gets(&self, text: &str, reply: Text) -> ChatMessage {
        let before = self.seq();
        self.emu.send_text(self.id, text);
        self.expect(before, reply).await
    }

    /// Presses an inline button found by its label on the bot's latest message that has it.
    pub fn press(&self, label: Text) -> String {
        let label = self.t(label);
        let (message_id, data) = self
            .emu
            .bot_messages(self.id)
            .iter()
            .rev()
            .find_map(|m| {
                m.inline_keyboard
                    .as_ref()?
                    .iter()
                    .flatten()
                    .find(|b| b.text == label)
                    .map(|b| (m.message_id, b.callback_data.clone().expect("a callback button")))
            })
            .unwrap_or_else(|| panic!("no inline button {label:?} in chat {}", self.id));
        self.emu.press_inline(self.id, message_id, &data)
    }

    /// Presses a button with this (possibly forged) data on the bot's latest message.
    pub fn press_data(&self, data: &str) -> String {
        let message_id = self.emu.last_bot_message(self.id).map(|m| m.message_id).unwrap_or(1);
        self.emu.press_inline(self.id, message_id, data)
    }

    /// Presses a reply-keyboard button by its text.
    pub async fn taps(&self, label: Text) {
        self.emu.press_reply(self.id, &self.t(label)).expect("the button is on the keyboard");
    }

    /// Waits until an inline button with this label is on one of the bot's
    /// messages (a card's buttons change with an edit), then presses it.
    pub async fn press_shown(&self, label: Text) -> String {
        let want = self.t(label.clone());
        self.wait(0, &format!("a button {want:?}"), |m| {
            m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == want))
        })
        .await;
        self.press(label)
    }

    /// Presses an inline button and waits for the bot's next message with `reply`.
    pub async fn press_and_get(&self, label: Text, reply: Text) -> ChatMessage {
        let before = self.seq();
        self.press_shown(label).await;
        self.expect_containing(before, reply).await
    }

    /// The alert or toast the bot answered a press with.
    pub async fn answer_to(&self, query_id: &str) -> Option<String> {
        self.emu.wait_for_callback_answer(query_id, WAIT).await.expect("the press is answered").text
    }

    /// The labels of the chat's reply keyboard.
    pub fn keyboard(&self) -> Vec<String> {
        self.emu.current_reply_keyboard(self.id).unwrap_or_default().into_iter().flatten().map(|b| b.text).collect()
    }

    /// `/start`, then the phone contact; returns the sequence number from
    /// before the contact, to wait for what it brought.
    pub async fn start_and_share_contact(&self) -> u64 {
        self.says("/start").await;
        let before = self.seq();
        self.emu.share_own_contact(self.id);
        before
    }

    /// A newcomer not on the roster asks to be verified for 5栋1单元302.
    pub async fn request_verification(&self, name: &str, relation: Relation) {
        let before = self.start_and_share_contact().await;
        self.expect(before, Text::new("onboarding-not-on-roster")).await;
        self.says_and_gets("5栋1单元302", Text::new("onboarding-ask-name").arg("unit", unit("5", "1", "302"))).await;
        self.says_and_gets(name, Text::new("onboarding-ask-relation")).await;
        let before = self.seq();
        self.press(propdesk::domain::labels::relation(relation));
        self.expect(before, Text::new("onboarding-request-filed")).await;
    }

    /// A round trip that proves everything sent before it was handled.
    pub async fn settle(&self) {
        let before = self.seq();
        self.emu.send_text(self.id, "/help");
        self.wait(before, "the /help probe", |m| m.text.as_deref().is_some_and(|t| !t.is_empty())).await;
    }

    pub fn bot_texts(&self) -> Vec<String> {
        self.emu.bot_messages(self.id).into_iter().filter_map(|m| m.text).collect()
    }
}

/// Runs the ignored test `name` of this binary in a child process with the
/// app's own log set-up at `level` (a process has one global log subscriber,
/// shared by the other tests here); returns the log it wrote, once the
/// scenario has passed.
pub fn log_of_scenario(name: &str, level: &str) -> String {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", name, "--nocapture", "--test-threads=1"])
        .env("TEST_LOG", "1")
        .env("LOG_LEVEL", level)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the scenario failed:\n{stdout}\n{log}");
    assert!(stdout.contains("1 passed"), "the scenario ran: {stdout}");
    log
}
