import torch

from lightning_port.data.batches import InMemoryBatches


def _batches(**options):
    values = torch.arange(103)
    return InMemoryBatches((values, values * 10), **options)


def test_batches_cover_every_sample_once_and_keep_the_partial_batch():
    loader = _batches(batch_size=10, shuffle=True, seed=3)
    batches = list(loader)
    assert len(batches) == len(loader) == 11
    assert len(batches[-1][0]) == 3  # Keras keeps the last partial batch
    seen = torch.cat([b[0] for b in batches])
    assert sorted(seen.tolist()) == list(range(103))
    assert all(torch.equal(x * 10, y) for x, y in batches)  # pairs stay aligned


def test_reshuffled_every_epoch_reproducibly():
    epoch = {"value": 0}
    loader = _batches(batch_size=103, shuffle=True, seed=3, epoch=lambda: epoch["value"])
    first = next(iter(loader))[0]
    epoch["value"] = 1
    second = next(iter(loader))[0]
    assert not torch.equal(first, second)
    epoch["value"] = 0
    assert torch.equal(first, next(iter(loader))[0])  # order is a function of (seed, epoch)


def test_unshuffled_batches_are_views_in_order():
    batches = list(_batches(batch_size=50, shuffle=False))
    assert batches[0][0].tolist() == list(range(50))


def test_ddp_shards_partition_evaluation_data_and_pad_training_data():
    evaluation = [torch.cat([b[0] for b in _batches(batch_size=7, shuffle=False, rank=r, world_size=2)]) for r in (0, 1)]
    assert sorted(torch.cat(evaluation).tolist()) == list(range(103))  # nothing counted twice
    training = [_batches(batch_size=7, shuffle=True, rank=r, world_size=2, pad_shards=True) for r in (0, 1)]
    assert len(training[0]) == len(training[1])  # equal step counts, or DDP would hang
    assert training[0].shard_size == training[1].shard_size == 52
