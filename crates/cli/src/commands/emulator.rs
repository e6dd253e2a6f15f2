//! `mpos-keygen emulator`: the built-in KMS emulator in the foreground, with the credentials it accepts.

use super::runtime;
use crate::args::EmulatorArgs;
use crate::error::CliError;
use crate::output;
use base64::Engine as _;
use mpos_core::error::exit;
use mpos_emulator::{demo, Emulator, EmulatorCertificate, EmulatorConfig, Fault};
use std::path::Path;

/// A certificate file is a few KiB; a far larger file is not one and is not read into memory.
const MAX_CERTIFICATE_BYTES: u64 = 1024 * 1024;

/// Runs the emulator until Ctrl-C.
pub fn run(args: EmulatorArgs) -> Result<i32, CliError> {
    let certificates = certificates(&args)?;
    let fault = args.fault.unwrap_or(Fault::None);
    let mut config = EmulatorConfig::demo().with_fault(fault.clone());
    for certificate in &certificates {
        config = config.with_certificate(certificate.clone());
    }
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
        output::stdout(&banner(&emulator.base_url(), &fault, &certificates))?;
        let stopped = tokio::signal::ctrl_c().await;
        emulator.shutdown().await;
        output::note("Emulator stopped.");
        stopped.map(|_| exit::OK).map_err(|e| CliError::new(exit::NETWORK, "Could not wait for Ctrl-C.", e.to_string()))
    })
}

/// The REST certificates of `--certificate`, each with its owner from `--certificate-org`.
fn certificates(args: &EmulatorArgs) -> Result<Vec<EmulatorCertificate>, CliError> {
    let orgs = &args.certificate_org;
    if orgs.len() != 1 && orgs.len() != args.certificate.len() {
        return Err(CliError::usage(format!(
            "Give --certificate-org once for every --certificate, or once per --certificate \
             ({} certificates, {} organization ids).",
            args.certificate.len(),
            orgs.len()
        )));
    }
    args.certificate
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let org = orgs.get(i).unwrap_or(&orgs[0]).trim();
            if org.is_empty() {
                return Err(CliError::usage("--certificate-org is empty: give the MID, account or portfolio id that owns the certificate."));
            }
            let der = certificate_der(path)?;
            EmulatorCertificate::from_der(&der, org, args.certificate_meta).map_err(|e| {
                CliError::new(
                    exit::USAGE,
                    format!("{} cannot be used as a REST certificate: {e}.", path.display()),
                    "",
                )
            })
        })
        .collect()
}

/// The DER of a certificate file: PEM (the first CERTIFICATE block) or DER as is.
fn certificate_der(path: &Path) -> Result<Vec<u8>, CliError> {
    let shown = path.display();
    let unreadable = |e: std::io::Error| {
        CliError::new(
            exit::USAGE,
            format!("The certificate file {shown} cannot be read."),
            e.to_string(),
        )
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_CERTIFICATE_BYTES {
        return Err(CliError::usage(format!(
            "{shown} is not a certificate: it is {} KiB, a certificate is a few KiB.",
            size / 1024
        )));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(bytes);
    };
    let Some(start) = text.find(BEGIN) else {
        // Not PEM text: taken as DER; from_der says so if it is neither.
        return Ok(bytes);
    };
    let body = &text[start + BEGIN.len()..];
    let Some(end) = body.find(END) else {
        return Err(CliError::usage(format!(
            "{shown} has no \"{END}\" line: the PEM certificate is cut off."
        )));
    };
    let base64: String = body[..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .map_err(|e| {
            CliError::new(
                exit::USAGE,
                format!("{shown} is not a readable PEM certificate."),
                e.to_string(),
            )
        })
}

/// What a user needs to point a profile at the emulator. The demo secret is public: it opens only this emulator.
fn banner(url: &str, fault: &Fault, certificates: &[EmulatorCertificate]) -> String {
    let fault_line = match fault {
        Fault::None => String::new(),
        other => format!("Fault: {other}\n"),
    };
    let certificate_lines: String = certificates
        .iter()
        .map(|c| {
            format!(
                "Certificate: serialNumber {} for {}{}\n",
                c.serial_number,
                c.organization_id,
                if c.meta_key { " (meta key)" } else { "" }
            )
        })
        .collect();
    let certificate_example = if certificates.is_empty() {
        String::new()
    } else {
        format!(
            "A certificate profile: mpos-keygen profile add NAME --env {url} --p12 FILE.p12 --org {org} \
             (the .p12 password on stdin)\n",
            org = certificates[0].organization_id
        )
    };
    format!(
        "KMS emulator running (Ctrl-C stops it).\n\
         URL: {url}\n\
         {fault_line}\
         {certificate_lines}\
         Key id: {key_id}\n\
         Shared secret: {secret}\n\
         Organization id: {org}\n\
         {certificate_example}\
         Add a profile for it:\n  \
         printf %s '{secret}' | mpos-keygen profile add emulator --env {url} --key-id {key_id} --org {org}\n\
         Every well-formed MID gets a key, except those starting with \"unknown\".\n",
        key_id = demo::KEY_ID,
        secret = demo::SHARED_SECRET,
        org = demo::ORGANIZATION_ID,
    )
}
