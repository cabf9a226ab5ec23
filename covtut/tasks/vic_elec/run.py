"""The book's network for the task, one training run, and the full-budget benchmark.

Used by chapter "Day-ahead electricity demand": the chapter runs :data:`LIVE`;
``python -m covtut.tasks.vic_elec`` (``make benchmark``) runs :data:`CONFIG` and
:data:`PLAIN` over their seeds (:func:`full_run`) and commits the result.
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.evaluation import metrics
from covtut.models import ModelConfig
from covtut.models.encoder_decoder import EncoderDecoderRNN
from covtut.tasks.vic_elec.protocol import HORIZON, Task, prepare
from covtut.training.trainer import fit, predict

__all__ = ["CONFIG", "LIVE", "NAME", "PLAIN", "build_network", "full_config", "full_run",
           "naive_forecasts", "origin_mae", "run_network", "scores"]

#: The name of the committed result (``covtut/tasks/results/vic_elec.json``).
NAME = "vic_elec"


#: The full-budget configuration that ``python -m covtut.tasks.vic_elec`` runs. ``every``:
#: training origins every 8 half-hours (6 times the midnights, as the LightGBM peer's
#: "every 4th half-hour" does with 12 times); ``lags``: demand and temperature one day
#: and one week before each horizon step; the encoder reads the last day only.
CONFIG = {
    "model": {"hidden_size": 64, "head": "mlp", "head_hidden": 64, "cell": "lstm",
              "lags": [48, 336], "skip_inputs": True, "encoder_steps": 48},
    "fit": {"epochs": 40, "batch_size": 128, "lr": 3e-3, "patience": 6, "loss": "l1"},
    "every": 8,
    "seeds": [0, 1, 2, 3, 4],
    "torch_threads": 1,
}

#: The chapter's live run, the same model on half the training origins (every 16
#: half-hours) and at most 20 epochs, three seeds, so that the page runs in minutes.
LIVE = {**CONFIG, "every": 16, "fit": {**CONFIG["fit"], "epochs": 20}, "seeds": [0, 1, 2]}

#: The same without the lags and the skip, that is the encoder-decoder of chapter 7,
#: which reads the whole week, with the same training budget; three seeds (its recurrence
#: over 336 steps makes each run about 5 minutes on one CPU thread).
PLAIN = {**CONFIG, "model": {**CONFIG["model"], "lags": [], "skip_inputs": False,
                             "encoder_steps": None}, "seeds": [0, 1, 2]}


def build_network(spec, model: dict) -> nn.Module:
    """The encoder-decoder of ``model`` (a ``CONFIG["model"]``) for ``spec``."""
    return EncoderDecoderRNN(
        spec, ModelConfig(hidden_size=model["hidden_size"], head=model["head"],
                          head_hidden=model["head_hidden"], cell=model["cell"]),
        lags=tuple(model["lags"]), skip_inputs=model["skip_inputs"],
        encoder_steps=model["encoder_steps"])


def naive_forecasts(task: Task, origins: torch.Tensor) -> dict[str, torch.Tensor]:
    """The protocol's two naive forecasts (MW, ``(n, H)``): the same half-hour one week
    earlier (``seasonal naive, weekly``) and one day earlier (``naive, previous day``)."""
    y = task.raw.target[0, :, 0]
    t = origins[:, None] + torch.arange(HORIZON)
    return {"seasonal naive, weekly": y[t - 336], "naive, previous day": y[t - 48]}


def scores(pred: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    """The protocol's metrics of forecasts ``(n, H)`` in MW: MAE, RMSE, MAPE (%)."""
    return {"mae": metrics.mae(pred, truth), "rmse": metrics.rmse(pred, truth),
            "mape": metrics.mape(pred, truth)}


def run_network(task: Task, config: dict, seed: int,
                device: torch.device | str | None = None) -> dict:
    """Train the network of ``config`` with ``seed``; score it on the test origins.

    Early stopping on the validation origins; no refit. ``device``: default
    :func:`covtut.get_device` (a GPU if there is one).

    Returns
    -------
    dict
        ``mae``, ``rmse``, ``mape`` (MW, %), ``seconds`` of training, ``steps``,
        ``best_epoch``, ``model`` (the trained module, on ``device``) and ``pred``, the
        test forecast ``(365, 48)`` in MW, on the CPU.
    """
    train = task.windows(task.train_origins(config["every"]))
    val, test = task.windows(task.split.val), task.windows(task.split.test)
    model = build_network(train.spec, config["model"])
    r = fit(model, train, val, seed=seed, device=device, **config["fit"])
    pred = task.scaler.inverse_target(predict(r.model, test))[..., 0]  # (365, 48) MW
    return {**scores(pred, task.truth(task.split.test)), "seconds": r.seconds,
            "steps": r.steps, "best_epoch": r.best_epoch, "model": r.model,
            "pred": pred.detach().cpu()}


def origin_mae(pred: torch.Tensor, truth: torch.Tensor) -> list[float]:
    """Each test origin's MAE over its 48 half-hours, MW: the per-origin losses that
    :func:`covtut.compare_forecasts` tests (their mean is the test MAE).

    Parameters
    ----------
    pred, truth : (n, 48) forecasts and actual demand, MW
    """
    return [round(float(v), 3) for v in (pred - truth).abs().mean(dim=1)]


def full_config() -> dict:
    """Everything the committed result depends on: both networks' configurations."""
    return {"best": CONFIG, "plain": PLAIN}


def full_run() -> dict:
    """Both networks over their seeds, with the seed-averaged forecast of each.

    Returns
    -------
    dict
        ``runs``: per network (``best``, ``plain``) and seed, the scores, times and the
        MAE of every test origin; ``ensembles``: the scores of the seed-averaged
        forecast; ``task``: the protocol page.
    """
    task = prepare()
    truth = task.truth(task.split.test)
    runs, ensembles = {}, {}
    for name, config in (("best", CONFIG), ("plain", PLAIN)):
        runs[name], preds = [], []
        for seed in config["seeds"]:
            r = run_network(task, config, seed)
            r.pop("model")
            preds.append(r.pop("pred"))
            runs[name].append({"seed": seed, **r, "origin_mae": origin_mae(preds[-1], truth)})
            print(f"{name} seed {seed}: MAE {r['mae']:.1f} MW, {r['seconds']:.0f} s", flush=True)
        mean = torch.stack(preds).mean(dim=0)  # the seed-averaged forecast, (365, 48) MW
        ensembles[name] = {**scores(mean, truth), "origin_mae": origin_mae(mean, truth)}
    return {"task": "book/protocol_vic_elec.md", "runs": runs, "ensembles": ensembles}
