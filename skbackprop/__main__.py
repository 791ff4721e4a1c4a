"""Entry point of ``python -m skbackprop`` (same as the ``skbackprop`` command)."""

from skbackprop._compare import main

if __name__ == "__main__":
    raise SystemExit(main(prog="python -m skbackprop"))
