//! Fuzz target: arbitrary bytes from a (hostile) device through the frame
//! reassembler and every message decoder. Nothing may panic, loop or read
//! out of bounds; what decodes must re-encode to the same bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rpbridge_protocol::{
    adc, caps, gpio, i2c,
    info::{DeviceInfo, Version},
    pwm,
    reassembler::{Item, Reassembler},
    spi,
    wire::Message,
    Instance,
};

/// Decodes `p` as `M`; if it decodes and `M` can re-encode, the bytes must
/// come back unchanged.
fn roundtrip<'a, M: Message<'a>>(p: &'a [u8]) {
    if let Ok(m) = M::decode(p) {
        let mut out = vec![0u8; p.len() + 64];
        if let Ok(n) = m.encode_to(&mut out) {
            assert_eq!(&out[..n], p, "re-encoding changed the bytes");
        }
    }
}

fn every_decoder(p: &[u8]) {
    roundtrip::<DeviceInfo>(p);
    roundtrip::<Version>(p);
    roundtrip::<Instance>(p);
    roundtrip::<gpio::Line>(p);
    roundtrip::<gpio::LineValue>(p);
    roundtrip::<gpio::Lines>(p);
    roundtrip::<gpio::SetMultiple>(p);
    roundtrip::<gpio::SetConfig>(p);
    roundtrip::<gpio::IrqType>(p);
    roundtrip::<gpio::IrqEvent>(p);
    roundtrip::<gpio::NamesRequest>(p);
    roundtrip::<i2c::Speed>(p);
    roundtrip::<i2c::TransferReply>(p);
    roundtrip::<spi::Transfer>(p);
    roundtrip::<pwm::SetState>(p);
    roundtrip::<pwm::State>(p);
    roundtrip::<adc::Rate>(p);
    roundtrip::<adc::StreamStart>(p);
    roundtrip::<adc::SampleBlock>(p);
    // The list types decode to a checked view; walking it must not fail.
    if let Ok(c) = caps::Capabilities::decode(p) {
        let _ = c.iter().count();
    }
    if let Ok(n) = gpio::Names::decode(p) {
        let _ = n.iter().count();
    }
    if let Ok(t) = i2c::Transfer::decode(p) {
        let _ = (t.msgs().count(), t.read_len());
    }
}

fuzz_target!(|data: &[u8]| {
    every_decoder(data);
    let mut r = Box::new(Reassembler::new());
    // Split the stream where the input says, as USB transfers would.
    let cut = data.first().map_or(1, |&b| usize::from(b) + 1);
    for chunk in data.chunks(cut) {
        r.feed(chunk, &mut |item| {
            if let Item::Frame(h, payload) = item {
                assert!(h.payload_ok(payload));
                every_decoder(payload);
            }
        });
    }
});
