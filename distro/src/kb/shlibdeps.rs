//! The Debian `Depends` of shared-library users, computed as `dpkg-shlibdeps` computes them.
//!
//! The rule (dpkg-shlibdeps(1), deb-symbols(5); dpkg's `scripts/dpkg-shlibdeps.pl` and
//! `Dpkg/Shlibs/SymbolFile.pm`, unchanged from dpkg 1.20 to 1.22), for every ELF file of the
//! package:
//!
//! 1. For each `DT_NEEDED` soname whose package has a `symbols` file listing it, the first
//!    dependency template of that soname (`libpcre2-8-0 #MINVER#`) gets, as a start, the
//!    *smallest* minimum version of the symbols of that template (`get_smallest_version`: "an
//!    unversioned dependency is not ok as the library might not have always been available").
//!    A soname without a symbols file gets its `shlibs` line as written.
//! 2. Each undefined dynamic symbol of the file (`.dynsym` entries in section `SHN_UNDEF`; a
//!    defined one filled by a copy relocation counts only when unversioned, because dpkg looks
//!    the relocation up as `name@@VERSION` or `name` while `objdump -R` of binutils 2.40 writes
//!    `name@VERSION` — observed with `dpkg-shlibdeps -v` on Debian 12) is named `name@VERSION`
//!    from its `.gnu.version` entry, or `name@Base` when it has no version. It is looked up by
//!    exact name in the symbols files of the `DT_NEEDED` sonames, in `DT_NEEDED` order, the
//!    first that lists it winning (`lookup_symbol`). Patterns — `(c++)`, `(symver)`, `(regex)`,
//!    `*@VERSION` — are not consulted (`lookup_symbol` reads only the plain symbols, and
//!    `get_smallest_version` too; dpkg-gensymbols expands patterns into plain symbols when it
//!    writes a binary package's file), and deprecated `#MISSING:` symbols are not found. The
//!    template the symbol's dependency id selects is raised to its minimum version if that is
//!    higher. A symbol found nowhere changes nothing.
//! 3. Templates are split at commas; each part keeps the highest version any file gave it
//!    (`update_dependency_version`). `#MINVER#` becomes `(>= version)`, or nothing without a
//!    version; the parts are sorted as `Dpkg::Deps::deps_compare` sorts them ([`dpkg_order`]).
//!
//! Where syspack is stricter: a versioned import of a version node that no symbol of the
//! library's symbols file carries (dpkg-shlibdeps ignores it) — typically a binary built on a
//! newer release, packaged for an older one — raises the dependency conservatively
//! ([`unknown_floor`]): `__libc_start_main@GLIBC_2.34` packaged for Debian 11 (glibc 2.31) gives
//! `libc6 (>= 2.34)`, which says truthfully that the binary does not run there.
//!
//! Not reproduced: `debian/shlibs.local` and `Build-Depends-Package` adjustments (they need the
//! source package; syspack has none); dpkg 1.23's synthetic `NODE@NODE` symbol per version
//! reference (newer than any release syspack targets); and libraries whose symbols the index
//! does not have (only the C and compiler runtimes and the libraries the knowledge base tracks
//! are read by `syspack kb update`): those keep their `shlibs` line, the knowledge base's
//! dependency, or none.

use std::collections::{BTreeMap, BTreeSet};

use super::debversion;
use super::index::{ReleaseIndex, SymbolsObject};

/// An imported symbol of an ELF file: its name and version (`None`: unversioned, `@Base`).
pub type Import = (String, Option<String>);

/// Dependencies gathered over the ELF files of one package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebDepends {
    /// Template part (`libpcre2-8-0 #MINVER#`) → the highest minimum version (empty: none).
    parts: BTreeMap<String, String>,
}

fn raise(parts: &mut BTreeMap<String, String>, template: &str, minver: Option<&str>) {
    for part in template.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let part = part.split_whitespace().collect::<Vec<_>>().join(" ");
        match (parts.get_mut(&part), minver) {
            (Some(have), Some(v)) => {
                if have.is_empty() || debversion::compare(v, have).is_gt() {
                    *have = v.to_string();
                }
            }
            (Some(_), None) => {}
            (None, v) => {
                parts.insert(part, v.unwrap_or_default().to_string());
            }
        }
    }
}

