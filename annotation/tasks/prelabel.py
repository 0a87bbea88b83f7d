"""Pre-label jobs (queue gpu)."""
