//! Fuzzes the ingest path's own JSON reader and writer against serde_json: whatever the reader
//! takes must read as serde_json reads it, and any value must be written byte for byte as
//! serde_json writes it.

#![no_main]

use cairn_server::ingest::json;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let expected = serde_json::from_str::<Value>(text).ok();
    if let Some(value) = json::parse(text) {
        assert_eq!(Some(&value), expected.as_ref());
        assert_eq!(format!("{value:?}"), format!("{:?}", expected.as_ref().unwrap()));
    }
    if let Some(value) = expected {
        let mut ours = Vec::new();
        json::write(&value, &mut ours);
        assert_eq!(ours, serde_json::to_vec(&value).unwrap());
    }
});
