//! The RPM `Group` of a package, from its Debian section.
//!
//! rpm treats `Group` as optional and writes `Unspecified` when a spec has none, but rpmlint
//! reads `Unspecified` as no group at all and reports the error `no-group-tag` (rpmlint 2.4,
//! `pkg.py`: `if key == rpm.RPMTAG_GROUP and val == 'Unspecified': val = None`). So a package
//! always gets a group from rpm's own list of standard groups (the `GROUPS` file at the root of
//! rpm's source tree): the model's section, when it is a Debian section (Debian Policy §2.4
//! "Sections", with or without an archive area such as `contrib/`), is translated by the table
//! below; a section that already looks like an RPM group (`Development/Tools`) is kept; any
//! other word is kept too (the user wrote it); no section gives `Applications/System`, the
//! group of the command-line programs syspack mostly packages.

/// The group of a package with no section.
pub const DEFAULT_GROUP: &str = "Applications/System";

/// Debian section → RPM group (rpm's `GROUPS`).
const SECTION_GROUPS: &[(&str, &str)] = &[
    ("admin", "System Environment/Base"),
    ("cli-mono", "Development/Languages"),
    ("comm", "Applications/Communications"),
    ("database", "Applications/Databases"),
    ("debug", "Development/Debuggers"),
    ("devel", "Development/Tools"),
    ("doc", "Documentation"),
    ("editors", "Applications/Editors"),
    ("education", "Applications/Engineering"),
    ("electronics", "Applications/Engineering"),
    ("embedded", "Development/System"),
    ("fonts", "User Interface/X"),
    ("games", "Amusements/Games"),
    ("gnome", "User Interface/Desktops"),
    ("gnu-r", "Development/Languages"),
    ("gnustep", "User Interface/Desktops"),
    ("golang", "Development/Languages"),
    ("graphics", "Applications/Multimedia"),
    ("hamradio", "Applications/Communications"),
    ("haskell", "Development/Languages"),
    ("httpd", "System Environment/Daemons"),
    ("interpreters", "Development/Languages"),
    ("introspection", "System Environment/Libraries"),
    ("java", "Development/Languages"),
    ("javascript", "Development/Languages"),
    ("kde", "User Interface/Desktops"),
    ("kernel", "System Environment/Kernel"),
    ("libdevel", "Development/Libraries"),
    ("libs", "System Environment/Libraries"),
    ("lisp", "Development/Languages"),
    ("localization", "Applications/System"),
    ("mail", "Applications/Internet"),
    ("math", "Applications/Engineering"),
    ("metapackages", "Applications/System"),
    ("misc", "Applications/System"),
    ("net", "Applications/Internet"),
    ("news", "Applications/Internet"),
    ("ocaml", "Development/Languages"),
    ("oldlibs", "System Environment/Libraries"),
    ("otherosfs", "Applications/Emulators"),
    ("perl", "Development/Languages"),
    ("php", "Development/Languages"),
    ("python", "Development/Languages"),
    ("ruby", "Development/Languages"),
    ("rust", "Development/Languages"),
    ("science", "Applications/Engineering"),
    ("shells", "System Environment/Shells"),
    ("sound", "Applications/Multimedia"),
    ("tasks", "Applications/System"),
    ("tex", "Applications/Publishing"),
    ("text", "Applications/Text"),
    ("utils", "Applications/System"),
    ("vcs", "Development/Tools"),
    ("video", "Applications/Multimedia"),
    ("web", "Applications/Internet"),
    ("x11", "User Interface/X"),
    ("xfce", "User Interface/Desktops"),
    ("zope", "Applications/Internet"),
];

/// The RPM group of a package whose Debian section (or explicit group) is `section`.
pub fn group_of(section: Option<&str>) -> &str {
    let Some(section) = section.map(str::trim).filter(|s| !s.is_empty()) else {
        return DEFAULT_GROUP;
    };
    // `contrib/utils`, `universe/net`: an archive area, then the section.
    let word = match section.split_once('/') {
        Some((area, word)) if AREAS.contains(&area) => word,
        Some(_) => return section,
        None => section,
    };
    SECTION_GROUPS
        .iter()
        .find(|(s, _)| *s == word)
        .map_or(section, |(_, g)| *g)
}

/// The archive areas that may prefix a Debian section (Debian Policy §2.2; Ubuntu's components).
const AREAS: &[&str] = &[
    "main",
    "contrib",
    "non-free",
    "non-free-firmware",
    "restricted",
    "universe",
    "multiverse",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_sections_become_standard_groups() {
        assert_eq!(group_of(Some("utils")), "Applications/System");
        assert_eq!(group_of(Some("devel")), "Development/Tools");
        assert_eq!(group_of(Some("contrib/net")), "Applications/Internet");
        assert_eq!(group_of(Some("non-free/games")), "Amusements/Games");
        assert_eq!(group_of(None), DEFAULT_GROUP);
        assert_eq!(group_of(Some("  ")), DEFAULT_GROUP);
        // An RPM group, or a word syspack does not know, is the user's choice.
        assert_eq!(group_of(Some("Development/Tools")), "Development/Tools");
        assert_eq!(group_of(Some("System/Management")), "System/Management");
        assert_eq!(group_of(Some("custom")), "custom");
    }

    /// Every group in the table is one of rpm's standard groups, and the table is sorted.
    #[test]
    fn the_table_names_only_standard_groups() {
        const GROUPS: &str = "Amusements/Games Amusements/Graphics Applications/Archiving \
            Applications/Communications Applications/Databases Applications/Editors \
            Applications/Emulators Applications/Engineering Applications/File \
            Applications/Internet Applications/Multimedia Applications/Productivity \
            Applications/Publishing Applications/System Applications/Text Development/Debuggers \
            Development/Languages Development/Libraries Development/System Development/Tools \
            Documentation";
        let standard: Vec<&str> = GROUPS
            .split_whitespace()
            .chain([
                "System Environment/Base",
                "System Environment/Daemons",
                "System Environment/Kernel",
                "System Environment/Libraries",
                "System Environment/Shells",
                "User Interface/Desktops",
                "User Interface/X",
                "User Interface/X Hardware Support",
            ])
            .collect();
        for (section, group) in SECTION_GROUPS {
            assert!(standard.contains(group), "{section} → {group}");
        }
        assert!(SECTION_GROUPS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
