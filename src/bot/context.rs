//! `Cx`: one update's unit of work. It holds the transaction every change of
//! this update is written in (business rows, outbox rows, the dialogue state
//! and the inbox mark), the replies to send once it commits, and the next
//! dialogue state. Handlers get it from the dependency map.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tokio::sync::MappedMutexGuard;
use tokio::sync::Mutex as AsyncMutex;

use crate::bot::state::State;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::domain::Outgoing;
use crate::i18n::{Locale, Text};
use crate::services::people::Actor;
use crate::store::tickets::TicketNumbers;
use crate::store::work::UnitOfWork;

/// Something to do in the acting user's chat after the commit.
#[derive(Debug, Clone)]
pub enum Reply {
    Send(Outgoing),
    /// Replace the text and buttons of one of the bot's messages.
    Edit {
        message_id: i32,
        message: Outgoing,
    },
    /// A file, such as a CSV export.
    Document {
        file_name: String,
        bytes: Vec<u8>,
        caption: Text,
    },
    /// Take the inline buttons off one of the bot's messages.
    ClearButtons {
        message_id: i32,
    },
    /// Replace the inline buttons of one of the bot's messages.
    SetButtons {
        message_id: i32,
        markup: crate::domain::Markup,
    },
    /// Answer the button press (a toast, or an alert box when `alert`).
    Answer {
        query_id: String,
        text: Option<Text>,
        alert: bool,
    },
}

impl Reply {
    /// The outbox row this reply is kept as until it is sent, so a crash
    /// after the commit does not lose it (`store::work::Replies`); None for a
    /// file (an export: asked for again, not kept in the database) and a
    /// button press's answer (Telegram forgets the press within seconds).
    pub fn delivery(&self) -> Option<crate::domain::Delivery> {
        use crate::domain::{Delivery, Markup};
        match self {
            Reply::Send(message) => Some(Delivery::Send(message.clone())),
            Reply::Edit { message_id, message } => {
                Some(Delivery::EditMessage { message_id: *message_id, message: message.clone() })
            }
            Reply::ClearButtons { message_id } => {
                Some(Delivery::SetButtons { buttons_of: *message_id, markup: Markup::None })
            }
            Reply::SetButtons { message_id, markup } => {
                Some(Delivery::SetButtons { buttons_of: *message_id, markup: markup.clone() })
            }
            Reply::Document { .. } | Reply::Answer { .. } => None,
        }
    }
}

#[derive(Clone)]
pub struct Cx(Arc<Inner>);

struct Inner {
    chat_id: i64,
    actor: Mutex<Actor>,
    settings: Arc<Settings>,
    clock: SharedClock,
    bot_username: String,
    numbers: TicketNumbers,
    work: AsyncMutex<Option<UnitOfWork>>,
    replies: Mutex<Vec<Reply>>,
    next_state: Mutex<Option<State>>,
}

/// What the runner gets back when the handler is done.
pub struct Finished {
    pub work: UnitOfWork,
    pub replies: Vec<Reply>,
    pub next_state: Option<State>,
    pub locale: Locale,
}

impl Cx {
    pub fn new(
        work: UnitOfWork,
        chat_id: i64,
        actor: Actor,
        settings: Arc<Settings>,
        clock: SharedClock,
        bot_username: String,
        numbers: TicketNumbers,
    ) -> Cx {
        Cx(Arc::new(Inner {
            chat_id,
            actor: Mutex::new(actor),
            settings,
            clock,
            bot_username,
            numbers,
            work: AsyncMutex::new(Some(work)),
            replies: Mutex::new(Vec::new()),
            next_state: Mutex::new(None),
        }))
    }

    /// The update's transaction: `services::x(&mut *cx.tx().await, …)`.
    pub async fn tx(&self) -> MappedMutexGuard<'_, PgConnection> {
        tokio::sync::MutexGuard::map(self.0.work.lock().await, |work| {
            work.as_mut().expect("the transaction lives until the handler returns").conn()
        })
    }

    pub fn actor(&self) -> Actor {
        self.0.actor.lock().expect("actor lock").clone()
    }

    /// After the user chose a language: later replies use it.
    pub fn set_locale(&self, locale: Locale) {
        self.0.actor.lock().expect("actor lock").user.locale = locale.as_str().to_owned();
    }

    pub fn chat_id(&self) -> i64 {
        self.0.chat_id
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    pub fn bot_username(&self) -> &str {
        &self.0.bot_username
    }

    /// Where new tickets take their numbers (outside the unit of work: see `TicketNumbers`).
    pub fn ticket_numbers(&self) -> &TicketNumbers {
        &self.0.numbers
    }

    pub fn reply(&self, message: Outgoing) {
        self.push(Reply::Send(message));
    }

    pub fn say(&self, text: Text) {
        self.reply(Outgoing::new(text));
    }

    pub fn edit(&self, message_id: i32, message: Outgoing) {
        self.push(Reply::Edit { message_id, message });
    }

    pub fn send_document(&self, file_name: String, bytes: Vec<u8>, caption: Text) {
        self.push(Reply::Document { file_name, bytes, caption });
    }

    pub fn set_buttons(&self, message_id: i32, markup: crate::domain::Markup) {
        self.push(Reply::SetButtons { message_id, markup });
    }

    /// The zone, moment and settings the survey use cases run with.
    pub fn survey_clock(&self) -> crate::services::surveys::Clock {
        crate::services::surveys::Clock {
            tz: self.0.settings.time_zone,
            now: self.now(),
            settings: self.0.settings.survey,
        }
    }

    /// The zone, moment and settings the notice use cases run with.
    pub fn notice_clock(&self) -> crate::services::notices::Clock {
        crate::services::sla_watch::notice_clock(&self.0.settings, self.now())
    }

    /// The settings and moment the ticket use cases run with.
    pub fn desk(&self) -> crate::services::tickets::Desk<'_> {
        crate::services::tickets::Desk { sla: &self.0.settings.sla, tz: self.0.settings.time_zone, now: self.now() }
    }

    pub fn clear_buttons(&self, message_id: i32) {
        self.push(Reply::ClearButtons { message_id });
    }

    pub fn answer(&self, query_id: &str, text: Option<Text>, alert: bool) {
        self.push(Reply::Answer { query_id: query_id.to_owned(), text, alert });
    }

    pub fn set_state(&self, state: State) {
        *self.0.next_state.lock().expect("state lock") = Some(state);
    }

    fn push(&self, reply: Reply) {
        self.0.replies.lock().expect("replies lock").push(reply);
    }

    /// Takes everything out once the handler has returned.
    pub async fn finish(self) -> Finished {
        let work = self.0.work.lock().await.take().expect("finish is called once");
        Finished {
            work,
            replies: std::mem::take(&mut *self.0.replies.lock().expect("replies lock")),
            next_state: self.0.next_state.lock().expect("state lock").take(),
            locale: self.actor().locale(),
        }
    }
}
