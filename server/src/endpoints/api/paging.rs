//! Offset pages, as Sentry's offset paginator answers lists that have no sort key to seek
//! (an issue's events, user feedback): `cursor` is `0:<offset>:<is_prev>`, `per_page` is 1 to
//! 100, and the answer's `Link` header leads to the pages before and after.
//!
//! And keyset pages, for lists read newest first by id (notifications, the audit log): the
//! cursor `0:<id>:0` holds the id the next page starts below; they are read forwards only.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Store;

/// Most items on one page, and the default (Sentry's).
pub(super) const MAX_PER_PAGE: i64 = 100;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageParams {
    /// Items skipped.
    pub(super) offset: i64,
    /// Items on the page.
    pub(super) per_page: i64,
}

impl PageParams {
    /// Reads `cursor` and `per_page`; Sentry's other list parameters (`full`, `query`,
    /// `environment`, ...) are left to the caller's expectations and ignored.
    pub(super) fn parse(raw: Option<&str>) -> ApiResult<PageParams> {
        let mut page = PageParams { offset: 0, per_page: MAX_PER_PAGE };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                // `cursor=` with no value is the first page (sentry-cli sends it so).
                "cursor" if value.is_empty() => {}
                "cursor" => {
                    let invalid =
                        || ApiError::BadRequest(format!("cursor: invalid cursor {value:?}"));
                    let mut parts = value.split(':');
                    let (Some(_), Some(offset), Some("0" | "1"), None) =
                        (parts.next(), parts.next(), parts.next(), parts.next())
                    else {
                        return Err(invalid());
                    };
                    page.offset = offset
                        .parse()
                        .ok()
                        .filter(|o| (0..=i64::from(u32::MAX)).contains(o))
                        .ok_or_else(invalid)?;
                }
                "per_page" => {
                    page.per_page =
                        value.parse().ok().filter(|n| (1..=MAX_PER_PAGE).contains(n)).ok_or_else(
                            || {
                                ApiError::BadRequest(format!(
                                    "per_page: a number from 1 to {MAX_PER_PAGE} is required"
                                ))
                            },
                        )?;
                }
                _ => {}
            }
        }
        Ok(page)
    }

    /// How many rows to read for the page: one more than it holds, which tells whether
    /// another page follows (see [`PageParams::take_page`]).
    pub(super) fn rows_to_read(&self) -> i64 {
        self.per_page + 1
    }

    /// Cuts rows read with [`PageParams::rows_to_read`] down to the page; whether another
    /// page follows.
    pub(super) fn take_page<T>(&self, rows: &mut Vec<T>) -> bool {
        let more = rows.len() as i64 > self.per_page;
        rows.truncate(usize::try_from(self.per_page).unwrap_or(0));
        more
    }

    /// The page's answer: `items` (at most `per_page`, read with one more to learn whether
    /// another page follows: `more`; or any body holding the page) with the `Link` header of
    /// the list at `path`.
    pub(super) fn response<S: Store, T: Serialize>(
        &self,
        state: &AppState<S>,
        items: T,
        more: bool,
        path: &str,
        raw_query: Option<&str>,
    ) -> Response {
        let previous = (format!("0:{}:1", (self.offset - self.per_page).max(0)), self.offset > 0);
        let next = (format!("0:{}:0", self.offset + self.per_page), more);
        let base = format!("{}{}", state.config.public_url.trim_end_matches('/'), path);
        let link = super::issues::link_header(&base, raw_query, previous, next);
        let mut response = AppJson(items).into_response();
        if let Ok(link) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}

/// The id a keyset `cursor` value starts below.
pub(super) fn keyset_cursor(value: &str) -> ApiResult<i64> {
    let id = value.split(':').nth(1).and_then(|id| id.parse::<i64>().ok());
    id.filter(|id| *id > 0).ok_or_else(|| ApiError::BadRequest("cursor: invalid".into()))
}

/// A keyset list's `per_page` (or `limit`, named `key`): 1 to 100.
pub(super) fn keyset_per_page(key: &str, value: &str) -> ApiResult<i64> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
        .ok_or_else(|| ApiError::BadRequest(format!("{key}: a number from 1 to {MAX_PER_PAGE}")))
}

/// The `Link` header of a keyset page of the list at `path` whose last item has the id `last`;
/// `more`: another page follows.
pub(super) fn keyset_link<S: Store>(
    state: &AppState<S>,
    path: &str,
    raw_query: Option<&str>,
    last: i64,
    more: bool,
) -> String {
    let base = format!("{}{}", state.config.public_url, path);
    super::issues::link_header(
        &base,
        raw_query,
        // Pages are read forwards only: the first page is the way back.
        ("0:0:1".to_owned(), false),
        (format!("0:{last}:0"), more),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_params_read_sentrys_offset_cursors() {
        let page = PageParams::parse(Some("cursor=0:200:0&per_page=50&full=true")).expect("ok");
        assert_eq!(page, PageParams { offset: 200, per_page: 50 });
        let first = PageParams::parse(None).expect("ok");
        assert_eq!(first, PageParams { offset: 0, per_page: MAX_PER_PAGE });
        for bad in ["cursor=0:-1:0", "cursor=abc", "cursor=0:1:2", "per_page=0", "per_page=101"] {
            assert!(PageParams::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn keyset_cursors_hold_the_id_the_next_page_starts_below() {
        assert_eq!(keyset_cursor("0:42:0").expect("ok"), 42);
        for bad in ["0:0:0", "0:-3:0", "abc", "0:x:0"] {
            assert!(keyset_cursor(bad).is_err(), "{bad}");
        }
        assert_eq!(keyset_per_page("per_page", "100").expect("ok"), 100);
        assert!(keyset_per_page("limit", "101").is_err());
        assert!(keyset_per_page("limit", "0").is_err());
    }
}
