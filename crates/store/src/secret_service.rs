//! The Secret Service (GNOME Keyring, KWallet, KeePassXC) over D-Bus: the few calls the vault makes, on one
//! connection and one encrypted session per process.
//!
//! Why not keyring's Secret Service store: opening its session took 13–21 ms of a 21 ms `generate` (two
//! schoolbook exponentiations and proxies that fetch properties first), which a pipeline pays on every key.
//! Here a session is one connection, one `OpenSession` and two fast exponentiations ([`secret_transfer`]),
//! and later calls reuse it. Items are found by the attributes keyring gave them (`service`, `username`), in
//! the default collection, so earlier entries are found and `secret-tool` and Seahorse see ours.

use crate::error::StoreError;
use crate::os_keychain::{classify_platform, denied, keychain_name, manager_app, unavailable};
use crate::paths::APP_ID;
use crate::secret_transfer::{KeyPair, SessionKey, ALGORITHM};
use crate::timestamp::ms_since;
use mpos_kms::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use zbus::blocking::{proxy::Builder, Connection, Proxy};
use zbus::proxy::CacheProperties;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

const BUS_NAME: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";
const COLLECTION: &str = "org.freedesktop.Secret.Collection";
const ITEM: &str = "org.freedesktop.Secret.Item";
const PROMPT: &str = "org.freedesktop.Secret.Prompt";
/// What `secret-tool` and libsecret store text as.
const CONTENT_TYPE: &str = "text/plain";

/// Makes sure a session can be opened and a default collection exists to keep keys in.
pub(crate) fn reach() -> Result<(), StoreError> {
    with_session("", |s| s.default_collection().map(drop))
}

/// Stores the secret of `account`, replacing the one it has.
pub(crate) fn set(account: &str, secret: &SecretString) -> Result<(), StoreError> {
    with_session(account, |s| {
        let attributes = attributes(account);
        match s.find(&attributes)?.as_slice() {
            [] => s.create(account, &attributes, secret),
            [item] => s.set_secret(item, secret),
            many => Err(Fail::Ambiguous(many.len())),
        }
    })
}

/// Stores the secret of an account that has none yet (a new batch's): no search for one first.
pub(crate) fn add(account: &str, secret: &SecretString) -> Result<(), StoreError> {
    with_session(account, |s| s.create(account, &attributes(account), secret))
}

/// The secret of `account`, `None` when it has none.
pub(crate) fn get(account: &str) -> Result<Option<SecretString>, StoreError> {
    with_session(account, |s| {
        match s.find(&attributes(account))?.as_slice() {
            [] => Ok(None),
            [item] => s.secret(item).map(Some),
            many => Err(Fail::Ambiguous(many.len())),
        }
    })
}

/// Deletes every item of `account` (duplicates made by another tool too): deleting means gone.
pub(crate) fn delete(account: &str) -> Result<(), StoreError> {
    with_session(account, |s| {
        s.find(&attributes(account))?
            .iter()
            .try_for_each(|item| s.delete(item))
    })
}

fn attributes(account: &str) -> HashMap<&str, &str> {
    HashMap::from([("service", APP_ID), ("username", account)])
}

/// Why a call failed, before it is put in a user's words.
enum Fail {
    Bus(zbus::Error),
    Broken(String),
    Dismissed,
    NoDefaultCollection,
    Ambiguous(usize),
    NotText,
}

impl From<zbus::Error> for Fail {
    fn from(e: zbus::Error) -> Self {
        Fail::Bus(e)
    }
}

impl From<zbus::fdo::Error> for Fail {
    fn from(e: zbus::fdo::Error) -> Self {
        Fail::Bus(e.into())
    }
}

impl Fail {
    /// True when the session is gone with the service (restarted) or the connection is lost: opening
    /// them again may help. Nothing else is retried (a second try could show a second unlock prompt).
    fn stale(&self) -> bool {
        match self {
            Fail::Bus(zbus::Error::InputOutput(_)) => true,
            Fail::Bus(zbus::Error::MethodError(name, ..)) => {
                name.as_str() == "org.freedesktop.Secret.Error.NoSession"
            }
            _ => false,
        }
    }

