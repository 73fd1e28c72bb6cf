"""tools/exercises.py: the lesson's exercises as plain data, for the tools that need them.

tools/handout.py writes a folder for students from it (`make handout`), and tools/mutants.py
makes the teacher's table from it (`--stubs`), tools/renumber.py the exercises' numbers.

WRITE_IT, one entry per write-it exercise whose bodies a handout can stub:
  name            a stable name, which does not change when exercises are renumbered: its
                  number is its place in ORDER (below), and the tools take either
  title           as the README's exercise list has it, or the start of it: the README's
                  item is found by its title (tools/renumber.py)
  stubs           (signature, stub): the function that starts at `signature` (it must occur
                  once in nn.cpp) has its body replaced by `stub`, which compiles, keeps the
                  function's outline where that helps, says "TODO exercise" (the tools add
                  the number) and does not hold the answer
  tests           (test, points): the tests that grade it, full names, and the points
                  each earns when it passes; chosen so that none of them fails because of
                  another exercise's stub where that could be arranged
  needs           the exercises (names) that must be written first for `tests` to pass, as
                  measured by `python3 tools/handout.py --measure` (which stubs every body
                  alone, in pairs, all together and all but one, and says when this list is
                  stale; `--measure NAME` measures one exercise's in 2 to 7 minutes)
  leaks           (file, original, replacement): text elsewhere that gives this answer away,
                  replaced in the handout. The original must occur exactly once in its file,
                  or handout.py stops; two exercises may list the same leak (it is replaced
                  once). A replacement must not change what the program or the
                  tests compute, since an answer-key handout (`--answer-key`) keeps the bodies.
                  tests.cpp needs none: a test states its inputs and the figures it expects,
                  and their working is in docs/answers.md, which a handout leaves out
  telltales       strings that must not occur anywhere in a handout of this exercise, besides
                  those found automatically: each distinctive line of the original bodies,
                  and each leak's original (handout.py --check)
  comes_with      (names, why), when another body holds this one's answer: a handout of
                  this exercise stubs those too, and says why
  pending         present while the code it stubs has not reached this branch yet: such an
                  exercise is left out of the default set and refused when asked for

SEE_AND_CHANGE: for each see-it and change-it exercise, its name and title as above, the
commands it runs and the bodies it edits (names); `needs` (the write-it exercises whose
bodies must be written first) is measured by `--measure`, which runs each command with each
exercise stubbed alone and compares what it prints with the unstubbed program's output.

ORDER: every exercise's name, in the README's order. It is the one place numbers come from:
an exercise's number is its place in ORDER, the first being 1. When a name is inserted,
removed or moved here, `python3 tools/renumber.py` rewrites the numbers written in the
repository's files (the README's list, docs/, comments, messages) to match, and
`python3 tools/renumber.py --check` (CI) fails where a file disagrees. Importing this file
adds to each entry its `number`, fills it in after each stub's "TODO exercise", and checks
that ORDER names every entry once.
"""

import os
import re
import sys

# Every exercise, by name, in the README's order: an exercise's number is its place here (the
# first is 1). Insert, remove or move a name, then run `python3 tools/renumber.py`.
ORDER = [
    # See it
    "chain-rule",
    "count-a-graph",
    "why-plus-equals",
    "symmetry",
    "fan-in",
    "what-fools-it",
    # Write it
    "mul-div",
    "leaky-relu",
    "tanh-slope",
    "gradient-check",
    "mse",
    "softmax-gradient",
    "backward",
    "early-stopping",
    "adam",
    "rmsprop",
    "dropout",
    "fooling-step",
    "dense-backward",
    # Change it and explain
    "learning-rate",
    "mean-or-sum",
    "memorising",
    "l2-and-dropout",
    "momentum",
    "xor-architecture",
    "fused-neuron",
    "log-sum-exp",
]

# The file whose teacher's table `python3 tools/mutants.py --stubs --check-readme` checks. It
# may move to a page of its own in docs/; change it here.
TEACHERS_TABLE = "docs/teachers.md"