/// The conservative minimum version for a symbol of version node `node` that the library's
/// symbols file does not list (a binary built against a newer release than the target's): for
/// glibc's `GLIBC_x.y` nodes the number itself (glibc's symbols files give each `GLIBC_x.y`
/// symbol minimum version `x.y`), else the highest minimum version of any symbol of the library.
pub fn unknown_floor(o: &SymbolsObject, node: &str) -> Option<String> {
    if let Some(n) = node.strip_prefix("GLIBC_") {
        if !n.is_empty()
            && n.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Some(n.to_string());
        }
    }
    o.symbols
        .values()
        .filter(|(_, dep)| *dep == 0)
        .map(|(v, _)| v)
        .chain(o.smallest.as_ref())
        .max_by(|a, b| debversion::compare(a, b))
        .cloned()
}

impl DebDepends {
    /// Adds one ELF file: its `DT_NEEDED` sonames in order and its imported symbols. Returns the
    /// sonames the index answered (from a symbols file or a `shlibs` line); the others are left
    /// to the caller.
    ///
    /// `versions` are the file's version needs per soname (`.gnu.version_r`): a versioned import
    /// that no symbols file lists is attributed through them (see [`unknown_floor`]).
    pub fn add_file(
        &mut self,
        ix: &ReleaseIndex,
        needed: &[String],
        imports: &[Import],
        versions: &BTreeMap<String, BTreeSet<String>>,
    ) -> Vec<String> {
        let mut answered = Vec::new();
        let with_symbols: Vec<&String> = needed
            .iter()
            .filter(|so| ix.symbols.contains_key(*so))
            .collect();
        for so in needed {
            if let Some(o) = ix.symbols.get(so) {
                if let Some(t) = o.templates.first() {
                    raise(
                        &mut self.parts,
                        t,
                        Some(o.smallest.as_deref().unwrap_or("")),
                    );
                }
                answered.push(so.clone());
            } else if let Some(sh) = ix.shlibs.get(so) {
                raise(&mut self.parts, &sh.depends, None);
                answered.push(so.clone());
            }
        }
        let mut key = String::new();
        for (name, version) in imports {
            key.clear();
            key.push_str(name);
            key.push('@');
            key.push_str(version.as_deref().unwrap_or("Base"));
            let found = with_symbols.iter().find_map(|so| {
                let o = &ix.symbols[*so];
                o.symbols.get(&key).map(|s| (o, s))
            });
            if let Some((o, (minver, dep))) = found {
                if let Some(t) = o.templates.get(*dep) {
                    raise(&mut self.parts, t, Some(minver));
                }
            } else if let Some(v) = version {
                // Of a version node the release's symbols file does not know at all:
                // dpkg-shlibdeps would ignore it; the conservative floor keeps a binary built on
                // a newer release from claiming too little. (A symbol of a known node that the
                // reduced index does not list is at the smallest version: nothing to raise.)
                let owner = with_symbols.iter().find(|so| {
                    versions.get(**so).is_some_and(|vs| vs.contains(v))
                        && !ix.symbols[**so].nodes.contains(v)
                });
                if let Some(so) = owner {
                    let o = &ix.symbols[*so];
                    if let (Some(t), Some(floor)) = (o.templates.first(), unknown_floor(o, v)) {
                        raise(&mut self.parts, t, Some(&floor));
                    }
                }
            }
        }
        answered
    }

