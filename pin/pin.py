"""pin.py: the regression pin for nn.cpp, computed independently in float64 PyTorch.

From dump.cpp's output it takes only the data, the initial weights and the spiral's batch
order; everything else (forward pass, losses, gradients by autograd, optimiser steps) is
done here, from the equations:

  XOR     2-2-1, tanh hidden, linear output; loss per point (out - label)^2; objective =
          mean over the 4 points (full batch); SGD with momentum:
          v <- 0.7 v - 0.3 g, w <- w + v. Figure for epoch e (0 = before any step, then
          after each epoch's one step, e = 1..10): mean loss over the 4 points.
  spiral  2-32-32-3, relu hidden, linear output; loss per point logsumexp(z) - z[label];
          objective = mean over a batch of 16 consecutive entries of the epoch's order;
          Adam (beta1 0.9, beta2 0.999, eps 1e-8; step lr * m_hat / (sqrt(s_hat) + eps),
          bias corrections with t = steps taken so far, counted across epochs); learning
          rate in epoch e: 0.01 + (e - 1) / (150 - 1) * (0.0005 - 0.01). Figures for
          e = 0..3: mean loss over the 720 training and over the 180 validation points.

As a check, both runs are repeated with torch.optim.SGD / torch.optim.Adam, which do the
same updates with the arithmetic arranged differently.

Run, from pin/ (needs Debian's python3-torch, hence /usr/bin/python3):
    /usr/bin/python3 pin.py dump.txt                     prints the figures
    /usr/bin/python3 pin.py dump.txt nn_history.txt      also compares with nn.cpp's own
"""
import sys

import torch

torch.set_default_dtype(torch.float64)
f64 = torch.float64


def read_dump(path):
    """Sections of dump.txt as a dict: name -> list of rows (lists of strings)."""
    lines = open(path).read().splitlines()
    sections, i = {}, 0
    while i < len(lines):
        head = lines[i].split()
        if head[0] == "spiral_order":
            sections["spiral_order_" + head[1]] = [int(s) for s in lines[i + 1].split()]
            i += 2
        else:
            n = int(head[1])
            sections[head[0]] = [row.split() for row in lines[i + 1:i + 1 + n]]
            i += 1 + n
    return sections


def points(rows):
    x = torch.tensor([[float(r[0]), float(r[1])] for r in rows], dtype=f64)
    y = torch.tensor([int(r[2]) for r in rows], dtype=torch.long)
    return x, y


def layers(rows, sizes):
    """The flat parameter list (each neuron's weights, then its bias, layer by layer)
    as (W, b) pairs with W of shape (n_out, n_in), leaves that require gradients."""
    flat = torch.tensor([float(r[0]) for r in rows], dtype=f64)
    out, k = [], 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        block = flat[k:k + n_out * (n_in + 1)].reshape(n_out, n_in + 1)
        k += n_out * (n_in + 1)
        out.append(block[:, :n_in].clone().requires_grad_())
        out.append(block[:, n_in].clone().requires_grad_())
    assert k == len(flat)
    return out


def forward(params, x, act):
    *hidden, w_out, b_out = params
    for w, b in zip(hidden[0::2], hidden[1::2]):
        x = act(x @ w.T + b)
    return x @ w_out.T + b_out  # linear output


def squared_error(out, y):  # per point
    return (out[:, 0] - y.to(f64)) ** 2


def softmax_cross_entropy(z, y):  # per point
    return torch.logsumexp(z, dim=1) - z.gather(1, y[:, None])[:, 0]


def mean_loss(params, x, y, act, loss):
    with torch.no_grad():
        return loss(forward(params, x, act), y).mean().item()


def accuracy(params, x, y, act):
    with torch.no_grad():
        return (forward(params, x, act).argmax(dim=1) == y).to(f64).mean().item()


def gradients(params, x, y, act, loss):
    objective = loss(forward(params, x, act), y).mean()
    return torch.autograd.grad(objective, params)


def run_xor(d, use_torch_optim=False):
    x, y = points(d["xor_points"])
    params = layers(d["xor_params"], [2, 2, 1])
    lr, mu = 0.3, 0.7
    history = [mean_loss(params, x, y, torch.tanh, squared_error)]
    if use_torch_optim:
        opt = torch.optim.SGD(params, lr=lr, momentum=mu)
    velocity = [torch.zeros_like(p) for p in params]
    for epoch in range(1, 11):
        grads = gradients(params, x, y, torch.tanh, squared_error)
        with torch.no_grad():
            if use_torch_optim:
                for p, g in zip(params, grads):
                    p.grad = g
                opt.step()
            else:
                for p, v, g in zip(params, velocity, grads):
                    v.copy_(mu * v - lr * g)
                    p.add_(v)
        history.append(mean_loss(params, x, y, torch.tanh, squared_error))
    return history


