"""Lesson 5: optim.SGD trains a linear model, first with bare tensors, then as an nn.Module.

An optimizer is built once with the parameters and a learning rate; each training step is
``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. An ``nn.Module`` holding an
``nn.Linear`` owns its parameters, so ``model.parameters()`` is all the optimizer needs.
"""

from __future__ import annotations

import numtorch as torch
import numtorch.nn.functional as F
from numtorch import nn, optim
from numtorch.examples._say import Narrator

TITLE = {"en": "Lesson 5: optim.SGD on a linear model",
         "ko": "5강: 선형 모델에 optim.SGD 적용하기"}

EPOCHS = 300


class LinearRegressionModel(nn.Module):
    """H(x) = x W^T + b, in one nn.Linear layer."""

    def __init__(self, input_dim: int, output_dim: int):
        super().__init__()
        self.linear = nn.Linear(input_dim, output_dim)

    def forward(self, x):
        return self.linear(x)


def main(lang: str = "en") -> dict:
    say = Narrator(lang)
    torch.manual_seed(0)
    say.title(TITLE)

    x_train = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    y_train = 2 * x_train + 1  # the line to find: y = 2x + 1
    say("The data lie on the line y = 2x + 1.", "데이터는 직선 y = 2x + 1 위에 있다.")

    say.section("Bare tensors W and b", "텐서 W와 b로")
    W = torch.rand(1, 1, requires_grad=True)
    b = torch.rand(1, requires_grad=True)
    optimizer = optim.SGD([W, b], lr=0.1)
    say("Each step: zero_grad() clears the gradients, backward() computes them, step() updates W and b.",
        "매 단계: zero_grad()로 기울기를 비우고, backward()로 구하고, step()으로 W와 b를 갱신한다.")
    for epoch in range(EPOCHS + 1):
        prediction = torch.matmul(x_train, W) + b
        loss = F.mse_loss(prediction, y_train)
        if epoch % 100 == 0:
            print(f"epoch {epoch:3d}/{EPOCHS}: W = {W.item():.4f}, b = {b.item():.4f}, loss = {loss.item():.4e}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    say.section("The same model as an nn.Module", "같은 모델을 nn.Module로")
    model = LinearRegressionModel(1, 1)
    print(model)
    say("nn.Linear made and initialised its own parameters:", "nn.Linear가 자기 파라미터를 만들고 초기화했다:")
    for name, param in model.named_parameters():
        print(name, param)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for epoch in range(EPOCHS + 1):
        prediction = model(x_train)
        loss = F.mse_loss(prediction, y_train)
        losses.append(loss.item())
        if epoch % 100 == 0:
            print(f"epoch {epoch:3d}/{EPOCHS}: loss = {loss.item():.4e}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    say("The learned weight and bias, close to 2 and 1:", "학습된 가중치와 편향. 2와 1에 가깝다:")
    print(model.linear.weight)
    print(model.linear.bias)
    say("Prediction for x = 5 (no graph needed, so under no_grad):",
        "x = 5 에 대한 예측 (그래프가 필요 없으니 no_grad 안에서):")
    with torch.no_grad():
        print(model(torch.tensor([[5.0]])))
    return {"losses": losses, "weight": model.linear.weight.item(), "bias": model.linear.bias.item(),
            "graph": (loss, dict(model.named_parameters()))}


if __name__ == "__main__":
    main()
