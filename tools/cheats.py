#!/usr/bin/env python3
"""tools/cheats.py: does `make grade` give nothing for a cheat? (CI runs it: 35 s here)

    python3 tools/cheats.py

Writes a default handout and plants each cheat of CHEATS in turn at the top of every
stub of its nn.cpp, runs `make grade` there (the endless loop with TEST_TIME_LIMIT=1) and
checks that the grader finishes, grades every exercise and gives 0 points. Then, with
nn.cpp as handed out, it does the same after an edit of tests.cpp (check() returns at
once) and one of grade.sh (every test counts as passed), which `make grade` must not
use. Last, an answer key that floods stdout in every body must still earn every point.
Fails, naming the attempt and the grader's total, when one earns other marks.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exercises import WRITE_IT, points, test_names  # noqa: E402
from mutants import body_span  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXERCISES = [e for e in WRITE_IT if "pending" not in e]
POSSIBLE = sum(points(e) for e in EXERCISES)
TIMEOUT = 300  # seconds for one `make grade`; an endless loop must be ended well before


def flood():
    """A stub's first lines: the first time it is called, print every grading test's pass
    line and a full total, 3,000 times, on stdout and on stderr; then go on."""
    lines = [f"{t} pass" for e in EXERCISES for t in test_names(e)]
    text = "\\n".join(lines + [f"total: {POSSIBLE} of {POSSIBLE} points"]) + "\\n"
    return ("static bool flooded = false;\n"
            "for (int i = 0; i < 3000 && !flooded; ++i) {\n"
            f'    std::printf("%s", "{text}");\n'
            f'    std::fprintf(stderr, "%s", "{text}");\n'
            "}\n"
            "flooded = true;\n")


# (name, code, TEST_TIME_LIMIT): the endless loop is ended after 1 s a test; the others
# have make grade's 60 s, so that what stops them is the runner, not the limit.
CHEATS = [
    ("exit(0)", "std::exit(0);\n", 60),
    ("_Exit(0)", "std::_Exit(0);\n", 60),
    ("quick_exit(0)", "std::quick_exit(0);\n", 60),
    ("abort()", "std::abort();\n", 60),
    ("an endless loop", "for (;;) {}\n", 1),
    ("a flood of pass lines", flood(), 60),
]


def planted(source, code):
    """nn.cpp with `code` at the top of every stubbed body, and <cstdlib> for exit."""
    for e in EXERCISES:
        for signature, _ in e["stubs"]:
            open_brace, _ = body_span(source, signature)
            source = source[:open_brace + 1] + "\n" + code + source[open_brace + 1:]
    return "#include <cstdlib>\n" + source


def edit(path, original, replacement):
    with open(path) as f:
        text = f.read()
    if text.count(original) != 1:
        sys.exit(f"cheats: {path} holds {text.count(original)} copies of {original!r}, not 1")
    with open(path, "w") as f:
        f.write(text.replace(original, replacement))


def grade(folder, time_limit):
    """`make grade`'s (earned, possible, seconds), or a line saying what went wrong."""
    start = time.time()
    try:
        p = subprocess.run(["make", "-s", "grade"], cwd=folder, capture_output=True,
                           text=True, errors="replace", timeout=TIMEOUT,
                           env=dict(os.environ, TEST_TIME_LIMIT=str(time_limit)))
    except subprocess.TimeoutExpired:
        return f"make grade ran longer than {TIMEOUT} s"
    totals = re.findall(r"^total: (\d+) of (\d+) points$", p.stdout, re.MULTILINE)
    if len(totals) != 1:
        return f"make grade printed {len(totals)} total lines, not 1:\n{p.stdout[-2000:]}"
    return int(totals[0][0]), int(totals[0][1]), time.time() - start


def attempt(handout, name, prepare, want, time_limit=60):
    """Copies the handout, applies `prepare` to the copy and grades it with TEST_TIME_LIMIT
    `time_limit`: (True if it earned `want` points, a line saying what it earned)."""
    folder = handout + "-" + re.sub(r"\W+", "_", name)
    shutil.copytree(handout, folder, symlinks=True)
    prepare(folder)
    result = grade(folder, time_limit)
    shutil.rmtree(folder)
    if isinstance(result, str):
        return False, f"cheats: {name}: {result}"
    earned, possible, seconds = result
    ok = earned == want and possible == POSSIBLE
    return ok, (f"cheats: {name}: {earned} of {possible} points ({seconds:.0f} s)"
                + ("" if ok else f", want {want} of {POSSIBLE}"))


def plant(code):
    def prepare(folder):
        path = os.path.join(folder, "nn.cpp")
        with open(path) as f:
            source = f.read()
        with open(path, "w") as f:
            f.write(planted(source, code))
    return prepare


EDITS = [
    ("tests.cpp's check() returns at once", "tests.cpp",
     "void check(bool ok, const std::string& what) {\n",
     "void check(bool ok, const std::string& what) {\n    return;\n"),
    ("grade.sh counts every test as passed", "grade.sh",
     'outcome=$(run_test "$name")', "outcome=pass"),
]


def main():
    with tempfile.TemporaryDirectory(prefix="nn_cheats_") as work:
        handout, key = os.path.join(work, "handout"), os.path.join(work, "answer_key")
        for folder, flags in ((handout, []), (key, ["--answer-key"])):
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "handout.py"),
                            "--out", folder, *flags], check=True, capture_output=True)
        attempts = [(handout, f"{name} in every stub", plant(code), 0, limit)
                    for name, code, limit in CHEATS]
        attempts += [(handout, name, lambda f, p=path, o=original, r=replacement:
                      edit(os.path.join(f, p), o, r), 0)
                     for name, path, original, replacement in EDITS]
        # And the other way round: an answer key that prints still earns every point.
        attempts.append((key, "an answer key with a flood of pass lines in every body",
                         plant(flood()), POSSIBLE))
        # Two at a time, each in its own copy of the handout.
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda a: attempt(*a), attempts))
    for _, line in results:
        print(line)
    ok = all(ok for ok, _ in results)
    print("cheats: each cheat earned nothing" if ok else "cheats: wrong marks (above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
