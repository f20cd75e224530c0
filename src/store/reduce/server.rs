//! What the signaling server says and what becomes of the socket: login,
//! presence, relayed call messages, refusals, and losing the connection.

use duet_protocol::{
    ClientMessage, ErrorCode, HangupReason, ServerMessage, SessionDescription, UserStatus, DIRECTORY_VERSION,
};

use super::{
    call, close_books, connection_failed, end_call, enter_call, follow_contacts, forget_call_extras, is_polite,
    push_line, set_ice_servers,
};
use crate::store::{
    to_peer, AccessRefusal, CallEffect, CallPhase, CallState, ChatLine, ConnectionState, Directory, Effect, MediaFlags,
    Msg, Notice, RowRequest, ToPeer,
};

pub(super) fn server(s: &mut CallState, msg: ServerMessage) {
    // The server answers: whatever the browser says, we are online.
    s.offline = false;
    match msg {
        ServerMessage::Id { id } => match &s.connection {
            ConnectionState::LoggingIn { requested } => {
                let login = ClientMessage::Username {
                    name: requested.clone(),
                    date: None,
                    id: Some(id),
                    duet: Some(DIRECTORY_VERSION),
                    resume: None,
                    call: None,
                };
                s.effects.push(Effect::Send(login));
            }
            // Back under the same name, with the proof, and the call we are in
            // (for a server that restarted and forgot it).
            ConnectionState::Reconnecting { .. } => {
                let call = match &s.call {
                    CallPhase::InCall { peer, .. } => Some(peer.clone()),
                    _ => None,
                };
                let login = ClientMessage::Username {
                    name: s.me.clone().unwrap_or_default(),
                    date: None,
                    id: Some(id),
                    duet: Some(DIRECTORY_VERSION),
                    resume: s.resume_token.clone(),
                    call,
                };
                s.effects.push(Effect::Send(login));
            }
            _ => {}
        },
        ServerMessage::RejectUsername { name, .. } => {
            if let ConnectionState::LoggingIn { requested } = &s.connection {
                s.notice = Some(Notice::info(Msg::NameTaken { requested: requested.clone(), given: name.clone() }));
            }
            s.me = Some(name);
        }
        ServerMessage::Welcome { name, ice_servers, resume } => {
            let reconnected = matches!(s.connection, ConnectionState::Reconnecting { .. });
            let was = s.me.replace(name.clone());
            s.duet_server = true;
            s.resume_token = resume;
            // A new session: its server follows nobody and shows the top rows.
            s.watching.clear();
            s.directory_synced = false;
            s.connection = ConnectionState::LoggedIn;
            set_ice_servers(s, ice_servers);
            let rejoining = std::mem::take(&mut s.rejoining);
            if reconnected {
                if was.as_deref() == Some(name.as_str()) && rejoining {
                    // Back after a reload: our old peer connection died with
                    // the page, so the call is offered again.
                    if let Some(peer) = s.peer().map(str::to_owned) {
                        enter_call(s, &peer);
                        let polite = is_polite(s, &peer);
                        s.effects.push(CallEffect::StartCall { peer, polite });
                    }
                } else if was.as_deref() == Some(name.as_str()) {
                    s.notice = Some(Notice::info(Msg::Reconnected));
                } else if let Some(peer) = s.peer().map(str::to_owned) {
                    // Someone else has our name now: the call cannot be ours any more.
                    end_call(s, &peer, None, Notice::error(Msg::CallLostOnRename(name)));
                } else {
                    s.notice = Some(Notice::info(Msg::RenamedOnReconnect(name)));
                }
            }
        }
        ServerMessage::IceServers { ice_servers } => set_ice_servers(s, ice_servers),
        ServerMessage::ResumeTicket { ticket } => s.resume_token = Some(ticket),
        ServerMessage::UserList { users, busy, more } => {
            s.users.replace(&users, &busy);
            // A baseline server confirms a login only by listing us.
            if let ConnectionState::LoggingIn { requested } = &s.connection {
                let me = s.me.clone().unwrap_or_else(|| requested.clone());
                if users.contains(&me) {
                    s.me = Some(me);
                    s.connection = ConnectionState::LoggedIn;
                }
            }
            s.listing = more;
            if !more {
                dial_listed(s);
            }
        }
        ServerMessage::Directory { total, from, query, users, busy } => {
            let rows = users
                .into_iter()
                .map(|n| {
                    let status = if busy.contains(&n) { UserStatus::Busy } else { UserStatus::Available };
                    (n, status)
                })
                .collect();
            s.directory = Some(Directory { total, from, query, rows });
            if !std::mem::replace(&mut s.directory_synced, true) {
                if s.rows_asked != RowRequest::default() {
                    let RowRequest { from, count, query } = s.rows_asked.clone();
                    s.effects.push(Effect::Send(ClientMessage::View { from, count, query }));
                }
                follow_contacts(s);
                dial_listed(s);
            }
        }
        ServerMessage::PresenceUpdate { available, busy, left, more } => {
            for name in available {
                s.users.set(&name, UserStatus::Available);
            }
            for name in busy {
                s.users.set(&name, UserStatus::Busy);
            }
            for name in left {
                s.users.remove(&name);
            }
            // The last page of a login list that came in pages.
            if s.listing && !more {
                s.listing = false;
                dial_listed(s);
            }
        }
        ServerMessage::Message { name, text, .. } => push_line(&mut s.chat, ChatLine { from: name, text }),
        ServerMessage::VideoOffer { name, sdp, linked, preconnect, .. } => offer(s, name, sdp, linked, preconnect),
        ServerMessage::VideoAnswer { name, sdp, ringing, .. } => match &mut s.call {
            // Answered while it rings: connect now, send once accepted.
            CallPhase::Outgoing { peer } if *peer == name && ringing => {
                s.partner_fingerprint = sdp.fingerprint().map(str::to_owned);
                s.effects.push(CallEffect::RemoteAnswer(sdp));
            }
            // A plain answer accepts the call (MDN's client, or no pre-connect).
            CallPhase::Outgoing { peer } if *peer == name => {
                enter_call(s, &name);
                s.partner_fingerprint = sdp.fingerprint().map(str::to_owned);
                s.effects.push(CallEffect::RemoteAnswer(sdp));
                s.effects.push(CallEffect::SendMedia);
            }
            CallPhase::InCall { peer, .. } if *peer == name => {
                s.partner_fingerprint = sdp.fingerprint().map(str::to_owned);
                s.effects.push(CallEffect::RemoteAnswer(sdp));
            }
            _ => {}
        },
        ServerMessage::CallAccepted { name, .. } => {
            // A baseline server passes on the callee's message, which names
            // it; ours stamps it. Either way only the one we ring counts.
            if let CallPhase::Outgoing { peer } = &s.call {
                if !(name.is_empty() || *peer == name) {
                    return;
                }
                let peer = peer.clone();
                enter_call(s, &peer);
                s.effects.push(CallEffect::SendMedia);
            }
        }
        ServerMessage::NewIceCandidate { name, candidate, .. } => {
            // A baseline server does not say who sent it: it can only be our peer.
            let ours = s.peer().is_some_and(|p| name.is_empty() || p == name);
            if ours {
                s.effects.push(CallEffect::RemoteCandidate(candidate));
            }
        }
        ServerMessage::HangUp { name, reason, .. } => peer_hung_up(s, name, reason),
        ServerMessage::MediaState { name, audio, video, .. } => {
            if let CallPhase::InCall { peer, .. } = &s.call {
                if name.is_empty() || *peer == name {
                    s.media.remote_mic_on = audio;
                    s.media.remote_camera_on = video;
                }
            }
        }
        ServerMessage::Error { code, text } => server_error(s, code, text),
    }
}

