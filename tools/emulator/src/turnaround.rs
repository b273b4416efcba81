//! Where a round trip's time goes, seen from the device: from a reply to
//! the next request is the host's turnaround (its USB stack, the driver and
//! the program that calls it), from a request to its reply the device's.
//!
//! A round trip is counted only while requests and replies strictly
//! alternate (one request in flight: a caller that waits for each reply),
//! so that each figure belongs to one request. The `stats` control command
//! reports the sums; `tools/bench/run` divides them by the count.

/// Sums of the round trips seen so far.
#[derive(Debug, Default)]
pub struct Turnaround {
    /// When the previous request's bytes were read.
    prev_read_ns: Option<u64>,
    /// Round trips counted.
    pub count: u64,
    /// Sum of the host's part, in nanoseconds.
    pub host_ns: u64,
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
                self.host_ns += read_ns - sent_ns;
            }
        }
        self.prev_read_ns = Some(read_ns);
    }

    /// The `stats` lines.
    pub fn report(&self) -> String {
        format!(
            "round_trips {}\nhost_ns {}\ndevice_ns {}\n",
            self.count, self.host_ns, self.device_ns
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternating_requests_and_replies_split_each_round_trip() {
        let mut t = Turnaround::default();
        t.read(1_000, 0); // the first request: nothing to pair it with
        t.read(5_000, 3_000); // replied at 3 us, next request at 5 us
        t.read(9_000, 6_000);
        assert_eq!(
            (t.count, t.device_ns, t.host_ns),
            (2, 2_000 + 1_000, 2_000 + 3_000)
        );
    }

    #[test]
    fn a_request_read_before_the_reply_to_the_last_is_not_counted() {
        let mut t = Turnaround::default();
        t.read(1_000, 0);
        t.read(2_000, 500); // pipelined: the last reply predates the last request
        assert_eq!(t.count, 0);
        t.read(4_000, 3_000);
        assert_eq!((t.count, t.device_ns, t.host_ns), (1, 1_000, 1_000));
    }
}
