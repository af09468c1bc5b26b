"""``python -m tests.mutants``: run the mutant catalog and print the kill table.

Exit status: 0 when every mutant was killed; 1 when one survived or its run went wrong;
2 when the catalog itself is broken (an original snippet not found exactly once) or the
unmutated tree fails the tests (then no verdict would mean anything).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.mutants.catalog import ROOT, CatalogError, Mutant, check, load
from tests.mutants.runner import Outcome, make_base, run_one


def _table(outcomes: list[Outcome]) -> str:
    rows = [("mutant", "area", "verdict", "secs", "caught by / detail")]
    for o in outcomes:
        m = o.mutant
        rows.append(
            (
                m.id if m else "baseline",
                m.area if m else "-",
                o.verdict.upper() if not o.caught else o.verdict,
                f"{o.seconds:.0f}",
                o.detail,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in rows
    ]
    lines.insert(1, "-" * min(120, max(len(line) for line in lines)))
    return "\n".join(lines)


def _baseline_tests(mutants: list[Mutant]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for m in mutants for t in m.tests))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutants", description=__doc__)
    parser.add_argument("ids", nargs="*", help="run only these mutant ids (default: all)")
    parser.add_argument("--check", action="store_true", help="only check every snippet matches")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run side by side (1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="the tree to copy (default: this checkout; also a directory from git archive)",
    )
    args = parser.parse_args(argv)

    try:
        mutants = load()
    except CatalogError as exc:
        print(f"mutants: {exc}", file=sys.stderr)
        return 2
    if args.ids:
        unknown = sorted(set(args.ids) - {m.id for m in mutants})
        if unknown:
            print(f"mutants: unknown ids {', '.join(unknown)}", file=sys.stderr)
            return 2
        mutants = [m for m in mutants if m.id in args.ids]
    if args.list:
        for m in mutants:
            print(f"{m.id:40} {m.file}\n    {m.why}")
        return 0
    source = args.source.resolve()
    problems = check(mutants, source)
    if problems:
        print("mutants: the catalog does not match the code:", *problems, sep="\n  ")
        return 2
    print(f"mutants: {len(mutants)} snippets each match exactly once")
    if args.check:
        return 0

    logs = Path(tempfile.mkdtemp(prefix="crscope-mutants-"))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crscope-mutants-base-") as tmp:
        tree = make_base(Path(tmp) / "tree", source)
        if not args.no_baseline:
            base = run_one(
                None, tests=_baseline_tests(mutants), logs=logs, timeout=args.timeout, base=tree
            )
            print(f"baseline (unmutated, every listed test): {base.verdict} in {base.seconds:.0f}s")
            if base.verdict != "survived":
                print(f"mutants: the unmutated tree fails ({base.detail}); see {base.log}")
                return 2

        def one(m: Mutant) -> Outcome:
            outcome = run_one(m, tests=m.tests, logs=logs, timeout=args.timeout, base=tree)
            print(f"  {m.id}: {outcome.verdict} ({outcome.seconds:.0f}s)", flush=True)
            return outcome

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(one, mutants))
    print()
    print(_table(outcomes))
    caught = sum(o.caught for o in outcomes)
    total = time.monotonic() - started
    print(f"\n{caught}/{len(outcomes)} mutants killed in {total / 60:.1f} min; logs in {logs}")
    return 0 if caught == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
