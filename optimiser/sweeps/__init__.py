"""Planner scenario sweeps: many variants of a base scenario, solved in parallel, collected as one Dataset.

``spec`` reads and expands the sweep file (grid, case list, Latin-hypercube samples); ``worker``
solves one case (re-solving one built model for cases that change only objective data);
``execute`` runs the cases on a process pool or a Dask cluster and stores each result under its
content hash as it finishes (resumable); ``results`` builds ``sweep.nc`` / ``sweep.csv``;
``plots`` and ``report`` summarise them.
"""

from .execute import run_sweep
from .results import to_dataset, write_results
from .spec import load_sweep

__all__ = ["load_sweep", "run_sweep", "to_dataset", "write_results"]