fn offer(s: &mut CallState, from: String, sdp: SessionDescription, linked: bool, preconnect: bool) {
    let polite = is_polite(s, &from);
    match &mut s.call {
        CallPhase::Idle => {
            // The caller sends nothing before Accept, so answering at once
            // only connects (see docs/security.md for what it reveals).
            let preconnected = preconnect && !s.connect_after_accept;
            if preconnected {
                s.effects.push(CallEffect::PreAnswer { peer: from.clone(), offer: sdp.clone(), polite });
            }
            s.call = CallPhase::Incoming { peer: from.clone(), offer: sdp, preconnected };
            s.ringing_connected = false;
            s.media.remote_media = false;
            s.media.local_issue = None;
            // The ringing dialog says who is calling (and is announced itself).
            s.notice = None;
            s.effects.push(Effect::PrepareMedia);
            s.effects.push(Effect::StartRingTimer { peer: from });
        }
        // The caller renegotiated before we answered: keep the newest offer.
        CallPhase::Incoming { peer, offer, preconnected } if *peer == from => {
            if *preconnected {
                s.effects.push(CallEffect::RemoteOffer(sdp.clone()));
            }
            *offer = sdp;
        }
        // Glare: we rang each other. The polite side gives way and answers;
        // the impolite side ignores the offer and waits for that answer.
        CallPhase::Outgoing { peer } if *peer == from => {
            if polite {
                enter_call(s, &from);
                s.partner_fingerprint = sdp.fingerprint().map(str::to_owned);
                s.effects.push(CallEffect::Answer { peer: from, offer: sdp, polite });
            }
        }
        CallPhase::InCall { peer, .. } if *peer == from => {
            let theirs = sdp.fingerprint().map(str::to_owned);
            let new_connection = s.partner_fingerprint.is_some() && theirs != s.partner_fingerprint;
            if new_connection && !linked {
                // Someone in the partner's name on a connection the server
                // does not vouch for: not our call. It rings like any call.
                end_call(s, &from, None, Notice::info(Msg::HungUp(from.clone())));
                return offer(s, from, sdp, linked, preconnect);
            }
            s.partner_fingerprint = theirs;
            s.effects.push(CallEffect::RemoteOffer(sdp));
        }
        // Anyone else while we are busy: refuse for them, without bothering
        // the user now; the recent calls show it was missed.
        _ => {
            s.effects.push(Effect::Send(to_peer(s.me.as_deref(), &from, ToPeer::HangUp(HangupReason::Busy))));
            s.effects.push(Effect::RecordCall { peer: from, outgoing: false, outcome: crate::store::Outcome::Missed });
        }
    }
}

