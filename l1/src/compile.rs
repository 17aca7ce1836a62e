//! Compiling Solidity: runs `node contracts/scripts/compile.mjs` (solc-js
//! pinned by `contracts/package-lock.json`; optimizer on, 200 runs, evmVersion
//! prague) and reads its JSON into [`Artifacts`].
//!
//! This is a development tool: the binary never compiles. Tests and the
//! artifact golden file (`l1/tests/artifacts.rs`) use [`compile_in`] on a
//! source checkout; what runs in production is [`crate::artifacts`], the
//! same JSON committed and embedded.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

use crate::error::L1Error;

/// One compiled contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    /// Contract name.
    pub name: String,
    /// Source path as given to the compiler.
    pub source: String,
    /// The ABI (JSON array).
    pub abi: serde_json::Value,
    /// Creation bytecode, without constructor arguments.
    pub bytecode: Vec<u8>,
    /// Runtime (deployed) bytecode.
    pub deployed_bytecode: Vec<u8>,
    /// Function signature -> 4-byte selector, as solc reports them.
    pub method_identifiers: BTreeMap<String, [u8; 4]>,
}

impl Contract {
    /// The selector of a function signature such as
    /// `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])`.
    pub fn selector(&self, signature: &str) -> Option<[u8; 4]> {
        self.method_identifiers.get(signature).copied()
    }

    /// The canonical signatures of the custom errors in the ABI, e.g.
    /// `InputNotInField(uint256)`.
    pub fn error_signatures(&self) -> Vec<String> {
        abi_error_signatures(&self.abi)
    }

    /// Creation bytecode followed by ABI-encoded constructor arguments.
    pub fn creation_code(&self, constructor_args: &[u8]) -> Vec<u8> {
        let mut code = self.bytecode.clone();
        code.extend_from_slice(constructor_args);
        code
    }
}

/// The canonical type of an ABI parameter (tuples expanded).
fn canonical_type(param: &serde_json::Value) -> String {
    let ty = param["type"].as_str().unwrap_or_default();
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let inner: Vec<String> = param["components"]
                .as_array()
                .map(|c| c.iter().map(canonical_type).collect())
                .unwrap_or_default();
            format!("({}){suffix}", inner.join(","))
        }
        None => ty.to_string(),
    }
}

/// The canonical signatures of the `error` entries of an ABI.
pub fn abi_error_signatures(abi: &serde_json::Value) -> Vec<String> {
    abi.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "error")
        .map(|e| {
            let inputs: Vec<String> = e["inputs"]
                .as_array()
                .map(|i| i.iter().map(canonical_type).collect())
                .unwrap_or_default();
            format!(
                "{}({})",
                e["name"].as_str().unwrap_or_default(),
                inputs.join(",")
            )
        })
        .collect()
}

/// The output of one compiler run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifacts {
    /// solc's version string.
    pub compiler: String,
    /// The EVM version compiled for.
    pub evm_version: String,
    /// Contracts by `source:Name`.
    pub contracts: BTreeMap<String, Contract>,
    /// The compiler's warnings (stderr of a successful run).
    pub warnings: String,
}

