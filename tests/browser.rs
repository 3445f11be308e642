//! The sandbox's web chat page in a real browser: headless Chromium driven
//! through chromedriver. A visitor picks an owner, presses START, shares the
//! phone, gets the main menu and switches language with an inline button; the
//! admin creates a staff invite, and the link, clicked on the page, is opened
//! as the new colleague.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them the test says
//! so and passes, unless `PROPDESK_REQUIRE_BROWSER=1` (CI) makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use propdesk::config::Settings;
use propdesk::i18n::{Locale, Text};
use propdesk::sandbox::{Sandbox, SandboxOptions, seed};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The longest any one step may take: the bot answers in milliseconds, but a
/// loaded CI machine starting Chromium is slow.
const WAIT: Duration = Duration::from_secs(30);
const SCREENSHOT: &str = "/tmp/propdesk-page.png";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_plays_owners_and_staff_on_the_sandbox_page() -> anyhow::Result<()> {
    let Some(driver_binary) = browser_installed() else {
        if std::env::var("PROPDESK_REQUIRE_BROWSER").as_deref() == Ok("1") {
            bail!(
                "PROPDESK_REQUIRE_BROWSER=1 but chromium or chromedriver is missing: apt-get install chromium chromium-driver"
            );
        }
        println!("browser test skipped: no chromium or chromedriver (apt-get install chromium chromium-driver)");
        return Ok(());
    };
    propdesk::telemetry::init_for_tests();
    let db = propdesk::store::testdb::fresh_database().await?;
    let sandbox =
        Sandbox::start(Settings::for_local(), SandboxOptions { port: 0, database_url: Some(db.url.clone()) }).await?;
    let mut driver = Chromedriver::start(&driver_binary).await?;
    let profile = tempfile::tempdir()?;
    let outcome = match connect(&driver.url, profile.path()).await {
        Ok(client) => {
            let outcome = scenario(&client, &sandbox).await;
            // Whatever happened: close the browser, so no Chromium outlives the test.
            let _ = client.close().await;
            outcome
        }
        Err(err) => Err(err),
    };
    driver.stop().await;
    sandbox.stop().await;
    outcome
}

async fn scenario(c: &Client, sandbox: &Sandbox) -> anyhow::Result<()> {
    c.goto(sandbox.url.as_str()).await?;
    wait_for(c, "the page to load", Locator::Css("body[data-ready='true']")).await?;
    // The page's own words follow the toggle, whatever language Chromium has.
    click(c, "the 中文 toggle", Locator::Css("[data-testid='lang-zh']")).await?;
    wait_for(c, "the Chinese title", xpath(&format!("//h1[.={}]", lit(&zh(Text::new("sandbox-title")))))).await?;

    // 王芳, on the roster: START, share the phone, the main menu.
    let owner = persona("王芳");
    click(c, "王芳", xpath(&persona_card(owner))).await?;
    click(c, "START", Locator::Css("#start-wrap:not([hidden]) [data-testid='start-button']")).await?;
    let share = zh(Text::new("btn-share-contact"));
    click(c, "the share-contact button", xpath(&format!("{}[@data-request-contact='true']", reply_button(&share))))
        .await?;
    wait_for(c, "the main menu", xpath(&reply_button(&zh(Text::new("menu-repair"))))).await?;

    // 🌐 on the menu, then the inline "English" under the language question.
    click(c, "🌐", xpath(&reply_button(&zh(Text::new("menu-language"))))).await?;
    let question = bot_message(&format!(".={}", lit(&zh(Text::new("language-choose")))));
    let english = Text::new("language-name-en").render(Locale::En);
    click(
        c,
        "English",
        xpath(&format!("{question}//button[@data-testid='inline-button'][@data-label={}]", lit(&english))),
    )
    .await?;
    let answer = Text::new("language-set").render(Locale::En);
    wait_for(c, "the bot's answer in English", xpath(&bot_text(&format!(".={}", lit(&answer))))).await?;

    // A photo through the file picker, with a caption; it shows in the chat as sent.
    let picture = tempfile::Builder::new().suffix(".png").tempfile()?;
    std::fs::write(picture.path(), c.screenshot().await?)?;
    c.find(Locator::Css("[data-testid='photo-file']")).await?.send_keys(&picture.path().display().to_string()).await?;
    let caption = wait_for(c, "the caption field", Locator::Css("[data-testid='photo-caption']")).await?;
    caption.send_keys("厨房水管").await?;
    click(c, "send the photo", Locator::Css("[data-testid='photo-send']")).await?;
    wait_for(
        c,
        "the photo in the chat",
        xpath(&format!(
            "//*[@data-testid='message'][@data-from='user'][.//img[@data-testid='message-photo']][.//*[@data-testid='message-text'][.={}]]",
            lit("厨房水管")
        )),
    )
    .await?;
    std::fs::write(SCREENSHOT, c.screenshot().await?).context("writing the screenshot")?;

    // The admin: /invite → trade → role gives a one-time link.
    click(c, "the admin", xpath(&persona_card(seed::ADMIN_ID))).await?;
    let input =
        wait_for(c, "the admin's input", Locator::Css("#input-row:not([hidden]) [data-testid='message-input']"))
            .await?;
    input.send_keys(&format!("/invite{}", char::from(Key::Enter))).await?;
    let trade = zh(Text::new("trade-plumbing"));
    click(c, "the plumbing trade", xpath(&inline_button(&trade))).await?;
    click(c, "the member role", xpath(&inline_button(&zh(Text::new("role-member"))))).await?;

    // The link stays on the page: open it as 吴新, whose chat then opens.
    click(c, "the invite link", Locator::Css("[data-testid='invite-link']")).await?;
    let newcomer = persona("吴新");
    click(
        c,
        "吴新 in the invite dialog",
        Locator::Css(&format!("[data-testid='invite-persona'][data-persona-id='{newcomer}']")),
    )
    .await?;
    let chatting_as = zh(Text::new("sandbox-chatting-as").arg("name", "吴新"));
    wait_for(c, "吴新's chat", xpath(&format!("//*[@data-testid='chatting-as'][.={}]", lit(&chatting_as)))).await?;
    let welcome = zh(Text::new("staff-welcome").arg("name", "吴新").arg("trade", Text::new("trade-plumbing")));
    let first_line = welcome.lines().next().unwrap_or_default();
    let shown = wait_for(c, "the staff welcome", xpath(&bot_text(&format!("contains(., {})", lit(first_line)))))
        .await?
        .text()
        .await?;
    assert_eq!(shown, welcome, "the whole welcome, line breaks kept");
    Ok(())
}

