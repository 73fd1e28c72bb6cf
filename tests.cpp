// tests.cpp: facts about nn.cpp, each checked against something computed independently.
//
//     g++ -std=c++17 -O2 -o tests tests.cpp && ./tests      (what `make test` does)
//     ./tests WORD                                          only tests whose names hold WORD
//
// Gradients are checked against central finite differences, (f(x+h) - f(x-h)) / 2h, which
// need only forward values, and against backpropagation derived by hand (section 8 of
// nn.cpp). Values are checked against plain double arithmetic, whole training runs against
// the same runs done in PyTorch. Each test's name says what it proves; a failure names
// what broke; the last line counts passes and failures.
//
// The tests that grade the exercises hold every derivative to 1e-12, which a finite
// difference misses, against the complex step or forward-mode derivatives along the graph's
// edges, and draw some inputs from the variant, NN_VARIANT=ID (a student's own numbers).

#define NN_NO_MAIN
#include "nn.cpp"

#include <complex>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include <fcntl.h>     // POSIX: a pipe filled without blocking (O_NONBLOCK), open
#include <sys/stat.h>  // POSIX: mkfifo
#include <sys/time.h>  // POSIX: setitimer, for a signal in the middle of an epoch
#include <sys/wait.h>  // POSIX: each test runs in a child process (fork, waitpid)
#include <unistd.h>

// ---- A tiny test runner ------------------------------------------------------------------

int checks_failed_in_test = 0;
bool quiet = false;  // set while a test makes checks fail on purpose

void check(bool ok, const std::string& what) {
    if (ok) return;
    ++checks_failed_in_test;
    if (checks_failed_in_test > 5 || quiet) return;
    std::printf("\n    failed: %s", what.c_str());
    std::fflush(stdout);  // stdout is a file (the runner's): a later crash must not lose this
}

// printf's format with up to four numbers, where "%.17g" prints the fewest digits that read
// back as the same double: 0.3, not 0.29999999999999999.
std::string fmt(const char* format, double a, double b = 0, double c = 0, double d = 0) {
    const double numbers[] = {a, b, c, d};
    size_t next = 0;
    std::string out;
    for (const char* f = format; *f;) {
        if (f[0] != '%' || f[1] == '%') {
            out += *f;
            f += f[0] == '%' ? 2 : 1;
            continue;
        }
        const char* end = f + 1;
        while (*end && !std::isalpha(static_cast<unsigned char>(*end))) ++end;
        std::string spec(f, *end ? end + 1 : end);
        double x = next < 4 ? numbers[next++] : 0.0;
        char buf[512];
        std::snprintf(buf, sizeof buf, spec.c_str(), x);
        for (int digits = 15; spec == "%.17g" && digits <= 17; ++digits) {
            std::snprintf(buf, sizeof buf, "%.*g", digits, x);
            if (std::strtod(buf, nullptr) == x) break;
        }
        out += buf;
        f = *end ? end + 1 : end;
    }
    return out;
}

// How far got is from want, relative to want (absolute when want is 0).
double relative_miss(double got, double want) {
    return want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want);
}

// |got - want| <= tol * max(1, |got|, |want|): absolute near zero, relative for large numbers.
// Relative to the larger of 1 and the two magnitudes. An infinity or NaN matches only
// the same infinity (NaN matches nothing), so that inf is never "close" to a number. A
// near miss says how near, which the digits alone hide; `why`, when given, names the
// mistake that gives such a miss. True when it passed.
bool check_close(double got, double want, double tol, const std::string& what,
                 const std::string& why = "") {
    double scale = std::max({1.0, std::fabs(got), std::fabs(want)});
    bool finite = std::isfinite(got) && std::isfinite(want);
    bool ok = finite ? std::fabs(got - want) <= tol * scale : got == want;
    std::string message = what + fmt(": got %.15g, want %.15g", got, want);
    if (!ok && finite && want != 0 && relative_miss(got, want) < 1e-2)
        message += fmt(": off by %.1e relative", relative_miss(got, want));
    check(ok, why.empty() ? message : message + ": " + why);
    return ok;
}

// A mistake a test can recognise: what it makes the checked number, and its name.
struct Mistake {
    double gives;
    const char* name;
};

// The name of the first of `mistakes` that got matches to 1e-9 relative; "" if none does.
std::string mistake_matching(double got, const std::vector<Mistake>& mistakes) {
    for (const Mistake& m : mistakes) {
        if (std::isfinite(m.gives) && relative_miss(got, m.gives) <= 1e-9) return m.name;
    }
    return "";
}

// The mistakes any derivative can have, named from the miss alone: a 0 where there should
// be a slope, the wrong sign, and a near miss, as a finite difference gives (off by 1e-11 to
// 1e-5 relative), which the 1e-12 of the derivative checks is there to catch.
std::string derivative_mistake(double got, double want) {
    if (got == 0 && want != 0) return "0, as a stub leaves it";
    if (want != 0 && relative_miss(got, -want) <= 1e-9) return "the sign is wrong";
    double off = relative_miss(got, want);
    if (off > 1e-13 && off < 1e-5)
        return "close but not exact, as a finite difference is: write the derivative itself, "
               "which is exact but for rounding";
    return "";
}

// ---- Variants: inputs of each student's own ------------------------------------------------
// The grading tests draw some of their inputs from the variant, the environment variable
// NN_VARIANT (a student's ID, any string; unset or empty is the default variant), so that
// two students' expected numbers differ while the code that passes does not. Each test
// seeds nn.cpp's Rng from a 64-bit FNV-1a hash of the ID and a salt naming the test (for
// each byte: xor it in, then multiply by the FNV prime), the same on every compiler.

uint64_t fnv1a(const std::string& bytes) {
    uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a's offset basis
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ull;  // the 64-bit FNV prime
    }
    return hash;
}

std::string variant_id() {
    const char* id = std::getenv("NN_VARIANT");
    return id ? id : "";
}

Rng variant_rng(const std::string& salt) {
    return Rng{fnv1a(variant_id() + '\0' + salt)};
}

double between(Rng& rng, double lo, double hi) {
    return lo + (hi - lo) * rng.uniform();
}

// Between lo and hi in size, of either sign: away from 0, where some derivatives vanish.
double sized(Rng& rng, double lo, double hi) {
    double x = between(rng, lo, hi);
    return rng.uniform() < 0.5 ? -x : x;
}

// ---- Derivatives without finite differences ------------------------------------------------
// The complex step: for f analytic and real on the reals, f(x + ih) = f(x) + ih f'(x) -
// h^2 f''(x) / 2 - ..., so Im f(x + ih) / h is f'(x) to within h^2 f'''(x) / 6: with
// h = 1e-20, exact but for rounding. No two nearly equal numbers are subtracted, as in a
// finite difference, so no digits are lost, and a derivative can be held to 1e-12. f is
// written in the test on complex numbers, from its definition.

using Complex = std::complex<double>;
const double complex_step = 1e-20;

double complex_derivative(const std::function<Complex(Complex)>& f, double x) {
    return f(Complex(x, complex_step)).imag() / complex_step;
}

// d(out)/d(from) by forward-mode differentiation along the graph's edges: each node made
// from `from` on, in creation order, gets d(node)/d(from), the sum over its edges of the
// edge's local derivative times its input's. Another walk than backward's (forward, for
// one input at a time) over the same edges: it needs no backward().
double graph_tangent(Value out, Value from) {
    if (out.id < from.id) return 0.0;
    std::vector<double> tangent(size_t(out.id - from.id) + 1, 0.0);
    tangent[0] = 1.0;
    for (int n = from.id + 1; n <= out.id; ++n) {
        const Node& node = graph.nodes[size_t(n)];
        double sum = 0.0;
        for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
            const Edge& edge = graph.edges[size_t(e)];
            if (edge.input >= from.id)
                sum += tangent[size_t(edge.input - from.id)] * edge.local;
        }
        tangent[size_t(n - from.id)] = sum;
    }
    return tangent.back();
}

// The network's outputs for one point in the plane (nn.cpp's forward takes an example of a
// Dataset by index).
std::vector<Value> forward(const MLP& model, const Point& p) {
    return model({p.x, p.y});
}

// train_step with a loss and an L2 penalty, no dropout.
double step_with(MLP& model, const std::vector<Value>& params, const Dataset& data,
                 const std::vector<int>& batch, Loss loss, double l2, Optimizer& opt) {
    TrainConfig cfg;
    cfg.loss = loss;
    cfg.l2 = l2;
    Rng masks{0};
    return train_step(model, params, data, batch, cfg, opt, masks);
}

// ---- Ops: values against plain doubles, derivatives against finite differences -------------

using GraphFn = Value (*)(Value);
using PlainFn = double (*)(double);

// d f / d x at x by central differences, from forward values only.
double numeric_derivative(GraphFn f, double x, double h = 1e-6) {
    size_t keep = graph.nodes.size();
    double up = f(Value(x + h)).data();
    double down = f(Value(x - h)).data();
    graph_truncate(keep);
    return (up - down) / (2 * h);
}

double graph_derivative(GraphFn f, double x) {
    size_t keep = graph.nodes.size();
    Value v = x;
    f(v).backward();
    double g = v.grad();
    graph_truncate(keep);
    return g;
}

// At each point: f's value equals `plain` (the same function on doubles, written
// independently), and f's derivative from backward equals the finite difference. Finite
// differences of f only compare f with itself: an op that returns 0 everywhere has
// derivative 0 and finite difference 0. So the values are checked too, and a check in
// which every derivative is 0 fails.
void check_op(const char* name, GraphFn f, PlainFn plain, std::initializer_list<double> points,
              double tol = 1e-6) {
    bool any_slope = false;
    for (double x : points) {
        size_t keep = graph.nodes.size();
        check_close(f(Value(x)).data(), plain(x), 1e-12, std::string(name) + fmt(" value at x=%g", x));
        graph_truncate(keep);
        double want = numeric_derivative(f, x), got = graph_derivative(f, x);
        check_close(got, want, tol, std::string(name) + fmt(" derivative at x=%g", x));
        any_slope = any_slope || got != 0 || want != 0;
    }
    check(any_slope, std::string(name) + ": every derivative was 0, so nothing was checked");
}

void test_add_sub_mul_div_values_and_derivatives() {
    auto points = {-2.0, -0.5, 0.0, 0.7, 4.0};
    check_op("x + 3", [](Value x) { return x + 3.0; }, [](double x) { return x + 3; }, points);
    check_op("3 + x", [](Value x) { return 3.0 + x; }, [](double x) { return 3 + x; }, points);
    check_op("x - 3", [](Value x) { return x - 3.0; }, [](double x) { return x - 3; }, points);
    check_op("2 - x", [](Value x) { return 2.0 - x; }, [](double x) { return 2 - x; }, points);
    check_op("x * 3", [](Value x) { return x * 3.0; }, [](double x) { return x * 3; }, points);
    check_op("3 * x", [](Value x) { return 3.0 * x; }, [](double x) { return 3 * x; }, points);
    check_op("x / 4", [](Value x) { return x / 4.0; }, [](double x) { return x / 4; }, points);
    check_op("2 / x", [](Value x) { return 2.0 / x; }, [](double x) { return 2 / x; },
             {-3, -0.5, 0.3, 0.7, 4});
    check_op("-x", [](Value x) { return -x; }, [](double x) { return -x; }, points);
    check_op("x * x * x", [](Value x) { return x * x * x; }, [](double x) { return x * x * x; },
             points);
}

void test_constants_on_the_left_have_the_right_sign() {
    check_close(graph_derivative([](Value x) { return 2.0 - x; }, 5.0), -1.0, 1e-15, "d(2 - x)/dx");
    check_close(graph_derivative([](Value x) { return 2.0 / x; }, 4.0), -0.125, 1e-15,
                "d(2 / x)/dx at 4");
    size_t keep = graph.nodes.size();
    check_close((2.0 - Value(5.0)).data(), -3.0, 0, "value of 2 - 5");
    check_close((2.0 / Value(4.0)).data(), 0.5, 0, "value of 2 / 4");
    graph_truncate(keep);
}

// What an op records on its edges, read straight from the graph without backward, so that
// an op (exercises 7 and 9) can be checked before Value::backward (exercise 13) is written.
// Each local derivative is compared, to 1e-12, with the complex step of the same function
// written on complex numbers.

// The local derivative on the edge from `node` to `input` (summed if there are several);
// NaN if there is none.
double edge_local(Value node, Value input) {
    const Node& n = node.node();
    double local = NAN;
    for (int e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
        if (graph.edges[e].input != input.id) continue;
        local = std::isnan(local) ? graph.edges[e].local : local + graph.edges[e].local;
    }
    return local;
}

using GraphFn2 = Value (*)(Value, Value);
using ComplexFn2 = Complex (*)(Complex, Complex);

// out = f(a, b): its value, one edge to each input, and on each the local derivative, the
// complex step of `plain` (the same function on complex numbers), to 1e-12.
void check_op_edges(const char* name, GraphFn2 f, ComplexFn2 plain,
                    const std::vector<std::pair<double, double>>& points) {
    const double h = complex_step;
    for (auto [a, b] : points) {
        size_t keep = graph.nodes.size();
        Value va = a, vb = b;
        Value out = f(va, vb);
        std::string at = std::string(name) + fmt(" at a=%.17g, b=%.17g", a, b);
        check_close(out.data(), plain(a, b).real(), 1e-12, at + ": value");
        check(out.node().edge_count == 2, at + ": one edge to each input");
        double da = plain(Complex(a, h), b).imag() / h;
        double db = plain(a, Complex(b, h)).imag() / h;
        double got_a = edge_local(out, va), got_b = edge_local(out, vb);
        std::string swapped = da != db && got_a == db && got_b == da
                                  ? "the two edges' local derivatives are swapped: each edge "
                                    "carries the derivative by its own input"
                                  : "";
        check_close(got_a, da, 1e-12, at + ": the local derivative to a",
                    swapped.empty() ? derivative_mistake(got_a, da) : swapped);
        check_close(got_b, db, 1e-12, at + ": the local derivative to b",
                    swapped.empty() ? derivative_mistake(got_b, db) : swapped);
        graph_truncate(keep);
    }
}

// Pairs (a, b) of this variant, each between 0.5 and 4 in size, of either sign: there a
// finite difference misses the local derivatives by 1e-11 or more.
std::vector<std::pair<double, double>> variant_pairs(const std::string& salt) {
    Rng rng = variant_rng(salt);
    std::vector<std::pair<double, double>> pairs;
    for (int k = 0; k < 6; ++k) {
        double a = sized(rng, 0.5, 4.0);
        pairs.push_back({a, sized(rng, 0.5, 4.0)});
    }
    return pairs;
}

void test_add_sub_mul_div_edges_carry_their_local_derivatives_without_backward() {
    std::vector<std::pair<double, double>> points = {
        {-2.0, 0.5}, {0.7, -3.0}, {4.0, 1.25}, {0.0, 2.0}, {-1.5, -0.8}};
    check_op_edges("a + b", [](Value a, Value b) { return a + b; },
                   [](Complex a, Complex b) { return a + b; }, points);
    check_op_edges("a - b", [](Value a, Value b) { return a - b; },
                   [](Complex a, Complex b) { return a - b; }, points);
    check_op_edges("a * b", [](Value a, Value b) { return a * b; },
                   [](Complex a, Complex b) { return a * b; }, points);
    check_op_edges("a / b", [](Value a, Value b) { return a / b; },
                   [](Complex a, Complex b) { return a / b; }, points);
}

void test_add_sub_mul_div_edges_of_a_product_are_exact_at_a_variants_points() {
    check_op_edges("a * b", [](Value a, Value b) { return a * b; },
                   [](Complex a, Complex b) { return a * b; }, variant_pairs("product edges"));
}

void test_add_sub_mul_div_edges_of_a_quotient_are_exact_at_a_variants_points() {
    check_op_edges("a / b", [](Value a, Value b) { return a / b; },
                   [](Complex a, Complex b) { return a / b; }, variant_pairs("quotient edges"));
}

// A double on the left of * or / becomes a leaf (Value(double)), and the op's edge to x
// carries the derivative by the right-hand input: 3 * x and c / x at this variant's x and c.
void test_constants_on_the_left_make_a_leaf_and_an_exact_edge_at_a_variants_points() {
    for (auto [c, x] : variant_pairs("constants on the left")) {
        size_t keep = graph.nodes.size();
        Value vx = x;
        Value product = 3.0 * vx;
        Value quotient = c / vx;
        std::string at = fmt(" at c=%.17g, x=%.17g", c, x);
        check(product.node().edge_count == 2 && quotient.node().edge_count == 2,
              "3 * x and c / x: one edge to the constant's leaf and one to x" + at);
        double product_slope = complex_derivative([](Complex z) { return 3.0 * z; }, x);
        double quotient_slope = complex_derivative([c = c](Complex z) { return c / z; }, x);
        double got = edge_local(product, vx);
        check_close(got, product_slope, 1e-12, "3 * x: the local derivative to x" + at,
                    derivative_mistake(got, product_slope));
        got = edge_local(quotient, vx);
        check_close(got, quotient_slope, 1e-12, "c / x: the local derivative to x" + at,
                    derivative_mistake(got, quotient_slope));
        check_close(quotient.data(), c / x, 1e-12, "c / x: value" + at);
        graph_truncate(keep);
    }
}

// tanh's and sigmoid's edges against the complex step of std::tanh and of 1 / (1 + e^-x) on
// complex numbers. Where tanh saturates (|x| = 30) its slope is 4e-26: 0 to 1e-12.
void check_tanh_edges(const std::vector<double>& points, bool with_sigmoid) {
    for (double x : points) {
        size_t keep = graph.nodes.size();
        Value v = x;
        Value t = tanh(v), s = sigmoid(v);
        check_close(t.data(), std::tanh(x), 1e-12, fmt("tanh value at x=%.17g", x));
        double want = complex_derivative([](Complex z) { return std::tanh(z); }, x);
        double got = edge_local(t, v);
        check_close(got, want, 1e-12,
                    fmt("tanh: the local derivative on its edge at x=%.17g", x),
                    got < 0 || got > 1 ? "tanh's slope lies between 0 and 1"
                                       : derivative_mistake(got, want));
        if (with_sigmoid) {
            auto plain_sigmoid = [](Complex z) { return 1.0 / (1.0 + std::exp(-z)); };
            check_close(s.data(), plain_sigmoid(x).real(), 1e-12,
                        fmt("sigmoid value at x=%g", x));
            check_close(edge_local(s, v), complex_derivative(plain_sigmoid, x), 1e-12,
                        fmt("sigmoid: the local derivative on its edge at x=%g", x));
        }
        graph_truncate(keep);
    }
}

void test_tanh_and_sigmoid_edges_carry_their_local_derivatives_without_backward() {
    check_tanh_edges({-30.0, -3.0, -0.5, 0.0, 0.5, 3.0, 30.0}, true);
}

// Between 0.4 and 2.5 in size, where the slope is large. Near 0 a central difference of
// tanh loses no digits (tanh(-h) is exactly -tanh(h)) and comes within 1e-12; where tanh
// saturates, the slope itself is below 1e-12.
void test_tanh_edges_are_exact_at_a_variants_points() {
    Rng rng = variant_rng("tanh edges");
    std::vector<double> points;
    for (int k = 0; k < 8; ++k) points.push_back(sized(rng, 0.4, 2.5));
    check_tanh_edges(points, false);
}

void test_pow_for_whole_negative_and_fractional_k() {
    check_op("x^2", [](Value x) { return pow(x, 2); }, [](double x) { return x * x; },
             {-3, -0.5, 0, 0.5, 2});
    check_op("x^3", [](Value x) { return pow(x, 3); }, [](double x) { return x * x * x; },
             {-3, -0.5, 0, 0.5, 2});
    check_op("x^-1", [](Value x) { return pow(x, -1); }, [](double x) { return 1 / x; },
             {-3, -0.5, 0.25, 0.5, 2});
    check_op("x^-2", [](Value x) { return pow(x, -2); }, [](double x) { return 1 / (x * x); },
             {-3, -0.5, 0.25, 0.5, 2});
    check_op("x^0.5", [](Value x) { return pow(x, 0.5); }, [](double x) { return std::sqrt(x); },
             {0.01, 0.25, 1, 2, 9});
    check_op("x^1.5", [](Value x) { return pow(x, 1.5); },
             [](double x) { return x * std::sqrt(x); }, {0.01, 0.25, 1, 2, 9});
    check_op("x^-0.5", [](Value x) { return pow(x, -0.5); },
             [](double x) { return 1 / std::sqrt(x); }, {0.01, 0.25, 1, 2, 9}, 1e-5);
}

void test_exp_and_log_values_and_derivatives() {
    check_op("exp", [](Value x) { return exp(x); }, [](double x) { return std::exp(x); },
             {-20, -1, 0, 1, 5, 30});
    check_op("log", [](Value x) { return log(x); }, [](double x) { return std::log(x); },
             {1e-3, 0.1, 1, 2, 100, 1e6});
}

void test_tanh_and_sigmoid_values_and_derivatives_including_saturation() {
    check_op("tanh", [](Value x) { return tanh(x); }, [](double x) { return std::tanh(x); },
             {-30, -3, -0.5, 0, 0.5, 3, 30});
    check_op("sigmoid", [](Value x) { return sigmoid(x); },
             [](double x) { return 1 / (1 + std::exp(-x)); }, {-40, -3, -0.5, 0, 0.5, 3, 40});
}

void test_tanh_and_sigmoid_stay_finite_at_plus_minus_1000() {
    for (double x : {-1000.0, 1000.0}) {
        size_t keep = graph.nodes.size();
        Value a = x, b = x;
        Value t = tanh(a), s = sigmoid(b);
        t.backward();
        s.backward();
        check(std::isfinite(t.data()) && std::isfinite(a.grad()), fmt("tanh finite at %g", x));
        check(std::isfinite(s.data()) && std::isfinite(b.grad()), fmt("sigmoid finite at %g", x));
        check_close(t.data(), x > 0 ? 1 : -1, 0, "tanh saturates to +-1");
        check_close(s.data(), x > 0 ? 1 : 0, 0, "sigmoid saturates to 0 or 1");
        check_close(a.grad(), 0, 0, "tanh's slope is 0 when saturated");
        check_close(b.grad(), 0, 0, "sigmoid's slope is 0 when saturated");
        graph_truncate(keep);
    }
}

void test_tanh_of_and_sigmoid_of_agree_with_the_c_library() {
    double worst_tanh = 0, worst_sigmoid = 0;
    for (int i = -40000; i <= 40000; ++i) {
        double x = i * 1e-3;
        worst_tanh = std::max(worst_tanh, std::fabs(tanh_of(x) - std::tanh(x)));
        worst_sigmoid = std::max(worst_sigmoid, std::fabs(sigmoid_of(x) - 1 / (1 + std::exp(-x))));
    }
    check(worst_tanh <= 5e-16, fmt("tanh_of within 5e-16 of std::tanh, worst %g", worst_tanh));
    check(worst_sigmoid <= 5e-16, fmt("sigmoid_of within 5e-16 of 1/(1+e^-x), worst %g", worst_sigmoid));
    check(std::isnan(tanh_of(NAN)) && std::isnan(sigmoid_of(NAN)), "NaN passes through both");
}

void test_relu_values_and_derivatives_on_both_sides_of_zero() {
    check_op("relu", [](Value x) { return relu(x); }, [](double x) { return x > 0 ? x : 0.0; },
             {-5, -1, -1e-3, 1e-3, 1, 5});
    check_close(graph_derivative([](Value x) { return relu(x); }, 0.0), 0, 0, "relu'(0) = 0");
    size_t keep = graph.nodes.size();
    check(std::isnan(relu(Value(NAN)).data()), "relu(NaN) is NaN, so a diverged run shows");
    graph_truncate(keep);
}

// The check every new op gets (exercise 8) must fail for the two wrong answers a student
// is most likely to write: a stub that returns 0, and the identity.
void test_an_op_check_fails_for_a_stub_and_for_a_wrong_formula() {
    int before = checks_failed_in_test;
    quiet = true;
    auto points = {-5.0, -1.0, 1.0, 5.0};
    PlainFn leaky = [](double x) { return x > 0 ? x : 0.1 * x; };
    check_op("stub", [](Value) { return Value(0.0); }, leaky, points);
    bool stub_caught = checks_failed_in_test > before;
    int after_stub = checks_failed_in_test;
    check_op("identity", [](Value x) { return x; }, leaky, points);
    bool identity_caught = checks_failed_in_test > after_stub;
    checks_failed_in_test = before;  // those failures were the point
    quiet = false;
    check(stub_caught, "check_op fails an op that returns 0");
    check(identity_caught, "check_op fails an op whose values are wrong");
}

void test_mlp_parameters_are_ordered_layer_neuron_weights_then_bias() {
    size_t keep = graph.nodes.size();
    MLP model(2, {3, 1}, Activation::Tanh, 7);
    std::vector<Value> p = model.parameters();
    check(p.size() == 3 * 3 + 4, "13 parameters in a 2-3-1 MLP");
    check(p[0].id == model.layers[0].neurons[0].weights[0].id, "first: layer 0 neuron 0 w0");
    check(p[2].id == model.layers[0].neurons[0].bias.id, "third: layer 0 neuron 0 bias");
    check(p[3].id == model.layers[0].neurons[1].weights[0].id, "fourth: neuron 1 w0");
    check(p[12].id == model.layers[1].neurons[0].bias.id, "last: output bias");
    check(model.layers[1].act == Activation::Linear && model.layers[0].act == Activation::Tanh,
          "only the output layer is linear");
    graph_truncate(keep);
}

// A neuron, tanh(w . x + b), three ways: with the fused weighted_sum node, with
// weighted_sum_literal's chain of + and *, and on plain doubles. The two graphs must agree to
// the last bit (the same sums in the same order), and, so that they cannot agree by being
// wrong the same way, the value must equal the plain one and every gradient the finite
// difference of the plain one.
double plain_neuron(const std::vector<double>& in) {  // in: w0 w1 w2 x0 x1 x2 b
    return std::tanh(in[6] + in[0] * in[3] + in[1] * in[4] + in[2] * in[5]);
}

void test_weighted_sum_node_equals_the_chain_of_adds_and_muls() {
    size_t keep = graph.nodes.size();
    const std::vector<double> in = {0.3, -1.1, 2.0, 1.5, 0.25, -0.75, 0.4};
    std::vector<Value> w = {in[0], in[1], in[2]}, x = {in[3], in[4], in[5]};
    Value b = in[6];
    std::vector<Value> all = {w[0], w[1], w[2], x[0], x[1], x[2], b};
    Value fused = tanh(weighted_sum(w, x, b));
    fused.backward();
    std::vector<double> fused_grads;
    for (Value v : all) fused_grads.push_back(v.grad());
    for (Value v : all) v.grad() = 0;
    Value chain = tanh(weighted_sum_literal(w, x, b));
    chain.backward();
    check_close(fused.data(), plain_neuron(in), 1e-15, "the fused node's value, against doubles");
    check_close(chain.data(), fused.data(), 0, "the chain's value, against the fused node's");
    const char* names[] = {"w0", "w1", "w2", "x0", "x1", "x2", "b"};
    for (size_t k = 0; k < all.size(); ++k) {
        std::vector<double> up = in, down = in;
        up[k] += 1e-6;
        down[k] -= 1e-6;
        double numeric = (plain_neuron(up) - plain_neuron(down)) / 2e-6;
        std::string name = names[k];
        check_close(fused_grads[k], numeric, 1e-6, "fused: d/d" + name + ", finite difference");
        check_close(all[k].grad(), fused_grads[k], 0, "chain: d/d" + name + ", as fused");
    }
    graph_truncate(keep);
}

// Builds one point's graph through the network and the softmax cross-entropy on top;
// returns how many nodes and edges that added. The first layer reads the point as data
// (weighted_sum's data form); the neurons after it are made either as one weighted_sum
// node or as weighted_sum_literal's chain b + w0*x0 + w1*x1 + ... (exercise 26's swap).
std::pair<size_t, size_t> graph_size_of_one_point(const MLP& model, bool fused) {
    size_t nodes = graph.nodes.size(), edges = graph.edges.size();
    const std::vector<double> data = {0.3, -0.2};
    std::vector<Value> x;
    for (const Neuron& n : model.layers[0].neurons)
        x.push_back(activate(weighted_sum(n.weights, data, n.bias), model.layers[0].act));
    for (size_t l = 1; l < model.layers.size(); ++l) {
        const Layer& layer = model.layers[l];
        std::vector<Value> out;
        for (const Neuron& n : layer.neurons) {
            Value s = fused ? weighted_sum(n.weights, x, n.bias)
                            : weighted_sum_literal(n.weights, x, n.bias);
            out.push_back(activate(s, layer.act));
        }
        x = out;
    }
    softmax_cross_entropy(x, 0);
    std::pair<size_t, size_t> added = {graph.nodes.size() - nodes, graph.edges.size() - edges};
    graph_truncate(nodes);
    return added;
}

// The counts of exercises 2 and 26, worked out by hand from section 5's counts for one
// neuron and from the ops section 7's loss is made of. A neuron with n inputs: 1 node and
// 2n + 1 edges fused, 2n nodes and 4n edges as a chain; reading data, 1 node and n + 1
// edges, and the data makes no node; an activation: 1 node, 1 edge. Softmax cross-entropy
// over K logits: 4K + 5 nodes and 5K + 5 edges (m is a leaf in each of its K + 1 uses).
void test_a_2_16_16_3_network_makes_84_nodes_and_727_edges_a_point() {
    size_t keep = graph.nodes.size();
    MLP model(2, {16, 16, 3}, Activation::Tanh);
    size_t fused_nodes = 16 * 2 + 16 * 2 + 3 + (4 * 3 + 5);
    size_t fused_edges = 16 * (3 + 1) + 16 * (33 + 1) + 3 * 33 + (5 * 3 + 5);
    size_t chain_nodes = 16 * 2 + 16 * (32 + 1) + 3 * 32 + (4 * 3 + 5);
    size_t chain_edges = 16 * (3 + 1) + 16 * (64 + 1) + 3 * 64 + (5 * 3 + 5);
    check(fused_nodes == 84 && fused_edges == 727 && chain_nodes == 673 && chain_edges == 1316,
          "the hand counts are 84, 727, 673 and 1316");
    auto fused = graph_size_of_one_point(model, true), chain = graph_size_of_one_point(model, false);
    check(fused.first == fused_nodes, fmt("fused: %g nodes, want %g", fused.first, fused_nodes));
    check(fused.second == fused_edges, fmt("fused: %g edges, want %g", fused.second, fused_edges));
    check(chain.first == chain_nodes, fmt("chain: %g nodes, want %g", chain.first, chain_nodes));
    check(chain.second == chain_edges, fmt("chain: %g edges, want %g", chain.second, chain_edges));
    size_t before = graph.nodes.size(), before_edges = graph.edges.size();
    point_loss(model({0.3, -0.2}), 0, Loss::SoftmaxCrossEntropy);
    check(graph.nodes.size() - before == fused_nodes,
          fmt("forward + point_loss (the network's own forward) make %g nodes, want %g",
              graph.nodes.size() - before, fused_nodes));
    check(graph.edges.size() - before_edges == fused_edges,
          fmt("forward + point_loss (the network's own forward) make %g edges, want %g",
              graph.edges.size() - before_edges, fused_edges));
    graph_truncate(keep);
}

// Data is not a parameter: a neuron reading plain numbers makes its one node with edges to
// the weights and the bias only, no leaf for the inputs, and its weights' and bias's
// gradients are the finite differences of the same neuron on plain doubles.
void test_data_inputs_make_no_nodes_or_edges_and_the_weights_grads_match_finite_differences() {
    size_t keep = graph.nodes.size();
    const std::vector<double> in = {0.3, -1.1, 2.0, 1.5, 0.25, -0.75, 0.4};
    std::vector<Value> w = {in[0], in[1], in[2]};
    Value b = in[6];
    const std::vector<double> x = {in[3], in[4], in[5]};
    size_t nodes = graph.nodes.size(), edges = graph.edges.size();
    Value out = tanh(weighted_sum(w, x, b));
    check(graph.nodes.size() - nodes == 2, fmt("made %g nodes, want 2: the sum and tanh", graph.nodes.size() - nodes));
    check(graph.edges.size() - edges == 3 + 1 + 1,
          fmt("made %g edges, want 5: 3 weights and the bias, then tanh's", graph.edges.size() - edges));
    const Node& sum = graph.nodes[size_t(out.id) - 1];
    for (int e = sum.first_edge; e < sum.first_edge + sum.edge_count; ++e) {
        int input = graph.edges[size_t(e)].input;
        bool is_parameter = input == b.id || input == w[0].id || input == w[1].id || input == w[2].id;
        check(is_parameter, fmt("the sum has an edge to node %g, which is not a weight or the bias", input));
    }
    check_close(out.data(), plain_neuron(in), 1e-15, "the value, against doubles");
    out.backward();
    const size_t parameters[] = {0, 1, 2, 6};  // w0 w1 w2 b in `in`
    const Value values[] = {w[0], w[1], w[2], b};
    const char* names[] = {"w0", "w1", "w2", "b"};
    for (size_t k = 0; k < 4; ++k) {
        std::vector<double> up = in, down = in;
        up[parameters[k]] += 1e-6;
        down[parameters[k]] -= 1e-6;
        double numeric = (plain_neuron(up) - plain_neuron(down)) / 2e-6;
        check_close(values[k].grad(), numeric, 1e-6, std::string("d/d") + names[k] + ", finite difference");
    }
    graph_truncate(keep);
}

// ---- The graph: reuse, diamonds, long chains, repeated backward ----------------------------

void test_x_plus_x_and_x_times_x_accumulate_over_both_edges() {
    check_close(graph_derivative([](Value x) { return x + x; }, 3.0), 2.0, 0, "d(x+x)/dx = 2");
    check_close(graph_derivative([](Value x) { return x * x; }, 3.0), 6.0, 0, "d(x*x)/dx = 2x");
}

void test_x_times_x_equals_pow_x_2() {
    for (double x : {-2.5, -1.0, 0.0, 0.3, 7.0}) {
        double a = graph_derivative([](Value v) { return v * v; }, x);
        double b = graph_derivative([](Value v) { return pow(v, 2); }, x);
        check_close(a, b, 1e-15, fmt("x*x against pow(x, 2) at %g", x));
    }
}

Value diamond(Value a) {
    // a -> b = a^2, a -> c = 3a, d = b * c = 3a^3, so dd/da = 9a^2.
    Value b = a * a;
    Value c = 3.0 * a;
    return b * c;
}

void test_diamond_sums_both_paths() {
    check_close(graph_derivative(diamond, 2.0), 36.0, 1e-15, "d(3a^3)/da = 9a^2 = 36 at a = 2");
    check_op("diamond", diamond, [](double a) { return 3 * a * a * a; }, {-2, -0.5, 0.5, 1, 3});
}

void test_backward_twice_doubles_leaf_grads_and_zeroing_restores_them() {
    size_t keep = graph.nodes.size();
    Value x = 0.7, w = -1.3;
    Value h = x * w;
    Value y = h + tanh(h);
    y.backward();
    double gx = x.grad(), gw = w.grad(), gh = h.grad();
    y.backward();
    check_close(x.grad(), 2 * gx, 1e-15, "x.grad doubles");
    check_close(w.grad(), 2 * gw, 1e-15, "w.grad doubles");
    check_close(h.grad(), gh, 1e-15, "a computed node's grad is recomputed, not doubled");
    x.grad() = 0;
    w.grad() = 0;
    y.backward();
    check_close(x.grad(), gx, 1e-15, "x.grad after zeroing");
    Value leaf = 3.0;
    leaf.backward();
    leaf.backward();
    check_close(leaf.grad(), 2.0, 0, "backward on a leaf twice: d(leaf)/d(leaf) accumulates to 2");
    check_close(w.grad(), gw, 1e-15, "w.grad after zeroing");
    check_close(gx, -1.9239587537693354, 1e-15, "dy/dx by hand");
    graph_truncate(keep);
}

// Value::backward (exercise 13) on graphs built without * or / (exercise 7 may be unwritten)
// or tanh (exercise 9): from +, -, exp, pow, sigmoid and weighted_sum. The expected grads are
// worked by hand, or come from graph_tangent, forward-mode along the same edges.

// f = e^a + a and y = f^2 + f at a = 0.5: f's grad must have both of y's shares before f
// passes it on to e^a and to a (the figures are worked by hand).
void test_backward_without_mul_sums_every_use_in_reverse_order_as_worked_by_hand() {
    size_t keep = graph.nodes.size();
    Value a = 0.5;
    Value f = exp(a) + a;
    Value y = pow(f, 2) + f;
    y.backward();
    check_close(f.grad(), 5.2974425414002563, 1e-14, "dy/df: the sum of f's two uses");
    check_close(a.grad(), 14.031448739718603, 1e-14,
                "dy/da: both paths, each passed on once complete");
    y.backward();
    check_close(a.grad(), 28.062897479437206, 1e-14, "a second backward doubles a leaf's grad");
    check_close(f.grad(), 5.2974425414002563, 1e-14, "and recomputes a computed node's grad");
    Value p = 2.0;  // a leaf made after computed nodes: r = p^3 - f
    Value r = pow(p, 3) - f;
    a.grad() = 0;
    r.backward();
    r.backward();
    check_close(p.grad(), 24.0, 1e-14, "a late leaf accumulates too: dr/dp, twice");
    check_close(a.grad(), -5.2974425414002563, 1e-14, "dr/da, twice");
    Value leaf = 3.0;
    leaf.backward();
    leaf.backward();
    check_close(leaf.grad(), 2.0, 0, "backward on a leaf twice: 1 added each time");
    graph_truncate(keep);
}

std::string node_name(int id) {
    return "node " + std::to_string(id) + " (" + graph.nodes[size_t(id)].op + ")";
}

// d(out)/d(node) for every node from `first` to out, by graph_tangent.
std::vector<double> tangents_to(Value out, int first) {
    std::vector<double> want;
    Value node = out;
    for (node.id = first; node.id <= out.id; ++node.id)
        want.push_back(graph_tangent(out, node));
    return want;
}

// Why node n's grad is got when its users (the nodes with edges to it, up to `out`) hold
// their right grads, want[user - first]: each passes n a share, its grad times the edge's
// local derivative, and n's grad is their sum. "" when got is that sum.
std::string sum_of_shares_mistake(int n, int first, int out, double got,
                                  const std::vector<double>& want) {
    std::vector<double> shares;
    for (int u = n + 1; u <= out; ++u) {
        const Node& user = graph.nodes[size_t(u)];
        for (int e = user.first_edge; e < user.first_edge + user.edge_count; ++e) {
            if (graph.edges[size_t(e)].input == n)
                shares.push_back(want[size_t(u - first)] * graph.edges[size_t(e)].local);
        }
    }
    if (relative_miss(got, want[size_t(n - first)]) <= 1e-12) return "";
    for (double share : shares) {
        if (shares.size() > 1 && relative_miss(got, share) <= 1e-12)
            return node_name(n) + fmt(" is used %g times, and its grad is one use's share: "
                                      "add each share to it (+=), do not set it (=)",
                                      shares.size());
    }
    if (got == 0 && !shares.empty())
        return node_name(n) +
               " got nothing, though the nodes that use it have their right "
               "grads: walk from this node back to node 0, each node passing its "
               "grad on once it is complete";
    return node_name(n) + " is not the sum of its users' shares, though they have their right "
                          "grads: walk from this node back to node 0 (newest first), so that "
                          "each node passes its grad on once all its users have";
}

// After out.backward(): every node from `first` to out against the tangents, the first
// wrong one from the output named with its mistake.
void check_backward_grads(const std::string& what, Value out, int first,
                          const std::string& own = "") {
    std::vector<double> want = tangents_to(out, first);
    for (int n = out.id; n >= first; --n) {
        double got = graph.nodes[size_t(n)].grad;
        std::string why = n != out.id ? sum_of_shares_mistake(n, first, out.id, got, want)
                          : own.empty() ? "the node backward was called on must end with grad 1"
                                        : own;
        if (!check_close(got, want[size_t(n - first)], 1e-12, what + ": " + node_name(n), why))
            break;  // the nodes below it go wrong with it
    }
}

// A graph of this variant, made of leaves and then `computed` nodes, each from nodes made
// before it by +, -, exp, pow, sigmoid or a weighted sum of three, so that many are used
// more than once (one by the same node twice: x + x); values stay below about 10.
std::vector<Value> graph_without_mul(Rng& rng, int leaves, int computed) {
    std::vector<Value> made;
    for (int k = 0; k < leaves; ++k) made.push_back(sized(rng, 0.2, 1.2));
    made.push_back(made[0] + made[0]);
    for (int k = 0; k < computed; ++k) {
        auto pick = [&]() { return made[size_t(rng.below(int(made.size())))]; };
        Value x = pick(), y = pick();
        bool small = std::fabs(x.data()) < 1.5;
        switch (rng.below(5)) {
        case 0: made.push_back(x + y); break;
        case 1: made.push_back(x - y); break;
        case 2: made.push_back(small ? exp(x) : sigmoid(x)); break;
        case 3: made.push_back(small ? pow(x, 3) : sigmoid(x)); break;
        case 4: {
            std::vector<Value> w = {x, y, pick()};
            std::vector<double> c = {sized(rng, 0.3, 1), sized(rng, 0.3, 1),
                                     sized(rng, 0.3, 1)};
            made.push_back(sigmoid(weighted_sum(w, c, pick())));
            break;
        }
        }
    }
    return made;
}

// Sums over every use, in reverse order, on a graph of this variant: out is a weighted sum
// of the graph's last five nodes and one more, picked at random.
void test_backward_without_mul_matches_forward_tangents_on_a_variants_graph() {
    size_t keep = graph.nodes.size();
    Rng rng = variant_rng("backward on a graph without *");
    std::vector<Value> made = graph_without_mul(rng, 4, 24);
    std::vector<Value> last(made.end() - 5, made.end());
    std::vector<double> c;
    for (int k = 0; k < 5; ++k) c.push_back(sized(rng, 0.3, 1.0));
    Value out = weighted_sum(last, c, made[size_t(rng.below(int(made.size())))]);
    out.backward();
    check_backward_grads("on a graph without *", out, made[0].id);
    graph_truncate(keep);
}

// backward() on a node with nodes made after it, which hold grads of an earlier backward:
// the walk starts at this node, not at the graph's last one, and the later nodes keep their
// grads. The graph starts after other nodes, not at node 0.
void test_backward_starts_at_its_own_node_and_leaves_later_nodes_alone() {
    size_t keep = graph.nodes.size();
    Rng rng = variant_rng("backward from its own node");
    Value before = exp(Value(0.3)) + 1.0;  // other nodes first
    before.backward();
    Value a = sized(rng, 0.2, 1.2), b = sized(rng, 0.2, 1.2);
    Value f = exp(a) - b;
    Value out = pow(f, 2) + f + a;
    Value later = exp(out) - b;  // made after out, from it
    Value newest = pow(later, 2) + out;
    newest.backward();  // every node gets a grad, later ones included
    std::vector<double> stale;
    for (int n = out.id; n <= newest.id; ++n) stale.push_back(graph.nodes[size_t(n)].grad);
    a.grad() = 0;  // leaves add up: start them again
    b.grad() = 0;
    out.backward();
    for (int n = out.id + 1; n <= newest.id; ++n) {
        double got = graph.nodes[size_t(n)].grad, had = stale[size_t(n - out.id)];
        if (got == had) continue;
        check(false,
              node_name(n) + fmt(", made after the node backward was called on, had "
                                 "grad %.17g and now has %.17g: walk from this node back, "
                                 "and leave the nodes made after it as they are (they are "
                                 "no part of its graph)",
                                 had, got));
        break;
    }
    std::string own = mistake_matching(
        out.grad(), {{1 + stale[0],
                      "it kept the grad an earlier backward gave it: the node "
                      "backward is called on is computed too, so it starts from 0"}});
    check_backward_grads("from its own node", out, a.id, own);
    graph_truncate(keep);
}

// backward() twice: computed nodes start again from 0 (the one it is called on too), leaves
// (those made first, and one made after computed nodes) add the second call's grads to the
// first's, and a leaf's own backward adds 1 each time.
void test_backward_twice_accumulates_leaves_and_restarts_computed_nodes_without_mul() {
    size_t keep = graph.nodes.size();
    Rng rng = variant_rng("backward twice");
    Value a = sized(rng, 0.2, 1.2), b = sized(rng, 0.2, 1.2);
    Value f = exp(a) - b + a;
    Value y = pow(f, 2) + f;
    Value p = sized(rng, 0.5, 1.5);  // a leaf made after computed nodes
    Value r = y - pow(p, 3) + f;
    r.backward();
    r.backward();
    std::vector<double> once = tangents_to(r, a.id);
    bool computed_right = true;
    for (int n = r.id; n > a.id && computed_right; --n) {
        if (graph.nodes[size_t(n)].edge_count == 0) continue;
        double got = graph.nodes[size_t(n)].grad, want = once[size_t(n - a.id)];
        std::string why = relative_miss(got, 2 * want) <= 1e-12
                              ? "a computed node kept the first call's grad: each call starts "
                                "every computed node up to this one from 0, this one too"
                          : n == r.id ? "the node backward was called on must end with grad 1"
                                      : sum_of_shares_mistake(n, a.id, r.id, got, once);
        computed_right = check_close(got, want, 1e-12,
                                     node_name(n) + "'s grad after two calls: one call's", why);
    }
    const Value leaves[] = {a, b, p};
    const char* names[] = {"a", "b", "p (made after computed nodes)"};
    bool kept = true;
    for (size_t k = 0; k < 3; ++k) {
        double one = graph_tangent(r, leaves[k]), got = leaves[k].grad();
        kept = kept && relative_miss(got, one) <= 1e-12;
        const char* zeroed =
            leaves[k].id == p.id
                ? "it was zeroed: a leaf, a node without edges, keeps its grad between calls "
                  "and adds the new one, wherever it was made"
                : "it was zeroed: a leaf keeps its grad between calls and adds the new one "
                  "(as in PyTorch); zero only the computed nodes";
        std::string why = computed_right ? mistake_matching(got, {{one, zeroed}}) : "";
        std::string what = std::string("leaf ") + names[k] + "'s grad after two calls";
        check_close(got, 2 * one, 1e-12, what + ": twice one call's", why);
    }
    Value leaf = sized(rng, 0.5, 1.5);
    leaf.backward();
    leaf.backward();
    std::string seeded = kept ? "it was zeroed like the other leaves"
                              : "it was set to 1 (=) where 1 must be added (+=)";
    check_close(leaf.grad(), 2.0, 0, "a leaf's own grad after backward() on it twice", seeded);
    graph_truncate(keep);
}

// A chain of 2 million nodes, z = -z and z + 1 in turn, in a process of its own: a walk by
// recursion needs a stack frame a node and overflows the stack (SIGSEGV), which is named
// here rather than ending the test. The child sends back x's grad.
void test_backward_through_2_million_nodes_without_mul_needs_no_recursion() {
    int result[2];
    check(pipe(result) == 0, "a pipe for the chain's process");
    std::fflush(nullptr);
    pid_t child = fork();
    if (child == 0) {
        close(result[0]);
        if (const char* limit = std::getenv("TEST_TIME_LIMIT"))
            alarm(unsigned(std::atoi(limit)));
        Value x = 1.0;
        Value z = x;
        for (int i = 0; i < 2000000; ++i) z = (i % 2 == 0) ? -z : z + 1.0;
        z.backward();
        double grad = x.grad();
        (void)!write(result[1], &grad, sizeof grad);
        std::exit(0);
    }
    close(result[1]);
    int status = 0;
    waitpid(child, &status, 0);
    double grad = NAN;
    bool sent = ::read(result[0], &grad, sizeof grad) == ssize_t(sizeof grad);
    close(result[0]);
    if (!sent && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
        check(false, "backward crashed (SIGSEGV) on a chain of 2 million nodes, as a walk by "
                     "recursion does when the stack overflows: walk the nodes in a loop");
        return;
    }
    check(sent, fmt("backward on a chain of 2 million nodes did not end (its process ended "
                    "with status %g, signal %g)", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                    WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    if (sent)
        check_close(grad, 1.0, 0, "d(chain)/dx through 2 million nodes: the signs cancel");
}

// A leaf can be made after computed nodes (a constant, an input): it must accumulate like
// the leaves made first, so backward must not zero it.
void test_a_leaf_made_after_computed_nodes_accumulates_too() {
    size_t keep = graph.nodes.size();
    Value a = 1.5;
    Value y = a * a;  // a computed node
    Value p = 2.0;    // a leaf made after it
    Value r = y * p;
    r.backward();
    check_close(p.grad(), 2.25, 1e-15, "dr/dp = a^2 after one backward");
    check_close(a.grad(), 6.0, 1e-15, "dr/da = 2 a p after one backward");
    r.backward();
    check_close(p.grad(), 4.5, 1e-15, "p's grad doubles after a second backward");
    check_close(a.grad(), 12.0, 1e-15, "a's grad doubles after a second backward");
    graph_truncate(keep);
}

// ---- Networks ------------------------------------------------------------------------------

// Mean and standard deviation of every weight of one layer.
std::pair<double, double> weight_stats(const Layer& layer) {
    double sum = 0, squares = 0, n = 0;
    for (const Neuron& neuron : layer.neurons) {
        for (Value w : neuron.weights) sum += w.data(), squares += w.data() * w.data(), ++n;
    }
    double mean = sum / n;
    return {mean, std::sqrt(squares / n - mean * mean)};
}

// Section 5: normal weights with standard deviation gain / sqrt(fan_in), gain 1 for tanh
// and sqrt(2) for relu; biases 0. With n weights the sample's mean and standard deviation
// are off by about std/sqrt(n) and std/sqrt(2n): the tolerances are 4 of those.
void test_initial_weights_have_mean_0_and_std_gain_over_sqrt_fan_in() {
    for (Activation act : {Activation::Tanh, Activation::ReLU}) {
        size_t keep = graph.nodes.size();
        MLP model(2, {300, 300, 3}, act, 5);
        double gain = act == Activation::ReLU ? std::sqrt(2.0) : 1.0;
        int fan_in[] = {2, 300, 300};
        for (int l = 0; l < 3; ++l) {
            auto [mean, std_dev] = weight_stats(model.layers[size_t(l)]);
            double want = gain / std::sqrt(double(fan_in[l]));
            double n = double(fan_in[l]) * double(model.layers[size_t(l)].neurons.size());
            std::string what = std::string(activation_name(act)) + fmt(" layer %g", l);
            check(std::fabs(mean) < 4 * want / std::sqrt(n), what + fmt(": mean %g, want 0", mean));
            check(std::fabs(std_dev - want) < 4 * want / std::sqrt(2 * n),
                  what + fmt(": std %g, want %g", std_dev, want));
            for (const Neuron& neuron : model.layers[size_t(l)].neurons)
                check(neuron.bias.data() == 0, what + ": every bias starts at 0");
        }
        const Neuron& a = model.layers[1].neurons[0];
        const Neuron& b = model.layers[1].neurons[1];
        check(a.weights[0].data() != b.weights[0].data() && a.weights[0].data() != a.weights[1].data(),
              "weights differ from each other");
        graph_truncate(keep);
    }
}

double mean_loss(const MLP& model, const Dataset& data) {
    size_t keep = graph.nodes.size();
    double total = 0;
    for (const Point& p : data.points())
        total += point_loss(forward(model, p), p.label, Loss::SoftmaxCrossEntropy).data();
    graph_truncate(keep);
    return total / double(data.size());
}

// Which layer, neuron and parameter the k-th entry of MLP::parameters() is.
std::string parameter_name(const MLP& model, size_t k) {
    for (size_t l = 0; l < model.layers.size(); ++l) {
        for (size_t j = 0; j < model.layers[l].neurons.size(); ++j) {
            size_t n = model.layers[l].neurons[j].weights.size() + 1;
            if (k < n) {
                std::string param = k + 1 == n ? "bias" : "weight " + std::to_string(k);
                return "layer " + std::to_string(l) + " neuron " + std::to_string(j) + " " + param;
            }
            k -= n;
        }
    }
    return "?";
}

void test_mlp_parameter_gradients_match_finite_differences() {
    Dataset data = spiral(4, 3, 0.2, 3);
    for (Activation act : {Activation::Tanh, Activation::Sigmoid, Activation::ReLU}) {
        size_t keep = graph.nodes.size();
        MLP model(2, {5, 4, 3}, act, 11);
        std::vector<Value> params = model.parameters();
        size_t after_model = graph.nodes.size();
        Value total = 0.0;
        for (const Point& p : data.points())
            total = total + point_loss(forward(model, p), p.label, Loss::SoftmaxCrossEntropy);
        (total / double(data.size())).backward();
        std::vector<double> grads;
        for (Value p : params) grads.push_back(p.grad());
        graph_truncate(after_model);
        for (size_t i = 0; i < params.size(); ++i) {
            double w = params[i].data(), h = 1e-6;
            params[i].data() = w + h;
            double up = mean_loss(model, data);
            params[i].data() = w - h;
            double down = mean_loss(model, data);
            params[i].data() = w;
            check_close(grads[i], (up - down) / (2 * h), 1e-6,
                        std::string(activation_name(act)) + " " + parameter_name(model, i));
        }
        graph_truncate(keep);
    }
}

// Biases start at 0, where a wrong use of the bias in a gradient could go unseen: the
// gradient tests give them random values first.
void randomise_biases(MLP& model, uint64_t seed) {
    Rng rng{seed};
    for (Layer& layer : model.layers) {
        for (Neuron& n : layer.neurons) n.bias.data() = 0.5 * rng.gaussian();
    }
}

void test_graph_gradients_equal_hand_written_backprop_to_1e_12() {
    Dataset data = spiral(10, 3, 0.2, 5);
    for (Activation act : {Activation::Tanh, Activation::Sigmoid, Activation::ReLU}) {
        size_t keep = graph.nodes.size();
        MLP model(2, {16, 16, 3}, act, 4);
        randomise_biases(model, 8);
        DenseMLP net = dense_copy(model);
        std::vector<Value> params = model.parameters();
        for (const Point& p : data.points()) {
            size_t before = graph.nodes.size();
            model.zero_grad();
            std::vector<Value> logits = forward(model, p);
            Value loss = softmax_cross_entropy(logits, p.label);
            loss.backward();
            // First the loss and g = d(loss)/d(logits), against the graph's: dense_backward
            // starts from g, and is not to be blamed for it.
            std::vector<double> g;
            double hand_loss =
                dense_softmax_cross_entropy(dense_forward(net, {p.x, p.y}), p.label, g);
            int failed_before = checks_failed_in_test;
            check_close(hand_loss, loss.data(), 1e-12,
                        "dense_softmax_cross_entropy's loss (got) against the graph's (want)");
            check(g.size() == logits.size(),
                  fmt("dense_softmax_cross_entropy left g with %g entries, want %g, one per logit",
                      g.size(), logits.size()));
            for (size_t k = 0; k < g.size() && k < logits.size(); ++k)
                check_close(g[k], logits[k].grad(), 1e-12,
                            fmt("dense_softmax_cross_entropy's g[%g] (got) against the graph's "
                                "d(loss)/dz[%g] (want)", k, k));
            if (checks_failed_in_test > failed_before) {
                graph_truncate(before);
                continue;
            }
            dense_zero_grad(net);
            dense_backward(net, g);
            size_t k = 0;  // params are ordered layer, neuron, weights then bias
            for (size_t l = 0; l < net.layers.size(); ++l) {
                const DenseLayer& L = net.layers[l];
                std::string where = std::string(activation_name(act)) + " layer " +
                                    std::to_string(l) + " (" + activation_name(L.act) + ")";
                for (int j = 0; j < L.n_out; ++j) {
                    std::string neuron = where + " neuron " + std::to_string(j);
                    for (int i = 0; i < L.n_in; ++i) {
                        check_close(L.grad_w[j * L.n_in + i], params[k++].grad(), 1e-12,
                                    neuron + " weight " + std::to_string(i) +
                                        ": dense_backward's (got) against the graph's (want); either may be wrong");
                    }
                    check_close(L.grad_b[j], params[k++].grad(), 1e-12,
                                neuron + " bias: dense_backward's (got) against the graph's (want); either may be wrong");
                }
            }
            graph_truncate(before);
        }
        graph_truncate(keep);
    }
}

// An activation on complex numbers, from its definition, for the complex step.
Complex complex_activate(Complex z, Activation act) {
    switch (act) {
    case Activation::Tanh: return std::tanh(z);
    case Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-z));
    case Activation::ReLU: return z.real() > 0 ? z : Complex(0.0);
    case Activation::Linear: return z;
    }
    return z;
}

// Section 8's slopes, from the output alone, against the complex step of the activation
// itself, so that the tanh case (exercise 9) is checked apart from the rest of section 8.
// A slope taken at out as if it were z is named: dense_slope is given out = act(z).
void check_slopes(Activation act, const std::vector<double>& points) {
    auto activation = [act](Complex u) { return complex_activate(u, act); };
    for (double z : points) {
        double out = dense_activate(z, act);
        double want = complex_derivative(activation, z), got = dense_slope(out, act);
        std::string why = mistake_matching(
            got,
            {{complex_derivative(activation, out),
              "the slope at z = out: dense_slope is given the output, out = act(z), not z; "
              "write the slope with out"}});
        check_close(got, want, 1e-12,
                    activation_name(act) + fmt(": dense_slope at z=%.17g (out=%.17g)", z, out),
                    why.empty() ? derivative_mistake(got, want) : why);
    }
}

void test_hand_written_slopes_match_complex_step_derivatives_of_the_activations() {
    for (Activation act : {Activation::Tanh, Activation::Sigmoid, Activation::ReLU})
        check_slopes(act, {-4.0, -1.0, -0.3, 0.2, 0.9, 3.0});
}

void test_hand_written_tanh_slope_is_exact_at_a_variants_points() {
    Rng rng = variant_rng("tanh slope");
    std::vector<double> points;
    for (int k = 0; k < 8; ++k) points.push_back(sized(rng, 0.4, 2.5));
    check_slopes(Activation::Tanh, points);
}

// Section 8's loops on their own (exercise 19), apart from exercise 12 and from the graph:
// dense_backward's gradients for a loss made linear in the outputs, loss = sum_j c[j]
// out[j], so that g = d(loss)/d(outputs) = c, against the complex step of a forward pass
// written here on complex numbers.

// Where the complex step goes: parameter k of layer l (its weights in w's order, then its
// biases) or, for `output`, the output of unit k of layer l.
struct Probe {
    size_t layer, k;
    bool output;
};

// The loss sum_j c[j] y[j] of net on x, on complex numbers, with ih added at `probe`. y is
// the network's outputs; or, for `stop` a layer, that layer's sums, its activation left out
// (what a mistake computes: see dense_mistake).
Complex complex_dense_loss(const DenseMLP& net, const std::vector<double>& x,
                           const std::vector<double>& c, Probe probe, size_t stop) {
    const Complex ih(0.0, complex_step);
    std::vector<Complex> in(x.begin(), x.end());
    for (size_t l = 0; l < net.layers.size() && l <= stop; ++l) {
        const DenseLayer& L = net.layers[l];
        bool here = probe.layer == l;
        std::vector<Complex> out;
        for (size_t j = 0; j < size_t(L.n_out); ++j) {
            bool bias = here && !probe.output && probe.k == L.w.size() + j;
            Complex z = L.b[j] + (bias ? ih : 0.0);
            for (size_t i = 0; i < size_t(L.n_in); ++i) {
                size_t k = j * size_t(L.n_in) + i;
                z += (L.w[k] + (here && !probe.output && probe.k == k ? ih : 0.0)) * in[i];
            }
            out.push_back(l == stop ? z : complex_activate(z, L.act));
            if (here && probe.output && probe.k == j) out.back() += ih;
        }
        in = out;
    }
    Complex weighed = 0.0;
    for (size_t j = 0; j < c.size(); ++j) weighed += c[j] * in[j];
    return weighed;
}

// d(loss)/d(each weight, bias and unit output) of one layer.
struct LayerGradients {
    std::vector<double> w, b, out;
};

// Every layer's, by the complex step of complex_dense_loss, the same way up to `stop`.
std::vector<LayerGradients> complex_step_gradients(const DenseMLP& net,
                                                   const std::vector<double>& x,
                                                   const std::vector<double>& c,
                                                   size_t stop = SIZE_MAX) {
    std::vector<LayerGradients> grads;
    for (size_t l = 0; l < net.layers.size() && l <= stop; ++l) {
        const DenseLayer& L = net.layers[l];
        LayerGradients d;
        for (size_t k = 0; k < L.w.size() + L.b.size(); ++k) {
            double slope =
                complex_dense_loss(net, x, c, {l, k, false}, stop).imag() / complex_step;
            (k < L.w.size() ? d.w : d.b).push_back(slope);
        }
        for (size_t j = 0; j < size_t(L.n_out); ++j)
            d.out.push_back(complex_dense_loss(net, x, c, {l, j, true}, stop).imag() /
                            complex_step);
        grads.push_back(d);
    }
    return grads;
}

bool all_match(const std::vector<double>& got, const std::vector<double>& want) {
    for (size_t k = 0; k < got.size() && k < want.size(); ++k) {
        if (std::fabs(got[k] - want[k]) > 1e-12 * std::max({1.0, std::fabs(want[k])}))
            return false;
    }
    return got.size() == want.size();
}

// What is wrong with layer l, the first wrong one from the output, whose grads are got's
// and should be want's, named from what the usual mistakes give.
std::string dense_mistake(const DenseMLP& net, const std::vector<double>& x,
                          const std::vector<LayerGradients>& want, size_t l,
                          const std::vector<double>& got_w, const std::vector<double>& got_b) {
    const DenseLayer& L = net.layers[l];
    bool last = l + 1 == net.layers.size();
    auto zero = [](double g) { return g == 0; };
    if (std::all_of(got_w.begin(), got_w.end(), zero) &&
        std::all_of(got_b.begin(), got_b.end(), zero))
        return "its grads are all 0: dense_backward never reached it; go back one layer at a "
               "time, from the output layer to the first";
    if (all_match(got_b, want[l].out) && !all_match(want[l].out, want[l].b))
        return "its biases' grads are d(loss)/d(out): the error at the layer's outputs was "
               "not passed back through its activation (delta = g times the slope)";
    if (!last && net.layers[l + 1].act != Activation::Linear) {
        // The g made from the next layer's g where it should be made from its delta: this
        // layer then sees the next one's sums, weighed by d(loss)/d(its outputs), as the loss.
        std::vector<LayerGradients> from_g =
            complex_step_gradients(net, x, want[l + 1].out, l + 1);
        if (all_match(got_b, from_g[l].b) && !all_match(from_g[l].b, want[l].b))
            return "the g passed back to it was made from the next layer's g, not from its "
                   "delta: the next layer's error must go through that layer's activation "
                   "first";
    }
    if (all_match(got_b, want[l].b))
        return l == 0 ? "its biases are right, its weights not: a weight's gradient is delta "
                        "times the input it multiplies, and layer 0's inputs are the data"
                      : "its biases are right, its weights not: a weight's gradient is delta "
                        "times the input it multiplies, the output of the layer before";
    if (all_match(got_w, want[l].w)) return "its weights are right, its biases not";
    if (last) return "the output layer is linear: its delta is g itself";
    return std::string("the layers after it are right, so look at the g passed back to it, ") +
           "and at its own delta (" + activation_name(L.act) + "'s slope)";
}

// Checks every grad_w and grad_b of net against want (plus `start`, what they held
// before), the first wrong layer from the output named with its likely mistake.
void check_dense_grads(const std::string& name, const DenseMLP& net,
                       const std::vector<double>& x, const std::vector<LayerGradients>& want,
                       const std::string& why = "") {
    bool named = false;
    for (size_t l = net.layers.size(); l-- > 0;) {
        const DenseLayer& L = net.layers[l];
        std::string where =
            name + " layer " + std::to_string(l) + " (" + activation_name(L.act) + ")";
        if (!named && (!all_match(L.grad_w, want[l].w) || !all_match(L.grad_b, want[l].b))) {
            named = true;
            check(false,
                  where + ", the first wrong layer from the output: " +
                      (why.empty() ? dense_mistake(net, x, want, l, L.grad_w, L.grad_b) : why));
        }
        for (size_t k = 0; k < L.w.size() + L.b.size(); ++k) {
            bool is_w = k < L.w.size();
            size_t j = is_w ? k / size_t(L.n_in) : k - L.w.size();
            std::string param = is_w ? "weight " + std::to_string(k % size_t(L.n_in)) : "bias";
            check_close(is_w ? L.grad_w[k] : L.grad_b[j], is_w ? want[l].w[k] : want[l].b[j],
                        1e-12, where + " neuron " + std::to_string(j) + " " + param);
        }
    }
}

// A network of this variant: input size n_in, the given hidden layers (size and activation
// each) and k linear outputs; weights and biases random, and an input and c to go with it.
struct DenseCase {
    DenseMLP net;
    std::vector<double> x, c;
};

DenseCase dense_case(const std::string& salt, int n_in,
                     const std::vector<std::pair<int, Activation>>& hidden, int outputs) {
    Rng rng = variant_rng(salt);
    std::vector<int> sizes;
    for (auto [size, act] : hidden) sizes.push_back(size);
    sizes.push_back(outputs);
    size_t keep = graph.nodes.size();
    MLP model(n_in, sizes, Activation::Sigmoid, rng.next());
    randomise_biases(model, rng.next());
    DenseCase d{dense_copy(model), {}, {}};
    graph_truncate(keep);
    for (size_t l = 0; l < hidden.size(); ++l) d.net.layers[l].act = hidden[l].second;
    for (int i = 0; i < n_in; ++i) d.x.push_back(sized(rng, 0.2, 1.5));
    for (int j = 0; j < outputs; ++j) d.c.push_back(sized(rng, 0.3, 1.5));
    return d;
}

// One forward pass and one dense_backward from grads of 0, against the complex step.
void check_dense_backward(const std::string& name, DenseCase d) {
    dense_forward(d.net, d.x);
    dense_zero_grad(d.net);
    dense_backward(d.net, d.c);
    check_dense_grads(name, d.net, d.x, complex_step_gradients(d.net, d.x, d.c));
}

// No tanh layer: exercise 19 is checked here apart from exercise 9 (tanh's slope).
void test_hand_written_backprop_without_tanh_matches_the_complex_step() {
    check_dense_backward("2-5-4-3 sigmoid, relu:",
                         dense_case("sigmoid and relu layers", 2,
                                    {{5, Activation::Sigmoid}, {4, Activation::ReLU}}, 3));
}

// Layers of unequal widths, so that a weight read as W[i][j] for W[j][i] shows.
void test_hand_written_backprop_through_four_layers_of_unequal_widths() {
    check_dense_backward(
        "3-5-2-4-3 relu, sigmoid, relu:",
        dense_case("unequal widths", 3,
                   {{5, Activation::ReLU}, {2, Activation::Sigmoid}, {4, Activation::ReLU}},
                   3));
}

// It adds (+=) to grad_w and grad_b, as backward() adds to a weight's grad: from grads
// that hold some numbers already, two examples' gradients are added to them.
void test_hand_written_backprop_adds_to_the_grads_it_finds() {
    DenseCase d = dense_case("adds to the grads", 2,
                             {{4, Activation::Sigmoid}, {3, Activation::ReLU}}, 2);
    Rng rng = variant_rng("adds to the grads: the second example");
    std::vector<double> x2 = {sized(rng, 0.2, 1.5), sized(rng, 0.2, 1.5)};
    std::vector<double> c2 = {sized(rng, 0.3, 1.5), sized(rng, 0.3, 1.5)};
    std::vector<LayerGradients> first = complex_step_gradients(d.net, d.x, d.c);
    std::vector<LayerGradients> second = complex_step_gradients(d.net, x2, c2);
    std::vector<LayerGradients> want = second;
    LayerGradients held;  // what the output layer's grads held before
    for (size_t l = 0; l < d.net.layers.size(); ++l) {
        DenseLayer& L = d.net.layers[l];
        for (size_t k = 0; k < L.w.size(); ++k) {
            L.grad_w[k] = 0.25 * double(k % 5) - 0.5;  // what the grads held before
            want[l].w[k] += first[l].w[k] + L.grad_w[k];
        }
        for (size_t j = 0; j < L.b.size(); ++j) {
            L.grad_b[j] = 0.125 * double(j) + 0.1;
            want[l].b[j] += first[l].b[j] + L.grad_b[j];
        }
        held = {L.grad_w, L.grad_b, {}};
    }
    dense_forward(d.net, d.x);
    dense_backward(d.net, d.c);
    dense_forward(d.net, x2);
    dense_backward(d.net, c2);
    const DenseLayer& out = d.net.layers.back();
    bool replaced =
        all_match(out.grad_w, second.back().w) && all_match(out.grad_b, second.back().b);
    bool unchanged = all_match(out.grad_w, held.w) && all_match(out.grad_b, held.b);
    check_dense_grads("two examples added to grads that held numbers:", d.net, x2, want,
                      replaced ? "the grads hold the last example's alone: dense_backward must "
                                 "add to grad_w and grad_b (+=), not set them"
                      : unchanged ? "the grads hold what they held before: nothing was added"
                                  : "");
}

// Tanh layers: these need exercise 9's tanh slope too.
void test_hand_written_backprop_through_tanh_layers_matches_the_complex_step() {
    check_dense_backward(
        "2-4-5-3 tanh:",
        dense_case("tanh layers", 2, {{4, Activation::Tanh}, {5, Activation::Tanh}}, 3));
}

// Section 14's bench: its graph epoch and its hand-written epoch must do the same work, or
// their ratio means nothing. From the same weights, `epochs` epochs of each kind must end
// at the same weights (to rounding), and at those of that many graph epochs run by hand.
void check_bench_epochs_agree(const char* what, MLP& model, const Dataset& data,
                              int batch_size, int epochs) {
    size_t keep = graph.nodes.size();
    std::vector<Value> params = model.parameters();
    std::vector<double> start = data_of(params);
    for (int e = 0; e < epochs; ++e) graph_epoch(model, data, batch_size);
    std::vector<double> by_hand = data_of(params);
    set_data(params, start);
    DenseMLP net = dense_copy(model);
    BenchTimes t = time_epochs(model, net, data, batch_size, epochs);
    check(t.graph_ms < 1e300 && t.dense_ms < 1e300, std::string(what) + ": both kinds were timed");
    std::vector<double> timed = data_of(params);
    std::vector<double> dense;
    for (const DenseLayer& L : net.layers) {
        for (int j = 0; j < L.n_out; ++j) {
            dense.insert(dense.end(), L.w.begin() + j * L.n_in, L.w.begin() + (j + 1) * L.n_in);
            dense.push_back(L.b[size_t(j)]);
        }
    }
    double moved = 0;
    for (size_t k = 0; k < params.size(); ++k) moved = std::max(moved, std::fabs(timed[k] - start[k]));
    check(moved > 1e-4, std::string(what) + fmt(": the weights moved by at most %g: no training was timed", moved));
    for (size_t k = 0; k < params.size(); ++k) {
        std::string name = std::string(what) + ": " + parameter_name(model, k);
        check(timed[k] == by_hand[k], name + fmt(" after the timed graph epochs %.17g, after %g graph epochs %.17g",
                                                 timed[k], epochs, by_hand[k]));
        check_close(dense[k], timed[k], 1e-12, name + ": the hand-written epochs (got) against the graph's (want)");
    }
    graph_truncate(keep);
}

void test_the_benchs_two_kinds_of_epoch_leave_the_same_weights() {
    MLP small(2, {16, 16, 3}, Activation::Tanh, 1);
    check_bench_epochs_agree("spiral, single points", small, spiral(20, 3, 0.2, 1), 1, 3);
    MLP large(28 * 28, {64, 10}, Activation::ReLU, 1);
    check_bench_epochs_agree("images, batches of 32", large, bench_images(80), 32, 2);
}

void test_training_memory_stays_flat_over_100000_steps() {
    size_t keep = graph.nodes.size();
    MLP model(2, {3, 1}, Activation::Tanh, 2);
    std::vector<Value> params = model.parameters();
    Dataset data = xor_data();
    Optimizer opt(OptimizerKind::SGD, 0.1, 0.9);
    size_t after_model = graph.nodes.size();
    size_t node_capacity = 0, edge_capacity = 0;
    for (int step = 0; step < 100000; ++step) {
        step_with(model, params, data, {step % 4}, Loss::BinaryCrossEntropy, 0.0, opt);
        if (step == 10) {
            node_capacity = graph.nodes.capacity();
            edge_capacity = graph.edges.capacity();
        }
        if (graph.nodes.size() != after_model) {
            check(false, fmt("step %g left %g nodes behind", step, graph.nodes.size() - after_model));
            break;
        }
    }
    check(graph.nodes.capacity() == node_capacity, "node storage did not grow after step 10");
    check(graph.edges.capacity() == edge_capacity, "edge storage did not grow after step 10");
    graph_truncate(keep);
}

void test_evaluate_and_train_step_leave_the_graph_as_long_as_they_found_it() {
    size_t keep = graph.nodes.size();
    MLP model(2, {4, 3}, Activation::Tanh, 1);
    std::vector<Value> params = model.parameters();
    Dataset data = spiral(5, 3, 0.2, 1);
    Optimizer opt(OptimizerKind::Adam, 0.01, 0.9);
    size_t nodes = graph.nodes.size(), edges = graph.edges.size();
    evaluate(model, data, Loss::SoftmaxCrossEntropy);
    check(graph.nodes.size() == nodes && graph.edges.size() == edges, "evaluate drops its nodes");
    step_with(model, params, data, {0, 1, 2}, Loss::SoftmaxCrossEntropy, 0.01, opt);
    check(graph.nodes.size() == nodes && graph.edges.size() == edges, "train_step drops its nodes");
    graph_truncate(keep);
}

// ---- Losses --------------------------------------------------------------------------------

void test_softmax_cross_entropy_is_finite_and_right_at_logits_of_1000() {
    size_t keep = graph.nodes.size();
    std::vector<Value> z = {1000.0, -1000.0, 0.0};
    Value loss = softmax_cross_entropy(z, 1);
    loss.backward();
    // By hand: the loss is 2000 to double precision, and the gradient
    // (1, -1, 0).
    check_close(loss.data(), 2000.0, 1e-15, "loss");
    check_close(z[0].grad(), 1.0, 1e-15, "dz0");
    check_close(z[1].grad(), -1.0, 1e-15, "dz1");
    check_close(z[2].grad(), 0.0, 1e-15, "dz2");
    Value small = softmax_cross_entropy({Value(1000.0), Value(-1000.0), Value(0.0)}, 0);
    check_close(small.data(), 0.0, 1e-15, "a confident right answer costs nothing");
    graph_truncate(keep);
}

// Logits (0.3, -1.2, 2.0) and label 2: the loss and its gradient, from the textbook
// formulas.
void test_softmax_cross_entropy_and_its_gradient_match_the_textbook_formulas() {
    size_t keep = graph.nodes.size();
    std::vector<Value> z = {0.3, -1.2, 2.0};
    Value loss = softmax_cross_entropy(z, 2);
    loss.backward();
    check_close(loss.data(), 0.20167124495279057, 1e-14, "-log p[label]");
    const double want[] = {0.14931886218339119, 0.033317541632161399, -0.18263640381555259};
    for (int k = 0; k < 3; ++k)
        check_close(z[size_t(k)].grad(), want[k], 1e-14, fmt("d(loss)/dz[%g]", k));
    graph_truncate(keep);
}

void test_hand_written_softmax_is_finite_and_right_at_logits_of_1000() {
    std::vector<double> p = softmax({1000.0, -1000.0, 0.0});
    check_close(p[0], 1.0, 1e-15, "p[0]");
    check(p[1] == 0 && std::fabs(p[2] - std::exp(-1000.0)) < 1e-300, "p[1] and p[2] are 0");
    std::vector<double> g;
    double loss = dense_softmax_cross_entropy({1000.0, -1000.0, 0.0}, 0, g);
    check_close(loss, 0.0, 1e-15, "a confident right answer costs nothing");
    check(g.size() == 3 && std::isfinite(g[0]) && std::isfinite(g[1]) && std::isfinite(g[2]),
          fmt("dense_softmax_cross_entropy: a finite gradient, one entry per logit (%g entries)",
              g.size()));
    std::vector<double> q = softmax({1.0, 2.0, 3.0});
    double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    for (int k = 0; k < 3; ++k)
        check_close(q[size_t(k)], std::exp(k + 1.0) / sum, 1e-15, fmt("softmax(1, 2, 3)[%g]", k));
}

// Logits (0, ln 3, ln 6) and label 1, and the same plus 50, worked by hand.
// Exercise 12's function alone, before the whole-network comparison
// leans on it.
void test_hand_written_softmax_cross_entropy_on_a_case_worked_by_hand() {
    for (double shift : {0.0, 50.0}) {
        std::vector<double> z = {shift, shift + std::log(3.0), shift + std::log(6.0)};
        std::vector<double> g;
        double loss = dense_softmax_cross_entropy(z, 1, g);
        std::string what = fmt("dense_softmax_cross_entropy of (%g, %g + ln 3, %g + ln 6), label 1",
                               shift, shift, shift);
        check_close(loss, 1.2039728043259360, 1e-13, what + ": the loss");
        check(g.size() == 3, what + fmt(": g has %g entries, want 3, one per logit", g.size()));
        if (g.size() != 3) continue;
        const double want[] = {0.1, -0.7, 0.6};
        for (int k = 0; k < 3; ++k)
            check_close(g[size_t(k)], want[k], 1e-13,
                        what + fmt(": g[%g] = d(loss)/dz[%g]", k, k),
                        k == 1 && relative_miss(g[1], 0.3) < 1e-12
                            ? "g[label] lacks the 1 of the one-hot"
                            : "");
    }
}

// -log softmax(z)[label] as log-sum-exp minus z[label], on complex numbers, for the complex
// step: log(sum_i e^z[i]) = m + log(sum_i e^(z[i] - m)) for any constant m, here the largest
// real part, so that no e^z overflows at logits of 800.
Complex complex_softmax_cross_entropy(const std::vector<Complex>& z, size_t label) {
    double m = z[0].real();
    for (Complex zi : z) m = std::max(m, zi.real());
    Complex sum = 0.0;
    for (Complex zi : z) sum += std::exp(zi - m);
    return (m - z[label]) + std::log(sum);
}

// dense_softmax_cross_entropy at z: the loss and g = d(loss)/dz against the complex step.
void check_hand_written_cross_entropy(const std::vector<double>& z, int label) {
    std::string what = "dense_softmax_cross_entropy of (";
    for (size_t k = 0; k < z.size(); ++k) what += (k ? ", " : "") + fmt("%.17g", z[k]);
    what += fmt("), label %g", label);
    std::vector<Complex> plain(z.begin(), z.end());
    double want_loss = complex_softmax_cross_entropy(plain, size_t(label)).real();
    std::vector<double> g;
    double loss = dense_softmax_cross_entropy(z, label, g);
    std::string why = !std::isfinite(loss)
                          ? "e^z overflows (or the sum underflows to 0) at logits this size: "
                            "subtract the largest logit before exp, as softmax does"
                          : mistake_matching(loss, {{-want_loss, "the loss is -log p[label], "
                                                                 "which is positive"}});
    check_close(loss, want_loss, 1e-12, what + ": the loss", why);
    check(g.size() == z.size(), what + fmt(": g has %g entries, want %g, one per logit",
                                           g.size(), z.size()));
    if (g.size() != z.size()) return;
    std::vector<double> want(z.size());
    for (size_t k = 0; k < z.size(); ++k) {
        std::vector<Complex> stepped = plain;
        stepped[k] += Complex(0, complex_step);
        want[k] = complex_softmax_cross_entropy(stepped, size_t(label)).imag() / complex_step;
    }
    bool others_right = true;
    for (size_t k = 0; k < z.size(); ++k)
        others_right =
            others_right && (int(k) == label || relative_miss(g[k], want[k]) <= 1e-12);
    for (size_t k = 0; k < z.size(); ++k) {
        std::string mistake = mistake_matching(
            g[k], {{int(k) == label && others_right ? want[k] + 1 : NAN,
                    "g[label] lacks the 1 of the one-hot: d(loss)/dz[label] = p[label] - 1"}});
        check_close(g[k], want[k], 1e-12, what + fmt(": g[%g] = d(loss)/dz[%g]", k, k),
                    mistake.empty() ? derivative_mistake(g[k], want[k]) : mistake);
    }
}

// 3 to 6 logits of this variant between -4 and 4, and the label at random.
std::vector<std::vector<double>> variant_logits(const std::string& salt, double shift) {
    Rng rng = variant_rng(salt);
    std::vector<std::vector<double>> cases;
    for (size_t n = 3; n <= 6; ++n) {
        std::vector<double> z;
        for (size_t k = 0; k < n; ++k) z.push_back(shift + between(rng, -4.0, 4.0));
        z.push_back(double(rng.below(int(n))));  // the label, last
        cases.push_back(z);
    }
    return cases;
}

void test_hand_written_softmax_cross_entropy_is_exact_at_a_variants_logits() {
    for (std::vector<double> z : variant_logits("softmax cross-entropy", 0.0)) {
        int label = int(z.back());
        z.pop_back();
        check_hand_written_cross_entropy(z, label);
    }
}

// At logits near 800 e^z overflows, near -800 the sum of e^z underflows to 0.
void test_hand_written_softmax_cross_entropy_is_exact_at_logits_near_plus_and_minus_800() {
    for (double shift : {800.0, -800.0}) {
        for (std::vector<double> z : variant_logits("large logits", shift)) {
            int label = int(z.back());
            z.pop_back();
            check_hand_written_cross_entropy(z, label);
        }
    }
}

void test_binary_cross_entropy_is_stable_and_matches_the_formula() {
    for (double z : {-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0}) {
        for (int y : {0, 1}) {
            size_t keep = graph.nodes.size();
            Value logit = z;
            Value loss = binary_cross_entropy(logit, y);
            loss.backward();
            double p = 1.0 / (1.0 + std::exp(-z));
            if (std::fabs(z) < 30) {  // the textbook form is exact enough here
                double want = -(y * std::log(p) + (1 - y) * std::log(1 - p));
                check_close(loss.data(), want, 1e-12, fmt("BCE(z=%g, y=%g)", z, y));
            }
            check(std::isfinite(loss.data()), fmt("BCE finite at z=%g", z));
            check_close(logit.grad(), p - y, 1e-12, fmt("dBCE/dz = sigmoid(z) - y at z=%g", z));
            graph_truncate(keep);
        }
    }
}

void test_hinge_loss_matches_its_definition() {
    size_t keep = graph.nodes.size();
    check_close(hinge(0.3, 1).data(), 0.7, 1e-15, "hinge, right side, inside the margin");
    check_close(hinge(2.0, 1).data(), 0.0, 0, "hinge, beyond the margin");
    check_close(hinge(0.3, 0).data(), 1.3, 1e-15, "hinge, wrong side");
    graph_truncate(keep);
}

// Exercise 11: mean_squared_error's value, and then the gradient it passes each prediction,
// read along the graph's edges (graph_tangent: no backward, exercise 13), against the mean
// of the squared errors written here on complex numbers and its complex step.

Complex complex_mean_squared_error(const std::vector<Complex>& predictions,
                                   const std::vector<double>& targets) {
    Complex total = 0.0;
    for (size_t i = 0; i < targets.size(); ++i)
        total += (predictions[i] - targets[i]) * (predictions[i] - targets[i]);
    return total / double(targets.size());
}

struct SquaredErrorCase {
    std::vector<double> predictions, targets;
};

// The cases worked by hand, then some of this variant, with 1 to 5
// outputs.
std::vector<SquaredErrorCase> squared_error_cases(bool variant_only) {
    std::vector<SquaredErrorCase> cases;
    if (!variant_only) {
        cases.push_back({{1, 3}, {0, 1}});
        for (double x : {-2.0, 0.0, 1.0, 3.0, 5.0}) cases.push_back({{x, 2}, {1, 0}});
    }
    Rng rng = variant_rng("squared error");
    for (int n = 1; n <= 5; n += variant_only ? 1 : 2) {
        SquaredErrorCase c;
        for (int i = 0; i < n; ++i) {
            c.predictions.push_back(sized(rng, 0.1, 2.0));
            c.targets.push_back(between(rng, -1.0, 1.0));
        }
        cases.push_back(c);
    }
    return cases;
}

std::string squared_error_case_name(const SquaredErrorCase& c) {
    std::string s = "mean_squared_error of predictions (";
    for (size_t i = 0; i < c.predictions.size(); ++i)
        s += (i ? ", " : "") + fmt("%.17g", c.predictions[i]);
    s += ") against targets (";
    for (size_t i = 0; i < c.targets.size(); ++i)
        s += (i ? ", " : "") + fmt("%.17g", c.targets[i]);
    return s + ")";
}

void test_squared_error_is_the_mean_of_the_squared_errors_over_the_outputs() {
    const double by_hand[] = {2.5, 6.5, 2.5, 2, 4, 10};  // the first six cases, by hand
    std::vector<SquaredErrorCase> cases = squared_error_cases(false);
    for (size_t k = 0; k < cases.size(); ++k) {
        const SquaredErrorCase& c = cases[k];
        size_t keep = graph.nodes.size();
        std::vector<Value> predictions(c.predictions.begin(), c.predictions.end());
        double got = mean_squared_error(predictions, c.targets).data();
        graph_truncate(keep);
        std::vector<Complex> p(c.predictions.begin(), c.predictions.end());
        double want = k < 6 ? by_hand[k] : complex_mean_squared_error(p, c.targets).real();
        double n = double(c.targets.size()), mean_error = 0, mean_size = 0;
        for (size_t i = 0; i < c.targets.size(); ++i) {
            mean_error += (c.predictions[i] - c.targets[i]) / n;
            mean_size += std::fabs(c.predictions[i] - c.targets[i]) / n;
        }
        std::string why = mistake_matching(
            got, {{n > 1 ? n * want : NAN,
                   "the sum of the squared errors: divide it by the number of outputs"},
                  {mean_error, "the mean error: square each error first"},
                  {mean_size, "the mean size of the errors: square each error"},
                  {mean_error * mean_error,
                   "the square of the mean error: square each error, then take the mean"},
                  {std::sqrt(want), "the root of the mean: the mean itself, no square root"}});
        if (got == 0 && want != 0) why = "0, as the stub returns";
        check_close(got, want, 1e-12, squared_error_case_name(c), why);
    }
}

void test_squared_error_passes_each_prediction_its_gradient_without_backward() {
    for (const SquaredErrorCase& c : squared_error_cases(true)) {
        size_t keep = graph.nodes.size();
        std::vector<Value> predictions(c.predictions.begin(), c.predictions.end());
        Value loss = mean_squared_error(predictions, c.targets);
        std::vector<double> got, want;
        for (size_t i = 0; i < predictions.size(); ++i) {
            std::vector<Complex> p(c.predictions.begin(), c.predictions.end());
            p[i] += Complex(0, complex_step);
            want.push_back(complex_mean_squared_error(p, c.targets).imag() / complex_step);
            got.push_back(graph_tangent(loss, predictions[i]));
        }
        bool any_edge = std::any_of(got.begin(), got.end(), [](double g) { return g != 0; });
        for (size_t i = 0; i < got.size(); ++i) {
            std::string why = any_edge ? derivative_mistake(got[i], want[i])
                                       : "nothing leads back from the loss to the predictions: "
                                         "build it from Value operations on them (a Value made "
                                         "from a double is a leaf)";
            check_close(got[i], want[i], 1e-12,
                        squared_error_case_name(c) + fmt(": d(loss)/d(prediction %g)", i), why);
        }
        graph_truncate(keep);
    }
}

void test_l2_penalty_is_alpha_times_sum_of_squares_with_gradient_2_alpha_w() {
    size_t keep = graph.nodes.size();
    std::vector<Value> w = {Value(0.5), Value(-2.0), Value(3.0)};
    Value penalty = l2_penalty(w, 0.1);
    penalty.backward();
    check_close(penalty.data(), 0.1 * (0.25 + 4.0 + 9.0), 1e-15, "alpha * sum w^2");
    check_close(w[0].grad(), 2 * 0.1 * 0.5, 1e-15, "d/dw0 = 2 alpha w0");
    check_close(w[1].grad(), 2 * 0.1 * -2.0, 1e-15, "d/dw1 = 2 alpha w1");
    graph_truncate(keep);
}

// Three classes, three points, outputs written by hand: two predicted right, one wrong.
void test_predicted_class_and_evaluate_on_a_hand_made_three_class_case() {
    check(predicted_class({0.1, 2.0, -1.0}, Loss::SoftmaxCrossEntropy) == 1, "the largest of three");
    check(predicted_class({-3.0, -2.0, -2.5}, Loss::SoftmaxCrossEntropy) == 1, "also when all < 0");
    check(predicted_class({0.2}, Loss::Hinge) == 1 && predicted_class({-0.2}, Loss::Hinge) == 0,
          "one output: its sign");
    check(predicted_class({0.6}, Loss::MeanSquaredError) == 1 &&
              predicted_class({0.4}, Loss::MeanSquaredError) == 0,
          "squared error: above or below 0.5");
    size_t keep = graph.nodes.size();
    MLP model(2, {3}, Activation::Tanh, 1);  // one linear layer: logits = W (x, y) + b
    double w[3][2] = {{1, 0}, {0, 1}, {-1, -1}};
    for (int j = 0; j < 3; ++j) {
        model.layers[0].neurons[size_t(j)].weights[0].data() = w[j][0];
        model.layers[0].neurons[size_t(j)].weights[1].data() = w[j][1];
    }
    Dataset data = dataset_of({{2, 0, 0}, {0, 2, 1}, {2, 0, 2}});  // logits (2,0,-2), (0,2,-2), (2,0,-2)
    Evaluation e = evaluate(model, data, Loss::SoftmaxCrossEntropy);
    double right = std::log(1 + std::exp(-2.0) + std::exp(-4.0));  // -log p of the top logit
    double wrong = 4 + right;                                        // the logit 4 below it
    check_close(e.accuracy, 2.0 / 3, 1e-15, "accuracy 2 of 3");
    check_close(e.loss, (2 * right + wrong) / 3, 1e-14, "the mean of the three losses");
    graph_truncate(keep);
}

// ---- Optimisers ----------------------------------------------------------------------------

// Momentum at lr 0.1, mu 0.9, from w = 1, worked by hand. Step 1, g = 0.5: the velocity
// is 0.9 * 0 - 0.1 * 0.5 = -0.05 and w = 1 - 0.05 = 0.95. Step 2, g = 0.2: the velocity
// is 0.9 * -0.05 - 0.1 * 0.2 = -0.065 and w = 0.95 - 0.065 = 0.885. The messages name
// the quantity only: a student who writes the update must not find it in them.
void test_momentum_update_matches_two_steps_by_hand() {
    size_t keep = graph.nodes.size();
    Value w = 1.0;
    Optimizer opt(OptimizerKind::SGD, 0.1, 0.9);
    w.grad() = 0.5;
    opt.step({w});
    check_close(opt.velocity[0], -0.05, 1e-15, "step 1: the velocity");
    check_close(w.data(), 0.95, 1e-15, "step 1: w");
    w.grad() = 0.2;
    opt.step({w});
    check_close(opt.velocity[0], -0.065, 1e-15, "step 2: the velocity");
    check_close(w.data(), 0.885, 1e-15, "step 2: w");
    graph_truncate(keep);
}

// Adam and RMSprop on gradients for which their running means have closed forms, so that
// what each step must do is known without running the algorithm. For a gradient g held
// constant, a running mean of g^2 that starts at 0, v <- r v + (1 - r) g^2, is
// g^2 (1 - r^t) after t steps (the sum of a geometric series), and one of g likewise. For
// g alternating in sign, g, -g, g, ..., the running mean of g is (-1)^(t-1) g (1 - r)
// (1 - (-r)^t) / (1 + r), and that of g^2 is as for a constant g. The constants are those
// of the papers and the lecture: beta1 0.9, beta2 0.999, rho 0.9, epsilon 1e-8.

// What a step should leave for one weight (m, v, and how far w moves down), and the
// mistakes that give other numbers.
struct Expected {
    double m, v, step;  // m is NaN for RMSprop, which keeps none
    std::vector<Mistake> m_mistakes, v_mistakes, step_mistakes;
};

// `steps` steps of opt on weights starting at `start`, weight k's gradient at step t being
// grad(t, k); after each, its m, v and w against want(t, k). It stops at the first wrong
// step: the steps after it would be wrong for the same reason.
void check_steps(const std::string& name, Optimizer& opt, const std::vector<double>& start,
                 int steps, const std::function<double(int, size_t)>& grad,
                 const std::function<Expected(int, size_t)>& want) {
    size_t keep = graph.nodes.size();
    std::vector<Value> w(start.begin(), start.end());
    for (int t = 1; t <= steps; ++t) {
        std::vector<double> before = data_of(w);
        for (size_t k = 0; k < w.size(); ++k) w[k].grad() = grad(t, k);
        opt.step(w);
        bool ok = true;
        for (size_t k = 0; k < w.size(); ++k) {
            Expected e = want(t, k);
            std::string at = name + fmt(": step %g, weight %g (g = %.17g, ", t, k, grad(t, k)) +
                             fmt("lr %.17g)", opt.learning_rate);
            if (!std::isnan(e.m))
                if (!check_close(opt.m[k], e.m, 1e-12, at + ": m",
                                 mistake_matching(opt.m[k], e.m_mistakes)))
                    ok = false;
            if (!check_close(opt.v[k], e.v, 1e-12, at + ": v",
                             mistake_matching(opt.v[k], e.v_mistakes)))
                ok = false;
            double moved = before[k] - w[k].data();
            if (!check_close(w[k].data(), before[k] - e.step, 1e-12, at + ": w",
                             mistake_matching(moved, e.step_mistakes)))
                ok = false;
        }
        if (!ok) break;
    }
    graph_truncate(keep);
}

const double beta1 = 0.9, beta2 = 0.999, rho = 0.9, epsilon = 1e-8;

// Adam for a gradient g held constant: the bias-corrected means are m_hat = g and v_hat =
// g^2 at every step, so each step moves w by lr g / (|g| + epsilon), about lr.
Expected adam_constant(double g, double lr, int t) {
    double m = g * (1 - std::pow(beta1, t)), v = g * g * (1 - std::pow(beta2, t));
    double size = std::fabs(g), step = lr * g / (size + epsilon);
    double m_late = m / (1 - std::pow(beta1, t + 1)), v_late = v / (1 - std::pow(beta2, t + 1));
    return {m, v, step,
            {{g, "m is g itself: it must be a running mean of g, with beta1"},
             {g * (1 - std::pow(beta2, t)), "m's rate is beta1, not beta2"}},
            {{g * g, "v is g^2 itself: it must be a running mean of g^2, with beta2"},
             {g * g * (1 - std::pow(beta1, t)), "v's rate is beta2, not beta1"},
             {g * (1 - std::pow(beta2, t)), "v is a running mean of g^2, not of g"},
             {size * (1 - std::pow(beta2, t)), "v is a running mean of g^2, not of |g|"}},
            {{lr * m / (std::sqrt(v) + epsilon),
              "no bias correction: m_hat = m / (1 - beta1^t) and v_hat = v / (1 - beta2^t)"},
             {lr * g / (size * std::sqrt(1 - std::pow(beta2, t)) + epsilon),
              "v is not bias-corrected: v_hat = v / (1 - beta2^t)"},
             {lr * m / (size + epsilon), "m is not bias-corrected: m_hat = m / (1 - beta1^t)"},
             {lr * m_late / (std::sqrt(v_late) + epsilon),
              "the bias correction uses t + 1: step() has counted this step in t already"},
             {lr * g / std::sqrt(g * g + epsilon),
              "epsilon belongs outside the square root: sqrt(v_hat) + epsilon"},
             {lr * g / size, "epsilon is missing: divide by sqrt(v_hat) + epsilon"},
             {-step, "w moved up the gradient: subtract the step"},
             {g / (size + epsilon), "the step is not multiplied by the learning rate"}}};
}

// RMSprop for a gradient g held constant: v = g^2 (1 - rho^t), not corrected, so each step
// moves w by lr g / (|g| sqrt(1 - rho^t) + epsilon): 3.2 lr at first, then less.
Expected rmsprop_constant(double g, double lr, int t) {
    double v = g * g * (1 - std::pow(rho, t)), size = std::fabs(g);
    double step = lr * g / (std::sqrt(v) + epsilon);
    double v_swapped = g * g * (1 - std::pow(1 - rho, t));
    return {
        NAN,
        v,
        step,
        {},
        {{g * g, "v is g^2 itself: it must be a running mean of g^2, with rho"},
         {v_swapped, "rho weighs the old v, and 1 - rho the new g^2"},
         {g * (1 - std::pow(rho, t)), "v is a running mean of g^2, not of g"},
         {size * (1 - std::pow(rho, t)), "v is a running mean of g^2, not of |g|"}},
        {{lr * g / (size + epsilon),
          "a bias correction: RMSprop has none, it divides by sqrt(v) + epsilon"},
         {lr * g / (std::sqrt(v_swapped) + epsilon),
          "rho weighs the old v, and 1 - rho the new g^2"},
         {lr * g / std::sqrt(v + epsilon),
          "epsilon belongs outside the square root: sqrt(v) + epsilon"},
         {lr * g / std::sqrt(v), "epsilon is missing: divide by sqrt(v) + epsilon"},
         {-step, "w moved up the gradient: subtract the step"},
         {g / (std::sqrt(v) + epsilon), "the step is not multiplied by the learning rate"}}};
}

// Adam at lr 0.01 from w = 1, g = 0.5 then -0.2, worked by hand.
// The messages name the quantity only.
void test_adam_first_steps_match_hand_computed_values() {
    size_t keep = graph.nodes.size();
    Value w = 1.0;
    Optimizer opt(OptimizerKind::Adam, 0.01, 0.0);
    w.grad() = 0.5;
    opt.step({w});
    check(opt.t == 1, fmt("step 1: t = 1 (step() counts it before adam_step; got %g)", opt.t));
    Expected first = adam_constant(0.5, 0.01, 1);  // a first step is one of a constant g
    check_close(opt.m[0], 0.05, 1e-15, "step 1: m",
                mistake_matching(opt.m[0], first.m_mistakes));
    check_close(opt.v[0], 0.00025, 1e-15, "step 1: v",
                mistake_matching(opt.v[0], first.v_mistakes));
    check_close(w.data(), 0.99000000020000000, 1e-15, "step 1: w",
                mistake_matching(1 - w.data(), first.step_mistakes));
    w.grad() = -0.2;
    opt.step({w});
    check_close(opt.m[0], 0.025, 1e-15, "step 2: m");
    check_close(opt.v[0], 0.00028975, 1e-15, "step 2: v");
    check_close(w.data(), 0.98654394181165106, 1e-14, "step 2: w");
    graph_truncate(keep);
}

// RMSprop at lr 0.01 (rho 0.9, epsilon 1e-8) from w = 1, g = 0.5 then -0.2, and a weight
// whose gradient is 1000 times larger, 500, which moves as far in step 1: worked by hand.
// The messages name the quantity only.
void test_rmsprop_first_steps_match_hand_computed_values() {
    size_t keep = graph.nodes.size();
    Value w = 1.0, big = 1.0;
    Optimizer opt(OptimizerKind::RMSprop, 0.01, 0.0);
    w.grad() = 0.5;
    big.grad() = 500;
    opt.step({w, big});
    Expected first = rmsprop_constant(0.5, 0.01, 1);  // a first step is one of a constant g
    check_close(opt.v[0], 0.025, 1e-15, "step 1: v",
                mistake_matching(opt.v[0], first.v_mistakes));
    check_close(w.data(), 0.96837722539831608, 1e-15, "step 1: w",
                mistake_matching(1 - w.data(), first.step_mistakes));
    check_close(1 - big.data(), 0.031622776599683793, 1e-11,
                "step 1: how far a weight with a gradient of 500 moved");
    w.grad() = -0.2;
    big.grad() = 0;
    opt.step({w, big});
    check_close(opt.v[0], 0.0265, 1e-15, "step 2: v");
    check_close(w.data(), 0.98066312698027817, 1e-15, "step 2: w");
    graph_truncate(keep);
}

// An optimiser's closed form for a constant gradient g at learning rate lr, step t.
using ClosedForm = Expected (*)(double g, double lr, int t);

// Three weights of this variant, the third's gradient 1000 times larger in size, six steps
// of `kind` (named `name` in the salt and the messages) against its closed form.
void check_constant_gradient(OptimizerKind kind, const std::string& name, ClosedForm form) {
    Rng rng = variant_rng(name + ": a constant gradient");
    double lr = between(rng, 0.001, 0.05);
    std::vector<double> g = {sized(rng, 0.05, 2), sized(rng, 0.05, 2),
                             1000 * sized(rng, 0.05, 2)};
    std::vector<double> start = {between(rng, -1, 1), between(rng, -1, 1), between(rng, -1, 1)};
    Optimizer opt(kind, lr, 0.0);
    check_steps(name + ", a constant gradient", opt, start, 6,
                [&](int, size_t k) { return g[k]; },
                [&](int t, size_t k) { return form(g[k], lr, t); });
}

// A gradient below epsilon, 1e-10 to 5e-9: there epsilon's place decides the step.
void check_tiny_gradient(OptimizerKind kind, const std::string& name, ClosedForm form) {
    Rng rng = variant_rng(name + ": a tiny gradient");
    double lr = between(rng, 0.001, 0.05);
    std::vector<double> g = {sized(rng, 1e-10, 5e-9), sized(rng, 1e-10, 5e-9)};
    Optimizer opt(kind, lr, 0.0);
    check_steps(name + ", a tiny gradient", opt, {1.0, -0.5}, 4,
                [&](int, size_t k) { return g[k]; },
                [&](int t, size_t k) { return form(g[k], lr, t); });
}

// All three weights move by about lr a step, whatever their gradient's size: Adam's point.
void test_adam_with_a_constant_gradient_moves_each_weight_lr_a_step() {
    check_constant_gradient(OptimizerKind::Adam, "adam", adam_constant);
}

void test_adam_with_a_tiny_gradient_keeps_epsilon_outside_the_square_root() {
    check_tiny_gradient(OptimizerKind::Adam, "adam", adam_constant);
}

// g, -g, g, ...: m averages towards 0, v does not.
void test_adam_with_an_alternating_gradient_keeps_running_means_of_g_and_g_squared() {
    Rng rng = variant_rng("adam: an alternating gradient");
    double lr = between(rng, 0.001, 0.05), g = sized(rng, 0.05, 2);
    Optimizer opt(OptimizerKind::Adam, lr, 0.0);
    auto sign = [](int t) { return t % 2 == 1 ? 1.0 : -1.0; };  // (-1)^(t-1)
    check_steps(
        "adam, an alternating gradient", opt, {between(rng, -1, 1)}, 6,
        [&](int t, size_t) { return sign(t) * g; },
        [&](int t, size_t) {
            double m = sign(t) * g * (1 - beta1) * (1 - std::pow(-beta1, t)) / (1 + beta1);
            double m_without = m / (1 - beta1);
            double v = g * g * (1 - std::pow(beta2, t));
            double v_of_g = sign(t) * g * (1 - beta2) * (1 - std::pow(-beta2, t)) / (1 + beta2);
            double m_hat = m / (1 - std::pow(beta1, t));
            return Expected{m, v, lr * m_hat / (std::fabs(g) + epsilon),
                            {{sign(t) * g, "m is g itself: it must be a running mean of g"},
                             {m_without, "the new g enters m weighed by 1 - beta1"}},
                            {{v_of_g, "v is a running mean of g^2, not of g"}},
                            {}};
        });
}

void test_rmsprop_with_a_constant_gradient_moves_each_weight_by_its_closed_form() {
    check_constant_gradient(OptimizerKind::RMSprop, "rmsprop", rmsprop_constant);
}

void test_rmsprop_with_a_tiny_gradient_keeps_epsilon_outside_the_square_root() {
    check_tiny_gradient(OptimizerKind::RMSprop, "rmsprop", rmsprop_constant);
}

// g, -g, g, ...: v, a mean of g^2, is as for a constant g, and each step follows g's sign.
void test_rmsprop_with_an_alternating_gradient_keeps_a_running_mean_of_g_squared() {
    Rng rng = variant_rng("rmsprop: an alternating gradient");
    double lr = between(rng, 0.001, 0.05), g = sized(rng, 0.05, 2);
    Optimizer opt(OptimizerKind::RMSprop, lr, 0.0);
    auto sign = [](int t) { return t % 2 == 1 ? 1.0 : -1.0; };
    check_steps("rmsprop, an alternating gradient", opt, {between(rng, -1, 1)}, 6,
                [&](int t, size_t) { return sign(t) * g; },
                [&](int t, size_t) {
                    Expected e = rmsprop_constant(sign(t) * g, lr, t);
                    double v_of_g =
                        sign(t) * g * (1 - rho) * (1 - std::pow(-rho, t)) / (1 + rho);
                    e.v_mistakes.push_back({v_of_g, "v is a running mean of g^2, not of g"});
                    return e;
                });
}

// ---- Dropout -------------------------------------------------------------------------------

// dropout(x, p) on n units one at a time, x between 0.5 and 1.5 (never 0, so that an output
// of 0 means dropped). What each passes on is checked by a property, (1 - p) y = x for a
// kept unit (its expected output is its input), and what each passes back is read along
// the graph's edges (graph_tangent, no backward): 0 for a dropped unit, and for a kept one
// the factor it scaled its input by. Counts of each way of going wrong, and the first unit
// that went wrong each way, described.
struct DropoutRun {
    int n = 0, dropped = 0;
    // Kept units that came out x, (1 - p) x, or wrong in any way.
    int unscaled = 0, multiplied = 0, wrong_value = 0;
    int dropped_passing = 0, kept_passing_1 = 0, wrong_gradient = 0;
    std::string first_value, first_dropped, first_kept;
    bool drew = false;  // took numbers from the rng
};

DropoutRun run_dropout(double p, uint64_t seed, int n) {
    Rng masks{seed}, inputs{seed + 1};
    DropoutRun r;
    r.n = n;
    for (int i = 0; i < n; ++i) {
        size_t keep = graph.nodes.size();
        Value x = 0.5 + inputs.uniform();
        uint64_t before = masks.state;
        Value y = dropout(x, p, masks);
        r.drew = r.drew || masks.state != before;
        double out = y.data(), in = x.data(), back = graph_tangent(y, x);
        graph_truncate(keep);
        std::string unit = fmt("x = %.17g came out %.17g and passed back %.17g", in, out, back);
        if (out == 0) {
            ++r.dropped;
            if (back != 0 && r.dropped_passing++ == 0) r.first_dropped = unit;
            continue;
        }
        bool value_ok = std::fabs((1 - p) * out - in) <= 1e-12 * in;
        if (!value_ok) {
            r.unscaled += out == in;
            r.multiplied += std::fabs(out - (1 - p) * in) <= 1e-12 * in;
            if (r.wrong_value++ == 0) r.first_value = unit;
        }
        if (std::fabs((1 - p) * back - 1) > 1e-12) {
            r.kept_passing_1 += back == 1;
            if (r.wrong_gradient++ == 0) r.first_kept = unit;
        }
    }
    return r;
}

// What share of the units was dropped and what the kept ones passed on, at rate p: the
// number dropped is binomial, mean n p and standard deviation sqrt(n p (1 - p)); the
// tolerance, 5 of those, fails a right dropout once in about 1.7 million seeds.
void check_dropout_values(const DropoutRun& r, double p) {
    double sd = std::sqrt(r.n * p * (1 - p));
    std::string why = r.dropped == 0 ? ": no unit was dropped"
                      : r.dropped == r.n ? ": every unit was dropped"
                      : std::fabs(r.dropped - r.n * (1 - p)) <= 5 * sd
                          ? ": it drops a share 1 - p; drop each unit with probability p"
                          : "";
    check(std::fabs(r.dropped - r.n * p) <= 5 * sd,
          fmt("p = %.17g: %g of %g units dropped, ", p, r.dropped, r.n) +
              fmt("want %g +- %g", r.n * p, 5 * sd) + why);
    check(r.drew || p == 0, fmt("p = %.17g: dropout drew no number from rng: each unit's fate "
                                "must come from it", p));
    why = r.unscaled == r.wrong_value
              ? "kept units must be scaled by 1 / (1 - p), so that a unit's expected output is "
                "its input"
          : r.multiplied == r.wrong_value ? "kept units are divided by 1 - p, not multiplied"
                                          : "a kept unit's expected output must be its input";
    check(r.wrong_value == 0,
          fmt("p = %.17g: %g kept units came out wrong: ", p, r.wrong_value) + why +
              "; the first: " + r.first_value);
}

void check_dropout_gradients(const DropoutRun& r, double p) {
    check(r.dropped_passing == 0,
          fmt("p = %.17g: %g dropped units passed a gradient back: a dropped unit must pass 0 "
              "back; the first: ", p, r.dropped_passing) + r.first_dropped);
    std::string why = r.kept_passing_1 == r.wrong_gradient
                          ? "it passed back 1, but the unit scaled its input on the way "
                            "forward: the gradient goes back through the same factor"
                          : "a kept unit passes back the factor it scaled its input by";
    check(r.wrong_gradient == 0,
          fmt("p = %.17g: %g kept units passed back a wrong gradient: ", p, r.wrong_gradient) +
              why + "; the first: " + r.first_kept);
}

// 100,000 units at p = 0.3: what a kept unit and a dropped one pass on, forward and back, is
// worked by hand.
void check_dropout_on_many_units() {
    const double p = 0.3, scale = 1.4285714285714286;
    DropoutRun r = run_dropout(p, 11, 100000);
    check_dropout_values(r, p);
    check_dropout_gradients(r, p);
    size_t keep = graph.nodes.size();
    Value x = 0.75;
    Rng masks{11};
    Value y = dropout(x, p, masks);
    for (int i = 0; i < 100 && y.data() == 0; ++i) y = dropout(x, p, masks);
    check_close(y.data(), 0.75 * scale, 1e-15, "a kept unit of 0.75 at p = 0.3 comes out");
    check_close(graph_tangent(y, x), scale, 1e-15, "and passes back");
    graph_truncate(keep);
}

// This variant's rate between 0.15 and 0.6, on 40,000 units, and p = 0, which drops
// nothing and scales nothing.
double variant_dropout_rate(const std::string& salt) {
    Rng rng = variant_rng(salt);
    return between(rng, 0.15, 0.6);
}

void test_dropout_at_a_variants_rate_drops_that_share_and_scales_the_rest() {
    double p = variant_dropout_rate("dropout: values");
    check_dropout_values(run_dropout(p, variant_rng("dropout: masks").next(), 40000), p);
    DropoutRun none = run_dropout(0.0, 3, 1000);
    check(none.dropped == 0 && none.wrong_value == 0,
          fmt("p = 0: %g of 1000 units dropped and %g changed: at p = 0 nothing is dropped or "
              "scaled", none.dropped, none.wrong_value));
}

void test_dropout_at_a_variants_rate_passes_back_what_it_passes_on() {
    double p = variant_dropout_rate("dropout: gradients");
    check_dropout_gradients(run_dropout(p, variant_rng("dropout: masks").next(), 40000), p);
}

// The modes. A 2-8-8-3 tanh network: forward_training at p = 0 is forward (evaluation),
// value for value and node for node, and draws no random number; at p = 0.5 each of its
// 16 hidden units, and only those, goes through one dropout node after its activation,
// which is 0 or twice the unit.
void check_dropout_modes() {
    size_t keep = graph.nodes.size();
    MLP model(2, {8, 8, 3}, Activation::Tanh, 3);
    Dataset point = dataset_of({{0.3, -0.2, 0}});
    Rng masks{5};
    uint64_t untouched = masks.state;
    size_t start = graph.nodes.size();
    std::vector<double> plain_out = data_of(forward(model, point, 0));
    size_t plain_nodes = graph.nodes.size() - start;
    std::vector<double> p0_out = data_of(forward_training(model, point, 0, 0.0, masks));
    size_t p0_nodes = graph.nodes.size() - start - plain_nodes;
    check(p0_out == plain_out, "p = 0: the outputs are those without dropout");
    check(p0_nodes == plain_nodes, fmt("p = 0: %g nodes, want %g as without dropout",
                                       p0_nodes, plain_nodes));
    check(masks.state == untouched, "p = 0 draws no random number");
    size_t before = graph.nodes.size();
    forward_training(model, point, 0, 0.5, masks);
    int dropouts = 0, misplaced = 0, wrong = 0;
    for (size_t i = before; i < graph.nodes.size(); ++i) {
        const Node& n = graph.nodes[i];
        if (std::strcmp(n.op, "dropout") != 0) continue;
        ++dropouts;
        if (n.edge_count != 1) {
            ++misplaced;
            continue;
        }
        const Node& unit = graph.nodes[size_t(graph.edges[size_t(n.first_edge)].input)];
        misplaced += std::strcmp(unit.op, "tanh") != 0;
        wrong += n.data != 0 && n.data != 2 * unit.data;
    }
    check(graph.nodes.size() - before == plain_nodes + 16,
          fmt("p = 0.5: %g nodes, want %g: one more per hidden unit",
              graph.nodes.size() - before, plain_nodes + 16));
    check(dropouts == 16, fmt("p = 0.5: %g dropout nodes, want 16, one per hidden unit",
                              dropouts));
    check(misplaced == 0, fmt("%g dropout nodes do not take a hidden unit's output (its tanh)",
                              misplaced));
    check(wrong == 0, fmt("%g dropout nodes are neither 0 nor twice their unit at p = 0.5", wrong));
    graph_truncate(keep);
}

void test_dropout_drops_the_share_asked_scales_the_rest_and_nothing_at_evaluation() {
    check_dropout_on_many_units();
    check_dropout_modes();
}

// train_step's forward passes run in training mode (they draw dropout's masks); evaluate,
// and so train's measurement of every epoch, runs the network as it is. So two runs from
// the same seed, with and without dropout, measure the same epoch 0 and then part ways.
void test_train_step_runs_in_training_mode_and_evaluate_in_evaluation_mode() {
    size_t keep = graph.nodes.size();
    MLP model(2, {8, 3}, Activation::Tanh, 3);
    Rng masks{5};
    uint64_t untouched = masks.state;
    Dataset data = spiral(5, 3, 0.2, 1);
    std::vector<Value> params = model.parameters();
    Optimizer opt(OptimizerKind::SGD, 0.0, 0.0);  // lr 0: the weights stay as they are
    TrainConfig dropping;
    dropping.dropout = 0.5;
    train_step(model, params, data, {0, 1, 2}, dropping, opt, masks);
    check(masks.state != untouched, "train_step's forward passes draw dropout masks");
    TrainConfig cfg = spiral_settings();
    cfg.hidden = {8};
    cfg.optimizer = OptimizerKind::SGD;  // a test of the mode, not of Adam
    cfg.max_epochs = 2;
    std::vector<TrainResult> runs;
    for (double rate : {0.0, 0.5}) {
        cfg.dropout = rate;
        MLP net(2, layer_sizes(cfg, 3), cfg.act, 1);
        runs.push_back(train(net, data, {}, cfg));
    }
    check(runs[0].history[0].train_loss == runs[1].history[0].train_loss,
          "train measures epoch 0 in evaluation mode: the same with and without dropout");
    check(runs[0].history[1].train_loss != runs[1].history[1].train_loss,
          "train trains with cfg.dropout: epoch 1 differs from the run without it");
    graph_truncate(keep);
}

void test_learning_rate_starts_at_lr_and_falls_in_a_line_to_the_final_rate() {
    TrainConfig cfg;
    cfg.learning_rate = 0.01;
    cfg.schedule = Schedule::Linear;
    cfg.final_learning_rate = 0.001;
    cfg.max_epochs = 101;
    check_close(learning_rate_at(cfg, 1), 0.01, 1e-15, "epoch 1: the first rate");
    check_close(learning_rate_at(cfg, 51), 0.0055, 1e-15, "epoch 51 of 101: halfway");
    check_close(learning_rate_at(cfg, 101), 0.001, 1e-15, "the last epoch: the final rate");
    cfg.final_learning_rate = 0;
    check(learning_rate_at(cfg, 101) >= 0, "a final rate of 0 is never overshot");
    cfg.schedule = Schedule::Constant;
    check_close(learning_rate_at(cfg, 77), 0.01, 0, "a constant rate: the same every epoch");
}

// ---- Random numbers and datasets -----------------------------------------------------------

void test_rng_uniform_gaussian_and_below_have_the_documented_distributions() {
    Rng rng{42};
    const int n = 200000;
    double lo = 1, hi = 0, sum = 0;
    for (int i = 0; i < n; ++i) {
        double u = rng.uniform();
        lo = std::min(lo, u), hi = std::max(hi, u), sum += u;
    }
    check(lo >= 0 && hi < 1, "uniform lies in [0, 1)");
    check(std::fabs(sum / n - 0.5) < 4 * std::sqrt(1.0 / 12 / n), fmt("uniform's mean %g, want 0.5", sum / n));
    double gsum = 0, gsquares = 0;
    for (int i = 0; i < n; ++i) {
        double g = rng.gaussian();
        gsum += g, gsquares += g * g;
    }
    double mean = gsum / n, var = gsquares / n - mean * mean;
    check(std::fabs(mean) < 4 / std::sqrt(double(n)), fmt("gaussian's mean %g, want 0", mean));
    check(std::fabs(var - 1) < 4 * std::sqrt(2.0 / n), fmt("gaussian's variance %g, want 1", var));
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 70000; ++i) ++counts[size_t(rng.below(7))];
    for (int k = 0; k < 7; ++k)
        check(std::abs(counts[size_t(k)] - 10000) < 400, fmt("below(7) gave %g %g times of 70000", k, counts[size_t(k)]));
}

void test_shuffle_returns_a_permutation_and_reaches_every_order() {
    Rng rng{3};
    std::vector<int> big(1000);
    for (int i = 0; i < 1000; ++i) big[size_t(i)] = i;
    shuffle(big, rng);
    std::vector<int> sorted = big;
    std::sort(sorted.begin(), sorted.end());
    bool permutation = true;
    for (int i = 0; i < 1000; ++i) permutation = permutation && sorted[size_t(i)] == i;
    check(permutation, "every item once, none lost or doubled");
    check(big[0] != 0 || big[1] != 1 || big[2] != 2, "the order changed");
    int seen[3][3][3] = {};
    for (int k = 0; k < 6000; ++k) {
        std::vector<int> v = {0, 1, 2};
        shuffle(v, rng);
        ++seen[v[0]][v[1]][v[2]];
    }
    int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (auto& o : orders) {
        int count = seen[o[0]][o[1]][o[2]];
        check(std::abs(count - 1000) < 130, fmt("order %g%g%g", o[0], o[1], o[2]) + fmt(" seen %g times of 6000, want about 1000", count));
    }
}

// An image's features are its bytes over 255, as the network reads them: 0, 51 and 255
// become 0, 0.2 and 1 (51 / 255 is 0.2 to the last bit). A subset keeps its kind.
void test_an_images_features_are_its_bytes_over_255() {
    Dataset images;
    images.kind = DataKind::Images;
    images.dims = 3;
    images.bytes = {0, 51, 255, 255, 0, 51};
    images.labels = {4, 7};
    std::vector<double> x = images.features(1);
    check(x.size() == 3, fmt("image 1: %g features, want 3", x.size()));
    if (x.size() != 3) return;
    check(x[0] == 1.0 && x[1] == 0.0 && x[2] == 0.2,
          fmt("image 1's features: %.17g, %.17g, %.17g, want 1, 0 and 0.2", x[0], x[1], x[2]));
    Dataset second = images.subset({1});
    check(second.kind == DataKind::Images && second.features(0) == x && second.labels[0] == 7,
          "a subset of images is images, with the same features and labels");
}

void test_split_off_is_the_right_size_disjoint_complete_and_keeps_the_class_mix() {
    Dataset data;
    for (int i = 0; i < 300; ++i) data.add({double(i), 0, i < 150 ? 0 : i < 250 ? 1 : 2});
    Dataset all = data;
    Rng rng{9};
    Dataset val = split_off(data, 0.2, rng);
    check(val.size() == 60 && data.size() == 240, fmt("60 + 240 points, got %g + %g", val.size(), data.size()));
    std::vector<int> owner(300, 0);  // how often each point (its x) appears in either set
    for (const Point& p : val.points()) ++owner[size_t(p.x)];
    for (const Point& p : data.points()) ++owner[size_t(p.x)];
    check(std::count(owner.begin(), owner.end(), 1) == 300, "every point in exactly one set");
    int per_class[3] = {};
    for (const Point& p : val.points()) ++per_class[p.label];
    check(per_class[0] == 30 && per_class[1] == 20 && per_class[2] == 10,
          fmt("a fifth of each class: %g, %g, %g, want 30, 20, 10", per_class[0], per_class[1], per_class[2]));
    bool labels_kept = true;
    for (const Point& p : val.points()) labels_kept = labels_kept && p.label == all.point(size_t(p.x)).label;
    check(labels_kept, "points keep their labels");
    bool mixed = false;
    for (size_t i = 1; i < val.size(); ++i) mixed = mixed || val.point(i).x < val.point(i - 1).x;
    check(mixed, "the validation points are a random draw, not the first ones");
}

// With no noise, point k of n in arm c sits at radius k/(n-1) and angle t = 4c + 4k/(n-1)
// in (r sin 2.5t, r cos 2.5t): check both, against the formula, not the code.
void test_spiral_and_moons_points_lie_where_their_formulas_put_them() {
    Dataset s = spiral(50, 3, 0.0, 1);
    check(s.size() == 150 && class_count(s) == 3, "spiral: 3 x 50 points");
    double worst = 0;
    for (int c = 0; c < 3; ++c) {
        for (int k = 0; k < 50; ++k) {
            const Point p = s.point(size_t(c * 50 + k));
            double r = k / 49.0, t = 4.0 * c + 4.0 * k / 49.0;
            worst = std::max({worst, std::fabs(std::hypot(p.x, p.y) - r),
                              std::fabs(p.x - r * std::sin(2.5 * t)), std::fabs(p.y - r * std::cos(2.5 * t))});
            check(p.label == c, "spiral: label = arm");
        }
    }
    check(worst < 1e-12, fmt("spiral: radius and angle as the formula says, off by %g", worst));
    Dataset m = moons(100, 0.0, 1);
    check(m.size() == 100 && class_count(m) == 2, "moons: 100 points, 2 classes");
    double off_arc = 0;
    for (const Point& p : m.points()) {
        bool upper = p.label == 0;  // upper: unit circle around (0, 0), y >= 0
        double r = upper ? std::hypot(p.x, p.y) : std::hypot(p.x - 1, p.y - 0.5);
        off_arc = std::max(off_arc, std::fabs(r - 1));
        check(upper ? p.y >= -1e-12 : p.y <= 0.5 + 1e-12, "moons: each on its half of the circle");
    }
    check(off_arc < 1e-12, fmt("moons: on their arcs, off by %g", off_arc));
    Dataset again = spiral(100, 3, 0.2, 1), other = spiral(100, 3, 0.2, 2), same = spiral(100, 3, 0.2, 1);
    check(again.point(50).x == same.point(50).x && again.point(250).y == same.point(250).y, "same seed, same points");
    check(other.point(50).x != again.point(50).x, "another seed, other points");
    check(xor_data().size() == 4, "xor: 4 points");
}

// The best possible spiral classifier on six points placed by hand at radius 0.5, where
// arm c's centre line is at angle 10c + 5 (mod 2 pi arm 2 is 1.15 rad past arm 0, arm 1
// 2.57 rad from both): a point on each arm's line is given that arm; a point of arm 0
// moved 0.9 rad towards arm 2 is given arm 2 (it is nearer), a point of arm 2 moved 0.9
// rad back is given arm 0, and a point of arm 1 moved 0.5 rad stays arm 1. Four of six
// are right, counted by hand.
void test_the_best_possible_spiral_classifier_on_points_placed_by_hand() {
    auto at = [](double angle, int label) { return Point{0.5 * std::sin(angle), 0.5 * std::cos(angle), label}; };
    std::vector<Point> points = {at(5, 0), at(15, 1), at(25, 2), at(5 + 0.9, 0), at(25 - 0.9, 2), at(15 + 0.5, 1)};
    const int want[] = {0, 1, 2, 2, 0, 1};
    for (size_t i = 0; i < points.size(); ++i) {
        int got = argmax(spiral_arm_probabilities(points[i].x, points[i].y, 3, 0.2));
        check(got == want[i], fmt("point %g: arm %g, want %g", i, got, want[i]));
    }
    check_close(spiral_best_accuracy(dataset_of(points), 3, 0.2), 4.0 / 6, 1e-15, "4 of the 6 right");
    std::vector<double> p = spiral_arm_probabilities(at(15, 1).x, at(15, 1).y, 3, 0.2);
    check(p[1] > 0.9999, fmt("on arm 1's line, 5 noise widths from the others: p = %g", p[1]));
    double middle = 5 + 0.5 * (20 - 6 * 3.14159265358979323846);  // halfway from arm 0 to arm 2
    p = spiral_arm_probabilities(at(middle, 0).x, at(middle, 0).y, 3, 0.2);
    check_close(p[0], 0.5, 1e-6, "halfway between arms 0 and 2: an even chance, arm 0");
    check_close(p[2], 0.5, 1e-6, "and arm 2");
    check_close(p[0] + p[1] + p[2], 1.0, 1e-15, "probabilities sum to 1");
}

// Section 13's data: the sizes the README gives, classes in equal shares in every set, and
// test sets drawn from seeds of their own, not the training data's.
void test_the_experiments_data_has_the_documented_sizes_and_separate_test_sets() {
    Split d = spiral_data(1);
    check(d.train.size() == 720 && d.val.size() == 180 && d.test.size() == 3000,
          fmt("spiral: 720, 180, 3000 points, got %g, %g, %g", d.train.size(), d.val.size(), d.test.size()));
    int val_per_class[3] = {};
    for (const Point& p : d.val.points()) ++val_per_class[p.label];
    check(val_per_class[0] == 60 && val_per_class[1] == 60 && val_per_class[2] == 60,
          "spiral: 60 validation points of each class");
    Dataset same_seed = spiral(1000, 3, 0.2, 1);
    check(d.test.point(7).x != same_seed.point(7).x, "spiral: the test set has a seed of its own");
    Split m = moons_data(2);
    check(m.train.size() == 100 && m.val.empty() && m.test.size() == 100, "moons: 100 + 100 points");
    check(m.test.point(3).x != moons(100, 0.1, 2).point(3).x, "moons: the test set has a seed of its own");
}

// ---- Training ------------------------------------------------------------------------------

void test_an_epoch_takes_ceil_n_over_batch_steps_and_visits_every_point_once() {
    std::vector<int> order(10);
    for (int i = 0; i < 10; ++i) order[size_t(i)] = 9 - i;
    for (int size : {1, 3, 4, 10, 0}) {
        std::vector<std::vector<int>> batches = batches_of(order, size);
        size_t want = size == 0 ? 1 : size_t((10 + size - 1) / size);
        check(batches.size() == want, fmt("batch %g: %g batches, want %g", size, batches.size(), want));
        std::vector<int> joined;
        for (const auto& b : batches) joined.insert(joined.end(), b.begin(), b.end());
        check(joined == order, fmt("batch %g: together, every point once, in order", size));
    }
    size_t keep = graph.nodes.size();
    TrainConfig cfg = spiral_settings();
    cfg.hidden = {4};
    cfg.batch_size = 16;
    Dataset data = spiral(30, 3, 0.2, 2);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, 1);
    Training run = start_training(model, data, cfg);
    train_epoch(model, run, data, cfg, 1);
    check(run.opt.t == 6, fmt("90 points in batches of 16: 6 steps, took %g", run.opt.t));
    std::vector<int> first = run.order;
    train_epoch(model, run, data, cfg, 2);
    check(run.order != first, "the next epoch visits the points in another order");
    graph_truncate(keep);
}

// train_step's value is the mean loss over the batch (plus the L2 penalty); its step is
// the gradient of that. With plain SGD at rate 1, a weight moves by minus its gradient.
void test_a_step_uses_the_batch_mean_and_l2_adds_2_alpha_w_to_each_gradient() {
    size_t keep = graph.nodes.size();
    Dataset data = spiral(4, 3, 0.2, 7);
    MLP model(2, {5, 3}, Activation::Tanh, 3);
    std::vector<Value> params = model.parameters();
    std::vector<double> start = data_of(params);
    std::vector<int> batch = {0, 4, 8, 11};
    Dataset picked = data.subset({0, 4, 8, 11});
    double mean = mean_loss(model, picked);
    Optimizer plain(OptimizerKind::SGD, 1.0, 0.0);
    double value = step_with(model, params, data, batch, Loss::SoftmaxCrossEntropy, 0.0, plain);
    check_close(value, mean, 1e-14, "the batch's loss is the mean of its points' losses");
    std::vector<double> step_without = data_of(params);
    set_data(params, start);
    double alpha = 0.05, penalty = 0;
    for (double w : start) penalty += alpha * w * w;
    Optimizer plain2(OptimizerKind::SGD, 1.0, 0.0);
    value = step_with(model, params, data, batch, Loss::SoftmaxCrossEntropy, alpha, plain2);
    check_close(value, mean + penalty, 1e-14, "with L2: the mean plus alpha * sum w^2");
    for (size_t i = 0; i < params.size(); ++i) {
        double extra = (start[i] - params[i].data()) - (start[i] - step_without[i]);
        check_close(extra, 2 * alpha * start[i], 1e-12, "L2 adds 2 alpha w to the gradient of " + parameter_name(model, i));
    }
    graph_truncate(keep);
}

// Part III's backward_from is section 3's walk over one step's nodes: from the first node
// the step made, every weight's grad is what backward() gives, to the last bit; a second
// call adds as much again (leaves accumulate); and a computed node made before the step is
// left alone, where backward() would zero it.
void test_backward_from_a_steps_first_node_gives_backwards_grads_bit_for_bit() {
    size_t keep = graph.nodes.size();
    MLP model(2, {5, 4, 3}, Activation::Tanh, 4);
    std::vector<Value> params = model.parameters();
    Value before = params[0] * 2.0;
    before.grad() = 5.0;
    Dataset data = spiral(3, 3, 0.2, 1);
    int first = int(graph.nodes.size());
    Value loss = point_loss(forward(model, data, 4), data.labels[4], Loss::SoftmaxCrossEntropy);
    loss = loss * 0.7;
    model.zero_grad();
    loss.backward();
    std::vector<double> whole;
    for (Value p : params) whole.push_back(p.grad());
    before.grad() = 5.0;
    model.zero_grad();
    backward_from(loss, first);
    for (size_t k = 0; k < params.size(); ++k)
        check(params[k].grad() == whole[k],
              parameter_name(model, k) + fmt(": backward_from %.17g, backward() %.17g",
                                             params[k].grad(), whole[k]));
    check(before.grad() == 5.0, fmt("a node made before `first`: grad %g, want 5, untouched",
                                     before.grad()));
    backward_from(loss, first);
    for (size_t k = 0; k < params.size(); ++k)
        check(params[k].grad() == 2 * whole[k],
              parameter_name(model, k) + fmt(": after a second call %.17g, want twice %.17g",
                                             params[k].grad(), whole[k]));
    Value leaf = params[0];  // called on a leaf, as backward() is: it accumulates 1 a call
    leaf.grad() = 0.0;
    backward_from(leaf, leaf.id);
    backward_from(leaf, leaf.id);
    check(leaf.grad() == 2.0, fmt("backward_from twice on a leaf: grad %g, want 2", leaf.grad()));
    graph_truncate(keep);
}

// The sum node behind a layer's output: the output itself in a linear layer, else the
// one input of its activation's node.
const Node& sum_node_of(Value out, Activation act) {
    if (act == Activation::Linear) return out.node();
    return graph.nodes[size_t(graph.edges[size_t(out.node().first_edge)].input)];
}

// Part III's layer_forward must make what Layer's operator() makes, neuron by neuron: the
// same outputs, and sums of the same value with the same edges in the same order, less the
// edges to weights whose data input is 0 (zero[i] for input i; empty for Values).
void check_layer_forward_as_operator(const std::string& what, const Layer& layer,
                                     const std::vector<Value>& by_operator,
                                     const std::vector<Value>& by_layer_forward,
                                     const std::vector<bool>& zero) {
    check(by_operator.size() == by_layer_forward.size(), what + ": as many outputs");
    for (size_t j = 0; j < by_operator.size() && j < by_layer_forward.size(); ++j) {
        std::string neuron = what + fmt(": neuron %g", double(j));
        const Node& want = sum_node_of(by_operator[j], layer.act);
        const Node& got = sum_node_of(by_layer_forward[j], layer.act);
        check(got.data == want.data, neuron + fmt(": sum %.17g, want %.17g", got.data, want.data));
        check(by_layer_forward[j].data() == by_operator[j].data(), neuron + ": its output");
        std::vector<Edge> kept;  // the operator's edges that layer_forward must make
        for (int e = 0; e < want.edge_count; ++e) {
            if (size_t(e) < zero.size() && zero[size_t(e)]) continue;
            kept.push_back(graph.edges[size_t(want.first_edge + e)]);
        }
        check(size_t(got.edge_count) == kept.size(),
              neuron + fmt(": %g edges, want %g", got.edge_count, double(kept.size())));
        for (size_t e = 0; e < std::min(size_t(got.edge_count), kept.size()); ++e) {
            const Edge& g = graph.edges[size_t(got.first_edge) + e];
            const Edge& w = kept[e];
            check(g.input == w.input && g.local == w.local,
                  neuron + fmt(": edge %g goes to node %g with local %.17g", double(e), g.input,
                               g.local) + fmt(", want node %g with %.17g", w.input, w.local));
        }
    }
}

// Seven neurons reading data, two of it 0 (four neurons at once, then three with a copy),
// then six reading the seven's Values (four, then two with two copies), a tanh layer and a
// linear one; and a layer of two neurons reading data that is all 0.
void test_layer_forward_makes_layer_operators_sums_and_edges_less_those_of_zero_data() {
    size_t keep = graph.nodes.size();
    Rng rng = variant_rng("layer_forward");
    MLP model(6, {7, 6}, Activation::Tanh, rng.next());
    randomise_biases(model, rng.next());
    std::vector<double> data;
    for (int i = 0; i < 6; ++i) data.push_back(i == 1 || i == 4 ? 0.0 : sized(rng, 0.2, 1.5));
    std::vector<bool> zero;
    for (double x : data) zero.push_back(x == 0.0);
    std::vector<Value> first = model.layers[0](data);
    std::vector<Value> fast_first = layer_forward(model.layers[0], data);
    check_layer_forward_as_operator("reading data", model.layers[0], first, fast_first, zero);
    std::vector<Value> second = model.layers[1](first);
    std::vector<Value> fast_second = layer_forward(model.layers[1], first);
    check_layer_forward_as_operator("reading Values", model.layers[1], second, fast_second, {});
    MLP small(3, {2}, Activation::Tanh, rng.next());  // two neurons in all, and data all 0
    randomise_biases(small, rng.next());
    std::vector<double> zeros(3, 0.0);
    std::vector<Value> by_operator = small.layers[0](zeros);
    std::vector<Value> fast = layer_forward(small.layers[0], zeros);
    check_layer_forward_as_operator("two neurons reading zeros", small.layers[0], by_operator,
                                    fast, {true, true, true});
    graph_truncate(keep);
}

// backward_from skips a node whose grad is 0, which passes 0 down every edge. In a relu
// network some units are off (relu's local derivative 0): the grads must still be
// backward()'s, to the last bit, and every unit that is on must pass its share, however
// small (the loss is scaled by 1e-9, so that every grad is tiny).
void test_backward_from_skips_only_what_passes_nothing_in_a_relu_network() {
    size_t keep = graph.nodes.size();
    MLP model(2, {9, 8, 3}, Activation::ReLU, 6);
    std::vector<Value> params = model.parameters();
    Dataset data = spiral(5, 3, 0.2, 2);
    int off = 0;
    for (int i = 0; i < int(data.size()); ++i) {
        int first = int(graph.nodes.size());
        Value loss = point_loss(forward(model, data, i), data.labels[size_t(i)],
                                Loss::SoftmaxCrossEntropy);
        for (int n = first; n < loss.id; ++n) off += graph.nodes[size_t(n)].data == 0.0;
        loss = loss * 1e-9;
        model.zero_grad();
        loss.backward();
        std::vector<double> whole = data_of(params);
        for (size_t k = 0; k < params.size(); ++k) whole[k] = params[k].grad();
        model.zero_grad();
        backward_from(loss, first);
        for (size_t k = 0; k < params.size(); ++k)
            check(params[k].grad() == whole[k],
                  fmt("point %g: ", i) + parameter_name(model, k) +
                      fmt(": backward_from %.17g, backward() %.17g", params[k].grad(), whole[k]));
        graph_truncate(size_t(first));
    }
    graph_truncate(keep);
    check(off > 10, fmt("only %g relu units were off: the case tests no skipping", off));
}

// Part III's hand-written loops for the bench (fast_dense_forward, fast_dense_backward)
// must give section 8's numbers to the last bit: widths that are not multiples of four,
// relu units that are off, a tanh layer, and grads so small (1e-9 times the usual) that
// only an exact 0 may be skipped.
void test_the_benchs_fast_loops_give_section_8s_numbers_bit_for_bit() {
    DenseCase d = dense_case("fast dense", 6, {{7, Activation::ReLU}, {9, Activation::Tanh}}, 5);
    for (double& c : d.c) c *= 1e-9;
    DenseMLP fast = d.net;
    std::vector<double> out = dense_forward(d.net, d.x);
    std::vector<double> fast_out = fast_dense_forward(fast, d.x);
    for (size_t j = 0; j < out.size(); ++j)
        check(fast_out[j] == out[j], fmt("output %g: %.17g, want %.17g", j, fast_out[j], out[j]));
    int off = 0;
    for (double a : d.net.layers[0].out) off += a == 0.0;
    check(off > 0 && off < 7, fmt("%g of 7 relu units off: the case tests no skipping", off));
    dense_zero_grad(d.net);
    dense_zero_grad(fast);
    dense_backward(d.net, d.c);
    std::vector<double> g = d.c, g_in;
    fast_dense_backward(fast, g, g_in);
    for (size_t l = 0; l < d.net.layers.size(); ++l) {
        const DenseLayer& want = d.net.layers[l];
        const DenseLayer& got = fast.layers[l];
        for (size_t k = 0; k < want.grad_w.size(); ++k)
            check(got.grad_w[k] == want.grad_w[k],
                  fmt("layer %g grad_w[%g]: %.17g, want %.17g", l, k, got.grad_w[k], want.grad_w[k]));
        for (size_t j = 0; j < want.grad_b.size(); ++j)
            check(got.grad_b[j] == want.grad_b[j],
                  fmt("layer %g grad_b[%g]: %.17g, want %.17g", l, j, got.grad_b[j], want.grad_b[j]));
    }
}

// train_step walks one point's graph at a time. The plain way is one graph for the batch,
// mean + penalty, and one backward(): built here by hand, it must give every gradient to
// the last bit (the point-by-point step adds the same numbers in the same order).
void test_a_step_point_by_point_gives_the_gradients_of_one_graph_of_the_batch_bit_for_bit() {
    size_t keep = graph.nodes.size();
    Dataset data = spiral(6, 3, 0.2, 2);
    MLP model(2, {6, 5, 3}, Activation::Tanh, 5);
    randomise_biases(model, 3);
    std::vector<Value> params = model.parameters();
    std::vector<int> batch = {2, 9, 0, 14, 5};
    size_t after_model = graph.nodes.size();
    for (double alpha : {0.0, 0.01}) {
        model.zero_grad();
        Value total = 0.0;
        for (int i : batch)
            total = total + point_loss(forward(model, data.point(size_t(i))), data.labels[size_t(i)],
                                       Loss::SoftmaxCrossEntropy);
        Value objective = total / double(batch.size());
        if (alpha > 0) objective = objective + l2_penalty(params, alpha);
        objective.backward();
        std::vector<double> one_graph;
        for (Value p : params) one_graph.push_back(p.grad());
        double one_graph_loss = objective.data();
        graph_truncate(after_model);
        Optimizer none(OptimizerKind::SGD, 0.0, 0.0);  // a step of 0: the weights stay
        double value = step_with(model, params, data, batch, Loss::SoftmaxCrossEntropy, alpha, none);
        check_close(value, one_graph_loss, 1e-14, fmt("alpha %g: the step's loss, against the graph's", alpha));
        for (size_t k = 0; k < params.size(); ++k)
            check(params[k].grad() == one_graph[k],
                  fmt("alpha %g: ", alpha) + parameter_name(model, k) +
                      fmt(": the step's gradient %.17g, one graph's %.17g", params[k].grad(), one_graph[k]));
        check(graph.nodes.size() == after_model, "the step leaves the graph as it found it");
    }
    graph_truncate(keep);
}

// Early stopping on a made-up sequence of validation losses, min_delta 0.1, patience 3.
// Epoch 0 is early stopping's first best: record_untrained makes the untrained network's
// validation loss and weights the best so far, so a run in which no epoch does better
// keeps the weights it started from.
void test_the_untrained_network_is_early_stoppings_first_best() {
    size_t keep = graph.nodes.size();
    Dataset data = spiral(4, 3, 0.2, 1);
    TrainConfig cfg;
    MLP model(2, {4, 3}, Activation::Tanh, 2);
    Training run = start_training(model, data, cfg);
    record_untrained(run, {0, 1.5, 0.75, 0.5, 0.5, cfg.learning_rate}, true);
    check(run.result.history.size() == 1, fmt("%g epochs recorded, want 1", run.result.history.size()));
    check(run.stopping.best_epoch == 0 && run.stopping.best_loss == 0.75,
          fmt("the best: epoch %g, loss %g, want epoch 0 and its validation loss 0.75",
              run.stopping.best_epoch, run.stopping.best_loss));
    check(run.stopping.best_weights == data_of(model.parameters()),
          "the best weights are the untrained network's");
    graph_truncate(keep);
}

void test_early_stopping_keeps_the_best_epoch_and_stops_after_patience() {
    //                        epoch: 0    1    2     3    4     5    6     7    8
    const double losses[] = {2.0, 1.5, 1.45, 1.3, 1.25, 1.2, 1.21, 1.0, 0.95};
    EarlyStopping stopping(0.1, 3);
    for (int e = 0; e <= 6; ++e) {
        bool stop = stopping.should_stop(e, losses[e], {});
        check(stop == (e == 6), fmt("epoch %g (loss %g): should_stop said %g", e, losses[e], stop));
    }
    check(stopping.best_epoch == 3, fmt("the best epoch is 3 (loss 1.3), got %g", stopping.best_epoch));
    check_close(stopping.best_loss, 1.3, 0, "the best loss");
    EarlyStopping again(0.1, 3);
    for (int e = 0; e <= 5; ++e) again.should_stop(e, losses[e], {});
    check(!again.should_stop(7, losses[7], {}), "a new best after two misses: no stop");
    check(again.best_epoch == 7 && again.epochs_since_best == 0, "and the count starts again");
    check(!again.should_stop(8, losses[8], {}) && again.epochs_since_best == 1,
          "0.95 beats 1.0 by less than min_delta: one miss");
    EarlyStopping equal(0.0, 2);
    equal.should_stop(0, 1.0, {});
    check(!equal.should_stop(1, 1.0, {}) && equal.best_epoch == 0, "an equal loss is no improvement");
    size_t keep = graph.nodes.size();
    std::vector<Value> w = {Value(1.0), Value(2.0)};
    EarlyStopping kept(0.0, 5);
    kept.should_stop(0, 3.0, w);
    w[0].data() = 7.0;
    kept.should_stop(1, 4.0, w);
    check(kept.best_weights == std::vector<double>{1.0, 2.0}, "it keeps a copy of the best weights");
    graph_truncate(keep);
}

// A script of validation losses made to order: each epoch after the first is either a new
// best (lower than the best so far by more than min_delta: by min_delta and 0.01 to 0.3
// more) or a miss (lower by less than min_delta, or higher). What should_stop must say,
// and the best epoch, follow from the script, not from running it.
struct StoppingScript {
    double min_delta;
    int patience;
    std::vector<double> losses;
    std::vector<int> best_epoch;  // after each epoch
    std::vector<int> misses;      // misses in a row after each epoch
};

// `runs`: the number of misses before each new best; then `tail` misses.
StoppingScript stopping_script(Rng& rng, double min_delta, int patience,
                               const std::vector<int>& runs, int tail) {
    StoppingScript s{min_delta, patience, {between(rng, 2.0, 3.0)}, {0}, {0}};
    double best = s.losses[0];
    auto miss = [&]() {
        double loss = rng.uniform() < 0.5 ? best - min_delta * between(rng, 0.0, 0.9)
                                          : best + between(rng, 0.0, 0.3);
        s.losses.push_back(loss);
        s.best_epoch.push_back(s.best_epoch.back());
        s.misses.push_back(s.misses.back() + 1);
    };
    for (int run : runs) {
        for (int k = 0; k < run; ++k) miss();
        best -= min_delta + between(rng, 0.01, 0.3);
        s.losses.push_back(best);
        s.best_epoch.push_back(int(s.losses.size()) - 1);
        s.misses.push_back(0);
    }
    for (int k = 0; k < tail; ++k) miss();
    return s;
}

// Early stopping stops after exactly `patience` misses in a row, the count starting again
// at each new best: a script of this variant, with runs of misses up to patience - 1.
void test_early_stopping_stops_after_patience_misses_in_a_row_at_a_variants_script() {
    Rng rng = variant_rng("early stopping: patience");
    int patience = 2 + rng.below(3);
    std::vector<int> runs;
    for (int k = 0; k < 4; ++k) runs.push_back(rng.below(patience));
    runs.push_back(patience - 1);
    StoppingScript s = stopping_script(rng, between(rng, 0.01, 0.1), patience, runs, patience);
    EarlyStopping stopping(s.min_delta, patience);
    int since_start = 0;  // misses since epoch 0, as a count never started again would have it
    for (size_t e = 0; e < s.losses.size(); ++e) {
        since_start += e > 0 && s.misses[e] > 0;
        bool want = e + 1 == s.losses.size(),
             got = stopping.should_stop(int(e), s.losses[e], {});
        if (stopping.best_epoch != s.best_epoch[e]) {
            double best = s.losses[size_t(s.best_epoch[e - 1])];
            check(false, fmt("min_delta %.17g: epoch %g, loss %.17g, ", s.min_delta, double(e),
                             s.losses[e]) +
                             fmt("against the best so far %.17g: ", best) +
                             (s.best_epoch[e] == int(e)
                                  ? "lower by more than min_delta, and so a new best"
                                  : "lower by less than min_delta, or higher: not a new best"));
            break;
        }
        if (got == want) continue;
        std::string why =
            want ? fmt("it did not stop after %g misses in a row (patience %g)", patience,
                       patience)
            : s.misses[e] + 1 == patience
                ? fmt("it stopped after %g misses in a row, one too soon: stop when the count "
                      "of epochs without a new best reaches patience, %g",
                      s.misses[e], patience)
            : since_start >= patience - 1 && s.misses[e] < since_start
                ? fmt("it stopped after %g misses in a row: the count of misses must start "
                      "again at each new best (the last was epoch %g)",
                      s.misses[e], s.best_epoch[e])
                : fmt("it stopped after %g misses in a row, with patience %g", s.misses[e],
                      patience);
        check(false, fmt("min_delta %.17g, patience %g: epoch %g, loss %.17g: ", s.min_delta,
                         patience, double(e), s.losses[e]) + why);
        break;
    }
}

// It keeps the best epoch, its loss and a copy of its weights: a script of this variant with
// weights that change every epoch, ending in misses.
void test_early_stopping_keeps_the_best_epochs_loss_and_weights_at_a_variants_script() {
    size_t keep = graph.nodes.size();
    Rng rng = variant_rng("early stopping: the best weights");
    StoppingScript s = stopping_script(rng, between(rng, 0.01, 0.1), 6, {1, 0, 2}, 3);
    std::vector<Value> w = {Value(0.0), Value(0.0), Value(0.0)};
    std::vector<std::vector<double>> weights;
    EarlyStopping stopping(s.min_delta, s.patience);
    for (size_t e = 0; e < s.losses.size(); ++e) {
        weights.push_back({between(rng, -1, 1), between(rng, -1, 1), between(rng, -1, 1)});
        set_data(w, weights.back());
        stopping.should_stop(int(e), s.losses[e], w);
    }
    int best = s.best_epoch.back();
    std::string script = fmt("min_delta %.17g: the best epoch is %g", s.min_delta, best);
    check(stopping.best_epoch == best, script + fmt(", got %g", stopping.best_epoch));
    check_close(stopping.best_loss, s.losses[size_t(best)], 0,
                script + ": its loss, best_loss");
    std::string why = stopping.best_weights.empty()
                          ? "none were kept: copy the weights (data_of) at each new best"
                      : stopping.best_weights == weights.back()
                          ? "they are the last epoch's: copy the weights at a new best only"
                          : "they are another epoch's";
    check(stopping.best_weights == weights[size_t(best)],
          script + ": best_weights must be a copy of its weights: " + why);
    graph_truncate(keep);
}

// An improvement counts only when the loss is below best_loss - min_delta, the best so far
// (not the last epoch's): figures of this variant, multiples of 1/64, so that every sum and
// difference is exact in doubles and "by exactly min_delta" is exactly that.
void test_early_stopping_counts_only_improvements_beyond_min_delta_on_the_best_loss() {
    Rng rng = variant_rng("early stopping: min_delta");
    double best = (96 + rng.below(96)) / 64.0, min_delta = (2 + rng.below(6)) / 64.0;
    struct Epoch {
        double loss;
        bool new_best;
        const char* mistake;  // when it is taken the wrong way
    };
    const Epoch script[] = {
        {best, true, "the first epoch is always the best so far"},
        {best - min_delta, false,
         "lower by exactly min_delta is not a new best: the loss must be "
         "below best_loss - min_delta"},
        {best + 4 / 64.0, false, "a higher loss is not a new best"},
        {best + 3 / 64.0 - min_delta, false,
         "this beats the last epoch's loss by more than min_delta, not the best so far: "
         "compare "
         "with best_loss"},
        {best - min_delta - 1 / 64.0, true, "lower than best_loss - min_delta: a new best"},
        {best - min_delta - 1 / 64.0 - min_delta / 2, false,
         "lower by less than min_delta is not a new best"},
    };
    EarlyStopping stopping(min_delta, 10);
    int best_epoch = 0;
    for (int e = 0; e < 6; ++e) {
        stopping.should_stop(e, script[e].loss, {});
        best_epoch = script[e].new_best ? e : best_epoch;
        if (stopping.best_epoch == best_epoch) continue;
        check(false,
              fmt("min_delta %.17g, epoch %g, loss %.17g: ", min_delta, e, script[e].loss) +
                  fmt("best epoch %g, want %g: ", stopping.best_epoch, best_epoch) +
                  script[e].mistake);
        break;
    }
}

void test_fixed_seed_xor_run_converges() {
    size_t keep = graph.nodes.size();
    TrainConfig cfg = xor_settings();
    MLP model(2, layer_sizes(cfg, 1), cfg.act, cfg.seed);
    TrainResult r = train(model, xor_data(), {}, cfg);
    Evaluation e = evaluate(model, xor_data(), cfg.loss);
    check(r.stop == StopReason::TargetLoss, "stopped because the loss reached the target");
    check_close(e.accuracy, 1.0, 0, "all four points right");
    check(e.loss < cfg.target_loss, "final loss below the target");
    size_t last = r.history.size() - 1;
    check(r.history[last - 1].train_loss >= cfg.target_loss,
          "and it stopped at the first epoch below the target, not later");
    graph_truncate(keep);
}

void test_batch_sizes_one_mini_and_full_all_lower_the_loss() {
    for (int batch : {1, 5, 0}) {
        size_t keep = graph.nodes.size();
        TrainConfig cfg = spiral_settings();
        cfg.hidden = {8};
        cfg.batch_size = batch;
        cfg.learning_rate = 0.05;
        cfg.max_epochs = 30;
        Dataset data = spiral(20, 3, 0.2, 9);
        MLP model(2, layer_sizes(cfg, 3), cfg.act, 3);
        TrainResult r = train(model, data, {}, cfg);
        check(r.history.back().train_loss < r.history.front().train_loss * 0.9,
              fmt("batch %g: the loss fell by 10%% or more", batch));
        graph_truncate(keep);
    }
}

void test_training_restores_the_weights_of_the_best_validation_epoch() {
    size_t keep = graph.nodes.size();
    TrainConfig cfg = spiral_settings();
    cfg.hidden = {16};
    cfg.learning_rate = 0.05;  // large, so the validation loss wanders
    cfg.schedule = Schedule::Constant;
    cfg.max_epochs = 60;
    cfg.patience = 8;
    Dataset train_set = spiral(30, 3, 0.2, 4);
    Rng rng{5};
    Dataset val = split_off(train_set, 0.3, rng);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, 2);
    std::vector<Value> params = model.parameters();
    TrainResult r = train(model, train_set, val, cfg);
    // The weights after k epochs: the same run, k epochs long, without a validation set
    // (which only watches), keeps its last epoch's weights.
    auto weights_after = [&](int epochs) {
        TrainConfig k_epochs = cfg;
        k_epochs.max_epochs = epochs;
        MLP same(2, layer_sizes(cfg, 3), cfg.act, 2);
        train(same, train_set, {}, k_epochs);
        return data_of(same.parameters());
    };
    check(r.stop == StopReason::Patience, "stopped for lack of improvement");
    int last = int(r.history.size()) - 1;
    check(last - r.kept_epoch == cfg.patience, "stopped exactly `patience` epochs after the best");
    double best = 1e9;
    for (const EpochStats& s : r.history) best = std::min(best, s.val_loss);
    check_close(r.history[size_t(r.kept_epoch)].val_loss, best, 1e-12, "the kept epoch has the lowest val loss");
    check(data_of(params) == weights_after(r.kept_epoch), "the model holds the kept epoch's weights");
    check(data_of(params) != weights_after(last), "and not the last epoch's");
    check_close(evaluate(model, val, cfg.loss).loss, best, 1e-12, "its val loss is the best one");
    graph_truncate(keep);
}

void test_divergence_is_detected_and_the_last_good_weights_kept() {
    size_t keep = graph.nodes.size();
    TrainConfig cfg = spiral_settings();
    cfg.optimizer = OptimizerKind::SGD;
    cfg.act = Activation::ReLU;  // unbounded, so huge weights give infinite outputs
    cfg.learning_rate = 1e200;   // far too large: the loss overflows
    cfg.schedule = Schedule::Constant;
    cfg.max_epochs = 50;
    Dataset data = spiral(10, 3, 0.2, 1);
    for (bool with_val : {true, false}) {
        MLP model(2, layer_sizes(cfg, 3), cfg.act, 1);
        TrainResult r = train(model, data, with_val ? data : Dataset{}, cfg);
        std::string what = with_val ? "with a validation set: " : "without one: ";
        check(r.stop == StopReason::Diverged, what + "the stop reason is 'diverged'");
        check(std::isfinite(evaluate(model, data, cfg.loss).loss), what + "the kept weights are finite");
        check(r.kept_epoch < r.history.back().epoch, what + "the kept epoch came before the divergence");
    }
    graph_truncate(keep);
}

// The first epochs of two runs as float64 PyTorch computed them, from the same data,
// initial weights and batch order (pin/pin.py; pin/README.md says how to redo it). Any
// change to what training computes moves these by far more than 1e-10; a refactor that
// changes nothing keeps them to rounding (about 1e-15).
void test_first_epochs_match_pytorch_to_1e_10() {
    const double xor_losses[] = {
        0.40368140226962462, 0.28523896573997731, 0.2814025187310436, 0.24323268554372129,
        0.22790432835202995, 0.23756969409949252, 0.21891739771245422, 0.21411769648307971,
        0.20394306131905279, 0.19072137087914015, 0.18491427012248149};
    const double spiral_losses[][2] = {{1.1122985404132923, 1.1285247496620097},
                                       {1.0829027036822827, 1.0919174017915338},
                                       {1.0789703251913041, 1.0532186611286747},
                                       {1.0673852076550303, 1.0477784497992555}};
    const double spiral_accuracies[][2] = {{0.38194444444444442, 0.35555555555555557},
                                           {0.45555555555555555, 0.43888888888888888},
                                           {0.4597222222222222, 0.47222222222222221},
                                           {0.46805555555555556, 0.48333333333333334}};
    size_t keep = graph.nodes.size();
    TrainConfig cfg = xor_settings();
    MLP xor_model(2, layer_sizes(cfg, 1), cfg.act, cfg.seed);
    TrainResult x = train(xor_model, xor_data(), {}, cfg);
    for (int e = 0; e <= 10; ++e)
        check_close(x.history[size_t(e)].train_loss, xor_losses[e], 1e-10, fmt("XOR epoch %g", e));
    cfg = spiral_settings();
    Split data = spiral_data(cfg.seed);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
    TrainResult s = train(model, data.train, data.val, cfg);
    for (int e = 0; e <= 3; ++e) {
        check_close(s.history[size_t(e)].train_loss, spiral_losses[e][0], 1e-10, fmt("spiral epoch %g, train", e));
        check_close(s.history[size_t(e)].val_loss, spiral_losses[e][1], 1e-10, fmt("spiral epoch %g, validation", e));
        check_close(s.history[size_t(e)].train_acc, spiral_accuracies[e][0], 1e-12, fmt("spiral epoch %g, train accuracy", e));
        check_close(s.history[size_t(e)].val_acc, spiral_accuracies[e][1], 1e-12, fmt("spiral epoch %g, validation accuracy", e));
    }
    graph_truncate(keep);
}

// ---- Section 12: gradients with respect to the pixels --------------------------------------

// The network's outputs on x by a forward pass written here on complex numbers, with ih
// added to pixel `probe` (none when probe is past the last pixel): its real parts are the
// outputs, and for the complex step its imaginary parts / h are d(output)/d(pixel probe).
std::vector<Complex> complex_outputs(const MLP& model, const std::vector<double>& x,
                                     size_t probe) {
    std::vector<Complex> in(x.begin(), x.end());
    if (probe < in.size()) in[probe] += Complex(0.0, complex_step);
    for (const Layer& layer : model.layers) {
        std::vector<Complex> out;
        for (const Neuron& n : layer.neurons) {
            Complex z = n.bias.data();
            for (size_t i = 0; i < in.size(); ++i) z += n.weights[i].data() * in[i];
            out.push_back(complex_activate(z, layer.act));
        }
        in = out;
    }
    return in;
}

double score_of(const MLP& model, const std::vector<double>& x, int c) {
    return complex_outputs(model, x, SIZE_MAX)[size_t(c)].real();
}

// A 9-5-3 tanh network: each pixel's |d(score)/d(pixel)| against a central finite
// difference of a forward pass written here, for each class; saliency leaves the graph and
// the weights as it found them.
void test_saliency_is_each_pixels_derivative_as_a_finite_difference_gives_it() {
    size_t keep = graph.nodes.size();
    MLP model(9, {5, 3}, Activation::Tanh, 4);
    std::vector<double> weights = data_of(model.parameters());
    Rng rng{8};
    std::vector<double> x;
    for (int k = 0; k < 9; ++k) x.push_back(rng.uniform());
    size_t made = graph.nodes.size();
    const double h = 1e-5;
    for (int c = 0; c < 3; ++c) {
        std::vector<double> map = saliency(model, x, c);
        check(graph.nodes.size() == made, fmt("class %g: saliency left %g nodes in the graph",
                                              c, double(graph.nodes.size() - made)));
        for (size_t k = 0; k < 9 && map.size() == 9; ++k) {
            std::vector<double> up = x, down = x;
            up[k] += h;
            down[k] -= h;
            double slope = (score_of(model, up, c) - score_of(model, down, c)) / (2 * h);
            check_close(map[k], std::fabs(slope), 1e-7,
                        fmt("class %g, pixel %g: |d(score)/d(pixel)|", c, double(k)));
        }
        check(map.size() == 9, fmt("class %g: %g numbers, want one per pixel, 9", c,
                                   double(map.size())));
    }
    check(data_of(model.parameters()) == weights, "saliency changed the weights");
    graph_truncate(keep);
}

// d(loss)/d(pixel) for every pixel, the loss softmax cross-entropy at `label`, by the
// complex step of the forward pass above.
std::vector<double> complex_step_loss_gradient(const MLP& model, const std::vector<double>& x,
                                               int label) {
    std::vector<double> g;
    for (size_t k = 0; k < x.size(); ++k) {
        Complex loss = complex_softmax_cross_entropy(complex_outputs(model, x, k), size_t(label));
        g.push_back(loss.imag() / complex_step);
    }
    return g;
}

// A 16-6-4 tanh network, a picture on whole grey levels from 2 to 253 (so that no step
// reaches 0 or 1) and a label, all from the variant.
struct FoolingCase {
    MLP model;
    std::vector<double> pixels;
    int label;
};

FoolingCase variant_fooling_case(const std::string& salt) {
    Rng rng = variant_rng(salt);
    FoolingCase f{MLP(16, {6, 4}, Activation::Tanh, rng.next()), {}, rng.below(4)};
    for (int k = 0; k < 16; ++k) f.pixels.push_back((2 + rng.below(252)) / 255.0);
    return f;
}

// What moved pixel k from `before` to `after`, in grey levels, when it should have moved
// by want (-1, 0 or +1) along a gradient g.
std::string fooling_mistake(double before, double after, double want, double g) {
    double moved = after * 255 - std::round(before * 255);
    if (after == before) return "it did not move: a stub?";
    if (want != 0 && moved == -want)
        return "it moved against its gradient: a fooling step raises the loss, so each pixel "
               "moves the way d(loss)/d(pixel) points";
    if (std::fabs(moved - g) < 1e-9 || std::fabs(after - before - g / 255) < 1e-9)
        return "it moved by the gradient itself: the fast gradient sign method moves every "
               "pixel by a whole grey level, by the gradient's sign alone";
    return "";
}

void test_a_fooling_step_moves_each_pixel_one_grey_level_up_its_loss_gradient() {
    size_t keep = graph.nodes.size();
    FoolingCase f = variant_fooling_case("fooling: direction");
    std::vector<double> g = complex_step_loss_gradient(f.model, f.pixels, f.label);
    std::vector<double> pixels = f.pixels;
    size_t made = graph.nodes.size();
    fooling_step(f.model, pixels, f.label, Loss::SoftmaxCrossEntropy);
    check(graph.nodes.size() == made, fmt("fooling_step left %g nodes in the graph: drop them "
                                          "(graph_truncate)", double(graph.nodes.size() - made)));
    for (size_t k = 0; k < 16 && pixels.size() == 16; ++k) {
        double want = std::round(f.pixels[k] * 255) + (g[k] > 0 ? 1 : -1);
        std::string why = fooling_mistake(f.pixels[k], pixels[k], g[k] > 0 ? 1 : -1, g[k]);
        check(pixels[k] == want / 255,
              fmt("pixel %g, at grey level %g with d(loss)/d(pixel) = %.3g: ", double(k),
                  std::round(f.pixels[k] * 255), g[k]) +
                  fmt("got level %.6g, want %g", pixels[k] * 255, want) +
                  (why.empty() ? "" : ": " + why));
    }
    check(pixels.size() == 16, fmt("%g pixels after the step, want 16", double(pixels.size())));
    graph_truncate(keep);
}

// The loss after a step, by the forward pass above, against the loss before plus what the
// gradient predicts for the step: sum_k g[k] dx[k], which is sum_k |g[k]| / 255 for a step
// that moves each pixel a grey level the way g[k] points. The rest is second order in the
// step, a few percent of the rise here.
void test_a_fooling_step_raises_the_loss_by_what_its_gradient_predicts() {
    size_t keep = graph.nodes.size();
    FoolingCase f = variant_fooling_case("fooling: rise");
    auto loss_at = [&](const std::vector<double>& x) {
        return complex_softmax_cross_entropy(complex_outputs(f.model, x, SIZE_MAX),
                                             size_t(f.label)).real();
    };
    std::vector<double> g = complex_step_loss_gradient(f.model, f.pixels, f.label);
    double predicted = 0;
    for (double gk : g) predicted += std::fabs(gk) / 255;
    std::vector<double> pixels = f.pixels;
    fooling_step(f.model, pixels, f.label, Loss::SoftmaxCrossEntropy);
    double rise = loss_at(pixels) - loss_at(f.pixels);
    check(std::fabs(rise - predicted) <= 0.05 * predicted,
          fmt("the loss rose by %.6g, the gradient predicts %.6g (sum of |g| / 255): ", rise,
              predicted) + (rise == 0   ? "nothing moved: a stub?"
                         : rise < 0 ? "it fell: the step went downhill"
                                    : "more than 5% apart"));
    graph_truncate(keep);
}

// A linear network made by hand, two classes of four pixels: score 0 = x0 + x1 + x2 + x3,
// score 1 = 2 x1 + 2 x3 + bias. For label 0, d(loss)/dx = p1 (w1 - w0), whose signs are
// (-, +, -, +) whatever p1 is: pixels 0 and 2 go down, 1 and 3 up.
MLP made_two_class_network(double bias1) {
    MLP model(4, {2}, Activation::Tanh, 1);  // one layer: the output layer, linear
    const double w[2][4] = {{1, 1, 1, 1}, {0, 2, 0, 2}};
    for (size_t c = 0; c < 2; ++c) {
        for (size_t i = 0; i < 4; ++i) model.layers[0].neurons[c].weights[i].data() = w[c][i];
    }
    model.layers[0].neurons[0].bias.data() = 0.0;
    model.layers[0].neurons[1].bias.data() = bias1;
    return model;
}

// Pixels at 0 and 1 that their gradient would push out stay where they are; those a level
// inside move to 0 and 1; and every pixel stays a whole grey level.
void test_a_fooling_step_keeps_pixels_within_0_and_1_on_whole_grey_levels() {
    size_t keep = graph.nodes.size();
    MLP model = made_two_class_network(-0.5);
    std::vector<double> pixels = {0.0, 1.0, 1 / 255.0, 254 / 255.0};
    const double want[] = {0.0, 1.0, 0.0, 1.0};
    const char* where[] = {"at 0, pushed down", "at 1, pushed up", "at level 1, pushed down",
                           "at level 254, pushed up"};
    const std::vector<double> before = pixels;
    fooling_step(model, pixels, 0, Loss::SoftmaxCrossEntropy);
    for (size_t k = 0; k < 4 && pixels.size() == 4; ++k) {
        bool inside = pixels[k] >= 0 && pixels[k] <= 1;
        std::string why = pixels[k] == before[k] ? "it did not move"
                          : !inside ? "pixels stay in [0, 1]"
                                    : "it moved against its gradient (down for pixels 0 and 2, "
                                      "up for 1 and 3)";
        check(pixels[k] == want[k], std::string("pixel ") + where[k] +
                                        fmt(": got %.17g, want %g: ", pixels[k], want[k]) + why);
    }
    std::vector<double> x = {0.3, 0.6, 0.5, 0.2};  // between levels: a step lands on one
    fooling_step(model, x, 0, Loss::SoftmaxCrossEntropy);
    for (double p : x) {
        check(p * 255 == std::round(p * 255) && p >= 0 && p <= 1,
              fmt("from between levels: %.17g is not a whole grey level of 255 in [0, 1]", p));
    }
    graph_truncate(keep);
}

// The made network's scores start 0.05 apart, each pixel at level 128. Every step lowers
// pixels 0 and 2 and raises 1 and 3 by a level, which leaves score 0 as it was and raises
// score 1 by 4 / 255 = 0.0157: three steps make 0.047, four 0.063. So with a budget of 3
// the class holds, each pixel 3 levels from where it was; with a budget of 4 it flips.
void test_fooling_flips_a_made_network_in_the_steps_its_margin_allows_and_no_sooner() {
    size_t keep = graph.nodes.size();
    MLP model = made_two_class_network(-0.05);
    const std::vector<double> start(4, 128 / 255.0);
    check(classify(model, start, Loss::SoftmaxCrossEntropy) == 0, "the made network says 0");
    std::vector<double> held = start, flipped = start;
    int steps = fool(model, held, 0, Loss::SoftmaxCrossEntropy, 3);
    check(steps == 0, fmt("budget 3: fool returned %g, want 0: it holds for 3 steps", steps));
    const double after_3[] = {125, 131, 125, 131};  // the whole budget spent, no more
    for (size_t k = 0; k < 4 && held.size() == 4; ++k) {
        check(held[k] == after_3[k] / 255, fmt("budget 3: pixel %g at level %.6g, want %g",
                                               double(k), held[k] * 255, after_3[k]));
    }
    steps = fool(model, flipped, 0, Loss::SoftmaxCrossEntropy, 4);
    check(steps == 4, fmt("budget 4: fool returned %g, want 4: the class flips at step 4",
                          steps));
    check(classify(model, flipped, Loss::SoftmaxCrossEntropy) == 1,
          "budget 4: the fooled picture's class is 1");
    const double want[] = {124, 132, 124, 132};
    for (size_t k = 0; k < 4 && flipped.size() == 4; ++k) {
        check(flipped[k] == want[k] / 255, fmt("budget 4: pixel %g at level %.6g, want %g",
                                               double(k), flipped[k] * 255, want[k]));
    }
    graph_truncate(keep);
}

#ifndef LESSON_ONLY  // `make check` leaves out the tests of the program, and so its plumbing

// ---- The program: files, pictures, flags, signals ------------------------------------------

// A watched run (train_watched, Part IV) stopped by Ctrl-C in the middle of an epoch: the
// epoch is dropped, and the model holds the weights of the last epoch that was measured.
// The "Ctrl-C" is a timer's signal, set off 2 ms into epoch 2, which has 600 steps of one
// point (about 10 ms here, far longer under valgrind).
extern "C" void stop_on_alarm(int) { stop_requested = SIGALRM; }

void test_an_interrupted_epoch_is_dropped_and_the_last_measured_weights_kept() {
    size_t keep = graph.nodes.size();
    TrainConfig cfg = spiral_settings();
    cfg.batch_size = 1;
    cfg.max_epochs = 1000;
    Dataset data = spiral(200, 3, 0.2, 1);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, 1);
    std::vector<Value> params = model.parameters();
    std::vector<std::vector<double>> seen;
    std::signal(SIGALRM, stop_on_alarm);
    Watch watch{[&](const std::vector<EpochStats>& h) {
                    seen.push_back(data_of(params));
                    itimerval in_2_ms{{0, 0}, {0, 2000}};
                    if (h.back().epoch == 1) setitimer(ITIMER_REAL, &in_2_ms, nullptr);
                },
                nullptr, 0};
    TrainResult r = train_watched(model, data, {}, cfg, watch);
    stop_requested = 0;
    check(r.stop == StopReason::Interrupted, "the stop reason is 'interrupted'");
    check(r.kept_epoch == r.history.back().epoch && r.kept_epoch <= 2,
          fmt("kept the last measured epoch, %g, got %g", r.history.back().epoch, r.kept_epoch));
    check(data_of(params) == seen[size_t(r.kept_epoch)],
          "the model holds the last measured epoch's weights, not those of the half epoch after it");
    graph_truncate(keep);
}


std::string program;  // this test binary; `program --nn ARGS` runs nn.cpp's main

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs ./nn ARGS (ARGS a shell fragment); returns its exit status and fills out and err.
int run_nn(const std::string& args, std::string& out, std::string& err,
           const std::string& shell_before = "true") {
    std::string cmd = shell_before + "; exec " + program + " --nn " + args +
                      " > test_stdout.txt 2> test_stderr.txt";
    int status = std::system(cmd.c_str());
    out = read_file("test_stdout.txt");
    err = read_file("test_stderr.txt");
    std::remove("test_stdout.txt");
    std::remove("test_stderr.txt");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run_nn(const std::string& args) {
    std::string out, err;
    return run_nn(args, out, err);
}

// Runs `shell; exec ./nn ARGS`: ./nn keeps the shell's PID, so `shell` can plant files at
// the names it will use ($$ is its PID).
int run_nn_after(const std::string& shell, const std::string& args, std::string& out,
                 std::string& err) {
    return run_nn(args, out, err, shell);
}

size_t lines_in(const std::string& text) { return size_t(std::count(text.begin(), text.end(), '\n')); }

// The spiral and the moons, briefly, into dir.
void run_small_experiments(const std::string& dir) {
    std::filesystem::remove_all(dir);
    run_nn("spiral --epochs 6 --out " + dir);
    std::filesystem::rename(dir + "/results.csv", dir + "/results_spiral.csv");
    run_nn("moons --epochs 6 --out " + dir);
}

struct Ppm {
    std::string magic;
    int width = 0, height = 0, maxval = 0;
    std::string pixels;
};

Ppm parse_ppm(const std::string& bytes) {
    Ppm p;
    char magic[3] = {};
    int header = 0;
    if (std::sscanf(bytes.c_str(), "%2s %d %d %d%n", magic, &p.width, &p.height, &p.maxval, &header) == 4) {
        p.magic = magic;
        p.pixels = bytes.substr(size_t(header) + 1);  // one whitespace byte after maxval
    }
    return p;
}

// A GIF decoder written from the format's description, to read back what GifWriter
// wrote: the header, the palette, the looping extension, and each frame's delay and
// LZW-compressed indices. Anything out of place is an error message in `error`.
struct Gif {
    int width = 0, height = 0;
    std::vector<std::vector<int>> frames;  // palette indices, row by row
    std::vector<int> delays;               // hundredths of a second
    bool loops = false;
    std::string error;
};

int read16(const std::string& b, size_t at) { return (unsigned char)b[at] | (unsigned char)b[at + 1] << 8; }

// GIF's LZW: codes of growing width, a table rebuilt from the codes themselves.
std::vector<int> lzw_decode(const std::string& data, int min_bits, std::string& error) {
    const int clear = 1 << min_bits, end = clear + 1;
    std::vector<std::vector<int>> table;
    int bits = min_bits + 1, prev = -1;
    std::vector<int> out;
    size_t bit = 0;
    while (bit + size_t(bits) <= data.size() * 8) {
        int code = 0;
        for (int k = 0; k < bits; ++k, ++bit)
            code |= ((unsigned char)data[bit / 8] >> (bit % 8) & 1) << k;
        if (code == clear) {
            table.clear();
            for (int i = 0; i < clear + 2; ++i) table.push_back({i});
            bits = min_bits + 1;
            prev = -1;
            continue;
        }
        if (code == end) return out;
        if (table.empty()) { error = "data before the first clear code"; return out; }
        std::vector<int> entry;
        if (code < int(table.size())) entry = table[size_t(code)];
        else if (code == int(table.size()) && prev >= 0) {
            entry = table[size_t(prev)];
            entry.push_back(entry[0]);
        } else { error = "a code not in the table"; return out; }
        out.insert(out.end(), entry.begin(), entry.end());
        if (prev >= 0 && table.size() < 4096) {
            std::vector<int> added = table[size_t(prev)];
            added.push_back(entry[0]);
            table.push_back(added);
            if (table.size() == size_t(1) << bits && bits < 12) ++bits;
        }
        prev = code;
    }
    error = "no end code";
    return out;
}

Gif decode_gif(const std::string& b) {
    Gif g;
    if (b.size() < 13 || b.compare(0, 6, "GIF89a") != 0) { g.error = "no GIF89a header"; return g; }
    g.width = read16(b, 6), g.height = read16(b, 8);
    size_t at = 13;
    if ((unsigned char)b[10] & 0x80) at += 3 * (size_t(2) << ((unsigned char)b[10] & 7));
    int delay = 0;
    while (at < b.size() && g.error.empty()) {
        unsigned char kind = (unsigned char)b[at];
        if (kind == ';') return g;  // the trailer: a whole file
        if (kind == 0x21) {  // an extension: its label, then blocks until an empty one
            unsigned char label = (unsigned char)b[at + 1];
            if (label == 0xF9) delay = read16(b, at + 4);
            if (label == 0xFF && b.compare(at + 3, 11, "NETSCAPE2.0") == 0) g.loops = true;
            for (at += 2; at < b.size() && b[at] != 0; at += 1 + (unsigned char)b[at]) {}
            ++at;
        } else if (kind == ',') {  // a frame: its descriptor, code size, then data blocks
            if (read16(b, at + 5) != g.width || read16(b, at + 7) != g.height) g.error = "a frame of another size";
            int min_bits = (unsigned char)b[at + 10];
            std::string data;
            for (at += 11; at < b.size() && b[at] != 0; at += 1 + (unsigned char)b[at])
                data += b.substr(at + 1, (unsigned char)b[at]);
            ++at;
            g.frames.push_back(lzw_decode(data, min_bits, g.error));
            g.delays.push_back(delay);
            if (g.frames.back().size() != size_t(g.width) * g.height && g.error.empty())
                g.error = "a frame with the wrong number of pixels";
        } else {
            g.error = "an unknown block";
        }
    }
    if (g.error.empty()) g.error = "no trailer";
    return g;
}

// GifWriter's frames decode back to the palette indices of every pixel: a picture with
// few colours, and one of noise, whose codes fill the 4096-entry table again and again.
void test_gif_frames_decode_to_the_palette_index_of_every_pixel() {
    Image flat(40, 30, white), noise(300, 200, white);
    fill_rect(flat, 5, 5, 20, 25, class_colors[2]);
    Rng rng{3};
    for (Color& c : noise.pixels) c = {uint8_t(rng.below(256)), uint8_t(rng.below(256)), uint8_t(rng.below(256))};
    for (const Image* image : {&flat, &noise}) {
        GifWriter gif(image->width, image->height);
        gif.add_frame(*image, 10);
        gif.add_frame(*image, 250);
        Gif g = decode_gif(gif.finish());
        std::string what = fmt("%g x %g: ", image->width, image->height);
        check(g.error.empty(), what + "decodes: " + g.error);
        check(g.loops, what + "loops");
        check(g.frames.size() == 2 && g.delays == std::vector<int>{10, 250}, what + "two frames, 0.1 s and 2.5 s");
        bool same = g.frames.size() == 2;
        for (size_t i = 0; same && i < image->pixels.size(); ++i)
            same = g.frames[0][i] == gif.index_of(image->pixels[i]) && g.frames[1][i] == g.frames[0][i];
        check(same, what + "every pixel's palette index comes back");
    }
}

// ./nn graph prints loss = err * err, err = tanh(x1*w1 + x2*w2 + b) - target, node by
// node. Every value and gradient it prints is computed here by hand, with doubles.
void test_the_graph_demo_prints_values_and_gradients_computed_by_hand() {
    std::string out, err;
    std::filesystem::remove_all("test_output_graph");
    int status = run_nn("graph --out test_output_graph", out, err);
    check(status == 0 && err.empty(), "./nn graph runs: " + err);
    std::string dot = read_file("test_output_graph/graph.dot");
    double z = 1.5 * 0.8 + -0.5 * -1.2 + 0.1, o = std::tanh(z), e = o - 1.0;
    // d(loss)/dz by the chain rule, tanh's slope at z by a central difference
    double dz = 2 * e * (std::tanh(z + 1e-6) - std::tanh(z - 1e-6)) / 2e-6;
    struct Want {
        const char* name;
        double data, grad;
    };
    const Want want[] = {{"loss", e * e, 1}, {"err", e, 2 * e}, {"out", o, 2 * e},
                         {"z", z, dz},       {"sum", 1.8, dz},  {"b", 0.1, dz},
                         {"w1", 0.8, dz * 1.5}, {"x2", -0.5, dz * -1.2}, {"target", 1.0, -2 * e}};
    for (const Want& w : want) {
        char line[128];
        std::snprintf(line, sizeof line, "\n%-6s", w.name);
        size_t at = ("\n" + out).find(line);
        double data = NAN, grad = NAN;
        if (at != std::string::npos)
            std::sscanf(out.c_str() + at + 6, " %*s data=%lf grad=%lf", &data, &grad);
        check_close(data, w.data, 1e-6, std::string(w.name) + ": printed data");
        check_close(grad, w.grad, 1e-6, std::string(w.name) + ": printed grad");
        at = dot.find(std::string("[label=\"{") + w.name + " | ");
        data = grad = NAN;
        if (at != std::string::npos)
            std::sscanf(dot.c_str() + at, "%*[^|]| %*s | data %lf | grad %lf", &data, &grad);
        check_close(data, w.data, 1e-6, std::string(w.name) + ": data in graph.dot");
        check_close(grad, w.grad, 1e-6, std::string(w.name) + ": grad in graph.dot");
    }
    check(lines_in(out) == 3 + 13 + 13 + 2, fmt("13 nodes and 13 edges printed, got %g lines", lines_in(out)));
    char err_edge[64];  // loss = err * err: two edges from err (node 11) to loss (12), local = err
    std::snprintf(err_edge, sizeof err_edge, "  n11 -> n12 [label=\"%.6f\"];\n", e);
    size_t first = dot.find(err_edge), second = dot.find(err_edge, first + 1);
    check(first != std::string::npos && second != std::string::npos, "graph.dot: err feeds loss twice");
    check(dot.rfind("digraph backward {\n", 0) == 0 && dot.size() > 2 && dot.substr(dot.size() - 2) == "}\n",
          "graph.dot is one digraph");
    size_t arrows = 0;
    for (size_t at = dot.find(" -> "); at != std::string::npos; at = dot.find(" -> ", at + 1)) ++arrows;
    check(arrows == 13, fmt("graph.dot has the 13 edges, got %g", arrows));
    std::filesystem::remove_all("test_output_graph");
}

void test_images_parse_back_and_are_not_blank_and_logs_have_a_row_per_epoch() {
    const std::string dir = "test_output_images";
    run_small_experiments(dir);
    int images = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.path().extension() != ".ppm") continue;
        ++images;
        Ppm p = parse_ppm(read_file(entry.path().string()));
        std::string name = entry.path().filename().string();
        check(p.magic == "P6" && p.maxval == 255, name + ": a P6 header with maxval 255");
        check(p.pixels.size() == size_t(p.width) * p.height * 3, name + ": width x height x 3 bytes");
        check(p.width >= 200 && p.height >= 200, name + ": at least 200 x 200");
        bool varied = false;
        for (size_t i = 3; i + 3 <= p.pixels.size() && !varied; i += 3)
            varied = p.pixels.compare(i, 3, p.pixels, 0, 3) != 0;
        check(varied, name + ": not a single colour");
    }
    check(images == 6, fmt("6 PPM images, got %g", images));
    Ppm grid = parse_ppm(read_file(dir + "/spiral_evolution.ppm"));
    check(grid.width == 4 * 240 && grid.height == 2 * 240, "epochs 0 to 6 are 7 tiles: a 4 x 2 grid");
    Gif gif = decode_gif(read_file(dir + "/spiral_training.gif"));
    check(gif.error.empty(), "spiral_training.gif decodes: " + gif.error);
    check(gif.width == 640 && gif.height == 240 && gif.loops, "640 x 240, looping");
    check(gif.frames.size() == 7 + 1, fmt("a frame for each of epochs 0 to 6, and one held: %g", gif.frames.size()));
    check(!gif.delays.empty() && gif.delays.front() == 30 && gif.delays.back() == 300,
          "0.3 s a frame, 3 s on the last");
    std::string log = read_file(dir + "/spiral_2-32-32-3_relu.csv");
    check(log.rfind("epoch,train_loss,val_loss,train_acc,val_acc,learning_rate\n", 0) == 0, "log header");
    check(lines_in(log) == 1 + 7, "the log: a header and epochs 0 to 6");
    check(lines_in(read_file(dir + "/results_spiral.csv")) == 2, "results: a header and the spiral's row");
    check(lines_in(read_file(dir + "/results.csv")) == 2, "results: a header and the moons' row");
    std::filesystem::remove_all(dir);
}

// A loss can reach exactly 0 (hinge loss once every margin is 1 or more) or underflow to a
// denormal; the log-scale chart once looped forever on 0. Each series must be drawn, on a
// few gridlines, inside the chart.
void test_loss_chart_copes_with_zero_tiny_and_constant_losses() {
    const Color red = class_colors[0];
    std::vector<std::vector<double>> cases = {
        {0, 0, 0}, {1.0, 1.0, 1.0}, {1.0, 1e-300, 4.9e-324}, {0.5, 0, NAN, INFINITY, 0.1}};
    for (size_t k = 0; k < cases.size(); ++k) {
        Image image(400, 300, white);
        draw_chart(image, 50, 40, 300, 200, "LOSS", {{"TRAIN", red, cases[k]}}, true);
        int line = 0, legend = 0, outside = 0;
        for (int y = 0; y < image.height; ++y) {
            for (int x = 0; x < image.width; ++x) {
                const Color& c = image.pixels[size_t(y) * image.width + x];
                if (c.r != red.r || c.g != red.g || c.b != red.b) continue;
                bool in_legend = x >= 200 && x <= 214 && y >= 48 && y <= 55;  // the swatch
                bool inside = x >= 50 && x <= 350 && y >= 40 && y <= 241;
                (in_legend ? legend : inside ? line : outside)++;
            }
        }
        check(outside == 0, fmt("case %g: nothing drawn outside the chart", double(k)));
        check(legend > 0, fmt("case %g: the legend's swatch is drawn", double(k)));
        bool has_segment = k == 1 || k == 2;  // two positive finite values in a row
        check(has_segment == (line > 0), fmt("case %g: a line where there is one", double(k)));
    }
}

// A run without a validation set (XOR, the moons) charts its training curve alone: no
// "VALIDATION" in the legend for a curve that is not there.
void test_a_run_without_validation_charts_no_validation_curve() {
    std::vector<EpochStats> with = {{0, 1.0, 1.1, 0.5, 0.4, 0.1}, {1, 0.5, 0.6, 0.7, 0.6, 0.1}};
    std::vector<EpochStats> without = {{0, 1.0, NAN, 0.5, NAN, 0.1}, {1, 0.5, NAN, 0.7, NAN, 0.1}};
    check(loss_curves(with).size() == 2 && accuracy_curves(with).size() == 2,
          "with a validation set: training and validation curves");
    check(loss_curves(without).size() == 1 && accuracy_curves(without).size() == 1,
          fmt("without one: the training curve alone, got %g loss and %g accuracy curves",
              loss_curves(without).size(), accuracy_curves(without).size()));
    check(loss_curves(without)[0].name == "TRAINING", "the one curve is the training curve");
}

// An animation's frame draws the curves up to its epoch on the whole run's axes, so that
// the axes stay still while the curves grow (they rescaled from frame to frame before).
void test_an_animation_frame_keeps_the_whole_runs_axes() {
    std::vector<Series> losses = {{"TRAIN", class_colors[0], {10, 1, 0.1, 0.001}}};
    Image image(400, 300, white);
    Chart early = draw_chart(image, 50, 40, 300, 200, "LOSS", losses, true, 1);
    Chart whole = draw_chart(image, 50, 40, 300, 200, "LOSS", losses, true);
    check(whole.lo == 1e-3 && whole.hi == 10, fmt("the run's axis: 1e-3 to 10, got %g to %g",
                                                  whole.lo, whole.hi));
    check(early.lo == whole.lo && early.hi == whole.hi,
          fmt("epoch 1's frame spans %g to %g, the run's axis", early.lo, early.hi));
}

// The XOR animation: the three tanh networks side by side, a frame for every snapshot
// epoch of any of them (their last epochs included), the last frame held.
void test_the_xor_animation_has_a_frame_per_snapshot_epoch() {
    const std::string dir = "test_output_xor_gif";
    std::filesystem::remove_all(dir);
    std::string out, err;
    run_nn("xor --act tanh --epochs 40 --out " + dir, out, err);
    Gif gif = decode_gif(read_file(dir + "/xor_training.gif"));
    check(gif.error.empty(), "xor_training.gif decodes: " + gif.error);
    check(gif.width == 520 && gif.height == 380, fmt("520 x 380, got %g x %g", gif.width, gif.height));
    std::vector<int> epochs = snapshot_epochs(40, 30);  // none stops before 40 at this rate
    check(gif.frames.size() == epochs.size(), fmt("%g frames, one per snapshot epoch, got %g",
                                                  epochs.size(), gif.frames.size()));
    check(!gif.delays.empty() && gif.delays.back() == 300, "the last frame held for 3 s");
    std::filesystem::remove_all(dir);
}

// ---- Pictures of images: the grid of guesses, first-layer weights, the confusion matrix ----

const char* const fashion_names[] = {"T-SHIRT", "TROUSER", "PULLOVER", "DRESS", "COAT",
                                     "SANDAL",  "SHIRT",   "SNEAKER",  "BAG",   "ANKLE BOOT"};

bool same_color(Color a, Color b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

Color pixel_at(const Image& image, int x, int y) {
    bool inside = x >= 0 && y >= 0 && x < image.width && y < image.height;
    return inside ? image.pixels[size_t(y) * image.width + x] : Color{1, 2, 3};
}

// Pixels of colour c in the rectangle [x0, x1) x [y0, y1).
int count_color(const Image& image, int x0, int y0, int x1, int y1, Color c) {
    int n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) n += same_color(pixel_at(image, x, y), c);
    return n;
}

// The pixels of ink `text` makes at scale 1: the '#'s of its characters' glyphs.
int ink(const std::string& text) {
    int n = 0;
    for (char c : text)
        for (const Glyph& g : font)
            if (g.c == c) n += int(std::count(g.rows, g.rows + std::strlen(g.rows), '#'));
    return n;
}

// Where colour c is in the image: its bounding box's top-left corner, how wide and high the
// box is, and how many pixels have it.
struct Found {
    int x = -1, y = -1, width = 0, height = 0, count = 0;
};

Found find_color(const Image& image, Color c) {
    Found f;
    int x1 = -1, y1 = -1;
    for (int y = 0; y < image.height; ++y) {
        for (int x = 0; x < image.width; ++x) {
            if (!same_color(pixel_at(image, x, y), c)) continue;
            if (f.count++ == 0) f.x = x, f.y = y;
            f.x = std::min(f.x, x), x1 = std::max(x1, x), y1 = std::max(y1, y);
        }
    }
    f.width = x1 - f.x + 1, f.height = y1 - f.y + 1;
    return f;
}

// Three 28 x 28 images, black but for two pixels: (0, 0) in a grey of its own, which marks
// where the image is, and (x 9, y 5) in grey 170 in all three. Image 1 (a trouser) is
// guessed to be a dress: a mistake. Every 28 x 28 pixel must show 3 x 3 in its own grey at
// its place; the mistake, and only it, gets a red frame round its image, its guess in red
// and the true class ("IS TROUSER") under it in black.
void test_the_image_grid_draws_each_pixel_3x_and_frames_the_mistakes_in_red() {
    const uint8_t marks[] = {238, 136, 51};
    Dataset images;
    images.kind = DataKind::Images;
    images.dims = 784;
    for (int k = 0; k < 3; ++k) {
        std::vector<uint8_t> pixels(784, 0);
        pixels[0] = marks[k];
        pixels[5 * 28 + 9] = 170;
        images.bytes.insert(images.bytes.end(), pixels.begin(), pixels.end());
        images.labels.push_back(k);
    }
    const std::vector<int> predicted = {0, 3, 2};
    Image grid = draw_image_grid(images, {0, 1, 2}, predicted, fashion_names, 2, "GUESSES");
    const Color red = class_colors[0];
    std::vector<Found> at;
    for (int k = 0; k < 3; ++k) {
        std::string what = fmt("image %g: ", k);
        Found f = find_color(grid, {marks[k], marks[k], marks[k]});
        at.push_back(f);
        check(f.count == 9 && f.width == 3 && f.height == 3, what + fmt("its pixel (0, 0) is one 3 x 3 "
              "square, got %g pixels in %g x %g", f.count, f.width, f.height) + fmt(" at %g, %g", f.x, f.y));
        int bright = count_color(grid, f.x + 27, f.y + 15, f.x + 30, f.y + 18, {170, 170, 170});
        check(bright == 9, what + fmt("pixel (x 9, y 5) is 3 x 3 pixels of grey 170 at (27, 15) in "
              "the image, got %g", bright));
        int black_pixels = count_color(grid, f.x, f.y, f.x + 84, f.y + 84, black);
        check(black_pixels == 84 * 84 - 18, what + fmt("the rest of its 84 x 84 pixels are black, "
              "got %g of %g", black_pixels, 84 * 84 - 18));
        bool mistake = predicted[size_t(k)] != k;
        int ring = count_color(grid, f.x - 1, f.y - 1, f.x + 85, f.y + 85, red);  // no red inside
        check(ring == (mistake ? 4 * 85 : 0), what + fmt("the pixels round the image: %g red, want %g",
              ring, mistake ? 4 * 85 : 0));
        int x0 = f.x - 8, y0 = f.y + 87, x1 = f.x + 92, y1 = f.y + 116;  // the text under it
        int guess_ink = ink(fashion_names[predicted[size_t(k)]]);
        int truth_ink = mistake ? ink(std::string("IS ") + fashion_names[k]) : 0;
        int red_ink = count_color(grid, x0, y0, x1, y1, red);
        int black_ink = count_color(grid, x0, y0, x1, y1, black);
        check(red_ink == (mistake ? guess_ink : 0), what + fmt("red text under it: %g pixels, want %g",
              red_ink, mistake ? guess_ink : 0));
        check(black_ink == (mistake ? truth_ink : guess_ink), what + fmt("black text under it: %g "
              "pixels, want %g", black_ink, mistake ? truth_ink : guess_ink));
    }
    check(at[1].y == at[0].y && at[1].x >= at[0].x + 90, "image 1 is right of image 0");
    check(at[2].x == at[0].x && at[2].y >= at[0].y + 116, "image 2 starts the second row");
    check(count_color(grid, 0, 0, grid.width, 30, black) == 4 * ink("GUESSES"),
          "the title, at scale 2, in the top 30 rows");
}

// ---- Pictures of what the network sees (section 12) ------------------------------------------

// Three 2 x 2 images for the made two-class network of section 12's tests: A, every pixel
// at level 128, label 0, changes class in 4 steps; B, the same picture labelled 1, which
// the network gets wrong and so is not tried; C, label 0, pixels 0 and 2 at 255 and 1 and 3
// at 0, its scores 2.05 apart, which 8 steps of 4 / 255 cannot close. So 2 are right and 1
// is fooled, within 4 levels and not within 2. In its picture the change tile (x 26, y 48:
// the first tile at x 8, tiles 6 pixels wide and 12 apart) is blue, darker, at pixels 0
// and 2 and red, brighter, at pixels 1 and 3, 3 x 3 each and full at the change's 4 levels;
// under the tiles, what it said in red.
void test_fooling_counts_only_right_images_and_draws_the_change_red_and_blue() {
    size_t keep = graph.nodes.size();
    MLP model = made_two_class_network(-0.05);
    Dataset images;
    images.kind = DataKind::Images;
    images.dims = 4;
    images.bytes = {128, 128, 128, 128, 128, 128, 128, 128, 255, 0, 255, 0};
    images.labels = {0, 1, 0};
    int right = -1;
    std::vector<Fooled> fooled =
        fool_test_images(model, images, Loss::SoftmaxCrossEntropy, 3, right);
    check(right == 2, fmt("%g images right, want 2: A and C", right));
    bool one = fooled.size() == 1 && fooled[0].index == 0;
    check(one, fmt("%g fooled, want 1: image A", double(fooled.size())));
    if (one) {
        check(fooled[0].levels == 4 && fooled[0].said == 1,
              fmt("A: fooled in %g levels into class %g, want 4 and 1", fooled[0].levels,
                  fooled[0].said));
    }
    std::string csv = fooling_csv(fooled, right);
    check(csv == "budget_grey_levels,changed,of,share\n1,0,2,0.0000\n2,0,2,0.0000\n"
                 "4,1,2,0.5000\n8,1,2,0.5000\n", "the CSV is\n" + csv);
    if (!one) return graph_truncate(keep);
    Image picture = draw_fooling(images, fooled, fashion_names, "FOOLED");
    const Color red = class_colors[0], blue = class_colors[1];
    const int px[] = {26, 29, 26, 29}, py[] = {48, 48, 51, 51};
    for (int k = 0; k < 4; ++k) {
        Color want = k % 2 == 0 ? blue : red;
        int n = count_color(picture, px[k], py[k], px[k] + 3, py[k] + 3, want);
        check(n == 9, fmt("the change at pixel %g: %g of its 3 x 3 pixels ", k, n) +
                          (k % 2 == 0 ? "blue (darker)" : "red (brighter)"));
    }
    check(same_color(pixel_at(picture, 44, 48), {124, 124, 124}),
          "the fooled picture's pixel 0 is at level 124, 4 below 128");
    int red_ink = count_color(picture, 0, 60, picture.width, 67, red);
    check(red_ink == ink("TROUSER"), fmt("under the tiles %g red pixels of text, want %g: "
                                         "what it said, TROUSER, in red", red_ink,
                                         ink("TROUSER")));
    graph_truncate(keep);
}

// The made network's scores are linear, so |d(score)/d(pixel)| is |its weight|: for class
// 1, given the weights (0, 0.5, 0, 0.25) here. Image C beside its map for class 1: the
// image (x 0 to 5) white at pixels 0 and 2, black at 1 and 3; the map (from x 10, past a
// 4-pixel gap) scaled so that its largest value is white: black at pixels 0 and 2, white
// at 1, and grey 128 (0.25 / 0.5 of 255, rounded) at 3.
void test_a_saliency_map_sits_beside_its_image_scaled_to_its_largest_value() {
    size_t keep = graph.nodes.size();
    MLP model = made_two_class_network(-0.05);
    const double w1[] = {0, 0.5, 0, 0.25};
    for (size_t i = 0; i < 4; ++i) model.layers[0].neurons[1].weights[i].data() = w1[i];
    Dataset images;
    images.kind = DataKind::Images;
    images.dims = 4;
    images.bytes = {255, 0, 255, 0};
    images.labels = {0};
    Image pair = saliency_pair(model, images, 0, 1);
    check(pair.width == 16 && pair.height == 6, fmt("the pair is %g x %g, want 16 x 6",
                                                    pair.width, pair.height));
    const char* what[] = {"image pixel 0", "image pixel 1", "map pixel 0", "map pixel 1",
                          "map pixel 3"};
    const int x[] = {1, 4, 11, 14, 14}, y[] = {1, 1, 1, 1, 4};
    const Color want[] = {white, black, black, white, {128, 128, 128}};
    for (int k = 0; k < 5; ++k) {
        Color got = pixel_at(pair, x[k], y[k]);
        check(same_color(got, want[k]), std::string(what[k]) + fmt(": got grey %g, want %g",
                                                                    got.r, want[k].r));
    }
    graph_truncate(keep);
}

// The colour t of the way from white to c, each channel rounded: what a weight of t times
// the layer's largest |w| is drawn in (c red for positive weights, blue for negative).
Color tint(Color c, double t) {
    auto channel = [t](int full) { return uint8_t(std::lround(255 + t * (full - 255))); };
    return {channel(c.r), channel(c.g), channel(c.b)};
}

// A 4-3-2 network, so each first-layer neuron's weights make a 2 x 2 tile: neuron 0's are
// 2, -1 (above) 0, 1 (below); neuron 1's all 0; neuron 2's -1.5, 0.5, 0, 0. The largest
// |w| of the layer is 2, so 2 is full red, -1.5 three quarters blue, -1 half blue, 1 half
// red, 0.5 a quarter red, 0 white, each weight 3 x 3 pixels where its pixel is in the
// image. (Were each tile scaled by its own largest |w|, -1.5 would be full blue.)
MLP weights_2x2() {
    MLP model(4, {3, 2}, Activation::Tanh, 1);
    const double weights[3][4] = {{2, -1, 0, 1}, {0, 0, 0, 0}, {-1.5, 0.5, 0, 0}};
    for (size_t j = 0; j < 3; ++j)
        for (size_t i = 0; i < 4; ++i) model.layers[0].neurons[j].weights[i].data() = weights[j][i];
    return model;
}

void test_first_layer_weight_tiles_are_red_for_positive_blue_for_negative_white_for_zero() {
    size_t keep = graph.nodes.size();
    MLP model = weights_2x2();
    Image image = draw_first_layer_weights(model, 2, "WEIGHTS");
    const Color red = class_colors[0], blue = class_colors[1];
    Found plus2 = find_color(image, red), minus2 = find_color(image, tint(blue, 0.75));
    check(plus2.count == 9 && plus2.width == 3 && plus2.height == 3,
          fmt("one weight of +2, one 3 x 3 square of full red, got %g pixels", plus2.count));
    check(minus2.count == 9 && minus2.width == 3 && minus2.height == 3, fmt("one weight of -1.5, "
          "one 3 x 3 square of 3/4 blue (the layer's largest |w|, 2, is each tile's full colour), "
          "got %g pixels", minus2.count));
    struct Want {
        const Found& tile;
        int column, row;
        Color color;
        const char* what;
    };
    const Want wants[] = {{plus2, 1, 0, tint(blue, 0.5), "neuron 0's -1: half blue, right of its +2"},
                          {plus2, 0, 1, white, "neuron 0's 0: white, below its +2"},
                          {plus2, 1, 1, tint(red, 0.5), "neuron 0's +1: half red"},
                          {minus2, 1, 0, tint(red, 0.25), "neuron 2's 0.5: a quarter red"},
                          {minus2, 0, 1, white, "neuron 2's 0: white"}};
    for (const Want& w : wants) {
        int x = w.tile.x + 3 * w.column, y = w.tile.y + 3 * w.row;
        check(count_color(image, x, y, x + 3, y + 3, w.color) == 9, w.what);
    }
    int half_blue = count_color(image, 0, 0, image.width, image.height, tint(blue, 0.5));
    int reds = count_color(image, 0, 0, image.width, image.height, tint(red, 0.5)) +
               count_color(image, 0, 0, image.width, image.height, tint(red, 0.25));
    check(half_blue == 9 && reds == 18, fmt("neuron 1's zeros add no colour: %g half-blue and %g "
          "paler red pixels, want 9 and 18", half_blue, reds));
    check(minus2.y > plus2.y && plus2.x == minus2.x, "3 tiles, 2 to a row: neuron 2 under neuron 0");
    graph_truncate(keep);
}

// A frame per snapshot, each drawn from its own weights (neuron 0's first weight is +1 in
// the first, -1 in the second and third) under a title with its epoch (0, 5, 10), 0.3 s
// each and the last held 3 s; the model's weights are its own again afterwards, and no
// temporary file is left.
void test_the_weight_animation_has_a_frame_per_snapshot_and_puts_the_weights_back() {
    size_t keep = graph.nodes.size();
    MLP model = weights_2x2();
    std::vector<double> before = data_of(model.parameters());
    std::vector<Snapshot> snapshots;
    for (int k = 0; k < 3; ++k) {
        std::vector<double> w(before.size(), 0.0);
        w[0] = k == 0 ? 1 : -1;
        snapshots.push_back({k * 5, w});
    }
    const std::string path = "test_output_weights.gif";
    save_weight_animation(path, model, snapshots);
    Gif gif = decode_gif(read_file(path));
    check(gif.error.empty(), "the GIF decodes: " + gif.error);
    check(gif.frames.size() == 3, fmt("3 frames, one per snapshot, got %g", gif.frames.size()));
    check(gif.delays == std::vector<int>{30, 30, 300}, "0.3 s a frame, 3 s on the last");
    GifWriter palette(1, 1);
    int red = palette.index_of(class_colors[0]), blue = palette.index_of(class_colors[1]);
    for (size_t k = 0; k < gif.frames.size(); ++k) {
        const std::vector<int>& f = gif.frames[k];
        long reds = std::count(f.begin(), f.end(), red), blues = std::count(f.begin(), f.end(), blue);
        check(k == 0 ? reds == 9 && blues == 0 : reds == 0 && blues == 9,
              fmt("frame %g shows its snapshot's weight: %g full red, %g full blue pixels", k, reds,
                  blues));
        std::string title = "FIRST LAYER WEIGHTS, EPOCH " + std::to_string(5 * k);
        long top_rows = std::min<long>(long(f.size()), 24L * gif.width);
        long title_ink = std::count(f.begin(), f.begin() + top_rows, palette.index_of(black));
        check(title_ink == 4 * ink(title), fmt("frame %g: its title, whole, at scale 2: %g black "
              "pixels in the top 24 rows, want %g", k, title_ink, 4 * ink(title)) + " (" + title + ")");
    }
    check(data_of(model.parameters()) == before, "the model's weights are put back");
    check(!std::filesystem::exists(path + ".tmp"), "no temporary file left");
    std::remove(path.c_str());
    graph_truncate(keep);
}

int brightness(Color c) { return c.r + c.g + c.b; }

// Ten classes. T-shirts: 6 right, 3 taken for trousers, 1 for a pullover; trousers: 18
// right, 2 taken for ankle boots; every other class 10 of 10 right. A cell's shade is its
// share of its row: green on the diagonal, red off it, darker for a larger share, white
// for none; the same share (1 of 10, 2 of 20) the same shade. Its count is written in it.
std::vector<std::vector<int>> made_up_confusion() {
    std::vector<std::vector<int>> counts(10, std::vector<int>(10, 0));
    for (size_t c = 2; c < 10; ++c) counts[c][c] = 10;
    counts[0][0] = 6, counts[0][1] = 3, counts[0][2] = 1;
    counts[1][1] = 18, counts[1][9] = 2;
    return counts;
}

void test_the_confusion_matrix_shades_by_row_share_and_its_csv_is_as_written_by_hand() {
    std::vector<std::vector<int>> counts = made_up_confusion();
    Image image = draw_confusion_matrix(counts, fashion_names, "CONFUSION");
    auto x_of = [](int p) { return matrix_left + p * matrix_cell_width; };
    auto y_of = [](int t) { return matrix_top + t * matrix_cell_height; };
    auto shade = [&](int t, int p) { return pixel_at(image, x_of(p) + 1, y_of(t) + 1); };
    for (auto [t, p] : {std::pair{0, 0}, {1, 1}, {5, 5}}) {
        Color c = shade(t, p);
        check(c.g > c.r && c.g > c.b, fmt("cell (%g, %g), right answers: green", t, p));
    }
    for (auto [t, p] : {std::pair{0, 1}, {0, 2}, {1, 9}}) {
        Color c = shade(t, p);
        check(c.r > c.g && c.r > c.b, fmt("cell (%g, %g), mistakes: red", t, p));
    }
    check(same_color(shade(0, 3), white) && same_color(shade(9, 0), white), "no images: white");
    check(brightness(shade(0, 1)) < brightness(shade(0, 2)), "3 of 10 mistaken: darker than 1 of 10");
    check(brightness(shade(1, 1)) < brightness(shade(0, 0)), "18 of 20 right: darker than 6 of 10");
    check(brightness(shade(5, 5)) < brightness(shade(1, 1)), "10 of 10 right: darker than 18 of 20");
    check(same_color(shade(0, 2), shade(1, 9)), "1 of 10 and 2 of 20: the same share, the same shade");
    for (auto [t, p] : {std::pair{0, 1}, {0, 3}, {1, 1}, {5, 5}}) {
        Color background = shade(t, p);
        int cell = (matrix_cell_width - 1) * (matrix_cell_height - 1);
        int unlike = cell - count_color(image, x_of(p), y_of(t), x_of(p + 1) - 1, y_of(t + 1) - 1,
                                        background);
        std::string count = std::to_string(counts[size_t(t)][size_t(p)]);
        check(unlike == ink(count), fmt("cell (%g, %g): its count's ink, %g pixels, want %g", t, p,
              unlike, ink(count)) + " (" + count + ")");
    }
    for (int t : {0, 9}) {
        std::string label = std::to_string(t) + " " + fashion_names[t];
        check(count_color(image, 0, y_of(t), matrix_left, y_of(t + 1), black) == ink(label),
              "row " + std::to_string(t) + " labelled " + label + " on the left");
        check(count_color(image, x_of(t), matrix_top - 14, x_of(t + 1), matrix_top, black) ==
              ink(std::to_string(t)), "column " + std::to_string(t) + " numbered above");
    }
    check(count_color(image, 0, 0, image.width, 30, black) == 4 * ink("CONFUSION"),
          "the title, at scale 2, in the top 30 rows");
    std::string want = "true,T-SHIRT,TROUSER,PULLOVER,DRESS,COAT,SANDAL,SHIRT,SNEAKER,BAG,ANKLE BOOT\n"
                       "T-SHIRT,6,3,1,0,0,0,0,0,0,0\n"
                       "TROUSER,0,18,0,0,0,0,0,0,0,2\n"
                       "PULLOVER,0,0,10,0,0,0,0,0,0,0\n"
                       "DRESS,0,0,0,10,0,0,0,0,0,0\n"
                       "COAT,0,0,0,0,10,0,0,0,0,0\n"
                       "SANDAL,0,0,0,0,0,10,0,0,0,0\n"
                       "SHIRT,0,0,0,0,0,0,10,0,0,0\n"
                       "SNEAKER,0,0,0,0,0,0,0,10,0,0\n"
                       "BAG,0,0,0,0,0,0,0,0,10,0\n"
                       "ANKLE BOOT,0,0,0,0,0,0,0,0,0,10\n";
    std::string csv = confusion_csv(counts, fashion_names);
    check(csv == want, "the CSV, as written by hand; got:\n" + csv);
}

void test_same_seed_gives_byte_identical_files() {
    run_small_experiments("test_output_a");
    run_small_experiments("test_output_b");
    int compared = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator("test_output_a")) {
        if (!entry.is_regular_file()) continue;
        std::string rel = std::filesystem::relative(entry.path(), "test_output_a").string();
        check(read_file(entry.path().string()) == read_file("test_output_b/" + rel),
              rel + " is the same in both runs");
        ++compared;
    }
    check(compared == 12, fmt("compared the 12 files of the two experiments, got %g", compared));
    std::filesystem::remove_all("test_output_a");
    std::filesystem::remove_all("test_output_b");
}

void test_bad_flags_exit_2_with_one_line_and_write_nothing() {
    const char* cases[][2] = {
        {"--lr abc", "--lr takes a number in (0, 10], got 'abc'"},
        {"--lr -1", "--lr takes a number in (0, 10], got '-1'"},
        {"--lr 0", "--lr takes a number in (0, 10], got '0'"},  // 0 itself is out
        {"--act swish", "--act takes tanh, sigmoid or relu, got 'swish'"},
        {"--hidden 16,0", "--hidden takes sizes like 16,16"},
        {"--batch 1.5", "--batch takes an integer"},
        {"spiral --momentum 1", "--momentum takes a number in [0, 0.999], got '1'"},
        {"sprial", "unknown experiment 'sprial'"},
        {"--epochs", "--epochs takes an integer 1 to 100000, got '--out'"},
        {"--help-me 3", "unknown flag '--help-me'"},
        {"moons --bogus", "unknown flag '--bogus'"},
        {"--seed=5", "unknown flag '--seed=5'"},
        {"xor xor", "usage: nn COMMAND [FLAGS], one command and before the flags; got 'xor' among"},
        {"--seed 3 moons", "usage: nn COMMAND [FLAGS], one command and before the flags; got 'moons'"},
        // A value of 100,000 characters: its first 40 and its length.
        {"--lr $(printf %0100000d 0)",
         "got '0000000000000000000000000000000000000000'... (100000 characters) (./nn --help"},
        {"xor --patience 5", "xor does not take --patience"},
        {"graph --seed 2", "graph does not take --seed"},
        {"--seed 1e3", "--seed takes an integer 0 to 1000000000, got '1e3'"},
        {"--seed ' 5'", "got ' 5'"},
        {"--lr 0x1", "got '0x1'"},  // hex for 1, in range
        {"--lr inf", "got 'inf'"},
        {"--lr 1e", "got '1e'"},
        {"--lr 1-2", "got '1-2'"},
        {"--lr .", "got '.'"},
        {"--act 'tanh\n'", "got 'tanh\\x0a'"},
        {"--dropout 1", "--dropout takes a number in [0, 1), the share of hidden units dropped "
                        "in training, got '1'"},  // 1 itself is out: it would drop every unit
        {"--optimizer Adam", "--optimizer takes sgd, rmsprop or adam, got 'Adam'"},
        {"graph --dropout 0.2", "graph does not take --dropout"},
    };
    for (auto& c : cases) {
        std::filesystem::remove_all("test_output_bad");
        std::string out, err;
        int status = run_nn(std::string(c[0]) + " --out test_output_bad", out, err);
        check(status == 2, std::string(c[0]) + fmt(": exit status 2, got %g", status));
        check(err.find(c[1]) != std::string::npos,
              std::string(c[0]) + ": the message names the problem: " + err.substr(0, 300));
        check(lines_in(err) == 1, std::string(c[0]) + ": one line: " + err);
        check(out.empty(), std::string(c[0]) + ": nothing on stdout");
        check(!std::filesystem::exists("test_output_bad"), std::string(c[0]) + ": nothing written");
    }
}

// One rule for leading zeros in every number flag, --hidden's sizes too: allowed, and
// decimal (0016 is 16, never octal), so that a message's range is what is accepted. The
// range's ends are accepted with zeros in front, and the integers just past them refused.
void test_leading_zeros_are_one_rule_for_every_number_flag() {
    const std::string dir = "test_output_zeros";
    std::filesystem::remove_all(dir);
    std::string out, err;
    int status = run_nn("spiral --hidden 0016,00016 --epochs 0002 --seed 01000000000 --batch "
                        "0100000 --patience 0100000 --lr 00.01 --momentum 0000.9 --out " + dir,
                        out, err);
    check(status == 0 && err.empty(), fmt("accepted: exit status %g ", status) + err);
    check(out.find("2-16-16-3") != std::string::npos, "--hidden 0016,00016 is 16,16: " +
                                                          out.substr(0, 300));
    check(lines_in(read_file(dir + "/spiral_2-16-16-3_relu.csv")) == 1 + 3,
          "--epochs 0002 is 2 epochs: the log has epochs 0, 1 and 2");
    const char* refused[][2] = {
        {"--hidden 0257", "1 to 256"}, {"--hidden 16,000", "1 to 256"},
        {"--epochs 0100001", "1 to 100000"}, {"--seed 01000000001", "0 to 1000000000"},
        {"--patience 00", "1 to 100000"}, {"--batch 0100001", "0 to 100000"}};
    for (auto& r : refused) {
        std::filesystem::remove_all(dir);
        status = run_nn(std::string("spiral ") + r[0] + " --out " + dir, out, err);
        check(status == 2 && err.find(r[1]) != std::string::npos,
              std::string(r[0]) + fmt(": refused, exit status 2, got %g: ", status) + err);
    }
    std::filesystem::remove_all(dir);
}

// Every flag against every kind of bad value, on the spiral, which takes them all. A value
// that is fine for that flag (0 is a seed, a momentum and "the whole set" as a batch; most
// strings are directory names) must be accepted instead: those runs are one epoch long.
void test_every_flag_against_every_bad_value() {
    const std::vector<std::string> values = {"", "-1", "0", "1e400", "abc", "3x", "16,,16", "0,16"};
    struct Flag {
        const char* name;
        std::vector<std::string> accepted;
    };
    const std::vector<Flag> flags = {
        {"--seed", {"0"}},  {"--epochs", {}},   {"--lr", {}},          {"--momentum", {"0"}},
        {"--batch", {"0"}}, {"--patience", {}}, {"--hidden", {}},      {"--act", {}},
        {"--optimizer", {}}, {"--dropout", {"0"}},
        {"--out", {"-1", "0", "1e400", "abc", "3x", "16,,16", "0,16"}},
    };
    int cases = 0;
    for (const Flag& flag : flags) {
        for (const std::string& value : values) {
            bool ok = std::find(flag.accepted.begin(), flag.accepted.end(), value) != flag.accepted.end();
            bool is_out = flag.name == std::string("--out");
            std::string dir = is_out ? value : "test_output_flags";
            std::string sgd = flag.name == std::string("--momentum") ? " --optimizer sgd" : "";
            std::filesystem::remove_all("test_output_flags");
            std::string out, err;
            int status = run_nn("spiral --epochs 1 " + std::string(flag.name) + " '" + value + "'" + sgd +
                                    (is_out ? "" : " --out test_output_flags"), out, err);
            std::string what = std::string(flag.name) + " '" + value + "'";
            ++cases;
            if (ok) {
                check(status == 0 && err.empty(), what + ": accepted: " + err);
                if (!value.empty()) std::filesystem::remove_all(dir);
                continue;
            }
            check(status == 2, what + fmt(": exit status 2, got %g", status));
            check(lines_in(err) == 1, what + ": one line: " + err);
            check(err.find(flag.name) != std::string::npos && err.find("takes") != std::string::npos,
                  what + ": names the flag and what it takes: " + err);
            check(out.empty(), what + ": nothing on stdout");
            check(!std::filesystem::exists("test_output_flags"), what + ": no file written");
        }
    }
    check(cases == 88, fmt("88 cases, ran %g", cases));
}

// The names --act and --optimizer take, in the help, each accepted; RMSprop trains and is
// named in results.csv; a run with dropout says so in the line that states its settings,
// and one without says nothing of it.
void test_the_help_names_every_kind_and_rmsprop_and_dropout_run_from_the_command_line() {
    std::string out, err;
    run_nn("--help", out, err);
    check(out.find("  --act NAME        tanh, sigmoid or relu\n") != std::string::npos &&
              out.find("  --optimizer NAME  sgd, rmsprop or adam\n") != std::string::npos &&
              out.find("  --dropout X       a number in [0, 1)") != std::string::npos,
          "the help lists every activation, every optimiser and --dropout: " + out);
    for (const char* act : {"tanh", "sigmoid", "relu"}) {
        int status = run_nn(std::string("moons --epochs 1 --act ") + act + " --out test_output_kinds");
        check(status == 0, std::string("--act ") + act + fmt(": exit status 0, got %g", status));
    }
    const std::string dir = "test_output_kinds";
    int status = run_nn("spiral --epochs 2 --optimizer rmsprop --dropout 0.2 --out " + dir, out, err);
    check(status == 0 && err.empty(), fmt("spiral with rmsprop and dropout: exit status %g ", status) + err);
    check(out.find("2-32-32-3 relu, RMSprop, dropout 0.2\n") != std::string::npos,
          "the spiral's settings name RMSprop and the dropout: " + out.substr(0, 200));
    check(read_file(dir + "/results.csv").find("\nspiral,2-32-32-3,relu,rmsprop,1,") != std::string::npos,
          "results.csv names rmsprop");
    run_nn("spiral --epochs 1 --out " + dir, out, err);
    check(out.find("relu, Adam\n") != std::string::npos, "without dropout, no word of it: " + out.substr(0, 200));
    std::filesystem::remove_all(dir);
}

void test_an_output_directory_that_cannot_be_made_is_reported_before_training() {
    std::ofstream("test_not_a_dir") << "a file, so nothing can be made inside it\n";
    std::string out, err;
    int status = run_nn("xor --out test_not_a_dir/plots", out, err);
    check(status == 2, fmt("exit status 2, got %g", status));
    check(err.find("--out") != std::string::npos && err.find("test_not_a_dir/plots") != std::string::npos,
          "the message names --out and the directory: " + err);
    check(lines_in(err) == 1, "one line: " + err);
    check(out.find("XOR") == std::string::npos, "no training started: " + out);
    std::remove("test_not_a_dir");
}

void test_a_diverging_experiment_says_where_and_exits_1() {
    std::filesystem::remove_all("test_output_div");
    std::string out, err;
    int status = run_nn("xor --act tanh --lr 10 --out test_output_div", out, err);
    check(status == 1, fmt("exit status 1, got %g", status));
    check(err.find("diverged in epoch") != std::string::npos, "names the epoch: " + err);
    check(err.find("smaller learning rate") != std::string::npos, "suggests a fix: " + err);
    std::string results = read_file("test_output_div/results.csv");
    check(lines_in(results) == 1 + 150, "a row for every run");
    check(results.find(",diverged,") != std::string::npos, "results.csv says diverged");
    check(out.find("nan") == std::string::npos && out.find("inf") == std::string::npos,
          "no NaN or inf printed as a result");
    std::filesystem::remove_all("test_output_div");
}

void test_the_full_lesson_goes_on_after_a_divergence() {
    std::filesystem::remove_all("test_output_div_all");
    int status = run_nn("--act tanh --lr 10 --epochs 100 --out test_output_div_all");
    std::string results = read_file("test_output_div_all/results.csv");
    check(results.find("xor,2-2-1,tanh,sgd,1,") != std::string::npos, "XOR ran");
    check(results.find(",diverged,") != std::string::npos, "and diverged");
    for (const char* later : {"\nspiral,", "\nspiral_sgd_momentum,", "\nmoons,"}) {
        check(results.find(later) != std::string::npos, std::string("a later experiment ran: ") + (later + 1));
    }
    check(status == 1, fmt("exit status 1 at the end, got %g", status));
    std::filesystem::remove_all("test_output_div_all");
}

// Starts ./nn ARGS in the background, waits until its stdout shows `wait_for` and then
// `settle` more seconds, sends the signals named in `kills` (each a kill option such as
// "-TERM", 0.1 s apart), and returns its exit status (-1 if it had to be killed). stdout
// goes to test_stdout.txt.
int run_nn_and_signal(const std::string& args, const std::string& wait_for,
                      const std::vector<std::string>& kills, double settle = 0) {
    // The old stdout goes first: the background job truncates it only once it starts, and
    // a wait that read the previous run's lines would signal a program not yet started.
    std::string script = "rm -f test_stdout.txt; " + program + " --nn " + args +
                         " > test_stdout.txt 2> test_stderr.txt & pid=$!; ";
    if (!wait_for.empty())
        script += "for i in $(seq 600); do grep -q \"" + wait_for +
                  "\" test_stdout.txt 2>/dev/null && break; sleep 0.05; done; ";
    script += "sleep " + std::to_string(settle) + "; ";
    for (const std::string& k : kills) script += "kill " + k + " $pid; sleep 0.1; ";
    script += "for i in $(seq 400); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done; "
              "kill -KILL $pid 2>/dev/null; wait $pid; exit $?";
    int status = std::system(("sh -c '" + script + "'").c_str());
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return code == 128 + SIGKILL ? -1 : code;
}

std::vector<std::string> temporary_files_in(const std::string& dir) {
    std::vector<std::string> found;
    if (!std::filesystem::is_directory(dir)) return found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.path().extension() == ".tmp") found.push_back(e.path().string());
    return found;
}

// Ctrl-C, SIGTERM and SIGHUP: the run in progress stops after its step; its log,
// pictures and results.csv row are written; the program says where they are and exits
// with 128 + the signal's number.
void test_stop_signals_save_what_was_done_and_exit_128_plus_the_signal() {
    const struct { const char* kill; const char* name; int status; } signals[] = {
        {"-INT", "Ctrl-C (SIGINT)", 130}, {"-TERM", "SIGTERM", 143}, {"-HUP", "SIGHUP", 129}};
    for (const auto& s : signals) {
        std::filesystem::remove_all("test_output_int");
        int code = run_nn_and_signal("spiral --epochs 100000 --patience 100000 --out test_output_int",
                                     "epoch   20", {s.kill});
        std::string out = read_file("test_stdout.txt"), what = std::string(s.name) + ": ";
        check(code == s.status, what + fmt("exit status %g, got %g", s.status, code));
        check(out.find(std::string("Stopped by ") + s.name +
                       ". Results, logs and pictures so far are in test_output_int/") != std::string::npos,
              what + "says what stopped it and where the files are");
        std::string results = read_file("test_output_int/results.csv");
        check(results.find("spiral,2-32-32-3,relu,adam,1,") != std::string::npos &&
                  results.find(",interrupted,") != std::string::npos,
              what + "results.csv has the run, stopped by 'interrupted': " + results);
        for (const char* picture : {"spiral_boundary.ppm", "spiral_evolution.ppm", "spiral_loss.ppm"}) {
            check(parse_ppm(read_file(std::string("test_output_int/") + picture)).magic == "P6",
                  what + picture + " was written and parses");
        }
        std::string log = read_file("test_output_int/spiral_2-32-32-3_relu.csv");
        check(lines_in(log) >= 1 + 21, what + "the log has the epochs done");
        check(temporary_files_in("test_output_int").empty(), what + "no .tmp file is left");
    }
    std::remove("test_stdout.txt");
    std::remove("test_stderr.txt");
    std::filesystem::remove_all("test_output_int");
}

// Starts ./nn ARGS in a child process with stdout on `stdout_fd` and stderr in
// test_stderr.txt; `before`, if any, runs in the child first, given the PID ./nn will have.
pid_t start_nn(std::vector<std::string> args, int stdout_fd, void (*before)(int pid) = nullptr) {
    args.insert(args.begin(), {program, "--nn"});
    pid_t child = fork();
    if (child != 0) return child;
    if (before) before(int(getpid()));
    dup2(stdout_fd, 1);
    int err = open("test_stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
}

// Waits for a child of start_nn. Returns its exit status, 1000 + the signal's number if a
// signal killed it, or -1 if it was still running 20 s later (it is then killed).
int wait_for_nn(pid_t child) {
    int status = 0;
    for (int i = 0; i < 400 && waitpid(child, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (waitpid(child, &status, WNOHANG) == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

// Starts ./nn ARGS with stdout a pipe that is already full, so that the first thing it
// prints waits for a reader that never comes; sends `signals` 0.1 s apart, the first
// `settle` seconds after the start, and returns what wait_for_nn does.
int run_nn_blocked_and_signal(const std::vector<std::string>& args,
                              const std::vector<int>& signals, double settle) {
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0) return -2;
    fcntl(pipe_ends[1], F_SETFL, O_NONBLOCK);
    const std::string block(4096, 'x');
    while (write(pipe_ends[1], block.data(), block.size()) > 0) {}
    fcntl(pipe_ends[1], F_SETFL, 0);  // full; and ./nn's writes must wait, not fail
    pid_t child = start_nn(args, pipe_ends[1]);
    close(pipe_ends[1]);
    std::this_thread::sleep_for(std::chrono::duration<double>(settle));
    for (int signal : signals) {
        kill(child, signal);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    int code = wait_for_nn(child);
    close(pipe_ends[0]);
    return code;
}

std::string exit_status_text(int code) {
    if (code == -1) return "still running 20 s later";
    if (code >= 1000) return fmt("killed by signal %g", code - 1000);
    return fmt("exit status %g", code);
}

// A second signal ends the program at once, still with 128 + its number: here the first
// asks the spiral to stop, but the program is waiting to print (its stdout is full), so
// only the second can end it. No temporary file is left.
void test_a_second_signal_exits_at_once_and_leaves_no_temporary_file() {
    std::filesystem::remove_all("test_output_int2");
    int code = run_nn_blocked_and_signal(
        {"spiral", "--epochs", "100000", "--patience", "100000", "--out", "test_output_int2"},
        {SIGTERM, SIGTERM}, 1.0);
    check(code == 143, "want exit status 143, got " + exit_status_text(code));
    check(temporary_files_in("test_output_int2").empty(), "no .tmp file is left");
    std::remove("test_stderr.txt");
    std::filesystem::remove_all("test_output_int2");
}

// graph and bench have no training step to finish: a stop signal ends them at once, with
// 128 + its number, and SIGQUIT with 131. Their stdout is a full pipe, so that each is
// still running when the signal comes (bench computes for about a second, then prints;
// graph prints at once), however fast the machine.
void test_graph_and_bench_stop_at_once_on_a_stop_signal() {
    const struct { int signal; const char* name; int status; } signals[] = {
        {SIGINT, "SIGINT", 130}, {SIGTERM, "SIGTERM", 143}, {SIGHUP, "SIGHUP", 129},
        {SIGQUIT, "SIGQUIT", 131}};
    for (const char* command : {"graph", "bench"}) {
        for (const auto& s : signals) {
            std::filesystem::remove_all("test_output_graphsig");
            std::vector<std::string> args = {command};
            if (command == std::string("graph")) args = {command, "--out", "test_output_graphsig"};
            int code = run_nn_blocked_and_signal(args, {s.signal}, 0.5);
            check(code == s.status, std::string(command) + ", " + s.name +
                                        fmt(": want exit status %g, got ", s.status) +
                                        exit_status_text(code));
            check(temporary_files_in("test_output_graphsig").empty(),
                  std::string(command) + ", " + s.name + ": no .tmp file is left");
        }
    }
    std::remove("test_stderr.txt");
    std::filesystem::remove_all("test_output_graphsig");
}

// `./tests --signal-mid-write SIGNAL TIMES DIR`, for the test below: nn_main's signal
// handling, then what save_file does, and the signal, TIMES times, while the temporary
// file is open. A process of its own, started afresh, so that valgrind (CI runs the tests
// under it) does not count what a process ended at once never frees as a leak.
int signal_in_the_middle_of_a_write(int signal, int times, const std::string& dir) {
    handle_signals(true);
    FILE* f = create_temporary(dir + "/results.csv");
    if (!f || std::fputs("experiment,archit", f) < 0 || std::fflush(f) != 0) return 3;
    for (int k = 0; k < times; ++k) raise(signal);
    return 4;  // not reached: the signal ended it
}

// A file half written when SIGQUIT, SIGPIPE or a second stop signal comes is removed, and
// the program exits with 128 + the signal's number. No command can be made to stop in the
// middle of a write (nothing planted at a temporary name is opened, so nothing can block
// it), so a process of the tests does what save_file does, with nn_main's signal handling,
// and the signal comes while its temporary file is open.
void test_a_signal_in_the_middle_of_a_write_leaves_no_temporary_file() {
    const struct { int signal; const char* name; int times; } signals[] = {
        {SIGQUIT, "SIGQUIT", 1}, {SIGPIPE, "SIGPIPE", 1}, {SIGINT, "a second SIGINT", 2},
        {SIGTERM, "a second SIGTERM", 2}, {SIGHUP, "a second SIGHUP", 2}};
    for (const auto& s : signals) {
        std::filesystem::remove_all("test_output_midwrite");
        std::filesystem::create_directories("test_output_midwrite");
        pid_t child = fork();
        if (child == 0) {
            std::string signal = std::to_string(s.signal), times = std::to_string(s.times);
            execl(program.c_str(), program.c_str(), "--signal-mid-write", signal.c_str(),
                  times.c_str(), "test_output_midwrite", nullptr);
            _exit(127);
        }
        int status = 0;
        waitpid(child, &status, 0);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
        check(code == 128 + s.signal, std::string(s.name) + fmt(": want exit status %g, got ",
                                                               128 + s.signal) +
                                          exit_status_text(code));
        std::vector<std::string> left = temporary_files_in("test_output_midwrite");
        check(left.empty(), std::string(s.name) + ": the temporary file is removed: " +
                                (left.empty() ? "" : left[0]));
    }
    std::filesystem::remove_all("test_output_midwrite");
}

// The evolution picture's weights: however long the run, at most 12 epochs are stored,
// plus the last and the kept one, in order, from epoch 0.
void test_the_evolution_snapshots_are_bounded_and_include_the_last_and_kept_epochs() {
    Snapshots s(100000, 12);
    for (int epoch = 0; epoch <= 70000; ++epoch) s.offer(epoch, {double(epoch)});
    check(s.taken.size() <= 12, fmt("at most 12 stored, got %g", s.taken.size()));
    std::vector<Snapshot> shown = s.with_last_and({123, {-1.0}});
    check(shown.size() <= 14 && shown.front().epoch == 0, "epoch 0 first, 14 at most");
    check(shown.back().epoch == 70000 && shown.back().weights[0] == 70000, "the last epoch run, with its weights");
    bool kept = false, sorted = true;
    for (size_t i = 0; i < shown.size(); ++i) {
        kept = kept || (shown[i].epoch == 123 && shown[i].weights[0] == -1.0);
        sorted = sorted && (i == 0 || shown[i - 1].epoch < shown[i].epoch);
        if (shown[i].epoch != 123) sorted = sorted && shown[i].weights[0] == shown[i].epoch;
    }
    check(kept, "the kept epoch, with the weights given for it");
    check(sorted, "in order of epoch, each with its own weights");
}

// Fresh storage for the vector with room for exactly `room` more elements; its capacity.
size_t with_room(std::vector<Node>& v, size_t room) {
    std::vector<Node> fresh;
    fresh.reserve(v.size() + room);
    fresh.insert(fresh.end(), v.begin(), v.end());  // within the capacity: no move
    v.swap(fresh);
    return v.capacity();
}

size_t with_room(std::vector<Edge>& v, size_t room) {
    std::vector<Edge> fresh;
    fresh.reserve(v.size() + room);
    fresh.insert(fresh.end(), v.begin(), v.end());
    v.swap(fresh);
    return v.capacity();
}

// How many nodes and edges `step` adds to the graph at its peak, though it truncates them
// again before it returns. A vector moves to new storage only when it must grow past its
// capacity, and its capacity then grows (the standard guarantees both). So: give graph.nodes
// room for exactly r more nodes, run the step, and see whether its capacity changed; a
// binary search on r finds the peak, and the same for edges. `step` must build the same
// graph every time.
std::pair<size_t, size_t> peak_growth(const std::function<void()>& step) {
    const size_t ample = size_t(1) << 20;
    size_t peak[2];
    for (int edges = 0; edges < 2; ++edges) {
        size_t lo = 0, hi = ample;  // the peak is in [lo, hi]
        while (lo < hi) {
            size_t r = lo + (hi - lo) / 2;
            size_t node_capacity = with_room(graph.nodes, edges ? ample : r);
            size_t edge_capacity = with_room(graph.edges, edges ? r : ample);
            step();
            bool moved = edges ? graph.edges.capacity() != edge_capacity
                               : graph.nodes.capacity() != node_capacity;
            if (moved) {
                lo = r + 1;  // r was too little room
            } else {
                hi = r;
            }
        }
        peak[edges] = lo;
    }
    return {peak[0], peak[1]};
}

// The memory check: the estimate agrees with the graph train_step really builds, with and
// without dropout (the probe itself checked first on a graph counted by hand), and a run
// over the limit is refused before anything is written.
// A step walks one point's graph at a time: the most it ever holds is one point's graph (or
// the L2 penalty's, built first), whatever the batch's size.
void test_a_training_step_holds_one_points_graph_whatever_the_batch_size() {
    auto chain = [] {  // a leaf and 500 negations of it: 501 nodes, 500 edges
        size_t keep = graph.nodes.size();
        Value a = 1.0;
        for (int i = 0; i < 500; ++i) a = -a;
        graph_truncate(keep);
    };
    auto counted = peak_growth(chain);
    check(counted.first == 501 && counted.second == 500,
          fmt("the probe: %g nodes and %g edges, want 501 and 500", counted.first, counted.second));
    size_t keep = graph.nodes.size();
    MLP model(2, {16, 16, 3}, Activation::Tanh, 1);
    std::vector<Value> params = model.parameters();
    Dataset data = spiral(10, 3, 0.2, 1);
    Optimizer opt(OptimizerKind::SGD, 0.01, 0.9);
    for (size_t size : {1, 5, 30}) {
        std::vector<int> batch;
        for (size_t i = 0; i < size; ++i) batch.push_back(int(data.size() - 1 - i));
        auto step = [&] { step_with(model, params, data, batch, Loss::SoftmaxCrossEntropy, 0.0, opt); };
        auto [nodes, edges] = peak_growth(step);
        // 84 nodes and 727 edges for the point (test_a_2_16_16_3_network_makes_84_nodes...;
        // the batches start from the last point, as the first of each arm is at the origin,
        // whose inputs of 0 make no edges), and the division by the batch's size: a leaf and
        // a node of 2 edges
        check(nodes == 84 + 2 && edges == 727 + 2,
              fmt("a batch of %g: the step held %g nodes and %g edges at most, want 86 and 729",
                  size, nodes, edges));
    }
    graph_truncate(keep);
}

// Before training: a directory where a picture would go, or an output path that becomes
// too long once a file name is added, stops the run with exit 2 and nothing trained.
void test_outputs_that_cannot_be_written_are_found_before_training() {
    std::filesystem::remove_all("test_output_pre");
    std::filesystem::create_directories("test_output_pre/spiral_boundary.ppm");
    std::string out, err;
    int status = run_nn("spiral --epochs 2 --out test_output_pre", out, err);
    check(status == 2, fmt("a directory named like a picture: exit status 2, got %g", status));
    check(err.find("'spiral_boundary.ppm' in 'test_output_pre' is not a file") != std::string::npos,
          "the message names it: " + err);
    check(out.find("Spiral") == std::string::npos, "nothing trained: " + out);
    std::filesystem::remove_all("test_output_pre");
    std::string dir = "test_output_long";  // 4,070 characters: the directories can be made,
    while (dir.size() + 201 < 4070) dir += "/" + std::string(200, 'd');  // a file in them not
    dir += "/" + std::string(4070 - dir.size() - 1, 'e');
    status = run_nn("spiral --epochs 2 --out " + dir, out, err);
    check(status == 2, fmt("a path too long with a name added: exit status 2, got %g", status));
    check(err.find("cannot write files in") != std::string::npos && lines_in(err) == 1,
          "one line says so: " + err.substr(0, 200));
    check(out.find("Spiral") == std::string::npos, "nothing trained");
    std::filesystem::remove_all("test_output_long");
}

// Runs ./nn ARGS under a file size limit of `blocks` (sh's ulimit -f, 512-byte blocks),
// where a write past the limit would by default be killed by SIGXFSZ. stdout goes to
// /dev/null and stderr through a pipe to test_stderr.txt, neither a file the limit
// stops, so that the message gets out even under a limit of 0. Returns the exit status.
int run_nn_with_file_size_limit(int blocks, const std::string& args, std::string& err) {
    std::string cmd = "(ulimit -f " + std::to_string(blocks) + "; " + program + " --nn " +
                      args + " 2>&1 > /dev/null; echo \"status $?\") | cat > test_stderr.txt";
    std::system(cmd.c_str());
    err = read_file("test_stderr.txt");
    std::remove("test_stderr.txt");
    size_t at = err.rfind("status ");
    if (at == std::string::npos) return -2;
    int status = std::atoi(err.c_str() + at + 7);
    err.resize(at);
    return status;
}

// A write that fails (a full disk, or here a file size limit, as no disk can be filled
// without root) stops the run with exit 1 and one line that names the file and the
// reason, and leaves no temporary file. Before training (results.csv, under a limit of 0)
// the run does not start; after it (the first picture, over 20 KB), results.csv holds
// whole rows.
void test_a_file_size_limit_stops_the_run_like_a_full_disk_with_whole_files() {
    const struct { int blocks; const char* file; } cases[] = {{0, "results.csv"},
                                                             {40, "spiral_loss.ppm"}};
    for (const auto& c : cases) {
        const std::string dir = "test_output_fsize";
        std::filesystem::remove_all(dir);
        std::string err;
        int status = run_nn_with_file_size_limit(c.blocks, "spiral --epochs 2 --out " + dir, err);
        std::string what = std::string(c.file) + ": ";
        check(status == 1, what + fmt("exit status 1, got %g (153: killed by SIGXFSZ)", status));
        check(err == "nn: cannot write " + quoted_path(dir + "/" + c.file) + ": File too large\n",
              what + "one line names the file and the reason: " + err);
        std::string results = read_file(dir + "/results.csv");
        check(results.empty() || results.back() == '\n', what + "results.csv ends with a whole row");
        std::vector<std::string> left = temporary_files_in(dir);
        check(left.empty(), what + "the temporary file is removed: " + (left.empty() ? "" : left[0]));
    }
    std::filesystem::remove_all("test_output_fsize");
}

// Memory that runs out in the middle of a run (ulimit -v, 60 MB, against the 2-256-256-3
// network's graph) ends it with one line that says what to make smaller, exit status 1,
// no temporary file, and results.csv whole.
void test_running_out_of_memory_ends_with_one_line_and_whole_files() {
    const std::string dir = "test_output_oom";
    std::filesystem::remove_all(dir);
    std::string out, err;
    int status = run_nn_after("ulimit -v 60000", "spiral --hidden 256,256,256,256,256,256 --epochs 2 --out " + dir,
                              out, err);
    check(status == 1, fmt("exit status 1, got %g (-1: killed by a signal, SIGABRT say)", status));
    check(err == "nn: out of memory while running spiral; a smaller --hidden (or --subset) needs "
                 "less, or allow more memory (ulimit -v)\n",
          "one line says what ran out and what needs less: " + err);
    check(read_file(dir + "/results.csv").find("experiment,architecture,") == 0 &&
              read_file(dir + "/results.csv").back() == '\n',
          "results.csv is whole");
    check(temporary_files_in(dir).empty(), "no .tmp file is left");
    std::filesystem::remove_all(dir);
}

// Plants, in test_output_planted, links to a user's file at results.csv's temporary names
// (the old PATH.tmp, and PATH.PID.0.tmp, the one this run would try first) and FIFOs at
// moons_loss.ppm's. Runs in the child that becomes ./nn, so it knows the PID.
void plant_links_and_fifos(int pid) {
    const std::string dir = "test_output_planted/";
    for (std::string name : {std::string(".tmp"), "." + std::to_string(pid) + ".0.tmp"}) {
        std::filesystem::create_symlink("users_file.txt", dir + "results.csv" + name);
        mkfifo((dir + "moons_loss.ppm" + name).c_str(), 0644);
    }
}

// Nothing planted at a temporary name is opened: not a link to a user's file, which it
// would overwrite, nor a FIFO, whose opening would wait for a reader forever. The run goes
// on under other names, and everything planted is left as it was.
void test_links_and_fifos_planted_at_temporary_names_are_never_opened() {
    const std::string dir = "test_output_planted";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/users_file.txt") << "a user's file\n";
    int null = open("/dev/null", O_WRONLY);
    int code = wait_for_nn(start_nn({"moons", "--epochs", "2", "--out", dir}, null,
                                    plant_links_and_fifos));
    close(null);
    check(code == 0, "exit status 0, got " + exit_status_text(code));
    check(read_file(dir + "/users_file.txt") == "a user's file\n", "the user's file is untouched");
    check(parse_ppm(read_file(dir + "/moons_loss.ppm")).magic == "P6", "moons_loss.ppm is written");
    check(lines_in(read_file(dir + "/results.csv")) == 2, "results.csv has its header and row");
    int planted = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        planted += e.path().extension() == ".tmp" && (e.is_symlink() || e.is_fifo());
    check(planted == 4, fmt("the 2 links and 2 FIFOs are still there, found %g", planted));
    std::remove("test_stderr.txt");
    std::filesystem::remove_all(dir);
}

// A file at a temporary name, another run's in progress or a stale one of a run that was
// killed with this run's PID, is never an error, and never truncated, renamed or removed.
void test_another_runs_or_a_stale_temporary_file_is_never_touched() {
    const std::string dir = "test_output_stale";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::string plant = "echo another run > " + dir + "/results.csv.tmp; echo stale > " + dir +
                        "/results.csv.$$.0.tmp; echo stale > " + dir + "/moons_loss.ppm.$$.0.tmp";
    std::string out, err;
    int status = run_nn_after(plant, "moons --epochs 2 --out " + dir, out, err);
    check(status == 0 && err.empty(), fmt("exit status 0, got %g: ", status) + err);
    check(read_file(dir + "/results.csv.tmp") == "another run\n", "the other run's file is untouched");
    int stale = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        stale += e.path().extension() == ".tmp" && read_file(e.path().string()) == "stale\n";
    check(stale == 2, fmt("the 2 stale files are untouched, found %g", stale));
    check(lines_in(read_file(dir + "/results.csv")) == 2, "results.csv has its header and row");
    std::filesystem::remove_all(dir);
}

// Two runs at once on one --out (XOR, which writes results.csv 450 times, with seeds 1
// and 2) never take each other's temporary files: both end with exit status 0, and each
// file is whole and equal to one run's version of it, as made by each run alone.
void test_two_runs_on_one_out_directory_never_take_each_others_files() {
    for (const char* dir : {"test_output_two_1", "test_output_two_2", "test_output_two"})
        std::filesystem::remove_all(dir);
    run_nn("xor --epochs 20 --seed 1 --out test_output_two_1");
    run_nn("xor --epochs 20 --seed 2 --out test_output_two_2");
    for (int round = 0; round < 3; ++round) {
        std::filesystem::remove_all("test_output_two");
        std::string cmd = program + " --nn xor --epochs 20 --seed 1 --out test_output_two > /dev/null "
                          "2> test_stderr_1.txt & " + program + " --nn xor --epochs 20 --seed 2 --out "
                          "test_output_two > /dev/null 2> test_stderr_2.txt; second=$?; wait $!; "
                          "exit $(( $? * 16 + second ))";
        int status = std::system(("sh -c '" + cmd + "'").c_str());
        std::string err = read_file("test_stderr_1.txt") + read_file("test_stderr_2.txt");
        std::string what = fmt("round %g: ", round + 1);
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0, what + "both exit 0: " + err);
        int files = 0;
        for (const auto& e : std::filesystem::directory_iterator("test_output_two")) {
            std::string name = e.path().filename().string(), bytes = read_file(e.path().string());
            check(bytes == read_file("test_output_two_1/" + name) ||
                      bytes == read_file("test_output_two_2/" + name),
                  what + name + " is one run's version of it");
            ++files;
        }
        check(files == 15, what + fmt("the 15 files of XOR, and no other, found %g", files));
    }
    for (const char* dir : {"test_output_two_1", "test_output_two_2", "test_output_two"})
        std::filesystem::remove_all(dir);
    std::remove("test_stderr_1.txt");
    std::remove("test_stderr_2.txt");
}

// stdout that cannot be written is an error (exit 1 and a message on stderr).
void test_a_failed_write_to_stdout_exits_1() {
    std::string cmd = program + " --nn graph > /dev/full 2> test_stderr.txt";
    int status = std::system(cmd.c_str());
    std::string err = read_file("test_stderr.txt");
    std::remove("test_stderr.txt");
    check(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status 1");
    check(err.find("cannot write to standard output") != std::string::npos, "says so: " + err);
}

// The live view only where it can work: a terminal, not TERM=dumb, no NO_COLOR.
void test_the_live_view_needs_a_colour_terminal() {
    check(live_view_possible(true, "xterm-256color", nullptr), "a colour terminal");
    check(!live_view_possible(false, "xterm-256color", nullptr), "not through a pipe");
    check(!live_view_possible(true, "dumb", nullptr), "not with TERM=dumb");
    check(!live_view_possible(true, "xterm", ""), "not with NO_COLOR set, even empty");
}

// Progress lines show the learning rate in use, and --lr scales the spiral's schedule.
void test_progress_shows_the_learning_rate_and_lr_scales_the_schedule() {
    std::string out, err;
    run_nn("spiral --epochs 10 --out test_output_lr", out, err);
    check(out.find("epoch    0") != std::string::npos && out.find("lr 0.01\n") != std::string::npos,
          "epoch 0 shows the first rate, 0.01: " + out.substr(0, 400));
    run_nn("spiral --epochs 10 --lr 0.1 --out test_output_lr", out, err);
    check(out.find("lr 0.1\n") != std::string::npos, "--lr 0.1: the schedule starts at 0.1");
    check(out.find("lr 0.005\n") != std::string::npos,
          "and ends at 0.005, 0.0005 scaled by 10 (epoch 10 of 10)");
    std::filesystem::remove_all("test_output_lr");
}

// ---- Reading gzip and IDX: against the real gzip, by hand, corrupt, and made IDX files -----

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// A new directory of its own under the system's temporary directory, for one test's files.
std::string make_temporary_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nn_test_XXXXXX").string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    check(mkdtemp(name.data()) != nullptr, "cannot make a temporary directory " + pattern);
    return name.data();
}

// Runs `gzip ARGS` through the shell. The streams these tests read are made by the real
// gzip, so without it they fail, saying so, rather than pass having checked nothing.
bool run_gzip(const std::string& args) {
    int status = std::system(("gzip " + args + " 2> /dev/null").c_str());
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    check(code != 127, "the gzip program is not installed, and these tests need it to make "
                       "their streams (apt-get install gzip)");
    check(code == 0 || code == 127, "gzip " + args + fmt(" exited with status %g", code));
    return code == 0;
}

// gunzip(gz) gives `want` byte for byte, with no error.
void check_gunzip(const std::string& what, const std::vector<uint8_t>& gz,
                  const std::vector<uint8_t>& want) {
    std::vector<uint8_t> got;
    std::string error = gunzip(gz, got);
    check(error.empty(), what + ": " + error);
    if (!error.empty()) return;
    size_t same = size_t(std::mismatch(got.begin(), got.end(), want.begin(), want.end()).first -
                         got.begin());
    check(got == want, what + fmt(": %g bytes out for %g in, the first difference at byte %g",
                                  double(got.size()), double(want.size()), double(same)));
}

// gunzip(gz) fails with an error that contains `fault`.
void check_gunzip_fails(const std::string& what, const std::vector<uint8_t>& gz,
                        const std::string& fault) {
    std::vector<uint8_t> got;
    std::string error = gunzip(gz, got);
    check(error.find(fault) != std::string::npos,
          what + ": want an error with '" + fault + "', got '" + error + "'");
}

// The type of a gzip stream's first block (0 stored, 1 fixed codes, 2 dynamic codes),
// read from its bits 1-2, past the 10-byte header and the file name if there is one.
int first_block_type(const std::vector<uint8_t>& gz) {
    size_t at = 10;
    if (gz[3] & 8) at = size_t(std::find(gz.begin() + 10, gz.end(), 0) - gz.begin()) + 1;
    return (gz[at] >> 1) & 3;
}

// Text of words in a random order: compressible, but not trivially.
std::vector<uint8_t> words_text(uint64_t seed, int n_words) {
    const char* words[] = {"the", "graph", "remembers", "how", "each", "value", "was",
                           "computed", "so", "backward", "walks", "it", "in", "reverse",
                           "and", "applies", "chain", "rule", "on", "every", "edge"};
    Rng rng{seed};
    std::string text;
    for (int i = 0; i < n_words; ++i) {
        text += words[rng.next() % 21];
        text += i % 12 == 11 ? "\n" : " ";
    }
    return bytes_of(text);
}

std::vector<uint8_t> random_bytes(uint64_t seed, size_t n) {
    Rng rng{seed};
    std::vector<uint8_t> bytes(n);
    for (uint8_t& b : bytes) b = uint8_t(rng.next() >> 56);
    return bytes;
}

// CRC-32 of the ASCII digits 1-9 is 0xCBF43926, the check value every CRC-32 publishes.
void test_crc32_of_123456789_is_the_published_check_value() {
    std::vector<uint8_t> digits = bytes_of("123456789");
    char got[60];
    std::snprintf(got, sizeof got, "crc32(\"123456789\") = %08x, want cbf43926",
                  unsigned(crc32(digits.data(), digits.size())));
    check(crc32(digits.data(), digits.size()) == 0xCBF43926u, got);
    check(crc32(digits.data(), 0) == 0, "the CRC-32 of nothing is 0");
}

// Streams made by the real gzip at levels 1, 6 and 9, with and without the file's name in
// the header, decompress to their input byte for byte: short text (which gzip writes in
// a block of fixed codes), long text (blocks of dynamic codes), random bytes (stored
// blocks, as they do not compress), nothing at all, and long runs (back-references that
// overlap what they copy). Each kind of block begins at least one of the streams.
void test_gunzip_gives_back_what_gzip_1_6_and_9_compressed_byte_for_byte() {
    std::string dir = make_temporary_directory();
    std::vector<uint8_t> runs(70000, 'a');
    for (size_t i = 30000; i < runs.size(); ++i) runs[i] = "xyz"[i % 3];
    const struct { const char* name; std::vector<uint8_t> bytes; } inputs[] = {
        {"short_text", bytes_of("Hello, gzip. Hello, gzip. Hello again.\n")},
        {"long_text", words_text(1, 40000)},
        {"random_bytes", random_bytes(2, 100000)},
        {"empty", {}},
        {"long_runs", runs},
    };
    bool block_type_seen[3] = {};
    for (const auto& input : inputs) {
        std::string path = dir + "/" + input.name;
        write_bytes(path, input.bytes);
        for (const char* level : {"-1", "-6", "-9"}) {
            for (bool with_name : {true, false}) {
                std::string gz_path = path + level + (with_name ? ".gz" : ".n.gz");
                std::string args = with_name ? " -c " + path : " -n -c < " + path;
                if (!run_gzip(level + args + " > " + gz_path)) continue;
                std::vector<uint8_t> gz = bytes_of(read_file(gz_path));
                std::string what = std::string("gzip ") + level + (with_name ? "" : " -n") +
                                   " of " + input.name;
                check(gz.size() > 10 && bool(gz[3] & 8) == with_name,
                      what + ": the header holds the file name exactly when asked");
                check_gunzip(what, gz, input.bytes);
                if (gz.size() > 10) block_type_seen[first_block_type(gz)] = true;
            }
        }
    }
    check(block_type_seen[0], "no stream began with a stored block: those are untested");
    check(block_type_seen[1], "no stream began with a fixed-code block: those are untested");
    check(block_type_seen[2], "no stream began with a dynamic block: those are untested");
    std::filesystem::remove_all(dir);
}

// Bits packed as DEFLATE packs them, to make streams by hand: fields lowest bit first,
// Huffman codes first bit (the code's highest) first.
struct BitWriter {
    std::vector<uint8_t> bytes;
    int used = 8;  // bits used in the last byte

    void bit(uint32_t b) {
        if (used == 8) {
            bytes.push_back(0);
            used = 0;
        }
        bytes.back() = uint8_t(bytes.back() | b << used++);
    }
    void field(uint32_t value, int n) {
        for (int i = 0; i < n; ++i) bit((value >> i) & 1);
    }
    void code(uint32_t code, int n) {
        for (int i = n - 1; i >= 0; --i) bit((code >> i) & 1);
    }
    // A literal/length symbol in block type 1's fixed code, from RFC 1951's table (3.2.6).
    void fixed(int symbol) {
        if (symbol < 144) code(uint32_t(0x30 + symbol), 8);
        else if (symbol < 256) code(uint32_t(0x190 + symbol - 144), 9);
        else if (symbol < 280) code(uint32_t(symbol - 256), 7);
        else code(uint32_t(0xC0 + symbol - 280), 8);
    }
};

// A gzip file around a raw DEFLATE stream, with the CRC-32 and length of `original`.
std::vector<uint8_t> gzip_around(const std::vector<uint8_t>& deflate,
                                 const std::vector<uint8_t>& original) {
    std::vector<uint8_t> gz = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    gz.insert(gz.end(), deflate.begin(), deflate.end());
    uint32_t crc = crc32(original.data(), original.size());
    uint32_t size = uint32_t(original.size());
    for (uint32_t word : {crc, size}) {
        for (int i = 0; i < 4; ++i) gz.push_back(uint8_t(word >> (8 * i)));
    }
    return gz;
}

// A last block of fixed codes holding these literal/length symbols and distance fields
// (a symbol >= 1000 stands for the 5-bit distance code symbol - 1000), then end-of-block.
std::vector<uint8_t> fixed_block(std::initializer_list<int> symbols) {
    BitWriter w;
    w.field(1, 1);  // the last block
    w.field(1, 2);  // of type 1: fixed codes
    for (int s : symbols) {
        if (s >= 1000) w.code(uint32_t(s - 1000), 5);
        else w.fixed(s);
    }
    w.fixed(256);
    return w.bytes;
}

// Blocks made by hand: fixed codes with lengths and distances that need extra bits and a
// copy that overlaps itself, a stored block, two members one after the other, and every
// optional header field; then one fault of each kind the decoder names.
void test_hand_made_deflate_blocks_and_each_fault_they_can_have() {
    // 'a', then length 9 (symbol 263) from distance 1 (code 0): ten a's.
    check_gunzip("fixed block, overlapping copy", gzip_around(fixed_block({'a', 263, 1000}),
                 bytes_of("aaaaaaaaaa")), bytes_of("aaaaaaaaaa"));
    // "abcde", then length 12 (symbol 265 = 11 + 1 extra bit, 1) from distance 5 (code 4
    // = 5 + 1 extra bit, 0), then length 258 (symbol 285) from distance 3.
    BitWriter w;
    w.field(1, 1);
    w.field(1, 2);
    for (char c : std::string("abcde")) w.fixed(c);
    w.fixed(265);
    w.field(1, 1);
    w.code(4, 5);
    w.field(0, 1);
    w.fixed(285);
    w.code(2, 5);
    w.fixed(256);
    std::string want = "abcdeabcdeabcdeab";
    for (int i = 0; i < 258; ++i) want += want[want.size() - 3];
    check_gunzip("fixed block, extra bits", gzip_around(w.bytes, bytes_of(want)),
                 bytes_of(want));

    // A stored block: last, type 0, to the byte boundary, LEN 3, NLEN ~3, three bytes.
    std::vector<uint8_t> stored = {1, 3, 0, 0xFC, 0xFF, 'x', 'y', 'z'};
    check_gunzip("stored block", gzip_around(stored, bytes_of("xyz")), bytes_of("xyz"));
    std::vector<uint8_t> two = gzip_around(stored, bytes_of("xyz"));
    std::vector<uint8_t> second =
        gzip_around(fixed_block({'a', 263, 1000}), bytes_of("aaaaaaaaaa"));
    two.insert(two.end(), second.begin(), second.end());
    check_gunzip("two members", two, bytes_of("xyzaaaaaaaaaa"));

    // FTEXT, FEXTRA (2 bytes), FNAME, FCOMMENT and FHCRC, the CRC-32 of the header so far.
    std::vector<uint8_t> header = {0x1f, 0x8b, 8, 1 | 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3,
                                   2,    0,    'e', 'x', 'n', 0, 'c', 0};
    uint32_t header_crc = crc32(header.data(), header.size());
    std::vector<uint8_t> full = header;
    full.push_back(uint8_t(header_crc));
    full.push_back(uint8_t(header_crc >> 8));
    std::vector<uint8_t> body = gzip_around(stored, bytes_of("xyz"));
    full.insert(full.end(), body.begin() + 10, body.end());
    check_gunzip("every header field", full, bytes_of("xyz"));
    full[header.size()] ^= 1;
    check_gunzip_fails("a wrong header CRC", full, "the gzip header's CRC is wrong");

    std::vector<uint8_t> gz = gzip_around(stored, bytes_of("xyz"));
    gz[3] = 0x20;
    check_gunzip_fails("a reserved flag", gz, "reserved flag bits");
    gz = gzip_around(stored, bytes_of("xyz"));
    gz[2] = 7;
    check_gunzip_fails("method 7", gz, "gzip method 7, not DEFLATE");
    stored[3] = 0xFD;
    check_gunzip_fails("NLEN not ~LEN", gzip_around(stored, bytes_of("xyz")),
                       "length check (NLEN) does not match");
    check_gunzip_fails("distance 2 after one byte",
                       gzip_around(fixed_block({'a', 257, 1001}), bytes_of("aaaa")),
                       "a distance of 2 reaches back past the start of the data");
    check_gunzip_fails("literal/length symbol 286", gzip_around(fixed_block({'a', 286}), {}),
                       "invalid literal/length code");
    check_gunzip_fails("distance symbol 30", gzip_around(fixed_block({'a', 257, 1030}), {}),
                       "invalid distance code");
    check_gunzip_fails("block type 3", gzip_around({1 | 3 << 1, 0}, {}), "reserved type 3");

    // Dynamic blocks whose code-length code is wrong: 19 codes of 1 bit (over-subscribed);
    // symbol 0 alone with 1 bit (incomplete, and a code-length code must be complete).
    auto dynamic_header = [](BitWriter& w, uint32_t n_code_length_codes) {
        w.field(1, 1);                         // the last block
        w.field(2, 2);                         // of type 2: dynamic codes
        w.field(0, 5);                         // 257 literal/length codes
        w.field(0, 5);                         // 1 distance code
        w.field(n_code_length_codes - 4, 4);  // how many code-length code lengths follow
    };
    BitWriter over, incomplete;
    dynamic_header(over, 19);
    for (int i = 0; i < 19; ++i) over.field(1, 3);
    check_gunzip_fails("over-subscribed", gzip_around(over.bytes, {}),
                       "the code-length code is over-subscribed");
    dynamic_header(incomplete, 4);
    for (int length : {0, 0, 0, 1}) incomplete.field(uint32_t(length), 3);  // 16, 17, 18, 0
    incomplete.field(0, 8);
    check_gunzip_fails("incomplete", gzip_around(incomplete.bytes, {}),
                       "the code-length code is incomplete");
}

// Corrupt copies of streams gzip made: each fault gives its own error. Cut anywhere, a
// stream gives "truncated", never a crash, a hang or bytes; with any one bit flipped,
// gunzip gives an error or the right bytes, never wrong bytes without an error.
void test_corrupt_gzip_streams_each_name_their_fault() {
    // A decoder that reads zeros past the end without stopping can decode them for ever.
    std::signal(SIGALRM, [](int) {
        const char message[] = "\n    failed: still decoding after 60 s: gunzip hangs";
        ssize_t ignored = write(1, message, sizeof message - 1);
        (void)ignored;
        _exit(1);
    });
    alarm(60);
    std::string dir = make_temporary_directory();
    std::vector<uint8_t> text = words_text(3, 300);
    write_bytes(dir + "/text", text);
    write_bytes(dir + "/short", bytes_of("Hello, gzip. Hello, gzip.\n"));
    bool ran = run_gzip("-9 -n -c < " + dir + "/text > " + dir + "/text.gz") &&
               run_gzip("-9 -n -c < " + dir + "/short > " + dir + "/short.gz");
    std::vector<uint8_t> good = bytes_of(read_file(dir + "/text.gz"));
    std::vector<uint8_t> short_gz = bytes_of(read_file(dir + "/short.gz"));
    std::filesystem::remove_all(dir);
    if (!ran) return;
    std::vector<uint8_t> bad = good;
    bad[good.size() - 6] ^= 0x40;  // a byte of the trailer's CRC-32
    check_gunzip_fails("a flipped CRC byte", bad, "CRC-32 mismatch");
    bad = good;
    bad[good.size() - 4] ^= 1;  // the lowest byte of ISIZE
    check_gunzip_fails("a wrong ISIZE", bad, "length mismatch");
    bad = good;
    bad[1] = 0x8c;
    check_gunzip_fails("bad magic", bad, "not gzip: no 1f 8b magic");
    bad = good;
    bad[10] |= 3 << 1;  // the first block's type bits
    check_gunzip_fails("a block of type 3", bad, "a block of the reserved type 3");
    check_gunzip_fails("an empty file", {}, "truncated");
    for (const std::vector<uint8_t>& gz : {good, short_gz}) {
        for (size_t cut = 0; cut < gz.size(); ++cut) {
            check_gunzip_fails(fmt("a stream of %g bytes cut to %g", double(gz.size()),
                                   double(cut)),
                               std::vector<uint8_t>(gz.begin(), gz.begin() + long(cut)),
                               "truncated: the file ends inside the gzip stream");
        }
    }
    for (size_t bit = 0; bit < 8 * good.size(); ++bit) {
        bad = good;
        bad[bit / 8] ^= uint8_t(1 << (bit % 8));
        std::vector<uint8_t> got;
        std::string error = gunzip(bad, got);
        check(!error.empty() || got == text, fmt("bit %g flipped: wrong bytes, no error",
                                                 double(bit)));
    }
}

// An IDX file: the magic number and the sizes, big-endian, then the bytes.
std::vector<uint8_t> idx_file(uint32_t magic, std::vector<uint32_t> sizes,
                              const std::vector<uint8_t>& data) {
    std::vector<uint8_t> bytes;
    sizes.insert(sizes.begin(), magic);
    for (uint32_t word : sizes) {
        for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(word >> shift));
    }
    bytes.insert(bytes.end(), data.begin(), data.end());
    return bytes;
}

// Three images of 2 x 4 pixels, each pixel's value its index, and their labels 7, 0, 9.
std::vector<uint8_t> three_images() {
    std::vector<uint8_t> pixels(24);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(10 * i);
    return idx_file(0x803, {3, 2, 4}, pixels);
}

std::vector<uint8_t> three_labels() { return idx_file(0x801, {3}, {7, 0, 9}); }

// IDX files the test writes, plain ("train") and compressed by gzip ("t10k", under the
// names as distributed, .gz), read back: the sizes, every pixel and every label.
void test_idx_files_plain_and_gzip_compressed_read_back_exactly() {
    std::string dir = make_temporary_directory();
    write_bytes(dir + "/train-images-idx3-ubyte", three_images());
    write_bytes(dir + "/train-labels-idx1-ubyte", three_labels());
    write_bytes(dir + "/t10k-images-idx3-ubyte", three_images());
    write_bytes(dir + "/t10k-labels-idx1-ubyte", three_labels());
    // gzip replaces each t10k file by its .gz, so only the compressed files are left.
    bool ran = run_gzip(dir + "/t10k-images-idx3-ubyte " + dir + "/t10k-labels-idx1-ubyte");
    check(!ran || !std::filesystem::exists(dir + "/t10k-images-idx3-ubyte"),
          "gzip left the plain t10k file behind");
    for (const char* part : {"train", "t10k"}) {
        LabelledImages set;
        std::string error = load_labelled_images(dir, part, set);
        std::string what = part + std::string(": ");
        check(error.empty(), what + error);
        check(set.count == 3 && set.rows == 2 && set.cols == 4,
              what + fmt("%g images of %g x %g, want 3 of 2 x 4", set.count, set.rows,
                         set.cols));
        std::vector<uint8_t> file = three_images(), pixels(file.begin() + 16, file.end());
        check(set.pixels == pixels, what + "the pixels read back as written");
        check(set.labels == std::vector<uint8_t>({7, 0, 9}), what + "the labels are 7, 0, 9");
    }
    std::filesystem::remove_all(dir);
}

// Every fault of a data set's files gives one line that names the file and the fault; a
// missing file's also says how to get the data.
void test_each_idx_fault_gives_one_line_naming_the_file_and_the_fault() {
    std::string dir = make_temporary_directory();
    std::string images = dir + "/train-images-idx3-ubyte";
    std::string labels = dir + "/train-labels-idx1-ubyte";
    std::vector<uint8_t> file = three_images(), good_pixels(file.begin() + 16, file.end());
    std::vector<uint8_t> long_pixels = good_pixels, short_pixels = good_pixels;
    long_pixels.push_back(0);
    short_pixels.pop_back();
    const struct {
        const char* what;
        std::vector<uint8_t> images, labels;
        std::string file, fault;
    } cases[] = {
        {"bad magic", idx_file(0x903, {3, 2, 4}, good_pixels), three_labels(), images,
         "not an IDX file of bytes (magic 00000903, not 00000803)"},
        {"two dimensions", idx_file(0x802, {3, 8}, good_pixels), three_labels(), images,
         "wrong number of dimensions: 2, not 3"},
        {"labels of three dimensions", three_images(), idx_file(0x803, {3, 1, 1}, {7, 0, 9}),
         labels, "wrong number of dimensions: 3, not 1"},
        {"truncated", idx_file(0x803, {3, 2, 4}, short_pixels), three_labels(), images,
         "truncated: its sizes say 24 bytes of data, it has 23"},
        {"trailing bytes", idx_file(0x803, {3, 2, 4}, long_pixels), three_labels(), images,
         "trailing bytes: its sizes say 24 bytes of data, it has 25"},
        {"a short header", {0, 0, 8, 3, 0, 0}, three_labels(), images,
         "too short for an IDX header"},
        {"label 10", three_images(), idx_file(0x801, {3}, {7, 10, 9}), labels,
         "label 10 at item 1 (labels are 0-9)"},
        {"two labels", three_images(), idx_file(0x801, {2}, {7, 0}), labels,
         "2 labels for the 3 images of " + quoted_path(images)},
    };
    for (const auto& c : cases) {
        write_bytes(images, c.images);
        write_bytes(labels, c.labels);
        LabelledImages set;
        std::string error = load_labelled_images(dir, "train", set);
        std::string want = quoted_path(c.file) + ": " + c.fault;
        check(error == want, c.what + (": want '" + want + "', got '" + error + "'"));
    }
    // The same files compressed, with a byte of the images' CRC-32 flipped.
    write_bytes(labels, three_labels());
    write_bytes(images, three_images());
    if (run_gzip(images)) {
        std::vector<uint8_t> gz = bytes_of(read_file(images + ".gz"));
        gz[gz.size() - 8] ^= 1;
        write_bytes(images + ".gz", gz);
        LabelledImages set;
        std::string error = load_labelled_images(dir, "train", set);
        check(error.find(quoted_path(images + ".gz") + ": CRC-32 mismatch") == 0 &&
                  error.find('\n') == std::string::npos,
              "a corrupt .gz: " + error);
    }
    // A missing file: named, with the two ways to get the data.
    std::filesystem::remove(images + ".gz");
    write_bytes(images, three_images());
    std::filesystem::remove(labels);
    LabelledImages set;
    std::string error = load_labelled_images(dir, "train", set);
    check(error.find(quoted_path(labels + ".gz") + ": no such file") == 0,
          "a missing file is named: " + error);
    check(error.find("apt-get install dataset-fashion-mnist") != std::string::npos &&
              error.find("--data DIR") != std::string::npos,
          "and the message says how to get the data: " + error);
    check(error.find('\n') == std::string::npos, "in one line: " + error);
    std::filesystem::remove_all(dir);
}

// A tiny made data set in Fashion-MNIST's four files: class c is a bright 6 x 6 square at
// its own place (row c / 5, column c % 5 of a grid of squares) over faint noise, so that
// even three epochs learn it. `per_class` images of each class, in turn.
void write_made_images(const std::string& dir, const std::string& part, int per_class) {
    Rng rng{uint64_t(per_class)};
    std::vector<uint8_t> pixels, labels;
    for (int k = 0; k < 10 * per_class; ++k) {
        int c = k % 10, top = 4 + 10 * (c / 5), left = 2 + 5 * (c % 5);
        for (int y = 0; y < 28; ++y) {
            for (int x = 0; x < 28; ++x) {
                bool in_square = y >= top && y < top + 6 && x >= left && x < left + 6;
                pixels.push_back(uint8_t(in_square ? 200 + rng.below(56) : rng.below(40)));
            }
        }
        labels.push_back(uint8_t(c));
    }
    uint32_t n = uint32_t(10 * per_class);
    write_bytes(dir + "/" + part + "-images-idx3-ubyte", idx_file(0x803, {n, 28, 28}, pixels));
    write_bytes(dir + "/" + part + "-labels-idx1-ubyte", idx_file(0x801, {n}, labels));
}

// A fresh folder with the made data set's four files (3 training and 1 test image of each
// class), less the one named `missing`, if any, which a test puts there its own way.
std::string made_data_folder(const std::string& missing = "") {
    std::string dir = make_temporary_directory();
    write_made_images(dir, "train", 3);
    write_made_images(dir, "t10k", 1);
    if (!missing.empty()) std::filesystem::remove(dir + "/" + missing);
    return dir;
}

// counts[true][predicted], on labels and predictions written by hand.
void test_confusion_counts_are_by_true_class_then_predicted_class() {
    Dataset data;
    data.labels = {0, 0, 0, 1, 2, 2};
    std::vector<int> predicted = {0, 1, 1, 1, 0, 2};
    std::vector<std::vector<int>> counts = confusion_counts(data, predicted);
    check(counts.size() == 10 && counts[0].size() == 10, "10 x 10 counts");
    check(counts[0][0] == 1 && counts[0][1] == 2, fmt("true 0: predicted 0 %g times (want 1), 1 %g times (want 2)", counts[0][0], counts[0][1]));
    check(counts[1][1] == 1 && counts[1][0] == 0, fmt("true 1: predicted 1 %g times (want 1), 0 %g times (want 0)", counts[1][1], counts[1][0]));
    check(counts[2][0] == 1 && counts[2][2] == 1, fmt("true 2: predicted 0 %g times, 2 %g times (want 1 and 1)", counts[2][0], counts[2][2]));
    int total = 0;
    for (const std::vector<int>& row : counts) for (int c : row) total += c;
    check(total == 6, fmt("%g counted, want the 6 examples", total));
}

// `./nn fashion --data DIR` on the made data set: a stratified tenth held out, the test set
// whole, a network that learns it, a results.csv row and the pictures; faulty files are
// exit 2 before any training, one line naming the file.
void test_fashion_on_a_tiny_made_data_set_learns_and_names_faulty_files() {
    std::string dir = make_temporary_directory();
    write_made_images(dir, "train", 30);
    write_made_images(dir, "t10k", 10);
    std::filesystem::remove_all("test_output_fashion");
    std::string out, err;
    int status = run_nn("fashion --data " + dir + " --epochs 3 --out test_output_fashion", out, err);
    check(status == 0, fmt("exit status %g, want 0: ", status) + err);
    check(out.find("FASHION-MNIST: 270 training, 30 validation, 100 test images") != std::string::npos,
          "the split: 270 training, 30 validation (3 a class), 100 test: " + out.substr(0, 200));
    std::string results = read_file("test_output_fashion/results.csv");
    size_t row = results.find("\nfashion,784-64-10,relu,adam,");
    check(row != std::string::npos, "results.csv has the fashion row: " + results);
    if (row != std::string::npos) {
        std::string line = results.substr(row + 1, results.find('\n', row + 1) - row - 1);
        double test_acc = std::atof(line.substr(line.rfind(',') + 1).c_str());
        check(test_acc >= 0.9, "the made squares are learnt: test accuracy " + line);
    }
    for (const char* file : {"fashion_loss.ppm", "fashion_784-64-10_relu.csv", "fashion_weights.ppm",
                             "fashion_weights.gif", "fashion_test_images.ppm", "fashion_test_images.gif",
                             "fashion_confusion.ppm", "fashion_confusion.gif", "fashion_confusion.csv"})
        check(std::filesystem::exists(std::string("test_output_fashion/") + file),
              std::string("wrote ") + file);
    std::string csv = read_file("test_output_fashion/fashion_confusion.csv");
    int lines = 0, rows_of_ten = 0;  // row t counts the test images of true class t: 10 each
    for (size_t at = csv.find('\n'); at != std::string::npos && at + 1 < csv.size(); at = csv.find('\n', at + 1)) {
        ++lines;
        size_t end = csv.find('\n', at + 1);
        std::string row = csv.substr(at + 1, end - at - 1);
        int counted = 0;
        for (size_t comma = row.find(','); comma != std::string::npos; comma = row.find(',', comma + 1))
            counted += std::atoi(row.c_str() + comma + 1);
        rows_of_ten += counted == 10;
    }
    check(lines == 10 && rows_of_ten == 10,
          fmt("the confusion CSV: %g rows, %g of them counting 10 images, want 10 rows of the 10 test "
              "images of their true class", lines, rows_of_ten) + "\n" + csv);
    status = run_nn("fashion --data " + dir + " --epochs 3 --out test_output_fashion_again", out, err);
    for (const char* file : {"results.csv", "fashion_confusion.csv", "fashion_weights.gif", "fashion_test_images.ppm"})
        check(read_file(std::string("test_output_fashion/") + file) ==
                  read_file(std::string("test_output_fashion_again/") + file),
              std::string("the same seed writes the same ") + file);
    std::filesystem::remove_all("test_output_fashion_again");
    status = run_nn("fashion --data " + dir + " --subset 100 --epochs 1 --out test_output_fashion", out, err);
    check(status == 0 && out.find("FASHION-MNIST: 90 training, 10 validation, 100 test images") != std::string::npos,
          "--subset 100 keeps 100 training images, a tenth of them for validation: " + out.substr(0, 200));
    std::vector<uint8_t> labels = bytes_of(read_file(dir + "/t10k-labels-idx1-ubyte"));
    labels[8 + 5] = 12;
    write_bytes(dir + "/t10k-labels-idx1-ubyte", labels);
    status = run_nn("fashion --data " + dir + " --out test_output_fashion", out, err);
    check(status == 2 && lines_in(err) == 1 &&
              err.find(quoted_path(dir + "/t10k-labels-idx1-ubyte") + ": label 12 at item 5 (labels are 0-9)") != std::string::npos,
          fmt("a label of 12: exit %g, ", status) + err);
    check(out.find("epoch") == std::string::npos, "nothing trained before the fault: " + out);
    std::filesystem::remove(dir + "/t10k-labels-idx1-ubyte");
    status = run_nn("fashion --data " + dir + " --out test_output_fashion", out, err);
    check(status == 2 && lines_in(err) == 1 &&
              err.find(quoted_path(dir + "/t10k-labels-idx1-ubyte.gz") + ": no such file") != std::string::npos &&
              err.find("apt-get install dataset-fashion-mnist") != std::string::npos,
          fmt("a missing file: exit %g, ", status) + err);
    status = run_nn("mnist --out test_output_fashion", out, err);
    check(status == 2 && err.find("mnist needs --data DIR") != std::string::npos,
          fmt("mnist without --data: exit %g, ", status) + err);
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all("test_output_fashion");
}

// ---- Data files no one vouches for: refused runs, bounds, a strict decoder ------------------

// Runs ./nn ARGS (a shell fragment) killed after 20 s and limited to 600 MB of address space
// (ulimit -v; a real `./nn fashion` peaks at about 170 MB resident); fills out and err and
// the seconds it took. A hang gives exit 137 or 124, memory running out exit 1.
int run_nn_bounded(const std::string& args, std::string& out, std::string& err,
                   double& seconds) {
    std::string cmd = "ulimit -v 600000; exec timeout -s KILL 20 " + program + " --nn " +
                      args + " > test_stdout.txt 2> test_stderr.txt";
    auto start = std::chrono::steady_clock::now();
    int status = std::system(cmd.c_str());
    out = read_file("test_stdout.txt");
    err = read_file("test_stderr.txt");
    std::remove("test_stdout.txt");
    std::remove("test_stderr.txt");
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A refused `fashion` or `mnist` run (no --data, a missing, a corrupt or an empty file)
// exits 2 with one line and leaves --out as an earlier run left it, byte for byte; and a
// refused run on an --out that does not exist yet does not make it.
void test_a_refused_data_run_leaves_an_earlier_runs_files_as_they_were() {
    std::string out_dir = "test_output_refused";
    std::filesystem::remove_all(out_dir);
    std::filesystem::create_directories(out_dir);
    std::string earlier = "experiment,architecture\nfashion,784-64-10\nfashion,784-32-10\n";
    write_bytes(out_dir + "/results.csv", bytes_of(earlier));
    write_bytes(out_dir + "/fashion_784-64-10_relu.csv", bytes_of("epoch\n0\n"));
    const struct {
        const char* what;
        std::string file;  // the file to spoil ("" for none)
        int spoil;         // 0 remove it, 1 flip a byte of its gzip CRC, 2 empty it
        std::string args, fault;
    } cases[] = {
        {"mnist without --data", "", 0, "mnist", "mnist needs --data DIR"},
        {"a missing file", "t10k-labels-idx1-ubyte", 0, "fashion", "no such file"},
        {"a corrupt file", "t10k-images-idx3-ubyte", 1, "mnist", "CRC-32 mismatch"},
        {"an empty file", "t10k-labels-idx1-ubyte", 2, "fashion", "too short"},
    };
    for (const auto& c : cases) {
        std::string dir = made_data_folder();
        std::string path = dir + "/" + c.file;
        if (!c.file.empty() && c.spoil == 0) std::filesystem::remove(path);
        if (!c.file.empty() && c.spoil == 1 && run_gzip(path)) {
            std::vector<uint8_t> gz = bytes_of(read_file(path + ".gz"));
            gz[gz.size() - 8] ^= 1;
            write_bytes(path + ".gz", gz);
        }
        if (!c.file.empty() && c.spoil == 2) write_bytes(path, {});
        std::string data = c.args == "mnist" && c.file.empty() ? "" : " --data " + dir;
        std::string out, err;
        int status = run_nn(c.args + data + " --out " + out_dir, out, err);
        check(status == 2 && lines_in(err) == 1 && err.find(c.fault) != std::string::npos,
              c.what + fmt(": exit %g, want 2 and one line with '", status) + c.fault +
                  "': " + err);
        check(read_file(out_dir + "/results.csv") == earlier,
              c.what + std::string(": the earlier results.csv was replaced by '") +
                  read_file(out_dir + "/results.csv") + "'");
        size_t files = size_t(std::distance(std::filesystem::directory_iterator(out_dir),
                                            std::filesystem::directory_iterator()));
        check(files == 2, c.what + fmt(": %g files in --out, want the earlier 2", files));
        std::filesystem::remove_all(dir);
    }
    std::filesystem::remove_all("test_output_never");
    run_nn("mnist --out test_output_never");
    check(!std::filesystem::exists("test_output_never"), "a refused run made its --out");
    std::filesystem::remove_all(out_dir);
}

// What stands at a data file's name and is not a regular file (a FIFO, a folder, a device,
// a link to nothing) or is too big to be one (a 3 GB sparse file) is refused at once by
// name, exit 2 in one line, without waiting on it or reading it.
void test_data_files_that_are_not_regular_files_are_refused_at_once_by_name() {
    const struct {
        const char* what;
        std::string make, fault;  // `make` is run in the data folder by sh
    } cases[] = {
        {"a FIFO", "mkfifo train-images-idx3-ubyte", "a FIFO (a named pipe), not a data file"},
        {"a folder", "mkdir train-images-idx3-ubyte", "a folder, not a data file"},
        {"/dev/zero", "ln -s /dev/zero train-images-idx3-ubyte", "a device, not a data file"},
        {"a dangling link", "ln -s nowhere train-images-idx3-ubyte.gz",
         "a link to nothing"},
        {"a 3 GB sparse file", "truncate -s 3G train-images-idx3-ubyte",
         "3221225472 bytes, more than the 67108864 a data file may hold"},
    };
    for (const auto& c : cases) {
        std::string dir = made_data_folder("train-images-idx3-ubyte");
        check(std::system(("cd " + dir + " && " + c.make).c_str()) == 0, c.make + " failed");
        std::string out, err;
        double seconds = 0;
        int status = run_nn_bounded("fashion --data " + dir + " --out test_output_odd", out,
                                    err, seconds);
        std::string file = dir + "/train-images-idx3-ubyte";
        check(status == 2 && lines_in(err) == 1 &&
                  err.find(quoted_path(file)) != std::string::npos &&
                  err.find(c.fault) != std::string::npos,
              c.what + fmt(": exit %g after %.1f s, want 2 and one line naming the file and '",
                           status, seconds) + c.fault + "': " + err);
        check(seconds < 5, c.what + fmt(": %.1f s, want at once", seconds));
        std::filesystem::remove_all(dir);
    }
    std::filesystem::remove_all("test_output_odd");
}

// The start of a dynamic block with these literal/length and distance code lengths, sent
// in a code-length code that gives each length 0-15 a 4-bit code (16 codes of 4 bits: a
// complete code, in which length n's code is n).
void dynamic_block_header(BitWriter& w, bool last, const std::vector<int>& literal_length,
                          const std::vector<int>& distance) {
    w.field(last, 1);
    w.field(2, 2);
    w.field(uint32_t(literal_length.size() - 257), 5);
    w.field(uint32_t(distance.size() - 1), 5);
    w.field(19 - 4, 4);
    for (int s : {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15})
        w.field(s < 16 ? 4 : 0, 3);
    for (int n : literal_length) w.code(uint32_t(n), 4);
    for (int n : distance) w.code(uint32_t(n), 4);
}

// Each symbol's code in the canonical code of these lengths (RFC 1951, 3.2.2).
std::vector<uint32_t> canonical_codes(const std::vector<int>& lengths) {
    uint32_t count[16] = {}, next[16] = {};
    for (int n : lengths) count[n]++;
    count[0] = 0;
    for (int n = 1; n < 16; ++n) next[n] = (next[n - 1] + count[n - 1]) << 1;
    std::vector<uint32_t> codes(lengths.size());
    for (size_t s = 0; s < lengths.size(); ++s)
        if (lengths[s] > 0) codes[s] = next[lengths[s]]++;
    return codes;
}

// Lengths for symbols 0..n-1, all 0 but the ones given.
std::vector<int> code_lengths(size_t n, std::initializer_list<std::pair<int, int>> given) {
    std::vector<int> lengths(n, 0);
    for (auto [symbol, length] : given) lengths[size_t(symbol)] = length;
    return lengths;
}

// A gzip member whose data is `header` in a stored block, then a dynamic block of `copies`
// copies of 258 bytes from distance 1, each 2 bits (a 1-bit length code, a 1-bit distance
// code): 1 MB of it inflates to 1 GiB. Its trailer claims 4 GiB and a CRC of 0.
std::vector<uint8_t> gzip_bomb(const std::vector<uint8_t>& header, size_t copies) {
    BitWriter w;
    w.field(0, 3);  // not the last block; stored
    w.used = 8;
    w.field(uint32_t(header.size()), 16);
    w.field(uint32_t(~header.size() & 0xFFFF), 16);
    for (uint8_t b : header) w.field(b, 8);
    std::vector<int> literal_length = code_lengths(286, {{0, 2}, {256, 2}, {285, 1}});
    std::vector<uint32_t> codes = canonical_codes(literal_length);
    dynamic_block_header(w, true, literal_length, {1});
    for (size_t i = 0; i < copies; ++i) w.field(0, 2);  // symbol 285 (code 0), distance 0
    w.code(codes[256], 2);
    std::vector<uint8_t> gz = gzip_around(w.bytes, {});
    for (size_t i = gz.size() - 4; i < gz.size(); ++i) gz[i] = 0xFF;
    return gz;
}

// What a file claims costs nothing before it is checked: a gzip file that inflates to
// 1 GiB under a header that says 47 MB, a 2.3 MB one whose header says 3,000,000 images, a
// 1 MB corrupt one whose trailer claims 4 GiB, a plain file longer than its header says.
// Each ends within seconds in 600 MB of address space, exit 2, one line naming the file.
void test_a_files_claims_cost_nothing_before_they_are_checked() {
    std::vector<uint8_t> random_images = idx_file(0x803, {1300, 28, 28},
                                                  random_bytes(5, 1300 * 784));
    std::string dir = make_temporary_directory();
    write_bytes(dir + "/random", random_images);
    bool ran = run_gzip("-1 -n -c < " + dir + "/random > " + dir + "/random.gz");
    std::vector<uint8_t> corrupt = bytes_of(read_file(dir + "/random.gz"));
    if (ran) {
        for (size_t i = corrupt.size() - 4; i < corrupt.size(); ++i) corrupt[i] = 0xFF;
    }
    std::vector<uint8_t> long_plain = three_images();
    long_plain.resize(long_plain.size() + (20 << 20));
    const struct {
        const char* what;
        std::vector<uint8_t> file;
        const char* name;
        std::string fault;
    } cases[] = {
        {"1 GiB under a header of 60,000 images",
         gzip_bomb(idx_file(0x803, {60000, 28, 28}, {}), (1u << 30) / 258),
         "train-images-idx3-ubyte.gz",
         "trailing bytes: its sizes say 47040000 bytes of data, it inflates to more"},
        {"3,000,000 blank images", gzip_bomb(idx_file(0x803, {3000000, 28, 28}, {}),
                                             3000000ull * 784 / 258),
         "train-images-idx3-ubyte.gz", "its sizes, 3000000 x 28 x 28, say 2352000000 bytes"},
        {"a trailer that claims 4 GiB", corrupt, "train-images-idx3-ubyte.gz",
         "length mismatch"},
        {"a plain file 20 MiB longer than its header says", long_plain,
         "train-images-idx3-ubyte", "trailing bytes: its sizes say 24 bytes of data, it has "
                                    "20971544"},
    };
    for (const auto& c : cases) {
        std::string data = made_data_folder("train-images-idx3-ubyte");
        write_bytes(data + "/" + c.name, c.file);
        std::string out, err;
        double seconds = 0;
        int status = run_nn_bounded("fashion --data " + data + " --out test_output_claims",
                                    out, err, seconds);
        check(status == 2 && lines_in(err) == 1 &&
                  err.find(quoted_path(data + "/" + c.name)) != std::string::npos &&
                  err.find(c.fault) != std::string::npos,
              c.what + fmt(": exit %g after %.1f s, want 2 and one line naming the file and '",
                           status, seconds) + c.fault + "': " + err);
        check(seconds < 10, c.what + fmt(": %.1f s, want a few", seconds));
        std::filesystem::remove_all(data);
    }
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all("test_output_claims");
}

// Python's gzip module (zlib underneath) on each file: "ok" if it decompresses, else "bad";
// empty if python3 is not there.
std::vector<std::string> python_verdicts(const std::vector<std::string>& paths) {
    std::string cmd = "python3 -c 'import gzip, sys\nfor p in sys.argv[1:]:\n"
                      "    try: gzip.decompress(open(p, \"rb\").read()); print(\"ok\")\n"
                      "    except Exception: print(\"bad\")' ";
    for (const std::string& p : paths) cmd += " " + p;
    FILE* pipe = popen((cmd + " 2> /dev/null").c_str(), "r");
    std::vector<std::string> verdicts;
    char line[16];
    while (pipe && std::fgets(line, sizeof line, pipe)) verdicts.push_back(line[0] == 'o' ? "ok" : "bad");
    if (pipe) pclose(pipe);
    return verdicts;
}

// What RFC 1951 forbids is refused, and what it allows is accepted, as zlib does: an
// incomplete code only as a single 1-bit literal/length or distance code, or no distance
// code at all; no distance that reaches into the member before; zeros after the last
// member, but no other trailing bytes. Python's gzip module gives each the same verdict.
void test_the_decoder_refuses_what_rfc_1951_forbids_as_zlib_does() {
    auto block = [](std::vector<int> literal_length, std::vector<int> distance,
                    std::initializer_list<int> symbols) {
        // symbols: literal/length symbols; d + 1000 is distance symbol d
        BitWriter w;
        dynamic_block_header(w, true, literal_length, distance);
        std::vector<uint32_t> lc = canonical_codes(literal_length);
        std::vector<uint32_t> dc = canonical_codes(distance);
        for (int s : symbols) {
            if (s >= 1000) w.code(dc[size_t(s - 1000)], distance[size_t(s - 1000)]);
            else w.code(lc[size_t(s)], literal_length[size_t(s)]);
        }
        return w.bytes;
    };
    std::vector<int> a_end_len3 = code_lengths(257 + 1, {{'a', 1}, {256, 2}, {257, 2}});
    std::vector<int> a_end = code_lengths(257, {{'a', 1}, {256, 1}});
    std::vector<uint8_t> stored_xyz = {1, 3, 0, 0xFC, 0xFF, 'x', 'y', 'z'};
    std::vector<uint8_t> two = gzip_around(stored_xyz, bytes_of("xyz"));
    std::vector<uint8_t> second = gzip_around(fixed_block({257, 1002}), bytes_of("xyz"));
    two.insert(two.end(), second.begin(), second.end());
    std::vector<uint8_t> padded = gzip_around(stored_xyz, bytes_of("xyz"));
    padded.resize(padded.size() + 512, 0);
    std::vector<uint8_t> garbage = gzip_around(stored_xyz, bytes_of("xyz"));
    for (char c : std::string("garbage\n")) garbage.push_back(uint8_t(c));
    const struct {
        const char* what;
        std::vector<uint8_t> gz;
        std::string fault;  // "" for a stream that is accepted
        std::string want;
    } cases[] = {
        {"a lone distance code of 1 bit",
         gzip_around(block(a_end_len3, {1}, {'a', 257, 1000, 256}), bytes_of("aaaa")), "",
         "aaaa"},
        {"a lone distance code of 2 bits",
         gzip_around(block(a_end_len3, {2}, {'a', 257, 1000, 256}), bytes_of("aaaa")),
         "the distance code is incomplete", ""},
        {"no distance code, no back-reference",
         gzip_around(block(a_end, {0}, {'a', 256}), bytes_of("a")), "", "a"},
        {"only end-of-block, in 1 bit",
         gzip_around(block(code_lengths(257, {{256, 1}}), {0}, {256}), {}), "", ""},
        {"only end-of-block, in 2 bits",
         gzip_around(block(code_lengths(257, {{256, 2}}), {0}, {256}), {}),
         "the literal/length code is incomplete", ""},
        {"a distance into the member before", two,
         "a distance of 3 reaches back past the start of the data", ""},
        {"512 zeros after the member", padded, "", "xyz"},
        {"trailing garbage", garbage, "8 bytes of trailing garbage after the gzip data", ""},
    };
    std::string dir = make_temporary_directory();
    std::vector<std::string> paths;
    for (const auto& c : cases) {
        if (c.fault.empty()) check_gunzip(c.what, c.gz, bytes_of(c.want));
        else check_gunzip_fails(c.what, c.gz, c.fault);
        paths.push_back(dir + "/" + std::to_string(paths.size()) + ".gz");
        write_bytes(paths.back(), c.gz);
    }
    std::vector<std::string> verdicts = python_verdicts(paths);
    check(verdicts.size() == paths.size(), "python3 gave no verdicts: is it installed?");
    for (size_t i = 0; i < verdicts.size() && i < paths.size(); ++i) {
        std::string ours = cases[i].fault.empty() ? "ok" : "bad";
        check(verdicts[i] == ours, cases[i].what + (": Python says " + verdicts[i] +
                                                    ", we say " + ours));
    }
    std::filesystem::remove_all(dir);
}

// Streams made by Python's zlib at every level 0-9, each strategy (default, filtered,
// Huffman only, RLE, fixed), windows of 2^9 to 2^15, memory levels 1 and 9, with full and
// sync flushes in the middle, and headers with every optional field (FTEXT, FEXTRA,
// FNAME, FCOMMENT, FHCRC), some as two members: gunzip gives back each input byte for byte.
void test_gunzip_matches_zlib_on_streams_of_every_level_strategy_window_and_header_flag() {
    std::string dir = make_temporary_directory();
    write_bytes(dir + "/text", words_text(7, 6000));
    write_bytes(dir + "/random", random_bytes(8, 20000));
    std::string script = R"(
import os, struct, sys, zlib
d = sys.argv[1]
text = open(d + '/text', 'rb').read()
inputs = [text, open(d + '/random', 'rb').read(), b'', b'a' * 70000, text[:3000] * 9]
def member(data, level, strategy, wbits, mem, flags, flush):
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits, mem, strategy)
    half = len(data) // 2
    raw = c.compress(data[:half]) + (c.flush(flush) if flush else b'')
    raw += c.compress(data[half:]) + c.flush()
    h = b'\x1f\x8b\x08' + bytes([flags]) + struct.pack('<I', 12345) + b'\x00\x03'
    if flags & 4: h += struct.pack('<H', 5) + b'extra'
    if flags & 8: h += b'name.idx\x00'
    if flags & 16: h += b'a comment\x00'
    if flags & 2: h += struct.pack('<H', zlib.crc32(h) & 0xFFFF)
    return h + raw + struct.pack('<II', zlib.crc32(data), len(data) & 0xFFFFFFFF)
n = 0
for i, data in enumerate(inputs):
    for level in range(10):
        for strategy in range(5):
            wbits = 9 + (level + strategy + i) % 7
            mem = 1 if (level + i) % 2 else 9
            flags = [0, 1, 4, 8, 16, 2, 30, 31][(level + 3 * strategy + i) % 8]
            flush = [0, zlib.Z_SYNC_FLUSH, zlib.Z_FULL_FLUSH][(level + strategy) % 3]
            gz = member(data, level, strategy, wbits, mem, flags, flush)
            out = data
            if (level + strategy) % 4 == 0:
                gz += member(data[:1000], 9 - level, strategy, 15, 8, flags ^ 8, 0)
                out = data + data[:1000]
            open('%s/%d.gz' % (d, n), 'wb').write(gz)
            open('%s/%d.raw' % (d, n), 'wb').write(out)
            n += 1
print(n)
)";
    write_bytes(dir + "/make.py", bytes_of(script));
    FILE* pipe = popen(("python3 " + dir + "/make.py " + dir + " 2>&1").c_str(), "r");
    char line[200] = "";
    bool read = pipe && std::fgets(line, sizeof line, pipe);
    int status = pipe ? pclose(pipe) : -1;
    int n = read && status == 0 ? std::atoi(line) : 0;
    check(n == 250, std::string("python3 made no streams (is it installed?): ") + line);
    for (int i = 0; i < n; ++i) {
        std::string name = dir + "/" + std::to_string(i);
        check_gunzip("stream " + std::to_string(i), bytes_of(read_file(name + ".gz")),
                     bytes_of(read_file(name + ".raw")));
    }
    std::filesystem::remove_all(dir);
}

// IDX sizes are printed as the unsigned numbers the file holds, never as negative ones.
void test_idx_sizes_print_as_the_unsigned_numbers_the_file_holds() {
    std::string dir = make_temporary_directory();
    write_bytes(dir + "/train-images-idx3-ubyte", idx_file(0x803, {0, 4294967295u, 4294967295u}, {}));
    write_bytes(dir + "/train-labels-idx1-ubyte", idx_file(0x801, {0}, {}));
    Dataset set;
    std::string error = load_images(dir, "train", set);
    check(error.find(": images of 4294967295 x 4294967295 pixels, not 28 x 28") != std::string::npos,
          "0 images of 2^32 - 1 pixels square: " + error);
    write_bytes(dir + "/train-images-idx3-ubyte", idx_file(0x803, {4294967295u, 28, 28}, {}));
    error = load_images(dir, "train", set);
    check(error.find(": its sizes, 4294967295 x 28 x 28, say 3367254359280 bytes") !=
              std::string::npos, "2^32 - 1 images: " + error);
    std::filesystem::remove_all(dir);
}

// A data set with no images to train on, to validate on or to test on is refused, exit 2,
// naming the file, before anything trains.
void test_a_data_set_with_no_training_validation_or_test_images_is_refused() {
    const struct {
        const char* what;
        int train_per_class, test_per_class;
        std::string file, fault;
    } cases[] = {
        {"no training images", 0, 1, "train-images-idx3-ubyte", "0 images, too few to train on"},
        {"no test images", 10, 0, "t10k-images-idx3-ubyte", "no test images"},
    };
    for (const auto& c : cases) {
        std::string dir = make_temporary_directory();
        write_made_images(dir, "train", c.train_per_class);
        write_made_images(dir, "t10k", c.test_per_class);
        std::string out, err;
        int status = run_nn("fashion --data " + dir + " --epochs 1 --out test_output_empty", out, err);
        check(status == 2 && lines_in(err) == 1 &&
                  err.find(quoted_path(dir + "/" + c.file) + ": " + c.fault) != std::string::npos,
              c.what + fmt(": exit %g, want 2 and one line naming the file: ", status) + err);
        check(out.find("epoch") == std::string::npos, c.what + (": nothing trained: " + out));
        std::filesystem::remove_all(dir);
    }
    std::filesystem::remove_all("test_output_empty");
}

// `graph` checks its output folder first, as every command does (exit 2; /proc takes no
// files, even from root); a dangling --out link is named as such; a newline or an escape
// in a --data or --out path stays quoted in a one-line message.
void test_graph_checks_its_output_folder_and_paths_in_messages_stay_on_one_line() {
    std::string out, err;
    int status = run_nn("graph --out /proc", out, err);
    check(status == 2 && lines_in(err) == 1 && err.find("--out") != std::string::npos,
          fmt("graph --out /proc: exit %g, want 2 and one line: ", status) + err);
    check(out.empty(), "graph printed nothing before the refusal: " + out.substr(0, 100));
    std::filesystem::remove("test_output_dangling");
    std::filesystem::create_symlink("test_output_nowhere/x", "test_output_dangling");
    status = run_nn("spiral --out test_output_dangling", out, err);
    check(status == 2 && err.find("'test_output_dangling' (it is a link to nothing)") != std::string::npos,
          fmt("a dangling --out link: exit %g: ", status) + err);
    std::filesystem::remove("test_output_dangling");
    const char* odd = "\"$(printf 'odd\\nname\\033[31m')\"";
    status = run_nn(std::string("fashion --data ") + odd + " --out test_output_odd", out, err);
    check(status == 2 && lines_in(err) == 1 && err.find('\x1b') == std::string::npos &&
              err.find("'odd\\x0aname\\x1b[31m'/train-images-idx3-ubyte.gz") != std::string::npos,
          fmt("a --data path with a newline and an escape: exit %g: ", status) + err);
    status = run_nn(std::string("spiral --out /proc/") + odd, out, err);
    check(status == 2 && lines_in(err) == 1 && err.find('\x1b') == std::string::npos &&
              err.find("odd\\x0aname\\x1b[31m'") != std::string::npos,
          fmt("an --out path with a newline and an escape: exit %g: ", status) + err);
    std::filesystem::remove_all("test_output_odd");
}

// ---- Saved networks and pictures of one's own: --save, --load, predict ----------------------

// A double's 64 bits, to compare two doubles exactly (-0.0 and 0.0 differ; NaN equals its
// own bits).
uint64_t bits_of(double x) {
    uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
}

// A made network of 784 inputs whose weights are the doubles hardest to print and read back:
// the largest, the smallest normal and a denormal, -0.0, 0.1 + 0.2 (which 15 digits print as
// 0.3), a third, pi, a 17-digit integer; the rest random.
MLP awkward_network(const std::vector<int>& sizes, Activation act) {
    const double awkward[] = {1.7976931348623157e308, -2.2250738585072014e-308, 4.9406564584124654e-324, -0.0, 0.1 + 0.2,
                              1.0 / 3, -pi, 12345678901234567.0, -1e-300, 1e300};
    MLP model(784, sizes, act, 7);
    std::vector<Value> params = model.parameters();
    for (size_t k = 0; k < params.size(); k += 97) params[k].data() = awkward[(k / 97) % 10];
    return model;
}

// What a model file holds of a network reads back bit for bit: every weight and bias, the
// architecture, the activation, the data set and the epoch; and the text is laid out as its
// version 1 says: the header, a class a line, a line a neuron with its fan-in's weights, end.
// A model file as an editor may leave it reads back the same: Windows line ends (CR LF),
// a tab between two words of a neuron's line, blank lines after `end`.
void check_edited_model_reads_the_same(const std::string& text, const std::vector<double>& want,
                                       const std::string& what) {
    std::string edited;
    for (char c : text) edited += c == '\n' ? std::string("\r\n") : std::string(1, c);
    size_t bias = edited.find(" bias ");
    edited.replace(bias, 1, "\t");
    edited += "\r\n\n  \n";
    SavedModel read;
    std::string fault = parse_model(edited, read);
    check(fault.empty() && data_of(network_of(read).parameters()) == want,
          what + "with CR LF, a tab and blank lines after end, it reads back the same: " + fault);
}

void test_a_model_file_reads_back_every_weight_bit_for_bit_with_its_architecture() {
    struct Case {
        std::vector<int> sizes;
        Activation act;
        const ImageSet* set;
    } cases[] = {{{8, 10}, Activation::ReLU, &fashion_mnist},
                 {{5, 4, 10}, Activation::Tanh, &mnist},
                 {{3, 10}, Activation::Sigmoid, &fashion_mnist}};
    for (const Case& c : cases) {
        size_t keep = graph.nodes.size();
        MLP model = awkward_network(c.sizes, c.act);
        std::string text = model_text(saved_model(model, *c.set, Loss::SoftmaxCrossEntropy, 17));
        std::string what = architecture(784, c.sizes) + " " + activation_name(c.act) + ": ";
        SavedModel read;
        std::string fault = parse_model(text, read);
        check(fault.empty(), what + "reads back: " + fault);
        if (!fault.empty()) continue;
        check(read.set == c.set && read.inputs == 784 && read.sizes == c.sizes && read.act == c.act &&
                  read.loss == Loss::SoftmaxCrossEntropy && read.epoch == 17,
              what + "the same data set, inputs, layers, activation, loss and epoch");
        std::vector<double> want = data_of(model.parameters());
        MLP again = network_of(read);
        std::vector<double> got = data_of(again.parameters());
        size_t differ = want.size() == got.size() ? 0 : want.size();
        for (size_t k = 0; k < want.size() && k < got.size(); ++k) differ += bits_of(want[k]) != bits_of(got[k]);
        check(differ == 0, what + fmt("%g of %g numbers differ in some bit", double(differ), double(want.size())));
        int neurons = 0;
        for (int n : c.sizes) neurons += n;
        check(lines_in(text) == size_t(7 + 10 + neurons + 1), what + fmt("7 header lines, 10 classes, %g neurons and end", neurons));
        size_t first = text.find("\nneuron 1 1 bias ");
        std::string line = text.substr(first + 1, text.find('\n', first + 1) - first - 1);
        check(first != std::string::npos && words_of(line).size() == 6 + 784,
              what + "the first neuron's line: its place, its bias and 784 weights");
        check(text.rfind("nn.cpp model 1\ndata " + std::string(c.set->name) + "\ninputs 784\n", 0) == 0 &&
                  text.size() > 4 && text.substr(text.size() - 4) == "end\n",
              what + "begins with the format's name and version, ends with end");
        check_edited_model_reads_the_same(text, want, what);
        graph_truncate(keep);
    }
}

// The text of the made 784-8-10 relu network, a made network saved for the tests below.
std::string small_model_text(const ImageSet& set = fashion_mnist) {
    size_t keep = graph.nodes.size();
    MLP model(784, {8, 10}, Activation::ReLU, 3);
    std::string text = model_text(saved_model(model, set, Loss::SoftmaxCrossEntropy, 2));
    graph_truncate(keep);
    return text;
}

// "test 67.1% (loss 1.0118)" and the line of the mistakes made most often, from a run's output.
std::string test_figures(const std::string& out) {
    size_t at = out.find(" test "), mistakes = out.find("  the mistakes made most often:");
    while (at != std::string::npos && !std::isdigit((unsigned char)out[at + 6])) at = out.find(" test ", at + 1);
    if (at == std::string::npos || mistakes == std::string::npos) return "(none in: " + out + ")";
    return out.substr(at + 1, out.find('\n', at) - at - 1) + " | " +
           out.substr(mistakes, out.find('\n', mistakes) - mistakes);
}

// Trains `args` with --save, then runs it with --load into the same --out: the same test
// figures printed, every picture of the final weights written again byte for byte, and what
// only training writes (results.csv, the log, the loss chart, the animation) left as it was.
void check_a_round_trip(const std::string& what, const std::string& args, const std::string& load_args,
                        const std::string& dir) {
    std::string model = dir + "/model.txt", out, err;
    std::filesystem::remove_all(dir);
    int status = run_nn(args + " --epochs 1 --save " + model + " --out " + dir, out, err);
    check(status == 0 && err.empty(), what + fmt(": the run that saves: exit %g ", status) + err);
    check(out.find("  the weights of epoch 1 are saved in " + model + "\n") != std::string::npos,
          what + ": the run says where it saved its weights: " + out);
    const char* pictures[] = {"fashion_weights.ppm", "fashion_test_images.ppm", "fashion_test_images.gif",
                              "fashion_confusion.ppm", "fashion_confusion.gif", "fashion_confusion.csv"};
    const char* trained_only[] = {"results.csv", "fashion_784-64-10_relu.csv", "fashion_loss.ppm",
                                  "fashion_weights.gif"};
    std::vector<std::string> before;
    for (const char* file : pictures) before.push_back(read_file(dir + "/" + file));
    for (const char* file : trained_only) before.push_back(read_file(dir + "/" + file));
    for (const char* file : pictures) std::filesystem::remove(dir + "/" + file);
    std::string loaded;
    status = run_nn(load_args + " --load " + model + " --out " + dir, loaded, err);
    check(status == 0 && err.empty(), what + fmt(": the run that loads: exit %g ", status) + err);
    check(test_figures(loaded) == test_figures(out),
          what + ": the same test figures: '" + test_figures(loaded) + "', trained: '" + test_figures(out) + "'");
    check(loaded.find("loaded, not trained: no loss chart, weights animation, epoch log or row in results.csv\n") !=
              std::string::npos && loaded.find("epoch    1") == std::string::npos,
          what + ": the run that loads trains nothing and says what it does not write: " + loaded);
    size_t k = 0;
    for (const char* file : pictures)
        check(read_file(dir + "/" + file) == before[k++], what + ": " + file + " is the same, byte for byte");
    for (const char* file : trained_only)
        check(read_file(dir + "/" + file) == before[k++], what + ": " + file + " is left as the training run wrote it");
    std::filesystem::remove_all(dir);
}

// ./nn fashion --save, then ./nn fashion --load: the made data set always, and the real
// Fashion-MNIST (1,000 training images, one epoch) when it is installed (apt-get install
// dataset-fashion-mnist), as CI's machine has it.
void test_fashion_save_then_load_prints_the_same_test_figures_and_writes_the_same_pictures() {
    std::string data = make_temporary_directory();
    write_made_images(data, "train", 30);
    write_made_images(data, "t10k", 10);
    check_a_round_trip("the made data set", "fashion --data " + data, "fashion --data " + data,
                       "test_output_round_trip");
    std::filesystem::remove_all(data);
    if (std::filesystem::exists(std::string(fashion_mnist_dir) + "/t10k-images-idx3-ubyte.gz"))
        check_a_round_trip("Fashion-MNIST", "fashion --subset 1000", "fashion", "test_output_round_trip");
    else
        std::printf("Fashion-MNIST is not installed: only the made data set's round trip ran\n");
}

// `text` with word k (from 0) of its line that begins with `start` replaced by `word`, or
// taken out if `word` is empty.
std::string with_word(std::string text, const std::string& start, size_t k, const std::string& word) {
    size_t line = text.find("\n" + start) + 1, end = text.find('\n', line);
    std::vector<std::string> words = words_of(text.substr(line, end - line));
    if (word.empty()) words.erase(words.begin() + long(k));
    else words[k] = word;
    std::string joined = words[0];
    for (size_t i = 1; i < words.size(); ++i) joined += " " + words[i];
    return text.replace(line, end - line, joined);
}

// Every fault a model file can have: exit 2, one line naming the file and the fault, nothing
// printed and nothing written (the --out folder is not even made). Each case is the made
// 784-8-10 model's text with one edit: its lines are the header (1-7), the classes (8-17),
// layer 1's 8 neurons (18-25), layer 2's 10 (26-35) and end (36). The runs are limited to
// 600 MB, so that a header's claim to a billion neurons would fail if it were believed.
void test_each_model_file_fault_is_exit_2_naming_the_file_and_the_fault_with_nothing_written() {
    std::string dir = made_data_folder(), good = small_model_text(), model = dir + "/model.txt";
    auto replaced = [&good](const std::string& from, const std::string& to) {
        std::string text = good;
        return text.replace(text.find(from), from.size(), to);
    };
    size_t last = good.find("\nneuron 2 10 ") + 1, third = good.find("\nneuron 1 3 ") + 1;
    std::string neuron_1_3 = good.substr(third, good.find("\nneuron 1 4 ") + 1 - third);
    const struct {
        const char* what;
        std::string text, fault;
    } cases[] = {
        {"not a model", "P5 28 28 255\n", "not a model file of nn.cpp: its first line is 'P5 28 28 255', not 'nn.cpp model 1'"},
        {"an empty file", "", "not a model file of nn.cpp: its first line is ''"},
        {"another version", replaced("model 1\n", "model 2\n"), "a model file of version '2'; this nn.cpp reads version 1"},
        {"an mnist model", small_model_text(mnist), "line 2: a network of mnist, not of fashion"},
        {"an unknown data set", replaced("data fashion", "data cifar"), "line 2: data 'cifar': fashion or mnist"},
        {"mnist's classes", replaced("class T-SHIRT", "class 0"), "line 8: 'class 0', but class 0 of fashion is 'T-SHIRT'"},
        {"783 inputs", replaced("inputs 784", "inputs 783"), "line 3: inputs '783', not the 784 pixels"},
        {"9 outputs", replaced("layers 8 10", "layers 8 9"), "line 4: an output layer of 9 neurons, not one for each of the 10 classes of fashion"},
        {"a billion neurons", replaced("layers 8 10", "layers 1000000000 10"), "line 4: a layer of '1000000000' neurons (1 to 256, as --hidden allows)"},
        {"7 hidden layers", replaced("layers 8 10", "layers 8 8 8 8 8 8 8 10"), "line 4: layers '8 8 8 8 8 8 8 10': 1 to 6 hidden layers"},
        {"a header line missing", replaced("inputs 784\n", ""), "line 3: 'layers 8 10' where 'inputs ...' should be"},
        {"another activation", replaced("activation relu", "activation swish"), "line 5: activation 'swish': tanh, sigmoid or relu"},
        {"another loss", replaced("loss softmax cross-entropy", "loss hinge"), "line 6: loss 'hinge', not 'softmax cross-entropy'"},
        {"a negative epoch", replaced("epoch 2", "epoch -1"), "line 7: epoch '-1': 0 to 100000"},
        {"no end", good.substr(0, good.size() - 4), "truncated: no 'end' line after the last neuron"},
        {"cut after a neuron", good.substr(0, last), "truncated: it ends after 17 of the 18 neurons its layers line gives"},
        {"cut in a line", good.substr(0, last + 120), "line 35: neuron 2 10 has "},
        {"end too soon", good.substr(0, last) + "end\n", "line 35: 'end' comes after 17 of the 18 neurons its layers line gives"},
        {"a NaN", with_word(good, "neuron 1 1 ", 10, "nan"), "line 18: neuron 1 1's weight 5 is 'nan', not a finite number"},
        {"a -NaN bias", with_word(good, "neuron 1 2 ", 4, "-nan"), "line 19: neuron 1 2's bias is '-nan', not a finite number"},
        {"an infinity", with_word(good, "neuron 2 1 ", 4, "inf"), "line 26: neuron 2 1's bias is 'inf', not a finite number"},
        {"1e400", with_word(good, "neuron 2 1 ", 9, "1e400"), "line 26: neuron 2 1's weight 4 is '1e400', not a finite number"},
        {"a garbled number", with_word(good, "neuron 1 8 ", 789, "0.5x"), "line 25: neuron 1 8's weight 784 is '0.5x', not a finite number"},
        {"hex", with_word(good, "neuron 1 8 ", 6, "0x1p3"), "line 25: neuron 1 8's weight 1 is '0x1p3', not a finite number"},
        {"a weight missing", with_word(good, "neuron 1 1 ", 100, ""), "line 18: neuron 1 1 has 783 weights, and layer 1 reads 784 inputs"},
        {"a weight too many", with_word(good, "neuron 2 3 ", 6, "0.5 0.5"), "line 28: neuron 2 3 has 9 weights, and layer 2 reads 8 inputs"},
        {"no word bias", with_word(good, "neuron 1 2 ", 3, "biass"), "line 19: 'neuron 1 2 biass 0 weights "},
        {"neurons out of order", replaced(neuron_1_3, ""), "line 20: 'neuron 1 4 bias "},
        {"a neuron too many", replaced("end\n", neuron_1_3 + "end\n"), "line 36: 'neuron 1 3 bias "},
        {"junk after end", good + "junk\n", "line 37: 'junk' after 'end'"},
    };
    std::string out, err;
    for (const auto& c : cases) {
        write_bytes(model, bytes_of(c.text));
        std::filesystem::remove_all("test_output_model");
        double seconds = 0;
        int status = run_nn_bounded("fashion --load " + model + " --data " + dir + " --out test_output_model", out, err, seconds);
        std::string want = quoted_path(model) + ": " + c.fault;
        check(status == 2 && lines_in(err) == 1 && err.find(want) != std::string::npos,
              c.what + fmt(": exit %g, want 2 and one line with \"", status) + want + "\": " + err.substr(0, 300));
        check(out.empty() && !std::filesystem::exists("test_output_model"), std::string(c.what) + ": nothing printed or written: " + out);
    }
    // What stands at the model's name: nothing, a folder, or a file larger than a model can be.
    std::filesystem::remove(model);
    std::filesystem::create_directory(dir + "/folder");
    write_bytes(dir + "/huge", {});
    std::filesystem::resize_file(dir + "/huge", (16 << 20) + 1);  // sparse: it takes no disk
    const std::string files[][2] = {
        {model, "no such file (./nn fashion --save FILE writes one)"},
        {dir + "/folder", "a folder, not a model file"},
        {dir + "/huge", "16777217 bytes, more than the 16777216 a model file may hold"}};
    for (const auto& f : files) {
        int status = run_nn("fashion --load " + f[0] + " --data " + dir + " --out test_output_model", out, err);
        check(status == 2 && lines_in(err) == 1 && err.find(quoted_path(f[0]) + ": " + f[1]) != std::string::npos,
              f[1] + fmt(": exit %g, want 2 and one line: ", status) + err);
        check(out.empty() && !std::filesystem::exists("test_output_model"), f[1] + ": nothing printed or written");
    }
    std::filesystem::remove_all(dir);
}

// With --load the network comes from the file: each flag that would shape or train one is
// refused, before or after --load, in one line, with nothing written. --save's file is
// checked before training: a folder that does not exist, or a folder at its name, is
// refused, and nothing is trained or written. Commands that keep no network take neither.
void test_load_refuses_training_flags_and_save_is_checked_before_training() {
    std::string dir = make_temporary_directory(), model = dir + "/model.txt", out, err;
    write_made_images(dir, "train", 30);
    write_made_images(dir, "t10k", 1);
    write_bytes(model, bytes_of(small_model_text()));
    const char* flags[] = {"--seed 2",    "--epochs 2", "--lr 0.1",       "--momentum 0.5",
                           "--batch 8",   "--patience 3", "--hidden 16",  "--act tanh",
                           "--optimizer sgd", "--dropout 0.1", "--subset 100", "--save other.txt"};
    for (const char* flag : flags) {
        for (bool before : {false, true}) {
            std::string load = " --load " + model + " ";
            std::string args = before ? std::string("fashion ") + flag + load : "fashion" + load + flag;
            std::filesystem::remove_all("test_output_load");
            int status = run_nn(args + " --data " + dir + " --out test_output_load", out, err);
            std::string name = std::string(flag).substr(0, std::string(flag).find(' '));
            check(status == 2 && lines_in(err) == 1 &&
                      err.find(name + " does not go with --load: --load takes the network from the file") != std::string::npos,
                  args + fmt(": exit %g, want 2 and one line: ", status) + err);
            check(out.empty() && !std::filesystem::exists("test_output_load") && !std::filesystem::exists("other.txt"),
                  args + ": nothing printed or written");
        }
    }
    std::filesystem::create_directory(dir + "/a_folder");
    const std::string saves[][2] = {{dir + "/no_such_folder/model.txt", "No such file or directory"},
                                    {dir + "/a_folder", "it is a folder"}};
    for (const auto& save : saves) {
        std::filesystem::remove_all("test_output_load");
        int status = run_nn("fashion --data " + dir + " --epochs 1 --save " + save[0] + " --out test_output_load", out, err);
        check(status == 2 && lines_in(err) == 1 &&
                  err.find("--save: cannot write " + in_quotes(save[0]) + ": " + save[1]) != std::string::npos,
              save[1] + fmt(": exit %g, want 2 and one line: ", status) + err);
        bool made = std::filesystem::exists("test_output_load");  // made first, then removed
        check(out.find("epoch") == std::string::npos && !made,
              save[1] + ": nothing trained or written, no --out folder left behind: " + out);
    }
    const char* refused[][2] = {{"xor --save m.txt", "xor does not take --save"},
                                {"spiral --load m.txt", "spiral does not take --load"},
                                {"graph --model m.txt", "graph does not take --model"},
                                {"predict --model m.txt --out x", "predict does not take --out"},
                                {"fashion --save ''", "--save takes a file name"}};
    for (const auto& r : refused) {
        int status = run_nn(r[0], out, err);
        check(status == 2 && err.find(r[1]) != std::string::npos, r[0] + fmt(": exit %g: ", status) + err);
    }
    std::filesystem::remove_all("test_output_load");
    std::filesystem::remove_all(dir);
}

// Netpbm's four formats read to their samples: plain and raw, grey and colour, maxval 255,
// 15 and 65535 (raw: two bytes a sample, the most significant first), with comments where
// the format allows them (between any two tokens, and right after maxval in a raw header),
// tabs and CR LF as whitespace, and a raw raster that begins with bytes that look like
// whitespace or a comment (exactly one whitespace byte ends the header).
void test_netpbm_pictures_of_every_kind_read_to_their_samples() {
    const struct {
        const char* what;
        std::string bytes;
        int width, height, channels, maxval;
        std::vector<uint16_t> samples;
    } cases[] = {
        {"P2 with comments", "P2\n# feep\n3 2\n# grey levels\n255\n0 1 2\n3 4 255\n", 3, 2, 1, 255, {0, 1, 2, 3, 4, 255}},
        {"P2 all on one line, maxval 65535", "P2 2 1 65535 65535 0", 2, 1, 1, 65535, {65535, 0}},
        {"P3, maxval 15", "P3 2 1 15\n1 2 3  4 5 15\n", 2, 1, 3, 15, {1, 2, 3, 4, 5, 15}},
        {"P3 with a comment among the samples", "P3 1 1 255 10 # red\n20 30", 1, 1, 3, 255, {10, 20, 30}},
        {"P5 with a comment in every gap", "P5#a\n3#b\n2#c\n255#d\n" + std::string("\x00\x7f\xff\x01\x02\x03", 6), 3, 2, 1, 255, {0, 127, 255, 1, 2, 3}},
        {"P5, CR LF and a tab", std::string("P5\r\n2\t1\r\n255\r") + "\n#", 2, 1, 1, 255, {10, 35}},
        {"P5, maxval 65535", std::string("P5 2 1 65535\n") + "\x12\x34\xff\xfe", 2, 1, 1, 65535, {0x1234, 0xfffe}},
        {"P6, maxval 255", std::string("P6\n1 2\n255\n") + "\x01\x02\x03\xfd\xfe\xff", 1, 2, 3, 255, {1, 2, 3, 253, 254, 255}},
        {"P6, maxval 65535", "P6 1 1 65535 " + std::string("\x00\x01\x80\x00\xff\xff", 6), 1, 1, 3, 65535, {1, 32768, 65535}},
        {"P6, maxval 256", "P6 1 1 256\n" + std::string("\x01\x00\x00\xff\x00\x00", 6), 1, 1, 3, 256, {256, 255, 0}},
    };
    for (const auto& c : cases) {
        Picture p;
        std::string fault = parse_netpbm(bytes_of(c.bytes), p);
        check(fault.empty(), c.what + (": read without a fault: " + fault));
        check(p.width == c.width && p.height == c.height && p.channels == c.channels && p.maxval == c.maxval,
              c.what + fmt(": %g x %g, %g channels, maxval %g", p.width, p.height, p.channels, p.maxval));
        check(p.samples == c.samples, std::string(c.what) + ": the samples as written");
    }
}

// Each fault of a Netpbm file is named: not PGM or PPM, a header with a number missing, out
// of range or claiming too many pixels, a raw header not ended by whitespace, a raster
// shorter or longer than the header says, a sample above maxval, junk where a sample or
// nothing should be.
void test_each_netpbm_fault_is_named() {
    const char* cases[][2] = {
        {"", "an empty file, not a PGM or PPM picture"},
        {"P1\n1 1\n1\n", "not a PGM or PPM picture: it begins 'P1\\x0a1 1\\x0a1\\x0a', not P2, P3, P5 or P6"},
        {"P4 1 1 x", "not a PGM or PPM picture: it begins 'P4 1 1 x', not P2, P3, P5 or P6"},
        {"P7\nWIDTH 1\n", "not a PGM or PPM picture: it begins 'P7\\x0aWIDTH 1\\x0a', not P2, P3, P5 or P6"},
        {"\x89PNG\r\n\x1a\n", "a PNG picture, not PGM or PPM: convert it first (convert photo.png photo.ppm, with ImageMagick)"},
        {"P55 1 1 255\n", "not a PGM or PPM picture: it begins 'P55 1 1 255\\x0a', not P2, P3, P5 or P6"},
        {"P5 0 2 255\n", "width '0': 1 to 16384"},
        {"P5 2 16385 255\n", "height '16385': 1 to 16384"},
        {"P5 2 99999999999999999999 255\n", "height '99999999999999999999': 1 to 16384"},
        {"P5 2 2 0\n", "maxval '0': 1 to 65535"},
        {"P2 2 2 65536\n", "maxval '65536': 1 to 65535"},
        {"P5 16384 16384 255\n", "16384 x 16384 pixels, more than the 16777216 (4096 x 4096) a picture may have"},
        {"P5 2 2", "its header has the end of the file where its maxval should be"},
        {"P5 2 x 255\n", "its header has 'x 255\\x0a' where its height should be"},
        {"P5 -2 2 255\n", "its header has '-2 2 255\\x0a' where its width should be"},
        {"P5 2 1 255", "after maxval, the end of the file where one whitespace byte should end the header"},
        {"P5 2 1 255x\x01\x02", "after maxval, 'x\\x01\\x02' where one whitespace byte should end the header"},
        {"P5 2 1 255\n\x01", "truncated: its header says 2 bytes of samples (2 x 1 pixels), it has 1"},
        {"P5 2 1 255\n\x01\x02\x03", "trailing bytes: its header says 2 bytes of samples (2 x 1 pixels), it has 3"},
        {"P6 1 1 1000\n\x01\x02\x03", "truncated: its header says 6 bytes of samples (1 x 1 pixels), it has 3"},
        {"P5 2 1 100\n\x05\xc8", "sample 2 is 200, above maxval 100"},
        {"P5 1 1 256\n\x01\x01", "sample 1 is 257, above maxval 256"},
        {"P2 2 1 255 1 256", "sample 2, '256', is above maxval 255"},
        {"P2 1 1 255 123456789012345678901234567890", "sample 1, '123456789012345678901234567890', is above maxval 255"},
        {"P2 2 2 255 1 2 3", "truncated: its header says 4 samples (2 x 2 pixels), it has 3"},
        {"P3 2 1 255 1 2 3 4 5", "truncated: its header says 6 samples (2 x 1 pixels), it has 5"},
        {"P2 2 1 255 1 2 3", "'3' after the last sample"},
        {"P2 2 1 255 1 x", "sample 2: 'x' is not a decimal number"},
        {"P2 2 1 255 1 -2", "sample 2: '-2' is not a decimal number"},
        {"P2 2 1 255 1 2.5", "'.5' after the last sample"},
    };
    for (const auto& c : cases) {
        Picture p;
        std::string bytes = c[0];
        std::string fault = parse_netpbm(bytes_of(bytes), p);
        std::string want = c[1];  // the whole message
        check(fault == want,
              in_quotes(c[0]) + ": want \"" + want + "\", got \"" + fault + "\"");
    }
}

// A shape in its bounding box, its parts as fractions of the box's width and height; its
// aspect is the box's width over its height.
struct Part {
    double x0, y0, x1, y1;
};

struct Shape {
    const char* name;
    int label;  // its class in Fashion-MNIST
    double aspect;
    std::vector<Part> parts;
};

// A trouser: a waistband and two tall legs. A sneaker: a sole, the shoe's back and its
// toe, wide and low. A bag: a body and a handle.
const Shape trouser_shape = {"trouser", 1, 2.0 / 3, {{0, 0, 1, 0.2}, {0, 0, 0.4, 1}, {0.6, 0, 1, 1}}};
const Shape sneaker_shape = {"sneaker", 7, 9.0 / 4, {{0, 0.65, 1, 1}, {0, 0, 0.5, 0.65}, {0.5, 0.35, 0.8, 0.65}}};
const Shape bag_shape = {"bag", 8, 1.0, {{0, 0.4, 1, 1}, {0.2, 0, 0.3, 0.4}, {0.7, 0, 0.8, 0.4}, {0.2, 0, 0.8, 0.1}}};

// Whether pixel (x, y) is ink when the shape is drawn in the box of w x h pixels at (left,
// top): whether the pixel's centre is in one of its parts.
bool inked(const Shape& s, int left, int top, int w, int h, int x, int y) {
    double u = (x + 0.5 - left) / w, v = (y + 0.5 - top) / h;
    for (const Part& p : s.parts)
        if (u >= p.x0 && u < p.x1 && v >= p.y0 && v < p.y1) return true;
    return false;
}

// The shape as Fashion-MNIST would hold it, drawn directly at 28 x 28: bright (1) on dark
// (0), its longest edge 28 pixels, centred.
std::vector<double> template_of(const Shape& s) {
    int w = s.aspect < 1 ? int(std::lround(28 * s.aspect)) : 28;
    int h = s.aspect < 1 ? 28 : int(std::lround(28 / s.aspect));
    std::vector<double> t;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) t.push_back(inked(s, (28 - w) / 2, (28 - h) / 2, w, h, x, y));
    return t;
}

// A made network that knows the shapes: hidden relu neuron k holds shape k's template less
// its mean, divided by its squared length, so that it answers about 1 to a picture of that
// shape and less to the others; the output of the shape's class passes that on, times 4.
// Every other weight and bias is 0.
std::string template_model_text(const ImageSet& set, const std::vector<const Shape*>& shapes) {
    size_t keep = graph.nodes.size();
    MLP model(784, {int(shapes.size()), 10}, Activation::ReLU, 1);
    for (Value p : model.parameters()) p.data() = 0;
    for (size_t k = 0; k < shapes.size(); ++k) {
        std::vector<double> t = template_of(*shapes[k]);
        double mean = 0, length2 = 0;
        for (double v : t) mean += v / 784;
        for (double& v : t) length2 += (v - mean) * (v - mean);
        for (size_t i = 0; i < 784; ++i) model.layers[0].neurons[k].weights[i].data() = (t[i] - mean) / length2;
        model.layers[1].neurons[size_t(shapes[k]->label)].weights[k].data() = 4;
    }
    std::string text = model_text(saved_model(model, set, Loss::SoftmaxCrossEntropy, 0));
    graph_truncate(keep);
    return text;
}

// A Netpbm picture of a shape drawn in ink on paper: `magic` P2, P3, P5 or P6; a canvas of
// width x height with the shape's box of w x h pixels at (left, top); ink and paper as red,
// green and blue in [0, 1] (grey formats take their luma, 0.299 R + 0.587 G + 0.114 B).
std::string shape_picture(const std::string& magic, int maxval, int width, int height, const Shape& s,
                          int left, int top, int w, int h, const double ink[3], const double paper[3]) {
    bool colour = magic == "P3" || magic == "P6", plain = magic == "P2" || magic == "P3";
    std::string bytes = magic + "\n# " + s.name + "\n" + std::to_string(width) + " " + std::to_string(height) +
                        "\n" + std::to_string(maxval) + "\n";
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const double* c = inked(s, left, top, w, h, x, y) ? ink : paper;
            double grey = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
            for (int k = 0; k < (colour ? 3 : 1); ++k) {
                int v = int(std::lround((colour ? c[k] : grey) * maxval));
                if (plain) bytes += std::to_string(v) + (x + 1 < width || k + 1 < (colour ? 3 : 1) ? " " : "\n");
                else if (maxval > 255) bytes += {char(v >> 8), char(v & 0xff)};
                else bytes += char(v);
            }
        }
    }
    return bytes;
}

// A _seen picture as the program wrote it: P5, 28 x 28, maxval 255. Its pixels, and where
// its nonzero ones lie: their box and their centre of mass (weighted by brightness).
struct Seen {
    std::string pixels, error;
    int x0 = 28, y0 = 28, x1 = 0, y1 = 0;
    double cx = 0, cy = 0;
};

Seen look_at(const std::string& path) {
    Seen s;
    Ppm p = parse_ppm(read_file(path));
    if (p.magic != "P5" || p.width != 28 || p.height != 28 || p.maxval != 255 || p.pixels.size() != 784) {
        s.error = path + ": not a 28 x 28 P5 picture of maxval 255";
        return s;
    }
    s.pixels = p.pixels;
    double mass = 0;
    for (int i = 0; i < 784; ++i) {
        int x = i % 28, y = i / 28, v = (unsigned char)p.pixels[size_t(i)];
        if (v == 0) continue;
        s.x0 = std::min(s.x0, x), s.y0 = std::min(s.y0, y), s.x1 = std::max(s.x1, x + 1), s.y1 = std::max(s.y1, y + 1);
        mass += v, s.cx += v * (x + 0.5), s.cy += v * (y + 0.5);
    }
    s.cx /= mass, s.cy /= mass;
    return s;
}

// The first class `predict` printed for `picture`, from its line "PICTURE: CLASS 91.2%, ...".
std::string first_class(const std::string& out, const std::string& picture) {
    size_t at = out.find(picture + ": ");
    if (at == std::string::npos) return "(no line for " + picture + ")";
    at += picture.size() + 2;
    return out.substr(at, out.rfind(' ', out.find('%', at)) - at);
}

// Pictures of a trouser, a sneaker and a bag, drawn dark on light (and one light on dark)
// at other sizes than 28 x 28, off-centre on their canvases, in all four formats, maxval
// 255, 65535 and 15, one smaller than 28 x 28: each is predicted as its class by a network
// that knows the three shapes as Fashion-MNIST would hold them, and what it saw, written
// beside it, is a 28 x 28 picture with the background 0 and the brightest pixel 255, the
// object touching two opposite edges and centred within a pixel. Asked again about what it
// saw, the network gives the same class.
// A P5 picture of width x height with one black speck far from its object, near the
// bottom-left corner (not in it: the corners are the background): the trim must ignore it.
std::string with_speck(std::string picture, int width, int height) {
    size_t header = picture.size() - size_t(width) * size_t(height);
    picture[header + size_t(height - 5) * size_t(width) + 5] = '\0';
    return picture;
}

void test_predict_names_drawn_clothes_in_pictures_of_other_sizes_and_formats() {
    std::string dir = make_temporary_directory(), model = dir + "/shapes.txt";
    write_bytes(model, bytes_of(template_model_text(fashion_mnist, {&trouser_shape, &sneaker_shape, &bag_shape})));
    const double dark[3] = {0.2, 0.2, 0.2}, light[3] = {0.9, 0.9, 0.9}, brown[3] = {0.45, 0.25, 0.1},
                 cream[3] = {0.95, 0.92, 0.85}, white[3] = {1, 1, 1}, blue[3] = {0.2, 0.2, 0.6};
    const struct {
        std::string file, picture;
        const Shape* shape;
    } pictures[] = {
        {"trouser.pgm", shape_picture("P5", 255, 140, 170, trouser_shape, 25, 30, 80, 120, dark, light), &trouser_shape},
        {"sneaker.ppm", shape_picture("P6", 65535, 230, 130, sneaker_shape, 20, 30, 180, 80, brown, cream), &sneaker_shape},
        {"bag.pgm", shape_picture("P2", 255, 90, 80, bag_shape, 10, 12, 60, 60, dark, white), &bag_shape},
        {"small_sneaker.ppm", shape_picture("P3", 15, 24, 14, sneaker_shape, 3, 3, 18, 8, blue, white), &sneaker_shape},
        {"light_trouser.pgm", shape_picture("P5", 255, 70, 90, trouser_shape, 8, 12, 40, 60, light, dark), &trouser_shape},
        {"specked_trouser.pgm", with_speck(shape_picture("P5", 255, 140, 170, trouser_shape, 25, 30, 80, 120, dark, light), 140, 170), &trouser_shape},
    };
    std::string args = "predict --model " + model, again = args;
    for (const auto& p : pictures) {
        write_bytes(dir + "/" + p.file, bytes_of(p.picture));
        args += " " + dir + "/" + p.file;
    }
    std::string out, err;
    int status = run_nn(args, out, err);
    check(status == 0 && err.empty(), fmt("predict: exit %g ", status) + err);
    for (const auto& p : pictures) {
        std::string path = dir + "/" + p.file, seen = path.substr(0, path.rfind('.')) + "_seen.pgm";
        std::string want = fashion_classes[p.shape->label];
        check(first_class(out, path) == want, p.file + ": predicted " + first_class(out, path) + ", want " + want + "\n" + out);
        check(out.find("(seen: " + seen + ")") != std::string::npos, p.file + ": names its _seen picture");
        Seen s = look_at(seen);
        check(s.error.empty(), p.file + ": " + s.error);
        if (!s.error.empty()) continue;
        bool touches = (s.x0 == 0 && s.x1 == 28) || (s.y0 == 0 && s.y1 == 28);
        bool centred = std::abs(s.x0 - (28 - s.x1)) <= 1 && std::abs(s.y0 - (28 - s.y1)) <= 1;
        check(touches && centred, p.file + fmt(": the object's box, x %g to %g, y %g to %g, touches two opposite edges "
                                               "and is centred within a pixel", s.x0, s.x1, s.y0, s.y1));
        unsigned char brightest = 0, corner = (unsigned char)s.pixels[0];
        for (char c : s.pixels) brightest = std::max(brightest, (unsigned char)c);
        check(corner == 0 && brightest == 255, p.file + fmt(": background 0 (corner %g), brightest 255 (%g)", corner, brightest));
        again += " " + seen;
    }
    check(read_file(dir + "/specked_trouser_seen.pgm") == read_file(dir + "/trouser_seen.pgm"),
          "a speck far from the trouser changes nothing the network sees: the trim ignores it");
    status = run_nn(again, out, err);
    check(status == 0, fmt("predict on the _seen pictures: exit %g ", status) + err);
    for (const auto& p : pictures) {
        std::string seen = dir + "/" + p.file.substr(0, p.file.rfind('.')) + "_seen.pgm";
        check(first_class(out, seen) == fashion_classes[p.shape->label],
              p.file + ": what it saw is predicted as " + first_class(out, seen) + ", as the picture was");
    }
    std::filesystem::remove_all(dir);
}

// A 7, drawn dark on white at 70 x 100, as an MNIST model sees it: scaled so that its
// longest edge is 20 pixels, and placed by its centre of mass, which falls on the centre of
// the field (14, 14) to within half a pixel, where centring its box would put it more than a
// pixel away.
void test_an_mnist_model_sees_a_digit_in_a_20_pixel_box_centred_by_its_mass() {
    const Shape seven = {"seven", 7, 0.7, {{0, 0, 1, 0.18}, {0.6, 0.18, 1, 0.4}, {0.45, 0.4, 0.8, 0.6},
                                           {0.3, 0.6, 0.65, 0.8}, {0.15, 0.8, 0.5, 1}}};
    std::string dir = make_temporary_directory(), model = dir + "/digits.txt", picture = dir + "/seven.pgm";
    write_bytes(model, bytes_of(template_model_text(mnist, {&seven})));
    const double black[3] = {0.05, 0.05, 0.05}, white[3] = {1, 1, 1};
    write_bytes(picture, bytes_of(shape_picture("P5", 255, 120, 140, seven, 30, 20, 70, 100, black, white)));
    std::string out, err;
    int status = run_nn("predict --model " + model + " " + picture, out, err);
    check(status == 0 && err.empty(), fmt("predict: exit %g ", status) + err);
    check(first_class(out, picture) == "7", "the made network calls the 7 a 7: " + out);
    Seen s = look_at(dir + "/seven_seen.pgm");
    check(s.error.empty(), s.error);
    check(s.y1 - s.y0 == 20 && s.x1 - s.x0 == 14, fmt("a box of 14 x 20, got %g x %g", s.x1 - s.x0, s.y1 - s.y0));
    check(std::fabs(s.cx - 14) <= 0.5 && std::fabs(s.cy - 14) <= 0.5, fmt("the centre of mass at (%g, %g)", s.cx, s.cy));
    double box_x = (s.x0 + s.x1) / 2.0 - s.cx, box_y = (s.y0 + s.y1) / 2.0 - s.cy;
    check(std::hypot(box_x, box_y) > 1, fmt("the box's centre is (%g, %g) from the centre of mass: a centred box "
                                            "would not put the mass at the centre", box_x, box_y));
    std::filesystem::remove_all(dir);
}

// predict checks its model, every picture and where each _seen picture would go before it
// writes anything: a fault among good pictures is exit 2, one line naming the file and the
// fault, and no _seen picture is written, not even the good ones'.
void test_predict_checks_the_model_and_every_picture_before_writing_anything() {
    std::string dir = make_temporary_directory(), model = dir + "/shapes.txt", good = dir + "/good.pgm";
    write_bytes(model, bytes_of(template_model_text(fashion_mnist, {&trouser_shape})));
    write_bytes(dir + "/version_2.txt", bytes_of("nn.cpp model 2\n"));
    const double dark[3] = {0.1, 0.1, 0.1}, light[3] = {0.9, 0.9, 0.9}, black[3] = {0, 0, 0},
                 grey[3] = {0.3, 0.3, 0.3};
    write_bytes(good, bytes_of(shape_picture("P5", 255, 40, 50, trouser_shape, 5, 5, 20, 30, dark, light)));
    write_bytes(dir + "/blank.pgm", bytes_of("P2 2 2 255 200 200 200 201"));
    write_bytes(dir + "/dark_on_dark.pgm", bytes_of(shape_picture("P5", 255, 40, 50, trouser_shape, 5, 5, 20, 30, black, grey)));
    write_bytes(dir + "/cut.pgm", bytes_of("P5 3 3 255\n\x01\x02"));
    write_bytes(dir + "/photo.png", bytes_of("\x89PNG\r\n"));
    write_bytes(dir + "/photo.jpg", bytes_of("\xff\xd8\xff\xe0\x00\x10JFIF"));
    write_bytes(dir + "/odd.pgm", bytes_of("P7\nWIDTH 2\n"));
    const double white[3] = {1, 1, 1}, pale[3] = {0.8, 0.8, 0.8};
    write_bytes(dir + "/light_on_light.pgm", bytes_of(shape_picture("P5", 255, 40, 50, trouser_shape, 5, 5, 20, 30, white, pale)));
    write_bytes(dir + "/good_seen.pgm", bytes_of(read_file(good)));
    write_bytes(dir + "/twin.pgm", bytes_of(read_file(good)));
    write_bytes(dir + "/twin.ppm", bytes_of(read_file(good)));
    std::filesystem::create_directory(dir + "/folder_seen.pgm");
    write_bytes(dir + "/folder.pgm", bytes_of(read_file(good)));
    const std::string m = " --model " + model + " ", d = dir + "/";
    const std::string cases[][2] = {
        {"predict " + good, "predict needs --model FILE, a model file that ./nn fashion --save FILE wrote"},
        {"predict --model " + model, "predict needs pictures: ./nn predict --model FILE PICTURE..., each a PGM or PPM"},
        {"predict --model " + d + "none.txt " + good, quoted_path(d + "none.txt") + ": no such file"},
        {"predict --model " + d + "version_2.txt " + good, quoted_path(d + "version_2.txt") + ": a model file of version '2'"},
        {"predict" + m + good + " " + d + "none.pgm", quoted_path(d + "none.pgm") + ": no such file"},
        {"predict" + m + good + " " + d + "photo.png", quoted_path(d + "photo.png") + ": a PNG picture, not PGM or PPM: convert it first"},
        {"predict" + m + good + " " + d + "photo.jpg", quoted_path(d + "photo.jpg") + ": a JPEG picture, not PGM or PPM"},
        {"predict" + m + good + " " + d + "odd.pgm", quoted_path(d + "odd.pgm") + ": not a PGM or PPM picture: it begins 'P7"},
        {"predict" + m + d + "cut.pgm " + good, quoted_path(d + "cut.pgm") + ": truncated: its header says 9 bytes"},
        {"predict" + m + good + " " + d + "blank.pgm", quoted_path(d + "blank.pgm") + ": all of it is within 5% of its corners' grey"},
        {"predict" + m + good + " " + d + "dark_on_dark.pgm", quoted_path(d + "dark_on_dark.pgm") + ": nothing in it is brighter than its dark background"},
        {"predict" + m + good + " " + d + "light_on_light.pgm", quoted_path(d + "light_on_light.pgm") + ": nothing in it is darker than its light background"},
        {"predict" + m + good + " " + d + "good_seen.pgm", quoted_path(good) + ": what the network saw would go to " + quoted_path(d + "good_seen.pgm")},
        {"predict" + m + good + " " + d + "twin.pgm " + d + "twin.ppm", quoted_path(d + "twin.ppm") + ": what the network saw would go to"},
        {"predict" + m + good + " " + d + "folder.pgm", "cannot write " + quoted_path(d + "folder_seen.pgm") + ": it is a folder"},
        {"predict" + m + good + " " + d, quoted_path(d) + ": a folder, not a picture"},
    };
    auto listing = [&dir]() {  // every name in the folder, and each file's bytes
        std::string all;
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            all += entry.path().filename().string() + "\n";
            if (entry.is_regular_file()) all += read_file(entry.path().string()) + "\n";
        }
        return all;
    };
    std::string before = listing();
    for (const auto& c : cases) {
        std::string out, err;
        int status = run_nn(c[0], out, err);
        check(status == 2 && lines_in(err) == 1 && err.find(c[1]) != std::string::npos,
              c[0] + fmt(": exit %g, want 2 and one line with \"", status) + c[1] + "\": " + err);
        check(out.empty() && listing() == before, c[0] + ": nothing printed, nothing written: " + out);
    }
    // The same _seen picture named two ways, x_seen.pgm and ./x_seen.pgm, in the folder the
    // tests run in (a relative name whose first part does not exist yet is where
    // weakly_canonical alone would let the two differ).
    write_bytes("predict_twin.ppm", bytes_of(read_file(good)));
    write_bytes("predict_twin.pgm", bytes_of(read_file(good)));
    std::string out, err;
    int status = run_nn("predict" + m + "predict_twin.ppm ./predict_twin.pgm", out, err);
    bool written = std::filesystem::exists("predict_twin_seen.pgm");
    check(status == 2 && err.find("what the network saw would go to") != std::string::npos &&
              !written, fmt("predict_twin.ppm ./predict_twin.pgm: exit %g, want 2, refused as "
                            "sharing one _seen picture, nothing written: ", status) + err);
    for (const char* name : {"predict_twin.ppm", "predict_twin.pgm", "predict_twin_seen.pgm"})
        std::remove(name);
    std::filesystem::remove_all(dir);
}

#endif  // LESSON_ONLY

// ---- Runner --------------------------------------------------------------------------------
// Each test runs in a child process, so that one that crashes (a student's backward that
// recurses forever, say) is reported and the others still run. A test passes only when its
// child says so in a way the code under test cannot fake by exiting, crashing, printing or
// hanging: the parent makes a fresh token for each test and puts it in a pipe that the child
// reads only after the test function has returned, and the child sends it back through
// another pipe with its count of failed checks. What the child prints is shown indented, so
// that no line of it can pass for one of the runner's ("NAME pass", "FAIL NAME", ...). A
// crash is named with its likely cause ("CRASH NAME (signal 11: a stack overflow: ...)").

#include <csignal>

#include <sys/resource.h>  // POSIX: getrlimit, how far the stack may grow

struct Test {
    const char* name;
    void (*run)();
};

// 64 bits from /dev/urandom; the time, the clock and the process id mixed if it cannot be
// read. Not nn.cpp's Rng: the code under test must not be able to predict it.
uint64_t fresh_token() {
    static uint64_t count = 0;
    uint64_t token = uint64_t(std::time(nullptr)) ^ (uint64_t(std::clock()) << 20) ^
                     (uint64_t(getpid()) << 40) ^ ++count;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0 && ::read(fd, &token, sizeof token) != ssize_t(sizeof token)) token ^= 1;
    if (fd >= 0) close(fd);
    token = (token ^ token >> 31) * 0x9e3779b97f4a7c15;  // mixed, so the fallback's
    return token ^ token >> 29;                           // bits all change
}

// What a child sends back once its test function has returned.
struct Report {
    uint64_t token;
    int64_t checks_failed;
};

// ---- Why a test crashed

// In the child: the address of a local at its start, how far below it the stack may reach,
// and the pipe on which to tell the parent that a SIGSEGV was a stack overflow.
uintptr_t stack_start = 0;
uintptr_t stack_reach = 0;
int overflow_out = -1;

// The child's SIGSEGV handler, run on a stack of its own (the test's may be full). A fault
// at an address within the stack's reach below the child's start is the stack growing past
// its limit: it says so to the parent, then dies of the signal as it would have (the
// handler is reset on entry, and the signal stays blocked until it returns).
void on_segv(int signal, siginfo_t* info, void*) {
    uintptr_t address = uintptr_t(info->si_addr);
    if (address < stack_start && stack_start - address <= stack_reach)
        (void)!write(overflow_out, "o", 1);
    raise(signal);
}

// Sets the handler up at the child's start. The stack may grow RLIMIT_STACK below the top of
// the stack, a little above here; the fault lands in the guard gap under that, so 64 MiB are
// added, which no heap or library address is this close to. Unlimited counts as 1 GiB.
void watch_the_stack(int overflow_pipe) {
    char here = 0;
    stack_start = uintptr_t(&here);
    rlimit limit{};
    bool limited = getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
    stack_reach = limited ? uintptr_t(limit.rlim_cur) : uintptr_t(1) << 30;
    stack_reach += uintptr_t(64) << 20;
    overflow_out = overflow_pipe;
    static char handler_stack[1 << 16];
    stack_t alternate{};
    alternate.ss_sp = handler_stack;
    alternate.ss_size = sizeof handler_stack;
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    if (sigaltstack(&alternate, nullptr) == 0) sigaction(SIGSEGV, &action, nullptr);
}

// The likely cause of a crash by `signal`, for its message ("" when there is no guess).
std::string crash_cause(int signal, bool stack_overflow) {
    const char* limit = std::getenv("TEST_TIME_LIMIT");
    switch (signal) {
    case SIGSEGV:
        return stack_overflow ? "a stack overflow: does it recurse, a call per node?"
                              : "a bad pointer or an index out of range";
    case SIGBUS: return "a bad pointer";
    case SIGFPE: return "an integer divided by zero";
    case SIGABRT: return "abort(), a failed assert or an uncaught exception";
    case SIGALRM:
        return std::string("ran longer than ") + (limit ? limit : "TEST_TIME_LIMIT") +
               " s: an endless loop?";
    case SIGXFSZ: return "wrote past the file size limit: endless output?";
    case SIGKILL: return "killed from outside: out of memory?";
    }
    return "";
}

// In the child: runs the test with stdout and stderr in `output`, then, only once it has
// returned, reads the token and sends it back. A test stopped by exit, _Exit, quick_exit,
// abort, a crash or the time limit never gets that far (a SIGSEGV is looked at on its way).
// It leaves by exit, not _exit, so that what is buffered is written and valgrind finds every
// global freed.
[[noreturn]] void run_in_child(const Test& t, int token_in, int report_out, int overflow_pipe,
                               FILE* output) {
    watch_the_stack(overflow_pipe);
    dup2(fileno(output), 1);
    dup2(fileno(output), 2);
    std::fclose(output);  // the file stays open as 1 and 2
    // TEST_TIME_LIMIT=S (make grade sets it) ends a test that runs longer than S seconds,
    // one that loops forever, say, as if it had crashed (SIGALRM, signal 14).
    if (const char* limit = std::getenv("TEST_TIME_LIMIT")) alarm(unsigned(std::atoi(limit)));
    t.run();
    Report report{0, checks_failed_in_test};
    // A failed read or write leaves the parent without a report: a failure, as it should.
    if (::read(token_in, &report.token, sizeof report.token) == ssize_t(sizeof report.token))
        (void)!write(report_out, &report, sizeof report);
    std::exit(checks_failed_in_test == 0 ? 0 : 1);
}

// Copies what a test printed to stdout, starting on a line of its own, each line that does
// not begin with a space indented by four; past the first MiB, only how much more there was
// (an endless print would otherwise fill the disk twice). False if it printed nothing.
bool show_output(FILE* output) {
    const long shown = 1 << 20;
    std::rewind(output);
    int c = std::fgetc(output);
    if (c == EOF) return false;
    if (c != '\n') std::putchar('\n');
    int last = '\n';
    long count = 0;
    for (; c != EOF && count < shown; last = c, c = std::fgetc(output), ++count) {
        if (last == '\n' && c != '\n' && c != ' ') std::fputs("    ", stdout);
        std::putchar(c);
    }
    if (last != '\n') std::putchar('\n');
    if (c != EOF && std::fseek(output, 0, SEEK_END) == 0)
        std::printf("    [and %ld bytes more, not shown]\n", std::ftell(output) - count);
    return true;
}

// Prints the verdict on a child that has ended, after what it printed; true if it passed:
// exit status 0, the token sent back, and no failed check. The report, and the byte that
// says a crash was a stack overflow, are read without waiting, as a process the test started
// may still hold the pipes open.
bool verdict(const Test& t, int status, uint64_t token, int report_in, int overflow_in,
             FILE* output) {
    Report report{~token, -1};
    fcntl(report_in, F_SETFL, O_NONBLOCK);
    bool reported = ::read(report_in, &report, sizeof report) == ssize_t(sizeof report);
    close(report_in);
    char overflow = 0;
    fcntl(overflow_in, F_SETFL, O_NONBLOCK);
    bool stack_overflow = ::read(overflow_in, &overflow, 1) == 1 && overflow == 'o';
    close(overflow_in);
    bool printed = show_output(output);
    std::fclose(output);
    bool exited_0 = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (exited_0 && reported && report.token == token && report.checks_failed == 0) {
        if (printed) std::printf("%s ", t.name);  // "NAME pass" on a line of its own
        std::printf("pass\n");
        return true;
    }
    if (!printed) std::putchar('\n');
    if (WIFSIGNALED(status)) {
        std::string cause = crash_cause(WTERMSIG(status), stack_overflow);
        std::printf("CRASH %s (signal %d%s%s)\n", t.name, WTERMSIG(status),
                    cause.empty() ? "" : ": ", cause.c_str());
        return false;
    }
    if (!reported)
        std::printf("    failed: the test did not run to its end: its process exited with "
                    "status %d before it returned\n", WEXITSTATUS(status));
    std::printf("FAIL %s\n", t.name);
    return false;
}

// Runs one test in a child process and prints its verdict after its name; true if it passed.
bool run_and_report(const Test& t) {
    std::printf("%s ", t.name);
    std::fflush(stdout);
    int token_pipe[2], report_pipe[2], overflow_pipe[2];
    FILE* output = std::tmpfile();
    if (!output || pipe(token_pipe) != 0 || pipe(report_pipe) != 0 ||
        pipe(overflow_pipe) != 0) {
        std::perror("tests: a test's pipes or its output file");
        std::exit(2);
    }
    uint64_t token = fresh_token();
    pid_t child = fork();
    if (child < 0) {
        std::perror("tests: fork");
        std::exit(2);
    }
    if (child == 0) run_in_child(t, token_pipe[0], report_pipe[1], overflow_pipe[1], output);
    // 8 bytes fit in an empty pipe: this returns at once. Should it fail, the test fails.
    (void)!write(token_pipe[1], &token, sizeof token);
    close(token_pipe[0]);
    close(token_pipe[1]);
    close(report_pipe[1]);
    close(overflow_pipe[1]);
    int status = 0;
    waitpid(child, &status, 0);
    return verdict(t, status, token, report_pipe[0], overflow_pipe[0], output);
}

#define TEST(f) {#f, f}

int main(int argc, char** argv) {
#ifndef LESSON_ONLY
    if (argc > 1 && std::string(argv[1]) == "--nn") return nn_main(argc - 1, argv + 1);
    if (argc == 5 && std::string(argv[1]) == "--signal-mid-write")
        return signal_in_the_middle_of_a_write(std::atoi(argv[2]), std::atoi(argv[3]), argv[4]);
    program = argv[0];
#endif
    const Test tests[] = {
        TEST(test_add_sub_mul_div_values_and_derivatives),
        TEST(test_constants_on_the_left_have_the_right_sign),
        TEST(test_add_sub_mul_div_edges_carry_their_local_derivatives_without_backward),
        TEST(test_add_sub_mul_div_edges_of_a_product_are_exact_at_a_variants_points),
        TEST(test_add_sub_mul_div_edges_of_a_quotient_are_exact_at_a_variants_points),
        TEST(test_constants_on_the_left_make_a_leaf_and_an_exact_edge_at_a_variants_points),
        TEST(test_pow_for_whole_negative_and_fractional_k),
        TEST(test_exp_and_log_values_and_derivatives),
        TEST(test_tanh_and_sigmoid_values_and_derivatives_including_saturation),
        TEST(test_tanh_and_sigmoid_edges_carry_their_local_derivatives_without_backward),
        TEST(test_tanh_edges_are_exact_at_a_variants_points),
        TEST(test_tanh_and_sigmoid_stay_finite_at_plus_minus_1000),
        TEST(test_tanh_of_and_sigmoid_of_agree_with_the_c_library),
        TEST(test_relu_values_and_derivatives_on_both_sides_of_zero),
        TEST(test_an_op_check_fails_for_a_stub_and_for_a_wrong_formula),
        TEST(test_mlp_parameters_are_ordered_layer_neuron_weights_then_bias),
        TEST(test_weighted_sum_node_equals_the_chain_of_adds_and_muls),
        TEST(test_a_2_16_16_3_network_makes_84_nodes_and_727_edges_a_point),
        TEST(test_data_inputs_make_no_nodes_or_edges_and_the_weights_grads_match_finite_differences),
        TEST(test_x_plus_x_and_x_times_x_accumulate_over_both_edges),
        TEST(test_x_times_x_equals_pow_x_2),
        TEST(test_diamond_sums_both_paths),
        TEST(test_backward_twice_doubles_leaf_grads_and_zeroing_restores_them),
        TEST(test_backward_without_mul_sums_every_use_in_reverse_order_as_worked_by_hand),
        TEST(test_backward_without_mul_matches_forward_tangents_on_a_variants_graph),
        TEST(test_backward_starts_at_its_own_node_and_leaves_later_nodes_alone),
        TEST(test_backward_twice_accumulates_leaves_and_restarts_computed_nodes_without_mul),
        TEST(test_backward_through_2_million_nodes_without_mul_needs_no_recursion),
        TEST(test_a_leaf_made_after_computed_nodes_accumulates_too),
        TEST(test_initial_weights_have_mean_0_and_std_gain_over_sqrt_fan_in),
        TEST(test_mlp_parameter_gradients_match_finite_differences),
        TEST(test_graph_gradients_equal_hand_written_backprop_to_1e_12),
        TEST(test_hand_written_slopes_match_complex_step_derivatives_of_the_activations),
        TEST(test_hand_written_tanh_slope_is_exact_at_a_variants_points),
        TEST(test_hand_written_backprop_without_tanh_matches_the_complex_step),
        TEST(test_hand_written_backprop_through_four_layers_of_unequal_widths),
        TEST(test_hand_written_backprop_adds_to_the_grads_it_finds),
        TEST(test_hand_written_backprop_through_tanh_layers_matches_the_complex_step),
        TEST(test_the_benchs_two_kinds_of_epoch_leave_the_same_weights),
        TEST(test_training_memory_stays_flat_over_100000_steps),
        TEST(test_evaluate_and_train_step_leave_the_graph_as_long_as_they_found_it),
        TEST(test_softmax_cross_entropy_is_finite_and_right_at_logits_of_1000),
        TEST(test_softmax_cross_entropy_and_its_gradient_match_the_textbook_formulas),
        TEST(test_hand_written_softmax_is_finite_and_right_at_logits_of_1000),
        TEST(test_hand_written_softmax_cross_entropy_on_a_case_worked_by_hand),
        TEST(test_hand_written_softmax_cross_entropy_is_exact_at_a_variants_logits),
        TEST(test_hand_written_softmax_cross_entropy_is_exact_at_logits_near_plus_and_minus_800),
        TEST(test_binary_cross_entropy_is_stable_and_matches_the_formula),
        TEST(test_hinge_loss_matches_its_definition),
        TEST(test_squared_error_is_the_mean_of_the_squared_errors_over_the_outputs),
        TEST(test_squared_error_passes_each_prediction_its_gradient_without_backward),
        TEST(test_l2_penalty_is_alpha_times_sum_of_squares_with_gradient_2_alpha_w),
        TEST(test_predicted_class_and_evaluate_on_a_hand_made_three_class_case),
        TEST(test_momentum_update_matches_two_steps_by_hand),
        TEST(test_adam_first_steps_match_hand_computed_values),
        TEST(test_adam_with_a_constant_gradient_moves_each_weight_lr_a_step),
        TEST(test_adam_with_a_tiny_gradient_keeps_epsilon_outside_the_square_root),
        TEST(test_adam_with_an_alternating_gradient_keeps_running_means_of_g_and_g_squared),
        TEST(test_rmsprop_first_steps_match_hand_computed_values),
        TEST(test_rmsprop_with_a_constant_gradient_moves_each_weight_by_its_closed_form),
        TEST(test_rmsprop_with_a_tiny_gradient_keeps_epsilon_outside_the_square_root),
        TEST(test_rmsprop_with_an_alternating_gradient_keeps_a_running_mean_of_g_squared),
        TEST(test_dropout_drops_the_share_asked_scales_the_rest_and_nothing_at_evaluation),
        TEST(test_dropout_at_a_variants_rate_drops_that_share_and_scales_the_rest),
        TEST(test_dropout_at_a_variants_rate_passes_back_what_it_passes_on),
        TEST(test_train_step_runs_in_training_mode_and_evaluate_in_evaluation_mode),
        TEST(test_learning_rate_starts_at_lr_and_falls_in_a_line_to_the_final_rate),
        TEST(test_rng_uniform_gaussian_and_below_have_the_documented_distributions),
        TEST(test_shuffle_returns_a_permutation_and_reaches_every_order),
        TEST(test_an_images_features_are_its_bytes_over_255),
        TEST(test_split_off_is_the_right_size_disjoint_complete_and_keeps_the_class_mix),
        TEST(test_spiral_and_moons_points_lie_where_their_formulas_put_them),
        TEST(test_the_best_possible_spiral_classifier_on_points_placed_by_hand),
        TEST(test_the_experiments_data_has_the_documented_sizes_and_separate_test_sets),
        TEST(test_an_epoch_takes_ceil_n_over_batch_steps_and_visits_every_point_once),
        TEST(test_a_step_uses_the_batch_mean_and_l2_adds_2_alpha_w_to_each_gradient),
        TEST(test_backward_from_a_steps_first_node_gives_backwards_grads_bit_for_bit),
        TEST(test_layer_forward_makes_layer_operators_sums_and_edges_less_those_of_zero_data),
        TEST(test_backward_from_skips_only_what_passes_nothing_in_a_relu_network),
        TEST(test_the_benchs_fast_loops_give_section_8s_numbers_bit_for_bit),
        TEST(test_a_step_point_by_point_gives_the_gradients_of_one_graph_of_the_batch_bit_for_bit),
        TEST(test_the_untrained_network_is_early_stoppings_first_best),
        TEST(test_early_stopping_keeps_the_best_epoch_and_stops_after_patience),
        TEST(test_early_stopping_stops_after_patience_misses_in_a_row_at_a_variants_script),
        TEST(test_early_stopping_keeps_the_best_epochs_loss_and_weights_at_a_variants_script),
        TEST(test_early_stopping_counts_only_improvements_beyond_min_delta_on_the_best_loss),
        TEST(test_fixed_seed_xor_run_converges),
        TEST(test_batch_sizes_one_mini_and_full_all_lower_the_loss),
        TEST(test_training_restores_the_weights_of_the_best_validation_epoch),
        TEST(test_divergence_is_detected_and_the_last_good_weights_kept),
        TEST(test_first_epochs_match_pytorch_to_1e_10),
        TEST(test_saliency_is_each_pixels_derivative_as_a_finite_difference_gives_it),
        TEST(test_a_fooling_step_moves_each_pixel_one_grey_level_up_its_loss_gradient),
        TEST(test_a_fooling_step_raises_the_loss_by_what_its_gradient_predicts),
        TEST(test_a_fooling_step_keeps_pixels_within_0_and_1_on_whole_grey_levels),
        TEST(test_fooling_flips_a_made_network_in_the_steps_its_margin_allows_and_no_sooner),
#ifndef LESSON_ONLY
        TEST(test_an_interrupted_epoch_is_dropped_and_the_last_measured_weights_kept),
        TEST(test_gif_frames_decode_to_the_palette_index_of_every_pixel),
        TEST(test_the_graph_demo_prints_values_and_gradients_computed_by_hand),
        TEST(test_images_parse_back_and_are_not_blank_and_logs_have_a_row_per_epoch),
        TEST(test_loss_chart_copes_with_zero_tiny_and_constant_losses),
        TEST(test_a_run_without_validation_charts_no_validation_curve),
        TEST(test_an_animation_frame_keeps_the_whole_runs_axes),
        TEST(test_the_xor_animation_has_a_frame_per_snapshot_epoch),
        TEST(test_the_image_grid_draws_each_pixel_3x_and_frames_the_mistakes_in_red),
        TEST(test_first_layer_weight_tiles_are_red_for_positive_blue_for_negative_white_for_zero),
        TEST(test_fooling_counts_only_right_images_and_draws_the_change_red_and_blue),
        TEST(test_a_saliency_map_sits_beside_its_image_scaled_to_its_largest_value),
        TEST(test_the_weight_animation_has_a_frame_per_snapshot_and_puts_the_weights_back),
        TEST(test_the_confusion_matrix_shades_by_row_share_and_its_csv_is_as_written_by_hand),
        TEST(test_same_seed_gives_byte_identical_files),
        TEST(test_bad_flags_exit_2_with_one_line_and_write_nothing),
        TEST(test_leading_zeros_are_one_rule_for_every_number_flag),
        TEST(test_every_flag_against_every_bad_value),
        TEST(test_the_help_names_every_kind_and_rmsprop_and_dropout_run_from_the_command_line),
        TEST(test_an_output_directory_that_cannot_be_made_is_reported_before_training),
        TEST(test_a_diverging_experiment_says_where_and_exits_1),
        TEST(test_the_full_lesson_goes_on_after_a_divergence),
        TEST(test_stop_signals_save_what_was_done_and_exit_128_plus_the_signal),
        TEST(test_a_second_signal_exits_at_once_and_leaves_no_temporary_file),
        TEST(test_graph_and_bench_stop_at_once_on_a_stop_signal),
        TEST(test_a_signal_in_the_middle_of_a_write_leaves_no_temporary_file),
        TEST(test_the_evolution_snapshots_are_bounded_and_include_the_last_and_kept_epochs),
        TEST(test_a_training_step_holds_one_points_graph_whatever_the_batch_size),
        TEST(test_outputs_that_cannot_be_written_are_found_before_training),
        TEST(test_a_file_size_limit_stops_the_run_like_a_full_disk_with_whole_files),
        TEST(test_running_out_of_memory_ends_with_one_line_and_whole_files),
        TEST(test_links_and_fifos_planted_at_temporary_names_are_never_opened),
        TEST(test_another_runs_or_a_stale_temporary_file_is_never_touched),
        TEST(test_two_runs_on_one_out_directory_never_take_each_others_files),
        TEST(test_a_failed_write_to_stdout_exits_1),
        TEST(test_the_live_view_needs_a_colour_terminal),
        TEST(test_progress_shows_the_learning_rate_and_lr_scales_the_schedule),
        TEST(test_crc32_of_123456789_is_the_published_check_value),
        TEST(test_gunzip_gives_back_what_gzip_1_6_and_9_compressed_byte_for_byte),
        TEST(test_hand_made_deflate_blocks_and_each_fault_they_can_have),
        TEST(test_corrupt_gzip_streams_each_name_their_fault),
        TEST(test_idx_files_plain_and_gzip_compressed_read_back_exactly),
        TEST(test_each_idx_fault_gives_one_line_naming_the_file_and_the_fault),
        TEST(test_confusion_counts_are_by_true_class_then_predicted_class),
        TEST(test_fashion_on_a_tiny_made_data_set_learns_and_names_faulty_files),
        TEST(test_a_refused_data_run_leaves_an_earlier_runs_files_as_they_were),
        TEST(test_data_files_that_are_not_regular_files_are_refused_at_once_by_name),
        TEST(test_a_files_claims_cost_nothing_before_they_are_checked),
        TEST(test_the_decoder_refuses_what_rfc_1951_forbids_as_zlib_does),
        TEST(test_gunzip_matches_zlib_on_streams_of_every_level_strategy_window_and_header_flag),
        TEST(test_idx_sizes_print_as_the_unsigned_numbers_the_file_holds),
        TEST(test_a_data_set_with_no_training_validation_or_test_images_is_refused),
        TEST(test_graph_checks_its_output_folder_and_paths_in_messages_stay_on_one_line),
        TEST(test_a_model_file_reads_back_every_weight_bit_for_bit_with_its_architecture),
        TEST(test_fashion_save_then_load_prints_the_same_test_figures_and_writes_the_same_pictures),
        TEST(test_each_model_file_fault_is_exit_2_naming_the_file_and_the_fault_with_nothing_written),
        TEST(test_load_refuses_training_flags_and_save_is_checked_before_training),
        TEST(test_netpbm_pictures_of_every_kind_read_to_their_samples),
        TEST(test_each_netpbm_fault_is_named),
        TEST(test_predict_names_drawn_clothes_in_pictures_of_other_sizes_and_formats),
        TEST(test_an_mnist_model_sees_a_digit_in_a_20_pixel_box_centred_by_its_mass),
        TEST(test_predict_checks_the_model_and_every_picture_before_writing_anything),
#endif
    };
    std::string only = argc > 1 ? argv[1] : "";
    int passed = 0, failed = 0;
    for (const Test& t : tests) {
        if (std::string(t.name).find(only) == std::string::npos) continue;
        (run_and_report(t) ? passed : failed)++;
        std::fflush(stdout);
    }
    if (passed + failed == 0) std::printf("no test name contains '%s'\n", only.c_str());
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
