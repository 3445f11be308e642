//! The embedded PostgreSQL cluster and the per-test database harness, against the real binaries.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use propdesk::store::embedded::{BinarySearch, EmbeddedOptions, EmbeddedPg, EmbeddedPgError, PgBinaries};
use propdesk::store::testdb::{TestServer, fresh_database, fresh_database_on};
use sqlx::{Connection, PgConnection};

/// The machine's own server (trust auth), for the harness's DATABASE_URL mode.
const MACHINE_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

fn wait_until(what: &str, patience: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The real uid of a process, from /proc.
fn uid_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_local_binaries_are_found() {
    let found = EmbeddedPg::find_binaries().expect("PostgreSQL is installed on this machine");
    for program in [&found.initdb, &found.pg_ctl, &found.postgres] {
        assert!(program.is_absolute() && program.is_file(), "{found:?}");
    }
    assert_eq!(found.initdb.parent(), found.postgres.parent(), "one installation");
}

#[test]
fn with_nothing_installed_the_error_says_how_to_fix_it() {
    let empty = tempfile::tempdir().unwrap();
    let search =
        BinarySearch { path_dirs: vec![empty.path().to_path_buf()], versioned_roots: vec![empty.path().to_path_buf()] };
    let err = PgBinaries::find_in(&search).unwrap_err();
    assert!(matches!(err, EmbeddedPgError::NotInstalled));
    let line = err.to_string();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("apt-get install postgresql") && line.contains("DATABASE_URL"));
}

#[tokio::test]
async fn a_started_cluster_answers_and_leaves_nothing_behind_when_stopped() {
    let started = Instant::now();
    let pg = EmbeddedPg::start(EmbeddedOptions::default()).await.unwrap();
    eprintln!("embedded start (initdb + server, fast=false): {:?}", started.elapsed());

    let url = url::Url::parse(pg.url()).unwrap();
    let host = url.query_pairs().find(|(k, _)| k == "host").map(|(_, v)| v.into_owned());
    assert_eq!(host.as_deref(), Some(pg.socket_dir().to_str().unwrap()), "the URL names the socket: {url:?}");
    assert!(url.password().is_some_and(|p| p.len() == 64), "and the superuser's password");
    assert!(pg.socket_file().exists());
    let name = pg.data_dir().file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("propdesk-pg-{}-", std::process::id())), "{name}");

    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.unwrap();
    assert_eq!(one, 1);
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut conn).await.unwrap();
    assert_eq!(fsync, "on", "fsync stays on unless fast");
    // The connection stays open: a fast shutdown must not wait for it.

    let pid = pg.pid().unwrap();
    if nix::unistd::geteuid().is_root() {
        assert_ne!(uid_of(pid), 0, "the server never runs as root");
    }

    let (socket, data_dir) = (pg.socket_file(), pg.data_dir().to_path_buf());
    pg.stop().await.unwrap();
    assert!(!data_dir.exists(), "temp data dir removed");
    assert!(!socket.exists(), "socket gone");
    assert!(sqlx::query("SELECT 1").execute(&mut conn).await.is_err());
}

#[tokio::test]
async fn fast_mode_turns_fsync_off() {
    let started = Instant::now();
    let pg = EmbeddedPg::start(EmbeddedOptions { data_dir: None, fast: true }).await.unwrap();
    eprintln!("embedded start (initdb + server, fast=true): {:?}", started.elapsed());
    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut conn).await.unwrap();
    assert_eq!(fsync, "off");
    let encoding: String = sqlx::query_scalar("SHOW server_encoding").fetch_one(&mut conn).await.unwrap();
    assert_eq!(encoding, "UTF8");
    pg.stop().await.unwrap();
}

#[tokio::test]
async fn a_given_data_dir_keeps_its_data_across_restarts() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("cluster");
    let opts = || EmbeddedOptions { data_dir: Some(data_dir.clone()), fast: false };

    let pg = EmbeddedPg::start(opts()).await.unwrap();
    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    sqlx::raw_sql("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('still here')")
        .execute(&mut conn)
        .await
        .unwrap();
    pg.stop().await.unwrap();
    assert!(data_dir.join("PG_VERSION").exists(), "a given data dir is not removed");

    let restarted = Instant::now();
    let pg = EmbeddedPg::start(opts()).await.unwrap();
    eprintln!("embedded restart (existing cluster): {:?}", restarted.elapsed());
    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    let v: String = sqlx::query_scalar("SELECT v FROM kept").fetch_one(&mut conn).await.unwrap();
    assert_eq!(v, "still here");
    pg.stop().await.unwrap();
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let pg = EmbeddedPg::start(EmbeddedOptions { data_dir: None, fast: true }).await.unwrap();
    let (socket, data_dir) = (pg.socket_file(), pg.data_dir().to_path_buf());
    drop(pg);
    assert!(!socket.exists());
    assert!(!data_dir.exists());
}

