//! The config loader (`mpos_store::config::parse_config`, what `ConfigStore::load` runs on config.json).
//!
//! Checked besides "no panic": a config that loads saves and loads back to the same value (so a save never
//! changes what the user had), and validating each profile and the settings never panics, whatever the
//! file held (profiles are validated when used, not when loaded).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpos_store::config::parse_config;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = parse_config(data) else {
        return;
    };
    let saved = serde_json::to_vec_pretty(&config).expect("a loaded config can be saved");
    let reloaded = parse_config(&saved).expect("a saved config loads");
    assert_eq!(reloaded, config, "save and load round-trip");

    let _ = config.settings.validate();
    for profile in &config.profiles {
        let _ = profile.validate();
        let _ = profile.parsed_environment();
        let mut normalized = profile.clone();
        if normalized.normalize().is_ok() {
            // Normalizing is idempotent: a normalized profile stays as it is.
            let once = normalized.clone();
            normalized
                .normalize()
                .expect("a normalized profile stays valid");
            assert_eq!(normalized, once);
        }
    }
    if let Some(first) = config.profiles.first() {
        let _ = config.profile(&first.name.to_uppercase());
    }
});
