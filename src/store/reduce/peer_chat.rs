//! Chat with the partner during a call, peer to peer over the data channel.

use super::push_line;
use crate::store::{CallEffect, CallState, ChatLine, Msg, Notice};

/// Our line, over the data channel once it is open.
pub(super) fn send(s: &mut CallState, text: &str) {
    let text = text.trim();
    if text.is_empty() || !s.peer_chat.ready {
        return;
    }
    if text.chars().count() > duet_protocol::limits::MAX_CHAT_CHARS {
        s.notice = Some(Notice::error(Msg::ChatTooLong(duet_protocol::limits::MAX_CHAT_CHARS)));
        return;
    }
    let me = s.me.clone().unwrap_or_default();
    push_line(&mut s.peer_chat.lines, ChatLine { from: me, text: text.to_owned() });
    s.effects.push(CallEffect::SendPeerChat(text.to_owned()));
}

/// The partner's line: their browser is not ours, so it is held to the
/// lobby's limits.
pub(super) fn received(s: &mut CallState, text: &str) {
    let Some(peer) = s.peer().map(str::to_owned) else { return };
    let text = text.trim();
    if text.is_empty() || text.chars().count() > duet_protocol::limits::MAX_CHAT_CHARS {
        return;
    }
    push_line(&mut s.peer_chat.lines, ChatLine { from: peer, text: text.to_owned() });
    if !s.peer_chat.open {
        s.peer_chat.unread += 1;
    }
}
