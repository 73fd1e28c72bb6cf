// nn.cpp: neural networks from scratch, in one file of standard C++17.
//
// Read it top to bottom, in four parts. Part I is the whole idea: numbers that remember
// how they were computed and can therefore differentiate themselves (reverse-mode automatic
// differentiation, what PyTorch's autograd does), neurons, layers and networks made of
// them, and a loop of a few lines that teaches one XOR. Part II trains well and asks a
// trained network what it looks at, on XOR, a three-armed spiral, two moons and
// Fashion-MNIST's clothes. Part III makes it fast. Part IV is the program.
//
// Build and run (nothing to install but a C++17 compiler):
//
//     g++ -std=c++17 -O2 -o nn nn.cpp && ./nn
//
// `./nn` runs every experiment, writing results, logs and pictures to plots/. `./nn first`
// runs Part I's training; `./nn graph` prints a small graph with every gradient in it;
// `./nn --help` lists the experiments, flags and `predict`.
//
// Map of the file.
//   Part I: a network that learns
//    1. The graph             Value: a number that remembers how it was computed
//    2. Operations            each op's result and its local derivatives, side by side
//    3. Backward              the chain rule, one loop over the graph in reverse
//    4. Random numbers        a seeded generator of our own, so every run repeats
//    5. Neuron, Layer, MLP    networks made of Values; data needs no gradient
//    6. A first training run  XOR, squared error, plain gradient descent
//   Part II: training well
//    7. Losses                for classes: softmax cross-entropy, binary cross-entropy, hinge
//    8. Backprop by hand      the same gradients derived with pencil and paper, as loops
//    9. Optimisers            SGD with momentum, RMSprop and Adam, as update equations
//   10. Datasets              points or images; XOR, the spiral, two moons; the best guess
//   11. Training              mini-batches, dropout, evaluation, early stopping
//   12. What it sees          saliency and fooling: gradients with respect to the pixels
//   13. The experiments       every setting each experiment uses, and why
//   Part III: making it fast
//   14. Making it fast        each speed choice, what it saves, and the benchmark
//   Part IV: the program (not needed on a first read)
//   15. Files                 checked writes, CSV logs, PPM; gzip, IDX, Netpbm; saved networks
//   16. Pictures              a bitmap font, GIF, decision boundaries, charts, animations
//   17. Live view             the boundary redrawn in the terminal while it trains
//   18. Reports               progress, outcomes, divergence, the XOR table: printing only
//   19. Running experiments   a run watched and stopped; the experiments, each a page; predict
//   20. Command line          the experiments and flags as tables, errors, signals, main

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <vector>

const double pi = 3.14159265358979323846;

// =======================================================================================
// Part I: a network that learns
// =======================================================================================

// ---------------------------------------------------------------------------------------
// 1. The graph: every number the network computes is a node
// ---------------------------------------------------------------------------------------
// A network learns by moving each weight w a little against d(loss)/dw, the derivative of
// its loss (one number that says how wrong the network is) with respect to that weight. We
// get every such derivative in one sweep by remembering how the loss was computed.
//
// The words used from here on. Every number computed is a node of a graph. A node's inputs
// are the nodes it was computed from: in c = a * b, a and b are the inputs of c (micrograd
// calls them c's children). A leaf is a node with no inputs: a weight, a constant. (The
// data a network reads is not a node at all: section 5.) An edge joins a node to one of
// its inputs and carries the local derivative d(node)/d(input), which the operation knows
// at the moment it computes the node.
//
// Nodes live in one vector, in the order they were made. A node can only be computed from nodes
// made before it, so walking the vector from the end reaches every node before any of its
// inputs. That is all backward (section 3) needs: no pointers, no recursion, nothing to leak.

struct Edge {
    int input;     // the index of one of the node's inputs
    double local;  // d(node) / d(input), recorded when the node was computed

    Edge(int input_, double local_) : input(input_), local(local_) {}  // emplace_back(i, d)
    Edge() = default;  // an Edge whose fields are set later
};

struct Node {
    double data;     // the value
    double grad;     // d(the Value backward() was called on) / d(this node)
    const char* op;  // "leaf", "+", "tanh", ...: only for printing the graph
    int first_edge;  // this node's edges are graph.edges[first_edge, first_edge + edge_count)
    int edge_count;  // one per use of an input (err * err has two): 0 for a leaf
};

struct Graph {
    std::vector<Node> nodes;
    std::vector<Edge> edges;  // each node's edges, one run after another, in node order
};

// There is one graph, and every Value belongs to it, so that any Values can meet in one
// expression and backward finds all the nodes in one vector. It is a global because an
// operator could reach it no other way: `a * b` is given a and b only.
Graph graph;

// A Value is a handle to a node: its index in graph.nodes. Copying one copies an int.
struct Value {
    int id;

    Value(double x);  // a new leaf: `Value x = 2.0;`, and the 3.0 in `x * 3.0`
    Value(double data, const char* op, size_t first_edge);  // a computed node, see below

    // A data() or grad() reference lasts until the next node is made (the vector may move).
    double& data() const { return node().data; }
    double& grad() const { return node().grad; }
    void backward() const;  // section 3

    // The node this Value names; the assert catches a Value whose node a training step
    // has dropped (graph_truncate, below).
    Node& node() const {
        assert(id < int(graph.nodes.size()) && "Value used after its graph was truncated");
        return graph.nodes[id];
    }
};

// A leaf has no edges: edge_count 0. Its first_edge is where the next node's edges will
// start, so that every node's edges begin where the node before it ended.
Value::Value(double x) : id(int(graph.nodes.size())) {
    graph.nodes.push_back({x, 0.0, "leaf", int(graph.edges.size()), 0});
}

// A computed node. The operation that makes it has just pushed its edges onto the end of
// graph.edges, from first_edge on; the node records where they start and how many there are.
Value::Value(double data, const char* op, size_t first_edge) : id(int(graph.nodes.size())) {
    int edge_count = int(graph.edges.size() - first_edge);
    graph.nodes.push_back({data, 0.0, op, int(first_edge), edge_count});
}

// Pushes one edge to each of the node's inputs, then the node: every op of section 2 does.
Value add_node(double data, const char* op, std::initializer_list<Edge> inputs) {
    size_t first_edge = graph.edges.size();
    for (const Edge& e : inputs) graph.edges.emplace_back(e.input, e.local);
    return Value(data, op, first_edge);
}

// Forgets every node made after the first `node_count`, with their edges: a training step
// calls this when it is done, so the next step reuses the memory.
void graph_truncate(size_t node_count) {
    assert(node_count <= graph.nodes.size());
    graph.nodes.resize(node_count);
    size_t edge_count = 0;
    if (node_count > 0) {
        const Node& last = graph.nodes.back();
        edge_count = size_t(last.first_edge + last.edge_count);
    }
    graph.edges.erase(graph.edges.begin() + long(edge_count), graph.edges.end());
}

// ---------------------------------------------------------------------------------------
// 2. Operations: the result, and its derivative with respect to each input
// ---------------------------------------------------------------------------------------
// Each op computes its result from its inputs' data, then records one edge per input with
// the local derivative written as the math says it. A new op is one function here. A double
// on either side of + - * / becomes a leaf through Value(double): `2.0 - x` is `y - x`.

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
    return add_node(a.data() * inv, "/", {{a.id, inv},                      // d(a/b)/da = 1/b
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

double tanh_of(double x);  // std::tanh(x) to 5e-16, written out in Part III

Value tanh(Value x) {
    double t = tanh_of(x.data());
    return add_node(t, "tanh", {{x.id, 1.0 - t * t}});  // d/dx tanh(x) = 1 - tanh(x)^2
}

// sigmoid(x) = 1 / (1 + e^-x). For x < -709, e^-x overflows; the equal form
// e^x / (1 + e^x) only ever takes exp of a number <= 0. Finite for any x.
double sigmoid_of(double x) {
    double e = std::exp(-std::fabs(x));
    return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

Value sigmoid(Value x) {
    double s = sigmoid_of(x.data());
    return add_node(s, "sigmoid", {{x.id, s * (1.0 - s)}});  // d/dx s(x) = s(x) (1 - s(x))
}

// max(0, x). At exactly 0 we take the derivative to be 0, as PyTorch does. A NaN passes
// through, so that a diverged run cannot hide behind a 0.
Value relu(Value x) {
    bool on = x.data() > 0;
    double out = on || std::isnan(x.data()) ? x.data() : 0.0;
    return add_node(out, "relu", {{x.id, on ? 1.0 : 0.0}});  // d/dx = 1 if x > 0, else 0
}

// ---------------------------------------------------------------------------------------
// 3. Backward: the chain rule, applied on every edge, in reverse creation order
// ---------------------------------------------------------------------------------------
// Call it on a Value `out` (the loss). For every node n that `out` was computed from, we
// want d(out)/dn: how much out moves when n alone is nudged and everything made after n
// is computed again from it. If n was used to make nodes u1, u2, ... (n is one of their
// inputs), a small change dn moves each of them, by about d(u)/dn * dn, and each of those
// moves out. For small changes the moves add up (this is the chain rule for a function
// of several variables, out(u1(n), u2(n), ...)), so
//
//     d(out)/dn = sum over those uses of  d(out)/du * d(u)/dn
//               = sum over the edges that end at n of  u.grad * edge.local.
//
// So once a node's own grad is final, it can pass local * grad down each of its edges.
// Walking the nodes from last to first makes that so: every node that uses n was made
// after n, so it has been visited, and has passed its share to n, before n is reached. A
// node used twice (x * x, or a diamond: b and c both made from a, d made from b and c)
// simply receives two shares, hence `+=`.
//
// As in PyTorch, leaves accumulate: calling backward() twice without zeroing their grads
// (MLP::zero_grad) doubles them. Computed nodes start from zero on every call; the walk
// starts by adding d(out)/d(out) = 1 to out's grad.

void Value::backward() const {
    std::vector<Node>& nodes = graph.nodes;
    for (int i = 0; i <= id; ++i) {
        if (nodes[i].edge_count > 0) nodes[i].grad = 0.0;  // computed nodes start from 0
    }
    nodes[id].grad += 1.0;  // d(out)/d(out) = 1
    for (int i = id; i >= 0; --i) {
        const Node& node = nodes[i];
        for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
            const Edge& edge = graph.edges[e];
            nodes[edge.input].grad += edge.local * node.grad;  // the chain rule
        }
    }
}

// ---------------------------------------------------------------------------------------
// 4. Random numbers: the same seed, the same numbers, on any compiler
// ---------------------------------------------------------------------------------------
// A network starts from random weights (section 5). What matters is that a seed always
// gives the same numbers, on any compiler; how they are made can be skimmed. <random>'s
// distributions may differ between standard libraries, and an exercise whose answer
// changes with the compiler is a bad exercise; splitmix64 is a few lines, passes the
// usual statistical tests, and works from every seed.

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

    // Standard normal (mean 0, variance 1) by Box-Muller: two uniforms, a radius and an angle.
    double gaussian() {
        double u1 = 1.0 - uniform();  // in (0, 1], so log(u1) is finite
        double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * pi * u2);
    }

    // Uniform integer in [0, n). The modulo bias is below 1e-17 for the n we use.
    int below(int n) { return int(next() % uint64_t(n)); }
};

// ---------------------------------------------------------------------------------------
// 5. Neuron, Layer, MLP: networks made of Values
// ---------------------------------------------------------------------------------------
// A neuron computes a weighted sum of its inputs plus a bias, w . x + b, and passes it
// through a nonlinearity (its activation). A layer is neurons side by side, all reading
// the same inputs. A multi-layer perceptron (MLP) is layers in a row, each reading the
// outputs of the one before; the layers before the last are hidden. Computing the outputs
// from an input is a forward pass. The weights and biases (the parameters) are leaves, made
// once; each forward pass adds nodes on top of them.

// A new activation is a new kind here, and a case in each switch over Activation: -Wall
// names every switch that misses it. Linear is the output layer's: no activation at all.
enum class Activation { Tanh, Sigmoid, ReLU, Linear };

Value activate(Value x, Activation act) {
    switch (act) {
    case Activation::Tanh: return tanh(x);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::ReLU: return relu(x);
    case Activation::Linear: return x;
    }
    return x;
}

// A neuron's w . x + b as one node. micrograd builds it from + and *, b + w[0]*x[0] +
// w[1]*x[1] + ..., 2n nodes for n inputs; but the local derivatives of the whole sum are
// known at once, d/dw[i] = x[i], d/dx[i] = w[i], d/db = 1, and the chain rule does not care
// how many inputs a node has. So one node with 2n + 1 edges gives the same gradients, and
// backward walks about half as many edges. It pushes its own edges, as there are too many
// to write as a list.
Value weighted_sum(const std::vector<Value>& w, const std::vector<Value>& x, Value b) {
    assert(w.size() == x.size());
    size_t first_edge = graph.edges.size();
    double sum = b.data();
    for (size_t i = 0; i < w.size(); ++i) {
        sum += w[i].data() * x[i].data();
        graph.edges.emplace_back(w[i].id, x[i].data());  // d(sum)/dw[i] = x[i]
        graph.edges.emplace_back(x[i].id, w[i].data());  // d(sum)/dx[i] = w[i]
    }
    graph.edges.emplace_back(b.id, 1.0);  // d(sum)/db = 1
    return Value(sum, "w.x+b", first_edge);
}

// Data needs no gradient. A first layer's inputs are the data (a point's coordinates, an
// image's pixels), and nothing ever changes the data. So here x is plain numbers, and the
// node has edges to its weights and bias alone, n + 1 of them, and no leaf per input, as
// PyTorch's data tensors have requires_grad=False.
Value weighted_sum(const std::vector<Value>& w, const std::vector<double>& x, Value b) {
    assert(w.size() == x.size());
    size_t first_edge = graph.edges.size();
    double sum = b.data();
    for (size_t i = 0; i < w.size(); ++i) {
        sum += w[i].data() * x[i];
        graph.edges.emplace_back(w[i].id, x[i]);  // d(sum)/dw[i] = x[i]
    }
    graph.edges.emplace_back(b.id, 1.0);  // d(sum)/db = 1
    return Value(sum, "w.x+b", first_edge);
}

// Initial weights: random, so that the neurons of a layer differ (with equal weights they would
// compute the same thing and receive the same gradient forever); normal with standard deviation
// gain / sqrt(fan_in), fan_in being the neuron's number of inputs. With fan_in inputs of
// variance 1, w . x then has variance gain^2, so signals neither fade nor blow up from layer to
// layer. gain = 1 for tanh and sigmoid (LeCun's scheme); sqrt(2) for relu (He's), which zeroes
// about half of its sums and so halves their mean square. Biases start at 0.
struct Neuron {
    std::vector<Value> weights;
    Value bias;

    Neuron(int fan_in, double gain, Rng& rng) : bias(0.0) {
        double std_dev = gain / std::sqrt(double(fan_in));
        for (int i = 0; i < fan_in; ++i) weights.push_back(rng.gaussian() * std_dev);
    }
};

double initial_gain(Activation act) {
    switch (act) {
    case Activation::Tanh: return 1.0;
    case Activation::Sigmoid: return 1.0;
    case Activation::ReLU: return std::sqrt(2.0);
    case Activation::Linear: return 1.0;
    }
    return 1.0;
}

struct Layer {
    std::vector<Neuron> neurons;
    Activation act;  // Linear in the output layer: each loss reads raw sums its own way

    // The layer's outputs, from the layer before's outputs...
    std::vector<Value> operator()(const std::vector<Value>& x) const {
        std::vector<Value> out;
        for (const Neuron& n : neurons)
            out.push_back(activate(weighted_sum(n.weights, x, n.bias), act));
        return out;
    }

    // ... or, in the first layer, from the data.
    std::vector<Value> operator()(const std::vector<double>& data) const {
        std::vector<Value> out;
        for (const Neuron& n : neurons)
            out.push_back(activate(weighted_sum(n.weights, data, n.bias), act));
        return out;
    }
};

struct MLP {
    std::vector<Layer> layers;

    // MLP model(2, {16, 16, 3}, Activation::Tanh): 2 inputs, two hidden layers of 16
    // neurons, 3 outputs. The seed picks the initial weights.
    MLP(int n_inputs, std::vector<int> sizes, Activation act, uint64_t seed = 1) {
        Rng rng{seed};
        double gain = initial_gain(act);
        for (size_t l = 0; l < sizes.size(); ++l) {
            int fan_in = l == 0 ? n_inputs : sizes[l - 1];
            Layer layer{{}, l + 1 == sizes.size() ? Activation::Linear : act};
            for (int j = 0; j < sizes[l]; ++j) layer.neurons.emplace_back(fan_in, gain, rng);
            layers.push_back(layer);
        }
    }

    // The network's outputs for one example's features: the first layer reads the data,
    // each layer after it the outputs of the one before.
    std::vector<Value> operator()(const std::vector<double>& features) const {
        std::vector<Value> x = layers[0](features);
        for (size_t l = 1; l < layers.size(); ++l) x = layers[l](x);
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
// 6. A first training run: a network learns XOR
// ---------------------------------------------------------------------------------------
// XOR: two inputs, each 0 or 1, and the answer is 1 when exactly one of them is 1. No
// straight line separates the 1s from the 0s, so a network needs a hidden layer to learn
// it. Each step moves every weight against its gradient, w <- w - learning_rate *
// d(loss)/dw: plain gradient descent.

// Mean squared error: the average of (prediction - target)^2 over a point's outputs. Big
// misses count more; the gradient, 2 (p - t) / n for each, shrinks as p nears t.
Value mean_squared_error(const std::vector<Value>& predictions,
                         const std::vector<double>& targets) {
    Value sum = 0.0;
    for (size_t i = 0; i < predictions.size(); ++i)
        sum = sum + pow(predictions[i] - targets[i], 2);
    return sum / double(predictions.size());
}

// `./nn first`: a 2-4-1 tanh network, all four points in one graph, 500 steps.
void first_training_run() {
    std::vector<std::vector<double>> inputs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    std::vector<double> targets = {0, 1, 1, 0};
    MLP model(2, {4, 1}, Activation::Tanh, 1);
    std::vector<Value> params = model.parameters();
    const double learning_rate = 0.1;
    size_t weights_end = graph.nodes.size();  // the nodes made so far: the weights
    for (int step = 1; step <= 500; ++step) {
        Value loss = 0.0;  // 1. Forward: the mean of the four points' losses.
        for (size_t i = 0; i < 4; ++i)
            loss = loss + mean_squared_error(model(inputs[i]), {targets[i]});
        loss = loss / 4.0;
        model.zero_grad();  // 2. Backward: backward() adds to the weights' grads.
        loss.backward();
        for (Value w : params) w.data() -= learning_rate * w.grad();  // 3. Step downhill.
        if (step % 50 == 0) std::printf("step %3d  loss %.6f\n", step, loss.data());
        graph_truncate(weights_end);  // 4. Forget the step's graph; keep the weights.
    }
    for (size_t i = 0; i < 4; ++i)
        std::printf("%g xor %g: %.3f (want %g)\n", inputs[i][0], inputs[i][1],
                    model(inputs[i])[0].data(), targets[i]);
    graph_truncate(weights_end);
}

// =======================================================================================
// Part II: training well
// =======================================================================================

// ---------------------------------------------------------------------------------------
// 7. Losses for classes: one number that says how wrong the network is
// ---------------------------------------------------------------------------------------
// A loss compares the network's outputs on one point with the point's label; training
// lowers its mean over the points. Squared error (section 6) pulls each output towards a
// target number; the losses below instead read the outputs as evidence for a class. The
// output layer is linear, so the outputs are raw scores of any size, called logits. Each
// loss below turns logits into a prediction in its own way, in a form that stays finite
// for any logit, and its gradient must point somewhere useful everywhere, since that
// gradient is all training ever sees.

// Softmax turns K logits into K probabilities: p[i] = e^z[i] / sum_j e^z[j], all positive,
// summing to 1, the largest logit getting the largest share. Subtracting m = max z from
// every logit first changes nothing (e^-m cancels above and below) but keeps every
// exponent <= 0, so nothing overflows. On plain numbers: for predictions and pictures.
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

// Softmax cross-entropy, the loss for K classes: -log of the probability softmax gives the
// right class. Written with the one-hot vector of the label (1 at the label, 0 elsewhere)
// it is -sum_i onehot[i] log p[i], the cross-entropy between the two distributions. It is
// 0 for a certain right answer and grows without bound for a confident wrong one.
//     loss = -log( e^z[label] / sum_i e^z[i] ) = log(sum_i e^z[i]) - z[label].
// e^z overflows for z > 709, so we use log sum_i e^z[i] = m + log sum_i e^(z[i] - m),
// true for any m. With m = max z every exponent is <= 0 and the largest term is exactly 1,
// so the sum lies in [1, K] and its log is finite. m is read off the logits as a plain
// number, so in each `z - m` and in `m + log(sum)` it becomes a leaf, a constant (section
// 2's rule for a double in an op): no gradient flows back through the max. None needs to:
// every m gives the same loss, so the loss does not change when m does. The gradient with
// respect to the logits, softmax(z) - onehot, is derived in section 8.
Value softmax_cross_entropy(const std::vector<Value>& logits, int label) {
    double m = logits[0].data();
    for (Value z : logits) m = std::max(m, z.data());
    Value sum = 0.0;
    for (Value z : logits) sum = sum + exp(z - m);
    return m + log(sum) - logits[label];
}

// softplus(z) = log(1 + e^z), computed so that exp never sees a large positive number:
// for z >= 0 it equals z + log(1 + e^-z). Both branches are the same function.
Value softplus(Value z) {
    if (z.data() >= 0) return z + log(1.0 + exp(-z));
    return log(1.0 + exp(z));
}

// Binary cross-entropy from one logit z, for labels 0 and 1. With p = sigmoid(z), the
// loss -[y log p + (1-y) log(1-p)] simplifies to softplus(z) - y z. Computing p first and
// then log(p) would give log(0) = -inf once |z| passes about 37; this form never does, and
// its gradient is simply sigmoid(z) - y.
Value binary_cross_entropy(Value logit, int label) {
    return softplus(logit) - double(label) * logit;
}

// Hinge loss (what micrograd's moons demo uses), for labels 0/1 read as y = -1/+1:
// max(0, 1 - y * score). A point classified right with margin >= 1 costs nothing and
// pushes nothing; only points near or across the boundary move the weights.
Value hinge(Value score, int label) {
    double y = label == 1 ? 1.0 : -1.0;
    return relu(1.0 - y * score);
}

// L2 penalty alpha * sum of w^2, added to the loss: a cost for large weights, which
// favours smoother boundaries. Its gradient 2 alpha w pulls each weight toward 0.
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

// The index of the largest number (the first, if several are equal).
int argmax(const std::vector<double>& v) {
    return int(std::max_element(v.begin(), v.end()) - v.begin());
}

// The class the network predicts, read off its outputs as its loss reads them: the largest
// of an output per class; the sign of a logit or a score; for squared error, whose targets
// are 0 and 1, which side of 0.5.
int predicted_class(const std::vector<double>& out, Loss loss) {
    switch (loss) {
    case Loss::SoftmaxCrossEntropy: return argmax(out);
    case Loss::BinaryCrossEntropy: return out[0] > 0 ? 1 : 0;
    case Loss::Hinge: return out[0] > 0 ? 1 : 0;
    case Loss::MeanSquaredError: return out[0] > 0.5 ? 1 : 0;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------
// 8. Backprop by hand: the same gradients, derived with the chain rule, then as loops
// ---------------------------------------------------------------------------------------
// What backward() computes for an MLP can be derived with the chain rule alone: first for
// one neuron, then a layer, then the whole network. Below the derivation, the same
// gradients computed with plain arrays of doubles. The tests check that these loops and the
// graph agree to 1e-12; section 14 times both.
//
// One neuron computes z = w[0] in[0] + ... + w[n-1] in[n-1] + b, then out = act(z).
// Suppose we know g = d(loss)/d(out), how the loss changes with this neuron's output. The
// chain rule multiplies one local derivative per step from the loss back to a parameter:
//     delta            = d(loss)/dz        = g * act'(z)
//     d(loss)/dw[i]    = delta * dz/dw[i]  = delta * in[i]
//     d(loss)/db       = delta * dz/db     = delta
//     d(loss)/d(in[i]) = delta * dz/din[i] = delta * w[i]
// act'(z) is the activation's slope at z. The forward pass keeps out = act(z), and each
// slope can be written with out alone:
//     tanh: 1 - out^2        sigmoid: out (1 - out)        relu: 1 if out > 0, else 0
// For tanh, with u = e^-2z: out = (1 - u) / (1 + u) and du/dz = -2u, so d(out)/dz =
// 4u / (1 + u)^2, which is 1 - out^2. Sigmoid's comes the same way from 1 / (1 + e^-z).
// The output layer is linear: out = z, so act'(z) = 1 and delta = g.
//
// A layer: neuron j has its own g[j], delta[j], weights W[j][0..n-1] and bias b[j], and
// all of them read the same inputs. So every input in[i] feeds every neuron, and its
// gradient is the sum of what comes back from each (the `+=` of section 3):
//     delta[j]         = g[j] * act'(z[j])      (delta[j] = g[j] in the output layer)
//     d(loss)/dW[j][i] = delta[j] * in[i]
//     d(loss)/db[j]    = delta[j]
//     d(loss)/d(in[i]) = sum over j of W[j][i] * delta[j]
//
// The network: the inputs of layer l are the outputs of layer l-1, the one nearer the data.
// So layer l's d(loss)/d(in[i]), the last of its four lines above, is the g[i] that layer
// l-1 starts from. Begin at the output layer with g = d(loss)/d(logits), given by the
// loss, and go back one layer at a time to the first.
// That is backpropagation: the sums backward() does edge by edge, grouped by layer.
//
// g for softmax cross-entropy: loss = log(sum_i e^z[i]) - z[label] (section 7). The first
// term's derivative by z[k] is e^z[k] / sum_i e^z[i] = p[k]; the second's is 1 if k is the
// label, else 0. So d(loss)/dz[k] = p[k] - onehot[k]: the predicted probabilities minus
// the true ones. The right class's logit is pulled up by what it lacks, every other logit
// pushed down by what it took.

struct DenseLayer {
    int n_in = 0, n_out = 0;
    Activation act = Activation::Linear;
    std::vector<double> w;       // n_out rows of n_in: w[j * n_in + i] is W[j][i]
    std::vector<double> b;       // n_out biases
    std::vector<double> grad_w;  // d(loss)/dW, same layout as w, added to by dense_backward
    std::vector<double> grad_b;  // d(loss)/db
    std::vector<double> out;     // this layer's outputs in the last forward pass
};

struct DenseMLP {
    std::vector<DenseLayer> layers;
    std::vector<double> input;  // the last forward pass's input
};

// Copies the weights out of the graph, in the order of MLP::parameters().
DenseMLP dense_copy(const MLP& model) {
    DenseMLP net;
    for (const Layer& layer : model.layers) {
        DenseLayer d;
        d.n_in = int(layer.neurons[0].weights.size());
        d.n_out = int(layer.neurons.size());
        d.act = layer.act;
        for (const Neuron& n : layer.neurons) {
            for (Value w : n.weights) d.w.push_back(w.data());
            d.b.push_back(n.bias.data());
        }
        d.grad_w.assign(d.w.size(), 0.0);
        d.grad_b.assign(d.b.size(), 0.0);
        d.out.assign(d.n_out, 0.0);
        net.layers.push_back(d);
    }
    return net;
}

double dense_activate(double z, Activation act) {
    switch (act) {
    case Activation::Tanh: return tanh_of(z);
    case Activation::Sigmoid: return sigmoid_of(z);
    case Activation::ReLU: return z > 0 ? z : 0.0;
    case Activation::Linear: return z;
    }
    return z;
}

// act'(z), written with out = act(z), which the forward pass kept.
double dense_slope(double out, Activation act) {
    switch (act) {
    case Activation::Tanh: return 1.0 - out * out;
    case Activation::Sigmoid: return out * (1.0 - out);
    case Activation::ReLU: return out > 0 ? 1.0 : 0.0;
    case Activation::Linear: return 1.0;
    }
    return 1.0;
}

const std::vector<double>& dense_forward(DenseMLP& net, const std::vector<double>& x) {
    net.input = x;
    const std::vector<double>* in = &net.input;
    for (DenseLayer& L : net.layers) {
        for (int j = 0; j < L.n_out; ++j) {
            double z = L.b[j];
            for (int i = 0; i < L.n_in; ++i) z += L.w[j * L.n_in + i] * (*in)[i];
            L.out[j] = dense_activate(z, L.act);
        }
        in = &L.out;
    }
    return net.layers.back().out;
}

// Adds the last forward pass's d(loss)/dW and d(loss)/db to grad_w and grad_b, from
// g = d(loss)/d(outputs), going from the output layer back to the first. It adds, as
// backward() adds to the weights' grads, so that a batch's gradient is the sum of its
// examples'; dense_zero_grad starts the sum. The first layer's inputs are the data: no
// g_in is needed there (section 5: data needs no gradient).
void dense_backward(DenseMLP& net, std::vector<double> g) {
    for (int l = int(net.layers.size()) - 1; l >= 0; --l) {
        DenseLayer& L = net.layers[l];
        const std::vector<double>& in = l == 0 ? net.input : net.layers[l - 1].out;
        std::vector<double> delta(L.n_out);
        for (int j = 0; j < L.n_out; ++j) delta[j] = g[j] * dense_slope(L.out[j], L.act);
        for (int j = 0; j < L.n_out; ++j) {
            for (int i = 0; i < L.n_in; ++i) L.grad_w[j * L.n_in + i] += delta[j] * in[i];
            L.grad_b[j] += delta[j];
        }
        if (l == 0) break;
        std::vector<double> g_in(L.n_in, 0.0);  // d(loss)/d(in): the g of layer l-1
        for (int j = 0; j < L.n_out; ++j) {
            for (int i = 0; i < L.n_in; ++i) g_in[i] += L.w[j * L.n_in + i] * delta[j];
        }
        g = g_in;
    }
}

void dense_zero_grad(DenseMLP& net) {
    for (DenseLayer& L : net.layers) {
        std::fill(L.grad_w.begin(), L.grad_w.end(), 0.0);
        std::fill(L.grad_b.begin(), L.grad_b.end(), 0.0);
    }
}

// Softmax cross-entropy by hand: returns the loss for logits z and the right class `label`
// (section 7), and sets g = d(loss)/d(logits), both as derived above. -log p straight from
// softmax's p is finite unless the right class's logit trails the largest by more than
// about 745, where p rounds to 0; section 7's log-sum-exp form never does, so the graph
// uses that one, and this one is only checked against it (at logits of 1000 too).
double dense_softmax_cross_entropy(const std::vector<double>& z, int label,
                                   std::vector<double>& g) {
    g = softmax(z);
    double loss = -std::log(g[label]);
    g[label] -= 1.0;
    return loss;
}

// ---------------------------------------------------------------------------------------
// 9. Optimisers: turning gradients into better weights
// ---------------------------------------------------------------------------------------
// The gradient g = d(loss)/dw says which way is uphill for the loss; an optimiser decides
// how far to step the other way. The simplest, plain gradient descent (section 6), is
// w <- w - lr * g, lr being the learning rate. The three optimisers below improve on it by
// keeping running numbers per parameter from one step to the next: momentum a running sum
// of past steps, RMSprop a running mean of g^2 that scales each weight's step, and Adam
// both.

// SGD, stochastic gradient descent, is gradient descent on a random batch (a few of the
// training points) at a time, section 11: each step's gradient is a noisy estimate of the
// whole set's. With every point in one batch (XOR's case) it is plain gradient descent.
enum class OptimizerKind { SGD, RMSprop, Adam };

struct Optimizer {
    OptimizerKind kind;
    double learning_rate;  // lr; training may change it between passes over the data
    double momentum;       // mu, SGD only; 0 gives plain gradient descent
    // Adam's constants, at the values its paper recommends; RMSprop uses the same epsilon
    // (PyTorch's default for both).
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    double rho = 0.9;              // RMSprop's decay rate, the value its lecture gives
    std::vector<double> velocity;  // SGD's v, one per parameter
    std::vector<double> m, v;      // Adam's running means of g and of g^2; v is RMSprop's too
    int t = 0;                     // steps taken so far

    Optimizer(OptimizerKind kind_, double learning_rate_, double momentum_)
        : kind(kind_), learning_rate(learning_rate_), momentum(momentum_) {}

    void step(const std::vector<Value>& params) {
        if (velocity.empty()) velocity.assign(params.size(), 0.0);
        if (m.empty()) m.assign(params.size(), 0.0);
        if (v.empty()) v.assign(params.size(), 0.0);
        ++t;
        switch (kind) {
        case OptimizerKind::SGD:
            sgd_step(params);
            break;
        case OptimizerKind::RMSprop:
            rmsprop_step(params);
            break;
        case OptimizerKind::Adam:
            adam_step(params);
            break;
        }
    }

    // SGD with momentum (Polyak's heavy ball, as Sutskever et al. 2013 write it), for each
    // parameter w with gradient g:
    //     v <- mu * v - lr * g
    //     w <- w + v
    // v (the field `velocity`; Adam's and RMSprop's v below is another quantity) is the sum
    // of the past plain steps -lr * g, each older one weighted by one more factor mu.
    // Where successive gradients agree, the steps add up, to as much as 1 / (1 - mu) times
    // a plain step (10x at mu = 0.9); where they zig-zag, they cancel. (PyTorch writes
    // v <- mu * v + g, w <- w - lr * v: the same steps while lr is constant; they differ
    // only in when a change of lr takes effect.)
    void sgd_step(const std::vector<Value>& params) {
        for (size_t i = 0; i < params.size(); ++i) {
            Node& p = params[i].node();
            velocity[i] = momentum * velocity[i] - learning_rate * p.grad;
            p.data += velocity[i];
        }
    }

    // RMSprop (Hinton, lecture 6e of his course Neural Networks for Machine Learning, 2012;
    // never published as a paper), for each parameter w with gradient g:
    //     v <- rho * v + (1 - rho) * g^2             running mean of g^2
    //     w <- w - lr * g / (sqrt(v) + epsilon)
    // with rho = 0.9, the lecture's value (PyTorch's default is 0.99). The problem it
    // solves: when some weights' gradients are a thousand times larger than others', no
    // single learning rate suits them all. Dividing each gradient by sqrt(v), its recent
    // size, makes every weight's step about lr, whatever the scale of its gradient. v
    // starts at 0 and nothing corrects for that (Adam, below, does), so the first steps are
    // larger: the first is lr g / (sqrt(1 - rho) |g|), about 3.2 lr.
    void rmsprop_step(const std::vector<Value>& params) {
        for (size_t i = 0; i < params.size(); ++i) {
            Node& p = params[i].node();
            v[i] = rho * v[i] + (1.0 - rho) * p.grad * p.grad;
            p.data -= learning_rate * p.grad / (std::sqrt(v[i]) + epsilon);
        }
    }

    // Adam (Kingma and Ba, 2015), for each parameter w with gradient g, at step t = 1, 2, ...
    //     m <- beta1 * m + (1 - beta1) * g           running mean of g
    //     v <- beta2 * v + (1 - beta2) * g^2         running mean of g^2
    //     m_hat = m / (1 - beta1^t)                  m and v start at 0, so early on they
    //     v_hat = v / (1 - beta2^t)                  are too small; for a constant g this
    //                                                makes m_hat = g and v_hat = g^2
    //     w <- w - lr * m_hat / (sqrt(v_hat) + epsilon)
    // Where the recent gradients agree in sign, m_hat / sqrt(v_hat) is about +-1 whatever
    // their scale, so such a parameter moves about lr per step; where they keep changing
    // sign, m_hat averages towards 0 and the step is smaller. epsilon only keeps the
    // division finite where g is 0. step() counts t before it calls adam_step, so the first
    // step uses t = 1.
    void adam_step(const std::vector<Value>& params) {
        double m_correction = 1.0 - std::pow(beta1, t);
        double v_correction = 1.0 - std::pow(beta2, t);
        for (size_t i = 0; i < params.size(); ++i) {
            Node& p = params[i].node();
            m[i] = beta1 * m[i] + (1.0 - beta1) * p.grad;
            v[i] = beta2 * v[i] + (1.0 - beta2) * p.grad * p.grad;
            double m_hat = m[i] / m_correction;
            double v_hat = v[i] / v_correction;
            p.data -= learning_rate * m_hat / (std::sqrt(v_hat) + epsilon);
        }
    }
};

// ---------------------------------------------------------------------------------------
// 10. Datasets: points in the plane and images, each with a class
// ---------------------------------------------------------------------------------------
// Three data sets are made here, two-dimensional so that what the network learned can be
// drawn, each from a seed, so the same seed always gives the same points. The fourth,
// Fashion-MNIST's images of clothes, is read from its files (section 15) into the same
// Dataset, and goes through the same training code.
//
// A network is trained on one set of points, the training set. How well it does on new
// points is measured on points it never trained on: the test set, used for nothing but
// that final figure. Deciding when to stop training (section 11) needs held-out points
// too, and using the test set for it would make its figure flattering; so a part of the
// training data is set aside as the validation set, which guides training but is never
// trained on.

// A point in the plane and its class: what the three data sets are made of, and what the
// pictures draw.
struct Point {
    double x, y;
    int label;  // the class, 0, 1, ...
};

// A data set: each example's features (the numbers the network reads) and its class. A
// point in the plane has 2 features, its coordinates; a 28 x 28 image (Fashion-MNIST's,
// section 13) has 784, its pixels. Pixels are kept as the bytes the file holds, 0 to
// 255, an eighth of the memory of doubles (47 MB, not 376 MB, for 60,000 images), and
// turned into numbers in [0, 1] only when the network reads them.
enum class DataKind { Points, Images };

struct Dataset {
    DataKind kind = DataKind::Points;
    int dims = 2;                // features per example
    std::vector<double> values;  // points: each one's features, dims after dims
    std::vector<uint8_t> bytes;  // images: each one's pixels, dims after dims
    std::vector<int> labels;     // each example's class, 0, 1, ...

    size_t size() const { return labels.size(); }
    bool empty() const { return labels.empty(); }

    // Feature k of all examples, counted from the first example's first: as the network
    // reads it, a pixel as byte / 255.
    double feature(size_t k) const {
        switch (kind) {
        case DataKind::Points: return values[k];
        case DataKind::Images: return bytes[k] / 255.0;
        }
        return 0.0;
    }

    // Example i's features.
    std::vector<double> features(size_t i) const {
        size_t n = size_t(dims), start = i * n;
        std::vector<double> x(n);
        for (size_t k = 0; k < n; ++k) x[k] = feature(start + k);
        return x;
    }

    Point point(size_t i) const {
        assert(kind == DataKind::Points && dims == 2 && "point: points in the plane");
        return {values[2 * i], values[2 * i + 1], labels[i]};
    }

    std::vector<Point> points() const {
        std::vector<Point> all;
        for (size_t i = 0; i < size(); ++i) all.push_back(point(i));
        return all;
    }

    void add(Point p) {
        values.push_back(p.x);
        values.push_back(p.y);
        labels.push_back(p.label);
    }

    void reserve(size_t examples) {
        size_t n = examples * size_t(dims);
        switch (kind) {
        case DataKind::Points: values.reserve(n); break;
        case DataKind::Images: bytes.reserve(n); break;
        }
        labels.reserve(examples);
    }

    // The examples at these indices, in this order. Their size is known, so it is reserved
    // (Part III says what that saves).
    Dataset subset(const std::vector<int>& indices) const {
        Dataset out;
        out.kind = kind;
        out.dims = dims;
        out.reserve(indices.size());
        for (int i : indices) {
            long from = long(i) * dims, to = from + dims;
            switch (kind) {
            case DataKind::Points:
                out.values.insert(out.values.end(), values.begin() + from, values.begin() + to);
                break;
            case DataKind::Images:
                out.bytes.insert(out.bytes.end(), bytes.begin() + from, bytes.begin() + to);
                break;
            }
            out.labels.push_back(labels[size_t(i)]);
        }
        return out;
    }
};

Dataset dataset_of(const std::vector<Point>& points) {
    Dataset data;
    for (const Point& p : points) data.add(p);
    return data;
}

// XOR: the label is 1 when exactly one input is 1. No straight line separates the classes,
// so a network without a hidden layer cannot learn it.
Dataset xor_data() {
    return dataset_of({{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}});
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
            points.add({r * std::sin(2.5 * t), r * std::cos(2.5 * t), c});
        }
    }
    return points;
}

// The best any classifier can do on this spiral (skim it on a first read: no later section
// needs it but the spiral's report) follows from how its points are made.
//
// Only the angle tells the arms apart. Every arm uses the same radii k / (n - 1), so a
// point's radius r says nothing about its arm. Arm c puts a point at angle 2.5 t, with
// t = 4c + 4r + noise * g (g a standard normal number): the arm's centre line turns through
// 10c + 10r radians, and the noise spreads a point's angle around it with a standard
// deviation of 2.5 x noise (0.5 rad at the spiral's noise of 0.2). At the same radius, and
// modulo a full turn, arm 2 lies 20 - 6 pi = 1.15 rad from arm 0, and arm 1 lies 2.57 rad
// from each: arms 0 and 2 overlap.
//
// The best guess. For each point, guess the arm most likely to have made it: no classifier
// is right more often on average, and the one that guesses so is called the Bayes
// classifier. By Bayes' rule,
//     P(arm c | point) = P(point | arm c) P(arm c) / P(point).
// Every arm has as many points, so P(arm c) = 1/3 for each, and P(point) is the same
// whatever c is. So P(arm c | point) is P(point | arm c), called the likelihood of arm c,
// divided by the sum of all the arms' likelihoods.
//
// The likelihood. The angle a = atan2(x, y) (x first: the points sit at (r sin, r cos),
// so the angle is measured from the y axis) fixes 2.5 t only up to whole turns: t is one
// of (a + 2 pi j) / 2.5 for some whole number j. Each j is one way arm c could have put
// the point there: with g = z, where z = (t - 4c - 4r) / noise. So the likelihood is the
// sum over j of the normal density of z, e^(-z^2 / 2), times a factor that is the same for
// every arm and so cancels in the division.
// Returns each arm's probability at (x, y).
std::vector<double> spiral_arm_probabilities(double x, double y, int classes, double noise) {
    double r = std::sqrt(x * x + y * y), a = std::atan2(x, y), total = 0;
    std::vector<double> p(size_t(classes), 0.0);
    for (int c = 0; c < classes; ++c) {
        // every turn j that t can reach: within five noise widths (1 at noise 0.2), t lies
        // in [-1, 4 classes + 1], so j = (2.5 t - a) / (2 pi) lies well inside this range
        for (int j = -2; j <= 2 * classes + 2; ++j) {
            double z = ((a + 2 * pi * j) / 2.5 - 4.0 * c - 4.0 * r) / noise;
            p[size_t(c)] += std::exp(-0.5 * z * z);
        }
        total += p[size_t(c)];
    }
    for (double& q : p) q /= total;
    return p;
}

// The share of `data` that the best possible classifier gets right.
double spiral_best_accuracy(const Dataset& data, int classes, double noise) {
    int right = 0;
    for (const Point& p : data.points())
        right += argmax(spiral_arm_probabilities(p.x, p.y, classes, noise)) == p.label;
    return double(right) / double(data.size());
}

// Two interleaved half circles, as in micrograd's demo: the upper one (class 0) centred at
// (0, 0), the lower one (class 1) at (1, 0.5), each point moved by noise * gaussian in x
// and in y.
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
        points.add({x + noise * rng.gaussian(), y + noise * rng.gaussian(), is_upper ? 0 : 1});
    }
    return points;
}

