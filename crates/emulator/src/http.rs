//! A small HTTP/1.1 reader and writer over a socket.
//!
//! Hand-written rather than hyper so the emulator sees header values exactly as sent and can misbehave
//! on purpose (announce a longer body than it writes, close without answering).

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::verify::RequestParts;

const MAX_HEAD_BYTES: u64 = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// 100 merchants of 30 characters fit in a few KiB; a megabyte leaves room for pretty-printing.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A parsed request and whether the connection may carry another one.
pub(crate) struct Incoming {
    pub parts: RequestParts,
    pub keep_alive: bool,
}

/// What reading the next request gave.
pub(crate) enum ReadOutcome {
    Request(Incoming),
    /// The peer closed (or went idle and closed) between requests.
    Closed,
    /// Not HTTP we can answer; the status to send before closing.
    Malformed(u16, &'static str),
}

/// Reads one request; `out` is only used for an interim `100 Continue`.
pub(crate) async fn read_request<R, W>(reader: &mut R, out: &mut W) -> std::io::Result<ReadOutcome>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut budget = MAX_HEAD_BYTES;
    let request_line = loop {
        match read_line(reader, &mut budget).await? {
            None => return Ok(ReadOutcome::Closed),
            Some(Line::TooLong) => return Ok(ReadOutcome::Malformed(431, "head too large")),
            Some(Line::NotUtf8) => return Ok(ReadOutcome::Malformed(400, "not UTF-8")),
            // RFC 9112 allows ignoring empty lines before a request line.
            Some(Line::Text(line)) if line.is_empty() => continue,
            Some(Line::Text(line)) => break line,
        }
    };
    let Some((method, target, version)) = split_request_line(&request_line) else {
        return Ok(ReadOutcome::Malformed(400, "bad request line"));
    };

    let mut headers = Vec::new();
    loop {
        let line = match read_line(reader, &mut budget).await? {
            None => return Ok(ReadOutcome::Closed),
            Some(Line::TooLong) => return Ok(ReadOutcome::Malformed(431, "head too large")),
            Some(Line::NotUtf8) => return Ok(ReadOutcome::Malformed(400, "not UTF-8")),
            Some(Line::Text(line)) => line,
        };
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Ok(ReadOutcome::Malformed(431, "too many headers"));
        }
        match split_header(&line) {
            Some(header) => headers.push(header),
            None => return Ok(ReadOutcome::Malformed(400, "bad header line")),
        }
    }

    let mut parts = RequestParts {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    let keep_alive = wants_keep_alive(&parts, version);
    if parts
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        out.flush().await?;
    }
    let body = match body_framing(&parts) {
        Err(status) => return Ok(ReadOutcome::Malformed(status, "bad body framing")),
        Ok(Framing::Length(len)) => read_exact_body(reader, len).await?,
        Ok(Framing::Chunked) => read_chunked_body(reader).await?,
    };
    match body {
        Some(body) => parts.body = body,
        None => return Ok(ReadOutcome::Closed),
    }
    Ok(ReadOutcome::Request(Incoming { parts, keep_alive }))
}

enum Line {
    Text(String),
    TooLong,
    NotUtf8,
}

/// One CRLF (or bare LF) terminated line; `None` at end of stream.
async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    budget: &mut u64,
) -> std::io::Result<Option<Line>> {
    let mut raw = Vec::new();
    let read = (&mut *reader)
        .take(*budget)
        .read_until(b'\n', &mut raw)
        .await?;
    *budget -= read as u64;
    if read == 0 {
        return Ok(if *budget == 0 {
            Some(Line::TooLong)
        } else {
            None
        });
    }
    if raw.last() != Some(&b'\n') {
        return Ok(if *budget == 0 {
            Some(Line::TooLong)
        } else {
            None
        });
    }
    raw.pop();
    if raw.last() == Some(&b'\r') {
        raw.pop();
    }
    // Lines that are not UTF-8 refuse the whole request (the client never sends them).
    Ok(Some(match String::from_utf8(raw) {
        Ok(text) => Line::Text(text),
        Err(_) => Line::NotUtf8,
    }))
}

