//! Recognition of host files by their path inside a host tree.

use super::*;

fn kind(path: &str, bytes: &[u8]) -> Option<(HostFile, usize)> {
    classify(&SourceFile { path, bytes })
}

#[test]
fn host_files_are_recognised_by_path() {
    assert_eq!(kind("img/etc/passwd", b""), Some((HostFile::Passwd, 4)));
    assert_eq!(kind("/etc/shadow", b""), Some((HostFile::Shadow, 1)));
    assert_eq!(
        kind("etc/sudoers.d/deploy", b""),
        Some((HostFile::Sudoers, 0))
    );
    assert_eq!(
        kind("etc/sudoers.d/README.txt", b""),
        None,
        "sudo skips names with a dot"
    );
    assert_eq!(
        kind("etc/cron.d/backup", b""),
        Some((HostFile::SystemCrontab, 0))
    );
    assert_eq!(kind("etc/cron.d/backup~", b""), None);
    assert_eq!(
        kind("r/var/spool/cron/crontabs/alice", b""),
        Some((HostFile::UserCrontab("alice".into()), 2))
    );
    assert_eq!(
        kind("r/var/spool/cron/bob", b""),
        Some((HostFile::UserCrontab("bob".into()), 2))
    );
    assert_eq!(kind("r/etc/passwd-", b""), None, "backups are stale copies");
    assert_eq!(kind("src/passwd.rs", b""), None);
}

#[test]
fn units_need_a_service_section() {
    let unit = b"[Unit]\n[Service]\nUser=app\n";
    let expected = |name: &str, drop_in, user: Option<&str>, at| {
        Some((
            HostFile::Unit {
                name: name.into(),
                drop_in,
                user: user.map(str::to_string),
            },
            at,
        ))
    };
    assert_eq!(
        kind("r/etc/systemd/system/app.service", unit),
        expected("app.service", false, None, 2)
    );
    assert_eq!(
        kind("r/lib/systemd/system/app.service", unit),
        expected("app.service", false, None, 2)
    );
    assert_eq!(
        kind("r/etc/systemd/system/app.service.d/override.conf", unit),
        expected("app.service", true, None, 2)
    );
    assert_eq!(
        kind("r/home/eve/.config/systemd/user/sync.service", unit),
        expected("sync.service", false, Some("eve"), 2)
    );
    assert_eq!(
        kind("deploy/app.service", unit),
        expected("app.service", false, None, 7)
    );
    assert_eq!(kind("r/etc/systemd/system/app.service", b"[Unit]\n"), None);
}

#[test]
fn binary_content_is_one_error() {
    let file = SourceFile {
        path: "etc/crontab",
        bytes: b"\x7fELF\x00\x01",
    };
    let err = text(&file, "crontab").unwrap_err();
    assert_eq!(
        err.to_string(),
        "etc/crontab: binary content: not a crontab"
    );
}

mod no_panic {
    use super::*;
    use nhi_model::Fingerprinter;
    use proptest::prelude::*;

    const PATHS: &[&str] = &[
        "r/etc/passwd",
        "r/etc/shadow",
        "r/etc/group",
        "r/etc/sudoers",
        "r/etc/cron.d/job",
        "r/var/spool/cron/crontabs/u",
        "r/etc/systemd/system/a.service",
    ];

    proptest! {
        #[test]
        fn any_text_in_any_host_file_reads_without_panic(
            text in "([a-zA-Z0-9:!*$%#@=(),\"' \\\\\t/-]{0,30}\n){0,8}",
            index in 0..PATHS.len(),
        ) {
            let fingerprinter = Fingerprinter::new([2; 32]);
            let ctx = SourceContext { fingerprinter: &fingerprinter };
            let bytes = format!("[Service]\n{text}");
            let file = SourceFile { path: PATHS[index], bytes: bytes.as_bytes() };
            let mut out = Discovery::default();
            HostSource.read(&file, &ctx, &mut out);
            for error in &out.errors {
                prop_assert_eq!(error.path.as_str(), PATHS[index]);
            }
        }
    }
}
