//! `mpos-keygen emulator`: the built-in KMS emulator in the foreground, with the credentials it accepts.

use super::runtime;
use crate::args::EmulatorArgs;
use crate::error::CliError;
use crate::output;
use mpos_core::error::exit;
use mpos_emulator::{demo, Emulator, EmulatorConfig, Fault};

/// Runs the emulator until Ctrl-C.
pub fn run(args: EmulatorArgs) -> Result<i32, CliError> {
    let fault = args.fault.unwrap_or(Fault::None);
    let config = EmulatorConfig::demo().with_fault(fault.clone());
    runtime()?.block_on(async move {
        let started = match args.port {
            Some(port) => Emulator::start_on(config, port).await,
            None => Emulator::start(config).await,
        };
        let emulator = started.map_err(|e| {
            CliError::new(
                exit::NETWORK,
                match args.port {
                    Some(port) => format!("The emulator could not listen on 127.0.0.1:{port}. Is the port in use? Try another --port."),
                    None => "The emulator could not listen on 127.0.0.1.".to_string(),
                },
                e.to_string(),
            )
        })?;
        output::stdout(&banner(&emulator.base_url(), &fault))?;
        let stopped = tokio::signal::ctrl_c().await;
        emulator.shutdown().await;
        output::note("Emulator stopped.");
        stopped.map(|_| exit::OK).map_err(|e| CliError::new(exit::NETWORK, "Could not wait for Ctrl-C.", e.to_string()))
    })
}

/// What a user needs to point a profile at the emulator. The demo secret is public: it opens only this emulator.
fn banner(url: &str, fault: &Fault) -> String {
    let fault_line = match fault {
        Fault::None => String::new(),
        other => format!("Fault: {other}\n"),
    };
    format!(
        "KMS emulator running (Ctrl-C stops it).\n\
         URL: {url}\n\
         {fault_line}\
         Key id: {key_id}\n\
         Shared secret: {secret}\n\
         Organization id: {org}\n\
         Add a profile for it:\n  \
         printf %s '{secret}' | mpos-keygen profile add emulator --env {url} --key-id {key_id} --org {org}\n\
         Every well-formed MID gets a key, except those starting with \"unknown\".\n",
        key_id = demo::KEY_ID,
        secret = demo::SHARED_SECRET,
        org = demo::ORGANIZATION_ID,
    )
}