fn split_request_line(line: &str) -> Option<(String, String, &str)> {
    let mut fields = line.split(' ');
    let (method, target, version) = (fields.next()?, fields.next()?, fields.next()?);
    let valid = fields.next().is_none()
        && !method.is_empty()
        && method.bytes().all(is_token_byte)
        && target.starts_with('/')
        && !target.chars().any(|c| c.is_control() || c == ' ')
        && (version == "HTTP/1.1" || version == "HTTP/1.0");
    valid.then(|| (method.to_owned(), target.to_owned(), version))
}

fn split_header(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once(':')?;
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return None;
    }
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return None;
    }
    Some((name.to_owned(), value.to_owned()))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn wants_keep_alive(parts: &RequestParts, version: &str) -> bool {
    let has = |token: &str| {
        parts
            .header_values("connection")
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if version == "HTTP/1.0" {
        has("keep-alive")
    } else {
        !has("close")
    }
}

enum Framing {
    Length(usize),
    Chunked,
}

fn body_framing(parts: &RequestParts) -> Result<Framing, u16> {
    let encodings: Vec<&str> = parts.header_values("transfer-encoding").collect();
    let lengths: Vec<&str> = parts.header_values("content-length").collect();
    if !encodings.is_empty() {
        // Both framings at once is the classic request-smuggling shape: refuse it.
        if !lengths.is_empty()
            || encodings.len() > 1
            || !encodings[0].eq_ignore_ascii_case("chunked")
        {
            return Err(400);
        }
        return Ok(Framing::Chunked);
    }
    match lengths.as_slice() {
        [] => Ok(Framing::Length(0)),
        [one] if !one.is_empty() && one.bytes().all(|b| b.is_ascii_digit()) => {
            match one.parse::<usize>() {
                Ok(len) if len <= MAX_BODY_BYTES => Ok(Framing::Length(len)),
                _ => Err(413),
            }
        }
        _ => Err(400),
    }
}

async fn read_exact_body<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    len: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut body = vec![0; len];
    match reader.read_exact(&mut body).await {
        Ok(_) => Ok(Some(body)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

async fn read_chunked_body<R: AsyncBufRead + Unpin>(
    reader: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD_BYTES;
    loop {
        let Some(Line::Text(size_line)) = read_line(reader, &mut budget).await? else {
            return Ok(None);
        };
        let size_text = size_line.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return Ok(None);
        };
        if size == 0 {
            // Skip trailers up to the empty line.
            loop {
                match read_line(reader, &mut budget).await? {
                    Some(Line::Text(t)) if t.is_empty() => return Ok(Some(body)),
                    Some(Line::Text(_)) => continue,
                    _ => return Ok(None),
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY_BYTES {
            return Ok(None);
        }
        let Some(chunk) = read_exact_body(reader, size).await? else {
            return Ok(None);
        };
        body.extend_from_slice(&chunk);
        match read_line(reader, &mut budget).await? {
            Some(Line::Text(t)) if t.is_empty() => {}
            _ => return Ok(None),
        }
    }
}

/// A complete answer; `Content-Length` and `Connection` are added when it is written.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The head (status line and headers, through the empty line) for this body length.
    pub fn head(&self, keep_alive: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        let connection = if keep_alive { "keep-alive" } else { "close" };
        head.push_str(&format!("Connection: {connection}\r\n\r\n"));
        head.into_bytes()
    }

    /// Writes the whole response.
    pub async fn write_to<W: AsyncWrite + Unpin>(
        &self,
        out: &mut W,
        keep_alive: bool,
    ) -> std::io::Result<()> {
        let mut bytes = self.head(keep_alive);
        bytes.extend_from_slice(&self.body);
        out.write_all(&bytes).await?;
        out.flush().await
    }

    /// Writes the head with the full Content-Length but only the first half of the body.
    pub async fn write_cut_off<W: AsyncWrite + Unpin>(&self, out: &mut W) -> std::io::Result<()> {
        let mut bytes = self.head(false);
        bytes.extend_from_slice(&self.body[..self.body.len() / 2]);
        out.write_all(&bytes).await?;
        out.flush().await
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Unknown",
    }
}
