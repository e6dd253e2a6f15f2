//! Crash-safe file writes and a cross-process lock, so the app and the CLI can share the same files.
//!
//! A write goes to a temporary file in the same folder (private to the user from the moment it exists:
//! mode 0600 on Unix, an owner-only ACL on Windows, see `privacy`), is flushed to disk, then renamed over
//! the target, and the folder is flushed too: a reader sees the old file or the new one, never half of one.
//! Changes that read, modify and write take a [`FileLock`] first.

use crate::error::StoreError;
use crate::privacy;
use crate::timestamp;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// How long [`FileLock::acquire`] waits for another process before giving up with `Busy`.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Replaces `path` with `bytes` atomically (temp file, fsync, rename, fsync folder); private to the user.
///
/// The folder must exist. On any error the temporary file is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_with(path, bytes, true, &|_| Ok(()))
}

/// Like [`write_atomic`], but unless `force` refuses (race-free) to replace a file that exists.
pub(crate) fn write_new(path: &Path, bytes: &[u8], force: bool) -> Result<(), StoreError> {
    write_with(path, bytes, force, &|_| Ok(()))
}

/// Points in a write where tests inject failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The temporary file holds the new bytes and is flushed.
    Written,
}

pub(crate) fn write_with(
    path: &Path,
    bytes: &[u8],
    replace: bool,
    hook: &dyn Fn(Stage) -> io::Result<()>,
) -> Result<(), StoreError> {
    let dir = parent_of(path);
    let (mut file, temp) = create_temp(&dir, path)?;
    let guard = TempFile(temp);
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| hook(Stage::Written));
    drop(file);
    written.map_err(|e| StoreError::io("write", path, &e))?;
    if replace {
        rename_over(&guard.0, path)?;
        guard.keep();
    } else {
        link_no_replace(&guard.0, path, bytes)?;
        // The guard removes the temporary name; the data lives on under `path`.
    }
    sync_dir(&dir);
    Ok(())
}

/// Renames the temp file over `path`. On Windows a file that another program holds open without
/// sharing (Excel does with a CSV file) cannot be replaced; virus scanners and the search indexer hold
/// files for a moment, so a few short retries come first, then a message that says what to close.
fn rename_over(temp: &Path, path: &Path) -> Result<(), StoreError> {
    let mut attempt = 0;
    loop {
        match fs::rename(temp, path) {
            Ok(()) => return Ok(()),
            Err(e) if cfg!(windows) && held_open(&e) && path.exists() => {
                attempt += 1;
                if attempt < 10 {
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    message: format!(
                        "Could not replace {}: another program has it open (for example Excel or an \
                         editor), or it is read-only. Close it there and try again, or choose another \
                         file name.",
                        path.display()
                    ),
                });
            }
            Err(e) => return Err(StoreError::io("write", path, &e)),
        }
    }
}

/// Windows' answers for a file held open by another process: sharing or lock violation, access denied.
fn held_open(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(32 | 33 | 5))
}

/// Gives the temp file its final name unless that name exists; the check and the link are one step.
fn link_no_replace(temp: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(StoreError::ExportExists {
            path: path.to_path_buf(),
        }),
        // Some file systems (FAT USB sticks, some network shares) have no hard links: create the
        // final name exclusively instead, and remove it again if writing fails.
        Err(_) => {
            let mut file = match private_options().create_new(true).open(path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(StoreError::ExportExists {
                        path: path.to_path_buf(),
                    })
                }
                Err(e) => return Err(StoreError::io("write", path, &e)),
            };
            let written = privacy::restrict_to_owner(&file)
                .and_then(|()| file.write_all(bytes))
                .and_then(|()| file.sync_all());
            if let Err(e) = written {
                drop(file);
                let _ = fs::remove_file(path);
                return Err(StoreError::io("write", path, &e));
            }
            Ok(())
        }
    }
}

/// Removes a temporary file when dropped, unless it was renamed into place.
struct TempFile(PathBuf);

