//! Before and around a call: logging in and out, the access key, coming
//! back after a reload, the directory's rows, and placing a call.

use duet_protocol::{ClientMessage, HangupReason, UserStatus};

use super::{apply, end_call, is_polite};
use crate::store::{
    Action, CallEffect, CallPhase, CallState, ConnectionState, Credential, Effect, Msg, Notice, RowRequest,
};

pub(super) fn enter_key(s: &mut CallState, key: &str) {
    let key = key.trim();
    if !key.is_empty() {
        let credential = Credential::Key(key.to_owned());
        s.credential = Some(credential.clone());
        s.access_refused = None;
        s.effects.push(Effect::RememberCredential(Some(credential)));
    }
}

pub(super) fn found_credential(s: &mut CallState, credential: Credential, from_link: bool) {
    if from_link {
        s.effects.push(Effect::RememberCredential(Some(credential.clone())));
    }
    s.credential = Some(credential);
    s.access_refused = None;
}

/// The page was reloaded with a resume ticket (and perhaps a call to rejoin).
pub(super) fn returned(s: &mut CallState, name: String, ticket: String, peer: Option<String>) {
    if s.connection == ConnectionState::Disconnected && s.lacking.is_empty() {
        s.me = Some(name);
        s.resume_token = Some(ticket);
        s.connection = ConnectionState::Reconnecting { attempt: 1 };
        if let Some(peer) = peer {
            s.call = CallPhase::InCall { peer, connected: false, reconnecting: true };
            s.rejoining = true;
        }
        s.effects.push(Effect::Connect { credential: s.credential.clone() });
    }
}

pub(super) fn sign_out(s: &mut CallState) {
    if let Some(peer) = s.peer().map(str::to_owned) {
        end_call(s, &peer, Some(HangupReason::Hangup), Notice::info(Msg::CallEnded(peer.clone())));
    }
    s.effects.push(Effect::Disconnect);
    s.me = None;
    // Theirs stays stored under their name; the next person sees none of it.
    s.history.clear();
    s.connection = ConnectionState::Disconnected;
    s.users = Default::default();
    s.chat.clear();
    s.resume_token = None;
    s.dial = None;
    s.notice = None;
}

/// The lobby shows these rows of the directory: asked of the server once.
pub(super) fn show_rows(s: &mut CallState, rows: RowRequest) {
    if s.rows_asked != rows {
        s.rows_asked = rows.clone();
        if s.directory.is_some() {
            let RowRequest { from, count, query } = rows;
            s.effects.push(Effect::Send(ClientMessage::View { from, count, query }));
        }
    }
}

pub(super) fn login(s: &mut CallState, name: String) {
    if s.connection != ConnectionState::Disconnected || !s.lacking.is_empty() {
        return;
    }
    // A signed token names us; the server takes the name from it.
    let from_token = matches!(s.credential, Some(Credential::Token(_)));
    match duet_protocol::limits::normalize_username(&name) {
        Ok(name) => connect(s, name),
        Err(_) if from_token => connect(s, String::new()),
        Err(e) => s.notice = Some(Notice::error(name_error(e))),
    }
}

fn connect(s: &mut CallState, requested: String) {
    s.connection = ConnectionState::LoggingIn { requested };
    s.notice = None;
    s.access_refused = None;
    s.effects.push(Effect::Connect { credential: s.credential.clone() });
}

pub(super) fn call(s: &mut CallState, peer: String) {
    // Calling the person who is ringing us means taking their call.
    if matches!(&s.call, CallPhase::Incoming { peer: p, .. } if *p == peer) {
        return apply(s, Action::Accept);
    }
    if !s.is_logged_in() || !s.call.is_idle() {
        return;
    }
    if s.me.as_deref() == Some(peer.as_str()) {
        s.notice = Some(Notice::error(Msg::CannotCallYourself));
        return;
    }
    match s.status_of(&peer) {
        // A server that keeps the list knows of people this app does not
        // (a `/call/<name>` link): it says if they are not online.
        None if s.directory.is_none() => {
            s.notice = Some(Notice::error(Msg::NotOnline(peer)));
            return;
        }
        Some(UserStatus::Busy) => {
            s.notice = Some(Notice::info(Msg::Busy(peer)));
            return;
        }
        _ => {}
    }
    let polite = is_polite(s, &peer);
    s.call = CallPhase::Outgoing { peer: peer.clone() };
    s.call_outgoing = true;
    s.ringing_connected = false;
    s.device_check = false;
    s.media.remote_media = false;
    s.media.local_issue = None;
    // The call view says whom we are calling; an old announcement goes.
    s.notice = None;
    s.effects.push(CallEffect::StartCall { peer: peer.clone(), polite });
    s.effects.push(Effect::StartRingTimer { peer });
}

fn name_error(e: duet_protocol::limits::UsernameError) -> Msg {
    use duet_protocol::limits::{UsernameError, MAX_USERNAME_CHARS};
    match e {
        UsernameError::Empty => Msg::NameEmpty,
        UsernameError::TooLong => Msg::NameTooLong(MAX_USERNAME_CHARS),
        UsernameError::ControlCharacter => Msg::NameControlCharacter,
    }
}
