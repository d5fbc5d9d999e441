"""``python -m forecastkit`` runs the command line."""

from forecastkit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
