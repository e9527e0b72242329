#!/bin/sh
# Run the training benchmark with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for this
# process only (OpenBLAS reads them when NumPy loads it, so they must be gone before that).
# Usage: benchmarks/run.sh [bench_train.py options], e.g. benchmarks/run.sh --workloads W3
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$(dirname "$0")/bench_train.py" "$@"
