//! Shared by the store's and the CLI's tests (the CLI includes this file with `#[path]`).

use std::path::Path;

/// Asserts that only the user can open `path`: mode 0600 on Unix, an owner-only ACL on Windows.
///
/// Wine (where CI runs the Windows tests) accepts an ACL but keeps none, so there the file's ACL cannot
/// be read back; real Windows must show it (docs/RELEASE-CHECKLIST.md).
pub fn assert_private(path: &Path) {
    if cfg!(windows) && std::env::var_os("WINECONFIGDIR").is_some() {
        eprintln!(
            "{}: ACL not checked, Wine keeps no file ACLs",
            path.display()
        );
        return;
    }
    assert!(
        mpos_store::privacy::is_private(path).expect("readable"),
        "{} can be opened by others",
        path.display()
    );
}
