//! The binary as an operator runs it: configuration errors, the roster
//! import, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use propdesk::store::testdb;

fn propdesk() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_propdesk"));
    // Only what a test sets: no DATABASE_URL or .env from the developer's shell.
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).current_dir(std::env::temp_dir());
    cmd
}

#[test]
fn bad_configuration_is_reported_value_by_value() {
    let out = propdesk()
        .args(["migrate"])
        .env("DEFAULT_LOCALE", "fr")
        .env("ADMIN_TELEGRAM_IDS", "12,abc")
        .env("TIME_ZONE", "Moon/Base")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for name in ["DEFAULT_LOCALE", "ADMIN_TELEGRAM_IDS", "TIME_ZONE"] {
        assert!(err.contains(name), "{err}");
    }
}

#[tokio::test]
async fn run_without_a_token_says_where_to_get_one() {
    let db = testdb::fresh_database().await.unwrap();
    let out = propdesk().arg("run").env("DATABASE_URL", &db.url).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TELOXIDE_TOKEN") && err.contains("BotFather"), "{err}");
}

#[test]
fn webhook_mode_without_a_secret_refuses_to_start() {
    let out = propdesk()
        .args(["run", "--webhook-url", "https://bot.example.com/telegram"])
        .env("TELOXIDE_TOKEN", "1:x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WEBHOOK_SECRET"), "{err}");
}

#[tokio::test]
async fn import_roster_applies_a_good_file_once_and_refuses_a_bad_one_whole() {
    let db = testdb::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("roster.csv");
    std::fs::write(
        &good,
        "楼栋,单元,房号,业主姓名,电话,关系\n3,2,1201,王芳,13800138000,业主\n3,2,1202,李雷,13900139000,租户\n",
    )
    .unwrap();
    let run = |file: &std::path::Path| {
        propdesk()
            .args(["import-roster", file.to_str().unwrap(), "--community", "阳光花园"])
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let first = run(&good);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("2 new"), "{}", String::from_utf8_lossy(&first.stdout));
    let again = run(&good);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("2 unchanged"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "building,entrance,room,owner_name,phone,relation\n1,1,101,新人,13700000001,owner\n1,1,,无房号,13700000002,owner\n")
        .unwrap();
    let refused = run(&bad);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("line 3"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM roster_entries").fetch_one(&db.pool).await.unwrap();
    assert_eq!(entries, 2, "nothing from the bad file was written");
}

#[test]
fn the_sandbox_stops_gracefully_on_sigterm() {
    let mut child =
        propdesk().args(["sandbox", "--port", "0"]).env("LOG_LEVEL", "warn").stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let running = lines.next().expect("a line").unwrap();
    assert!(running.contains("http://127.0.0.1:"), "{running}");

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the sandbox did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[tokio::test]
async fn categories_are_chosen_per_community_from_the_command_line() {
    let db = testdb::fresh_database().await.unwrap();
    let run = |args: &[&str]| propdesk().arg("categories").args(args).env("DATABASE_URL", &db.url).output().unwrap();
    let all = run(&["--community", "阳光花园"]);
    assert!(String::from_utf8_lossy(&all.stdout).contains("plumbing, electrical, doors_windows"));
    let set = run(&["--community", "阳光花园", "--set", "plumbing,other"]);
    assert_eq!(String::from_utf8_lossy(&set.stdout).trim(), "阳光花园: plumbing, other");
    let bad = run(&["--community", "阳光花园", "--set", "plumbing,teleport"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("teleport"));
}

#[tokio::test]
async fn complaint_subjects_are_chosen_per_community_from_the_command_line() {
    let db = testdb::fresh_database().await.unwrap();
    let run = |args: &[&str]| propdesk().arg("subjects").args(args).env("DATABASE_URL", &db.url).output().unwrap();
    let set = run(&["--community", "阳光花园", "--set", "noise,parking,other"]);
    assert_eq!(String::from_utf8_lossy(&set.stdout).trim(), "阳光花园: noise, parking, other");
    let bad = run(&["--community", "阳光花园", "--set", "ghosts"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ghosts"));
}
