"""Operating-system plumbing every layer may use (standard library only): process lifetimes."""