# README.md's leaks are listed in each exercise's `leaks` like the others'. While this is
# False (as it was during the README's rewrite) the leak check applies the `telltales`
# strings (such as "1 - y^2") to every file but README.md, which it checks for the bodies'
# lines and the listed leaks only.
README_LEAKS_LISTED = True

# The README's worked numbers that give exercises 7 and 9 away, listed in the leaks of both
# (a handout of either replaces them once): `./nn graph`'s local derivatives and grads show
# d(ab)/da = b and tanh's slope 1 - t^2 in numbers (0.085610 beside t = 0.956237), and so do
# the example program's two derivatives.
README_GRAPH_LEAK = (
    "README.md",
    "loss   *    data= 0.001915  grad= 1.000000\n"
    "    input err    local=-0.043763  local*grad=-0.043763\n"
    "    input err    local=-0.043763  local*grad=-0.043763\n"
    "err    -    data=-0.043763  grad=-0.087525\n"
    "    input out    local= 1.000000  local*grad=-0.087525\n"
    "    input target local=-1.000000  local*grad= 0.087525\n"
    "out    tanh data= 0.956237  grad=-0.087525\n"
    "    input z      local= 0.085610  local*grad=-0.007493\n"
    "z      +    data= 1.900000  grad=-0.007493\n"
    "    input sum    local= 1.000000  local*grad=-0.007493\n"
    "    input b      local= 1.000000  local*grad=-0.007493\n"
    "sum    +    data= 1.800000  grad=-0.007493\n"
    "    input x1*w1  local= 1.000000  local*grad=-0.007493\n"
    "    input x2*w2  local= 1.000000  local*grad=-0.007493\n"
    "x2*w2  *    data= 0.600000  grad=-0.007493\n"
    "    input x2     local=-1.200000  local*grad= 0.008992\n"
    "    input w2     local=-0.500000  local*grad= 0.003747\n"
    "x1*w1  *    data= 1.200000  grad=-0.007493\n"
    "    input x1     local= 0.800000  local*grad=-0.005994\n"
    "    input w1     local= 1.500000  local*grad=-0.011240\n"
    "target leaf data= 1.000000  grad= 0.087525\n"
    "b      leaf data= 0.100000  grad=-0.007493\n"
    "w2     leaf data=-1.200000  grad= 0.003747\n"
    "x2     leaf data=-0.500000  grad= 0.008992\n"
    "w1     leaf data= 0.800000  grad=-0.011240\n"
    "x1     leaf data= 1.500000  grad=-0.005994\n"
    "```\n",
    "loss   *    data= 0.001915  grad= ?\n"
    "    input err    local= ?  local*grad= ?\n"
    "    input err    local= ?  local*grad= ?\n"
    "err    -    data=-0.043763  grad= ?\n"
    "    input out    local= ?  local*grad= ?\n"
    "    input target local= ?  local*grad= ?\n"
    "out    tanh data= 0.956237  grad= ?\n"
    "    input z      local= ?  local*grad= ?\n"
    "z      +    data= 1.900000  grad= ?\n"
    "    input sum    local= ?  local*grad= ?\n"
    "    input b      local= ?  local*grad= ?\n"
    "sum    +    data= 1.800000  grad= ?\n"
    "    input x1*w1  local= ?  local*grad= ?\n"
    "    input x2*w2  local= ?  local*grad= ?\n"
    "x2*w2  *    data= 0.600000  grad= ?\n"
    "    input x2     local= ?  local*grad= ?\n"
    "    input w2     local= ?  local*grad= ?\n"
    "x1*w1  *    data= 1.200000  grad= ?\n"
    "    input x1     local= ?  local*grad= ?\n"
    "    input w1     local= ?  local*grad= ?\n"
    "target leaf data= 1.000000  grad= ?\n"
    "b      leaf data= 0.100000  grad= ?\n"
    "w2     leaf data=-1.200000  grad= ?\n"
    "x2     leaf data=-0.500000  grad= ?\n"
    "w1     leaf data= 0.800000  grad= ?\n"
    "x1     leaf data= 1.500000  grad= ?\n"
    "```\n"
    "\n"
    "In this handout the local derivatives and grads are left as `?`: `./nn graph` prints\n"
    "them once the bodies it goes through are written.\n",
)
README_EXAMPLE_LEAK = (
    "README.md",
    "y = -0.999909204  dy/dx = -0.000545  dy/dw = 0.000363\n"
    "371 parameters, 3 outputs\n"
    "```\n"
    "\n"
    "Both derivatives can be checked by hand from the printed y, once you know tanh's derivative\n"
    "(exercise 9 asks you to derive it).",
    "y = -0.999909204  dy/dx = ?  dy/dw = ?\n"
    "371 parameters, 3 outputs\n"
    "```\n"
    "\n"
    "In this handout the two derivatives are left as `?`: once the bodies they go through are\n"
    "written, check both by hand from the printed y (exercise 9 asks you to derive tanh's).",
)

