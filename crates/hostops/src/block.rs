//! Reading one block of a device, bypassing the page cache when the device allows it.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

const BLOCK: usize = 4096;

/// Reads the first 4 KiB of `device` with `O_DIRECT` (plain read if O_DIRECT is refused).
pub fn read_first_block(device: &Path) -> std::io::Result<()> {
    let mut raw = vec![0u8; BLOCK * 2];
    let offset = raw.as_ptr().align_offset(BLOCK).min(BLOCK);
    let buf = raw
        .get_mut(offset..offset + BLOCK)
        .ok_or_else(|| std::io::Error::other("buffer alignment"))?;
    let direct = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(device);
    let mut file = match direct {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => std::fs::File::open(device)?,
        Err(e) => return Err(e),
    };
    match file.read(buf) {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            std::fs::File::open(device)?.read(buf).map(|_| ())
        }
        Err(e) => Err(e),
    }
}
