//! The data directory on disk: private to the service's user, written so
//! that a crash or a power cut leaves either nothing or a whole file.

use std::path::Path;

/// Creates `dir` and any missing parents readable by the service's user
/// only (0700). Directories that exist are left as they are.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the data directory (0700), and closes it to others if an
/// earlier version left it open: it holds the database, citizens'
/// documents and mail. Only the data directory itself is changed.
pub fn private_data_dir(dir: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` so that a crash leaves either nothing or the
/// whole file: a temporary file, synced, renamed, and the directory synced so
/// that the rename itself survives a power cut. The file is readable by the
/// service's user only.
pub fn write_durably(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_renamed(tmp, path, bytes, true)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Writes `bytes` to `path` as [`write_durably`] does (a temporary file,
/// renamed: a reader never sees half a file), but without waiting for the
/// disk: many files written so are made durable together, by one
/// [`sync_filesystem`], before anyone relies on them.
pub fn write_unsynced(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_renamed(tmp, path, bytes, false)
}

/// Writes a temporary file, synced first if `sync`, and renames it to `path`.
fn write_renamed(tmp: &Path, path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(tmp)?;
    f.write_all(bytes)?;
    if sync {
        f.sync_all()?;
    }
    std::fs::rename(tmp, path)
}

/// Makes everything written so far to the filesystem that holds `dir`
/// durable — files, renames, new directories — with one flush (`syncfs` on
/// Linux, `sync` elsewhere) instead of one per file.
pub fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = std::fs::File::open(dir)?;
        // SAFETY: syncfs(2) on a descriptor we own and keep open for the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        // SAFETY: sync(2) takes no arguments and cannot fail.
        unsafe { libc::sync() };
        Ok(())
    }
}

/// Bytes in the files under `dir`, recursively (0 if it does not exist).
pub fn tree_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => tree_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsynced_write_is_whole_and_leaves_no_temporary_file_and_a_flush_reports_errors() {
        let dir = std::env::temp_dir().join(format!("segnala-files-{}", std::process::id()));
        create_private_dir(&dir).unwrap();
        let (tmp, path) = (dir.join(".a.tmp"), dir.join("a.eml"));
        write_unsynced(&tmp, &path, b"first").unwrap();
        write_unsynced(&tmp, &path, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
        assert!(!tmp.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        sync_filesystem(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        #[cfg(target_os = "linux")]
        assert!(
            sync_filesystem(&dir).is_err(),
            "a missing directory is an error"
        );
    }
}
