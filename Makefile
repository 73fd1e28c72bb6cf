# A convenience over the one command `g++ -std=c++17 -O2 -o nn nn.cpp`; nothing here is
# needed to build or run the lesson.
CXX ?= g++
CXXFLAGS ?= -std=c++17 -O2 -Wall -Wextra -Wpedantic

.PHONY: all run test bench clean

all: nn

nn: nn.cpp
	$(CXX) $(CXXFLAGS) -o nn nn.cpp

tests: tests.cpp nn.cpp nn
	$(CXX) $(CXXFLAGS) -o tests tests.cpp

run: nn
	./nn

test: tests
	./tests

bench: nn
	./nn bench

clean:
	rm -f nn tests tests_sanitized
	find plots -type f ! -name README.md -delete
