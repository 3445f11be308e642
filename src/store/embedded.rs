//! A private PostgreSQL cluster started from the locally installed binaries.
//!
//! Used when `DATABASE_URL` is unset: by `propdesk sandbox`/`run` and by the test suite (see
//! [`super::testdb`]). The cluster lives in its own data folder (a temp dir by default). Only
//! the process that owns it can reach it:
//!
//! - no TCP listener at all (`listen_addresses = ''`): the one way in is a unix socket in a
//!   directory only the server's user can enter (the 0700 data dir, or a 0700 temp dir when the
//!   data dir's path is too long for a socket). As root, the server runs as an unprivileged user
//!   and owns that directory; root still enters it (root passes directory permissions);
//! - on top of that (defence in depth), `pg_hba.conf` holds one line, `local all all
//!   scram-sha-256`, and the superuser has a random password made when the cluster is made and
//!   kept 0600 in the data dir ([`PASSWORD_FILE`]). Both are (re)written at every start, so a
//!   cluster made by an older version (trust auth, a TCP listener on 127.0.0.1) is secured in
//!   place the first time this version starts it: the password is set in single-user mode,
//!   before any listener exists.
//!
//! And it goes away with us:
//!
//! - `postgres` is our direct child (not daemonized by `pg_ctl`), in its own process group so a
//!   terminal's Ctrl-C reaches only us and we decide when the database stops (after the work in
//!   hand is flushed);
//! - it carries `PR_SET_PDEATHSIG = SIGINT` (fast shutdown), so it stops even if we are SIGKILLed.
//!   Linux sends that signal when the *thread* that spawned the child exits, so the child is
//!   spawned from a dedicated "keeper" thread that lives exactly as long as the [`EmbeddedPg`];
//! - temp data dirs are named `propdesk-pg-<pid>-<rand>`, and every start removes those of
//!   processes that are gone.
//!
//! PostgreSQL refuses to run as root, so as root `initdb` and the server run as the `postgres`
//! system user (or `nobody`), and the data dir is chowned to it.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User};
use sqlx::Connection;

