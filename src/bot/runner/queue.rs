//! The runner's waiting line: what has been stored in the inbox and not yet
//! handled, one line per chat.
//!
//! A chat's updates are handled one at a time and in `update_id` order; other
//! chats meanwhile go on. Whoever takes an item from a line holds the line
//! until it says the item is finished (or puts it back to try again), so the
//! chat's next update waits for the previous one's replies; a chat whose
//! update is taken goes to the back of the ready line when it has more, so
//! one busy chat cannot hold the others back.
//!
//! Nothing here is needed for correctness across a crash: every row is in the
//! inbox before it is offered, and the runner's claim is what makes handling
//! exactly-once. The line only decides the order and keeps work in memory so
//! the runner does not read back what the listener has just written.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;
use teloxide::types::Update;
use tokio::sync::Notify;

use crate::store::inbox::InboxRow;

/// An update stored in the inbox, as the runner handles it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub row: InboxRow,
    /// Parsed once, where it arrived; None when teloxide cannot parse it (the
    /// runner then records the failure and sets it aside).
    pub update: Option<Update>,
}

impl Incoming {
    pub fn new(row: InboxRow) -> Incoming {
        let update = crate::bot::listener::parse(&row.payload);
        Incoming { row, update }
    }

    pub fn update_id(&self) -> i64 {
        self.row.update_id
    }

    pub fn payload(&self) -> &Value {
        &self.row.payload
    }

    pub fn key(&self) -> LineKey {
        match self.row.chat_id {
            Some(chat) => LineKey::Chat(chat),
            None => LineKey::Alone(self.row.update_id),
        }
    }

    /// This update, ready for `Queue::push` into its line.
    pub fn queued(self) -> (LineKey, Item) {
        (self.key(), Item::Update(Box::new(self)))
    }
}

/// Whose line an update waits in: its chat's, or (an update without a chat)
/// a line of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKey {
    Chat(i64),
    Alone(i64),
}

impl LineKey {
    pub fn chat(self) -> Option<i64> {
        match self {
            LineKey::Chat(chat) => Some(chat),
            LineKey::Alone(_) => None,
        }
    }
}

/// One thing to do in a chat.
#[derive(Debug)]
pub enum Item {
    Update(Box<Incoming>),
    /// Tell the chat, once its served updates are answered, that it is
    /// sending too much (the abuse limit).
    SlowDown,
}

impl Item {
    fn update_id(&self) -> Option<i64> {
        match self {
            Item::Update(incoming) => Some(incoming.update_id()),
            Item::SlowDown => None,
        }
    }
}

#[derive(Default)]
struct Line {
    items: VecDeque<Item>,
    in_hand: bool,
}

impl Line {
    /// Puts update `id` before the first item of a later update, so a line
    /// is always in `update_id` order.
    fn insert_update(&mut self, id: i64, item: Item) {
        let at = self.items.iter().position(|i| i.update_id().is_some_and(|other| other > id));
        self.items.insert(at.unwrap_or(self.items.len()), item);
    }
}

#[derive(Default)]
struct Lines {
    lines: HashMap<LineKey, Line>,
    /// Lines with something to take and nobody holding them, oldest first.
    ready: VecDeque<LineKey>,
    /// Update ids waiting or in hand: a row offered twice (the inbox sweep
    /// finds what the listener offered too) is queued once.
    known: HashSet<i64>,
    /// Items taken and not yet finished or put back.
    in_hand: usize,
    /// Updates waiting (not in hand).
    waiting: usize,
}

pub struct Queue {
    lines: Mutex<Lines>,
    changed: Notify,
}

impl Default for Queue {
    fn default() -> Self {
        Queue::new()
    }
}

