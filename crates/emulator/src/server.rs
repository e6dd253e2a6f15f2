//! The loopback server: accepts connections, reads requests, applies the fault, answers.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::activation::{self, CodesTarget, IssuedCodes};
use crate::config::EmulatorConfig;
use crate::faults::Fault;
use crate::http::{read_request, ReadOutcome, Response};
use crate::issue::{issue, parse_request, IssuedRecord};
use crate::jwt::{authenticate, SeenTokens};
use crate::lifecycle::{self, Keys};
use crate::responses;
use crate::route::Route;
use crate::verify::{Rejection, RequestParts};

/// A running emulator on 127.0.0.1. Dropping it stops it too; [`Emulator::shutdown`] also waits.
pub struct Emulator {
    addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

struct State {
    config: EmulatorConfig,
    requests: AtomicUsize,
    server_error_sent: AtomicBool,
    issued: Mutex<Vec<IssuedRecord>>,
    codes: Mutex<Vec<IssuedCodes>>,
    /// Who issued each key, which were deleted, statuses set by tests.
    keys: Mutex<Keys>,
    /// The `jti`s of accepted JWTs, to refuse a replay.
    seen_tokens: SeenTokens,
}

/// What to do with the connection after a request.
enum Action {
    Respond(Response),
    CutOff(Response),
    Close,
}

impl Emulator {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        Emulator::start_on(config, 0).await
    }

    /// Starts on 127.0.0.1 with this port (0 picks a free one).
    pub async fn start_on(config: EmulatorConfig, port: u16) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        log::info!(
            "KMS emulator listening on http://{addr} (fault: {}, {} credential(s), {} certificate(s))",
            config.fault,
            config.credentials.len(),
            config.certificates.len()
        );
        let state = Arc::new(State {
            config,
            requests: AtomicUsize::new(0),
            server_error_sent: AtomicBool::new(false),
            issued: Mutex::new(Vec::new()),
            codes: Mutex::new(Vec::new()),
            keys: Mutex::new(Keys::default()),
            seen_tokens: SeenTokens::new(),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state), stopped));
        Ok(Emulator {
            addr,
            state,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.state.config
    }

    /// How many requests it has read (any path, any outcome, unreadable ones included).
    pub fn requests_received(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Every key it has issued, in order.
    pub fn issued(&self) -> Vec<IssuedRecord> {
        self.state
            .issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every batch of activation codes it has made, in order.
    pub fn codes_issued(&self) -> Vec<IssuedCodes> {
        lock(&self.state.codes).clone()
    }

    /// Makes a key report this status (`INACTIVE`, `EXPIRED`, …) from now on, as if changed at Cybersource.
    pub fn set_key_status(&self, key_id: &str, status: &str) {
        lock(&self.state.keys).set_status(key_id, status);
    }

    /// The ids of the keys deleted so far, sorted.
    pub fn deleted(&self) -> Vec<String> {
        lock(&self.state.keys).deleted()
    }

    /// Stops accepting, drops open connections and waits until they are gone.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    log::debug!("emulator: connection from {peer}");
                    connections.spawn(serve_connection(stream, Arc::clone(&state)));
                }
                Err(e) => log::warn!("emulator: accept failed: {e}"),
            },
        }
    }
    connections.shutdown().await;
    log::info!("KMS emulator stopped");
}

async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let incoming = match read_request(&mut reader, &mut writer).await {
            Ok(ReadOutcome::Request(incoming)) => incoming,
            Ok(ReadOutcome::Closed) | Err(_) => break,
            Ok(ReadOutcome::Malformed(status, why)) => {
                state.requests.fetch_add(1, Ordering::SeqCst);
                log::info!("emulator: unreadable request ({why}), answering {status}");
                let response = responses::malformed(state.config.now(), status, why);
                let _ = response.write_to(&mut writer, false).await;
                break;
            }
        };
        state.requests.fetch_add(1, Ordering::SeqCst);
        let written = match handle(&state, &incoming.parts).await {
            Action::Respond(response) => {
                log::debug!(
                    "emulator: {} {} -> {}",
                    incoming.parts.method,
                    incoming.parts.target,
                    response.status
                );
                response.write_to(&mut writer, incoming.keep_alive).await
            }
            Action::CutOff(response) => {
                log::info!("emulator: cutting the response off (fault)");
                let _ = response.write_cut_off(&mut writer).await;
                break;
            }
            Action::Close => {
                log::info!("emulator: closing without an answer (fault)");
                break;
            }
        };
        if written.is_err() || !incoming.keep_alive {
            break;
        }
    }
    let _ = writer.shutdown().await;
}

