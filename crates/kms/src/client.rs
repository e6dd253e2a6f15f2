//! The KMS client: chunks, bounded concurrency, timeouts, proxies, OS trust store, error mapping.

use crate::answer::{self, Answer};
use crate::authenticate::{Authenticator, Outgoing};
use crate::certificate::P12Source;
use crate::environment::{is_loopback, Environment};
use crate::error::KmsError;
use crate::mid::mid_problem;
use crate::model::KeyOutcome;
use crate::network::{self, is_connect_failure};
use crate::redact::snippet;
use crate::secret::SecretString;
use crate::wire::KeyRequest;
use futures::stream::{self, StreamExt};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, DATE, HOST};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;
use zeroize::Zeroizing;

/// The endpoint that issues Acceptance Devices Secret Keys.
pub const KEYS_PATH: &str = "/kms/v2/keys-sym-pos";
/// Sent as `User-Agent`.
pub const USER_AGENT: &str = concat!("mpos-keygen/", env!("CARGO_PKG_VERSION"));
/// Larger answers are refused, so a misbehaving server cannot exhaust memory.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Pauses before the second and third attempt after a failure to connect (never after a request was sent).
pub const CONNECT_RETRY_DELAYS: [Duration; 2] =
    [Duration::from_millis(200), Duration::from_millis(600)];

const CONTENT_TYPE_JSON: &str = "application/json;charset=utf-8";
const ACCEPT_HAL_JSON: &str = "application/hal+json;charset=utf-8";

/// Which proxy requests go through.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum ProxyChoice {
    /// The system's settings (`HTTPS_PROXY` / `NO_PROXY`, and the OS proxy settings reqwest reads).
    #[default]
    System,
    /// No proxy, even if the system has one.
    None,
    /// This proxy URL (`http://host:port`, optionally with user:password).
    Url(String),
}

// Hand-written so a proxy password in the URL never reaches a log.
impl std::fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxyChoice::System => f.write_str("System"),
            ProxyChoice::None => f.write_str("None"),
            ProxyChoice::Url(raw) => match Url::parse(raw) {
                Ok(mut url) if url.password().is_some() => {
                    let _ = url.set_password(Some("<redacted>"));
                    write!(f, "Url({:?})", url.as_str())
                }
                Ok(_) => write!(f, "Url({raw:?})"),
                Err(_) => f.write_str("Url(<unparsable>)"),
            },
        }
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// HTTP Signature with a REST shared secret key.
    SharedSecret {
        /// The key's id (a UUID).
        key_id: String,
        /// The shared secret, base64.
        secret: SecretString,
    },
    /// A JWT signed with a REST certificate: a `.p12` file and its password.
    Certificate {
        /// The `.p12` file (read once, when the client is made).
        p12: P12Source,
        /// The `.p12` password.
        password: SecretString,
        /// The subject CN of the certificate to use; `None` uses the owner id, or the one MID asked for.
        key_alias: Option<String>,
    },
}

/// Who asks for keys.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The key that signs requests.
    pub auth: Auth,
    /// The organization (MID or portfolio) that owns the key; needed when several MIDs are asked for.
    pub owner_id: Option<String>,
    /// A meta key (created at a portfolio or account): the owner is signed, the transacting MID is sent.
    pub meta_key: bool,
}

/// Everything a [`KmsClient`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme, host and port of the service, e.g. `https://apitest.cybersource.com`.
    pub base_url: Url,
    /// The key and the organization that owns it.
    pub credentials: Credentials,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole request (connect, send, answer) may take.
    pub request_timeout: Duration,
    /// Which proxy to use.
    pub proxy: ProxyChoice,
    /// At most this many merchants per request.
    pub chunk_size: usize,
    /// At most this many requests at once.
    pub concurrency: usize,
}

impl ClientConfig {
    /// A configuration with the defaults: 10 s connect, 30 s request, system proxy, 100 per chunk, 4 at once.
    pub fn new(base_url: Url, credentials: Credentials) -> Self {
        ClientConfig {
            base_url,
            credentials,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            proxy: ProxyChoice::System,
            chunk_size: 100,
            concurrency: 4,
        }
    }
}

/// Stops a batch between requests (Ctrl-C in the CLI): requests already sent are answered and their keys
/// kept; the merchants not yet asked for are reported as [`KmsError::Interrupted`]. A key is never lost
/// to a stop, because no request is ever cut off.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Sends no further request of the batch.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`StopHandle::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A client for `POST /kms/v2/keys-sym-pos`.
#[derive(Debug)]
pub struct KmsClient {
    http: reqwest::Client,
    pub(crate) config: ClientConfig,
    endpoint: Url,
    /// The `Host` header, sent explicitly so that it is byte for byte what we sign.
    host: String,
    pub(crate) owner_id: Option<String>,
    via_proxy: bool,
    pub(crate) auth: Authenticator,
    stop: StopHandle,
}

