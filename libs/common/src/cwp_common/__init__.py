"""Shared plumbing for the platform's services. Holds no domain rules."""
