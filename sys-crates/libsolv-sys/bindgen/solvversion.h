/* Stand-in for libsolv's solvversion.h, which its CMake configure step writes (it is not in the
 * release tarball): for the bindgen CLI replay in generated/manifest.toml only. Everything the
 * real file declares is outside the allowlist of `bindings()` in sys-crates/libsolv-sys/build.rs
 * (LIBSOLV_VERSION* and solv_version* are blocked; the feature macros have no value), so the
 * bindings do not depend on it. syspack's own file, not libsolv's. */
#ifndef LIBSOLV_SOLVVERSION_H
#define LIBSOLV_SOLVVERSION_H
#endif