/// The superuser `initdb` creates; the URL connects as it, with its password, over the socket.
const SUPERUSER: &str = "postgres";
/// The superuser's password, in the data dir, 0600, owned by the server's user.
pub const PASSWORD_FILE: &str = "propdesk-superuser-password";
/// What `pg_hba.conf` says, written at every start.
const PG_HBA: &str = "\
# Written by propdesk at every start of its embedded cluster (src/store/embedded.rs): the only way
# in is the unix socket, in a directory only the server's user can enter (there is no TCP
# listener), with the superuser's password (kept 0600 in propdesk-superuser-password).
local all all scram-sha-256
";
/// Prefix of temp data dirs: `propdesk-pg-<pid>-<rand>`.
const TEMP_PREFIX: &str = "propdesk-pg-";
/// Server log, inside the data dir.
const LOG_FILE: &str = "propdesk-postgres.log";
/// Where Debian/Ubuntu install versioned server binaries: `/usr/lib/postgresql/<version>/bin`.
const VERSIONED_ROOT: &str = "/usr/lib/postgresql";
/// How long the server may take to accept connections (a cold initdb'd cluster takes well under
/// a second; slow CI disks can take much longer).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a fast shutdown may take before we escalate to SIGQUIT, then SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// Unix socket paths are limited to 107 bytes; beyond this the socket goes to a short temp dir.
const MAX_SOCKET_DIR_LEN: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under \
         /usr/lib/postgresql/*/bin: install them (e.g. `apt-get install postgresql`) or set \
         DATABASE_URL to an existing server"
    )]
    NotInstalled,
    #[error(
        "running as root, but neither the `postgres` nor the `nobody` user exists to run PostgreSQL \
         as (it refuses to run as root): create a `postgres` user or set DATABASE_URL"
    )]
    NoUnprivilegedUser,
    #[error("embedded PostgreSQL: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("initdb {data_dir} failed ({status}):\n{output}")]
    Initdb { data_dir: PathBuf, status: ExitStatus, output: String },
    #[error("setting the superuser's password of {data_dir} (single-user mode) failed ({status}):\n{output}")]
    Password { data_dir: PathBuf, status: ExitStatus, output: String },
    #[error("embedded PostgreSQL did not start: {reason}; tail of {log}:\n{tail}")]
    Start { reason: String, log: PathBuf, tail: String },
    #[error("embedded PostgreSQL (pid {pid}) did not stop within {after:?}")]
    Stop { pid: u32, after: Duration },
}

impl EmbeddedPgError {
    fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let context = context.into();
        move |source| EmbeddedPgError::Io { context, source }
    }
}

/// The three programs a private cluster needs, all from one installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBinaries {
    pub initdb: PathBuf,
    pub pg_ctl: PathBuf,
    pub postgres: PathBuf,
}

/// Where [`PgBinaries::find_in`] looks: injectable so tests can search an empty place.
#[derive(Debug, Clone)]
pub struct BinarySearch {
    /// Directories searched first, in order (normally `$PATH`).
    pub path_dirs: Vec<PathBuf>,
    /// Directories holding `<version>/bin` (normally `/usr/lib/postgresql`); highest version wins.
    pub versioned_roots: Vec<PathBuf>,
}

impl BinarySearch {
    /// `$PATH`, then `/usr/lib/postgresql/*/bin`.
    pub fn system() -> Self {
        let path = std::env::var_os("PATH").unwrap_or_default();
        BinarySearch {
            path_dirs: std::env::split_paths(&path).collect(),
            versioned_roots: vec![PathBuf::from(VERSIONED_ROOT)],
        }
    }
}

impl PgBinaries {
    /// Searches `search`: the first `$PATH` directory that holds `initdb`, `pg_ctl` AND `postgres`
    /// together, else the highest `<root>/<version>/bin` that does. Symlinks are resolved (the
    /// server finds its `share/` relative to its real path). A directory whose programs are
    /// scripts (wrappers such as Debian's `pg_wrapper`) is only used if no directory with the
    /// real executables exists.
    pub fn find_in(search: &BinarySearch) -> Result<Self, EmbeddedPgError> {
        let mut candidates: Vec<PathBuf> = search.path_dirs.clone();
        for root in &search.versioned_roots {
            candidates.extend(versioned_bin_dirs(root));
        }
        let found: Vec<PgBinaries> = candidates.iter().filter_map(|d| binaries_in(d)).collect();
        found.iter().find(|b| !b.any_script()).or(found.first()).cloned().ok_or(EmbeddedPgError::NotInstalled)
    }

    fn any_script(&self) -> bool {
        [&self.initdb, &self.pg_ctl, &self.postgres].iter().any(|p| is_script(p))
    }
}

/// `<root>/<version>/bin` for every version directory, highest version first (`17` > `9.6`).
fn versioned_bin_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let key = name.split('.').map(|part| part.parse::<u64>().ok()).collect::<Option<Vec<u64>>>()?;
            Some((key, e.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// The three programs in `dir`, symlinks resolved, if all three are there and executable.
fn binaries_in(dir: &Path) -> Option<PgBinaries> {
    let program = |name: &str| -> Option<PathBuf> {
        let path = dir.join(name);
        let meta = fs::metadata(&path).ok()?;
        (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then(|| fs::canonicalize(&path).unwrap_or(path))
    };
    Some(PgBinaries { initdb: program("initdb")?, pg_ctl: program("pg_ctl")?, postgres: program("postgres")? })
}

fn is_script(path: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).map(|()| &head == b"#!").unwrap_or(false)
}

#[derive(Debug, Clone, Default)]
pub struct EmbeddedOptions {
    /// Where the cluster lives; created and initdb'd if it holds no cluster yet. `None`: a fresh
    /// temp dir, removed on stop.
    pub data_dir: Option<PathBuf>,
    /// Tests: fsync, synchronous_commit and full_page_writes off, initdb without sync, and room
    /// for many parallel connections. Never for data you want to keep.
    pub fast: bool,
}

/// A running private cluster. Stop it with [`EmbeddedPg::stop`]; dropping it stops it too (best
/// effort, blocking).
pub struct EmbeddedPg {
    url: String,
    port: u16,
    data_dir: PathBuf,
    log_path: PathBuf,
    child: Option<Child>,
    keeper: Option<Keeper>,
    /// Declared after `child`/`keeper` only for clarity: removal happens explicitly in `shutdown`
    /// after the server has exited.
    temp_dir: Option<tempfile::TempDir>,
    socket_dir: Option<tempfile::TempDir>,
    /// What a restart needs (`stop_server` / `restart_server`).
    binaries: PgBinaries,
    socket_path: PathBuf,
    fast: bool,
}

impl std::fmt::Debug for EmbeddedPg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it holds the superuser's password.
        f.debug_struct("EmbeddedPg")
            .field("socket_dir", &self.socket_path)
            .field("data_dir", &self.data_dir)
            .field("pid", &self.child.as_ref().map(Child::id))
            .finish()
    }
}

impl EmbeddedPg {
    /// `initdb`, `pg_ctl` and `postgres` from `$PATH`, else the highest `/usr/lib/postgresql/*/bin`.
    pub fn find_binaries() -> Result<PgBinaries, EmbeddedPgError> {
        PgBinaries::find_in(&BinarySearch::system())
    }

    /// Initializes the cluster if needed (or secures one made by an older version), starts the
    /// server on its private unix socket and returns once it accepts connections.
    pub async fn start(opts: EmbeddedOptions) -> Result<Self, EmbeddedPgError> {
        let binaries = Self::find_binaries()?;
        Self::start_with(&binaries, opts).await
    }

    /// [`EmbeddedPg::start`] with binaries found elsewhere.
    pub async fn start_with(binaries: &PgBinaries, opts: EmbeddedOptions) -> Result<Self, EmbeddedPgError> {
        remove_stale_temp_dirs(&std::env::temp_dir());
        let run_as = RunAs::decide()?;

        let (data_dir, temp_dir) = match opts.data_dir {
            Some(dir) => {
                fs::create_dir_all(&dir).map_err(EmbeddedPgError::io(format!("creating {}", dir.display())))?;
                // Absolute: the server resolves a relative socket directory against the data dir.
                let dir =
                    fs::canonicalize(&dir).map_err(EmbeddedPgError::io(format!("resolving {}", dir.display())))?;
                (dir, None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
                    .tempdir()
                    .map_err(EmbeddedPgError::io("creating a temp data dir"))?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        // PostgreSQL insists on 0700 (or 0750) for its data dir; 0700 also keeps everyone but the
        // server's user out of the socket when it lives here.
        fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o700))
            .map_err(EmbeddedPgError::io(format!("chmod {}", data_dir.display())))?;
        run_as.chown_tree(&data_dir)?;

        if !data_dir.join("PG_VERSION").exists() {
            initdb(binaries, &data_dir, &run_as, opts.fast)?;
        }
        let password = secure(binaries, &data_dir, &run_as)?;

        let (socket_dir, socket_temp) = if data_dir.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
            (data_dir.clone(), None)
        } else {
            // tempfile makes it 0700.
            let temp = tempfile::Builder::new()
                .prefix(&format!("{TEMP_PREFIX}{}-sock-", std::process::id()))
                .tempdir()
                .map_err(EmbeddedPgError::io("creating a socket dir"))?;
            fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o700))
                .map_err(EmbeddedPgError::io(format!("chmod {}", temp.path().display())))?;
            run_as.chown_tree(temp.path())?;
            (temp.path().to_path_buf(), Some(temp))
        };

        // The port only names the socket (`.s.PGSQL.<port>`), as nothing listens on TCP. A port
        // free on 127.0.0.1 all the same, so that no client that tries TCP by mistake reaches
        // another server (the machine's own on 5432, say).
        let port = free_port()?;
        let log_path = data_dir.join(LOG_FILE);
        let mut server = EmbeddedPg {
            url: socket_url(&socket_dir, port, &password),
            port,
            data_dir: data_dir.clone(),
            log_path: log_path.clone(),
            child: None,
            keeper: None,
            temp_dir: None,
            socket_dir: None,
            binaries: binaries.clone(),
            socket_path: socket_dir.clone(),
            fast: opts.fast,
        };
        let log_start = fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
        let command = server_command(binaries, &data_dir, &socket_dir, port, &run_as, opts.fast);
        let (child, keeper) = spawn_kept(command, &log_path, &run_as)?;
        server.child = Some(child);
        server.keeper = Some(keeper);
        match server.wait_until_ready().await {
            Ok(()) => {
                server.temp_dir = temp_dir;
                server.socket_dir = socket_temp;
                tracing::info!(
                    socket_dir = %socket_dir.display(),
                    data_dir = %data_dir.display(),
                    "embedded PostgreSQL started (unix socket only, password required)"
                );
                Ok(server)
            }
            Err(reason) => {
                // Don't remove the data dir yet (the log is in it): `server` owns no temp dir.
                let _ = server.shutdown();
                let tail = log_tail(&log_path, log_start);
                // On failure a temp data dir is kept (its log explains why); the next start
                // removes it.
                if let Some(temp) = temp_dir {
                    let _ = temp.keep();
                }
                Err(EmbeddedPgError::Start { reason, log: log_path, tail })
            }
        }
    }

    /// `postgres://postgres:<password>@localhost:<port>/postgres?host=<socket dir>`: the superuser,
    /// over the private unix socket. It holds the password: never log it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The number in the socket's name (`.s.PGSQL.<port>`); nothing listens on it over TCP.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory of the server's unix socket: 0700, the server's user's.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_path
    }

    /// The socket file itself; it exists while the server runs.
    pub fn socket_file(&self) -> PathBuf {
        self.socket_path.join(format!(".s.PGSQL.{}", self.port))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The server's own log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The postmaster's pid, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Fast shutdown (clients are disconnected), waits for the server to exit, removes a temp data
    /// dir.
    pub async fn stop(mut self) -> Result<(), EmbeddedPgError> {
        tokio::task::spawn_blocking(move || self.shutdown())
            .await
            .map_err(|e| EmbeddedPgError::Io { context: "stopping PostgreSQL".into(), source: io::Error::other(e) })?
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(format!("postgres exited with {status}"));
            }
            let attempt = tokio::time::timeout(Duration::from_secs(2), async {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::query("SELECT 1").execute(&mut conn).await?;
                conn.close().await
            })
            .await;
            match attempt {
                Ok(Ok(())) => return Ok(()),
                // 28P01 invalid_password, 28000 invalid_authorization_specification: the server
                // is up and refuses us; waiting will not change that.
                Ok(Err(sqlx::Error::Database(e))) if matches!(e.code().as_deref(), Some("28P01" | "28000")) => {
                    return Err(format!("the server refuses the superuser's password: {}", e.message()));
                }
                _ => {}
            }
            if Instant::now() > deadline {
                return Err(format!("not accepting connections after {READY_TIMEOUT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Stops the server and keeps its data dir and socket, as an operator restarting PostgreSQL
    /// would: clients lose their connections until [`EmbeddedPg::restart_server`]. For drills.
    /// Blocks the calling thread while the server shuts down (fast shutdown: well under a second).
    pub async fn stop_server(&mut self) -> Result<(), EmbeddedPgError> {
        self.stop_child()
    }

    /// Starts the server stopped by [`EmbeddedPg::stop_server`] again, on the same socket (clients
    /// reconnect to the same URL), and returns once it accepts connections.
    pub async fn restart_server(&mut self) -> Result<(), EmbeddedPgError> {
        if self.child.is_some() {
            return Ok(());
        }
        let run_as = RunAs::decide()?;
        let log_start = fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        let command = server_command(&self.binaries, &self.data_dir, &self.socket_path, self.port, &run_as, self.fast);
        let (child, keeper) = spawn_kept(command, &self.log_path, &run_as)?;
        self.child = Some(child);
        self.keeper = Some(keeper);
        if let Err(reason) = self.wait_until_ready().await {
            let _ = self.stop_child();
            let tail = log_tail(&self.log_path, log_start);
            return Err(EmbeddedPgError::Start { reason, log: self.log_path.clone(), tail });
        }
        tracing::info!(socket_dir = %self.socket_path.display(), "embedded PostgreSQL restarted");
        Ok(())
    }

    /// Stops the server (SIGINT, then SIGQUIT, then SIGKILL) and ends the keeper thread. Blocking;
    /// idempotent.
    fn stop_child(&mut self) -> Result<(), EmbeddedPgError> {
        let mut result = Ok(());
        if let Some(mut child) = self.child.take() {
            let pid = child.id();
            let escalation = [
                (Signal::SIGINT, STOP_TIMEOUT),
                (Signal::SIGQUIT, Duration::from_secs(5)),
                (Signal::SIGKILL, Duration::from_secs(5)),
            ];
            let mut stopped = false;
            for (signal, patience) in escalation {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    stopped = true;
                    break;
                }
                let _ = kill(Pid::from_raw(pid as i32), signal);
                if wait_for_exit(&mut child, patience) {
                    stopped = true;
                    break;
                }
                tracing::warn!(pid, ?signal, "embedded PostgreSQL did not stop in time");
            }
            if !stopped {
                result = Err(EmbeddedPgError::Stop { pid, after: STOP_TIMEOUT });
            }
        }
        if let Some(keeper) = self.keeper.take() {
            keeper.release();
        }
        result
    }

    /// Stops the server, then removes the temp dirs. Blocking; idempotent.
    fn shutdown(&mut self) -> Result<(), EmbeddedPgError> {
        let result = self.stop_child();
        if result.is_ok() {
            if let Some(temp) = self.temp_dir.take() {
                let _ = temp.close();
            }
            if let Some(temp) = self.socket_dir.take() {
                let _ = temp.close();
            }
        }
        result
    }
}

impl Drop for EmbeddedPg {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, "stopping embedded PostgreSQL on drop");
        }
    }
}

fn wait_for_exit(child: &mut Child, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() >= deadline => return false,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Who `initdb` and the server run as: ourselves, or (as root) an unprivileged user.
struct RunAs {
    ids: Option<(u32, u32)>,
}

impl RunAs {
    fn decide() -> Result<Self, EmbeddedPgError> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(RunAs { ids: None });
        }
        let user = ["postgres", "nobody"]
            .into_iter()
            .find_map(|name| User::from_name(name).ok().flatten())
            .ok_or(EmbeddedPgError::NoUnprivilegedUser)?;
        Ok(RunAs { ids: Some((user.uid.as_raw(), user.gid.as_raw())) })
    }

    fn apply(&self, command: &mut Command) {
        if let Some((uid, gid)) = self.ids {
            // std drops supplementary groups too when uid is set by a privileged process.
            command.uid(uid).gid(gid);
        }
    }

    /// Hands `path` (recursively) to the server's user, so it can run a cluster initdb'd earlier
    /// under another user too.
    fn chown_tree(&self, path: &Path) -> Result<(), EmbeddedPgError> {
        let Some((uid, gid)) = self.ids else {
            return Ok(());
        };
        let meta = fs::symlink_metadata(path).map_err(EmbeddedPgError::io(format!("reading {}", path.display())))?;
        std::os::unix::fs::lchown(path, Some(uid), Some(gid))
            .map_err(EmbeddedPgError::io(format!("chown {}", path.display())))?;
        if meta.is_dir() {
            let entries = fs::read_dir(path).map_err(EmbeddedPgError::io(format!("reading {}", path.display())))?;
            for entry in entries.flatten() {
                self.chown_tree(&entry.path())?;
            }
        }
        Ok(())
    }
}

/// A command for a PostgreSQL program: clean PG* environment, a working directory the server's
/// user can enter, run as that user.
fn pg_command(program: &Path, run_as: &RunAs) -> Command {
    let mut command = Command::new(program);
    let inherited: Vec<OsString> =
        std::env::vars_os().map(|(k, _)| k).filter(|k| k.to_string_lossy().starts_with("PG")).collect();
    for key in inherited {
        command.env_remove(key);
    }
    command.current_dir("/").stdin(Stdio::null());
    run_as.apply(&mut command);
    command
}

fn initdb(binaries: &PgBinaries, data_dir: &Path, run_as: &RunAs, fast: bool) -> Result<(), EmbeddedPgError> {
    let mut command = pg_command(&binaries.initdb, run_as);
    // `reject` until `secure` writes the real pg_hba.conf and sets the password: never trust.
    command.arg("-D").arg(data_dir).args(["-U", SUPERUSER, "-A", "reject", "-E", "UTF8", "--locale=C"]);
    if fast {
        command.arg("--no-sync");
    }
    let output = command.output().map_err(EmbeddedPgError::io(format!("running {}", binaries.initdb.display())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(EmbeddedPgError::Initdb {
        data_dir: data_dir.to_path_buf(),
        status: output.status,
        output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
    })
}

/// Makes the cluster reachable only with the superuser's password, at every start: sets a random
/// one (in single-user mode, so no listener exists meanwhile) when the data dir keeps none yet
/// (freshly initdb'd, or made by an older version with trust auth), and writes `pg_hba.conf`.
/// Returns the password.
fn secure(binaries: &PgBinaries, data_dir: &Path, run_as: &RunAs) -> Result<String, EmbeddedPgError> {
    let path = data_dir.join(PASSWORD_FILE);
    let kept = match fs::read_to_string(&path) {
        Ok(text) => Some(text.trim().to_owned()).filter(|p| is_our_password(p)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(EmbeddedPgError::Io { context: format!("reading {}", path.display()), source: e }),
    };
    let password = match kept {
        Some(password) => {
            // Whatever its mode was, it is 0600 from now on.
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
                .map_err(EmbeddedPgError::io(format!("chmod {}", path.display())))?;
            password
        }
        None => {
            let password: String = rand::random::<[u8; 32]>().iter().map(|b| format!("{b:02x}")).collect();
            set_password(binaries, data_dir, run_as, &password)?;
            // Only once the role has it: a crash in between makes the next start set a new one.
            write_private(&path, &password, run_as)?;
            tracing::info!(data_dir = %data_dir.display(), "embedded PostgreSQL: the superuser has a new password");
            password
        }
    };
    write_private(&data_dir.join("pg_hba.conf"), PG_HBA, run_as)?;
    Ok(password)
}

/// 64 hex digits, as [`secure`] makes them (so the password can go into SQL as a literal).
fn is_our_password(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `ALTER ROLE postgres PASSWORD …` in single-user mode (the server must not be running).
fn set_password(binaries: &PgBinaries, data_dir: &Path, run_as: &RunAs, password: &str) -> Result<(), EmbeddedPgError> {
    use std::io::Write as _;
    let mut command = pg_command(&binaries.postgres, run_as);
    command
        .arg("--single")
        .arg("-D")
        .arg(data_dir)
        .args(["-c", "password_encryption=scram-sha-256", "-c", "listen_addresses=", SUPERUSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child =
        command.spawn().map_err(EmbeddedPgError::io(format!("running {} --single", binaries.postgres.display())))?;
    let statement = format!("ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n");
    let written = child.stdin.take().expect("piped").write_all(statement.as_bytes());
    let output = child.wait_with_output().map_err(EmbeddedPgError::io("waiting for postgres --single"))?;
    // The server may echo the statement with an error: the password never reaches our errors.
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
        .replace(password, "***");
    if output.status.success() && written.is_ok() && !text.contains("ERROR:") && !text.contains("FATAL:") {
        return Ok(());
    }
    Err(EmbeddedPgError::Password { data_dir: data_dir.to_path_buf(), status: output.status, output: text })
}

/// Writes `contents` to `path` with mode 0600 (through a temp file and a rename), owned by the
/// server's user.
fn write_private(path: &Path, contents: &str, run_as: &RunAs) -> Result<(), EmbeddedPgError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let temp = path.with_extension("propdesk-tmp");
    let _ = fs::remove_file(&temp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(EmbeddedPgError::io(format!("creating {}", temp.display())))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(EmbeddedPgError::io(format!("writing {}", temp.display())))?;
    run_as.chown_tree(&temp)?;
    fs::rename(&temp, path).map_err(EmbeddedPgError::io(format!("renaming {}", temp.display())))
}

fn server_command(
    binaries: &PgBinaries,
    data_dir: &Path,
    socket_dir: &Path,
    port: u16,
    run_as: &RunAs,
    fast: bool,
) -> Command {
    let mut command = pg_command(&binaries.postgres, run_as);
    command.arg("-D").arg(data_dir).arg("-p").arg(port.to_string());
    // On the command line, so neither postgresql.conf nor ALTER SYSTEM can open a TCP listener or
    // move the socket out of its private directory. The socket file itself is 0700 too.
    let mut settings = vec![
        "listen_addresses=".to_string(),
        format!("unix_socket_directories={}", socket_dir.display()),
        "unix_socket_permissions=0700".to_string(),
        "password_encryption=scram-sha-256".to_string(),
    ];
    if fast {
        // Crash safety is worthless for a test cluster; speed is not. Tests also run in parallel,
        // each with its own pool, so leave room for many connections.
        settings.extend(
            ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300"].map(String::from),
        );
    }
    for setting in settings {
        command.arg("-c").arg(setting);
    }
    // Our own process group: a terminal's Ctrl-C goes to us, and we stop the server only after
    // the work in hand is flushed.
    command.process_group(0);
    command
}

/// Keeps the thread that spawned the server alive: PR_SET_PDEATHSIG fires when that thread exits.
struct Keeper {
    release: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Keeper {
    fn release(self) {
        drop(self.release);
        let _ = self.thread.join();
    }
}

/// Spawns `command` (stdout/stderr to `log_path`) from a dedicated thread that then waits until
/// released, with SIGINT (fast shutdown) as the child's parent-death signal.
fn spawn_kept(mut command: Command, log_path: &Path, run_as: &RunAs) -> Result<(Child, Keeper), EmbeddedPgError> {
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(EmbeddedPgError::io(format!("opening {}", log_path.display())))?;
    if let Some((uid, gid)) = run_as.ids {
        let _ = std::os::unix::fs::chown(log_path, Some(uid), Some(gid));
    }
    let log_err = log.try_clone().map_err(EmbeddedPgError::io("duplicating the log handle"))?;
    command.stdout(log).stderr(log_err);

    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe syscalls
    // (prctl, getppid); it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            // Runs after std's setuid/setgid, which would have cleared the setting.
            nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(io::Error::from)?;
            // The parent may have died before prctl: then nobody would ever signal us.
            if nix::unistd::getppid() != parent {
                return Err(io::Error::other("parent exited before the server started"));
            }
            Ok(())
        });
    }

    let (spawned_tx, spawned_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("embedded-pg-keeper".into())
        .spawn(move || {
            let spawned = command.spawn();
            let ok = spawned.is_ok();
            let _ = spawned_tx.send(spawned);
            if ok {
                // Returns once the Sender is dropped (stop, drop, or never for a static).
                let _ = release_rx.recv();
            }
        })
        .map_err(EmbeddedPgError::io("spawning the keeper thread"))?;
    let child = spawned_rx
        .recv()
        .map_err(|_| EmbeddedPgError::Io {
            context: "keeper thread died".into(),
            source: io::Error::other("no spawn result"),
        })?
        .map_err(EmbeddedPgError::io("starting postgres"))?;
    Ok((child, Keeper { release: release_tx, thread }))
}

/// The superuser's URL over the unix socket in `socket_dir`: sqlx (and libpq) read a `host`
/// parameter that starts with `/` as a socket directory.
fn socket_url(socket_dir: &Path, port: u16, password: &str) -> String {
    let mut url = url::Url::parse(&format!("postgres://{SUPERUSER}@localhost:{port}/postgres")).expect("a valid URL");
    let _ = url.set_password(Some(password));
    url.query_pairs_mut().append_pair("host", &socket_dir.to_string_lossy());
    url.into()
}

fn free_port() -> Result<u16, EmbeddedPgError> {
    std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(EmbeddedPgError::io("finding a free port"))
}

/// The last 40 lines the server wrote to its log since `from`.
fn log_tail(log_path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(log_path) {
        let _ = file.seek(SeekFrom::Start(from));
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Removes `propdesk-pg-<pid>-*` dirs under `tmp` whose process is gone and whose server (if its
/// postmaster.pid is still there) is gone too. Best effort.
pub(crate) fn remove_stale_temp_dirs(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(TEMP_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let dir = entry.path();
        let server_pid = fs::read_to_string(dir.join("postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
        if server_pid.is_some_and(process_alive) {
            continue; // still shutting down after its parent died; next time
        }
        if fs::remove_dir_all(&dir).is_ok() {
            tracing::debug!(dir = %dir.display(), "removed a dead process's PostgreSQL temp dir");
        }
    }
}

/// Whether a process with this pid exists on this machine (EPERM: it exists, not ours).
pub(crate) fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    !matches!(kill(Pid::from_raw(pid), None), Err(nix::errno::Errno::ESRCH))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_install(dir: &Path, programs: &[&str], script: bool) {
        fs::create_dir_all(dir).unwrap();
        for name in programs {
            let path = dir.join(name);
            let body: &[u8] = if script { b"#!/bin/sh\nexit 0\n" } else { b"\x7fELF" };
            fs::write(&path, body).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    const ALL: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

    #[test]
    fn nothing_found_is_a_one_line_hint() {
        let empty = tempfile::tempdir().unwrap();
        let search = BinarySearch {
            path_dirs: vec![empty.path().to_path_buf()],
            versioned_roots: vec![empty.path().join("missing")],
        };
        let err = PgBinaries::find_in(&search).unwrap_err();
        assert!(matches!(err, EmbeddedPgError::NotInstalled));
        let message = err.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
    }

    #[test]
    fn a_path_dir_needs_all_three_programs() {
        let root = tempfile::tempdir().unwrap();
        let partial = root.path().join("partial");
        fake_install(&partial, &["initdb", "postgres"], false);
        let versioned = root.path().join("lib");
        fake_install(&versioned.join("15/bin"), &ALL, false);
        let search = BinarySearch { path_dirs: vec![partial], versioned_roots: vec![versioned.clone()] };
        let found = PgBinaries::find_in(&search).unwrap();
        assert_eq!(found.postgres, fs::canonicalize(versioned.join("15/bin/postgres")).unwrap());
    }

    #[test]
    fn the_highest_version_wins_numerically() {
        let root = tempfile::tempdir().unwrap();
        for v in ["9.6", "15", "16", "not-a-version"] {
            fake_install(&root.path().join(v).join("bin"), &ALL, false);
        }
        let search = BinarySearch { path_dirs: vec![], versioned_roots: vec![root.path().to_path_buf()] };
        let found = PgBinaries::find_in(&search).unwrap();
        assert!(found.initdb.ends_with("16/bin/initdb"), "{found:?}");
    }

    #[test]
    fn path_symlinks_resolve_to_the_real_installation() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("lib/15/bin");
        fake_install(&real, &ALL, false);
        let on_path = root.path().join("usr-local-bin");
        fs::create_dir_all(&on_path).unwrap();
        for name in ALL {
            std::os::unix::fs::symlink(real.join(name), on_path.join(name)).unwrap();
        }
        let search = BinarySearch { path_dirs: vec![on_path], versioned_roots: vec![] };
        let found = PgBinaries::find_in(&search).unwrap();
        assert_eq!(found.pg_ctl, fs::canonicalize(real.join("pg_ctl")).unwrap());
    }

    #[test]
    fn wrapper_scripts_lose_to_real_binaries() {
        let root = tempfile::tempdir().unwrap();
        let wrappers = root.path().join("bin");
        fake_install(&wrappers, &ALL, true);
        let lib = root.path().join("lib");
        fake_install(&lib.join("14/bin"), &ALL, false);
        let mut search = BinarySearch { path_dirs: vec![wrappers.clone()], versioned_roots: vec![lib] };
        let found = PgBinaries::find_in(&search).unwrap();
        assert!(found.initdb.ends_with("14/bin/initdb"), "{found:?}");

        // …but a wrapper is better than nothing.
        search.versioned_roots.clear();
        let found = PgBinaries::find_in(&search).unwrap();
        assert_eq!(found.initdb, fs::canonicalize(wrappers.join("initdb")).unwrap());
    }

    #[test]
    fn stale_temp_dirs_of_dead_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        // pid_max is at most 2^22 on Linux: this pid cannot exist.
        let dead = tmp.path().join(format!("{TEMP_PREFIX}99999999-abc"));
        let mine = tmp.path().join(format!("{TEMP_PREFIX}{}-abc", std::process::id()));
        let other = tmp.path().join("something-else");
        for dir in [&dead, &mine, &other] {
            fs::create_dir_all(dir).unwrap();
        }
        remove_stale_temp_dirs(tmp.path());
        assert!(!dead.exists());
        assert!(mine.exists());
        assert!(other.exists());
    }

    #[test]
    fn a_live_server_in_a_dead_processs_dir_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = tmp.path().join(format!("{TEMP_PREFIX}99999999-abc"));
        fs::create_dir_all(&dead).unwrap();
        // Our own pid stands in for a server still shutting down.
        fs::write(dead.join("postmaster.pid"), format!("{}\n/tmp/x\n", std::process::id())).unwrap();
        remove_stale_temp_dirs(tmp.path());
        assert!(dead.exists());
    }
}
