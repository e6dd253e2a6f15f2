//! How secrets travel between us and the Secret Service: the spec's `dh-ietf1024-sha256-aes128-cbc-pkcs7`.
//!
//! A Diffie-Hellman exchange in RFC 2409's 1024-bit group (generator 2) when the session opens; HKDF-SHA256
//! of the shared value (no salt, no info) gives an AES-128 key; each secret is sent AES-CBC encrypted with
//! PKCS#7 padding and a fresh IV. So no secret crosses the bus, or sits in the bus daemon's memory, in the
//! clear. The exponentiations use num-bigint's Montgomery `modpow` with a short exponent (about 0.3 ms each;
//! the secret-service crate's schoolbook loop took about 8 ms each, the largest part of a CLI run).
//!
//! The 16-byte key, our exponent and the AES key schedules are wiped when dropped; the big-number
//! temporaries of the exponentiations (num-bigint) and HKDF's state are not.

use aes::Aes128;
use cbc::cipher::{block_padding::Pkcs7, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hkdf::Hkdf;
use num_bigint::BigUint;
use sha2::Sha256;
use std::sync::LazyLock;
use zeroize::Zeroizing;

/// The algorithm name `OpenSession` is asked for.
pub(crate) const ALGORITHM: &str = "dh-ietf1024-sha256-aes128-cbc-pkcs7";

/// The 1024-bit MODP group of RFC 2409 (Second Oakley Group), big-endian.
const PRIME_HEX: &[u8] = b"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/// The prime's length in bytes: the shared value is padded to it before HKDF, as GNOME Keyring does.
pub(crate) const PRIME_BYTES: usize = 128;

/// Our private exponent's length: 256 bits. The 1024-bit group is worth about 80 bits of security, and an
/// exponent of twice that is enough (RFC 3526, section 8); a full-length one would make both
/// exponentiations four times slower without making the exchange any stronger.
const EXPONENT_BYTES: usize = 32;

static PRIME: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(PRIME_HEX, 16).expect("the RFC 2409 prime parses"));

/// Our half of the exchange: a random private exponent and the public value sent with `OpenSession`.
pub(crate) struct KeyPair {
    private: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

impl KeyPair {
    /// A fresh key pair from the OS's random source.
    pub(crate) fn generate() -> Result<Self, String> {
        let mut private = Zeroizing::new(vec![0u8; EXPONENT_BYTES]);
        getrandom::fill(&mut private).map_err(|e| format!("no random numbers from the OS: {e}"))?;
        let public = BigUint::from(2u32)
            .modpow(&BigUint::from_bytes_be(&private), &PRIME)
            .to_bytes_be();
        Ok(Self { private, public })
    }

    /// The public value, big-endian.
    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }

    /// The session key agreed with the service's public value; refuses values that would make it guessable.
    pub(crate) fn agree(&self, theirs: &[u8]) -> Result<SessionKey, String> {
        let theirs = BigUint::from_bytes_be(theirs);
        let one = BigUint::from(1u32);
        if theirs <= one || theirs >= &*PRIME - &one {
            return Err("the Secret Service answered with an unusable session key".into());
        }
        let shared = self.shared_value(&theirs);
        let mut padded = Zeroizing::new(vec![0u8; PRIME_BYTES - shared.len()]);
        padded.extend_from_slice(&shared);
        let mut key = Zeroizing::new([0u8; 16]);
        Hkdf::<Sha256>::new(None, &padded)
            .expand(&[], key.as_mut())
            .map_err(|e| format!("could not derive the session key: {e}"))?;
        Ok(SessionKey(key))
    }

    /// The shared value with their public value, big-endian, without leading zero bytes.
    fn shared_value(&self, theirs: &BigUint) -> Zeroizing<Vec<u8>> {
        let shared = theirs.modpow(&BigUint::from_bytes_be(&self.private), &PRIME);
        Zeroizing::new(shared.to_bytes_be())
    }
}

