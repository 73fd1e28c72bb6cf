#!/bin/sh
# nn.cpp handout grader: `make grade` runs it. Written into the handout by tools/handout.py.
#
# Builds the lesson's tests as `make check` does (tests.cpp with -DLESSON_ONLY), runs the
# tests that grade each exercise of this handout, one at a time, and prints a table: an
# exercise earns the points of each of its tests that passes. A test that crashes, or runs
# longer than TEST_TIME_LIMIT seconds (60 unless set), has failed; the others still run.
# Then, for each test that failed, why: its first messages, or its crash and the likely
# cause; and for each exercise, which exercises it needs written first fail too. The tests
# draw their inputs from NN_VARIANT when it is set (a student's handout sets it in its
# Makefile). The tests are tests.cpp as handed out, taken from the handout's first commit,
# and `make grade` runs this script as handed out too, so that editing either changes no
# mark. Plain POSIX sh, git and a C++17 compiler ($CXX, g++ unless set); nothing else.

cd "$(dirname "$0")" || exit 2
CXX=${CXX:-g++}
TEST_TIME_LIMIT=${TEST_TIME_LIMIT:-60}
export TEST_TIME_LIMIT

# One line an exercise: number|title|the exercises of this handout it needs written first,
# separated by spaces|the tests that grade it, each as NAME=POINTS, separated by spaces.
exercises() {
    cat <<'END'
@EXERCISES@
END
}

work=${TMPDIR:-/tmp}/nn_grade.$$
mkdir "$work" || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# nn.cpp as it is now, tests.cpp as it was handed out (git show of the first commit).
root=$(git rev-list --max-parents=0 HEAD 2> /dev/null) &&
    git show "$root:tests.cpp" > "$work/tests.cpp" 2> /dev/null && cp nn.cpp "$work/nn.cpp" || {
    echo "grade.sh needs nn.cpp and the handout's git repository, whose first commit holds"
    echo "the grading tests: copy nn.cpp into a fresh handout and run make grade there."
    exit 2
}
if ! git diff --quiet "$root" -- tests.cpp; then
    echo "tests.cpp differs from the handout's: grading with the handout's tests.cpp."
fi

echo "Building the lesson's tests: $CXX -std=c++17 -Og -DLESSON_ONLY tests.cpp (as handed out)"
if [ -n "${NN_VARIANT-}" ]; then
    echo "The tests' variant: NN_VARIANT=$NN_VARIANT"
fi
built=yes
if ! $CXX -std=c++17 -Og -DLESSON_ONLY -o "$work/tests" "$work/tests.cpp" 2> "$work/build.txt"
then
    built=no
    echo "They do not build, so every exercise gets 0 points. The compiler's first lines:"
    sed -n '1,15p' "$work/build.txt"
fi

# Runs one test by its full name; prints pass, fail, crash, timeout or missing.
run_test() {
    "$work/tests" "$1" < /dev/null > "$work/out.txt" 2>&1
    if grep -qx "$1 pass" "$work/out.txt"; then
        echo pass
    elif grep -q "^CRASH $1 (signal 14[:)]" "$work/out.txt"; then
        echo timeout
    elif grep -q "^CRASH $1 " "$work/out.txt"; then
        echo crash
    elif grep -q "^FAIL $1\$" "$work/out.txt"; then
        echo fail
    else
        echo missing
    fi
}

# Runs the tests of one exercise (number, title, NAME=POINTS ...) and prints its row. Adds
# to $total and $possible; for each test that fails, writes why to $work/why.NUMBER and
# the exercise's number to $work/failing.
grade_exercise() {
    number=$1
    passed=0
    count=0
    earned=0
    points=0
    for test in $3; do
        name=${test%=*}
        worth=${test##*=}
        count=$((count + 1))
        points=$((points + worth))
        if [ "$built" = yes ]; then
            outcome=$(run_test "$name")
        else
            outcome="not built"
        fi
        if [ "$outcome" = pass ]; then
            passed=$((passed + 1))
            earned=$((earned + worth))
            continue
        fi
        echo "$number" >> "$work/failing"
        {
            echo "  exercise $number: $name: $outcome"
            case $outcome in
            fail) grep 'failed:' "$work/out.txt" | head -n 2 | sed 's/^ */      /' ;;
            timeout | crash) grep "^CRASH" "$work/out.txt" | head -n 1 | sed 's/^/      /' ;;
            missing) echo "      tests.cpp has no test of that name" ;;
            esac
        } >> "$work/why.$number"
    done
    total=$((total + earned))
    possible=$((possible + points))
    printf '%-8s  %-44s  %-9s  %s\n' "$number" "$2" "$passed of $count" "$earned of $points"
}

# Why the tests of exercise $1 failed, and which of the exercises it needs first ($2) have
# failing tests too: then its own may fail for theirs.
explain() {
    cat "$work/why.$1"
    [ "$built" = yes ] || return 0
    for first in $2; do
        if grep -qx "$first" "$work/failing"; then
            title=$(exercises | grep "^$first|" | cut -d '|' -f 2)
            echo "    needs exercise $first ($title) first: its tests fail too"
        fi
    done
}

echo
printf '%-8s  %-44s  %-9s  %s\n' exercise title tests points
total=0
possible=0
: > "$work/failing"
while IFS='|' read -r number title needs tests; do
    [ -z "$number" ] || grade_exercise "$number" "$title" "$tests"
done <<EOF
$(exercises)
EOF
echo
echo "total: $total of $possible points"
if [ -s "$work/failing" ]; then
    echo
    echo "What failed (make check T=NAME runs one test and shows every message):"
    while IFS='|' read -r number title needs tests; do
        [ ! -f "$work/why.$number" ] || explain "$number" "$needs"
    done <<EOF
$(exercises)
EOF
fi
[ "$built" = yes ]
