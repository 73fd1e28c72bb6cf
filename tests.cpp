// tests.cpp: facts about nn.cpp, each checked against something computed independently.
//
//     g++ -std=c++17 -O2 -o tests tests.cpp && ./tests
//
// Gradients are checked against central finite differences (f(x+h) - f(x-h)) / 2h, which
// needs only the forward pass, and against backpropagation derived by hand (section 6 of
// nn.cpp). Each test's name says what it proves; the last line counts passes and failures.

#define NN_NO_MAIN
#include "nn.cpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

// ---- A tiny test runner --------------------------------------------------------------

int checks_failed_in_test = 0;

void check(bool ok, const std::string& what) {
    if (ok) return;
    ++checks_failed_in_test;
    if (checks_failed_in_test <= 5) std::printf("    failed: %s\n", what.c_str());
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, format, a, b, c);
    return buf;
}

// |a - b| <= tol * max(1, |a|, |b|): absolute near zero, relative for large numbers.
void check_close(double got, double want, double tol, const std::string& what) {
    double scale = std::max({1.0, std::fabs(got), std::fabs(want)});
    bool ok = std::fabs(got - want) <= tol * scale;
    check(ok, what + fmt(": got %.15g, want %.15g", got, want));
}

// ---- Finite differences ---------------------------------------------------------------

// d f / d x at x by central differences, using only forward values.
double numeric_derivative(const std::function<Value(Value)>& f, double x, double h = 1e-6) {
    size_t keep = graph.nodes.size();
    double up = f(Value(x + h)).data();
    double down = f(Value(x - h)).data();
    graph_truncate(keep);
    return (up - down) / (2 * h);
}

double graph_derivative(const std::function<Value(Value)>& f, double x) {
    size_t keep = graph.nodes.size();
    Value v = x;
    f(v).backward();
    double g = v.grad();
    graph_truncate(keep);
    return g;
}

void check_op(const char* name, const std::function<Value(Value)>& f,
              std::initializer_list<double> points, double tol = 1e-6) {
    for (double x : points) {
        double want = numeric_derivative(f, x);
        check_close(graph_derivative(f, x), want, tol, std::string(name) + fmt(" at x=%g", x));
    }
}

// ---- Operations, each against finite differences at five or more points ------------------

void test_add_sub_mul_div_match_finite_differences() {
    check_op("x + 3", [](Value x) { return x + 3.0; }, {-2, -0.5, 0, 0.7, 4});
    check_op("3 + x", [](Value x) { return 3.0 + x; }, {-2, -0.5, 0, 0.7, 4});
    check_op("x - 3", [](Value x) { return x - 3.0; }, {-2, -0.5, 0, 0.7, 4});
    check_op("2 - x", [](Value x) { return 2.0 - x; }, {-2, -0.5, 0, 0.7, 4});
    check_op("x * 3", [](Value x) { return x * 3.0; }, {-2, -0.5, 0, 0.7, 4});
    check_op("3 * x", [](Value x) { return 3.0 * x; }, {-2, -0.5, 0, 0.7, 4});
    check_op("x / 4", [](Value x) { return x / 4.0; }, {-2, -0.5, 0, 0.7, 4});
    check_op("2 / x", [](Value x) { return 2.0 / x; }, {-3, -0.5, 0.3, 0.7, 4});
    check_op("-x", [](Value x) { return -x; }, {-2, -0.5, 0, 0.7, 4});
    check_op("x * x * x", [](Value x) { return x * x * x; }, {-2, -0.5, 0, 0.7, 4});
}

void test_constants_on_the_left_have_the_right_sign() {
    // d(2 - x)/dx = -1 and d(2 / x)/dx = -2 / x^2, both derived by hand.
    check_close(graph_derivative([](Value x) { return 2.0 - x; }, 5.0), -1.0, 1e-15, "2 - x");
    check_close(graph_derivative([](Value x) { return 2.0 / x; }, 4.0), -0.125, 1e-15, "2 / x");
    size_t keep = graph.nodes.size();
    check_close((2.0 - Value(5.0)).data(), -3.0, 0, "value of 2 - 5");
    check_close((2.0 / Value(4.0)).data(), 0.5, 0, "value of 2 / 4");
    graph_truncate(keep);
}