WRITE_IT = [
    {
        "name": "mul-div",
        "title": "operator* and operator/",
        "stubs": [
            ("Value operator*(Value a, Value b)",
             "// TODO exercise: the product, and on each edge its local derivative\n"
             "return add_node(0.0, \"*\", {{a.id, 0.0}, {b.id, 0.0}});\n"),
            ("Value operator/(Value a, Value b)",
             "// TODO exercise: the quotient, and on each edge its local derivative\n"
             "return add_node(0.0, \"/\", {{a.id, 0.0}, {b.id, 0.0}});\n"),
        ],
        "tests": [("test_add_sub_mul_div_edges_carry_their_local_derivatives_without_backward", 2),
                  ("test_add_sub_mul_div_edges_of_a_product_are_exact_at_a_variants_points", 3),
                  ("test_add_sub_mul_div_edges_of_a_quotient_are_exact_at_a_variants_points", 3),
                  ("test_constants_on_the_left_make_a_leaf_and_an_exact_edge_at_a_variants_points", 2)],
        "needs": [],
        "leaks": [
            ("README.md", "d(a * b)/da = b", "d(a + b)/da = 1"),
            # exercise 1's text gives d(x1 w1)/dw1 = x1
            ("README.md", "derivative (x1 = 1.5) times the grad", "derivative times the grad"),
            README_GRAPH_LEAK,
            README_EXAMPLE_LEAK,
        ],
        "telltales": ["d(ab)/da", "d(a * b)/da", "d(a/b)/d", "-a/b^2", "-a / b^2",
                      "-2 / x^2"],
    },
    {
        "name": "tanh-slope",
        "title": "tanh's derivative",
        "stubs": [
            ("Value tanh(Value x)",
             "double t = tanh_of(x.data());\n"
             "return add_node(t, \"tanh\", {{x.id, 0.0}});  // TODO exercise: d/dx tanh(x), "
             "with t\n"),
            ("double dense_slope(double out, Activation act)",
             "switch (act) {\n"
             "case Activation::Tanh: return 0.0;  // TODO exercise: tanh's slope, with out\n"
             "case Activation::Sigmoid: return out * (1.0 - out);\n"
             "case Activation::ReLU: return out > 0 ? 1.0 : 0.0;\n"
             "case Activation::Linear: return 1.0;\n"
             "}\n"
             "return 1.0;\n"),
        ],
        "tests": [("test_tanh_and_sigmoid_edges_carry_their_local_derivatives_without_backward", 3),
                  ("test_tanh_edges_are_exact_at_a_variants_points", 3),
                  ("test_hand_written_slopes_match_complex_step_derivatives_of_the_activations", 2),
                  ("test_hand_written_tanh_slope_is_exact_at_a_variants_points", 2)],
        "needs": [],
        "leaks": [
            ("nn.cpp", "tanh: 1 - out^2", "tanh: exercise 9"),
            ("nn.cpp", "and du/dz = -2u, so d(out)/dz =\n// 4u / (1 + u)^2, which is 1 - out^2.",
             "and du/dz = -2u: write d(out)/dz\n// with out alone."),
            README_GRAPH_LEAK,
            README_EXAMPLE_LEAK,
        ],
        "telltales": ["1 - o * o", "1 - out^2", "1 - tanh(x)^2", "1 - tanh(xw)^2", "1 - t^2", "1 - y^2",
                      "1.0 - t * t", "1.0 - out * out", "2 - t * t"],
    },
    {
        "name": "mse",
        "title": "A loss: mean_squared_error",
        "stubs": [
            ("Value mean_squared_error(",
             "// TODO exercise: the mean of (prediction - target)^2 over the outputs\n"
             "return 0.0;\n"),
        ],
        "tests": [("test_squared_error_is_the_mean_of_the_squared_errors_over_the_outputs", 3),
                  ("test_squared_error_passes_each_prediction_its_gradient_without_backward", 2)],
        "needs": ["mul-div"],
        "leaks": [],
        "telltales": [],
    },
    {
        "name": "softmax-gradient",
        "title": "The softmax cross-entropy gradient",
        "stubs": [
            ("double dense_softmax_cross_entropy(",
             "g.assign(z.size(), 0.0);  // TODO exercise: g = d(loss)/d(logits)\n"
             "return 0.0;               // TODO exercise: the loss\n"),
        ],
        "tests": [("test_hand_written_softmax_cross_entropy_on_a_case_worked_by_hand", 3),
                  ("test_hand_written_softmax_cross_entropy_is_exact_at_a_variants_logits", 4),
                  ("test_hand_written_softmax_cross_entropy_is_exact_at_logits_near_plus_and_minus_800",
                   3)],
        "needs": [],
        "leaks": [],
        "telltales": [],
    },
    {
        "name": "backward",
        "title": "Backward from scratch: Value::backward",
        "stubs": [
            ("void Value::backward() const",
             "// TODO exercise: as described above this function: first set the grad of every\n"
             "// computed node up to this one to 0, then add 1 to this node's grad, then walk from\n"
             "// this node back to node 0 applying the chain rule on every edge\n"),
            # Part III's copy of the walk, which training calls: stubbed too, as its body is
            # backward's with a `first` (training then goes through the student's backward).
            ("void backward_from(Value out, int first) {",
             "// TODO exercise, once backward() is written (optional): its walk from node\n"
             "// `first` on. Until then backward() itself: the same grads, a little slower\n"
             "(void)first;\n"
             "out.backward();\n"),
        ],
        "tests": [("test_backward_without_mul_sums_every_use_in_reverse_order_as_worked_by_hand", 3),
                  ("test_backward_without_mul_matches_forward_tangents_on_a_variants_graph", 3),
                  ("test_backward_starts_at_its_own_node_and_leaves_later_nodes_alone", 3),
                  ("test_backward_twice_accumulates_leaves_and_restarts_computed_nodes_without_mul", 3),
                  ("test_backward_through_2_million_nodes_without_mul_needs_no_recursion", 3)],
        "needs": [],
        "leaks": [],
        "telltales": [],
    },
    {
        "name": "early-stopping",
        "title": "Early stopping: EarlyStopping::should_stop",
        "stubs": [
            ("bool should_stop(int epoch, double val_loss, const std::vector<Value>& params)",
             "// TODO exercise: keep a new best epoch's loss and weights; say when to stop\n"
             "return false;\n"),
        ],
        "tests": [("test_early_stopping_keeps_the_best_epoch_and_stops_after_patience", 3),
                  ("test_early_stopping_stops_after_patience_misses_in_a_row_at_a_variants_script", 3),
                  ("test_early_stopping_keeps_the_best_epochs_loss_and_weights_at_a_variants_script", 2),
                  ("test_early_stopping_counts_only_improvements_beyond_min_delta_on_the_best_loss", 2)],
        "needs": [],
        "leaks": [],
        "telltales": [],
    },
    {
        "name": "adam",
        "title": "Adam from its equations: adam_step",
        "stubs": [
            ("void adam_step(const std::vector<Value>& params)",
             "// TODO exercise: Adam's step for every parameter, from the equations above\n"),
        ],
        "tests": [("test_adam_first_steps_match_hand_computed_values", 3),
                  ("test_adam_with_a_constant_gradient_moves_each_weight_lr_a_step", 3),
                  ("test_adam_with_a_tiny_gradient_keeps_epsilon_outside_the_square_root", 2),
                  ("test_adam_with_an_alternating_gradient_keeps_running_means_of_g_and_g_squared", 2)],
        "needs": [],
        "leaks": [],
        "telltales": [],
    },
    {
        "name": "rmsprop",
        "title": "RMSprop from its equations: rmsprop_step",
        "stubs": [
            ("void rmsprop_step(const std::vector<Value>& params)",
             "// TODO exercise: RMSprop's step for every parameter, from the equations above\n"),
        ],
        "tests": [("test_rmsprop_first_steps_match_hand_computed_values", 3),
                  ("test_rmsprop_with_a_constant_gradient_moves_each_weight_by_its_closed_form", 3),
                  ("test_rmsprop_with_a_tiny_gradient_keeps_epsilon_outside_the_square_root", 2),
                  ("test_rmsprop_with_an_alternating_gradient_keeps_a_running_mean_of_g_squared", 2)],
        "needs": [],
        "leaks": [],
        # adam_step holds rmsprop_step's body with three renames (beta2 for rho; m_hat, v_hat
        # for g, v): a handout of this one stubs adam too, and fails its leak check if it
        # keeps adam_step's body, which holds these lines
        "comes_with": (["adam"], "adam_step's body, just below the RMSprop stub, holds its "
                                 "answer with three renames"),
        "telltales": ["v[i] = beta2 * v[i] + (1.0 - beta2) * p.grad * p.grad;",
                      "p.data -= learning_rate * m_hat / (std::sqrt(v_hat) + epsilon);"],
    },
    {
        "name": "dropout",
        "title": "Dropout: the dropout op",
        "stubs": [
            ("Value dropout(Value x, double p, Rng& rng)",
             "// TODO exercise: zero x with probability p (draw from rng), else scale it\n"
             "return x;\n"),
        ],
        "tests": [("test_dropout_drops_the_share_asked_scales_the_rest_and_nothing_at_evaluation", 4),
                  ("test_dropout_at_a_variants_rate_drops_that_share_and_scales_the_rest", 3),
                  ("test_dropout_at_a_variants_rate_passes_back_what_it_passes_on", 3)],
        "needs": [],
        "leaks": [
            ("nn.cpp", "// As it multiplies the unit, the mask is also the local derivative.\n", ""),
        ],
        "telltales": [],
    },
    {
        "name": "fooling-step",
        "title": "The fooling step",
        "stubs": [
            ("void fooling_step(const MLP& model, std::vector<double>& pixels, int label, "
             "Loss loss)",
             "// TODO exercise: move each pixel one grey level the way its loss gradient\n"
             "// points, keeping it on the levels in [0, 1]\n"),
        ],
        "tests": [("test_a_fooling_step_moves_each_pixel_one_grey_level_up_its_loss_gradient", 4),
                  ("test_a_fooling_step_raises_the_loss_by_what_its_gradient_predicts", 2),
                  ("test_a_fooling_step_keeps_pixels_within_0_and_1_on_whole_grey_levels", 2),
                  ("test_fooling_flips_a_made_network_in_the_steps_its_margin_allows_and_no_sooner",
                   2)],
        "needs": ["tanh-slope", "backward"],
        "leaks": [],
        "telltales": [],
    },
    {
        "name": "dense-backward",
        "title": "Backprop by hand: dense_backward",
        "stubs": [
            ("void dense_backward(DenseMLP& net, std::vector<double> g)",
             "// TODO exercise: from g, add to every layer's grad_w and grad_b, from the\n"
             "// output layer back to the first, as derived above\n"),
        ],
        "tests": [("test_hand_written_backprop_without_tanh_matches_the_complex_step",
                   8),
                  ("test_hand_written_backprop_through_four_layers_of_unequal_widths", 3),
                  ("test_hand_written_backprop_adds_to_the_grads_it_finds", 4),
                  ("test_hand_written_backprop_through_tanh_layers_matches_the_complex_step", 5)],
        "needs": ["tanh-slope"],
        "leaks": [],
        "telltales": [],
    },
]

