//! The transitions. Each arm reads as "in this phase, on this event, become
//! that and ask the agent for these effects".

use duet_protocol::{ClientMessage, HangupReason};

mod data_saver;
mod history;
mod lobby;
mod peer_chat;
mod recording;
mod server;

pub(super) use history::{close_books, follow_contacts};
use lobby::call;
use server::{server, socket_closed};

use super::{
    to_peer, Action, CallEffect, CallPhase, CallState, CallStats, ChatLine, ConnectionState, Effect, MediaFlags, Msg,
    Notice, PeerChat, SafetyNumber, ToPeer, CHAT_HISTORY, MAX_ICE_RESTARTS,
};

pub(super) fn apply(s: &mut CallState, action: Action) {
    match action {
        Action::Login(name) => lobby::login(s, name),
        Action::BrowserLacks(lacking) => s.lacking = lacking,
        Action::EnterKey(key) => lobby::enter_key(s, &key),
        Action::FoundCredential { credential, from_link } => lobby::found_credential(s, credential, from_link),
        Action::Call(peer) => call(s, peer),
        Action::OpenedCallLink(peer) => s.dial = Some(peer),
        Action::Returned { name, ticket, peer } => lobby::returned(s, name, ticket, peer),
        Action::SignOut => lobby::sign_out(s),
        Action::Cancel => {
            if let CallPhase::Outgoing { peer } = &s.call {
                let peer = peer.clone();
                end_call(s, &peer, Some(HangupReason::Cancelled), Notice::info(Msg::Cancelled(peer.clone())));
            }
        }
        Action::Accept => {
            if let CallPhase::Incoming { peer, offer, preconnected } = &s.call {
                let (peer, offer, preconnected) = (peer.clone(), offer.clone(), *preconnected);
                let polite = is_polite(s, &peer);
                enter_call(s, &peer);
                s.partner_fingerprint = offer.fingerprint().map(str::to_owned);
                if preconnected {
                    // Answered while it rang: only the media is left to
                    // switch on, the caller's first (it has further to go).
                    s.effects.push(Effect::Send(to_peer(s.me.as_deref(), &peer, ToPeer::Accepted)));
                    s.effects.push(CallEffect::SendMedia);
                } else {
                    s.effects.push(CallEffect::Answer { peer, offer, polite });
                }
            }
        }
        Action::Decline => {
            if let CallPhase::Incoming { peer, .. } = &s.call {
                let peer = peer.clone();
                end_call(s, &peer, Some(HangupReason::Declined), Notice::info(Msg::YouDeclined(peer.clone())));
            }
        }
        Action::HangUp => match &s.call {
            CallPhase::InCall { peer, .. } => {
                let peer = peer.clone();
                end_call(s, &peer, Some(HangupReason::Hangup), Notice::info(Msg::CallEnded(peer.clone())));
            }
            // "Leave" means the same while it still rings.
            CallPhase::Outgoing { .. } => apply(s, Action::Cancel),
            _ => {}
        },
        Action::ToggleMic => {
            s.media.mic_on = !s.media.mic_on;
            media_changed(s);
        }
        Action::ToggleCamera => {
            s.media.camera_on = !s.media.camera_on;
            media_changed(s);
        }
        Action::SendChat(text) => {
            let text = text.trim();
            if !text.is_empty() && s.is_logged_in() {
                s.effects.push(Effect::Send(ClientMessage::Message { text: text.to_owned(), date: None, id: None }));
            }
        }
        Action::DismissNotice => s.notice = None,
        Action::SetRelayOnly(on) => {
            if s.relay_only != on {
                s.relay_only = on;
                s.effects.push(Effect::RememberRelayOnly(on));
            }
        }
        Action::SetConnectAfterAccept(on) => {
            if s.connect_after_accept != on {
                s.connect_after_accept = on;
                s.effects.push(Effect::RememberConnectAfterAccept(on));
            }
        }
        Action::ConnectTimeout { generation } => {
            if let CallPhase::InCall { peer, connected: false, .. } = &s.call {
                if generation == s.ice_generation {
                    let peer = peer.clone();
                    let msg = connection_failed(s, &peer);
                    end_call(s, &peer, Some(HangupReason::Failed), Notice::error(msg));
                }
            }
        }
        Action::SocketClosed { code, reason } => socket_closed(s, code, reason),
        Action::Reconnect => {
            if matches!(s.connection, ConnectionState::Reconnecting { .. }) {
                s.effects.push(Effect::Connect { credential: s.credential.clone() });
            }
        }
        Action::Server(msg) => server(s, msg),
        Action::PeerConnected => match &mut s.call {
            CallPhase::InCall { connected, reconnecting, .. } => {
                *connected = true;
                *reconnecting = false;
                s.ice_restarts = 0;
                data_saver::limit_video(s);
            }
            CallPhase::Outgoing { .. } | CallPhase::Incoming { .. } => s.ringing_connected = true,
            CallPhase::Idle => {}
        },
        Action::PeerDisconnected => {
            s.ringing_connected = false;
            if let CallPhase::InCall { reconnecting, .. } = &mut s.call {
                *reconnecting = true;
                s.ice_generation += 1;
                s.effects.push(Effect::StartGraceTimer { generation: s.ice_generation });
            }
        }
        Action::GraceExpired { generation } => {
            if let CallPhase::InCall { peer, reconnecting: true, .. } = &s.call {
                let peer = peer.clone();
                if generation == s.ice_generation && !restart_ice(s) {
                    end_call(s, &peer, Some(HangupReason::Failed), Notice::error(Msg::ConnectionLost(peer.clone())));
                }
            }
        }
        Action::PeerFailed => {
            // A path that worked once is worth restarts; one that never did
            // is worth one (a relay allocation or the checks lost on a lossy
            // network: a restart gathers and checks afresh). The grace timer
            // bounds each.
            if restart_ice(s) {
                return;
            }
            s.ringing_connected = false;
            if let Some(peer) = s.peer().map(str::to_owned) {
                // A connection made while it rings that fails is no reason
                // to stop ringing: after Accept the connect timer decides.
                if matches!(s.call, CallPhase::InCall { .. }) {
                    let msg = connection_failed(s, &peer);
                    end_call(s, &peer, Some(HangupReason::Failed), Notice::error(msg));
                }
            }
        }
        Action::RingTimeout { peer } => match &s.call {
            CallPhase::Outgoing { peer: p } if *p == peer => {
                end_call(s, &peer, Some(HangupReason::Timeout), Notice::info(Msg::NoAnswer(peer.clone())));
            }
            CallPhase::Incoming { peer: p, .. } if *p == peer => {
                end_call(s, &peer, Some(HangupReason::Timeout), Notice::info(Msg::MissedCall(peer.clone())));
            }
            _ => {}
        },
        Action::RemoteMedia => s.media.remote_media = true,
        Action::LocalMedia(issue) => s.media.local_issue = Some(issue),
        Action::CallError(msg) => {
            if let Some(peer) = s.peer().map(str::to_owned) {
                end_call(s, &peer, Some(HangupReason::AppFailed), Notice::error(msg));
            } else {
                s.notice = Some(Notice::error(msg));
            }
        }
        Action::ToggleShare => {
            if s.call.is_in_call() {
                s.effects.push(if s.sharing_screen { CallEffect::StopShare } else { CallEffect::StartShare });
            }
        }
        Action::ScreenShared(on) => {
            if s.call.is_in_call() {
                s.sharing_screen = on;
            }
        }
        Action::MediaProblem(msg) => s.notice = Some(Notice::error(msg)),
        Action::ToggleStats => s.show_stats = !s.show_stats,
        Action::ToggleDevices => s.show_devices = !s.show_devices,
        Action::HistoryRestored(history) => {
            s.history = history;
            follow_contacts(s);
        }
        Action::ShowRows(rows) => lobby::show_rows(s, rows),
        Action::CallRecorded(record) => history::recorded(s, record),
        Action::SeeMissedCalls => history::see_missed(s),
        Action::ClearHistory => history::clear(s),
        Action::ToggleSafety => s.show_safety = s.call.is_in_call() && !s.show_safety,
        Action::ConfirmSafety => {
            if let Some(n) = &mut s.safety {
                n.verified = true;
            }
        }
        Action::SafetyUnverifiable => {
            if !s.call.is_idle() {
                s.safety = None;
                s.safety_unverifiable = true;
            }
        }
        Action::SafetyNumberFound(digits) => {
            // The same number again (an ICE restart) keeps the verification;
            // another one is another certificate, unverified. A connection
            // made while it rang has it before Accept.
            if !s.call.is_idle() && s.safety.as_ref().is_none_or(|n| n.digits != digits) {
                s.safety = Some(SafetyNumber { digits, verified: false });
            }
        }
        Action::TurnShortcuts(on) => {
            if s.shortcuts_off == on {
                s.shortcuts_off = !on;
                s.effects.push(Effect::RememberShortcuts(on));
            }
        }
        Action::ToggleHelp => s.show_help = !s.show_help,
        Action::CloseOverlays => {
            s.show_help = false;
            s.show_stats = false;
            s.show_devices = false;
            s.show_safety = false;
        }
        Action::TogglePeerChat => {
            s.peer_chat.open = !s.peer_chat.open;
            if s.peer_chat.open {
                s.peer_chat.unread = 0;
            }
        }
        Action::SendPeerChat(text) => peer_chat::send(s, &text),
        Action::PeerChatReceived(text) => peer_chat::received(s, &text),
        // The channel may open while it rings (the call connects early).
        Action::PeerChatReady(ready) => {
            s.peer_chat.ready = ready && !s.call.is_idle();
            if s.peer_chat.ready && s.call.is_in_call() && s.data_saver {
                s.effects.push(CallEffect::TellPeerDataSaver(true));
            }
            // A channel opened again: the partner's app hears it anew.
            if s.peer_chat.ready && s.recording {
                s.effects.push(CallEffect::TellPeerRecording(true));
            }
        }
        Action::Stats(sample) => {
            if s.call.is_in_call() {
                let stats = CallStats::between(s.last_sample.as_ref(), &sample);
                data_saver::offer_audio_only(s, stats.quality(), sample.at_ms);
                s.stats = Some(stats);
                s.last_sample = Some(sample);
            }
        }
        Action::ToggleRecording => recording::toggle(s),
        Action::PeerSawRecording => recording::partner_shows_it(s),
        Action::RecordingAckTimeout => recording::partner_never_answered(s),
        Action::RecordingStopped(why) => recording::stopped(s, why),
        Action::RecordingWithoutYourVoice => recording::without_your_voice(s),
        Action::PeerRecording(on) => recording::partner_records(s, on),
        Action::RecordingSaved(url, name) => s.saved_recording = Some((url, name)),
        Action::DismissSavedRecording => s.saved_recording = None,
        Action::NetworkOnline(on) => s.offline = !on,
        Action::UpdateReady => s.update_ready = true,
        // Never in the middle of a call: the button shows only when idle.
        Action::ApplyUpdate => {
            if s.update_ready && s.call.is_idle() {
                s.effects.push(Effect::ApplyUpdate);
            }
        }
        Action::SetNotifyCalls(true) => s.effects.push(Effect::AskNotifyPermission),
        Action::SetNotifyCalls(false) => notify_calls(s, false),
        Action::NotifyPermission(granted) => {
            notify_calls(s, granted);
            if !granted {
                s.notice = Some(Notice::error(Msg::NotificationsBlocked));
            }
        }
        Action::SetDataSaver(on) => data_saver::set(s, on),
        Action::PeerDataSaver(on) => data_saver::partner_asks(s, on),
        Action::Signal(m) => {
            // A late signal from a call that has ended goes nowhere.
            if let Some(peer) = s.peer() {
                let mut msg = to_peer(s.me.as_deref(), peer, m);
                match (&mut msg, &s.call) {
                    // Our first offer asks to be answered while it rings,
                    // unless the user turned that off.
                    (ClientMessage::VideoOffer { preconnect, .. }, CallPhase::Outgoing { .. }) => {
                        *preconnect = !s.connect_after_accept
                    }
                    // Any answer before Accept only connects.
                    (ClientMessage::VideoAnswer { ringing, .. }, CallPhase::Incoming { .. }) => *ringing = true,
                    _ => {}
                }
                s.effects.push(Effect::Send(msg));
            }
        }
        Action::DevicesFound(found) => {
            for kind in s.devices.replace_lists(found) {
                // The chosen one was unplugged: whatever is live moves to the default.
                s.effects.push(Effect::UseDevice { kind, id: None });
                if !s.call.is_idle() || s.device_check {
                    s.notice = Some(Notice::info(Msg::DeviceUnplugged(kind)));
                }
            }
        }
        Action::ChooseDevice { kind, id } => {
            if s.devices.chosen(kind) != id.as_deref() {
                s.devices.choose(kind, id.clone());
                s.effects.push(Effect::UseDevice { kind, id: id.clone() });
                s.effects.push(Effect::RememberDevice { kind, id });
            }
        }
        Action::SetAudioProcessing(switch, on) => {
            if s.devices.audio.get(switch) != on {
                s.devices.audio.set(switch, on);
                s.effects.push(Effect::ReopenMicrophone);
                s.effects.push(Effect::RememberAudioProcessing(s.devices.audio));
            }
        }
        Action::SetTheme(theme) => {
            s.theme = theme;
            s.effects.push(Effect::UseTheme { theme, remember: true });
        }
        Action::RestoredTheme(theme) => {
            s.theme = theme;
            s.effects.push(Effect::UseTheme { theme, remember: false });
        }
        Action::SetLang(lang) => {
            s.lang = lang;
            s.effects.push(Effect::UseLang { lang, remember: true });
        }
        Action::DetectedLang(lang) => {
            s.lang = lang;
            s.effects.push(Effect::UseLang { lang, remember: false });
        }
        Action::TogglePictureInPicture => {
            if s.call.is_in_call() {
                s.effects.push(Effect::TogglePictureInPicture);
            }
        }
        Action::ToggleFullscreen => {
            if !s.call.is_idle() {
                s.effects.push(Effect::ToggleFullscreen);
            }
        }
        Action::ToggleDeviceCheck => {
            if s.is_logged_in() && s.call.is_idle() {
                s.device_check = !s.device_check;
                // A fresh try: an old refusal is not this one's.
                s.media.local_issue = None;
                s.effects.push(Effect::DeviceCheck(s.device_check));
            }
        }
    }
}