fn zh(text: Text) -> String {
    text.render(Locale::ZhCn)
}

fn persona(first_name: &str) -> i64 {
    seed::personas().iter().find(|p| p.first_name == first_name).map(|p| p.id).expect("a seeded persona")
}

fn persona_card(id: i64) -> String {
    format!("//*[@data-testid='persona'][@data-persona-id='{id}']")
}

fn reply_button(label: &str) -> String {
    format!("//*[@data-testid='reply-keyboard']//button[@data-label={}]", lit(label))
}

fn inline_button(label: &str) -> String {
    format!("//button[@data-testid='inline-button'][@data-label={}]", lit(label))
}

/// A bot message whose text (`message-text`: without the time) satisfies `condition`.
fn bot_message(condition: &str) -> String {
    format!("//*[@data-testid='message'][@data-from='bot'][.//*[@data-testid='message-text'][{condition}]]")
}

/// The text of a bot message that satisfies `condition`.
fn bot_text(condition: &str) -> String {
    format!("//*[@data-testid='message'][@data-from='bot']//*[@data-testid='message-text'][{condition}]")
}

/// An XPath string literal for `s` (XPath 1.0 has no escapes).
fn lit(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

fn xpath(expr: &str) -> Locator<'_> {
    Locator::XPath(expr)
}

async fn wait_for(c: &Client, what: &str, locator: Locator<'_>) -> anyhow::Result<fantoccini::elements::Element> {
    match c.wait().at_most(WAIT).every(Duration::from_millis(50)).for_element(locator).await {
        Ok(element) => Ok(element),
        Err(err) => Err(explain(c, what, err).await),
    }
}

/// Waits for the element, then clicks it. The page rebuilds a message when it
/// is edited, so an element found a moment ago may have been replaced: then
/// it is found again, within the same bounded wait.
async fn click(c: &Client, what: &str, locator: Locator<'_>) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let element = wait_for(c, what, locator).await?;
        match element.click().await {
            Ok(()) => return Ok(()),
            Err(CmdError::Standard(e))
                if matches!(e.error, ErrorStatus::StaleElementReference | ErrorStatus::ElementNotInteractable)
                    && tokio::time::Instant::now() < deadline =>
            {
                continue;
            }
            Err(err) => return Err(explain(c, what, err).await),
        }
    }
}

/// An error that says what was awaited and what the chat showed instead.
async fn explain(c: &Client, what: &str, err: CmdError) -> anyhow::Error {
    let shown = match c.find(Locator::Css("[data-testid='messages']")).await {
        Ok(messages) => messages.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let keyboard = match c.find(Locator::Css("[data-testid='reply-keyboard']")).await {
        Ok(k) => k.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    anyhow::anyhow!("waiting for {what}: {err}\n--- the chat shows:\n{shown}\n--- the reply keyboard:\n{keyboard}")
}

/// chromedriver's path, when both it and Chromium are installed.
fn browser_installed() -> Option<PathBuf> {
    if !Path::new(CHROMIUM).exists() {
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

async fn connect(driver_url: &str, profile: &Path) -> anyhow::Result<Client> {
    // Both ring and aws-lc-rs are in the tree, so rustls will not choose; we only speak plain
    // HTTP to chromedriver anyway. Err means another test installed one first: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1100,800",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::rustls()?.capabilities(caps).connect(driver_url).await.context("starting headless Chromium")
}

/// A chromedriver child process on a free port; killed on stop (and on drop).
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    async fn start(binary: &Path) -> anyhow::Result<Chromedriver> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        // It says when it listens; no guessing how long that takes.
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let ready = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await? {
                if line.contains("started successfully") {
                    return Ok(true);
                }
            }
            Ok::<_, std::io::Error>(false)
        })
        .await;
        if !matches!(ready, Ok(Ok(true))) {
            let _ = child.kill().await;
            bail!("chromedriver did not start on port {port}: {ready:?}");
        }
        // Keep draining its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Chromedriver { child, url: format!("http://127.0.0.1:{port}") })
    }

    async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}
