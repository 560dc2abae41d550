"""Faults of the execution layer, each injected and handled as documented in ``sim.execution``.

- one owner per results folder: a second command refuses while the first runs; a stale lock
  (its process gone) is taken over;
- resuming with other settings refuses and says what differs; ``--restart`` starts afresh;
- damaged checkpoints (blocks, generations, the sweep database, its records) are set aside with
  a warning and recomputed: the final result equals a clean run;
- a dead worker is retried; a task that keeps killing its worker ends a run with one paragraph
  (exit 2) and is recorded as a failed point in a sweep, which goes on;
- a full disk or a read-only folder gives exit 2, one paragraph naming the path, and no empty or
  partial output file.

Worker deaths are real (SIGKILL to the worker process); the task function is wrapped in the
parent before the pool forks, so the workers inherit the fault.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import BASELINE, run_cli

RUN = ["--runs", 24, "--seed", 5, "--chunk-size", 8, "--quiet"]


def run(out, *extra, scenario=BASELINE):
    return run_cli("run", scenario, *RUN, "--out", out, *extra)


def assert_user_error(code, err, *needles):
    assert code == 2, err
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), f"one paragraph, got:\n{err}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


@pytest.fixture(scope="module")
def clean_summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "out"
    import sim.plots

    fan = sim.plots.fan_charts
    sim.plots.fan_charts = lambda results, goals, out_dir: []
    try:
        code, _, err = run(out, "--workers", 1)
    finally:
        sim.plots.fan_charts = fan
    assert code == 0, err
    return (out / "summary.json").read_bytes()


def interrupted_run(out: Path, monkeypatch, blocks_before: int = 1, *extra) -> None:
    """A run stopped (Ctrl-C) after ``blocks_before`` blocks: their checkpoints stay in ``out``."""
    import sim.execution.replicates as replicates

    real, calls = replicates.simulate_task, []

    def stop_after(simulator, task):
        if len(calls) == blocks_before:
            raise KeyboardInterrupt
        calls.append(task)
        return real(simulator, task)

    monkeypatch.setattr(replicates, "simulate_task", stop_after)
    code, _, err = run(out, "--workers", 1, *extra)
    assert code == 130, err
    monkeypatch.setattr(replicates, "simulate_task", real)


# ---- one owner per folder ----------------------------------------------------------------------

HOLD = ("import sys, time\nfrom sim.execution import FolderLock\n"
        "with FolderLock(sys.argv[1], 'innovsim run holder.toml'):\n"
        "    print('held', flush=True)\n    time.sleep(60)\n")


def test_a_second_command_on_a_busy_folder_refuses_and_a_stale_lock_is_taken_over(tmp_path, no_charts):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = run(out, "--workers", 1)
        assert_user_error(code, err, str(out), "in use by another innovsim command", f"pid {holder.pid}",
                          "innovsim run holder.toml")
        assert not (out / "summary.json").exists()
    finally:
        holder.send_signal(signal.SIGKILL)    # the first command dies: its lock is stale now
        holder.wait()
    code, _, err = run(out, "--workers", 1)
    assert code == 0, err
    assert (out / "summary.json").is_file()


def test_a_sweep_on_a_busy_folder_refuses(tmp_path):
    from test_sweep import SMALL, write

    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = run_cli("sweep", write(tmp_path, SMALL), "--out", out, "--workers", 1, "--quiet")
        assert_user_error(code, err, "in use by another innovsim command")
    finally:
        holder.kill()
        holder.wait()


# ---- resuming with other settings --------------------------------------------------------------

def test_resume_with_another_scenario_refuses_and_says_what_differs(tmp_path, monkeypatch, no_charts,
                                                                     clean_summary):
    out = tmp_path / "out"
    interrupted_run(out, monkeypatch)
    other = BASELINE.parent / "fiscal_boost.toml"
    code, _, err = run(out, "--workers", 1, scenario=other)
    assert_user_error(code, err, str(out / "checkpoints"), "scenario fingerprint", "--restart")
    assert len(list((out / "checkpoints").glob("block-*.npz"))) == 1, "the first run's blocks are kept"
    code, _, err = run(out, "--seed", 6, "--workers", 1)       # the last --seed wins: 6, not 5
    assert_user_error(code, err, "seed 5 there, 6 now")
    code, _, err = run(out, "--workers", 1)                    # the same settings resume it
    assert code == 0, err
    assert "1 finished block reused" in err
    assert (out / "summary.json").read_bytes() == clean_summary


def test_restart_discards_the_other_settings_work(tmp_path, monkeypatch, no_charts):
    from sim.report import summary_json
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    out = tmp_path / "out"
    interrupted_run(out, monkeypatch)
    other = BASELINE.parent / "fiscal_boost.toml"
    code, _, err = run(out, "--workers", 1, "--restart", scenario=other)
    assert code == 0, err
    assert "reused" not in err
    from sim.record import goal_record
    from sim.report import hangs_on
    scenario = load_scenario(other)
    expected = summary_json(run_scenario(scenario, runs=24, seed=5, chunk_size=8).odds,
                            record=goal_record(scenario), hangs_on=hangs_on(scenario.goals))
    assert (out / "summary.json").read_text(encoding="utf-8") == expected


def test_mesa_run_refuses_the_core_checkpoints_of_the_same_scenario(tmp_path, monkeypatch, no_charts):
    out = tmp_path / "out"
    interrupted_run(out, monkeypatch)
    code, _, err = run_cli("run", BASELINE, "--runs", 1, "--seed", 5, "--engine", "mesa", "--out", out,
                           "--quiet", "--workers", 1)
    assert_user_error(code, err, "engine core there, mesa now")


# ---- damaged checkpoints -----------------------------------------------------------------------

def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garble":                  # flip 64 bytes amid the content (not in free space)
        used = np.flatnonzero(np.frombuffer(data, dtype=np.uint8))
        mid = int(used[len(used) // 2])
        path.write_bytes(data[:mid] + bytes(b ^ 0xFF for b in data[mid:mid + 64]) + data[mid + 64:])
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncate", "garble", "empty"])
def test_a_damaged_block_is_set_aside_and_simulated_again(tmp_path, monkeypatch, no_charts, clean_summary, how):
    out = tmp_path / "out"
    interrupted_run(out, monkeypatch, 2)
    block = sorted((out / "checkpoints").glob("block-*.npz"))[0]
    damage(block, how)
    code, _, err = run(out, "--workers", 1)
    assert code == 0, err
    assert "warning:" in err and "damaged" in err and block.name in err
    assert "1 finished block reused" in err
    assert (out / "summary.json").read_bytes() == clean_summary


@pytest.mark.slow    # the session's tiny fit (conftest.tiny_fit) and its second generation again
def test_a_damaged_calibration_generation_is_computed_again(tmp_path, tiny_fit):
    """A copy of an uninterrupted fit with its last generation garbled (and no posterior): the
    rerun sets the generation aside, computes it again (on one process, where the fit used every
    core) and writes the same posterior."""
    import shutil

    out = shutil.copytree(tiny_fit["out"], tmp_path / "fit")
    posterior = (out / "posterior.csv").read_bytes()
    (out / "posterior.csv").unlink()
    damage(out / "checkpoints" / "gen-1.npz", "garble")
    code, _, err = run_cli("calibrate", tiny_fit["targets"], "--out", out, "--workers", 1, "--quiet")
    assert code == 0, err
    assert "warning:" in err and "gen-1.npz" in err
    assert (out / "posterior.csv").read_bytes() == posterior


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    from pinned import digest_sweep
    from test_sweep import SMALL, write

    folder = tmp_path_factory.mktemp("sweep")
    spec = write(folder, SMALL.replace("points = 12", "points = 4").replace("replicates = 16", "replicates = 6"))
    code, _, err = run_cli("sweep", spec, "--out", folder / "clean", "--workers", 1, "--quiet")
    assert code == 0, err
    return spec, digest_sweep(folder / "clean")


@pytest.mark.parametrize("how", ["truncate", "garble"])
def test_a_damaged_sweep_database_is_rebuilt_from_the_records(tmp_path, small_sweep, how):
    from pinned import digest_sweep

    spec, clean = small_sweep
    out = tmp_path / "out"
    assert run_cli("sweep", spec, "--out", out, "--workers", 1, "--quiet")[0] == 0
    damage(out / "sweep.sqlite", how)
    code, stdout, err = run_cli("sweep", spec, "--out", out, "--workers", 1, "--quiet")
    assert code == 0, err
    assert "warning:" in err and "sweep.sqlite" in err
    assert "4 already done, 0 run now" in stdout, "rebuilt from the records: nothing simulated again"
    assert digest_sweep(out) == clean


def test_a_damaged_sweep_record_is_run_again(tmp_path, small_sweep):
    from pinned import digest_sweep

    spec, clean = small_sweep
    out = tmp_path / "out"
    assert run_cli("sweep", spec, "--out", out, "--workers", 1, "--quiet")[0] == 0
    damage(sorted((out / "checkpoints").glob("point-*.npz"))[1], "garble")
    code, stdout, err = run_cli("sweep", spec, "--out", out, "--workers", 1, "--quiet")
    assert code == 0, err
    assert "3 already done, 1 run now" in stdout
    assert digest_sweep(out) == clean


# ---- dead workers ------------------------------------------------------------------------------

class killing:
    """``real`` wrapped to SIGKILL its worker process on tasks that ``matches`` (once per marker
    file, or always); a class, not a closure, so it pickles under any start method."""

    def __init__(self, real, marker: Path, matches, always: bool = False):
        self.real, self.marker, self.matches, self.always = real, marker, matches, always

    def __call__(self, context, task):
        if self.matches(task) and (self.always or self.marker.exists()):
            if not self.always:
                self.marker.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        return self.real(context, task)


def first_block(task) -> bool:
    return int(np.min(task[1])) == 0


def second_point(task) -> bool:
    return task[0] == 2


def test_a_killed_worker_is_retried_and_the_run_equals_a_clean_one(tmp_path, monkeypatch, no_charts,
                                                                    clean_summary):
    import sim.execution.replicates as replicates

    marker = tmp_path / "kill-once"
    marker.touch()
    monkeypatch.setattr(replicates, "simulate_task", killing(replicates.simulate_task, marker, first_block))
    code, _, err = run(tmp_path / "out", "--workers", 2)
    assert code == 0, err
    assert not marker.exists(), "the fault was injected"
    assert (tmp_path / "out" / "summary.json").read_bytes() == clean_summary


def test_a_block_that_always_kills_its_worker_ends_the_run_with_one_paragraph(tmp_path, monkeypatch, no_charts):
    import sim.execution.replicates as replicates

    monkeypatch.setattr(replicates, "simulate_task",
                        killing(replicates.simulate_task, tmp_path, first_block, always=True))
    code, _, err = run(tmp_path / "out", "--workers", 2)
    assert_user_error(code, err, "could not be simulated", "died 3 times", "run the same command again")
    assert not (tmp_path / "out" / "summary.json").exists()
    saved = list((tmp_path / "out" / "checkpoints").glob("block-*.npz"))
    assert len(saved) == 2, "the other blocks finished and are kept for the rerun"


def test_a_sweep_point_that_kills_its_worker_is_recorded_failed_and_the_sweep_goes_on(tmp_path, monkeypatch,
                                                                                      small_sweep):
    import sim.sweep.runner as runner
    from sim.sweep.store import read_sweep

    spec, _ = small_sweep
    monkeypatch.setattr(runner, "point_task", killing(runner.point_task, tmp_path, second_point, True))
    code, stdout, err = run_cli("sweep", spec, "--out", tmp_path / "out", "--workers", 2, "--quiet")
    assert code == 0, err
    data = read_sweep(tmp_path / "out")
    failed = data.failed()
    assert list(failed["point"]) == [2]
    assert "worker process died 3 times" in failed["error"].iloc[0]
    assert set(data.results.loc[data.results["status"] == "ok", "point"]) == {0, 1, 3}
    assert "1 points failed" in stdout


def test_dead_workers_are_retried_on_an_executor_directly():
    """The executor contract alone: results by index, a task killing its worker twice then
    succeeding is retried, one killing it always comes back as TaskFailed."""
    from sim.execution import LocalProcesses, TaskFailed

    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        flaky = Path(tmp)
        (flaky / "3a").touch()
        (flaky / "3b").touch()
        results = dict(LocalProcesses(2).run(_flaky_square, str(flaky), list(range(6))))
    assert {i: results[i] for i in range(6) if i != 5} == {i: i * i for i in range(5)}
    assert isinstance(results[5], TaskFailed) and results[5].attempts == 3


def _flaky_square(folder: str, x: int) -> int:
    """x squared; kills its process while a marker for x is left (3: twice), always for 5."""
    for marker in sorted(Path(folder).glob(f"{x}?")):
        marker.unlink()
        os.kill(os.getpid(), signal.SIGKILL)
    if x == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


# ---- full disk, read-only folder ---------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A tmpfs of a few hundred KB (needs root; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()

    def make(size_kb: int, read_only: bool = False) -> Path:
        opts = f"size={size_kb}k" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mount)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        return mount
    yield make
    if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0 and mount.is_mount():
        # busy for a moment (seen once under pytest-xdist on Python 3.13): detach it now, lazily,
        # rather than leave it mounted under pytest's temporary folders
        subprocess.run(["umount", "--lazy", str(mount)], capture_output=True)


def partial_files(folder: Path) -> list[str]:
    """Empty files and temporary files left behind."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and (p.stat().st_size == 0 and p.name != ".innovsim.lock" or ".tmp" in p.name))


