//! Owners joining: by roster match, by choosing among units, by a request
//! customer service approves or rejects; and switching language.

use propdesk::domain::{Relation, Trade};
use propdesk::i18n::Text;

use crate::support::{TestApp, unit};

fn owner_menu(locale: propdesk::i18n::Locale) -> Vec<String> {
    [
        Text::new("menu-repair"),
        Text::new("menu-complaint"),
        Text::new("menu-my-requests"),
        Text::new("menu-language"),
        Text::new("menu-help"),
    ]
    .into_iter()
    .map(|t| t.render(locale))
    .collect()
}

#[tokio::test]
async fn an_owner_on_the_roster_binds_by_sharing_their_contact() {
    let app = TestApp::spawn().await;
    app.roster("3栋2单元1201", "王芳", "13800138000").await;
    let owner = app.person(1001, "王芳", "zh-hans", "8613800138000");

    let before = owner.seq();
    owner.emu.send_text(owner.id, "/start");
    let greeting = owner.expect(before, Text::new("welcome").arg("name", "王芳")).await;
    let buttons: Vec<String> = greeting.inline_keyboard.unwrap().into_iter().flatten().map(|b| b.text).collect();
    assert_eq!(buttons, vec!["中文", "English"], "a language choice comes with the greeting");
    owner.expect(before, Text::new("onboarding-share-contact")).await;
    assert_eq!(owner.keyboard(), vec![owner.t(Text::new("btn-share-contact"))]);

    let before = owner.seq();
    owner.emu.press_reply(owner.id, &owner.t(Text::new("btn-share-contact"))).unwrap();
    owner
        .expect(
            before,
            Text::new("onboarding-bound")
                .arg("unit", unit("3", "2", "1201"))
                .arg("relation", Text::new("relation-owner")),
        )
        .await;
    assert_eq!(owner.keyboard(), owner_menu(owner.locale), "the main menu replaces the contact button");
    assert_eq!(app.count("SELECT count(*) FROM unit_residents WHERE telegram_id = 1001").await, 1);

    // The command menus were registered in both languages.
    let menus = app.emu.commands();
    for code in ["zh", "en"] {
        let menu = menus.iter().find(|m| m.language_code.as_deref() == Some(code)).expect("a menu per language");
        assert!(menu.commands.iter().any(|c| c.command == "start"));
    }

    // Coming back later greets them by name with the menu.
    owner.says_and_gets("/start", Text::new("welcome-back").arg("name", "王芳")).await;
    app.stop().await;
}

#[tokio::test]
async fn an_owner_of_several_units_picks_one() {
    let app = TestApp::spawn().await;
    app.roster("1-1-101", "李明", "13800000202").await;
    app.roster("2-1-101", "李明", "13800000202").await;
    let owner = app.person(1002, "李明", "zh-hans", "8613800000202");
    let before = owner.start_and_share_contact().await;
    let pick = owner.expect(before, Text::new("onboarding-pick-unit")).await;
    let units: Vec<String> = pick.inline_keyboard.unwrap().into_iter().flatten().map(|b| b.text).collect();
    assert_eq!(units, vec![owner.t(unit("1", "1", "101")), owner.t(unit("2", "1", "101"))]);

    let before = owner.seq();
    owner.press(unit("2", "1", "101"));
    owner
        .expect(
            before,
            Text::new("onboarding-bound")
                .arg("unit", unit("2", "1", "101"))
                .arg("relation", Text::new("relation-owner")),
        )
        .await;
    let bound: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.building, u.room FROM unit_residents r JOIN units u ON u.id = r.unit_id WHERE r.telegram_id = 1002",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(bound, vec![("2".to_owned(), "101".to_owned())]);
    app.stop().await;
}

#[tokio::test]
async fn a_newcomer_not_on_the_roster_is_approved_by_customer_service() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let owner = app.person(1003, "张伟", "zh-hans", "8613911112222");
    let cs_before = cs.seq();
    owner.request_verification("张伟", Relation::Tenant).await;

    let card = cs
        .expect(
            cs_before,
            Text::new("verify-request-card")
                .arg("name", "张伟")
                .arg("unit", unit("5", "1", "302"))
                .arg("relation", Text::new("relation-tenant"))
                .arg("phone", "+8613911112222"),
        )
        .await;
    assert!(card.inline_keyboard.is_some());

    let before = owner.seq();
    let cs_before = cs.seq();
    cs.press(Text::new("btn-approve"));
    cs.expect(cs_before, Text::new("verify-you-approved").arg("name", "张伟").arg("unit", unit("5", "1", "302"))).await;
    owner.expect(before, Text::new("verify-approved").arg("unit", unit("5", "1", "302"))).await;
    assert_eq!(owner.keyboard(), owner_menu(owner.locale));
    let relation: String = sqlx::query_scalar("SELECT relation FROM unit_residents WHERE telegram_id = 1003")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(relation, "tenant");

    // A second press on the old card changes nothing.
    let q = cs.emu.press_inline(
        cs.id,
        card.message_id,
        &propdesk::domain::CallbackData::Verify { request_id: 1, approve: false }.encode(),
    );
    assert_eq!(cs.answer_to(&q).await, Some(cs.t(Text::new("verify-already-approved"))));
    assert_eq!(app.count("SELECT count(*) FROM verification_requests WHERE status = 'approved'").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_rejected_newcomer_is_told_and_can_try_again() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, false).await;
    let owner = app.person(1003, "张伟", "zh-hans", "8613911112222");
    let cs_before = cs.seq();
    owner.request_verification("张伟", Relation::Tenant).await;
    cs.wait(cs_before, "the request card", |m| m.inline_keyboard.is_some()).await;

    let before = owner.seq();
    cs.press(Text::new("btn-reject"));
    owner.expect(before, Text::new("verify-rejected").arg("unit", unit("5", "1", "302"))).await;
    assert_eq!(owner.keyboard(), vec![owner.t(Text::new("btn-share-contact"))]);
    assert_eq!(app.count("SELECT count(*) FROM unit_residents").await, 0);

    // Writing again starts over from the contact.
    let before = owner.seq();
    owner.emu.send_text(owner.id, "你好");
    owner.expect(before, Text::new("onboarding-share-contact")).await;
    app.stop().await;
}

