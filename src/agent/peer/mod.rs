//! One call's RTCPeerConnection: its listeners, local media, the remote
//! stream, and the candidates that arrived before the remote description.
//! Dropping it closes the connection and stops every local track.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use duet_protocol::{IceCandidate, IceServer, SessionDescription};
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStream, MediaStreamTrack, RtcConfiguration, RtcDataChannel, RtcIceCandidateInit, RtcPeerConnection,
    RtcPeerConnectionIceEvent, RtcPeerConnectionState, RtcRtpSender, RtcRtpTransceiver, RtcSdpType,
    RtcSessionDescriptionInit, RtcSignalingState, RtcTrackEvent,
};

use super::js::{describe, from_js, to_js};

mod channel;
mod video_cap;

/// What a peer connection reports back, turned into store actions by the
/// agent (what it has to tell the peer goes through the store, which writes
/// the message).
pub enum PeerEvent {
    /// An offer to send (the first, a renegotiation or an ICE restart).
    Offer(SessionDescription),
    /// A candidate of ours to send.
    Candidate(IceCandidate),
    Connected,
    Disconnected,
    Failed,
    RemoteTrack,
    /// The chat data channel opened (true) or closed.
    ChatReady(bool),
    /// The partner's data saver, on or off.
    DataSaver(bool),
    /// The partner started or stopped recording.
    Recording(bool),
    /// The partner's app shows our recording.
    RecordingSeen,
    /// A chat line from the peer.
    Chat(String),
}

/// How to reach the peer: the servers from duet-server, and whether to use
/// the relay only (the peer then never learns our address).
pub struct IceSettings {
    pub servers: Vec<IceServer>,
    pub relay_only: bool,
}

fn rtc_configuration(servers: &[IceServer], relay_only: bool) -> RtcConfiguration {
    let config = RtcConfiguration::new();
    config.set_ice_servers(&to_js::<_, wasm_bindgen::JsValue>(&servers));
    if relay_only {
        config.set_ice_transport_policy(web_sys::RtcIceTransportPolicy::Relay);
    }
    config
}

pub struct PeerSession {
    pub pc: RtcPeerConnection,
    polite: bool,
    /// Our camera and microphone: none yet for a call answered while it
    /// rings (they join on Accept).
    local: RefCell<Option<MediaStream>>,
    /// Our media is on the connection: the call was accepted. Until then
    /// every sender carries nothing, whatever the local stream holds.
    sending: Cell<bool>,
    /// The data saver's cap is on (see `video_cap`).
    video_capped: Rc<Cell<bool>>,
    pub remote: MediaStream,
    pending: RefCell<Vec<IceCandidate>>,
    making_offer: Rc<Cell<bool>>,
    /// An answer is being applied: an offer arriving meanwhile (a peer that
    /// renegotiates right behind its answer, as MDN's sample does) follows
    /// it rather than colliding with our own, already answered, offer.
    setting_answer: Cell<bool>,
    report: Rc<dyn Fn(PeerEvent)>,
    /// The chat channel and its listeners, once opened.
    chat: RefCell<Option<(RtcDataChannel, Vec<EventListener>)>>,
    _listeners: Vec<EventListener>,
}

