"""Every model: shapes, the meta device, gradient flow, no leakage, smoke training,
determinism; and the equivalences that must hold exactly."""

import pytest
import torch
from torch import nn
from toy import H, L, full_spec, toy_data

import covtut
from covtut.models import MODELS, build_model
from covtut.models.attention import left_to_right_padding, right_to_left_padding
from covtut.models.gated_gru import CovariateGRUCell

VARIANTS = [(name, cell) for name in MODELS for cell in ("lstm", "gru")]
VARIANTS += [("encoder_decoder", "ar"), ("encoder_decoder", "lags"), ("gated_gru", "ea")]
HEADS = ["linear", "mlp"]


def make(name: str, variant: str, spec, **kw):
    if variant == "ar":
        return build_model(name, spec, autoregressive=True, teacher_forcing=0.5, **kw)
    if variant == "ea":
        return build_model(name, spec, static_gate_only=True, **kw)
    if variant == "lags":
        lags = (spec.horizon, spec.lookback) if spec.lookback >= spec.horizon else ()
        return build_model(name, spec, lags=lags, skip_inputs=True, **kw)
    return build_model(name, spec, cell=variant, **kw)


@pytest.mark.parametrize("name, variant", VARIANTS)
@pytest.mark.parametrize("head", HEADS)
def test_forward_shape(name, variant, head, spec):
    model = make(name, variant, spec, head=head, num_layers=2)
    out = model(covtut.Batch.random(spec, batch_size=5))
    assert out.shape == (5, H, 1)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name, variant", VARIANTS)
