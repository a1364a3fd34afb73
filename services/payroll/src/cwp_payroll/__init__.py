"""Payroll service: pay policy, payroll runs, social insurance, income tax, benchmarks."""
