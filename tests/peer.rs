//! The agent's media and peer layer, for real: two RTCPeerConnections in one
//! page (fake camera and microphone) connect, video plays, and ending the
//! session stops every track.
// Browser-only: run by `cargo xtask test` with wasm-bindgen-test-runner.
#![cfg(target_arch = "wasm32")]

mod support;

use std::{cell::RefCell, rc::Rc, time::Duration};

use duet::{
    agent::{
        media::{open_local_media, open_track},
        peer::{IceSettings, PeerEvent, PeerSession},
    },
    store::{AudioProcessing, DeviceKind, Devices, ToPeer},
};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlVideoElement, MediaStream, MediaStreamTrack, MediaStreamTrackState};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Default)]
struct Side {
    outbox: RefCell<Vec<ToPeer>>,
    connected: RefCell<bool>,
    tracks: RefCell<u32>,
    chat_ready: RefCell<bool>,
    chats: RefCell<Vec<String>>,
    savers: RefCell<Vec<bool>>,
}

fn reporter(side: Rc<Side>) -> Rc<dyn Fn(PeerEvent)> {
    Rc::new(move |ev| match ev {
        PeerEvent::Offer(sdp) => side.outbox.borrow_mut().push(ToPeer::Offer(sdp)),
        PeerEvent::Candidate(c) => side.outbox.borrow_mut().push(ToPeer::Candidate(c)),
        PeerEvent::Connected => *side.connected.borrow_mut() = true,
        PeerEvent::RemoteTrack => *side.tracks.borrow_mut() += 1,
        PeerEvent::Disconnected | PeerEvent::Failed => *side.connected.borrow_mut() = false,
        PeerEvent::ChatReady(r) => *side.chat_ready.borrow_mut() = r,
        PeerEvent::Chat(text) => side.chats.borrow_mut().push(text),
        PeerEvent::DataSaver(on) => side.savers.borrow_mut().push(on),
        PeerEvent::Recording(_) | PeerEvent::RecordingSeen => {}
    })
}

fn all_ended(stream: &MediaStream) -> bool {
    stream.get_tracks().iter().all(|t| MediaStreamTrack::from(t).ready_state() == MediaStreamTrackState::Ended)
}

/// What the browser says it does to `track`'s sound.
fn processing(track: &MediaStreamTrack) -> (bool, bool, bool) {
    let settings = js_sys::Reflect::get(track, &"getSettings".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(track).ok())
        .expect("getSettings");
    let flag = |key: &str| js_sys::Reflect::get(&settings, &key.into()).ok().and_then(|v| v.as_bool()).unwrap();
    (flag("noiseSuppression"), flag("echoCancellation"), flag("autoGainControl"))
}

#[wasm_bindgen_test]
async fn the_microphone_opens_with_the_users_processing_switches() {
    let (media, _) = open_local_media(&Devices::default()).await;
    let media = media.unwrap();
    let mic = MediaStreamTrack::from(media.get_audio_tracks().get(0));
    let defaults = processing(&mic);
    duet::agent::media::stop(&media);
    if defaults == (false, false, false) {
        // Firefox's fake microphone (the test profile's) has no processing
        // to switch and says so; the switches must still open it.
        let off = AudioProcessing { noise_suppression: false, echo_cancellation: false, auto_gain: false };
        let (media, issue) = open_local_media(&Devices { audio: off, ..Devices::default() }).await;
        assert_eq!(issue, None);
        return duet::agent::media::stop(&media.unwrap());
    }
    assert_eq!(defaults, (true, true, true), "everything on by default");

    let off = AudioProcessing { noise_suppression: false, echo_cancellation: true, auto_gain: false };
    let (media, _) = open_local_media(&Devices { audio: off, ..Devices::default() }).await;
    let media = media.unwrap();
    let mic = MediaStreamTrack::from(media.get_audio_tracks().get(0));
    assert_eq!(processing(&mic), (false, true, false));
    duet::agent::media::stop(&media);

    // Switching mid-call reopens the microphone the same way.
    let off = AudioProcessing { echo_cancellation: false, ..AudioProcessing::default() };
    let mic = open_track(DeviceKind::Microphone, None, off).await.unwrap();
    assert_eq!(processing(&mic), (true, false, true));
    mic.stop();
}

