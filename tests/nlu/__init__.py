"""Tests of the NLU backends, their training data loader, safety net and evaluation."""
