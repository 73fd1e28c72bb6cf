#!/usr/bin/env python3
"""tools/mutants.py: do the tests catch what breaks a result?

    python3 tools/mutants.py            every mutant in tools/mutants.txt (make mutants)
    python3 tools/mutants.py NAME ...   only these mutants
    python3 tools/mutants.py --stubs    the teacher's table: each exercise's bodies in
                                        tools/exercises.py replaced by their stubs, then
                                        each other body there, and the lesson's tests
                                        (make check's) that then fail
    python3 tools/mutants.py --stubs --check-readme
                                        the same, compared with the table in the file
                                        exercises.TEACHERS_TABLE names (CI): fails
                                        naming each row that differs
    python3 tools/mutants.py --stubs --write
                                        the same, written over that table's rows
                                        (about 3 minutes here)

Each mutant is applied to a fresh copy of nn.cpp in a temporary directory, where tests.cpp
is built and run. A mutant is killed when a test fails with a message; a crash, a timeout
or a build error is reported as such, not counted as a kill. Two mutants run at a time.
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exercises import OTHER_STUBS, TEACHERS_TABLE, WRITE_IT  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 300  # seconds for one build and test run

# The teacher's table: each write-it exercise's bodies replaced by their stubs together, as a
# handout of that exercise has them, then each of the other bodies a teacher may delete.
# Both lists live in tools/exercises.py, which handout.py reads too.
STUBS = [(f"{e['number']}", e["stubs"]) for e in WRITE_IT if "pending" not in e] + \
    [("-", [stub]) for stub in OTHER_STUBS]


def read_catalogue():
    """[(name, original, replacement, equivalent_reason or None)] from tools/mutants.txt."""
    mutants = []
    for line in open(os.path.join(ROOT, "tools", "mutants.txt")):
        line = line.rstrip("\n")
        if line.startswith("equivalent:"):
            name, original, replacement, _ = mutants[-1]
            mutants[-1] = (name, original, replacement, line[len("equivalent:"):].strip())
        elif line.strip() and not line.startswith("#"):
            name, original, replacement = [part.strip() for part in line.split(" | ")]
            mutants.append((name, original.replace("\\n", "\n"),
                            replacement.replace("\\n", "\n"), None))
    return mutants


def body_span(source, signature):
    """(index of the body's opening brace, index of its closing brace) of the function that
    starts at `signature`, which must occur once in source."""
    if source.count(signature) != 1:
        sys.exit(f"stubs: '{signature}' occurs {source.count(signature)} times in nn.cpp, "
                 "not once; fix tools/exercises.py")
    open_brace = source.index("{", source.index(signature))
    depth, i = 0, open_brace
    while True:
        depth += {"{": 1, "}": -1}.get(source[i], 0)
        if depth == 0:
            return open_brace, i
        i += 1


def stub_source(source, signature, body):
    """source with the body of the function that starts at `signature` replaced by `body`:
    on the same line if it is one line, else one statement a line, indented as the function."""
    open_brace, close_brace = body_span(source, signature)
    if "\n" not in body:
        return source[:open_brace] + "{ " + body + " }" + source[close_brace + 1:]
    line_start = source.rindex("\n", 0, source.index(signature)) + 1
    indent = source[line_start:len(source) - len(source[line_start:].lstrip(" "))]
    lines = [indent + "    " + line if line.strip() else "" for line in body.rstrip("\n").split("\n")]
    return (source[:open_brace] + "{\n" + "\n".join(lines) + "\n" + indent + "}"
            + source[close_brace + 1:])


def run_tests(source, every_test=False, lesson_only=False):
    """Builds tests.cpp against `source` as nn.cpp and runs it: (outcome, failed tests).
    Unless every_test, the run stops at the first test that fails."""
    with tempfile.TemporaryDirectory(prefix="mutant_") as work:
        with open(os.path.join(work, "nn.cpp"), "w") as f:
            f.write(source)
        with open(os.path.join(ROOT, "tests.cpp")) as src, \
                open(os.path.join(work, "tests.cpp"), "w") as f:
            f.write(src.read())
        # The lesson's tests alone, as `make check` builds them, for the teacher's table.
        flags = ["-Og", "-DLESSON_ONLY"] if lesson_only else ["-O2"]
        build = subprocess.run(["g++", "-std=c++17", *flags, "-o", "tests", "tests.cpp"],
                               cwd=work, capture_output=True, text=True)
        if build.returncode != 0:
            return "build error", []
        tests = subprocess.Popen(["./tests"], cwd=work, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, errors="replace")
        watchdog = threading.Timer(TIMEOUT, tests.kill)
        watchdog.start()
        failed = []  # FAIL lines; with every_test, CRASH lines too
        for line in tests.stdout:
            if line.startswith("FAIL ") or (every_test and line.startswith("CRASH ")):
                failed.append(line.split()[1])
                if not every_test:
                    tests.kill()
                    break
        tests.wait()
        timed_out = not watchdog.is_alive()
        watchdog.cancel()
        # A test that failed with a message before a later one crashed or hung still
        # named what broke.
        if failed:
            return "killed", failed
        if timed_out:
            return "timeout", []
        return ("crash" if tests.returncode != 0 else "survived"), []


def short(test):
    return test[len("test_"):] if test.startswith("test_") else test


def run_mutants(names):
    source = open(os.path.join(ROOT, "nn.cpp")).read()
    mutants = [m for m in read_catalogue() if not names or m[0] in names]
    for name, original, _, _ in mutants:
        count, every = source.count(original), name.endswith("*")
        if "//" in original:
            sys.exit(f"mutants: '{name}': its original holds a comment; match code only")
        if count != 1 and not (every and count > 1):
            sys.exit(f"mutants: '{name}': its original occurs {count} times in nn.cpp, not "
                     f"{'twice or more' if every else 'once'}; make it longer or fix it")

    def one(m):
        name, original, replacement, _ = m
        return run_tests(source.replace(original, replacement))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, mutants))
    killed = equivalent = 0
    for (name, _, _, reason), (outcome, failed) in zip(mutants, results):
        if reason:
            equivalent += 1
            print(f"equivalent {name}: {reason} ({outcome})")
        elif outcome == "killed":
            killed += 1
            tests = ", ".join(short(t) for t in failed[:3])
            more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
            print(f"killed     {name}: {tests}{more}")
        else:
            print(f"{outcome.upper():10} {name}")
    counted = len(mutants) - equivalent
    print(f"mutants: {killed} of {counted} killed by a named test "
          f"({equivalent} equivalent, not counted)")
    return killed == counted


# The teacher's table's header, which its rows follow.
TABLE_HEADER = "| exercise | bodies stubbed | tests that fail"


def table_span(lines):
    """(index of the teacher's table's first row, index after its last) in TEACHERS_TABLE's
    lines: the rows after TABLE_HEADER's line and the line under it."""
    starts = [i for i, line in enumerate(lines) if line.startswith(TABLE_HEADER)]
    if len(starts) != 1:
        sys.exit(f"stubs: {TEACHERS_TABLE} has {len(starts)} lines starting "
                 f"'{TABLE_HEADER}', not 1")
    first = end = starts[0] + 2
    while end < len(lines) and lines[end].startswith("| "):
        end += 1
    return first, end


def stub_name(signature):
    m = re.search(r"(Value::backward|operator.|[A-Za-z_][A-Za-z0-9_]*)\(", signature)
    return m.group(1)


def run_stubs(check_readme, write):
    source = open(os.path.join(ROOT, "nn.cpp")).read()

    def one(row):
        stubbed = source
        for signature, body in row[1]:
            stubbed = stub_source(stubbed, signature, body)
        return run_tests(stubbed, every_test=True, lesson_only=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, STUBS))
    rows, ok = [], True
    for (exercise, stubs), (outcome, failed) in zip(STUBS, results):
        bodies = ", ".join(f"`{stub_name(signature)}`" for signature, _ in stubs)
        if outcome != "killed":
            ok = False
            print(f"stubs: {bodies}: {outcome}, not a failing test")
        rows.append(f"| {exercise} | {bodies} | {len(failed)}: "
                    f"{', '.join(short(t) for t in failed)} |")
        print(rows[-1])
    if not check_readme and not write:
        return True
    path = os.path.join(ROOT, TEACHERS_TABLE)
    with open(path) as f:
        lines = f.read().split("\n")
    first, end = table_span(lines)
    if write:
        if not ok:
            print(f"stubs: {TEACHERS_TABLE} is left as it was: a stub above made no test fail")
            return False
        lines[first:end] = rows
        with open(path + ".new", "w") as f:
            f.write("\n".join(lines))
        os.replace(path + ".new", path)
        print(f"stubs: wrote the teacher's table, {len(rows)} rows, in {TEACHERS_TABLE}")
        return True
    for i in range(max(end - first, len(rows))):
        have = lines[first + i] if first + i < end else None
        want = rows[i] if i < len(rows) else None
        if have != want:
            ok = False
            print(f"stubs: {TEACHERS_TABLE}:{first + i + 1}: the row says\n    {have}\n"
                  f"  the tests say\n    {want}")
    print(f"stubs: the teacher's table in {TEACHERS_TABLE} matches the tests" if ok else
          f"stubs: update the teacher's table in {TEACHERS_TABLE}: python3 tools/mutants.py "
          "--stubs --write")
    return ok


if __name__ == "__main__":
    args = sys.argv[1:]
    for a in args:
        if a.startswith("-") and (a not in ("--stubs", "--check-readme", "--write") or
                                  (a != "--stubs" and "--stubs" not in args)):
            print(f"mutants: {a}: takes --stubs, with --check-readme or --write, or mutants' "
                  "names (see the top of tools/mutants.py)", file=sys.stderr)
            sys.exit(2)
    if "--stubs" in args:
        ok = run_stubs("--check-readme" in args, "--write" in args)
    else:
        ok = run_mutants([a for a in args if not a.startswith("--")])
    sys.exit(0 if ok else 1)
