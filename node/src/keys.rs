//! The node's proving key: a key directory, or development keys made once
//! per shape and cached (`$ZKROLL_CACHE`, else `~/.cache/zkroll`). Dev keys
//! are INSECURE — whoever ran the setup can forge proofs — and are labelled
//! so ([`zkroll_prover::DEV_SETUP_LABEL`]); `zkroll demo`, the examples and
//! the node's tests use them.

use std::path::{Path, PathBuf};

use rand::rngs::OsRng;
use zkroll_prover::{setup, ProverError, ProverKey};
use zkroll_state::CircuitShape;

/// The cache directory for dev keys.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("ZKROLL_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/zkroll")))
        .unwrap_or_else(|| std::env::temp_dir().join("zkroll"))
}

/// Where the dev keys of `shape` are cached (the crate version in the name:
/// another build's circuit may differ).
pub fn dev_key_dir(shape: CircuitShape) -> PathBuf {
    cache_dir().join(format!(
        "dev-keys-d{}-l1-{}-l2-{}-v{}",
        shape.depth,
        shape.l1_slots,
        shape.l2_slots,
        env!("CARGO_PKG_VERSION")
    ))
}

/// Dev keys for `shape`: loaded from the cache, or made (and cached) when
/// missing or unusable. `on_setup` runs before a setup (a warning to print).
pub fn cached_dev_keys(
    shape: CircuitShape,
    on_setup: impl FnOnce(&Path),
) -> Result<ProverKey, ProverError> {
    let dir = dev_key_dir(shape);
    if dir.join("params.json").exists() {
        match ProverKey::load(&dir) {
            Ok(k) => return Ok(k),
            Err(e) => tracing::warn!(
                "cached dev keys in {} unusable ({e}); running setup again",
                dir.display()
            ),
        }
    }
    on_setup(&dir);
    let mut key = setup(shape, &mut OsRng)?;
    key.save(&dir)?;
    Ok(key)
}
