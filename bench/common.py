from __future__ import annotations

import statistics
import time
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    value: float
    reference: float
    unit: str
    budget: float | None  # the ratio must be <= budget; None: reported only

    @property
    def ratio(self) -> float:
        return self.value / self.reference if self.reference else float("inf")

    @property
    def ok(self) -> bool:
        return self.budget is None or self.ratio <= self.budget

    def line(self) -> str:
        budget = f"budget <= {self.budget:g}x" if self.budget is not None else "no budget (reported)"
        verdict = "" if self.budget is None else ("PASS" if self.ok else "FAIL")
        return (f"{self.name}: {self.value:.4g} {self.unit} vs reference {self.reference:.4g} {self.unit} "
                f"= {self.ratio:.2f}x ({budget}) {verdict}").rstrip()


def median_time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def report(results: "list[Result] | Result") -> int:
    """Print each result; 1 if any is over its budget."""
    results = results if isinstance(results, list) else [results]
    for r in results:
        print(r.line(), flush=True)
    return 1 if any(not r.ok for r in results) else 0
