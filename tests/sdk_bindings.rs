//! The contract SDK's view of the host API checked against the host API.
//!
//! - `contract-sdk/src/sys.rs` carries, between `// generated:start` and
//!   `// generated:end`, the extern block that
//!   `gasworks_host_api::docs::render_sdk_externs()` renders from the
//!   manifest. The test fails when they differ, so a change of a host
//!   function's name or signature cannot silently break contracts;
//!   `GASWORKS_BLESS=1 cargo test --release --test sdk_bindings` rewrites
//!   the block (then rebuild the examples: `examples/build.sh`).
//! - The codes the SDK takes from `gasworks_abi` (call statuses, crypto
//!   errors, `NOT_FOUND`), the abort trap and the longest message agree
//!   with the host's: the ABI crate makes the statuses and `NOT_FOUND` one
//!   definition, and the host's own crypto errors (`crypto::CryptoError`,
//!   which also has a signing error) are checked against it here.

use std::path::PathBuf;

use gasworks_host_api::codes::{CallStatus, HostTrap};
use gasworks_host_api::crypto::CryptoError as HostCryptoError;
use gasworks_sdk_testing::sdk::call::CallError;
use gasworks_sdk_testing::sdk::crypto::CryptoError;

const START: &str = "// generated:start (gasworks_host_api::docs::render_sdk_externs)\n";
const END: &str = "// generated:end\n";

fn sys_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("contract-sdk/src/sys.rs")
}

#[test]
fn the_sdk_extern_block_is_the_manifest_rendering() {
    let path = sys_path();
    let text = std::fs::read_to_string(&path).expect("contract-sdk/src/sys.rs is readable");
    let start = text.find(START).expect("the start marker") + START.len();
    let end = start + text[start..].find(END).expect("the end marker");
    let rendered = gasworks_host_api::docs::render_sdk_externs();
    if text[start..end] == rendered {
        return;
    }
    if std::env::var("GASWORKS_BLESS").is_ok_and(|v| v == "1") {
        let updated = format!("{}{}{}", &text[..start], rendered, &text[end..]);
        std::fs::write(&path, updated).expect("sys.rs is writable");
        return;
    }
    panic!(
        "contract-sdk/src/sys.rs does not declare the manifest's host functions; \
         rerun with GASWORKS_BLESS=1 to rewrite them, then rebuild the examples \
         (examples/build.sh).\nexpected:\n{rendered}\nfound:\n{}",
        &text[start..end]
    );
}

#[test]
fn call_errors_are_the_host_call_statuses() {
    for status in CallStatus::ALL {
        let mirrored = CallError::from_code(status.code());
        if *status == CallStatus::Success {
            assert_eq!(mirrored, None);
            continue;
        }
        let mirrored = mirrored.unwrap_or_else(|| panic!("SDK lacks {status:?}"));
        assert_eq!(mirrored.code(), Some(status.code()));
        assert_eq!(
            format!("{mirrored:?}").to_lowercase(),
            status.name().replace('_', ""),
            "{status:?}"
        );
    }
    assert_eq!(CallError::BadReturnData.code(), None);
}

#[test]
fn crypto_errors_are_the_host_crypto_errors() {
    // Every error a host function can return (BadSecretKey is for signing,
    // which is not a host function).
    let host: Vec<(u32, String)> = HostCryptoError::ALL
        .iter()
        .filter(|e| **e != HostCryptoError::BadSecretKey)
        .map(|e| (e.code(), format!("{e:?}")))
        .collect();
    let sdk: Vec<(u32, String)> = CryptoError::ALL
        .iter()
        .map(|e| (e.code(), format!("{e:?}")))
        .collect();
    assert_eq!(sdk, host);
}

#[test]
fn the_panic_message_fits_and_aborts_are_the_abort_trap() {
    assert_eq!(
        gasworks_sdk_testing::sdk::MESSAGE_CAPACITY as u32,
        gasworks_host_api::limits::MAX_MESSAGE_LEN
    );
    assert_eq!(gasworks_sdk_testing::ABORT_TRAP, HostTrap::Abort.kind());
    assert_eq!(gasworks_host_api::NOT_FOUND, -1);
}