impl TempFile {
    fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn create_temp(dir: &Path, target: &Path) -> Result<(File, PathBuf), StoreError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    loop {
        let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
        match private_options().create_new(true).open(&temp) {
            Ok(file) => {
                if let Err(e) = privacy::restrict_to_owner(&file) {
                    drop(file);
                    let _ = fs::remove_file(&temp);
                    return Err(StoreError::io("write", target, &e));
                }
                return Ok((file, temp));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(StoreError::io("write", target, &e)),
        }
    }
}

/// Write options for files readable by the owner only: mode 0600 on Unix from the first moment; on
/// Windows the handle may also change the file's ACL, which `privacy::restrict_to_owner` does next.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE};
        use windows_sys::Win32::Storage::FileSystem::WRITE_DAC;
        options.access_mode(GENERIC_READ | GENERIC_WRITE | WRITE_DAC);
    }
    options
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Flushes a folder so a rename in it survives a power cut (Unix; Windows has no folder handles for this).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Creates `dir` and its parents, private to the user (0700 on Unix).
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| StoreError::io("create the folder", dir, &e))
}

/// Appends `bytes` (whole lines) to `path` and flushes; a torn last line left by a crash is closed first.
///
/// Callers hold the file's [`FileLock`], so lines of concurrent writers never interleave.
pub(crate) fn append_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let err = |e: io::Error| StoreError::io("write", path, &e);
    let mut options = private_options();
    options.read(true).create(true);
    let mut file = options.open(path).map_err(err)?;
    let len = file.seek(SeekFrom::End(0)).map_err(err)?;
    let mut data = Vec::with_capacity(bytes.len() + 1);
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::End(-1)).map_err(err)?;
        file.read_exact(&mut last).map_err(err)?;
        if last[0] != b'\n' {
            data.push(b'\n');
        }
    }
    data.extend_from_slice(bytes);
    file.seek(SeekFrom::End(0)).map_err(err)?;
    let result = file.write_all(&data).and_then(|()| file.sync_data());
    if let Err(e) = result {
        // Cut off what was half written, so the next append does not continue a broken line.
        let _ = file.set_len(len);
        return Err(err(e));
    }
    Ok(())
}

/// Moves an unreadable file aside as `<name>.corrupt-<UTC time>` (never over an existing backup).
pub(crate) fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    set_aside(path, false)
}

/// Keeps a copy of `path` as `<name>.corrupt-<UTC time>`, leaving `path` in place to be rewritten.
pub(crate) fn copy_aside(path: &Path) -> Result<PathBuf, StoreError> {
    set_aside(path, true)
}

fn set_aside(path: &Path, keep_original: bool) -> Result<PathBuf, StoreError> {
    let stamp = timestamp::now_compact();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = parent_of(path);
    let fail = |e: io::Error| StoreError::io("keep a backup of", path, &e);
    for n in 0..1000 {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let backup = dir.join(format!("{name}.corrupt-{stamp}{suffix}"));
        match fs::hard_link(path, &backup) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            // No hard links on this file system: copy or rename, after checking the name is free.
            Err(_) if backup.exists() => continue,
            Err(_) if keep_original => {
                fs::copy(path, &backup).map_err(fail)?;
            }
            Err(_) => {
                fs::rename(path, &backup).map_err(fail)?;
                sync_dir(&dir);
                return Ok(backup);
            }
        }
        if !keep_original {
            fs::remove_file(path).map_err(fail)?;
        }
        sync_dir(&dir);
        return Ok(backup);
    }
    Err(StoreError::Io {
        path: path.to_path_buf(),
        message: format!(
            "{} could not be read, and there are too many old backups next to it to keep another. \
             Delete old *.corrupt-* files in {} and try again.",
            path.display(),
            dir.display()
        ),
    })
}

/// An exclusive lock on `<file>.lock`, held until dropped; shared by all processes on this machine.
///
/// The lock file itself is never deleted: removing it while another process waits would let two
/// writers in at once.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    path: PathBuf,
}