int class_count(const Dataset& data) {
    int most = 0;
    for (int label : data.labels) most = std::max(most, label);
    return most + 1;
}

// Fisher-Yates, written out because std::shuffle's order differs between libraries: every
// one of the n! orders is equally likely.
void shuffle(std::vector<int>& items, Rng& rng) {
    for (int i = int(items.size()) - 1; i > 0; --i)
        std::swap(items[i], items[rng.below(i + 1)]);
}

// The indices 0, 1, ..., n - 1 of n points, in order: what shuffle and batches start from.
std::vector<int> in_order(size_t n) {
    std::vector<int> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = int(i);
    return order;
}

// Moves a random `fraction` of each class's points out of `data` into the returned set
// (the validation set). Taking the same share of every class (a stratified split) keeps
// the classes' proportions equal in both sets; a plain random share of 900 spiral points
// can leave one class a dozen points short in a validation set of 180.
Dataset split_off(Dataset& data, double fraction, Rng& rng) {
    std::vector<int> quota(size_t(class_count(data)), 0);  // points to take from each class
    for (int label : data.labels) ++quota[size_t(label)];
    for (int& q : quota) q = int(std::lround(fraction * q));
    std::vector<int> order = in_order(data.size());
    shuffle(order, rng);
    std::vector<int> taken, kept;
    for (int i : order) {
        int& left = quota[size_t(data.labels[size_t(i)])];
        if (left > 0) {
            taken.push_back(i);
            --left;
        } else {
            kept.push_back(i);
        }
    }
    Dataset val = data.subset(taken);
    data = data.subset(kept);
    return val;
}

// ---------------------------------------------------------------------------------------
// 11. Training: mini-batches, dropout, evaluation, early stopping
// ---------------------------------------------------------------------------------------
// An epoch shows the network every training point once, in a new random order, a batch
// at a time; after each batch the optimiser takes one step. A batch's loss is the mean of
// its points' losses, so the size of a step does not grow with the batch. After each
// epoch we measure loss and accuracy on the training and validation sets, and decide
// whether to go on.

// Values as plain numbers: a copy of the weights to put back later (set_data), or a
// network's outputs when no gradient is wanted.
std::vector<double> data_of(const std::vector<Value>& values) {
    std::vector<double> data;
    for (Value v : values) data.push_back(v.data());
    return data;
}

void set_data(const std::vector<Value>& values, const std::vector<double>& data) {
    assert(values.size() == data.size());
    for (size_t i = 0; i < values.size(); ++i) values[i].data() = data[i];
}

// How the learning rate moves from epoch to epoch (learning_rate_at, below).
enum class Schedule { Constant, Linear };

// Every setting of a training run, with its default. Each experiment starts from these
// and changes what differs, in section 13.
struct TrainConfig {
    std::vector<int> hidden = {16, 16};  // sizes of the hidden layers
    Activation act = Activation::Tanh;
    Loss loss = Loss::SoftmaxCrossEntropy;
    OptimizerKind optimizer = OptimizerKind::SGD;
    double learning_rate = 0.05;             // in the first epoch
    Schedule schedule = Schedule::Constant;  // Linear: falls in a straight line...
    double final_learning_rate = 0.0;        // ... to this by the last epoch
    double momentum = 0.9;                   // SGD only
    double l2 = 0.0;         // alpha of the L2 penalty added to the loss (section 7)
    double dropout = 0.0;    // p of dropout (below), in [0, 1); 0: none
    int batch_size = 8;      // 0 means the whole training set
    int max_epochs = 400;
    int patience = 60;        // early stopping: epochs without a new best, then stop
    double min_delta = 1e-4;  // early stopping: a new best is lower by more than this
    double target_loss = 0.0;  // stop once the training loss is below this (XOR)
    uint64_t seed = 1;         // picks the initial weights and the batch order
};

// The learning rate for epoch 1, 2, ..., max_epochs. Large steps find the right region
// fast; small ones then settle in it.
double learning_rate_at(const TrainConfig& cfg, int epoch) {
    switch (cfg.schedule) {
    case Schedule::Constant: return cfg.learning_rate;
    case Schedule::Linear: {
        if (cfg.max_epochs <= 1) return cfg.learning_rate;
        double progress = double(epoch - 1) / (cfg.max_epochs - 1);
        return cfg.learning_rate + progress * (cfg.final_learning_rate - cfg.learning_rate);
    }
    }
    return cfg.learning_rate;
}

// Dropout (Srivastava et al. 2014) fights overfitting: a network that learns its training
// points by heart does it with units that count on each other being exactly right. So, in
// training only, every forward pass zeroes a fresh random choice of hidden units, and each
// unit must be useful on its own. Each unit is zeroed with probability p and the ones kept
// are scaled by 1 / (1 - p) ("inverted" dropout, as PyTorch does it), so that a unit's
// expected output is what it is without dropout, and the network is evaluated as it is,
// nothing dropped or scaled. The mask, 0 or 1 / (1 - p), multiplies the unit.
// As it multiplies the unit, the mask is also the local derivative.
Value dropout(Value x, double p, Rng& rng) {
    double mask = rng.uniform() < p ? 0.0 : 1.0 / (1.0 - p);  // 0 with probability p
    return add_node(x.data() * mask, "dropout", {{x.id, mask}});  // d(mask x)/dx = mask
}

// A layer's outputs, with the values Layer's operator() gives them and its edges, less
// those to data inputs of 0, which carry nothing; made four neurons at a time (Part III).
std::vector<Value> layer_forward(const Layer& layer, const std::vector<double>& data);
std::vector<Value> layer_forward(const Layer& layer, const std::vector<Value>& x);

// The network's outputs for example i as training sees them (PyTorch's model.train()):
// each hidden layer's outputs go through dropout at rate p, none at p = 0. The output
// layer is never dropped: its outputs are the raw scores the loss reads.
std::vector<Value> forward_training(const MLP& model, const Dataset& data, int i, double p,
                                    Rng& mask_rng) {
    std::vector<Value> x = layer_forward(model.layers[0], data.features(size_t(i)));
    for (size_t l = 1; l < model.layers.size(); ++l) {
        if (p > 0) {
            for (Value& unit : x) unit = dropout(unit, p, mask_rng);
        }
        x = layer_forward(model.layers[l], x);
    }
    return x;
}

// ... and as everything else sees them (model.eval()): the network as it is.
std::vector<Value> forward(const MLP& model, const Dataset& data, int i) {
    std::vector<Value> x = layer_forward(model.layers[0], data.features(size_t(i)));
    for (size_t l = 1; l < model.layers.size(); ++l) x = layer_forward(model.layers[l], x);
    return x;
}

// backward(), walking only the nodes made from node `first` on: the same grads (Part III).
void backward_from(Value out, int first);

// One step on one batch (indices into data). The batch's loss is the mean of its points'
// losses, and the derivative of a mean is the mean of the derivatives. The weights are
// leaves, and leaves add up what each backward brings them (section 3), so the step
// takes one point at a time: it builds the point's graph, walks it backward with the
// point's loss divided by the batch's size, and drops it before the next point. It takes
// the L2 penalty first and the points from the last to the first, the order in which one
// backward over the whole batch's mean loss plus penalty would reach them: so every grad
// is the same sum, added in the same order, to the last bit (a test checks).
double train_step(MLP& model, const std::vector<Value>& params, const Dataset& data,
                  const std::vector<int>& batch, const TrainConfig& cfg, Optimizer& opt,
                  Rng& mask_rng) {
    int keep = int(graph.nodes.size());
    model.zero_grad();
    double objective = 0.0;
    if (cfg.l2 > 0) {
        Value penalty = l2_penalty(params, cfg.l2);
        backward_from(penalty, keep);
        objective = penalty.data();
        graph_truncate(size_t(keep));
    }
    for (size_t k = batch.size(); k-- > 0;) {  // the last point first
        int i = batch[k];
        std::vector<Value> out = forward_training(model, data, i, cfg.dropout, mask_rng);
        Value point = point_loss(out, data.labels[size_t(i)], cfg.loss);
        Value share = point / double(batch.size());  // its share of the batch's mean loss
        backward_from(share, keep);
        objective += share.data();
        graph_truncate(size_t(keep));
    }
    opt.step(params);
    return objective;
}

struct Evaluation {
    double loss;      // mean over the points, without any L2 penalty
    double accuracy;  // share of points whose predicted class is right, 0..1
};

Evaluation evaluate(const MLP& model, const Dataset& data, Loss loss) {
    if (data.empty()) return {NAN, NAN};
    double total = 0.0;
    int correct = 0;
    for (int i = 0; i < int(data.size()); ++i) {
        size_t keep = graph.nodes.size();
        std::vector<Value> out = forward(model, data, i);
        int label = data.labels[size_t(i)];
        total += point_loss(out, label, loss).data();
        correct += predicted_class(data_of(out), loss) == label;
        // No backward: the nodes were only needed for their values.
        graph_truncate(keep);
    }
    return {total / double(data.size()), double(correct) / double(data.size())};
}

struct EpochStats {
    int epoch;  // 0 is the untrained network
    double train_loss, val_loss, train_acc, val_acc, learning_rate;
};

EpochStats measure(const MLP& model, const Dataset& train_set, const Dataset& val_set,
                   Loss loss, int epoch, double learning_rate) {
    Evaluation t = evaluate(model, train_set, loss);
    Evaluation v = evaluate(model, val_set, loss);
    return {epoch, t.loss, v.loss, t.accuracy, v.accuracy, learning_rate};
}

// Early stopping. The validation loss usually falls, then rises again once the network
// starts to learn the noise in its training points by heart. So after every epoch,
// should_stop compares the epoch's validation loss with the best so far. If it is below
// best_loss - min_delta, lower by more than min_delta (smaller wiggles are not progress),
// the epoch is the new best and its weights are copied. Otherwise it is one more epoch
// without a new best, and once there have been `patience` of those in a row, should_stop
// says to stop. It only remembers the best weights: train (below) puts them back into the
// network at the end. (Write the test as val_loss < best_loss - min_delta: in doubles,
// best_loss - val_loss > min_delta can decide otherwise. With best 1.3, loss 1.2 and
// min_delta 0.1, the first is false, 1.2 < 1.2, while the second is true, as 1.3 - 1.2
// is 0.10000000000000009.)
struct EarlyStopping {
    double min_delta;
    int patience;
    double best_loss = INFINITY;
    int best_epoch = 0;
    int epochs_since_best = 0;
    std::vector<double> best_weights;

    EarlyStopping(double min_delta_, int patience_)
        : min_delta(min_delta_), patience(patience_) {}

    // Called after every epoch, from epoch 0 on. Returns true when it is time to stop.
    bool should_stop(int epoch, double val_loss, const std::vector<Value>& params) {
        if (val_loss < best_loss - min_delta) {
            best_loss = val_loss;
            best_epoch = epoch;
            best_weights = data_of(params);
            epochs_since_best = 0;
            return false;
        }
        return ++epochs_since_best >= patience;
    }
};

// The order cut into batches of batch_size (0: one batch of everything); the last batch
// is shorter when batch_size does not divide the number of points.
std::vector<std::vector<int>> batches_of(const std::vector<int>& order, int batch_size) {
    size_t size = batch_size > 0 ? size_t(batch_size) : order.size();
    std::vector<std::vector<int>> batches;
    for (size_t start = 0; start < order.size(); start += size) {
        size_t end = std::min(order.size(), start + size);
        batches.emplace_back(order.begin() + long(start), order.begin() + long(end));
    }
    return batches;
}

// Interrupted: the run was asked to stop between two steps (Ctrl-C, in the program).
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

struct TrainResult {
    std::vector<EpochStats> history;  // epoch 0 (untrained) to the last one run
    StopReason stop = StopReason::MaxEpochs;
    int kept_epoch = 0;  // the epoch whose weights the model holds at the end

    const EpochStats& kept() const { return history[size_t(kept_epoch)]; }
};

// What a training run carries from one epoch to the next.
struct Training {
    std::vector<Value> params;
    Optimizer opt;
    Rng order_rng;  // the batch order: independent of the initial weights
    Rng mask_rng;   // dropout's masks: independent of both
    std::vector<int> order;
    EarlyStopping stopping;
    TrainResult result;
    std::vector<double> before_epoch;  // the weights the current epoch started from
};

// Before epoch 1: the network's weights, a fresh optimiser, the two generators, and the
// training points in order.
Training start_training(const MLP& model, const Dataset& train_set, const TrainConfig& cfg) {
    return {model.parameters(), {cfg.optimizer, cfg.learning_rate, cfg.momentum},
            Rng{cfg.seed ^ 0x5EED}, Rng{cfg.seed ^ 0xD0D0}, in_order(train_set.size()),
            {cfg.min_delta, cfg.patience}, {}, {}};
}

// Records epoch 0, the untrained network, which is early stopping's first best.
void record_untrained(Training& run, const EpochStats& s, bool has_val) {
    run.result.history.push_back(s);
    if (has_val) run.stopping.should_stop(0, s.val_loss, run.params);
}

// One epoch: the training points in a new order, one optimiser step per batch, at the
// epoch's learning rate. The weights it starts from are kept in before_epoch. Returns false
// as soon as a step's loss is not finite: the steps were too large, and no later step can
// repair that.
bool train_epoch(MLP& model, Training& run, const Dataset& data, const TrainConfig& cfg,
                 int epoch) {
    run.before_epoch = data_of(run.params);
    run.opt.learning_rate = learning_rate_at(cfg, epoch);
    shuffle(run.order, run.order_rng);
    for (const std::vector<int>& batch : batches_of(run.order, cfg.batch_size)) {
        double loss = train_step(model, run.params, data, batch, cfg, run.opt, run.mask_rng);
        if (!std::isfinite(loss)) return false;
    }
    return true;
}

// Records an epoch's figures and decides: a loss that is not finite ends the run; so do
// early stopping and a low enough training loss (XOR, which has no validation set).
bool run_is_over(Training& run, const EpochStats& s, bool finite, bool has_val,
                 const TrainConfig& cfg) {
    run.result.history.push_back(s);
    StopReason& stop = run.result.stop;
    if (!finite || !std::isfinite(s.train_loss)) stop = StopReason::Diverged;
    else if (has_val && run.stopping.should_stop(s.epoch, s.val_loss, run.params))
        stop = StopReason::Patience;
    else if (s.train_loss < cfg.target_loss) stop = StopReason::TargetLoss;
    else return false;
    return true;
}

// The weights to keep: with a validation set, early stopping's best; without one, the last
// measured epoch's, or, after a divergence, those from before it.
TrainResult finish_training(Training& run, bool has_val) {
    TrainResult& result = run.result;
    result.kept_epoch = result.history.back().epoch;
    if (has_val) {
        set_data(run.params, run.stopping.best_weights);
        result.kept_epoch = run.stopping.best_epoch;
    } else if (result.stop == StopReason::Diverged) {
        set_data(run.params, run.before_epoch);
        result.kept_epoch -= 1;
    }
    return result;
}

TrainResult train(MLP& model, const Dataset& train_set, const Dataset& val_set,
                  const TrainConfig& cfg) {
    Training run = start_training(model, train_set, cfg);
    bool has_val = !val_set.empty();
    // 1. Measure the untrained network.
    record_untrained(run, measure(model, train_set, val_set, cfg.loss, 0, cfg.learning_rate),
                     has_val);
    for (int epoch = 1; epoch <= cfg.max_epochs; ++epoch) {
        // 2. One pass over the shuffled training set.
        bool finite = train_epoch(model, run, train_set, cfg, epoch);
        // 3. Measure, and decide whether to go on.
        double rate = run.opt.learning_rate;
        EpochStats s = measure(model, train_set, val_set, cfg.loss, epoch, rate);
        if (run_is_over(run, s, finite, has_val, cfg)) break;
    }
    // 4. Keep the best weights.
    return finish_training(run, has_val);
}

// ---------------------------------------------------------------------------------------
// 12. What the network sees: gradients with respect to the pixels
// ---------------------------------------------------------------------------------------
// backward() fills d(out)/dn for every node n that out was computed from. Training reads
// it at the weights. Read at the pixels, it answers two questions about a trained network:
// which pixels is its answer most sensitive to, and how little must a picture change for
// the answer to change? The data is not a node (section 5), so for one question the pixels
// become leaves, as PyTorch's requires_grad=True on an input makes them, and the first
// layer reads them through the weighted_sum whose inputs are Values: an edge to each pixel.

// One picture's pixels as leaves and the network's outputs computed from them. After a
// backward, each pixel's grad is d(what backward was called on)/d(pixel). (The weights'
// grads receive their shares too; a training step zeroes them before it starts.)
struct PixelQuestion {
    std::vector<Value> pixels;
    std::vector<Value> outputs;
};

PixelQuestion ask_about_pixels(const MLP& model, const std::vector<double>& features) {
    PixelQuestion q;
    for (double x : features) q.pixels.push_back(x);  // a leaf each: Value(double)
    q.outputs = q.pixels;
    for (const Layer& layer : model.layers) q.outputs = layer(q.outputs);
    return q;
}

// Saliency (Simonyan, Vedaldi and Zisserman 2014): |d(score of class c)/d(pixel)| for each
// pixel, the score being c's logit. Where it is large, a small change of the pixel moves
// the score most: the answer is most sensitive to those pixels. They need not be lit: the
// derivative is made of weights and of which units are on, not of the pixel's own value.
// The sign, which says which way, is dropped here; fooling uses it.
std::vector<double> saliency(const MLP& model, const std::vector<double>& pixels, int c) {
    size_t keep = graph.nodes.size();
    PixelQuestion q = ask_about_pixels(model, pixels);
    q.outputs[size_t(c)].backward();
    std::vector<double> map;
    for (Value p : q.pixels) map.push_back(std::fabs(p.grad()));
    graph_truncate(keep);
    return map;
}

// Fooling (Goodfellow, Shlens and Szegedy 2015): a change, small in every pixel, that makes
// the network call a picture it gets right something else. To first order, moving the
// pixels by dx changes the loss by sum_k g[k] dx[k], with g[k] = d(loss)/d(pixel k). If no
// pixel may move by more than e, the largest rise is e * sum_k |g[k]|, at dx[k] = e *
// sign(g[k]): every pixel moves by the whole e, each the way that raises the loss (the fast
// gradient sign method). Here e is one grey level, 1/255, and the pixels stay on the 256
// levels in [0, 1] that a picture file can hold: a black pixel pushed down, or a white one
// pushed up, stays where it is and adds nothing. Like saliency, it drops what it built.
void fooling_step(const MLP& model, std::vector<double>& pixels, int label, Loss loss) {
    size_t keep = graph.nodes.size();
    PixelQuestion q = ask_about_pixels(model, pixels);
    point_loss(q.outputs, label, loss).backward();
    for (size_t k = 0; k < pixels.size(); ++k) {
        double g = q.pixels[k].grad();
        double sign = g > 0 ? 1.0 : g < 0 ? -1.0 : 0.0;
        double level = std::round(pixels[k] * 255) + sign;  // one grey level uphill
        pixels[k] = std::clamp(level, 0.0, 255.0) / 255.0;
    }
    graph_truncate(keep);
}

// The class the network gives a picture: a forward pass alone, its nodes dropped after.
int classify(const MLP& model, const std::vector<double>& features, Loss loss) {
    size_t keep = graph.nodes.size();
    int c = predicted_class(data_of(model(features)), loss);
    graph_truncate(keep);
    return c;
}