async fn handle(state: &State, req: &RequestParts) -> Action {
    let config = &state.config;
    let received_at = config.now();
    let Some(route) = Route::of(&req.method, &req.target) else {
        return Action::Respond(responses::not_found(received_at));
    };
    match &config.fault {
        Fault::ServerErrorOnce if !state.server_error_sent.swap(true, Ordering::SeqCst) => {
            let message = "The upstream server did not answer in time";
            return Action::Respond(responses::server_error(received_at, 502, message));
        }
        Fault::AlwaysUnauthorized => {
            return Action::Respond(responses::unauthorized(received_at, &Rejection::Forced));
        }
        Fault::Slow(delay) => tokio::time::sleep(*delay).await,
        Fault::GarbageBody => return Action::Respond(responses::garbage(received_at)),
        Fault::CloseConnection => return Action::Close,
        _ => {}
    }
    let response = answer(state, req, &route, received_at);
    if config.fault == Fault::CutOffBody {
        Action::CutOff(response)
    } else {
        Action::Respond(response)
    }
}

/// The real service's answer: 401, 400, 404, 200 or 201 (403 too for activation codes).
fn answer(
    state: &State,
    req: &RequestParts,
    route: &Route,
    received_at: std::time::SystemTime,
) -> Response {
    let config = &state.config;
    let who = match authenticate(req, config, received_at, &state.seen_tokens) {
        Ok(who) => who,
        Err(rejection) => {
            log::info!("emulator: authentication refused: {rejection}");
            return responses::unauthorized(config.now(), &rejection);
        }
    };
    let now = config.now();
    match route {
        Route::Generate => {}
        Route::Status(key_id) => {
            let issued = lock(&state.issued);
            return lifecycle::status(&lock(&state.keys), &issued, &who, key_id, now);
        }
        Route::Delete => {
            let issued = lock(&state.issued);
            return lifecycle::delete(
                &mut lock(&state.keys),
                &issued,
                &who,
                config,
                &req.body,
                now,
            );
        }
        Route::Codes(codes) => return answer_codes(state, codes, &who.organization_id, now),
    }
    let request = match parse_request(&req.body) {
        Ok(request) => request,
        Err(bad) => return responses::bad_request(now, &bad),
    };
    match issue(&request, &config.merchants, now) {
        Ok((elements, records)) => {
            log::info!(
                "emulator: issued {} key(s) for {} merchant(s)",
                records.len(),
                elements.len()
            );
            lock(&state.keys).issued_by(&who.organization_id, &records);
            lock(&state.issued).extend(records);
            responses::accepted(now, request.client_reference.as_ref(), &elements)
        }
        Err(_) => responses::server_error(now, 500, "No randomness available to make keys"),
    }
}

/// The activation endpoint's answer, once authenticated: codes for the path's merchant.
fn answer_codes(
    state: &State,
    target: &CodesTarget<'_>,
    owner: &str,
    now: std::time::SystemTime,
) -> Response {
    match activation::answer(now, target, owner, &state.config.merchants) {
        Ok((response, issued)) => {
            if let Some(issued) = issued {
                log::info!(
                    "emulator: made {} activation code(s) for {}",
                    issued.codes.len(),
                    issued.organization_id
                );
                lock(&state.codes).push(issued);
            }
            response
        }
        Err(_) => responses::server_error(now, 500, "No randomness available to make codes"),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
