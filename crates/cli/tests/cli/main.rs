//! The built `mpos-keygen` against a real emulator on loopback and the session's real keychain.
//!
//! Run inside a D-Bus session with an unlocked GNOME Keyring, e.g.
//! `dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; cargo test -p mpos-keygen'`.
//! Profile names differ per test because the keychain is shared by tests running in parallel.

mod activation_codes;
mod certificate;
mod emulator;
mod env_vars;
mod exit_codes;
mod generate;
mod harness;
mod help;
mod history;
mod key;
mod merchant;
mod profile;
mod secrets;
// Drives the CLI on a pseudo-terminal through util-linux `script`; Windows consoles cannot be faked so.
#[cfg(target_os = "linux")]
mod terminal;
mod test_certificates;
