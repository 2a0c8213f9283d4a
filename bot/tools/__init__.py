"""Developer tools, not run by Steady itself: bench.py (`make bench`) and epochs.py (DIET epochs)."""
