//! A spec TOML: parsed as a city or base file next to the built-in specs, then every city and
//! document resolved (inheritance, merging) and validated. Errors are the answer for a bad
//! spec; a panic or hang is a bug.
#![no_main]

use idphoto::spec::Library;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static BUILTIN: LazyLock<Library> =
    LazyLock::new(|| Library::builtin().expect("built-in specs load"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lib = BUILTIN.clone();
    if lib.add_text("fuzz.toml".into(), text.to_string()).is_err() {
        return;
    }
    let _ = lib.resolve_all();
    let ids: Vec<String> = lib.cities().map(|c| c.id.clone()).collect();
    for id in ids {
        if let Ok(spec) = lib.resolve(&id, None) {
            // What `idphoto specs show` prints.
            let _ = spec.to_toml();
        }
    }
});
