//! A loopback port that refuses connections, for the workspace's tests. A dev-dependency only: nothing that
//! ships links it.
//!
//! A port taken from a listener that is then dropped is free again at once, and a test running beside it that
//! binds port 0 (an emulator, a stub server) may be given that very port and answer where "nothing listens" was
//! meant. This one stays bound, and never listens, for as long as it lives.

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{Ipv4Addr, SocketAddr};

/// A port on 127.0.0.1 that nothing else can take and that refuses every connection while this lives.
pub struct ClosedPort {
    _socket: Socket,
    port: u16,
}

impl ClosedPort {
    /// Binds a free port on 127.0.0.1 without listening on it.
    pub fn new() -> Self {
        // No SO_REUSEADDR: with it on both sides, Linux lets another socket bind the same port while neither
        // listens, and that one could then listen.
        let socket =
            Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("a TCP socket");
        socket
            .bind(&SockAddr::from(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
            .expect("bind 127.0.0.1:0");
        let port = socket
            .local_addr()
            .expect("the bound address")
            .as_socket()
            .expect("an IP address")
            .port();
        Self {
            _socket: socket,
            port,
        }
    }

    /// The port number.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`, as a base URL for a client or a profile.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Default for ClosedPort {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::ClosedPort;
    use std::io::ErrorKind;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn refuses_connections_and_cannot_be_taken() {
        let closed = ClosedPort::new();
        let refused = TcpStream::connect(("127.0.0.1", closed.port())).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
        assert!(TcpListener::bind(("127.0.0.1", closed.port())).is_err());
        assert_eq!(closed.url(), format!("http://127.0.0.1:{}", closed.port()));
    }
}
