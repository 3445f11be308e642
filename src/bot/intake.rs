//! Where updates come in, from long polling and from the webhook alike: each
//! update read on its own, made storable, stored, and handed to the runner;
//! whatever cannot be read or stored is set aside with its reason, counted,
//! and its sender told. No update, whatever it holds, can hold up the others:
//! a batch is confirmed to Telegram (or the webhook answered 200) once each of
//! its updates is either in the inbox or set aside there.
//!
//! What is made storable rather than set aside: PostgreSQL's text and jsonb
//! cannot hold U+0000, so a NUL in any string (a text, a caption, a file
//! name, a contact, a venue, callback data) becomes U+FFFD, the character
//! that stands for one that could not be kept; a lone UTF-16 surrogate
//! escape (`"\ud800"`, which no UTF-8 text can hold) becomes U+FFFD too. The
//! person's message is then handled like any other.
//!
//! What is set aside: an update that is still not JSON a `Value` can hold (a
//! number out of range, nesting deeper than serde_json reads), one teloxide
//! cannot read, and one PostgreSQL refuses even so. Its inbox row keeps the
//! update id and the reason (`last_error`), not the content; the person, when
//! the update names their chat, is told in their language to send it again
//! (an outbox row, so it survives a crash), and a button press is answered.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use sqlx::PgPool;
use teloxide::prelude::Requester as _;
use teloxide::types::{CallbackQueryId, UpdateKind};

use crate::bot::listener;
use crate::bot::runner::{Incoming, Runner};
use crate::domain::Outgoing;
use crate::i18n::Text;
use crate::store::inbox::{self, InboxRow, SetAsideRow};
use crate::store::outbox::{self, NewMessage, Priority};

/// Why an update was set aside: the label of `propdesk_updates_set_aside_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not JSON a `Value` holds, even after repair.
    Unreadable,
    /// JSON, but not an update teloxide reads.
    Unparseable,
    /// PostgreSQL refused to store it.
    Unstorable,
}

impl Reason {
    pub const ALL: [Reason; 3] = [Reason::Unreadable, Reason::Unparseable, Reason::Unstorable];

    pub fn label(self) -> &'static str {
        match self {
            Reason::Unreadable => "unreadable",
            Reason::Unparseable => "unparseable",
            Reason::Unstorable => "unstorable",
        }
    }
}

/// An update set aside unhandled.
#[derive(Clone, Debug, PartialEq)]
pub struct SetAside {
    pub update_id: i64,
    /// Whose chat it came from, when that much could be read.
    pub chat_id: Option<i64>,
    /// A button press to answer, so the client stops spinning.
    pub callback_query: Option<String>,
    pub reason: Reason,
}

/// A batch as read: what goes to the runner, what is set aside.
#[derive(Default, Clone)]
pub struct Intake {
    pub updates: Vec<Incoming>,
    pub set_aside: Vec<SetAside>,
    /// Updates made storable (a NUL, a lone surrogate replaced).
    pub repaired: usize,
    /// Updates without a readable update id: nothing can be done with them.
    pub lost: usize,
}

