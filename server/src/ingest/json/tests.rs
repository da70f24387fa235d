//! [`parse`] and [`write`] against serde_json: the same values, the same bytes, and serde_json
//! left to judge whatever the fast reader does not take.

use serde_json::{json, Value};

use super::{parse, to_string, write};

/// Asserts that `text` reads as serde_json reads it: the same value, or `None` (then the caller
/// falls back to serde_json) wherever serde_json refuses it.
fn reads_as_serde_json(text: &str) {
    let expected = serde_json::from_str::<Value>(text).ok();
    if let Some(value) = parse(text) {
        assert_eq!(Some(&value), expected.as_ref(), "{text:?}");
        // The same variant of `Number` too (equal values can differ in it).
        assert_eq!(format!("{value:?}"), format!("{:?}", expected.as_ref().unwrap()));
    }
}

/// Asserts that `value` is written byte for byte as serde_json writes it.
fn writes_as_serde_json(value: &Value) {
    let mut ours = Vec::new();
    write(value, &mut ours);
    assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(value).unwrap());
}

/// The captured SDK requests (`tests/fixtures/sdk`): their metadata and their bodies, the
/// gzipped ones (the Python SDK's) unzipped.
fn fixture_files() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sdk");
    let mut files = Vec::new();
    for sdk in std::fs::read_dir(dir).unwrap() {
        for file in std::fs::read_dir(sdk.unwrap().path()).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            let mut unzipped = Vec::new();
            let gzipped = std::io::Read::read_to_end(
                &mut flate2::read::MultiGzDecoder::new(bytes.as_slice()),
                &mut unzipped,
            );
            files.push(if gzipped.is_ok() { unzipped } else { bytes });
        }
    }
    files
}

#[test]
fn the_sdk_fixtures_read_and_write_as_with_serde_json() {
    let mut documents = 0;
    for bytes in fixture_files() {
        // Envelopes: each line that is JSON (headers and most payloads).
        for line in bytes.split(|&b| b == b'\n') {
            let Ok(text) = std::str::from_utf8(line) else { continue };
            let Ok(expected) = serde_json::from_str::<Value>(text) else { continue };
            assert_eq!(parse(text).as_ref(), Some(&expected), "{text}");
            writes_as_serde_json(&expected);
            documents += 1;
        }
    }
    assert!(documents > 40, "read {documents} documents");
}