# Every write-it exercise that stubs a body: what `make check` as a whole needs written.
STUBBED = [e["name"] for e in WRITE_IT]

# Bodies a teacher may also delete that are not numbered exercises: the teacher's table has
# a row for each (tools/mutants.py --stubs), a handout never stubs them.
OTHER_STUBS = [
    ("Value softmax_cross_entropy(const std::vector<Value>& logits, int label)", "return 0.0;"),
    ("Value l2_penalty(const std::vector<Value>& params, double alpha)", "return 0.0;"),
    ("void shuffle(std::vector<int>& items, Rng& rng)", ""),
]

# The commands --measure runs on each stubbed copy, by name. "check" is whether the lesson's
# tests (those whose names hold T) pass; bench is compared on each row's node and edge
# counts only (its times differ from run to run).
COMMANDS = {
    "graph": "./nn graph",
    "bench": "./nn bench",
    "xor": "./nn xor",
    "xor-2-tanh": "./nn xor --hidden 2 --act tanh",
    "spiral": "./nn spiral",
    "spiral-sgd": "./nn spiral --optimizer sgd --lr 0.02",
    "spiral-dropout": "./nn spiral --dropout 0.2",
    "momentum": "./nn momentum",
    "fashion-quick": "./nn fashion --subset 5000 --epochs 1",
    "check": "make check",
    "check-relu": "make check T=relu",
    "check-exp": "make check T=exp",
}