// Steps, each from a fresh gradient (Kurakin, Goodfellow and Bengio 2017), until the
// network no longer says `label`, at most `budget` of them. A step moves a pixel by one
// level at most, so a picture fooled in k steps is within k levels of the original
// everywhere. Returns k, or 0 when the picture held out for the whole budget.
int fool(const MLP& model, std::vector<double>& pixels, int label, Loss loss, int budget) {
    for (int step = 1; step <= budget; ++step) {
        fooling_step(model, pixels, label, loss);
        if (classify(model, pixels, loss) != label) return step;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------
// 13. The experiments: every setting each one uses, and why
// ---------------------------------------------------------------------------------------
// What `./nn` runs, with its numbers in one place. Flags on the command line (section 20)
// change them afterwards.

// The hidden layers' sizes plus an output layer of n_outputs.
std::vector<int> layer_sizes(const TrainConfig& cfg, int n_outputs) {
    std::vector<int> sizes = cfg.hidden;
    sizes.push_back(n_outputs);
    return sizes;
}

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

// The XOR study trains every one of these hidden layers with every activation, from 50
// seeds each (seed, seed + 1, ...), to see how often each learns XOR and why it fails.
const std::vector<std::vector<int>> xor_hidden_layers = {{2}, {3}, {2, 2}};
const std::vector<Activation> xor_activations = {Activation::Tanh, Activation::Sigmoid,
                                                 Activation::ReLU};
const int xor_seeds = 50;

// A training set, a validation set (possibly empty) and a test set (possibly empty).
struct Split {
    Dataset train, val, test;
};

// XOR's four points are all there is to learn and to check: no validation or test set.
Split xor_split(uint64_t) { return {xor_data(), {}, {}}; }

// The spiral: 3 arms of 300 points, a fifth of them held out for validation. The test set
// is a fresh spiral of 3 x 1000 points from another seed. An accuracy p measured on n
// points is off from the one endless fresh points would give by about its standard
// error, sqrt(p (1 - p) / n): at p = 0.88, 1.1 points with 900 test points, 0.6 with 3000.
const int spiral_points_per_arm = 300;
const int spiral_test_points_per_arm = 1000;
const double spiral_noise = 0.2;

Split spiral_data(uint64_t seed) {
    Split d;
    d.train = spiral(spiral_points_per_arm, 3, spiral_noise, seed);
    Rng split_rng{seed + 1};
    d.val = split_off(d.train, 0.2, split_rng);
    d.test = spiral(spiral_test_points_per_arm, 3, spiral_noise, seed + 1000);
    return d;
}

TrainConfig spiral_settings() {
    TrainConfig cfg;
    cfg.hidden = {32, 32};
    cfg.act = Activation::ReLU;
    cfg.optimizer = OptimizerKind::Adam;
    cfg.learning_rate = 0.01;
    cfg.schedule = Schedule::Linear;  // large steps to find the arms, small ones to settle
    cfg.final_learning_rate = 0.0005;
    cfg.batch_size = 16;
    cfg.max_epochs = 150;
    cfg.patience = 40;
    return cfg;
}

// What momentum buys: the spiral's network and seed, trained with SGD for a fixed budget
// (40 epochs of mini-batches of 16, which early stopping never cuts short; each run still
// keeps its lowest validation loss's weights), once with momentum and once without.
TrainConfig momentum_comparison_settings() {
    TrainConfig cfg = spiral_settings();
    cfg.optimizer = OptimizerKind::SGD;
    cfg.learning_rate = 0.02;
    cfg.schedule = Schedule::Constant;
    cfg.max_epochs = 40;
    cfg.patience = cfg.max_epochs;
    return cfg;
}

// Two moons as in micrograd's demo: 100 points with noise 0.1, a test set of 100 more from
// another seed, no validation set.
Split moons_data(uint64_t seed) {
    return {moons(100, 0.1, seed), {}, moons(100, 0.1, seed + 1000)};
}

// micrograd's demo, setting for setting.
TrainConfig moons_settings() {
    TrainConfig cfg;
    cfg.hidden = {16, 16};
    cfg.act = Activation::ReLU;
    cfg.loss = Loss::Hinge;           // max(0, 1 - y * score), section 7
    cfg.learning_rate = 1.0;          // falling in a straight line to 0.1 over the 100
    cfg.schedule = Schedule::Linear;  // steps
    cfg.final_learning_rate = 0.1;
    cfg.momentum = 0.0;               // plain gradient descent
    cfg.l2 = 1e-4;                    // alpha in alpha * sum of w^2
    cfg.batch_size = 0;               // every step sees all 100 training points
    cfg.max_epochs = 100;
    // 100 steps are few: on the training points, seeds 1 to 5 reach 98, 100, 100, 94 and
    // 95%. Seed 2 is the first that gets all of them right, as micrograd's demo does (its
    // last step prints 100.0%); --seed shows the others.
    cfg.seed = 2;
    return cfg;
}

// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28 x 28 grey pictures of clothes, shoes
// and bags, 10 classes, 60,000 to train on and 10,000 to test on, as many of each class.
// MNIST's handwritten digits come in the same files and sizes. A stratified tenth of the
// training images is the validation set; the test images are used once, at the end.
Split image_split(Dataset train_images, Dataset test_images, Rng& rng) {
    Split d;
    d.val = split_off(train_images, 0.1, rng);
    d.train = train_images;
    d.test = test_images;
    return d;
}

// One hidden layer of 64 relu units: 784 x 64 + 64 + 64 x 10 + 10 = 50,890 weights. Adam
// on batches of 32, its rate falling from 0.001 to 0.0001. An epoch is long (54,000
// images, 3 to 4 s here), so a few are enough, and patience is short.
TrainConfig image_settings() {
    TrainConfig cfg;
    cfg.hidden = {64};
    cfg.act = Activation::ReLU;
    cfg.optimizer = OptimizerKind::Adam;
    cfg.learning_rate = 0.001;
    cfg.schedule = Schedule::Linear;
    cfg.final_learning_rate = 0.0001;
    cfg.batch_size = 32;
    cfg.max_epochs = 6;
    cfg.patience = 2;
    return cfg;
}

// After training, the image experiments ask about their test images' pixels (section 12):
// each of the first fooling_images that the network gets right is pushed a grey level a
// step until its class changes, for at most the largest budget, and the share changed
// within each budget is reported. 1,000 images give each share to within about 1.6 points
// (the standard error at 50%) and take a few seconds.
const int fooling_images = 1000;
const std::vector<int> fooling_budgets = {1, 2, 4, 8};  // in grey levels of 255

// =======================================================================================
// Part III: making it fast
// =======================================================================================

#include <chrono>

// ---------------------------------------------------------------------------------------
// 14. Making it fast: each speed choice, and what an epoch costs
// ---------------------------------------------------------------------------------------
// Where the graph's time goes is memory: each operation writes a node and 16 bytes an edge in
// the forward pass, and backward reads them again. With no pixel 0, one image's graph in
// 784-64-10 is 51,649 edges (0.8 MB), beside the weights' 50,890 nodes; a Fashion-MNIST
// image's is 26,458 edges on average, as its pixels of 0 make none (below). Section 8's
// hand-written loops know the network's shape and build nothing between a weight and its
// gradient. `make bench` prints a table: for networks from 2-16-16-3 to 784-256-256-10, the
// examples a second an epoch trains on the graph and with those loops (made fast in the same
// ways, below), and the ratio of the two (the graph's time over the loops'), 3.5 to 6 here.
// The graph is kept fast by the choices below; with each undone alone, the graph trains this
// many times as many examples a second (medians of three runs where not said otherwise, in
// turns with the unchanged program; docs/speed.md):
//   - data makes no edges (section 5): a leaf and an edge per pixel, 967 nodes and 101,825
//     edges an image instead of 183 and 51,649: 784-64-10 0.63x, 784-16-10 0.47x;
//   - a neuron's sum as one node (section 5): built from + and * (weighted_sum_literal,
//     below), a spiral point makes 673 nodes instead of 84: spiral 0.29x, 784-256-256-10
//     (whose second layer reads 256 Values) 0.26x;
//   - one point's graph at a time (section 11): one image's edges, 0.8 MB, are walked
//     back soon after they are written, while this core's caches still hold much of them;
//     a batch of 32 in one graph, 26 MB, is not: 784-64-10 0.49x;
//   - backward_from (below) starts at the step's first node: backward() walks the 50,890
//     weight leaves twice an image for nothing: 784-64-10 0.42x, spiral 0.83x;
//   - and skips a node whose grad is 0, as every relu unit that is off makes its sum's:
//     784-64-10 0.77x (tanh networks have none to skip);
//   - a layer four neurons at a time (layer_forward, below): 784-64-10 0.73x, spiral 0.93x;
//     and writing its edges into the graph directly, not through a buffer: 784-64-10 0.84x;
//   - and a data input of 0 left out of the first layer's sums, and its weights' edges with it:
//     Fashion-MNIST (half its pixels 0) trains 0.69x as many images a second (`./nn fashion
//     --epochs 2 --subset 20000`, five rounds); the bench's images, random bytes, have few;
//   - tanh through exp, tanh_of below: std::tanh in the graph's tanh gives spiral 0.91x;
//   - Edge's constructor (section 1), so that emplace_back builds each edge in place:
//     push_back({input, local}) builds it on the stack and copies it in: spiral 0.93x, the
//     images within the noise. Before the buffer it mattered (docs/speed.md); now it is
//     kept as the plainer way to write an edge.
// The runs move by 5 to 10% from one to the next, so a figure near 0.9 is a hint, not a
// measurement. Tried and left out, as they gained nothing here: Adam two weights at a time (its
// three divisions and a square root per weight take as long in pairs); a 24-byte Node without
// its op name (within the noise); holding a node's grad in a local in backward_from; a copy of
// each layer's weights in one array, made once a batch, for the forward pass to read 8 bytes a
// weight instead of a 32-byte node; sums first and edges after, written only for a relu that is
// on (the others are never walked). And what would bring the graph near the loops, left out as
// it would change how sections 1 to 3 read: a node whose edges go to a run of weights with
// their local derivatives stored once, not one 16-byte edge per weight.
// And one choice for memory: Dataset::subset reserves what it will copy (section 10). A
// vector grown by appending reallocates as it goes and holds both copies while it does,
// and the validation split copies 54,000 images while the 60,000 are still held: without
// the reserve, `/usr/bin/time -v ./nn fashion` peaks at 155 MB instead of 111.

// tanh(x) = (1 - e^-2x) / (1 + e^-2x), its definition, taken at |x| so that the exponent
// is never positive and large |x| give exactly +-1. It agrees with std::tanh to 5e-16 (a
// test checks), in absolute terms: near 0, where 1 - e cancels, its relative error grows
// (8e-8 at x = 1e-10, 1e-13 at 1e-5).
double tanh_of(double x) {
    double e = std::exp(-2.0 * std::fabs(x));
    double t = (1.0 - e) / (1.0 + e);
    return x < 0 ? -t : t;
}

// A neuron's w . x + b as micrograd builds it: b + w[0]*x[0] + w[1]*x[1] + ..., one * and
// one + per input: 2n nodes and 4n edges, where weighted_sum makes one node and 2n + 1
// edges, with the same value and gradients (a test checks).
Value weighted_sum_literal(const std::vector<Value>& w, const std::vector<Value>& x, Value b) {
    assert(w.size() == x.size());
    Value sum = b;
    for (size_t i = 0; i < w.size(); ++i) sum = sum + w[i] * x[i];
    return sum;
}

// ---- A layer four neurons at a time: training's forward pass (section 11 calls it)
// A neuron's sum b + w[0] x[0] + w[1] x[1] + ... is a chain: each addition waits for the one
// before, while the processor could start one or two a cycle. Four neurons' sums side by
// side are four chains that do not wait for each other. Each is still added in
// weighted_sum's order, so every value is the same to the last bit. Their edges are written
// to a small buffer, then appended to the graph a neuron at a time: making room in the graph
// first and writing them there, four places at once, trains 784-64-10 at 0.84x (measured).
//
// And a pixel of 0 is left out. Its term w * 0 adds nothing to a sum, and its weight's edge
// carries d(sum)/dw = 0, so it passes nothing back. Half of Fashion-MNIST's pixels are 0
// (black), so this halves the first layer's edges. Every value and grad stays the same to
// the last bit, but in cases no run meets: the sign of a sum that is exactly 0 (-0 + 0 is
// +0), which no activation or loss tells apart; and a weight, or a grad reaching the sum,
// that is already infinite or NaN (infinity times 0 is NaN), when the run has diverged.
// Each neuron gets weighted_sum's edges, less those (a test checks).

// Neuron k of ns[0..3]: its sum in sums[k], its edges from edges[k * per_neuron] on. Input
// i is x[i], which each neuron multiplies by its weight number at[i]; the input is the Value
// whose node is x_ids[i], or data (x_ids nullptr).
void four_sums(const Neuron* const* ns, const double* x, const int* at, const int* x_ids,
               size_t n, Edge* edges, double* sums) {
    const Node* nodes = graph.nodes.data();
    size_t per_neuron = (x_ids ? 2 * n : n) + 1, per_input = x_ids ? 2 : 1;
    double s0 = nodes[ns[0]->bias.id].data, s1 = nodes[ns[1]->bias.id].data;
    double s2 = nodes[ns[2]->bias.id].data, s3 = nodes[ns[3]->bias.id].data;
    const Value *w0 = ns[0]->weights.data(), *w1 = ns[1]->weights.data();
    const Value *w2 = ns[2]->weights.data(), *w3 = ns[3]->weights.data();
    for (size_t i = 0; i < n; ++i) {
        double xi = x[i];
        int weight = at[i];
        int id0 = w0[weight].id, id1 = w1[weight].id, id2 = w2[weight].id, id3 = w3[weight].id;
        double a0 = nodes[id0].data, a1 = nodes[id1].data;
        double a2 = nodes[id2].data, a3 = nodes[id3].data;
        s0 += a0 * xi;
        s1 += a1 * xi;
        s2 += a2 * xi;
        s3 += a3 * xi;
        Edge* e = edges + i * per_input;                    // neuron 0's edges for input i
        e[0] = Edge(id0, xi);                               // d(sum)/dw = x[i]
        e[per_neuron] = Edge(id1, xi);                      // neuron 1's
        e[2 * per_neuron] = Edge(id2, xi);
        e[3 * per_neuron] = Edge(id3, xi);
        if (x_ids) {
            e[1] = Edge(x_ids[i], a0);                      // d(sum)/dx[i] = w
            e[per_neuron + 1] = Edge(x_ids[i], a1);
            e[2 * per_neuron + 1] = Edge(x_ids[i], a2);
            e[3 * per_neuron + 1] = Edge(x_ids[i], a3);
        }
    }
    for (size_t k = 0; k < 4; ++k)
        edges[(k + 1) * per_neuron - 1] = Edge(ns[k]->bias.id, 1.0);  // d(sum)/db = 1
    sums[0] = s0, sums[1] = s1, sums[2] = s2, sums[3] = s3;
}

// The layer's outputs: its sums, each a node with its edges appended from the buffer, then
// their activations. A last group of fewer than four neurons repeats the layer's last
// neuron to make four, and drops the copies, so that one path makes every sum. Layer's
// operator() makes each sum's activation right after it; the other order changes no grad,
// as a sum's edges go to its own weights and to the layer's inputs, which receive their
// shares in the same order.
std::vector<Value> layer_outputs(const Layer& layer, const double* x, const int* at,
                                 const int* x_ids, size_t n) {
    size_t count = layer.neurons.size(), per_neuron = (x_ids ? 2 * n : n) + 1;
    std::vector<Edge> buffer(4 * per_neuron);
    std::vector<Value> out;
    for (size_t j = 0; j < count; j += 4) {
        const Neuron* four[4];
        for (size_t k = 0; k < 4; ++k) four[k] = &layer.neurons[std::min(j + k, count - 1)];
        double sums[4];
        four_sums(four, x, at, x_ids, n, buffer.data(), sums);
        for (size_t k = 0; k < 4 && j + k < count; ++k) {
            auto run = buffer.begin() + long(k * per_neuron);
            size_t first_edge = graph.edges.size();
            graph.edges.insert(graph.edges.end(), run, run + long(per_neuron));
            out.push_back(Value(sums[k], "w.x+b", first_edge));
        }
    }
    for (Value& v : out) v = activate(v, layer.act);
    return out;
}

// The first layer reads data, and leaves out the inputs that are 0 (above). The arrays are
// sized once: grown by push_back, they trained 784-16-10 at 0.8x and the spiral at 0.9x.
std::vector<Value> layer_forward(const Layer& layer, const std::vector<double>& data) {
    assert(layer.neurons.empty() || layer.neurons[0].weights.size() == data.size());
    std::vector<double> values(data.size());
    std::vector<int> at(data.size());
    size_t n = 0;
    for (size_t i = 0; i < data.size(); ++i) {
        if (data[i] == 0.0) continue;
        values[n] = data[i];
        at[n++] = int(i);
    }
    return layer_outputs(layer, values.data(), at.data(), nullptr, n);
}

// A later layer reads every one of its Values: an edge to one carries w, not 0.
std::vector<Value> layer_forward(const Layer& layer, const std::vector<Value>& x) {
    assert(layer.neurons.empty() || layer.neurons[0].weights.size() == x.size());
    std::vector<double> values = data_of(x);
    std::vector<int> at(x.size()), ids(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        at[i] = int(i);
        ids[i] = x[i].id;
    }
    return layer_outputs(layer, values.data(), at.data(), ids.data(), x.size());
}

// ---- backward_from: training's backward pass (section 11 calls it)
// Section 3's backward(), with two differences. It zeroes and walks the nodes from `out`
// down to node `first` only: a training step passes the first node it made, so that the
// walk skips the network's weights, leaves made before it with no edges to pass anything
// down (they still receive their shares: an edge adds to its input's grad wherever that
// input is). And a node whose grad is 0 passes 0 down every edge, so the walk skips it: in
// a relu network, each unit that is off (relu's local derivative 0) leaves its sum's grad
// at 0, and that sum's edges, one per weight, are not walked. Adding 0 changes no grad, so
// the grads are backward()'s to the last bit, but for one case: 0 times an infinite local
// derivative is NaN, which backward() passes on and this walk does not. Only a weight that
// has already become infinite makes one.
void backward_from(Value out, int first) {
    std::vector<Node>& nodes = graph.nodes;
    for (int i = first; i <= out.id; ++i) {
        if (nodes[i].edge_count > 0) nodes[i].grad = 0.0;
    }
    nodes[out.id].grad += 1.0;
    for (int i = out.id; i >= first; --i) {
        const Node& node = nodes[i];
        if (node.grad == 0.0) continue;
        for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
            const Edge& edge = graph.edges[e];
            nodes[edge.input].grad += edge.local * node.grad;
        }
    }
}

// ---- The bench: `./nn bench` (or `make bench`)
// Each network of bench_networks (below) trains for an epoch on the graph and then with
// section 8's loops, in turns, with softmax cross-entropy and momentum SGD: the spiral's
// 300 points (noise 0.2) one at a time, or 320 images of 28 x 28 pixels (made up, so that
// it needs no data set) in 10 steps of 32. A row gives each kind's examples a second in its
// fastest epoch, their ratio, and the size of one example's graph.

double milliseconds_since(std::chrono::steady_clock::time_point start) {
    std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - start;
    return d.count();
}

// One epoch on the graph: the data in order, one train_step per batch, momentum SGD
// (lr 0.01, mu 0.9) starting from a velocity of 0.
void graph_epoch(MLP& model, const Dataset& data, int batch_size) {
    std::vector<Value> params = model.parameters();
    TrainConfig cfg;  // softmax cross-entropy, no L2, no dropout
    Optimizer opt{OptimizerKind::SGD, 0.01, 0.9};
    Rng unused{0};    // dropout's masks
    for (const std::vector<int>& batch : batches_of(in_order(data.size()), batch_size))
        train_step(model, params, data, batch, cfg, opt, unused);
}

// The momentum update of section 9 on plain arrays, for a gradient `grad * scale`.
void dense_momentum_step(std::vector<double>& w, std::vector<double>& v,
                         const std::vector<double>& grad, double scale) {
    for (size_t i = 0; i < w.size(); ++i) {
        v[i] = 0.9 * v[i] - 0.01 * (grad[i] * scale);
        w[i] += v[i];
    }
}

// Section 8's loops made fast, so that the bench compares the graph with the best of them:
// in the graph's two ways, four neurons' sums at once, each in the order dense_forward adds
// it, and no work for a neuron whose delta is 0; and in one of their own, y += a x two at a
// time. The same numbers to the last bit (a test checks). Undone alone, each leaves the
// loops this many times as many images a second: 0.49x, 0.59x and 0.86x (784-64-10).
void four_dense_sums(const DenseLayer& L, const double* in, int j, double* z) {
    size_t n = size_t(L.n_in);
    const double* w = &L.w[size_t(j) * n];
    double z0 = L.b[j], z1 = L.b[j + 1], z2 = L.b[j + 2], z3 = L.b[j + 3];
    for (size_t i = 0; i < n; ++i) {
        double x = in[i];
        z0 += w[i] * x;
        z1 += w[n + i] * x;
        z2 += w[2 * n + i] * x;
        z3 += w[3 * n + i] * x;
    }
    z[0] = z0, z[1] = z1, z[2] = z2, z[3] = z3;
}

const std::vector<double>& fast_dense_forward(DenseMLP& net, const std::vector<double>& x) {
    net.input = x;
    const double* in = net.input.data();
    for (DenseLayer& L : net.layers) {
        int j = 0;
        for (; j + 4 <= L.n_out; j += 4) four_dense_sums(L, in, j, &L.out[size_t(j)]);
        for (; j < L.n_out; ++j) {
            double z = L.b[j];
            for (int i = 0; i < L.n_in; ++i) z += L.w[j * L.n_in + i] * in[i];
            L.out[size_t(j)] = z;
        }
        for (double& z : L.out) z = dense_activate(z, L.act);
        in = L.out.data();
    }
    return net.layers.back().out;
}

// y[i] += a * x[i], two at a time: g++ makes each pair one instruction, once both pairs
// are read before either is written (y might overlap x, for all it knows).
void add_scaled(double* y, const double* x, double a, size_t n) {
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        double x0 = x[i], x1 = x[i + 1], y0 = y[i], y1 = y[i + 1];  // all read first
        y[i] = y0 + a * x0;
        y[i + 1] = y1 + a * x1;
    }
    if (i < n) y[i] += a * x[i];
}

// dense_backward's loops, a neuron at a time. g turns into the layer before's g as it goes
// back; g_in is room for it, kept between calls.
void fast_dense_backward(DenseMLP& net, std::vector<double>& g, std::vector<double>& g_in) {
    for (int l = int(net.layers.size()) - 1; l >= 0; --l) {
        DenseLayer& L = net.layers[l];
        const double* in = l == 0 ? net.input.data() : net.layers[l - 1].out.data();
        size_t n = size_t(L.n_in);
        g_in.assign(n, 0.0);
        for (int j = 0; j < L.n_out; ++j) {
            double delta = g[j] * dense_slope(L.out[j], L.act);
            if (delta == 0.0) continue;
            double* grad_w = &L.grad_w[size_t(j) * n];
            const double* w = &L.w[size_t(j) * n];
            add_scaled(grad_w, in, delta, n);
            L.grad_b[j] += delta;
            if (l > 0) add_scaled(g_in.data(), w, delta, n);
        }
        g.swap(g_in);
    }
}

// The same epoch by hand: a batch's gradient is the sum of its examples' (dense_backward
// adds), divided by the batch's size as the graph's mean loss divides it, then the step.
void dense_epoch(DenseMLP& net, const Dataset& data, int batch_size) {
    std::vector<std::vector<double>> vw, vb;  // momentum velocities, per layer
    for (const DenseLayer& L : net.layers) {
        vw.emplace_back(L.w.size(), 0.0);
        vb.emplace_back(L.b.size(), 0.0);
    }
    std::vector<double> g, g_in;
    for (const std::vector<int>& batch : batches_of(in_order(data.size()), batch_size)) {
        dense_zero_grad(net);
        for (int i : batch) {
            const std::vector<double>& out = fast_dense_forward(net, data.features(size_t(i)));
            dense_softmax_cross_entropy(out, data.labels[size_t(i)], g);
            fast_dense_backward(net, g, g_in);
        }
        double mean = 1.0 / double(batch.size());
        for (size_t l = 0; l < net.layers.size(); ++l) {
            DenseLayer& L = net.layers[l];
            dense_momentum_step(L.w, vw[l], L.grad_w, mean);
            dense_momentum_step(L.b, vb[l], L.grad_b, mean);
        }
    }
}

struct BenchTimes {
    double graph_ms = 1e300, dense_ms = 1e300;  // the fastest epoch of each kind
};

// `epochs` epochs of each kind, taken in turns. On a shared machine other work slows every
// loop, the hand-written one too, for tens of milliseconds at a time (by up to 1.8 times on
// ours); the fastest epoch is what the code itself costs, where a median would partly
// measure the neighbours. Each kind trains on from where its last epoch ended, so after
// the run the model and net hold the same weights (a test checks).
BenchTimes time_epochs(MLP& model, DenseMLP& net, const Dataset& data, int batch_size,
                       int epochs) {
    BenchTimes t;
    for (int rep = 0; rep < epochs; ++rep) {
        auto start = std::chrono::steady_clock::now();
        graph_epoch(model, data, batch_size);
        t.graph_ms = std::min(t.graph_ms, milliseconds_since(start));
        start = std::chrono::steady_clock::now();
        dense_epoch(net, data, batch_size);
        t.dense_ms = std::min(t.dense_ms, milliseconds_since(start));
    }
    return t;
}

// Images for the bench's image rows, made here so that it runs without a data set: 28 x 28
// random bytes, the class of image k being k mod 10. What they show does not change what an
// epoch costs, but how many pixels are 0 does (section 14 leaves them out): here one in 256,
// where half of a Fashion-MNIST image's are, so the graph's rows are its slowest case.
Dataset bench_images(int count) {
    Dataset data;
    data.kind = DataKind::Images;
    data.dims = 28 * 28;
    Rng rng{7};
    for (int k = 0; k < count; ++k) {
        for (int p = 0; p < data.dims; ++p) data.bytes.push_back(uint8_t(rng.below(256)));
        data.labels.push_back(k % 10);
    }
    return data;
}

// The nodes and edges an example's forward pass and loss add to the graph, on average over
// the data (rounded): a data input of 0 makes no edges in the first layer (section 14), and
// the spiral's three points at the origin have both coordinates 0.
std::pair<size_t, size_t> graph_size_of_example(const MLP& model, const Dataset& data) {
    size_t nodes = graph.nodes.size(), edges = graph.edges.size();
    size_t added_nodes = 0, added_edges = 0;  // over all the examples
    for (size_t i = 0; i < data.size(); ++i) {
        point_loss(forward(model, data, int(i)), data.labels[i], Loss::SoftmaxCrossEntropy);
        added_nodes += graph.nodes.size() - nodes;
        added_edges += graph.edges.size() - edges;
        graph_truncate(nodes);
    }
    double count = double(data.size());
    return {size_t(std::lround(added_nodes / count)), size_t(std::lround(added_edges / count))};
}

// The bench's networks, smallest to largest: the spiral's with single points, then four
// image networks on batches of 32, the third Fashion-MNIST's. An image network's graph for
// one example grows with its weights; 784-256-256-10's (5.4 MB) is larger than this core's
// 1 MB L2 cache. Each row is timed for `epochs` epochs of each kind (about a second).
struct BenchNetwork {
    const char* name;  // as the table shows it
    std::vector<int> sizes;
    Activation act;
    bool spiral;  // else images
    int batch_size, epochs;
};

const std::vector<BenchNetwork> bench_networks = {
    {"2-16-16-3 tanh", {16, 16, 3}, Activation::Tanh, true, 1, 500},
    {"784-16-10 relu", {16, 10}, Activation::ReLU, false, 32, 40},
    {"784-64-10 relu", {64, 10}, Activation::ReLU, false, 32, 10},
    {"784-256-10 relu", {256, 10}, Activation::ReLU, false, 32, 4},
    {"784-256-256-10 relu", {256, 256, 10}, Activation::ReLU, false, 32, 3},
};

// One row: the network, its examples a second on the graph and by hand (the fastest epoch
// of each), their ratio, and one example's nodes and edges.
void bench_row(const BenchNetwork& b, const Dataset& data) {
    MLP model(data.dims, b.sizes, b.act, 1);
    DenseMLP net = dense_copy(model);
    BenchTimes t = time_epochs(model, net, data, b.batch_size, b.epochs);
    auto [nodes, edges] = graph_size_of_example(model, data);
    double examples = 1000.0 * double(data.size());
    std::printf("%-20s %-6s %5d %11.0f %11.0f %6.2f %6zu %8zu\n", b.name,
                b.spiral ? "points" : "images", b.batch_size, examples / t.graph_ms,
                examples / t.dense_ms, t.graph_ms / t.dense_ms, nodes, edges);
    std::fflush(stdout);
}

// `./nn bench`: the table, a row per network. The spiral has 300 points (noise 0.2); the
// images are bench_images(320), 10 steps of 32.
void run_bench() {
    Dataset spiral_set = spiral(100, 3, 0.2, 1);
    Dataset images = bench_images(320);
    std::printf("network              data   batch  graph ex/s  loops ex/s  ratio  nodes"
                "    edges\n");
    for (const BenchNetwork& b : bench_networks) bench_row(b, b.spiral ? spiral_set : images);
}


// =======================================================================================
// Part IV: the program. Files, pictures, the terminal view, running the experiments, and
// the command line: what only the program needs. Skip it on a first read.
// =======================================================================================

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <new>
#include <optional>
#include <string>

// The plumbing is internal to this file (an unnamed namespace), so that a program which
// includes nn.cpp and does not call nn_main, such as `make check`'s tests, is spared
// compiling it.
namespace {

// Training stops early when asked: a watched run (section 19) looks at this flag before
// every step, so a run that is asked to stop ends between two steps, with whole weights,
// and what it learned can still be saved. The program asks when Ctrl-C is pressed
// (section 20, which sets the flag and says why it has this type).
volatile std::sig_atomic_t stop_requested = 0;

// The names a run prints and writes, and the command line takes: one switch per kind.
const char* activation_name(Activation act) {
    switch (act) {
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::ReLU: return "relu";
    case Activation::Linear: return "linear";
    }
    return "?";
}

// As its authors write it; --optimizer and results.csv take it in lower case.
const char* optimizer_name(OptimizerKind kind) {
    switch (kind) {
    case OptimizerKind::SGD: return "SGD";
    case OptimizerKind::RMSprop: return "RMSprop";
    case OptimizerKind::Adam: return "Adam";
    }
    return "?";
}

// The kinds --act and --optimizer take (Linear is the output layer's alone), by the names
// the switches above give them. A model file (section 15) names its activation the same way.
const Activation flag_activations[] = {Activation::Tanh, Activation::Sigmoid, Activation::ReLU};
const OptimizerKind flag_optimizers[] = {OptimizerKind::SGD, OptimizerKind::RMSprop,
                                         OptimizerKind::Adam};

std::string lower_case(std::string text) {
    for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// ---------------------------------------------------------------------------------------
// 15. Files: one checked way to write a file; CSV logs; PPM; gzip, IDX, models, Netpbm
// ---------------------------------------------------------------------------------------

// A failure while running (a file that cannot be written): one line, exit status 1.
[[noreturn]] void fatal(const std::string& message) {
    std::fflush(stdout);  // so the message comes after what was printed before it
    std::fprintf(stderr, "nn: %s\n", message.c_str());
    std::exit(1);
}

// Bad input from the command line: one line, exit status 2.
[[noreturn]] void bad_input(const std::string& message) {
    std::fprintf(stderr, "nn: %s (./nn --help lists the experiments and flags)\n",
                 message.c_str());
    std::exit(2);
}

// A value as an error message shows it: in quotes, control characters escaped, so that
// the message stays on one line, and a long one cut to its first 40 characters and its
// length, so that the line stays readable. The cut falls between characters of UTF-8,
// never inside one; a character is a byte that does not continue one (10xxxxxx).
std::string in_quotes(const std::string& text) {
    auto continues = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    size_t characters = 0, cut = text.size();
    for (size_t i = 0; i < text.size(); ++i) {
        if (continues(text[i])) continue;
        if (characters++ == 40) cut = i;  // where the 41st character starts
    }
    std::string q = "'";
    for (char c : text.substr(0, cut)) {
        char escaped[8];
        unsigned char u = static_cast<unsigned char>(c);
        std::snprintf(escaped, sizeof escaped, "\\x%02x", unsigned(u));
        q += std::iscntrl(u) ? std::string(escaped) : std::string(1, c);
    }
    q += "'";
    if (cut < text.size()) q += "... (" + std::to_string(characters) + " characters)";
    return q;
}

// A path as a message shows it: its folder as in_quotes shows a flag value (the folder is
// what --out or --data gave), then the file's own name, which the program chose, whole.
std::string quoted_path(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return in_quotes(path);
    return in_quotes(path.substr(0, slash)) + path.substr(slash);
}

// The output directory (--out), made before anything is trained. A link to nothing, or a
// file, at its name is named as such, rather than as create_directories' "File exists".
void make_directory(const std::string& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (!error) return;
    std::string why = error.message();
    std::filesystem::file_status target = std::filesystem::status(dir, error);
    if (!std::filesystem::exists(target) &&
        std::filesystem::is_symlink(std::filesystem::symlink_status(dir, error)))
        why = "it is a link to nothing";
    else if (std::filesystem::exists(target) && !std::filesystem::is_directory(target))
        why = "it is a file, not a folder";
    bad_input("--out: cannot create the directory " + in_quotes(dir) + " (" + why +
              "); give a directory you can write");
}

// The temporary file being written, if any, for the signal handlers and for running out
// of memory (section 20): each removes it on the way out. Globals, as a handler can reach
// nothing else; `writing` is 1 only while writing_tmp holds a whole path.
char writing_tmp[4096];
volatile std::sig_atomic_t writing = 0;

extern "C" int getpid();  // POSIX, declared here as isatty is (section 17)

// Creates PATH.PID.N.tmp for the first N from 0 whose name is free, and opens it. Mode "x"
// (C11's fopen, as open's O_CREAT | O_EXCL) creates the file or fails if the name exists,
// and with O_EXCL a symbolic link there is not followed either: nothing planted at the
// name, a link or a FIFO, is ever opened or waited on, and no other run's file is touched.
// The PID keeps two runs on one --out apart; a stale file of a killed run moves N on.
// The name is in writing_tmp before the file exists, so a signal cannot miss the file; a
// name we then fail to create carries our PID, so it is no other live run's.
FILE* create_temporary(const std::string& path) {
    for (int n = 0; n < 100; ++n) {
        writing = 0;
        int length = std::snprintf(writing_tmp, sizeof writing_tmp, "%s.%d.%d.tmp",
                                   path.c_str(), getpid(), n);
        if (length < 0 || length >= int(sizeof writing_tmp)) {
            errno = ENAMETOOLONG;
            return nullptr;
        }
        writing = 1;
        FILE* f = std::fopen(writing_tmp, "wbx");
        if (f) return f;
        writing = 0;
        if (errno != EEXIST) return nullptr;
    }
    return nullptr;  // errno is EEXIST: 100 stale files of this PID
}

// Removes the temporary file create_temporary made, and forgets it.
void remove_temporary() {
    std::remove(writing_tmp);
    writing = 0;
}

// Every file the program writes goes through here. The bytes go to a temporary file of
// its own; the write, the flush and the close are each checked; only then is it renamed
// onto PATH. So nobody ever sees half a file, and a full disk or a file size limit stops
// the run with a message instead of leaving a short file behind.
void save_file(const std::string& path, const std::string& bytes) {
    FILE* f = create_temporary(path);
    bool ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = f && std::fflush(f) == 0 && ok;
    int error = errno;
    if (f && std::fclose(f) != 0) {
        ok = false;
        error = errno;
    }
    if (ok && std::rename(writing_tmp, path.c_str()) == 0) {
        writing = 0;
        return;
    }
    if (ok) error = errno;  // the rename failed
    if (f) remove_temporary();
    fatal("cannot write " + quoted_path(path) + ": " + std::strerror(error));
}

// One training run's log: a header, then one row per epoch.
std::string epoch_log_csv(const std::vector<EpochStats>& history) {
    std::string csv = "epoch,train_loss,val_loss,train_acc,val_acc,learning_rate\n";
    for (const EpochStats& s : history) {
        char row[200];
        std::snprintf(row, sizeof row, "%d,%.6g,%.6g,%.4f,%.4f,%.6g\n", s.epoch, s.train_loss,
                      s.val_loss, s.train_acc, s.val_acc, s.learning_rate);
        csv += row;
    }
    return csv;
}

// Where the files go, and results.csv: one row per training run. The rows so far are kept
// here and the whole file is written again after each run, so it never holds half a row.
struct Output {
    std::string dir;
    std::string results = "experiment,architecture,activation,optimizer,seed,epochs_run,"
                          "stop_reason,train_loss,val_loss,train_acc,val_acc,test_acc\n";
    int diverged_runs = 0;  // if any, the program's exit status is 1
};

// Why a file cannot be written at `path`, or "": save_file's temporary file beside it is
// made and removed (that finds a folder that cannot be written, or a path too long), and a
// folder at `path` itself is named as such, as nothing can be renamed onto it.
std::string write_fault(const std::string& path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) return "it is a folder";
    FILE* f = create_temporary(path);
    if (!f) return std::strerror(errno);
    std::fclose(f);
    remove_temporary();
    return "";
}

// Makes sure files can be written in dir before anything is computed: a run that cannot
// save what it learned should not start. The file tried has a name longer than any the
// program writes.
void check_output_folder(const std::string& dir) {
    make_directory(dir);
    std::string fault = write_fault(dir + "/" + std::string(60, 'n'));
    if (!fault.empty())
        bad_input("--out: cannot write files in " + in_quotes(dir) + ": " + fault);
}

// --save's file, checked in the same way before training: a run that could not keep its
// weights should not spend a minute learning them.
void check_save_path(const std::string& path) {
    std::string fault = write_fault(path);
    if (!fault.empty()) bad_input("--save: cannot write " + in_quotes(path) + ": " + fault);
}

// The output folder checked, and nothing that is not a file where a log or picture would
// go.
void check_output(const Output& out) {
    check_output_folder(out.dir);
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(out.dir, error)) {
        std::string ext = entry.path().extension().string();
        bool ours = ext == ".ppm" || ext == ".csv" || ext == ".gif";
        if (ours && !entry.is_regular_file(error))
            bad_input("--out: " + in_quotes(entry.path().filename().string()) + " in " +
                      in_quotes(out.dir) + " is not a file, and the program writes its logs "
                      "and pictures there");
    }
}

// The output checked (and --save's file, if any, once --out, which may be its folder, is
// made), and results.csv begun: the last checks before the first write of a run that trains.
void prepare_output(const Output& out, const std::string& save_path = "") {
    std::error_code error;
    bool existed = std::filesystem::exists(out.dir, error);
    check_output(out);  // first, as --save's file may go in --out
    if (!save_path.empty() && !write_fault(save_path).empty()) {
        if (!existed) std::filesystem::remove(out.dir, error);  // a refused run leaves none
        check_save_path(save_path);
    }
    save_file(out.dir + "/results.csv", out.results);
}

// "784-64-10": the inputs, then each layer's size.
std::string architecture(int n_inputs, const std::vector<int>& sizes) {
    std::string name = std::to_string(n_inputs);
    for (int n : sizes) name += "-" + std::to_string(n);
    return name;
}

// "2-16-16-3", from the settings.
std::string architecture(const TrainConfig& cfg, int n_outputs, int n_inputs = 2) {
    return architecture(n_inputs, layer_sizes(cfg, n_outputs));
}

// "spiral_2-32-32-3_relu": a run's log is named by its experiment, network and activation.
std::string run_name(const std::string& experiment, const TrainConfig& cfg, int n_outputs,
                     int n_inputs = 2) {
    return experiment + "_" + architecture(cfg, n_outputs, n_inputs) + "_" +
           activation_name(cfg.act);
}

// Adds a run's row to results.csv: the figures of the epoch whose weights it kept.
void add_result(Output& out, const std::string& experiment, const std::string& arch,
                const TrainConfig& cfg, const TrainResult& r, double test_accuracy) {
    const EpochStats& kept = r.kept();
    char row[400];
    std::snprintf(row, sizeof row, "%s,%s,%s,%s,%llu,%d,%s,%.6g,%.6g,%.4f,%.4f,%.4f\n",
                  experiment.c_str(), arch.c_str(), activation_name(cfg.act),
                  lower_case(optimizer_name(cfg.optimizer)).c_str(),
                  (unsigned long long)cfg.seed,
                  int(r.history.size()) - 1, stop_reason_name(r.stop), kept.train_loss,
                  kept.val_loss, kept.train_acc, kept.val_acc, test_accuracy);
    out.results += row;
    save_file(out.dir + "/results.csv", out.results);
}

struct Color {
    uint8_t r, g, b;
};

// A picture 0 pixels wide is one abandoned after a stop signal: nothing is saved of it.
struct Image {
    int width, height;
    std::vector<Color> pixels;  // row by row from the top-left corner

    Image(int w, int h, Color fill) : width(w), height(h), pixels(size_t(w) * h, fill) {}

    void set(int x, int y, Color c) {
        if (x >= 0 && y >= 0 && x < width && y < height) pixels[size_t(y) * width + x] = c;
    }
};

