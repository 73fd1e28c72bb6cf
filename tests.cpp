// tests.cpp: facts about nn.cpp, each checked against something computed independently.
//
//     g++ -std=c++17 -O2 -o tests tests.cpp && ./tests
//
// Gradients are checked against central finite differences (f(x+h) - f(x-h)) / 2h, which
// needs only the forward pass, and against backpropagation derived by hand (section 6 of
// nn.cpp). Each test's name says what it proves; the last line counts passes and failures.

#define NN_NO_MAIN
#include "nn.cpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <tuple>

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

// Finite differences check each derivative against its own op's values, so they cannot
// catch a wrong value. This checks the values against plain double arithmetic.
void test_every_op_computes_the_right_value() {
    using ValueFn = std::function<Value(Value, Value)>;
    using DoubleFn = std::function<double(double, double)>;
    const std::vector<std::tuple<const char*, ValueFn, DoubleFn>> ops = {
        {"a + b", [](Value a, Value b) { return a + b; }, [](double a, double b) { return a + b; }},
        {"a - b", [](Value a, Value b) { return a - b; }, [](double a, double b) { return a - b; }},
        {"a * b", [](Value a, Value b) { return a * b; }, [](double a, double b) { return a * b; }},
        {"a / b", [](Value a, Value b) { return a / b; }, [](double a, double b) { return a / b; }},
        {"-a", [](Value a, Value) { return -a; }, [](double a, double) { return -a; }},
        {"pow(a, 3)", [](Value a, Value) { return pow(a, 3); },
         [](double a, double) { return a * a * a; }},
        {"exp(a)", [](Value a, Value) { return exp(a); }, [](double a, double) { return std::exp(a); }},
        {"log(b)", [](Value, Value b) { return log(b); }, [](double, double b) { return std::log(b); }},
        {"tanh(a)", [](Value a, Value) { return tanh(a); },
         [](double a, double) { return std::tanh(a); }},
        {"sigmoid(a)", [](Value a, Value) { return sigmoid(a); },
         [](double a, double) { return 1 / (1 + std::exp(-a)); }},
        {"relu(a)", [](Value a, Value) { return relu(a); },
         [](double a, double) { return a > 0 ? a : 0.0; }},
    };
    for (const auto& [name, graph_op, plain_op] : ops) {
        for (double a : {-2.5, -0.3, 0.0, 0.7, 3.0}) {
            double b = 1.7;
            size_t keep = graph.nodes.size();
            check_close(graph_op(a, b).data(), plain_op(a, b), 1e-15,
                        std::string(name) + fmt(" at a=%g", a));
            graph_truncate(keep);
        }
    }
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
        check(std::isfinite(s.data()) && std::isfinite(b.grad()),
              fmt("sigmoid finite at %g", x));
        check_close(t.data(), x > 0 ? 1 : -1, 0, "tanh saturates to +-1");
        check_close(s.data(), x > 0 ? 1 : 0, 0, "sigmoid saturates to 0 or 1");
        check_close(a.grad(), 0, 0, "tanh slope is 0 when saturated");
        check_close(b.grad(), 0, 0, "sigmoid slope is 0 when saturated");
        graph_truncate(keep);
    }
}

