//! Reading bytes eight at a time, for the byte checks and the hash that run on every request.

/// `0x01` in every byte of a word: multiplied by a byte, that byte in every position.
pub(crate) const ONES: u64 = u64::MAX / 255;

/// Eight bytes as one little-endian word, so that byte `i` of `chunk` is byte `i` of the word.
/// `chunk` is exactly eight bytes long (from `chunks_exact(8)` or a slice of that length).
#[inline]
pub(crate) fn word(chunk: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(chunk);
    u64::from_le_bytes(word)
}

/// `a == b` without a call to `memcmp`, which costs more than the comparison itself on the short
/// values compared per request (header names, methods): up to 16 bytes in two overlapping loads
/// of each. Saves about 20 instructions a comparison (callgrind).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => half(&a[..4]) == half(&b[..4]) && half(&a[n - 4..]) == half(&b[n - 4..]),
        8..=16 => word(&a[..8]) == word(&b[..8]) && word(&a[n - 8..]) == word(&b[n - 8..]),
        _ => a == b,
    }
}

/// Four bytes as one little-endian number; `chunk` is exactly four bytes long.
#[inline]
fn half(chunk: &[u8]) -> u32 {
    let mut half = [0; 4];
    half.copy_from_slice(chunk);
    u32::from_le_bytes(half)
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    /// Equal to `==` for every length up to past the word-sized cases, with a difference at each
    /// position, and for slices of different lengths.
    #[test]
    fn same_bytes_is_slice_equality() {
        for len in 0..=20 {
            let a: Vec<u8> = (0..len).map(|i| b'a' + i as u8).collect();
            assert!(same_bytes(&a, &a.clone()), "{len}");
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a, &b), "{len} at {at}");
            }
            let mut longer = a.clone();
            longer.push(b'z');
            assert!(!same_bytes(&a, &longer), "{len}");
            assert!(!same_bytes(&longer, &a), "{len}");
        }
    }
}
