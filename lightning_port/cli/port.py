"""``python scripts/port.py MODEL.keras``: any Keras Sequential model -> a Lightning checkpoint,
a recipe module that reads like the tutorials', and a parity report against the live model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lightning_port.run import arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="port.py",
        description="Port a Keras 3 Sequential model (.keras) to PyTorch Lightning and measure its parity with the live model.",
    )
    parser.add_argument("model", help="a Keras 3 model file saved with model.save('NAME.keras')")
    parser.add_argument("--output", help="the folder to write (default: ported/<NAME>); it must not hold files")
    parser.add_argument("--data", help="an .npz of inputs (x_test, x_train or x) and optionally targets (y_...) to measure on; default: seeded synthetic inputs")
    parser.add_argument("--samples", type=arguments.positive_int, default=1_000, help="samples for the forward comparison (default: 1000)")
    parser.add_argument(
        "--standalone", action="store_true",
        help="also write the port as plain Lightning code (OUTPUT/lightning/: torch, lightning, torchmetrics and numpy only) "
        "and prove it is the port: outputs and training steps against the framework, parity against live Keras",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    output = Path(args.output or Path("ported") / Path(args.model).stem)

    from keras_reference.backend import BackendError, default_backend, select_backend

    try:
        select_backend(default_backend())
    except BackendError as error:
        print(f"port.py: error: {error}", file=sys.stderr)
        return 1
    from lightning_port.data.errors import DataError
    from lightning_port.porting.port import CHECKPOINT_FILE, RECIPE_FILE, PortError, port_model

    try:
        report = port_model(args.model, output, data=args.data, samples=args.samples, standalone=args.standalone)
    except (PortError, DataError) as error:
        print(f"port.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nport.py: interrupted; nothing was written to {output}", file=sys.stderr)
        return 130
    print(f"{report['recipe']['name']}: {len(report['recipe']['layers'])} layers, {report['recipe']['parameter_count']:,} parameters")
    for row in report["parity"]:
        if row["port_error"] is None:
            print(f"  {row['quantity']}: {row['note']}")
        else:
            verdict = "passed" if row["passed"] else "FAILED"
            print(f"  {row['quantity']}: port {row['port_error']:.2e}, Keras {row['keras_error']:.2e}, float64 difference {row['float64_difference']:.1e}: {verdict}")
    print(f"  architecture: {'matches' if not report['architecture']['differences'] else 'DIFFERS: ' + '; '.join(report['architecture']['differences'])}")
    standalone = report.get("standalone")
    if standalone:
        print(f"  standalone Lightning code ({output / standalone['folder']}/): {'passed' if standalone['passed'] else 'FAILED'}")
        for line in standalone["lines"]:
            print(f"    {line}")
    print(f"wrote {output}/: {RECIPE_FILE}, {CHECKPOINT_FILE}, report.md, report.html, parity.json" + (f", {standalone['folder']}/" if standalone else ""))
    print(f"  predict: python scripts/predict.py --checkpoint {output / CHECKPOINT_FILE}")
    print(f"  train:   python scripts/train.py --recipe {output / RECIPE_FILE} --weights {output / CHECKPOINT_FILE}")
    if standalone:
        print(f"  or, with Lightning alone: cd {output / standalone['folder']} && python train.py --weights weights.ckpt")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