void test_tanh_of_agrees_with_std_tanh_and_sigmoid_with_its_definition() {
    // nn.cpp writes tanh through exp; the C library's tanh is the independent reference.
    double worst = 0;
    for (int i = -40000; i <= 40000; ++i) {
        double x = i * 1e-3;
        worst = std::max(worst, std::fabs(tanh_of(x) - std::tanh(x)));
    }
    check(worst <= 4.5e-16, fmt("tanh_of within 4.5e-16 of std::tanh, worst %g", worst));
    check(std::isnan(tanh_of(NAN)), "tanh_of passes NaN through");
    size_t keep = graph.nodes.size();
    for (double x : {-30.0, -2.0, -0.1, 0.0, 0.1, 2.0, 30.0}) {
        check_close(sigmoid(Value(x)).data(), 1.0 / (1.0 + std::exp(-x)), 1e-15,
                    fmt("sigmoid(%g) = 1 / (1 + e^-x)", x));
    }
    graph_truncate(keep);
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

// Backward skips the graph's leading run of leaves (section 2). Cutting the graph back into
// that run must shorten the run, or a node computed afterwards would be skipped too.
void test_backward_after_truncating_into_the_leading_leaves() {
    size_t keep = graph.nodes.size();
    Value a = 1.5;
    Value(2.0), Value(3.0);  // two more leaves, then cut back to just `a`
    graph_truncate(keep + 1);
    Value y = a * a;  // computed: the run of leaves ends at `a`
    Value p = 2.0;
    Value q = 4.0;
    Value r = y * p + q;
    r.backward();
    check_close(a.grad(), 2 * 1.5 * 2.0, 1e-15, "dr/da = 2 a p walks through y");
    check_close(p.grad(), 1.5 * 1.5, 1e-15, "dr/dp = a^2");
    check_close(q.grad(), 1.0, 1e-15, "dr/dq = 1");
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
    for (const Point& p : data)
        total = total + point_loss(forward(model, p), p.label, Loss::SoftmaxCrossEntropy);
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


// ---- Losses and optimisers ---------------------------------------------------------------

void test_softmax_cross_entropy_is_finite_and_right_at_logits_of_1000() {
    size_t keep = graph.nodes.size();
    std::vector<Value> z = {1000.0, -1000.0, 0.0};
    Value loss = softmax_cross_entropy(z, 1);
    loss.backward();
    // By hand: log(e^1000 + e^-1000 + 1) - (-1000) = 2000 to double precision, and the
    // gradient softmax(z) - onehot(1) = (1, -1, 0).
    check_close(loss.data(), 2000.0, 1e-15, "loss");
    check_close(z[0].grad(), 1.0, 1e-15, "dz0");
    check_close(z[1].grad(), -1.0, 1e-15, "dz1");
    check_close(z[2].grad(), 0.0, 1e-15, "dz2");
    Value small = softmax_cross_entropy({Value(1000.0), Value(-1000.0), Value(0.0)}, 0);
    check_close(small.data(), 0.0, 1e-15, "a confident right answer costs nothing");
    graph_truncate(keep);
}

void test_softmax_cross_entropy_matches_the_textbook_formula() {
    size_t keep = graph.nodes.size();
    std::vector<double> raw = {0.3, -1.2, 2.0};
    std::vector<Value> z = {raw[0], raw[1], raw[2]};
    double sum = std::exp(0.3) + std::exp(-1.2) + std::exp(2.0);
    check_close(softmax_cross_entropy(z, 2).data(), -std::log(std::exp(2.0) / sum), 1e-14,
                "loss");
    check_op("softmax CE",
             [](Value x) {
                 return softmax_cross_entropy({x, Value(0.5), Value(-1.0)}, 1);
             },
             {-3, -0.5, 0, 0.5, 3});
    graph_truncate(keep);
}

void test_binary_cross_entropy_is_stable_and_matches_the_formula() {
    for (double z : {-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0}) {
        for (int y : {0, 1}) {
            size_t keep = graph.nodes.size();
            Value logit = z;
            Value loss = binary_cross_entropy(logit, y);
            loss.backward();
            double p = 1.0 / (1.0 + std::exp(-z));
            // For moderate z the textbook form is exact enough to compare with.
            if (std::fabs(z) < 30) {
                double want = -(y * std::log(p) + (1 - y) * std::log(1 - p));
                check_close(loss.data(), want, 1e-12, fmt("BCE(z=%g, y=%g)", z, y));
            }
            check(std::isfinite(loss.data()), fmt("BCE finite at z=%g", z));
            check_close(logit.grad(), p - y, 1e-12, fmt("dBCE/dz = sigmoid(z) - y at z=%g", z));
            graph_truncate(keep);
        }
    }
}

void test_hinge_and_squared_error_match_their_definitions() {
    size_t keep = graph.nodes.size();
    check_close(hinge(0.3, 1).data(), 0.7, 1e-15, "hinge, right side, inside the margin");
    check_close(hinge(2.0, 1).data(), 0.0, 0, "hinge, beyond the margin");
    check_close(hinge(0.3, 0).data(), 1.3, 1e-15, "hinge, wrong side");
    Value mse = mean_squared_error({Value(1.0), Value(3.0)}, {0.0, 1.0});
    check_close(mse.data(), (1.0 + 4.0) / 2, 1e-15, "mean of squared errors");
    check_op("mse",
             [](Value x) {
                 return mean_squared_error({x, Value(2.0)}, {1.0, 0.0});
             },
             {-2, 0, 1, 3, 5});
    graph_truncate(keep);
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

void test_momentum_update_matches_two_steps_by_hand() {
    Value w = 1.0;
    Optimizer opt;  // learning rate 0.1, momentum 0.9
    w.grad() = 0.5;
    opt.step({w});
    // v1 = 0.9 * 0 - 0.1 * 0.5 = -0.05, w1 = 1 - 0.05 = 0.95
    check_close(w.data(), 0.95, 1e-15, "after step 1");
    w.grad() = 0.2;
    opt.step({w});
    // v2 = 0.9 * -0.05 - 0.1 * 0.2 = -0.065, w2 = 0.95 - 0.065 = 0.885
    check_close(w.data(), 0.885, 1e-15, "after step 2");
}

void test_adam_first_steps_match_hand_computed_values() {
    Value w = 1.0;
    Optimizer opt;
    opt.kind = OptimizerKind::Adam;
    opt.learning_rate = 0.01;
    w.grad() = 0.5;
    opt.step({w});
    // m = 0.05, s = 0.00025; bias-corrected 0.5 and 0.25; step = -0.01 * 0.5 / 0.5
    check_close(w.data(), 1.0 - 0.01 * 0.5 / (0.5 + 1e-8), 1e-15, "after step 1");
    w.grad() = -0.2;
    opt.step({w});
    // m = 0.9 * 0.05 + 0.1 * -0.2 = 0.025;  s = 0.999 * 0.00025 + 0.001 * 0.04 = 0.00028975
    double m_hat = 0.025 / (1 - 0.81), s_hat = 0.00028975 / (1 - 0.998001);
    double want = 1.0 - 0.01 * 0.5 / (0.5 + 1e-8) - 0.01 * m_hat / (std::sqrt(s_hat) + 1e-8);
    check_close(w.data(), want, 1e-14, "after step 2");
}

void test_weight_decay_adds_decay_times_weight_to_the_gradient() {
    Value w = 2.0;
    Optimizer opt;
    opt.momentum = 0.0;
    opt.weight_decay = 0.1;
    w.grad() = 0.5;
    opt.step({w});
    check_close(w.data(), 2.0 - 0.1 * (0.5 + 0.1 * 2.0), 1e-15, "one decayed step");
}

// ---- Training ----------------------------------------------------------------------------

void test_fixed_seed_xor_run_converges() {
    TrainConfig cfg = xor_settings();
    MLP model(2, layer_sizes(cfg, 1), cfg.act, cfg.seed);
    TrainResult r = train(model, xor_data(), {}, cfg, nullptr);
    Evaluation e = evaluate(model, xor_data(), cfg.loss);
    check(r.stop == StopReason::TargetLoss, "stopped because the loss reached the target");
    check_close(e.accuracy, 1.0, 0, "all four points right");
    check(e.loss < cfg.target_loss, "final loss below the target");
}

void test_batch_sizes_one_mini_and_full_all_lower_the_loss() {
    for (int batch : {1, 5, 0}) {
        TrainConfig cfg = spiral_settings();
        cfg.hidden = {8};
        cfg.batch_size = batch;
        cfg.learning_rate = 0.05;
        cfg.max_epochs = 30;
        Dataset data = spiral(20, 3, 0.2, 9);
        MLP model(2, layer_sizes(cfg, 3), cfg.act, 3);
        TrainResult r = train(model, data, {}, cfg, nullptr);
        check(r.history.back().train_loss < r.history.front().train_loss * 0.9,
              fmt("batch %g: loss fell by 10%% or more", batch));
    }
}

void test_early_stopping_restores_the_best_weights() {
    TrainConfig cfg = spiral_settings();
    cfg.hidden = {16};
    cfg.learning_rate = 0.05;  // large, so the validation loss wanders
    cfg.final_learning_rate = -1;
    cfg.max_epochs = 60;
    cfg.patience = 8;
    Dataset train_set = spiral(30, 3, 0.2, 4);
    Rng rng{5};
    Dataset val = split_off(train_set, 0.3, rng);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, 2);
    std::vector<Value> params = model.parameters();
    std::vector<std::vector<double>> seen;
    TrainResult r = train(model, train_set, val, cfg, [&](const EpochStats&, const MLP&) {
        seen.push_back(snapshot(params));
    });
    check(r.stop == StopReason::Patience, "stopped for lack of improvement");
    int last = int(r.history.size()) - 1;
    check(last - r.best_epoch == cfg.patience,
          "stopped exactly `patience` epochs after the best");
    double best = 1e9;
    for (const EpochStats& s : r.history) best = std::min(best, s.val_loss);
    check_close(r.history[r.best_epoch].val_loss, best, 1e-12,
                "best epoch has the lowest val loss");
    check(snapshot(params) == seen[r.best_epoch], "the model holds the best epoch's weights");
    check(snapshot(params) != seen.back(), "and not the last epoch's");
    check_close(evaluate(model, val, cfg.loss).loss, best, 1e-12,
                "its val loss is the best one");
}

void test_divergence_is_detected_and_reported() {
    TrainConfig cfg = spiral_settings();
    cfg.optimizer = OptimizerKind::SGD;
    cfg.act = Activation::ReLU;  // unbounded, so huge weights give infinite outputs
    cfg.learning_rate = 1e200;  // far too large: the loss overflows
    cfg.final_learning_rate = -1;
    cfg.max_epochs = 50;
    Dataset data = spiral(10, 3, 0.2, 1);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, 1);
    TrainResult r = train(model, data, data, cfg, nullptr);
    check(r.stop == StopReason::Diverged, "stop reason is 'diverged'");
    check(std::isfinite(evaluate(model, data, cfg.loss).loss), "the kept weights are finite");
}

void test_datasets_have_the_documented_shape_and_are_deterministic() {
    Dataset s = spiral(100, 3, 0.2, 1);
    check(s.size() == 300 && class_count(s) == 3, "spiral: 3 x 100 points");
    check(s[0].x == 0 && s[0].y == 0, "each arm starts at the centre (r = 0)");
    double r_last = std::hypot(s[99].x, s[99].y);
    check_close(r_last, 1.0, 1e-12, "and ends at radius 1");
    Dataset again = spiral(100, 3, 0.2, 1), other = spiral(100, 3, 0.2, 2);
    check(again[50].x == s[50].x && again[250].y == s[250].y, "same seed, same points");
    check(other[50].x != s[50].x, "another seed, other points");
    Dataset m = moons(100, 0.1, 1);
    check(m.size() == 100 && class_count(m) == 2, "moons: 100 points, 2 classes");
    check(xor_data().size() == 4, "xor: 4 points");
}

// ---- Files: images, logs, determinism, bad input ----------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs the spiral (briefly) and the moons into `dir`, as ./nn would.
// `stale_frame`: a file left in frames/ as if by an earlier run, before this one starts.
void run_small_experiments(const std::string& dir, const std::string& stale_frame = "") {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir + "/frames");
    if (!stale_frame.empty()) std::ofstream(dir + "/frames/" + stale_frame) << "stale";
    out_dir = dir;
    console = std::fopen("test_console.txt", "w");  // keep the runner's output readable
    Options opts;
    opts.overrides.push_back([](TrainConfig& c) { c.max_epochs = std::min(c.max_epochs, 6); });
    start_results_file();
    run_spiral(opts);
    run_moons(opts);
    std::fclose(console);
    console = stdout;
    std::remove("test_console.txt");
    out_dir = "plots";
}

