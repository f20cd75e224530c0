//! Media trouble and the transitions around it: what the camera and
//! microphone could not do, the agent breaking a call, the remote video
//! arriving, devices switched, screen sharing refused, the language.

use duet_protocol::HangupReason;

use super::*;

#[test]
fn camera_and_microphone_trouble_is_shown_and_the_call_goes_on() {
    for issue in [
        LocalMediaIssue::PermissionDenied,
        LocalMediaIssue::NoCamera,
        LocalMediaIssue::NoDevices,
        LocalMediaIssue::DeviceBusy,
        LocalMediaIssue::InsecureContext,
        LocalMediaIssue::Other("NotSupportedError".into()),
    ] {
        let (s, fx) = effects_of(&in_call("alice", "bob"), Action::LocalMedia(issue.clone()));
        assert_eq!(s.media.local_issue, Some(issue.clone()));
        assert!(fx.is_empty(), "{issue:?}: nothing ends, nothing is sent: {fx:?}");
        assert!(s.call.is_in_call(), "{issue:?}: the call goes on (receive-only or audio-only)");
        // It is still said after the call, for the lobby's device check to explain.
        let s = s.reduce(Action::HangUp);
        assert_eq!(s.media.local_issue, Some(issue));
    }
    // A new check of the devices starts afresh.
    let s = logged_in("alice", &[]).reduce(Action::LocalMedia(LocalMediaIssue::PermissionDenied));
    assert_eq!(s.reduce(Action::ToggleDeviceCheck).media.local_issue, None);
}

#[test]
fn an_error_in_the_agent_ends_the_call_and_tells_the_peer_its_app_failed() {
    let broke = Msg::SwitchFailed("setRemoteDescription refused the answer".into());
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::CallError(broke.clone()));
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::AppFailed)));
    assert!(fx.contains(&Effect::EndCall));
    assert!(s.call.is_idle());
    assert_eq!(said(s.notice.as_ref().unwrap()), (broke.clone(), true));
    // While it still rings, the same.
    let ringing = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&ringing, Action::CallError(broke.clone()));
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::AppFailed)));
    assert!(s.call.is_idle());
    // Without a call there is nobody to tell: only the message.
    let (s, fx) = effects_of(&logged_in("alice", &["bob"]), Action::CallError(broke.clone()));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(said(s.notice.as_ref().unwrap()), (broke, true));
}

#[test]
fn remote_media_is_this_calls_only() {
    let s = in_call("alice", "bob");
    assert!(!s.media.remote_media, "no video before its first track");
    let s = s.reduce(Action::RemoteMedia);
    assert!(s.media.remote_media);
    let s = s.reduce(Action::HangUp).reduce(Action::Call("bob".into()));
    assert!(!s.media.remote_media, "the next call waits for its own video");
}

#[test]
fn either_side_hanging_up_its_own_call_tells_the_other() {
    // The caller (in_call is alice calling bob).
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::HangUp);
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Hangup)));
    assert!(s.call.is_idle() && fx.contains(&Effect::EndCall));
    // The callee, once it accepted.
    let callee = logged_in("bob", &["alice"])
        .reduce(srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "alice".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }))
        .reduce(Action::Accept)
        .reduce(Action::PeerConnected);
    assert!(callee.call.is_in_call());
    let (s, fx) = effects_of(&callee, Action::HangUp);
    assert_eq!(sent_hangup(&fx), Some(("alice".into(), HangupReason::Hangup)));
    assert!(s.call.is_idle() && fx.contains(&Effect::EndCall));
    assert_eq!(s.notice.unwrap().msg, Msg::CallEnded("alice".into()));
    // Hanging up with no call does nothing.
    let (_, fx) = effects_of(&logged_in("bob", &["alice"]), Action::HangUp);
    assert!(fx.is_empty());
}

