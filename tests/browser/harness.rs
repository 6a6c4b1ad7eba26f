//! Starting chromedriver and a headless Chromium session on a fresh profile, and stopping both.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A headless Chromium driven through chromedriver.
pub(crate) struct Browser {
    client: Client,
    driver: Child,
    profile: PathBuf,
    user_agent: String,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session; every failure is an error, never a skip.
    ///
    /// `CHROMEDRIVER` and `CHROMIUM` override the binaries (default: `chromedriver` on the `PATH`,
    /// `/usr/bin/chromium`).
    pub(crate) async fn start() -> Result<Self, Error> {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start `{driver_bin}` (install chromium-driver, or set CHROMEDRIVER): {e}"))?;
        wait_until_listening(&mut driver, port).await?;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let profile = std::env::temp_dir().join(format!("tower-cors-chromium-{}-{nanos}", std::process::id()));
        let mut browser =
            Self { client: connect(port, &chromium, &profile).await?, driver, profile, user_agent: String::new() };
        // Fail early, with a clear message, if the session cannot even run a script.
        match browser.client.execute("return navigator.userAgent", vec![]).await {
            Ok(Value::String(user_agent)) if user_agent.contains("Chrome") => {
                browser.user_agent = user_agent;
                Ok(browser)
            }
            answer => {
                browser.stop_mut().await;
                Err(format!("the browser cannot run a script: {answer:?}").into())
            }
        }
    }

    /// The browser's `navigator.userAgent`, with its version.
    pub(crate) fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Opens `url` in the one tab.
    pub(crate) async fn goto(&self, url: &str) -> Result<(), Error> {
        Ok(self.client.goto(url).await?)
    }

    /// Runs `script` in the page; a returned Promise is awaited and its value comes back as JSON.
    pub(crate) async fn run(&self, script: &str, args: Vec<Value>) -> Result<Value, Error> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Closes the session (which quits Chromium), stops chromedriver and removes the profile.
    pub(crate) async fn stop(mut self) {
        self.stop_mut().await;
    }

    async fn stop_mut(&mut self) {
        if let Err(error) = self.client.clone().close().await {
            eprintln!("closing the WebDriver session failed: {error}");
        }
        if let Err(error) = self.driver.kill().await {
            eprintln!("stopping chromedriver failed: {error}");
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Connects to chromedriver once it listens, asking for headless Chromium with the flags that
/// work as root on CI machines and a fresh profile.
async fn connect(port: u16, chromium: &str, profile: &std::path::Path) -> Result<Client, Error> {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
        "timeouts": { "script": 30_000, "pageLoad": 30_000 },
    });
    let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object literal") };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .map_err(|e| {
            format!("cannot open a Chromium session through chromedriver (is `{chromium}` installed?): {e}").into()
        })
}

/// Waits until chromedriver accepts connections, failing if it exits or takes over 20 s.
async fn wait_until_listening(driver: &mut Child, port: u16) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if let Some(status) = driver.try_wait()? {
            return Err(format!("chromedriver exited before listening: {status}").into());
        }
        if Instant::now() > deadline {
            return Err("chromedriver did not listen within 20 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