struct Ppm {
    std::string magic;
    int width = 0, height = 0, maxval = 0;
    std::string pixels;
};

Ppm parse_ppm(const std::string& bytes) {
    Ppm p;
    std::istringstream in(bytes);
    in >> p.magic >> p.width >> p.height >> p.maxval;
    in.get();  // the single whitespace byte after maxval
    p.pixels = bytes.substr(size_t(in.tellg()));
    return p;
}

void test_images_parse_back_and_are_not_blank_and_logs_have_a_row_per_epoch() {
    const std::string dir = "test_output_a";
    run_small_experiments(dir);
    int images = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.path().extension() != ".ppm") continue;
        ++images;
        Ppm p = parse_ppm(read_file(entry.path().string()));
        std::string name = entry.path().filename().string();
        check(p.magic == "P6" && p.maxval == 255, name + ": a P6 header with maxval 255");
        check(p.pixels.size() == size_t(p.width) * p.height * 3,
              name + ": width x height x 3 bytes");
        check(p.width >= 200 && p.height >= 200, name + ": at least 200 x 200");
        std::string first = p.pixels.substr(0, 3);
        bool varied = false;
        for (size_t i = 0; i + 3 <= p.pixels.size() && !varied; i += 3)
            varied = p.pixels.compare(i, 3, first) != 0;
        check(varied, name + ": not a single colour");
    }
    check(images == 5 + 7, fmt("5 images and 7 frames, got %g", images));
    Ppm grid = parse_ppm(read_file(dir + "/spiral_evolution.ppm"));
    check(grid.width == 800 && grid.height == 2 * 220,
          "6 epochs + start = 7 tiles: a 4 x 2 grid");
    std::string log = read_file(dir + "/spiral_2-32-32-3_relu.csv");
    check(std::count(log.begin(), log.end(), '\n') == 1 + 7, "header + epochs 0..6");
    check(log.rfind("epoch,train_loss,val_loss,train_acc,val_acc,learning_rate\n", 0) == 0,
          "header");
    std::string results = read_file(dir + "/results.csv");
    check(std::count(results.begin(), results.end(), '\n') == 3, "results: header + 2 runs");
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

