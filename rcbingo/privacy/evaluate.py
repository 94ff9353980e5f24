"""How well the screen does on labelled examples: recall, false alarms, and the time a story takes.

    python -m rcbingo.privacy.evaluate tests/data/phi_examples.jsonl tests/data/phi_examples_new_ways.jsonl \
        --staff tests/data/phi_staff.txt [--show]

Each example is one JSON object a line: {"phi": true|false, "kinds": [...], "text": "..."}. Recall is the share of
examples with patient information that the screen flags at all; kind recall the share whose expected kinds are all
found; false alarms the share of clean examples flagged. The figures are for people to read: the tests check each
example, not these rates.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .screen import screen


@dataclass
class Figures:
    phi: int = 0
    caught: int = 0  # flagged at all
    kinds_found: int = 0  # every expected kind found
    clean: int = 0
    false_alarms: int = 0
    expected: Counter = field(default_factory=Counter)  # kind -> examples that expect it
    found: Counter = field(default_factory=Counter)  # kind -> of those, examples where it was found
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        return (f"{name:<34} recall {self.caught}/{self.phi} = {_share(self.caught, self.phi)}   "
                f"kinds {self.kinds_found}/{self.phi} = {_share(self.kinds_found, self.phi)}   "
                f"false alarms {self.false_alarms}/{self.clean} = {_share(self.false_alarms, self.clean)}")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(examples: list[dict], staff: list[str]) -> Figures:
    figures = Figures()
    for example in examples:
        findings = screen(example["text"], staff)
        kinds = {f.kind for f in findings}
        if example["phi"]:
            figures.phi += 1
            figures.caught += bool(findings)
            figures.kinds_found += kinds >= set(example["kinds"])
            for kind in example["kinds"]:
                figures.expected[kind] += 1
                figures.found[kind] += kind in kinds
            if not findings or not kinds >= set(example["kinds"]):
                figures.misses.append(f"{example['text']}\n      expected {example['kinds']}, found "
                                      f"{[(f.kind, f.text) for f in findings]}")
        else:
            figures.clean += 1
            figures.false_alarms += bool(findings)
            if findings:
                figures.alarms.append(f"{example['text']}\n      found {[(f.kind, f.text) for f in findings]}")
    return figures


def timing(texts: list[str], staff: list[str], rounds: int = 20) -> tuple[float, float]:
    """Median and 95th-percentile milliseconds to screen one text, over `rounds` passes of every text (the maximum
    says more about the machine's other work than about the screen)."""
    samples = []
    for _ in range(rounds):
        for text in texts:
            began = time.perf_counter()
            screen(text, staff)
            samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="JSONL files of labelled examples")
    parser.add_argument("--staff", type=Path, help="the roster: one staff name a line")
    parser.add_argument("--show", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the examples when timing")
    args = parser.parse_args(argv)
    staff = [line.strip() for line in args.staff.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if args.staff else []
    texts = []
    for path in args.files:
        examples = load(path)
        texts += [example["text"] for example in examples]
        figures = evaluate(examples, staff)
        print(figures.line(path.name))
        for kind in sorted(figures.expected):
            print(f"    {kind:<20} {figures.found[kind]}/{figures.expected[kind]}")
        if args.show:
            for miss in figures.misses:
                print(f"  MISS  {miss}")
            for alarm in figures.alarms:
                print(f"  ALARM {alarm}")
    median, p95 = timing(texts, staff, args.rounds)
    print(f"screening time per example: median {median:.3f} ms, p95 {p95:.3f} ms ({len(texts)} examples)")
    story = " ".join(texts[:6])  # a long card story: six examples in a row
    median, p95 = timing([story], staff, rounds=10 * args.rounds)
    print(f"screening time for a {len(story)}-character story: median {median:.3f} ms, p95 {p95:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
