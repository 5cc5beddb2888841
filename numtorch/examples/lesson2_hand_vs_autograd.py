"""Lesson 2: the gradient of H(x) = Wx worked out by hand, then by autograd, then by optim.SGD.

The cost is the mean squared error ``mean((W*x - y)**2)``. Its derivative with respect to W is
``2 * mean((W*x - y) * x)``: we update W with that formula, then let ``backward()`` find the same number,
and finally let ``optim.SGD`` do the update. All three give the same W, epoch after epoch.
"""

from __future__ import annotations

import numtorch as torch
from numtorch import optim
from numtorch.examples._say import Narrator

TITLE = {"en": "Lesson 2: a gradient by hand, by autograd and by optim.SGD",
         "ko": "2강: 손으로 구한 기울기, autograd, 그리고 optim.SGD"}

EPOCHS = 10
LR = 0.03125  # 1/32: a power of two, so the hand-made and the autograd updates round alike


def main(lang: str = "en") -> dict:
    say = Narrator(lang)
    torch.manual_seed(0)
    say.title(TITLE)

    x_train = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    y_train = torch.tensor([[2.0], [4.0], [6.0], [8.0]])  # y = 2x: the best W is 2
    say("The model is H(x) = W * x. The data lie on y = 2x, so the best W is 2.",
        "모델은 H(x) = W * x 이다. 데이터는 y = 2x 위에 있으니 최적의 W는 2다.")

    say.section("One gradient, two ways", "같은 기울기, 두 가지 방법")
    W = torch.zeros(1, requires_grad=True)
    hypothesis = W * x_train
    cost = torch.mean((hypothesis - y_train) ** 2)
    gradient = 2 * torch.mean((hypothesis - y_train) * x_train)
    say(f"By hand: d(cost)/dW = 2 * mean((W*x - y) * x) = {gradient.item():.4f} at W = 0.",
        f"손으로: W = 0에서 d(cost)/dW = 2 * mean((W*x - y) * x) = {gradient.item():.4f}.")
    cost.backward()
    say("By autograd: cost.backward() leaves the same number in W.grad:",
        "autograd로: cost.backward()가 같은 값을 W.grad에 남긴다:")
    print(W.grad)
    say("(With sum instead of mean the gradient is 4 times larger: same direction, a bigger step.)",
        "(mean 대신 sum을 쓰면 기울기가 4배가 된다. 방향은 같고 보폭만 커진다.)")

    say.section("Gradient descent with the hand-made gradient", "손으로 구한 기울기로 경사하강법")
    W = torch.zeros(1)  # no autograd needed: we compute the gradient ourselves
    hand = []
    for epoch in range(1, EPOCHS + 1):
        hypothesis = x_train * W
        cost = torch.mean((hypothesis - y_train) ** 2)
        gradient = 2 * torch.mean((hypothesis - y_train) * x_train)
        print(f"Epoch {epoch:4d}/{EPOCHS} W: {W.item():.3f}, Cost: {cost.item():.6f}")
        hand.append((W.item(), cost.item()))
        W -= LR * gradient

    say.section("The same with autograd and optim.SGD", "autograd와 optim.SGD로 똑같이")
    say("zero_grad() clears the old gradient, backward() computes the new one, step() moves W.",
        "zero_grad()로 기울기를 비우고, backward()로 새로 구하고, step()으로 W를 옮긴다.")
    W = torch.zeros(1, requires_grad=True)
    optimizer = optim.SGD([W], lr=LR)
    auto = []
    for epoch in range(1, EPOCHS + 1):
        hypothesis = W * x_train
        cost = torch.mean((hypothesis - y_train) ** 2)
        print(f"Epoch {epoch:4d}/{EPOCHS} W: {W.item():.3f}, Cost: {cost.item():.6f}")
        auto.append((W.item(), cost.item()))
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
    say("The same numbers: optim.SGD does W -= lr * W.grad for us. W is close to 2 and the cost shrinks.",
        "숫자가 같다. optim.SGD가 W -= lr * W.grad 를 대신 해 준다. W는 2에 가까워지고 cost는 줄어든다.")
    return {"hand": hand, "sgd": auto, "losses": [c for _, c in auto], "graph": (cost, {"W": W})}


if __name__ == "__main__":
    main()
