use yew::prelude::*;

use crate::{
    hooks::{use_select, use_texts},
    store::{CallStats, Quality, VideoFormat},
};

fn level(q: Quality) -> &'static str {
    match q {
        Quality::Good => "good",
        Quality::Fair => "fair",
        Quality::Poor => "poor",
    }
}

/// Always on screen during a call: good / fair / poor.
#[function_component(QualityBadge)]
pub fn quality_badge() -> Html {
    let quality = use_select(|s| s.stats.as_ref().map(CallStats::quality));
    let t = use_texts();
    let Some(q) = quality else { return html! {} };
    let class = "quality-badge";
    let bars = match q {
        Quality::Good => 3,
        Quality::Fair => 2,
        Quality::Poor => 1,
    };
    let bar = |i: u32, h: u32| {
        let x = (3 + 6 * i).to_string();
        let y = (20 - h).to_string();
        html! { <rect class={classes!((i < bars).then_some("on"))} {x} {y} width="4" height={h.to_string()} rx="1" /> }
    };
    let text = match q {
        Quality::Good => t.connection_good,
        Quality::Fair => t.connection_fair,
        Quality::Poor => t.connection_poor,
    };
    html! {
        <span class={classes!(class, level(q))} data-quality={level(q)}>
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">{ bar(0, 6) }{ bar(1, 11) }{ bar(2, 16) }</svg>
            { text }
        </span>
    }
}

fn video(f: &Option<VideoFormat>) -> String {
    f.map_or_else(|| "–".into(), |f| format!("{}×{} @ {} fps", f.width, f.height, whole(f.fps)))
}

// Rounded by hand: `{:.0}` and `{:.1}` would bring core's float formatting
// (several KB) into the first load for these few numbers, all ≥ 0.
fn whole(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

fn tenths(x: f64) -> String {
    let t = (x * 10.0 + 0.5).floor() as i64;
    format!("{}.{}", t / 10, t % 10)
}

/// The numbers behind the quality indicator, refreshed every second.
#[function_component(StatsPanel)]
pub fn stats_panel() -> Html {
    let s = use_select(|s| s.stats.clone().unwrap_or_default());
    let t = use_texts();
    let CallStats { rtt_ms, inbound_kbps, outbound_kbps, loss_percent, .. } = s;
    let class = "call-stats";
    // `data-stat` keys stay English whatever the language: tools read them.
    let rows = [
        ("Round trip", t.round_trip, rtt_ms.map_or_else(|| "–".into(), |r| format!("{} ms", whole(r)))),
        ("Receiving", t.receiving, format!("{} kbit/s", whole(inbound_kbps))),
        ("Sending", t.sending, format!("{} kbit/s", whole(outbound_kbps))),
        ("Packet loss", t.packet_loss, format!("{} %", tenths(loss_percent))),
        ("Video in", t.video_in, video(&s.inbound_video)),
        ("Video out", t.video_out, video(&s.outbound_video)),
        (
            "Route",
            t.route,
            match (&s.candidate_type, &s.protocol) {
                (Some(t), Some(p)) => format!("{t} ({p})"),
                (Some(t), None) => t.clone(),
                _ => "–".into(),
            },
        ),
    ];
    html! {
        <dl {class} aria-label={t.call_statistics} id="call-stats">
            { for rows.into_iter().map(|(key, label, v)| html! { <><dt>{ label }</dt><dd data-stat={key}>{ v }</dd></> }) }
        </dl>
    }
}
