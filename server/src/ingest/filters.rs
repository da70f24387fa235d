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
//! - `legacy-browsers`: requests from old browsers, by the browser subfilters Sentry has
//!   (`ie_pre_9`, `ie9`, `ie10`, `ie11`, `safari_pre_6`, `opera_pre_15`, `opera_mini_pre_8`,
//!   `android_pre_4`, `edge_pre_79`, and `default`, Relay's table of minimum versions), read
//!   from the `User-Agent` as Relay reads it;
//! - `filtered-transaction`: transactions of health checks, whose name matches one of Sentry's
//!   [`HEALTH_CHECKS`] globs (`GET /healthz`, `/api/ping`);
//! - `chunk-load-error` and `react-hydration-errors`: Sentry's two "generic" filters, an
//!   exception whose type and value match webpack's `ChunkLoadError: Loading chunk *`, or whose
//!   value links React's decoder page for errors 418, 419, 422, 423 or 425 (hydration);
//! - error messages: glob patterns (`*`, `?`, case-insensitive) matched against the message
//!   and each exception's `Type: value`;
//! - releases: glob patterns matched against the event's release;
//! - IP addresses (`filters:blacklisted_ips`): addresses and networks (`10.0.0.0/8`,
//!   `2001:db8::/32`) matched against the address the request came from (Relay's
//!   `client_ips`, checked first, outcome `ip-address`).
//!
//! Errors go through all but the health-check filter; transactions through the release,
//! localhost, legacy-browser, web-crawler and health-check filters (the others look at
//! exceptions and messages, which a transaction has none of), as in Relay.
//!
//! Sentry turns on browser extensions, web crawlers, every legacy-browser subfilter, the
//! health-check, `ChunkLoadError` and hydration filters for a new project, and so does Cairn. (Sentry's newest subfilters, per browser with versions it
//! updates over time, are not Cairn's: it has the set Sentry had before them.)

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use cairn_types::api::{FilterState, LEGACY_BROWSER_SUBFILTERS};

use super::grouping::rules::Glob;
use super::user_agent::{self, header};

/// A project's filter settings as stored (JSON in `projects.inbound_filters`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct FilterSettings {
    pub browser_extensions: bool,
    pub localhost: bool,
    pub web_crawlers: bool,
    /// Health-check transactions (Sentry's key, which is also Relay's outcome reason).
    pub filtered_transaction: bool,
    /// Webpack's `ChunkLoadError`s.
    pub chunk_load_error: bool,
    /// React's hydration errors.
    pub react_hydration_errors: bool,
    /// The legacy-browser subfilters on ([`LEGACY_BROWSERS`]' ids); none is the filter off.
    pub legacy_browsers: Vec<String>,
    /// Glob patterns, one per line.
    pub error_messages: String,
    /// Glob patterns, one per line.
    pub releases: String,
    /// IP addresses and networks, one per line.
    pub blacklisted_ips: String,
}

impl FilterSettings {
    /// What a new project starts with: Sentry's defaults.
    pub fn new_project() -> Self {
        FilterSettings {
            browser_extensions: true,
            web_crawlers: true,
            filtered_transaction: true,
            chunk_load_error: true,
            react_hydration_errors: true,
            legacy_browsers: all_legacy_browsers(),
            ..Default::default()
        }
    }

    /// The stored settings; nothing stored (a project older than the filters) is every filter
    /// off, as it was.
    pub fn from_stored(stored: Option<&str>) -> Self {
        stored.and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }

    /// The state of the filter `id` (one of [`SWITCHES`]) as Sentry's API gives it: on or off,
    /// or for legacy browsers the subfilters on (`false` when none is); `None` for an id Cairn
    /// does not have.
    pub fn state(&self, id: &str) -> Option<FilterState> {
        let on = match id {
            "browser-extensions" => self.browser_extensions,
            "localhost" => self.localhost,
            "web-crawlers" => self.web_crawlers,
            "filtered-transaction" => self.filtered_transaction,
            "chunk-load-error" => self.chunk_load_error,
            "react-hydration-errors" => self.react_hydration_errors,
            "legacy-browsers" if self.legacy_browsers.is_empty() => false,
            "legacy-browsers" => {
                return Some(FilterState::Subfilters(self.legacy_browsers.clone()))
            }
            _ => return None,
        };
        Some(FilterState::Switch(on))
    }