// PPM (P6) is the simplest image format there is: a text header "P6 width height 255",
// then the red, green and blue bytes of each pixel, row by row from the top. Most image
// viewers open it, and nothing needs installing to write it.
void save_ppm(const Image& image, const std::string& path) {
    std::string bytes = "P6\n" + std::to_string(image.width) + " " +
                        std::to_string(image.height) + "\n255\n";
    for (const Color& c : image.pixels) bytes += {char(c.r), char(c.g), char(c.b)};
    save_file(path, bytes);
}

// Real images (MNIST, Fashion-MNIST) come as their authors distribute them: IDX files,
// gzip-compressed. Reading them takes no library. gzip is DEFLATE (RFC 1951) in a thin
// wrapper (RFC 1952); DEFLATE replaces strings seen before by (length, distance)
// back-references, then writes each symbol in a Huffman code, which gives the frequent
// symbols the short codes.

// A table of what eight one-bit steps of CRC-32 (below) do to each value of the low byte.
std::vector<uint32_t> crc32_table() {
    std::vector<uint32_t> table(256);
    for (uint32_t byte = 0; byte < 256; ++byte) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; ++bit) crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        table[byte] = crc;
    }
    return table;
}

// CRC-32, gzip's check that the data came out as it went in: the remainder of the data,
// read as one long polynomial over GF(2), divided by a fixed polynomial. gzip takes each
// byte's lowest bit first, so the remainder shifts right and the polynomial is written
// bit-reversed, 0xEDB88320. Starting from all ones makes leading zero bytes count.
uint32_t crc32(const uint8_t* bytes, size_t n) {
    static const std::vector<uint32_t> table = crc32_table();
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) crc = table[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

// DEFLATE packs its fields into bytes from each byte's lowest bit up, and gzip's numbers
// are little-endian, so one reader serves both. Past the end of the input it returns zeros
// and records that the input was truncated. Every loop that reads stops once `error` is
// set, so no input, however corrupt, can make the decoder run on or read out of bounds.
// It also carries the decoder's two bounds on the output: where the gzip member being read
// began (a back-reference reaches no further), and `most`, past which decoding stops.
struct BitReader {
    const std::vector<uint8_t>& bytes;
    size_t next = 0;          // the next byte to move into `buffer`
    uint64_t buffer = 0;      // bits moved in but not yet read, the next one lowest
    int buffered = 0;         // how many bits `buffer` holds
    std::string error;        // the first fault found; empty while all is well
    size_t member_start = 0;  // where this member's bytes begin in the output
    size_t most = SIZE_MAX;   // every loop that writes stops once the output is longer

    explicit BitReader(const std::vector<uint8_t>& input) : bytes(input) {}

    void fail(const std::string& fault) {
        if (error.empty()) error = fault;
    }

    // The next n bits (n <= 32), the first one read lowest.
    uint32_t bits(int n) {
        while (buffered < n) {
            if (next == bytes.size()) {
                fail("truncated: the file ends inside the gzip stream");
                return 0;
            }
            buffer |= uint64_t(bytes[next++]) << buffered;
            buffered += 8;
        }
        uint32_t value = uint32_t(buffer & ((uint64_t(1) << n) - 1));
        buffer >>= n;
        buffered -= n;
        return value;
    }

    // Stored blocks and gzip's trailer start at a byte boundary.
    void skip_to_byte() { bits(buffered % 8); }

    size_t byte_position() const { return next - size_t(buffered / 8); }
};

// A canonical Huffman code is fixed by its code lengths alone. The codes of one length are
// consecutive numbers, given to the symbols in order; the first code of each length is one
// past the last code of the length before, doubled. So a decoder needs only how many codes
// each length has, and the symbols in the order of their codes.
struct Huffman {
    int count[16] = {};        // count[n]: how many symbols have an n-bit code, n = 1..15
    std::vector<int> symbols;  // the symbols that have a code, in the order of their codes
    int unused = 0;            // 15-bit patterns that no code begins; < 0: over-subscribed
};

// The code in which symbol s has a code of lengths[s] bits (0: s has no code).
Huffman make_huffman(const std::vector<int>& lengths) {
    Huffman h;
    for (int n : lengths) h.count[n]++;
    h.count[0] = 0;
    // There are 2 one-bit patterns; each length doubles what the shorter codes left free.
    int left = 1;
    for (int n = 1; n <= 15; ++n) left = 2 * left - h.count[n];
    h.unused = left;
    for (int n = 1; n <= 15; ++n) {
        for (size_t s = 0; s < lengths.size(); ++s) {
            if (lengths[s] == n) h.symbols.push_back(int(s));
        }
    }
    return h;
}

// Reads one symbol a bit at a time, the code's first bit first. After n bits, `code` is the
// code so far, `first` the first n-bit code, `index` where the n-bit codes' symbols start.
// -1: the bits are no code of h (possible only when h is incomplete).
int decode_symbol(BitReader& in, const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int n = 1; n <= 15; ++n) {
        code |= int(in.bits(1));
        int count = h.count[n];
        if (code - first < count) return h.symbols[size_t(index + code - first)];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

// Lengths that promise more codes than there are bit patterns (over-subscribed) are never
// meant. Lengths that leave patterns unused (incomplete) are allowed only where RFC 1951
// needs them, as zlib allows them: a literal/length or distance code of one symbol, sent
// as a single 1-bit code, and a distance code of none (a block with no back-references).
void check_code(BitReader& in, const Huffman& h, const std::string& name, bool must_be_full) {
    bool lone_one_bit_code = h.symbols.size() == 1 && h.count[1] == 1;
    bool allowed = !must_be_full && (h.symbols.empty() || lone_one_bit_code);
    if (h.unused < 0) {
        in.fail("the " + name + " code is over-subscribed (more codes than bit patterns)");
    } else if (h.unused > 0 && !allowed) {
        in.fail("the " + name + " code is incomplete (bit patterns left without a code)");
    }
}

// Symbols 257-285 mean lengths 3-258 and distance symbols 0-29 distances 1-32768: a base,
// plus the number in the extra bits that follow the symbol (RFC 1951, 3.2.5).
const int length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                             31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
const int length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                              2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
const int distance_base[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                               33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                               1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
const int distance_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// A compressed block's data: literal bytes, and (length, distance) pairs that repeat
// `length` bytes from `distance` back, until the end-of-block symbol 256.
void inflate_codes(BitReader& in, std::vector<uint8_t>& out, const Huffman& literal_length,
                   const Huffman& distance_code) {
    while (in.error.empty() && out.size() <= in.most) {
        int symbol = decode_symbol(in, literal_length);
        if (symbol == 256) return;
        if (symbol < 0 || symbol > 285) return in.fail("invalid literal/length code");
        if (symbol < 256) {
            out.push_back(uint8_t(symbol));
            continue;
        }
        size_t length = size_t(length_base[symbol - 257]) + in.bits(length_extra[symbol - 257]);
        int d = decode_symbol(in, distance_code);
        if (d < 0 || d > 29) return in.fail("invalid distance code");
        size_t distance = size_t(distance_base[d]) + in.bits(distance_extra[d]);
        if (distance > out.size() - in.member_start) {
            return in.fail("a distance of " + std::to_string(distance) +
                           " reaches back past the start of the data");
        }
        // Byte by byte, as the copy may overlap what it writes: distance 1 and length 9
        // repeat the last byte nine times.
        size_t from = out.size() - distance;
        for (size_t i = 0; i < length; ++i) {
            uint8_t byte = out[from + i];
            out.push_back(byte);
        }
    }
}

// A stored block (type 0) holds bytes that did not compress, as they are: from the next
// byte boundary, their number LEN and its complement NLEN (a check), 16 bits each, then
// LEN bytes.
void inflate_stored(BitReader& in, std::vector<uint8_t>& out) {
    in.skip_to_byte();
    uint32_t length = in.bits(16);
    uint32_t complement = in.bits(16);
    if (in.error.empty() && complement != (~length & 0xFFFF)) {
        return in.fail("a stored block's length check (NLEN) does not match its length");
    }
    for (uint32_t i = 0; i < length && in.error.empty() && out.size() <= in.most; ++i) {
        out.push_back(uint8_t(in.bits(8)));
    }
}

// Block type 1 uses codes fixed by RFC 1951 (3.2.6), for blocks too short to be worth
// sending codes of their own: literals 0-143 in 8 bits, 144-255 in 9, symbols 256-279 in 7
// and 280-287 in 8; all 32 distance symbols in 5 bits.
std::vector<int> fixed_literal_length_lengths() {
    std::vector<int> lengths(288, 8);
    std::fill(lengths.begin() + 144, lengths.begin() + 256, 9);
    std::fill(lengths.begin() + 256, lengths.begin() + 280, 7);
    return lengths;
}

void inflate_fixed(BitReader& in, std::vector<uint8_t>& out) {
    static const Huffman literal_length = make_huffman(fixed_literal_length_lengths());
    static const Huffman distance_code = make_huffman(std::vector<int>(32, 5));
    inflate_codes(in, out, literal_length, distance_code);
}

// The code lengths of a dynamic block, in the code-length code: symbols 0-15 are lengths;
// 16 repeats the length before 3-6 times, 17 gives 3-10 zeros and 18 gives 11-138.
std::vector<int> read_code_lengths(BitReader& in, const Huffman& code_length_code, size_t n) {
    std::vector<int> lengths;
    auto repeat = [&](int value, size_t times) {
        if (lengths.size() + times > n) in.fail("the code lengths run past the last symbol");
        else lengths.insert(lengths.end(), times, value);
    };
    while (lengths.size() < n && in.error.empty()) {
        int symbol = decode_symbol(in, code_length_code);
        if (symbol < 0) in.fail("invalid code-length code");
        else if (symbol < 16) lengths.push_back(symbol);
        else if (symbol == 16 && lengths.empty()) in.fail("a repeat of no code length");
        else if (symbol == 16) repeat(lengths.back(), 3 + in.bits(2));
        else if (symbol == 17) repeat(0, 3 + in.bits(3));
        else repeat(0, 11 + in.bits(7));
    }
    return lengths;
}

// Block type 2 sends its own codes, themselves compressed: the numbers of literal/length,
// distance and code-length codes; the code-length code's lengths, 3 bits each, in an order
// that puts the rarely used last so that they can be left off; then the other two codes'
// lengths, written in the code-length code.
void inflate_dynamic(BitReader& in, std::vector<uint8_t>& out) {
    size_t n_literal_length = 257 + in.bits(5);
    size_t n_distance = 1 + in.bits(5);
    size_t n_code_length = 4 + in.bits(4);
    if (n_literal_length > 286 || n_distance > 30) {
        return in.fail("a dynamic block has more than 286 literal/length or 30 distance codes");
    }
    const int order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    std::vector<int> code_length_lengths(19, 0);
    for (size_t i = 0; i < n_code_length; ++i) code_length_lengths[order[i]] = int(in.bits(3));
    Huffman code_length_code = make_huffman(code_length_lengths);
    check_code(in, code_length_code, "code-length", true);
    size_t n = n_literal_length + n_distance;
    std::vector<int> lengths = read_code_lengths(in, code_length_code, n);
    if (!in.error.empty()) return;
    if (lengths[256] == 0) return in.fail("a dynamic block has no code for end-of-block");
    auto split = lengths.begin() + long(n_literal_length);
    Huffman literal_length = make_huffman(std::vector<int>(lengths.begin(), split));
    Huffman distance_code = make_huffman(std::vector<int>(split, lengths.end()));
    check_code(in, literal_length, "literal/length", false);
    check_code(in, distance_code, "distance", false);
    if (in.error.empty()) inflate_codes(in, out, literal_length, distance_code);
}

// A DEFLATE stream is a run of blocks, each starting with 1 bit that says whether it is the
// last and 2 that give its type.
void inflate(BitReader& in, std::vector<uint8_t>& out) {
    bool last = false;
    while (!last && in.error.empty() && out.size() <= in.most) {
        last = in.bits(1) == 1;
        switch (in.bits(2)) {
            case 0: inflate_stored(in, out); break;
            case 1: inflate_fixed(in, out); break;
            case 2: inflate_dynamic(in, out); break;
            case 3: in.fail("a block of the reserved type 3"); break;
        }
    }
}

// A gzip member's header (RFC 1952, 2.3): the magic bytes 1f 8b, the method (8: DEFLATE),
// flags, time, extra flags and operating system, then the optional fields the flags
// announce. FTEXT (bit 0) only guesses that the data is text, and changes nothing here.
void read_gzip_header(BitReader& in) {
    size_t start = in.byte_position();
    if (in.bits(8) != 0x1f || in.bits(8) != 0x8b) return in.fail("not gzip: no 1f 8b magic");
    uint32_t method = in.bits(8);
    if (method != 8) return in.fail("gzip method " + std::to_string(method) + ", not DEFLATE");
    uint32_t flags = in.bits(8);
    if (flags & 0xE0) return in.fail("gzip header with reserved flag bits set");
    in.bits(32);  // modification time
    in.bits(16);  // extra flags, operating system
    auto skip_zero_terminated = [&in]() {
        while (in.error.empty() && in.bits(8) != 0) {}
    };
    if (flags & 4) {  // FEXTRA: a length, then that many bytes
        uint32_t length = in.bits(16);
        for (uint32_t i = 0; i < length && in.error.empty(); ++i) in.bits(8);
    }
    if (flags & 8) skip_zero_terminated();   // FNAME: the original file's name
    if (flags & 16) skip_zero_terminated();  // FCOMMENT
    if (flags & 2) {  // FHCRC: the low 16 bits of the CRC-32 of the header so far
        uint32_t want = crc32(in.bytes.data() + start, in.byte_position() - start) & 0xFFFF;
        if (in.bits(16) != want) in.fail("the gzip header's CRC is wrong");
    }
}

// The trailer: the CRC-32 of the bytes the member holds, and their number (mod 2^32).
void check_gzip_trailer(BitReader& in, const std::vector<uint8_t>& out, size_t start) {
    in.skip_to_byte();
    uint32_t want_crc = in.bits(32);
    uint32_t want_size = in.bits(32);
    if (!in.error.empty()) return;
    uint32_t crc = crc32(out.data() + start, out.size() - start);
    uint32_t size = uint32_t(out.size() - start);
    char fault[120];
    if (crc != want_crc) {
        std::snprintf(fault, sizeof fault, "CRC-32 mismatch: the data's is %08x, the trailer "
                      "says %08x", unsigned(crc), unsigned(want_crc));
        in.fail(fault);
    } else if (size != want_size) {
        std::snprintf(fault, sizeof fault, "length mismatch: the data has %u bytes, the "
                      "trailer says %u", unsigned(size), unsigned(want_size));
        in.fail(fault);
    }
}

// After a member: whether another follows. Zeros to the end are padding, which gzip(1)
// and Python accept; any other byte that does not begin a member is refused as such.
bool another_member(BitReader& in) {
    const std::vector<uint8_t>& gz = in.bytes;
    size_t at = in.byte_position();
    if (std::all_of(gz.begin() + long(at), gz.end(), [](uint8_t b) { return b == 0; }))
        return false;
    if (gz.size() - at >= 2 && gz[at] == 0x1f && gz[at + 1] == 0x8b) return true;
    in.fail(std::to_string(gz.size() - at) + " bytes of trailing garbage after the gzip data");
    return false;
}

// The bytes a .gz file holds, or the fault that stops them. A .gz file is one or more
// members (gzip writes one; `cat a.gz b.gz` makes two), each a header, a DEFLATE stream and
// a trailer. Returns "" when all is well. Decoding stops once `out` holds more than `most`
// bytes (at most 258 more): `out` is then longer than `most`, and the rest is unchecked.
// The trailer's length is never used to reserve memory: a corrupt one could ask for 4 GB.
std::string gunzip(const std::vector<uint8_t>& gz, std::vector<uint8_t>& out,
                   size_t most = SIZE_MAX) {
    out.clear();
    BitReader in(gz);
    in.most = most;
    do {
        in.member_start = out.size();
        read_gzip_header(in);
        inflate(in, out);
        if (in.error.empty() && out.size() > most) return "";
        check_gzip_trailer(in, out, in.member_start);
    } while (in.error.empty() && another_member(in));
    return in.error;
}

// Where `apt-get install dataset-fashion-mnist` puts the four files, gzip-compressed.
const char* fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

// A data file, and what it inflates to, hold at most 64 MiB: 60,000 images of 28 x 28
// (47,040,016 bytes with the header, MNIST's and Fashion-MNIST's largest file) and a
// margin. So no file, whatever it holds or claims, costs more than a real run's data.
const uint64_t most_data_bytes = 64 << 20;  // 67,108,864

// What a file the program reads may be, by kind: a data file, a model file (--load,
// --model) or a picture (predict). Each may hold at most most_bytes, so that no file,
// whatever it holds or claims, costs more than the largest real one would.
struct InputKind {
    const char* name;        // as messages call it: "data file"
    uint64_t most_bytes;     // a larger file is refused before it is read
    const char* why_most;    // what that many bytes hold, for the message
    std::string if_missing;  // how to get one, after "no such file"; "" for nothing to say
};

const InputKind data_file = {
    "data file", most_data_bytes, "60,000 images of 28 x 28 and a margin",
    std::string("apt-get install dataset-fashion-mnist puts the four files in ") +
        fashion_mnist_dir + "/, or give --data DIR, a folder with them"};

// Why `path` cannot be read as a file of `kind`, or "" and its size. Only a regular file is
// opened: a FIFO (which would wait for a writer for ever), a device (/dev/zero never ends)
// or a folder is refused at once, by name, and so is a file too big to be one. A missing
// data file is most likely a data set not yet installed, so its message says how to get one.
std::string check_input_file(const std::string& path, const InputKind& kind, uint64_t& size) {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::file_status s = fs::status(path, error);
    std::string name = quoted_path(path), not_one = std::string(", not a ") + kind.name;
    if (!fs::exists(s) && fs::is_symlink(fs::symlink_status(path, error)))
        return name + ": a link to nothing (what it points to does not exist)";
    if (s.type() == fs::file_type::not_found && kind.if_missing.empty())
        return name + ": no such file";
    if (s.type() == fs::file_type::not_found)
        return name + ": no such file (" + kind.if_missing + ")";
    if (fs::is_directory(s)) return name + ": a folder" + not_one;
    if (fs::is_fifo(s)) return name + ": a FIFO (a named pipe)" + not_one;
    if (fs::is_character_file(s) || fs::is_block_file(s)) return name + ": a device" + not_one;
    if (!fs::is_regular_file(s)) return name + ": not a regular file (" + error.message() + ")";
    size = fs::file_size(path, error);
    if (error) return name + ": " + error.message();
    if (size > kind.most_bytes) {
        return name + ": " + std::to_string(size) + " bytes, more than the " +
               std::to_string(kind.most_bytes) + " a " + kind.name + " may hold (" +
               kind.why_most + ")";
    }
    return "";
}

// Up to n more bytes of f, onto the end of `bytes`; false if reading failed.
bool read_more(FILE* f, std::vector<uint8_t>& bytes, size_t n) {
    size_t had = bytes.size();
    bytes.resize(had + n);
    size_t got = std::fread(bytes.data() + had, 1, n, f);
    bytes.resize(had + got);
    return !std::ferror(f);
}

// A whole file of `kind`, checked as above, into `bytes`. Returns "" or "PATH: the fault".
std::string read_input_file(const std::string& path, const InputKind& kind,
                            std::vector<uint8_t>& bytes) {
    uint64_t size = 0;
    std::string error = check_input_file(path, kind, size);
    if (!error.empty()) return error;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return quoted_path(path) + ": " + std::strerror(errno);
    bytes.clear();
    bool ok = read_more(f, bytes, size_t(size));
    std::fclose(f);
    return ok ? "" : quoted_path(path) + ": cannot be read";
}

// The most significant byte first, as IDX (unlike gzip) writes its numbers.
uint32_t big_endian_32(const uint8_t* bytes) {
    return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 |
           uint32_t(bytes[3]);
}

// IDX, the format of MNIST: a big-endian 32-bit magic number (two zero bytes, 0x08 for
// unsigned bytes, then the number of dimensions: 0x00000803 for images, n x rows x cols,
// and 0x00000801 for labels, n), each dimension's size as a big-endian 32-bit number, then
// the bytes, row by row. Checks the header at the start of `bytes`, and leaves the sizes in
// `sizes` and the number of data bytes they imply, at most most_data_bytes, in `data_bytes`.
std::string parse_idx_header(const std::vector<uint8_t>& bytes, size_t dimensions,
                             std::vector<uint32_t>& sizes, uint64_t& data_bytes) {
    auto big_endian = [&bytes](size_t at) { return big_endian_32(&bytes[at]); };
    if (bytes.size() < 4 + 4 * dimensions) return "too short for an IDX header";
    if (big_endian(0) >> 8 != 0x08) {
        char fault[80];
        std::snprintf(fault, sizeof fault, "not an IDX file of bytes (magic %08x, not %08zx)",
                      unsigned(big_endian(0)), 0x800 + dimensions);
        return fault;
    }
    if (bytes[3] != dimensions) {
        return "wrong number of dimensions: " + std::to_string(bytes[3]) + ", not " +
               std::to_string(dimensions);
    }
    double product = 1;  // as a double: three 32-bit sizes can overflow 64 bits
    std::string shown;
    sizes.clear();
    for (size_t d = 0; d < dimensions; ++d) {
        sizes.push_back(big_endian(4 + 4 * d));
        product *= sizes.back();
        shown += (d ? " x " : "") + std::to_string(sizes.back());
    }
    if (product > double(most_data_bytes)) {
        return "its sizes, " + shown + ", say " + std::to_string(uint64_t(product)) +
               " bytes of data, more than the " + std::to_string(most_data_bytes) +
               " a data file may hold (60,000 images of 28 x 28 and a margin)";
    }
    data_bytes = uint64_t(product);
    return "";
}

// A file whose data is longer or shorter than its sizes say.
std::string idx_length_fault(uint64_t expected, uint64_t actual) {
    if (actual == expected) return "";
    const char* fault = actual < expected ? "truncated" : "trailing bytes";
    return std::string(fault) + ": its sizes say " + std::to_string(expected) +
           " bytes of data, it has " + std::to_string(actual);
}

// An IDX file not compressed: its header, then (the file's size matching what the header
// says) the data, so that nothing more than the header is read of a file that is wrong.
std::string read_plain_idx(FILE* f, uint64_t size, size_t dimensions,
                           std::vector<uint32_t>& sizes, std::vector<uint8_t>& data) {
    size_t header = 4 + 4 * dimensions;
    uint64_t data_bytes = 0;
    std::string error = parse_idx_header(data, dimensions, sizes, data_bytes);
    if (error.empty()) error = idx_length_fault(data_bytes, size - header);
    if (error.empty() && !read_more(f, data, size_t(data_bytes))) error = "cannot be read";
    if (error.empty()) error = idx_length_fault(data_bytes, data.size() - header);
    return error;
}

// An IDX file compressed by gzip, inflated in two steps, so that what it claims costs
// nothing before it is checked: as far as the IDX header, whose sizes are checked; then
// again from the start, no further than those sizes allow (plus one copy, 258 bytes).
std::string gunzip_idx(const std::vector<uint8_t>& gz, size_t dimensions,
                       std::vector<uint32_t>& sizes, std::vector<uint8_t>& data) {
    size_t header = 4 + 4 * dimensions;
    uint64_t data_bytes = 0;
    std::string error = gunzip(gz, data, header);
    if (error.empty()) error = parse_idx_header(data, dimensions, sizes, data_bytes);
    if (!error.empty()) return error;
    size_t whole = header + size_t(data_bytes);
    data.reserve(whole + 258);
    error = gunzip(gz, data, whole);
    if (error.empty() && data.size() > whole) {
        return "trailing bytes: its sizes say " + std::to_string(data_bytes) +
               " bytes of data, it inflates to more";
    }
    return error.empty() ? idx_length_fault(data_bytes, data.size() - header) : error;
}

// An IDX file, gzip-compressed (as distributed) or not: a file that starts with gzip's
// magic 1f 8b is decompressed first. Leaves only the data in `data`. Returns "" or
// "PATH: the fault".
std::string read_idx(const std::string& path, size_t dimensions, std::vector<uint32_t>& sizes,
                     std::vector<uint8_t>& data) {
    uint64_t size = 0;
    std::string error = check_input_file(path, data_file, size);
    if (!error.empty()) return error;
    data.clear();
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return quoted_path(path) + ": " + std::strerror(errno);
    bool ok = read_more(f, data, 4 + 4 * dimensions);
    bool gzipped = data.size() >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    size_t rest = std::max(size_t(size), data.size()) - data.size();
    if (ok && gzipped && read_more(f, data, rest)) {
        std::vector<uint8_t> gz;
        gz.swap(data);
        error = gunzip_idx(gz, dimensions, sizes, data);
    } else if (ok && !gzipped) {
        error = read_plain_idx(f, size, dimensions, sizes, data);
    } else {
        error = "cannot be read";
    }
    std::fclose(f);
    if (error.empty()) data.erase(data.begin(), data.begin() + long(4 + 4 * dimensions));
    return error.empty() ? "" : quoted_path(path) + ": " + error;
}

// Images with a label each, as bytes: MNIST's and Fashion-MNIST's are 28 x 28 pixels, 0
// (background) to 255, with labels 0-9.
struct LabelledImages {
    uint32_t count = 0, rows = 0, cols = 0;  // as the file holds them
    std::vector<uint8_t> pixels;  // count x rows x cols: image by image, row by row
    std::vector<uint8_t> labels;  // count classes, each 0-9
};

// One of the four files in dir: NAME.gz as distributed, or NAME if only that is there.
std::string idx_path(const std::string& dir, const std::string& name) {
    std::string plain = dir + "/" + name, gz = plain + ".gz";
    std::error_code error;
    bool only_plain =
        !std::filesystem::exists(gz, error) && std::filesystem::exists(plain, error);
    return only_plain ? plain : gz;
}

// One part of a data set from dir, "train" (60,000 images in (Fashion-)MNIST) or "t10k"
// (10,000): its images and its labels, each file checked, every label 0-9, as many labels
// as images. Returns "" or "PATH: the fault".
std::string load_labelled_images(const std::string& dir, const std::string& part,
                                 LabelledImages& set) {
    std::string images_path = idx_path(dir, part + "-images-idx3-ubyte");
    std::string labels_path = idx_path(dir, part + "-labels-idx1-ubyte");
    std::vector<uint32_t> image_sizes, label_sizes;
    std::string error = read_idx(images_path, 3, image_sizes, set.pixels);
    if (error.empty()) error = read_idx(labels_path, 1, label_sizes, set.labels);
    if (!error.empty()) return error;
    if (label_sizes[0] != image_sizes[0]) {
        return quoted_path(labels_path) + ": " + std::to_string(label_sizes[0]) +
               " labels for the " + std::to_string(image_sizes[0]) + " images of " +
               quoted_path(images_path);
    }
    for (size_t i = 0; i < set.labels.size(); ++i) {
        if (set.labels[i] > 9) {
            return quoted_path(labels_path) + ": label " + std::to_string(set.labels[i]) +
                   " at item " + std::to_string(i) + " (labels are 0-9)";
        }
    }
    set.count = image_sizes[0];
    set.rows = image_sizes[1];
    set.cols = image_sizes[2];
    return "";
}

// The same part as a Dataset of 28 x 28 images, their pixels kept as bytes (section 10).
// The pictures are drawn for that size, so other sizes are a fault of the file.
std::string load_images(const std::string& dir, const std::string& part, Dataset& set) {
    LabelledImages images;
    std::string error = load_labelled_images(dir, part, images);
    if (error.empty() && (images.rows != 28 || images.cols != 28)) {
        error = quoted_path(idx_path(dir, part + "-images-idx3-ubyte")) + ": images of " +
                std::to_string(images.rows) + " x " + std::to_string(images.cols) +
                " pixels, not 28 x 28";
    }
    if (!error.empty()) return error;
    set = Dataset{};
    set.dims = 28 * 28;
    set.kind = DataKind::Images;
    set.bytes.swap(images.pixels);
    set.labels.assign(images.labels.begin(), images.labels.end());
    return "";
}

// The classes' names, as the pictures write them (capitals, the font's letters).
const char* const fashion_classes[] = {"T-SHIRT", "TROUSER", "PULLOVER", "DRESS", "COAT",
                                       "SANDAL",  "SHIRT",   "SNEAKER",  "BAG",   "ANKLE BOOT"};
const char* const digit_classes[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

// How a data set's authors framed each picture in its 28 x 28 pixels (predict, section 19,
// frames a picture of one's own the same way): Fashion-MNIST's fill the field along their
// longest edge and are centred; MNIST's digits fit a 20 x 20 box and are centred by their
// centre of mass.
enum class Framing { LongestEdge28, MassCentred20 };

// The image experiments: Fashion-MNIST from where its package puts it (or --data), or
// MNIST's handwritten digits, which need --data.
struct ImageSet {
    const char* name;            // the command
    const char* title;           // as the pictures write it
    const char* const* classes;  // the 10 classes' names
    Framing framing;             // how its pictures were made from photos and scans
};

const ImageSet fashion_mnist = {"fashion", "FASHION-MNIST", fashion_classes,
                                Framing::LongestEdge28};
const ImageSet mnist = {"mnist", "MNIST", digit_classes, Framing::MassCentred20};
const ImageSet* const image_sets[] = {&fashion_mnist, &mnist};

// A number as the command line (section 20) and a model file write it: plain decimal
// digits for an integer; for a number, decimal with an optional sign, point and exponent:
// 0.01, .5, -1e-3. Allowing only these characters leaves strtod nothing else to accept (no
// hex, inf or nan), and it must read the whole text. NaN if the text is not such a number,
// or is too large to be finite (1e400).
double plain_number(const std::string& text, bool integer) {
    const char* allowed = integer ? "0123456789" : "0123456789+-.eE";
    bool plain = !text.empty() && text.find_first_not_of(allowed) == std::string::npos;
    const char* begin = text.c_str();
    char* end = nullptr;
    double v = plain ? std::strtod(begin, &end) : NAN;
    if (end != begin + text.size()) v = NAN;
    return std::isfinite(v) ? v : NAN;
}

// A trained network kept as text that a person can read and diff: --save writes it after
// training, --load and predict read it back. Version 1 is these lines:
//     nn.cpp model 1
//     data fashion               the data set it learned: fashion or mnist
//     inputs 784                 a pixel each
//     layers 64 10               each layer's neurons; the last, the outputs, a class each
//     activation relu            the hidden layers', as --act names it; the output is linear
//     loss softmax cross-entropy
//     epoch 6                    the epoch whose weights these are (0: untrained)
//     class T-SHIRT              10 lines: the classes' names, in the order of their labels
//     neuron 1 1 bias B weights W1 ... W784    a line per neuron, layer by layer
//     end
// Each number is printed with %.17g: 17 significant digits always read back (strtod) as the
// same double, to the last bit. 15 do not: 0.1 + 0.2 prints as 0.3, another double.
struct SavedModel {
    const ImageSet* set = nullptr;
    int inputs = 0;
    std::vector<int> sizes;  // each layer's neurons, the outputs last
    Activation act = Activation::ReLU;
    Loss loss = Loss::SoftmaxCrossEntropy;
    int epoch = 0;
    std::vector<double> parameters;  // as MLP::parameters() orders them: each neuron's
                                     // weights, then its bias
};

// A network's weights as a model file holds them, with what it learned and from which epoch.
SavedModel saved_model(const MLP& model, const ImageSet& set, Loss loss, int epoch) {
    SavedModel m;
    m.set = &set;
    m.inputs = int(model.layers[0].neurons[0].weights.size());
    for (const Layer& layer : model.layers) m.sizes.push_back(int(layer.neurons.size()));
    m.act = model.layers[0].act;
    m.loss = loss;
    m.epoch = epoch;
    m.parameters = data_of(model.parameters());
    return m;
}

// ... and back: a network of the file's architecture, holding its weights.
MLP network_of(const SavedModel& m) {
    MLP model(m.inputs, m.sizes, m.act);
    set_data(model.parameters(), m.parameters);
    return model;
}

// A double as its 17 significant digits.
std::string exact(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", x);
    return text;
}

// One neuron's line: its layer and its place in it, counted from 1, its bias, its weights.
// `numbers` holds its weights, then its bias, as MLP::parameters() orders them.
std::string neuron_line(int layer, int neuron, const double* numbers, int fan_in) {
    std::string line = "neuron " + std::to_string(layer) + " " + std::to_string(neuron) +
                       " bias " + exact(numbers[fan_in]) + " weights";
    for (int i = 0; i < fan_in; ++i) line += " " + exact(numbers[i]);
    return line + "\n";
}

// The model file's text, as above.
std::string model_text(const SavedModel& m) {
    std::string text = "nn.cpp model 1\ndata " + std::string(m.set->name) + "\ninputs " +
                       std::to_string(m.inputs) + "\nlayers";
    for (int n : m.sizes) text += " " + std::to_string(n);
    text += std::string("\nactivation ") + activation_name(m.act) + "\nloss " +
            loss_name(m.loss) + "\nepoch " + std::to_string(m.epoch) + "\n";
    for (int c = 0; c < m.sizes.back(); ++c)
        text += std::string("class ") + m.set->classes[c] + "\n";
    const double* next = m.parameters.data();
    int fan_in = m.inputs;
    for (size_t l = 0; l < m.sizes.size(); ++l) {
        for (int j = 0; j < m.sizes[l]; ++j, next += fan_in + 1)
            text += neuron_line(int(l) + 1, j + 1, next, fan_in);
        fan_in = m.sizes[l];
    }
    return text + "end\n";
}

// A model file is at most 16 MiB: the largest network --hidden allows (784-256-256-256-256-
// 256-256-10: 532,490 numbers, at most 25 bytes each with its space) takes at most 13.4 MB.
// A missing one is most likely not saved yet.
const InputKind model_file = {"model file", 16 << 20,
                              "the largest network --hidden allows takes at most 13.4 MB",
                              "./nn fashion --save FILE writes one"};

// A text's lines, one at a time, numbered from 1 for the messages.
struct LineReader {
    const std::string& text;
    size_t at = 0;
    int number = 0;

    // The next line, without its newline (nor the \r before it that Windows writes); false
    // at the end of the text.
    bool next(std::string& line) {
        if (at >= text.size()) return false;
        size_t end = std::min(text.find('\n', at), text.size());
        line = text.substr(at, end - at);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        at = end + 1;
        ++number;
        return true;
    }

    std::string here() const { return "line " + std::to_string(number) + ": "; }
};

// The words of a line, split at spaces and tabs.
std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    size_t start = line.find_first_not_of(" \t");
    while (start != std::string::npos) {
        size_t end = std::min(line.find_first_of(" \t", start), line.size());
        words.push_back(line.substr(start, end - start));
        start = line.find_first_not_of(" \t", end);
    }
    return words;
}

// The lines after the first, in this order: each a keyword, a space, and its value.
const char* const model_keywords[] = {"data",       "inputs", "layers",
                                      "activation", "loss",   "epoch"};

// The first line, then the values of the lines model_keywords names, in `values`.
std::string read_model_header(LineReader& lines, std::vector<std::string>& values) {
    const std::string magic = "nn.cpp model ";
    std::string line;
    lines.next(line);
    if (line.compare(0, magic.size(), magic) != 0) {
        return "not a model file of nn.cpp: its first line is " + in_quotes(line) +
               ", not 'nn.cpp model 1'";
    }
    if (line != magic + "1") {
        return "a model file of version " + in_quotes(line.substr(magic.size())) +
               "; this nn.cpp reads version 1";
    }
    for (const char* keyword : model_keywords) {
        std::string key = std::string(keyword) + " ";
        if (!lines.next(line)) return "truncated: it ends before its '" + key + "...' line";
        if (line.compare(0, key.size(), key) != 0)
            return lines.here() + in_quotes(line) + " where '" + key + "...' should be";
        values.push_back(line.substr(key.size()));
    }
    return "";
}

// The layers' sizes (line 4), each as --hidden allows, 1 to 6 hidden layers of 1 to 256,
// and the output layer a neuron per class of the set. Each size is checked before any is
// used, so no header, whatever it claims, makes the program allocate a larger network than
// --hidden can ask for.
std::string read_layer_sizes(const std::string& value, SavedModel& m) {
    std::vector<std::string> words = words_of(value);
    if (words.size() < 2 || words.size() > 7) {
        return "line 4: layers " + in_quotes(value) + ": 1 to 6 hidden layers, as --hidden "
               "allows, and the output layer";
    }
    for (const std::string& word : words) {
        double n = plain_number(word, true);
        if (!(n >= 1 && n <= 256)) {
            return "line 4: a layer of " + in_quotes(word) + " neurons (1 to 256, as --hidden "
                   "allows)";
        }
        m.sizes.push_back(int(n));
    }
    if (m.sizes.back() == 10) return "";
    return "line 4: an output layer of " + std::to_string(m.sizes.back()) + " neurons, not " +
           "one for each of the 10 classes of " + m.set->name;
}

// The activation that --act calls `name`; false if none.
bool activation_named(const std::string& name, Activation& act) {
    for (Activation kind : flag_activations) {
        if (name == activation_name(kind)) {
            act = kind;
            return true;
        }
    }
    return false;
}

// The header's values checked, into m: one of the program's data sets, its images' 784
// pixels as the inputs, the layers, an activation that --act names, the loss every network
// of classes here is trained with, and the epoch.
std::string check_model_header(const std::vector<std::string>& values, SavedModel& m) {
    for (const ImageSet* set : image_sets)
        if (values[0] == set->name) m.set = set;
    if (!m.set) return "line 2: data " + in_quotes(values[0]) + ": fashion or mnist";
    if (plain_number(values[1], true) != 784) {
        return "line 3: inputs " + in_quotes(values[1]) + ", not the 784 pixels (28 x 28) of " +
               m.set->name + "'s images";
    }
    m.inputs = 784;
    std::string fault = read_layer_sizes(values[2], m);
    if (!fault.empty()) return fault;
    if (!activation_named(values[3], m.act))
        return "line 5: activation " + in_quotes(values[3]) + ": tanh, sigmoid or relu";
    if (values[4] != loss_name(Loss::SoftmaxCrossEntropy)) {
        return "line 6: loss " + in_quotes(values[4]) + ", not 'softmax cross-entropy', the "
               "loss of a network of classes";
    }
    double epoch = plain_number(values[5], true);
    if (!(epoch <= 100000)) return "line 7: epoch " + in_quotes(values[5]) + ": 0 to 100000";
    m.epoch = int(epoch);
    return "";
}

// The classes' names, a line each, as the data set names them.
std::string read_class_lines(LineReader& lines, const SavedModel& m) {
    for (int c = 0; c < m.sizes.back(); ++c) {
        std::string line, want = std::string("class ") + m.set->classes[c];
        if (!lines.next(line)) return "truncated: it ends before its 10 class lines do";
        if (line != want) {
            return lines.here() + in_quotes(line) + ", but class " + std::to_string(c) +
                   " of " + m.set->name + " is " + in_quotes(m.set->classes[c]);
        }
    }
    return "";
}

// Neuron `neuron` of layer `layer` (each counted from 1) from its line: its fan_in weights,
// then its bias, onto the end of `parameters`. The fault, without the line's number, or "".
std::string read_neuron(const std::string& line, int layer, int neuron, int fan_in,
                        std::vector<double>& parameters) {
    std::vector<std::string> w = words_of(line);
    std::string name = "neuron " + std::to_string(layer) + " " + std::to_string(neuron);
    bool laid_out = w.size() >= 6 && w[3] == "bias" && w[5] == "weights";
    if (!laid_out || w[0] + " " + w[1] + " " + w[2] != name) {
        return in_quotes(line) + " where '" + name + " bias B weights W1 ... W" +
               std::to_string(fan_in) + "' should be";
    }
    if (w.size() - 6 != size_t(fan_in)) {
        return name + " has " + std::to_string(w.size() - 6) + " weights, and layer " +
               std::to_string(layer) + " reads " + std::to_string(fan_in) + " inputs";
    }
    for (int i = 0; i <= fan_in; ++i) {
        const std::string& word = w[i < fan_in ? 6 + size_t(i) : 4];  // the weights, the bias
        double x = plain_number(word, false);
        if (std::isnan(x)) {
            std::string what = i < fan_in ? "weight " + std::to_string(i + 1) : "bias";
            return name + "'s " + what + " is " + in_quotes(word) + ", not a finite number";
        }
        parameters.push_back(x);
    }
    return "";
}

// The neuron lines, layer by layer, each layer reading the outputs of the one before.
std::string read_neurons(LineReader& lines, SavedModel& m) {
    int fan_in = m.inputs, total = 0, done = 0;
    for (int n : m.sizes) total += n;
    std::string line;
    for (size_t l = 0; l < m.sizes.size(); ++l) {
        for (int j = 0; j < m.sizes[l]; ++j, ++done) {
            bool ended = !lines.next(line);
            if (ended || line == "end") {
                return (ended ? "truncated: it ends" : lines.here() + "'end' comes") +
                       " after " + std::to_string(done) + " of the " + std::to_string(total) +
                       " neurons its layers line gives";
            }
            std::string fault = read_neuron(line, int(l) + 1, j + 1, fan_in, m.parameters);
            if (!fault.empty()) return lines.here() + fault;
        }
        fan_in = m.sizes[l];
    }
    return "";
}

// The line after the last neuron is "end", and nothing but blank lines follows it.
std::string read_model_end(LineReader& lines) {
    std::string line;
    if (!lines.next(line)) return "truncated: no 'end' line after the last neuron";
    if (line != "end") {
        return lines.here() + in_quotes(line) + " where 'end' should be, after the last " +
               "neuron its layers line gives";
    }
    while (lines.next(line)) {  // blank lines may follow, as an editor may leave them
        if (!words_of(line).empty()) return lines.here() + in_quotes(line) + " after 'end'";
    }
    return "";
}

// A model file's text, checked whole, into m. Returns "" or the fault: "line N: what".
std::string parse_model(const std::string& text, SavedModel& m) {
    m = SavedModel{};
    LineReader lines{text};
    std::vector<std::string> values;
    std::string fault = read_model_header(lines, values);
    if (fault.empty()) fault = check_model_header(values, m);
    if (fault.empty()) fault = read_class_lines(lines, m);
    if (fault.empty()) fault = read_neurons(lines, m);
    if (fault.empty()) fault = read_model_end(lines);
    return fault;
}

// The model file at path, read and checked whole before anything uses it. Returns "" or
// "PATH: the fault".
std::string read_model_file(const std::string& path, SavedModel& m) {
    std::vector<uint8_t> bytes;
    std::string error = read_input_file(path, model_file, bytes);
    if (!error.empty()) return error;
    error = parse_model(std::string(bytes.begin(), bytes.end()), m);
    return error.empty() ? "" : quoted_path(path) + ": " + error;
}

// Pictures of one's own, for predict (section 19), in Netpbm's formats, PGM and PPM
// (netpbm.sourceforge.net/doc/pgm.html and ppm.html), the simplest there are; most image
// programs write them (ImageMagick: convert photo.jpg photo.ppm). A header in text: a magic
// number (P2 or P5 for grey, P3 or P6 for colour), the width, the height, and maxval, the
// sample of full intensity (1 to 65535), separated by whitespace, and comments, from '#' to
// the end of the line, anywhere among them (a comment ends a number). Then the samples, row
// by row from the top left, red, green and blue for colour: in P2 and P3, as decimal numbers
// separated by whitespace (and comments, as Netpbm's own programs allow); in P5 and P6,
// after exactly one whitespace byte that ends the header, as bytes, one a sample, or two,
// the most significant first, when maxval is above 255.
struct Picture {
    int width = 0, height = 0;
    int channels = 1;               // 1: grey (P2, P5); 3: red, green and blue (P3, P6)
    int maxval = 255;               // the sample of full intensity
    std::vector<uint16_t> samples;  // width x height x channels, each 0 to maxval
};

// A picture is 1 to 16384 pixels wide and high, of at most 16,777,216 pixels (4096 x 4096,
// a 16-megapixel photo), in a file of at most 64 MiB: so that no header, whatever it
// claims, costs more than a large photo does.
const int most_picture_side = 16384;
const uint64_t most_picture_pixels = uint64_t(1) << 24;
const InputKind picture_file = {"picture", 64 << 20, "a 16-megapixel photo as P6 is 48 MiB",
                                ""};

// Reads the text of a header and of P2's and P3's samples. Whitespace is C's isspace:
// space, tab, CR, LF, vertical tab and form feed.
struct NetpbmReader {
    const std::vector<uint8_t>& bytes;
    size_t at = 0;

    static bool space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

    // Skips whitespace and comments, each '#' to the end of its line (a CR or LF).
    void skip_separators() {
        while (at < bytes.size() && (space(bytes[at]) || bytes[at] == '#')) {
            if (bytes[at] == '#') skip_comment();
            else ++at;
        }
    }

    // A comment, from its '#' to the end of its line (not the CR or LF that ends it).
    void skip_comment() {
        while (at < bytes.size() && bytes[at] != '\n' && bytes[at] != '\r') ++at;
    }

    // The decimal number at `at`, its digits in `digits`; -1 if none starts there. One
    // above `most` stands for any larger one, so that no count of digits can overflow.
    long number(long most, std::string& digits) {
        size_t start = at;
        long n = 0;
        for (; at < bytes.size() && bytes[at] >= '0' && bytes[at] <= '9'; ++at)
            n = std::min(10 * n + (bytes[at] - '0'), most + 1);
        digits.assign(bytes.begin() + long(start), bytes.begin() + long(at));
        return at > start ? n : -1;
    }

    // What stands at `at`, for a message.
    std::string shown() const {
        if (at >= bytes.size()) return "the end of the file";
        size_t n = std::min(bytes.size() - at, size_t(12));
        return in_quotes(std::string(bytes.begin() + long(at), bytes.begin() + long(at + n)));
    }
};

// "90 x 60 pixels", for the messages.
std::string pixels_of(const Picture& p) {
    return std::to_string(p.width) + " x " + std::to_string(p.height) + " pixels";
}

// The usual picture formats that are not Netpbm, by the bytes they begin with, so that a
// photo given as it is gets told what to do: "" if none of them.
std::string other_format(const std::vector<uint8_t>& b) {
    std::string start(b.begin(), b.begin() + long(std::min(b.size(), size_t(4))));
    if (start == "\x89PNG") return "PNG";
    if (start.compare(0, 3, "\xff\xd8\xff") == 0) return "JPEG";
    if (start == "GIF8") return "GIF";
    if (start.compare(0, 2, "BM") == 0) return "BMP";
    if (start == "RIFF") return "RIFF (WebP?)";
    return "";
}

// The magic number, then the width, the height and maxval, each checked; `raw`: P5 or P6.
std::string read_netpbm_header(NetpbmReader& in, Picture& p, bool& raw) {
    const std::vector<uint8_t>& b = in.bytes;
    std::string magic(b.begin(), b.begin() + long(std::min(b.size(), size_t(2))));
    bool known = magic == "P2" || magic == "P3" || magic == "P5" || magic == "P6";
    if (b.empty()) return "an empty file, not a PGM or PPM picture";
    if (!other_format(b).empty()) {
        return "a " + other_format(b) + " picture, not PGM or PPM: convert it first (convert "
               "photo.png photo.ppm, with ImageMagick)";
    }
    if (!known || (b.size() > 2 && !in.space(b[2]) && b[2] != '#'))
        return "not a PGM or PPM picture: it begins " + in.shown() + ", not P2, P3, P5 or P6";
    raw = magic[1] == '5' || magic[1] == '6';
    p.channels = magic[1] == '3' || magic[1] == '6' ? 3 : 1;
    const char* names[] = {"width", "height", "maxval"};
    const long most[] = {most_picture_side, most_picture_side, 65535};
    long values[3];
    in.at = 2;
    for (int k = 0; k < 3; ++k) {
        std::string digits;
        in.skip_separators();
        values[k] = in.number(most[k], digits);
        if (values[k] < 0) return "its header has " + in.shown() + " where its " + names[k] +
                                  " should be";
        if (values[k] == 0 || values[k] > most[k])
            return std::string(names[k]) + " " + in_quotes(digits) + ": 1 to " +
                   std::to_string(most[k]);
    }
    p.width = int(values[0]), p.height = int(values[1]), p.maxval = int(values[2]);
    if (uint64_t(p.width) * uint64_t(p.height) <= most_picture_pixels) return "";
    return pixels_of(p) + ", more than the " + std::to_string(most_picture_pixels) +
           " (4096 x 4096) a picture may have";
}

// P5 and P6: after comments, if any, one whitespace byte ends the header; then a sample is
// a byte, or two when maxval is above 255, and the file holds exactly as many as the
// header says. Shorter, it is truncated; longer, it holds more than one picture (Netpbm
// allows several in a row) or something else after it, and either is refused.
std::string read_raw_samples(NetpbmReader& in, Picture& p) {
    const std::vector<uint8_t>& b = in.bytes;
    while (in.at < b.size() && b[in.at] == '#') in.skip_comment();
    if (in.at == b.size() || !in.space(b[in.at])) {
        return "after maxval, " + in.shown() + " where one whitespace byte should end the "
               "header";
    }
    size_t count = size_t(p.width) * size_t(p.height) * size_t(p.channels);
    size_t bytes_each = p.maxval > 255 ? 2 : 1, have = b.size() - ++in.at;
    if (have != count * bytes_each) {
        return std::string(have < count * bytes_each ? "truncated" : "trailing bytes") +
               ": its header says " + std::to_string(count * bytes_each) + " bytes of " +
               "samples (" + pixels_of(p) + "), it has " + std::to_string(have);
    }
    p.samples.resize(count);
    const uint8_t* s = b.data() + in.at;
    for (size_t k = 0; k < count; ++k) {
        p.samples[k] = bytes_each == 1 ? s[k] : uint16_t(s[2 * k] << 8 | s[2 * k + 1]);
        if (p.samples[k] > p.maxval) {
            return "sample " + std::to_string(k + 1) + " is " + std::to_string(p.samples[k]) +
                   ", above maxval " + std::to_string(p.maxval);
        }
    }
    return "";
}

// P2 and P3: every sample a decimal number of at most maxval, exactly as many as the header
// says, then nothing but whitespace and comments. Memory is taken a sample at a time, so
// a header that claims more than the file holds costs no more than the file.
std::string read_plain_samples(NetpbmReader& in, Picture& p) {
    size_t count = size_t(p.width) * size_t(p.height) * size_t(p.channels);
    for (size_t k = 0; k < count; ++k) {
        std::string digits, which = "sample " + std::to_string(k + 1);
        in.skip_separators();
        if (in.at == in.bytes.size()) {
            return "truncated: its header says " + std::to_string(count) + " samples (" +
                   pixels_of(p) + "), it has " + std::to_string(k);
        }
        long v = in.number(p.maxval, digits);
        if (v < 0) return which + ": " + in.shown() + " is not a decimal number";
        if (v > p.maxval) {
            return which + ", " + in_quotes(digits) + ", is above maxval " +
                   std::to_string(p.maxval);
        }
        p.samples.push_back(uint16_t(v));
    }
    in.skip_separators();
    if (in.at < in.bytes.size()) return in.shown() + " after the last sample";
    return "";
}

// A Netpbm picture's bytes, checked whole, into p. Returns "" or the fault.
std::string parse_netpbm(const std::vector<uint8_t>& bytes, Picture& p) {
    NetpbmReader in{bytes};
    bool raw = false;
    std::string fault = read_netpbm_header(in, p, raw);
    if (!fault.empty()) return fault;
    return raw ? read_raw_samples(in, p) : read_plain_samples(in, p);
}

// The picture at path, read and checked whole. Returns "" or "PATH: the fault".
std::string read_picture(const std::string& path, Picture& p) {
    std::vector<uint8_t> bytes;
    std::string error = read_input_file(path, picture_file, bytes);
    if (!error.empty()) return error;
    error = parse_netpbm(bytes, p);
    return error.empty() ? "" : quoted_path(path) + ": " + error;
}

// A grey picture as PGM (P5), the grey sibling of PPM: the header, then a byte a pixel.
std::string pgm_bytes(int width, int height, const std::vector<uint8_t>& grey) {
    std::string bytes = "P5\n" + std::to_string(width) + " " + std::to_string(height);
    return (bytes + "\n255\n").append(grey.begin(), grey.end());
}

// ---------------------------------------------------------------------------------------
// 16. Pictures: a bitmap font, GIF, decision boundaries, charts, animations
// ---------------------------------------------------------------------------------------

const Color white{255, 255, 255}, black{0, 0, 0}, grey{200, 200, 200}, dark{60, 60, 60};
const Color class_colors[] = {{215, 60, 50}, {40, 110, 215}, {40, 160, 70}, {150, 80, 190}};

Color mix(Color a, Color b, double t) {  // t = 0 gives a, t = 1 gives b
    auto channel = [t](uint8_t x, uint8_t y) { return uint8_t(std::lround(x + t * (y - x))); };
    return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

// Little-endian 16-bit numbers, as every size and delay in a GIF is written.
void put16(std::string& out, int v) {
    out += char(v & 0xFF);
    out += char((v >> 8) & 0xFF);
}

// LZW, GIF's variant: codes start 8 bits wide for our 7-bit indices (code 128 clears the
// table, 129 ends the frame, 130 on name strings of indices seen before), grow a bit
// each time the next free code needs one, up to 12 bits; a full table is cleared. The
// codes are packed from the lowest bit up.
std::string lzw_compress(const std::vector<int>& indices, int min_bits) {
    const int clear = 1 << min_bits, end = clear + 1;
    std::vector<int> table(size_t(4096) << min_bits, 0), used;  // (prefix, index) -> code
    int bits = min_bits + 1, next = end + 1, pending = 0, pending_bits = 0;
    std::string packed;
    auto emit = [&](int code) {
        pending |= code << pending_bits;
        for (pending_bits += bits; pending_bits >= 8; pending_bits -= 8, pending >>= 8)
            packed += char(pending & 0xFF);
    };
    emit(clear);
    int prefix = indices[0];
    for (size_t i = 1; i < indices.size(); ++i) {
        size_t key = (size_t(prefix) << min_bits) | size_t(indices[i]);
        if (table[key] != 0) {
            prefix = table[key];
            continue;
        }
        emit(prefix);
        table[key] = next;
        used.push_back(int(key));
        if (next == (1 << bits) && bits < 12) ++bits;
        if (++next == 4096) {  // the table is full: start again
            emit(clear);
            for (int k : used) table[size_t(k)] = 0;
            used.clear();
            bits = min_bits + 1;
            next = end + 1;
        }
        prefix = indices[i];
    }
    emit(prefix);
    emit(end);
    if (pending_bits > 0) packed += char(pending & 0xFF);
    return packed;
}

// Image data is cut into blocks, each led by its length (1 to 255); an empty one ends it.
std::string in_blocks(const std::string& data) {
    std::string blocks;
    for (size_t at = 0; at < data.size(); at += 255) {
        std::string block = data.substr(at, 255);
        blocks += char(block.size()) + block;
    }
    return blocks + '\0';
}

// GIF (89a) is what browsers, GitHub and every viewer open, and it can animate. A GIF is
// a header with the size, a palette of up to 256 colours, then frames whose pixels are
// indices into the palette, each frame's indices compressed with LZW. Our palette is fixed
// and made for our pictures: 16 greys from black to white, and each class colour mixed
// with white in 28 steps; each pixel takes the nearest palette colour (no dithering).
struct GifWriter {
    int width, height;
    std::vector<Color> palette;       // 128 colours
    std::vector<int> nearest_cache;   // by the colour's top 5 bits a channel; -1: not yet
    std::string bytes;

    GifWriter(int w, int h) : width(w), height(h), nearest_cache(1 << 15, -1) {
        for (int k = 0; k < 16; ++k) {
            uint8_t grey = uint8_t(17 * k);
            palette.push_back({grey, grey, grey});
        }
        for (const Color& c : class_colors) {
            for (int k = 1; k <= 28; ++k) palette.push_back(mix(white, c, k / 28.0));
        }
        bytes = "GIF89a";
        put16(bytes, w);
        put16(bytes, h);
        bytes += char(0xF6);  // a global palette of 2^(6 + 1) = 128 colours, 8 bits a channel
        bytes += '\0';        // background: palette entry 0
        bytes += '\0';        // square pixels
        for (const Color& c : palette) bytes += {char(c.r), char(c.g), char(c.b)};
        bytes += "\x21\xFF\x0BNETSCAPE2.0\x03\x01";  // the looping extension:
        put16(bytes, 0);                             // repeat forever
        bytes += '\0';
    }

    void add_frame(const Image& frame, int delay_hundredths) {
        assert(frame.width == width && frame.height == height);
        bytes += "\x21\xF9\x04";  // the graphic control extension: how long to show the frame
        bytes += '\0';
        put16(bytes, std::max(2, delay_hundredths));  // browsers show shorter delays as 0.1 s
        bytes += std::string(2, '\0');
        bytes += ',';  // the image descriptor: where the frame goes (all of the picture)
        put16(bytes, 0);
        put16(bytes, 0);
        put16(bytes, width);
        put16(bytes, height);
        bytes += '\0';  // no palette of its own, not interlaced
        std::vector<int> indices;
        for (const Color& c : frame.pixels) indices.push_back(index_of(c));
        bytes += char(7);  // the smallest code size: 7 bits for 128 colours
        bytes += in_blocks(lzw_compress(indices, 7));
    }

    std::string finish() { return bytes + ";"; }  // ';' is the trailer, the end of the file

    int index_of(Color c) {
        int key = (c.r >> 3) << 10 | (c.g >> 3) << 5 | (c.b >> 3);
        if (nearest_cache[size_t(key)] >= 0) return nearest_cache[size_t(key)];
        int best = 0, best_distance = 1 << 30;
        for (size_t i = 0; i < palette.size(); ++i) {
            int dr = c.r - palette[i].r, dg = c.g - palette[i].g, db = c.b - palette[i].b;
            int distance = dr * dr + dg * dg + db * db;
            if (distance < best_distance) best = int(i), best_distance = distance;
        }
        return nearest_cache[size_t(key)] = best;
    }
};

// A 5 x 7 pixel font: each glyph is seven rows of five, '#' for ink.
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
    {'(', "...#.|..#..|.#...|.#...|.#...|..#..|...#."},
    {')', ".#...|..#..|...#.|...#.|...#.|..#..|.#..."},
    {',', ".....|.....|.....|.....|.##..|..#..|.#..."},
    {'+', ".....|..#..|..#..|#####|..#..|..#..|....."},
    {'e', ".....|.....|.###.|#...#|#####|#....|.###."},
};

void fill_rect(Image& image, int x0, int y0, int x1, int y1, Color c) {
    for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) image.set(x, y, c);
    }
}

// Draws text with its top-left corner at (x, y), each font pixel a scale x scale square.
// Text is in capitals; the one small letter, 'e', is for numbers such as 1e-3.
void draw_text(Image& image, int x, int y, const std::string& text, Color color,
               int scale = 1) {
    for (char c : text) {
        for (const Glyph& glyph : font) {
            if (glyph.c != c) continue;
            for (int row = 0; row < 7; ++row) {
                for (int col = 0; col < 5; ++col) {
                    if (glyph.rows[row * 6 + col] != '#') continue;
                    int px = x + col * scale, py = y + row * scale;
                    fill_rect(image, px, py, px + scale, py + scale, color);
                }
            }
        }
        x += 6 * scale;
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

// A square region of the plane (lower-left corner x_min, y_min; side span) shown on a grid
// of width x height cells: pixels, terminal cells or letters. The one mapping between
// the two, used by every picture.
struct PlaneView {
    double x_min, y_min, span;
    int width, height;

    double x_at(int px) const { return x_min + span * (px + 0.5) / width; }
    double y_at(int py) const { return y_min + span * (1.0 - (py + 0.5) / height); }
    int px_of(double x) const { return int((x - x_min) / span * width); }
    int py_of(double y) const { return int((1.0 - (y - y_min) / span) * height); }
};

// The data plus a margin, on a grid of width x height.
PlaneView view_of(const Dataset& data, int width, int height) {
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (const Point& p : data.points()) {
        x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    }
    double span = std::max(x1 - x0, y1 - y0) * 1.15 + 0.1;
    return {(x0 + x1 - span) / 2, (y0 + y1 - span) / 2, span, width, height};
}

// Class probabilities for one point of the plane, read off the network's outputs as its
// loss reads them: softmax of an output per class; a single output as a score whose sign
// decides, which sigmoid turns into a confidence. Squared error's output is moved to put
// its threshold of 0.5 at 0, and stretched, as its targets are only 1 apart.
std::vector<double> class_probabilities(DenseMLP& net, Loss loss, double x, double y) {
    const std::vector<double>& out = dense_forward(net, {x, y});
    double score = out[0];
    switch (loss) {
    case Loss::SoftmaxCrossEntropy: return softmax(out);
    case Loss::BinaryCrossEntropy: break;
    case Loss::Hinge: break;
    case Loss::MeanSquaredError: score = 4 * (out[0] - 0.5); break;
    }
    double p1 = sigmoid_of(score);
    return {1 - p1, p1};
}

// After a stop signal the program should end within a couple of seconds, and a boundary
// picture runs the network once per pixel (160,000 times for a 400 x 400 picture), the
// test set 3,000 times. So after one, that work is done only for small networks (one
// being drawn is abandoned): up to 2,000 parameters (the spiral's has 1,251) it takes
// well under a second.
bool small_network(const MLP& model) { return model.parameters().size() <= 2000; }

bool quick_after_stop(const MLP& model) { return !stop_requested || small_network(model); }

// What a picture of the plane colours by: each class's probability at a point.
using ProbabilitiesAt = std::function<std::vector<double>(double x, double y)>;

ProbabilitiesAt network_probabilities(DenseMLP& net, Loss loss) {
    return [&net, loss](double x, double y) { return class_probabilities(net, loss, x, y); };
}

// The plane coloured by predicted class, paler where the classifier is less sure, the
// class boundary drawn dark, training points as filled discs and test points as rings.
// After a stop signal a picture that is not `quick` is abandoned: an empty image.
Image draw_boundary(const ProbabilitiesAt& probabilities, const Dataset& train_set,
                    const Dataset& test_set, const PlaneView& view, bool quick) {
    Image image(view.width, view.height, white);
    std::vector<int> predicted(image.pixels.size());
    for (int py = 0; py < view.height; ++py) {
        if (stop_requested && !quick) return Image(0, 0, white);
        for (int px = 0; px < view.width; ++px) {
            std::vector<double> p = probabilities(view.x_at(px), view.y_at(py));
            int c = argmax(p);
            predicted[size_t(py) * view.width + px] = c;
            double confidence = (p[c] - 1.0 / p.size()) / (1.0 - 1.0 / p.size());  // 0..1
            image.set(px, py, mix(white, class_colors[c], 0.15 + 0.45 * confidence));
        }
    }
    for (int py = 0; py + 1 < view.height; ++py) {
        for (int px = 0; px + 1 < view.width; ++px) {
            size_t i = size_t(py) * view.width + px;
            if (predicted[i] != predicted[i + 1] || predicted[i] != predicted[i + view.width])
                image.set(px, py, dark);
        }
    }
    int r = std::max(2, view.width / 130);  // the points' radius
    for (const Point& p : test_set.points())
        draw_disc(image, view.px_of(p.x), view.py_of(p.y), r, white, class_colors[p.label]);
    for (const Point& p : train_set.points())
        draw_disc(image, view.px_of(p.x), view.py_of(p.y), r, class_colors[p.label], black);
    return image;
}

// Copies `tile` into `image` with its top-left corner at (x0, y0).
void paste(Image& image, const Image& tile, int x0, int y0) {
    for (int y = 0; y < tile.height; ++y) {
        for (int x = 0; x < tile.width; ++x)
            image.set(x0 + x, y0 + y, tile.pixels[size_t(y) * tile.width + x]);
    }
}

// A line chart shows series over epochs 0..n-1 on a linear (0 to 100) or log-10 y axis.
struct Series {
    std::string name;
    Color color;
    std::vector<double> values;  // values[epoch]
};

// One column of a training history, as a series's values.
std::vector<double> column(const std::vector<EpochStats>& history, double EpochStats::*field,
                           double scale = 1) {
    std::vector<double> values;
    for (const EpochStats& s : history) values.push_back(scale * (s.*field));
    return values;
}

// A run's curves of one figure, training in blue and validation in red; no validation
// curve (nor its legend) when the run had no validation set: its figures are NaN.
std::vector<Series> curves(const std::vector<EpochStats>& history, double EpochStats::*train,
                           double EpochStats::*val, double scale) {
    std::vector<Series> shown = {{"TRAINING", class_colors[1], column(history, train, scale)}};
    if (!std::isnan(history[0].*val))
        shown.push_back({"VALIDATION", class_colors[0], column(history, val, scale)});
    return shown;
}

std::vector<Series> loss_curves(const std::vector<EpochStats>& history) {
    return curves(history, &EpochStats::train_loss, &EpochStats::val_loss, 1);
}

std::vector<Series> accuracy_curves(const std::vector<EpochStats>& history) {  // in %
    return curves(history, &EpochStats::train_acc, &EpochStats::val_acc, 100);
}

struct Chart {
    int x0, y0, w, h;  // the plotting area in the image
    double lo, hi;     // the y axis
    bool log_y;
    size_t n;  // the x axis runs from epoch 0 to n - 1

    double x_of(double epoch) const { return x0 + epoch / std::max<double>(1, n - 1) * w; }
    double y_of(double v) const {
        double t = log_y ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
        return y0 + h - std::min(1.0, std::max(0.0, t)) * h;  // off the axis: on its edge
    }
};

// A log axis spans whole decades around the data: at least one, at most twelve (a loss of
// 1e-300 would otherwise ask for 300 gridlines), and one when there is nothing to show.
// The linear charts here show percentages, 0 to 100.
Chart chart_for(const std::vector<Series>& series, bool log_y, int x0, int y0, int w, int h) {
    double lo = 1e300, hi = -1e300;
    size_t n = 1;
    for (const Series& s : series) {
        n = std::max(n, s.values.size());
        for (double v : s.values) {
            if (!std::isfinite(v) || (log_y && v <= 0)) continue;
            lo = std::min(lo, v), hi = std::max(hi, v);
        }
    }
    if (!log_y) return {x0, y0, w, h, 0, 100, false, n};
    double top = lo > hi ? 0 : std::ceil(std::log10(hi));
    double bottom = lo > hi ? -1 : std::floor(std::log10(lo));
    bottom = std::min(top - 1, std::max(bottom, top - 12));
    return {x0, y0, w, h, std::pow(10, bottom), std::pow(10, top), true, n};
}

std::string short_number(double v) {
    char buf[32];
    if (v != 0 && (std::fabs(v) < 0.01 || std::fabs(v) >= 10000))
        std::snprintf(buf, sizeof buf, "%.0e", v);
    else std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// The title, gridlines with their labels (powers of ten on a log axis, fifths on a linear
// one; six epochs along the bottom), and the two axes.
void draw_grid(Image& image, const Chart& c, const std::string& title) {
    draw_text(image, c.x0, c.y0 - 22, title, black, 2);
    std::vector<double> ticks;
    if (c.log_y) {
        for (double v = c.lo; v <= c.hi * 1.0001; v *= 10) ticks.push_back(v);
    } else {
        for (int k = 0; k <= 5; ++k) ticks.push_back(c.lo + (c.hi - c.lo) * k / 5);
    }
    for (double v : ticks) {
        draw_line(image, c.x0, c.y_of(v), c.x0 + c.w, c.y_of(v), grey);
        std::string label = short_number(v);
        draw_text(image, c.x0 - 6 * int(label.size()) - 4, int(c.y_of(v)) - 3, label, black);
    }
    for (int k = 0; k <= 5; ++k) {
        double epoch = std::round((c.n - 1) * k / 5.0);
        draw_line(image, c.x_of(epoch), c.y0, c.x_of(epoch), c.y0 + c.h, grey);
        std::string label = short_number(epoch);
        draw_text(image, int(c.x_of(epoch)) - 3 * int(label.size()), c.y0 + c.h + 5, label,
                  black);
    }
    draw_text(image, c.x0 + c.w - 30, c.y0 + c.h + 15, "EPOCH", black);
    draw_line(image, c.x0, c.y0 + c.h, c.x0 + c.w, c.y0 + c.h, black);
    draw_line(image, c.x0, c.y0, c.x0, c.y0 + c.h, black);
}

// Each series as a line two pixels thick, skipping what the axis cannot show, and its
// name in a legend on the right: at the top for losses, which fall, and at the bottom for
// accuracies, which rise.
void draw_series(Image& image, const Chart& c, const std::vector<Series>& series, size_t last) {
    for (size_t i = 0; i < series.size(); ++i) {
        const Series& s = series[i];
        for (size_t e = 1; e < s.values.size() && e <= last; ++e) {
            double a = s.values[e - 1], b = s.values[e];
            if (!std::isfinite(a) || !std::isfinite(b) || (c.log_y && (a <= 0 || b <= 0)))
                continue;
            draw_line(image, c.x_of(e - 1), c.y_of(a), c.x_of(e), c.y_of(b), s.color);
            draw_line(image, c.x_of(e - 1), c.y_of(a) + 1, c.x_of(e), c.y_of(b) + 1, s.color);
        }
        int ly = c.y0 + 8 + 14 * int(i);
        if (!c.log_y) ly += c.h - 14 * int(series.size()) - 12;
        fill_rect(image, c.x0 + c.w - 150, ly, c.x0 + c.w - 136, ly + 7, s.color);
        draw_text(image, c.x0 + c.w - 130, ly, s.name, black);
    }
}

// An animation's frame shows the series up to epoch `last`, on axes that span the whole
// run, so that they stay still from frame to frame.
Chart draw_chart(Image& image, int x0, int y0, int w, int h, const std::string& title,
                 const std::vector<Series>& series, bool log_y, size_t last = SIZE_MAX) {
    Chart chart = chart_for(series, log_y, x0, y0, w, h);
    draw_grid(image, chart, title);
    draw_series(image, chart, series, last);
    return chart;
}

// A picture of one chart: training losses on a log scale.
void save_loss_chart(const std::string& path, const std::string& title,
                     const std::vector<Series>& series) {
    Image image(720, 420, white);
    draw_chart(image, 70, 40, 620, 330, title, series, true);
    save_ppm(image, path);
}

// Loss (log scale) above, accuracy below, training and validation, one point per epoch.
void save_history_charts(const std::string& path, const std::string& title,
                         const std::vector<EpochStats>& history) {
    Image image(720, 720, white);
    draw_chart(image, 70, 40, 620, 280, title + " LOSS", loss_curves(history), true);
    draw_chart(image, 70, 400, 620, 260, title + " ACCURACY %", accuracy_curves(history),
               false);
    save_ppm(image, path);
}

// A classifier's boundary, with the training (and test) points on top. Returns the
// picture (empty if a stop signal cut it short).
Image save_boundary(const std::string& path, const ProbabilitiesAt& probabilities,
                    const Split& data, bool quick = true) {
    Dataset all = data.train;
    for (const Point& p : data.test.points()) all.add(p);
    PlaneView view = view_of(all, 400, 400);
    Image image = draw_boundary(probabilities, data.train, data.test, view, quick);
    if (image.width > 0) save_ppm(image, path);
    return image;
}

Image save_boundary(const std::string& path, const MLP& model, Loss loss, const Split& data) {
    DenseMLP net = dense_copy(model);
    return save_boundary(path, network_probabilities(net, loss), data, small_network(model));
}

// `count` epochs from 0 to `last`, spaced evenly on a log scale: the boundary changes
// most at the start.
std::vector<int> snapshot_epochs(int last, int count) {
    std::vector<int> epochs = {0};
    for (int k = 1; k < count; ++k) {
        int e = int(std::lround(std::pow(double(last), double(k) / (count - 1))));
        epochs.push_back(std::min(last, std::max(e, epochs.back() + 1)));
    }
    epochs.erase(std::unique(epochs.begin(), epochs.end()), epochs.end());
    return epochs;
}

struct Snapshot {
    int epoch;
    std::vector<double> weights;
};

// The weights the pictures of learning show: `count` epochs spaced on a log scale up to
// the most a run may take, the last one it ran, and the one whose weights it kept. Only
// those are stored, so a run of any length holds at most count + 1 copies of the weights
// while it trains.
struct Snapshots {
    std::vector<int> wanted;
    std::vector<Snapshot> taken;
    Snapshot last;

    Snapshots(int max_epochs, int count) : wanted(snapshot_epochs(max_epochs, count)) {}

    void offer(int epoch, const std::vector<double>& weights) {
        if (std::count(wanted.begin(), wanted.end(), epoch)) taken.push_back({epoch, weights});
        last = {epoch, weights};
    }

    std::vector<Snapshot> with_last_and(const Snapshot& kept) const {
        std::vector<Snapshot> all = taken;
        for (const Snapshot& s : {last, kept}) {
            bool seen = false;
            for (const Snapshot& t : all) seen = seen || t.epoch == s.epoch;
            if (!seen) all.push_back(s);
        }
        std::sort(all.begin(), all.end(),
                  [](const Snapshot& a, const Snapshot& b) { return a.epoch < b.epoch; });
        return all;
    }
};

// A boundary at one snapshot, labelled with its epoch (and KEPT if it is epoch `kept`;
// XOR's pass -1, none) at the top centre, clear of XOR's corner points: a tile of the
// evolution grid and of the animations. Empty if a stop signal cut it short.
Image snapshot_tile(const MLP& model, Loss loss, const Dataset& train_set, const Snapshot& s,
                    int kept, int size) {
    std::vector<Value> params = model.parameters();
    std::vector<double> weights = data_of(params);
    set_data(params, s.weights);
    DenseMLP net = dense_copy(model);
    set_data(params, weights);  // the model keeps its own weights; the copy draws
    Image tile = draw_boundary(network_probabilities(net, loss), train_set, {},
                               view_of(train_set, size, size), small_network(model));
    if (tile.width == 0) return tile;
    std::string label = "EPOCH " + std::to_string(s.epoch) + (s.epoch == kept ? " KEPT" : "");
    int scale = size >= 200 ? 2 : 1;  // small tiles: small letters
    draw_text(tile, (size - 6 * scale * int(label.size())) / 2, 6, label, black, scale);
    return tile;
}

// One frame of the spiral's animation: the boundary beside the loss and accuracy curves
// up to its epoch (the axes span the whole run), the kept epoch marked once it is passed.
Image training_frame(const Image& tile, const std::vector<EpochStats>& history, int epoch,
                     int kept) {
    Image frame(tile.width + 400, tile.height, white);
    paste(frame, tile, 0, 0);
    int x0 = tile.width + 60, w = 320, h = (tile.height - 110) / 2;
    Chart top = draw_chart(frame, x0, 30, w, h, "LOSS", loss_curves(history), true, epoch);
    Chart bottom = draw_chart(frame, x0, h + 85, w, h, "ACCURACY %", accuracy_curves(history),
                              false, epoch);
    if (epoch < kept) return frame;
    for (const Chart& c : {top, bottom}) {
        draw_line(frame, c.x_of(kept), c.y0, c.x_of(kept), c.y0 + c.h, black);
        draw_text(frame, int(c.x_of(kept)) + 3, c.y0 + c.h - 10, "KEPT", black);
    }
    return frame;
}

// The boundary as it formed: the snapshots' tiles in a grid (spiral_evolution.ppm), and
// spiral_training.gif, a frame per snapshot, then a long one on the kept epoch. The log
// spacing of the snapshots gives the first epochs, where most changes, the most frames.
void save_evolution(const std::string& dir, const MLP& model, Loss loss,
                    const Dataset& train_set, const std::vector<Snapshot>& snapshots,
                    const TrainResult& r) {
    const int size = 240, columns = 4;
    int rows = (int(snapshots.size()) + columns - 1) / columns;
    Image grid(columns * size, rows * size, white);
    GifWriter gif(size + 400, size);
    Image kept_tile(0, 0, white);
    for (size_t k = 0; k < snapshots.size(); ++k) {
        Image tile = snapshot_tile(model, loss, train_set, snapshots[k], r.kept_epoch, size);
        if (tile.width == 0) break;  // stopped
        paste(grid, tile, int(k % columns) * size, int(k / columns) * size);
        gif.add_frame(training_frame(tile, r.history, snapshots[k].epoch, r.kept_epoch), 30);
        if (snapshots[k].epoch == r.kept_epoch) kept_tile = tile;
    }
    if (kept_tile.width == 0) return;
    int last = r.history.back().epoch;
    gif.add_frame(training_frame(kept_tile, r.history, last, r.kept_epoch), 300);
    save_ppm(grid, dir + "/spiral_evolution.ppm");
    save_file(dir + "/spiral_training.gif", gif.finish());
}

// Pictures of images, for Fashion-MNIST (section 19): a grid of test images with the
// network's guesses, what each first-layer neuron looks for, and the confusion matrix.
// Each is drawn 3x: a 28 x 28 image becomes 84 x 84 pixels.
const int image_zoom = 3;

// Text centred on x. A character takes 6 pixels a scale (5 of ink, 1 of space after it).
void draw_text_centred(Image& image, int x, int y, const std::string& text, Color color,
                       int scale = 1) {
    int width = 6 * scale * int(text.size()) - scale;
    draw_text(image, x - width / 2, y, text, color, scale);
}

// The side of a square image of `dims` pixels: 28 for Fashion-MNIST's 784.
int square_side(size_t dims) {
    int side = int(std::lround(std::sqrt(double(dims))));
    assert(size_t(side) * size_t(side) == dims && "a square image, row by row");
    return side;
}

// A square of side x side colours, row by row, as a tile: each a zoom x zoom square.
Image tile_of(const std::vector<Color>& colors, int zoom) {
    int side = square_side(colors.size());
    Image tile(side * zoom, side * zoom, black);
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            Color c = colors[size_t(y * side + x)];
            fill_rect(tile, x * zoom, y * zoom, (x + 1) * zoom, (y + 1) * zoom, c);
        }
    }
    return tile;
}

// Pixels in [0, 1] as greys, 0 black, as the data holds an image: the background dark and
// the garment bright.
std::vector<Color> greys(const std::vector<double>& pixels) {
    std::vector<Color> colors;
    for (double p : pixels) {
        uint8_t level = uint8_t(std::lround(255 * std::clamp(p, 0.0, 1.0)));
        colors.push_back({level, level, level});
    }
    return colors;
}

// Image i of a data set of images, each pixel a zoom x zoom square.
Image image_tile(const Dataset& images, size_t i, int zoom) {
    assert(images.kind == DataKind::Images && "image_tile: a data set of images");
    return tile_of(greys(images.features(i)), zoom);
}

// One cell of the grid: the image, and under it the class the network gave it. A mistake
// gets a red frame, its guess in red and the true class under that ("IS COAT"), so that
// the mistakes are what the eye finds first.
void draw_image_cell(Image& grid, int x, int y, int cell_width, const Image& tile,
                     const char* guess, const char* truth, bool mistake) {
    int tile_x = x + (cell_width - tile.width) / 2, tile_y = y + 6;
    if (mistake) {
        fill_rect(grid, tile_x - 3, tile_y - 3, tile_x + tile.width + 3,
                  tile_y + tile.height + 3, class_colors[0]);
    }
    paste(grid, tile, tile_x, tile_y);
    int centre = x + cell_width / 2, text_y = tile_y + tile.height + 7;
    draw_text_centred(grid, centre, text_y, guess, mistake ? class_colors[0] : black);
    if (mistake)
        draw_text_centred(grid, centre, text_y + 11, std::string("IS ") + truth, black);
}

// A cell of the grid is as wide as its tile or its longest line of text, whichever is
// wider, and a margin: a name of 10 letters, "IS " and a name of 10, fit at scale 1.
int image_cell_width(int tile_width, const std::vector<int>& truth,
                     const std::vector<int>& predicted, const char* const names[]) {
    int width = tile_width;
    for (size_t k = 0; k < truth.size(); ++k) {
        size_t guess = std::strlen(names[predicted[k]]);
        size_t is = 3 + std::strlen(names[truth[k]]);
        width = std::max(width, 6 * int(std::max(guess, is)));
    }
    return width + 12;
}

// Tiles, `columns` to a row under a title, each with the network's class for it under it
// (predicted[k]) and, for a mistake, the true one (truth[k]); names[c] is class c's name,
// in capitals, as the font has them.
Image draw_tile_grid(const std::vector<Image>& tiles, const std::vector<int>& truth,
                     const std::vector<int>& predicted, const char* const names[], int columns,
                     const std::string& title) {
    assert(!tiles.empty() && tiles.size() == truth.size() && truth.size() == predicted.size());
    const int top = 34;
    int cell_width = image_cell_width(tiles[0].width, truth, predicted, names);
    int cell_height = tiles[0].height + 36;  // the tile, its frame, two lines of text
    int rows = (int(tiles.size()) + columns - 1) / columns;
    int width = std::max(columns * cell_width + 16, 12 * int(title.size()) + 16);
    Image grid(width, top + rows * cell_height + 4, white);
    draw_text(grid, 8, 8, title, black, 2);
    for (size_t k = 0; k < tiles.size(); ++k) {
        int x = 8 + int(k) % columns * cell_width, y = top + int(k) / columns * cell_height;
        draw_image_cell(grid, x, y, cell_width, tiles[k], names[predicted[k]], names[truth[k]],
                        predicted[k] != truth[k]);
    }
    return grid;
}

// The images at `shown`; predicted[k] is the network's class for images[shown[k]].
Image draw_image_grid(const Dataset& images, const std::vector<int>& shown,
                      const std::vector<int>& predicted, const char* const names[], int columns,
                      const std::string& title) {
    std::vector<Image> tiles;
    std::vector<int> truth;
    for (int i : shown) {
        tiles.push_back(image_tile(images, size_t(i), image_zoom));
        truth.push_back(images.labels[size_t(i)]);
    }
    return draw_tile_grid(tiles, truth, predicted, names, columns, title);
}

// The largest |w| of a layer's weights: the full colour of every tile, so that the tiles
// compare (1 if every weight is 0, which then shows as white).
double largest_weight(const Layer& layer) {
    double largest = 0;
    for (const Neuron& n : layer.neurons)
        for (Value w : n.weights) largest = std::max(largest, std::fabs(w.data()));
    return largest > 0 ? largest : 1;
}

// A weight as a colour: white for 0, redder the more positive, bluer the more negative,
// the full class colour at +scale or -scale.
Color weight_color(double w, double scale) {
    Color sign = w >= 0 ? class_colors[0] : class_colors[1];
    return mix(white, sign, std::min(1.0, std::fabs(w) / scale));
}

// A first-layer neuron's weights as a side x side tile, each weight a zoom x zoom square
// where the pixel it multiplies is in the image: red where a bright pixel pushes the
// neuron up, blue where it pushes it down, white where the neuron does not look.
Image weight_tile(const Neuron& neuron, double scale, int zoom) {
    std::vector<Color> colors;
    for (Value w : neuron.weights) colors.push_back(weight_color(w.data(), scale));
    return tile_of(colors, zoom);
}

// What each hidden neuron of the first layer looks for: its weights as a tile, the tiles
// in a near-square grid under a title and a line that says what the colours mean.
Image draw_first_layer_weights(const MLP& model, int side, const std::string& title) {
    const Layer& first = model.layers[0];
    const int n = int(first.neurons.size()), tile = side * image_zoom, gap = 8, top = 44;
    const int columns = int(std::ceil(std::sqrt(double(n))));
    const int rows = (n + columns - 1) / columns;
    double scale = largest_weight(first);
    char legend[96];
    std::snprintf(legend, sizeof legend, "RED: POSITIVE, BLUE: NEGATIVE, FULL AT %.2g", scale);
    int width = std::max({gap + columns * (tile + gap), 12 * int(title.size()) + 16,
                          6 * int(std::strlen(legend)) + 16});
    Image image(width, top + rows * (tile + gap), white);
    draw_text(image, 8, 8, title, black, 2);
    draw_text(image, 8, 28, legend, black);
    for (int j = 0; j < n; ++j) {
        int x = gap + j % columns * (tile + gap), y = top + j / columns * (tile + gap);
        fill_rect(image, x - 1, y - 1, x + tile + 1, y + tile + 1, dark);  // a thin frame
        paste(image, weight_tile(first.neurons[size_t(j)], scale, image_zoom), x, y);
    }
    return image;
}

// Each image beside its saliency map for the class the network gives it (section 12): a
// pixel is brighter the more a small change of it moves that class's score, each map
// scaled to its own largest value.
Image saliency_pair(const MLP& model, const Dataset& images, size_t i, int predicted) {
    std::vector<double> map = saliency(model, images.features(i), predicted);
    double largest = *std::max_element(map.begin(), map.end());
    for (double& m : map) m = largest > 0 ? m / largest : 0.0;
    Image picture = image_tile(images, i, image_zoom);
    Image pair(2 * picture.width + 4, picture.height, white);
    paste(pair, picture, 0, 0);
    paste(pair, tile_of(greys(map), image_zoom), picture.width + 4, 0);
    return pair;
}

Image draw_saliency_grid(const MLP& model, const Dataset& images, const std::vector<int>& shown,
                         const std::vector<int>& predicted, const char* const names[],
                         const std::string& title) {
    std::vector<Image> tiles;
    std::vector<int> truth;
    for (size_t k = 0; k < shown.size(); ++k) {
        size_t i = size_t(shown[k]);
        tiles.push_back(saliency_pair(model, images, i, predicted[k]));
        truth.push_back(images.labels[i]);
    }
    return draw_tile_grid(tiles, truth, predicted, names, 5, title);
}

// A test image the network got right, pushed until it said something else (section 12).
struct Fooled {
    size_t index;                // in the test set
    std::vector<double> pixels;  // the picture that fooled it
    int said;                    // what the network then said
    int levels;                  // the steps taken: no pixel moved further, in grey levels
};

// One fooled image as three tiles in a row: the image, the change (red where a pixel was
// made brighter, blue darker, full at the change's size), and the fooled picture; under
// them the true class, the change's size in grey levels, and what the network then said.
void draw_fooled(Image& image, int x, int y, const Dataset& images, const Fooled& f,
                 const char* const names[]) {
    std::vector<double> original = images.features(f.index);
    std::vector<Color> change;
    for (size_t k = 0; k < original.size(); ++k)
        change.push_back(weight_color(f.pixels[k] - original[k], f.levels / 255.0));
    const Image tiles[] = {tile_of(greys(original), image_zoom), tile_of(change, image_zoom),
                           tile_of(greys(f.pixels), image_zoom)};
    std::string size = std::to_string(f.levels) + (f.levels == 1 ? " LEVEL" : " LEVELS");
    const std::string words[] = {names[images.labels[f.index]], size, names[f.said]};
    const Color ink[] = {black, black, class_colors[0]};
    int step = tiles[0].width + 12;
    for (int t = 0; t < 3; ++t) {
        paste(image, tiles[t], x + t * step, y);
        draw_text_centred(image, x + t * step + tiles[t].width / 2, y + tiles[t].height + 6,
                          words[t], ink[t]);
    }
}

// The fooled images, two to a row under a title and a line that says what the colours
// mean.
Image draw_fooling(const Dataset& images, const std::vector<Fooled>& fooled,
                   const char* const names[], const std::string& title) {
    const int tile = square_side(size_t(images.dims)) * image_zoom, top = 48;
    const int width = 3 * (tile + 12), height = tile + 26;
    const std::string legend = "IMAGE, CHANGE (RED: BRIGHTER, BLUE: DARKER), WHAT IT SAID THEN";
    int rows = (int(fooled.size()) + 1) / 2;
    Image image(std::max({2 * width + 16, 12 * int(title.size()) + 16,
                          6 * int(legend.size()) + 16}), top + rows * height, white);
    draw_text(image, 8, 8, title, black, 2);
    draw_text(image, 8, 28, legend, black);
    for (size_t k = 0; k < fooled.size(); ++k) {
        int x = 8 + int(k % 2) * (width + 16), y = top + int(k / 2) * height;
        draw_fooled(image, x, y, images, fooled[k], names);
    }
    return image;
}

// The first layer's weights at one snapshot. Leaves them in the model: the caller puts
// its own back.
Image weights_frame(const std::vector<Value>& params, const MLP& model, const Snapshot& s) {
    set_data(params, s.weights);
    int side = square_side(model.layers[0].neurons[0].weights.size());
    std::string title = "FIRST LAYER WEIGHTS, EPOCH " + std::to_string(s.epoch);
    return draw_first_layer_weights(model, side, title);
}

// The first layer's weights as they were learned: a frame per snapshot, 0.3 s each, the
// last held 3 s. Drawing weights runs no network (31 frames of 64 neurons take under a
// second), so after a stop signal it is done as it is. The model's own weights are put
// back. A GIF's frames are all one size, and a longer title or legend (a later epoch,
// another largest |w|) widens a picture: so the frames are drawn once to find the widest,
// then on canvases of its size.
void save_weight_animation(const std::string& path, const MLP& model,
                           const std::vector<Snapshot>& snapshots) {
    if (snapshots.empty()) return;
    std::vector<Value> params = model.parameters();
    std::vector<double> weights = data_of(params);
    int width = 0, height = 0;
    for (const Snapshot& s : snapshots) {
        Image frame = weights_frame(params, model, s);
        width = std::max(width, frame.width), height = std::max(height, frame.height);
    }
    GifWriter gif(width, height);
    for (size_t k = 0; k < snapshots.size(); ++k) {
        Image frame(width, height, white);
        paste(frame, weights_frame(params, model, snapshots[k]), 0, 0);
        gif.add_frame(frame, k + 1 < snapshots.size() ? 30 : 300);
    }
    set_data(params, weights);
    save_file(path, gif.finish());
}

// The confusion matrix, counts[true][predicted]: a cell per pair of classes, 44 x 30
// pixels, cell (0, 0)'s top-left corner at (matrix_left, matrix_top), the true classes'
// names on the left and the predicted classes' numbers above.
const int matrix_left = 100, matrix_top = 66, matrix_cell_width = 44, matrix_cell_height = 30;

// A cell's shade is its share of its row, the images of its true class: green on the
// diagonal (right), red off it (mistakes). The square root makes a share of 1% a tint one
// sees (0.1 of the full colour) and keeps the order: a larger share is darker.
Color confusion_shade(double share, bool right) {
    return mix(white, right ? class_colors[2] : class_colors[0], std::sqrt(share));
}

// A cell, its count written in it: white on a dark shade, grey for none.
void draw_confusion_cell(Image& image, int truth, int guess, int count, int row_total) {
    double share = row_total > 0 ? double(count) / row_total : 0.0;
    int x = matrix_left + guess * matrix_cell_width;
    int y = matrix_top + truth * matrix_cell_height;
    fill_rect(image, x, y, x + matrix_cell_width - 1, y + matrix_cell_height - 1,
              confusion_shade(share, truth == guess));
    Color ink = black;
    if (count == 0) ink = grey;
    if (share > 0.3) ink = white;  // the shade is past sqrt(0.3) = 0.55 of the full colour
    draw_text_centred(image, x + matrix_cell_width / 2, y + (matrix_cell_height - 7) / 2,
                      std::to_string(count), ink);
}

// Which classes the network takes for which: row t holds the images of true class t,
// column p those it predicted as p, so the right answers are the diagonal. names[c] are
// the classes' names.
Image draw_confusion_matrix(const std::vector<std::vector<int>>& counts,
                            const char* const names[], const std::string& title) {
    const int n = int(counts.size());
    int width = std::max(matrix_left + n * matrix_cell_width + 12, 12 * int(title.size()) + 16);
    Image image(width, matrix_top + n * matrix_cell_height + 10, white);
    draw_text(image, 8, 8, title, black, 2);
    draw_text(image, matrix_left, 36, "PREDICTED CLASS", black);
    draw_text(image, 8, matrix_top - 12, "TRUE CLASS", black);
    for (int t = 0; t < n; ++t) {
        int row_total = 0;
        for (int count : counts[size_t(t)]) row_total += count;
        int row_y = matrix_top + t * matrix_cell_height + (matrix_cell_height - 7) / 2;
        draw_text(image, 8, row_y, std::to_string(t) + " " + names[t], black);
        draw_text_centred(image, matrix_left + t * matrix_cell_width + matrix_cell_width / 2,
                          matrix_top - 12, std::to_string(t), black);
        for (int p = 0; p < n; ++p)
            draw_confusion_cell(image, t, p, counts[size_t(t)][size_t(p)], row_total);
    }
    return image;
}

// The same counts as CSV: a header "true," and the predicted classes' names, then a row
// per true class, its name and its counts.
std::string confusion_csv(const std::vector<std::vector<int>>& counts,
                          const char* const names[]) {
    std::string csv = "true";
    for (size_t p = 0; p < counts.size(); ++p) csv += std::string(",") + names[p];
    csv += "\n";
    for (size_t t = 0; t < counts.size(); ++t) {
        csv += names[t];
        for (int count : counts[t]) csv += "," + std::to_string(count);
        csv += "\n";
    }
    return csv;
}

// ---------------------------------------------------------------------------------------
// 17. Live view: the boundary redrawn in the terminal while the network trains
// ---------------------------------------------------------------------------------------
// With --live, every other epoch: the decision boundary in 24-bit ANSI colours (the
// character "upper half block" with a foreground and a background colour shows two pixels
// per cell), the current figures, and a sparkline of the training loss.

extern "C" int isatty(int fd);  // POSIX, declared here so that no non-standard header is needed

// Live drawing needs a terminal that understands colours: standard output is one, TERM
// is not "dumb", and NO_COLOR (no-color.org) is not set.
bool live_view_possible(bool terminal, const char* term, const char* no_color) {
    return terminal && !(term && std::strcmp(term, "dumb") == 0) && !no_color;
}

// The last 40 training losses as bars, scaled between their smallest and largest.
std::string sparkline(const std::vector<EpochStats>& history) {
    const char* bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                          "\u2585", "\u2586", "\u2587", "\u2588"};
    size_t from = history.size() > 40 ? history.size() - 40 : 0;
    double lo = 1e300, hi = -1e300;
    for (size_t i = from; i < history.size(); ++i) {
        lo = std::min(lo, history[i].train_loss);
        hi = std::max(hi, history[i].train_loss);
    }
    std::string line;
    for (size_t i = from; i < history.size(); ++i) {
        double t = hi > lo ? (history[i].train_loss - lo) / (hi - lo) : 0;
        line += bars[std::min(7, int(t * 8))];
    }
    return line;
}

// The text beside row `row` of the picture.
std::string live_caption(int row, const std::vector<EpochStats>& history) {
    const EpochStats& s = history.back();
    char text[128] = "";
    if (row == 1) std::snprintf(text, sizeof text, "epoch %d", s.epoch);
    if (row == 3)
        std::snprintf(text, sizeof text, "train loss %.4f  acc %.1f%%", s.train_loss,
                      100 * s.train_acc);
    if (row == 4 && std::isfinite(s.val_loss))
        std::snprintf(text, sizeof text, "val   loss %.4f  acc %.1f%%", s.val_loss,
                      100 * s.val_acc);
    return row == 6 ? sparkline(history) : text;
}

void draw_live(const MLP& model, Loss loss, const Dataset& train_set,
               const std::vector<EpochStats>& history) {
    const int cols = 56, rows = 28;  // 56 x 56 pixels
    PlaneView view = view_of(train_set, cols, 2 * rows);
    DenseMLP net = dense_copy(model);
    auto pixel = [&](int px, int py) {
        std::vector<double> p = class_probabilities(net, loss, view.x_at(px), view.y_at(py));
        int c = argmax(p);
        return mix(white, class_colors[c], 0.3 + 0.7 * p[c]);
    };
    std::string screen = "\x1b[H";  // the cursor to the top-left corner
    for (int row = 0; row < rows; ++row) {
        for (int col = 0; col < cols; ++col) {
            Color up = pixel(col, 2 * row), down = pixel(col, 2 * row + 1);
            char cell[64];
            std::snprintf(cell, sizeof cell, "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm\u2580",
                          up.r, up.g, up.b, down.r, down.g, down.b);
            screen += cell;
        }
        screen += "\x1b[0m  " + live_caption(row, history) + "\x1b[K\n";
    }
    std::fputs(screen.c_str(), stdout);
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------
// 18. Reports: what a run prints as it goes and when it ends
// ---------------------------------------------------------------------------------------
// Progress lines, a run's outcome, a word when it diverged, a few predictions, the
// boundary in letters, a row of the XOR table: printing only, no training.

// ", dropout 0.2" for the line that states a run's settings; nothing without dropout.
std::string dropout_words(const TrainConfig& cfg) {
    if (cfg.dropout == 0) return "";
    char words[32];
    std::snprintf(words, sizeof words, ", dropout %g", cfg.dropout);
    return words;
}

void print_progress(const EpochStats& s) {
    std::printf("  epoch %4d  train loss %.4f acc %5.1f%%", s.epoch, s.train_loss,
                100 * s.train_acc);
    if (std::isfinite(s.val_loss))
        std::printf("  val loss %.4f acc %5.1f%%", s.val_loss, 100 * s.val_acc);
    std::printf("  lr %.3g\n", s.learning_rate);
    std::fflush(stdout);  // progress is for watching, also through a pipe
}

// Progress within an epoch, for the long ones: at most every 3 seconds, the images done,
// how many a second, the time the epoch has left at that pace, and the mean loss of the
// epoch's steps so far.
struct StepProgress {
    size_t total = 0;  // images in an epoch
    int epoch = 1;
    std::chrono::steady_clock::time_point epoch_start, last_print;
    double loss_sum = 0;
    int steps = 0;
    size_t images_trained = 0;    // in the epochs that ran to their end...
    double training_seconds = 0;  // ... and the time they took, measuring not counted

    void start_epoch(int next_epoch) {
        epoch = next_epoch;
        epoch_start = last_print = std::chrono::steady_clock::now();
        loss_sum = 0;
        steps = 0;
    }

    void step(size_t done, double loss) {
        loss_sum += loss;
        ++steps;
        auto now = std::chrono::steady_clock::now();
        if (done == total) {
            images_trained += total;
            training_seconds += std::chrono::duration<double>(now - epoch_start).count();
            return;
        }
        if (now - last_print < std::chrono::seconds(3)) return;
        last_print = now;
        double seconds = std::chrono::duration<double>(now - epoch_start).count();
        double per_second = double(done) / seconds;
        std::printf("    epoch %d: %zu of %zu images, %.0f a second, %.0f s left, loss %.4f\n",
                    epoch, done, total, per_second, double(total - done) / per_second,
                    loss_sum / steps);
        std::fflush(stdout);
    }
};

// A diverged run has no results worth reading; say where it went wrong and what to try.
void report_divergence(const std::string& what, const TrainConfig& cfg, const TrainResult& r) {
    if (r.stop != StopReason::Diverged) return;
    std::fflush(stdout);  // so the message comes after the progress that led to it
    std::fprintf(stderr,
                 "nn: %s diverged in epoch %d (the loss became %g); kept the weights of "
                 "epoch %d. Try a smaller learning rate than %g (--lr).\n",
                 what.c_str(), r.history.back().epoch, r.history.back().train_loss,
                 r.kept_epoch, cfg.learning_rate);
}

// The figures of the epoch whose weights a run kept, and how they do on the test set.
void print_outcome(const char* name, const TrainResult& r, const Evaluation& test) {
    const EpochStats& kept = r.kept();
    std::printf("%s: stopped after %d epochs (%s), weights from epoch %d\n", name,
                int(r.history.size()) - 1, stop_reason_name(r.stop), kept.epoch);
    std::printf("  train %.1f%% (loss %.4f)", 100 * kept.train_acc, kept.train_loss);
    if (std::isfinite(kept.val_loss))
        std::printf("   validation %.1f%% (loss %.4f)", 100 * kept.val_acc, kept.val_loss);
    if (std::isfinite(test.loss))
        std::printf("   test %.1f%% (loss %.4f)", 100 * test.accuracy, test.loss);
    std::printf("\n");
    // What early stopping saved us from: the last epoch fitted the training points better
    // and the validation points worse.
    const EpochStats& last = r.history.back();
    if (last.epoch != kept.epoch && std::isfinite(last.val_loss))
        std::printf("  the last epoch, %d: train %.1f%% (loss %.4f)   validation %.1f%% "
                    "(loss %.4f)\n",
                    last.epoch, 100 * last.train_acc, last.train_loss, 100 * last.val_acc,
                    last.val_loss);
}

// The three mistakes made most often, from counts[true][predicted].
void print_top_mistakes(const std::vector<std::vector<int>>& counts,
                        const char* const names[]) {
    struct Mistake {
        int count, truth, guess;
    };
    std::vector<Mistake> mistakes;
    for (int t = 0; t < int(counts.size()); ++t) {
        for (int p = 0; p < int(counts.size()); ++p)
            if (p != t) mistakes.push_back({counts[size_t(t)][size_t(p)], t, p});
    }
    std::stable_sort(mistakes.begin(), mistakes.end(),
                     [](const Mistake& a, const Mistake& b) { return a.count > b.count; });
    std::printf("  the mistakes made most often:");
    for (size_t k = 0; k < 3 && k < mistakes.size(); ++k) {
        const Mistake& m = mistakes[k];
        std::printf("%s %s taken for %s %d times", k ? ";" : "", names[m.truth],
                    names[m.guess], m.count);
    }
    std::printf("\n");
}

void print_sample_predictions(const MLP& model, const Dataset& test_set) {
    std::printf("Sample predictions on test points (class probabilities from softmax):\n");
    for (size_t i = test_set.size() / 12; i < test_set.size(); i += test_set.size() / 6) {
        Point p = test_set.point(i);
        size_t keep = graph.nodes.size();
        std::vector<double> prob = softmax(data_of(forward(model, test_set, int(i))));
        graph_truncate(keep);
        std::printf("  (% .3f, % .3f) class %d -> predicted %d  p = [", p.x, p.y, p.label,
                    argmax(prob));
        for (size_t c = 0; c < prob.size(); ++c) std::printf("%s%.3f", c ? ", " : "", prob[c]);
        std::printf("]\n");
    }
}

// The model's boundary as letters, one per class, capital where a training point lies.
void print_ascii_boundary(const MLP& model, Loss loss, const Dataset& train_set) {
    PlaneView view = view_of(train_set, 64, 32);
    if (!quick_after_stop(model)) return;
    DenseMLP net = dense_copy(model);
    std::printf("The kept weights' boundary (a, b, c: predicted class; A, B, C: training "
                "points):\n");
    std::vector<std::string> lines(size_t(view.height), std::string(size_t(view.width), ' '));
    for (int r = 0; r < view.height; ++r) {
        for (int c = 0; c < view.width; ++c) {
            std::vector<double> p = class_probabilities(net, loss, view.x_at(c), view.y_at(r));
            lines[r][c] = char('a' + argmax(p));
        }
    }
    for (const Point& p : train_set.points()) {
        int c = view.px_of(p.x), r = view.py_of(p.y);
        if (r >= 0 && r < view.height && c >= 0 && c < view.width)
            lines[r][c] = char('A' + p.label);
    }
    for (const std::string& line : lines) std::printf("  %s\n", line.c_str());
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One row of the XOR study: one architecture and activation, trained from every seed.
struct XorRow {
    std::vector<double> epochs_to_solve, final_losses;
    std::vector<std::string> causes;  // why each failed run failed
    TrainResult first_divergence;
    uint64_t first_divergence_seed = 0;
};

void print_xor_row(const XorRow& row, const TrainConfig& cfg) {
    int runs = int(row.final_losses.size());  // fewer than xor_seeds after Ctrl-C
    int solved = runs - int(row.causes.size());
    std::string why;
    for (const char* cause : {"plateau", "saturated unit", "dead relu unit", "diverged"}) {
        int n = int(std::count(row.causes.begin(), row.causes.end(), cause));
        if (n > 0) why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + cause;
    }
    std::string epochs = row.epochs_to_solve.empty()
                             ? "-"
                             : std::to_string(int(median(row.epochs_to_solve)));
    std::string arch = architecture(cfg, 1);
    std::printf("  %-8s %-8s %7.0f%% %15s %18.4g  %s\n", arch.c_str(), activation_name(cfg.act),
                100.0 * solved / runs, epochs.c_str(), median(row.final_losses),
                why.empty() ? "-" : why.c_str());
    int n_diverged = int(std::count(row.causes.begin(), row.causes.end(), "diverged"));
    report_divergence("XOR " + arch + " " + activation_name(cfg.act) + " seed " +
                          std::to_string(row.first_divergence_seed) + " (one of " +
                          std::to_string(n_diverged) + " seeds that did)",
                      cfg, row.first_divergence);
}

// ---------------------------------------------------------------------------------------
// 19. Running experiments: a run watched and stopped; what each one trains and writes
// ---------------------------------------------------------------------------------------

// What the program watches while a run trains: on_epoch is called after every epoch (and
// once for epoch 0) with the history so far; on_step after every step with the points the
// epoch has done and the step's loss, since an epoch of 54,000 images takes seconds and
// its progress can be shown. The training set's loss and accuracy are measured on
// measured_points of its points (0: all of them).
using EpochHook = std::function<void(const std::vector<EpochStats>&)>;
using StepHook = std::function<void(size_t points_done, double loss)>;

struct Watch {
    EpochHook on_epoch;
    StepHook on_step;
    int measured_points = 0;
};

// `count` training points spread evenly over the set (every k-th), or all of them: for a
// large set, the same story for a fraction of the time.
Dataset measured_points(const Dataset& train_set, int count) {
    if (count <= 0 || size_t(count) >= train_set.size()) return train_set;
    std::vector<int> every_kth;
    for (size_t k = 0; k < size_t(count); ++k)
        every_kth.push_back(int(k * train_set.size() / size_t(count)));
    return train_set.subset(every_kth);
}

// train_epoch (section 11), told after each step, and ended before a step when a stop is
// requested.
bool train_epoch_watched(MLP& model, Training& run, const Dataset& data,
                         const TrainConfig& cfg, int epoch, const StepHook& on_step) {
    run.before_epoch = data_of(run.params);
    run.opt.learning_rate = learning_rate_at(cfg, epoch);
    shuffle(run.order, run.order_rng);
    size_t done = 0;
    for (const std::vector<int>& batch : batches_of(run.order, cfg.batch_size)) {
        if (stop_requested) break;
        double loss = train_step(model, run.params, data, batch, cfg, run.opt, run.mask_rng);
        if (!std::isfinite(loss)) return false;
        done += batch.size();
        if (on_step) on_step(done, loss);
    }
    return true;
}

// train (section 11), watched. A run asked to stop drops its unfinished epoch, unmeasured,
// and keeps what it had learned before it.
TrainResult train_watched(MLP& model, const Dataset& train_set, const Dataset& val_set,
                          const TrainConfig& cfg, const Watch& watch) {
    Training run = start_training(model, train_set, cfg);
    bool has_val = !val_set.empty();
    Dataset measured = measured_points(train_set, watch.measured_points);
    record_untrained(run, measure(model, measured, val_set, cfg.loss, 0, cfg.learning_rate),
                     has_val);
    if (watch.on_epoch) watch.on_epoch(run.result.history);
    for (int epoch = 1; epoch <= cfg.max_epochs; ++epoch) {
        bool finite = train_epoch_watched(model, run, train_set, cfg, epoch, watch.on_step);
        if (stop_requested) {
            set_data(run.params, run.before_epoch);
            run.result.stop = StopReason::Interrupted;
            break;
        }
        double rate = run.opt.learning_rate;
        EpochStats s = measure(model, measured, val_set, cfg.loss, epoch, rate);
        bool over = run_is_over(run, s, finite, has_val, cfg);
        if (watch.on_epoch) watch.on_epoch(run.result.history);
        if (over) break;
    }
    return finish_training(run, has_val);
}

// What the command line asked for (section 20 reads it). An empty optional leaves the
// experiment's own setting.
struct Flags {
    std::string command = "all";
    std::optional<uint64_t> seed;
    std::optional<int> epochs, batch, patience;
    std::optional<double> learning_rate, momentum, dropout;
    std::optional<std::vector<int>> hidden;
    std::optional<Activation> act;
    std::optional<OptimizerKind> optimizer;
    std::string out_dir = "plots";
    bool live = false;
    std::string data_dir;  // the image experiments' folder of files; "": the default
    int subset = 0;        // train on this many images; 0: all of them
    std::string save_path, load_path;   // --save, --load: a model file (section 15); "": none
    std::string model_path;             // predict's model file
    std::vector<std::string> pictures;  // predict's pictures
};

TrainConfig with_flags(TrainConfig cfg, const Flags& f) {
    if (f.seed) cfg.seed = *f.seed;
    if (f.epochs) cfg.max_epochs = *f.epochs;
    if (f.learning_rate) {  // a decaying schedule is scaled to start at the rate given
        switch (cfg.schedule) {
        case Schedule::Constant: break;
        case Schedule::Linear: cfg.final_learning_rate *= *f.learning_rate / cfg.learning_rate;
        }
        cfg.learning_rate = *f.learning_rate;
    }
    if (f.momentum) cfg.momentum = *f.momentum;
    if (f.batch) cfg.batch_size = *f.batch;
    if (f.patience) cfg.patience = *f.patience;
    if (f.hidden) cfg.hidden = *f.hidden;
    if (f.act) cfg.act = *f.act;
    if (f.optimizer) cfg.optimizer = *f.optimizer;
    if (f.dropout) cfg.dropout = *f.dropout;
    return cfg;
}

// A training run and how its kept weights do on the test set (NaN without one, or when
// a stop signal left no time for it).
struct RecordedRun {
    TrainResult train;
    Evaluation test;
};

// Trains one model and records it: a row in results.csv, and a CSV log of every epoch
// unless log_name is empty.
RecordedRun train_and_record(Output& out, const std::string& experiment,
                             const std::string& log_name, MLP& model,
                             const TrainConfig& cfg, const Split& data,
                             const Watch& watch) {
    RecordedRun r{train_watched(model, data.train, data.val, cfg, watch), {NAN, NAN}};
    if (quick_after_stop(model)) r.test = evaluate(model, data.test, cfg.loss);
    if (!log_name.empty())
        save_file(out.dir + "/" + log_name + ".csv", epoch_log_csv(r.train.history));
    int n_inputs = int(model.layers[0].neurons[0].weights.size());
    int n_outputs = int(model.layers.back().neurons.size());
    add_result(out, experiment, architecture(cfg, n_outputs, n_inputs), cfg, r.train,
               r.test.accuracy);
    if (r.train.stop == StopReason::Diverged) ++out.diverged_runs;
    return r;
}

// Why an XOR run failed, read off its hidden units on the four points: a relu unit that
// outputs 0 for all of them is dead (its gradient is 0, so it never recovers); a tanh or
// sigmoid unit whose slope is nearly 0 on all of them is saturated; otherwise the run sits
// on a plateau where the gradient is too small to make progress.
std::string failure_cause(const MLP& model, const Dataset& data) {
    DenseMLP net = dense_copy(model);
    std::vector<bool> stuck(size_t(net.layers[0].n_out), true);
    for (size_t i = 0; i < data.size(); ++i) {
        dense_forward(net, data.features(i));
        for (int j = 0; j < net.layers[0].n_out; ++j) {
            if (dense_slope(net.layers[0].out[j], net.layers[0].act) > 0.02) stuck[j] = false;
        }
    }
    if (std::count(stuck.begin(), stuck.end(), true) == 0) return "plateau";
    switch (net.layers[0].act) {
    case Activation::Tanh: return "saturated unit";
    case Activation::Sigmoid: return "saturated unit";
    case Activation::ReLU: return "dead relu unit";
    case Activation::Linear: return "plateau";  // a linear unit's slope is 1
    }
    return "?";
}

void add_xor_run(XorRow& row, const TrainResult& r, const MLP& model, uint64_t seed) {
    const EpochStats& kept = r.kept();
    row.final_losses.push_back(kept.train_loss);
    for (const EpochStats& s : r.history) {
        if (s.train_acc == 1.0) {
            row.epochs_to_solve.push_back(s.epoch);
            break;
        }
    }
    if (r.stop == StopReason::Diverged) {
        if (row.first_divergence.history.empty()) {
            row.first_divergence = r;
            row.first_divergence_seed = seed;
        }
        row.causes.push_back("diverged");
    } else if (kept.train_acc < 1.0) {
        row.causes.push_back(failure_cause(model, xor_data()));
    }
}

// A boundary at one epoch, as the XOR animation shows it.
struct Tile {
    int epoch;
    Image image;
};

// The first seed's tanh run of each XOR network, for xor_loss.ppm and xor_training.gif:
// its loss curve, and its boundary at each snapshot; curves[i] and tiles[i] are network i's.
struct XorPictures {
    std::vector<Series> curves;
    std::vector<std::vector<Tile>> tiles;
};

// The boundary of each snapshot, 150 pixels square; none if a stop signal cut it short.
std::vector<Tile> xor_tiles(const MLP& model, Loss loss,
                            const std::vector<Snapshot>& snapshots) {
    std::vector<Tile> tiles;
    for (const Snapshot& s : snapshots) {
        Image tile = snapshot_tile(model, loss, xor_data(), s, -1, 150);
        if (tile.width == 0) return {};
        tiles.push_back({s.epoch, tile});
    }
    return tiles;
}

// Trains cfg's network from xor_seeds seeds, from cfg.seed on. The first seed's run gets a
// log; if it is tanh, also a boundary picture, a curve for the chart and the boundary at
// 30 log-spaced epochs for the animation.
XorRow run_xor_row(Output& out, TrainConfig cfg, XorPictures& pictures) {
    XorRow row;
    std::string arch = architecture(cfg, 1);
    uint64_t first_seed = cfg.seed;
    for (int k = 0; k < xor_seeds && !stop_requested; ++k) {
        cfg.seed = first_seed + uint64_t(k);
        size_t keep = graph.nodes.size();
        MLP model(2, layer_sizes(cfg, 1), cfg.act, cfg.seed);
        std::vector<Value> params = model.parameters();
        bool pictured = k == 0 && cfg.act == Activation::Tanh;
        Snapshots snapshots(cfg.max_epochs, 30);
        EpochHook on_epoch = [&](const std::vector<EpochStats>& history) {
            snapshots.offer(history.back().epoch, data_of(params));
        };
        std::string log = k == 0 ? run_name("xor", cfg, 1) : "";
        Split data = xor_split(cfg.seed);
        RecordedRun r = train_and_record(out, "xor", log, model, cfg, data,
                                         {pictured ? on_epoch : nullptr, nullptr, 0});
        add_xor_run(row, r.train, model, cfg.seed);
        if (pictured) {
            save_boundary(out.dir + "/xor_" + arch + "_boundary.ppm", model, cfg.loss, data);
            Color color = class_colors[pictures.curves.size() % 4];
            std::vector<double> losses = column(r.train.history, &EpochStats::train_loss);
            pictures.curves.push_back({arch, color, losses});
            Snapshot kept{r.train.kept_epoch, data_of(params)};
            pictures.tiles.push_back(xor_tiles(model, cfg.loss, snapshots.with_last_and(kept)));
        }
        graph_truncate(keep);  // this model is done with: drop its weights too
    }
    return row;
}

// The networks' boundaries side by side as they form, above their loss curves, a frame
// for every snapshot epoch of any of them; a network that has stopped shows its last.
void save_xor_animation(const std::string& path, const XorPictures& pictures) {
    std::vector<int> epochs;
    for (const std::vector<Tile>& tiles : pictures.tiles)
        for (const Tile& tile : tiles) epochs.push_back(tile.epoch);
    std::sort(epochs.begin(), epochs.end());
    epochs.erase(std::unique(epochs.begin(), epochs.end()), epochs.end());
    const int size = 150, width = std::max(520, int(pictures.tiles.size()) * (size + 10) + 10);
    GifWriter gif(width, size + 230);
    for (size_t f = 0; f < epochs.size(); ++f) {
        Image frame(width, size + 230, white);
        for (size_t i = 0; i < pictures.tiles.size(); ++i) {
            const Image* tile = &pictures.tiles[i][0].image;
            for (const Tile& t : pictures.tiles[i])
                if (t.epoch <= epochs[f]) tile = &t.image;
            int x = 10 + int(i) * (size + 10);
            draw_text(frame, x, 6, pictures.curves[i].name, pictures.curves[i].color, 2);
            paste(frame, *tile, x, 24);
        }
        std::string title = "TRAINING LOSS (TANH), EPOCH " + std::to_string(epochs[f]);
        draw_chart(frame, 70, size + 60, width - 100, 130, title, pictures.curves, true,
                   epochs[f]);
        gif.add_frame(frame, f + 1 < epochs.size() ? 20 : 300);
    }
    save_file(path, gif.finish());
}

// The XOR study: every architecture with every activation (or the ones the flags name).
void run_xor_study(const Flags& flags, Output& out) {
    TrainConfig base = with_flags(xor_settings(), flags);
    std::vector<std::vector<int>> hiddens = xor_hidden_layers;
    if (flags.hidden) hiddens = {*flags.hidden};
    std::vector<Activation> acts = xor_activations;
    if (flags.act) acts = {*flags.act};
    std::printf("XOR: %d seeds per row; %s, %s, lr %g, momentum %g%s; stop at loss < %g or "
                "%d epochs\n",
                xor_seeds, loss_name(base.loss),
                base.batch_size == 0 ? "full batch" : "mini-batch",
                base.learning_rate, base.momentum, dropout_words(base).c_str(),
                base.target_loss, base.max_epochs);
    std::printf("  %-8s %-8s %8s %15s %18s  %s\n", "network", "act", "solved",
                "median epochs", "median final loss", "failures (cause)");
    std::printf("  (median epochs: of the seeds that solved it; median final loss: of all "
                "%d)\n", xor_seeds);
    XorPictures pictures;
    for (const std::vector<int>& hidden : hiddens) {
        for (Activation act : acts) {
            TrainConfig cfg = base;
            cfg.hidden = hidden;
            cfg.act = act;
            XorRow row = run_xor_row(out, cfg, pictures);
            if (row.final_losses.empty()) break;  // Ctrl-C
            print_xor_row(row, cfg);
        }
    }
    if (pictures.curves.empty()) return;
    save_loss_chart(out.dir + "/xor_loss.ppm", "XOR TRAINING LOSS (TANH, FIRST SEED)",
                    pictures.curves);
    bool drawn = true;
    for (const std::vector<Tile>& tiles : pictures.tiles) drawn = drawn && !tiles.empty();
    if (drawn) save_xor_animation(out.dir + "/xor_training.gif", pictures);
}

// What the spiral and the moons both show at the end: the outcome, a word if the run
// diverged, the boundary of the kept weights and the loss and accuracy curves.
Image finish_run(Output& out, const std::string& experiment, const MLP& model,
                 const TrainConfig& cfg, const Split& data, const RecordedRun& r) {
    std::string name = experiment, title = experiment;
    name[0] = char(std::toupper(name[0]));
    for (char& c : title) c = char(std::toupper(c));
    print_outcome(name.c_str(), r.train, r.test);
    report_divergence("the " + experiment, cfg, r.train);
    save_history_charts(out.dir + "/" + experiment + "_loss.ppm", title, r.train.history);
    return save_boundary(out.dir + "/" + experiment + "_boundary.ppm", model, cfg.loss, data);
}

// The best possible classifier's accuracy on the spiral's test set (section 10), and its
// boundary alone and beside the network's.
void compare_with_the_best_possible(Output& out, const Split& data, const Image& learned,
                                    double test_accuracy) {
    double best_accuracy = spiral_best_accuracy(data.test, 3, spiral_noise);
    std::printf("  the best possible classifier (section 10) gets %.1f%% of this test set\n",
                100 * best_accuracy);
    Image best = save_boundary(out.dir + "/spiral_best_possible.ppm", [](double x, double y) {
        return spiral_arm_probabilities(x, y, 3, spiral_noise);
    }, data);
    if (learned.width == 0) return;
    // The two side by side under their figures, as a one-frame GIF: for the README, which
    // a browser shows and a PPM it would not.
    char left[64], right[64];
    std::snprintf(left, sizeof left, "THE NETWORK: TEST %.1f%%", 100 * test_accuracy);
    std::snprintf(right, sizeof right, "THE BEST POSSIBLE: %.1f%%", 100 * best_accuracy);
    Image both(2 * learned.width + 10, learned.height + 30, white);
    draw_text(both, 4, 6, left, black, 2);
    draw_text(both, learned.width + 14, 6, right, black, 2);
    paste(both, learned, 0, 30);
    paste(both, best, learned.width + 10, 30);
    GifWriter gif(both.width, both.height);
    gif.add_frame(both, 0);
    save_file(out.dir + "/spiral_boundary_and_best.gif", gif.finish());
}

// The spiral: progress every 10 epochs (or the live view), the outcome, a few test points'
// predictions, the boundary in letters, and the pictures.
void run_spiral(const Flags& flags, Output& out) {
    TrainConfig cfg = with_flags(spiral_settings(), flags);
    Split data = spiral_data(cfg.seed);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
    std::string arch = architecture(cfg, 3);
    std::printf("Spiral: %zu training, %zu validation, %zu test points; %s %s, %s%s\n",
                data.train.size(), data.val.size(), data.test.size(), arch.c_str(),
                activation_name(cfg.act), optimizer_name(cfg.optimizer),
                dropout_words(cfg).c_str());
    std::vector<Value> params = model.parameters();
    Snapshots snapshots(cfg.max_epochs, 12);
    bool live = flags.live && live_view_possible(isatty(1) != 0, std::getenv("TERM"),
                                                 std::getenv("NO_COLOR"));
    if (live) std::printf("\x1b[2J");  // clear the screen
    auto on_epoch = [&](const std::vector<EpochStats>& history) {
        snapshots.offer(history.back().epoch, data_of(params));
        if (live && history.back().epoch % 2 == 0)
            draw_live(model, cfg.loss, data.train, history);
        if (!live && history.back().epoch % 10 == 0) print_progress(history.back());
    };
    RecordedRun r = train_and_record(out, "spiral", run_name("spiral", cfg, 3), model, cfg,
                                     data, {on_epoch, nullptr, 0});
    Image learned = finish_run(out, "spiral", model, cfg, data, r);
    compare_with_the_best_possible(out, data, learned, r.test.accuracy);
    print_sample_predictions(model, data.test);
    print_ascii_boundary(model, cfg.loss, data.train);
    save_evolution(out.dir, model, cfg.loss, data.train,
                   snapshots.with_last_and({r.train.kept_epoch, data_of(params)}), r.train);
}

// The comparison stays SGD (Adam has no momentum setting), and both runs get the whole
// budget: early stopping is off, whatever --epochs says.
void run_momentum(const Flags& flags, Output& out) {
    TrainConfig base = with_flags(momentum_comparison_settings(), flags);
    base.patience = base.max_epochs;
    Split data = spiral_data(base.seed);
    std::printf("Momentum against plain SGD on the spiral: lr %g, %d epochs%s, same seed\n",
                base.learning_rate, base.max_epochs, dropout_words(base).c_str());
    std::vector<Series> curves;
    for (bool with_momentum : {true, false}) {
        if (stop_requested) break;
        if (!with_momentum && base.momentum == 0) break;  // --momentum 0: the same run again
        TrainConfig cfg = base;
        if (!with_momentum) cfg.momentum = 0.0;
        size_t keep = graph.nodes.size();
        MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
        bool plain = cfg.momentum == 0;  // --momentum 0 makes the first run plain too
        std::string name = plain ? "spiral_sgd_plain" : "spiral_sgd_momentum";
        RecordedRun r = train_and_record(out, name, name, model, cfg, data, {});
        report_divergence(name, cfg, r.train);
        std::printf("  momentum %-4g train loss %.4f, train %.1f%%, validation %.1f%%\n",
                    cfg.momentum, r.train.kept().train_loss, 100 * r.train.kept().train_acc,
                    100 * r.train.kept().val_acc);
        char label[32];
        std::snprintf(label, sizeof label, "MOMENTUM %g", cfg.momentum);
        curves.push_back({plain ? "PLAIN SGD" : label, class_colors[curves.size()],
                          column(r.train.history, &EpochStats::train_loss)});
        graph_truncate(keep);
    }
    save_loss_chart(out.dir + "/spiral_momentum.ppm", "SPIRAL TRAINING LOSS, SGD", curves);
}

void run_moons(const Flags& flags, Output& out) {
    TrainConfig cfg = with_flags(moons_settings(), flags);
    Split data = moons_data(cfg.seed);
    MLP model(2, layer_sizes(cfg, 1), cfg.act, cfg.seed);
    std::string arch = architecture(cfg, 1);
    std::printf("Moons: %zu points; %s %s, hinge loss + %g L2, lr %g -> %g, %d full-batch "
                "steps%s\n",
                data.train.size(), arch.c_str(), activation_name(cfg.act), cfg.l2,
                cfg.learning_rate, cfg.final_learning_rate, cfg.max_epochs,
                dropout_words(cfg).c_str());
    auto on_epoch = [](const std::vector<EpochStats>& history) {
        if (history.back().epoch % 20 == 0) print_progress(history.back());
    };
    RecordedRun r = train_and_record(out, "moons", run_name("moons", cfg, 1), model, cfg,
                                     data, {on_epoch, nullptr, 0});
    finish_run(out, "moons", model, cfg, data, r);
}

// The folder's four files, split (section 13); a missing or faulty file is exit 2, named,
// and so is a split with no images to train on, to validate or to test on.
Split read_image_split(const std::string& dir, uint64_t seed, int subset) {
    Dataset train_images, test_images;
    std::string error = load_images(dir, "train", train_images);
    if (error.empty()) error = load_images(dir, "t10k", test_images);
    if (!error.empty()) bad_input(error);
    Rng rng{seed + 1};
    if (subset > 0 && size_t(subset) < train_images.size())  // a stratified share: quick
        train_images = split_off(train_images, double(subset) / train_images.size(), rng);
    Split d = image_split(std::move(train_images), std::move(test_images), rng);
    if (d.train.empty() || d.val.empty()) {
        bad_input(quoted_path(idx_path(dir, "train-images-idx3-ubyte")) + ": " +
                  std::to_string(d.train.size() + d.val.size()) + " images, too few to "
                  "train on and hold a tenth out for validation");
    }
    if (d.test.empty())
        bad_input(quoted_path(idx_path(dir, "t10k-images-idx3-ubyte")) + ": no test images");
    return d;
}

// Each example's predicted class.
std::vector<int> predictions(const MLP& model, const Dataset& data) {
    std::vector<int> predicted;
    for (int i = 0; i < int(data.size()); ++i) {
        size_t keep = graph.nodes.size();
        predicted.push_back(argmax(data_of(forward(model, data, i))));
        graph_truncate(keep);
    }
    return predicted;
}

// A picture as PPM, like the others, and as a one-frame GIF, which the README can show.
void save_ppm_and_gif(const std::string& path_without_extension, const Image& image) {
    save_ppm(image, path_without_extension + ".ppm");
    GifWriter gif(image.width, image.height);
    gif.add_frame(image, 0);
    save_file(path_without_extension + ".gif", gif.finish());
}

// Counts of each true class's images by predicted class: counts[true][predicted].
std::vector<std::vector<int>> confusion_counts(const Dataset& data,
                                               const std::vector<int>& predicted) {
    std::vector<std::vector<int>> counts(10, std::vector<int>(10, 0));
    for (size_t i = 0; i < data.size(); ++i)
        ++counts[size_t(data.labels[i])][size_t(predicted[i])];
    return counts;
}

// The test set's pictures: its first 40 images with what the network says each is, and
// the confusion matrix, as a picture and as CSV; and the three mistakes made most often.
void save_test_pictures(const std::string& path, const MLP& model, const Dataset& test_set,
                        const ImageSet& set, const Evaluation& test) {
    std::vector<int> predicted = predictions(model, test_set), shown, shown_predicted;
    for (int i = 0; i < 40 && i < int(test_set.size()); ++i) {
        shown.push_back(i);
        shown_predicted.push_back(predicted[size_t(i)]);
    }
    char title[80];
    std::snprintf(title, sizeof title, "%s TEST IMAGES: %.1f%% RIGHT", set.title,
                  100 * test.accuracy);
    save_ppm_and_gif(path + "_test_images",
                     draw_image_grid(test_set, shown, shown_predicted, set.classes, 10, title));
    std::vector<std::vector<int>> counts = confusion_counts(test_set, predicted);
    std::string matrix_title = std::string(set.title) + " ON ITS TEST SET";
    save_ppm_and_gif(path + "_confusion", draw_confusion_matrix(counts, set.classes,
                                                                matrix_title));
    save_file(path + "_confusion.csv", confusion_csv(counts, set.classes));
    print_top_mistakes(counts, set.classes);
}

// Pushes each image the network gets right, among the test set's first `count`, until its
// class changes; returns those that changed within the largest budget, and in `right` how
// many were tried.
std::vector<Fooled> fool_test_images(const MLP& model, const Dataset& test_set, Loss loss,
                                     int count, int& right) {
    std::vector<Fooled> fooled;
    right = 0;
    for (size_t i = 0; i < test_set.size() && i < size_t(count); ++i) {
        std::vector<double> pixels = test_set.features(i);
        int label = test_set.labels[i];
        if (classify(model, pixels, loss) != label) continue;
        ++right;
        int steps = fool(model, pixels, label, loss, fooling_budgets.back());
        if (steps > 0) fooled.push_back({i, pixels, classify(model, pixels, loss), steps});
    }
    return fooled;
}

// How many of the fooled changed class within `budget` grey levels.
int fooled_within(const std::vector<Fooled>& fooled, int budget) {
    int n = 0;
    for (const Fooled& f : fooled) n += f.levels <= budget;
    return n;
}

std::string fooling_csv(const std::vector<Fooled>& fooled, int right) {
    std::string csv = "budget_grey_levels,changed,of,share\n";
    for (int budget : fooling_budgets) {
        int n = fooled_within(fooled, budget);
        char row[80];
        std::snprintf(row, sizeof row, "%d,%d,%d,%.4f\n", budget, n, right,
                      right > 0 ? double(n) / right : NAN);
        csv += row;
    }
    return csv;
}

void print_fooling(const std::vector<Fooled>& fooled, int right, int tried) {
    std::printf("  fooled within");
    for (int budget : fooling_budgets)
        std::printf(" %d%s", budget, budget == fooling_budgets.back() ? "" : ",");
    std::printf(" grey levels (of 255) a pixel:");
    for (int budget : fooling_budgets) {
        std::printf(" %.1f%%%s", 100.0 * fooled_within(fooled, budget) / std::max(right, 1),
                    budget == fooling_budgets.back() ? "" : ",");
    }
    std::printf(" of the %d right among the first %d test images\n", right, tried);
}

// What the network sees (section 12): the first 40 test images beside their saliency
// maps; and test images pushed until the network calls them something else: a picture of
// the first six, and the share that changed within each budget, printed and as CSV.
void save_what_it_sees(const std::string& path, const MLP& model, const Dataset& test_set,
                       const ImageSet& set, Loss loss) {
    std::vector<int> shown, predicted;
    for (int i = 0; i < 40 && i < int(test_set.size()); ++i) {
        shown.push_back(i);
        predicted.push_back(classify(model, test_set.features(size_t(i)), loss));
    }
    std::string title = std::string(set.title) + ": WHICH PIXELS MOVE THE ANSWER";
    save_ppm_and_gif(path + "_saliency", draw_saliency_grid(model, test_set, shown, predicted,
                                                            set.classes, title));
    int right = 0, tried = std::min(fooling_images, int(test_set.size()));
    std::vector<Fooled> fooled = fool_test_images(model, test_set, loss, tried, right);
    print_fooling(fooled, right, tried);
    save_file(path + "_fooling.csv", fooling_csv(fooled, right));
    std::vector<Fooled> first(fooled.begin(), fooled.begin() + std::min(6, int(fooled.size())));
    title = std::string(set.title) + " FOOLED";
    save_ppm_and_gif(path + "_fooling", draw_fooling(test_set, first, set.classes, title));
}

// The network an image run ends with, trained or loaded: the epoch its weights are from,
// the test set, and how the network does on it (NaN if a stop signal left no time).
struct FinalNetwork {
    MLP model;
    Loss loss;
    int epoch;
    Dataset test_set;
    Evaluation test;
};

// The first layer's weights, the test set's pictures and what the network sees (section
// 12): every picture that depends on the final weights alone. A trained run and a run that
// loads its weights (--load) both write them here, so that the two write the same files,
// byte for byte. A stop signal leaves the test set's pictures out, as it leaves no time to
// measure a large network.
void save_trained_pictures(const std::string& path, const FinalNetwork& net,
                           const ImageSet& set) {
    const MLP& model = net.model;
    std::string title = std::string(set.title) + " FIRST LAYER, EPOCH " +
                        std::to_string(net.epoch);
    int side = square_side(model.layers[0].neurons[0].weights.size());  // 28
    save_ppm(draw_first_layer_weights(model, side, title), path + "_weights.ppm");
    if (!quick_after_stop(model)) return;
    save_test_pictures(path, model, net.test_set, set, net.test);
    save_what_it_sees(path, model, net.test_set, set, net.loss);
}

// Trains on the images, watched: progress after every epoch and, within one, every 3
// seconds; the weights at each snapshot epoch, for the animation.
RecordedRun train_on_images(Output& out, const ImageSet& set, MLP& model,
                            const TrainConfig& cfg, const Split& data, Snapshots& snapshots) {
    std::vector<Value> params = model.parameters();
    StepProgress progress;
    progress.total = data.train.size();
    auto on_epoch = [&](const std::vector<EpochStats>& history) {
        snapshots.offer(history.back().epoch, data_of(params));
        print_progress(history.back());
        progress.start_epoch(history.back().epoch + 1);
    };
    auto on_step = [&](size_t done, double loss) { progress.step(done, loss); };
    std::string log = run_name(set.name, cfg, 10, data.train.dims);
    // An epoch's 54,000 images take seconds: the training set's loss and accuracy are
    // measured on 6,000 of them, as many as validation has.
    Watch watch{on_epoch, on_step, 6000};
    RecordedRun r = train_and_record(out, set.name, log, model, cfg, data, watch);
    if (progress.images_trained > 0) {
        std::printf("  trained on %zu images in %.1f s: %.0f a second\n",
                    progress.images_trained, progress.training_seconds,
                    double(progress.images_trained) / progress.training_seconds);
    }
    return r;
}

// --save: the kept weights as a model file (section 15), written as every file is.
void save_model(const std::string& path, const MLP& model, const ImageSet& set, Loss loss,
                int epoch) {
    save_file(path, model_text(saved_model(model, set, loss, epoch)));
    std::printf("  the weights of epoch %d are saved in %s\n", epoch, path.c_str());
}

// A network trained on the set: its progress, its row in results.csv, its log, its loss
// curves and its first layer's weights over the epochs; --save's file, checked before
// training starts, gets the kept weights.
FinalNetwork trained_network(const Flags& flags, Output& out, const ImageSet& set,
                             const std::string& dir) {
    TrainConfig cfg = with_flags(image_settings(), flags);
    auto start = std::chrono::steady_clock::now();
    Split data = read_image_split(dir, cfg.seed, flags.subset);
    prepare_output(out, flags.save_path);
    int inputs = data.train.dims;  // 784, a feature per pixel
    std::printf("%s: %zu training, %zu validation, %zu test images, read in %.1f s; %s %s, "
                "%s%s\n", set.title, data.train.size(), data.val.size(), data.test.size(),
                milliseconds_since(start) / 1000, architecture(cfg, 10, inputs).c_str(),
                activation_name(cfg.act), optimizer_name(cfg.optimizer),
                dropout_words(cfg).c_str());
    MLP model(inputs, layer_sizes(cfg, 10), cfg.act, cfg.seed);
    Snapshots snapshots(cfg.max_epochs, 12);
    RecordedRun r = train_on_images(out, set, model, cfg, data, snapshots);
    print_outcome(set.title, r.train, r.test);
    report_divergence(std::string("the ") + set.name + " run", cfg, r.train);
    std::string path = out.dir + "/" + set.name;
    save_history_charts(path + "_loss.ppm", set.title, r.train.history);
    Snapshot kept{r.train.kept_epoch, data_of(model.parameters())};
    save_weight_animation(path + "_weights.gif", model, snapshots.with_last_and(kept));
    if (!flags.save_path.empty()) save_model(flags.save_path, model, set, cfg.loss, kept.epoch);
    return {model, cfg.loss, kept.epoch, std::move(data.test), r.test};
}

// A model file (--load, --model), read and checked whole: exit 2, naming the file and the
// fault, if it cannot be read, or if it holds a network of another data set than `set`
// (nullptr: any of the program's).
SavedModel checked_model(const std::string& path, const ImageSet* set) {
    SavedModel saved;
    std::string error = read_model_file(path, saved);
    if (error.empty() && set && saved.set != set) {
        error = quoted_path(path) + ": line 2: a network of " + saved.set->name + ", not of " +
                set->name + " (./nn " + saved.set->name + " --load reads it)";
    }
    if (!error.empty()) bad_input(error);
    return saved;
}

// The test files alone (t10k-*), for a network that is not trained here.
Dataset read_test_images(const std::string& dir) {
    Dataset test_images;
    std::string error = load_images(dir, "t10k", test_images);
    if (!error.empty()) bad_input(error);
    if (test_images.empty())
        bad_input(quoted_path(idx_path(dir, "t10k-images-idx3-ubyte")) + ": no test images");
    return test_images;
}

// --load: the network a model file holds, tested; nothing is trained. The file is checked
// whole, then the test files, then --out, before anything is written. results.csv is left
// as it was: it has a row per training run, and this run trains nothing.
FinalNetwork loaded_network(const Flags& flags, const Output& out, const ImageSet& set,
                            const std::string& dir) {
    auto start = std::chrono::steady_clock::now();
    SavedModel saved = checked_model(flags.load_path, &set);
    Dataset test_set = read_test_images(dir);
    check_output(out);
    std::printf("%s: %zu test images, read in %.1f s; %s %s from %s, the weights of epoch "
                "%d\n", set.title, test_set.size(), milliseconds_since(start) / 1000,
                architecture(saved.inputs, saved.sizes).c_str(), activation_name(saved.act),
                flags.load_path.c_str(), saved.epoch);
    std::printf("  loaded, not trained: no loss chart, weights animation, epoch log or row "
                "in results.csv\n");
    MLP model = network_of(saved);
    Evaluation test{NAN, NAN};
    if (quick_after_stop(model)) test = evaluate(model, test_set, saved.loss);
    if (std::isfinite(test.loss))
        std::printf("  test %.1f%% (loss %.4f)\n", 100 * test.accuracy, test.loss);
    return {model, saved.loss, saved.epoch, std::move(test_set), test};
}

// An image experiment: a network trained on the set, or (--load) read from a model file;
// then the pictures of its final weights, alike for both.
void run_images(const Flags& flags, Output& out, const ImageSet& set) {
    std::string dir = flags.data_dir.empty() ? fashion_mnist_dir : flags.data_dir;
    FinalNetwork net = flags.load_path.empty() ? trained_network(flags, out, set, dir)
                                               : loaded_network(flags, out, set, dir);
    save_trained_pictures(out.dir + "/" + set.name, net, set);
}

void run_fashion(const Flags& flags, Output& out) { run_images(flags, out, fashion_mnist); }

void run_mnist(const Flags& flags, Output& out) {
    if (flags.data_dir.empty())
        bad_input("mnist needs --data DIR, a folder with MNIST's four files, such as "
                  "train-images-idx3-ubyte.gz (Debian has no MNIST package)");
    run_images(flags, out, mnist);
}

// ---- predict: a picture of one's own, made as the data set's own pictures were

// Grey levels, 0 (black) to 1 (white), row by row.
struct GreyImage {
    int width = 0, height = 0;
    std::vector<double> levels;

    double at(int x, int y) const { return levels[size_t(y) * size_t(width) + size_t(x)]; }
};

// A picture in grey: a grey sample over maxval; a colour pixel's luma, 0.299 R + 0.587 G +
// 0.114 B (ITU-R BT.601's weights, what "convert to grey" most often means: green looks
// brightest, blue darkest), taken from the samples as they are, gamma-encoded.
GreyImage grey_of(const Picture& p) {
    GreyImage g{p.width, p.height, {}};
    size_t pixels = size_t(p.width) * size_t(p.height), c = size_t(p.channels);
    g.levels.reserve(pixels);
    for (size_t i = 0; i < pixels; ++i) {
        const uint16_t* s = &p.samples[i * c];
        double level = c == 1 ? s[0] : 0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2];
        g.levels.push_back(level / p.maxval);
    }
    return g;
}

// The background: the mean of the four corners, where a picture of one thing shows what it
// stands on.
double background_of(const GreyImage& g) {
    int right = g.width - 1, bottom = g.height - 1;
    return (g.at(0, 0) + g.at(right, 0) + g.at(0, bottom) + g.at(right, bottom)) / 4;
}

// The pixels x0 <= x < x1, y0 <= y < y1.
struct Box {
    int x0, y0, x1, y1;
};

// The first and one past the last of `counts` above `least`; if none is, of those above 0.
std::pair<int, int> span_above(const std::vector<int>& counts, double least) {
    int first = int(counts.size()), end = 0;
    for (int i = 0; i < int(counts.size()); ++i) {
        if (counts[size_t(i)] <= least) continue;
        first = std::min(first, i);
        end = i + 1;
    }
    return end > 0 || least <= 0 ? std::make_pair(first, end) : span_above(counts, 0);
}

// Fashion-MNIST's trimming of the edges close to the background: the rows and columns that
// hold pixels farther from it than 5% of the range (the paper measures in RGB, here in
// grey). A row or column where fewer than 2% of the pixels are, a speck of dust or a stray
// dot, does not count, so that it cannot stretch the box (unless nothing else does: a
// thin line). Empty (x1 = 0) when no pixel is far.
Box object_box(const GreyImage& g, double background) {
    std::vector<int> in_row(size_t(g.height), 0), in_column(size_t(g.width), 0);
    for (int y = 0; y < g.height; ++y) {
        for (int x = 0; x < g.width; ++x) {
            if (std::fabs(g.at(x, y) - background) <= 0.05) continue;
            ++in_row[size_t(y)];
            ++in_column[size_t(x)];
        }
    }
    auto [y0, y1] = span_above(in_row, 0.02 * g.width);
    auto [x0, x1] = span_above(in_column, 0.02 * g.height);
    return {x0, y0, x1, y1};
}

// The mean of g over the rectangle [x, x + w) x [y, y + h), in pixels: each pixel weighted
// by how much of it the rectangle covers.
double area_mean(const GreyImage& g, double x, double y, double w, double h) {
    int right = std::min(int(std::ceil(x + w)), g.width);
    int bottom = std::min(int(std::ceil(y + h)), g.height);
    double sum = 0, area = 0;
    for (int py = int(y); py < bottom; ++py) {
        double cover_y = std::min(py + 1.0, y + h) - std::max(double(py), y);
        for (int px = int(x); px < right; ++px) {
            double cover = cover_y * (std::min(px + 1.0, x + w) - std::max(double(px), x));
            sum += cover * g.at(px, py);
            area += cover;
        }
    }
    return sum / area;
}

// The box, scaled so that its longest edge is `longest` pixels, by area: each new pixel is
// the mean of the part of the box it covers. (Fashion-MNIST subsampled, keeping every k-th
// row and column; a mean keeps a thin line of a large photo that skipping rows can miss,
// and evens out a photo's noise instead of picking it up.)
GreyImage scale_by_area(const GreyImage& g, Box box, int longest) {
    int box_width = box.x1 - box.x0, box_height = box.y1 - box.y0;
    double scale = double(longest) / std::max(box_width, box_height);
    GreyImage out;
    out.width = std::max(1, int(std::lround(box_width * scale)));
    out.height = std::max(1, int(std::lround(box_height * scale)));
    double w = double(box_width) / out.width, h = double(box_height) / out.height;
    for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x)
            out.levels.push_back(area_mean(g, box.x0 + x * w, box.y0 + y * h, w, h));
    }
    return out;
}