impl KmsClient {
    /// Validates the configuration (URL, credentials, owner id, limits) and builds the HTTP client.
    ///
    /// A REST certificate is read now, and loaded now when its alias is known (the key alias, else the
    /// owner id); otherwise it is loaded for the one MID asked for.
    pub fn new(config: ClientConfig) -> Result<Self, KmsError> {
        let base = Environment::custom(config.base_url.as_str())
            .map_err(|e| KmsError::InvalidInput(e.0))?;
        let host_name = base
            .host_str()
            .ok_or_else(|| KmsError::InvalidInput("The base URL has no host name.".into()))?;
        // The url crate omits the scheme's default port, exactly like the Host header hyper would write.
        let host = match base.port() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.to_string(),
        };
        HeaderValue::from_str(&host).map_err(|_| {
            KmsError::InvalidInput(format!("The host {host:?} cannot be sent in a header."))
        })?;
        let endpoint = base
            .join(KEYS_PATH)
            .map_err(|e| KmsError::InvalidInput(format!("Cannot build the request URL: {e}")))?;

        let owner_id = match config.credentials.owner_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(owner) => {
                if let Some(problem) = mid_problem(owner) {
                    return Err(KmsError::InvalidInput(format!(
                        "The organization id that owns the key is not valid: {problem}"
                    )));
                }
                Some(owner.to_string())
            }
        };
        let auth = Authenticator::new(&config.credentials.auth, owner_id.as_deref())?;
        if config.chunk_size == 0 || config.concurrency == 0 {
            return Err(KmsError::InvalidInput(
                "The number of merchants per request and of requests at once must be at least 1."
                    .into(),
            ));
        }
        if config.connect_timeout.is_zero() || config.request_timeout.is_zero() {
            return Err(KmsError::InvalidInput(
                "Timeouts must be longer than zero.".into(),
            ));
        }

        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A redirected POST could be replayed elsewhere or turned into a GET: report it instead.
            .redirect(reqwest::redirect::Policy::none())
            // Our own loop retries failures to connect only; nothing else may send a POST twice.
            .retry(reqwest::retry::never());
        // TLS: reqwest 0.13's `rustls` feature verifies certificates with rustls-platform-verifier (the
        // default when no roots are set), i.e. the OS trust store: Keychain on macOS, CryptoAPI on Windows,
        // the system CA bundle on Linux. Company roots installed in the OS are trusted, with no extra setup.
        let via_proxy = match &config.proxy {
            // A proxy cannot reach this computer's loopback, where the demo emulator and test servers live.
            ProxyChoice::System if is_loopback(host_name) => {
                builder = builder.no_proxy();
                false
            }
            ProxyChoice::System => true,
            ProxyChoice::None => {
                builder = builder.no_proxy();
                false
            }
            ProxyChoice::Url(raw) => {
                builder = builder.proxy(explicit_proxy(raw)?);
                true
            }
        };
        // Plain HTTP (the demo emulator, tests) never does TLS: not loading the trust store saves about
        // 3 ms of every CLI run. Every request of this client goes to `endpoint`'s host, and redirects
        // are refused, so no HTTPS URL can come up later; through a proxy, TLS may still be needed.
        if endpoint.scheme() == "http" && !via_proxy {
            builder = builder.tls_certs_only([]);
        }
        let http = builder.build().map_err(|e| KmsError::Network {
            kind: crate::error::NetworkKind::Tls,
            message: format!(
                "Could not set up HTTPS (the system's certificate store may be unreadable): {e}"
            ),
            may_have_reached_server: false,
        })?;
        Ok(KmsClient {
            http,
            config,
            endpoint,
            host,
            owner_id,
            via_proxy,
            auth,
            stop: StopHandle::default(),
        })
    }

    /// A handle that stops this client's batches between requests (see [`StopHandle`]).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Warnings to show before asking for keys, e.g. a REST certificate that expires within 30 days.
    pub fn warnings(&self) -> Vec<String> {
        self.auth.warnings()
    }

    /// Asks for one key per MID; see [`KmsClient::generate_with_progress`].
    pub async fn generate(&self, mids: &[String]) -> Result<Vec<KeyOutcome>, KmsError> {
        self.generate_with_progress(mids, &|_, _| {}).await
    }

    /// Asks for one key per MID, in chunks, reporting `(merchants done, total)` after each chunk.
    ///
    /// `Err` only for input refused before any request; afterwards every MID gets a [`KeyOutcome`], in input
    /// order, so the keys of chunks that worked are never lost to a chunk that failed.
    pub async fn generate_with_progress(
        &self,
        mids: &[String],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Vec<KeyOutcome>, KmsError> {
        let mut seen = HashSet::new();
        for mid in mids {
            if let Some(problem) = mid_problem(mid) {
                return Err(KmsError::InvalidInput(format!(
                    "Merchant id {mid:?}: {problem}"
                )));
            }
            if !seen.insert(mid.as_str()) {
                return Err(KmsError::InvalidInput(format!(
                    "The merchant id {mid} is listed twice; each merchant gets one key per request."
                )));
            }
        }
        if mids.is_empty() {
            return Ok(Vec::new());
        }
        let owner = match (&self.owner_id, mids) {
            (Some(owner), _) => owner.clone(),
            (None, [only]) => only.clone(),
            (None, _) => {
                return Err(KmsError::InvalidInput(
                    "Several merchants were selected, but no organization id is set: set the organization id \
                     that owns the key (the portfolio or account id for a meta key) in the profile."
                        .into(),
                ))
            }
        };
        // A certificate that cannot be used is refused input: nothing is sent.
        self.auth.prepare(&owner)?;

        let total = mids.len();
        progress(0, total);
        // Collected first (futures are lazy, nothing runs yet): a `map` closure here would make the
        // returned future non-Send, and the app awaits it on a multi-threaded runtime.
        let chunks: Vec<_> = mids
            .chunks(self.config.chunk_size)
            .map(|chunk| self.generate_chunk(chunk, &owner))
            .collect();
        let mut results = stream::iter(chunks).buffered(self.config.concurrency);
        let mut outcomes = Vec::with_capacity(total);
        while let Some(chunk_outcomes) = results.next().await {
            outcomes.extend(chunk_outcomes);
            progress(outcomes.len(), total);
        }
        Ok(outcomes)
    }

    /// Checks the credentials with a signed POST that asks for no key: Cybersource authenticates before it
    /// validates the body, so a 400 means the signature was accepted.
    pub async fn test_connection(&self) -> Result<(), KmsError> {
        let owner = self.owner_id.clone().ok_or_else(|| {
            KmsError::InvalidInput(
                "Set the organization id that owns the key in the profile to test the connection."
                    .into(),
            )
        })?;
        let answer = self
            .post(&KeyRequest::for_mids(&[]).to_body(), &owner, &owner)
            .await?;
        match answer.status {
            200..=299 | 400 => Ok(()),
            _ => Err(answer::error_for_status(&answer)),
        }
    }

    async fn generate_chunk(&self, chunk: &[String], owner: &str) -> Vec<KeyOutcome> {
        // Chunks start when the bounded buffer polls them, so a stop reaches every chunk not yet sent.
        if self.stop.is_stopped() {
            let error = KmsError::Interrupted(
                "Not asked for: the batch was stopped (Ctrl-C) before this merchant's request was sent. \
                 Run the command again for the merchants listed."
                    .into(),
            );
            return chunk
                .iter()
                .map(|m| KeyOutcome::Failed {
                    cybersource_merchant_id: m.clone(),
                    error: error.clone(),
                })
                .collect();
        }
        let body = KeyRequest::for_mids(chunk).to_body();
        // Meta key: the header names the transacting merchant (the first of the chunk; an inference, see
        // docs/ARCHITECTURE.md), the signature the portfolio that owns the key.
        let header_mid = match (self.config.credentials.meta_key, chunk.first()) {
            (true, Some(first)) => first.as_str(),
            _ => owner,
        };
        match self.post(&body, header_mid, owner).await {
            Ok(answer) => answer::outcomes(chunk, &answer),
            Err(error) => chunk
                .iter()
                .map(|m| KeyOutcome::Failed {
                    cybersource_merchant_id: m.clone(),
                    error: error.clone(),
                })
                .collect(),
        }
    }

    /// Sends one signed POST to the key endpoint and reads the whole answer.
    async fn post(&self, body: &[u8], header_mid: &str, owner: &str) -> Result<Answer, KmsError> {
        self.send(
            reqwest::Method::POST,
            &self.endpoint,
            Some(body),
            header_mid,
            owner,
        )
        .await
    }

    /// `(v-c-merchant-id header, owner)` of a request about `mid`'s keys, as for generation: a meta key
    /// names the merchant and signs for its portfolio; a merchant's own key names and signs for its owner
    /// (the MID itself when no owner id is set).
    pub(crate) fn signers_for(&self, mid: &str) -> (String, String) {
        match (&self.owner_id, self.config.credentials.meta_key) {
            (Some(owner), true) => (mid.to_string(), owner.clone()),
            (Some(owner), false) => (owner.clone(), owner.clone()),
            (None, _) => (mid.to_string(), mid.to_string()),
        }
    }

    /// Whether a meta key with a known owner signs: then one request may name several merchants.
    pub(crate) fn meta_key_with_owner(&self) -> bool {
        self.config.credentials.meta_key && self.owner_id.is_some()
    }

    /// At most this many merchants (or keys) per request.
    pub(crate) fn chunk_size(&self) -> usize {
        self.config.chunk_size
    }

    /// Makes sure requests for `owner` can be authenticated (a certificate for its alias is loaded).
    pub(crate) fn prepare(&self, owner: &str) -> Result<(), KmsError> {
        self.auth.prepare(owner)
    }

    /// Sends one signed request (a body means POST semantics: content type and digest) and reads the
    /// whole answer; retries only when no connection was made. The query string, if any, is signed as part
    /// of the request target.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        url: &Url,
        body: Option<&[u8]>,
        header_mid: &str,
        owner: &str,
    ) -> Result<Answer, KmsError> {
        log::debug!(
            "{method} {url} {}",
            String::from_utf8_lossy(body.unwrap_or_default())
        );
        let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
        let mut delays = CONNECT_RETRY_DELAYS.iter();
        loop {
            // Signed afresh for each attempt so the Date (and a JWT's iat and jti) stay current.
            let headers = self.auth.headers(&Outgoing {
                method: method.as_str(),
                host: &self.host,
                path: target,
                body: body.unwrap_or_default(),
                header_mid,
                owner,
            })?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(HOST, &self.host)
                .header(ACCEPT, ACCEPT_HAL_JSON);
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
                    .body(body.to_vec());
            }
            for (name, value) in headers {
                request = request.header(name, value);
            }
            match request.send().await {
                Ok(response) => return self.read_answer(response).await,
                Err(err) if is_connect_failure(&err) => {
                    let error = network::network_error(&err, &self.network_context());
                    let retryable = !matches!(
                        &error,
                        KmsError::Network {
                            kind: crate::error::NetworkKind::Tls,
                            ..
                        }
                    );
                    match delays.next() {
                        Some(delay) if retryable => {
                            log::info!(
                                "no connection to {} ({error}); trying again in {delay:?}",
                                self.host
                            );
                            tokio::time::sleep(*delay).await;
                        }
                        _ => return Err(error),
                    }
                }
                Err(err) => return Err(network::network_error(&err, &self.network_context())),
            }
        }
    }

    async fn read_answer(&self, mut response: reqwest::Response) -> Result<Answer, KmsError> {
        let status = response.status().as_u16();
        let server_date = response
            .headers()
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        let expected = response
            .content_length()
            .unwrap_or(0)
            .min(MAX_BODY_BYTES as u64) as usize;
        // Reserved up front so the buffer (which may hold keys) is rarely reallocated, leaving no copies.
        let mut body = Zeroizing::new(Vec::with_capacity(expected));
        loop {
            match response.chunk().await {
                Ok(Some(bytes)) => {
                    if body.len() + bytes.len() > MAX_BODY_BYTES {
                        return Err(KmsError::UnexpectedResponse {
                            status,
                            message: format!(
                                "The answer (HTTP {status}) is larger than {} KiB, far more than Cybersource \
                                 sends; it was not read. Check the base URL and proxy settings.",
                                MAX_BODY_BYTES / 1024
                            ),
                            snippet: snippet(&body),
                        });
                    }
                    body.extend_from_slice(&bytes);
                }
                Ok(None) => break,
                Err(err) if err.is_timeout() => {
                    return Err(network::network_error(&err, &self.network_context()));
                }
                Err(_) => {
                    return Err(KmsError::UnexpectedResponse {
                        status,
                        message: format!(
                            "The answer (HTTP {status}) was cut off after {} bytes: the connection closed \
                             early. Keys may have been issued: check Key Management in the Business Center \
                             before trying again, because trying again issues more keys.",
                            body.len()
                        ),
                        snippet: snippet(&body),
                    })
                }
            }
        }
        log::debug!("answer HTTP {status}: {}", snippet(&body));
        Ok(Answer {
            status,
            server_date,
            received_at: SystemTime::now(),
            body,
        })
    }

    /// `path` (which may carry a query string) on the configured base URL.
    pub(crate) fn url_for(&self, path: &str) -> Result<Url, KmsError> {
        self.endpoint
            .join(path)
            .map_err(|e| KmsError::InvalidInput(format!("Cannot build the request URL: {e}")))
    }

    fn network_context(&self) -> network::Context<'_> {
        network::Context {
            host: &self.host,
            connect_timeout: self.config.connect_timeout,
            request_timeout: self.config.request_timeout,
            via_proxy: self.via_proxy,
        }
    }
}

fn explicit_proxy(raw: &str) -> Result<reqwest::Proxy, KmsError> {
    let invalid = |why: &str| {
        KmsError::InvalidInput(format!(
            "The proxy setting is not a valid proxy URL ({why}). Use the form http://proxy.example.com:8080."
        ))
    };
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&format!(
            "{}:// is not supported; use http:// or https://",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host name"));
    }
    reqwest::Proxy::all(url.as_str()).map_err(|e| invalid(&e.to_string()))
}
