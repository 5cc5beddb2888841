"""Lesson 3: backward from a vector (a vector–Jacobian product) and three ways to stop tracking.

``backward()`` on a scalar gives the gradient. On a tensor with several elements it needs a vector ``v``
and computes ``v`` times the Jacobian. Updating weights must not become part of the graph, so we learn
three ways to keep autograd out: ``requires_grad_(False)``, ``detach()`` and ``torch.no_grad()``.
"""

from __future__ import annotations

import numtorch as torch
from numtorch.examples._say import Narrator

TITLE = {"en": "Lesson 3: backward with a vector, and how to stop tracking",
         "ko": "3강: 벡터로 backward 하기, 그리고 추적을 멈추는 방법"}


def main(lang: str = "en") -> dict:
    say = Narrator(lang)
    torch.manual_seed(0)
    say.title(TITLE)

    say.section("A scalar output: backward() gives the gradient", "출력이 스칼라일 때: backward()가 기울기를 준다")
    x = torch.randn(3, requires_grad=True)
    print(x)
    z = (3 * (x + 2) ** 2).mean()
    print(z)
    z.backward()
    z_graph, x_graph = z, x
    say("dz/dx = 2 * (x + 2), found by autograd:", "autograd가 구한 dz/dx = 2 * (x + 2):")
    print(x.grad)

    say.section("A vector output: backward(v) gives v times the Jacobian",
                "출력이 벡터일 때: backward(v)는 v와 야코비안의 곱을 준다")
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    for _ in range(3):
        y = y * 2  # y = 16 * x
    print(y)
    say("y has 3 elements, so a plain y.backward() is refused:",
        "y는 원소가 3개라서 y.backward()만으로는 거절된다:")
    try:
        y.backward()
    except RuntimeError as err:
        print(f"RuntimeError: {err}")
    v = torch.tensor([0.1, 1.0, 0.0001])
    y.backward(v)
    say("With v = [0.1, 1.0, 0.0001]: the Jacobian dy/dx is 16 on the diagonal, so x.grad = 16 * v:",
        "v = [0.1, 1.0, 0.0001]을 주면 dy/dx는 대각선이 16인 행렬이므로 x.grad = 16 * v:")
    print(x.grad)

    say.section("Three ways to stop tracking", "추적을 멈추는 세 가지 방법")
    a = torch.randn(2, 2, requires_grad=True)
    say("1. a.requires_grad_(False) switches tracking off on the tensor itself:",
        "1. a.requires_grad_(False)는 텐서 자신의 추적을 끈다:")
    a.requires_grad_(False)
    print(f"a.requires_grad = {a.requires_grad}")
    a.requires_grad_(True)
    say("2. a.detach() gives a new tensor with the same data, outside the graph:",
        "2. a.detach()는 데이터는 같고 그래프 밖에 있는 새 텐서를 준다:")
    b = a.detach()
    print(f"b.requires_grad = {b.requires_grad}, a.requires_grad = {a.requires_grad}")
    say("3. Inside `with torch.no_grad():` no result is tracked:",
        "3. `with torch.no_grad():` 안에서는 어떤 결과도 추적되지 않는다:")
    with torch.no_grad():
        print(f"inside:  (a ** 2).requires_grad = {(a ** 2).requires_grad}")
    print(f"outside: (a ** 2).requires_grad = {(a ** 2).requires_grad}")

    say.section("Why: the weight update stays out of the graph", "이유: 가중치 갱신은 그래프 밖에서 한다")
    say("Fit y = w * x with x = 1 and y = 2; the update runs under no_grad.",
        "x = 1, y = 2 로 y = w * x 를 맞춘다. 갱신은 no_grad 안에서 한다.")
    x = torch.tensor(1.0)
    y = torch.tensor(2.0)
    w = torch.tensor(1.0, requires_grad=True)
    losses = []
    for epoch in range(50):
        loss = (w * x - y) ** 2
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()  # lesson 4 shows why
        losses.append(loss.item())
        if epoch % 10 == 0:
            print(f"epoch {epoch + 1:2d}: w = {w.item():.3f}, loss = {loss.item():.8f}")
    print(w)
    return {"losses": losses, "graph": (z_graph, {"x": x_graph})}


if __name__ == "__main__":
    main()
