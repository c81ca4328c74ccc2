//! Hand-built specifications of framing, header and error behaviour: what the splitter
//! reports where, how versions and encryption are handled, and what errors say.

use chrono::{NaiveDate, Timelike};
use tongtu_jt808::msg::{RegisterResponse, TextMessage};
use tongtu_jt808::*;

fn phone() -> Phone {
    Phone::from_digits("13912345678").expect("phone")
}

fn heartbeat(serial: u16) -> Vec<u8> {
    Packet::new(
        Header::new(0x0002, ProtocolVersion::V2013, phone(), serial),
        Message::Heartbeat,
    )
    .encode()
    .expect("encodes")
}

#[test]
fn garbage_between_frames_is_reported_with_its_offset_and_skipped() {
    let mut stream = b"xyz".to_vec();
    stream.extend(heartbeat(1));
    stream.extend(b"GARBAGE!");
    stream.extend(heartbeat(2));
    let mut s = FrameSplitter::new();
    let items: Vec<_> = s.feed(&stream).collect();
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[0],
        Err(FrameError {
            offset: 0,
            kind: FrameErrorKind::Garbage { len: 3 }
        })
    );
    assert_eq!(items[1].as_ref().map(|f| f.offset()), Ok(3));
    assert_eq!(
        items[2],
        Err(FrameError {
            offset: 3 + 15,
            kind: FrameErrorKind::Garbage { len: 8 }
        })
    );
    let p = items[3]
        .as_ref()
        .expect("second frame")
        .decode()
        .expect("decodes");
    assert_eq!(p.header.serial, 2);
}

#[test]
fn a_bad_checksum_frame_is_reported_and_the_next_frame_survives() {
    let mut bad = heartbeat(1);
    let n = bad.len();
    bad[n - 2] ^= 0xFF;
    let mut stream = bad.clone();
    stream.extend(heartbeat(2));
    let mut s = FrameSplitter::new();
    let items: Vec<_> = s.feed(&stream).collect();
    assert_eq!(items.len(), 2);
    match &items[0] {
        Err(FrameError {
            offset: 0,
            kind: FrameErrorKind::Invalid(e),
        }) => assert_eq!(e.kind(), ErrorKind::Checksum),
        other => panic!("expected a checksum error, got {other:?}"),
    }
    assert_eq!(items[1].as_ref().map(|f| f.offset()), Ok(bad.len() as u64));
}

#[test]
fn stray_delimiters_do_not_desynchronise_the_splitter() {
    // A lone 0x7E before the frame makes the splitter start one frame early: the
    // "frame" between it and the real opening delimiter fails and is re-used as an opening.
    let mut stream = vec![0x7E, 0x11, 0x22];
    stream.extend(heartbeat(1));
    stream.extend(heartbeat(2));
    let mut s = FrameSplitter::new();
    let ok: Vec<u16> = s
        .feed(&stream)
        .filter_map(|i| i.ok())
        .map(|f| f.decode().expect("decodes").header.serial)
        .collect();
    assert_eq!(ok, vec![1, 2]);
}

#[test]
fn frames_split_across_reads_and_escapes_split_across_reads_are_joined() {
    // Serial 0x7D7E forces escapes in the header.
    let w = Packet::new(
        Header::new(0x0002, ProtocolVersion::V2013, phone(), 0x7D7E),
        Message::Heartbeat,
    )
    .encode()
    .expect("encodes");
    assert!(w.windows(2).any(|p| p == [0x7D, 0x02]));
    let mut s = FrameSplitter::new();
    let mut got = Vec::new();
    for b in &w {
        for item in s.feed(std::slice::from_ref(b)) {
            got.push(item.expect("valid").into_owned());
        }
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].decode().expect("decodes").header.serial, 0x7D7E);
    assert_eq!(s.buffered(), 0);
}

#[test]
fn an_over_long_frame_is_dropped_and_memory_stays_bounded() {
    let mut s = FrameSplitter::with_max_frame_len(64);
    let mut stream = vec![0x7E];
    stream.extend(std::iter::repeat_n(0x55, 500));
    let items: Vec<_> = s.feed(&stream).collect();
    assert_eq!(
        items,
        vec![Err(FrameError {
            offset: 0,
            kind: FrameErrorKind::TooLong { max: 64 }
        })]
    );
    assert_eq!(s.buffered(), 0);
    // The rest of the long frame is skipped silently; the next frame is found.
    let mut more = vec![0x55; 10];
    more.extend(heartbeat(9));
    let items: Vec<_> = s.feed(&more).collect();
    let ok: Vec<_> = items.into_iter().filter_map(Result::ok).collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].offset(), 511);
}