#[test]
fn objects_arrays_literals_and_whitespace() {
    for text in [
        "{}",
        "[]",
        " { \"a\" : [ 1 , true , false , null , \"x\" , { } , [ ] ] } \n",
        "\t\r\n[1,[2,[3,[4]]]]",
        r#"{"b":1,"a":2,"c":{"z":[],"y":{}}}"#,
        "\"just a string\"",
        "0",
        "null",
    ] {
        reads_as_serde_json(text);
        assert!(parse(text).is_some(), "{text}");
    }
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_in_serde_json() {
    let text = r#"{"a":1,"b":2,"a":3,"a":{"x":4}}"#;
    assert_eq!(parse(text), Some(json!({"a": {"x": 4}, "b": 2})));
    reads_as_serde_json(text);
}

#[test]
fn numbers_read_as_serde_json_reads_them() {
    for text in [
        "0",
        "7",
        "1700000000",
        "9999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234",
        "-1",
        "-0",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "1700000000.123456",
        "0.1",
        "1e3",
        "1E-3",
        "-2.5e+10",
        "1e400",
        "01",
        "1.",
        ".5",
        "1-2",
        "--1",
        "[1.25,2,-3,4e2]",
    ] {
        reads_as_serde_json(text);
    }
    // The plain ones are read without serde_json, the others through it.
    assert_eq!(parse("42"), Some(json!(42)));
    assert_eq!(parse("-42"), Some(json!(-42)));
    assert_eq!(parse("[0.5]"), Some(json!([0.5])));
    assert_eq!(parse("01"), None);
    assert_eq!(parse("1e400"), None);
}

#[test]
fn escapes_and_unicode_read_as_serde_json_reads_them() {
    for text in [
        r#""a\"b\\c\/d\be\ff\ng\rh\ti""#,
        r#""\u0041\u00e9\u4e2d\uD83D\uDE00 after""#,
        r#""\u0000 nul""#,
        "\"plain ütf-8 😀 and ascii longer than eight bytes\"",
        r#""\uD83D""#,
        r#""\uDE00""#,
        r#""\uD83D\u0041""#,
        r#""\x""#,
        r#""\u12""#,
        r#""\u12G4""#,
        "\"a control \u{1} character\"",
        "\"tab\tinside\"",
        r#""unterminated"#,
        r#"{"key with \"quotes\"":"and \\ backslashes \\"}"#,
    ] {
        reads_as_serde_json(text);
    }
    assert_eq!(parse(r#""\uD83D\uDE00""#), Some(json!("😀")));
    assert_eq!(parse(r#""\uD83D""#), None, "a lone surrogate is serde_json's to refuse");
}

#[test]
fn what_serde_json_refuses_is_left_to_it() {
    for text in [
        "",
        "   ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "[1 2]",
        "tru",
        "nul",
        "NaN",
        "{\"a\":NaN}",
        "Infinity",
        "{} {}",
        "{}x",
        "[\"a\"\"b\"]",
    ] {
        assert_eq!(parse(text), None, "{text:?}");
        assert!(serde_json::from_str::<Value>(text).is_err(), "{text:?}");
    }
}

#[test]
fn deep_documents_are_left_to_serde_json_and_its_limit() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(parse(&deep(100)).is_some());
    assert_eq!(parse(&deep(101)), None);
    reads_as_serde_json(&deep(101));
    assert!(super::from_str(&deep(120)).is_ok());
    let err = super::from_str(&deep(200)).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}

#[test]
fn every_ascii_byte_and_some_unicode_write_as_with_serde_json() {
    let all: String = (0u8..0x80).map(char::from).collect();
    writes_as_serde_json(&json!(all));
    writes_as_serde_json(&json!({ all.clone(): [all, "é中😀", ""] }));
    // Each special byte at each offset of an eight-byte word, and the text read back.
    for special in ['"', '\\', '\n', '\u{1f}', '\u{0}', '\u{7f}'] {
        for at in 0..20 {
            let text: String = (0..20)
                .map(|i| if i == at { special } else { char::from(b'a' + i as u8) })
                .collect();
            let value = json!(text);
            writes_as_serde_json(&value);
            reads_as_serde_json(&serde_json::to_string(&value).unwrap());
            assert_eq!(parse(&serde_json::to_string(&value).unwrap()), Some(value));
        }
    }
}

#[test]
fn numbers_write_as_with_serde_json() {
    for value in [
        json!(0),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(-1),
        json!(1.5),
        json!(1_700_000_000.123_456),
        json!(1e300),
        json!(-0.0),
        json!(0.1),
        json!(1e-7),
        json!(f64::MAX),
    ] {
        writes_as_serde_json(&value);
    }
}

#[test]
fn a_whole_event_round_trips() {
    let event = json!({
        "event_id": "0123456789abcdef0123456789abcdef",
        "timestamp": 1_700_000_000.25,
        "exception": {"values": [{"type": "ValueError", "value": "bad \"input\"\n\tline 2",
            "stacktrace": {"frames": [{"lineno": 12, "colno": -1, "in_app": true,
                "vars": {"x": null, "y": [1, 2.5, "three"]}}]}}]},
        "tags": [["a", "b"], ["ünïcode", "😀"]],
        "extra": {"control": "\u{1}\u{2}\u{8}\u{c}", "nested": {"deeper": {"deepest": {}}}},
    });
    let text = to_string(&event, 0);
    assert_eq!(text, serde_json::to_string(&event).unwrap());
    assert_eq!(parse(&text), Some(event.clone()));
    let pretty = serde_json::to_string_pretty(&event).unwrap();
    assert_eq!(parse(&pretty), Some(event));
}

/// The fixtures' documents cut, with bytes changed, dropped and doubled, and with JSON's
/// special characters put in at random (seeded, so a failure repeats): whatever [`parse`]
/// takes reads as serde_json reads it, and whatever serde_json reads is written back alike.
#[test]
fn mutated_documents_read_and_write_as_with_serde_json() {
    use rand::{Rng, SeedableRng};
    let mut documents = Vec::new();
    for file in fixture_files() {
        let bytes = file;
        documents.extend(
            bytes
                .split(|&b| b == b'\n')
                .filter(|line| serde_json::from_slice::<Value>(line).is_ok())
                .map(<[u8]>::to_vec),
        );
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    const SPECIALS: &[u8] = b"\"\\{}[]:,0123456789.eE-+ \n\tunlfrtbx\x01\x1f";
    let (mut taken, mut tried) = (0, 0);
    for document in &documents {
        for _ in 0..300 {
            let mut bytes = document.clone();
            for _ in 0..rng.random_range(1..4) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.random_range(0..bytes.len());
                match rng.random_range(0..5) {
                    0 => bytes[at] = SPECIALS[rng.random_range(0..SPECIALS.len())],
                    1 => {
                        bytes.remove(at);
                    }
                    2 => bytes.insert(at, SPECIALS[rng.random_range(0..SPECIALS.len())]),
                    3 => bytes.truncate(at),
                    _ => {
                        let byte = bytes[at];
                        bytes.insert(at, byte);
                    }
                }
            }
            let Ok(text) = std::str::from_utf8(&bytes) else { continue };
            tried += 1;
            reads_as_serde_json(text);
            if let Ok(value) = serde_json::from_str::<Value>(text) {
                taken += 1;
                writes_as_serde_json(&value);
            }
        }
    }
    assert!(tried > 1000 && taken > 100, "{tried} documents tried, {taken} valid");
}
