//! The roster import against a real database: each test in its own fresh one.

use propdesk::domain::phone::PhoneNumber;
use propdesk::domain::relation::Relation;
use propdesk::domain::unit::UnitAddress;
use propdesk::services::roster::{ImportError, ImportReport, import_roster};
use propdesk::store::roster as store;
use propdesk::store::testdb::{TestDb, fresh_database};

const COMMUNITY: &str = "阳光花园";

/// Five people in four units, written the way a service centre's sheet is.
const GOOD: &str = "\
building,entrance,room,owner_name,phone,relation
3,2,1201,张伟,13800138000,业主
3,2,1201,李娜,138 0013 8001,家属
3,2,1202,王芳,+86 139 0013 9000,owner
A,1,101,Chen Jie,+1 415 555 2671,tenant
12,,502,刘洋,0086 13700137000,
";

async fn db() -> TestDb {
    fresh_database().await.expect("a fresh test database")
}

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&db.pool).await.unwrap()
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

#[tokio::test]
async fn a_good_file_imports_every_unit_and_person() {
    let db = db().await;

    let report = import_roster(&db.pool, COMMUNITY, GOOD.as_bytes()).await.unwrap();

    assert_eq!(
        report,
        ImportReport { rows: 5, units_created: 4, entries_created: 5, entries_updated: 0, entries_unchanged: 0 }
    );
    assert_eq!(count(&db, "communities").await, 1);
    assert_eq!(count(&db, "units").await, 4);
    assert_eq!(count(&db, "roster_entries").await, 5);

    let mut conn = db.pool.acquire().await.unwrap();
    let found = store::find_by_phone(&mut conn, &phone("138-0013-8001")).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].address.display_zh(), "3栋2单元1201");
    assert_eq!(found[0].owner_name, "李娜");
    assert_eq!(found[0].relation, Relation::Family);

    let tenant = store::find_by_phone(&mut conn, &phone("+14155552671")).await.unwrap();
    assert_eq!(tenant[0].address, UnitAddress::parse("a-1-101").unwrap());
    assert_eq!(tenant[0].relation, Relation::Tenant);

    let no_entrance = store::find_by_phone(&mut conn, &phone("13700137000")).await.unwrap();
    assert_eq!(no_entrance[0].address.display_zh(), "12栋502");
    assert_eq!(no_entrance[0].relation, Relation::Owner);

    let unit_id = store::find_unit(&mut conn, None, &UnitAddress::parse("3号楼2单元1202").unwrap())
        .await
        .unwrap()
        .expect("3栋2单元1202 was imported");
    assert_eq!(store::unit_address(&mut conn, unit_id).await.unwrap(), Some(UnitAddress::parse("3-2-1202").unwrap()));
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let db = db().await;
    import_roster(&db.pool, COMMUNITY, GOOD.as_bytes()).await.unwrap();
    let stamps: Vec<String> = sqlx::query_scalar("SELECT updated_at::text FROM roster_entries ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();

    let again = import_roster(&db.pool, COMMUNITY, GOOD.as_bytes()).await.unwrap();

    assert_eq!(
        again,
        ImportReport { rows: 5, units_created: 0, entries_created: 0, entries_updated: 0, entries_unchanged: 5 }
    );
    assert_eq!(count(&db, "communities").await, 1);
    assert_eq!(count(&db, "units").await, 4);
    assert_eq!(count(&db, "roster_entries").await, 5);
    let stamps_after: Vec<String> = sqlx::query_scalar("SELECT updated_at::text FROM roster_entries ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(stamps, stamps_after, "unchanged rows are not rewritten");
}

#[tokio::test]
async fn a_file_with_bad_rows_names_each_line_and_writes_nothing() {
    let db = db().await;
    let file = "\
building,entrance,room,owner_name,phone,relation
3,2,1201,张伟,13800138000,业主
3,2,1202,王芳,13900139000,业主
3,2,1203,赵敏,1380013800,业主
3,2,1204,孙丽,13600136000,业主
3,2,1205,周杰,13500135000,业主
3,2,,吴刚,13300133000,业主
";

    let err = import_roster(&db.pool, COMMUNITY, file.as_bytes()).await.unwrap_err();

    let ImportError::InvalidRows(rows) = &err else {
        panic!("expected invalid rows, got {err}");
    };
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![4, 7]);
    assert!(rows[0].message.contains("1380013800"), "{}", rows[0].message);
    assert!(rows[0].message.contains("11 digits"), "{}", rows[0].message);
    assert!(rows[1].message.contains("room"), "{}", rows[1].message);
    let shown = err.to_string();
    assert!(shown.contains("line 4: phone"), "{shown}");
    assert!(shown.contains("line 7: unit"), "{shown}");
    assert!(shown.contains("nothing was written"), "{shown}");

    assert_eq!(count(&db, "communities").await, 0);
    assert_eq!(count(&db, "units").await, 0);
    assert_eq!(count(&db, "roster_entries").await, 0);
}