impl Intake {
    /// Reads each update of a batch on its own.
    pub fn read<'a>(batch: impl IntoIterator<Item = &'a RawValue>) -> Intake {
        let mut intake = Intake::default();
        for raw in batch {
            intake.add(raw.get());
        }
        intake
    }

    /// The offset that confirms this batch: past every update id read.
    pub fn next_offset(&self) -> Option<i64> {
        let set_aside = self.set_aside.iter().map(|s| s.update_id);
        self.updates.iter().map(Incoming::update_id).chain(set_aside).max().map(|id| id + 1)
    }

    pub fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.set_aside.is_empty()
    }

    fn add(&mut self, text: &str) {
        let (value, repaired) = match serde_json::from_str::<Value>(text) {
            Ok(value) => (Some(value), false),
            Err(_) => match repair_surrogates(text) {
                Some(repaired) => (serde_json::from_str::<Value>(&repaired).ok(), true),
                None => (None, false),
            },
        };
        let Some(mut value) = value else {
            return self.set_aside_or_lose(Peek::read(text), Reason::Unreadable, text);
        };
        let repaired = replace_nul(&mut value) || repaired;
        let Some(incoming) = listener::arrived(value) else {
            return self.set_aside_or_lose(Peek::read(text), Reason::Unparseable, text);
        };
        // teloxide reads a known kind it cannot parse as `UpdateKind::Error`,
        // like a kind it does not know: set aside when a person sent it (the
        // runner could not answer them), passed on otherwise (ignored there).
        let unread = match &incoming.update {
            None => Some(Peek::read(text)),
            Some(update) if matches!(update.kind, UpdateKind::Error(_)) => {
                Some(Peek::read(text)).filter(|peek| peek.as_ref().is_some_and(Peek::names_a_person))
            }
            Some(_) => None,
        };
        if let Some(peek) = unread {
            return self.set_aside_or_lose(peek, Reason::Unparseable, text);
        }
        self.repaired += usize::from(repaired);
        self.updates.push(incoming);
    }

    /// Sets the update `peek` read aside, or, without even its id, counts it lost.
    fn set_aside_or_lose(&mut self, peek: Option<Peek>, reason: Reason, text: &str) {
        match peek {
            Some(peek) => self.set_aside.push(SetAside {
                update_id: peek.update_id,
                chat_id: peek.chat(),
                callback_query: peek.callback_query.map(|q| q.id),
                reason,
            }),
            None => {
                self.lost += 1;
                tracing::error!(bytes = text.len(), "an update without a readable update_id was dropped");
            }
        }
    }
}

/// The little of an update needed to set it aside and tell its sender,
/// read leniently: serde skips every other field without decoding its
/// strings, so what spoils the rest of the update does not spoil this.
#[derive(Deserialize)]
struct Peek {
    update_id: i64,
    #[serde(default)]
    message: Option<PeekMessage>,
    #[serde(default)]
    edited_message: Option<PeekMessage>,
    #[serde(default)]
    callback_query: Option<PeekQuery>,
}

#[derive(Deserialize)]
struct PeekMessage {
    chat: PeekId,
}

#[derive(Deserialize)]
struct PeekQuery {
    id: String,
    from: PeekId,
}

#[derive(Deserialize)]
struct PeekId {
    id: i64,
}

impl Peek {
    fn read(text: &str) -> Option<Peek> {
        #[derive(Deserialize)]
        struct IdOnly {
            update_id: i64,
        }
        serde_json::from_str::<Peek>(text).ok().or_else(|| {
            let id = serde_json::from_str::<IdOnly>(text).ok()?;
            Some(Peek { update_id: id.update_id, message: None, edited_message: None, callback_query: None })
        })
    }

    fn names_a_person(&self) -> bool {
        self.message.is_some() || self.edited_message.is_some() || self.callback_query.is_some()
    }

    /// The private chat to answer in (a group's id is negative: not ours to write to).
    fn chat(&self) -> Option<i64> {
        let message = self.message.as_ref().or(self.edited_message.as_ref()).map(|m| m.chat.id);
        message.or(self.callback_query.as_ref().map(|q| q.from.id)).filter(|id| *id > 0)
    }
}

/// Replaces U+0000 in every string and key with U+FFFD; true if there was one.
pub fn replace_nul(value: &mut Value) -> bool {
    const NUL: char = '\u{0}';
    match value {
        Value::String(s) if s.contains(NUL) => {
            *s = s.replace(NUL, "\u{FFFD}");
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |found, item| replace_nul(item) | found),
        Value::Object(map) => {
            let mut found = false;
            if map.keys().any(|k| k.contains(NUL)) {
                *map = std::mem::take(map).into_iter().map(|(k, v)| (k.replace(NUL, "\u{FFFD}"), v)).collect();
                found = true;
            }
            map.values_mut().fold(found, |found, item| replace_nul(item) | found)
        }
        _ => false,
    }
}

