//! The issue stream's view as the URL holds it (`?query=...&sort=...&statsPeriod=...&project=...
//! &environment=...&limit=...&cursor=...`), so a copied link reproduces the view; and the parts of the
//! issue list's answer that drive paging (`Link`, `X-Hits`).
//!
//! Pure functions only: the page reads and writes the address bar through them, and
//! `tests/web.rs` checks the round trip.

/// The search when the URL has none: Sentry's default stream.
pub const DEFAULT_QUERY: &str = "is:unresolved";
/// The sort when the URL has none: last seen.
pub const DEFAULT_SORT: &str = "date";
/// The time range when the URL has none.
pub const DEFAULT_PERIOD: &str = "14d";

/// Sorts the stream offers, as `(value, label)`: Sentry's names (`priority`: high, medium, low,
/// each last seen first).
pub const SORTS: &[(&str, &str)] = &[
    ("date", "Last seen"),
    ("priority", "Priority"),
    ("new", "First seen"),
    ("freq", "Events"),
    ("user", "Users"),
];
/// The most issues a page may hold (the issue list API's maximum `limit`).
pub const MAX_LIMIT: u32 = 100;
/// Time ranges the stream offers, as `(statsPeriod, label)`.
pub const PERIODS: &[(&str, &str)] = &[("24h", "Last 24 hours"), ("14d", "Last 14 days")];

/// What the stream shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamQuery {
    /// Sentry search; an empty one means no filter (not the default).
    pub query: String,
    /// `date`, `priority`, `new`, `freq` or `user`.
    pub sort: String,
    /// `24h` or `14d`: the issues seen in that time, and the sparklines' range.
    pub stats_period: String,
    /// Project ids; none means all.
    pub projects: Vec<String>,
    /// Environments; none means all.
    pub environments: Vec<String>,
    /// Issues per page (Sentry's `limit`, 1 to 100); `None` is the server's 25.
    pub limit: Option<u32>,
    /// The page, from a `Link` header; `None` is the first page.
    pub cursor: Option<String>,
}

impl Default for StreamQuery {
    fn default() -> Self {
        StreamQuery {
            query: DEFAULT_QUERY.to_owned(),
            sort: DEFAULT_SORT.to_owned(),
            stats_period: DEFAULT_PERIOD.to_owned(),
            projects: Vec::new(),
            environments: Vec::new(),
            limit: None,
            cursor: None,
        }
    }
}

impl StreamQuery {
    /// Reads the view from the URL's query pairs (decoded); unknown keys are ignored and values
    /// the stream does not offer fall back to the defaults.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut view = StreamQuery::default();
        for (key, value) in pairs {
            match key {
                "query" => view.query = value.to_owned(),
                "sort" if SORTS.iter().any(|(s, _)| *s == value) => view.sort = value.to_owned(),
                "statsPeriod" if PERIODS.iter().any(|(p, _)| *p == value) => {
                    view.stats_period = value.to_owned()
                }
                "project" if !value.is_empty() && value != "-1" => {
                    view.projects.push(value.to_owned())
                }
                "environment" if !value.is_empty() => view.environments.push(value.to_owned()),
                "limit" => view.limit = value.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)),
                "cursor" if !value.is_empty() => view.cursor = Some(value.to_owned()),
                _ => {}
            }
        }
        view
    }

    /// The query pairs of the view, in a fixed order; `query` is always written (an empty
    /// search differs from the default one), the rest only when set.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("query", self.query.clone()),
            ("sort", self.sort.clone()),
            ("statsPeriod", self.stats_period.clone()),
        ];
        pairs.extend(self.projects.iter().map(|p| ("project", p.clone())));
        pairs.extend(self.environments.iter().map(|e| ("environment", e.clone())));
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.clone()));
        }
        pairs
    }

    /// The URL query string (without `?`), percent-encoded.
    pub fn to_query_string(&self) -> String {
        self.to_pairs()
            .iter()
            .map(|(key, value)| format!("{key}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a query string (with or without `?`).
    pub fn parse(query_string: &str) -> Self {
        let decoded: Vec<(String, String)> = query_string
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(key), decode(value))
            })
            .collect();
        Self::from_pairs(decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The same view on its first page: what changing the search, sort or filters leads to.
    pub fn first_page(mut self) -> Self {
        self.cursor = None;
        self
    }

    /// The same view with another search, on its first page: what a search or a tab leads to.
    pub fn searching(self, query: &str) -> Self {
        StreamQuery { query: query.to_owned(), ..self.first_page() }
    }

    /// The issue list API's parameters for this view (the sparklines follow the time range).
    pub fn api_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.to_pairs();
        pairs.push(("groupStatsPeriod", self.stats_period.clone()));
        pairs
    }
}

/// Percent-encodes a query value: everything but unreserved characters, spaces as `%20`.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes a query value: `+` is a space, `%XY` a byte; malformed escapes stay as they are.
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The cursors of a `Link` header (Sentry's: `<url>; rel="previous"; results="true";
/// cursor="..."`), each only when it leads to results: `(previous, next)`.
pub fn link_cursors(header: &str) -> (Option<String>, Option<String>) {
    let (mut previous, mut next) = (None, None);
    for link in header.split(',') {
        let mut rel = None;
        let mut results = false;
        let mut cursor = None;
        for param in link.split(';').skip(1) {
            let Some((name, value)) = param.trim().split_once('=') else { continue };
            let value = value.trim().trim_matches('"');
            match name.trim() {
                "rel" => rel = Some(value.to_owned()),
                "results" => results = value == "true",
                "cursor" => cursor = Some(value.to_owned()),
                _ => {}
            }
        }
        if !results {
            continue;
        }
        match rel.as_deref() {
            Some("previous") => previous = cursor,
            Some("next") => next = cursor,
            _ => {}
        }
    }
    (previous, next)
}