def run_spiral(d, use_torch_optim=False):
    x, y = points(d["spiral_train"])
    xv, yv = points(d["spiral_val"])
    params = layers(d["spiral_params"], [2, 32, 32, 3])
    beta1, beta2, eps, batch_size = 0.9, 0.999, 1e-8, 16
    lr_first, lr_last, max_epochs = 0.01, 0.0005, 150
    relu, sce = torch.relu, softmax_cross_entropy

    def measure():
        return (mean_loss(params, x, y, relu, sce), mean_loss(params, xv, yv, relu, sce),
                accuracy(params, x, y, relu), accuracy(params, xv, yv, relu))

    history = [measure()]
    m = [torch.zeros_like(p) for p in params]
    s = [torch.zeros_like(p) for p in params]
    t = 0
    if use_torch_optim:
        opt = torch.optim.Adam(params, lr=lr_first, betas=(beta1, beta2), eps=eps)
    for epoch in range(1, 4):
        lr = lr_first + (epoch - 1) / (max_epochs - 1) * (lr_last - lr_first)
        order = d["spiral_order_%d" % epoch]
        for start in range(0, len(order), batch_size):
            batch = torch.tensor(order[start:start + batch_size], dtype=torch.long)
            grads = gradients(params, x[batch], y[batch], relu, sce)
            t += 1
            with torch.no_grad():
                if use_torch_optim:
                    opt.param_groups[0]["lr"] = lr
                    for p, g in zip(params, grads):
                        p.grad = g
                    opt.step()
                    continue
                for p, mi, si, g in zip(params, m, s, grads):
                    mi.copy_(beta1 * mi + (1 - beta1) * g)
                    si.copy_(beta2 * si + (1 - beta2) * g * g)
                    m_hat = mi / (1 - beta1 ** t)
                    s_hat = si / (1 - beta2 ** t)
                    p.sub_(lr * m_hat / (torch.sqrt(s_hat) + eps))
        history.append(measure())
    return history


def max_diff(pairs):
    """Largest absolute and relative difference over (a, b) pairs."""
    return (max(abs(a - b) for a, b in pairs), max(abs(a - b) / abs(b) for a, b in pairs))


def main():
    d = read_dump(sys.argv[1])
    xor, spiral = run_xor(d), run_spiral(d)
    print("torch", torch.__version__)
    for e, loss in enumerate(xor):
        print("xor %d %.17g" % (e, loss))
    for e, (train, val, train_acc, val_acc) in enumerate(spiral):
        print("spiral %d %.17g %.17g accuracy %.17g %.17g" % (e, train, val, train_acc, val_acc))

    xor_opt, spiral_opt = run_xor(d, True), run_spiral(d, True)
    print("check: torch.optim.SGD vs the update written out, max abs %.3g rel %.3g"
          % max_diff(list(zip(xor_opt, xor))))
    print("check: torch.optim.Adam vs the update written out, max abs %.3g rel %.3g"
          % max_diff([(a, b) for ra, rb in zip(spiral_opt, spiral) for a, b in zip(ra[:2], rb[:2])]))

    if len(sys.argv) > 2:  # nn_history.txt: nn.cpp's own figures
        rows = [line.split() for line in open(sys.argv[2])]
        nn_xor = [float(r[2]) for r in rows if r[0] == "xor"]
        nn_spiral = [(float(r[2]), float(r[3])) for r in rows if r[0] == "spiral"]
        assert len(nn_xor) == len(xor) and len(nn_spiral) == len(spiral)
        print("nn.cpp vs PyTorch, xor train loss:     max abs %.3g rel %.3g"
              % max_diff(list(zip(xor, nn_xor))))
        print("nn.cpp vs PyTorch, spiral train loss:  max abs %.3g rel %.3g"
              % max_diff([(a[0], b[0]) for a, b in zip(spiral, nn_spiral)]))
        print("nn.cpp vs PyTorch, spiral val loss:    max abs %.3g rel %.3g"
              % max_diff([(a[1], b[1]) for a, b in zip(spiral, nn_spiral)]))


if __name__ == "__main__":
    main()
