//! Embeds the SQL migrations: `OUT_DIR/migrations.rs` lists each backend's files under
//! `migrations/` as (file name, `include_str!` of its text), which `src/store/connect.rs` turns
//! into sqlx migrations. (sqlx's `migrate!` does the same, but its `macros` feature builds sqlx,
//! tokio, rustls and SQLite a second time for the compiler's side.) Rebuilds when a migration is
//! added or changed, not only when Rust code changes.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for (constant, backend) in [("SQLITE", "sqlite"), ("POSTGRES", "postgres")] {
        let dir = Path::new(&manifest).join("migrations").join(backend);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a readable migrations directory").path())
            .filter(|path| path.is_file() && path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        writeln!(out, "pub const {constant}: &[(&str, &str)] = &[").unwrap();
        for path in files {
            let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
            let version = name.split_once('_').map(|(v, _)| v);
            assert!(
                version.is_some_and(|v| v.parse::<i64>().is_ok()),
                "migrations/{backend}/{name}: not named <version>_<description>.sql"
            );
            let path = path.to_str().expect("a UTF-8 path");
            writeln!(out, "    ({name:?}, include_str!({path:?})),").unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let target = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("migrations.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
