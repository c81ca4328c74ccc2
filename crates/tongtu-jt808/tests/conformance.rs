//! Conformance: every vector in tests/data/vectors.jsonl (real frames from other
//! implementations' test suites) decodes to the expected values, re-encodes to the same
//! bytes, and every negative vector fails with the expected error kind.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use tongtu_jt808::msg::{MediaUpload, Param};
use tongtu_jt808::{ErrorKind, FrameSplitter, Location, Message, Packet, ProtocolVersion};

const VECTORS: &str = include_str!("data/vectors.jsonl");

fn vectors() -> Vec<Value> {
    VECTORS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("vector line is JSON"))
        .collect()
}

fn hexu(b: &[u8]) -> String {
    hex::encode_upper(b)
}

fn location_json(l: &Location) -> Value {
    let mut m = Map::new();
    m.insert("alarm_flag".into(), json!(l.alarm));
    m.insert("status".into(), json!(l.status));
    m.insert("lat".into(), json!(l.lat));
    m.insert("lon".into(), json!(l.lon));
    m.insert("altitude_m".into(), json!(l.altitude));
    m.insert("speed_0_1kmh".into(), json!(l.speed));
    m.insert("direction".into(), json!(l.direction));
    let time = match l.time {
        Some(t) => t.format("%y%m%d%H%M%S").to_string(),
        None => "000000000000".to_string(),
    };
    m.insert("time".into(), json!(time));
    let extras: Vec<Value> = l
        .extras
        .iter()
        .map(|e| json!({"id": e.id(), "hex": hexu(&e.value_bytes())}))
        .collect();
    m.insert("extras".into(), Value::Array(extras));
    if !l.malformed_tail.is_empty() {
        m.insert(
            "extras_malformed_tail".into(),
            json!(hexu(&l.malformed_tail)),
        );
    }
    Value::Object(m)
}

fn params_json(params: &[Param]) -> Value {
    Value::Array(
        params
            .iter()
            .map(|p| {
                let v = p.value.value_bytes().expect("parameter re-encodes");
                json!({"id": p.id, "len": v.len(), "hex": hexu(&v)})
            })
            .collect(),
    )
}

fn raw_body(body: &[u8]) -> Value {
    json!({"len": body.len(), "hex": hexu(body)})
}

/// The packet in the shape `expect` uses (see the vectors' README).
fn packet_json(p: &Packet) -> Value {
    let h = &p.header;
    let v2019 = h.version.is_2019();
    let body = match &p.message {
        Message::Location(l) => location_json(l),
        Message::TerminalResponse(r) | Message::PlatformResponse(r) => json!({
            "reply_serial": r.reply_serial,
            "reply_msg_id": format!("0x{:04X}", r.reply_msg_id),
            "result": r.result,
        }),
        Message::Heartbeat | Message::QueryLocation | Message::QueryAllParams => json!({}),
        Message::Register(r) => json!({
            "province_id": r.province_id,
            "city_id": r.city_id,
            "manufacturer_id": r.manufacturer_id,
            "terminal_model": r.terminal_model,
            "terminal_id": r.terminal_id,
            "plate_color": r.plate_color,
            "plate": r.plate,
        }),
        Message::Auth(a) if v2019 => json!({
            "auth_code": a.auth_code,
            "imei": a.imei,
            "software_version": a.software_version,
        }),
        Message::Auth(a) => json!({"auth_code": a.auth_code}),
        Message::RegisterResponse(r) => {
            let mut m = json!({"reply_serial": r.reply_serial, "result": r.result});
            if let Some(code) = &r.auth_code {
                m["auth_code"] = json!(code);
            }
            m
        }
        Message::LocationResponse(r) => json!({
            "reply_serial": r.reply_serial,
            "position": location_json(&r.location),
        }),
        Message::LocationBatch(b) => json!({
            "count": b.items.len(),
            "type": b.batch_type,
            "items": b.items.iter().map(location_json).collect::<Vec<_>>(),
        }),
        Message::MediaEvent(e) => json!({
            "multimedia_id": e.media_id,
            "media_type": e.media_type,
            "media_format": e.media_format,
            "event": e.event,
            "channel_id": e.channel,
        }),
        Message::MediaUpload(MediaUpload {
            event: e,
            location,
            data,
        }) => json!({
            "multimedia_id": e.media_id,
            "media_type": e.media_type,
            "media_format": e.media_format,
            "event": e.event,
            "channel_id": e.channel,
            "position": location_json(location),
            "data_hex": hexu(data),
        }),
        Message::SetParams(s) => json!({
            "param_count": s.params.len(),
            "params": params_json(&s.params),
        }),
        Message::ParamsResponse(s) => json!({
            "reply_serial": s.reply_serial,
            "param_count": s.params.len(),
            "params": params_json(&s.params),
        }),
        Message::Text(t) => {
            let mut m = json!({"flag": t.flag, "text": t.text});
            if let Some(tt) = t.text_type {
                m["text_type"] = json!(tt);
            }
            m
        }
        Message::Raw { body, .. } => raw_body(body),
        other => panic!("no JSON shape for {other:?}"),
    };
    json!({
        "msg_id": format!("0x{:04X}", h.msg_id),
        "phone": h.phone.digits(),
        "serial": h.serial,
        "version": match h.version { ProtocolVersion::V2019(v) => json!(v), _ => Value::Null },
        "subpackage": h.subpackage.map(|s| json!({"total": s.total, "index": s.index})),
        "body": body,
    })
}

