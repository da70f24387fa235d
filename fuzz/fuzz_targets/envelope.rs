//! Fuzzes the envelope parser: any bytes must frame into an envelope or an error, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = cairn_server::ingest::envelope::parse(data) {
        // Touch what the endpoint reads from a framed envelope.
        let _ = envelope.event_id();
        let _ = envelope.dsn();
        for item in &envelope.items {
            assert!(item.payload.len() <= data.len());
        }
    }
    let _ = cairn_server::ingest::envelope::parse_headers_only(data);
});
