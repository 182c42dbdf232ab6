"""Block Kit builders, one function per view. They take plain values and never touch
the database."""
