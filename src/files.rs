//! The data directory on disk: private to the service's user, written so
//! that a crash or a power cut leaves either nothing or a whole file.

use std::path::Path;

/// Creates `dir` (and its parents) readable by the service's user only
/// (0700), and tightens it if it exists more open: the data directory holds
/// the database, citizens' documents and mail.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
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
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