# The exercises that stub nothing: see it, change it, and the two write-it exercises that
# add code (leaky-relu, gradient-check).
SEE_AND_CHANGE = [
    {"name": "chain-rule", "title": "The chain rule in numbers",
     "commands": ["graph"], "edits": [],
     "needs": ["mul-div", "tanh-slope", "backward"]},
    {"name": "count-a-graph", "title": "Count a graph",
     "commands": ["bench"], "edits": [],
     "needs": []},
    # It and the last two run all of `make check`, which holds every write-it body's tests.
    {"name": "why-plus-equals", "title": "Why +=",
     "commands": ["check"], "edits": ["backward"],
     "needs": STUBBED},
    {"name": "symmetry", "title": "Symmetry",
     "commands": ["xor", "spiral"], "edits": [],
     "needs": ["mul-div", "tanh-slope", "mse", "backward", "early-stopping", "adam"]},
    {"name": "fan-in", "title": "Fan-in",
     "commands": ["spiral"], "edits": [],
     "needs": ["mul-div", "backward", "early-stopping", "adam"]},
    # Needs the Fashion-MNIST files.
    {"name": "what-fools-it", "title": "What fools it",
     "commands": ["fashion-quick"], "edits": [],
     "needs": ["mul-div", "backward", "early-stopping", "adam", "fooling-step"]},
    {"name": "leaky-relu", "title": "A new op: leaky_relu",
     "commands": ["check-relu"], "edits": [],
     "needs": ["backward"]},
    {"name": "gradient-check", "title": "A gradient check of your own",
     "commands": ["check-exp"], "edits": [],
     "needs": ["backward"]},
    {"name": "learning-rate", "title": "The learning rate",
     "commands": ["xor-2-tanh"], "edits": [],
     "needs": ["mul-div", "tanh-slope", "mse", "backward"]},
    {"name": "mean-or-sum", "title": "Mean or sum",
     "commands": ["xor-2-tanh", "spiral-sgd", "spiral"], "edits": [],
     "needs": ["mul-div", "tanh-slope", "mse", "backward", "early-stopping", "adam"]},
    {"name": "memorising", "title": "Memorising",
     "commands": ["spiral"], "edits": [],
     "needs": ["mul-div", "backward", "early-stopping", "adam"]},
    {"name": "l2-and-dropout", "title": "L2 and dropout against memorising",
     "commands": ["spiral", "spiral-dropout"], "edits": [],
     "needs": ["mul-div", "backward", "early-stopping", "adam", "dropout"]},
    {"name": "momentum", "title": "Momentum",
     "commands": ["momentum"], "edits": [],
     "needs": ["mul-div", "backward", "early-stopping"]},
    {"name": "xor-architecture", "title": "A fourth XOR architecture",
     "commands": ["xor"], "edits": [],
     "needs": ["mul-div", "tanh-slope", "mse", "backward"]},
    # Its epoch ratio is a time: the hand-written loops must be written too.
    {"name": "fused-neuron", "title": "Pay for the fused neuron",
     "commands": ["check", "bench"], "edits": ["tanh-slope", "softmax-gradient", "dense-backward"],
     "needs": STUBBED},
    {"name": "log-sum-exp", "title": "Break the stable log-sum-exp",
     "commands": ["check", "spiral-sgd"], "edits": [],
     "needs": STUBBED},
]


