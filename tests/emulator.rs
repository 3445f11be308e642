//! The Bot API emulator, driven the way the bot drives it: a real `teloxide::Bot` pointed at it.

use std::time::{Duration, Instant};

use propdesk::sandbox::emulator::{EmuError, EmuUser, Emulator, Fault, FaultKind, Limits};
use serde_json::{Value, json};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia,
    InputMediaPhoto, KeyboardButton, KeyboardMarkup, KeyboardRemove, ParseMode, Seconds, Update, UpdateKind,
};
use teloxide::{ApiError, RequestError};

const TOKEN: &str = "123:TEST";
const ANN: i64 = 1001;
const BOB: i64 = 1002;
const SHORT: Duration = Duration::from_secs(5);

/// A JPEG header is enough for the emulator to call it a photo.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

async fn start() -> (Emulator, Bot) {
    let emu = Emulator::new(TOKEN, "propdesk_bot");
    let url = emu.spawn(0).await.expect("the emulator binds a port");
    emu.register_user(EmuUser::new(ANN, "Ann").with_phone("+8613800000001").with_username("ann"));
    emu.register_user(EmuUser::new(BOB, "Bob").with_phone("+8613800000002"));
    (emu, Bot::new(TOKEN).set_api_url(url))
}

/// Ann has written to the bot, and the bot has confirmed every update so far.
async fn start_with_ann_talking() -> (Emulator, Bot) {
    let (emu, bot) = start().await;
    emu.send_text(ANN, "/start");
    confirm_all(&emu, &bot).await;
    (emu, bot)
}

async fn confirm_all(emu: &Emulator, bot: &Bot) {
    bot.get_updates().offset(emu.last_update_id() as i32 + 1).send().await.unwrap();
}

/// The updates waiting after the last confirmed one.
async fn next_updates(bot: &Bot, after: i64) -> Vec<Update> {
    bot.get_updates().offset(after as i32 + 1).send().await.expect("getUpdates parses")
}

