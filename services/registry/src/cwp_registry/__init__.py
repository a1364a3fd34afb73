"""Registry service: who the community workers are, and in which community they serve."""