/// What the tests against a real Secret Service need to steer and see the exchange's rare cases.
#[cfg(test)]
impl KeyPair {
    /// A key pair whose public value starts with a zero byte (about one in 256 does), so is sent short.
    pub(crate) fn with_short_public() -> Self {
        loop {
            let pair = Self::generate().unwrap();
            if pair.public.len() < PRIME_BYTES {
                return pair;
            }
        }
    }

    /// The shared value's length before padding: less than the prime's when it starts with a zero byte.
    pub(crate) fn shared_len(&self, theirs: &[u8]) -> usize {
        self.shared_value(&BigUint::from_bytes_be(theirs)).len()
    }
}

/// The AES-128 key of one session.
pub(crate) struct SessionKey(Zeroizing<[u8; 16]>);

impl SessionKey {
    /// `(iv, ciphertext)` of `plain`, with a fresh random IV.
    pub(crate) fn encrypt(&self, plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
        let mut iv = [0u8; 16];
        getrandom::fill(&mut iv).map_err(|e| format!("no random numbers from the OS: {e}"))?;
        let sealed = cbc::Encryptor::<Aes128>::new((&*self.0).into(), &iv.into())
            .encrypt_padded_vec::<Pkcs7>(plain);
        Ok((iv.to_vec(), sealed))
    }

    /// The plaintext of `sealed`, sent with `iv`.
    pub(crate) fn decrypt(&self, iv: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        let iv: [u8; 16] = iv
            .try_into()
            .map_err(|_| "the Secret Service sent a secret with a malformed IV".to_string())?;
        cbc::Decryptor::<Aes128>::new((&*self.0).into(), &iv.into())
            .decrypt_padded_vec::<Pkcs7>(sealed)
            .map(Zeroizing::new)
            .map_err(|_| "the Secret Service sent a secret that does not decrypt".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_on_one_key_and_a_secret_survives_the_trip() {
        let (ours, theirs) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
        assert_ne!(ours.public(), theirs.public());
        let ours_key = ours.agree(theirs.public()).unwrap();
        let theirs_key = theirs.agree(ours.public()).unwrap();
        assert_eq!(*ours_key.0, *theirs_key.0);

        let (iv, sealed) = ours_key.encrypt(b"{\"k1\":\"secret\"}").unwrap();
        assert_eq!(sealed.len() % 16, 0);
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            &*theirs_key.decrypt(&iv, &sealed).unwrap(),
            b"{\"k1\":\"secret\"}"
        );
        // A fresh IV each time: the same secret never looks the same on the bus.
        assert_ne!(
            ours_key.encrypt(b"x").unwrap().0,
            ours_key.encrypt(b"x").unwrap().0
        );
    }

    #[test]
    fn the_key_is_hkdf_sha256_of_the_padded_shared_value() {
        // A private exponent of 1 makes the shared value the other side's public value itself.
        let pair = KeyPair {
            private: Zeroizing::new(vec![1]),
            public: vec![2],
        };
        let key = pair.agree(&[7]).unwrap();
        let mut padded = vec![0u8; PRIME_BYTES - 1];
        padded.push(7);
        let mut expected = [0u8; 16];
        Hkdf::<Sha256>::new(None, &padded)
            .expand(&[], &mut expected)
            .unwrap();
        assert_eq!(*key.0, expected);
    }

    #[test]
    fn unusable_public_values_and_broken_secrets_are_refused() {
        let pair = KeyPair::generate().unwrap();
        let p_minus_1 = (&*PRIME - BigUint::from(1u32)).to_bytes_be();
        for bad in [vec![0u8], vec![1], p_minus_1, PRIME.to_bytes_be()] {
            assert!(pair.agree(&bad).is_err());
        }
        let key = pair.agree(&[5]).unwrap();
        let (iv, mut sealed) = key.encrypt(b"secret").unwrap();
        assert!(key.decrypt(&iv[..8], &sealed).is_err());
        sealed.truncate(sealed.len() - 1);
        assert!(key.decrypt(&iv, &sealed).is_err());
    }
}
