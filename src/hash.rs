//! Short content hashes, so that duplicate texts can be found without comparing (or keeping) bodies.

use sha2::{Digest, Sha256};

/// Hex of the first 16 bytes of SHA-256: enough to tell texts apart, and kept after the body is deleted.
pub fn text_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_texts_hash_equal_and_different_texts_differ() {
        assert_eq!(super::text_hash("HD"), super::text_hash("HD"));
        assert_ne!(super::text_hash("HD"), super::text_hash("HD "));
        assert_eq!(super::text_hash("").len(), 32);
    }
}
