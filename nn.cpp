// nn.cpp: neural networks from scratch, in one file of standard C++17.
//
// Read it top to bottom. It builds, in order: a graph of scalar Values that can
// differentiate itself (reverse-mode automatic differentiation, what PyTorch's autograd
// does), neurons, layers and multi-layer perceptrons made of those Values, the losses that
// say how wrong a network is, the optimisers that make it less wrong, and the training loop
// that stops at the right time. Then it runs the experiments: XOR with three architectures
// and three activations, the three-armed spiral, and two moons.
//
// Build and run (nothing to install but a C++17 compiler):
//
//     g++ -std=c++17 -O2 -o nn nn.cpp && ./nn
//
// `./nn --help` lists the experiments and flags. Results, logs and pictures go to plots/.
//
// Map of the file (each section starts with a banner; 11-15 are plumbing, skip on a first
// read):
//    1. Random numbers        a seeded generator of our own, so every run is repeatable
//    2. The graph             Value: a number that remembers how it was computed
//    3. Operations            each op's result and its local derivatives, side by side
//    4. Backward              the chain rule, one loop over the graph in reverse
//    5. Neuron, Layer, MLP    networks built from Values
//    6. The same MLP by hand  backpropagation written out, to check and time the graph
//    7. Losses                how wrong is the network
//    8. Optimisers            SGD with momentum, and Adam
//    9. Datasets              XOR, the spiral, two moons
//   10. Training              mini-batches, early stopping
//   11. Pictures              PPM images, a bitmap font, decision boundaries, loss curves
//   12. Logs                  results.csv and per-run CSV logs
//   13. Live view             the decision boundary in the terminal while it trains
//   14. Experiments           what `./nn` runs: settings, the XOR study, spiral, moons
//   15. Command line          flags, errors, main

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

const double pi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------
// 1. Random numbers
// ---------------------------------------------------------------------------------------
// Why our own: <random>'s distributions are allowed to differ between standard libraries,
// and an exercise whose answer changes with the compiler is a bad exercise. splitmix64 is a
// few lines, passes the usual statistical tests, and every seed (even 0) works.

struct Rng {
    uint64_t state;

    uint64_t next() {
        state += 0x9E3779B97F4A7C15ull;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // Uniform in [0, 1): the top 53 bits fill a double's mantissa exactly.
    double uniform() { return double(next() >> 11) / 9007199254740992.0; }

    // Standard normal by Box-Muller: two uniforms become a radius and an angle.
    double gaussian() {
        double u1 = 1.0 - uniform();  // in (0, 1], so log(u1) is finite
        double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * pi * u2);
    }

    // Uniform integer in [0, n). The modulo bias is below 1e-17 for the n we use.
    int below(int n) { return int(next() % uint64_t(n)); }
};

// Fisher-Yates, written out because std::shuffle's order differs between libraries.
void shuffle(std::vector<int>& items, Rng& rng) {
    for (int i = int(items.size()) - 1; i > 0; --i)
        std::swap(items[i], items[rng.below(i + 1)]);
}

// ---------------------------------------------------------------------------------------
// 2. The graph: every number the network computes is a node
// ---------------------------------------------------------------------------------------
// To learn, a network needs d(loss)/d(w) for each of its weights w. We get all of them at
// once by remembering how the loss was computed. Every Value is a node; each operation that
// makes a node also records, for each input (parent), the local derivative
// d(node)/d(parent), which it knows at that moment. Backward then needs no code per op.
//
// Nodes live in one vector, in the order they were made. A node can only be computed from
// nodes made before it, so creation order is already a topological order: backward is a
// plain loop from the end to the start. No pointers, no recursion, nothing to leak.

struct Edge {
    int parent;    // index of a node this one was computed from
    double local;  // d(this node) / d(parent), recorded when this node was computed

    Edge() {}  // left unset: every edge is written right after the vector grows
    Edge(int parent_, double local_) : parent(parent_), local(local_) {}
};

struct Node {
    double data;
    double grad;       // d(the Value backward() was called on) / d(this node)
    const char* op;    // "leaf", "+", "tanh", ...: only for printing the graph
    int first_edge;    // this node's parents are edges[first_edge, first_edge + edge_count)
    int edge_count;    // 0 for a leaf: an input, a weight, a constant
};

struct Graph {
    std::vector<Node> nodes;
    std::vector<Edge> edges;
    // A model makes its weights first, so the graph starts with a run of leaves, where
    // backward has nothing to do. Scanning for the run's end on every backward cost 8% of a
    // training step; counting it as the graph grows costs nothing.
    int leading_leaves = 0;
};

Graph graph;  // the one graph every Value belongs to

// Forget every node made after the first `node_count`. A training step calls this when it
// is done, so the next step reuses the same memory instead of growing the graph forever.
void graph_truncate(size_t node_count) {
    assert(node_count <= graph.nodes.size());
    graph.nodes.resize(node_count);
    graph.leading_leaves = std::min(graph.leading_leaves, int(node_count));
    size_t edge_count = 0;
    if (node_count > 0) {
        const Node& last = graph.nodes.back();
        edge_count = size_t(last.first_edge + last.edge_count);
    }
    graph.edges.resize(edge_count);
}

struct NodeId {
    int index;
};

// A Value is a handle: the index of its node. Copying one is as cheap as copying an int.
struct Value {
    int id;

    Value(double x);  // a new leaf, so `Value x = 2.0;` works; defined below
    Value(NodeId node) : id(node.index) {}

    double& data() const { return node().data; }
    double& grad() const { return node().grad; }
    void backward() const;  // section 4

    Node& node() const {
        assert(id < int(graph.nodes.size()) && "Value used after its graph was truncated");
        return graph.nodes[id];
    }
};

// Appends a node whose edges, graph.edges[first_edge, end), were just pushed.
NodeId close_node(int first_edge, double data, const char* op) {
    graph.nodes.emplace_back();
    Node& node = graph.nodes.back();
    node = {data, 0.0, op, first_edge, int(graph.edges.size()) - first_edge};
    int index = int(graph.nodes.size()) - 1;
    if (node.edge_count == 0 && index == graph.leading_leaves) ++graph.leading_leaves;
    return {index};
}

// Appends a node and the edges to its parents. Every operation ends with this call.
NodeId add_node(double data, const char* op, std::initializer_list<Edge> parents) {
    int first_edge = int(graph.edges.size());
    for (const Edge& e : parents) graph.edges.emplace_back(e.parent, e.local);
    return close_node(first_edge, data, op);
}

Value::Value(double x) : id(add_node(x, "leaf", {}).index) {}

// ---------------------------------------------------------------------------------------
// 3. Operations: the result, and its derivative with respect to each input
// ---------------------------------------------------------------------------------------
// Each op computes its result from the inputs' data, then records one edge per input with
// the local derivative written as the math says it. Adding an op touches only this section.
// A double on either side of + - * / becomes a leaf through Value(double), so `2.0 - x`
// and `2.0 / x` use the same (correct) rules as `y - x` and `y / x`.

Value operator+(Value a, Value b) {
    return add_node(a.data() + b.data(), "+", {{a.id, 1.0},    // d(a+b)/da = 1
                                               {b.id, 1.0}});  // d(a+b)/db = 1
}

Value operator-(Value a, Value b) {
    return add_node(a.data() - b.data(), "-", {{a.id, 1.0},     // d(a-b)/da = 1
                                               {b.id, -1.0}});  // d(a-b)/db = -1
}

Value operator*(Value a, Value b) {
    return add_node(a.data() * b.data(), "*", {{a.id, b.data()},    // d(ab)/da = b
                                               {b.id, a.data()}});  // d(ab)/db = a
}

Value operator/(Value a, Value b) {
    double inv = 1.0 / b.data();
    return add_node(a.data() * inv, "/", {{a.id, inv},                     // d(a/b)/da = 1/b
                                          {b.id, -a.data() * inv * inv}});  // d/db = -a/b^2
}

Value operator-(Value a) {
    return add_node(-a.data(), "neg", {{a.id, -1.0}});  // d(-a)/da = -1
}

// x^k for a fixed number k. A negative x only has a real power for a whole k.
Value pow(Value x, double k) {
    assert((x.data() > 0 || k == std::floor(k)) && "pow: x^k needs x > 0 when k is not whole");
    double out = std::pow(x.data(), k);
    return add_node(out, "pow", {{x.id, k * std::pow(x.data(), k - 1)}});  // d/dx = k x^(k-1)
}

Value exp(Value x) {
    double out = std::exp(x.data());
    return add_node(out, "exp", {{x.id, out}});  // d/dx e^x = e^x
}

// A NaN argument passes through (training reports it as divergence); 0 or less is a bug.
Value log(Value x) {
    assert(!(x.data() <= 0) && "log: the argument must be positive");
    return add_node(std::log(x.data()), "log", {{x.id, 1.0 / x.data()}});  // d/dx ln x = 1/x
}

// tanh(x) = (1 - e^-2x) / (1 + e^-2x), taken at |x| so the exponent is never positive:
// nothing overflows, and large |x| give exactly +-1. It agrees with std::tanh to 2e-16 and
// is about twice as fast, which shows: a network calls it once per hidden unit per point.
double tanh_of(double x) {
    double e = std::exp(-2.0 * std::fabs(x));
    double t = (1.0 - e) / (1.0 + e);
    return x < 0 ? -t : t;
}

Value tanh(Value x) {
    double t = tanh_of(x.data());
    return add_node(t, "tanh", {{x.id, 1.0 - t * t}});  // d/dx tanh(x) = 1 - tanh(x)^2
}

// 1 / (1 + e^-x) overflows e^-x for x < -709; for negative x the equal form e^x / (1 + e^x)
// only ever takes exp of a negative number. Both stay finite for any x.
Value sigmoid(Value x) {
    double e = std::exp(-std::fabs(x.data()));
    double s = x.data() >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    return add_node(s, "sigmoid", {{x.id, s * (1.0 - s)}});  // d/dx s(x) = s(x) (1 - s(x))
}

// A neuron's weighted sum w . x + b as one node with 2n + 1 parents. It equals
// b + w[0] * x[0] + w[1] * x[1] + ..., built from + and *, and has the same gradients;
// but that chain is 2n nodes, while this is one, so backward does a third of the work.
// The chain rule does not care how many parents a node has.
Value weighted_sum(const std::vector<Value>& w, const std::vector<Value>& x, Value b) {
    assert(w.size() == x.size());
    int first_edge = int(graph.edges.size());
    graph.edges.resize(first_edge + 2 * w.size() + 1);
    Edge* edge = &graph.edges[first_edge];
    double sum = b.data();
    for (size_t i = 0; i < w.size(); ++i) {
        double wi = w[i].data(), xi = x[i].data();
        sum += wi * xi;
        edge[2 * i] = {w[i].id, xi};      // d(sum)/dw[i] = x[i]
        edge[2 * i + 1] = {x[i].id, wi};  // d(sum)/dx[i] = w[i]
    }
    edge[2 * w.size()] = {b.id, 1.0};  // d(sum)/db = 1
    return close_node(first_edge, sum, "w.x+b");
}

// At exactly 0 we take the derivative to be 0, as PyTorch does.
Value relu(Value x) {
    bool on = x.data() > 0;
    return add_node(on ? x.data() : 0.0, "relu", {{x.id, on ? 1.0 : 0.0}});  // 1 if x > 0
}

// ---------------------------------------------------------------------------------------
// 4. Backward: the chain rule, applied on every edge, in reverse creation order
// ---------------------------------------------------------------------------------------
// d(out)/d(parent) is the sum, over the parent's children, of
// d(child)/d(parent) * d(out)/d(child): the local derivative times the child's gradient.
// Walking the nodes from last to first, every child is finished before its parents are
// reached, so each edge needs exactly one line. A node used twice (x * x, or a diamond
// a -> b, a -> c, (b, c) -> d) simply receives two contributions.
//
// As in PyTorch, leaves (weights, inputs) accumulate: calling backward() twice without
// zero_grad() doubles their gradients. Computed nodes start from zero on every call.

