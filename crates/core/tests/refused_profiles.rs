//! Saving a profile that is refused leaves the keychain as it was: no stray secret, no secret of another
//! profile replaced; and an accepted one files its secret under the name it is saved with.

use mpos_core::{error::exit, Keygen, Source};
use mpos_kms::SecretString;
use mpos_store::config::{AuthMethod, Profile};
use mpos_store::keychain::{profile_account, MemoryStore, SecretStore};
use mpos_store::paths::Paths;
use std::sync::Arc;

const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
const OTHER_SECRET: &str = "b3RoZXItc2hhcmVkLXNlY3JldC1mb3ItdGhlLXRlc3Q=";

fn keygen() -> (tempfile::TempDir, Arc<MemoryStore>, Keygen) {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(MemoryStore::default());
    let keygen = Keygen::new(Paths::at(dir.path()), memory.clone());
    (dir, memory, keygen)
}

fn profile(name: &str) -> Profile {
    let mut p = Profile::new(
        name,
        "test",
        AuthMethod::SharedSecret {
            key_id: KEY_ID.into(),
        },
    );
    p.organization_id = Some("acme_portfolio".into());
    p
}

fn secret(s: &str) -> Option<SecretString> {
    Some(SecretString::new(s.into()))
}

#[test]
fn a_refused_profile_leaves_no_secret_behind() {
    let (_dir, memory, keygen) = keygen();
    let mut bad_key_id = profile("Bad key id");
    bad_key_id.auth = AuthMethod::SharedSecret {
        key_id: "my-rest-key".into(),
    };
    let mut bad_org = profile("Bad org");
    bad_org.organization_id = Some("acme portfolio".into());
    let mut bad_env = profile("Bad env");
    bad_env.environment = "http://gateway.example.com".into();
    for (p, says) in [
        (bad_key_id, "does not look like a key id"),
        (bad_org, "Organization id"),
        (bad_env, "only allowed to this computer"),
        (profile("   "), "profile name is empty"),
    ] {
        let name = p.name.clone();
        let err = keygen.save_profile(None, p, secret(SECRET)).unwrap_err();
        assert!(err.to_string().contains(says), "{name:?}: {err}");
        assert_eq!(err.exit_code(), exit::USAGE);
        assert!(memory.is_empty(), "{name:?} left a secret in the keychain");
    }
    assert!(keygen.config().load().unwrap().profiles.is_empty());
}

#[test]
fn a_shared_secret_that_is_not_base64_is_refused_before_it_is_stored() {
    let (_dir, memory, keygen) = keygen();
    for bad in ["not-base64!!", "c2VjcmV0="] {
        let err = keygen
            .save_profile(None, profile("Shop"), secret(bad))
            .unwrap_err();
        assert!(err.to_string().contains("not valid base64"), "{bad}: {err}");
        assert!(
            !err.to_string().contains(bad),
            "the message repeats the secret"
        );
        assert_eq!(err.exit_code(), exit::USAGE);
    }
    assert!(memory.is_empty());
    assert!(keygen.config().load().unwrap().profiles.is_empty());
}

#[test]
fn adding_a_name_that_is_taken_keeps_the_existing_secret() {
    let (_dir, memory, keygen) = keygen();
    keygen
        .save_profile(None, profile("Shop"), secret(SECRET))
        .unwrap();
    let err = keygen
        .save_profile(None, profile("Shop"), secret(OTHER_SECRET))
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let kept = memory.get(&profile_account("Shop")).unwrap().unwrap();
    assert_eq!(
        kept.expose(),
        SECRET,
        "the existing profile's secret was replaced"
    );
    assert_eq!(memory.len(), 1);
}

#[test]
fn the_secret_is_filed_under_the_name_the_profile_is_saved_with() {
    let (_dir, memory, keygen) = keygen();
    keygen
        .save_profile(None, profile("  Shop  "), secret(SECRET))
        .unwrap();
    let saved = keygen.config().load().unwrap();
    assert_eq!(saved.profiles[0].name, "Shop");
    assert!(memory.get(&profile_account("Shop")).unwrap().is_some());
    assert_eq!(memory.len(), 1, "no secret under the untrimmed name");
    // The profile works: its secret is found.
    keygen.connect(&Source::Profile("Shop".into())).unwrap();

    // Editing it with the same name padded is not a rename: the secret stays where it is.
    keygen
        .save_profile(Some("Shop"), profile(" Shop "), None)
        .unwrap();
    assert!(memory.get(&profile_account("Shop")).unwrap().is_some());
    keygen.connect(&Source::Profile("Shop".into())).unwrap();
}
