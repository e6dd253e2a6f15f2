//! The offline demo: the built-in emulator, started once per process on a loopback port.

use crate::error::Error;
use mpos_emulator::{demo, Emulator, EmulatorConfig};
use mpos_kms::{Auth, Credentials, SecretString};
use std::sync::{mpsc, OnceLock};
use url::Url;

static DEMO_URL: OnceLock<Result<String, String>> = OnceLock::new();

/// The demo emulator's base URL, starting it on first use.
///
/// The emulator gets a thread and runtime of its own, so it outlives whichever runtime asked first
/// (each `#[tokio::test]` has its own) and keeps serving for the life of the process.
pub fn base_url() -> Result<Url, Error> {
    let started = DEMO_URL.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("demo-emulator".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Emulator::start(EmulatorConfig::demo()).await {
                        Ok(emulator) => {
                            let _ = tx.send(Ok(emulator.base_url()));
                            // Serve until the process ends.
                            std::future::pending::<()>().await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                        }
                    }
                });
            });
        match spawned {
            Ok(_) => rx
                .recv()
                .unwrap_or_else(|_| Err("the demo emulator thread ended".into())),
            Err(e) => Err(e.to_string()),
        }
    });
    match started {
        Ok(url) => Url::parse(url).map_err(|e| Error::Usage(format!("The demo emulator gave a bad URL: {e}"))),
        Err(e) => Err(Error::Usage(format!(
            "The offline demo could not start its local emulator ({e}). Check that this computer allows \
             programs to listen on 127.0.0.1."
        ))),
    }
}

/// The demo's public, fixed credential: it only works against the local emulator.
pub fn credentials() -> Credentials {
    Credentials {
        auth: Auth::SharedSecret {
            key_id: demo::KEY_ID.to_string(),
            secret: SecretString::new(demo::SHARED_SECRET.to_string()),
        },
        owner_id: Some(demo::ORGANIZATION_ID.to_string()),
        meta_key: false,
    }
}

/// Merchants the demo profile starts with; `unknown_` ones are refused by the emulator, to show a failure.
pub fn sample_merchants() -> Vec<(&'static str, &'static str)> {
    vec![
        ("demo_store_001", "Demo shop, Berlin"),
        ("demo_store_002", "Demo shop, Munich"),
        ("demo_kiosk_17", "Demo kiosk at the station"),
        ("unknown_demo_mid", "Demo: a merchant Cybersource refuses"),
    ]
}