    fn into_store_error(self, account: &str) -> StoreError {
        match self {
            Fail::Bus(e) => classify_platform(&e.to_string()),
            Fail::Broken(detail) => StoreError::Keychain(format!(
                "{} failed ({detail}). Try again; if it keeps failing, restart the keychain or the computer.",
                keychain_name()
            )),
            Fail::Dismissed => denied("the unlock prompt was dismissed"),
            Fail::NoDefaultCollection => unavailable("the Secret Service has no default keyring"),
            Fail::Ambiguous(n) => StoreError::Keychain(format!(
                "{n} keychain entries are called \"{account}\". Delete the extra ones with {} and try again.",
                manager_app()
            )),
            Fail::NotText => StoreError::Keychain(format!(
                "Keychain entry \"{account}\" does not hold text. Delete it with {} and save the secret again.",
                manager_app()
            )),
        }
    }
}

/// Runs `op` on this process's session, opening it first if needed. A session the service no longer knows
/// (restarted, connection lost) is dropped and `op` runs once more on a new one; a failure to open one is
/// not retried.
fn with_session<T>(
    account: &str,
    op: impl Fn(&Session) -> Result<T, Fail>,
) -> Result<T, StoreError> {
    static SHARED: Mutex<Option<Arc<Session>>> = Mutex::new(None);
    // Held while opening, so that threads starting together share one session. A bus that never answers
    // holds it too: the callers behind it time out (os_keychain.rs), as the first one does.
    let current = || -> Result<Arc<Session>, Fail> {
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(session) = shared.as_ref() {
            return Ok(session.clone());
        }
        let session = Arc::new(Session::open()?);
        *shared = Some(session.clone());
        Ok(session)
    };
    let forget = |failed: &Arc<Session>| {
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if shared.as_ref().is_some_and(|s| Arc::ptr_eq(s, failed)) {
            *shared = None;
        }
    };
    let run = || -> Result<T, Fail> {
        let session = current()?;
        match op(&session) {
            Err(fail) if fail.stale() => {
                forget(&session);
                op(&*current()?)
            }
            other => other,
        }
    };
    run().map_err(|fail| fail.into_store_error(account))
}

/// One method call to the Secret Service and its answer.
fn call<B, R>(
    bus: &Connection,
    path: &str,
    interface: &str,
    method: &str,
    body: &B,
) -> Result<R, Fail>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
    R: for<'d> zbus::zvariant::DynamicDeserialize<'d>,
{
    Ok(bus
        .call_method(Some(BUS_NAME), path, Some(interface), method, body)?
        .body()
        .deserialize()?)
}

/// Opens an encrypted session: our public value out, the service's back, one key both sides agree on.
fn open_session(bus: &Connection, ours: &KeyPair) -> Result<(OwnedObjectPath, SessionKey), Fail> {
    let (path, theirs) = exchange(bus, ours)?;
    let key = ours.agree(&theirs).map_err(Fail::Broken)?;
    Ok((path, key))
}

/// `OpenSession`: the session's path and the service's public value.
fn exchange(bus: &Connection, ours: &KeyPair) -> Result<(OwnedObjectPath, Vec<u8>), Fail> {
    let (theirs, path): (OwnedValue, OwnedObjectPath) = call(
        bus,
        SERVICE_PATH,
        SERVICE,
        "OpenSession",
        &(ALGORITHM, Value::from(ours.public())),
    )?;
    let theirs = theirs
        .try_into()
        .map_err(|_| Fail::Broken("the Secret Service sent no session key".into()))?;
    Ok((path, theirs))
}

/// The path of the collection with the alias `default`; `None` when there is none (no login keyring).
fn read_default_alias(bus: &Connection) -> Result<Option<OwnedObjectPath>, Fail> {
    let path: OwnedObjectPath = call(bus, SERVICE_PATH, SERVICE, "ReadAlias", &("default",))?;
    Ok((path.as_str() != "/").then_some(path))
}

/// A connection to the session bus with an open, encrypted Secret Service session.
struct Session {
    bus: Connection,
    path: OwnedObjectPath,
    key: SessionKey,
    default_collection: OnceLock<OwnedObjectPath>,
}

impl Session {
    fn open() -> Result<Self, Fail> {
        let started = std::time::Instant::now();
        // Each step that waits on the bus runs beside one that does not, or beside another wait: the
        // session is on the critical path of every `generate` that keeps its keys.
        let (bus, ours) = thread::scope(|s| {
            let pair = thread::Builder::new().spawn_scoped(s, KeyPair::generate);
            let bus = Connection::session();
            let ours = match pair {
                Ok(pair) => pair
                    .join()
                    .unwrap_or_else(|_| Err("making the session key failed".into())),
                // No thread to spare: the same work, one after the other.
                Err(_) => KeyPair::generate(),
            };
            (bus, ours)
        });
        let bus = bus?;
        let ours = ours.map_err(Fail::Broken)?;
        let connected = ms_since(started);
        let (opened, alias) = thread::scope(|s| {
            let alias = thread::Builder::new().spawn_scoped(s, || read_default_alias(&bus));
            let opened = open_session(&bus, &ours);
            let alias = match alias {
                Ok(alias) => alias.join().ok(),
                Err(_) => None,
            };
            (opened, alias)
        });
        let (path, key) = opened?;
        let default_collection = OnceLock::new();
        if let Some(Ok(Some(path))) = alias {
            let _ = default_collection.set(path);
        }
        log::debug!(
            "timing: keychain session {:.1} ms (connecting {connected:.1} ms)",
            ms_since(started)
        );
        Ok(Self {
            bus,
            path,
            key,
            default_collection,
        })
    }

