"""How convanim's Dask workers are set up: a nanny preload.

Workers started with ``dask worker tcp://HOST:8786 --nthreads 1 --preload-nanny
convanim.batch.dask_setup`` (and the ``--cluster local:N`` ones, started with it by
:func:`convanim.batch.cluster.local_cluster`) run renders at the cost they have in a local
process. Dask calls :func:`dask_setup` in each nanny before the nanny spawns its worker (and
again for a worker it restarts); two of Dask's defaults are changed there, both measured in
docs/cluster.md:

- Dask's statistical profiler samples the task thread's stack every 10 ms; on a render (deep
  Python stacks in manim) it cost about a fifth more CPU. It is off: the dashboard works, its
  Profile tab stays empty.
- Nannies start their workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting it stops glibc from
  raising its mmap threshold, so every frame-sized buffer is mapped, faulted in and unmapped
  again: the system time of a render doubled. It is left out: glibc's defaults apply.

No Dask import: the nanny passes itself, and its configuration is a plain nested dict.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WORKER_CONFIG", "UNSET_ENVIRON", "dask_setup"]

#: Dask settings the workers get (dotted keys, as ``dask.config.set`` takes them).
WORKER_CONFIG: dict[str, Any] = {"distributed.worker.profile.enabled": False}
#: Variables of Dask's ``distributed.nanny.pre-spawn-environ`` the workers are started without.
UNSET_ENVIRON = ("MALLOC_TRIM_THRESHOLD_",)


def dask_setup(nanny: Any) -> None:
    """Called by Dask in a nanny started with ``--preload-nanny convanim.batch.dask_setup``,
    before it spawns its worker: apply :data:`WORKER_CONFIG` and :data:`UNSET_ENVIRON`."""
    for name in UNSET_ENVIRON:
        nanny.pre_spawn_env.pop(name, None)  # set before the worker process starts
        nanny.env.pop(name, None)  # and copied into its environment once it runs
    for dotted, value in WORKER_CONFIG.items():
        node = nanny.config
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