pub(super) fn push_line(lines: &mut Vec<ChatLine>, line: ChatLine) {
    lines.push(line);
    if lines.len() > CHAT_HISTORY {
        lines.drain(..lines.len() - CHAT_HISTORY);
    }
}

/// Starts an ICE restart if this interruption has restarts left; the grace
/// timer starts over for it. Returns false when it is time to give up.
/// Restarts ICE if the call has restarts left: a path that never worked
/// has one, a path that did has `MAX_ICE_RESTARTS`.
fn restart_ice(s: &mut CallState) -> bool {
    let CallPhase::InCall { reconnecting, connected, .. } = &mut s.call else { return false };
    let budget = if *connected { MAX_ICE_RESTARTS } else { 1 };
    if s.ice_restarts >= budget {
        return false;
    }
    *reconnecting = true;
    s.ice_restarts += 1;
    s.ice_generation += 1;
    s.effects.push(CallEffect::RestartIce);
    s.effects.push(Effect::StartGraceTimer { generation: s.ice_generation });
    true
}

/// The call is accepted: media should connect within the setup time.
pub(super) fn enter_call(s: &mut CallState, peer: &str) {
    // What the connection made while it rang already has stays.
    let connected = std::mem::take(&mut s.ringing_connected);
    let (chat_ready, safety, unverifiable) = (s.peer_chat.ready, s.safety.take(), s.safety_unverifiable);
    s.call = CallPhase::InCall { peer: peer.to_owned(), connected, reconnecting: false };
    // The preview's stream goes into the call (the agent keeps it).
    s.device_check = false;
    forget_call_extras(s);
    s.peer_chat.ready = chat_ready;
    s.safety = safety;
    s.safety_unverifiable = unverifiable;
    if chat_ready && s.data_saver {
        s.effects.push(CallEffect::TellPeerDataSaver(true));
    }
    data_saver::limit_video(s);
    s.notice = None;
    s.ice_generation += 1;
    s.effects.push(Effect::StartConnectTimer { generation: s.ice_generation });
}

