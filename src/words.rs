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
