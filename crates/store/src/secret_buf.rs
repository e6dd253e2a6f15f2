//! A growable byte buffer for rendered exports that wipes every copy it leaves behind.
//!
//! A plain `Vec` that grows frees its old allocation without clearing it, leaving secrets in freed
//! memory; this one zeroizes the old allocation on every growth and the last one on drop.

use crate::error::StoreError;
use mpos_kms::SecretString;
use std::io;
use zeroize::Zeroize;

/// Bytes that may hold secrets.
pub(crate) struct SecretBuf {
    buf: Vec<u8>,
}

impl SecretBuf {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity.max(256)),
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        let needed = self.buf.len() + data.len();
        if needed > self.buf.capacity() {
            let mut bigger = Vec::with_capacity(needed.max(self.buf.capacity() * 2));
            bigger.extend_from_slice(&self.buf);
            self.buf.zeroize();
            self.buf = bigger;
        }
        self.buf.extend_from_slice(data);
    }

    pub(crate) fn push_str(&mut self, s: &str) {
        self.push(s.as_bytes());
    }

    /// Hands the bytes over as a secret string without copying them.
    pub(crate) fn into_secret(mut self) -> Result<SecretString, StoreError> {
        let bytes = std::mem::take(&mut self.buf);
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SecretString::new(text)),
            Err(e) => {
                e.into_bytes().zeroize();
                Err(StoreError::InvalidInput(
                    "The export could not be rendered as text.".into(),
                ))
            }
        }
    }
}

impl io::Write for SecretBuf {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.push(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for SecretBuf {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn grows_and_hands_over_the_text() {
        let mut b = SecretBuf::with_capacity(1);
        for _ in 0..100 {
            b.push_str("abcdefghij");
        }
        write!(b, "{}", 42).unwrap();
        let s = b.into_secret().unwrap();
        assert_eq!(s.expose().len(), 1002);
        assert!(s.expose().ends_with("j42"));
    }
}
