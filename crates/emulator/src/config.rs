//! What one emulator run accepts: credentials, merchants, the injected fault and its clock.

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::certificate::EmulatorCertificate;
use crate::faults::Fault;

/// How far the request's Date may be from the emulator's clock by default (Cybersource allows a few minutes).
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The only documented length limit for an organization id (key search docs).
pub const MAX_MID_LEN: usize = 30;

/// The fixed credential of the offline demo. It is public on purpose: it only opens this emulator.
pub mod demo {
    /// Key id of the demo REST shared secret key.
    pub const KEY_ID: &str = "5f1f1e2c-7d0a-4c8e-9b3a-2e6d4c8a1b07";
    /// Base64 of the 32 bytes of the demo shared secret (not the official SDK's sample key).
    pub const SHARED_SECRET: &str = "EA0E/Cgf6AfdkLfP8pIBUPzwhsf9n0VeCMEdDHEU+Ec=";
    /// Organization (portfolio) id that owns the demo key.
    pub const ORGANIZATION_ID: &str = "demo_portfolio";
}

/// A REST shared secret key the emulator knows, and who owns it.
#[derive(Clone, PartialEq, Eq)]
pub struct EmulatorCredential {
    /// The key id (`keyid` in the Signature header).
    pub key_id: String,
    /// The shared secret, base64 as Cybersource hands it out.
    pub shared_secret: String,
    /// The merchant, account or portfolio id that owns the key.
    pub organization_id: String,
    /// A meta key: the signing string names the owner, the header names the transacting merchant.
    pub meta_key: bool,
}

impl EmulatorCredential {
    /// A credential from its parts.
    pub fn new(
        key_id: impl Into<String>,
        shared_secret: impl Into<String>,
        organization_id: impl Into<String>,
        meta_key: bool,
    ) -> Self {
        EmulatorCredential {
            key_id: key_id.into(),
            shared_secret: shared_secret.into(),
            organization_id: organization_id.into(),
            meta_key,
        }
    }

    /// The demo credential (non-meta, owned by `demo_portfolio`).
    pub fn demo() -> Self {
        EmulatorCredential::new(
            demo::KEY_ID,
            demo::SHARED_SECRET,
            demo::ORGANIZATION_ID,
            false,
        )
    }
}

// The secret must never reach a log line, even through `{:?}` of a whole config.
impl fmt::Debug for EmulatorCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorCredential")
            .field("key_id", &self.key_id)
            .field("shared_secret", &"<redacted>")
            .field("organization_id", &self.organization_id)
            .field("meta_key", &self.meta_key)
            .finish()
    }
}

/// Which transacting merchants the emulator will issue keys for.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum MerchantPolicy {
    /// Every well-formed MID except those starting with "unknown" (so tests can ask for a refused one).
    #[default]
    AcceptAll,
    /// Only these MIDs.
    Only(BTreeSet<String>),
}

impl MerchantPolicy {
    /// `Only` from any list of MIDs.
    pub fn only<I, S>(mids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        MerchantPolicy::Only(mids.into_iter().map(Into::into).collect())
    }

    /// Whether a key may be issued for (or a meta key may act as) this merchant.
    pub fn accepts(&self, mid: &str) -> bool {
        if !is_well_formed_mid(mid) {
            return false;
        }
        match self {
            MerchantPolicy::AcceptAll => !mid.starts_with("unknown"),
            MerchantPolicy::Only(set) => set.contains(mid),
        }
    }
}

/// 1 to 30 characters of A-Z, a-z, 0-9 and underscore.
pub fn is_well_formed_mid(mid: &str) -> bool {
    !mid.is_empty()
        && mid.len() <= MAX_MID_LEN
        && mid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Everything one emulator run needs.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// The shared secret keys it knows (HTTP Signature).
    pub credentials: Vec<EmulatorCredential>,
    /// The REST certificates it knows (JWT).
    pub certificates: Vec<EmulatorCertificate>,
    /// The merchants it issues keys for.
    pub merchants: MerchantPolicy,
    /// The misbehaviour to inject, if any.
    pub fault: Fault,
    /// The largest accepted distance between the request's Date and the emulator's clock.
    pub max_clock_skew: Duration,
    /// Added to the machine's clock, to play a server whose clock differs from the client's.
    pub clock_offset_secs: i64,
}