async fn only_message(bot: &Bot, after: i64) -> Message {
    let updates = next_updates(bot, after).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    match updates.into_iter().next().unwrap().kind {
        UpdateKind::Message(m) => m,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn api_error<T: std::fmt::Debug>(result: Result<T, RequestError>) -> ApiError {
    match result {
        Err(RequestError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn get_me_parses_and_has_a_username() {
    let (_emu, bot) = start().await;
    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username(), "propdesk_bot");
    assert_eq!(me.user.id.0, 123);
    assert!(me.user.is_bot);
}

#[tokio::test]
async fn every_kind_of_user_message_parses_with_its_accessor() {
    let (emu, bot) = start().await;
    let before = emu.last_update_id();

    emu.send_text(ANN, "/start code42");
    let m = only_message(&bot, before).await;
    assert_eq!(m.text(), Some("/start code42"));
    assert_eq!(m.from.as_ref().unwrap().id.0, ANN as u64);
    assert_eq!(m.chat.id.0, ANN);
    assert_eq!(m.entities().unwrap()[0].length, "/start".len());

    let before = emu.last_update_id();
    emu.share_own_contact(ANN);
    let m = only_message(&bot, before).await;
    assert_eq!(m.contact().expect("a contact").phone_number, "+8613800000001");

    let before = emu.last_update_id();
    emu.send_photo(ANN, JPEG.to_vec(), Some("leak"));
    let m = only_message(&bot, before).await;
    assert!(!m.photo().expect("a photo").is_empty());
    assert_eq!(m.caption(), Some("leak"));

    let before = emu.last_update_id();
    emu.send_sticker(ANN);
    assert!(only_message(&bot, before).await.sticker().is_some());

    let before = emu.last_update_id();
    emu.send_voice(ANN);
    assert!(only_message(&bot, before).await.voice().is_some());

    let before = emu.last_update_id();
    emu.send_document(ANN, "lease.pdf", b"%PDF-1.4".to_vec());
    let m = only_message(&bot, before).await;
    assert_eq!(m.document().expect("a document").file_name.as_deref(), Some("lease.pdf"));

    let before = emu.last_update_id();
    emu.send_location(ANN, 31.2, 121.4);
    let m = only_message(&bot, before).await;
    assert!((m.location().expect("a location").latitude - 31.2).abs() < 1e-9);

    let before = emu.last_update_id();
    emu.send_contact(ANN, "+8613900000009", "Plumber Li", None);
    let contact = only_message(&bot, before).await;
    assert_eq!(contact.contact().unwrap().first_name, "Plumber Li");
    assert!(contact.contact().unwrap().user_id.is_none());

    let before = emu.last_update_id();
    let ids = emu.send_album(ANN, vec![JPEG.to_vec(), JPEG.to_vec()]);
    assert_eq!(ids.len(), 2);
    let album = next_updates(&bot, before).await;
    assert_eq!(album.len(), 2);
    let groups: Vec<_> = album
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Message(m) => m.media_group_id().map(|g| g.to_string()).expect("a media group"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(groups[0], groups[1]);
}

#[tokio::test]
async fn a_button_press_arrives_as_a_callback_query_on_the_bots_message() {
    let (emu, bot) = start_with_ann_talking().await;
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Plumbing", "cat:plumbing")]]);
    let sent = bot.send_message(ChatId(ANN), "What is wrong?").reply_markup(keyboard).await.unwrap();

    let before = emu.last_update_id();
    let query_id = emu.press_inline(ANN, sent.id.0, "cat:plumbing");
    let updates = next_updates(&bot, before).await;
    let UpdateKind::CallbackQuery(q) = &updates[0].kind else { panic!("{updates:?}") };
    assert_eq!(q.id.0, query_id);
    assert_eq!(q.data.as_deref(), Some("cat:plumbing"));
    assert_eq!(q.from.id.0, ANN as u64);
    let message = q.regular_message().expect("an accessible message");
    assert_eq!(message.id, sent.id);
    assert_eq!(message.text(), Some("What is wrong?"));
}

#[tokio::test]
async fn confirmed_updates_are_not_returned_again() {
    let (emu, bot) = start().await;
    emu.send_text(ANN, "one");
    emu.send_text(ANN, "two");
    let all = bot.get_updates().send().await.unwrap();
    assert_eq!(all.len(), 2);
    // Unconfirmed: asking again returns the same two.
    assert_eq!(bot.get_updates().send().await.unwrap().len(), 2);
    let rest = bot.get_updates().offset(all[0].id.as_offset()).send().await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id, all[1].id);
    assert!(bot.get_updates().offset(all[1].id.as_offset()).send().await.unwrap().is_empty());
    assert_eq!(bot.get_updates().limit(1).send().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_long_poll_answers_as_soon_as_a_user_writes() {
    let (emu, bot) = start().await;
    let started = Instant::now();
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(10).send().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    emu.send_text(BOB, "hello");
    let updates = poll.await.unwrap().unwrap();
    assert_eq!(updates.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_long_poll_with_nothing_to_say_ends_at_its_timeout() {
    let (_emu, bot) = start().await;
    let started = Instant::now();
    let updates = bot.get_updates().timeout(1).send().await.unwrap();
    assert!(updates.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_redelivered_update_keeps_its_update_id() {
    let (emu, bot) = start().await;
    emu.send_text(ANN, "fix the tap");
    let first = bot.get_updates().send().await.unwrap();
    let id = first[0].id;
    assert!(bot.get_updates().offset(id.as_offset()).send().await.unwrap().is_empty());

    emu.redeliver(id.0 as i64);
    let again = bot.get_updates().offset(id.as_offset()).send().await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, id);
    let UpdateKind::Message(m) = &again[0].kind else { panic!() };
    assert_eq!(m.text(), Some("fix the tap"));
}

#[tokio::test]
async fn the_chat_shows_inline_and_reply_keyboards() {
    let (emu, bot) = start_with_ann_talking().await;
    let inline = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback("Yes", "y"),
        InlineKeyboardButton::url("Site", "https://example.com".parse().unwrap()),
    ]]);
    let sent = bot.send_message(ChatId(ANN), "Confirm?").reply_markup(inline).await.unwrap();
    assert_eq!(sent.text(), Some("Confirm?"));
    assert!(sent.reply_markup().is_some());

    let reply = KeyboardMarkup::new([[
        KeyboardButton::new("Share my phone").request(ButtonRequest::Contact),
        KeyboardButton::new("Cancel"),
    ]])
    .resize_keyboard();
    let sent = bot.send_message(ChatId(ANN), "Your phone, please").reply_markup(reply).await.unwrap();
    // The returned message still parses as text (a reply keyboard is never echoed in it).
    assert_eq!(sent.text(), Some("Your phone, please"));

    let messages = emu.bot_messages(ANN);
    assert_eq!(messages.len(), 2);
    let buttons = messages[0].inline_keyboard.as_ref().unwrap();
    assert_eq!(buttons[0][0].callback_data.as_deref(), Some("y"));
    assert_eq!(buttons[0][1].url.as_deref(), Some("https://example.com/"));
    assert_eq!(messages[0].callback_data_of("Yes"), Some("y"));
    let keyboard = emu.current_reply_keyboard(ANN).expect("a reply keyboard");
    assert!(keyboard[0][0].request_contact);
    assert_eq!(keyboard[0][1].text, "Cancel");
    assert_eq!(emu.messages(ANN).len(), 3, "the user's /start and two replies");

    bot.send_message(ChatId(ANN), "Thanks").reply_markup(KeyboardRemove::new()).await.unwrap();
    assert!(emu.current_reply_keyboard(ANN).is_none());
    assert!(emu.bot_messages(ANN)[2].removes_keyboard);
}

#[tokio::test]
async fn pressing_a_contact_button_shares_the_users_own_contact() {
    let (emu, bot) = start_with_ann_talking().await;
    let reply = KeyboardMarkup::new([[KeyboardButton::new("Share my phone").request(ButtonRequest::Contact)]]);
    bot.send_message(ChatId(ANN), "Your phone, please").reply_markup(reply).await.unwrap();

    assert!(matches!(emu.press_reply(ANN, "Nope"), Err(EmuError::NoSuchButton { .. })));
    let before = emu.last_update_id();
    emu.press_reply(ANN, "Share my phone").unwrap();
    let m = only_message(&bot, before).await;
    let contact = m.contact().expect("a contact");
    assert_eq!(contact.phone_number, "+8613800000001");
    assert_eq!(contact.user_id.map(|u| u.0), Some(ANN as u64));
}

#[tokio::test]
async fn a_retry_after_fault_is_a_retry_after_error() {
    let (emu, bot) = start_with_ann_talking().await;
    emu.add_fault(Fault::new(FaultKind::RetryAfter(7)).method("sendMessage"));
    let err = bot.send_message(ChatId(ANN), "hi").await.unwrap_err();
    assert!(matches!(err, RequestError::RetryAfter(s) if s == Seconds::from_seconds(7)), "{err:?}");
    // Used up: the next one goes through.
    bot.send_message(ChatId(ANN), "hi").await.unwrap();
    assert_eq!(emu.request_count("sendMessage"), 2);
}

#[tokio::test]
async fn a_forbidden_fault_and_a_blocking_user_are_bot_blocked() {
    let (emu, bot) = start_with_ann_talking().await;
    emu.add_fault(Fault::new(FaultKind::Forbidden).chat(ANN));
    assert_eq!(api_error(bot.send_message(ChatId(ANN), "hi").await), ApiError::BotBlocked);

    let before = emu.last_update_id();
    emu.set_blocked(ANN, true);
    assert_eq!(api_error(bot.send_message(ChatId(ANN), "hi").await), ApiError::BotBlocked);
    let updates = next_updates(&bot, before).await;
    let UpdateKind::MyChatMember(change) = &updates[0].kind else { panic!("{updates:?}") };
    assert!(change.new_chat_member.is_banned());

    emu.set_blocked(ANN, false);
    bot.send_message(ChatId(ANN), "welcome back").await.unwrap();
}

#[tokio::test]
async fn a_server_error_fault_answers_with_that_status() {
    // teloxide sleeps 10 s after any 5xx, so this one is checked with plain HTTP.
    let (emu, _bot) = start_with_ann_talking().await;
    let url = emu.spawn(0).await.unwrap();
    emu.add_fault(Fault::new(FaultKind::ServerError(502)).method("sendMessage").times(1));
    let client = reqwest::Client::new();
    let send =
        || client.post(format!("{url}bot{TOKEN}/sendMessage")).json(&json!({ "chat_id": ANN, "text": "hi" })).send();
    let failed = send().await.unwrap();
    assert_eq!(failed.status().as_u16(), 502);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["ok"], json!(false));
    assert_eq!(body["error_code"], json!(502));
    assert_eq!(send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn the_bot_cannot_write_first_nor_to_an_unknown_chat() {
    let (_emu, bot) = start().await;
    let err = api_error(bot.send_message(ChatId(BOB), "hi").await);
    assert_eq!(err, ApiError::Unknown("Forbidden: bot can't initiate conversation with a user".into()));
    assert_eq!(api_error(bot.send_message(ChatId(999), "hi").await), ApiError::ChatNotFound);
}

#[tokio::test]
async fn an_identical_edit_is_message_not_modified() {
    let (emu, bot) = start_with_ann_talking().await;
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Close", "close")]]);
    let sent = bot.send_message(ChatId(ANN), "Ticket #1").reply_markup(keyboard.clone()).await.unwrap();

    let same = bot.edit_message_text(ChatId(ANN), sent.id, "Ticket #1").reply_markup(keyboard.clone()).await;
    assert_eq!(api_error(same), ApiError::MessageNotModified);

    let after = emu.seq();
    let edited = bot.edit_message_text(ChatId(ANN), sent.id, "Ticket #1 closed").await.unwrap();
    assert_eq!(edited.text(), Some("Ticket #1 closed"));
    assert!(edited.reply_markup().is_none(), "an edit without reply_markup drops the keyboard");
    let shown = emu.wait_for_bot_message(ANN, after, |m| m.edited, SHORT).await.unwrap();
    assert_eq!(shown.text.as_deref(), Some("Ticket #1 closed"));
    assert!(shown.inline_keyboard.is_none());

    bot.edit_message_reply_markup(ChatId(ANN), sent.id).reply_markup(keyboard).await.unwrap();
    assert!(emu.last_bot_message(ANN).unwrap().inline_keyboard.is_some());
    bot.delete_message(ChatId(ANN), sent.id).await.unwrap();
    assert!(emu.bot_messages(ANN)[0].deleted);
    assert_eq!(api_error(bot.delete_message(ChatId(ANN), sent.id).await), ApiError::MessageToDeleteNotFound);
}

#[tokio::test]
async fn answering_a_callback_query_twice_is_an_error() {
    let (emu, bot) = start_with_ann_talking().await;
    let sent = bot.send_message(ChatId(ANN), "Rate us").await.unwrap();
    let query_id = emu.press_inline(ANN, sent.id.0, "rate:5");
    bot.answer_callback_query(teloxide::types::CallbackQueryId(query_id.clone())).text("Thanks!").await.unwrap();
    let answer = emu.wait_for_callback_answer(&query_id, SHORT).await.unwrap();
    assert_eq!(answer.text.as_deref(), Some("Thanks!"));
    assert!(!answer.show_alert);

    let again = bot.answer_callback_query(teloxide::types::CallbackQueryId(query_id)).await;
    let ApiError::Unknown(text) = api_error(again) else { panic!("expected the raw text") };
    assert!(text.contains("query is too old"), "{text}");
    assert_eq!(emu.callback_answers().len(), 1);
}

#[tokio::test]
async fn with_limits_on_a_second_message_to_one_chat_within_a_second_is_refused() {
    let (emu, bot) = start_with_ann_talking().await;
    emu.send_text(BOB, "/start");
    emu.set_limits(Some(Limits::default()));
    bot.send_message(ChatId(ANN), "one").await.unwrap();
    bot.send_message(ChatId(BOB), "another chat is fine").await.unwrap();
    let err = bot.send_message(ChatId(ANN), "two").await.unwrap_err();
    assert!(matches!(err, RequestError::RetryAfter(s) if s.seconds() >= 1), "{err:?}");
    emu.set_limits(None);
    bot.send_message(ChatId(ANN), "two").await.unwrap();
}

#[tokio::test]
async fn waiting_for_a_message_that_never_comes_times_out_with_the_chat() {
    let (emu, bot) = start_with_ann_talking().await;
    bot.send_message(ChatId(ANN), "Hello Ann").await.unwrap();
    let started = Instant::now();
    let err = emu
        .wait_for_bot_message(ANN, emu.seq(), |m| m.body().contains("never"), Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let text = err.to_string();
    assert!(text.contains("Hello Ann") && text.contains("/start"), "{text}");
}

#[tokio::test]
async fn a_waiter_wakes_when_the_bot_replies() {
    let (emu, bot) = start_with_ann_talking().await;
    let after = emu.seq();
    let waiter = tokio::spawn({
        let emu = emu.clone();
        async move { emu.wait_for_bot_message(ANN, after, |m| m.body() == "Done", SHORT).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    bot.send_message(ChatId(ANN), "Done").await.unwrap();
    assert_eq!(waiter.await.unwrap().unwrap().body(), "Done");
}

#[tokio::test]
async fn photos_the_bot_uploads_are_stored_and_served() {
    let (emu, bot) = start_with_ann_talking().await;
    let sent = bot
        .send_photo(ChatId(ANN), InputFile::memory(JPEG.to_vec()).file_name("a.jpg"))
        .caption("Your unit")
        .await
        .unwrap();
    let photo = sent.photo().expect("a photo");
    assert_eq!(sent.caption(), Some("Your unit"));
    let file_id = photo.last().unwrap().file.id.clone();
    assert_eq!(emu.file_bytes(&file_id.0).as_deref(), Some(JPEG));

    // A file on disk is uploaded chunked.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.jpg");
    std::fs::write(&path, JPEG).unwrap();
    let from_disk = bot.send_photo(ChatId(ANN), InputFile::file(&path)).await.unwrap();
    let disk_id = from_disk.photo().unwrap().last().unwrap().file.id.clone();
    assert_eq!(emu.file_bytes(&disk_id.0).as_deref(), Some(JPEG));

    // Reuse by file_id, getFile and download.
    let again = bot.send_photo(ChatId(ANN), InputFile::file_id(file_id.clone())).await.unwrap();
    assert_eq!(again.photo().unwrap().last().unwrap().file.id, file_id);
    let file = bot.get_file(file_id).await.unwrap();
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes).await.unwrap();
    assert_eq!(bytes, JPEG);
    let wrong = bot.send_photo(ChatId(ANN), InputFile::file_id("nope".into())).await;
    assert_eq!(api_error(wrong), ApiError::WrongFileIdOrUrl);

    // An album.
    let media = vec![
        InputMedia::Photo(InputMediaPhoto::new(InputFile::memory(JPEG.to_vec())).caption("front")),
        InputMedia::Photo(InputMediaPhoto::new(InputFile::memory(JPEG.to_vec()))),
    ];
    let album = bot.send_media_group(ChatId(ANN), media).await.unwrap();
    assert_eq!(album.len(), 2);
    assert!(album.iter().all(|m| m.photo().is_some() && m.media_group_id().is_some()));
    assert_eq!(album[0].caption(), Some("front"));
    assert_eq!(emu.bot_messages(ANN).len(), 5);
}

#[tokio::test]
async fn a_users_photo_can_be_fetched_by_the_bot() {
    let (emu, bot) = start().await;
    let before = emu.last_update_id();
    emu.send_photo(ANN, JPEG.to_vec(), None);
    let m = only_message(&bot, before).await;
    let file = bot.get_file(m.photo().unwrap().last().unwrap().file.id.clone()).await.unwrap();
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes).await.unwrap();
    assert_eq!(bytes, JPEG);
}

#[tokio::test]
async fn markdown_v2_must_escape_reserved_characters() {
    let (emu, bot) = start_with_ann_talking().await;
    let bad = bot.send_message(ChatId(ANN), "Ticket 12 closed.").parse_mode(ParseMode::MarkdownV2).await;
    assert!(matches!(api_error(bad), ApiError::CantParseEntities(_)));
    let good = bot.send_message(ChatId(ANN), r"*Ticket 12* closed\.").parse_mode(ParseMode::MarkdownV2).await.unwrap();
    assert_eq!(good.text(), Some("Ticket 12 closed."));
    assert_eq!(emu.last_bot_message(ANN).unwrap().body(), "Ticket 12 closed.");
}

#[tokio::test]
async fn commands_are_recorded_per_scope_and_language() {
    let (emu, bot) = start().await;
    let commands = [BotCommand::new("start", "Start"), BotCommand::new("repair", "Report a repair")];
    bot.set_my_commands(commands.clone()).await.unwrap();
    bot.set_my_commands([BotCommand::new("start", "开始")]).language_code("zh").await.unwrap();
    let staff = BotCommandScope::Chat { chat_id: ChatId(ANN).into() };
    bot.set_my_commands([BotCommand::new("queue", "Open tickets")]).scope(staff.clone()).await.unwrap();

    let registered = emu.commands();
    assert_eq!(registered.len(), 3);
    assert_eq!(registered[0].scope, json!({ "type": "default" }));
    assert_eq!(registered[0].commands[1].command, "repair");
    assert_eq!(registered[1].language_code.as_deref(), Some("zh"));
    assert_eq!(registered[2].scope, json!({ "type": "chat", "chat_id": ANN }));
    assert_eq!(bot.get_my_commands().await.unwrap(), commands.to_vec());

    bot.delete_my_commands().scope(staff).await.unwrap();
    assert_eq!(emu.commands().len(), 2);
}

#[tokio::test]
async fn get_chat_webhooks_and_chat_actions_parse() {
    let (emu, bot) = start_with_ann_talking().await;
    let chat = bot.get_chat(ChatId(ANN)).await.unwrap();
    assert!(chat.is_private());
    assert_eq!(chat.first_name(), Some("Ann"));
    bot.send_chat_action(ChatId(ANN), teloxide::types::ChatAction::Typing).await.unwrap();

    assert!(bot.get_webhook_info().await.unwrap().url.is_none());
    bot.set_webhook("https://bot.example.com/hook".parse().unwrap()).await.unwrap();
    assert!(bot.get_webhook_info().await.unwrap().url.is_some());
    let conflict = api_error(bot.get_updates().send().await);
    assert!(matches!(conflict, ApiError::Unknown(_) | ApiError::CantGetUpdates), "{conflict:?}");
    bot.delete_webhook().await.unwrap();
    bot.get_updates().send().await.unwrap();
    assert_eq!(emu.request_count("getUpdates"), 3);
}

#[tokio::test]
async fn an_unmodified_dispatcher_replies_through_the_emulator() {
    let (emu, bot) = start().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, format!("echo: {}", msg.text().unwrap_or("?"))).await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let after = emu.seq();
    emu.send_text(ANN, "hello");
    let reply = emu.wait_for_bot_message(ANN, after, |m| m.body().starts_with("echo"), SHORT).await.unwrap();
    assert_eq!(reply.body(), "echo: hello");
    assert!(emu.allowed_updates().is_some_and(|kinds| kinds.contains(&"message".to_owned())));

    // Poll until the dispatcher is running, then stop it.
    while shutdown.clone().shutdown().is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::timeout(Duration::from_secs(15), running).await.unwrap().unwrap();
}

// --- the control HTTP API ---

#[tokio::test]
async fn the_control_api_plays_a_user_and_reads_the_chat() {
    let emu = Emulator::new(TOKEN, "propdesk_bot");
    let url = emu.spawn(0).await.unwrap();
    let bot = Bot::new(TOKEN).set_api_url(url.clone());
    let http = reqwest::Client::new();
    let control = |path: &str| format!("{url}control/{path}");

    let carol = json!({ "id": 2001, "first_name": "Carol", "phone": "+8613700000003" });
    assert!(http.post(control("users")).json(&carol).send().await.unwrap().status().is_success());
    let users: Vec<EmuUser> = http.get(control("users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(users[0].first_name, "Carol");

    let sent: Value = http
        .post(control("users/2001/text"))
        .json(&json!({ "text": "/start" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["message_id"], json!(1));

    // A long poll on the chat wakes when the bot answers.
    let first: Value = http.get(control("chats/2001/messages?after=0")).send().await.unwrap().json().await.unwrap();
    let seq = first["seq"].as_u64().unwrap();
    assert_eq!(first["messages"][0]["text"], json!("/start"));
    let poll = tokio::spawn({
        let (http, url) = (http.clone(), control(&format!("chats/2001/messages?after={seq}&wait=10")));
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("OK", "ok")]]);
    let reply = bot.send_message(ChatId(2001), "Welcome").reply_markup(keyboard).await.unwrap();
    let woke = poll.await.unwrap();
    assert_eq!(woke["messages"][0]["text"], json!("Welcome"));
    assert_eq!(woke["messages"][0]["from_bot"], json!(true));
    assert_eq!(woke["messages"][0]["inline_keyboard"][0][0]["callback_data"], json!("ok"));

    // Pressing a button, and the alert it gets.
    let pressed: Value = http
        .post(control("users/2001/press"))
        .json(&json!({ "message_id": reply.id.0, "data": "ok" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let query_id = pressed["query_id"].as_str().unwrap().to_owned();
    let seq = emu.seq();
    bot.answer_callback_query(teloxide::types::CallbackQueryId(query_id)).text("Saved").show_alert(true).await.unwrap();
    let after: Value =
        http.get(control(&format!("chats/2001/messages?after={seq}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["alerts"][0]["text"], json!("Saved"));
    assert_eq!(after["alerts"][0]["show_alert"], json!(true));

    // An edit comes back with its new content.
    let seq = emu.seq();
    bot.edit_message_text(ChatId(2001), reply.id, "Welcome, Carol").await.unwrap();
    let edited: Value = http
        .get(control(&format!("chats/2001/messages?after={seq}&wait=5")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(edited["messages"][0]["text"], json!("Welcome, Carol"));
    assert_eq!(edited["messages"][0]["edited"], json!(true));

    // Reply keyboard, own contact, location, sticker, voice.
    let share = KeyboardMarkup::new([[KeyboardButton::new("Share").request(ButtonRequest::Contact)]]);
    bot.send_message(ChatId(2001), "Phone?").reply_markup(share).await.unwrap();
    let chat: Value = http.get(control("chats/2001/messages")).send().await.unwrap().json().await.unwrap();
    assert_eq!(chat["reply_keyboard"][0][0]["request_contact"], json!(true));
    let pressed =
        http.post(control("users/2001/reply_button")).json(&json!({ "label": "Share" })).send().await.unwrap();
    assert!(pressed.status().is_success());
    let missing = http.post(control("users/2001/reply_button")).json(&json!({ "label": "Nope" })).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert!(http.post(control("users/2001/contact")).json(&json!({})).send().await.unwrap().status().is_success());
    let other = json!({ "phone": "+8613900000000", "first_name": "Li", "user_id": 77 });
    assert!(http.post(control("users/2001/contact")).json(&other).send().await.unwrap().status().is_success());
    let here = json!({ "latitude": 31.2, "longitude": 121.5 });
    assert!(http.post(control("users/2001/location")).json(&here).send().await.unwrap().status().is_success());
    assert!(http.post(control("users/2001/sticker")).json(&json!({})).send().await.unwrap().status().is_success());
    assert!(http.post(control("users/2001/voice")).json(&json!({})).send().await.unwrap().status().is_success());
    let kinds: Vec<String> = emu.messages(2001).iter().filter(|m| !m.from_bot).map(|m| m.kind.clone()).collect();
    assert_eq!(kinds, ["text", "contact", "contact", "contact", "location", "sticker", "voice"]);
    assert_eq!(emu.messages(2001).iter().filter(|m| m.contact_phone.as_deref() == Some("+8613700000003")).count(), 2);

    // A photo upload, then the page shows it from /control/files.
    let form = reqwest::multipart::Form::new()
        .part("photo", reqwest::multipart::Part::bytes(JPEG.to_vec()).file_name("leak.jpg"))
        .text("caption", "Under the sink");
    let uploaded: Value =
        http.post(control("users/2001/photo")).multipart(form).send().await.unwrap().json().await.unwrap();
    let message_id = uploaded["message_id"].as_i64().unwrap() as i32;
    let photo = emu.messages(2001).into_iter().find(|m| m.message_id == message_id).unwrap();
    assert_eq!(photo.caption.as_deref(), Some("Under the sink"));
    let served = http.get(control(&format!("files/{}", photo.photo_file_id.unwrap()))).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.bytes().await.unwrap().as_ref(), JPEG);

    // Unknown users are refused rather than invented.
    let unknown = http.post(control("users/9999/text")).json(&json!({ "text": "hi" })).send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}

#[tokio::test]
async fn a_chat_long_poll_with_nothing_new_returns_empty_after_its_wait() {
    let emu = Emulator::new(TOKEN, "propdesk_bot");
    let url = emu.spawn(0).await.unwrap();
    emu.register_user(EmuUser::new(ANN, "Ann"));
    let started = Instant::now();
    let seq = emu.seq();
    let body: Value = reqwest::get(format!("{url}control/chats/{ANN}/messages?after={seq}&wait=1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["messages"].as_array().unwrap().is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn the_throttle_adaptor_stays_within_the_flood_limits() {
    use teloxide::adaptors::throttle::Limits as ThrottleLimits;
    let (emu, bot) = start_with_ann_talking().await;
    emu.set_limits(Some(Limits::default()));
    let throttled = bot.throttle(ThrottleLimits::default());
    for n in 0..3 {
        throttled.send_message(ChatId(ANN), format!("update {n}")).await.unwrap();
    }
    assert_eq!(emu.bot_messages(ANN).len(), 3);
}
