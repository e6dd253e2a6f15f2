//! The official SDK's known-answer vectors (tests/vectors/*.json) as the requests the verifier checks,
//! shared by the vector tests: each file's requests with the headers a real client sends.
#![allow(dead_code)] // each test file uses a different part

use std::time::SystemTime;

use mpos_emulator::{
    verify, EmulatorConfig, EmulatorCredential, Rejection, RequestParts, Verified,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    vectors: Vec<Vector>,
}

/// One signed request and the credential that signed it.
#[derive(Deserialize, Clone)]
pub struct Vector {
    pub name: String,
    pub method: String,
    pub host: String,
    pub date: String,
    pub request_target: String,
    pub v_c_merchant_id_header: String,
    pub portfolio_id: Option<String>,
    pub key_id: String,
    pub shared_secret_base64: String,
    pub body: Option<String>,
    pub digest_header: Option<String>,
    pub signature_header: String,
}

/// The vectors of one file, which must hold `expected` of them (a changed file is noticed).
pub fn load(text: &str, expected: usize) -> Vec<Vector> {
    let all = serde_json::from_str::<Vectors>(text).unwrap().vectors;
    assert_eq!(all.len(), expected, "the vector file changed");
    all
}

impl Vector {
    /// The request as a client sends it: Content-Type and Digest only with a body.
    pub fn parts(&self) -> RequestParts {
        let mut headers = vec![
            ("Host".to_owned(), self.host.clone()),
            ("Date".to_owned(), self.date.clone()),
            (
                "v-c-merchant-id".to_owned(),
                self.v_c_merchant_id_header.clone(),
            ),
            ("Signature".to_owned(), self.signature_header.clone()),
        ];
        if let Some(digest) = &self.digest_header {
            headers.push(("Digest".to_owned(), digest.clone()));
            headers.push((
                "Content-Type".to_owned(),
                "application/json;charset=utf-8".to_owned(),
            ));
        }
        RequestParts {
            method: self.method.clone(),
            target: self.request_target.clone(),
            headers,
            body: self.body.clone().unwrap_or_default().into_bytes(),
        }
    }

    /// An emulator that knows the vector's credential (a portfolio's for a meta key).
    pub fn config(&self) -> EmulatorConfig {
        let owner = self
            .portfolio_id
            .clone()
            .unwrap_or_else(|| self.v_c_merchant_id_header.clone());
        EmulatorConfig::with_credential(EmulatorCredential::new(
            &self.key_id,
            &self.shared_secret_base64,
            owner,
            self.portfolio_id.is_some(),
        ))
    }

    /// The vector's own Date, so its signature is fresh.
    pub fn now(&self) -> SystemTime {
        httpdate::parse_http_date(&self.date).unwrap()
    }

    /// Verifies `parts` as the emulator would at the vector's time.
    pub fn verify(&self, parts: &RequestParts) -> Result<Verified, Rejection> {
        verify(parts, &self.config(), self.now())
    }
}
