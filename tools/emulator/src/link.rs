//! The byte stream between the host and the device engine: reassembles the
//! host's frames, lets [`Device`] answer them, and collects the bytes to send.

use rpbridge_protocol::reassembler::{Item, Reassembler};

use crate::device::Device;

/// One direction's reassembly plus the device behind it.
pub struct Link {
    reassembler: Box<Reassembler>,
    device: Device,
    /// Bytes dropped because they did not form a frame.
    pub garbage: usize,
}

impl Link {
    /// A link in front of `device`.
    pub fn new(device: Device) -> Self {
        Link {
            reassembler: Box::new(Reassembler::new()),
            device,
            garbage: 0,
        }
    }

    /// Takes bytes the host sent; returns the bytes to send back.
    pub fn on_bytes(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let device = &mut self.device;
        let garbage = &mut self.garbage;
        self.reassembler.feed(data, &mut |item| match item {
            Item::Frame(header, payload) => device.handle(&header, payload, &mut out),
            Item::Garbage(n, why) => {
                eprintln!("rpbridge-emulator: dropped {n} bytes ({why:?})");
                *garbage += n;
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use clap::Parser;
    use rpbridge_protocol::{
        frame::{Header, HEADER_LEN},
        opcode,
    };

    fn link() -> Link {
        Link::new(Device::new(&Config::parse_from(["rpbridge-emulator"])).unwrap())
    }

    #[test]
    fn a_request_split_byte_by_byte_gets_one_reply() {
        let mut l = link();
        let req = Header::request(opcode::GET_INFO, 5, 0).encode();
        let mut out = Vec::new();
        for b in req {
            out.extend(l.on_bytes(&[b]));
        }
        let h = Header::decode(&out).unwrap();
        assert_eq!(h.tag, 5);
        assert_eq!(out.len(), HEADER_LEN + usize::from(h.len));
    }

    #[test]
    fn garbage_before_a_request_is_dropped_and_counted() {
        let mut l = link();
        let mut bytes = b"RRxx\x00junk".to_vec();
        bytes.extend(Header::request(opcode::GET_INFO, 6, 0).encode());
        let out = l.on_bytes(&bytes);
        assert_eq!(Header::decode(&out).unwrap().tag, 6);
        assert_eq!(l.garbage, 9);
    }
}