@pytest.mark.parametrize("encoding", ["embedding", "onehot", "code"])
def test_meta_device(name, variant, encoding, spec):
    """A tensor created on the CPU inside forward fails here, as it would on a GPU."""
    model = make(name, variant, spec, cat_encoding=encoding).to("meta")
    model.train()  # teacher forcing and dropout paths too
    out = model(covtut.Batch.random(spec, batch_size=3, device="meta"))
    assert out.device.type == "meta" and out.shape == (3, H, 1)


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_meta_device_without_covariates(name, variant):
    spec = covtut.CovariateSpec(lookback=L, horizon=H)
    model = make(name, variant, spec).to("meta")
    assert model(covtut.Batch.random(spec, 2, device="meta")).shape == (2, H, 1)


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_gradient_reaches_every_input_path(name, variant, spec):
    """Every parameter gets a finite gradient, and the covariate layers a non-zero one."""
    torch.manual_seed(0)
    model = make(name, variant, spec, num_layers=2)
    model.train()
    batch = covtut.Batch.random(spec, batch_size=8)
    # paths that start at zero (the static gate, FiLM's identity init) get a value, so
    # that a gradient can flow back through them to the embeddings
    if name == "gated_gru":
        nn.init.normal_(model.cell.weight_sz)
    if name == "film":
        for film in model.films:
            nn.init.normal_(film.proj.weight)
    loss = nn.functional.mse_loss(model(batch), batch.future_target)
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{pname} gets no gradient"
        assert torch.isfinite(p.grad).all(), pname
    emb = model.inputs.static_cat.embeddings[0].weight.grad
    assert emb.abs().sum() > 0, "static categorical embedding gets no gradient"
    assert model.inputs.known_cat.embeddings[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_no_leakage(name, variant, spec):
    model = make(name, variant, spec)
    ds = covtut.WindowDataset(toy_data(), L, H)
    covtut.check_no_leakage(model, ds, n_windows=3)


class Cheater(nn.Module):
    """A model that reads the target it is asked to forecast."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))

    def forward(self, batch):
        return batch.future_target * self.w


def test_leakage_check_catches_a_cheater(spec):
    ds = covtut.WindowDataset(toy_data(), L, H)
    with pytest.raises(covtut.LeakageError, match="reads the target"):
        covtut.check_no_leakage(Cheater(), ds)


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_one_epoch_smoke_training(name, variant):
    data = toy_data(n_series=4, n_steps=40)
    spec = full_spec()
    split = covtut.chronological_split(40, L, H, val_frac=0.25, test_frac=0.2)
    train = covtut.WindowDataset(data, L, H, split.train)
    val = covtut.WindowDataset(data, L, H, split.val)
    model = make(name, variant, spec)
    result = covtut.fit(model, train, val, epochs=1, batch_size=16, device="cpu")
    assert len(result.train_loss) == 1 and result.steps > 0
    assert torch.isfinite(torch.tensor(result.val_loss)).all()


def test_training_reduces_loss():
    syn = covtut.make_regime("additive", n_series=16, n_steps=200)
    split = covtut.chronological_split(200, 24, 6)
    scaler = covtut.SeriesScaler().fit(syn.data, split.train_end)
    data = scaler.transform(syn.data)
    train = covtut.WindowDataset(data, 24, 6, split.train)
    model = build_model("concat", train.spec)
    r = covtut.fit(model, train, epochs=4, device="cpu")
    assert r.train_loss[-1] < 0.7 * r.train_loss[0]


def test_l1_loss_trains_and_scores_validation_with_the_same_loss():
    syn = covtut.make_regime("additive", n_series=8, n_steps=120)
    split = covtut.chronological_split(120, 24, 6)
    data = covtut.SeriesScaler().fit(syn.data, split.train_end).transform(syn.data)
    train = covtut.WindowDataset(data, 24, 6, split.train)
    val = covtut.WindowDataset(data, 24, 6, split.val)
    r = covtut.fit(build_model("concat", train.spec), train, val, epochs=2, device="cpu",
                   loss="l1")
    from covtut.training.trainer import validation_loss
    assert validation_loss(r.model, val, 128, "l1") == pytest.approx(r.val_loss[r.best_epoch],
                                                                 rel=1e-5)
    l1, mse = validation_loss(r.model, val, 128, "l1"), validation_loss(r.model, val, 128)
    assert l1 != pytest.approx(mse)
    with pytest.raises(ValueError, match=r"fit\(loss='huber'\): expected one of \['l1', 'mse'\]"):
        covtut.fit(build_model("concat", train.spec), train, loss="huber")


def test_same_seed_same_loss_curve():
    data = toy_data(n_series=4, n_steps=50)
    split = covtut.chronological_split(50, L, H, val_frac=0.2, test_frac=0.2)
    train = covtut.WindowDataset(data, L, H, split.train)
    val = covtut.WindowDataset(data, L, H, split.val)
    curves = []
    for seed in (3, 3, 4):
        model = build_model("film", full_spec())
        r = covtut.fit(model, train, val, epochs=3, batch_size=8, seed=seed, device="cpu")
        curves.append(r.train_loss + r.val_loss)
    assert curves[0] == curves[1]
    assert curves[0] != curves[2]


def test_gated_cell_equals_nn_gru_without_covariates():
    torch.manual_seed(0)
    gru = nn.GRU(5, 8, batch_first=True)
    cell = CovariateGRUCell(5, 8, cond_size=3)
    cell.load_gru(gru)
    x, s = torch.randn(4, 10, 5), torch.randn(4, 3)
    ours, _ = cell(x, s)
    ref, _ = gru(x)
    assert (ours - ref).abs().max() < 1e-6


def test_gated_gru_model_equals_gru_concat_without_statics():
    spec = covtut.CovariateSpec(lookback=L, horizon=H, n_known=2)
    batch = covtut.Batch.random(spec, 4)
    torch.manual_seed(0)
    ref = build_model("late_fusion", spec, cell="gru")
    ours = build_model("gated_gru", spec)
    ours.cell.load_gru(ref.rnn)
    ours.head.load_state_dict(ref.head.state_dict())
    assert torch.allclose(ours(batch), ref(batch), atol=1e-6)


def test_static_gate_changes_the_update_gate():
    spec = full_spec()
    model = build_model("gated_gru", spec)
    batch = covtut.Batch.random(spec, 4)
    before = model.gates(batch)
    nn.init.normal_(model.cell.weight_sz)
    assert not torch.allclose(before, model.gates(batch))


def test_film_starts_as_identity_and_learns_to_modulate():
    spec = full_spec()
    model = build_model("film", spec)
    film = model.films[0]
    h, s = torch.randn(3, L, 32), torch.randn(3, model.inputs.static_features)
    assert torch.equal(film(h, s), h)  # gamma = 1, beta = 0 at initialisation
    covtut.fit(model, covtut.WindowDataset(toy_data(), L, H), epochs=1, device="cpu")
    assert not torch.allclose(model.films[0](h, s), h)  # training moved it


def test_init_state_depends_on_statics():
    spec = full_spec()
    model = build_model("init_state", spec)
    b = covtut.Batch.random(spec, 4)
    b2 = b.replace(static=b.static + 1)
    assert not torch.allclose(model(b), model(b2))


def test_attention_mask_ignores_padding():
    """A window left-padded with garbage forecasts exactly as its unpadded self."""
    torch.manual_seed(0)
    short = covtut.CovariateSpec(lookback=6, horizon=H, n_known=2, n_static=1)
    long = covtut.CovariateSpec(lookback=10, horizon=H, n_known=2, n_static=1)
    m_short, m_long = build_model("attention", short), build_model("attention", long)
    m_long.load_state_dict(m_short.state_dict())
    b = covtut.Batch.random(short, 3)
    pad = 4

    def padded(x, t):  # garbage in front of the lookback
        junk = torch.randn(x.shape[0], pad, *x.shape[2:]) * 100
        return torch.cat([junk.to(x.dtype), x], dim=1) if t else x

    bl = b.replace(past_target=padded(b.past_target, 1), past_observed=padded(b.past_observed, 1),
                   known=padded(b.known, 1),
                   known_cat=torch.cat([torch.zeros(3, pad, 0, dtype=torch.long),
                                        b.known_cat], dim=1),
                   lengths=torch.full((3,), 6))
    assert torch.allclose(m_short(b), m_long(bl), atol=1e-5)
    w = m_long.attention_weights(bl)
    assert (w[:, :pad] == 0).all() and torch.allclose(w.sum(1), torch.ones(3))


def test_padding_round_trip():
    x = torch.arange(2 * 5).float().view(2, 5, 1)
    lengths = torch.tensor([3, 5])
    y = left_to_right_padding(x, lengths)
    assert y[0, :3, 0].tolist() == [2.0, 3.0, 4.0]
    assert torch.equal(right_to_left_padding(y, lengths), x)


def test_teacher_forcing_only_in_training():
    spec = covtut.CovariateSpec(lookback=L, horizon=H, n_known=1)
    model = build_model("encoder_decoder", spec, autoregressive=True, teacher_forcing=1.0)
    b = covtut.Batch.random(spec, 3)
    model.eval()
    a = model(b)
    assert torch.equal(a, model(b.replace(future_target=b.future_target * 10)))
    model.train()
    assert not torch.equal(model(b), model(b.replace(future_target=b.future_target * 10)))


def test_leakage_check_catches_a_leaky_pipeline():
    """A bad join that shifts an observed covariate early leaks; the check sees it when
    handed the pipeline, even though every model here is honest."""
    data = toy_data()
    model = build_model("concat", full_spec())
    ds = covtut.WindowDataset(data, L, H, origins=[30, 40])

    def leaky(d, s, o):
        shifted = d.replace(observed=d.observed.roll(-H, dims=1))  # the future, early
        return covtut.WindowDataset(shifted, L, H, origins=[o], series=[s]).batch()

    covtut.check_no_leakage(model, ds)  # the shifted data alone looks fine...
    with pytest.raises(covtut.LeakageError, match="from the origin on changed"):
        covtut.check_no_leakage(model, ds, data=data, make_batch=leaky)


def test_scheduled_sampling_restarts_with_each_fit():
    data = toy_data(n_series=4, n_steps=40)
    ds = covtut.WindowDataset(data, L, H)
    model = build_model("encoder_decoder", full_spec(), autoregressive=True,
                        teacher_forcing=1.0, teacher_forcing_steps=10)
    r = covtut.fit(model, ds, epochs=1, batch_size=8, device="cpu")
    assert model.clock.steps == r.steps > 0
    assert model.teacher_forcing_probability() < 1.0
    covtut.fit(model, ds, epochs=1, batch_size=8, max_steps=1, device="cpu")
    assert model.clock.steps == 1  # the schedule started again


def test_feedback_is_the_forecast_in_eval_mode():
    spec = full_spec()
    model = build_model("encoder_decoder", spec, autoregressive=True, teacher_forcing=1.0)
    b = covtut.Batch.random(spec, 3)
    y = torch.randn(3, 1)
    model.eval()
    assert model.feedback(y, b, 0, 1.0) is y
    model.train()
    assert torch.equal(model.feedback(y, b, 2, 1.0), b.future_target[:, 2])
    with pytest.raises(ValueError, match="teacher_forcing is a probability"):
        build_model("encoder_decoder", spec, autoregressive=True, teacher_forcing=1.5)


def test_leakage_check_on_a_readers_batch(spec):
    batch = covtut.Batch.random(spec, 4)
    covtut.check_no_leakage(build_model("concat", spec), batch)
    with pytest.raises(covtut.LeakageError, match="a window of the batch changed"):
        covtut.check_no_leakage(Cheater(), batch)


def test_lags_read_the_lookback_values_m_steps_before_each_horizon_step():
    spec = full_spec()
    model = build_model("encoder_decoder", spec, lags=(H, L))
    batch = covtut.Batch.random(spec, batch_size=2)
    lagged = model.lagged_inputs(batch)  # (B, H, 2 * (1 + n_known))
    width = 1 + spec.n_known
    assert lagged.shape == (2, H, 2 * width)
    for k in range(H):
        assert torch.equal(lagged[:, k, 0], batch.past_target[:, L - H + k, 0])
        assert torch.equal(lagged[:, k, 1:width], batch.known[:, L - H + k])
        assert torch.equal(lagged[:, k, width], batch.past_target[:, k, 0])
        assert torch.equal(lagged[:, k, width + 1:], batch.known[:, k])


@pytest.mark.parametrize("lag", [H - 1, L + 1])
def test_lags_outside_the_lookback_are_refused(lag):
    with pytest.raises(ValueError, match=f"lag {lag} must lie in \\[horizon={H}, lookback={L}\\]"):
        build_model("encoder_decoder", full_spec(), lags=(lag,))


def test_encoder_steps_reads_only_the_last_steps():
    spec = full_spec()
    model = build_model("encoder_decoder", spec, encoder_steps=3).eval()
    batch = covtut.Batch.random(spec, batch_size=2)
    early = batch.past_target.clone()
    early[:, :L - 3] += 100.0  # steps the encoder does not read
    with torch.no_grad():
        assert torch.equal(model(batch), model(batch.replace(past_target=early)))
    with pytest.raises(ValueError, match="encoder_steps=0 must lie in"):
        build_model("encoder_decoder", spec, encoder_steps=0)


def test_selection_weights_are_a_softmax_over_the_variables():
    spec = full_spec()
    model = build_model("variable_selection", spec)
    n = torch.tensor([L, 5, 1])
    batch = covtut.Batch.random(spec, 3).replace(lengths=n, lengths_cpu=n)
    past, future = model.selection_weights(batch)
    past_names, future_names = model.variable_names()
    assert past_names[:3] == ["target[0]", "observed[0]", "observed[1]"]
    assert future_names == ["known[0]", "known[1]", "known[2]", "known_cat[0]", "known_cat[1]"]
    assert past.shape == (3, L, len(past_names)) == (3, L, 1 + 2 + 3 + 2)
    assert future.shape == (3, H, len(future_names))
    assert (past >= 0).all() and (future >= 0).all()
    valid = torch.arange(L)[None, :] >= (L - n)[:, None]  # (B, L)
    assert torch.allclose(past.sum(-1)[valid], torch.ones(int(valid.sum())))
    assert (past[~valid] == 0).all()  # padded steps carry no weight
    assert torch.allclose(future.sum(-1), torch.ones(3, H))


def test_selection_weights_depend_on_the_statics():
    spec = full_spec()
    model = build_model("variable_selection", spec)
    b = covtut.Batch.random(spec, 4)
    past, future = model.selection_weights(b)
    for changed in (b.replace(static=b.static + 1), b.replace(static_cat=(b.static_cat + 1) % 7)):
        past2, future2 = model.selection_weights(changed)
        assert not torch.allclose(past, past2) and not torch.allclose(future, future2)


def test_variable_selection_parameters_stay_near_the_encoder_decoders():
    spec = covtut.make_regime("many_covariates", n_series=4, n_steps=60).data.spec(24, 6)

    def count(name):
        return sum(p.numel() for p in build_model(name, spec).parameters())
    assert count("variable_selection") < 1.3 * count("encoder_decoder")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_variable_selection_weighs_the_relevant_covariates(seed):
    """A short training on many_covariates puts, on average over the horizon, more than
    twice the weight on each step's relevant drivers than on its irrelevant ones."""
    syn = covtut.make_regime("many_covariates", n_series=32, n_steps=120, seed=0)
    split = covtut.chronological_split(120, L, H)
    data = covtut.SeriesScaler().fit(syn.data, split.train_end).transform(syn.data)
    train = covtut.WindowDataset(data, L, H, split.train)
    model = build_model("variable_selection", train.spec, hidden_size=16)
    covtut.fit(model, train, epochs=1000, max_steps=400, batch_size=64, device="cpu", seed=seed)
    with torch.no_grad():
        _, weights = model.eval().selection_weights(train.batch())  # (B, H, 3 + 24)
    weights = weights[..., syn.params["covariate_columns"]]  # (B, H, 24): the drivers
    steps = train.origin_index[:, None] + torch.arange(H)  # (B, H)
    state = torch.as_tensor(syn.params["state"])[train.series_index[:, None], steps]
    relevant = syn.params["relevance"][state] > 0  # (B, H, 24)
    on_relevant = weights[relevant].mean()
    on_irrelevant = weights[~relevant].mean()
    assert on_relevant > 2 * on_irrelevant, (float(on_relevant), float(on_irrelevant))
