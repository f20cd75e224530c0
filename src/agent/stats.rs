//! Reads `getStats()` into the store's plain [`StatsSample`]; the rates and
//! the quality verdict are computed in the store.

use std::collections::HashMap;

use js_sys::{Map, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::RtcPeerConnection;

use super::js::describe;
use crate::store::{StatsSample, VideoFormat};

pub async fn sample(pc: &RtcPeerConnection) -> Result<StatsSample, String> {
    let report: Map = JsFuture::from(pc.get_stats()).await.map_err(describe)?.unchecked_into();
    let mut by_id = HashMap::new();
    report.for_each(&mut |value, key| {
        if let Some(k) = key.as_string() {
            by_id.insert(k, value);
        }
    });

    let mut s = StatsSample::default();
    let mut selected_pair = None;
    for r in by_id.values() {
        s.at_ms = s.at_ms.max(num(r, "timestamp"));
        match str_field(r, "type").as_deref() {
            Some("inbound-rtp") => {
                s.bytes_received += num(r, "bytesReceived") as u64;
                s.packets_received += num(r, "packetsReceived") as u64;
                // Negative when duplicates arrive; a loss count never is.
                s.packets_lost += num(r, "packetsLost").max(0.0) as u64;
                if str_field(r, "kind").as_deref() == Some("video") {
                    s.inbound_video = video_format(r);
                }
            }
            Some("outbound-rtp") => {
                s.bytes_sent += num(r, "bytesSent") as u64;
                if str_field(r, "kind").as_deref() == Some("video") {
                    s.outbound_video = video_format(r);
                }
            }
            Some("transport") => selected_pair = str_field(r, "selectedCandidatePairId"),
            _ => {}
        }
    }
    // Firefox has no transport.selectedCandidatePairId; its pair says `selected`.
    let pair = selected_pair.and_then(|id| by_id.get(&id).cloned()).or_else(|| {
        by_id
            .values()
            .find(|r| str_field(r, "type").as_deref() == Some("candidate-pair") && flag(r, "selected"))
            .cloned()
    });
    if let Some(pair) = pair {
        let rtt = num(&pair, "currentRoundTripTime");
        s.rtt_ms = (rtt > 0.0).then_some(rtt * 1000.0);
        if let Some(local) = str_field(&pair, "localCandidateId").and_then(|id| by_id.get(&id)) {
            s.candidate_type = str_field(local, "candidateType");
            s.protocol = str_field(local, "protocol");
        }
    }
    Ok(s)
}

fn num(o: &JsValue, key: &str) -> f64 {
    Reflect::get(o, &key.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
}

fn str_field(o: &JsValue, key: &str) -> Option<String> {
    Reflect::get(o, &key.into()).ok().and_then(|v| v.as_string())
}

fn flag(o: &JsValue, key: &str) -> bool {
    Reflect::get(o, &key.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

fn video_format(r: &JsValue) -> Option<VideoFormat> {
    let (width, height) = (num(r, "frameWidth") as u32, num(r, "frameHeight") as u32);
    (width > 0).then(|| VideoFormat { width, height, fps: num(r, "framesPerSecond") })
}
