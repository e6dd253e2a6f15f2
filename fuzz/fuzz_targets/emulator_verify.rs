//! The emulator's request verifier (`mpos_emulator::verify`, and `authenticate`, which also takes the JWT
//! path) on arbitrary requests.
//!
//! Random bytes almost never carry a valid HTTP Signature, so the harness can sign a request itself, as the
//! spec describes (its own few lines, not the client's signer), then let the fuzzer bend any part of it: the
//! method, target, headers, their order and duplicates, the date, the body and the merchant. That reaches the
//! checks behind the signature (merchant ownership, meta keys, the body's first merchant).
//!
//! Checked besides "no panic": the verdict is deterministic; an accepted request really is `POST` to the
//! keys path, with the body's digest and a configured key; and a request built entirely to the spec is
//! accepted (no false refusal).
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use mpos_emulator::{
    authenticate, demo, digest_of, verify, EmulatorCertificate, EmulatorConfig, EmulatorCredential,
    MerchantPolicy, RequestParts, SeenTokens, KEYS_PATH, SIGNED_HEADERS,
};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const META_KEY_ID: &str = "0b7d3f52-6a51-4d3e-8f0e-5b8f9a1c2d34";
const META_SECRET: &str = "6v+jK3Qsfa1Itd98zBByYFxH7pXNFf2uclNSkvlVSV4=";
const META_OWNER: &str = "fuzz_portfolio";
const BROKEN_KEY_ID: &str = "7e0a2c41-3b9d-4f6a-a8c5-1d2e3f4a5b6c";
const FUZZ_KID: &str = "fuzz-serial-0001";

fn config(only_some_merchants: bool) -> EmulatorConfig {
    let mut config = EmulatorConfig::with_credentials(vec![
        EmulatorCredential::demo(),
        EmulatorCredential::new(META_KEY_ID, META_SECRET, META_OWNER, true),
        // A configuration mistake the verifier must survive: a secret that is not base64.
        EmulatorCredential::new(BROKEN_KEY_ID, "not base64 at all!", "broken_owner", false),
    ])
    // Not a usable RSA key: the JWT path must refuse it (UnusableCertificate) rather than fail.
    .with_certificate(EmulatorCertificate::new(
        FUZZ_KID,
        b"\x30\x03\x02\x01\x00".to_vec(),
        "cert_owner",
        false,
    ));
    if only_some_merchants {
        config =
            config.with_merchants(MerchantPolicy::only(["acme_1", "acme_2", "demo_portfolio"]));
    }
    config
}

/// A small string: mostly from a list of likely values, sometimes arbitrary.
fn pick(u: &mut Unstructured, likely: &[&str]) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok(u.choose(likely)?.to_string())
    } else {
        String::arbitrary(u)
    }
}

/// Whether to bend the next part; each is bent with a small chance, so most runs stay near a valid request.
fn bend(u: &mut Unstructured, to_spec: &mut bool) -> Result<bool> {
    // Unstructured reads missing bytes as zeros, which keep a part as the spec says (int 1 of 1..=6).
    let bent = !u.ratio(5, 6)?;
    *to_spec &= !bent;
    Ok(bent)
}

struct Built {
    req: RequestParts,
    /// Every part was chosen as the spec says, so the verifier must accept it.
    to_spec: bool,
}