def points(exercise):
    """An exercise's points: the sum of its tests'."""
    return sum(p for _, p in exercise["tests"])


def test_names(exercise):
    return [t for t, _ in exercise["tests"]]


# ---- Numbers, from ORDER ------------------------------------------------------------------

def every_exercise():
    """Every exercise, write-it and the others, in ORDER."""
    return sorted(WRITE_IT + SEE_AND_CHANGE, key=lambda e: e["number"])


def by_name(name):
    return next(e for e in WRITE_IT + SEE_AND_CHANGE if e["name"] == name)


def number(name):
    """An exercise's number: its place in ORDER, the first being 1."""
    return ORDER.index(name) + 1


def _line_of(text):
    """'tools/exercises.py:LINE' where `text` first occurs in this file (its first line if it
    does not)."""
    with open(os.path.abspath(__file__)) as f:
        source = f.read()
    return f"tools/exercises.py:{source[:max(source.find(text), 0)].count(chr(10)) + 1}"


def _problems():
    """What is wrong with the data above, one line each, naming this file's line."""
    problems = []
    names = [e["name"] for e in WRITE_IT + SEE_AND_CHANGE]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{_line_of(repr(name))}: two exercises are named {name!r}")
    for name in sorted({n for n in ORDER if ORDER.count(n) > 1}):
        problems.append(f"{_line_of('ORDER = [')}: ORDER lists {name!r} twice")
    for name in ORDER:
        if name not in names:
            problems.append(f"{_line_of('ORDER = [')}: ORDER lists {name!r}, which no entry "
                            "of WRITE_IT or SEE_AND_CHANGE is named")
    for name in names:
        if name not in ORDER:
            problems.append(f"{_line_of(repr(name))}: {name!r} is not in ORDER: insert it "
                            "where its README item goes")
    stubbed = [e["name"] for e in WRITE_IT]
    for e in WRITE_IT + SEE_AND_CHANGE:
        for field in ("needs", "edits"):
            for name in e.get(field, []):
                if name not in stubbed:
                    problems.append(f"{_line_of(repr(e['name']))}: {e['name']}'s {field} names "
                                    f"{name!r}, which is not a write-it exercise's name")
        for name in e.get("comes_with", ([], ""))[0]:
            if name not in stubbed:
                problems.append(f"{_line_of(repr(e['name']))}: {e['name']}'s comes_with names "
                                f"{name!r}, which is not a write-it exercise's name")
        for _, stub in e.get("stubs", []):
            if "TODO exercise" not in stub or re.search(r"TODO exercise \d", stub):
                problems.append(f"{_line_of(repr(e['name']))}: a stub of {e['name']} should "
                                "say 'TODO exercise' with no number (the tools add it)")
    return problems


def _number_them():
    """Adds each entry's `number`, fills it in after its stubs' "TODO exercise", and puts
    WRITE_IT and SEE_AND_CHANGE in ORDER; exits (status 1) naming this file's lines if the
    data is not consistent."""
    problems = _problems()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    for e in WRITE_IT + SEE_AND_CHANGE:
        e["number"] = number(e["name"])
        if "stubs" in e:
            e["stubs"] = [(signature, stub.replace("TODO exercise",
                                                   f"TODO exercise {e['number']}"))
                          for signature, stub in e["stubs"]]
    WRITE_IT.sort(key=lambda e: e["number"])
    SEE_AND_CHANGE.sort(key=lambda e: e["number"])


_number_them()