// The object bright on a dark background, in bytes, as the data sets hold their images: a
// light background (above half the range) is negated, as both sets' authors negated their
// pictures of things on white and of ink on paper. Then the background maps to 0 and the
// brightest pixel to 255 in a straight line, b = 255 (v - background) / (brightest -
// background), rounded, so that the full range is used whatever the lighting; what is
// darker than the background is 0. Returns the fault if nothing is brighter.
std::string bright_on_dark(const GreyImage& g, double background, std::vector<uint8_t>& bytes) {
    bool negate = background > 0.5;
    double base = negate ? 1 - background : background, brightest = base;
    for (double v : g.levels) brightest = std::max(brightest, negate ? 1 - v : v);
    if (brightest - base < 0.5 / 255) {
        return std::string("nothing in it is ") + (negate ? "darker" : "brighter") +
               " than its " + (negate ? "light" : "dark") + " background (the mean of its "
               "corners): give it dark on light, or light on dark";
    }
    for (double v : g.levels) {
        double level = ((negate ? 1 - v : v) - base) / (brightest - base);
        bytes.push_back(uint8_t(std::lround(255 * std::max(0.0, level))));
    }
    return "";
}

// A picture's centre of mass, the mean position of its pixels weighted by their brightness,
// in pixels from its top-left corner (a pixel's centre is at x + 0.5, y + 0.5).
void centre_of_mass(const std::vector<uint8_t>& bytes, int width, double& x, double& y) {
    double mass = 0;
    x = y = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
        mass += bytes[i];
        x += bytes[i] * (double(i % size_t(width)) + 0.5);
        y += bytes[i] * (double(i / size_t(width)) + 0.5);
    }
    x /= mass;
    y /= mass;
}

