"""Each lab's step: the time of one `perform(run_action)` at its lesson's settings, the unit a free run
repeats on the runner's thread (so a learner sees a result after how many of these).

    python bench/labs.py [--budget 0.5] [lab ...]

Kernels are compiled (or loaded from numba's cache) first; each lab's first step is not timed. A lab
paced for watching (`run_pace` > 0) is timed without its pause. Prints milliseconds per step and the
steps a free run does in a second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from engine import time_step  # noqa: E402  (bench/engine.py)

from dltui.engine.backend import warmup  # noqa: E402
from dltui.labs import lab_class  # noqa: E402
from dltui.lessons import load_lessons  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.5, help="seconds of timing per lab")
    parser.add_argument("labs", nargs="*", help="lab names (default: every bundled lesson's)")
    args = parser.parse_args()
    start = time.perf_counter()
    warmup()
    print(f"kernels ready in {time.perf_counter() - start:.1f} s\n")
    print(f"{'lesson':<44}{'lab':<16}{'action':<10}{'ms/step':>10}{'steps/s':>10}")
    lessons, _ = load_lessons(lang="en")
    for lesson in lessons:
        if args.labs and lesson.lab not in args.labs:
            continue
        lab = lab_class(lesson.lab)(**lesson.params)
        action = lab.run_action
        if action is None:
            print(f"{lesson.order:>2}. {lesson.title[:39]:<40}{lesson.lab:<16}{'-':<10}{'(no run)':>10}")
            continue
        seconds = time_step(lambda: lab.perform(action), args.budget)
        print(f"{lesson.order:>2}. {lesson.title[:39]:<40}{lesson.lab:<16}{action:<10}{seconds * 1e3:10.2f}"
              f"{1 / seconds:10.1f}")


if __name__ == "__main__":
    main()
