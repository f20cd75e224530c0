//! The one place a message to the call's peer is written. Whether the store
//! decided it (a hang-up, our media state) or the agent's peer connection
//! produced it (an offer, an answer, a candidate), it carries our registered
//! name as MDN's client writes it: a baseline server forwards messages
//! verbatim, and the peer needs to know the sender.

use duet_protocol::{ClientMessage, HangupReason, IceCandidate, SessionDescription};

/// Something we tell the peer of the current call.
#[derive(Debug, Clone, PartialEq)]
pub enum ToPeer {
    Offer(SessionDescription),
    Answer(SessionDescription),
    /// We accept the call we answered while it rang.
    Accepted,
    Candidate(IceCandidate),
    HangUp(HangupReason),
    MediaState {
        audio: bool,
        video: bool,
    },
}

/// `m` for `peer`, sent as `me`.
pub fn to_peer(me: Option<&str>, peer: &str, m: ToPeer) -> ClientMessage {
    let name = me.map(str::to_owned);
    let target = peer.to_owned();
    match m {
        // The reducer marks an offer `preconnect` and an answer `ringing`
        // when the call is still ringing (it knows the phase).
        ToPeer::Offer(sdp) => ClientMessage::VideoOffer { name, target, sdp, preconnect: false },
        ToPeer::Answer(sdp) => ClientMessage::VideoAnswer { name, target, sdp, ringing: false },
        ToPeer::Accepted => ClientMessage::CallAccepted { name, target },
        ToPeer::Candidate(candidate) => ClientMessage::NewIceCandidate { target, candidate },
        ToPeer::HangUp(reason) => ClientMessage::HangUp { name, target, reason: Some(reason) },
        ToPeer::MediaState { audio, video } => ClientMessage::MediaState { target, audio, video },
    }
}