void test_pow_matches_finite_differences_for_whole_negative_and_fractional_k() {
    check_op("x^2", [](Value x) { return pow(x, 2); }, {-3, -0.5, 0, 0.5, 2});
    check_op("x^3", [](Value x) { return pow(x, 3); }, {-3, -0.5, 0, 0.5, 2});
    check_op("x^-1", [](Value x) { return pow(x, -1); }, {-3, -0.5, 0.25, 0.5, 2});
    check_op("x^-2", [](Value x) { return pow(x, -2); }, {-3, -0.5, 0.25, 0.5, 2});
    check_op("x^0.5", [](Value x) { return pow(x, 0.5); }, {0.01, 0.25, 1, 2, 9});
    check_op("x^1.5", [](Value x) { return pow(x, 1.5); }, {0.01, 0.25, 1, 2, 9});
    check_op("x^-0.5", [](Value x) { return pow(x, -0.5); }, {0.01, 0.25, 1, 2, 9}, 1e-5);
}

void test_exp_log_match_finite_differences() {
    check_op("exp", [](Value x) { return exp(x); }, {-20, -1, 0, 1, 5, 30});
    check_op("log", [](Value x) { return log(x); }, {1e-3, 0.1, 1, 2, 100, 1e6});
}

void test_tanh_sigmoid_match_finite_differences_including_saturation() {
    check_op("tanh", [](Value x) { return tanh(x); }, {-30, -3, -0.5, 0, 0.5, 3, 30});
    check_op("sigmoid", [](Value x) { return sigmoid(x); }, {-40, -3, -0.5, 0, 0.5, 3, 40});
}

void test_tanh_sigmoid_stay_finite_at_plus_minus_1000() {
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
        check_close(a.grad(), 0, 0, "tanh slope is 0 when saturated");
        check_close(b.grad(), 0, 0, "sigmoid slope is 0 when saturated");
        graph_truncate(keep);
    }
}

void test_relu_matches_finite_differences_on_both_sides_of_zero() {
    check_op("relu", [](Value x) { return relu(x); }, {-5, -1, -1e-3, 1e-3, 1, 5});
    check_close(graph_derivative([](Value x) { return relu(x); }, 0.0), 0, 0, "relu'(0) = 0");
}

void test_weighted_sum_node_equals_the_chain_of_adds_and_muls() {
    size_t keep = graph.nodes.size();
    std::vector<Value> w = {0.3, -1.1, 2.0}, x = {1.5, 0.25, -0.75};
    Value b = 0.4;
    Value fused = tanh(weighted_sum(w, x, b));
    fused.backward();
    std::vector<double> fused_grads;
    for (Value v : {w[0], w[1], w[2], x[0], x[1], x[2], b}) fused_grads.push_back(v.grad());
    for (Value v : {w[0], w[1], w[2], x[0], x[1], x[2], b}) v.grad() = 0;
    Value chain = tanh(b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]);
    chain.backward();
    check_close(fused.data(), chain.data(), 1e-15, "same value");
    int k = 0;
    for (Value v : {w[0], w[1], w[2], x[0], x[1], x[2], b}) {
        check_close(v.grad(), fused_grads[k++], 1e-15, "same gradient");
    }
    graph_truncate(keep);
}

// ---- Graph structure: reuse, diamonds, long chains, repeated backward --------------------

void test_x_plus_x_and_x_times_x_accumulate_over_both_edges() {
    check_close(graph_derivative([](Value x) { return x + x; }, 3.0), 2.0, 0, "d(x+x)/dx = 2");
    check_close(graph_derivative([](Value x) { return x * x; }, 3.0), 6.0, 0, "d(x*x)/dx = 2x");
}

void test_x_times_x_equals_pow_x_2() {
    for (double x : {-2.5, -1.0, 0.0, 0.3, 7.0}) {
        double a = graph_derivative([](Value v) { return v * v; }, x);
        double b = graph_derivative([](Value v) { return pow(v, 2); }, x);
        check_close(a, b, 1e-15, fmt("x*x vs pow(x,2) at %g", x));
    }
}