fn notify_calls(s: &mut CallState, on: bool) {
    if s.notify_calls != on {
        s.notify_calls = on;
        s.effects.push(Effect::RememberNotifyCalls(on));
    }
}

/// What belongs to one call only: its chat, stats, screen share, restarts.
pub(super) fn forget_call_extras(s: &mut CallState) {
    s.peer_chat = PeerChat::default();
    s.stats = None;
    s.last_sample = None;
    s.sharing_screen = false;
    s.show_devices = false;
    s.show_safety = false;
    // The call's shortcuts: the overlay goes with the call view.
    s.show_help = false;
    s.safety = None;
    s.safety_unverifiable = false;
    s.peer_data_saver = false;
    s.peer_recording = false;
    s.recording = false;
    s.recording_asked = false;
    s.poor_since_ms = None;
    s.offered_audio_only = false;
    s.ice_restarts = 0;
    s.partner_fingerprint = None;
}

pub(super) fn set_ice_servers(s: &mut CallState, servers: Vec<duet_protocol::IceServer>) {
    s.ice_servers = servers;
    s.effects.push(CallEffect::RefreshIceServers);
}

fn media_changed(s: &mut CallState) {
    let (audio, video) = (s.media.mic_on, s.media.camera_on);
    s.effects.push(CallEffect::SetTracks { audio, video });
    if let CallPhase::InCall { peer, .. } = &s.call {
        if s.duet_server {
            s.effects.push(Effect::Send(to_peer(s.me.as_deref(), peer, ToPeer::MediaState { audio, video })));
        }
    }
}

