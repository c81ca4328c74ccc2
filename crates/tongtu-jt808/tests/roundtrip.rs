//! Property tests: for every message type and both header layouts (2013 6-byte phone,
//! 2019 10-byte phone), encoding a packet and decoding the wire bytes gives it back.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use tongtu_jt808::msg::*;
use tongtu_jt808::*;

fn cfg() -> ProptestConfig {
    ProptestConfig {
        // PROPTEST_CASES overrides (e.g. a long soak); the default keeps debug runs fast.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![
        Just(ProtocolVersion::V2013),
        any::<u8>().prop_map(ProtocolVersion::V2019)
    ]
}

fn phone_for(v: ProtocolVersion) -> BoxedStrategy<Phone> {
    if v.is_2019() {
        any::<[u8; 10]>()
            .prop_filter_map("10-byte phone", |b| Phone::from_bcd(&b))
            .boxed()
    } else {
        any::<[u8; 6]>()
            .prop_filter_map("6-byte phone", |b| Phone::from_bcd(&b))
            .boxed()
    }
}

/// GBK-encodable text of at most `max_chars` characters (two bytes each at worst).
fn text(max_chars: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!(
        "[a-zA-Z0-9 .;#@粤京测试苏沪结束车]{{0,{max_chars}}}"
    ))
    .expect("valid regex")
    .boxed()
}

fn nonempty_text(max_chars: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9粤京测试]{{1,{max_chars}}}"))
        .expect("valid regex")
        .boxed()
}

fn datetime() -> impl Strategy<Value = NaiveDateTime> {
    (
        2000i32..=2099,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(y, mo, d, h, mi, s)| {
            NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|d| d.and_hms_opt(h, mi, s))
                .expect("valid date")
        })
}

fn bcd_time() -> impl Strategy<Value = BcdTime> {
    vec(0u8..100, 6).prop_map(|v| {
        let mut b = [0u8; 6];
        for (o, x) in b.iter_mut().zip(v) {
            *o = ((x / 10) << 4) | (x % 10);
        }
        BcdTime(b)
    })
}

fn is_typed(id: u8, len: usize) -> bool {
    matches!(
        (id, len),
        (0x01, 4)
            | (0x02, 2)
            | (0x03, 2)
            | (0x04, 2)
            | (0x05, 30)
            | (0x06, 2)
            | (0x11, 1)
            | (0x11, 5)
            | (0x12, 6)
            | (0x13, 7)
            | (0x25, 4)
            | (0x2A, 2)
            | (0x2B, 4)
            | (0x30, 1)
            | (0x31, 1)
    )
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        any::<u32>().prop_map(Extra::Mileage),
        any::<u16>().prop_map(Extra::Fuel),
        any::<u16>().prop_map(Extra::RecorderSpeed),
        any::<u16>().prop_map(Extra::AlarmEventId),
        any::<[u8; 30]>().prop_map(Extra::TirePressure),
        any::<u16>().prop_map(Extra::CarriageTemperature),
        (any::<u8>(), option::of(any::<u32>())).prop_map(|(t, a)| Extra::Overspeed {
            location_type: t,
            area_id: a
        }),
        (any::<u8>(), any::<u32>(), any::<u8>()).prop_map(|(t, a, d)| Extra::AreaInOut {
            location_type: t,
            area_id: a,
            direction: d
        }),
        (any::<u32>(), any::<u16>(), any::<u8>()).prop_map(|(s, t, r)| Extra::RouteTime {
            segment_id: s,
            drive_time: t,
            result: r
        }),
        any::<u32>().prop_map(Extra::VehicleSignal),
        any::<u16>().prop_map(Extra::IoStatus),
        any::<u32>().prop_map(Extra::Analog),
        any::<u8>().prop_map(Extra::SignalStrength),
        any::<u8>().prop_map(Extra::Satellites),
        (any::<u8>(), vec(any::<u8>(), 0..40))
            .prop_filter("raw must not look typed", |(id, d)| !is_typed(*id, d.len()))
            .prop_map(|(id, data)| Extra::Raw { id, data }),
    ]
}

