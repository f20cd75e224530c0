use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    components::{CallTimer, Controls, DevicePicker, PeerChat, QualityBadge, StatsPanel, Video},
    hooks::{use_media, use_media_select, use_select, use_texts},
    store::{CallPhase, CallState, MediaFlags},
};

/// What the call view shows of the state (statistics are the panel's own).
#[derive(Clone, PartialEq)]
struct Shown {
    phase: CallPhase,
    media: MediaFlags,
    sharing: bool,
    chat_open: bool,
    show_stats: bool,
    speaker: Option<String>,
}

impl Shown {
    fn of(s: &CallState) -> Self {
        Shown {
            phase: s.call.clone(),
            media: s.media.clone(),
            sharing: s.sharing_screen,
            chat_open: s.peer_chat.open,
            show_stats: s.show_stats,
            speaker: s.devices.speaker.clone(),
        }
    }
}

/// The remote video large, our own preview small, and the call's controls.
#[styled_component(CallView)]
pub fn call_view() -> Html {
    let shown = use_select(Shown::of);
    let refs = use_media();
    let (local, remote) = use_media_select(|m| (m.local.clone(), m.remote.clone()));
    let t = use_texts();
    let Some(peer) = shown.phase.peer().map(str::to_owned) else { return html! {} };
    let heading = match &shown.phase {
        CallPhase::Outgoing { .. } => (t.calling)(&peer),
        CallPhase::InCall { connected: false, .. } => (t.connecting_to)(&peer),
        CallPhase::InCall { reconnecting: true, .. } => (t.reconnecting_to)(&peer),
        _ => (t.in_call_with)(&peer),
    };
    let connected = matches!(shown.phase, CallPhase::InCall { connected: true, .. });
    let class = css!(
        r#"
        display: grid; gap: 0.75rem;
        .top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; }
        h2 { margin: 0; flex: 1; }
        .timer { font-variant-numeric: tabular-nums; color: var(--muted); }
        .stage { position: relative; background: #000; border-radius: var(--radius); overflow: hidden;
                 aspect-ratio: 16 / 9; max-height: calc(100vh - 11rem); width: 100%; margin: 0 auto; }
        /* Full screen: the video takes whatever the controls leave. */
        &:fullscreen { background: var(--bg); padding: 0.75rem; display: flex; flex-direction: column; }
        &:fullscreen .stage { flex: 1; min-height: 0; max-height: none; aspect-ratio: auto; }
        /* On a phone the video, the self view in its corner and the thumb
           toolbar below all fit one screen. */
        @media (max-width: 40rem) { .stage { aspect-ratio: 3 / 4; max-height: 42vh; } }
        .remote { width: 100%; height: 100%; object-fit: contain; display: block; }
        .local { position: absolute; right: 0.75rem; bottom: 0.75rem; width: 28%; max-width: 12rem;
                 border-radius: 0.5rem; border: 2px solid rgba(255,255,255,0.6); background: #222; }
        .local.mirrored { transform: scaleX(-1); }
        .indicators { position: absolute; left: 0.75rem; top: 0.75rem; display: flex; flex-wrap: wrap; gap: 0.5rem; }
        .indicators span { background: rgba(0,0,0,0.65); color: #fff; padding: 0.2rem 0.5rem; border-radius: 0.4rem; font-size: 0.85rem; }
        .waiting { position: absolute; inset: 0; display: grid; place-items: center; color: #ddd; }
        .side { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); align-items: start; }
        details { padding: 0.5rem 0.75rem; background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem; }
        .device-picker { display: grid; gap: 0.4rem; margin-top: 0.5rem; }
        .picker { display: grid; gap: 0.15rem; }
        select { font: inherit; padding: 0.4rem; }
        "#
    );
    let media = &shown.media;
    let in_call = shown.phase.is_in_call();
    html! {
        <section {class} id="call-view" ref={refs.call_view.clone()} aria-labelledby="call-heading">
            <div class="top">
                <h2 id="call-heading">{ heading }</h2>
                if in_call { <CallTimer {connected} /> <QualityBadge /> }
            </div>
            <div class="stage">
                <Video id="received_video" class="remote" stream={remote} label={(t.video_from)(&peer)}
                       sink={shown.speaker.clone()} node_ref={refs.remote_video.clone()} />
                if !media.remote_media { <div class="waiting" aria-hidden="true">{ t.waiting_for_video }</div> }
                <div class="indicators">
                    if !media.remote_mic_on { <span data-indicator="peer-muted">{ (t.peer_muted)(&peer) }</span> }
                    if !media.remote_camera_on { <span data-indicator="peer-camera-off">{ (t.peer_camera_off)(&peer) }</span> }
                    if shown.sharing { <span data-indicator="sharing">{ t.you_are_sharing }</span> }
                </div>
                // A mirror feels natural for a camera, but would flip a shared screen's text.
                <Video id="local_video" class={classes!("local", (!shown.sharing).then_some("mirrored"))} stream={local}
                       muted=true label={if shown.sharing { t.your_screen } else { t.your_camera }} />
            </div>
            <Controls />
            if in_call {
                <div class="side">
                    if shown.chat_open { <PeerChat /> }
                    if shown.show_stats { <StatsPanel /> }
                    <details>
                        <summary>{ t.devices }</summary>
                        <DevicePicker />
                    </details>
                </div>
            }
        </section>
    }
}
