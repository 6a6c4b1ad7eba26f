//! The three browser engines, each driven through its own WebDriver server: starting the driver
//! on a free port and a headless (or Xvfb-displayed) session on a fresh profile, and stopping both.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A browser engine, with the Debian packages that provide it and its WebDriver server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    /// `chromium` with `chromedriver` (package `chromium-driver`); headless.
    Chromium,
    /// `firefox-esr` with `geckodriver` (`cargo install geckodriver`); headless.
    Firefox,
    /// WebKitGTK's `MiniBrowser` with `WebKitWebDriver` (package `webkit2gtk-driver`); it has no
    /// headless mode, so it needs a display: `xvfb-run -a`.
    WebKit,
}

impl Engine {
    pub(crate) const ALL: [Self; 3] = [Self::Chromium, Self::Firefox, Self::WebKit];

    /// The name the summary lines and `.ci/browser.sh` use.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Chromium => "chromium",
            Self::Firefox => "firefox",
            Self::WebKit => "webkit",
        }
    }

    /// The WebDriver server: the environment variable, else this name on the `PATH`.
    fn driver(self) -> String {
        let (var, default) = match self {
            Self::Chromium => ("CHROMEDRIVER", "chromedriver"),
            Self::Firefox => ("GECKODRIVER", "geckodriver"),
            Self::WebKit => ("WEBKIT_WEBDRIVER", "WebKitWebDriver"),
        };
        std::env::var(var).unwrap_or_else(|_| default.into())
    }

    /// The browser binary: the environment variable, else where Debian installs it.
    fn browser(self) -> PathBuf {
        let (var, default) = match self {
            Self::Chromium => ("CHROMIUM", "/usr/bin/chromium"),
            Self::Firefox => ("FIREFOX", "/usr/bin/firefox-esr"),
            Self::WebKit => ("MINIBROWSER", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"),
        };
        if let Ok(path) = std::env::var(var) {
            return path.into();
        }
        if self == Self::WebKit {
            // Under the multiarch library folder: /usr/lib/<triple>/webkit2gtk-4.1/MiniBrowser.
            let found = std::fs::read_dir("/usr/lib").into_iter().flatten().flatten().find_map(|dir| {
                let candidate = dir.path().join("webkit2gtk-4.1/MiniBrowser");
                candidate.is_file().then_some(candidate)
            });
            if let Some(found) = found {
                return found;
            }
        }
        default.into()
    }

    /// Whether both the browser and its driver are there; an engine that is installed but cannot
    /// start fails the test, it is never skipped.
    /// `BROWSER_ENGINES` (names, separated by commas) runs only those.
    pub(crate) fn installed(self) -> Result<(), String> {
        if let Ok(wanted) = std::env::var("BROWSER_ENGINES") {
            if !wanted.split(',').any(|name| name.trim() == self.name()) {
                return Err(format!("not in BROWSER_ENGINES={wanted}"));
            }
        }
        let (browser, driver) = (self.browser(), self.driver());
        if !browser.is_file() {
            return Err(format!("no {}", browser.display()));
        }
        if on_path(&driver).is_none() {
            return Err(if driver.contains('/') { format!("no {driver}") } else { format!("no {driver} on the PATH") });
        }
        Ok(())
    }

    /// The driver's command line, listening on `port` (and, for geckodriver, with a free port for
    /// WebDriver BiDi, so that two sessions at once do not both ask for its default 9222, and with
    /// access to Firefox's own chrome context, where `Browser::firefox_console` reads its console).
    fn driver_args(self, port: u16) -> Result<Vec<String>, Error> {
        Ok(match self {
            Self::Chromium | Self::WebKit => vec![format!("--port={port}")],
            Self::Firefox => {
                let bidi = free_port()?;
                let (port, bidi) = (port.to_string(), bidi.to_string());
                vec!["--port".into(), port, "--websocket-port".into(), bidi, "--allow-system-access".into()]
            }
        })
    }

    /// The session's capabilities: each engine's own way of naming the binary and its options.
    fn capabilities(self, browser: &Path, profile: &Path) -> Value {
        let timeouts = json!({ "script": 30_000, "pageLoad": 30_000 });
        // The HTTP/2 test's servers have a self-signed certificate (tls.rs).
        let insecure = true;
        match self {
            Self::Chromium => {
                // The flags that work as root on CI machines and keep Chromium off the network.
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
                json!({
                    "browserName": "chrome",
                    "goog:chromeOptions": { "binary": browser, "args": args },
                    // The console, for the messages that name why a fetch was blocked.
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "acceptInsecureCerts": insecure,
                    "timeouts": timeouts,
                })
            }
            // geckodriver makes (and removes) a fresh profile itself. The prefs switch off
            // Firefox's own connections, which the closed network would refuse anyway.
            Self::Firefox => json!({
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "binary": browser,
                    "args": ["-headless"],
                    "prefs": {
                        "network.proxy.type": 0,
                        "app.update.enabled": false,
                        "app.update.auto": false,
                        "app.normandy.enabled": false,
                        "browser.safebrowsing.malware.enabled": false,
                        "browser.safebrowsing.phishing.enabled": false,
                        "browser.safebrowsing.blockedURIs.enabled": false,
                        "browser.safebrowsing.downloads.enabled": false,
                        "browser.safebrowsing.downloads.remote.enabled": false,
                        "browser.search.update": false,
                        "browser.region.update.enabled": false,
                        "browser.region.network.url": "",
                        "browser.shell.checkDefaultBrowser": false,
                        "network.captive-portal-service.enabled": false,
                        "network.connectivity-service.enabled": false,
                        "network.dns.disablePrefetch": true,
                        "network.prefetch-next": false,
                        "network.http.speculative-parallel-limit": 0,
                        "extensions.update.enabled": false,
                        "extensions.getAddons.cache.enabled": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        "datareporting.healthreport.uploadEnabled": false,
                        "toolkit.telemetry.enabled": false,
                    },
                },
                "acceptInsecureCerts": insecure,
                "timeouts": timeouts,
            }),
            // MiniBrowser must be told it is automated; WebKitWebDriver's sessions are ephemeral.
            Self::WebKit => json!({
                "browserName": "MiniBrowser",
                "webkitgtk:browserOptions": { "binary": browser, "args": ["--automation"] },
                "acceptInsecureCerts": insecure,
                "timeouts": timeouts,
            }),
        }
    }

    /// A word every user agent of this engine contains.
    fn user_agent_mark(self) -> &'static str {
        match self {
            Self::Chromium => "Chrome/",
            Self::Firefox => "Firefox/",
            Self::WebKit => "AppleWebKit/",
        }
    }
}