#[test]
fn the_end_of_stream_inside_a_frame_is_reported() {
    let w = heartbeat(1);
    let mut s = FrameSplitter::new();
    assert_eq!(s.feed(&w[..6]).count(), 0);
    assert_eq!(
        s.finish(),
        Some(FrameError {
            offset: 0,
            kind: FrameErrorKind::Unterminated { len: 6 }
        })
    );
}

#[test]
fn escape_errors_name_the_offending_bytes() {
    let err = Packet::from_wire(&[0x7E, 0x00, 0x7D, 0x03, 0x7E]).expect_err("bad escape");
    assert_eq!(
        err,
        DecodeError::BadEscape {
            offset: 2,
            found: Some(0x03)
        }
    );
    assert_eq!(
        err.to_string(),
        "bad escape at byte 2: expected 0x7D 0x01 or 0x7D 0x02, found 0x7D 0x03"
    );
    let err = Packet::from_wire(&[0x7E, 0x00, 0x7D, 0x7E]).expect_err("bare escape");
    assert_eq!(
        err,
        DecodeError::BadEscape {
            offset: 2,
            found: None
        }
    );
}

#[test]
fn checksum_errors_say_expected_and_found() {
    let mut w = heartbeat(1);
    let n = w.len();
    let good = w[n - 2];
    w[n - 2] = good ^ 1;
    assert_eq!(
        Packet::from_wire(&w),
        Err(DecodeError::Checksum {
            offset: 12,
            expected: good,
            found: good ^ 1
        })
    );
}

#[test]
fn rsa_encrypted_bodies_are_reported_as_unsupported_but_the_header_still_decodes() {
    let mut h = Header::new(0x0200, ProtocolVersion::V2013, phone(), 5);
    h.encryption = Encryption::Rsa;
    let p = Packet::new(
        h,
        Message::Raw {
            msg_id: 0x0200,
            body: vec![1, 2, 3],
        },
    );
    let w = p.encode().expect("encodes");
    let err = Packet::from_wire(&w).expect_err("encrypted");
    assert_eq!(err, DecodeError::UnsupportedEncryption { flags: 1 });
    assert_eq!(err.kind(), ErrorKind::Encryption);
    let content = unframe(&w).expect("frame");
    let header = Header::decode(&content).expect("header");
    assert_eq!(header.encryption, Encryption::Rsa);
    assert_eq!(header.serial, 5);
}

#[test]
fn invalid_bcd_times_are_rejected_with_the_byte_offset() {
    let loc = Location {
        time: NaiveDate::from_ymd_opt(2024, 1, 2).and_then(|d| d.and_hms_opt(3, 4, 5)),
        ..Location::default()
    };
    let p = Packet::new(
        Header::new(0x0200, ProtocolVersion::V2013, phone(), 1),
        Message::Location(loc),
    );
    let mut c = p.encode_content().expect("encodes");
    // Body starts at 12; time at body offset 22; make the month nibble 0xA.
    c[12 + 23] = 0x1A;
    let n = c.len();
    c[n - 1] = checksum(&c[..n - 1]);
    assert_eq!(
        Packet::decode(&c),
        Err(DecodeError::InvalidBcd {
            what: "location time",
            offset: 35,
            found: 0x1A
        })
    );
    // 2024-13-02 is BCD-valid but not a date.
    c[12 + 23] = 0x13;
    c[n - 1] = checksum(&c[..n - 1]);
    assert_eq!(
        Packet::decode(&c).map_err(|e| e.kind()),
        Err(ErrorKind::Bcd)
    );
}