impl Artifacts {
    /// The contract `name`, either `Name` (when one source defines it) or
    /// `source:Name`.
    pub fn get(&self, name: &str) -> Result<&Contract, L1Error> {
        if let Some(c) = self.contracts.get(name) {
            return Ok(c);
        }
        let mut found = self.contracts.values().filter(|c| c.name == name);
        match (found.next(), found.next()) {
            (Some(c), None) => Ok(c),
            (Some(_), Some(_)) => Err(L1Error::Artifact {
                reason: format!("{name} is defined by several sources: use source:{name}"),
            }),
            _ => Err(L1Error::NoContract {
                name: name.to_string(),
                available: self
                    .contracts
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

#[derive(Deserialize)]
struct RawOutput {
    compiler: String,
    #[serde(rename = "evmVersion")]
    evm_version: String,
    contracts: BTreeMap<String, RawContract>,
}

#[derive(Deserialize)]
struct RawContract {
    name: String,
    source: String,
    abi: serde_json::Value,
    bytecode: String,
    #[serde(rename = "deployedBytecode")]
    deployed_bytecode: String,
    #[serde(rename = "methodIdentifiers", default)]
    method_identifiers: BTreeMap<String, String>,
}

fn unhex(what: &str, s: &str) -> Result<Vec<u8>, L1Error> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| L1Error::Artifact {
        reason: format!("{what}: {e} (unlinked library placeholder?)"),
    })
}

/// Reads the JSON that `contracts/scripts/compile.mjs` prints.
pub fn parse_output(stdout: &[u8], warnings: String) -> Result<Artifacts, L1Error> {
    let raw: RawOutput = serde_json::from_slice(stdout).map_err(|e| L1Error::Artifact {
        reason: e.to_string(),
    })?;
    let mut contracts = BTreeMap::new();
    for (key, c) in raw.contracts {
        let mut ids = BTreeMap::new();
        for (sig, id) in c.method_identifiers {
            let bytes = unhex(&sig, &id)?;
            let sel: [u8; 4] = bytes.try_into().map_err(|_| L1Error::Artifact {
                reason: format!("{sig}: selector {id} is not 4 bytes"),
            })?;
            ids.insert(sig, sel);
        }
        contracts.insert(
            key.clone(),
            Contract {
                bytecode: unhex(&key, &c.bytecode)?,
                deployed_bytecode: unhex(&key, &c.deployed_bytecode)?,
                name: c.name,
                source: c.source,
                abi: c.abi,
                method_identifiers: ids,
            },
        );
    }
    Ok(Artifacts {
        compiler: raw.compiler,
        evm_version: raw.evm_version,
        contracts,
        warnings,
    })
}

/// Compiles `sources` with the solc-js of the repository at `root` (the
/// directory holding `contracts/`). The compiler runs in `root`: paths are
/// passed to it as given (relative ones relative to `root`) and name the
/// sources in [`Artifacts::contracts`], so relative paths give the same
/// artifacts wherever the caller runs.
///
/// Fails with [`L1Error::ToolMissing`] when `node` or
/// `contracts/node_modules/solc` is missing, and [`L1Error::Compile`] with
/// solc's messages when the sources do not compile.
pub fn compile_in<P: AsRef<Path>>(root: &Path, sources: &[P]) -> Result<Artifacts, L1Error> {
    let root = &std::path::absolute(root).map_err(|e| L1Error::Io {
        path: root.display().to_string(),
        reason: e.to_string(),
    })?;
    let script = root.join("contracts/scripts/compile.mjs");
    if !script.exists() {
        return Err(L1Error::Io {
            path: script.display().to_string(),
            reason: "compile script not found (is this the zkroll repository root?)".into(),
        });
    }
    let solc = root.join("contracts/node_modules/solc");
    if !solc.join("package.json").exists() {
        return Err(L1Error::ToolMissing {
            what: format!("solc-js ({})", solc.display()),
        });
    }
    for s in sources {
        let s = root.join(s.as_ref());
        if !s.exists() {
            return Err(L1Error::Io {
                path: s.display().to_string(),
                reason: "no such file".into(),
            });
        }
    }
    let out = Command::new("node")
        .arg(&script)
        .args(sources.iter().map(|s| s.as_ref()))
        .current_dir(root)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => L1Error::ToolMissing {
                what: "node (Node.js, on PATH)".into(),
            },
            _ => L1Error::Io {
                path: "node".into(),
                reason: e.to_string(),
            },
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        if stderr.contains("npm ci --prefix contracts") {
            return Err(L1Error::ToolMissing {
                what: format!("solc-js ({})", solc.display()),
            });
        }
        return Err(L1Error::Compile { message: stderr });
    }
    parse_output(&out.stdout, stderr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_signatures_expand_tuples() {
        let abi = serde_json::json!([
            {"type": "error", "name": "A", "inputs": []},
            {"type": "error", "name": "B", "inputs": [
                {"type": "uint256"},
                {"type": "tuple[]", "components": [{"type": "address"}, {"type": "bytes32[2]"}]}
            ]},
            {"type": "function", "name": "f", "inputs": []}
        ]);
        assert_eq!(
            abi_error_signatures(&abi),
            vec!["A()", "B(uint256,(address,bytes32[2])[])"]
        );
    }
}
