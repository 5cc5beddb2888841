"""Lesson 1: gradient descent pulls a random tensor toward a target tensor.

The function to minimise is the mean squared error between ``x`` and a fixed target, and its input is
``x`` itself. Each step, ``backward()`` fills ``x.grad``; we step ``x`` against the gradient; ``detach_()``
and ``requires_grad_()`` make the new ``x`` a fresh leaf for the next step. Then we look at the graph
autograd records: every op on a tracked tensor leaves a ``grad_fn``.
"""

from __future__ import annotations

import numtorch as torch
import numtorch.nn.functional as F
from numtorch.examples._say import Narrator

TITLE = {"en": "Lesson 1: gradient descent toward a target tensor",
         "ko": "1강: 목표 텐서를 향한 경사하강법"}


def main(lang: str = "en") -> dict:
    say = Narrator(lang)
    torch.manual_seed(0)
    say.title(TITLE)

    target = torch.tensor([0.25, 0.5, 0.75, 1.0])
    say("The target tensor:", "목표 텐서:")
    print(target)

    x = torch.rand_like(target)
    x.requires_grad = True  # autograd now tracks every op on x
    say("A random start. requires_grad=True asks autograd to track it:",
        "랜덤한 시작 텐서. requires_grad=True로 autograd가 추적하게 한다:")
    print(x)

    loss = F.mse_loss(x, target)
    say("The loss is the mean squared error between x and the target:",
        "손실은 x와 목표 텐서의 평균 제곱 오차다:")
    print(loss)

    say.section("Descend until the loss is below 1e-5", "손실이 1e-5보다 작아질 때까지 내려간다")
    threshold, learning_rate, step = 1e-5, 1.0, 0
    losses, path = [loss.item()], [x.tolist()]
    while loss > threshold:
        step += 1
        loss.backward()                   # fills x.grad = d(loss)/dx
        x = x - learning_rate * x.grad    # a new tensor made by an op, so not a leaf
        x.detach_()                       # cut it from the old graph, in place
        x.requires_grad_()                # and track it again as a fresh leaf
        loss = F.mse_loss(x, target)
        losses.append(loss.item())
        path.append(x.tolist())
        print(f"step {step}: loss = {loss.item():.4e}")
    say("x has reached the target:", "x가 목표 텐서에 다가갔다:")
    print(x)
    say("A larger learning rate takes bigger steps; too large and the loss grows instead.",
        "학습률이 크면 보폭이 커진다. 너무 크면 손실이 오히려 커진다.")

    say.section("Autograd records how each tensor was made", "autograd는 텐서가 만들어진 과정을 기록한다")
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).requires_grad_(True)
    a = w + 2
    b = w - 2
    c = a * b
    total = c.sum()
    say("Each result of an op on w carries a grad_fn:", "w로 계산한 결과에는 grad_fn이 붙는다:")
    print(a)
    print(b)
    print(c)
    print(total)
    total.backward()
    say("total.backward() puts d(total)/dw = (w - 2) + (w + 2) = 2w into w.grad:",
        "total.backward()는 d(total)/dw = (w - 2) + (w + 2) = 2w 를 w.grad에 담는다:")
    print(w.grad)
    say("backward() needs a scalar: that is why we summed c first.",
        "backward()는 스칼라에서 호출한다. 그래서 c를 먼저 더했다.")
    return {"losses": losses, "path": path, "target": target.tolist(), "graph": (total, {"w": w})}


if __name__ == "__main__":
    main()
