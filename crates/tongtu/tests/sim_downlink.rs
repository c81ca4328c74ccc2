//! The simulator's vehicles are real terminals: a downlink text sent through the gateway
//! reaches a simulated vehicle, its 0x0001 answer comes back to the caller, and a position
//! query is answered with a fix that the gateway stores.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tongtu_gateway::{
    DownlinkReply, Gateway, GatewayConfig, GatewayMetrics, MemoryDirectory, TerminalInfo,
};
use tongtu_sim::runner::{self, RunnerConfig};
use tongtu_sim::{clock::SimClock, scenario::ScenarioLog, vehicle::SimConfig};
use tongtu_track::{TrackConfig, TrackStore};

#[tokio::test]
async fn downlink_text_reaches_a_simulated_vehicle_and_its_answer_returns() {
    let dir = std::env::temp_dir().join(format!("tongtu-sim-downlink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = TrackStore::open(&dir, TrackConfig::default()).unwrap();
    let profiles: Vec<_> = tongtu_sim::plan::profiles(&tongtu_sim::fleet::generate(7, 5))
        .into_iter()
        .map(Arc::new)
        .collect();
    let directory = MemoryDirectory::new();
    for (i, p) in profiles.iter().enumerate() {
        directory.insert(
            &p.phone,
            TerminalInfo {
                terminal_row_id: i as i64 + 1,
                terminal_id: p.terminal_id.clone(),
                vehicle_id: Some(i as i64 + 1),
                plate: Some(p.plate.clone()),
                plate_color: Some(p.plate_color),
                enterprise_id: 1,
                protocol_version: p.protocol_version.clone(),
                active: true,
            },
        );
    }
    let gw = Gateway::bind(
        "127.0.0.1:0",
        GatewayConfig::default(),
        directory,
        store.clone(),
        GatewayMetrics::new(),
    )
    .await
    .unwrap();
    let mut cfg = RunnerConfig::new(
        gw.local_addr(),
        SimConfig {
            seed: 7,
            ..SimConfig::default()
        },
        SimClock::real_time(),
        Arc::new(ScenarioLog::in_memory()),
    );
    cfg.connect_spread = Duration::ZERO;
    let fleet = runner::spawn(profiles.clone(), cfg).unwrap();

    let handle = gw.handle();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !profiles.iter().all(|p| handle.is_online(&p.phone)) {
        assert!(
            Instant::now() < deadline,
            "simulated terminals did not come online"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let phone = &profiles[2].phone;
    let text = "前方施工，请减速慢行";
    let reply = handle
        .send_text(phone, text, 0x08, "test")
        .await
        .expect("answered");
    assert_eq!(reply, DownlinkReply::Ack { result: 0 });
    // The terminal answers on receipt; the vehicle task records the text on its next turn.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let texts = fleet.stats.texts.lock().unwrap().clone();
        if !texts.is_empty() {
            assert_eq!(
                texts,
                vec![(phone.clone(), text.to_string())],
                "only the addressed vehicle got it"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the simulated vehicle never recorded the text"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A position query is answered with a fix, which the gateway also stores.
    match handle
        .query_location(phone, "test")
        .await
        .expect("answered")
    {
        DownlinkReply::Location(p) => {
            assert_eq!(p.vehicle_id, 3);
            assert!(p.flags & tongtu_track::flags::FROM_QUERY != 0);
        }
        other => panic!("expected a location, got {other:?}"),
    }

    fleet.stop().await;
    gw.shutdown().await;
    store.close().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
