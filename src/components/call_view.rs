//! The call screen: the peer's video fills the window, your own in a corner
//! tile, the toolbar always below it, and chat, statistics and devices in a
//! side panel (a sheet over the video on a phone) that never pushes the
//! toolbar off screen.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::{
    components::{
        icons::{avatar, icon, Icon},
        CallTimer, Controls, DevicePicker, PeerChat, QualityBadge, ShortcutHelp, StatsPanel, Video,
    },
    hooks::{use_action, use_media, use_media_select, use_select, use_texts},
    store::{Action, CallPhase, CallState, MediaFlags, SafetyNumber},
};

/// What the call view shows of the state (statistics are the panel's own).
#[derive(Clone, PartialEq)]
struct Shown {
    phase: CallPhase,
    me: String,
    media: MediaFlags,
    sharing: bool,
    chat_open: bool,
    show_stats: bool,
    show_devices: bool,
    show_safety: bool,
    safety: Option<SafetyNumber>,
    safety_unverifiable: bool,
    recording: bool,
    peer_recording: bool,
    speaker: Option<String>,
}

impl Shown {
    fn of(s: &CallState) -> Self {
        Shown {
            phase: s.call.clone(),
            me: s.me.clone().unwrap_or_default(),
            media: s.media.clone(),
            sharing: s.sharing_screen,
            chat_open: s.peer_chat.open,
            show_stats: s.show_stats,
            show_devices: s.show_devices,
            show_safety: s.show_safety,
            safety: s.safety.clone(),
            safety_unverifiable: s.safety_unverifiable,
            recording: s.recording,
            peer_recording: s.peer_recording,
            speaker: s.devices.speaker.clone(),
        }
    }
}