impl EmulatorConfig {
    /// The offline demo: the demo credential, every merchant accepted, no fault.
    pub fn demo() -> Self {
        EmulatorConfig::with_credential(EmulatorCredential::demo())
    }

    /// One credential, every merchant accepted, no fault, default skew, no clock offset.
    pub fn with_credential(credential: EmulatorCredential) -> Self {
        EmulatorConfig::with_credentials(vec![credential])
    }

    /// Several credentials, otherwise as [`EmulatorConfig::with_credential`].
    pub fn with_credentials(credentials: Vec<EmulatorCredential>) -> Self {
        EmulatorConfig {
            credentials,
            certificates: Vec::new(),
            merchants: MerchantPolicy::AcceptAll,
            fault: Fault::None,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            clock_offset_secs: 0,
        }
    }

    /// The same config, also accepting JWTs signed with this REST certificate.
    pub fn with_certificate(mut self, certificate: EmulatorCertificate) -> Self {
        self.certificates.push(certificate);
        self
    }

    /// The same config with another merchant policy.
    pub fn with_merchants(mut self, merchants: MerchantPolicy) -> Self {
        self.merchants = merchants;
        self
    }

    /// The same config with a fault injected.
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = fault;
        self
    }

    /// The same config with another allowed clock skew.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// The same config with the emulator's clock moved by this many seconds.
    pub fn with_clock_offset_secs(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    /// The credential with this key id, if known.
    pub fn credential(&self, key_id: &str) -> Option<&EmulatorCredential> {
        self.credentials.iter().find(|c| c.key_id == key_id)
    }

    /// The certificate whose subject serialNumber is this JWT `kid`, if known.
    pub fn certificate(&self, kid: &str) -> Option<&EmulatorCertificate> {
        self.certificates.iter().find(|c| c.serial_number == kid)
    }

    /// The emulator's clock: the machine's clock plus `clock_offset_secs`.
    pub fn now(&self) -> SystemTime {
        shift(SystemTime::now(), self.clock_offset_secs)
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig::demo()
    }
}

// Saturates instead of panicking on absurd offsets.
fn shift(t: SystemTime, secs: i64) -> SystemTime {
    let by = Duration::from_secs(secs.unsigned_abs());
    let moved = if secs >= 0 {
        t.checked_add(by)
    } else {
        t.checked_sub(by)
    };
    moved.unwrap_or(if secs >= 0 { t } else { UNIX_EPOCH })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_all_takes_well_formed_mids_except_unknown_ones() {
        let policy = MerchantPolicy::AcceptAll;
        for good in ["a", "acme_store_042", "A9_", &"x".repeat(30)] {
            assert!(policy.accepts(good), "{good}");
        }
        let too_long = "x".repeat(31);
        for bad in [
            "",
            "unknown",
            "unknown_x",
            "a-b",
            "a b",
            "händler",
            &too_long,
        ] {
            assert!(!policy.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn only_takes_exactly_its_set() {
        let policy = MerchantPolicy::only(["m1", "unknown_ok"]);
        assert!(policy.accepts("m1"));
        assert!(policy.accepts("unknown_ok"));
        assert!(!policy.accepts("m2"));
    }

    #[test]
    fn absurd_clock_offsets_do_not_panic() {
        for secs in [i64::MIN, i64::MAX, -1, 1] {
            let _ = EmulatorConfig::demo().with_clock_offset_secs(secs).now();
        }
        let ahead = EmulatorConfig::demo().with_clock_offset_secs(120).now();
        let gap = ahead.duration_since(SystemTime::now()).unwrap();
        assert!(gap > Duration::from_secs(110) && gap <= Duration::from_secs(120));
    }
}
