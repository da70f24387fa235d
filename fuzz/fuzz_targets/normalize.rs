//! Fuzzes event normalization: any payload must normalize into a stored event or an error,
//! never panic.

#![no_main]

use cairn_server::ingest::event::{process, EventContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ctx = EventContext::with_defaults(1, 1_700_000_000_000);
    if let Ok(event) = process(data, &ctx) {
        // What the store writes must be JSON again.
        let json = event.data.to_json().expect("stored data decodes");
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    }
});