/// Not a test on its own: the child process of `a_killed_process_takes_its_server_along`.
/// `PROPDESK_EMBEDDED_CHILD=hold` starts a server and waits to be killed; `=once` starts one and
/// stops it (which is when a dead process's temp dir is removed).
#[test]
#[ignore = "run by a_killed_process_takes_its_server_along"]
fn child_process_holding_a_server() {
    let Some(mode) = std::env::var_os("PROPDESK_EMBEDDED_CHILD") else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let pg = runtime.block_on(EmbeddedPg::start(EmbeddedOptions { data_dir: None, fast: true })).unwrap();
    println!("READY {} {}", pg.socket_file().display(), pg.data_dir().display());
    if mode == "once" {
        runtime.block_on(pg.stop()).unwrap();
        return;
    }
    // Wait to be SIGKILLed, destructors never run.
    loop {
        std::thread::park();
    }
}

/// Runs `child_process_holding_a_server` with its own temp dir, so no other test's start in this
/// process sweeps that dir, and returns the child, its server's socket file and data dir.
fn child_with_a_server(mode: &str, tmp: &std::path::Path) -> (std::process::Child, PathBuf, PathBuf) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_process_holding_a_server", "--nocapture"])
        .env("PROPDESK_EMBEDDED_CHILD", mode)
        .env("TMPDIR", tmp)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map(Result::unwrap);
    let ready = lines.find(|l| l.starts_with("READY ")).expect("the child started a server");
    // Keep draining its output, so the child never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let mut words = ready.split_whitespace().skip(1);
    let socket = PathBuf::from(words.next().unwrap());
    (child, socket, PathBuf::from(words.next().unwrap()))
}

#[tokio::test]
async fn a_killed_process_takes_its_server_along() {
    // Its own temp root (readable by the server's user when the tests run as root).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let (mut child, socket, data_dir) = child_with_a_server("hold", tmp.path());
    assert!(data_dir.starts_with(tmp.path()));
    assert!(socket.exists());

    child.kill().unwrap(); // SIGKILL: no destructor, no stop()
    child.wait().unwrap();

    wait_until("the orphaned server stops", Duration::from_secs(30), || {
        !socket.exists() && !data_dir.join("postmaster.pid").exists()
    });
    assert!(data_dir.exists(), "nobody was left to remove it…");

    // …so the next start does.
    let (mut next, _, next_dir) = child_with_a_server("once", tmp.path());
    assert!(next.wait().unwrap().success());
    assert!(!data_dir.exists(), "the next start removes a dead process's temp dir");
    assert!(!next_dir.exists(), "a stopped server leaves nothing behind");
}

async fn two_fresh_databases_are_different_and_migrated(server: TestServer) {
    let (a, b) = tokio::join!(fresh_database_on(&server), fresh_database_on(&server));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.name, b.name);
    assert_ne!(a.url, b.url);
    for db in [&a, &b] {
        assert!(db.name.starts_with(&format!("propdesk_test_{}_", std::process::id())));
        assert_eq!(url::Url::parse(&db.url).unwrap().path(), format!("/{}", db.name));
        let current: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&db.pool).await.unwrap();
        assert_eq!(current, db.name);
        let inbox: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox").fetch_one(&db.pool).await.unwrap();
        assert_eq!(inbox, 0);
        // The URL works on its own too.
        let mut conn = PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
    }
    // What one test writes, the other does not see.
    sqlx::query("INSERT INTO communities (name) VALUES ('Sunrise Gardens')").execute(&a.pool).await.unwrap();
    let in_b: i64 = sqlx::query_scalar("SELECT count(*) FROM communities").fetch_one(&b.pool).await.unwrap();
    assert_eq!(in_b, 0);
}

#[tokio::test]
async fn two_fresh_databases_on_the_embedded_cluster() {
    two_fresh_databases_are_different_and_migrated(TestServer::Embedded).await;
}

#[tokio::test]
async fn two_fresh_databases_on_the_machine_server() {
    two_fresh_databases_are_different_and_migrated(TestServer::Url(MACHINE_SERVER.into())).await;
}

