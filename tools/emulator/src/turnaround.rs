//! The device's part of a round trip: from reading a request to queueing
//! its reply. The rest of an operation's time is the host's (its USB stack,
//! the driver and the program that calls it); `tools/bench/run` takes the
//! device's part from an operation's time to show it. (The host's part is
//! not timed here: the time from a reply to the next request also holds
//! whatever pause the caller takes between its loops.)
//!
//! A round trip is counted only while requests and replies strictly
//! alternate (one request in flight: a caller that waits for each reply),
//! so that each figure belongs to one request. The `stats` control command
//! reports the sum and the count.

/// The device's part of the round trips seen so far.
#[derive(Debug, Default)]
pub struct Turnaround {
    /// When the previous request's bytes were read.
    prev_read_ns: Option<u64>,
    /// Round trips counted.
    pub count: u64,
    /// Sum of the device's part, in nanoseconds.
    pub device_ns: u64,
}

impl Turnaround {
    /// A request's bytes were read at `read_ns`; the last frame before it
    /// went out on bulk IN at `sent_ns` (0 if none has).
    pub fn read(&mut self, read_ns: u64, sent_ns: u64) {
        if let Some(prev) = self.prev_read_ns {
            if sent_ns > prev && read_ns >= sent_ns {
                self.count += 1;
                self.device_ns += sent_ns - prev;
            }
        }
        self.prev_read_ns = Some(read_ns);
    }

    /// The `stats` lines.
    pub fn report(&self) -> String {
        format!("round_trips {}\ndevice_ns {}\n", self.count, self.device_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternating_requests_and_replies_count_the_device_part_of_each() {
        let mut t = Turnaround::default();
        t.read(1_000, 0); // the first request: nothing to pair it with
        t.read(5_000, 3_000); // replied at 3 us, next request at 5 us
        t.read(9_000, 6_000);
        assert_eq!((t.count, t.device_ns), (2, 2_000 + 1_000));
    }

    #[test]
    fn a_request_read_before_the_reply_to_the_last_is_not_counted() {
        let mut t = Turnaround::default();
        t.read(1_000, 0);
        t.read(2_000, 500); // pipelined: the last reply predates the last request
        assert_eq!(t.count, 0);
        t.read(4_000, 3_000);
        assert_eq!((t.count, t.device_ns), (1, 1_000));
    }
}