    /// Turns the filter `id` on or off (the legacy-browsers filter with every subfilter but
    /// `default`, or none); `None` for an id Cairn does not have.
    pub fn set(&mut self, id: &str, on: bool) -> Option<()> {
        match id {
            "browser-extensions" => self.browser_extensions = on,
            "localhost" => self.localhost = on,
            "web-crawlers" => self.web_crawlers = on,
            "filtered-transaction" => self.filtered_transaction = on,
            "chunk-load-error" => self.chunk_load_error = on,
            "react-hydration-errors" => self.react_hydration_errors = on,
            "legacy-browsers" => {
                self.legacy_browsers = if on { all_legacy_browsers() } else { Vec::new() };
            }
            _ => return None,
        }
        Some(())
    }

    /// Sets the legacy-browser subfilters on, in [`LEGACY_BROWSERS`]' order; `Err` names the
    /// first id that is not one of them.
    pub fn set_legacy_browsers(&mut self, subfilters: &[String]) -> Result<(), String> {
        if let Some(unknown) = subfilters.iter().find(|id| legacy_browser(id).is_none()) {
            return Err(unknown.clone());
        }
        self.legacy_browsers = LEGACY_BROWSERS
            .iter()
            .filter(|(id, ..)| subfilters.iter().any(|s| s == id))
            .map(|(id, ..)| (*id).to_owned())
            .collect();
        Ok(())
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
        "legacy-browsers",
        "Filter out known errors from legacy browsers",
        "Older browsers often give less accurate information, and while they may report valid \
         issues, the context to understand them is incorrect or missing.",
    ),
    (
        "web-crawlers",
        "Filter out known web crawlers",
        "Some crawlers may execute pages in incompatible ways which then cause errors that are \
         unlikely to be seen by a normal user.",
    ),
    (
        "filtered-transaction",
        "Filter out health check transactions",
        "Filter transactions that match most common naming patterns for health checks.",
    ),
    (
        "react-hydration-errors",
        "Filter out hydration errors",
        "React falls back to do a full re-render on a page. These errors are often unactionable.",
    ),
    (
        "chunk-load-error",
        "Filter out ChunkLoadError(s)",
        "ChunkLoadErrors can happen in Webpack-powered applications when code chunks can't be \
         found on the server. This often occurs during a redeploy of the website while users \
         have the old page open. A page refresh usually resolves the issue.",
    ),
];

/// Sentry's `ChunkLoadError` filter: (type, value) glob pairs, one of which an exception
/// matches.
const CHUNK_LOAD_ERRORS: &[(&str, &str)] =
    &[("ChunkLoadError", "Loading chunk *"), ("*Uncaught *", "ChunkLoadError: Loading chunk *")];

/// The React errors of Sentry's hydration filter (418 hydration failed, 419 and 422 a Suspense
/// boundary switched to client rendering, 423 the whole root did, 425 text content differs),
/// linked from the message of a production build.
const HYDRATION_ERRORS: &[u16] = &[418, 419, 422, 423, 425];

/// Exception values of hydration errors: Sentry's globs with their `{418,419,...}` alternatives
/// spelled out, one per error and decoder page (the old site's and the new one's).
static HYDRATION_VALUES: LazyLock<Vec<Glob>> = LazyLock::new(|| {
    HYDRATION_ERRORS
        .iter()
        .flat_map(|code| {
            [
                format!("*https://reactjs.org/docs/error-decoder.html?invariant={code}*"),
                format!("*https://react.dev/errors/{code}*"),
            ]
        })
        .map(|pattern| Glob::new(&pattern, true, false))
        .collect()
});

static CHUNK_LOAD_GLOBS: LazyLock<Vec<(Glob, Glob)>> = LazyLock::new(|| {
    CHUNK_LOAD_ERRORS
        .iter()
        .map(|(ty, value)| (Glob::new(ty, true, false), Glob::new(value, true, false)))
        .collect()
});