// The longest edge of a data set's pictures within their 28 x 28 field.
int longest_edge(Framing framing) {
    switch (framing) {
    case Framing::LongestEdge28: return 28;
    case Framing::MassCentred20: return 20;
    }
    return 28;
}

// The scaled picture put in the 28 x 28 field: Fashion-MNIST's centred (to within half a
// pixel); MNIST's with its centre of mass on the field's centre (14, 14), rounded to a
// whole pixel, and moved no further than keeps the whole picture in the field.
std::vector<uint8_t> framed(const std::vector<uint8_t>& bytes, int width, int height,
                            Framing framing) {
    int left = (28 - width) / 2, top = (28 - height) / 2;
    double x = 0, y = 0;
    switch (framing) {
    case Framing::LongestEdge28: break;
    case Framing::MassCentred20:
        centre_of_mass(bytes, width, x, y);
        left = std::clamp(int(std::lround(14 - x)), 0, 28 - width);
        top = std::clamp(int(std::lround(14 - y)), 0, 28 - height);
        break;
    }
    std::vector<uint8_t> field(28 * 28, 0);
    for (int row = 0; row < height; ++row) {
        std::copy_n(bytes.begin() + long(row) * width, width,
                    field.begin() + long(top + row) * 28 + left);
    }
    return field;
}

