//! The gateway over real TCP on loopback: lifecycle, durable acks, batches, subpackages
//! with 0x8003, bad input between good frames, disconnects, reconnects, downlinks, feed.

mod common;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::*;
use tongtu_gateway::{DownlinkReply, FeedEvent, GatewayConfig};
use tongtu_jt808::msg::{Location, Param, ParamValue};
use tongtu_jt808::{checksum, escape_into, unframe, Message};
use tongtu_sim::terminal::{location, SplitOptions, TerminalError};
use tongtu_track::flags;

fn at(min: u32, sec: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, min, sec)
        .single()
        .expect("time")
}

fn fix(i: u32) -> Location {
    location(
        21.85 + f64::from(i) * 1e-4,
        111.97,
        40.0,
        90,
        at(i / 60, i % 60),
    )
}

async fn full_lifecycle(phone: &str, version: &str, vehicle: u32) {
    let env = start(GatewayConfig::default()).await;
    let mut feed = env.gw().handle().subscribe();
    let mut t = env.terminal(phone, version).await;
    let reg = t.register().await.expect("register");
    assert_eq!(reg.result, 0);
    let code = reg.auth_code.expect("auth code");
    // A terminal that lost the 0x8100 registers again and gets the same code.
    assert_eq!(
        t.register().await.expect("register again").auth_code,
        Some(code.clone())
    );
    t.authenticate(&code).await.expect("authenticate");
    assert_eq!(t.heartbeat().await.expect("heartbeat"), 0);

    // One 0x0200: acknowledged only after the durable write, so it is in the store now.
    let s = t.send_location(&fix(0)).await.expect("send");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
    let stored = env.track(vehicle);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].lat, 21_850_000);
    assert_eq!(stored[0].device_time_ms, at(0, 0).timestamp_millis());
    assert!(stored[0].receive_time_ms >= stored[0].device_time_ms);
    assert_eq!(
        stored[0].flags,
        flags::GNSS_VALID | flags::HAS_MILEAGE | flags::HAS_SATELLITES
    );

    // 0x0704 normal and blind-area supplementary.
    let s = t
        .send_batch(0, &[fix(1), fix(2), fix(3)])
        .await
        .expect("batch");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
    let s = t.send_batch(1, &[fix(4), fix(5)]).await.expect("batch");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);

    // A 40-item batch in ~100-byte fragments with fragment 2 lost: the gateway asks for it
    // with 0x8003, the terminal resends it, and the fragment that completes the message is
    // acknowledged once the whole batch is durable.
    let items: Vec<Location> = (6..46).map(fix).collect();
    let opts = SplitOptions {
        fragment_body: 100,
        withhold: vec![2],
    };
    let serials = t.send_batch_split(0, &items, &opts).await.expect("split");
    assert!(serials.len() > 10, "{} fragments", serials.len());
    assert_eq!(
        t.wait_ack(serials[1])
            .await
            .expect("ack of the resent fragment"),
        0
    );
    assert!(t.resend_requests() >= 1, "no 0x8003 received");
    for s in &serials {
        assert_eq!(t.take_ack(*s).unwrap_or(0), 0);
    }

    let stored = env.track(vehicle);
    assert_eq!(stored.len(), 46);
    let batch: Vec<_> = stored
        .iter()
        .filter(|p| p.flags & flags::FROM_BATCH != 0)
        .collect();
    assert_eq!(batch.len(), 45);
    let supplementary: Vec<_> = stored.iter().filter(|p| p.supplementary()).collect();
    assert_eq!(supplementary.len(), 2);
    assert_eq!(supplementary[0].device_time_ms, at(0, 4).timestamp_millis());
    assert_eq!(
        env.metric("jt808_reassemblies_total{kind=\"completed\"}"),
        1.0
    );

    // The feed saw the terminal come online and every durable position.
    let mut positions = 0;
    let mut online = false;
    while positions < 46 {
        match tokio::time::timeout(Duration::from_secs(5), feed.recv()).await {
            Ok(Some(FeedEvent::Online { vehicle: v, .. })) => {
                assert_eq!(v.vehicle_id, vehicle);
                online = true;
            }
            Ok(Some(FeedEvent::Positions {
                vehicle: v,
                positions: p,
            })) => {
                assert_eq!(&*v.phone, phone);
                assert!(v.plate.starts_with("粤Q"));
                positions += p.len();
            }
            other => panic!("feed: {other:?}"),
        }
    }
    assert!(online);
    assert_eq!(t.logout().await.expect("logout"), 0);
    assert!(matches!(
        t.poll(Duration::from_secs(2)).await,
        Err(TerminalError::Closed)
    ));
    env.stop().await;
}