/// A browser driven through its WebDriver server.
pub(crate) struct Browser {
    client: Client,
    driver: Child,
    /// The WebDriver server's port.
    port: u16,
    profile: PathBuf,
    /// The browser's name and version, as the driver reported them.
    version: String,
    user_agent: String,
}

impl Browser {
    /// Starts `engine`'s driver on a free port and opens a session; every failure is an error,
    /// never a skip.
    pub(crate) async fn start(engine: Engine) -> Result<Self, Error> {
        if engine == Engine::WebKit && std::env::var_os("DISPLAY").is_none() {
            return Err("WebKit needs a display: run the tests under `xvfb-run -a` (.ci/browser.sh does)".into());
        }
        let (driver_bin, browser) = (engine.driver(), engine.browser());
        let port = free_port()?;
        let mut driver = Command::new(&driver_bin)
            .args(engine.driver_args(port)?)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start `{driver_bin}`: {e}"))?;
        wait_until_listening(&mut driver, &driver_bin, port).await?;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let profile = std::env::temp_dir().join(format!("tower-cors-{}-{}-{nanos}", engine.name(), std::process::id()));
        let capabilities = engine.capabilities(&browser, &profile);
        let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object literal") };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| format!("cannot open a session of {} through {driver_bin}: {e}", browser.display()))?;
        let reported = |key: &str| {
            client.capabilities().and_then(|c| c.get(key)).and_then(Value::as_str).unwrap_or("?").to_owned()
        };
        let version = format!("{} {}", reported("browserName"), reported("browserVersion"));
        let mut browser = Self { client, driver, port, profile, version, user_agent: String::new() };
        // Fail early, with a clear message, if the session cannot even run a script.
        match browser.client.execute("return navigator.userAgent", vec![]).await {
            Ok(Value::String(user_agent)) if user_agent.contains(engine.user_agent_mark()) => {
                browser.user_agent = user_agent;
                Ok(browser)
            }
            answer => {
                browser.stop_mut().await;
                Err(format!("the browser cannot run a script: {answer:?}").into())
            }
        }
    }

    /// The browser's name and version as its driver reported them: `chrome 156.0.8078.73`.
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    /// The browser's `navigator.userAgent`.
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

    /// The console messages logged since the last call (Chromium only: ChromeDriver's log
    /// endpoint, which the W3C protocol lacks).
    pub(crate) async fn console(&self) -> Result<Vec<String>, Error> {
        let answer = self.post("se/log", json!({ "type": "browser" })).await?;
        let entries = answer["value"].as_array().ok_or_else(|| format!("not a log: {answer}"))?;
        Ok(entries.iter().filter_map(|entry| entry["message"].as_str().map(str::to_owned)).collect())
    }

    /// Firefox only: the errors in Firefox's own console (its CORS messages among them, which no
    /// script and no WebDriver log can read), oldest first, emptied after reading. They are read
    /// in the browser's chrome context (geckodriver's `moz/context`, allowed by
    /// `--allow-system-access`); the session is back in the page's context afterwards.
    pub(crate) async fn firefox_console(&self) -> Result<Vec<String>, Error> {
        self.post("moz/context", json!({ "context": "chrome" })).await?;
        let script = "const messages = Services.console.getMessageArray() ?? []; Services.console.reset(); \
                      return messages.filter((m) => m instanceof Ci.nsIScriptError).map((m) => m.errorMessage);";
        let read = self.client.execute(script, vec![]).await;
        self.post("moz/context", json!({ "context": "content" })).await?;
        let read = read?;
        let messages = read.as_array().ok_or_else(|| format!("not a list: {read}"))?;
        Ok(messages.iter().filter_map(|message| message.as_str().map(str::to_owned)).collect())
    }

