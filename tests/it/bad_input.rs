//! Every step meets stickers, voice, photos, files, locations, walls of text,
//! unknown commands and stale or forged buttons: a short localized answer,
//! and the step stays where it was.

use propdesk::domain::{CallbackData, Relation, Trade};
use propdesk::i18n::Text;

use crate::support::{Person, TestApp};

/// Sends every kind of unwanted input and expects `answer` to each.
async fn throw_everything_at(person: &Person, answer: &Text) {
    let want = person.t(answer.clone());
    for what in ["sticker", "voice", "photo", "location", "document"] {
        let before = person.seq();
        match what {
            "sticker" => person.emu.send_sticker(person.id),
            "voice" => person.emu.send_voice(person.id),
            "photo" => person.emu.send_photo(person.id, vec![0xFF, 0xD8, 0xFF], None),
            "location" => person.emu.send_location(person.id, 31.23, 121.47),
            _ => person.emu.send_document(person.id, "a.pdf", b"%PDF".to_vec()),
        };
        person
            .wait(before, &format!("{want:?} after a {what}"), |m| m.text.as_deref().is_some_and(|t| t.contains(&want)))
            .await;
    }
}

async fn unknown_command_keeps_the_step(person: &Person) {
    person.says_and_gets("/frobnicate", Text::new("error-unknown-command")).await;
}

#[tokio::test]
async fn waiting_for_the_contact_refuses_everything_else() {
    let app = TestApp::spawn().await;
    app.roster("1-1-101", "王芳", "13800000101").await;
    let owner = app.person(1101, "王芳", "zh-hans", "8613800000101");
    owner.says("/start").await;

    throw_everything_at(&owner, &Text::new("onboarding-use-contact-button")).await;
    owner.says_and_gets(&"长".repeat(5000), Text::new("onboarding-use-contact-button")).await;
    unknown_command_keeps_the_step(&owner).await;
    owner.says_and_gets("/help", Text::new("help-newcomer")).await;

    // Someone else's contact is refused.
    let before = owner.seq();
    owner.emu.send_contact(owner.id, "+8613800000101", "王芳", Some(999));
    owner.expect(before, Text::new("onboarding-not-own-contact")).await;
    let before = owner.seq();
    owner.emu.send_contact(owner.id, "+8613800000101", "王芳", None);
    owner.expect(before, Text::new("onboarding-not-own-contact")).await;
    assert_eq!(app.count("SELECT count(*) FROM unit_residents").await, 0);

    // And the step still works.
    let before = owner.seq();
    owner.emu.share_own_contact(owner.id);
    owner.wait(before, "the binding", |m| m.reply_keyboard.as_ref().is_some_and(|k| k.len() > 1)).await;
    assert_eq!(app.count("SELECT count(*) FROM unit_residents").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_manual_steps_refuse_bad_input_and_keep_what_was_typed() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let owner = app.person(1102, "张伟", "zh-hans", "8613911112222");
    let before = owner.start_and_share_contact().await;
    owner.expect(before, Text::new("onboarding-not-on-roster")).await;

    // The unit step.
    throw_everything_at(&owner, &Text::new("error-text-expected")).await;
    owner
        .says_and_gets(
            &"1".repeat(5000),
            Text::lines([Text::new("error-too-long").arg("max", 40usize), Text::new("onboarding-unit-example")]),
        )
        .await;
    owner
        .says_and_gets(
            "楼上那间",
            Text::lines([Text::new("onboarding-unit-unreadable"), Text::new("onboarding-unit-example")]),
        )
        .await;
    owner
        .says_and_gets(
            "9-9-909",
            Text::new("onboarding-unit-unknown")
                .arg("unit", Text::new("unit-address").arg("building", "9").arg("entrance", "9").arg("room", "909")),
        )
        .await;
    unknown_command_keeps_the_step(&owner).await;

    // The name step.
    owner.says("5-1-302").await;
    throw_everything_at(&owner, &Text::new("error-text-expected")).await;
    owner
        .says_and_gets(
            &"名".repeat(5000),
            Text::lines([Text::new("error-too-long").arg("max", 40usize), Text::new("onboarding-ask-name-again")]),
        )
        .await;

    // The relation step wants a button.
    owner.says("张伟").await;
    owner.says_and_gets("租户", Text::new("onboarding-use-buttons")).await;
    throw_everything_at(&owner, &Text::new("onboarding-use-buttons")).await;
    // A relation button from an older message would still be for this step; a
    // unit button is not: it is refused and nothing is filed.
    let q = owner.press_data(&CallbackData::PickUnit(1).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))));
    assert_eq!(app.count("SELECT count(*) FROM verification_requests").await, 0);

    // What was typed survived all of it.
    let before = owner.seq();
    owner.press(Text::new("relation-family"));
    owner.expect(before, Text::new("onboarding-request-filed")).await;
    let (name, relation): (String, String) =
        sqlx::query_as("SELECT name, relation FROM verification_requests").fetch_one(&app.pool).await.unwrap();
    assert_eq!((name.as_str(), relation.as_str()), ("张伟", "family"));
    owner.says_and_gets("你好", Text::new("onboarding-pending")).await;
    app.stop().await;
}