fn location_with(extras: bool) -> impl Strategy<Value = Location> {
    let n = if extras { 6 } else { 0 };
    (
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
        (any::<u16>(), any::<u16>(), 0u16..360),
        option::of(datetime()),
        vec(extra(), 0..=n),
        any::<bool>(),
    )
        .prop_map(
            move |(
                (alarm, status, lat, lon),
                (altitude, speed, direction),
                time,
                extras_v,
                tail,
            )| Location {
                alarm,
                status,
                lat,
                lon,
                altitude,
                speed,
                direction,
                time,
                // A declared length that overruns the body is kept as the malformed tail.
                malformed_tail: if tail && extras {
                    vec![0xFB, 0x05, 0x01]
                } else {
                    Vec::new()
                },
                extras: extras_v,
            },
        )
}

fn location() -> impl Strategy<Value = Location> {
    location_with(true)
}

fn param() -> impl Strategy<Value = Param> {
    prop_oneof![
        (
            prop_oneof![Just(0x0001u32), Just(0x0029), Just(0x0055), Just(0x0080)],
            any::<u32>()
        )
            .prop_map(|(id, v)| Param {
                id,
                value: ParamValue::Dword(v)
            }),
        (
            prop_oneof![Just(0x0031u32), Just(0x0081), Just(0x0082)],
            any::<u16>()
        )
            .prop_map(|(id, v)| Param {
                id,
                value: ParamValue::Word(v)
            }),
        (Just(0x0084u32), any::<u8>()).prop_map(|(id, v)| Param {
            id,
            value: ParamValue::Byte(v)
        }),
        (prop_oneof![Just(0x0013u32), Just(0x0083)], text(20)).prop_map(|(id, s)| Param {
            id,
            value: ParamValue::Text(s)
        }),
        (0xF000u32..0xFFFF, vec(any::<u8>(), 0..20)).prop_map(|(id, b)| Param {
            id,
            value: ParamValue::Raw(b)
        }),
        // A known DWORD id with the wrong length stays raw.
        vec(any::<u8>(), 5..8).prop_map(|b| Param {
            id: 0x0001,
            value: ParamValue::Raw(b)
        }),
    ]
}

fn speed_limit(v: ProtocolVersion) -> impl Strategy<Value = SpeedLimit> {
    let v19 = v.is_2019();
    (any::<u16>(), any::<u8>(), any::<u16>()).prop_map(move |(m, d, n)| SpeedLimit {
        max_speed: m,
        duration: d,
        night_max_speed: v19.then_some(n),
    })
}

fn window() -> impl Strategy<Value = TimeWindow> {
    (bcd_time(), bcd_time()).prop_map(|(start, end)| TimeWindow { start, end })
}

fn area_name(v: ProtocolVersion) -> BoxedStrategy<String> {
    if v.is_2019() {
        text(10)
    } else {
        Just(String::new()).boxed()
    }
}

/// Attribute word whose bits 0/1 agree with the optional fields.
fn attrs(a: u16, w: bool, s: bool) -> u16 {
    (a & !3) | u16::from(w) | (u16::from(s) << 1)
}

fn ids() -> impl Strategy<Value = Vec<u32>> {
    vec(any::<u32>(), 0..8)
}