/// Sentry's health-check transaction names (`HEALTH_CHECK_GLOBS`, matched ignoring case, `*`
/// across `/`): its tightened list of October 2023, plus `*health-check*` of March 2026.
pub const HEALTH_CHECKS: &[&str] = &[
    "*healthcheck*",
    "*health-check*",
    "*heartbeat*",
    "*/health",
    "*/healthy",
    "*/healthz",
    "*/live",
    "*/livez",
    "*/ready",
    "*/readyz",
    "*/ping",
];

static HEALTH_CHECK_GLOBS: LazyLock<Vec<Glob>> =
    LazyLock::new(|| HEALTH_CHECKS.iter().map(|g| Glob::new(g, true, false)).collect());

/// Whether `reason` is the outcome reason of a filtered event: a switch's id, `error-message`
/// or `release-version` (Relay's `FilterStatKey`s that Cairn has).
pub fn is_filter_reason(reason: &str) -> bool {
    SWITCHES.iter().any(|(id, ..)| *id == reason)
        || matches!(reason, "error-message" | "release-version")
}

/// A browser family (uap-core's, as [`user_agent::browser_of`] names it; IE Mobile counts as IE)
/// and which of its major versions are legacy.
type LegacyRule = fn(&str, u32) -> bool;

/// The legacy-browser subfilters: Sentry's ids and Relay's rules, in the order of the settings
/// page's list (`LEGACY_BROWSER_SUBFILTERS`, with their labels). `default` is Relay's table of
/// minimum versions; `set(.., true)` turns on all the others, as Sentry does for a new project.
pub const LEGACY_BROWSERS: &[(&str, LegacyRule)] = &[
    ("ie_pre_9", |family, major| family == "IE" && major <= 8),
    ("ie9", |family, major| family == "IE" && major == 9),
    ("ie10", |family, major| family == "IE" && major == 10),
    ("ie11", |family, major| family == "IE" && major == 11),
    ("safari_pre_6", |family, major| family == "Safari" && major < 6),
    ("opera_pre_15", |family, major| family == "Opera" && major < 15),
    ("opera_mini_pre_8", |family, major| family == "Opera Mini" && major < 8),
    ("android_pre_4", |family, major| family == "Android" && major < 4),
    ("edge_pre_79", |family, major| family == "Edge" && major < 79),
    ("default", |family, major| {
        let minimum = match family {
            "IE" => 10,
            "Safari" => 6,
            "Opera" => 15,
            "Android" => 4,
            "Opera Mini" => 8,
            _ => return false,
        };
        major < minimum
    }),
];

fn legacy_browser(id: &str) -> Option<LegacyRule> {
    LEGACY_BROWSERS.iter().find(|(known, _)| *known == id).map(|(_, rule)| *rule)
}

/// The subfilters a new project has on and the settings page offers: every one but `default`
/// (the shared list, whose every id has a rule here: see the tests).
fn all_legacy_browsers() -> Vec<String> {
    LEGACY_BROWSER_SUBFILTERS.iter().map(|(id, _)| (*id).to_owned()).collect()
}

/// The browser family and major version of a `User-Agent`, as the legacy-browsers filter reads
/// them.
fn browser_version(user_agent: &str) -> Option<(&'static str, u32)> {
    let (family, version) = user_agent::browser_of(user_agent)?;
    let major = version?.split('.').next()?.parse().ok()?;
    Some((if family == "IE Mobile" { "IE" } else { family }, major))
}

/// A project's filters, compiled once per change of its settings.
#[derive(Debug, Default)]
pub struct InboundFilters {
    browser_extensions: bool,
    localhost: bool,
    web_crawlers: bool,
    health_checks: bool,
    chunk_load_errors: bool,
    hydration_errors: bool,
    legacy_browsers: Vec<LegacyRule>,
    error_messages: Vec<Glob>,
    releases: Vec<Glob>,
    client_ips: Vec<IpRule>,
}

/// An address, or a network of addresses (`10.0.0.0/8`), that the IP filter drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRule {
    address: IpAddr,
    /// The network's prefix length; the whole address for a single one.
    prefix: u8,
}

