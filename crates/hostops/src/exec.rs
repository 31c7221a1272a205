//! Executables: is this path one, where is a program on `PATH`, and is it the same file as
//! another (the agent installed under the daemon's name must never run itself).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// `(st_dev, st_ino)` of a file, following symlinks.
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// A regular file (after symlinks) with an execute bit set.
pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// `program` itself when it names a path (contains `/`), else the first executable
/// `<dir>/program` along `$PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return is_executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_regular_files_with_an_execute_bit_are_executable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prog");
        std::fs::write(&file, "#!/bin/sh\n").unwrap();
        assert!(!is_executable(&file));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(is_executable(&file));
        assert!(!is_executable(dir.path()));
        assert!(!is_executable(&dir.path().join("missing")));
        assert_eq!(find_program(file.to_str().unwrap()), Some(file.clone()));
        assert_eq!(file_id(&file), file_id(&dir.path().join(".").join("prog")));
    }

    #[test]
    fn programs_are_found_on_path_and_missing_ones_are_not() {
        assert!(find_program("sh").is_some_and(|p| p.is_absolute()));
        assert_eq!(find_program("no-such-program-mfsha"), None);
        assert_eq!(find_program("/nonexistent/sh"), None);
    }
}