    /// POSTs `body` to the session's `command` on the driver itself, for the commands fantoccini
    /// does not know (the drivers' own extensions).
    async fn post(&self, command: &str, body: Value) -> Result<Value, Error> {
        use http_body_util::{BodyExt, Full};
        let session = self.client.session_id().await?.ok_or("no session")?;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build::<_, Full<axum::body::Bytes>>(HttpConnector::new());
        let request = http::Request::post(format!("http://127.0.0.1:{}/session/{session}/{command}", self.port))
            .header("content-type", "application/json")
            .body(Full::new(axum::body::Bytes::from(body.to_string())))?;
        let answer = client.request(request).await?.into_body().collect().await?.to_bytes();
        let answer: Value = serde_json::from_slice(&answer)?;
        match answer["value"].get("error") {
            Some(error) => Err(format!("{command}: {error}: {}", answer["value"]["message"]).into()),
            None => Ok(answer),
        }
    }

    /// Closes the session (which quits the browser), stops the driver and removes the profile.
    pub(crate) async fn stop(mut self) {
        self.stop_mut().await;
    }

    async fn stop_mut(&mut self) {
        if let Err(error) = self.client.clone().close().await {
            eprintln!("closing the WebDriver session failed: {error}");
        }
        if let Err(error) = self.driver.kill().await {
            eprintln!("stopping the WebDriver server failed: {error}");
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> Result<u16, Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `name` itself when it is a path, else the first file of that name in the `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Path::new(name).is_file().then(|| name.into());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Waits until the driver accepts connections, failing if it exits or takes over 20 s.
async fn wait_until_listening(driver: &mut Child, name: &str, port: u16) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if let Some(status) = driver.try_wait()? {
            return Err(format!("{name} exited before listening: {status}").into());
        }
        if Instant::now() > deadline {
            return Err(format!("{name} did not listen within 20 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// WebKit only: opens `url` in a MiniBrowser of its own (no WebDriver) that writes its console to
/// its output, and returns the console's lines (`CONSOLE SECURITY ERROR ...`, `CONSOLE LOG ...`)
/// up to the first that contains `last`, within 20 s. A MiniBrowser under WebDriver (`--automation`),
/// like one in `--private` mode, does not apply the command line's settings to its view, and
/// WebDriver has no console log for WebKit, so this is the one way to read WebKit's own CORS
/// messages: `fetch()` rejects with "Load failed" whatever the cause. The browser's data and cache
/// folders are fresh for each call; it needs a display (`xvfb-run -a`).
///
/// A MiniBrowser that exits or hangs before `last` is started again, up to three times in all: on a
/// loaded machine one sometimes exits at start-up with nothing on its console (seen once in CI-like
/// runs with three engines' suites beside it). What it reads is never retried on: a console that
/// reached `last` is returned as it is.
pub(crate) async fn webkit_console(url: &str, last: &str) -> Result<Vec<String>, Error> {
    let mut attempt = 1;
    loop {
        match webkit_console_once(url, last).await {
            Err(why) if attempt < 3 => {
                println!("webkit: MiniBrowser attempt {attempt} of 3 failed ({why}); starting it again");
                attempt += 1;
            }
            result => return result,
        }
    }
}

async fn webkit_console_once(url: &str, last: &str) -> Result<Vec<String>, Error> {
    use tokio::io::{AsyncBufReadExt, BufReader};
    if std::env::var_os("DISPLAY").is_none() {
        return Err("WebKit needs a display: run the tests under `xvfb-run -a` (.ci/browser.sh does)".into());
    }
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let home = std::env::temp_dir().join(format!("tower-cors-minibrowser-{}-{nanos}", std::process::id()));
    let browser = Engine::WebKit.browser();
    // The console goes to standard error, line by line.
    let mut child = Command::new(&browser)
        .arg("--enable-write-console-messages-to-stdout=true")
        .arg(url)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()))?;
    let mut lines = BufReader::new(child.stderr.take().ok_or("no standard error")?).lines();
    let mut console = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(at) = line.find("CONSOLE ") {
                console.push(line[at..].to_owned());
            }
            if line.contains(last) {
                return Ok(());
            }
        }
        Err::<(), Error>("MiniBrowser exited".into())
    })
    .await;
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&home);
    match read {
        Ok(Ok(())) => Ok(console),
        Ok(Err(e)) => Err(format!("{e} before {last:?}; its console: {console:?}").into()),
        Err(_) => Err(format!("no {last:?} within 20 s; the console: {console:?}").into()),
    }
}
