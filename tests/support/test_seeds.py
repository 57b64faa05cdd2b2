"""One place seeds every random stream: distinct streams, epochs and ranks never share a seed."""

import itertools

import pytest

from lightning_port.support.seeds import Stream, stream_seed


def test_streams_epochs_and_ranks_never_share_a_seed():
    seeds = {}
    for seed, stream, epoch, rank in itertools.product(range(20), Stream, range(60), range(4)):
        if stream is Stream.SHUFFLE and rank:
            continue
        value = stream_seed(seed, stream, epoch, rank)
        assert 0 <= value < 2**63
        assert value not in seeds, f"{(seed, stream.name, epoch, rank)} collides with {seeds[value]}"
        seeds[value] = (seed, stream.name, epoch, rank)


def test_the_old_overlap_is_gone():
    """seed * k + epoch (shuffle) and seed * k + epoch + 1 (dropout) made epoch e's dropout
    replay epoch e + 1's shuffle seed; the streams are now separate."""
    assert stream_seed(0, Stream.DROPOUT, 0) != stream_seed(0, Stream.SHUFFLE, 1)


def test_each_rank_draws_its_own_dropout_and_augmentation_but_shares_the_shuffle():
    assert stream_seed(3, Stream.DROPOUT, 2, rank=0) != stream_seed(3, Stream.DROPOUT, 2, rank=1)
    assert stream_seed(3, Stream.AUGMENTATION, 2, rank=0) != stream_seed(3, Stream.AUGMENTATION, 2, rank=1)
    with pytest.raises(ValueError, match="shared by all ranks"):
        stream_seed(3, Stream.SHUFFLE, 2, rank=1)


def test_a_stream_depends_only_on_its_inputs():
    """What makes a resumed run draw what the uninterrupted one would have."""
    assert stream_seed(7, Stream.AUGMENTATION, 4, 1) == stream_seed(7, Stream.AUGMENTATION, 4, 1)


def test_the_data_module_and_the_epoch_seeding_use_the_rank(data_dir):
    """Under DDP each rank seeds its augmentation and dropout streams with its own rank."""
    from types import SimpleNamespace

    import torch

    from lightning_port.data.datamodule import TutorialDataModule
    from lightning_port.training.callbacks import EpochSeeding
    from tests.helpers import definition

    draws = {}
    for rank in (0, 1):
        trainer = SimpleNamespace(current_epoch=2, global_rank=rank)
        datamodule = TutorialDataModule(definition("cifar_cnn", data_dir))
        datamodule.trainer = trainer
        augmentation = torch.rand(4, generator=datamodule._augmentation_generator(torch.device("cpu")))
        EpochSeeding(seed=0).on_train_epoch_start(trainer, torch.nn.Identity())  # Lightning passes the module: no random layers here
        draws[rank] = (augmentation, torch.rand(4))
    assert not torch.equal(draws[0][0], draws[1][0])
    assert not torch.equal(draws[0][1], draws[1][1])
