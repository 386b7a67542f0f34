//! A load generator for the benchmarks: plain HTTP/1.1 over keep-alive
//! loopback connections, one OS thread per connection, so that it costs
//! little and measures every request itself (no synthetic samples).
//!
//! Closed loop: each connection sends its next request as soon as the last
//! answer is in. Open loop (`rate`): request *i* is due at `i / rate`
//! seconds; a connection that is behind sends at once, and the latency is
//! counted from the time the request was *due*, so queueing shows in the
//! percentiles (no coordinated omission).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request to send.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    /// A JSON body.
    pub body: Option<String>,
}

/// Builds request number `i` (the same `i` gives the same request, so two
/// services can be driven with the same sequence).
pub type MakeRequest = Arc<dyn Fn(u64) -> Request + Send + Sync>;

/// What to run.
#[derive(Clone)]
pub struct Plan {
    pub addr: SocketAddr,
    pub connections: usize,
    pub duration: Duration,
    /// Requests per second offered in total (open loop); `None`: closed loop.
    pub rate: Option<f64>,
    pub make: MakeRequest,
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub ok: usize,
    pub errors: usize,
    pub seconds: f64,
    /// Latencies of the successful requests, sorted.
    pub latencies: Vec<Duration>,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }
    /// The `p`-quantile latency in milliseconds (0 with no samples).
    pub fn ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1000.0
    }
    pub fn max_ms(&self) -> f64 {
        self.latencies
            .last()
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// Runs a plan and returns what it measured.
pub fn run(plan: &Plan) -> Stats {
    let start = Instant::now() + Duration::from_millis(50);
    let deadline = start + plan.duration;
    let threads: Vec<_> = (0..plan.connections)
        .map(|c| {
            let plan = plan.clone();
            std::thread::spawn(move || connection(&plan, c, start, deadline))
        })
        .collect();
    let mut all = Stats::default();
    for t in threads {
        if let Ok(s) = t.join() {
            all.ok += s.ok;
            all.errors += s.errors;
            all.latencies.extend(s.latencies);
            all.first_error = all.first_error.or(s.first_error);
        }
    }
    all.seconds = plan.duration.as_secs_f64();
    all.latencies.sort_unstable();
    all
}

fn connection(plan: &Plan, c: usize, start: Instant, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let mut conn: Option<Connection> = None;
    let mut i = c as u64;
    while let Some(now) = Some(Instant::now()).filter(|n| *n < deadline) {
        let due = match plan.rate {
            Some(rate) => {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                if due >= deadline {
                    break;
                }
                if due > now {
                    std::thread::sleep(due - now);
                }
                due
            }
            None => {
                if now < start {
                    std::thread::sleep(start - now);
                }
                Instant::now()
            }
        };
        let request = (plan.make)(i);
        i += plan.connections as u64;
        if conn.is_none() {
            match Connection::open(plan.addr) {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    stats.errors += 1;
                    stats.first_error.get_or_insert(format!("connect: {e}"));
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            }
        }
        let Some(open) = conn.as_mut() else { continue };
        match open.exchange(&request) {
            Ok((status, keep)) if status < 400 => {
                stats.ok += 1;
                stats.latencies.push(due.elapsed());
                if !keep {
                    conn = None;
                }
            }
            Ok((status, keep)) => {
                stats.errors += 1;
                stats
                    .first_error
                    .get_or_insert(format!("{} {}: {status}", request.method, request.path));
                if !keep {
                    conn = None;
                }
            }
            Err(e) => {
                stats.errors += 1;
                stats
                    .first_error
                    .get_or_insert(format!("{}: {e}", request.path));
                conn = None;
            }
        }
    }
    stats
}

struct Connection {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    host: String,
}

impl Connection {
    fn open(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::with_capacity(64 * 1024, stream.try_clone()?),
            writer: stream,
            host: addr.to_string(),
        })
    }

    /// Sends a request and reads the whole answer: `(status, keep-alive)`.
    fn exchange(&mut self, r: &Request) -> std::io::Result<(u16, bool)> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n",
            r.method, r.path, self.host
        );
        if let Some(body) = &r.body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        } else {
            head.push_str("\r\n");
        }
        self.writer.write_all(head.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let (mut length, mut chunked, mut keep) = (0usize, false, true);
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
                match k.as_str() {
                    "content-length" => length = v.parse().unwrap_or(0),
                    "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                    "connection" => keep = !v.eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut skip = vec![0; size + 2];
                self.reader.read_exact(&mut skip)?;
                if size == 0 {
                    break;
                }
            }
        } else {
            std::io::copy(
                &mut (&mut self.reader).take(length as u64),
                &mut std::io::sink(),
            )?;
        }
        Ok((status, keep))
    }
}
