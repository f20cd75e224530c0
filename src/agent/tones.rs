//! Ringtone and ringback, synthesized with Web Audio: no sound files to
//! download, and dropping the value silences it.

use gloo::timers::callback::Interval;
use web_sys::{AudioContext, GainNode, OscillatorNode};

/// A repeating two-frequency tone.
pub struct Tone {
    ctx: AudioContext,
    oscillators: Vec<OscillatorNode>,
    _repeat: Interval,
}

struct Pattern {
    freqs: [f32; 2],
    /// (start, length) of each burst within a period, in seconds.
    bursts: &'static [(f64, f64)],
    period_ms: u32,
    volume: f32,
}

/// The callee hears two short rings, then a pause.
const RINGTONE: Pattern =
    Pattern { freqs: [480.0, 620.0], bursts: &[(0.0, 0.4), (0.6, 0.4)], period_ms: 3000, volume: 0.12 };
/// The caller hears the ringback tone of Korean (and North American) phones:
/// 440 + 480 Hz, one second on, two off.
const RINGBACK: Pattern = Pattern { freqs: [440.0, 480.0], bursts: &[(0.0, 1.0)], period_ms: 3000, volume: 0.06 };

impl Tone {
    pub fn ringtone() -> Option<Tone> {
        Tone::play(&RINGTONE)
    }

    pub fn ringback() -> Option<Tone> {
        Tone::play(&RINGBACK)
    }

    fn play(p: &'static Pattern) -> Option<Tone> {
        let ctx = AudioContext::new().ok()?;
        let gain: GainNode = ctx.create_gain().ok()?;
        gain.gain().set_value(0.0);
        gain.connect_with_audio_node(&ctx.destination()).ok()?;
        let mut oscillators = vec![];
        for f in p.freqs {
            let o = ctx.create_oscillator().ok()?;
            o.frequency().set_value(f);
            o.connect_with_audio_node(&gain).ok()?;
            o.start().ok()?;
            oscillators.push(o);
        }
        let schedule = {
            let (ctx, gain) = (ctx.clone(), gain.clone());
            move || {
                let t = ctx.current_time();
                for (start, len) in p.bursts {
                    let g = gain.gain();
                    let _ = g.set_value_at_time(p.volume, t + start);
                    let _ = g.set_value_at_time(0.0, t + start + len);
                }
            }
        };
        schedule();
        let repeat = Interval::new(p.period_ms, schedule);
        Some(Tone { ctx, oscillators, _repeat: repeat })
    }
}

impl Drop for Tone {
    fn drop(&mut self) {
        for o in &self.oscillators {
            let _ = o.stop();
        }
        let _ = self.ctx.close();
    }
}
