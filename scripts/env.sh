# Sourced by the scripts (from the repository root): build cache and parallelism.
export CCACHE_DIR="${CCACHE_DIR:-/var/cache/domicile/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Share cached objects between checkouts in different folders (CI clones afresh).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR=1
mkdir -p "$CCACHE_DIR" 2>/dev/null || export CCACHE_DIR="$HOME/.cache/domicile-ccache"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
# Build flags shared by the scripts (CI must stay well under 25 minutes on 2 cores).
# Line tables only (-g1): full debug info adds ~40 % to the compile time, and tests
# and profiles need only symbols and lines. The sanitizer build is not optimized:
# instrumented -O1 compiles twice as long, and its tests take minutes either way.
DOMICILE_RELEASE_FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
DOMICILE_SANITIZE_FLAGS=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1" -DDOMICILE_SANITIZE=ON)