#[function_component(CallView)]
pub fn call_view() -> Html {
    let shown = use_select(Shown::of);
    let refs = use_media();
    let (local, remote) = use_media_select(|m| (m.local.clone(), m.remote.clone()));
    let t = use_texts();
    let close_chat = use_action(|| Action::TogglePeerChat);
    let close_stats = use_action(|| Action::ToggleStats);
    let close_devices = use_action(|| Action::ToggleDevices);
    let close_safety = use_action(|| Action::ToggleSafety);
    let confirm_safety = use_action(|| Action::ConfirmSafety);
    let verified_ref = use_node_ref();
    {
        let verified_ref = verified_ref.clone();
        let verified = shown.safety.as_ref().is_some_and(|n| n.verified);
        use_effect_with(verified, move |on| {
            if *on {
                if let Some(p) = verified_ref.cast::<web_sys::HtmlElement>() {
                    let _ = p.focus();
                }
            }
        });
    }
    // How the picture sits and where your tile is are this view's own.
    let fill = use_state_eq(|| false);
    let corner = use_state_eq(|| 3u8);
    let stage_ref = use_node_ref();
    let dragging = use_mut_ref(|| false);
    let Some(peer) = shown.phase.peer().map(str::to_owned) else { return html! {} };
    // One line says where the call is; nothing else repeats it.
    let heading = match &shown.phase {
        CallPhase::Outgoing { .. } => (t.calling)(&peer),
        CallPhase::InCall { connected: false, .. } => (t.connecting_to)(&peer),
        CallPhase::InCall { reconnecting: true, .. } => (t.reconnecting_to)(&peer),
        _ => (t.in_call_with)(&peer),
    };
    let connected = matches!(shown.phase, CallPhase::InCall { connected: true, reconnecting: false, .. });
    let class = "call-view";
    // Your tile goes to the corner it is dropped nearest to.
    let grab = {
        let dragging = dragging.clone();
        Callback::from(move |e: PointerEvent| {
            // The tile's own button is pressed, not dragged.
            let on_button = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| el.closest("button").ok().flatten().is_some());
            let tile = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            if let (false, Some(tile)) = (on_button, tile) {
                *dragging.borrow_mut() = tile.set_pointer_capture(e.pointer_id()).is_ok();
            }
        })
    };
    let drop_tile = {
        let (corner, stage_ref, dragging) = (corner.clone(), stage_ref.clone(), dragging.clone());
        Callback::from(move |e: PointerEvent| {
            if !std::mem::take(&mut *dragging.borrow_mut()) {
                return;
            }
            let Some(stage) = stage_ref.cast::<web_sys::Element>() else { return };
            let r = stage.get_bounding_client_rect();
            let right = f64::from(e.client_x()) - r.left() > r.width() / 2.0;
            let low = f64::from(e.client_y()) - r.top() > r.height() / 2.0;
            corner.set(u8::from(low) * 2 + u8::from(right));
        })
    };
    let media = &shown.media;
    let in_call = shown.phase.is_in_call();
    let panel = in_call && (shown.chat_open || shown.show_stats || shown.show_devices || shown.show_safety);
    let verified = shown.safety.as_ref().is_some_and(|n| n.verified);
    // Read aloud group by group; each digit its own word for a screen reader.
    let safety = match &shown.safety {
        None if shown.safety_unverifiable => html! { <p class="error-text">{ t.safety_unverifiable }</p> },
        None => html! { <p>{ t.safety_pending }</p> },
        Some(n) => html! {
            <>
                <p class="safety-digits">
                    { for n.digits.split(' ').map(|g| {
                        // Read digit by digit: the group is hidden, its spaced twin is not.
                        let spaced: String = g.chars().flat_map(|c| [c, ' ']).collect();
                        html! { <span><span aria-hidden="true">{ g }</span><span class="visually-hidden">{ spaced }</span></span> }
                    }) }
                </p>
                <p>{ t.safety_help }</p>
                if n.verified {
                    // Where the focus goes from "Matches", which this replaces.
                    <p class="verified" tabindex="-1" ref={verified_ref.clone()}>{ icon(Icon::Shield, false) }{ t.call_verified }</p>
                } else {
                    <button class="primary" onclick={confirm_safety}>{ t.safety_matches }</button>
                }
            </>
        },
    };
    let section = |id: &'static str, title: &'static str, close: Callback<MouseEvent>, body: Html| {
        let close_name = format!("{} — {}", t.close, title);
        html! {
            <section aria-labelledby={id}>
                <header>
                    <h2 id={id}>{ title }</h2>
                    <button aria-label={close_name.clone()} title={close_name} onclick={close}>{ icon(Icon::Close, false) }</button>
                </header>
                { body }
            </section>
        }
    };
    html! {
        <section {class} id="call-view" ref={refs.call_view.clone()} aria-labelledby="call-heading">
            <div class="stage" ref={stage_ref.clone()}>
                <Video id="received_video" class={classes!("remote", fill.then_some("fill"))} stream={remote} label={(t.video_from)(&peer)}
                       sink={shown.speaker.clone()} node_ref={refs.remote_video.clone()} />
                // Their camera is off (or nothing came yet, or it still rings
                // on a connection made early): who it is, not a black box.
                if !in_call || !media.remote_media || !media.remote_camera_on {
                    <div class="peer-card">
                        { avatar(&peer, "xl") }
                        <span>{ if in_call && media.remote_media { peer.clone() } else { t.waiting_for_video.to_owned() } }</span>
                    </div>
                }
                <div class="top">
                    <h1 id="call-heading">{ heading }</h1>
                    if in_call { <CallTimer {connected} /> }
                    // Only once media flows: "Connecting" never sits beside "Good".
                    if connected { <QualityBadge /> }
                    if !media.remote_mic_on { <span data-indicator="peer-muted">{ (t.peer_muted)(&peer) }</span> }
                    if !media.remote_camera_on { <span data-indicator="peer-camera-off">{ (t.peer_camera_off)(&peer) }</span> }
                    if shown.sharing { <span data-indicator="sharing">{ t.you_are_sharing }</span> }
                    if shown.recording { <span data-indicator="recording">{ icon(Icon::Record, false) }{ t.you_are_recording }</span> }
                    if shown.peer_recording { <span data-indicator="peer-recording">{ icon(Icon::Record, false) }{ (t.peer_recording)(&peer) }</span> }
                    if verified { <span data-indicator="verified">{ icon(Icon::Shield, false) }{ t.call_verified }</span> }
                </div>
                <div class="tools">
                    <button aria-label={t.fill_video} title={if *fill { t.fit_video } else { t.fill_video }}
                            aria-pressed={fill.to_string()} onclick={{ let fill = fill.clone(); move |_| fill.set(!*fill) }}>
                        { icon(Icon::Fill, false) }
                    </button>
                </div>
                <div class={classes!("self", format!("c{}", *corner))} onpointerdown={grab} onpointerup={drop_tile}>
                    // A mirror feels natural for a camera, but would flip a shared screen's text.
                    <Video id="local_video" class={classes!((!shown.sharing).then_some("mirrored"))} stream={local}
                           muted=true label={if shown.sharing { t.your_screen } else { t.your_camera }} />
                    if !media.camera_on && !shown.sharing { { avatar(&shown.me, "md") } }
                    if !media.mic_on { <span class="muted-badge" title={t.unmute}>{ icon(Icon::Mic, true) }</span> }
                    <button aria-label={t.move_self} title={t.move_self}
                            onclick={{ let corner = corner.clone(); move |_| corner.set((*corner + 1) % 4) }}>
                        { icon(Icon::Move, false) }
                    </button>
                </div>
            </div>
            if panel {
                <aside class="panel">
                    if shown.chat_open { { section("peer-chat-panel", t.chat, close_chat, html! { <PeerChat /> }) } }
                    if shown.show_stats { { section("stats-panel", t.statistics, close_stats, html! { <StatsPanel /> }) } }
                    if shown.show_devices { { section("devices-panel", t.devices, close_devices, html! { <DevicePicker /> }) } }
                    if shown.show_safety { { section("safety-panel", t.safety_number, close_safety, safety) } }
                </aside>
            }
            <div class="bar"><Controls /></div>
            <ShortcutHelp />
        </section>
    }
}
