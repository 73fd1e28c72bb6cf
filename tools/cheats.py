#!/usr/bin/env python3
"""tools/cheats.py: does `make grade` give nothing for a cheat? (CI runs it, about a minute)

    python3 tools/cheats.py

Writes a default handout and, in turn, plants each cheat of CHEATS at the top of every
stub of its nn.cpp, runs `make grade` there with TEST_TIME_LIMIT=1 and checks that the
grader finishes, grades every exercise and gives 0 points. Then, with nn.cpp as handed
out, it does the same after an edit of tests.cpp (check() returns at once) and one of
grade.sh (every exercise earns its points), which `make grade` must not use. Fails,
naming the cheat and the grader's total, when one earns anything.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exercises import WRITE_IT  # noqa: E402
from mutants import body_span  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXERCISES = [e for e in WRITE_IT if "pending" not in e]
POSSIBLE = sum(e["points"] for e in EXERCISES)
TIMEOUT = 300  # seconds for one `make grade`; an endless loop must be ended well before


def flood():
    """A stub's first lines that print every grading test's pass line and a full total,
    3,000 times, on stdout and stderr, then go on."""
    lines = [f"{t} pass" for e in EXERCISES for t in e["tests"]]
    text = "\\n".join(lines + [f"total: {POSSIBLE} of {POSSIBLE} points"]) + "\\n"
    return (f'for (int i = 0; i < 3000; ++i) std::printf("%s", "{text}");\n'
            f'std::fprintf(stderr, "%s", "{text}");\n')


CHEATS = [
    ("exit(0)", "std::exit(0);\n"),
    ("_Exit(0)", "std::_Exit(0);\n"),
    ("quick_exit(0)", "std::quick_exit(0);\n"),
    ("abort()", "std::abort();\n"),
    ("an endless loop", "for (;;) {}\n"),
    ("a flood of pass lines", flood()),
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


def grade(folder):
    """`make grade`'s (earned, possible, seconds), or a line saying what went wrong."""
    start = time.time()
    try:
        p = subprocess.run(["make", "-s", "grade"], cwd=folder, capture_output=True,
                           text=True, errors="replace", timeout=TIMEOUT,
                           env=dict(os.environ, TEST_TIME_LIMIT="1"))
    except subprocess.TimeoutExpired:
        return f"make grade ran longer than {TIMEOUT} s"
    totals = re.findall(r"^total: (\d+) of (\d+) points$", p.stdout, re.MULTILINE)
    if len(totals) != 1:
        return f"make grade printed {len(totals)} total lines, not 1:\n{p.stdout[-2000:]}"
    return int(totals[0][0]), int(totals[0][1]), time.time() - start


def attempt(folder, name, prepare):
    """Resets the handout to its one commit, applies `prepare` to it, grades it: True if
    the cheat earned nothing."""
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=folder, check=True)
    prepare(folder)
    result = grade(folder)
    if isinstance(result, str):
        print(f"cheats: {name}: {result}")
        return False
    earned, possible, seconds = result
    ok = earned == 0 and possible == POSSIBLE
    print(f"cheats: {name}: {earned} of {possible} points ({seconds:.0f} s)"
          + ("" if ok else f", want 0 of {POSSIBLE}"))
    return ok


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
    ("grade.sh gives every exercise its points", "grade.sh",
     '[ "$passed" -eq "$count" ] && earned=$points', "earned=$points"),
]


def main():
    with tempfile.TemporaryDirectory(prefix="nn_cheats_") as work:
        folder = os.path.join(work, "handout")
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "handout.py"),
                        "--out", folder], check=True, capture_output=True)
        ok = True
        for name, code in CHEATS:
            ok &= attempt(folder, f"{name} in every stub", plant(code))
        for name, path, original, replacement in EDITS:
            ok &= attempt(folder, name, lambda f, p=path, o=original, r=replacement:
                          edit(os.path.join(f, p), o, r))
    print("cheats: each earned nothing" if ok else "cheats: a cheat earned points (above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
