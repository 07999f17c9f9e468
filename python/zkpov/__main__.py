"""python -m zkpov."""

from zkpov.cli import main

if __name__ == "__main__":
    main()