void Value::backward() const {
    std::vector<Node>& nodes = graph.nodes;
    // Both loops skip the leading run of leaves (section 2): no edges to walk there, and
    // leaves keep their gradients.
    int first = std::min(graph.leading_leaves, id);
    for (int i = first; i <= id; ++i) {
        if (nodes[i].edge_count > 0) nodes[i].grad = 0.0;
    }
    nodes[id].grad += 1.0;  // d(out)/d(out) = 1
    for (int i = id; i >= first; --i) {
        double child_grad = nodes[i].grad;  // final: every child of node i came after it
        const Edge* edge = &graph.edges[nodes[i].first_edge];
        for (int e = 0; e < nodes[i].edge_count; ++e) {
            nodes[edge[e].parent].grad += edge[e].local * child_grad;  // the chain rule
        }
    }
}

// ---------------------------------------------------------------------------------------
// 5. Neuron, Layer, MLP: networks made of Values
// ---------------------------------------------------------------------------------------
// A neuron computes w . x + b and squashes it with a nonlinearity; a layer is neurons side
// by side reading the same inputs; a multi-layer perceptron (MLP) is layers in a row. The
// weights are leaves of the graph made once; each forward pass adds nodes on top of them.

enum class Activation { Tanh, Sigmoid, ReLU };

const char* activation_name(Activation act) {
    switch (act) {
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::ReLU: return "relu";
    }
    return "?";
}

Value activate(Value x, Activation act) {
    switch (act) {
    case Activation::Tanh: return tanh(x);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::ReLU: return relu(x);
    }
    return x;
}

// Initial weights: normal with standard deviation gain / sqrt(fan_in). With n inputs of
// variance 1, w . x then has variance gain^2, so signals neither vanish nor blow up as they
// pass through layers. gain = 1 for tanh and sigmoid (LeCun's scheme: tanh is nearly linear
// near 0); gain = sqrt(2) for relu (He's scheme: relu zeroes half its inputs, halving the
// variance, so each layer doubles it back). Biases start at 0.
struct Neuron {
    std::vector<Value> weights;
    Value bias;

    Neuron(int n_inputs, double gain, Rng& rng) : bias(0.0) {
        double std_dev = gain / std::sqrt(double(n_inputs));
        for (int i = 0; i < n_inputs; ++i) weights.push_back(rng.gaussian() * std_dev);
    }

    // The weighted sum w . x + b, before any nonlinearity.
    Value operator()(const std::vector<Value>& x) const {
        return weighted_sum(weights, x, bias);
    }
};

struct Layer {
    std::vector<Neuron> neurons;
    Activation act;
    bool linear;  // the output layer: losses apply their own squashing (softmax, sigmoid)

    std::vector<Value> operator()(const std::vector<Value>& x) const {
        std::vector<Value> out;
        out.reserve(neurons.size());
        for (const Neuron& n : neurons) out.push_back(linear ? n(x) : activate(n(x), act));
        return out;
    }
};

struct MLP {
    std::vector<Layer> layers;

    // MLP model(2, {16, 16, 3}, Activation::Tanh): 2 inputs, two hidden layers of 16
    // neurons, 3 outputs. The seed picks the initial weights.
    MLP(int n_inputs, std::vector<int> sizes, Activation act, uint64_t seed = 1) {
        Rng rng{seed};
        double gain = act == Activation::ReLU ? std::sqrt(2.0) : 1.0;
        for (size_t l = 0; l < sizes.size(); ++l) {
            int fan_in = l == 0 ? n_inputs : sizes[l - 1];
            Layer layer{{}, act, l + 1 == sizes.size()};
            for (int j = 0; j < sizes[l]; ++j) layer.neurons.emplace_back(fan_in, gain, rng);
            layers.push_back(layer);
        }
    }

    std::vector<Value> operator()(std::vector<Value> x) const {
        for (const Layer& layer : layers) x = layer(x);
        return x;
    }

    // Layer by layer, neuron by neuron: each neuron's weights, then its bias.
    std::vector<Value> parameters() const {
        std::vector<Value> params;
        for (const Layer& layer : layers) {
            for (const Neuron& n : layer.neurons) {
                params.insert(params.end(), n.weights.begin(), n.weights.end());
                params.push_back(n.bias);
            }
        }
        return params;
    }

    void zero_grad() const {
        for (const Layer& layer : layers) {
            for (const Neuron& n : layer.neurons) {
                for (Value w : n.weights) w.grad() = 0.0;
                n.bias.grad() = 0.0;
            }
        }
    }
};

// ---------------------------------------------------------------------------------------
// 6. The same MLP by hand: backpropagation written out with plain loops
// ---------------------------------------------------------------------------------------
// This is what backward() computes for an MLP, derived by hand for one layer at a time.
// For a layer out = act(W in + b), given g = d(loss)/d(out):
//     delta = g * act'(out)            (elementwise; act' written in terms of the output)
//     d(loss)/dW[j][i] = delta[j] * in[i],   d(loss)/db[j] = delta[j]
//     d(loss)/d(in[i]) = sum_j W[j][i] * delta[j]    (the g of the layer below)
// The tests check that the graph's gradients equal these to 1e-12; the benchmark times both;
// the pictures use dense_forward because drawing a boundary needs no gradients.

struct DenseLayer {
    int n_in, n_out;
    bool linear;
    std::vector<double> w;  // n_out x n_in, row j holds neuron j's weights
    std::vector<double> b;
    std::vector<double> grad_w, grad_b;
    std::vector<double> out;  // this layer's outputs from the last forward pass
};

struct DenseMLP {
    std::vector<DenseLayer> layers;
    Activation act;
    std::vector<double> input;  // the last forward pass's input
};

// Copies the weights out of the graph, in the order of MLP::parameters().
DenseMLP dense_copy(const MLP& model) {
    DenseMLP net{{}, model.layers[0].act, {}};
    for (const Layer& layer : model.layers) {
        int n_in = int(layer.neurons[0].weights.size());
        int n_out = int(layer.neurons.size());
        DenseLayer d{n_in, n_out, layer.linear, {}, {}, {}, {}, std::vector<double>(n_out)};
        for (const Neuron& n : layer.neurons) {
            for (Value w : n.weights) d.w.push_back(w.data());
            d.b.push_back(n.bias.data());
        }
        d.grad_w.assign(d.w.size(), 0.0);
        d.grad_b.assign(d.b.size(), 0.0);
        net.layers.push_back(d);
    }
    return net;
}

double dense_activate(double x, Activation act) {
    switch (act) {
    case Activation::Tanh: return tanh_of(x);
    case Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::ReLU: return x > 0 ? x : 0.0;
    }
    return x;
}

// act'(x) written in terms of y = act(x), which the forward pass kept.
double dense_slope(double y, Activation act) {
    switch (act) {
    case Activation::Tanh: return 1.0 - y * y;
    case Activation::Sigmoid: return y * (1.0 - y);
    case Activation::ReLU: return y > 0 ? 1.0 : 0.0;
    }
    return 1.0;
}

const std::vector<double>& dense_forward(DenseMLP& net, const std::vector<double>& x) {
    net.input = x;
    const std::vector<double>* in = &net.input;
    for (DenseLayer& L : net.layers) {
        for (int j = 0; j < L.n_out; ++j) {
            double sum = L.b[j];
            for (int i = 0; i < L.n_in; ++i) sum += L.w[j * L.n_in + i] * (*in)[i];
            L.out[j] = L.linear ? sum : dense_activate(sum, net.act);
        }
        in = &L.out;
    }
    return net.layers.back().out;
}

// Fills grad_w and grad_b (overwriting them) from g = d(loss)/d(outputs).
void dense_backward(DenseMLP& net, std::vector<double> g) {
    for (int l = int(net.layers.size()) - 1; l >= 0; --l) {
        DenseLayer& L = net.layers[l];
        const std::vector<double>& in = l == 0 ? net.input : net.layers[l - 1].out;
        std::vector<double> delta(L.n_out);
        for (int j = 0; j < L.n_out; ++j) {
            delta[j] = L.linear ? g[j] : g[j] * dense_slope(L.out[j], net.act);
        }
        std::vector<double> g_below(L.n_in, 0.0);
        for (int j = 0; j < L.n_out; ++j) {
            for (int i = 0; i < L.n_in; ++i) {
                L.grad_w[j * L.n_in + i] = delta[j] * in[i];
                g_below[i] += L.w[j * L.n_in + i] * delta[j];
            }
            L.grad_b[j] = delta[j];
        }
        g = g_below;
    }
}

// Softmax turns scores into probabilities: p[i] = e^z[i] / sum_j e^z[j]. Subtracting
// max z first changes nothing (it cancels) but keeps every exponent <= 0, so no overflow.
std::vector<double> softmax(const std::vector<double>& z) {
    double m = *std::max_element(z.begin(), z.end());
    std::vector<double> p;
    double sum = 0.0;
    for (double zi : z) {
        p.push_back(std::exp(zi - m));
        sum += p.back();
    }
    for (double& prob : p) prob /= sum;
    return p;
}

// Softmax cross-entropy by hand: returns -log p[label] and sets g = d(loss)/d(logits),
// which works out to softmax(z) - onehot(label). p[label] underflows to 0 only when the
// right logit trails the largest by more than about 745; section 7's version never does.
double dense_softmax_cross_entropy(const std::vector<double>& z, int label,
                                   std::vector<double>& g) {
    g = softmax(z);
    double loss = -std::log(g[label]);
    g[label] -= 1.0;
    return loss;
}

// ---------------------------------------------------------------------------------------
// 7. Losses: one number that says how wrong the network is
// ---------------------------------------------------------------------------------------
// Training lowers the loss, so its gradient must point somewhere useful everywhere. Each
// loss below takes the network's raw (linear) outputs and adds its own squashing, in a form
// that stays finite for any output.

// Mean squared error: the average of (prediction - target)^2. Squaring makes every miss
// count positively and big misses count more; its gradient 2(p - t) shrinks as p nears t.
Value mean_squared_error(const std::vector<Value>& predictions,
                         const std::vector<double>& targets) {
    Value sum = 0.0;
    for (size_t i = 0; i < predictions.size(); ++i)
        sum = sum + pow(predictions[i] - targets[i], 2);
    return sum / double(predictions.size());
}

// softplus(z) = log(1 + e^z), computed so that exp never sees a large positive number:
// for z >= 0 it equals z + log(1 + e^-z). Both branches are the same function.
Value softplus(Value z) {
    if (z.data() >= 0) return z + log(1.0 + exp(-z));
    return log(1.0 + exp(z));
}

// Binary cross-entropy from a logit z (label 0 or 1). With p = sigmoid(z), the loss
// -[y log p + (1-y) log(1-p)] simplifies to softplus(z) - y z. Computing p first and then
// log(p) would give log(0) = -inf once |z| passes about 37; this form never does, and its
// gradient is simply sigmoid(z) - y.
Value binary_cross_entropy(Value logit, int label) {
    return softplus(logit) - double(label) * logit;
}

// Softmax cross-entropy: -log of the probability given to the right class,
//     loss = -log( e^z[label] / sum_i e^z[i] ) = log(sum_i e^z[i]) - z[label].
// e^z overflows for z > 709, so we use log sum_i e^z[i] = m + log sum_i e^(z[i] - m),
// true for any m. With m = max z every exponent is <= 0 and the largest term is exactly 1,
// so the sum lies in [1, K] and its log is finite. m is a plain number, not a node: the
// loss does not depend on it, so no gradient needs to flow through it.
Value softmax_cross_entropy(const std::vector<Value>& logits, int label) {
    double m = logits[0].data();
    for (Value z : logits) m = std::max(m, z.data());
    Value sum = 0.0;
    for (Value z : logits) sum = sum + exp(z - m);
    return m + log(sum) - logits[label];
}

// The outputs' values as plain numbers, for predictions that need no gradients.
std::vector<double> data_of(const std::vector<Value>& values) {
    std::vector<double> data;
    for (Value v : values) data.push_back(v.data());
    return data;
}

// Hinge loss (what micrograd's moons demo uses), for labels 0/1 read as y = -1/+1:
// max(0, 1 - y * score). A point classified right with margin >= 1 costs nothing and
// pushes nothing; only points near or across the boundary move the weights.
Value hinge(Value score, int label) {
    double y = label == 1 ? 1.0 : -1.0;
    return relu(1.0 - y * score);
}

