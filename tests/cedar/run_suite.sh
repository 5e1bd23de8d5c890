#!/bin/sh
# Runs a Cedar integration-test suite through `domicile policy run-tests`,
# from the suite's root as upstream does. Usage:
#   run_suite.sh DOMICILE SHARED_DIR handwritten|corpus
# Exits 77 (CTest skip) when the shared test data is absent.
set -eu
bin=$1
data=$2/testdata/cedar
case $3 in
  handwritten)
    [ -d "$data/tests" ] || { echo "skipped: $data/tests absent"; exit 77; }
    cd "$data" && exec "$bin" policy run-tests tests ;;
  corpus)
    [ -f "$data/corpus-tests.tar.gz" ] || { echo "skipped: $data/corpus-tests.tar.gz absent"; exit 77; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    tar xzf "$data/corpus-tests.tar.gz" -C "$tmp"
    cd "$tmp" && "$bin" policy run-tests corpus-tests ;;
  *) echo "unknown suite $3" >&2; exit 2 ;;
esac
