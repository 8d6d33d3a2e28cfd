#!/usr/bin/env bash
# Executes the notebooks in place, so that they are committed WITH their outputs (GitHub's
# preview and Jupyter show the figures without running anything): reservation.ipynb on the
# quickstart run, capacity-planning.ipynb on the capacity-walkthrough sweep, the data
# scripts/test.sh runs them on. Then strips what changes from one execution to the next (cell
# timings, the kernel's versions), so executing again gives the same files when nothing else
# changed. Run it after changing a notebook or what the commands write, and commit the result:
#
#   bash scripts/execute-notebooks.sh      # ECSIM_BIN=path/to/ecsim to use another binary
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-python.sh

ECSIM_BIN="${ECSIM_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/ecsim}"
if [[ ! -x "$ECSIM_BIN" ]]; then
    cargo build --release --bin ecsim
fi
export ECSIM_BIN

"$ECSIM_BIN" run scenarios/quickstart.toml --quiet --out results/quickstart
# A fresh sweep (an old one would be resumed, and could be of an older sweep file), on a fixed
# thread count so the command the notebook shows is the same everywhere.
rm -rf results/sweeps/capacity-walkthrough
export ECSIM_SWEEP_OUT=results/sweeps/capacity-walkthrough ECSIM_THREADS=2
unset ECSIM_RESULTS # reservation.ipynb reads ../results/quickstart/timeseries.csv, a path shown as is

# Matplotlib builds its font cache on first use and says so on standard error: not in a cell.
.venv/bin/python -c 'import matplotlib.pyplot' 2>/dev/null
for notebook in notebooks/*.ipynb; do
    echo "execute-notebooks: $notebook"
    .venv/bin/jupyter nbconvert --to notebook --execute --inplace --log-level WARN "$notebook"
done

.venv/bin/python - "$root" notebooks/*.ipynb <<'PY'
"""Keeps of an executed notebook what a reader needs: no timings, no kernel versions, no
absolute paths of this machine."""
import sys

import nbformat

root, paths = sys.argv[1], sys.argv[2:]
for path in paths:
    nb = nbformat.read(path, as_version=4)
    nb.metadata = nbformat.from_dict(
        {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = output["text"].replace(root + "/", "").replace(root, ".")
    nbformat.write(nb, path)
    print(f"execute-notebooks: {path} saved with its outputs")
PY