#[tokio::test]
async fn the_same_unit_and_phone_twice_in_one_file_is_an_error() {
    let db = db().await;
    let file = "\
building,entrance,room,owner_name,phone,relation
3,2,1201,张伟,13800138000,业主
3,2,1202,张伟,13800138000,业主
3号楼,2单元,1201室,张伟,+86 138 0013 8000,业主
";

    let err = import_roster(&db.pool, COMMUNITY, file.as_bytes()).await.unwrap_err();

    assert!(
        err.to_string().contains("line 4: unit 3栋2单元1201 with phone +8613800138000 is already on line 2"),
        "{err}"
    );
    assert_eq!(count(&db, "roster_entries").await, 0);
}

#[tokio::test]
async fn chinese_headers_and_a_byte_order_mark_are_understood() {
    let db = db().await;
    let file = "\u{feff}楼栋,单元,房号,业主姓名,电话,关系\r\n\
                ３,２,１２０１,张伟,138 0013 8000,业主\r\n\
                3,2,1202,王芳,13900139000,租户\r\n";

    let report = import_roster(&db.pool, COMMUNITY, file.as_bytes()).await.unwrap();

    assert_eq!(report.rows, 2);
    assert_eq!(report.entries_created, 2);
    let mut conn = db.pool.acquire().await.unwrap();
    let found = store::find_by_phone(&mut conn, &phone("13900139000")).await.unwrap();
    assert_eq!(found[0].address.display_zh(), "3栋2单元1202");
    assert_eq!(found[0].relation, Relation::Tenant);
}

#[tokio::test]
async fn a_changed_owner_name_updates_the_entry() {
    let db = db().await;
    import_roster(&db.pool, COMMUNITY, GOOD.as_bytes()).await.unwrap();
    let renamed = GOOD.replace("王芳", "王小芳");

    let report = import_roster(&db.pool, COMMUNITY, renamed.as_bytes()).await.unwrap();

    assert_eq!(report.entries_updated, 1);
    assert_eq!(report.entries_unchanged, 4);
    assert_eq!(report.entries_created, 0);
    assert_eq!(count(&db, "roster_entries").await, 5);
    let mut conn = db.pool.acquire().await.unwrap();
    let found = store::find_by_phone(&mut conn, &phone("13900139000")).await.unwrap();
    assert_eq!(found[0].owner_name, "王小芳");
}

#[tokio::test]
async fn one_owner_of_several_units_is_found_in_unit_order() {
    let db = db().await;
    let file = "\
楼栋,单元,房号,业主姓名,电话,关系
10,1,101,张伟,13800138000,
2,1,1201,张伟,13800138000,
2,1,301,张伟,13800138000,
";
    import_roster(&db.pool, COMMUNITY, file.as_bytes()).await.unwrap();

    let mut conn = db.pool.acquire().await.unwrap();
    let found = store::find_by_phone(&mut conn, &phone("13800138000")).await.unwrap();
    let units: Vec<String> = found.iter().map(|m| m.address.display_zh()).collect();
    assert_eq!(units, ["2栋1单元301", "2栋1单元1201", "10栋1单元101"]);
}

#[tokio::test]
async fn a_unit_in_two_communities_is_not_guessed_without_the_community() {
    let db = db().await;
    import_roster(&db.pool, "阳光花园", GOOD.as_bytes()).await.unwrap();
    import_roster(&db.pool, "翠湖苑", GOOD.as_bytes()).await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let address = UnitAddress::parse("3-2-1201").unwrap();
    let community = store::community_id_by_name_or_create(&mut conn, "翠湖苑").await.unwrap();

    assert_eq!(store::find_unit(&mut conn, None, &address).await.unwrap(), None);
    let unit_id = store::find_unit(&mut conn, Some(community), &address).await.unwrap().unwrap();
    assert_eq!(store::unit_address(&mut conn, unit_id).await.unwrap(), Some(address));
    assert_eq!(count(&db, "communities").await, 2);
}