/// The JSON text with each `\uXXXX` escape of a UTF-16 surrogate that is not
/// part of a pair replaced by `\ufffd`; None when there is none. (Outside
/// strings JSON has no backslashes, so escapes are found without tracking
/// where strings begin and end.)
pub fn repair_surrogates(text: &str) -> Option<String> {
    fn unit_at(bytes: &[u8], at: usize) -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if &hex[..2] != b"\\u" {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut last, mut changed) = (0, 0, false);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = unit_at(bytes, i) else {
            // Another escape (`\\`, `\"`, `\n`, …): skip both characters.
            i += 2;
            continue;
        };
        let high = (0xD800..0xDC00).contains(&unit);
        let low = (0xDC00..0xE000).contains(&unit);
        if high && unit_at(bytes, i + 6).is_some_and(|next| (0xDC00..0xE000).contains(&next)) {
            i += 12;
        } else if high || low {
            out.push_str(&text[last..i]);
            out.push_str("\\ufffd");
            i += 6;
            last = i;
            changed = true;
        } else {
            i += 6;
        }
    }
    changed.then(|| {
        out.push_str(&text[last..]);
        out
    })
}

/// Stores what was read and hands it over: the updates to the runner; what
/// is set aside (at reading, or because PostgreSQL refused it) to
/// `set_aside`. An error is the database being away: nothing was confirmed,
/// and the caller tries again.
pub async fn deliver(pool: &PgPool, runner: &Arc<Runner>, intake: Intake) -> sqlx::Result<()> {
    let Intake { mut updates, mut set_aside, repaired, lost } = intake;
    let now = runner.clock.now();
    let rows: Vec<&InboxRow> = updates.iter().map(|u| &u.row).collect();
    let aside: Vec<SetAsideRow> = set_aside
        .iter()
        .map(|s| SetAsideRow { update_id: s.update_id, chat_id: s.chat_id, reason: s.reason.label().to_owned() })
        .collect();
    let refused = inbox::store(pool, &rows, &aside, now).await?;
    if !refused.is_empty() {
        updates.retain(|u| {
            let keep = !refused.contains(&u.update_id());
            if !keep {
                set_aside.push(SetAside {
                    update_id: u.update_id(),
                    chat_id: u.row.chat_id.filter(|id| *id > 0),
                    callback_query: callback_query_of(u.payload()),
                    reason: Reason::Unstorable,
                });
            }
            keep
        });
    }
    runner.metrics.updates_repaired.inc_by(repaired as u64);
    runner.metrics.set_aside.with_label_values(&[Reason::Unreadable.label()]).inc_by(lost as u64);
    if !set_aside.is_empty() {
        tell(pool, runner, &set_aside).await;
    }
    runner.accept(updates).await;
    Ok(())
}

fn callback_query_of(payload: &Value) -> Option<String> {
    payload.pointer("/callback_query/id").and_then(Value::as_str).map(str::to_owned)
}