fn message(v: ProtocolVersion) -> BoxedStrategy<Message> {
    let v19 = v.is_2019();
    let widths = if v19 { (11, 30, 30) } else { (5, 20, 7) };
    let general =
        (any::<u16>(), any::<u16>(), any::<u8>()).prop_map(|(s, id, r)| GeneralResponse {
            reply_serial: s,
            reply_msg_id: id,
            result: r,
        });
    let simple = prop_oneof![
        general.clone().prop_map(Message::TerminalResponse),
        general.prop_map(Message::PlatformResponse),
        Just(Message::Heartbeat),
        Just(Message::Logout),
        Just(Message::QueryAllParams),
        Just(Message::QueryLocation),
        (any::<u8>(), any::<u8>()).prop_map(|(t, r)| Message::UpgradeResult(UpgradeResult {
            upgrade_type: t,
            result: r
        })),
        vec(any::<u8>(), 0..50).prop_map(|data| Message::Waybill(Waybill { data })),
        (any::<u8>(), vec(any::<u8>(), 0..50))
            .prop_map(|(kind, data)| Message::Passthrough(Passthrough { kind, data })),
        (
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>()
        )
            .prop_map(|(id, t, f, e, c)| Message::MediaEvent(MediaEvent {
                media_id: id,
                media_type: t,
                media_format: f,
                event: e,
                channel: c
            })),
        (
            any::<u16>(),
            any::<u8>(),
            option::of(vec(any::<u32>(), 0..6))
        )
            .prop_map(|(s, r, ids)| {
                Message::ShootResponse(ShootResponse {
                    reply_serial: s,
                    result: r,
                    media_ids: ids,
                })
            }),
        (any::<u16>(), vec(any::<u16>(), 0..10)).prop_map(|(s, ids)| {
            Message::ResendRequest(ResendRequest {
                original_serial: s,
                ids,
            })
        }),
        (any::<u16>(), any::<u8>(), option::of(nonempty_text(20))).prop_map(|(s, r, c)| {
            Message::RegisterResponse(RegisterResponse {
                reply_serial: s,
                result: r,
                auth_code: c,
            })
        }),
        (any::<u8>(), text(30)).prop_map(|(command, params)| {
            Message::TerminalControl(TerminalControl { command, params })
        }),
        (any::<u16>(), option::of(any::<u32>())).prop_map(|(interval, validity)| {
            Message::TrackingControl(TrackingControl { interval, validity })
        }),
        (any::<u8>(), any::<u8>(), text(40)).prop_map(move |(flag, tt, text)| {
            Message::Text(TextMessage {
                flag,
                text_type: v19.then_some(tt),
                text,
            })
        }),
        (any::<u8>(), any::<u16>(), vec(any::<u8>(), 0..12)).prop_map(move |(f, n, data)| {
            Message::VehicleControl(if v19 {
                VehicleControl::Commands { count: n, data }
            } else {
                VehicleControl::Flags(f)
            })
        }),
        ids().prop_map(|ids| Message::DeleteCircleAreas(DeleteAreas { ids })),
        ids().prop_map(|ids| Message::DeleteRectangleAreas(DeleteAreas { ids })),
        ids().prop_map(|ids| Message::DeletePolygonAreas(DeleteAreas { ids })),
        ids().prop_map(|ids| Message::DeleteRoutes(DeleteAreas { ids })),
        ids().prop_map(|ids| Message::QueryParams(QueryParams { ids })),
        (any::<u8>(), any::<u16>(), any::<u16>(), any::<[u8; 8]>()).prop_map(
            |(channel, command, interval, s)| Message::ShootNow(ShootCommand {
                channel,
                command,
                interval,
                save: s[0],
                resolution: s[1],
                quality: s[2],
                brightness: s[3],
                contrast: s[4],
                saturation: s[5],
                chroma: s[6],
            })
        ),
        (any::<[u8; 3]>(), bcd_time(), bcd_time()).prop_map(|(b, start, end)| {
            Message::MediaSearch(MediaSearch {
                media_type: b[0],
                channel: b[1],
                event: b[2],
                start,
                end,
            })
        }),
        // Ids this codec does not model come back as raw bodies.
        (0x0F00u16..0x0FFF, vec(any::<u8>(), 0..60))
            .prop_map(|(msg_id, body)| Message::Raw { msg_id, body }),
    ];
    let rich = prop_oneof![
        (
            any::<u16>(),
            any::<u16>(),
            text(widths.0 / 2),
            text(widths.1 / 2),
            text(widths.2 / 2),
            any::<u8>(),
            text(8)
        )
            .prop_map(|(p, c, m, t, i, col, plate)| Message::Register(Register {
                province_id: p,
                city_id: c,
                manufacturer_id: m,
                terminal_model: t,
                terminal_id: i,
                plate_color: col,
                plate,
            })),
        (
            text(20),
            proptest::string::string_regex("[0-9]{0,15}").expect("regex"),
            text(10)
        )
            .prop_map(move |(auth_code, imei, sw)| Message::Auth(Auth {
                auth_code,
                imei: if v19 { imei } else { String::new() },
                software_version: if v19 { sw } else { String::new() },
            })),
        (any::<u16>(), vec(param(), 0..8)).prop_map(|(s, params)| Message::ParamsResponse(
            ParamsResponse {
                reply_serial: s,
                params
            }
        )),
        vec(param(), 0..8).prop_map(|params| Message::SetParams(SetParams { params })),
        (
            any::<u16>(),
            text(widths.0 / 2),
            text(widths.1 / 2),
            text(widths.2 / 2),
            any::<[u8; 10]>(),
            text(10),
            text(10),
            any::<[u8; 2]>()
        )
            .prop_map(
                |(ty, m, t, i, iccid, hw, fw, g)| Message::Attributes(Attributes {
                    terminal_type: ty,
                    manufacturer_id: m,
                    terminal_model: t,
                    terminal_id: i,
                    iccid,
                    hardware_version: hw,
                    firmware_version: fw,
                    gnss: g[0],
                    comm: g[1],
                })
            ),
        location().prop_map(Message::Location),
        (any::<u16>(), location()).prop_map(|(s, l)| Message::LocationResponse(LocationResponse {
            reply_serial: s,
            location: l
        })),
        (any::<u16>(), location()).prop_map(|(s, l)| Message::VehicleControlResponse(
            LocationResponse {
                reply_serial: s,
                location: l
            }
        )),
        (any::<u8>(), vec(location(), 0..4)).prop_map(|(t, items)| Message::LocationBatch(
            LocationBatch {
                batch_type: t,
                items
            }
        )),
        (
            0u32..24,
            0u32..60,
            0u32..60,
            0u32..1000,
            vec(any::<(u32, [u8; 8])>(), 0..6)
        )
            .prop_map(|(h, m, s, ms, items)| Message::CanData(CanData {
                receive_time: NaiveTime::from_hms_milli_opt(h, m, s, ms).expect("valid time"),
                items: items
                    .into_iter()
                    .map(|(id_word, data)| CanItem { id_word, data })
                    .collect(),
            })),
        (
            any::<(u32, u8, u8, u8, u8)>(),
            location_with(false),
            vec(any::<u8>(), 0..80)
        )
            .prop_map(|((id, t, f, e, c), location, data)| Message::MediaUpload(
                MediaUpload {
                    event: MediaEvent {
                        media_id: id,
                        media_type: t,
                        media_format: f,
                        event: e,
                        channel: c
                    },
                    location,
                    data,
                }
            )),
        driver(v).prop_map(Message::DriverIdentity),
        areas(v),
    ];
    prop_oneof![simple, rich].boxed()
}

