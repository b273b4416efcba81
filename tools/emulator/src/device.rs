//! The emulated device's protocol engine: a request in, a reply out.
//!
//! It knows nothing of USB; [`crate::link`] feeds it frames and sends what
//! it answers.

use rpbridge_protocol::{
    frame::{Header, Kind},
    info::DeviceInfo,
    opcode,
    status::Status,
    PROTOCOL_MAJOR, PROTOCOL_MINOR,
};

use crate::config::Config;

/// State of one emulated bridge.
pub struct Device {
    info: DeviceInfo,
}

impl Device {
    /// A device as `config` describes it.
    pub fn new(config: &Config) -> Result<Self, String> {
        let info = DeviceInfo::new(
            (PROTOCOL_MAJOR, PROTOCOL_MINOR),
            config.firmware,
            config.serial.as_bytes(),
        )
        .map_err(|e| format!("serial number {:?}: {e:?}", config.serial))?;
        Ok(Device { info })
    }

    /// Answers one frame from the host, appending the reply frame to `out`.
    /// Frames that are not requests get no answer.
    pub fn handle(&mut self, header: &Header, payload: &[u8], out: &mut Vec<u8>) {
        if header.kind != Kind::Request {
            return;
        }
        let mut body = [0u8; 64];
        let (status, len) = match header.opcode {
            opcode::GET_INFO if payload.is_empty() => {
                (Status::Ok, self.info.encode(&mut body).unwrap_or(0))
            }
            opcode::GET_INFO => (Status::BadLength, 0),
            _ => (Status::Unsupported, 0),
        };
        // CAST: `len` is at most the 64 bytes of `body`.
        let reply = header.reply_to(status.to_wire(), len as u16);
        out.extend_from_slice(&reply.encode());
        out.extend_from_slice(&body[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use rpbridge_protocol::frame::HEADER_LEN;

    fn device(args: &[&str]) -> Device {
        let mut argv = vec!["rpbridge-emulator"];
        argv.extend_from_slice(args);
        Device::new(&Config::parse_from(argv)).expect("valid config")
    }

    fn ask(dev: &mut Device, opcode: u16, tag: u32, payload: &[u8]) -> (Header, Vec<u8>) {
        let mut out = Vec::new();
        // CAST: test payloads are a few bytes.
        dev.handle(
            &Header::request(opcode, tag, payload.len() as u16),
            payload,
            &mut out,
        );
        let h = Header::decode(&out).expect("reply header decodes");
        assert_eq!(
            out.len(),
            HEADER_LEN + usize::from(h.len),
            "reply length matches header"
        );
        (h, out[HEADER_LEN..].to_vec())
    }

    #[test]
    fn get_info_reports_the_configured_identity() {
        let mut dev = device(&["--serial", "ABC-42", "--firmware", "2.5.9"]);
        let (h, body) = ask(&mut dev, opcode::GET_INFO, 0x0102_0304, &[]);
        assert_eq!((h.kind, h.status, h.tag), (Kind::Reply, 0, 0x0102_0304));
        let info = DeviceInfo::decode(&body).expect("info decodes");
        assert_eq!(info.serial(), b"ABC-42");
        assert_eq!(info.firmware, (2, 5, 9));
        assert_eq!(info.protocol, (PROTOCOL_MAJOR, PROTOCOL_MINOR));
    }

    #[test]
    fn get_info_with_a_payload_is_a_length_error() {
        let mut dev = device(&[]);
        let (h, body) = ask(&mut dev, opcode::GET_INFO, 7, &[1]);
        assert_eq!(Status::from_wire(h.status), Status::BadLength);
        assert!(body.is_empty());
    }

    #[test]
    fn unknown_opcodes_are_unsupported() {
        let mut dev = device(&[]);
        let (h, _) = ask(&mut dev, 0x7f7f, 9, &[]);
        assert_eq!(Status::from_wire(h.status), Status::Unsupported);
    }

    #[test]
    fn replies_and_events_from_the_host_are_ignored() {
        let mut dev = device(&[]);
        let mut out = Vec::new();
        let req = Header::request(opcode::GET_INFO, 1, 0);
        dev.handle(&req.reply_to(0, 0), &[], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn bad_serial_numbers_are_refused() {
        let cfg = Config::parse_from(["rpbridge-emulator", "--serial", "has space"]);
        assert!(Device::new(&cfg).is_err());
    }
}
