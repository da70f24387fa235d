//! Inbound filters: Sentry's per-project switches that drop events before they are stored
//! (Relay's `relay-filter`). A filtered event is answered `200` like any other (the SDK is not
//! told) and counted as an outcome whose reason is the filter's key.
//!
//! - `browser-extensions`: errors known to come from browser extensions and injected scripts:
//!   the first exception's value names one of them, or its newest frame with a file is an
//!   extension's (`chrome-extension://`, `moz-extension://`, ...) or a known third-party
//!   script's;
//! - `localhost`: events from the machine itself: the user's IP is a loopback address, or the
//!   request's URL is on `localhost` or `127.0.0.1` or a `file:` URL;
//! - `web-crawlers`: requests whose `User-Agent` is a known crawler's;
//! - error messages: glob patterns (`*`, `?`, case-insensitive) matched against the message
//!   and each exception's `Type: value`;
//! - releases: glob patterns matched against the event's release.
//!
//! Sentry turns on the first and third for a new project, and so does Cairn. Sentry's
//! legacy-browsers filter (per-browser version tables) is not implemented.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::grouping::rules::Glob;
use super::user_agent::header;

/// A project's filter settings as stored (JSON in `projects.inbound_filters`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct FilterSettings {
    pub browser_extensions: bool,
    pub localhost: bool,
    pub web_crawlers: bool,
    /// Glob patterns, one per line.
    pub error_messages: String,
    /// Glob patterns, one per line.
    pub releases: String,
}

impl FilterSettings {
    /// What a new project starts with: Sentry's defaults.
    pub fn new_project() -> Self {
        FilterSettings { browser_extensions: true, web_crawlers: true, ..Default::default() }
    }

    /// The stored settings; nothing stored (a project older than the filters) is every filter
    /// off, as it was.
    pub fn from_stored(stored: Option<&str>) -> Self {
        stored.and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }

    /// The switch `id` (`browser-extensions`, `localhost`, `web-crawlers`), to turn on or off;
    /// `None` for an id Cairn does not have.
    pub fn switch(&mut self, id: &str) -> Option<&mut bool> {
        match id {
            "browser-extensions" => Some(&mut self.browser_extensions),
            "localhost" => Some(&mut self.localhost),
            "web-crawlers" => Some(&mut self.web_crawlers),
            _ => None,
        }
    }
}

/// The switches' ids, names and descriptions, in Sentry's order and words.
pub const SWITCHES: &[(&str, &str, &str)] = &[
    (
        "browser-extensions",
        "Filter out errors known to be caused by browser extensions",
        "Certain browser extensions will inject inline scripts and are known to cause errors.",
    ),
    (
        "localhost",
        "Filter out events coming from localhost",
        "This applies to both IPv4 (``127.0.0.1``) and IPv6 (``::1``) addresses.",
    ),
    (
        "web-crawlers",
        "Filter out known web crawlers",
        "Some crawlers may execute pages in incompatible ways which then cause errors that are \
         unlikely to be seen by a normal user.",
    ),
];

/// A project's filters, compiled once per change of its settings.
#[derive(Debug, Default)]
pub struct InboundFilters {
    browser_extensions: bool,
    localhost: bool,
    web_crawlers: bool,
    error_messages: Vec<Glob>,
    releases: Vec<Glob>,
}

/// Error values that browser extensions and injected scripts are known to cause.
static EXTENSION_VALUES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        top\.GLOBALS | originalCreateNotification | canvas\.contentDocument
        | MyApp_RemoveAllHighlights | http://tt\.epicplay\.com
        | Can't\sfind\svariable:\sZiteReader | jigsaw\sis\snot\sdefined
        | ComboSearch\sis\snot\sdefined | http://loading\.retry\.widdit\.com/
        | atomicFindClose | fb_xd_fragment | bmi_SafeAddOnload | EBCallBackMessageReceived
        | _gCrWeb | conduitPage | null\sis\snot\san\sobject\s\(evaluating\s'elt\.parentNode'\)
        | plugin\.setSuspendState\sis\snot\sa\sfunction | Extension\scontext\sinvalidated
        | webkit-masked-url: | can't\saccess\sdead\sobject",
    )
    .expect("the browser extension values pattern compiles")
});