// What the network sees of a picture: 28 x 28 bytes, made as the set's own images were.
// Fashion-MNIST's (Xiao, Rasul and Vollgraf 2017, arXiv 1708.07747, section 2) are product
// photos on light backgrounds: trimmed of the edges close to the corners' colour, resized
// so that the longest edge is 28, centred in 28 x 28, negated, made 8-bit grey (and
// sharpened, which is left out here). MNIST's digits (yann.lecun.com/exdb/mnist) were
// scaled to fit a 20 x 20 box keeping their aspect ratio, then centred in 28 x 28 by their
// centre of mass. Returns "" or the fault.
std::string seen_by_network(const Picture& p, const ImageSet& set, std::vector<uint8_t>& seen) {
    GreyImage grey = grey_of(p);
    double background = background_of(grey);
    Box box = object_box(grey, background);
    if (box.x1 == 0)
        return "all of it is within 5% of its corners' grey: there is no object to see";
    GreyImage scaled = scale_by_area(grey, box, longest_edge(set.framing));
    std::vector<uint8_t> bytes;
    std::string fault = bright_on_dark(scaled, background, bytes);
    if (fault.empty()) seen = framed(bytes, scaled.width, scaled.height, set.framing);
    return fault;
}

// A picture read, checked and made what the network sees; a fault is exit 2, named.
std::vector<uint8_t> picture_seen(const std::string& path, const ImageSet& set) {
    Picture picture;
    std::vector<uint8_t> seen;
    std::string error = read_picture(path, picture);
    if (error.empty()) {
        std::string fault = seen_by_network(picture, set, seen);
        if (!fault.empty()) error = quoted_path(path) + ": " + fault;
    }
    if (!error.empty()) bad_input(error);
    return seen;
}