#[tokio::test]
async fn the_language_can_be_switched_and_the_menu_follows() {
    let app = TestApp::spawn().await;
    app.roster("1-1-101", "王芳", "13800000101").await;
    let mut owner = app.person(1004, "王芳", "zh-hans", "8613800000101");
    let before = owner.start_and_share_contact().await;
    owner.wait(before, "the main menu", |m| m.reply_keyboard.as_ref().is_some_and(|k| k.len() > 1)).await;

    let before = owner.seq();
    owner.emu.press_reply(owner.id, &owner.t(Text::new("menu-language"))).unwrap();
    owner.expect(before, Text::new("language-choose")).await;
    let before = owner.seq();
    owner.press(Text::new("language-name-en"));
    owner.locale = propdesk::i18n::Locale::En;
    owner.expect(before, Text::new("language-set")).await;
    assert_eq!(owner.keyboard(), owner_menu(propdesk::i18n::Locale::En));
    let saved: String =
        sqlx::query_scalar("SELECT locale FROM users WHERE telegram_id = 1004").fetch_one(&app.pool).await.unwrap();
    assert_eq!(saved, "en");

    // A Chinese menu button pressed from an old keyboard still works.
    owner.says_and_gets(&Text::new("menu-help").render(propdesk::i18n::Locale::ZhCn), Text::new("help-owner")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_newcomer_greeted_in_english_when_their_telegram_is_english() {
    let app = TestApp::spawn().await;
    let owner = app.person(1005, "Emily", "en-US", "8613800000301");
    let before = owner.seq();
    owner.emu.send_text(owner.id, "/start");
    let greeting = owner.expect(before, Text::new("welcome").arg("name", "Emily")).await;
    assert!(greeting.text.unwrap().starts_with("Hello Emily"));
    let german = app.person(1006, "Hans", "de", "8613800000302");
    let before = german.seq();
    german.emu.send_text(german.id, "/start");
    // Neither zh nor en: the default language (zh-CN).
    german.expect(before, Text::new("welcome").arg("name", "Hans")).await;
    app.stop().await;
}

#[tokio::test]
async fn only_customer_service_and_admins_decide_who_lives_here_not_a_supervisor_of_another_trade() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let plumbing = app.staff(2001, "赵主管", Trade::Plumbing, true).await;
    let cs = app.staff(2002, "陈客服", Trade::CustomerService, false).await;
    let owner = app.person(1003, "张伟", "zh-hans", "8613911112222");
    let cs_before = cs.seq();
    owner.request_verification("张伟", Relation::Tenant).await;
    cs.wait(cs_before, "the request card", |m| m.inline_keyboard.is_some()).await;

    // The plumbing supervisor is not sent the card, and a forged Approve is refused.
    plumbing.settle().await;
    assert!(!plumbing.bot_texts().iter().any(|t| t.contains("张伟")), "{:?}", plumbing.bot_texts());
    let approve = propdesk::domain::CallbackData::Verify { request_id: 1, approve: true }.encode();
    let q = plumbing.press_data(&approve);
    assert_eq!(plumbing.answer_to(&q).await, Some(plumbing.t(Text::new("error-not-allowed"))));
    assert_eq!(app.count("SELECT count(*) FROM verification_requests WHERE status = 'pending'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM unit_residents").await, 0);

    // Customer service approves it.
    let before = owner.seq();
    cs.press(Text::new("btn-approve"));
    owner.expect(before, Text::new("verify-approved").arg("unit", unit("5", "1", "302"))).await;
    app.stop().await;
}

#[tokio::test]
async fn with_nobody_in_customer_service_the_admins_decide() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let admin = app.admin().await;
    app.staff(2001, "赵主管", Trade::Security, true).await;
    let owner = app.person(1003, "张伟", "zh-hans", "8613911112222");
    let admin_before = admin.seq();
    owner.request_verification("张伟", Relation::Family).await;
    admin.wait(admin_before, "the request card", |m| m.inline_keyboard.is_some()).await;
    let before = owner.seq();
    admin.press(Text::new("btn-approve"));
    owner.expect(before, Text::new("verify-approved").arg("unit", unit("5", "1", "302"))).await;
    app.stop().await;
}