fn peer_hung_up(s: &mut CallState, name: String, reason: HangupReason) {
    let Some(peer) = s.peer().map(str::to_owned) else { return };
    if peer != name {
        return;
    }
    let ringing_out = matches!(s.call, CallPhase::Outgoing { .. });
    let ringing_in = matches!(s.call, CallPhase::Incoming { .. });
    let msg = match reason {
        HangupReason::Declined => Msg::Declined(peer.clone()),
        HangupReason::Busy => Msg::Busy(peer.clone()),
        HangupReason::Timeout if ringing_in => Msg::MissedCall(peer.clone()),
        HangupReason::Timeout => Msg::NoAnswer(peer.clone()),
        HangupReason::Cancelled if ringing_in => Msg::MissedCall(peer.clone()),
        HangupReason::Disconnected => Msg::WentOffline(peer.clone()),
        // Their app broke, not the network: no relay hint.
        HangupReason::AppFailed => return end_call(s, &peer, None, Notice::error(Msg::PeerAppFailed(peer.clone()))),
        // Their side gave up on the media path; so does ours, for the same reason.
        HangupReason::Failed => {
            let msg = connection_failed(s, &peer);
            return end_call(s, &peer, None, Notice::error(msg));
        }
        _ if ringing_in => Msg::MissedCall(peer.clone()),
        _ if ringing_out => Msg::Declined(peer.clone()),
        _ => Msg::HungUp(peer.clone()),
    };
    end_call(s, &peer, None, Notice::info(msg));
}

