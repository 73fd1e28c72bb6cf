# A convenience over the one command `g++ -std=c++17 -O2 -o nn nn.cpp`; nothing here is
# needed to build or run the lesson.
CXX ?= g++
CXXFLAGS ?= -std=c++17 -O2 -Wall -Wextra -Wpedantic

.PHONY: all run test bench clean

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

bench: nn
	./nn bench

clean:
	rm -f nn tests tests_sanitized nn_sanitized
	find plots -type f ! -name README.md -delete
