//! A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`, for what
//! WebDriver cannot do (e.g. a script that runs before the page's own). Shared by the browser
//! tests and `examples/dashboard_bench.rs` (included there with `#[path]`).

use serde_json::{json, Value};

/// One CDP command: its method and parameters.
#[derive(Debug)]
pub struct Cdp {
    pub method: &'static str,
    pub params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.method, "params": self.params});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}
