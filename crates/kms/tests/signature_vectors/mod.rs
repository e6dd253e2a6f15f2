//! The official SDK's known-answer vectors (`tests/vectors/http-signature*.json`, copies of the files in
//! `../shared/vectors/`), read and reproduced the same way for every file.

use mpos_kms::signing::{digest_header, http_date, sign, SignRequest};
use mpos_kms::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

/// One vector: a request, the credential that signs it, and every header the SDK made from them.
#[derive(Debug, Deserialize)]
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
    /// None for a GET, which has no body and so no digest.
    pub body: Option<String>,
    pub digest_header: Option<String>,
    pub signing_string: String,
    pub signature: String,
    pub signature_header: String,
}

/// The vectors of `json`, the text of the crate's copy `tests/vectors/<file>`.
pub fn parse(file: &str, json: &str) -> Vec<Vector> {
    let parsed: File =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("tests/vectors/{file}: {e}"));
    parsed.vectors
}

/// Signs the vector's request with our signer and compares the date, digest, signing string, signature
/// and headers with the SDK's, byte for byte.
pub fn assert_reproduced(v: &Vector) {
    let date = httpdate::parse_http_date(&v.date).expect("vector date");
    assert_eq!(http_date(date), v.date, "{}: date", v.name);
    let body = v.body.as_deref().unwrap_or("").as_bytes();
    if let (Some(b), Some(expected)) = (&v.body, &v.digest_header) {
        assert_eq!(&digest_header(b.as_bytes()), expected, "{}: digest", v.name);
    }
    let secret = SecretString::new(v.shared_secret_base64.clone());
    let signed = sign(&SignRequest {
        method: &v.method,
        host: &v.host,
        request_target: &v.request_target,
        body,
        merchant_id: &v.v_c_merchant_id_header,
        portfolio_id: v.portfolio_id.as_deref(),
        key_id: &v.key_id,
        secret: &secret,
        date,
    })
    .unwrap_or_else(|e| panic!("{}: {e}", v.name));
    assert_eq!(signed.date, v.date, "{}: Date header", v.name);
    assert_eq!(signed.digest, v.digest_header, "{}: Digest header", v.name);
    assert_eq!(
        signed.signing_string, v.signing_string,
        "{}: signing string",
        v.name
    );
    assert_eq!(signed.signature, v.signature, "{}: signature", v.name);
    assert_eq!(
        signed.signature_header, v.signature_header,
        "{}: Signature header",
        v.name
    );
    assert_eq!(
        signed.merchant_id_header, v.v_c_merchant_id_header,
        "{}: v-c-merchant-id",
        v.name
    );
}

/// The crate's copy `tests/vectors/<file>` (text `own`) equals the shared file. Outside this checkout's
/// machine the shared folder does not exist; the crate's own copy then stands alone.
pub fn assert_same_as_shared(file: &str, own: &str) {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors")
        .join(file);
    if let Ok(text) = std::fs::read_to_string(&shared) {
        assert_eq!(
            text,
            own,
            "tests/vectors/{file} differs from {}",
            shared.display()
        );
    }
}
