//! Cameras, microphones and speakers, and which of each the user chose.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    Camera,
    Microphone,
    Speaker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Devices {
    pub cameras: Vec<Device>,
    pub microphones: Vec<Device>,
    /// Empty where the browser cannot route audio output (no `setSinkId`).
    pub speakers: Vec<Device>,
    /// The chosen device of each kind; `None` is the system default.
    pub camera: Option<String>,
    pub microphone: Option<String>,
    pub speaker: Option<String>,
    /// What the browser does to the microphone's sound.
    pub audio: AudioProcessing,
}

/// The browser's processing of the microphone (`getUserMedia` constraints),
/// each on unless the user turned it off: off can suit music, or a headset
/// whose own processing is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioProcessing {
    pub noise_suppression: bool,
    pub echo_cancellation: bool,
    pub auto_gain: bool,
}

impl Default for AudioProcessing {
    fn default() -> Self {
        AudioProcessing { noise_suppression: true, echo_cancellation: true, auto_gain: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioSwitch {
    NoiseSuppression,
    EchoCancellation,
    AutoGain,
}

impl AudioSwitch {
    pub const ALL: [AudioSwitch; 3] =
        [AudioSwitch::NoiseSuppression, AudioSwitch::EchoCancellation, AudioSwitch::AutoGain];
}

impl AudioProcessing {
    pub fn get(self, switch: AudioSwitch) -> bool {
        match switch {
            AudioSwitch::NoiseSuppression => self.noise_suppression,
            AudioSwitch::EchoCancellation => self.echo_cancellation,
            AudioSwitch::AutoGain => self.auto_gain,
        }
    }

    pub fn set(&mut self, switch: AudioSwitch, on: bool) {
        match switch {
            AudioSwitch::NoiseSuppression => self.noise_suppression = on,
            AudioSwitch::EchoCancellation => self.echo_cancellation = on,
            AudioSwitch::AutoGain => self.auto_gain = on,
        }
    }
}

impl Devices {
    pub fn list(&self, kind: DeviceKind) -> &[Device] {
        match kind {
            DeviceKind::Camera => &self.cameras,
            DeviceKind::Microphone => &self.microphones,
            DeviceKind::Speaker => &self.speakers,
        }
    }

    pub fn chosen(&self, kind: DeviceKind) -> Option<&str> {
        match kind {
            DeviceKind::Camera => self.camera.as_deref(),
            DeviceKind::Microphone => self.microphone.as_deref(),
            DeviceKind::Speaker => self.speaker.as_deref(),
        }
    }

    pub fn choose(&mut self, kind: DeviceKind, id: Option<String>) {
        match kind {
            DeviceKind::Camera => self.camera = id,
            DeviceKind::Microphone => self.microphone = id,
            DeviceKind::Speaker => self.speaker = id,
        }
    }

    /// Takes a fresh enumeration (after `devicechange`, or once permission
    /// reveals labels). Returns the kinds whose chosen device disappeared:
    /// those fall back to the default, and a call in progress must switch.
    pub fn replace_lists(&mut self, fresh: Devices) -> Vec<DeviceKind> {
        let mut lost = vec![];
        self.cameras = fresh.cameras;
        self.microphones = fresh.microphones;
        self.speakers = fresh.speakers;
        for kind in [DeviceKind::Camera, DeviceKind::Microphone, DeviceKind::Speaker] {
            let gone = self.chosen(kind).is_some_and(|id| !self.list(kind).iter().any(|d| d.id == id));
            // An empty list means "not known yet" (no permission), not "unplugged".
            if gone && !self.list(kind).is_empty() {
                self.choose(kind, None);
                lost.push(kind);
            }
        }
        lost
    }
}
