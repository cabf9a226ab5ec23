"""covtut.book.glue writes what myst-nb reads, and shows the numbers where myst-nb is absent."""

from covtut.book import glue as glue_module
from covtut.book.glue import glue, glued_text


def test_glued_text_lists_every_value_and_wraps_between_items():
    items = [(f"model_{i}_rmse", 0.123456 + i) for i in range(12)]
    text = glued_text(items, width=60)
    assert text.startswith("glued for the text: model_0_rmse = 0.1235")
    assert all(len(line) <= 60 for line in text.splitlines())
    for name, value in items:  # no item is split across lines
        assert any(f"{name} = {value:.4g}" in line for line in text.splitlines())
    assert glued_text([("verdict", "beats")]) == "glued for the text: verdict = beats"


def test_glue_outside_a_notebook_prints_the_value(capsys, monkeypatch):
    # no shell (IPython's formatters create a singleton one once used: not a kernel)
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    glue("oracle_rmse", 0.3607)
    assert capsys.readouterr().out.strip() == "glued for the text: oracle_rmse = 0.3607"


def test_glue_in_a_kernel_writes_the_myst_nb_bundle(monkeypatch):
    shown, registered = [], []

    class Events:
        def register(self, event, callback):
            registered.append((event, callback))

    class Shell:
        events = Events()

    monkeypatch.setattr("IPython.get_ipython", lambda: Shell())
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw, metadata: shown.append((obj, metadata)))
    monkeypatch.setattr(glue_module, "_hooked", False)
    monkeypatch.setattr(glue_module, "_pending", [])
    glue("ratio", 1.05)
    bundle, metadata = shown[0]
    assert bundle == {"application/papermill.record/text/plain": "1.05"}
    assert metadata["scrapbook"] == {"name": "ratio",
                                     "mime_prefix": "application/papermill.record/"}
    assert registered and registered[0][0] == "post_execute"
    assert glue_module._pending == [("ratio", 1.05)]


def test_numpy_and_torch_scalars_are_glued_as_plain_numbers(capsys, monkeypatch):
    import numpy as np
    import torch

    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    glue("a", np.float64(0.25))
    glue("b", torch.tensor(3))
    glue("c", np.int64(7))
    out = capsys.readouterr().out.splitlines()
    assert out == ["glued for the text: a = 0.25", "glued for the text: b = 3",
                   "glued for the text: c = 7"]
