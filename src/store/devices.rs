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
