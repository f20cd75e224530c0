//! Call statistics: the raw counters the agent reads from `getStats()` once a
//! second, and what the stats panel and the quality indicator show, derived
//! from two consecutive samples (bitrates and loss are rates, not totals).

/// One reading of `RTCPeerConnection.getStats()`, flattened.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsSample {
    /// The report's timestamp, in milliseconds.
    pub at_ms: f64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    pub packets_received: u64,
    pub packets_lost: u64,
    /// The selected candidate pair's current round-trip time.
    pub rtt_ms: Option<f64>,
    pub inbound_video: Option<VideoFormat>,
    pub outbound_video: Option<VideoFormat>,
    /// The local candidate type of the selected pair: host, srflx, prflx or relay.
    pub candidate_type: Option<String>,
    /// udp or tcp.
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// What the stats panel shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallStats {
    pub rtt_ms: Option<f64>,
    pub inbound_kbps: f64,
    pub outbound_kbps: f64,
    /// Share of inbound packets lost since the previous sample, in percent.
    pub loss_percent: f64,
    pub inbound_video: Option<VideoFormat>,
    pub outbound_video: Option<VideoFormat>,
    pub candidate_type: Option<String>,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Good,
    Fair,
    Poor,
}

impl CallStats {
    /// Rates over the interval from `prev` to `cur`; with no earlier sample
    /// (or a reset counter) the rates are zero rather than nonsense.
    pub fn between(prev: Option<&StatsSample>, cur: &StatsSample) -> CallStats {
        let (mut inbound_kbps, mut outbound_kbps, mut loss_percent) = (0.0, 0.0, 0.0);
        if let Some(p) = prev {
            let ms = cur.at_ms - p.at_ms;
            if ms > 0.0 {
                let kbps = |now: u64, then: u64| now.checked_sub(then).map_or(0.0, |b| b as f64 * 8.0 / ms);
                inbound_kbps = kbps(cur.bytes_received, p.bytes_received);
                outbound_kbps = kbps(cur.bytes_sent, p.bytes_sent);
            }
            let lost = cur.packets_lost.saturating_sub(p.packets_lost);
            let got = cur.packets_received.saturating_sub(p.packets_received);
            if lost + got > 0 {
                loss_percent = lost as f64 * 100.0 / (lost + got) as f64;
            }
        }
        CallStats {
            rtt_ms: cur.rtt_ms,
            inbound_kbps,
            outbound_kbps,
            loss_percent,
            inbound_video: cur.inbound_video,
            outbound_video: cur.outbound_video,
            candidate_type: cur.candidate_type.clone(),
            protocol: cur.protocol.clone(),
        }
    }

    /// Thresholds from common VoIP practice: loss above 2–3 % or a round
    /// trip above ~250 ms is noticeable, 10 % or 500 ms hard to talk over.
    pub fn quality(&self) -> Quality {
        let rtt = self.rtt_ms.unwrap_or(0.0);
        if self.loss_percent >= 10.0 || rtt >= 500.0 {
            Quality::Poor
        } else if self.loss_percent >= 3.0 || rtt >= 250.0 {
            Quality::Fair
        } else {
            Quality::Good
        }
    }
}

/// "4:05" or "1:02:09", for the call timer.
pub fn format_duration(total_secs: u64) -> String {
    let (h, m, s) = (total_secs / 3600, total_secs / 60 % 60, total_secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: f64, rx: u64, tx: u64, got: u64, lost: u64) -> StatsSample {
        StatsSample {
            at_ms,
            bytes_received: rx,
            bytes_sent: tx,
            packets_received: got,
            packets_lost: lost,
            ..Default::default()
        }
    }

    #[test]
    fn bitrates_and_loss_are_rates_over_the_interval() {
        let a = sample(1_000.0, 100_000, 50_000, 1_000, 10);
        let b = sample(2_000.0, 225_000, 100_000, 1_095, 15);
        let s = CallStats::between(Some(&a), &b);
        assert_eq!(s.inbound_kbps, 1_000.0);
        assert_eq!(s.outbound_kbps, 400.0);
        assert_eq!(s.loss_percent, 5.0);
        assert_eq!(s.quality(), Quality::Fair);
    }

    #[test]
    fn the_first_sample_and_a_reset_counter_give_zero_not_garbage() {
        let b = sample(2_000.0, 10, 10, 10, 0);
        assert_eq!(CallStats::between(None, &b).inbound_kbps, 0.0);
        let a = sample(1_000.0, 1_000_000, 1_000_000, 1_000, 0);
        let s = CallStats::between(Some(&a), &b);
        assert_eq!((s.inbound_kbps, s.outbound_kbps, s.loss_percent), (0.0, 0.0, 0.0));
    }

    #[test]
    fn quality_follows_loss_and_round_trip() {
        let q = |loss, rtt| CallStats { loss_percent: loss, rtt_ms: rtt, ..Default::default() }.quality();
        assert_eq!(q(0.0, Some(20.0)), Quality::Good);
        assert_eq!(q(0.0, None), Quality::Good);
        assert_eq!(q(3.0, Some(20.0)), Quality::Fair);
        assert_eq!(q(0.5, Some(300.0)), Quality::Fair);
        assert_eq!(q(12.0, Some(20.0)), Quality::Poor);
        assert_eq!(q(0.0, Some(650.0)), Quality::Poor);
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(format_duration(0), "0:00");
        assert_eq!(format_duration(245), "4:05");
        assert_eq!(format_duration(3_729), "1:02:09");
    }
}