/// Script URLs of extensions and of third-party scripts known to throw.
static EXTENSION_SOURCES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        graph\.facebook\.com | connect\.facebook\.net | eatdifferent\.com\.woopra-ns\.com
        | static\.woopra\.com/js/woopra\.js | ^chrome(-extension)?:// | ^moz-extension://
        | ^safari(-web)?-extension:// | webkit-masked-url | 127\.0\.0\.1:4001/isrunning
        | webappstoolbarba\.texthelp\.com/ | metrics\.itunes\.apple\.com\.edgesuite\.net/
        | kaspersky-labs\.com",
    )
    .expect("the browser extension sources pattern compiles")
});

/// User agents of crawlers, bots and uptime checkers.
static WEB_CRAWLERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        Mediapartners-Google | AdsBot-Google | Googlebot | FeedFetcher-Google | BingBot
        | BingPreview | Baiduspider | Slurp | Sogou | facebook | ia_archiver | bots?[/\s\);]
        | spider[/\s\);] | Slack | Calypso\sAppCrawler | pingdom | lyticsbot
        | AWS\sSecurity\sScanner | HubSpot\sCrawler | Bytespider | Better\sUptime",
    )
    .expect("the web crawlers pattern compiles")
});

/// Slack's link unfurler is a person sharing a link, not a crawler.
static ALLOWED_CRAWLERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)Slackbot\s1\.\d+").expect("the pattern compiles"));

impl InboundFilters {
    pub fn new(settings: &FilterSettings) -> Self {
        let globs = |lines: &str| -> Vec<Glob> {
            lines
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|pattern| Glob::new(pattern, true, false))
                .collect()
        };
        InboundFilters {
            browser_extensions: settings.browser_extensions,
            localhost: settings.localhost,
            web_crawlers: settings.web_crawlers,
            error_messages: globs(&settings.error_messages),
            releases: globs(&settings.releases),
        }
    }

    /// Whether no filter is on.
    pub fn is_empty(&self) -> bool {
        !self.browser_extensions
            && !self.localhost
            && !self.web_crawlers
            && self.error_messages.is_empty()
            && self.releases.is_empty()
    }

    /// The key of the first filter that drops the (normalized) event, Relay's order; `None`
    /// keeps it.
    pub fn check(&self, event: &Map<String, Value>) -> Option<&'static str> {
        if self.releases.iter().any(|glob| {
            event.get("release").and_then(Value::as_str).is_some_and(|r| glob.is_match(r))
        }) {
            return Some("release-version");
        }
        if !self.error_messages.is_empty() && self.error_message_matches(event) {
            return Some("error-message");
        }
        if self.localhost && is_localhost(event) {
            return Some("localhost");
        }
        if self.browser_extensions && is_browser_extension(event) {
            return Some("browser-extensions");
        }
        if self.web_crawlers && user_agent(event).is_some_and(is_web_crawler) {
            return Some("web-crawlers");
        }
        None
    }

    fn error_message_matches(&self, event: &Map<String, Value>) -> bool {
        let matches = |text: &str| self.error_messages.iter().any(|glob| glob.is_match(text));
        let logentry = event.get("logentry");
        let message = logentry
            .and_then(|l| l.get("formatted"))
            .or_else(|| logentry.and_then(|l| l.get("message")))
            .and_then(Value::as_str);
        if message.is_some_and(matches) {
            return true;
        }
        exceptions(event).iter().any(|exception| {
            let text = |key| exception.get(key).and_then(Value::as_str).unwrap_or_default();
            let message = match (text("type"), text("value")) {
                ("", value) => value.to_owned(),
                (kind, "") => kind.to_owned(),
                (kind, value) => format!("{kind}: {value}"),
            };
            matches(&message)
        })
    }
}