    fn call<B, R>(&self, path: &str, interface: &str, method: &str, body: &B) -> Result<R, Fail>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
        R: for<'d> zbus::zvariant::DynamicDeserialize<'d>,
    {
        call(&self.bus, path, interface, method, body)
    }

    /// The collection new items go to: the one with the alias `default` (the login keyring).
    fn default_collection(&self) -> Result<&OwnedObjectPath, Fail> {
        if let Some(path) = self.default_collection.get() {
            return Ok(path);
        }
        let path = read_default_alias(&self.bus)?.ok_or(Fail::NoDefaultCollection)?;
        Ok(self.default_collection.get_or_init(|| path))
    }

    /// The items with these attributes, unlocked first where they are locked (which may prompt).
    fn find(&self, attributes: &HashMap<&str, &str>) -> Result<Vec<OwnedObjectPath>, Fail> {
        let (mut unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
            self.call(SERVICE_PATH, SERVICE, "SearchItems", &(attributes,))?;
        if !locked.is_empty() {
            self.unlock(&locked)?;
            unlocked.extend(locked);
        }
        Ok(unlocked)
    }

    fn unlock(&self, objects: &[OwnedObjectPath]) -> Result<(), Fail> {
        let (_, prompt): (Vec<OwnedObjectPath>, OwnedObjectPath) =
            self.call(SERVICE_PATH, SERVICE, "Unlock", &(objects,))?;
        self.prompt(&prompt)
    }

    fn create(
        &self,
        account: &str,
        attributes: &HashMap<&str, &str>,
        secret: &SecretString,
    ) -> Result<(), Fail> {
        let collection = self.default_collection()?;
        let label = format!("mPOS Key Generator: {account}");
        let create = || -> Result<OwnedObjectPath, Fail> {
            let properties = HashMap::from([
                (
                    "org.freedesktop.Secret.Item.Label",
                    Value::from(label.as_str()),
                ),
                (
                    "org.freedesktop.Secret.Item.Attributes",
                    Value::from(attributes.clone()),
                ),
            ]);
            let (iv, sealed) = self
                .key
                .encrypt(secret.expose().as_bytes())
                .map_err(Fail::Broken)?;
            let secret = (ObjectPath::from(&self.path), iv, sealed, CONTENT_TYPE);
            let (_item, prompt): (OwnedObjectPath, OwnedObjectPath) = self.call(
                collection,
                COLLECTION,
                "CreateItem",
                &(properties, secret, true),
            )?;
            Ok(prompt)
        };
        let prompt = match create() {
            Err(Fail::Bus(zbus::Error::MethodError(name, ..)))
                if name.as_str() == "org.freedesktop.Secret.Error.IsLocked" =>
            {
                self.unlock(std::slice::from_ref(collection))?;
                create()?
            }
            other => other?,
        };
        self.prompt(&prompt)
    }

    fn set_secret(&self, item: &OwnedObjectPath, secret: &SecretString) -> Result<(), Fail> {
        let (iv, sealed) = self
            .key
            .encrypt(secret.expose().as_bytes())
            .map_err(Fail::Broken)?;
        let secret = (ObjectPath::from(&self.path), iv, sealed, CONTENT_TYPE);
        self.call(item, ITEM, "SetSecret", &(secret,))
    }

    fn secret(&self, item: &OwnedObjectPath) -> Result<SecretString, Fail> {
        let (_session, iv, sealed, _type): (OwnedObjectPath, Vec<u8>, Vec<u8>, String) =
            self.call(item, ITEM, "GetSecret", &(ObjectPath::from(&self.path),))?;
        let plain = self.key.decrypt(&iv, &sealed).map_err(Fail::Broken)?;
        let text = std::str::from_utf8(&plain).map_err(|_| Fail::NotText)?;
        Ok(SecretString::new(text.to_string()))
    }

    fn delete(&self, item: &OwnedObjectPath) -> Result<(), Fail> {
        let prompt: OwnedObjectPath = self.call(item, ITEM, "Delete", &())?;
        self.prompt(&prompt)
    }

    /// Shows the service's prompt (e.g. "unlock your keyring") and waits for the user's answer; `/` means
    /// none is needed. The caller stops waiting at its timeout (os_keychain.rs) and reports it; this thread
    /// waits on, as keyring's did, so an answer given later still completes the call.
    fn prompt(&self, prompt: &OwnedObjectPath) -> Result<(), Fail> {
        if prompt.as_str() == "/" {
            return Ok(());
        }
        let proxy: Proxy = Builder::new(&self.bus)
            .destination(BUS_NAME)?
            .path(prompt)?
            .interface(PROMPT)?
            .cache_properties(CacheProperties::No)
            .build()?;
        // Listening before asking, so that an answer given at once is not missed.
        let mut completed = proxy.receive_signal("Completed")?;
        proxy.call_method("Prompt", &("",))?;
        let answer = completed
            .next()
            .ok_or_else(|| Fail::Broken("the unlock prompt ended without an answer".into()))?;
        let (dismissed, _result): (bool, OwnedValue) = answer.body().deserialize()?;
        if dismissed {
            Err(Fail::Dismissed)
        } else {
            Ok(())
        }
    }
}

/// Against GNOME Keyring itself (the test command starts one), like tests/secret_service.rs: the rare cases
/// of the exchange, which only the real daemon can check and which come up too seldom to wait for.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_transfer::PRIME_BYTES;

