//! Bad input never panics: each bad file gives one error line naming it, the rest goes on, and
//! the exit status says some inputs failed.

mod common;

use common::*;

#[test]
fn bad_files_are_named_and_the_rest_of_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let good = std::fs::read(demo_estate().join("pki/ca/root-ca.pem")).unwrap();
    std::fs::write(tree.join("good.pem"), &good).unwrap();
    let truncated = &good[..good.len() / 2];
    std::fs::write(tree.join("truncated.pem"), truncated).unwrap();
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(tree.join("random.der"), &random).unwrap();
    std::fs::write(
        tree.join("binary.pem"),
        [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254],
    )
    .unwrap();
    std::fs::write(
        tree.join("authorized_keys"),
        "ssh-ed25519 AAAA!!notbase64 broken\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("loop2", tree.join("loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", tree.join("loop2")).unwrap();
    // A 2 GB file, sparse so it costs no disk: skipped by the size cap, named in a warning.
    std::fs::File::create(tree.join("huge.pem"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();

    let output = nhi(
        dir.path(),
        &[
            "scan",
            tree.to_str().unwrap(),
            "--no-store",
            "--format",
            "json",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(3),
        "some inputs failed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for name in [
        "truncated.pem",
        "random.der",
        "binary.pem",
        "authorized_keys:1",
        "loop1",
        "loop2",
        "huge.pem",
    ] {
        assert!(
            stderr.lines().any(|l| l.contains(name)),
            "no line names {name}:\n{stderr}"
        );
    }
    assert!(stderr.contains("--max-file-size"), "{stderr}");
    let report = json(&output);
    let certificates = report["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "x509-certificate")
        .count();
    assert!(
        certificates >= 1,
        "the good certificate is still inventoried"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = nhi(dir.path(), &["scan", "does-not-exist", "--no-store"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does-not-exist"));
}