    /// The dependencies, as dpkg-shlibdeps writes them (`libc6 (>= 2.34)`), in its order
    /// ([`dpkg_order`]).
    pub fn relations(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .parts
            .iter()
            .map(|(part, v)| {
                let text = if v.is_empty() {
                    part.replace("#MINVER#", "")
                } else {
                    part.replace("#MINVER#", &format!("(>= {v})"))
                };
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect();
        out.sort_by(|a, b| dpkg_order(a, b));
        out.dedup();
        out
    }
}

/// The order dpkg writes a dependency list in (`Dpkg::Deps::deps_compare`): by package name,
/// then relation — none, `>=`, `>>`, `=`, `<<`, `<=` — then version text.
pub fn dpkg_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(s: &str) -> (&str, u8, &str) {
        let name = s.split([' ', '(']).next().unwrap_or(s);
        let Some((_, rest)) = s.split_once('(') else {
            return (name, 0, "");
        };
        let rest = rest.trim_end_matches(')').trim();
        let (rank, op) = [(">=", 1), (">>", 2), ("<<", 4), ("<=", 5), ("=", 3)]
            .into_iter()
            .find(|(op, _)| rest.starts_with(op))
            .map_or((0, ""), |(op, r)| (r, op));
        (name, rank, rest[op.len()..].trim())
    }
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::super::index::{parse_symbols, Shlibs};
    use super::*;

    const SYMBOLS: &str = "\
libgcc_s.so.1 libgcc-s1 #MINVER#
 GCC_12.0.0@GCC_12.0.0 12
 GCC_3.0@GCC_3.0 3.0
 GCC_4.2.0@GCC_4.2.0 4.2
 _Unwind_Resume@GCC_3.0 3.0
 __popcountdi2@GCC_3.4 3.4
 __floatuntidf@GCC_4.2.0 4.2
 (symver)GCC_12.0.0 12
libpcre2-8.so.0 libpcre2-8-0 #MINVER#
* Build-Depends-Package: libpcre2-dev
 pcre2_compile_8@Base 10.22
 pcre2_match_8@Base 10.22
 pcre2_serialize_decode_8@Base 10.34
#MISSING: 10.40# pcre2_gone_8@Base 10.20
libc.so.6 libc6 #MINVER#
| libc6 (>> 2.36), libc6 (<< 2.37)
 GLIBC_PRIVATE@GLIBC_PRIVATE 0 1
 __libc_start_main@GLIBC_2.34 2.34
 printf@GLIBC_2.2.5 2.2.5
 _dl_private@GLIBC_PRIVATE 0 1
";

    fn index() -> ReleaseIndex {
        let mut ix = ReleaseIndex {
            symbols: parse_symbols(SYMBOLS),
            ..ReleaseIndex::default()
        };
        SymbolsObject::reduce(&mut ix.symbols);
        ix.shlibs.insert(
            "libz.so.1".into(),
            Shlibs {
                depends: "zlib1g (>= 1:1.2.3.3.dfsg-1)".into(),
                deb: String::new(),
                sha256: String::new(),
            },
        );
        ix
    }

    fn imp(n: &str, v: Option<&str>) -> Import {
        (n.to_string(), v.map(String::from))
    }

    #[test]
    fn the_symbols_file_is_read_as_dpkg_reads_it() {
        let s = parse_symbols(SYMBOLS);
        let pcre = &s["libpcre2-8.so.0"];
        // The deprecated symbol counts for the smallest version, but is not looked up.
        assert_eq!(pcre.smallest.as_deref(), Some("10.20"));
        assert!(!pcre.symbols.contains_key("pcre2_gone_8@Base"));
        let gcc = &s["libgcc_s.so.1"];
        assert_eq!(gcc.smallest.as_deref(), Some("3.0"));
        assert!(
            !gcc.symbols.contains_key("GCC_12.0.0"),
            "patterns are not symbols"
        );
        let libc = &s["libc.so.6"];
        assert_eq!(libc.templates.len(), 2);
        assert_eq!(libc.symbols["_dl_private@GLIBC_PRIVATE"], ("0".into(), 1));
        assert_eq!(libc.smallest.as_deref(), Some("2.2.5"));
    }

    #[test]
    fn only_symbols_above_the_smallest_version_are_kept() {
        let ix = index();
        let gcc = &ix.symbols["libgcc_s.so.1"];
        assert!(!gcc.symbols.contains_key("_Unwind_Resume@GCC_3.0"));
        assert!(gcc.symbols.contains_key("__popcountdi2@GCC_3.4"));
        // Other templates are kept whatever their version.
        assert!(ix.symbols["libc.so.6"]
            .symbols
            .contains_key("_dl_private@GLIBC_PRIVATE"));
    }

    #[test]
    fn the_versions_of_the_symbols_used_decide() {
        let ix = index();
        let mut d = DebDepends::default();
        let needed: Vec<String> = ["libpcre2-8.so.0", "libgcc_s.so.1", "libc.so.6", "libz.so.1"]
            .map(String::from)
            .to_vec();
        let answered = d.add_file(
            &ix,
            &needed,
            &[
                imp("pcre2_compile_8", None),
                imp("_Unwind_Resume", Some("GCC_3.0")),
                imp("__floatuntidf", Some("GCC_4.2.0")),
                imp("__libc_start_main", Some("GLIBC_2.34")),
                imp("__gmon_start__", None),
            ],
            &BTreeMap::new(),
        );
        assert_eq!(answered, needed);
        assert_eq!(
            d.relations(),
            [
                "libc6 (>= 2.34)",
                "libgcc-s1 (>= 4.2)",
                "libpcre2-8-0 (>= 10.22)",
                "zlib1g (>= 1:1.2.3.3.dfsg-1)"
            ]
        );
        // A second file raises what the first gave, never lowers it.
        d.add_file(
            &ix,
            &needed[..1],
            &[imp("pcre2_serialize_decode_8", None)],
            &BTreeMap::new(),
        );
        assert!(d
            .relations()
            .contains(&"libpcre2-8-0 (>= 10.34)".to_string()));
        // A private symbol selects the alternative template.
        let mut d = DebDepends::default();
        d.add_file(
            &ix,
            &needed[2..3],
            &[imp("_dl_private", Some("GLIBC_PRIVATE"))],
            &BTreeMap::new(),
        );
        assert_eq!(
            d.relations(),
            ["libc6 (>= 2.2.5)", "libc6 (>> 2.36)", "libc6 (<< 2.37)"]
        );
    }

    #[test]
    fn a_symbol_belongs_to_the_first_needed_library_listing_it() {
        let text = "liba.so.1 liba1 #MINVER#\n dup@Base 1.0\nlibb.so.1 libb1 #MINVER#\n dup@Base 2.0\n other@Base 1.0\n";
        let mut ix = ReleaseIndex {
            symbols: parse_symbols(text),
            ..ReleaseIndex::default()
        };
        SymbolsObject::reduce(&mut ix.symbols);
        let so = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut d = DebDepends::default();
        let none = BTreeMap::new();
        d.add_file(
            &ix,
            &so(&["liba.so.1", "libb.so.1"]),
            &[imp("dup", None)],
            &none,
        );
        assert_eq!(d.relations(), ["liba1 (>= 1.0)", "libb1 (>= 1.0)"]);
        let mut d = DebDepends::default();
        d.add_file(
            &ix,
            &so(&["libb.so.1", "liba.so.1"]),
            &[imp("dup", None)],
            &none,
        );
        assert_eq!(d.relations(), ["liba1 (>= 1.0)", "libb1 (>= 2.0)"]);
    }

    #[test]
    fn a_versioned_symbol_the_release_does_not_list_raises_conservatively() {
        let ix = index();
        let needed: Vec<String> = ["libc.so.6", "libgcc_s.so.1"].map(String::from).to_vec();
        let mut versions = BTreeMap::new();
        versions.insert(
            "libc.so.6".to_string(),
            BTreeSet::from(["GLIBC_2.38".to_string()]),
        );
        versions.insert(
            "libgcc_s.so.1".to_string(),
            BTreeSet::from(["GCC_14.0.0".to_string()]),
        );
        let mut d = DebDepends::default();
        d.add_file(
            &ix,
            &needed,
            &[
                imp("strlcpy", Some("GLIBC_2.38")),
                imp("__newer", Some("GCC_14.0.0")),
                // Unversioned and unknown: nothing to say, as in dpkg.
                imp("__gmon_start__", None),
            ],
            &versions,
        );
        // glibc: the version node's number; libgcc: the newest symbol the release lists.
        assert_eq!(d.relations(), ["libc6 (>= 2.38)", "libgcc-s1 (>= 12)"]);
        // A symbol of a node the file knows, left out of the index at the smallest version,
        // raises nothing.
        versions.insert(
            "libgcc_s.so.1".to_string(),
            BTreeSet::from(["GCC_3.0".to_string()]),
        );
        let mut d = DebDepends::default();
        d.add_file(
            &ix,
            &needed[1..],
            &[imp("_Unwind_Resume", Some("GCC_3.0"))],
            &versions,
        );
        assert_eq!(d.relations(), ["libgcc-s1 (>= 3.0)"]);
    }
}