fn server_error(s: &mut CallState, code: ErrorCode, text: String) {
    match code {
        // A refused login (bad name, or a cluster that cannot check names right
        // now) leaves the form usable for another try.
        // Refused while reconnecting (say, a cluster without Redis): try again later.
        ErrorCode::InvalidUsername | ErrorCode::Unavailable
            if matches!(s.connection, ConnectionState::Reconnecting { .. }) =>
        {
            socket_closed(s, 1006, text)
        }
        ErrorCode::InvalidUsername | ErrorCode::Unavailable if !s.is_logged_in() => {
            s.connection = ConnectionState::Disconnected;
            s.notice = Some(Notice::error(Msg::Server { code, text }));
            s.effects.push(Effect::EndCall);
        }
        ErrorCode::TargetOffline | ErrorCode::Unavailable => {
            if let CallPhase::Outgoing { peer } = &s.call {
                let peer = peer.clone();
                let msg = if code == ErrorCode::TargetOffline {
                    Msg::NotOnline(peer.clone())
                } else {
                    Msg::Server { code, text }
                };
                end_call(s, &peer, None, Notice::error(msg));
            } else {
                s.notice = Some(Notice::error(Msg::Server { code, text }));
            }
        }
        // Late messages about a call that already ended are nobody's concern.
        ErrorCode::NotInCall if s.call.is_idle() => {}
        _ => s.notice = Some(Notice::error(Msg::Server { code, text })),
    }
}

pub(super) fn socket_closed(s: &mut CallState, code: u16, reason: String) {
    // Refused at the door: retrying with the same credential cannot help.
    let refused = AccessRefusal::from_close_code(code);
    if let Some(r) = refused {
        s.connection = ConnectionState::Disconnected;
        s.access_refused = Some(r);
        if r.spoils_credential() {
            s.credential = None;
            s.effects.push(Effect::RememberCredential(None));
        }
    }
    // A Duet session survives the socket: media flows peer to peer meanwhile.
    let next_attempt = match s.connection {
        ConnectionState::LoggedIn if s.duet_server => Some(1),
        ConnectionState::Reconnecting { attempt } if attempt < crate::store::MAX_RECONNECTS => Some(attempt + 1),
        _ => None,
    };
    if let Some(attempt) = next_attempt {
        s.connection = ConnectionState::Reconnecting { attempt };
        s.effects.push(Effect::ScheduleReconnect { attempt });
        // A call still ringing needs the server to be answered; it is over.
        if let Some(peer) = s.peer().map(str::to_owned).filter(|_| !s.call.is_in_call()) {
            end_call(s, &peer, None, Notice::error(Msg::CallLostWithServer(peer.clone())));
        }
        s.notice = Some(Notice::error(Msg::Reconnecting(reason)));
        return;
    }
    let was = std::mem::take(&mut s.connection);
    if let Some(peer) = s.peer().map(str::to_owned) {
        close_books(s, &peer, &Notice::error(Msg::CallLostWithServer(peer.clone())));
        s.effects.push(Effect::EndCall);
    }
    s.call = CallPhase::Idle;
    forget_call_extras(s);
    s.device_check = false;
    s.me = None;
    s.users.clear();
    s.directory = None;
    s.duet_server = false;
    s.media = MediaFlags::default();
    s.resume_token = None;
    let msg = match (refused, was) {
        (Some(r), _) => Msg::Access(r),
        (None, ConnectionState::LoggedIn) => Msg::LostServer(reason),
        (None, ConnectionState::Reconnecting { .. }) => Msg::CouldNotReconnect(reason),
        (None, _) => Msg::CouldNotReach(reason),
    };
    s.notice = Some(Notice::error(msg));
}

/// A /call/<name> link: ring them once we know who is online.
fn dial_listed(s: &mut CallState) {
    if s.is_logged_in() && s.call.is_idle() {
        if let Some(peer) = s.dial.take() {
            call(s, peer);
        }
    }
}