#[tokio::test]
async fn stale_forged_and_foreign_buttons_change_nothing() {
    let app = TestApp::spawn().await;
    app.roster("1-1-101", "王芳", "13800000101").await;
    let other_unit = app.roster("2-2-202", "别人", "13800000999").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, false).await;
    let owner = app.person(1103, "王芳", "zh-hans", "8613800000101");
    owner.says("/start").await;

    for data in ["", "garbage", "unit:abc", "vfy:1:maybe", &"x".repeat(64)] {
        let q = owner.press_data(data);
        assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))), "{data:?}");
    }
    // Choosing a unit that is not theirs, out of turn.
    let q = owner.press_data(&CallbackData::PickUnit(other_unit).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))));
    // Deciding a verification request as an owner.
    let q = owner.press_data(&CallbackData::Verify { request_id: 1, approve: true }.encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-not-allowed"))));
    // Deactivating staff as an owner.
    let q = owner.press_data(&CallbackData::DeactivateStaff(cs.id).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-not-allowed"))));
    // A relation out of turn.
    let q = owner.press_data(&CallbackData::PickRelation(Relation::Owner).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))));

    assert_eq!(app.count("SELECT count(*) FROM unit_residents").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM staff WHERE active").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM verification_requests").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_recognised_owner_gets_the_menu_back_for_anything_unexpected() {
    let app = TestApp::spawn().await;
    app.roster("1-1-101", "王芳", "13800000101").await;
    let owner = app.person(1104, "王芳", "zh-hans", "8613800000101");
    let before = owner.start_and_share_contact().await;
    owner
        .expect_containing(
            before,
            Text::new("onboarding-bound")
                .arg("unit", Text::new("unit-address").arg("building", "1").arg("entrance", "1").arg("room", "101"))
                .arg("relation", Text::new("relation-owner")),
        )
        .await;

    throw_everything_at(&owner, &Text::new("menu-use-buttons")).await;
    owner.says_and_gets(&"字".repeat(5000), Text::new("menu-use-buttons")).await;
    unknown_command_keeps_the_step(&owner).await;
    // Menu items of another role are not theirs.
    owner.says_and_gets(&owner.t(Text::new("menu-invite-staff")), Text::new("error-not-allowed")).await;
    owner.says_and_gets("/staff", Text::new("error-not-allowed")).await;
    let before = owner.seq();
    owner.emu.press_reply(owner.id, &owner.t(Text::new("menu-help"))).unwrap();
    owner.expect(before, Text::new("help-owner")).await;
    app.stop().await;
}