fn wire(v: &Value) -> Vec<u8> {
    hex::decode(v["hex"].as_str().expect("hex field")).expect("hex decodes")
}

#[test]
fn every_valid_vector_decodes_to_the_expected_values() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["valid"] == json!(true)) {
        let id = v["id"].as_str().unwrap_or("?");
        let bytes = wire(v);
        let p = Packet::from_wire(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        let got = packet_json(&p);
        assert_eq!(got, v["expect"], "{id}");
        // 2011 registrations are told apart by body length.
        let want_2011 = v["version"] == json!("2011");
        assert_eq!(
            p.header.version == ProtocolVersion::V2011,
            want_2011,
            "{id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 80);
}

#[test]
fn every_valid_vector_reencodes_to_the_same_bytes() {
    for v in vectors().iter().filter(|v| v["valid"] == json!(true)) {
        let id = v["id"].as_str().unwrap_or("?");
        let bytes = wire(v);
        let p = Packet::from_wire(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        let again = p.encode().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(hexu(&again), hexu(&bytes), "{id}");
    }
}

#[test]
fn every_negative_vector_fails_with_the_expected_kind() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["valid"] == json!(false)) {
        let id = v["id"].as_str().unwrap_or("?");
        let want = match v["expect"]["error"].as_str() {
            Some("checksum") => ErrorKind::Checksum,
            Some("truncated") => ErrorKind::Truncated,
            Some("escape") => ErrorKind::Escape,
            other => panic!("{id}: unknown error class {other:?}"),
        };
        let err = Packet::from_wire(&wire(v)).expect_err(id);
        assert_eq!(err.kind(), want, "{id}: {err}");
        checked += 1;
    }
    assert_eq!(checked, 16);
}

#[test]
fn the_splitter_never_yields_a_packet_from_a_negative_vector() {
    for v in vectors().iter().filter(|v| v["valid"] == json!(false)) {
        let id = v["id"].as_str().unwrap_or("?");
        let mut s = FrameSplitter::new();
        for frame in s.feed(&wire(v)).flatten() {
            assert!(frame.decode().is_err(), "{id}: decoded");
        }
        s.finish();
    }
}

#[test]
fn the_splitter_finds_every_valid_frame_in_a_dirty_stream() {
    let valid: Vec<Vec<u8>> = vectors()
        .iter()
        .filter(|v| v["valid"] == json!(true))
        .map(wire)
        .collect();
    let mut stream = Vec::new();
    for (i, w) in valid.iter().enumerate() {
        match i % 4 {
            0 => stream.extend_from_slice(b"garbage"),
            1 => stream.extend_from_slice(&[0x7E, 0x01, 0x02, 0x7E]), // a bad short frame
            2 => stream.push(0x7E),                                   // doubled delimiter
            _ => {}
        }
        stream.extend_from_slice(w);
    }
    // Feed in awkward chunk sizes.
    for chunk in [1usize, 7, 64, 1500, stream.len()] {
        let mut s = FrameSplitter::new();
        let mut got = Vec::new();
        for part in stream.chunks(chunk) {
            for f in s.feed(part).flatten() {
                got.push(f.decode().expect("valid frame decodes"));
            }
        }
        assert!(s.finish().is_none());
        let want: Vec<Packet> = valid
            .iter()
            .map(|w| Packet::from_wire(w).expect("valid"))
            .collect();
        assert_eq!(got.len(), want.len(), "chunk {chunk}");
        assert_eq!(got, want, "chunk {chunk}");
    }
}

fn shared_candidates() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    vec![
        manifest.join("../../../shared/conformance/jt808/vectors.jsonl"),
        manifest.join("../../shared/conformance/jt808/vectors.jsonl"),
        PathBuf::from("/work/shared/conformance/jt808/vectors.jsonl"),
    ]
}

#[test]
fn vendored_vectors_are_identical_to_the_shared_copy() {
    let mut compared = 0;
    for path in shared_candidates() {
        if let Ok(shared) = std::fs::read(&path) {
            assert!(
                shared == VECTORS.as_bytes(),
                "tests/data/vectors.jsonl differs from {}: copy it again",
                path.display()
            );
            compared += 1;
        }
    }
    if compared == 0 {
        eprintln!("no shared/ copy of vectors.jsonl found; skipped the comparison");
    }
}
