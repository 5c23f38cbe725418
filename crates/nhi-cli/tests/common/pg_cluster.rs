//! A throwaway PostgreSQL cluster for live tests: `initdb` into a temporary directory, a server
//! that listens only on a Unix socket there, stopped and removed on drop. As root (CI), the server
//! runs as the `postgres` OS user, since PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<String>,
    pub port: u16,
}

/// Where the server binaries are: `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`.
fn find_bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

impl PgCluster {
    /// Start a cluster with `hba` as its pg_hba.conf. `None` when PostgreSQL is not installed
    /// and `NHI_REQUIRE_POSTGRES` is not set (CI sets it, so there a missing server fails).
    pub fn start(hba: &str) -> Option<PgCluster> {
        let Some(bin) = find_bindir() else {
            assert!(
                std::env::var_os("NHI_REQUIRE_POSTGRES").is_none(),
                "PostgreSQL server binaries not found (install the postgresql package)"
            );
            eprintln!("skipping: PostgreSQL is not installed (apt-get install postgresql)");
            return None;
        };
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let run_as = root.then(|| "postgres".to_string());
        let dir = tempfile::Builder::new()
            .prefix("nhi-pg-")
            .tempdir()
            .unwrap();
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .args([user.as_str(), dir.path().to_str().unwrap()])
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "cannot chown the cluster dir to {user}"
            );
        }
        let port = 40000 + (std::process::id() % 20000) as u16;
        let cluster = PgCluster {
            dir,
            bin,
            run_as,
            port,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.write_as_owner(&Path::new(&data).join("pg_hba.conf"), hba);
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {} -c fsync=off",
            cluster.socket_dir(),
            port
        );
        let log = format!("{}/server.log", cluster.socket_dir());
        cluster.run(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
        Some(cluster)
    }

    fn data(&self) -> String {
        format!("{}/data", self.socket_dir())
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> String {
        self.dir.path().to_string_lossy().into_owned()
    }

    /// A connection string for `role` over the Unix socket.
    pub fn dsn(&self, role: &str) -> String {
        format!(
            "postgres://{role}@/postgres?host={}&port={}",
            self.socket_dir(),
            self.port
        )
    }

    /// A client connected as the bootstrap superuser.
    pub fn admin(&self) -> postgres::Client {
        self.client("postgres", "nhi-test")
    }

    /// A client connected as `role` with `application_name`.
    pub fn client(&self, role: &str, application: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .user(role)
            .dbname("postgres")
            .application_name(application)
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect as {role}: {e}"))
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write_as_owner(&self, path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        if let Some(user) = &self.run_as {
            Command::new("chown")
                .args([user.as_str(), path.to_str().unwrap()])
                .status()
                .unwrap();
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}