fn exceptions(event: &Map<String, Value>) -> &[Value] {
    event
        .get("exception")
        .and_then(|e| e.get("values"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The first exception's value or the script of its newest frame with a file are a browser
/// extension's.
fn is_browser_extension(event: &Map<String, Value>) -> bool {
    let Some(first) = exceptions(event).first() else { return false };
    if first.get("value").and_then(Value::as_str).is_some_and(|v| EXTENSION_VALUES.is_match(v)) {
        return true;
    }
    let frames = first
        .get("stacktrace")
        .and_then(|s| s.get("frames"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let source = frames.iter().rev().find_map(|frame| {
        frame
            .get("abs_path")
            .and_then(Value::as_str)
            .filter(|path| !matches!(*path, "<anonymous>" | "[native code]"))
    });
    source.is_some_and(|path| EXTENSION_SOURCES.is_match(path))
}

fn is_web_crawler(user_agent: &str) -> bool {
    WEB_CRAWLERS.is_match(user_agent) && !ALLOWED_CRAWLERS.is_match(user_agent)
}

fn user_agent(event: &Map<String, Value>) -> Option<&str> {
    header(event, "User-Agent")
}

const LOCAL_IPS: [&str; 2] = ["127.0.0.1", "::1"];
const LOCAL_DOMAINS: [&str; 2] = ["127.0.0.1", "localhost"];

/// The user's IP is a loopback address, the request's URL is a `file:` one or on `localhost`
/// (or a subdomain) or `127.0.0.1`, or its proxy headers say so.
fn is_localhost(event: &Map<String, Value>) -> bool {
    let ip = event.get("user").and_then(|u| u.get("ip_address")).and_then(Value::as_str);
    if ip.is_some_and(|ip| LOCAL_IPS.contains(&ip)) {
        return true;
    }
    let url = event.get("request").and_then(|r| r.get("url")).and_then(Value::as_str);
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        if url.starts_with("file:") {
            return true;
        }
        if let Some(host) = url_host(url) {
            let local = |domain: &str| {
                host.strip_suffix(domain).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            };
            if LOCAL_DOMAINS.iter().any(|d| local(d)) {
                return true;
            }
        }
    }
    if header(event, "X-Forwarded-For").is_some_and(|ip| LOCAL_IPS.contains(&ip.trim())) {
        return true;
    }
    if url.is_none_or(str::is_empty) {
        for name in ["Host", "X-Forwarded-Host"] {
            let host = header(event, name).and_then(|h| h.split(':').next());
            if host.is_some_and(|h| LOCAL_DOMAINS.contains(&h)) {
                return true;
            }
        }
    }
    false
}

/// The host of an absolute URL (`http://localhost:3000/x` → `localhost`), lowercase.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        host.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filters(settings: FilterSettings) -> InboundFilters {
        InboundFilters::new(&settings)
    }

    fn all_switches() -> InboundFilters {
        filters(FilterSettings {
            browser_extensions: true,
            localhost: true,
            web_crawlers: true,
            ..Default::default()
        })
    }

    fn event(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("an object") };
        map
    }

    fn with_exception(value: &str, abs_path: &str) -> Map<String, Value> {
        event(
            json!({"exception": {"values": [{"type": "Error", "value": value, "stacktrace": {"frames": [
                {"abs_path": abs_path}, {"abs_path": "<anonymous>"}
            ]}}]}}),
        )
    }

    #[test]
    fn browser_extensions_are_known_by_their_errors_and_scripts() {
        let filters = all_switches();
        for value in [
            "Extension context invalidated.",
            "TypeError: can't access dead object",
            "null is not an object (evaluating 'elt.parentNode')",
            "some error on top.GLOBALS",
        ] {
            let event = with_exception(value, "https://shop.example.com/app.js");
            assert_eq!(filters.check(&event), Some("browser-extensions"), "{value}");
        }
        for path in [
            "chrome-extension://abcdef/content.js",
            "moz-extension://1234/inject.js",
            "safari-web-extension://x/y.js",
            "https://connect.facebook.net/en_US/sdk.js",
        ] {
            let event = with_exception("x is undefined", path);
            assert_eq!(filters.check(&event), Some("browser-extensions"), "{path}");
        }
        let ours = with_exception("x is undefined", "https://shop.example.com/app.js");
        assert_eq!(filters.check(&ours), None);
        assert_eq!(InboundFilters::default().check(&with_exception("fb_xd_fragment", "")), None);
    }

    #[test]
    fn localhost_is_the_users_loopback_address_or_a_local_url() {
        let filters = all_switches();
        for event in [
            event(json!({"user": {"ip_address": "127.0.0.1"}})),
            event(json!({"user": {"ip_address": "::1"}})),
            event(json!({"request": {"url": "http://localhost:3000/cart"}})),
            event(json!({"request": {"url": "http://api.localhost/cart"}})),
            event(json!({"request": {"url": "https://127.0.0.1/"}})),
            event(json!({"request": {"url": "file:///Users/me/index.html"}})),
            event(json!({"request": {"headers": [["Host", "localhost:8000"]]}})),
            event(
                json!({"request": {"url": "https://shop.example.com/", "headers": [["X-Forwarded-For", "::1"]]}}),
            ),
        ] {
            assert_eq!(filters.check(&event), Some("localhost"), "{event:?}");
        }
        for event in [
            event(json!({"user": {"ip_address": "10.0.0.1"}})),
            event(json!({"request": {"url": "https://localhost.example.com/"}})),
            event(json!({"request": {"url": "https://foolocalhost/"}})),
            event(
                json!({"request": {"url": "https://shop.example.com/", "headers": [["Host", "localhost"]]}}),
            ),
        ] {
            assert_eq!(filters.check(&event), None, "{event:?}");
        }
    }

    #[test]
    fn web_crawlers_are_known_by_their_user_agent() {
        let filters = all_switches();
        let with_agent =
            |agent: &str| event(json!({"request": {"headers": [["user-agent", agent]]}}));
        for agent in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0)",
            "Better Uptime Bot Mozilla/5.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        ] {
            assert_eq!(filters.check(&with_agent(agent)), Some("web-crawlers"), "{agent}");
        }
        for agent in [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Slackbot 1.0(+https://api.slack.com/robots)",
        ] {
            assert_eq!(filters.check(&with_agent(agent)), None, "{agent}");
        }
    }

    #[test]
    fn error_messages_and_releases_match_globs_case_insensitively() {
        let filters = filters(FilterSettings {
            error_messages: "ChunkLoadError: Loading chunk *\n\n*ResizeObserver loop*".into(),
            releases: "*-dev\nstaging@*".into(),
            ..Default::default()
        });
        let error = |kind: &str, value: &str| {
            event(json!({"exception": {"values": [{"type": kind, "value": value}]}}))
        };
        assert_eq!(
            filters.check(&error("ChunkLoadError", "Loading chunk 175 failed.")),
            Some("error-message")
        );
        assert_eq!(
            filters.check(&error("Error", "resizeobserver LOOP limit exceeded")),
            Some("error-message")
        );
        assert_eq!(filters.check(&error("TypeError", "x is undefined")), None);
        let message = event(json!({"logentry": {"formatted": "ResizeObserver loop completed"}}));
        assert_eq!(filters.check(&message), Some("error-message"));
        assert_eq!(
            filters.check(&event(json!({"release": "shop@1.2-dev"}))),
            Some("release-version")
        );
        assert_eq!(filters.check(&event(json!({"release": "Staging@4"}))), Some("release-version"));
        assert_eq!(filters.check(&event(json!({"release": "shop@1.2"}))), None);
    }

    #[test]
    fn settings_read_what_was_stored_and_default_to_off() {
        assert_eq!(FilterSettings::from_stored(None), FilterSettings::default());
        let stored = serde_json::to_string(&FilterSettings::new_project()).unwrap();
        assert_eq!(
            stored,
            r#"{"browser-extensions":true,"localhost":false,"web-crawlers":true,"error-messages":"","releases":""}"#
        );
        assert_eq!(FilterSettings::from_stored(Some(&stored)), FilterSettings::new_project());
        let mut settings = FilterSettings::default();
        *settings.switch("localhost").unwrap() = true;
        assert!(settings.localhost);
        assert!(settings.switch("legacy-browsers").is_none());
    }
}