impl FileLock {
    /// Locks `target` (through `<target>.lock`), waiting up to [`LOCK_WAIT`].
    pub fn acquire(target: &Path) -> Result<Self, StoreError> {
        Self::acquire_within(target, LOCK_WAIT)
    }

    /// Locks `target`, waiting up to `wait`; `Busy` when another holder keeps it longer.
    pub fn acquire_within(target: &Path, wait: Duration) -> Result<Self, StoreError> {
        let mut name = target
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        let path = parent_of(target).join(name);
        let mut options = private_options();
        options.read(true).create(true).truncate(false);
        let file = options
            .open(&path)
            .map_err(|e| StoreError::io("lock", &path, &e))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file, path }),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(15));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Busy {
                        path: target.to_path_buf(),
                    })
                }
                Err(fs::TryLockError::Error(e)) => return Err(StoreError::io("lock", &path, &e)),
            }
        }
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temps_in(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn replaces_and_keeps_the_file_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        // Windows ACLs are checked by the integration tests (tests/common: not under Wine).
        #[cfg(unix)]
        assert!(crate::privacy::is_private(&p).unwrap());
        assert!(temps_in(dir.path()).is_empty());
    }

    #[test]
    fn a_write_interrupted_before_rename_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        write_atomic(&p, b"old").unwrap();
        let fail = |_: Stage| Err(io::Error::from(io::ErrorKind::StorageFull));
        let e = write_with(&p, b"new content", true, &fail).unwrap_err();
        assert!(e.to_string().contains("disk is full"), "{e}");
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert!(temps_in(dir.path()).is_empty(), "temp file left behind");
    }

    #[test]
    fn a_failed_new_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keys.json");
        let fail = |_: Stage| Err(io::Error::from(io::ErrorKind::StorageFull));
        for replace in [false, true] {
            let e = write_with(&p, b"secret", replace, &fail).unwrap_err();
            assert_eq!(e.code(), "io_error");
            assert!(!p.exists());
            assert_eq!(
                fs::read_dir(dir.path()).unwrap().count(),
                0,
                "nothing left behind"
            );
        }
    }

    #[test]
    fn a_stray_temp_file_from_a_crash_does_not_matter() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        write_atomic(&p, b"old").unwrap();
        fs::write(dir.path().join(".config.json.deadbeef.tmp"), b"half").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"old");
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
    }

    #[test]
    fn write_new_refuses_an_existing_file_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_new(&p, b"first", false).unwrap();
        let e = write_new(&p, b"second", false).unwrap_err();
        assert!(matches!(e, StoreError::ExportExists { .. }), "{e:?}");
        assert_eq!(fs::read(&p).unwrap(), b"first");
        write_new(&p, b"third", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"third");
        assert!(temps_in(dir.path()).is_empty());
    }

    #[test]
    fn append_closes_a_torn_line_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.jsonl");
        append_synced(&p, b"{\"a\":1}\n").unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"tor")
            .unwrap();
        append_synced(&p, b"{\"b\":2}\n").unwrap();
        let text = fs::read_to_string(&p).unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"tor\n{\"b\":2}\n");
    }

    #[test]
    fn move_aside_never_overwrites_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        fs::write(&p, b"bad 1").unwrap();
        let b1 = move_aside(&p).unwrap();
        fs::write(&p, b"bad 2").unwrap();
        let b2 = move_aside(&p).unwrap();
        assert_ne!(b1, b2);
        assert!(!p.exists());
        assert_eq!(fs::read(&b1).unwrap(), b"bad 1");
        assert_eq!(fs::read(&b2).unwrap(), b"bad 2");
        assert!(b1
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("config.json.corrupt-"));
    }

    #[test]
    fn lock_is_exclusive_and_times_out_with_busy() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let held = FileLock::acquire(&p).unwrap();
        assert!(held.path().ends_with("config.json.lock"));
        let started = Instant::now();
        let e = FileLock::acquire_within(&p, Duration::from_millis(200)).unwrap_err();
        assert!(matches!(e, StoreError::Busy { .. }), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(held);
        FileLock::acquire_within(&p, Duration::from_millis(200)).unwrap();
    }
}
