"""Use cases. The only layer that commits; one function per action."""
