"""The benchmark harness (bench/common.py): medians of paired runs, min and max
beside them, the order of the pairs, cold processes timed from outside."""

from __future__ import annotations

import sys

import pytest

from bench import common


def test_median_min_max():
    assert common.median_min_max([3.0, 1.0, 2.0, 10.0, 4.0]) == (3.0, 1.0, 10.0)
    assert common.median_min_max([1.0, 2.0]) == (1.5, 1.0, 2.0)
    with pytest.raises(ValueError):
        common.median_min_max([])


def test_pair_ratios_are_per_pair_and_refuse_unpaired():
    assert common.pair_ratios([2.0, 9.0, 4.0], [1.0, 3.0, 4.0]) == [2.0, 3.0, 1.0]
    with pytest.raises(ValueError):
        common.pair_ratios([1.0], [1.0, 2.0])


def test_paired_runs_alternate_and_judge_the_median_ratio():
    calls: list[str] = []
    a_values = iter([100.0, 2.0, 6.0, 3.0, 20.0, 4.0])  # the first pair is the warm-up
    b_values = iter([1.0, 1.0, 2.0, 1.0, 2.0, 2.0])

    def a() -> float:
        calls.append("A")
        return next(a_values)

    def b() -> float:
        calls.append("B")
        return next(b_values)

    r = common.paired("x", a, b, budget=3.0, pairs=5, warmup=1)
    assert calls == ["A", "B"] * 6
    assert r.subject == [2.0, 6.0, 3.0, 20.0, 4.0] and r.reference == [1.0, 2.0, 1.0, 2.0, 2.0]
    assert r.ratios == [2.0, 3.0, 3.0, 10.0, 2.0]
    assert r.ratio == 3.0 and r.ok  # one pair at 10x does not decide: the median does
    line = r.line()
    assert "median ratio 3.00x" in line and "min 2.00x" in line and "max 10.00x" in line and "PASS" in line
    assert "load" in line
    over = common.paired("y", lambda: 4.0, lambda: 1.0, budget=3.0, pairs=5, warmup=0)
    assert not over.ok and "FAIL" in over.line()
    assert common.report([r]) == 0 and common.report([r, over]) == 1


def test_absolute_budget_on_the_median():
    values = iter([1.0, 9.0, 2.0, 3.0, 2.5])
    r = common.absolute("pdf", lambda: next(values), limit=5.0, pairs=5)
    assert r.value == 2.5 and r.ok
    assert "min 1.00 s" in r.line() or "min 1 s" in r.line()


def test_run_times_a_cold_process_and_its_own_peak_rss():
    r = common.run(common.python("-c", "import sys; b = bytearray(60 * 2**20); sys.stdout.write('hi')"))
    assert r.returncode == 0 and r.stdout == b"hi"
    assert 0 < r.seconds < 30
    assert r.max_rss_mib >= 60
    with pytest.raises(common.BenchError):
        common.run(common.python("-c", "raise SystemExit(4)"))
    assert common.run(common.python("-c", "raise SystemExit(4)"), check=False).returncode == 4


def test_first_output_waits_for_the_marker_on_a_terminal_of_the_size_asked():
    code = (
        "import os, sys, time; c, r = os.get_terminal_size(); "
        "sys.stdout.write('\\x1b[1mwarming\\x1b[0m up\\n'); sys.stdout.flush(); time.sleep(0.3); "
        "sys.stdout.write(f'\\x1b[2;3HRow \\x1b[7mOne\\x1b[0m {c}x{r} {sys.stdout.isatty()}\\n'); sys.stdout.flush(); time.sleep(60)"
    )
    took = common.first_output([sys.executable, "-c", code], "Row One 80x24 True", size=(80, 24), timeout=20)
    assert 0.3 <= took < 20
    with pytest.raises(common.BenchError):
        common.first_output([sys.executable, "-c", "print('nothing here')"], "never", timeout=5)


def test_cached_file_is_built_once(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_CACHE", str(tmp_path))
    built: list[str] = []

    def build(path):
        built.append(path.name)
        path.write_text("data")

    first = common.cached_file("gen", 1, "x.txt", build)
    again = common.cached_file("gen", 1, "x.txt", build)
    assert first == again and first.read_text() == "data" and len(built) == 1
    common.cached_file("gen", 2, "x.txt", build)  # a new generator version builds again, the old one goes
    assert len(built) == 2 and not (tmp_path / "gen-v1").exists()


def test_bench_env_isolates_the_user_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("DUTYDESK_DB", "sqlite:////nowhere.sqlite")
    env = common.bench_env(tmp_path)
    assert "DUTYDESK_DB" not in env
    assert env["XDG_DATA_HOME"] == str(tmp_path / "data")


def test_cpu_share_is_measured_from_outside_after_the_marker():
    busy = "import sys, time; sys.stdout.write('ready\\n'); sys.stdout.flush(); t = time.perf_counter()\nwhile time.perf_counter() - t < 30: pass"
    idle = "import sys, time; sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(30)"
    spin = common.cpu_share([sys.executable, "-c", busy], "ready", seconds=1.5, settle=0.2, timeout=20)
    rest = common.cpu_share([sys.executable, "-c", idle], "ready", seconds=1.5, settle=0.2, timeout=20)
    # A spinning process gets its share of a loaded machine (a quarter of a core at load 9 on 2 CPUs); a sleeping one none.
    assert spin > 0.1 and rest < 0.05 and spin > 4 * rest, (spin, rest)