    /// A session on `bus` opened with `ours`, and the service's public value.
    fn session_with(bus: &Connection, ours: &KeyPair) -> (Session, Vec<u8>) {
        let (path, theirs) = exchange(bus, ours).unwrap_or_else(|_| panic!("OpenSession failed"));
        let key = ours.agree(&theirs).unwrap();
        let session = Session {
            bus: bus.clone(),
            path,
            key,
            default_collection: OnceLock::new(),
        };
        (session, theirs)
    }

    /// Keeps a secret through `odd` and reads it back through `odd` and through a new, ordinary session: each
    /// direction fails (padding, or other bytes) unless both sides derived the same key.
    fn secret_survives(odd: &Session, account: &str) -> Result<(), String> {
        let fail = |step: &str| {
            let step = step.to_string();
            move |f: Fail| format!("{step}: {}", f.into_store_error(account))
        };
        let secret = SecretString::new(format!("kept through {account}"));
        let attributes = attributes(account);
        odd.create(account, &attributes, &secret)
            .map_err(fail("CreateItem through the odd session"))?;
        let ordinary = Session::open().map_err(fail("OpenSession"))?;
        let items = ordinary.find(&attributes).map_err(fail("SearchItems"))?;
        let [item] = items.as_slice() else {
            return Err(format!("{} items for {account}", items.len()));
        };
        for (through, session) in [("the odd session", odd), ("a new session", &ordinary)] {
            let read = session
                .secret(item)
                .map_err(fail(&format!("GetSecret through {through}")))?;
            if read.expose() != secret.expose() {
                return Err(format!("read another secret through {through}"));
            }
        }
        ordinary.delete(item).map_err(fail("Delete"))
    }

    #[test]
    fn a_public_value_that_starts_with_a_zero_byte_is_sent_short_and_agreed_on() {
        let bus = Connection::session().expect("a session bus (the test command starts one)");
        let ours = KeyPair::with_short_public();
        assert!(ours.public().len() < PRIME_BYTES);
        let (session, _) = session_with(&bus, &ours);
        secret_survives(&session, &format!("short-public-{}", std::process::id())).unwrap();
    }

    #[test]
    fn a_shared_value_that_starts_with_a_zero_byte_is_padded_as_the_service_pads_it() {
        // About one session in 256 has one. 4,000 tries (about 15 ms each in a test build) all miss with a
        // chance of about 1 in 6 million; one is usually found within a few seconds.
        let bus = Connection::session().expect("a session bus (the test command starts one)");
        for _ in 0..4000 {
            let ours = KeyPair::generate().unwrap();
            let (session, theirs) = session_with(&bus, &ours);
            if ours.shared_len(&theirs) < PRIME_BYTES {
                let account = format!("short-shared-{}", std::process::id());
                return secret_survives(&session, &account).unwrap();
            }
            let _: Result<(), Fail> = session.call(
                &session.path,
                "org.freedesktop.Secret.Session",
                "Close",
                &(),
            );
        }
        panic!("no session in 4,000 had a shared value with a leading zero byte");
    }
}
