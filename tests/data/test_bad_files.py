"""Every malformed data file gives one DataError line naming the file (and where it applies, the
line or byte), never a numpy/pickle traceback or a silently wrong data set."""

import gzip
import pickle
import shutil
import struct

import numpy as np
import pytest

from lightning_port.data.cifar10 import load_cifar10, read_batch
from lightning_port.data.errors import DataError
from lightning_port.data.mnist import load_mnist, read_idx
from lightning_port.data.pima import load_pima, parse_pima_csv


def _idx_images(count=3, rows=28, columns=28, magic=0x00000803, payload=None):
    header = struct.pack(">IIII", magic, count, rows, columns)
    return header + (payload if payload is not None else bytes(count * rows * columns))


def _idx_labels(labels, magic=0x00000801):
    return struct.pack(">II", magic, len(labels)) + bytes(labels)


@pytest.fixture
def mnist_root(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix in ("train", "t10k"):
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(_idx_images())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(_idx_labels([1, 2, 3]))
    return tmp_path


def _assert_one_line(error, *fragments):
    message = str(error.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_well_formed_crafted_mnist_loads(mnist_root):
    (train_images, train_labels), _ = load_mnist(mnist_root)
    assert train_images.shape == (3, 28, 28) and train_labels.tolist() == [1, 2, 3]


def test_gzip_idx_files_are_read(mnist_root):
    raw = mnist_root / "MNIST" / "raw"
    for path in list(raw.iterdir()):
        with gzip.open(f"{path}.gz", "wb") as handle:
            handle.write(path.read_bytes())
        path.unlink()
    (train_images, _), _ = load_mnist(mnist_root)
    assert train_images.shape == (3, 28, 28)


@pytest.mark.parametrize(
    "content, fragments",
    [
        (_idx_images(magic=0x00000801), ["train-images-idx3-ubyte", "magic number 0x00000801 at byte 0", "expected 0x00000803"]),
        (_idx_images()[:-10], ["train-images-idx3-ubyte", "truncated or corrupt", "2368 bytes"]),
        (_idx_images(count=4, payload=bytes(3 * 28 * 28)), ["header says shape (4, 28, 28)", "truncated or corrupt"]),
        (b"\x00\x00", ["too short for an IDX header"]),
        (_idx_images(rows=27, columns=29, payload=bytes(3 * 27 * 29)), ["images are (27, 29), expected (28, 28)"]),
    ],
)
def test_corrupt_mnist_image_file(mnist_root, content, fragments):
    (mnist_root / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(content)
    with pytest.raises(DataError) as error:
        load_mnist(mnist_root)
    _assert_one_line(error, *fragments)


def test_mnist_label_out_of_range_names_the_byte(mnist_root):
    (mnist_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_bytes(_idx_labels([1, 12, 3]))
    with pytest.raises(DataError) as error:
        load_mnist(mnist_root)
    _assert_one_line(error, "t10k-labels-idx1-ubyte", "label 12 at byte 9", "out of range 0-9")


def test_mnist_label_count_mismatch(mnist_root):
    (mnist_root / "MNIST" / "raw" / "train-labels-idx1-ubyte").write_bytes(_idx_labels([1, 2]))
    with pytest.raises(DataError) as error:
        load_mnist(mnist_root)
    _assert_one_line(error, "2 labels for 3 images")


def test_corrupt_gzip(mnist_root):
    raw = mnist_root / "MNIST" / "raw"
    (raw / "train-images-idx3-ubyte").unlink()
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08not really gzip")
    with pytest.raises(DataError) as error:
        load_mnist(mnist_root)
    _assert_one_line(error, "train-images-idx3-ubyte.gz", "cannot read")


def test_missing_data_offline_names_directory_files_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTNING_PORT_OFFLINE", "1")
    (tmp_path / "MNIST" / "raw").mkdir(parents=True)
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(_idx_images())
    with pytest.raises(DataError) as error:
        load_mnist(tmp_path)
    _assert_one_line(error, str(tmp_path / "MNIST" / "raw"), "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "--data-dir", "network access")
    assert "missing train-images" not in str(error.value)  # only what is actually missing


def test_missing_root_for_every_data_set(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTNING_PORT_OFFLINE", "1")
    for loader, names in ((load_mnist, "train-images-idx3-ubyte"), (load_cifar10, "data_batch_1"), (load_pima, "pima-indians-diabetes.csv")):
        with pytest.raises(DataError) as error:
            loader(tmp_path / "nowhere")
        _assert_one_line(error, "nowhere", names, "--data-dir")


def _cifar_batch(data=None, labels=None):
    data = np.zeros((4, 3072), dtype=np.uint8) if data is None else data
    return {b"data": data, b"labels": [0, 1, 2, 3] if labels is None else labels, b"batch_label": b"x"}


@pytest.mark.parametrize(
    "payload, fragments",
    [
        (b"this is not a pickle", ["not a CIFAR-10 python pickle batch"]),
        (pickle.dumps(_cifar_batch()), []),
        (pickle.dumps({b"data": np.zeros((4, 3072), dtype=np.uint8)}), ["has no labels entry"]),
        (pickle.dumps({b"labels": [1]}), ["has no data entry"]),
        (pickle.dumps([1, 2, 3]), ["expected a pickled dict"]),
        (pickle.dumps(_cifar_batch(data=np.zeros((4, 100), dtype=np.uint8))), ["'data' is uint8 (4, 100), expected uint8 (N, 3072)"]),
        (pickle.dumps(_cifar_batch(labels=[0, 1, 2, 10])), ["label 10 of image 3 is out of range 0-9"]),
        (pickle.dumps(_cifar_batch(labels=[0, 1])), ["2 labels for 4 images"]),
        (pickle.dumps(_cifar_batch())[:50], ["not a CIFAR-10 python pickle batch"]),
    ],
)
def test_bad_cifar_batches(tmp_path, payload, fragments):
    path = tmp_path / "data_batch_1"
    path.write_bytes(payload)
    if not fragments:
        images, labels = read_batch(path)
        assert images.shape == (4, 32, 32, 3) and labels.tolist() == [0, 1, 2, 3]
        return
    with pytest.raises(DataError) as error:
        read_batch(path)
    _assert_one_line(error, str(path), *fragments)


def test_cifar_pickle_cannot_run_code(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (shutil.rmtree, (str(tmp_path / "victim"),))

    (tmp_path / "victim").mkdir()
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Exploit(), b"labels": []}))
    with pytest.raises(DataError) as error:
        read_batch(path)
    assert (tmp_path / "victim").exists()
    _assert_one_line(error, "refusing to load shutil.rmtree")


GOOD_ROW = "6,148,72,35,0,33.6,0.627,50,1"


@pytest.mark.parametrize(
    "text, fragments",
    [
        (f"{GOOD_ROW}\n1,85,66,29,0,26.6,0.351,31\n", [":2:", "expected 9 comma-separated values", "found 8"]),
        (f"{GOOD_ROW}\n1,85,66,29,0,26.6,0.351,31,0,7\n", [":2:", "found 10"]),
        (f"{GOOD_ROW}\n{GOOD_ROW}\n1,85,abc,29,0,26.6,0.351,31,0\n", [":3:", "column 3 is 'abc'"]),
        (f"{GOOD_ROW}\n1,85,,29,0,26.6,0.351,31,0\n", [":2:", "column 3 is an empty field"]),
        (f"{GOOD_ROW}\n1,85,66,29,0,26.6,0.351,31,2\n", [":2:", "label (column 9) is 2"]),
        (f"{GOOD_ROW}\n1,85,66,29,nan,26.6,0.351,31,0\n", [":2:", "column 5 is 'nan'"]),
        ("", ["no data rows"]),
    ],
)
def test_bad_pima_rows_name_file_and_line(tmp_path, text, fragments):
    path = tmp_path / "pima-indians-diabetes.csv"
    path.write_text(text)
    with pytest.raises(DataError) as error:
        parse_pima_csv(path)
    _assert_one_line(error, str(path), *fragments)


def test_pima_header_row_is_recognised_and_skipped(tmp_path, data_dir):
    header = "Pregnancies,Glucose,BloodPressure,SkinThickness,Insulin,BMI,DiabetesPedigreeFunction,Age,Outcome"
    original = (data_dir / "pima-indians-diabetes.csv").read_text()
    path = tmp_path / "pima-indians-diabetes.csv"
    path.write_text(header + "\n" + original + "\n\n")
    features, labels = parse_pima_csv(path)
    expected_features, expected_labels = parse_pima_csv(data_dir / "pima-indians-diabetes.csv")
    np.testing.assert_array_equal(features, expected_features)
    np.testing.assert_array_equal(labels, expected_labels)


def test_read_idx_rejects_wrong_kind(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(_idx_labels([1, 2]))
    with pytest.raises(DataError, match="not an MNIST IDX image file"):
        read_idx(path, 3)
