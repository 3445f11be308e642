//! Handles what the listener (or the webhook) stored in the inbox, one unit
//! of work per update.
//!
//! Updates reach the runner in memory, right after they are stored
//! (`accept`); a sweep of the inbox at start-up and every few seconds picks
//! up whatever this process was not handed (a backlog from before a crash,
//! another replica's leftovers). They wait in one line per chat (`queue`):
//! many chats are handled at once, each chat's updates one at a time and in
//! order, and a chat's next update waits until the previous one's replies
//! are out.
//!
//! For each update, in one transaction: claim it (the chat's advisory lock, so
//! replicas serialize a chat's updates, then the inbox row marked handled;
//! skipped if it was handled already: a redelivery), record the user and read
//! their roles and dialogue state, run the handler tree, save the next state if
//! it changed, commit. Only then are the replies sent. A crash anywhere before
//! the commit leaves the row unhandled and it is handled again from scratch on
//! the next start; nothing is applied twice. A failed attempt goes back to the
//! front of its chat's line and is tried again before anything the chat sent
//! after it.

mod queue;
mod replies;
mod settle;

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, Me, Update, UpdateKind};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::bot::context::{Finished, Reply};
use crate::bot::{Cx, State};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::domain::Outgoing;
use crate::error::AppError;
use crate::i18n::{Locale, Text};
use crate::services::people;
use crate::store::tickets::TicketNumbers;
use crate::store::work::{self, Connections, Start};
use crate::store::{self, users::Seen};

pub use queue::{Incoming, LineKey};
use queue::{Item, Queue};

/// The types the runner puts in the dependency map for every update.
pub const PROVIDED: [fn() -> dptree::Type; 5] = [
    dptree::Type::of::<Update>,
    dptree::Type::of::<Me>,
    dptree::Type::of::<Cx>,
    dptree::Type::of::<State>,
    // For the few handlers that fetch a file the user sent (a survey file).
    dptree::Type::of::<Bot>,
];

/// A failing update is tried this many times, then set aside with an apology.
const MAX_ATTEMPTS: i32 = 3;
/// Updates in hand at once (being handled, or their replies being sent); one
/// per chat. The database work among them is bounded by the runner's
/// connections; the rest wait for Telegram's limits with their update
/// committed, so this also bounds the replies a crash can lose (sent only
/// after the commit, at most once): the kill drill measured 255 a kill with
/// 256 in hand, when the limits held the replies back.
const IN_HAND: usize = 64;
/// How often the inbox is swept for updates this process was not handed…
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// …stored at least this long ago: another replica's that it never handled.
/// (What this process was handed is in memory; reading it back each time
/// would cost more than the sweep finds.)
const STRAGGLERS: Duration = Duration::from_secs(10);
/// Rows read per page of a sweep.
const SWEEP_PAGE: i64 = 500;
/// Updates waiting in memory before a sweep stops reading more.
const SWEEP_WHILE_BELOW: usize = 2_000;

pub struct Runner {
    pub pool: PgPool,
    pub bot: Bot,
    /// Shared with the outbox sender: one set of Telegram limits for all sends.
    pub limits: Arc<crate::delivery::limits::RateLimits>,
    pub settings: Arc<Settings>,
    pub clock: SharedClock,
    pub me: Me,
    pub handler: UpdateHandler<AppError>,
    /// Updates by outcome, handling time, 429s on replies.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The per-chat abuse limit (see `bot::flood`).
    pub flood: crate::bot::flood::FloodGuard,
    /// Several replicas (webhook mode): a pool for chats' turns, so one
    /// chat's replies are out before another replica handles its next update.
    pub turns: Option<PgPool>,
    /// Where units of work run: connections of the runner's own.
    connections: Arc<Connections>,
    /// Where how the replies went is recorded, in batches (`settle`): set
    /// while `run` runs (it spawns the settler), taken when it stops. Without
    /// it, outcomes are written at once.
    settler: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<settle::Outcomes>>>,
    numbers: TicketNumbers,
    queue: Queue,
}

/// What becomes of an update after an attempt.
enum Next {
    /// Handled, a duplicate, or set aside for good.
    Done,
    /// Try again after a while, before the chat's later updates.
    Again { after: Duration, attempts: i32 },
}

