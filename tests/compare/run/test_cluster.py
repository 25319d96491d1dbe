"""Sweeps on a Dask cluster (a loopback LocalCluster): the same rows as local processes, one thread per task."""

from __future__ import annotations

import json
import socket

import pytest

import compare.run.cluster
from compare.cli.main import main
from compare.run.executors import capacity, check_scheduler_address, describe, make_executor
from compare.run.threads import call_in_one_thread
from compare.trajectory.grid import SweepSetup, make_grid
from compare.trajectory.sweep import run_sweep
from handmade.contract.errors import InvalidInput
from handmade.data import letters

X, Y = letters()
# Plain matches, a cell that both sides see diverge (lr 5, tanh) and one re-synchronised (sensitive) cell.
GRID = ["--activations", "relu,tanh", "--lrs", "0.1,5", "--inits", "xavier_uniform,lecun_normal", "--seeds", "0,1",
        "--epochs", "60", "--quiet"]


def _threads() -> tuple[int, list[int]]:
    import torch
    from threadpoolctl import threadpool_info

    return torch.get_num_threads(), [pool["num_threads"] for pool in threadpool_info()]


def test_every_task_on_the_cluster_runs_with_one_blas_and_one_torch_thread(dask_scheduler):
    pool = make_executor(scheduler=dask_scheduler)
    try:
        assert capacity(pool) == 2
        assert describe(pool) == {"kind": "dask", "workers": 2, "scheduler": dask_scheduler}
        torch_threads, blas_threads = pool.submit(call_in_one_thread, _threads).result(timeout=60)
    finally:
        pool.shutdown()
    assert torch_threads == 1 and blas_threads and set(blas_threads) == {1}


def _without_run_description(document: dict) -> dict:
    """The JSON minus what says how long and where it ran (seconds, jobs, executor)."""
    document = dict(document)
    document.pop("executor")
    document["summary"] = {k: v for k, v in document["summary"].items() if k not in ("seconds", "jobs")}
    document["cells"] = [{k: v for k, v in row.items() if k != "seconds"} for row in document["cells"]]
    return document


def test_the_cli_on_the_cluster_writes_the_json_of_a_local_run(dask_scheduler, tmp_path, capsys):
    local, remote = tmp_path / "local.json", tmp_path / "dask.json"
    assert main(["sweep", *GRID, "--jobs", "2", "--curves", "--json", str(local)]) == 0
    assert main(["sweep", *GRID, "--scheduler", dask_scheduler, "--curves", "--json", str(remote)]) == 0
    a, b = json.loads(local.read_text()), json.loads(remote.read_text())
    assert b["executor"] == {"kind": "dask", "workers": 2, "scheduler": dask_scheduler}
    assert a["executor"] == {"kind": "local processes", "workers": 2, "scheduler": None}
    cells = make_grid(["relu", "tanh"], [0.1, 5.0], ["xavier_uniform", "lecun_normal"], [0, 1])
    for doc in (a, b):  # rows in grid order, and a grid that exercises more than plain matches
        assert [(r["activation"], r["lr"], r["init"], r["seed"]) for r in doc["cells"]] == \
               [(c.activation, c.lr, c.init, c.seed) for c in cells]
        assert len(doc["cells"][0]["curves"]["handmade"]) == 60
    assert {r["status"] for r in a["cells"]} >= {"match", "sensitive dynamics"}
    assert _without_run_description(a) == _without_run_description(b)
    assert "16 cells" in capsys.readouterr().out


def test_a_sweep_on_the_cluster_equals_the_serial_run(dask_scheduler):
    """Any number of workers, any executor: the same bits (a member's row does not depend on its group's size)."""
    setup = SweepSetup(X=X, Y=Y, hidden=(8,), epochs=80)
    cells = make_grid(["tanh"], [0.5], ["torch_default", "kaiming_normal"], [0, 1, 2], ["adam"])
    serial = run_sweep(cells, setup, jobs=1, progress=False)
    remote = run_sweep(cells, setup, scheduler=dask_scheduler, progress=False)
    assert serial.groups == 1 and remote.groups == 2  # one group of 6 for one worker, two of 3 for two
    for a, b in zip(serial.rows, remote.rows):
        assert {k: v for k, v in a.items() if k not in ("seconds", "group_size")} == \
               {k: v for k, v in b.items() if k not in ("seconds", "group_size")}


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "http://127.0.0.1:8786", "tcp://127.0.0.1", "tcp://h:99999"])
def test_a_malformed_scheduler_address_is_refused_with_the_form_to_use(address):
    with pytest.raises(InvalidInput, match="tcp://HOST:PORT"):
        check_scheduler_address(address)


def test_jobs_and_a_scheduler_together_are_refused_before_connecting():
    with pytest.raises(InvalidInput, match="not both"):
        make_executor(jobs=2, scheduler="tcp://127.0.0.1:8786")


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(compare.run.cluster, "CONNECT_TIMEOUT", 1.0)  # refused at once; Dask retries until then
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["sweep", *GRID, "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 1 s" in err
