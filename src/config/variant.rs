//! `--variant NAME`: the alternative metadata tables of cargo-deb
//! (`[package.metadata.deb.variants.NAME]`, `cargo deb --variant`) and cargo-generate-rpm
//! (`[package.metadata.generate-rpm.variants.NAME]`, `cargo generate-rpm --variant`), applied
//! over their base table as each tool applies them, before the table is read:
//!
//! * every key the variant sets replaces the base's (cargo-deb's `CargoDeb::inherit_from`, the
//!   generate-rpm README's "overwrites the options");
//! * cargo-deb only: the package is named `<crate>-<variant>` (lower case, `_` as `-`) unless
//!   the base or the variant names it, and the variant's `merge-assets` edits the asset list
//!   after that: `append = [...]` adds assets, `by = { dest = [...] }` / `by = { src = [...] }`
//!   replaces the assets with the same destination / source (or adds them).
//!
//! A variant that neither table has is an error naming the ones that exist.

use toml::{Table, Value};

/// The deb table with variant `name` applied, or `None` if the table has no such variant.
/// Problems the tools would warn about are added to `warnings`.
pub fn deb(
    base: &Table,
    name: &str,
    crate_name: &str,
    warnings: &mut Vec<String>,
) -> Option<Table> {
    let variant = variant_table(base, name)?;
    let mut merged = overwrite(base, variant);
    if !base.contains_key("name") && !variant.contains_key("name") {
        let package = format!("{crate_name}-{name}")
            .to_lowercase()
            .replace('_', "-");
        merged.insert("name".into(), Value::String(package));
    }
    if let Some(merge) = merged.remove("merge-assets") {
        let key = format!("package.metadata.deb.variants.{name}.merge-assets");
        let mut assets = match merged.remove("assets") {
            Some(Value::Array(a)) => a,
            _ => {
                warnings.push(format!("`{key}`: the variant has no assets to merge into"));
                Vec::new()
            }
        };
        merge_assets(&mut assets, &merge, &key, warnings);
        merged.insert("assets".into(), Value::Array(assets));
    }
    Some(merged)
}

/// The generate-rpm table with variant `name` applied, or `None` if it has no such variant.
pub fn rpm(base: &Table, name: &str) -> Option<Table> {
    Some(overwrite(base, variant_table(base, name)?))
}

/// The variant names a table offers, sorted.
pub fn names(table: &Table) -> Vec<String> {
    match table.get("variants") {
        Some(Value::Table(v)) => v.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn variant_table<'a>(base: &'a Table, name: &str) -> Option<&'a Table> {
    base.get("variants")?.get(name)?.as_table()
}

/// `base` without its variants, with every key of `variant` replacing the base's.
fn overwrite(base: &Table, variant: &Table) -> Table {
    let mut merged = base.clone();
    merged.remove("variants");
    // A `merge-assets` of the base applies to nothing (cargo-deb reads it in variants only).
    merged.remove("merge-assets");
    for (k, v) in variant {
        merged.insert(k.clone(), v.clone());
    }
    merged
}

/// cargo-deb's `merge-assets` over `assets`.
fn merge_assets(assets: &mut Vec<Value>, merge: &Value, key: &str, warnings: &mut Vec<String>) {
    let Some(merge) = merge.as_table() else {
        warnings.push(format!("`{key}` is not a table; ignored"));
        return;
    };
    if let Some(Value::Array(more)) = merge.get("append") {
        assets.extend(more.iter().cloned());
    }
    let Some(by) = merge.get("by").and_then(Value::as_table) else {
        return;
    };
    for (field, list) in by {
        let index = match field.as_str() {
            "dest" => 1,
            "src" => 0,
            other => {
                warnings.push(format!(
                    "`{key}.by.{other}` is not `dest` or `src`; ignored"
                ));
                continue;
            }
        };
        for new in list.as_array().into_iter().flatten() {
            let Some(k) = asset_field(new, index) else {
                continue;
            };
            match assets.iter().position(|a| asset_field(a, index) == Some(k)) {
                Some(i) => assets[i] = new.clone(),
                None => assets.push(new.clone()),
            }
        }
    }
}

/// An asset's source (`index` 0) or destination (1): `[source, dest, mode]` or
/// `{ source, dest, … }`.
fn asset_field(asset: &Value, index: usize) -> Option<&str> {
    match asset {
        Value::Array(a) => a.get(index)?.as_str(),
        Value::Table(t) => t.get(["source", "dest"][index])?.as_str(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn a_deb_variant_overrides_keys_names_the_package_and_merges_assets() {
        let base = table(
            r#"
            depends = "libc6"
            section = "utils"
            merge-assets = { append = [["ignored", "x", "644"]] }
            assets = [["target/release/app", "usr/bin/", "755"], ["conf/a.toml", "etc/app/app.toml", "644"]]
            [variants.debug_build]
            depends = "libc6, gdb"
            merge-assets = { append = [["README", "usr/share/doc/app/", "644"]], by = { dest = [["conf/debug.toml", "etc/app/app.toml", "644"]] } }
            "#,
        );
        let mut warnings = Vec::new();
        let m = deb(&base, "debug_build", "My_App", &mut warnings).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(m["name"].as_str(), Some("my-app-debug-build"));
        assert_eq!(m["depends"].as_str(), Some("libc6, gdb"));
        assert_eq!(m["section"].as_str(), Some("utils"));
        assert!(!m.contains_key("variants") && !m.contains_key("merge-assets"));
        let assets: Vec<String> = m["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a[0].as_str().unwrap().to_string())
            .collect();
        assert_eq!(assets, ["target/release/app", "conf/debug.toml", "README"]);
        assert!(deb(&base, "nosuch", "app", &mut warnings).is_none());
        assert_eq!(names(&base), ["debug_build"]);
    }

    #[test]
    fn a_named_base_keeps_its_name_and_merging_by_source_replaces() {
        let base = table(
            r#"
            name = "app"
            assets = [{ source = "a", dest = "usr/bin/a", mode = "755" }]
            [variants.v]
            merge-assets = { by = { src = [{ source = "a", dest = "usr/libexec/a", mode = "755" }] } }
            "#,
        );
        let m = deb(&base, "v", "app", &mut Vec::new()).unwrap();
        assert_eq!(m["name"].as_str(), Some("app"));
        assert_eq!(m["assets"][0]["dest"].as_str(), Some("usr/libexec/a"));
        assert_eq!(m["assets"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn an_rpm_variant_overwrites_keys_only() {
        let base = table("summary = \"s\"\nrelease = \"1\"\n[variants.el8]\nrelease = \"1.el8\"\n");
        let m = rpm(&base, "el8").unwrap();
        assert_eq!(m["release"].as_str(), Some("1.el8"));
        assert_eq!(m["summary"].as_str(), Some("s"));
        assert!(!m.contains_key("name") && !m.contains_key("variants"));
    }
}
