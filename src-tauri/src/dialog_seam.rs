//! Test seam for the native file dialogs, which WebDriver cannot drive. Compiled only with the `e2e` cargo
//! feature (scripts/test builds the app for the window tests that way); the debug build, the release build
//! and every package lack it, so no environment variable can bypass a dialog of the app users run.

use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime};

/// The dialogs' answers, managed as Tauri state by an `e2e` build.
///
/// `MPOS_KEYGEN_E2E_SAVE_DIR`: exports are written into this directory under the suggested file name instead
/// of asking with a save dialog. `MPOS_KEYGEN_E2E_OPEN_FILE`: every open dialog (CSV import, .p12) answers
/// with this file. Unset, even an `e2e` build shows the real dialogs.
#[derive(Debug, Clone, Default)]
pub struct DialogSeam {
    /// Where exports go without a dialog.
    pub save_dir: Option<PathBuf>,
    /// The file the open dialogs answer with.
    pub open_file: Option<PathBuf>,
}

impl DialogSeam {
    /// Variable naming the export directory that replaces the save dialog.
    pub const SAVE_DIR_VAR: &'static str = "MPOS_KEYGEN_E2E_SAVE_DIR";
    /// Variable naming the file that replaces the open dialogs.
    pub const OPEN_FILE_VAR: &'static str = "MPOS_KEYGEN_E2E_OPEN_FILE";

    /// Reads the two variables; empty values count as unset.
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let seam = Self {
            save_dir: var(Self::SAVE_DIR_VAR),
            open_file: var(Self::OPEN_FILE_VAR),
        };
        if seam.save_dir.is_some() || seam.open_file.is_some() {
            // On stderr, not the log: this runs before the log plugin is set up. The window tests look for
            // this line; scripts/test-package checks the packaged app never prints it.
            eprintln!("file dialogs are replaced by the end-to-end test seam ({seam:?})");
        }
        seam
    }
}

/// The directory that replaces the save dialog, when the app manages a seam that names one.
pub fn save_dir<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    app.try_state::<DialogSeam>()?.save_dir.clone()
}

/// The file that answers the open dialogs, when the app manages a seam that names one.
pub fn open_file<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    app.try_state::<DialogSeam>()?.open_file.clone()
}