impl Runner {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pool: PgPool,
        bot: Bot,
        limits: Arc<crate::delivery::limits::RateLimits>,
        settings: Arc<Settings>,
        clock: SharedClock,
        me: Me,
        metrics: Arc<crate::metrics::Metrics>,
        turns: Option<PgPool>,
    ) -> Runner {
        let flood = crate::bot::flood::FloodGuard::new(settings.flood);
        let handler = crate::bot::schema::schema();
        let connections = Connections::new((*pool.connect_options()).clone(), settings.update_connections);
        let numbers = TicketNumbers::new(pool.clone());
        Runner {
            pool,
            bot,
            limits,
            settings,
            clock,
            me,
            handler,
            metrics,
            flood,
            turns,
            connections,
            numbers,
            settler: std::sync::Mutex::new(None),
            queue: Queue::new(),
        }
    }

    /// Takes updates that have just been stored in the inbox. The abuse limit
    /// is applied here: what a chat sent past it is marked handled
    /// ("throttled") without being acted on, and the chat is told once,
    /// after its served updates are answered.
    pub async fn accept(&self, batch: Vec<Incoming>) {
        use crate::bot::flood::{Verdict, sent_at};
        let now = self.clock.now();
        let mut items = Vec::with_capacity(batch.len());
        let (mut set_aside, mut presses, mut told) = (Vec::new(), Vec::new(), Vec::new());
        for incoming in batch {
            let key = incoming.key();
            let verdict = match key.chat() {
                Some(chat) if !self.queue.knows(incoming.update_id()) => {
                    self.flood.check(chat, now, sent_at(incoming.payload()))
                }
                _ => Verdict::Serve,
            };
            if verdict == Verdict::Serve {
                items.push(incoming.queued());
                continue;
            }
            if verdict == Verdict::Notify {
                told.push(key);
                tracing::info!(
                    chat = key.chat(),
                    "a chat went over the abuse limit; its updates are set aside for the window"
                );
            }
            set_aside.push(incoming.update_id());
            let press = incoming.payload().pointer("/callback_query/id").and_then(|id| id.as_str());
            presses.extend(press.map(str::to_owned));
        }
        items.extend(told.into_iter().map(|key| (key, Item::SlowDown)));
        self.queue.push(items);
        if set_aside.is_empty() {
            return;
        }
        self.metrics.throttled.inc_by(set_aside.len() as u64);
        if let Err(err) = store::inbox::set_aside(&self.pool, &set_aside, now, "throttled").await {
            tracing::error!(error = %err, "setting throttled updates aside failed");
        }
        // A button press set aside still gets its answer, or the client spins.
        for query_id in presses {
            if let Err(err) = self.bot.answer_callback_query(CallbackQueryId(query_id)).await {
                let error = crate::error::telegram_error_text(&err);
                tracing::warn!(error, "answering a throttled button press failed");
            }
        }
    }

    /// Waits until fewer than `limit` updates wait in memory (the listener
    /// asks for more only then).
    pub async fn room_below(&self, limit: usize) {
        self.queue.room_below(limit).await
    }

    /// Handles updates until `shutdown`, then lets those in hand finish.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        // Dropping the sets (the task aborted: a crash test) aborts what is in hand.
        let mut in_hand = JoinSet::new();
        // Alive before any reply is claimed; then the settler beats on.
        let runner = self.connections.runner().to_owned();
        if let Err(err) = store::outbox::heartbeat(&self.pool, &runner).await {
            tracing::warn!(error = %err, "the runner's first heartbeat failed");
        }
        let mut settling = JoinSet::new();
        let (settler, outcomes) = tokio::sync::mpsc::unbounded_channel();
        settling.spawn(settle::run(self.pool.clone(), runner, self.clock.clone(), outcomes));
        *self.settler.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(settler);
        // First, whatever a previous run left, all of it.
        self.sweep(Duration::ZERO).await;
        let mut sweep = tokio::time::interval_at(tokio::time::Instant::now() + SWEEP_EVERY, SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(ended) = in_hand.join_next() => {
                    if let Err(err) = ended {
                        tracing::error!(error = %err, "an update's task ended badly");
                    }
                }
                (key, item) = self.queue.take(IN_HAND) => {
                    in_hand.spawn(self.clone().serve(key, item, shutdown.clone()));
                }
                _ = sweep.tick() => self.sweep(STRAGGLERS).await,
            }
        }
        while let Some(ended) = in_hand.join_next().await {
            if let Err(err) = ended {
                tracing::error!(error = %err, "an update's task ended badly");
            }
        }
        // What the replies did is written before the runner says it stopped.
        drop(self.settler.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
        while let Some(ended) = settling.join_next().await {
            if let Err(err) = ended {
                tracing::error!(error = %err, "recording how the last replies went ended badly");
            }
        }
        tracing::info!("update runner stopped");
    }

    /// Offers the inbox's unhandled rows stored at least `older_than` ago
    /// that are not already here, oldest first, page by page while there is room.
    async fn sweep(&self, older_than: Duration) {
        let mut after = 0;
        loop {
            let rows = match store::inbox::unhandled(&self.pool, after, older_than, SWEEP_PAGE).await {
                Ok(rows) => rows,
                Err(err) => {
                    tracing::warn!(error = %err, "reading the inbox for unhandled updates failed");
                    return;
                }
            };
            let full = rows.len() as i64 == SWEEP_PAGE;
            after = rows.last().map_or(after, |row| row.update_id);
            let found: Vec<(LineKey, Item)> = rows
                .into_iter()
                .filter(|row| !self.queue.knows(row.update_id))
                .map(|row| Incoming::new(row).queued())
                .collect();
            if !found.is_empty() {
                tracing::info!(updates = found.len(), "unhandled updates found in the inbox");
            }
            // Not counted against the abuse limit: they were counted (or
            // sent while the bot was away) before.
            self.queue.push(found);
            if !full || self.queue.waiting() >= SWEEP_WHILE_BELOW {
                return;
            }
        }
    }

    async fn serve(self: Arc<Self>, key: LineKey, item: Item, shutdown: CancellationToken) {
        let mut incoming = match item {
            Item::Update(incoming) => incoming,
            Item::SlowDown => {
                if let Some(chat) = key.chat() {
                    self.ask_to_slow_down(chat).await;
                }
                self.queue.finish(key, None);
                return;
            }
        };
        let update_id = incoming.update_id();
        match self.handle(&incoming).await {
            Next::Done => self.queue.finish(key, Some(update_id)),
            Next::Again { after, attempts } => {
                // The chat waits with it: its later updates stay behind it.
                tokio::select! {
                    _ = tokio::time::sleep(after) => {}
                    // Left unhandled in the inbox for the next start.
                    _ = shutdown.cancelled() => return self.queue.finish(key, Some(update_id)),
                }
                incoming.row.attempts = attempts;
                self.queue.put_back(key, Item::Update(incoming));
            }
        }
    }

    async fn ask_to_slow_down(&self, chat: i64) {
        let locale = self.locale_of(chat).await;
        let notice = Outgoing::new(Text::new("flood-slow-down"));
        if let Err(err) = self.send_within_limits(chat, &notice, locale).await {
            tracing::warn!(chat, error = crate::error::telegram_error_text(&err), "could not ask a chat to slow down");
        }
    }

    async fn handle(&self, incoming: &Incoming) -> Next {
        let update_id = incoming.update_id();
        if incoming.row.attempts >= MAX_ATTEMPTS {
            self.give_up(incoming).await;
            return Next::Done;
        }
        let timer = self.metrics.handler_seconds.start_timer();
        let turn = self.chat_turn(incoming.row.chat_id).await;
        // Everything the unit of work logs (sqlx's statements too) carries the update.
        let result = self.process(incoming).instrument(tracing::info_span!("update", update_id)).await;
        if let Some(turn) = turn {
            turn.release().await;
        }
        match &result {
            // Nothing was handled: not a handling time.
            Ok(Outcome::Duplicate | Outcome::Later | Outcome::RepliesFirst) => {
                timer.stop_and_discard();
            }
            _ => timer.observe_duration(),
        }
        let err = match result {
            Ok(outcome) => {
                self.metrics.updates.with_label_values(&[outcome.label()]).inc();
                match (outcome, incoming.row.chat_id) {
                    (Outcome::Later, Some(chat)) => {
                        self.fetch_earlier(chat).await;
                        return Next::Again { after: Duration::ZERO, attempts: incoming.row.attempts };
                    }
                    (Outcome::RepliesFirst, Some(chat)) => {
                        // Sent here, in order, or (held by the sender) waited for.
                        let sent = self.send_earlier_replies(chat).await;
                        let after = if sent { Duration::ZERO } else { Duration::from_millis(200) };
                        return Next::Again { after, attempts: incoming.row.attempts };
                    }
                    _ => {}
                }
                return Next::Done;
            }
            Err(err) => err,
        };
        self.metrics.updates.with_label_values(&["failed"]).inc();
        if unreachable_database(&err) {
            // Not the update's fault: not counted as an attempt, and not an
            // error of its own (store::reachability says once that the
            // database is away, and once that it is back).
            tracing::debug!(update_id, error = format!("{err:#}"), "the database is away; the update waits");
            return Next::Again { after: Duration::from_secs(1), attempts: incoming.row.attempts };
        }
        tracing::error!(update_id, error = format!("{err:#}"), "handling an update failed");
        match store::inbox::record_failure(&self.pool, update_id, &format!("{err:#}")).await {
            Ok(attempts) if attempts < MAX_ATTEMPTS => {
                Next::Again { after: Duration::from_millis(250) * attempts as u32, attempts }
            }
            Ok(_) => {
                self.give_up(incoming).await;
                Next::Done
            }
            Err(db) => {
                tracing::error!(update_id, error = %db, "recording the failure failed");
                Next::Again { after: Duration::from_secs(1), attempts: incoming.row.attempts }
            }
        }
    }

    /// Sets a failing update aside so the chat is not stuck behind it, and apologises.
    async fn give_up(&self, incoming: &Incoming) {
        let update_id = incoming.update_id();
        self.metrics.updates.with_label_values(&["gave_up"]).inc();
        // The apology is queued before the update is set aside, and once
        // (its key): a crash between the two tries the update again, which
        // gives up again and finds the apology queued.
        let now = self.clock.now();
        let set_aside = async {
            let mut conn = self.pool.acquire().await?;
            if let Some(chat_id) = incoming.row.chat_id.filter(|chat| *chat > 0) {
                let sorry = Outgoing::new(Text::new("error-generic"));
                let apology = store::outbox::NewMessage {
                    chat_id,
                    kind: "update-gave-up",
                    priority: store::outbox::Priority::Notification,
                    message: &sorry,
                    not_before: now,
                    dedup_key: Some(format!("gave-up:{update_id}")),
                };
                store::outbox::enqueue(&mut conn, apology).await?;
            }
            store::inbox::mark_handled(&mut conn, update_id, now, Some("gave up")).await
        };
        if let Err(db) = set_aside.await {
            tracing::error!(update_id, error = %db, "setting a failing update aside failed");
        }
    }

    /// With several replicas, waits until no other replica is handling or
    /// answering this chat (see `store::chat_turn`). Without the turn (the
    /// database refused it) the update is handled anyway: the transaction's
    /// chat lock still keeps the handling itself in order.
    async fn chat_turn(&self, chat: Option<i64>) -> Option<store::chat_turn::ChatTurn> {
        let (pool, chat) = (self.turns.as_ref()?, chat?);
        store::chat_turn::take(pool, chat)
            .await
            .inspect_err(|err| tracing::warn!(chat, error = %err, "could not take the chat's turn"))
            .ok()
    }

    async fn locale_of(&self, chat: i64) -> Locale {
        let Ok(mut conn) = self.pool.acquire().await else { return self.settings.default_locale };
        match store::users::get(&mut conn, chat).await {
            Ok(Some(user)) => user.locale(),
            _ => self.settings.default_locale,
        }
    }

    /// Handles one row in one unit of work (`store::work`): two round trips
    /// to PostgreSQL besides the handler's own statements.
    async fn process(&self, incoming: &Incoming) -> anyhow::Result<Outcome> {
        let row = &incoming.row;
        let update = incoming.update.as_ref().context("the stored update does not parse")?;
        let private = update.chat().is_none_or(|chat| chat.is_private());
        // Nothing else is acted on: a channel post, an update without a person,
        // or a group someone added the bot to (the desk works in private chats).
        let person = match (update.from(), row.chat_id, private) {
            (Some(user), Some(chat_id), true) => Some((user, chat_id)),
            _ => None,
        };
        let now = self.clock.now();
        let user_id = person.map(|(user, _)| user.id.0 as i64);
        let (mut work, arrival) = match work::begin(&self.connections, row.update_id, row.chat_id, user_id, now).await?
        {
            Start::Claimed { work, arrival } => (work, arrival),
            Start::Handled => {
                tracing::debug!(update_id = row.update_id, "already handled; skipping");
                return Ok(Outcome::Duplicate);
            }
            Start::Later => return Ok(Outcome::Later),
            Start::RepliesFirst => return Ok(Outcome::RepliesFirst),
        };
        let Some((user, chat_id)) = person else {
            work.commit(None).await?;
            return Ok(Outcome::Ignored);
        };
        let seen = Seen {
            telegram_id: user.id.0 as i64,
            first_name: &user.first_name,
            last_name: user.last_name.as_deref(),
            username: user.username.as_deref(),
            guessed_locale: Locale::from_telegram(user.language_code.as_deref(), self.settings.default_locale),
        };
        let user_row = match arrival.user {
            Some(known) if !store::users::needs_recording(Some(&known), &seen) => known,
            _ => store::users::record_seen(work.conn(), seen).await?,
        };
        let actor = people::actor(user_row, arrival.staff, arrival.residences, &self.settings);
        let state = State::from_saved(arrival.dialogue).for_actor(&actor);

        let cx = Cx::new(
            work,
            chat_id,
            actor,
            self.settings.clone(),
            self.clock.clone(),
            self.me.username().to_owned(),
            self.numbers.clone(),
        );
        let deps = dptree::deps![update.clone(), self.me.clone(), cx.clone(), state.clone(), self.bot.clone()];
        let outcome = self.handler.dispatch(deps).await;
        if let ControlFlow::Continue(_) = outcome {
            unexpected(&cx, update);
        }
        let Finished { work, mut replies, next_state, locale } = cx.finish().await;
        if let ControlFlow::Break(Err(err)) = outcome {
            if let Err(rollback) = work.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a failed update failed; its connection is closed");
            }
            return Err(anyhow::Error::new(err).context(format!("handler for update {}", row.update_id)));
        }
        let next = next_state.filter(|next| *next != state).map(|next| serde_json::to_value(&next)).transpose()?;
        // The replies are kept with the commit, so a crash before they are
        // out does not lose them (see `replies`).
        let deliveries: Vec<_> = replies.iter().filter_map(Reply::delivery).collect();
        let kept = work::Replies { chat_id, update_id: row.update_id, at: now, deliveries: &deliveries };
        let ids = work.commit_with_replies(next.as_ref().map(|next| (chat_id, next)), Some(kept)).await?;

        // Every button press gets an answer, or the client spins.
        if let UpdateKind::CallbackQuery(q) = &update.kind
            && !replies.iter().any(|r| matches!(r, Reply::Answer { .. }))
        {
            replies.push(Reply::Answer { query_id: q.id.0.clone(), text: None, alert: false });
        }
        self.send_replies(chat_id, locale, replies, ids).await;
        Ok(Outcome::Handled)
    }

    /// Puts the chat's unhandled updates before `incoming` in its line: an
    /// earlier one this process was not handed (another replica stored it
    /// and has not handled it, or it is left from a crash).
    async fn fetch_earlier(&self, chat: i64) {
        match store::inbox::unhandled_of_chat(&self.pool, chat).await {
            Ok(rows) => self.queue.push(rows.into_iter().map(|row| Incoming::new(row).queued())),
            Err(err) => tracing::warn!(chat, error = %err, "reading a chat's earlier updates failed"),
        }
    }
}

/// How an update's handling ended.
enum Outcome {
    Handled,
    /// Handled before (a redelivery, another replica).
    Duplicate,
    /// Nothing to act on (not from a person in a private chat).
    Ignored,
    /// An earlier update of the chat is not handled yet.
    Later,
    /// Earlier replies of the chat are not out yet.
    RepliesFirst,
}

impl Outcome {
    /// The metrics label.
    fn label(&self) -> &'static str {
        match self {
            Outcome::Handled => "handled",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::Later => "later",
            Outcome::RepliesFirst => "replies_first",
        }
    }
}

/// Whether the attempt failed because PostgreSQL could not be reached (a
/// restart, a network cut) rather than because of the update.
fn unreachable_database(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.downcast_ref::<sqlx::Error>().is_some_and(crate::store::is_connection_error))
}

/// No branch took the update: input this step does not handle.
fn unexpected(cx: &Cx, update: &Update) {
    match &update.kind {
        UpdateKind::CallbackQuery(q) => crate::bot::fallback::button_expired(cx, &q.id.0),
        UpdateKind::Message(_) => crate::bot::fallback::say_with_home(cx, Text::new("error-not-understood")),
        _ => {}
    }
}
