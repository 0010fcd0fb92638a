//! A small incremental `text/event-stream` parser (WHATWG HTML §9.2), independent
//! of any HTTP client so it can be tested on its own.

/// One dispatched message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseMessage {
    /// `event:` field, "message" when absent.
    pub event: String,
    pub data: String,
    /// The last `id:` seen so far (it persists across messages, as in browsers).
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    // A chunk may end between the CR and the LF of a CRLF.
    skip_lf: bool,
    data: String,
    event: String,
    has_data: bool,
    last_id: Option<String>,
    retry_ms: Option<u64>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Last event id received, to send back as `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Reconnection delay the server asked for with `retry:`.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Feed raw bytes; returns the messages completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseMessage> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.skip_lf {
                self.skip_lf = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\r' => {
                    self.skip_lf = true;
                    self.end_line(&mut out);
                }
                b'\n' => self.end_line(&mut out),
                _ => self.line.push(b),
            }
        }
        out
    }

    fn end_line(&mut self, out: &mut Vec<SseMessage>) {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return; // comment: heartbeats
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line.as_str(), ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => self.event = value.to_owned(),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" => {
                if let Ok(ms) = value.parse() {
                    self.retry_ms = Some(ms);
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseMessage>) {
        let event = std::mem::take(&mut self.event);
        if !self.has_data {
            self.data.clear();
            return;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        out.push(SseMessage {
            event: if event.is_empty() { "message".to_owned() } else { event },
            data,
            id: self.last_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_split_anywhere() {
        let stream = b": hello\r\nretry: 1500\r\nid: 1\r\nevent: order.created\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nid: 2\ndata: x\n\n: ping\n\n";
        for split in 0..stream.len() {
            let mut p = SseParser::new();
            let mut msgs = p.feed(&stream[..split]);
            msgs.extend(p.feed(&stream[split..]));
            assert_eq!(msgs.len(), 2, "split at {split}");
            assert_eq!(msgs[0].event, "order.created");
            assert_eq!(msgs[0].data, "{\"a\":\n1}");
            assert_eq!(msgs[0].id.as_deref(), Some("1"));
            assert_eq!(msgs[1].event, "message");
            assert_eq!(msgs[1].id.as_deref(), Some("2"));
            assert_eq!(p.last_event_id(), Some("2"));
            assert_eq!(p.retry_ms(), Some(1500));
        }
    }

    #[test]
    fn no_data_means_no_dispatch() {
        let mut p = SseParser::new();
        assert!(p.feed(b"id: 7\nevent: x\n\n").is_empty());
        assert_eq!(p.last_event_id(), Some("7"));
        let m = p.feed(b"data\n\n");
        assert_eq!(m[0].data, "");
        assert_eq!(m[0].event, "message");
    }
}