@pytest.mark.parametrize("size_kb", [48, 200, 420])
def test_a_full_disk_is_one_paragraph_and_leaves_no_partial_file(tiny_disk, size_kb):
    disk = tiny_disk(size_kb)
    out = disk / "out"
    code, _, err = run(out, "--workers", 1)
    if code == 0:
        pytest.skip(f"{size_kb} KB was enough for this run")
    assert_user_error(code, err, "cannot write", str(out), "No space left on device")
    assert partial_files(disk) == []


def test_a_read_only_folder_is_one_paragraph(tiny_disk):
    disk = tiny_disk(64, read_only=True)
    code, _, err = run(disk / "out", "--workers", 1)
    assert_user_error(code, err, str(disk / "out"))
    assert "Read-only file system" in err


@pytest.mark.slow
def test_dead_workers_on_a_dask_cluster():
    """On Dask, the scheduler reschedules a dead worker's task; one that keeps killing workers
    comes back as TaskFailed (KilledWorker), and the others finish."""
    import tempfile

    from sim.execution import DaskCluster, TaskFailed

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "3a").touch()
        results = dict(DaskCluster(local_workers=2).run(_flaky_square, tmp, list(range(6))))
    assert {i: results[i] for i in range(5)} == {i: i * i for i in range(5)}
    assert isinstance(results[5], TaskFailed)


# ---- sizes -------------------------------------------------------------------------------------

def test_a_billion_runs_is_refused_before_anything_is_allocated(tmp_path):
    code, _, err = run_cli("run", BASELINE, "--runs", 1_000_000_000, "--out", tmp_path / "out", "--quiet")
    assert_user_error(code, err, "--runs", "at most 200,000", "1,000,000,000")
    assert not (tmp_path / "out").exists(), "no folder left behind"


def test_the_api_refuses_too_many_runs_too(baseline_scenario):
    from sim.errors import UserError
    from sim.runner import run_scenario

    with pytest.raises(UserError, match="at most 200,000"):
        run_scenario(baseline_scenario, runs=10**9)
