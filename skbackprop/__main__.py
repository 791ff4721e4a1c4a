"""Entry point of ``python -m skbackprop``."""

from skbackprop._compare import main

if __name__ == "__main__":
    raise SystemExit(main())
