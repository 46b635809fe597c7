//! A small HTTP/1.1 client over a plain `TcpStream`, so the tests control
//! every byte: a body sent in two halves with a pause between, a chunked
//! upload read back line by line, a header left out on purpose.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// Generous: the machine may be loaded; no test asserts a time.
const IO_TIMEOUT: Duration = Duration::from_secs(120);

/// A response, body de-chunked.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{}",
            self.text()
        );
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {}", self.text()))
            .to_string()
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// The request head; `Content-Length` is added when `length` is given.
pub fn head(method: &str, path: &str, headers: &[(&str, &str)], length: Option<usize>) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = length {
        head.push_str(&format!("Content-Length: {n}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Sends a whole request and reads the whole response.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = connect(addr);
    let length = (method != "GET" || !body.is_empty()).then_some(body.len());
    stream
        .write_all(head(method, path, headers, length).as_bytes())
        .unwrap();
    stream.write_all(body).unwrap();
    read_response(&mut BufReader::new(stream))
}

pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, &[], b"")
}

/// `POST` with a content type.
pub fn post(addr: SocketAddr, path: &str, content_type: &str, body: &[u8]) -> Response {
    request(addr, "POST", path, &[("Content-Type", content_type)], body)
}

pub fn post_json(addr: SocketAddr, path: &str, body: &Value) -> Response {
    post(addr, path, "application/json", body.to_string().as_bytes())
}

/// A request whose body is sent in two parts: `start` sends the head and
/// the first part; `finish` the rest, then reads the response.
pub struct Partial {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl Partial {
    pub fn start(
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        split: usize,
    ) -> Partial {
        let mut stream = connect(addr);
        stream
            .write_all(head("POST", path, headers, Some(body.len())).as_bytes())
            .unwrap();
        stream.write_all(&body[..split]).unwrap();
        stream.flush().unwrap();
        Partial {
            stream,
            rest: body[split..].to_vec(),
        }
    }

    pub fn finish(mut self) -> Response {
        self.stream.write_all(&self.rest).unwrap();
        read_response(&mut BufReader::new(self.stream))
    }

    /// Reads the response without sending the rest (the server gave up).
    pub fn response(self) -> Response {
        read_response(&mut BufReader::new(self.stream))
    }
}

/// Reads the status line and headers.
pub fn read_head(reader: &mut impl BufRead) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').expect("header");
        headers.push((k.trim().to_lowercase(), v.trim().to_string()));
    }
    (status, headers)
}

/// Reads one chunk of a chunked body; `None` at the last chunk.
pub fn read_chunk(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut line = String::new();
    reader.read_line(&mut line).expect("chunk size");
    let size = usize::from_str_radix(line.trim().split(';').next().unwrap(), 16)
        .unwrap_or_else(|_| panic!("bad chunk size {line:?}"));
    let mut chunk = vec![0; size];
    reader.read_exact(&mut chunk).expect("chunk");
    line.clear();
    reader.read_line(&mut line).expect("chunk end");
    (size > 0).then_some(chunk)
}

pub fn read_response(reader: &mut impl BufRead) -> Response {
    let (status, headers) = read_head(reader);
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        while let Some(chunk) = read_chunk(reader) {
            body.extend(chunk);
        }
    } else if let Some(n) = find("content-length") {
        body = vec![0; n.parse().unwrap()];
        reader.read_exact(&mut body).expect("body");
    } else {
        reader.read_to_end(&mut body).expect("body");
    }
    Response {
        status,
        headers,
        body,
    }
}