// Where the picture the network saw of `path` goes: beside it, under its name without its
// extension, and _seen.pgm (shoe.ppm: shoe_seen.pgm). Never the picture itself: that of
// shoe_seen.pgm is shoe_seen_seen.pgm. Made again from a _seen picture, the picture seen
// is the same, byte for byte, when its corners are 0 and every edge row and column of its
// object holds a pixel above 12 (5% of 255); fainter edges are trimmed as background and
// the rest scaled up a little, so the probabilities can move.
std::string seen_path(const std::string& path) {
    std::filesystem::path p(path);
    return (p.parent_path() / (p.stem().string() + "_seen.pgm")).string();
}

// A path as the one file it names, however it is written (a.pgm, ./a.pgm, b/../a.pgm).
// Made absolute first: weakly_canonical leaves a relative path whose first part does not
// exist as it is, so that x_seen.pgm and ./x_seen.pgm would not compare equal.
std::filesystem::path one_name(const std::string& path) {
    std::error_code error;
    std::filesystem::path whole = std::filesystem::absolute(path, error).lexically_normal();
    std::filesystem::path name = std::filesystem::weakly_canonical(whole, error);
    return error ? whole : name;
}

// Before anything is written, each _seen picture's place: not a picture given, nor the
// _seen picture of another (shoe.pgm and shoe.ppm would share one), and writable.
void check_seen_paths(const std::vector<std::string>& pictures) {
    std::vector<std::filesystem::path> taken;
    for (const std::string& picture : pictures) taken.push_back(one_name(picture));
    for (const std::string& picture : pictures) {
        std::string seen = seen_path(picture);
        std::filesystem::path where = one_name(seen);
        if (std::find(taken.begin(), taken.end(), where) != taken.end()) {
            bad_input(quoted_path(picture) + ": what the network saw would go to " +
                      quoted_path(seen) + ", a picture given or the _seen picture of another");
        }
        taken.push_back(where);
        std::string fault = write_fault(seen);
        if (!fault.empty()) bad_input("cannot write " + quoted_path(seen) + ": " + fault);
    }
}

// The network's three likeliest classes for a picture it sees, with their probabilities
// (softmax, section 7).
void print_prediction(const std::string& path, const MLP& model, const ImageSet& set,
                      const std::vector<uint8_t>& seen) {
    Dataset picture;
    picture.kind = DataKind::Images;
    picture.dims = 28 * 28;
    picture.bytes = seen;
    picture.labels = {0};
    size_t keep = graph.nodes.size();
    std::vector<double> p = softmax(data_of(forward(model, picture, 0)));
    graph_truncate(keep);
    std::vector<int> order;
    for (int c = 0; c < int(p.size()); ++c) order.push_back(c);
    std::stable_sort(order.begin(), order.end(), [&p](int a, int b) { return p[a] > p[b]; });
    std::printf("%s:", path.c_str());
    for (size_t k = 0; k < 3; ++k)
        std::printf("%s %s %.1f%%", k ? "," : "", set.classes[order[k]], 100 * p[order[k]]);
    std::printf("  (seen: %s)\n", seen_path(path).c_str());
}

// `./nn predict --model FILE PICTURE...`: each picture made what the network sees, as the
// model's data set's own pictures were made (above), then the network's three likeliest
// classes for it, and the 28 x 28 picture it saw written beside it, so that a surprising
// answer can be looked into. The model, every picture and every _seen picture's place are
// checked before anything is written.
void run_predict(const Flags& flags, Output&) {
    if (flags.model_path.empty()) {
        bad_input("predict needs --model FILE, a model file that ./nn fashion --save FILE "
                  "wrote");
    }
    if (flags.pictures.empty()) {
        bad_input("predict needs pictures: ./nn predict --model FILE PICTURE..., each a PGM or "
                  "PPM (P2, P3, P5 or P6)");
    }
    SavedModel saved = checked_model(flags.model_path, nullptr);
    std::vector<std::vector<uint8_t>> seen;
    for (const std::string& path : flags.pictures)
        seen.push_back(picture_seen(path, *saved.set));
    check_seen_paths(flags.pictures);
    MLP model = network_of(saved);
    std::printf("%s: %s %s, trained on %s, the weights of epoch %d\n", flags.model_path.c_str(),
                architecture(saved.inputs, saved.sizes).c_str(), activation_name(saved.act),
                saved.set->name, saved.epoch);
    for (size_t k = 0; k < seen.size(); ++k) {
        print_prediction(flags.pictures[k], model, *saved.set, seen[k]);
        save_file(seen_path(flags.pictures[k]), pgm_bytes(28, 28, seen[k]));
    }
}

// ---------------------------------------------------------------------------------------
// 20. Command line: the experiments and the flags as tables, errors, signals, main
// ---------------------------------------------------------------------------------------
// Every flag is checked before anything is written: a bad one gets one line naming the
// flag and what it accepts, and exit status 2.

// `./nn graph`: one neuron, out = tanh(x1*w1 + x2*w2 + b), and its squared error against
// a target, written as err * err so that the node err is used twice. To show every edge,
// the sum is built from * and +, as micrograd builds it (a network's neuron makes it one
// node, section 5), and x1 and x2 are leaves, so that their gradients can be seen too (in
// a network, the data is not a node at all). Every node is printed from the last made to
// the first, each with its edges: the input, the local derivative, and what backward added
// to that input's grad (local * this node's grad). err receives two shares; its grad is
// their sum.
const char* const graph_demo_names[] = {"x1",    "w1",  "x2", "w2",  "b",   "target", "x1*w1",
                                        "x2*w2", "sum", "z",  "out", "err", "loss"};

// Builds the demo's graph and runs backward on it; returns the index of its first node.
size_t build_graph_demo() {
    size_t first = graph.nodes.size();
    Value x1 = 1.5, w1 = 0.8, x2 = -0.5, w2 = -1.2, b = 0.1, target = 1.0;
    Value x1w1 = x1 * w1;
    Value x2w2 = x2 * w2;
    Value sum = x1w1 + x2w2;
    Value z = sum + b;
    Value out = tanh(z);
    Value err = out - target;
    Value loss = err * err;
    loss.backward();
    return first;
}

// Prints the demo's graph, built from node `first` on.
void print_graph(size_t first) {
    const char* const* names = graph_demo_names;  // in creation order, from node `first`
    std::printf("loss = err * err, err = out - target, out = tanh(x1*w1 + x2*w2 + b)\n");
    std::printf("Nodes from the last made to the first, each with its edges.\n\n");
    for (int i = int(graph.nodes.size()) - 1; i >= int(first); --i) {
        const Node& n = graph.nodes[i];
        std::printf("%-6s %-4s data=%9.6f  grad=%9.6f\n", names[i - first], n.op, n.data,
                    n.grad);
        for (int e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
            const Edge& edge = graph.edges[e];
            std::printf("    input %-6s local=%9.6f  local*grad=%9.6f\n",
                        names[edge.input - int(first)], edge.local, edge.local * n.grad);
        }
    }
}

// The demo's graph in Graphviz's DOT language: a box per node (its name, operation, data
// and grad), an arrow from each input to the node made from it, labelled with the local
// derivative. `dot -Tsvg plots/graph.dot > graph.svg` draws it.
std::string graph_dot(size_t first) {
    std::string dot = "digraph backward {\n  rankdir=LR;\n  node [shape=record];\n";
    for (size_t i = first; i < graph.nodes.size(); ++i) {
        const Node& n = graph.nodes[i];
        char line[200];
        std::snprintf(line, sizeof line,
                      "  n%zu [label=\"{%s | %s | data %.6f | grad %.6f}\"];\n", i - first,
                      graph_demo_names[i - first], n.op, n.data, n.grad);
        dot += line;
        for (int e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
            const Edge& edge = graph.edges[e];
            std::snprintf(line, sizeof line, "  n%zu -> n%zu [label=\"%.6f\"];\n",
                          size_t(edge.input) - first, i - first, edge.local);
            dot += line;
        }
    }
    return dot + "}\n";
}

void graph_command(const Flags&, Output& out) {
    check_output_folder(out.dir);
    size_t first = build_graph_demo();
    print_graph(first);
    save_file(out.dir + "/graph.dot", graph_dot(first));
    std::printf("\nThe same graph for Graphviz: %s/graph.dot (dot -Tsvg %s/graph.dot > "
                "graph.svg)\n", out.dir.c_str(), out.dir.c_str());
    graph_truncate(first);
}
void bench_command(const Flags&, Output&) { run_bench(); }
void first_command(const Flags&, Output&) { first_training_run(); }

struct Experiment {
    const char* name;
    void (*run)(const Flags&, Output&);
    const char* flags;  // the flags it takes
    const char* help;
    // An experiment that trains has settings; graph and bench have none.
    TrainConfig (*settings)();
    bool in_all;  // run by `./nn` with no command (or `all`)
};

const Experiment experiments[] = {
    {"xor", run_xor_study,
     "--seed --epochs --lr --momentum --batch --hidden --act --optimizer --dropout --out",
     "XOR: 2-2-1, 2-3-1, 2-2-2-1 x tanh, sigmoid, relu, 50 seeds each", xor_settings,
     true},
    {"spiral", run_spiral,
     "--seed --epochs --lr --momentum --batch --patience --hidden --act --optimizer "
     "--dropout --out --live",
     "the three-armed spiral, with early stopping on a validation set", spiral_settings,
     true},
    {"momentum", run_momentum,
     "--seed --epochs --lr --momentum --batch --hidden --act --dropout --out",
     "momentum against plain SGD on the spiral", momentum_comparison_settings, true},
    {"moons", run_moons,
     "--seed --epochs --lr --momentum --batch --hidden --act --optimizer --dropout --out",
     "micrograd's two moons demo", moons_settings, true},
    {"fashion", run_fashion,
     "--seed --epochs --lr --momentum --batch --patience --hidden --act --optimizer "
     "--dropout --data --subset --out --save --load",
     "Fashion-MNIST's 28 x 28 images of clothes, 10 classes (not part of all)",
     image_settings, false},
    {"mnist", run_mnist,
     "--seed --epochs --lr --momentum --batch --patience --hidden --act --optimizer "
     "--dropout --data --subset --out --save --load",
     "MNIST's handwritten digits, from --data DIR (not part of all)", image_settings, false},
    {"predict", run_predict, "--model",
     "--model FILE PICTURE...: each PGM or PPM picture's three likeliest classes", nullptr,
     false},
    {"first", first_command, "", "Part I's training run: a 2-4-1 network learns XOR",
     nullptr, false},
    {"graph", graph_command, "--out",
     "one neuron's graph, every node and edge of backward printed, and written as DOT",
     nullptr, false},
    {"bench", bench_command, "", "time an epoch on the graph and by hand (prints a table)",
     nullptr, false},
};

std::vector<std::string> activation_names() {
    std::vector<std::string> names;
    for (Activation act : flag_activations) names.push_back(activation_name(act));
    return names;
}

std::vector<std::string> optimizer_names() {
    std::vector<std::string> names;
    for (OptimizerKind kind : flag_optimizers)
        names.push_back(lower_case(optimizer_name(kind)));
    return names;
}

// "tanh, sigmoid or relu"
std::string names_of(const std::vector<std::string>& names) {
    std::string listed = names[0];
    for (size_t k = 1; k < names.size(); ++k)
        listed += (k + 1 < names.size() ? ", " : " or ") + names[k];
    return listed;
}

struct FlagInfo {
    const char* name;
    const char* value;  // what the help shows after the name: N an integer, X a number
    std::string takes;  // what the help and the error messages say it accepts
    double lo = 0, hi = 0;    // the range of N and X, and of each of --hidden's sizes
    bool lo_refused = false;  // (lo, hi] rather than [lo, hi]
    bool hi_refused = false;  // [lo, hi) rather than [lo, hi]
};

const FlagInfo flag_infos[] = {
    {"--seed", "N", "an integer 0 to 1000000000", 0, 1e9},
    {"--epochs", "N", "an integer 1 to 100000", 1, 1e5},
    {"--lr", "X", "a number in (0, 10]", 0, 10, true},
    {"--momentum", "X", "a number in [0, 0.999]", 0, 0.999},
    {"--batch", "N", "an integer 0 to 100000 (0: the whole training set)", 0, 1e5},
    {"--patience", "N", "an integer 1 to 100000", 1, 1e5},
    {"--hidden", "A,B,...", "sizes like 16,16 (1 to 6 layers of 1 to 256)", 1, 256},
    {"--act", "NAME", names_of(activation_names())},
    {"--optimizer", "NAME", names_of(optimizer_names())},
    {"--dropout", "X", "a number in [0, 1), the share of hidden units dropped in training",
     0, 1, false, true},
    {"--out", "DIR", "a directory name (default plots)"},
    {"--data", "DIR", "a folder with the four IDX files, gzip-compressed or not"},
    {"--subset", "N", "an integer 100 to 60000: train on that many images", 100, 60000},
    {"--save", "FILE", "a file name: the kept weights are written there, as text"},
    {"--load", "FILE", "a file --save wrote: its network is tested, and nothing trained"},
    {"--model", "FILE", "a file --save wrote: the network that predict asks"},
    {"--live", "", "(no value) redraw the spiral's boundary in the terminal as it trains"},
};

const Experiment* find_experiment(const std::string& name) {
    for (const Experiment& e : experiments) {
        if (name == e.name) return &e;
    }
    return nullptr;
}

// The experiments that train are the ones `./nn` runs with no command, and the ones that
// write results.csv.
bool trains(const Experiment& e) { return e.settings != nullptr; }

bool chosen(const Experiment& e, const std::string& command) {
    return command == e.name || (command == "all" && e.in_all);
}

// Whether `command` takes `flag`; `all` takes what any of its experiments takes.
bool takes_flag(const std::string& command, const std::string& flag) {
    for (const Experiment& e : experiments) {
        std::string list = std::string(" ") + e.flags + " ";
        if (chosen(e, command) && list.find(" " + flag + " ") != std::string::npos) return true;
    }
    return false;
}

void print_usage() {
    std::printf("usage: ./nn [all");
    for (const Experiment& e : experiments) std::printf("|%s", e.name);
    std::printf("] [flags]\n\n  %-9s (default) the experiments below that train\n", "all");
    for (const Experiment& e : experiments) std::printf("  %-9s %s\n", e.name, e.help);
    std::printf("\nflags (each replaces the experiment's own setting; an experiment refuses a "
                "flag\nthat does not apply to it: graph takes only --out, bench none):\n");
    for (const FlagInfo& f : flag_infos) {
        std::string name = std::string(f.name) + " " + f.value;
        std::printf("  %-17s %s\n", name.c_str(), f.takes.c_str());
    }
    std::printf("  %-17s %s\n", "--help", "this text");
    std::string falling;  // the experiments whose learning rate falls over the epochs
    for (const Experiment& e : experiments) {
        if (trains(e) && e.settings().schedule != Schedule::Constant)
            falling += std::string(falling.empty() ? "" : ", ") + e.name;
    }
    std::printf("\nWhere the learning rate falls over the epochs (%s), --lr scales the whole\n"
                "schedule so that it starts at X.\n", falling.c_str());
}

const FlagInfo* find_flag(const std::string& name) {
    for (const FlagInfo& f : flag_infos) {
        if (name == f.name) return &f;
    }
    return nullptr;
}

[[noreturn]] void bad_value(const std::string& flag, const std::string& text) {
    bad_input(flag + " takes " + find_flag(flag)->takes + ", got " + in_quotes(text));
}

// An integer (N) or a number (X) as plain_number (section 15) reads them: 0.01, .5, 1e-3;
// no hex, inf or nan. Leading zeros are one rule for every flag, --hidden's sizes too:
// allowed, and decimal (0016 is 16), so that the range a message gives is exactly what is
// accepted. NaN: not a number in the range.
double number_in_range(const FlagInfo& f, const std::string& text, bool integer) {
    double v = plain_number(text, integer);
    bool above_lo = f.lo_refused ? v > f.lo : v >= f.lo;
    bool below_hi = f.hi_refused ? v < f.hi : v <= f.hi;
    return std::isfinite(v) && above_lo && below_hi ? v : NAN;
}

// An integer (N) or a number (X), as the flag takes.
double parse_number(const FlagInfo& f, const std::string& text) {
    double v = number_in_range(f, text, f.value[0] == 'N');
    if (std::isnan(v)) bad_value(f.name, text);
    return v;
}

// Hidden layer sizes: 1 to 6 integers, each in the flag's range, separated by commas.
std::vector<int> parse_hidden(const FlagInfo& f, const std::string& text) {
    std::vector<int> sizes;
    for (size_t start = 0; start <= text.size();) {
        size_t comma = std::min(text.find(',', start), text.size());
        double n = number_in_range(f, text.substr(start, comma - start), true);
        if (std::isnan(n) || sizes.size() == 6) bad_value(f.name, text);
        sizes.push_back(int(n));
        start = comma + 1;
    }
    return sizes;
}

// Where `text` is among `names`; any other text is refused.
size_t kind_named(const FlagInfo& f, const std::string& text,
                  const std::vector<std::string>& names) {
    for (size_t k = 0; k < names.size(); ++k) {
        if (text == names[k]) return k;
    }
    bad_value(f.name, text);
}

void read_flag(Flags& f, const FlagInfo& info, const std::string& text) {
    std::string flag = info.name;
    if (flag == "--seed") f.seed = uint64_t(parse_number(info, text));
    if (flag == "--epochs") f.epochs = int(parse_number(info, text));
    if (flag == "--lr") f.learning_rate = parse_number(info, text);
    if (flag == "--momentum") f.momentum = parse_number(info, text);
    if (flag == "--batch") f.batch = int(parse_number(info, text));
    if (flag == "--patience") f.patience = int(parse_number(info, text));
    if (flag == "--hidden") f.hidden = parse_hidden(info, text);
    if (flag == "--out" && text.empty()) bad_value(flag, text);
    if (flag == "--out") f.out_dir = text;
    if (flag == "--data" && text.empty()) bad_value(flag, text);
    if (flag == "--data") f.data_dir = text;
    if (flag == "--subset") f.subset = int(parse_number(info, text));
    if ((flag == "--save" || flag == "--load" || flag == "--model") && text.empty())
        bad_value(flag, text);
    if (flag == "--save") f.save_path = text;
    if (flag == "--load") f.load_path = text;
    if (flag == "--model") f.model_path = text;
    if (flag == "--dropout") f.dropout = parse_number(info, text);
    if (flag == "--act") f.act = flag_activations[kind_named(info, text, activation_names())];
    if (flag == "--optimizer")
        f.optimizer = flag_optimizers[kind_named(info, text, optimizer_names())];
}

// The command, if the first word is not a flag: all, or one of the experiments. Returns
// where the flags begin.
int read_command(Flags& flags, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return 1;
    flags.command = argv[1];
    if (flags.command != "all" && !find_experiment(flags.command)) {
        std::string names = "all";
        for (const Experiment& e : experiments) names += std::string(", ") + e.name;
        bad_input("unknown experiment " + in_quotes(flags.command) + "; choose " + names);
    }
    return 2;
}

// A word among the flags: a flag that the command takes, or it is refused.
void check_flag(const std::string& command, const std::string& flag) {
    if (flag == "all" || find_experiment(flag)) {
        bad_input("usage: nn COMMAND [FLAGS], one command and before the flags; got " +
                  in_quotes(flag) + " among the flags");
    }
    if (!find_flag(flag)) bad_input("unknown flag " + in_quotes(flag));
    if (!takes_flag(command, flag)) {
        const Experiment* e = find_experiment(command);
        std::string taken = e && e->flags[0] ? std::string("; it takes ") + e->flags : "";
        bad_input(command + " does not take " + flag + taken);
    }
}

// With --load, the network comes from the file: a flag that would shape or train one is
// refused, rather than quietly left unused.
void refuse_training_flags(const std::vector<std::string>& given) {
    for (const std::string& flag : given) {
        if (flag == "--load" || flag == "--data" || flag == "--out") continue;
        bad_input(flag + " does not go with --load: --load takes the network from the file, "
                  "and trains nothing (with it, only --data and --out apply)");
    }
}

// The flags, and predict's pictures: for predict, every word that is not a flag or its
// value is a picture; for the others, a stray word is refused.
Flags parse_command_line(int argc, char** argv) {
    Flags flags;
    std::vector<std::string> given;
    for (int i = read_command(flags, argc, argv); i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            print_usage();
            std::exit(0);
        }
        if (flags.command == "predict" && !flag.empty() && flag[0] != '-') {
            flags.pictures.push_back(flag);
            continue;
        }
        check_flag(flags.command, flag);
        given.push_back(flag);
        if (flag == "--live") {
            flags.live = true;
        } else if (i + 1 < argc) {
            read_flag(flags, *find_flag(flag), argv[++i]);
        } else {
            bad_input(flag + " needs a value: " + find_flag(flag)->takes);
        }
    }
    if (!flags.load_path.empty()) refuse_training_flags(given);
    return flags;
}

extern "C" int unlink(const char* path);  // POSIX, declared here as isatty is

// Ends the program at once with 128 + the signal's number, the shell's convention, and
// removes the file it was writing, if any (section 15; unlink, because std::remove is not
// one of the calls a signal handler may make).
extern "C" void on_end_signal(int signal) {
    if (writing) unlink(writing_tmp);
    std::_Exit(128 + signal);
}

// Ctrl-C (SIGINT), SIGTERM and SIGHUP all ask training to stop after its current step
// (section 19); the program then writes what it has and exits with 128 + the signal's
// number. A second one ends the program at once. The handler stores the signal's number
// in stop_requested (at the start of Part IV): a global, as a signal handler can reach
// nothing else, and a volatile sig_atomic_t, the one kind of variable a handler may set.
extern "C" void on_stop_signal(int signal) {
    if (stop_requested) on_end_signal(signal);
    stop_requested = signal;
}

// graph and bench have no step to finish and nothing to save, so a stop signal ends them
// at once. SIGQUIT (Ctrl-\) and SIGPIPE (stdout's reader gone, as in ./nn | head -1) end
// every command at once: by default they would leave the file being written behind.
// SIGXFSZ (a file size limit, ulimit -f) would end it with no message; ignored, the write
// fails with EFBIG instead, and save_file reports it as it does a full disk.
void handle_signals(bool trains) {
    for (int signal : {SIGINT, SIGTERM, SIGHUP})
        std::signal(signal, trains ? on_stop_signal : on_end_signal);
    for (int signal : {SIGQUIT, SIGPIPE}) std::signal(signal, on_end_signal);
    std::signal(SIGXFSZ, SIG_IGN);
}

const char* stop_signal_name() {
    switch (stop_requested) {
    case SIGINT: return "Ctrl-C (SIGINT)";
    case SIGTERM: return "SIGTERM";
    default: return "SIGHUP";
    }
}

// The last words of a run, and its exit status.
int finish(const Output& out, double seconds) {
    if (stop_requested) {
        std::printf("Stopped by %s. Results, logs and pictures so far are in %s/.\n",
                    stop_signal_name(), out.dir.c_str());
        return 128 + stop_requested;
    }
    std::printf("Done in %.1f s. Results, logs and pictures are in %s/.\n", seconds,
                out.dir.c_str());
    if (out.diverged_runs > 0) {
        std::fflush(stdout);
        std::fprintf(stderr, "nn: %d training run(s) diverged; see the messages above.\n",
                     out.diverged_runs);
        return 1;
    }
    return 0;
}

// Memory that runs out (std::bad_alloc from any allocation, as under ulimit -v) ends the
// program with one line that says what was running and what would need less, and exit
// status 1, as a write that fails does. It is printed from fixed strings, as there may be
// no memory for a new one. The file being written, if any, is removed; every file saved
// before is whole, as save_file renames only whole files into place.
[[noreturn]] void out_of_memory(const Experiment* running) {
    if (writing) remove_temporary();
    std::fflush(stdout);
    const char* hint = running && trains(*running)
                           ? "a smaller --hidden (or --subset) needs less, or allow more memory"
                           : "allow more memory";
    std::fprintf(stderr, "nn: out of memory while %s%s; %s (ulimit -v)\n",
                 running ? "running " : "starting", running ? running->name : "", hint);
    std::exit(1);
}

// The command line, run: `running` is the experiment under way, for out_of_memory.
int run_command(int argc, char** argv, const Experiment*& running) {
    Flags flags = parse_command_line(argc, argv);
    Output out{flags.out_dir};
    const Experiment* one = find_experiment(flags.command);  // none for all
    bool writes_files = !one || trains(*one);  // results.csv, logs, pictures
    handle_signals(writes_files);
    // fashion and mnist prepare --out once their data files have passed every check
    // (run_images), so that a refused run leaves --out as it was.
    if (writes_files && !takes_flag(flags.command, "--data")) prepare_output(out);
    auto start = std::chrono::steady_clock::now();
    for (const Experiment& e : experiments) {
        if (!chosen(e, flags.command) || stop_requested) continue;
        running = &e;
        e.run(flags, out);
    }
    int status = writes_files ? finish(out, milliseconds_since(start) / 1000) : 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "nn: cannot write to standard output: %s\n", std::strerror(errno));
        return 1;
    }
    return status;
}

// main's body, under a name that tests.cpp, which includes this file without main, can
// call too: it runs the command line as ./nn would. A program that includes nn.cpp for
// the lesson alone never calls it, hence [[maybe_unused]].
[[maybe_unused]] int nn_main(int argc, char** argv) {
    const Experiment* running = nullptr;
    try {
        return run_command(argc, argv, running);
    } catch (const std::bad_alloc&) {
        out_of_memory(running);
    }
}

}  // namespace

#ifndef NN_NO_MAIN
int main(int argc, char** argv) { return nn_main(argc, argv); }
#endif

