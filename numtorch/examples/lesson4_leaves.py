"""Lesson 4: leaf tensors, and gradients that add up until you zero them.

Tensors you create are leaves; tensors made by ops are not, and carry a ``grad_fn``. ``backward()``
stores gradients in the leaves' ``.grad`` and *adds* to what is there, so a training loop clears them
with ``grad.zero_()`` (or ``optimizer.zero_grad()``). After ``x = x - lr * x.grad`` the new ``x`` is not a
leaf: ``x.detach_()`` makes it one in place, while ``x.detach()`` returns a new tensor and leaves ``x`` as is.
"""

from __future__ import annotations

import numtorch as torch
from numtorch.examples._say import Narrator

TITLE = {"en": "Lesson 4: leaf tensors and gradient accumulation",
         "ko": "4강: 리프 텐서와 기울기 누적"}


def main(lang: str = "en") -> dict:
    say = Narrator(lang)
    torch.manual_seed(0)
    say.title(TITLE)

    say.section("Leaves and non-leaves", "리프 텐서와 리프가 아닌 텐서")
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x1 = x + 2
    y = (x1 * x1).sum()
    say("x was created by us: a leaf. x1 and y were made by ops: they have a grad_fn.",
        "x는 직접 만든 텐서라서 리프다. x1과 y는 연산으로 만들어져 grad_fn이 있다.")
    print(f"x.is_leaf = {x.is_leaf}, x1.is_leaf = {x1.is_leaf}, y.is_leaf = {y.is_leaf}")
    print(f"x1.grad_fn: {x1.grad_fn.name()}, y.grad_fn: {y.grad_fn.name()}")
    y_graph, x_graph = y, x
    y.backward()
    say("backward() fills .grad of the leaves only: dy/dx = 2 * (x + 2):",
        "backward()는 리프 텐서의 .grad만 채운다. dy/dx = 2 * (x + 2):")
    print(x.grad)
    say("To keep the gradient of a non-leaf, call retain_grad() before backward():",
        "리프가 아닌 텐서의 기울기를 남기려면 backward() 전에 retain_grad()를 부른다:")
    x1 = x + 2
    x1.retain_grad()
    (x1 * x1).sum().backward()
    print(x1.grad)
    say("And look at x.grad now: the second backward() added to the first one.",
        "이제 x.grad를 보자. 두 번째 backward()가 첫 번째 값에 더해졌다.")
    print(x.grad)

    say.section("Gradients accumulate", "기울기는 누적된다")
    w = torch.tensor(4.0, requires_grad=True)
    grads = []
    for _ in range(3):
        z = 2 * w
        z.backward()
        grads.append(w.grad.item())
        print(w.grad)
    say("dz/dw is 2 each time, but w.grad reads 2, 4, 6. Zero it before the next backward():",
        "dz/dw는 매번 2인데 w.grad는 2, 4, 6이 된다. 다음 backward() 전에 0으로 만든다:")
    w.grad.zero_()
    z = 2 * w
    z.backward()
    print(w.grad)

    say.section("detach() or detach_()?", "detach()일까 detach_()일까")
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    (p ** 2).sum().backward()
    p = p - 0.1 * p.grad
    say("After p = p - lr * p.grad, p was made by an op: not a leaf.",
        "p = p - lr * p.grad 뒤의 p는 연산의 결과라서 리프가 아니다.")
    print(f"p.is_leaf = {p.is_leaf}, p.grad_fn: {p.grad_fn.name()}")
    p.detach()
    say("p.detach() returns a new tensor; p itself is unchanged:",
        "p.detach()는 새 텐서를 돌려줄 뿐 p는 그대로다:")
    print(f"p.is_leaf = {p.is_leaf}")
    p.detach_()
    p.requires_grad_(True)
    say("p.detach_() cuts p from the graph in place; with requires_grad_(True) it is a fresh leaf:",
        "p.detach_()는 p를 그 자리에서 그래프에서 떼어낸다. requires_grad_(True)로 새 리프가 된다:")
    print(f"p.is_leaf = {p.is_leaf}")
    print(p)
    return {"accumulated_grads": grads, "graph": (y_graph, {"x": x_graph})}


if __name__ == "__main__":
    main()