/// Counts what was set aside and tells the people who sent it.
async fn tell(pool: &PgPool, runner: &Runner, set_aside: &[SetAside]) {
    let now = runner.clock.now();
    for item in set_aside {
        runner.metrics.set_aside.with_label_values(&[item.reason.label()]).inc();
        tracing::warn!(update_id = item.update_id, reason = item.reason.label(), "an update was set aside unhandled");
        if let Some(chat_id) = item.chat_id {
            let sorry = Outgoing::new(Text::new("error-update-set-aside"));
            let message = NewMessage {
                chat_id,
                kind: "update-set-aside",
                priority: Priority::Notification,
                message: &sorry,
                not_before: now,
                // Told once, however often the update is delivered again.
                dedup_key: Some(format!("set-aside:{}", item.update_id)),
            };
            let queued = async {
                let mut conn = pool.acquire().await?;
                outbox::enqueue(&mut conn, message).await
            };
            if let Err(err) = queued.await {
                tracing::warn!(update_id = item.update_id, error = %err, "could not tell the sender of a set-aside update");
            }
        }
        if let Some(query) = &item.callback_query
            && let Err(err) = runner.bot.answer_callback_query(CallbackQueryId(query.clone())).await
        {
            let error = crate::error::telegram_error_text(&err);
            tracing::warn!(update_id = item.update_id, error, "answering a set-aside button press failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn a_nul_anywhere_becomes_the_replacement_character() {
        let mut v = json!({"a": "x\u{0}y", "b": [{"c\u{0}": "\u{0}"}], "n": 1});
        assert!(replace_nul(&mut v));
        assert_eq!(v, json!({"a": "x\u{FFFD}y", "b": [{"c\u{FFFD}": "\u{FFFD}"}], "n": 1}));
        let mut clean = json!({"a": "漏水"});
        assert!(!replace_nul(&mut clean));
    }

    #[test]
    fn only_unpaired_surrogate_escapes_are_replaced() {
        assert_eq!(repair_surrogates(r#"{"t":"a\ud800b"}"#).unwrap(), r#"{"t":"a\ufffdb"}"#);
        assert_eq!(repair_surrogates(r#"{"t":"\udc00"}"#).unwrap(), r#"{"t":"\ufffd"}"#);
        assert_eq!(repair_surrogates(r#"{"t":"\ud800\ud800\ude00"}"#).unwrap(), r#"{"t":"\ufffd\ud800\ude00"}"#);
        // A pair (😀), an escaped backslash before a `u`, and plain escapes stay.
        assert_eq!(repair_surrogates(r#"{"t":"\ud83d\ude00 \\ud800 \n \u4e2d"}"#), None);
        // A truncated escape at the very end does not panic.
        assert_eq!(repair_surrogates(r#"\ud8"#), None);
    }

    #[test]
    fn one_unreadable_update_does_not_take_its_batch_with_it() {
        let good = r#"{"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private","first_name":"A"},"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"hi"}}"#;
        let nul = r#"{"update_id":8,"message":{"message_id":2,"date":1,"chat":{"id":5,"type":"private","first_name":"A"},"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"a\u0000b"}}"#;
        let lone = r#"{"update_id":9,"message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private","first_name":"A"},"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"a\udc00"}}"#;
        let huge = r#"{"update_id":10,"message":{"message_id":4,"date":1e999,"chat":{"id":6,"type":"private","first_name":"B"},"from":{"id":6,"is_bot":false,"first_name":"B"},"text":"x"}}"#;
        let no_id = r#"{"message":{}}"#;
        let batch = [raw(good), raw(nul), raw(lone), raw(huge), raw(no_id)];
        let intake = Intake::read(batch.iter().map(|r| &**r));
        let ids: Vec<i64> = intake.updates.iter().map(Incoming::update_id).collect();
        assert_eq!(ids, [7, 8, 9]);
        assert_eq!(intake.repaired, 2);
        let text = |i: usize| intake.updates[i].payload()["message"]["text"].as_str().unwrap().to_owned();
        assert_eq!((text(1), text(2)), ("a\u{FFFD}b".to_owned(), "a\u{FFFD}".to_owned()));
        assert_eq!(
            intake.set_aside,
            [SetAside { update_id: 10, chat_id: Some(6), callback_query: None, reason: Reason::Unreadable }]
        );
        assert_eq!(intake.lost, 1);
        assert_eq!(intake.next_offset(), Some(11));
    }

    #[test]
    fn a_press_set_aside_names_its_query_and_presser() {
        let text = r#"{"update_id":3,"callback_query":{"id":"q1","from":{"id":42,"is_bot":false,"first_name":"A"},"chat_instance":"c","data":7}}"#;
        let intake = Intake::read([&*raw(text)]);
        assert_eq!(
            intake.set_aside,
            [SetAside {
                update_id: 3,
                chat_id: Some(42),
                callback_query: Some("q1".into()),
                reason: Reason::Unparseable
            }]
        );
    }
}
