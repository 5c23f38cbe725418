//! Generates ~100 MB of source-like text (code, config, comments, URLs, hashes) as 64 KiB files,
//! plants a few secrets, scans everything on one thread and prints the throughput.
//!
//! Usage: `cargo run --release -p nhi-secrets --example throughput [-- MEGABYTES]`
//! (`NO_DECODE=1` turns decoding off, `REPEAT=N` scans the corpus N times, e.g. for `perf`).

use nhi_secrets::{RuleSet, Scanner};
use std::time::Instant;

/// Deterministic xorshift generator: the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn word(&mut self, len: usize) -> String {
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..len)
            .map(|_| ALNUM[self.below(ALNUM.len())] as char)
            .collect()
    }
}

const IDENTS: &[&str] = &[
    "user",
    "account",
    "request",
    "response",
    "config",
    "handler",
    "buffer",
    "index",
    "result",
    "client",
    "session",
    "payload",
    "options",
    "context",
    "logger",
    "cache",
    "value",
    "items",
    "parser",
    "token_count",
    "password_policy",
    "secret_name",
    "api_version",
    "keyboard",
    "path",
    "pattern",
    "message",
    "builder",
];
const TEMPLATES: &[&str] = &[
    "    let {a} = {b}.get(\"{a}\").unwrap_or_default();",
    "    if {a}.len() > {n} {{ return Err(Error::TooLong({a}.len())); }}",
    "def {a}_{b}(self, {b}, *args, **kwargs):",
    "        return self.{a}.{b}({n}, timeout={n})",
    "  {a}: {b}-{n}",
    "const {a} = require('./{b}');",
    "// TODO: move {a} handling into {b} once the {n} migration lands",
    "    # see https://docs.internal/{a}/{b}#section-{n}",
    "{a}.{b} = \"{w}\";",
    "    <{a} name=\"{b}\" value=\"{n}\"/>",
    "export {A}_{B}_TIMEOUT={n}",
    "    \"{a}\": \"{w}\",",
    "    request_id = \"{id}\"",
    "commit {h} Merge branch '{a}' into {b}",
    "    SELECT {a}, {b} FROM {a}s WHERE id = {n};",
    "",
    "}}",
];

fn line(rng: &mut Rng) -> String {
    let template = rng.pick(TEMPLATES);
    let a = rng.pick(IDENTS);
    let b = rng.pick(IDENTS);
    let n = rng.below(100_000).to_string();
    // Values read like names and versions, as most string literals in code do; random ids appear
    // only as hashes and opaque identifiers.
    let w = format!("{}-{}", rng.pick(IDENTS), rng.below(1000));
    let len = 8 + rng.below(12);
    let id = rng.word(len);
    let h: String = (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
        .collect();
    template
        .replace("{a}", a)
        .replace("{b}", b)
        .replace("{A}", &a.to_uppercase())
        .replace("{B}", &b.to_uppercase())
        .replace("{n}", &n)
        .replace("{w}", &w)
        .replace("{h}", &h)
        .replace("{id}", &id)
        .replace("{{", "{")
        .replace("}}", "}")
}

fn main() {
    let megabytes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let started = Instant::now();
    let rules = RuleSet::builtin().expect("built-in rules");
    let count = rules.len();
    let mut options = nhi_secrets::ScanOptions::default();
    if std::env::var_os("NO_DECODE").is_some() {
        options.decode.max_depth = 0;
    }
    let scanner = Scanner::with_options(rules, options).expect("compile");
    eprintln!(
        "compiled {count} rules in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let planted = [
        "GITHUB_TOKEN=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",
        "stripe_key = \"sk_live_4kP9wQ2zX7rT1mV8bN3cJ6hL0yF5gD\"",
        "DATABASE_URL=postgres://billing:Hq7vR2xL9mK4pW8z@db.prod.internal:5432/billing",
    ];
    let mut files = Vec::new();
    let mut total = 0usize;
    while total < megabytes << 20 {
        let mut file = String::with_capacity(66 << 10);
        while file.len() < 64 << 10 {
            file.push_str(&line(&mut rng));
            file.push('\n');
        }
        if files.len() % 500 == 250 {
            file.push_str(planted[(files.len() / 500) % planted.len()]);
            file.push('\n');
        }
        total += file.len();
        files.push(file);
    }

    let started = Instant::now();
    let mut found = 0usize;
    let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
    let repeat: usize = std::env::var("REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    for file in files.iter().cycle().take(files.len() * repeat) {
        scanner.scan(file.as_bytes(), |m| {
            found += 1;
            *by_rule.entry(m.rule.id().to_string()).or_default() += 1;
        });
    }
    let seconds = started.elapsed().as_secs_f64();
    let mb = (total * repeat) as f64 / (1 << 20) as f64;
    for (rule, n) in &by_rule {
        eprintln!("{n:>8} {rule}");
    }
    println!(
        "{mb:.0} MB in {} files: {found} secrets, {seconds:.2} s, {:.0} MB/s",
        files.len(),
        mb / seconds
    );
}