fn driver(v: ProtocolVersion) -> impl Strategy<Value = DriverIdentity> {
    let v19 = v.is_2019();
    let details = (
        text(5),
        text(10),
        text(8),
        option::of((2000i32..2100, 1u32..=12, 1u32..=28)),
        text(10),
    )
        .prop_map(
            move |(name, certificate, authority, exp, id)| DriverDetails {
                name,
                certificate,
                authority,
                expiry: exp.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
                id_card: v19.then_some(id),
            },
        );
    (
        any::<u8>(),
        option::of(datetime()),
        option::of((any::<u8>(), option::of(details))),
    )
        .prop_map(|(status, time, card)| DriverIdentity {
            status,
            time,
            card: card.map(|(read_result, details)| DriverCard {
                read_result,
                details,
            }),
        })
}

fn areas(v: ProtocolVersion) -> BoxedStrategy<Message> {
    let circle = (
        any::<(u32, u16, u32, u32, u32)>(),
        option::of(window()),
        option::of(speed_limit(v)),
        area_name(v),
    )
        .prop_map(|((id, a, lat, lon, radius), w, s, name)| CircleArea {
            id,
            attributes: attrs(a, w.is_some(), s.is_some()),
            center_lat: lat,
            center_lon: lon,
            radius,
            window: w,
            speed_limit: s,
            name,
        });
    let rect = (
        any::<(u32, u16, u32, u32, u32, u32)>(),
        option::of(window()),
        option::of(speed_limit(v)),
        area_name(v),
    )
        .prop_map(|((id, a, t, l, b, r), w, s, name)| RectangleArea {
            id,
            attributes: attrs(a, w.is_some(), s.is_some()),
            top_lat: t,
            left_lon: l,
            bottom_lat: b,
            right_lon: r,
            window: w,
            speed_limit: s,
            name,
        });
    let polygon = (
        any::<(u32, u16)>(),
        option::of(window()),
        option::of(speed_limit(v)),
        vec(any::<(u32, u32)>(), 0..10),
        area_name(v),
    )
        .prop_map(|((id, a), w, s, vertices, name)| PolygonArea {
            id,
            attributes: attrs(a, w.is_some(), s.is_some()),
            window: w,
            speed_limit: s,
            vertices,
            name,
        });
    let point = (
        any::<(u32, u32, u32, u32, u8, u8)>(),
        option::of(any::<(u16, u16)>()),
        option::of(speed_limit(v)),
    )
        .prop_map(|((pid, sid, lat, lon, width, a), dt, s)| RoutePoint {
            point_id: pid,
            segment_id: sid,
            lat,
            lon,
            width,
            attributes: (a & !3) | u8::from(dt.is_some()) | (u8::from(s.is_some()) << 1),
            drive_time: dt,
            speed_limit: s,
        });
    let route = (
        any::<(u32, u16)>(),
        option::of(window()),
        vec(point, 0..5),
        area_name(v),
    )
        .prop_map(|((id, a), w, points, name)| Route {
            id,
            attributes: (a & !1) | u16::from(w.is_some()),
            window: w,
            points,
            name,
        });
    prop_oneof![
        (any::<u8>(), vec(circle, 0..4))
            .prop_map(|(action, areas)| Message::SetCircleAreas(SetCircleAreas { action, areas })),
        (any::<u8>(), vec(rect, 0..4)).prop_map(|(action, areas)| Message::SetRectangleAreas(
            SetRectangleAreas { action, areas }
        )),
        polygon.prop_map(Message::SetPolygonArea),
        route.prop_map(Message::SetRoute),
    ]
    .boxed()
}

