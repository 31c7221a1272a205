//! Device numbers as `stat(2)` reports them (`st_dev`, `st_rdev`) and as `/proc` prints them.

/// glibc's `makedev`: the `dev_t` of `major:minor`.
pub fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}

/// glibc's `major`.
pub fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}

/// glibc's `minor`.
pub fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}

/// `major:minor` in decimal (mountinfo) or hexadecimal (maps) digits.
pub fn parse_pair(text: &str, radix: u32) -> Option<(u32, u32)> {
    let (ma, mi) = text.split_once(':')?;
    Some((
        u32::from_str_radix(ma, radix).ok()?,
        u32::from_str_radix(mi, radix).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makedev_round_trips_small_and_large_numbers() {
        for (ma, mi) in [(7, 0), (147, 1), (8, 17), (259, 65536), (4095, 1 << 20)] {
            let dev = makedev(ma, mi);
            assert_eq!((major(dev), minor(dev)), (ma, mi));
        }
        assert_eq!(makedev(8, 1), 0x801);
    }

    #[test]
    fn parses_decimal_and_hex_pairs() {
        assert_eq!(parse_pair("147:1", 10), Some((147, 1)));
        assert_eq!(parse_pair("fd:0a", 16), Some((253, 10)));
        assert_eq!(parse_pair("x:1", 10), None);
        assert_eq!(parse_pair("7", 10), None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "\\PC{0,40}", hex in proptest::bool::ANY) {
            let _ = parse_pair(&text, if hex { 16 } else { 10 });
        }

        #[test]
        fn printed_pairs_read_back(ma in 0u32..4096, mi in 0u32..(1 << 20)) {
            proptest::prop_assert_eq!(parse_pair(&format!("{ma}:{mi}"), 10), Some((ma, mi)));
            proptest::prop_assert_eq!(parse_pair(&format!("{ma:x}:{mi:x}"), 16), Some((ma, mi)));
        }
    }
}
