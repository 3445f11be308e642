//! The update's unit of work (`store::work`) and the dispatcher's choice
//! under concurrency, on a bare database: what the runner relies on.

use std::time::Duration;

use chrono::Utc;
use propdesk::domain::Trade;
use propdesk::i18n::Locale;
use propdesk::store::inbox::{self, InboxRow};
use propdesk::store::testdb::{TestDb, fresh_database};
use propdesk::store::users::Seen;
use propdesk::store::work::{self, Connections, Start};
use propdesk::store::{self};
use serde_json::json;

const CHAT: i64 = 4_400_001;

async fn stored(db: &TestDb, ids: &[i64]) {
    let rows: Vec<InboxRow> = ids
        .iter()
        .map(|id| InboxRow::arrived(*id, Some(CHAT), json!({ "update_id": id, "message": { "text": "hi" } })))
        .collect();
    inbox::store_batch(&db.pool, &rows).await.unwrap();
}

async fn handled(db: &TestDb, id: i64) -> bool {
    sqlx::query_scalar("SELECT handled_at IS NOT NULL FROM inbox WHERE update_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn start(connections: &std::sync::Arc<Connections>, id: i64) -> Start {
    work::begin(connections, id, Some(CHAT), Some(CHAT), Utc::now()).await.unwrap()
}

#[tokio::test]
async fn a_claim_commits_with_the_state_and_a_second_claim_finds_it_handled() {
    let db = fresh_database().await.unwrap();
    stored(&db, &[1]).await;
    let connections = Connections::new((*db.pool.connect_options()).clone(), 2);
    let Start::Claimed { work, arrival } = start(&connections, 1).await else { panic!("claimed") };
    assert!(arrival.user.is_none(), "nobody is recorded before their first update is handled");
    assert!(arrival.dialogue.is_none());
    // A state with everything that could trouble a literal: quotes, a backslash, a semicolon, CJK.
    let state = json!({ "state": "filing", "description": "卫生间'漏水'; \\ DROP TABLE inbox; --" });
    work.commit(Some((CHAT, &state))).await.unwrap();
    assert!(handled(&db, 1).await);
    let saved: serde_json::Value = sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
        .bind(CHAT)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(saved, state, "saved exactly as given");
    assert!(matches!(start(&connections, 1).await, Start::Handled), "a redelivery does nothing");
}

#[tokio::test]
async fn a_unit_of_work_dropped_before_its_commit_leaves_the_update_unhandled() {
    let db = fresh_database().await.unwrap();
    stored(&db, &[1]).await;
    // One connection: if the dropped unit's session went back into use inside
    // its transaction, the next claim would run in it and see its own mark.
    let connections = Connections::new((*db.pool.connect_options()).clone(), 1);
    let Start::Claimed { work, .. } = start(&connections, 1).await else { panic!("claimed") };
    drop(work);
    assert!(!handled(&db, 1).await, "rolled back with its session");
    let Start::Claimed { work, .. } = start(&connections, 1).await else { panic!("claimed again") };
    work.commit(None).await.unwrap();
    assert!(handled(&db, 1).await);
}

#[tokio::test]
async fn a_chats_later_update_waits_until_the_earlier_one_is_handled() {
    let db = fresh_database().await.unwrap();
    stored(&db, &[1, 2]).await;
    let connections = Connections::new((*db.pool.connect_options()).clone(), 2);
    assert!(matches!(start(&connections, 2).await, Start::Later));
    assert!(!handled(&db, 2).await, "not claimed");
    let Start::Claimed { work, .. } = start(&connections, 1).await else { panic!("the earlier one") };
    // While the earlier update is in hand, the later one waits for the chat's lock…
    let waiting = tokio::spawn({
        let connections = connections.clone();
        async move { matches!(start(&connections, 2).await, Start::Claimed { .. }) }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "the chat's lock holds the later update");
    // …and once it commits, reads the chat as the earlier one left it.
    work.commit(None).await.unwrap();
    assert!(waiting.await.unwrap(), "claimed once the earlier one was handled");
}

async fn plumber(db: &TestDb, id: i64) {
    let mut conn = db.pool.acquire().await.unwrap();
    let seen =
        Seen { telegram_id: id, first_name: "师傅", last_name: None, username: None, guessed_locale: Locale::ZhCn };
    store::users::record_seen(&mut conn, seen).await.unwrap();
    store::staff::enlist(&mut conn, id, &format!("师傅{id}"), Trade::Plumbing, false, None).await.unwrap();
}

async fn take(tx: &mut sqlx::PgConnection) -> Option<i64> {
    store::tickets::take_candidate(tx, "plumbing", &[]).await.unwrap().map(|c| c.telegram_id)
}

#[tokio::test]
async fn requests_dispatched_at_the_same_moment_go_to_different_people() {
    let db = fresh_database().await.unwrap();
    plumber(&db, 1).await;
    plumber(&db, 2).await;
    let mut first = db.pool.begin().await.unwrap();
    let mut second = db.pool.begin().await.unwrap();
    assert_eq!(take(&mut first).await, Some(1), "the best: tied, lowest id");
    let next = tokio::time::timeout(Duration::from_secs(2), take(&mut second)).await;
    assert_eq!(next.ok(), Some(Some(2)), "the next best, not a wait behind the first");
    // With everyone being given a ticket, the next waits for the best one.
    let mut third = db.pool.begin().await.unwrap();
    let waiting = tokio::spawn(async move {
        let chosen = take(&mut third).await;
        third.rollback().await.unwrap();
        chosen
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "waits rather than leaving the ticket queued");
    first.rollback().await.unwrap();
    assert_eq!(waiting.await.unwrap(), Some(1));
    second.rollback().await.unwrap();
}