#[tokio::test]
async fn terminal_2013_registers_authenticates_and_every_kind_of_position_is_stored() {
    full_lifecycle(P2013, "2013", 1).await;
}

#[tokio::test]
async fn terminal_2019_registers_authenticates_and_every_kind_of_position_is_stored() {
    full_lifecycle(P2019, "2019", 2).await;
}

#[tokio::test]
async fn wrong_auth_code_is_refused_and_repeated_attempts_disconnect() {
    let env = start(GatewayConfig::default()).await;
    let mut t = env.terminal(P2013, "2013").await;
    assert_eq!(t.register().await.expect("register").result, 0);
    assert!(matches!(
        t.authenticate("not-the-code").await,
        Err(TerminalError::Refused(1))
    ));
    // Not online: a position is refused, not stored.
    let s = t.send_location(&fix(0)).await.expect("send");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 1);
    assert!(env.track(1).is_empty());
    let mut closed = false;
    for _ in 0..10 {
        match t.authenticate("still-wrong").await {
            Err(TerminalError::Refused(1)) => {}
            Err(TerminalError::Closed) | Err(TerminalError::Io(_)) => {
                closed = true;
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(closed, "connection stayed open after repeated failures");
    assert!(env.metric("jt808_logins_total{kind=\"auth_failed\"}") >= 2.0);
    env.stop().await;
}

#[tokio::test]
async fn unknown_inactive_and_unbound_terminals_get_the_right_register_results() {
    let env = start(GatewayConfig::default()).await;
    for (phone, expected) in [("013999999999", 4), (P_INACTIVE, 4), (P_NO_VEHICLE, 2)] {
        let mut t = env.terminal(phone, "2013").await;
        let o = t.register().await.expect("register");
        assert_eq!((o.result, o.auth_code), (expected, None), "{phone}");
        assert!(matches!(
            t.authenticate("x").await,
            Err(TerminalError::Refused(1))
        ));
    }
    // A known terminal id behind an unknown SIM: "terminal already registered".
    let mut cfg = tongtu_sim::terminal::TerminalConfig::new("013888888888");
    cfg.terminal_id = "T000001".into();
    let mut t = tongtu_sim::terminal::Terminal::connect(env.addr, cfg)
        .await
        .expect("connect");
    assert_eq!(t.register().await.expect("register").result, 3);
    env.stop().await;
}

/// A location frame with a corrupted checksum byte.
fn bad_checksum(wire: &[u8]) -> Vec<u8> {
    let mut w = wire.to_vec();
    let n = w.len();
    w[n - 2] ^= 0x55;
    if w[n - 2] == 0x7E || w[n - 2] == 0x7D {
        w[n - 2] ^= 0x01;
    }
    w
}

/// A frame with an invalid escape sequence (0x7D 0x03) in the body.
fn bad_escape(wire: &[u8]) -> Vec<u8> {
    let mut w = wire.to_vec();
    w.insert(5, 0x7D);
    w.insert(6, 0x03);
    w
}

#[tokio::test]
async fn garbage_bad_checksums_and_bad_escapes_between_good_frames_still_ack_the_good_ones() {
    let env = start(GatewayConfig::default()).await;
    let mut t = env.online(P2013, "2013").await;
    let mut wire = b"GET / HTTP/1.1\r\n\r\n".to_vec();
    let mut good = Vec::new();
    for i in 0..3 {
        let (s, w) = t.encode(Message::Location(fix(i))).expect("encode");
        wire.extend_from_slice(&w);
        good.push(s);
        let (_, w) = t.encode(Message::Location(fix(100 + i))).expect("encode");
        wire.extend_from_slice(&match i {
            0 => bad_checksum(&w),
            1 => bad_escape(&w),
            _ => b"\x00\x01junk".to_vec(),
        });
    }
    t.send_raw(&wire).await.expect("send");
    for s in good {
        assert_eq!(t.wait_ack(s).await.expect("good frame acked"), 0);
    }
    assert_eq!(env.track(1).len(), 3);
    assert!(env.metric("jt808_decode_errors_total{kind=\"garbage\"}") >= 2.0);
    assert_eq!(
        env.metric("jt808_decode_errors_total{kind=\"checksum\"}"),
        1.0
    );
    assert_eq!(
        env.metric("jt808_decode_errors_total{kind=\"escape\"}"),
        1.0
    );
    // Still connected and online.
    assert_eq!(t.heartbeat().await.expect("heartbeat"), 0);
    env.stop().await;
}

#[tokio::test]
async fn a_position_with_an_impossible_device_time_is_kept_and_flagged() {
    let env = start(GatewayConfig::default()).await;
    let mut t = env.online(P2013, "2013").await;
    let mut loc = fix(0);
    loc.time = None;
    let (s, wire) = t.encode(Message::Location(loc)).expect("encode");
    // Put month 13 in the time (body offset 22..28, header 12 bytes), fix the checksum.
    let mut content = unframe(&wire).expect("unframe").into_owned();
    content[12 + 22..12 + 28].copy_from_slice(&[0x26, 0x13, 0x01, 0x00, 0x00, 0x00]);
    let n = content.len();
    content[n - 1] = checksum(&content[..n - 1]);
    let mut framed = Vec::new();
    escape_into(&content, &mut framed);
    t.send_raw(&framed).await.expect("send");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
    let p = env.track(1);
    assert_eq!(p.len(), 1);
    assert!(p[0].flags & flags::NO_DEVICE_TIME != 0);
    assert_eq!(p[0].device_time_ms, p[0].receive_time_ms);
    env.stop().await;
}

#[tokio::test]
async fn half_a_frame_then_disconnect_leaves_nothing_behind() {
    let env = start(GatewayConfig::default()).await;
    let mut t = env.online(P2013, "2013").await;
    let (_, w) = t.encode(Message::Location(fix(0))).expect("encode");
    t.send_raw(&w[..w.len() / 2]).await.expect("send");
    drop(t);
    let h = env.gw().handle();
    eventually("session gone", || {
        env.gw().connections() == 0 && h.online_count() == 0
    })
    .await;
    assert_eq!(
        env.metric("jt808_decode_errors_total{kind=\"unterminated\"}"),
        1.0
    );
    assert!(env.track(1).is_empty());
    assert_eq!(env.metric("jt808_connections{kind=\"authenticated\"}"), 0.0);
    env.stop().await;
}

#[tokio::test]
async fn a_reconnecting_terminal_replaces_its_old_session() {
    let env = start(GatewayConfig::default()).await;
    let mut old = env.online(P2013, "2013").await;
    let mut new = env.terminal(P2013, "2013").await;
    // Same auth code as before: the directory keeps it.
    new.login(None).await.expect("login again");
    assert!(matches!(
        old.poll(Duration::from_secs(3)).await,
        Err(TerminalError::Closed)
    ));
    let h = env.gw().handle();
    assert_eq!(h.online_count(), 1);
    let s = new.send_location(&fix(0)).await.expect("send");
    assert_eq!(new.wait_ack(s).await.expect("ack"), 0);
    assert_eq!(
        env.metric("jt808_disconnects_total{kind=\"replaced\"}"),
        1.0
    );
    assert_eq!(env.metric("jt808_connections{kind=\"authenticated\"}"), 1.0);
    env.stop().await;
}

#[tokio::test]
async fn downlink_text_query_and_parameters_are_answered_by_the_terminal() {
    let env = start(GatewayConfig::default()).await;
    let mut t = env.online(P2019, "2019").await;
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let term = tokio::spawn(async move {
        loop {
            if stop_rx.try_recv().is_ok() {
                return t;
            }
            t.poll(Duration::from_millis(50))
                .await
                .expect("terminal poll");
        }
    });
    let h = env.gw().handle();
    let r = h
        .send_text(P2019, "前方道路施工，请减速慢行", 0x08, "tester")
        .await;
    assert_eq!(r, Ok(DownlinkReply::Ack { result: 0 }));
    match h.query_location(P2019, "tester").await {
        Ok(DownlinkReply::Location(p)) => {
            assert_eq!(p.vehicle_id, 2);
            assert!(p.flags & flags::FROM_QUERY != 0);
        }
        other => panic!("{other:?}"),
    }
    let params = vec![Param {
        id: 0x0029,
        value: ParamValue::Dword(15),
    }];
    assert_eq!(
        h.set_params(P2019, params.clone(), "tester").await,
        Ok(DownlinkReply::Ack { result: 0 })
    );
    assert_eq!(
        h.query_params(P2019, &[0x0029], "tester").await,
        Ok(DownlinkReply::Params(params))
    );
    assert_eq!(
        h.control(P2019, 4, "", "tester").await,
        Ok(DownlinkReply::Ack { result: 0 })
    );
    assert!(matches!(
        h.send_text("013000000000", "x", 0, "tester").await,
        Err(tongtu_gateway::DownlinkError::Offline(_))
    ));
    let _ = stop_tx.send(());
    let mut t = term.await.expect("terminal task");
    let texts: Vec<String> = t
        .take_downlinks()
        .into_iter()
        .filter_map(|p| match p.message {
            Message::Text(m) => Some(m.text),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec!["前方道路施工，请减速慢行".to_string()]);
    // The 0x0201 answer was stored as a query position.
    eventually("query position stored", || {
        env.track(2)
            .iter()
            .any(|p| p.flags & flags::FROM_QUERY != 0)
    })
    .await;
    assert_eq!(env.metric("jt808_downlinks_total{kind=\"answered\"}"), 5.0);
    env.stop().await;
}

#[tokio::test]
async fn slowloris_and_silent_connections_are_closed_by_the_idle_timeout() {
    let cfg = GatewayConfig {
        idle_timeout: Duration::from_millis(500),
        auth_timeout: Duration::from_millis(300),
        ..GatewayConfig::default()
    };
    let env = start(cfg).await;
    let mut drip = env.online(P2013, "2013").await;
    let (_, w) = drip.encode(Message::Heartbeat).expect("encode");
    // One byte every 100 ms never completes a frame, so it never counts as activity.
    let mut closed = false;
    for b in w.iter().cycle().take(40) {
        if drip.send_raw(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        closed
            || matches!(
                drip.poll(Duration::from_secs(1)).await,
                Err(TerminalError::Closed)
            )
    );
    let mut silent = env.terminal(P2019, "2019").await;
    assert!(matches!(
        silent.poll(Duration::from_secs(3)).await,
        Err(TerminalError::Closed)
    ));
    assert!(env.metric("jt808_disconnects_total{kind=\"idle\"}") >= 1.0);
    assert!(env.metric("jt808_disconnects_total{kind=\"auth_timeout\"}") >= 1.0);
    env.stop().await;
}

#[tokio::test]
async fn a_slow_feed_subscriber_lags_and_is_counted_without_blocking_ingestion() {
    let cfg = GatewayConfig {
        feed_capacity: 16,
        ..GatewayConfig::default()
    };
    let env = start(cfg).await;
    let mut slow = env.gw().handle().subscribe();
    let mut t = env.online(P2013, "2013").await;
    for i in 0..100 {
        let s = t.send_location(&fix(i)).await.expect("send");
        assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
    }
    assert_eq!(env.track(1).len(), 100);
    let _ = slow.recv().await;
    assert!(slow.missed() > 0);
    assert!(env.metric("jt808_feed_lagged_events_total") > 0.0);
    env.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_acknowledges_what_is_durable_and_closes_sessions() {
    let mut env = start(GatewayConfig::default()).await;
    let mut t = env.online(P2013, "2013").await;
    let mut serials = Vec::new();
    for i in 0..20 {
        serials.push(
            t.send_batch(0, &[fix(2 * i), fix(2 * i + 1)])
                .await
                .expect("send"),
        );
    }
    // Give the gateway a moment to read the frames, then shut it down mid-stream.
    tokio::time::sleep(Duration::from_millis(50)).await;
    env.gw.take().expect("gateway").shutdown().await;
    let mut acked = 0;
    for s in serials {
        match t.wait_ack(s).await {
            Ok(0) => acked += 1,
            Ok(r) => panic!("result {r}"),
            Err(_) => break,
        }
    }
    assert_eq!(
        acked, 20,
        "frames read before shutdown are acknowledged once durable"
    );
    assert_eq!(env.track(1).len(), 40);
    assert!(matches!(
        t.poll(Duration::from_secs(1)).await,
        Err(TerminalError::Closed)
    ));
    env.stop().await;
}
