#!/usr/bin/env python3
"""tools/mutants.py: do the tests catch what breaks a result?

    python3 tools/mutants.py            every mutant in tools/mutants.txt (make mutants)
    python3 tools/mutants.py NAME ...   only these mutants
    python3 tools/mutants.py --stubs    the teacher's table: each body in STUBS replaced by
                                        a stub, and the tests that then fail
    python3 tools/mutants.py --stubs --check-readme
                                        the same, compared with README.md's table (CI)

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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 300  # seconds for one build and test run

# The teacher's table: a function whose body is replaced, and the stub that replaces it.
# The signature must occur once in nn.cpp; its body is everything between the braces.
STUBS = [
    ("Value operator*(Value a, Value b)", "return 0.0;"),
    ("Value operator/(Value a, Value b)", "return 0.0;"),
    ("Value tanh(Value x)", "return 0.0;"),
    ("void Value::backward() const", ""),
    ("Value dropout(Value x, double p, Rng& rng)", "(void)p; (void)rng; return x;"),
    ("Value mean_squared_error(", "return 0.0;"),
    ("Value softmax_cross_entropy(const std::vector<Value>& logits, int label)", "return 0.0;"),
    ("Value l2_penalty(const std::vector<Value>& params, double alpha)", "return 0.0;"),
    ("double dense_softmax_cross_entropy(", "return 0.0;"),
    ("void dense_backward(DenseMLP& net, std::vector<double> g)", ""),
    ("void rmsprop_step(const std::vector<Value>& params)", ""),
    ("void adam_step(const std::vector<Value>& params)", ""),
    ("void shuffle(std::vector<int>& items, Rng& rng)", ""),
    ("bool should_stop(int epoch, double val_loss, const std::vector<Value>& params)",
     "return false;"),
]


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


def stub_source(source, signature, body):
    """source with the body of the function that starts at `signature` replaced."""
    start = source.index(signature)
    open_brace = source.index("{", start)
    depth, i = 0, open_brace
    while True:
        depth += {"{": 1, "}": -1}.get(source[i], 0)
        if depth == 0:
            break
        i += 1
    return source[:open_brace] + "{ " + body + " }" + source[i + 1:]


def run_tests(source, every_test=False):
    """Builds tests.cpp against `source` as nn.cpp and runs it: (outcome, failed tests).
    Unless every_test, the run stops at the first test that fails."""
    with tempfile.TemporaryDirectory(prefix="mutant_") as work:
        with open(os.path.join(work, "nn.cpp"), "w") as f:
            f.write(source)
        with open(os.path.join(ROOT, "tests.cpp")) as src, \
                open(os.path.join(work, "tests.cpp"), "w") as f:
            f.write(src.read())
        build = subprocess.run(["g++", "-std=c++17", "-O2", "-o", "tests", "tests.cpp"],
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
        if source.count(original) != 1:
            sys.exit(f"mutants: '{name}': its original occurs {source.count(original)} "
                     "times in nn.cpp, not once; make it longer or fix it")

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


def readme_rows():
    """The teacher's table in README.md: {stubbed function: [test names]}."""
    rows = {}
    for line in open(os.path.join(ROOT, "README.md")):
        m = re.match(r"^\| `([^`]+)` \| (\d+): (.*) \|$", line.strip())
        if m:
            rows[m.group(1)] = [t.strip() for t in m.group(3).split(",")]
    return rows


def stub_name(signature):
    m = re.search(r"(Value::backward|operator.|[A-Za-z_][A-Za-z0-9_]*)\(", signature)
    return m.group(1)


def run_stubs(check_readme):
    source = open(os.path.join(ROOT, "nn.cpp")).read()

    def one(stub):
        return run_tests(stub_source(source, *stub), every_test=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, STUBS))
    table = {}
    for (signature, _), (outcome, failed) in zip(STUBS, results):
        name = stub_name(signature)
        table[name] = [short(t) for t in failed]
        if outcome != "killed":
            print(f"stubs: {name}: {outcome}, not a failing test")
        print(f"| `{name}` | {len(failed)}: {', '.join(table[name])} |")
    if not check_readme:
        return True
    want = readme_rows()
    ok = True
    for name, tests in table.items():
        if want.get(name) != tests:
            ok = False
            print(f"stubs: README.md's row for `{name}` says {want.get(name)}, "
                  f"the tests say {tests}")
    print("stubs: the README's teacher's table matches the tests" if ok else
          "stubs: update the teacher's table in README.md with the rows above")
    return ok


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--stubs" in args:
        ok = run_stubs("--check-readme" in args)
    else:
        ok = run_mutants([a for a in args if not a.startswith("--")])
    sys.exit(0 if ok else 1)
