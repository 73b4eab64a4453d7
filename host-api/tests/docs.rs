//! `docs/host-api.md` is generated from the manifest
//! (`gasworks_host_api::docs::render`); this test fails when the file is
//! stale. `GASWORKS_BLESS=1 cargo test --release -p gasworks-host-api --test
//! docs` rewrites it instead.

use std::path::PathBuf;

use gasworks_host_api::{MANIFEST, Provider, docs};

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("docs")
        .join("host-api.md")
}

fn blessing() -> bool {
    std::env::var("GASWORKS_BLESS").is_ok_and(|value| value == "1")
}

#[test]
fn host_api_md_is_generated_from_the_manifest() {
    let path = doc_path();
    let rendered = docs::render();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == rendered {
        return;
    }
    if blessing() {
        std::fs::write(&path, rendered).expect("rewrite docs/host-api.md");
        return;
    }
    panic!(
        "docs/host-api.md is stale: it differs from gasworks_host_api::docs::render(). Run \
         `GASWORKS_BLESS=1 cargo test --release -p gasworks-host-api --test docs` and review \
         the diff."
    );
}

#[test]
fn the_rendering_covers_every_function_price_and_code() {
    let rendered = docs::render();
    for entry in MANIFEST.iter().filter(|e| e.provider == Provider::Host) {
        let heading = format!("### `host.{}`", entry.name);
        assert_eq!(rendered.matches(&heading).count(), 1, "{heading}");
        assert!(
            rendered.contains(&format!("| `{}` |", entry.name)),
            "price row for {}",
            entry.name
        );
        assert!(rendered.contains(entry.cost.rationale), "{}", entry.name);
    }
    for limit in gasworks_host_api::limits::LIMITS {
        assert!(rendered.contains(&format!("| `{}` |", limit.name)));
    }
    for trap in gasworks_host_api::HostTrap::ALL {
        assert!(rendered.contains(&format!("| {} | `{}` |", trap.code(), trap.name())));
    }
    for status in gasworks_host_api::CallStatus::ALL {
        assert!(rendered.contains(&format!("| {} | `{}` |", status.code(), status.name())));
    }
    let externs = docs::render_sdk_externs();
    for entry in MANIFEST.iter().filter(|e| e.provider == Provider::Host) {
        assert!(
            externs.contains(&format!("pub fn {}(", entry.name)),
            "{}",
            entry.name
        );
    }
}