#[test]
fn an_all_zero_time_means_no_fix_yet() {
    let p = Packet::new(
        Header::new(0x0200, ProtocolVersion::V2013, phone(), 1),
        Message::Location(Location::default()),
    );
    let back = Packet::from_wire(&p.encode().expect("encodes")).expect("decodes");
    match back.message {
        Message::Location(l) => assert_eq!(l.time, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn device_time_is_utc_plus_eight() {
    let t = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(7, 0, 0))
        .expect("time");
    let loc = Location {
        time: Some(t),
        ..Location::default()
    };
    let utc = loc.time_utc().expect("time");
    assert_eq!(utc.hour(), 23);
    assert_eq!(utc_to_device_time(utc), t);
}

#[test]
fn southern_and_western_coordinates_are_negative() {
    let loc = Location {
        lat: 33_868_820,
        lon: 151_209_290,
        status: msg::STATUS_SOUTH,
        ..Location::default()
    };
    assert_eq!(loc.latitude_e6(), -33_868_820);
    assert_eq!(loc.longitude_e6(), 151_209_290);
    let loc = Location {
        status: msg::STATUS_WEST,
        lon: 1,
        ..Location::default()
    };
    assert_eq!(loc.longitude(), -0.000001);
}

#[test]
fn bad_gbk_text_is_an_error() {
    // 0x8300 text with a lone lead byte 0x81.
    let p = Packet::new(
        Header::new(0x8300, ProtocolVersion::V2013, phone(), 1),
        Message::Raw {
            msg_id: 0x8300,
            body: vec![0x01, b'a', 0x81],
        },
    );
    let err = Packet::from_wire(&p.encode().expect("encodes")).expect_err("bad text");
    assert_eq!(
        err,
        DecodeError::InvalidText {
            what: "text",
            offset: 13,
            len: 2
        }
    );
}

#[test]
fn a_body_length_that_disagrees_with_the_bytes_is_truncation() {
    let mut c = unframe(&heartbeat(1)).expect("frame").into_owned();
    c[3] = 4; // declare 4 body bytes, none present
    let n = c.len();
    c[n - 1] = checksum(&c[..n - 1]);
    let err = Packet::decode(&c).expect_err("mismatch");
    assert_eq!(
        err,
        DecodeError::LengthMismatch {
            what: "body length field",
            offset: 12,
            declared: 4,
            found: 0
        }
    );
    assert_eq!(err.kind(), ErrorKind::Truncated);
}

#[test]
fn a_forged_count_cannot_make_the_decoder_allocate() {
    // 0x0704 claiming 65535 items in a 3-byte body.
    let err =
        Message::decode(0x0704, ProtocolVersion::V2013, &[0xFF, 0xFF, 0x00]).expect_err("short");
    assert_eq!(err.kind(), ErrorKind::Truncated);
}

#[test]
fn replies_copy_phone_version_and_answer_the_request() {
    let to = Header::new(
        0x0200,
        ProtocolVersion::V2019(1),
        Phone::from_digits("12345678901234567890").expect("phone"),
        99,
    );
    let r = Packet::general_response(&to, 5, ResponseResult::Success);
    let back = Packet::from_wire(&r.encode().expect("encodes")).expect("decodes");
    assert_eq!(back.header.version, ProtocolVersion::V2019(1));
    assert_eq!(back.header.phone, to.phone);
    assert_eq!(
        back.message,
        Message::PlatformResponse(GeneralResponse {
            reply_serial: 99,
            reply_msg_id: 0x0200,
            result: 0
        })
    );
    let r = Packet::register_response(&to, 6, RegisterResult::NoSuchTerminal, "ignored");
    assert_eq!(
        r.message,
        Message::RegisterResponse(RegisterResponse {
            reply_serial: 99,
            result: 4,
            auth_code: None
        })
    );
}

#[test]
fn text_type_is_only_on_the_wire_in_2019() {
    let m = Message::Text(TextMessage {
        flag: 1,
        text_type: Some(2),
        text: "测试".into(),
    });
    let mut b13 = Vec::new();
    m.encode_body(ProtocolVersion::V2013, &mut b13)
        .expect("encodes");
    assert_eq!(b13, [0x01, 0xB2, 0xE2, 0xCA, 0xD4]);
    let mut b19 = Vec::new();
    m.encode_body(ProtocolVersion::V2019(1), &mut b19)
        .expect("encodes");
    assert_eq!(b19, [0x01, 0x02, 0xB2, 0xE2, 0xCA, 0xD4]);
}

#[test]
fn long_phones_need_a_2019_header() {
    let p = Phone::from_digits("12345678901234").expect("phone");
    let pk = Packet::new(
        Header::new(0x0002, ProtocolVersion::V2013, p, 1),
        Message::Heartbeat,
    );
    assert!(matches!(pk.encode(), Err(EncodeError::Phone(_))));
    assert_eq!(
        Phone::from_digits("013912345678").expect("phone").trimmed(),
        "13912345678"
    );
}

#[test]
fn oversized_bodies_are_refused_on_encode() {
    let pk = Packet::new(
        Header::new(0x0900, ProtocolVersion::V2013, phone(), 1),
        Message::Raw {
            msg_id: 0x0F01,
            body: vec![0; 1024],
        },
    );
    assert!(matches!(
        pk.encode(),
        Err(EncodeError::TooLong {
            len: 1024,
            max: 1023,
            ..
        })
    ));
}
