//! The issue stream's live updates: a browser `EventSource` on
//! `/api/0/organizations/{org}/live/` (server-sent events, authenticated by the session
//! cookie), decoded into [`LiveMessage`]s.
//!
//! The browser reconnects by itself after a dropped connection; when it gives up (the server
//! answered an error, e.g. after a restart), [`subscribe`] opens a new source after a pause.
//! Each `ready` after the first means updates may have been missed while disconnected.

use std::{cell::RefCell, rc::Rc, time::Duration};

use cairn_types::api::{IssueUpdate, LIVE_ISSUE_EVENT, LIVE_READY_EVENT, LIVE_RELOAD_EVENT};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

/// Pause before opening a new source after the browser gave up on one.
const RECONNECT_AFTER: Duration = Duration::from_secs(3);

/// What the stream said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveMessage {
    /// Subscribed; `reconnected` when an earlier connection existed (updates may be missed).
    Ready {
        /// Whether this is not the first connection.
        reconnected: bool,
    },
    /// An issue changed.
    Issue(IssueUpdate),
    /// Updates were missed: reload what is shown.
    Reload,
}

/// Decodes one server-sent event by its name and data; `None` for unknown or malformed ones.
pub fn decode(name: &str, data: &str, reconnected: bool) -> Option<LiveMessage> {
    match name {
        LIVE_READY_EVENT => Some(LiveMessage::Ready { reconnected }),
        LIVE_RELOAD_EVENT => Some(LiveMessage::Reload),
        LIVE_ISSUE_EVENT => serde_json::from_str(data).ok().map(LiveMessage::Issue),
        _ => None,
    }
}

/// The URL of an organization's stream.
pub fn live_url(org: &str) -> String {
    format!("/api/0/organizations/{}/live/", crate::api::segment(org))
}

/// An open subscription; closing it (or dropping the owner that made it) stops everything.
struct Connection {
    source: Option<EventSource>,
    /// Listeners, kept alive as long as the source.
    listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
    connected_before: bool,
    closed: bool,
}

impl Connection {
    fn close_source(&mut self) {
        if let Some(source) = self.source.take() {
            source.close();
        }
        self.listeners.clear();
        self.on_error = None;
    }
}

/// Subscribes to the organization's live updates for as long as the calling reactive owner
/// (the page) lives; `on_message` gets every message, `connected` tracks the connection.
pub fn subscribe(org: String, on_message: Callback<LiveMessage>, connected: RwSignal<bool>) {
    let connection = Rc::new(RefCell::new(Connection {
        source: None,
        listeners: Vec::new(),
        on_error: None,
        connected_before: false,
        closed: false,
    }));
    open(org, on_message, connected, connection.clone());
    let connection = send_wrapper::SendWrapper::new(connection);
    on_cleanup(move || {
        let mut connection = connection.borrow_mut();
        connection.closed = true;
        connection.close_source();
    });
}

fn open(
    org: String,
    on_message: Callback<LiveMessage>,
    connected: RwSignal<bool>,
    connection: Rc<RefCell<Connection>>,
) {
    if connection.borrow().closed {
        return;
    }
    let Ok(source) = EventSource::new(&live_url(&org)) else {
        connected.set(false);
        return;
    };
    let mut listeners = Vec::new();
    for name in [LIVE_READY_EVENT, LIVE_ISSUE_EVENT, LIVE_RELOAD_EVENT] {
        let state = connection.clone();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data().as_string().unwrap_or_default();
            let reconnected = state.borrow().connected_before;
            if name == LIVE_READY_EVENT {
                state.borrow_mut().connected_before = true;
                connected.set(true);
            }
            if let Some(message) = decode(name, &data, reconnected) {
                on_message.run(message);
            }
        });
        let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        listeners.push(listener);
    }
    let state = connection.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        connected.set(false);
        let gave_up = state
            .borrow()
            .source
            .as_ref()
            .is_some_and(|source| source.ready_state() == EventSource::CLOSED);
        if gave_up {
            // The listeners are replaced when the new source opens, not here: this closure is
            // one of them, and dropping a closure while it runs is an error.
            let (org, state) = (org.clone(), state.clone());
            set_timeout(move || open(org, on_message, connected, state), RECONNECT_AFTER);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut connection = connection.borrow_mut();
    if let Some(old) = connection.source.take() {
        old.close();
    }
    connection.source = Some(source);
    connection.listeners = listeners;
    connection.on_error = Some(on_error);
}
