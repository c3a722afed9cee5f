/* The headers src/bindings.rs is made from, in the order of `bindings()` in build.rs (which
 * includes them as <solv/NAME>), for the bindgen CLI replay in syspack's generated/manifest.toml.
 * syspack's own file, not libsolv's. */
#include "pool.h"
#include "repo.h"
#include "solver.h"
#include "solverdebug.h"
#include "selection.h"
#include "knownid.h"
#include "repo_deb.h"
#include "repo_rpmmd.h"
#include "repo_arch.h"
#include "solv_xfopen.h"