impl PeerSession {
    pub fn new(
        polite: bool,
        ice: &IceSettings,
        local: Option<MediaStream>,
        report: Rc<dyn Fn(PeerEvent)>,
    ) -> Result<Rc<Self>, String> {
        let config = rtc_configuration(&ice.servers, ice.relay_only);
        let pc = RtcPeerConnection::new_with_configuration(&config).map_err(describe)?;
        super::diagnostics::peer_opened();
        let remote = MediaStream::new().map_err(describe)?;
        let making_offer = Rc::new(Cell::new(false));

        let mut listeners = Vec::new();
        let r = report.clone();
        listeners.push(EventListener::new(&pc, "icecandidate", move |e| {
            let Some(c) = e.dyn_ref::<RtcPeerConnectionIceEvent>().and_then(|e| e.candidate()) else { return };
            if let Ok(candidate) = from_js::<IceCandidate>(&c.to_json()) {
                r(PeerEvent::Candidate(candidate));
            }
        }));
        let r = report.clone();
        // Clone::clone shares the handle; MediaStream::clone() would copy the stream.
        let rs: MediaStream = Clone::clone(&remote);
        listeners.push(EventListener::new(&pc, "track", move |e| {
            let Some(e) = e.dyn_ref::<RtcTrackEvent>() else { return };
            rs.add_track(&e.track());
            r(PeerEvent::RemoteTrack);
        }));
        let r = report.clone();
        let pc2 = pc.clone();
        listeners.push(EventListener::new(&pc, "connectionstatechange", move |_| match pc2.connection_state() {
            RtcPeerConnectionState::Connected => r(PeerEvent::Connected),
            RtcPeerConnectionState::Disconnected => r(PeerEvent::Disconnected),
            RtcPeerConnectionState::Failed => r(PeerEvent::Failed),
            _ => {}
        }));
        // Every offer, first and later ones, comes from negotiationneeded
        // (perfect negotiation); `making_offer` marks the window in which a
        // colliding remote offer is a glare.
        let r = report.clone();
        let pc3 = pc.clone();
        let mo = making_offer.clone();
        listeners.push(EventListener::new(&pc, "negotiationneeded", move |_| {
            let (pc, mo, r) = (pc3.clone(), mo.clone(), r.clone());
            wasm_bindgen_futures::spawn_local(async move {
                mo.set(true);
                let result = make_offer(&pc).await;
                mo.set(false);
                match result {
                    Ok(sdp) => r(PeerEvent::Offer(sdp)),
                    Err(e) => gloo::console::warn!(format!("offer failed: {e}")),
                }
            });
        }));

        let session = PeerSession {
            pc,
            polite,
            local: RefCell::new(local),
            sending: Cell::new(false),
            video_capped: Rc::default(),
            remote,
            pending: RefCell::default(),
            making_offer,
            setting_answer: Cell::new(false),
            report,
            chat: RefCell::default(),
            _listeners: listeners,
        };
        Ok(Rc::new(session))
    }

    /// Which side gives way in a glare (perfect negotiation).
    pub fn polite(&self) -> bool {
        self.polite
    }

    /// The DTLS fingerprint of the peer connection we talk to now, if any.
    pub fn remote_fingerprint(&self) -> Option<String> {
        self.pc.remote_description().and_then(|d| duet_protocol::dtls_fingerprint(&d.sdp()).map(str::to_owned))
    }

    /// The call's safety number (see `store::safety`), from the descriptions
    /// this connection uses now; `None` before both are set.
    pub async fn safety_number(&self) -> Option<Result<String, crate::store::Unverifiable>> {
        let (local, remote) = (self.pc.local_description()?, self.pc.remote_description()?);
        let material = match crate::store::safety::material(&local.sdp(), &remote.sdp()) {
            Ok(m) => m,
            Err(why) => return Some(Err(why)),
        };
        let digest = super::js::sha256(material.as_bytes()).await?;
        Some(Ok(crate::store::safety::digits(&digest)))
    }

    /// Adds our media, enabled as the user last chose; `send` puts it on
    /// the wire at once, otherwise the senders carry nothing until
    /// [`PeerSession::send_media`] (a call not accepted yet). The caller
    /// (`offering`) also asks to receive whatever it does not send, so the
    /// offer always carries audio and video; the callee adds its tracks
    /// after the remote offer, so they reuse the offer's transceivers.
    pub fn add_local_tracks(&self, audio_on: bool, video_on: bool, offering: bool, send: bool) {
        let (mut has_audio, mut has_video) = (false, false);
        if let Some(stream) = &*self.local.borrow() {
            for t in stream.get_tracks().iter() {
                let track = MediaStreamTrack::from(t);
                let audio = track.kind() == "audio";
                has_audio |= audio;
                has_video |= !audio;
                track.set_enabled(if audio { audio_on } else { video_on });
                // Added with its stream, so the offer names it (MDN's client
                // shows `streams[0]`), then taken off until accepted.
                let sender = self.pc.add_track_0(&track, stream);
                if !send {
                    let _ = sender.replace_track(None);
                }
            }
        }
        self.sending.set(send);
        if offering {
            let init = web_sys::RtcRtpTransceiverInit::new();
            init.set_direction(web_sys::RtcRtpTransceiverDirection::Recvonly);
            for (kind, has) in [("audio", has_audio), ("video", has_video)] {
                if !has {
                    self.pc.add_transceiver_with_str_and_init(kind, &init);
                }
            }
        }
    }

    /// Answers `offer` while the call still rings: every transceiver may
    /// send later (so Accept needs no renegotiation) but carries nothing now.
    pub async fn answer_ringing(&self, offer: &SessionDescription) -> Result<SessionDescription, String> {
        self.apply_remote(offer).await?;
        self.open_chat();
        for t in self.pc.get_transceivers().iter().map(RtcRtpTransceiver::from) {
            t.set_direction(web_sys::RtcRtpTransceiverDirection::Sendrecv);
        }
        self.answer().await
    }