impl Queue {
    pub fn new() -> Queue {
        Queue { lines: Mutex::new(Lines::default()), changed: Notify::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lines> {
        // Nothing in here panics while holding the lock; recover anyway.
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds items to their lines. An update already waiting or in hand is
    /// skipped; an update earlier than some already waiting in its line goes
    /// before them, so a line is always in `update_id` order.
    pub fn push(&self, items: impl IntoIterator<Item = (LineKey, Item)>) {
        let mut guard = self.lock();
        let lines = &mut *guard;
        let mut added = false;
        for (key, item) in items {
            if let Some(id) = item.update_id() {
                if !lines.known.insert(id) {
                    continue;
                }
                lines.waiting += 1;
            }
            let line = lines.lines.entry(key).or_default();
            let was_idle = !line.in_hand && line.items.is_empty();
            match item.update_id() {
                Some(id) => line.insert_update(id, item),
                None => line.items.push_back(item),
            }
            if was_idle {
                lines.ready.push_back(key);
            }
            added = true;
        }
        drop(guard);
        if added {
            self.changed.notify_waiters();
        }
    }

    /// The next item of the oldest ready line, once fewer than `max_in_hand`
    /// items are in hand; its line is held until `finish` or `put_back`.
    /// Cancel-safe: nothing is taken unless this returns.
    pub async fn take(&self, max_in_hand: usize) -> (LineKey, Item) {
        self.once(|| self.try_take(max_in_hand)).await
    }

    /// Waits until `check` finds something, looking again after every change.
    async fn once<T>(&self, check: impl Fn() -> Option<T>) -> T {
        loop {
            // Registered before looking, so a change in between is not missed.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(found) = check() {
                return found;
            }
            changed.await;
        }
    }

    fn try_take(&self, max_in_hand: usize) -> Option<(LineKey, Item)> {
        let mut guard = self.lock();
        let lines = &mut *guard;
        if lines.in_hand >= max_in_hand {
            return None;
        }
        while let Some(key) = lines.ready.pop_front() {
            let Some(line) = lines.lines.get_mut(&key) else { continue };
            let Some(item) = line.items.pop_front() else { continue };
            line.in_hand = true;
            lines.in_hand += 1;
            if item.update_id().is_some() {
                lines.waiting -= 1;
            }
            return Some((key, item));
        }
        None
    }

    /// The item taken from `key` is done with (`update_id`: the update it
    /// was, now handled or set aside for good): the line is free again.
    pub fn finish(&self, key: LineKey, update_id: Option<i64>) {
        let mut guard = self.lock();
        let lines = &mut *guard;
        if let Some(id) = update_id {
            lines.known.remove(&id);
        }
        Self::release(lines, key);
        drop(guard);
        self.changed.notify_waiters();
    }

    /// The item taken from `key` goes back into its line, to be tried again
    /// before anything the chat sent after it (and after anything earlier
    /// that was found meanwhile).
    pub fn put_back(&self, key: LineKey, item: Item) {
        let mut guard = self.lock();
        let lines = &mut *guard;
        let line = lines.lines.entry(key).or_default();
        match item.update_id() {
            Some(id) => {
                line.insert_update(id, item);
                lines.waiting += 1;
            }
            None => line.items.push_front(item),
        }
        Self::release(lines, key);
        drop(guard);
        self.changed.notify_waiters();
    }

    fn release(lines: &mut Lines, key: LineKey) {
        lines.in_hand = lines.in_hand.saturating_sub(1);
        let Some(line) = lines.lines.get_mut(&key) else { return };
        line.in_hand = false;
        if line.items.is_empty() {
            lines.lines.remove(&key);
        } else {
            lines.ready.push_back(key);
        }
    }

    /// Updates waiting, not counting those in hand.
    pub fn waiting(&self) -> usize {
        self.lock().waiting
    }

    /// Items in hand.
    #[cfg(test)]
    pub fn in_hand(&self) -> usize {
        self.lock().in_hand
    }

    /// Whether this update is waiting or in hand here.
    pub fn knows(&self, update_id: i64) -> bool {
        self.lock().known.contains(&update_id)
    }

    /// Waits until fewer than `limit` updates are waiting.
    pub async fn room_below(&self, limit: usize) {
        self.once(|| (self.waiting() < limit).then_some(())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn update(id: i64, chat: i64) -> (LineKey, Item) {
        let row = InboxRow { update_id: id, chat_id: Some(chat), payload: json!({ "update_id": id }), attempts: 0 };
        Incoming { row, update: None }.queued()
    }

    fn id_of(item: &Item) -> i64 {
        item.update_id().expect("an update")
    }

    fn now(queue: &Queue, max: usize) -> Option<(LineKey, i64)> {
        queue.try_take(max).map(|(key, item)| (key, id_of(&item)))
    }

    #[test]
    fn one_chat_is_served_in_order_and_never_twice_at_once() {
        let q = Queue::new();
        q.push([update(2, 10), update(1, 10), update(3, 10)]);
        assert_eq!(now(&q, 8), Some((LineKey::Chat(10), 1)), "the earlier update first, whatever the offer order");
        assert_eq!(now(&q, 8), None, "the chat is held while its update is in hand");
        q.finish(LineKey::Chat(10), Some(1));
        assert_eq!(now(&q, 8), Some((LineKey::Chat(10), 2)));
    }

    #[test]
    fn other_chats_go_on_while_one_is_held() {
        let q = Queue::new();
        q.push([update(1, 10), update(2, 10), update(3, 20)]);
        assert_eq!(now(&q, 8), Some((LineKey::Chat(10), 1)));
        assert_eq!(now(&q, 8), Some((LineKey::Chat(20), 3)));
        assert_eq!(q.in_hand(), 2);
        assert_eq!(q.waiting(), 1);
    }

    #[test]
    fn a_chat_with_more_waits_behind_chats_that_were_ready_first() {
        let q = Queue::new();
        q.push([update(1, 10), update(2, 10), update(3, 20)]);
        let (key, _) = q.try_take(8).unwrap();
        q.finish(key, Some(1));
        assert_eq!(now(&q, 8), Some((LineKey::Chat(20), 3)), "chat 20 was ready before chat 10 came back");
        assert_eq!(now(&q, 8), Some((LineKey::Chat(10), 2)));
    }

    #[test]
    fn an_update_put_back_is_tried_again_before_the_next_one() {
        let q = Queue::new();
        q.push([update(1, 10), update(2, 10)]);
        let (key, item) = q.try_take(8).unwrap();
        q.put_back(key, item);
        assert_eq!(now(&q, 8), Some((LineKey::Chat(10), 1)));
    }

    #[test]
    fn an_update_offered_twice_is_queued_once_until_finished() {
        let q = Queue::new();
        q.push([update(1, 10)]);
        q.push([update(1, 10)]);
        assert_eq!(q.waiting(), 1);
        let (key, _) = q.try_take(8).unwrap();
        q.push([update(1, 10)]);
        assert_eq!(q.waiting(), 0, "in hand counts as known");
        q.finish(key, Some(1));
        assert!(!q.knows(1));
        q.push([update(1, 10)]);
        assert_eq!(q.waiting(), 1, "handled and offered again (a redelivery): queued, and the claim will skip it");
    }

    #[test]
    fn no_more_than_the_limit_is_in_hand() {
        let q = Queue::new();
        q.push([update(1, 10), update(2, 20), update(3, 30)]);
        assert!(q.try_take(2).is_some());
        assert!(q.try_take(2).is_some());
        assert!(q.try_take(2).is_none());
        q.finish(LineKey::Chat(10), Some(1));
        assert_eq!(now(&q, 2), Some((LineKey::Chat(30), 3)));
    }

    #[test]
    fn a_slow_down_notice_follows_the_chats_served_updates() {
        let q = Queue::new();
        q.push([update(1, 10), (LineKey::Chat(10), Item::SlowDown)]);
        let (key, first) = q.try_take(8).unwrap();
        assert_eq!(id_of(&first), 1);
        q.finish(key, Some(1));
        let (_, next) = q.try_take(8).unwrap();
        assert!(matches!(next, Item::SlowDown));
    }

    #[tokio::test]
    async fn a_waiting_taker_wakes_when_something_is_pushed() {
        let q = std::sync::Arc::new(Queue::new());
        let taker = tokio::spawn({
            let q = q.clone();
            async move { id_of(&q.take(8).await.1) }
        });
        tokio::task::yield_now().await;
        q.push([update(7, 10)]);
        assert_eq!(taker.await.unwrap(), 7);
    }
}