/// Each tokio test has its own runtime; the shared cluster must outlive the one that started it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tests_at_once_share_one_server() {
    let mut handles = Vec::new();
    for _ in 0..8 {
        handles.push(std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let db = fresh_database().await.unwrap();
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM inbox").fetch_one(&db.pool).await.unwrap();
                db.name
            })
            // the runtime dies here, like a finished test's
        }));
    }
    let mut names: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 8);
    // And the server is still there for whoever comes next.
    let db = fresh_database().await.unwrap();
    sqlx::query("SELECT 1").execute(&db.pool).await.unwrap();
}

#[tokio::test]
async fn fresh_database_uses_database_url_when_set() {
    let db = fresh_database().await.unwrap();
    let port: i32 = sqlx::query_scalar("SELECT current_setting('port')::int").fetch_one(&db.pool).await.unwrap();
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let expected = url::Url::parse(&url).unwrap().port().unwrap_or(5432);
            assert_eq!(port, i32::from(expected));
        }
        _ => {
            // The embedded cluster, not the machine's server: it listens on no TCP address.
            let listen: String = sqlx::query_scalar("SHOW listen_addresses").fetch_one(&db.pool).await.unwrap();
            assert_eq!(listen, "", "embedded cluster, not the machine's server (port {port})");
        }
    }
}

#[test]
fn the_handle_can_live_in_a_static() {
    fn is<T: Send + Sync + 'static>() {}
    is::<EmbeddedPg>();
}

#[tokio::test]
async fn a_server_that_cannot_start_says_why() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("cluster");
    let opts = || EmbeddedOptions { data_dir: Some(data_dir.clone()), fast: true };
    EmbeddedPg::start(opts()).await.unwrap().stop().await.unwrap();
    std::fs::write(data_dir.join("postgresql.auto.conf"), "shared_buffers = 'plenty'\n").unwrap();

    let err = EmbeddedPg::start(opts()).await.unwrap_err();
    assert!(matches!(err, EmbeddedPgError::Start { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("shared_buffers"), "the log tail is in the error: {message}");
}

/// The lines of `pg_hba.conf` that are not comments or blank.
fn hba_rules(data_dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(data_dir.join("pg_hba.conf")).unwrap();
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

fn mode_of(path: &std::path::Path) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions()) & 0o777
}

/// The URL with its password removed.
fn without_password(url: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    url.set_password(None).unwrap();
    url.into()
}

/// `psql -c 'SELECT 1'` against `host` (a socket dir or an address) and the cluster's port, as
/// `uid` (None: as we are), with `password` or none. Returns whether it connected, and what it said.
fn psql(pg: &EmbeddedPg, host: &str, uid: Option<(u32, u32)>, password: Option<&str>) -> (bool, String) {
    use std::os::unix::process::CommandExt;
    let psql = EmbeddedPg::find_binaries().unwrap().postgres.with_file_name("psql");
    let mut command = Command::new(psql);
    command
        .args(["-X", "-w", "-A", "-t", "-U", "postgres", "-d", "postgres", "-c", "SELECT 1", "-h", host, "-p"])
        .arg(pg.port().to_string())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("PGCONNECT_TIMEOUT", "5")
        .current_dir("/");
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    if let Some((uid, gid)) = uid {
        command.uid(uid).gid(gid);
    }
    let output = command.output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success() && said.trim() == "1", said)
}

