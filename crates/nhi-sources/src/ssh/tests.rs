//! Unit and property tests of the ssh source: recognition and bad input.

use super::*;
use nhi_model::Fingerprinter;
use proptest::prelude::*;

const ID_ED25519: &[u8] = include_bytes!("../../tests/fixtures/ssh/id_ed25519");
const ID_ED25519_PUB: &str = include_str!("../../tests/fixtures/ssh/id_ed25519.pub");

fn read(path: &str, bytes: &[u8]) -> Discovery {
    let fingerprinter = Fingerprinter::new([1; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let file = SourceFile { path, bytes };
    let mut out = Discovery::default();
    if SshSource.recognises(&file) {
        SshSource.read(&file, &ctx, &mut out);
    }
    out
}

fn kind(path: &str, text: &str) -> Option<FileKind> {
    classify(&SourceFile {
        path,
        bytes: text.as_bytes(),
    })
}

#[test]
fn files_are_recognised_by_name_then_by_first_entry() {
    let key = ID_ED25519_PUB.trim();
    assert_eq!(
        kind("x/authorized_keys2", ""),
        Some(FileKind::AuthorizedKeys)
    );
    assert_eq!(
        kind("/etc/ssh/authorized_keys/git", ""),
        Some(FileKind::AuthorizedKeys)
    );
    assert_eq!(kind("x/known_hosts.old", ""), Some(FileKind::KnownHosts));
    assert_eq!(kind("id.pub", key), Some(FileKind::PublicKeys));
    assert_eq!(
        kind("id.pub", "-----BEGIN PUBLIC KEY-----\n"),
        None,
        "PEM .pub is the x509 source's"
    );
    assert_eq!(
        kind("notes", &format!("# keys\n\n{key}\n")),
        Some(FileKind::PublicKeys)
    );
    assert_eq!(
        kind("notes", &format!("no-pty,from=\"a b\" {key}")),
        Some(FileKind::AuthorizedKeys)
    );
    assert_eq!(
        kind("notes", &format!("host1,host2 {key}")),
        Some(FileKind::KnownHosts)
    );
    assert_eq!(kind("notes", "just some text AAAA"), None);
    assert_eq!(
        kind("key", "-----BEGIN OPENSSH PRIVATE KEY-----\n"),
        Some(FileKind::PrivateKeys)
    );
}

#[test]
fn bad_lines_are_errors_and_the_rest_goes_on() {
    let text = format!(
        "garbage line here\n{}\nfrom=\"x {}\n",
        ID_ED25519_PUB.trim(),
        ID_ED25519_PUB.trim()
    );
    let out = read("home/ci/.ssh/authorized_keys", text.as_bytes());
    let errors: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "home/ci/.ssh/authorized_keys:1: unknown authorized_keys option 'garbage'",
            "home/ci/.ssh/authorized_keys:3: unterminated quote in option 'from'",
        ]
    );
    assert_eq!(out.inventory.credentials.len(), 1);
    assert_eq!(out.inventory.grants[0].resources, ["account:ci"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_openssh_key_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut bytes = ID_ED25519.to_vec();
        for (at, byte) in edits {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        bytes.truncate(cut % (ID_ED25519.len() + 1));
        read("id_ed25519", &bytes);
    }

    #[test]
    fn random_authorized_keys_never_panic(lines in proptest::collection::vec(
        prop_oneof![
            Just(ID_ED25519_PUB.trim().to_string()),
            r#"[a-z=",\\ -]{0,30} ssh-ed25519 AAAA[A-Za-z0-9+/=]{0,60}( [a-z@ ]{0,10})?"#,
            "[ -~]{0,80}",
        ], 0..10)) {
        let text = lines.join("\n");
        read("authorized_keys", text.as_bytes());
        read("known_hosts", text.as_bytes());
        read("sniffed", text.as_bytes());
    }
}
