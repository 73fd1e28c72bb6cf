// nn_history.cpp: what nn.cpp itself reports for the two pinned runs, at full precision.
// Runs `train` with xor_settings() and spiral_settings() exactly as `./nn xor` and
// `./nn spiral` do (same data, weights, settings; the settings are not changed, since
// max_epochs enters the learning-rate schedule) and prints the loss history with %.17g:
//     xor E train_loss                 E = 0..10
//     spiral E train_loss val_loss     E = 0..3
// `pin.py dump.txt nn_history.txt` compares these with its PyTorch figures.
//
// Build and run, from pin/:
//     g++ -std=c++17 -O2 -o nn_history nn_history.cpp && ./nn_history > nn_history.txt
#define NN_NO_MAIN
#include "../nn.cpp"

int main() {
    TrainConfig xor_cfg = xor_settings();
    MLP xor_model(2, layer_sizes(xor_cfg, 1), xor_cfg.act, xor_cfg.seed);
    TrainResult x = train(xor_model, xor_data(), {}, xor_cfg);
    for (int e = 0; e <= 10 && e < int(x.history.size()); ++e)
        std::printf("xor %d %.17g\n", x.history[e].epoch, x.history[e].train_loss);

    TrainConfig cfg = spiral_settings();
    Split d = spiral_data(cfg.seed);
    MLP model(2, layer_sizes(cfg, 3), cfg.act, cfg.seed);
    TrainResult s = train(model, d.train, d.val, cfg);
    for (int e = 0; e <= 3 && e < int(s.history.size()); ++e)
        std::printf("spiral %d %.17g %.17g\n", s.history[e].epoch, s.history[e].train_loss,
                    s.history[e].val_loss);
    return 0;
}