fn packet() -> impl Strategy<Value = Packet> {
    version().prop_flat_map(|v| {
        (phone_for(v), any::<u16>(), message(v)).prop_map(move |(phone, serial, message)| {
            Packet::new(Header::new(message.msg_id(), v, phone, serial), message)
        })
    })
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn any_packet_survives_encode_then_decode(p in packet()) {
        let wire = match p.encode() {
            Ok(w) => w,
            // Bodies over 1023 bytes must be split; that is not what this test is about.
            Err(EncodeError::TooLong { what, .. }) if what.starts_with("message body") => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("encode failed: {e}"))),
        };
        let back = Packet::from_wire(&wire).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(back, p);
    }

    #[test]
    fn location_reports_survive_in_both_header_layouts(v in version(), loc in location(), serial in any::<u16>()) {
        let phone = if v.is_2019() {
            Phone::from_digits("12345678901234567890")
        } else {
            Phone::from_digits("013912345678")
        }.map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let p = Packet::new(Header::new(0x0200, v, phone, serial), Message::Location(loc));
        let back = Packet::from_wire(&p.encode().map_err(|e| TestCaseError::fail(format!("{e}")))?)
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(back, p);
    }

    #[test]
    fn registrations_survive_in_all_three_layouts(
        which in 0u8..3,
        p in any::<(u16, u16, u8)>(),
        m in text(2), t in text(4), i in text(3), plate in text(5),
    ) {
        let v = [ProtocolVersion::V2011, ProtocolVersion::V2013, ProtocolVersion::V2019(1)][which as usize];
        let phone = Phone::from_bcd(if v.is_2019() { &[1u8; 10][..] } else { &[1u8; 6][..] })
            .ok_or_else(|| TestCaseError::fail("phone"))?;
        let reg = Register {
            province_id: p.0, city_id: p.1, manufacturer_id: m, terminal_model: t,
            terminal_id: i, plate_color: p.2, plate,
        };
        let pk = Packet::new(Header::new(0x0100, v, phone, 1), Message::Register(reg));
        let back = Packet::from_wire(&pk.encode().map_err(|e| TestCaseError::fail(format!("{e}")))?)
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(back, pk);
    }

    #[test]
    fn subpackage_fragments_survive_in_both_header_layouts(
        v in version(), total in 1u16..100, index in 1u16..100, body in vec(any::<u8>(), 0..300),
        serial in any::<u16>(),
    ) {
        let phone = Phone::from_bcd(if v.is_2019() { &[0x12u8; 10][..] } else { &[0x12u8; 6][..] })
            .ok_or_else(|| TestCaseError::fail("phone"))?;
        let mut h = Header::new(0x0801, v, phone, serial);
        h.subpackage = Some(Subpackage { total, index });
        let p = Packet::new(h, Message::Raw { msg_id: 0x0801, body });
        let back = Packet::from_wire(&p.encode().map_err(|e| TestCaseError::fail(format!("{e}")))?)
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(back, p);
    }

    #[test]
    fn escaping_then_unescaping_is_the_identity(content in vec(prop_oneof![Just(0x7Eu8), Just(0x7D), any::<u8>()], 0..200)) {
        let mut wire = Vec::new();
        escape_into(&content, &mut wire);
        prop_assert_eq!(wire.iter().filter(|&&b| b == 0x7E).count(), 2);
        let back = unframe(&wire).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&back[..], &content[..]);
    }
}