    /// Whether our media is on the connection (the call was accepted).
    pub fn sending(&self) -> bool {
        self.sending.get()
    }

    /// Puts our media on the connection: `local` (opened on Accept) joins
    /// a session that had none, and each track replaces the nothing its
    /// sender carried — no renegotiation, and the encoder starts with a
    /// keyframe. Every replacement starts before this returns; the future
    /// says whether they all took (a missing transceiver fails).
    pub fn send_media(
        &self,
        local: Option<MediaStream>,
        audio_on: bool,
        video_on: bool,
    ) -> impl std::future::Future<Output = Result<(), String>> {
        if let Some(stream) = local {
            let mut slot = self.local.borrow_mut();
            match &*slot {
                Some(_) => super::media::stop(&stream),
                None => *slot = Some(stream),
            }
        }
        let tracks: Vec<MediaStreamTrack> = match &*self.local.borrow() {
            Some(s) => s.get_tracks().iter().map(MediaStreamTrack::from).collect(),
            None => vec![],
        };
        let mut replaced = Vec::new();
        let mut recap = None;
        for track in &tracks {
            let kind = track.kind();
            track.set_enabled(if kind == "audio" { audio_on } else { video_on });
            replaced.push(match self.sender(&kind) {
                Some(sender) => {
                    let replacing = JsFuture::from(sender.replace_track(Some(track)));
                    if kind == "video" {
                        recap = Some(self.restated_cap(sender, track));
                    }
                    Ok(replacing)
                }
                None => Err(format!("the call has no {kind}")),
            });
        }
        self.sending.set(true);
        async move {
            for r in replaced {
                r?.await.map_err(describe)?;
            }
            if let Some(recap) = recap {
                recap.await;
            }
            Ok(())
        }
    }

    /// Whether a local stream is held (the camera and microphone of the call).
    pub fn has_local(&self) -> bool {
        self.local.borrow().is_some()
    }

    /// Our local stream, shared (for the views).
    pub fn local_stream(&self) -> Option<MediaStream> {
        self.local.borrow().clone()
    }

    /// Takes the local stream out, so dropping the session leaves it running.
    pub fn take_local(&self) -> Option<MediaStream> {
        self.local.borrow_mut().take()
    }

    /// Applies an offer (perfect negotiation: the impolite side ignores one
    /// that collides with its own) and returns the answer to send, if any.
    pub async fn accept_offer(&self, offer: &SessionDescription) -> Result<Option<SessionDescription>, String> {
        // The perfect-negotiation test: ready for an offer when not making
        // one and either stable or about to be (an answer being applied; the
        // browser queues this offer's setRemoteDescription behind it).
        let ready = !self.making_offer.get()
            && (self.pc.signaling_state() == RtcSignalingState::Stable || self.setting_answer.get());
        let collision = !ready;
        if collision && !self.polite {
            return Ok(None);
        }
        if collision {
            let rollback = RtcSessionDescriptionInit::new(RtcSdpType::Rollback);
            JsFuture::from(self.pc.set_local_description(&rollback)).await.map_err(describe)?;
        }
        self.apply_remote(offer).await?;
        self.answer().await.map(Some)
    }

    /// Creates and applies our answer to the remote offer.
    pub async fn answer(&self) -> Result<SessionDescription, String> {
        let answer = JsFuture::from(self.pc.create_answer()).await.map_err(describe)?;
        JsFuture::from(self.pc.set_local_description(answer.unchecked_ref())).await.map_err(describe)?;
        self.local_description()
    }

    pub async fn accept_answer(&self, answer: &SessionDescription) -> Result<(), String> {
        if self.pc.signaling_state() != RtcSignalingState::HaveLocalOffer {
            return Ok(()); // a duplicate, or an answer to an offer we rolled back
        }
        self.setting_answer.set(true);
        let applied = self.apply_remote(answer).await;
        self.setting_answer.set(false);
        applied
    }

    /// Sets the remote description and adds the candidates held for it.
    pub async fn apply_remote(&self, sdp: &SessionDescription) -> Result<(), String> {
        let init: RtcSessionDescriptionInit = to_js(sdp);
        JsFuture::from(self.pc.set_remote_description(&init)).await.map_err(describe)?;
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        for c in pending {
            self.add_now(&c).await;
        }
        Ok(())
    }

    /// Adds a candidate now, or keeps it until the remote description is set.
    pub async fn add_candidate(&self, c: IceCandidate) {
        if self.pc.remote_description().is_none() {
            self.pending.borrow_mut().push(c);
        } else {
            self.add_now(&c).await;
        }
    }