void test_diamond_sums_both_paths() {
    // a -> b = a^2, a -> c = 3a, d = b * c = 3a^3, so dd/da = 9a^2 = 36 at a = 2.
    auto diamond = [](Value a) {
        Value b = a * a;
        Value c = 3.0 * a;
        return b * c;
    };
    check_close(graph_derivative(diamond, 2.0), 36.0, 1e-15, "diamond");
    check_op("diamond", diamond, {-2, -0.5, 0.5, 1, 3});
}

void test_backward_through_a_chain_of_2_million_nodes_needs_no_recursion() {
    size_t keep = graph.nodes.size();
    const int n = 2000000;
    Value x = 1.0;
    Value y = x;
    for (int i = 0; i < n; ++i) y = (i % 2 == 0) ? -y : y * 1.0000001;
    y.backward();  // a recursive walk would need 2 million stack frames here
    double want = std::pow(1.0000001, n / 2);  // the sign flips an even number of times
    check_close(x.grad(), want, 1e-9, "d(chain)/dx");
    check(graph.nodes.size() - keep >= size_t(n), "the chain has 2 million nodes");
    graph_truncate(keep);
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
    check_close(h.grad(), gh, 1e-15, "an intermediate grad is recomputed, not doubled");
    x.grad() = 0;
    w.grad() = 0;
    y.backward();
    check_close(x.grad(), gx, 1e-15, "x.grad after zeroing");
    check_close(w.grad(), gw, 1e-15, "w.grad after zeroing");
    // And the hand-derived value: dy/dx = w (1 + 1 - tanh(xw)^2).
    double t = std::tanh(0.7 * -1.3);
    check_close(gx, -1.3 * (2 - t * t), 1e-15, "dy/dx by hand");
    graph_truncate(keep);
}

// ---- Networks --------------------------------------------------------------------------

void test_mlp_parameters_are_ordered_layer_neuron_weights_then_bias() {
    MLP model(2, {3, 1}, Activation::Tanh, 7);
    std::vector<Value> p = model.parameters();
    check(p.size() == 3 * 3 + 4, "13 parameters in a 2-3-1 MLP");
    check(p[0].id == model.layers[0].neurons[0].weights[0].id, "first: layer 0 neuron 0 w0");
    check(p[2].id == model.layers[0].neurons[0].bias.id, "third: layer 0 neuron 0 bias");
    check(p[3].id == model.layers[0].neurons[1].weights[0].id, "fourth: neuron 1 w0");
    check(p[12].id == model.layers[1].neurons[0].bias.id, "last: output bias");
    check(model.layers[1].linear && !model.layers[0].linear, "only the output layer is linear");
}

double spiral_loss(const MLP& model, const Dataset& data) {
    Value total = 0.0;
    for (const Point& p : data) total = total + point_loss(forward(model, p), p.label, Loss::SoftmaxCrossEntropy);
    return total.data() / double(data.size());
}

void test_mlp_parameter_gradients_match_finite_differences() {
    Dataset data = spiral(4, 3, 0.2, 3);
    for (Activation act : {Activation::Tanh, Activation::Sigmoid, Activation::ReLU}) {
        size_t keep = graph.nodes.size();
        MLP model(2, {5, 4, 3}, act, 11);
        std::vector<Value> params = model.parameters();
        size_t after_model = graph.nodes.size();
        Value total = 0.0;
        for (const Point& p : data) {
            total = total + point_loss(forward(model, p), p.label, Loss::SoftmaxCrossEntropy);
        }
        (total / double(data.size())).backward();
        std::vector<double> grads;
        for (Value p : params) grads.push_back(p.grad());
        graph_truncate(after_model);
        for (size_t i = 0; i < params.size(); ++i) {
            double w = params[i].data(), h = 1e-6;
            params[i].data() = w + h;
            double up = spiral_loss(model, data);
            graph_truncate(after_model);
            params[i].data() = w - h;
            double down = spiral_loss(model, data);
            graph_truncate(after_model);
            params[i].data() = w;
            check_close(grads[i], (up - down) / (2 * h), 1e-6,
                        std::string(activation_name(act)) + fmt(" parameter %g", double(i)));
        }
        graph_truncate(keep);
    }
}