// L2 penalty alpha * sum of w^2: a cost for large weights, which favours smoother
// boundaries. Its gradient 2 alpha w pulls each weight toward 0.
Value l2_penalty(const std::vector<Value>& params, double alpha) {
    Value sum = 0.0;
    for (Value p : params) sum = sum + p * p;
    return alpha * sum;
}

enum class Loss { SoftmaxCrossEntropy, BinaryCrossEntropy, Hinge, MeanSquaredError };

const char* loss_name(Loss loss) {
    switch (loss) {
    case Loss::SoftmaxCrossEntropy: return "softmax cross-entropy";
    case Loss::BinaryCrossEntropy: return "binary cross-entropy";
    case Loss::Hinge: return "hinge";
    case Loss::MeanSquaredError: return "mean squared error";
    }
    return "?";
}

// One point's loss from the network's outputs. Softmax wants one output per class; the
// other three use a single output whose sign (or, for squared error, 0.5) decides.
Value point_loss(const std::vector<Value>& out, int label, Loss loss) {
    switch (loss) {
    case Loss::SoftmaxCrossEntropy: return softmax_cross_entropy(out, label);
    case Loss::BinaryCrossEntropy: return binary_cross_entropy(out[0], label);
    case Loss::Hinge: return hinge(out[0], label);
    case Loss::MeanSquaredError: return mean_squared_error(out, {double(label)});
    }
    return 0.0;
}