    async fn add_now(&self, c: &IceCandidate) {
        let init: RtcIceCandidateInit = to_js(c);
        if let Err(e) = JsFuture::from(self.pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init))).await {
            // One bad candidate must not end a call that others can carry.
            gloo::console::warn!(format!("candidate refused: {}", describe(e)));
        }
    }

    pub fn buffer_candidates(&self, cs: Vec<IceCandidate>) {
        self.pending.borrow_mut().extend(cs);
    }

    fn local_description(&self) -> Result<SessionDescription, String> {
        let d = self.pc.local_description().ok_or("no local description")?;
        from_js(&d)
    }

    /// New credentials for the call in progress (used by later ICE restarts).
    pub fn set_ice_servers(&self, servers: &[IceServer], relay_only: bool) {
        if let Err(e) = self.pc.set_configuration_with_configuration(&rtc_configuration(servers, relay_only)) {
            gloo::console::warn!(format!("could not update ICE servers: {}", describe(e)));
        }
    }

    pub fn set_tracks(&self, audio: bool, video: bool) {
        if let Some(stream) = &*self.local.borrow() {
            for t in stream.get_tracks().iter() {
                let t = MediaStreamTrack::from(t);
                t.set_enabled(if t.kind() == "audio" { audio } else { video });
            }
        }
    }
}

impl PeerSession {
    /// The sender of our `kind` ("audio"/"video") media. Found through the
    /// transceiver's receiver, whose track always exists, because the
    /// sender's may be null (nothing sent yet).
    fn sender(&self, kind: &str) -> Option<RtcRtpSender> {
        self.pc
            .get_transceivers()
            .iter()
            .map(RtcRtpTransceiver::from)
            .find(|t| t.receiver().track().kind() == kind)
            .map(|t| t.sender())
    }

    /// Sends `track` (or nothing) instead of what we send now, without
    /// renegotiating.
    pub async fn replace_track(&self, kind: &str, track: Option<&MediaStreamTrack>) -> Result<(), String> {
        let sender = self.sender(kind).ok_or_else(|| format!("the call has no {kind}"))?;
        JsFuture::from(sender.replace_track(track)).await.map_err(describe)?;
        if let Some(recap) = track.filter(|_| kind == "video").map(|t| self.restated_cap(sender, t)) {
            recap.await;
        }
        Ok(())
    }

    /// Swaps the camera or microphone in our local stream for `track`,
    /// stopping the old one; `send` also puts it on the wire (not while the
    /// screen is what we send).
    pub async fn switch_device(&self, track: MediaStreamTrack, send: bool) -> Result<(), String> {
        let kind = track.kind();
        if send && self.sending.get() {
            self.replace_track(&kind, Some(&track)).await?;
        }
        if let Some(local) = &*self.local.borrow() {
            for old in local.get_tracks().iter().map(MediaStreamTrack::from).filter(|t| t.kind() == kind) {
                track.set_enabled(old.enabled());
                local.remove_track(&old);
                old.stop();
            }
            local.add_track(&track);
        }
        Ok(())
    }

    /// The local track of `kind`, if any.
    pub fn local_track(&self, kind: &str) -> Option<MediaStreamTrack> {
        let local = self.local.borrow();
        local.as_ref()?.get_tracks().iter().map(MediaStreamTrack::from).find(|t| t.kind() == kind)
    }

    /// New ICE credentials and candidates; negotiationneeded sends the offer.
    pub fn restart_ice(&self) {
        let restart = js_sys::Reflect::get(&self.pc, &"restartIce".into()).ok().and_then(|f| f.dyn_into().ok());
        match restart {
            Some(f) => {
                let f: js_sys::Function = f;
                if let Err(e) = f.call0(&self.pc) {
                    gloo::console::warn!(format!("ICE restart failed: {}", describe(e)));
                }
            }
            None => gloo::console::warn!("this browser cannot restart ICE"),
        }
    }
}

async fn make_offer(pc: &RtcPeerConnection) -> Result<SessionDescription, String> {
    let offer = JsFuture::from(pc.create_offer()).await.map_err(describe)?;
    JsFuture::from(pc.set_local_description(offer.unchecked_ref())).await.map_err(describe)?;
    let d = pc.local_description().ok_or("no local description")?;
    from_js(&d)
}

impl Drop for PeerSession {
    fn drop(&mut self) {
        self._listeners.clear();
        self.chat.take();
        self.pc.close();
        super::diagnostics::peer_closed(&self.pc);
        if let Some(s) = self.local.get_mut() {
            super::media::stop(s);
        }
        for t in self.remote.get_tracks().iter() {
            MediaStreamTrack::from(t).stop();
        }
    }
}
