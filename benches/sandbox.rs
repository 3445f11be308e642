//! `cargo bench --bench sandbox`: the sandbox as a person meets it.
//!
//! Starts the real `propdesk sandbox` binary, measures the time until the web
//! page answers, onboards five owner personas through the page's control API
//! (four by roster match, one by a request the supervisor approves), and reads
//! the process's peak memory (VmHWM) and that of its PostgreSQL.

#[path = "common/mod.rs"]
mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Sandbox {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), nix::sys::signal::SIGINT);
        let _ = self.child.wait();
    }
}

impl Sandbox {
    async fn post(&self, path: &str, body: Value) -> Value {
        self.http.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap().json().await.unwrap()
    }

    /// Waits until the persona's chat has a bot message whose text contains `needle`.
    async fn wait_for(&self, user: i64, needle: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let chat: Value = self
                .http
                .get(format!("{}control/chats/{user}/messages?after=0", self.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(m) = chat["messages"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .find(|m| m["from_bot"] == true && m["text"].as_str().is_some_and(|t| t.contains(needle)))
            {
                return m.clone();
            }
            assert!(Instant::now() < deadline, "{user} never got {needle:?}: {chat}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn press(&self, user: i64, message: &Value, label: &str) {
        let button = message["inline_keyboard"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap())
            .find(|b| b["text"] == label)
            .unwrap_or_else(|| panic!("no button {label} in {message}"));
        self.post(
            &format!("control/users/{user}/press"),
            json!({"message_id": message["message_id"], "data": button["callback_data"]}),
        )
        .await;
    }
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Proportional memory (PSS) of the embedded PostgreSQL, postmaster and
/// backends: shared buffers are counted once, not once per backend.
fn postgres_rss_kib(port: &str) -> u64 {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let mut postmaster = None;
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default().replace('\0', " ");
        if cmd.contains("postgres") && cmd.contains(&format!("-p {port}")) {
            postmaster = Some(pid);
        }
        pids.push(pid);
    }
    let Some(postmaster) = postmaster else { return 0 };
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid: u32 =
            stat.rsplit(')').next().and_then(|s| s.split_whitespace().nth(1)).and_then(|p| p.parse().ok()).unwrap_or(0);
        if pid == postmaster || ppid == postmaster {
            total += pss_kib(pid);
        }
    }
    total
}

#[tokio::main]
async fn main() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_propdesk"))
        .args(["sandbox", "--port", &port.to_string()])
        .env_remove("DATABASE_URL")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the propdesk binary");
    let sandbox = Sandbox { child, base: format!("http://127.0.0.1:{port}/"), http: reqwest::Client::new() };
    loop {
        if sandbox.http.get(&sandbox.base).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the sandbox did not answer");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let to_page = started.elapsed();

    let onboarding = Instant::now();
    // Four owners on the roster: /start, share the contact, see the binding.
    for (id, several) in [(10001, false), (10002, true), (10003, false), (10005, false)] {
        sandbox.post(&format!("control/users/{id}/text"), json!({"text": "/start"})).await;
        sandbox.wait_for(id, "📱").await;
        sandbox.post(&format!("control/users/{id}/contact"), json!({})).await;
        if several {
            let pick = sandbox.wait_for(id, "请选择本次要绑定的房屋").await;
            sandbox.press(id, &pick, "1栋2单元202").await;
        }
        sandbox.wait_for(id, if id == 10003 { "Verified" } else { "认证成功" }).await;
    }
    // One newcomer by request, approved by the customer-service supervisor.
    let (newcomer, supervisor) = (10004, 20004);
    sandbox.post(&format!("control/users/{newcomer}/text"), json!({"text": "/start"})).await;
    sandbox.wait_for(newcomer, "📱").await;
    sandbox.post(&format!("control/users/{newcomer}/contact"), json!({})).await;
    sandbox.wait_for(newcomer, "请输入您的房号").await;
    sandbox.post(&format!("control/users/{newcomer}/text"), json!({"text": "1栋2单元101"})).await;
    sandbox.wait_for(newcomer, "请输入您的姓名").await;
    sandbox.post(&format!("control/users/{newcomer}/text"), json!({"text": "张伟"})).await;
    let relation = sandbox.wait_for(newcomer, "请选择您与该房屋的关系").await;
    sandbox.press(newcomer, &relation, "租户").await;
    let card = sandbox.wait_for(supervisor, "新的住户认证申请").await;
    sandbox.press(supervisor, &card, "✅ 通过").await;
    sandbox.wait_for(newcomer, "您的住户认证已通过").await;
    let onboarded = onboarding.elapsed();

    let pid = sandbox.child.id();
    let peak = common::status_kib(pid, "VmHWM:");
    let rss = common::status_kib(pid, "VmRSS:");
    let pg_port = {
        // The embedded server's port is in its command line; find it by parent.
        let mut port = String::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            let ppid: u32 = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().nth(1))
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if ppid == pid {
                let cmd = std::fs::read_to_string(format!("/proc/{child}/cmdline")).unwrap_or_default();
                let args: Vec<&str> = cmd.split('\0').collect();
                if let Some(i) = args.iter().position(|a| *a == "-p") {
                    port = args[i + 1].to_owned();
                }
            }
        }
        port
    };
    let pg = postgres_rss_kib(&pg_port);
    println!("sandbox: `propdesk sandbox` to the page answering   {:>8.0} ms", to_page.as_secs_f64() * 1000.0);
    println!("sandbox: onboarding 5 personas (incl. 1 approval)    {:>8.0} ms", onboarded.as_secs_f64() * 1000.0);
    println!("sandbox: propdesk process peak memory (VmHWM)        {:>8.1} MiB", peak as f64 / 1024.0);
    println!("sandbox: propdesk process resident now (VmRSS)       {:>8.1} MiB", rss as f64 / 1024.0);
    println!("sandbox: embedded PostgreSQL memory (PSS, all backends) {:>8.1} MiB", pg as f64 / 1024.0);
}