#[wasm_bindgen_test]
async fn two_peer_connections_connect_play_video_and_release_the_camera() {
    let (a_media, issue) = open_local_media(&Devices::default()).await;
    assert_eq!(issue, None, "the fake camera and microphone open");
    let (b_media, _) = open_local_media(&Devices::default()).await;
    let (a_media, b_media) = (a_media.unwrap(), b_media.unwrap());
    assert_eq!(a_media.get_video_tracks().length(), 1);

    let (sa, sb) = (Rc::new(Side::default()), Rc::new(Side::default()));
    let direct = IceSettings { servers: vec![], relay_only: false };
    let a = PeerSession::new(false, &direct, Some(Clone::clone(&a_media)), reporter(sa.clone())).unwrap();
    let b = PeerSession::new(true, &direct, Some(Clone::clone(&b_media)), reporter(sb.clone())).unwrap();
    a.open_chat();
    a.add_local_tracks(true, true, true, true); // negotiationneeded → offer

    // Relay signaling between the two until media flows.
    let video: HtmlVideoElement = document().create_element("video").unwrap().unchecked_into();
    video.set_muted(true);
    video.set_autoplay(true);
    document().body().unwrap().append_child(&video).unwrap();
    let mut answered = false;
    let mut waited = 0;
    loop {
        // Taken out first: handlers push to the outboxes while we await below.
        let from_a = std::mem::take(&mut *sa.outbox.borrow_mut());
        let from_b = std::mem::take(&mut *sb.outbox.borrow_mut());
        for m in from_a {
            match m {
                ToPeer::Offer(sdp) if !answered => {
                    let answer = {
                        b.apply_remote(&sdp).await.unwrap();
                        b.open_chat();
                        b.add_local_tracks(true, true, false, true);
                        b.answer().await.unwrap()
                    };
                    answered = true;
                    a.accept_answer(&answer).await.unwrap();
                }
                ToPeer::Candidate(candidate) => b.add_candidate(candidate).await,
                _ => {}
            }
        }
        for m in from_b {
            if let ToPeer::Candidate(candidate) = m {
                a.add_candidate(candidate).await;
            }
        }
        if answered && video.src_object().is_none() && *sb.tracks.borrow() > 0 {
            video.set_src_object(Some(&b.remote));
            let _ = video.play();
        }
        let frames = frames_shown(&video);
        if *sa.connected.borrow() && *sb.connected.borrow() && frames > 0 && video.video_width() > 0 {
            break;
        }
        assert!(
            waited < 15_000,
            "no video after 15 s (frames {frames}, connected a={} b={}, ready {} paused {} track events {} tracks {:?})",
            sa.connected.borrow(),
            sb.connected.borrow(),
            video.ready_state(),
            video.paused(),
            sb.tracks.borrow(),
            b.remote.get_tracks().iter().map(|t| { let t = MediaStreamTrack::from(t); format!("{} muted={} {:?}", t.kind(), t.muted(), t.ready_state()) }).collect::<Vec<_>>()
        );
        sleep(100).await;
        waited += 100;
    }
    // Frames keep coming.
    let before = frames_shown(&video);
    wait_for("decoded frames to rise", Duration::from_secs(10), || (frames_shown(&video) > before).then_some(())).await;
    assert_eq!(*sb.tracks.borrow(), 2, "b received audio and video");

    // The chat data channel carries text both ways, peer to peer.
    wait_for("the chat channel", Duration::from_secs(5), || {
        (*sa.chat_ready.borrow() && *sb.chat_ready.borrow()).then_some(())
    })
    .await;
    a.send_chat("hello b").unwrap();
    b.send_chat("hello a").unwrap();
    wait_for("chat both ways", Duration::from_secs(5), || {
        (sb.chats.borrow().as_slice() == ["hello b"] && sa.chats.borrow().as_slice() == ["hello a"]).then_some(())
    })
    .await;

    // Data saver: the partner hears of it, and the cap brings what a sends
    // down to 360 lines, and is lifted, without renegotiating.
    a.send_data_saver(true).unwrap();
    wait_for("the data saver frame", Duration::from_secs(5), || {
        (sb.savers.borrow().as_slice() == [true]).then_some(())
    })
    .await;
    a.limit_video(true).await.unwrap();
    let (max, scale) = a.video_limit().unwrap();
    assert_eq!(max, Some(150_000.0));
    assert!(scale >= 1.0, "{scale}");
    wait_for("a's video at most 360 lines", Duration::from_secs(10), || (video.video_height() <= 360).then_some(()))
        .await;
    // Lifted: what the encoder then sends is the browser's to adapt (it may
    // stay lower on a busy machine), so the sender's parameters say it.
    a.limit_video(false).await.unwrap();
    assert_eq!(a.video_limit(), Some((None, 1.0)));

    assert!(!sa.outbox.borrow().iter().any(|m| matches!(m, ToPeer::Offer(_))), "no renegotiation for the cap");

    // Switching to another camera replaces the sent track without
    // renegotiating: no new offer, and the far side keeps decoding frames.
    let old = a.local_track("video").unwrap();
    let other = open_track(DeviceKind::Camera, None, AudioProcessing::default()).await.unwrap();
    let other_id = other.id();
    sa.outbox.borrow_mut().clear();
    a.switch_device(other, true).await.unwrap();
    assert_eq!(old.ready_state(), MediaStreamTrackState::Ended, "the old camera is released");
    assert_eq!(a.local_track("video").unwrap().id(), other_id);
    let before = frames_shown(&video);
    wait_for("frames to keep flowing after the switch", Duration::from_secs(10), || {
        (frames_shown(&video) > before).then_some(())
    })
    .await;
    assert!(!sa.outbox.borrow().iter().any(|m| matches!(m, ToPeer::Offer(_))), "replaceTrack needs no renegotiation");

    // Muting disables the track rather than removing it.
    a.set_tracks(false, true);
    assert!(!MediaStreamTrack::from(a_media.get_audio_tracks().get(0)).enabled());

    // Ending the call stops the camera and microphone on both sides.
    assert!(!all_ended(&a_media));
    drop(a);
    drop(b);
    wait_for("tracks to end", Duration::from_secs(2), || (all_ended(&a_media) && all_ended(&b_media)).then_some(()))
        .await;
}

