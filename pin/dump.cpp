// dump.cpp: print the inputs of the regression pin, and nothing else: the XOR and spiral
// data, the initial weights nn.cpp draws for the two pinned runs, and the order in which
// `train` visits the spiral's training points in epochs 1..3. pin.py reads this and does
// all the arithmetic (forward, gradients, optimiser steps, losses) in PyTorch.
//
// Build and run, from pin/:
//     g++ -std=c++17 -O2 -o dump dump.cpp && ./dump > dump.txt
//
// Output: lines of whitespace-separated fields, every double as %.17g.
//     xor_points 4                 then 4 lines "x y label"
//     xor_params N                 then N lines, one weight each, in MLP::parameters() order
//     spiral_train 720             then 720 lines "x y label" (after the validation split)
//     spiral_val 180               then 180 lines "x y label"
//     spiral_params N              then N lines, as for XOR
//     spiral_order E n             then one line of n indices into spiral_train: the shuffled
//                                  order of epoch E (E = 1, 2, 3)
#define NN_NO_MAIN
#include "../nn.cpp"

void print_points(const char* name, const Dataset& data) {
    std::printf("%s %zu\n", name, data.size());
    for (const Point& p : data.points()) std::printf("%.17g %.17g %d\n", p.x, p.y, p.label);
}

void print_params(const char* name, const MLP& model) {
    std::vector<Value> params = model.parameters();
    std::printf("%s %zu\n", name, params.size());
    for (Value p : params) std::printf("%.17g\n", p.data());
}

int main() {
    // XOR: 2-2-1 tanh, seed 1, as the first run of run_xor_study.
    TrainConfig xor_cfg = xor_settings();
    print_points("xor_points", xor_data());
    MLP xor_model(2, layer_sizes(xor_cfg, 1), xor_cfg.act, xor_cfg.seed);
    print_params("xor_params", xor_model);

    // Spiral: 2-32-32-3 relu, seed 1, as run_spiral.
    TrainConfig cfg = spiral_settings();
    Split d = spiral_data(cfg.seed);
    print_points("spiral_train", d.train);
    print_points("spiral_val", d.val);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
    print_params("spiral_params", model);

    // The batch order, as `train` makes it: one generator, one vector, reshuffled (not
    // reset) at the start of every epoch.
    Rng rng{cfg.seed ^ 0x5EED};
    std::vector<int> order(d.train.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    for (int epoch = 1; epoch <= 3; ++epoch) {
        shuffle(order, rng);
        std::printf("spiral_order %d %zu\n", epoch, order.size());
        for (size_t i = 0; i < order.size(); ++i)
            std::printf(i + 1 < order.size() ? "%d " : "%d\n", order[i]);
    }
    return 0;
}
