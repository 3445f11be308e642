//! The demo community the sandbox starts with: 阳光花园, two buildings of
//! twenty units, an owner roster, an admin and staff of several trades, and
//! the personas a visitor can play in the web chat.

use serde::Serialize;
use sqlx::PgPool;

use crate::domain::{PhoneNumber, Relation, Trade, UnitAddress};
use crate::i18n::Locale;
use crate::store::{self, users::Seen};

pub const COMMUNITY: &str = "阳光花园";

#[derive(Debug, Clone, Serialize)]
pub struct Persona {
    pub id: i64,
    pub first_name: &'static str,
    pub last_name: Option<&'static str>,
    /// Their Telegram client's language.
    pub language: &'static str,
    pub phone: &'static str,
    /// What this persona is for, shown on the page: owner, newcomer, staff, admin.
    pub role: &'static str,
    pub note_zh: &'static str,
    pub note_en: &'static str,
    #[serde(skip)]
    pub staff: Option<(Trade, bool)>,
}

pub const ADMIN_ID: i64 = 30001;

pub fn personas() -> Vec<Persona> {
    let p = |id, first_name, language, phone, role, note_zh, note_en, staff| Persona {
        id,
        first_name,
        last_name: None,
        language,
        phone,
        role,
        note_zh,
        note_en,
        staff,
    };
    vec![
        p(
            10001,
            "王芳",
            "zh-hans",
            "+8613800000101",
            "owner",
            "业主，1栋1单元101（档案中有）",
            "Owner of 1-1-101 (on the roster)",
            None,
        ),
        p(
            10002,
            "李明",
            "zh-hans",
            "+8613800000202",
            "owner",
            "业主，名下两套房（档案中有）",
            "Owns two units (on the roster)",
            None,
        ),
        p(
            10003,
            "Emily",
            "en",
            "+8613800000301",
            "owner",
            "英文用户，2栋2单元301（档案中有）",
            "English speaker, 2-2-301 (on the roster)",
            None,
        ),
        p(
            10004,
            "张伟",
            "zh-hans",
            "+8613911112222",
            "newcomer",
            "新住户，档案中没有，需要客服审核",
            "New resident not on the roster: needs approval",
            None,
        ),
        p(
            10005,
            "赵磊",
            "zh-hans",
            "+8613800000201",
            "owner",
            "业主，1栋1单元201（档案中有）",
            "Owner of 1-1-201 (on the roster)",
            None,
        ),
        p(
            20001,
            "刘师傅",
            "zh-hans",
            "+8613700000001",
            "staff",
            "维修师傅（水暖）",
            "Plumber",
            Some((Trade::Plumbing, false)),
        ),
        p(
            20002,
            "陈师傅",
            "zh-hans",
            "+8613700000002",
            "staff",
            "维修师傅（电工）",
            "Electrician",
            Some((Trade::Electrical, false)),
        ),
        p(20003, "孙阿姨", "zh-hans", "+8613700000003", "staff", "保洁", "Cleaner", Some((Trade::Cleaning, false))),
        p(
            20004,
            "周经理",
            "zh-hans",
            "+8613700000004",
            "staff",
            "客服主管，审核住户认证",
            "Customer-service supervisor: approves residents",
            Some((Trade::CustomerService, true)),
        ),
        p(
            20005,
            "吴新",
            "zh-hans",
            "+8613700000005",
            "newcomer",
            "新同事：用管理员生成的邀请链接加入",
            "New colleague: joins with an admin's invite link",
            None,
        ),
        p(
            ADMIN_ID,
            "物业管理员",
            "zh-hans",
            "+8613700000099",
            "admin",
            "管理员：邀请和管理员工",
            "Admin: invites and manages staff",
            None,
        ),
    ]
}

const SURNAMES: [&str; 10] = ["陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡"];

/// Seeds the community, its roster and its staff. Safe to run again.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let community = store::roster::community_id_by_name_or_create(&mut tx, COMMUNITY).await?;
    let mut n = 0;
    for building in ["1", "2"] {
        for entrance in ["1", "2"] {
            for room in ["101", "102", "201", "202", "301"] {
                let address = UnitAddress::new(building, entrance, room)?;
                let unit = store::roster::upsert_unit(&mut tx, community, &address).await?;
                let phone = PhoneNumber::parse(&format!("+86138000{building}{entrance}{room}"))?;
                let name = format!("{}{}", SURNAMES[n % SURNAMES.len()], if n % 2 == 0 { "先生" } else { "女士" });
                store::roster::upsert_roster_entry(&mut tx, unit, &name, &phone, Relation::Owner).await?;
                n += 1;
            }
        }
    }
    // The personas' own roster lines.
    let lines = [
        ("1", "1", "101", "王芳", "+8613800000101"),
        ("1", "2", "202", "李明", "+8613800000202"),
        ("2", "1", "101", "李明", "+8613800000202"),
        ("2", "2", "301", "Emily Chen", "+8613800000301"),
        ("1", "1", "201", "赵磊", "+8613800000201"),
    ];
    for (building, entrance, room, name, phone) in lines {
        let unit = store::roster::upsert_unit(&mut tx, community, &UnitAddress::new(building, entrance, room)?).await?;
        store::roster::upsert_roster_entry(&mut tx, unit, name, &PhoneNumber::parse(phone)?, Relation::Owner).await?;
    }
    for persona in personas() {
        let Some((trade, supervisor)) = persona.staff else { continue };
        store::users::record_seen(
            &mut tx,
            Seen {
                telegram_id: persona.id,
                first_name: persona.first_name,
                last_name: persona.last_name,
                username: None,
                guessed_locale: Locale::from_telegram(Some(persona.language), Locale::ZhCn),
            },
        )
        .await?;
        store::staff::enlist(&mut tx, persona.id, persona.first_name, trade, supervisor, None).await?;
    }
    tx.commit().await?;
    Ok(())
}