fn build(u: &mut Unstructured, now: SystemTime, only_some: bool) -> Result<Built> {
    let mut to_spec = true;

    let meta = u.arbitrary::<bool>()?;
    let (key_id, secret, owner) = if meta {
        (META_KEY_ID, META_SECRET, META_OWNER)
    } else {
        (demo::KEY_ID, demo::SHARED_SECRET, demo::ORGANIZATION_ID)
    };

    let body_mids: Vec<String> = if bend(u, &mut to_spec)? {
        Vec::arbitrary(u)?
    } else {
        let n = u.int_in_range(0..=3)?;
        (0..n)
            .map(|_| pick(u, &["acme_1", "acme_2", "demo_portfolio", "unknown_1"]))
            .collect::<Result<_>>()?
    };
    let body = if bend(u, &mut to_spec)? {
        Vec::<u8>::arbitrary(u)?
    } else {
        let items: Vec<String> = body_mids
            .iter()
            .map(|m| {
                format!(
                    "{{\"organizationId\":{}}}",
                    serde_json::Value::from(m.as_str())
                )
            })
            .collect();
        format!("{{\"keyInformation\":[{}]}}", items.join(",")).into_bytes()
    };

    let merchant = if bend(u, &mut to_spec)? {
        pick(u, &["acme_1", "", "unknown_9", "a b", "acme_1\n"])?
    } else if meta {
        match body_mids.first() {
            Some(first) => first.clone(),
            None => "acme_1".to_string(),
        }
    } else {
        owner.to_string()
    };
    // Which merchants the spec lets this key act for.
    if meta {
        let accepted = mpos_emulator::is_well_formed_mid(&merchant)
            && if only_some {
                ["acme_1", "acme_2", "demo_portfolio"].contains(&merchant.as_str())
            } else {
                !merchant.starts_with("unknown")
            };
        let first_ok = match body_mids.first() {
            Some(first) => *first == merchant,
            None => true,
        };
        to_spec &= accepted && first_ok;
    } else {
        to_spec &= merchant == owner;
    }

    let host = if bend(u, &mut to_spec)? {
        pick(
            u,
            &["", "127.0.0.1", "apitest.cybersource.com", "h\r\nx: y"],
        )?
    } else {
        "127.0.0.1:8089".to_string()
    };
    let date = if bend(u, &mut to_spec)? {
        let offset = u.int_in_range(-100_000i64..=100_000)?;
        let shifted = if offset >= 0 {
            now + Duration::from_secs(offset as u64)
        } else {
            now - Duration::from_secs(offset.unsigned_abs())
        };
        match u.int_in_range(0..=2)? {
            0 => httpdate::fmt_http_date(shifted),
            1 => httpdate::fmt_http_date(shifted).replace("GMT", "UTC"),
            _ => String::arbitrary(u)?,
        }
    } else {
        let offset = u.int_in_range(0..=60u64)?;
        httpdate::fmt_http_date(now - Duration::from_secs(offset))
    };
    let digest = if bend(u, &mut to_spec)? {
        pick(
            u,
            &[
                "SHA-256=",
                "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            ],
        )?
    } else {
        digest_of(&body)
    };
    let signed_merchant = if meta { owner } else { merchant.as_str() };
    let signing_string = format!(
        "host: {host}\ndate: {date}\nrequest-target: post {KEYS_PATH}\ndigest: {digest}\nv-c-merchant-id: {signed_merchant}"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&BASE64.decode(secret).expect("base64 secret"))
        .expect("any key length");
    mac.update(signing_string.as_bytes());
    let signature_b64 = BASE64.encode(mac.finalize().into_bytes());
    let signature = if bend(u, &mut to_spec)? {
        let keyid = pick(u, &[key_id, BROKEN_KEY_ID, "unknown", ""])?;
        let algorithm = pick(u, &["HmacSHA256", "hmac-sha256", "RSA-SHA256"])?;
        let headers = pick(u, &[SIGNED_HEADERS, "host date request-target digest", ""])?;
        let sig = pick(u, &[&signature_b64, "", "AAAA"])?;
        match u.int_in_range(0..=2)? {
            0 => format!(
                "keyid=\"{keyid}\", algorithm=\"{algorithm}\", headers=\"{headers}\", signature=\"{sig}\""
            ),
            1 => format!(
                "signature=\"{sig}\",keyid=\"{keyid}\",headers=\"{headers}\",algorithm=\"{algorithm}\""
            ),
            _ => String::arbitrary(u)?,
        }
    } else {
        format!(
            "keyid=\"{key_id}\", algorithm=\"HmacSHA256\", headers=\"{SIGNED_HEADERS}\", signature=\"{signature_b64}\""
        )
    };
    let content_type = if bend(u, &mut to_spec)? {
        pick(
            u,
            &[
                "application/json",
                "text/plain",
                "application/json; charset=latin-1",
                "",
            ],
        )?
    } else {
        u.choose(&[
            "application/json;charset=utf-8",
            "application/json",
            "Application/JSON; charset=\"UTF-8\"",
        ])?
        .to_string()
    };

    let mut headers = vec![
        ("Host".to_string(), host),
        ("Date".to_string(), date),
        ("Digest".to_string(), digest),
        ("v-c-merchant-id".to_string(), merchant),
        ("Signature".to_string(), signature),
        ("Content-Type".to_string(), content_type),
    ];
    if bend(u, &mut to_spec)? {
        // Drop, duplicate or add headers (a JWT Authorization header takes the other path).
        for _ in 0..u.int_in_range(1..=3)? {
            match u.int_in_range(0..=2)? {
                0 if !headers.is_empty() => {
                    let i = u.choose_index(headers.len())?;
                    headers.remove(i);
                }
                1 if !headers.is_empty() => {
                    let i = u.choose_index(headers.len())?;
                    let copy = headers[i].clone();
                    headers.push(copy);
                }
                _ => {
                    let name = pick(u, &["Authorization", "HOST", "x-extra", "digest"])?;
                    let jwt = jwt_like(u)?;
                    let value = pick(u, &[&jwt, "Bearer", "Basic eA=="])?;
                    headers.push((name, value));
                }
            }
        }
    }
    // Header names compare case-insensitively and order does not matter: shuffle a little.
    if u.arbitrary::<bool>()? && headers.len() > 1 {
        let i = u.choose_index(headers.len())?;
        let j = u.choose_index(headers.len())?;
        headers.swap(i, j);
    }
    let method = if bend(u, &mut to_spec)? {
        pick(u, &["GET", "post", "PUT"])?
    } else {
        "POST".to_string()
    };
    let target = if bend(u, &mut to_spec)? {
        pick(
            u,
            &["/kms/v2/keys-sym-pos/", "/kms/v2/keys-sym-pos?x=1", "/", ""],
        )?
    } else {
        KEYS_PATH.to_string()
    };
    Ok(Built {
        req: RequestParts {
            method,
            target,
            headers,
            body,
        },
        to_spec,
    })
}

/// `Bearer` and three base64url parts with a JSON header and claims, so the JWT parser is passed often.
fn jwt_like(u: &mut Unstructured) -> Result<String> {
    let alg = pick(u, &["RS256", "none", "HS256"])?;
    let kid = pick(u, &[FUZZ_KID, "unknown"])?;
    let header = serde_json::json!({"alg": alg, "typ": "JWT", "kid": kid});
    let iat = u.int_in_range(1_700_000_000i64..=1_800_000_000)?;
    let claims = serde_json::json!({
        "iat": iat, "exp": iat + 120, "request-method": "POST", "iss": "cert_owner",
        "v-c-merchant-id": pick(u, &["cert_owner", "acme_1"])?,
    });
    let signature = Vec::<u8>::arbitrary(u)?;
    Ok(format!(
        "Bearer {}.{}.{}",
        BASE64URL.encode(header.to_string()),
        BASE64URL.encode(claims.to_string()),
        BASE64URL.encode(signature)
    ))
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(only_some) = u.arbitrary::<bool>() else {
        return;
    };
    let Ok(offset) = u.int_in_range(0..=100_000_000u64) else {
        return;
    };
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000 + offset);
    let Ok(Built { req, to_spec }) = build(&mut u, now, only_some) else {
        return;
    };
    let config = config(only_some);

    let verdict = verify(&req, &config, now);
    assert_eq!(
        verdict,
        verify(&req, &config, now),
        "the verdict is deterministic"
    );
    let via_authenticate = authenticate(&req, &config, now, &SeenTokens::new());
    if req.header("authorization").is_none() {
        assert_eq!(
            via_authenticate, verdict,
            "authenticate takes the signature path"
        );
    }
    if let Ok(verified) = &verdict {
        assert_eq!(
            (req.method.as_str(), req.target.as_str()),
            ("POST", KEYS_PATH)
        );
        assert_eq!(req.header("digest"), Some(digest_of(&req.body).as_str()));
        assert!(config.credential(&verified.key_id).is_some());
        assert_ne!(verified.key_id, BROKEN_KEY_ID);
    }
    if to_spec {
        assert!(
            verdict.is_ok(),
            "a request built to the spec was refused: {verdict:?}\n{req:#?}"
        );
    }
});