/// Leaves the call: tells the peer why (if `reason`), releases the media, and
/// announces `notice`.
pub(super) fn end_call(s: &mut CallState, peer: &str, reason: Option<HangupReason>, notice: Notice) {
    if let Some(reason) = reason {
        s.effects.push(Effect::Send(to_peer(s.me.as_deref(), peer, ToPeer::HangUp(reason))));
    }
    close_books(s, peer, &notice);
    s.effects.push(Effect::EndCall);
    s.call = CallPhase::Idle;
    s.ringing_connected = false;
    forget_call_extras(s);
    // Ending a call releases the camera, the preview's included.
    s.device_check = false;
    // We know they are free now; the server's presence batch may come later.
    if s.users.contains(peer) {
        s.users.set(peer, duet_protocol::UserStatus::Available);
    }
    let MediaFlags { mic_on, camera_on, local_issue, .. } = s.media.clone();
    s.media = MediaFlags { mic_on, camera_on, local_issue, ..MediaFlags::default() };
    s.notice = Some(notice);
}

pub(super) fn connection_failed(s: &CallState, peer: &str) -> Msg {
    let has_turn = s.ice_servers.iter().any(|i| i.urls.iter().any(|u| u.starts_with("turn")));
    if has_turn {
        Msg::FailedThroughRelay(peer.to_owned())
    } else {
        Msg::FailedWithoutRelay(peer.to_owned())
    }
}

/// Perfect negotiation's roles, agreed without a message: the
/// alphabetically smaller name is polite and gives way on glare.
pub(super) fn is_polite(s: &CallState, peer: &str) -> bool {
    s.me.as_deref().is_some_and(|me| me < peer)
}