void test_a_new_run_replaces_the_frames_of_an_earlier_one() {
    const std::string dir = "test_output_frames";
    run_small_experiments(dir, "spiral_12.ppm");
    check(!std::filesystem::exists(dir + "/frames/spiral_12.ppm"), "the old frame 12 is gone");
    int frames = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir + "/frames")) {
        frames += entry.path().filename().string().rfind("spiral_", 0) == 0;
    }
    check(frames == 7, fmt("7 frames for epochs 0..6, got %g", frames));
    std::filesystem::remove_all(dir);
}

void test_same_seed_gives_byte_identical_files() {
    run_small_experiments("test_output_a");
    run_small_experiments("test_output_b");
    int compared = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator("test_output_a")) {
        if (!entry.is_regular_file()) continue;
        std::string rel = std::filesystem::relative(entry.path(), "test_output_a").string();
        bool same = read_file(entry.path().string()) == read_file("test_output_b/" + rel);
        check(same, rel + " is the same in both runs");
        ++compared;
    }
    check(compared >= 15, fmt("compared %g files", compared));
    std::filesystem::remove_all("test_output_a");
    std::filesystem::remove_all("test_output_b");
}

// The command line is checked by running the built program (make test builds it first).
void test_bad_flags_exit_2_with_one_line_and_write_nothing() {
    if (!std::filesystem::exists("nn")) {
        check(false, "./nn is not built (run make test, which builds it)");
        return;
    }
    const char* cases[][2] = {
        {"--lr abc", "--lr takes a number in (0, 10], got 'abc'"},
        {"--lr -1", "--lr takes a number in (0, 10], got '-1'"},
        {"--act swish", "--act takes tanh, sigmoid or relu, got 'swish'"},
        {"--hidden 16,0", "--hidden takes sizes like 16,16"},
        {"--batch 1.5", "--batch takes an integer"},
        {"spiral --momentum 1", "--momentum takes a number in [0, 0.999], got '1'"},
        {"sprial", "unknown experiment 'sprial'"},
        {"--epochs", "--epochs takes an integer 1 to 100000, got '--out'"},
        {"--help-me 3", "unknown flag '--help-me'"},
    };
    for (auto& c : cases) {
        std::filesystem::remove_all("test_output_bad");
        std::string cmd = std::string("./nn ") + c[0] +
                          " --out test_output_bad > test_stdout.txt 2> test_stderr.txt";
        int status = std::system(cmd.c_str());
        std::string err = read_file("test_stderr.txt");
        check(status != 0, std::string(c[0]) + ": non-zero exit");
        check(WEXITSTATUS(status) == 2, std::string(c[0]) + ": exit status 2");
        check(err.find(c[1]) != std::string::npos,
              std::string(c[0]) + ": message names the problem: " + err);
        check(std::count(err.begin(), err.end(), '\n') == 1, std::string(c[0]) + ": one line");
        check(!std::filesystem::exists("test_output_bad"),
              std::string(c[0]) + ": nothing written");
    }
    std::remove("test_stdout.txt");
    std::remove("test_stderr.txt");
}

