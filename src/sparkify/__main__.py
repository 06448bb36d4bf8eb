"""``python -m sparkify`` runs the command line."""

from sparkify.cli import main

if __name__ == "__main__":
    main()
