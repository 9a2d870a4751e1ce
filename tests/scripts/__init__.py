"""Tests of the shell scripts under scripts/."""
