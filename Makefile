# A convenience over the one command `g++ -std=c++17 -O2 -o nn nn.cpp`; nothing here is
# needed to build or run the lesson.
CXX ?= g++
CXXFLAGS ?= -std=c++17 -O2 -Wall -Wextra -Wpedantic

.PHONY: all run test check bench mutants handout grade-all pictures fashion-pictures clean

all: nn

nn: nn.cpp
	$(CXX) $(CXXFLAGS) -o nn nn.cpp

# tests.cpp includes nn.cpp, and the tests binary also runs as ./nn (`./tests --nn ...`)
# for the tests of the command line, so nn.cpp is compiled once.
tests: tests.cpp nn.cpp
	$(CXX) $(CXXFLAGS) -o tests tests.cpp

run: nn
	./nn

# `make test T=relu` runs only the tests whose names contain relu.
test: tests
	./tests $(T)

# The exercise loop: `make check T=relu` builds the tests of the lesson alone (Parts
# I-III; -DLESSON_ONLY leaves out the tests of the program, so its plumbing is not
# compiled) with light optimisation, and runs the tests whose names contain relu.
check: tests_lesson
	./tests_lesson $(T)

tests_lesson: tests.cpp nn.cpp
	$(CXX) -std=c++17 -Og -DLESSON_ONLY -Wall -Wextra -Wpedantic -o tests_lesson tests.cpp

bench: nn
	./nn bench

# Does every single-point bug in the lesson make a test fail? Not part of make test:
# it builds and runs the tests once per mutant (about 17 minutes here).
mutants:
	python3 tools/mutants.py

# A folder to give students (tools/handout.py): nn.cpp with the chosen write-it exercises'
# bodies stubbed and their answers taken out of every file, `make grade` to score them, as a
# fresh git repository with one commit. `make handout EXERCISES=7,9,12 HANDOUT=dir`, or by
# name, EXERCISES=backward,adam; the default is every write-it exercise, in handout/. STUDENT=ID makes it ID's copy, whose
# tests run with NN_VARIANT=ID (docs/teachers.md).
EXERCISES ?= all
HANDOUT ?= handout
handout:
	python3 tools/handout.py --exercises '$(EXERCISES)' --out '$(HANDOUT)' \
	  $(if $(STUDENT),--student '$(STUDENT)')

# A class's grades (tools/grade_all.py): `make grade-all SUBMISSIONS=dir` grades each
# student's dir/NAME/nn.cpp or dir/NAME.cpp as `make grade` would in a fresh handout of
# EXERCISES, with NN_VARIANT=NAME, and writes GRADES (dir-grades/ unless set): grades.csv
# and each student's report. JOBS=N grades N students at a time.
grade-all:
	python3 tools/grade_all.py --exercises '$(EXERCISES)' $(if $(GRADES),--out '$(GRADES)') \
	  $(if $(JOBS),--jobs '$(JOBS)') '$(SUBMISSIONS)'

# The README's pictures in docs/, made afresh by a default run (CI fails when the committed
# ones differ from what ./nn makes).
PICTURES = spiral_training.gif spiral_boundary_and_best.gif xor_training.gif
pictures: nn
	rm -rf pictures_run && ./nn --out pictures_run > /dev/null
	mkdir -p docs && for f in $(PICTURES); do cp pictures_run/$$f docs/; done
	rm -rf pictures_run

# The README's Fashion-MNIST pictures in docs/, made afresh by a default `./nn fashion`
# (under a minute; needs `apt-get install dataset-fashion-mnist`). CI does not run this:
# its Fashion-MNIST run is a short one.
FASHION_PICTURES = fashion_test_images.gif fashion_confusion.gif fashion_weights.gif \
                   fashion_saliency.gif fashion_fooling.gif
fashion-pictures: nn
	rm -rf pictures_run && ./nn fashion --out pictures_run > /dev/null
	mkdir -p docs && for f in $(FASHION_PICTURES); do cp pictures_run/$$f docs/; done
	rm -rf pictures_run

clean:
	rm -f nn tests tests_lesson tests_sanitized nn_sanitized
	rm -rf plots plots_l2 plots_dropout plots_quick