/// Only the process that owns the embedded cluster reaches it. As root (CI), another OS user
/// really tries, through the socket and through TCP, with and without the password; otherwise
/// the test says so and checks what makes that true: no TCP listener, a 0700 socket directory
/// of the server's user, a 0600 password, and no way in without it.
#[tokio::test]
async fn no_other_os_user_can_reach_the_cluster() {
    let pg = EmbeddedPg::start(EmbeddedOptions { data_dir: None, fast: true }).await.unwrap();
    let server_uid = uid_of(pg.pid().unwrap());
    let password = url::Url::parse(pg.url()).unwrap().password().unwrap().to_owned();

    // No TCP listener, whatever postgresql.conf says.
    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    let listen: String = sqlx::query_scalar("SHOW listen_addresses").fetch_one(&mut conn).await.unwrap();
    assert_eq!(listen, "");
    assert!(!port_open(pg.port()), "nothing answers on 127.0.0.1:{}", pg.port());

    // The socket's directory: the server's user's, and only theirs.
    let dir = std::fs::metadata(pg.socket_dir()).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&dir), server_uid);
    assert_eq!(mode_of(pg.socket_dir()), 0o700, "{}", pg.socket_dir().display());

    // The password: random, kept 0600 in the data dir, and required.
    let kept = pg.data_dir().join(propdesk::store::embedded::PASSWORD_FILE);
    assert_eq!(std::fs::read_to_string(&kept).unwrap().trim(), password);
    assert_eq!(mode_of(&kept), 0o600);
    assert_eq!(hba_rules(pg.data_dir()), ["local all all scram-sha-256"]);
    let refused = PgConnection::connect(&without_password(pg.url())).await.unwrap_err();
    assert!(refused.to_string().contains("password authentication failed"), "{refused}");
    let mut wrong = url::Url::parse(pg.url()).unwrap();
    wrong.set_password(Some("not-the-password")).unwrap();
    let refused = PgConnection::connect(wrong.as_str()).await.unwrap_err();
    assert!(refused.to_string().contains("password authentication failed"), "{refused}");

    let socket_dir = pg.socket_dir().to_str().unwrap().to_owned();
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "not root: another OS user cannot be played here; checked no TCP listener, the 0700 socket \
             directory and that the password is required"
        );
        return;
    }
    // The owner gets in with the password (so the refusals below are not a broken psql call)…
    let (ok, said) = psql(&pg, &socket_dir, None, Some(&password));
    assert!(ok, "the owner connects: {said}");
    let (ok, said) = psql(&pg, &socket_dir, None, None);
    assert!(!ok, "…but not without the password: {said}");

    // …and another user gets nowhere, not even with the password.
    let other = ["nobody", "daemon"]
        .into_iter()
        .filter_map(|name| nix::unistd::User::from_name(name).ok().flatten())
        .find(|u| u.uid.as_raw() != server_uid && !u.uid.is_root())
        .expect("an unprivileged user other than the server's");
    let ids = Some((other.uid.as_raw(), other.gid.as_raw()));
    for (host, password) in
        [(socket_dir.as_str(), None), (socket_dir.as_str(), Some(password.as_str())), ("127.0.0.1", None)]
    {
        let (ok, said) = psql(&pg, host, ids, password);
        assert!(!ok, "{} reached the cluster through {host}: {said}", other.name);
        eprintln!("{} through {host} (password: {}): {}", other.name, password.is_some(), said.trim());
    }
    pg.stop().await.unwrap();
}

/// A DATA_DIR made by an older version (trust auth, no password, a TCP listener configured) is
/// secured in place at its first start: a new password, pg_hba rewritten, no listener, data kept.
#[tokio::test]
async fn a_cluster_made_by_an_older_version_is_secured_in_place() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("cluster");
    let opts = || EmbeddedOptions { data_dir: Some(data_dir.clone()), fast: true };
    let pg = EmbeddedPg::start(opts()).await.unwrap();
    let old_password = url::Url::parse(pg.url()).unwrap().password().unwrap().to_owned();
    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('still here'); ALTER ROLE postgres PASSWORD NULL",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    pg.stop().await.unwrap();
    // What `initdb -A trust` and the old start left: trust everywhere, a listener in the config.
    std::fs::write(
        data_dir.join("pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n",
    )
    .unwrap();
    let mut conf = std::fs::OpenOptions::new().append(true).open(data_dir.join("postgresql.conf")).unwrap();
    std::io::Write::write_all(&mut conf, b"listen_addresses = '127.0.0.1'\n").unwrap();
    std::fs::remove_file(data_dir.join(propdesk::store::embedded::PASSWORD_FILE)).unwrap();

    let pg = EmbeddedPg::start(opts()).await.unwrap();
    let password = url::Url::parse(pg.url()).unwrap().password().unwrap().to_owned();
    assert_ne!(password, old_password, "a new password");
    assert_eq!(mode_of(&data_dir.join(propdesk::store::embedded::PASSWORD_FILE)), 0o600);
    assert_eq!(hba_rules(&data_dir), ["local all all scram-sha-256"]);
    assert!(PgConnection::connect(&without_password(pg.url())).await.is_err(), "trust is gone");
    let mut conn = PgConnection::connect(pg.url()).await.unwrap();
    let listen: String = sqlx::query_scalar("SHOW listen_addresses").fetch_one(&mut conn).await.unwrap();
    assert_eq!(listen, "", "the command line wins over postgresql.conf");
    let v: String = sqlx::query_scalar("SELECT v FROM kept").fetch_one(&mut conn).await.unwrap();
    assert_eq!(v, "still here");
    conn.close().await.unwrap();
    pg.stop().await.unwrap();
}