impl IpRule {
    /// An address (`192.0.2.7`, `2001:db8::1`) or a network in CIDR notation (`192.0.2.0/24`),
    /// as Relay reads `filters:blacklisted_ips`; `None` for anything else.
    pub fn parse(text: &str) -> Option<IpRule> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => {
                (address.parse::<IpAddr>().ok()?, Some(prefix.parse::<u8>().ok()?))
            }
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(IpRule { address, prefix })
    }

    /// Whether `ip` is the address or in the network.
    pub fn matches(&self, ip: IpAddr) -> bool {
        // An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.7`) is the IPv4 one.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let masked = |bits: u128, width: u32| {
            let keep = u32::from(self.prefix);
            if keep == 0 {
                0
            } else {
                bits >> (width - keep)
            }
        };
        match (self.address, ip) {
            (IpAddr::V4(rule), IpAddr::V4(ip)) => {
                masked(u32::from(rule).into(), 32) == masked(u32::from(ip).into(), 32)
            }
            (IpAddr::V6(rule), IpAddr::V6(ip)) => {
                masked(u128::from(rule), 128) == masked(u128::from(ip), 128)
            }
            _ => false,
        }
    }
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
            health_checks: settings.filtered_transaction,
            chunk_load_errors: settings.chunk_load_error,
            hydration_errors: settings.react_hydration_errors,
            legacy_browsers: settings
                .legacy_browsers
                .iter()
                .filter_map(|id| legacy_browser(id))
                .collect(),
            error_messages: globs(&settings.error_messages),
            releases: globs(&settings.releases),
            client_ips: settings.blacklisted_ips.lines().filter_map(IpRule::parse).collect(),
        }
    }

    /// Whether no filter is on.
    pub fn is_empty(&self) -> bool {
        !self.browser_extensions
            && !self.localhost
            && !self.web_crawlers
            && !self.health_checks
            && !self.chunk_load_errors
            && !self.hydration_errors
            && self.legacy_browsers.is_empty()
            && self.error_messages.is_empty()
            && self.releases.is_empty()
            && self.client_ips.is_empty()
    }

    /// `ip-address` when the request came from one of the IP filter's addresses or networks
    /// (Relay checks it before the event's own filters).
    pub fn check_client(&self, client_ip: Option<IpAddr>) -> Option<&'static str> {
        let ip = client_ip?;
        self.client_ips.iter().any(|rule| rule.matches(ip)).then_some("ip-address")
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
        if !self.legacy_browsers.is_empty() {
            let browser = user_agent(event).and_then(browser_version);
            if browser.is_some_and(|(family, major)| {
                self.legacy_browsers.iter().any(|is_legacy| is_legacy(family, major))
            }) {
                return Some("legacy-browsers");
            }
        }
        if self.web_crawlers && user_agent(event).is_some_and(is_web_crawler) {
            return Some("web-crawlers");
        }
        // Sentry's generic filters come last, in its order.
        let any_exception = |matches: &dyn Fn(&str, &str) -> bool| {
            exceptions(event).iter().any(|exception| {
                let text = |key| exception.get(key).and_then(Value::as_str).unwrap_or_default();
                matches(text("type"), text("value"))
            })
        };
        if self.chunk_load_errors
            && any_exception(&|ty, value| {
                CHUNK_LOAD_GLOBS.iter().any(|(t, v)| t.is_match(ty) && v.is_match(value))
            })
        {
            return Some("chunk-load-error");
        }
        // Every decoder page's address has "react" in it: most values go no further.
        let hydration = |value: &str| {
            value.to_ascii_lowercase().contains("react")
                && HYDRATION_VALUES.iter().any(|v| v.is_match(value))
        };
        if self.hydration_errors && any_exception(&|_, value| hydration(value)) {
            return Some("react-hydration-errors");
        }
        None
    }

    /// The key of the first filter that drops the transaction, Relay's order; `None` keeps it.
    /// The error filters find nothing in a transaction; the health-check filter comes last.
    pub fn check_transaction(&self, transaction: &Map<String, Value>) -> Option<&'static str> {
        if let Some(key) = self.check(transaction) {
            return Some(key);
        }
        let name = transaction.get("transaction").and_then(Value::as_str);
        if self.health_checks
            && name.is_some_and(|name| HEALTH_CHECK_GLOBS.iter().any(|glob| glob.is_match(name)))
        {
            return Some("filtered-transaction");
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
    fn ip_addresses_and_networks_drop_what_their_clients_send() {
        let filters = filters(FilterSettings {
            blacklisted_ips: "192.0.2.7\n10.0.0.0/8\n2001:db8::/32\nnot an address".into(),
            ..Default::default()
        });
        assert!(!filters.is_empty());
        let ip = |text: &str| Some(text.parse::<IpAddr>().expect("an address"));
        for blocked in
            ["192.0.2.7", "10.1.2.3", "10.255.255.255", "2001:db8:1::5", "::ffff:10.0.0.1"]
        {
            assert_eq!(filters.check_client(ip(blocked)), Some("ip-address"), "{blocked}");
        }
        for kept in ["192.0.2.8", "11.0.0.1", "2001:db9::1", "::1"] {
            assert_eq!(filters.check_client(ip(kept)), None, "{kept}");
        }
        assert_eq!(filters.check_client(None), None);
        assert_eq!(
            IpRule::parse("0.0.0.0/0").map(|rule| rule.matches("8.8.8.8".parse().expect("ip"))),
            Some(true)
        );
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "example.com", ""] {
            assert_eq!(IpRule::parse(bad), None, "{bad}");
        }
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
            r#"{"browser-extensions":true,"localhost":false,"web-crawlers":true,"filtered-transaction":true,"chunk-load-error":true,"react-hydration-errors":true,"legacy-browsers":["ie_pre_9","ie9","ie10","ie11","safari_pre_6","opera_pre_15","opera_mini_pre_8","android_pre_4","edge_pre_79"],"error-messages":"","releases":"","blacklisted-ips":""}"#
        );
        // A project's settings from before the legacy-browsers and health-check filters: they
        // stay off.
        let older = r#"{"browser-extensions":true,"localhost":false,"web-crawlers":true,"error-messages":"","releases":""}"#;
        let off = Some(FilterState::Switch(false));
        assert_eq!(FilterSettings::from_stored(Some(older)).state("legacy-browsers"), off);
        assert_eq!(FilterSettings::from_stored(Some(older)).state("filtered-transaction"), off);
        assert_eq!(FilterSettings::from_stored(Some(&stored)), FilterSettings::new_project());
        let mut settings = FilterSettings::default();
        settings.set("localhost", true).unwrap();
        assert!(settings.localhost);
        assert!(settings.set("legacy-browsers-2", true).is_none());
        settings.set("legacy-browsers", true).unwrap();
        assert_eq!(settings.legacy_browsers, all_legacy_browsers());
        assert_eq!(
            settings.set_legacy_browsers(&["ie11".into(), "default".into(), "ie_pre_9".into()]),
            Ok(())
        );
        assert_eq!(settings.legacy_browsers, ["ie_pre_9", "ie11", "default"]);
        assert_eq!(settings.set_legacy_browsers(&["ie12".into()]), Err("ie12".to_owned()));
        settings.set("legacy-browsers", false).unwrap();
        assert_eq!(settings.state("legacy-browsers"), Some(FilterState::Switch(false)));
    }

    /// Sentry's health-check globs match whole names ignoring case, `*` across `/`; names that
    /// merely contain a health word are kept (the cases of Sentry's tightening of the list).
    #[test]
    fn health_check_transactions_are_known_by_their_name() {
        let on = filters(FilterSettings { filtered_transaction: true, ..Default::default() });
        let transaction = |name: &str| event(json!({"type": "transaction", "transaction": name}));
        for name in [
            "GET /healthz",
            "/health",
            "GET /api/v2/HEALTH",
            "/healthcheck/database",
            "HealthCheckController.Index",
            "GET /health-check/db",
            "heartbeat",
            "GET /k8s/livez",
            "GET /ready",
            "/readyz",
            "GET /ping",
            "/status/healthy",
        ] {
            assert_eq!(
                on.check_transaction(&transaction(name)),
                Some("filtered-transaction"),
                "{name}"
            );
        }
        for name in
            ["/delivery", "/already", "/healthysnacks", "GET /pingback", "/live-events", "checkout"]
        {
            assert_eq!(on.check_transaction(&transaction(name)), None, "{name}");
        }
        assert_eq!(on.check_transaction(&event(json!({"type": "transaction"}))), None, "no name");
        // Errors are not transactions: a health check's error is kept.
        assert_eq!(on.check(&event(json!({"transaction": "GET /healthz"}))), None);
        // Off, it keeps them; the other filters still apply to transactions.
        let off = filters(FilterSettings { localhost: true, ..Default::default() });
        assert_eq!(off.check_transaction(&transaction("GET /healthz")), None);
        let local =
            event(json!({"transaction": "GET /cart", "request": {"url": "http://localhost/cart"}}));
        assert_eq!(off.check_transaction(&local), Some("localhost"));
        assert!(!on.is_empty());
        assert_eq!(filters(FilterSettings::default()).check_transaction(&local), None);
    }

    /// Sentry's generic filters: webpack's `ChunkLoadError` (as thrown, or as the browser reports
    /// it uncaught) and React's hydration errors 418, 419, 422, 423 and 425 (by either decoder
    /// page); other React errors and other chunk messages are kept.
    #[test]
    fn chunk_load_and_hydration_errors_are_known_by_their_exception() {
        let on = filters(FilterSettings {
            chunk_load_error: true,
            react_hydration_errors: true,
            ..Default::default()
        });
        let error = |ty: &str, value: &str| {
            event(json!({"exception": {"values": [{"type": ty, "value": value}]}}))
        };
        for (ty, value, key) in [
            ("ChunkLoadError", "Loading chunk 175 failed.\n(error: https://shop.example.com/175.js)", "chunk-load-error"),
            ("Error", "Uncaught ChunkLoadError: Loading chunk 3 failed.", "-"),
            ("Uncaught TypeError", "ChunkLoadError: Loading chunk 9 failed.", "chunk-load-error"),
            ("Error", "Minified React error #418; visit https://reactjs.org/docs/error-decoder.html?invariant=418 for the full message", "react-hydration-errors"),
            ("Error", "Minified React error #425; visit https://react.dev/errors/425 for the full message", "react-hydration-errors"),
            ("Error", "Minified React error #130; visit https://react.dev/errors/130?args[]=undefined", "-"),
            ("ChunkLoadError", "Loading CSS chunk 4 failed.", "-"),
        ] {
            let expected = Some(key).filter(|k| *k != "-");
            assert_eq!(on.check(&error(ty, value)), expected, "{ty}: {value}");
        }
        let off = filters(FilterSettings::default());
        assert_eq!(off.check(&error("ChunkLoadError", "Loading chunk 1 failed.")), None);
        assert!(is_filter_reason("chunk-load-error") && is_filter_reason("react-hydration-errors"));
    }

    fn from_browser(user_agent: &str) -> Map<String, Value> {
        event(json!({"request": {"headers": [["User-Agent", user_agent]]}}))
    }

    const IE8: &str = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.0; Trident/4.0)";
    const IE_MOBILE9: &str = "Mozilla/5.0 (compatible; MSIE 9.0; Windows Phone OS 7.5; Trident/5.0; IEMobile/9.0; NOKIA; Lumia 710)";
    const IE10: &str = "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)";
    const IE11: &str = "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko";
    const OPERA_MINI7: &str =
        "Opera/9.80 (J2ME/MIDP; Opera Mini/7.0.32796/59.323; U; fr) Presto/2.12.423 Version/12.16";
    const OPERA_MINI8: &str =
        "Opera/9.80 (J2ME/MIDP; Opera Mini/8.0.35158/36.2534; U; en) Presto/2.12.423 Version/12.16";
    const OPERA12: &str =
        "Opera/9.80 (X11; Linux i686; Ubuntu/14.10) Presto/2.12.388 Version/12.16";
    const OPERA14: &str = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/27.0.1453.12 Safari/537.36 OPR/14.0.1116.4";
    const OPERA15: &str = "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/28.0.1500.45 Safari/537.36 OPR/15.0.1147.61 (Edition Next)";
    const ANDROID3: &str = "Mozilla/5.0 (Linux; U; Android 3.2; nl-nl; GT-P6800 Build/HTJ85B) AppleWebKit/534.13 (KHTML, like Gecko) Version/4.0 Safari/534.13";
    const ANDROID4: &str = "Mozilla/5.0 (Linux; U; Android 4.1.1; en-gb; Build/KLP) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30";
    const SAFARI5: &str = "Mozilla/5.0 (Macintosh; U; Intel Mac OS X 1063; tr-DE) AppleWebKit/533.16 (KHTML like Gecko) Version/5.0 Safari/533.16";
    const SAFARI6: &str = "Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.17.4; en-GB) AppleWebKit/605.1.5 (KHTML, like Gecko) Version/6.0 Safari/605.1.5";
    const EDGE12: &str = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.10136";
    const EDGE120: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91";
    const CHROME41: &str = "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36";

    fn legacy(subfilters: &[&str]) -> InboundFilters {
        let mut settings = FilterSettings::default();
        let ids: Vec<String> = subfilters.iter().map(|s| (*s).to_owned()).collect();
        settings.set_legacy_browsers(&ids).unwrap();
        filters(settings)
    }

    /// Relay's cases (`relay-filter`'s `legacy_browsers` tests): each subfilter drops its
    /// browsers and versions and nothing newer.
    #[test]
    fn legacy_browsers_are_dropped_by_their_subfilters() {
        for (user_agent, subfilter) in [
            (IE8, "ie_pre_9"),
            (IE_MOBILE9, "ie9"),
            (IE10, "ie10"),
            (IE11, "ie11"),
            (OPERA12, "opera_pre_15"),
            (OPERA14, "opera_pre_15"),
            (OPERA_MINI7, "opera_mini_pre_8"),
            (ANDROID3, "android_pre_4"),
            (SAFARI5, "safari_pre_6"),
            (EDGE12, "edge_pre_79"),
        ] {
            let event = from_browser(user_agent);
            assert_eq!(legacy(&[subfilter]).check(&event), Some("legacy-browsers"), "{user_agent}");
            // The other subfilters leave it.
            let others: Vec<&str> = LEGACY_BROWSERS
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| *id != subfilter && *id != "default")
                .collect();
            assert_eq!(legacy(&others).check(&event), None, "{user_agent} by {others:?}");
        }
        let new_project = filters(FilterSettings::new_project());
        for user_agent in [IE10, OPERA15, OPERA_MINI8, ANDROID4, SAFARI6, EDGE120, CHROME41] {
            let event = from_browser(user_agent);
            let expected = (user_agent == IE10).then_some("legacy-browsers");
            assert_eq!(new_project.check(&event), expected, "{user_agent}");
        }
    }

    /// Every subfilter the settings page offers (the shared types' list) has a rule, and only
    /// `default` is left out of it.
    #[test]
    fn the_dashboards_subfilters_are_the_servers() {
        let offered = all_legacy_browsers();
        assert!(offered.iter().all(|id| legacy_browser(id).is_some()), "{offered:?}");
        let ruled: Vec<&str> = LEGACY_BROWSERS.iter().map(|(id, _)| *id).collect();
        assert_eq!(ruled[..ruled.len() - 1], offered);
        assert_eq!(ruled.last(), Some(&"default"));
    }

    #[test]
    fn the_default_subfilter_is_relays_table_of_minimum_versions() {
        let default = legacy(&["default"]);
        for user_agent in [IE8, IE_MOBILE9, OPERA12, OPERA_MINI7, ANDROID3, SAFARI5] {
            assert_eq!(
                default.check(&from_browser(user_agent)),
                Some("legacy-browsers"),
                "{user_agent}"
            );
        }
        for user_agent in [IE10, IE11, OPERA15, OPERA_MINI8, ANDROID4, SAFARI6, EDGE12, CHROME41] {
            assert_eq!(default.check(&from_browser(user_agent)), None, "{user_agent}");
        }
        // No header, or one without a version: kept.
        assert_eq!(default.check(&event(json!({}))), None);
        assert_eq!(default.check(&from_browser("MSIE")), None);
    }
}