void test_graph_gradients_equal_hand_written_backprop_to_1e_12() {
    Dataset data = spiral(10, 3, 0.2, 5);
    for (Activation act : {Activation::Tanh, Activation::Sigmoid, Activation::ReLU}) {
        size_t keep = graph.nodes.size();
        MLP model(2, {16, 16, 3}, act, 4);
        DenseMLP net = dense_copy(model);
        std::vector<Value> params = model.parameters();
        for (const Point& p : data) {
            size_t before = graph.nodes.size();
            model.zero_grad();
            Value loss = softmax_cross_entropy(forward(model, p), p.label);
            loss.backward();
            std::vector<double> g;
            double dense_loss = dense_softmax_cross_entropy(dense_forward(net, {p.x, p.y}),
                                                           p.label, g);
            dense_backward(net, g);
            check_close(loss.data(), dense_loss, 1e-12, "same loss");
            size_t k = 0;  // params are ordered layer, neuron, weights then bias
            for (const DenseLayer& L : net.layers) {
                for (int j = 0; j < L.n_out; ++j) {
                    for (int i = 0; i < L.n_in; ++i) {
                        check_close(params[k++].grad(), L.grad_w[j * L.n_in + i], 1e-12,
                                    std::string(activation_name(act)) + " weight gradient");
                    }
                    check_close(params[k++].grad(), L.grad_b[j], 1e-12, "bias gradient");
                }
            }
            graph_truncate(before);
        }
        graph_truncate(keep);
    }
}

void test_training_memory_stays_flat_over_100000_steps() {
    size_t keep = graph.nodes.size();
    MLP model(2, {3, 1}, Activation::Tanh, 2);
    std::vector<Value> params = model.parameters();
    Dataset data = xor_data();
    Optimizer opt;
    size_t after_model = graph.nodes.size();
    size_t node_capacity = 0, edge_capacity = 0;
    bool flat = true;
    for (int step = 0; step < 100000; ++step) {
        train_step(model, params, data, {step % 4}, Loss::BinaryCrossEntropy, 0.0, opt);
        if (step == 10) {
            node_capacity = graph.nodes.capacity();
            edge_capacity = graph.edges.capacity();
        }
        flat = flat && graph.nodes.size() == after_model;
    }
    check(flat, "every step leaves the graph as it found it");
    check(graph.nodes.capacity() == node_capacity, "node storage did not grow after step 10");
    check(graph.edges.capacity() == edge_capacity, "edge storage did not grow after step 10");
    graph_truncate(keep);
}

// ---- Runner ----------------------------------------------------------------------------

struct Test {
    const char* name;
    void (*run)();
};

#define TEST(f) {#f, f}

int main() {
    std::vector<Test> tests = {
        TEST(test_add_sub_mul_div_match_finite_differences),
        TEST(test_constants_on_the_left_have_the_right_sign),
        TEST(test_pow_matches_finite_differences_for_whole_negative_and_fractional_k),
        TEST(test_exp_log_match_finite_differences),
        TEST(test_tanh_sigmoid_match_finite_differences_including_saturation),
        TEST(test_tanh_sigmoid_stay_finite_at_plus_minus_1000),
        TEST(test_relu_matches_finite_differences_on_both_sides_of_zero),
        TEST(test_weighted_sum_node_equals_the_chain_of_adds_and_muls),
        TEST(test_x_plus_x_and_x_times_x_accumulate_over_both_edges),
        TEST(test_x_times_x_equals_pow_x_2),
        TEST(test_diamond_sums_both_paths),
        TEST(test_backward_through_a_chain_of_2_million_nodes_needs_no_recursion),
        TEST(test_backward_twice_doubles_leaf_grads_and_zeroing_restores_them),
        TEST(test_mlp_parameters_are_ordered_layer_neuron_weights_then_bias),
        TEST(test_mlp_parameter_gradients_match_finite_differences),
        TEST(test_graph_gradients_equal_hand_written_backprop_to_1e_12),
        TEST(test_training_memory_stays_flat_over_100000_steps),
    };
    int passed = 0, failed = 0;
    for (const Test& t : tests) {
        checks_failed_in_test = 0;
        size_t keep = graph.nodes.size();
        t.run();
        graph_truncate(keep);
        bool ok = checks_failed_in_test == 0;
        std::printf("%s %s\n", ok ? "pass" : "FAIL", t.name);
        (ok ? passed : failed)++;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
