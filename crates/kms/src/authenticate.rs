//! The authentication headers of one request: HTTP Signature (shared secret) or a JWT (REST certificate).

use crate::certificate::CertificateCredential;
use crate::client::Auth;
use crate::error::KmsError;
use crate::jwt::{sign_jwt, JwtRequest};
use crate::signing::{decode_shared_secret, key_id_problem, sign, SignRequest};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// One request as the authentication sees it.
pub(crate) struct Outgoing<'a> {
    /// The HTTP method, e.g. `POST` or `GET` (a GET has no digest).
    pub method: &'a str,
    /// The `Host` header as sent.
    pub host: &'a str,
    /// The request target: the path, and the query string when there is one.
    pub path: &'a str,
    /// The exact body bytes.
    pub body: &'a [u8],
    /// The `v-c-merchant-id` header: the transacting MID.
    pub header_mid: &'a str,
    /// The organization that owns the key (the portfolio for a meta key; else the MID).
    pub owner: &'a str,
}

/// Validated credentials, ready to authenticate requests.
pub(crate) struct Authenticator {
    auth: Auth,
    /// The `.p12` bytes, read once, for a certificate.
    p12: Option<Vec<u8>>,
    /// Certificates loaded so far, by key alias (usually one; the alias may default to the MID asked for).
    loaded: Mutex<Vec<Arc<CertificateCredential>>>,
}

// Written out so the `.p12` bytes never fill a log; `Auth` redacts its own secrets.
impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("auth", &self.auth)
            .field("p12_bytes", &self.p12.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Checks the credentials; a certificate is loaded now when its alias is already known.
    pub fn new(auth: &Auth, owner_id: Option<&str>) -> Result<Self, KmsError> {
        let p12 = match auth {
            Auth::SharedSecret { key_id, secret } => {
                if let Some(problem) = key_id_problem(key_id) {
                    return Err(KmsError::InvalidInput(problem));
                }
                drop(decode_shared_secret(secret)?);
                None
            }
            Auth::Certificate { p12, .. } => Some(p12.read()?),
        };
        let authenticator = Authenticator {
            auth: auth.clone(),
            p12,
            loaded: Mutex::new(Vec::new()),
        };
        // A wrong password or alias is best reported when the profile is opened, not at the first request.
        authenticator.certificate(owner_id)?;
        Ok(authenticator)
    }

    /// Makes sure a request for `owner` can be authenticated (loads the certificate for its alias).
    pub fn prepare(&self, owner: &str) -> Result<(), KmsError> {
        self.certificate(Some(owner)).map(drop)
    }

    /// Warnings about the loaded certificate(s), e.g. one expiring within 30 days.
    pub fn warnings(&self) -> Vec<String> {
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .flat_map(|c| c.warnings())
            .collect()
    }

    /// The headers that authenticate this request, computed afresh so that `Date` and `iat` are current.
    pub fn headers(&self, req: &Outgoing<'_>) -> Result<Vec<(&'static str, String)>, KmsError> {
        let date = SystemTime::now();
        match &self.auth {
            Auth::SharedSecret { key_id, secret } => {
                let signed = sign(&SignRequest {
                    method: req.method,
                    host: req.host,
                    request_target: req.path,
                    body: req.body,
                    merchant_id: req.header_mid,
                    portfolio_id: (req.owner != req.header_mid).then_some(req.owner),
                    key_id,
                    secret,
                    date,
                })?;
                let mut headers = vec![
                    ("Date", signed.date),
                    ("v-c-merchant-id", signed.merchant_id_header),
                    ("Signature", signed.signature_header),
                ];
                if let Some(digest) = signed.digest {
                    headers.push(("Digest", digest));
                }
                Ok(headers)
            }
            Auth::Certificate { .. } => {
                let credential = self.certificate(Some(req.owner))?.ok_or_else(|| {
                    KmsError::InvalidInput("No key alias is known for the REST certificate.".into())
                })?;
                // The spec: Date and v-c-merchant-id as usual, the JWT in Authorization; no Signature or
                // Digest header.
                let signed = sign_jwt(&JwtRequest {
                    method: req.method,
                    host: req.host,
                    resource_path: req.path,
                    body: req.body,
                    merchant_id: req.header_mid,
                    issuer: req.owner,
                    credential: &credential,
                    date,
                })?;
                Ok(vec![
                    ("Date", signed.date),
                    ("v-c-merchant-id", signed.merchant_id_header),
                    ("Authorization", signed.authorization),
                ])
            }
        }
    }

    /// The certificate for the configured alias, or for `owner` when none is configured; `None` for a
    /// shared secret, or while neither is known.
    fn certificate(
        &self,
        owner: Option<&str>,
    ) -> Result<Option<Arc<CertificateCredential>>, KmsError> {
        let (
            Some(p12),
            Auth::Certificate {
                password,
                key_alias,
                ..
            },
        ) = (&self.p12, &self.auth)
        else {
            return Ok(None);
        };
        let configured = key_alias
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        let Some(alias) = configured.or(owner.map(str::trim)) else {
            return Ok(None);
        };
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = loaded.iter().find(|c| c.key_alias() == alias) {
            return Ok(Some(Arc::clone(found)));
        }
        let credential = Arc::new(CertificateCredential::from_pkcs12(p12, password, alias)?);
        log::info!(
            "REST certificate for {alias} loaded (kid {})",
            credential.kid()
        );
        loaded.push(Arc::clone(&credential));
        Ok(Some(credential))
    }
}
