//! The browser, operating system and device of a request's `User-Agent`, as Relay adds them to
//! an event that has no such contexts (`normalize_user_agent`): the JavaScript browser SDK
//! sends only the header, so without this a browser error would have no browser or OS card
//! and no `browser.name` or `os.name` tag; a server SDK's event about a page request gets its
//! visitor's browser too, with the visitor's system under `client_os` (the server's own is
//! `os`).
//!
//! Relay parses with uap-core's regexes; this reads the handful of tokens that name the
//! browsers and systems nearly every visitor uses, with uap-core's names for them ("Chrome
//! Mobile", "Mobile Safari", "Mac OS X"), and leaves anything else alone.

use serde_json::{json, Map, Value};

/// A name (uap-core's) and the version the header gives, if any.
pub type Named = (&'static str, Option<String>);

/// What a `User-Agent` says.
#[derive(Debug, Default, PartialEq)]
pub struct UserAgent {
    /// Browser name and version (`major.minor.patch` as far as the header gives it).
    pub browser: Option<Named>,
    /// Operating system name and version.
    pub os: Option<Named>,
    /// Device family (also its model) and brand, for phones, tablets and Macs.
    pub device: Option<(String, Option<&'static str>)>,
}

/// Reads a `User-Agent` header.
pub fn parse(ua: &str) -> UserAgent {
    let (android, ios) = platform(ua);
    let browser = browser(ua, android, ios);
    let os = os(ua, android, ios);
    let device = device(ua, android);
    UserAgent { browser, os, device }
}

/// The browser alone of a `User-Agent` (what [`parse`] gives as `browser`).
pub fn browser_of(ua: &str) -> Option<Named> {
    let (android, ios) = platform(ua);
    browser(ua, android, ios)
}

/// Whether a `User-Agent` is Android's, and whether it is iOS's.
fn platform(ua: &str) -> (bool, bool) {
    (ua.contains("Android"), ["iPhone", "iPad", "iPod"].iter().any(|d| ua.contains(d)))
}

/// The version after `token` (e.g. `Chrome/`): up to three dot-separated numbers.
fn version_after(ua: &str, token: &str) -> Option<String> {
    let rest = &ua[ua.find(token)? + token.len()..];
    let end =
        rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(rest.len());
    let parts: Vec<&str> =
        rest[..end].split(['.', '_']).filter(|p| !p.is_empty()).take(3).collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

fn browser(ua: &str, android: bool, ios: bool) -> Option<Named> {
    // Most specific first: every Chromium browser also says `Chrome/` and `Safari/`, and old
    // Opera, IE Mobile and Android's own browser say `Opera/`, `MSIE` and `Version/`.
    let (name, token) = if ua.contains("Opera Mini/") {
        ("Opera Mini", "Opera Mini/")
    } else if ua.contains("EdgA/") {
        ("Edge Mobile", "EdgA/")
    } else if ua.contains("EdgiOS/") {
        ("Edge Mobile", "EdgiOS/")
    } else if ua.contains("Edg/") {
        ("Edge", "Edg/")
    } else if ua.contains("Edge/") {
        // EdgeHTML, before Edge became a Chromium (79).
        ("Edge", "Edge/")
    } else if ua.contains("OPR/") {
        (if android { "Opera Mobile" } else { "Opera" }, "OPR/")
    } else if ua.contains("SamsungBrowser/") {
        ("Samsung Internet", "SamsungBrowser/")
    } else if ua.contains("FxiOS/") {
        ("Firefox iOS", "FxiOS/")
    } else if ua.contains("Firefox/") {
        (if android { "Firefox Mobile" } else { "Firefox" }, "Firefox/")
    } else if ua.contains("CriOS/") {
        ("Chrome Mobile iOS", "CriOS/")
    } else if ua.contains("HeadlessChrome/") {
        ("HeadlessChrome", "HeadlessChrome/")
    } else if ua.contains("Chrome/") {
        let name = match (android, ua.contains("; wv)")) {
            (true, true) => "Chrome Mobile WebView",
            (true, false) => "Chrome Mobile",
            _ => "Chrome",
        };
        (name, "Chrome/")
    } else if ua.contains("Opera/") {
        // Presto: `Opera/9.80 (...) Version/12.16`, the real version last.
        ("Opera", if ua.contains("Version/") { "Version/" } else { "Opera/" })
    } else if android && ua.contains("Safari/") && ua.contains("Version/") {
        // Android's own browser, versioned by the system as uap-core does.
        ("Android", "Android ")
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        (if ios { "Mobile Safari" } else { "Safari" }, "Version/")
    } else if ua.contains("IEMobile/") {
        ("IE Mobile", "IEMobile/")
    } else if ua.contains("Trident/") && ua.contains("rv:") {
        ("IE", "rv:")
    } else if ua.contains("MSIE ") {
        ("IE", "MSIE ")
    } else {
        return None;
    };
    Some((name, version_after(ua, token)))
}

fn os(ua: &str, android: bool, ios: bool) -> Option<Named> {
    if ios {
        // "CPU iPhone OS 17_1_2 like Mac OS X", "CPU OS 16_0 like Mac OS X" (iPad)
        return Some(("iOS", version_after(ua, "OS ").filter(|_| ua.contains(" like Mac OS X"))));
    }
    if android {
        return Some(("Android", version_after(ua, "Android ")));
    }
    if ua.contains("Windows NT ") {
        let version = match version_after(ua, "Windows NT ").as_deref() {
            Some("10.0") => Some("10"),
            Some("6.3") => Some("8.1"),
            Some("6.2") => Some("8"),
            Some("6.1") => Some("7"),
            Some("6.0") => Some("Vista"),
            Some("5.1" | "5.2") => Some("XP"),
            _ => None,
        };
        return Some(("Windows", version.map(str::to_owned)));
    }
    if ua.contains("CrOS ") {
        return Some(("Chrome OS", None));
    }
    if ua.contains("Mac OS X") {
        return Some(("Mac OS X", version_after(ua, "Mac OS X ")));
    }
    if ua.contains("Linux") || ua.contains("X11") {
        return Some(("Linux", None));
    }
    None
}

fn device(ua: &str, android: bool) -> Option<(String, Option<&'static str>)> {
    for apple in ["iPhone", "iPad", "iPod"] {
        if ua.contains(apple) {
            return Some((apple.to_owned(), Some("Apple")));
        }
    }
    if ua.contains("Macintosh") {
        return Some(("Mac".to_owned(), Some("Apple")));
    }
    if android {
        // "(Linux; Android 14; Pixel 8 Build/UD1A.230803.041)" or "(Linux; Android 14; Pixel 8)";
        // Chrome's reduced header says only "K".
        let inside = ua.split_once('(')?.1.split(')').next()?;
        let is_locale = |part: &str| part.len() == 5 && part.as_bytes()[2] == b'-';
        let model = inside.split(';').map(str::trim).find(|part| {
            !part.is_empty()
                && !part.starts_with("Linux")
                && !part.starts_with("Android")
                && !matches!(*part, "U" | "wv" | "K")
                && !is_locale(part)
        })?;
        let model = model.split(" Build/").next().unwrap_or(model).trim();
        if model.is_empty() {
            return None;
        }
        return Some((model.to_owned(), None));
    }
    None
}

/// Adds the contexts the event's `User-Agent` header gives and the SDK did not send: `browser`,
/// `device`, and the operating system as `os` for browser events and as `client_os` for the
/// others (whose `os` is the server's).
pub fn add_contexts(event: &mut Map<String, Value>) {
    let Some(ua) = header(event, "user-agent") else { return };
    let parsed = parse(ua);
    let os_key = if event.get("platform").and_then(Value::as_str) == Some("javascript") {
        "os"
    } else {
        "client_os"
    };
    let mut added: Vec<(&str, Value)> = Vec::new();
    if let Some((name, version)) = parsed.browser {
        let mut browser = json!({"type": "browser", "name": name});
        if let Some(version) = version {
            browser["version"] = Value::String(version);
        }
        added.push(("browser", browser));
    }
    if let Some((family, brand)) = parsed.device {
        let mut device = json!({"type": "device", "family": family, "model": family});
        if let Some(brand) = brand {
            device["brand"] = Value::String(brand.to_owned());
        }
        added.push(("device", device));
    }
    if let Some((name, version)) = parsed.os {
        let mut os = json!({"type": "os", "name": name});
        if let Some(version) = version {
            os["version"] = Value::String(version);
        }
        added.push((os_key, os));
    }
    if added.is_empty() {
        return;
    }
    if !matches!(event.get("contexts"), Some(Value::Object(_))) {
        event.insert("contexts".into(), Value::Object(Map::new()));
    }
    if let Some(Value::Object(contexts)) = event.get_mut("contexts") {
        for (key, context) in added {
            contexts.entry(key).or_insert(context);
        }
    }
}

/// A request header of the event (`request.headers` as a map or as `[name, value]` pairs).
pub(super) fn header<'a>(event: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    let headers = event.get("request")?.get("headers")?;
    let found = match headers {
        Value::Object(map) => {
            map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
        }
        Value::Array(pairs) => pairs
            .iter()
            .find(|pair| {
                pair.get(0).and_then(Value::as_str).is_some_and(|k| k.eq_ignore_ascii_case(name))
            })
            .and_then(|pair| pair.get(1)),
        _ => None,
    };
    found.and_then(Value::as_str).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(ua: &str) -> (Option<Named>, Option<Named>, Option<String>) {
        let parsed = parse(ua);
        (parsed.browser, parsed.os, parsed.device.map(|(family, _)| family))
    }

    fn some(name: &'static str, version: &str) -> Option<Named> {
        Some((name, (!version.is_empty()).then(|| version.to_owned())))
    }

    #[test]
    fn the_common_browsers_and_systems_by_uap_cores_names() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
                some("Chrome", "120.0.6099"), some("Windows", "10"), None,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
                some("Edge", "120.0.2210"), some("Windows", "10"), None,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
                some("Safari", "17.1"), some("Mac OS X", "10.15.7"), Some("Mac".to_owned()),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
                some("Firefox", "121.0"), some("Linux", ""), None,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
                some("Mobile Safari", "17.1.2"), some("iOS", "17.1.2"), Some("iPhone".to_owned()),
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
                some("Chrome Mobile iOS", "120.0.6099"), some("iOS", "16.6"), Some("iPad".to_owned()),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
                some("Chrome Mobile", "120.0.6099"), some("Android", "14"), Some("Pixel 8".to_owned()),
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
                some("Chrome Mobile", "120.0.0"), some("Android", "10"), None,
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
                some("Samsung Internet", "23.0"), some("Android", "13"), Some("SM-S918B".to_owned()),
            ),
            (
                "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko",
                some("IE", "11.0"), some("Windows", "7"), None,
            ),
            ("curl/8.4.0", None, None, None),
        ];
        for (ua, browser, os, device) in cases {
            assert_eq!(read(ua), (browser, os, device), "{ua}");
        }
    }

    /// The old browsers the legacy-browsers filter knows (`super::super::filters`).
    #[test]
    fn old_browsers_by_uap_cores_names() {
        let cases = [
            (
                "Opera/9.80 (J2ME/MIDP; Opera Mini/7.0.32796/59.323; U; fr) Presto/2.12.423 Version/12.16",
                some("Opera Mini", "7.0.32796"),
            ),
            ("Opera/9.80 (X11; Linux i686; Ubuntu/14.10) Presto/2.12.388 Version/12.16", some("Opera", "12.16")),
            (
                "Mozilla/5.0 (Linux; U; Android 3.2; nl-nl; GT-P6800 Build/HTJ85B) AppleWebKit/534.13 (KHTML, like Gecko) Version/4.0 Safari/534.13",
                some("Android", "3.2"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.10136",
                some("Edge", "12.10136"),
            ),
            (
                "Mozilla/5.0 (compatible; MSIE 9.0; Windows Phone OS 7.5; Trident/5.0; IEMobile/9.0; NOKIA; Lumia 710)",
                some("IE Mobile", "9.0"),
            ),
            ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.0; Trident/4.0)", some("IE", "8.0")),
        ];
        for (ua, browser) in cases {
            assert_eq!(read(ua).0, browser, "{ua}");
        }
    }

    #[test]
    fn the_header_adds_only_the_contexts_the_sdk_did_not_send() {
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36";
        let Value::Object(mut browser_event) = json!({
            "platform": "javascript",
            "request": {"headers": [["User-Agent", ua]]},
            "contexts": {"browser": {"name": "Firefox", "version": "1"}}
        }) else {
            unreachable!()
        };
        add_contexts(&mut browser_event);
        assert_eq!(
            browser_event["contexts"]["browser"],
            json!({"name": "Firefox", "version": "1"})
        );
        assert_eq!(
            browser_event["contexts"]["os"],
            json!({"type": "os", "name": "Windows", "version": "10"})
        );

        let Value::Object(mut server_event) = json!({
            "platform": "python",
            "request": {"headers": {"user-agent": ua}},
            "contexts": {"os": {"name": "Linux"}}
        }) else {
            unreachable!()
        };
        add_contexts(&mut server_event);
        assert_eq!(server_event["contexts"]["os"], json!({"name": "Linux"}), "the server's own");
        assert_eq!(server_event["contexts"]["client_os"]["name"], "Windows");
        assert_eq!(server_event["contexts"]["browser"]["version"], "120.0.6099");
    }
}