int predicted_class(const std::vector<double>& out, Loss loss) {
    if (out.size() > 1) return int(std::max_element(out.begin(), out.end()) - out.begin());
    double threshold = loss == Loss::MeanSquaredError ? 0.5 : 0.0;
    return out[0] > threshold ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// 8. Optimisers: turning gradients into better weights
// ---------------------------------------------------------------------------------------
// The gradient says which way is uphill for the loss; an optimiser decides how far to step
// the other way. Both keep one running number (or two) per parameter between steps.

enum class OptimizerKind { SGD, Adam };

struct Optimizer {
    OptimizerKind kind = OptimizerKind::SGD;
    double learning_rate = 0.1;  // step size
    double momentum = 0.9;       // SGD: share of the previous step kept in the next one
    double weight_decay = 0.0;   // adds weight_decay * w to each gradient (L2 weight decay)
    double beta1 = 0.9;          // Adam: memory of the mean gradient
    double beta2 = 0.999;        // Adam: memory of the mean squared gradient
    double epsilon = 1e-8;       // Adam: keeps the division finite
    std::vector<double> velocity;  // SGD: the running step v; Adam: the mean gradient m
    std::vector<double> squares;   // Adam: the mean squared gradient s
    int steps = 0;

    void step(const std::vector<Value>& params) {
        if (velocity.empty()) velocity.assign(params.size(), 0.0);
        if (squares.empty()) squares.assign(params.size(), 0.0);
        ++steps;
        if (kind == OptimizerKind::SGD) {
            sgd_step(params);
        } else {
            adam_step(params);
        }
    }

    // The gradient of the loss plus weight decay's pull toward zero: the derivative of
    // loss + (weight_decay / 2) * w^2.
    static double gradient(const Node& p, double decay) { return p.grad + decay * p.data; }

    // Momentum (Polyak's heavy ball, in the form of Sutskever et al. 2013):
    //     v <- momentum * v - learning_rate * g,     w <- w + v
    // v is a running sum of past steps. Where successive gradients agree, steps grow up to
    // 1 / (1 - momentum) times (10x at 0.9); where they zig-zag, they cancel.
    void sgd_step(const std::vector<Value>& params) {
        // Copies: the loop stores doubles, which could be these members, so without them
        // the compiler would reload all three on every parameter.
        const double mu = momentum, lr = learning_rate, decay = weight_decay;
        for (size_t i = 0; i < params.size(); ++i) {
            Node& p = graph.nodes[params[i].id];
            velocity[i] = mu * velocity[i] - lr * gradient(p, decay);
            p.data += velocity[i];
        }
    }

    // Adam (Kingma and Ba, 2015): m and s are running means of g and g^2; dividing by
    // 1 - beta^t undoes their bias toward the zeros they started from. The step
    // m / sqrt(s) is about +-1 per parameter whatever the gradient's scale.
    void adam_step(const std::vector<Value>& params) {
        double m_correction = 1.0 - std::pow(beta1, steps);
        double s_correction = 1.0 - std::pow(beta2, steps);
        for (size_t i = 0; i < params.size(); ++i) {
            Node& p = graph.nodes[params[i].id];
            double g = gradient(p, weight_decay);
            velocity[i] = beta1 * velocity[i] + (1.0 - beta1) * g;
            squares[i] = beta2 * squares[i] + (1.0 - beta2) * g * g;
            double m_hat = velocity[i] / m_correction;
            double s_hat = squares[i] / s_correction;
            p.data -= learning_rate * m_hat / (std::sqrt(s_hat) + epsilon);
        }
    }
};

// ---------------------------------------------------------------------------------------
// 9. Datasets: points in the plane, each with a class
// ---------------------------------------------------------------------------------------
// All three are two-dimensional so that what the network learned can be drawn. Each is
// made from a seed, so the same seed always gives the same points.

struct Point {
    double x, y;
    int label;
};

using Dataset = std::vector<Point>;

// XOR: the label is 1 when exactly one input is 1. No straight line separates the classes,
// so a network without a hidden layer cannot learn it.
Dataset xor_data() {
    return {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
}

// The spiral from the book "Neural Networks from Scratch" (nnfs), generated the same way:
// for class c, point k of n has radius r = k / (n - 1) and angle
// t = 4c + 4k / (n - 1) + noise * gaussian, and sits at (r sin 2.5t, r cos 2.5t).
// The noise makes neighbouring arms overlap, so no model can get every point right.
Dataset spiral(int per_class, int classes, double noise, uint64_t seed) {
    Rng rng{seed};
    Dataset points;
    for (int c = 0; c < classes; ++c) {
        for (int k = 0; k < per_class; ++k) {
            double r = double(k) / (per_class - 1);
            double t = 4.0 * c + 4.0 * k / (per_class - 1) + noise * rng.gaussian();
            points.push_back({r * std::sin(2.5 * t), r * std::cos(2.5 * t), c});
        }
    }
    return points;
}

// Two interleaved half circles, as in micrograd's demo: the upper one centred at (0, 0),
// the lower one at (1, 0.5), each point moved by noise * gaussian in x and in y.
Dataset moons(int n, double noise, uint64_t seed) {
    Rng rng{seed};
    Dataset points;
    int upper = n / 2;
    for (int k = 0; k < n; ++k) {
        bool is_upper = k < upper;
        int index = is_upper ? k : k - upper;
        int count = is_upper ? upper : n - upper;
        double a = pi * index / (count - 1);
        double x = is_upper ? std::cos(a) : 1.0 - std::cos(a);
        double y = is_upper ? std::sin(a) : 0.5 - std::sin(a);
        points.push_back(
            {x + noise * rng.gaussian(), y + noise * rng.gaussian(), is_upper ? 0 : 1});
    }
    return points;
}

// Moves a random `fraction` of the points out of `data` into the returned set.
Dataset split_off(Dataset& data, double fraction, Rng& rng) {
    std::vector<int> order(data.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    shuffle(order, rng);
    size_t n_split = size_t(std::lround(fraction * double(data.size())));
    Dataset taken, kept;
    for (size_t i = 0; i < order.size(); ++i) {
        (i < n_split ? taken : kept).push_back(data[order[i]]);
    }
    data = kept;
    return taken;
}

int class_count(const Dataset& data) {
    int most = 0;
    for (const Point& p : data) most = std::max(most, p.label);
    return most + 1;
}

// ---------------------------------------------------------------------------------------
// 10. Training: mini-batches, evaluation, early stopping
// ---------------------------------------------------------------------------------------
// An epoch shows the network every training point once, in a new random order, a batch at a
// time; after each batch the optimiser takes one step. After each epoch we measure loss and
// accuracy on the training and validation sets, and decide whether to go on.

std::vector<Value> forward(const MLP& model, const Point& p) {
    return model({p.x, p.y});
}

// One step on one batch. Where the memory goes is part of the lesson: the weights were
// made before `keep`; everything this step builds (about 700 nodes a point for a 2-16-16-3
// network) comes after it and is dropped at the end, so the next step reuses the space.
double train_step(const MLP& model, const std::vector<Value>& params, const Dataset& data,
                  const std::vector<int>& batch, Loss loss, double l2, Optimizer& opt) {
    size_t keep = graph.nodes.size();
    Value total = 0.0;
    for (int i : batch)
        total = total + point_loss(forward(model, data[i]), data[i].label, loss);
    Value objective = total / double(batch.size());  // mean loss over the batch
    if (l2 > 0) objective = objective + l2_penalty(params, l2);
    model.zero_grad();
    objective.backward();
    opt.step(params);
    double value = objective.data();
    graph_truncate(keep);
    return value;
}

struct Evaluation {
    double loss;      // mean over the points, without any L2 penalty
    double accuracy;  // share of points whose predicted class is right, 0..1
};

Evaluation evaluate(const MLP& model, const Dataset& data, Loss loss) {
    if (data.empty()) return {NAN, NAN};
    double total = 0.0;
    int correct = 0;
    for (const Point& p : data) {
        size_t keep = graph.nodes.size();
        std::vector<Value> out = forward(model, p);
        total += point_loss(out, p.label, loss).data();
        correct += predicted_class(data_of(out), loss) == p.label;
        graph_truncate(keep);  // no backward: the nodes were only needed for their values
    }
    return {total / double(data.size()), double(correct) / double(data.size())};
}

// Every setting of a training run. Each experiment starts from these defaults and sets
// what differs in its own settings function (section 14), all side by side.
struct TrainConfig {
    std::vector<int> hidden = {16, 16};  // sizes of the hidden layers
    Activation act = Activation::Tanh;
    Loss loss = Loss::SoftmaxCrossEntropy;
    OptimizerKind optimizer = OptimizerKind::SGD;
    double learning_rate = 0.05;
    double final_learning_rate = -1;  // if >= 0: decay linearly to this by the last epoch
    double momentum = 0.9;
    double weight_decay = 0.0;        // optimiser's L2 weight decay
    double l2 = 0.0;                  // L2 penalty added to the loss
    int batch_size = 8;               // 0 means the whole training set
    int max_epochs = 400;
    int patience = 60;                // epochs without validation improvement before stopping
    double min_delta = 1e-4;          // what counts as an improvement of the validation loss
    double target_loss = 0.0;         // stop once the training loss is below this (XOR)
    uint64_t seed = 1;                // initial weights and batch order
};

enum class StopReason { Patience, TargetLoss, MaxEpochs, Diverged, Interrupted };

const char* stop_reason_name(StopReason r) {
    switch (r) {
    case StopReason::Patience: return "patience";
    case StopReason::TargetLoss: return "target_loss";
    case StopReason::MaxEpochs: return "max_epochs";
    case StopReason::Diverged: return "diverged";
    case StopReason::Interrupted: return "interrupted";
    }
    return "?";
}

struct EpochStats {
    int epoch;  // 0 is the untrained network
    double train_loss, val_loss, train_acc, val_acc, learning_rate;
};

struct TrainResult {
    std::vector<EpochStats> history;
    StopReason stop = StopReason::MaxEpochs;
    int best_epoch = 0;  // whose weights the model holds at the end
};

std::vector<double> snapshot(const std::vector<Value>& params) {
    std::vector<double> data;
    for (Value p : params) data.push_back(p.data());
    return data;
}

void restore(const std::vector<Value>& params, const std::vector<double>& data) {
    for (size_t i = 0; i < params.size(); ++i) params[i].data() = data[i];
}

double learning_rate_at(const TrainConfig& cfg, int epoch) {
    if (cfg.final_learning_rate < 0 || cfg.max_epochs <= 1) return cfg.learning_rate;
    double progress = double(epoch - 1) / (cfg.max_epochs - 1);
    return cfg.learning_rate + progress * (cfg.final_learning_rate - cfg.learning_rate);
}

EpochStats measure(const MLP& model, const Dataset& train_set, const Dataset& val_set,
                   Loss loss, int epoch, double learning_rate) {
    Evaluation t = evaluate(model, train_set, loss);
    Evaluation v = evaluate(model, val_set, loss);
    return {epoch, t.loss, v.loss, t.accuracy, v.accuracy, learning_rate};
}

// Set by Ctrl-C (main installs the handler). Training looks at it after every step, so an
// interrupted run ends between two steps, with weights that are whole, and the program
// still writes out what was learned so far.
volatile std::sig_atomic_t stop_requested = 0;

// Called after every epoch (and once for epoch 0) with the figures and the model as it is.
using EpochHook = std::function<void(const EpochStats&, const MLP&)>;

TrainResult train(const MLP& model, const Dataset& train_set, const Dataset& val_set,
                  const TrainConfig& cfg, const EpochHook& on_epoch) {
    std::vector<Value> params = model.parameters();
    Optimizer opt;
    opt.kind = cfg.optimizer;
    opt.momentum = cfg.momentum;
    opt.weight_decay = cfg.weight_decay;
    Rng rng{cfg.seed ^ 0x5EED};  // the batch order: independent of the initial weights
    std::vector<int> order(train_set.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    int batch_size = cfg.batch_size > 0 ? cfg.batch_size : int(train_set.size());

    TrainResult result{{}, StopReason::MaxEpochs, 0};
    result.history.push_back(
        measure(model, train_set, val_set, cfg.loss, 0, cfg.learning_rate));
    if (on_epoch) on_epoch(result.history.back(), model);
    bool watch_val = !val_set.empty();
    double best_val = result.history.back().val_loss;
    std::vector<double> best_params = snapshot(params);
    int epochs_since_best = 0;

    for (int epoch = 1; epoch <= cfg.max_epochs; ++epoch) {
        // 1. One pass over the shuffled training set, a step per batch. A NaN or infinite
        //    loss means the steps were too large: no later step can repair that, so stop
        //    at once. So does Ctrl-C.
        opt.learning_rate = learning_rate_at(cfg, epoch);
        shuffle(order, rng);
        bool diverged = false;
        for (size_t start = 0; start < order.size(); start += size_t(batch_size)) {
            size_t end = std::min(order.size(), start + size_t(batch_size));
            std::vector<int> batch(order.begin() + long(start), order.begin() + long(end));
            double loss = train_step(model, params, train_set, batch, cfg.loss, cfg.l2, opt);
            diverged = !std::isfinite(loss);
            if (diverged || stop_requested) break;
        }
        // 2. Measure. After a divergence, go back to the last good weights rather than
        //    report nonsense.
        EpochStats s = measure(model, train_set, val_set, cfg.loss, epoch, opt.learning_rate);
        result.history.push_back(s);
        if (on_epoch) on_epoch(s, model);
        if (diverged || !std::isfinite(s.train_loss) ||
            (watch_val && !std::isfinite(s.val_loss))) {
            result.stop = StopReason::Diverged;
            break;
        }
        // 3. Early stopping: remember the weights with the lowest validation loss; give up
        //    after `patience` epochs in which it did not improve by at least min_delta.
        if (watch_val && s.val_loss < best_val - cfg.min_delta) {
            best_val = s.val_loss;
            best_params = snapshot(params);
            result.best_epoch = epoch;
            epochs_since_best = 0;
        } else if (watch_val && ++epochs_since_best >= cfg.patience) {
            result.stop = StopReason::Patience;
            break;
        }
        if (!watch_val) {
            best_params = snapshot(params);
            result.best_epoch = epoch;
        }
        // 4. Without a validation set (XOR), stop once the training loss is low enough.
        if (s.train_loss < cfg.target_loss) {
            result.stop = StopReason::TargetLoss;
            break;
        }
        if (stop_requested) {
            result.stop = StopReason::Interrupted;
            break;
        }
    }
    // 5. Hand back the best weights seen, not merely the last.
    if (watch_val || result.stop == StopReason::Diverged) restore(params, best_params);
    return result;
}

// =======================================================================================
// The lesson ends here. What follows is plumbing: pictures, logs, the terminal view, the
// experiments that tie it all together, and the command line. Skip it on a first read.
// =======================================================================================

// ---------------------------------------------------------------------------------------
// 11. Pictures: PPM images, a bitmap font, decision boundaries, loss curves
// ---------------------------------------------------------------------------------------
// PPM (P6) is the simplest image format there is: a text header "P6 width height 255"
// followed by the raw red, green, blue bytes of each pixel, row by row. Most image viewers
// open it; nothing needs installing to write it.

[[noreturn]] void fatal(const std::string& message) {
    std::fprintf(stderr, "nn: %s\n", message.c_str());
    std::exit(1);
}

struct Color {
    uint8_t r, g, b;
};

const Color white{255, 255, 255}, black{0, 0, 0}, grey{200, 200, 200}, dark{60, 60, 60};
const Color class_colors[] = {{215, 60, 50}, {40, 110, 215}, {40, 160, 70}, {150, 80, 190}};

struct Image {
    int width, height;
    std::vector<Color> pixels;  // row by row from the top-left corner

    Image(int w, int h, Color fill) : width(w), height(h), pixels(size_t(w) * h, fill) {}

    void set(int x, int y, Color c) {
        if (x >= 0 && y >= 0 && x < width && y < height) pixels[size_t(y) * width + x] = c;
    }
};

// Writes to path + ".tmp" and renames it into place, so an interrupted run never leaves a
// half image under the real name.
void write_ppm(const Image& image, const std::string& path) {
    std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fatal("cannot write " + path + ": " + std::strerror(errno));
    std::fprintf(f, "P6\n%d %d\n255\n", image.width, image.height);
    std::fwrite(image.pixels.data(), sizeof(Color), image.pixels.size(), f);
    bool ok = !std::ferror(f);
    ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        fatal("cannot write " + path + ": " + std::strerror(errno));
    }
}

Color mix(Color a, Color b, double t) {  // t = 0 gives a, t = 1 gives b
    auto channel = [t](uint8_t x, uint8_t y) { return uint8_t(std::lround(x + t * (y - x))); };
    return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

// A 5 x 7 pixel font: each glyph is seven rows, '#' for ink.
struct Glyph {
    char c;
    const char* rows;  // 7 rows of 5 characters, separated by '|'
};

const Glyph font[] = {
    {'0', ".###.|#...#|#..##|#.#.#|##..#|#...#|.###."},
    {'1', "..#..|.##..|..#..|..#..|..#..|..#..|.###."},
    {'2', ".###.|#...#|....#|...#.|..#..|.#...|#####"},
    {'3', "#####|...#.|..#..|...#.|....#|#...#|.###."},
    {'4', "...#.|..##.|.#.#.|#..#.|#####|...#.|...#."},
    {'5', "#####|#....|####.|....#|....#|#...#|.###."},
    {'6', "..##.|.#...|#....|####.|#...#|#...#|.###."},
    {'7', "#####|....#|...#.|..#..|.#...|.#...|.#..."},
    {'8', ".###.|#...#|#...#|.###.|#...#|#...#|.###."},
    {'9', ".###.|#...#|#...#|.####|....#|...#.|.##.."},
    {'A', ".###.|#...#|#...#|#####|#...#|#...#|#...#"},
    {'B', "####.|#...#|#...#|####.|#...#|#...#|####."},
    {'C', ".###.|#...#|#....|#....|#....|#...#|.###."},
    {'D', "####.|#...#|#...#|#...#|#...#|#...#|####."},
    {'E', "#####|#....|#....|####.|#....|#....|#####"},
    {'F', "#####|#....|#....|####.|#....|#....|#...."},
    {'G', ".###.|#...#|#....|#.###|#...#|#...#|.####"},
    {'H', "#...#|#...#|#...#|#####|#...#|#...#|#...#"},
    {'I', ".###.|..#..|..#..|..#..|..#..|..#..|.###."},
    {'J', "..###|...#.|...#.|...#.|...#.|#..#.|.##.."},
    {'K', "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#"},
    {'L', "#....|#....|#....|#....|#....|#....|#####"},
    {'M', "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#"},
    {'N', "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#"},
    {'O', ".###.|#...#|#...#|#...#|#...#|#...#|.###."},
    {'P', "####.|#...#|#...#|####.|#....|#....|#...."},
    {'Q', ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#"},
    {'R', "####.|#...#|#...#|####.|#.#..|#..#.|#...#"},
    {'S', ".####|#....|#....|.###.|....#|....#|####."},
    {'T', "#####|..#..|..#..|..#..|..#..|..#..|..#.."},
    {'U', "#...#|#...#|#...#|#...#|#...#|#...#|.###."},
    {'V', "#...#|#...#|#...#|#...#|#...#|.#.#.|..#.."},
    {'W', "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#."},
    {'X', "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#"},
    {'Y', "#...#|#...#|.#.#.|..#..|..#..|..#..|..#.."},
    {'Z', "#####|....#|...#.|..#..|.#...|#....|#####"},
    {'.', ".....|.....|.....|.....|.....|.##..|.##.."},
    {'-', ".....|.....|.....|#####|.....|.....|....."},
    {':', ".....|.##..|.##..|.....|.##..|.##..|....."},
    {'%', "##...|##..#|...#.|..#..|.#...|#..##|...##"},
    {'/', ".....|....#|...#.|..#..|.#...|#....|....."},
    {'(', "...#.|..#..|.#...|.#...|.#...|..#..|...#."},
    {')', ".#...|..#..|...#.|...#.|...#.|..#..|.#..."},
    {'=', ".....|.....|#####|.....|#####|.....|....."},
    {',', ".....|.....|.....|.....|.##..|..#..|.#..."},
    {'+', ".....|..#..|..#..|#####|..#..|..#..|....."},
    {'_', ".....|.....|.....|.....|.....|.....|#####"},
    {'e', ".....|.....|.###.|#...#|#####|#....|.###."},
};

// Draws text with its top-left corner at (x, y), each font pixel a scale x scale square.
void draw_text(Image& image, int x, int y, const std::string& text, Color color,
               int scale = 1) {
    for (char raw : text) {
        // Lower case prints as upper case, except 'e', kept small so 1e-3 reads as a number.
        char c = raw == 'e' ? 'e' : char(std::toupper(static_cast<unsigned char>(raw)));
        for (const Glyph& g : font) {
            if (g.c != c) continue;
            for (int row = 0; row < 7; ++row) {
                for (int col = 0; col < 5; ++col) {
                    if (g.rows[row * 6 + col] != '#') continue;
                    for (int k = 0; k < scale * scale; ++k) {
                        image.set(x + col * scale + k % scale, y + row * scale + k / scale,
                                  color);
                    }
                }
            }
        }
        x += 6 * scale;
    }
}

void fill_rect(Image& image, int x0, int y0, int x1, int y1, Color c) {
    for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) image.set(x, y, c);
    }
}

// A straight line by stepping along its longer axis.
void draw_line(Image& image, double x0, double y0, double x1, double y1, Color c) {
    int steps = int(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
        double t = double(i) / steps;
        image.set(int(std::lround(x0 + t * (x1 - x0))), int(std::lround(y0 + t * (y1 - y0))),
                  c);
    }
}

void draw_disc(Image& image, int cx, int cy, int radius, Color fill, Color outline) {
    for (int dy = -radius - 1; dy <= radius + 1; ++dy) {
        for (int dx = -radius - 1; dx <= radius + 1; ++dx) {
            double d = std::sqrt(double(dx * dx + dy * dy));
            if (d <= radius - 0.5) image.set(cx + dx, cy + dy, fill);
            else if (d <= radius + 0.7) image.set(cx + dx, cy + dy, outline);
        }
    }
}

// The square region of the plane a picture shows: the data plus a margin.
struct View {
    double x_min, y_min, span;
};

View view_of(const Dataset& data) {
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (const Point& p : data) {
        x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    }
    double span = std::max(x1 - x0, y1 - y0) * 1.15 + 0.1;
    return {(x0 + x1 - span) / 2, (y0 + y1 - span) / 2, span};
}

// Class probabilities for one point of the plane, from the network's outputs. A single
// output is a score whose sign decides; sigmoid turns it into a confidence.
std::vector<double> class_probabilities(DenseMLP& net, Loss loss, double x, double y) {
    const std::vector<double>& out = dense_forward(net, {x, y});
    if (out.size() == 1) {
        double score = loss == Loss::MeanSquaredError ? 4 * (out[0] - 0.5) : out[0];
        double p1 = 1.0 / (1.0 + std::exp(-score));
        return {1 - p1, p1};
    }
    return softmax(out);
}

// The plane coloured by predicted class, paler where the network is less sure, the class
// boundary drawn dark, training points as filled discs and test points as rings.
Image draw_boundary(DenseMLP& net, Loss loss, const Dataset& train_set, const Dataset& test_set,
                    const View& view, int size) {
    Image image(size, size, white);
    std::vector<int> predicted(size_t(size) * size);
    for (int py = 0; py < size; ++py) {
        for (int px = 0; px < size; ++px) {
            double x = view.x_min + view.span * (px + 0.5) / size;
            double y = view.y_min + view.span * (1.0 - (py + 0.5) / size);
            std::vector<double> p = class_probabilities(net, loss, x, y);
            int c = int(std::max_element(p.begin(), p.end()) - p.begin());
            predicted[size_t(py) * size + px] = c;
            double confidence = (p[c] - 1.0 / p.size()) / (1.0 - 1.0 / p.size());  // 0..1
            image.set(px, py, mix(white, class_colors[c], 0.15 + 0.45 * confidence));
        }
    }
    for (int py = 0; py + 1 < size; ++py) {
        for (int px = 0; px + 1 < size; ++px) {
            int c = predicted[size_t(py) * size + px];
            bool edge = c != predicted[size_t(py) * size + px + 1] ||
                        c != predicted[size_t(py + 1) * size + px];
            if (edge) image.set(px, py, dark);
        }
    }
    int radius = std::max(2, size / 130);
    auto to_pixel = [&](const Point& p, int& px, int& py) {
        px = int((p.x - view.x_min) / view.span * size);
        py = int((1.0 - (p.y - view.y_min) / view.span) * size);
    };
    for (const Point& p : test_set) {
        int px, py;
        to_pixel(p, px, py);
        draw_disc(image, px, py, radius, white, class_colors[p.label]);
    }
    for (const Point& p : train_set) {
        int px, py;
        to_pixel(p, px, py);
        draw_disc(image, px, py, radius, class_colors[p.label], black);
    }
    return image;
}

// Copies `tile` into `image` with its top-left corner at (x0, y0).
void paste(Image& image, const Image& tile, int x0, int y0) {
    for (int y = 0; y < tile.height; ++y) {
        for (int x = 0; x < tile.width; ++x)
            image.set(x0 + x, y0 + y, tile.pixels[size_t(y) * tile.width + x]);
    }
}

// A line chart: one or more series over epochs 0..n, on a linear or log-10 y axis.
struct Series {
    std::string name;
    Color color;
    std::vector<double> values;  // values[epoch]
};

std::string short_number(double v) {
    char buf[32];
    if (v != 0 && (std::fabs(v) < 0.01 || std::fabs(v) >= 10000))
        std::snprintf(buf, sizeof buf, "%.0e", v);
    else std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void draw_chart(Image& image, int x0, int y0, int w, int h, const std::string& title,
                const std::vector<Series>& series, bool log_y) {
    double lo = 1e300, hi = -1e300;
    size_t n = 1;
    for (const Series& s : series) {
        n = std::max(n, s.values.size());
        for (double v : s.values) {
            if (!std::isfinite(v) || (log_y && v <= 0)) continue;
            lo = std::min(lo, v), hi = std::max(hi, v);
        }
    }
    if (log_y) {
        // Whole decades around the data: at least one, at most twelve (a loss of 1e-300
        // would otherwise ask for 300 gridlines), and one when there is nothing to show.
        double top = lo > hi ? 0 : std::ceil(std::log10(hi));
        double bottom = lo > hi ? -1 : std::floor(std::log10(lo));
        bottom = std::min(top - 1, std::max(bottom, top - 12));
        lo = std::pow(10, bottom), hi = std::pow(10, top);
    } else {
        lo = 0, hi = 100;  // the linear charts here show percentages
    }
    auto y_of = [&](double v) {
        double t = log_y ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
        return y0 + h - std::min(1.0, std::max(0.0, t)) * h;  // below the axis: on it
    };
    auto x_of = [&](double epoch) { return x0 + epoch / std::max<double>(1, n - 1) * w; };
    draw_text(image, x0, y0 - 22, title, black, 2);
    // Gridlines and tick labels: powers of ten on a log axis, fifths on a linear one.
    std::vector<double> ticks;
    if (log_y) {
        for (double v = lo; v <= hi * 1.0001; v *= 10) ticks.push_back(v);
    } else {
        for (int k = 0; k <= 5; ++k) ticks.push_back(lo + (hi - lo) * k / 5);
    }
    for (double v : ticks) {
        draw_line(image, x0, y_of(v), x0 + w, y_of(v), grey);
        std::string label = short_number(v);
        draw_text(image, x0 - 6 * int(label.size()) - 4, int(y_of(v)) - 3, label, black);
    }
    for (int k = 0; k <= 5; ++k) {
        double epoch = std::round((n - 1) * k / 5.0);
        draw_line(image, x_of(epoch), y0, x_of(epoch), y0 + h, grey);
        std::string label = short_number(epoch);
        draw_text(image, int(x_of(epoch)) - 3 * int(label.size()), y0 + h + 5, label, black);
    }
    draw_text(image, x0 + w - 30, y0 + h + 15, "EPOCH", black);
    draw_line(image, x0, y0 + h, x0 + w, y0 + h, black);
    draw_line(image, x0, y0, x0, y0 + h, black);
    for (size_t i = 0; i < series.size(); ++i) {
        const Series& s = series[i];
        for (size_t e = 1; e < s.values.size(); ++e) {
            double a = s.values[e - 1], b = s.values[e];
            if (!std::isfinite(a) || !std::isfinite(b) || (log_y && (a <= 0 || b <= 0)))
                continue;
            draw_line(image, x_of(e - 1), y_of(a), x_of(e), y_of(b), s.color);
            draw_line(image, x_of(e - 1), y_of(a) + 1, x_of(e), y_of(b) + 1, s.color);
        }
        int ly = y0 + 8 + 14 * int(i);  // the legend, top right
        fill_rect(image, x0 + w - 150, ly, x0 + w - 136, ly + 7, s.color);
        draw_text(image, x0 + w - 130, ly, s.name, black);
    }
}

// ---------------------------------------------------------------------------------------
// 12. Logs: results.csv and one CSV per training run
// ---------------------------------------------------------------------------------------
// Plain text any spreadsheet opens. No timings go in files: the same seed must give the
// same files, byte for byte.

std::string out_dir = "plots";  // set by --out
FILE* console = stdout;         // where experiments print; the tests silence it

FILE* open_for_writing(const std::string& path, const char* mode) {
    FILE* f = std::fopen(path.c_str(), mode);
    if (!f) fatal("cannot write " + path + ": " + std::strerror(errno));
    return f;
}

void start_results_file() {
    FILE* f = open_for_writing(out_dir + "/results.csv", "w");
    std::fprintf(f, "experiment,architecture,activation,optimizer,seed,epochs_run,stop_reason,"
                    "train_loss,val_loss,train_acc,val_acc,test_acc\n");
    std::fclose(f);
}

// Opens a per-run log and writes its header. Rows are added (and flushed) as training
// goes, so an interrupted run keeps the log of the epochs it finished.
FILE* start_epoch_log(const std::string& name) {
    FILE* f = open_for_writing(out_dir + "/" + name + ".csv", "w");
    std::fprintf(f, "epoch,train_loss,val_loss,train_acc,val_acc,learning_rate\n");
    return f;
}

void log_epoch(FILE* f, const EpochStats& s) {
    std::fprintf(f, "%d,%.6g,%.6g,%.4f,%.4f,%.6g\n", s.epoch, s.train_loss, s.val_loss,
                 s.train_acc, s.val_acc, s.learning_rate);
    std::fflush(f);
}

// ---------------------------------------------------------------------------------------
// 13. Live view: the boundary redrawn in the terminal while the network trains
// ---------------------------------------------------------------------------------------
// With --live, every few epochs: the decision boundary in ANSI colours (the character
// "upper half block" with a foreground and a background colour shows two pixels per cell),
// a sparkline of the training loss, and the current figures.

extern "C" int isatty(int fd);  // POSIX; declared here so that no non-standard header is needed

bool stdout_is_terminal() { return isatty(1) != 0; }

void draw_live(DenseMLP& net, Loss loss, const View& view,
               const std::vector<EpochStats>& history) {
    const int cols = 56, rows = 28;  // 56 x 56 pixels
    std::string screen = "\x1b[H";   // cursor to the top-left corner
    const char* bars[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                          "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
    auto pixel = [&](int px, int py) {
        double x = view.x_min + view.span * (px + 0.5) / cols;
        double y = view.y_min + view.span * (1.0 - (py + 0.5) / (2.0 * rows));
        std::vector<double> p = class_probabilities(net, loss, x, y);
        int c = int(std::max_element(p.begin(), p.end()) - p.begin());
        return mix(white, class_colors[c], 0.3 + 0.7 * p[c]);
    };
    for (int row = 0; row < rows; ++row) {
        for (int col = 0; col < cols; ++col) {
            Color up = pixel(col, 2 * row), down = pixel(col, 2 * row + 1);
            char cell[64];
            std::snprintf(cell, sizeof cell,
                          "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm\xe2\x96\x80", up.r, up.g,
                          up.b, down.r, down.g, down.b);
            screen += cell;
        }
        screen += "\x1b[0m  ";
        const EpochStats& s = history.back();
        char text[128] = "";
        if (row == 1) std::snprintf(text, sizeof text, "epoch %d", s.epoch);
        if (row == 3)
            std::snprintf(text, sizeof text, "train loss %.4f  acc %.1f%%", s.train_loss,
                          100 * s.train_acc);
        if (row == 4 && std::isfinite(s.val_loss)) {
            std::snprintf(text, sizeof text, "val   loss %.4f  acc %.1f%%", s.val_loss,
                          100 * s.val_acc);
        }
        screen += text;
        if (row == 6) {  // the last 40 training losses, scaled between their min and max
            size_t from = history.size() > 40 ? history.size() - 40 : 0;
            double lo = 1e300, hi = -1e300;
            for (size_t i = from; i < history.size(); ++i) {
                lo = std::min(lo, history[i].train_loss),
                hi = std::max(hi, history[i].train_loss);
            }
            for (size_t i = from; i < history.size(); ++i) {
                double t = hi > lo ? (history[i].train_loss - lo) / (hi - lo) : 0;
                screen += bars[std::min(7, int(t * 8))];
            }
        }
        screen += "\x1b[K\n";
    }
    std::fputs(screen.c_str(), stdout);
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------
// 14. Experiments: what `./nn` runs
// ---------------------------------------------------------------------------------------

// The chain rule made visible: one tanh neuron with two inputs, built from + and *, every
// node printed with its value and gradient, and every edge with its local derivative and
// what it passed back (local * the child's grad). Each number can be checked by hand.
void print_graph_demo() {
    size_t keep = graph.nodes.size();
    std::vector<std::pair<Value, const char*>> named;
    auto name = [&](Value v, const char* label) {
        named.push_back({v, label});
        return v;
    };
    Value x1 = name(1.5, "x1"), w1 = name(0.8, "w1");
    Value x2 = name(-0.5, "x2"), w2 = name(-1.2, "w2");
    Value b = name(0.1, "b");
    Value x1w1 = name(x1 * w1, "x1*w1");
    Value x2w2 = name(x2 * w2, "x2*w2");
    Value sum = name(x1w1 + x2w2, "x1w1+x2w2");
    Value z = name(sum + b, "z");
    Value out = name(tanh(z), "out");
    out.backward();
    auto label = [&](int id) {
        for (auto& [v, text] : named) {
            if (v.id == id) return text;
        }
        return "?";
    };
    std::fprintf(console, "out = tanh(x1*w1 + x2*w2 + b), from the last node to the first.\n");
    std::fprintf(console,
                 "Each edge adds local * (its child's grad) to its parent's grad.\n\n");
    for (int i = int(graph.nodes.size()) - 1; i >= int(keep); --i) {
        const Node& n = graph.nodes[i];
        std::fprintf(console, "%-9s %-5s data=%9.6f  grad=%9.6f\n", label(i), n.op, n.data,
                     n.grad);
        for (int e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
            const Edge& edge = graph.edges[e];
            std::fprintf(console, "    edge to %-9s local=%9.6f  local*grad=%9.6f\n",
                         label(edge.parent), edge.local, edge.local * n.grad);
        }
    }
    graph_truncate(keep);
}

// The benchmark: the nnfs spiral (3 x 100 points, noise 0.2), MLP 2-16-16-3
// tanh, softmax cross-entropy, one epoch = 300 single-point steps of momentum SGD. The same
// epoch is timed on the graph and with the hand-written backprop of section 6.
double milliseconds_since(std::chrono::steady_clock::time_point start) {
    std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - start;
    return d.count();
}

double graph_epoch_ms(const MLP& model, const Dataset& data, size_t& nodes_per_sample) {
    std::vector<Value> params = model.parameters();
    Optimizer opt;
    opt.learning_rate = 0.01;
    size_t before = graph.nodes.size();
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < int(data.size()); ++i) {
        train_step(model, params, data, {i}, Loss::SoftmaxCrossEntropy, 0.0, opt);
    }
    double ms = milliseconds_since(start);
    point_loss(forward(model, data[0]), data[0].label, Loss::SoftmaxCrossEntropy);
    nodes_per_sample = graph.nodes.size() - before;
    graph_truncate(before);
    return ms;
}

double dense_epoch_ms(DenseMLP& net, const Dataset& data) {
    std::vector<std::vector<double>> vw, vb;  // momentum velocities, per layer
    for (const DenseLayer& L : net.layers) {
        vw.emplace_back(L.w.size(), 0.0);
        vb.emplace_back(L.b.size(), 0.0);
    }
    std::vector<double> g;
    auto start = std::chrono::steady_clock::now();
    for (const Point& p : data) {
        dense_softmax_cross_entropy(dense_forward(net, {p.x, p.y}), p.label, g);
        dense_backward(net, g);
        for (size_t l = 0; l < net.layers.size(); ++l) {
            DenseLayer& L = net.layers[l];
            for (size_t i = 0; i < L.w.size(); ++i) {
                vw[l][i] = 0.9 * vw[l][i] - 0.01 * L.grad_w[i];
                L.w[i] += vw[l][i];
            }
            for (size_t i = 0; i < L.b.size(); ++i) {
                vb[l][i] = 0.9 * vb[l][i] - 0.01 * L.grad_b[i];
                L.b[i] += vb[l][i];
            }
        }
    }
    return milliseconds_since(start);
}

// Prints the fastest of 500 epochs of each kind, taken in turns (about a second). On a
// shared machine other work slows every loop, the hand-written one too, for tens of
// milliseconds at a time (by up to 2x on ours). The fastest epoch is what the code itself
// costs; a median would partly measure the neighbours.
void run_bench() {
    Dataset data = spiral(100, 3, 0.2, 1);
    MLP model(2, {16, 16, 3}, Activation::Tanh, 1);
    DenseMLP net = dense_copy(model);
    double x = 1e300, y = 1e300;
    size_t nodes_per_sample = 0;
    for (int rep = 0; rep < 500; ++rep) {
        x = std::min(x, graph_epoch_ms(model, data, nodes_per_sample));
        y = std::min(y, dense_epoch_ms(net, data));
    }
    std::fprintf(
        console,
        "bench spiral_epoch_ms=%.3f dense_epoch_ms=%.3f ratio=%.2f nodes_per_sample=%zu\n", x,
        y, x / y, nodes_per_sample);
}

// Each experiment's settings, all in one place. Command-line flags change them afterwards.

// XOR: four points, so every step sees all of them (full batch). Squared error on a linear
// output is the loss here: with binary cross-entropy, 2-2-1 tanh networks stall in a local
// minimum with two points at p = 0.5 in 20 of 50 seeds; with squared error, in 2.
TrainConfig xor_settings() {
    TrainConfig cfg;
    cfg.hidden = {2};
    cfg.loss = Loss::MeanSquaredError;
    cfg.learning_rate = 0.3;
    cfg.momentum = 0.7;
    cfg.batch_size = 0;
    cfg.max_epochs = 2000;
    cfg.target_loss = 0.01;  // every output within about 0.1 of its target
    return cfg;
}

// The spiral: 3 arms of 300 points; a fifth of them held out for validation (early
// stopping). The test set is a fresh spiral of 3 x 1000 points from another seed: with
// 900 points a 1-point change in accuracy would be within sampling noise (one standard
// error is about 1.1 points); with 3000 it is about 0.6. With 100 points an arm no method
// generalises well: a nearest-neighbour vote on them scores about 79% on fresh data.
const int spiral_points_per_arm = 300;
const int spiral_test_points_per_arm = 1000;

TrainConfig spiral_settings() {
    TrainConfig cfg;
    cfg.hidden = {32, 32};
    cfg.act = Activation::ReLU;
    cfg.optimizer = OptimizerKind::Adam;
    cfg.learning_rate = 0.01;
    cfg.final_learning_rate = 0.0005;  // large steps to find the arms, small ones to settle
    cfg.batch_size = 16;
    cfg.max_epochs = 150;
    cfg.patience = 40;
    return cfg;
}

// What momentum buys: the spiral's network and seed, trained with SGD for a fixed budget
// (40 epochs of mini-batches of 16), once with momentum and once without.
TrainConfig momentum_comparison_settings() {
    TrainConfig cfg = spiral_settings();
    cfg.optimizer = OptimizerKind::SGD;
    cfg.learning_rate = 0.02;
    cfg.final_learning_rate = -1;
    cfg.max_epochs = 40;
    return cfg;
}

// Two moons as in micrograd's demo: 2-16-16-1 relu, hinge loss plus 1e-4 L2, plain
// gradient descent on all 100 points with the learning rate going from 1.0 to 0.1.
TrainConfig moons_settings() {
    TrainConfig cfg;
    cfg.hidden = {16, 16};
    cfg.act = Activation::ReLU;
    cfg.loss = Loss::Hinge;
    cfg.learning_rate = 1.0;
    cfg.final_learning_rate = 0.1;
    cfg.momentum = 0.0;
    cfg.l2 = 1e-4;
    cfg.batch_size = 0;
    cfg.max_epochs = 100;
    cfg.seed = 2;  // seeds 1 to 5 reach 98, 100, 100, 94, 95%: 100 steps are few
    return cfg;
}

struct Options {
    std::string command = "all";
    bool live = false;
    std::vector<std::function<void(TrainConfig&)>> overrides;  // one per flag given
    bool overrides_hidden = false, overrides_act = false;
};

TrainConfig with_overrides(TrainConfig cfg, const Options& opts) {
    for (const auto& apply : opts.overrides) apply(cfg);
    return cfg;
}

std::vector<int> layer_sizes(const TrainConfig& cfg, int n_outputs) {
    std::vector<int> sizes = cfg.hidden;
    sizes.push_back(n_outputs);
    return sizes;
}

std::string architecture(const std::vector<int>& sizes) {
    std::string name = "2";
    for (int n : sizes) name += "-" + std::to_string(n);
    return name;
}

int diverged_runs = 0;  // main exits with status 1 if any run diverged

struct RunOutcome {
    TrainResult result;
    Evaluation train, val, test;
};

// Trains one model and records it: a row in results.csv and, if log_name is not empty, a
// CSV log with one row per epoch. `watch` sees every epoch too (progress, snapshots).
RunOutcome run(const std::string& experiment, const MLP& model, const TrainConfig& cfg,
               const Dataset& train_set, const Dataset& val_set, const Dataset& test_set,
               const std::string& log_name, const EpochHook& watch) {
    FILE* log = log_name.empty() ? nullptr : start_epoch_log(log_name);
    TrainResult result =
        train(model, train_set, val_set, cfg, [&](const EpochStats& s, const MLP& m) {
            if (log) log_epoch(log, s);
            if (watch) watch(s, m);
        });
    if (log) std::fclose(log);
    if (result.stop == StopReason::Diverged) ++diverged_runs;
    RunOutcome out{result, evaluate(model, train_set, cfg.loss),
                   evaluate(model, val_set, cfg.loss), evaluate(model, test_set, cfg.loss)};
    std::vector<int> sizes;
    for (const Layer& layer : model.layers) sizes.push_back(int(layer.neurons.size()));
    FILE* f = open_for_writing(out_dir + "/results.csv", "a");
    std::fprintf(f, "%s,%s,%s,%s,%llu,%d,%s,%.6g,%.6g,%.4f,%.4f,%.4f\n", experiment.c_str(),
                 architecture(sizes).c_str(), activation_name(cfg.act),
                 cfg.optimizer == OptimizerKind::SGD ? "sgd" : "adam",
                 (unsigned long long)cfg.seed, int(result.history.size()) - 1,
                 stop_reason_name(result.stop), out.train.loss, out.val.loss,
                 out.train.accuracy, out.val.accuracy, out.test.accuracy);
    std::fclose(f);
    return out;
}

// A diverged run has no results worth reading; say where it went wrong and what to try.
void report_divergence(const std::string& what, const TrainConfig& cfg, const TrainResult& r) {
    if (r.stop != StopReason::Diverged) return;
    std::fflush(console);  // so the message appears after the progress that led to it
    std::fprintf(stderr,
                 "nn: %s diverged in epoch %d (the loss became %g); kept the weights of "
                 "epoch %d. Try a smaller learning rate than %g (--lr).\n",
                 what.c_str(), r.history.back().epoch, r.history.back().train_loss,
                 r.best_epoch, cfg.learning_rate);
}

void print_progress(const EpochStats& s) {
    std::fprintf(console, "  epoch %4d  train loss %.4f acc %5.1f%%", s.epoch, s.train_loss,
                 100 * s.train_acc);
    if (std::isfinite(s.val_loss))
        std::fprintf(console, "  val loss %.4f acc %5.1f%%", s.val_loss, 100 * s.val_acc);
    std::fprintf(console, "\n");
}

// Why an XOR run failed, read off its hidden units on the four points: a relu unit that
// outputs 0 for all of them is dead (its gradient is 0, so it never recovers); a tanh or
// sigmoid unit whose slope is nearly 0 on all of them is saturated; otherwise the run sits
// on a plateau where the gradient is too small to make progress.
std::string failure_cause(const MLP& model, const Dataset& data) {
    DenseMLP net = dense_copy(model);
    std::vector<bool> stuck(net.layers[0].n_out, true);
    for (const Point& p : data) {
        dense_forward(net, {p.x, p.y});
        for (int j = 0; j < net.layers[0].n_out; ++j) {
            double slope = dense_slope(net.layers[0].out[j], net.act);
            if (slope > 0.02) stuck[j] = false;
        }
    }
    if (std::count(stuck.begin(), stuck.end(), true) == 0) return "plateau";
    return net.act == Activation::ReLU ? "dead relu unit" : "saturated unit";
}

// A boundary picture of a trained model, with the training (and test) points on top.
void save_boundary(const MLP& model, Loss loss, const Dataset& train_set,
                   const Dataset& test_set, const std::string& name) {
    DenseMLP net = dense_copy(model);
    Dataset all = train_set;
    all.insert(all.end(), test_set.begin(), test_set.end());
    write_ppm(draw_boundary(net, loss, train_set, test_set, view_of(all), 400),
              out_dir + "/" + name);
}

double median(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The XOR architecture study: 2-2-1, 2-3-1 and 2-2-2-1, each with tanh, sigmoid and relu,
// each from 50 seeds. The first seed's tanh run of each architecture is drawn.
void run_xor_study(const Options& opts) {
    TrainConfig base = with_overrides(xor_settings(), opts);
    std::vector<std::vector<int>> hiddens = {{2}, {3}, {2, 2}};
    if (opts.overrides_hidden) hiddens = {base.hidden};
    std::vector<Activation> acts = {Activation::Tanh, Activation::Sigmoid, Activation::ReLU};
    if (opts.overrides_act) acts = {base.act};
    const int seeds = 50;
    Dataset data = xor_data();
    std::fprintf(console,
                 "XOR: %d seeds per row; %s, %s, lr %g, momentum %g; stop at loss < %g or %d "
                 "epochs\n",
                 seeds, loss_name(base.loss),
                 base.batch_size == 0 ? "full batch" : "mini-batch", base.learning_rate,
                 base.momentum, base.target_loss, base.max_epochs);
    std::fprintf(console, "  %-8s %-8s %8s %15s %18s  %s\n", "network", "act", "solved",
                 "median epochs", "median final loss", "failures (cause)");
    std::vector<Series> curves;
    for (const std::vector<int>& hidden : hiddens) {
        for (Activation act : acts) {
            TrainConfig cfg = base;
            cfg.hidden = hidden;
            cfg.act = act;
            std::string arch = architecture(layer_sizes(cfg, 1));
            std::vector<double> epochs_to_solve, final_losses;
            std::vector<std::string> causes;
            TrainResult first_divergence;
            uint64_t first_divergence_seed = 0;
            for (int k = 0; k < seeds && !stop_requested; ++k) {
                cfg.seed = base.seed + uint64_t(k);
                size_t keep = graph.nodes.size();
                MLP model(2, layer_sizes(cfg, 1), act, cfg.seed);
                bool first = k == 0;
                std::string log = first ? "xor_" + arch + "_" + activation_name(act) : "";
                RunOutcome r = run("xor", model, cfg, data, {}, {}, log, nullptr);
                final_losses.push_back(r.train.loss);
                for (const EpochStats& s : r.result.history) {
                    if (s.train_acc == 1.0) {
                        epochs_to_solve.push_back(s.epoch);
                        break;
                    }
                }
                if (r.result.stop == StopReason::Diverged) {
                    if (first_divergence.history.empty()) {
                        first_divergence = r.result;
                        first_divergence_seed = cfg.seed;
                    }
                    causes.push_back("diverged");
                } else if (r.train.accuracy < 1.0) {
                    causes.push_back(failure_cause(model, data));
                }
                if (first && act == Activation::Tanh) {
                    save_boundary(model, cfg.loss, data, {}, "xor_" + arch + "_boundary.ppm");
                    Series curve{arch, class_colors[curves.size() % 4], {}};
                    for (const EpochStats& s : r.result.history)
                        curve.values.push_back(s.train_loss);
                    curves.push_back(curve);
                }
                graph_truncate(keep);  // this model is done with: drop its weights too
            }
            int runs = int(final_losses.size());  // fewer than `seeds` after Ctrl-C
            if (runs == 0) break;
            int solved = runs - int(causes.size());
            std::string why;
            for (const char* cause :
                 {"plateau", "saturated unit", "dead relu unit", "diverged"}) {
                int n = int(std::count(causes.begin(), causes.end(), cause));
                if (n > 0) why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + cause;
            }
            std::string epochs = epochs_to_solve.empty()
                                     ? "-"
                                     : std::to_string(int(median(epochs_to_solve)));
            std::fprintf(console, "  %-8s %-8s %7.0f%% %15s %18.4g  %s\n", arch.c_str(),
                         activation_name(act), 100.0 * solved / runs, epochs.c_str(),
                         median(final_losses), why.empty() ? "-" : why.c_str());
            int n_diverged = int(std::count(causes.begin(), causes.end(), "diverged"));
            report_divergence("XOR " + arch + " " + activation_name(act) + " seed " +
                                  std::to_string(first_divergence_seed) + " (one of " +
                                  std::to_string(n_diverged) + " seeds that did)",
                              cfg, first_divergence);
        }
    }
    if (!curves.empty()) {
        Image chart(720, 420, white);
        draw_chart(chart, 70, 40, 620, 330, "XOR TRAINING LOSS (TANH, FIRST SEED)", curves,
                   true);
        write_ppm(chart, out_dir + "/xor_loss.ppm");
    }
}

// `count` epochs from 0 to `last`, spaced evenly on a log scale: the boundary changes most
// at the start, so early epochs deserve more snapshots.
std::vector<int> snapshot_epochs(int last, int count) {
    std::vector<int> epochs = {0};
    for (int k = 1; k < count; ++k) {
        int e = int(std::lround(std::pow(double(last), double(k) / (count - 1))));
        epochs.push_back(std::min(last, std::max(e, epochs.back() + 1)));
    }
    epochs.erase(std::unique(epochs.begin(), epochs.end()), epochs.end());
    return epochs;
}

// The boundary as it formed: one labelled tile per snapshot in a grid, and each snapshot
// as its own numbered frame in plots/frames/ for those who want an animation. The epoch
// whose weights early stopping kept is always among them, marked KEPT.
void save_evolution(const MLP& model, Loss loss, const Dataset& train_set, const View& view,
                    const std::vector<std::vector<double>>& params_by_epoch, int kept_epoch) {
    std::vector<Value> params = model.parameters();
    std::vector<double> final_params = snapshot(params);
    std::vector<int> epochs = snapshot_epochs(int(params_by_epoch.size()) - 1, 12);
    bool kept_shown = std::count(epochs.begin(), epochs.end(), kept_epoch) > 0;
    if (!kept_shown && epochs.size() > 2) {  // it replaces the snapshot nearest to it
        auto closer = [&](int a, int b) {
            return std::abs(a - kept_epoch) < std::abs(b - kept_epoch);
        };
        *std::min_element(epochs.begin() + 1, epochs.end() - 1, closer) = kept_epoch;
    }
    // Frames left by an earlier run with more snapshots would pass for part of this one.
    std::error_code error;
    for (const auto& file : std::filesystem::directory_iterator(out_dir + "/frames", error)) {
        if (file.path().filename().string().rfind("spiral_", 0) == 0)
            std::filesystem::remove(file.path(), error);
    }
    const int tile = 200, columns = 4, label_height = 20;
    int rows = (int(epochs.size()) + columns - 1) / columns;
    Image grid(columns * tile, rows * (tile + label_height), white);
    for (size_t k = 0; k < epochs.size(); ++k) {
        restore(params, params_by_epoch[epochs[k]]);
        DenseMLP net = dense_copy(model);
        std::string label = "EPOCH " + std::to_string(epochs[k]);
        if (epochs[k] == kept_epoch) label += " KEPT";
        int x0 = int(k % columns) * tile, y0 = int(k / columns) * (tile + label_height);
        Image frame = draw_boundary(net, loss, train_set, {}, view, tile);
        paste(grid, frame, x0, y0 + label_height);
        draw_text(grid, x0 + 6, y0 + 4, label, black, 2);
        draw_text(frame, 6, 6, label, black, 2);
        char name[64];
        std::snprintf(name, sizeof name, "/frames/spiral_%02d.ppm", int(k));
        write_ppm(frame, out_dir + name);
    }
    restore(params, final_params);
    write_ppm(grid, out_dir + "/spiral_evolution.ppm");
}

// Loss (log scale) above, accuracy below, training and validation, one epoch per step.
void save_loss_curves(const std::vector<EpochStats>& history, const std::string& title,
                      const std::string& name) {
    Series train_loss{"TRAINING", class_colors[1], {}},
        val_loss{"VALIDATION", class_colors[0], {}};
    Series train_acc = train_loss, val_acc = val_loss;
    for (const EpochStats& s : history) {
        train_loss.values.push_back(s.train_loss);
        val_loss.values.push_back(s.val_loss);
        train_acc.values.push_back(100 * s.train_acc);
        val_acc.values.push_back(100 * s.val_acc);
    }
    Image image(720, 720, white);
    draw_chart(image, 70, 40, 620, 280, title + " LOSS", {train_loss, val_loss}, true);
    draw_chart(image, 70, 400, 620, 260, title + " ACCURACY %", {train_acc, val_acc}, false);
    write_ppm(image, out_dir + "/" + name);
}

// The model's boundary as letters, one per class, capital where a training point lies.
void print_ascii_boundary(const MLP& model, Loss loss, const Dataset& train_set,
                          const View& view) {
    const int cols = 64, rows = 32;
    DenseMLP net = dense_copy(model);
    std::vector<std::string> lines(rows, std::string(cols, ' '));
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            double x = view.x_min + view.span * (c + 0.5) / cols;
            double y = view.y_min + view.span * (1.0 - (r + 0.5) / rows);
            std::vector<double> p = class_probabilities(net, loss, x, y);
            lines[r][c] = char('a' + (std::max_element(p.begin(), p.end()) - p.begin()));
        }
    }
    for (const Point& p : train_set) {
        int c = int((p.x - view.x_min) / view.span * cols);
        int r = int((1.0 - (p.y - view.y_min) / view.span) * rows);
        if (r >= 0 && r < rows && c >= 0 && c < cols) lines[r][c] = char('A' + p.label);
    }
    for (const std::string& line : lines) std::fprintf(console, "  %s\n", line.c_str());
}

void print_sample_predictions(const MLP& model, const Dataset& test_set) {
    std::fprintf(console,
                 "Sample predictions on test points (class probabilities from softmax):\n");
    for (size_t i = test_set.size() / 12; i < test_set.size(); i += test_set.size() / 6) {
        const Point& p = test_set[i];
        size_t keep = graph.nodes.size();
        std::vector<double> prob = softmax(data_of(forward(model, p)));
        graph_truncate(keep);
        int guess = int(std::max_element(prob.begin(), prob.end()) - prob.begin());
        std::fprintf(console, "  (% .3f, % .3f) class %d -> predicted %d  p = [", p.x, p.y,
                     p.label, guess);
        for (size_t c = 0; c < prob.size(); ++c)
            std::fprintf(console, "%s%.3f", c ? ", " : "", prob[c]);
        std::fprintf(console, "]\n");
    }
}

void print_outcome(const char* name, const RunOutcome& r) {
    std::fprintf(console, "%s: stopped after %d epochs (%s), weights from epoch %d\n", name,
                 int(r.result.history.size()) - 1, stop_reason_name(r.result.stop),
                 r.result.best_epoch);
    std::fprintf(console, "  train %.1f%% (loss %.4f)", 100 * r.train.accuracy, r.train.loss);
    if (std::isfinite(r.val.loss))
        std::fprintf(console, "   validation %.1f%% (loss %.4f)", 100 * r.val.accuracy,
                     r.val.loss);
    std::fprintf(console, "   test %.1f%% (loss %.4f)\n", 100 * r.test.accuracy, r.test.loss);
    // What early stopping saved us from: the last epoch fitted the training points better
    // and the validation points worse.
    const EpochStats& last = r.result.history.back();
    if (last.epoch != r.result.best_epoch && std::isfinite(last.val_loss))
        std::fprintf(console,
                     "  the last epoch, %d: train %.1f%% (loss %.4f)   validation %.1f%% "
                     "(loss %.4f)\n",
                     last.epoch, 100 * last.train_acc, last.train_loss, 100 * last.val_acc,
                     last.val_loss);
}

struct SpiralData {
    Dataset train, val, test;
};

SpiralData spiral_data(uint64_t seed) {
    SpiralData d;
    d.train = spiral(spiral_points_per_arm, 3, 0.2, seed);
    Rng split_rng{seed + 1};
    d.val = split_off(d.train, 0.2, split_rng);
    d.test = spiral(spiral_test_points_per_arm, 3, 0.2, seed + 1000);  // never trained on
    return d;
}

void run_spiral(const Options& opts) {
    TrainConfig cfg = with_overrides(spiral_settings(), opts);
    SpiralData data = spiral_data(cfg.seed);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
    std::string arch = architecture(layer_sizes(cfg, 3));
    std::fprintf(console, "Spiral: %zu training, %zu validation, %zu test points; %s %s, %s\n",
                data.train.size(), data.val.size(), data.test.size(), arch.c_str(),
                activation_name(cfg.act), cfg.optimizer == OptimizerKind::SGD ? "SGD" : "Adam");
    View view = view_of(data.train);
    std::vector<std::vector<double>> params_by_epoch;
    std::vector<Value> params = model.parameters();
    bool live = opts.live && stdout_is_terminal();
    std::vector<EpochStats> seen;
    if (live) std::fprintf(console, "\x1b[2J");
    RunOutcome r = run("spiral", model, cfg, data.train, data.val, data.test,
                       std::string("spiral_") + arch + "_" + activation_name(cfg.act),
                       [&](const EpochStats& s, const MLP& m) {
        params_by_epoch.push_back(snapshot(params));
        seen.push_back(s);
        if (live && s.epoch % 2 == 0) {
            DenseMLP net = dense_copy(m);
            draw_live(net, cfg.loss, view, seen);
        }
        if (!live && s.epoch % 10 == 0) print_progress(s);
    });
    print_outcome("Spiral", r);
    report_divergence("the spiral", cfg, r.result);
    print_sample_predictions(model, data.test);
    std::fprintf(console,
                 "The kept weights' boundary (a, b, c: predicted class; A, B, C: training "
                 "points):\n");
    print_ascii_boundary(model, cfg.loss, data.train, view);
    save_boundary(model, cfg.loss, data.train, data.test, "spiral_boundary.ppm");
    save_evolution(model, cfg.loss, data.train, view, params_by_epoch, r.result.best_epoch);
    save_loss_curves(r.result.history, "SPIRAL", "spiral_loss.ppm");
}

// Flags apply here too, except that the comparison is of SGD (Adam has no momentum
// setting) and both runs get the whole budget, so early stopping is off.
void run_momentum_comparison(const Options& opts) {
    TrainConfig base = with_overrides(momentum_comparison_settings(), opts);
    base.optimizer = OptimizerKind::SGD;
    base.patience = base.max_epochs;
    SpiralData data = spiral_data(base.seed);
    std::fprintf(console,
                 "Momentum against plain SGD on the spiral: lr %g, %d epochs, same seed\n",
                 base.learning_rate, base.max_epochs);
    std::vector<Series> curves;
    for (bool with_momentum : {true, false}) {
        if (stop_requested) break;
        TrainConfig cfg = base;
        if (!with_momentum) cfg.momentum = 0.0;
        size_t keep = graph.nodes.size();
        MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
        std::string name = with_momentum ? "spiral_sgd_momentum" : "spiral_sgd_plain";
        RunOutcome r = run(name, model, cfg, data.train, data.val, data.test, name, nullptr);
        report_divergence(name, cfg, r.result);
        std::fprintf(console,
                     "  momentum %-4g train loss %.4f, train %.1f%%, validation %.1f%%\n",
                     cfg.momentum, r.train.loss, 100 * r.train.accuracy, 100 * r.val.accuracy);
        char label[32];
        std::snprintf(label, sizeof label, "MOMENTUM %g", cfg.momentum);
        Series curve{with_momentum ? label : "PLAIN SGD", class_colors[curves.size()], {}};
        for (const EpochStats& s : r.result.history) curve.values.push_back(s.train_loss);
        curves.push_back(curve);
        graph_truncate(keep);
    }
    Image chart(720, 420, white);
    draw_chart(chart, 70, 40, 620, 330, "SPIRAL TRAINING LOSS, SGD", curves, true);
    write_ppm(chart, out_dir + "/spiral_momentum.ppm");
}

void run_moons(const Options& opts) {
    TrainConfig cfg = with_overrides(moons_settings(), opts);
    Dataset train_set = moons(100, 0.1, cfg.seed);
    Dataset test_set = moons(100, 0.1, cfg.seed + 1000);
    MLP model(2, layer_sizes(cfg, 1), cfg.act, cfg.seed);
    std::string arch = architecture(layer_sizes(cfg, 1));
    std::fprintf(
        console,
        "Moons: %zu points; %s %s, hinge loss + %g L2, lr %g -> %g, %d full-batch steps\n",
        train_set.size(), arch.c_str(), activation_name(cfg.act), cfg.l2, cfg.learning_rate,
        cfg.final_learning_rate, cfg.max_epochs);
    RunOutcome r = run("moons", model, cfg, train_set, {}, test_set,
                       "moons_" + arch + "_" + activation_name(cfg.act),
                       [](const EpochStats& s, const MLP&) {
                           if (s.epoch % 20 == 0) print_progress(s);
                       });
    print_outcome("Moons", r);
    report_divergence("the moons", cfg, r.result);
    save_boundary(model, cfg.loss, train_set, test_set, "moons_boundary.ppm");
    save_loss_curves(r.result.history, "MOONS", "moons_loss.ppm");
}

// ---------------------------------------------------------------------------------------
// 15. Command line
// ---------------------------------------------------------------------------------------
// Every flag is checked before anything is written: a bad value gets one line naming the
// flag and what it accepts, and exit status 2.

const char* usage_text =
    "usage: ./nn [all|xor|spiral|moons|graph|bench] [flags]\n"
    "\n"
    "  all       (default) the XOR study, the spiral, momentum vs plain SGD, the moons\n"
    "  xor       XOR: 2-2-1, 2-3-1, 2-2-2-1 x tanh, sigmoid, relu, 50 seeds each\n"
    "  spiral    the three-armed spiral, with early stopping on a validation set\n"
    "  moons     micrograd's two moons demo\n"
    "  graph     one neuron's graph, every node and edge of backward printed\n"
    "  bench     time an epoch on the graph and by hand (prints one line)\n"
    "\n"
    "flags (each replaces the experiment's default):\n"
    "  --seed N          integer 0 to 1000000000\n"
    "  --epochs N        maximum epochs, 1 to 100000\n"
    "  --lr X            learning rate, a number in (0, 10]\n"
    "  --momentum X      a number in [0, 0.999]\n"
    "  --batch N         batch size, 1 to 100000, or 0 for the whole training set\n"
    "  --patience N      epochs without validation improvement, 1 to 100000\n"
    "  --hidden A,B,...  hidden layer sizes, 1 to 6 layers of 1 to 512\n"
    "  --act NAME        tanh, sigmoid or relu\n"
    "  --optimizer NAME  sgd or adam\n"
    "  --out DIR         where results, logs and pictures go (default plots)\n"
    "  --live            redraw the spiral's boundary in the terminal while it trains\n"
    "  --help            this text\n";

[[noreturn]] void bad_input(const std::string& message) {
    std::fprintf(stderr, "nn: %s (./nn --help lists the flags)\n", message.c_str());
    std::exit(2);
}

// Reads `text` as a number in [lo, hi] (a whole number if `whole`), or stops with an error
// that names the flag and the accepted range.
double parse_number(const std::string& flag, const std::string& text, double lo, double hi,
                    bool whole, const std::string& accepted) {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    bool ok = !text.empty() && *end == '\0' && std::isfinite(v) && v >= lo && v <= hi;
    if (!ok || (whole && v != std::floor(v))) {
        bad_input(flag + " takes " + accepted + ", got '" + text + "'");
    }
    return v;
}

std::vector<int> parse_hidden(const std::string& text) {
    const std::string accepted =
        "sizes like 16,16 (1 to 6 layers of 1 to 512), got '" + text + "'";
    std::vector<int> sizes;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string part = text.substr(start, comma - start);
        char* end = nullptr;
        long n = std::strtol(part.c_str(), &end, 10);
        bool whole = !part.empty() && std::isdigit((unsigned char)part[0]) && *end == '\0';
        if (!whole || n < 1 || n > 512) bad_input("--hidden takes " + accepted);
        sizes.push_back(int(n));
        start = comma + 1;
    }
    if (sizes.size() > 6) bad_input("--hidden takes " + accepted);
    return sizes;
}

Options parse_command_line(int argc, char** argv) {
    Options opts;
    const std::vector<std::string> commands = {"all",   "xor",   "spiral",
                                               "moons", "graph", "bench"};
    int i = 1;
    if (argc > 1 && argv[1][0] != '-') {
        opts.command = argv[1];
        if (std::find(commands.begin(), commands.end(), opts.command) == commands.end()) {
            bad_input("unknown experiment '" + opts.command +
                      "'; choose all, xor, spiral, moons, graph or bench");
        }
        i = 2;
    }
    for (; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        }
        if (flag == "--live") {
            opts.live = true;
            continue;
        }
        if (i + 1 >= argc) bad_input(flag + " needs a value");
        std::string value = argv[++i];
        if (flag == "--seed") {
            uint64_t seed =
                uint64_t(parse_number(flag, value, 0, 1e9, true, "an integer 0 to 1000000000"));
            opts.overrides.push_back([seed](TrainConfig& c) { c.seed = seed; });
        } else if (flag == "--epochs") {
            int n = int(parse_number(flag, value, 1, 100000, true, "an integer 1 to 100000"));
            opts.overrides.push_back([n](TrainConfig& c) { c.max_epochs = n; });
        } else if (flag == "--lr") {
            double lr = parse_number(flag, value, 1e-12, 10, false, "a number in (0, 10]");
            opts.overrides.push_back([lr](TrainConfig& c) { c.learning_rate = lr; });
        } else if (flag == "--momentum") {
            double m = parse_number(flag, value, 0, 0.999, false, "a number in [0, 0.999]");
            opts.overrides.push_back([m](TrainConfig& c) { c.momentum = m; });
        } else if (flag == "--batch") {
            int n = int(parse_number(flag, value, 0, 100000, true,
                                     "an integer 1 to 100000, or 0 for all"));
            opts.overrides.push_back([n](TrainConfig& c) { c.batch_size = n; });
        } else if (flag == "--patience") {
            int n = int(parse_number(flag, value, 1, 100000, true, "an integer 1 to 100000"));
            opts.overrides.push_back([n](TrainConfig& c) { c.patience = n; });
        } else if (flag == "--hidden") {
            std::vector<int> sizes = parse_hidden(value);
            opts.overrides.push_back([sizes](TrainConfig& c) { c.hidden = sizes; });
            opts.overrides_hidden = true;
        } else if (flag == "--act") {
            Activation act = Activation::Tanh;
            if (value == "sigmoid") act = Activation::Sigmoid;
            else if (value == "relu") act = Activation::ReLU;
            else if (value != "tanh")
                bad_input("--act takes tanh, sigmoid or relu, got '" + value + "'");
            opts.overrides.push_back([act](TrainConfig& c) { c.act = act; });
            opts.overrides_act = true;
        } else if (flag == "--optimizer") {
            if (value != "sgd" && value != "adam")
                bad_input("--optimizer takes sgd or adam, got '" + value + "'");
            OptimizerKind kind = value == "sgd" ? OptimizerKind::SGD : OptimizerKind::Adam;
            opts.overrides.push_back([kind](TrainConfig& c) { c.optimizer = kind; });
        } else if (flag == "--out") {
            if (value.empty()) bad_input("--out takes a directory name, got ''");
            out_dir = value;
        } else {
            bad_input("unknown flag '" + flag + "'");
        }
    }
    return opts;
}

// The first Ctrl-C asks training to stop after its current step (section 10); the handler
// then steps aside, so a second Ctrl-C ends the program at once.
extern "C" void on_ctrl_c(int) {
    stop_requested = 1;
    std::signal(SIGINT, SIG_DFL);
}

// Makes sure results can be written before any training starts: a run that cannot save
// what it learned should not start.
void prepare_out_dir() {
    std::error_code error;
    std::filesystem::create_directories(out_dir + "/frames", error);
    if (error) {
        bad_input("--out: cannot create the directory " + out_dir + "/frames (" +
                  error.message() + "); give a directory you can write");
    }
    start_results_file();
}

#ifndef NN_NO_MAIN
// The table of contents of a run.
int main(int argc, char** argv) {
    Options opts = parse_command_line(argc, argv);
    if (opts.command == "graph") {
        print_graph_demo();
        return 0;
    }
    if (opts.command == "bench") {
        run_bench();
        return 0;
    }
    prepare_out_dir();
    std::signal(SIGINT, on_ctrl_c);
    auto start = std::chrono::steady_clock::now();
    bool all = opts.command == "all";
    if (all || opts.command == "xor") run_xor_study(opts);
    if ((all || opts.command == "spiral") && !stop_requested) run_spiral(opts);
    if (all && !stop_requested) run_momentum_comparison(opts);
    if ((all || opts.command == "moons") && !stop_requested) run_moons(opts);
    if (stop_requested) {
        std::fprintf(console, "Interrupted. Results, logs and pictures so far are in %s/.\n",
                     out_dir.c_str());
        return 130;  // the shell's convention: 128 + SIGINT (2)
    }
    std::fprintf(console, "Done in %.1f s. Results, logs and pictures are in %s/.\n",
                 milliseconds_since(start) / 1000, out_dir.c_str());
    if (diverged_runs > 0) {
        std::fflush(console);
        std::fprintf(stderr, "nn: %d training run(s) diverged; see the messages above.\n",
                     diverged_runs);
        return 1;
    }
    return 0;
}
#endif
