//! Embeds the shipped Sigma rules (`rules/sigma/<folder>/*.yml`): writes `shipped_rules.rs` into
//! `OUT_DIR`, a list of `(path, include_str!(...))` in file-name order, so adding a rule file is
//! enough to ship it.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

const RULE_FOLDERS: [&str; 2] = ["cloudtrail", "kubernetes"];

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest).join("rules/sigma");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut list = String::from("&[\n");
    for folder in RULE_FOLDERS {
        let dir = root.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            writeln!(
                list,
                "    ({:?}, include_str!({:?})),",
                format!("{folder}/{name}"),
                file.display().to_string()
            )
            .expect("writing to a String");
        }
    }
    list.push(']');
    fs::write(Path::new(&out_dir).join("shipped_rules.rs"), list).expect("writable OUT_DIR");
}
