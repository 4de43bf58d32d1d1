"""`iac-check` and `python -m validator`: answer `--version` before loading the CLI.

typer and the command definitions take most of a start-up; the version line needs neither.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from .version import version_line

        print(version_line())
        return
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