#[test]
fn switching_microphone_or_speaker_uses_and_remembers_it_and_a_failed_switch_keeps_the_old() {
    for kind in [DeviceKind::Microphone, DeviceKind::Speaker] {
        let (s, fx) = effects_of(&in_call("alice", "bob"), Action::ChooseDevice { kind, id: Some("usb".into()) });
        assert_eq!(
            fx,
            vec![
                Effect::UseDevice { kind, id: Some("usb".into()) },
                Effect::RememberDevice { kind, id: Some("usb".into()) }
            ]
        );
        assert_eq!(s.devices.chosen(kind), Some("usb"));
        // Back to the system default.
        let (s, fx) = effects_of(&s, Action::ChooseDevice { kind, id: None });
        assert_eq!(fx, vec![Effect::UseDevice { kind, id: None }, Effect::RememberDevice { kind, id: None }]);
        assert_eq!(s.devices.chosen(kind), None);
    }
    // The agent could not open the new microphone: said, and the call goes on.
    let failed = Msg::SwitchFailed("NotReadableError".into());
    let s = in_call("alice", "bob").reduce(Action::MediaProblem(failed.clone()));
    assert_eq!(said(s.notice.as_ref().unwrap()), (failed, true));
    assert!(s.call.is_in_call());
}

#[test]
fn a_cancelled_screen_share_picker_changes_nothing_but_says_so() {
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::ToggleShare);
    assert_eq!(fx, vec![Effect::Call(CallEffect::StartShare)]);
    // The person closed the browser's picker.
    let s = s.reduce(Action::MediaProblem(Msg::ShareCancelled));
    assert!(!s.sharing_screen);
    assert!(s.call.is_in_call());
    assert_eq!(s.notice.as_ref().unwrap().msg, Msg::ShareCancelled);
    // Sharing, then the browser's own "Stop sharing" button.
    let s = s.reduce(Action::ScreenShared(true));
    assert!(s.sharing_screen);
    let (s, fx) = effects_of(&s, Action::ToggleShare);
    assert_eq!(fx, vec![Effect::Call(CallEffect::StopShare)]);
    assert!(!s.reduce(Action::ScreenShared(false)).sharing_screen);
    // Not in a call: nothing to share into.
    let (s, fx) = effects_of(&logged_in("alice", &[]), Action::ToggleShare);
    assert!(fx.is_empty());
    assert!(!s.reduce(Action::ScreenShared(true)).sharing_screen, "a late report after the call is ignored");
}

#[test]
fn a_chosen_language_is_used_and_remembered_a_detected_one_only_used() {
    let s = in_call("alice", "bob");
    let (s, fx) = effects_of(&s, Action::SetLang(Lang::Ko));
    assert_eq!(s.lang, Lang::Ko);
    assert_eq!(fx, vec![Effect::UseLang { lang: Lang::Ko, remember: true }]);
    assert!(s.call.is_in_call(), "changing the language leaves the call alone");
    let (s, fx) = effects_of(&s, Action::DetectedLang(Lang::En));
    assert_eq!(s.lang, Lang::En);
    assert_eq!(fx, vec![Effect::UseLang { lang: Lang::En, remember: false }]);
}

#[test]
fn panels_and_the_video_window_modes_follow_the_call() {
    let s = run(in_call("alice", "bob"), [Action::ToggleDevices, Action::ToggleStats]);
    assert!(s.show_devices && s.show_stats);
    let s = s.reduce(Action::CloseOverlays);
    assert!(!s.show_devices && !s.show_stats, "Escape closes the devices panel too");
    // Picture-in-picture and full screen are the agent's to do, in a call only.
    let (_, fx) = effects_of(&in_call("alice", "bob"), Action::TogglePictureInPicture);
    assert_eq!(fx, vec![Effect::TogglePictureInPicture]);
    let (_, fx) = effects_of(&in_call("alice", "bob"), Action::ToggleFullscreen);
    assert_eq!(fx, vec![Effect::ToggleFullscreen]);
    let (_, fx) = effects_of(&logged_in("alice", &[]), Action::TogglePictureInPicture);
    assert!(fx.is_empty(), "no remote video to float");
    let (_, fx) = effects_of(&logged_in("alice", &[]), Action::ToggleFullscreen);
    assert!(fx.is_empty());
}

#[test]
fn a_partner_whose_app_failed_is_not_a_network_problem() {
    for ringing in [false, true] {
        let s = if ringing {
            logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()))
        } else {
            in_call("alice", "bob")
        };
        let (s, fx) = effects_of(&s, hangup("bob", "alice", HangupReason::AppFailed));
        assert!(s.call.is_idle() && fx.contains(&Effect::EndCall));
        assert_eq!(sent_hangup(&fx), None, "nothing to answer");
        assert_eq!(said(s.notice.as_ref().unwrap()), (Msg::PeerAppFailed("bob".into()), true));
    }
}