// ---- Runner ----------------------------------------------------------------------------

struct Test {
    const char* name;
    void (*run)();
};

#define TEST(f) {#f, f}

// Runs ./nn with `args` (a shell fragment); returns its exit status and fills out and err.
int run_nn(const std::string& args, std::string& out, std::string& err) {
    std::string cmd = "./nn " + args + " > test_stdout.txt 2> test_stderr.txt";
    int status = std::system(cmd.c_str());
    out = read_file("test_stdout.txt");
    err = read_file("test_stderr.txt");
    std::remove("test_stdout.txt");
    std::remove("test_stderr.txt");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Every flag against every kind of bad value. A value that is fine for that flag (0 is a
// seed, a momentum and "the whole set" as a batch; most strings are directory names) must
// be accepted instead; `graph` parses the flags and writes no file, so accepting is cheap.
void test_every_flag_against_every_bad_value() {
    const std::vector<std::string> values = {"", "-1", "0", "1e400", "abc", "3x", "16,,16",
                                             "0,16"};
    struct Flag {
        const char* name;
        std::vector<std::string> accepted;
    };
    const std::vector<Flag> flags = {
        {"--seed", {"0"}},
        {"--epochs", {}},
        {"--lr", {}},
        {"--momentum", {"0"}},
        {"--batch", {"0"}},
        {"--patience", {}},
        {"--hidden", {}},
        {"--act", {}},
        {"--optimizer", {}},
        {"--out", {"-1", "0", "1e400", "abc", "3x", "16,,16", "0,16"}},
    };
    int cases = 0;
    for (const Flag& flag : flags) {
        for (const std::string& value : values) {
            bool ok = std::find(flag.accepted.begin(), flag.accepted.end(), value) !=
                      flag.accepted.end();
            std::filesystem::remove_all("test_output_flags");
            std::string out, err;
            int status = run_nn("graph " + std::string(flag.name) + " '" + value +
                                    "' --out test_output_flags",
                                out, err);
            std::string what = std::string(flag.name) + " '" + value + "'";
            if (flag.name == std::string("--out") && ok) {
                status = run_nn("graph --out '" + value + "'", out, err);
            }
            ++cases;
            if (ok) {
                check(status == 0 && err.empty(), what + ": accepted");
                continue;
            }
            check(status == 2, what + fmt(": exit status 2, got %g", status));
            check(std::count(err.begin(), err.end(), '\n') == 1, what + ": one line: " + err);
            check(err.find(flag.name) != std::string::npos && err.find("takes") != std::string::npos,
                  what + ": names the flag and what it takes: " + err);
            check(out.empty(), what + ": nothing on stdout");
            check(!std::filesystem::exists("test_output_flags"), what + ": no file written");
        }
    }
    check(cases == 80, fmt("80 cases, ran %g", cases));
}

void test_an_output_directory_that_cannot_be_made_is_reported_before_training() {
    { std::ofstream("test_not_a_dir") << "a file, so nothing can be made inside it\n"; }
    std::string out, err;
    int status = run_nn("xor --out test_not_a_dir/plots", out, err);
    check(status == 2, fmt("exit status 2, got %g", status));
    check(err.find("--out") != std::string::npos && err.find("test_not_a_dir/plots") != std::string::npos,
          "the message names --out and the directory: " + err);
    check(std::count(err.begin(), err.end(), '\n') == 1, "one line: " + err);
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
    check(std::count(results.begin(), results.end(), '\n') == 1 + 150, "a row for every run");
    check(results.find(",diverged,") != std::string::npos, "results.csv says diverged");
    check(out.find("nan") == std::string::npos && out.find("inf") == std::string::npos,
          "no NaN or inf printed as a result");
    std::filesystem::remove_all("test_output_div");
}

void test_the_full_lesson_goes_on_after_a_divergence() {
    std::filesystem::remove_all("test_output_div_all");
    std::string out, err;
    int status = run_nn("--act tanh --lr 10 --epochs 100 --out test_output_div_all", out, err);
    std::string results = read_file("test_output_div_all/results.csv");
    check(results.find("xor,2-2-1,tanh,sgd,1,") != std::string::npos, "XOR ran");
    check(results.find(",diverged,") != std::string::npos, "and diverged");
    for (const char* later : {"\nspiral,", "\nspiral_sgd_momentum,", "\nmoons,"}) {
        check(results.find(later) != std::string::npos,
              std::string("a later experiment ran: ") + (later + 1));
    }
    check(status == 1, fmt("exit status 1 at the end, got %g", status));
    std::filesystem::remove_all("test_output_div_all");
}

// Ctrl-C: the run in progress stops after its step; its log, pictures and results.csv row
// are written; the program says where they are and exits 130.
void test_ctrl_c_saves_what_was_done_and_exits_130() {
    std::filesystem::remove_all("test_output_int");
    const std::string log = "test_output_int/spiral_2-32-32-3_relu.csv";
    std::string script =
        "./nn spiral --epochs 100000 --patience 100000 --out test_output_int "
        "> test_stdout.txt 2> test_stderr.txt & pid=$!; "
        "for i in $(seq 600); do "
        "  [ -f " + log + " ] && [ $(wc -l < " + log + ") -ge 4 ] && break; sleep 0.05; "
        "done; kill -INT $pid; "
        "for i in $(seq 400); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done; "
        "kill -KILL $pid 2>/dev/null; wait $pid; exit $?";
    int status = std::system(("sh -c '" + script + "'").c_str());
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::string out = read_file("test_stdout.txt");
    check(code == 130, fmt("exit status 130, got %g", code));
    check(out.find("Interrupted. Results, logs and pictures so far are in test_output_int/") !=
              std::string::npos,
          "says where the files are");
    std::string results = read_file("test_output_int/results.csv");
    check(results.find("spiral,2-32-32-3,relu,adam,1,") != std::string::npos &&
              results.find(",interrupted,") != std::string::npos,
          "results.csv has the run, stopped by 'interrupted': " + results);
    for (const char* picture : {"spiral_boundary.ppm", "spiral_evolution.ppm", "spiral_loss.ppm"}) {
        check(read_file(std::string("test_output_int/") + picture).rfind("P6\n", 0) == 0,
              std::string(picture) + " was written");
    }
    std::string rows = read_file(log);
    check(std::count(rows.begin(), rows.end(), '\n') >= 4, "the log has the epochs done");
    std::remove("test_stdout.txt");
    std::remove("test_stderr.txt");
    std::filesystem::remove_all("test_output_int");
}

// README.md's map gives each section of nn.cpp as "| N | FIRST-LAST | ...": from the
// dashed line above the section's "// N. Title" to the line before the next banner.
int main(int argc, char** argv) {
    std::vector<Test> tests = {
        TEST(test_add_sub_mul_div_match_finite_differences),
        TEST(test_every_op_computes_the_right_value),
        TEST(test_constants_on_the_left_have_the_right_sign),
        TEST(test_pow_matches_finite_differences_for_whole_negative_and_fractional_k),
        TEST(test_exp_log_match_finite_differences),
        TEST(test_tanh_sigmoid_match_finite_differences_including_saturation),
        TEST(test_tanh_sigmoid_stay_finite_at_plus_minus_1000),
        TEST(test_tanh_of_agrees_with_std_tanh_and_sigmoid_with_its_definition),
        TEST(test_relu_matches_finite_differences_on_both_sides_of_zero),
        TEST(test_weighted_sum_node_equals_the_chain_of_adds_and_muls),
        TEST(test_x_plus_x_and_x_times_x_accumulate_over_both_edges),
        TEST(test_x_times_x_equals_pow_x_2),
        TEST(test_diamond_sums_both_paths),
        TEST(test_backward_through_a_chain_of_2_million_nodes_needs_no_recursion),
        TEST(test_backward_twice_doubles_leaf_grads_and_zeroing_restores_them),
        TEST(test_backward_after_truncating_into_the_leading_leaves),
        TEST(test_mlp_parameters_are_ordered_layer_neuron_weights_then_bias),
        TEST(test_mlp_parameter_gradients_match_finite_differences),
        TEST(test_graph_gradients_equal_hand_written_backprop_to_1e_12),
        TEST(test_training_memory_stays_flat_over_100000_steps),
        TEST(test_softmax_cross_entropy_is_finite_and_right_at_logits_of_1000),
        TEST(test_softmax_cross_entropy_matches_the_textbook_formula),
        TEST(test_binary_cross_entropy_is_stable_and_matches_the_formula),
        TEST(test_hinge_and_squared_error_match_their_definitions),
        TEST(test_l2_penalty_is_alpha_times_sum_of_squares_with_gradient_2_alpha_w),
        TEST(test_momentum_update_matches_two_steps_by_hand),
        TEST(test_adam_first_steps_match_hand_computed_values),
        TEST(test_weight_decay_adds_decay_times_weight_to_the_gradient),
        TEST(test_fixed_seed_xor_run_converges),
        TEST(test_batch_sizes_one_mini_and_full_all_lower_the_loss),
        TEST(test_early_stopping_restores_the_best_weights),
        TEST(test_divergence_is_detected_and_reported),
        TEST(test_datasets_have_the_documented_shape_and_are_deterministic),
        TEST(test_images_parse_back_and_are_not_blank_and_logs_have_a_row_per_epoch),
        TEST(test_loss_chart_copes_with_zero_tiny_and_constant_losses),
        TEST(test_a_new_run_replaces_the_frames_of_an_earlier_one),
        TEST(test_same_seed_gives_byte_identical_files),
        TEST(test_bad_flags_exit_2_with_one_line_and_write_nothing),
        TEST(test_every_flag_against_every_bad_value),
        TEST(test_an_output_directory_that_cannot_be_made_is_reported_before_training),
        TEST(test_a_diverging_experiment_says_where_and_exits_1),
        TEST(test_the_full_lesson_goes_on_after_a_divergence),
        TEST(test_ctrl_c_saves_what_was_done_and_exits_130),
    };
    // `./tests WORD` runs only the tests whose names contain WORD (`./tests tanh`).
    std::string only = argc > 1 ? argv[1] : "";
    int passed = 0, failed = 0;
    for (const Test& t : tests) {
        if (std::string(t.name).find(only) == std::string::npos) continue;
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
