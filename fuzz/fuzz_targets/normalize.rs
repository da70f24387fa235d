//! Fuzzes event normalization: any payload must normalize into a stored event or an error,
//! never panic.

#![no_main]

use cairn_server::ingest::event::{process, EventContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ctx = EventContext { project_id: 1, received_ms: 1_700_000_000_000, envelope_event_id: None, sent_at_ms: None, scrubber: cairn_server::ingest::scrub::default_scrubber(), grouping: cairn_server::ingest::grouping::no_project_rules() };
    if let Ok(event) = process(data, &ctx) {
        // What the store writes must be JSON again.
        assert!(serde_json::from_str::<serde_json::Value>(&event.data).is_ok());
    }
});