/// MDN's sample callee answers and, at once, renegotiates (it adds its camera
/// after setRemoteDescription): the answer and the new offer reach the caller
/// back to back. Applied concurrently, as the agent does, the offer must
/// follow the answer — not be taken for a collision and dropped, which left
/// the caller without the callee's video.
#[wasm_bindgen_test]
async fn an_offer_right_behind_the_answer_is_applied_after_it() {
    let (a_media, _) = open_local_media(&Devices::default()).await;
    let (b_media, _) = open_local_media(&Devices::default()).await;
    let (a_media, b_media) = (a_media.unwrap(), b_media.unwrap());
    let (sa, sb) = (Rc::new(Side::default()), Rc::new(Side::default()));
    let direct = IceSettings { servers: vec![], relay_only: false };
    // The caller impolite: the side that ignores a real collision.
    let a = PeerSession::new(false, &direct, Some(Clone::clone(&a_media)), reporter(sa.clone())).unwrap();
    let b = PeerSession::new(true, &direct, Some(Clone::clone(&b_media)), reporter(sb.clone())).unwrap();
    a.add_local_tracks(true, true, true, true);
    let offer = wait_for("a's offer", Duration::from_secs(5), || {
        sa.outbox.borrow().iter().find_map(|m| match m {
            ToPeer::Offer(sdp) => Some(sdp.clone()),
            _ => None,
        })
    })
    .await;
    // b answers without media, then adds it: a renegotiation offer follows.
    b.apply_remote(&offer).await.unwrap();
    let answer = b.answer().await.unwrap();
    b.add_local_tracks(true, true, false, true);
    let reoffer = wait_for("b's renegotiation offer", Duration::from_secs(5), || {
        sb.outbox.borrow().iter().find_map(|m| match m {
            ToPeer::Offer(sdp) => Some(sdp.clone()),
            _ => None,
        })
    })
    .await;

    // Both reach a back to back, handled concurrently.
    let a = Rc::new(a);
    type Answered = Result<Option<duet_protocol::SessionDescription>, String>;
    let reanswer: Rc<RefCell<Option<Answered>>> = Rc::default();
    {
        let (a1, answer) = (a.clone(), answer.clone());
        wasm_bindgen_futures::spawn_local(async move {
            a1.accept_answer(&answer).await.unwrap();
        });
        let (a2, reanswer) = (a.clone(), reanswer.clone());
        wasm_bindgen_futures::spawn_local(async move {
            *reanswer.borrow_mut() = Some(a2.accept_offer(&reoffer).await);
        });
    }
    let reanswer = wait_for("a to answer b's renegotiation", Duration::from_secs(5), || reanswer.borrow_mut().take())
        .await
        .expect("applying the offer after the answer works")
        .expect("the offer is answered, not ignored as a collision");
    b.accept_answer(&reanswer).await.unwrap();

    // Relay candidates until a plays b's video.
    let video: HtmlVideoElement = document().create_element("video").unwrap().unchecked_into();
    video.set_muted(true);
    video.set_autoplay(true);
    document().body().unwrap().append_child(&video).unwrap();
    video.set_src_object(Some(&a.remote));
    let _ = video.play();
    let mut waited = 0;
    loop {
        let from_a = std::mem::take(&mut *sa.outbox.borrow_mut());
        let from_b = std::mem::take(&mut *sb.outbox.borrow_mut());
        for m in from_a {
            if let ToPeer::Candidate(candidate) = m {
                b.add_candidate(candidate).await;
            }
        }
        for m in from_b {
            if let ToPeer::Candidate(candidate) = m {
                a.add_candidate(candidate).await;
            }
        }
        if frames_shown(&video) > 0 && video.video_width() > 0 {
            break;
        }
        assert!(waited < 15_000, "a never showed b's video after the back-to-back answer and offer");
        sleep(100).await;
        waited += 100;
    }
}
